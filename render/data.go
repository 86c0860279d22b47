package render

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// loadData reads Kolla's tables (sources, users, unbuildable images, default
// profiles) from wherever the release keeps them.
func (t *Tree) loadData(py fs.FS, pyName string) error {
	r := t.release
	t.OpenStackRelease = r.osRelease
	t.OpenStackReleaseCodename = r.osCodename
	t.Distros = r.distros
	t.Arches = r.arches
	t.DefaultBaseImages = r.baseTags
	t.DistroPrettyNames = r.prettyNames

	modules := map[string]*pyModule{}
	for _, f := range []string{"common/config.py", "common/sources.py", "common/users.py", "image/unbuildable.py"} {
		src, ok, err := readFSFile(py, f)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		m, err := parsePyModule(f, src)
		if err != nil {
			return fmt.Errorf("%s/%w", pyName, err)
		}
		modules[f] = m
	}
	find := func(name string) (any, string) {
		for _, f := range []string{"common/sources.py", "common/users.py", "image/unbuildable.py", "common/config.py"} {
			if m := modules[f]; m != nil {
				if v, ok := m.vars[name]; ok {
					return v, f
				}
			}
		}
		return nil, ""
	}

	sources, where := find("SOURCES")
	if _, literal := sources.(*pyDict); !literal {
		// Newer releases load SOURCES from sources.yaml next to sources.py.
		src, ok, err := readFSFile(py, "common/sources.yaml")
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s: no SOURCES literal in common/ and no common/sources.yaml", pyName)
		}
		v, err := decodeYAML([]byte(src))
		if err != nil {
			return fmt.Errorf("%s/common/sources.yaml: %w", pyName, err)
		}
		sources, where = v, "common/sources.yaml"
	}
	var err error
	if t.Sources, err = readSources(sources); err != nil {
		return fmt.Errorf("%s/%s: SOURCES: %w", pyName, where, err)
	}
	users, where := find("USERS")
	if t.Users, err = readUsers(users); err != nil {
		return fmt.Errorf("%s/%s: USERS: %w", pyName, where, err)
	}
	unbuildable, where := find("UNBUILDABLE_IMAGES")
	if t.Unbuildable, err = readUnbuildable(unbuildable); err != nil {
		return fmt.Errorf("%s/%s: UNBUILDABLE_IMAGES: %w", pyName, where, err)
	}
	if cfg := modules["common/config.py"]; cfg != nil {
		t.Profiles = readProfiles(cfg.vars["_PROFILE_OPTS"])
	}
	return nil
}

func readSources(v any) ([]Source, error) {
	d, ok := v.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("not a dict")
	}
	var out []Source
	for _, k := range d.keys {
		name := fmt.Sprint(k)
		e, ok := d.vals[k].(*pyDict)
		if !ok {
			return nil, fmt.Errorf("%q is not a dict", name)
		}
		s := Source{Name: name, Enabled: true}
		s.Type, _ = e.str("type")
		s.Location, _ = e.str("location")
		if ref, ok := e.get("reference"); ok && ref != nil {
			s.Reference = pyStr(ref)
		}
		if ver, ok := e.get("version"); ok && ver != nil {
			s.Version = pyStr(ver)
		}
		if en, ok := e.get("enabled"); ok {
			s.Enabled = pyTruth(en)
		}
		if sums, ok := e.get("sha256"); ok {
			if sd, ok := sums.(*pyDict); ok {
				s.SHA256 = map[string]string{}
				for _, a := range sd.keys {
					s.SHA256[fmt.Sprint(a)] = pyStr(sd.vals[a])
				}
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func readUsers(v any) ([]User, error) {
	d, ok := v.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("not a dict")
	}
	var out []User
	for _, k := range d.keys {
		section := fmt.Sprint(k)
		e, ok := d.vals[k].(*pyDict)
		if !ok {
			return nil, fmt.Errorf("%q is not a dict", section)
		}
		// Kolla names the section <user>-user and defaults the group to <user>.
		name := strings.TrimSuffix(section, "-user")
		u := User{Name: name, Group: section[:max(len(section)-5, 0)]}
		uid, uok := e.vals["uid"].(int)
		gid, gok := e.vals["gid"].(int)
		if !uok || !gok {
			return nil, fmt.Errorf("%q: uid and gid must be integers", section)
		}
		u.UID, u.GID = uid, gid
		if g, ok := e.str("group"); ok {
			u.Group = g
		}
		out = append(out, u)
	}
	return out, nil
}

func readUnbuildable(v any) (map[string][]string, error) {
	if v == nil {
		return map[string][]string{}, nil
	}
	d, ok := v.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("not a dict")
	}
	out := map[string][]string{}
	for _, k := range d.keys {
		var items []any
		switch x := d.vals[k].(type) {
		case pySet:
			items = x
		case []any:
			items = x
		case pyTuple:
			items = x
		case *pyDict: // `{}` is an empty dict in Python
			if len(x.keys) != 0 {
				return nil, fmt.Errorf("%q is not a set", k)
			}
		default:
			return nil, fmt.Errorf("%q is not a set", k)
		}
		names, ok := stringsOf(items)
		if !ok {
			return nil, fmt.Errorf("%q holds a non-string", k)
		}
		sort.Strings(names)
		out[fmt.Sprint(k)] = names
	}
	return out, nil
}

func readProfiles(v any) []Profile {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	var out []Profile
	for _, item := range list {
		c, ok := item.(pyCall)
		if !ok || len(c.args) == 0 {
			continue
		}
		name, ok := c.args[0].(string)
		if !ok {
			continue
		}
		def, _ := c.kwargs.get("default")
		images, _ := listOfStrings(def)
		out = append(out, Profile{Name: name, Images: images})
	}
	return out
}
