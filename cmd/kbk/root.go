package main

import (
	"os"

	"github.com/spf13/cobra"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	addr     string // BuildKit address
	progress string // auto|plain|tty|quiet|rawjson
	debug    bool
}

func newRootCmd() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:           "kbk",
		Short:         "Build OpenStack Kolla images natively on BuildKit",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	progress := os.Getenv("BUILDKIT_PROGRESS")
	if progress == "" {
		progress = "auto"
	}
	root.PersistentFlags().StringVar(&g.addr, "addr", os.Getenv("BUILDKIT_HOST"), "BuildKit daemon address")
	root.PersistentFlags().StringVar(&g.progress, "progress", progress, "progress output: auto, plain, tty, quiet or rawjson")
	root.PersistentFlags().BoolVar(&g.debug, "debug", false, "print debug information")
	for _, add := range subcommands {
		root.AddCommand(add(g))
	}
	return root
}

// subcommands lists the constructors of kbk's commands; each command lives in its
// own file and appends itself here from an init function.
var subcommands []func(*globalOptions) *cobra.Command
