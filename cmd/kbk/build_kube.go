package main

// The nodes of a buildx builder of the kubernetes driver: buildx runs each
// node as a Deployment named after the node, its pods labelled app=<name>,
// buildkitd in their container "buildkitd". kbk reaches a running pod of it
// through kubectl, as the node's connection: kubectl exec into the pod runs
// buildctl dial-stdio there. kubectl finds the cluster as it always does
// (KUBECONFIG, ~/.kube/config, the current context) unless the node names a
// kubeconfig.

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"slices"
	"strings"
)

// kubePod is where a kubernetes builder's node runs.
type kubePod struct {
	Kubeconfig string // empty: kubectl's own
	Namespace  string // empty: the kubeconfig context's
	Deployment string
}

// kubernetesNode is how to reach a kubernetes builder's node: a name for
// messages and the pod to look for. buildx records the node's deployment
// and kubeconfig in its endpoint (kubernetes:///<builder>?deployment=…&
// kubeconfig=…) and the namespace in the node's driver options.
func kubernetesNode(node, endpoint string, opts map[string]string) (string, *kubePod) {
	k := &kubePod{Namespace: opts["namespace"], Deployment: strings.ReplaceAll(node, "_", "-")}
	if u, err := url.Parse(endpoint); err == nil && u.Scheme == "kubernetes" {
		q := u.Query()
		if d := q.Get("deployment"); d != "" {
			k.Deployment = d
		}
		k.Kubeconfig = q.Get("kubeconfig")
	}
	name := "kube-pod://" + k.Deployment
	if k.Namespace != "" {
		name += "?namespace=" + k.Namespace
	}
	return name, k
}

// kubectl is a kubectl command line for the pod's cluster and namespace.
func (k *kubePod) kubectl(args ...string) []string {
	cmd := []string{"kubectl"}
	if k.Kubeconfig != "" {
		cmd = append(cmd, "--kubeconfig", k.Kubeconfig)
	}
	if k.Namespace != "" {
		cmd = append(cmd, "--namespace", k.Namespace)
	}
	return append(cmd, args...)
}

// dial connects to buildkitd in a running pod of the deployment: the first
// by name, which is buildx's own choice when the builder has one replica.
func (k *kubePod) dial() (net.Conn, error) {
	list := k.kubectl("get", "pods", "--selector", "app="+k.Deployment,
		"--field-selector", "status.phase=Running", "--output", "jsonpath={.items[*].metadata.name}")
	cmd := exec.Command(list[0], list[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", strings.Join(list, " "), err, strings.TrimSpace(stderr.String()))
	}
	pods := strings.Fields(string(out))
	if len(pods) == 0 {
		return nil, fmt.Errorf("no running pod of deployment %s (%s)", k.Deployment, strings.Join(list, " "))
	}
	slices.Sort(pods)
	return dialCommand(k.kubectl("exec", "-i", pods[0], "--container", "buildkitd", "--", "buildctl", "dial-stdio"))
}
