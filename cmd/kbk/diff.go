package main

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kbk-dev/kbk/internal/udiff"
	"github.com/kbk-dev/kbk/lint"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

func init() { subcommands = append(subcommands, newDiffCmd) }

// diffOptions are the command line of `kbk diff`.
type diffOptions struct {
	repo               string
	from, to           string // git revisions of repo, or configuration directories
	kollaDir           string
	kollaFrom, kollaTo string
	base, baseArch     string
	set                []string
	subProfile         string
	enableUnbuildable  bool
	stat               bool
	format             string
	contextLines       int
}

func newDiffCmd(*globalOptions) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff [PROFILE...] (--from A --to B | --kolla-from DIR --kolla-to DIR)",
		Short: "Show how the rendered Dockerfiles change between two configurations or Kolla trees",
		Long: `Render every image of each profile twice and show, per image, whether its
Dockerfile changes, a unified diff, and a summary: changed, added and removed images,
and the images a build rebuilds because a parent changed.

--from and --to name git revisions of the configuration repository (--repo) or two
configuration directories; a side left out is the repository as it is on disk.
--kolla-from and --kolla-to name two Kolla trees; a side left out uses --kolla-dir.
Without PROFILE the repository root's settings apply to every image.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(cmd.Context(), cmd.OutOrStdout(), o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.repo, "repo", ".", "configuration repository")
	f.StringVar(&o.from, "from", "", "old side: git revision of --repo, or a configuration directory")
	f.StringVar(&o.to, "to", "", "new side: git revision of --repo, or a configuration directory")
	f.StringVar(&o.kollaDir, "kolla-dir", "kolla-docker", "Kolla tree of both sides")
	f.StringVar(&o.kollaFrom, "kolla-from", "", "Kolla tree of the old side")
	f.StringVar(&o.kollaTo, "kolla-to", "", "Kolla tree of the new side")
	f.StringVar(&o.base, "base", "", "base distro (default: the profile's)")
	f.StringVar(&o.baseArch, "base-arch", "", "base architecture (default: the profile's)")
	f.StringArrayVar(&o.set, "set", nil, "set an option on both sides (NAME=VALUE, repeatable), e.g. --set tag=ci")
	f.StringVar(&o.subProfile, "sub-profile", "", "sub-profile: read <profile>/<SUB>.env")
	f.BoolVar(&o.enableUnbuildable, "enable-unbuildable", false, "keep images Kolla lists as unbuildable")
	f.BoolVar(&o.stat, "stat", false, "print the summary only, without unified diffs")
	f.StringVar(&o.format, "format", "text", "output format: text or json")
	f.IntVarP(&o.contextLines, "unified", "U", udiff.DefaultContext, "lines of context in diffs")
	return cmd
}

// diffSide is one side of a comparison: a configuration directory and a tree.
type diffSide struct {
	label string // "a" or "b"
	repo  string
	tree  *render.Tree
}

func runDiff(ctx context.Context, out io.Writer, o *diffOptions, names []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("--format %q: want text or json", o.format)
	}
	if o.from == "" && o.to == "" && o.kollaFrom == "" && o.kollaTo == "" {
		return errors.New("nothing to compare: give --from/--to (revisions or directories) or --kolla-from/--kolla-to")
	}
	flags, err := diffFlags(o)
	if err != nil {
		return err
	}
	old, cleanOld, err := openSide(o, "a", o.from, o.kollaFrom)
	if err != nil {
		return err
	}
	defer cleanOld()
	new, cleanNew, err := openSide(o, "b", o.to, o.kollaTo)
	if err != nil {
		return err
	}
	defer cleanNew()
	if len(names) == 0 {
		names = []string{""}
	}
	var reports []diffReport
	var failed []error
	for _, name := range names {
		r, err := diffProfile(ctx, o, old, new, name, flags)
		if err != nil {
			return err
		}
		reports = append(reports, r)
		failed = append(failed, r.cmp.Errors...)
	}
	if err := writeDiff(out, o, reports); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("some images did not render: %w", errors.Join(failed...))
	}
	return nil
}

func diffFlags(o *diffOptions) ([]profiles.Flag, error) {
	var flags []profiles.Flag
	if o.base != "" {
		flags = append(flags, profiles.Flag{Name: "base", Value: o.base})
	}
	if o.baseArch != "" {
		flags = append(flags, profiles.Flag{Name: "base_arch", Value: o.baseArch})
	}
	for _, s := range o.set {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("--set %q: want NAME=VALUE", s)
		}
		flags = append(flags, profiles.Flag{Name: name, Value: value})
	}
	return flags, nil
}

// openSide prepares one side: the configuration (the repository on disk, a
// directory, or a git revision exported to a temporary directory) and the
// Kolla tree. The returned function removes what it created.
func openSide(o *diffOptions, label, rev, kollaDir string) (diffSide, func(), error) {
	noop := func() {}
	if kollaDir == "" {
		kollaDir = o.kollaDir
	}
	tree, err := loadKollaTree(kollaDir)
	if err != nil {
		return diffSide{}, noop, err
	}
	side := diffSide{label: label, repo: o.repo, tree: tree}
	if rev == "" {
		return side, noop, nil
	}
	if st, err := os.Stat(rev); err == nil && st.IsDir() {
		side.repo = rev
		return side, noop, nil
	}
	dir, err := os.MkdirTemp("", "kbk-diff-")
	if err != nil {
		return diffSide{}, noop, err
	}
	clean := func() { os.RemoveAll(dir) }
	if err := exportRevision(o.repo, rev, dir); err != nil {
		clean()
		return diffSide{}, noop, err
	}
	side.repo = dir
	return side, clean, nil
}

// exportRevision writes the configuration repository as it was at rev into
// dir, with git archive: the repository may be a folder of a larger git
// work tree, whose path inside it is kept out.
func exportRevision(repo, rev, dir string) error {
	prefix, err := gitOutput(repo, "rev-parse", "--show-prefix")
	if err != nil {
		return fmt.Errorf("--from/--to %q is not a directory, and %q is not in a git repository: %w", rev, repo, err)
	}
	top, err := gitOutput(repo, "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	treeish := rev
	if p := strings.TrimSuffix(strings.TrimSpace(prefix), "/"); p != "" {
		treeish = rev + ":" + p
	}
	// run at the top: git archive limits itself to the working directory
	cmd := exec.Command("git", "-C", strings.TrimSpace(top), "archive", "--format=tar", treeish)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	extractErr := extractTar(stdout, dir)
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %w: %s", treeish, err, strings.TrimSpace(stderr.String()))
	}
	return extractErr
}

func gitOutput(dir string, args ...string) (string, error) {
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return string(out), err
}

// extractTar unpacks the regular files, directories and symbolic links of a
// tar stream under dir, refusing names that leave it.
func extractTar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("archive entry %q leaves the directory", h.Name)
		}
		path := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(path, 0o755)
		case tar.TypeReg:
			err = writeFileFrom(path, tr, os.FileMode(h.Mode)&0o777)
		case tar.TypeSymlink:
			if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
				err = os.Symlink(h.Linkname, path)
			}
		}
		if err != nil {
			return err
		}
	}
}

func writeFileFrom(path string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// diffReport is the comparison of one profile.
type diffReport struct {
	profile string
	cmp     *lint.Comparison
}

func diffProfile(ctx context.Context, o *diffOptions, old, new diffSide, name string, flags []profiles.Flag) (diffReport, error) {
	render := func(s diffSide) (*lint.Rendered, error) {
		p, _, err := loadProfile(s.repo, name, o.subProfile, s.tree, flags, nil)
		if err != nil {
			return nil, fmt.Errorf("%s side: %w", sideName(s), err)
		}
		r, err := lint.Render(ctx, s.tree, p, lint.Options{Env: environ(), EnableUnbuildable: o.enableUnbuildable})
		if err != nil {
			return nil, fmt.Errorf("%s side: %w", sideName(s), err)
		}
		return r, nil
	}
	a, err := render(old)
	if err != nil {
		return diffReport{}, err
	}
	b, err := render(new)
	if err != nil {
		return diffReport{}, err
	}
	return diffReport{profile: name, cmp: lint.Compare(a, b)}, nil
}

func sideName(s diffSide) string {
	if s.label == "a" {
		return "old"
	}
	return "new"
}

func writeDiff(w io.Writer, o *diffOptions, reports []diffReport) error {
	if o.format == "json" {
		return writeDiffJSON(w, o, reports)
	}
	var b strings.Builder
	for _, r := range reports {
		c := r.cmp
		if r.profile != "" {
			fmt.Fprintf(&b, "# profile %s\n", r.profile)
		}
		if !o.stat {
			for _, ch := range allChanges(c) {
				b.WriteString(unifiedDiff(ch, o.contextLines))
			}
		}
		fmt.Fprintf(&b, "changed: %d image(s)%s\n", len(c.Changed), nameList(lint.Names(c.Changed)))
		fmt.Fprintf(&b, "added: %d image(s)%s\n", len(c.Added), nameList(lint.Names(c.Added)))
		fmt.Fprintf(&b, "removed: %d image(s)%s\n", len(c.Removed), nameList(lint.Names(c.Removed)))
		fmt.Fprintf(&b, "rebuilt for a changed parent: %d image(s)%s\n", len(c.Rebuilt), nameList(c.Rebuilt))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func allChanges(c *lint.Comparison) []lint.ImageChange {
	return append(append(append([]lint.ImageChange{}, c.Changed...), c.Added...), c.Removed...)
}

// unifiedDiff is one image's diff, /dev/null standing for a missing side.
func unifiedDiff(ch lint.ImageChange, context int) string {
	oldName, newName := "a/"+ch.Path+"/Dockerfile", "b/"+ch.Path+"/Dockerfile"
	if ch.Old == "" {
		oldName = "/dev/null"
	}
	if ch.New == "" {
		newName = "/dev/null"
	}
	return udiff.Unified(oldName, newName, ch.Old, ch.New, context)
}

func nameList(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ": " + strings.Join(names, ", ")
}

// diffJSON is the --format json shape of one profile's comparison.
type diffJSON struct {
	Profile string          `json:"profile,omitempty"`
	Changed []imageDiffJSON `json:"changed"`
	Added   []imageDiffJSON `json:"added"`
	Removed []imageDiffJSON `json:"removed"`
	Rebuilt []string        `json:"rebuilt"`
}

type imageDiffJSON struct {
	Image string `json:"image"`
	Path  string `json:"path"`
	Diff  string `json:"diff,omitempty"`
}

func writeDiffJSON(w io.Writer, o *diffOptions, reports []diffReport) error {
	var out []diffJSON
	for _, r := range reports {
		conv := func(chs []lint.ImageChange) []imageDiffJSON {
			list := []imageDiffJSON{}
			for _, ch := range chs {
				j := imageDiffJSON{Image: ch.Image, Path: ch.Path}
				if !o.stat {
					j.Diff = unifiedDiff(ch, o.contextLines)
				}
				list = append(list, j)
			}
			return list
		}
		rebuilt := r.cmp.Rebuilt
		if rebuilt == nil {
			rebuilt = []string{}
		}
		out = append(out, diffJSON{Profile: r.profile, Changed: conv(r.cmp.Changed), Added: conv(r.cmp.Added),
			Removed: conv(r.cmp.Removed), Rebuilt: rebuilt})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
