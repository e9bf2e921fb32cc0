// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpf_cancel_core.c - freestanding core of the bpfcancel runtime.
 *
 * Shared by the compiler plugin's self-check, the bpfcancel tool, libbpf's
 * pre-load check and the kernel's site-record checks. See bpf_cancel_core.h.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#else
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif
#endif
#include "bpf_cancel_core.h"

#define BC_INSN_SZ	8u

static const char *const err_names[__BPF_CANCEL_E_MAX] = {
	[BPF_CANCEL_OK]			= "ok",
	[BPF_CANCEL_E_TRUNCATED]	= "truncated",
	[BPF_CANCEL_E_ALIGN]		= "misaligned",
	[BPF_CANCEL_E_JUNK]		= "junk-between-blocks",
	[BPF_CANCEL_E_MAGIC]		= "bad-magic",
	[BPF_CANCEL_E_VERSION]		= "bad-version",
	[BPF_CANCEL_E_FUTURE]		= "future-version",
	[BPF_CANCEL_E_HDR_LEN]		= "bad-hdr-len",
	[BPF_CANCEL_E_TOTAL_LEN]	= "bad-total-len",
	[BPF_CANCEL_E_REC_SIZE]		= "bad-record-size",
	[BPF_CANCEL_E_HDR_FLAGS]	= "hdr-flags",
	[BPF_CANCEL_E_FUNC_TABLE]	= "func-table-range",
	[BPF_CANCEL_E_SITE_TABLE]	= "site-table-range",
	[BPF_CANCEL_E_TABLE_OVERLAP]	= "table-overlap",
	[BPF_CANCEL_E_FUNC_SITES]	= "func-sites-range",
	[BPF_CANCEL_E_SITE_OVERLAP]	= "site-overlap",
	[BPF_CANCEL_E_SITE_KIND]	= "site-kind",
	[BPF_CANCEL_E_SITE_FLAGS]	= "site-flags",
	[BPF_CANCEL_E_SITE_OFF]		= "site-outside-func",
	[BPF_CANCEL_E_SITE_ORDER]	= "site-order",
	[BPF_CANCEL_E_SITE_LDIMM64]	= "site-in-ld-imm64",
	[BPF_CANCEL_E_SITE_IMM]		= "site-imm",
	[BPF_CANCEL_E_SITE_SHAPE]	= "site-shape",
	[BPF_CANCEL_E_SITE_DENIED]	= "site-denied",
	[BPF_CANCEL_E_SITE_COLD]	= "site-cold-insn",
	[BPF_CANCEL_E_INSN_DIFF]	= "insn-differs",
	[BPF_CANCEL_E_INSN_CNT]		= "insn-count",
	[BPF_CANCEL_E_ELF]		= "bad-elf",
	[BPF_CANCEL_E_REC_RELOC]	= "record-reloc",
	[BPF_CANCEL_E_REC_SYM]		= "record-symbol",
	[BPF_CANCEL_E_REC_ADDEND]	= "record-addend",
	[BPF_CANCEL_E_SAME_FUNC]	= "hot-is-cold",
	[BPF_CANCEL_E_DUP_FUNC]		= "duplicate-func",
	[BPF_CANCEL_E_TWIN_SCOPE]	= "twin-scope",
	[BPF_CANCEL_E_FUNC_SIZE]	= "func-size",
	[BPF_CANCEL_E_INSN_RELOC]	= "insn-reloc",
	[BPF_CANCEL_E_UNCUT]		= "uncut-loops",
	[BPF_CANCEL_E_HOT_MISSING]	= "hot-missing",
	[BPF_CANCEL_E_HOT_DIFF]		= "hot-differs",
	[BPF_CANCEL_E_NOMEM]		= "no-memory",
	[BPF_CANCEL_E_SITE_NONNULL]	= "site-not-null",
	[BPF_CANCEL_E_TWIN_CALL]	= "twin-calls-hot",
};

const char *bpf_cancel_err_str(int code)
{
	if (code < 0 || code >= __BPF_CANCEL_E_MAX || !err_names[code])
		return "unknown";
	return err_names[code];
}

