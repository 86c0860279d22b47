package render

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kbk-dev/kbk/render/jinja"
)

// repos implements handle_repos and cleanup_repos for one Renderer: Kolla's
// repos.yaml data (already decoded) and the user's repos_yaml, if any.
type repos struct {
	flavor   reposFlavor
	defaults map[string]*pyDict // decoded template/*.yaml by file name
	user     *pyDict            // decoded user repos_yaml, nil when unset
}

func newRepos(rel *release, userYAML []byte, userName string) (*repos, error) {
	r := &repos{flavor: rel.repos, defaults: map[string]*pyDict{}}
	for name, src := range rel.repoData {
		v, err := decodeYAML([]byte(src))
		if err != nil {
			return nil, fmt.Errorf("template/%s: %w", name, err)
		}
		d, ok := v.(*pyDict)
		if !ok {
			return nil, fmt.Errorf("template/%s: not a mapping", name)
		}
		r.defaults[name] = d
	}
	if userYAML != nil {
		v, err := decodeYAML(userYAML)
		if err != nil {
			return nil, fmt.Errorf("repos_yaml %s: %w", userName, err)
		}
		d, ok := v.(*pyDict)
		if !ok {
			return nil, fmt.Errorf("repos_yaml %s: not a mapping", userName)
		}
		r.user = d
	}
	return r, nil
}

// ctxStr reads a context value as a string ("" when unset).
func ctxStr(c *jinja.Call, name string) string {
	v, ok := lookup(c, name)
	if !ok || v == nil {
		return ""
	}
	return jinjaStr(v)
}

func (r *repos) handleRepos(c *jinja.Call) (any, error) {
	namesV, _ := arg(c, 0, "reponames")
	modeV, _ := arg(c, 1, "mode")
	mode, _ := modeV.(string)
	if r.flavor == reposMerged {
		names, ok := namesV.([]any)
		if !ok {
			return nil, errors.New("First argument should be a list of repositories")
		}
		return r.handleMerged(c, names, mode)
	}
	if mode != "enable" && mode != "disable" {
		return nil, errors.New("KeyError")
	}
	names, ok := namesV.([]any)
	if !ok {
		return nil, errors.New("First argument should be a list of repositories")
	}
	return r.handleByName(c, names, mode)
}

// handleByName is handle_repos of Kolla ≤ 20.x: repos.yaml (or the user's
// file instead of it) maps distro[-arch] → alias → repo.
func (r *repos) handleByName(c *jinja.Call, names []any, mode string) (any, error) {
	ptype := ctxStr(c, "base_package_type")
	distro := ctxStr(c, "base_distro")
	arch := ctxStr(c, "base_arch")
	data := r.user
	if !truthy(mustLookup(c, "repos_yaml")) || data == nil {
		file := "repos.yaml"
		// 20.x keeps EL10 repositories in their own file.
		tag := ctxStr(c, "base_distro_tag")
		if _, ok := r.defaults["repos-el10.yaml"]; ok &&
			(distro == "centos" && strings.HasPrefix(tag, "stream10") || distro == "rocky" && strings.HasPrefix(tag, "10")) {
			file = "repos-el10.yaml"
		}
		data = r.defaults[file]
		if data == nil {
			return nil, fmt.Errorf("no template/%s in the Kolla tree", file)
		}
	}
	listV, ok := data.get(distro + "-" + arch)
	if !ok {
		if listV, ok = data.get(distro); !ok {
			return nil, fmt.Errorf("KeyError: %s", pyRepr(distro))
		}
	}
	list, _ := listV.(*pyDict)
	rpmSwitch := map[string]string{"enable": "--enable", "disable": "--disable"}[mode]
	var cmd strings.Builder
	for _, n := range names {
		repo := jinjaStr(n)
		entry, ok := pyGet(list, n)
		if !ok {
			continue // Kolla ignores repositories a distro/arch does not have
		}
		switch ptype {
		case "rpm":
			fmt.Fprintf(&cmd, " %s %s", rpmSwitch, pyStr(entry))
		case "deb":
			if mode != "enable" {
				continue
			}
			e, _ := entry.(*pyDict)
			url, ok1 := pyGet(e, "url")
			comp, ok2 := pyGet(e, "component")
			suite, ok3 := pyGet(e, "suite")
			key, ok4 := pyGet(e, "gpg_key")
			if !ok1 || !ok2 || !ok3 || !ok4 {
				continue
			}
			file := "/etc/apt/sources.list.d/" + repo + ".sources"
			fmt.Fprintf(&cmd, "echo 'Uris: %s' >%s && echo 'Components: %s' >>%s && echo 'Types: deb' >>%s && "+
				"echo 'Suites: %s' >>%s && echo 'Signed-By: /etc/kolla/apt-keys/%s' >>%s && ",
				pyStr(url), file, pyStr(comp), file, file, pyStr(suite), file, pyStr(key), file)
			if a, ok := pyGet(e, "arch"); ok && pyTruth(a) {
				fmt.Fprintf(&cmd, "echo 'Architectures: %s' >>%s && ", pyStr(a), file)
			}
		}
	}
	out := cmd.String()
	switch {
	case ptype == "rpm" && out != "":
		out = "dnf config-manager " + out + " || true"
	case ptype == "deb":
		out = out[:max(len(out)-4, 0)]
	}
	if out != "" {
		out = "RUN " + out
	}
	return out, nil
}

func mustLookup(c *jinja.Call, name string) any {
	v, _ := lookup(c, name)
	return v
}

// pyGet is dict.get on decoded YAML; a non-dict has no keys.
func pyGet(d *pyDict, key any) (any, bool) {
	if d == nil {
		return nil, false
	}
	if s, ok := key.(string); ok {
		return d.get(s)
	}
	return d.get(key)
}
