#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# prepare.sh - set up the "programs written elsewhere" corpus under
# $BUILD/corpus-ext (default build/corpus-ext), from Debian packages only.
# It builds on the selftests corpus set-up (test/corpus/prepare.sh, run
# first: the extracted linux-source-6.12 tree, the tree's bpftool, libbpf's
# headers, vmlinux.h of Debian's cloud kernel) and adds:
#
#   kbuild/            the 6.12 tree configured out of tree (O=): Debian's
#                      cloud config + CONFIG_SCHED_CLASS_EXT=y, "make prepare"
#                      (include/generated, asm headers): the kernel headers
#                      samples/bpf/*_kern.c are compiled against
#   include/vmlinux.h  a vmlinux.h with sched_ext's types for
#                      tools/sched_ext/*.bpf.c (see "sched_ext" below)
#   samples-gen/       what samples/bpf's make generates next to the sources:
#                      vmlinux.h (the cloud one) and syscall_nrs.h
#   flags/SET          the compile flags of each build rule, one per line,
#                      taken from the programs' own Makefiles
#   programs           the corpus: "corpus name kind dir source flagset"
#
# sched_ext: no Debian 12 kernel image has CONFIG_SCHED_CLASS_EXT=y (not the
# cloud, generic or rt flavour of 6.12.117: linux-config-6.12), so there is
# no distro BTF to dump. Unless SCX_VMLINUX names a vmlinux (or BTF file)
# that has it, the types are made from the configured tree itself: the few
# kernel objects whose DWARF holds every type the four schedulers use are
# compiled (gcc, the tree's own flags), linked with ld -r and given BTF by
# pahole -J, exactly as the kernel build would encode them. That is a subset
# of the kernel's BTF, with the layouts of that config; enough to compile,
# which is all this corpus does.
#
# Idempotent: each step leaves a stamp and is skipped when the stamp is
# newer than its inputs. The first run takes about 110 s of CPU, 1.5 min on
# an idle 2-core machine (config 10 s, make prepare 25 s, 6 kernel objects
# 45 s); a rerun a second or two.
#
# Usage: test/corpus-ext/prepare.sh [--force]
#   SCX_VMLINUX=FILE   take sched_ext's vmlinux.h from this vmlinux (e.g. the
#                      bench kernel, built with CONFIG_SCHED_CLASS_EXT=y)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
export BUILD
SRC=$BUILD/linux-src
CORPUS=$BUILD/corpus
OUT=$BUILD/corpus-ext
KB=$OUT/kbuild
CLANG=${CLANG:-clang-22}
MAKE_JOBS=${MAKE_JOBS:-2}
BPFTOOL=$CORPUS/bpftool-obj/bootstrap/bpftool
EXCLUDED=$TOP/test/corpus-ext/EXCLUDED

log() { echo "corpus-ext-prepare: $*"; }
die() { echo "corpus-ext-prepare: error: $*" >&2; exit 1; }
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found (run scripts/install-deps.sh; package: $2)"
}
need "$CLANG" clang-22
need make make
need gcc gcc
need flex flex
need bison bison
need bc bc
need pahole dwarves
need ld binutils
need flock util-linux

if [ "${1:-}" = "--force" ]; then
	rm -rf "$OUT"
fi
mkdir -p "$OUT"
# Two set-ups at once would run make in the same O= tree.
exec 9>"$OUT/.prepare.lock"
flock 9

# 0. The selftests corpus set-up: tree, bpftool, libbpf headers, cloud
#    vmlinux.h. Cached there; well under a second when already done.
"$TOP/test/corpus/prepare.sh" >/dev/null ||
	die "test/corpus/prepare.sh failed (run it for its message)"
for f in "$SRC/.extracted" "$BPFTOOL" "$CORPUS/include/vmlinux.h" \
	 "$CORPUS/libbpf/include/bpf/bpf_helpers.h"; do
	[ -e "$f" ] || die "$f missing after test/corpus/prepare.sh"
done

