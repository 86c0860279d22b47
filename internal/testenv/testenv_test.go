package testenv

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestKollaVersionsIncludesThePinnedRelease(t *testing.T) {
	versions := KollaVersions(t)
	main := Pins(t)["KOLLA_VERSION"]
	if main == "" || !slices.Contains(versions, main) {
		t.Errorf("KOLLA_VERSION %q is not among KOLLA_REFERENCE_VERSIONS %q", main, versions)
	}
}

func TestReadEnvFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "versions.env")
	content := "# comment\n\nA=1\nB=\"x y\"\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["A"] != "1" || got["B"] != "x y" {
		t.Errorf("got %q, want A=1 and B=\"x y\"", got)
	}
	if err := os.WriteFile(path, []byte("A=1\nnot an assignment\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readEnvFile(path); err == nil || err.Error() != path+":2: want NAME=value" {
		t.Errorf("got error %v, want %s:2: want NAME=value", err, path)
	}
}

func TestRefIsUniqueAndValid(t *testing.T) {
	t.Setenv(RegistryEnv, "127.0.0.1:5000")
	a, b := Ref(t, "kbk/x"), Ref(t, "kbk/x")
	if a == b {
		t.Errorf("two calls gave the same reference %s", a)
	}
	if want := "127.0.0.1:5000/kbk/x:testrefisuniqueandvalid-"; len(a) <= len(want) || a[:len(want)] != want {
		t.Errorf("got %s, want prefix %s", a, want)
	}
}
