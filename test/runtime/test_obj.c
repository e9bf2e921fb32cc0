// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_obj.c - tests of the object layer: ELF reading, policy parsing,
 * classification, loop analysis, the whole-object check on valid objects
 * and the corrupted-object suite (each corruption refused with its own
 * message), cmp-hot, and (if given) a real object compiled by clang-22.
 *
 *   test_obj [CLANG_OBJ]            run the tests
 *   test_obj --write-seeds DIR      write the valid objects as fuzz seeds
 */
#include <errno.h>
#include <elf.h>
#include <stdlib.h>
#include "bpfcancel/bpfcancel.h"
#include "bpfcancel/core.h"
#include "model.h"
#include "test.h"

#define MAXP 64

struct probs {
	int n;
	int codes[MAXP];
	char msgs[MAXP][512];
};

static void collect(void *ctx, const struct bpfcancel_problem *p)
{
	struct probs *ps = ctx;

	if (ps->n < MAXP) {
		ps->codes[ps->n] = p->code;
		snprintf(ps->msgs[ps->n], sizeof(ps->msgs[0]), "%s", p->msg);
	}
	ps->n++;
}

static struct bpfcancel_policy *pol;

static struct bpfcancel_obj *open_buf(const __u8 *b, size_t len, char *err,
				      size_t errsz)
{
	BPFCANCEL_OPTS(bpfcancel_open_opts, o, .name = "model.o",
		       .errbuf = err, .errbuf_sz = errsz);

	return bpfcancel_obj__open_mem(b, len, &o);
}

static struct bpfcancel_obj *open_model(const struct model *m)
{
	char err[256] = "";
	struct bpfcancel_obj *obj;
	__u8 *b;
	size_t len = model_build(m, &b);

	obj = open_buf(b, len, err, sizeof(err));
	free(b);
	CHECK(obj, "model opens: %s", err);
	return obj;
}

static int check_model(const struct model *m, struct probs *ps)
{
	struct bpfcancel_obj *obj = open_model(m);
	int n;

	memset(ps, 0, sizeof(*ps));
	if (!obj)
		return -1;
	n = bpfcancel_obj__check(obj, pol, collect, ps);
	bpfcancel_obj__free(obj);
	return n;
}

static void expect_problem(const char *what, const struct model *m, int code,
			   const char *needle)
{
	struct probs ps;
	int n = check_model(m, &ps), i, hit = -1;

	CHECK(n > 0 && n == ps.n, "%s: %d problems", what, n);
	for (i = 0; i < ps.n && i < MAXP; i++)
		if (ps.codes[i] == code && strstr(ps.msgs[i], needle))
			hit = i;
	CHECK(hit >= 0, "%s: no problem %s with '%s'; got %d: %s", what,
	      bpf_cancel_err_str(code), needle, ps.n,
	      ps.n ? ps.msgs[0] : "");
	if (hit >= 0)
		CHECK(!strncmp(ps.msgs[hit], "bpfcancel: model.o: section '", 29),
		      "%s: message names file and section: %s", what,
		      ps.msgs[hit]);
}

