// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * The "BPF bomb" from "Rethinking BPF safety" (bpf@vger, 2024): two nested
 * bpf_iter_num loops of 100000 steps each on every context switch. It
 * passes the verifier and can freeze a machine. With -fbpf-cancellable,
 * both bpf_iter_num_next calls are ITER_NEXT sites: the twin's calls
 * return NULL, so both loops end at their next test.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_switch")
int on_switch(void *ctx) {
  struct bpf_iter_num it;
  int *v;

  bpf_iter_num_new(&it, 0, 100000);
  while ((v = bpf_iter_num_next(&it))) {
    struct bpf_iter_num it2;

    bpf_iter_num_new(&it2, 0, 100000);
    while ((v = bpf_iter_num_next(&it2)))
      bpf_printk("BPF Bomb\n");
    bpf_iter_num_destroy(&it2);
  }
  bpf_iter_num_destroy(&it);
  return 0;
}
