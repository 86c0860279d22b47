package main

// One progress display for every job of a build session. Each job's status
// stream repeats the vertices of the image's ancestors, which every job
// shares: a vertex is shown once, with its name prefixed by the image whose
// Dockerfile it belongs to, from the stream of that image's own job. Another
// job's stream shows it only while that job is not running (not started, or
// ended): a child that fails early reports its parents' steps as cancelled,
// while the parents' own jobs go on building them.

import (
	"context"
	"sync"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"

	"github.com/kbk-dev/kbk/frontend"
)

type progressMux struct {
	out chan *client.SolveStatus

	mu     sync.Mutex
	image  map[digest.Digest]string // vertex → the image (and platform) it belongs to
	home   map[digest.Digest]string // vertex → the job of that image
	owner  map[digest.Digest]string // vertex → the job whose stream shows it now
	active map[string]int           // job → its open status streams
	closed bool
	wg     sync.WaitGroup
}

func newProgressMux() *progressMux {
	return &progressMux{
		out:    make(chan *client.SolveStatus),
		image:  map[digest.Digest]string{},
		home:   map[digest.Digest]string{},
		owner:  map[digest.Digest]string{},
		active: map[string]int{},
	}
}

// own records which image every vertex belongs to: the first image, parents
// first, whose LLB holds it.
func (m *progressMux) own(ctx context.Context, bp *buildPlan, convs []map[string]*frontend.Converted) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, p := range bp.plans {
		ordered, err := p.Ordered()
		if err != nil {
			return err
		}
		for _, img := range ordered {
			cv, ok := convs[i][img.Name]
			if !ok {
				continue
			}
			def, err := cv.State.Marshal(ctx)
			if err != nil {
				return err
			}
			label := img.Name
			if len(bp.plans) > 1 || bp.labelPlatforms {
				label += " " + platformID(p.Platform)
			}
			for _, dt := range def.Def {
				d := digest.FromBytes(dt)
				if _, seen := m.image[d]; !seen {
					m.image[d] = label
					m.home[d] = bp.jobLabel(img.Name)
				}
			}
		}
	}
	return nil
}

// forward copies a job's statuses to the display, less what another job
// shows already. The returned channel is closed once in is drained.
func (m *progressMux) forward(job string, in chan *client.SolveStatus) <-chan struct{} {
	done := make(chan struct{})
	m.wg.Add(1)
	m.running(job, 1)
	go func() {
		defer m.wg.Done()
		defer close(done)
		defer m.running(job, -1)
		for s := range in {
			if f := m.filter(job, s); f != nil {
				m.out <- f
			}
		}
	}()
	return done
}

// running counts a job's status stream opening (+1) or ending (-1).
func (m *progressMux) running(job string, delta int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.active[job] += delta
}

func (m *progressMux) filter(job string, s *client.SolveStatus) *client.SolveStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	// vertex returns the digest to show a vertex under, or "" when another
	// job shows it. Vertices of no image (exporting, pushing) are the job's
	// own even when their digests match across jobs: they get one of their own.
	vertex := func(d digest.Digest) digest.Digest {
		if _, ok := m.image[d]; !ok && job != "" {
			return digest.FromString(job + "\x00" + d.String())
		}
		home, ok := m.home[d]
		switch {
		case ok && home == job:
			m.owner[d] = job
			return d
		case ok && m.active[home] > 0:
			return ""
		}
		// The vertex's own job is not running: the first other job that
		// reports it shows it until that job runs, or for good.
		if o, ok := m.owner[d]; ok && o != job && (o == home || m.active[o] > 0) {
			return ""
		}
		m.owner[d] = job
		return d
	}
	f := &client.SolveStatus{}
	for _, v := range s.Vertexes {
		d := vertex(v.Digest)
		if d == "" {
			continue
		}
		vv := *v
		vv.Digest = d
		switch img := m.image[v.Digest]; {
		case img != "":
			vv.Name = "[" + img + "] " + vv.Name
		case job != "":
			vv.Name = "[" + job + "] " + vv.Name
		}
		f.Vertexes = append(f.Vertexes, &vv)
	}
	for _, st := range s.Statuses {
		if d := vertex(st.Vertex); d != "" {
			c := *st
			c.Vertex = d
			f.Statuses = append(f.Statuses, &c)
		}
	}
	for _, l := range s.Logs {
		if d := vertex(l.Vertex); d != "" {
			c := *l
			c.Vertex = d
			f.Logs = append(f.Logs, &c)
		}
	}
	for _, w := range s.Warnings {
		if d := vertex(w.Vertex); d != "" {
			c := *w
			c.Vertex = d
			f.Warnings = append(f.Warnings, &c)
		}
	}
	if len(f.Vertexes)+len(f.Statuses)+len(f.Logs)+len(f.Warnings) == 0 {
		return nil
	}
	return f
}

// close ends the display once every job's stream is drained.
func (m *progressMux) close() {
	m.wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.closed = true
		close(m.out)
	}
}
