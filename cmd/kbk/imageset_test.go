package main

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// inRegistry backs --skip-existing: a pushed tag exists, another does not.
func TestInRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	pushed := host + "/kolla/base:t"
	ref, err := name.ParseReference(pushed)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for ref, want := range map[string]bool{pushed: true, host + "/kolla/base:other": false, host + "/kolla/nope:t": false} {
		got, err := inRegistry(ctx, ref)
		if err != nil || got != want {
			t.Errorf("inRegistry(%s) = %v, %v; want %v", ref, got, err, want)
		}
	}
}
