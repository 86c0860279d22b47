package render

import (
	"bytes"
	"fmt"
	"github.com/kbk-dev/kbk/internal/testenv"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

// The conformance test renders every image with Python `kolla-build
// --template-only` from the reference venvs and with kbk, and compares the
// Dockerfiles byte for byte: every distro × arch of each release, then the
// override corpus of testdata/.

// corpusCase is one set of kolla-build inputs beyond --base/--base-arch.
type corpusCase struct {
	name       string
	overrides  []string          // files under testdata/overrides
	defaults   map[string]string // [DEFAULT] options of the generated kolla-build.conf
	users      map[string][2]int // <name>-user sections: uid, gid
	env        map[string]string // extra process environment
	dockerDirs []string          // under testdata
	reposYAML  bool              // pass testdata/repos/<flavor>.yaml as repos_yaml
	// combos are the base/arch pairs the case runs on, as distro indexes
	// into the release's distros (negative counts from the end).
	combos []caseCombo
}

type caseCombo struct {
	distro string // "rpm" or "deb": the release's first distro of that kind
	arch   string
}

var corpusCases = []corpusCase{
	{name: "blocks-super", overrides: []string{"01-blocks-super.j2"},
		combos: []caseCombo{{"rpm", "x86_64"}, {"deb", "aarch64"}}},
	{name: "packages", overrides: []string{"02-packages-append-remove.j2", "03-packages-override.j2", "04-pip-packages.j2", "11-customizable-kinds.j2"},
		combos: []caseCombo{{"rpm", "aarch64"}, {"deb", "x86_64"}}},
	{name: "merged-overrides", overrides: []string{"05-merge-first.j2", "06-merge-second.j2", "07-merge-third.j2"},
		combos: []caseCombo{{"deb", "x86_64"}}},
	{name: "users", overrides: []string{"08-users.j2"},
		users:  map[string][2]int{"nova": {51000, 51001}, "keystone": {51002, 51003}},
		combos: []caseCombo{{"deb", "aarch64"}}},
	// Kolla before 17.x fails on a user it does not define; kbk must too.
	{name: "users-new-section", overrides: []string{"08-users.j2"},
		users:  map[string][2]int{"nova": {51000, 51001}, "kbkfork": {52000, 52000}},
		combos: []caseCombo{{"rpm", "x86_64"}}},
	{name: "repos-yaml", reposYAML: true,
		combos: []caseCombo{{"rpm", "x86_64"}, {"deb", "aarch64"}}},
	{name: "patches-path", defaults: map[string]string{"patches_path": "{testdata}/patches"},
		combos: []caseCombo{{"deb", "x86_64"}}},
	{name: "env-proxy", overrides: []string{"09-env-proxy.j2"},
		env:    map[string]string{"http_proxy": "http://proxy.example.invalid:3128", "https_proxy": "http://proxy.example.invalid:3129"},
		combos: []caseCombo{{"deb", "x86_64"}}},
	{name: "naming", overrides: []string{"10-naming.j2", "12-conditionals.j2"},
		defaults: map[string]string{"registry": "registry.example.invalid:5000", "namespace": "kbk", "image_name_prefix": "corpus-",
			"tag": "kbk-1", "maintainer": `Corpus "Maintainer" <kbk@example.invalid>`},
		combos: []caseCombo{{"rpm", "aarch64"}, {"deb", "x86_64"}}},
	{name: "fork-docker-dir", overrides: []string{"13-fork-extends-only.j2"}, dockerDirs: []string{"fork-docker"},
		combos: []caseCombo{{"rpm", "x86_64"}, {"deb", "aarch64"}}},
	{name: "rpm-setup-pip", defaults: map[string]string{"rpm_setup_config": "/srv/kbk/kbk.repo,https://example.invalid/kbk.repo,https://example.invalid/kbk-release.rpm",
		"pip_index_url": "https://pypi.example.invalid/simple", "pip_trusted_host": "pypi.example.invalid", "clean_package_cache": "False",
		"use_dumb_init": "False", "docker_healthchecks": "False"},
		combos: []caseCombo{{"rpm", "x86_64"}}},
}

// run is one Python kolla-build invocation and what it produced.
type run struct {
	release, distro, arch, caseName string
	venv                            string
	c                               corpusCase
	out                             map[string]string // image path → Dockerfile
	err                             error
	elapsed                         time.Duration
}

func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("conformance runs Python kolla-build many times; skipped with -short")
	}
	venvs := referenceVenvs(t)
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	stub := testenv.DockerSDKStub(t)
	var runs []*run
	trees := map[string]*Tree{}
	for _, version := range referenceVersions {
		venv, ok := venvs[version]
		if !ok {
			t.Logf("release %s: no venv, not compared", version)
			continue
		}
		tree, err := LoadTree(venv)
		if err != nil {
			t.Fatalf("release %s: %v", version, err)
		}
		trees[version] = tree
		for _, d := range tree.Distros {
			for _, a := range []string{"x86_64", "aarch64"} {
				runs = append(runs, &run{release: version, distro: d, arch: a, venv: venv})
			}
		}
		for _, c := range corpusCases {
			for _, combo := range c.combos {
				d := distroOfKind(tree, combo.distro)
				runs = append(runs, &run{release: version, distro: d, arch: combo.arch, venv: venv, caseName: c.name, c: c})
			}
		}
	}
	// KBK_CONFORMANCE_CASES=name,name (with "-" for the plain matrix) narrows
	// the runs while working on one case.
	if only := os.Getenv("KBK_CONFORMANCE_CASES"); only != "" {
		keep := map[string]bool{}
		for _, n := range strings.Split(only, ",") {
			keep[n] = true
		}
		var narrowed []*run
		for _, r := range runs {
			if keep[r.caseName] || r.caseName == "" && keep["-"] {
				narrowed = append(narrowed, r)
			}
		}
		runs = narrowed
	}
	// Python runs take seconds each: run two at a time.
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			r.out, r.err = runPythonKolla(t.TempDir(), r, testdata, stub, trees[r.release])
			r.elapsed = time.Since(start)
		}()
	}
	wg.Wait()

	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "release\tcase\tdistro\tarch\tidentical/total\tpython")
	shown := 0
	failed := false
	for _, r := range runs {
		name := r.caseName
		if name == "" {
			name = "-"
		}
		if r.err != nil {
			// Kolla rejecting the inputs is conformance too, if kbk rejects them.
			if kerr := kbkFails(trees[r.release], r, testdata); kerr != nil {
				t.Logf("%s %s %s/%s: both fail; kbk: %v", r.release, name, r.distro, r.arch, kerr)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tboth fail\t%.1fs\n", r.release, name, r.distro, r.arch, r.elapsed.Seconds())
				continue
			}
			failed = true
			t.Errorf("%s %s %s/%s: python kolla-build fails, kbk does not: %v", r.release, name, r.distro, r.arch, r.err)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tPYTHON FAILED\t%.1fs\n", r.release, name, r.distro, r.arch, r.elapsed.Seconds())
			continue
		}
		same, total, diffs := compareRun(t, trees[r.release], r, testdata)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%.1fs\n", r.release, name, r.distro, r.arch, same, total, r.elapsed.Seconds())
		if same != total {
			failed = true
			for _, d := range diffs {
				if shown < 5 {
					t.Errorf("%s %s %s/%s:\n%s", r.release, name, r.distro, r.arch, d)
					shown++
				}
			}
			if shown >= 5 {
				t.Errorf("%s %s %s/%s: %d Dockerfiles differ", r.release, name, r.distro, r.arch, total-same)
			}
		}
	}
	tw.Flush()
	t.Logf("conformance (kbk vs python kolla-build --template-only):\n%s", table.String())
	if failed {
		t.Fail()
	}
}

