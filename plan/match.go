package plan

import (
	"fmt"
	"strings"

	"github.com/kbk-dev/kbk/profiles"
)

// matcher returns the graph's match predicate: positional patterns if any,
// else the profile's, matched as kolla-build does (Python re.search over the
// joined alternation). It also tells which single pattern matched, for
// explanations. nil means no filter: every image is wanted.
func (c *Config) matcher() (func(string) (string, bool), error) {
	patterns := c.patterns
	if len(patterns) == 0 {
		m, err := c.Profile.Matcher()
		if err != nil {
			return nil, err
		}
		patterns = m.Patterns
	}
	if len(patterns) == 0 {
		return nil, nil
	}
	whole, err := profiles.NewMatcher(patterns)
	if err != nil {
		return nil, err
	}
	each := make([]*profiles.Matcher, len(patterns))
	for i, p := range patterns {
		if each[i], err = profiles.NewMatcher([]string{p}); err != nil {
			return nil, fmt.Errorf("pattern %q: %w", p, err)
		}
	}
	return func(image string) (string, bool) {
		if !whole.Match(image) {
			return "", false
		}
		for i, m := range each {
			if m.Match(image) {
				return patterns[i], true
			}
		}
		return strings.Join(patterns, "|"), true // only the alternation as a whole matches
	}, nil
}
