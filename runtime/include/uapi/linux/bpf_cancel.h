/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpf_cancel.h - the ".BPF.cancel" section of a BPF object built with
 * clang -fbpf-cancellable, and the site records that libbpf hands to the
 * kernel at BPF_PROG_LOAD.
 *
 * Written as future UAPI: fixed-width little-endian fields, explicit record
 * sizes so that an older reader skips fields a newer writer appended, and
 * no pointers except the two relocated function references of
 * struct bpf_cancel_func.
 *
 * Layout of the section: one or more *blocks*, each 8-byte aligned, each
 * starting with struct bpf_cancel_hdr. A compiler writes one block per
 * object; "bpftool gen object" (the libbpf linker) concatenates same-named
 * sections of several objects, possibly with zero padding between them, so
 * a reader walks blocks by hdr.total_len and skips 8-byte words of zeros
 * between blocks. Anything else between blocks is an error.
 *
 *   block := hdr, func records (func_cnt x func_rec_size, at func_off),
 *            site records (site_cnt x site_rec_size, at site_off)
 *
 * Function references are R_BPF_64_ABS64 relocations against the STT_FUNC
 * symbols of the hot function and of its cold twin (never against a section
 * symbol: the libbpf linker refuses those in non-executable sections), with
 * zero implicit addend stored in the field. Site instruction offsets are
 * relative to the function's first instruction, so the records stay valid
 * whatever the function's position in its section after linking.
 *
 * Full specification: docs/format.md.
 */
#ifndef _UAPI__LINUX_BPF_CANCEL_H__
#define _UAPI__LINUX_BPF_CANCEL_H__

#include <linux/types.h>

#define BPF_CANCEL_SEC		".BPF.cancel"
#define BPF_CANCEL_MAGIC	0x43465042	/* "BPFC", little-endian */
#define BPF_CANCEL_VERSION	1
#define BPF_CANCEL_ALIGN	8

struct bpf_cancel_hdr {
	__u32	magic;		/* BPF_CANCEL_MAGIC */
	__u16	version;	/* BPF_CANCEL_VERSION */
	__u16	hdr_len;	/* sizeof(struct bpf_cancel_hdr) of the writer */
	__u32	total_len;	/* bytes in this block, header included; multiple of 8 */
	__u16	func_rec_size;	/* sizeof(struct bpf_cancel_func) of the writer */
	__u16	site_rec_size;	/* sizeof(struct bpf_cancel_site) of the writer */
	__u32	func_cnt;
	__u32	func_off;	/* from the start of the block; multiple of 8 */
	__u32	site_cnt;
	__u32	site_off;	/* from the start of the block; multiple of 4 */
	__u32	flags;		/* must be 0 */
	__u32	reserved;	/* must be 0 */
};

/* One hot function and its cold ("fast-execute") twin. */
struct bpf_cancel_func {
	__u64	hot;		/* R_BPF_64_ABS64 -> hot function symbol */
	__u64	cold;		/* R_BPF_64_ABS64 -> twin symbol */
	__u32	insn_cnt;	/* instructions in each; ld_imm64 counts 2 */
	__u32	site_idx;	/* first site of this function in the block */
	__u32	site_cnt;	/* sites of this function, sorted by insn_off */
	__u32	uncut_loops;	/* loops of the twin that no site cuts short */
};

/*
 * What one substitution is. Each replaces exactly one instruction of the
 * hot function with one instruction in the twin, and only ever produces an
 * outcome the verifier already explored on the hot copy.
 */
enum bpf_cancel_site_kind {
	/* call to a helper/kfunc whose result the kernel types
	 * PTR_MAYBE_NULL (acquire kfuncs with KF_RET_NULL, map lookups,
	 * ringbuf reserve, socket lookups...): cold is "r0 = 0".
	 */
	BPF_CANCEL_SITE_RET_NULL	= 1,
	/* call to a KF_ITER_NEXT kfunc: cold is "r0 = 0" (iterator drained) */
	BPF_CANCEL_SITE_ITER_NEXT	= 2,
	/* call to a helper that runs a callback synchronously (bpf_loop,
	 * bpf_for_each_map_elem, bpf_user_ringbuf_drain, bpf_find_vma):
	 * cold is "r0 = imm", the result of running it zero times
	 * (0 iterations; -ENOENT for bpf_find_vma, whose 0 means "found").
	 */
	BPF_CANCEL_SITE_CALLBACK	= 3,
	/* bpf_tail_call: cold is "ja +0", the fall-through of a failed
	 * tail call (the helper is RET_VOID, r0 is not readable after it).
	 */
	BPF_CANCEL_SITE_TAIL_CALL	= 4,
	/* may_goto +off: cold is "ja +off", the edge taken when the loop
	 * budget is exhausted.
	 */
	BPF_CANCEL_SITE_MAY_GOTO	= 5,
	__BPF_CANCEL_SITE_MAX,
};

struct bpf_cancel_site {
	__u32	insn_off;	/* instruction index from the function start */
	__u16	kind;		/* enum bpf_cancel_site_kind */
	__u16	flags;		/* must be 0 */
	__s32	imm;		/* r0 value for call kinds; 0 for jump kinds */
	__u32	reserved;	/* must be 0 */
};

#endif /* _UAPI__LINUX_BPF_CANCEL_H__ */