// kbkFails returns kbk's error for the inputs of r, or nil if every image renders.
func kbkFails(tree *Tree, r *run, testdata string) error {
	opts, err := caseOptions(tree, r, testdata, pythonEnv(r, "", ""))
	if err != nil {
		return err
	}
	rn, err := NewRenderer(tree, opts)
	if err != nil {
		return err
	}
	for _, im := range rn.Images() {
		if _, err := rn.RenderImage(im); err != nil {
			return err
		}
	}
	return nil
}

// distroOfKind picks the release's first distro with the given package type.
func distroOfKind(tree *Tree, kind string) string {
	for _, d := range tree.Distros {
		if v, _ := tree.release.distroValue("base_package_type", d); v == kind {
			return d
		}
	}
	return tree.Distros[0]
}

// caseOptions builds kbk's options for the same inputs the Python run gets.
func caseOptions(tree *Tree, r *run, testdata string, env map[string]string) (Options, error) {
	opts := Options{Base: r.distro, BaseArch: r.arch, Env: env, BuildDate: time.Now().UTC().Format("20060102")}
	for _, o := range r.c.overrides {
		ov, err := ReadOverrides(filepath.Join(testdata, "overrides", o))
		if err != nil {
			return opts, err
		}
		opts.TemplateOverrides = append(opts.TemplateOverrides, ov...)
	}
	for _, d := range r.c.dockerDirs {
		opts.DockerDirs = append(opts.DockerDirs, filepath.Join(testdata, d))
	}
	if r.c.reposYAML {
		opts.ReposYAML = reposFile(tree, testdata)
	}
	for k, v := range r.c.defaults {
		v = strings.ReplaceAll(v, "{testdata}", testdata)
		no := false
		switch k {
		case "registry":
			opts.Registry = v
		case "namespace":
			opts.Namespace = v
		case "image_name_prefix":
			opts.ImageNamePrefix = v
		case "tag":
			opts.Tag = v
		case "maintainer":
			opts.Maintainer = v
		case "patches_path":
			opts.PatchesPath = v
		case "rpm_setup_config":
			opts.RPMSetupConfig = strings.Split(v, ",")
		case "pip_index_url":
			opts.PipIndexURL = v
		case "pip_trusted_host":
			opts.PipTrustedHost = v
		case "clean_package_cache":
			opts.CleanPackageCache = &no
		case "use_dumb_init":
			opts.UseDumbInit = &no
		case "docker_healthchecks":
			opts.DockerHealthchecks = &no
		default:
			return opts, fmt.Errorf("test case option %q has no kbk option", k)
		}
	}
	if len(r.c.users) > 0 {
		opts.Users = map[string]UserOverride{}
		for name, ids := range r.c.users {
			uid, gid := ids[0], ids[1]
			opts.Users[name] = UserOverride{UID: &uid, GID: &gid}
		}
	}
	return opts, nil
}

