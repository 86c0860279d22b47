// Package graph owns the Kolla image DAG: parents from FROM lines, selection by
// caller-supplied predicates, ancestors, unbuildable images, build order, and the
// tree, dot and JSON views of it.
package graph
