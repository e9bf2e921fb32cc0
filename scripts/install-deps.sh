#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# install-deps.sh - install every Debian package bpfcancel needs.
#
# Idempotent and quiet when everything is present: "make check" and
# "make demo" run it first on every invocation. Needs root (apt-get).
#
# Usage: scripts/install-deps.sh [--print]   (--print lists the packages)
set -euo pipefail

# Compiler half: the LLVM 22 plugin, lit/FileCheck, the runtime and its
# sanitizer builds.
PKGS_COMPILER="llvm-22-dev clang-22 llvm-22-tools lld-22 libclang-rt-22-dev
  cmake make gcc g++ python3 libelf-dev zlib1g-dev pkg-config xz-utils"
# Kernel half: Debian's 6.12 source, its build deps, both QEMUs, the arm64
# cross compiler, and busybox for the initramfs. The cloud kernel image
# carries BTF for the selftests corpus' vmlinux.h.
PKGS_KERNEL="linux-source-6.12 bc flex bison libssl-dev dwarves cpio kmod
  rsync ccache busybox-static qemu-system-x86 qemu-system-arm
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  linux-image-6.12.117+deb12-cloud-amd64-unsigned"

# Kernel half, arm64 user space of the bench (static test runner): Debian
# multiarch libraries, installed by kernel_arm64_multiarch below.
# (busybox-static:arm64 is fetched by the bench itself with apt-get download
# into build/, it is never installed.)
PKGS_KERNEL_ARM64="libelf-dev:arm64 zlib1g-dev:arm64"

kernel_arm64_multiarch() {
	local m="" p
	dpkg --print-foreign-architectures | grep -qx arm64 || m="arch"
	for p in $PKGS_KERNEL_ARM64; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			m="$m $p"
	done
	[ -z "$m" ] && return 0
	echo "install-deps: arm64 multiarch:$m"
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: need root for dpkg --add-architecture arm64 and$m" >&2
		exit 1
	fi
	dpkg --add-architecture arm64
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$PKGS_KERNEL_ARM64 >/dev/null
}

PKGS="$PKGS_COMPILER $PKGS_KERNEL"

if [ "${1:-}" = "--print" ]; then
	echo $PKGS $PKGS_KERNEL_ARM64
	exit 0
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	kernel_arm64_multiarch
	exit 0
fi

echo "install-deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to apt-get install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
kernel_arm64_multiarch
