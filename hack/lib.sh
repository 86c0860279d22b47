# Shared by the hack/ scripts: pins, the cache layout and small helpers.
# Source it; it defines variables and functions and runs nothing.

hack_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$hack_dir")
. "$hack_dir/versions.env"

# One directory holds everything the harness builds or downloads.
KBK_CACHE=${KBK_CACHE:-$HOME/.cache/kbk}
kbk_bin=$KBK_CACHE/bin
buildkit_dir=$kbk_bin/buildkit-$BUILDKIT_VERSION
buildx_dir=$kbk_bin/buildx-$BUILDX_VERSION

log() { printf 'kbk-hack: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# as_root runs a command as root, through sudo when we are not root already.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# module_dir prints the Go module cache directory of module@version, downloading it.
module_dir() {
  go mod download -json "$1" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error","no Dir")))'
}
