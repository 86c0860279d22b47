package main

// This file turns kbk build's flags into one frontend plan per platform.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/kbk-dev/kbk/frontend"
	"github.com/kbk-dev/kbk/graph"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
)

// buildPlan is everything a build session needs, decided before connecting.
type buildPlan struct {
	cfg   *plan.Config
	plans []*frontend.Plan // one per platform, in the order asked for
	// images are the per-platform selections the plans came from.
	images      []*plan.Images
	push        bool
	noCache     bool
	output      string
	summaryJSON string
	retries     int
	buildArgs   map[string]string

	// A build over several nodes runs one part of the plan per node: these
	// say how the part differs from a build on one daemon.
	node string // the part's label in progress and messages: its platforms
	// byDigest pushes each image by digest only; the tag is written once
	// every node's part is there.
	byDigest bool
	// labelPlatforms names the platform in progress even when this part
	// builds only one.
	labelPlatforms bool
}

// planBuild loads the profile and plans every platform.
func planBuild(ctx context.Context, o *buildOptions) (*buildPlan, error) {
	sel := o.sel
	abs, err := filepath.Abs(sel.kollaDir)
	if err != nil {
		return nil, err
	}
	sel.kollaDir = abs // the template directory is shared with BuildKit by path
	var extra []profiles.Flag
	if len(o.platforms) > 0 {
		extra = append(extra, profiles.Flag{Name: "platforms", Value: strings.Join(o.platforms, ",")})
	}
	sel.extraFlags, sel.targets = extra, o.targets
	cfg, err := loadConfig(sel)
	if err != nil {
		return nil, err
	}
	arches, err := cfg.Arches()
	if err != nil {
		return nil, err
	}
	bp := &buildPlan{cfg: cfg, output: o.output, summaryJSON: o.summaryJSON, buildArgs: cfg.Profile.Options.BuildArgs}
	opts := cfg.Profile.Options
	bp.push = o.push || opts.Push
	bp.noCache = o.noCache || (operatorSet(cfg.Profile, "cache") && !opts.Cache)
	bp.retries = opts.Retries
	if sel.flags.Changed("retries") {
		bp.retries = o.retries
	}
	if bp.summaryJSON == "" {
		bp.summaryJSON = opts.SummaryJSONFile
	}
	seen := map[string]bool{}
	for _, arch := range arches {
		if seen[arch] {
			continue
		}
		seen[arch] = true
		im, err := cfg.ForArch(ctx, arch)
		if err != nil {
			return nil, err
		}
		p, err := platforms.Parse(plan.Platform(arch))
		if err != nil {
			return nil, err
		}
		fp, err := frontend.PlanFromImages(cfg, im, platforms.Normalize(p))
		if err != nil {
			return nil, err
		}
		bp.plans = append(bp.plans, fp)
		bp.images = append(bp.images, im)
	}
	return bp, nil
}

// part is the plan of the platforms of one node (indices into bp.plans) in
// a build over several nodes.
func (bp *buildPlan) part(platforms []int) *buildPlan {
	p := *bp
	p.plans, p.images = nil, nil
	var ids []string
	for _, i := range platforms {
		p.plans = append(p.plans, bp.plans[i])
		p.images = append(p.images, bp.images[i])
		ids = append(ids, platformID(bp.plans[i].Platform))
	}
	p.node = strings.Join(ids, ",")
	p.byDigest = bp.push
	p.labelPlatforms = true
	return &p
}

// hasImage reports whether any platform plans the image.
func (bp *buildPlan) hasImage(name string) bool {
	for _, p := range bp.plans {
		for _, img := range p.Images {
			if img.Name == name {
				return true
			}
		}
	}
	return false
}

// platformList is the plan's platforms, in order.
func (bp *buildPlan) platformList() []ocispecs.Platform {
	var out []ocispecs.Platform
	for _, p := range bp.plans {
		out = append(out, p.Platform)
	}
	return out
}

