package main

// This file turns the selection flags that kbk graph, list, render and build
// share into a plan: the configuration repository's profile, overridden by the
// flags, against a Kolla tree.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/spf13/pflag"

	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// selectOptions are the flags that choose, name and render images.
type selectOptions struct {
	repo         string // the configuration repository
	kollaDir     string
	subProfile   string
	localSources bool
	// flags are the kolla-build options given on the command line, by
	// kolla-build's option name; only flags the user set are passed on, so
	// the repository's values and Kolla's defaults apply to the rest.
	flags *pflag.FlagSet
	args  []string // positional: a profile folder first, then patterns
	// extraFlags are options a command adds (kbk build's --platform), and
	// targets, when set, replace the patterns with these exact images.
	extraFlags []profiles.Flag
	targets    []string
}

// kollaFlags maps kbk's flags to kolla-build option names.
var kollaFlags = []struct{ flag, option, usage string }{
	{"base", "base", "base distro (default: the profile's, else Kolla's)"},
	{"base-arch", "base_arch", "base architecture: x86_64 or aarch64 (default: the host's)"},
	{"base-tag", "base_tag", "base image tag (default: Kolla's for the base)"},
	{"base-image", "base_image", "base image name (default: Kolla's for the base)"},
	{"registry", "registry", "image registry host"},
	{"namespace", "namespace", "image namespace (default kolla)"},
	{"image-name-prefix", "image_name_prefix", "prefix of every image name"},
	{"tag", "tag", "image tag (default: Kolla's for the release, base and base tag)"},
	{"parent-tag", "parent-tag", "tag of parent images when it differs from --tag (PARENT_DOCKER_TAG)"},
	{"repos-yaml", "repos_yaml", "repos.yaml merged over Kolla's"},
	{"patches-path", "patches_path", "patches directory passed to the templates"},
	{"maintainer", "maintainer", "image maintainer label"},
	{"openstack-release", "openstack_release", "OpenStack release (default: the Kolla tree's)"},
}

// kollaListFlags are repeatable kolla-build options.
var kollaListFlags = []struct{ flag, short, option, usage string }{
	{"profile", "p", "profile", "build the images of a [profiles] entry (repeatable)"},
	{"docker-dir", "", "docker_dir", "extra template directory laid over Kolla's (repeatable)"},
	{"template-override", "", "template_override", "template override file, after the repository's (repeatable)"},
	{"allowed-to-fail", "", "allowed_to_fail", "image whose failure does not fail the build (repeatable)"},
}

// kollaBoolFlags are kolla-build's boolean options.
var kollaBoolFlags = []struct{ flag, option, usage string }{
	{"skip-parents", "skip_parents", "do not build images that have children"},
	{"skip-existing", "skip_existing", "do not build images already in the registry"},
	{"enable-unbuildable", "enable_unbuildable", "build images Kolla lists as unbuildable for this base and arch"},
}

func (o *selectOptions) addFlags(f *pflag.FlagSet) {
	o.flags = f
	f.StringVar(&o.repo, "repo", ".", "configuration repository (kolla-build.conf, profiles/, .env)")
	f.StringVar(&o.kollaDir, "kolla-dir", "kolla-docker", "Kolla tree: a source checkout, kolla-docker/, an installed kolla package or a venv")
	f.StringVar(&o.subProfile, "sub-profile", "", "sub-profile: also read <profile>/<sub>.env (KOLLA_BUILD_SUBPROFILE)")
	f.BoolVar(&o.localSources, "local-sources", false, "also read the profile's kolla-build.local-sources.conf (KOLLA_LOCAL_SOURCES)")
	for _, k := range kollaFlags {
		f.String(k.flag, "", k.usage)
	}
	for _, k := range kollaListFlags {
		f.StringArrayP(k.flag, k.short, nil, k.usage)
	}
	for _, k := range kollaBoolFlags {
		f.Bool(k.flag, false, k.usage)
	}
}

// profileFlags returns the kolla-build options the user set on the command line.
func (o *selectOptions) profileFlags() []profiles.Flag {
	var out []profiles.Flag
	for _, k := range kollaFlags {
		if o.flags.Changed(k.flag) {
			v, _ := o.flags.GetString(k.flag)
			out = append(out, profiles.Flag{Name: k.option, Value: v})
		}
	}
	for _, k := range kollaListFlags {
		vs, _ := o.flags.GetStringArray(k.flag)
		for _, v := range vs {
			out = append(out, profiles.Flag{Name: k.option, Value: v})
		}
	}
	for _, k := range kollaBoolFlags {
		if o.flags.Changed(k.flag) {
			v, _ := o.flags.GetBool(k.flag)
			out = append(out, profiles.Flag{Name: k.option, Value: fmt.Sprint(v)})
		}
	}
	return out
}

// loadTree loads the Kolla tree named by --kolla-dir.
func loadTree(dir string) (*render.Tree, error) {
	tree, err := render.LoadTree(dir)
	if err != nil {
		return nil, fmt.Errorf("%w (fill kolla-docker/ with make kolla-docker, or name a Kolla tree with --kolla-dir)", err)
	}
	return tree, nil
}

// loadConfig loads the profile and the Kolla tree. The first positional
// argument names a profile when the repository has a folder for it; every
// other argument is a pattern, as kolla-build's positional regexes.
func loadConfig(o selectOptions) (*plan.Config, error) {
	tree, err := loadTree(o.kollaDir)
	if err != nil {
		return nil, err
	}
	flags := append(o.profileFlags(), o.extraFlags...)
	req := plan.Request{Repo: o.repo, SubProfile: o.subProfile, Env: environ(), Flags: flags, Tree: tree, Exists: inRegistry}
	if o.flags.Changed("local-sources") {
		req.LocalSources = &o.localSources
	}
	args := o.args
	if len(args) > 0 && isProfileFolder(o.repo, args[0]) {
		req.Profile, args = args[0], args[1:]
	}
	req.Patterns = args
	if len(o.targets) > 0 {
		req.Patterns = nil
		for _, t := range o.targets {
			req.Patterns = append(req.Patterns, "^"+regexp.QuoteMeta(t)+"$")
		}
	}
	return plan.Load(req)
}

// selectImages plans the build for the profile's base architecture.
func selectImages(ctx context.Context, o selectOptions) (*plan.Config, *plan.Images, error) {
	cfg, err := loadConfig(o)
	if err != nil {
		return nil, nil, err
	}
	im, err := cfg.ForArch(ctx, "")
	return cfg, im, err
}

// isProfileFolder reports whether the repository has a folder for profile
// name, at its root or under profiles/, as the profiles package finds them
// ('-' and '_' name the same profile).
func isProfileFolder(repo, name string) bool {
	names, err := profiles.List(repo)
	if err != nil {
		return false
	}
	key := func(s string) string { return strings.ReplaceAll(s, "-", "_") }
	for _, n := range names {
		if key(n) == key(name) {
			return true
		}
	}
	return false
}

// inRegistry reports whether ref exists in its registry (--skip-existing).
// Credentials come from the docker config, as docker and crane find them.
func inRegistry(ctx context.Context, ref string) (bool, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return false, err
	}
	_, err = remote.Head(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
		return false, nil
	}
	return err == nil, err
}
