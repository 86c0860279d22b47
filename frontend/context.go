package frontend

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"
)

// How the build context reproduces Kolla's archives.
//
// Kolla prepares each image folder before the build:
//   - the image source becomes a file "<name>-archive": for url the downloaded
//     bytes unchanged; for git a tar of the checkout with top directory
//     "<name>-archive-<reference, / replaced by ->"; for a local directory a tar
//     with the directory's base name on top (a local file is copied unchanged).
//     The Dockerfile runs `ADD <name>-archive /<name>-source`, and ADD unpacks a
//     local tar (compressed or not) into the destination.
//   - every plugin and addition is unpacked the same way into "plugins/" and
//     "additions/", which are then tarred as "plugins-archive" and
//     "additions-archive" with top directory "plugins"/"additions", always,
//     even when empty; the Dockerfile runs `ADD plugins-archive /`.
//   - the tars Kolla writes itself have owner root:root and mtime 0.
//
// ADD of a directory copies its content, and ADD of a tar unpacks it, so a
// directory whose content equals what the tar unpacks to gives the Dockerfile
// the same filesystem. The context therefore holds:
//   - url image source: the downloaded file itself as "<name>-archive", so ADD
//     decides about unpacking exactly as it does for Kolla's file;
//   - git and local image sources: a directory "<name>-archive/" holding what
//     Kolla's tar holds;
//   - "plugins-archive/plugins/" and "additions-archive/additions/" with every
//     plugin and addition unpacked in it (archives unpacked by LLB's copy, which
//     uses the same unpacker as ADD, into a directory of their own that is then
//     copied over with Kolla's owner and mtime, as Kolla re-tars them).
//
// Files Kolla tars are owned by root with mtime 0 here as well.
// TestArchiveLayoutMatchesKolla checks all this against Kolla's own code on a
// real BuildKit: paths, contents, modes, owners and mtimes. Not reproduced:
// Kolla also adds the owner-write bit to every tarred file, its git checkouts
// keep the whole history while LLB's git source may fetch shallowly, and a local
// non-archive file becomes a file inside "<name>-archive/" rather than the
// archive itself.

// tarTime is the mtime Kolla gives every file it tars.
func tarTime() *time.Time {
	t := time.Unix(0, 0).UTC()
	return &t
}

// tarOwner is the owner Kolla gives every file it tars: root.
func tarOwner() *llb.ChownOpt {
	return &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: 0}}
}

// imageContext builds the build context of one image: its folder of the Kolla
// tree with the planner's files in place of the tree's, plus its source
// archives laid out as described above.
func imageContext(img *PlannedImage, kolla, local Tree) (llb.State, error) {
	dirState, dirPath := kolla.Dir(img.ContextDir)
	fa := llb.Copy(dirState, dirPath, "/", &llb.CopyInfo{
		CopyDirContentsOnly: true,
		FollowSymlinks:      true,
	})
	files := slices.Clone(img.Files)
	slices.SortFunc(files, func(a, b ContextFile) int { return strings.Compare(a.Name, b.Name) })
	for _, f := range files {
		// Kolla copies the file over the tree's and then sets every mtime of
		// its working copy to 0.
		name := "/" + f.Name
		fa = fa.Rm(name, llb.WithAllowNotFound(true)).
			Mkfile(name, 0o644, f.Data, llb.WithCreatedTime(*tarTime()))
	}

	sources := slices.Clone(img.Sources)
	// Kolla's order of plugins comes from a Python set; sorting keeps ours stable.
	slices.SortFunc(sources, func(a, b Source) int { return strings.Compare(a.Name, b.Name) })
	for _, src := range sources {
		if src.Role != RoleImage {
			continue
		}
		var err error
		if fa, err = addImageSource(fa, src, local); err != nil {
			return llb.State{}, fmt.Errorf("image %q: %w", img.Name, err)
		}
	}
	for _, role := range []SourceRole{RolePlugin, RoleAddition} {
		dir := "/" + archiveDir(role)
		// Kolla unpacks every plugin (addition) into one directory, then tars that
		// directory with owner root and mtime 0 on every entry: unpack into a
		// directory of its own, then copy it over with that owner and mtime.
		var staged *llb.FileAction
		for _, src := range sources {
			if src.Role != role {
				continue
			}
			var err error
			if staged, err = unpackSource(staged, src, local); err != nil {
				return llb.State{}, fmt.Errorf("image %q: %w", img.Name, err)
			}
		}
		if staged == nil {
			fa = fa.Mkdir(dir, 0o755, llb.WithParents(true), llb.WithCreatedTime(*tarTime()), llb.WithUIDGID(0, 0))
			continue
		}
		st := llb.Scratch().File(staged, llb.WithCustomName(fmt.Sprintf("[kbk] %s: unpack %ss", img.Name, role)))
		fa = fa.Copy(st, "/", dir+"/", &llb.CopyInfo{
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
			ChownOpt:            tarOwner(),
			CreatedTime:         tarTime(),
		})
	}
	return llb.Scratch().File(fa, llb.WithCustomName("[kbk] "+img.Name+": build context")), nil
}

