package main

// Finding BuildKit without --addr or BUILDKIT_HOST: the current docker buildx
// builder, when it is a "remote" builder (a buildkitd reachable at an
// address), which is how buildx reaches a daemon without Docker.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// buildxAddr returns the address of the buildx builder named by
// BUILDX_BUILDER, else of the current builder; "" when there is none.
func buildxAddr() (string, error) {
	dir, err := buildxConfigDir()
	if err != nil {
		return "", nil
	}
	name := os.Getenv("BUILDX_BUILDER")
	if name == "" {
		var current struct{ Name string }
		dt, err := os.ReadFile(filepath.Join(dir, "current"))
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if err := json.Unmarshal(dt, &current); err != nil {
			return "", fmt.Errorf("%s: %w", filepath.Join(dir, "current"), err)
		}
		if name = current.Name; name == "" {
			return "", nil // the docker engine's default builder: not BuildKit we can reach
		}
	}
	path := filepath.Join(dir, "instances", name)
	dt, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("buildx builder %q: %w", name, err)
	}
	var b struct {
		Driver string
		Nodes  []struct{ Endpoint string }
	}
	if err := json.Unmarshal(dt, &b); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if b.Driver != "remote" || len(b.Nodes) == 0 || b.Nodes[0].Endpoint == "" {
		return "", fmt.Errorf("buildx builder %q uses the %q driver; kbk build needs a BuildKit address: give --addr or BUILDKIT_HOST, or use a remote builder", name, b.Driver)
	}
	return b.Nodes[0].Endpoint, nil
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
