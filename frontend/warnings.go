package frontend

// Lint diagnostics as BuildKit warnings: what `kbk render` and `kbk build`
// print before they work, the frontend sends through the gateway, so that
// `docker buildx build` lists a misspelt override block before a long build.

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"

	"github.com/kbk-dev/kbk/lint"
	"github.com/kbk-dev/kbk/plan"
)

// warningLevel is the level BuildKit warnings of a frontend have (the
// Dockerfile frontend's lint rules use it too); the diagnostic's own
// severity is part of the message.
const warningLevel = 1

// profileDiagnostics is what kbk lint says about the loaded profile on one
// base arch: the loader's warnings and every lint diagnostic. im is the plan
// of that arch, whose rendered images lint reads; nil when it failed, and
// lint renders every image itself, telling which ones fail. A lint run that
// cannot complete is itself a diagnostic, never a failed build.
func profileDiagnostics(ctx context.Context, cfg *plan.Config, baseArch string, im *plan.Images, env map[string]string) []lint.Diagnostic {
	// Unbuildable images depend on the arch being built, not on the one
	// the profile names: lint a copy set to the platform's.
	p := *cfg.Profile
	if baseArch != "" {
		p.Options.BaseArch = baseArch
	}
	opts := lint.Options{Env: env, EnableUnbuildable: p.Options.EnableUnbuildable}
	var diags []lint.Diagnostic
	var err error
	if im != nil {
		diags, err = lint.LintImages(ctx, cfg.Tree, &p, im, opts)
	} else {
		diags, err = lint.Lint(ctx, cfg.Tree, &p, opts)
	}
	if err != nil {
		diags = append(diags, lint.Diagnostic{Severity: lint.Warning, Code: lint.CodeConfig, Profile: p.Name,
			Message: "lint: " + err.Error()})
	}
	return lint.Sort(append(lint.Warnings(p.Name, cfg.Warnings), diags...))
}

// warningSender sends each diagnostic once per build: every platform, and
// `--call targets`, plans again, and most diagnostics are the same each time.
type warningSender struct {
	mu   sync.Mutex
	sent map[string]bool
}

// claim reports whether msg is new to this build, and marks it sent.
func (w *warningSender) claim(msg string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent[msg] {
		return false
	}
	if w.sent == nil {
		w.sent = map[string]bool{}
	}
	w.sent[msg] = true
	return true
}

// send reports diags as warnings of vertex (the step that loaded the
// configuration files, so buildx shows them next to it). repo is the copy of
// the configuration repository the diagnostics' files are relative to; a
// diagnostic with a file there carries the file and its line, which buildx
// prints as a source excerpt. A daemon without gateway warnings gets none:
// the build itself does not depend on them.
func (w *warningSender) send(ctx context.Context, c gwclient.Client, vertex digest.Digest, repo string, diags []lint.Diagnostic) {
	caps := c.BuildOpts().Caps
	if caps.Supports(gwpb.CapGatewayWarnings) != nil {
		return
	}
	files := map[string]*pb.SourceInfo{}
	for _, d := range diags {
		msg := d.String()
		if !w.claim(msg) {
			continue
		}
		// A warning that cannot be delivered must not fail the build it
		// is about, and a library does not log: the error is dropped.
		_ = c.Warn(ctx, vertex, msg, warnOpts(d, sourceInfo(files, repo, d.File)))
	}
}

// sourceInfo is the content of a repository file for warnings about it, read
// once per send; nil when the diagnostic names no file of the repository
// (a Kolla tree file, or none).
func sourceInfo(cache map[string]*pb.SourceInfo, repo, file string) *pb.SourceInfo {
	if file == "" || repo == "" || path.IsAbs(file) || strings.HasPrefix(path.Clean(file), "../") {
		return nil
	}
	if si, ok := cache[file]; ok {
		return si
	}
	var si *pb.SourceInfo
	if data, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(file))); err == nil {
		si = &pb.SourceInfo{Filename: file, Data: data, Language: configLanguage(file)}
	}
	cache[file] = si
	return si
}

// configLanguage names the language of a configuration file for tools that
// highlight the excerpt.
func configLanguage(file string) string {
	switch path.Ext(file) {
	case ".j2":
		return "Jinja"
	case ".conf", ".ini":
		return "INI"
	}
	return ""
}

// warnOpts places a diagnostic in its file: the whole line it is on, as
// WithSource marks a line (buildx prints lines; they start at 1).
func warnOpts(d lint.Diagnostic, si *pb.SourceInfo) gwclient.WarnOpts {
	opts := gwclient.WarnOpts{Level: warningLevel}
	if si == nil {
		return opts
	}
	opts.SourceInfo = si
	if d.Line > 0 {
		opts.Range = []*pb.Range{{
			Start: &pb.Position{Line: int32(d.Line)},
			End:   &pb.Position{Line: int32(d.Line), Character: int32(lineLength(si.Data, d.Line))},
		}}
	}
	return opts
}
