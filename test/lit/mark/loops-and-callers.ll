; RUN: %opt -passes=bpf-cancel-mark -S %s | FileCheck %s
; RUN: %opt -passes=bpf-cancel-mark -bpf-cancel-mode=all -S %s \
; RUN:   | FileCheck %s --check-prefix=ALL
;
; Check which functions the mark pass tags "bpf-cancel-twin". Verify:
;   - a loop (CFG back-edge) marks its function "loop";
;   - a call to a KF_ITER_NEXT kfunc marks "iter-next:<kfunc>";
;   - a call to a callback helper (bpf_loop, id 181) marks
;     "callback:bpf_loop", and the callback itself is not marked;
;   - inline asm with may_goto marks "may-goto";
;   - every caller of a marked function is marked "calls:<callee>",
;     transitively; functions that reach nothing long are not marked;
;   - kfuncs the policy denies or does not list, and plain helpers, mark
;     nothing;
;   - -bpf-cancel-mode=all marks every defined function.
; Source: hand-written; shapes as clang-22 -O2 --target=bpf emits them.

; CHECK-LABEL: define i32 @has_loop(
; CHECK-SAME: #[[LOOP:[0-9]+]]
define i32 @has_loop(i32 %n) {
entry:
  br label %body
body:
  %i = phi i32 [ 0, %entry ], [ %i.next, %body ]
  %i.next = add i32 %i, 1
  %c = icmp ult i32 %i.next, %n
  br i1 %c, label %body, label %exit
exit:
  ret i32 %i
}

; CHECK-LABEL: define i32 @iter(
; CHECK-SAME: #[[ITER:[0-9]+]]
define i32 @iter(ptr %it) {
  %v = call ptr @bpf_iter_num_next(ptr %it)
  %r = icmp eq ptr %v, null
  %z = zext i1 %r to i32
  ret i32 %z
}

; CHECK-LABEL: define internal i32 @callback(
; CHECK-NOT: bpf-cancel
; CHECK-SAME: {
define internal i32 @callback(i32 %idx, ptr %ctx) {
  ret i32 0
}

; CHECK-LABEL: define i64 @uses_bpf_loop(
; CHECK-SAME: #[[CB:[0-9]+]]
define i64 @uses_bpf_loop() {
  %r = call i64 inttoptr (i64 181 to ptr)(i32 8, ptr @callback, ptr null, i64 0)
  ret i64 %r
}

; CHECK-LABEL: define i32 @can_loop(
; CHECK-SAME: #[[MG:[0-9]+]]
define i32 @can_loop() {
  callbr void asm sideeffect "may_goto ${0:l}", "!i"()
          to label %cont [label %brk]
cont:
  ret i32 1
brk:
  ret i32 0
}

; CHECK-LABEL: define internal i32 @calls_loop(
; CHECK-SAME: #[[CALLS1:[0-9]+]]
define internal i32 @calls_loop(i32 %n) {
  %r = call i32 @has_loop(i32 %n)
  ret i32 %r
}

; CHECK-LABEL: define i32 @prog(
; CHECK-SAME: #[[CALLS2:[0-9]+]]
define i32 @prog(ptr %ctx) section "tp_btf/sched_switch" {
  %r = call i32 @calls_loop(i32 10)
  ret i32 %r
}

; CHECK-LABEL: define i32 @short(
; CHECK-NOT: bpf-cancel
; CHECK-SAME: {
; ALL-LABEL: define i32 @short(
; ALL-SAME: #[[ALLATTR:[0-9]+]]
define i32 @short(ptr %ctx, ptr %t) section "tp_btf/sched_wakeup" {
  %v = call ptr inttoptr (i64 1 to ptr)(ptr null, ptr null)
  %p = call ptr @bpf_task_acquire(ptr %t)
  call void @bpf_task_release(ptr %p)
  ret i32 0
}

declare ptr @bpf_iter_num_next(ptr) section ".ksyms"
declare ptr @bpf_task_acquire(ptr) section ".ksyms"
declare void @bpf_task_release(ptr) section ".ksyms"

; CHECK-DAG: attributes #[[LOOP]] = { "bpf-cancel-twin"="loop" }
; CHECK-DAG: attributes #[[ITER]] = { "bpf-cancel-twin"="iter-next:bpf_iter_num_next" }
; CHECK-DAG: attributes #[[CB]] = { "bpf-cancel-twin"="callback:bpf_loop" }
; CHECK-DAG: attributes #[[MG]] = { "bpf-cancel-twin"="may-goto" }
; CHECK-DAG: attributes #[[CALLS1]] = { "bpf-cancel-twin"="calls:has_loop" }
; CHECK-DAG: attributes #[[CALLS2]] = { "bpf-cancel-twin"="calls:calls_loop" }
; ALL-DAG: attributes #[[ALLATTR]] = { "bpf-cancel-twin"="all" }
