package profiles

import (
	"errors"
	"fmt"
	"strings"
)

// maxValueLen bounds a substituted value: options referring to each other
// twice per level would otherwise double in length at every level.
const maxValueLen = 1 << 20

// substitute expands $name, ${name} and $group.name with Python's
// string.Template rules as oslo.config uses them: "$$" and "\$" are a
// literal "$", a "$" not followed by a name stays as it is, and a name that
// is no option is an error (kolla-build stops on it too).
func (r *resolver) substitute(group, s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	s = strings.ReplaceAll(s, `\$`, "$$")
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		rest := s[i+1:]
		var name string
		var width int
		switch {
		case strings.HasPrefix(rest, "$"):
			b.WriteByte('$')
			i += 2
			continue
		case strings.HasPrefix(rest, "{"):
			n := identLen(rest[1:])
			if n > 0 && n+1 < len(rest) && rest[n+1] == '}' {
				name, width = rest[1:n+1], n+2
			}
		default:
			if n := identLen(rest); n > 0 {
				name, width = rest[:n], n
			}
		}
		if name == "" {
			b.WriteByte('$')
			i++
			continue
		}
		v, err := r.lookupSubst(group, name)
		if err != nil {
			return "", err
		}
		if b.Len()+len(v) > maxValueLen {
			return "", fmt.Errorf("substitution of $%s makes the value longer than %d bytes", name, maxValueLen)
		}
		b.WriteString(v)
		i += 1 + width
	}
	return b.String(), nil
}

// identLen is the length of the identifier at the start of s, matching
// string.Template's idpattern [_a-z][._a-z0-9]* (case-insensitive).
func identLen(s string) int {
	n := 0
	for n < len(s) {
		c := s[n]
		letter := c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if !letter && (n == 0 || (c != '.' && (c < '0' || c > '9'))) {
			break
		}
		n++
	}
	return n
}

// placedError is an error that already names the file and option it comes
// from; callers up a substitution chain pass it on unchanged.
type placedError struct{ err error }

func (e placedError) Error() string { return e.err.Error() }
func (e placedError) Unwrap() error { return e.err }

// place prefixes err with where the value was set, unless it already says.
func place(err error, origin Origin, k optKey) error {
	var p placedError
	if errors.As(err, &p) {
		return err
	}
	return placedError{fmt.Errorf("%s: %s: %w", origin, k, err)}
}

func (r *resolver) lookupSubst(group, name string) (string, error) {
	if g, opt, dotted := strings.Cut(name, "."); dotted {
		if !r.groups[g] && g != "profiles" {
			return "", fmt.Errorf("unknown group %q in substitution of $%s", g, name)
		}
		if _, ok := r.specFor(g, opt); ok {
			s, err := r.get(g, opt)
			if err != nil {
				return "", err
			}
			return pyStr(s.Value), nil
		}
		return "", fmt.Errorf("unknown option %q in substitution of $%s", opt, name)
	}
	for _, g := range []string{group, "DEFAULT"} {
		if _, ok := r.specFor(g, name); ok {
			s, err := r.get(g, name)
			if err != nil {
				return "", err
			}
			return pyStr(s.Value), nil
		}
	}
	return "", fmt.Errorf("unknown option %q in substitution of $%s", name, name)
}
