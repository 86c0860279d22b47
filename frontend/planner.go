package frontend

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
)

// PlanFromImages turns one architecture's plan into the frontend's Plan: the
// selected images with their rendered Dockerfiles, parents linked when the
// parent is built too, and their enabled sources resolved for platform.
//
// ContextDir is relative to the Kolla tree the caller hands Convert: when the
// tree was loaded from a file system (render.LoadTreeFS, the gateway), its
// template directory ("docker") is part of the path; when it was loaded from a
// directory on disk, the path is relative to that template directory, which is
// what kbk build shares. Local sources are relative to the configuration
// repository, which is the main context (the Local tree).
func PlanFromImages(cfg *plan.Config, im *plan.Images, platform ocispecs.Platform) (*Plan, error) {
	dockerDir := ""
	if d := cfg.Tree.DockerDir; d != "" && !filepath.IsAbs(d) {
		dockerDir = filepath.ToSlash(d)
	}
	debArch := debianArch(platform.Architecture)
	out := &Plan{Platform: platform}
	for _, name := range im.Selection.BuildOrder() {
		df, ok := im.Dockerfiles[name]
		if !ok {
			return nil, fmt.Errorf("image %q: no rendered Dockerfile", name)
		}
		img := PlannedImage{
			Name:       name,
			Ref:        im.Naming.Ref(name),
			Dockerfile: []byte(df),
			ContextDir: path.Join(dockerDir, im.Paths[name]),
		}
		if parent, ok := im.Graph.Parent(name); ok && im.Selection.IsSelected(parent) {
			gi, _ := im.Graph.Image(name)
			img.Parent, img.ParentRef = parent, gi.From
		}
		srcs, err := plannedSources(cfg.Profile, name, debArch)
		if err != nil {
			return nil, fmt.Errorf("image %q: %w", name, err)
		}
		img.Sources = srcs
		if name == profiles.AptImage {
			if img.Files, err = aptFiles(cfg.Profile); err != nil {
				return nil, fmt.Errorf("image %q: %w", name, err)
			}
		}
		img.Labels = kollaLabels(name, df, im.Naming, cfg.Profile.Options.Maintainer)
		out.Images = append(out.Images, img)
	}
	return out, nil
}

// aptContextFiles are the files of the base image's folder that
// apt_sources_list and apt_preferences replace; the base template copies them
// into /etc/apt.
var aptContextFiles = map[string]string{
	"apt_sources_list": "sources.list",
	"apt_preferences":  "apt_preferences",
}

// aptFiles reads the profile's apt files for the base image's context.
func aptFiles(p *profiles.Profile) ([]ContextFile, error) {
	var out []ContextFile
	for _, f := range p.AptFiles {
		name, ok := aptContextFiles[f.Option]
		if !ok {
			return nil, fmt.Errorf("%s: [DEFAULT] %s: not an apt file option", f.Origin, f.Option)
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: [DEFAULT] %s: %w", f.Origin, f.Option, err)
		}
		out = append(out, ContextFile{Name: name, Data: data})
	}
	return out, nil
}

// plannedSources converts the profile's enabled sources of one image.
func plannedSources(p *profiles.Profile, image, debArch string) ([]Source, error) {
	main, plugins, additions := p.SourcesOf(image)
	var out []Source
	add := func(s *profiles.Source, role SourceRole) error {
		if s == nil || !s.Enabled {
			return nil
		}
		src := Source{Name: s.Section, Role: role, Kind: SourceKind(s.Type), Location: s.Location, Reference: s.Reference}
		switch s.Type {
		case "url":
			src.SHA256 = strings.ToLower(s.SHA256[debArch])
		case "local":
			rel, err := filepath.Rel(p.Repo, s.Path)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return fmt.Errorf("source %q: %q is outside the configuration repository", s.Section, s.Location)
			}
			src.Location = filepath.ToSlash(rel)
		}
		out = append(out, src)
		return nil
	}
	if err := add(main, RoleImage); err != nil {
		return nil, err
	}
	for _, s := range plugins {
		if err := add(s, RolePlugin); err != nil {
			return nil, err
		}
	}
	for _, s := range additions {
		if err := add(s, RoleAddition); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// debianArch is Kolla's debian_arch for an OCI architecture: the key of a url
// source's sha256 map.
func debianArch(arch string) string {
	switch arch {
	case "amd64", "x86_64":
		return "amd64"
	case "arm64", "aarch64":
		return "arm64"
	case "ppc64le":
		return "ppc64el"
	}
	return arch
}

// kollaLabels are the OCI labels kolla-build (23.x and later) gives every image
// through the engine, which the rendered Dockerfile does not carry. Left out,
// because they change on every build and would defeat caching and the shared
// vertices of concurrent solves: org.opencontainers.image.created and
// build-date. Left out as well: the source and revision of Kolla's own
// checkout, which kbk does not have. A Dockerfile that sets a label itself
// keeps its value.
func kollaLabels(name, dockerfile string, naming graph.Naming, maintainer string) map[string]string {
	labels := map[string]string{
		"org.opencontainers.image.title":       name,
		"org.opencontainers.image.description": "OpenStack Kolla " + name + " image",
		"org.opencontainers.image.version":     naming.Tag,
		"org.opencontainers.image.url":         "https://opendev.org/openstack/kolla",
		"org.opencontainers.image.licenses":    "Apache-2.0",
	}
	if maintainer != "" {
		labels["org.opencontainers.image.authors"] = maintainer
	}
	for k := range labels {
		if strings.Contains(dockerfile, k+"=") {
			delete(labels, k)
		}
	}
	return labels
}
