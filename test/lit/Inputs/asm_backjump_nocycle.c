// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
// A backward jump that closes no cycle (block placement lays unrolled code
// out this way, as in Tetragon's range filters): l2 jumps back to l1, and
// nothing jumps to l2 again. Nothing here can run long.
#define SEC(n) __attribute__((section(n), used))
SEC("socket") __attribute__((naked)) void forward(void) {
  asm volatile("r0 = 0;"
               "goto l2;"
               "l1: r0 += 1;"
               "exit;"
               "l2: r0 += 2;"
               "goto l1;");
}
