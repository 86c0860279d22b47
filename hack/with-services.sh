#!/usr/bin/env bash
# Runs a command with a private buildkitd and registry (hack/services.sh), their
# variables exported, and stops them when the command ends, whatever its outcome.
#   hack/with-services.sh go test ./...
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || die "usage: hack/with-services.sh COMMAND [ARG...]"

# A state directory of our own, so this never touches an instance someone else runs.
KBK_STATE=$(mktemp -d "${TMPDIR:-/tmp}/kbk-run.XXXXXX")
export KBK_STATE
trap '"$hack_dir/services.sh" down' EXIT
trap 'exit 130' INT TERM # turn a signal into an exit, so the EXIT trap stops the services
"$hack_dir/services.sh" up
eval "$("$hack_dir/services.sh" env)"
# the arm64 base image of the multi-platform tests (hack/tools.sh fetches it)
if [ -z "${KBK_TEST_BUSYBOX_ARM64:-}" ] && [ -x "$KBK_CACHE/busybox-arm64/bin/busybox" ]; then
  export KBK_TEST_BUSYBOX_ARM64=$KBK_CACHE/busybox-arm64/bin/busybox
fi
"$@"
