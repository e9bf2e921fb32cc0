// SPDX-License-Identifier: GPL-2.0
/*
 * Bad cancellation input at BPF_PROG_LOAD is refused, with a verifier log
 * line naming the instruction when the verifier is the one who refuses; a
 * legal site the verifier cannot confirm is dropped with a log line; and a
 * bounded fuzz loop over random mutations of valid site arrays and of the
 * attribute fields never crashes the kernel (the bench fails a boot on any
 * kernel report, so "no splat" is checked there).
 *
 * The programs are hand-written instruction arrays loaded with a hand-built
 * union bpf_attr through syscall(__NR_bpf), so that every field (cancel_pad,
 * cancel_site_rec_size included) can be set to anything:
 *   A: one bpf_map_lookup_elem (ret-null site at insn 5), ld_imm64 at 3-4
 *   B: two lookups (sites at 5 and 11)
 *   C: an open-coded bpf_iter_num loop (kfunc calls at 4, 7, 11)
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf_cancel.h>
#include "cancel_util.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s)		INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i)		INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i)		INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ST_W(d, o, i)		INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define LD_MAP_FD(d, fd)	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define CALL_HELPER(id)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_KFUNC(btf_id)	INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, btf_id)
#define JNE_IMM(d, i, o)	INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT()			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define MAX_INSNS 32

struct prog {
	const char *name;
	struct bpf_insn insns[MAX_INSNS];
	int cnt;
};

static char log_buf[1 << 16];

static void prog_a(struct prog *p, int map_fd)
{
	struct bpf_insn a[] = {
		ST_W(BPF_REG_10, -4, 0),		/* 0 */
		MOV64_REG(BPF_REG_2, BPF_REG_10),	/* 1 */
		ADD64_IMM(BPF_REG_2, -4),		/* 2 */
		LD_MAP_FD(BPF_REG_1, map_fd),		/* 3, 4 */
		CALL_HELPER(BPF_FUNC_map_lookup_elem),	/* 5: ret-null site */
		JNE_IMM(BPF_REG_0, 0, 2),		/* 6 */
		MOV64_IMM(BPF_REG_0, 1),		/* 7 */
		EXIT(),					/* 8 */
		MOV64_IMM(BPF_REG_0, 2),		/* 9 */
		EXIT(),					/* 10 */
	};

	p->name = "A";
	p->cnt = sizeof(a) / sizeof(a[0]);
	memcpy(p->insns, a, sizeof(a));
}

static void prog_b(struct prog *p, int map_fd)
{
	struct bpf_insn b[] = {
		ST_W(BPF_REG_10, -4, 0),		/* 0 */
		MOV64_REG(BPF_REG_2, BPF_REG_10),	/* 1 */
		ADD64_IMM(BPF_REG_2, -4),		/* 2 */
		LD_MAP_FD(BPF_REG_1, map_fd),		/* 3, 4 */
		CALL_HELPER(BPF_FUNC_map_lookup_elem),	/* 5: ret-null site */
		MOV64_REG(BPF_REG_6, BPF_REG_0),	/* 6 */
		MOV64_REG(BPF_REG_2, BPF_REG_10),	/* 7 */
		ADD64_IMM(BPF_REG_2, -4),		/* 8 */
		LD_MAP_FD(BPF_REG_1, map_fd),		/* 9, 10 */
		CALL_HELPER(BPF_FUNC_map_lookup_elem),	/* 11: ret-null site */
		MOV64_IMM(BPF_REG_0, 0),		/* 12 */
		EXIT(),					/* 13 */
	};

	p->name = "B";
	p->cnt = sizeof(b) / sizeof(b[0]);
	memcpy(p->insns, b, sizeof(b));
}

static void prog_c(struct prog *p, int id_new, int id_next, int id_destroy)
{
	struct bpf_insn c[] = {
		MOV64_REG(BPF_REG_1, BPF_REG_10),	/* 0 */
		ADD64_IMM(BPF_REG_1, -8),		/* 1 */
		MOV64_IMM(BPF_REG_2, 0),		/* 2 */
		MOV64_IMM(BPF_REG_3, 3),		/* 3 */
		CALL_KFUNC(id_new),			/* 4 */
		MOV64_REG(BPF_REG_1, BPF_REG_10),	/* 5 */
		ADD64_IMM(BPF_REG_1, -8),		/* 6 */
		CALL_KFUNC(id_next),			/* 7: iter-next site */
		JNE_IMM(BPF_REG_0, 0, -4),		/* 8: back to 5 */
		MOV64_REG(BPF_REG_1, BPF_REG_10),	/* 9 */
		ADD64_IMM(BPF_REG_1, -8),		/* 10 */
		CALL_KFUNC(id_destroy),			/* 11 */
		MOV64_IMM(BPF_REG_0, 0),		/* 12 */
		EXIT(),					/* 13 */
	};

	p->name = "C";
	p->cnt = sizeof(c) / sizeof(c[0]);
	memcpy(p->insns, c, sizeof(c));
}