# 1. The configured tree. The config is the one of the kernel whose BTF is
#    the samples' vmlinux.h (the cloud image test/corpus/prepare.sh names),
#    plus sched_ext. O= keeps the shared source tree clean.
KIMAGE_PKG=$(sed -n 's/^KIMAGE_PKG=//p' "$TOP/test/corpus/prepare.sh")
[ -n "$KIMAGE_PKG" ] || die "no KIMAGE_PKG= line in test/corpus/prepare.sh"
KCONFIG=$(dpkg -L "$KIMAGE_PKG" 2>/dev/null | grep '^/boot/config-' | head -n1 || true)
[ -n "$KCONFIG" ] && [ -r "$KCONFIG" ] ||
	die "no /boot/config-* from $KIMAGE_PKG (run scripts/install-deps.sh)"
if [ ! -f "$KB/.prepared" ] || [ "$SRC/.extracted" -nt "$KB/.prepared" ] ||
   [ "$KCONFIG" -nt "$KB/.prepared" ]; then
	[ ! -e "$SRC/.config" ] && [ ! -d "$SRC/include/config" ] ||
		die "$SRC has been configured in place: an O= build needs a clean tree (re-extract it: test/corpus/prepare.sh after removing $SRC/.extracted)"
	log "configuring the 6.12 tree in $KB ($(basename "$KCONFIG") + CONFIG_SCHED_CLASS_EXT=y) and running make prepare (about 35 s)"
	rm -rf "$KB"
	mkdir -p "$KB"
	cp "$KCONFIG" "$KB/.config"
	"$SRC/scripts/config" --file "$KB/.config" --enable SCHED_CLASS_EXT
	t0=$(date +%s)
	if ! { make -s -C "$SRC" O="$KB" olddefconfig &&
	       make -s -C "$SRC" O="$KB" -j"$MAKE_JOBS" prepare; } >"$OUT/kbuild.log" 2>&1; then
		tail -20 "$OUT/kbuild.log" >&2
		die "configuring or preparing the tree failed (needs gcc, flex, bison, bc, libelf-dev, libssl-dev; log: $OUT/kbuild.log)"
	fi
	grep -qx 'CONFIG_SCHED_CLASS_EXT=y' "$KB/.config" ||
		die "olddefconfig dropped CONFIG_SCHED_CLASS_EXT (it needs BPF_SYSCALL, BPF_JIT, DEBUG_INFO_BTF)"
	log "tree prepared in $(( $(date +%s) - t0 )) s"
	touch "$KB/.prepared"
fi

# The kernel's own include flags, printed by its Makefile rather than
# copied: objtree paths come out relative (./include), made absolute here.
kvar() {
	make -s -C "$SRC" O="$KB" --eval='corpus-ext-print-%: ; @echo "$($*)"' \
		"corpus-ext-print-$1" | sed "s#\(^\| \)-I\./#\1-I$KB/#g"
}

# Cached: each make run costs seconds.
KINC=$OUT/kernel-include
if [ ! -s "$KINC" ] || [ "$KB/.prepared" -nt "$KINC" ]; then
	echo "$(kvar NOSTDINC_FLAGS) $(kvar LINUXINCLUDE)" >"$KINC.tmp"
	grep -q -- "-I$KB/include " "$KINC.tmp" || die "unexpected LINUXINCLUDE: $(cat "$KINC.tmp")"
	mv "$KINC.tmp" "$KINC"
fi

# 2. sched_ext's vmlinux.h.
SCX_OBJS=(kernel/sched/build_policy.o kernel/bpf/helpers.o kernel/bpf/bpf_iter.o
	kernel/bpf/cpumask.o kernel/bpf/bpf_cgrp_storage.o kernel/bpf/hashtab.o)
SCX_H=$OUT/include/vmlinux.h
if [ -n "${SCX_VMLINUX:-}" ]; then
	[ -r "$SCX_VMLINUX" ] || die "SCX_VMLINUX=$SCX_VMLINUX: not readable"
	scx_src="BTF of $SCX_VMLINUX"
	scx_dep=$SCX_VMLINUX
else
	# build_policy.c #includes ext.c: sched_ext and the scheduler core;
	# the bpf/ objects carry bpf_timer, rbtree, bpf_iter_num, cpumask,
	# local storage and map flag types (found by removing objects until
	# one of the four schedulers stopped compiling, then adding cpumask.o).
	scx_src="partial BTF of the configured tree (pahole -J of ${SCX_OBJS[*]})"
	scx_dep=$KB/.prepared
