// Package testenv finds the services and reference installs that kbk's integration
// and conformance tests need (buildkitd, a registry, Python Kolla venvs), and skips
// a test with a message saying how to provide them when they are absent.
//
// With KBK_TEST_REQUIRE=1 (set by `make ci`), absence fails the test instead, so CI
// cannot pass by skipping.
package testenv

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Environment variables read by this package.
const (
	BuildkitAddrEnv = "KBK_TEST_BUILDKIT_ADDR" // e.g. unix:///tmp/kbk-bk.x/buildkitd.sock
	RegistryEnv     = "KBK_TEST_REGISTRY"      // host:port of a plain-HTTP registry
	VenvDirEnv      = "KBK_TEST_VENV_DIR"      // directory holding kolla-<version>/ venvs
	RequireEnv      = "KBK_TEST_REQUIRE"       // "1": fail instead of skipping
)

// BuildkitAddr returns the address of the buildkitd for integration tests.
func BuildkitAddr(t testing.TB) string {
	t.Helper()
	return fromEnv(t, BuildkitAddrEnv, "run `make test-e2e`, or `make buildkit-up` and `eval \"$(hack/services.sh env)\"`")
}

// Registry returns host:port of the plain-HTTP registry for integration tests.
func Registry(t testing.TB) string {
	t.Helper()
	return fromEnv(t, RegistryEnv, "run `make test-e2e`, or `make buildkit-up` and `eval \"$(hack/services.sh env)\"`")
}

func fromEnv(t testing.TB, name, howto string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		unavailable(t, fmt.Sprintf("%s is not set: set it or %s", name, howto))
	}
	return v
}

// Buildctl returns the buildctl of the pinned BuildKit: $KBK_BUILDCTL (set by
// hack/with-services.sh), else the one on PATH.
func Buildctl(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("KBK_BUILDCTL"); p != "" {
		return p
	}
	p, err := exec.LookPath("buildctl")
	if err != nil {
		unavailable(t, "no buildctl: set KBK_BUILDCTL (hack/with-services.sh does) or put it on PATH (make tools)")
	}
	return p
}

// NeedTool skips t, or fails it when KBK_TEST_REQUIRE=1, when the program
// name is not on PATH; howto says how to get it.
func NeedTool(t testing.TB, name, howto string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		unavailable(t, fmt.Sprintf("%s is not installed (%s)", name, howto))
	}
}

// NeedBuildx skips t, or fails it when KBK_TEST_REQUIRE=1, when docker
// buildx does not run.
func NeedBuildx(t testing.TB) {
	t.Helper()
	if err := exec.Command("docker", "buildx", "version").Run(); err != nil {
		unavailable(t, "docker buildx is not installed (make tools)")
	}
}

// unavailable skips t, or fails it when KBK_TEST_REQUIRE=1.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1 makes this an error)", msg, RequireEnv)
	}
	t.Skip(msg)
}

// Ref returns a reference to a fresh tag of repo in the test registry, unique per
// call, e.g. "127.0.0.1:5000/kbk/smoke:testsmoke-1732630000123456789-3f2a".
func Ref(t testing.TB, repo string) string {
	t.Helper()
	tag := strings.ToLower(tagUnsafe.ReplaceAllString(t.Name(), "-"))
	tag = strings.Trim(tag, "-.")
	if len(tag) > 80 {
		tag = tag[:80]
	}
	return fmt.Sprintf("%s/%s:%s-%d-%04x", Registry(t), repo, tag, time.Now().UnixNano(), rand.N(1<<16))
}

var tagUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// VenvDir returns the directory holding the reference venvs (kolla-<version>/):
// $KBK_TEST_VENV_DIR, or ~/.cache/kbk/venv.
func VenvDir() string {
	if d := os.Getenv(VenvDirEnv); d != "" {
		return d
	}
	if cache := os.Getenv("KBK_CACHE"); cache != "" {
		return filepath.Join(cache, "venv")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".cache", "kbk", "venv")
	}
	return filepath.Join(home, ".cache", "kbk", "venv")
}

// KollaVenv returns the venv with Python Kolla at version (as pinned in
// hack/versions.env), skipping t when it is not installed.
func KollaVenv(t testing.TB, version string) Venv {
	t.Helper()
	dir := filepath.Join(VenvDir(), "kolla-"+version)
	if _, err := os.Stat(filepath.Join(dir, "bin", "kolla-build")); err != nil {
		unavailable(t, fmt.Sprintf("no Kolla %s venv at %s: run `make venv` (hack/venv.sh) or set %s", version, dir, VenvDirEnv))
	}
	return Venv{Dir: dir, Version: version}
}

// Venv is a Python virtualenv with one Kolla release and Jinja2 installed.
type Venv struct {
	Dir     string
	Version string
}

// Python returns the venv's interpreter.
func (v Venv) Python() string { return filepath.Join(v.Dir, "bin", "python") }

// KollaBuild returns the venv's kolla-build script.
func (v Venv) KollaBuild() string { return filepath.Join(v.Dir, "bin", "kolla-build") }

// DockerDir returns Kolla's template tree (docker/) in the venv: inside the package
// since 23.0.0, under share/kolla/ before.
func (v Venv) DockerDir(t testing.TB) string {
	t.Helper()
	dir, err := KollaDockerDir(v.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// KollaDockerDir finds Kolla's docker/ template tree in a venv.
func KollaDockerDir(venv string) (string, error) {
	candidates, _ := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages", "kolla", "docker"))
	candidates = append(candidates, filepath.Join(venv, "share", "kolla", "docker"))
	for _, c := range candidates {
		if _, err := os.Stat(filepath.Join(c, "base", "Dockerfile.j2")); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("venv %q: no Kolla docker/ tree (looked in %s)", venv, strings.Join(candidates, ", "))
}
