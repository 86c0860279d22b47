package render

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// BenchmarkRenderAll renders every image of the newest reference release for
// one distro, the Go half of `make bench` (the lead compares it with Python).
func BenchmarkRenderAll(b *testing.B) {
	tree, _ := newestTree(b)
	opts := Options{Base: "rocky", BaseArch: "x86_64"}
	b.ResetTimer()
	for b.Loop() {
		rn, err := NewRenderer(tree, opts)
		if err != nil {
			b.Fatal(err)
		}
		renderEvery(b, rn)
	}
	b.ReportMetric(float64(len(tree.Images)), "images/op")
}

// BenchmarkRenderAllWarm is BenchmarkRenderAll with the Renderer (and its
// parsed templates) reused, as kbk build does for every platform.
func BenchmarkRenderAllWarm(b *testing.B) {
	tree, _ := newestTree(b)
	rn, err := NewRenderer(tree, Options{Base: "rocky", BaseArch: "x86_64"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		renderEvery(b, rn)
	}
}

// BenchmarkRenderVsKolla renders all images of the newest reference release
// for one distro with kbk and with Python kolla-build --template-only, side by
// side in each iteration, and reports both times and their ratio (`make bench`;
// the goal is kbk at least 50 times faster).
func BenchmarkRenderVsKolla(b *testing.B) {
	tree, venvDir := newestTree(b)
	venv := testenv.Venv{Dir: venvDir, Version: referenceVersions[0]}
	conf := filepath.Join(b.TempDir(), "empty.conf") // keeps /etc/kolla out
	if err := os.WriteFile(conf, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	var kolla, kbk time.Duration
	for b.Loop() {
		cmd := venv.KollaBuildCmd(b, "--config-file", conf, "--template-only", "--work-dir", b.TempDir(),
			"--base", "debian", "--base-arch", "x86_64")
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("kolla-build: %v\n%s", err, out)
		}
		kolla += time.Since(start)

		start = time.Now()
		rn, err := NewRenderer(tree, Options{Base: "debian", BaseArch: "x86_64"})
		if err != nil {
			b.Fatal(err)
		}
		renderEvery(b, rn)
		kbk += time.Since(start)
	}
	b.ReportMetric(kolla.Seconds()/float64(b.N), "kolla-s/op")
	b.ReportMetric(kbk.Seconds()*1000/float64(b.N), "kbk-ms/op")
	b.ReportMetric(float64(kolla)/float64(kbk), "speedup")
}

// newestTree loads the newest reference release's tree and returns it with
// its venv, skipping the benchmark without one.
func newestTree(b *testing.B) (*Tree, string) {
	b.Helper()
	venv, ok := referenceVenvs(b)[referenceVersions[0]]
	if !ok {
		b.Skipf("no venv for Kolla %s", referenceVersions[0])
	}
	tree, err := LoadTree(venv)
	if err != nil {
		b.Fatal(err)
	}
	return tree, venv
}

// renderEvery renders every image of rn.
func renderEvery(b *testing.B, rn *Renderer) {
	b.Helper()
	for _, im := range rn.Images() {
		if _, err := rn.RenderImage(im); err != nil {
			b.Fatal(err)
		}
	}
}
