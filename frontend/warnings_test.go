package frontend

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/util/apicaps"
	digest "github.com/opencontainers/go-digest"

	"github.com/kbk-dev/kbk/lint"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/render"
)

// warnRecorder is a gateway client that records the warnings a build sends.
type warnRecorder struct {
	fakeGateway
	noWarnings bool // the daemon lacks the gateway warnings capability

	mu    sync.Mutex
	warns []recordedWarning
}

type recordedWarning struct {
	vertex digest.Digest
	msg    string
	opts   gwclient.WarnOpts
}

func (r *warnRecorder) BuildOpts() gwclient.BuildOpts {
	bo := r.fakeGateway.BuildOpts()
	if r.noWarnings {
		var caps []*apicaps.PBCap
		for _, c := range gwpb.Caps.All() {
			if apicaps.CapID(c.ID) != gwpb.CapGatewayWarnings {
				caps = append(caps, c)
			}
		}
		bo.Caps = gwpb.Caps.CapSet(caps)
	}
	return bo
}

func (r *warnRecorder) Warn(_ context.Context, dgst digest.Digest, msg string, opts gwclient.WarnOpts) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warns = append(r.warns, recordedWarning{vertex: dgst, msg: msg, opts: opts})
	return nil
}

// typoOverride misspells a block of nova-compute's template: no template
// defines it, and Kolla would ignore it without a word.
const typoOverride = `{% extends parent_template %}

{# nova-compute's template names this block nova_compute_footer #}
{% block nova_compute_fotter %}
RUN true
{% endblock %}
`

// typoRepo is a configuration repository whose profile "typo" builds
// nova-compute with typoOverride.
func typoRepo(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	files := map[string]string{
		"kolla-build.conf":            "[DEFAULT]\nbase = debian\n\n[profiles]\ntypo = ^nova-compute$\n",
		"kolla-template-overrides.j2": typoOverride,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(repo, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return repo
}

// The frontend sends what kbk lint finds, each diagnostic once per build, on
// the configuration step, with the override file and the line of the
// misspelt block so that buildx prints the excerpt.
func TestProfileWarningsAreSentOnce(t *testing.T) {
	tree, err := render.LoadTree(pinnedKolla(t))
	if err != nil {
		t.Fatal(err)
	}
	repo := typoRepo(t)
	cfg, err := plan.Load(plan.Request{Repo: repo, Profile: "typo", Env: map[string]string{}, Tree: tree})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	im, err := cfg.ForArch(ctx, "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	diags := profileDiagnostics(ctx, cfg, "x86_64", im, map[string]string{})

	// The oracle: kbk lint on the same profile.
	p := *cfg.Profile
	p.Options.BaseArch = "x86_64"
	want, err := lint.Lint(ctx, tree, &p, lint.Options{Env: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	want = lint.Sort(append(lint.Warnings(p.Name, cfg.Warnings), want...))
	var typo *lint.Diagnostic
	for i, d := range want {
		if d.Code == lint.CodeUnknownBlock && strings.Contains(d.Message, "nova_compute_fotter") {
			typo = &want[i]
		}
	}
	if typo == nil {
		t.Fatalf("kbk lint does not report the misspelt block: %v", want)
	}

	c := &warnRecorder{}
	vertex := digest.FromString("load configuration files")
	var ws warningSender
	ws.send(ctx, c, vertex, repo, diags)
	ws.send(ctx, c, vertex, repo, diags) // another platform: nothing new
	if len(c.warns) != len(want) {
		t.Fatalf("%d warnings sent, want one per diagnostic of kbk lint (%d): %v", len(c.warns), len(want), c.warns)
	}
	for i, w := range c.warns {
		if w.msg != want[i].String() {
			t.Errorf("warning %d: %q, want %q", i, w.msg, want[i].String())
		}
		if w.vertex != vertex || w.opts.Level != 1 {
			t.Errorf("warning %d: vertex %s level %d", i, w.vertex, w.opts.Level)
		}
		if want[i] != *typo {
			continue
		}
		si := w.opts.SourceInfo
		if si == nil || si.Filename != "kolla-template-overrides.j2" || string(si.Data) != typoOverride {
			t.Fatalf("misspelt block: source %+v, want the override file", si)
		}
		if len(w.opts.Range) != 1 || w.opts.Range[0].Start.Line != int32(typo.Line) || w.opts.Range[0].End.Line != int32(typo.Line) {
			t.Fatalf("misspelt block: range %v, want line %d", w.opts.Range, typo.Line)
		}
		if got := lineOfRange(si.Data, w.opts.Range[0].Start.Line, w.opts.Range[0].End.Character); !strings.Contains(got, "nova_compute_fotter") {
			t.Errorf("the range marks %q, not the misspelt block", got)
		}
	}
}

// lineOfRange is the text a one-line range marks, from the start of its line.
func lineOfRange(data []byte, line, end int32) string {
	lines := strings.Split(string(data), "\n")
	if line < 1 || int(line) > len(lines) || int(end) > len(lines[line-1]) {
		return ""
	}
	return lines[line-1][:end]
}

// A daemon without gateway warnings gets none, and the build goes on.
func TestNoWarningsWithoutTheCapability(t *testing.T) {
	c := &warnRecorder{noWarnings: true}
	var ws warningSender
	ws.send(context.Background(), c, "", t.TempDir(), []lint.Diagnostic{{Code: lint.CodeConfig, Message: "something"}})
	if len(c.warns) != 0 {
		t.Errorf("sent %v to a daemon without gateway.warnings", c.warns)
	}
}

// A diagnostic about a file outside the configuration repository (the Kolla
// tree) or about no file carries no source.
func TestWarningsWithoutARepositoryFile(t *testing.T) {
	repo := typoRepo(t)
	c := &warnRecorder{}
	var ws warningSender
	ws.send(context.Background(), c, "", repo, []lint.Diagnostic{
		{File: "../kolla/docker/base/Dockerfile.j2", Line: 3, Code: lint.CodeRenderFailed, Message: "outside"},
		{File: "missing.j2", Line: 1, Code: lint.CodeUnknownBlock, Message: "absent"},
		{Code: lint.CodeConfig, Message: "nowhere"},
	})
	if len(c.warns) != 3 {
		t.Fatalf("%d warnings, want 3", len(c.warns))
	}
	for _, w := range c.warns {
		if w.opts.SourceInfo != nil || w.opts.Range != nil {
			t.Errorf("%q carries a source %v %v", w.msg, w.opts.SourceInfo, w.opts.Range)
		}
	}
}
