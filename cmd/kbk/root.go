package main

import (
	"os"

	"github.com/spf13/cobra"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	addr     string   // BuildKit address
	tls      buildTLS // TLS files for the daemon at addr
	progress string   // auto|plain|tty|quiet|rawjson
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
	root.PersistentFlags().StringVar(&g.tls.CACert, "tlscacert", "", "CA certificate to verify the BuildKit daemon at --addr with (TLS)")
	root.PersistentFlags().StringVar(&g.tls.Cert, "tlscert", "", "client certificate for the BuildKit daemon at --addr (TLS)")
	root.PersistentFlags().StringVar(&g.tls.Key, "tlskey", "", "client key for the BuildKit daemon at --addr (TLS)")
	root.PersistentFlags().StringVar(&g.tls.ServerName, "tlsservername", "", "server name to verify the BuildKit daemon's certificate against (default: the host of --addr)")
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
