#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# prepare.sh - set up everything the selftests corpus needs, under
# $BUILD/corpus (default build/corpus), from Debian packages only:
#
#   $BUILD/linux-src/           linux-source-6.12 extracted (shared with
#                               runtime/policy/gen-policy.py)
#   $BUILD/corpus/bpftool-obj/  bpftool "bootstrap" built from the tree:
#                               Debian bookworm's bpftool is 6.1's; the
#                               tree's own is certain to read 6.12 BTF
#   $BUILD/corpus/vmlinux       extracted from Debian's cloud kernel image,
#                               which carries BTF
#   $BUILD/corpus/include/      vmlinux.h (bpftool btf dump ... format c)
#   $BUILD/corpus/libbpf/include/bpf/  libbpf's headers, installed from the
#                               tree's tools/lib/bpf (generates bpf_helper_defs.h)
#   $BUILD/corpus/cflags        the compile flags, one per line, that run.sh
#                               and test/bench/compile-bench.sh use
#
# Idempotent: each step leaves a stamp and is skipped when its stamp is
# newer than its input, so a rerun takes well under a second.
#
# Usage: test/corpus/prepare.sh [--force]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
SRC=$BUILD/linux-src
OUT=$BUILD/corpus
TARBALL=${LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
# The distro kernel whose BTF becomes vmlinux.h: the same 6.12.117 as the
# source, built with the full Debian config, so every type the selftests
# reference exists.
KIMAGE_PKG=linux-image-6.12.117+deb12-cloud-amd64-unsigned
CLANG=${CLANG:-clang-22}
MAKE_JOBS=${MAKE_JOBS:-2}

if [ "${1:-}" = "--force" ]; then
	rm -rf "$OUT"
fi

log() { echo "corpus-prepare: $*"; }
die() { echo "corpus-prepare: error: $*" >&2; exit 1; }

need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found (run scripts/install-deps.sh; package: $2)"
}
need "$CLANG" clang-22
need make make
need python3 python3
need xz xz-utils

mkdir -p "$OUT"

# 1. The source tree. Extract into a temporary directory and rename, so an
#    interrupted extraction never looks complete.
if [ ! -f "$SRC/.extracted" ] || [ "$TARBALL" -nt "$SRC/.extracted" ]; then
	[ -f "$TARBALL" ] || die "$TARBALL missing (package linux-source-6.12)"
	if [ -f "$SRC/Makefile" ] && [ ! -f "$SRC/.extracted" ] &&
	   [ -f "$SRC/tools/testing/selftests/bpf/Makefile" ]; then
		# extracted by hand (runtime/policy/README.md recipe): adopt it
		touch "$SRC/.extracted"
	else
		log "extracting $TARBALL"
		rm -rf "$SRC.tmp"
		mkdir -p "$SRC.tmp"
		tar -C "$SRC.tmp" --strip-components=1 -xf "$TARBALL"
		rm -rf "$SRC"
		mv "$SRC.tmp" "$SRC"
		touch "$SRC/.extracted"
	fi
fi

# 2. libbpf headers (bpf_helpers.h, bpf_tracing.h, generated bpf_helper_defs.h).
if [ ! -f "$OUT/.libbpf" ] || [ "$SRC/.extracted" -nt "$OUT/.libbpf" ]; then
	log "installing libbpf headers"
	rm -rf "$OUT/libbpf" "$OUT/libbpf-obj"
	mkdir -p "$OUT/libbpf-obj"
	make -s -C "$SRC/tools/lib/bpf" install_headers \
		DESTDIR="$OUT/libbpf" prefix= OUTPUT="$OUT/libbpf-obj/" >/dev/null
	[ -f "$OUT/libbpf/include/bpf/bpf_helper_defs.h" ] ||
		die "libbpf install_headers produced no bpf_helper_defs.h"
	touch "$OUT/.libbpf"
fi

# 3. bpftool (bootstrap flavour: no skeletons, no clang needed, enough for
#    "btf dump").
BPFTOOL=$OUT/bpftool-obj/bootstrap/bpftool
if [ ! -x "$BPFTOOL" ] || [ "$SRC/.extracted" -nt "$BPFTOOL" ]; then
	log "building bpftool from the tree (about 30 s)"
	rm -rf "$OUT/bpftool-obj"
	mkdir -p "$OUT/bpftool-obj"
	if ! make -s -j"$MAKE_JOBS" -C "$SRC/tools/bpf/bpftool" bootstrap \
		OUTPUT="$OUT/bpftool-obj/" >"$OUT/bpftool-build.log" 2>&1; then
		tail -20 "$OUT/bpftool-build.log" >&2
		die "bpftool build failed (needs libelf-dev, zlib1g-dev; log: $OUT/bpftool-build.log)"
	fi
