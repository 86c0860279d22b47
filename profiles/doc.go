// Package profiles reads a Kolla customisation repository: kolla-build.conf files
// with oslo.config semantics, .env layering, profile folders, template overrides,
// additions, local sources, and Python-compatible profile regexes.
package profiles