// jobLabel names an image's job in progress output: the image, and in a
// build over several nodes the part's platforms.
func (bp *buildPlan) jobLabel(name string) string {
	if bp.node == "" {
		return name
	}
	return name + " " + bp.node
}

// cacheKey is the image's key in per-image registry caches. Parts of a build
// over several nodes each keep their own cache: one node's export would
// otherwise replace the other's.
func (bp *buildPlan) cacheKey(name string) string {
	if bp.node == "" {
		return name
	}
	return name + "-" + strings.NewReplacer("/", "-", ",", "_").Replace(bp.node)
}

func (bp *buildPlan) cacheKeys(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = bp.cacheKey(n)
	}
	return out
}

// historyAttrs are recorded with each image's build in the daemon's build
// history (docker buildx history ls): the image as a target, the platforms
// and the tag, with the names the kbk frontend gives them.
func (bp *buildPlan) historyAttrs(name, ref string) map[string]string {
	var ids []string
	for _, p := range bp.plans {
		ids = append(ids, platformID(p.Platform))
	}
	attrs := map[string]string{"target": name, "platform": strings.Join(ids, ",")}
	if tag := refTag(ref); tag != "" {
		attrs["build-arg:tag"] = tag
	}
	return attrs
}

// operatorSet reports whether the operator set an option (file, .env,
// environment or flag) rather than leaving Kolla's default.
func operatorSet(p *profiles.Profile, name string) bool {
	s, ok := p.Settings[name]
	return ok && s.Value != nil && s.Origin.Kind >= profiles.FromFile
}

// platformID names a platform in messages and multi-platform results.
func platformID(p ocispecs.Platform) string { return platforms.FormatAll(platforms.Normalize(p)) }

// imageNames are the images of every plan, parents first, each once.
func (bp *buildPlan) imageNames() ([]string, error) {
	var names []string
	seen := map[string]bool{}
	for _, p := range bp.plans {
		ordered, err := p.Ordered()
		if err != nil {
			return nil, err
		}
		for _, img := range ordered {
			if !seen[img.Name] {
				seen[img.Name] = true
				names = append(names, img.Name)
			}
		}
	}
	return names, nil
}

// decisions gathers, over every platform, the images that are not built and
// why: unmatched, unbuildable, skipped. An image unbuildable on one platform
// only is built on the others and listed here for that platform.
func (bp *buildPlan) decisions() (unmatched, unbuildable, skipped []string) {
	add := func(list []string, name string) []string {
		for _, n := range list {
			if n == name {
				return list
			}
		}
		return append(list, name)
	}
	for i, im := range bp.images {
		suffix := ""
		if len(bp.images) > 1 {
			suffix = " (" + platformID(bp.plans[i].Platform) + ")"
		}
		for _, n := range im.Selection.WithStatus(graph.Unmatched) {
			unmatched = add(unmatched, n)
		}
		for _, n := range im.Selection.WithStatus(graph.Unbuildable) {
			unbuildable = add(unbuildable, n+suffix)
		}
		for _, n := range im.Selection.WithStatus(graph.Skipped) {
			skipped = add(skipped, n)
		}
	}
	return unmatched, unbuildable, skipped
}

// ancestors lists an image's planned ancestors on any platform.
func (bp *buildPlan) ancestors(name string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range bp.plans {
		parents := map[string]string{}
		for _, img := range p.Images {
			parents[img.Name] = img.Parent
		}
		for cur := parents[name]; cur != ""; cur = parents[cur] {
			if !seen[cur] {
				seen[cur] = true
				out = append(out, cur)
			}
		}
	}
	return out
}

// String describes the plan in one line, for messages.
func (bp *buildPlan) String() string {
	var ps []string
	for _, p := range bp.plans {
		ps = append(ps, fmt.Sprintf("%s: %d images", platformID(p.Platform), len(p.Images)))
	}
	return strings.Join(ps, ", ")
}
