/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpf_cancel_core.h - freestanding core of the bpfcancel runtime: the
 * ".BPF.cancel" block walker, record readers, site validation, the cold
 * instruction of a site and the linear checker "twin == hot except allowed
 * substitutions".
 *
 * One source of truth, like libbpf's relo_core.c: this file and
 * bpf_cancel_core.c are carried byte for byte as tools/lib/bpf/
 * bpf_cancel_core.[ch] in the kernel tree, compiled into libbpf and, with
 * __KERNEL__, into the kernel (kernel/bpf/bpf_cancel_core.c includes the
 * .c). No allocation, no libc beyond memcpy/memset/memcmp/snprintf, types
 * from <linux/types.h>, instructions from <linux/bpf.h>, the section format
 * from the bpf_cancel.h UAPI header (<uapi/linux/bpf_cancel.h> in the
 * kernel, <linux/bpf_cancel.h> from an include path elsewhere). It never
 * dereferences a byte outside the buffers it is given, whatever those bytes
 * contain.
 */
#ifndef __BPF_CANCEL_CORE_H
#define __BPF_CANCEL_CORE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/bpf.h>
#include <uapi/linux/bpf_cancel.h>
#else
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/bpf_cancel.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Older uapi headers lack these (Linux 6.9+). */
#define BPF_CANCEL_JCOND	0xe0	/* BPF_JCOND */
#define BPF_CANCEL_MAY_GOTO	0	/* BPF_MAY_GOTO (src_reg of JCOND) */
#define BPF_CANCEL_FUNC_TAIL_CALL 12	/* BPF_FUNC_tail_call */
#define BPF_CANCEL_PSEUDO_CALL	1	/* BPF_PSEUDO_CALL */
#define BPF_CANCEL_PSEUDO_KFUNC	2	/* BPF_PSEUDO_KFUNC_CALL */
#define BPF_CANCEL_PSEUDO_FUNC	4	/* BPF_PSEUDO_FUNC (ld_imm64) */

/*
 * Smallest record and header sizes a writer may declare: every field up
 * to and including the last one a v1 reader cannot do without. Fields a
 * smaller writer did not write read as zero (bpf_cancel_block.has_*
 * says which optional ones were present).
 */
#define BPF_CANCEL_HDR_MIN	36	/* up to site_off */
#define BPF_CANCEL_FUNC_MIN	32	/* up to uncut_loops */
#define BPF_CANCEL_SITE_MIN	12	/* up to imm */

