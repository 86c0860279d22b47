package frontend

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kbk-dev/kbk/profiles"
)

// Option keys. Each is read from the frontend option of that name and, as with
// dockerui's own options, from the build argument of that name
// (`--build-arg profile=nova`), the frontend option winning.
const (
	KeyProfile      = "profile"
	KeyTarget       = "target"
	KeyPlatform     = "platform"
	KeyBase         = "base"
	KeyBaseTag      = "base-tag"
	KeyBaseImage    = "base-image"
	KeyTag          = "tag"
	KeyNamespace    = "namespace"
	KeyRegistry     = "registry"
	KeyLocalSources = "local-sources"
	KeyNoCache      = "no-cache"

	// KeyProfileEnv is the build argument kbk's .env files use for the profile.
	KeyProfileEnv = "KBK_PROFILE"

	// KollaContext is the named context holding the Kolla tree
	// (`--build-context kolla=<git url, dir or OCI layout>`).
	KollaContext = "kolla"
	// DefaultKollaDir is where the Kolla tree is looked for in the main context
	// when no kolla named context is given.
	DefaultKollaDir = "kolla-docker"
)

const buildArgPrefix = "build-arg:"

// isKbkKey reports whether a build argument is one kbk consumes; those are
// not passed on to the images' Dockerfiles.
func isKbkKey(name string) bool {
	switch name {
	case KeyProfile, KeyProfileEnv, KeyTarget, KeyPlatform, KeyBase, KeyBaseTag,
		KeyBaseImage, KeyTag, KeyNamespace, KeyRegistry, KeyLocalSources, KeyNoCache:
		return true
	}
	return false
}

// isPassedOption reports whether a frontend option is handed on to every
// image: named contexts of base images, the session details dockerui needs to
// load them, labels given on the command line (the plan's labels win over
// them), and whole-build dockerui options.
func isPassedOption(key string) bool {
	for _, prefix := range []string{"context:", "input-metadata:", "local-sessionid:", "sharedkey:localdir:", "label:"} {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	switch key {
	case "image-resolve-mode", "add-hosts", "force-network-mode", "shm-size", "ulimit", "cgroup-parent", "hostname":
		return true
	}
	return false
}

// Options are kbk's build options, parsed from the frontend options.
type Options struct {
	Profile   string
	Target    string
	Base      string
	BaseTag   string
	BaseImage string
	Tag       string
	Namespace string
	Registry  string
	// LocalSources selects the profile's local sources configuration.
	LocalSources bool
	// NoCache rebuilds every image; dockerui's own "no-cache" (a list of stage
	// names) is passed on unchanged when this is not set.
	NoCache bool
	// BuildArgs are the build arguments for the images' Dockerfiles: every
	// build argument except kbk's own keys.
	BuildArgs map[string]string
	// FrontendOpts are the options handed on to every image (see ConvertOptions).
	FrontendOpts map[string]string
}

// ParseOptions reads kbk's options from the frontend options of a build.
func ParseOptions(opts map[string]string) (Options, error) {
	get := func(key string) (string, bool) {
		if v, ok := opts[key]; ok {
			return v, true
		}
		v, ok := opts[buildArgPrefix+key]
		return v, ok
	}
	str := func(key string) string {
		v, _ := get(key)
		return v
	}
	o := Options{
		Profile:   str(KeyProfile),
		Target:    str(KeyTarget),
		Base:      str(KeyBase),
		BaseTag:   str(KeyBaseTag),
		BaseImage: str(KeyBaseImage),
		Tag:       str(KeyTag),
		Namespace: str(KeyNamespace),
		Registry:  str(KeyRegistry),
	}
	if o.Profile == "" {
		o.Profile = opts[buildArgPrefix+KeyProfileEnv]
	}
	var err error
	if o.LocalSources, err = boolOption(opts, buildArgPrefix+KeyLocalSources); err != nil {
		return Options{}, err
	}
	// --no-cache without a value is dockerui's "no-cache" option; as a build
	// argument it is a boolean.
	if v, ok := opts[KeyNoCache]; ok && v == "" {
		o.NoCache = true
	} else if o.NoCache, err = boolOption(opts, buildArgPrefix+KeyNoCache); err != nil {
		return Options{}, err
	}

	o.BuildArgs = map[string]string{}
	o.FrontendOpts = map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		v := opts[k]
		if name, ok := strings.CutPrefix(k, buildArgPrefix); ok {
			if !isKbkKey(name) {
				o.BuildArgs[name] = v
			}
			continue
		}
		if k == "context:"+KollaContext || strings.HasPrefix(k, "context:"+KollaContext+"::") {
			continue
		}
		if isPassedOption(k) {
			o.FrontendOpts[k] = v
		}
	}
	switch {
	case o.NoCache:
		o.FrontendOpts[KeyNoCache] = ""
	case opts[KeyNoCache] != "":
		o.FrontendOpts[KeyNoCache] = opts[KeyNoCache]
	}
	return o, nil
}

func boolOption(opts map[string]string, key string) (bool, error) {
	v, ok := opts[key]
	if !ok || v == "" {
		return false, nil
	}
	b, err := profiles.ParseBool(v) // yes/no/on/off too, as KOLLA_LOCAL_SOURCES=yes
	if err != nil {
		return false, fmt.Errorf("option %q: %q is not a boolean", strings.TrimPrefix(key, buildArgPrefix), v)
	}
	return b, nil
}
