package profiles

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/dlclark/regexp2/v2/syntax"
)

// matchTimeout bounds one match, so that a pathological pattern cannot hang
// a build; image names are short, so real patterns take microseconds.
const matchTimeout = time.Second

// Pattern is one entry of a [profiles] option: a Python re.search pattern.
type Pattern struct {
	Text   string
	Origin Origin
}

// Patterns is a [profiles] option: the patterns selecting a profile's images.
type Patterns struct {
	Profile string // the option name, e.g. "nova"
	Items   []Pattern
	Origin  Origin // where the option was set
	Err     error  // a bad pattern in a profile that is not being built
}

// Matcher matches image names as kolla-build does: the patterns are joined
// into one alternation and searched (Python re.search, not a full match).
// A Matcher without patterns matches every image, as kolla-build builds
// everything when neither a profile nor a regex is given.
type Matcher struct {
	Patterns []string
	re       *regexp2.Regexp
}

// compilePython compiles a pattern with Python-compatible semantics: the
// backtracking engine (lookaround, backreferences), not RE2.
func compilePython(pattern string) (*regexp2.Regexp, error) {
	re, err := regexp2.Compile(translatePython(pattern), regexp2.RegexOptions(0), regexp2.OptionMaintainCaptureOrder())
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			if len(se.Args) == 0 {
				return nil, errors.New(se.Code.String())
			}
			return nil, fmt.Errorf(se.Code.String(), se.Args...)
		}
		return nil, err
	}
	re.MatchTimeout = matchTimeout
	return re, nil
}

// NewMatcher compiles patterns the way kolla-build joins them:
// "(" + strings.Join(patterns, "|") + ")". No patterns match every image.
func NewMatcher(patterns []string) (*Matcher, error) {
	if len(patterns) == 0 {
		return &Matcher{}, nil
	}
	for _, p := range patterns {
		if _, err := compilePython(p); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", p, err)
		}
	}
	joined := "(" + strings.Join(patterns, "|") + ")"
	re, err := compilePython(joined)
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", joined, err)
	}
	return &Matcher{Patterns: patterns, re: re}, nil
}

// MatchString reports whether the image name matches; an error means the
// match timed out.
func (m *Matcher) MatchString(image string) (bool, error) {
	if m.re == nil {
		return true, nil
	}
	return m.re.MatchString(image)
}

// Match is MatchString for callers that take a predicate (graph selection);
// a timed-out match counts as no match.
func (m *Matcher) Match(image string) bool {
	ok, err := m.MatchString(image)
	return ok && err == nil
}

// Matcher returns the matcher of the images this profile builds, as
// kolla-build selects them: the regex option if set, else the patterns of
// every profile in the profile option (which includes the loaded profile).
func (p *Profile) Matcher() (*Matcher, error) {
	if len(p.Options.Regex) > 0 {
		return NewMatcher(p.Options.Regex)
	}
	var all []string
	for _, name := range p.Options.Profile {
		key := profileKey(name)
		pats, ok := p.Profiles[key]
		if !ok || (len(pats.Items) == 0 && pats.Err == nil) {
			return nil, fmt.Errorf("profile %q does not exist in [profiles]", name)
		}
		if pats.Err != nil {
			return nil, pats.Err
		}
		for _, it := range pats.Items {
			all = append(all, it.Text)
		}
	}
	if len(all) == 0 {
		return &Matcher{}, nil
	}
	return NewMatcher(all)
}

// profileKey is the [profiles] option a profile name reads: oslo.config
// turns '-' into '_' in option names.
func profileKey(name string) string { return strings.ReplaceAll(name, "-", "_") }

// validProfileName reports whether name has only letters, digits, '_' and '-'.
func validProfileName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z') {
			return false
		}
	}
	return true
}

// translatePython rewrites the Python-only spellings of a pattern into the
// .NET syntax regexp2 reads: named groups (?P<name>…) and backreferences
// (?P=name), \Z (end of text), and {,n} (Python's {0,n}). Escapes and
// character classes are copied as they are.
func translatePython(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			if p[i+1] == 'Z' && !inClass {
				b.WriteString(`\z`)
			} else {
				b.WriteString(p[i : i+2])
			}
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// a ']' right after '[' or '[^' is a literal member
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
			continue
		case strings.HasPrefix(p[i:], "(?P<"):
			b.WriteString("(?<")
			i += len("(?P<") - 1
			continue
		case strings.HasPrefix(p[i:], "(?P="):
			if end := strings.IndexByte(p[i:], ')'); end > 0 {
				b.WriteString(`\k<` + p[i+len("(?P="):i+end] + ">")
				i += end
				continue
			}
		case c == '{' && i+1 < len(p) && p[i+1] == ',':
			if end := strings.IndexByte(p[i:], '}'); end > 2 && strings.Trim(p[i+2:i+end], "0123456789") == "" {
				b.WriteString("{0")
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (l *loader) compileProfiles(r *resolver, p *Profile) error {
	p.Profiles = map[string]*Patterns{}
	selected := map[string]bool{}
	for _, name := range p.Options.Profile {
		selected[profileKey(name)] = true
	}
	for _, name := range sortedKeys(r.profiles) {
		s, err := r.get("profiles", name)
		if err != nil {
			return err
		}
		pats := &Patterns{Profile: name, Origin: s.Origin}
		texts, _ := s.Value.([]string)
		for _, text := range texts {
			if _, err := compilePython(text); err != nil {
				err = fmt.Errorf("[profiles] %s: bad pattern %q: %w", name, text, err)
				if selected[name] {
					return fmt.Errorf("%s: %w", s.Origin, err)
				}
				// kolla-build compiles only the profiles it builds
				l.warn(s.Origin, "%v", err)
				pats.Err = fmt.Errorf("%s: %w", s.Origin, err)
				break
			}
			pats.Items = append(pats.Items, Pattern{Text: text, Origin: s.Origin})
		}
		p.Profiles[name] = pats
	}
	if p.Key == "" {
		return nil
	}
	if pats := p.Profiles[p.Key]; len(pats.Items) == 0 {
		where := strings.Join(p.ConfFiles, ", ")
		if where == "" {
			return fmt.Errorf("no folder %s/ or %s/%s/ and no kolla-build.conf defines it", p.Name, ProfilesDir, p.Name)
		}
		if p.Dir == "" {
			return fmt.Errorf("no folder %s/ or %s/%s/ and no %q entry in [profiles] of %s", p.Name, ProfilesDir, p.Name, p.Key, where)
		}
		return fmt.Errorf("no %q entry in [profiles] of %s", p.Key, where)
	}
	return nil
}
