package frontend

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// TestKollaBaseImage builds Kolla's own `base` image for Debian, rendered by
// Python kolla-build, on a Debian made with debootstrap and pushed to the test
// registry, with apt reaching Debian's mirror. Slow (minutes), so it runs only
// with KBK_TEST_KOLLA_BASE=1.
//
// The machines reach Debian's mirror and nothing else, so two parts of the
// Dockerfile that fetch from elsewhere are taken out: the third-party apt keys
// (a template override empties base_ubuntu_package_key_installation) and the
// `extrepo enable openstack_<release>` step (osbpo.debian.net and extrepo's
// index are out of reach; it is not a template block, so it is cut from the
// rendered Dockerfile).
func TestKollaBaseImage(t *testing.T) {
	if os.Getenv("KBK_TEST_KOLLA_BASE") != "1" {
		t.Skip("builds Kolla's base image (minutes); set KBK_TEST_KOLLA_BASE=1 with the end-to-end environment to run it")
	}
	py := kollaPython(t)
	if _, err := exec.LookPath("debootstrap"); err != nil || os.Getuid() != 0 {
		t.Skip("needs debootstrap (apt-get install debootstrap) and root")
	}
	e := newE2E(t)

	start := time.Now()
	debian := e.pushDebootstrap(t, "trixie")
	t.Logf("debootstrap trixie image %s in %s", debian, time.Since(start).Round(time.Second))

	work := t.TempDir()
	override := filepath.Join(t.TempDir(), "override.j2")
	testenv.WriteFile(t, override, "{% extends parent_template %}\n{% block base_ubuntu_package_key_installation %}{% endblock %}\n")
	cmd := exec.Command(filepath.Join(filepath.Dir(py), "kolla-build"), "--template-only", "--work-dir", work,
		"--base", "debian", "--base-image", e.namespace+"/debian", "--base-tag", "trixie",
		"--template-override", override, "^base$")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+testenv.DockerSDKStub(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kolla-build --template-only: %v\n%s", err, out)
	}
	dockerfile, err := os.ReadFile(filepath.Join(work, "docker", "base", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	extrepo := regexp.MustCompile(`(?m)^RUN apt update \\\n( && .*\\\n)* && apt clean\n`)
	if !extrepo.Match(dockerfile) {
		t.Fatalf("no extrepo step to take out of the rendered Dockerfile:\n%s", dockerfile)
	}
	dockerfile = extrepo.ReplaceAll(dockerfile, nil)
	// The base image comes from the test registry by digest.
	dockerfile = bytes.Replace(dockerfile, []byte("FROM "+e.namespace+"/debian:trixie"), []byte("FROM "+debian), 1)

	plan := &Plan{Images: []PlannedImage{{
		Name: "base", Ref: e.ref("kolla-base"), Dockerfile: dockerfile, ContextDir: "docker/base",
		Labels: map[string]string{"org.opencontainers.image.title": "base"},
	}}}
	start = time.Now()
	_, err = e.buildWithDirs(t, PlannerFunc(func(_ context.Context, req PlanRequest) (*Plan, error) {
		return plan, nil
	}), map[string]string{"build-arg:target": "base", "context:" + KollaContext: "local:kolla-tree"},
		pushTo(e.ref("kolla-base")), map[string]string{"kolla-tree": work})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)

	img := e.image(t, e.ref("kolla-base"))
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			t.Fatal(err)
		}
		size += n
	}
	cfg := configOf(t, img)
	t.Logf("Kolla base built and pushed in %s: %d layers, %.1f MB compressed, kolla_version %s",
		took.Round(time.Second), len(layers), float64(size)/1e6, cfg.Config.Labels["kolla_version"])
	files := filesOf(t, img)
	for _, p := range []string{"usr/local/bin/kolla_start", "usr/local/bin/kolla_set_configs", "etc/sudoers", "usr/bin/python3"} {
		if _, ok := files[p]; !ok {
			t.Errorf("Kolla base lacks /%s", p)
		}
	}
}

// pushDebootstrap makes a minimal Debian with debootstrap, imports it as an
// image (`ADD rootfs.tar /`) and pushes it, returning its reference by digest.
func (e *e2e) pushDebootstrap(t *testing.T, suite string) string {
	t.Helper()
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	run("debootstrap", "--variant=minbase", suite, rootfs, "http://deb.debian.org/debian")
	ctxDir := filepath.Join(dir, "context")
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		t.Fatal(err)
	}
	run("tar", "-C", rootfs, "--numeric-owner", "-cf", filepath.Join(ctxDir, "rootfs.tar"), ".")
	testenv.WriteFile(t, filepath.Join(ctxDir, "Dockerfile"), "FROM scratch\nADD rootfs.tar /\nCMD [\"bash\"]\n")
	fs, err := fsutil.NewFS(ctxDir)
	if err != nil {
		t.Fatal(err)
	}
	name := e.namespace + "/debian:" + suite
	resp, err := e.c.Solve(t.Context(), nil, client.SolveOpt{
		Frontend:    "dockerfile.v0",
		LocalMounts: map[string]fsutil.FS{"context": fs, "dockerfile": fs},
		Exports:     pushTo(name),
	}, nil)
	if err != nil {
		t.Fatalf("importing the debootstrap rootfs: %v", err)
	}
	return name + "@" + resp.ExporterResponse["containerimage.digest"]
}
