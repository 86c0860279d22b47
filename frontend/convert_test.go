package frontend

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

const testSHA = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

// offlinePlan is a small Kolla-shaped plan: base → openstack-base → demo-base
// (git source) → demo-api (url plugin, local addition) and demo-worker (url
// image source).
func offlinePlan(images ...string) *Plan {
	all := []PlannedImage{
		{
			Name: "base", Ref: "kolla/base:t", ContextDir: "docker/base",
			Dockerfile: []byte("FROM debian:bookworm\nENV KOLLA_BASE_DISTRO=debian\nRUN echo base > /base\nCOPY set_configs.py /usr/local/bin/kolla_set_configs\n"),
			Labels:     map[string]string{"org.opencontainers.image.title": "base"},
		},
		{
			Name: "openstack-base", Ref: "kolla/openstack-base:t", ContextDir: "docker/openstack-base",
			Parent: "base", ParentRef: "kolla/base:t",
			Dockerfile: []byte("FROM kolla/base:t\nENV OPENSTACK=1\nRUN echo openstack > /openstack\n"),
		},
		{
			Name: "demo-base", Ref: "kolla/demo-base:t", ContextDir: "docker/demo/demo-base",
			Parent: "openstack-base", ParentRef: "kolla/openstack-base:t",
			Dockerfile: []byte("FROM kolla/openstack-base:t\nADD demo-base-archive /demo-base-source\nRUN ls /demo-base-source\n"),
			Sources:    []Source{{Name: "demo-base", Role: RoleImage, Kind: KindGit, Location: "https://git.example/demo.git", Reference: "stable/1.0"}},
		},
		{
			Name: "demo-api", Ref: "kolla/demo-api:t", ContextDir: "docker/demo/demo-api",
			Parent: "demo-base", ParentRef: "kolla/demo-base:t",
			Dockerfile: []byte("FROM kolla/demo-base:t\nADD plugins-archive /\nADD additions-archive /\nRUN echo api\n"),
			Sources: []Source{
				{Name: "demo-api-plugin-extra", Role: RolePlugin, Kind: KindURL, Location: "https://dl.example/extra.tar.gz", SHA256: testSHA},
				{Name: "demo-api-additions-conf", Role: RoleAddition, Kind: KindLocal, Location: "additions/conf"},
			},
		},
		{
			Name: "demo-worker", Ref: "kolla/demo-worker:t", ContextDir: "docker/demo/demo-worker",
			Parent: "demo-base", ParentRef: "kolla/demo-base:t",
			Dockerfile: []byte("FROM kolla/demo-base:t\nADD demo-worker-archive /demo-worker-source\nRUN echo worker\n"),
			Sources:    []Source{{Name: "demo-worker", Role: RoleImage, Kind: KindURL, Location: "https://dl.example/worker.tar.gz", SHA256: testSHA}},
		},
	}
	plan := &Plan{Platform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}}
	for _, img := range all {
		if len(images) == 0 || slices.Contains(images, img.Name) {
			plan.Images = append(plan.Images, img)
		}
	}
	return plan
}

func offlineOptions(resolver llb.ImageMetaResolver) ConvertOptions {
	return ConvertOptions{
		Kolla:        LocalTree{Name: "context", Root: "kolla-docker", Options: []llb.LocalOption{llb.SessionID("s")}},
		Local:        LocalTree{Name: "context", Options: []llb.LocalOption{llb.SessionID("s")}},
		MetaResolver: resolver,
		BuildArgs:    map[string]string{"http_proxy": "http://proxy:3128"},
	}
}

// vertexDigests marshals a state and returns the digests of all its vertices,
// leaving out the last entry, which only points at the state's output.
func vertexDigests(t *testing.T, st llb.State) []digest.Digest {
	t.Helper()
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []digest.Digest
	for _, dt := range def.Def[:len(def.Def)-1] {
		out = append(out, digest.FromBytes(dt))
	}
	slices.Sort(out)
	return out
}

