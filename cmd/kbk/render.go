package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/kbk-dev/kbk/render"
)

func init() { subcommands = append(subcommands, newRenderCmd) }

// renderFlags are the command line of `kbk render`.
type renderFlags struct {
	kollaDir          string
	pythonDir         string
	out               string
	base              string
	baseTag           string
	baseArch          string
	baseImage         string
	namespace         string
	registry          string
	tag               string
	imageNamePrefix   string
	templateOverrides []string
	dockerDirs        []string
	reposYAML         string
	patchesPath       string
	configFiles       []string
	profile           string
}

func newRenderCmd(*globalOptions) *cobra.Command {
	f := &renderFlags{}
	cmd := &cobra.Command{
		Use:   "render [REGEX...]",
		Short: "Write the Dockerfiles of Kolla images, like kolla-build --template-only",
		Long: "Render Kolla's Dockerfile templates and write DIR/docker/<image path>/Dockerfile\n" +
			"for every image (or those whose name matches one of the regexes).",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRender(cmd.Context(), cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.kollaDir, "kolla-dir", "", "Kolla tree: source checkout, installed package or venv (default ./kolla-docker)")
	fl.StringVar(&f.pythonDir, "kolla-python-dir", "", "Kolla's python package directory, when --kolla-dir holds only templates")
	fl.StringVarP(&f.out, "output", "o", "kbk-render", "directory to write docker/<image path>/Dockerfile into")
	fl.StringVar(&f.base, "base", "", "base distro (default: Kolla's)")
	fl.StringVar(&f.baseTag, "base-tag", "", "base distro image tag")
	fl.StringVar(&f.baseArch, "base-arch", "", "base architecture: x86_64 or aarch64 (default: the host's)")
	fl.StringVar(&f.baseImage, "base-image", "", "base image name")
	fl.StringVar(&f.namespace, "namespace", "", "image namespace")
	fl.StringVar(&f.registry, "registry", "", "registry host prepended to the namespace")
	fl.StringVar(&f.tag, "tag", "", "image tag")
	fl.StringVar(&f.imageNamePrefix, "image-name-prefix", "", "prefix of image names")
	fl.StringArrayVar(&f.templateOverrides, "template-override", nil, "template override file (repeatable, merged in order)")
	fl.StringArrayVar(&f.dockerDirs, "docker-dir", nil, "extra template directory laid over the tree (repeatable)")
	fl.StringVar(&f.reposYAML, "repos-yaml", "", "repos.yaml override file")
	fl.StringVar(&f.patchesPath, "patches-path", "", "directory of patches (passed to templates as patches_path)")
	fl.StringArrayVar(&f.configFiles, "config-file", nil, "kolla-build.conf file (repeatable)")
	fl.StringVar(&f.profile, "profile", "", "build profile of the configuration repository")
	return cmd
}

func runRender(ctx context.Context, cmd *cobra.Command, f *renderFlags, regexes []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	tree, err := loadRenderTree(f.kollaDir, f.pythonDir)
	if err != nil {
		return err
	}
	opts, err := renderOptionsFromFlags(f)
	if err != nil {
		return err
	}
	rn, err := render.NewRenderer(tree, opts)
	if err != nil {
		return err
	}
	images, err := matchRenderImages(rn.Images(), regexes)
	if err != nil {
		return err
	}
	if err := renderImages(ctx, rn, images, f.out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %d Dockerfiles under %s\n", len(images), filepath.Join(f.out, "docker"))
	return err
}

// loadRenderTree finds the Kolla tree: --kolla-dir, else ./kolla-docker.
func loadRenderTree(dir, pythonDir string) (*render.Tree, error) {
	if dir == "" {
		if _, err := os.Stat(filepath.Join("kolla-docker", "docker")); err != nil {
			return nil, errors.New("no Kolla tree: ./kolla-docker/docker does not exist; run `make kolla-docker` or pass --kolla-dir")
		}
		dir = "kolla-docker"
	}
	return render.LoadTreeWithPython(dir, pythonDir)
}

// renderOptionsFromFlags turns the command line into render options.
//
// Profiles plug in here: --config-file and --profile will be read by the
// profiles package (kolla-build.conf layering, <name>-user sections,
// overrides of the profile folder), whose result becomes the base Options
// that the explicit flags below then override.
func renderOptionsFromFlags(f *renderFlags) (render.Options, error) {
	if len(f.configFiles) > 0 || f.profile != "" {
		return render.Options{}, errors.New("--config-file and --profile need the profiles package, which is not wired into `kbk render` yet")
	}
	opts := render.Options{
		Base:            f.base,
		BaseTag:         f.baseTag,
		BaseArch:        f.baseArch,
		BaseImage:       f.baseImage,
		Namespace:       f.namespace,
		Registry:        f.registry,
		Tag:             f.tag,
		ImageNamePrefix: f.imageNamePrefix,
		DockerDirs:      f.dockerDirs,
		ReposYAML:       f.reposYAML,
		PatchesPath:     f.patchesPath,
		Env:             environMap(),
	}
	overrides, err := render.ReadOverrides(f.templateOverrides...)
	if err != nil {
		return opts, err
	}
	opts.TemplateOverrides = overrides
	return opts, nil
}

func environMap() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// matchRenderImages keeps the images whose name matches one of the regexes (all
// without regexes). Parents of matched images come with the graph package.
func matchRenderImages(images []render.Image, regexes []string) ([]render.Image, error) {
	if len(regexes) == 0 {
		return images, nil
	}
	var res []*regexp.Regexp
	for _, r := range regexes {
		re, err := regexp.Compile(r)
		if err != nil {
			return nil, fmt.Errorf("image regex %q: %w", r, err)
		}
		res = append(res, re)
	}
	var out []render.Image
	for _, im := range images {
		for _, re := range res {
			if re.MatchString(im.Name) {
				out = append(out, im)
				break
			}
		}
	}
	return out, nil
}

// renderImages renders images concurrently and writes each Dockerfile.
func renderImages(ctx context.Context, rn *render.Renderer, images []render.Image, out string) error {
	jobs := make(chan render.Image)
	errs := make([]error, len(images))
	index := map[string]int{}
	for i, im := range images {
		index[im.Path] = i
	}
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for im := range jobs {
				errs[index[im.Path]] = writeDockerfile(rn, im, out)
			}
		}()
	}
feed:
	for _, im := range images {
		select {
		case jobs <- im:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

func writeDockerfile(rn *render.Renderer, im render.Image, out string) error {
	text, err := rn.RenderImage(im)
	if err != nil {
		return err
	}
	dir := filepath.Join(out, "docker", filepath.FromSlash(im.Path))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(text), 0o644)
}
