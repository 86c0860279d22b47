package frontend

import (
	"context"
	"fmt"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// kollaSizedPlan is a plan of the shape of a Kolla release: base, openstack-base,
// 60 service bases with a url source each, and 5 leaves per service with a
// plugin: 362 images.
func kollaSizedPlan() *Plan {
	plan := &Plan{Platform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}}
	add := func(name, parent string, sources []Source, lines int) {
		df := "FROM debian:bookworm\n"
		if parent != "" {
			df = "FROM kolla/" + parent + ":t\n"
		}
		df += "LABEL maintainer=kbk\nENV IMAGE=" + name + "\nADD plugins-archive /\nADD additions-archive /\n"
		for i := range lines {
			df += fmt.Sprintf("RUN echo %s step %d && true\n", name, i)
		}
		img := PlannedImage{Name: name, Ref: "kolla/" + name + ":t", ContextDir: "docker/" + name,
			Dockerfile: []byte(df), Parent: parent, Sources: sources}
		if parent != "" {
			img.ParentRef = "kolla/" + parent + ":t"
		}
		plan.Images = append(plan.Images, img)
	}
	add("base", "", nil, 20)
	add("openstack-base", "base", nil, 10)
	for s := range 60 {
		svc := fmt.Sprintf("svc%02d", s)
		add(svc+"-base", "openstack-base", []Source{{Name: svc + "-base", Role: RoleImage, Kind: KindURL,
			Location: "https://tarballs.example/" + svc + ".tar.gz", SHA256: testSHA}}, 5)
		for l := range 5 {
			leaf := fmt.Sprintf("%s-leaf%d", svc, l)
			add(leaf, svc+"-base", []Source{{Name: leaf + "-plugin-x", Role: RolePlugin, Kind: KindGit,
				Location: "https://git.example/" + leaf + ".git", Reference: "master"}}, 3)
		}
	}
	return plan
}

// BenchmarkConvertKollaSized measures Convert, and Convert plus marshalling
// every image's LLB, for a Kolla-sized plan (rendering is the planner's and not
// included).
func BenchmarkConvertKollaSized(b *testing.B) {
	plan := kollaSizedPlan()
	ctx := context.Background()
	for _, marshal := range []bool{false, true} {
		name := "convert"
		if marshal {
			name = "convert+marshal"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				convs, err := Convert(ctx, fakeGateway{}, plan, offlineOptions(&fakeResolver{}))
				if err != nil {
					b.Fatal(err)
				}
				if !marshal {
					continue
				}
				for _, conv := range convs {
					if _, err := conv.State.Marshal(ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
