package jinja

import (
	"os"
	"path"
	"strings"
	"testing"
)

// BenchmarkKollaTemplates parses every Kolla 23.0.0 template and renders every
// image template for one distro, as one build of all images would.
func BenchmarkKollaTemplates(b *testing.B) {
	dir := kollaDockerDir(b, "23.0.0")
	names := kollaTemplates(b, dir)
	images := dockerfileTemplates(names)
	ctx := kollaContext(b, dir, names, "rocky")
	fsys := os.DirFS(dir)
	// Read the files once so the benchmark measures the engine, not the disk.
	sources := MapLoader{}
	for _, n := range names {
		src, err := FSLoader(fsys).Load(n)
		if err != nil {
			b.Fatal(err)
		}
		sources[n] = src
	}
	b.Run("parse+render", func(b *testing.B) { benchKolla(b, sources, names, images, ctx, true) })
	b.Run("render", func(b *testing.B) { benchKolla(b, sources, names, images, ctx, false) })
}

// benchKolla renders all images per iteration; with parse, a fresh
// environment parses every template first.
func benchKolla(b *testing.B, sources MapLoader, names, images []string, ctx map[string]any, parse bool) {
	env := NewEnv(sources)
	kollaFuncs(env)
	for _, n := range names {
		if err := env.Parse(n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !parse {
			renderImages(b, env, images, ctx)
			continue
		}
		env := NewEnv(sources)
		kollaFuncs(env)
		for _, n := range names {
			if err := env.Parse(n); err != nil {
				b.Fatal(err)
			}
		}
		renderImages(b, env, images, ctx)
	}
}

func renderImages(b *testing.B, env *Env, images []string, ctx map[string]any) {
	for _, name := range images {
		vars := make(map[string]any, len(ctx)+1)
		for k, v := range ctx {
			vars[k] = v
		}
		vars["image_name"] = path.Base(path.Dir(name))
		if _, err := env.Render(name, vars); err != nil && !strings.Contains(err.Error(), "Failed to find configuration") {
			b.Fatalf("%s: %v", name, err)
		}
	}
}

// BenchmarkLoop measures the per-iteration cost of a for loop.
func BenchmarkLoop(b *testing.B) {
	env := NewEnv(MapLoader{"t": "{% for i in range(1000) %}{{ i }}{% if loop.last %}.{% endif %}{% endfor %}"})
	t, err := env.Template("t")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Render(nil); err != nil {
			b.Fatal(err)
		}
	}
}
