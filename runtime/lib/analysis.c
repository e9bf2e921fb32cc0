// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * analysis.c - per-function analysis: site classification, "can this
 * function run long", bpf2bpf callees, and the loop analysis that finds
 * loops a twin cannot cut short.
 */
#include <stdlib.h>
#include <elf.h>
#include "internal.h"

static bool is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static const struct bpfcancel_func *
resolve_in_sec(const struct bpfcancel_obj *obj, int sec, __s64 insn)
{
	if (insn < 0 || insn > UINT32_MAX)
		return NULL;
	return bc_func_at(obj, sec, (__u32)insn);
}

const struct bpfcancel_func *bc_insn_target(const struct bpfcancel_obj *obj,
					    const struct bpfcancel_func *func,
					    __u32 idx)
{
	const struct bpf_insn *insn;
	const struct bc_rel *r;
	const struct bc_sym *y;
	__s64 sec_idx = (__s64)func->insn_off + idx;

	if (idx >= func->insn_cnt || !func->insns)
		return NULL;
	insn = &func->insns[idx];
	r = bc_find_rel(obj, func->sec_idx, (__u64)sec_idx * BC_INSN_SZ);
	y = r ? &obj->syms[r->sym] : NULL;
	if (y && (y->shndx == SHN_UNDEF || y->shndx >= obj->sec_cnt ||
		  !(obj->secs[y->shndx].flags & SHF_EXECINSTR)))
		y = NULL;

	if (insn->code == (BPF_JMP | BPF_CALL) &&
	    insn->src_reg == BPF_CANCEL_PSEUDO_CALL) {
		if (r && !y)
			return NULL;
		if (y)
			return resolve_in_sec(obj, y->shndx,
					      (__s64)(y->value / BC_INSN_SZ) +
					      insn->imm + 1);
		return resolve_in_sec(obj, func->sec_idx,
				      sec_idx + insn->imm + 1);
	}
	if (is_ldimm64(insn) && idx + 1 < func->insn_cnt) {
		if (y) {
			__s64 off;

			/* a symbol value from the file: no section is that large,
			 * and the sum must not overflow
			 */
			if (y->value > ((__u64)1 << 62))
				return NULL;
			off = (__s64)y->value + insn->imm;

			if (off < 0 || off % BC_INSN_SZ)
				return NULL;
			return resolve_in_sec(obj, y->shndx,
					      off / (__s64)BC_INSN_SZ);
		}
		if (!r && insn->src_reg == BPF_CANCEL_PSEUDO_FUNC)
			return resolve_in_sec(obj, func->sec_idx,
					      sec_idx + insn->imm + 1);
	}
	return NULL;
}

/*
 * In an ELF object a kfunc call is "call -1", src_reg BPF_PSEUDO_CALL,
 * relocated against an undefined (extern) symbol.
 */
bool bc_is_extern_call(const struct bpfcancel_obj *obj,
		       const struct bpfcancel_func *func, __u32 idx)
{
	const struct bc_rel *r;

	r = bc_find_rel(obj, func->sec_idx,
			((__u64)func->insn_off + idx) * BC_INSN_SZ);
	return r && obj->syms[r->sym].shndx == SHN_UNDEF;
}

int bpfcancel_func__classify(const struct bpfcancel_obj *obj,
			     const struct bpfcancel_func *func, __u32 insn_idx,
			     const struct bpfcancel_policy *policy,
			     struct bpfcancel_site_class *out)
{
	struct bpfcancel_policy_entry e;
	const struct bpf_insn *insn;
	struct bpfcancel_reloc rel;
	int err;

	if (!obj || !func || !policy || !out || insn_idx >= func->insn_cnt ||
	    !func->insns)
		return bc_err(EINVAL);
	memset(out, 0, sizeof(*out));
	insn = &func->insns[insn_idx];

	if (insn->code == (BPF_JMP | BPF_CANCEL_JCOND) &&
	    insn->src_reg == BPF_CANCEL_MAY_GOTO) {
		out->cls = BPFCANCEL_CLASS_SITE;
		out->kind = BPF_CANCEL_SITE_MAY_GOTO;
		return out->cls;
	}
	if (insn->code != (BPF_JMP | BPF_CALL))
		return BPFCANCEL_CLASS_NONE;

