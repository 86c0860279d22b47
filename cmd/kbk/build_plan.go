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
