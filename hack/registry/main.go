// Command registry serves a throwaway OCI registry on 127.0.0.1 for kbk's tests.
//
// It listens on -addr (port 0 picks a free port), stores blobs under -dir (in memory
// when empty) and writes the address it listens on to -addr-file once it accepts
// connections, so a script can start several instances without racing for a port.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	addrFile := flag.String("addr-file", "", "file to write the listening address to")
	dir := flag.String("dir", "", "directory for blobs (in memory when empty)")
	verbose := flag.Bool("v", false, "log every request")
	flag.Parse()
	if err := run(*addr, *addrFile, *dir, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "registry:", err)
		os.Exit(1)
	}
}

func run(addr, addrFile, dir string, verbose bool) error {
	var opts []registry.Option
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		opts = append(opts, registry.WithBlobHandler(registry.NewDiskBlobHandler(dir)))
	}
	if !verbose {
		opts = append(opts, registry.Logger(log.New(discard{}, "", 0)))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if addrFile != "" {
		// Write then rename, so a reader never sees a half-written address.
		tmp := filepath.Join(filepath.Dir(addrFile), "."+filepath.Base(addrFile)+".tmp")
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, addrFile); err != nil {
			return err
		}
	}
	return http.Serve(ln, registry.New(opts...))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
