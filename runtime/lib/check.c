// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * check.c - .BPF.cancel pairs, the whole-object check and the hot-body
 * comparison of a plain and a flagged build.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

#ifndef R_BPF_64_ABS64
#define R_BPF_64_ABS64 2
#endif

/* problems reported for one pair before giving up on it */
#define MAX_PAIR_PROBLEMS 16

struct chk {
	const struct bpfcancel_obj *obj;
	const struct bpfcancel_policy *policy;
	bpfcancel_report_fn report;
	void *ctx;
	int problems;
	/* collection mode (at open) */
	bool collect;
	bool strict_twin_calls;
	struct bc_pair *pairs;
	int pair_cnt, pair_cap;
	/* per function: which record claimed it (hot or cold), -1 */
	int *claimed;
};

__attribute__((format(printf, 6, 7)))
static void problem(struct chk *k, int code, const char *sec,
		    const char *func, __s64 insn, const char *fmt, ...)
{
	struct bpfcancel_problem p;
	char msg[512], where[256];
	int n = 0;
	va_list ap;

	k->problems++;
	if (!k->report)
		return;
	where[0] = 0;
	if (sec)
		n += snprintf(where + n, sizeof(where) - (size_t)n,
			      "section '%s', ", sec);
	if (func && n < (int)sizeof(where))
		n += snprintf(where + n, sizeof(where) - (size_t)n,
			      "function '%s', ", func);
	if (insn >= 0 && n < (int)sizeof(where))
		snprintf(where + n, sizeof(where) - (size_t)n, "insn %lld, ",
			 (long long)insn);
	n = snprintf(msg, sizeof(msg), "bpfcancel: %s: %s", k->obj->name,
		     where);
	/* "..., " -> "...: " */
	if (where[0] && n >= 2 && n < (int)sizeof(msg)) {
		msg[n - 2] = ':';
	}
	if (n < (int)sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	p.code = code;
	p.sec = sec;
	p.func = func;
	p.insn = insn;
	p.msg = msg;
	k->report(k->ctx, &p);
}

/* the core's messages may start with "insn N: ": problem() says it */
static const char *strip_insn(const char *msg)
{
	size_t n;

	if (strncmp(msg, "insn ", 5))
		return msg;
	n = strcspn(msg, ":");
	return msg[n] == ':' && msg[n + 1] == ' ' ? msg + n + 2 : msg;
}

static const char *sym_label(const struct bpfcancel_obj *obj,
			     const struct bc_sym *y)
{
	if (y->type == STT_SECTION) {
		const char *s = bc_sym_sec_name(obj, y);

		return s ? s : "?";
	}
	return y->name;
}

/* Resolve the relocated function reference of a record field. */
static const struct bpfcancel_func *
rec_ref(struct chk *k, int sec_idx, __u32 rec, __u32 field_off,
	const char *field)
{
	const struct bpfcancel_obj *obj = k->obj;
	const struct bc_sec *s = &obj->secs[sec_idx];
	const struct bc_rel *r = bc_find_rel(obj, sec_idx, field_off);
	const struct bpfcancel_func *f;
	const struct bc_sym *y;
	__u64 stored = 0;

	if (!r) {
		problem(k, BPF_CANCEL_E_REC_RELOC, s->name, NULL, -1,
			"func record %u: '%s' field (offset %u) has no relocation",
			rec, field, field_off);
		return NULL;
	}
	y = &obj->syms[r->sym];
	if (r->type != R_BPF_64_ABS64) {
		problem(k, BPF_CANCEL_E_REC_RELOC, s->name, NULL, -1,
			"func record %u: '%s' field has relocation type %u, expected R_BPF_64_ABS64 (%u)",
			rec, field, r->type, R_BPF_64_ABS64);
		return NULL;
	}
	if (y->type == STT_SECTION) {
		problem(k, BPF_CANCEL_E_REC_SYM, s->name, NULL, -1,
			"func record %u: '%s' field is relocated against section symbol '%s': must name the function's STT_FUNC symbol",
			rec, field, sym_label(obj, y));
		return NULL;
	}
	if (y->type != STT_FUNC || y->shndx == SHN_UNDEF ||
	    y->shndx >= obj->sec_cnt ||
	    !(obj->secs[y->shndx].flags & SHF_EXECINSTR)) {
		problem(k, BPF_CANCEL_E_REC_SYM, s->name, NULL, -1,
			"func record %u: '%s' field refers to '%s', which is not a function defined in an executable section",
			rec, field, y->name);
		return NULL;
	}
	if (s->data && field_off <= s->size && s->size - field_off >= 8)
		memcpy(&stored, s->data + field_off, 8);
	if (stored || r->addend) {
		problem(k, BPF_CANCEL_E_REC_ADDEND, s->name, NULL, -1,
			"func record %u: '%s' field has addend %lld (must be 0: records point at function starts)",
			rec, field,
			(long long)(stored ? (__s64)stored : r->addend));
		return NULL;
	}
	f = bc_func_of_sym(obj, r->sym);
	if (!f)
		problem(k, BPF_CANCEL_E_REC_SYM, s->name, NULL, -1,
			"func record %u: '%s' field: symbol '%s' is not a known function",
			rec, field, y->name);
	return f;
}

static const struct bpfcancel_func *
twin_of(const struct bpfcancel_obj *obj, const struct bpfcancel_func *hot)
{
	int p = obj->func_pair ? obj->func_pair[hot->idx] : -1;

	return p >= 0 ? obj->pairs[p].pub.cold : NULL;
}

struct pair_ctx {
	struct chk *k;
	const struct bpfcancel_func *hot, *cold;
	__u32 base;	/* offset of the slice given to the core */
};

static bool pc_site_allowed(void *ctx, __u32 idx, const struct bpf_insn *hot,
			    int kind, __s32 imm, char *why, __u32 why_len)
{
	struct pair_ctx *pc = ctx;
	struct bpfcancel_site_class sc;
	int cls;

	(void)hot;
	cls = bpfcancel_func__classify(pc->k->obj, pc->hot, pc->base + idx,
				       pc->k->policy, &sc);
	switch (cls) {
	case BPFCANCEL_CLASS_SITE:
		if (sc.kind == kind && sc.imm == imm)
			return true;
		snprintf(why, why_len,
			 "the policy makes '%s' a %s site with fast value %d",
			 sc.callee ? sc.callee : "?",
			 bpf_cancel_kind_str(sc.kind), sc.imm);
		return false;
	case BPFCANCEL_CLASS_DENIED:
		snprintf(why, why_len, "the policy denies '%s' (%s)",
			 sc.callee, sc.reason);
		return false;
	case BPFCANCEL_CLASS_UNLISTED:
		if (sc.callee && sc.callee[0])
			snprintf(why, why_len,
				 "the policy does not list '%s'", sc.callee);
		else
			snprintf(why, why_len,
				 "the policy does not list this callee");
		return false;
	default:
		snprintf(why, why_len, "not a helper or kfunc call");
		return false;
	}
}

/*
 * Same symbol: a defined symbol by identity (section, value, type), so
 * that two same-named statics of a "bpftool gen object" link differ; an
 * undefined (extern) symbol by name, which is how libbpf resolves it.
 */
static bool sym_same(const struct bpfcancel_obj *obj, __u32 a, __u32 b)
{
	const struct bc_sym *x = &obj->syms[a], *y = &obj->syms[b];

	if (a == b)
		return true;
	if (x->type != y->type || x->shndx != y->shndx)
		return false;
	if (x->shndx == SHN_UNDEF)
		return !strcmp(x->name, y->name);
	return x->value == y->value;
}

static bool rel_same(const struct bpfcancel_obj *obj, const struct bc_rel *a,
		     const struct bc_rel *b)
{
	if (!a || !b)
		return a == b;
	return a->type == b->type && sym_same(obj, a->sym, b->sym) &&
	       a->addend == b->addend;
}

/*
 * Jump tables (-mcpu=v4 gotox, section ".jumptables", one STT_OBJECT per
 * table, entries byte offsets in the code section of their function):
 * the twin's table must send the twin to the places in itself where the
 * hot table sends the hot function.
 */
static bool same_jump_table(const struct bpfcancel_obj *obj,
			    const struct bpfcancel_func *hot,
			    const struct bpfcancel_func *cold,
			    const struct bc_rel *rh, const struct bc_rel *rc)
{
	__u64 hot_off = (__u64)hot->insn_off * BC_INSN_SZ;
	__u64 cold_off = (__u64)cold->insn_off * BC_INSN_SZ;
	__u64 hot_end = hot_off + (__u64)hot->insn_cnt * BC_INSN_SZ;
	const struct bc_sym *a, *b;
	const struct bc_sec *s;
	__u64 k, ea, eb;

	if (!rh || !rc || rh->type != rc->type || rh->addend != rc->addend ||
	    rh->sym >= obj->sym_cnt || rc->sym >= obj->sym_cnt)
		return false;
	a = &obj->syms[rh->sym];
	b = &obj->syms[rc->sym];
	if (a->type != STT_OBJECT || b->type != STT_OBJECT ||
	    a->shndx != b->shndx || a->shndx >= obj->sec_cnt ||
	    a->size != b->size || !a->size || a->size % 8)
		return false;
	s = &obj->secs[a->shndx];
	if (!s->name || strcmp(s->name, ".jumptables") || !s->data ||
	    s->rel_cnt || a->value > s->size || s->size - a->value < a->size ||
	    b->value > s->size || s->size - b->value < b->size)
		return false;
	for (k = 0; k < a->size; k += 8) {
		memcpy(&ea, s->data + a->value + k, 8);
		memcpy(&eb, s->data + b->value + k, 8);
		if (ea < hot_off || ea >= hot_end || ea % BC_INSN_SZ ||
		    eb != ea - hot_off + cold_off)
			return false;
	}
	return true;
}

/* Both refer (call or ld_imm64) to F, or hot to F and cold to twin(F). */
static bool same_target(const struct pair_ctx *pc, __u32 i)
{
	const struct bpfcancel_obj *obj = pc->k->obj;
	const struct bpfcancel_func *th, *tc;

	th = bc_insn_target(obj, pc->hot, i);
	tc = bc_insn_target(obj, pc->cold, i);
	return th && tc && (tc == th || tc == twin_of(obj, th));
}

static bool pc_same_insn(void *ctx, __u32 idx, const struct bpf_insn *hot,
			 const struct bpf_insn *cold)
{
	struct pair_ctx *pc = ctx;
	const struct bpfcancel_obj *obj = pc->k->obj;
	__u32 i = pc->base + idx;
	const struct bc_rel *rh, *rc;

	if (hot->code != cold->code || hot->dst_reg != cold->dst_reg ||
	    hot->src_reg != cold->src_reg || hot->off != cold->off)
		return false;
	/* a bpf2bpf call or a function address: the target is resolved
	 * from symbol and imm, so compare targets, not imms
	 */
	if ((hot->code == (BPF_JMP | BPF_CALL) &&
	     hot->src_reg == BPF_CANCEL_PSEUDO_CALL) ||
	    hot->code == (BPF_LD | BPF_IMM | BPF_DW)) {
		if (same_target(pc, i))
			return true;
	}
	/*
	 * Any other relocated instruction: same symbol AND same imm. libbpf
	 * adds the imm to the symbol (kfunc and subprog calls:
	 * sub_insn_idx = sym_off / 8 + imm + 1; ld_imm64:
	 * insn[1].imm = insn[0].imm + sym_off), so a different imm is a
	 * different instruction. The second slot of an ld_imm64 is compared
	 * byte for byte by the core.
	 */
	if (hot->imm != cold->imm)
		return false;
	rh = bc_find_rel(obj, pc->hot->sec_idx,
			 ((__u64)pc->hot->insn_off + i) * BC_INSN_SZ);
	rc = bc_find_rel(obj, pc->cold->sec_idx,
			 ((__u64)pc->cold->insn_off + i) * BC_INSN_SZ);
	return rh && rc && rel_same(obj, rh, rc) &&
	       obj->syms[rh->sym].type != STT_SECTION;
}

/*
 * Strict twin calls: a twin's bpf2bpf call whose hot callee has a twin must
 * go to that twin, not to the hot callee (cancelled code must not re-enter
 * hot code that can run long). Function addresses (ld_imm64
 * BPF_PSEUDO_FUNC) are not calls: callbacks stay hot by design
 * (asynchronous callbacks must run hot; a twin never reaches a synchronous
 * callback, its helper call is a site), so they are never flagged.
 */
static void check_twin_calls(struct chk *k, const struct bpfcancel_func *hot,
			     const struct bpfcancel_func *cold,
			     const struct bpf_cancel_site *sites,
			     __u32 site_cnt, int *reported)
{
	const struct bpfcancel_obj *obj = k->obj;
	__u32 j, s0 = 0;

	for (j = 0; j < hot->insn_cnt && *reported < MAX_PAIR_PROBLEMS; j++) {
		const struct bpf_insn *insn = &cold->insns[j];
		const struct bpfcancel_func *th, *tc, *tw;

		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			j++;	/* skip the second slot */
			continue;
		}
		if (!(insn->code == (BPF_JMP | BPF_CALL) &&
		      insn->src_reg == BPF_CANCEL_PSEUDO_CALL))
			continue;
		while (s0 < site_cnt && sites[s0].insn_off < j)
			s0++;
		if (s0 < site_cnt && sites[s0].insn_off == j)
			continue;
		th = bc_insn_target(obj, hot, j);
		tc = bc_insn_target(obj, cold, j);
		tw = th ? twin_of(obj, th) : NULL;
		if (th && tw && tc == th) {
			problem(k, BPF_CANCEL_E_TWIN_CALL,
				bpfcancel_func__sec_name(hot), hot->name, j,
				"twin '%s' calls hot '%s', not its twin '%s' (strict twin calls)",
				cold->name, th->name, tw->name);
			(*reported)++;
		}
	}
}

