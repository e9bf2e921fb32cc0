// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_core.c - unit tests of the freestanding core: block walking, size
 * negotiation, every block/record/site error code, cold instructions and
 * the linear checker.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "bpfcancel/core.h"
#include "test.h"

#define SEC_MAX 1024

struct blk_spec {
	__u32 magic;
	__u16 version;
	__u16 hdr_len;
	__u16 frs;		/* func_rec_size */
	__u16 srs;		/* site_rec_size */
	__u32 nf, ns;
	__u8 fill;		/* value of bytes beyond v1 fields */
};

static void wr16(__u8 *p, __u16 v) { p[0] = v & 0xff; p[1] = v >> 8; }
static void wr32(__u8 *p, __u32 v) { wr16(p, v & 0xffff); wr16(p + 2, v >> 16); }

/* write a block at buf, return its length */
static __u32 mk_block(__u8 *buf, const struct blk_spec *s)
{
	__u16 hl = s->hdr_len ? s->hdr_len : sizeof(struct bpf_cancel_hdr);
	__u16 frs = s->frs ? s->frs : sizeof(struct bpf_cancel_func);
	__u16 srs = s->srs ? s->srs : sizeof(struct bpf_cancel_site);
	__u32 foff = (hl + 7u) & ~7u;
	__u32 soff = foff + s->nf * frs;
	__u32 total = (soff + s->ns * srs + 7u) & ~7u;
	__u32 i;

	memset(buf, s->fill, total);
	memset(buf, 0, hl < 40 ? hl : 40);
	wr32(buf + 0, s->magic ? s->magic : BPF_CANCEL_MAGIC);
	wr16(buf + 4, s->version ? s->version : BPF_CANCEL_VERSION);
	wr16(buf + 6, hl);
	wr32(buf + 8, total);
	wr16(buf + 12, frs);
	wr16(buf + 14, srs);
	wr32(buf + 16, s->nf);
	wr32(buf + 20, foff);
	wr32(buf + 24, s->ns);
	wr32(buf + 28, soff);
	for (i = 0; i < s->nf; i++) {
		__u8 *r = buf + foff + i * frs;

		memset(r, 0, 32);
		r[0] = 0;		/* hot: relocated, 0 */
		wr32(r + 16, 10 + i);	/* insn_cnt */
		wr32(r + 20, i);	/* site_idx */
		wr32(r + 24, 1);	/* site_cnt */
		wr32(r + 28, 7);	/* uncut_loops */
	}
	for (i = 0; i < s->ns; i++) {
		__u8 *r = buf + soff + i * srs;

		memset(r, 0, srs < 16 ? srs : 16);
		wr32(r, 3 + i);
		wr16(r + 4, BPF_CANCEL_SITE_RET_NULL);
		wr32(r + 8, (__u32)-2);
	}
	return total;
}

static int walk_all(const __u8 *sec, __u32 len, struct bpf_cancel_block *blks,
		    int max, struct bpf_cancel_diag *d)
{
	__u32 pos = 0;
	int n = 0, r;

	while ((r = bpf_cancel_next_block(sec, len, &pos, &blks[n < max ? n : max - 1], d)) > 0)
		n++;
	return r < 0 ? r : n;
}

/* expect the walk to fail with code and a message containing needle */
static void expect_walk_err(const char *what, const __u8 *sec, __u32 len,
			    int code, const char *needle)
{
	struct bpf_cancel_block b[4];
	struct bpf_cancel_diag d = { 0 };
	int r = walk_all(sec, len, b, 4, &d);

	CHECK(r == -EINVAL, "%s: walk returned %d", what, r);
	CHECK(d.code == code, "%s: code %s, expected %s (%s)", what,
	      bpf_cancel_err_str(d.code), bpf_cancel_err_str(code), d.msg);
	CHECK_STR(d.msg, needle);
}

