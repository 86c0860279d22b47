#!/usr/bin/env bash
# Creates one Python venv per pinned Kolla release, with Jinja2, under the cache:
#   $KBK_CACHE/venv/kolla-<version>   (KOLLA_REFERENCE_VERSIONS in versions.env)
# `hack/venv.sh 23.0.0` creates only the named releases.
# Prints nothing but errors; idempotent: a venv that has its marker is kept as is.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

versions=("$@")
[ ${#versions[@]} -gt 0 ] || read -r -a versions <<<"$KOLLA_REFERENCE_VERSIONS"
mkdir -p "$KBK_CACHE/venv"
# Serialise concurrent runs (several helpers, or make -j) on one cache.
exec 9>"$KBK_CACHE/venv/.lock"
flock 9

for v in "${versions[@]}"; do
  dir=$KBK_CACHE/venv/kolla-$v
  packages=("kolla==$v" "Jinja2==$JINJA2_VERSION" "graphviz==$GRAPHVIZ_VERSION")
  # The marker holds the package set, so a changed pin updates the venv.
  [ "$(cat "$dir/.kbk-ready" 2>/dev/null)" = "${packages[*]}" ] && continue
  if [ -f "$dir/.kbk-ready" ]; then
    log "updating venv kolla-$v"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
    echo "${packages[*]}" >"$dir/.kbk-ready"
    continue
  fi
  log "creating venv kolla-$v"
  # Venvs cannot be moved (scripts name their interpreter by absolute path), so it
  # is built in place; the marker, written last, is what says it is complete.
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
  echo "${packages[*]}" >"$dir/.kbk-ready"
done
