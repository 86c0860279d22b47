package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// buildWorld is what the kbk build tests run in: the kbk binary, a Kolla-shaped
// template tree of our own next to the pinned Kolla release's python package,
// a configuration repository, a busybox base image in the test registry and a
// web server with a git repository and two tarballs.
type buildWorld struct {
	kbk       string // the kbk binary
	addr      string
	registry  string
	namespace string
	kollaDir  string
	repo      string
	baseImage string // <registry>/<namespace>/busybox, tag baseTag
	baseTag   string
	arm64     bool // the base image has an arm64 variant
	// changeGitSource commits a change to the git source's branch.
	changeGitSource func()
	// workerFailures is how many more downloads of the worker tarball fail.
	workerFailures atomic.Int32
}

// Images of the fixture and what each one's RUN steps append to
// /var/lib/kbk/chain, so that a child proves it was built on its parent.
var fixtureTemplates = map[string]string{
	"base": `FROM {{ base_image }}:{{ base_distro_tag }}
LABEL kbk.e2e.image="base"
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /var/lib/kbk && echo base > /var/lib/kbk/chain && uname -m > /var/lib/kbk/arch
{% if env.KBK_BENCH_NONCE %}RUN sleep 2 && echo {{ env.KBK_BENCH_NONCE }}{% endif %}
`,
	"openstack-base": `FROM {{ namespace }}/{{ image_prefix }}base:{{ tag }}
RUN echo openstack-base >> /var/lib/kbk/chain
`,
	"demo/demo-base": `FROM {{ namespace }}/{{ image_prefix }}openstack-base:{{ tag }}
ADD demo-base-archive /demo-base-source
RUN test -f /demo-base-source/demo-base-archive-stable-1.0/README && echo demo-base >> /var/lib/kbk/chain
`,
	"demo/demo-api": `FROM {{ namespace }}/{{ image_prefix }}demo-base:{{ tag }}
ADD plugins-archive /
ADD additions-archive /
COPY api.conf /etc/demo/api.conf
RUN echo demo-api >> /var/lib/kbk/chain
`,
	"demo/demo-worker": `FROM {{ namespace }}/{{ image_prefix }}demo-base:{{ tag }}
ADD demo-worker-archive /demo-worker-source
RUN test -f /demo-worker-source/demo-worker-2.0/worker.py && echo demo-worker >> /var/lib/kbk/chain
`,
	"demo/demo-broken": `FROM {{ namespace }}/{{ image_prefix }}demo-base:{{ tag }}
RUN echo demo-broken fails on purpose && exit 3
`,
	"demo/demo-broken-child": `FROM {{ namespace }}/{{ image_prefix }}demo-broken:{{ tag }}
RUN echo demo-broken-child >> /var/lib/kbk/chain
`,
}

