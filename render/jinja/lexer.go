package jinja

import (
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokType uint8

const (
	tokEOF tokType = iota
	tokData
	tokVarBegin
	tokVarEnd
	tokBlockBegin
	tokBlockEnd
	tokName
	tokString
	tokInt
	tokFloat
	tokOp
)

func (t tokType) String() string {
	switch t {
	case tokEOF:
		return "end of template"
	case tokData:
		return "template data"
	case tokVarBegin:
		return "begin of print statement"
	case tokVarEnd:
		return "end of print statement"
	case tokBlockBegin:
		return "begin of statement block"
	case tokBlockEnd:
		return "end of statement block"
	case tokName:
		return "name"
	case tokString:
		return "string"
	case tokInt:
		return "integer"
	case tokFloat:
		return "float"
	}
	return "token"
}

type token struct {
	typ tokType
	val string // data text, name, operator, decoded string literal, number text
	pos int    // byte offset in the normalised source
	num any    // int or float64 for number tokens
}

func (t token) describe() string {
	switch t.typ {
	case tokName, tokOp:
		return t.val
	}
	return t.typ.String()
}

// normalizeSource converts \r\n and \r to \n and drops one trailing newline,
// like Jinja2's lexer with keep_trailing_newline=False.
func normalizeSource(src string) string {
	if strings.IndexByte(src, '\r') >= 0 {
		src = strings.ReplaceAll(src, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
	}
	return strings.TrimSuffix(src, "\n")
}

// isPySpace is Python's str.isspace for one rune (also used for regex \s).
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func trimRightSpace(s string) string { return strings.TrimRightFunc(s, isPySpace) }

// skipSpace returns the offset after any whitespace starting at pos.
func skipSpace(src string, pos int) int {
	for pos < len(src) {
		r, n := utf8.DecodeRuneInString(src[pos:])
		if !isPySpace(r) {
			break
		}
		pos += n
	}
	return pos
}

type lexer struct {
	src    string
	pos    int
	toks   []token
	parens []byte
}

// tokenize splits normalised source into tokens. Comments are dropped and raw
// blocks become data.
func tokenize(src string) ([]token, *syntaxErr) {
	lx := &lexer{src: src, toks: make([]token, 0, len(src)/8+4)}
	for lx.pos < len(src) {
		if err := lx.lexData(); err != nil {
			return nil, err
		}
	}
	// Like Jinja2's token stream, end of input is reported where the last
	// token starts.
	eof := 0
	if n := len(lx.toks); n > 0 {
		eof = lx.toks[n-1].pos
	}
	lx.toks = append(lx.toks, token{typ: tokEOF, pos: eof})
	return lx.toks, nil
}

// syntaxErr is a lexer or parser error at a source offset.
type syntaxErr struct {
	pos int
	msg string
}

func (lx *lexer) fail(pos int, msg string) *syntaxErr { return &syntaxErr{pos: pos, msg: msg} }

func (lx *lexer) emitData(text string, pos int) {
	if text != "" {
		lx.toks = append(lx.toks, token{typ: tokData, val: text, pos: pos})
	}
}

// lexData reads template data up to the next tag and then the tag itself.
func (lx *lexer) lexData() *syntaxErr {
	src := lx.src
	start := lx.pos
	i := start
	for {
		j := strings.IndexByte(src[i:], '{')
		if j < 0 || i+j+1 >= len(src) {
			lx.emitData(src[start:], start)
			lx.pos = len(src)
			return nil
		}
		i += j
		if c := src[i+1]; c == '{' || c == '%' || c == '#' {
			break
		}
		i++
	}
	kind := src[i+1]
	tagPos := i
	after := i + 2
	strip := after < len(src) && src[after] == '-'
	if after < len(src) && (src[after] == '-' || src[after] == '+') {
		after++
	}
	text := src[start:tagPos]
	if kind == '%' {
		if end, ok := lx.matchRaw(after); ok {
			if strip {
				text = trimRightSpace(text)
			}
			lx.emitData(text, start)
			return lx.lexRaw(tagPos, end)
		}
	}
	if strip {
		text = trimRightSpace(text)
	}
	lx.emitData(text, start)
	switch kind {
	case '#':
		return lx.lexComment(tagPos, after)
	case '{':
		lx.toks = append(lx.toks, token{typ: tokVarBegin, pos: tagPos})
		lx.pos = after
		return lx.lexTag("}}", tokVarEnd)
	default:
		lx.toks = append(lx.toks, token{typ: tokBlockBegin, pos: tagPos})
		lx.pos = after
		return lx.lexTag("%}", tokBlockEnd)
	}
}

// matchRaw recognises "raw %}" (after "{%" and an optional sign) and returns
// the offset after the tag, including whitespace removed by "-%}".
func (lx *lexer) matchRaw(pos int) (int, bool) {
	src := lx.src
	p := skipSpace(src, pos)
	if !strings.HasPrefix(src[p:], "raw") {
		return 0, false
	}
	p = skipSpace(src, p+3)
	switch {
	case strings.HasPrefix(src[p:], "-%}"):
		return skipSpace(src, p+3), true
	case strings.HasPrefix(src[p:], "%}"):
		return p + 2, true
	}
	return 0, false
}

func (lx *lexer) lexRaw(tagPos, bodyStart int) *syntaxErr {
	src := lx.src
	i := bodyStart
	for {
		j := strings.Index(src[i:], "{%")
		if j < 0 {
			return lx.fail(tagPos, "Missing end of raw directive")
		}
		i += j
		p := i + 2
		strip := p < len(src) && src[p] == '-'
		if p < len(src) && (src[p] == '-' || src[p] == '+') {
			p++
		}
		p = skipSpace(src, p)
		if strings.HasPrefix(src[p:], "endraw") {
			q := skipSpace(src, p+6)
			end := -1
			switch {
			case strings.HasPrefix(src[q:], "-%}"):
				end = skipSpace(src, q+3)
			case strings.HasPrefix(src[q:], "%}"), strings.HasPrefix(src[q:], "+%}"):
				end = q + 2
				if src[q] == '+' {
					end++
				}
			}
			if end >= 0 {
				text := src[bodyStart:i]
				if strip {
					text = trimRightSpace(text)
				}
				lx.emitData(text, bodyStart)
				lx.pos = end
				return nil
			}
		}
		i += 2
	}
}

func (lx *lexer) lexComment(tagPos, pos int) *syntaxErr {
	src := lx.src
	j := strings.Index(src[pos:], "#}")
	if j < 0 {
		return lx.fail(tagPos, "Missing end of comment tag")
	}
	end := pos + j
	if end > pos && src[end-1] == '-' {
		lx.pos = skipSpace(src, end+2)
		return nil
	}
	lx.pos = end + 2
	return nil
}

// lexTag reads the expression tokens of a {{ }} or {% %} tag.
func (lx *lexer) lexTag(closing string, endType tokType) *syntaxErr {
	src := lx.src
	lx.parens = lx.parens[:0]
	for {
		lx.pos = skipSpace(src, lx.pos)
		pos := lx.pos
		if pos >= len(src) {
			return nil // the parser reports the missing end
		}
		if len(lx.parens) == 0 {
			if src[pos] == '-' && strings.HasPrefix(src[pos+1:], closing) {
				lx.toks = append(lx.toks, token{typ: endType, pos: pos})
				lx.pos = skipSpace(src, pos+1+len(closing))
				return nil
			}
			if src[pos] == '+' && strings.HasPrefix(src[pos+1:], closing) {
				lx.toks = append(lx.toks, token{typ: endType, pos: pos})
				lx.pos = pos + 1 + len(closing)
				return nil
			}
			if strings.HasPrefix(src[pos:], closing) {
				lx.toks = append(lx.toks, token{typ: endType, pos: pos})
				lx.pos = pos + len(closing)
				return nil
			}
		}
		c := src[pos]
		switch {
		case c >= '0' && c <= '9':
			if err := lx.lexNumber(); err != nil {
				return err
			}
		case c == '\'' || c == '"':
			if err := lx.lexString(); err != nil {
				return err
			}
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf && isNameStart(src[pos:]):
			end := pos
			for end < len(src) {
				r, n := utf8.DecodeRuneInString(src[end:])
				if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !(r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r)) {
					break
				}
				end += n
			}
			lx.toks = append(lx.toks, token{typ: tokName, val: src[pos:end], pos: pos})
			lx.pos = end
		default:
			if err := lx.lexOperator(); err != nil {
				return err
			}
		}
	}
}

func isNameStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// twoCharOps are matched before single-character operators.
const twoCharOps = "// ** == != >= <="

const oneCharOps = "+-/*%~[](){}><=.:|,;"

func (lx *lexer) lexOperator() *syntaxErr {
	src := lx.src
	pos := lx.pos
	for op := range strings.FieldsSeq(twoCharOps) {
		if strings.HasPrefix(src[pos:], op) {
			lx.toks = append(lx.toks, token{typ: tokOp, val: op, pos: pos})
			lx.pos += 2
			return nil
		}
	}
	c := src[pos]
	if strings.IndexByte(oneCharOps, c) < 0 {
		r, _ := utf8.DecodeRuneInString(src[pos:])
		return lx.fail(pos, "unexpected char "+pyRepr(string(r))+" at "+strconv.Itoa(pos))
	}
	switch c {
	case '(', '[', '{':
		lx.parens = append(lx.parens, c)
	case ')', ']', '}':
		want := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
		if len(lx.parens) == 0 {
			return lx.fail(pos, "unexpected '"+string(c)+"'")
		}
		if top := lx.parens[len(lx.parens)-1]; top != want {
			closeOf := map[byte]string{'(': ")", '[': "]", '{': "}"}[top]
			return lx.fail(pos, "unexpected '"+string(c)+"', expected '"+closeOf+"'")
		}
		lx.parens = lx.parens[:len(lx.parens)-1]
	}
	lx.toks = append(lx.toks, token{typ: tokOp, val: string(c), pos: pos})
	lx.pos++
	return nil
}

// digitsUnderscore scans \d+(_\d+)* from pos and returns the end (pos if none).
func digitsUnderscore(src string, pos int, isDigit func(byte) bool) int {
	end := pos
	for end < len(src) && isDigit(src[end]) {
		end++
		if end+1 < len(src) && src[end] == '_' && isDigit(src[end+1]) {
			end++
		}
	}
	return end
}

func isDec(c byte) bool { return c >= '0' && c <= '9' }

func (lx *lexer) lexNumber() *syntaxErr {
	src := lx.src
	pos := lx.pos
	// Floats may not follow a dot directly (x.0.1 is two subscripts).
	afterDot := pos > 0 && src[pos-1] == '.'
	intEnd := digitsUnderscore(src, pos, isDec)
	if !afterDot {
		end := intEnd
		isFloat := false
		if end+1 < len(src) && src[end] == '.' && isDec(src[end+1]) {
			end = digitsUnderscore(src, end+1, isDec)
			isFloat = true
		}
		if end < len(src) && (src[end] == 'e' || src[end] == 'E') {
			p := end + 1
			if p < len(src) && (src[p] == '+' || src[p] == '-') {
				p++
			}
			if p < len(src) && isDec(src[p]) {
				end = digitsUnderscore(src, p, isDec)
				isFloat = true
			}
		}
		if isFloat {
			text := strings.ReplaceAll(src[pos:end], "_", "")
			f, err := strconv.ParseFloat(text, 64)
			if err != nil && !strings.Contains(err.Error(), "range") {
				return lx.fail(pos, "invalid float literal")
			}
			lx.toks = append(lx.toks, token{typ: tokFloat, val: src[pos:end], pos: pos, num: f})
			lx.pos = end
			return nil
		}
	}
	// Integers: 0b/0o/0x prefixes, or decimal without leading zeros.
	end := intEnd
	base := 10
	if src[pos] == '0' && pos+1 < len(src) {
		switch src[pos+1] {
		case 'b', 'B', 'o', 'O', 'x', 'X':
			base = map[byte]int{'b': 2, 'B': 2, 'o': 8, 'O': 8, 'x': 16, 'X': 16}[src[pos+1]]
			p := pos + 2
			for p < len(src) && (isBaseDigit(src[p], base) || src[p] == '_' && p+1 < len(src) && isBaseDigit(src[p+1], base)) {
				p++
			}
			if p > pos+2 {
				end = p
			} else {
				base = 10
				end = pos + 1
			}
		default:
			// "0(_?0)*": a leading zero only continues with zeros.
			p := pos + 1
			for p < len(src) && (src[p] == '0' || src[p] == '_' && p+1 < len(src) && src[p+1] == '0') {
				p++
			}
			end = p
		}
	}
	text := strings.ReplaceAll(src[pos:end], "_", "")
	if base != 10 {
		text = text[2:]
	}
	var num any
	if n, err := strconv.ParseInt(text, base, 64); err == nil {
		num = int(n)
	} else if b, ok := new(big.Int).SetString(text, base); ok && b.BitLen() <= maxBigBits {
		num = b
	} else {
		return lx.fail(pos, "integer literal out of range")
	}
	lx.toks = append(lx.toks, token{typ: tokInt, val: src[pos:end], pos: pos, num: num})
	lx.pos = end
	return nil
}

func isBaseDigit(c byte, base int) bool {
	switch base {
	case 2:
		return c == '0' || c == '1'
	case 8:
		return c >= '0' && c <= '7'
	case 16:
		return isDec(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
	}
	return isDec(c)
}

func (lx *lexer) lexString() *syntaxErr {
	src := lx.src
	pos := lx.pos
	quote := src[pos]
	i := pos + 1
	for i < len(src) {
		switch src[i] {
		case '\\':
			if strings.HasPrefix(src[i:], `\N{`) {
				// Python decodes these with the Unicode name table, which
				// Go's standard library does not carry: refuse rather than
				// render something else.
				return lx.fail(i, `named unicode escapes (\N{...}) are not supported; write the character or \u escape`)
			}
			i += 2
			continue
		case quote:
			lx.toks = append(lx.toks, token{typ: tokString, val: unescape(src[pos+1 : i]), pos: pos})
			lx.pos = i + 1
			return nil
		}
		i++
	}
	return lx.fail(pos, "unexpected char "+pyRepr(string(quote))+" at "+strconv.Itoa(pos))
}

// unescape decodes Python "unicode-escape" sequences; unknown escapes stay.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+1+n <= len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := 0
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				v = v*8 + int(s[j]-'0')
				j++
			}
			b.WriteRune(rune(v))
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}
