package graph

import (
	"slices"
	"strings"
)

// UnbuildableImages picks, from Kolla's table of unbuildable images (keys such as
// "rocky", "aarch64" or "ubuntu+aarch64"), the images that cannot be built here,
// and returns each with the key that rules it out. A key applies when every one of
// its "+"-separated parts equals one of tags: the base distro and the base arch
// (and, in Kolla before 21, the base distro tag). An image under several applying
// keys gets the first of them in sorted order.
func UnbuildableImages(table map[string][]string, tags ...string) map[string]string {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make(map[string]string)
	for _, key := range keys {
		if !keyApplies(key, tags) {
			continue
		}
		for _, name := range table[key] {
			if _, seen := out[name]; !seen {
				out[name] = key
			}
		}
	}
	return out
}

func keyApplies(key string, tags []string) bool {
	for part := range strings.SplitSeq(key, "+") {
		if part == "" || !slices.Contains(tags, part) {
			return false
		}
	}
	return true
}