func newBuildWorld(t *testing.T) *buildWorld {
	t.Helper()
	addr, reg := testenv.BuildkitAddr(t), testenv.Registry(t)
	for _, tool := range []string{"git", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install git busybox-static)", tool)
		}
	}
	venv := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	pkgs, _ := filepath.Glob(filepath.Join(venv.Dir, "lib", "python3*", "site-packages", "kolla"))
	if len(pkgs) == 0 {
		t.Skipf("no Kolla package in %s (make venv)", venv.Dir)
	}
	root := t.TempDir()
	w := &buildWorld{
		kbk:       filepath.Join(root, "bin", "kbk"),
		addr:      addr,
		registry:  reg,
		namespace: fmt.Sprintf("kbk-build-%d", time.Now().UnixNano()),
		kollaDir:  filepath.Join(root, "kolla"),
		repo:      filepath.Join(root, "repo"),
	}
	build := exec.Command("go", "build", "-o", w.kbk, "github.com/kbk-dev/kbk/cmd/kbk")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build kbk: %v\n%s", err, out)
	}
	for dir, text := range fixtureTemplates {
		testenv.WriteFile(t, filepath.Join(w.kollaDir, "docker", dir, "Dockerfile.j2"), text)
	}
	testenv.WriteFile(t, filepath.Join(w.kollaDir, "docker", "demo", "demo-api", "api.conf"), "[api]\nport = 8080\n")
	if err := os.Symlink(pkgs[0], filepath.Join(w.kollaDir, "kolla")); err != nil {
		t.Fatal(err)
	}
	w.pushBase(t)
	gitURL, pluginURL, pluginSHA, workerURL, workerSHA := w.serveBuildSources(t)
	testenv.WriteFile(t, filepath.Join(w.repo, "additions", "conf", "settings.ini"), "[demo]\nmode = e2e\n")
	testenv.WriteFile(t, filepath.Join(w.repo, "kolla-build.conf"), fmt.Sprintf(`[DEFAULT]
base_image = %s
base_tag = %s
registry = %s
namespace = %s
# local locations go through substitution, as operators write them
locals_base = ./

[profiles]
demo = ^demo-(api|worker)$

[demo-base]
type = git
location = %s
reference = stable/1.0

[demo-api-plugin-extra]
type = url
location = %s
sha256 = amd64:%s,arm64:%s

[demo-api-additions-conf]
type = local
location = $locals_base/additions/conf

[demo-worker]
type = url
location = %s
sha256 = amd64:%s,arm64:%s
`, w.baseImage, w.baseTag, w.registry, w.namespace, gitURL, pluginURL, pluginSHA, pluginSHA, workerURL, workerSHA, workerSHA))
	testenv.WriteFile(t, filepath.Join(w.repo, "profiles", "demo", "kolla-build.conf"), "[DEFAULT]\nprofile = demo\n")
	return w
}

// pushBase pushes a busybox image built from the host's static busybox, with
// an arm64 variant when ~/.cache/kbk/busybox-arm64/bin/busybox (or
// KBK_TEST_BUSYBOX_ARM64) has one.
func (w *buildWorld) pushBase(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	bb, _ := exec.LookPath("busybox")
	testenv.CopyExecutable(t, bb, filepath.Join(dir, "rootfs-amd64", "bin", "busybox"))
	platforms := "linux/amd64"
	arm64 := os.Getenv("KBK_TEST_BUSYBOX_ARM64")
	if home, err := os.UserHomeDir(); arm64 == "" && err == nil {
		arm64 = filepath.Join(home, ".cache", "kbk", "busybox-arm64", "bin", "busybox")
	}
	if _, err := os.Stat(arm64); err == nil {
		testenv.CopyExecutable(t, arm64, filepath.Join(dir, "rootfs-arm64", "bin", "busybox"))
		platforms += ",linux/arm64"
		w.arm64 = true
	}
	testenv.WriteFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\nARG TARGETARCH\nCOPY rootfs-${TARGETARCH}/ /\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n")
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(t.Context(), w.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w.baseImage = w.registry + "/" + w.namespace + "/busybox"
	w.baseTag = "bookworm"
	if _, err := c.Solve(t.Context(), nil, client.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: map[string]string{"platform": platforms},
		LocalMounts:   map[string]fsutil.FS{"context": fs, "dockerfile": fs},
		Exports: []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
			"name": w.baseImage + ":" + w.baseTag, "push": "true", "registry.insecure": "true",
		}}},
	}, nil); err != nil {
		t.Fatalf("pushing the busybox base image: %v", err)
	}
}

