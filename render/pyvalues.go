package render

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pyStr formats a value the way Python's str() does, for the values Kolla's
// functions interpolate with format() and %s.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return map[bool]string{true: "inf", false: "nan"}[math.IsInf(x, 1)]
		}
		if x == math.Trunc(x) && math.Abs(x) < 1e16 {
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		return "[" + joinRepr(x) + "]"
	case *pyDict:
		parts := make([]string, 0, len(x.keys))
		for _, k := range x.keys {
			parts = append(parts, pyRepr(k)+": "+pyRepr(x.vals[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func joinRepr(items []any) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = pyRepr(it)
	}
	return strings.Join(parts, ", ")
}

// pyRepr is Python's repr() for the same values.
func pyRepr(v any) string {
	s, ok := v.(string)
	if !ok {
		return pyStr(v)
	}
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

// pyTruth is Python's bool().
func pyTruth(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case *pyDict:
		return len(x.keys) > 0
	}
	return true
}

// decodeYAML decodes YAML the way PyYAML's safe_load does (YAML 1.1 scalars,
// mappings keep their order) into the values of pyparse.go.
func decodeYAML(data []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 {
		return nil, nil
	}
	return yamlValue(&doc)
}

func yamlValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0])
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		d := newPyDict()
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Tag == "!!merge" || kn.Value == "<<" && kn.Style == 0 {
				merged, err := yamlValue(vn)
				if err != nil {
					return nil, err
				}
				if md, ok := merged.(*pyDict); ok {
					for _, k := range md.keys {
						if _, exists := d.vals[k]; !exists {
							d.set(k, md.vals[k])
						}
					}
				}
				continue
			}
			k, err := yamlValue(kn)
			if err != nil {
				return nil, err
			}
			if !isHashable(k) {
				return nil, fmt.Errorf("line %d: unsupported mapping key", kn.Line)
			}
			v, err := yamlValue(vn)
			if err != nil {
				return nil, err
			}
			d.set(k, v)
		}
		return d, nil
	case yaml.ScalarNode:
		return yamlScalar(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

var (
	reYAMLBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	reYAMLNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	reYAMLInt   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$`)
	reYAMLFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
)

// yamlScalar resolves a scalar with YAML 1.1 rules, as PyYAML does.
func yamlScalar(n *yaml.Node) (any, error) {
	s := n.Value
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 || n.Tag == "!!str" {
		return s, nil
	}
	switch {
	case reYAMLNull.MatchString(s):
		return nil, nil
	case reYAMLBool.MatchString(s):
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			return true, nil
		}
		return false, nil
	case reYAMLInt.MatchString(s):
		clean := strings.ReplaceAll(s, "_", "")
		sign := ""
		if clean[0] == '-' || clean[0] == '+' {
			sign, clean = clean[:1], clean[1:]
		}
		base := 10
		switch {
		case strings.HasPrefix(clean, "0b"):
			base, clean = 2, clean[2:]
		case strings.HasPrefix(clean, "0x"):
			base, clean = 16, clean[2:]
		case len(clean) > 1 && clean[0] == '0':
			base = 8
		}
		i, err := strconv.ParseInt(sign+clean, base, 64)
		if err != nil {
			return s, nil
		}
		return int(i), nil
	case reYAMLFloat.MatchString(s):
		lower := strings.ToLower(strings.ReplaceAll(s, "_", ""))
		switch strings.TrimLeft(lower, "+-") {
		case ".inf":
			if strings.HasPrefix(lower, "-") {
				return math.Inf(-1), nil
			}
			return math.Inf(1), nil
		case ".nan":
			return math.NaN(), nil
		}
		f, err := strconv.ParseFloat(lower, 64)
		if err != nil {
			return s, nil
		}
		return f, nil
	}
	return s, nil
}
