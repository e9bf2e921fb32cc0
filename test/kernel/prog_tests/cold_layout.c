// SPDX-License-Identifier: GPL-2.0
/*
 * Cold twins built by the kernel (BPF_F_CANCELLABLE): bpf_prog_info says
 * the program is cancellable and how big its cold code is, the program
 * still computes what it computed without the flag, the verifier processed
 * exactly as many instructions, and the hot JIT image is unchanged.
 */
#include <stdlib.h>
#include "bench.h"
#include "jit_norm.h"

static struct bpf_object *load(bool cancellable)
{
	struct bpf_object *obj = bench_open("cold_layout");
	struct bpf_program *p;

	if (!ASSERT_OK_PTR(obj, "open cold_layout.bpf.o"))
		return NULL;
	bpf_object__for_each_program(p, obj)
		if (cancellable)
			bpf_program__set_flags(p, bpf_program__flags(p) | BPF_F_CANCELLABLE);
	if (!ASSERT_OK(bpf_object__load(obj), "load cold_layout.bpf.o")) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static void check(struct bpf_object *hot, struct bpf_object *plain, const char *name,
		  int nfuncs)
{
	struct bpf_program *ph = bpf_object__find_program_by_name(hot, name);
	struct bpf_program *pp = bpf_object__find_program_by_name(plain, name);
	struct bpf_prog_info ih = {}, ip = {};
	__u32 lh = sizeof(ih), lp = sizeof(ip);
	LIBBPF_OPTS(bpf_test_run_opts, oh);
	LIBBPF_OPTS(bpf_test_run_opts, op);
	struct jit_image a = {}, b = {};
	struct jit_norm na = {}, nb = {};
	char why[512];
	long d;

	if (!ASSERT_OK_PTR(ph, name) || !ASSERT_OK_PTR(pp, name))
		return;
	if (!ASSERT_OK(bpf_prog_get_info_by_fd(bpf_program__fd(ph), &ih, &lh), "info") ||
	    !ASSERT_OK(bpf_prog_get_info_by_fd(bpf_program__fd(pp), &ip, &lp), "info"))
		return;
	ASSERT_EQ(ih.cancel_status, BPF_CANCEL_STATUS_ON, "cancel_status");
	ASSERT_EQ(ih.cancel_reason, BPF_CANCEL_REASON_NONE, "cancel_reason");
	ASSERT_GT(ih.cancel_cold_jited_len, 0, "cold JIT bytes");
	ASSERT_EQ(ip.cancel_status, BPF_CANCEL_STATUS_OFF, "plain: cancel_status");
	ASSERT_EQ(ip.cancel_cold_jited_len, 0, "plain: no cold code");
	ASSERT_EQ(ih.verified_insns, ip.verified_insns, "verified_insns");
	ASSERT_EQ(ih.xlated_prog_len, ip.xlated_prog_len, "xlated length");
	ASSERT_EQ(ih.jited_prog_len, ip.jited_prog_len, "hot JIT length");
	printf("cold_layout: %s: hot %u B, cold %u B, %u sites\n", name,
	       ih.jited_prog_len, ih.cancel_cold_jited_len, ih.cancel_sites);

	if (ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(ph), &oh), "run cancellable") &&
	    ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(pp), &op), "run plain"))
		ASSERT_EQ(oh.retval, op.retval, "same result");

	if (!ASSERT_OK(jit_image_get(bpf_program__fd(ph), &a), "image") ||
	    !ASSERT_OK(jit_image_get(bpf_program__fd(pp), &b), "image"))
		goto out;
	ASSERT_EQ(a.nfuncs, nfuncs, "JITed functions");
	if (jit_normalise(JIT_HOST_ARCH, &a, &na) || jit_normalise(JIT_HOST_ARCH, &b, &nb)) {
		test__fail("normalise: %s / %s", na.err, nb.err);
		goto out;
	}
	d = jit_norm_cmp(&na, &nb);
	if (d >= 0) {
		jit_norm_describe(&na, &nb, d, why, sizeof(why));
		test__fail("%s: hot JIT image differs from the plain load: %s", name, why);
	}
out:
	jit_image_free(&a);
	jit_image_free(&b);
	jit_norm_free(&na);
	jit_norm_free(&nb);
}

void test_cold_layout(void)
{
	struct bpf_object *hot = load(true), *plain = hot ? load(false) : NULL;

	if (!hot || !plain)
		goto out;
	if (test__start_subtest("single"))
		check(hot, plain, "single", 1);
	if (test__start_subtest("multi"))
		check(hot, plain, "multi", 3);
out:
	bpf_object__close(plain);
	bpf_object__close(hot);
}
