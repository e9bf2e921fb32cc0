// SPDX-License-Identifier: GPL-2.0
/*
 * Cancel programs while they hold resources (progs/cancel_resources.c) and
 * check that nothing leaked: each program counts its acquires and releases
 * in .bss; after the cancelled run every acquire must have been matched by
 * its release, the return value must be the "cut short" one, and the
 * resource itself must be usable again (task refcount unchanged, ringbuf
 * positions consistent and a new reservation reaching the consumer, the
 * spin lock free for a second run).
 *
 * Every program is cancelled twice, one subtest each:
 *   <name>       BPF_PROG_CANCEL from user space 100 ms into the run
 *                (mid-loop, wherever the program happens to be)
 *   <name>_self  bpf_cancel_self() at outer step 3 while holding the
 *                resource: the counters are then exact
 */
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include "cancel_util.h"

#define RET_DONE	1
#define RET_CUT		2
#define RET_TIMEOUT	3
#define RET_NOMAP	4
#define RET_TAIL	5
#define SELF_AT		3
#define RB_MARK		0x6d61726bULL
#define BUDGET_NS	60000000000ULL

static const char *const counters[] = {
	"task_acq", "task_rel", "task_null", "rb_res", "rb_sub", "rb_disc", "rb_null",
	"lock_taken", "lock_freed", "rcu_in", "rcu_out", "obj_new_cnt", "obj_drop_cnt",
	"obj_null", "sub_enter", "sub_exit", "cb_enter", "cb_exit", "tail_hits", "steps",
};

static __u64 var(struct bpf_object *obj, const char *name)
{
	__u64 *p = BENCH_VAR(obj, __u64, name);

	if (!p) {
		test__fail("no global %s", name);
		return ~0ull;
	}
	return *p;
}

static void reset(struct bpf_object *obj)
{
	unsigned int i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		__u64 *p = BENCH_VAR(obj, __u64, counters[i]);

		if (p)
			*p = 0;
	}
	*BENCH_VAR(obj, int, "outer_n") = 1 << 20;
	*BENCH_VAR(obj, int, "self_at") = -1;
}

struct rcase;
typedef void (*extra_fn)(struct bpf_object *obj, const struct rcase *c, bool self);

struct rcase {
	const char *name;
	const char *acq, *rel;	/* must be equal after the run */
	bool skb;		/* a tc program: run with a packet */
	int per_step;		/* acquires per outer step (exact in _self) */
	int base;		/* plus this many */
	extra_fn before, after;
};

/* ---- per-resource checks ---- */

static pid_t target = -1;
static __s64 usage_before;

static __s64 task_usage(struct bpf_object *obj)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int fd = cancel_prog_fd(obj, "task_usage_read");

	if (fd < 0 || !ASSERT_OK(bpf_prog_test_run_opts(fd, &opts), "task_usage_read") ||
	    !ASSERT_EQ(opts.retval, 0, "task_usage_read found the task"))
		return -1;
	return *BENCH_VAR(obj, __s64, "task_usage");
}

static void task_before(struct bpf_object *obj, const struct rcase *c, bool self)
{
	usage_before = task_usage(obj);
}

static void task_after(struct bpf_object *obj, const struct rcase *c, bool self)
{
	__s64 now = task_usage(obj);

	printf("  %s: task %d refcount %lld before, %lld after (task_null %llu)\n",
	       c->name, target, (long long)usage_before, (long long)now,
	       (unsigned long long)var(obj, "task_null"));
	ASSERT_GT(usage_before, 0, "task refcount read");
	ASSERT_EQ(now, usage_before, "task refcount unchanged");
}

static int rb_records, rb_marks;

static int rb_cb(void *ctx, void *data, __u32 size)
{
	rb_records++;
	if (size >= 8 && *(__u64 *)data == RB_MARK)
		rb_marks++;
	return 0;
}

