// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
// Nothing here can run long: no twin, no .BPF.cancel.
__attribute__((section("tp_btf/sched_switch"), used)) int quick(void *ctx) {
  return 0;
}