fi

# 4. vmlinux with BTF, from the distro kernel image.
VMLINUZ=$(dpkg -L "$KIMAGE_PKG" 2>/dev/null | grep '^/boot/vmlinuz-' | head -n1 || true)
[ -n "$VMLINUZ" ] && [ -r "$VMLINUZ" ] ||
	die "no vmlinuz from $KIMAGE_PKG (run scripts/install-deps.sh)"
if [ ! -s "$OUT/vmlinux" ] || [ "$VMLINUZ" -nt "$OUT/vmlinux" ]; then
	log "extracting vmlinux from $VMLINUZ"
	"$SRC/scripts/extract-vmlinux" "$VMLINUZ" >"$OUT/vmlinux.tmp" ||
		die "extract-vmlinux failed on $VMLINUZ"
	mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
fi
if [ ! -s "$OUT/include/vmlinux.h" ] || [ "$OUT/vmlinux" -nt "$OUT/include/vmlinux.h" ] ||
   [ "$BPFTOOL" -nt "$OUT/include/vmlinux.h" ]; then
	log "generating vmlinux.h"
	mkdir -p "$OUT/include"
	"$BPFTOOL" btf dump file "$OUT/vmlinux" format c >"$OUT/include/vmlinux.h.tmp" ||
		die "bpftool btf dump failed: does $VMLINUZ carry BTF?"
	mv "$OUT/include/vmlinux.h.tmp" "$OUT/include/vmlinux.h"
fi

# 5. The compile flags: the selftests Makefile's BPF_CFLAGS for the
#    test_progs runner (tools/testing/selftests/bpf/Makefile: BPF_CFLAGS,
#    CLANG_SYS_INCLUDES, TRUNNER_BPF_CFLAGS, CLANG_BPF_BUILD_RULE) minus
#    -Werror: a newer clang's new warnings are not what this corpus tests.
#    Paths are absolute so a compile can run from any directory; the
#    compile itself runs in the selftests directory (for -I.).
#    System headers come after everything else (-idirafter), from the host
#    clang's search list, as get_sys_includes does.
CFLAGS_NEW=$OUT/cflags.tmp
{
	echo "-g"
	echo "-Wall"
	echo "-Wno-compare-distinct-pointer-types"
	echo "-D__TARGET_ARCH_x86"
	echo "-DENABLE_ATOMICS_TESTS"
	echo "-I$OUT/include"
	echo "-I$OUT/libbpf/include"
	echo "-I$SRC/tools/testing/selftests/bpf"
	echo "-I$SRC/tools/testing/selftests/bpf/progs"
	echo "-I$SRC/tools/include/uapi"
	"$CLANG" -v -E - </dev/null 2>&1 |
		sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter\n\1|p }'
	echo "-O2"
	echo "--target=bpf"
	echo "-mcpu=v3"
} >"$CFLAGS_NEW"
if [ -f "$OUT/cflags" ] && cmp -s "$CFLAGS_NEW" "$OUT/cflags"; then
	rm -f "$CFLAGS_NEW"
else
	mv "$CFLAGS_NEW" "$OUT/cflags"
fi

# 6. Per-file extra flags from the selftests Makefile
#    ("progs/x.c-CFLAGS := ..." and "$(OUTPUT)/x.o: BPF_CFLAGS += ...").
SELF_MK=$SRC/tools/testing/selftests/bpf/Makefile
if [ ! -f "$OUT/file-cflags" ] || [ "$SELF_MK" -nt "$OUT/file-cflags" ]; then
	{
		sed -n 's|^progs/\([A-Za-z0-9_]*\)\.c-CFLAGS[[:space:]]*:=[[:space:]]*\(.*\)$|\1 \2|p' "$SELF_MK"
		sed -n 's|^\$(OUTPUT)/\([A-Za-z0-9_]*\)\.o:[[:space:]]*BPF_CFLAGS[[:space:]]*+=[[:space:]]*\(.*\)$|\1 \2|p' "$SELF_MK"
	} | sort >"$OUT/file-cflags"
fi

n=$(find "$SRC/tools/testing/selftests/bpf/progs" -maxdepth 1 -name '*.c' | wc -l)
log "ready: $n programs in $SRC/tools/testing/selftests/bpf/progs"
