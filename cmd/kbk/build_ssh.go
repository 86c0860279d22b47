package main

// This file offers the user's ssh agent to BuildKit: git sources with an ssh
// URL (ssh://… or scp-like git@host:path) are fetched by the daemon through
// the agent the session forwards as "default", the ID llb.Git asks for.

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/sshforward"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/moby/buildkit/util/gitutil"

	"github.com/kbk-dev/kbk/frontend"
)

// sshAgent is the session's ssh agent: the one at agentSock (the value of
// SSH_AUTH_SOCK), offered under the default ID. It is nil when there is no
// agent to offer. An agent the plan's ssh git sources need but cannot have
// is an error naming them; an unusable agent nobody needs is left out.
func sshAgent(plans []*frontend.Plan, agentSock string) (session.Attachable, error) {
	needed := sshGitSources(plans)
	if agentSock == "" {
		if len(needed) > 0 {
			return nil, fmt.Errorf("%s: fetched over ssh, but SSH_AUTH_SOCK is not set: start an ssh agent (eval \"$(ssh-agent)\") and add your key to it (ssh-add)", describeSSHSources(needed))
		}
		return nil, nil
	}
	var err error
	if _, err = os.Stat(agentSock); err == nil {
		var agent session.Attachable
		agent, err = sshprovider.NewSSHAgentProvider([]sshprovider.AgentConfig{{ID: sshforward.DefaultID, Paths: []string{agentSock}}})
		if err == nil {
			return agent, nil
		}
	}
	if len(needed) > 0 {
		return nil, fmt.Errorf("%s: fetched over ssh through the agent at SSH_AUTH_SOCK %q: %w", describeSSHSources(needed), agentSock, err)
	}
	return nil, nil
}

// sshGitSources lists the git sources of every plan that BuildKit fetches
// over ssh, each once, sorted by name.
func sshGitSources(plans []*frontend.Plan) []frontend.Source {
	var found []frontend.Source
	for _, p := range plans {
		for _, img := range p.Images {
			for _, src := range img.Sources {
				if src.Kind != frontend.KindGit || !isSSHGitURL(src.Location) {
					continue
				}
				if !slices.ContainsFunc(found, func(f frontend.Source) bool { return f.Name == src.Name && f.Location == src.Location }) {
					found = append(found, src)
				}
			}
		}
	}
	slices.SortFunc(found, func(a, b frontend.Source) int {
		return strings.Compare(a.Name+" "+a.Location, b.Name+" "+b.Location)
	})
	return found
}

// isSSHGitURL says whether llb.Git fetches location over ssh, parsing it the
// way llb.Git does: ssh://… and scp-like user@host:path.
func isSSHGitURL(location string) bool {
	u, err := gitutil.ParseURL(location)
	return err == nil && u.Scheme == gitutil.SSHProtocol
}

// describeSSHSources names the sources in an error:
// `git source "nova-base" (git@example.org:nova.git)`.
func describeSSHSources(srcs []frontend.Source) string {
	parts := make([]string, len(srcs))
	for i, src := range srcs {
		parts[i] = fmt.Sprintf("%q (%s)", src.Name, src.Location)
	}
	noun := "git source"
	if len(srcs) > 1 {
		noun = "git sources"
	}
	return noun + " " + strings.Join(parts, ", ")
}
