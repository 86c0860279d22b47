package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// aptBaseTemplate is the fixture's base image with the two COPY steps of
// Kolla's base template that take the apt files from the build context.
const aptBaseTemplate = `FROM {{ base_image }}:{{ base_distro_tag }}
LABEL kbk.e2e.image="base"
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /var/lib/kbk && echo base > /var/lib/kbk/chain
COPY sources.list /etc/apt/sources.list.d/kolla-custom.list
COPY apt_preferences /etc/apt/preferences.d/kolla-custom
`

// Operator files and the Kolla tree's own, which they must replace.
const (
	kollaSourcesList    = "# Kolla's sources.list: empty\n"
	kollaAptPreferences = "# Kolla's apt_preferences: empty\n"
	aptSourcesList      = "deb http://mirror.example/debian trixie main\n"
	aptPreferences      = "Package: *\nPin: origin mirror.example\nPin-Priority: 900\n"
)

// newAptWorld is the build world with a base template that copies the apt
// files, Kolla's placeholder files next to it, and the operator's files named
// by the root kolla-build.conf: the sources list in the repository, the
// preferences in the repository too when prefsInRepo, else at an absolute
// path elsewhere.
func newAptWorld(t *testing.T, prefsInRepo bool) *buildWorld {
	t.Helper()
	w := newBuildWorld(t)
	baseDir := filepath.Join(w.kollaDir, "docker", "base")
	testenv.WriteFile(t, filepath.Join(baseDir, "Dockerfile.j2"), aptBaseTemplate)
	testenv.WriteFile(t, filepath.Join(baseDir, "sources.list"), kollaSourcesList)
	testenv.WriteFile(t, filepath.Join(baseDir, "apt_preferences"), kollaAptPreferences)
	testenv.WriteFile(t, filepath.Join(w.repo, "apt", "sources.list"), aptSourcesList)
	prefs := "apt/preferences"
	if prefsInRepo {
		testenv.WriteFile(t, filepath.Join(w.repo, "apt", "preferences"), aptPreferences)
	} else {
		prefs = filepath.Join(t.TempDir(), "etc", "kolla", "apt_preferences")
		testenv.WriteFile(t, prefs, aptPreferences)
	}
	w.setDefaults(t, "apt_sources_list = apt/sources.list\napt_preferences = "+prefs+"\n")
	return w
}

// setDefaults adds options to the [DEFAULT] section of the repository's root
// kolla-build.conf.
func (w *buildWorld) setDefaults(t *testing.T, options string) {
	t.Helper()
	conf := filepath.Join(w.repo, "kolla-build.conf")
	dt, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	text := string(dt)
	if !strings.HasPrefix(text, "[DEFAULT]\n") {
		t.Fatalf("%s does not start with [DEFAULT]", conf)
	}
	testenv.WriteFile(t, conf, strings.Replace(text, "[DEFAULT]\n", "[DEFAULT]\n"+options, 1))
}

// checkAptFiles checks that an image holds the operator's apt files where
// Kolla's base template copies them.
func checkAptFiles(t *testing.T, files map[string]string) {
	t.Helper()
	for path, want := range map[string]string{
		"etc/apt/sources.list.d/kolla-custom.list": aptSourcesList,
		"etc/apt/preferences.d/kolla-custom":       aptPreferences,
	} {
		if got := files[path]; got != want {
			t.Errorf("/%s = %q, want the operator's %q", path, got, want)
		}
	}
}

// TestAptFilesBuild builds base with kbk build: apt_sources_list (in the
// repository) and apt_preferences (an absolute path elsewhere, as kolla-build
// allows) replace the base folder's sources.list and apt_preferences, and the
// pushed image holds the operator's files, for base and its children alike.
func TestAptFilesBuild(t *testing.T) {
	w := newAptWorld(t, false)
	tag := "apt-files"
	s, out, err := w.build(t, "^openstack-base$", "--push", "--tag", tag)
	if err != nil {
		t.Fatalf("kbk build: %v\n%s", err, out)
	}
	if len(s.Built) != 2 || len(s.Failed) != 0 {
		t.Fatalf("built %v, failed %v; want base and openstack-base\n%s", s.Built, s.Failed, out)
	}
	for _, name := range []string{"base", "openstack-base"} {
		t.Run(name, func(t *testing.T) { checkAptFiles(t, imageFiles(t, w.pull(t, w.ref(name, tag)))) })
	}
}

// TestAptFilesGateway builds base with the kbk-frontend image from a build
// context holding the repository: the apt files are read from the context.
// A file missing from the context, or outside it, is an error naming the
// option and the conf line.
func TestAptFilesGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kbk-frontend binary; skipped with -short")
	}
	w := newAptWorld(t, true)
	c, err := client.New(t.Context(), w.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	frontendRef := w.pushFrontend(t, c)
	solve := func(ctxDir, tag string, push bool) error {
		t.Helper()
		ctxFS, err := fsutil.NewFS(ctxDir)
		if err != nil {
			t.Fatal(err)
		}
		opt := client.SolveOpt{
			Frontend: "gateway.v0",
			FrontendAttrs: map[string]string{
				"source": frontendRef, "build-arg:target": "base", "build-arg:tag": tag,
			},
			LocalMounts: map[string]fsutil.FS{"context": ctxFS, "dockerfile": ctxFS},
		}
		if push {
			opt.Exports = []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
				"name": w.ref("base", tag), "push": "true", "registry.insecure": "true",
			}}}
		}
		_, err = c.Solve(t.Context(), nil, opt, nil)
		return err
	}

	ctxDir := w.buildContext(t)
	if err := solve(ctxDir, "apt-gateway", true); err != nil {
		t.Fatalf("gateway build: %v", err)
	}
	checkAptFiles(t, imageFiles(t, w.pull(t, w.ref("base", "apt-gateway"))))

	for _, tc := range []struct {
		name, prefs, want string
	}{
		{"missing", "apt/nowhere", `kolla-build.conf:2: [DEFAULT] apt_preferences: "apt/nowhere" does not exist in the build context`},
		{"outside", "/etc/kolla/apt_preferences", `kolla-build.conf:2: [DEFAULT] apt_preferences: "/etc/kolla/apt_preferences" is outside the repository, the build context the frontend reads it from`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, ctxDir, dir, nil)
			testenv.WriteFile(t, filepath.Join(dir, "kolla-build.conf"), strings.Replace(readTestFile(t, filepath.Join(ctxDir, "kolla-build.conf")),
				"apt_preferences = apt/preferences\n", "", 1))
			testenv.WriteFile(t, filepath.Join(dir, "kolla-build.conf"), strings.Replace(readTestFile(t, filepath.Join(dir, "kolla-build.conf")),
				"[DEFAULT]\n", "[DEFAULT]\napt_preferences = "+tc.prefs+"\n", 1))
			err := solve(dir, "apt-"+tc.name, false)
			t.Logf("gateway build: %v", err)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("gateway build: %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
}

func readTestFile(t *testing.T, path string) string {
	t.Helper()
	dt, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(dt)
}
