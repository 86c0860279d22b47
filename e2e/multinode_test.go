package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/client"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// TestTwoNodeBuilder builds a two-platform profile on a buildx builder of two
// nodes, the test daemon declared for linux/amd64 and a second daemon of its
// own declared for linux/arm64, as one would spread a build over an amd64 and
// a native arm64 machine. Through a kbk bake file, buildx sends each platform
// to its own node; the daemons' build histories show which node built what.
// kbk build on the same builder does the same: one session per node, each
// image's part pushed by digest, then the tag written as the index of both.
// One kbk build per node with --addr, merged with docker buildx imagetools
// create, works too; the test checks that as well.
func TestTwoNodeBuilder(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second buildkitd and builds the kbk-frontend binary; skipped with -short")
	}
	testenv.NeedBuildx(t)
	w := newBuildWorld(t)
	if !w.arm64 {
		t.Skip("no arm64 busybox: put one at ~/.cache/kbk/busybox-arm64/bin/busybox or name it with KBK_TEST_BUSYBOX_ARM64")
	}
	amd64Node := w.addr
	arm64Node := startBuildkitd(t)

	// The builder lives in the test's own buildx configuration, not the user's.
	buildxConfig := filepath.Join(t.TempDir(), "buildx")
	builder := fmt.Sprintf("kbk-two-nodes-%d", time.Now().UnixNano())
	docker := func(t *testing.T, args ...string) string {
		t.Helper()
		cmd := exec.Command("docker", args...)
		cmd.Env = append(os.Environ(), "BUILDX_CONFIG="+buildxConfig)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	docker(t, "buildx", "create", "--name", builder, "--driver", "remote", "--platform", "linux/amd64", amd64Node)
	t.Cleanup(func() {
		cmd := exec.Command("docker", "buildx", "rm", builder)
		cmd.Env = append(os.Environ(), "BUILDX_CONFIG="+buildxConfig)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("docker buildx rm %s: %v\n%s", builder, err, out)
		}
	})
	docker(t, "buildx", "create", "--append", "--name", builder, "--driver", "remote", "--platform", "linux/arm64", arm64Node)
	t.Logf("builder:\n%s", docker(t, "buildx", "inspect", builder))

	c, err := client.New(t.Context(), w.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctxDir := w.buildContext(t)
	frontendRef := w.pushFrontend(t, c)

	t.Run("bake", func(t *testing.T) {
		const tag = "two-nodes-bake"
		bakeFile := filepath.Join(ctxDir, "kbk-bake.json")
		bake := exec.Command(w.kbk, "bake", "demo", "--repo", ctxDir, "--kolla-dir", filepath.Join(ctxDir, "kolla-docker"),
			"--frontend-image", frontendRef, "--push", "--tag", tag, "--platform", "linux/amd64,linux/arm64", "-o", bakeFile)
		if out, err := bake.CombinedOutput(); err != nil {
			t.Fatalf("kbk bake: %v\n%s", err, out)
		}
		run := exec.Command("docker", "buildx", "bake", "--builder", builder, "--progress", "plain", "-f", bakeFile, "demo")
		run.Dir = ctxDir
		run.Env = append(os.Environ(), "BUILDX_CONFIG="+buildxConfig)
		if out, err := run.CombinedOutput(); err != nil {
			dt, _ := os.ReadFile(bakeFile)
			t.Fatalf("docker buildx bake: %v\n%s\nbake file:\n%s", err, out, dt)
		}
		for node, want := range map[string]string{amd64Node: "linux/amd64", arm64Node: "linux/arm64"} {
			got := builtPlatforms(t, node, w.namespace, tag)
			t.Logf("node %s built %q", node, got)
			if len(got) == 0 || slices.ContainsFunc(got, func(p string) bool { return p != want }) {
				t.Errorf("node %s built platforms %q, want only %s", node, got, want)
			}
		}
		w.checkIndexes(t, tag, []string{"demo-api", "demo-worker"})
	})

	t.Run("kbk build", func(t *testing.T) {
		const tag = "two-nodes-build"
		summary := filepath.Join(t.TempDir(), "summary.json")
		build := exec.Command(w.kbk, "build", "demo", "--progress", "plain", "--repo", w.repo, "--kolla-dir", w.kollaDir,
			"--summary-json", summary, "--retries", "0", "--push", "--tag", tag, "--platform", "linux/amd64,linux/arm64")
		// No --addr and no BUILDKIT_HOST: kbk finds BuildKit through the builder.
		build.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "BUILDX_CONFIG=" + buildxConfig, "BUILDX_BUILDER=" + builder}
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("kbk build: %v\n%s", err, out)
		}
		for node, want := range map[string]string{amd64Node: "linux/amd64", arm64Node: "linux/arm64"} {
			got := builtPlatforms(t, node, w.namespace, tag)
			t.Logf("node %s built %q", node, got)
			if len(got) == 0 || slices.ContainsFunc(got, func(p string) bool { return p != want }) {
				t.Errorf("node %s built platforms %q, want only %s", node, got, want)
			}
		}
		if s := readSummary(t, summary); len(s.Built) == 0 || len(s.Failed) != 0 {
			t.Errorf("summary: built %v, failed %v", s.Built, s.Failed)
		}
		w.checkIndexes(t, tag, []string{"demo-api", "demo-worker"})
	})
	// By hand: one build per node and platform, then an index per image
	// made of the two.
	t.Run("kbk build per node, merged", func(t *testing.T) {
		const tag = "two-nodes-merged"
		var built []string
		for _, n := range []struct{ addr, platform string }{{amd64Node, "linux/amd64"}, {arm64Node, "linux/arm64"}} {
			partTag := tag + "-" + strings.TrimPrefix(n.platform, "linux/")
			summary := filepath.Join(t.TempDir(), "summary.json")
			build := exec.Command(w.kbk, "build", "demo", "--addr", n.addr, "--progress", "plain", "--repo", w.repo, "--kolla-dir", w.kollaDir,
				"--summary-json", summary, "--retries", "0", "--push", "--tag", partTag, "--platform", n.platform)
			build.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("kbk build on %s: %v\n%s", n.addr, err, out)
			}
			if got := builtRecords(t, n.addr, w.namespace, partTag); got == 0 {
				t.Errorf("node %s has no build of tag %s", n.addr, partTag)
			}
			built = built[:0]
			for _, b := range readSummary(t, summary).Built {
				built = append(built, b.Name)
			}
		}
		if len(built) == 0 {
			t.Fatal("kbk build built no image")
		}
		for _, image := range built {
			docker(t, "buildx", "imagetools", "create", "--builder", builder, "-t", w.ref(image, tag), w.ref(image, tag+"-amd64"), w.ref(image, tag+"-arm64"))
		}
		w.checkIndexes(t, tag, built)
	})
}