const char *bpf_cancel_kind_str(int kind)
{
	switch (kind) {
	case BPF_CANCEL_SITE_RET_NULL:	return "ret-null";
	case BPF_CANCEL_SITE_ITER_NEXT:	return "iter-next";
	case BPF_CANCEL_SITE_CALLBACK:	return "callback";
	case BPF_CANCEL_SITE_TAIL_CALL:	return "tail-call";
	case BPF_CANCEL_SITE_MAY_GOTO:	return "may-goto";
	default:			return "?";
	}
}

static __printf(4, 5) int diag_set(struct bpf_cancel_diag *diag, int code,
				   __u32 insn, const char *fmt, ...)
{
	va_list ap;

	if (diag) {
		diag->code = code;
		diag->insn = insn;
		va_start(ap, fmt);
		vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] | (p[1] << 8));
}

static __u32 rd32(const __u8 *p)
{
	return (__u32)p[0] | ((__u32)p[1] << 8) | ((__u32)p[2] << 16) |
	       ((__u32)p[3] << 24);
}

/* Copy min(have, want) bytes, zero-fill up to want. */
static void copy_rec(void *dst, __u32 want, const __u8 *src, __u32 have)
{
	__u32 n = have < want ? have : want;

	memcpy(dst, src, n);
	if (n < want)
		memset((__u8 *)dst + n, 0, want - n);
}

/* [off, off + cnt * size) inside [lo, hi)? No overflow: 64-bit math on
 * 32-bit inputs.
 */
static bool range_ok(__u32 off, __u32 cnt, __u32 size, __u32 lo, __u32 hi,
		     __u64 *end)
{
	__u64 e = (__u64)off + (__u64)cnt * (__u64)size;

	*end = e;
	return off >= lo && e <= hi;
}

int bpf_cancel_next_block(const void *sec, __u32 sec_len, __u32 *pos,
			  struct bpf_cancel_block *blk,
			  struct bpf_cancel_diag *diag)
{
	const __u8 *data = sec;
	struct bpf_cancel_hdr h;
	__u32 p = *pos, hdr_len;
	__u64 fend, send;

	if (p % BPF_CANCEL_ALIGN)
		return diag_set(diag, BPF_CANCEL_E_ALIGN, BPF_CANCEL_NO_INSN,
				"offset %u: block is not %u-byte aligned",
				p, BPF_CANCEL_ALIGN);
	/* skip zero padding words between blocks */
	while (p < sec_len && sec_len - p >= 8 && rd32(data + p) == 0 &&
	       rd32(data + p + 4) == 0)
		p += 8;
	if (p >= sec_len) {
		*pos = sec_len;
		return 0;
	}
	if (sec_len - p < 8) {
		/* trailing bytes shorter than a word */
		__u32 i;

		for (i = p; i < sec_len; i++)
			if (data[i])
				break;
		if (i == sec_len) {
			*pos = sec_len;
			return 0;
		}
		return diag_set(diag, BPF_CANCEL_E_TRUNCATED,
				BPF_CANCEL_NO_INSN,
				"offset %u: %u trailing bytes, too short for a block header",
				p, sec_len - p);
	}

	if (rd32(data + p) != BPF_CANCEL_MAGIC) {
		if (p != *pos || p == 0)
			return diag_set(diag, BPF_CANCEL_E_MAGIC,
					BPF_CANCEL_NO_INSN,
					"offset %u: bad magic 0x%08x (expected 0x%08x \"BPFC\")",
					p, rd32(data + p), BPF_CANCEL_MAGIC);
		return diag_set(diag, BPF_CANCEL_E_JUNK, BPF_CANCEL_NO_INSN,
				"offset %u: non-zero bytes after a block (0x%08x), neither padding nor a block header",
				p, rd32(data + p));
	}
	if (sec_len - p < BPF_CANCEL_HDR_MIN)
		return diag_set(diag, BPF_CANCEL_E_TRUNCATED,
				BPF_CANCEL_NO_INSN,
				"offset %u: block header truncated (%u bytes left, need at least %u)",
				p, sec_len - p, BPF_CANCEL_HDR_MIN);

