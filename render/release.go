package render

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// release is what kbk learns from the code of the Kolla release in a tree:
// which values kolla_worker.py passes to templates, which functions it
// registers, the per-distro settings of KollaWorker.__init__ and the option
// defaults of common/config.py. Reading them keeps kbk working across
// releases and forks without a table per release.
type release struct {
	context []contextEntry // the `values = {...}` dict of create_dockerfiles
	globals []string       // names registered with env.globals (_get_methods)
	filters []string       // names registered with env.filters (_get_filters)
	distro  []distroBranch // if/elif chain on self.base in KollaWorker.__init__
	options map[string]any // option defaults from config.py, '-' spelled '_'
	tagFmt  string         // body of the f-string parse() uses as the tag default, if any
	pipArgs bool           // create_dockerfiles inserts ARG PIP_* after FROM
	// newUsers: get_users registers options for <name>-user sections Kolla
	// does not know (older releases fail on them).
	newUsers bool
	repos    reposFlavor
	repoData map[string]string // template/*.yaml files next to methods.py

	distros, arches []string
	baseTags        map[string]BaseImage
	prettyNames     map[string]string
	osRelease       string
	osCodename      string
}

// contextEntry is one template variable and the Python expression computing it.
type contextEntry struct {
	name string
	expr any // pyRef, pyCall or a literal
}

// distroBranch is one branch of `if self.base in [...]:`; distros nil is `else:`.
type distroBranch struct {
	distros []string
	assign  map[string]string // attribute (without self./self.conf.) → value
}

// reposFlavor tells which generation of handle_repos the release has.
type reposFlavor int

const (
	// reposByName: repos.yaml maps distro[-arch] → repo alias → repo name (≤ 20.x).
	reposByName reposFlavor = iota
	// reposMerged: deb/rpm, distro and distro-arch sections merged, user
	// repos_yaml merged over Kolla's, cleanup_repos (21.x and later).
	reposMerged
)

func loadRelease(py fs.FS, pyName string) (*release, error) {
	r := &release{options: map[string]any{}, repoData: map[string]string{}}
	worker, ok, err := readFSFile(py, "image/kolla_worker.py")
	if err != nil || !ok {
		return nil, fmt.Errorf("%s/image/kolla_worker.py: cannot read it: %v", pyName, err)
	}
	if err := r.readWorker(worker); err != nil {
		return nil, fmt.Errorf("%s/image/kolla_worker.py: %w", pyName, err)
	}
	config, _, err := readFSFile(py, "common/config.py")
	if err != nil {
		return nil, err
	}
	if err := r.readConfig(config); err != nil {
		return nil, fmt.Errorf("%s/common/config.py: %w", pyName, err)
	}
	methods, _, err := readFSFile(py, "template/methods.py")
	if err != nil {
		return nil, err
	}
	if strings.Contains(methods, "def _build_repo_list") {
		r.repos = reposMerged
	}
	entries, err := fs.ReadDir(py, "template")
	if err != nil {
		return nil, fmt.Errorf("%s/template: %w", pyName, err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			data, err := fs.ReadFile(py, "template/"+e.Name())
			if err != nil {
				return nil, err
			}
			r.repoData[e.Name()] = string(data)
		}
	}
	return r, nil
}

// readWorker extracts the template context, registered functions and
// per-distro settings from kolla_worker.py.
func (r *release) readWorker(src string) error {
	toks, err := pyTokenize(src)
	if err != nil {
		return err
	}
	values, err := dictAfter(afterDef(toks, "create_dockerfiles"), "values", "=")
	if err != nil {
		return fmt.Errorf("template values of create_dockerfiles: %w", err)
	}
	for _, k := range values.keys {
		name, ok := k.(string)
		if !ok {
			return fmt.Errorf("template values of create_dockerfiles: non-string key")
		}
		r.context = append(r.context, contextEntry{name: name, expr: values.vals[k]})
	}
	if methods, err := dictAfter(afterDef(toks, "_get_methods"), "return", ""); err == nil {
		for _, k := range methods.keys {
			r.globals = append(r.globals, fmt.Sprint(k))
		}
	}
	if filters, err := dictAfter(afterDef(toks, "_get_filters"), "filters", "="); err == nil {
		for _, k := range filters.keys {
			r.filters = append(r.filters, fmt.Sprint(k))
		}
	}
	r.pipArgs = strings.Contains(src, "PIP_INDEX_URL")
	if i := strings.Index(src, "def get_users"); i >= 0 {
		body := src[i+len("def get_users"):]
		if j := strings.Index(body, "\n    def "); j >= 0 {
			body = body[:j]
		}
		r.newUsers = strings.Contains(body, "register_opts")
	}
	r.distro = readDistroBranches(src)
	return nil
}

