// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sites in a main program and in two subprograms, placed by libbpf in an
 * order that differs from their order in .text: libbpf must translate
 * each function-relative site to its final position in each program.
 * Loops have constant bounds so that a stock kernel's verifier accepts
 * the programs too.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} vals SEC(".maps");

__noinline static __u64 first(__u32 k) {
  __u64 max = 0;

#pragma clang loop unroll(disable)
  for (__u32 i = 0; i < 8; i++) {
    __u32 key = (i + k) & 15;
    __u64 *v = bpf_map_lookup_elem(&vals, &key);

    if (v && *v > max)
      max = *v;
  }
  return max;
}

__noinline __u64 second(__u32 k) {
  __u64 sum = 0;

  for (__u32 i = 0; i < 16; i++) {
    __u32 key = i ^ k;
    __u64 *v = bpf_map_lookup_elem(&vals, &key);

    if (v)
      sum += *v;
  }
  return sum;
}

SEC("tp_btf/sched_switch")
int main_ab(void *ctx) {
  __u32 k = 1;
  __u64 *v = bpf_map_lookup_elem(&vals, &k);

  __u64 a, b;

  if (!v)
    return 0;
  /* libbpf appends second, then first: not their order in .text */
  a = second(3);
  b = first(2);
  return (int)(a + b + *v);
}

SEC("tp_btf/sched_wakeup")
int main_b(void *ctx) { return (int)second(4); }

SEC("tp_btf/sched_process_exit")
int plain(void *ctx) { return 0; }