	hdr_len = rd16(data + p + offsetof(struct bpf_cancel_hdr, hdr_len));
	{
		__u16 version = rd16(data + p +
				     offsetof(struct bpf_cancel_hdr, version));

		if (version == 0)
			return diag_set(diag, BPF_CANCEL_E_VERSION,
					BPF_CANCEL_NO_INSN,
					"offset %u: invalid version 0", p);
		if (version > BPF_CANCEL_VERSION)
			return diag_set(diag, BPF_CANCEL_E_FUTURE,
					BPF_CANCEL_NO_INSN,
					"offset %u: format version %u is newer than this reader's %u: rebuild the tools or the object",
					p, version, BPF_CANCEL_VERSION);
	}
	if (hdr_len < BPF_CANCEL_HDR_MIN || hdr_len % 4)
		return diag_set(diag, BPF_CANCEL_E_HDR_LEN, BPF_CANCEL_NO_INSN,
				"offset %u: hdr_len %u invalid (minimum %u, multiple of 4)",
				p, hdr_len, BPF_CANCEL_HDR_MIN);
	if (hdr_len > sec_len - p)
		return diag_set(diag, BPF_CANCEL_E_TRUNCATED,
				BPF_CANCEL_NO_INSN,
				"offset %u: block header truncated (hdr_len %u, %u bytes left)",
				p, hdr_len, sec_len - p);

	copy_rec(&h, sizeof(h), data + p, hdr_len);
	/* the copy is in host order: this code assumes a little-endian
	 * reader for the multi-byte fields read through h below
	 */
	h.total_len = rd32(data + p + offsetof(struct bpf_cancel_hdr, total_len));

	if (h.total_len < hdr_len)
		return diag_set(diag, BPF_CANCEL_E_TOTAL_LEN,
				BPF_CANCEL_NO_INSN,
				"offset %u: total_len %u smaller than hdr_len %u",
				p, h.total_len, hdr_len);
	if (h.total_len % BPF_CANCEL_ALIGN)
		return diag_set(diag, BPF_CANCEL_E_ALIGN, BPF_CANCEL_NO_INSN,
				"offset %u: total_len %u is not a multiple of %u",
				p, h.total_len, BPF_CANCEL_ALIGN);
	if (h.total_len > sec_len - p)
		return diag_set(diag, BPF_CANCEL_E_TOTAL_LEN,
				BPF_CANCEL_NO_INSN,
				"offset %u: total_len %u runs past the end of the section (%u bytes left): truncated section?",
				p, h.total_len, sec_len - p);
	if (h.flags || h.reserved)
		return diag_set(diag, BPF_CANCEL_E_HDR_FLAGS,
				BPF_CANCEL_NO_INSN,
				"offset %u: header flags 0x%x / reserved 0x%x must be 0",
				p, h.flags, h.reserved);
	if (h.func_rec_size < BPF_CANCEL_FUNC_MIN || h.func_rec_size % 8)
		return diag_set(diag, BPF_CANCEL_E_REC_SIZE,
				BPF_CANCEL_NO_INSN,
				"offset %u: func_rec_size %u invalid (minimum %u, multiple of 8)",
				p, h.func_rec_size, BPF_CANCEL_FUNC_MIN);
	if (h.site_rec_size < BPF_CANCEL_SITE_MIN || h.site_rec_size % 4)
		return diag_set(diag, BPF_CANCEL_E_REC_SIZE,
				BPF_CANCEL_NO_INSN,
				"offset %u: site_rec_size %u invalid (minimum %u, multiple of 4)",
				p, h.site_rec_size, BPF_CANCEL_SITE_MIN);
	if (h.func_off % 8 || h.site_off % 4)
		return diag_set(diag, BPF_CANCEL_E_ALIGN, BPF_CANCEL_NO_INSN,
				"offset %u: func_off %u must be a multiple of 8, site_off %u of 4",
				p, h.func_off, h.site_off);
	if (!range_ok(h.func_off, h.func_cnt, h.func_rec_size, hdr_len,
		      h.total_len, &fend))
		return diag_set(diag, BPF_CANCEL_E_FUNC_TABLE,
				BPF_CANCEL_NO_INSN,
				"offset %u: func table (%u records of %u bytes at %u) outside the block (header %u, total_len %u)",
				p, h.func_cnt, h.func_rec_size, h.func_off,
				hdr_len, h.total_len);
	if (!range_ok(h.site_off, h.site_cnt, h.site_rec_size, hdr_len,
		      h.total_len, &send))
		return diag_set(diag, BPF_CANCEL_E_SITE_TABLE,
				BPF_CANCEL_NO_INSN,
				"offset %u: site table (%u records of %u bytes at %u) outside the block (header %u, total_len %u)",
				p, h.site_cnt, h.site_rec_size, h.site_off,
				hdr_len, h.total_len);
	if (h.func_cnt && h.site_cnt && h.func_off < send &&
	    h.site_off < fend)
		return diag_set(diag, BPF_CANCEL_E_TABLE_OVERLAP,
				BPF_CANCEL_NO_INSN,
				"offset %u: func table [%u, %llu) and site table [%u, %llu) overlap",
				p, h.func_off, (unsigned long long)fend,
				h.site_off, (unsigned long long)send);

