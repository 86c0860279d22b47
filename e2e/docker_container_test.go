package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestDockerContainerBuilder builds through the current buildx builder when
// it uses the docker-container driver, the kind `docker buildx create` makes
// by default; `docker` is a stand-in for `docker exec` into the builder's
// container (see driverWorld).
func TestDockerContainerBuilder(t *testing.T) {
	w := newDriverWorld(t)
	// As `docker buildx create --name kbk-dc --driver docker-container
	// --platform linux/amd64` writes it.
	w.builder(t, "kbk-dc", `{"Name":"kbk-dc","Driver":"docker-container","Nodes":[{"Name":"kbk-dc0","Endpoint":"default",`+
		`"Platforms":[{"architecture":"amd64","os":"linux"}],"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}`)
	const exec = "--context default exec -i buildx_buildkit_kbk-dc0 buildctl dial-stdio"
	w.standIn(t, "docker", fmt.Sprintf(`#!/bin/sh
echo "$*" >> %q
if [ "$*" != %q ]; then
	echo "Error response from daemon: No such container (the stand-in knows only buildx_buildkit_kbk-dc0): $*" >&2
	exit 1
fi
exec %q --addr %q dial-stdio
`, w.log, exec, w.buildctl, w.addr))

	t.Run("build and push", func(t *testing.T) {
		const tag = "docker-container"
		if out, err := w.build(t, "kbk-dc", tag); err != nil {
			t.Fatalf("kbk build: %v\n%s", err, out)
		}
		w.builtThrough(t, tag, exec)
	})

	t.Run("container not running", func(t *testing.T) {
		w.builder(t, "kbk-gone", `{"Name":"kbk-gone","Driver":"docker-container","Nodes":[{"Name":"kbk-gone0","Endpoint":"default",`+
			`"Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}`)
		out, err := w.build(t, "kbk-gone", "docker-container-gone")
		t.Logf("kbk build through a missing container: %v\n%s", err, out)
		if err == nil {
			t.Fatal("kbk build succeeded through a builder whose container does not exist")
		}
		for _, want := range []string{"connecting to BuildKit at docker-container://buildx_buildkit_kbk-gone0", "docker buildx inspect --bootstrap", "No such container"} {
			if !strings.Contains(out, want) {
				t.Errorf("the error does not say %q", want)
			}
		}
	})
}
