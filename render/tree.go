package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Tree is a Kolla tree: the Dockerfile templates (the docker/ directory) and
// the data Kolla's Python package holds about them.
type Tree struct {
	// Docker is the template tree (Kolla's docker/ directory).
	Docker fs.FS
	// DockerDir and PythonDir say where the two parts were found, for messages.
	DockerDir, PythonDir string

	Version                  string // Kolla's package version ("23.0.0")
	OpenStackRelease         string // OPENSTACK_RELEASE ("2026.2")
	OpenStackReleaseCodename string // OPENSTACK_RELEASE_CODENAME, empty before 21.x
	Distros                  []string
	Arches                   []string
	DefaultBaseImages        map[string]BaseImage // DEFAULT_BASE_TAGS
	DistroPrettyNames        map[string]string    // DISTRO_PRETTY_NAME
	Sources                  []Source             // in Kolla's order
	Users                    []User               // in Kolla's order
	// Unbuildable maps a "<distro>+<arch>"-style key to image names
	// (UNBUILDABLE_IMAGES); callers match keys against the build.
	Unbuildable map[string][]string
	Profiles    []Profile // Kolla's default [profiles]
	Images      []Image   // every directory holding a Dockerfile.j2, sorted by path

	release *release
}

// BaseImage is one entry of DEFAULT_BASE_TAGS.
type BaseImage struct{ Name, Tag string }

// Source is one entry of Kolla's SOURCES.
type Source struct {
	Name      string
	Type      string // url, git, local
	Location  string
	Reference string
	Enabled   bool
	Version   string
	SHA256    map[string]string
}

// User is one entry of Kolla's USERS, named without the "-user" suffix.
type User struct {
	Name     string
	UID, GID int
	Group    string
}

// Profile is one of Kolla's default image profiles.
type Profile struct {
	Name   string
	Images []string
}

// Image is a directory of the template tree holding a Dockerfile.j2.
type Image struct {
	Name string // last path element, as Kolla names images
	Path string // slash-separated, relative to the template tree root
}

// LoadTree loads a Kolla tree from dir, which may be a Kolla source checkout
// (docker/ next to the kolla/ package), a kolla-docker/ directory laid out
// the same way, an installed kolla package directory, a site-packages
// directory, or a virtualenv/prefix where pip put the templates under
// share/kolla/docker.
func LoadTree(dir string) (*Tree, error) {
	return LoadTreeWithPython(dir, "")
}

// LoadTreeWithPython is LoadTree with the directory of Kolla's Python package
// given explicitly, for template trees that do not carry it (a bare docker/
// copy). An empty pythonDir searches around dir.
func LoadTreeWithPython(dir, pythonDir string) (*Tree, error) {
	dockerDir, err := findDockerDir(dir)
	if err != nil {
		return nil, err
	}
	if pythonDir == "" {
		if pythonDir, err = findPythonDir(dir, dockerDir); err != nil {
			return nil, err
		}
	} else if !isKollaPackage(pythonDir) {
		return nil, fmt.Errorf("%q is not Kolla's python package (no common/config.py and image/kolla_worker.py)", pythonDir)
	}
	t := &Tree{Docker: os.DirFS(dockerDir), DockerDir: dockerDir, PythonDir: pythonDir}
	if err := t.load(os.DirFS(pythonDir), pythonDir); err != nil {
		return nil, err
	}
	t.Version = packageVersion(pythonDir)
	return t, nil
}

// LoadTreeFS loads a tree from a file system holding a Kolla source tree
// (docker/ and kolla/ at the top) or a site-packages directory (kolla/ with
// kolla/docker inside), as a build context does.
func LoadTreeFS(fsys fs.FS) (*Tree, error) {
	var docker fs.FS
	dockerName := ""
	for _, dir := range []string{"docker", "kolla/docker"} {
		if _, err := fs.Stat(fsys, dir+"/base/Dockerfile.j2"); err == nil {
			sub, err := fs.Sub(fsys, dir)
			if err != nil {
				return nil, err
			}
			docker, dockerName = sub, dir
			break
		}
	}
	if docker == nil {
		return nil, fmt.Errorf("no docker/base/Dockerfile.j2 or kolla/docker/base/Dockerfile.j2 in the Kolla tree")
	}
	if _, err := fs.Stat(fsys, "kolla/common/config.py"); err != nil {
		return nil, fmt.Errorf("no kolla/common/config.py (Kolla's python package) in the Kolla tree: %w", err)
	}
	py, err := fs.Sub(fsys, "kolla")
	if err != nil {
		return nil, err
	}
	t := &Tree{Docker: docker, DockerDir: dockerName, PythonDir: "kolla", Version: fsPackageVersion(fsys)}
	if err := t.load(py, "kolla"); err != nil {
		return nil, err
	}
	return t, nil
}

