package plan

import (
	"fmt"
	"strings"
)

// BaseArch turns a platform ("linux/arm64", "linux/amd64", "arm64") into
// Kolla's base_arch.
func BaseArch(platform string) (string, error) {
	p := strings.TrimSpace(platform)
	os, arch, found := strings.Cut(p, "/")
	if !found {
		os, arch = "linux", p
	}
	if os != "linux" {
		return "", fmt.Errorf("platform %q: Kolla images are linux images", platform)
	}
	arch, _, _ = strings.Cut(arch, "/") // drop a variant
	switch arch {
	case "amd64", "x86_64":
		return "x86_64", nil
	case "arm64", "aarch64":
		return "aarch64", nil
	case "ppc64le":
		return "ppc64le", nil
	}
	return "", fmt.Errorf("platform %q: no Kolla base_arch for %q (x86_64, aarch64, ppc64le)", platform, arch)
}

// Platform is the OCI platform of a Kolla base_arch.
func Platform(baseArch string) string {
	switch baseArch {
	case "x86_64":
		return "linux/amd64"
	case "aarch64":
		return "linux/arm64"
	}
	return "linux/" + baseArch
}
