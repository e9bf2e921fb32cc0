; RUN: %opt -passes=bpf-cancel-mark,bpf-cancel-twin -S %s | FileCheck %s
;
; Every way a BPF program calls a kfunc becomes the marker in the twin:
;   - a direct call;
;   - a call through a cast function pointer (a function type other than
;     the declaration's; selftests linked_list_fail.c does
;     "void (*p)(void *) = (void *)&bpf_list_pop_front; p(h)");
;   - an inline asm operand ("call %[bpf_iter_num_next]" with an "i"
;     operand, the naked selftests style): the operand becomes the marker
;     id, so the asm prints "call 2147483632".
; Kfuncs the policy does not substitute stay in every form.

; CHECK-LABEL: define internal void @prog__cold(
; CHECK: call ptr inttoptr (i64 2147483632 to ptr)(ptr %it)
; CHECK-NEXT: call void inttoptr (i64 2147483632 to ptr)(ptr %h)
; CHECK-NEXT: call void asm sideeffect "r1 = $0; call $1; call $2", "r,i,i"(ptr %it, ptr inttoptr (i64 2147483632 to ptr), ptr @bpf_iter_num_destroy)
define void @prog(ptr %it, ptr %h) section "tp_btf/sched_switch" {
entry:
  br label %loop
loop:
  %v = call ptr @bpf_iter_num_next(ptr %it)
  call void @bpf_list_pop_front(ptr %h)
  call void asm sideeffect "r1 = $0; call $1; call $2", "r,i,i"(ptr %it, ptr @bpf_iter_num_next, ptr @bpf_iter_num_destroy)
  %c = icmp eq ptr %v, null
  br i1 %c, label %exit, label %loop
exit:
  ret void
}

declare ptr @bpf_iter_num_next(ptr) section ".ksyms"
declare void @bpf_iter_num_destroy(ptr) section ".ksyms"
declare ptr @bpf_list_pop_front(ptr) section ".ksyms"