/* Distinct error codes; bpf_cancel_err_str() names them. */
enum bpf_cancel_err {
	BPF_CANCEL_OK = 0,
	/* section and block structure */
	BPF_CANCEL_E_TRUNCATED,		/* block header cut short */
	BPF_CANCEL_E_ALIGN,		/* misaligned block/offset/size */
	BPF_CANCEL_E_JUNK,		/* non-zero bytes between blocks */
	BPF_CANCEL_E_MAGIC,		/* bad magic */
	BPF_CANCEL_E_VERSION,		/* version 0 */
	BPF_CANCEL_E_FUTURE,		/* newer, incompatible version */
	BPF_CANCEL_E_HDR_LEN,		/* hdr_len too small/too large */
	BPF_CANCEL_E_TOTAL_LEN,		/* total_len past section end */
	BPF_CANCEL_E_REC_SIZE,		/* record size too small/misaligned */
	BPF_CANCEL_E_HDR_FLAGS,		/* header flags/reserved non-zero */
	BPF_CANCEL_E_FUNC_TABLE,	/* func table outside the block */
	BPF_CANCEL_E_SITE_TABLE,	/* site table outside the block */
	BPF_CANCEL_E_TABLE_OVERLAP,	/* tables overlap each other/hdr */
	BPF_CANCEL_E_FUNC_SITES,	/* func's sites outside site table */
	BPF_CANCEL_E_SITE_OVERLAP,	/* two funcs claim the same sites */
	/* sites */
	BPF_CANCEL_E_SITE_KIND,		/* unknown kind */
	BPF_CANCEL_E_SITE_FLAGS,	/* flags/reserved non-zero */
	BPF_CANCEL_E_SITE_OFF,		/* insn_off outside the function */
	BPF_CANCEL_E_SITE_ORDER,	/* not strictly increasing */
	BPF_CANCEL_E_SITE_LDIMM64,	/* 2nd slot of an ld_imm64 */
	BPF_CANCEL_E_SITE_IMM,		/* jump kind with imm != 0 */
	BPF_CANCEL_E_SITE_SHAPE,	/* hot insn has the wrong shape */
	BPF_CANCEL_E_SITE_DENIED,	/* substitution not allowed */
	/* hot/cold pair */
	BPF_CANCEL_E_SITE_COLD,		/* twin insn at a site is wrong */
	BPF_CANCEL_E_INSN_DIFF,		/* twin differs at a non-site insn */
	BPF_CANCEL_E_INSN_CNT,		/* instruction counts differ */
	/* object level (user-space object layer) */
	BPF_CANCEL_E_ELF,		/* malformed ELF container */
	BPF_CANCEL_E_REC_RELOC,		/* record field has no/bad reloc */
	BPF_CANCEL_E_REC_SYM,		/* reloc not against a function */
	BPF_CANCEL_E_REC_ADDEND,	/* non-zero stored addend */
	BPF_CANCEL_E_SAME_FUNC,		/* hot == cold */
	BPF_CANCEL_E_DUP_FUNC,		/* function in two records */
	BPF_CANCEL_E_TWIN_SCOPE,	/* twin not a local .text function */
	BPF_CANCEL_E_FUNC_SIZE,		/* record/symbol sizes disagree */
	BPF_CANCEL_E_INSN_RELOC,	/* insn relocations of twin differ */
	BPF_CANCEL_E_UNCUT,		/* uncut_loops is wrong */
	BPF_CANCEL_E_HOT_MISSING,	/* cmp-hot: function missing */
	BPF_CANCEL_E_HOT_DIFF,		/* cmp-hot: bytes/relocs differ */
	BPF_CANCEL_E_NOMEM,
	BPF_CANCEL_E_SITE_NONNULL,	/* ret-null/iter-next with imm != 0 */
	BPF_CANCEL_E_TWIN_CALL,		/* strict: twin calls hot, not twin */
	__BPF_CANCEL_E_MAX,
};

#define BPF_CANCEL_DIAG_LEN	256
#define BPF_CANCEL_NO_INSN	((__u32)-1)

struct bpf_cancel_diag {
	int	code;		/* enum bpf_cancel_err */
	__u32	insn;		/* insn index, or BPF_CANCEL_NO_INSN */
	char	msg[BPF_CANCEL_DIAG_LEN];
};

/* A block, as located and validated by bpf_cancel_next_block(). */
struct bpf_cancel_block {
	const __u8 *base;	/* first byte of the block */
	__u32	off;		/* offset of the block in the section */
	__u32	total_len;
	__u16	version;
	__u16	hdr_len;
	__u16	func_rec_size;	/* the writer's */
	__u16	site_rec_size;	/* the writer's */
	__u32	func_cnt;
	__u32	func_off;
	__u32	site_cnt;
	__u32	site_off;
	bool	has_site_reserved; /* site records carry "reserved" */
};

/* Short stable name of an error code ("bad-magic", ...). */
const char *bpf_cancel_err_str(int code);
/* "ret-null", "iter-next", "callback", "tail-call", "may-goto", "?" */
const char *bpf_cancel_kind_str(int kind);

/*
 * Walk the blocks of a .BPF.cancel section. Start with *pos = 0. Returns
 * 1 with *blk filled and *pos moved past the block, 0 at the end of the
 * section, or a negative errno with *diag filled (the walk cannot go on:
 * a block whose length is unknown cannot be skipped).
 * Zero 8-byte words between blocks are skipped.
 */
int bpf_cancel_next_block(const void *sec, __u32 sec_len, __u32 *pos,
			  struct bpf_cancel_block *blk,
			  struct bpf_cancel_diag *diag);

/*
 * Record readers: copy min(writer size, reader size) bytes of record idx
 * and zero-fill the rest. idx must be < func_cnt / site_cnt.
 */
void bpf_cancel_read_func(const struct bpf_cancel_block *blk, __u32 idx,
			  struct bpf_cancel_func *rec);
void bpf_cancel_read_site(const struct bpf_cancel_block *blk, __u32 idx,
			  struct bpf_cancel_site *rec);
