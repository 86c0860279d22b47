// Package lint finds mistakes in a Kolla customisation repository that
// kolla-build silently ignores: override blocks and customisation variables
// no template uses, sources for images that do not exist, profile patterns
// that select nothing, and template overrides that fail to render.
package lint