static void test_valid(void)
{
	const struct bpfcancel_func *prog, *sub, *cold, *callees[4];
	struct bpfcancel_site_class sc;
	struct bpfcancel_reloc rel;
	struct bpfcancel_loop loops[4];
	struct bpfcancel_pair pair;
	struct bpf_cancel_site sites[8];
	struct bpfcancel_obj *obj;
	struct model m;
	struct probs ps;
	const char *file;
	__u32 line, col, at;
	int n;

	model_init(&m);
	n = check_model(&m, &ps);
	CHECK(n == 0, "valid model: %d problems: %s", n, ps.n ? ps.msgs[0] : "");

	obj = open_model(&m);
	if (!obj)
		return;
	CHECK(bpfcancel_obj__func_cnt(obj) == 3, "3 functions");
	prog = bpfcancel_obj__find_func(obj, "prog");
	sub = bpfcancel_obj__find_func(obj, "sub");
	cold = bpfcancel_obj__find_func(obj, "prog.bpfcancel.cold");
	CHECK(prog && sub && cold, "functions found");
	if (!prog || !sub || !cold)
		goto out;
	CHECK(!strcmp(bpfcancel_func__sec_name(prog), "tp/x") &&
	      bpfcancel_func__is_global(prog) &&
	      bpfcancel_func__insn_cnt(prog) == M_N &&
	      bpfcancel_func__insn_off(cold) == M_SUB_N &&
	      !bpfcancel_func__is_global(cold), "function attributes");
	CHECK(!bpfcancel_obj__find_func(obj, "nope") && errno == ENOENT,
	      "missing function");
	CHECK(bpfcancel_obj__func_at(obj, bpfcancel_func__sec_idx(cold),
				     M_SUB_N) == cold, "func_at");
	CHECK(bpfcancel_obj__find_sec(obj, BPF_CANCEL_SEC) > 0, "find_sec");

	CHECK(bpfcancel_obj__pair_cnt(obj) == 1, "one pair");
	CHECK(!bpfcancel_obj__func_pair(obj, prog, &pair) && pair.cold == cold &&
	      pair.site_cnt == 4 && pair.sites[1].insn_off == 9,
	      "pair of prog");
	CHECK(bpfcancel_obj__func_pair(obj, sub, &pair) == -ENOENT,
	      "sub has no pair");

	/* relocations */
	CHECK(!bpfcancel_func__insn_reloc(obj, prog, 9, &rel) &&
	      !strcmp(rel.sym_name, "bpf_iter_num_next") &&
	      rel.sym_sec_idx == SHN_UNDEF && rel.type == 10,
	      "kfunc reloc");
	CHECK(!bpfcancel_func__insn_reloc(obj, prog, 12, &rel) &&
	      rel.sym_type == STT_SECTION && !strcmp(rel.sym_sec_name, ".text"),
	      "bpf2bpf reloc against .text");
	CHECK(bpfcancel_func__insn_reloc(obj, prog, 3, &rel) == -ENOENT,
	      "no reloc");
	CHECK(!bpfcancel_obj__insn_reloc(obj, bpfcancel_func__sec_idx(prog), 1,
					 &rel) && !strcmp(rel.sym_name, "m"),
	      "section-relative reloc lookup");

	/* classification */
	CHECK(bpfcancel_func__classify(obj, prog, 5, pol, &sc) ==
	      BPFCANCEL_CLASS_SITE && sc.kind == BPF_CANCEL_SITE_RET_NULL &&
	      sc.imm == 0 && !strcmp(sc.callee, "map_lookup_elem") &&
	      sc.helper_id == 1, "classify map lookup");
	CHECK(bpfcancel_func__classify(obj, prog, 9, pol, &sc) ==
	      BPFCANCEL_CLASS_SITE && sc.kind == BPF_CANCEL_SITE_ITER_NEXT &&
	      !strcmp(sc.callee, "bpf_iter_num_next"), "classify iter next");
	CHECK(bpfcancel_func__classify(obj, prog, 11, pol, &sc) ==
	      BPFCANCEL_CLASS_SITE && sc.kind == BPF_CANCEL_SITE_MAY_GOTO,
	      "classify may_goto");
	CHECK(bpfcancel_func__classify(obj, prog, 17, pol, &sc) ==
	      BPFCANCEL_CLASS_SITE && sc.kind == BPF_CANCEL_SITE_TAIL_CALL,
	      "classify tail call");
	CHECK(bpfcancel_func__classify(obj, prog, 12, pol, &sc) ==
	      BPFCANCEL_CLASS_BPF2BPF && !strcmp(sc.callee, "sub"),
	      "classify bpf2bpf: %s", sc.callee);
	CHECK(bpfcancel_func__classify(obj, prog, 3, pol, &sc) ==
	      BPFCANCEL_CLASS_NONE, "classify mov");
	CHECK(bpfcancel_func__classify(obj, prog, M_N, pol, &sc) == -EINVAL,
	      "classify out of range");
	n = bpfcancel_func__sites(obj, prog, pol, sites, 8);
	CHECK(n == 4 && !memcmp(sites, m.sites, sizeof(sites[0]) * 4),
	      "func sites match the model: %d", n);

	/* long reason, callees */
	CHECK(bpfcancel_func__long_reason(obj, prog, pol, &at) ==
	      BPFCANCEL_LONG_ITER_NEXT && at == 9, "long reason of prog");
	CHECK(bpfcancel_func__long_reason(obj, sub, pol, &at) ==
	      BPFCANCEL_LONG_NONE, "sub is short");
	/* the twin's may_goto at 11 is "goto 19": its jump back at 18 is
	 * unreachable, so the twin has no loop
	 */
	CHECK(bpfcancel_func__long_reason(obj, cold, pol, &at) ==
	      BPFCANCEL_LONG_NONE, "twin: no cycle through 18");
	CHECK(bpfcancel_func__long_reason(obj, cold, pol, NULL) ==
	      BPFCANCEL_LONG_NONE, "long reason without insn_idx");
	n = bpfcancel_func__callees(obj, prog, callees, 0);
	CHECK(n == 1, "callees count with cap 0: %d", n);
	n = bpfcancel_func__callees(obj, prog, callees, 4);
	CHECK(n == 1 && callees[0] == sub, "callees of prog: %d", n);
	n = bpfcancel_func__callees(obj, cold, callees, 4);
	CHECK(n == 1 && callees[0] == sub, "callees of the twin: %d", n);

	/* loops */
	n = bpfcancel_insns__loops(bpfcancel_func__insns(prog), M_N, m.sites,
				   m.nsites, loops, 4);
	CHECK(n == 1 && loops[0].header == 7 && loops[0].back_edge == 18 &&
	      loops[0].cut, "prog loop cut by its sites");
	n = bpfcancel_insns__loops(bpfcancel_func__insns(prog), M_N, NULL, 0,
				   loops, 4);
	CHECK(n == 1 && !loops[0].cut, "prog loop without sites not cut");

	/* line info from .BTF.ext */
	CHECK(!bpfcancel_obj__line(obj, prog, 5, &file, &line, &col) &&
	      !strcmp(file, "model.c") && line == 15 && col == 5,
	      "line of insn 5");
	CHECK(!bpfcancel_obj__line(obj, prog, 8, &file, &line, &col) &&
	      line == 15, "line of insn 8 (previous record)");
	CHECK(!bpfcancel_obj__line(obj, prog, 20, &file, &line, &col) &&
	      line == 17 && col == 9, "line of insn 20");
	CHECK(bpfcancel_obj__line(obj, sub, 0, &file, &line, &col) == -ENOENT,
	      "no line info for .text");
	CHECK(bpfcancel_obj__line(obj, prog, M_N, &file, &line, &col) == -EINVAL,
	      "line: bad index");
out:
	bpfcancel_obj__free(obj);

	/* may_goto comes first once the iterator call is gone */
	model_init(&m);
	m.hot[9] = MOV64_IMM(0, 1);
	m.sites[1] = m.sites[2];
	m.sites[2] = m.sites[3];
	m.nsites = 3;
	model_make_cold(&m);
	obj = open_model(&m);
	if (obj) {
		prog = bpfcancel_obj__find_func(obj, "prog");
		CHECK(prog && bpfcancel_func__long_reason(obj, prog, pol, &at) ==
		      BPFCANCEL_LONG_MAY_GOTO && at == 11, "may_goto reason");
		CHECK(!strcmp(bpfcancel_long_str(BPFCANCEL_LONG_MAY_GOTO),
			      "may_goto"), "long reason name");
		bpfcancel_obj__free(obj);
	}
	/* a loop, once the iterator and may_goto are gone: the latch */
	m.hot[11] = MOV64_IMM(0, 2);
	m.sites[1] = m.sites[2];
	m.nsites = 2;
	model_make_cold(&m);
	obj = open_model(&m);
	if (obj) {
		prog = bpfcancel_obj__find_func(obj, "prog");
		CHECK(prog && bpfcancel_func__long_reason(obj, prog, pol, &at) ==
		      BPFCANCEL_LONG_LOOP && at == 18, "loop reason at the latch");
		CHECK(prog && bpfcancel_func__long_reason(obj, prog, pol,
							  NULL) ==
		      BPFCANCEL_LONG_LOOP, "loop reason without insn_idx");
		bpfcancel_obj__free(obj);
	}
	/* a backward jump that closes no cycle is no loop: 7..18 laid out
	 * before their only way in (6 -> 19 -> back to 7, 18 -> 20 exit),
	 * as block placement lays out unrolled code
	 */
	m.hot[6] = JA(12);		/* 6: -> 19 */
	m.hot[10] = MOV64_IMM(0, 3);
	m.hot[18] = JA(1);		/* 18: -> 20 */
	m.hot[19] = JA(-13);		/* 19: -> 7 */
	model_make_cold(&m);
	obj = open_model(&m);
	if (obj) {
		prog = bpfcancel_obj__find_func(obj, "prog");
		CHECK(prog && bpfcancel_func__long_reason(obj, prog, pol, &at) ==
		      BPFCANCEL_LONG_NONE, "backward jump without a cycle");
		bpfcancel_obj__free(obj);
	}
	{
		struct bpfcancel_open_opts bad = { .sz = 2 };
		__u8 *b;
		size_t len = model_build(&m, &b);

		CHECK(!bpfcancel_obj__open_mem(b, len, &bad) && errno == EINVAL,
		      "opts with a bad sz refused");
		obj = bpfcancel_obj__open_mem(b, len, NULL);
		CHECK(obj && !strcmp(bpfcancel_obj__name(obj), "<memory>"),
		      "open without opts");
		bpfcancel_obj__free(obj);
		free(b);
		CHECK(!bpfcancel_obj__open_mem(NULL, 10, NULL) && errno == EINVAL,
		      "NULL buffer refused");
		bpfcancel_obj__free(NULL);
	}

	model_init(&m);
	m.sub_twin = true;
	n = check_model(&m, &ps);
	CHECK(n == 0, "valid model with sub twin: %s", ps.n ? ps.msgs[0] : "");
	m.two_blocks = true;
	n = check_model(&m, &ps);
	CHECK(n == 0, "valid model in two blocks: %s", ps.n ? ps.msgs[0] : "");
	obj = open_model(&m);
	if (obj) {
		CHECK(bpfcancel_obj__pair_cnt(obj) == 2, "two pairs in two blocks");
		bpfcancel_obj__free(obj);
	}
}

