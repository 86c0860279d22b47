package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// This file converts between the profiles and render packages, which do not
// import each other.

// KollaDefaults is the release data of tree in the profiles package's terms,
// so that a profile is loaded against the Kolla it is rendered with.
func KollaDefaults(tree *render.Tree) *profiles.KollaDefaults {
	k := &profiles.KollaDefaults{
		OpenstackRelease:         tree.OpenStackRelease,
		OpenstackReleaseCodename: tree.OpenStackReleaseCodename,
		BaseImages:               map[string]profiles.BaseImage{},
		BaseArches:               tree.Arches,
		Profiles:                 map[string][]string{},
		Sources:                  map[string]profiles.SourceDefault{},
		Users:                    map[string]profiles.UserDefault{},
	}
	for distro, im := range tree.DefaultBaseImages {
		k.BaseImages[distro] = profiles.BaseImage{Name: im.Name, Tag: im.Tag}
	}
	for _, p := range tree.Profiles {
		k.Profiles[p.Name] = p.Images
	}
	for _, s := range tree.Sources {
		enabled := s.Enabled
		k.Sources[s.Name] = profiles.SourceDefault{Type: s.Type, Location: s.Location, Reference: s.Reference,
			Enabled: &enabled, Version: s.Version, SHA256: s.SHA256}
	}
	for _, u := range tree.Users {
		uid, gid := u.UID, u.GID
		k.Users[u.Name+"-user"] = profiles.UserDefault{UID: &uid, GID: &gid, Group: u.Group}
	}
	return k
}

// RenderOptions are the render options of a loaded profile: its [DEFAULT]
// options, its users and its template override files (named relative to the
// repository, so that render errors point into it).
func RenderOptions(p *profiles.Profile, env map[string]string) (render.Options, error) {
	o := p.Options
	opts := render.Options{
		Base: o.Base, BaseTag: o.BaseTag, BaseImage: o.BaseImage, BaseArch: o.BaseArch,
		Namespace: o.Namespace, Registry: o.Registry, Tag: o.Tag, ImageNamePrefix: o.ImageNamePrefix,
		Maintainer:       o.Maintainer,
		OpenStackRelease: o.OpenstackRelease, OpenStackReleaseCodename: o.OpenstackReleaseCodename,
		OpenStackBranch: o.OpenstackBranch, OpenStackBranchSlashed: o.OpenstackBranchSlashed,
		DistroPackageManager: o.DistroPackageManager, BasePackageType: o.BasePackageType,
		RPMSetupConfig: o.RPMSetupConfig,
		UseDumbInit:    &o.UseDumbInit, DockerHealthchecks: &o.DockerHealthchecks, CleanPackageCache: &o.CleanPackageCache,
		ReposYAML: repoPath(p, o.ReposYAML), PatchesPath: o.PatchesPath,
		Env:         env,
		PipIndexURL: o.PipIndexURL, PipTrustedHost: o.PipTrustedHost, PipExtraIndexURL: o.PipExtraIndexURL,
	}
	for _, d := range o.DockerDir {
		opts.DockerDirs = append(opts.DockerDirs, repoPath(p, d))
	}
	for name, u := range p.Users {
		if !fromRepo(u.Origins) {
			continue
		}
		if opts.Users == nil {
			opts.Users = map[string]render.UserOverride{}
		}
		uo := render.UserOverride{UID: u.UID, GID: u.GID}
		if u.Origins["group"].Kind == profiles.FromFile {
			g := u.Group
			uo.Group = &g
		}
		opts.Users[name] = uo
	}
	for _, path := range p.OverrideFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			return opts, fmt.Errorf("template override: %w", err)
		}
		opts.TemplateOverrides = append(opts.TemplateOverrides, render.Override{Name: relToRepo(p.Repo, path), Source: string(data)})
	}
	return opts, nil
}

func fromRepo(origins map[string]profiles.Origin) bool {
	for _, o := range origins {
		if o.Kind != profiles.FromDefault && o.Kind != profiles.FromDerived {
			return true
		}
	}
	return false
}

// repoPath resolves a path option relative to the repository root.
func repoPath(p *profiles.Profile, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(p.Repo, path)
}

// relToRepo names a file of the repository relative to its root.
func relToRepo(repo, path string) string {
	if r, err := filepath.Rel(repo, path); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(r)
	}
	return path
}
