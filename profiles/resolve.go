package profiles

import (
	"fmt"
	"strings"
)

// Setting is the effective value of one option.
type Setting struct {
	Group   string // "DEFAULT", "profiles", a source or user section (lower case)
	Name    string
	Kind    Kind
	Value   any      // string, bool, int (or nil when unset), []string, map[string]string
	Origin  Origin   // where the value came from; for a multi-valued option, its last item
	Origins []Origin // for multi-valued options: one per item
}

type optKey struct{ Group, Name string }

func (k optKey) String() string { return "[" + k.Group + "] " + k.Name }

// rawValue is an unconverted value from a file, an environment variable or a
// flag, before substitution.
type rawValue struct {
	Text   string
	Origin Origin
}

// resolver computes effective option values lazily, as oslo.config does:
// files in order (the last one wins, multi-valued options accumulate), then
// the override layer (.env, environment, flags), then Kolla's defaults.
// Substitution ($name, ${name}, $group.name) refers to effective values, so
// values are memoised and loops detected.
type resolver struct {
	files     [][]assignment
	overrides map[optKey][]rawValue
	kolla     *KollaDefaults
	hostArch  string
	env       map[string]string // the process environment, for OS_<GROUP>__<OPTION>
	groups    map[string]bool   // every registered group besides DEFAULT
	profiles  map[string]bool   // registered [profiles] options
	cache     map[optKey]*Setting
	active    []optKey
}

func normGroup(s string) string {
	if s == "DEFAULT" {
		return s
	}
	return strings.ToLower(s)
}

// specFor returns an option's spec when it is registered in group.
func (r *resolver) specFor(group, name string) (optionSpec, bool) {
	switch {
	case group == "DEFAULT":
		spec, ok := findSpec(defaultOptions, name)
		switch name {
		case "base":
			spec.Choices = sortedKeys(r.kolla.BaseImages)
		case "base_arch":
			spec.Choices = r.kolla.BaseArches
		case "debian_arch":
			spec.Choices = r.kolla.DebianArches
		}
		if len(spec.Choices) == 0 {
			spec.Choices = nil
		}
		return spec, ok
	case group == "profiles":
		if r.profiles[name] {
			return optionSpec{Name: name, Kind: KindList}, true
		}
		return optionSpec{}, false
	case !r.groups[group]:
		return optionSpec{}, false
	case strings.HasSuffix(group, "-user"):
		return findSpec(userOptions, name)
	}
	return findSpec(sourceOptions, name)
}

// fileValues returns the assignments that give (group, name) its value: for
// a single-valued option, the last one of the last file that sets it; for a
// multi-valued one, all of them in file order.
func (r *resolver) fileValues(k optKey, multi bool) []rawValue {
	var out []rawValue
	for i := len(r.files) - 1; i >= 0; i-- {
		var inFile []rawValue
		for _, a := range r.files[i] {
			if a.Key == k.Name && normGroup(a.Section) == k.Group {
				inFile = append(inFile, rawValue{Text: a.Value, Origin: Origin{Kind: FromFile, Pos: a.Pos}})
			}
		}
		if len(inFile) == 0 {
			continue
		}
		if !multi {
			return inFile[len(inFile)-1:]
		}
		out = append(inFile, out...)
	}
	return out
}

func (r *resolver) get(group, name string) (*Setting, error) {
	k := optKey{group, name}
	if s, ok := r.cache[k]; ok {
		return s, nil
	}
	for i, a := range r.active {
		if a == k {
			chain := make([]string, 0, len(r.active)-i+1)
			for _, b := range r.active[i:] {
				chain = append(chain, b.String())
			}
			return nil, fmt.Errorf("substitution loop: %s -> %s", strings.Join(chain, " -> "), k)
		}
	}
	spec, ok := r.specFor(group, name)
	if !ok {
		return nil, fmt.Errorf("no option %q in [%s]", name, group)
	}
	r.active = append(r.active, k)
	defer func() { r.active = r.active[:len(r.active)-1] }()

	s, err := r.compute(k, spec)
	if err != nil {
		return nil, err
	}
	r.cache[k] = s
	return s, nil
}

func (r *resolver) compute(k optKey, spec optionSpec) (*Setting, error) {
	multi := spec.Kind == KindMulti
	raws := r.overrides[k]
	if raws == nil && !multi {
		// oslo.config's environment source sits between the command line
		// and the files
		name := "OS_" + strings.ToUpper(k.Group) + "__" + strings.ToUpper(k.Name)
		if v, ok := r.env[name]; ok {
			raws = []rawValue{{Text: v, Origin: Origin{Kind: FromEnv, Var: name}}}
		}
	}
	switch {
	case multi:
		// the command line adds to what the files give, as argparse appends
		// to the list the config files started
		raws = append(r.fileValues(k, true), raws...)
	case raws == nil:
		raws = r.fileValues(k, false)
	}
	if raws == nil {
		return r.defaultSetting(k, spec)
	}
	s := &Setting{Group: k.Group, Name: k.Name, Kind: spec.Kind, Origin: raws[len(raws)-1].Origin}
	var items []string
	for _, raw := range raws {
		text, err := r.substitute(k.Group, raw.Text)
		if err != nil {
			return nil, place(err, raw.Origin, k)
		}
		if multi {
			items = append(items, text)
			s.Origins = append(s.Origins, raw.Origin)
			continue
		}
		v, err := convert(spec, text)
		if err != nil {
			return nil, place(err, raw.Origin, k)
		}
		s.Value = v
	}
	if multi {
		s.Value = items
	}
	return s, nil
}
