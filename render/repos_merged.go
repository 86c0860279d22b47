package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kbk-dev/kbk/render/jinja"
)

// Kolla 21.x and later: repos.yaml has deb/rpm, <distro> and
// <distro>-<arch> sections merged in that order, a user repos_yaml is merged
// over Kolla's per section, and build_only repositories are backed up and
// restored by cleanup_repos.

const repoBackupDir = "/tmp/kolla-repos-backup"

// load returns Kolla's repos.yaml with the user's file merged over it
// (each repository the user names replaces Kolla's entry).
func (r *repos) load(withUser bool) *pyDict {
	base := r.defaults["repos.yaml"]
	out := newPyDict()
	if base != nil {
		for _, k := range base.keys {
			v := base.vals[k]
			if d, ok := v.(*pyDict); ok {
				v = d.clone()
			}
			out.set(k, v)
		}
	}
	if withUser && r.user != nil {
		for _, section := range r.user.keys {
			repos := r.user.vals[section]
			existing, ok := out.get(section)
			ed, isDict := existing.(*pyDict)
			if ok && isDict {
				if rd, ok := repos.(*pyDict); ok {
					for _, k := range rd.keys {
						ed.set(k, rd.vals[k])
					}
				}
				continue
			}
			out.set(section, repos)
		}
	}
	return out
}

func (d *pyDict) clone() *pyDict {
	c := newPyDict()
	for _, k := range d.keys {
		c.set(k, d.vals[k])
	}
	return c
}

// buildRepoList flattens the sections applying to a package type, distro and arch.
func buildRepoList(data *pyDict, ptype, distro, arch string) *pyDict {
	result := newPyDict()
	for _, section := range []string{ptype, distro, distro + "-" + arch} {
		sec, _ := data.get(section)
		sd, ok := sec.(*pyDict)
		if !ok {
			continue
		}
		for _, name := range sd.keys {
			info, _ := sd.vals[name].(*pyDict)
			if prev, ok := result.get(name); ok {
				merged := newPyDict()
				if pd, ok := prev.(*pyDict); ok {
					for _, k := range pd.keys {
						merged.set(k, pd.vals[k])
					}
				}
				if info != nil {
					for _, k := range info.keys {
						merged.set(k, info.vals[k])
					}
				}
				for _, k := range []string{"baseurl", "metalink", "mirrorlist", "url"} {
					if _, ok := merged.get(k); ok {
						merged.delete("distro")
						break
					}
				}
				result.set(name, merged)
				continue
			}
			result.set(name, sd.vals[name])
		}
	}
	return result
}

func (d *pyDict) delete(k any) {
	if _, ok := d.vals[k]; !ok {
		return
	}
	delete(d.vals, k)
	for i, key := range d.keys {
		if key == k {
			d.keys = append(d.keys[:i:i], d.keys[i+1:]...)
			break
		}
	}
}

// field is repo.get(key) on a repository entry.
func field(entry any, key string) (any, bool) {
	d, _ := entry.(*pyDict)
	return pyGet(d, key)
}

func fieldTrue(entry any, key string) bool {
	v, _ := field(entry, key)
	return pyTruth(v)
}

func fieldStr(entry any, key string) string {
	v, ok := field(entry, key)
	if !ok {
		return ""
	}
	return pyStr(v)
}