// archiveDir is the directory of the context a plugin's or an addition's
// content lands in.
func archiveDir(role SourceRole) string {
	if role == RolePlugin {
		return "plugins-archive/plugins"
	}
	return "additions-archive/additions"
}

// addImageSource puts the image's own source where `ADD <name>-archive
// /<name>-source` finds it.
func addImageSource(fa *llb.FileAction, src Source, local Tree) (*llb.FileAction, error) {
	archive := "/" + src.Name + "-archive"
	switch src.Kind {
	case KindURL:
		// The file itself: the Dockerfile's ADD unpacks it as it would Kolla's.
		return fa.Copy(httpSource(src), archive, archive, &llb.CopyInfo{}), nil
	case KindGit:
		return fa.Copy(gitSource(src), "/", archive+"/"+gitTopDir(src)+"/", &llb.CopyInfo{
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
			ChownOpt:            tarOwner(),
			CreatedTime:         tarTime(),
		}), nil
	case KindLocal:
		st, p := local.Dir(src.Location)
		// Into an existing directory: a directory lands under its base name and an
		// archive file is unpacked, as with Kolla's tar.
		return fa.Copy(st, p, archive+"/", &llb.CopyInfo{
			AttemptUnpack:  true,
			CreateDestPath: true,
			ChownOpt:       tarOwner(),
			CreatedTime:    tarTime(),
		}), nil
	}
	return nil, fmt.Errorf("source %q: unknown type %q", src.Name, src.Kind)
}

// unpackSource adds to staged (nil for a new one) the copy that unpacks a
// plugin or addition at the root, as Kolla extracts its archive.
func unpackSource(staged *llb.FileAction, src Source, local Tree) (*llb.FileAction, error) {
	var (
		st      llb.State
		from    string
		to      = "/"
		copyOpt = &llb.CopyInfo{AttemptUnpack: true, CreateDestPath: true}
	)
	switch src.Kind {
	case KindURL:
		st, from = httpSource(src), "/"+src.Name+"-archive"
	case KindGit:
		st, from, to = gitSource(src), "/", "/"+gitTopDir(src)+"/"
		copyOpt = &llb.CopyInfo{CopyDirContentsOnly: true, CreateDestPath: true}
	case KindLocal:
		st, from = local.Dir(src.Location)
	default:
		return nil, fmt.Errorf("source %q: unknown type %q", src.Name, src.Kind)
	}
	if staged == nil {
		return llb.Copy(st, from, to, copyOpt), nil
	}
	return staged.Copy(st, from, to, copyOpt), nil
}

// httpSource downloads a url source under Kolla's file name for it, checking
// its sha256 when the plan gives one.
func httpSource(src Source) llb.State {
	opts := []llb.HTTPOption{llb.Filename(src.Name + "-archive"), llb.WithCustomName("[kbk] download " + src.Location)}
	if src.SHA256 != "" {
		opts = append(opts, llb.Checksum(digest.NewDigestFromEncoded(digest.SHA256, src.SHA256)))
	}
	return llb.HTTP(src.Location, opts...)
}

// gitSource checks a git source out with its .git directory, which pbr reads
// the version from.
func gitSource(src Source) llb.State {
	return llb.Git(src.Location, "", llb.GitRef(src.Reference), llb.KeepGitDir(),
		llb.WithCustomName("[kbk] git "+src.Location+" "+src.Reference))
}

// gitTopDir is the top directory of Kolla's tar of a git checkout: its clone
// directory "<name>-archive-<reference with / replaced by ->".
func gitTopDir(src Source) string {
	return src.Name + "-archive-" + strings.ReplaceAll(src.Reference, "/", "-")
}
