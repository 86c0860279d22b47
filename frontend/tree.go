package frontend

import (
	"path"
	"slices"

	"github.com/moby/buildkit/client/llb"
)

// Tree gives the LLB state holding one directory (or file) of a file tree that
// reaches the build from outside: the Kolla tree, the main build context.
type Tree interface {
	// Dir returns a state holding p (a relative slash path of the tree) and the
	// absolute path of p inside that state.
	Dir(p string) (llb.State, string)
}

// StateTree is a tree held whole by one state under Root, such as a named
// context fetched from git or an OCI layout.
type StateTree struct {
	State llb.State
	// Root is the tree's directory inside State ("" or "/" for its root).
	Root string
}

// Dir implements Tree.
func (t StateTree) Dir(p string) (llb.State, string) {
	return t.State, path.Join("/", t.Root, p)
}

// LocalTree is a tree in a directory the client shares over the session. Every
// Dir is its own llb.Local that transfers only that path, so an image's build
// context never depends on which other images are part of the build, and a
// parent's vertices stay the same whichever child is the target.
type LocalTree struct {
	// Name is the session's local name ("context").
	Name string
	// Root is the tree's directory inside the local directory ("kolla-docker").
	Root string
	// Options are added to every llb.Local: session ID, shared key hint.
	Options []llb.LocalOption
}

// Dir implements Tree.
func (t LocalTree) Dir(p string) (llb.State, string) {
	full := path.Join(t.Root, p)
	opts := append(slices.Clone(t.Options),
		llb.IncludePatterns([]string{full}),
		llb.WithCustomName("[kbk] load "+full),
	)
	return llb.Local(t.Name, opts...), "/" + full
}
