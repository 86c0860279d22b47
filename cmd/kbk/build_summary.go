package main

// The summary of a build, as kolla-build prints it (built, failed, not
// matched, skipped, unbuildable) with the time each image took; its JSON form
// uses kolla-build's summary_json_file keys, with kbk's details added.

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/moby/buildkit/util/grpcerrors"
)

type buildSummary struct {
	Built       []summaryImage `json:"built"`
	Failed      []summaryImage `json:"failed"`
	NotMatched  []summaryImage `json:"not_matched"`
	Skipped     []summaryImage `json:"skipped"`
	Unbuildable []summaryImage `json:"unbuildable"`
	// Seconds is the wall time of the whole build.
	Seconds float64 `json:"seconds"`

	allowedToFail map[string]bool
}

type summaryImage struct {
	Name string `json:"name"`
	// Status is kolla-build's word for a failure: "error", or "parent_error"
	// when an ancestor failed.
	Status   string  `json:"status,omitempty"`
	Ref      string  `json:"ref,omitempty"`
	Digest   string  `json:"digest,omitempty"`
	Seconds  float64 `json:"seconds,omitempty"`
	Attempts int     `json:"attempts,omitempty"`
	Error    string  `json:"error,omitempty"`
}

func newSummary(bp *buildPlan) *buildSummary {
	s := &buildSummary{
		Built: []summaryImage{}, Failed: []summaryImage{}, NotMatched: []summaryImage{},
		Skipped: []summaryImage{}, Unbuildable: []summaryImage{},
		allowedToFail: map[string]bool{},
	}
	for _, n := range bp.cfg.Profile.Options.AllowedToFail {
		s.allowedToFail[n] = true
	}
	unmatched, unbuildable, skipped := bp.decisions()
	for _, n := range unmatched {
		s.NotMatched = append(s.NotMatched, summaryImage{Name: n})
	}
	for _, n := range unbuildable {
		s.Unbuildable = append(s.Unbuildable, summaryImage{Name: n})
	}
	for _, n := range skipped {
		s.Skipped = append(s.Skipped, summaryImage{Name: n})
	}
	return s
}

func (s *buildSummary) add(j *imageJob) {
	img := summaryImage{Name: j.name, Ref: j.ref, Digest: j.digest, Seconds: roundSeconds(j.duration.Seconds()), Attempts: j.attempts}
	switch {
	case j.err == nil:
		s.Built = append(s.Built, img)
	case j.parentFailed != "":
		img.Status = "parent_error"
		img.Error = fmt.Sprintf("parent image %q failed", j.parentFailed)
		s.Failed = append(s.Failed, img)
	default:
		img.Status = "error"
		img.Error = errorText(j.err)
		s.Failed = append(s.Failed, img)
	}
}

// errorText is the message of a build error without gRPC's wrapping.
func errorText(err error) string {
	if st, ok := grpcerrors.AsGRPCStatus(err); ok && st != nil {
		return st.Message()
	}
	return err.Error()
}

func roundSeconds(s float64) float64 { return float64(int64(s*10+0.5)) / 10 }

// failures counts the failed images that are not allowed to fail.
func (s *buildSummary) failures() int { return len(s.failedNames()) }

func (s *buildSummary) failedNames() []string {
	var names []string
	for _, f := range s.Failed {
		if !s.allowedToFail[f.Name] {
			names = append(names, f.Name)
		}
	}
	return names
}

// write prints the summary for people.
func (s *buildSummary) write(w io.Writer) {
	section := func(title string, imgs []summaryImage, line func(summaryImage) string) {
		if len(imgs) == 0 {
			return
		}
		fmt.Fprintf(w, "%s (%d):\n", title, len(imgs))
		for _, img := range imgs {
			fmt.Fprintf(w, "  %s\n", line(img))
		}
	}
	name := func(img summaryImage) string { return img.Name }
	section("Built", s.Built, func(img summaryImage) string {
		return fmt.Sprintf("%-32s %6.1fs  %s", img.Name, img.Seconds, img.Ref)
	})
	section("Failed", s.Failed, func(img summaryImage) string {
		msg := img.Error
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		allowed := ""
		if s.allowedToFail[img.Name] {
			allowed = " (allowed to fail)"
		}
		return fmt.Sprintf("%-32s %6.1fs  %s%s: %s", img.Name, img.Seconds, img.Status, allowed, msg)
	})
	section("Skipped", s.Skipped, name)
	section("Unbuildable", s.Unbuildable, name)
	if n := len(s.NotMatched); n > 0 {
		fmt.Fprintf(w, "Not matched: %d images\n", n)
	}
	fmt.Fprintf(w, "%d built, %d failed, %d skipped, %d unbuildable, %d not matched in %.1fs\n",
		len(s.Built), len(s.Failed), len(s.Skipped), len(s.Unbuildable), len(s.NotMatched), s.Seconds)
}

func (s *buildSummary) writeJSONFile(path string) error {
	dt, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, append(dt, '\n')); err != nil {
		return fmt.Errorf("summary JSON: %w", err)
	}
	return nil
}
