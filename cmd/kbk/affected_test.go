package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/lint"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// exampleRepo copies the repository's example configuration (root files and
// profile folders, none of the Go sources around them) into a new git
// repository with one commit.
func exampleRepo(t *testing.T) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"kolla-build.conf", ".env", "kolla-template-overrides.j2"} {
		copyPath(t, filepath.Join(root, name), filepath.Join(dir, name))
	}
	names, err := profiles.List(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		copyPath(t, filepath.Join(root, profiles.ProfilesDir, name), filepath.Join(dir, profiles.ProfilesDir, name))
	}
	git(t, dir, "init", "-q")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "example configuration")
	return dir
}

// copyPath copies a file or a folder's regular files.
func copyPath(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// editFile replaces old, which must be there, with new in a repository file.
func editFile(t *testing.T, repo, name, old, new string) {
	t.Helper()
	path := filepath.Join(repo, name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runAffectedJSON runs kbk affected --format json and decodes its answer.
func runAffectedJSON(t *testing.T, o *affectedOptions, names ...string) map[string]*affectedProfile {
	t.Helper()
	o.format = "json"
	var out bytes.Buffer
	if err := runAffected(context.Background(), &out, o, names); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Profiles map[string]*affectedProfile `json:"profiles"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	return got.Profiles
}

// headPlan plans a profile of the repository as it is on disk.
func headPlan(t *testing.T, repo string, tree *render.Tree, name string) plannedSide {
	t.Helper()
	p, err := planSide(context.Background(), affectedSide{repo: repo, tree: tree}, name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// selectedFamily is image and its descendants, those the profile selects,
// in graph order: what a change to image alone must rebuild.
func selectedFamily(p plannedSide, image string) []string {
	family := append([]string{image}, p.im.Graph.Descendants(image)...)
	var out []string
	for _, name := range p.im.Graph.Names() {
		if slices.Contains(family, name) && p.im.Selection.IsSelected(name) {
			out = append(out, name)
		}
	}
	return out
}

// reRendered is what kbk diff's machinery says between two revisions: the
// images whose Dockerfile changed or that were added, and the images built
// on them, sorted.
// kollaFrom and kollaTo, when set, are each side's Kolla tree.
func reRendered(t *testing.T, repo, kollaDir, from, to, kollaFrom, kollaTo, name string) []string {
	t.Helper()
	o := &diffOptions{repo: repo, kollaDir: kollaDir}
	old, cleanOld, err := openSide(o, "a", from, kollaFrom)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanOld()
	new, cleanNew, err := openSide(o, "b", to, kollaTo)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanNew()
	r, err := diffProfile(context.Background(), o, old, new, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := append(append(lint.Names(r.cmp.Changed), lint.Names(r.cmp.Added)...), r.cmp.Rebuilt...)
	slices.Sort(out)
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// Each commit of a scripted history makes exactly the expected images stale;
// the expectation comes from the image graph, and is checked against a full
// re-render of both revisions: equal when the change reaches Dockerfiles,
// empty when it only reaches sources or build contexts.
func TestAffectedSinceScriptedHistory(t *testing.T) {
	venv := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	tree, err := render.LoadTree(venv.Dir)
	if err != nil {
		t.Fatal(err)
	}
	repo := exampleRepo(t)
	all, err := profiles.List(repo)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(t *testing.T)
		// rendered says what a full re-render sees of the change: the
		// same images ("equal"), none ("none": sources and contexts only),
		// or some of them ("subset").
		rendered string
		// want gives each profile's expected images from its plan at the
		// new revision; a profile left out expects none.
		want   func(profile string, p plannedSide) []string
		reason map[string]string // image → a reason it must carry
	}{
		{
			name: "override block",
			edit: func(t *testing.T) {
				editFile(t, repo, "profiles/nova/kolla-template-overrides.j2", "nova and blazar-nova from git", "nova and blazar-nova from git, v2")
			},
			rendered: "equal",
			want: func(profile string, p plannedSide) []string {
				if profile == "nova" {
					return selectedFamily(p, "nova-base")
				}
				return nil
			},
			reason: map[string]string{"nova-base": "Dockerfile changed", "nova-compute": "parent nova-base is affected"},
		},
		{
			name: "source reference",
			edit: func(t *testing.T) {
				editFile(t, repo, "profiles/nova/kolla-build.conf", "location = https://opendev.org/openstack/nova\nreference = ${openstack_branch_slashed}",
					"location = https://opendev.org/openstack/nova\nreference = 0123456789abcdef0123456789abcdef01234567")
			},
			want: func(profile string, p plannedSide) []string {
				if profile == "nova" {
					return selectedFamily(p, "nova-base")
				}
				return nil
			},
			rendered: "none",
			reason:   map[string]string{"nova-base": "source [nova-base] changed: reference"},
		},
		{
			name: "root conf option",
			edit: func(t *testing.T) {
				editFile(t, repo, "kolla-build.conf", "maintainer = Example Cloud operations", "maintainer = Example Cloud builders")
			},
			rendered: "equal",
			want:     func(_ string, p plannedSide) []string { return p.im.Selection.Selected() },
			reason:   map[string]string{"base": "Dockerfile changed", "horizon": "Dockerfile changed"},
		},
		{
			name: "additions file",
			edit: func(t *testing.T) {
				editFile(t, repo, "profiles/horizon/additions/example-theme/_styles.scss", "", "/* darker */\n")
			},
			want: func(profile string, p plannedSide) []string {
				if profile == "horizon" {
					return []string{"horizon"}
				}
				return nil
			},
			rendered: "none",
			reason:   map[string]string{"horizon": "build context: profiles/horizon/additions/example-theme/_styles.scss"},
		},
		{
			name: "apt sources list added",
			edit: func(t *testing.T) {
				editFile(t, repo, "kolla-build.conf", "<cloud-ops@example.org>", "<cloud-ops@example.org>\napt_sources_list = apt/mirror.list")
				path := filepath.Join(repo, "apt", "mirror.list")
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte("deb http://mirror.example.org/debian trixie main\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				git(t, repo, "add", "apt")
			},
			rendered: "none",
			want:     func(_ string, p plannedSide) []string { return p.im.Selection.Selected() },
			reason:   map[string]string{"base": "build context: apt/mirror.list", "nova-api": "parent"},
		},
		{
			name: "apt sources list edited",
			edit: func(t *testing.T) {
				editFile(t, repo, "apt/mirror.list", "mirror.example.org", "mirror2.example.org")
			},
			rendered: "none",
			want:     func(_ string, p plannedSide) []string { return p.im.Selection.Selected() },
			reason:   map[string]string{"base": "build context: apt/mirror.list"},
		},
		{
			// the images are renamed: a root image's Dockerfile does not
			// name itself, its children's FROM lines change
			name: "profile tag",
			edit: func(t *testing.T) {
				editFile(t, repo, "profiles/horizon/kolla-build.conf", "[horizon-additions-theme]", "[DEFAULT]\ntag = theme-2\n\n[horizon-additions-theme]")
			},
			rendered: "subset",
			want: func(profile string, p plannedSide) []string {
				if profile == "horizon" {
					return p.im.Selection.Selected()
				}
				return nil
			},
			reason: map[string]string{"base": "name changed", "horizon": "name changed"},
		},
		{
			name: "new profile",
			edit: func(t *testing.T) {
				path := filepath.Join(repo, "profiles", "glance", "kolla-build.conf")
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte("[profiles]\nglance = ^glance-\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				git(t, repo, "add", "profiles/glance")
			},
			rendered: "none",
			want: func(profile string, p plannedSide) []string {
				if profile == "glance" {
					return p.im.Selection.Selected()
				}
				return nil
			},
			reason: map[string]string{"glance-api": "new profile"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := all
			c.edit(t)
			git(t, repo, "commit", "-q", "-a", "-m", c.name)
			if all, err = profiles.List(repo); err != nil {
				t.Fatal(err)
			}
			got := runAffectedJSON(t, &affectedOptions{repo: repo, kollaDir: venv.Dir, since: "HEAD~1", until: "HEAD"})
			if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, all) {
				t.Fatalf("profiles %v, want every profile folder %v", keys, all)
			}
			for _, profile := range all {
				p := headPlan(t, repo, tree, profile)
				want := c.want(profile, p)
				if want == nil {
					want = []string{}
				}
				if diff := cmp.Diff(want, got[profile].Images); diff != "" {
					t.Errorf("profile %s (-want +got):\n%s", profile, diff)
				}
				if slices.Contains(before, profile) {
					checkAgainstReRender(t, profile, c.rendered, reRendered(t, repo, venv.Dir, "HEAD~1", "HEAD", "", "", profile), got[profile].Images)
				}
				for image, reason := range c.reason {
					if !slices.Contains(want, image) {
						continue
					}
					if why := strings.Join(got[profile].Reasons[image], "; "); !strings.Contains(why, reason) {
						t.Errorf("profile %s: %s: reasons %q, want one with %q", profile, image, why, reason)
					}
				}
			}
		})
	}
}

// checkAgainstReRender compares kbk affected's images with the images a
// full re-render finds changed, as mode says they relate.
func checkAgainstReRender(t *testing.T, profile, mode string, rendered, affected []string) {
	t.Helper()
	switch mode {
	case "none":
		if len(rendered) > 0 {
			t.Errorf("profile %s: re-render changed %v, a change that should not reach Dockerfiles", profile, rendered)
		}
	case "equal":
		if diff := cmp.Diff(rendered, sortedCopy(affected)); diff != "" {
			t.Errorf("profile %s: affected vs full re-render diff (-re-render +affected):\n%s", profile, diff)
		}
	case "subset":
		for _, image := range rendered {
			if !slices.Contains(affected, image) {
				t.Errorf("profile %s: %s changed on re-render but is not affected", profile, image)
			}
		}
	default:
		t.Fatalf("rendered mode %q", mode)
	}
}

// A work tree edit counts when --until is left out, and naming profiles
// limits the answer to them.
func TestAffectedSinceWorkTree(t *testing.T) {
	venv := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	repo := exampleRepo(t)
	editFile(t, repo, "profiles/neutron/additions/patches/0001-example-cloud-marker.patch", "", "From: kbk test\n")
	got := runAffectedJSON(t, &affectedOptions{repo: repo, kollaDir: venv.Dir, since: "HEAD"}, "neutron", "nova")
	tree, err := render.LoadTree(venv.Dir)
	if err != nil {
		t.Fatal(err)
	}
	want := selectedFamily(headPlan(t, repo, tree, "neutron"), "neutron-base")
	if len(want) < 2 {
		t.Fatalf("neutron profile selects %v: too few to test descendants", want)
	}
	if diff := cmp.Diff(want, got["neutron"].Images); diff != "" {
		t.Errorf("neutron (-want +got):\n%s", diff)
	}
	if len(got["nova"].Images) != 0 {
		t.Errorf("nova: %v, want none", got["nova"].Images)
	}
	if _, ok := got["horizon"]; ok {
		t.Errorf("horizon answered though only neutron and nova were named")
	}
}

// --source lists the image a section belongs to and its descendants, in the
// profiles that select them.
func TestAffectedBySource(t *testing.T) {
	venv := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	tree, err := render.LoadTree(venv.Dir)
	if err != nil {
		t.Fatal(err)
	}
	repo := exampleRepo(t)
	nova := headPlan(t, repo, tree, "nova")
	for _, c := range []struct {
		section string
		want    map[string][]string
		image   string // the consumer, which carries reason
		reason  string
	}{
		{"nova-base", map[string][]string{"nova": selectedFamily(nova, "nova-base")}, "nova-base", "source [nova-base]"},
		{"nova-base-plugin-blazar", map[string][]string{"nova": selectedFamily(nova, "nova-base")}, "nova-base", "plugin source [nova-base-plugin-blazar]"},
		{"horizon-additions-theme", map[string][]string{"horizon": {"horizon"}}, "horizon", "addition source [horizon-additions-theme]"},
	} {
		t.Run(c.section, func(t *testing.T) {
			got := runAffectedJSON(t, &affectedOptions{repo: repo, kollaDir: venv.Dir, source: c.section}, "nova", "horizon")
			for _, profile := range []string{"nova", "horizon"} {
				want := c.want[profile]
				if want == nil {
					want = []string{}
				}
				if diff := cmp.Diff(want, got[profile].Images); diff != "" {
					t.Errorf("profile %s (-want +got):\n%s", profile, diff)
				}
				if len(want) > 0 && !slices.Contains(got[profile].Reasons[c.image], c.reason) {
					t.Errorf("profile %s: %s: reasons %q, want %q", profile, c.image, got[profile].Reasons[c.image], c.reason)
				}
			}
		})
	}
	var out bytes.Buffer
	err = runAffected(context.Background(), &out, &affectedOptions{repo: repo, kollaDir: venv.Dir, source: "no-such-image", format: "text"}, []string{"nova"})
	if err == nil || !strings.Contains(err.Error(), `"no-such-image"`) {
		t.Errorf("unknown section: error %v", err)
	}
}

// copyKollaTree lays the venv's Kolla release out in dir as a Kolla source
// checkout: docker/, the kolla/ package without its templates and tests,
// and PKG-INFO.
func copyKollaTree(t *testing.T, venv testenv.Venv, dir string) {
	t.Helper()
	docker := venv.DockerDir(t)
	copyPath(t, docker, filepath.Join(dir, "docker"))
	pkgs, _ := filepath.Glob(filepath.Join(venv.Dir, "lib", "python3*", "site-packages", "kolla"))
	if len(pkgs) != 1 {
		t.Fatalf("venv %s: Kolla package %v, want one", venv.Dir, pkgs)
	}
	err := filepath.WalkDir(pkgs[0], func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == docker || d.Name() == "tests" || d.Name() == "__pycache__") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(filepath.Dir(pkgs[0]), path)
		if err != nil {
			return err
		}
		copyPath(t, path, filepath.Join(dir, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if meta, _ := filepath.Glob(filepath.Join(filepath.Dir(pkgs[0]), "kolla-"+venv.Version+".dist-info", "METADATA")); len(meta) == 1 {
		copyPath(t, meta[0], filepath.Join(dir, "PKG-INFO"))
	}
}

// A Kolla tree kept in the configuration repository is read at each
// revision: a template change makes its image and the images built on it
// stale, both as a rendered change and as a build context change, and the
// answer matches a full re-render of both revisions with their own trees.
func TestAffectedKollaTemplateInRepo(t *testing.T) {
	venv := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	repo := exampleRepo(t)
	kollaDir := filepath.Join(repo, "kolla-tree")
	copyKollaTree(t, venv, kollaDir)
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "Kolla "+venv.Version)
	editFile(t, repo, "kolla-tree/docker/nova/nova-base/Dockerfile.j2", "{% block nova_base_footer %}",
		"LABEL org.example.kolla-fork=\"1\"\n{% block nova_base_footer %}")
	git(t, repo, "commit", "-q", "-a", "-m", "nova-base: a label of the fork")

	got := runAffectedJSON(t, &affectedOptions{repo: repo, kollaDir: kollaDir, since: "HEAD~1", until: "HEAD"}, "nova", "horizon")
	tree, err := render.LoadTree(kollaDir)
	if err != nil {
		t.Fatal(err)
	}
	want := selectedFamily(headPlan(t, repo, tree, "nova"), "nova-base")
	if diff := cmp.Diff(want, got["nova"].Images); diff != "" {
		t.Errorf("nova (-want +got):\n%s", diff)
	}
	if len(got["horizon"].Images) != 0 {
		t.Errorf("horizon: %v, want none", got["horizon"].Images)
	}
	why := strings.Join(got["nova"].Reasons["nova-base"], "; ")
	for _, reason := range []string{"Dockerfile changed", "build context: kolla-tree/docker/nova/nova-base/Dockerfile.j2"} {
		if !strings.Contains(why, reason) {
			t.Errorf("nova-base: reasons %q, want one with %q", why, reason)
		}
	}

	old := t.TempDir()
	if err := exportRevision(repo, "HEAD~1", old); err != nil {
		t.Fatal(err)
	}
	rendered := reRendered(t, repo, kollaDir, "HEAD~1", "HEAD", filepath.Join(old, "kolla-tree"), kollaDir, "nova")
	if diff := cmp.Diff(rendered, sortedCopy(got["nova"].Images)); diff != "" {
		t.Errorf("affected vs full re-render diff (-re-render +affected):\n%s", diff)
	}
}