/* Offset, in the section, of func record idx (its "hot" field). */
__u32 bpf_cancel_func_rec_off(const struct bpf_cancel_block *blk, __u32 idx);

/*
 * Check func record idx: its site range lies in the block's site table.
 * Records' ranges must not overlap: the caller checks that with
 * bpf_cancel_check_site_ranges() once all records were read.
 */
int bpf_cancel_check_func_rec(const struct bpf_cancel_block *blk, __u32 idx,
			      const struct bpf_cancel_func *rec,
			      struct bpf_cancel_diag *diag);
/*
 * Site ranges of all func records of a block must be disjoint, listed in
 * increasing order (records with site_cnt == 0 are skipped): checked in
 * O(func_cnt) without memory. An unsorted but disjoint block is refused
 * (site-overlap) like an overlapping one.
 */
int bpf_cancel_check_site_ranges(const struct bpf_cancel_block *blk,
				 struct bpf_cancel_diag *diag);

/*
 * Whether code/src_reg of hot can take a site of that kind: call kinds
 * need a call with src_reg 0 (helper; not for ITER_NEXT),
 * BPF_PSEUDO_KFUNC_CALL, or BPF_PSEUDO_CALL (how an ELF object encodes an
 * extern kfunc call before libbpf resolves it: the site_allowed callback
 * must then confirm the callee is a kfunc); TAIL_CALL needs "call 12";
 * MAY_GOTO needs BPF_JMP|BPF_JCOND with src_reg BPF_MAY_GOTO.
 */
bool bpf_cancel_site_shape_ok(const struct bpf_insn *hot, int kind);

/*
 * Validate a function's sites against its hot instructions: kind known,
 * flags/reserved zero, imm 0 for jump kinds (site-imm) and for ret-null
 * and iter-next (site-not-null: the fast value of a maybe-NULL result is
 * NULL), insn_off < insn_cnt, strictly increasing, never the 2nd slot of
 * an ld_imm64, hot insn of the right shape. O(insn_cnt + site_cnt).
 */
int bpf_cancel_check_sites(const struct bpf_insn *hot, __u32 insn_cnt,
			   const struct bpf_cancel_site *sites, __u32 site_cnt,
			   struct bpf_cancel_diag *diag);

/*
 * The twin's instruction at a site: call kinds -> r0 = imm
 * (BPF_ALU64|BPF_MOV|BPF_K), TAIL_CALL -> ja +0, MAY_GOTO -> ja +off.
 * Returns 0, or -EINVAL when hot cannot take a site of that kind.
 */
int bpf_cancel_cold_insn(const struct bpf_insn *hot,
			 const struct bpf_cancel_site *site,
			 struct bpf_insn *cold);

struct bpf_cancel_check_ops {
	/*
	 * May hot insn idx take a substitution of this kind and imm?
	 * Returns true to allow; on refusal may write a reason to why.
	 * NULL: every well-shaped site is allowed.
	 */
	bool (*site_allowed)(void *ctx, __u32 idx, const struct bpf_insn *hot,
			     int kind, __s32 imm, char *why, __u32 why_len);
	/*
	 * hot and cold differ at non-site insn idx: are they the same
	 * instruction after relocation (bpf2bpf call to the twin of the hot
	 * callee, relocated imm...)? NULL: never.
	 */
	bool (*same_insn)(void *ctx, __u32 idx, const struct bpf_insn *hot,
			  const struct bpf_insn *cold);
};

/*
 * The linear checker. Sites must be sorted (bpf_cancel_check_sites() is
 * run first). Every instruction of cold equals hot's, or is at a site and
 * equals bpf_cancel_cold_insn() with a site the ops allow. Stops at the
 * first problem: returns 0 or a negative errno with *diag filled.
 */
int bpf_cancel_check_pair(const struct bpf_insn *hot,
			  const struct bpf_insn *cold, __u32 insn_cnt,
			  const struct bpf_cancel_site *sites, __u32 site_cnt,
			  const struct bpf_cancel_check_ops *ops, void *ctx,
			  struct bpf_cancel_diag *diag);

/* Short human-readable form of an instruction ("0x85 call 1"). */
int bpf_cancel_insn_str(const struct bpf_insn *insn, char *buf, __u32 len);

#ifdef __cplusplus
}
#endif

#endif /* __BPF_CANCEL_CORE_H */
