package profiles

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Seed variables: what the Make/.env wrappers around kolla-build read.
const (
	EnvProfile      = "KOLLA_BUILD_PROFILE"
	EnvSubProfile   = "KOLLA_BUILD_SUBPROFILE"
	EnvLocalSources = "KOLLA_LOCAL_SOURCES"
	EnvPlatform     = "DOCKER_DEFAULT_PLATFORM"
	EnvParentTag    = "PARENT_DOCKER_TAG"
	EnvInstallType  = "KOLLA_INSTALL_TYPE"
)

// envOptions maps seed variables to the kolla-build options they set.
var envOptions = []struct{ Var, Option string }{
	{"KOLLA_BASE", "base"},
	{"KOLLA_BASE_TAG", "base_tag"},
	{"KOLLA_BASE_IMAGE", "base_image"},
	{"KOLLA_BASE_ARCH", "base_arch"},
	{"DOCKER_TAG", "tag"},
	{"KOLLA_NAMESPACE", "namespace"},
	{"DOCKER_REGISTRY", "registry"},
	{"OPENSTACK_BASE_RELEASE", "openstack_release"},
	{"KOLLA_PUSH", "push"},
	{"KOLLA_USE_CACHE", "cache"},
}

// SeedVariables are the environment variables that change a profile's
// configuration when set: the option variables, the sub-profile, local
// sources and the parent tag. (The profile, platform and install type
// variables are not among them: callers pass the first two their own way,
// and the last is ignored.)
func SeedVariables() []string {
	vars := []string{EnvSubProfile, EnvLocalSources, EnvParentTag}
	for _, m := range envOptions {
		vars = append(vars, m.Var)
	}
	return vars
}

// envValue is a variable's effective value across the .env layers and the
// process environment, with where it came from.
type envValue struct {
	Value  string
	Origin Origin
}

// envLayers holds variables in precedence order: later layers win.
type envLayers struct {
	vars    map[string]envValue
	process map[string]string
}

func newEnvLayers(process map[string]string) *envLayers {
	return &envLayers{vars: map[string]envValue{}, process: process}
}

// lookup is what a .env file being read sees: earlier files, then the
// process environment.
func (e *envLayers) lookup(name string) (string, bool) {
	if v, ok := e.vars[name]; ok {
		return v.Value, true
	}
	v, ok := e.process[name]
	return v, ok
}

func (e *envLayers) addFile(vars []envVar) {
	for _, v := range vars {
		e.vars[v.Name] = envValue{Value: v.Value, Origin: Origin{Kind: FromDotenv, Var: v.Name, Pos: v.Pos}}
	}
}

// fileValues are the .env files' variables, the later file winning.
func (e *envLayers) fileValues() map[string]string {
	out := make(map[string]string, len(e.vars))
	for name, v := range e.vars {
		out[name] = v.Value
	}
	return out
}

// get returns a variable with the process environment winning over .env files.
func (e *envLayers) get(name string) (envValue, bool) {
	if v, ok := e.process[name]; ok {
		return envValue{Value: v, Origin: Origin{Kind: FromEnv, Var: name}}, true
	}
	v, ok := e.vars[name]
	return v, ok
}

// overrides turns the seed variables into option overrides and kbk settings.
func (e *envLayers) overrides(into map[optKey][]rawValue) (parentTag, platforms *envValue, warns []Warning) {
	for _, m := range envOptions {
		if v, ok := e.get(m.Var); ok {
			into[optKey{"DEFAULT", m.Option}] = []rawValue{{Text: v.Value, Origin: v.Origin}}
		}
	}
	if v, ok := e.get(EnvInstallType); ok {
		warns = append(warns, Warning{Origin: v.Origin, Message: fmt.Sprintf(
			"%s=%s is ignored: Kolla no longer has install types and always builds from source", EnvInstallType, v.Value)})
	}
	if v, ok := e.get(EnvParentTag); ok {
		parentTag = &v
	}
	if v, ok := e.get(EnvPlatform); ok && strings.TrimSpace(v.Value) != "" {
		platforms = &v
	}
	return parentTag, platforms, warns
}

// readEnv adds a .env file, when it exists, to the layers.
func (l *loader) readEnv(env *envLayers, path string, p *Profile) error {
	data, err := l.readOptional(path)
	if err != nil || data == nil {
		return err
	}
	vars, err := parseDotenv(l.rel(path), data, env.lookup)
	if err != nil {
		return err
	}
	env.addFile(vars)
	p.EnvFiles = append(p.EnvFiles, l.rel(path))
	return nil
}

func (l *loader) readSubProfile(env *envLayers, p *Profile) error {
	sub := l.opts.SubProfile
	var origin Origin
	if sub == "" {
		v, ok := env.get(EnvSubProfile)
		if !ok || strings.TrimSpace(v.Value) == "" {
			return nil
		}
		sub, origin = strings.TrimSpace(v.Value), v.Origin
	}
	if !validProfileName(sub) {
		return fmt.Errorf("sub-profile %q: a sub-profile name has only letters, digits, '_' and '-'", sub)
	}
	path := filepath.Join(p.Dir, sub+".env")
	data, err := l.readOptional(path)
	if err != nil {
		return err
	}
	if data == nil {
		if origin.Kind != FromDefault {
			return fmt.Errorf("sub-profile %q (%s): %s does not exist", sub, origin, l.rel(path))
		}
		return fmt.Errorf("sub-profile %q: %s does not exist", sub, l.rel(path))
	}
	p.SubProfile = sub
	return l.readEnv(env, path, p)
}

func (l *loader) localSources(env *envLayers) (bool, error) {
	if l.opts.LocalSources != nil {
		return *l.opts.LocalSources, nil
	}
	v, ok := env.get(EnvLocalSources)
	if !ok || strings.TrimSpace(v.Value) == "" {
		return false, nil
	}
	on, err := ParseBool(strings.TrimSpace(v.Value))
	if err != nil {
		return false, fmt.Errorf("%s: %w", v.Origin, err)
	}
	return on, nil
}