static void test_blocks(void)
{
	static __u8 sec[SEC_MAX];
	struct blk_spec s = { .nf = 2, .ns = 2 };
	struct bpf_cancel_block b[4];
	struct bpf_cancel_diag d;
	struct bpf_cancel_func f;
	struct bpf_cancel_site st;
	__u32 len, len2;
	int n;

	/* one block */
	len = mk_block(sec, &s);
	n = walk_all(sec, len, b, 4, &d);
	CHECK(n == 1, "one block: %d (%s)", n, d.msg);
	CHECK(b[0].func_cnt == 2 && b[0].site_cnt == 2, "counts");
	bpf_cancel_read_func(&b[0], 1, &f);
	CHECK(f.insn_cnt == 11 && f.site_idx == 1 && f.uncut_loops == 7,
	      "func rec 1: %u %u %u", f.insn_cnt, f.site_idx, f.uncut_loops);
	bpf_cancel_read_site(&b[0], 1, &st);
	CHECK(st.insn_off == 4 && st.kind == 1 && st.imm == -2, "site rec");
	CHECK(bpf_cancel_func_rec_off(&b[0], 1) == 40 + 32, "rec off %u",
	      bpf_cancel_func_rec_off(&b[0], 1));

	/* two concatenated blocks with zero padding between and after */
	memset(sec, 0, sizeof(sec));
	len = mk_block(sec, &s);
	len += 16;			/* two zero words */
	len2 = mk_block(sec + len, &(struct blk_spec){ .nf = 1, .ns = 1 });
	len += len2 + 8;		/* trailing zero word */
	n = walk_all(sec, len, b, 4, &d);
	CHECK(n == 2, "two blocks with padding: %d (%s)", n, n < 0 ? d.msg : "");
	CHECK(n == 2 && b[1].off == len - 8 - len2, "2nd block offset %u",
	      b[1].off);
	CHECK(n == 2 && b[1].func_cnt == 1, "2nd block func_cnt");

	/* trailing zero bytes shorter than a word */
	len = mk_block(sec, &s);
	memset(sec + len, 0, 4);
	n = walk_all(sec, len + 4, b, 4, &d);
	CHECK(n == 1, "trailing short zero bytes: %d", n);
	sec[len + 2] = 1;
	expect_walk_err("trailing short junk", sec, len + 4,
			BPF_CANCEL_E_TRUNCATED, "trailing bytes");

	/* junk after a block */
	len = mk_block(sec, &s);
	wr32(sec + len, 0xdeadbeef);
	wr32(sec + len + 4, 0);
	expect_walk_err("junk between blocks", sec, len + 8, BPF_CANCEL_E_JUNK,
			"neither padding nor a block header");

	/* empty section */
	CHECK(walk_all(sec, 0, b, 4, &d) == 0, "empty section");

	/* bad magic */
	len = mk_block(sec, &(struct blk_spec){ .magic = 0x12345678, .nf = 1 });
	expect_walk_err("bad magic", sec, len, BPF_CANCEL_E_MAGIC,
			"bad magic 0x12345678");

	/* versions */
	len = mk_block(sec, &(struct blk_spec){ .version = 2, .nf = 1 });
	expect_walk_err("future version", sec, len, BPF_CANCEL_E_FUTURE,
			"format version 2 is newer than this reader's 1");
	len = mk_block(sec, &(struct blk_spec){ .nf = 1 });
	wr16(sec + 4, 0);
	expect_walk_err("version 0", sec, len, BPF_CANCEL_E_VERSION,
			"invalid version 0");

	/* header length */
	len = mk_block(sec, &(struct blk_spec){ .nf = 1 });
	wr16(sec + 6, 20);
	expect_walk_err("hdr_len small", sec, len, BPF_CANCEL_E_HDR_LEN,
			"hdr_len 20 invalid");
	wr16(sec + 6, 38);
	expect_walk_err("hdr_len unaligned", sec, len, BPF_CANCEL_E_HDR_LEN,
			"hdr_len 38");
	len = mk_block(sec, &(struct blk_spec){ .nf = 0 });
	expect_walk_err("truncated header", sec, 24, BPF_CANCEL_E_TRUNCATED,
			"block header truncated");
	wr16(sec + 6, 200);
	expect_walk_err("hdr_len past end", sec, len, BPF_CANCEL_E_TRUNCATED,
			"hdr_len 200");

	/* total_len */
	len = mk_block(sec, &s);
	expect_walk_err("truncated section", sec, len - 8,
			BPF_CANCEL_E_TOTAL_LEN, "runs past the end of the section");
	wr32(sec + 8, 16);
	expect_walk_err("total_len < hdr_len", sec, len,
			BPF_CANCEL_E_TOTAL_LEN, "smaller than hdr_len");
	wr32(sec + 8, len - 4);
	expect_walk_err("total_len unaligned", sec, len, BPF_CANCEL_E_ALIGN,
			"not a multiple of 8");

	/* flags */
	len = mk_block(sec, &s);
	wr32(sec + 32, 1);
	expect_walk_err("hdr flags", sec, len, BPF_CANCEL_E_HDR_FLAGS,
			"must be 0");
	len = mk_block(sec, &s);
	wr32(sec + 36, 1);
	expect_walk_err("hdr reserved", sec, len, BPF_CANCEL_E_HDR_FLAGS,
			"reserved 0x1");

	/* record sizes */
	len = mk_block(sec, &s);
	wr16(sec + 12, 24);
	expect_walk_err("func_rec_size", sec, len, BPF_CANCEL_E_REC_SIZE,
			"func_rec_size 24 invalid");
	len = mk_block(sec, &s);
	wr16(sec + 14, 8);
	expect_walk_err("site_rec_size", sec, len, BPF_CANCEL_E_REC_SIZE,
			"site_rec_size 8 invalid");

	/* offsets and tables */
	len = mk_block(sec, &s);
	wr32(sec + 20, 44);
	expect_walk_err("func_off misaligned", sec, len, BPF_CANCEL_E_ALIGN,
			"func_off 44");
	len = mk_block(sec, &s);
	wr32(sec + 16, 100);
	expect_walk_err("func table", sec, len, BPF_CANCEL_E_FUNC_TABLE,
			"func table (100 records");
	wr32(sec + 16, 0xffffffffu);
	expect_walk_err("func table overflow", sec, len,
			BPF_CANCEL_E_FUNC_TABLE, "outside the block");
	len = mk_block(sec, &s);
	wr32(sec + 24, 0x10000001u);
	expect_walk_err("site table overflow", sec, len,
			BPF_CANCEL_E_SITE_TABLE, "site table (268435457 records");
	len = mk_block(sec, &s);
	wr32(sec + 20, 16);
	expect_walk_err("func table in header", sec, len,
			BPF_CANCEL_E_FUNC_TABLE, "outside the block");
	len = mk_block(sec, &s);
	wr32(sec + 28, 40 + 32);	/* site table inside the func table */
	expect_walk_err("tables overlap", sec, len,
			BPF_CANCEL_E_TABLE_OVERLAP, "overlap");

	/* larger writer: bigger header and records, extra bytes ignored */
	len = mk_block(sec, &(struct blk_spec){ .hdr_len = 48, .frs = 40,
						.srs = 24, .nf = 2, .ns = 2,
						.fill = 0xab });
	n = walk_all(sec, len, b, 4, &d);
	CHECK(n == 1, "larger writer accepted: %d (%s)", n, n < 0 ? d.msg : "");
	if (n == 1) {
		bpf_cancel_read_func(&b[0], 1, &f);
		CHECK(f.insn_cnt == 11 && f.site_cnt == 1 && f.uncut_loops == 7,
		      "larger writer func rec");
		bpf_cancel_read_site(&b[0], 1, &st);
		CHECK(st.insn_off == 4 && st.imm == -2 && st.reserved == 0,
		      "larger writer site rec");
		CHECK(b[0].hdr_len == 48 && b[0].func_rec_size == 40,
		      "writer sizes kept");
	}
	/* smaller writer: 36-byte header, 12-byte sites, zero-filled */
	len = mk_block(sec, &(struct blk_spec){ .hdr_len = 36, .srs = 12,
						.nf = 1, .ns = 3,
						.fill = 0xcd });
	n = walk_all(sec, len, b, 4, &d);
	CHECK(n == 1, "smaller writer accepted: %d (%s)", n, n < 0 ? d.msg : "");
	if (n == 1) {
		bpf_cancel_read_site(&b[0], 2, &st);
		CHECK(st.insn_off == 5 && st.imm == -2 && st.reserved == 0,
		      "smaller writer site zero-filled (reserved %u)",
		      st.reserved);
		CHECK(!b[0].has_site_reserved, "has_site_reserved false");
	}

	/* func record site ranges */
	len = mk_block(sec, &(struct blk_spec){ .nf = 2, .ns = 2 });
	n = walk_all(sec, len, b, 4, &d);
	CHECK(n == 1, "walk");
	f.site_idx = 1;
	f.site_cnt = 2;
	CHECK(bpf_cancel_check_func_rec(&b[0], 0, &f, &d) == -EINVAL &&
	      d.code == BPF_CANCEL_E_FUNC_SITES, "func sites range");
	CHECK_STR(d.msg, "sites [1, 3) outside the block's 2 site records");
	f.site_idx = 0xffffffffu;
	f.site_cnt = 2;
	CHECK(bpf_cancel_check_func_rec(&b[0], 0, &f, &d) == -EINVAL,
	      "func sites overflow");
	CHECK(bpf_cancel_check_site_ranges(&b[0], &d) == 0,
	      "disjoint site ranges: %s", d.msg);
	wr32(sec + 40 + 32 + 20, 0);	/* record 1 site_idx = 0 */
	CHECK(bpf_cancel_check_site_ranges(&b[0], &d) == -EINVAL &&
	      d.code == BPF_CANCEL_E_SITE_OVERLAP, "overlapping records");
	CHECK_STR(d.msg, "func records 0 and 1 claim overlapping");
	/* disjoint but not in increasing order: refused, O(n) */
	wr32(sec + 40 + 20, 1);		/* record 0 site_idx = 1 */
	CHECK(bpf_cancel_check_site_ranges(&b[0], &d) == -EINVAL &&
	      d.code == BPF_CANCEL_E_SITE_OVERLAP, "unsorted records");
	CHECK_STR(d.msg, "func records 0 and 1 claim overlapping or unordered site records ([1, +1) and [0, +1)): records must list disjoint site ranges in increasing order");
	/* records without sites do not take part */
	wr32(sec + 40 + 20, 0);
	wr32(sec + 40 + 24, 0);		/* record 0 site_cnt = 0 */
	CHECK(bpf_cancel_check_site_ranges(&b[0], &d) == 0,
	      "empty record skipped: %s", d.msg);
}

