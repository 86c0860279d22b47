# kbk's developer and CI entry points. The scripts doing the work live in hack/;
# versions are pinned in hack/versions.env; everything built or downloaded is cached
# under $(KBK_CACHE).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c

export KBK_CACHE ?= $(HOME)/.cache/kbk
export KBK_TEST_VENV_DIR ?= $(KBK_CACHE)/venv
FUZZTIME ?= 20s
export FUZZTIME
GOTESTFLAGS ?= -timeout 30m
export GOTESTFLAGS

.PHONY: all build test lint test-e2e bench fuzz ci demo demo-build kolla-docker frontend-image \
	buildkit-up buildkit-down venv tools clean help

all: build

help:
	@echo 'make build           static bin/kbk and bin/kbk-frontend'
	@echo 'make demo            kbk on the example configuration (profile nova)'
	@echo 'make demo-build      build and push the example nova profile on a private buildkitd (needs the internet)'
	@echo 'make test            vet, gofmt, unit and reference tests (integration tests skip)'
	@echo 'make test-e2e        every test, with a private buildkitd and registry'
	@echo 'make ci              everything CI runs (what .ci/run runs)'
	@echo 'make bench           benchmarks, with a private buildkitd and registry'
	@echo 'make fuzz            every fuzz target for FUZZTIME ($(FUZZTIME))'
	@echo 'make kolla-docker    fill kolla-docker/ from the pinned Kolla release'
	@echo 'make frontend-image  build and push the frontend image to the test registry'
	@echo 'make buildkit-up     start buildkitd + registry; then eval "$$(hack/services.sh env)"'
	@echo 'make buildkit-down   stop them'
	@echo 'make tools | venv    install the test tools | create the Kolla reference venvs'

build:
	CGO_ENABLED=0 go build -trimpath -o bin/ ./cmd/kbk ./cmd/kbk-frontend

demo: build kolla-docker
	./bin/kbk graph nova
	./bin/kbk render nova -o out/nova

# The example nova profile built and pushed on a private buildkitd and registry
# (hack/services.sh); the build itself fetches from Docker Hub, opendev.org and
# the OpenStack Debian archive.
demo-build: build kolla-docker tools
	hack/with-services.sh sh -c './bin/kbk build nova --push --registry "$$KBK_TEST_REGISTRY"'

lint:
	hack/lint.sh

test: lint venv
	go test $(GOTESTFLAGS) ./...

test-e2e: tools venv
	KBK_TEST_REQUIRE=1 hack/with-services.sh go test $(GOTESTFLAGS) ./...

bench: tools venv
	hack/with-services.sh go test -run '^$$' -bench . -benchmem $(GOTESTFLAGS) ./...

fuzz:
	hack/fuzz.sh

ci:
	hack/ci.sh

kolla-docker:
	hack/kolla-docker.sh

frontend-image: tools
	hack/frontend-image.sh

buildkit-up: tools
	hack/services.sh up
	@echo 'run: eval "$$(hack/services.sh env)"'

buildkit-down:
	hack/services.sh down

venv:
	hack/venv.sh

tools:
	hack/tools.sh

clean:
	rm -rf bin out
