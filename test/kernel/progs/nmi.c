// SPDX-License-Identifier: GPL-2.0
/*
 * A program that keeps one CPU busy with interrupts disabled: it runs on
 * the hrtimer_expire_entry tracepoint, i.e. in hard interrupt context (the
 * scheduler tick of the target CPU), and, once armed, spins in bpf_loop
 * until user space says stop or a deadline passes. prog_tests/nmi.c sends
 * an NMI backtrace (sysrq 'l') to all CPUs meanwhile.
 *
 * (The sched_switch "BPF bomb" would also run with interrupts off, but it
 * holds the runqueue lock: under TCG the other CPUs' load balancing then
 * stalls on it for the whole spin, which makes a poor regression test.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

int target_cpu = -1;
__u64 max_ns;
volatile int armed;
volatile int stop;
volatile int spinning;
int spin_cpu = -1;
__u64 spin_ns, loops;
int done;

struct spin_ctx {
	__u64 deadline;
};

static int spin_cb(__u64 i, void *data)
{
	struct spin_ctx *c = data;
	int j;

	for (j = 0; j < 32; j++)
		if (stop)
			return 1;
	return bpf_ktime_get_ns() > c->deadline;
}

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(spin_irqs_off, struct hrtimer *timer, ktime_t *now)
{
	struct spin_ctx c;
	__u64 t0;

	if (!armed || bpf_get_smp_processor_id() != target_cpu)
		return 0;
	armed = 0;
	spin_cpu = bpf_get_smp_processor_id();
	t0 = bpf_ktime_get_ns();
	c.deadline = t0 + max_ns;
	spinning = 1;
	loops = bpf_loop(1 << 23, spin_cb, &c, 0);
	spinning = 0;
	spin_ns = bpf_ktime_get_ns() - t0;
	done = 1;
	return 0;
}
