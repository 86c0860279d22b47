package main

import (
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
)

// A step of base is shown from base's own job: a child that fails early
// reports it cancelled, which must not hide what base's job goes on to
// report. A step whose image's job is not running is shown from another
// job, and stays with it while that job runs.
func TestProgressShowsStepsFromTheirImagesJob(t *testing.T) {
	m := newProgressMux()
	run := digest.FromString("base RUN apt update")
	api := digest.FromString("nova-api COPY")
	m.image[run], m.home[run] = "base", "base"
	m.image[api], m.home[api] = "nova-api", "nova-api"

	now := time.Now()
	status := func(d digest.Digest, name, err string) *client.SolveStatus {
		v := &client.Vertex{Digest: d, Name: name, Started: &now, Error: err}
		if err != "" {
			v.Completed = &now
		}
		return &client.SolveStatus{Vertexes: []*client.Vertex{v}}
	}
	shown := func(job string, s *client.SolveStatus) string {
		f := m.filter(job, s)
		if f == nil {
			return "(hidden)"
		}
		v := f.Vertexes[0]
		if v.Digest != s.Vertexes[0].Digest {
			t.Errorf("%s: %s shown under another digest", job, v.Name)
		}
		return v.Name + ": " + v.Error
	}
	for _, step := range []struct {
		job    string
		start  bool // the job's stream opens first
		status *client.SolveStatus
		want   string
	}{
		// nova-api's job runs before base's: it shows base's step.
		{"nova-api", true, status(run, "RUN apt update", ""), "[base] RUN apt update: "},
		{"nova-cell", true, status(run, "RUN apt update", ""), "(hidden)"},
		// base's job runs: base's step is its own from now on.
		{"base", true, status(run, "RUN apt update", ""), "[base] RUN apt update: "},
		{"nova-api", false, status(run, "RUN apt update", "context canceled"), "(hidden)"},
		{"nova-api", false, status(api, "COPY", "context canceled"), "[nova-api] COPY: context canceled"},
		{"base", false, status(run, "RUN apt update", "exit code: 22"), "[base] RUN apt update: exit code: 22"},
	} {
		if step.start {
			m.running(step.job, 1)
		}
		if got := shown(step.job, step.status); got != step.want {
			t.Errorf("%s reports %s %q: shown %q, want %q", step.job, step.status.Vertexes[0].Name, step.status.Vertexes[0].Error, got, step.want)
		}
	}
	// base's job ended: the last word on its step stays its own.
	m.running("base", -1)
	if got := shown("nova-cell", status(run, "RUN apt update", "context canceled")); got != "(hidden)" {
		t.Errorf("after base's job ended, nova-cell's report of base's step: shown %q, want it hidden", got)
	}
}
