package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestKubernetesBuilder builds through the current buildx builder when it
// uses the kubernetes driver: kbk lists the running pods of the node's
// deployment and runs buildctl dial-stdio in the first by name, through a
// kubectl stand-in (see driverWorld).
func TestKubernetesBuilder(t *testing.T) {
	w := newDriverWorld(t)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	// As `docker buildx create --name kbk-k8s --driver kubernetes
	// --driver-opt namespace=buildkit,replicas=2` records it.
	w.builder(t, "kbk-k8s", `{"Name":"kbk-k8s","Driver":"kubernetes","Nodes":[{"Name":"kbk-k8s0",`+
		`"Endpoint":"kubernetes:///kbk-k8s?deployment=kbk-k8s0&kubeconfig=`+kubeconfig+`",`+
		`"Platforms":null,"DriverOpts":{"namespace":"buildkit","replicas":"2"},"Flags":null,"Files":null}],"Dynamic":false}`)
	w.builder(t, "kbk-idle", `{"Name":"kbk-idle","Driver":"kubernetes","Nodes":[{"Name":"kbk-idle0",`+
		`"Endpoint":"kubernetes:///kbk-idle?deployment=kbk-idle0&kubeconfig=`+kubeconfig+`",`+
		`"Platforms":null,"DriverOpts":{"namespace":"buildkit"},"Flags":null,"Files":null}],"Dynamic":false}`)
	cluster := "--kubeconfig " + kubeconfig + " --namespace buildkit"
	list := " get pods --selector app=%s --field-selector status.phase=Running --output jsonpath={.items[*].metadata.name}"
	exec := cluster + " exec -i kbk-k8s0-7c9d-a1 --container buildkitd -- buildctl dial-stdio"
	w.standIn(t, "kubectl", fmt.Sprintf(`#!/bin/sh
echo "$*" >> %q
case "$*" in
%q) printf 'kbk-k8s0-7c9d-b2 kbk-k8s0-7c9d-a1' ;;
%q) ;;
%q) exec %q --addr %q dial-stdio ;;
*) echo "error: the stand-in does not know: $*" >&2; exit 1 ;;
esac
`, w.log, cluster+fmt.Sprintf(list, "kbk-k8s0"), cluster+fmt.Sprintf(list, "kbk-idle0"), exec, w.buildctl, w.addr))

	t.Run("build and push", func(t *testing.T) {
		const tag = "kubernetes"
		if out, err := w.build(t, "kbk-k8s", tag); err != nil {
			t.Fatalf("kbk build: %v\n%s", err, out)
		}
		w.builtThrough(t, tag, exec)
	})

	t.Run("no running pod", func(t *testing.T) {
		out, err := w.build(t, "kbk-idle", "kubernetes-idle")
		t.Logf("kbk build through a deployment without pods: %v\n%s", err, out)
		if err == nil {
			t.Fatal("kbk build succeeded through a deployment without running pods")
		}
		for _, want := range []string{"connecting to BuildKit at kube-pod://kbk-idle0?namespace=buildkit", "no running pod of deployment kbk-idle0", "docker buildx inspect --bootstrap"} {
			if !strings.Contains(out, want) {
				t.Errorf("the error does not say %q", want)
			}
		}
	})
}
