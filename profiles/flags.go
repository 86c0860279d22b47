package profiles

import (
	"fmt"
	"strings"
)

// applyFlags puts flags into the override layer; kbk's own flags come back.
func (l *loader) applyFlags(into map[optKey][]rawValue) (platforms, parentTag *envValue, err error) {
	given := map[string]Flag{}
	for _, f := range l.opts.Flags {
		name := strings.ReplaceAll(f.Name, "-", "_")
		origin := Origin{Kind: FromFlag, Var: strings.ReplaceAll(name, "_", "-")}
		spec, known := findSpec(defaultOptions, name)
		if prev, dup := given[name]; dup && prev.Value != f.Value && (!known || spec.Kind != KindMulti) {
			return nil, nil, fmt.Errorf("conflicting flags --%s=%s and --%s=%s", prev.Name, prev.Value, f.Name, f.Value)
		}
		given[name] = f
		switch {
		case name == "parent_tag":
			parentTag = &envValue{Value: f.Value, Origin: origin}
		case name == "platforms":
			platforms = &envValue{Value: f.Value, Origin: origin}
		case !known:
			return nil, nil, fmt.Errorf("unknown flag --%s", f.Name)
		case spec.Kind == KindMulti:
			k := optKey{"DEFAULT", name}
			into[k] = append(into[k], rawValue{Text: f.Value, Origin: origin})
		default:
			into[optKey{"DEFAULT", name}] = []rawValue{{Text: f.Value, Origin: origin}}
		}
	}
	return platforms, parentTag, nil
}

// platforms sets kbk's target platforms and checks them against base_arch.
func (l *loader) platforms(p *Profile, given *envValue) error {
	var list []string
	var origin Origin
	switch {
	case given != nil:
		origin = given.Origin
		for _, s := range strings.Split(given.Value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
	case p.Options.Platform != "":
		origin = p.Settings["platform"].Origin
		list = []string{p.Options.Platform}
	default:
		return nil
	}
	for _, pl := range list {
		if err := checkPlatform(pl); err != nil {
			return fmt.Errorf("%s: %w", origin, err)
		}
	}
	p.Options.Platforms = list
	if given != nil {
		p.Settings["platforms"] = &Setting{Group: "DEFAULT", Name: "platforms", Kind: KindList, Value: list, Origin: origin}
	}
	arch := p.Settings["base_arch"]
	if len(list) == 1 && arch.Origin.Kind != FromDefault {
		want := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[strings.Split(list[0], "/")[1]]
		if want != "" && want != p.Options.BaseArch {
			return fmt.Errorf("conflicting settings: platform %s (%s) builds %s but base_arch is %s (%s)",
				list[0], origin, want, p.Options.BaseArch, arch.Origin)
		}
	}
	return nil
}

// checkPlatform accepts os/arch[/variant] in lower case.
func checkPlatform(s string) error {
	parts := strings.Split(s, "/")
	ok := len(parts) == 2 || len(parts) == 3
	for _, part := range parts {
		if part == "" || strings.Trim(part, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("bad platform %q: want os/arch or os/arch/variant, e.g. linux/amd64", s)
	}
	return nil
}
