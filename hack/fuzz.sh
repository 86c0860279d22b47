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
failed=()
while read -r dir name; do
  log "fuzzing $name in $dir for $fuzztime"
  go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$dir" </dev/null || failed+=("$dir $name")
done <<<"$targets"
if [ ${#failed[@]} -gt 0 ]; then
  log "fuzzing failed: ${failed[*]} (crashers are saved under the package's testdata/fuzz/)"
  exit 1
fi