struct load {
	__u32 prog_flags;		/* BPF_F_CANCELLABLE added unless no_flag */
	bool no_flag;
	__u32 pad;
	const void *sites;		/* records of rec_size bytes */
	__u32 cnt, rec_size;
	__u64 budget_ns;
	bool null_sites;		/* cnt set, pointer NULL */
};

/* BPF_PROG_LOAD; returns the fd or -errno, the log in log_buf */
static int raw_load(const struct prog *p, const struct load *l)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SYSCALL;
	attr.insns = (unsigned long)p->insns;
	attr.insn_cnt = p->cnt;
	attr.license = (unsigned long)"GPL";
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	attr.log_level = 1;
	attr.prog_flags = BPF_F_SLEEPABLE | l->prog_flags | (l->no_flag ? 0 : BPF_F_CANCELLABLE);
	attr.cancel_pad = l->pad;
	attr.cancel_sites = l->null_sites ? 0 : (unsigned long)l->sites;
	attr.cancel_site_cnt = l->cnt;
	attr.cancel_site_rec_size = l->rec_size;
	attr.cancel_budget_ns = l->budget_ns;
	log_buf[0] = 0;
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

static struct bpf_cancel_site site(__u32 off, __u16 kind)
{
	return (struct bpf_cancel_site){ .insn_off = off, .kind = kind };
}

#define REC sizeof(struct bpf_cancel_site)

/* the load must fail with err (and name the instruction in the log when
 * want_log is set) */
static void refused(const char *what, const struct prog *p, const struct load *l, int err,
		    const char *want_log)
{
	int fd = raw_load(p, l);
	char name[160];

	snprintf(name, sizeof(name), "%s: refused with %d", what, err);
	if (fd >= 0)
		close(fd);
	if (!ASSERT_EQ(fd, err, name) || !want_log)
		return;
	if (!strstr(log_buf, want_log))
		test__fail("%s: verifier log does not contain \"%s\":\n%s", what, want_log,
			   log_buf);
	else
		printf("  %s: %.*s\n", what, (int)strcspn(strstr(log_buf, "cancel:") ?: log_buf, "\n"),
		       strstr(log_buf, "cancel:") ?: log_buf);
}

static int loaded(const char *what, const struct prog *p, const struct load *l,
		  struct bpf_prog_info *info)
{
	int fd = raw_load(p, l);

	if (!ASSERT_FD(fd, what)) {
		printf("%s\n", log_buf);
		return -1;
	}
	if (info)
		cancel_info(fd, info);
	return fd;
}

static __u32 rnd(void)
{
	return (__u32)random();
}

