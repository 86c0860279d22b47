package main

// The tag of an image built over several nodes: an index of the manifests
// each node pushed by digest, written with the docker config's credentials
// as buildx imagetools create would.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// partPush is what one node pushed for an image.
type partPush struct {
	platforms  []ocispecs.Platform // the part's platforms
	digest     string              // of the manifest or index pushed
	descriptor string              // the exporter's descriptor, base64 JSON; may be empty
}

// writeIndex tags ref with an index of every part's manifests and returns
// the index's digest.
func writeIndex(ctx context.Context, ref string, parts []partPush) (string, error) {
	tag, err := name.NewTag(ref)
	if err != nil {
		return "", err
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	idx := ocispecs.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispecs.MediaTypeImageIndex}
	docker := true
	for _, p := range parts {
		ms, err := partManifests(tag.Repository, p, opts)
		if err != nil {
			return "", err
		}
		for _, m := range ms {
			docker = docker && m.MediaType == string(types.DockerManifestSchema2)
		}
		idx.Manifests = append(idx.Manifests, ms...)
	}
	if docker {
		// Docker manifests go in a docker manifest list, as buildx makes it.
		idx.MediaType = string(types.DockerManifestList)
	}
	raw, err := json.Marshal(idx)
	if err != nil {
		return "", err
	}
	if err := remote.Put(tag, rawManifest{raw: raw, mediaType: types.MediaType(idx.MediaType)}, opts...); err != nil {
		return "", err
	}
	return digest.FromBytes(raw).String(), nil
}

// partManifests are the index entries of one part: its manifest with the
// part's platform, or the entries of the index it pushed for several
// platforms.
func partManifests(repo name.Repository, p partPush, opts []remote.Option) ([]ocispecs.Descriptor, error) {
	var d ocispecs.Descriptor
	if p.descriptor != "" {
		dt, err := base64.StdEncoding.DecodeString(p.descriptor)
		if err != nil {
			return nil, fmt.Errorf("the exporter's descriptor: %w", err)
		}
		if err := json.Unmarshal(dt, &d); err != nil {
			return nil, fmt.Errorf("the exporter's descriptor: %w", err)
		}
	}
	if d.MediaType == "" || d.Size == 0 {
		// Older daemons report only the digest: the registry has the rest.
		got, err := remote.Head(repo.Digest(p.digest), opts...)
		if err != nil {
			return nil, fmt.Errorf("%s@%s: %w", repo, p.digest, err)
		}
		d = ocispecs.Descriptor{MediaType: string(got.MediaType), Digest: digest.Digest(got.Digest.String()), Size: got.Size}
	}
	switch types.MediaType(d.MediaType) {
	case types.OCIImageIndex, types.DockerManifestList:
		got, err := remote.Get(repo.Digest(d.Digest.String()), opts...)
		if err != nil {
			return nil, fmt.Errorf("%s@%s: %w", repo, d.Digest, err)
		}
		var sub ocispecs.Index
		if err := json.Unmarshal(got.Manifest, &sub); err != nil {
			return nil, fmt.Errorf("%s@%s: %w", repo, d.Digest, err)
		}
		return sub.Manifests, nil
	}
	if len(p.platforms) != 1 {
		return nil, fmt.Errorf("%s@%s: one manifest for %d platforms", repo, d.Digest, len(p.platforms))
	}
	pl := p.platforms[0]
	d.Platform = &pl
	d.Annotations = nil
	return []ocispecs.Descriptor{d}, nil
}

// rawManifest is a manifest to put as it is.
type rawManifest struct {
	raw       []byte
	mediaType types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mediaType, nil }
