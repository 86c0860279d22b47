package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/kbk-dev/kbk/render/jinja"
)

// Renderer renders the Dockerfiles of one tree with one set of options. It
// parses each template once and is safe for concurrent use.
type Renderer struct {
	tree     *Tree
	opts     Options
	env      *jinja.Env
	worker   *worker
	images   []Image
	override *mergedOverride // nil without template overrides
}

// NewRenderer prepares rendering tree with opts.
func NewRenderer(tree *Tree, opts Options) (*Renderer, error) {
	c, err := tree.resolve(opts)
	if err != nil {
		return nil, err
	}
	w, err := tree.newWorker(c, opts)
	if err != nil {
		return nil, err
	}
	loader := &treeLoader{layers: []fs.FS{tree.Docker}}
	images := tree.Images
	if len(opts.DockerDirs) > 0 {
		// Kolla copies each --docker-dir over its working copy of the tree.
		seen := map[string]Image{}
		for _, im := range images {
			seen[im.Path] = im
		}
		for _, d := range opts.DockerDirs {
			layer := os.DirFS(d)
			loader.layers = append([]fs.FS{layer}, loader.layers...)
			extra, err := findImages(layer)
			if err != nil {
				return nil, fmt.Errorf("docker dir %q: %w", d, err)
			}
			for _, im := range extra {
				seen[im.Path] = im
			}
		}
		images = make([]Image, 0, len(seen))
		for _, im := range seen {
			images = append(images, im)
		}
		sort.Slice(images, func(i, j int) bool { return images[i].Path < images[j].Path })
	}
	rn := &Renderer{tree: tree, opts: opts, worker: w, images: images}
	if len(opts.TemplateOverrides) > 0 {
		rn.override = mergeOverrides(opts.TemplateOverrides)
		loader.extra = map[string]string{rn.override.name: rn.override.source}
	}
	var userRepos []byte
	if p := c.str("repos_yaml"); p != "" {
		if userRepos, err = os.ReadFile(p); err != nil {
			return nil, fmt.Errorf("repos_yaml: %w", err)
		}
	}
	repos, err := newRepos(tree.release, userRepos, c.str("repos_yaml"))
	if err != nil {
		return nil, err
	}
	rn.env = jinja.NewEnv(loader)
	functions := map[string]jinja.Func{
		"customizable":           customizable,
		"debian_package_install": debianPackageInstall,
		"handle_repos":           repos.handleRepos,
		"cleanup_repos":          repos.cleanupRepos,
		"raise_error":            raiseError,
	}
	for _, name := range tree.release.filters {
		f, ok := functions[name]
		if !ok {
			return nil, fmt.Errorf("kolla_worker.py registers filter %q, which kbk does not implement", name)
		}
		rn.env.AddFilter(name, f)
	}
	for _, name := range tree.release.globals {
		f, ok := functions[name]
		if !ok {
			return nil, fmt.Errorf("kolla_worker.py registers template function %q, which kbk does not implement", name)
		}
		rn.env.AddGlobal(name, f)
	}
	return rn, nil
}

// Images lists the images the renderer knows, sorted by path.
func (rn *Renderer) Images() []Image { return rn.images }

// Render renders the Dockerfile of the image named name.
func (rn *Renderer) Render(name string) (string, error) {
	for _, im := range rn.images {
		if im.Name == name {
			return rn.RenderImage(im)
		}
	}
	return "", fmt.Errorf("image %q: no such image in the Kolla tree", name)
}

// RenderImage renders the Dockerfile of im exactly as kolla-build
// --template-only writes it to <work-dir>/docker/<im.Path>/Dockerfile.
func (rn *Renderer) RenderImage(im Image) (string, error) {
	vars, err := rn.worker.contextFor(rn.tree.release.context, im, rn.opts.Env)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", im.Name, err)
	}
	name := im.Path + "/Dockerfile.j2"
	if rn.override != nil {
		// The override extends the image's template through parent_template.
		vars["parent_template"] = name
		name = rn.override.name
	}
	out, err := rn.env.Render(name, vars)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", im.Name, rn.locate(err))
	}
	if rn.tree.release.pipArgs {
		out = insertPipArgs(out, rn.worker.conf)
	}
	return out, nil
}

// Render renders one image's Dockerfile; prefer a Renderer for many images.
func Render(tree *Tree, image string, opts Options) (string, error) {
	rn, err := NewRenderer(tree, opts)
	if err != nil {
		return "", err
	}
	return rn.Render(image)
}

var reFrom = regexp.MustCompile(`(?i)^FROM\s`)

// insertPipArgs adds ARG lines for the pip index options after the first
// FROM line, as kolla-build does since 21.x.
func insertPipArgs(content string, c conf) string {
	var args []string
	for _, kv := range [][2]string{{"PIP_INDEX_URL", "pip_index_url"}, {"PIP_TRUSTED_HOST", "pip_trusted_host"}, {"PIP_EXTRA_INDEX_URL", "pip_extra_index_url"}} {
		if truthy(c[kv[1]]) {
			args = append(args, "ARG "+kv[0])
		}
	}
	if len(args) == 0 {
		return content
	}
	lines := strings.Split(content, "\n")
	for i, l := range lines {
		if reFrom.MatchString(l) {
			rest := append(args, lines[i+1:]...)
			lines = append(lines[:i+1], rest...)
			break
		}
	}
	return strings.Join(lines, "\n")
}

// treeLoader serves templates from the tree with --docker-dir layers over it
// and the merged template override under its own name.
type treeLoader struct {
	layers []fs.FS // first wins
	extra  map[string]string
}

func (l *treeLoader) Load(name string) (string, error) {
	if src, ok := l.extra[name]; ok {
		return src, nil
	}
	clean := path.Clean(strings.TrimPrefix(name, "/"))
	if !fs.ValidPath(clean) {
		return "", fmt.Errorf("template %q: %w", name, fs.ErrNotExist)
	}
	for _, layer := range l.layers {
		data, err := fs.ReadFile(layer, clean)
		if err == nil {
			return string(data), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("template %q: %w", name, fs.ErrNotExist)
}
