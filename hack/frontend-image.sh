#!/usr/bin/env bash
# Builds the kbk-frontend image for linux/amd64 and linux/arm64 and pushes it to the
# test registry (or FRONTEND_IMAGE). Only the local registry is reachable here, so the
# binaries are cross-compiled on the host and the Dockerfile copies them into scratch.
# Starts the services (hack/services.sh up) when they are not running.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$repo_dir"

platforms=${FRONTEND_PLATFORMS:-linux/amd64,linux/arm64}
for p in ${platforms//,/ }; do
  arch=${p#linux/}
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -o "bin/linux-$arch/kbk-frontend" ./cmd/kbk-frontend
done

"$hack_dir/services.sh" up
eval "$("$hack_dir/services.sh" env)"
image=${FRONTEND_IMAGE:-$KBK_TEST_REGISTRY/kbk/frontend:dev}
insecure=false
[[ $image == 127.0.0.1:* || $image == localhost:* ]] && insecure=true

"$KBK_BUILDCTL" --addr "$BUILDKIT_HOST" build --progress "${BUILDKIT_PROGRESS:-plain}" \
  --frontend dockerfile.v0 --local context=. --local dockerfile=. \
  --opt platform="$platforms" \
  --output "type=image,name=$image,push=true,registry.insecure=$insecure" \
  --metadata-file bin/frontend-image.json
digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["containerimage.digest"])' bin/frontend-image.json)
log "pushed $image@$digest"
echo "$image@$digest"
