package graph

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

var naming = Naming{Namespace: "kolla", Tag: "t"}

// tree is a small Kolla-shaped tree: base → openstack-base → nova-base → two
// nova services, plus a service on base and a nova image in its own directory.
func tree() []Image {
	return []Image{
		{Name: "base", Path: "base", From: "debian:bookworm"},
		{Name: "openstack-base", Path: "openstack-base", From: "kolla/base:t"},
		{Name: "nova-base", Path: "nova/nova-base", From: "kolla/openstack-base:t"},
		{Name: "nova-api", Path: "nova/nova-api", From: "kolla/nova-base:t"},
		{Name: "nova-compute", Path: "nova/nova-compute", From: "kolla/nova-base:t"},
		{Name: "cron", Path: "cron", From: "kolla/base:t"},
		{Name: "nova-libvirt", Path: "nova-libvirt", From: "kolla/base:t"},
	}
}

func mustNew(t *testing.T, images []Image, n Naming) *Graph {
	t.Helper()
	g, err := New(images, n)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestFromReference(t *testing.T) {
	for _, tc := range []struct{ dockerfile, want string }{
		{"FROM kolla/base:t\nLABEL a=b\n", "kolla/base:t"},
		{"# syntax=x\n\nFROM a:1 AS b\nFROM c\n", "a:1"},
		{"from lower:1\n", "lower:1"},
		{"RUN x\n  FROM indented\n", ""},
		{"FROM\n", ""},
		{"FROM  two-spaces\n", ""},
		{"", ""},
		{"FROM a\r\n", "a\r"},
	} {
		if got := FromReference(tc.dockerfile); got != tc.want {
			t.Errorf("FromReference(%q) = %q, want %q", tc.dockerfile, got, tc.want)
		}
	}
}

func FuzzFromReference(f *testing.F) {
	f.Add("FROM kolla/base:t\n")
	f.Add("from a b c\nFROM d")
	f.Fuzz(func(t *testing.T, s string) {
		ref := FromReference(s)
		if strings.Contains(ref, "\n") || strings.Contains(ref, " ") {
			t.Fatalf("FromReference(%q) = %q spans fields or lines", s, ref)
		}
	})
}

func TestNaming(t *testing.T) {
	n := Naming{Registry: "reg:5000", Namespace: "ns", Prefix: "p-", Tag: "t", ParentTag: "pt"}
	if got, want := n.Ref("base"), "reg:5000/ns/p-base:t"; got != want {
		t.Errorf("Ref = %q, want %q", got, want)
	}
	g := mustNew(t, []Image{
		{Name: "base", Path: "base", From: "debian"},
		{Name: "child", Path: "child", From: "reg:5000/ns/p-base:pt"},
		{Name: "other", Path: "other", From: "ns/p-base:pt"}, // another registry: external
	}, n)
	if p, ok := g.Parent("child"); !ok || p != "base" {
		t.Errorf("Parent(child) = %q, %v; want base", p, ok)
	}
	if _, ok := g.Parent("other"); ok {
		t.Errorf("other has a parent; its FROM names another registry")
	}
}

func TestQueries(t *testing.T) {
	g := mustNew(t, tree(), naming)
	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("Names", g.Names(), []string{"base", "cron", "nova-api", "nova-base", "nova-compute", "nova-libvirt", "openstack-base"})
	check("Children(base)", g.Children("base"), []string{"cron", "nova-libvirt", "openstack-base"})
	check("Ancestors(nova-api)", g.Ancestors("nova-api"), []string{"nova-base", "openstack-base", "base"})
	check("Descendants(openstack-base)", g.Descendants("openstack-base"), []string{"nova-base", "nova-api", "nova-compute"})
	check("Roots", g.Roots(), []string{"base"})
	check("BuildOrder", g.BuildOrder(nil), []string{"base", "cron", "nova-libvirt", "openstack-base", "nova-base", "nova-api", "nova-compute"})
	if n := g.CriticalPath(func(string) bool { return true }); n != 4 {
		t.Errorf("CriticalPath = %d, want 4", n)
	}
	if n := g.CriticalPath(func(s string) bool { return s != "nova-base" }); n != 3 {
		t.Errorf("CriticalPath without nova-base = %d, want 3", n)
	}
}

// "nova/nova-api" sorts before "nova-libvirt" directory by directory, though
// not byte by byte.
func TestKollaOrderIsByDirectory(t *testing.T) {
	if comparePaths("nova/nova-api", "nova-libvirt") >= 0 {
		t.Error("nova/nova-api should sort before nova-libvirt")
	}
}

func TestOrderDoesNotDependOnInput(t *testing.T) {
	want := mustNew(t, tree(), naming)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		images := tree()
		rng.Shuffle(len(images), func(i, j int) { images[i], images[j] = images[j], images[i] })
		g := mustNew(t, images, naming)
		if !slices.Equal(g.BuildOrder(nil), want.BuildOrder(nil)) || !slices.Equal(g.Names(), want.Names()) {
			t.Fatalf("order changed with input order %v", images)
		}
	}
}

