package lint

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/kbk-dev/kbk/render"
	"github.com/kbk-dev/kbk/render/jinja"
)

// builds reports whether the profile builds image name.
func (l *linter) builds(name string) bool { return l.built.Selection.IsSelected(name) }

// checkBlocks reports override blocks no template defines, and blocks of a
// profile's own override file that only images outside the profile define.
func (l *linter) checkBlocks() {
	for _, of := range l.overrides {
		for _, b := range of.facts.Blocks {
			if b.Block != "" {
				continue // a block inside an override block is the override's own
			}
			file, line, col := of.at(b.Off)
			definers := l.idx.blocks[b.Name]
			if len(definers) == 0 {
				l.report(Diagnostic{File: file, Line: line, Col: col, Code: CodeUnknownBlock,
					Message: fmt.Sprintf("block %q is defined by no template of the Kolla tree%s", b.Name, didYouMean(b.Name, l.idx.blockNames()))})
				continue
			}
			if !of.profile || !l.built.Selection.Filtered() {
				continue
			}
			built := false
			for _, name := range definers {
				built = built || l.builds(name)
			}
			if !built {
				l.report(Diagnostic{File: file, Line: line, Col: col, Code: CodeUnselectedBlock,
					Message: fmt.Sprintf("block %q belongs to images profile %q does not build (%s)", b.Name, l.p.Name, listNames(definers))})
			}
		}
	}
}

// checkCustomizations reports <image>_<kind>_append|_remove|_override
// variables that no customizable() call reads.
func (l *linter) checkCustomizations() {
	vars := l.idx.customizations(l.overrides)
	for _, of := range l.overrides {
		for _, s := range of.facts.Sets {
			suffix := customizationSuffix(s.Name)
			if suffix == "" {
				suffix = l.idx.misspeltSuffix(s.Name)
			}
			if suffix == "" {
				continue
			}
			if images := vars[s.Name]; images != nil {
				l.checkCustomizedImages(of, s, images)
				continue
			}
			var candidates []string
			for v := range vars {
				if strings.HasSuffix(v, "_"+suffix) {
					candidates = append(candidates, v)
				}
			}
			sort.Strings(candidates)
			file, line, col := of.at(s.Off)
			msg := fmt.Sprintf("variable %q is read by no customizable() call: no image %q", s.Name, imageGuess(s.Name, suffix))
			if im := l.idx.imageOfVariable(s.Name); im != nil && customizationSuffix(s.Name) == "" {
				msg = fmt.Sprintf("variable %q is read by no customizable() call: %q is not one of _append, _remove, _override", s.Name, s.Name[strings.LastIndexByte(s.Name, '_'):])
			} else if im != nil {
				kind := strings.TrimSuffix(strings.TrimPrefix(s.Name, strings.ReplaceAll(im.Name, "-", "_")+"_"), "_"+suffix)
				msg = fmt.Sprintf("variable %q is read by no customizable() call: image %q has no %q list (it has %s)",
					s.Name, im.Name, kind, quotedList(sortedKeys(im.Kinds)))
			}
			l.report(Diagnostic{File: file, Line: line, Col: col, Code: CodeUnusedCustomization,
				Message: msg + didYouMean(s.Name, candidates)})
		}
	}
}

// checkCustomizedImages reports a variable of a profile's own override file
// that customises only images the profile does not build.
func (l *linter) checkCustomizedImages(of overrideFile, s set, images []string) {
	if !of.profile || !l.built.Selection.Filtered() {
		return
	}
	for _, name := range images {
		if l.builds(name) {
			return
		}
	}
	file, line, col := of.at(s.Off)
	l.report(Diagnostic{File: file, Line: line, Col: col, Code: CodeUnselectedCustomization,
		Message: fmt.Sprintf("variable %q customizes images profile %q does not build (%s)", s.Name, l.p.Name, listNames(images))})
}

// misspeltSuffix returns the customisation suffix a variable of an image
// seems to misspell ("nova_base_packages_apend"), or "".
func (idx *treeIndex) misspeltSuffix(name string) string {
	i := strings.LastIndexByte(name, '_')
	if i < 0 || idx.imageOfVariable(name) == nil {
		return ""
	}
	last := name[i+1:]
	for _, s := range customizationSuffixes {
		if jinja.EditDistance(last, s) <= 2 {
			return s
		}
	}
	return ""
}

