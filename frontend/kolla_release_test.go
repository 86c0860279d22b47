package frontend

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// TestConvertKollaRelease converts every image of the newest Kolla release, as
// Python kolla-build renders it for Debian, into LLB without a daemon: every
// real Dockerfile converts, every parent is linked (only the distribution's
// base image is ever resolved), and children inherit their parents' config.
func TestConvertKollaRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("renders Kolla with Python kolla-build (~30 s); skipped with -short")
	}
	py := kollaPython(t)
	work := t.TempDir()
	cmd := exec.Command(filepath.Join(filepath.Dir(py), "kolla-build"), "--template-only", "--work-dir", work, "--base", "debian")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+testenv.DockerSDKStub(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kolla-build --template-only: %v\n%s", err, out)
	}
	plan := planFromRenderedTree(t, work)
	if len(plan.Images) < 100 {
		t.Fatalf("only %d images rendered", len(plan.Images))
	}

	resolver := &fakeResolver{}
	start := time.Now()
	convs, err := Convert(context.Background(), fakeGateway{}, plan, ConvertOptions{
		Kolla:        LocalTree{Name: "context", Root: DefaultKollaDir, Options: []llb.LocalOption{llb.SessionID("s")}},
		Local:        LocalTree{Name: "context", Options: []llb.LocalOption{llb.SessionID("s")}},
		MetaResolver: resolver,
	})
	if err != nil {
		t.Fatal(err)
	}
	converted := time.Since(start)
	for _, conv := range convs {
		if _, err := conv.State.Marshal(context.Background()); err != nil {
			t.Fatalf("image %q: %v", conv.Name, err)
		}
	}
	t.Logf("%d Kolla images: converted in %s, converted and marshalled in %s",
		len(convs), converted.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	// Only the FROM of images without a parent in the plan may reach a registry.
	var bases []string
	for _, img := range plan.Images {
		if img.Parent == "" {
			named, err := reference.ParseNormalizedNamed(string(fromLine.FindSubmatch(img.Dockerfile)[1]))
			if err != nil {
				t.Fatal(err)
			}
			bases = append(bases, reference.TagNameOnly(named).String())
		}
	}
	slices.Sort(bases)
	slices.Sort(resolver.resolved)
	if resolved := slices.Compact(resolver.resolved); !slices.Equal(resolved, slices.Compact(bases)) {
		t.Errorf("resolved through a registry: %v, want only the distribution's base %v", resolved, slices.Compact(bases))
	}
	for _, img := range plan.Images {
		if img.Parent == "" {
			continue
		}
		parentEnv, env := convs[img.Parent].Image.Config.Env, convs[img.Name].Image.Config.Env
		for _, e := range parentEnv {
			// A child may set a variable again; its name must still be there.
			name, _, _ := strings.Cut(e, "=")
			if !slices.ContainsFunc(env, func(c string) bool { return strings.HasPrefix(c, name+"=") }) {
				t.Errorf("image %q lost %s of its parent %q", img.Name, name, img.Parent)
			}
		}
	}
}

var (
	fromLine    = regexp.MustCompile(`(?m)^FROM\s+(\S+)`)
	archiveLine = regexp.MustCompile(`(?m)^ADD\s+(\S+)-archive\s`)
)

// planFromRenderedTree plans a kolla-build work directory: one image per
// Dockerfile, parents from FROM lines, an url source for each image archive the
// Dockerfile adds (never fetched: conversion only).
func planFromRenderedTree(t *testing.T, work string) *Plan {
	t.Helper()
	type rendered struct {
		dir, from string
		df        []byte
	}
	images := map[string]rendered{}
	err := filepath.WalkDir(filepath.Join(work, "docker"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.Name() != "Dockerfile" {
			return err
		}
		df, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(work, filepath.Dir(p))
		if err != nil {
			return err
		}
		m := fromLine.FindSubmatch(df)
		if m == nil {
			t.Fatalf("%s: no FROM", p)
		}
		images[filepath.Base(rel)] = rendered{dir: filepath.ToSlash(rel), from: string(m[1]), df: df}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	plan := &Plan{Platform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}}
	for name, r := range images {
		img := PlannedImage{Name: name, Ref: "kolla/" + name + ":t", ContextDir: r.dir, Dockerfile: r.df}
		repo, _, _ := strings.Cut(r.from, ":")
		if parent, ok := strings.CutPrefix(repo, "kolla/"); ok {
			if _, known := images[parent]; !known {
				t.Fatalf("image %q: FROM %s is not a rendered image", name, r.from)
			}
			img.Parent, img.ParentRef = parent, r.from
		}
		sc := bufio.NewScanner(bytes.NewReader(r.df))
		for sc.Scan() {
			m := archiveLine.FindStringSubmatch(sc.Text() + " ")
			if m == nil || m[1] == "plugins" || m[1] == "additions" {
				continue
			}
			img.Sources = append(img.Sources, Source{Name: m[1], Role: RoleImage, Kind: KindURL,
				Location: "https://tarballs.example/" + path.Base(m[1]) + ".tar.gz"})
		}
		plan.Images = append(plan.Images, img)
	}
	return plan
}
