// SPDX-License-Identifier: GPL-2.0
/*
 * Cancel a program while another program runs nested in it: prog -> kfunc
 * -> fentry prog (progs/cancel_nested.c). "outer", a syscall program, calls
 * bpf_task_from_pid() twice per step and holds the first task reference
 * across the second call; "nested", an fentry program on
 * bpf_task_from_pid(), runs inside every call and holds a ringbuf
 * reservation across its own loop. Both are cancellable.
 *
 *   outer_while_nested   BPF_PROG_CANCEL on outer while nested spins in
 *                        outer's second call of step 0. The switch walks
 *                        from nested's frame through the trampoline and the
 *                        kfunc to outer's frame; it must move the frames of
 *                        both programs (bpf_cancel tracepoint: target outer,
 *                        2 frames), so nested ends in its cold code too
 *                        (bpf_cancelled() there) and releases its
 *                        reservation; the kfunc then returns its task
 *                        reference into outer's cold code, which must
 *                        release it with the first one: outer returns
 *                        RET_CUT after exactly one step, two acquires, two
 *                        releases.
 *   nested_while_nested  BPF_PROG_CANCEL on nested while it spins there:
 *                        only nested's frame moves (target nested, 1
 *                        frame); outer is not cancelled and runs to its
 *                        normal end (RET_DONE, every step, hot code).
 *   outer_sites          bpf_cancel_self() in outer right before each of
 *                        its sites (progs/cancel_points.h; coverage checked
 *                        as in cancel_resources), nested running short
 *                        loops inside outer's calls.
 *   nested_sites         bpf_cancel_self() in nested right before each of
 *                        its sites, while it runs nested in outer: only
 *                        that nested invocation is cancelled, outer ends
 *                        normally.
 *
 * After every run, for both programs: every task reference released (the
 * counters, and the task's refcount read from BPF unchanged), every
 * reservation submitted or discarded and the ring's consumer caught up
 * with its producer, every nested call returned, and bpf_prog_info's
 * cancel_cnt moved for the cancelled program only. Each spin has its own
 * 2 s deadline, so a cancel that does not work ends the run, not the test.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include "cancel_util.h"

#define RET_DONE	1
#define RET_CUT		2
#define RET_TIMEOUT	3
#define RET_NOMAP	4
#define BUDGET_NS	60000000000ULL
#define OUTER_N		4
#define INNER_N		8
#define TRIGGER_USER	0
#define TRIGGER_SELF	1

struct nctx {
	struct bpf_object *obj;
	int outer_fd, nested_fd;
	__u32 outer_id, nested_id;
	pid_t target;
	struct cancel_site_list *sites;
};

#define V64(n)	(*BENCH_VAR(x->obj, __u64, n))
#define V32(n)	(*BENCH_VAR(x->obj, __u32, n))
#define VI(n)	(*BENCH_VAR(x->obj, int, n))

static const char *const counters[] = {
	"acq", "rel", "nul", "steps", "n_calls", "n_exit", "n_res", "n_sub", "n_disc", "n_null",
	"spin_steps",
};

static void reset(struct nctx *x)
{
	unsigned int i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		V64(counters[i]) = 0;
	V32("n_late") = V32("n_cold") = V32("outer_cold") = V32("cp_passes") = 0;
	V32("n_cp_passes") = V32("tp_events") = V32("tp_prog_id") = 0;
	V32("tp_trigger") = ~0u;
	VI("tp_frames") = -1;
	VI("outer_n") = OUTER_N;
	VI("inner_n") = INNER_N;
	VI("cancel_point") = VI("n_cancel_point") = -1;
	VI("cp_fired") = VI("cp_site") = VI("cp_failed") = VI("cp_depth") = -1;
	VI("n_cp_fired") = VI("n_cp_site") = VI("n_cp_failed") = VI("n_cp_depth") = -1;
	VI("spin_call") = -1;
	VI("nested_on") = 1;
}

static __s64 task_usage(struct nctx *x)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int fd = cancel_prog_fd(x->obj, "task_usage_read"), on = VI("nested_on"), err;

	/* nested stays out of this call of bpf_task_from_pid() */
	VI("nested_on") = 0;
	err = fd < 0 ? -1 : bpf_prog_test_run_opts(fd, &opts);
	VI("nested_on") = on;
	if (!ASSERT_OK(err, "task_usage_read") ||
	    !ASSERT_EQ(opts.retval, 0, "task_usage_read found the task"))
		return -1;
	return *BENCH_VAR(x->obj, __s64, "task_usage");
}

