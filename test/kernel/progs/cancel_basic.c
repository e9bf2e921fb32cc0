// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that run "forever" and are cancelled (prog_tests/cancel_basic.c).
 * Built by the project's clang shim with -fbpf-cancellable (runner.mk), so
 * every function that loops has a cold twin and the loops' iterator,
 * bpf_loop and may_goto instructions are cancellation sites.
 *
 * Every program ends in one of these return values:
 *   RET_DONE     the loops ran to their normal end
 *   RET_CUT      a loop ended early: the program was cancelled and finished
 *                on its failure paths (the only way to get here)
 *   RET_TIMEOUT  the program hit its own deadline (max_ns): nobody cancelled
 *                it; a safety net so that a kernel without cancellation
 *                still gets its test_run back, and the test fails
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define RET_DONE	1
#define RET_CUT		2
#define RET_TIMEOUT	3

/* kfuncs of the cancellation series (kernel/bpf/cancel.c) */
extern bool bpf_cancelled(void) __ksym;
extern void bpf_cancel_self(void) __ksym;

#include "may_goto.h"

__u64 max_ns = 5000000000ULL;	/* each program's own deadline */
/*
 * Step counters start from this (0) rather than from the constant 0: a
 * counter the verifier knows exactly, later compared with the number of
 * steps, makes it track every iteration apart and the iterator loops never
 * converge ("The sequence of 8193 jumps is too complex").
 */
volatile __u64 zero;
volatile __u32 started;		/* set as the program starts */
__u64 work;			/* iterations done by the last run */

/* nested open-coded iterators: 2^40 steps */
static __always_inline int spin(void)
{
	__u64 end = bpf_ktime_get_ns() + max_ns, n = zero;
	bool late = false;
	int i, j;

	started = 1;
	bpf_for(i, 0, 1 << 20) {
		bpf_for(j, 0, 1 << 20) {
			n++;
			if ((j & 1023) == 0 && bpf_ktime_get_ns() > end) {
				late = true;
				break;
			}
		}
		if (late)
			break;
	}
	work = n;
	if (late)
		return RET_TIMEOUT;
	return n == (1ULL << 40) ? RET_DONE : RET_CUT;
}

SEC("syscall")
int spin_iter(void *ctx)
{
	return spin();
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} big_arr SEC(".maps");
__u64 big_sum;

/*
 * spin_iter after 128 array lookups, which the verifier inlines (some ten
 * instructions each): the rewritten program outgrows the pages it was
 * loaded in, and bpf_prog_realloc() moves it during verification.
 */
SEC("syscall")
int spin_iter_moved(void *ctx)
{
	__u64 s = 0, *v;
	__u32 k, key;

#pragma unroll
	for (k = 0; k < 128; k++) {
		key = k & 63;
		v = bpf_map_lookup_elem(&big_arr, &key);
		if (v)
			s += *v;
	}
	big_sum = s;
	return spin();
}

/* a may_goto loop: ends when the verifier's budget is spent (RET_DONE
 * after ~8M iterations, each of 256 inner steps: far beyond the deadline
 * under emulation) or, cancelled, at once */
SEC("syscall")
int spin_may_goto(void *ctx)
{
	__u64 end = bpf_ktime_get_ns() + max_ns, n = zero, acc = 1;
	bool late = false;
	int k;

	started = 1;
	while (budget_left()) {
		n++;
		for (k = 0; k < 256; k++)
			acc = acc * 31 + (n ^ k);
		if ((n & 63) == 0 && bpf_ktime_get_ns() > end) {
			late = true;
			break;
		}
	}
	work = n + (acc & 1);
	if (late)
		return RET_TIMEOUT;
	return n >= 8000000 ? RET_DONE : RET_CUT;
}

struct loop_ctx {
	__u64 end;
	__u64 n;
	bool late;
};

static int inner_cb(__u64 i, void *data)
{
	struct loop_ctx *c = data;

	c->n++;
	if ((i & 1023) == 0 && bpf_ktime_get_ns() > c->end) {
		c->late = true;
		return 1;
	}
	return 0;
}

static int outer_cb(__u64 i, void *data)
{
	struct loop_ctx *c = data;

	bpf_loop(1 << 20, inner_cb, c, 0);
	return c->late;
}

/* nested bpf_loop: 2^40 callbacks */
SEC("syscall")
int spin_bpf_loop(void *ctx)
{
	struct loop_ctx c = { .end = bpf_ktime_get_ns() + max_ns, .n = zero };
	long outer;

	started = 1;
	outer = bpf_loop(1 << 20, outer_cb, &c, 0);
	work = c.n;
	if (c.late)
		return RET_TIMEOUT;
	return outer == (1 << 20) && c.n == (1ULL << 40) ? RET_DONE : RET_CUT;
}

/* returns bpf_cancelled() after a loop of flag_iters x 2^20 steps:
 * 0 when it ran to its end, 1 when it was cancelled (the cold twin's
 * bpf_cancelled() call is "r0 = 1") */
__u32 flag_iters = 1 << 20;

SEC("syscall")
int cancelled_flag(void *ctx)
{
	__u64 end = bpf_ktime_get_ns() + max_ns, n = zero;
	bool late = false;
	int i, j;

	started = 1;
	bpf_for(i, 0, flag_iters) {
		bpf_for(j, 0, 1 << 20) {
			n++;
			if ((j & 1023) == 0 && bpf_ktime_get_ns() > end) {
				late = true;
				break;
			}
		}
		if (late)
			break;
	}
	work = n;
	if (late)
		return RET_TIMEOUT;
	return bpf_cancelled() ? 1 : 0;
}

/* cancels itself at step self_at of self_iters (never when self_at < 0) */
int self_at = -1;
int self_iters = 100000;
__u64 self_n;
__u32 self_flag;

SEC("syscall")
int cancel_self(void *ctx)
{
	__u64 n = zero;
	int i;

	started = 1;
	bpf_for(i, 0, self_iters) {
		n++;
		if (i == self_at)
			bpf_cancel_self();
	}
	self_n = n;
	self_flag = bpf_cancelled();
	return n == (__u64)self_iters ? RET_DONE : RET_CUT;
}

/* a short run (64 steps), for the watchdog's "many short runs are never
 * cancelled" check: run back to back with BPF_PROG_TEST_RUN's repeat */
__u64 short_sum;

SEC("tc")
int short_tc(struct __sk_buff *skb)
{
	__u64 acc = skb->len;
	int i;

	bpf_for(i, 0, 64)
		acc = acc * 33 + i;
	short_sum = acc;
	return bpf_cancelled() ? RET_CUT : RET_DONE;
}

/* the bpf_cancel tracepoint: one event per switched invocation */
__u32 tp_events, tp_trigger, tp_cpu;
__s32 tp_frames = -1, tp_min_frames = 1 << 30;
__u64 tp_latency_ns;

SEC("tp_btf/bpf_cancel")
int BPF_PROG(on_cancel, const struct bpf_prog *prog, int cpu, int trigger, int frames,
	     __u64 latency_ns)
{
	tp_events++;
	tp_trigger = trigger;
	tp_cpu = cpu;
	tp_frames = frames;
	if (frames < tp_min_frames)
		tp_min_frames = frames;
	tp_latency_ns = latency_ns;
	return 0;
}