	if (insn->src_reg == BPF_CANCEL_PSEUDO_CALL &&
	    !bc_is_extern_call(obj, func, insn_idx)) {
		const struct bpfcancel_func *t;

		out->cls = BPFCANCEL_CLASS_BPF2BPF;
		t = bc_insn_target(obj, func, insn_idx);
		out->callee = t ? t->name : "";
		return out->cls;
	}
	if (insn->src_reg == 0) {
		out->helper_id = (__u32)insn->imm;
		out->callee = "";
		err = bpfcancel_policy__helper(policy, (__u32)insn->imm, &e);
		if (!err)
			out->callee = e.name;
		if (!err && e.denied) {
			out->cls = BPFCANCEL_CLASS_DENIED;
			out->reason = e.reason;
		} else if (!err) {
			out->cls = BPFCANCEL_CLASS_SITE;
			out->kind = e.kind;
			out->imm = e.imm;
		} else if (insn->imm == BPF_CANCEL_FUNC_TAIL_CALL) {
			out->cls = BPFCANCEL_CLASS_SITE;
			out->kind = BPF_CANCEL_SITE_TAIL_CALL;
			out->callee = "tail_call";
		} else {
			out->cls = BPFCANCEL_CLASS_UNLISTED;
		}
		return out->cls;
	}
	if (insn->src_reg == BPF_CANCEL_PSEUDO_KFUNC ||
	    insn->src_reg == BPF_CANCEL_PSEUDO_CALL) {
		out->callee = "";
		if (bpfcancel_func__insn_reloc(obj, func, insn_idx, &rel)) {
			out->cls = BPFCANCEL_CLASS_UNLISTED;
			return out->cls;
		}
		out->callee = rel.sym_name;
		err = bpfcancel_policy__kfunc(policy, rel.sym_name, &e);
		if (err) {
			out->cls = BPFCANCEL_CLASS_UNLISTED;
		} else if (e.denied) {
			out->cls = BPFCANCEL_CLASS_DENIED;
			out->reason = e.reason;
		} else {
			out->cls = BPFCANCEL_CLASS_SITE;
			out->kind = e.kind;
			out->imm = e.imm;
		}
		return out->cls;
	}
	out->cls = BPFCANCEL_CLASS_UNLISTED;
	out->callee = "";
	return out->cls;
}

int bpfcancel_func__sites(const struct bpfcancel_obj *obj,
			  const struct bpfcancel_func *func,
			  const struct bpfcancel_policy *policy,
			  struct bpf_cancel_site *sites, size_t cap)
{
	struct bpfcancel_site_class sc;
	__u32 i;
	int n = 0, cls;

	if (!obj || !func || !policy)
		return bc_err(EINVAL);
	for (i = 0; i < func->insn_cnt; i++) {
		if (is_ldimm64(&func->insns[i])) {
			i++;
			continue;
		}
		cls = bpfcancel_func__classify(obj, func, i, policy, &sc);
		if (cls < 0)
			return cls;
		if (cls != BPFCANCEL_CLASS_SITE)
			continue;
		if ((size_t)n < cap) {
			memset(&sites[n], 0, sizeof(sites[n]));
			sites[n].insn_off = i;
			sites[n].kind = (__u16)sc.kind;
			sites[n].imm = sc.imm;
		}
		n++;
	}
	return n;
}

/* jump target of insn i, or -1 if i does not jump; *cond if conditional */
static __s64 jump_target(const struct bpf_insn *insn, __u32 i, bool *cond)
{
	__u8 cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);

	*cond = false;
	if (cls != BPF_JMP && cls != BPF_JMP32)
		return -1;
	if (op == BPF_CALL || op == BPF_EXIT)
		return -1;
	if (op == BPF_JA)
		return (__s64)i + 1 +
		       (cls == BPF_JMP32 ? insn->imm : insn->off);
	*cond = true;
	return (__s64)i + 1 + insn->off;
}

/*
 * The latch of the first loop of insns in instruction order: the source of
 * a retreating edge of a depth-first walk from the entry, i.e. a cycle the
 * program can take. A backward jump alone is not one: block placement puts
 * forward-only code out of order (seen on fully unrolled loops). Returns
 * the index, UINT32_MAX when there is no loop, or a negative errno.
 */
