package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
)

// Input names under which an image's parent and build context reach dockerui.
const (
	inputParent  = "parent"
	inputContext = "context"
)

// linkedClient is the gateway client one image is converted with. It shows
// dockerui the options and inputs of that image alone: its build context as the
// "context" input, and its parent's converted state and config as the named
// context its FROM line asks for. Everything else goes to the real client.
type linkedClient struct {
	gwclient.Client
	opts   gwclient.BuildOpts
	inputs map[string]llb.State
}

// BuildOpts implements gwclient.Client.
func (c *linkedClient) BuildOpts() gwclient.BuildOpts {
	opts := c.opts
	// dockerui writes into the map it is given.
	opts.Opts = maps.Clone(c.opts.Opts)
	return opts
}

// Inputs implements gwclient.Client.
func (c *linkedClient) Inputs(context.Context) (map[string]llb.State, error) {
	return maps.Clone(c.inputs), nil
}

// parentLink is the parent side of a link: the state and image config a
// child's FROM resolves to.
type parentLink struct {
	ref    string
	state  llb.State
	config []byte
}

// newLinkedClient prepares the client for one image. frontendOpts are the
// options every image sees (build args, labels, named base images); inputs are
// the caller's own frontend inputs those options may refer to.
func newLinkedClient(c gwclient.Client, frontendOpts map[string]string, inputs map[string]llb.State, buildContext llb.State, parent *parentLink) (*linkedClient, error) {
	base := c.BuildOpts()
	opts := maps.Clone(frontendOpts)
	if opts == nil {
		opts = map[string]string{}
	}
	in := maps.Clone(inputs)
	if in == nil {
		in = map[string]llb.State{}
	}
	in[inputContext] = buildContext
	if parent != nil {
		key, err := namedContextKey(parent.ref)
		if err != nil {
			return nil, err
		}
		md, err := json.Marshal(map[string][]byte{exptypes.ExporterImageConfigKey: parent.config})
		if err != nil {
			return nil, fmt.Errorf("parent %q: encoding its image config: %w", parent.ref, err)
		}
		opts["context:"+key] = "input:" + inputParent
		opts["input-metadata:"+inputParent] = string(md)
		in[inputParent] = parent.state
	}
	base.Opts = opts
	return &linkedClient{Client: c, opts: base, inputs: in}, nil
}

// namedContextKey is the name dockerui looks a FROM reference up under: its
// familiar form without a trailing ":latest". A key in any other form would be
// ignored silently and the parent pulled from a registry instead.
func namedContextKey(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("parent reference %q: %w", ref, err)
	}
	return strings.TrimSuffix(reference.FamiliarString(named), ":latest"), nil
}