static void check_pair_insns(struct chk *k, const struct bpfcancel_func *hot,
			     const struct bpfcancel_func *cold,
			     const struct bpf_cancel_site *sites,
			     __u32 site_cnt)
{
	static const struct bpf_cancel_check_ops ops = {
		.site_allowed = pc_site_allowed,
		.same_insn = pc_same_insn,
	};
	const char *sec = bpfcancel_func__sec_name(hot);
	struct pair_ctx pc = { .k = k, .hot = hot, .cold = cold };
	struct bpf_cancel_site *sl;
	struct bpf_cancel_diag d;
	__u32 n = hot->insn_cnt, s0 = 0, j;
	int reported = 0;

	sl = malloc(sizeof(*sl) * (site_cnt ? site_cnt : 1));
	if (!sl) {
		problem(k, BPF_CANCEL_E_NOMEM, sec, hot->name, -1,
			"out of memory");
		return;
	}
	/* run the core checker; after a problem at insn i, go on with the
	 * slice after i so that every problem gets its own message
	 */
	while (pc.base < n && reported < MAX_PAIR_PROBLEMS) {
		while (s0 < site_cnt && sites[s0].insn_off < pc.base)
			s0++;
		for (j = s0; j < site_cnt; j++) {
			sl[j - s0] = sites[j];
			sl[j - s0].insn_off -= pc.base;
		}
		if (!bpf_cancel_check_pair(hot->insns + pc.base,
					   cold->insns + pc.base, n - pc.base,
					   sl, site_cnt - s0, &ops, &pc, &d))
			break;
		problem(k, d.code, sec, hot->name,
			d.insn == BPF_CANCEL_NO_INSN ? -1 :
			(__s64)pc.base + d.insn,
			"twin '%s': %s", cold->name, strip_insn(d.msg));
		reported++;
		if (d.insn == BPF_CANCEL_NO_INSN)
			break;
		pc.base += d.insn + 1;
	}
	free(sl);

	/* relocations: the twin carries the hot function's, except at
	 * sites (none there) and retargeted bpf2bpf references
	 */
	s0 = 0;
	for (j = 0; j < n && reported < MAX_PAIR_PROBLEMS; j++) {
		const struct bc_rel *rh, *rc;
		bool site;

		while (s0 < site_cnt && sites[s0].insn_off < j)
			s0++;
		site = s0 < site_cnt && sites[s0].insn_off == j;
		rh = bc_find_rel(k->obj, hot->sec_idx,
				 ((__u64)hot->insn_off + j) * BC_INSN_SZ);
		rc = bc_find_rel(k->obj, cold->sec_idx,
				 ((__u64)cold->insn_off + j) * BC_INSN_SZ);
		if (site) {
			if (rc) {
				problem(k, BPF_CANCEL_E_INSN_RELOC, sec,
					hot->name, j,
					"twin '%s': relocation against '%s' at a site (a substituted instruction must not be relocated)",
					cold->name,
					sym_label(k->obj, &k->obj->syms[rc->sym]));
				reported++;
			}
			continue;
		}
		if (rel_same(k->obj, rh, rc))
			continue;
		if (hot->insns[j].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    same_jump_table(k->obj, hot, cold, rh, rc))
			continue;
		pc.base = 0;
		if ((hot->insns[j].code == (BPF_JMP | BPF_CALL) ||
		     hot->insns[j].code == (BPF_LD | BPF_IMM | BPF_DW)) &&
		    same_target(&pc, j))
			continue;
		{
			const struct bc_sym *yh, *yc;
			char same[160] = "";

			yh = rh ? &k->obj->syms[rh->sym] : NULL;
			yc = rc ? &k->obj->syms[rc->sym] : NULL;
			/* two statics of one name: say where each is */
			if (yh && yc && !strcmp(sym_label(k->obj, yh),
						sym_label(k->obj, yc)))
				snprintf(same, sizeof(same),
					 "; different symbols of that name: '%s'+%llu and '%s'+%llu",
					 bc_sym_sec_name(k->obj, yh) ?
					 bc_sym_sec_name(k->obj, yh) : "?",
					 (unsigned long long)yh->value,
					 bc_sym_sec_name(k->obj, yc) ?
					 bc_sym_sec_name(k->obj, yc) : "?",
					 (unsigned long long)yc->value);
			problem(k, BPF_CANCEL_E_INSN_RELOC, sec, hot->name, j,
				"twin '%s': relocation differs from the hot function's (hot %s%s, twin %s%s%s)",
				cold->name, rh ? "against " : "none",
				yh ? sym_label(k->obj, yh) : "",
				rc ? "against " : "none",
				yc ? sym_label(k->obj, yc) : "", same);
		}
		reported++;
	}
	if (k->strict_twin_calls)
		check_twin_calls(k, hot, cold, sites, site_cnt, &reported);
}

