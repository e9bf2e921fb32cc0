// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
// A loop that exists only in inline asm (a backward goto, as in the naked
// verifier_*.c selftests): the IR shows nothing long, the object does.
#define SEC(n) __attribute__((section(n), used))
SEC("socket") __attribute__((naked)) void backjump(void) {
  asm volatile("r0 = 0;"
               "l1: r0 += 1;"
               "if r0 < 100 goto l1;"
               "exit;");
}