fi
if [ ! -s "$SCX_H" ] || [ "$scx_dep" -nt "$SCX_H" ] || [ "$BPFTOOL" -nt "$SCX_H" ] ||
   [ "$(cat "$SCX_H.source" 2>/dev/null)" != "$scx_src" ]; then
	mkdir -p "$OUT/include"
	if [ -n "${SCX_VMLINUX:-}" ]; then
		log "sched_ext vmlinux.h from $SCX_VMLINUX"
		btf=$SCX_VMLINUX
	else
		log "sched_ext vmlinux.h: compiling ${#SCX_OBJS[@]} kernel objects with CONFIG_SCHED_CLASS_EXT=y (about 50 s; no Debian 12 kernel has it)"
		t0=$(date +%s)
		make -s -C "$SRC" O="$KB" -j"$MAKE_JOBS" "${SCX_OBJS[@]}" >"$OUT/scx-btf.log" 2>&1 || {
			tail -20 "$OUT/scx-btf.log" >&2
			die "compiling the sched_ext kernel objects failed (log: $OUT/scx-btf.log)"
		}
		rm -f "$OUT/scx-btf.o"
		ld -r -o "$OUT/scx-btf.o" "${SCX_OBJS[@]/#/$KB/}" &&
			pahole -J "$OUT/scx-btf.o" >>"$OUT/scx-btf.log" 2>&1 ||
			die "ld -r / pahole -J failed (log: $OUT/scx-btf.log)"
		log "sched_ext types made in $(( $(date +%s) - t0 )) s"
		btf=$OUT/scx-btf.o
	fi
	# "unsorted": the 6.12 bpftool's sorted C dump skips the first type of
	# its order (it starts at index 1 of the sorted array, but type 0 does
	# not sort first): for the partial BTF the anonymous enum of BPF_ANY /
	# BPF_NOEXIST, which scx_flatcg uses (the full cloud dump of
	# test/corpus loses AAFS_LOADDATA_*, which nothing uses).
	"$BPFTOOL" btf dump file "$btf" format c unsorted >"$SCX_H.tmp" ||
		die "bpftool btf dump failed: does $btf carry BTF?"
	grep -q '^struct sched_ext_ops {' "$SCX_H.tmp" ||
		die "no struct sched_ext_ops in the BTF ($scx_src): not a CONFIG_SCHED_CLASS_EXT=y kernel"
	mv "$SCX_H.tmp" "$SCX_H"
	echo "$scx_src" >"$SCX_H.source"
fi

# 3. samples/bpf's generated headers. "make M=samples/bpf" writes them into
#    the source directory, which stays clean here: syscall_nrs.h is made the
#    way kbuild makes it (compile syscall_nrs.c to assembly, then the
#    sed-offsets script of scripts/Makefile.lib), with the tree's includes.
GEN=$OUT/samples-gen
if [ ! -s "$GEN/syscall_nrs.h" ] || [ "$KB/.prepared" -nt "$GEN/syscall_nrs.h" ]; then
	mkdir -p "$GEN"
	# shellcheck disable=SC2046
	"$CLANG" $(cat "$KINC") -D__KERNEL__ -S \
		"$SRC/samples/bpf/syscall_nrs.c" -o "$GEN/syscall_nrs.s" ||
		die "compiling samples/bpf/syscall_nrs.c failed"
	{
		echo "#ifndef __SYSCALL_NRS_H__"
		echo "#define __SYSCALL_NRS_H__"
		sed -ne 's:^[[:space:]]*\.ascii[[:space:]]*"\(.*\)".*:\1:;
			/^->/{s:->#\(.*\):/* \1 */:;
			s:^->\([^ ]*\) [\$#]*\([^ ]*\) \(.*\):#define \1 \2 /* \3 */:;
			s:->::; p;}' "$GEN/syscall_nrs.s"
		echo "#endif"
	} >"$GEN/syscall_nrs.h.tmp"
	grep -q '^#define SYS__NR_write ' "$GEN/syscall_nrs.h.tmp" ||
		die "syscall_nrs.h has no SYS__NR_write"
	mv "$GEN/syscall_nrs.h.tmp" "$GEN/syscall_nrs.h"
fi
# The samples' vmlinux.h: their Makefile dumps the running kernel's BTF;
# the cloud kernel's is the Debian one, as for the selftests.
ln -sfn "$CORPUS/include/vmlinux.h" "$GEN/vmlinux.h"

# 4. Flag sets, one flag per line, from each program's Makefile. Paths are
#    absolute (the compile runs in the program's directory, as make does).
#    System headers come last (-idirafter), from clang's own search list:
#    the Makefiles' get_sys_includes / CLANG_SYS_INCLUDES.
mkdir -p "$OUT/flags"
sys_includes() {
	"$CLANG" -v -E - </dev/null 2>&1 |
		sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter\n\1|p }'
}
LIBBPF_INC=$CORPUS/libbpf/include
write_flags() {
	# write_flags SET: stdin -> $OUT/flags/SET, replaced only if changed
	# (run.sh does not cache objects, but a stable file is easier to diff)
	local f=$OUT/flags/$1
	cat >"$f.tmp"
	if [ -f "$f" ] && cmp -s "$f.tmp" "$f"; then rm -f "$f.tmp"; else mv "$f.tmp" "$f"; fi
}