static int add_pair(struct chk *k, const struct bpfcancel_func *hot,
		    const struct bpfcancel_func *cold, __u32 block, __u32 rec,
		    const struct bpf_cancel_func *fr,
		    const struct bpf_cancel_block *blk)
{
	struct bc_pair *p;
	__u32 i;

	if (k->pair_cnt == k->pair_cap) {
		int cap = k->pair_cap ? k->pair_cap * 2 : 16;
		struct bc_pair *np = realloc(k->pairs,
					     sizeof(*np) * (size_t)cap);

		if (!np)
			return -ENOMEM;
		k->pairs = np;
		k->pair_cap = cap;
	}
	p = &k->pairs[k->pair_cnt];
	memset(p, 0, sizeof(*p));
	p->sites = calloc(fr->site_cnt ? fr->site_cnt : 1, sizeof(*p->sites));
	if (!p->sites)
		return -ENOMEM;
	for (i = 0; i < fr->site_cnt; i++)
		bpf_cancel_read_site(blk, fr->site_idx + i, &p->sites[i]);
	p->pub.hot = hot;
	p->pub.cold = cold;
	p->pub.block = block;
	p->pub.rec = rec;
	p->pub.insn_cnt = fr->insn_cnt;
	p->pub.uncut_loops = fr->uncut_loops;
	p->pub.site_cnt = fr->site_cnt;
	p->pub.sites = p->sites;
	k->pair_cnt++;
	return 0;
}