// dockerDirCandidates lists, in order, where Kolla's templates may be
// relative to the directory the user named.
var dockerDirCandidates = []string{
	".", "docker", "kolla/docker", "share/kolla/docker", "local/share/kolla/docker",
	"lib/python3*/site-packages/kolla/docker",
	"../../../../share/kolla/docker", // from <prefix>/lib/pythonX/site-packages/kolla
	"../../../share/kolla/docker",    // from <prefix>/lib/pythonX/site-packages
}

func findDockerDir(dir string) (string, error) {
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("kolla tree: %w", err)
	}
	for _, c := range dockerDirCandidates {
		matches, _ := filepath.Glob(filepath.Join(dir, c))
		sort.Strings(matches)
		for _, m := range matches {
			// Kolla itself recognises the template tree by its base image.
			if fileExists(filepath.Join(m, "base", "Dockerfile.j2")) {
				return filepath.Clean(m), nil
			}
		}
	}
	return "", fmt.Errorf("no Kolla templates (docker/base/Dockerfile.j2) found in %q or the usual places under it", dir)
}

var pythonDirCandidates = []string{
	"kolla", ".", "..", "lib/python3*/site-packages/kolla", "../../lib/python3*/site-packages/kolla",
	"../../../lib/python3*/site-packages/kolla", "../kolla",
}

func findPythonDir(dir, dockerDir string) (string, error) {
	for _, base := range []string{dir, dockerDir} {
		for _, c := range pythonDirCandidates {
			matches, _ := filepath.Glob(filepath.Join(base, c))
			sort.Strings(matches)
			for _, m := range matches {
				if isKollaPackage(m) {
					return filepath.Clean(m), nil
				}
			}
		}
	}
	return "", fmt.Errorf("templates found in %q but not Kolla's python package (kolla/common/config.py) next to them; "+
		"pass the package directory too (e.g. <venv>/lib/python3.X/site-packages/kolla)", dockerDir)
}

func isKollaPackage(dir string) bool {
	return fileExists(filepath.Join(dir, "common", "config.py")) &&
		fileExists(filepath.Join(dir, "image", "kolla_worker.py"))
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// packageVersion finds the version pip recorded next to the package
// (kolla-X.dist-info/METADATA, or PKG-INFO of an egg or sdist).
func packageVersion(pythonDir string) string {
	return fsPackageVersion(os.DirFS(filepath.Dir(pythonDir)))
}

// fsPackageVersion is packageVersion on the directory holding kolla/.
// Kolla's own pbr falls back to git for a checkout without metadata; kbk
// leaves the version empty then (Options.KollaVersion sets it).
func fsPackageVersion(parent fs.FS) string {
	for _, pattern := range []string{"kolla-*.dist-info/METADATA", "kolla-*.egg-info/PKG-INFO", "kolla.egg-info/PKG-INFO", "PKG-INFO"} {
		matches, _ := fs.Glob(parent, pattern)
		for _, m := range matches {
			data, err := fs.ReadFile(parent, m)
			if err != nil {
				continue
			}
			for _, line := range strings.Split(string(data), "\n") {
				if v, ok := strings.CutPrefix(line, "Version: "); ok {
					return strings.TrimSpace(v)
				}
			}
		}
	}
	return ""
}

// load reads Kolla's python data and lists the images of the template tree.
func (t *Tree) load(py fs.FS, pyName string) error {
	rel, err := loadRelease(py, pyName)
	if err != nil {
		return err
	}
	t.release = rel
	if err := t.loadData(py, pyName); err != nil {
		return err
	}
	images, err := findImages(t.Docker)
	if err != nil {
		return fmt.Errorf("%s: %w", t.DockerDir, err)
	}
	t.Images = images
	return nil
}

// findImages lists every directory holding a Dockerfile.j2.
func findImages(fsys fs.FS) ([]Image, error) {
	var images []Image
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "Dockerfile.j2" {
			dir := path.Dir(p)
			if dir == "." {
				return nil
			}
			images = append(images, Image{Name: path.Base(dir), Path: dir})
		}
		return nil
	})
	sort.Slice(images, func(i, j int) bool { return images[i].Path < images[j].Path })
	return images, err
}

// Image returns the image named name.
func (t *Tree) Image(name string) (Image, bool) {
	for _, im := range t.Images {
		if im.Name == name {
			return im, true
		}
	}
	return Image{}, false
}

func readFSFile(fsys fs.FS, name string) (string, bool, error) {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return string(data), true, nil
}
