package frontend

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/render"
)

// contextActions lists, in order, the actions of the file op that makes a
// build context: copies (by destination and the source op's identifier),
// removals, and created files with their mode, mtime and content.
func contextActions(t *testing.T, st llb.State) []string {
	t.Helper()
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ops := map[digest.Digest]*pb.Op{}
	var last *pb.Op
	for _, dt := range def.Def[:len(def.Def)-1] {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		ops[digest.FromBytes(dt)] = &op
		last = &op
	}
	f := last.GetFile()
	if f == nil {
		t.Fatalf("the context's last op is not a file op: %v", last)
	}
	var out []string
	for _, a := range f.Actions {
		switch {
		case a.GetCopy() != nil:
			src := "?"
			if a.SecondaryInput >= 0 && int(a.SecondaryInput) < len(last.Inputs) {
				if in := ops[digest.Digest(last.Inputs[a.SecondaryInput].Digest)]; in != nil && in.GetSource() != nil {
					src = in.GetSource().Identifier
				}
			}
			out = append(out, fmt.Sprintf("copy %s:%s -> %s", src, a.GetCopy().Src, a.GetCopy().Dest))
		case a.GetRm() != nil:
			out = append(out, fmt.Sprintf("rm %s (allow not found %v)", a.GetRm().Path, a.GetRm().AllowNotFound))
		case a.GetMkfile() != nil:
			mk := a.GetMkfile()
			out = append(out, fmt.Sprintf("mkfile %s %o mtime %d: %q", mk.Path, mk.Mode, mk.Timestamp, mk.Data))
		case a.GetMkdir() != nil:
			out = append(out, "mkdir "+a.GetMkdir().Path)
		}
	}
	return out
}

// The planner's files replace the Kolla tree's in the image's context: they
// are written after the image folder is copied, with Kolla's mode and mtime.
func TestContextFilesReplaceKollaFiles(t *testing.T) {
	p := offlinePlan()
	base := imageOf(t, p, "base")
	base.Files = []ContextFile{
		{Name: "sources.list", Data: []byte("deb http://mirror.example/debian bookworm main\n")},
		{Name: "apt_preferences", Data: []byte("Package: *\nPin-Priority: 100\n")},
	}
	st, err := imageContext(base, offlineOptions(nil).Kolla, offlineOptions(nil).Local)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"copy local://context:/kolla-docker/docker/base -> /",
		`rm /apt_preferences (allow not found true)`,
		`mkfile /apt_preferences 644 mtime 0: "Package: *\nPin-Priority: 100\n"`,
		`rm /sources.list (allow not found true)`,
		`mkfile /sources.list 644 mtime 0: "deb http://mirror.example/debian bookworm main\n"`,
		"mkdir /plugins-archive/plugins",
		"mkdir /additions-archive/additions",
	}
	if diff := cmp.Diff(want, contextActions(t, st)); diff != "" {
		t.Errorf("base build context (-want +got):\n%s", diff)
	}
	convs := convertPlan(t, p)
	if !containsAll(vertexDigests(t, convs["base"].State), vertexDigests(t, st)) {
		t.Error("the converted base image does not use its build context")
	}
	for _, bad := range []string{"", "..", "etc/sources.list"} {
		p := offlinePlan("base")
		p.Images[0].Files = []ContextFile{{Name: bad}}
		if _, err := p.Ordered(); err == nil {
			t.Errorf("context file %q: the plan validates", bad)
		}
	}
}

