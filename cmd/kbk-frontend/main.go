// Command kbk-frontend is kbk's BuildKit gateway frontend image entry point.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kbk-dev/kbk/frontend"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := grpcclient.RunFromEnvironment(ctx, build); err != nil {
		fmt.Fprintf(os.Stderr, "kbk-frontend: %v\n", err)
		os.Exit(1)
	}
}

// build runs one gateway build with the production planner, which reads the
// Kolla tree and the configuration repository from the build context.
func build(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	p := frontend.NewGatewayPlanner()
	p.TempDir = tempDir()
	defer p.Close()
	return frontend.Frontend{Planner: p}.Build(ctx, c)
}

// tempDir makes sure the planner has somewhere to write the configuration
// files. The image is a bare binary on scratch, so it has no /tmp; BuildKit
// runs a frontend on a writable snapshot of its image (the gateway does not
// mount the root file system read-only), so the directory can be created.
func tempDir() string {
	dir := os.TempDir()
	if err := os.MkdirAll(dir, 0o1777); err == nil {
		return dir
	}
	// A read-only root: the working directory is the last resort.
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return ""
}
