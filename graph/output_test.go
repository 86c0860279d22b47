package graph

import (
	"bytes"
	"strings"
	"testing"
)

// The expected texts below follow kolla-build's list_images, list_dependencies
// and save_dependency (Kolla order: by path, directory by directory); the
// conformance test in cmd/kbk checks the same writers against Python Kolla.

func write(t *testing.T, f func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestKollaWriters(t *testing.T) {
	g := mustNew(t, tree(), naming)
	for _, tc := range []struct {
		name            string
		sel             Selection
		list, json, dot string
	}{
		{
			name: "one leaf and its ancestors",
			sel:  Selection{Match: substring("nova-api")},
			list: "1 : base\n2 : nova-api\n3 : nova-base\n4 : openstack-base\n",
			json: "{\n  \"base\": [\n    {\n      \"openstack-base\": [\n        {\n          \"nova-base\": [\n            \"nova-api\"\n          ]\n        }\n      ]\n    }\n  ]\n}",
			dot: "// Container Images Dependency\ndigraph {\nrankdir=LR\tbase\n\t\"nova-api\"\n\t\"nova-base\" -> \"nova-api\"\n" +
				"\t\"nova-base\"\n\t\"openstack-base\" -> \"nova-base\"\n\t\"openstack-base\"\n\tbase -> \"openstack-base\"\n}\n",
		},
		{
			// Skipped parents hide their subtrees from the JSON, as in Kolla.
			name: "skip parents",
			sel:  Selection{Match: substring("nova"), SkipParents: true},
			list: "1 : nova-api\n2 : nova-compute\n3 : nova-libvirt\n",
			json: "{\n  \"base\": [\n    \"nova-libvirt\"\n  ]\n}",
			dot: "// Container Images Dependency\ndigraph {\nrankdir=LR\t\"nova-api\"\n\t\"nova-base\" -> \"nova-api\"\n" +
				"\t\"nova-compute\"\n\t\"nova-base\" -> \"nova-compute\"\n\t\"nova-libvirt\"\n\tbase -> \"nova-libvirt\"\n}\n",
		},
		{
			// A selected image with children, none of them selected, is still an object.
			name: "parent without selected children",
			sel:  Selection{Match: substring("nova-base")},
			list: "1 : base\n2 : nova-base\n3 : openstack-base\n",
			json: "{\n  \"base\": [\n    {\n      \"openstack-base\": [\n        {\n          \"nova-base\": []\n        }\n      ]\n    }\n  ]\n}",
			dot: "// Container Images Dependency\ndigraph {\nrankdir=LR\tbase\n\t\"nova-base\"\n\t\"openstack-base\" -> \"nova-base\"\n" +
				"\t\"openstack-base\"\n\tbase -> \"openstack-base\"\n}\n",
		},
		{
			name: "nothing",
			sel:  Selection{Match: substring("nope")},
			list: "",
			json: "Nothing matched!\n",
			dot:  "// Container Images Dependency\ndigraph {\nrankdir=LR}\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := selectWith(t, g, tc.sel)
			if got := write(t, func(b *bytes.Buffer) error { return r.WriteList(b) }); got != tc.list {
				t.Errorf("list:\n%s\nwant:\n%s", got, tc.list)
			}
			if got := write(t, func(b *bytes.Buffer) error { return r.WriteJSON(b) }); got != tc.json {
				t.Errorf("json:\n%s\nwant:\n%s", got, tc.json)
			}
			if got := write(t, func(b *bytes.Buffer) error { return r.WriteDot(b) }); got != tc.dot {
				t.Errorf("dot:\n%q\nwant:\n%q", got, tc.dot)
			}
		})
	}
}

// Kolla's --list-dependencies shows one base: the last image, in Kolla order,
// built on an external base, even when nothing under it is selected.
func TestJSONShowsLastBase(t *testing.T) {
	images := append(tree(), Image{Name: "zz-external", Path: "zz-external", From: "other/base:1"})
	r := selectWith(t, mustNew(t, images, naming), Selection{Match: substring("cron")})
	if got, want := write(t, func(b *bytes.Buffer) error { return r.WriteJSON(b) }), "{\n  \"zz-external\": []\n}"; got != want {
		t.Errorf("json = %q, want %q", got, want)
	}
}

func TestDotID(t *testing.T) {
	for in, want := range map[string]string{
		"base": "base", "a_b": "a_b", "Ab9": "Ab9", "12": "12", "-1.5": "-1.5",
		"nova-api": `"nova-api"`, "1x": `"1x"`, "node": `"node"`, "Strict": `"Strict"`, `a"b`: `"a\"b"`, "<b>": "<b>",
	} {
		if got := dotID(in); got != want {
			t.Errorf("dotID(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestPythonJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"nova-api": `"nova-api"`, `a"b\c`: `"a\"b\\c"`, "é": `"\u00e9"`, "\x01": `"\u0001"`, "😀": `"\ud83d\ude00"`, "a\tb": `"a\tb"`,
	} {
		if got := pythonJSONString(in); got != want {
			t.Errorf("pythonJSONString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestTree(t *testing.T) {
	g := mustNew(t, tree(), naming)
	r := selectWith(t, g, Selection{Match: substring("nova-api", "nova-compute"), Unbuildable: map[string]string{"nova-compute": "rocky"}})
	got := write(t, func(b *bytes.Buffer) error { return r.WriteTree(b, TreeOptions{}) })
	want := `base  [ancestor of nova-api]
└── openstack-base  [ancestor of nova-api]
    └── nova-base  [ancestor of nova-api]
        ├── nova-api  [matched "nova-api"]
        └── nova-compute  [unbuildable for "rocky"]
4 selected (1 matched, 3 ancestors), 0 skipped, 1 unbuildable, 2 not selected; longest chain 4 images
`
	if got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	all := write(t, func(b *bytes.Buffer) error { return r.WriteTree(b, TreeOptions{All: true}) })
	for _, line := range []string{"├── cron  [not selected]\n", "├── nova-libvirt  [not selected]\n"} {
		if !strings.Contains(all, line) {
			t.Errorf("tree with All lacks %q:\n%s", line, all)
		}
	}
}

func TestExplain(t *testing.T) {
	g := mustNew(t, tree(), naming)
	r := selectWith(t, g, Selection{Match: substring("nova"), SkipParents: true, Unbuildable: map[string]string{"nova-base": "rocky"}, AllowedToFail: []string{"nova-libvirt"}})
	for name, want := range map[string]string{
		"nova-api":     `not built: it is built on nova-base, which is unbuildable here (key "rocky"); its name matches "nova"`,
		"nova-libvirt": `built: its name matches "nova"; allowed to fail`,
		"base":         "not built: it was needed by nova-libvirt, but it has children and --skip-parents is set",
		"cron":         "not built: its name matches no pattern",
	} {
		got, err := r.Explain(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, name+": "+want) {
			t.Errorf("Explain(%s) =\n%s\nwant it to start with %q", name, got, want)
		}
	}
	if _, err := r.Explain("nope"); err == nil || err.Error() != `no image "nope" in this tree` {
		t.Errorf("Explain(nope) error = %v", err)
	}
}
