package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sync"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/attestations/sbom"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/result"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
)

// buildTarget builds the target image for every platform, one goroutine each,
// with an SBOM per platform when one is asked for (`--sbom=true`).
func (b *build) buildTarget(ctx context.Context) (*gwclient.Result, error) {
	scanner, err := b.sbomScanner(ctx)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	byPlatform := map[string]*Converted{}
	rb, err := b.ui.Build(ctx, func(ctx context.Context, p *ocispecs.Platform, _ int) (*dockerui.BuildResult, error) {
		platform := b.platforms()[0]
		// dockerui exports a result without a platform as the default one.
		exportID := platforms.FormatAll(platforms.Normalize(platforms.DefaultSpec()))
		if p != nil {
			platform = *p
			exportID = platforms.FormatAll(platforms.Normalize(*p))
		}
		plan, convs, err := b.convert(ctx, platform)
		if err != nil {
			return nil, err
		}
		conv, ok := convs[b.opts.Target]
		if !ok {
			return nil, fmt.Errorf("target %q: not an image of the plan (profile %q)", b.opts.Target, b.opts.Profile)
		}
		ref, _, err := b.solve(ctx, plan, convs, conv)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		byPlatform[exportID] = conv
		mu.Unlock()
		return &dockerui.BuildResult{Reference: ref, Image: conv.Image, BaseImage: conv.BaseImage}, nil
	})
	if err != nil {
		return nil, err
	}
	if scanner != nil {
		err := rb.EachPlatform(ctx, func(ctx context.Context, id string, _ ocispecs.Platform) error {
			conv, ok := byPlatform[id]
			if !ok || conv.SBOM == nil {
				return fmt.Errorf("image %q: nothing to scan for platform %s", b.opts.Target, id)
			}
			att, err := scanner(ctx, id, conv.SBOM.Core, conv.SBOM.Extras)
			if err != nil {
				return err
			}
			solved, err := result.ConvertAttestation(&att, func(st *llb.State) (gwclient.Reference, error) {
				def, err := st.Marshal(ctx)
				if err != nil {
					return nil, err
				}
				res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
				if err != nil {
					return nil, err
				}
				return res.SingleRef()
			})
			if err != nil {
				return fmt.Errorf("image %q: SBOM: %w", b.opts.Target, err)
			}
			rb.AddAttestation(id, *solved)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return rb.Finalize()
}

// sbomScanner prepares the SBOM scanner the build asks for, if any, as
// BuildKit's Dockerfile frontend does.
func (b *build) sbomScanner(ctx context.Context) (sbom.Scanner, error) {
	if b.ui.SBOM == nil {
		return nil, nil
	}
	p := b.ui.BuildPlatforms[0]
	return sbom.CreateSBOMScanner(ctx, b.c, b.ui.SBOM.Generator, p, sourceresolver.Opt{
		ImageOpt: &sourceresolver.ResolveImageOpt{
			ResolveMode: b.ui.BuildOpts().Opts["image-resolve-mode"],
			Platform:    &p,
		},
	}, b.ui.SBOM.Parameters)
}

// buildAll builds every planned image of every platform and returns the report
// as a file, for `--output type=local`.
func (b *build) buildAll(ctx context.Context) (*gwclient.Result, error) {
	plats := b.platforms()
	built := make([]map[string]*Converted, len(plats))
	heads := make([]map[string]digest.Digest, len(plats))
	g, gctx := errgroup.WithContext(ctx)
	for i, platform := range plats {
		g.Go(func() error {
			plan, convs, err := b.convert(gctx, platform)
			if err != nil {
				return err
			}
			var mu sync.Mutex
			heads[i] = map[string]digest.Digest{}
			ig, ictx := errgroup.WithContext(gctx)
			for _, name := range sortedNames(convs) {
				ig.Go(func() error {
					_, head, err := b.solve(ictx, plan, convs, convs[name])
					mu.Lock()
					heads[i][name] = head
					mu.Unlock()
					return err
				})
			}
			if err := ig.Wait(); err != nil {
				return err
			}
			built[i] = convs
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	report := newReport(plats, built, heads)
	dt, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return nil, err
	}
	st := llb.Scratch().File(llb.Mkfile("/"+ReportFile, 0o644, append(dt, '\n')), llb.WithCustomName("[kbk] write "+ReportFile))
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	res.AddMeta(ReportMetaKey, dt)
	return res, nil
}

// solve builds one converted image. A failure is reported against the image
// whose Dockerfile holds the failing step, which may be an ancestor.
func (b *build) solve(ctx context.Context, plan *Plan, convs map[string]*Converted, conv *Converted) (gwclient.Reference, digest.Digest, error) {
	def, err := conv.State.Marshal(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("image %q: marshalling LLB: %w", conv.Name, err)
	}
	head, err := def.Head()
	if err != nil {
		return nil, "", fmt.Errorf("image %q: %w", conv.Name, err)
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{
		Definition:   def.ToPB(),
		CacheImports: b.ui.CacheImports,
		Evaluate:     true,
	})
	if err != nil {
		return nil, "", &imageError{image: failedImage(ctx, err, plan, convs, conv.Name), err: err}
	}
	ref, err := res.SingleRef()
	return ref, head, err
}

// failedImage names the image an error of a solve belongs to: the image whose
// Dockerfile holds the failing step, or else the first image, parents first,
// whose LLB holds the failing vertex (a source such as a git checkout).
func failedImage(ctx context.Context, err error, plan *Plan, convs map[string]*Converted, fallback string) string {
	for _, src := range errdefs.Sources(err) {
		if src.Info == nil {
			continue
		}
		for _, img := range plan.Images {
			if src.Info.Filename == path.Join(img.ContextDir, "Dockerfile") {
				return img.Name
			}
		}
	}
	var ve *errdefs.VertexError
	if !errors.As(err, &ve) || ve.Vertex == nil {
		return fallback
	}
	ordered, oerr := plan.Ordered()
	if oerr != nil {
		return fallback
	}
	for _, img := range ordered {
		conv, ok := convs[img.Name]
		if !ok {
			continue
		}
		def, merr := conv.State.Marshal(ctx)
		if merr != nil {
			continue
		}
		for _, dt := range def.Def {
			if digest.FromBytes(dt).String() == ve.Digest {
				return img.Name
			}
		}
	}
	return fallback
}
