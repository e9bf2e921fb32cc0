// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * Kfuncs called the ways the kernel selftests call them besides plain C:
 * from inline asm through an "i" operand ("call %[bpf_iter_num_next]",
 * iters.c and the naked verifier_*.c programs) and through a cast function
 * pointer (linked_list_fail.c). The loop exists only in the asm. Both
 * bpf_iter_num_next calls are ITER_NEXT sites; in the twin the asm one is
 * compiled as a marker call, so no kfunc relocation is left at the site.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_switch")
int asm_iter(void *ctx) {
  struct bpf_iter_num it;

  asm volatile("r1 = %[it];"
               "r2 = 0;"
               "r3 = 1000;"
               "call %[bpf_iter_num_new];"
               "1: r1 = %[it];"
               "call %[bpf_iter_num_next];"
               "if r0 != 0 goto 1b;"
               "r1 = %[it];"
               "call %[bpf_iter_num_destroy];"
               :
               : [it] "r"(&it), [bpf_iter_num_new] "i"(bpf_iter_num_new),
                 [bpf_iter_num_next] "i"(bpf_iter_num_next),
                 [bpf_iter_num_destroy] "i"(bpf_iter_num_destroy)
               : "r0", "r1", "r2", "r3", "r4", "r5", "memory");
  return 0;
}

SEC("tp_btf/sched_wakeup")
int cast_call(void *ctx) {
  struct bpf_iter_num it;
  long (*next)(void *) = (void *)&bpf_iter_num_next;
  long n = 0;

  bpf_iter_num_new(&it, 0, 1000);
  while (next(&it))
    n++;
  bpf_iter_num_destroy(&it);
  return n & 1;
}
