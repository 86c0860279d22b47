package testenv

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Pins returns the variables of hack/versions.env, the one place where the project
// pins its tools and references, so tests never repeat a version.
func Pins(t testing.TB) map[string]string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	pins, err := readEnvFile(filepath.Join(root, "hack", "versions.env"))
	if err != nil {
		t.Fatal(err)
	}
	return pins
}

// KollaVersions returns the pinned Kolla reference releases, newest first.
func KollaVersions(t testing.TB) []string {
	t.Helper()
	v := strings.Fields(Pins(t)["KOLLA_REFERENCE_VERSIONS"])
	if len(v) == 0 {
		t.Fatal("hack/versions.env: KOLLA_REFERENCE_VERSIONS is empty")
	}
	return v
}

// RepoRoot returns the directory holding kbk's go.mod, searching up from the
// working directory (a test runs in its package directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.HasPrefix(string(data), "module github.com/kbk-dev/kbk\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no kbk go.mod above the working directory")
		}
		dir = parent
	}
}

// readEnvFile reads the NAME=value and NAME="value" lines of a shell variables file.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want NAME=value", path, n)
		}
		vars[name] = strings.Trim(value, `"'`)
	}
	return vars, sc.Err()
}