static void fuzz(struct prog *progs, int nprogs)
{
	static const __u32 sizes[] = { REC, REC, REC, 12, 20, 24, 8, 14, 0, 4096, 8192, 100000 };
	static const __s32 imms[] = { 0, 0, 0, 1, -1, -ENOENT, 0x7fffffff };
	int outcome[5] = {}, iters = 0, bad = 0, unexpected = 0;
	unsigned char buf[8 * 100000 / 4];
	double t0 = cancel_now();
	const int known[] = { EINVAL, E2BIG, EFAULT, EACCES, EPERM };

	srandom(4);
	while (iters < 4000 && cancel_now() - t0 < 3.0) {
		const struct prog *p = &progs[rnd() % nprogs];
		struct load l = { .rec_size = REC };
		__u32 i, n = rnd() % 5;
		int fd, k;

		iters++;
		if (rnd() % 8 == 0)
			l.rec_size = sizes[rnd() % (sizeof(sizes) / sizeof(sizes[0]))];
		if (l.rec_size > sizeof(buf) / 4)
			n = 1;
		memset(buf, 0, sizeof(buf));
		for (i = 0; i < n; i++) {
			struct bpf_cancel_site s = {
				/* mostly near the calls, sometimes anywhere */
				.insn_off = rnd() % 4 ? (rnd() % (p->cnt + 2)) : rnd(),
				.kind = rnd() % 8 ? 1 + rnd() % 5 : rnd() % 65536,
				.flags = rnd() % 16 ? 0 : rnd(),
				.imm = imms[rnd() % (sizeof(imms) / sizeof(imms[0]))],
				.reserved = rnd() % 16 ? 0 : rnd(),
			};
			unsigned char *rec = buf + (size_t)i * l.rec_size;

			if (l.rec_size && (size_t)(i + 1) * l.rec_size <= sizeof(buf)) {
				memcpy(rec, &s, l.rec_size < REC ? l.rec_size : REC);
				if (l.rec_size > REC && rnd() % 4 == 0)
					rec[l.rec_size - 1] = 1;
			}
		}
		/* sometimes sorted, as a loader would pass them */
		l.sites = buf;
		l.cnt = n;
		if (rnd() % 32 == 0)
			l.cnt = rnd();			/* count without records */
		if (rnd() % 32 == 0)
			l.null_sites = true;
		if (rnd() % 32 == 0)
			l.pad = rnd() | 1;
		if (rnd() % 16 == 0)
			l.no_flag = true;
		if (rnd() % 8 == 0)
			l.budget_ns = (__u64)rnd() << (rnd() % 32);
		fd = raw_load(p, &l);
		if (fd >= 0) {
			outcome[0]++;
			close(fd);
			continue;
		}
		for (k = 0; k < (int)(sizeof(known) / sizeof(known[0])); k++)
			if (-fd == known[k])
				break;
		if (k < (int)(sizeof(known) / sizeof(known[0]))) {
			outcome[1 + (k < 3 ? k : 3)]++;
		} else {
			unexpected++;
			if (bad++ < 3)
				test__fail("fuzz: load returned %d (%s)", fd, strerror(-fd));
		}
	}
	printf("  fuzz: %d loads in %.2f s: %d loaded, %d EINVAL, %d E2BIG, %d EFAULT, %d EACCES/EPERM, %d other\n",
	       iters, cancel_now() - t0, outcome[0], outcome[1], outcome[2], outcome[3], outcome[4],
	       unexpected);
	ASSERT_GE(iters, 200, "fuzz iterations");
	ASSERT_GT(outcome[0], 0, "some mutations still load");
	ASSERT_GT(outcome[1], 0, "some mutations refused");
}