static __u64 cancel_cnt(int fd)
{
	struct bpf_prog_info i;

	return cancel_info(fd, &i) ? i.cancel_cnt : ~0ull;
}

struct before {
	__s64 usage;
	__u64 outer_cnt, nested_cnt;
};

static void take_before(struct nctx *x, struct before *b)
{
	b->usage = task_usage(x);
	b->outer_cnt = cancel_cnt(x->outer_fd);
	b->nested_cnt = cancel_cnt(x->nested_fd);
}

/* nothing leaked in either program; the cancel counted for `cancelled`
 * (outer, nested or neither: -1) */
static void check_after(struct nctx *x, const struct before *b, const char *tag, int cancelled)
{
	int mfd = bpf_map__fd(bpf_object__find_map_by_name(x->obj, "nrb"));
	__u64 sub = V64("n_sub");
	struct cancel_rb_pos pos;

	ASSERT_EQ(V64("acq"), V64("rel"), cancel_at(tag, "outer: every task reference released"));
	ASSERT_EQ(task_usage(x), b->usage, cancel_at(tag, "task refcount unchanged"));
	ASSERT_EQ(V64("n_exit"), V64("n_calls"), cancel_at(tag, "nested: every call returned"));
	ASSERT_EQ(V64("n_res"), sub + V64("n_disc"),
		  cancel_at(tag, "nested: every reservation submitted or discarded"));
	ASSERT_EQ(cancel_rb_drain(mfd, NULL, NULL, &pos), sub,
		  cancel_at(tag, "nested: submitted records consumed"));
	ASSERT_EQ(pos.consumer, pos.producer, cancel_at(tag, "nested: consumer caught up with producer"));
	ASSERT_EQ(V32("n_late"), 0, cancel_at(tag, "nested: no call ran into its own deadline"));
	ASSERT_EQ(cancel_cnt(x->outer_fd), b->outer_cnt + (cancelled == 0),
		  cancel_at(tag, cancelled == 0 ? "outer: cancel_cnt counts it" : "outer: not cancelled"));
	ASSERT_EQ(cancel_cnt(x->nested_fd), b->nested_cnt + (cancelled == 1),
		  cancel_at(tag, cancelled == 1 ? "nested: cancel_cnt counts it" : "nested: not cancelled"));
}

/* BPF_PROG_CANCEL on outer (which = 0) or nested (1) while nested spins in
 * outer's second call (outer holds the first reference) */