/*
 * The site ranges of a block's func records must be disjoint and in
 * increasing order: the core's O(n) rule, so that this tool, libbpf and
 * the kernel accept the same blocks.
 */
static void check_site_ranges(struct chk *k, const char *sec,
			      const struct bpf_cancel_block *blk)
{
	struct bpf_cancel_diag d;

	if (bpf_cancel_check_site_ranges(blk, &d))
		problem(k, d.code, sec, NULL, -1, "block at offset %u: %s",
			blk->off, d.msg);
}

static bool is_twin(const struct bpfcancel_obj *obj,
		    const struct bpfcancel_func *f)
{
	struct bpfcancel_pair p;

	return !bpfcancel_obj__func_pair(obj, f, &p) && p.cold == f;
}

/*
 * Nothing outside the twins may call or take the address of a twin: stock
 * libbpf appends every subprogram the hot code references.
 */
static void check_hot_refs(struct chk *k)
{
	const struct bpfcancel_obj *obj = k->obj;
	int i;

	if (!obj->pair_cnt)
		return;
	for (i = 0; i < obj->func_cnt; i++) {
		const struct bpfcancel_func *f = &obj->funcs[i], *t;
		__u32 j;

		if (is_twin(obj, f))
			continue;
		for (j = 0; j < f->insn_cnt; j++) {
			const struct bpf_insn *insn = &f->insns[j];
			bool ld = insn->code == (BPF_LD | BPF_IMM | BPF_DW);

			if (!ld && insn->code != (BPF_JMP | BPF_CALL))
				continue;
			t = bc_insn_target(obj, f, j);
			if (t && is_twin(obj, t))
				problem(k, BPF_CANCEL_E_TWIN_SCOPE,
					bpfcancel_func__sec_name(f), f->name, j,
					"%s twin '%s': only twins may reference twins (stock libbpf would load it with the hot code)",
					ld ? "takes the address of" : "calls",
					t->name);
			if (ld)
				j++;
		}
	}
}

