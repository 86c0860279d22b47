package profiles

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// isProfileDir reports whether dir holds any file a profile folder has.
func isProfileDir(dir string) bool {
	for _, f := range []string{ConfFile, LocalSourcesFile, OverridesFile, DotenvFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// findProfileDir looks for the profile folder under profiles/ and at the
// root, in both spellings of the name ('-' and '_' are the same profile).
// A profile without a folder is allowed when [profiles] defines it; that is
// checked once the conf files are read.
func (l *loader) findProfileDir() (string, error) {
	names := []string{l.profile}
	for _, alt := range []string{strings.ReplaceAll(l.profile, "-", "_"), strings.ReplaceAll(l.profile, "_", "-")} {
		if !contains(names, alt) {
			names = append(names, alt)
		}
	}
	var found []string
	for _, base := range []string{filepath.Join(l.repo, ProfilesDir), l.repo} {
		for _, n := range names {
			dir := filepath.Join(base, n)
			if isProfileDir(dir) && !contains(found, dir) {
				found = append(found, dir)
			}
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	rels := make([]string, len(found))
	for i, f := range found {
		rels[i] = l.rel(f) + "/"
	}
	return "", fmt.Errorf("several folders hold this profile: %s", strings.Join(rels, ", "))
}
