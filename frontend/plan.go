package frontend

import (
	"fmt"
	"path"
	"slices"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Plan is everything the frontend needs to turn one platform's images into LLB:
// rendered Dockerfiles, where each image's folder lives in the Kolla tree, its
// parent, and its sources. The planner (render + graph + profiles) fills it; the
// frontend never renders or selects anything itself.
type Plan struct {
	// Platform is the platform every image of the plan is built for.
	Platform ocispecs.Platform
	// Images holds the selected images and all their ancestors, in any order.
	Images []PlannedImage
}

// PlannedImage is one image of a Plan.
type PlannedImage struct {
	// Name is the Kolla image name ("nova-api"); it is the folder name too.
	Name string
	// Ref is the canonical reference: <registry>/<namespace>/<prefix><name>:<tag>.
	Ref string
	// Dockerfile is the rendered Dockerfile.
	Dockerfile []byte
	// ContextDir is the image folder inside the Kolla tree ("docker/nova/nova-api"),
	// a slash path relative to the tree's root.
	ContextDir string
	// Parent names the parent image of the plan ("nova-base"), or "" when the
	// image starts from a base image outside the plan.
	Parent string
	// ParentRef is the parent reference exactly as the Dockerfile's FROM writes it
	// ("kolla/nova-base:master"). It is how the child's FROM is linked to the
	// parent's LLB state.
	ParentRef string
	// Sources are the image's own source, plugins and additions; disabled sources
	// are left out by the planner.
	Sources []Source
	// Files replace files of the image's folder in its build context, as
	// kolla-build copies the operator's apt_sources_list over the base
	// image's sources.list.
	Files []ContextFile
	// Labels are set on the image config, as Kolla sets its OCI labels.
	Labels map[string]string
}

// ContextFile is a file the planner puts into an image's build context, in
// place of the Kolla tree's file of that name when there is one.
type ContextFile struct {
	// Name is the file's name at the root of the context ("sources.list").
	Name string
	Data []byte
}

// SourceRole says which of Kolla's archives a source ends up in.
type SourceRole string

const (
	// RoleImage is the image's own source: "<name>-archive", used by the
	// Dockerfile as `ADD <name>-archive /<name>-source`.
	RoleImage SourceRole = "image"
	// RolePlugin goes into "plugins-archive", which unpacks to /plugins.
	RolePlugin SourceRole = "plugin"
	// RoleAddition goes into "additions-archive", which unpacks to /additions.
	RoleAddition SourceRole = "addition"
)

// SourceKind is Kolla's source "type".
type SourceKind string

const (
	// KindGit is a git repository at Reference (a branch, tag or commit).
	KindGit SourceKind = "git"
	// KindURL is a downloaded archive, verified against SHA256 when set.
	KindURL SourceKind = "url"
	// KindLocal is a directory (or an archive file) of the main build context.
	KindLocal SourceKind = "local"
)

// Source is one source section of Kolla's configuration, resolved for the plan's
// platform.
type Source struct {
	// Name is the Kolla section name ("nova-base", "neutron-server-plugin-foo");
	// Kolla's archive file for it is "<Name>-archive".
	Name string
	Role SourceRole
	Kind SourceKind
	// Location is the git URL, the download URL, or the path inside the main
	// build context (slash separated, relative) for local sources.
	Location string
	// Reference is the git reference (git only).
	Reference string
	// SHA256 is the expected hex digest of a url download for this platform;
	// empty means not checked, as in Kolla.
	SHA256 string
}

// Ordered returns the plan's images with every parent before its children,
// siblings sorted by name, so that conversion order never depends on input order.
func (p *Plan) Ordered() ([]*PlannedImage, error) {
	byName := make(map[string]*PlannedImage, len(p.Images))
	for i := range p.Images {
		img := &p.Images[i]
		if err := img.validate(); err != nil {
			return nil, err
		}
		if _, dup := byName[img.Name]; dup {
			return nil, fmt.Errorf("image %q: planned twice", img.Name)
		}
		byName[img.Name] = img
	}
	children := make(map[string][]string)
	var roots []string
	for _, img := range p.Images {
		if img.Parent == "" {
			roots = append(roots, img.Name)
			continue
		}
		if _, ok := byName[img.Parent]; !ok {
			return nil, fmt.Errorf("image %q: parent %q is not in the plan", img.Name, img.Parent)
		}
		children[img.Parent] = append(children[img.Parent], img.Name)
	}
	slices.Sort(roots)
	ordered := make([]*PlannedImage, 0, len(p.Images))
	queue := roots
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		ordered = append(ordered, byName[name])
		kids := children[name]
		slices.Sort(kids)
		queue = append(queue, kids...)
	}
	if len(ordered) != len(p.Images) {
		var cyclic []string
		for _, img := range p.Images {
			if !slices.ContainsFunc(ordered, func(o *PlannedImage) bool { return o.Name == img.Name }) {
				cyclic = append(cyclic, img.Name)
			}
		}
		slices.Sort(cyclic)
		return nil, fmt.Errorf("images %q: parents form a cycle", cyclic)
	}
	return ordered, nil
}