// A fork adds its own image under an existing parent: it becomes one more child
// and is selected with its ancestors like any other.
func TestForkAddsChild(t *testing.T) {
	images := append(tree(), Image{Name: "nova-custom", Path: "fork/nova-custom", From: "kolla/nova-base:t"})
	g := mustNew(t, images, naming)
	if got := g.Children("nova-base"); !slices.Equal(got, []string{"nova-custom", "nova-api", "nova-compute"}) {
		t.Errorf("Children(nova-base) = %q", got)
	}
	r := selectWith(t, g, Selection{Match: substring("custom")})
	if got, want := r.Selected(), []string{"base", "nova-custom", "nova-base", "openstack-base"}; !slices.Equal(got, want) {
		t.Errorf("Selected = %q, want %q", got, want)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		images []Image
		want   string
	}{
		{"missing parent", []Image{
			{Name: "base", Path: "base", From: "debian"},
			{Name: "a", Path: "a", From: "kolla/nope:t"},
		}, `image "a": FROM "kolla/nope:t" names no image of this tree (there is no image "nope")`},
		{"ambiguous parent", []Image{
			{Name: "base", Path: "x/base", From: "debian"},
			{Name: "base", Path: "y/base", From: "debian"},
			{Name: "a", Path: "a", From: "kolla/base:t"},
		}, `image "base" is defined 2 times: x/base, y/base` + "\n" + `image "a": parent "kolla/base:t" is ambiguous: x/base, y/base`},
		{"cycle", []Image{
			{Name: "a", Path: "a", From: "kolla/b:t"},
			{Name: "b", Path: "b", From: "kolla/a:t"},
			{Name: "c", Path: "c", From: "kolla/a:t"},
		}, "cycle: a -> b -> a"},
		{"self", []Image{{Name: "a", Path: "a", From: "kolla/a:t"}}, "cycle: a -> a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.images, naming)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v, want %s", err, tc.want)
			}
		})
	}
}

// substring matches like re.search with a literal pattern.
func substring(patterns ...string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for _, p := range patterns {
			if strings.Contains(name, p) {
				return p, true
			}
		}
		return "", false
	}
}

