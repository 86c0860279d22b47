package lint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/kbk-dev/kbk/render"
)

// treeIndex is what the Kolla tree offers overrides: per image, the blocks
// its template defines and the kinds its customizable() calls take.
type treeIndex struct {
	images []imageFacts
	byName map[string]*imageFacts
	blocks map[string][]string // block name → images defining it, in tree order
}

type imageFacts struct {
	Name, Path string
	Blocks     map[string]bool
	Kinds      map[string]bool // call_type of every customizable() call
}

// indexTree scans the Dockerfile.j2 of every image, --docker-dir layers
// first as the renderer reads them.
func indexTree(tree *render.Tree, images []render.Image, dockerDirs []string) (*treeIndex, error) {
	layers := []fs.FS{}
	for i := len(dockerDirs) - 1; i >= 0; i-- {
		layers = append(layers, os.DirFS(dockerDirs[i]))
	}
	layers = append(layers, tree.Docker)
	idx := &treeIndex{byName: map[string]*imageFacts{}, blocks: map[string][]string{}}
	for _, im := range images {
		src, err := readLayered(layers, im.Path+"/Dockerfile.j2")
		if err != nil {
			return nil, fmt.Errorf("image %q: %w", im.Name, err)
		}
		facts := scanTemplate(src)
		f := imageFacts{Name: im.Name, Path: im.Path, Blocks: map[string]bool{}, Kinds: map[string]bool{}}
		for _, b := range facts.Blocks {
			if !f.Blocks[b.Name] {
				idx.blocks[b.Name] = append(idx.blocks[b.Name], im.Name)
			}
			f.Blocks[b.Name] = true
		}
		for _, c := range facts.Customizables {
			f.Kinds[c.Name] = true
		}
		idx.images = append(idx.images, f)
	}
	for i := range idx.images {
		if _, dup := idx.byName[idx.images[i].Name]; !dup {
			idx.byName[idx.images[i].Name] = &idx.images[i]
		}
	}
	return idx, nil
}

func readLayered(layers []fs.FS, name string) (string, error) {
	for _, l := range layers {
		data, err := fs.ReadFile(l, name)
		if err == nil {
			return string(data), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: %w", name, fs.ErrNotExist)
}

func (idx *treeIndex) blockNames() []string { return sortedKeys(idx.blocks) }

func (idx *treeIndex) imageNames() []string {
	names := make([]string, len(idx.images))
	for i, im := range idx.images {
		names[i] = im.Name
	}
	return names
}

// customizationPrefix is the start of the variables customizable() reads for
// an image and kind: "<image with - as _>_<kind>_".
func customizationPrefix(image, kind string) string {
	return strings.ReplaceAll(image, "-", "_") + "_" + kind + "_"
}

// customizations maps every variable customizable() may read to the images
// whose render reads it. Override-file calls count for the images whose
// templates define the block they sit in.
func (idx *treeIndex) customizations(overrides []overrideFile) map[string][]string {
	kinds := map[string]map[string]bool{} // image → kinds
	for _, im := range idx.images {
		kinds[im.Name] = map[string]bool{}
		for k := range im.Kinds {
			kinds[im.Name][k] = true
		}
	}
	for _, of := range overrides {
		for _, c := range of.facts.Customizables {
			targets := idx.blocks[c.Block]
			if c.Block == "" {
				targets = idx.imageNames()
			}
			for _, name := range targets {
				kinds[name][c.Name] = true
			}
		}
	}
	vars := map[string][]string{}
	for _, im := range idx.images {
		for k := range kinds[im.Name] {
			for _, suffix := range customizationSuffixes {
				v := customizationPrefix(im.Name, k) + suffix
				if !contains(vars[v], im.Name) {
					vars[v] = append(vars[v], im.Name)
				}
			}
		}
	}
	return vars
}

var customizationSuffixes = []string{"append", "remove", "override"}

// customizationSuffix returns the suffix of a variable that looks like a
// customisation, or "".
func customizationSuffix(name string) string {
	for _, s := range customizationSuffixes {
		if strings.HasSuffix(name, "_"+s) && len(name) > len(s)+1 {
			return s
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
