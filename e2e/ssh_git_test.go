package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/kbk-dev/kbk/internal/testenv"
)

// TestSSHGitSource builds an image whose git source is reachable only over
// ssh, with the one key an ssh agent holds. kbk build forwards the agent of
// SSH_AUTH_SOCK to BuildKit, whose git fetches through it: the image holds
// the checked-out file. Without SSH_AUTH_SOCK, kbk stops before building and
// names the source.
func TestSSHGitSource(t *testing.T) {
	// buildkitd runs ssh to fetch ssh git sources.
	testenv.NeedTool(t, "ssh", "apt-get install openssh-client")
	w := newBuildWorld(t)
	readme := "served over ssh to " + w.namespace + "\n"
	srv := serveGitOverSSH(t, map[string]string{"README": readme})
	location := "ssh://git@" + srv.addr + "/demo.git"
	conf := filepath.Join(w.repo, "kolla-build.conf")
	dt, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	demoBase := regexp.MustCompile(`(\[demo-base\]\ntype = git\nlocation = )\S+`)
	if !demoBase.Match(dt) {
		t.Fatalf("no git [demo-base] section in %s:\n%s", conf, dt)
	}
	testenv.WriteFile(t, conf, demoBase.ReplaceAllLiteralString(string(dt), "[demo-base]\ntype = git\nlocation = "+location))

	t.Run("without an agent", func(t *testing.T) {
		out, err := w.runKbk(t, nil, "build", "--addr", w.addr, "--progress", "plain", "--repo", w.repo, "--kolla-dir", w.kollaDir,
			"^demo-base$", "--push", "--tag", "ssh-no-agent")
		if err == nil {
			t.Fatalf("kbk build succeeded without an ssh agent\n%s", out)
		}
		want := fmt.Sprintf(`git source "demo-base" (%s): fetched over ssh, but SSH_AUTH_SOCK is not set: start an ssh agent (eval "$(ssh-agent)") and add your key to it (ssh-add)`, location)
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
		if strings.Contains(out, "[kbk]") || srv.fetches.Load() != 0 {
			t.Errorf("kbk started building (%d fetches):\n%s", srv.fetches.Load(), out)
		}
	})

	t.Run("with an agent", func(t *testing.T) {
		tag := "ssh-agent"
		s, out, err := w.buildEnv(t, []string{"SSH_AUTH_SOCK=" + srv.agentSock}, "^demo-base$", "--push", "--tag", tag)
		if err != nil {
			t.Fatalf("kbk build: %v\n%s", err, out)
		}
		var built []string
		for _, b := range s.Built {
			built = append(built, b.Name)
		}
		if want := []string{"base", "openstack-base", "demo-base"}; !sameSet(built, want) || len(s.Failed) != 0 {
			t.Fatalf("built %v failed %v, want built %v\n%s", built, s.Failed, want, out)
		}
		if srv.fetches.Load() == 0 {
			t.Errorf("the source was not fetched from the ssh server")
		}
		files := imageFiles(t, w.pull(t, w.ref("demo-base", tag)))
		if got, path := files["demo-base-source/demo-base-archive-stable-1.0/README"], "/demo-base-source/demo-base-archive-stable-1.0/README"; got != readme {
			t.Errorf("demo-base: %s = %q, want %q", path, got, readme)
		}
	})
}

