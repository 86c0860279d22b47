// Package frontend is kbk's BuildKit gateway frontend: it renders a profile, builds
// its image graph, and converts every image into one LLB graph whose children are
// linked to their parents' states, with sources fetched as LLB.
package frontend
