// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* model.c - see model.h */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include "elfw.h"
#include "model.h"
#include "test.h"

#define R_BPF_64_64	1
#define R_BPF_64_ABS64	2
#define R_BPF_64_32	10

void model_make_cold(struct model *m)
{
	memcpy(m->cold, m->hot, sizeof(m->hot));
	for (__u32 i = 0; i < m->nsites; i++) {
		struct bpf_insn c;

		if (!bpf_cancel_cold_insn(&m->hot[m->sites[i].insn_off],
					  &m->sites[i], &c))
			m->cold[m->sites[i].insn_off] = c;
	}
}

void model_init(struct model *m)
{
	static const struct bpf_insn hot[M_N] = {
		MOV64_REG(6, 1),	/* 0 */
		LD_IMM64_LO(1),		/* 1: r1 = m ll */
		LD_IMM64_HI(),		/* 2 */
		MOV64_REG(2, 10),	/* 3 */
		ADD64_IMM(2, -4),	/* 4 */
		CALL_HELPER(1),		/* 5: map_lookup_elem */
		JEQ_IMM(0, 0, 12),	/* 6: -> 19 */
		MOV64_REG(1, 10),	/* 7: loop header */
		ADD64_IMM(1, -16),	/* 8 */
		CALL_PC(-1),		/* 9: bpf_iter_num_next (extern) */
		JEQ_IMM(0, 0, 8),	/* 10: -> 19 */
		MAY_GOTO(7),		/* 11: -> 19 */
		CALL_PC(-1),		/* 12: sub, reloc vs .text */
		MOV64_REG(1, 6),	/* 13 */
		LD_IMM64_LO(2),		/* 14: r2 = m ll */
		LD_IMM64_HI(),		/* 15 */
		MOV64_IMM(3, 0),	/* 16 */
		CALL_HELPER(12),	/* 17: tail call */
		JA(-12),		/* 18: -> 7 */
		MOV64_IMM(0, 0),	/* 19 */
		EXIT_INSN(),		/* 20 */
	};
	static const struct bpf_cancel_site sites[] = {
		{ .insn_off = 5, .kind = BPF_CANCEL_SITE_RET_NULL },
		{ .insn_off = 9, .kind = BPF_CANCEL_SITE_ITER_NEXT },
		{ .insn_off = 11, .kind = BPF_CANCEL_SITE_MAY_GOTO },
		{ .insn_off = 17, .kind = BPF_CANCEL_SITE_TAIL_CALL },
	};

	memset(m, 0, sizeof(*m));
	memcpy(m->hot, hot, sizeof(hot));
	memcpy(m->sites, sites, sizeof(sites));
	m->nsites = 4;
	m->rec_insn_cnt = M_N;
	model_make_cold(m);
}

static void put_hdr(__u8 *p, __u16 version, __u32 magic, __u32 total,
		    __u32 nf, __u32 foff, __u32 ns, __u32 soff)
{
	struct bpf_cancel_hdr h = {
		.magic = magic, .version = version,
		.hdr_len = sizeof(h), .total_len = total,
		.func_rec_size = sizeof(struct bpf_cancel_func),
		.site_rec_size = sizeof(struct bpf_cancel_site),
		.func_cnt = nf, .func_off = foff,
		.site_cnt = ns, .site_off = soff,
	};

	memcpy(p, &h, sizeof(h));
}

/* .BTF with only a string table, .BTF.ext with line info for tp/x */
static void add_btf(struct elfw *w)
{
	static const char strs[] = "\0tp/x\0model.c";
	__u32 hdr[6] = { 0x0001eB9F, 24, 0, 0, 0, sizeof(strs) };
	__u32 ext[6] = { 0x0001eB9F, 24, 0, 0, 0, 0 };
	__u32 li[] = {
		16,			/* rec_size */
		1, 3,			/* "tp/x", 3 records */
		0, 6, 0, (10u << 10) | 1,
		5 * 8, 6, 0, (15u << 10) | 5,
		9 * 8, 6, 0, (17u << 10) | 9,
	};
	int btf = elfw_add_sec(w, ".BTF", SHT_PROGBITS, 0);
	int btf_ext = elfw_add_sec(w, ".BTF.ext", SHT_PROGBITS, 0);

	elfw_append(w, btf, hdr, sizeof(hdr));
	elfw_append(w, btf, strs, sizeof(strs));
	ext[5] = sizeof(li);
	elfw_append(w, btf_ext, ext, sizeof(ext));
	elfw_append(w, btf_ext, li, sizeof(li));
}