static void cancel_while_nested(struct nctx *x, int which)
{
	struct cancel_run r = {
		.prog_fd = x->outer_fd,
		.cancel_fd = which ? x->nested_fd : 0,
		.started = BENCH_VAR(x->obj, __u32, "spinning"),
		.delay_ms = 50,
		.limit_s = 2,
	};
	const char *who = which ? "nested" : "outer";
	struct before b;

	reset(x);
	take_before(x, &b);
	VI("spin_call") = 1;
	cancel_run(&r);
	printf("  %s: run %.3f s, cancel -> return %.1f ms, bpf_prog_cancel(%s) = %d, retval %u, "
	       "%llu outer steps, acq %llu rel %llu; nested: %llu calls, spin %llu steps, %u cold; "
	       "bpf_cancel: %u event(s), prog %u (outer %u, nested %u), trigger %u, frames %d\n",
	       which ? "nested_while_nested" : "outer_while_nested", r.run_s,
	       r.cancel_to_return_s * 1e3, who, r.cancel_ret, r.retval,
	       (unsigned long long)V64("steps"), (unsigned long long)V64("acq"),
	       (unsigned long long)V64("rel"), (unsigned long long)V64("n_calls"),
	       (unsigned long long)V64("spin_steps"), V32("n_cold"), V32("tp_events"),
	       V32("tp_prog_id"), x->outer_id, x->nested_id, V32("tp_trigger"), VI("tp_frames"));
	ASSERT_TRUE(r.started_seen, "nested started spinning");
	ASSERT_OK(r.run_err, "test_run outer");
	ASSERT_EQ(r.cancel_ret, 1, "bpf_prog_cancel() switched the running invocation");
	ASSERT_TRUE(r.returned, "test_run returned within 2 s of the cancel");
	ASSERT_LT(V64("spin_steps"), *BENCH_VAR(x->obj, int, "spin_n"), "nested spin cut short");
	ASSERT_EQ(V32("n_cold"), 1, "the spinning nested call ended in cold code");
	ASSERT_EQ(V32("tp_events"), 1, "one switch (bpf_cancel tracepoint)");
	ASSERT_EQ(V32("tp_trigger"), TRIGGER_USER, "trigger: BPF_PROG_CANCEL");
	if (!which) {
		ASSERT_EQ(V32("tp_prog_id"), x->outer_id, "the switch targeted outer");
		/* nested's interrupted PC and outer's return address */
		ASSERT_EQ(VI("tp_frames"), 2, "frames of both programs moved");
		ASSERT_EQ(r.retval, RET_CUT, "outer: legal return value (cut short)");
		ASSERT_EQ(V32("outer_cold"), 1, "outer ended in cold code");
		ASSERT_EQ(V64("steps"), 1, "outer stopped in the step it was cancelled in");
		/* the kfunc's reference came back into cold code: released */
		ASSERT_EQ(V64("acq"), 2, "outer: both references of step 0 taken");
		ASSERT_EQ(V64("n_calls"), 2, "nested: ran in both calls of step 0 only");
	} else {
		ASSERT_EQ(V32("tp_prog_id"), x->nested_id, "the switch targeted nested");
		ASSERT_EQ(VI("tp_frames"), 1, "nested's frame moved, not outer's");
		ASSERT_EQ(r.retval, RET_DONE, "outer: not cancelled, normal end");
		ASSERT_EQ(V32("outer_cold"), 0, "outer stayed in hot code");
		ASSERT_EQ(V64("steps"), OUTER_N, "outer ran every step");
		ASSERT_EQ(V64("acq"), 2 * OUTER_N, "outer: every reference taken");
		ASSERT_EQ(V64("n_calls"), 2 * OUTER_N, "nested: ran in every call");
	}
	check_after(x, &b, "", which);
}

/* one run with checkpoint k of outer (which = 0) or nested (1); returns
 * the site line it named, 0 for the control run, -1 on a failure to run */
static int run_point(struct nctx *x, int which, int k)
{
	const char *pfx = which ? "n_" : "";
	struct cancel_run r = {
		.prog_fd = x->outer_fd,
		.started = BENCH_VAR(x->obj, __u32, "started"),
		.no_cancel = true,
	};
	int fired, site, failed;
	struct before b;
	char tag[32], n[32];
	bool cancelled;

	snprintf(tag, sizeof(tag), "%s cp %d", which ? "nested" : "outer", k);
	reset(x);
	take_before(x, &b);
	snprintf(n, sizeof(n), "%scancel_point", pfx);
	VI(n) = k;
	cancel_run(&r);
	if (!ASSERT_OK(r.run_err, cancel_at(tag, "test_run")))
		return -1;
	snprintf(n, sizeof(n), "%scp_fired", pfx);
	fired = VI(n);
	snprintf(n, sizeof(n), "%scp_site", pfx);
	site = VI(n);
	snprintf(n, sizeof(n), "%scp_failed", pfx);
	failed = VI(n);
	cancelled = fired >= 0;
	if (cancelled) {
		ASSERT_EQ(fired, k, cancel_at(tag, "checkpoint k fired"));
		ASSERT_GT(site, 0, cancel_at(tag, "checkpoint names its site's line"));
		ASSERT_EQ(failed, site, cancel_at(tag, "the next site (cp_site) took its failure outcome"));
		ASSERT_EQ(V32("tp_events"), 1, cancel_at(tag, "one switch (bpf_cancel tracepoint)"));
		ASSERT_EQ(V32("tp_trigger"), TRIGGER_SELF, cancel_at(tag, "trigger: bpf_cancel_self()"));
		ASSERT_EQ(V32("tp_prog_id"), which ? x->nested_id : x->outer_id,
			  cancel_at(tag, "the switch targeted the program that called it"));
		snprintf(n, sizeof(n), "%scp_depth", pfx);
		ASSERT_EQ(VI("tp_frames"), VI(n),
			  cancel_at(tag, "every BPF frame of the invocation (cp_depth) moved"));
	} else {
		ASSERT_EQ(failed, -1, cancel_at(tag, "control run: no site failed"));
		ASSERT_EQ(V32("tp_events"), 0, cancel_at(tag, "control run: no switch"));
	}
	if (cancelled && !which) {
		ASSERT_EQ(r.retval, RET_CUT, cancel_at(tag, "outer: legal return value (cut short)"));
		ASSERT_EQ(V32("outer_cold"), 1, cancel_at(tag, "outer ended in cold code"));
		ASSERT_EQ(V32("n_cold"), 0, cancel_at(tag, "nested: not cancelled"));
	} else {
		ASSERT_EQ(r.retval, RET_DONE, cancel_at(tag, "outer: normal end"));
		ASSERT_EQ(V32("outer_cold"), 0, cancel_at(tag, "outer stayed in hot code"));
		ASSERT_EQ(V64("steps"), OUTER_N, cancel_at(tag, "outer ran every step"));
		ASSERT_EQ(V64("acq"), 2 * OUTER_N, cancel_at(tag, "outer: every reference taken"));
		ASSERT_EQ(V64("n_calls"), 2 * OUTER_N, cancel_at(tag, "nested: ran in every call"));
		ASSERT_EQ(V32("n_cold"), cancelled ? 1 : 0,
			  cancel_at(tag, cancelled ? "nested: the cancelled call ended in cold code"
					    : "nested: no call in cold code"));
	}
	check_after(x, &b, tag, cancelled ? which : -1);
	return cancelled ? site : 0;
}

