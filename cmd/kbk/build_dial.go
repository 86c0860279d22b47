package main

// A connection to BuildKit through a command's standard input and output,
// as `docker exec -i <container> buildctl dial-stdio` gives one. When the
// command fails (no such container, container not running) the error the
// client sees says what the command printed, whichever end of the pipe
// noticed first.

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// commandConn is a running command seen as a net.Conn.
type commandConn struct {
	cmd    *exec.Cmd
	in     *os.File // the command's standard input, our end
	out    *os.File // the command's standard output, our end
	stderr lockedBuffer
	exited chan struct{} // closed once the command has exited
	err    error         // how it exited, once exited is closed
	once   sync.Once
	closed atomic.Bool // Close was called: errors since are ours
}

// dialCommand starts args and returns its standard input and output as a
// connection.
func dialCommand(args []string) (net.Conn, error) {
	// Pipes of our own rather than exec's: exec.Cmd.Wait closes its pipes,
	// while the connection may still be read after the command exits.
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	c := &commandConn{in: inW, out: outR, exited: make(chan struct{})}
	c.cmd = exec.Command(args[0], args[1:]...)
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = inR, outW, &c.stderr
	err = c.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

func (c *commandConn) Read(p []byte) (int, error) {
	n, err := c.out.Read(p)
	return n, c.explain(err)
}

func (c *commandConn) Write(p []byte) (int, error) {
	n, err := c.in.Write(p)
	return n, c.explain(err)
}

// explain adds to a failed read or write how the command ended and what it
// printed on standard error. A command that is still running after a moment
// is reported as running.
func (c *commandConn) explain(err error) error {
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) || c.closed.Load() {
		return err
	}
	select {
	case <-c.exited:
	case <-time.After(2 * time.Second):
		return fmt.Errorf("%w (%s still running; it printed %q)", err, c.cmd.Path, c.stderr.String())
	}
	how := "exited"
	if c.err != nil {
		how = c.err.Error()
	}
	return fmt.Errorf("%w (the command ended: %s: %s)", err, how, strings.TrimSpace(c.stderr.String()))
}

// Close ends the connection and the command.
func (c *commandConn) Close() error {
	c.once.Do(func() {
		c.closed.Store(true)
		c.in.Close()
		c.out.Close()
		// dial-stdio ends when its input does; one that does not is killed.
		go func() {
			select {
			case <-c.exited:
			case <-time.After(5 * time.Second):
				_ = c.cmd.Process.Kill()
			}
		}()
	})
	return nil
}

func (c *commandConn) LocalAddr() net.Addr  { return commandAddr{} }
func (c *commandConn) RemoteAddr() net.Addr { return commandAddr{} }

func (c *commandConn) SetDeadline(t time.Time) error {
	return errors.Join(c.in.SetWriteDeadline(t), c.out.SetReadDeadline(t))
}
func (c *commandConn) SetReadDeadline(t time.Time) error  { return c.out.SetReadDeadline(t) }
func (c *commandConn) SetWriteDeadline(t time.Time) error { return c.in.SetWriteDeadline(t) }

// commandAddr is the address of either end of a command connection.
type commandAddr struct{}

func (commandAddr) Network() string { return "command" }
func (commandAddr) String() string  { return "command" }

// lockedBuffer is a buffer a command writes while others read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
