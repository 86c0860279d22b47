package frontend

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/render"
)

// pinnedKolla returns the pinned Kolla release's venv package directory
// (site-packages/kolla).
func pinnedKolla(t *testing.T) string {
	t.Helper()
	v := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	pkgs, _ := filepath.Glob(filepath.Join(v.Dir, "lib", "python3*", "site-packages", "kolla"))
	if len(pkgs) == 0 {
		t.Skipf("no Kolla package in %s (make venv)", v.Dir)
	}
	return pkgs[0]
}

// nova plans the repository's example nova profile against tree for arm64.
func nova(t *testing.T, tree *render.Tree) (*plan.Config, *plan.Images, *Plan) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := plan.Load(plan.Request{Repo: root, Profile: "nova", Env: map[string]string{}, Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	im, err := cfg.ForArch(context.Background(), "aarch64")
	if err != nil {
		t.Fatal(err)
	}
	p, err := PlanFromImages(cfg, im, ocispecs.Platform{OS: "linux", Architecture: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, im, p
}

// The plan holds the selected images in build order, with the rendered
// Dockerfiles, the image folders, parents as the graph links them and the
// profile's enabled sources resolved for arm64.
func TestPlanFromImagesNova(t *testing.T) {
	pkg := pinnedKolla(t)
	tree, err := render.LoadTree(pkg)
	if err != nil {
		t.Fatal(err)
	}
	cfg, im, p := nova(t, tree)
	if _, err := p.Ordered(); err != nil {
		t.Fatalf("the plan does not validate: %v", err)
	}
	var names []string
	for _, img := range p.Images {
		names = append(names, img.Name)
	}
	if want := im.Selection.BuildOrder(); !slices.Equal(names, want) {
		t.Fatalf("images %v, want the selection's build order %v", names, want)
	}
	for _, img := range p.Images {
		if string(img.Dockerfile) != im.Dockerfiles[img.Name] {
			t.Errorf("%s: Dockerfile is not the rendered one", img.Name)
		}
		if img.ContextDir != im.Paths[img.Name] {
			t.Errorf("%s: context dir %q, want %q (relative to the template directory)", img.Name, img.ContextDir, im.Paths[img.Name])
		}
		if img.Ref != im.Naming.Ref(img.Name) {
			t.Errorf("%s: ref %q", img.Name, img.Ref)
		}
		parent, ok := im.Graph.Parent(img.Name)
		gi, _ := im.Graph.Image(img.Name)
		switch {
		case ok && img.Parent != parent:
			t.Errorf("%s: parent %q, want %q", img.Name, img.Parent, parent)
		case ok && img.ParentRef != gi.From:
			t.Errorf("%s: parent ref %q, want the FROM %q", img.Name, img.ParentRef, gi.From)
		case !ok && img.Parent != "":
			t.Errorf("%s: parent %q outside the graph", img.Name, img.Parent)
		}
		if !strings.Contains(string(img.Dockerfile), "FROM "+img.ParentRef) {
			t.Errorf("%s: the Dockerfile has no FROM %s", img.Name, img.ParentRef)
		}
		if img.Labels["org.opencontainers.image.title"] != img.Name {
			t.Errorf("%s: labels %v", img.Name, img.Labels)
		}
		main, plugins, additions := cfg.Profile.SourcesOf(img.Name)
		want := len(plugins) + len(additions)
		if main != nil {
			want++
		}
		if len(img.Sources) != want {
			t.Errorf("%s: %d sources, the profile has %d enabled", img.Name, len(img.Sources), want)
		}
		if main == nil {
			continue
		}
		got := img.Sources[0]
		if got.Role != RoleImage || got.Name != img.Name || string(got.Kind) != main.Type || got.Reference != main.Reference {
			t.Errorf("%s: image source %+v, profile %+v", img.Name, got, main)
		}
		if main.Type == "url" && got.SHA256 != strings.ToLower(main.SHA256["arm64"]) {
			t.Errorf("%s: sha256 %q, want the arm64 one %q", img.Name, got.SHA256, main.SHA256["arm64"])
		}
	}
	if !slices.ContainsFunc(p.Images, func(img PlannedImage) bool { return len(img.Sources) > 0 }) {
		t.Error("no image of the nova profile has a source")
	}
}

// A tree loaded from a file system, as the gateway loads the build context,
// keeps its template directory in the context paths.
func TestPlanFromImagesFSTree(t *testing.T) {
	pkg := pinnedKolla(t)
	if _, err := os.Stat(filepath.Join(pkg, "docker", "base", "Dockerfile.j2")); err != nil {
		t.Skip("this Kolla release keeps its templates outside the package")
	}
	tree, err := render.LoadTreeFS(os.DirFS(filepath.Dir(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	_, im, p := nova(t, tree)
	for _, img := range p.Images {
		if want := path.Join("kolla/docker", im.Paths[img.Name]); img.ContextDir != want {
			t.Errorf("%s: context dir %q, want %q", img.Name, img.ContextDir, want)
		}
	}
}

// Labels the Dockerfile sets itself are not overridden.
func TestKollaLabelsKeepTheDockerfiles(t *testing.T) {
	df := "FROM x\nLABEL org.opencontainers.image.title=\"mine\"\n"
	labels := kollaLabels("nova-api", df, graph.Naming{Tag: "2026.2"}, "")
	if _, ok := labels["org.opencontainers.image.title"]; ok {
		t.Errorf("title set over the Dockerfile's: %v", labels)
	}
	if labels["org.opencontainers.image.version"] != "2026.2" {
		t.Errorf("version label %q", labels["org.opencontainers.image.version"])
	}
	if _, ok := labels["org.opencontainers.image.authors"]; ok {
		t.Error("authors without a maintainer")
	}
}

func TestGatewayFileFilters(t *testing.T) {
	for rel, want := range map[string]bool{
		"docker/base/Dockerfile.j2":         true,
		"docker/macros.j2":                  true,
		"docker/base/start.sh":              false,
		"docker/base/sources.list.py":       false,
		"kolla/common/config.py":            true,
		"kolla/common/sources.yaml":         true,
		"kolla/tests/test_build.py":         false,
		"kolla/__pycache__/x.py":            false,
		"kolla/docker/base/Dockerfile.j2":   true,
		"kolla/docker/base/healthcheck.yml": false,
	} {
		if got := isKollaDataFile(rel); got != want {
			t.Errorf("isKollaDataFile(%q) = %v", rel, got)
		}
	}
	for name, want := range map[string]bool{
		"kolla-build.conf": true, ".env": true, "aarch64.env": true, "kolla-template-overrides.j2": true,
		"kolla-build.local-sources.conf": true, "README.md": false, "Dockerfile": false,
	} {
		if got := isConfigFile(name); got != want {
			t.Errorf("isConfigFile(%q) = %v", name, got)
		}
	}
}
