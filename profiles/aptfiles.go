package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// AptFile is an operator's file named by apt_sources_list or
// apt_preferences, which kolla-build copies over a file of the base image's
// folder before building.
type AptFile struct {
	Option string // "apt_sources_list" or "apt_preferences"
	// Path is the file, absolute: the option's value, relative to the
	// repository root unless absolute. With LoadOptions.LocalsElsewhere it is
	// inside the repository by name and not checked to exist.
	Path   string
	Origin Origin
}

// AptImage is the image whose folder the apt files are copied into.
const AptImage = "base"

// aptOptions are the options naming apt files, in the order kolla-build
// copies them.
var aptOptions = []string{"apt_sources_list", "apt_preferences"}

// aptFiles resolves the apt files the profile names. On this machine a file
// may lie anywhere, as with kolla-build; in a build context (LocalsElsewhere)
// it must be inside the repository, which is the context.
func (l *loader) aptFiles(p *Profile) error {
	for _, opt := range aptOptions {
		s := p.Settings[opt]
		name, _ := s.Value.(string)
		if name == "" {
			continue
		}
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(l.repo, filepath.FromSlash(name))
		}
		path = filepath.Clean(path)
		if l.opts.LocalsElsewhere {
			if !within(l.repo, path) {
				return fmt.Errorf("%s: [DEFAULT] %s: %q is outside the repository, the build context the frontend reads it from", s.Origin, opt, name)
			}
		} else if err := isRegularFile(path, name); err != nil {
			return fmt.Errorf("%s: [DEFAULT] %s: %w", s.Origin, opt, err)
		}
		p.AptFiles = append(p.AptFiles, AptFile{Option: opt, Path: path, Origin: s.Origin})
	}
	return nil
}

// isRegularFile checks that path (name as the operator wrote it) is a file,
// symbolic links followed.
func isRegularFile(path, name string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%q does not exist", name)
	case err != nil:
		return fmt.Errorf("%q: %w", name, unwrapPath(err))
	case !st.Mode().IsRegular():
		return fmt.Errorf("%q is not a file", name)
	}
	return nil
}
