package plan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
)

// Templates see the .env files' variables in env, as kolla-build did under
// the seed's wrappers, which loaded them into its environment without
// replacing variables already set: the profile's .env over the root's, the
// process environment over both. The reference is kolla-build run with that
// environment, written out by hand.
func TestTemplatesSeeDotenvVariables(t *testing.T) {
	venv := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	tree := kollaTree(t)
	repo := t.TempDir()
	files := map[string]string{
		"kolla-build.conf":               "[DEFAULT]\nbase = debian\n",
		".env":                           "KBK_MOTD=\"from the root .env\"\nKBK_BOTH=root\n",
		"profiles/demo/.env":             "KBK_MOTD=\"from the profile .env\"\n",
		"profiles/demo/kolla-build.conf": "[profiles]\ndemo = ^base$\n",
		"kolla-template-overrides.j2":    "{% extends parent_template %}\n{% block base_footer %}\nRUN echo '{{ env.KBK_MOTD }} / {{ env.KBK_BOTH }}' > /etc/motd\n{% endblock %}\n",
	}
	for name, content := range files {
		path := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := plan.Load(plan.Request{Repo: repo, Profile: "demo", Env: map[string]string{"KBK_BOTH": "process"}, Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	im, err := cfg.ForArch(context.Background(), "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	got := im.Dockerfiles["base"]
	if !strings.Contains(got, "RUN echo 'from the profile .env / process' > /etc/motd") {
		t.Fatalf("the base image's footer does not show the .env and process values:\n%s", got)
	}

	work := t.TempDir()
	cmd := venv.KollaBuildCmd(t, "--template-only", "--work-dir", work, "--base-arch", "x86_64",
		"--config-file", filepath.Join(repo, "kolla-build.conf"),
		"--template-override", filepath.Join(repo, "kolla-template-overrides.j2"), "^base$")
	cmd.Env = append(cmd.Env, "KBK_MOTD=from the profile .env", "KBK_BOTH=process")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kolla-build: %v\n%s", err, out)
	}
	want, err := os.ReadFile(filepath.Join(work, "docker", "base", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("base differs (-kolla +kbk):\n%s", diff)
	}
}
