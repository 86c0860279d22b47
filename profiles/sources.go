package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SourceRole says what a source section provides to its image.
type SourceRole int

const (
	MainSource SourceRole = iota // [<image>]: the image's own source archive
	Plugin                       // [<image>-plugin-<name>]: lands under plugins/
	Addition                     // [<image>-additions-<name>]: lands under additions/
)

// Source is the effective definition of one source section.
type Source struct {
	Section   string // lower-case section name, e.g. "nova-base-plugin-blazar"
	Image     string // "nova-base"
	Role      SourceRole
	Part      string // the plugin or addition name, e.g. "blazar"
	Type      string // "git", "url", "local", or "" when the section defines no source
	Location  string // after substitution
	Reference string // git reference
	Enabled   bool
	Version   string
	SHA256    map[string]string // Debian architecture → checksum, for url sources
	Path      string            // local sources: absolute path inside the repository
	Origins   map[string]Origin // per option
	FromRepo  bool              // the repository sets at least one option of the section
}

// splitSection tells the image and role of a source section.
func splitSection(section string) (image string, role SourceRole, part string) {
	if i := strings.Index(section, "-plugin-"); i > 0 && i+len("-plugin-") < len(section) {
		return section[:i], Plugin, section[i+len("-plugin-"):]
	}
	if i := strings.Index(section, "-additions-"); i > 0 && i+len("-additions-") < len(section) {
		return section[:i], Addition, section[i+len("-additions-"):]
	}
	return section, MainSource, ""
}

func (r *resolver) source(section string) (*Source, error) {
	image, role, part := splitSection(section)
	src := &Source{Section: section, Image: image, Role: role, Part: part, Origins: map[string]Origin{}}
	for _, spec := range sourceOptions {
		s, err := r.get(section, spec.Name)
		if err != nil {
			return nil, err
		}
		src.Origins[spec.Name] = s.Origin
		if s.Origin.Kind == FromFile {
			src.FromRepo = true
		}
		switch spec.Name {
		case "type":
			src.Type, _ = s.Value.(string)
		case "location":
			src.Location, _ = s.Value.(string)
		case "reference":
			src.Reference, _ = s.Value.(string)
		case "enabled":
			src.Enabled, _ = s.Value.(bool)
		case "version":
			src.Version, _ = s.Value.(string)
		case "sha256":
			src.SHA256, _ = s.Value.(map[string]string)
		}
	}
	return src, nil
}

// validate checks what kolla-build would only find out while building.
func (s *Source) validate(repo string, debianArches []string, elsewhere bool) error {
	if s.Type == "" || !s.Enabled {
		return nil
	}
	at := func(opt string) string { return fmt.Sprintf("%s: [%s] %s", s.Origins[opt], s.Section, opt) }
	if s.Location == "" {
		return fmt.Errorf("%s: a %s source needs a location", at("type"), s.Type)
	}
	switch s.Type {
	case "git":
		if s.Reference == "" {
			return fmt.Errorf("%s: a git source needs a reference (branch, tag or commit)", at("type"))
		}
	case "url":
		for _, arch := range sortedKeys(s.SHA256) {
			sum := s.SHA256[arch]
			if !contains(debianArches, arch) {
				return fmt.Errorf("%s: unknown architecture %q (want one of %s)", at("sha256"), arch, strings.Join(debianArches, ", "))
			}
			if !isSHA256(sum) {
				return fmt.Errorf("%s: %s checksum %q is not 64 hexadecimal digits", at("sha256"), arch, sum)
			}
		}
	case "local":
		check := insideRepo
		if elsewhere {
			check = insideRepoByName
		}
		path, err := check(repo, s.Location)
		if err != nil {
			return fmt.Errorf("%s: local source %w", at("location"), err)
		}
		s.Path = path
	}
	return nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// insideRepo resolves a local location relative to the repository root and
// checks that it exists and, symbolic links followed, stays inside it.
func insideRepo(repo, location string) (string, error) {
	path := location
	if !filepath.IsAbs(path) {
		path = filepath.Join(repo, filepath.FromSlash(location))
	}
	if !within(filepath.Clean(repo), filepath.Clean(path)) {
		return "", fmt.Errorf("%q is outside the repository", location)
	}
	root, err := filepath.EvalSymlinks(repo)
	if err != nil {
		return "", fmt.Errorf("repository root: %w", err)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%q does not exist", location)
		}
		return "", fmt.Errorf("%q: %w", location, unwrapPath(err))
	}
	if !within(root, real) {
		return "", fmt.Errorf("%q leads outside the repository through a symbolic link", location)
	}
	if _, err := os.Stat(real); err != nil {
		return "", fmt.Errorf("%q: %w", location, unwrapPath(err))
	}
	return real, nil
}

// insideRepoByName is insideRepo for locations that are not on this machine:
// the resolved path must stay inside the repository by name.
func insideRepoByName(repo, location string) (string, error) {
	path := location
	if !filepath.IsAbs(path) {
		path = filepath.Join(repo, filepath.FromSlash(location))
	}
	if !within(filepath.Clean(repo), filepath.Clean(path)) {
		return "", fmt.Errorf("%q is outside the repository", location)
	}
	return filepath.Clean(path), nil
}

// User is the effective definition of a [<name>-user] section.
type User struct {
	Name    string // section name without "-user"
	UID     *int
	GID     *int
	Group   string
	Origins map[string]Origin
}

func (r *resolver) user(section string) (*User, error) {
	u := &User{Name: strings.TrimSuffix(section, "-user"), Origins: map[string]Origin{}}
	for _, spec := range userOptions {
		s, err := r.get(section, spec.Name)
		if err != nil {
			return nil, err
		}
		u.Origins[spec.Name] = s.Origin
		switch v := s.Value.(type) {
		case int:
			n := v
			if spec.Name == "uid" {
				u.UID = &n
			} else {
				u.GID = &n
			}
		case string:
			u.Group = v
		}
	}
	return u, nil
}

// within reports whether path is root or below it; both must be clean.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
