package frontend

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/moby/buildkit/client"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/tonistiigi/fsutil"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// e2eHowTo says how to run the end-to-end tests.
const e2eHowTo = "set KBK_TEST_BUILDKIT_ADDR and KBK_TEST_REGISTRY to run it: " +
	"hack/tools.sh && KBK_STATE=/tmp/kbk-e2e hack/services.sh up && eval \"$(KBK_STATE=/tmp/kbk-e2e hack/services.sh env)\""

// e2e is the world the end-to-end tests build in: a buildkitd, a registry, a
// base image pushed there, and a web server with a git repository and two
// source tarballs.
type e2e struct {
	c         *client.Client
	registry  string
	namespace string // <registry>/kbk-e2e
	tag       string // unique per run, so a FROM that is not linked cannot be pulled
	base      string // the busybox base image, by digest
	arm64     bool   // the base image has an arm64 variant

	gitURL    string
	pluginURL string
	pluginSHA string
	workerURL string
	workerSHA string
	context   string // the fixture: main build context
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	addr, reg := os.Getenv("KBK_TEST_BUILDKIT_ADDR"), os.Getenv("KBK_TEST_REGISTRY")
	if addr == "" || reg == "" {
		t.Skip("end-to-end test against a real buildkitd; " + e2eHowTo)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed (apt-get install git)")
	}
	ctx := t.Context()
	c, err := client.New(ctx, addr)
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	fixture, err := filepath.Abs("testdata/e2e")
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{
		c:         c,
		registry:  reg,
		namespace: reg + "/kbk-e2e",
		tag:       fmt.Sprintf("e2e-%d", time.Now().UnixNano()),
		context:   fixture,
	}
	e.serveSources(t)
	e.pushBase(t)
	return e
}

// serveSources starts the web server on 127.0.0.1: the git repository through
// git's smart HTTP backend, and the url sources as tarballs whose sha256 is
// computed here.
func (e *e2e) serveSources(t *testing.T) {
	t.Helper()
	root := t.TempDir()
	repo := filepath.Join(root, "demo.git")
	work := filepath.Join(root, "work")
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=kbk", "GIT_AUTHOR_EMAIL=kbk@example.invalid",
			"GIT_COMMITTER_NAME=kbk", "GIT_COMMITTER_EMAIL=kbk@example.invalid", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run(root, "init", "-q", "--bare", repo)
	run(root, "init", "-q", "-b", "main", work)
	testenv.WriteFile(t, filepath.Join(work, "README"), "demo service source\n")
	testenv.WriteFile(t, filepath.Join(work, "demo", "__init__.py"), "VERSION = '1.0'\n")
	run(work, "add", ".")
	run(work, "commit", "-q", "-m", "demo 1.0")
	run(work, "push", "-q", repo, "main:refs/heads/stable/1.0")

	plugin := testenv.TarGz(t, map[string]string{"extra-plugin-1.0/plugin.txt": "extra plugin\n"})
	worker := testenv.TarGz(t, map[string]string{"demo-worker-2.0/worker.py": "print('work')\n"})
	e.pluginSHA, e.workerSHA = testenv.SHA256Hex(plugin), testenv.SHA256Hex(worker)

	mux := http.NewServeMux()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/git/", &cgi.Handler{
		Path: gitPath,
		Args: []string{"http-backend"},
		Root: "/git",
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	})
	mux.HandleFunc("/files/extra-plugin-1.0.tar.gz", func(w http.ResponseWriter, _ *http.Request) { w.Write(plugin) })
	mux.HandleFunc("/files/demo-worker-2.0.tar.gz", func(w http.ResponseWriter, _ *http.Request) { w.Write(worker) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.gitURL = srv.URL + "/git/demo.git"
	e.pluginURL = srv.URL + "/files/extra-plugin-1.0.tar.gz"
	e.workerURL = srv.URL + "/files/demo-worker-2.0.tar.gz"
}

// pushBase builds the base image from the host's static busybox (and an arm64
// one when KBK_TEST_BUSYBOX_ARM64 or ~/.cache/kbk/busybox-arm64/bin/busybox
// has it) with BuildKit's own Dockerfile frontend, and pushes it.
func (e *e2e) pushBase(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	amd64, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox is not installed (apt-get install busybox-static)")
	}
	testenv.CopyExecutable(t, amd64, filepath.Join(dir, "rootfs-amd64", "bin", "busybox"))
	platformsOpt := "linux/amd64"
	arm64 := os.Getenv("KBK_TEST_BUSYBOX_ARM64")
	if arm64 == "" {
		if home, err := os.UserHomeDir(); err == nil {
			arm64 = filepath.Join(home, ".cache", "kbk", "busybox-arm64", "bin", "busybox")
		}
	}
	if _, err := os.Stat(arm64); err == nil {
		testenv.CopyExecutable(t, arm64, filepath.Join(dir, "rootfs-arm64", "bin", "busybox"))
		platformsOpt += ",linux/arm64"
		e.arm64 = true
	}
	testenv.WriteFile(t, filepath.Join(dir, "Dockerfile"), `FROM scratch
ARG TARGETARCH
COPY rootfs-${TARGETARCH}/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
`)
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	name := e.namespace + "/busybox:base"
	resp, err := e.c.Solve(t.Context(), nil, client.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: map[string]string{"platform": platformsOpt},
		LocalMounts:   map[string]fsutil.FS{"context": fs, "dockerfile": fs},
		Exports: []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
			"name": name, "push": "true", "registry.insecure": "true",
		}}},
	}, nil)
	if err != nil {
		t.Fatalf("building the busybox base image: %v", err)
	}
	e.base = name + "@" + resp.ExporterResponse["containerimage.digest"]
}

