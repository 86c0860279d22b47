// Package depcheck holds the test that enforces ARCHITECTURE.md's import rules:
// which packages render, render/jinja, profiles and graph may depend on.
package depcheck
