# SPDX-License-Identifier: GPL-2.0
# lib.sh - shared settings of the bench scripts (sourced, not run).
#
# Layout under $BUILD/kernel/:
#   src/                     the unpacked, patched linux-source-6.12
#   src-stock/               the same without the series (check-upstream)
#   <flav>/obj/              out-of-tree kernel build (O=), flav =
#                            arch[-debug|-stock]; -stock builds src-stock
#   <arch>/libbpf/           static libbpf + headers built for that arch
#   <arch>/vmlinux.h         from that arch's BTF
#   <arch>/runner/           test runner, BPF objects
#   <flav>/initramfs.cpio    guest root
#   <flav>/console.log       full console log of the last boot
#   host/bpftool             bpftool for the build host

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
KB="$BUILD/kernel"
SRC="$KB/src"
JOBS=${KJOBS:-2}

die() { echo "${0##*/}: error: $*" >&2; exit 1; }
log() { echo "${0##*/}: $*"; }

# set_arch <x86_64|arm64> [debug|stock]: sets KARCH FLAV OBJ KSRC KMAKE[] CROSS
set_arch() {
	KARCH=$1
	FLAV=$1${2:+-$2}
	OBJ="$KB/$FLAV/obj"
	KSRC="$SRC"
	case "${2:-}" in
	""|debug) ;;
	stock) KSRC="$KB/src-stock" ;;
	*) die "unknown flavour '$2' (debug or stock)" ;;
	esac
	case "$KARCH" in
	x86_64)
		CROSS=""
		KMAKE=(make -s -C "$KSRC" O="$OBJ" ARCH=x86_64
		       CC="ccache gcc" HOSTCC="ccache gcc")
		KIMAGE="${BENCH_KIMAGE:-$OBJ/arch/x86/boot/bzImage}"
		TARGET_CC=gcc
		BPF_ARCH=x86 ;;
	arm64)
		CROSS=aarch64-linux-gnu-
		KMAKE=(make -s -C "$KSRC" O="$OBJ" ARCH=arm64 CROSS_COMPILE=$CROSS
		       CC="ccache ${CROSS}gcc" HOSTCC="ccache gcc")
		KIMAGE="${BENCH_KIMAGE:-$OBJ/arch/arm64/boot/Image}"
		TARGET_CC=${CROSS}gcc
		BPF_ARCH=arm64 ;;
	*) die "unknown KARCH '$1' (x86_64 or arm64)" ;;
	esac
	# reproducible version string: better ccache hits, same image per build
	export KBUILD_BUILD_USER=bench KBUILD_BUILD_HOST=bpfcancel
	export KBUILD_BUILD_TIMESTAMP="2026-01-01"
	# Cache hits whatever directory the repo is cloned to (CI uses a fresh
	# clone): paths under $TOP are rewritten relative, and the working
	# directory is left out of the hash although the kernel builds with -g.
	export CCACHE_BASEDIR="$TOP" CCACHE_NOHASHDIR=1
}

# hash_files <files...>: one hash of the names and contents
hash_files() { for f in "$@"; do echo "$f"; cat "$f"; done | sha256sum | cut -d' ' -f1; }
