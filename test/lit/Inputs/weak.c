// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
// Weak (interposable) functions: the libbpf linker ("bpftool gen object")
// may replace them with a strong definition from another object, so they
// never get a twin; their callers do, and call them through the symbol.
#define SEC(n) __attribute__((section(n), used))
volatile int limit;
__attribute__((weak, noinline)) int wloop(int n) {
  int s = 0;
#pragma clang loop unroll(disable)
  for (int i = 0; i < limit; i++)
    s += i * n;
  return s;
}
__attribute__((weak, noinline)) int wshort(int n) { return n + limit; }
SEC("socket") int prog(void *ctx) { return wloop(3) + wshort(2); }
SEC("socket") int quiet(void *ctx) { return limit; }