	blk->base = data + p;
	blk->off = p;
	blk->total_len = h.total_len;
	blk->version = h.version;
	blk->hdr_len = (__u16)hdr_len;
	blk->func_rec_size = h.func_rec_size;
	blk->site_rec_size = h.site_rec_size;
	blk->func_cnt = h.func_cnt;
	blk->func_off = h.func_off;
	blk->site_cnt = h.site_cnt;
	blk->site_off = h.site_off;
	blk->has_site_reserved = h.site_rec_size >=
		offsetof(struct bpf_cancel_site, reserved) + sizeof(__u32);
	*pos = p + h.total_len;
	return 1;
}

__u32 bpf_cancel_func_rec_off(const struct bpf_cancel_block *blk, __u32 idx)
{
	return blk->off + blk->func_off + idx * (__u32)blk->func_rec_size;
}

void bpf_cancel_read_func(const struct bpf_cancel_block *blk, __u32 idx,
			  struct bpf_cancel_func *rec)
{
	copy_rec(rec, sizeof(*rec),
		 blk->base + blk->func_off + (__u64)idx * blk->func_rec_size,
		 blk->func_rec_size);
}

void bpf_cancel_read_site(const struct bpf_cancel_block *blk, __u32 idx,
			  struct bpf_cancel_site *rec)
{
	copy_rec(rec, sizeof(*rec),
		 blk->base + blk->site_off + (__u64)idx * blk->site_rec_size,
		 blk->site_rec_size);
}

int bpf_cancel_check_func_rec(const struct bpf_cancel_block *blk, __u32 idx,
			      const struct bpf_cancel_func *rec,
			      struct bpf_cancel_diag *diag)
{
	__u64 end = (__u64)rec->site_idx + rec->site_cnt;

	if (end > blk->site_cnt)
		return diag_set(diag, BPF_CANCEL_E_FUNC_SITES,
				BPF_CANCEL_NO_INSN,
				"func record %u: sites [%u, %llu) outside the block's %u site records",
				idx, rec->site_idx, (unsigned long long)end,
				blk->site_cnt);
	return 0;
}

/*
 * The func records of a block that own sites (site_cnt > 0) must list
 * them in increasing order: each such record's range starts at or after
 * the end of the previous one. That makes the ranges disjoint and lets
 * this check run in O(func_cnt) with no memory, which matters in the
 * kernel. Writers emit records in site order; a reader that wants to
 * accept another order must sort first.
 */
int bpf_cancel_check_site_ranges(const struct bpf_cancel_block *blk,
				 struct bpf_cancel_diag *diag)
{
	struct bpf_cancel_func f;
	__u64 prev_end = 0;
	__u32 i, prev = 0, prev_idx = 0, prev_cnt = 0;
	bool have_prev = false;

	for (i = 0; i < blk->func_cnt; i++) {
		bpf_cancel_read_func(blk, i, &f);
		if (!f.site_cnt)
			continue;
		if (have_prev && (__u64)f.site_idx < prev_end)
			return diag_set(diag, BPF_CANCEL_E_SITE_OVERLAP,
					BPF_CANCEL_NO_INSN,
					"func records %u and %u claim overlapping or unordered site records ([%u, +%u) and [%u, +%u)): records must list disjoint site ranges in increasing order",
					prev, i, prev_idx, prev_cnt,
					f.site_idx, f.site_cnt);
		prev = i;
		prev_idx = f.site_idx;
		prev_cnt = f.site_cnt;
		prev_end = (__u64)f.site_idx + f.site_cnt;
		have_prev = true;
	}
	return 0;
}

static bool is_ld_imm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_call_kind(int kind)
{
	return kind == BPF_CANCEL_SITE_RET_NULL ||
	       kind == BPF_CANCEL_SITE_ITER_NEXT ||
	       kind == BPF_CANCEL_SITE_CALLBACK;
}

