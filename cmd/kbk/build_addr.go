package main

// Finding BuildKit without --addr or BUILDKIT_HOST: the current docker buildx
// builder. A "remote" builder's nodes are buildkitd daemons reachable at an
// address; a "docker-container" builder's nodes are buildkitd daemons in the
// containers buildx started, which kbk reaches as buildx's own tools do,
// through `docker exec -i <container> buildctl dial-stdio`; a "kubernetes"
// builder's are pods, reached the same way through kubectl (build_kube.go).
// Every node of the builder is returned with the platforms it was declared
// for, so a build can send each platform to its node as buildx does.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// buildNode is one BuildKit daemon of a builder.
type buildNode struct {
	Name     string
	Endpoint string
	// Platforms are the platforms the node was declared for (buildx create
	// --platform); none for an address given by --addr or BUILDKIT_HOST.
	Platforms []ocispecs.Platform
	// TLS is how to reach the node over TLS: the --tls… flags for --addr,
	// a remote builder node's driver options; zero for plain connections.
	TLS buildTLS `json:"-"`
	// Dial is the command whose standard input and output are the
	// connection to the node's daemon, for nodes without an address (a
	// docker-container builder's); Endpoint then only names the node.
	Dial []string `json:"-"`
	// Pod is where a kubernetes builder's node runs; Endpoint then only
	// names the node.
	Pod *kubePod `json:"-"`
}

// buildxContainerPrefix starts the name of the container buildx runs a
// docker-container builder's node in: the prefix, then the node's name.
const buildxContainerPrefix = "buildx_buildkit_"

// buildTLS are the files of a TLS connection to BuildKit, as buildctl's
// --tlscacert, --tlscert, --tlskey and --tlsservername and the remote
// driver's cacert, cert, key and servername options name them.
type buildTLS struct {
	CACert, Cert, Key, ServerName string
}

// buildxNodes returns the nodes of the buildx builder named by
// BUILDX_BUILDER, else of the current builder; none when there is none.
func buildxNodes() ([]buildNode, error) {
	dir, err := buildxConfigDir()
	if err != nil {
		return nil, nil
	}
	name := os.Getenv("BUILDX_BUILDER")
	if name == "" {
		var current struct{ Name string }
		dt, err := os.ReadFile(filepath.Join(dir, "current"))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(dt, &current); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "current"), err)
		}
		if name = current.Name; name == "" {
			return nil, nil // the docker engine's default builder: not BuildKit we can reach
		}
	}
	path := filepath.Join(dir, "instances", name)
	dt, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		// buildx keeps no file for the builders of the docker driver: one per
		// Docker context, named after it ("default").
		return nil, fmt.Errorf("buildx builder %q: no such builder in %s; if it is a Docker context's own builder (docker driver), kbk build cannot use it: give --addr or BUILDKIT_HOST, or use a remote, docker-container or kubernetes builder", name, filepath.Dir(path))
	}
	if err != nil {
		return nil, fmt.Errorf("buildx builder %q: %w", name, err)
	}
	var b struct {
		Driver string
		Nodes  []struct {
			buildNode
			DriverOpts map[string]string
		}
	}
	if err := json.Unmarshal(dt, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b.Nodes) == 0 {
		return nil, fmt.Errorf("%s: buildx builder %q has no nodes", path, name)
	}
	nodes := make([]buildNode, len(b.Nodes))
	for i, n := range b.Nodes {
		nodes[i] = n.buildNode
		switch b.Driver {
		case "remote":
			if n.Endpoint == "" {
				return nil, fmt.Errorf("%s: node %q has no endpoint", path, n.Name)
			}
			o := n.DriverOpts
			nodes[i].TLS = buildTLS{CACert: o["cacert"], Cert: o["cert"], Key: o["key"], ServerName: o["servername"]}
		case "docker-container":
			nodes[i].Endpoint, nodes[i].Dial = dockerContainerDial(n.Name, n.Endpoint)
		case "kubernetes":
			nodes[i].Endpoint, nodes[i].Pod = kubernetesNode(n.Name, n.Endpoint, n.DriverOpts)
		default:
			return nil, fmt.Errorf("buildx builder %q uses the %q driver; kbk build reaches remote, docker-container and kubernetes builders: give --addr or BUILDKIT_HOST, or use one of those", name, b.Driver)
		}
	}
	return nodes, nil
}

// dockerContainerDial is how to reach a docker-container builder's node:
// a name for messages, and the docker command that connects to the daemon
// in its container. The node's endpoint is the Docker context buildx created
// it in, or a Docker host address.
func dockerContainerDial(node, endpoint string) (string, []string) {
	container := buildxContainerPrefix + node
	dial := []string{"docker"}
	switch {
	case strings.Contains(endpoint, "://"):
		dial = append(dial, "--host", endpoint)
	case endpoint != "":
		dial = append(dial, "--context", endpoint)
	}
	dial = append(dial, "exec", "-i", container, "buildctl", "dial-stdio")
	name := "docker-container://" + container
	if endpoint != "" {
		name += "?endpoint=" + endpoint
	}
	return name, dial
}

// buildxConfigDir is where buildx keeps its builders.
func buildxConfigDir() (string, error) {
	if d := os.Getenv("BUILDX_CONFIG"); d != "" {
		return d, nil
	}
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "buildx"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".docker", "buildx"), nil
}
