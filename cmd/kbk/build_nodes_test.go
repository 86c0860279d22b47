package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/kbk-dev/kbk/frontend"
	"github.com/kbk-dev/kbk/plan"
)

// Platforms go to the first node declared for them, as buildx sends them;
// one no node builds goes to the first node.
func TestPickNode(t *testing.T) {
	p := func(s string) ocispecs.Platform {
		os, arch, _ := strings.Cut(s, "/")
		arch, variant, _ := strings.Cut(arch, "/")
		return ocispecs.Platform{OS: os, Architecture: arch, Variant: variant}
	}
	nodes := [][]ocispecs.Platform{
		{p("linux/amd64")},
		{p("linux/arm64"), p("linux/arm/v7")},
		{p("linux/arm64"), p("linux/s390x")},
	}
	for _, c := range []struct {
		platform string
		want     int
	}{
		{"linux/amd64", 0},
		{"linux/arm64", 1},
		{"linux/arm64/v8", 1}, // the same platform, spelled out
		{"linux/arm/v7", 1},
		{"linux/s390x", 2},
		{"linux/ppc64le", 0},
		{"linux/arm/v6", 0}, // a v7 node may run v6, but buildx sends it where declared
	} {
		if got := pickNode(nodes, p(c.platform)); got != c.want {
			t.Errorf("%s went to node %d, want %d", c.platform, got, c.want)
		}
	}
}

// The tag of an image built over several nodes indexes each node's part:
// a manifest (described by the exporter, or only by digest) gets its part's
// platform; an index pushed for several platforms gives its entries.
func TestWriteIndex(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	repo, err := name.NewRepository(strings.TrimPrefix(srv.URL, "http://") + "/kolla/nova-api")
	if err != nil {
		t.Fatal(err)
	}
	push := func(t *testing.T) (v1.Image, v1.Hash) {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(repo.Digest(d.String()), img); err != nil {
			t.Fatal(err)
		}
		return img, d
	}
	amd, amdDigest := push(t)
	_, armDigest := push(t)
	amdSize, _ := amd.Size()
	amdType, _ := amd.MediaType()
	desc, _ := json.Marshal(ocispecs.Descriptor{MediaType: string(amdType), Digest: digest.Digest(amdDigest.String()), Size: amdSize})
	sub, err := random.Index(64, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	subDigest, _ := sub.Digest()
	if err := remote.WriteIndex(repo.Digest(subDigest.String()), sub); err != nil {
		t.Fatal(err)
	}
	subManifest, _ := sub.IndexManifest()

	parts := []partPush{
		{platforms: []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}}, digest: amdDigest.String(), descriptor: base64.StdEncoding.EncodeToString(desc)},
		{platforms: []ocispecs.Platform{{OS: "linux", Architecture: "arm64"}}, digest: armDigest.String()},
		{platforms: []ocispecs.Platform{{OS: "linux", Architecture: "s390x"}, {OS: "linux", Architecture: "ppc64le"}}, digest: subDigest.String()},
	}
	ref := repo.Tag("2026.2").String()
	got, err := writeIndex(context.Background(), ref, parts)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(repo.Tag("2026.2"))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := idx.Digest(); d.String() != got {
		t.Errorf("writeIndex returned %s, the registry has %s", got, d)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var digests []string
	for _, d := range m.Manifests {
		digests = append(digests, d.Digest.String())
	}
	want := []string{amdDigest.String(), armDigest.String()}
	for _, d := range subManifest.Manifests {
		want = append(want, d.Digest.String())
	}
	if !slices.Equal(digests, want) {
		t.Fatalf("index entries %v, want %v", digests, want)
	}
	if p := m.Manifests[0].Platform; p == nil || p.Architecture != "amd64" {
		t.Errorf("first entry's platform %+v, want linux/amd64", p)
	}
	if p := m.Manifests[1].Platform; p == nil || p.Architecture != "arm64" {
		t.Errorf("second entry's platform %+v, want linux/arm64", p)
	}
	if m.Manifests[1].Size == 0 || m.Manifests[1].MediaType == "" {
		t.Errorf("the entry known only by digest was not completed from the registry: %+v", m.Manifests[1])
	}

	// A part that pushed one manifest for two platforms is refused.
	bad := []partPush{{platforms: parts[2].platforms, digest: amdDigest.String()}}
	if _, err := writeIndex(context.Background(), repo.Tag("bad").String(), bad); err == nil {
		t.Error("one manifest for two platforms was indexed")
	}
}

