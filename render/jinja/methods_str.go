package jinja

// Python str methods and the string helpers they share with filters.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

func optString(v any, name string) (string, bool, error) {
	if v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, pyErrorf(name, " arg must be None or str")
	}
	return s, true, nil
}

func (r *renderer) strMethod(s, name string, args []any, kw []kwarg) (any, error) {
	switch name {
	case "format":
		return r.strFormat(s, args, kw)
	case "format_map":
		if len(args) != 1 {
			return nil, pyErrorf("format_map() takes exactly one argument (", itoa(len(args)), " given)")
		}
		d, ok := args[0].(*Dict)
		if !ok {
			return nil, pyErrorf("format_map() argument must be a mapping")
		}
		var mkw []kwarg
		for i, k := range d.keys {
			if ks, ok := k.(string); ok {
				mkw = append(mkw, kwarg{ks, d.values[i]})
			}
		}
		return r.strFormat(s, nil, mkw)
	case "removeprefix":
		if len(args) != 1 {
			return nil, pyErrorf("removeprefix() takes exactly one argument")
		}
		p, err := asString(args[0], "removeprefix() argument")
		if err != nil {
			return nil, err
		}
		return strings.TrimPrefix(s, p), nil
	case "removesuffix":
		if len(args) != 1 {
			return nil, pyErrorf("removesuffix() takes exactly one argument")
		}
		p, err := asString(args[0], "removesuffix() argument")
		if err != nil {
			return nil, err
		}
		return strings.TrimSuffix(s, p), nil
	case "expandtabs":
		a, err := sig(name, "tabsize").with(8).bind(args, kw)
		if err != nil {
			return nil, err
		}
		size, err := asInt(a[0], "tabsize")
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		col := 0
		for _, c := range s {
			switch c {
			case '\t':
				if size > 0 {
					n := size - col%size
					b.WriteString(strings.Repeat(" ", n))
					col += n
				}
			case '\n', '\r':
				b.WriteRune(c)
				col = 0
			default:
				b.WriteRune(c)
				col++
			}
		}
		return b.String(), nil
	case "lower":
		return strings.ToLower(s), nil
	case "upper":
		return pyUpper(s), nil
	case "casefold":
		return strings.ToLower(s), nil
	case "swapcase":
		return strings.Map(func(c rune) rune {
			if unicode.IsUpper(c) {
				return unicode.ToLower(c)
			}
			return unicode.ToUpper(c)
		}, s), nil
	case "capitalize":
		return pyCapitalize(s), nil
	case "title":
		return pyTitle(s), nil
	case "strip", "lstrip", "rstrip":
		a, err := sig(name, "chars").with(nil).bind(args, kw)
		if err != nil {
			return nil, err
		}
		chars, has, err := optString(a[0], name)
		if err != nil {
			return nil, err
		}
		return pyStrip(s, name, chars, has), nil
	case "split", "rsplit":
		a, err := sig(name, "sep", "maxsplit").with(nil, -1).bind(args, kw)
		if err != nil {
			return nil, err
		}
		sep, has, err := optString(a[0], name)
		if err != nil {
			return nil, err
		}
		max, err := asInt(a[1], "maxsplit")
		if err != nil {
			return nil, err
		}
		if has && sep == "" {
			return nil, pyErrorf("empty separator")
		}
		parts := pySplit(s, sep, has, max, name == "rsplit")
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return newList(out), nil
	case "splitlines":
		a, err := sig(name, "keepends").with(false).bind(args, kw)
		if err != nil {
			return nil, err
		}
		var out []any
		rest := s
		for rest != "" {
			i := strings.IndexAny(rest, "\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029")
			if i < 0 {
				out = append(out, rest)
				break
			}
			_, n := utf8.DecodeRuneInString(rest[i:])
			if rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n' {
				n = 2
			}
			if truthy(a[0]) {
				out = append(out, rest[:i+n])
			} else {
				out = append(out, rest[:i])
			}
			rest = rest[i+n:]
		}
		return newList(append([]any{}, out...)), nil
	case "startswith", "endswith":
		if len(args) != 1 || len(kw) > 0 {
			return nil, pyErrorf(name, "() takes exactly one argument")
		}
		var cands []any
		switch p := args[0].(type) {
		case string:
			cands = []any{p}
		case Tuple:
			cands = p
		default:
			return nil, pyErrorf(name, " first arg must be str or a tuple of str, not ", typeName(p))
		}
		for _, c := range cands {
			cs, ok := c.(string)
			if !ok {
				return nil, pyErrorf("tuple for ", name, " must only contain str, not ", typeName(c))
			}
			if name == "startswith" && strings.HasPrefix(s, cs) || name == "endswith" && strings.HasSuffix(s, cs) {
				return true, nil
			}
		}
		return false, nil
	case "replace":
		a, err := sig(name, "old", "new", "count").with(-1).bind(args, kw)
		if err != nil {
			return nil, err
		}
		old, err := asString(a[0], "replace() argument 1")
		if err != nil {
			return nil, err
		}
		nw, err := asString(a[1], "replace() argument 2")
		if err != nil {
			return nil, err
		}
		n, err := asInt(a[2], "count")
		if err != nil {
			return nil, err
		}
		return pyReplace(s, old, nw, n, r.env.limits.MaxValue)
	case "join":
		if len(args) != 1 {
			return nil, pyErrorf("join() takes exactly one argument")
		}
		items, err := iterate(args[0])
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			str, ok := it.(string)
			if !ok {
				return nil, pyErrorf("sequence item ", itoa(i), ": expected str instance, ", typeName(it), " found")
			}
			parts[i] = str
		}
		return strings.Join(parts, s), nil
	case "find", "rfind", "index", "rindex", "count":
		if len(args) < 1 {
			return nil, pyErrorf(name, "() takes at least 1 argument (0 given)")
		}
		sub, err := asString(args[0], "must be str")
		if err != nil {
			return nil, err
		}
		chars, _ := iterate(s)
		lo, hi := 0, len(chars)
		if len(args) > 1 && args[1] != nil {
			lo, _, _, _ = sliceIndices(len(chars), args[1], nil, nil)
		}
		if len(args) > 2 && args[2] != nil {
			_, hi, _, _ = sliceIndices(len(chars), nil, args[2], nil)
		}
		if lo > hi {
			if name == "count" {
				return 0, nil
			}
			if name == "index" || name == "rindex" {
				return nil, pyErrorf("substring not found")
			}
			return -1, nil
		}
		region := runeSlice(s, lo, hi)
		if name == "count" {
			if sub == "" {
				return utf8.RuneCountInString(region) + 1, nil
			}
			return strings.Count(region, sub), nil
		}
		var i int
		if name == "find" || name == "index" {
			i = strings.Index(region, sub)
		} else {
			i = strings.LastIndex(region, sub)
		}
		if i < 0 {
			if name == "index" || name == "rindex" {
				return nil, pyErrorf("substring not found")
			}
			return -1, nil
		}
		return lo + utf8.RuneCountInString(region[:i]), nil
	case "center", "ljust", "rjust":
		a, err := sig(name, "width", "fillchar").with(" ").bind(args, kw)
		if err != nil {
			return nil, err
		}
		w, err := asInt(a[0], "width")
		if err != nil {
			return nil, err
		}
		fill, ok := a[1].(string)
		if !ok || utf8.RuneCountInString(fill) != 1 {
			return nil, pyErrorf("The fill character must be exactly one character long")
		}
		return pad(s, w, fill, name), nil
	case "zfill":
		a, err := sig(name, "width").bind(args, kw)
		if err != nil {
			return nil, err
		}
		w, err := asInt(a[0], "width")
		if err != nil {
			return nil, err
		}
		n := utf8.RuneCountInString(s)
		if n >= w {
			return s, nil
		}
		zeros := strings.Repeat("0", w-n)
		if s != "" && (s[0] == '+' || s[0] == '-') {
			return s[:1] + zeros + s[1:], nil
		}
		return zeros + s, nil
	case "partition", "rpartition":
		if len(args) != 1 {
			return nil, pyErrorf(name, "() takes exactly one argument")
		}
		sep, err := asString(args[0], "must be str")
		if err != nil {
			return nil, err
		}
		if sep == "" {
			return nil, pyErrorf("empty separator")
		}
		var i int
		if name == "partition" {
			i = strings.Index(s, sep)
			if i < 0 {
				return Tuple{s, "", ""}, nil
			}
		} else {
			i = strings.LastIndex(s, sep)
			if i < 0 {
				return Tuple{"", "", s}, nil
			}
		}
		return Tuple{s[:i], sep, s[i+len(sep):]}, nil
	case "isdecimal":
		return s != "" && strings.IndexFunc(s, func(c rune) bool { return !unicode.Is(unicode.Nd, c) }) < 0, nil
	case "isdigit":
		return s != "" && strings.IndexFunc(s, func(c rune) bool { return !unicode.Is(unicode.Nd, c) && !unicode.Is(unicode.No, c) }) < 0, nil
	case "isnumeric":
		return s != "" && strings.IndexFunc(s, func(c rune) bool { return !unicode.IsNumber(c) }) < 0, nil
	case "isalpha":
		return s != "" && strings.IndexFunc(s, func(c rune) bool { return !unicode.IsLetter(c) }) < 0, nil
	case "isalnum":
		return s != "" && strings.IndexFunc(s, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) }) < 0, nil
	case "isspace":
		return s != "" && strings.IndexFunc(s, func(c rune) bool { return !isPySpace(c) }) < 0, nil
	case "islower":
		return isCased(s, unicode.IsLower, unicode.IsUpper), nil
	case "isupper":
		return isCased(s, unicode.IsUpper, unicode.IsLower), nil
	case "istitle":
		return s != "" && pyTitle(s) == s && strings.IndexFunc(s, unicode.IsLetter) >= 0, nil
	}
	return nil, pyErrorf("'str' object has no attribute ", pyRepr(name))
}

