package main

import (
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newListCmd) }

func newListCmd(*globalOptions) *cobra.Command {
	var o selectOptions
	cmd := &cobra.Command{
		Use:   "list [PROFILE] [REGEX...]",
		Short: "List the images a build would build, as kolla-build --list-images does",
		Long: `List the images a build would build: the images matching the profiles or
patterns and their parents, less unbuildable and skipped ones, numbered as
kolla-build --list-images numbers them. Positional patterns are Python regular
expressions searched in image names; they replace --profile, as in Kolla.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.args = args
			cfg, im, err := selectImages(cmd.Context(), o)
			if err != nil {
				return err
			}
			printLoadWarnings(cmd.ErrOrStderr(), cfg)
			return im.Selection.WriteList(cmd.OutOrStdout())
		},
	}
	o.addFlags(cmd.Flags())
	return cmd
}