static __s64 first_latch(const struct bpf_insn *insns, __u32 insn_cnt)
{
	struct bpfcancel_loop *loops;
	__s64 latch = UINT32_MAX;
	int n, i;

	n = bpfcancel_insns__loops(insns, insn_cnt, NULL, 0, NULL, 0);
	if (n <= 0)
		return n < 0 ? n : latch;
	loops = calloc((size_t)n, sizeof(*loops));
	if (!loops)
		return bc_err(ENOMEM);
	n = bpfcancel_insns__loops(insns, insn_cnt, NULL, 0, loops, (size_t)n);
	for (i = 0; i < n; i++)
		if (loops[i].back_edge < latch)
			latch = loops[i].back_edge;
	free(loops);
	return n < 0 ? n : latch;
}

int bpfcancel_func__long_reason(const struct bpfcancel_obj *obj,
				const struct bpfcancel_func *func,
				const struct bpfcancel_policy *policy,
				__u32 *insn_idx)
{
	struct bpfcancel_site_class sc;
	__s64 latch;
	__u32 i;
	int cls;

	if (!obj || !func || !policy)
		return bc_err(EINVAL);
	latch = first_latch(func->insns, func->insn_cnt);
	if (latch < 0)
		return (int)latch;
	for (i = 0; i < func->insn_cnt; i++) {
		const struct bpf_insn *insn = &func->insns[i];
		int why = BPFCANCEL_LONG_NONE;

		if (i == latch) {
			why = BPFCANCEL_LONG_LOOP;
		} else if (is_ldimm64(insn)) {
			i++;
			continue;
		} else if (insn->code == (BPF_JMP | BPF_CANCEL_JCOND)) {
			why = BPFCANCEL_LONG_MAY_GOTO;
		} else if (insn->code == (BPF_JMP | BPF_CALL)) {
			cls = bpfcancel_func__classify(obj, func, i, policy,
						       &sc);
			if (cls < 0)
				return cls;
			if (cls == BPFCANCEL_CLASS_SITE &&
			    sc.kind == BPF_CANCEL_SITE_ITER_NEXT)
				why = BPFCANCEL_LONG_ITER_NEXT;
			else if (cls == BPFCANCEL_CLASS_SITE &&
				 sc.kind == BPF_CANCEL_SITE_CALLBACK)
				why = BPFCANCEL_LONG_CALLBACK;
		}
		if (why) {
			if (insn_idx)
				*insn_idx = i;
			return why;
		}
	}
	return BPFCANCEL_LONG_NONE;
}

int bpfcancel_func__callees(const struct bpfcancel_obj *obj,
			    const struct bpfcancel_func *func,
			    const struct bpfcancel_func **callees, size_t cap)
{
	const struct bpfcancel_func *t;
	char *seen;
	__u32 i;
	int n = 0;

	if (!obj || !func)
		return bc_err(EINVAL);
	seen = calloc(obj->func_cnt ? (size_t)obj->func_cnt : 1, 1);
	if (!seen)
		return bc_err(ENOMEM);
	for (i = 0; i < func->insn_cnt; i++) {
		const struct bpf_insn *insn = &func->insns[i];
		bool call = insn->code == (BPF_JMP | BPF_CALL) &&
			    insn->src_reg == BPF_CANCEL_PSEUDO_CALL &&
			    !bc_is_extern_call(obj, func, i);
		bool ld = is_ldimm64(insn);

		if (!call && !ld)
			continue;
		t = bc_insn_target(obj, func, i);
		if (ld)
			i++;
		if (!t) {
			if (call) {
				free(seen);
				return bc_err(ENOENT);
			}
			continue;	/* map or data reference */
		}
		if (seen[t->idx])
			continue;
		seen[t->idx] = 1;
		if ((size_t)n < cap)
			callees[n] = t;
		n++;
	}
	free(seen);
	return n;
}

/* ------------------------------------------------------------------ */
/* Loop analysis                                                        */
/* ------------------------------------------------------------------ */

struct la {
	const struct bpf_insn *hot;
	struct bpf_insn *twin;
	__u32 n;
	__u8 *slot2;	/* 2nd slot of an ld_imm64 */
	__u8 *leader;
	__s8 *fold;	/* -1: both edges, 0: fall-through only, 1: taken */
	__u32 *stamp;
};

