; RUN: not %opt -passes=bpf-cancel-mark,bpf-cancel-twin -disable-output %s 2>&1 \
; RUN:   | FileCheck %s
;
; A function already named like a twin is a clear, located error, not a
; silent rename (the loader pairs functions by the .BPF.cancel records, but
; people read symbol names).
; CHECK: error: {{.*}}cannot create the cold twin 'spin__cold': the name is already defined in this translation unit

define i32 @spin(i32 %n) {
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

define i32 @spin__cold() {
  ret i32 0
}