# tools/sched_ext/Makefile: $(CLANG) $(BPF_CFLAGS) -target bpf. Its
# INCLUDE_DIR holds both vmlinux.h and the installed libbpf headers.
SCX=$SRC/tools/sched_ext
{
	printf '%s\n' -g -D__TARGET_ARCH_x86 -mlittle-endian \
		"-I$SCX/include" "-I$SCX/include/bpf-compat" \
		"-I$OUT/include" "-I$LIBBPF_INC" \
		"-I$SRC/tools/include/uapi" "-I$SRC/include"
	sys_includes
	printf '%s\n' -Wall -Wno-compare-distinct-pointer-types -O2 -mcpu=v3 \
		-target bpf
} | write_flags sched_ext

# samples/bpf/Makefile, "$(obj)/%.o: $(src)/%.c" (the *_kern.c and parse_*.c):
# the front end runs for the host target on the kernel's headers, which a
# BPF target cannot parse (x86 inline asm); then "opt -O2 -mtriple=bpf |
# llc -march=bpf". The shim drives clang, not opt/llc, so the back half is
# "clang --target=bpf -O2" on that bitcode, with and without the flag.
# BPF_EXTRA_CFLAGS on x86: -fcf-protection -fno-stack-protector -g.
# $(obj) is the source directory, where samples-gen/ stands in.
{
	# shellcheck disable=SC2046
	printf '%s\n' $(cat "$KINC") \
		-fcf-protection -fno-stack-protector -g \
		"-I$GEN" "-I$SRC/tools/testing/selftests/bpf/" "-I$LIBBPF_INC"
	sys_includes
	printf '%s\n' -D__KERNEL__ -D__BPF_TRACING__ -Wno-unused-value -Wno-pointer-sign \
		-D__TARGET_ARCH_x86 -Wno-compare-distinct-pointer-types \
		-Wno-gnu-variable-sized-type-not-at-end \
		-Wno-address-of-packed-member -Wno-tautological-compare \
		-Wno-unknown-warning-option -fno-asynchronous-unwind-tables \
		"-I$SRC/samples/bpf/" -include asm_goto_workaround.h \
		-O2 -emit-llvm -Xclang -disable-llvm-passes
} | write_flags samples-kern
# The back half. -Wno-override-module: the bitcode's triple is the host's,
# as in the Makefile's opt/llc pipeline.
printf '%s\n' --target=bpf -O2 -Wno-override-module | write_flags samples-kern-be

# samples/bpf/Makefile, "$(obj)/%.bpf.o: $(src)/%.bpf.c".
{
	printf '%s\n' "-I$GEN" -g -O2 --target=bpf -D__TARGET_ARCH_x86 \
		-Wno-compare-distinct-pointer-types "-I$SRC/include" \
		"-I$SRC/samples/bpf" "-I$SRC/tools/include" "-I$LIBBPF_INC"
	sys_includes
} | write_flags samples-bpf

