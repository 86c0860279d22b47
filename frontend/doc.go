// Package frontend is kbk's BuildKit gateway frontend: it renders a profile, builds
// its image graph, and converts every image into one LLB graph whose children are
// linked to their parents' states, with sources fetched as LLB.
//
// The pieces, from the inside out:
//
//   - A Plan lists one platform's images: rendered Dockerfile, folder in the
//     Kolla tree, parent (name and FROM reference) and sources. A Planner
//     (render + graph + profiles, wired in by the commands) produces it.
//   - Convert turns a Plan into one llb.State and image config per image with
//     dockerfile2llb, parents first; each child's FROM resolves to its parent's
//     converted state through a named context, never to a registry. Each
//     image's build context is its Kolla folder plus its sources laid out as
//     Kolla's archives unpack (see context.go).
//   - Frontend.Build is the gateway entry: options through dockerui, the Kolla
//     tree from the "kolla" named context or kolla-docker/ in the main context,
//     one goroutine per platform, the target image (multi-platform, with an
//     SBOM when asked) or, without a target, every image and a JSON report.
package frontend