/* successors of i in the hot (twin = false) or folded twin CFG */
static int succs(const struct la *a, __u32 i, bool twin, __u32 out[2])
{
	const struct bpf_insn *insn = twin ? &a->twin[i] : &a->hot[i];
	__u8 cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	__s64 cand[2];
	int nc = 0, n = 0, k;
	bool cond;
	__s64 t;

	if (is_ldimm64(insn)) {
		cand[nc++] = (__s64)i + 2;
	} else if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT) {
		nc = 0;
	} else {
		t = jump_target(insn, i, &cond);
		if (t < 0) {
			cand[nc++] = (__s64)i + 1;
		} else if (!cond) {
			cand[nc++] = t;
		} else if (twin && a->fold[i] == 0) {
			cand[nc++] = (__s64)i + 1;
		} else if (twin && a->fold[i] == 1) {
			cand[nc++] = t;
		} else {
			cand[nc++] = (__s64)i + 1;
			cand[nc++] = t;
		}
	}
	for (k = 0; k < nc; k++)
		if (cand[k] >= 0 && cand[k] < (__s64)a->n &&
		    !a->slot2[cand[k]])
			out[n++] = (__u32)cand[k];
	return n;
}

static bool eval_jmp(__u8 op, bool is32, __u64 x, __u64 y, bool *taken)
{
	__s64 sx, sy;

	if (is32) {
		x = (__u32)x;
		y = (__u32)y;
		sx = (__s32)x;
		sy = (__s32)y;
	} else {
		sx = (__s64)x;
		sy = (__s64)y;
	}
	switch (op) {
	case BPF_JEQ:	*taken = x == y; break;
	case BPF_JNE:	*taken = x != y; break;
	case BPF_JGT:	*taken = x > y; break;
	case BPF_JGE:	*taken = x >= y; break;
	case BPF_JLT:	*taken = x < y; break;
	case BPF_JLE:	*taken = x <= y; break;
	case BPF_JSGT:	*taken = sx > sy; break;
	case BPF_JSGE:	*taken = sx >= sy; break;
	case BPF_JSLT:	*taken = sx < sy; break;
	case BPF_JSLE:	*taken = sx <= sy; break;
	case BPF_JSET:	*taken = (x & y) != 0; break;
	default:	return false;
	}
	return true;
}

/* constant-fold the twin's conditional jumps, block by block */
static void fold_twin(struct la *a)
{
	bool known[MAX_BPF_REG];
	__u64 val[MAX_BPF_REG];
	__u32 i;

	for (i = 0; i < a->n; i++) {
		const struct bpf_insn *insn = &a->twin[i];
		__u8 cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
		__u8 dst = insn->dst_reg & 0xf, src = insn->src_reg & 0xf;
		bool cond, taken;
		__s64 t;

		a->fold[i] = -1;
		if (a->slot2[i])
			continue;
		if (a->leader[i])
			memset(known, 0, sizeof(known));
		if (dst >= MAX_BPF_REG || src >= MAX_BPF_REG) {
			memset(known, 0, sizeof(known));
			continue;
		}
		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64:
			if (op == BPF_MOV && insn->off == 0) {
				__u64 v;

				if (BPF_SRC(insn->code) == BPF_K) {
					v = (__u64)(__s64)insn->imm;
				} else if (known[src]) {
					v = val[src];
				} else {
					known[dst] = false;
					break;
				}
				if (cls == BPF_ALU)
					v = (__u32)v;
				known[dst] = true;
				val[dst] = v;
				break;
			}
			known[dst] = false;
			break;
		case BPF_LD:
		case BPF_LDX:
			known[dst] = false;
			if (cls == BPF_LD && !is_ldimm64(insn))
				known[BPF_REG_0] = false; /* ld_abs/ind */
			break;
		case BPF_ST:
			break;
		case BPF_STX:
			if (BPF_MODE(insn->code) == BPF_ATOMIC) {
				known[src] = false;
				known[BPF_REG_0] = false;
			}
			break;
		case BPF_JMP:
		case BPF_JMP32:
			if (op == BPF_CALL) {
				for (int r = BPF_REG_0; r <= BPF_REG_5; r++)
					known[r] = false;
				break;
			}
			t = jump_target(insn, i, &cond);
			if (t < 0 || !cond ||
			    insn->code == (BPF_JMP | BPF_CANCEL_JCOND))
				break;
			if (!known[dst])
				break;
			if (BPF_SRC(insn->code) == BPF_X && !known[src])
				break;
			if (eval_jmp(op, cls == BPF_JMP32, val[dst],
				     BPF_SRC(insn->code) == BPF_K ?
				     (__u64)(__s64)insn->imm : val[src],
				     &taken))
				a->fold[i] = taken ? 1 : 0;
			break;
		default:
			memset(known, 0, sizeof(known));
			break;
		}
	}
}

