package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Files of a configuration repository and of each profile folder.
const (
	ConfFile         = "kolla-build.conf"
	LocalSourcesFile = "kolla-build.local-sources.conf"
	OverridesFile    = "kolla-template-overrides.j2"
	DotenvFile       = ".env"
	ProfilesDir      = "profiles"
)

// LoadOptions say which profile to load and what overrides the files.
type LoadOptions struct {
	Profile      string            // profile to load; "" means KOLLA_BUILD_PROFILE, else the root alone
	SubProfile   string            // sub-profile; "" means KOLLA_BUILD_SUBPROFILE
	LocalSources *bool             // nil means KOLLA_LOCAL_SOURCES, else off
	Env          map[string]string // the process environment
	Flags        []Flag            // command-line flags or build arguments; they win over everything
	Kolla        *KollaDefaults    // the Kolla release's data; nil means BuiltinKollaDefaults()
	HostArch     string            // base_arch's default; "" means HostArch()
	// LocalsElsewhere says local source locations live where the loader
	// cannot look (a BuildKit build context): they are checked to stay
	// inside the repository by name only, and whoever transfers them checks
	// that they exist.
	LocalsElsewhere bool
}

// Flag sets an option from the command line. Name is a [DEFAULT] option
// (either spelling: base-tag or base_tag) or one of kbk's own: parent-tag,
// platforms (comma separated).
type Flag struct {
	Name  string
	Value string
}

// Warning is a problem that does not stop loading.
type Warning struct {
	Origin  Origin
	Message string
}

func (w Warning) String() string { return w.Origin.String() + ": " + w.Message }

// Load reads the configuration repository at repoDir and returns the
// effective configuration of a profile: root kolla-build.conf, the profile's
// kolla-build.conf, its kolla-build.local-sources.conf when local sources are
// on, then the root .env, the profile's .env, the sub-profile's <sub>.env, the
// process environment and flags, each layer winning over the previous one.
func Load(repoDir string, opts LoadOptions) (*Profile, []Warning, error) {
	l := &loader{opts: opts, kolla: withBuiltins(opts.Kolla)}
	p, err := l.load(repoDir)
	if err != nil {
		if l.profile != "" {
			err = fmt.Errorf("profile %q: %w", l.profile, err)
		}
		return nil, nil, err
	}
	return p, l.warns, nil
}

type loader struct {
	opts    LoadOptions
	kolla   *KollaDefaults
	repo    string
	profile string
	warns   []Warning
}

func (l *loader) warn(o Origin, format string, args ...any) {
	l.warns = append(l.warns, Warning{Origin: o, Message: fmt.Sprintf(format, args...)})
}

// rel names a repository file in messages.
func (l *loader) rel(path string) string {
	r, err := filepath.Rel(l.repo, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

// readOptional reads a file, returning nil data when it does not exist.
func (l *loader) readOptional(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %w", l.rel(path), unwrapPath(err))
	}
	return data, nil
}

// unwrapPath drops the path from an *fs.PathError, which the caller names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (l *loader) load(repoDir string) (*Profile, error) {
	repo, err := filepath.Abs(repoDir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(repo); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("configuration repository %q is not a directory", repoDir)
	}
	// the real path, so that paths checked for escaping it compare alike
	if repo, err = filepath.EvalSymlinks(repo); err != nil {
		return nil, err
	}
	l.repo = repo
	p := &Profile{Repo: repo, Settings: map[string]*Setting{}}

	env := newEnvLayers(l.opts.Env)
	if err := l.readEnv(env, filepath.Join(repo, DotenvFile), p); err != nil {
		return nil, err
	}
	l.profile = l.opts.Profile
	if l.profile == "" {
		if v, ok := env.get(EnvProfile); ok {
			l.profile = strings.TrimSpace(v.Value)
		}
	}
	confs := []string{filepath.Join(repo, ConfFile)}
	overrides := []string{filepath.Join(repo, OverridesFile)}
	if l.profile != "" {
		if !validProfileName(l.profile) {
			return nil, errors.New("a profile name has only letters, digits, '_' and '-'")
		}
		p.Name, p.Key = l.profile, profileKey(l.profile)
		if p.Dir, err = l.findProfileDir(); err != nil {
			return nil, err
		}
		if p.Dir != "" {
			if err := l.readEnv(env, filepath.Join(p.Dir, DotenvFile), p); err != nil {
				return nil, err
			}
			if err := l.readSubProfile(env, p); err != nil {
				return nil, err
			}
			confs = append(confs, filepath.Join(p.Dir, ConfFile))
			overrides = append(overrides, filepath.Join(p.Dir, OverridesFile))
		}
	}
	p.Dotenv = env.fileValues()
	if p.LocalSources, err = l.localSources(env); err != nil {
		return nil, err
	}
	if p.LocalSources && p.Dir != "" {
		confs = append(confs, filepath.Join(p.Dir, LocalSourcesFile))
	}

	var files [][]assignment
	for _, path := range confs {
		data, err := l.readOptional(path)
		if err != nil {
			return nil, err
		}
		if data == nil {
			continue
		}
		as, err := parseConf(l.rel(path), data)
		if err != nil {
			return nil, err
		}
		files = append(files, as)
		p.ConfFiles = append(p.ConfFiles, l.rel(path))
	}
	l.checkKeys(files)

	r := l.newResolver(files)
	parentTag, platforms, warns := env.overrides(r.overrides)
	l.warns = append(l.warns, warns...)
	flagPlatforms, flagParent, err := l.applyFlags(r.overrides)
	if err != nil {
		return nil, err
	}
	if flagParent != nil {
		parentTag = flagParent
	}
	if flagPlatforms != nil {
		platforms = flagPlatforms
	}

	if err := l.resolveAll(r, p); err != nil {
		return nil, err
	}
	if parentTag != nil {
		p.Options.ParentTag = parentTag.Value
		p.Settings["parent_tag"] = &Setting{Group: "DEFAULT", Name: "parent_tag", Kind: KindString, Value: parentTag.Value, Origin: parentTag.Origin}
	}
	if err := l.platforms(p, platforms); err != nil {
		return nil, err
	}
	if err := l.overrideFiles(p, overrides); err != nil {
		return nil, err
	}
	if err := l.aptFiles(p); err != nil {
		return nil, err
	}
	return p, nil
}