// serveBuildSources serves a git repository (git's smart HTTP backend) and two
// tarballs on 127.0.0.1.
func (w *buildWorld) serveBuildSources(t *testing.T) (gitURL, pluginURL, pluginSHA, workerURL, workerSHA string) {
	t.Helper()
	root := t.TempDir()
	work := filepath.Join(root, "work")
	git := func(dir string, args ...string) { t.Helper(); runGit(t, dir, args...) }
	git(root, "init", "-q", "--bare", filepath.Join(root, "demo.git"))
	git(root, "init", "-q", "-b", "main", work)
	testenv.WriteFile(t, filepath.Join(work, "README"), "the demo service\n")
	git(work, "add", ".")
	git(work, "commit", "-q", "-m", "demo")
	git(work, "push", "-q", filepath.Join(root, "demo.git"), "main:refs/heads/stable/1.0")
	w.changeGitSource = func() {
		testenv.WriteFile(t, filepath.Join(work, "CHANGES"), "a change\n")
		git(work, "add", ".")
		git(work, "commit", "-q", "-m", "change")
		git(work, "push", "-q", filepath.Join(root, "demo.git"), "main:refs/heads/stable/1.0")
	}

	plugin := testenv.TarGz(t, map[string]string{"extra-plugin-1.0/plugin.txt": "the extra plugin\n"})
	// Unique per test: BuildKit keeps downloads by checksum, and a download
	// from an earlier test would never reach this server.
	worker := testenv.TarGz(t, map[string]string{"demo-worker-2.0/worker.py": "print('working for " + w.namespace + "')\n"})
	gitPath, _ := exec.LookPath("git")
	mux := http.NewServeMux()
	mux.Handle("/git/", &cgi.Handler{Path: gitPath, Args: []string{"http-backend"}, Root: "/git",
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}})
	mux.HandleFunc("/files/plugin.tar.gz", func(rw http.ResponseWriter, _ *http.Request) { rw.Write(plugin) })
	mux.HandleFunc("/files/worker.tar.gz", func(rw http.ResponseWriter, _ *http.Request) {
		if w.workerFailures.Add(-1) >= 0 {
			http.Error(rw, "failing on purpose", http.StatusServiceUnavailable)
			return
		}
		rw.Write(worker)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/git/demo.git", srv.URL + "/files/plugin.tar.gz", testenv.SHA256Hex(plugin), srv.URL + "/files/worker.tar.gz", testenv.SHA256Hex(worker)
}

// kbkSummary is the part of kbk build's --summary-json the tests read.
type kbkSummary struct {
	Built []struct {
		Name, Ref string
		Attempts  int
	} `json:"built"`
	Failed []struct {
		Name, Status, Error string
	} `json:"failed"`
}

// build runs kbk build and returns its summary, its output and its error.
func (w *buildWorld) build(t *testing.T, args ...string) (kbkSummary, string, error) {
	t.Helper()
	return w.buildEnv(t, nil, args...)
}

// buildEnv is build with more environment variables.
func (w *buildWorld) buildEnv(t *testing.T, env []string, args ...string) (kbkSummary, string, error) {
	t.Helper()
	summary := filepath.Join(t.TempDir(), "summary.json")
	full := append([]string{"build", "--debug", "--addr", w.addr, "--progress", "plain", "--repo", w.repo, "--kolla-dir", w.kollaDir,
		"--summary-json", summary, "--retries", "0"}, args...)
	cmd := exec.Command(w.kbk, full...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("kbk %s: %v in %s; output:\n%s", strings.Join(full, " "), err, time.Since(start).Round(time.Millisecond), out.String())
	if _, serr := os.Stat(summary); serr != nil {
		t.Fatalf("no summary (%v); output:\n%s", serr, out.String())
	}
	return readSummary(t, summary), out.String(), err
}

// readSummary reads the summary kbk build wrote with --summary-json.
func readSummary(t testing.TB, path string) kbkSummary {
	t.Helper()
	var s kbkSummary
	dt, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(dt, &s); err != nil {
		t.Fatalf("summary %s: %v\n%s", path, err, dt)
	}
	return s
}

// runGit runs git in dir with a fixed identity and no user configuration.
func runGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=kbk", "GIT_AUTHOR_EMAIL=kbk@example.invalid",
		"GIT_COMMITTER_NAME=kbk", "GIT_COMMITTER_EMAIL=kbk@example.invalid", "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (w *buildWorld) ref(image, tag string) string {
	return w.registry + "/" + w.namespace + "/" + image + ":" + tag
}

// TestBuildPushesEveryImage builds the demo profile and checks each image in
// the registry: its name and tag, the parent's layers under its own, the
// sources where Kolla would put them, the labels.
func TestBuildPushesEveryImage(t *testing.T) {
	w := newBuildWorld(t)
	tag := "push-ok"
	s, out, err := w.build(t, "demo", "--push", "--tag", tag)
	if err != nil {
		t.Fatalf("kbk build: %v\n%s", err, out)
	}
	want := []string{"base", "openstack-base", "demo-base", "demo-api", "demo-worker"}
	var built []string
	for _, b := range s.Built {
		built = append(built, b.Name)
		if b.Ref != w.ref(b.Name, tag) {
			t.Errorf("%s: ref %q, want %q", b.Name, b.Ref, w.ref(b.Name, tag))
		}
	}
	if !sameSet(built, want) || len(s.Failed) != 0 {
		t.Fatalf("built %v failed %v, want built %v\n%s", built, s.Failed, want, out)
	}
	images := map[string]v1.Image{}
	for _, n := range want {
		images[n] = w.pull(t, w.ref(n, tag))
	}
	parents := map[string]string{"openstack-base": "base", "demo-base": "openstack-base", "demo-api": "demo-base", "demo-worker": "demo-base"}
	for child, parent := range parents {
		if !layersExtend(t, images[parent], images[child]) {
			t.Errorf("%s does not carry %s's layers under its own", child, parent)
		}
	}
	chains := map[string]string{
		"base": "base\n", "openstack-base": "base\nopenstack-base\n", "demo-base": "base\nopenstack-base\ndemo-base\n",
		"demo-api": "base\nopenstack-base\ndemo-base\ndemo-api\n", "demo-worker": "base\nopenstack-base\ndemo-base\ndemo-worker\n",
	}
	for n, chain := range chains {
		files := imageFiles(t, images[n])
		if got := files["var/lib/kbk/chain"]; got != chain {
			t.Errorf("%s: /var/lib/kbk/chain = %q, want %q", n, got, chain)
		}
		cf, err := images[n].ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if got := cf.Config.Labels["org.opencontainers.image.title"]; got != n {
			t.Errorf("%s: title label %q", n, got)
		}
		if got := cf.Config.Labels["kbk.e2e.image"]; got != "base" {
			t.Errorf("%s: inherited label kbk.e2e.image = %q, want base", n, got)
		}
	}
	api := imageFiles(t, images["demo-api"])
	for path, content := range map[string]string{
		"plugins/extra-plugin-1.0/plugin.txt":                  "the extra plugin\n",
		"additions/conf/settings.ini":                          "[demo]\nmode = e2e\n",
		"etc/demo/api.conf":                                    "[api]\nport = 8080\n",
		"demo-base-source/demo-base-archive-stable-1.0/README": "the demo service\n",
	} {
		if api[path] != content {
			t.Errorf("demo-api: /%s = %q, want %q", path, api[path], content)
		}
	}
}

// TestBuildFailureFailsOnlyDescendants builds every demo image, one of which
// fails: the others are pushed, its child is a parent error, the exit status
// is non-zero and the summary says so.
func TestBuildFailureFailsOnlyDescendants(t *testing.T) {
	w := newBuildWorld(t)
	tag := "one-fails"
	s, out, err := w.build(t, "^demo-", "--push", "--tag", tag)
	if err == nil {
		t.Fatalf("kbk build succeeded with a failing image\n%s", out)
	}
	var built []string
	for _, b := range s.Built {
		built = append(built, b.Name)
	}
	if want := []string{"base", "openstack-base", "demo-base", "demo-api", "demo-worker"}; !sameSet(built, want) {
		t.Errorf("built %v, want %v\n%s", built, want, out)
	}
	failed := map[string]string{}
	for _, f := range s.Failed {
		failed[f.Name] = f.Status
	}
	if want := map[string]string{"demo-broken": "error", "demo-broken-child": "parent_error"}; !equalMaps(failed, want) {
		t.Errorf("failed %v, want %v\n%s", failed, want, out)
	}
	for _, n := range built {
		w.pull(t, w.ref(n, tag))
	}
	for _, n := range []string{"demo-broken", "demo-broken-child"} {
		r, _ := name.ParseReference(w.ref(n, tag), name.Insecure)
		if _, err := remote.Head(r); err == nil {
			t.Errorf("%s was pushed although it failed", n)
		}
	}
	if !strings.Contains(out, "demo-broken fails on purpose") {
		t.Errorf("the failing step's output is not shown:\n%s", out)
	}
}

func (w *buildWorld) pull(t *testing.T, ref string) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r)
	if err != nil {
		t.Fatalf("%s is not in the registry: %v", ref, err)
	}
	return img
}