static int walk(struct chk *k)
{
	const struct bpfcancel_obj *obj = k->obj;
	struct bpf_cancel_site *sites = NULL;
	__u32 nblk = 0;
	int si, err = 0;

	k->claimed = malloc(sizeof(int) * (obj->func_cnt ? (size_t)obj->func_cnt : 1));
	if (!k->claimed)
		return -ENOMEM;
	for (int i = 0; i < obj->func_cnt; i++)
		k->claimed[i] = -1;

	for (si = 1; si < obj->sec_cnt; si++) {
		const struct bc_sec *s = &obj->secs[si];
		struct bpf_cancel_block blk;
		struct bpf_cancel_diag d;
		__u32 pos = 0;
		int r;

		if (strcmp(s->name, BPF_CANCEL_SEC))
			continue;
		if (s->type == SHT_NOBITS || (s->size && !s->data)) {
			problem(k, BPF_CANCEL_E_TRUNCATED, s->name, NULL, -1,
				"section has no data in the file");
			continue;
		}
		if (s->size > UINT32_MAX) {
			problem(k, BPF_CANCEL_E_TOTAL_LEN, s->name, NULL, -1,
				"section larger than 4 GiB");
			continue;
		}
		while ((r = bpf_cancel_next_block(s->data, (__u32)s->size,
						  &pos, &blk, &d)) != 0) {
			__u32 i;

			if (r < 0) {
				problem(k, d.code, s->name, NULL, -1, "%s",
					d.msg);
				break;
			}
			check_site_ranges(k, s->name, &blk);
			for (i = 0; i < blk.func_cnt; i++) {
				const struct bpfcancel_func *hot, *cold;
				struct bpf_cancel_func fr;
				__u32 off = bpf_cancel_func_rec_off(&blk, i);
				bool sites_ok;
				const char *hn;

				bpf_cancel_read_func(&blk, i, &fr);
				sites_ok = !bpf_cancel_check_func_rec(&blk, i,
								      &fr, &d);
				if (!sites_ok)
					problem(k, d.code, s->name, NULL, -1,
						"block at offset %u: %s",
						blk.off, d.msg);
				hot = rec_ref(k, si, i, off, "hot");
				cold = rec_ref(k, si, i, off + 8, "cold");
				if (!hot || !cold)
					continue;
				hn = hot->name;
				if (hot == cold) {
					problem(k, BPF_CANCEL_E_SAME_FUNC,
						bpfcancel_func__sec_name(hot),
						hn, -1,
						"func record %u: hot and twin are the same function",
						i);
					continue;
				}
				if (k->claimed[hot->idx] >= 0 ||
				    k->claimed[cold->idx] >= 0) {
					const struct bpfcancel_func *f =
						k->claimed[hot->idx] >= 0 ?
						hot : cold;

					problem(k, BPF_CANCEL_E_DUP_FUNC,
						bpfcancel_func__sec_name(f),
						f->name, -1,
						"func record %u: function already appears in another record",
						i);
					continue;
				}
				k->claimed[hot->idx] = (int)i;
				k->claimed[cold->idx] = (int)i;
				if (k->collect) {
					if (sites_ok) {
						err = add_pair(k, hot, cold,
							       nblk, i, &fr,
							       &blk);
						if (err)
							goto out;
					}
					continue;
				}
				if (cold->global ||
				    strcmp(bpfcancel_func__sec_name(cold),
					   ".text")) {
					problem(k, BPF_CANCEL_E_TWIN_SCOPE,
						bpfcancel_func__sec_name(cold),
						cold->name, -1,
						"twin of '%s' must be a local (STB_LOCAL) function in .text, so that stock libbpf ignores it (is %s in '%s')",
						hn, cold->global ?
						"global" : "local",
						bpfcancel_func__sec_name(cold));
				}
				if (fr.insn_cnt != hot->insn_cnt ||
				    fr.insn_cnt != cold->insn_cnt) {
					problem(k, BPF_CANCEL_E_FUNC_SIZE,
						bpfcancel_func__sec_name(hot),
						hn, -1,
						"func record %u says %u insns, hot symbol has %u, twin '%s' has %u",
						i, fr.insn_cnt, hot->insn_cnt,
						cold->name, cold->insn_cnt);
					continue;
				}
				if (!sites_ok)
					continue;
				free(sites);
				sites = calloc(fr.site_cnt ? fr.site_cnt : 1,
					       sizeof(*sites));
				if (!sites) {
					err = -ENOMEM;
					goto out;
				}
				for (__u32 j = 0; j < fr.site_cnt; j++)
					bpf_cancel_read_site(&blk,
							     fr.site_idx + j,
							     &sites[j]);
				if (bpf_cancel_check_sites(hot->insns,
							   hot->insn_cnt,
							   sites, fr.site_cnt,
							   &d)) {
					problem(k, d.code,
						bpfcancel_func__sec_name(hot),
						hn,
						d.insn == BPF_CANCEL_NO_INSN ?
						-1 : (__s64)d.insn,
						"%s", strip_insn(d.msg));
					continue;
				}
				check_pair_insns(k, hot, cold, sites,
						 fr.site_cnt);
				{
					int u = bpfcancel_insns__uncut_loops(
						hot->insns, hot->insn_cnt,
						sites, fr.site_cnt);

					if (u >= 0 && (__u32)u != fr.uncut_loops)
						problem(k, BPF_CANCEL_E_UNCUT,
							bpfcancel_func__sec_name(hot),
							hn, -1,
							"func record %u: uncut_loops is %u, but %d loop(s) of the twin cannot be cut short",
							i, fr.uncut_loops, u);
				}
			}
			nblk++;
		}
	}
	if (!k->collect)
		check_hot_refs(k);
out:
	free(sites);
	free(k->claimed);
	k->claimed = NULL;
	return err;
}

