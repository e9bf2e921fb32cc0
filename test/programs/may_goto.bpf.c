// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * may_goto loops (can_loop, Linux 6.9+): the loop bound is the verifier's
 * budget, invisible in IR (inline asm). The object phase finds the
 * may_goto and the twin's copy becomes "ja" to the loop exit.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

__u64 total;
__u32 limit;

SEC("tp_btf/sched_switch")
int spin(void *ctx) {
  __u64 i = 0;

  while (i < limit && can_loop)
    i += 3;
  total = i;
  return 0;
}

/* No IR loop at all: the back-edge is in the asm. */
SEC("tp_btf/sched_wakeup")
int asm_loop(void *ctx) {
  asm volatile("r0 = 0\n\t"
               "l0_%=:\n\t"
               "r0 += 1\n\t"
               "may_goto l1_%=\n\t"
               "goto l0_%=\n\t"
               "l1_%=:\n\t"
               :
               :
               : "r0");
  return 0;
}