// afterDef returns the tokens from `def name` on (all tokens if absent).
func afterDef(toks []pyToken, name string) []pyToken {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].kind == tokName && toks[i].text == "def" && toks[i+1].text == name {
			return toks[i:]
		}
	}
	return toks
}

// dictAfter parses the first dict literal that follows the tokens
// `name op {` (op may be empty).
func dictAfter(toks []pyToken, name, op string) (*pyDict, error) {
	for i := 0; i+2 < len(toks); i++ {
		if toks[i].kind != tokName || toks[i].text != name {
			continue
		}
		j := i + 1
		if op != "" {
			if toks[j].kind != tokOp || toks[j].text != op {
				continue
			}
			j++
		}
		if toks[j].kind != tokOp || toks[j].text != "{" {
			continue
		}
		p := &pyParser{toks: toks, pos: j}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		if d, ok := v.(*pyDict); ok {
			return d, nil
		}
	}
	return nil, fmt.Errorf("no `%s %s {...}` found", name, op)
}

var (
	reBaseCond  = regexp.MustCompile(`^(\s*)(?:if|elif)\s+self\.base\s*(==|in)\s*(.+?):\s*$`)
	reElse      = regexp.MustCompile(`^(\s*)else:\s*$`)
	reSelfAssgn = regexp.MustCompile(`^(\s*)self\.(?:conf\.)?(\w+)\s*=\s*(.+?)\s*$`)
)

// readDistroBranches reads the `if self.base in [...]:` chain of
// KollaWorker.__init__ that sets the package manager, package type and (in
// older releases) the distro's python version.
func readDistroBranches(src string) []distroBranch {
	var branches []distroBranch
	inChain := false
	indent := ""
	for _, line := range strings.Split(src, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if m := reBaseCond.FindStringSubmatch(line); m != nil {
			distros, ok := pyStrings(m[3])
			if ok {
				inChain, indent = true, m[1]
				branches = append(branches, distroBranch{distros: distros, assign: map[string]string{}})
				continue
			}
		}
		if !inChain {
			continue
		}
		if m := reElse.FindStringSubmatch(line); m != nil && m[1] == indent {
			branches = append(branches, distroBranch{assign: map[string]string{}})
			continue
		}
		lead := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if len(lead) <= len(indent) {
			inChain = false
			continue
		}
		if m := reSelfAssgn.FindStringSubmatch(line); m != nil {
			if v, ok := pyStringLiteral(m[3]); ok {
				branches[len(branches)-1].assign[m[2]] = v
			}
		}
	}
	return branches
}

// pyStrings reads a string literal or a list/tuple of them.
func pyStrings(src string) ([]string, bool) {
	v, ok := pyLiteral(src)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case []any:
		return stringsOf(x)
	case pyTuple:
		return stringsOf(x)
	case pySet:
		return stringsOf(x)
	}
	return nil, false
}

