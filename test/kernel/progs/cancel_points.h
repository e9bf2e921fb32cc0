/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cancel_points.h - what the resource programs of the cancellation tests
 * share (progs/cancel_resources.c, cancel_cgroup.c, cancel_nested.c):
 * return values, the deadline that keeps a run finite on a kernel that
 * cannot cancel, and the checkpoints that cancel a run right before a
 * chosen cancellation site.
 *
 * Return values: RET_DONE (normal end), RET_CUT (cut short: cancelled),
 * RET_TIMEOUT (own deadline, max_ns: not cancelled), RET_NOMAP (a lookup
 * or acquire failed: only possible in cold code), RET_TAIL (the tail-call
 * target).
 *
 * Checkpoints. CP(k, site, n) calls bpf_cancel_self() the n-th time it is
 * passed when user space set cancel_point to k; site is the source line of
 * the cancellation site that the program reaches next on that path (a
 * helper/kfunc call that may return NULL, an iterator's next, bpf_loop, a
 * tail call, a may_goto), so the site runs in the cold twin and must take
 * its failure outcome. The failure path of each site says FAILED(site):
 * the first one reached in cold code (bpf_cancelled()) after the
 * checkpoint is recorded in cp_failed, and the test checks cp_failed ==
 * cp_site. (A checkpoint whose bpf_cancel_self() did not switch leaves
 * cp_failed at -1.) CP_NEXT(name, k, n) names the line below it
 * (the site) as the enum constant name and puts checkpoint k there; a
 * checkpoint elsewhere (a loop's back edge) reuses the name. A site line is
 * what libbpf's site list maps to through the object's line info
 * (prog_tests/cancel_resources.c), which is how the tests check that every
 * site has its checkpoint.
 */
#ifndef BENCH_CANCEL_POINTS_H
#define BENCH_CANCEL_POINTS_H

#include "may_goto.h"

#define RET_DONE	1
#define RET_CUT		2
#define RET_TIMEOUT	3
#define RET_NOMAP	4
#define RET_TAIL	5

extern bool bpf_cancelled(void) __ksym;
extern void bpf_cancel_self(void) __ksym;

/* set by user space */
__u64 max_ns = 5000000000ULL;	/* deadline of one run */
int outer_n = 1 << 20;		/* outer loop steps */
int inner_n = 4096;		/* inner loop steps */
int self_at = -1;		/* bpf_cancel_self() at this outer step, while holding */
int cancel_point = -1;		/* the checkpoint that cancels, -1: none */

volatile __u32 started;
__u32 late;			/* the last run hit its deadline (0/1) */
__u64 steps;			/* outer steps begun by the last run */

/* BPF frames of the running invocation: 1 from begin(), and each
 * subprogram adds itself while it runs (a callback too: the helper that
 * calls it is not a BPF frame) */
__u32 depth;

/* checkpoints (set to -1 / 0 by user space before a run) */
int cp_fired = -1;		/* the checkpoint that called bpf_cancel_self() */
int cp_site = -1;		/* the site line it precedes */
int cp_failed = -1;		/* the first site that failed after it */
int cp_depth = -1;		/* depth there: frames the switch must move */
__u32 cp_passes;		/* times checkpoint cancel_point was passed */

#define CPX(pfx, k, site, n) do {					\
	if (pfx##cancel_point == (k) && ++pfx##cp_passes == (n)) {	\
		pfx##cp_fired = (k);					\
		pfx##cp_site = (site);					\
		pfx##cp_depth = pfx##depth;				\
		bpf_cancel_self();					\
	}								\
} while (0)

#define FAILEDX(pfx, site) do {						\
	if (pfx##cp_fired >= 0 && pfx##cp_failed < 0 && bpf_cancelled()) \
		pfx##cp_failed = (site);				\
} while (0)

#define CP(k, site, n)	CPX(, k, site, n)
#define FAILED(site)	FAILEDX(, site)
/* checkpoint k before the site on the next line, which is called name */
#define CP_NEXT(name, k, n)						\
	enum { name = __LINE__ + 1 };					\
	CP(k, name, n)

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
	depth = 1;
	return bpf_ktime_get_ns() + max_ns;
}

static __always_inline int verdict(int i_end)
{
	if (late)
		return RET_TIMEOUT;
	return steps == (__u64)i_end ? RET_DONE : RET_CUT;
}

#endif