# tools/bpf/bpftool/Makefile, "$(OUTPUT)%.bpf.o: skeleton/%.bpf.c"
# ($(OUTPUT) holds vmlinux.h). Its "llvm-strip -g" afterwards is not a
# compile step and is left out.
printf '%s\n' "-I$CORPUS/include" "-I$SRC/tools/include/uapi/" "-I$LIBBPF_INC" \
	-g -O2 -Wall -fno-stack-protector --target=bpf | write_flags bpftool

# tools/bpf/runqslower/Makefile, "$(OUTPUT)/%.bpf.o: %.bpf.c" (INCLUDES).
printf '%s\n' -g -O2 --target=bpf "-I$CORPUS/include" "-I$LIBBPF_INC" \
	"-I$SRC/tools/include/uapi" | write_flags runqslower

# 5. The program list, from the same Makefiles: sched_ext's
#    c-sched-targets; samples/bpf's always-y objects (old style unless
#    .bpf.o) and every *.bpf.c (BPF_SRCS_LINKED); bpftool's skeletons.
PROGS=$OUT/programs.tmp
{
	for t in $(sed -n 's/^c-sched-targets[[:space:]]*=//p' "$SCX/Makefile"); do
		printf 'sched_ext %s c tools/sched_ext %s.bpf.c sched_ext\n' "$t" "$t"
	done
	{
		sed -n 's/^always-y[[:space:]]*+=//p' "$SRC/samples/bpf/Makefile" |
			tr ' \t' '\n\n' | sed -n 's/\.o$//p'
		(cd "$SRC/samples/bpf" && ls -1 -- *.bpf.c | sed 's/\.c$//')
	} | LC_ALL=C sort -u | while read -r n; do
		case $n in
		*.bpf) printf 'samples %s c samples/bpf %s.c samples-bpf\n' "$n" "$n" ;;
		*) printf 'samples %s kern samples/bpf %s.c samples-kern\n' "$n" "$n" ;;
		esac
	done
	(cd "$SRC/tools/bpf/bpftool" && ls -1 -- skeleton/*.bpf.c) | while read -r s; do
		n=$(basename "$s" .c)
		printf 'tools %s c tools/bpf/bpftool %s bpftool\n' "$n" "$s"
	done
	printf 'tools runqslower.bpf c tools/bpf/runqslower runqslower.bpf.c runqslower\n'
} >"$PROGS"
while read -r _ _ _ dir src _; do
	[ -f "$SRC/$dir/$src" ] || die "$dir/$src listed by its Makefile but missing"
done <"$PROGS"
if [ -f "$OUT/programs" ] && cmp -s "$PROGS" "$OUT/programs"; then
	rm -f "$PROGS"
else
	mv "$PROGS" "$OUT/programs"
fi

# 6. Every BPF C file of these directories is either in the corpus or in
#    EXCLUDED with its reason; a new one shows up here.
declare -A KNOWN=()
while read -r _ _ _ dir src _; do KNOWN[$dir/$src]=1; done <"$OUT/programs"
while read -r f _; do
	case $f in ''|'#'*) continue ;; esac
	KNOWN[$f]=1
done <"$EXCLUDED"
unlisted=$(cd "$SRC" && grep -rl --include='*.c' 'SEC("' samples/bpf tools/sched_ext tools/bpf |
	LC_ALL=C sort | while read -r f; do [ -n "${KNOWN[$f]:-}" ] || echo "$f"; done)
[ -z "$unlisted" ] ||
	log "WARNING: BPF C files neither in the corpus nor in EXCLUDED: ${unlisted//$'\n'/ }"

read -r n_scx n_samples n_tools < <(awk '{ c[$1]++ } END { print c["sched_ext"]+0, c["samples"]+0, c["tools"]+0 }' "$OUT/programs")
log "ready: sched_ext $n_scx, samples $n_samples, tools $n_tools programs ($OUT/programs); sched_ext vmlinux.h: $(cat "$SCX_H.source")"
