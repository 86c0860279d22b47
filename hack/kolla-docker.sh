#!/usr/bin/env bash
# Fills kolla-docker/ from the pinned Kolla release (KOLLA_VERSION in versions.env),
# laid out like a Kolla source checkout, which is what kbk reads:
#   kolla-docker/docker/   the Dockerfile templates
#   kolla-docker/kolla/    Kolla's Python package (sources, users, unbuildable images, ...)
#   kolla-docker/PKG-INFO  the release's package metadata (its version)
# kolla-docker/README.md is kept; everything else there is replaced.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$hack_dir/venv.sh" "$KOLLA_VERSION"
venv=$KBK_CACHE/venv/kolla-$KOLLA_VERSION
pkg=$(echo "$venv"/lib/python3*/site-packages/kolla)
[ -f "$pkg/common/config.py" ] || die "no Kolla package in $venv"
docker=$pkg/docker                                    # 23.x and later
[ -f "$docker/base/Dockerfile.j2" ] || docker=$venv/share/kolla/docker # older releases
[ -f "$docker/base/Dockerfile.j2" ] || die "no Kolla templates in $venv"

dest=$repo_dir/kolla-docker
mkdir -p "$dest"
find "$dest" -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
cp -a "$docker" "$dest/docker"
# The package without its copy of the templates, its tests and bytecode.
tar -C "$(dirname "$pkg")" --exclude=kolla/docker --exclude=kolla/tests --exclude=__pycache__ -cf - kolla |
  tar -C "$dest" -xf -
cp "$(echo "$(dirname "$pkg")"/kolla-"$KOLLA_VERSION".dist-info)/METADATA" "$dest/PKG-INFO"
log "kolla-docker/ holds Kolla $KOLLA_VERSION ($(find "$dest/docker" -name Dockerfile.j2 | wc -l) images)"
