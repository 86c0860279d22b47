package frontend

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// kollaPython returns the python of the reference Kolla venv, or skips.
func kollaPython(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KBK_TEST_VENV_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skip("no home directory to find the Kolla venv in; set KBK_TEST_VENV_DIR")
		}
		dir = filepath.Join(home, ".cache", "kbk", "venv")
	}
	py := filepath.Join(dir, "kolla-23.0.0", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		t.Skipf("reference Kolla venv missing (%s): create it with `make venv` (hack/venv.sh)", py)
	}
	return py
}

// kollaSource is a source as Kolla's build code receives it.
type kollaSource struct {
	Type      string            `json:"type"`
	Source    string            `json:"source"`
	Name      string            `json:"name"`
	Reference string            `json:"reference,omitempty"`
	SHA256    map[string]string `json:"sha256,omitempty"`
	Enabled   bool              `json:"enabled"`
}

// TestArchiveLayoutMatchesKolla builds the same Dockerfile twice on a real
// buildkitd: once on an image folder prepared by Python Kolla's own archive
// code, once on the build context kbk makes in LLB, and compares the two
// filesystems the Dockerfile's ADD lines produce.
func TestArchiveLayoutMatchesKolla(t *testing.T) {
	py := kollaPython(t)
	e := newE2E(t)

	for _, tc := range []struct {
		name    string
		sources []Source
	}{
		{name: "demo-git", sources: []Source{
			{Name: "demo-git", Role: RoleImage, Kind: KindGit, Location: e.gitURL, Reference: "stable/1.0"},
			{Name: "demo-git-plugin-extra", Role: RolePlugin, Kind: KindURL, Location: e.pluginURL, SHA256: e.pluginSHA},
			{Name: "demo-git-plugin-repo", Role: RolePlugin, Kind: KindGit, Location: e.gitURL, Reference: "stable/1.0"},
			{Name: "demo-git-additions-conf", Role: RoleAddition, Kind: KindLocal, Location: "additions/conf"},
		}},
		{name: "demo-url", sources: []Source{
			{Name: "demo-url", Role: RoleImage, Kind: KindURL, Location: e.workerURL, SHA256: e.workerSHA},
			{Name: "demo-url-additions-extra", Role: RoleAddition, Kind: KindURL, Location: e.pluginURL},
		}},
		{name: "demo-local", sources: []Source{
			{Name: "demo-local", Role: RoleImage, Kind: KindLocal, Location: "additions/conf"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mainCtx := t.TempDir()
			copyTree(t, filepath.Join(e.context, "additions"), filepath.Join(mainCtx, "additions"))
			testenv.WriteFile(t, filepath.Join(mainCtx, DefaultKollaDir, "docker", tc.name, "marker.txt"), "from the image folder\n")

			dockerfile := "FROM scratch\n"
			if tc.sources[0].Role == RoleImage {
				dockerfile += "ADD " + tc.name + "-archive /" + tc.name + "-source\n"
			}
			dockerfile += "ADD plugins-archive /\nADD additions-archive /\nCOPY marker.txt /marker.txt\n"

			start := time.Now().Add(-time.Second).Unix()
			kollaRef := e.namespace + "/conformance-kolla-" + tc.name + ":" + e.tag
			kbkRef := e.namespace + "/conformance-kbk-" + tc.name + ":" + e.tag
			e.buildWithKolla(t, py, tc.name, tc.sources, mainCtx, dockerfile, kollaRef)

			plan := &Plan{Images: []PlannedImage{{
				Name: tc.name, Ref: kbkRef, Dockerfile: []byte(dockerfile),
				ContextDir: "docker/" + tc.name, Sources: tc.sources,
			}}}
			saved := e.context
			e.context = mainCtx
			_, err := e.build(t, PlannerFunc(func(_ context.Context, req PlanRequest) (*Plan, error) {
				plan.Platform = req.Platform
				return plan, nil
			}), map[string]string{"build-arg:target": tc.name, "build-arg:no-cache": "true"}, pushTo(kbkRef))
			e.context = saved
			if err != nil {
				t.Fatal(err)
			}

			want, got := filesOf(t, e.image(t, kollaRef)), filesOf(t, e.image(t, kbkRef))
			for _, files := range []map[string]imageFile{want, got} {
				for p := range files {
					if isUnderGitDir(p) {
						// Kolla keeps a full clone, BuildKit a fetch of the one ref.
						delete(files, p)
					}
				}
			}
			for p, w := range want {
				// Entries Kolla's side got at build time (the ADD destination, a
				// directory a tar leaves implicit) carry the time of that build,
				// which no other build reproduces.
				if g, ok := got[p]; ok && w.mtime >= start {
					w.mtime = g.mtime
					want[p] = w
				}
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(imageFile{})); diff != "" {
				t.Errorf("filesystem after ADD differs (-Kolla +kbk):\n%s", diff)
			}
		})
	}
}

func isUnderGitDir(p string) bool {
	return strings.Contains("/"+p+"/", "/.git/") && !strings.HasSuffix(p, ".git")
}

// buildWithKolla prepares an image folder with Kolla's code and builds the
// Dockerfile on it with BuildKit's Dockerfile frontend, pushing ref.
func (e *e2e) buildWithKolla(t *testing.T, py, image string, sources []Source, mainCtx, dockerfile, ref string) {
	t.Helper()
	folder := filepath.Join(t.TempDir(), image)
	copyTree(t, filepath.Join(mainCtx, DefaultKollaDir, "docker", image), folder)
	req := map[string]any{"name": image, "path": folder, "plugins": []kollaSource{}, "additions": []kollaSource{}}
	for _, src := range sources {
		ks := kollaSource{Type: string(src.Kind), Source: src.Location, Name: src.Name, Reference: src.Reference, Enabled: true}
		if src.Kind == KindLocal {
			ks.Source = filepath.Join(mainCtx, filepath.FromSlash(src.Location))
		}
		if src.SHA256 != "" {
			ks.SHA256 = map[string]string{"amd64": src.SHA256}
		}
		switch src.Role {
		case RoleImage:
			req["source"] = ks
		case RolePlugin:
			req["plugins"] = append(req["plugins"].([]kollaSource), ks)
		case RoleAddition:
			req["additions"] = append(req["additions"].([]kollaSource), ks)
		}
	}
	dt, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, filepath.Join("testdata", "kolla_archives.py"))
	cmd.Stdin = bytes.NewReader(dt)
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1", "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Kolla preparing %s: %v\n%s", image, err, out)
	}

	dfDir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dfDir, "Dockerfile"), dockerfile)
	ctxFS, err := fsutil.NewFS(folder)
	if err != nil {
		t.Fatal(err)
	}
	dfFS, err := fsutil.NewFS(dfDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Solve(t.Context(), nil, client.SolveOpt{
		Frontend: "dockerfile.v0",
		// BuildKit's cache keys ignore mtimes: a cached ADD would bring back the
		// mtimes of an earlier build, so both sides build without cache.
		FrontendAttrs: map[string]string{"no-cache": ""},
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		Exports:       pushTo(ref),
	}, nil); err != nil {
		t.Fatalf("building on Kolla's folder: %v", err)
	}
}

// copyTree copies a directory of regular files.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		dt, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), dt, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