static void test_corrupt(void)
{
	struct model m;

	model_init(&m);
	m.cut_len = 8;
	expect_problem("truncated section", &m, BPF_CANCEL_E_TOTAL_LEN,
		       "runs past the end of the section");
	model_init(&m);
	m.magic = 0x0badc0de;
	expect_problem("bad magic", &m, BPF_CANCEL_E_MAGIC,
		       "bad magic 0x0badc0de");
	model_init(&m);
	m.version = 7;
	expect_problem("future version", &m, BPF_CANCEL_E_FUTURE,
		       "format version 7 is newer than this reader's 1");
	model_init(&m);
	m.junk_after = true;
	expect_problem("junk after block", &m, BPF_CANCEL_E_JUNK,
		       "neither padding nor a block header");

	model_init(&m);
	m.sites[3].insn_off = 40;
	expect_problem("site outside the function", &m, BPF_CANCEL_E_SITE_OFF,
		       "insn 40 is outside the function (21 insns)");
	model_init(&m);
	m.sites[0].insn_off = 2;
	expect_problem("site in ld_imm64", &m, BPF_CANCEL_E_SITE_LDIMM64,
		       "second slot of the ld_imm64 at insn 1");
	model_init(&m);
	m.sites[1] = m.sites[0];
	expect_problem("sites out of order", &m, BPF_CANCEL_E_SITE_ORDER,
		       "strictly increasing");
	model_init(&m);
	m.sites[0].kind = 42;
	expect_problem("unknown kind", &m, BPF_CANCEL_E_SITE_KIND,
		       "unknown kind 42");

	model_init(&m);
	m.cold[3] = MOV64_REG(2, 9);
	expect_problem("twin differs", &m, BPF_CANCEL_E_INSN_DIFF,
		       "function 'prog', insn 3: twin 'prog.bpfcancel.cold': twin differs from hot at a non-site instruction (hot 0xbf r2 = r10, cold 0xbf r2 = r9)");
	{
		struct probs ps;

		m.cold[16] = MOV64_IMM(3, 1);
		CHECK(check_model(&m, &ps) == 2 &&
		      ps.codes[0] == BPF_CANCEL_E_INSN_DIFF &&
		      ps.codes[1] == BPF_CANCEL_E_INSN_DIFF &&
		      strstr(ps.msgs[1], "insn 16:"),
		      "two differences, two messages: %d", ps.n);
	}
	model_init(&m);
	m.cold[5] = MOV64_IMM(0, 1);
	expect_problem("wrong value in twin", &m, BPF_CANCEL_E_SITE_COLD,
		       "twin has '0xb7 r0 = 1' at a ret-null site, expected '0xb7 r0 = 0'");

	model_init(&m);
	m.hot[5] = CALL_HELPER(194);
	model_make_cold(&m);
	expect_problem("kptr_xchg site", &m, BPF_CANCEL_E_SITE_DENIED,
		       "insn 5: twin 'prog.bpfcancel.cold': illegal substitution: ret-null site (r0 = 0) on '0x85 call 194': the policy denies 'kptr_xchg' (release-arg)");
	/* a non-NULL fast value for a maybe-NULL result: refused by the
	 * site check, whatever the policy says
	 */
	model_init(&m);
	m.sites[0].imm = -1;
	model_make_cold(&m);
	expect_problem("ret-null fast value", &m, BPF_CANCEL_E_SITE_NONNULL,
		       "section 'tp/x', function 'prog', insn 5: site 0 (insn 5): ret-null site with fast value -1: must be 0 (NULL)");
	model_init(&m);
	m.sites[1].imm = 7;
	model_make_cold(&m);
	expect_problem("iter-next fast value", &m, BPF_CANCEL_E_SITE_NONNULL,
		       "insn 9: site 1 (insn 9): iter-next site with fast value 7: must be 0 (NULL)");
	model_init(&m);
	m.sites[3].imm = 1;
	model_make_cold(&m);
	expect_problem("tail-call imm", &m, BPF_CANCEL_E_SITE_IMM,
		       "insn 17: tail-call site with imm 1 (must be 0)");
	model_init(&m);
	m.hot[5] = CALL_HELPER(6);
	model_make_cold(&m);
	expect_problem("unlisted helper", &m, BPF_CANCEL_E_SITE_DENIED,
		       "the policy does not list this callee");
	model_init(&m);
	m.sites[1].kind = BPF_CANCEL_SITE_RET_NULL;
	model_make_cold(&m);
	expect_problem("iter-next as ret-null", &m, BPF_CANCEL_E_SITE_DENIED,
		       "the policy makes 'bpf_iter_num_next' a iter-next site");

	model_init(&m);
	m.sites[2].insn_off = 12;	/* the bpf2bpf call to sub */
	m.sites[2].kind = BPF_CANCEL_SITE_RET_NULL;
	model_make_cold(&m);
	expect_problem("site on a bpf2bpf call", &m, BPF_CANCEL_E_SITE_DENIED,
		       "insn 12: twin 'prog.bpfcancel.cold': illegal substitution: ret-null site (r0 = 0) on '0x85 call pc-1': not a helper or kfunc call");
	model_init(&m);
	m.hot_calls_twin = true;
	expect_problem("hot calls its twin", &m, BPF_CANCEL_E_TWIN_SCOPE,
		       "function 'prog', insn 12: calls twin 'prog.bpfcancel.cold': only twins may reference twins");
	model_init(&m);
	m.cold_ref = 1;
	expect_problem("section symbol", &m, BPF_CANCEL_E_REC_SYM,
		       "'cold' field is relocated against section symbol '.text'");
	model_init(&m);
	m.cold_ref = 2;
	expect_problem("no reloc", &m, BPF_CANCEL_E_REC_RELOC,
		       "'cold' field (offset 48) has no relocation");
	model_init(&m);
	m.cold_ref = 3;
	expect_problem("reloc type", &m, BPF_CANCEL_E_REC_RELOC,
		       "relocation type 1, expected R_BPF_64_ABS64 (2)");
	model_init(&m);
	m.cold_ref = 4;
	expect_problem("hot is cold", &m, BPF_CANCEL_E_SAME_FUNC,
		       "hot and twin are the same function");
	model_init(&m);
	m.cold_ref = 5;
	expect_problem("data symbol", &m, BPF_CANCEL_E_REC_SYM,
		       "refers to 'm', which is not a function");
	model_init(&m);
	m.cold_addend = 16;
	expect_problem("addend", &m, BPF_CANCEL_E_REC_ADDEND, "addend 16");
	model_init(&m);
	m.cold_global = true;
	expect_problem("global twin", &m, BPF_CANCEL_E_TWIN_SCOPE,
		       "must be a local (STB_LOCAL) function in .text");
	model_init(&m);
	m.cold_in_tp = true;
	expect_problem("twin outside .text", &m, BPF_CANCEL_E_TWIN_SCOPE,
		       "(is local in 'tp/x')");
	model_init(&m);
	m.dup_record = true;
	expect_problem("duplicate record", &m, BPF_CANCEL_E_DUP_FUNC,
		       "already appears in another record");
	model_init(&m);
	m.rec_insn_cnt = 20;
	expect_problem("record insn count", &m, BPF_CANCEL_E_FUNC_SIZE,
		       "says 20 insns, hot symbol has 21");
	model_init(&m);
	m.uncut = 1;
	expect_problem("uncut loops", &m, BPF_CANCEL_E_UNCUT,
		       "uncut_loops is 1, but 0 loop(s)");
	model_init(&m);
	m.twin_map2 = true;
	expect_problem("twin relocation", &m, BPF_CANCEL_E_INSN_RELOC,
		       "insn 14: twin 'prog.bpfcancel.cold': relocation differs from the hot function's (hot against m, twin against m2)");
	model_init(&m);
	m.site_reloc = true;
	expect_problem("relocation at a site", &m, BPF_CANCEL_E_INSN_RELOC,
		       "insn 9: twin 'prog.bpfcancel.cold': relocation against 'bpf_iter_num_next' at a site");
	model_init(&m);
	m.sub_twin = true;
	m.overlap = true;
	expect_problem("overlapping records", &m, BPF_CANCEL_E_SITE_OVERLAP,
		       "func records 0 and 1 claim overlapping");
	model_init(&m);
	m.sub_twin = true;
	m.cold[12].imm = 99;	/* twin calls nowhere near sub */
	expect_problem("twin calls the wrong function", &m,
		       BPF_CANCEL_E_INSN_DIFF, "insn 12:");

	/* relocated instructions: the imm is part of the reference (libbpf
	 * adds it to the symbol), so it must be the hot one's
	 */
	model_init(&m);
	m.cold[1].imm = 8;	/* r1 = m + 8 ll */
	expect_problem("ld_imm64 addend", &m, BPF_CANCEL_E_INSN_DIFF,
		       "insn 1: twin 'prog.bpfcancel.cold': twin differs from hot at a non-site instruction (hot 0x18 r1 = imm64 src 0 lo 0, cold 0x18 r1 = imm64 src 0 lo 8)");
	model_init(&m);
	m.cold[15].imm = 8;	/* 2nd slot of r2 = m ll */
	expect_problem("ld_imm64 2nd slot", &m, BPF_CANCEL_E_INSN_DIFF,
		       "insn 15: twin 'prog.bpfcancel.cold': twin differs from hot at a non-site instruction");
	model_init(&m);
	m.iter_kept = true;	/* no site at 9: the twin keeps the kfunc */
	m.sites[1] = m.sites[2];
	m.sites[2] = m.sites[3];
	m.nsites = 3;
	model_make_cold(&m);
	{
		struct probs ps;
		int n = check_model(&m, &ps);

		CHECK(n == 0, "twin keeps a kfunc call: %d %s", n,
		      ps.n ? ps.msgs[0] : "");
	}
	m.cold[9].imm = 1;	/* call bpf_iter_num_next + 2 insns */
	expect_problem("kfunc call imm", &m, BPF_CANCEL_E_INSN_DIFF,
		       "insn 9: twin 'prog.bpfcancel.cold': twin differs from hot at a non-site instruction (hot 0x85 call pc-1, cold 0x85 call pc+1)");
	/* two local "m" (bpftool gen object keeps both): same name,
	 * different symbols
	 */
	model_init(&m);
	m.twin_static_m = true;
	expect_problem("same-named static", &m, BPF_CANCEL_E_INSN_RELOC,
		       "insn 14: twin 'prog.bpfcancel.cold': relocation differs from the hot function's (hot against m, twin against m; different symbols of that name: '.maps'+0 and '.maps'+8)");
}