func reposFile(tree *Tree, testdata string) string {
	if tree.release.repos == reposMerged {
		return filepath.Join(testdata, "repos", "merged.yaml")
	}
	return filepath.Join(testdata, "repos", "by-name.yaml")
}

// pythonEnv is the whole environment of a Python run; kbk gets the same map.
func pythonEnv(r *run, home, stub string) map[string]string {
	env := map[string]string{"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "TZ": "UTC"}
	if m, _ := filepath.Glob(filepath.Join(r.venv, "lib", "python3*", "site-packages", "docker", "__init__.py")); stub != "" && len(m) == 0 {
		env["PYTHONPATH"] = stub
	}
	for k, v := range r.c.env {
		env[k] = v
	}
	return env
}

// runPythonKolla runs kolla-build --template-only and reads the Dockerfiles.
func runPythonKolla(dir string, r *run, testdata, stub string, tree *Tree) (map[string]string, error) {
	conf := &strings.Builder{}
	fmt.Fprintln(conf, "[DEFAULT]")
	for k, v := range r.c.defaults {
		fmt.Fprintf(conf, "%s = %s\n", k, strings.ReplaceAll(v, "{testdata}", testdata))
	}
	if r.c.reposYAML {
		fmt.Fprintf(conf, "repos_yaml = %s\n", reposFile(tree, testdata))
	}
	for name, ids := range r.c.users {
		fmt.Fprintf(conf, "[%s-user]\nuid = %d\ngid = %d\n", name, ids[0], ids[1])
	}
	confFile := filepath.Join(dir, "kolla-build.conf")
	if err := os.WriteFile(confFile, []byte(conf.String()), 0o644); err != nil {
		return nil, err
	}
	confDir := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(confDir, 0o755); err != nil {
		return nil, err
	}
	work := filepath.Join(dir, "work")
	args := []string{"--template-only", "--work-dir", work, "--base", r.distro, "--base-arch", r.arch,
		"--config-file", confFile, "--config-dir", confDir, "--enable-unbuildable"}
	for _, o := range r.c.overrides {
		args = append(args, "--template-override", filepath.Join(testdata, "overrides", o))
	}
	for _, d := range r.c.dockerDirs {
		args = append(args, "--docker-dir", filepath.Join(testdata, d))
	}
	out, err := runPython(10*time.Minute, func(cmd *exec.Cmd) {
		for k, v := range pythonEnv(r, dir, stub) {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Dir = dir
	}, true, filepath.Join(r.venv, "bin", "kolla-build"), args...)
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, lastLines(string(out), 15))
	}
	files := map[string]string{}
	root := filepath.Join(work, "docker")
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "Dockerfile" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	return files, err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// compareRun renders what the Python run rendered and compares.
func compareRun(t *testing.T, tree *Tree, r *run, testdata string) (same, total int, diffs []string) {
	t.Helper()
	opts, err := caseOptions(tree, r, testdata, pythonEnv(r, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	// HOME and PYTHONPATH differ per run and no template reads them.
	opts.Env = pythonEnv(r, "", "")
	rn, err := NewRenderer(tree, opts)
	if err != nil {
		return 0, len(r.out), []string{fmt.Sprintf("kbk: %v", err)}
	}
	paths := make([]string, 0, len(r.out))
	for p := range r.out {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	known := map[string]bool{}
	for _, im := range rn.Images() {
		known[im.Path] = true
	}
	for _, p := range paths {
		total++
		want := r.out[p]
		if !known[p] {
			diffs = append(diffs, fmt.Sprintf("%s: kbk does not know this image", p))
			continue
		}
		got, err := rn.RenderImage(Image{Name: filepath.Base(p), Path: p})
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("%s: kbk: %v", p, err))
			continue
		}
		if got == want {
			same++
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s:\n%s", p, unifiedDiff("python/"+p+"/Dockerfile", "kbk/"+p+"/Dockerfile", want, got)))
	}
	for _, im := range rn.Images() {
		if _, ok := r.out[im.Path]; !ok {
			total++
			diffs = append(diffs, fmt.Sprintf("%s: rendered by kbk but not by python", im.Path))
		}
	}
	return same, total, diffs
}
