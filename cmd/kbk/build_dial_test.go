package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// A command's standard input and output carry the connection both ways.
func TestDialCommandCarriesBytes(t *testing.T) {
	c, err := dialCommand([]string{"cat"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "preface"); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len("preface"))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "preface" {
		t.Fatalf("read %q, %v; want what was written", got, err)
	}
}

// A command that fails before the first byte (docker exec into a missing
// container) makes reads and writes fail with what it printed, whichever
// the client tries first.
func TestDialCommandSaysWhyItEnded(t *testing.T) {
	failing := []string{"sh", "-c", "echo 'Error response from daemon: No such container: buildx_buildkit_gone0' >&2; exit 1"}
	for _, op := range []string{"read", "write"} {
		c, err := dialCommand(failing)
		if err != nil {
			t.Fatal(err)
		}
		switch op {
		case "read":
			_, err = c.Read(make([]byte, 1))
		case "write":
			// Until the pipe breaks, writes land in its buffer.
			for i := 0; err == nil && i < 1000; i++ {
				_, err = c.Write(make([]byte, 4096))
			}
		}
		c.Close()
		if err == nil {
			t.Fatalf("%s: no error from a command that exited", op)
		}
		for _, want := range []string{"No such container: buildx_buildkit_gone0", "the command ended: exit status 1"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", op, err, want)
			}
		}
	}
}

// A read pending when the connection is closed ends at once, without
// waiting for the command to say why.
func TestDialCommandCloseEndsReads(t *testing.T) {
	c, err := dialCommand([]string{"sleep", "30"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	c.Close()
	if err := <-done; err == nil {
		t.Error("the read succeeded after Close")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the read ended %s after Close", d)
	}
}
