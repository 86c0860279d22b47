package profiles

import (
	"fmt"
	"reflect"
	"sort"
)

// Profile is the effective configuration of one build profile: what
// kolla-build would see for the same conf files, .env files, environment and
// command line, plus kbk's own settings (platforms, parent tag).
type Profile struct {
	Name         string // as asked for, e.g. "neutron-ovn"; "" for the repository root alone
	Key          string // the [profiles] option: Name with '-' as '_'
	Repo         string // absolute repository root
	Dir          string // absolute profile folder, "" when the profile has none
	SubProfile   string
	LocalSources bool

	Options  Options
	Settings map[string]*Setting // [DEFAULT] options by name, with origins
	Sources  map[string]*Source  // source sections by lower-case name (Kolla's defaults and the repository's)
	Users    map[string]*User    // by section name, e.g. "nova-user"
	Profiles map[string]*Patterns

	ConfFiles []string // repository-relative conf files, in load order
	EnvFiles  []string // repository-relative .env files, in load order
	// Dotenv holds every variable of the .env files, expanded, the later
	// file winning: what the seed's wrappers put in kolla-build's
	// environment.
	Dotenv        map[string]string
	OverrideFiles []string  // absolute template override files, in the order Kolla merges them
	AptFiles      []AptFile // apt_sources_list and apt_preferences when set, in that order
}

// Options are the typed [DEFAULT] options of kolla-build plus kbk's own.
// Integer options Kolla allows to be unset are 0 when unset.
type Options struct {
	Base                     string            `kolla:"base"`
	BaseTag                  string            `kolla:"base_tag"`
	BaseImage                string            `kolla:"base_image"`
	BaseArch                 string            `kolla:"base_arch"`
	DebianArch               string            `kolla:"debian_arch"`
	UseDumbInit              bool              `kolla:"use_dumb_init"`
	Debug                    bool              `kolla:"debug"`
	SkipParents              bool              `kolla:"skip_parents"`
	SkipExisting             bool              `kolla:"skip_existing"`
	BuildArgs                map[string]string `kolla:"build_args"`
	Keep                     bool              `kolla:"keep"`
	ListDependencies         bool              `kolla:"list_dependencies"`
	ListImages               bool              `kolla:"list_images"`
	LocalsBase               string            `kolla:"locals_base"`
	Namespace                string            `kolla:"namespace"`
	NetworkMode              string            `kolla:"network_mode"`
	Buildkit                 bool              `kolla:"buildkit"`
	BuildkitBuilder          string            `kolla:"buildkit_builder"`
	Cache                    bool              `kolla:"cache"`
	PatchesPath              string            `kolla:"patches_path"`
	Platform                 string            `kolla:"platform"`
	Profile                  []string          `kolla:"profile"`
	Push                     bool              `kolla:"push"`
	PushThreads              int               `kolla:"push_threads"`
	Retries                  int               `kolla:"retries"`
	Regex                    []string          `kolla:"regex"`
	Registry                 string            `kolla:"registry"`
	SaveDependency           string            `kolla:"save_dependency"`
	Format                   string            `kolla:"format"`
	SummaryJSONFile          string            `kolla:"summary_json_file"`
	TarballsBase             string            `kolla:"tarballs_base"`
	Threads                  int               `kolla:"threads"`
	Tag                      string            `kolla:"tag"`
	TemplateOnly             bool              `kolla:"template_only"`
	Timeout                  int               `kolla:"timeout"`
	TemplateOverride         []string          `kolla:"template_override"`
	DockerDir                []string          `kolla:"docker_dir"`
	LogsDir                  string            `kolla:"logs_dir"`
	Pull                     bool              `kolla:"pull"`
	WorkDir                  string            `kolla:"work_dir"`
	Squash                   bool              `kolla:"squash"`
	OpenstackRelease         string            `kolla:"openstack_release"`
	OpenstackReleaseCodename string            `kolla:"openstack_release_codename"`
	OpenstackBranch          string            `kolla:"openstack_branch"`
	OpenstackBranchSlashed   string            `kolla:"openstack_branch_slashed"`
	DockerHealthchecks       bool              `kolla:"docker_healthchecks"`
	Quiet                    bool              `kolla:"quiet"`
	EnableUnbuildable        bool              `kolla:"enable_unbuildable"`
	Summary                  bool              `kolla:"summary"`
	ImageNamePrefix          string            `kolla:"image_name_prefix"`
	ReposYAML                string            `kolla:"repos_yaml"`
	Engine                   string            `kolla:"engine"`
	PodmanBaseURL            string            `kolla:"podman_base_url"`
	Maintainer               string            `kolla:"maintainer"`
	DistroPackageManager     string            `kolla:"distro_package_manager"`
	BasePackageType          string            `kolla:"base_package_type"`
	RPMSetupConfig           []string          `kolla:"rpm_setup_config"`
	AptSourcesList           string            `kolla:"apt_sources_list"`
	AptPreferences           string            `kolla:"apt_preferences"`
	SquashCleanup            bool              `kolla:"squash_cleanup"`
	SquashTmpDir             string            `kolla:"squash_tmp_dir"`
	CleanPackageCache        bool              `kolla:"clean_package_cache"`
	AllowedToFail            []string          `kolla:"allowed_to_fail"`
	PipIndexURL              string            `kolla:"pip_index_url"`
	PipTrustedHost           string            `kolla:"pip_trusted_host"`
	PipExtraIndexURL         string            `kolla:"pip_extra_index_url"`

	// kbk's own settings, from the seed's variables and flags only.
	ParentTag string   // PARENT_DOCKER_TAG: the tag of parent images when it differs from Tag
	Platforms []string // DOCKER_DEFAULT_PLATFORM or --platform: one entry per target platform
}

// fillOptions copies effective settings into the typed struct.
func fillOptions(o *Options, settings map[string]*Setting) error {
	v := reflect.ValueOf(o).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Tag.Get("kolla")
		s, ok := settings[name]
		if name == "" || !ok || s.Value == nil {
			continue
		}
		val := reflect.ValueOf(s.Value)
		if !val.Type().AssignableTo(t.Field(i).Type) {
			return fmt.Errorf("option %s: %T is not %s", name, s.Value, t.Field(i).Type)
		}
		v.Field(i).Set(val)
	}
	return nil
}

// SettingNames returns the names of p's [DEFAULT] settings in sorted order.
func (p *Profile) SettingNames() []string {
	names := make([]string, 0, len(p.Settings))
	for n := range p.Settings {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Origin says where option name of [DEFAULT] got its value.
func (p *Profile) Origin(name string) Origin {
	if s, ok := p.Settings[name]; ok {
		return s.Origin
	}
	return Origin{}
}