// aptRepo writes a configuration repository whose kolla-build.conf names
// an apt sources list inside it (relative) and apt preferences outside it
// (absolute, as kolla-build allows), and a second one without them. It returns
// both and the files' contents.
func aptRepo(t *testing.T) (repo, plain, sourcesList, preferences string) {
	t.Helper()
	base := t.TempDir()
	repo, plain = filepath.Join(base, "repo"), filepath.Join(base, "plain")
	sourcesList = "deb http://mirror.example/debian bookworm main\n"
	preferences = "Package: *\nPin: origin mirror.example\nPin-Priority: 900\n"
	prefsPath := filepath.Join(base, "etc", "kolla", "apt_preferences")
	for path, content := range map[string]string{
		filepath.Join(repo, "apt", "sources.list"): sourcesList,
		prefsPath:                                preferences,
		filepath.Join(repo, "kolla-build.conf"):  "[DEFAULT]\nbase = debian\napt_sources_list = apt/sources.list\napt_preferences = " + prefsPath + "\n",
		filepath.Join(plain, "kolla-build.conf"): "[DEFAULT]\nbase = debian\n",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return repo, plain, sourcesList, preferences
}

// planRepo plans openstack-base and its ancestors of repo for x86_64.
func planRepo(t *testing.T, tree *render.Tree, repo string) (*plan.Images, *Plan) {
	t.Helper()
	cfg, err := plan.Load(plan.Request{Repo: repo, Env: map[string]string{}, Tree: tree, Patterns: []string{"^openstack-base$"}})
	if err != nil {
		t.Fatal(err)
	}
	im, err := cfg.ForArch(context.Background(), "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	p, err := PlanFromImages(cfg, im, ocispecs.Platform{OS: "linux", Architecture: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	return im, p
}

// apt_sources_list and apt_preferences give the base image, and only it, the
// operator's files as sources.list and apt_preferences of its build context,
// where Kolla's base template copies them from; the rendered Dockerfiles do
// not change.
func TestAptFilesInBaseContext(t *testing.T) {
	tree, err := render.LoadTree(pinnedKolla(t))
	if err != nil {
		t.Fatal(err)
	}
	repo, plain, sourcesList, preferences := aptRepo(t)
	im, p := planRepo(t, tree, repo)
	plainIm, _ := planRepo(t, tree, plain)
	if diff := cmp.Diff(plainIm.Dockerfiles, im.Dockerfiles); diff != "" {
		t.Errorf("the apt options change rendered Dockerfiles (-without +with):\n%s", diff)
	}
	var names []string
	for _, img := range p.Images {
		names = append(names, img.Name)
		if img.Name != "base" && len(img.Files) > 0 {
			t.Errorf("image %q gets context files %v; only base does", img.Name, img.Files)
		}
	}
	if !slices.Contains(names, "base") {
		t.Fatalf("planned %v, want base among them", names)
	}
	kolla := LocalTree{Name: "kbk-kolla", Options: []llb.LocalOption{llb.SessionID("s")}}
	local := LocalTree{Name: "kbk-repo", Options: []llb.LocalOption{llb.SessionID("s")}}
	st, err := imageContext(imageOf(t, p, "base"), kolla, local)
	if err != nil {
		t.Fatal(err)
	}
	got := contextActions(t, st)
	want := []string{
		"copy local://kbk-kolla:/base -> /",
		`rm /apt_preferences (allow not found true)`,
		fmt.Sprintf("mkfile /apt_preferences 644 mtime 0: %q", preferences),
		`rm /sources.list (allow not found true)`,
		fmt.Sprintf("mkfile /sources.list 644 mtime 0: %q", sourcesList),
	}
	if len(got) < len(want) || !cmp.Equal(want, got[:len(want)]) {
		t.Errorf("base build context starts with\n%q\nwant\n%q", got, want)
	}
	// The files the operator's replace are those Kolla's base template copies.
	df := im.Dockerfiles["base"]
	for _, line := range []string{
		"COPY sources.list /etc/apt/sources.list.d/kolla-custom.list",
		"COPY apt_preferences /etc/apt/preferences.d/kolla-custom",
	} {
		if !slices.Contains(strings.Split(df, "\n"), line) {
			t.Errorf("the rendered base Dockerfile has no line %q", line)
		}
	}
}

// With the same configuration, kolla-build --template-only renders the same
// Dockerfiles and leaves in its working copy of the base folder the same
// sources.list and apt_preferences that kbk puts in the base image's context.
func TestAptFilesLikeKolla(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kolla-build")
	}
	venv := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	tree, err := render.LoadTree(pinnedKolla(t))
	if err != nil {
		t.Fatal(err)
	}
	repo, _, _, _ := aptRepo(t)
	im, p := planRepo(t, tree, repo)
	work := t.TempDir()
	cmd := venv.KollaBuildCmd(t, "--template-only", "--work-dir", work, "--base-arch", "x86_64",
		"--config-file", filepath.Join(repo, "kolla-build.conf"), "^openstack-base$")
	cmd.Dir = repo // kolla-build reads a relative path from its working directory
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kolla-build: %v\n%s", err, out)
	}
	for _, name := range []string{"base", "openstack-base"} {
		want, err := os.ReadFile(filepath.Join(work, "docker", im.Paths[name], "Dockerfile"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(im.Dockerfiles[name], "\n")); diff != "" {
			t.Errorf("%s differs (-kolla +kbk):\n%s", name, diff)
		}
	}
	files := map[string]string{}
	for _, f := range imageOf(t, p, "base").Files {
		files[f.Name] = string(f.Data)
	}
	for _, name := range []string{"sources.list", "apt_preferences"} {
		want, err := os.ReadFile(filepath.Join(work, "docker", "base", name))
		if err != nil {
			t.Fatal(err)
		}
		if files[name] != string(want) {
			t.Errorf("base context %s = %q, kolla-build's = %q", name, files[name], want)
		}
	}
}