func stringsOf(items []any) ([]string, bool) {
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func pyStringLiteral(src string) (string, bool) {
	v, ok := pyLiteral(src)
	s, isStr := v.(string)
	return s, ok && isStr
}

// pyLiteral parses one complete Python literal expression.
func pyLiteral(src string) (any, bool) {
	toks, err := pyTokenize(src)
	if err != nil {
		return nil, false
	}
	p := &pyParser{toks: toks}
	v, err := p.expr()
	if err != nil || (p.peek().kind != tokNewline && p.peek().kind != tokEOF) {
		return nil, false
	}
	return v, true
}

// distroValue returns what the __init__ chain assigns to attr for distro.
func (r *release) distroValue(attr, distro string) (string, bool) {
	for _, b := range r.distro {
		if b.distros == nil {
			v, ok := b.assign[attr]
			return v, ok
		}
		for _, d := range b.distros {
			if d == distro {
				v, ok := b.assign[attr]
				return v, ok
			}
		}
	}
	return "", false
}

// readConfig reads config.py: distros, default base images, release names
// and every option's default.
func (r *release) readConfig(src string) error {
	m, err := parsePyModule("config.py", src)
	if err != nil {
		return err
	}
	var ok bool
	if r.distros, ok = listOfStrings(m.vars["BASE_OS_DISTRO"]); !ok {
		return fmt.Errorf("BASE_OS_DISTRO is not a list of strings")
	}
	r.arches, _ = listOfStrings(m.vars["BASE_ARCH"])
	tags, ok := m.vars["DEFAULT_BASE_TAGS"].(*pyDict)
	if !ok {
		return fmt.Errorf("DEFAULT_BASE_TAGS is not a dict")
	}
	r.baseTags = map[string]BaseImage{}
	for _, k := range tags.keys {
		d, ok := tags.vals[k].(*pyDict)
		if !ok {
			return fmt.Errorf("DEFAULT_BASE_TAGS[%q] is not a dict", k)
		}
		name, _ := d.str("name")
		tag, _ := d.str("tag")
		r.baseTags[fmt.Sprint(k)] = BaseImage{Name: name, Tag: tag}
	}
	r.prettyNames = map[string]string{}
	if pretty, ok := m.vars["DISTRO_PRETTY_NAME"].(*pyDict); ok {
		for _, k := range pretty.keys {
			if s, ok := pretty.vals[k].(string); ok {
				r.prettyNames[fmt.Sprint(k)] = s
			}
		}
	}
	r.osRelease, _ = m.vars["OPENSTACK_RELEASE"].(string)
	r.osCodename, _ = m.vars["OPENSTACK_RELEASE_CODENAME"].(string)
	for _, name := range m.order {
		collectOptions(m.vars[name], r.options)
	}
	if body, ok := setDefaultFString(m.toks, "tag"); ok {
		r.tagFmt = body
	}
	return nil
}

func listOfStrings(v any) ([]string, bool) {
	switch x := v.(type) {
	case []any:
		return stringsOf(x)
	case pyTuple:
		return stringsOf(x)
	}
	return nil, false
}

// collectOptions records the default of every cfg.*Opt('name', default=...)
// call inside v (an option list).
func collectOptions(v any, into map[string]any) {
	list, ok := v.([]any)
	if !ok {
		return
	}
	for _, item := range list {
		c, ok := item.(pyCall)
		if !ok || !strings.HasPrefix(c.fn, "cfg.") || !strings.HasSuffix(c.fn, "Opt") || len(c.args) == 0 {
			continue
		}
		name, ok := c.args[0].(string)
		if !ok {
			continue
		}
		def, _ := c.kwargs.get("default")
		into[strings.ReplaceAll(name, "-", "_")] = def
	}
}

// setDefaultFString finds `conf.set_default('<opt>', f"...")`.
func setDefaultFString(toks []pyToken, opt string) (string, bool) {
	for i := 0; i+5 < len(toks); i++ {
		if toks[i].text == "conf" && toks[i+1].text == "." && toks[i+2].text == "set_default" && toks[i+3].text == "(" && toks[i+4].kind == tokString {
			name, _, err := decodePyString(toks[i+4].text)
			if err != nil || name != opt || toks[i+5].text != "," {
				continue
			}
			p := &pyParser{toks: toks, pos: i + 6}
			v, err := p.strings()
			if f, ok := v.(pyFString); err == nil && ok {
				return f.body, true
			}
		}
	}
	return "", false
}

var reFStringField = regexp.MustCompile(`\{conf\.(\w+)\}`)

// expandConfFString expands an f-string body whose fields are `{conf.NAME}`.
func expandConfFString(body string, conf func(string) string) string {
	return reFStringField.ReplaceAllStringFunc(body, func(f string) string {
		return conf(reFStringField.FindStringSubmatch(f)[1])
	})
}