static int check_strict(const struct model *m, struct probs *ps)
{
	BPFCANCEL_OPTS(bpfcancel_check_opts, o, .strict_twin_calls = true);
	struct bpfcancel_obj *obj = open_model(m);
	int n;

	memset(ps, 0, sizeof(*ps));
	if (!obj)
		return -1;
	n = bpfcancel_obj__check_opts(obj, pol, collect, ps, &o);
	bpfcancel_obj__free(obj);
	return n;
}

/* strict twin calls: off by default, an option of the check */
static void test_strict(void)
{
	struct model m;
	struct probs ps;
	int n;

	model_init(&m);
	m.sub_twin = true;
	n = check_strict(&m, &ps);
	CHECK(n == 0, "strict: twin calls the callee's twin: %d %s", n,
	      ps.n ? ps.msgs[0] : "");
	model_init(&m);
	n = check_strict(&m, &ps);
	CHECK(n == 0, "strict: callee without a twin: %d %s", n,
	      ps.n ? ps.msgs[0] : "");
	model_init(&m);
	m.sub_twin = true;
	m.twin_calls_hot_sub = true;
	n = check_model(&m, &ps);
	CHECK(n == 0, "default: twin may call the hot callee: %d %s", n,
	      ps.n ? ps.msgs[0] : "");
	n = check_strict(&m, &ps);
	CHECK(n == 1 && ps.codes[0] == BPF_CANCEL_E_TWIN_CALL,
	      "strict: twin calls the hot callee: %d", n);
	CHECK_STR(ps.msgs[0], "bpfcancel: model.o: section 'tp/x', function 'prog', insn 12: twin 'prog.bpfcancel.cold' calls hot 'sub', not its twin 'sub.bpfcancel.cold' (strict twin calls)");
	/* a callback address (ld_imm64 BPF_PSEUDO_FUNC) of a function
	 * with a twin stays hot in the twin: async callbacks must run hot,
	 * and the twin never reaches a sync callback (its helper call is a
	 * site). Strict mode is about bpf2bpf calls only.
	 */
	model_init(&m);
	m.sub_twin = true;
	m.func_addr_sub = true;
	m.hot[14].src_reg = BPF_CANCEL_PSEUDO_FUNC;
	model_make_cold(&m);
	n = check_model(&m, &ps);
	CHECK(n == 0, "callback address: default check: %d %s", n,
	      ps.n ? ps.msgs[0] : "");
	n = check_strict(&m, &ps);
	CHECK(n == 0, "strict: twin takes the hot callback's address: %d %s",
	      n, ps.n ? ps.msgs[0] : "");
	model_init(&m);
	m.sub_twin = true;
	m.twin_calls_hot_sub = true;
	{
		struct bpfcancel_check_opts o = { .sz = 1 };
		struct bpfcancel_obj *obj = open_model(&m);

		CHECK(obj && bpfcancel_obj__check_opts(obj, pol, NULL, NULL,
						       &o) == -EINVAL,
		      "bad opts size");
		bpfcancel_obj__free(obj);
	}
}

