// SPDX-License-Identifier: GPL-2.0
/*
 * The programs of "make demo" (prog_tests/cancel_demo.c). Nobody calls
 * BPF_PROG_CANCEL here: the watchdog (each program's budget) cancels them.
 *
 * bomb: the BPF bomb of test/programs/bomb.bpf.c (two nested
 * bpf_iter_num loops of 100000 steps on every context switch, with
 * interrupts off and the runqueue lock held), confined to one CPU while
 * armed, so that the other CPUs stay healthy and can rescue it with an NMI
 * (QEMU's x86 CPU has no PMU: the "every CPU stuck" rescue by perf NMI
 * cannot be shown here). A safety deadline of 2 s per run keeps the guest
 * alive on a kernel without the watchdog.
 *
 * holder: a bomb that holds things. It takes a reference to a task,
 * reserves a ring-buffer record and allocates an object, then loops for
 * 2^40 steps holding all three; cancelled, its cold code releases the
 * three on the program's own failure paths. Counters in .bss tell user
 * space what was held and what was released.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* counters start from it, not from a constant the verifier tracks exactly */
volatile __u64 zero;

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
extern bool bpf_cancelled(void) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

struct thing {
	__u64 a, b;
};

__u64 max_ns = 10000000000ULL;	/* own deadline: 10 s */
int target_pid;
volatile __u32 started, holding;
__u32 task_taken, task_released;
__u32 rec_reserved, rec_submitted, rec_discarded;
__u32 obj_allocated, obj_freed;
__u64 steps;
__u32 was_cancelled, hit_deadline;

int bomb_cpu = -1;
volatile __u32 bomb_armed;
__u64 bomb_max_ns = 2000000000ULL;
__u32 bomb_runs, bomb_cancelled, bomb_deadline;
__u64 bomb_steps;

SEC("tp_btf/sched_switch")
int bomb(void *ctx)
{
	__u64 end, n = zero;
	bool late = false;
	int *v, *w;

	if (!bomb_armed || bpf_get_smp_processor_id() != bomb_cpu)
		return 0;
	end = bpf_ktime_get_ns() + bomb_max_ns;
	__sync_fetch_and_add(&bomb_runs, 1);
	{
		struct bpf_iter_num it;

		bpf_iter_num_new(&it, 0, 100000);
		while ((v = bpf_iter_num_next(&it))) {
			struct bpf_iter_num it2;

			bpf_iter_num_new(&it2, 0, 100000);
			while ((w = bpf_iter_num_next(&it2))) {
				n++;
				if ((*w & 1023) == 0 && bpf_ktime_get_ns() > end) {
					late = true;
					break;
				}
			}
			bpf_iter_num_destroy(&it2);
			if (late)
				break;
		}
		bpf_iter_num_destroy(&it);
	}
	__sync_fetch_and_add(&bomb_steps, n);
	if (late)
		__sync_fetch_and_add(&bomb_deadline, 1);
	if (bpf_cancelled())
		__sync_fetch_and_add(&bomb_cancelled, 1);
	return 0;
}

/* reference count of target_pid's task (rcu_users, what bpf_task_from_pid()
 * takes), minus this program's own reference */
__s64 task_refs = -1;

SEC("syscall")
int read_task_refs(void *ctx)
{
	struct task_struct *t = bpf_task_from_pid(target_pid);

	if (!t)
		return 1;
	task_refs = t->rcu_users.refs.counter - 1;
	bpf_task_release(t);
	return 0;
}

SEC("syscall")
int holder(void *ctx)
{
	__u64 end = bpf_ktime_get_ns() + max_ns, n = zero;
	struct task_struct *t;
	struct thing *obj;
	__u64 *rec;
	bool late = false;
	int i, j;

	started = 1;
	t = bpf_task_from_pid(target_pid);
	if (!t)
		return 1;
	task_taken++;
	rec = bpf_ringbuf_reserve(&events, 16, 0);
	if (!rec) {
		bpf_task_release(t);
		task_released++;
		return 1;
	}
	rec_reserved++;
	obj = bpf_obj_new_impl(bpf_core_type_id_local(struct thing), NULL);
	if (obj)
		obj_allocated++;
	holding = 1;
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
	holding = 0;
	steps = n;
	hit_deadline = late;
	was_cancelled = bpf_cancelled();
	/* the way out, the same whether cancelled or not */
	if (obj) {
		obj->a = n;
		bpf_obj_drop_impl(obj, NULL);
		obj_freed++;
	}
	if (was_cancelled) {
		bpf_ringbuf_discard(rec, 0);
		rec_discarded++;
	} else {
		rec[0] = n;
		rec[1] = 0;
		bpf_ringbuf_submit(rec, 0);
		rec_submitted++;
	}
	bpf_task_release(t);
	task_released++;
	return 0;
}
