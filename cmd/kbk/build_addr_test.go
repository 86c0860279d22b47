package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The current buildx builder gives the address when it is a remote one, in
// the files buildx itself writes (see ~/.docker/buildx on a machine with a
// builder made by `docker buildx create --driver remote`).
func TestBuildxAddr(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BUILDX_CONFIG", dir)
	t.Setenv("BUILDX_BUILDER", "")
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if addr, err := buildxAddr(); addr != "" || err != nil {
		t.Errorf("no buildx configuration: %q, %v", addr, err)
	}
	write("current", `{"Key":"unix:///var/run/docker.sock","Name":"kbk","Global":false}`)
	write("instances/kbk", `{"Name":"kbk","Driver":"remote","Nodes":[{"Name":"kbk0","Endpoint":"unix:///tmp/bk.sock"}]}`)
	if addr, err := buildxAddr(); addr != "unix:///tmp/bk.sock" || err != nil {
		t.Errorf("current remote builder: %q, %v", addr, err)
	}
	write("instances/dc", `{"Name":"dc","Driver":"docker-container","Nodes":[{"Name":"dc0","Endpoint":"unix:///var/run/docker.sock"}]}`)
	t.Setenv("BUILDX_BUILDER", "dc")
	if _, err := buildxAddr(); err == nil || !strings.Contains(err.Error(), "docker-container") {
		t.Errorf("docker-container builder: %v", err)
	}
}
