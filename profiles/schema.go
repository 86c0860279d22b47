package profiles

// Kind is the type of an option value, as oslo.config types it.
type Kind int

const (
	KindString Kind = iota // StrOpt: string, "" when unset
	KindBool               // BoolOpt: bool
	KindInt                // IntOpt: int
	KindList               // ListOpt: []string, comma separated
	KindDict               // DictOpt: map[string]string, "key:value,key:value"
	KindMulti              // MultiStrOpt: []string, every assignment adds one
)

func (k Kind) String() string {
	return [...]string{"string", "boolean", "integer", "list", "dict", "multi-valued"}[k]
}

// optionSpec describes one option kolla-build reads from a conf file.
type optionSpec struct {
	Name    string // oslo.config's dest: the only spelling read from files
	Kind    Kind
	Default any      // string, bool, int, []string or nil (unset)
	Choices []string // allowed string values, nil when free
	Min     *int     // lower bound of an integer option
}

func intp(i int) *int { return &i }

// defaultOptions lists the options of kolla-build's [DEFAULT] group (Kolla
// 23.0.0, a superset of 20.x and 16.x). Defaults that depend on the Kolla
// release or the host come from KollaDefaults; see resolveDefault.
var defaultOptions = []optionSpec{
	{Name: "base", Kind: KindString},
	{Name: "base_tag", Kind: KindString},
	{Name: "base_image", Kind: KindString},
	{Name: "base_arch", Kind: KindString},
	{Name: "debian_arch", Kind: KindString},
	{Name: "use_dumb_init", Kind: KindBool, Default: true},
	{Name: "debug", Kind: KindBool, Default: false},
	{Name: "skip_parents", Kind: KindBool, Default: false},
	{Name: "skip_existing", Kind: KindBool, Default: false},
	{Name: "build_args", Kind: KindDict},
	{Name: "keep", Kind: KindBool, Default: false},
	{Name: "list_dependencies", Kind: KindBool},
	{Name: "list_images", Kind: KindBool},
	{Name: "locals_base", Kind: KindString, Default: "./"},
	{Name: "namespace", Kind: KindString, Default: "kolla"},
	{Name: "network_mode", Kind: KindString, Default: "host"},
	{Name: "buildkit", Kind: KindBool, Default: true},
	{Name: "buildkit_builder", Kind: KindString},
	{Name: "cache", Kind: KindBool, Default: true},
	{Name: "patches_path", Kind: KindString},
	{Name: "platform", Kind: KindString},
	{Name: "profile", Kind: KindMulti},
	{Name: "push", Kind: KindBool, Default: false},
	{Name: "push_threads", Kind: KindInt, Default: 1, Min: intp(1)},
	{Name: "retries", Kind: KindInt, Default: 3, Min: intp(0)},
	{Name: "regex", Kind: KindMulti},
	{Name: "registry", Kind: KindString},
	{Name: "save_dependency", Kind: KindString},
	{Name: "format", Kind: KindString, Default: "json", Choices: []string{"json", "none"}},
	{Name: "summary_json_file", Kind: KindString},
	{Name: "tarballs_base", Kind: KindString},
	{Name: "threads", Kind: KindInt, Default: 8, Min: intp(1)},
	{Name: "tag", Kind: KindString},
	{Name: "template_only", Kind: KindBool, Default: false},
	{Name: "timeout", Kind: KindInt, Default: 120},
	{Name: "template_override", Kind: KindMulti},
	{Name: "docker_dir", Kind: KindMulti},
	{Name: "logs_dir", Kind: KindString},
	{Name: "pull", Kind: KindBool, Default: true},
	{Name: "work_dir", Kind: KindString},
	{Name: "squash", Kind: KindBool, Default: false},
	{Name: "openstack_release", Kind: KindString},
	{Name: "openstack_release_codename", Kind: KindString},
	{Name: "openstack_branch", Kind: KindString},
	{Name: "openstack_branch_slashed", Kind: KindString},
	{Name: "docker_healthchecks", Kind: KindBool, Default: true},
	{Name: "quiet", Kind: KindBool, Default: false},
	{Name: "enable_unbuildable", Kind: KindBool, Default: false},
	{Name: "summary", Kind: KindBool, Default: true},
	{Name: "image_name_prefix", Kind: KindString, Default: ""},
	{Name: "repos_yaml", Kind: KindString, Default: ""},
	{Name: "engine", Kind: KindString, Default: "docker", Choices: []string{"docker", "podman"}},
	{Name: "podman_base_url", Kind: KindString, Default: "unix:///run/podman/podman.sock"},
	// Kolla's _BASE_OPTS, registered in [DEFAULT] as well.
	{Name: "maintainer", Kind: KindString, Default: "Kolla Project (https://launchpad.net/kolla)"},
	{Name: "distro_package_manager", Kind: KindString},
	{Name: "base_package_type", Kind: KindString},
	{Name: "rpm_setup_config", Kind: KindList, Default: []string{}},
	{Name: "apt_sources_list", Kind: KindString},
	{Name: "apt_preferences", Kind: KindString},
	{Name: "squash_cleanup", Kind: KindBool, Default: true},
	{Name: "squash_tmp_dir", Kind: KindString},
	{Name: "clean_package_cache", Kind: KindBool, Default: true},
	{Name: "allowed_to_fail", Kind: KindList, Default: []string{}},
	{Name: "pip_index_url", Kind: KindString},
	{Name: "pip_trusted_host", Kind: KindString},
	{Name: "pip_extra_index_url", Kind: KindString},
}

// sourceOptions are the options of a source section: [<image>],
// [<image>-plugin-<name>] and [<image>-additions-<name>].
var sourceOptions = []optionSpec{
	{Name: "type", Kind: KindString, Choices: []string{"local", "git", "url"}},
	{Name: "location", Kind: KindString},
	{Name: "reference", Kind: KindString},
	{Name: "enabled", Kind: KindBool, Default: true},
	{Name: "version", Kind: KindString},
	{Name: "sha256", Kind: KindDict},
}

// userOptions are the options of a [<name>-user] section.
var userOptions = []optionSpec{
	{Name: "uid", Kind: KindInt},
	{Name: "gid", Kind: KindInt},
	{Name: "group", Kind: KindString},
}

func findSpec(specs []optionSpec, name string) (optionSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return optionSpec{}, false
}
