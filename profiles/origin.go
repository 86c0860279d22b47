package profiles

import "fmt"

// OriginKind says which layer a value came from.
type OriginKind int

const (
	FromDefault OriginKind = iota // Kolla's default
	FromDerived                   // computed by kolla-build from other options (tag, openstack_branch, …)
	FromFile                      // a conf file
	FromDotenv                    // a variable of a .env file
	FromEnv                       // a variable of the process environment
	FromFlag                      // a command-line flag or build argument
	FromProfile                   // the profile being loaded (added to profile)
)

// Origin is where a value came from, for `kbk config --show-origin` and for
// error messages.
type Origin struct {
	Kind OriginKind
	Pos  Position // file and line for FromFile and FromDotenv
	Var  string   // environment variable or flag name
	Note string   // for FromDerived: what it was computed from
}

func (o Origin) String() string {
	switch o.Kind {
	case FromFile:
		return o.Pos.String()
	case FromDotenv:
		return fmt.Sprintf("%s (%s)", o.Var, o.Pos)
	case FromEnv:
		return fmt.Sprintf("environment %s", o.Var)
	case FromFlag:
		return fmt.Sprintf("flag --%s", o.Var)
	case FromDerived:
		return "derived from " + o.Note
	case FromProfile:
		return "profile " + o.Var
	}
	return "default"
}
