package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kbk list and kbk graph print the loader's warnings on standard error and
// keep standard output for the list or graph.
func TestListAndGraphPrintLoadWarnings(t *testing.T) {
	flags := exampleRepoFlags(t)
	repo := t.TempDir()
	conf := "[DEFAULT]\nbase = debian\nbase-tag = trixie\nfrobnicate = 1\n"
	if err := os.WriteFile(filepath.Join(repo, "kolla-build.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"list"}, {"graph", "--format", "json"}} {
		root := newRootCmd()
		var stdout, stderr bytes.Buffer
		root.SetOut(&stdout)
		root.SetErr(&stderr)
		root.SetArgs(append(args, "--repo", repo, flags[2], flags[3], "^base$"))
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("kbk %s: %v\n%s", args[0], err, stderr.String())
		}
		for _, want := range []string{`kolla-build.conf:3: warning: [DEFAULT] base-tag is ignored`, `kolla-build.conf:4: warning: unknown option "frobnicate"`} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("kbk %s: standard error lacks %q:\n%s", args[0], want, stderr.String())
			}
		}
		if strings.Contains(stdout.String(), "warning") || !strings.Contains(stdout.String(), "base") {
			t.Errorf("kbk %s: standard output:\n%s", args[0], stdout.String())
		}
	}
}
