package render

import "testing"

// BenchmarkRenderAll renders every image of the newest reference release for
// one distro, the Go half of `make bench` (the lead compares it with Python).
func BenchmarkRenderAll(b *testing.B) {
	venv, ok := referenceVenvs(b)[referenceVersions[0]]
	if !ok {
		b.Skipf("no venv for Kolla %s", referenceVersions[0])
	}
	tree, err := LoadTree(venv)
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Base: "rocky", BaseArch: "x86_64"}
	b.ResetTimer()
	for b.Loop() {
		rn, err := NewRenderer(tree, opts)
		if err != nil {
			b.Fatal(err)
		}
		for _, im := range rn.Images() {
			if _, err := rn.RenderImage(im); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(tree.Images)), "images/op")
}

// BenchmarkRenderAllWarm is BenchmarkRenderAll with the Renderer (and its
// parsed templates) reused, as kbk build does for every platform.
func BenchmarkRenderAllWarm(b *testing.B) {
	venv, ok := referenceVenvs(b)[referenceVersions[0]]
	if !ok {
		b.Skipf("no venv for Kolla %s", referenceVersions[0])
	}
	tree, err := LoadTree(venv)
	if err != nil {
		b.Fatal(err)
	}
	rn, err := NewRenderer(tree, Options{Base: "rocky", BaseArch: "x86_64"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, im := range rn.Images() {
			if _, err := rn.RenderImage(im); err != nil {
				b.Fatal(err)
			}
		}
	}
}
