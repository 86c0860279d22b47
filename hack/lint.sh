#!/usr/bin/env bash
# go vet and a gofmt check over the whole module.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$repo_dir"
go vet ./...
unformatted=$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -not -path './kolla-docker/*' -print0 |
  xargs -0 gofmt -l)
if [ -n "$unformatted" ]; then
  log "not gofmt-ed (run gofmt -w):"
  echo "$unformatted" >&2
  exit 1
fi
