// Package plan resolves what to build: a configuration repository's profile
// (profiles) against a Kolla tree (render) into rendered Dockerfiles and the
// selected part of the image graph (graph), once per target architecture.
// It is the one place where those three packages meet; kbk's commands and the
// BuildKit frontend both start from a Plan.
package plan