func isCased(s string, want, not func(rune) bool) bool {
	found := false
	for _, c := range s {
		if not(c) {
			return false
		}
		if want(c) {
			found = true
		}
	}
	return found
}

func runeSlice(s string, lo, hi int) string {
	i := 0
	start, end := len(s), len(s)
	for bi := range s {
		if i == lo {
			start = bi
		}
		if i == hi {
			end = bi
			break
		}
		i++
	}
	if lo >= i && start == len(s) {
		return ""
	}
	return s[start:end]
}

func pad(s string, w int, fill, how string) string {
	n := utf8.RuneCountInString(s)
	if n >= w {
		return s
	}
	total := w - n
	var left int
	switch how {
	case "ljust":
		left = 0
	case "rjust":
		left = total
	default:
		left = total / 2
		if total%2 == 1 && w%2 == 1 {
			left++
		}
	}
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, total-left)
}

func pyCapitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToTitle(r)) + strings.ToLower(s[n:])
}

// pyTitle is Python's str.title: a letter after a non-letter is upper-cased,
// other letters lower-cased.
func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, c := range s {
		if unicode.IsLetter(c) {
			if prevCased {
				b.WriteRune(unicode.ToLower(c))
			} else {
				b.WriteRune(unicode.ToTitle(c))
			}
			prevCased = true
		} else {
			b.WriteRune(c)
			prevCased = false
		}
	}
	return b.String()
}

