// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that hold resources while they loop, for
 * prog_tests/cancel_resources.c: each is cancelled mid-loop (by
 * BPF_PROG_CANCEL from user space, or by bpf_cancel_self() at a chosen step
 * while holding) and the counters below must then show that every acquire
 * was matched by its release. Built with -fbpf-cancellable.
 *
 * Return values: RET_DONE (normal end), RET_CUT (cut short: cancelled),
 * RET_TIMEOUT (own deadline, max_ns: not cancelled), RET_NOMAP (a lookup
 * failed: only possible in cold code), RET_TAIL (the tail-call target).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define RET_DONE	1
#define RET_CUT		2
#define RET_TIMEOUT	3
#define RET_NOMAP	4
#define RET_TAIL	5

extern bool bpf_cancelled(void) __ksym;
extern void bpf_cancel_self(void) __ksym;
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

#include "may_goto.h"

/* set by user space */
__u64 max_ns = 5000000000ULL;	/* deadline of one run */
int outer_n = 1 << 20;		/* outer loop steps */
int self_at = -1;		/* bpf_cancel_self() at this outer step, while holding */
int target_pid;

volatile __u32 started;
__u32 late;			/* the last run hit its deadline (0/1) */
__u64 steps;			/* outer steps begun by the last run */

/* deadline check every 1024 inner steps (sets late) */
static __always_inline bool past(__u64 end, int j)
{
	if ((j & 1023) == 0 && bpf_ktime_get_ns() > end)
		late = 1;
	return late;
}

static __always_inline __u64 begin(void)
{
	started = 1;
	late = 0;
	steps = 0;
	return bpf_ktime_get_ns() + max_ns;
}

static __always_inline int verdict(int i_end)
{
	if (late)
		return RET_TIMEOUT;
	return steps == (__u64)i_end ? RET_DONE : RET_CUT;
}

/* ---- task references: two held across the inner loop ---- */
__u64 task_acq, task_rel, task_null;

SEC("syscall")
int task_ref(void *ctx)
{
	__u64 end = begin(), acc = 0;
	int i, j;

	bpf_for(i, 0, outer_n) {
		struct task_struct *t, *t2;

		steps++;
		t = bpf_task_from_pid(target_pid);
		if (!t) {
			task_null++;
			continue;
		}
		task_acq++;
		t2 = bpf_task_acquire(t);
		if (t2) {
			task_acq++;
			bpf_for(j, 0, 4096) {
				acc += j;
				if (i == self_at && j == 7)
					bpf_cancel_self();
				if (past(end, j))
					break;
			}
			bpf_task_release(t2);
			task_rel++;
		}
		bpf_task_release(t);
		task_rel++;
		if (late)
			break;
	}
	return verdict(outer_n) + (int)(acc & 0);
}

/* reference count of target_pid's task (rcu_users: what bpf_task_acquire()
 * and bpf_task_from_pid() take) as seen from BPF, minus our own reference */
__s64 task_usage = -1;

SEC("syscall")
int task_usage_read(void *ctx)
{
	struct task_struct *t = bpf_task_from_pid(target_pid);

	if (!t)
		return RET_NOMAP;
	task_usage = t->rcu_users.refs.counter - 1;
	bpf_task_release(t);
	return 0;
}

/* ---- ringbuf reservations held across the inner loop ---- */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

__u64 rb_res, rb_sub, rb_disc, rb_null;

SEC("syscall")
int ringbuf(void *ctx)
{
	__u64 end = begin(), acc = 0;
	int i, j;

	bpf_for(i, 0, outer_n) {
		__u64 *r;

		steps++;
		r = bpf_ringbuf_reserve(&rb, 64, 0);
		if (!r) {
			rb_null++;
			continue;
		}
		rb_res++;
		bpf_for(j, 0, 2048) {
			acc += j;
			if (i == self_at && j == 7)
				bpf_cancel_self();
			if (past(end, j))
				break;
		}
		r[0] = i;
		r[1] = acc;
		if (i & 1) {
			bpf_ringbuf_submit(r, 0);
			rb_sub++;
		} else {
			bpf_ringbuf_discard(r, 0);
			rb_disc++;
		}
		if (late)
			break;
	}
	return verdict(outer_n);
}

#define RB_MARK 0x6d61726bULL

/* after a cancel: a reservation must succeed and reach the consumer */
SEC("syscall")
int ringbuf_mark(void *ctx)
{
	__u64 *r = bpf_ringbuf_reserve(&rb, 64, 0);

	if (!r)
		return RET_NOMAP;
	r[0] = RB_MARK;
	r[1] = 0;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* ---- bpf_spin_lock held around part of the loop body ---- */
struct lockval {
	struct bpf_spin_lock l;
	__u64 cnt;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lockval);
} locks SEC(".maps");

__u64 lock_taken, lock_freed;

SEC("syscall")
int spin_lock(void *ctx)
{
	__u64 end = begin(), acc = 0;
	struct lockval *v;
	__u32 key = 0;
	int i, j, k;

	v = bpf_map_lookup_elem(&locks, &key);
	if (!v)
		return RET_NOMAP;
	bpf_for(i, 0, outer_n) {
		steps++;
		bpf_spin_lock(&v->l);
		lock_taken++;
		/* a may_goto loop inside the locked section */
		for (k = 0; k < 256 && budget_left(); k++)
			v->cnt++;
		lock_freed++;
		bpf_spin_unlock(&v->l);
		if (i == self_at)
			bpf_cancel_self();
		bpf_for(j, 0, 256) {
			acc += j;
			if (past(end, j))
				break;
		}
		if (late)
			break;
	}
	return verdict(outer_n) + (int)(acc & 0);
}

