package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// KollaBuildCmd returns a kolla-build command of the venv, ready to run with
// --template-only (or any option that needs no container engine): kolla-build
// imports the docker Python SDK before it looks at its options, so the
// command's PYTHONPATH starts with a stand-in module that refuses to connect.
func (v Venv) KollaBuildCmd(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(v.KollaBuild(), args...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+DockerSDKStub(t), "PYTHONDONTWRITEBYTECODE=1")
	return cmd
}

// DockerSDKStub writes the stand-in `docker` Python module into a temporary
// directory and returns that directory, for PYTHONPATH.
func DockerSDKStub(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"__init__.py": "__version__ = '0'\nfrom docker import errors, utils\n\n\n" +
			"class DockerClient:\n    def __init__(self, *args, **kwargs):\n" +
			"        raise errors.DockerException('kbk tests run no container engine')\n\n\n" +
			"APIClient = DockerClient\n",
		"errors.py": "class DockerException(Exception):\n    pass\n",
		"utils.py":  "def kwargs_from_env():\n    return {}\n",
	}
	pkg := filepath.Join(dir, "docker")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
