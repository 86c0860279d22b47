#!/usr/bin/env bash
# Everything CI checks; what `make ci` and .ci/run run. First the set-up (tools,
# reference venvs, kolla-docker/), which stops at the first failure; then the checks
# (build, every test with a private buildkitd and registry and skipping turned into
# failure, vet + gofmt, a short run of every fuzz target), which all run so one pass
# shows every problem; the exit status is non-zero when any failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$repo_dir"
export KBK_CACHE KBK_TEST_VENV_DIR=${KBK_TEST_VENV_DIR:-$KBK_CACHE/venv}

started=$SECONDS
failed=()

# step runs one named step and reports its duration; check is a step whose failure
# is recorded instead of stopping the run.
step() {
  local name=$1 start=$SECONDS
  shift
  log "== $name"
  "$@"
  log "== $name: ok in $((SECONDS - start))s"
}
check() {
  local name=$1 start=$SECONDS
  shift
  log "== $name"
  if "$@"; then
    log "== $name: ok in $((SECONDS - start))s"
  else
    log "== $name: FAILED after $((SECONDS - start))s"
    failed+=("$name")
  fi
}

step tools hack/tools.sh
step venv hack/venv.sh
step kolla-docker hack/kolla-docker.sh
check build env CGO_ENABLED=0 go build -trimpath -o bin/ ./cmd/kbk ./cmd/kbk-frontend
# ${GOTESTFLAGS} is split on purpose: it holds flags such as "-count=1 -v".
# The conformance tests run Python Kolla many times: allow more than the default 10m.
# shellcheck disable=SC2086
check test env KBK_TEST_REQUIRE=1 hack/with-services.sh go test ${GOTESTFLAGS:--timeout 30m} ./...
check lint hack/lint.sh
check fuzz hack/fuzz.sh

if [ ${#failed[@]} -gt 0 ]; then
  log "ci FAILED (${failed[*]}) after $((SECONDS - started))s"
  exit 1
fi
log "ci passed in $((SECONDS - started))s"
