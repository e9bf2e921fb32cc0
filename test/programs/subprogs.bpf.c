// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * Static and global subprograms: the loop is in a static function, which
 * a global function and two programs call. Every function on a call path
 * to the loop gets a twin, and the twins call the twins. A function that
 * cannot reach a loop (sum_pair) gets none.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} values SEC(".maps");

__noinline static __u64 walk(__u32 n) {
  __u64 sum = 0;

  for (__u32 i = 0; i < n && i < 64; i++) {
    __u64 *v = bpf_map_lookup_elem(&values, &i);

    if (v)
      sum += *v;
  }
  return sum;
}

__noinline int global_walk(__u32 n) { return walk(n) & 0xff; }

__noinline static int sum_pair(int a, int b) {
  return a + b;
}

SEC("tp_btf/sched_switch")
int prog_a(void *ctx) { return global_walk(64); }

SEC("tp_btf/sched_wakeup")
int prog_b(void *ctx) { return sum_pair((int)walk(8), 1); }

SEC("tp_btf/sched_process_exit")
int prog_c(void *ctx) { return sum_pair(1, 2); }