bool bpf_cancel_site_shape_ok(const struct bpf_insn *hot, int kind)
{
	bool call = hot->code == (BPF_JMP | BPF_CALL);

	switch (kind) {
	/*
	 * A kfunc call is src_reg BPF_PSEUDO_KFUNC_CALL once libbpf has
	 * resolved it, but in an ELF object it is still "call -1" with
	 * src_reg BPF_PSEUDO_CALL and a relocation against the undefined
	 * kfunc symbol. Both are accepted here; the site_allowed callback
	 * tells a kfunc from a bpf2bpf call (relocation in user space,
	 * verifier state in the kernel).
	 */
	case BPF_CANCEL_SITE_RET_NULL:
	case BPF_CANCEL_SITE_CALLBACK:
		return call && (hot->src_reg == 0 ||
				hot->src_reg == BPF_CANCEL_PSEUDO_CALL ||
				hot->src_reg == BPF_CANCEL_PSEUDO_KFUNC);
	case BPF_CANCEL_SITE_ITER_NEXT:
		return call && (hot->src_reg == BPF_CANCEL_PSEUDO_CALL ||
				hot->src_reg == BPF_CANCEL_PSEUDO_KFUNC);
	case BPF_CANCEL_SITE_TAIL_CALL:
		return call && hot->src_reg == 0 &&
		       hot->imm == BPF_CANCEL_FUNC_TAIL_CALL;
	case BPF_CANCEL_SITE_MAY_GOTO:
		return hot->code == (BPF_JMP | BPF_CANCEL_JCOND) &&
		       hot->src_reg == BPF_CANCEL_MAY_GOTO;
	default:
		return false;
	}
}

static const char *shape_want(int kind)
{
	switch (kind) {
	case BPF_CANCEL_SITE_RET_NULL:
	case BPF_CANCEL_SITE_CALLBACK:
		return "a helper or kfunc call";
	case BPF_CANCEL_SITE_ITER_NEXT:
		return "a kfunc call";
	case BPF_CANCEL_SITE_TAIL_CALL:
		return "call 12 (bpf_tail_call)";
	case BPF_CANCEL_SITE_MAY_GOTO:
		return "may_goto";
	default:
		return "?";
	}
}

static bool is_null_kind(int kind)
{
	return kind == BPF_CANCEL_SITE_RET_NULL ||
	       kind == BPF_CANCEL_SITE_ITER_NEXT;
}

int bpf_cancel_check_sites(const struct bpf_insn *hot, __u32 insn_cnt,
			   const struct bpf_cancel_site *sites, __u32 site_cnt,
			   struct bpf_cancel_diag *diag)
{
	char buf[64];
	__u32 i, k = 0;

	/*
	 * O(insn_cnt + site_cnt): sites are strictly increasing, so the
	 * instruction-boundary walk (k, the first slot at or after the
	 * previous site) carries over from one site to the next.
	 */
	for (i = 0; i < site_cnt; i++) {
		const struct bpf_cancel_site *s = &sites[i];
		__u32 off = s->insn_off;

		if (s->kind == 0 || s->kind >= __BPF_CANCEL_SITE_MAX)
			return diag_set(diag, BPF_CANCEL_E_SITE_KIND, off,
					"site %u (insn %u): unknown kind %u",
					i, off, s->kind);
		if (s->flags || s->reserved)
			return diag_set(diag, BPF_CANCEL_E_SITE_FLAGS, off,
					"site %u (insn %u): flags 0x%x / reserved 0x%x must be 0",
					i, off, s->flags, s->reserved);
		if (off >= insn_cnt)
			return diag_set(diag, BPF_CANCEL_E_SITE_OFF, off,
					"site %u: insn %u is outside the function (%u insns)",
					i, off, insn_cnt);
		if (i && off <= sites[i - 1].insn_off)
			return diag_set(diag, BPF_CANCEL_E_SITE_ORDER, off,
					"site %u: insn %u not after the previous site's insn %u (sites must be strictly increasing)",
					i, off, sites[i - 1].insn_off);
		if (!is_call_kind(s->kind) && s->imm)
			return diag_set(diag, BPF_CANCEL_E_SITE_IMM, off,
					"insn %u: %s site with imm %d (must be 0)",
					off, bpf_cancel_kind_str(s->kind), s->imm);
		/* a non-zero r0 where the verifier typed a maybe-NULL
		 * pointer is a wild pointer on a path it never explored
		 */
		if (is_null_kind(s->kind) && s->imm)
			return diag_set(diag, BPF_CANCEL_E_SITE_NONNULL, off,
					"site %u (insn %u): %s site with fast value %d: must be 0 (NULL), any other r0 is a pointer the verifier never saw",
					i, off, bpf_cancel_kind_str(s->kind),
					s->imm);
		while (k < off)
			k += is_ld_imm64(&hot[k]) ? 2 : 1;
		if (k != off)
			return diag_set(diag, BPF_CANCEL_E_SITE_LDIMM64, off,
					"insn %u: site in the second slot of the ld_imm64 at insn %u",
					off, off - 1);
		if (!bpf_cancel_site_shape_ok(&hot[off], s->kind)) {
			bpf_cancel_insn_str(&hot[off], buf, sizeof(buf));
			return diag_set(diag, BPF_CANCEL_E_SITE_SHAPE, off,
					"insn %u: %s site on '%s', expected %s",
					off, bpf_cancel_kind_str(s->kind), buf,
					shape_want(s->kind));
		}
	}
	return 0;
}