static void test_elf_errors(void)
{
	struct bpfcancel_obj *obj;
	struct model m;
	char err[256];
	__u8 *b;
	size_t len, i;
	Elf64_Ehdr eh;

	model_init(&m);
	len = model_build(&m, &b);

	err[0] = 0;
	obj = open_buf(b, len / 2, err, sizeof(err));
	CHECK(!obj && errno == EINVAL, "truncated ELF refused");
	CHECK_STR(err, "bpfcancel: model.o: truncated ELF: section headers");
	obj = open_buf(b, 10, err, sizeof(err));
	CHECK(!obj, "tiny file refused");
	CHECK_STR(err, "smaller than an ELF header");

	memcpy(&eh, b, sizeof(eh));
	b[0] = 0x7e;
	obj = open_buf(b, len, err, sizeof(err));
	CHECK(!obj, "not ELF");
	CHECK_STR(err, "bad ELF magic");
	b[0] = 0x7f;
	eh.e_machine = 62;
	memcpy(b, &eh, sizeof(eh));
	obj = open_buf(b, len, err, sizeof(err));
	CHECK(!obj, "x86 object");
	CHECK_STR(err, "ELF machine 62 is not EM_BPF");
	eh.e_machine = 247;
	eh.e_shstrndx = 200;
	memcpy(b, &eh, sizeof(eh));
	obj = open_buf(b, len, err, sizeof(err));
	CHECK(!obj, "bad shstrndx");
	CHECK_STR(err, "bad e_shstrndx 200");
	free(b);

	/* every truncation and every single-byte flip: never a crash */
	len = model_build(&m, &b);
	for (i = 0; i < len; i++) {
		__u8 *c = malloc(len);
		int n;

		memcpy(c, b, len);
		obj = open_buf(c, i, err, sizeof(err));
		if (obj) {
			n = bpfcancel_obj__check(obj, pol, NULL, NULL);
			bpfcancel_obj__free(obj);
			(void)n;
		}
		c[i] ^= 0xff;
		obj = open_buf(c, len, err, sizeof(err));
		if (obj) {
			n = bpfcancel_obj__check(obj, pol, NULL, NULL);
			(void)n;
			bpfcancel_obj__free(obj);
		}
		free(c);
	}
	CHECK(1, "survived %zu truncations and byte flips", len);
	free(b);
}

static void expect_open_err(const char *what, const struct model *m,
			    const char *needle)
{
	struct bpfcancel_obj *obj;
	char err[256] = "";
	__u8 *b;
	size_t len = model_build(m, &b);

	obj = open_buf(b, len, err, sizeof(err));
	free(b);
	CHECK(!obj && errno == EINVAL, "%s: refused", what);
	CHECK_STR(err, needle);
	bpfcancel_obj__free(obj);
}

/* lookups by offset and by function start must be unambiguous */
static void test_elf_ambiguous(void)
{
	struct model m;

	model_init(&m);
	m.bad_rel = 1;
	expect_open_err("unaligned reloc", &m,
			"bpfcancel: model.o: section 'tp/x': relocation at offset 44 is not on an instruction boundary (8-byte aligned)");
	model_init(&m);
	m.bad_rel = 2;
	expect_open_err("duplicate reloc", &m,
			"bpfcancel: model.o: section 'tp/x': two relocations at offset 8");
	model_init(&m);
	m.alias_func = 1;
	expect_open_err("overlapping functions", &m,
			"section 'tp/x': functions 'prog' (insns [0, +21)) and 'alias' (insns [1, +2)) overlap");
	model_init(&m);
	m.alias_func = 2;
	expect_open_err("aliased functions", &m,
			"section 'tp/x': functions 'prog' (insns [0, +21)) and 'prog2' (insns [0, +21)) overlap");
}

