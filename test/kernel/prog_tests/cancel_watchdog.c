// SPDX-License-Identifier: GPL-2.0
/*
 * The watchdog (each program's cancel budget): nobody calls
 * BPF_PROG_CANCEL here.
 *
 *   long_run     a run of spin_iter (2^40 steps) with a 50 ms budget is
 *                cancelled by the watchdog: it returns "cut short" well
 *                before its own 5 s deadline, and bpf_prog_info counts it
 *   short_runs   short_tc (64 steps) run back to back for about a second
 *                (BPF_PROG_TEST_RUN repeat) with a 20 ms budget, i.e. at
 *                ~100% of a CPU for 50 budgets but each run far below the
 *                budget, is never cancelled. The budget is wall-clock time
 *                and five ticks: under TCG a vCPU thread descheduled by
 *                the host for a few ms is time the run was seen running
 *                (there is no steal clock to subtract): with a 1 ms budget,
 *                one test run in three saw one such cancellation
 */
#include "cancel_util.h"

#define RET_DONE	1
#define RET_CUT		2
#define SHORT_BUDGET_NS	20000000ULL

/* a run of spin_iter (budget 50 ms) cancelled by the watchdog: true when so */
static bool long_run(struct bpf_object *obj)
{
	struct cancel_run r = {
		.prog_fd = cancel_prog_fd(obj, "spin_iter"),
		.started = BENCH_VAR(obj, __u32, "started"),
		.no_cancel = true,
	};
	struct bpf_prog_info i0, i1;
	char s[256];
	bool ok;

	if (r.prog_fd < 0 || !cancel_info(r.prog_fd, &i0))
		return false;
	cancel_run(&r);
	if (!cancel_info(r.prog_fd, &i1))
		return false;
	cancel_info_str(&i1, s, sizeof(s));
	printf("  long_run: run %.3f s, retval %u, work %llu; %s\n", r.run_s, r.retval,
	       (unsigned long long)*BENCH_VAR(obj, __u64, "work"), s);
	ok = ASSERT_OK(r.run_err, "test_run");
	ok &= ASSERT_EQ(r.retval, RET_CUT, "cut short by the watchdog (3: its own 5 s deadline)");
	ok &= ASSERT_LT(r.run_s, 2.0, "returned within 2 s (budget 50 ms)");
	ok &= ASSERT_EQ(i1.cancel_cnt, i0.cancel_cnt + 1, "cancel_cnt counts it");
	ok &= ASSERT_EQ(i1.cancel_budget_ns, 50000000ULL, "cancel_budget_ns");
	return ok;
}

void test_cancel_watchdog(void)
{
	struct bpf_object *obj = bench_open("cancel_basic");
	struct bpf_program *p;
	struct bpf_prog_info i0, i1;

	if (!ASSERT_OK_PTR(obj, "open cancel_basic.bpf.o"))
		return;
	bpf_object__for_each_program(p, obj) {
		const char *n = bpf_program__name(p);

		bpf_program__set_cancellable(p, true);
		bpf_program__set_cancel_budget(p, !strcmp(n, "short_tc") ? SHORT_BUDGET_NS :
					       !strcmp(n, "spin_iter") ? 50000000ULL : 0);
	}
	if (!ASSERT_OK(bpf_object__load(obj), "load cancel_basic.bpf.o"))
		goto out;

	if (test__start_subtest("long_run"))
		long_run(obj);

	if (test__start_subtest("short_runs")) {
		unsigned char pkt[64] = { [12] = 0x08 };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));
		int fd = cancel_prog_fd(obj, "short_tc");
		double t0, el = 0;
		__u32 repeat = 20000;

		/* "never cancelled" proves nothing unless the watchdog works */
		if (!ASSERT_TRUE(long_run(obj), "the watchdog cancels a long run (precondition)"))
			goto out;
		if (fd < 0 || !cancel_info(fd, &i0))
			goto out;
		/* grow repeat until one test_run call lasts about a second */
		while (repeat < (1u << 26)) {
			opts.repeat = repeat;
			t0 = cancel_now();
			if (!ASSERT_OK(bpf_prog_test_run_opts(fd, &opts), "test_run short_tc"))
				goto out;
			el = cancel_now() - t0;
			if (!ASSERT_EQ(opts.retval, RET_DONE, "short run not cancelled"))
				break;
			if (el >= 1.0)
				break;
			repeat = el > 0.05 ? (__u32)(repeat * 1.2 / el) : repeat * 8;
		}
		if (!cancel_info(fd, &i1))
			goto out;
		printf("  short_runs: %u runs back to back in %.2f s (%.0f ns each), budget %llu ms: "
		       "cancel_cnt %llu\n", opts.repeat, el, opts.duration * 1.0,
		       SHORT_BUDGET_NS / 1000000, (unsigned long long)i1.cancel_cnt);
		ASSERT_GE(el, 0.5, "ran back to back for at least 0.5 s");
		ASSERT_EQ(i1.cancel_cnt, i0.cancel_cnt, "never cancelled");
	}
out:
	bpf_object__close(obj);
}
