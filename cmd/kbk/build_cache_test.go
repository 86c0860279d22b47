package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/buildkit/client"
)

func TestParseCacheSpec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want cacheSpec
	}{
		{"registry.example/ns/cache", cacheSpec{"registry", map[string]string{"ref": "registry.example/ns/cache"}}},
		{"type=registry,ref=r.example/c:v1,mode=max", cacheSpec{"registry", map[string]string{"ref": "r.example/c:v1", "mode": "max"}}},
		{`type=gha,scope=kolla,"url=https://x.example/a,b"`, cacheSpec{"gha", map[string]string{"scope": "kolla", "url": "https://x.example/a,b"}}},
		{"type=inline", cacheSpec{"inline", map[string]string{}}},
	} {
		got, err := parseCacheSpec(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(cacheSpec{})); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseCacheSpecErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "empty",
		"ref=r.example/c":         "no type",
		"type=registry":           "needs ref",
		"type=local,dest=/tmp/c":  "type=local is not supported",
		"type=registry,ref=a,bad": `"bad" is not key=value`,
	} {
		_, err := parseBuildCaches(nil, []string{in})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--cache-to") {
			t.Errorf("%q: error %v, want one naming --cache-to and saying %q", in, err, want)
		}
	}
}

func TestCacheEntriesArePerImage(t *testing.T) {
	c, err := parseBuildCaches([]string{"127.0.0.1:5000/ns/cache:v1", "type=gha,scope=s"}, []string{"type=registry,ref=r.example:5000/ns/cache,mode=max"})
	if err != nil {
		t.Fatal(err)
	}
	imports := cacheEntries(c.from, "nova-api", "nova-base", "base")
	want := []client.CacheOptionsEntry{
		{Type: "registry", Attrs: map[string]string{"ref": "127.0.0.1:5000/ns/cache:v1-nova-api", "registry.insecure": "true"}},
		{Type: "registry", Attrs: map[string]string{"ref": "127.0.0.1:5000/ns/cache:v1-nova-base", "registry.insecure": "true"}},
		{Type: "registry", Attrs: map[string]string{"ref": "127.0.0.1:5000/ns/cache:v1-base", "registry.insecure": "true"}},
		{Type: "gha", Attrs: map[string]string{"scope": "s"}},
	}
	if diff := cmp.Diff(want, imports); diff != "" {
		t.Errorf("imports (-want +got):\n%s", diff)
	}
	exports := cacheEntries(c.to, "nova-api")
	wantExports := []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{"ref": "r.example:5000/ns/cache:nova-api", "mode": "max"}}}
	if diff := cmp.Diff(wantExports, exports); diff != "" {
		t.Errorf("exports (-want +got):\n%s", diff)
	}
	if got := perImageCacheRef("r.example/c@sha256:0123", "x"); got != "r.example/c@sha256:0123" {
		t.Errorf("a digest ref became %q", got)
	}
}