static void test_cmp_hot(void)
{
	struct bpfcancel_obj *a, *b;
	struct model m;
	struct probs ps;
	int n;

	model_init(&m);
	a = open_model(&m);
	b = open_model(&m);
	memset(&ps, 0, sizeof(ps));
	n = a && b ? bpfcancel_obj__cmp_hot(a, b, collect, &ps) : -1;
	CHECK(n == 0, "identical builds: %d %s", n, ps.n ? ps.msgs[0] : "");
	bpfcancel_obj__free(b);

	m.hot[16] = MOV64_IMM(3, 1);
	model_make_cold(&m);
	b = open_model(&m);
	memset(&ps, 0, sizeof(ps));
	n = a && b ? bpfcancel_obj__cmp_hot(a, b, collect, &ps) : -1;
	CHECK(n == 2 && ps.codes[0] == BPF_CANCEL_E_HOT_DIFF,
	      "hot differs (prog and its twin): %d", n);
	CHECK_STR(ps.msgs[0], "section 'tp/x', function 'prog', insn 16: instruction differs (plain 0xb7 r3 = 0, flagged 0xb7 r3 = 1)");
	bpfcancel_obj__free(b);

	model_init(&m);
	m.hot_map2 = true;
	b = open_model(&m);
	memset(&ps, 0, sizeof(ps));
	n = a && b ? bpfcancel_obj__cmp_hot(a, b, collect, &ps) : -1;
	CHECK(n == 2 && ps.codes[0] == BPF_CANCEL_E_HOT_DIFF,
	      "reloc differs (prog and its twin): %d", n);
	CHECK_STR(ps.msgs[0], "insn 14: relocation differs (plain against m type 1, flagged against m2 type 1)");
	memset(&ps, 0, sizeof(ps));
	n = a && b ? bpfcancel_obj__cmp_hot(b, a, collect, &ps) : -1;
	CHECK(n == 2, "reversed: %d", n);
	bpfcancel_obj__free(b);
	bpfcancel_obj__free(a);
}

static void expect_policy_err(const char *text, const char *needle)
{
	struct bpfcancel_policy *p;
	char err[256] = "";

	p = bpfcancel_policy__parse(text, strlen(text), "t.policy", err,
				    sizeof(err));
	CHECK(!p && errno == EINVAL, "policy refused: %s", text);
	CHECK_STR(err, needle);
	bpfcancel_policy__free(p);
}

static void test_policy(void)
{
	struct bpfcancel_policy_entry e;
	struct bpfcancel_policy *p;
	const char *ok =
		"# comment\n\n"
		"bpfcancel-policy 1   # trailing comment\n"
		"kernel linux 6.12.117   test\n"
		"helper 1 map_lookup_elem ret-null 0\n"
		"helper 180 find_vma callback -2\n"
		"helper 12 tail_call tail-call 0\n"
		"kfunc bpf_iter_num_next iter-next 0\n"
		"kfunc bpf_task_acquire ret-null 0\n"
		"deny helper 194 kptr_xchg release-arg\n"
		"deny kfunc bpf_ct_insert_entry release-arg";	/* no \n */
	char err[256];

	CHECK(pol != NULL, "default policy parses");
	if (pol) {
		CHECK(!strcmp(bpfcancel_policy__kernel(pol), "linux-6.12.117"),
		      "default kernel: %s", bpfcancel_policy__kernel(pol));
		CHECK(!bpfcancel_policy__helper(pol, 181, &e) &&
		      e.kind == BPF_CANCEL_SITE_CALLBACK && e.imm == 0 &&
		      !strcmp(e.name, "loop"), "default: bpf_loop");
		CHECK(!bpfcancel_policy__helper(pol, 180, &e) && e.imm == -2,
		      "default: find_vma -ENOENT");
		CHECK(!bpfcancel_policy__helper(pol, 194, &e) && e.denied &&
		      !strcmp(e.reason, "release-arg"), "default: kptr_xchg");
		CHECK(!bpfcancel_policy__kfunc(pol, "bpf_ct_insert_entry", &e) &&
		      e.denied, "default: ct_insert_entry denied");
		CHECK(bpfcancel_policy__helper(pol, 2, &e) == -ENOENT,
		      "default: update_elem unlisted");
	}

	p = bpfcancel_policy__parse(ok, strlen(ok), "t.policy", err,
				    sizeof(err));
	CHECK(p, "policy parses: %s", err);
	if (p) {
		CHECK(!strcmp(bpfcancel_policy__kernel(p), "linux 6.12.117   test"),
		      "kernel text: '%s'", bpfcancel_policy__kernel(p));
		CHECK(!bpfcancel_policy__kfunc(p, "bpf_task_acquire", &e) &&
		      e.kind == BPF_CANCEL_SITE_RET_NULL, "kfunc lookup");
		CHECK(!bpfcancel_policy__kfunc(p, "bpf_ct_insert_entry", &e) &&
		      e.denied, "last line without newline");
		CHECK(bpfcancel_policy__kfunc(p, "bpf_nope", &e) == -ENOENT,
		      "unknown kfunc");
		CHECK(!bpfcancel_policy__helper(p, 12, &e) &&
		      e.kind == BPF_CANCEL_SITE_TAIL_CALL, "tail call entry");
		bpfcancel_policy__free(p);
	}

	expect_policy_err("", "t.policy:1: empty policy");
	expect_policy_err("# only a comment\n", "empty policy");
	expect_policy_err("bpfcancel-policy 2\n",
			  "t.policy:1: unsupported policy version '2'");
	expect_policy_err("helper 1 x ret-null 0\n",
			  "t.policy:1: not a bpfcancel policy file");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nhelper 1 x ret-nul 0\n",
			  "t.policy:3: unknown helper kind 'ret-nul'");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nkfunc bpf_x callback 0\n",
			  "t.policy:3: unknown kfunc kind 'callback'");
	expect_policy_err("bpfcancel-policy 1\nkernel t\n\nhelper 1 x ret-null zero\n",
			  "t.policy:4: bad fast value 'zero'");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nhelper 1 x ret-null 4294967296\n",
			  "bad fast value");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nhelper x y ret-null 0\n",
			  "bad helper id 'x'");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nhelper 1 a ret-null 0\nhelper 1 b ret-null 0\n",
			  "t.policy:4: helper 1 listed twice");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nkfunc k ret-null 0\ndeny kfunc k release-arg\n",
			  "t.policy:4: kfunc k listed twice");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nhelper 12 tail_call tail-call 1\n",
			  "tail-call takes fast value 0");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nhelper 1 x ret-null 5\n",
			  "t.policy:3: ret-null takes fast value 0, not 5");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nkfunc k iter-next 7\n",
			  "t.policy:3: iter-next takes fast value 0, not 7");
	expect_policy_err("bpfcancel-policy 1\nkernel t\n\nkfunc k ret-null -1\n",
			  "t.policy:4: ret-null takes fast value 0, not -1");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nhelper 1 x ret-null\n",
			  "expected 'helper <id> <name> <kind> <imm>'");
	expect_policy_err("bpfcancel-policy 1\nkernel t\ndeny helper 194 kptr_xchg\n",
			  "expected 'deny helper <id> <name> <reason>'");
	expect_policy_err("bpfcancel-policy 1\nkernel t\ndeny map 1\n",
			  "expected 'deny helper ...' or 'deny kfunc ...'");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nfrobnicate\n",
			  "t.policy:3: unknown directive 'frobnicate'");
	expect_policy_err("bpfcancel-policy 1\nkernel\n", "'kernel' needs");
	expect_policy_err("bpfcancel-policy 1\nkernel a\nkernel b\n",
			  "t.policy:3: second 'kernel' line");
	expect_policy_err("bpfcancel-policy 1\nkernel t\nkfunc bad-name ret-null 0\n",
			  "bad kfunc name 'bad-name'");
	{
		const char nul[] = "bpfcancel-policy 1\nkernel a\0b\n";

		p = bpfcancel_policy__parse(nul, sizeof(nul) - 1, "t.policy",
					    err, sizeof(err));
		CHECK(!p, "NUL byte refused");
		CHECK_STR(err, "t.policy:2: NUL byte");
	}
	/* the kernel line is optional */
	p = bpfcancel_policy__parse("bpfcancel-policy 1\nhelper 1 x ret-null 0\n",
				    41, "t.policy", err, sizeof(err));
	CHECK(p && !strcmp(bpfcancel_policy__kernel(p), ""),
	      "policy without a kernel line: %s", p ? "" : err);
	bpfcancel_policy__free(p);
	p = bpfcancel_policy__load_file("/nonexistent/x.policy", err,
					sizeof(err));
	CHECK(!p && errno == ENOENT, "missing policy file");
	CHECK_STR(err, "/nonexistent/x.policy: No such file");
}

