package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The current buildx builder gives the address when it is a remote one, in
// the files buildx itself writes (see ~/.docker/buildx on a machine with a
// builder made by `docker buildx create --driver remote`).
func TestBuildxAddr(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BUILDX_CONFIG", dir)
	t.Setenv("BUILDX_BUILDER", "")
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if nodes, err := buildxNodes(); nodes != nil || err != nil {
		t.Errorf("no buildx configuration: %v, %v", nodes, err)
	}
	write("current", `{"Key":"unix:///var/run/docker.sock","Name":"kbk","Global":false}`)
	write("instances/kbk", `{"Name":"kbk","Driver":"remote","Nodes":[{"Name":"kbk0","Endpoint":"unix:///tmp/bk.sock"}]}`)
	nodes, err := buildxNodes()
	if err != nil || len(nodes) != 1 || nodes[0].Endpoint != "unix:///tmp/bk.sock" || len(nodes[0].Platforms) != 0 {
		t.Errorf("current remote builder: %+v, %v", nodes, err)
	}
	// As buildx writes a builder made with create --platform and create --append.
	write("instances/two", `{"Name":"two","Driver":"remote","Nodes":[`+
		`{"Name":"two0","Endpoint":"unix:///tmp/a.sock","Platforms":[{"architecture":"amd64","os":"linux"}],"DriverOpts":null,"Flags":null,"Files":null},`+
		`{"Name":"two1","Endpoint":"tcp://127.0.0.1:9999","Platforms":[{"architecture":"arm64","os":"linux"},{"architecture":"arm","os":"linux","variant":"v7"}],"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}`)
	t.Setenv("BUILDX_BUILDER", "two")
	nodes, err = buildxNodes()
	if err != nil || len(nodes) != 2 || nodes[1].Name != "two1" || nodes[1].Endpoint != "tcp://127.0.0.1:9999" ||
		len(nodes[1].Platforms) != 2 || nodes[1].Platforms[1].Variant != "v7" || nodes[0].Platforms[0].Architecture != "amd64" {
		t.Errorf("two-node builder: %+v, %v", nodes, err)
	}
	// As buildx writes `docker buildx create --driver remote --driver-opt
	// cacert=/a,cert=/b,key=/c,servername=s tcp://127.0.0.1:1234`.
	write("instances/t", `{"Name":"t","Driver":"remote","Nodes":[{"Name":"t0","Endpoint":"tcp://127.0.0.1:1234","Platforms":null,`+
		`"DriverOpts":{"cacert":"/a","cert":"/b","key":"/c","servername":"s"},"Flags":null,"Files":null}],"Dynamic":false}`)
	t.Setenv("BUILDX_BUILDER", "t")
	nodes, err = buildxNodes()
	if want := (buildTLS{CACert: "/a", Cert: "/b", Key: "/c", ServerName: "s"}); err != nil || len(nodes) != 1 || nodes[0].TLS != want {
		t.Errorf("TLS builder: %+v, %v; want TLS %+v", nodes, err, want)
	}
	// As buildx writes `docker buildx create --driver docker-container
	// --platform linux/arm64` (the default context) and `docker buildx
	// create --append --driver docker-container unix:///var/run/docker.sock`.
	write("instances/dc", `{"Name":"dc","Driver":"docker-container","Nodes":[`+
		`{"Name":"dc0","Endpoint":"default","Platforms":[{"architecture":"arm64","os":"linux"}],"DriverOpts":null,"Flags":null,"Files":null},`+
		`{"Name":"dc1","Endpoint":"unix:///var/run/docker.sock","Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}`)
	t.Setenv("BUILDX_BUILDER", "dc")
	nodes, err = buildxNodes()
	if err != nil || len(nodes) != 2 {
		t.Fatalf("docker-container builder: %+v, %v", nodes, err)
	}
	want := []buildNode{
		{Name: "dc0", Endpoint: "docker-container://buildx_buildkit_dc0?endpoint=default",
			Platforms: nodes[0].Platforms, Dial: strings.Fields("docker --context default exec -i buildx_buildkit_dc0 buildctl dial-stdio")},
		{Name: "dc1", Endpoint: "docker-container://buildx_buildkit_dc1?endpoint=unix:///var/run/docker.sock",
			Dial: strings.Fields("docker --host unix:///var/run/docker.sock exec -i buildx_buildkit_dc1 buildctl dial-stdio")},
	}
	if diff := cmp.Diff(want, nodes); diff != "" || len(nodes[0].Platforms) != 1 || nodes[0].Platforms[0].Architecture != "arm64" {
		t.Errorf("docker-container builder (-want +got):\n%s%+v", diff, nodes[0].Platforms)
	}
	t.Setenv("BUILDX_BUILDER", "default")
	if _, err := buildxNodes(); err == nil || !strings.Contains(err.Error(), "docker driver") {
		t.Errorf("the docker engine's builder: %v", err)
	}
	// As buildx writes `docker buildx create --driver kubernetes --driver-opt
	// namespace=buildkit --platform linux/arm64`, and a node made without
	// a namespace, whose deployment comes from its name.
	write("instances/k8s", `{"Name":"k8s","Driver":"kubernetes","Nodes":[`+
		`{"Name":"k8s0","Endpoint":"kubernetes:///k8s?deployment=k8s0&kubeconfig=%2Fhome%2Fop%2F.kube%2Fconfig","Platforms":[{"architecture":"arm64","os":"linux"}],"DriverOpts":{"namespace":"buildkit"},"Flags":null,"Files":null},`+
		`{"Name":"k8s_1","Endpoint":"default","Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}`)
	t.Setenv("BUILDX_BUILDER", "k8s")
	nodes, err = buildxNodes()
	if err != nil || len(nodes) != 2 {
		t.Fatalf("kubernetes builder: %+v, %v", nodes, err)
	}
	want = []buildNode{
		{Name: "k8s0", Endpoint: "kube-pod://k8s0?namespace=buildkit", Platforms: nodes[0].Platforms,
			Pod: &kubePod{Kubeconfig: "/home/op/.kube/config", Namespace: "buildkit", Deployment: "k8s0"}},
		{Name: "k8s_1", Endpoint: "kube-pod://k8s-1", Pod: &kubePod{Deployment: "k8s-1"}},
	}
	if diff := cmp.Diff(want, nodes); diff != "" {
		t.Errorf("kubernetes builder (-want +got):\n%s", diff)
	}
	if got := strings.Join(nodes[0].Pod.kubectl("exec", "-i", "p"), " "); got != "kubectl --kubeconfig /home/op/.kube/config --namespace buildkit exec -i p" {
		t.Errorf("kubectl for node k8s0: %s", got)
	}
	write("instances/cloud", `{"Name":"cloud","Driver":"cloud","Nodes":[{"Name":"cloud0","Endpoint":"cloud://org/builder"}]}`)
	t.Setenv("BUILDX_BUILDER", "cloud")
	if _, err := buildxNodes(); err == nil || !strings.Contains(err.Error(), `"cloud" driver`) {
		t.Errorf("cloud builder: %v", err)
	}
}

// A node's TLS settings become client options; a certificate without its
// key, or a key without its certificate, is an error naming both.
func TestNodeClientOpts(t *testing.T) {
	for _, c := range []struct {
		tls     buildTLS
		n       int
		wantErr string
	}{
		{buildTLS{}, 0, ""},
		{buildTLS{CACert: "/ca.pem"}, 1, ""},
		{buildTLS{ServerName: "bk.example.org"}, 1, ""},
		{buildTLS{CACert: "/ca.pem", Cert: "/cert.pem", Key: "/key.pem"}, 2, ""},
		{buildTLS{CACert: "/ca.pem", Cert: "/cert.pem"}, 0, `TLS client certificate "/cert.pem" and key "": give both or neither`},
		{buildTLS{Key: "/key.pem"}, 0, `TLS client certificate "" and key "/key.pem": give both or neither`},
	} {
		opts, err := buildNode{Endpoint: "tcp://127.0.0.1:1234", TLS: c.tls}.clientOpts()
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%+v: error %v, want %q", c.tls, err, c.wantErr)
			}
			continue
		}
		if err != nil || len(opts) != c.n {
			t.Errorf("%+v: %d options, %v; want %d", c.tls, len(opts), err, c.n)
		}
	}
}
