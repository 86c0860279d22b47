// Command kbk-frontend is kbk's BuildKit gateway frontend image entry point.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kbk-dev/kbk/frontend"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := grpcclient.RunFromEnvironment(ctx, frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "kbk-frontend: %v\n", err)
		os.Exit(1)
	}
}