void test_cancel_bad_input(void)
{
	struct prog a, b, c, progs[3];
	struct bpf_cancel_site s[4];
	unsigned char big[64];
	struct bpf_prog_info info;
	struct btf *vmlinux;
	int map_fd, fd, id_new, id_next, id_destroy;
	struct load l;

	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cancel_bad", 4, 8, 1, NULL);
	if (!ASSERT_FD(map_fd, "array map"))
		return;
	vmlinux = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(vmlinux, "vmlinux BTF"))
		goto out_map;
	id_new = btf__find_by_name_kind(vmlinux, "bpf_iter_num_new", BTF_KIND_FUNC);
	id_next = btf__find_by_name_kind(vmlinux, "bpf_iter_num_next", BTF_KIND_FUNC);
	id_destroy = btf__find_by_name_kind(vmlinux, "bpf_iter_num_destroy", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (!ASSERT_GT(id_new, 0, "bpf_iter_num_new BTF id") || !ASSERT_GT(id_next, 0, "next") ||
	    !ASSERT_GT(id_destroy, 0, "destroy"))
		goto out_map;
	prog_a(&a, map_fd);
	prog_b(&b, map_fd);
	prog_c(&c, id_new, id_next, id_destroy);

	if (test__start_subtest("valid_sites")) {
		s[0] = site(5, BPF_CANCEL_SITE_RET_NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC };
		fd = loaded("A with its site", &a, &l, &info);
		if (fd >= 0) {
			ASSERT_EQ(info.cancel_status, BPF_CANCEL_STATUS_ON, "A: status ON");
			ASSERT_EQ(info.cancel_sites, 1, "A: one site");
			ASSERT_EQ(info.cancel_sites_dropped, 0, "A: none dropped");
			close(fd);
		}
		s[1] = site(11, BPF_CANCEL_SITE_RET_NULL);
		l = (struct load){ .sites = s, .cnt = 2, .rec_size = REC };
		fd = loaded("B with its sites", &b, &l, &info);
		if (fd >= 0) {
			ASSERT_EQ(info.cancel_sites, 2, "B: two sites");
			close(fd);
		}
		s[0] = site(7, BPF_CANCEL_SITE_ITER_NEXT);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC };
		fd = loaded("C with its site", &c, &l, &info);
		if (fd >= 0) {
			ASSERT_EQ(info.cancel_sites, 1, "C: one site");
			close(fd);
		}
		/* no records at all: the kernel's own sites only */
		l = (struct load){ 0 };
		fd = loaded("A without records", &a, &l, &info);
		if (fd >= 0) {
			ASSERT_EQ(info.cancel_status, BPF_CANCEL_STATUS_ON, "status ON without records");
			close(fd);
		}
		/* a shorter record (without "reserved") and a longer one with a zero tail */
		memset(big, 0, sizeof(big));
		s[0] = site(5, BPF_CANCEL_SITE_RET_NULL);
		memcpy(big, &s[0], 12);
		l = (struct load){ .sites = big, .cnt = 1, .rec_size = 12 };
		fd = loaded("A with 12-byte records", &a, &l, NULL);
		if (fd >= 0)
			close(fd);
		memset(big, 0, sizeof(big));
		memcpy(big, &s[0], REC);
		l = (struct load){ .sites = big, .cnt = 1, .rec_size = 24 };
		fd = loaded("A with 24-byte records, zero tail", &a, &l, NULL);
		if (fd >= 0)
			close(fd);
	}

	if (test__start_subtest("site_out_of_range")) {
		s[0] = site(100, BPF_CANCEL_SITE_RET_NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC };
		refused("insn_off 100 of 11", &a, &l, -EINVAL, "insn 100");
		s[0] = site(0xffffffffu, BPF_CANCEL_SITE_RET_NULL);
		refused("insn_off 0xffffffff", &a, &l, -EINVAL, "insn 4294967295");
	}
	if (test__start_subtest("unknown_kind")) {
		s[0] = site(5, 0);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC };
		refused("kind 0", &a, &l, -EINVAL, "insn 5");
		s[0] = site(5, __BPF_CANCEL_SITE_MAX);
		refused("kind MAX", &a, &l, -EINVAL, "insn 5");
		s[0] = site(5, 0x80);
		refused("kind 0x80 (the kernel's own bpf_cancelled() tag)", &a, &l, -EINVAL, "insn 5");
	}
	if (test__start_subtest("call_site_on_non_call")) {
		s[0] = site(7, BPF_CANCEL_SITE_RET_NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC };
		refused("ret-null site on r0 = 1", &a, &l, -EINVAL, "insn 7");
		s[0] = site(6, BPF_CANCEL_SITE_MAY_GOTO);
		refused("may-goto site on a conditional jump", &a, &l, -EINVAL, "insn 6");
		s[0] = site(5, BPF_CANCEL_SITE_TAIL_CALL);
		refused("tail-call site on map_lookup_elem", &a, &l, -EINVAL, "insn 5");
		s[0] = site(4, BPF_CANCEL_SITE_RET_NULL);
		refused("site in the second slot of an ld_imm64", &a, &l, -EINVAL, "insn 4");
	}
	if (test__start_subtest("illegal_call_kind")) {
		s[0] = site(5, BPF_CANCEL_SITE_ITER_NEXT);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC };
		refused("iter-next site on a helper", &a, &l, -EINVAL, "insn 5");
		s[0] = site(5, BPF_CANCEL_SITE_CALLBACK);
		refused("callback site on map_lookup_elem", &a, &l, -EINVAL, "insn 5");
		s[0] = site(4, BPF_CANCEL_SITE_ITER_NEXT);
		refused("iter-next site on bpf_iter_num_new", &c, &l, -EINVAL, "insn 4");
		s[0] = site(11, BPF_CANCEL_SITE_RET_NULL);
		refused("ret-null site on bpf_iter_num_destroy", &c, &l, -EINVAL, "insn 11");
		s[0] = site(5, BPF_CANCEL_SITE_RET_NULL);
		s[0].imm = 1;
		refused("ret-null site with a non-NULL fast value", &a, &l, -EINVAL, "insn 5");
	}
	if (test__start_subtest("flags_reserved")) {
		s[0] = site(5, BPF_CANCEL_SITE_RET_NULL);
		s[0].flags = 1;
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC };
		refused("site flags 1", &a, &l, -EINVAL, "insn 5");
		s[0].flags = 0;
		s[0].reserved = 0x100;
		refused("site reserved 0x100", &a, &l, -EINVAL, "insn 5");
	}
	if (test__start_subtest("unsorted")) {
		s[0] = site(11, BPF_CANCEL_SITE_RET_NULL);
		s[1] = site(5, BPF_CANCEL_SITE_RET_NULL);
		l = (struct load){ .sites = s, .cnt = 2, .rec_size = REC };
		refused("sites 11, 5", &b, &l, -EINVAL, "insn 5");
		s[0] = site(5, BPF_CANCEL_SITE_RET_NULL);
		s[1] = site(5, BPF_CANCEL_SITE_RET_NULL);
		refused("sites 5, 5", &b, &l, -EINVAL, "insn 5");
	}
	if (test__start_subtest("attr_fields")) {
		s[0] = site(5, BPF_CANCEL_SITE_RET_NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC, .pad = 1 };
		refused("cancel_pad 1", &a, &l, -EINVAL, NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = 8 };
		refused("rec_size 8", &a, &l, -EINVAL, NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = 14 };
		refused("rec_size 14", &a, &l, -EINVAL, NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = 0 };
		refused("rec_size 0", &a, &l, -EINVAL, NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = 1 << 20 };
		refused("rec_size 1 MiB", &a, &l, -EINVAL, NULL);
		memset(big, 0, sizeof(big));
		memcpy(big, &s[0], REC);
		big[23] = 1;
		l = (struct load){ .sites = big, .cnt = 1, .rec_size = 24 };
		refused("24-byte record with a non-zero tail", &a, &l, -EINVAL, NULL);
		l = (struct load){ .cnt = 1, .rec_size = REC, .null_sites = true };
		refused("site count without records", &a, &l, -EINVAL, NULL);
		l = (struct load){ .sites = s, .cnt = 0, .rec_size = REC };
		refused("records without a count", &a, &l, -EINVAL, NULL);
		l = (struct load){ .sites = s, .cnt = 2000000, .rec_size = REC };
		refused("2M sites", &a, &l, -E2BIG, NULL);
		/* without BPF_F_CANCELLABLE every cancel field must be zero */
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC, .no_flag = true };
		refused("sites without BPF_F_CANCELLABLE", &a, &l, -EINVAL, NULL);
		l = (struct load){ .no_flag = true, .pad = 1 };
		refused("cancel_pad without BPF_F_CANCELLABLE", &a, &l, -EINVAL, NULL);
		l = (struct load){ .no_flag = true, .budget_ns = 1000 };
		refused("budget without BPF_F_CANCELLABLE", &a, &l, -EINVAL, NULL);
	}
	if (test__start_subtest("unconfirmed_site_dropped")) {
		/* a ret-null site on bpf_iter_num_next (KF_RET_NULL, so a legal
		 * kind), but the verifier types the result as NULL or as a
		 * valid pointer, never as "maybe NULL": dropped, and the load
		 * succeeds */
		s[0] = site(7, BPF_CANCEL_SITE_RET_NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC };
		fd = loaded("C with a ret-null site on bpf_iter_num_next", &c, &l, &info);
		if (fd >= 0) {
			ASSERT_EQ(info.cancel_status, BPF_CANCEL_STATUS_ON, "status ON");
			ASSERT_EQ(info.cancel_sites_dropped, 1, "cancel_sites_dropped");
			if (!strstr(log_buf, "cancel: insn 7:") || !strstr(log_buf, "dropped"))
				test__fail("no \"cancel: insn 7: ... dropped\" line in the log:\n%s",
					   log_buf);
			else
				printf("  %.*s\n", (int)strcspn(strstr(log_buf, "cancel: insn 7:"), "\n"),
				       strstr(log_buf, "cancel: insn 7:"));
			close(fd);
		}
	}
	if (test__start_subtest("fuzz")) {
		progs[0] = a;
		progs[1] = b;
		progs[2] = c;
		fuzz(progs, 3);
		/* still sane afterwards */
		s[0] = site(5, BPF_CANCEL_SITE_RET_NULL);
		l = (struct load){ .sites = s, .cnt = 1, .rec_size = REC };
		fd = loaded("A after the fuzz loop", &a, &l, NULL);
		if (fd >= 0)
			close(fd);
	}
out_map:
	close(map_fd);
}