// checkIndexes checks that each image was pushed as an index of the two
// platforms.
func (w *buildWorld) checkIndexes(t *testing.T, tag string, images []string) {
	t.Helper()
	for _, image := range images {
		r, err := name.ParseReference(w.ref(image, tag), name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := remote.Index(r)
		if err != nil {
			t.Errorf("%s: not an index: %v", r, err)
			continue
		}
		m, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range m.Manifests {
			if d.Platform != nil && d.Platform.OS != "unknown" {
				got = append(got, d.Platform.OS+"/"+d.Platform.Architecture)
			}
		}
		slices.Sort(got)
		if want := []string{"linux/amd64", "linux/arm64"}; !slices.Equal(got, want) {
			t.Errorf("%s: index platforms %q, want %q", r, got, want)
		}
	}
}

// historyOf returns the finished builds a daemon remembers that exported
// an image of namespace with tag.
func historyOf(t *testing.T, addr, namespace, tag string) []*controlapi.BuildHistoryRecord {
	t.Helper()
	c, err := client.New(t.Context(), addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stream, err := c.ControlClient().ListenBuildHistory(t.Context(), &controlapi.BuildHistoryRequest{EarlyExit: true})
	if err != nil {
		t.Fatalf("%s: build history: %v", addr, err)
	}
	var records []*controlapi.BuildHistoryRecord
	for {
		ev, err := stream.Recv()
		if err != nil {
			break // io.EOF once every record was sent
		}
		rec := ev.GetRecord()
		if rec == nil {
			continue
		}
		// buildx pushes each node's part by digest, under a name without a
		// tag; the tag is then the frontend's build argument.
		tagged := rec.GetFrontendAttrs()["build-arg:tag"] == tag
		for _, e := range rec.GetExporters() {
			if ours(e.GetAttrs()["name"], namespace, tag, tagged) {
				records = append(records, rec)
				break
			}
		}
	}
	return records
}

// ours reports whether an exporter's comma-separated image names include
// one of namespace with tag (or of namespace alone when tagged).
func ours(names, namespace, tag string, tagged bool) bool {
	for n := range strings.SplitSeq(names, ",") {
		if strings.Contains(n, "/"+namespace+"/") && (tagged || strings.HasSuffix(n, ":"+tag)) {
			return true
		}
	}
	return false
}

// builtPlatforms lists the platform of every build of ours a daemon ran
// through a frontend (buildx sets the frontend's platform option).
func builtPlatforms(t *testing.T, addr, namespace, tag string) []string {
	t.Helper()
	var ps []string
	for _, rec := range historyOf(t, addr, namespace, tag) {
		ps = append(ps, rec.GetFrontendAttrs()["platform"])
	}
	return ps
}

func builtRecords(t *testing.T, addr, namespace, tag string) int {
	t.Helper()
	return len(historyOf(t, addr, namespace, tag))
}

// startBuildkitd starts a buildkitd of the pinned release, from the harness's
// cache (hack/tools.sh), in a directory of the test, and returns its address.
// It is stopped, and its mounts undone, when the test ends.
func startBuildkitd(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	addr := "unix://" + filepath.Join(dir, "bk.sock")
	if len(addr) > 100 {
		t.Skipf("socket path %s is too long for a unix socket; set TMPDIR shorter", addr)
	}
	runBuildkitd(t, dir, addr, nil)
	return addr
}

// runBuildkitd starts buildkitd as startBuildkitd does, its state in dir,
// listening at addr with more flags, and waits until a client made with
// opts can list its workers.
func runBuildkitd(t *testing.T, dir, addr string, opts []client.ClientOpt, flags ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a second buildkitd needs root")
	}
	cache := os.Getenv("KBK_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(home, ".cache", "kbk")
	}
	bin := filepath.Join(cache, "bin", "buildkit-"+testenv.Pins(t)["BUILDKIT_VERSION"], "buildkitd")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no buildkitd at %s (make tools): %v", bin, err)
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		runc = "/usr/sbin/runc"
	}
	log, err := os.Create(filepath.Join(dir, "buildkitd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--root", filepath.Join(dir, "root"), "--addr", addr,
		"--oci-worker=true", "--oci-worker-binary="+runc, "--oci-worker-snapshotter=overlayfs",
		"--oci-worker-net=host", "--containerd-worker=false")
	cmd.Args = append(cmd.Args, flags...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		log.Close()
		unmountUnder(t, dir)
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			dt, _ := os.ReadFile(log.Name())
			t.Fatalf("buildkitd exited during start: %v\n%s", err, dt)
		default:
		}
		if c, err := client.New(t.Context(), addr, opts...); err == nil {
			_, err = c.ListWorkers(t.Context())
			c.Close()
			if err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			dt, _ := os.ReadFile(log.Name())
			t.Fatalf("buildkitd did not answer within a minute:\n%s", dt)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// unmountUnder detaches mounts a stopped buildkitd left below dir, deepest
// first, so that the test's directory can be removed.
func unmountUnder(t *testing.T, dir string) {
	dt, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return
	}
	var points []string
	for line := range strings.Lines(string(dt)) {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
			points = append(points, f[1])
		}
	}
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
			t.Logf("unmount %s: %v", p, err)
		}
	}
}
