package graph

import (
	"regexp"
	"strings"
)

// Image is one Kolla image as the graph needs it: where its Dockerfile lives and
// what its first FROM line names.
type Image struct {
	Name string // the image directory's name, e.g. "nova-api"
	Path string // the image directory relative to the docker tree, e.g. "nova/nova-api"
	From string // the reference of the first FROM line of the rendered Dockerfile
}

// Naming holds the options Kolla uses to name images, so that a FROM reference
// can be told apart as one of the tree's own images or an external base.
type Naming struct {
	Registry  string // registry host; empty for none
	Namespace string // e.g. "kolla"
	Prefix    string // image_name_prefix
	Tag       string // the tag images are built with
	ParentTag string // the tag children's FROM lines give their parents; empty means Tag
}

// Ref returns the canonical reference of image name, as Kolla writes it:
// [<registry>/]<namespace>/<prefix><name>:<tag>.
func (n Naming) Ref(name string) string {
	return n.repository() + name + ":" + n.Tag
}

// parentRef is the reference a child's FROM line uses for image name.
func (n Naming) parentRef(name string) string {
	tag := n.ParentTag
	if tag == "" {
		tag = n.Tag
	}
	return n.repository() + name + ":" + tag
}

// ownName reports whether ref has the shape of one of the tree's own images,
// [<registry>/]<namespace>/<prefix><name>:<parent tag>, and returns that name.
func (n Naming) ownName(ref string) (string, bool) {
	tag := n.ParentTag
	if tag == "" {
		tag = n.Tag
	}
	rest, ok := strings.CutPrefix(ref, n.repository())
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, ":"+tag)
	if !ok || name == "" || strings.ContainsAny(name, "/:@") {
		return "", false
	}
	return name, true
}

func (n Naming) repository() string {
	ns := n.Namespace
	if n.Registry != "" {
		ns = n.Registry + "/" + ns
	}
	return ns + "/" + n.Prefix
}

// firstFromLine matches what Kolla searches a rendered Dockerfile for: the first
// line starting with FROM in any case (Kolla before 21 matched upper case only;
// templates always write it so).
var firstFromLine = regexp.MustCompile(`(?im)^FROM.*$`)

// FromReference returns the parent reference of a rendered Dockerfile the way
// Kolla reads it: the first line starting with FROM, split on single spaces, the
// second field. It returns "" when there is no such line or field.
func FromReference(dockerfile string) string {
	line := firstFromLine.FindString(dockerfile)
	fields := strings.Split(line, " ")
	if len(fields) < 2 {
		return ""
	}
	return fields[1]
}
