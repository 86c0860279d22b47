package profiles

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// venvPython returns the Python of the Kolla venv of a release, or skips
// the test saying how to create it (fails instead under KBK_TEST_REQUIRE=1).
func venvPython(t *testing.T, version string) string {
	t.Helper()
	return testenv.KollaVenv(t, version).Python()
}

// referenceRequest is what testdata/oslo_reference.py reads.
type referenceRequest struct {
	ConfigFiles []string            `json:"config_files"`
	Args        []string            `json:"args"`
	Profiles    []string            `json:"profiles"`
	Sections    []string            `json:"sections"`
	Regex       map[string][]string `json:"regex"`
}

// referenceAnswer is what it prints.
type referenceAnswer struct {
	Kolla struct {
		OpenstackRelease         string                    `json:"openstack_release"`
		OpenstackReleaseCodename string                    `json:"openstack_release_codename"`
		TarballsBase             string                    `json:"tarballs_base"`
		DefaultBase              string                    `json:"default_base"`
		BaseImages               map[string]BaseImage      `json:"base_images"`
		BaseArches               []string                  `json:"base_arches"`
		DebianArches             []string                  `json:"debian_arches"`
		HostArch                 string                    `json:"host_arch"`
		TagDefault               *string                   `json:"tag_default"`
		Profiles                 map[string][]string       `json:"profiles"`
		Sources                  map[string]map[string]any `json:"sources"`
		Users                    map[string]map[string]any `json:"users"`
	} `json:"kolla"`
	Error    string                    `json:"error"`
	Default  map[string]any            `json:"default"`
	Profiles map[string]any            `json:"profiles"`
	Sections map[string]map[string]any `json:"sections"`
	Regex    map[string]map[string]any `json:"regex"`
}

func runReference(t *testing.T, py string, req referenceRequest, env ...string) *referenceAnswer {
	t.Helper()
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, filepath.Join("testdata", "oslo_reference.py"))
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oslo_reference.py: %v\n%s", err, stderr.String())
	}
	var ans referenceAnswer
	if err := json.Unmarshal(out, &ans); err != nil {
		t.Fatalf("oslo_reference.py output: %v\n%s", err, out)
	}
	return &ans
}

// kollaDefaults turns the reference's release data into KollaDefaults, so
// that both sides start from the same Kolla.
func (a *referenceAnswer) kollaDefaults() *KollaDefaults {
	k := a.Kolla
	d := &KollaDefaults{
		OpenstackRelease:         k.OpenstackRelease,
		OpenstackReleaseCodename: k.OpenstackReleaseCodename,
		TarballsBase:             k.TarballsBase,
		DefaultBase:              k.DefaultBase,
		BaseImages:               k.BaseImages,
		BaseArches:               k.BaseArches,
		DebianArches:             k.DebianArches,
		Profiles:                 k.Profiles,
		Sources:                  map[string]SourceDefault{},
		Users:                    map[string]UserDefault{},
	}
	if k.TagDefault != nil {
		d.Tag = *k.TagDefault
	}
	str := func(m map[string]any, key string) string {
		s, _ := m[key].(string)
		return s
	}
	for name, m := range k.Sources {
		sd := SourceDefault{Type: str(m, "type"), Location: str(m, "location"), Reference: str(m, "reference"), Version: str(m, "version")}
		if e, ok := m["enabled"].(bool); ok {
			sd.Enabled = &e
		}
		if sums, ok := m["sha256"].(map[string]any); ok {
			sd.SHA256 = map[string]string{}
			for arch, sum := range sums {
				sd.SHA256[arch], _ = sum.(string)
			}
		}
		d.Sources[name] = sd
	}
	num := func(v any) *int {
		f, ok := v.(float64)
		if !ok {
			return nil
		}
		n := int(f)
		return &n
	}
	for name, m := range k.Users {
		d.Users[name] = UserDefault{UID: num(m["uid"]), GID: num(m["gid"]), Group: str(m, "group")}
	}
	return d
}

// asJSON normalises a Go value the way the reference's JSON reads back.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
