// SPDX-License-Identifier: GPL-2.0
/*
 * A program that keeps one CPU busy with interrupts disabled: it runs on
 * the sched_switch tracepoint (called by __schedule() with interrupts off
 * and the runqueue lock held) and, once armed, spins in bpf_loop until user
 * space says stop or a deadline passes. prog_tests/nmi.c sends an NMI
 * backtrace (sysrq 'l') to all CPUs meanwhile.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

int target_tid;
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

SEC("tp_btf/sched_switch")
int BPF_PROG(spin_irqs_off, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct spin_ctx c;
	__u64 t0;

	if (!armed || prev->pid != target_tid)
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
