// SPDX-License-Identifier: GPL-2.0
/*
 * A program that holds cgroup references while it loops, for
 * prog_tests/cancel_resources.c (subtests cgroup_ref*): cancelled mid-loop,
 * at a chosen step and at each of its cancellation sites like the programs
 * of cancel_resources.c (an object of its own: it needs the cgroup kfuncs,
 * which a kernel without CONFIG_CGROUPS lacks, and libbpf refuses an object
 * with an unresolved kfunc). Built with -fbpf-cancellable. Return values
 * and checkpoints: cancel_points.h.
 *
 * The cgroup (cgroup_id, a child of the cgroup2 root that the test makes)
 * is taken with bpf_cgroup_from_id() and once more with
 * bpf_cgroup_acquire(); both references are held across the inner loop.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

extern struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym;
extern struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;

#include "cancel_points.h"

__u64 cgroup_id;			/* set by user space */
__u64 cg_acq, cg_rel, cg_null;

SEC("syscall")
int cgroup_ref(void *ctx)
{
	__u64 end = begin(), acc = 0;
	int i, j;

	CP_NEXT(G_OUTER, 0, 1);
	bpf_for(i, 0, outer_n) {
		struct cgroup *c, *c2;

		steps++;
		CP_NEXT(G_FROM_ID, 1, 2);
		c = bpf_cgroup_from_id(cgroup_id);
		if (!c) {
			FAILED(G_FROM_ID);
			cg_null++;
			continue;
		}
		cg_acq++;
		CP_NEXT(G_ACQUIRE, 2, 2);		/* holding c */
		c2 = bpf_cgroup_acquire(c);
		if (c2) {
			cg_acq++;
			CP_NEXT(G_INNER, 3, 2);		/* holding c, c2 */
			bpf_for(j, 0, inner_n) {
				acc += j;
				if (i == self_at && j == 7)
					bpf_cancel_self();
				if (past(end, j))
					break;
				CP(4, G_INNER, 2);	/* holding c, c2 */
			}
			FAILED(G_INNER);
			bpf_cgroup_release(c2);
			cg_rel++;
		} else {
			FAILED(G_ACQUIRE);
		}
		bpf_cgroup_release(c);
		cg_rel++;
		if (late)
			break;
		CP(5, G_OUTER, 2);
	}
	FAILED(G_OUTER);
	return verdict(outer_n) + (int)(acc & 0);
}

/* after a cancel: the cgroup can still be taken and released */
SEC("syscall")
int cgroup_probe(void *ctx)
{
	struct cgroup *c = bpf_cgroup_from_id(cgroup_id);

	if (!c)
		return RET_NOMAP;
	bpf_cgroup_release(c);
	return 0;
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
