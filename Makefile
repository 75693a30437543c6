# vtep: build, test and lab targets. `make help` lists them.
SHELL := /bin/bash
# sudo resets PATH (Debian's secure_path lacks /usr/local/go/bin): fall back to the usual install.
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
# Tests build vtepd with `go build`: keep that go on PATH for them too.
export PATH := $(patsubst %/,%,$(dir $(GO))):$(PATH)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/vtep/vtep/internal/version.Version=$(VERSION)
# Debian packages the labs use; the tests add the Mininet example's and
# the Docker lab's.
DEB_PACKAGES := openvswitch-switch iproute2 ethtool iputils-ping arping tcpdump iperf3 procps frr make git
TEST_PACKAGES := mininet docker.io debootstrap
# A count, not a duration: Go 1.26's fuzz coordinator can report a spurious
# "context deadline exceeded" when a duration runs out mid-execution (go.dev/issue/75804).
FUZZTIME ?= 100000x
LAB ?= labs/figure4.yaml

.PHONY: help deps deps-test install-packages build test test-unit test-integration fuzz lint lab docker-lab bench clean

help:
	@echo "make deps        install the Debian packages the labs need (root)"
	@echo "make deps-test   and what the tests add: Mininet, Docker, docker compose v2 (root)"
	@echo "make build       build bin/vtepd and bin/vtepctl"
	@echo "make lab         run the default lab: VXLAN flooding and learning end to end (root)"
	@echo "make docker-lab  run docker-compose.yml with docker compose v2 and the ARP walk-through in it (root)"
	@echo "make test        every test: unit, integration against real OVS, fuzz seeds (root)"
	@echo "make test-unit   unit tests only (no root needed)"
	@echo "make lint        gofmt, go vet and go mod tidy -diff"
	@echo "make bench       benchmarks (root for the OVS ones)"
	@echo "make clean       remove build output"

# Installs only what is missing, so it is cheap to depend on.
deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEB_PACKAGES)"
	@command -v $(GO) >/dev/null || { echo "make deps: Go 1.26 or newer is required (https://go.dev/dl), on PATH or in /usr/local/go"; exit 1; }
	$(GO) mod download

# What the tests need beyond deps: Mininet, a Docker engine, docker compose
# v2 built from source and the Docker lab's base root file system
# (docker/deps.sh skips what exists).
deps-test: deps
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(TEST_PACKAGES)"
	@if [ "$$(id -u)" = 0 ]; then GO=$(GO) docker/deps.sh; \
	else [ -x /usr/local/lib/docker/cli-plugins/docker-compose ] || echo "make deps-test: docker compose v2 for the Docker lab needs root (sudo make deps-test)"; fi

# docker.io is skipped where another Docker engine (docker-ce) is installed:
# they conflict.
install-packages:
	@missing=""; for p in $(PACKAGES); do \
		[ $$p = docker.io ] && command -v dockerd >/dev/null && continue; \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "make: installing packages needs root (sudo make deps)"; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/vtepd ./cmd/vtepd
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/vtepctl ./cmd/vtepctl

test: deps-test lint
	$(GO) test -count=1 -timeout 30m ./...
	$(MAKE) fuzz

test-unit:
	$(GO) test -count=1 -short ./...

FUZZPKGS ?= ./ofapp/ ./api/

fuzz:
	@for p in $(FUZZPKGS); do \
		for t in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
			echo "fuzz $$p $$t for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$p || exit 1; \
		done; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

lab: deps build
	bin/vtepctl lab demo $(LAB)

# The compose lab on an engine of its own, walk-through inside the containers,
# then nothing of it left (cmd/vtepctl/lab_docker_live_test.go; make test runs it too).
docker-lab: deps-test
	VTEP_REQUIRE_INTEGRATION=1 $(GO) test -count=1 -v -run '^TestDockerLab$$' ./cmd/vtepctl/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
