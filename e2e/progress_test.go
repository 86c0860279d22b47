package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProgressThroughAChildsFailure: a child whose source cannot be fetched
// fails at once, while its parent is still building. The display shows the
// parent's step to its end from the parent's own build (not as cancelled by
// the child's), the child's error, and a summary with the parent built.
func TestProgressThroughAChildsFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds; skipped with -short")
	}
	p := benchProfile{name: "progress", parents: map[string]string{"base": "", "bench-child": "base"}, changed: "bench-child"}
	w := newBenchWorld(t, p)
	conf := filepath.Join(w.repo, "kolla-build.conf")
	dt, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing listens on port 1: the download fails as soon as it starts.
	broken := strings.Replace(string(dt), "type = local\nlocation = "+w.sourceDir(p),
		"type = url\nlocation = http://127.0.0.1:1/gone.tar.gz", 1)
	if broken == string(dt) {
		t.Fatalf("no local source to replace in %s:\n%s", conf, dt)
	}
	writeBenchFile(t, conf, broken)

	nonce := fmt.Sprintf("progress-%d", time.Now().UnixNano())
	run, err := w.runKbk(t, nonce, nonce)
	out := run.out
	t.Logf("kbk build: %v\n%s", err, out)
	if err == nil {
		t.Fatal("kbk build succeeded with a source nobody serves")
	}
	s := run.summary
	if len(s.Built) != 1 || s.Built[0].Name != "base" || len(s.Failed) != 1 || s.Failed[0].Name != "bench-child" {
		t.Errorf("summary: built %v, failed %v; want base built, bench-child failed", s.Built, s.Failed)
	}
	if ran := ranSteps(out); len(ran) != 1 || ran[0] != "base" {
		t.Errorf("images whose RUN step the display shows done: %v; want [base]", ran)
	}
	if !strings.Contains(out, "[bench-child] [kbk] download http://127.0.0.1:1/gone.tar.gz") {
		t.Errorf("the display does not show the child's failed download")
	}
	if strings.Contains(out, "CANCELED") {
		t.Errorf("the display shows a step cancelled; only the child's download failed")
	}
}