func convertPlan(t *testing.T, plan *Plan) map[string]*Converted {
	t.Helper()
	convs, err := Convert(context.Background(), fakeGateway{}, plan, offlineOptions(&fakeResolver{}))
	if err != nil {
		t.Fatal(err)
	}
	return convs
}

func TestConvertIsDeterministic(t *testing.T) {
	first := convertPlan(t, offlinePlan())
	shuffled := offlinePlan()
	slices.Reverse(shuffled.Images)
	for range 3 {
		second := convertPlan(t, shuffled)
		for name, conv := range first {
			if diff := cmp.Diff(vertexDigests(t, conv.State), vertexDigests(t, second[name].State)); diff != "" {
				t.Errorf("image %q: LLB differs between conversions (-first +second):\n%s", name, diff)
			}
			if string(conv.Config) != string(second[name].Config) {
				t.Errorf("image %q: config differs between conversions", name)
			}
		}
	}
}

func TestParentVerticesSameWhicheverTarget(t *testing.T) {
	viaAPI := convertPlan(t, offlinePlan("base", "openstack-base", "demo-base", "demo-api"))
	viaWorker := convertPlan(t, offlinePlan("base", "openstack-base", "demo-base", "demo-worker"))
	for _, name := range []string{"base", "openstack-base", "demo-base"} {
		if diff := cmp.Diff(vertexDigests(t, viaAPI[name].State), vertexDigests(t, viaWorker[name].State)); diff != "" {
			t.Errorf("image %q: vertices depend on the target (-via demo-api +via demo-worker):\n%s", name, diff)
		}
	}
	parent := vertexDigests(t, viaAPI["demo-base"].State)
	for _, child := range []llb.State{viaAPI["demo-api"].State, viaWorker["demo-worker"].State} {
		have := vertexDigests(t, child)
		for _, d := range parent {
			if _, found := slices.BinarySearch(have, d); !found {
				t.Errorf("child LLB lacks parent vertex %s", d)
			}
		}
	}
}

func TestChildInheritsParentWithoutRegistry(t *testing.T) {
	resolver := &fakeResolver{}
	convs, err := Convert(context.Background(), fakeGateway{}, offlinePlan(), offlineOptions(resolver))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"docker.io/library/debian:bookworm"}, resolver.resolved); diff != "" {
		t.Errorf("images resolved through the registry (-want +got):\n%s", diff)
	}
	env := convs["demo-api"].Image.Config.Env
	for _, want := range []string{"KOLLA_BASE_DISTRO=debian", "OPENSTACK=1", "http_proxy=http://proxy:3128"} {
		if want == "http_proxy=http://proxy:3128" {
			// Build args reach RUN steps but are not part of the image config.
			if slices.Contains(env, want) {
				t.Errorf("build arg %q leaked into the image config", want)
			}
			continue
		}
		if !slices.Contains(env, want) {
			t.Errorf("demo-api env %q lacks %q inherited from its ancestors", env, want)
		}
	}
	if got := convs["base"].Image.Config.Labels["org.opencontainers.image.title"]; got != "base" {
		t.Errorf("base label title = %q, want %q", got, "base")
	}
}