void bc_free_pairs(struct bpfcancel_obj *obj)
{
	int i;

	for (i = 0; i < obj->pair_cnt; i++)
		free(obj->pairs[i].sites);
	free(obj->pairs);
	obj->pairs = NULL;
	obj->pair_cnt = 0;
}

int bc_collect_pairs(struct bpfcancel_obj *obj)
{
	struct chk k = { .obj = obj, .collect = true };
	int err, i;

	err = walk(&k);
	if (err) {
		for (i = 0; i < k.pair_cnt; i++)
			free(k.pairs[i].sites);
		free(k.pairs);
		return err;
	}
	obj->pairs = k.pairs;
	obj->pair_cnt = k.pair_cnt;
	obj->func_pair = malloc(sizeof(int) *
				(obj->func_cnt ? (size_t)obj->func_cnt : 1));
	if (!obj->func_pair)
		return -ENOMEM;
	for (i = 0; i < obj->func_cnt; i++)
		obj->func_pair[i] = -1;
	for (i = 0; i < obj->pair_cnt; i++)
		obj->func_pair[obj->pairs[i].pub.hot->idx] = i;
	return 0;
}

int bpfcancel_obj__pair_cnt(const struct bpfcancel_obj *obj)
{
	return obj->pair_cnt;
}

int bpfcancel_obj__pair(const struct bpfcancel_obj *obj, int idx,
			struct bpfcancel_pair *pair)
{
	if (idx < 0 || idx >= obj->pair_cnt || !pair)
		return bc_err(EINVAL);
	*pair = obj->pairs[idx].pub;
	return 0;
}