static void ringbuf_after(struct bpf_object *obj, const struct rcase *c, bool self)
{
	int mfd = bpf_map__fd(bpf_object__find_map_by_name(obj, "rb"));
	int fd = cancel_prog_fd(obj, "ringbuf_mark");
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	__u64 sub = var(obj, "rb_sub");
	struct cancel_rb_pos pos;

	ASSERT_EQ(var(obj, "rb_res"), sub + var(obj, "rb_disc"), "every reservation submitted or discarded");
	rb_records = rb_marks = 0;
	/* everything submitted is there, and nothing blocks the consumer */
	ASSERT_EQ(cancel_rb_drain(mfd, rb_cb, NULL, &pos), sub, "submitted records consumed");
	ASSERT_EQ(pos.consumer, pos.producer, "consumer caught up with producer");
	/* a reservation after the cancel succeeds and reaches the consumer */
	if (fd >= 0 && ASSERT_OK(bpf_prog_test_run_opts(fd, &opts), "ringbuf_mark"))
		ASSERT_EQ(opts.retval, 0, "reserve after cancel");
	ASSERT_EQ(cancel_rb_drain(mfd, rb_cb, NULL, &pos), 1, "the new record consumed");
	ASSERT_EQ(rb_marks, 1, "marker record seen");
	printf("  %s: ringbuf consumer_pos %lu producer_pos %lu, %llu submitted, %llu discarded\n",
	       c->name, pos.consumer, pos.producer, (unsigned long long)sub,
	       (unsigned long long)var(obj, "rb_disc"));
	ASSERT_EQ(pos.consumer, pos.producer, "consumer caught up with producer");
}

static void lock_after(struct bpf_object *obj, const struct rcase *c, bool self)
{
	struct cancel_run r = {
		.prog_fd = cancel_prog_fd(obj, "spin_lock_again"),
		.no_cancel = true,
	};

	/* (a leaked lock would spin here with interrupts off: the guest's
	 * lockup detector reports it and the bench fails the boot) */
	cancel_run(&r);
	ASSERT_OK(r.run_err, "spin_lock_again");
	ASSERT_EQ(r.retval, 0, "lock taken by a second run");
}

static void cb_after(struct bpf_object *obj, const struct rcase *c, bool self)
{
	ASSERT_EQ(*BENCH_VAR(obj, long, "cb_loops"), var(obj, "steps"),
		  "bpf_loop() returned the callbacks that ran");
}

static unsigned char pkt[64] = { [12] = 0x08 };

static void tail_before(struct bpf_object *obj, const struct rcase *c, bool self)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));
	int fd = cancel_prog_fd(obj, "tail_call");
	int *outer_n = BENCH_VAR(obj, int, "outer_n");

	/* not cancelled: the tail call is taken */
	*outer_n = 2;
	if (fd >= 0 && ASSERT_OK(bpf_prog_test_run_opts(fd, &opts), "tail_call short run"))
		ASSERT_EQ(opts.retval, RET_TAIL, "short run ends in the tail call");
	ASSERT_EQ(var(obj, "tail_hits"), 1, "tail_target ran");
	*outer_n = 1 << 20;
	*BENCH_VAR(obj, __u64, "tail_hits") = 0;
}

static void tail_after(struct bpf_object *obj, const struct rcase *c, bool self)
{
	/* in cold code the tail call falls through */
	ASSERT_EQ(var(obj, "tail_hits"), 0, "no tail call after the cancel");
}

static const struct rcase cases[] = {
	{ "task_ref", "task_acq", "task_rel", false, 2, 0, task_before, task_after },
	{ "ringbuf", NULL, NULL, false, 1, 0, NULL, ringbuf_after },
	{ "spin_lock", "lock_taken", "lock_freed", false, 1, 0, NULL, lock_after },
	{ "rcu", "rcu_in", "rcu_out", false, 1, 0 },
	{ "obj_new", "obj_new_cnt", "obj_drop_cnt", false, 2, 0 },
	{ "subprogs", "sub_enter", "sub_exit", false, 1, 1 },
	{ "callback", "cb_enter", "cb_exit", false, 1, 0, NULL, cb_after },
	{ "tail_call", NULL, NULL, true, 0, 0, tail_before, tail_after },
};

