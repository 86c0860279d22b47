#!/usr/bin/env bash
# Creates one Python venv per pinned Kolla release, with Jinja2, under the cache.
# Prints nothing but errors; idempotent (a venv that already has its marker is kept).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.env"
cache=${KBK_CACHE:-$HOME/.cache/kbk}
for v in $KOLLA_REFERENCE_VERSIONS; do
  dir="$cache/venv/kolla-$v"
  if [ -f "$dir/.kbk-ready" ]; then continue; fi
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "kolla==$v" "Jinja2==$JINJA2_VERSION"
  touch "$dir/.kbk-ready"
done
