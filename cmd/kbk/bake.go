package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kbk-dev/kbk/frontend"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
)

func init() { subcommands = append(subcommands, newBakeCmd) }

// EnvFrontendImage names the kbk frontend image bake files use when
// --frontend-image is not given.
const EnvFrontendImage = "KBK_FRONTEND_IMAGE"

type bakeOptions struct {
	sel           selectOptions
	platforms     []string
	push          bool
	output        string
	frontendImage string
}

func newBakeCmd(*globalOptions) *cobra.Command {
	o := &bakeOptions{}
	cmd := &cobra.Command{
		Use:   "bake [PROFILE...]",
		Short: "Write a docker buildx bake file building the profiles' images with the kbk frontend",
		Long: `Bake writes a bake file (JSON) with one target per image and one group per
profile. Every target builds the repository's context with the kbk frontend
(BUILDKIT_SYNTAX) and the build arguments profile=<profile> and target=<image>,
so that "docker buildx bake -f kbk-bake.json <profile> --push" builds and pushes
the images kbk build would. Each target is a separate solve on the builder;
kbk build, which links parents inside one session, is faster.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBake(cmd.Context(), cmd, o, args)
		},
	}
	f := cmd.Flags()
	o.sel.addFlags(f)
	f.StringSliceVar(&o.platforms, "platform", nil, "target platforms (default: the profile's)")
	f.BoolVar(&o.push, "push", false, "push every target (output type=registry)")
	f.StringVarP(&o.output, "file", "o", "-", "bake file to write; - for standard output")
	f.StringVar(&o.frontendImage, "frontend-image", os.Getenv(EnvFrontendImage), "the kbk frontend image (default $"+EnvFrontendImage+")")
	return cmd
}

// bakeFile is the part of buildx's bake JSON format kbk writes.
type bakeFile struct {
	Group  map[string]bakeGroup  `json:"group"`
	Target map[string]bakeTarget `json:"target"`
}

type bakeGroup struct {
	Targets []string `json:"targets"`
}

type bakeTarget struct {
	Context          string            `json:"context"`
	DockerfileInline string            `json:"dockerfile-inline"`
	Args             map[string]string `json:"args"`
	Platforms        []string          `json:"platforms,omitempty"`
	Tags             []string          `json:"tags"`
	Output           []string          `json:"output,omitempty"`
}

func runBake(ctx context.Context, cmd *cobra.Command, o *bakeOptions, profileNames []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.frontendImage == "" {
		return errors.New("no frontend image: give --frontend-image or set " + EnvFrontendImage + " (make frontend-image pushes one)")
	}
	if len(profileNames) == 0 {
		profileNames = []string{""} // KOLLA_BUILD_PROFILE, else every image
	}
	bf := bakeFile{Group: map[string]bakeGroup{}, Target: map[string]bakeTarget{}}
	var defaults []string
	for _, name := range profileNames {
		targets, err := bakeProfile(ctx, o, name, bf.Target)
		if err != nil {
			return err
		}
		group := name
		if group == "" {
			group = "all"
		}
		bf.Group[group] = bakeGroup{Targets: targets}
		defaults = append(defaults, group)
	}
	bf.Group["default"] = bakeGroup{Targets: defaults}
	dt, err := json.MarshalIndent(bf, "", "  ")
	if err != nil {
		return err
	}
	dt = append(dt, '\n')
	if o.output == "-" {
		_, err = cmd.OutOrStdout().Write(dt)
		return err
	}
	return writeFileAtomic(o.output, dt)
}

// bakeProfile adds the targets of one profile and returns their names. An
// image selected by several profiles is one target, built with the first
// profile that selects it.
func bakeProfile(ctx context.Context, o *bakeOptions, profile string, targets map[string]bakeTarget) ([]string, error) {
	sel := o.sel
	sel.args = nil
	if profile != "" {
		sel.args = []string{profile}
	}
	if len(o.platforms) > 0 {
		sel.extraFlags = []profiles.Flag{{Name: "platforms", Value: strings.Join(o.platforms, ",")}}
	}
	cfg, err := loadConfig(sel)
	if err != nil {
		return nil, err
	}
	if profile != "" && cfg.Profile.Name == "" {
		return nil, fmt.Errorf("profile %q: no such profile folder in %s", profile, sel.repo)
	}
	// The frontend reads the apt files from the build context, the
	// repository: one outside it would fail every target's build.
	for _, f := range cfg.Profile.AptFiles {
		if rel, err := filepath.Rel(realPath(cfg.Profile.Repo), realPath(f.Path)); err != nil || !filepath.IsLocal(rel) {
			return nil, fmt.Errorf("%s: [DEFAULT] %s: %s is outside the repository, the build context the frontend reads it from", f.Origin, f.Option, f.Path)
		}
	}
	arches, err := cfg.Arches()
	if err != nil {
		return nil, err
	}
	var platforms []string
	for _, a := range arches {
		if p := plan.Platform(a); !slices.Contains(platforms, p) {
			platforms = append(platforms, p)
		}
	}
	// Images are named the same on every platform; the first one's selection
	// names the targets.
	im, err := cfg.ForArch(ctx, arches[0])
	if err != nil {
		return nil, err
	}
	optionArgs, err := bakeOptionArgs(sel, environ())
	if err != nil {
		return nil, err
	}
	var names []string
	for _, name := range im.Selection.BuildOrder() {
		names = append(names, name)
		if _, ok := targets[name]; ok {
			continue
		}
		args := map[string]string{
			"BUILDKIT_SYNTAX":   o.frontendImage,
			frontend.KeyProfile: cfg.Profile.Name,
			frontend.KeyTarget:  name,
		}
		if cfg.Profile.Name == "" {
			delete(args, frontend.KeyProfile)
		}
		for k, v := range optionArgs {
			args[k] = v
		}
		t := bakeTarget{
			Context:          ".",
			DockerfileInline: "# syntax=" + o.frontendImage + "\n",
			Args:             args,
			Tags:             []string{im.Naming.Ref(name)},
		}
		if len(o.platforms) > 0 || len(cfg.Profile.Options.Platforms) > 0 {
			t.Platforms = platforms
		}
		if o.push || cfg.Profile.Options.Push {
			out := "type=registry"
			if isLoopbackRegistry(im.Naming.Ref(name)) {
				out += ",registry.insecure=true" // test registries on this machine speak HTTP
			}
			t.Output = []string{out}
		}
		targets[name] = t
	}
	return names, nil
}

// bakeOptionArgs passes the settings kbk bake was given on to the frontend,
// so that it renders and names the images as kbk did: naming flags as the
// frontend's own build arguments; the seed variables of the environment, and
// the flags that have one, as build arguments of the variable's name, which
// the frontend reads where kbk reads its environment. Flags nothing can carry
// to the frontend are an error rather than a build that differs from what
// kbk showed.
func bakeOptionArgs(o selectOptions, env map[string]string) (map[string]string, error) {
	args := map[string]string{}
	for _, v := range profiles.SeedVariables() {
		if value, ok := env[v]; ok {
			args[v] = value
		}
	}
	for flag, key := range map[string]string{
		"base": frontend.KeyBase, "base-tag": frontend.KeyBaseTag, "base-image": frontend.KeyBaseImage,
		"tag": frontend.KeyTag, "namespace": frontend.KeyNamespace, "registry": frontend.KeyRegistry,
		"sub-profile": profiles.EnvSubProfile, "parent-tag": profiles.EnvParentTag,
		"openstack-release": "OPENSTACK_BASE_RELEASE",
	} {
		if o.flags.Changed(flag) {
			args[key], _ = o.flags.GetString(flag)
		}
	}
	if o.flags.Changed("local-sources") {
		args[frontend.KeyLocalSources] = fmt.Sprint(o.localSources)
		delete(args, profiles.EnvLocalSources)
	}
	for _, flag := range []string{"image-name-prefix", "repos-yaml", "patches-path", "maintainer", "docker-dir", "template-override"} {
		if o.flags.Changed(flag) {
			return nil, fmt.Errorf("--%s cannot reach the frontend, which reads the profile from the build context: set it in the repository's kolla-build.conf", flag)
		}
	}
	return args, nil
}
