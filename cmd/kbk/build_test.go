package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// exampleRepoFlags are the flags that point a command at the repository's
// example configuration and the pinned Kolla release's package.
func exampleRepoFlags(t *testing.T) []string {
	t.Helper()
	v := testenv.KollaVenv(t, testenv.Pins(t)["KOLLA_VERSION"])
	pkgs, _ := filepath.Glob(filepath.Join(v.Dir, "lib", "python3*", "site-packages", "kolla"))
	if len(pkgs) == 0 {
		t.Skipf("no Kolla package in %s (make venv)", v.Dir)
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return []string{"--repo", root, "--kolla-dir", pkgs[0]}
}

// buildPlanFor parses kbk build's flags and plans, as the command does before
// it connects to BuildKit.
func buildPlanFor(t *testing.T, args ...string) *buildPlan {
	t.Helper()
	o := &buildOptions{}
	f := pflag.NewFlagSet("build", pflag.ContinueOnError)
	o.addFlags(f)
	if err := f.Parse(append(exampleRepoFlags(t), args...)); err != nil {
		t.Fatal(err)
	}
	o.sel.args = f.Args()
	bp, err := planBuild(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return bp
}

// The seed's environment drives kbk build as it drives kolla-build: push,
// cache, platform, base arch and the parents' tag.
func TestBuildSeedEnvironment(t *testing.T) {
	for _, k := range []string{"KOLLA_BUILD_PROFILE", "KOLLA_PUSH", "KOLLA_USE_CACHE", "DOCKER_DEFAULT_PLATFORM", "KOLLA_BASE_ARCH", "PARENT_DOCKER_TAG"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	bp := buildPlanFor(t, "nova")
	if bp.push || bp.noCache || len(bp.plans) != 1 {
		t.Fatalf("without the environment: push %v, no cache %v, %d plans", bp.push, bp.noCache, len(bp.plans))
	}

	t.Setenv("KOLLA_BUILD_PROFILE", "nova")
	t.Setenv("KOLLA_PUSH", "yes")
	t.Setenv("KOLLA_USE_CACHE", "no")
	t.Setenv("DOCKER_DEFAULT_PLATFORM", "linux/arm64")
	t.Setenv("KOLLA_BASE_ARCH", "aarch64")
	t.Setenv("PARENT_DOCKER_TAG", "parents")
	bp = buildPlanFor(t)
	if !bp.push || !bp.noCache {
		t.Errorf("KOLLA_PUSH=yes KOLLA_USE_CACHE=no: push %v, no cache %v", bp.push, bp.noCache)
	}
	if len(bp.plans) != 1 || bp.plans[0].Platform.Architecture != "arm64" {
		t.Fatalf("DOCKER_DEFAULT_PLATFORM=linux/arm64: plans %s", bp)
	}
	var novaAPI bool
	for _, img := range bp.plans[0].Images {
		if img.Name == "nova-api" {
			novaAPI = true
			// Kolla's stock templates write tag, not the parent tag, into
			// FROM: with PARENT_DOCKER_TAG every parent is external
			// (docs/configuration.md), pulled rather than linked.
			if img.Parent != "" || img.ParentRef != "" {
				t.Errorf("PARENT_DOCKER_TAG with stock templates: nova-api linked to %q (%q)", img.Parent, img.ParentRef)
			}
		}
	}
	if !novaAPI {
		t.Error("KOLLA_BUILD_PROFILE=nova does not build nova-api")
	}
}

// Several platforms give one plan each; --target narrows to an image and its
// ancestors.
func TestBuildPlatformsAndTargets(t *testing.T) {
	bp := buildPlanFor(t, "nova", "--platform", "linux/amd64,linux/arm64", "--target", "nova-api")
	if len(bp.plans) != 2 {
		t.Fatalf("%d plans, want 2", len(bp.plans))
	}
	names, err := bp.imageNames()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(names, " "), "base openstack-base nova-base nova-api"; got != want {
		t.Errorf("--target nova-api builds %q, want %q", got, want)
	}
}
