// SPDX-License-Identifier: GPL-2.0
/* Tracing programs on sched_switch, used by prog_tests/tracepoint.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

int target_pid;          /* thread id whose switches are counted */
__u64 raw_tp_hits, tp_btf_hits, tp_hits;

SEC("raw_tp/sched_switch")
int BPF_PROG(on_raw_tp, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (BPF_CORE_READ(prev, pid) == target_pid)
		__sync_fetch_and_add(&raw_tp_hits, 1);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (prev->pid == target_pid)
		__sync_fetch_and_add(&tp_btf_hits, 1);
	return 0;
}

/* classic (perf event) tracepoint: the format of events/sched/sched_switch */
struct sched_switch_args {
	unsigned long long common;
	char prev_comm[16];
	int prev_pid;
	int prev_prio;
	long long prev_state;
	char next_comm[16];
	int next_pid;
	int next_prio;
};

SEC("tracepoint/sched/sched_switch")
int on_tp(struct sched_switch_args *ctx)
{
	if (ctx->prev_pid == target_pid)
		__sync_fetch_and_add(&tp_hits, 1);
	return 0;
}
