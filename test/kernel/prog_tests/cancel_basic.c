// SPDX-License-Identifier: GPL-2.0
/*
 * Cancel running programs with BPF_PROG_CANCEL (progs/cancel_basic.c, built
 * with -fbpf-cancellable, loaded with bpf_program__set_cancellable()).
 *
 * A thread runs a program that would loop for 2^40 steps with
 * BPF_PROG_TEST_RUN; this thread waits until it started, 100 ms more, and
 * cancels it. The run must return within 2 s of the cancel, with a legal
 * return value (the program's "cut short" value), bpf_prog_info must count
 * the cancellation, and the bpf_cancel tracepoint must report it with at
 * least one frame moved to the cold code. Each program has its own deadline (5 s, return
 * value RET_TIMEOUT): on a kernel without cancellation the run still ends,
 * and the test fails.
 *
 * Also: bpf_cancelled() is 0 in a run that ends normally and 1 in a
 * cancelled one; bpf_cancel_self() stops the loop it is called from;
 * cancelling an idle program switches nothing; a global cancel makes future
 * runs start in the cold code until it is restored; libbpf's open-time
 * switch (bpf_object_open_opts.cancellable, LIBBPF_CANCELLABLE=1) loads
 * every program of an object cancellable.
 */
#include <stdlib.h>

#include "cancel_util.h"

#define RET_DONE	1
#define RET_CUT		2
#define RET_TIMEOUT	3

/* the watchdog must not be the one who cancels here */
#define BUDGET_NS	60000000000ULL

/* flags: of BPF_PROG_CANCEL (0 or BPF_F_CANCEL_GLOBAL) */
static bool cancel_and_check_flags(struct bpf_object *obj, const char *prog, __u32 want_ret,
				   __u32 flags)
{
	struct cancel_run r = {
		.prog_fd = cancel_prog_fd(obj, prog),
		.started = BENCH_VAR(obj, __u32, "started"),
		.delay_ms = 100,
		.flags = flags,
	};
	/* BPF_CANCEL_TRIGGER_USER, _GLOBAL (include/trace/events/bpf_cancel.h) */
	__u32 trigger = flags & BPF_F_CANCEL_GLOBAL ? 3 : 0;
	struct bpf_prog_info before, after;
	char s[256];

	*BENCH_VAR(obj, __u32, "tp_events") = 0;
	*BENCH_VAR(obj, __s32, "tp_frames") = -1;
	*BENCH_VAR(obj, __s32, "tp_min_frames") = 1 << 30;
	if (r.prog_fd < 0 || !ASSERT_OK_PTR((void *)r.started, "started") ||
	    !cancel_info(r.prog_fd, &before))
		return false;
	cancel_info_str(&before, s, sizeof(s));
	printf("  %s: before: %s\n", prog, s);
	ASSERT_EQ(before.cancel_status, BPF_CANCEL_STATUS_ON, "cancel_status ON");
	ASSERT_GT(before.cancel_cold_jited_len, 0, "cold code JITed");
	ASSERT_GE(before.cancel_sites, 1, "confirmed sites");
	ASSERT_EQ(before.cancel_budget_ns, BUDGET_NS, "cancel_budget_ns as set");

	cancel_run(&r);
	printf("  %s: run %.3f s, cancel -> return %.3f ms, bpf_prog_cancel() = %d, retval %u, work %llu\n",
	       prog, r.run_s, r.cancel_to_return_s * 1e3, r.cancel_ret, r.retval,
	       (unsigned long long)*BENCH_VAR(obj, __u64, "work"));
	ASSERT_TRUE(r.started_seen, "program started");
	ASSERT_EQ(r.cancel_ret, 1, "bpf_prog_cancel() switched one running invocation");
	ASSERT_TRUE(r.returned, "test_run returned within 2 s of the cancel");
	ASSERT_OK(r.run_err, "test_run");
	ASSERT_NEQ(r.retval, RET_TIMEOUT, "not ended by its own deadline (not cancelled)");
	ASSERT_EQ(r.retval, want_ret, "legal return value");

	if (!cancel_info(r.prog_fd, &after))
		return false;
	cancel_info_str(&after, s, sizeof(s));
	printf("  %s: after: %s\n", prog, s);
	ASSERT_EQ(after.cancel_status, BPF_CANCEL_STATUS_ON, "cancel_status ON");
	ASSERT_GE(after.cancel_cnt, before.cancel_cnt + 1, "cancel_cnt counts it");
	/* under TCG the clock is jiffies: a switch can take "0 ns" */
	if (!cancel_clock_coarse())
		ASSERT_GT(after.cancel_last_ns, 0, "cancel_last_ns");
	ASSERT_GE(after.cancel_worst_ns, after.cancel_last_ns, "cancel_worst_ns >= last");

	/* the bpf_cancel tracepoint saw it, and the switch moved frames to
	 * the cold code (frames 0: only the loop flag was raised, the
	 * program went on in its hot code) */
	printf("  %s: tracepoint bpf_cancel: %u event(s), last: cpu %u trigger %u frames %d "
	       "latency_ns %llu; fewest frames %d\n", prog, *BENCH_VAR(obj, __u32, "tp_events"),
	       *BENCH_VAR(obj, __u32, "tp_cpu"), *BENCH_VAR(obj, __u32, "tp_trigger"),
	       *BENCH_VAR(obj, __s32, "tp_frames"),
	       (unsigned long long)*BENCH_VAR(obj, __u64, "tp_latency_ns"),
	       *BENCH_VAR(obj, __s32, "tp_min_frames"));
	ASSERT_GE(*BENCH_VAR(obj, __u32, "tp_events"), 1, "bpf_cancel tracepoint fired");
	ASSERT_EQ(*BENCH_VAR(obj, __u32, "tp_trigger"), trigger, "trigger: user or global");
	return ASSERT_GE(*BENCH_VAR(obj, __s32, "tp_min_frames"), 1,
			 "frames moved to the cold code (tracepoint frames >= 1)");
}