static void expect_sites_err(const char *what, const struct bpf_insn *hot,
			     __u32 n, const struct bpf_cancel_site *s,
			     __u32 ns, int code, const char *needle);

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Inputs the kernel gets from user space: the checks must be linear. The
 * quadratic versions took seconds (minutes under ASan) on these.
 */
static void test_large(void)
{
	enum { NSITE = 40000, NINSN = 3 * NSITE + 1, NREC = 100000 };
	struct bpf_cancel_site *s = calloc(NSITE, sizeof(*s));
	struct bpf_insn *p = calloc(NINSN, sizeof(*p));
	struct bpf_cancel_block b[2];
	struct bpf_cancel_diag d = { 0 };
	__u32 i, len, foff;
	__u8 *sec;
	double t;
	int r;

	if (!s || !p) {
		CHECK(0, "out of memory");
		goto out;
	}
	/* ld_imm64 whose 2nd slot also has opcode 0x18, then a site */
	for (i = 0; i < NSITE; i++) {
		p[3 * i] = LD_IMM64_LO(1);
		p[3 * i + 1] = LD_IMM64_LO(1);
		p[3 * i + 2] = CALL_HELPER(1);
		s[i].insn_off = 3 * i + 2;
		s[i].kind = BPF_CANCEL_SITE_RET_NULL;
	}
	p[NINSN - 1] = EXIT_INSN();
	t = now_s();
	r = bpf_cancel_check_sites(p, NINSN, s, NSITE, &d);
	t = now_s() - t;
	CHECK(r == 0, "%u sites after ld_imm64s: %s", NSITE, d.msg);
	CHECK(t < 1.0, "check_sites is linear: %.2f s for %u insns, %u sites",
	      t, NINSN, NSITE);
	/* still finds the 2nd slot at the end */
	s[NSITE - 1].insn_off = 3 * (NSITE - 1) + 1;
	s[NSITE - 1].kind = BPF_CANCEL_SITE_RET_NULL;
	expect_sites_err("last site in a 2nd slot", p, NINSN, s, NSITE,
			 BPF_CANCEL_E_SITE_LDIMM64,
			 "insn 119998: site in the second slot of the ld_imm64 at insn 119997");

	/* NREC records, disjoint site ranges in decreasing order */
	sec = malloc(40 + (size_t)NREC * (32 + 16) + 8);
	if (!sec) {
		CHECK(0, "out of memory");
		goto out;
	}
	len = mk_block(sec, &(struct blk_spec){ .nf = NREC, .ns = NREC });
	CHECK(walk_all(sec, len, b, 2, &d) == 1, "large block: %s", d.msg);
	t = now_s();
	r = bpf_cancel_check_site_ranges(&b[0], &d);
	t = now_s() - t;
	CHECK(r == 0 && t < 1.0, "%u sorted records: %d, %.2f s", NREC, r, t);
	foff = 40;
	for (i = 0; i < NREC; i++)
		wr32(sec + foff + i * 32 + 20, NREC - 1 - i);
	t = now_s();
	r = bpf_cancel_check_site_ranges(&b[0], &d);
	t = now_s() - t;
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_SITE_OVERLAP,
	      "reversed records refused: %s", d.msg);
	CHECK(t < 1.0, "site ranges check is linear: %.2f s", t);
	/* all but the first in order: the refusal comes at the end */
	for (i = 0; i < NREC; i++)
		wr32(sec + foff + i * 32 + 20, i + 1 < NREC ? i + 1 : 0);
	r = bpf_cancel_check_site_ranges(&b[0], &d);
	CHECK(r == -EINVAL && t_has(d.msg, "func records 99998 and 99999"),
	      "last record out of order: %s", d.msg);
	free(sec);