int bpf_cancel_cold_insn(const struct bpf_insn *hot,
			 const struct bpf_cancel_site *site,
			 struct bpf_insn *cold)
{
	if (!bpf_cancel_site_shape_ok(hot, site->kind))
		return -EINVAL;
	memset(cold, 0, sizeof(*cold));
	switch (site->kind) {
	case BPF_CANCEL_SITE_RET_NULL:
	case BPF_CANCEL_SITE_ITER_NEXT:
	case BPF_CANCEL_SITE_CALLBACK:
		cold->code = BPF_ALU64 | BPF_MOV | BPF_K;
		cold->dst_reg = BPF_REG_0;
		cold->imm = site->imm;
		return 0;
	case BPF_CANCEL_SITE_TAIL_CALL:
		cold->code = BPF_JMP | BPF_JA;
		return 0;
	case BPF_CANCEL_SITE_MAY_GOTO:
		cold->code = BPF_JMP | BPF_JA;
		cold->off = hot->off;
		return 0;
	default:
		return -EINVAL;
	}
}

static const char *const alu_ops[16] = {
	"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
	"neg", "%=", "^=", "=", "s>>=", "end", "?", "?",
};

static const char *const jmp_ops[16] = {
	"goto", "==", ">", ">=", "&", "!=", "s>", "s>=",
	"call", "exit", "<", "<=", "s<", "s<=", "jcond", "?",
};

int bpf_cancel_insn_str(const struct bpf_insn *insn, char *buf, __u32 len)
{
	__u8 cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code) >> 4;
	bool k = BPF_SRC(insn->code) == BPF_K;
	const char *r = cls == BPF_ALU || cls == BPF_JMP32 ? "w" : "r";

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op == 8)
			return snprintf(buf, len, "0x%02x %s%u = -%s%u",
					insn->code, r, insn->dst_reg, r,
					insn->dst_reg);
		if (k)
			return snprintf(buf, len, "0x%02x %s%u %s %d",
					insn->code, r, insn->dst_reg,
					alu_ops[op], insn->imm);
		return snprintf(buf, len, "0x%02x %s%u %s %s%u", insn->code,
				r, insn->dst_reg, alu_ops[op], r,
				insn->src_reg);
	case BPF_JMP:
	case BPF_JMP32:
		if (insn->code == (BPF_JMP | BPF_CALL)) {
			if (insn->src_reg == BPF_CANCEL_PSEUDO_CALL)
				return snprintf(buf, len, "0x%02x call pc%+d",
						insn->code, insn->imm);
			if (insn->src_reg == BPF_CANCEL_PSEUDO_KFUNC)
				return snprintf(buf, len,
						"0x%02x call kfunc %d",
						insn->code, insn->imm);
			return snprintf(buf, len, "0x%02x call %d", insn->code,
					insn->imm);
		}
		if (insn->code == (BPF_JMP | BPF_EXIT))
			return snprintf(buf, len, "0x%02x exit", insn->code);
		if (insn->code == (BPF_JMP | BPF_JA))
			return snprintf(buf, len, "0x%02x goto %+d", insn->code,
					insn->off);
		if (insn->code == (BPF_JMP | BPF_CANCEL_JCOND))
			return snprintf(buf, len, "0x%02x may_goto %+d",
					insn->code, insn->off);
		if (k)
			return snprintf(buf, len,
					"0x%02x if %s%u %s %d goto %+d",
					insn->code, r, insn->dst_reg,
					jmp_ops[op], insn->imm, insn->off);
		return snprintf(buf, len, "0x%02x if %s%u %s %s%u goto %+d",
				insn->code, r, insn->dst_reg, jmp_ops[op], r,
				insn->src_reg, insn->off);
	default:
		if (is_ld_imm64(insn))
			return snprintf(buf, len,
					"0x%02x r%u = imm64 src %u lo %d",
					insn->code, insn->dst_reg,
					insn->src_reg, insn->imm);
		return snprintf(buf, len,
				"0x%02x dst r%u src r%u off %d imm %d",
				insn->code, insn->dst_reg, insn->src_reg,
				insn->off, insn->imm);
	}
}

