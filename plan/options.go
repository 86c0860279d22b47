package plan

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// RenderOptions converts a profile into the renderer's options, for baseArch
// ("" keeps the profile's) and with env as the templates' env. Only values
// the operator set (in a file, .env, the environment or a flag) are passed:
// defaults and values derived from them are the Kolla tree's to compute, so
// that every Kolla release renders with its own rules.
func RenderOptions(p *profiles.Profile, baseArch string, env map[string]string) (render.Options, error) {
	set := func(name string) bool {
		s, ok := p.Settings[name]
		return ok && s.Value != nil && s.Origin.Kind >= profiles.FromFile
	}
	str := func(name, v string) string {
		if set(name) {
			return v
		}
		return ""
	}
	flag := func(name string, v bool) *bool {
		if set(name) {
			return &v
		}
		return nil
	}
	o := p.Options
	opts := render.Options{
		Base:                     str("base", o.Base),
		BaseTag:                  str("base_tag", o.BaseTag),
		BaseImage:                str("base_image", o.BaseImage),
		BaseArch:                 str("base_arch", o.BaseArch),
		Namespace:                str("namespace", o.Namespace),
		Registry:                 str("registry", o.Registry),
		Tag:                      str("tag", o.Tag),
		ImageNamePrefix:          str("image_name_prefix", o.ImageNamePrefix),
		Maintainer:               str("maintainer", o.Maintainer),
		OpenStackRelease:         str("openstack_release", o.OpenstackRelease),
		OpenStackReleaseCodename: str("openstack_release_codename", o.OpenstackReleaseCodename),
		OpenStackBranch:          str("openstack_branch", o.OpenstackBranch),
		OpenStackBranchSlashed:   str("openstack_branch_slashed", o.OpenstackBranchSlashed),
		DistroPackageManager:     str("distro_package_manager", o.DistroPackageManager),
		BasePackageType:          str("base_package_type", o.BasePackageType),
		UseDumbInit:              flag("use_dumb_init", o.UseDumbInit),
		DockerHealthchecks:       flag("docker_healthchecks", o.DockerHealthchecks),
		CleanPackageCache:        flag("clean_package_cache", o.CleanPackageCache),
		ReposYAML:                repoPath(p, str("repos_yaml", o.ReposYAML)),
		PatchesPath:              str("patches_path", o.PatchesPath),
		PipIndexURL:              str("pip_index_url", o.PipIndexURL),
		PipTrustedHost:           str("pip_trusted_host", o.PipTrustedHost),
		PipExtraIndexURL:         str("pip_extra_index_url", o.PipExtraIndexURL),
	}
	if baseArch != "" {
		opts.BaseArch = baseArch
	}
	opts.Env = env // Kolla gives templates the process environment as env
	if set("rpm_setup_config") {
		opts.RPMSetupConfig = o.RPMSetupConfig
	}
	for _, d := range o.DockerDir {
		opts.DockerDirs = append(opts.DockerDirs, repoPath(p, d))
	}
	for _, path := range p.OverrideFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			return render.Options{}, fmt.Errorf("template override: %w", err)
		}
		opts.TemplateOverrides = append(opts.TemplateOverrides, render.Override{Name: relToRepo(p, path), Source: string(data)})
	}
	for _, section := range sortedKeys(p.Users) {
		u := p.Users[section]
		if !fromOperator(u.Origins) {
			continue
		}
		if opts.Users == nil {
			opts.Users = map[string]render.UserOverride{}
		}
		uo := render.UserOverride{UID: u.UID, GID: u.GID}
		if _, ok := u.Origins["group"]; ok {
			g := u.Group
			uo.Group = &g
		}
		opts.Users[u.Name] = uo
	}
	return opts, nil
}

// fromOperator reports whether any of a section's options was set by the
// operator rather than taken from Kolla's defaults.
func fromOperator(origins map[string]profiles.Origin) bool {
	for _, o := range origins {
		if o.Kind >= profiles.FromFile {
			return true
		}
	}
	return false
}

// repoPath resolves a path option relative to the configuration repository,
// where operators write them.
func repoPath(p *profiles.Profile, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(p.Repo, path)
}

// relToRepo names a repository file in messages the way operators know it.
func relToRepo(p *profiles.Profile, path string) string {
	if r, err := filepath.Rel(p.Repo, path); err == nil {
		return filepath.ToSlash(r)
	}
	return path
}
