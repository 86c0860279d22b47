package plan_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/render"
)

// The release data kbk reads from a Kolla tree is what Kolla's own config
// module holds, for every reference release: the fixed default tag of Kolla
// before 21 (its version) included.
func TestKollaDefaultsLikeKolla(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "profiles", "testdata", "oslo_reference.py")
	for _, version := range strings.Fields(testenv.Pins(t)["KOLLA_REFERENCE_VERSIONS"]) {
		t.Run(version, func(t *testing.T) {
			v := testenv.KollaVenv(t, version)
			tree, err := render.LoadTree(v.Dir)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(v.Python(), script)
			cmd.Stdin = strings.NewReader("{}")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("oslo_reference.py: %v\n%s", err, stderr.String())
			}
			var ref struct {
				Kolla struct {
					OpenstackRelease string  `json:"openstack_release"`
					TagDefault       *string `json:"tag_default"`
					BaseImages       map[string]struct {
						Name string `json:"name"`
						Tag  string `json:"tag"`
					} `json:"base_images"`
					Profiles map[string][]string `json:"profiles"`
				} `json:"kolla"`
			}
			if err := json.Unmarshal(out, &ref); err != nil {
				t.Fatalf("oslo_reference.py output: %v\n%s", err, out)
			}
			got := plan.KollaDefaults(tree)
			wantTag := ""
			if ref.Kolla.TagDefault != nil {
				wantTag = *ref.Kolla.TagDefault
			}
			if got.Tag != wantTag {
				t.Errorf("default tag %q, Kolla's %q", got.Tag, wantTag)
			}
			if got.OpenstackRelease != ref.Kolla.OpenstackRelease {
				t.Errorf("release %q, Kolla's %q", got.OpenstackRelease, ref.Kolla.OpenstackRelease)
			}
			for distro, b := range ref.Kolla.BaseImages {
				if g := got.BaseImages[distro]; g.Name != b.Name || g.Tag != b.Tag {
					t.Errorf("base image of %s: %+v, Kolla's %+v", distro, g, b)
				}
			}
			if diff := cmp.Diff(ref.Kolla.Profiles, got.Profiles); diff != "" {
				t.Errorf("profiles (-Kolla +kbk):\n%s", diff)
			}
		})
	}
}