struct la_edge {
	__u32 from, to;
};

int bpfcancel_insns__loops(const struct bpf_insn *insns, __u32 insn_cnt,
			   const struct bpf_cancel_site *sites, __u32 site_cnt,
			   struct bpfcancel_loop *loops, size_t cap)
{
	struct la a = { .hot = insns, .n = insn_cnt };
	__u32 *stack = NULL, *edge = NULL, *queue = NULL, *hdr_back = NULL;
	__u32 *pred_start = NULL, *preds = NULL, *in_body = NULL;
	struct la_edge *back = NULL;
	__u8 *color = NULL;
	__u32 i, sp, nloops = 0, nback = 0, out[2], li = 0, stampv = 0;
	int err = 0, ns, k;

	if (!insn_cnt)
		return 0;
	if (!insns)
		return bc_err(EINVAL);
	for (i = 0; i < site_cnt; i++)
		if (sites[i].insn_off >= insn_cnt)
			return bc_err(EINVAL);
	a.twin = malloc(sizeof(*a.twin) * insn_cnt);
	a.slot2 = calloc(insn_cnt, 1);
	a.leader = calloc(insn_cnt, 1);
	a.fold = malloc(insn_cnt);
	a.stamp = calloc(insn_cnt, sizeof(*a.stamp));
	stack = malloc(sizeof(*stack) * insn_cnt);
	edge = malloc(sizeof(*edge) * insn_cnt);
	queue = malloc(sizeof(*queue) * insn_cnt);
	hdr_back = malloc(sizeof(*hdr_back) * insn_cnt);
	in_body = calloc(insn_cnt, sizeof(*in_body));
	pred_start = calloc((size_t)insn_cnt + 1, sizeof(*pred_start));
	preds = malloc(sizeof(*preds) * 2 * (size_t)insn_cnt);
	back = malloc(sizeof(*back) * 2 * (size_t)insn_cnt);
	color = calloc(insn_cnt, 1);
	if (!a.twin || !a.slot2 || !a.leader || !a.fold || !a.stamp ||
	    !stack || !edge || !queue || !hdr_back || !color || !in_body ||
	    !pred_start || !preds || !back) {
		err = bc_err(ENOMEM);
		goto out;
	}

	memcpy(a.twin, insns, sizeof(*a.twin) * insn_cnt);
	for (i = 0; i < insn_cnt; i++)
		if (is_ldimm64(&insns[i]) && i + 1 < insn_cnt)
			a.slot2[++i] = 1;
	for (i = 0; i < site_cnt; i++) {
		struct bpf_insn c;

		if (a.slot2[sites[i].insn_off] ||
		    bpf_cancel_cold_insn(&insns[sites[i].insn_off], &sites[i],
					 &c)) {
			err = bc_err(EINVAL);
			goto out;
		}
		a.twin[sites[i].insn_off] = c;
	}
	/* leaders from the hot CFG */
	a.leader[0] = 1;
	for (i = 0; i < insn_cnt; i++) {
		bool cond;
		__s64 t;

		if (a.slot2[i])
			continue;
		t = jump_target(&insns[i], i, &cond);
		if (t >= 0 && t < (__s64)insn_cnt)
			a.leader[t] = 1;
		if ((t >= 0 || insns[i].code == (BPF_JMP | BPF_EXIT)) &&
		    i + 1 < insn_cnt)
			a.leader[i + 1] = 1;
	}
	fold_twin(&a);

	/* predecessors of the hot CFG (CSR) */
	for (i = 0; i < insn_cnt; i++) {
		if (a.slot2[i])
			continue;
		ns = succs(&a, i, false, out);
		for (k = 0; k < ns; k++)
			pred_start[out[k] + 1]++;
	}
	for (i = 0; i < insn_cnt; i++)
		pred_start[i + 1] += pred_start[i];
	memcpy(edge, pred_start, sizeof(*edge) * insn_cnt);
	for (i = 0; i < insn_cnt; i++) {
		if (a.slot2[i])
			continue;
		ns = succs(&a, i, false, out);
		for (k = 0; k < ns; k++)
			preds[edge[out[k]]++] = i;
	}

