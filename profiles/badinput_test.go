package profiles

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/bad/*.txt")

// archive is a test case file: "-- name --" lines start sections. The
// sections "want" (lines "error: …" and "warning: …") and "options" (lines
// "profile NAME", "sub NAME", "local-sources", "env NAME=VALUE",
// "flag NAME=VALUE", "mkdir PATH", "symlink PATH OUTSIDE-PATH",
// "locals-elsewhere") are
// instructions; every other section is a file of the repository.
type archive struct {
	sections []string
	content  map[string]string
}

func parseArchive(data string) archive {
	a := archive{content: map[string]string{}}
	cur := ""
	for _, line := range strings.SplitAfter(data, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "-- "); ok && strings.HasSuffix(name, " --") {
			cur = strings.TrimSuffix(name, " --")
			a.sections = append(a.sections, cur)
			a.content[cur] = ""
			continue
		}
		if cur != "" {
			a.content[cur] += line
		}
	}
	return a
}

func (a archive) format() string {
	var b strings.Builder
	for _, s := range a.sections {
		b.WriteString("-- " + s + " --\n" + a.content[s])
	}
	return b.String()
}

// setUp writes the repository and returns the load options.
func (a archive) setUp(t *testing.T) (repo string, opts LoadOptions) {
	t.Helper()
	base := t.TempDir()
	repo = filepath.Join(base, "repo")
	outside := filepath.Join(base, "outside")
	for _, dir := range []string{repo, outside} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range a.sections {
		if name == "want" || name == "options" {
			continue
		}
		path := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(a.content[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts = LoadOptions{Env: map[string]string{}, Kolla: BuiltinKollaDefaults(), HostArch: "x86_64"}
	for _, line := range strings.Split(a.content["options"], "\n") {
		verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch verb {
		case "":
		case "profile":
			opts.Profile = arg
		case "sub":
			opts.SubProfile = arg
		case "local-sources":
			on := true
			opts.LocalSources = &on
		case "env":
			k, v, _ := strings.Cut(arg, "=")
			opts.Env[k] = v
		case "flag":
			k, v, _ := strings.Cut(arg, "=")
			opts.Flags = append(opts.Flags, Flag{Name: k, Value: v})
		case "locals-elsewhere":
			opts.LocalsElsewhere = true
		case "mkdir":
			if err := os.MkdirAll(filepath.Join(repo, arg), 0o755); err != nil {
				t.Fatal(err)
			}
		case "symlink":
			link, target, _ := strings.Cut(arg, " ")
			path := filepath.Join(repo, link)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(outside, target), path); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("unknown option line %q", line)
		}
	}
	return repo, opts
}

// TestBadInput loads every testdata/bad case and compares the error and
// warnings with the case's want section, exactly.
func TestBadInput(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("only %d bad-input cases, want at least 30", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			a := parseArchive(string(data))
			repo, opts := a.setUp(t)
			_, warns, err := Load(repo, opts)
			var got []string
			for _, w := range warns {
				got = append(got, "warning: "+w.String())
			}
			sort.Strings(got)
			if err != nil {
				got = append(got, "error: "+err.Error())
			}
			gotText := strings.ReplaceAll(strings.Join(got, "\n"), repo, "$REPO") + "\n"
			if *update {
				a.content["want"] = gotText
				if err := os.WriteFile(file, []byte(a.format()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(a.content["want"], gotText); diff != "" {
				t.Errorf("%s: -want +got\n%s", file, diff)
			}
		})
	}
}
