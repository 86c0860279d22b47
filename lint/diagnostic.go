package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/kbk-dev/kbk/render/jinja"
)

// Severity says whether a diagnostic stops a build.
type Severity int

const (
	Warning Severity = iota // kolla-build would build, but not what the operator meant
	Error                   // kolla-build would fail
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// MarshalText writes the severity as its name, for JSON output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Codes of the diagnostics, stable for tooling and for --format json.
const (
	CodeUnknownBlock            = "unknown-block"            // an override block no template defines
	CodeUnselectedBlock         = "unselected-block"         // an override block only images outside the profile define
	CodeUnusedCustomization     = "unused-customization"     // <image>_<kind>_append|remove|override that no customizable call reads
	CodeUnselectedCustomization = "unselected-customization" // a customisation of images outside the profile
	CodeRemoveMissing           = "remove-missing"           // a _remove entry not in the list it removes from
	CodeUnknownSourceImage      = "unknown-source-image"     // a source, plugin or additions section for no image
	CodeMissingLocation         = "missing-local-source"     // a local source whose location does not exist
	CodePatternNoMatch          = "pattern-matches-nothing"
	CodeProfileEmpty            = "profile-empty" // every image the profile selects is unbuildable here
	CodeRenderFailed            = "render-failed" // a template override fails to render for an image
	CodeConfig                  = "config"        // the configuration could not be loaded, or a loader warning
)

// Diagnostic is one finding, located in a file of the configuration
// repository (or of the Kolla tree) when it has a place.
type Diagnostic struct {
	File     string   `json:"file,omitempty"` // repository-relative, slash separated
	Line     int      `json:"line,omitempty"`
	Col      int      `json:"col,omitempty"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Image    string   `json:"image,omitempty"`   // the image concerned, when one is
	Profile  string   `json:"profile,omitempty"` // the profile linted
}

// String formats d as compilers do: "file:line:col: warning: message [code]".
func (d Diagnostic) String() string {
	loc := d.File
	if d.Line > 0 {
		loc += ":" + strconv.Itoa(d.Line)
		if d.Col > 0 {
			loc += ":" + strconv.Itoa(d.Col)
		}
	}
	s := fmt.Sprintf("%s: %s [%s]", d.Severity, d.Message, d.Code)
	if loc != "" {
		s = loc + ": " + s
	}
	return s
}

// Sort orders diagnostics by file, line, column, code and message, and drops
// duplicates (the root's override file is seen by every profile).
func Sort(ds []Diagnostic) []Diagnostic {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Code, b.Code), cmp.Compare(a.Message, b.Message))
	})
	return slices.CompactFunc(ds, func(a, b Diagnostic) bool {
		return a.File == b.File && a.Line == b.Line && a.Col == b.Col && a.Code == b.Code && a.Message == b.Message
	})
}

// nearest returns the candidate closest to name in edit distance, or "" when
// none is close enough to be a plausible typo.
func nearest(name string, candidates []string) string {
	best, bestDist := "", len(name)/3+2
	for _, c := range candidates {
		d := jinja.EditDistance(name, c)
		if d < bestDist || d == bestDist && best != "" && c < best {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean formats the suggestion suffix of a message.
func didYouMean(name string, candidates []string) string {
	if n := nearest(name, candidates); n != "" && n != name {
		return fmt.Sprintf(" (did you mean %q?)", n)
	}
	return ""
}
