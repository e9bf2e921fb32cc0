// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * -mcpu=v4 only: computed goto through a static table of the function's
 * own block addresses. A twin copied from this function would jump back
 * into the hot code through that table, so the function gets no twin: a
 * -Wbpf-cancel warning says so, and the object builds.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

__u32 prog_ops[8];
__u64 res;

SEC("syscall")
int dispatch(void *ctx) {
  static void *const targets[] = {&&op_add, &&op_mul, &&op_end};
  int pc = 0;

next:
  if (pc >= 8)
    goto op_end;
  goto *targets[prog_ops[pc++] % 3];
op_add:
  res += pc;
  goto next;
op_mul:
  res *= 3;
  goto next;
op_end:
  return 0;
}
