// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that hold resources while they loop, for
 * prog_tests/cancel_resources.c: each is cancelled mid-loop (by
 * BPF_PROG_CANCEL from user space, or by bpf_cancel_self() at a chosen step
 * while holding), and once right before each of its cancellation sites
 * (the checkpoints CP(), see cancel_points.h); the counters below must then
 * show that every acquire was matched by its release. Built with
 * -fbpf-cancellable. Return values: see cancel_points.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

#include "cancel_points.h"
#include "cancel_task.h"

/* ---- task references: two held across the inner loop ---- */
__u64 task_acq, task_rel, task_null;

SEC("syscall")
int task_ref(void *ctx)
{
	__u64 end = begin(), acc = 0;
	int i, j;

	CP_NEXT(T_OUTER, 0, 1);
	bpf_for(i, 0, outer_n) {
		struct task_struct *t, *t2;

		steps++;
		CP_NEXT(T_FROM_PID, 1, 2);
		t = bpf_task_from_pid(target_pid);
		if (!t) {
			FAILED(T_FROM_PID);
			task_null++;
			continue;
		}
		task_acq++;
		CP_NEXT(T_ACQUIRE, 2, 2);		/* holding t */
		t2 = bpf_task_acquire(t);
		if (t2) {
			task_acq++;
			CP_NEXT(T_INNER, 3, 2);		/* holding t, t2 */
			bpf_for(j, 0, inner_n) {
				acc += j;
				if (i == self_at && j == 7)
					bpf_cancel_self();
				if (past(end, j))
					break;
				CP(4, T_INNER, 2);	/* holding t, t2 */
			}
			FAILED(T_INNER);
			bpf_task_release(t2);
			task_rel++;
		} else {
			FAILED(T_ACQUIRE);
		}
		bpf_task_release(t);
		task_rel++;
		if (late)
			break;
		CP(5, T_OUTER, 2);
	}
	FAILED(T_OUTER);
	return verdict(outer_n) + (int)(acc & 0);
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

	CP_NEXT(R_OUTER, 0, 1);
	bpf_for(i, 0, outer_n) {
		__u64 *r;

		steps++;
		CP_NEXT(R_RESERVE, 1, 2);
		r = bpf_ringbuf_reserve(&rb, 64, 0);
		if (!r) {
			FAILED(R_RESERVE);
			rb_null++;
			continue;
		}
		rb_res++;
		CP_NEXT(R_INNER, 2, 2);			/* holding r */
		bpf_for(j, 0, inner_n) {
			acc += j;
			if (i == self_at && j == 7)
				bpf_cancel_self();
			if (past(end, j))
				break;
			CP(3, R_INNER, 2);		/* holding r */
		}
		FAILED(R_INNER);
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
		CP(4, R_OUTER, 2);
	}
	FAILED(R_OUTER);
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

	CP_NEXT(L_LOOKUP, 0, 1);
	v = bpf_map_lookup_elem(&locks, &key);
	if (!v) {
		FAILED(L_LOOKUP);
		return RET_NOMAP;
	}
	CP_NEXT(L_OUTER, 1, 1);
	bpf_for(i, 0, outer_n) {
		bool cut;

		steps++;
		/*
		 * The verifier allows no call in the locked section, so no
		 * bpf_cancel_self() there: this checkpoint precedes the
		 * may_goto three lines down, the next site on the path.
		 */
		enum { L_GOTO = __LINE__ + 3 };
		CP(2, L_GOTO, 2);
		bpf_spin_lock(&v->l);
		for (k = 0; k < 256 && budget_left(); k++)
			v->cnt++;
		cut = k < 256;
		lock_taken++;
		lock_freed++;
		bpf_spin_unlock(&v->l);
		if (cut)	/* (FAILED() calls bpf_cancelled(): not under the lock) */
			FAILED(L_GOTO);
		if (i == self_at)
			bpf_cancel_self();
		CP_NEXT(L_INNER, 3, 2);
		bpf_for(j, 0, inner_n) {
			acc += j;
			if (past(end, j))
				break;
			CP(4, L_INNER, 2);
		}
		FAILED(L_INNER);
		if (late)
			break;
		CP(5, L_OUTER, 2);
	}
	FAILED(L_OUTER);
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

	CP_NEXT(U_OUTER, 0, 1);
	bpf_for(i, 0, outer_n) {
		steps++;
		bpf_rcu_read_lock();
		rcu_in++;
		CP_NEXT(U_INNER, 1, 2);			/* in the RCU section */
		bpf_for(j, 0, inner_n) {
			acc += j;
			if (i == self_at && j == 7)
				bpf_cancel_self();
			if (past(end, j))
				break;
			CP(2, U_INNER, 2);		/* in the RCU section */
		}
		FAILED(U_INNER);
		rcu_out++;
		bpf_rcu_read_unlock();
		if (late)
			break;
		CP(3, U_OUTER, 2);
	}
	FAILED(U_OUTER);
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

	CP_NEXT(O_OUTER, 0, 1);
	bpf_for(i, 0, outer_n) {
		struct node *a, *b;

		steps++;
		CP_NEXT(O_NEW_A, 1, 2);
		a = bpf_obj_new_impl(bpf_core_type_id_local(struct node), NULL);
		if (!a) {
			FAILED(O_NEW_A);
			obj_null++;
			continue;
		}
		obj_new_cnt++;
		CP_NEXT(O_NEW_B, 2, 2);			/* holding a */
		b = bpf_obj_new_impl(bpf_core_type_id_local(struct node), NULL);
		if (b) {
			obj_new_cnt++;
			CP_NEXT(O_INNER, 3, 2);		/* holding a, b */
			bpf_for(j, 0, inner_n) {
				a->v += j;
				b->w ^= j;
				if (i == self_at && j == 7)
					bpf_cancel_self();
				if (past(end, j))
					break;
				CP(4, O_INNER, 2);	/* holding a, b */
			}
			FAILED(O_INNER);
			bpf_obj_drop_impl(b, NULL);
			obj_drop_cnt++;
		} else {
			FAILED(O_NEW_B);
			obj_null++;
		}
		bpf_obj_drop_impl(a, NULL);
		obj_drop_cnt++;
		if (late)
			break;
		CP(5, O_OUTER, 2);
	}
	FAILED(O_OUTER);
	return verdict(outer_n);
}

