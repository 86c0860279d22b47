package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
)

// TestBuildRegistryCache exports every image's cache to a registry
// (--cache-to, one tag per image), drops this test's records from the
// daemon's cache, and builds again with --cache-from: every step comes from
// the imported cache. It runs on the benchmark's synthetic tree (3 images).
func TestBuildRegistryCache(t *testing.T) {
	p := benchProfile{name: "cache", parents: map[string]string{"base": "", "bench-a": "base", "bench-b": "base"}}
	w := newBenchWorld(t, p)
	nonce := fmt.Sprintf("cache-%d", time.Now().UnixNano())
	cache := w.registry + "/" + w.namespace + "/cache"

	run := w.kbk(t, nonce, "one", "--cache-to", "type=registry,ref="+cache+",mode=max")
	if len(run.summary.Built) != 3 {
		t.Fatalf("built %d images, want 3\n%s", len(run.summary.Built), run.out)
	}
	r, err := name.NewRepository(cache, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(r)
	if err != nil {
		t.Fatalf("listing the cache tags: %v", err)
	}
	if want := []string{"base", "bench-a", "bench-b"}; !sameSet(tags, want) {
		t.Errorf("cache tags %v, want one per image %v", tags, want)
	}

	// Only this test's steps (their commands carry the nonce): other tests
	// may share the daemon.
	if err := w.c.Prune(t.Context(), nil, client.PruneAll, client.WithFilter([]string{"description~=" + nonce})); err != nil {
		t.Fatal(err)
	}
	run = w.kbk(t, nonce, "two")
	if ran := ranSteps(run.out); len(ran) != 3 {
		t.Fatalf("without --cache-from after the prune, images that ran steps: %v; want all 3 (the prune missed)\n%s", ran, run.out)
	}
	if err := w.c.Prune(t.Context(), nil, client.PruneAll, client.WithFilter([]string{"description~=" + nonce})); err != nil {
		t.Fatal(err)
	}
	run = w.kbk(t, nonce, "three", "--cache-from", cache)
	if ran := ranSteps(run.out); len(ran) != 0 {
		t.Errorf("with --cache-from, images that ran steps: %v; want none\n%s", ran, run.out)
	}
}
