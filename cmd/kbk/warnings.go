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
// build, not after. A lint run that cannot complete is itself a warning.
func printWarnings(ctx context.Context, w io.Writer, cfg *plan.Config) {
	diags, err := lint.Lint(ctx, cfg.Tree, cfg.Profile, lint.Options{Env: environ(), EnableUnbuildable: cfg.Profile.Options.EnableUnbuildable})
	if err != nil {
		fmt.Fprintf(w, "warning: lint: %v\n", err)
	}
	diags = lint.Sort(append(lint.Warnings(cfg.Profile.Name, cfg.Warnings), diags...))
	for _, d := range diags {
		fmt.Fprintln(w, d)
	}
}
