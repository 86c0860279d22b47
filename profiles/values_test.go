package profiles

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// valueCases are one-line conf snippets whose effective value (or failure)
// Python oslo.config decides; each names the option it sets.
var valueCases = []struct{ option, line string }{
	{"tag", `tag = $$literal`},
	{"tag", `tag = \$escaped`},
	{"tag", `tag = a $ b`},
	{"tag", `tag = ${namespace}-x`},
	{"tag", `tag = $namespace.x`},
	{"tag", `tag = ${unknown}`},
	{"tag", `tag = $Namespace`},
	{"tag", `tag = $push`},
	{"tag", `tag = $threads`},
	{"tag", `tag = $rpm_setup_config`},
	{"tag", `tag = $build_args`},
	{"tag", `tag = ${base_tag}-$openstack_branch`},
	{"tag", `tag = $profile`},
	{"tag", `tag = $registry`},
	{"tag", `tag = ${profiles.default}`},
	{"tag", `tag = ${`},
	{"tag", `tag = "quoted"`},
	{"tag", `tag = 'mismatched"`},
	{"tag", `tag = "`},
	{"tag", `tag: colon`},
	{"tag", `tag = a=b:c`},
	{"push", `push = TRUE`},
	{"push", `push = 1`},
	{"push", `push = Off`},
	{"push", `push = y`},
	{"push", `push =`},
	{"threads", `threads = +5`},
	{"threads", `threads = 1_0`},
	{"threads", `threads = " 7 "`},
	{"threads", `threads = 0x10`},
	{"threads", `threads = 0`},
	{"threads", `threads =`},
	{"threads", `threads = $retries`},
	{"retries", `retries = -1`},
	{"timeout", `timeout = -5`},
	{"build_args", `build_args = a:b:c`},
	{"build_args", `build_args = a,b:c`},
	{"build_args", `build_args = :x`},
	{"build_args", `build_args =`},
	{"rpm_setup_config", `rpm_setup_config = ,`},
	{"rpm_setup_config", `rpm_setup_config = a,,b`},
	{"rpm_setup_config", `rpm_setup_config =  x , y ,`},
	{"base_image", `base_image =`},
	{"base", `base = rocky`},
	{"base_arch", `base_arch = aarch64`},
	{"debian_arch", `base_arch = aarch64`},
	{"openstack_branch_slashed", `openstack_release = master`},
	{"format", `format = yaml`},
	{"engine", `engine = podman`},
	{"maintainer", "maintainer = first\n  second line\n\tthird"},
}

// TestValuesAgainstOslo checks conversion and substitution one option at a
// time against Python oslo.config.
func TestValuesAgainstOslo(t *testing.T) {
	py := venvPython(t, testenv.KollaVersions(t)[0])
	dir := t.TempDir()
	var reqs []referenceRequest
	for i, c := range valueCases {
		repo := filepath.Join(dir, string(rune('a'+i/26))+string(rune('a'+i%26)))
		if err := os.MkdirAll(repo, 0o755); err != nil {
			t.Fatal(err)
		}
		conf := "[DEFAULT]\nbase = debian\n" + c.line + "\n"
		if err := os.WriteFile(filepath.Join(repo, ConfFile), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, referenceRequest{ConfigFiles: []string{filepath.Join(repo, ConfFile)}})
	}
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, filepath.Join("testdata", "oslo_reference.py"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oslo_reference.py: %v\n%s", err, stderr.String())
	}
	var answers []*referenceAnswer
	if err := json.Unmarshal(out, &answers); err != nil {
		t.Fatal(err)
	}
	kolla := answers[0].kollaDefaults()
	for i, c := range valueCases {
		ans := answers[i]
		var want any
		wantErr := ans.Error != ""
		if !wantErr {
			want = ans.Default[c.option]
			if m, ok := want.(map[string]any); ok && m["error"] != nil {
				wantErr = true
			}
		}
		repo := filepath.Dir(reqs[i].ConfigFiles[0])
		p, _, err := Load(repo, LoadOptions{Kolla: kolla, HostArch: answers[0].Kolla.HostArch})
		switch {
		case wantErr && err == nil:
			t.Errorf("%q: oslo.config fails (%v%v), kbk gives %v", c.line, ans.Error, want, p.Settings[c.option].Value)
		case !wantErr && err != nil:
			t.Errorf("%q: oslo.config gives %v, kbk fails: %v", c.line, want, err)
		case !wantErr:
			if diff := cmp.Diff(want, asJSON(t, p.Settings[c.option].Value)); diff != "" {
				t.Errorf("%q: -oslo.config +kbk\n%s", c.line, diff)
			}
		}
	}
}
