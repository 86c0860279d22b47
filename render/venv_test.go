package render

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// referenceVersions are the Kolla releases the conformance tests compare
// against, newest first (hack/versions.env pins the same list).
var referenceVersions = []string{"23.0.0", "20.6.0", "16.6.0"}

// venvRoot is where the reference Kolla virtualenvs live.
func venvRoot() string { return testenv.VenvDir() }

// referenceVenvs returns version → venv directory for the installed
// reference venvs, skipping the test when there is none.
func referenceVenvs(t testing.TB) map[string]string {
	t.Helper()
	found := map[string]string{}
	for _, v := range referenceVersions {
		dir := filepath.Join(venvRoot(), "kolla-"+v)
		if fileExists(filepath.Join(dir, "bin", "kolla-build")) {
			found[v] = dir
		}
	}
	if len(found) == 0 {
		t.Skipf("no reference Kolla venvs under %s (set KBK_TEST_VENV_DIR, or create them with `make venv` / hack/venv.sh)", venvRoot())
	}
	return found
}

// runPython runs a reference Python tool with a deadline, so that a hung
// interpreter fails its test instead of the whole test binary. setup may
// set the environment, directory or stdin; combined selects CombinedOutput.
func runPython(limit time.Duration, setup func(*exec.Cmd), combined bool, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if setup != nil {
		setup(cmd)
	}
	if combined {
		return cmd.CombinedOutput()
	}
	return cmd.Output()
}
