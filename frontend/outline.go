package frontend

import (
	"context"
	"strconv"

	"github.com/moby/buildkit/frontend/subrequests/outline"
)

// outline answers `--call outline` with kbk's options, their meaning and the
// values of this build.
func (b *build) outline(context.Context) (*outline.Outline, error) {
	o := b.opts
	return &outline.Outline{
		Name:        o.Target,
		Description: "kbk: OpenStack Kolla images built natively on BuildKit",
		Args: []outline.Arg{
			{Name: KeyProfile, Description: "build profile of the config repository (also " + KeyProfileEnv + ")", Value: o.Profile},
			{Name: KeyTarget, Description: "image to build; without it every image of the profile is built and a report returned", Value: o.Target},
			{Name: KeyBase, Description: "base distribution (Kolla's --base)", Value: o.Base},
			{Name: KeyBaseTag, Description: "tag of the base image (Kolla's --base-tag)", Value: o.BaseTag},
			{Name: KeyBaseImage, Description: "base image (Kolla's --base-image)", Value: o.BaseImage},
			{Name: KeyTag, Description: "tag of the built images (Kolla's --tag)", Value: o.Tag},
			{Name: KeyNamespace, Description: "namespace of the built images (Kolla's --namespace)", Value: o.Namespace},
			{Name: KeyRegistry, Description: "registry of the built images (Kolla's --registry)", Value: o.Registry},
			{Name: KeyLocalSources, Description: "use the profile's local sources configuration", Value: strconv.FormatBool(o.LocalSources)},
			{Name: KeyNoCache, Description: "build every image without cache", Value: strconv.FormatBool(o.NoCache)},
		},
	}, nil
}
