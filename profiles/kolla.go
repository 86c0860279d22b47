package profiles

import "runtime"

// KollaDefaults is the data kolla-build takes from its own release rather than
// from the configuration repository: default base images and tags, the
// OpenStack release, the default profiles, and the default source and user of
// every image. The caller reads it from the Kolla tree it builds with (so a
// Kolla fork or another release needs no new kbk); BuiltinKollaDefaults is the
// fallback when no tree is at hand.
type KollaDefaults struct {
	OpenstackRelease         string
	OpenstackReleaseCodename string
	TarballsBase             string
	Tag                      string               // a fixed default tag (Kolla before 21); "" derives it from release, base and base tag
	DefaultBase              string               // base when none is configured, e.g. "rocky"
	BaseImages               map[string]BaseImage // distro → default image and tag; its keys are the valid bases
	BaseArches               []string             // valid base_arch values
	DebianArches             []string             // valid debian_arch values
	Profiles                 map[string][]string  // default [profiles] entries
	Sources                  map[string]SourceDefault
	Users                    map[string]UserDefault // keyed by section, e.g. "nova-user"
}

// BaseImage is a distro's default base image.
type BaseImage struct {
	Name string
	Tag  string
}

// SourceDefault is a source section's default, before substitution.
type SourceDefault struct {
	Type      string
	Location  string
	Reference string
	Enabled   *bool // nil means true
	Version   string
	SHA256    map[string]string
}

// UserDefault is a user section's default.
type UserDefault struct {
	UID   *int
	GID   *int
	Group string
}

// BuiltinKollaVersion is the Kolla release BuiltinKollaDefaults describes.
const BuiltinKollaVersion = "23.0.0"

// BuiltinKollaDefaults returns the release data of Kolla 23.0.0 without its
// per-image sources and users, for callers that have no Kolla tree to read.
func BuiltinKollaDefaults() *KollaDefaults {
	return &KollaDefaults{
		OpenstackRelease:         "2026.2",
		OpenstackReleaseCodename: "Hibiscus",
		TarballsBase:             "https://tarballs.opendev.org",
		DefaultBase:              "rocky",
		BaseImages: map[string]BaseImage{
			"debian": {Name: "debian", Tag: "trixie"},
			"rocky":  {Name: "quay.io/rockylinux/rockylinux", Tag: "10"},
			"ubuntu": {Name: "ubuntu", Tag: "24.04"},
		},
		BaseArches:   []string{"x86_64", "aarch64"},
		DebianArches: []string{"amd64", "arm64"},
		Profiles: map[string][]string{
			"infra": {"cron", "etcd", "fluentd", "haproxy", "hacluster", "keepalived", "kolla-toolbox",
				"letsencrypt", "mariadb", "memcached", "opensearch", "openvswitch", "proxysql",
				"rabbitmq", "tgtd", "valkey"},
			"main": {"ceilometer", "cinder", "glance", "heat", "horizon", "iscsi", "keystone",
				"neutron", "nova-", "placement"},
			"aux": {"aodh", "blazar", "cloudkitty", "designate", "gnocchi", "ironic", "kerbside",
				"magnum", "manila", "masakari", "mistral", "octavia", "tacker", "trove", "valkey"},
			"default": {"cron", "kolla-toolbox", "fluentd", "glance", "haproxy", "heat", "horizon",
				"keepalived", "keystone", "mariadb", "memcached", "neutron", "nova-", "placement",
				"proxysql", "openvswitch", "rabbitmq"},
		},
	}
}

// HostArch is base_arch's default: the machine kbk runs on, in Kolla's
// spelling (x86_64, aarch64).
func HostArch() string {
	switch runtime.GOARCH {
	case "arm64":
		return "aarch64"
	case "amd64":
		return "x86_64"
	}
	return runtime.GOARCH
}

// withBuiltins fills what a caller's KollaDefaults leaves empty from
// BuiltinKollaDefaults (a tree loader may not know the CLI defaults such as
// the default base), without changing the caller's value.
func withBuiltins(k *KollaDefaults) *KollaDefaults {
	b := BuiltinKollaDefaults()
	if k == nil {
		return b
	}
	c := *k
	if c.DefaultBase == "" {
		c.DefaultBase = b.DefaultBase
	}
	if c.TarballsBase == "" {
		c.TarballsBase = b.TarballsBase
	}
	if c.OpenstackRelease == "" {
		c.OpenstackRelease = b.OpenstackRelease
	}
	if len(c.BaseImages) == 0 {
		c.BaseImages = b.BaseImages
	}
	if len(c.BaseArches) == 0 {
		c.BaseArches = b.BaseArches
	}
	if len(c.DebianArches) == 0 {
		c.DebianArches = b.DebianArches
	}
	if c.Profiles == nil {
		c.Profiles = b.Profiles
	}
	return &c
}
