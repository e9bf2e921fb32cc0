// SPDX-License-Identifier: GPL-2.0
/* (a) load programs through libbpf and run them with BPF_PROG_TEST_RUN. */
#include "bench.h"

struct args { int a, b, sum; };

static void subtest_syscall(struct bpf_object *obj)
{
	struct args ctx = { .a = 20, .b = 22 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "add");

	if (!ASSERT_OK_PTR(p, "find add"))
		return;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(p), &opts), "test_run add"))
		return;
	ASSERT_EQ(opts.retval, 20 * 3 + 1, "add retval");
	ASSERT_EQ(ctx.sum, 42, "add wrote ctx->sum");
}

static void subtest_tc(struct bpf_object *obj)
{
	unsigned char pkt[64];
	int i, want = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 10);
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "sum_bytes");

	for (i = 0; i < (int)sizeof(pkt); i++)
		pkt[i] = i * 3 + 1;
	for (i = 0; i < 16; i++)
		want += pkt[i];
	if (!ASSERT_OK_PTR(p, "find sum_bytes"))
		return;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(p), &opts), "test_run sum_bytes"))
		return;
	ASSERT_EQ(opts.retval, want, "sum_bytes retval");
}

static void subtest_fentry(struct bpf_object *obj)
{
	struct bpf_program *fe = bpf_object__find_program_by_name(obj, "on_fentry");
	struct bpf_program *fx = bpf_object__find_program_by_name(obj, "on_fexit");
	int *arg = BENCH_VAR(obj, int, "fentry_arg"), *ret = BENCH_VAR(obj, int, "fexit_ret");
	struct bpf_link *l1 = NULL, *l2 = NULL;
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (!ASSERT_OK_PTR(fe, "find on_fentry") || !ASSERT_OK_PTR(fx, "find on_fexit") ||
	    !ASSERT_OK_PTR(arg, "var fentry_arg") || !ASSERT_OK_PTR(ret, "var fexit_ret"))
		return;
	l1 = bpf_program__attach(fe);
	if (!ASSERT_OK_PTR(l1, "attach fentry"))
		goto out;
	l2 = bpf_program__attach(fx);
	if (!ASSERT_OK_PTR(l2, "attach fexit"))
		goto out;
	/* the tracing test_run calls bpf_fentry_test1(1) .. test8 */
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(fe), &opts), "test_run fentry"))
		goto out;
	ASSERT_EQ(*arg, 1, "fentry saw a == 1");
	ASSERT_EQ(*ret, 2, "fexit saw ret == 2");
out:
	bpf_link__destroy(l2);
	bpf_link__destroy(l1);
}

void test_test_run(void)
{
	struct bpf_object *obj = bench_open("test_run");

	if (!ASSERT_OK_PTR(obj, "open test_run.bpf.o"))
		return;
	if (!ASSERT_OK(bpf_object__load(obj), "load test_run.bpf.o"))
		goto out;
	if (test__start_subtest("syscall"))
		subtest_syscall(obj);
	if (test__start_subtest("tc"))
		subtest_tc(obj);
	if (test__start_subtest("fentry"))
		subtest_fentry(obj);
out:
	bpf_object__close(obj);
}