	/* iterative DFS over the hot CFG: retreating edges close loops */
	for (i = 0; i < insn_cnt; i++)
		hdr_back[i] = UINT32_MAX;
	sp = 0;
	stack[sp] = 0;
	edge[sp++] = 0;
	color[0] = 1;
	while (sp) {
		__u32 u = stack[sp - 1];

		ns = succs(&a, u, false, out);
		if (edge[sp - 1] < (__u32)ns) {
			__u32 v = out[edge[sp - 1]++];

			if (color[v] == 1) {
				/* u -> v closes a loop headed by v */
				back[nback].from = u;
				back[nback++].to = v;
				if (hdr_back[v] == UINT32_MAX) {
					hdr_back[v] = u;
					nloops++;
				} else if (u > hdr_back[v]) {
					hdr_back[v] = u;
				}
			} else if (!color[v]) {
				color[v] = 1;
				stack[sp] = v;
				edge[sp++] = 0;
			}
		} else {
			color[u] = 2;
			sp--;
		}
	}

	/*
	 * Each header h: its natural loop body is h plus every node that
	 * reaches one of its latches without going through h. The loop is
	 * cut when, in the folded twin CFG restricted to the body, h can no
	 * longer reach itself.
	 */
	for (i = 0; i < insn_cnt; i++) {
		__u32 qh = 0, qt = 0, body, e;
		bool reach = false;

		if (hdr_back[i] == UINT32_MAX)
			continue;
		body = ++stampv;
		in_body[i] = body;
		for (e = 0; e < nback; e++) {
			if (back[e].to != i || in_body[back[e].from] == body)
				continue;
			in_body[back[e].from] = body;
			queue[qt++] = back[e].from;
		}
		while (qh < qt) {
			__u32 u = queue[qh++];

			for (e = pred_start[u]; e < pred_start[u + 1]; e++) {
				__u32 p = preds[e];

				if (in_body[p] != body) {
					in_body[p] = body;
					queue[qt++] = p;
				}
			}
		}
		/* forward search in the twin, inside the body */
		qh = qt = 0;
		ns = succs(&a, i, true, out);
		for (k = 0; k < ns; k++) {
			if (in_body[out[k]] == body &&
			    a.stamp[out[k]] != body) {
				a.stamp[out[k]] = body;
				queue[qt++] = out[k];
			}
		}
		while (qh < qt && !reach) {
			__u32 u = queue[qh++];

			if (u == i) {
				reach = true;
				break;
			}
			ns = succs(&a, u, true, out);
			for (k = 0; k < ns; k++) {
				if (in_body[out[k]] == body &&
				    a.stamp[out[k]] != body) {
					a.stamp[out[k]] = body;
					queue[qt++] = out[k];
				}
			}
		}
		if (li < cap) {
			loops[li].header = i;
			loops[li].back_edge = hdr_back[i];
			loops[li].cut = !reach;
		}
		li++;
	}
	err = (int)nloops;
out:
	free(a.twin);
	free(a.slot2);
	free(a.leader);
	free(a.fold);
	free(a.stamp);
	free(stack);
	free(edge);
	free(queue);
	free(hdr_back);
	free(in_body);
	free(pred_start);
	free(preds);
	free(back);
	free(color);
	return err;
}

int bpfcancel_insns__uncut_loops(const struct bpf_insn *insns,
				 __u32 insn_cnt,
				 const struct bpf_cancel_site *sites,
				 __u32 site_cnt)
{
	struct bpfcancel_loop *loops;
	int n, i, uncut = 0;

	n = bpfcancel_insns__loops(insns, insn_cnt, sites, site_cnt, NULL, 0);
	if (n <= 0)
		return n;
	loops = calloc((size_t)n, sizeof(*loops));
	if (!loops)
		return bc_err(ENOMEM);
	n = bpfcancel_insns__loops(insns, insn_cnt, sites, site_cnt, loops,
				   (size_t)n);
	for (i = 0; i < n; i++)
		if (!loops[i].cut)
			uncut++;
	free(loops);
	return n < 0 ? n : uncut;
}

const char *bpfcancel_site_kind_str(int kind)
{
	return bpf_cancel_kind_str(kind);
}

const char *bpfcancel_long_str(int reason)
{
	switch (reason) {
	case BPFCANCEL_LONG_NONE:	return "none";
	case BPFCANCEL_LONG_LOOP:	return "loop";
	case BPFCANCEL_LONG_MAY_GOTO:	return "may_goto";
	case BPFCANCEL_LONG_ITER_NEXT:	return "iter-next";
	case BPFCANCEL_LONG_CALLBACK:	return "callback";
	default:			return "?";
	}
}
