package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

func init() { subcommands = append(subcommands, newConfigCmd) }

type configOptions struct {
	repo         string
	showOrigin   bool
	format       string
	subProfile   string
	localSources bool
	set          []string
	kollaDir     string
}

func newConfigCmd(*globalOptions) *cobra.Command {
	o := &configOptions{}
	cmd := &cobra.Command{
		Use:   "config [PROFILE]",
		Short: "Print the effective configuration of a profile",
		Long: `Print the effective configuration of a build profile: the repository's root
kolla-build.conf, the profile's kolla-build.conf (and kolla-build.local-sources.conf
with local sources on), then the .env files, the environment and --set flags.
Without PROFILE, KOLLA_BUILD_PROFILE names it; without either, the root alone.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lo := profiles.LoadOptions{SubProfile: o.subProfile, Env: environ()}
			// Kolla's defaults come from the tree being built when there is
			// one; without it, from the release kbk was tested against.
			if tree, err := render.LoadTree(o.kollaDir); err == nil {
				lo.Kolla = plan.KollaDefaults(tree)
			} else if cmd.Flags().Changed("kolla-dir") {
				return fmt.Errorf("%w (fill kolla-docker/ with make kolla-docker, or name a Kolla tree with --kolla-dir)", err)
			}
			if len(args) == 1 {
				lo.Profile = args[0]
			}
			if cmd.Flags().Changed("local-sources") {
				lo.LocalSources = &o.localSources
			}
			for _, s := range o.set {
				name, value, ok := strings.Cut(s, "=")
				if !ok {
					return fmt.Errorf("--set %q: want NAME=VALUE", s)
				}
				lo.Flags = append(lo.Flags, profiles.Flag{Name: name, Value: value})
			}
			return runConfig(cmd.OutOrStdout(), cmd.ErrOrStderr(), o, lo)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.repo, "repo", ".", "configuration repository (root kolla-build.conf and profile folders)")
	f.StringVar(&o.kollaDir, "kolla-dir", "kolla-docker", "Kolla tree whose defaults apply (without one, Kolla "+profiles.BuiltinKollaVersion+"'s)")
	f.BoolVar(&o.showOrigin, "show-origin", false, "show the file and line, variable or flag each value comes from")
	f.StringVar(&o.format, "format", "text", "output format: text or json")
	f.StringVar(&o.subProfile, "sub-profile", "", "sub-profile: read <profile>/<SUB>.env (default $KOLLA_BUILD_SUBPROFILE)")
	f.BoolVar(&o.localSources, "local-sources", false, "read the profile's kolla-build.local-sources.conf (default $KOLLA_LOCAL_SOURCES)")
	f.StringArrayVar(&o.set, "set", nil, "set an option, as kolla-build's command line would (NAME=VALUE, repeatable)")
	return cmd
}

func environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

func runConfig(out, errOut io.Writer, o *configOptions, lo profiles.LoadOptions) error {
	p, warns, err := profiles.Load(o.repo, lo)
	if err != nil {
		return err
	}
	for _, w := range warns {
		fmt.Fprintln(errOut, "warning:", w)
	}
	switch o.format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(configJSON(p, warns))
	case "text":
		return writeConfigText(out, p, o.showOrigin)
	}
	return fmt.Errorf("unknown --format %q (want text or json)", o.format)
}

// iniValue prints a value so that it reads back the same from a conf file.
func iniValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(v)
	case []string:
		return strings.Join(v, ",")
	case map[string]string:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		pairs := make([]string, len(keys))
		for i, k := range keys {
			pairs[i] = k + ":" + v[k]
		}
		return strings.Join(pairs, ",")
	}
	return fmt.Sprint(v)
}

type textWriter struct {
	w          io.Writer
	showOrigin bool
	err        error
}

func (t *textWriter) line(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format+"\n", args...)
	}
}

func (t *textWriter) setting(name string, value any, origin profiles.Origin) {
	text := strings.TrimRight(name+" = "+iniValue(value), " ")
	if t.showOrigin {
		t.line("%-60s ; %s", text, origin)
		return
	}
	t.line("%s", text)
}

func writeConfigText(w io.Writer, p *profiles.Profile, showOrigin bool) error {
	t := &textWriter{w: w, showOrigin: showOrigin}
	name := p.Name
	if name == "" {
		name = "(root only)"
	}
	t.line("; profile: %s", name)
	if p.Dir != "" {
		rel, _ := filepath.Rel(p.Repo, p.Dir)
		t.line("; folder: %s", filepath.ToSlash(rel))
	}
	if p.SubProfile != "" {
		t.line("; sub-profile: %s", p.SubProfile)
	}
	t.line("; local sources: %t", p.LocalSources)
	t.line("; conf files: %s", strings.Join(p.ConfFiles, ", "))
	t.line("; env files: %s", strings.Join(p.EnvFiles, ", "))
	var overrides []string
	for _, f := range p.OverrideFiles {
		rel, _ := filepath.Rel(p.Repo, f)
		overrides = append(overrides, filepath.ToSlash(rel))
	}
	t.line("; template overrides: %s", strings.Join(overrides, ", "))

	t.line("")
	t.line("[DEFAULT]")
	for _, n := range p.SettingNames() {
		s := p.Settings[n]
		if items, ok := s.Value.([]string); ok && s.Kind == profiles.KindMulti {
			for i, it := range items {
				t.setting(n, it, s.Origins[i])
			}
			if len(items) == 0 {
				t.setting(n, nil, s.Origin)
			}
			continue
		}
		t.setting(n, s.Value, s.Origin)
	}

	t.line("")
	t.line("[profiles]")
	for _, n := range sortedNames(p.Profiles) {
		pats := p.Profiles[n]
		var texts []string
		for _, it := range pats.Items {
			texts = append(texts, it.Text)
		}
		t.setting(n, texts, pats.Origin)
	}

	for _, n := range sortedNames(p.Sources) {
		src := p.Sources[n]
		if !src.FromRepo {
			continue
		}
		t.line("")
		t.line("[%s]", n)
		for _, f := range []struct {
			name  string
			value any
		}{{"type", src.Type}, {"location", src.Location}, {"reference", src.Reference},
			{"enabled", src.Enabled}, {"version", src.Version}, {"sha256", src.SHA256}} {
			if o := src.Origins[f.name]; o.Kind != profiles.FromDefault || iniValue(f.value) != "" {
				t.setting(f.name, f.value, o)
			}
		}
		if src.Path != "" {
			rel, _ := filepath.Rel(p.Repo, src.Path)
			t.line("; local path: %s", filepath.ToSlash(rel))
		}
	}
	for _, n := range sortedNames(p.Users) {
		u := p.Users[n]
		if u.Origins["uid"].Kind != profiles.FromFile && u.Origins["gid"].Kind != profiles.FromFile && u.Origins["group"].Kind != profiles.FromFile {
			continue
		}
		t.line("")
		t.line("[%s]", n)
		t.setting("uid", derefInt(u.UID), u.Origins["uid"])
		t.setting("gid", derefInt(u.GID), u.Origins["gid"])
		t.setting("group", u.Group, u.Origins["group"])
	}
	return t.err
}

func derefInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type jsonValue struct {
	Value   any      `json:"value"`
	Origin  string   `json:"origin"`
	Origins []string `json:"origins,omitempty"`
}

func configJSON(p *profiles.Profile, warns []profiles.Warning) any {
	options := map[string]jsonValue{}
	for n, s := range p.Settings {
		v := jsonValue{Value: s.Value, Origin: s.Origin.String()}
		for _, o := range s.Origins {
			v.Origins = append(v.Origins, o.String())
		}
		options[n] = v
	}
	pats := map[string]jsonValue{}
	for n, ps := range p.Profiles {
		texts := []string{}
		for _, it := range ps.Items {
			texts = append(texts, it.Text)
		}
		pats[n] = jsonValue{Value: texts, Origin: ps.Origin.String()}
	}
	sources := map[string]any{}
	for n, s := range p.Sources {
		if !s.FromRepo {
			continue
		}
		origins := map[string]string{}
		for k, o := range s.Origins {
			origins[k] = o.String()
		}
		sources[n] = map[string]any{
			"image": s.Image, "type": s.Type, "location": s.Location, "reference": s.Reference,
			"enabled": s.Enabled, "version": s.Version, "sha256": s.SHA256, "path": s.Path, "origins": origins,
		}
	}
	var warnings []string
	for _, w := range warns {
		warnings = append(warnings, w.String())
	}
	return map[string]any{
		"profile":        p.Name,
		"folder":         p.Dir,
		"sub_profile":    p.SubProfile,
		"local_sources":  p.LocalSources,
		"conf_files":     p.ConfFiles,
		"env_files":      p.EnvFiles,
		"override_files": p.OverrideFiles,
		"options":        options,
		"profiles":       pats,
		"sources":        sources,
		"warnings":       warnings,
	}
}
