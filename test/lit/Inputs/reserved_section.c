// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
// A user global in the section name -fbpf-cancellable reserves.
#define SEC(n) __attribute__((section(n), used))
SEC(".BPF.cancel") long stolen[4] = {1, 2, 3, 4};
volatile int limit;
SEC("socket") int prog(void *ctx) { int s = 0; for (int i = 0; i < limit; i++) s += i; return s; }
