#!/bin/bash
# What the Docker lab needs beyond Debian's packages (make deps runs it as
# root, after docker.io and debootstrap are installed). Each step is skipped
# when its output is already there, so reruns cost nothing.
#
#   docker/deps.sh compose   docker compose v2 as a CLI plugin, built from the
#                            Go module proxy (Debian 12 packages only the
#                            1.29 docker-compose, which cannot read our file)
#   docker/deps.sh rootfs    a Debian 12 root file system holding the
#                            hypervisor's packages, the base image on machines
#                            that reach no image registry (docker import it)
#   docker/deps.sh           both
#
# Environment: COMPOSE_VERSION (v2.40.3), PLUGIN_DIR
# (/usr/local/lib/docker/cli-plugins), ROOTFS (/var/cache/vtep/bookworm-hypervisor.tar),
# GO (go).
set -euo pipefail
COMPOSE_VERSION=${COMPOSE_VERSION:-v2.40.3}
PLUGIN_DIR=${PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}
ROOTFS=${ROOTFS:-/var/cache/vtep/bookworm-hypervisor.tar}
GO=${GO:-go}
# The hypervisor's packages: keep in step with docker/Dockerfile.
PACKAGES=openvswitch-switch,iproute2,ethtool,iputils-ping,arping,tcpdump,procps

compose() {
	local bin=$PLUGIN_DIR/docker-compose
	if [ -x "$bin" ] && "$bin" version --short 2>/dev/null | grep -qx "${COMPOSE_VERSION#v}"; then
		return 0
	fi
	echo "docker/deps.sh: building docker compose $COMPOSE_VERSION into $bin"
	local mod=github.com/docker/compose/v2
	local src work
	src=$(GOFLAGS=-mod=mod "$GO" mod download -json "$mod@$COMPOSE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	[ -n "$src" ] || { echo "docker/deps.sh: go mod download $mod@$COMPOSE_VERSION gave no directory" >&2; return 1; }
	# `go install` refuses a module whose go.mod has exclude directives:
	# build inside a writable copy of the module instead.
	work=$(mktemp -d)
	trap 'rm -rf "$work"' RETURN
	cp -r "$src/." "$work"
	chmod -R u+w "$work"
	mkdir -p "$PLUGIN_DIR"
	(cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 "$GO" build -trimpath \
		-ldflags "-s -w -X $mod/internal.Version=$COMPOSE_VERSION" -o "$bin.tmp" ./cmd)
	mv "$bin.tmp" "$bin"
}

rootfs() {
	[ -s "$ROOTFS" ] && return 0
	echo "docker/deps.sh: building the base root file system $ROOTFS"
	# The Debian mirror apt already uses.
	local mirror
	mirror=$(grep -hsoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/* |
		awk '{print $2}' | grep -v security | head -1 || true)
	mirror=${mirror:-http://deb.debian.org/debian}
	local root
	root=$(mktemp -d)
	trap 'rm -rf "$root"' RETURN
	debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" "$mirror" >/dev/null
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
	mkdir -p "$(dirname "$ROOTFS")"
	tar -C "$root" -cf "$ROOTFS.tmp" .
	mv "$ROOTFS.tmp" "$ROOTFS"
}

case "${1:-all}" in
compose) compose ;;
rootfs) rootfs ;;
all)
	# Compiling compose is CPU-bound, debootstrap mostly waits on the mirror
	# and dpkg: run them side by side.
	compose &
	c=$!
	rootfs || status=$?
	wait "$c" || status=$?
	exit "${status:-0}"
	;;
*) echo "usage: $0 [compose|rootfs]" >&2; exit 2 ;;
esac