func (l *loader) newResolver(files [][]assignment) *resolver {
	r := &resolver{
		files:     files,
		overrides: map[optKey][]rawValue{},
		kolla:     l.kolla,
		hostArch:  l.opts.HostArch,
		env:       l.opts.Env,
		groups:    map[string]bool{},
		profiles:  map[string]bool{},
		cache:     map[optKey]*Setting{},
	}
	if r.hostArch == "" {
		r.hostArch = HostArch()
	}
	for name := range l.kolla.Sources {
		r.groups[normGroup(name)] = true
	}
	for name := range l.kolla.Users {
		r.groups[normGroup(name)] = true
	}
	for name := range l.kolla.Profiles {
		r.profiles[name] = true
	}
	if l.profile != "" {
		r.profiles[profileKey(l.profile)] = true
	}
	for _, file := range files {
		for _, a := range file {
			switch g := normGroup(a.Section); g {
			case "DEFAULT":
			case "profiles":
				if !strings.Contains(a.Key, "-") {
					r.profiles[a.Key] = true
				}
			default:
				r.groups[g] = true
			}
		}
	}
	return r
}

// resolveAll computes every option, source, user and profile pattern.
func (l *loader) resolveAll(r *resolver, p *Profile) error {
	for _, spec := range defaultOptions {
		s, err := r.get("DEFAULT", spec.Name)
		if err != nil {
			return err
		}
		p.Settings[spec.Name] = s
	}
	if s := p.Settings["base_image"]; s.Value == "" || s.Value == nil {
		img := l.kolla.BaseImages[pyStr(p.Settings["base"].Value)]
		p.Settings["base_image"] = &Setting{Group: "DEFAULT", Name: "base_image", Kind: KindString,
			Value: img.Name, Origin: Origin{Kind: FromDerived, Note: "base"}}
	}
	if p.Key != "" {
		prof := p.Settings["profile"]
		names, _ := prof.Value.([]string)
		if !contains(names, p.Name) && !contains(names, p.Key) {
			prof.Value = append(append([]string{}, names...), p.Name)
			prof.Origins = append(prof.Origins, Origin{Kind: FromProfile, Var: p.Name})
			prof.Origin = Origin{Kind: FromProfile, Var: p.Name} // the last item's, as for every multi-valued option
		}
	}
	if err := fillOptions(&p.Options, p.Settings); err != nil {
		return err
	}
	if err := l.compileProfiles(r, p); err != nil {
		return err
	}
	p.Sources = map[string]*Source{}
	p.Users = map[string]*User{}
	for _, g := range sortedKeys(r.groups) {
		if strings.HasSuffix(g, "-user") {
			u, err := r.user(g)
			if err != nil {
				return err
			}
			p.Users[g] = u
			continue
		}
		src, err := r.source(g)
		if err != nil {
			return err
		}
		if src.FromRepo {
			if err := src.validate(l.repo, l.kolla.DebianArches, l.opts.LocalsElsewhere); err != nil {
				return err
			}
		}
		p.Sources[g] = src
	}
	return nil
}

// overrideFiles lists the template overrides: the root's and the profile's
// kolla-template-overrides.j2, then template_override options, relative to
// the repository root.
func (l *loader) overrideFiles(p *Profile, candidates []string) error {
	for _, path := range candidates {
		if _, err := os.Lstat(path); err != nil {
			continue
		}
		real, err := insideRepo(l.repo, path)
		if err != nil {
			return fmt.Errorf("%s: %w", l.rel(path), err)
		}
		p.OverrideFiles = append(p.OverrideFiles, real)
	}
	s := p.Settings["template_override"]
	for i, file := range p.Options.TemplateOverride {
		path, err := insideRepo(l.repo, file)
		if err != nil {
			return fmt.Errorf("%s: [DEFAULT] template_override: %w", s.Origins[i], err)
		}
		if !contains(p.OverrideFiles, path) {
			p.OverrideFiles = append(p.OverrideFiles, path)
		}
	}
	return nil
}
