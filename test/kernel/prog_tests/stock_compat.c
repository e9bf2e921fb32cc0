// SPDX-License-Identifier: GPL-2.0
/*
 * An object built with -fbpf-cancellable loads, unchanged, with stock libbpf
 * on a stock kernel: libbpf never sees the cold twins (uncalled local .text
 * functions are never appended), the object adds no extern, and the kernel
 * gets exactly the hot code of a build without the flag. Compared, for the
 * same program from progs/stock_compat.c built both ways: the programs libbpf
 * exposes, the verifier's work (verified_insns), the xlated length, the JITed
 * image after normalising load-specific immediates, and the results.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "bench.h"
#include "jit_norm.h"

/* does the object file contain this byte string (a section or symbol name)? */
static bool file_has(const char *obj, const char *needle)
{
	char path[256];
	struct stat st;
	bool found = false;
	char *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", bench_obj_dir(), obj);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		goto out;
	buf = malloc(st.st_size);
	if (buf && read(fd, buf, st.st_size) == st.st_size)
		found = memmem(buf, st.st_size, needle, strlen(needle) + 1) != NULL;
	free(buf);
out:
	if (fd >= 0)
		close(fd);
	return found;
}

static int prog_count(struct bpf_object *obj, bool *saw_twin)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, obj) {
		if (strstr(bpf_program__name(p), "__cold"))
			*saw_twin = true;
		n++;
	}
	return n;
}

static struct bpf_object *load(const char *name)
{
	struct bpf_object *obj = bench_open(name);

	if (!ASSERT_OK_PTR(obj, name))
		return NULL;
	if (!ASSERT_OK(bpf_object__load(obj), name)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static bool run(struct bpf_object *obj, const char *what)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "compat");
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	__u64 v = 0;
	__u32 key = 1;

	if (!ASSERT_OK_PTR(p, what))
		return false;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(p), &opts), what))
		return false;
	ASSERT_EQ(opts.retval, 7, what);
	ASSERT_EQ(*BENCH_VAR(obj, __u64, "out_iter"), 45, "iterator sum");
	ASSERT_EQ(*BENCH_VAR(obj, __u64, "out_loop"), 10, "bpf_loop sum");
	ASSERT_EQ(*BENCH_VAR(obj, __u64, "out_sub"), 45, "subprogram loop sum");
	ASSERT_OK(bpf_map__lookup_elem(bpf_object__find_map_by_name(obj, "vals"),
				       &key, sizeof(key), &v, sizeof(v), 0), "lookup vals[1]");
	return ASSERT_EQ(v, 100, "map value written");
}

static bool info(struct bpf_object *obj, struct bpf_prog_info *pi)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "compat");
	__u32 len = sizeof(*pi);

	memset(pi, 0, sizeof(*pi));
	return ASSERT_OK_PTR(p, "compat") &&
	       ASSERT_OK(bpf_prog_get_info_by_fd(bpf_program__fd(p), pi, &len), "prog info");
}

void test_stock_compat(void)
{
	struct bpf_object *plain = NULL, *flag = NULL;
	struct jit_image a = {}, b = {};
	struct jit_norm na = {}, nb = {};
	struct bpf_prog_info ip, iflag;
	bool twin_seen = false;
	char why[512];
	long d;

	if (test__start_subtest("object_has_twins")) {
		/* otherwise this test would prove nothing */
		ASSERT_TRUE(file_has("stock_compat_flag", ".BPF.cancel"), "flagged object has .BPF.cancel");
		ASSERT_TRUE(file_has("stock_compat_flag", "compat__cold"), "flagged object has the twin");
		ASSERT_FALSE(file_has("stock_compat", "compat__cold"), "plain object has no twin");
	}

	plain = load("stock_compat");
	flag = load("stock_compat_flag");
	if (!plain || !flag)
		goto out;

	if (test__start_subtest("libbpf_sees_no_twin")) {
		ASSERT_EQ(prog_count(flag, &twin_seen), prog_count(plain, &twin_seen),
			  "same programs in both objects");
		ASSERT_FALSE(twin_seen, "no twin exposed as a program");
	}
	if (test__start_subtest("same_results")) {
		run(plain, "run plain");
		run(flag, "run flagged");
	}
	if (test__start_subtest("same_hot_code")) {
		if (!info(plain, &ip) || !info(flag, &iflag))
			goto out;
		ASSERT_EQ(iflag.verified_insns, ip.verified_insns, "verified_insns");
		ASSERT_EQ(iflag.xlated_prog_len, ip.xlated_prog_len, "xlated length");
		ASSERT_EQ(iflag.jited_prog_len, ip.jited_prog_len, "JITed length");
		ASSERT_EQ(iflag.nr_jited_ksyms, ip.nr_jited_ksyms, "JITed functions");
		if (!ASSERT_OK(jit_image_get(bpf_program__fd(bpf_object__find_program_by_name(plain, "compat")), &a), "image plain") ||
		    !ASSERT_OK(jit_image_get(bpf_program__fd(bpf_object__find_program_by_name(flag, "compat")), &b), "image flagged"))
			goto out;
		if (jit_normalise(JIT_HOST_ARCH, &a, &na) || jit_normalise(JIT_HOST_ARCH, &b, &nb)) {
			test__fail("normalise: %s%s", na.err, nb.err);
			goto out;
		}
		d = jit_norm_cmp(&na, &nb);
		if (d >= 0) {
			jit_norm_describe(&na, &nb, d, why, sizeof(why));
			test__fail("JIT images of the plain and flagged builds differ: %s", why);
		}
	}
out:
	jit_norm_free(&na); jit_norm_free(&nb);
	jit_image_free(&a); jit_image_free(&b);
	bpf_object__close(flag);
	bpf_object__close(plain);
}