func (r *repos) handleMerged(c *jinja.Call, names []any, mode string) (any, error) {
	ptype := ctxStr(c, "base_package_type")
	distro := ctxStr(c, "base_distro")
	arch := ctxStr(c, "base_arch")
	codename := ctxStr(c, "openstack_release_codename")
	userSet := truthy(mustLookup(c, "repos_yaml"))
	list := buildRepoList(r.load(userSet), ptype, distro, arch)
	defaults := buildRepoList(r.load(false), ptype, distro, arch)

	if ptype == "rpm" && userSet {
		if err := checkDistroOverrides(list, defaults); err != nil {
			return nil, err
		}
	}
	var cmd strings.Builder
	backedUp := map[string]bool{}
	for index, n := range names {
		repo := jinjaStr(n)
		entry, ok := pyGet(list, n)
		if !ok {
			return nil, fmt.Errorf("KeyError: %s (repository in image %s)", pyRepr(repo), ctxStr(c, "image_name"))
		}
		last := index == len(names)-1
		need := func(key string) (string, error) {
			v, ok := field(entry, key)
			if !ok {
				return "", fmt.Errorf("KeyError: %s (repository %s)", pyRepr(key), pyRepr(repo))
			}
			return pyStr(v), nil
		}
		switch ptype {
		case "rpm":
			if mode == "enable" {
				if !fieldTrue(entry, "distro") {
					file := repo + ".repo"
					if fieldTrue(entry, "build_only") {
						if g := fieldStr(entry, "file_group"); fieldTrue(entry, "file_group") {
							file = g
						} else if dg, _ := pyGet(defaults, n); fieldTrue(dg, "file_group") {
							file = fieldStr(dg, "file_group")
						}
						if !backedUp[file] {
							fmt.Fprintf(&cmd, "mkdir -p %s && cp /etc/yum.repos.d/%s %s/%s 2>/dev/null || true && touch %s/%s.enabled && ",
								repoBackupDir, file, repoBackupDir, file, repoBackupDir, file)
							backedUp[file] = true
						}
					}
					name, err := need("name")
					if err != nil {
						return nil, err
					}
					yum := "/etc/yum.repos.d/" + repo + ".repo"
					fmt.Fprintf(&cmd, "grep -rlF '[%s]' /etc/yum.repos.d/ 2>/dev/null | xargs -r rm -f", name)
					fmt.Fprintf(&cmd, " && echo '[%s]' >%s && echo 'name=%s' >>%s && echo 'enabled=1' >>%s", name, yum, name, yum, yum)
					if fieldTrue(entry, "gpgcheck") {
						fmt.Fprintf(&cmd, " && echo 'gpgcheck=%s' >>%s", fieldStr(entry, "gpgcheck"), yum)
					}
					if fieldTrue(entry, "repo_gpgcheck") {
						fmt.Fprintf(&cmd, " && echo 'repo_gpgcheck=%s' >>%s", fieldStr(entry, "repo_gpgcheck"), yum)
					}
					_, hasBase := field(entry, "baseurl")
					_, hasMeta := field(entry, "metalink")
					_, hasMirror := field(entry, "mirrorlist")
					if !hasBase && !hasMeta && !hasMirror {
						return nil, fmt.Errorf("Repository '%s' has no baseurl, metalink, or mirrorlist", repo)
					}
					if _, ok := field(entry, "gpgkey"); !ok {
						return nil, fmt.Errorf("Repository '%s' has no gpgkey", repo)
					}
					for i, key := range pySplitLines(fieldStr(entry, "gpgkey")) {
						if i == 0 {
							fmt.Fprintf(&cmd, " && echo 'gpgkey=%s' >>%s", key, yum)
						} else {
							fmt.Fprintf(&cmd, " && echo '       %s' >>%s", key, yum)
						}
					}
					switch {
					case hasBase:
						for _, u := range pySplitLines(fieldStr(entry, "baseurl")) {
							fmt.Fprintf(&cmd, " && echo 'baseurl=%s' >>%s", u, yum)
						}
					case hasMeta:
						fmt.Fprintf(&cmd, " && echo 'metalink=%s' >>%s", fieldStr(entry, "metalink"), yum)
					case hasMirror:
						fmt.Fprintf(&cmd, " && echo 'mirrorlist=%s' >>%s", fieldStr(entry, "mirrorlist"), yum)
					}
				} else {
					name, err := need("name")
					if err != nil {
						return nil, err
					}
					fmt.Fprintf(&cmd, "dnf config-manager --enable %s || true", name)
				}
				if !last {
					cmd.WriteString(" && ")
				}
			} else if mode == "disable" && fieldTrue(entry, "distro") {
				name, err := need("name")
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(&cmd, "dnf config-manager --disable %s || true", name)
			}
		case "deb":
			if mode != "enable" || fieldTrue(entry, "distro") {
				continue
			}
			sources := "/etc/apt/sources.list.d/" + repo + ".sources"
			if fieldTrue(entry, "build_only") && !backedUp[sources] {
				fmt.Fprintf(&cmd, "mkdir -p %s && cp %s %s/%s.sources 2>/dev/null || true && touch %s/%s.enabled && ",
					repoBackupDir, sources, repoBackupDir, repo, repoBackupDir, repo)
				backedUp[sources] = true
			}
			key, err := need("gpg_key")
			if err != nil {
				return nil, err
			}
			signedBy := key
			if !strings.HasPrefix(key, "/") {
				signedBy = "/etc/kolla/apt-keys/" + key
			}
			suite, err := need("suite")
			if err != nil {
				return nil, err
			}
			suite = strings.ReplaceAll(suite, "{openstack_release_codename}", strings.ToLower(codename))
			comp, err := need("component")
			if err != nil {
				return nil, err
			}
			url, err := need("url")
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&cmd, "echo 'Uris: %s' >%s && echo 'Components: %s' >>%s && echo 'Types: deb' >>%s && "+
				"echo 'Suites: %s' >>%s && echo 'Signed-By: %s' >>%s",
				url, sources, comp, sources, sources, suite, sources, signedBy, sources)
			if fieldTrue(entry, "trusted") {
				fmt.Fprintf(&cmd, " && echo 'Trusted: yes' >>%s", sources)
			}
			if _, ok := field(entry, "arch"); ok {
				fmt.Fprintf(&cmd, " && echo 'Architectures: %s' >>%s", fieldStr(entry, "arch"), sources)
			}
			if !last {
				cmd.WriteString(" && ")
			}
		}
	}
	if cmd.Len() == 0 {
		return "", nil
	}
	return "RUN " + cmd.String(), nil
}