func pyStrip(s, how, chars string, has bool) string {
	cut := isPySpace
	if has {
		cut = func(c rune) bool { return strings.ContainsRune(chars, c) }
	}
	switch how {
	case "lstrip":
		return strings.TrimLeftFunc(s, cut)
	case "rstrip":
		return strings.TrimRightFunc(s, cut)
	}
	return strings.TrimFunc(s, cut)
}

func pySplit(s, sep string, has bool, max int, fromRight bool) []string {
	if has {
		if max < 0 {
			return strings.Split(s, sep)
		}
		if !fromRight {
			return strings.SplitN(s, sep, max+1)
		}
		var parts []string
		for max > 0 {
			i := strings.LastIndex(s, sep)
			if i < 0 {
				break
			}
			parts = append(parts, s[i+len(sep):])
			s = s[:i]
			max--
		}
		parts = append(parts, s)
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
		return parts
	}
	fields := strings.FieldsFunc(s, isPySpace)
	if max < 0 || len(fields) <= max {
		return append([]string{}, fields...)
	}
	if !fromRight {
		// Keep the remainder after max splits verbatim (minus leading space).
		rest := strings.TrimLeftFunc(s, isPySpace)
		var parts []string
		for i := 0; i < max; i++ {
			j := strings.IndexFunc(rest, isPySpace)
			parts = append(parts, rest[:j])
			rest = strings.TrimLeftFunc(rest[j:], isPySpace)
		}
		return append(parts, rest)
	}
	rest := strings.TrimRightFunc(s, isPySpace)
	var parts []string
	for i := 0; i < max; i++ {
		j := strings.LastIndexFunc(rest, isPySpace)
		parts = append([]string{rest[j+1:]}, parts...)
		rest = strings.TrimRightFunc(rest[:j], isPySpace)
	}
	return append([]string{rest}, parts...)
}

func pyReplace(s, old, nw string, n int, maxLen int) (any, error) {
	if old == "" {
		// Python inserts new between every character, n times at most.
		count := utf8.RuneCountInString(s) + 1
		if n >= 0 && n < count {
			count = n
		}
		if len(s)+count*len(nw) > maxLen {
			return nil, pyErrorf("string too long")
		}
		var b strings.Builder
		i := 0
		for _, c := range s {
			if i < count {
				b.WriteString(nw)
			}
			b.WriteRune(c)
			i++
		}
		if i < count {
			b.WriteString(nw)
		}
		return b.String(), nil
	}
	occurrences := strings.Count(s, old)
	if n >= 0 && n < occurrences {
		occurrences = n
	}
	if len(s)+occurrences*(len(nw)-len(old)) > maxLen {
		return nil, pyErrorf("string too long")
	}
	return strings.Replace(s, old, nw, n), nil
}

// pyUpper is str.upper with the full case mappings Go's ToUpper lacks.
func pyUpper(s string) string {
	u := strings.ToUpper(s)
	if strings.ContainsAny(u, "ßﬀﬁﬂﬃﬄﬅﬆ") {
		u = strings.NewReplacer("ß", "SS", "ﬀ", "FF", "ﬁ", "FI", "ﬂ", "FL", "ﬃ", "FFI", "ﬄ", "FFL", "ﬅ", "ST", "ﬆ", "ST").Replace(u)
	}
	return u
}
