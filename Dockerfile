# kbk's BuildKit gateway frontend image (`# syntax=<this image>` in a build).
#
# `make frontend-image` cross-compiles bin/linux-<arch>/kbk-frontend (static,
# CGO_ENABLED=0) on the host and builds this file for every platform, so no Go
# base image has to be pulled: the image is the one binary on scratch.
FROM scratch
ARG TARGETARCH
COPY bin/linux-${TARGETARCH}/kbk-frontend /kbk-frontend
# The frontend only reads its inputs; it never needs the network.
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/kbk-frontend"]
