package main

// kbk affected answers the question a CI job asks before building: which
// images of which profiles must be rebuilt for a range of commits of the
// configuration repository, or because one source section moved.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

func init() { subcommands = append(subcommands, newAffectedCmd) }

// affectedOptions are the command line of `kbk affected`.
type affectedOptions struct {
	repo         string
	kollaDir     string
	since, until string // git revisions of repo; until "" is the work tree
	source       string // a source section, instead of a range
	format       string
}

func newAffectedCmd(*globalOptions) *cobra.Command {
	o := &affectedOptions{}
	cmd := &cobra.Command{
		Use:   "affected (--since REV [--until REV] | --source SECTION) [PROFILE...]",
		Short: "List the images a range of commits, or a moved source, makes stale",
		Long: `For each profile (every profile folder when none is named), list the images
to rebuild and why: their rendered Dockerfile changed, a file of their build
context changed (their Kolla image folder when the Kolla tree is in the
repository, their local sources and additions, base's apt_sources_list and
apt_preferences files), their source definition changed, or a parent is
affected. Only images the profile selects are listed.

--since and --until are git revisions of the configuration repository; without
--until the repository as it is on disk is the new side (files git does not
track yet are not seen as changed). With --source, the
images that consume that source section and their descendants are listed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAffected(cmd.Context(), cmd.OutOrStdout(), o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.repo, "repo", ".", "configuration repository (a git work tree)")
	f.StringVar(&o.kollaDir, "kolla-dir", "kolla-docker", "Kolla tree; when it lies in the repository, each revision's own copy is used")
	f.StringVar(&o.since, "since", "", "old side: git revision of --repo")
	f.StringVar(&o.until, "until", "", "new side: git revision of --repo (default: the work tree)")
	f.StringVar(&o.source, "source", "", "list the consumers of this source section instead (e.g. nova-base)")
	f.StringVar(&o.format, "format", "text", "output format: text or json")
	return cmd
}

// affectedProfile is the answer for one profile: the affected selected
// images in graph order, each with its reasons.
type affectedProfile struct {
	Images  []string            `json:"images"`
	Reasons map[string][]string `json:"reasons"`
}

// affectedSide is one revision of the repository, loaded.
type affectedSide struct {
	repo string
	tree *render.Tree
}

func runAffected(ctx context.Context, out io.Writer, o *affectedOptions, names []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("--format %q: want text or json", o.format)
	}
	var result map[string]*affectedProfile
	var err error
	switch {
	case o.source != "" && (o.since != "" || o.until != ""):
		return errors.New("--source and --since/--until are two separate questions: give one")
	case o.source != "":
		result, err = affectedBySource(ctx, o, names)
	case o.since != "":
		result, err = affectedByRange(ctx, o, names)
	default:
		return errors.New("give --since REV (and optionally --until REV), or --source SECTION")
	}
	if err != nil {
		return err
	}
	return writeAffected(out, o.format, result)
}

// profileNames are the profiles asked for, else every profile folder.
func profileNames(repo string, names []string) ([]string, error) {
	if len(names) > 0 {
		return names, nil
	}
	all, err := profiles.List(repo)
	if err != nil {
		return nil, fmt.Errorf("listing the profiles of %q: %w", repo, err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%q has no profile folder: name the profiles", repo)
	}
	return all, nil
}

// openRevision exports rev of the repository (the work tree when rev is "")
// and loads the Kolla tree it holds when --kolla-dir lies inside it.
func openRevision(o *affectedOptions, rev string) (affectedSide, func(), error) {
	noop := func() {}
	side := affectedSide{repo: o.repo}
	clean := noop
	if rev != "" {
		dir, err := os.MkdirTemp("", "kbk-affected-")
		if err != nil {
			return affectedSide{}, noop, err
		}
		clean = func() { os.RemoveAll(dir) }
		if err := exportRevision(o.repo, rev, dir); err != nil {
			clean()
			return affectedSide{}, noop, err
		}
		side.repo = dir
	}
	// a Kolla tree the revision tracks is that revision's; an untracked
	// one (make kolla-docker) serves every revision
	var tree *render.Tree
	if rel, ok := kollaInRepo(o.repo, o.kollaDir); ok && rev != "" {
		tree, _ = render.LoadTree(filepath.Join(side.repo, rel))
	}
	var err error
	if tree == nil {
		tree, err = loadKollaTree(o.kollaDir)
	}
	if err != nil {
		clean()
		return affectedSide{}, noop, err
	}
	side.tree = tree
	return side, clean, nil
}

// kollaInRepo returns the Kolla tree's path relative to the repository when
// it lies inside it. Both paths are taken from the working directory, as
// every command takes them.
func kollaInRepo(repo, kollaDir string) (string, bool) {
	rel, err := filepath.Rel(realPath(repo), realPath(kollaDir))
	if err != nil || !filepath.IsLocal(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// affectedByRange compares two revisions profile by profile.
func affectedByRange(ctx context.Context, o *affectedOptions, names []string) (map[string]*affectedProfile, error) {
	changed, err := changedFiles(o.repo, o.since, o.until)
	if err != nil {
		return nil, err
	}
	old, cleanOld, err := openRevision(o, o.since)
	if err != nil {
		return nil, err
	}
	defer cleanOld()
	new, cleanNew, err := openRevision(o, o.until)
	if err != nil {
		return nil, err
	}
	defer cleanNew()
	if names, err = profileNames(new.repo, names); err != nil {
		return nil, err
	}
	oldFolders, err := profiles.List(old.repo)
	if err != nil {
		return nil, err
	}
	newFolders, err := profiles.List(new.repo)
	if err != nil {
		return nil, err
	}
	kollaDocker := kollaDockerInRepo(o, new)
	result := map[string]*affectedProfile{}
	for _, name := range names {
		b, err := planSide(ctx, new, name)
		if err != nil {
			return nil, fmt.Errorf("profile %s at %s: %w", name, revLabel(o.until), err)
		}
		direct := map[string][]string{}
		if slices.Contains(newFolders, name) && !slices.Contains(oldFolders, name) {
			// the profile's folder is new: all it builds is new
			for _, image := range b.im.Graph.Names() {
				direct[image] = []string{"new profile"}
			}
			result[name] = withDescendants(b.im, direct)
			continue
		}
		a, err := planSide(ctx, old, name)
		if err != nil {
			return nil, fmt.Errorf("profile %s at %s: %w", name, o.since, err)
		}
		for _, image := range b.im.Graph.Names() {
			direct[image] = imageChanges(a, b, image, changed, kollaDocker)
		}
		result[name] = withDescendants(b.im, direct)
	}
	return result, nil
}

func revLabel(rev string) string {
	if rev == "" {
		return "the work tree"
	}
	return rev
}

// kollaDockerInRepo is the repository-relative path of the Kolla template
// folder (docker/), or "" when the Kolla tree is not in the repository.
func kollaDockerInRepo(o *affectedOptions, side affectedSide) string {
	if _, ok := kollaInRepo(o.repo, o.kollaDir); !ok {
		return ""
	}
	rel, err := filepath.Rel(realPath(side.repo), realPath(side.tree.DockerDir))
	if err != nil || !filepath.IsLocal(rel) {
		return ""
	}
	return filepath.ToSlash(rel)
}

func realPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// changedFiles lists the repository-relative files that differ between
// since and until (the work tree when until is "").
func changedFiles(repo, since, until string) ([]string, error) {
	args := []string{"diff", "--name-only", "--no-renames", "--relative", since}
	if until != "" {
		args = append(args, until)
	}
	out, err := gitOutput(repo, append(args, "--")...)
	if err != nil {
		return nil, fmt.Errorf("git diff %s: %w", strings.Join(args[4:], " "), err)
	}
	return strings.Fields(out), nil
}

// plannedSide is one profile planned on one side.
type plannedSide struct {
	profile *profiles.Profile
	im      *plan.Images
}

func planSide(ctx context.Context, s affectedSide, name string) (plannedSide, error) {
	cfg, err := plan.Load(plan.Request{Repo: s.repo, Profile: name, Env: environ(), Tree: s.tree})
	if err != nil {
		return plannedSide{}, err
	}
	im, err := cfg.ForArch(ctx, "")
	if err != nil {
		return plannedSide{}, err
	}
	return plannedSide{profile: cfg.Profile, im: im}, nil
}

// imageChanges are the reasons one image itself changed between a and b.
func imageChanges(a, b plannedSide, image string, changed []string, kollaDocker string) []string {
	var why []string
	oldText, wasRendered := a.im.Dockerfiles[image]
	if !a.im.Selection.IsSelected(image) && b.im.Selection.IsSelected(image) {
		why = append(why, "newly selected")
	} else if !wasRendered || oldText != b.im.Dockerfiles[image] {
		why = append(why, "Dockerfile changed")
	}
	// a new tag or registry is a new image even when its Dockerfile is not
	if oldRef, newRef := a.im.Graph.Ref(image), b.im.Graph.Ref(image); oldRef != newRef {
		why = append(why, fmt.Sprintf("name changed: %s → %s", oldRef, newRef))
	}
	var folders []string
	if kollaDocker != "" {
		folders = append(folders, kollaDocker+"/"+b.im.Paths[image])
	}
	folders = append(folders, localSourceFolders(a.profile, image)...)
	folders = append(folders, localSourceFolders(b.profile, image)...)
	if image == profiles.AptImage {
		folders = append(folders, aptFilePaths(a.profile)...)
		folders = append(folders, aptFilePaths(b.profile)...)
	}
	if files := filesUnder(changed, folders); len(files) > 0 {
		why = append(why, "build context: "+describeFiles(files))
	}
	return append(why, sourceChanges(a.profile, b.profile, image)...)
}

// localSourceFolders are the repository-relative folders of the local
// sources, plugins and additions image is built with.
func localSourceFolders(p *profiles.Profile, image string) []string {
	main, plugins, additions := p.SourcesOf(image)
	var out []string
	for _, s := range append(append([]*profiles.Source{main}, plugins...), additions...) {
		if s == nil || s.Type != "local" {
			continue
		}
		path := s.Path
		if path == "" {
			path = filepath.Join(p.Repo, filepath.FromSlash(s.Location))
		}
		rel, err := filepath.Rel(realPath(p.Repo), realPath(path))
		if err == nil && filepath.IsLocal(rel) {
			out = append(out, filepath.ToSlash(rel))
		}
	}
	return out
}

// aptFilePaths are the repository-relative paths of the apt files the
// profile copies into the base image's build context.
func aptFilePaths(p *profiles.Profile) []string {
	var out []string
	for _, f := range p.AptFiles {
		rel, err := filepath.Rel(realPath(p.Repo), realPath(f.Path))
		if err == nil && filepath.IsLocal(rel) {
			out = append(out, filepath.ToSlash(rel))
		}
	}
	return out
}

// filesUnder returns the files that are one of folders or below one.
func filesUnder(files, folders []string) []string {
	var out []string
	for _, f := range files {
		for _, dir := range folders {
			if f == dir || strings.HasPrefix(f, strings.TrimSuffix(dir, "/")+"/") {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

func describeFiles(files []string) string {
	const shown = 3
	if len(files) <= shown {
		return strings.Join(files, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(files[:shown], ", "), len(files)-shown)
}

// sourceChanges compares the source sections of image on both sides: what
// kolla-build would fetch for it (type, location, reference, version,
// checksums) when the section is enabled on either side.
func sourceChanges(a, b *profiles.Profile, image string) []string {
	sections := map[string]bool{}
	for _, p := range []*profiles.Profile{a, b} {
		for name, s := range p.Sources {
			if s.Image == image {
				sections[name] = true
			}
		}
	}
	var why []string
	for _, name := range slices.Sorted(maps.Keys(sections)) {
		if diff := sourceDiff(a.Sources[name], b.Sources[name]); diff != "" {
			why = append(why, fmt.Sprintf("source [%s] changed: %s", name, diff))
		}
	}
	return why
}

// sourceDiff says which fields of a source differ, "" when none does.
// A section missing or disabled on a side fetches nothing there.
func sourceDiff(a, b *profiles.Source) string {
	on := func(s *profiles.Source) bool { return s != nil && s.Enabled && s.Type != "" }
	switch {
	case !on(a) && !on(b):
		return ""
	case !on(a):
		return "enabled"
	case !on(b):
		return "disabled"
	}
	var fields []string
	field := func(name, x, y string) {
		if x != y {
			fields = append(fields, fmt.Sprintf("%s %q → %q", name, x, y))
		}
	}
	field("type", a.Type, b.Type)
	field("location", a.Location, b.Location)
	field("reference", a.Reference, b.Reference)
	field("version", a.Version, b.Version)
	if !maps.Equal(a.SHA256, b.SHA256) {
		fields = append(fields, "sha256")
	}
	return strings.Join(fields, ", ")
}

// withDescendants adds to the images with their own reasons every image
// built on one of them, and keeps what the profile selects, in graph order.
// An image whose parent is affected is affected even when the profile does
// not select the parent.
func withDescendants(im *plan.Images, direct map[string][]string) *affectedProfile {
	affected := map[string]bool{}
	var isAffected func(image string) bool
	isAffected = func(image string) bool {
		if v, seen := affected[image]; seen {
			return v
		}
		affected[image] = len(direct[image]) > 0 // graph.New refuses cycles
		if parent, ok := im.Graph.Parent(image); ok && isAffected(parent) {
			affected[image] = true
		}
		return affected[image]
	}
	res := &affectedProfile{Images: []string{}, Reasons: map[string][]string{}}
	for _, image := range im.Graph.Names() {
		if !isAffected(image) || !im.Selection.IsSelected(image) {
			continue
		}
		why := slices.Clone(direct[image])
		if parent, ok := im.Graph.Parent(image); ok && isAffected(parent) {
			why = append(why, "parent "+parent+" is affected")
		}
		res.Images = append(res.Images, image)
		res.Reasons[image] = why
	}
	return res
}

// affectedBySource lists, per profile, the consumers of one source section:
// the image it belongs to (itself, or the image of a plugin or addition)
// and that image's descendants.
func affectedBySource(ctx context.Context, o *affectedOptions, names []string) (map[string]*affectedProfile, error) {
	section := strings.ToLower(o.source)
	side, clean, err := openRevision(o, "")
	if err != nil {
		return nil, err
	}
	defer clean()
	if names, err = profileNames(o.repo, names); err != nil {
		return nil, err
	}
	result := map[string]*affectedProfile{}
	known := false
	for _, name := range names {
		s, err := planSide(ctx, side, name)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		direct := map[string][]string{}
		if src, ok := s.profile.Sources[section]; ok {
			known = true
			if _, inTree := s.im.Graph.Image(src.Image); inTree {
				direct[src.Image] = []string{sourceUse(src)}
			}
		}
		result[name] = withDescendants(s.im, direct)
	}
	if !known {
		return nil, fmt.Errorf("--source %q: no profile defines this source section", o.source)
	}
	return result, nil
}

// sourceUse says how an image consumes a source section.
func sourceUse(s *profiles.Source) string {
	switch s.Role {
	case profiles.Plugin:
		return fmt.Sprintf("plugin source [%s]", s.Section)
	case profiles.Addition:
		return fmt.Sprintf("addition source [%s]", s.Section)
	}
	return fmt.Sprintf("source [%s]", s.Section)
}

func writeAffected(w io.Writer, format string, result map[string]*affectedProfile) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Profiles map[string]*affectedProfile `json:"profiles"`
		}{result})
	}
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(result)) {
		r := result[name]
		fmt.Fprintf(&b, "# profile %s: %d image(s)\n", name, len(r.Images))
		for _, image := range r.Images {
			fmt.Fprintf(&b, "%s: %s\n", image, strings.Join(r.Reasons[image], "; "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