// pushFakeScanner pushes an SBOM scanner image following BuildKit's scanner
// protocol: it writes one SPDX in-toto statement whose document name lists the
// scanned image's /var/lib/kbk/chain.
func (e *e2e) pushFakeScanner(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "scan.sh"), `#!/bin/sh
set -e
chain=$(tr '\n' ' ' < "$BUILDKIT_SCAN_SOURCE/var/lib/kbk/chain" | sed 's/ $//')
cat > "$BUILDKIT_SCAN_DESTINATION/kbk.spdx.json" <<EOF
{"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://spdx.dev/Document", "subject": [],
 "predicate": {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "kbk-fake-scan: $chain"}}
EOF
`)
	testenv.WriteFile(t, filepath.Join(dir, "Dockerfile"), "FROM "+e.base+"\nCOPY scan.sh /scan.sh\nENTRYPOINT [\"/bin/sh\", \"/scan.sh\"]\n")
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ref := e.namespace + "/fake-scanner:" + e.tag
	if _, err := e.c.Solve(t.Context(), nil, client.SolveOpt{
		Frontend:    "dockerfile.v0",
		LocalMounts: map[string]fsutil.FS{"context": fs, "dockerfile": fs},
		Exports:     pushTo(ref),
	}, nil); err != nil {
		t.Fatalf("building the fake SBOM scanner: %v", err)
	}
	return ref
}

// fixtureImage describes one image of the fixture.
type fixtureImage struct {
	name, dir, parent string
	sources           []Source
}

func (e *e2e) fixtureImages() []fixtureImage {
	return []fixtureImage{
		{name: "base", dir: "docker/base"},
		{name: "openstack-base", dir: "docker/openstack-base", parent: "base"},
		{name: "demo-base", dir: "docker/demo/demo-base", parent: "openstack-base", sources: []Source{
			{Name: "demo-base", Role: RoleImage, Kind: KindGit, Location: e.gitURL, Reference: "stable/1.0"},
		}},
		{name: "demo-api", dir: "docker/demo/demo-api", parent: "demo-base", sources: []Source{
			{Name: "demo-api-plugin-extra", Role: RolePlugin, Kind: KindURL, Location: e.pluginURL, SHA256: e.pluginSHA},
			{Name: "demo-api-additions-conf", Role: RoleAddition, Kind: KindLocal, Location: "additions/conf"},
		}},
		{name: "demo-worker", dir: "docker/demo/demo-worker", parent: "demo-base", sources: []Source{
			{Name: "demo-worker", Role: RoleImage, Kind: KindURL, Location: e.workerURL, SHA256: e.workerSHA},
		}},
	}
}

