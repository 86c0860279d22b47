package main

// This file turns --cache-from and --cache-to into BuildKit cache import and
// export entries for each image's solve.
//
// kbk build runs one solve per image, all at once. A registry cache export
// writes one manifest per ref, and the solves finish in any order: with one
// shared ref (even with mode=max) the last solve to finish would overwrite the
// others' cache manifests, and siblings would lose theirs. So a registry ref
// gets a per-image tag: ref=R:T becomes R:T-<image> (R:<image> without a
// tag), every image exports its own cache, and every image imports its own
// and its ancestors' (an image new to the cache still finds its parents').

import (
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/moby/buildkit/client"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
)

// cacheSpec is one --cache-from or --cache-to value, parsed.
type cacheSpec struct {
	typ   string
	attrs map[string]string
}

// buildCaches are the parsed --cache-from and --cache-to options.
type buildCaches struct {
	from, to []cacheSpec
}

func parseBuildCaches(from, to []string) (buildCaches, error) {
	var c buildCaches
	var err error
	if c.from, err = parseCacheSpecs("cache-from", from); err != nil {
		return c, err
	}
	c.to, err = parseCacheSpecs("cache-to", to)
	return c, err
}

// parseCacheSpecs parses buildx-style cache options: comma-separated
// key=value pairs with a type (type=registry,ref=host/ns/cache,mode=max); a
// value without '=' is a registry ref. flag names the option in errors.
func parseCacheSpecs(flag string, values []string) ([]cacheSpec, error) {
	var specs []cacheSpec
	for _, v := range values {
		s, err := parseCacheSpec(v)
		if err != nil {
			return nil, fmt.Errorf("--%s %q: %w", flag, v, err)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

func parseCacheSpec(value string) (cacheSpec, error) {
	if strings.TrimSpace(value) == "" {
		return cacheSpec{}, fmt.Errorf("empty cache option")
	}
	if !strings.Contains(value, "=") {
		return cacheSpec{typ: "registry", attrs: map[string]string{"ref": value}}, nil
	}
	fields, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return cacheSpec{}, err
	}
	s := cacheSpec{attrs: map[string]string{}}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			return cacheSpec{}, fmt.Errorf("%q is not key=value", f)
		}
		if k == "type" {
			s.typ = v
			continue
		}
		s.attrs[k] = v
	}
	switch s.typ {
	case "":
		return cacheSpec{}, fmt.Errorf("no type (e.g. type=registry,ref=REF)")
	case "local":
		// A local cache store lives in the client's session; the shared
		// session of kbk build does not offer one.
		return cacheSpec{}, fmt.Errorf("type=local is not supported by kbk build; use type=registry")
	case "registry":
		if s.attrs["ref"] == "" {
			return cacheSpec{}, fmt.Errorf("type=registry needs ref=")
		}
	}
	return s, nil
}

// cacheEntries are the solve's cache entries for one image: registry refs
// tagged per image (see the top of this file), other types unchanged. For
// imports, extra names more images whose registry caches are imported too.
func cacheEntries(specs []cacheSpec, image string, extra ...string) []client.CacheOptionsEntry {
	var out []client.CacheOptionsEntry
	for _, s := range specs {
		if s.typ != "registry" {
			out = append(out, client.CacheOptionsEntry{Type: s.typ, Attrs: cloneAttrs(s.attrs)})
			continue
		}
		for _, name := range append([]string{image}, extra...) {
			attrs := cloneAttrs(s.attrs)
			attrs["ref"] = perImageCacheRef(s.attrs["ref"], name)
			if _, ok := attrs["registry.insecure"]; !ok && isLoopbackRegistry(attrs["ref"]) {
				attrs["registry.insecure"] = "true"
			}
			out = append(out, client.CacheOptionsEntry{Type: s.typ, Attrs: attrs})
		}
	}
	return out
}

// perImageCacheRef tags a cache ref for one image: R → R:image,
// R:T → R:T-image. A ref by digest names one cache and is kept.
func perImageCacheRef(ref, image string) string {
	if strings.Contains(ref, "@") {
		return ref
	}
	repo, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo, tag = ref[:i], ref[i+1:]
	}
	if tag == "" {
		return repo + ":" + image
	}
	return repo + ":" + tag + "-" + image
}

// gatewayCacheImports are cache imports for the gateway's solve requests:
// an in-process build's definitions are solved there, and the daemon uses
// only the imports of each request (SolveOpt.CacheImports reach only a
// frontend, as an option it must read).
func gatewayCacheImports(entries []client.CacheOptionsEntry) []gwclient.CacheOptionsEntry {
	var out []gwclient.CacheOptionsEntry
	for _, e := range entries {
		out = append(out, gwclient.CacheOptionsEntry{Type: e.Type, Attrs: e.Attrs})
	}
	return out
}

func cloneAttrs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
