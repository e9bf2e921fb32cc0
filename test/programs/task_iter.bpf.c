// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * A task reference held across an open-coded iterator loop: the case
 * bpf_throw cannot handle (it refuses to unwind while a reference is held).
 * In the twin, bpf_task_from_pid and bpf_task_acquire return NULL
 * (KF_ACQUIRE | KF_RET_NULL) and bpf_iter_num_next ends the loop, so a
 * cancelled run reaches bpf_task_release on a path the verifier checked.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

int pid_to_watch;
long counted;

SEC("tp_btf/sched_switch")
int hold_task(void *ctx) {
  struct task_struct *t, *t2;
  struct bpf_iter_num it;
  int *v;

  t = bpf_task_from_pid(pid_to_watch);
  if (!t)
    return 0;
  t2 = bpf_task_acquire(t);
  bpf_iter_num_new(&it, 0, 1000000);
  while ((v = bpf_iter_num_next(&it)))
    counted += *v;
  bpf_iter_num_destroy(&it);
  if (t2)
    bpf_task_release(t2);
  bpf_task_release(t);
  return 0;
}