func selectWith(t *testing.T, g *Graph, sel Selection) *Result {
	t.Helper()
	r, err := g.Select(context.Background(), sel)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func statuses(r *Result) map[string]Status {
	out := map[string]Status{}
	for _, n := range r.Graph().Names() {
		d, _ := r.Decision(n)
		out[n] = d.Status
	}
	return out
}

func TestSelect(t *testing.T) {
	g := mustNew(t, tree(), naming)
	for _, tc := range []struct {
		name string
		sel  Selection
		want map[string]Status
	}{
		{"everything", Selection{}, map[string]Status{
			"base": Matched, "openstack-base": Matched, "nova-base": Matched, "nova-api": Matched,
			"nova-compute": Matched, "cron": Matched, "nova-libvirt": Matched}},
		{"pattern and ancestors", Selection{Match: substring("nova-api")}, map[string]Status{
			"base": Ancestor, "openstack-base": Ancestor, "nova-base": Ancestor, "nova-api": Matched,
			"nova-compute": Unmatched, "cron": Unmatched, "nova-libvirt": Unmatched}},
		{"unbuildable and descendants", Selection{Match: substring("nova"), Unbuildable: map[string]string{"nova-base": "rocky"}}, map[string]Status{
			"base": Ancestor, "openstack-base": Unmatched, "nova-base": Unbuildable, "nova-api": Unbuildable,
			"nova-compute": Unbuildable, "cron": Unmatched, "nova-libvirt": Matched}},
		{"skip parents", Selection{Match: substring("nova"), SkipParents: true}, map[string]Status{
			"base": Skipped, "openstack-base": Skipped, "nova-base": Skipped, "nova-api": Matched,
			"nova-compute": Matched, "cron": Unmatched, "nova-libvirt": Matched}},
		{"skip existing", Selection{Match: substring("nova-api"), Exists: func(_ context.Context, ref string) (bool, error) {
			return ref == "kolla/base:t" || ref == "kolla/cron:t", nil
		}}, map[string]Status{
			"base": Skipped, "openstack-base": Ancestor, "nova-base": Ancestor, "nova-api": Matched,
			"nova-compute": Unmatched, "cron": Unmatched, "nova-libvirt": Unmatched}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := statuses(selectWith(t, g, tc.sel))
			for n, s := range tc.want {
				if got[n] != s {
					t.Errorf("%s: %v, want %v", n, got[n], s)
				}
			}
		})
	}
}

func TestDecisionReasons(t *testing.T) {
	g := mustNew(t, tree(), naming)
	r := selectWith(t, g, Selection{Match: substring("nova-api", "nova-compute"), Unbuildable: map[string]string{"nova-base": "rocky"}})
	d, _ := r.Decision("nova-api")
	if d.Status != Unbuildable || d.Listed != "nova-base" || d.Rule != "rocky" || d.Pattern != "nova-api" {
		t.Errorf("nova-api: %+v", d)
	}
	r = selectWith(t, g, Selection{Match: substring("nova-compute", "nova-api")})
	if d, _ := r.Decision("nova-base"); d.Status != Ancestor || d.NeededBy != "nova-api" {
		t.Errorf("nova-base: %+v, want ancestor needed by nova-api, first in Kolla order", d)
	}
}

func TestUnbuildableImages(t *testing.T) {
	table := map[string][]string{
		"aarch64":        {"bifrost-base"},
		"rocky":          {"tgtd", "ovsdpdk"},
		"rocky+aarch64":  {"x"},
		"ubuntu+aarch64": {"y"},
		"rocky+10":       {"z"},
	}
	for _, tc := range []struct {
		tags []string
		want map[string]string
	}{
		{[]string{"rocky", "x86_64"}, map[string]string{"tgtd": "rocky", "ovsdpdk": "rocky"}},
		{[]string{"debian", "aarch64"}, map[string]string{"bifrost-base": "aarch64"}},
		{[]string{"rocky", "aarch64"}, map[string]string{"bifrost-base": "aarch64", "tgtd": "rocky", "ovsdpdk": "rocky", "x": "rocky+aarch64"}},
		{[]string{"rocky", "x86_64", "10"}, map[string]string{"tgtd": "rocky", "ovsdpdk": "rocky", "z": "rocky+10"}},
	} {
		got := UnbuildableImages(table, tc.tags...)
		if len(got) != len(tc.want) {
			t.Errorf("%v: got %v, want %v", tc.tags, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%v: got %v, want %v", tc.tags, got, tc.want)
			}
		}
	}
}
