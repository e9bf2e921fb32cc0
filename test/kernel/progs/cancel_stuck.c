// SPDX-License-Identifier: GPL-2.0
/*
 * Every CPU stuck at once. On hrtimer_expire_entry (hard interrupt context,
 * interrupts off), the first run of each CPU after user space arms it
 * spins in two nested iterators (10 billion steps) until it is cancelled
 * or reaches its own deadline.
 * The CPUs' ticks expire together, so all of them soon spin at once: then
 * no CPU takes a tick, and none can send another the rescue NMI. Only an
 * NMI a CPU raises for itself, the per-CPU perf NMI of the watchdog, can
 * start the watchdog there (prog_tests/cancel_stuck.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_CPUS	64

extern bool bpf_cancelled(void) __ksym;

/* counters start from it, not from a constant the verifier tracks exactly */
volatile __u64 zero;

volatile __u32 armed;
__u64 max_ns = 2000000000ULL;	/* own deadline of a run: 2 s */
__u32 ran[MAX_CPUS];		/* a CPU's run, once per arming */
volatile __u32 spinning;	/* runs spinning now */
__u32 most_spinning;		/* most runs seen spinning at once */
__u32 runs, cancelled, deadline;

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(stuck, struct hrtimer *timer, ktime_t *now)
{
	__u32 cpu = bpf_get_smp_processor_id(), in;
	__u64 end, n = zero;
	bool late = false;
	int *v;

	if (!armed || cpu >= MAX_CPUS || ran[cpu])
		return 0;
	ran[cpu] = 1;
	end = bpf_ktime_get_ns() + max_ns;
	__sync_fetch_and_add(&spinning, 1);
	{
		struct bpf_iter_num it;

		bpf_iter_num_new(&it, 0, 100000);
		while (!late && bpf_iter_num_next(&it)) {
			struct bpf_iter_num it2;

			bpf_iter_num_new(&it2, 0, 100000);
			while ((v = bpf_iter_num_next(&it2))) {
				n++;
				if (*v & 1023)
					continue;
				in = spinning;
				if (in > most_spinning)
					most_spinning = in;
				if (bpf_ktime_get_ns() > end) {
					late = true;
					break;
				}
			}
			bpf_iter_num_destroy(&it2);
		}
		bpf_iter_num_destroy(&it);
	}
	__sync_fetch_and_sub(&spinning, 1);
	__sync_fetch_and_add(&runs, 1);
	if (late)
		__sync_fetch_and_add(&deadline, 1);
	if (bpf_cancelled())
		__sync_fetch_and_add(&cancelled, 1);
	return n == 0;
}