out:
	free(s);
	free(p);
}

static void expect_sites_err(const char *what, const struct bpf_insn *hot,
			     __u32 n, const struct bpf_cancel_site *s,
			     __u32 ns, int code, const char *needle)
{
	struct bpf_cancel_diag d = { 0 };
	int r = bpf_cancel_check_sites(hot, n, s, ns, &d);

	CHECK(r == -EINVAL && d.code == code, "%s: r %d code %s (%s)", what, r,
	      bpf_cancel_err_str(d.code), d.msg);
	CHECK_STR(d.msg, needle);
}

static const struct bpf_insn prog[] = {
	MOV64_REG(6, 1),	/* 0 */
	LD_IMM64_LO(1),		/* 1 */
	LD_IMM64_HI(),		/* 2 */
	CALL_HELPER(1),		/* 3 */
	CALL_KFUNC(),		/* 4 */
	MAY_GOTO(2),		/* 5 */
	CALL_HELPER(12),	/* 6 */
	MOV64_IMM(0, 0),	/* 7 */
	EXIT_INSN(),		/* 8 */
};
#define PROG_N (sizeof(prog) / sizeof(prog[0]))

static void test_sites(void)
{
	struct bpf_cancel_site ok[] = {
		{ .insn_off = 3, .kind = BPF_CANCEL_SITE_RET_NULL },
		{ .insn_off = 4, .kind = BPF_CANCEL_SITE_ITER_NEXT },
		{ .insn_off = 5, .kind = BPF_CANCEL_SITE_MAY_GOTO },
		{ .insn_off = 6, .kind = BPF_CANCEL_SITE_TAIL_CALL },
	};
	struct bpf_cancel_site s[4];
	struct bpf_cancel_diag d;
	struct bpf_insn c;

	CHECK(bpf_cancel_check_sites(prog, PROG_N, ok, 4, &d) == 0,
	      "valid sites: %s", d.msg);
	CHECK(bpf_cancel_check_sites(prog, PROG_N, NULL, 0, &d) == 0,
	      "no sites");

	memcpy(s, ok, sizeof(s));
	s[1].kind = 9;
	expect_sites_err("kind", prog, PROG_N, s, 4, BPF_CANCEL_E_SITE_KIND,
			 "unknown kind 9");
	memcpy(s, ok, sizeof(s));
	s[1].kind = 0;
	expect_sites_err("kind 0", prog, PROG_N, s, 4, BPF_CANCEL_E_SITE_KIND,
			 "unknown kind 0");
	memcpy(s, ok, sizeof(s));
	s[0].flags = 2;
	expect_sites_err("flags", prog, PROG_N, s, 4, BPF_CANCEL_E_SITE_FLAGS,
			 "flags 0x2");
	memcpy(s, ok, sizeof(s));
	s[3].reserved = 1;
	expect_sites_err("reserved", prog, PROG_N, s, 4,
			 BPF_CANCEL_E_SITE_FLAGS, "reserved 0x1");
	memcpy(s, ok, sizeof(s));
	s[3].insn_off = 9;
	expect_sites_err("outside", prog, PROG_N, s, 4, BPF_CANCEL_E_SITE_OFF,
			 "insn 9 is outside the function (9 insns)");
	memcpy(s, ok, sizeof(s));
	s[2].insn_off = 4;
	expect_sites_err("order", prog, PROG_N, s, 4, BPF_CANCEL_E_SITE_ORDER,
			 "strictly increasing");
	s[0] = (struct bpf_cancel_site){ .insn_off = 2,
					 .kind = BPF_CANCEL_SITE_RET_NULL };
	expect_sites_err("ld_imm64", prog, PROG_N, s, 1,
			 BPF_CANCEL_E_SITE_LDIMM64,
			 "second slot of the ld_imm64 at insn 1");
	s[0] = (struct bpf_cancel_site){ .insn_off = 5, .imm = 3,
					 .kind = BPF_CANCEL_SITE_MAY_GOTO };
	expect_sites_err("jump imm", prog, PROG_N, s, 1, BPF_CANCEL_E_SITE_IMM,
			 "may-goto site with imm 3");
	s[0] = (struct bpf_cancel_site){ .insn_off = 6, .imm = 1,
					 .kind = BPF_CANCEL_SITE_TAIL_CALL };
	expect_sites_err("tail-call imm", prog, PROG_N, s, 1,
			 BPF_CANCEL_E_SITE_IMM, "tail-call site with imm 1");
	/* a maybe-NULL result's fast value is NULL: any other r0 is a
	 * pointer on a path the verifier never explored
	 */
	s[0] = (struct bpf_cancel_site){ .insn_off = 3, .imm = 5,
					 .kind = BPF_CANCEL_SITE_RET_NULL };
	expect_sites_err("ret-null imm", prog, PROG_N, s, 1,
			 BPF_CANCEL_E_SITE_NONNULL,
			 "site 0 (insn 3): ret-null site with fast value 5: must be 0 (NULL)");
	memcpy(s, ok, sizeof(s));
	s[1].imm = 7;
	expect_sites_err("iter-next imm", prog, PROG_N, s, 4,
			 BPF_CANCEL_E_SITE_NONNULL,
			 "site 1 (insn 4): iter-next site with fast value 7: must be 0 (NULL)");
	s[0] = (struct bpf_cancel_site){ .insn_off = 3, .imm = -2,
					 .kind = BPF_CANCEL_SITE_CALLBACK };
	CHECK(bpf_cancel_check_sites(prog, PROG_N, s, 1, &d) == 0,
	      "callback site may have a non-zero fast value: %s", d.msg);
	s[0] = (struct bpf_cancel_site){ .insn_off = 3,
					 .kind = BPF_CANCEL_SITE_ITER_NEXT };
	expect_sites_err("iter-next on a helper", prog, PROG_N, s, 1,
			 BPF_CANCEL_E_SITE_SHAPE,
			 "iter-next site on '0x85 call 1', expected a kfunc call");
	s[0] = (struct bpf_cancel_site){ .insn_off = 3,
					 .kind = BPF_CANCEL_SITE_TAIL_CALL };
	expect_sites_err("tail-call on call 1", prog, PROG_N, s, 1,
			 BPF_CANCEL_E_SITE_SHAPE, "expected call 12");
	s[0] = (struct bpf_cancel_site){ .insn_off = 0,
					 .kind = BPF_CANCEL_SITE_RET_NULL };
	expect_sites_err("ret-null on a mov", prog, PROG_N, s, 1,
			 BPF_CANCEL_E_SITE_SHAPE, "expected a helper or kfunc");
	s[0] = (struct bpf_cancel_site){ .insn_off = 7,
					 .kind = BPF_CANCEL_SITE_MAY_GOTO };
	expect_sites_err("may-goto on a mov", prog, PROG_N, s, 1,
			 BPF_CANCEL_E_SITE_SHAPE, "expected may_goto");

	/* cold instructions */
	s[0] = (struct bpf_cancel_site){ .insn_off = 3, .imm = -2,
					 .kind = BPF_CANCEL_SITE_CALLBACK };
	CHECK(bpf_cancel_cold_insn(&prog[3], &s[0], &c) == 0 &&
	      c.code == (BPF_ALU64 | BPF_MOV | BPF_K) && c.dst_reg == 0 &&
	      c.src_reg == 0 && c.off == 0 && c.imm == -2, "callback cold");
	s[0].kind = BPF_CANCEL_SITE_ITER_NEXT;
	s[0].imm = 0;
	CHECK(bpf_cancel_cold_insn(&prog[4], &s[0], &c) == 0 &&
	      c.code == (BPF_ALU64 | BPF_MOV | BPF_K) && c.imm == 0,
	      "iter-next cold (kfunc)");
	s[0].kind = BPF_CANCEL_SITE_MAY_GOTO;
	CHECK(bpf_cancel_cold_insn(&prog[5], &s[0], &c) == 0 &&
	      c.code == (BPF_JMP | BPF_JA) && c.off == 2 && c.imm == 0,
	      "may_goto cold");
	s[0].kind = BPF_CANCEL_SITE_TAIL_CALL;
	CHECK(bpf_cancel_cold_insn(&prog[6], &s[0], &c) == 0 &&
	      c.code == (BPF_JMP | BPF_JA) && c.off == 0, "tail call cold");
	CHECK(bpf_cancel_cold_insn(&prog[3], &s[0], &c) == -EINVAL,
	      "tail call cold of call 1 refused");
	s[0].kind = 77;
	CHECK(bpf_cancel_cold_insn(&prog[3], &s[0], &c) == -EINVAL,
	      "unknown kind refused");
	/* kfunc calls as ELF objects encode them (src_reg 1) or resolved */
	{
		struct bpf_insn k1 = CALL_PC(-1), k2 = CALL_KFUNC();

		CHECK(bpf_cancel_site_shape_ok(&k1, BPF_CANCEL_SITE_ITER_NEXT) &&
		      bpf_cancel_site_shape_ok(&k2, BPF_CANCEL_SITE_ITER_NEXT) &&
		      !bpf_cancel_site_shape_ok(&prog[3],
						BPF_CANCEL_SITE_ITER_NEXT),
		      "iter-next shapes");
		CHECK(bpf_cancel_site_shape_ok(&k1, BPF_CANCEL_SITE_RET_NULL) &&
		      bpf_cancel_site_shape_ok(&prog[3], BPF_CANCEL_SITE_RET_NULL) &&
		      !bpf_cancel_site_shape_ok(&k2, BPF_CANCEL_SITE_TAIL_CALL),
		      "ret-null/tail-call shapes");
	}
	/* may_goto with src_reg != 0 is not a may_goto */
	{
		struct bpf_insn j = MAY_GOTO(1);

		j.src_reg = 1;
		s[0].kind = BPF_CANCEL_SITE_MAY_GOTO;
		CHECK(!bpf_cancel_site_shape_ok(&j, BPF_CANCEL_SITE_MAY_GOTO),
		      "jcond src 1 is not may_goto");
	}
}