// runKbk runs kbk with args in an environment of PATH, HOME and env only, and
// returns its combined output.
func (w *buildWorld) runKbk(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(w.kbk, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("kbk %s: %v; output:\n%s", strings.Join(args, " "), err, out.String())
	return out.String(), err
}

// sshGitServer serves bare git repositories over ssh on 127.0.0.1 to the
// holder of one key, which an ssh agent of the test holds.
type sshGitServer struct {
	addr      string // host:port
	agentSock string // the agent's unix socket, for SSH_AUTH_SOCK
	root      string // the repositories: <root>/demo.git
	fetches   atomic.Int32
}

// serveGitOverSSH serves demo.git, whose branch stable/1.0 holds files, and
// starts the agent holding the only key the server accepts.
func serveGitOverSSH(t *testing.T, files map[string]string) *sshGitServer {
	t.Helper()
	srv := &sshGitServer{root: t.TempDir()}
	work := filepath.Join(t.TempDir(), "work")
	git := func(dir string, args ...string) { t.Helper(); runGit(t, dir, args...) }
	bare := filepath.Join(srv.root, "demo.git")
	git(srv.root, "init", "-q", "--bare", bare)
	git(srv.root, "init", "-q", "-b", "main", work)
	for name, content := range files {
		testenv.WriteFile(t, filepath.Join(work, name), content)
	}
	git(work, "add", ".")
	git(work, "commit", "-q", "-m", "demo")
	git(work, "push", "-q", bare, "main:refs/heads/stable/1.0")

	_, userKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: userKey}); err != nil {
		t.Fatal(err)
	}
	userSigner, err := ssh.NewSignerFromKey(userKey)
	if err != nil {
		t.Fatal(err)
	}
	allowed := userSigner.PublicKey().Marshal()
	srv.agentSock = filepath.Join(t.TempDir(), "agent.sock")
	agentL, err := net.Listen("unix", srv.agentSock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agentL.Close() })
	go acceptAll(agentL, func(c net.Conn) {
		defer c.Close()
		agent.ServeAgent(keyring, c)
	})

	_, hostKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostSigner, err := ssh.NewSignerFromKey(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	config := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if !bytes.Equal(key.Marshal(), allowed) {
				return nil, errors.New("unknown key")
			}
			return &ssh.Permissions{}, nil
		},
	}
	config.AddHostKey(hostSigner)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	srv.addr = l.Addr().String()
	go acceptAll(l, func(c net.Conn) { srv.serveConn(c, config) })
	return srv
}

// acceptAll serves every connection of l in a goroutine of its own until l
// is closed.
func acceptAll(l net.Listener, serve func(net.Conn)) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go serve(c)
	}
}

// serveConn serves one ssh connection. Key scans, which hang up after the
// host key, and unknown keys end in the handshake.
func (s *sshGitServer) serveConn(c net.Conn, config *ssh.ServerConfig) {
	conn, chans, reqs, err := ssh.NewServerConn(c, config)
	if err != nil {
		c.Close()
		return
	}
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		go s.serveSession(ch, chReqs)
	}
}

// serveSession runs git-upload-pack for an exec request on a repository
// under the root (`git-upload-pack '/demo.git'`), with the GIT_PROTOCOL the
// client sends; it refuses any other command.
func (s *sshGitServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	var env []string
	for req := range reqs {
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			if ssh.Unmarshal(req.Payload, &kv) == nil && kv.Name == "GIT_PROTOCOL" {
				env = append(env, kv.Name+"="+kv.Value)
			}
			req.Reply(true, nil)
		case "exec":
			var payload struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
				req.Reply(false, nil)
				return
			}
			prog, arg, _ := strings.Cut(payload.Command, " ")
			if prog != "git-upload-pack" {
				req.Reply(false, nil)
				return
			}
			req.Reply(true, nil)
			s.fetches.Add(1)
			repo := filepath.Join(s.root, filepath.Clean("/"+strings.Trim(arg, "'")))
			status := s.uploadPack(ch, repo, env)
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
			return
		default:
			req.Reply(false, nil)
		}
	}
}

// uploadPack runs git-upload-pack on repo with the channel as its standard
// streams and returns its exit status.
func (s *sshGitServer) uploadPack(ch ssh.Channel, repo string, env []string) uint32 {
	cmd := exec.Command("git-upload-pack", repo)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 255
	}
	// Not cmd.Stdin = ch: Wait would wait for the client to close its side.
	go func() {
		io.Copy(stdin, ch)
		stdin.Close()
	}()
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return uint32(exit.ExitCode())
		}
		fmt.Fprintf(ch.Stderr(), "git-upload-pack: %v\n", err)
		return 255
	}
	return 0
}
