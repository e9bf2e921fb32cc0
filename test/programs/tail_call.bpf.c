// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * A tail call through inline asm (libbpf's bpf_tail_call_static) inside a
 * loop: invisible in IR, found on the object; in the twin it becomes
 * "ja +0", the fall-through of a failed tail call. The bpf_tail_call
 * helper called from C is a site too.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} jump_table SEC(".maps");

__u32 n;

SEC("tp_btf/sched_switch")
int dispatch(void *ctx) {
  for (__u32 i = 0; i < n && i < 16; i++)
    tail_call_static(ctx, &jump_table, 1);
  bpf_tail_call(ctx, &jump_table, 2);
  return 0;
}
