package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// ConvertOptions are the inputs of Convert that do not come from the plan.
type ConvertOptions struct {
	// Kolla holds the Kolla tree; PlannedImage.ContextDir is relative to it.
	Kolla Tree
	// Local holds the main build context, where local sources live.
	Local Tree
	// MetaResolver resolves base images that are not part of the plan (the root's
	// FROM). Nil means the gateway client.
	MetaResolver llb.ImageMetaResolver
	// BuildArgs are given to every image's Dockerfile.
	BuildArgs map[string]string
	// FrontendOpts are dockerui options given to every image, such as
	// "context:debian:bookworm" naming a base image, "no-cache" or
	// "image-resolve-mode". Keys that belong to the whole build (target,
	// platform, filename, context) must not be here.
	FrontendOpts map[string]string
	// Inputs are frontend inputs the FrontendOpts may refer to ("input:<name>").
	Inputs map[string]llb.State
}

// Converted is one image of a plan as LLB.
type Converted struct {
	Name  string
	Ref   string
	State llb.State
	// Image is the image config dockerfile2llb computed, parent's included.
	Image *dockerspec.DockerOCIImage
	// Config is Image as JSON: what is exported and what children inherit.
	Config []byte
	// BaseImage is the config of the image's FROM, when dockerfile2llb knew it.
	BaseImage *dockerspec.DockerOCIImage
	// SBOM is what an SBOM scanner looks at for this image.
	SBOM *dockerfile2llb.SBOMTargets
}

// Convert turns every image of the plan into LLB, parents first. Each child's
// FROM is linked to its parent's converted state and image config, so nothing
// of the plan is ever pulled from a registry and a solve of a child contains its
// ancestors' vertices exactly as a solve of the ancestors would.
//
// The result depends only on the plan and options: the same inputs give the
// same LLB digests, and an image's digest does not depend on which other images
// the plan holds.
func Convert(ctx context.Context, c gwclient.Client, plan *Plan, opt ConvertOptions) (map[string]*Converted, error) {
	if opt.Kolla == nil {
		return nil, errors.New("convert: no Kolla tree")
	}
	ordered, err := plan.Ordered()
	if err != nil {
		return nil, err
	}
	resolver := opt.MetaResolver
	if resolver == nil {
		resolver = c
	}
	out := make(map[string]*Converted, len(ordered))
	for _, img := range ordered {
		var parent *parentLink
		if img.Parent != "" {
			p := out[img.Parent]
			parent = &parentLink{ref: img.ParentRef, state: p.State, config: p.Config}
		}
		conv, err := convertImage(ctx, c, img, parent, plan, resolver, opt)
		if err != nil {
			return nil, fmt.Errorf("image %q: %w", img.Name, err)
		}
		out[img.Name] = conv
	}
	return out, nil
}

func convertImage(ctx context.Context, c gwclient.Client, img *PlannedImage, parent *parentLink, plan *Plan, resolver llb.ImageMetaResolver, opt ConvertOptions) (*Converted, error) {
	buildContext, err := imageContext(img, opt.Kolla, opt.Local)
	if err != nil {
		return nil, err
	}
	frontendOpts := make(map[string]string, len(opt.FrontendOpts)+len(opt.BuildArgs)+len(img.Labels))
	for k, v := range opt.FrontendOpts {
		frontendOpts[k] = v
	}
	for k, v := range opt.BuildArgs {
		frontendOpts["build-arg:"+k] = v
	}
	for k, v := range img.Labels {
		frontendOpts["label:"+k] = v
	}
	link, err := newLinkedClient(c, frontendOpts, opt.Inputs, buildContext, parent)
	if err != nil {
		return nil, err
	}
	// One dockerui client per image: it reads the options once, when created.
	ui, err := dockerui.NewClient(link)
	if err != nil {
		return nil, err
	}
	platform := plan.Platform
	smap := dockerfileSourceMap(img)
	res, err := dockerfile2llb.Dockerfile2LLB(ctx, img.Dockerfile, dockerfile2llb.ConvertOpt{
		Config:         ui.Config,
		Client:         ui,
		SourceMap:      smap,
		TargetPlatform: &platform,
		MetaResolver:   resolver,
	})
	if err != nil {
		return nil, withDockerfileSource(err, smap)
	}
	config, err := json.Marshal(res.Image)
	if err != nil {
		return nil, fmt.Errorf("encoding image config: %w", err)
	}
	return &Converted{
		Name:      img.Name,
		Ref:       img.Ref,
		State:     res.State,
		Image:     res.Image,
		Config:    config,
		BaseImage: res.BaseImage,
		SBOM:      res.SBOM,
	}, nil
}

// dockerfileSourceMap names the rendered Dockerfile after the image folder, so
// that BuildKit's error for a failing step names the image and its line.
func dockerfileSourceMap(img *PlannedImage) *llb.SourceMap {
	return llb.NewSourceMap(nil, path.Join(img.ContextDir, "Dockerfile"), "Dockerfile", img.Dockerfile)
}

// withDockerfileSource attaches the Dockerfile and the failing lines to a
// conversion error, as BuildKit's Dockerfile frontend does, so clients print
// the snippet.
func withDockerfileSource(err error, smap *llb.SourceMap) error {
	var le *parser.LocationError
	if !errors.As(err, &le) {
		return err
	}
	for _, loc := range le.Locations {
		src := &errdefs.Source{
			Info: &pb.SourceInfo{Data: smap.Data, Filename: smap.Filename, Language: smap.Language},
		}
		for _, r := range loc {
			src.Ranges = append(src.Ranges, &pb.Range{
				Start: &pb.Position{Line: int32(r.Start.Line), Character: int32(r.Start.Character)},
				End:   &pb.Position{Line: int32(r.End.Line), Character: int32(r.End.Character)},
			})
		}
		err = errdefs.WithSource(err, src)
	}
	return err
}