static bool cancel_and_check(struct bpf_object *obj, const char *prog, __u32 want_ret)
{
	return cancel_and_check_flags(obj, prog, want_ret, 0);
}

/* run without cancelling; returns retval (or ~0 on failure) */
static __u32 run_plain(struct bpf_object *obj, const char *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int fd = cancel_prog_fd(obj, prog);

	if (fd < 0 || !ASSERT_OK(bpf_prog_test_run_opts(fd, &opts), prog))
		return ~0u;
	return opts.retval;
}

/* libbpf's open-time switch: every program of the object loads cancellable,
 * through bpf_object_open_opts.cancellable (opt) or LIBBPF_CANCELLABLE (env)
 */
static void check_open_all(bool opt, const char *env)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .cancellable = opt);
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_prog_info pi;
	char path[512];
	int n = 0;

	snprintf(path, sizeof(path), "%s/cancel_basic.bpf.o", bench_obj_dir());
	if (env)
		setenv("LIBBPF_CANCELLABLE", env, 1);
	obj = bpf_object__open_file(path, &o);
	if (env)
		unsetenv("LIBBPF_CANCELLABLE");
	if (!ASSERT_OK_PTR(obj, "open cancel_basic.bpf.o"))
		return;
	if (!ASSERT_OK(bpf_object__load(obj), "load"))
		goto out;
	bpf_object__for_each_program(prog, obj) {
		if (!cancel_info(bpf_program__fd(prog), &pi))
			continue;
		ASSERT_EQ(pi.cancel_status, BPF_CANCEL_STATUS_ON, bpf_program__name(prog));
		n++;
	}
	ASSERT_GT(n, 0, "programs loaded");
out:
	bpf_object__close(obj);
}

