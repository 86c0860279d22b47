package profiles

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// assignment is one "key = value" of a conf file, as oslo.config's ini parser
// reads it: the key is stripped, one pair of matching quotes around the value
// is removed, and continuation lines are joined with newlines.
type assignment struct {
	Section string // as written, e.g. "Nova-Base"
	Key     string
	Value   string
	Pos     Position
}

// Position is a place in a file of the configuration repository.
type Position struct {
	File string // relative to the repository root, slash separated
	Line int
}

func (p Position) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// parseConf reads a conf file the way oslo.config's iniparser does, so that a
// file kolla-build accepts is read identically and a file it rejects gives an
// error naming the line. Sections are not merged here; see confStack.
func parseConf(file string, data []byte) ([]assignment, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not valid UTF-8", file)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.SplitAfter(text, "\n")

	var (
		out     []assignment
		section string
		pending *assignment
		parts   []string
	)
	flush := func() {
		if pending != nil {
			pending.Value = strings.Join(parts, "\n")
			out = append(out, *pending)
			pending, parts = nil, nil
		}
	}
	for i, raw := range lines {
		lineno := i + 1
		line := strings.TrimRightFunc(raw, pyIsSpace)
		fail := func(msg string) error {
			return fmt.Errorf("%s:%d: %s: %q", file, lineno, msg, line)
		}
		switch {
		case line == "":
			flush() // a blank line ends a multi-line value
			continue
		case line[0] == ' ' || line[0] == '\t':
			if pending == nil {
				return nil, fail("unexpected continuation line")
			}
			parts = append(parts, strings.TrimLeftFunc(line, pyIsSpace))
			continue
		}
		flush()
		switch {
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, fail("invalid section (must end with ])")
			}
			if len(line) <= 2 {
				return nil, fail("empty section name")
			}
			section = line[1 : len(line)-1]
		case line[0] == '#' || line[0] == ';':
			// comment
		default:
			key, value, ok := splitKeyValue(line)
			if !ok {
				return nil, fail("no ':' or '=' found in assignment")
			}
			if key == "" {
				return nil, fail("key cannot be empty")
			}
			if section == "" {
				return nil, fmt.Errorf("%s:%d: assignment before any [section]: %q", file, lineno, line)
			}
			pending = &assignment{Section: section, Key: key, Pos: Position{File: file, Line: lineno}}
			parts = []string{value}
		}
	}
	flush()
	return out, nil
}

// splitKeyValue splits at the first '=' or ':' (whichever comes first) and
// removes one pair of identical quotes around the value, as oslo.config does.
func splitKeyValue(line string) (key, value string, ok bool) {
	i := strings.IndexAny(line, ":=")
	if i < 0 {
		return "", "", false
	}
	key = strings.TrimFunc(line[:i], pyIsSpace)
	value = strings.TrimFunc(line[i+1:], pyIsSpace)
	if value != "" && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
		value = value[1:max(1, len(value)-1)]
	}
	return key, value, true
}

// pyIsSpace reports whether Python's str.isspace holds for r; it differs from
// unicode.IsSpace by also counting the ASCII separators U+001C..U+001F.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}