// imageGuess is the image part of a customisation variable when the kind is
// "packages", the commonest, for a message about an unknown image.
func imageGuess(name, suffix string) string {
	stem := strings.TrimSuffix(name, "_"+suffix)
	for _, kind := range []string{"pip_packages", "packages"} {
		if s, ok := strings.CutSuffix(stem, "_"+kind); ok {
			return strings.ReplaceAll(s, "_", "-")
		}
	}
	return strings.ReplaceAll(stem, "_", "-")
}

// imageOfVariable is the image whose name (with '-' as '_') starts the
// variable name, the longest when several do.
func (idx *treeIndex) imageOfVariable(name string) *imageFacts {
	var best *imageFacts
	for i := range idx.images {
		im := &idx.images[i]
		if strings.HasPrefix(name, strings.ReplaceAll(im.Name, "-", "_")+"_") && (best == nil || len(im.Name) > len(best.Name)) {
			best = im
		}
	}
	return best
}

func quotedList(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// checkRemovals reports _remove entries that are not in the list they
// remove from, for this profile's distro and arch. customizable() is not
// observable from outside the renderer, so each entry is tested by
// rendering the image again without it: if the Dockerfile does not change,
// the entry removed nothing.
func (l *linter) checkRemovals() {
	vars := l.idx.customizations(l.overrides)
	for _, of := range l.overrides {
		for _, s := range of.facts.Sets {
			if customizationSuffix(s.Name) != "remove" {
				continue
			}
			entries, err := evalList(s.Expr)
			if err != nil {
				continue // not a literal list; rendering reports real errors
			}
			for _, image := range vars[s.Name] {
				base, ok := l.built.Dockerfiles[image]
				if !ok || !l.builds(image) {
					continue
				}
				for k, entry := range entries {
					others := append(append([]string{}, entries[:k]...), entries[k+1:]...)
					out, err := l.renderWith(image, fmt.Sprintf("\n{%% set %s = [%s] %%}\n", s.Name, strings.Join(others, ", ")))
					if err != nil || out != base {
						continue
					}
					file, line, col := of.at(s.Off)
					l.report(Diagnostic{File: file, Line: line, Col: col, Code: CodeRemoveMissing, Image: image,
						Message: fmt.Sprintf("%s: %s is not in the list it removes from for image %q on %s/%s, so removing it changes nothing",
							s.Name, entry, image, l.p.Options.Base, l.p.Options.BaseArch)})
				}
			}
		}
	}
}

// evalList evaluates a list expression and returns its items as Jinja
// literals (JSON, which Jinja reads back as the same strings and numbers).
func evalList(expr string) ([]string, error) {
	out, err := jinja.NewEnv(nil).RenderSource("remove", "{% for x in ("+expr+") %}{{ x | tojson }}\n{% endfor %}", nil)
	if err != nil || out == "" {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n"), nil
}

// renderWith renders image with one more override file appended.
func (l *linter) renderWith(image, extra string) (string, error) {
	opts := l.rOpts
	opts.TemplateOverrides = append(append([]render.Override{}, opts.TemplateOverrides...), render.Override{Name: "lint-probe.j2", Source: extra})
	rn, err := render.NewRenderer(l.tree, opts)
	if err != nil {
		return "", err
	}
	return rn.Render(image)
}

// checkRenders reports images the profile builds that fail to render, one
// diagnostic per distinct error with the images it breaks.
func (l *linter) checkRenders() {
	type failure struct {
		d      Diagnostic
		images []string
	}
	var order []string
	byKey := map[string]*failure{}
	for _, im := range l.built.Images {
		err, ok := l.built.Errors[im.Name]
		if !ok || !l.builds(im.Name) {
			continue
		}
		d := Diagnostic{Severity: Error, Code: CodeRenderFailed, Message: err.Error()}
		var je *jinja.Error
		if errors.As(err, &je) {
			d.File, d.Line, d.Col, d.Message = je.Template, je.Line, je.Col, je.Msg
		}
		key := d.String()
		if byKey[key] == nil {
			byKey[key] = &failure{d: d}
			order = append(order, key)
		}
		byKey[key].images = append(byKey[key].images, im.Name)
	}
	for _, key := range order {
		f := byKey[key]
		d := f.d
		d.Image = f.images[0]
		if d.File == "" {
			d.Message = fmt.Sprintf("does not render: %s", d.Message)
		} else if len(f.images) == 1 {
			d.Message = fmt.Sprintf("image %q does not render: %s", f.images[0], d.Message)
		} else {
			d.Message = fmt.Sprintf("%d images do not render (%s): %s", len(f.images), listNames(f.images), d.Message)
		}
		l.report(d)
	}
}
