// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * bpf_loop with a callback (push_callback_call() in the verifier): the
 * twin's bpf_loop call becomes "r0 = 0" (zero iterations). The callback
 * pointer in the twin still names the hot callback.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

struct loop_ctx {
  __u64 sum;
};

static int add_one(__u32 idx, void *data) {
  struct loop_ctx *c = data;

  c->sum += idx;
  return 0;
}

__u64 result;

SEC("tracepoint/syscalls/sys_enter_getpid")
int run_loop(void *ctx) {
  struct loop_ctx c = {};
  long n;

  n = bpf_loop(1 << 23, add_one, &c, 0);
  result = c.sum + n;
  return 0;
}
