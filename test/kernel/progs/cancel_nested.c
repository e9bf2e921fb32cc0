// SPDX-License-Identifier: GPL-2.0
/*
 * A program that runs nested in another one, for prog_tests/cancel_nested.c:
 * prog -> kfunc -> fentry prog, each holding resources. Built with
 * -fbpf-cancellable. Return values and checkpoints: cancel_points.h.
 *
 *   outer   (syscall) calls bpf_task_from_pid(target_pid) twice per outer
 *           step and holds the first reference across the second call and
 *           across an inner loop.
 *   nested  (fentry on bpf_task_from_pid) runs inside each of those calls
 *           while nested_on: it holds a ringbuf reservation across a loop
 *           of nested_n steps, or, in the call numbered spin_call, of
 *           spin_n steps with its own deadline spin_ns, long enough for the
 *           test to cancel it, or the outer program, while it spins.
 *   on_cancel (tp_btf/bpf_cancel) records which program each switch
 *           targeted, what triggered it and how many frames it moved.
 *
 * Each program has its own checkpoints: cancel_point for outer, and
 * n_cancel_point for nested (the n_cp_* globals).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

#include "cancel_points.h"
#include "cancel_task.h"

/* ---- outer ---- */
__u64 acq, rel, nul;
__u32 outer_cold;		/* bpf_cancelled() as the last outer run ended */

SEC("syscall")
int outer(void *ctx)
{
	__u64 end = begin(), acc = 0;
	int i, j;

	CP_NEXT(P_OUTER, 0, 1);
	bpf_for(i, 0, outer_n) {
		struct task_struct *a, *b;

		steps++;
		CP_NEXT(P_FIRST, 1, 2);
		a = bpf_task_from_pid(target_pid);	/* nested runs in here */
		if (!a) {
			FAILED(P_FIRST);
			nul++;
			continue;
		}
		acq++;
		CP_NEXT(P_SECOND, 2, 2);		/* holding a */
		b = bpf_task_from_pid(target_pid);	/* and here, a held */
		if (b) {
			acq++;
			CP_NEXT(P_INNER, 3, 2);		/* holding a, b */
			bpf_for(j, 0, inner_n) {
				acc += j;
				if (past(end, j))
					break;
				CP(4, P_INNER, 2);	/* holding a, b */
			}
			FAILED(P_INNER);
			bpf_task_release(b);
			rel++;
		} else {
			FAILED(P_SECOND);
			nul++;
		}
		bpf_task_release(a);
		rel++;
		if (late)
			break;
		CP(5, P_OUTER, 2);
	}
	FAILED(P_OUTER);
	outer_cold = bpf_cancelled();
	return verdict(outer_n) + (int)(acc & 0);
}

/* ---- nested ---- */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} nrb SEC(".maps");

/* set by user space */
int nested_on;			/* 0: nested returns at once */
int spin_call = -1;		/* the call (0, 1, ... since n_calls = 0) that spins */
int nested_n = 8;		/* loop steps of the other calls */
int spin_n = 8 << 20;		/* loop steps of the spinning call (the
				 * most an open-coded iterator runs) */
__u64 spin_ns = 2000000000ULL;	/* its own deadline */
int n_cancel_point = -1;	/* nested's checkpoint that cancels */

int n_cp_fired = -1, n_cp_site = -1, n_cp_failed = -1, n_cp_depth = -1;
const volatile __u32 n_depth = 1;	/* nested has no subprograms */
__u32 n_cp_passes;

volatile __u32 spinning;	/* the spinning call is in its loop */
__u64 n_calls, n_exit, n_res, n_sub, n_disc, n_null, spin_steps;
__u32 n_late;			/* a call hit spin_ns */
__u32 n_cold;			/* calls that ended in cold code */

#define NCP(k, site, n)		CPX(n_, k, site, n)
#define NFAILED(site)		FAILEDX(n_, site)
#define NCP_NEXT(name, k, n)						\
	enum { name = __LINE__ + 1 };					\
	NCP(k, name, n)

SEC("fentry/bpf_task_from_pid")
int BPF_PROG(nested, s32 pid)
{
	__u64 end, call, *r;
	bool spin;
	int j, n;

	if (!nested_on || pid != target_pid)
		return 0;
	call = n_calls++;
	spin = call == (__u64)spin_call;
	n = spin ? spin_n : nested_n;
	end = bpf_ktime_get_ns() + spin_ns;
	NCP_NEXT(N_RESERVE, 0, 2);
	r = bpf_ringbuf_reserve(&nrb, 64, 0);
	if (!r) {
		NFAILED(N_RESERVE);
		n_null++;
		goto out;
	}
	n_res++;
	if (spin)
		spinning = 1;
	NCP_NEXT(N_LOOP, 1, 2);				/* holding r */
	bpf_for(j, 0, n) {
		if (spin)
			spin_steps++;
		if (bpf_ktime_get_ns() > end) {
			n_late = 1;
			break;
		}
		NCP(2, N_LOOP, 2);			/* holding r */
	}
	NFAILED(N_LOOP);
	r[0] = call;
	if (call & 1) {
		bpf_ringbuf_submit(r, 0);
		n_sub++;
	} else {
		bpf_ringbuf_discard(r, 0);
		n_disc++;
	}
out:
	n_cold += bpf_cancelled();
	n_exit++;
	return 0;
}

/* ---- the switches ---- */
__u32 tp_events, tp_prog_id, tp_trigger;
__s32 tp_frames = -1;

SEC("tp_btf/bpf_cancel")
int BPF_PROG(on_cancel, const struct bpf_prog *prog, int cpu, int trigger, int frames,
	     __u64 latency_ns)
{
	tp_events++;
	tp_prog_id = prog->aux->id;
	tp_trigger = trigger;
	tp_frames = frames;
	return 0;
}