// layersExtend reports whether child's layers start with all of parent's.
func layersExtend(t *testing.T, parent, child v1.Image) bool {
	t.Helper()
	digests := func(img v1.Image) []v1.Hash {
		ls, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		var out []v1.Hash
		for _, l := range ls {
			d, err := l.Digest()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
		return out
	}
	p, c := digests(parent), digests(child)
	return len(c) > len(p) && slices.Equal(c[:len(p)], p)
}

// imageFiles reads the regular files of an image's flattened file system
// that are small text files of the fixture.
func imageFiles(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || h.Size > 4096 || strings.HasPrefix(h.Name, "bin/") {
			continue
		}
		dt, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimPrefix(h.Name, "/")] = string(dt)
	}
	return files
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestBuildMultiPlatform builds the demo profile for two platforms: every
// image is a manifest list whose arm64 image ran its steps on arm64.
func TestBuildMultiPlatform(t *testing.T) {
	w := newBuildWorld(t)
	if !w.arm64 {
		t.Skip("no arm64 busybox: put one at ~/.cache/kbk/busybox-arm64/bin/busybox or name it with KBK_TEST_BUSYBOX_ARM64")
	}
	tag := "multi"
	s, out, err := w.build(t, "demo", "--push", "--tag", tag, "--platform", "linux/amd64,linux/arm64")
	if err != nil {
		t.Fatalf("kbk build: %v\n%s", err, out)
	}
	if len(s.Built) != 5 {
		t.Fatalf("built %d images, want 5\n%s", len(s.Built), out)
	}
	for _, b := range s.Built {
		r, err := name.ParseReference(w.ref(b.Name, tag), name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := remote.Index(r)
		if err != nil {
			t.Fatalf("%s: not an index: %v", b.Name, err)
		}
		if m, err := idx.IndexManifest(); err != nil || len(m.Manifests) != 2 {
			t.Errorf("%s: index of %v manifests (%v), want 2", b.Name, m, err)
		}
		for arch, uname := range map[string]string{"amd64": "x86_64\n", "arm64": "aarch64\n"} {
			img, err := remote.Image(r, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
			if err != nil {
				t.Fatalf("%s: no %s image: %v", b.Name, arch, err)
			}
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cf.Architecture != arch {
				t.Errorf("%s %s: config architecture %q", b.Name, arch, cf.Architecture)
			}
			if got := imageFiles(t, img)["var/lib/kbk/arch"]; got != uname {
				t.Errorf("%s %s: uname -m recorded %q, want %q", b.Name, arch, got, uname)
			}
		}
	}
}

// TestBuildCacheAndSourceChange builds the demo profile three times: a second
// run is fully cached; after a commit to the git source only the images built
// on it (demo-base and its children) run their steps again; then
// --skip-existing skips what the registry has.
func TestBuildCacheAndSourceChange(t *testing.T) {
	w := newBuildWorld(t)
	if _, out, err := w.build(t, "demo", "--push", "--tag", "cache"); err != nil {
		t.Fatalf("first build: %v\n%s", err, out)
	}
	_, out, err := w.build(t, "demo", "--push", "--tag", "cache")
	if err != nil {
		t.Fatalf("second build: %v\n%s", err, out)
	}
	if ran := ranSteps(out); len(ran) != 0 {
		t.Errorf("a second build ran %v; want everything cached\n%s", ran, out)
	}
	w.changeGitSource()
	_, out, err = w.build(t, "demo", "--push", "--tag", "cache")
	if err != nil {
		t.Fatalf("build after the source changed: %v\n%s", err, out)
	}
	if ran, want := ranSteps(out), []string{"demo-api", "demo-base", "demo-worker"}; !slices.Equal(ran, want) {
		t.Errorf("after a git change, images that ran steps: %v, want %v\n%s", ran, want, out)
	}
	if got := imageFiles(t, w.pull(t, w.ref("demo-api", "cache")))["demo-base-source/demo-base-archive-stable-1.0/CHANGES"]; got != "a change\n" {
		t.Errorf("demo-api does not carry the changed source: CHANGES = %q", got)
	}
	s, out, err := w.build(t, "demo", "--push", "--tag", "cache", "--skip-existing")
	if err != nil {
		t.Fatalf("build with --skip-existing: %v\n%s", err, out)
	}
	if len(s.Built) != 0 {
		t.Errorf("--skip-existing built %v\n%s", s.Built, out)
	}
}

// TestBuildOutputArchives writes every image as an OCI archive.
func TestBuildOutputArchives(t *testing.T) {
	w := newBuildWorld(t)
	dir := t.TempDir()
	if _, out, err := w.build(t, "demo", "--tag", "archives", "--output", dir); err != nil {
		t.Fatalf("kbk build: %v\n%s", err, out)
	}
	for _, n := range []string{"base", "openstack-base", "demo-base", "demo-api", "demo-worker"} {
		f, err := os.Open(filepath.Join(dir, n+".tar"))
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		names := map[string]bool{}
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			names[h.Name] = true
		}
		f.Close()
		if !names["index.json"] || !names["oci-layout"] {
			t.Errorf("%s.tar is not an OCI layout: %v", n, names)
		}
	}
}

// ranSteps lists the images whose RUN steps executed (not cached) in a plain
// progress output, from the vertex names kbk build prefixes with the image.
func ranSteps(out string) []string {
	names := map[string]string{}
	ran := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		id, rest, ok := strings.Cut(line, " ")
		if !strings.HasPrefix(id, "#") || !ok {
			continue
		}
		if _, seen := names[id]; !seen {
			names[id] = rest
			continue
		}
		name := names[id]
		if strings.HasPrefix(rest, "DONE") && strings.Contains(name, "] RUN ") {
			img, _, _ := strings.Cut(strings.TrimPrefix(name, "["), "]")
			ran[img] = true
		}
	}
	return slices.Sorted(maps.Keys(ran))
}

// TestBuildRetries: a download that fails once fails its image without
// retries and succeeds with --retries 1, on the second attempt.
func TestBuildRetries(t *testing.T) {
	w := newBuildWorld(t)
	w.workerFailures.Store(1)
	s, out, err := w.build(t, "demo", "--push", "--tag", "no-retry")
	if err == nil || len(s.Failed) != 1 || s.Failed[0].Name != "demo-worker" {
		t.Fatalf("a failing download without retries: %v, failed %v\n%s", err, s.Failed, out)
	}
	w.workerFailures.Store(1)
	s, out, err = w.build(t, "demo", "--push", "--tag", "retried", "--retries", "1")
	if err != nil || len(s.Failed) != 0 {
		t.Fatalf("with --retries 1: %v, failed %v\n%s", err, s.Failed, out)
	}
	for _, b := range s.Built {
		if want := map[bool]int{true: 2, false: 1}[b.Name == "demo-worker"]; b.Attempts != want {
			t.Errorf("%s: %d attempts, want %d", b.Name, b.Attempts, want)
		}
	}
	w.pull(t, w.ref("demo-worker", "retried"))
}
