package profiles

import (
	"os"
	"path/filepath"
	"sort"
)

// List returns the names of the profile folders of a repository, under
// profiles/ and at the root (the seed's layout), sorted. A folder counts when
// it holds a kolla-build.conf, kolla-build.local-sources.conf,
// kolla-template-overrides.j2 or .env.
func List(repoDir string) ([]string, error) {
	seen := map[string]bool{}
	for _, base := range []string{filepath.Join(repoDir, ProfilesDir), repoDir} {
		entries, err := os.ReadDir(base)
		if err != nil {
			if os.IsNotExist(err) && base != repoDir {
				continue
			}
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() && validProfileName(e.Name()) && isProfileDir(filepath.Join(base, e.Name())) {
				seen[e.Name()] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// SourcesOf returns an image's sources as kolla-build assembles them: its
// own source section, then its plugins and additions sorted by section name.
// Disabled sources and sections without a type are left out.
func (p *Profile) SourcesOf(image string) (main *Source, plugins, additions []*Source) {
	for _, name := range sortedKeys(p.Sources) {
		s := p.Sources[name]
		if s.Image != image || s.Type == "" || !s.Enabled {
			continue
		}
		switch s.Role {
		case MainSource:
			main = s
		case Plugin:
			plugins = append(plugins, s)
		case Addition:
			additions = append(additions, s)
		}
	}
	return main, plugins, additions
}