// An image that failed on one node is not tagged, though the other node
// pushed its part; an image every node built is tagged with both parts.
func TestMergePartsTagsOnlyWholeImages(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	ref := func(image string) string { return host + "/kolla/" + image + ":2026.2" }
	pushed := func(t *testing.T, image string) string {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		r, err := name.NewDigest(host + "/kolla/" + image + "@" + d.String())
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(r, img); err != nil {
			t.Fatal(err)
		}
		return d.String()
	}
	planFor := func(arch string) *frontend.Plan {
		return &frontend.Plan{Platform: ocispecs.Platform{OS: "linux", Architecture: arch}, Images: []frontend.PlannedImage{
			{Name: "base", Ref: ref("base"), Dockerfile: []byte("FROM debian:bookworm\n"), ContextDir: "docker/base"},
			{Name: "nova-api", Ref: ref("nova-api"), Parent: "base", ParentRef: "kolla/base:2026.2", Dockerfile: []byte("FROM kolla/base:2026.2\n"), ContextDir: "docker/nova/nova-api"},
		}}
	}
	bp := &buildPlan{plans: []*frontend.Plan{planFor("amd64"), planFor("arm64")}, images: make([]*plan.Images, 2), push: true}
	job := func(image string, err error) *imageJob {
		j := &imageJob{name: image, ref: ref(image), attempts: 1}
		if err == nil {
			j.digest = pushed(t, image)
		}
		j.err = err
		return j
	}
	var results []partResult
	for i, failing := range []string{"", "nova-api"} {
		part := &nodePart{node: buildNode{Name: "node" + string(rune('0'+i))}, platforms: []int{i}}
		part.bp = bp.part(part.platforms)
		jobs := map[string]*imageJob{}
		for _, image := range []string{"base", "nova-api"} {
			var err error
			if image == failing {
				err = errors.New("process \"/bin/sh -c false\" did not complete successfully")
			}
			jobs[image] = job(image, err)
		}
		results = append(results, partResult{part: part, res: &sessionResult{names: []string{"base", "nova-api"}, jobs: jobs}})
	}
	names, jobs, err := mergeParts(context.Background(), bp, results)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"base", "nova-api"}) {
		t.Errorf("names %v", names)
	}
	if j := jobs["base"]; j.err != nil || j.digest == "" {
		t.Errorf("base: %v, digest %q", j.err, j.digest)
	}
	if j := jobs["nova-api"]; j.err == nil || !strings.Contains(j.err.Error(), "linux/arm64") {
		t.Errorf("nova-api: %v, want the arm64 part's failure", j.err)
	}
	idx, err := remote.Index(mustTag(t, ref("base")))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := idx.IndexManifest(); len(m.Manifests) != 2 {
		t.Errorf("base's index has %d entries, want 2", len(m.Manifests))
	}
	if _, err := remote.Head(mustTag(t, ref("nova-api"))); err == nil {
		t.Error("nova-api failed on arm64, yet its tag was written")
	}
}

func mustTag(t *testing.T, ref string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

// A part of a build over several nodes labels its jobs and keys its
// registry caches with its platforms, pushes by digest and names the
// platform in progress; a build on one daemon does none of that.
func TestPartOfPlan(t *testing.T) {
	plans := []*frontend.Plan{
		{Platform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}},
		{Platform: ocispecs.Platform{OS: "linux", Architecture: "arm64"}},
	}
	bp := &buildPlan{plans: plans, images: make([]*plan.Images, 2), push: true}
	if bp.jobLabel("nova-api") != "nova-api" || bp.cacheKey("nova-api") != "nova-api" || bp.byDigest {
		t.Errorf("one daemon: label %q, cache key %q, by digest %v", bp.jobLabel("nova-api"), bp.cacheKey("nova-api"), bp.byDigest)
	}
	part := bp.part([]int{1})
	if got := part.jobLabel("nova-api"); got != "nova-api linux/arm64" {
		t.Errorf("job label %q", got)
	}
	if got := part.cacheKey("nova-api"); got != "nova-api-linux-arm64" {
		t.Errorf("cache key %q", got)
	}
	if !part.byDigest || !part.labelPlatforms || len(part.plans) != 1 || part.plans[0].Platform.Architecture != "arm64" {
		t.Errorf("part: by digest %v, label platforms %v, plans %d", part.byDigest, part.labelPlatforms, len(part.plans))
	}
	got := cacheEntries([]cacheSpec{{typ: "registry", attrs: map[string]string{"ref": "registry.example.org/kolla/cache:2026.2"}}}, part.cacheKey("nova-api"))
	if len(got) != 1 || got[0].Attrs["ref"] != "registry.example.org/kolla/cache:2026.2-nova-api-linux-arm64" {
		t.Errorf("cache entries %+v", got)
	}
}