/* ---- nested subprograms with loops ---- */
__u64 sub_enter, sub_exit;

static __noinline __u64 leaf(__u64 end, int i)
{
	__u64 acc = 0;
	int j;

	sub_enter++;
	depth++;
	CP_NEXT(S_LEAF, 1, 2);				/* second call, under mid() */
	bpf_for(j, 0, inner_n) {
		acc += j ^ i;
		if (i == self_at && j == 7)
			bpf_cancel_self();
		if (past(end, j))
			break;
		CP(2, S_LEAF, 2);			/* under mid() */
	}
	FAILED(S_LEAF);
	sub_exit++;
	depth--;
	return acc;
}

static __noinline __u64 mid(__u64 end)
{
	__u64 acc = 0;
	int i;

	sub_enter++;
	depth++;
	CP_NEXT(S_MID, 0, 1);
	bpf_for(i, 0, outer_n) {
		steps++;
		acc += leaf(end, i);
		if (late)
			break;
		CP(3, S_MID, 2);
	}
	FAILED(S_MID);
	sub_exit++;
	depth--;
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
	depth++;
	CP_NEXT(C_INNER, 1, 2);				/* second callback */
	bpf_for(j, 0, inner_n) {
		c->acc += j;
		if ((int)i == self_at && j == 7)
			bpf_cancel_self();
		if (past(c->end, j))
			break;
		CP(2, C_INNER, 2);
	}
	FAILED(C_INNER);
	cb_exit++;
	depth--;
	return late & 1;
}

SEC("syscall")
int callback(void *ctx)
{
	struct cb_ctx c = { .end = begin() };

	CP_NEXT(C_LOOP, 0, 1);
	cb_loops = bpf_loop(outer_n, loop_cb, &c, 0);
	if (!cb_loops)
		FAILED(C_LOOP);
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

	CP_NEXT(X_OUTER, 0, 1);
	bpf_for(i, 0, outer_n) {
		steps++;
		CP_NEXT(X_INNER, 1, 2);
		bpf_for(j, 0, inner_n) {
			acc += j;
			if (i == self_at && j == 7)
				bpf_cancel_self();
			if (past(end, j))
				break;
			CP(2, X_INNER, 2);
		}
		FAILED(X_INNER);
		if (late)
			break;
		CP(3, X_OUTER, 2);
	}
	FAILED(X_OUTER);
	if (late)
		return RET_TIMEOUT;
	CP_NEXT(X_TAIL, 4, 1);
	bpf_tail_call(skb, &jmp, 0);
	FAILED(X_TAIL);
	return RET_CUT + (acc & 0);
}

/* ---- the switches: what triggered each, how many frames it moved ---- */
__u32 tp_events, tp_trigger;
__s32 tp_frames = -1;

SEC("tp_btf/bpf_cancel")
int BPF_PROG(on_cancel, const struct bpf_prog *prog, int cpu, int trigger, int frames,
	     __u64 latency_ns)
{
	tp_events++;
	tp_trigger = trigger;
	tp_frames = frames;
	return 0;
}
