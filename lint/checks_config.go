package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/profiles"
)

// checkSources reports source, plugin and additions sections of the
// repository for images the tree does not have, and local locations that do
// not exist (kolla-build finds out only when it builds the image).
func (l *linter) checkSources() {
	kolla := map[string]bool{}
	for _, s := range l.tree.Sources {
		kolla[strings.ToLower(s.Name)] = true
	}
	for _, name := range sortedKeys(l.p.Sources) {
		s := l.p.Sources[name]
		if !s.FromRepo {
			continue
		}
		file, line := sectionPos(s)
		if !kolla[s.Section] && l.idx.byName[s.Image] == nil {
			what := "source"
			switch s.Role {
			case profiles.Plugin:
				what = "plugin"
			case profiles.Addition:
				what = "additions"
			}
			l.report(Diagnostic{File: file, Line: line, Code: CodeUnknownSourceImage,
				Message: fmt.Sprintf("%s section [%s] is for image %q, which is not in the Kolla tree%s",
					what, s.Section, s.Image, didYouMean(s.Image, l.idx.imageNames()))})
		}
		if s.Type == "local" && s.Path == "" && s.Location != "" {
			path := s.Location
			if !filepath.IsAbs(path) {
				path = filepath.Join(l.p.Repo, filepath.FromSlash(path))
			}
			if _, err := os.Stat(path); err != nil {
				file, line := originPos(s.Origins["location"])
				l.report(Diagnostic{File: file, Line: line, Code: CodeMissingLocation,
					Message: fmt.Sprintf("[%s] location: local source %q does not exist", s.Section, s.Location)})
			}
		}
	}
}

// sectionPos is where the repository sets a source section: its type, else
// its location, else any option it sets.
func sectionPos(s *profiles.Source) (string, int) {
	for _, opt := range []string{"type", "location"} {
		if f, line := originPos(s.Origins[opt]); f != "" {
			return f, line
		}
	}
	for _, opt := range sortedKeys(s.Origins) {
		if f, line := originPos(s.Origins[opt]); f != "" {
			return f, line
		}
	}
	return "", 0
}

// checkPatterns reports [profiles] patterns of the repository that select
// no image of the tree, and a profile that builds nothing here because every
// image it selects is unbuildable on this distro and arch.
func (l *linter) checkPatterns() {
	names := l.idx.imageNames()
	for _, key := range sortedKeys(l.p.Profiles) {
		pats := l.p.Profiles[key]
		if pats.Origin.Kind != profiles.FromFile {
			continue
		}
		for _, pat := range pats.Items {
			m, err := profiles.NewMatcher([]string{pat.Text})
			if err != nil {
				continue // the loader reports bad patterns
			}
			if matchesAny(m, names) {
				continue
			}
			file, line := originPos(pat.Origin)
			literal := strings.Trim(pat.Text, "^$")
			l.report(Diagnostic{File: file, Line: line, Code: CodePatternNoMatch,
				Message: fmt.Sprintf("[profiles] %s: pattern %q selects no image%s", key, pat.Text, didYouMean(literal, names))})
		}
	}
	l.checkEmptyProfile()
}

func matchesAny(m *profiles.Matcher, names []string) bool {
	for _, n := range names {
		if m.Match(n) {
			return true
		}
	}
	return false
}

func (l *linter) checkEmptyProfile() {
	sel := l.built.Selection
	if l.p.Key == "" || !sel.Filtered() || len(sel.Selected()) > 0 {
		return
	}
	var unbuildable, rules []string
	for _, name := range sel.WithStatus(graph.Unbuildable) {
		d, _ := sel.Decision(name)
		if d.Pattern == "" {
			continue
		}
		unbuildable = append(unbuildable, name)
		if !contains(rules, d.Rule) {
			rules = append(rules, d.Rule)
		}
	}
	if len(unbuildable) == 0 {
		return // every pattern selecting nothing is reported above
	}
	var file string
	var line int
	if pats := l.p.Profiles[l.p.Key]; pats != nil {
		file, line = originPos(pats.Origin)
	}
	l.report(Diagnostic{File: file, Line: line, Code: CodeProfileEmpty,
		Message: fmt.Sprintf("profile %q builds nothing on %s/%s: the images it selects are unbuildable there (%s; Kolla's unbuildable list %s)",
			l.p.Name, l.p.Options.Base, l.p.Options.BaseArch, listNames(unbuildable), quotedList(rules))})
}
