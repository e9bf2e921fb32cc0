// SPDX-License-Identifier: GPL-2.0
/*
 * (c) read JITed images back (BPF_OBJ_GET_INFO_BY_FD: jited_prog_insns,
 * jited_ksyms, jited_func_lens) and compare two loads of one program after
 * normalising the immediates that differ between loads (harness/jit_norm.c).
 */
#include <stdlib.h>
#include "bench.h"
#include "jit_norm.h"

static struct bpf_object *load(void)
{
	struct bpf_object *obj = bench_open("jit_image");

	if (!ASSERT_OK_PTR(obj, "open jit_image.bpf.o"))
		return NULL;
	if (!ASSERT_OK(bpf_object__load(obj), "load jit_image.bpf.o")) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static bool image(struct bpf_object *obj, const char *prog, struct jit_image *img,
		  struct jit_norm *n)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);

	if (!ASSERT_OK_PTR(p, prog))
		return false;
	if (!ASSERT_OK(jit_image_get(bpf_program__fd(p), img), "jit_image_get"))
		return false;
	/* jit_a: main + mix() + the bpf_loop callback */
	ASSERT_EQ(img->nfuncs, 3, "JITed functions");
	if (jit_normalise(JIT_HOST_ARCH, img, n)) {
		test__fail("normalise %s: %s", prog, n->err);
		return false;
	}
	return true;
}

void test_jit_image(void)
{
	struct bpf_object *o1 = load(), *o2 = o1 ? load() : NULL;
	struct jit_image a = {}, b = {}, c = {};
	struct jit_norm na = {}, nb = {}, nc = {};
	char why[512];
	long d;

	if (!o1 || !o2)
		goto out;
	if (!image(o1, "jit_a", &a, &na) || !image(o2, "jit_a", &b, &nb) ||
	    !image(o1, "jit_b", &c, &nc))
		goto out;

	if (test__start_subtest("two_loads_equal")) {
		/* the raw images must differ (else normalising proves nothing) ... */
		ASSERT_EQ(a.len, b.len, "same JIT length");
		ASSERT_TRUE(a.len != b.len || memcmp(a.insns, b.insns, a.len),
			    "raw images of two loads differ (map/call immediates)");
		/* ... and be equal once normalised */
		d = jit_norm_cmp(&na, &nb);
		if (d >= 0) {
			jit_norm_describe(&na, &nb, d, why, sizeof(why));
			test__fail("normalised images of two loads differ: %s", why);
		}
		ASSERT_EQ(na.masked, nb.masked, "same number of normalised sites");
		ASSERT_GE(na.masked, 2, "normalised sites (map address, calls)");
	}
	if (test__start_subtest("different_prog_differs")) {
		/* jit_b differs from jit_a in one constant: must not compare equal */
		ASSERT_GE(jit_norm_cmp(&na, &nc), 0, "jit_a and jit_b normalise differently");
	}
	if (test__start_subtest("normaliser_rejects_garbage")) {
		struct jit_image g = a;
		struct jit_norm ng = {};
		__u8 bad[16];

		/* x86: 0x0f 0x0f is no instruction the decoder accepts; arm64:
		 * any word is accepted, so feed it an odd length instead */
		memset(bad, 0x0f, sizeof(bad));
		g.insns = bad;
		g.len = JIT_HOST_ARCH == JIT_ARM64 ? 6 : sizeof(bad);
		g.nfuncs = 1;
		g.flen[0] = g.len;
		ASSERT_NEQ(jit_normalise(JIT_HOST_ARCH, &g, &ng), 0, "garbage rejected");
		ASSERT_TRUE(ng.err[0] != 0, "error message set");
		jit_norm_free(&ng);
	}
	if (test__start_subtest("run_after_readback")) {
		unsigned char pkt[64] = {};
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));
		struct bpf_program *p = bpf_object__find_program_by_name(o2, "jit_a");

		ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(p), &opts), "test_run jit_a");
		/* acc = 7 * (0+1+..+7) = 196; mix = (196 ^ 0x5a5a) + {0,1} */
		ASSERT_TRUE((opts.retval & 0xff) == ((196 ^ 0x5a5a) & 0xff) ||
			    (opts.retval & 0xff) == (((196 ^ 0x5a5a) + 1) & 0xff), "jit_a retval");
	}
out:
	jit_norm_free(&na); jit_norm_free(&nb); jit_norm_free(&nc);
	jit_image_free(&a); jit_image_free(&b); jit_image_free(&c);
	bpf_object__close(o2);
	bpf_object__close(o1);
}