// fileCopies lists "source -> dest" of the copy actions of every file op, with
// the source named by its op (git/http/local identifier).
func fileCopies(t *testing.T, st llb.State) []string {
	t.Helper()
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ops := map[digest.Digest]*pb.Op{}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		ops[digest.FromBytes(dt)] = &op
	}
	var out []string
	for _, op := range ops {
		f := op.GetFile()
		if f == nil {
			continue
		}
		for _, a := range f.Actions {
			switch {
			case a.GetCopy() != nil:
				cp := a.GetCopy()
				src := "?"
				if a.SecondaryInput >= 0 && int(a.SecondaryInput) < len(op.Inputs) {
					switch in := ops[digest.Digest(op.Inputs[a.SecondaryInput].Digest)]; {
					case in == nil:
					case in.GetSource() != nil:
						src = in.GetSource().Identifier
					case in.GetFile() != nil:
						src = "(staged)"
					}
				}
				out = append(out, src+":"+cp.Src+" -> "+cp.Dest)
			case a.GetMkdir() != nil:
				out = append(out, "mkdir "+a.GetMkdir().Path)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestBuildContextLayout(t *testing.T) {
	convs := convertPlan(t, offlinePlan())
	for _, tc := range []struct {
		image string
		want  []string
	}{
		{"demo-base", []string{
			"git://git.example/demo.git#stable/1.0:/ -> /demo-base-archive/demo-base-archive-stable-1.0/",
			"local://context:/kolla-docker/docker/demo/demo-base -> /",
			"mkdir /additions-archive/additions",
			"mkdir /plugins-archive/plugins",
		}},
		{"demo-api", []string{
			"(staged):/ -> /additions-archive/additions/",
			"(staged):/ -> /plugins-archive/plugins/",
			"https://dl.example/extra.tar.gz:/demo-api-plugin-extra-archive -> /",
			"local://context:/additions/conf -> /",
			"local://context:/kolla-docker/docker/demo/demo-api -> /",
		}},
		{"demo-worker", []string{
			"https://dl.example/worker.tar.gz:/demo-worker-archive -> /demo-worker-archive",
			"local://context:/kolla-docker/docker/demo/demo-worker -> /",
			"mkdir /additions-archive/additions",
			"mkdir /plugins-archive/plugins",
		}},
	} {
		ctxState, err := imageContext(imageOf(t, offlinePlan(), tc.image), offlineOptions(nil).Kolla, offlineOptions(nil).Local)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, fileCopies(t, ctxState)); diff != "" {
			t.Errorf("image %q: build context (-want +got):\n%s", tc.image, diff)
		}
		// The context built alone is part of the image's LLB.
		if !containsAll(vertexDigests(t, convs[tc.image].State), vertexDigests(t, ctxState)) {
			t.Errorf("image %q: converted LLB does not use its build context", tc.image)
		}
	}
}

func TestURLSourceChecksum(t *testing.T) {
	ctxState, err := imageContext(imageOf(t, offlinePlan(), "demo-worker"), offlineOptions(nil).Kolla, offlineOptions(nil).Local)
	if err != nil {
		t.Fatal(err)
	}
	def, err := ctxState.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		if src := op.GetSource(); src != nil && strings.HasPrefix(src.Identifier, "https://") {
			found = true
			if got, want := src.Attrs[pb.AttrHTTPChecksum], "sha256:"+testSHA; got != want {
				t.Errorf("checksum attr = %q, want %q", got, want)
			}
		}
	}
	if !found {
		t.Error("no http source in the build context")
	}
}

func imageOf(t *testing.T, plan *Plan, name string) *PlannedImage {
	t.Helper()
	for i := range plan.Images {
		if plan.Images[i].Name == name {
			return &plan.Images[i]
		}
	}
	t.Fatalf("no image %q", name)
	return nil
}

func containsAll(have, want []digest.Digest) bool {
	for _, d := range want {
		if _, ok := slices.BinarySearch(have, d); !ok {
			return false
		}
	}
	return true
}

func TestNamedContextKey(t *testing.T) {
	for ref, want := range map[string]string{
		"kolla/nova-base:latest":           "kolla/nova-base",
		"kolla/nova-base:master":           "kolla/nova-base:master",
		"docker.io/kolla/base:2025.1":      "kolla/base:2025.1",
		"127.0.0.1:5000/kolla/base:latest": "127.0.0.1:5000/kolla/base",
		"quay.io/openstack.kolla/base:x":   "quay.io/openstack.kolla/base:x",
	} {
		got, err := namedContextKey(ref)
		if err != nil || got != want {
			t.Errorf("namedContextKey(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
}
