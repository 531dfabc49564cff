// Package orgpath builds org-unit paths ("/root/…/id/") from parent links, as
// services that keep their own copy of the roster's tree use them for scope: a
// unit is in the subtree of X when its path starts with X's path.
package orgpath

// maxDepth stops a walk up a (corrupt) cycle of parent links.
const maxDepth = 64

// FromParents gives each unit its path from the parent links (unit id → parent
// id, "" for the root).
func FromParents(parent map[string]string) map[string]string {
	out := make(map[string]string, len(parent))
	var path func(id string, depth int) string
	path = func(id string, depth int) string {
		if p, ok := out[id]; ok {
			return p
		}
		p := "/" + id + "/"
		if up := parent[id]; up != "" && depth < maxDepth {
			p = path(up, depth+1) + id + "/"
		}
		out[id] = p
		return p
	}
	for id := range parent {
		path(id, 0)
	}
	return out
}
