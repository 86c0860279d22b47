package render

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pythonData is what the reference Kolla's own Python reports about its data.
type pythonData struct {
	Sources     map[string]map[string]any `json:"sources"`
	Users       map[string]map[string]any `json:"users"`
	Unbuildable map[string][]string       `json:"unbuildable"`
	BaseTags    map[string]BaseImage      `json:"base_tags"`
	Pretty      map[string]string         `json:"pretty"`
	Distros     []string                  `json:"distros"`
	Release     string                    `json:"release"`
	Codename    string                    `json:"codename"`
	Profiles    map[string][]string       `json:"profiles"`
}

const dumpKollaData = `
import json
from kolla.common import config
from kolla.image.unbuildable import UNBUILDABLE_IMAGES
srcs = config.SOURCES
print(json.dumps({
  "sources": srcs,
  "users": config.USERS,
  "unbuildable": {k: sorted(v) for k, v in UNBUILDABLE_IMAGES.items()},
  "base_tags": {k: {"Name": v["name"], "Tag": v["tag"]} for k, v in config.DEFAULT_BASE_TAGS.items()},
  "pretty": config.DISTRO_PRETTY_NAME,
  "distros": config.BASE_OS_DISTRO,
  "release": config.OPENSTACK_RELEASE,
  "codename": getattr(config, "OPENSTACK_RELEASE_CODENAME", ""),
  "profiles": {o.name: o.default for o in config._PROFILE_OPTS},
}))
`

func TestLoadTreeMatchesPythonKolla(t *testing.T) {
	for version, venv := range referenceVenvs(t) {
		t.Run(version, func(t *testing.T) {
			tree, err := LoadTree(venv)
			if err != nil {
				t.Fatal(err)
			}
			out, err := runPython(2*time.Minute, nil, false, filepath.Join(venv, "bin", "python"), "-c", dumpKollaData)
			if err != nil {
				t.Fatalf("python: %v", err)
			}
			var want pythonData
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			if tree.Version != version {
				t.Errorf("Version = %q, want %q", tree.Version, version)
			}
			got := pythonData{
				Sources: map[string]map[string]any{}, Users: map[string]map[string]any{},
				Unbuildable: tree.Unbuildable, BaseTags: tree.DefaultBaseImages, Pretty: tree.DistroPrettyNames,
				Distros: tree.Distros, Release: tree.OpenStackRelease, Codename: tree.OpenStackReleaseCodename,
				Profiles: map[string][]string{},
			}
			var order []string
			for _, s := range tree.Sources {
				order = append(order, s.Name)
				e := map[string]any{"type": s.Type, "location": s.Location}
				if s.Reference != "" {
					e["reference"] = s.Reference
				}
				if s.Version != "" {
					e["version"] = s.Version
				}
				if !s.Enabled {
					e["enabled"] = false
				}
				if s.SHA256 != nil {
					sums := map[string]any{}
					for k, v := range s.SHA256 {
						sums[k] = v
					}
					e["sha256"] = sums
				}
				got.Sources[s.Name] = e
			}
			for _, u := range tree.Users {
				e := map[string]any{"uid": float64(u.UID), "gid": float64(u.GID)}
				if u.Group != u.Name {
					e["group"] = u.Group
				}
				got.Users[u.Name+"-user"] = e
			}
			for _, p := range tree.Profiles {
				got.Profiles[p.Name] = p.Images
			}
			// Python drops keys that equal their defaults only when absent; normalise
			// the few optional keys the reference spells out explicitly.
			for name, e := range want.Sources {
				if en, ok := e["enabled"]; ok && en == true {
					delete(e, "enabled")
				}
				for _, k := range []string{"reference", "version"} {
					if v, ok := e[k]; ok && v == nil {
						delete(e, k)
					}
				}
				for k := range e {
					if k != "type" && k != "location" && k != "reference" && k != "version" && k != "enabled" && k != "sha256" {
						delete(e, k) // keys kbk does not model (lts_branch, ...)
					}
				}
				want.Sources[name] = e
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tree data differs from Python Kolla (-python +kbk):\n%s", diff)
			}
			if !sort.StringsAreSorted(imagePaths(tree.Images)) || len(tree.Images) < 100 {
				t.Errorf("found %d images", len(tree.Images))
			}
		})
	}
}

func imagePaths(images []Image) []string {
	var out []string
	for _, im := range images {
		out = append(out, im.Path)
	}
	return out
}

func TestLoadTreeLayouts(t *testing.T) {
	venv, ok := referenceVenvs(t)["23.0.0"]
	if !ok {
		t.Skip("needs the Kolla 23.0.0 venv (templates inside the package)")
	}
	site, err := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages"))
	if err != nil || len(site) != 1 {
		t.Fatalf("site-packages: %v %v", site, err)
	}
	pkg := filepath.Join(site[0], "kolla")
	want, err := LoadTree(venv)
	if err != nil {
		t.Fatal(err)
	}
	for name, load := range map[string]func() (*Tree, error){
		"package dir":         func() (*Tree, error) { return LoadTree(pkg) },
		"site-packages":       func() (*Tree, error) { return LoadTree(site[0]) },
		"docker dir + python": func() (*Tree, error) { return LoadTreeWithPython(filepath.Join(pkg, "docker"), pkg) },
		"fs":                  func() (*Tree, error) { return LoadTreeFS(os.DirFS(site[0])) },
	} {
		got, err := load()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(got.Images) != len(want.Images) || len(got.Sources) != len(want.Sources) || got.OpenStackRelease != want.OpenStackRelease || got.Version != want.Version {
			t.Errorf("%s: %d images, %d sources, release %q; want %d, %d, %q", name,
				len(got.Images), len(got.Sources), got.OpenStackRelease, len(want.Images), len(want.Sources), want.OpenStackRelease)
		}
	}
	if _, err := LoadTree(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no Kolla templates") {
		t.Errorf("empty dir: err = %v", err)
	}
}

// The template functions kbk registers are the ones the release's
// KollaWorker registers.
func TestReleaseFunctionsMatchPython(t *testing.T) {
	const dump = `
import json
from kolla.image.kolla_worker import KollaWorker
print(json.dumps([sorted(KollaWorker._get_methods(None)), sorted(KollaWorker._get_filters(None))]))
`
	for version, venv := range referenceVenvs(t) {
		tree, err := LoadTree(venv)
		if err != nil {
			t.Fatal(err)
		}
		out, err := runPython(2*time.Minute, nil, false, filepath.Join(venv, "bin", "python"), "-c", dump)
		if err != nil {
			t.Fatalf("%s: python: %v", version, err)
		}
		var want [2][]string
		if err := json.Unmarshal(out, &want); err != nil {
			t.Fatal(err)
		}
		got := [2][]string{append([]string{}, tree.release.globals...), append([]string{}, tree.release.filters...)}
		sort.Strings(got[0])
		sort.Strings(got[1])
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: functions differ (-python +kbk):\n%s", version, diff)
		}
	}
}
