// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * -mcpu=v4 only: a dense switch of 13 or more cases becomes a jump table
 * (BPF gotox, section .jumptables, symbol BPF.JT.<function>.<n>) whose
 * entries are offsets of the function's own blocks. The twin gets its own
 * table, into its own blocks: checked entry by entry as the hot table
 * moved to the twin.
 */
#include "bpf_test.h"

char LICENSE[] SEC("license") = "GPL";

__u32 ops[16];
__u64 acc;

SEC("syscall")
int interp(void *ctx) {
#pragma clang loop unroll(disable)
  for (int i = 0; i < 16; i++) {
    switch (ops[i]) {
    case 0: acc += 3; break;
    case 1: acc ^= i; break;
    case 2: acc *= 5; break;
    case 3: acc -= 7; break;
    case 4: acc <<= 1; break;
    case 5: acc >>= 2; break;
    case 6: acc |= 0x10; break;
    case 7: acc &= ~0x3ULL; break;
    case 8: acc += i * 11; break;
    case 9: acc ^= acc >> 3; break;
    case 10: acc = acc * 13 + 1; break;
    case 11: acc -= i; break;
    case 12: acc += 0x1234; break;
    case 13: acc ^= 0xff00; break;
    default: return 1;
    }
  }
  return 0;
}