struct point_ctx {
	struct nctx *x;
	int which;
};

static int point(void *ctx, int k)
{
	struct point_ctx *p = ctx;

	return run_point(p->x, p->which, k);
}

static void run_sites(struct nctx *x, int which)
{
	struct point_ctx p = { x, which };
	struct bpf_prog_info info;

	if (!cancel_info(which ? x->nested_fd : x->outer_fd, &info))
		return;
	/* outer has checkpoints 0..5, nested 0..2 */
	cancel_every_point(point, &p, which ? 3 : 6, x->sites, which ? "nested" : "outer",
			   &info);
}

void test_cancel_nested(void)
{
	struct bpf_link *fentry = NULL, *tp = NULL;
	struct nctx x = { .target = -1 };
	struct bpf_prog_info i;

	x.sites = calloc(1, sizeof(*x.sites));
	x.target = fork();
	if (x.target == 0) {
		for (;;)
			pause();
	}
	if (!ASSERT_GT(x.target, 0, "fork target task") || !ASSERT_OK_PTR(x.sites, "calloc"))
		goto out;
	x.obj = cancel_open_load_sites("cancel_nested", true, BUDGET_NS, x.sites);
	if (!x.obj)
		goto out;
	*BENCH_VAR(x.obj, int, "target_pid") = x.target;
	*BENCH_VAR(x.obj, int, "nested_on") = 0;
	x.outer_fd = cancel_prog_fd(x.obj, "outer");
	x.nested_fd = cancel_prog_fd(x.obj, "nested");
	if (x.outer_fd < 0 || x.nested_fd < 0)
		goto out;
	if (!cancel_info(x.outer_fd, &i) ||
	    !ASSERT_EQ(i.cancel_status, BPF_CANCEL_STATUS_ON, "outer cancellable"))
		goto out;
	x.outer_id = i.id;
	if (!cancel_info(x.nested_fd, &i) ||
	    !ASSERT_EQ(i.cancel_status, BPF_CANCEL_STATUS_ON, "nested cancellable"))
		goto out;
	x.nested_id = i.id;
	fentry = bpf_program__attach(bpf_object__find_program_by_name(x.obj, "nested"));
	if (!ASSERT_OK_PTR(fentry, "attach fentry/bpf_task_from_pid"))
		goto out;
	tp = bpf_program__attach(bpf_object__find_program_by_name(x.obj, "on_cancel"));
	if (!ASSERT_OK_PTR(tp, "attach tp_btf/bpf_cancel"))
		goto out;

	if (test__start_subtest("outer_while_nested"))
		cancel_while_nested(&x, 0);
	if (test__start_subtest("nested_while_nested"))
		cancel_while_nested(&x, 1);
	if (test__start_subtest("outer_sites"))
		run_sites(&x, 0);
	if (test__start_subtest("nested_sites"))
		run_sites(&x, 1);
out:
	bpf_link__destroy(tp);
	bpf_link__destroy(fentry);
	bpf_object__close(x.obj);
	free(x.sites);
	if (x.target > 0) {
		kill(x.target, SIGKILL);
		waitpid(x.target, NULL, 0);
	}
}
