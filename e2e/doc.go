// Package e2e holds end-to-end tests that run against a real buildkitd and registry
// (see internal/testenv); `make test-e2e` starts both and runs them.
package e2e
