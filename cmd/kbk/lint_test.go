package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/lint"
)

const lintFixture = "../../lint/testdata/repo"

// lintKollaDir is the Kolla tree of the newest pinned reference venv.
func lintKollaDir(t *testing.T) string {
	t.Helper()
	return testenv.KollaVenv(t, testenv.KollaVersions(t)[0]).Dir
}

func TestLintCommandText(t *testing.T) {
	kolla := lintKollaDir(t)
	want, err := os.ReadFile(filepath.Join(lintFixture, "profiles", "unknown-block", "lint.want"))
	if err != nil {
		t.Fatal(err)
	}
	for _, strict := range []bool{false, true} {
		var out bytes.Buffer
		o := &lintOptions{repo: lintFixture, kollaDir: kolla, baseArch: "x86_64", format: "text", strict: strict}
		err := runLint(t.Context(), &out, o, []string{"unknown-block"})
		if out.String() != string(want) {
			t.Errorf("strict=%v: output\n%s\nwant\n%s", strict, out.String(), want)
		}
		if strict && (err == nil || err.Error() != "lint: 1 warning(s) (--strict)") {
			t.Errorf("--strict: err = %v, want the count of warnings", err)
		}
		if !strict && err != nil {
			t.Errorf("warnings alone fail without --strict: %v", err)
		}
	}
}

func TestLintCommandErrorsFail(t *testing.T) {
	var out bytes.Buffer
	o := &lintOptions{repo: lintFixture, kollaDir: lintKollaDir(t), baseArch: "x86_64", format: "text"}
	err := runLint(t.Context(), &out, o, []string{"render-failed", "clean"})
	if err == nil || err.Error() != "lint: 1 error(s), 0 warning(s)" {
		t.Errorf("err = %v, want one error", err)
	}
	if !strings.Contains(out.String(), `error: image "nova-compute" does not render`) {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestLintCommandJSON(t *testing.T) {
	var out bytes.Buffer
	o := &lintOptions{repo: lintFixture, kollaDir: lintKollaDir(t), baseArch: "x86_64", format: "json"}
	if err := runLint(t.Context(), &out, o, []string{"unused-customization"}); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		File, Code, Severity, Message, Profile string
		Line, Col                              int
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(got) != 3 {
		t.Fatalf("want 3 diagnostics, got %+v", got)
	}
	g := got[0]
	if g.File != "profiles/unused-customization/kolla-template-overrides.j2" || g.Line != 3 || g.Col != 8 ||
		g.Code != lint.CodeUnusedCustomization || g.Severity != "warning" || g.Profile != "unused-customization" {
		t.Errorf("first diagnostic: %+v", g)
	}
}

// A profile whose local sources file names a folder that is not there loads
// only without local sources; lint tries both and reports the failure.
func TestLintCommandLocalSourcesFile(t *testing.T) {
	repo := t.TempDir()
	write := func(name, text string) {
		path := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kolla-build.conf", "[DEFAULT]\nbase = debian\n")
	write("profiles/nova/kolla-build.conf", "[profiles]\nnova = ^nova-compute$\n")
	write("profiles/nova/kolla-build.local-sources.conf", "[nova-base]\ntype = local\nlocation = src/nova\n")
	var out bytes.Buffer
	o := &lintOptions{repo: repo, kollaDir: lintKollaDir(t), baseArch: "x86_64", format: "text"}
	err := runLint(t.Context(), &out, o, nil)
	if err == nil {
		t.Fatal("a missing local source is an error")
	}
	want := `error: profile "nova": profiles/nova/kolla-build.local-sources.conf:3: [nova-base] location: local source "src/nova" does not exist (with local sources on) [config]`
	if strings.TrimSpace(out.String()) != want {
		t.Errorf("output:\n%s\nwant\n%s", out.String(), want)
	}
}

func TestLintCommandNoKollaTree(t *testing.T) {
	o := &lintOptions{repo: lintFixture, kollaDir: filepath.Join(t.TempDir(), "kolla-docker"), format: "text"}
	err := runLint(t.Context(), &bytes.Buffer{}, o, nil)
	if err == nil || !strings.Contains(err.Error(), "make kolla-docker") {
		t.Errorf("err = %v, want a hint to run make kolla-docker", err)
	}
}
