package testenv

// Files the tests write: fixtures, executables and source tarballs.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// WriteFile writes content to path, making its directory.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	writeFile(t, path, []byte(content), 0o644)
}

// CopyExecutable copies the file from to to, executable.
func CopyExecutable(t testing.TB, from, to string) {
	t.Helper()
	dt, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, dt, 0o755)
}

func writeFile(t testing.TB, path string, dt []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, dt, mode); err != nil {
		t.Fatal(err)
	}
}

// TarGz makes a source tarball as upstream projects publish them: the files
// in name order, with one fixed time, so the same files give the same bytes.
func TarGz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		content := files[name]
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// SHA256Hex is the hex SHA-256 of dt, as Kolla's sha256 source option
// spells it.
func SHA256Hex(dt []byte) string {
	sum := sha256.Sum256(dt)
	return hex.EncodeToString(sum[:])
}
