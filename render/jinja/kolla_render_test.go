package jinja

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// kollaContext is a plausible Kolla render context for one distro. The
// values are arbitrary; the test only needs Python and Go to see the same.
func kollaContext(tb testing.TB, dir string, names []string, distro string) map[string]any {
	tb.Helper()
	userRe := regexp.MustCompile(`configure_user\(\s*(?:name=)?['"]([a-z0-9_-]+)['"]`)
	users := map[string]any{}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			tb.Fatal(err)
		}
		for _, m := range userRe.FindAllStringSubmatch(string(b), -1) {
			users[m[1]] = map[string]any{"uid": 42400 + len(users), "gid": 42400 + len(users), "group": m[1]}
		}
	}
	ctx := map[string]any{
		"base_distro": distro, "base_arch": "x86_64", "debian_arch": "amd64",
		"base_image": "docker.io/library/" + distro, "base_distro_tag": "stable",
		"base_package_type": "rpm", "distro_package_manager": "dnf",
		"supported_distro_name": "Distro Linux", "namespace": "kolla", "image_prefix": distro + "-",
		"tag": "master", "maintainer": "Kolla Project", "kolla_version": "23.0.0",
		"openstack_release": "master", "openstack_release_codename": "Gazpacho",
		"openstack_branch": "master", "openstack_branch_slashed": "master",
		"clean_package_cache": true, "patches_path": nil, "rpm_setup": []any{"RUN echo setup"},
		"users": users, "env": map[string]any{},
		"distro_python_version": "3.12", "install_type": "source",
		"base_rocky_yum_repo_packages_append": []any{"extra-repo"},
		"nova_api_packages_append":            []any{"extra-nova"},
		"horizon_packages_remove":             []any{"httpd"},
	}
	if distro == "debian" || distro == "ubuntu" {
		ctx["base_package_type"] = "deb"
		ctx["distro_package_manager"] = "apt"
	}
	return ctx
}

// kollaFuncs registers simple versions of Kolla's template functions; the
// same definitions exist on the Python side (kollaReferenceScript).
func kollaFuncs(env *Env) {
	env.AddFilter("customizable", func(c *Call) (any, error) {
		v := c.Args[0]
		if _, undef := v.(Undefined); undef {
			return v, nil
		}
		image, _ := c.Ctx.Lookup("image_name")
		callType, _ := c.Args[1].(string)
		prefix := strings.ReplaceAll(image.(string), "-", "_") + "_" + callType + "_"
		if o, ok := c.Ctx.Lookup(prefix + "override"); ok {
			return o, nil
		}
		list, _ := v.([]any)
		if a, ok := c.Ctx.Lookup(prefix + "append"); ok {
			extra, _ := a.([]any)
			list = append(list, extra...)
		}
		if rm, ok := c.Ctx.Lookup(prefix + "remove"); ok {
			drop, _ := rm.([]any)
			var kept []any
			for _, item := range list {
				if !containsAny(drop, item) {
					kept = append(kept, item)
				}
			}
			list = kept
		}
		if list == nil {
			list = []any{}
		}
		return list, nil
	})
	env.AddGlobal("debian_package_install", Func(func(c *Call) (any, error) {
		pkgs, _ := c.Args[0].([]any)
		var parts []string
		for _, p := range pkgs {
			parts = append(parts, p.(string))
		}
		return "apt-get install " + strings.Join(parts, " "), nil
	}))
	env.AddGlobal("handle_repos", Func(func(c *Call) (any, error) {
		repos, _ := c.Args[0].([]any)
		var parts []string
		for _, p := range repos {
			parts = append(parts, p.(string))
		}
		return "RUN repos-" + c.Args[1].(string) + " " + strings.Join(parts, ","), nil
	}))
	env.AddGlobal("cleanup_repos", Func(func(c *Call) (any, error) { return "RUN cleanup", nil }))
	env.AddGlobal("raise_error", Func(func(c *Call) (any, error) { return nil, errors.New(c.Args[0].(string)) }))
}

func containsAny(list []any, v any) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

const kollaReferenceScript = `
import json, sys
import jinja2, jinja2.sandbox
from jinja2 import pass_context, Undefined

@pass_context
def customizable(context, val_list, call_type):
    if isinstance(val_list, Undefined):
        return val_list
    name = context['image_name'].replace("-", "_") + "_" + call_type + "_"
    if name + "override" in context:
        return context[name + "override"]
    if name + "append" in context:
        val_list.extend(context[name + "append"])
    if name + "remove" in context:
        val_list = [v for v in val_list if v not in context[name + "remove"]]
    return val_list

def debian_package_install(packages, clean_package_cache=True):
    return "apt-get install " + " ".join(packages)

def handle_repos(reponames, mode):
    return "RUN repos-" + mode + " " + ",".join(reponames)

def cleanup_repos():
    return "RUN cleanup"

def raise_error(msg):
    raise Exception(msg)

req = json.load(sys.stdin)
env = jinja2.sandbox.SandboxedEnvironment(loader=jinja2.FileSystemLoader(req["dir"]))
env.filters["customizable"] = customizable
env.globals.update(debian_package_install=debian_package_install, handle_repos=handle_repos,
                   cleanup_repos=cleanup_repos, raise_error=raise_error)
override_env = jinja2.sandbox.SandboxedEnvironment(loader=jinja2.DictLoader({"template-overrides.j2": req["override"]}))
override_env.filters["customizable"] = customizable
override_env.globals.update(env.globals)
out = {}
for name in req["templates"]:
    values = dict(req["context"])
    values["image_name"] = name.split("/")[-2] if "/" in name else "base"
    try:
        out[name] = {"output": env.get_template(name).render(values)}
    except Exception as e:
        out[name] = {"error": type(e).__name__ + ": " + str(e)}
    values["parent_template"] = env.get_template(name)
    try:
        out["override:" + name] = {"output": override_env.get_template("template-overrides.j2").render(values)}
    except Exception as e:
        out["override:" + name] = {"error": type(e).__name__ + ": " + str(e)}
json.dump(out, sys.stdout)
`

