package main

import (
	"context"
	"fmt"
	"io"

	"github.com/kbk-dev/kbk/lint"
	"github.com/kbk-dev/kbk/plan"
)

// printWarnings shows what kbk lint would say about the profile before a
// command renders or builds it: the loader's warnings and every lint
// diagnostic, so a misspelt block or customisation is seen before a long
// build, not after. Lint reads the images the command has rendered (one
// plan per base arch) instead of rendering them again. A lint run that
// cannot complete is itself a warning.
func printWarnings(ctx context.Context, w io.Writer, cfg *plan.Config, planned []*plan.Images) {
	opts := lint.Options{Env: environ(), EnableUnbuildable: cfg.Profile.Options.EnableUnbuildable}
	var diags []lint.Diagnostic
	var err error
	if im := lintedArch(cfg, planned); im != nil {
		diags, err = lint.LintImages(ctx, cfg.Tree, cfg.Profile, im, opts)
	} else {
		diags, err = lint.Lint(ctx, cfg.Tree, cfg.Profile, opts)
	}
	if err != nil {
		fmt.Fprintf(w, "warning: lint: %v\n", err)
	}
	diags = lint.Sort(append(lint.Warnings(cfg.Profile.Name, cfg.Warnings), diags...))
	for _, d := range diags {
		fmt.Fprintln(w, d)
	}
}

// lintedArch is the plan lint reads: the profile's own base arch, as kbk
// lint sees it, when it is among those planned, else the first one.
func lintedArch(cfg *plan.Config, planned []*plan.Images) *plan.Images {
	for _, im := range planned {
		if im.BaseArch == cfg.Profile.Options.BaseArch {
			return im
		}
	}
	if len(planned) > 0 {
		return planned[0]
	}
	return nil
}

// printLoadWarnings shows the loader's warnings (an unknown option, a
// dashed key in a file, a bad pattern elsewhere) for commands that only
// read the profile, such as kbk graph and kbk list.
func printLoadWarnings(w io.Writer, cfg *plan.Config) {
	for _, d := range lint.Sort(lint.Warnings(cfg.Profile.Name, cfg.Warnings)) {
		fmt.Fprintln(w, d)
	}
}