struct cb_ctx {
	int allowed_calls, same_calls;
	bool allow;
	bool same;
};

static bool cb_allowed(void *ctx, __u32 idx, const struct bpf_insn *hot,
		       int kind, __s32 imm, char *why, __u32 len)
{
	struct cb_ctx *c = ctx;

	(void)hot; (void)kind; (void)imm;
	c->allowed_calls++;
	if (!c->allow)
		snprintf(why, len, "callee at %u is denied (test)", idx);
	return c->allow;
}

static bool cb_same(void *ctx, __u32 idx, const struct bpf_insn *hot,
		    const struct bpf_insn *cold)
{
	struct cb_ctx *c = ctx;

	(void)idx; (void)hot; (void)cold;
	c->same_calls++;
	return c->same;
}

static void test_pair(void)
{
	const struct bpf_cancel_check_ops ops = { cb_allowed, cb_same };
	struct bpf_cancel_site s[] = {
		{ .insn_off = 3, .kind = BPF_CANCEL_SITE_RET_NULL },
		{ .insn_off = 4, .kind = BPF_CANCEL_SITE_ITER_NEXT },
		{ .insn_off = 5, .kind = BPF_CANCEL_SITE_MAY_GOTO },
		{ .insn_off = 6, .kind = BPF_CANCEL_SITE_TAIL_CALL },
	};
	struct bpf_insn cold[PROG_N];
	struct cb_ctx c = { .allow = true };
	struct bpf_cancel_diag d;
	int r;

	memcpy(cold, prog, sizeof(prog));
	cold[3] = MOV64_IMM(0, 0);
	cold[4] = MOV64_IMM(0, 0);
	cold[5] = JA(2);
	cold[6] = JA(0);
	r = bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, &ops, &c, &d);
	CHECK(r == 0, "valid pair: %s", d.msg);
	CHECK(c.allowed_calls == 4 && c.same_calls == 0,
	      "callbacks: allowed %d same %d", c.allowed_calls, c.same_calls);
	CHECK(bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, NULL, NULL, &d) == 0,
	      "no ops");

	/* the example message of the spec */
	r = bpf_cancel_check_pair(prog, cold, PROG_N, NULL, 0, NULL, NULL, &d);
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_INSN_DIFF && d.insn == 3,
	      "no sites: diff at 3 (%s)", d.msg);
	CHECK(!strcmp(d.msg, "insn 3: twin differs from hot at a non-site instruction (hot 0x85 call 1, cold 0xb7 r0 = 0)"),
	      "message: %s", d.msg);

	/* non-site difference, accepted by same_insn */
	cold[0] = MOV64_REG(7, 1);
	r = bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, &ops, &c, &d);
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_INSN_DIFF && d.insn == 0,
	      "non-site diff");
	CHECK_STR(d.msg, "(hot 0xbf r6 = r1, cold 0xbf r7 = r1)");
	c.same = true;
	c.same_calls = 0;
	r = bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, &ops, &c, &d);
	CHECK(r == 0 && c.same_calls == 1, "same_insn accepts: %d", r);
	c.same = false;
	cold[0] = prog[0];

	/* wrong cold at a site */
	cold[3] = MOV64_IMM(0, 1);
	r = bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, &ops, &c, &d);
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_SITE_COLD && d.insn == 3,
	      "wrong fast value in twin");
	CHECK_STR(d.msg, "twin has '0xb7 r0 = 1' at a ret-null site, expected '0xb7 r0 = 0'");
	cold[3] = prog[3];
	r = bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, &ops, &c, &d);
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_SITE_COLD,
	      "twin kept the call at a site");
	cold[3] = MOV64_IMM(0, 0);
	cold[5] = JA(1);
	r = bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, &ops, &c, &d);
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_SITE_COLD && d.insn == 5,
	      "may_goto to the wrong edge");
	cold[5] = JA(2);

	/* site refused by the policy callback */
	c.allow = false;
	r = bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, &ops, &c, &d);
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_SITE_DENIED && d.insn == 3,
	      "denied");
	CHECK_STR(d.msg, "illegal substitution: ret-null site (r0 = 0) on '0x85 call 1': callee at 3 is denied (test)");
	c.allow = true;

	/* wrong shape at pair level */
	s[0].kind = BPF_CANCEL_SITE_TAIL_CALL;
	r = bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, &ops, &c, &d);
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_SITE_SHAPE, "shape");
	s[0].kind = BPF_CANCEL_SITE_RET_NULL;

	/* site beyond the end */
	s[3].insn_off = 20;
	r = bpf_cancel_check_pair(prog, cold, PROG_N, s, 4, &ops, &c, &d);
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_INSN_DIFF,
	      "site 3 beyond end leaves insn 6 unmatched (%s)", d.msg);
	r = bpf_cancel_check_pair(prog, prog, PROG_N, &s[3], 1, &ops, &c, &d);
	CHECK(r == -EINVAL && d.code == BPF_CANCEL_E_SITE_OFF,
	      "site beyond end (%s)", d.msg);
}

