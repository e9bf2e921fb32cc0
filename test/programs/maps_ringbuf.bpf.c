// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * Map lookups and a ringbuf reservation inside a loop. In the twin,
 * bpf_map_lookup_elem and bpf_ringbuf_reserve return NULL (their results
 * are PTR_MAYBE_NULL); bpf_ringbuf_submit releases its argument and is
 * never substituted, and the loop has no site that ends it: cancelling
 * runs it to its end, which -Rpass-missed reports.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

struct event {
  __u32 pid;
  __u64 count;
};

__u32 rounds;

SEC("tp_btf/sched_switch")
int report(void *ctx) {
  for (__u32 i = 0; i < rounds; i++) {
    __u32 key = i;
    __u64 *c = bpf_map_lookup_elem(&counts, &key);
    struct event *e;

    if (!c)
      continue;
    e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e)
      continue;
    e->pid = i;
    e->count = *c;
    bpf_ringbuf_submit(e, 0);
  }
  return 0;
}
