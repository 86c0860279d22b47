package main

// Image references as kbk build pushes and reports them.

import (
	"net"

	"github.com/distribution/reference"
)

// repository is ref without its tag.
func repository(ref string) string {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return reference.TrimNamed(n).String()
}

// refTag is ref's tag, "" when it has none.
func refTag(ref string) string {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	if t, ok := n.(reference.Tagged); ok {
		return t.Tag()
	}
	return ""
}

// normalRef spells a reference the way BuildKit's exporter reports it
// (docker.io/kolla/base:tag for kolla/base:tag), so lookups match.
func normalRef(ref string) string {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return n.String()
}

// isLoopbackRegistry reports whether ref's registry is on this machine, where
// test registries speak plain HTTP.
func isLoopbackRegistry(ref string) bool {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	host := reference.Domain(named)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