// checkDistroOverrides refuses a user repos_yaml that replaces some but not
// all of the distro repositories sharing one .repo file.
func checkDistroOverrides(list, defaults *pyDict) error {
	overridden := map[string]bool{}
	for _, k := range list.keys {
		d, _ := pyGet(defaults, k)
		if !fieldTrue(list.vals[k], "distro") && fieldTrue(d, "distro") {
			overridden[fmt.Sprint(k)] = true
		}
	}
	if len(overridden) == 0 {
		return nil
	}
	groups := map[string]bool{}
	for name := range overridden {
		d, _ := pyGet(defaults, name)
		if fieldTrue(d, "file_group") {
			groups[fieldStr(d, "file_group")] = true
		}
	}
	var still []string
	for _, k := range list.keys {
		e := list.vals[k]
		name := fmt.Sprint(k)
		g, hasGroup := field(e, "file_group")
		if fieldTrue(e, "distro") && !overridden[name] && hasGroup && groups[pyStr(g)] {
			still = append(still, name)
		}
	}
	if len(still) == 0 {
		return nil
	}
	sort.Strings(still)
	var over []string
	for n := range overridden {
		over = append(over, n)
	}
	sort.Strings(over)
	return fmt.Errorf("Repositories %s override distro-provided repos and will remove their .repo file. "+
		"Repositories %s are still using distro defaults and share the same file. Please also override them in your repos.yaml.",
		pyStr(toAnyList(over)), pyStr(toAnyList(still)))
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// cleanupRepos restores or removes the build_only repositories handle_repos
// enabled, so that mirror URLs do not stay in the image.
func (r *repos) cleanupRepos(c *jinja.Call) (any, error) {
	ptype := ctxStr(c, "base_package_type")
	distro := ctxStr(c, "base_distro")
	arch := ctxStr(c, "base_arch")
	list := buildRepoList(r.load(truthy(mustLookup(c, "repos_yaml"))), ptype, distro, arch)
	defaults := buildRepoList(r.load(false), ptype, distro, arch)
	var cmds []string
	restored := map[string]bool{}
	for _, k := range list.keys {
		info := list.vals[k]
		name := fmt.Sprint(k)
		if !fieldTrue(info, "build_only") {
			continue
		}
		switch {
		case ptype == "rpm" && !fieldTrue(info, "distro"):
			own := name + ".repo"
			group := own
			if fieldTrue(info, "file_group") {
				group = fieldStr(info, "file_group")
			} else if d, _ := pyGet(defaults, k); fieldTrue(d, "file_group") {
				group = fieldStr(d, "file_group")
			}
			if group != own {
				cmds = append(cmds, "rm -f /etc/yum.repos.d/"+own)
				if restored[group] {
					continue
				}
				restored[group] = true
			}
			cmds = append(cmds, fmt.Sprintf("[ -f %[1]s/%[2]s.enabled ] && ( mv %[1]s/%[2]s /etc/yum.repos.d/%[2]s 2>/dev/null || rm -f /etc/yum.repos.d/%[2]s ) || true", repoBackupDir, group))
		case ptype == "deb" && !fieldTrue(info, "distro"):
			cmds = append(cmds, fmt.Sprintf("[ -f %[1]s/%[2]s.enabled ] && ( mv %[1]s/%[2]s.sources /etc/apt/sources.list.d/%[2]s.sources 2>/dev/null || rm -f /etc/apt/sources.list.d/%[2]s.sources ) || true", repoBackupDir, name))
		}
	}
	if len(cmds) == 0 {
		return "", nil
	}
	cmds = append(cmds, "rm -rf "+repoBackupDir)
	return "RUN " + strings.Join(cmds, " \\\n    && "), nil
}

// pySplitLines is str.splitlines() for the line breaks YAML text can hold.
func pySplitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
