/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * model.h - builds a small valid cancellable object with elfw (a hot
 * program with a map lookup, an iterator loop, may_goto, a bpf2bpf call
 * and a tail call, its twin in .text, and .BPF.cancel), with knobs that
 * corrupt one thing at a time. Shared by test_obj.c and the seed writer.
 */
#ifndef __BPFCANCEL_MODEL_H
#define __BPFCANCEL_MODEL_H

#include <stdbool.h>
#include <linux/types.h>
#include "bpfcancel/core.h"

#define M_N 21		/* insns of prog */
#define M_SUB_N 3	/* insns of sub */

struct model {
	struct bpf_insn hot[M_N];
	struct bpf_insn cold[M_N];
	struct bpf_cancel_site sites[8];
	__u32 nsites;
	__u32 uncut;
	__u32 rec_insn_cnt;
	bool sub_twin;		/* sub gets a twin too; prog's twin calls it */
	/* corruptions */
	int cold_ref;		/* 0 ok, 1 section sym, 2 no reloc, 3 wrong type,
				 * 4 = hot (same function), 5 data symbol */
	__u64 cold_addend;
	bool cold_global;
	bool cold_in_tp;	/* twin placed in the program's section */
	bool dup_record;	/* a second record for prog */
	bool twin_map2;		/* twin's map reference to another map */
	bool hot_calls_twin;	/* prog's call at 12 goes to its own twin */
	bool hot_map2;		/* hot's (and twin's) 2nd map reference to m2 */
	bool site_reloc;	/* twin keeps the kfunc reloc at the site */
	bool overlap;		/* sub's record claims prog's sites */
	__u16 version;
	__u32 magic;
	__u32 cut_len;		/* bytes cut off the end of .BPF.cancel */
	bool junk_after;	/* non-zero word after the block */
	bool two_blocks;	/* sub's record in a second, padded block */
	bool iter_kept;		/* twin keeps the kfunc call at 9 (no site
				 * there: the caller edits sites) and its reloc */
	bool twin_static_m;	/* twin's 2nd map reference to another
				 * local "m" (bpftool gen object statics) */
	bool twin_calls_hot_sub; /* with sub_twin: twin still calls sub */
	bool func_addr_sub;	/* insn 14 is "r2 = sub" (BPF_PSEUDO_FUNC, a
				 * callback address) in hot and twin */
	int bad_rel;		/* 1 reloc at tp+44 (unaligned), 2 a second
				 * reloc at tp+8 */
	int alias_func;		/* 1 "alias" covers prog insns [1, +2),
				 * 2 "prog2" = prog (same start and size) */
};

/* default valid model */
void model_init(struct model *m);
/* apply the sites to hot to make cold (after editing sites) */
void model_make_cold(struct model *m);
/* serialise; returns length, *out malloc()ed */
size_t model_build(const struct model *m, __u8 **out);

#endif
