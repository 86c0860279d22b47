package profiles

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestList(t *testing.T) {
	got, err := List(copyTree(t, "seedrepo"))
	if err != nil {
		t.Fatal(err)
	}
	// docker-extra/ and overrides/ hold no profile file; neutron/ and nova/
	// are seed-layout folders, ironic lives under profiles/.
	if diff := cmp.Diff([]string{"ironic", "neutron", "nova"}, got); diff != "" {
		t.Error(diff)
	}
}

func TestSourcesOf(t *testing.T) {
	p, _, err := Load(copyTree(t, "seedrepo"), LoadOptions{Profile: "nova", Kolla: BuiltinKollaDefaults(), HostArch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	main, plugins, additions := p.SourcesOf("nova-base")
	if main == nil || main.Location != "https://git.acme.test/openstack/nova.git" || main.Reference != "stable/2025.1" {
		t.Errorf("main source = %+v", main)
	}
	if len(plugins) != 0 { // the blazar plugin is disabled
		t.Errorf("plugins = %+v", plugins)
	}
	if len(additions) != 0 {
		t.Errorf("additions = %+v", additions)
	}
	_, _, additions = p.SourcesOf("nova-compute")
	if len(additions) != 1 || additions[0].Location != "https://files.acme.test/tools-2.1.tar.gz" {
		t.Errorf("nova-compute additions = %+v", additions)
	}
}
