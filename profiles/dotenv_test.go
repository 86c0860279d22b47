package profiles

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/joho/godotenv"
)

// TestDotenvLikeGodotenv reads .env files that need no earlier layer with
// kbk's parser and with godotenv, which the seed's tooling follows.
func TestDotenvLikeGodotenv(t *testing.T) {
	files := []string{
		"KOLLA_BASE=debian\nDOCKER_TAG=2025.1\n",
		"# comment\n\nexport KOLLA_NAMESPACE=acme\n",
		"DOCKER_TAG = spaced value  \n",
		"DOCKER_TAG=2025.1 # inline comment\nX=a#b\n",
		"A='single $QUOTED # kept'\nB=\"double\\nline\"\n",
		"BASE=jammy\nTAG=neutron-$BASE\nTAG2=\"${TAG}-ovn\"\nTAG3='${TAG}'\n",
		"ESC=\"a \\\"quoted\\\" word\"\nDOLLAR=\"\\$HOME\"\n",
		"YAML: style\nEMPTY=\nEMPTYQ=\"\"\n",
		"UNSET=$NOPE-x\n",
		"MULTI=\"first\nsecond\"\nNEXT=1\n",
		"CRLF=yes\r\nOTHER=no\r\n",
	}
	for _, src := range files {
		want, err := godotenv.Unmarshal(src)
		if err != nil {
			t.Fatalf("godotenv %q: %v", src, err)
		}
		vars, err := parseDotenv(".env", []byte(src), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Errorf("parseDotenv %q: %v", src, err)
			continue
		}
		got := map[string]string{}
		for _, v := range vars {
			got[v.Name] = v.Value
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: -godotenv +kbk\n%s", src, diff)
		}
	}
}

// TestDotenvLayers checks what godotenv cannot: a later file sees the
// variables of earlier files, and lines are remembered for origins.
func TestDotenvLayers(t *testing.T) {
	earlier := map[string]string{"KOLLA_BASE_TAG": "jammy"}
	vars, err := parseDotenv("neutron/ovn.env", []byte("# sub-profile\nDOCKER_TAG=ovn-${KOLLA_BASE_TAG}\n"),
		func(k string) (string, bool) { v, ok := earlier[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	want := []envVar{{Name: "DOCKER_TAG", Value: "ovn-jammy", Pos: Position{File: "neutron/ovn.env", Line: 2}}}
	if diff := cmp.Diff(want, vars); diff != "" {
		t.Error(diff)
	}
}
