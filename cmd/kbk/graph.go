package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kbk-dev/kbk/graph"
)

func init() { subcommands = append(subcommands, newGraphCmd) }

type graphOptions struct {
	selectOptions
	format  string // tree, dot or json
	explain string // an image to explain instead of the whole graph
	all     bool   // show every image in the tree
}

func newGraphCmd(*globalOptions) *cobra.Command {
	var o graphOptions
	cmd := &cobra.Command{
		Use:   "graph [PROFILE] [REGEX...]",
		Short: "Show the image tree and which images a build selects, and why",
		Long: `Show the Kolla image tree with what a build would do with each image:
matched (by which pattern), ancestor of a matched image, skipped, unbuildable.
--format dot writes what kolla-build --save-dependency saves, --format json
what kolla-build --list-dependencies prints. Positional patterns are Python
regular expressions searched in image names; they replace --profile. A first
argument naming a profile folder of the configuration repository loads it.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.args = args
			return runGraph(cmd, o)
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.format, "format", "f", "tree", "output: tree, dot or json")
	cmd.Flags().StringVar(&o.explain, "explain", "", "say why IMAGE is built or not")
	cmd.Flags().BoolVar(&o.all, "all", false, "show every image in the tree, selected or not")
	return cmd
}

func runGraph(cmd *cobra.Command, o graphOptions) error {
	switch o.format {
	case "tree", "dot", "json":
	default:
		return fmt.Errorf("unknown format %q (want tree, dot or json)", o.format)
	}
	cfg, im, err := selectImages(cmd.Context(), o.selectOptions)
	if err != nil {
		return err
	}
	printLoadWarnings(cmd.ErrOrStderr(), cfg)
	r := im.Selection
	w := cmd.OutOrStdout()
	if o.explain != "" {
		text, err := r.Explain(o.explain)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, text)
		return err
	}
	switch o.format {
	case "dot":
		return r.WriteDot(w)
	case "json":
		if err := r.WriteJSON(w); err != nil {
			return err
		}
		if len(r.Selected()) > 0 { // Kolla's JSON ends without a newline
			_, err = io.WriteString(w, "\n")
		}
		return err
	}
	// Say which tree and platform the answer is for: it changes with both.
	if _, err := fmt.Fprintf(w, "Kolla %s, base %s %s (%s), images %s\n", cfg.Tree.Version, im.Base, im.BaseTag,
		im.BaseArch, r.Graph().Ref("<name>")); err != nil {
		return err
	}
	return r.WriteTree(w, graph.TreeOptions{All: o.all})
}
