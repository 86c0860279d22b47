package main

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/kbk-dev/kbk/frontend"
)

func TestIsSSHGitURL(t *testing.T) {
	for _, tc := range []struct {
		location string
		want     bool
	}{
		{"ssh://git@example.org/nova.git", true},
		{"ssh://git@127.0.0.1:2222/srv/nova.git", true},
		{"git@example.org:openstack/nova.git", true},
		{"deploy-key@opendev.org:openstack/nova", true},
		{"https://opendev.org/openstack/nova", false},
		{"http://git@example.org/nova.git", false},
		{"git://example.org/nova.git", false},
		{"opendev.org/openstack/nova", false},
		{"/srv/git/nova.git", false},
	} {
		if got := isSSHGitURL(tc.location); got != tc.want {
			t.Errorf("isSSHGitURL(%q) = %v, want %v", tc.location, got, tc.want)
		}
	}
}

func TestSSHAgent(t *testing.T) {
	plan := func(srcs ...frontend.Source) []*frontend.Plan {
		return []*frontend.Plan{
			{Images: []frontend.PlannedImage{{Name: "nova-base", Sources: srcs}, {Name: "glance-base", Sources: srcs}}},
			{Images: []frontend.PlannedImage{{Name: "nova-base", Sources: srcs}}},
		}
	}
	nova := frontend.Source{Name: "nova-base", Kind: frontend.KindGit, Location: "git@example.org:openstack/nova.git", Reference: "master"}
	glance := frontend.Source{Name: "glance-base", Kind: frontend.KindGit, Location: "ssh://git@example.org/glance.git", Reference: "master"}
	https := frontend.Source{Name: "keystone-base", Kind: frontend.KindGit, Location: "https://opendev.org/openstack/keystone", Reference: "master"}
	url := frontend.Source{Name: "cinder-base", Kind: frontend.KindURL, Location: "https://example.org/cinder.tar.gz"}

	dir := t.TempDir()
	sock := filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	missing := filepath.Join(dir, "gone.sock")

	for _, tc := range []struct {
		name      string
		plans     []*frontend.Plan
		sock      string
		wantAgent bool
		wantErr   string
	}{
		{name: "no ssh sources, no agent", plans: plan(https, url)},
		{name: "no ssh sources, agent offered", plans: plan(https), sock: sock, wantAgent: true},
		{name: "no ssh sources, stale agent left out", plans: plan(https), sock: missing},
		{name: "ssh sources, agent", plans: plan(nova, https), sock: sock, wantAgent: true},
		{
			name: "ssh sources, no agent", plans: plan(nova, glance, https),
			wantErr: `git sources "glance-base" (ssh://git@example.org/glance.git), "nova-base" (git@example.org:openstack/nova.git): fetched over ssh, but SSH_AUTH_SOCK is not set: start an ssh agent (eval "$(ssh-agent)") and add your key to it (ssh-add)`,
		},
		{
			name: "ssh source, stale agent", plans: plan(nova), sock: missing,
			wantErr: `git source "nova-base" (git@example.org:openstack/nova.git): fetched over ssh through the agent at SSH_AUTH_SOCK "` + missing + `": stat ` + missing + `: no such file or directory`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			agent, err := sshAgent(tc.plans, tc.sock)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (agent != nil) != tc.wantAgent {
				t.Errorf("agent %v, want one: %v", agent, tc.wantAgent)
			}
		})
	}
}
