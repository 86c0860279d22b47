package plan

import "testing"

// The matcher searches like Python's re (lookahead, lookbehind) and says which
// single pattern matched.
func TestMatcher(t *testing.T) {
	c := &Config{patterns: []string{"^nova-", "(?<=neutron-)server", "^(?!nova)n"}}
	match, err := c.matcher()
	if err != nil {
		t.Fatal(err)
	}
	for image, want := range map[string]string{
		"nova-api": "^nova-", "neutron-server": "(?<=neutron-)server", "nova": "", "neutron-base": "^(?!nova)n", "cron": "",
	} {
		got, ok := match(image)
		if got != want || ok != (want != "") {
			t.Errorf("match(%s) = %q, %v; want %q", image, got, ok, want)
		}
	}
	c = &Config{patterns: []string{"("}}
	if _, err := c.matcher(); err == nil {
		t.Error(`pattern "(" compiled`)
	}
}
