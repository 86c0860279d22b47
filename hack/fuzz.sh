#!/usr/bin/env bash
# Runs every fuzz target in the repository for a short while (FUZZTIME, default 20s).
# Targets are found by name (func FuzzXxx(f *testing.F) in *_test.go), so new ones
# are picked up without editing this file. Runs them all; fails if any found a crasher.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$repo_dir"
fuzztime=${FUZZTIME:-20s}

targets=$(grep -rHoE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . |
  grep -v '^\./\(kolla-docker\|out\|bin\)/' | sed -E 's|^(.*)/[^/]*:func (Fuzz[A-Za-z0-9_]*)\($|\1 \2|' | sort -u)
if [ -z "$targets" ]; then
  log "no fuzz targets found"
  exit 0
fi
# crashers counts the inputs Go saved for a target: a real finding adds one.
crashers() { { find "$1/testdata/fuzz/$2" -type f 2>/dev/null || true; } | wc -l; }

failed=()
out=$(mktemp)
trap 'rm -f "$out"' EXIT
while read -r dir name; do
  log "fuzzing $name in $dir for $fuzztime"
  before=$(crashers "$dir" "$name")
  if go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$dir" </dev/null 2>&1 | tee "$out"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
    continue
  fi
  # Go 1.26's fuzzing coordinator can report the end of -fuzztime itself as a
  # failure, "context deadline exceeded", having found nothing (a race fixed
  # in Go 1.27, golang/go#75804). Such a run saved no input; the target still
  # has to pass on its whole corpus to count as clean.
  if grep -qx '    context deadline exceeded' "$out" && [ "$(crashers "$dir" "$name")" -eq "$before" ] &&
    go test -run "^$name\$" "$dir" </dev/null; then
    log "$name: the run ended in Go's fuzz-deadline race (golang/go#75804), no input saved, corpus passes"
    continue
  fi
  failed+=("$dir $name")
done <<<"$targets"
if [ ${#failed[@]} -gt 0 ]; then
  log "fuzzing failed: ${failed[*]} (crashers are saved under the package's testdata/fuzz/)"
  exit 1
fi