static int loops_of(const struct bpf_insn *insns, __u32 n,
		    const struct bpf_cancel_site *s, __u32 ns,
		    struct bpfcancel_loop *l)
{
	return bpfcancel_insns__loops(insns, n, s, ns, l, 4);
}

static void test_loops(void)
{
	struct bpfcancel_loop l[4];
	int n;

	/* counted loop: nothing cuts it */
	{
		struct bpf_insn p[] = {
			MOV64_IMM(1, 0),	/* 0 */
			ADD64_IMM(1, 1),	/* 1: header */
			JLT_REG(1, 2, -2),	/* 2: -> 1 */
			EXIT_INSN(),
		};
		n = loops_of(p, 4, NULL, 0, l);
		CHECK(n == 1 && l[0].header == 1 && l[0].back_edge == 2 &&
		      !l[0].cut, "counted loop uncut");
		CHECK(bpfcancel_insns__uncut_loops(p, 4, NULL, 0) == 1,
		      "uncut count 1");
	}
	/* iterator loop: r0 = 0 then the exit test folds */
	{
		struct bpf_insn p[] = {
			MOV64_REG(1, 10),	/* 0: header */
			CALL_KFUNC(),		/* 1 */
			JEQ_IMM(0, 0, 2),	/* 2: -> 5 */
			LDX_W(3, 0, 0),		/* 3 */
			JA(-5),			/* 4: -> 0 */
			EXIT_INSN(),		/* 5 */
		};
		struct bpf_cancel_site s = { .insn_off = 1,
					     .kind = BPF_CANCEL_SITE_ITER_NEXT };

		n = loops_of(p, 6, &s, 1, l);
		CHECK(n == 1 && l[0].header == 0 && l[0].back_edge == 4 &&
		      l[0].cut, "iter loop cut");
		n = loops_of(p, 6, NULL, 0, l);
		CHECK(n == 1 && !l[0].cut, "iter loop without site");
		/* result copied to r6 and tested there */
		p[2] = JEQ_IMM(6, 0, 2);
		{
			struct bpf_insn q[7] = {
				p[0], p[1], MOV64_REG(6, 0),
				JEQ_IMM(6, 0, 2), p[3], JA(-6), p[5],
			};
			s.insn_off = 1;
			n = loops_of(q, 7, &s, 1, l);
			CHECK(n == 1 && l[0].cut, "copy r6 = r0 folded");
			/* 32-bit compare */
			q[3] = JEQ32_IMM(6, 0, 2);
			n = loops_of(q, 7, &s, 1, l);
			CHECK(n == 1 && l[0].cut, "32-bit compare folded");
			/* the copy is clobbered: not folded */
			q[2] = LDX_W(6, 10, -8);
			n = loops_of(q, 7, &s, 1, l);
			CHECK(n == 1 && !l[0].cut, "clobbered copy not folded");
		}
		/* a non-zero fast value keeps the loop: callback site
		 * returning 1 with a "!= 0 continue" test
		 */
		{
			struct bpf_insn q[] = {
				MOV64_REG(1, 10),	/* 0 */
				CALL_HELPER(181),	/* 1 */
				JSGT_IMM(0, 0, -3),	/* 2: -> 0 */
				EXIT_INSN(),
			};
			struct bpf_cancel_site c = {
				.insn_off = 1, .imm = 1,
				.kind = BPF_CANCEL_SITE_CALLBACK };

			n = loops_of(q, 4, &c, 1, l);
			CHECK(n == 1 && !l[0].cut, "r0 = 1 keeps s> 0 loop");
			c.imm = 0;
			n = loops_of(q, 4, &c, 1, l);
			CHECK(n == 1 && l[0].cut, "r0 = 0 leaves s> 0 loop");
		}
	}
	/* may_goto loop */
	{
		struct bpf_insn p[] = {
			MAY_GOTO(2),		/* 0: header -> 3 */
			ADD64_IMM(1, 1),	/* 1 */
			JA(-3),			/* 2: -> 0 */
			EXIT_INSN(),		/* 3 */
		};
		struct bpf_cancel_site s = { .insn_off = 0,
					     .kind = BPF_CANCEL_SITE_MAY_GOTO };

		n = loops_of(p, 4, &s, 1, l);
		CHECK(n == 1 && l[0].cut, "may_goto loop cut");
		n = loops_of(p, 4, NULL, 0, l);
		CHECK(n == 1 && !l[0].cut, "may_goto loop without site");
	}
	/* nested: inner iterator loop cut, outer counted loop not */
	{
		struct bpf_insn p[] = {
			MOV64_IMM(7, 0),	/* 0 */
			MOV64_REG(1, 10),	/* 1: outer header */
			CALL_KFUNC(),		/* 2: inner header */
			JEQ_IMM(0, 0, 1),	/* 3: -> 5 */
			JA(-3),			/* 4: -> 2 */
			ADD64_IMM(7, 1),	/* 5 */
			JLT_REG(7, 8, -6),	/* 6: -> 1 */
			LD_IMM64_LO(0),		/* 7 */
			LD_IMM64_HI(),		/* 8 */
			EXIT_INSN(),		/* 9 */
		};
		struct bpf_cancel_site s = { .insn_off = 2,
					     .kind = BPF_CANCEL_SITE_ITER_NEXT };

		n = loops_of(p, 10, &s, 1, l);
		CHECK(n == 2, "two loops: %d", n);
		CHECK(n == 2 && l[0].header == 1 && !l[0].cut &&
		      l[1].header == 2 && l[1].cut, "outer uncut, inner cut");
		CHECK(bpfcancel_insns__uncut_loops(p, 10, &s, 1) == 1,
		      "one uncut");
	}
	/* no loops; bad sites; empty */
	{
		struct bpf_insn p[] = { MOV64_IMM(0, 0), LD_IMM64_LO(1),
					LD_IMM64_HI(), EXIT_INSN() };
		struct bpf_cancel_site s = { .insn_off = 2,
					     .kind = BPF_CANCEL_SITE_RET_NULL };

		CHECK(loops_of(p, 4, NULL, 0, l) == 0, "no loops");
		CHECK(loops_of(p, 4, &s, 1, l) == -EINVAL,
		      "site in ld_imm64 refused");
		s.insn_off = 9;
		CHECK(loops_of(p, 4, &s, 1, l) == -EINVAL, "site outside");
		CHECK(loops_of(p, 0, NULL, 0, l) == 0, "empty");
		/* jumps out of range are ignored, not followed */
		p[0] = JA(100);
		CHECK(loops_of(p, 4, NULL, 0, l) == 0, "wild jump");
		p[0] = JA(-1);	/* self loop */
		n = loops_of(p, 4, NULL, 0, l);
		CHECK(n == 1 && l[0].header == 0 && l[0].back_edge == 0 &&
		      !l[0].cut, "self loop");
	}
}