/* a second run takes the lock: it would spin forever on a leaked one */
SEC("syscall")
int spin_lock_again(void *ctx)
{
	struct lockval *v;
	__u32 key = 0;

	v = bpf_map_lookup_elem(&locks, &key);
	if (!v)
		return RET_NOMAP;
	bpf_spin_lock(&v->l);
	v->cnt += 1000000;
	bpf_spin_unlock(&v->l);
	return 0;
}

/* ---- RCU read sections around the inner loop ---- */
__u64 rcu_in, rcu_out;

SEC("syscall")
int rcu(void *ctx)
{
	__u64 end = begin(), acc = 0;
	int i, j;

	bpf_for(i, 0, outer_n) {
		steps++;
		bpf_rcu_read_lock();
		rcu_in++;
		bpf_for(j, 0, 2048) {
			acc += j;
			if (i == self_at && j == 7)
				bpf_cancel_self();
			if (past(end, j))
				break;
		}
		rcu_out++;
		bpf_rcu_read_unlock();
		if (late)
			break;
	}
	return verdict(outer_n) + (int)(acc & 0);
}

/* ---- bpf_obj_new objects held across the inner loop ---- */
struct node {
	__u64 v;
	__u64 w;
};

__u64 obj_new_cnt, obj_drop_cnt, obj_null;

SEC("syscall")
int obj_new(void *ctx)
{
	__u64 end = begin();
	int i, j;

	bpf_for(i, 0, outer_n) {
		struct node *a, *b;

		steps++;
		a = bpf_obj_new_impl(bpf_core_type_id_local(struct node), NULL);
		if (!a) {
			obj_null++;
			continue;
		}
		obj_new_cnt++;
		b = bpf_obj_new_impl(bpf_core_type_id_local(struct node), NULL);
		if (b) {
			obj_new_cnt++;
			bpf_for(j, 0, 2048) {
				a->v += j;
				b->w ^= j;
				if (i == self_at && j == 7)
					bpf_cancel_self();
				if (past(end, j))
					break;
			}
			bpf_obj_drop_impl(b, NULL);
			obj_drop_cnt++;
		} else {
			obj_null++;
		}
		bpf_obj_drop_impl(a, NULL);
		obj_drop_cnt++;
		if (late)
			break;
	}
	return verdict(outer_n);
}

/* ---- nested subprograms with loops ---- */
__u64 sub_enter, sub_exit;

static __noinline __u64 leaf(__u64 end, int i)
{
	__u64 acc = 0;
	int j;

	sub_enter++;
	bpf_for(j, 0, 1 << 20) {
		acc += j ^ i;
		if (i == self_at && j == 7)
			bpf_cancel_self();
		if (past(end, j))
			break;
	}
	sub_exit++;
	return acc;
}

static __noinline __u64 mid(__u64 end)
{
	__u64 acc = 0;
	int i;

	sub_enter++;
	bpf_for(i, 0, outer_n) {
		steps++;
		acc += leaf(end, i);
		if (late)
			break;
	}
	sub_exit++;
	return acc;
}

SEC("syscall")
int subprogs(void *ctx)
{
	__u64 end = begin(), acc;

	acc = mid(end);		/* before verdict(), which reads what mid() counted */
	return verdict(outer_n) + (int)(acc & 0);
}

/* ---- a bpf_loop callback with its own inner loop ---- */
__u64 cb_enter, cb_exit;
long cb_loops;

struct cb_ctx {
	__u64 end;
	__u64 acc;
};

static int loop_cb(__u64 i, void *data)
{
	struct cb_ctx *c = data;
	int j;

	cb_enter++;
	steps++;
	bpf_for(j, 0, 1 << 20) {
		c->acc += j;
		if ((int)i == self_at && j == 7)
			bpf_cancel_self();
		if (past(c->end, j))
			break;
	}
	cb_exit++;
	return late & 1;
}

SEC("syscall")
int callback(void *ctx)
{
	struct cb_ctx c = { .end = begin() };

	cb_loops = bpf_loop(outer_n, loop_cb, &c, 0);
	return verdict(outer_n);
}

/* ---- a tail call after the loop (tc: sleepable programs cannot use prog arrays) ---- */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

__u64 tail_hits;

SEC("tc")
int tail_target(struct __sk_buff *skb)
{
	tail_hits++;
	return RET_TAIL;
}

/* ends in the tail call to tail_target (RET_TAIL) after a full loop; in
 * cold code the tail call falls through (RET_CUT) */
SEC("tc")
int tail_call(struct __sk_buff *skb)
{
	__u64 end = begin(), acc = 0;
	int i, j;

	bpf_for(i, 0, outer_n) {
		steps++;
		bpf_for(j, 0, 4096) {
			acc += j;
			if (i == self_at && j == 7)
				bpf_cancel_self();
			if (past(end, j))
				break;
		}
		if (late)
			break;
	}
	if (late)
		return RET_TIMEOUT;
	bpf_tail_call(skb, &jmp, 0);
	return RET_CUT + (acc & 0);
}
