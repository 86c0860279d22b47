#!/usr/bin/env bash
# Starts and stops the services the integration tests talk to: a buildkitd on a unix
# socket and a throwaway registry on 127.0.0.1, plus a docker buildx `remote` builder.
#
#   hack/services.sh up     start both (no-op when this instance is already up)
#   hack/services.sh env    print `export` lines for the tests (KBK_TEST_BUILDKIT_ADDR, ...)
#   hack/services.sh down   stop both by PID and remove their files
#
# KBK_STATE names the instance (default ${TMPDIR:-/tmp}/kbk-services); give each
# concurrent user their own, e.g. KBK_STATE=/tmp/kbk-me hack/services.sh up.
# Run hack/tools.sh first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

state=${KBK_STATE:-${TMPDIR:-/tmp}/kbk-services}
buildkitd=$buildkit_dir/buildkitd
buildctl=$buildkit_dir/buildctl

# The default instance owns the builder named kbk; others get their own name.
builder_name() {
  if [ -z "${KBK_STATE:-}" ] || [ "$state" = "${TMPDIR:-/tmp}/kbk-services" ]; then
    echo kbk
  else
    echo "kbk-$(basename "$state" | tr -c 'a-zA-Z0-9_\n-' '-')"
  fi
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_for runs a probe every 0.2 s until it succeeds, the process behind the pid file
# dies, or the timeout (seconds) passes.
wait_for() {
  local what=$1 pidfile=$2 timeout=$3 log=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$pidfile"; then
      log "$what exited during start; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "$what did not answer within ${timeout}s; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

http_ok() {
  python3 - "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

up() {
  if alive "$state/buildkitd.pid" && alive "$state/registry.pid" && [ -f "$state/env" ]; then
    log "services already up ($state)"
    return
  fi
  [ -x "$buildkitd" ] || die "no $buildkitd; run hack/tools.sh (make tools) first"
  down_quiet
  mkdir -p "$state"
  # The socket path must stay short (unix sockets allow ~107 bytes), so the work
  # directory lives under TMPDIR rather than under a possibly deep KBK_STATE.
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/kbk-bk.XXXXXX")
  echo "$work" >"$state/workdir"
  local sock=unix://$work/buildkitd.sock

  # The registry binary is rebuilt every time (cheap with a warm Go cache) so it
  # follows the repository's go.mod.
  (cd "$repo_dir" && CGO_ENABLED=0 go build -o "$work/registry" ./hack/registry)

  "$buildkitd" --root "$work/root" --addr "$sock" \
    --oci-worker=true --oci-worker-binary="$(command -v runc || echo /usr/sbin/runc)" \
    --oci-worker-snapshotter="${KBK_BUILDKIT_SNAPSHOTTER:-overlayfs}" --oci-worker-net=host \
    --containerd-worker=false >"$work/buildkitd.log" 2>&1 &
  echo $! >"$state/buildkitd.pid"

  "$work/registry" -addr 127.0.0.1:0 -addr-file "$work/registry.addr" -dir "$work/blobs" \
    >"$work/registry.log" 2>&1 &
  echo $! >"$state/registry.pid"

  wait_for registry "$state/registry.pid" 30 "$work/registry.log" test -s "$work/registry.addr"
  local reg
  reg=$(cat "$work/registry.addr")
  wait_for registry "$state/registry.pid" 30 "$work/registry.log" http_ok "http://$reg/v2/"
  wait_for buildkitd "$state/buildkitd.pid" 60 "$work/buildkitd.log" "$buildctl" --addr "$sock" debug workers
  alive "$state/registry.pid" || die "registry died after start; see $work/registry.log"

  local builder
  builder=$(builder_name)
  if docker buildx version >/dev/null 2>&1; then
    docker buildx rm "$builder" >/dev/null 2>&1 || true
    docker buildx create --name "$builder" --driver remote "$sock" >/dev/null
    echo "$builder" >"$state/builder"
  else
    log "warning: docker buildx not installed (make tools); no builder created"
  fi

  cat >"$state/env" <<ENV
export KBK_TEST_BUILDKIT_ADDR=$sock
export KBK_TEST_REGISTRY=$reg
export BUILDKIT_HOST=$sock
export BUILDX_BUILDER=$(cat "$state/builder" 2>/dev/null || true)
export KBK_BUILDCTL=$buildctl
ENV
  log "buildkitd at $sock ($(platforms "$sock")), registry at $reg; state in $state"
}

platforms() {
  "$buildctl" --addr "$1" debug workers --format '{{range .}}{{range .Platforms}}{{.OS}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}} {{end}}{{end}}' 2>/dev/null | sed 's/ $//'
}

stop_pid() {
  local pidfile=$1 pid i
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# down_quiet stops whatever this instance left behind, running or not.
down_quiet() {
  stop_pid "$state/buildkitd.pid"
  stop_pid "$state/registry.pid"
  if [ -f "$state/builder" ]; then
    docker buildx rm "$(cat "$state/builder")" >/dev/null 2>&1 || true
  fi
  if [ -f "$state/workdir" ]; then
    local work
    work=$(cat "$state/workdir")
    # A killed buildkitd can leave overlay mounts behind; unmount them deepest first.
    { grep -F " $work/" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do
      as_root umount -l "$m" 2>/dev/null || true
    done
    rm -rf "$work"
  fi
  rm -rf "$state"
}

case ${1:-} in
up) up ;;
down) down_quiet ;;
env)
  [ -f "$state/env" ] || die "services are not up ($state); run hack/services.sh up"
  cat "$state/env"
  ;;
*) die "usage: hack/services.sh up|down|env (instance: KBK_STATE=$state)" ;;
esac
