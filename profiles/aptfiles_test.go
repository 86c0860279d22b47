package profiles

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// apt_sources_list and apt_preferences resolve like repos_yaml: relative to
// the repository, or absolute anywhere on this machine, as kolla-build reads
// them. In a build context only a path inside the repository can be read, and
// the file is not looked for here.
func TestAptFiles(t *testing.T) {
	base := t.TempDir()
	repo, outside := filepath.Join(base, "repo"), filepath.Join(base, "outside")
	writeFile := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(filepath.Join(repo, "apt", "sources.list"), "deb http://mirror.example/debian bookworm main\n")
	writeFile(filepath.Join(outside, "preferences"), "Package: *\nPin-Priority: 100\n")
	prefs := filepath.Join(outside, "preferences")
	writeFile(filepath.Join(repo, ConfFile), "[DEFAULT]\nbase = debian\napt_sources_list = apt/sources.list\n")

	for _, tc := range []struct {
		name      string
		elsewhere bool
		flags     []Flag
		want      []AptFile
	}{
		{
			name: "relative to the repository",
			want: []AptFile{{Option: "apt_sources_list", Path: filepath.Join(repo, "apt", "sources.list"),
				Origin: Origin{Kind: FromFile, Pos: Position{File: ConfFile, Line: 3}}}},
		},
		{
			name:  "absolute outside the repository",
			flags: []Flag{{Name: "apt-preferences", Value: prefs}},
			want: []AptFile{
				{Option: "apt_sources_list", Path: filepath.Join(repo, "apt", "sources.list"),
					Origin: Origin{Kind: FromFile, Pos: Position{File: ConfFile, Line: 3}}},
				{Option: "apt_preferences", Path: prefs, Origin: Origin{Kind: FromFlag, Var: "apt-preferences"}},
			},
		},
		{
			name:      "in a build context, not looked for",
			elsewhere: true,
			flags:     []Flag{{Name: "apt_preferences", Value: "apt/not-here"}},
			want: []AptFile{
				{Option: "apt_sources_list", Path: filepath.Join(repo, "apt", "sources.list"),
					Origin: Origin{Kind: FromFile, Pos: Position{File: ConfFile, Line: 3}}},
				{Option: "apt_preferences", Path: filepath.Join(repo, "apt", "not-here"), Origin: Origin{Kind: FromFlag, Var: "apt-preferences"}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := Load(repo, LoadOptions{Env: map[string]string{}, Kolla: BuiltinKollaDefaults(), HostArch: "x86_64",
				Flags: tc.flags, LocalsElsewhere: tc.elsewhere})
			if err != nil {
				t.Fatal(err)
			}
			// the repository as the loader sees it, symbolic links resolved
			for i := range tc.want {
				if rel, err := filepath.Rel(repo, tc.want[i].Path); err == nil && filepath.IsLocal(rel) {
					tc.want[i].Path = filepath.Join(p.Repo, rel)
				}
			}
			if diff := cmp.Diff(tc.want, p.AptFiles); diff != "" {
				t.Errorf("AptFiles (-want +got):\n%s", diff)
			}
		})
	}
}
