package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kbk-dev/kbk/profiles"
)

const configFixture = "../../profiles/testdata/seedrepo"

func TestConfigShowOrigin(t *testing.T) {
	var out, errOut bytes.Buffer
	o := &configOptions{repo: configFixture, showOrigin: true, format: "text"}
	if err := runConfig(&out, &errOut, o, profiles.LoadOptions{Profile: "nova"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"; conf files: kolla-build.conf, nova/kolla-build.conf",
		"threads = 6",
		"; nova/kolla-build.conf:2",
		"registry = registry.acme.test:5000",
		"; DOCKER_REGISTRY (.env:2)",
		"[nova-base-plugin-blazar]",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// the fixture spells one option with a dash, which kolla-build ignores
	if !strings.Contains(errOut.String(), `warning: kolla-build.conf:25: [DEFAULT] base-tag is ignored`) {
		t.Errorf("warnings:\n%s", errOut.String())
	}
}

func TestConfigJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	o := &configOptions{repo: configFixture, format: "json"}
	if err := runConfig(&out, &errOut, o, profiles.LoadOptions{Profile: "ironic"}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Profile string `json:"profile"`
		Options map[string]struct {
			Value  any    `json:"value"`
			Origin string `json:"origin"`
		} `json:"options"`
		Profiles map[string]struct {
			Value []string `json:"value"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got.Profile != "ironic" || got.Options["threads"].Value != float64(4) || got.Options["threads"].Origin != "kolla-build.conf:10" {
		t.Errorf("got %+v", got)
	}
	if p := got.Profiles["ironic"].Value; len(p) != 2 || p[0] != "^ironic(?!-neutron-agent)" {
		t.Errorf("ironic patterns %q", p)
	}
}
