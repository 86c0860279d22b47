package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/spf13/cobra"

	"github.com/kbk-dev/kbk/plan"
)

func init() { subcommands = append(subcommands, newRenderCmd) }

type renderOptions struct {
	selectOptions
	out string
}

func newRenderCmd(*globalOptions) *cobra.Command {
	var o renderOptions
	cmd := &cobra.Command{
		Use:   "render [PROFILE] [REGEX...]",
		Short: "Write the Dockerfiles of Kolla images, like kolla-build --template-only",
		Long: `Render Kolla's Dockerfile templates with the configuration repository's
profile and write DIR/docker/<image path>/Dockerfile, byte for byte what
kolla-build --template-only writes. Without a profile or patterns every image
is written; otherwise the selected images and their parents.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.args = args
			return runRender(cmd, o)
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.out, "output", "o", "kbk-render", "directory to write docker/<image path>/Dockerfile into")
	return cmd
}

func runRender(cmd *cobra.Command, o renderOptions) error {
	cfg, im, err := selectImages(cmd.Context(), o.selectOptions)
	if err != nil {
		return err
	}
	printWarnings(cmd.Context(), cmd.ErrOrStderr(), cfg, []*plan.Images{im})
	names := im.Graph.Names()
	if im.Selection.Filtered() {
		names = im.Selection.Selected()
	}
	if err := writeDockerfiles(cmd.Context(), im, names, o.out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %d Dockerfiles under %s\n", len(names), filepath.Join(o.out, "docker"))
	return err
}

// writeDockerfiles writes the rendered Dockerfiles of names, a few at a time.
func writeDockerfiles(ctx context.Context, im *plan.Images, names []string, out string) error {
	errs := make([]error, len(names))
	limit := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			if errs[i] = ctx.Err(); errs[i] != nil {
				return
			}
			dir := filepath.Join(out, "docker", filepath.FromSlash(im.Paths[name]))
			if errs[i] = os.MkdirAll(dir, 0o755); errs[i] != nil {
				return
			}
			errs[i] = os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(im.Dockerfiles[name]), 0o644)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
