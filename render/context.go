package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kbk-dev/kbk/render/jinja"
)

// worker mirrors the attributes KollaWorker.__init__ derives from the
// options; the template context is built from them, entry by entry, as the
// release's create_dockerfiles lists them.
type worker struct {
	conf  conf
	attrs map[string]any // self.<name>
	local map[string]any // names local to create_dockerfiles
	users []User
}

func (t *Tree) newWorker(c conf, opts Options) (*worker, error) {
	r := t.release
	base := c.str("base")
	arch := c.str("base_arch")
	w := &worker{conf: c, attrs: map[string]any{}, local: map[string]any{}}
	for k, v := range c {
		w.attrs[k] = v
	}
	namespace := c.str("namespace")
	if reg := c.str("registry"); reg != "" {
		namespace = reg + "/" + namespace
	}
	w.attrs["namespace"] = namespace
	debianArch := arch
	switch arch {
	case "aarch64":
		debianArch = "arm64"
	case "x86_64":
		debianArch = "amd64"
	}
	w.attrs["debian_arch"] = debianArch
	w.attrs["image_prefix"] = c["image_name_prefix"]
	for _, b := range r.distro {
		for attr := range b.assign {
			if v, ok := r.distroValue(attr, base); ok {
				w.attrs[attr] = v
			}
		}
	}
	// Explicit options win over the distro's defaults.
	if v := c["distro_package_manager"]; v != nil {
		w.attrs["distro_package_manager"] = v
	} else if _, ok := r.distroValue("distro_package_manager", base); !ok {
		w.attrs["distro_package_manager"] = nil
	}
	if v := c["base_package_type"]; truthy(v) {
		w.attrs["base_package_type"] = v
	} else if _, ok := r.distroValue("base_package_type", base); !ok {
		w.attrs["base_package_type"] = nil
	}
	setup, err := rpmSetup(c["rpm_setup_config"])
	if err != nil {
		return nil, err
	}
	w.attrs["rpm_setup"] = setup

	w.local["kolla_version"] = t.version(opts)
	if name, ok := r.prettyNames[base]; ok {
		w.local["supported_distro_name"] = name
	} else {
		w.local["supported_distro_name"] = nil
	}
	w.local["build_date"] = opts.BuildDate
	if opts.BuildDate == "" {
		w.local["build_date"] = today()
	}
	if !r.newUsers {
		for name := range opts.Users {
			if !t.hasUser(name) {
				return nil, fmt.Errorf("[%s-user]: this Kolla release only accepts the users it defines", name)
			}
		}
	}
	w.users = mergeUsers(t.Users, opts.Users)
	return w, nil
}

// rpmSetup turns rpm_setup_config into Dockerfile lines, as
// KollaWorker.build_rpm_setup.
func rpmSetup(v any) ([]any, error) {
	items, _ := v.([]any)
	out := []any{}
	for _, it := range items {
		if it == nil {
			continue
		}
		s := pyStr(it)
		switch {
		case strings.HasSuffix(s, ".rpm"):
			out = append(out, "RUN dnf -y install "+s)
		case strings.HasSuffix(s, ".repo"):
			if strings.HasPrefix(s, "http") {
				out = append(out, "RUN curl -L "+s+" -o /etc/yum.repos.d/"+s[strings.LastIndex(s, "/")+1:])
			} else {
				out = append(out, "COPY "+s+" /etc/yum.repos.d/")
			}
		case s == "":
			out = append(out, "")
		default:
			return nil, fmt.Errorf("RPM setup must be provided as .rpm or .repo files. Attempted configuration was %s", s)
		}
	}
	return out, nil
}

func (t *Tree) hasUser(name string) bool {
	for _, u := range t.Users {
		if u.Name == name {
			return true
		}
	}
	return false
}

func mergeUsers(base []User, over map[string]UserOverride) []User {
	out := append([]User{}, base...)
	index := map[string]int{}
	for i, u := range out {
		index[u.Name] = i
	}
	names := make([]string, 0, len(over))
	for n := range over {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o := over[n]
		i, ok := index[n]
		if !ok {
			// A section Kolla does not know: uid/gid default to None there.
			out = append(out, User{Name: n, UID: -1, GID: -1, Group: n})
			i = len(out) - 1
			index[n] = i
		}
		if o.UID != nil {
			out[i].UID = *o.UID
		}
		if o.GID != nil {
			out[i].GID = *o.GID
		}
		if o.Group != nil {
			out[i].Group = *o.Group
		}
	}
	return out
}

// usersValue is get_users(): name → {'uid', 'gid', 'group'}.
func (w *worker) usersValue() *jinja.Dict {
	d := jinja.NewDict()
	for _, u := range w.users {
		e := jinja.NewDict()
		e.Set("uid", idValue(u.UID))
		e.Set("gid", idValue(u.GID))
		e.Set("group", u.Group)
		d.Set(u.Name, e)
	}
	return d
}

func idValue(id int) any {
	if id < 0 {
		return nil
	}
	return id
}

// contextFor evaluates the release's template values for one image.
func (w *worker) contextFor(entries []contextEntry, im Image, env map[string]string) (map[string]any, error) {
	vars := make(map[string]any, len(entries)+1)
	for _, e := range entries {
		v, err := w.eval(e.expr, im)
		if err != nil {
			return nil, fmt.Errorf("template value %q: %w", e.name, err)
		}
		vars[e.name] = v
	}
	envDict := jinja.NewDict()
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		envDict.Set(k, env[k])
	}
	vars["env"] = envDict
	return vars, nil
}

func (w *worker) eval(expr any, im Image) (any, error) {
	switch x := expr.(type) {
	case pyRef:
		name := x.expr
		switch {
		case name == "image_name":
			return im.Name, nil
		case strings.HasPrefix(name, "self.conf."):
			v, ok := w.conf[strings.TrimPrefix(name, "self.conf.")]
			if !ok {
				return nil, fmt.Errorf("unknown option %s", name)
			}
			return templateValue(v), nil
		case strings.HasPrefix(name, "self."):
			v, ok := w.attrs[strings.TrimPrefix(name, "self.")]
			if !ok {
				return nil, fmt.Errorf("kbk does not know how Kolla computes %s", name)
			}
			return templateValue(v), nil
		}
		if v, ok := w.local[name]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("kbk does not know how Kolla computes %s", name)
	case pyCall:
		if x.fn == "self.get_users" && len(x.args) == 0 {
			return w.usersValue(), nil
		}
		return nil, fmt.Errorf("kbk does not know how Kolla computes %s()", x.fn)
	case pyOpaque, pyFString:
		return nil, fmt.Errorf("expression not understood")
	}
	return templateValue(expr), nil
}

// templateValue converts a value read from Python into the jinja API's types.
func templateValue(v any) any {
	switch x := v.(type) {
	case *pyDict:
		d := jinja.NewDict()
		for _, k := range x.keys {
			d.Set(k, templateValue(x.vals[k]))
		}
		return d
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = templateValue(e)
		}
		return out
	case pyTuple:
		out := make(jinja.Tuple, len(x))
		for i, e := range x {
			out[i] = templateValue(e)
		}
		return out
	}
	return v
}
