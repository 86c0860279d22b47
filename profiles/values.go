package profiles

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// convert turns a raw (already substituted) string into an option's typed
// value with oslo.config's rules. Integers may be nil: oslo.config reads an
// empty integer as None.
func convert(spec optionSpec, raw string) (any, error) {
	switch spec.Kind {
	case KindBool:
		return ParseBool(raw)
	case KindInt:
		n, err := parseInt(raw)
		if err != nil || n == nil {
			return nil, err
		}
		if spec.Min != nil && *n < *spec.Min {
			return nil, fmt.Errorf("should be greater than or equal to %d", *spec.Min)
		}
		return *n, nil
	case KindList:
		return parseList(raw), nil
	case KindDict:
		return parseDict(raw)
	default:
		if spec.Choices != nil && !contains(spec.Choices, raw) {
			return nil, fmt.Errorf("valid values are [%s], but found %s", strings.Join(spec.Choices, ", "), pyRepr(raw))
		}
		return raw, nil
	}
}

// ParseBool accepts what oslo.config's Boolean type accepts, in any case.
func ParseBool(raw string) (bool, error) {
	switch strings.ToLower(raw) {
	case "true", "1", "on", "yes":
		return true, nil
	case "false", "0", "off", "no":
		return false, nil
	}
	return false, fmt.Errorf("unexpected boolean value %s", pyRepr(raw))
}

// parseInt follows Python's int(): surrounding blanks, a sign and single
// underscores between digits are allowed; blank means unset.
func parseInt(raw string) (*int, error) {
	s := strings.TrimFunc(raw, pyIsSpace)
	if s == "" {
		return nil, nil
	}
	bad := fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(raw))
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || digits[0] == '_' || digits[len(digits)-1] == '_' || strings.Contains(digits, "__") {
		return nil, bad
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 0)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("integer %s out of range", pyRepr(raw))
		}
		return nil, bad
	}
	i := int(n)
	return &i, nil
}

// parseList splits at commas and strips each item; a trailing comma is
// ignored and a blank value is the empty list.
func parseList(raw string) []string {
	s := strings.TrimRight(strings.TrimFunc(raw, pyIsSpace), ",")
	if s == "" {
		return []string{}
	}
	items := strings.Split(s, ",")
	for i, it := range items {
		items[i] = strings.TrimFunc(it, pyIsSpace)
	}
	return items
}

// parseDict reads "key:value,key:value". Like oslo.config, a piece without a
// colon is glued to the next one with its comma before giving up.
func parseDict(raw string) (map[string]string, error) {
	out := map[string]string{}
	s := strings.TrimFunc(raw, pyIsSpace)
	if s == "" {
		return out, nil
	}
	pairs := strings.Split(s, ",")
	for len(pairs) > 0 {
		pair := pairs[0]
		pairs = pairs[1:]
		for !strings.Contains(pair, ":") {
			if len(pairs) == 0 {
				return nil, errors.New(`value should be NAME:VALUE pairs separated by ","`)
			}
			pair += "," + pairs[0]
			pairs = pairs[1:]
		}
		k, v, _ := strings.Cut(pair, ":")
		k = strings.TrimFunc(k, pyIsSpace)
		if k == "" {
			return nil, errors.New("key name should not be empty")
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("duplicate key %s", k)
		}
		out[k] = strings.TrimFunc(v, pyIsSpace)
	}
	return out, nil
}

// pyStr is Python's str() of a typed option value; substitution inserts it.
func pyStr(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(v)
	case []string:
		items := make([]string, len(v))
		for i, s := range v {
			items[i] = pyRepr(s)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case map[string]string:
		keys := sortedKeys(v)
		items := make([]string, len(keys))
		for i, k := range keys {
			items[i] = pyRepr(k) + ": " + pyRepr(v[k])
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyRepr quotes a string the way Python's repr does for printable text.
func pyRepr(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	var b strings.Builder
	b.WriteString(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case string(r) == q:
			b.WriteString(`\` + q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(q)
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
