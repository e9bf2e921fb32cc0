// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
// Calls that exist only in inline asm ("call lsub", as in the naked
// verifier_cfg.c/verifier_loops1.c selftests) to functions that get twins:
// a static one (pc-relative, no relocation), a global one (relocation
// against its symbol) and a static one in another section (relocation
// against that section's symbol; its twin is in .text).
#define SEC(n) __attribute__((section(n), used))
static __attribute__((naked, used)) void lsub(void) {
  asm volatile("r0 = 0;"
               "l1: r0 += 1;"
               "if r0 < 100 goto l1;"
               "exit;");
}
__attribute__((naked, used)) void gsub(void) {
  asm volatile("r0 = 0;"
               "l2: r0 += 1;"
               "if r0 < 50 goto l2;"
               "exit;");
}
static __attribute__((naked, used, section("xs"))) void xsub(void) {
  asm volatile("r0 = 0;"
               "l3: r0 += 1;"
               "if r0 < 10 goto l3;"
               "exit;");
}
SEC("socket") __attribute__((naked)) void caller(void) {
  asm volatile("call lsub;"
               "call gsub;"
               "call xsub;"
               "r0 = 0;"
               "exit;");
}
