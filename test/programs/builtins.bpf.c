// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * Data that codegen materialises per machine function, in functions that
 * get a twin:
 *   - __builtin_ctzll: a 64-byte de Bruijn table in a constant pool
 *     (.rodata), loaded with ld_imm64 (TargetLowering::CTTZTableLookup);
 *   - __builtin_ctz: the 32-byte table, in .rodata.cst32;
 *   - a switch turned into a lookup table by SimplifyCFG and string
 *     literals: IR globals, one copy shared by hot and twin already.
 * The twin must load the hot function's own tables (same relocation, same
 * offset), not copies of its own.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

__u64 in64[8];
__u32 in32[8];
__u64 out;

SEC("syscall")
int ctz64(void *ctx) {
  __u64 s = 0;

#pragma clang loop unroll(disable)
  for (int i = 0; i < 8; i++)
    s += __builtin_ctzll(in64[i] | 1ULL << 63);
  out = s;
  return 0;
}

__noinline static __u32 ctz32_sum(__u32 n) {
  __u32 s = 0;

#pragma clang loop unroll(disable)
  for (__u32 i = 0; i < n && i < 8; i++)
    s += __builtin_ctz(in32[i] | 1U << 31) + __builtin_popcount(in32[i]);
  return s;
}

SEC("syscall")
int ctz32(void *ctx) {
  static const char msg[] = "ctz32 %u\n";

  out = ctz32_sum(8);
  bpf_trace_printk(msg, sizeof(msg), (__u32)out);
  return 0;
}
