package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() { subcommands = append(subcommands, newBuildCmd) }

// buildOptions are kbk build's flags.
type buildOptions struct {
	sel         selectOptions
	push        bool
	platforms   []string
	targets     []string
	noCache     bool
	output      string
	summaryJSON string
	retries     int
	cacheFrom   []string
	cacheTo     []string
}

func newBuildCmd(g *globalOptions) *cobra.Command {
	o := &buildOptions{}
	cmd := &cobra.Command{
		Use:   "build [PROFILE|REGEX...]",
		Short: "Build (and push) every image of a profile in one BuildKit session",
		Long: `Build renders the profile's images, links every child to its parent inside
one BuildKit session and solves all selected images concurrently: shared
ancestors are built once. Each image is pushed (--push) to
<registry>/<namespace>/<prefix><name>:<tag> or written as an OCI archive under
--output. A failed image fails only its descendants.

The seed's environment works as with kolla-build: KOLLA_BUILD_PROFILE,
KOLLA_PUSH=yes, KOLLA_USE_CACHE=no, KOLLA_LOCAL_SOURCES, DOCKER_DEFAULT_PLATFORM,
KOLLA_BASE_ARCH, PARENT_DOCKER_TAG and the repository's .env files.

BuildKit is the daemon at --addr or BUILDKIT_HOST, else every node of the
current buildx builder (remote, docker-container or kubernetes driver), each
building the platforms it is declared for.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.sel.args = args
			return runBuild(cmd, g, o)
		},
	}
	o.addFlags(cmd.Flags())
	return cmd
}

func (o *buildOptions) addFlags(f *pflag.FlagSet) {
	o.sel.addFlags(f)
	f.BoolVar(&o.push, "push", false, "push every built image (default: the profile's push option, KOLLA_PUSH)")
	f.StringSliceVar(&o.platforms, "platform", nil, "target platforms, e.g. linux/amd64,linux/arm64 (default: DOCKER_DEFAULT_PLATFORM, else base_arch)")
	f.StringArrayVar(&o.targets, "target", nil, "build only this image and its ancestors (repeatable)")
	f.BoolVar(&o.noCache, "no-cache", false, "do not use BuildKit's cache (default: the profile's cache option, KOLLA_USE_CACHE)")
	f.StringVar(&o.output, "output", "", "write every image as an OCI archive <DIR>/<name>.tar")
	f.StringVar(&o.summaryJSON, "summary-json", "", "write the build summary as JSON to this file (default: the profile's summary_json_file)")
	f.IntVar(&o.retries, "retries", 0, "retry a failed image's solve this many times (default: the profile's retries)")
	f.StringArrayVar(&o.cacheFrom, "cache-from", nil, "import build cache, e.g. type=registry,ref=HOST/NS/cache (per-image tags; repeatable)")
	f.StringArrayVar(&o.cacheTo, "cache-to", nil, "export build cache, e.g. type=registry,ref=HOST/NS/cache,mode=max (per-image tags; repeatable)")
}

func runBuild(cmd *cobra.Command, g *globalOptions, o *buildOptions) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	start := time.Now()
	caches, err := parseBuildCaches(o.cacheFrom, o.cacheTo)
	if err != nil {
		return err
	}
	bp, err := planBuild(ctx, o)
	if err != nil {
		return err
	}
	if g.debug {
		fmt.Fprintf(cmd.ErrOrStderr(), "debug: planned %s in %.2fs\n", bp, time.Since(start).Seconds())
	}
	printWarnings(ctx, cmd.ErrOrStderr(), bp.cfg, bp.images)
	if !bp.push && bp.output == "" {
		fmt.Fprintln(cmd.ErrOrStderr(), "note: neither --push nor --output: images are built and kept in BuildKit's cache only")
	}
	nodes, err := buildNodes(g.addr, g.tls)
	if err != nil {
		return err
	}
	parts, err := routePlatforms(ctx, nodes, bp)
	if err != nil {
		return err
	}
	defer func() {
		for _, p := range parts {
			p.c.Close()
		}
	}()
	if len(parts) > 1 && bp.output != "" {
		return fmt.Errorf("--output writes each image's archive from one daemon; the platforms go to %d nodes of the builder: give --addr to build on one of them", len(parts))
	}
	mux, finishProgress, err := startProgress(cmd.ErrOrStderr(), g.progress)
	if err != nil {
		return err
	}
	results := runParts(ctx, parts, caches, mux)
	finishProgress()
	if len(parts) == 1 && results[0].err != nil {
		return results[0].err
	}
	if g.debug {
		for _, r := range results {
			if r.err == nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "debug: %s: converted in %.2fs\n", r.part.node.Endpoint, r.res.converted.Seconds())
			}
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "debug: built in %.2fs\n", time.Since(start).Seconds())
	}
	names, jobs := results[0].res.names, results[0].res.jobs
	if len(parts) > 1 {
		if names, jobs, err = mergeParts(ctx, bp, results); err != nil {
			return err
		}
	}
	sum := newSummary(bp)
	for _, name := range names {
		sum.add(jobs[name])
	}
	sum.Seconds = time.Since(start).Seconds()
	sum.write(cmd.OutOrStdout())
	if path := bp.summaryJSON; path != "" {
		if err := sum.writeJSONFile(path); err != nil {
			return err
		}
	}
	if n := sum.failures(); n > 0 {
		return fmt.Errorf("%d image(s) failed: %s", n, strings.Join(sum.failedNames(), ", "))
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file beside it.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
