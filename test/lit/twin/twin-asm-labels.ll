; RUN: %opt -passes=bpf-cancel-mark,bpf-cancel-twin -S %s | FileCheck %s
;
; The twin is a second copy of its function in the same object, so the
; symbolic labels its inline asm defines (the naked verifier_*.c selftests
; write "l1:") are renamed in the twin, definitions and uses alike.
; Numeric labels ("1:", "1b") and %= labels are unique already and stay;
; operand references (%[l1]) are not labels.
; Source: shaped like tools/testing/selftests/bpf/progs/verifier_or_jmp32_k.c

; CHECK-LABEL: define void @naked(
; CHECK: asm sideeffect "r0 = 1; l3: r0 += 1; if r0 < 9 goto l3; 1: goto 1b; l0_${:uid}: exit; r1 = %[l1]"
; CHECK-LABEL: define internal void @naked__cold(
; CHECK: asm sideeffect "r0 = 1; l3__cold: r0 += 1; if r0 < 9 goto l3__cold; 1: goto 1b; l0_${:uid}: exit; r1 = %[l1]"
define void @naked() #0 section "socket" {
  call void asm sideeffect "r0 = 1; l3: r0 += 1; if r0 < 9 goto l3; 1: goto 1b; l0_${:uid}: exit; r1 = %[l1]", "i"(i32 7)
  unreachable
}

attributes #0 = { naked "bpf-cancel-twin"="loop" }
