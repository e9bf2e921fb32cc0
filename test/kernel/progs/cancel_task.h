/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cancel_task.h - the task whose references the programs of
 * cancel_resources.c and cancel_nested.c take (target_pid, set by user
 * space), and task_usage_read, which reads that task's reference count
 * (rcu_users: what bpf_task_from_pid() and bpf_task_acquire() take) minus
 * its own reference, so that user space can tell a leaked one. Include
 * after cancel_points.h (RET_NOMAP) and the task kfuncs' declarations.
 */
#ifndef CANCEL_TASK_H
#define CANCEL_TASK_H

int target_pid;
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

#endif /* CANCEL_TASK_H */