// planner plans the whole fixture for the asked platform, with the Dockerfile
// templates filled in; change, when set, edits the plan (a wrong checksum, a
// failing step).
func (e *e2e) planner(t *testing.T, change func(*Plan)) Planner {
	return PlannerFunc(func(_ context.Context, req PlanRequest) (*Plan, error) {
		plan := &Plan{Platform: req.Platform}
		for _, fi := range e.fixtureImages() {
			tmpl, err := template.ParseFiles(filepath.Join(e.context, DefaultKollaDir, fi.dir, "Dockerfile.tmpl"))
			if err != nil {
				return nil, err
			}
			var df bytes.Buffer
			if err := tmpl.Execute(&df, map[string]string{"Base": e.base, "Namespace": e.namespace, "Tag": e.tag, "Extra": ""}); err != nil {
				return nil, err
			}
			img := PlannedImage{
				Name:       fi.name,
				Ref:        e.ref(fi.name),
				Dockerfile: df.Bytes(),
				ContextDir: fi.dir,
				Parent:     fi.parent,
				Sources:    fi.sources,
				Labels:     map[string]string{"org.opencontainers.image.title": fi.name},
			}
			if fi.parent != "" {
				img.ParentRef = e.ref(fi.parent)
			}
			plan.Images = append(plan.Images, img)
		}
		if change != nil {
			change(plan)
		}
		return plan, nil
	})
}

func (e *e2e) ref(image string) string {
	return e.namespace + "/" + image + ":" + e.tag
}

// build runs the frontend in this process against the daemon, as `kbk build`
// does, with the fixture as main context. BuildKit's progress of a failed
// build is logged when the test fails.
func (e *e2e) build(t *testing.T, planner Planner, attrs map[string]string, exports []client.ExportEntry) (*client.SolveResponse, error) {
	t.Helper()
	return e.buildWithDirs(t, planner, attrs, exports, nil)
}

// buildWithDirs is build with more local directories shared over the session.
func (e *e2e) buildWithDirs(t *testing.T, planner Planner, attrs map[string]string, exports []client.ExportEntry, dirs map[string]string) (*client.SolveResponse, error) {
	t.Helper()
	mounts := map[string]fsutil.FS{}
	for name, dir := range dirs {
		fs, err := fsutil.NewFS(dir)
		if err != nil {
			t.Fatal(err)
		}
		mounts[name] = fs
	}
	fs, err := fsutil.NewFS(e.context)
	if err != nil {
		t.Fatal(err)
	}
	mounts["context"] = fs
	ch := make(chan *client.SolveStatus)
	var progress bytes.Buffer
	var wg sync.WaitGroup
	wg.Go(func() {
		for s := range ch {
			for _, v := range s.Vertexes {
				if v.Error != "" {
					fmt.Fprintf(&progress, "vertex %q: %s\n", v.Name, v.Error)
				}
			}
			for _, l := range s.Logs {
				progress.Write(l.Data)
			}
		}
	})
	f := Frontend{Planner: planner}
	resp, err := e.c.Build(t.Context(), client.SolveOpt{
		FrontendAttrs: attrs,
		LocalMounts:   mounts,
		Exports:       exports,
	}, "kbk-e2e", func(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
		return f.Build(ctx, c)
	}, ch)
	wg.Wait()
	if err != nil {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("build progress:\n%s", progress.String())
			}
		})
	}
	return resp, err
}

func pushTo(ref string) []client.ExportEntry {
	return []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
		"name": ref, "push": "true", "registry.insecure": "true",
	}}}
}
