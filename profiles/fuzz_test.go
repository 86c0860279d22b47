package profiles

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadConf feeds arbitrary root and profile conf files and .env files to
// Load: it may fail, but never panic, and a failure always says where.
func FuzzLoadConf(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.txt"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		a := parseArchive(string(data))
		f.Add(a.content["kolla-build.conf"], a.content["nova/kolla-build.conf"], a.content[".env"])
	}
	root, err := os.ReadFile(filepath.Join("testdata", "seedrepo", ConfFile))
	if err != nil {
		f.Fatal(err)
	}
	nova, err := os.ReadFile(filepath.Join("testdata", "seedrepo", "nova", ConfFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(root), string(nova), "DOCKER_TAG=\"a ${B}\"\nexport B='x'\n")
	f.Add("[DEFAULT]\ntag = $tag\n", "[profiles]\nnova = (?<=a)b\n", "")
	f.Add("[DEFAULT]\nnamespace = ${profiles.nova}\n[profiles]\nnova=a\n", "[nova-base]\ntype=local\nlocation=/\n", "A=\"\n")

	f.Fuzz(func(t *testing.T, rootConf, novaConf, dotenv string) {
		repo := t.TempDir()
		files := map[string]string{ConfFile: rootConf, filepath.Join("nova", ConfFile): novaConf, DotenvFile: dotenv}
		for name, content := range files {
			path := filepath.Join(repo, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, profile := range []string{"", "nova"} {
			p, _, err := Load(repo, LoadOptions{Profile: profile, Env: map[string]string{}, HostArch: "x86_64"})
			if err != nil {
				if err.Error() == "" {
					t.Fatal("empty error message")
				}
				continue
			}
			if _, err := p.Matcher(); err != nil && err.Error() == "" {
				t.Fatal("empty matcher error")
			}
		}
	})
}
