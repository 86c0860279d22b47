// Package udiff computes line differences with Myers' algorithm and writes
// them in the unified format of diff -u, for kbk diff's per-image output.
package udiff
