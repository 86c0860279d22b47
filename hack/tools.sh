#!/usr/bin/env bash
# Installs what the tests need beyond Go and python3, caching builds under $KBK_CACHE:
#   apt: runc, qemu-user-static, binfmt-support, busybox-static, debootstrap, git,
#        openssh-client (buildkitd fetches ssh git sources with it), python3-venv,
#        jq (the example workflow's steps use it)
#   buildkitd + buildctl built from the BuildKit Go module (pinned in versions.env)
#   docker-buildx built from its Go module, installed as a docker CLI plugin
#   binfmt handlers so buildkitd can run arm64 steps under qemu
# Idempotent: a second run only checks that everything is there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

apt_packages=(runc qemu-user-static binfmt-support busybox-static debootstrap git openssh-client python3-venv ca-certificates jq)

install_apt_packages() {
  local missing=() p
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# register_binfmt lets the kernel run arm64 binaries through qemu; buildkitd reads
# the registered handlers at start to advertise linux/arm64.
register_binfmt() {
  local mnt=/proc/sys/fs/binfmt_misc
  if [ ! -e "$mnt/register" ]; then
    as_root mount -t binfmt_misc binfmt_misc "$mnt" ||
      { log "warning: cannot mount binfmt_misc; arm64 builds will not run"; return 0; }
  fi
  if [ ! -e "$mnt/qemu-aarch64" ]; then
    as_root update-binfmts --enable qemu-aarch64 ||
      log "warning: update-binfmts --enable qemu-aarch64 failed; arm64 builds will not run"
  fi
}

# build_buildkit builds buildkitd and buildctl inside the module cache, because
# `go install` refuses modules whose go.mod has exclude directives.
build_buildkit() {
  if [ -x "$buildkit_dir/buildkitd" ] && [ -x "$buildkit_dir/buildctl" ]; then return; fi
  log "building buildkitd and buildctl $BUILDKIT_VERSION"
  local src
  src=$(cd / && module_dir "github.com/moby/buildkit@$BUILDKIT_VERSION")
  mkdir -p "$buildkit_dir.tmp"
  # Stamp the version, so `buildctl debug workers` and buildx report it.
  (cd "$src" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION" \
    -o "$buildkit_dir.tmp/" ./cmd/buildkitd ./cmd/buildctl)
  rm -rf "$buildkit_dir"
  mv "$buildkit_dir.tmp" "$buildkit_dir"
}

build_buildx() {
  if [ ! -x "$buildx_dir/buildx" ]; then
    log "building docker-buildx $BUILDX_VERSION"
    rm -rf "$buildx_dir.tmp"
    (cd / && CGO_ENABLED=0 GOBIN="$buildx_dir.tmp" go install "github.com/docker/buildx/cmd/buildx@$BUILDX_VERSION")
    rm -rf "$buildx_dir"
    mv "$buildx_dir.tmp" "$buildx_dir"
  fi
  local plugins=$HOME/.docker/cli-plugins
  mkdir -p "$plugins"
  if ! cmp -s "$buildx_dir/buildx" "$plugins/docker-buildx"; then
    install -m 0755 "$buildx_dir/buildx" "$plugins/docker-buildx"
  fi
}

# fetch_busybox_arm64 extracts Debian's static arm64 busybox for the multi-platform
# e2e tests' base image ($KBK_CACHE/busybox-arm64/bin/busybox); without it those
# tests skip. apt needs the arm64 architecture to download its package.
fetch_busybox_arm64() {
  local dest=$KBK_CACHE/busybox-arm64
  [ -x "$dest/bin/busybox" ] && return
  log "fetching Debian's busybox-static for arm64"
  local tmp
  tmp=$(mktemp -d)
  if { dpkg --print-foreign-architectures | grep -qx arm64 ||
    { as_root dpkg --add-architecture arm64 && as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq; }; } &&
    (cd "$tmp" && apt-get download -qq busybox-static:arm64 >/dev/null) &&
    dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$tmp/root"; then
    mkdir -p "$dest/bin"
    install -m 0755 "$tmp/root/bin/busybox" "$dest/bin/busybox"
  else
    log "warning: no arm64 busybox; multi-platform e2e tests will skip"
  fi
  rm -rf "$tmp"
}

install_apt_packages
register_binfmt
fetch_busybox_arm64
build_buildkit
build_buildx
