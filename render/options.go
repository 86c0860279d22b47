package render

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Options are the kolla-build settings that shape the Dockerfiles. The zero
// value of a field means "Kolla's default for this tree".
type Options struct {
	Base      string // --base: debian, rocky, ubuntu, ...
	BaseTag   string // --base-tag (default: DEFAULT_BASE_TAGS[base].tag)
	BaseImage string // --base-image (default: DEFAULT_BASE_TAGS[base].name)
	BaseArch  string // --base-arch: x86_64 or aarch64 (default: the host's)

	Namespace       string // --namespace (default "kolla")
	Registry        string // --registry, prepended to the namespace
	Tag             string // --tag
	ImageNamePrefix string // --image-name-prefix
	Maintainer      string

	OpenStackRelease         string
	OpenStackReleaseCodename string
	OpenStackBranch          string
	OpenStackBranchSlashed   string

	DistroPackageManager string
	BasePackageType      string
	RPMSetupConfig       []string // rpm_setup_config: .rpm/.repo paths or URLs

	UseDumbInit        *bool
	DockerHealthchecks *bool
	CleanPackageCache  *bool

	// ReposYAML is the path of a repos.yaml override file.
	ReposYAML string
	// PatchesPath is passed to templates as patches_path.
	PatchesPath string

	// TemplateOverrides are template override files, merged as Kolla does.
	TemplateOverrides []Override
	// DockerDirs are extra template directories laid over the tree's
	// (--docker-dir), later ones winning, as Kolla copies them.
	DockerDirs []string

	// Users overrides or adds <name>-user sections.
	Users map[string]UserOverride
	// Env is the process environment templates see as `env`.
	Env map[string]string

	PipIndexURL, PipTrustedHost, PipExtraIndexURL string

	// KollaVersion overrides the tree's version as kolla_version.
	KollaVersion string
	// BuildDate is build_date of releases that pass it (YYYYMMDD, default today).
	BuildDate string
	// Conf holds other [DEFAULT] option values a fork's templates may be
	// given (self.conf.<name> in kolla_worker.py), by option name.
	Conf map[string]any
}

// Override is one template override file.
type Override struct {
	Name   string // path, used in error messages
	Source string
}

// ReadOverrides reads template override files from disk.
func ReadOverrides(paths ...string) ([]Override, error) {
	var out []Override
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("template override: %w", err)
		}
		out = append(out, Override{Name: p, Source: string(data)})
	}
	return out, nil
}

// UserOverride changes one user of a <name>-user section; nil keeps Kolla's value.
type UserOverride struct {
	UID, GID *int
	Group    *string
}

// conf is the resolved set of kolla-build options, like oslo.config's view
// after kolla's parse(): option name → value.
type conf map[string]any

func (c conf) str(name string) string {
	v, ok := c[name]
	if !ok || v == nil {
		return ""
	}
	return pyStr(v)
}

// resolve applies Kolla's defaults to opts.
func (t *Tree) resolve(opts Options) (conf, error) {
	r := t.release
	c := conf{}
	for k, v := range r.options {
		switch v.(type) {
		case pyRef, pyCall, pyOpaque, pyFString:
			c[k] = nil
		default:
			c[k] = v
		}
	}
	for k, v := range opts.Conf {
		c[k] = v
	}
	if t.FixedDefaultTag() != "" {
		c["tag"] = t.version(opts)
	}
	setStr := func(name, v string) {
		if v != "" {
			c[name] = v
		}
	}
	setBool := func(name string, v *bool) {
		if v != nil {
			c[name] = *v
		}
	}
	setStr("base", opts.Base)
	if c.str("base") == "" {
		c["base"] = "rocky"
	}
	base := c.str("base")
	if !contains(r.distros, base) {
		return nil, fmt.Errorf("base %q is not one of this Kolla's distros (%s)", base, strings.Join(r.distros, ", "))
	}
	c["base_arch"] = hostArch()
	setStr("base_arch", opts.BaseArch)
	if len(r.arches) > 0 && !contains(r.arches, c.str("base_arch")) {
		return nil, fmt.Errorf("base arch %q is not one of %s", c.str("base_arch"), strings.Join(r.arches, ", "))
	}
	c["base_tag"] = r.baseTags[base].Tag
	setStr("base_tag", opts.BaseTag)
	setStr("base_image", opts.BaseImage)
	if c.str("base_image") == "" {
		c["base_image"] = r.baseTags[base].Name
	}
	setStr("namespace", opts.Namespace)
	setStr("registry", opts.Registry)
	setStr("image_name_prefix", opts.ImageNamePrefix)
	setStr("maintainer", opts.Maintainer)
	setStr("openstack_release", opts.OpenStackRelease)
	setStr("openstack_release_codename", opts.OpenStackReleaseCodename)
	setStr("distro_package_manager", opts.DistroPackageManager)
	setStr("base_package_type", opts.BasePackageType)
	setStr("repos_yaml", opts.ReposYAML)
	setStr("patches_path", opts.PatchesPath)
	setStr("pip_index_url", opts.PipIndexURL)
	setStr("pip_trusted_host", opts.PipTrustedHost)
	setStr("pip_extra_index_url", opts.PipExtraIndexURL)
	setBool("use_dumb_init", opts.UseDumbInit)
	setBool("docker_healthchecks", opts.DockerHealthchecks)
	setBool("clean_package_cache", opts.CleanPackageCache)
	if opts.RPMSetupConfig != nil {
		c["rpm_setup_config"] = toAnyList(opts.RPMSetupConfig)
	}
	if r.tagFmt != "" {
		c["tag"] = expandConfFString(r.tagFmt, c.str)
	}
	setStr("tag", opts.Tag)
	// kolla's parse(): the branch follows the release unless set.
	prefix := "stable-"
	if c.str("openstack_release") == "master" {
		prefix = ""
	}
	branch := prefix + c.str("openstack_release")
	c["openstack_branch"] = branch
	setStr("openstack_branch", opts.OpenStackBranch)
	c["openstack_branch_slashed"] = strings.ReplaceAll(branch, "-", "/")
	setStr("openstack_branch_slashed", opts.OpenStackBranchSlashed)
	return c, nil
}

// FixedDefaultTag is the tag Kolla builds with when none is configured, when
// the release fixes it: its version, before Kolla 21. It is "" when the
// release derives the tag from other options (release, base, base tag).
func (t *Tree) FixedDefaultTag() string {
	if d, ok := t.release.options["tag"].(pyCall); ok && d.fn == "version.cached_version_string" {
		return t.Version
	}
	return ""
}

func (t *Tree) version(opts Options) string {
	if opts.KollaVersion != "" {
		return opts.KollaVersion
	}
	return t.Version
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hostArch is Kolla's default base arch: the machine's, in uname spelling.
func hostArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
}

func today() string { return time.Now().Format("20060102") }