int bpfcancel_obj__func_pair(const struct bpfcancel_obj *obj,
			     const struct bpfcancel_func *func,
			     struct bpfcancel_pair *pair)
{
	int i;

	if (obj->func_pair && func->obj == obj && obj->func_pair[func->idx] >= 0) {
		if (pair)
			*pair = obj->pairs[obj->func_pair[func->idx]].pub;
		return 0;
	}
	for (i = 0; i < obj->pair_cnt; i++) {
		if (obj->pairs[i].pub.hot == func ||
		    obj->pairs[i].pub.cold == func) {
			if (pair)
				*pair = obj->pairs[i].pub;
			return 0;
		}
	}
	return bc_err(ENOENT);
}

int bpfcancel_obj__check_opts(const struct bpfcancel_obj *obj,
			      const struct bpfcancel_policy *policy,
			      bpfcancel_report_fn report, void *ctx,
			      const struct bpfcancel_check_opts *opts)
{
	struct bpfcancel_check_opts o = { 0 };
	struct bpfcancel_policy *own = NULL;
	struct chk k = { .obj = obj, .report = report, .ctx = ctx };
	int err;

	if (!obj)
		return bc_err(EINVAL);
	if (opts) {
		if (opts->sz < sizeof(size_t))
			return bc_err(EINVAL);
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	k.strict_twin_calls = o.strict_twin_calls;
	if (!policy) {
		own = bpfcancel_policy__default();
		if (!own)
			return bc_err(errno ? errno : EINVAL);
		policy = own;
	}
	k.policy = policy;
	err = walk(&k);
	bpfcancel_policy__free(own);
	if (err)
		return bc_err(-err);
	return k.problems;
}

int bpfcancel_obj__check(const struct bpfcancel_obj *obj,
			 const struct bpfcancel_policy *policy,
			 bpfcancel_report_fn report, void *ctx)
{
	return bpfcancel_obj__check_opts(obj, policy, report, ctx, NULL);
}

int bpfcancel_obj__cmp_hot(const struct bpfcancel_obj *plain,
			   const struct bpfcancel_obj *flagged,
			   bpfcancel_report_fn report, void *ctx)
{
	struct chk k = { .obj = flagged, .report = report, .ctx = ctx };
	int i;

	if (!plain || !flagged)
		return bc_err(EINVAL);
	for (i = 0; i < plain->func_cnt; i++) {
		const struct bpfcancel_func *p = &plain->funcs[i], *f = NULL;
		const char *sec = bpfcancel_func__sec_name(p);
		__u32 j;

		for (int m = 0; m < flagged->func_cnt; m++) {
			const struct bpfcancel_func *c = &flagged->funcs[m];

			if (!strcmp(c->name, p->name) &&
			    !strcmp(bpfcancel_func__sec_name(c), sec)) {
				f = c;
				break;
			}
		}
		if (!f) {
			problem(&k, BPF_CANCEL_E_HOT_MISSING, sec, p->name, -1,
				"function of the plain build is missing from the flagged build");
			continue;
		}
		if (f->insn_cnt != p->insn_cnt) {
			problem(&k, BPF_CANCEL_E_HOT_DIFF, sec, p->name, -1,
				"%u insns in the plain build, %u in the flagged build",
				p->insn_cnt, f->insn_cnt);
			continue;
		}
		for (j = 0; j < p->insn_cnt; j++) {
			const struct bc_rel *rp, *rf;
			char a[64], b[64];

			if (memcmp(&p->insns[j], &f->insns[j],
				   sizeof(struct bpf_insn))) {
				bpf_cancel_insn_str(&p->insns[j], a, sizeof(a));
				bpf_cancel_insn_str(&f->insns[j], b, sizeof(b));
				problem(&k, BPF_CANCEL_E_HOT_DIFF, sec,
					p->name, j,
					"instruction differs (plain %s, flagged %s)",
					a, b);
				break;
			}
			rp = bc_find_rel(plain, p->sec_idx,
					 ((__u64)p->insn_off + j) * BC_INSN_SZ);
			rf = bc_find_rel(flagged, f->sec_idx,
					 ((__u64)f->insn_off + j) * BC_INSN_SZ);
			if (!rp && !rf)
				continue;
			if (rp && rf && rp->type == rf->type &&
			    !strcmp(sym_label(plain, &plain->syms[rp->sym]),
				    sym_label(flagged,
					      &flagged->syms[rf->sym]))) {
				continue;
			}
			problem(&k, BPF_CANCEL_E_HOT_DIFF, sec, p->name, j,
				"relocation differs (plain %s%s type %u, flagged %s%s type %u)",
				rp ? "against " : "none",
				rp ? sym_label(plain, &plain->syms[rp->sym]) : "",
				rp ? rp->type : 0,
				rf ? "against " : "none",
				rf ? sym_label(flagged,
					       &flagged->syms[rf->sym]) : "",
				rf ? rf->type : 0);
			break;
		}
	}
	return k.problems;
}
