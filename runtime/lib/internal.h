/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* internal.h - private structures of the bpfcancel object layer. */
#ifndef __BPFCANCEL_INTERNAL_H
#define __BPFCANCEL_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include "bpfcancel/bpfcancel.h"
#include "bpfcancel/core.h"

#define BC_INSN_SZ 8u

struct bc_rel {
	__u64 off;		/* r_offset */
	__u32 type;
	__u32 sym;
	__s64 addend;		/* RELA only */
};

struct bc_sec {
	const char *name;
	__u32 type;
	__u64 flags;
	__u64 size;
	__u32 link;
	__u32 info;
	const __u8 *data;	/* NULL for NOBITS / empty */
	struct bc_rel *rels;	/* relocations applying to this section */
	__u32 rel_cnt;		/* sorted by off */
	int rel_sec;		/* index of the REL section, -1 */
};

struct bc_sym {
	const char *name;
	__u64 value;
	__u64 size;
	__u16 shndx;
	__u8 type;
	__u8 bind;
};

struct bpfcancel_func {
	const struct bpfcancel_obj *obj;
	const char *name;
	int idx;
	int sec_idx;
	__u32 sym_idx;
	__u32 insn_off;
	__u32 insn_cnt;
	bool global;
	const struct bpf_insn *insns;
};

struct bc_line_sec {
	const char *sec_name;
	const __u8 *recs;	/* num_info records of rec_size bytes */
	__u32 num_info;
};

struct bc_pair {
	struct bpfcancel_pair pub;
	struct bpf_cancel_site *sites;
};

struct bpfcancel_obj {
	char *name;
	__u8 *buf;		/* copy of the file */
	size_t sz;
	struct bc_sec *secs;
	int sec_cnt;
	struct bc_sym *syms;
	__u32 sym_cnt;
	int symtab_sec;
	struct bpfcancel_func *funcs;
	int func_cnt;
	int *sym_func;		/* per symbol: function index, -1 */
	int *func_pair;		/* per function: pair whose hot it is, -1 */
	/* per section: funcs sorted by insn_off (index into funcs) */
	int **sec_funcs;
	int *sec_func_cnt;
	void **aligned;		/* aligned copies of executable sections */
	/* BTF line info */
	const char *btf_str;
	__u32 btf_str_len;
	__u32 line_rec_size;
	struct bc_line_sec *line_secs;
	__u32 line_sec_cnt;
	/* .BPF.cancel pairs */
	struct bc_pair *pairs;
	int pair_cnt;
};

/* elf.c */
const struct bc_rel *bc_find_rel(const struct bpfcancel_obj *obj, int sec_idx,
				 __u64 off);
int bc_fill_reloc(const struct bpfcancel_obj *obj, const struct bc_rel *r,
		  struct bpfcancel_reloc *out);
const char *bc_sym_sec_name(const struct bpfcancel_obj *obj,
			    const struct bc_sym *sym);
const struct bpfcancel_func *bc_func_of_sym(const struct bpfcancel_obj *obj,
					    __u32 sym_idx);
/* function containing/starting at a section insn */
const struct bpfcancel_func *bc_func_at(const struct bpfcancel_obj *obj,
					int sec_idx, __u32 sec_insn);

/* btf.c */
void bc_parse_btf(struct bpfcancel_obj *obj);

/* check.c */
int bc_collect_pairs(struct bpfcancel_obj *obj);
void bc_free_pairs(struct bpfcancel_obj *obj);

/* analysis.c */
bool bc_is_extern_call(const struct bpfcancel_obj *obj,
		       const struct bpfcancel_func *func, __u32 idx);
/* resolve a call/ld_imm64 func reference at func insn idx; NULL if none */
const struct bpfcancel_func *bc_insn_target(const struct bpfcancel_obj *obj,
					    const struct bpfcancel_func *func,
					    __u32 idx);

static inline int bc_err(int err)
{
	errno = err;
	return -err;
}

static inline void *bc_errp(int err)
{
	errno = err;
	return NULL;
}

#endif /* __BPFCANCEL_INTERNAL_H */