static bool insn_eq(const struct bpf_insn *a, const struct bpf_insn *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

int bpf_cancel_check_pair(const struct bpf_insn *hot,
			  const struct bpf_insn *cold, __u32 insn_cnt,
			  const struct bpf_cancel_site *sites, __u32 site_cnt,
			  const struct bpf_cancel_check_ops *ops, void *ctx,
			  struct bpf_cancel_diag *diag)
{
	char hb[64], cb[64], why[96];
	struct bpf_insn want;
	__u32 i, s = 0;

	for (i = 0; i < insn_cnt; i++) {
		const struct bpf_cancel_site *site = NULL;

		if (s < site_cnt && sites[s].insn_off == i)
			site = &sites[s++];
		else if (s < site_cnt && sites[s].insn_off < i)
			return diag_set(diag, BPF_CANCEL_E_SITE_ORDER,
					sites[s].insn_off,
					"site %u: insn %u out of order", s,
					sites[s].insn_off);

		if (!site) {
			if (insn_eq(&hot[i], &cold[i]))
				continue;
			if (ops && ops->same_insn &&
			    ops->same_insn(ctx, i, &hot[i], &cold[i]))
				continue;
			bpf_cancel_insn_str(&hot[i], hb, sizeof(hb));
			bpf_cancel_insn_str(&cold[i], cb, sizeof(cb));
			return diag_set(diag, BPF_CANCEL_E_INSN_DIFF, i,
					"insn %u: twin differs from hot at a non-site instruction (hot %s, cold %s)",
					i, hb, cb);
		}

		if (bpf_cancel_cold_insn(&hot[i], site, &want)) {
			bpf_cancel_insn_str(&hot[i], hb, sizeof(hb));
			return diag_set(diag, BPF_CANCEL_E_SITE_SHAPE, i,
					"insn %u: %s site on '%s', expected %s",
					i, bpf_cancel_kind_str(site->kind), hb,
					shape_want(site->kind));
		}
		why[0] = 0;
		if (ops && ops->site_allowed &&
		    !ops->site_allowed(ctx, i, &hot[i], site->kind, site->imm,
				       why, sizeof(why))) {
			bpf_cancel_insn_str(&hot[i], hb, sizeof(hb));
			return diag_set(diag, BPF_CANCEL_E_SITE_DENIED, i,
					"insn %u: illegal substitution: %s site (r0 = %d) on '%s'%s%s",
					i, bpf_cancel_kind_str(site->kind),
					site->imm, hb, why[0] ? ": " : "", why);
		}
		if (!insn_eq(&want, &cold[i])) {
			bpf_cancel_insn_str(&want, hb, sizeof(hb));
			bpf_cancel_insn_str(&cold[i], cb, sizeof(cb));
			return diag_set(diag, BPF_CANCEL_E_SITE_COLD, i,
					"insn %u: twin has '%s' at a %s site, expected '%s'",
					i, cb, bpf_cancel_kind_str(site->kind),
					hb);
		}
	}
	if (s < site_cnt)
		return diag_set(diag, BPF_CANCEL_E_SITE_OFF, sites[s].insn_off,
				"site %u: insn %u is outside the function (%u insns)",
				s, sites[s].insn_off, insn_cnt);
	return 0;
}
