; RUN: %opt -passes=bpf-cancel-mark -S %s | FileCheck %s
; RUN: %opt -passes=bpf-cancel-mark -bpf-cancel-mode=all -S %s \
; RUN:   | FileCheck %s --check-prefix=ALL
; RUN: %opt -passes=bpf-cancel-mark,bpf-cancel-twin -S %s \
; RUN:   | FileCheck %s --check-prefix=TWIN
;
; Interposable definitions (weak, linkonce) never get a twin: the linker may
; keep another object's definition. They are tagged "bpf-cancel-no-twin"
; with the reason ("interposable" when the body itself is short: another
; definition may not be), and their callers are marked "calls:<callee>";
; the callers' twins call the weak symbol.

; CHECK-LABEL: define weak i32 @wloop(
; CHECK-SAME: #[[WLOOP:[0-9]+]]
define weak i32 @wloop(i32 %n) {
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

; CHECK-LABEL: define linkonce i32 @lshort(
; CHECK-SAME: #[[LSHORT:[0-9]+]]
define linkonce i32 @lshort(i32 %n) {
  ret i32 %n
}

; CHECK-LABEL: define i32 @caller(
; CHECK-SAME: #[[CALLER:[0-9]+]]
define i32 @caller(i32 %n) {
  %a = call i32 @wloop(i32 %n)
  %b = call i32 @lshort(i32 %a)
  ret i32 %b
}

; CHECK-DAG: attributes #[[WLOOP]] = { "bpf-cancel-no-twin"="loop" }
; CHECK-DAG: attributes #[[LSHORT]] = { "bpf-cancel-no-twin"="interposable" }
; CHECK-DAG: attributes #[[CALLER]] = { "bpf-cancel-twin"="calls:wloop" }

; ALL: define weak i32 @wloop({{.*}} #[[AW:[0-9]+]]
; ALL: define i32 @caller({{.*}} #[[AC:[0-9]+]]
; ALL-DAG: attributes #[[AW]] = { "bpf-cancel-no-twin"="all" }
; ALL-DAG: attributes #[[AC]] = { "bpf-cancel-twin"="all" }

; TWIN-NOT: @wloop__cold
; TWIN-NOT: @lshort__cold
; TWIN-LABEL: define internal i32 @caller__cold(
; TWIN-NEXT: call i32 @wloop(
; TWIN-NEXT: call i32 @lshort(