// kollaOverride is an operator's template-overrides.j2 in Kolla's style: it
// extends the image template passed as parent_template.
const kollaOverride = `{% extends parent_template %}
{% set base_rocky_packages_append = ['vim-enhanced'] %}
{% set base_debian_packages_remove = ['curl'] %}
{% set nova_api_packages_override = ['override-pkg'] %}

{% block labels %}
{{ super() -}}
LABEL org.example.owner="{{ image_name }}"
{% endblock %}

{% block base_header %}
RUN echo "header for {{ image_name }}"
{% endblock %}

{% block footer %}
{%- for pkg in ['a', 'b'] | customizable('footer') %}
RUN echo {{ loop.index }}:{{ pkg }}{% if not loop.last %} \{% endif %}
{%- endfor %}
{{ macros.install_packages(['footer-pkg'] | customizable('footer_packages')) }}
{% endblock %}
`

func referencePythonFor(tb testing.TB, version string) string {
	dir := kollaDockerDir(tb, version)
	for p := dir; p != "/" && p != "."; p = filepath.Dir(p) {
		if py := filepath.Join(p, "bin", "python3"); fileExists(py) {
			return py
		}
	}
	tb.Skipf("no python3 in the Kolla %s venv", version)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// dockerfileTemplates lists the image templates (Dockerfile.j2) of a tree.
func dockerfileTemplates(names []string) []string {
	var out []string
	for _, n := range names {
		if path.Base(n) == "Dockerfile.j2" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func TestKollaTemplatesRenderLikeJinja2(t *testing.T) {
	for _, version := range []string{"23.0.0", "20.6.0", "16.6.0"} {
		t.Run(version, func(t *testing.T) { testKollaRender(t, version) })
	}
}

func testKollaRender(t *testing.T, version string) {
	dir := kollaDockerDir(t, version)
	python := referencePythonFor(t, version)
	names := kollaTemplates(t, dir)
	images := dockerfileTemplates(names)
	for _, distro := range []string{"rocky", "debian"} {
		t.Run(distro, func(t *testing.T) {
			ctx := kollaContext(t, dir, names, distro)
			req, err := json.Marshal(map[string]any{"dir": dir, "templates": images, "context": ctx, "override": kollaOverride})
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(python, "-c", kollaReferenceScript)
			cmd.Stdin = bytes.NewReader(req)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			raw, err := cmd.Output()
			if err != nil {
				t.Fatalf("reference: %v\n%s", err, stderr.String())
			}
			var want map[string]struct {
				Output *string `json:"output"`
				Error  *string `json:"error"`
			}
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			env := NewEnv(FSLoader(os.DirFS(dir)))
			kollaFuncs(env)
			overrideEnv := NewEnv(MapLoader{"template-overrides.j2": kollaOverride})
			kollaFuncs(overrideEnv)
			agree, raised := 0, 0
			check := func(name string, got string, err error) {
				w := want[name]
				switch {
				case w.Error != nil && err == nil:
					t.Errorf("%s: Jinja2 raised %s, engine rendered", name, *w.Error)
				case w.Error == nil && err != nil:
					t.Errorf("%s: engine failed: %v", name, err)
				case w.Error == nil && got != *w.Output:
					t.Errorf("%s: output differs\n%s", name, firstDiff(*w.Output, got))
				default:
					agree++
					if w.Error != nil {
						raised++
					}
				}
			}
			for _, name := range images {
				vars := map[string]any{}
				for k, v := range ctx {
					vars[k] = v
				}
				vars["image_name"] = path.Base(path.Dir(name))
				if !strings.Contains(name, "/") {
					vars["image_name"] = "base"
				}
				got, err := env.Render(name, vars)
				check(name, got, err)
				parent, err := env.Template(name)
				if err != nil {
					t.Fatal(err)
				}
				vars["parent_template"] = parent
				got, err = overrideEnv.Render("template-overrides.j2", vars)
				check("override:"+name, got, err)
			}
			t.Logf("%s: %d/%d renders (image templates, then with an override) agree with Jinja2 (%d raise in both)", distro, agree, 2*len(images), raised)
		})
	}
}

// firstDiff describes where two strings first differ.
func firstDiff(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	lo := max(i-80, 0)
	return "at byte " + itoa(i) + ":\nwant: " + strings.ReplaceAll(want[lo:min(i+80, len(want))], "\n", "⏎") + "\ngot:  " + strings.ReplaceAll(got[lo:min(i+80, len(got))], "\n", "⏎")
}