static void run_case(struct bpf_object *obj, const struct rcase *c, bool self)
{
	struct cancel_run r = {
		.prog_fd = cancel_prog_fd(obj, c->name),
		.data = c->skb ? pkt : NULL,
		.data_size = c->skb ? sizeof(pkt) : 0,
		.started = BENCH_VAR(obj, __u32, "started"),
		.delay_ms = 100,
		.no_cancel = self,
		.limit_s = 2,
	};
	struct bpf_prog_info i0, i1;
	__u64 steps;

	if (r.prog_fd < 0 || !cancel_info(r.prog_fd, &i0))
		return;
	if (!ASSERT_EQ(i0.cancel_status, BPF_CANCEL_STATUS_ON, "cancel_status ON"))
		return;
	reset(obj);
	if (self)
		*BENCH_VAR(obj, int, "self_at") = SELF_AT;
	if (c->before)
		c->before(obj, c, self);
	cancel_run(&r);
	steps = var(obj, "steps");
	printf("  %s%s: run %.3f s, %s%d, retval %u, %llu outer steps, %s %llu, %s %llu\n",
	       c->name, self ? "_self" : "", r.run_s,
	       self ? "bpf_cancel_self() at step " : "bpf_prog_cancel() = ",
	       self ? SELF_AT : r.cancel_ret, r.retval, (unsigned long long)steps,
	       c->acq ?: "-", c->acq ? (unsigned long long)var(obj, c->acq) : 0ull,
	       c->rel ?: "-", c->rel ? (unsigned long long)var(obj, c->rel) : 0ull);
	ASSERT_TRUE(r.started_seen, "program started");
	ASSERT_OK(r.run_err, "test_run");
	if (!self) {
		ASSERT_EQ(r.cancel_ret, 1, "bpf_prog_cancel() switched the running invocation");
		ASSERT_TRUE(r.returned, "test_run returned within 2 s of the cancel");
	}
	ASSERT_NEQ(r.retval, RET_TIMEOUT, "not ended by its own deadline (not cancelled)");
	ASSERT_EQ(r.retval, RET_CUT, "legal return value (cut short)");
	ASSERT_GE(steps, 1, "outer steps");
	if (c->acq) {
		ASSERT_EQ(var(obj, c->acq), var(obj, c->rel), "every acquire released (nothing leaked)");
		ASSERT_GE(var(obj, c->acq), c->base + (c->per_step ? 1 : 0), "acquired at least once");
	}
	if (self) {
		ASSERT_EQ(steps, SELF_AT + 1, "loop stopped at the step that cancelled");
		if (c->acq)
			ASSERT_EQ(var(obj, c->acq), c->base + c->per_step * (SELF_AT + 1),
				  "acquires up to the cancel");
	}
	if (c->after)
		c->after(obj, c, self);
	if (cancel_info(r.prog_fd, &i1))
		ASSERT_EQ(i1.cancel_cnt, i0.cancel_cnt + 1, "cancel_cnt counts the cancellation");
}

void test_cancel_resources(void)
{
	struct bpf_object *obj;
	unsigned int i;
	char name[64];
	int key = 0, tfd;

	target = fork();
	if (target == 0) {
		for (;;)
			pause();
	}
	if (!ASSERT_GT(target, 0, "fork target task"))
		return;
	obj = cancel_open_load("cancel_resources", true, BUDGET_NS);
	if (!obj)
		goto out;
	*BENCH_VAR(obj, int, "target_pid") = target;
	tfd = cancel_prog_fd(obj, "tail_target");
	if (tfd < 0 || !ASSERT_OK(bpf_map__update_elem(bpf_object__find_map_by_name(obj, "jmp"),
						       &key, sizeof(key), &tfd, sizeof(tfd), 0),
				  "prog array update"))
		goto out;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (test__start_subtest(cases[i].name))
			run_case(obj, &cases[i], false);
		snprintf(name, sizeof(name), "%s_self", cases[i].name);
		if (test__start_subtest(name))
			run_case(obj, &cases[i], true);
	}
out:
	bpf_object__close(obj);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
}
