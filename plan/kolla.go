package plan

import (
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// KollaDefaults gives the profiles package the data of the Kolla release in
// tree, so that defaults, valid bases and default sources come from the tree
// being built rather than from a table in kbk.
func KollaDefaults(tree *render.Tree) *profiles.KollaDefaults {
	d := &profiles.KollaDefaults{
		OpenstackRelease:         tree.OpenStackRelease,
		OpenstackReleaseCodename: tree.OpenStackReleaseCodename,
		Tag:                      tree.FixedDefaultTag(),
		BaseImages:               map[string]profiles.BaseImage{},
		BaseArches:               tree.Arches,
		Profiles:                 map[string][]string{},
		Sources:                  map[string]profiles.SourceDefault{},
		Users:                    map[string]profiles.UserDefault{},
	}
	for distro, b := range tree.DefaultBaseImages {
		d.BaseImages[distro] = profiles.BaseImage{Name: b.Name, Tag: b.Tag}
	}
	for _, p := range tree.Profiles {
		d.Profiles[p.Name] = p.Images
	}
	for _, s := range tree.Sources {
		enabled := s.Enabled
		d.Sources[s.Name] = profiles.SourceDefault{
			Type: s.Type, Location: s.Location, Reference: s.Reference,
			Enabled: &enabled, Version: s.Version, SHA256: s.SHA256,
		}
	}
	for _, u := range tree.Users {
		uid, gid := u.UID, u.GID
		d.Users[u.Name+"-user"] = profiles.UserDefault{UID: &uid, GID: &gid, Group: u.Group}
	}
	return d
}