size_t model_build(const struct model *m, __u8 **out)
{
	static const struct bpf_insn sub[M_SUB_N] = {
		MOV64_REG(0, 1), MUL64_IMM(0, 3), EXIT_INSN(),
	};
	struct bpf_insn cold[M_N];
	struct elfw w;
	int text, tp, maps, cancel, s_text, s_prog, s_sub, s_cold, s_subcold;
	int s_m, s_m2, s_ms, s_iter, cold_sec;
	__u32 cold_at, subcold_at = 0, cold_ref_sym;
	__u8 blk[1024];
	size_t len, total, foff, soff;
	int nf;
	__u64 zero = 0, field;

	elfw_init(&w);
	text = elfw_add_sec(&w, ".text", SHT_PROGBITS,
			    SHF_ALLOC | SHF_EXECINSTR);
	tp = elfw_add_sec(&w, "tp/x", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR);
	maps = elfw_add_sec(&w, ".maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE);
	cancel = elfw_add_sec(&w, BPF_CANCEL_SEC, SHT_PROGBITS, 0);
	elfw_append(&w, maps, &zero, 8);
	elfw_append(&w, maps, &zero, 8);

	s_text = elfw_add_sym(&w, "", text, 0, 0, STT_SECTION, STB_LOCAL);
	s_m = elfw_add_sym(&w, "m", maps, 0, 8, STT_OBJECT, STB_GLOBAL);
	s_m2 = elfw_add_sym(&w, "m2", maps, 8, 8, STT_OBJECT, STB_GLOBAL);
	s_iter = elfw_add_sym(&w, "bpf_iter_num_next", SHN_UNDEF, 0, 0,
			      STT_NOTYPE, STB_GLOBAL);
	s_ms = m->twin_static_m ?
	       elfw_add_sym(&w, "m", maps, 8, 8, STT_OBJECT, STB_LOCAL) : -1;

	/* .text: sub, [prog twin], [sub twin] */
	elfw_append(&w, text, sub, sizeof(sub));
	s_sub = elfw_add_sym(&w, "sub", text, 0, sizeof(sub), STT_FUNC,
			     STB_LOCAL);
	cold_sec = m->cold_in_tp ? tp : text;
	/* prog in tp/x */
	memcpy(cold, m->hot, sizeof(cold));
	if (m->hot_calls_twin)
		cold[12].imm = M_SUB_N - 1;	/* .text + 8 * M_SUB_N */
	elfw_append(&w, tp, cold, sizeof(cold));
	s_prog = elfw_add_sym(&w, "prog", tp, 0, sizeof(m->hot), STT_FUNC,
			      STB_GLOBAL);
	elfw_add_rel(&w, tp, 1 * 8, R_BPF_64_64, s_m);
	if (m->hot[9].code == (BPF_JMP | BPF_CALL))
		elfw_add_rel(&w, tp, 9 * 8, R_BPF_64_32, s_iter);
	elfw_add_rel(&w, tp, 12 * 8, R_BPF_64_32, s_text);
	elfw_add_rel(&w, tp, 14 * 8, R_BPF_64_64,
		     m->func_addr_sub ? s_text : m->hot_map2 ? s_m2 : s_m);
	if (m->bad_rel)
		elfw_add_rel(&w, tp, m->bad_rel == 1 ? 44 : 8, R_BPF_64_64,
			     s_m);
	if (m->alias_func)
		elfw_add_sym(&w, m->alias_func == 1 ? "alias" : "prog2", tp,
			     m->alias_func == 1 ? 8 : 0,
			     m->alias_func == 1 ? 16 : sizeof(m->hot),
			     STT_FUNC, STB_GLOBAL);

	cold_at = (__u32)(w.secs[cold_sec].len / 8);
	if (m->sub_twin)
		subcold_at = (__u32)(w.secs[text].len / 8) +
			     (cold_sec == text ? M_N : 0);
	memcpy(cold, m->cold, sizeof(cold));
	/* the twin's bpf2bpf call: pc-relative inside .text */
	if (cold[12].code == (BPF_JMP | BPF_CALL) && cold[12].src_reg == 1 &&
	    cold[12].imm == m->hot[12].imm && cold_sec == text)
		cold[12].imm = (__s32)((m->sub_twin && !m->twin_calls_hot_sub ?
					subcold_at : 0) -
				       (cold_at + 12) - 1);
	elfw_append(&w, cold_sec, cold, sizeof(cold));
	s_cold = elfw_add_sym(&w, "prog.bpfcancel.cold", cold_sec,
			      cold_at * 8ull, sizeof(cold), STT_FUNC,
			      m->cold_global ? STB_GLOBAL : STB_LOCAL);
	elfw_add_rel(&w, cold_sec, (cold_at + 1) * 8ull, R_BPF_64_64, s_m);
	elfw_add_rel(&w, cold_sec, (cold_at + 14) * 8ull, R_BPF_64_64,
		     m->func_addr_sub ? s_text :
		     m->twin_static_m ? s_ms :
		     (m->twin_map2 || m->hot_map2) ? s_m2 : s_m);
	if (m->site_reloc || m->iter_kept)
		elfw_add_rel(&w, cold_sec, (cold_at + 9) * 8ull, R_BPF_64_32,
			     s_iter);
	if (cold_sec != text)
		elfw_add_rel(&w, cold_sec, (cold_at + 12) * 8ull, R_BPF_64_32,
			     s_text);
	s_subcold = -1;
	if (m->sub_twin) {
		elfw_append(&w, text, sub, sizeof(sub));
		s_subcold = elfw_add_sym(&w, "sub.bpfcancel.cold", text,
					 subcold_at * 8ull, sizeof(sub),
					 STT_FUNC, STB_LOCAL);
	}

	/* .BPF.cancel */
	memset(blk, 0, sizeof(blk));
	nf = 1 + (m->sub_twin && !m->two_blocks) + m->dup_record;
	foff = sizeof(struct bpf_cancel_hdr);
	soff = foff + (size_t)nf * sizeof(struct bpf_cancel_func);
	total = soff + m->nsites * sizeof(struct bpf_cancel_site);
	total = (total + 7) & ~(size_t)7;
	put_hdr(blk, m->version ? m->version : BPF_CANCEL_VERSION,
		m->magic ? m->magic : BPF_CANCEL_MAGIC, (__u32)total,
		(__u32)nf, (__u32)foff, m->nsites, (__u32)soff);
	for (int i = 0; i < nf; i++) {
		struct bpf_cancel_func f = { 0 };
		bool is_sub = m->sub_twin && !m->two_blocks && i == 1;

		f.insn_cnt = is_sub ? M_SUB_N : m->rec_insn_cnt;
		f.site_idx = 0;
		f.site_cnt = is_sub ? (m->overlap ? 1 : 0) : m->nsites;
		f.uncut_loops = is_sub ? 0 : m->uncut;
		memcpy(blk + foff + (size_t)i * sizeof(f), &f, sizeof(f));
	}
	memcpy(blk + soff, m->sites, m->nsites * sizeof(m->sites[0]));
	if (m->cold_addend) {
		field = m->cold_addend;
		memcpy(blk + foff + 8, &field, 8);
	}
	len = total;
	if (m->junk_after) {
		__u64 junk = 0x1122334455667788ull;

		memcpy(blk + len, &junk, 8);
		len += 8;
	}
	if (m->two_blocks && m->sub_twin) {
		struct bpf_cancel_func f = { .insn_cnt = M_SUB_N };
		size_t b2 = len + 8;	/* one zero word of padding */
		size_t t2 = sizeof(struct bpf_cancel_hdr) + sizeof(f);

		put_hdr(blk + b2, BPF_CANCEL_VERSION, BPF_CANCEL_MAGIC,
			(__u32)t2, 1, sizeof(struct bpf_cancel_hdr), 0,
			(__u32)t2);
		memcpy(blk + b2 + sizeof(struct bpf_cancel_hdr), &f, sizeof(f));
		len = b2 + t2;
	}
	elfw_append(&w, cancel, blk, len - (m->cut_len < len ? m->cut_len : 0));

	/* record relocations */
	switch (m->cold_ref) {
	case 1: cold_ref_sym = (__u32)s_text; break;
	case 4: cold_ref_sym = (__u32)s_prog; break;
	case 5: cold_ref_sym = (__u32)s_m; break;
	default: cold_ref_sym = (__u32)s_cold; break;
	}
	for (int i = 0; i < nf; i++) {
		bool is_sub = m->sub_twin && !m->two_blocks && i == 1;
		__u64 ro = foff + (size_t)i * sizeof(struct bpf_cancel_func);

		elfw_add_rel(&w, cancel, ro, R_BPF_64_ABS64,
			     is_sub ? s_sub : s_prog);
		if (is_sub)
			elfw_add_rel(&w, cancel, ro + 8, R_BPF_64_ABS64,
				     s_subcold);
		else if (m->cold_ref != 2)
			elfw_add_rel(&w, cancel, ro + 8,
				     m->cold_ref == 3 ? R_BPF_64_64 :
				     R_BPF_64_ABS64, (int)cold_ref_sym);
	}
	if (m->two_blocks && m->sub_twin) {
		__u64 ro = total + (m->junk_after ? 8 : 0) + 8 +
			   sizeof(struct bpf_cancel_hdr);

		elfw_add_rel(&w, cancel, ro, R_BPF_64_ABS64, s_sub);
		elfw_add_rel(&w, cancel, ro + 8, R_BPF_64_ABS64, s_subcold);
	}
	add_btf(&w);
	len = elfw_write(&w, out);
	elfw_fini(&w);
	return len;
}
