package profiles

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// envVar is one variable of a .env file.
type envVar struct {
	Name  string
	Value string
	Pos   Position
}

// parseDotenv reads a .env file with the rules godotenv and docker compose
// share: "[export] NAME=value" (or "NAME: value"), '#' comments, unquoted
// values trimmed and cut at " #", single quotes literal, double quotes with
// \n \r \" \\ \$ escapes and possibly several lines. $NAME and ${NAME}
// expand in unquoted and double-quoted values, from variables set earlier in
// this file or in lookup (the earlier layers); an unknown name expands to "".
func parseDotenv(file string, data []byte, lookup func(string) (string, bool)) ([]envVar, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not valid UTF-8", file)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	local := map[string]string{}
	get := func(name string) string {
		if v, ok := local[name]; ok {
			return v
		}
		v, _ := lookup(name)
		return v
	}
	var out []envVar
	for i := 0; i < len(lines); i++ {
		lineno := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", file, lineno, fmt.Sprintf(format, args...))
		}
		if rest, ok := strings.CutPrefix(line, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			line = strings.TrimSpace(rest)
		}
		sep := strings.IndexAny(line, "=:")
		if sep < 0 {
			return nil, fail("expected NAME=value, found %q", line)
		}
		name := strings.TrimSpace(line[:sep])
		if !validEnvName(name) {
			return nil, fail("invalid variable name %q", name)
		}
		value := strings.TrimLeft(line[sep+1:], " \t")
		var (
			v   string
			err error
		)
		switch {
		case strings.HasPrefix(value, "'"):
			end := strings.IndexByte(value[1:], '\'')
			if end < 0 {
				return nil, fail("unterminated single-quoted value of %s", name)
			}
			v = value[1 : end+1]
			if tail := strings.TrimSpace(value[end+2:]); tail != "" && tail[0] != '#' {
				return nil, fail("unexpected %q after the quoted value of %s", tail, name)
			}
		case strings.HasPrefix(value, `"`):
			body := value[1:]
			first := i
			for closingQuote(body) < 0 && i+1 < len(lines) {
				i++
				body += "\n" + lines[i]
			}
			end := closingQuote(body)
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: unterminated double-quoted value of %s", file, first+1, name)
			}
			if tail := strings.TrimSpace(body[end+1:]); tail != "" && tail[0] != '#' {
				return nil, fmt.Errorf("%s:%d: unexpected %q after the quoted value of %s", file, i+1, tail, name)
			}
			v, err = expandEnv(unescapeDouble(body[:end]), get)
		default:
			if j := strings.Index(value, " #"); j >= 0 {
				value = value[:j]
			}
			if j := strings.Index(value, "\t#"); j >= 0 {
				value = value[:j]
			}
			v, err = expandEnv(strings.TrimSpace(value), get)
		}
		if err != nil {
			return nil, fail("%s: %v", name, err)
		}
		local[name] = v
		out = append(out, envVar{Name: name, Value: v, Pos: Position{File: file, Line: lineno}})
	}
	return out, nil
}

func validEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c == '.' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}

// closingQuote finds the first unescaped '"' in s.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// unescapeDouble handles escapes of a double-quoted value; "\$" is kept so
// that expandEnv sees a literal dollar.
func unescapeDouble(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case '$':
			b.WriteString(`\$`)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// expandEnv replaces $NAME and ${NAME}; "\$" is a literal dollar.
func expandEnv(s string, get func(string) string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '$':
			b.WriteByte('$')
			i++
		case s[i] != '$':
			b.WriteByte(s[i])
		case i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf("missing } in %q", s[i:])
			}
			name := s[i+2 : i+2+end]
			if !validEnvName(name) {
				return "", fmt.Errorf("bad variable name %q in ${...}", name)
			}
			b.WriteString(get(name))
			i += end + 2
		default:
			n := 0
			for j := i + 1; j < len(s) && (s[j] == '_' || (s[j] >= '0' && s[j] <= '9') || (s[j]|0x20 >= 'a' && s[j]|0x20 <= 'z')); j++ {
				n++
			}
			if n == 0 {
				b.WriteByte('$')
				continue
			}
			b.WriteString(get(s[i+1 : i+1+n]))
			i += n
		}
	}
	return b.String(), nil
}
