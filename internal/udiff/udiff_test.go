package udiff

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gnuDiff runs diff -u (minimal) on two texts, or skips without diffutils.
func gnuDiff(t *testing.T, old, new string) string {
	t.Helper()
	bin, err := exec.LookPath("diff")
	if err != nil {
		t.Skip("no diff(1) to compare with")
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(a, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(new), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-u", "-d", "--label", "a/Dockerfile", "--label", "b/Dockerfile", a, b).Output()
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
		t.Fatal(err)
	}
	return string(out)
}

// TestUnifiedMatchesDiff compares with diff -u on edits whose script is
// unambiguous, byte for byte.
func TestUnifiedMatchesDiff(t *testing.T) {
	base := "FROM kolla/base:1\nLABEL a=1\nRUN one\nRUN two\nRUN three\nRUN four\nRUN five\nRUN six\nRUN seven\nRUN eight\nRUN nine\nRUN ten\nUSER nova"
	for name, tc := range map[string]struct{ old, new string }{
		"change first":        {base, strings.Replace(base, "kolla/base:1", "kolla/base:2", 1)},
		"change last":         {base, strings.Replace(base, "USER nova", "USER root", 1)},
		"insert middle":       {base, strings.Replace(base, "RUN five\n", "RUN five\nRUN five and a half\n", 1)},
		"delete middle":       {base, strings.Replace(base, "RUN six\n", "", 1)},
		"two hunks":           {base, strings.Replace(strings.Replace(base, "LABEL a=1", "LABEL a=2", 1), "RUN ten", "RUN 10", 1)},
		"merged hunks":        {base, strings.Replace(strings.Replace(base, "RUN two", "RUN 2", 1), "RUN seven", "RUN 7", 1)},
		"final newline added": {base, base + "\n"},
		"empty old":           {"", "FROM x\nRUN y\n"},
		"empty new":           {"FROM x\nRUN y", ""},
	} {
		t.Run(name, func(t *testing.T) {
			want := gnuDiff(t, tc.old, tc.new)
			if got := Unified("a/Dockerfile", "b/Dockerfile", tc.old, tc.new, DefaultContext); got != want {
				t.Errorf("got:\n%s\nwant (diff -u):\n%s", got, want)
			}
		})
	}
}

// apply rebuilds both texts from an edit script.
func apply(ops []Op) (old, new string) {
	var a, b strings.Builder
	for _, op := range ops {
		if op.Kind != Insert {
			a.WriteString(op.Line)
		}
		if op.Kind != Delete {
			b.WriteString(op.Line)
		}
	}
	return a.String(), b.String()
}

// TestEditsMinimal checks on random texts that the script rebuilds both
// texts and changes as few lines as diff --minimal does.
func TestEditsMinimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randText := func() string {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(string(rune('a'+rng.IntN(4))) + "\n")
		}
		return b.String()
	}
	for i := range 200 {
		old, new := randText(), randText()
		ops := Edits(splitLines(old), splitLines(new))
		if a, b := apply(ops); a != old || b != new {
			t.Fatalf("case %d: script rebuilds %q, %q from %q, %q", i, a, b, old, new)
		}
		changed := 0
		for _, op := range ops {
			if op.Kind != Equal {
				changed++
			}
		}
		want := 0
		for _, l := range strings.Split(gnuDiff(t, old, new), "\n") {
			if (strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+")) && !strings.HasPrefix(l, "---") && !strings.HasPrefix(l, "+++") {
				want++
			}
		}
		if changed != want {
			t.Errorf("case %d: %d changed lines, diff --minimal has %d\nold %q\nnew %q", i, changed, want, old, new)
		}
	}
}

func TestUnifiedEqual(t *testing.T) {
	if got := Unified("a", "b", "x\n", "x\n", 3); got != "" {
		t.Errorf("equal texts give %q", got)
	}
}

// FuzzEdits checks that every edit script rebuilds both texts.
func FuzzEdits(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd")
	f.Add("", "x\n")
	f.Fuzz(func(t *testing.T, old, new string) {
		if a, b := apply(Edits(splitLines(old), splitLines(new))); a != old || b != new {
			t.Fatalf("script rebuilds %q, %q", a, b)
		}
		_ = Unified("a", "b", old, new, DefaultContext)
	})
}