static void test_clang_obj(const char *path)
{
	const struct bpfcancel_func *prog, *sub, *cb, *callees[8];
	struct bpfcancel_site_class sc;
	BPFCANCEL_OPTS(bpfcancel_open_opts, o);
	struct bpfcancel_obj *obj;
	const char *file;
	__u32 line, col, i, at;
	int n, found = 0;

	obj = bpfcancel_obj__open_file(path, &o);
	CHECK(obj, "clang object %s opens: %d", path, errno);
	if (!obj)
		return;
	CHECK(!strcmp(bpfcancel_obj__name(obj), path), "name is the path");
	prog = bpfcancel_obj__find_func(obj, "prog");
	sub = bpfcancel_obj__find_func(obj, "sub");
	cb = bpfcancel_obj__find_func(obj, "cb");
	CHECK(prog && sub && cb, "clang: functions found");
	if (!prog || !sub || !cb)
		goto out;
	CHECK(bpfcancel_obj__check(obj, pol, NULL, NULL) == 0,
	      "plain clang object is valid");
	n = bpfcancel_func__callees(obj, prog, callees, 8);
	CHECK(n == 3, "clang: prog calls sub, gsub and references cb: %d", n);
	for (i = 0; i < (__u32)n && i < 8; i++)
		found |= (callees[i] == sub) | (callees[i] == cb) << 1;
	CHECK(found == 3, "clang: sub and cb among the callees");
	for (i = 0; i < bpfcancel_func__insn_cnt(prog); i++) {
		if (bpfcancel_func__classify(obj, prog, i, pol, &sc) ==
		    BPFCANCEL_CLASS_SITE &&
		    sc.kind == BPF_CANCEL_SITE_RET_NULL) {
			CHECK(!strcmp(sc.callee, "map_lookup_elem"),
			      "clang: map lookup site");
			CHECK(!bpfcancel_obj__line(obj, prog, i, &file, &line,
						   &col) &&
			      strstr(file, "simple.bpf.c") && line == 15,
			      "clang: line of the lookup: %s:%u",
			      file ? file : "?", line);
			found |= 4;
			break;
		}
	}
	CHECK(found & 4, "clang: site found");
	n = bpfcancel_func__long_reason(obj, prog, pol, &at);
	CHECK(n == BPFCANCEL_LONG_CALLBACK, "clang: prog runs long (%s)",
	      bpfcancel_long_str(n));
out:
	bpfcancel_obj__free(obj);
}

static int write_seeds(const char *dir)
{
	struct model m;
	char path[512];
	int i;

	for (i = 0; i < 5; i++) {
		__u8 *b;
		size_t len;
		FILE *f;

		model_init(&m);
		m.sub_twin = i >= 1 && i <= 3;
		m.two_blocks = i >= 2 && i <= 3;
		if (i == 3)
			m.cold[3] = MOV64_REG(2, 9);
		if (i == 4) {
			/* no iterator, no may_goto: the loop stays */
			m.hot[9] = MOV64_IMM(0, 1);
			m.hot[11] = MOV64_IMM(5, 0);
			m.sites[1] = m.sites[3];
			m.nsites = 2;
			m.uncut = 1;
			model_make_cold(&m);
		}
		len = model_build(&m, &b);
		snprintf(path, sizeof(path), "%s/model-%d.o", dir, i);
		f = fopen(path, "wb");
		if (!f || fwrite(b, 1, len, f) != len) {
			perror(path);
			return 1;
		}
		fclose(f);
		free(b);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write-seeds"))
		return write_seeds(argv[2]);
	pol = bpfcancel_policy__default();
	test_policy();
	test_valid();
	test_corrupt();
	test_elf_errors();
	test_elf_ambiguous();
	test_strict();
	test_cmp_hot();
	test_loops();
	if (argc > 1)
		test_clang_obj(argv[1]);
	else
		printf("(no clang object given: real-object test skipped)\n");
	bpfcancel_policy__free(pol);
	return t_summary();
}