static void test_names(void)
{
	int i, j;
	char buf[64];
	struct bpf_insn x;

	for (i = 0; i < __BPF_CANCEL_E_MAX; i++) {
		CHECK(strcmp(bpf_cancel_err_str(i), "unknown"), "code %d named", i);
		for (j = 0; j < i; j++)
			if (!strcmp(bpf_cancel_err_str(i), bpf_cancel_err_str(j)))
				CHECK(0, "codes %d and %d share a name", i, j);
	}
	CHECK(!strcmp(bpf_cancel_err_str(-1), "unknown"), "bad code");
	CHECK(!strcmp(bpf_cancel_kind_str(BPF_CANCEL_SITE_MAY_GOTO), "may-goto"),
	      "kind names");
	x = JEQ32_IMM(3, 7, -4);
	bpf_cancel_insn_str(&x, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0x16 if w3 == 7 goto -4"), "insn str: %s", buf);
	x = CALL_PC(-5);
	bpf_cancel_insn_str(&x, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0x85 call pc-5"), "insn str: %s", buf);
	x = LD_IMM64_LO(2);
	bpf_cancel_insn_str(&x, buf, 8);	/* truncation is safe */
	CHECK(strlen(buf) == 7, "truncated insn str");
}

int main(void)
{
	test_blocks();
	test_sites();
	test_pair();
	test_names();
	test_large();
	return t_summary();
}