func (img *PlannedImage) validate() error {
	if img.Name == "" || strings.ContainsAny(img.Name, "/ ") {
		return fmt.Errorf("image %q: invalid name", img.Name)
	}
	if len(img.Dockerfile) == 0 {
		return fmt.Errorf("image %q: empty Dockerfile", img.Name)
	}
	if !isRelativeSlashPath(img.ContextDir) {
		return fmt.Errorf("image %q: context dir %q must be a relative path inside the Kolla tree", img.Name, img.ContextDir)
	}
	if img.Parent != "" && img.ParentRef == "" {
		return fmt.Errorf("image %q: parent %q without the FROM reference", img.Name, img.Parent)
	}
	names := make(map[string]bool, len(img.Sources))
	own := 0
	for _, src := range img.Sources {
		if src.Role == RoleImage {
			own++
		}
		if err := src.validate(); err != nil {
			return fmt.Errorf("image %q: %w", img.Name, err)
		}
		if names[src.Name] {
			return fmt.Errorf("image %q: source %q listed twice", img.Name, src.Name)
		}
		names[src.Name] = true
	}
	if own > 1 {
		return fmt.Errorf("image %q: %d image sources, Kolla has one at most", img.Name, own)
	}
	files := make(map[string]bool, len(img.Files))
	for _, f := range img.Files {
		if f.Name == "" || f.Name == "." || f.Name == ".." || strings.ContainsAny(f.Name, `/\`) {
			return fmt.Errorf("image %q: context file %q: invalid name", img.Name, f.Name)
		}
		if files[f.Name] {
			return fmt.Errorf("image %q: context file %q listed twice", img.Name, f.Name)
		}
		files[f.Name] = true
	}
	return nil
}

func (src Source) validate() error {
	if src.Name == "" || strings.ContainsAny(src.Name, "/ ") {
		return fmt.Errorf("source %q: invalid name", src.Name)
	}
	switch src.Role {
	case RoleImage, RolePlugin, RoleAddition:
	default:
		return fmt.Errorf("source %q: unknown role %q", src.Name, src.Role)
	}
	if src.Location == "" {
		return fmt.Errorf("source %q: no location", src.Name)
	}
	switch src.Kind {
	case KindGit:
		if src.Reference == "" {
			return fmt.Errorf("source %q: git source without a reference", src.Name)
		}
	case KindURL:
		if src.SHA256 != "" && !isHexDigest(src.SHA256) {
			return fmt.Errorf("source %q: sha256 %q is not 64 hex digits", src.Name, src.SHA256)
		}
	case KindLocal:
		if !isRelativeSlashPath(src.Location) {
			return fmt.Errorf("source %q: local path %q must be relative to the build context", src.Name, src.Location)
		}
	default:
		return fmt.Errorf("source %q: unknown type %q", src.Name, src.Kind)
	}
	return nil
}

func isRelativeSlashPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) {
		return false
	}
	clean := path.Clean(p)
	return clean != ".." && !strings.HasPrefix(clean, "../")
}

func isHexDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}
