package profiles

import (
	"fmt"
	"strings"
)

// defaultSetting gives the value an option has when nothing sets it: Kolla's
// default for the option, for the source or user, or what kolla-build
// derives from other options after parsing.
func (r *resolver) defaultSetting(k optKey, spec optionSpec) (*Setting, error) {
	s := &Setting{Group: k.Group, Name: k.Name, Kind: spec.Kind, Origin: Origin{Kind: FromDefault}}
	def, derived, err := r.defaultValue(k, spec)
	if err != nil {
		return nil, err
	}
	if derived != "" {
		s.Origin = Origin{Kind: FromDerived, Note: derived}
	}
	switch d := def.(type) {
	case nil:
		// unset: oslo.config gives None, even for multi-valued options
	case string:
		// oslo.config substitutes and converts string defaults
		text, err := r.substitute(k.Group, d)
		if err != nil {
			return nil, fmt.Errorf("default of %s: %w", k, err)
		}
		if derived != "" {
			s.Value = text // set_default values are substituted but not converted
			break
		}
		spec.Choices = nil // oslo.config does not check defaults against choices
		v, err := convert(spec, text)
		if err != nil {
			return nil, fmt.Errorf("default of %s: %w", k, err)
		}
		s.Value = v
	case []string:
		items := make([]string, len(d))
		for i, it := range d {
			if items[i], err = r.substitute(k.Group, it); err != nil {
				return nil, fmt.Errorf("default of %s: %w", k, err)
			}
		}
		s.Value = items
	case map[string]string:
		m := make(map[string]string, len(d))
		for key, v := range d {
			if m[key], err = r.substitute(k.Group, v); err != nil {
				return nil, fmt.Errorf("default of %s: %w", k, err)
			}
		}
		s.Value = m
	default:
		s.Value = d
	}
	return s, nil
}

// defaultValue returns the unconverted default and, for values kolla-build
// computes after parsing, a note saying from what.
func (r *resolver) defaultValue(k optKey, spec optionSpec) (value any, derived string, err error) {
	switch k.Group {
	case "DEFAULT":
		return r.defaultOption(k.Name, spec)
	case "profiles":
		if p, ok := r.kolla.Profiles[k.Name]; ok {
			return p, "", nil
		}
		return []string{}, "", nil
	}
	if strings.HasSuffix(k.Group, "-user") {
		u := r.kolla.Users[k.Group]
		switch k.Name {
		case "uid":
			if u.UID != nil {
				return *u.UID, "", nil
			}
		case "gid":
			if u.GID != nil {
				return *u.GID, "", nil
			}
		case "group":
			if u.Group != "" {
				return u.Group, "", nil
			}
			return strings.TrimSuffix(k.Group, "-user"), "", nil
		}
		return nil, "", nil
	}
	src := r.kolla.Sources[k.Group]
	switch k.Name {
	case "type":
		return strOrNil(src.Type), "", nil
	case "location":
		return strOrNil(src.Location), "", nil
	case "reference":
		return strOrNil(src.Reference), "", nil
	case "version":
		return strOrNil(src.Version), "", nil
	case "enabled":
		if src.Enabled != nil {
			return *src.Enabled, "", nil
		}
		return true, "", nil
	case "sha256":
		if src.SHA256 != nil {
			return src.SHA256, "", nil
		}
	}
	return nil, "", nil
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (r *resolver) defaultOption(name string, spec optionSpec) (any, string, error) {
	str := func(key string) (string, error) {
		s, err := r.get("DEFAULT", key)
		if err != nil {
			return "", err
		}
		return pyStr(s.Value), nil
	}
	switch name {
	case "base":
		return r.kolla.DefaultBase, "", nil
	case "base_arch":
		return r.hostArch, "", nil
	case "openstack_release":
		return r.kolla.OpenstackRelease, "", nil
	case "openstack_release_codename":
		return r.kolla.OpenstackReleaseCodename, "", nil
	case "tarballs_base":
		return r.kolla.TarballsBase, "", nil
	case "base_tag", "base_image":
		base, err := str("base")
		if err != nil {
			return nil, "", err
		}
		img, ok := r.kolla.BaseImages[base]
		if !ok {
			return nil, "", fmt.Errorf("no default base image for base %q", base)
		}
		if name == "base_tag" {
			return img.Tag, "base", nil
		}
		return img.Name, "base", nil
	case "tag":
		if r.kolla.Tag != "" {
			return r.kolla.Tag, "", nil
		}
		var parts []string
		for _, key := range []string{"openstack_release", "base", "base_tag"} {
			v, err := str(key)
			if err != nil {
				return nil, "", err
			}
			parts = append(parts, v)
		}
		return strings.Join(parts, "-"), "openstack_release, base, base_tag", nil
	case "openstack_branch", "openstack_branch_slashed":
		rel, err := str("openstack_release")
		if err != nil {
			return nil, "", err
		}
		branch := "stable-" + rel
		if rel == "master" {
			branch = rel
		}
		if name == "openstack_branch_slashed" {
			branch = strings.ReplaceAll(branch, "-", "/")
		}
		return branch, "openstack_release", nil
	case "debian_arch":
		arch, err := str("base_arch")
		if err != nil {
			return nil, "", err
		}
		if arch == "aarch64" {
			return "arm64", "base_arch", nil
		}
		return "amd64", "base_arch", nil
	}
	return spec.Default, "", nil
}