void test_cancel_basic(void)
{
	struct bpf_object *obj = cancel_open_load("cancel_basic", true, BUDGET_NS);
	struct bpf_link *tp = NULL;
	__u32 *flag_iters, *self_flag;
	int *self_at, *self_iters;
	__u64 *self_n;

	if (!obj)
		return;
	flag_iters = BENCH_VAR(obj, __u32, "flag_iters");
	self_at = BENCH_VAR(obj, int, "self_at");
	self_iters = BENCH_VAR(obj, int, "self_iters");
	self_n = BENCH_VAR(obj, __u64, "self_n");
	self_flag = BENCH_VAR(obj, __u32, "self_flag");
	if (!ASSERT_TRUE(flag_iters && self_at && self_iters && self_n && self_flag, "globals"))
		goto out;
	tp = bpf_program__attach(bpf_object__find_program_by_name(obj, "on_cancel"));
	if (!ASSERT_OK_PTR(tp, "attach tp_btf/bpf_cancel"))
		goto out;

	if (test__start_subtest("iter_loop"))
		cancel_and_check(obj, "spin_iter", RET_CUT);
	if (test__start_subtest("may_goto_loop"))
		cancel_and_check(obj, "spin_may_goto", RET_CUT);
	if (test__start_subtest("bpf_loop"))
		cancel_and_check(obj, "spin_bpf_loop", RET_CUT);

	if (test__start_subtest("bpf_cancelled")) {
		/* 0 when the loop ends on its own ... */
		*flag_iters = 2;
		ASSERT_EQ(run_plain(obj, "cancelled_flag"), 0, "bpf_cancelled() in a normal run");
		/* ... 1 when the run was cancelled */
		*flag_iters = 1 << 20;
		cancel_and_check(obj, "cancelled_flag", 1);
	}

	if (test__start_subtest("cancel_self")) {
		struct bpf_prog_info i0, i1;
		int fd = cancel_prog_fd(obj, "cancel_self");

		if (fd < 0 || !cancel_info(fd, &i0))
			goto out;
		*self_iters = 100000;
		*self_at = -1;
		ASSERT_EQ(run_plain(obj, "cancel_self"), RET_DONE, "without bpf_cancel_self()");
		ASSERT_EQ(*self_n, 100000, "every step ran");
		ASSERT_EQ(*self_flag, 0, "bpf_cancelled() false");
		*self_at = 1000;
		ASSERT_EQ(run_plain(obj, "cancel_self"), RET_CUT, "bpf_cancel_self() at step 1000");
		/* the call returns into the cold twin: the next
		 * bpf_iter_num_next() ends the loop */
		ASSERT_EQ(*self_n, 1001, "loop stopped after the step that cancelled");
		ASSERT_EQ(*self_flag, 1, "bpf_cancelled() true after bpf_cancel_self()");
		/* the next run starts hot again */
		*self_at = -1;
		ASSERT_EQ(run_plain(obj, "cancel_self"), RET_DONE, "next run is not cancelled");
		ASSERT_EQ(*self_n, 100000, "next run: every step ran");
		if (cancel_info(fd, &i1))
			ASSERT_EQ(i1.cancel_cnt, i0.cancel_cnt + 1, "cancel_cnt counts bpf_cancel_self()");
	}

	if (test__start_subtest("idle_program")) {
		int fd = cancel_prog_fd(obj, "cancel_self");

		/* nothing runs: nothing switched, and the next run is hot */
		ASSERT_EQ(bpf_prog_cancel(fd, NULL), 0, "bpf_prog_cancel() of an idle program");
		*self_at = -1;
		ASSERT_EQ(run_plain(obj, "cancel_self"), RET_DONE, "next run is not cancelled");
		ASSERT_EQ(*self_flag, 0, "bpf_cancelled() false");
	}

	if (test__start_subtest("global_and_restore")) {
		LIBBPF_OPTS(bpf_prog_cancel_opts, glob, .flags = BPF_F_CANCEL_GLOBAL);
		LIBBPF_OPTS(bpf_prog_cancel_opts, rest, .flags = BPF_F_CANCEL_RESTORE);
		int fd = cancel_prog_fd(obj, "cancel_self");

		*self_at = -1;
		ASSERT_GE(bpf_prog_cancel(fd, &glob), 0, "BPF_F_CANCEL_GLOBAL");
		/* every run now starts cold: the first iterator step ends it */
		ASSERT_EQ(run_plain(obj, "cancel_self"), RET_CUT, "run after a global cancel");
		ASSERT_EQ(*self_n, 0, "no step ran in the cold code");
		ASSERT_EQ(*self_flag, 1, "bpf_cancelled() true");
		ASSERT_GE(bpf_prog_cancel(fd, &rest), 0, "BPF_F_CANCEL_RESTORE");
		ASSERT_EQ(run_plain(obj, "cancel_self"), RET_DONE, "run after restore");
		ASSERT_EQ(*self_n, 100000, "every step ran after restore");
		ASSERT_EQ(*self_flag, 0, "bpf_cancelled() false after restore");
	}

	if (test__start_subtest("global_running_moved")) {
		/*
		 * A program bpf_prog_realloc() moved during verification, hot
		 * when a global cancel comes: the running invocation is found
		 * in the hot code and switched, although the program's
		 * bpf_func now points at its cold twin. (The series kept the
		 * pre-verification struct bpf_prog, freed by the move.)
		 */
		LIBBPF_OPTS(bpf_prog_cancel_opts, rest, .flags = BPF_F_CANCEL_RESTORE);
		int fd = cancel_prog_fd(obj, "spin_iter_moved");
		struct bpf_prog_info i;

		if (fd >= 0 && cancel_info(fd, &i)) {
			printf("  spin_iter_moved: %u instructions after verification\n",
			       i.xlated_prog_len / 8);
			ASSERT_GT(i.xlated_prog_len / 8, 1024, "rewritten past its pages");
			cancel_and_check_flags(obj, "spin_iter_moved", RET_CUT, BPF_F_CANCEL_GLOBAL);
			ASSERT_GE(bpf_prog_cancel(fd, &rest), 0, "BPF_F_CANCEL_RESTORE");
		}
	}

	if (test__start_subtest("open_all")) {
		check_open_all(true, NULL);
		check_open_all(false, "1");
	}

	if (test__start_subtest("not_cancellable")) {
		struct bpf_object *plain = cancel_open_load("cancel_basic", false, 0);
		struct bpf_prog_info pi;
		int fd;

		if (!plain)
			goto out;
		fd = cancel_prog_fd(plain, "cancel_self");
		if (fd >= 0 && cancel_info(fd, &pi)) {
			ASSERT_EQ(pi.cancel_status, BPF_CANCEL_STATUS_OFF, "cancel_status OFF");
			ASSERT_EQ(pi.cancel_cold_jited_len, 0, "no cold code");
		}
		/* a program loaded without the flag cannot be cancelled */
		ASSERT_ERR(bpf_prog_cancel(fd, NULL), "bpf_prog_cancel() of a plain program");
		bpf_object__close(plain);
	}
out:
	bpf_link__destroy(tp);
	bpf_object__close(obj);
}
