package frontend

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/tonistiigi/fsutil"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// TestE2E builds the fixture on a real buildkitd and checks the pushed images.
func TestE2E(t *testing.T) {
	e := newE2E(t)

	t.Run("target with parents linked", func(t *testing.T) {
		start := time.Now()
		for _, target := range []string{"demo-base", "demo-api"} {
			if _, err := e.build(t, e.planner(t, nil), map[string]string{"build-arg:profile": "demo", "build-arg:target": target}, pushTo(e.ref(target))); err != nil {
				t.Fatalf("building %s: %v", target, err)
			}
		}
		t.Logf("demo-base and demo-api built and pushed in %s", time.Since(start).Round(time.Millisecond))

		parent, child := e.image(t, e.ref("demo-base")), e.image(t, e.ref("demo-api"))
		parentCfg, childCfg := configOf(t, parent), configOf(t, child)
		pd, cd := parentCfg.RootFS.DiffIDs, childCfg.RootFS.DiffIDs
		if len(cd) <= len(pd) || !slices.Equal(cd[:len(pd)], pd) {
			t.Errorf("demo-api layers %v do not start with demo-base's %v", cd, pd)
		}
		for _, env := range []string{"KBK_E2E_DISTRO=busybox", "KBK_E2E_OPENSTACK=yes"} {
			if !slices.Contains(childCfg.Config.Env, env) {
				t.Errorf("demo-api env %q lacks %q inherited from its ancestors", childCfg.Config.Env, env)
			}
		}
		if got := childCfg.Config.Labels["org.opencontainers.image.title"]; got != "demo-api" {
			t.Errorf("demo-api title label = %q", got)
		}
		if got := childCfg.Config.Labels["kbk.e2e.image"]; got != "base" {
			t.Errorf("label of base not inherited: %q", got)
		}

		files := filesOf(t, child)
		for path, want := range map[string]string{
			// ADD demo-base-archive /demo-base-source: the git checkout under
			// "<name>-archive-<reference>", as Kolla's tar has it.
			"demo-base-source/demo-base-archive-stable-1.0/README":           "demo service source\n",
			"demo-base-source/demo-base-archive-stable-1.0/demo/__init__.py": "VERSION = '1.0'\n",
			"plugins/extra-plugin-1.0/plugin.txt":                            "extra plugin\n",
			"additions/conf/settings.ini":                                    "[demo]\nworkers = 2\n",
			"etc/demo/api.conf":                                              "[api]\nlisten = 0.0.0.0:8080\n",
			"var/lib/kbk/chain":                                              "base\nopenstack-base\ndemo-base\ndemo-api\n",
			"usr/local/bin/kbk_start":                                        "#!/bin/sh\n# Start script of the e2e base image: runs the image's command.\nexec \"$@\"\n",
		} {
			got, ok := files[path]
			if !ok {
				t.Errorf("demo-api: no /%s", path)
			} else if got.content != want {
				t.Errorf("demo-api: /%s = %q, want %q", path, got.content, want)
			}
		}
		if f, ok := files["demo-base-source/demo-base-archive-stable-1.0/.git"]; !ok || f.typeflag != tar.TypeDir {
			t.Errorf("demo-api: the git checkout has no .git directory (pbr needs it)")
		}
		if f := files["demo-base-source/demo-base-archive-stable-1.0/README"]; f.uid != 0 || f.gid != 0 {
			t.Errorf("git source files owned by %d:%d, want root as in Kolla's tar", f.uid, f.gid)
		}
		if f, ok := files["demo"]; !ok || f.typeflag != tar.TypeSymlink {
			t.Errorf("demo-api: /demo is not the symlink demo-base's RUN made")
		}
	})

	t.Run("multi-platform", func(t *testing.T) {
		if !e.arm64 {
			t.Skip("no arm64 busybox: put one at ~/.cache/kbk/busybox-arm64/bin/busybox or KBK_TEST_BUSYBOX_ARM64 (dpkg-deb -x of busybox-static_*_arm64.deb)")
		}
		start := time.Now()
		ref := e.ref("demo-worker")
		if _, err := e.build(t, e.planner(t, nil), map[string]string{
			"build-arg:profile": "demo", "build-arg:target": "demo-worker", "platform": "linux/amd64,linux/arm64",
		}, pushTo(ref)); err != nil {
			t.Fatal(err)
		}
		t.Logf("demo-worker for two platforms built and pushed in %s", time.Since(start).Round(time.Millisecond))
		idx, err := remote.Index(parseRef(t, ref))
		if err != nil {
			t.Fatalf("%s is not a manifest list: %v", ref, err)
		}
		manifest, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		wantArch := map[string]string{"linux/amd64": "x86_64\n", "linux/arm64": "aarch64\n"}
		var seen []string
		for _, desc := range manifest.Manifests {
			if desc.Platform == nil || desc.Platform.OS == "unknown" {
				continue // attestations
			}
			p := desc.Platform.OS + "/" + desc.Platform.Architecture
			seen = append(seen, p)
			img, err := idx.Image(desc.Digest)
			if err != nil {
				t.Fatal(err)
			}
			files := filesOf(t, img)
			if got := files["var/lib/kbk/arch"].content; got != wantArch[p] {
				t.Errorf("%s: uname -m recorded %q, want %q", p, got, wantArch[p])
			}
			if got := files["demo-worker-source/demo-worker-2.0/worker.py"].content; got != "print('work')\n" {
				t.Errorf("%s: url source not unpacked where Kolla puts it: %q", p, got)
			}
		}
		slices.Sort(seen)
		if !slices.Equal(seen, []string{"linux/amd64", "linux/arm64"}) {
			t.Errorf("manifest list platforms %v", seen)
		}
	})

	t.Run("without target a report", func(t *testing.T) {
		out := t.TempDir()
		start := time.Now()
		if _, err := e.build(t, e.planner(t, nil), map[string]string{"build-arg:profile": "demo"},
			[]client.ExportEntry{{Type: client.ExporterLocal, OutputDir: out}}); err != nil {
			t.Fatal(err)
		}
		t.Logf("all images built in %s", time.Since(start).Round(time.Millisecond))
		dt, err := os.ReadFile(filepath.Join(out, ReportFile))
		if err != nil {
			t.Fatal(err)
		}
		var report Report
		if err := json.Unmarshal(dt, &report); err != nil {
			t.Fatalf("report %s: %v", dt, err)
		}
		var names []string
		for _, img := range report.Images {
			names = append(names, img.Name)
			if len(img.Platforms) != 1 || img.Platforms[0].ConfigDigest == "" || img.Platforms[0].LLBDigest == "" {
				t.Errorf("image %q: platforms %+v", img.Name, img.Platforms)
			}
		}
		want := []string{"base", "demo-api", "demo-base", "demo-worker", "openstack-base"}
		if !slices.Equal(names, want) {
			t.Errorf("report lists %v, want %v", names, want)
		}
	})

	t.Run("kolla tree from a named context", func(t *testing.T) {
		// Only the Kolla tree moves: the main context keeps the local sources.
		tree := t.TempDir()
		copyTree(t, filepath.Join(e.context, DefaultKollaDir), tree)
		testenv.WriteFile(t, filepath.Join(tree, "docker", "demo", "demo-api", "api.conf"), "[api]\nfrom = named context\n")
		ref := e.ref("demo-api") + "-named"
		if _, err := e.buildWithDirs(t, e.planner(t, nil), map[string]string{
			"build-arg:target": "demo-api", "context:" + KollaContext: "local:kolla-tree",
		}, pushTo(ref), map[string]string{"kolla-tree": tree}); err != nil {
			t.Fatal(err)
		}
		files := filesOf(t, e.image(t, ref))
		if got := files["etc/demo/api.conf"].content; got != "[api]\nfrom = named context\n" {
			t.Errorf("api.conf = %q, want the named context's", got)
		}
		if got := files["additions/conf/settings.ini"].content; got != "[demo]\nworkers = 2\n" {
			t.Errorf("local addition from the main context = %q", got)
		}
	})

	t.Run("call targets", func(t *testing.T) {
		fs, err := fsutil.NewFS(e.context)
		if err != nil {
			t.Fatal(err)
		}
		var list targets.List
		f := Frontend{Planner: e.planner(t, nil)}
		_, err = e.c.Build(t.Context(), client.SolveOpt{
			FrontendAttrs: map[string]string{"requestid": "frontend.targets", "build-arg:target": "demo-api"},
			LocalMounts:   map[string]fsutil.FS{"context": fs},
		}, "kbk-e2e", func(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
			res, err := f.Build(ctx, c)
			if err == nil {
				err = json.Unmarshal(res.Metadata["result.json"], &list)
			}
			return res, err
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tg := range list.Targets {
			names = append(names, tg.Name)
			if tg.Default != (tg.Name == "demo-api") {
				t.Errorf("target %q: default %v", tg.Name, tg.Default)
			}
		}
		if want := []string{"base", "openstack-base", "demo-base", "demo-api", "demo-worker"}; !slices.Equal(names, want) {
			t.Errorf("targets %v, want %v", names, want)
		}
	})

	t.Run("sbom", func(t *testing.T) {
		scanner := e.pushFakeScanner(t)
		ref := e.ref("demo-api") + "-sbom"
		if _, err := e.build(t, e.planner(t, nil), map[string]string{
			"build-arg:target": "demo-api", "attest:sbom": "generator=" + scanner,
		}, pushTo(ref)); err != nil {
			t.Fatal(err)
		}
		idx, err := remote.Index(parseRef(t, ref))
		if err != nil {
			t.Fatalf("%s with an SBOM is not an index: %v", ref, err)
		}
		manifest, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		var predicates []string
		for _, desc := range manifest.Manifests {
			if desc.Annotations["vnd.docker.reference.type"] != "attestation-manifest" {
				continue
			}
			att, err := idx.Image(desc.Digest)
			if err != nil {
				t.Fatal(err)
			}
			layers, err := att.Layers()
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range layers {
				rc, err := l.Uncompressed()
				if err != nil {
					t.Fatal(err)
				}
				dt, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				predicates = append(predicates, string(dt))
			}
		}
		// The fake scanner names the SBOM after the image's /var/lib/kbk/chain,
		// so the SBOM proves it scanned demo-api with its ancestors' files.
		want := "kbk-fake-scan: base openstack-base demo-base demo-api"
		if !slices.ContainsFunc(predicates, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("no SBOM statement naming %q among %q", want, predicates)
		}
	})

	t.Run("call outline", func(t *testing.T) {
		fs, err := fsutil.NewFS(e.context)
		if err != nil {
			t.Fatal(err)
		}
		var got outline.Outline
		f := Frontend{Planner: e.planner(t, nil)}
		_, err = e.c.Build(t.Context(), client.SolveOpt{
			FrontendAttrs: map[string]string{"requestid": "frontend.outline", "build-arg:profile": "demo", "build-arg:target": "demo-api"},
			LocalMounts:   map[string]fsutil.FS{"context": fs},
		}, "kbk-e2e", func(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
			res, err := f.Build(ctx, c)
			if err == nil {
				err = json.Unmarshal(res.Metadata["result.json"], &got)
			}
			return res, err
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		values := map[string]string{}
		for _, a := range got.Args {
			values[a.Name] = a.Value
		}
		if values[KeyProfile] != "demo" || values[KeyTarget] != "demo-api" || len(values) != 10 {
			t.Errorf("outline args %v", values)
		}
	})

	t.Run("template error reaches the client with its place", func(t *testing.T) {
		tmpl := []byte("FROM {{ namespace }}/base\n{{ kolla_patch_source() }}\n")
		_, err := e.build(t, PlannerFunc(func(context.Context, PlanRequest) (*Plan, error) {
			return nil, WithSource(errors.New(`undefined macro "kolla_patch_source"`), "demo/demo-api/Dockerfile.j2", tmpl, 2, 4)
		}), map[string]string{"build-arg:target": "demo-api"}, nil)
		if err == nil || !strings.Contains(err.Error(), `undefined macro "kolla_patch_source"`) {
			t.Fatalf("error %v", err)
		}
		srcs := errdefs.Sources(err)
		if len(srcs) != 1 || srcs[0].Info.Filename != "demo/demo-api/Dockerfile.j2" || srcs[0].Ranges[0].Start.Line != 2 {
			t.Errorf("error sources %v", srcs)
		}
	})

	t.Run("wrong sha256", func(t *testing.T) {
		wrong := strings.Repeat("0", 64)
		_, err := e.build(t, e.planner(t, func(p *Plan) {
			for i := range p.Images {
				if p.Images[i].Name == "demo-worker" {
					p.Images[i].Sources[0].SHA256 = wrong
				}
			}
		}), map[string]string{"build-arg:target": "demo-worker"}, nil)
		if err == nil {
			t.Fatal("a wrong sha256 built fine")
		}
		for _, want := range []string{`image "demo-worker"`, "digest mismatch", wrong} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})

	t.Run("unknown git reference", func(t *testing.T) {
		_, err := e.build(t, e.planner(t, func(p *Plan) {
			for i := range p.Images {
				if p.Images[i].Name == "demo-base" {
					p.Images[i].Sources[0].Reference = "no-such-branch"
				}
			}
		}), map[string]string{"build-arg:target": "demo-api"}, nil)
		if err == nil {
			t.Fatal("an unknown git reference built fine")
		}
		// The source belongs to demo-base, the parent of the target.
		for _, want := range []string{`image "demo-base"`, "no-such-branch"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})

	t.Run("failing RUN names the image", func(t *testing.T) {
		// The step fails in demo-base while demo-worker is the target: the error
		// names the image whose Dockerfile holds the step, and points at its line.
		_, err := e.build(t, e.planner(t, func(p *Plan) {
			for i := range p.Images {
				if p.Images[i].Name == "demo-base" {
					p.Images[i].Dockerfile = append(p.Images[i].Dockerfile, []byte("\nRUN echo failing on purpose && exit 3\n")...)
				}
			}
		}), map[string]string{"build-arg:target": "demo-worker"}, nil)
		if err == nil {
			t.Fatal("a failing RUN built fine")
		}
		for _, want := range []string{`image "demo-base"`, "exit code: 3"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		var files []string
		for _, src := range errdefs.Sources(err) {
			for _, r := range src.Ranges {
				files = append(files, fmt.Sprintf("%s:%d", src.Info.Filename, r.Start.Line))
			}
		}
		if want := "docker/demo/demo-base/Dockerfile:6"; !slices.Contains(files, want) {
			t.Errorf("error sources %v, want %s", files, want)
		}
	})
}

func parseRef(t *testing.T, ref string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *e2e) image(t *testing.T, ref string) v1.Image {
	t.Helper()
	img, err := remote.Image(parseRef(t, ref))
	if err != nil {
		t.Fatalf("pulling %s: %v", ref, err)
	}
	return img
}

func configOf(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type imageFile struct {
	typeflag byte
	content  string
	linkname string
	mode     int64
	uid, gid int
	mtime    int64
}

// filesOf flattens an image's layers and returns its files by path.
func filesOf(t *testing.T, img v1.Image) map[string]imageFile {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	files := map[string]imageFile{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		f := imageFile{typeflag: hdr.Typeflag, linkname: hdr.Linkname, mode: hdr.Mode, uid: hdr.Uid, gid: hdr.Gid, mtime: hdr.ModTime.Unix()}
		if hdr.Typeflag == tar.TypeReg {
			dt, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			f.content = string(dt)
		}
		files[strings.TrimSuffix(strings.TrimPrefix(hdr.Name, "/"), "/")] = f
	}
	return files
}
