// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
// The strong definition that replaces weak.c's wloop at link time.
#define SEC(n) __attribute__((section(n), used))
extern volatile int limit;
__attribute__((noinline)) int wloop(int n) { return n; }
SEC("socket") int other(void *ctx) { return wloop(1); }
