package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// tlsServerName is the only name in the test daemon's certificate, so a
// connection succeeds only when the server name reaches the client.
const tlsServerName = "buildkitd.kbk.test"

// TestTLS builds on a buildkitd that listens on TCP with TLS and requires a
// client certificate signed by the test's own CA: through --addr and the
// --tls… flags, and through a buildx remote builder whose driver options
// name the same files. Without the client certificate the daemon refuses
// the connection, and kbk says which address it could not use.
func TestTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second buildkitd and builds; skipped with -short")
	}
	w := newBuildWorld(t)
	pki := newTestPKI(t)
	addr := "tcp://" + freeLocalAddr(t)
	runBuildkitd(t, t.TempDir(), addr,
		[]client.ClientOpt{client.WithServerConfig(tlsServerName, pki.ca), client.WithCredentials(pki.clientCert, pki.clientKey)},
		"--tlscacert", pki.ca, "--tlscert", pki.serverCert, "--tlskey", pki.serverKey)

	// Each build pushes its images; the test daemon (w.addr, plain) must not
	// have built them, so the registry's images came from the TLS daemon.
	builtThere := func(t *testing.T, tag string) {
		t.Helper()
		for _, image := range []string{"demo-api", "demo-worker"} {
			r, err := name.ParseReference(w.ref(image, tag), name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := remote.Head(r); err != nil {
				t.Errorf("%s was not pushed: %v", r, err)
			}
		}
		if n := builtRecords(t, w.addr, w.namespace, tag); n != 0 {
			t.Errorf("the plain test daemon built %d image(s) of tag %s; want them built over TLS", n, tag)
		}
	}

	t.Run("addr and flags", func(t *testing.T) {
		const tag = "tls-addr"
		s, out, err := w.build(t, "demo", "--addr", addr, "--tlscacert", pki.ca, "--tlscert", pki.clientCert, "--tlskey", pki.clientKey,
			"--tlsservername", tlsServerName, "--push", "--tag", tag)
		if err != nil || len(s.Built) == 0 || len(s.Failed) != 0 {
			t.Fatalf("kbk build: %v; built %v, failed %v\n%s", err, s.Built, s.Failed, out)
		}
		builtThere(t, tag)
	})

	t.Run("no client certificate", func(t *testing.T) {
		build := exec.Command(w.kbk, "build", "demo", "--addr", addr, "--tlscacert", pki.ca, "--tlsservername", tlsServerName,
			"--progress", "plain", "--repo", w.repo, "--kolla-dir", w.kollaDir, "--retries", "0", "--push", "--tag", "tls-refused")
		build.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
		out, err := runWithin(t, build, 2*time.Minute)
		t.Logf("kbk build without a client certificate: %v\n%s", err, out)
		if err == nil {
			t.Fatal("kbk build succeeded without a client certificate")
		}
		// With TLS 1.3 the server refuses the client after the handshake:
		// the client reads the alert ("certificate required") or, when its
		// first write races the close, sees the connection broken. Either
		// way the error must name the daemon it could not reach.
		if !strings.Contains(out, "connecting to BuildKit at "+addr+": ") {
			t.Errorf("the error does not name %s:\n%s", addr, out)
		}
		if !strings.Contains(out, "certificate required") && !strings.Contains(out, "broken pipe") && !strings.Contains(out, "connection reset") {
			t.Errorf("the error does not say why %s refused the connection:\n%s", addr, out)
		}
	})

	t.Run("buildx remote builder", func(t *testing.T) {
		testenv.NeedBuildx(t)
		const tag = "tls-buildx"
		buildxConfig := filepath.Join(t.TempDir(), "buildx")
		create := exec.Command("docker", "buildx", "create", "--name", "kbk-tls", "--driver", "remote", "--driver-opt",
			fmt.Sprintf("cacert=%s,cert=%s,key=%s,servername=%s", pki.ca, pki.clientCert, pki.clientKey, tlsServerName), addr)
		create.Env = append(os.Environ(), "BUILDX_CONFIG="+buildxConfig)
		if out, err := create.CombinedOutput(); err != nil {
			t.Fatalf("docker buildx create: %v\n%s", err, out)
		}
		build := exec.Command(w.kbk, "build", "demo", "--progress", "plain", "--repo", w.repo, "--kolla-dir", w.kollaDir,
			"--retries", "0", "--push", "--tag", tag)
		// No --addr, no BUILDKIT_HOST, no --tls… flags: all from the builder.
		build.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "BUILDX_CONFIG=" + buildxConfig, "BUILDX_BUILDER=kbk-tls"}
		if out, err := runWithin(t, build, 10*time.Minute); err != nil {
			t.Fatalf("kbk build: %v\n%s", err, out)
		}
		builtThere(t, tag)
	})
}

// runWithin runs cmd, killing it after d, and returns its combined output.
func runWithin(t *testing.T, cmd *exec.Cmd, d time.Duration) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(d, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	return out.String(), err
}

// freeLocalAddr is a TCP address on 127.0.0.1 that nothing listens on now.
func freeLocalAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// testPKI are the PEM files of a CA, a server certificate for tlsServerName
// and a client certificate, all signed by the CA.
type testPKI struct {
	ca, serverCert, serverKey, clientCert, clientKey string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kbk test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI{ca: filepath.Join(dir, "ca.pem")}
	writePEM(t, p.ca, "CERTIFICATE", caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, dnsNames []string) (certFile, keyFile string) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			DNSNames:     dnsNames,
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile = filepath.Join(dir, cn+"-cert.pem"), filepath.Join(dir, cn+"-key.pem")
		writePEM(t, certFile, "CERTIFICATE", der)
		writePEM(t, keyFile, "PRIVATE KEY", keyDER)
		return certFile, keyFile
	}
	p.serverCert, p.serverKey = leaf(2, "server", x509.ExtKeyUsageServerAuth, []string{tlsServerName})
	p.clientCert, p.clientKey = leaf(3, "client", x509.ExtKeyUsageClientAuth, nil)
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
