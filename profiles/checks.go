package profiles

import "strings"

// checkKeys warns about options kolla-build never reads and options set
// twice in one section of one file.
func (l *loader) checkKeys(files [][]assignment) {
	for _, file := range files {
		seen := map[optKey]Position{}
		for _, a := range file {
			g := normGroup(a.Section)
			at := Origin{Kind: FromFile, Pos: a.Pos}
			var specs []optionSpec
			switch {
			case g == "DEFAULT":
				specs = defaultOptions
			case g == "profiles":
				if strings.Contains(a.Key, "-") {
					l.warn(at, "[profiles] %s is ignored: kolla-build reads this profile only as %q", a.Key, profileKey(a.Key))
				}
				continue
			case strings.HasSuffix(g, "-user"):
				specs = userOptions
			default:
				specs = sourceOptions
			}
			spec, ok := findSpec(specs, a.Key)
			if !ok {
				if _, dashed := findSpec(specs, strings.ReplaceAll(a.Key, "-", "_")); dashed {
					l.warn(at, "[%s] %s is ignored: kolla-build reads this option only as %q", a.Section, a.Key, strings.ReplaceAll(a.Key, "-", "_"))
				} else {
					l.warn(at, "unknown option %q in [%s]", a.Key, a.Section)
				}
				continue
			}
			k := optKey{g, a.Key}
			if first, dup := seen[k]; dup && spec.Kind != KindMulti {
				l.warn(at, "[%s] %s is set again (first at line %d); the last value wins", a.Section, a.Key, first.Line)
			}
			if _, dup := seen[k]; !dup {
				seen[k] = a.Pos
			}
		}
	}
}
