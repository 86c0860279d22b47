package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kbk-dev/kbk/lint"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

func init() { subcommands = append(subcommands, newLintCmd) }

// lintOptions are the command line of `kbk lint`.
type lintOptions struct {
	repo              string
	kollaDir          string
	base, baseArch    string
	subProfile        string
	strict            bool
	format            string
	enableUnbuildable bool
}

func newLintCmd(*globalOptions) *cobra.Command {
	o := &lintOptions{}
	cmd := &cobra.Command{
		Use:   "lint [PROFILE...]",
		Short: "Find mistakes in the configuration repository that kolla-build silently ignores",
		Long: `Check build profiles against the Kolla tree: override blocks and customisation
variables no template uses, _remove entries that remove nothing, sources for images
that do not exist, profile patterns that select nothing, and template overrides that
fail to render. Without PROFILE every profile folder of the repository is checked.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd.Context(), cmd.OutOrStdout(), o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.repo, "repo", ".", "configuration repository (root kolla-build.conf and profile folders)")
	f.StringVar(&o.kollaDir, "kolla-dir", "kolla-docker", "Kolla tree: a source checkout, kolla-docker/ or an installed kolla package")
	f.StringVar(&o.base, "base", "", "base distro (default: the profile's)")
	f.StringVar(&o.baseArch, "base-arch", "", "base architecture: x86_64 or aarch64 (default: the profile's)")
	f.StringVar(&o.subProfile, "sub-profile", "", "sub-profile: read <profile>/<SUB>.env")
	f.BoolVar(&o.strict, "strict", false, "fail on warnings too (for CI)")
	f.StringVar(&o.format, "format", "text", "output format: text or json")
	f.BoolVar(&o.enableUnbuildable, "enable-unbuildable", false, "keep images Kolla lists as unbuildable for the base and arch")
	return cmd
}

func runLint(ctx context.Context, out io.Writer, o *lintOptions, names []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("--format %q: want text or json", o.format)
	}
	tree, err := loadKollaTree(o.kollaDir)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		if names, err = profiles.List(o.repo); err != nil {
			return fmt.Errorf("configuration repository %q: %w", o.repo, err)
		}
		if len(names) == 0 {
			names = []string{""} // the root alone
		}
	}
	var diags []lint.Diagnostic
	for _, name := range names {
		ds, err := lintProfile(ctx, tree, o, name)
		if err != nil {
			return err
		}
		diags = append(diags, ds...)
	}
	diags = lint.Sort(diags)
	if err := writeDiagnostics(out, o.format, diags); err != nil {
		return err
	}
	return lintVerdict(diags, o.strict)
}

// loadKollaTree loads the Kolla tree named by --kolla-dir.
func loadKollaTree(dir string) (*render.Tree, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("no Kolla tree at %q: run `make kolla-docker` to fill ./kolla-docker, or name a tree with --kolla-dir", dir)
	}
	tree, err := render.LoadTree(dir)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make kolla-docker` to fill ./kolla-docker, or name a tree with --kolla-dir)", err)
	}
	return tree, nil
}

// loadProfile loads one profile against the tree's release data.
func loadProfile(repo, name, subProfile string, tree *render.Tree, flags []profiles.Flag, localSources *bool) (*profiles.Profile, []profiles.Warning, error) {
	return profiles.Load(repo, profiles.LoadOptions{
		Profile: name, SubProfile: subProfile, LocalSources: localSources,
		Env: environ(), Flags: flags, Kolla: plan.KollaDefaults(tree),
	})
}

// lintProfile lints one profile. A profile that does not load is one error
// diagnostic; so is a kolla-build.local-sources.conf that fails with local
// sources on, which a default load does not read.
func lintProfile(ctx context.Context, tree *render.Tree, o *lintOptions, name string) ([]lint.Diagnostic, error) {
	var flags []profiles.Flag
	if o.base != "" {
		flags = append(flags, profiles.Flag{Name: "base", Value: o.base})
	}
	if o.baseArch != "" {
		flags = append(flags, profiles.Flag{Name: "base_arch", Value: o.baseArch})
	}
	p, warns, err := loadProfile(o.repo, name, o.subProfile, tree, flags, nil)
	if err != nil {
		return []lint.Diagnostic{loadError(name, err)}, nil
	}
	diags := lint.Warnings(name, warns)
	if p.Dir != "" && !p.LocalSources {
		if _, err := os.Stat(filepath.Join(p.Dir, profiles.LocalSourcesFile)); err == nil {
			on := true
			if _, _, err := loadProfile(o.repo, name, o.subProfile, tree, flags, &on); err != nil {
				diags = append(diags, loadError(name, fmt.Errorf("%w (with local sources on)", err)))
			}
		}
	}
	ds, err := lint.Lint(ctx, tree, p, lint.Options{Env: environ(), EnableUnbuildable: o.enableUnbuildable})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return append(diags, loadError(name, err)), nil
	}
	return append(diags, ds...), nil
}

func loadError(profile string, err error) lint.Diagnostic {
	return lint.Diagnostic{Severity: lint.Error, Code: lint.CodeConfig, Message: err.Error(), Profile: profile}
}

func writeDiagnostics(w io.Writer, format string, diags []lint.Diagnostic) error {
	if format == "json" {
		if diags == nil {
			diags = []lint.Diagnostic{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(diags)
	}
	for _, d := range diags {
		if _, err := fmt.Fprintln(w, d); err != nil {
			return err
		}
	}
	return nil
}

// lintVerdict fails on errors, and on warnings with --strict.
func lintVerdict(diags []lint.Diagnostic, strict bool) error {
	var errs, warns int
	for _, d := range diags {
		if d.Severity == lint.Error {
			errs++
		} else {
			warns++
		}
	}
	switch {
	case errs > 0:
		return fmt.Errorf("lint: %d error(s), %d warning(s)", errs, warns)
	case strict && warns > 0:
		return fmt.Errorf("lint: %d warning(s) (--strict)", warns)
	}
	return nil
}
