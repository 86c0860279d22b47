package frontend

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestOrderedPutsParentsFirst(t *testing.T) {
	plan := offlinePlan()
	// Any input order gives the same order: parents first, siblings by name.
	for _, perm := range [][]int{{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {3, 0, 4, 2, 1}} {
		shuffled := &Plan{}
		for _, i := range perm {
			shuffled.Images = append(shuffled.Images, plan.Images[i])
		}
		ordered, err := shuffled.Ordered()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, img := range ordered {
			names = append(names, img.Name)
		}
		want := []string{"base", "openstack-base", "demo-base", "demo-api", "demo-worker"}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("order of %v (-want +got):\n%s", perm, diff)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Plan)
		want   string
	}{
		{"missing parent", func(p *Plan) { p.Images = p.Images[1:] }, `image "openstack-base": parent "base" is not in the plan`},
		{"twice", func(p *Plan) { p.Images = append(p.Images, p.Images[0]) }, `image "base": planned twice`},
		{"cycle", func(p *Plan) { p.Images[0].Parent, p.Images[0].ParentRef = "demo-api", "kolla/demo-api:t" },
			`images ["base" "demo-api" "demo-base" "demo-worker" "openstack-base"]: parents form a cycle`},
		{"context dir outside the tree", func(p *Plan) { p.Images[1].ContextDir = "../etc" },
			`image "openstack-base": context dir "../etc" must be a relative path inside the Kolla tree`},
		{"empty Dockerfile", func(p *Plan) { p.Images[2].Dockerfile = nil }, `image "demo-base": empty Dockerfile`},
		{"git without reference", func(p *Plan) { p.Images[2].Sources[0].Reference = "" },
			`image "demo-base": source "demo-base": git source without a reference`},
		{"bad sha256", func(p *Plan) { p.Images[4].Sources[0].SHA256 = "abc" },
			`image "demo-worker": source "demo-worker": sha256 "abc" is not 64 hex digits`},
		{"absolute local path", func(p *Plan) { p.Images[3].Sources[1].Location = "/etc" },
			`image "demo-api": source "demo-api-additions-conf": local path "/etc" must be relative to the build context`},
		{"two image sources", func(p *Plan) {
			p.Images[3].Sources = append(p.Images[3].Sources, p.Images[4].Sources[0], Source{Name: "x", Role: RoleImage, Kind: KindURL, Location: "http://x"})
		}, `image "demo-api": 2 image sources, Kolla has one at most`},
		{"unknown kind", func(p *Plan) { p.Images[4].Sources[0].Kind = "svn" },
			`image "demo-worker": source "demo-worker": unknown type "svn"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := offlinePlan()
			tc.change(plan)
			_, err := plan.Ordered()
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
}

func TestParseOptions(t *testing.T) {
	got, err := ParseOptions(map[string]string{
		"build-arg:profile":          "nova",
		"target":                     "nova-api",
		"build-arg:target":           "ignored-because-target-is-set",
		"build-arg:base":             "debian",
		"build-arg:base-tag":         "bookworm",
		"build-arg:tag":              "2025.1",
		"build-arg:namespace":        "kolla",
		"build-arg:registry":         "127.0.0.1:5000",
		"build-arg:local-sources":    "true",
		"build-arg:http_proxy":       "http://proxy:3128",
		"build-arg:platform":         "linux/arm64",
		"context:kolla":              "git:https://opendev.org/openstack/kolla#stable/2025.1",
		"context:debian:bookworm":    "docker-image://127.0.0.1:5000/debian:bookworm",
		"image-resolve-mode":         "pull",
		"filename":                   "Dockerfile",
		"no-cache":                   "",
		"local-sessionid:context":    "abc",
		"input-metadata:debian":      "{}",
		"contextsubdir":              "x",
		"label:org.example.from-cli": "y",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Options{
		Profile: "nova", Target: "nova-api", Base: "debian", BaseTag: "bookworm", Tag: "2025.1",
		Namespace: "kolla", Registry: "127.0.0.1:5000", LocalSources: true, NoCache: true,
		BuildArgs: map[string]string{"http_proxy": "http://proxy:3128"},
		FrontendOpts: map[string]string{
			"context:debian:bookworm":    "docker-image://127.0.0.1:5000/debian:bookworm",
			"image-resolve-mode":         "pull",
			"no-cache":                   "",
			"local-sessionid:context":    "abc",
			"input-metadata:debian":      "{}",
			"label:org.example.from-cli": "y",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}

	got, err = ParseOptions(map[string]string{"build-arg:KBK_PROFILE": "ironic"})
	if err != nil || got.Profile != "ironic" {
		t.Errorf("KBK_PROFILE: profile %q, %v", got.Profile, err)
	}
	if _, err := ParseOptions(map[string]string{"build-arg:local-sources": "maybe"}); err == nil || !strings.Contains(err.Error(), `option "local-sources": "maybe" is not a boolean`) {
		t.Errorf("bad boolean: %v", err)
	}
	// the seed's spelling, KOLLA_LOCAL_SOURCES=yes, works as a build arg too
	if got, err := ParseOptions(map[string]string{"build-arg:local-sources": "yes"}); err != nil || !got.LocalSources {
		t.Errorf("local-sources=yes: %v, %v", got.LocalSources, err)
	}
}

func TestPlansPicksThePlatform(t *testing.T) {
	amd, arm := offlinePlan(), offlinePlan()
	arm.Platform.Architecture = "arm64"
	plans := Plans{amd, arm}
	got, err := plans.Plan(t.Context(), PlanRequest{Platform: arm.Platform})
	if err != nil || got != arm {
		t.Errorf("arm64: %v, %v", got, err)
	}
	v8 := ocispecs.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	if got, err := plans.Plan(t.Context(), PlanRequest{Platform: v8}); err != nil || got != arm {
		t.Errorf("arm64/v8 is arm64 normalised: %v, %v", got, err)
	}
	_, err = plans.Plan(t.Context(), PlanRequest{Platform: ocispecs.Platform{OS: "linux", Architecture: "s390x"}})
	if err == nil || err.Error() != "no plan for platform linux/s390x" {
		t.Errorf("missing platform: %v", err)
	}
}
