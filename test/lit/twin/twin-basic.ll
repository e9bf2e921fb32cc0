; RUN: %opt -passes=bpf-cancel-mark,bpf-cancel-twin -S %s | FileCheck %s
;
; Check the cold twins the twin pass creates. Verify:
;   - each marked function F gets F__cold: internal, in ".text", appended
;     after every hot function, tagged "bpf-cancel-twin-of"="F", and kept
;     alive through llvm.compiler.used;
;   - in the twin, a call to a substituted kfunc (KF_ITER_NEXT, KF_RET_NULL)
;     becomes a call to helper 0x7ffffff0 (2147483632) with the same
;     function type; kfuncs the policy denies (bpf_task_release) stay;
;   - helper calls stay as they are (the object phase rewrites them);
;   - calls to marked functions go to their twins, but a callback pointer
;     (bpf_loop's) keeps naming the hot function;
;   - the hot functions are unchanged, and functions that are not marked
;     get no twin;
;   - the twin's DISubprogram is its own, renamed (BTF FUNC names must not
;     collide) and local to the unit even for a global function (the twin's
;     symbol is STB_LOCAL: BTF linkage=static), and the twin's locations
;     are scoped to it.

; CHECK: @llvm.compiler.used = appending global [3 x ptr] [ptr @worker__cold, ptr @cb_user__cold, ptr @prog__cold]

; CHECK-LABEL: define internal i32 @worker(
; CHECK: call ptr @bpf_iter_num_next(ptr %it)
; CHECK: call ptr @bpf_task_acquire(
define internal i32 @worker(ptr %it, ptr %t) !dbg !5 {
entry:
  br label %loop
loop:
  %v = call ptr @bpf_iter_num_next(ptr %it), !dbg !8
  %p = call ptr @bpf_task_acquire(ptr %t)
  call void @bpf_task_release(ptr %p)
  %m = call ptr inttoptr (i64 1 to ptr)(ptr null, ptr null)
  %c = icmp eq ptr %v, null
  br i1 %c, label %exit, label %loop
exit:
  ret i32 0
}

define internal i32 @callback(i32 %idx, ptr %ctx) {
  ret i32 0
}

define i64 @cb_user() {
  %r = call i64 inttoptr (i64 181 to ptr)(i32 8, ptr @callback, ptr null, i64 0)
  ret i64 %r
}

; CHECK-LABEL: define i32 @prog(
; CHECK: call i32 @worker(
; CHECK: call i64 @cb_user()
define i32 @prog(ptr %ctx, ptr %it, ptr %t) section "tp_btf/sched_switch" !dbg !9 {
  %r = call i32 @worker(ptr %it, ptr %t), !dbg !10
  %s = call i64 @cb_user()
  ret i32 %r
}

; CHECK-LABEL: define i32 @unmarked(
define i32 @unmarked() {
  ret i32 1
}
; CHECK-NOT: @unmarked__cold

; CHECK-LABEL: define internal i32 @worker__cold(
; CHECK-SAME: ptr %it, ptr %t) #[[TW:[0-9]+]] section ".text" !dbg ![[SP:[0-9]+]] {
; CHECK: call ptr inttoptr (i64 2147483632 to ptr)(ptr %it)
; CHECK-NEXT: call ptr inttoptr (i64 2147483632 to ptr)(ptr %t)
; CHECK-NEXT: call void @bpf_task_release(ptr %p)
; CHECK-NEXT: call ptr inttoptr (i64 1 to ptr)(ptr null, ptr null)

; CHECK-LABEL: define internal i64 @cb_user__cold() #{{[0-9]+}} section ".text" {
; CHECK-NEXT: call i64 inttoptr (i64 181 to ptr)(i32 8, ptr @callback, ptr null, i64 0)

; CHECK-LABEL: define internal i32 @prog__cold(
; CHECK-SAME: ptr %ctx, ptr %it, ptr %t) #{{[0-9]+}} section ".text" !dbg ![[PSP:[0-9]+]] {
; CHECK-NEXT: call i32 @worker__cold({{.*}}), !dbg ![[PLOC:[0-9]+]]
; CHECK-NEXT: call i64 @cb_user__cold()

; CHECK: attributes #[[TW]] = { "bpf-cancel-twin-of"="worker" }
; CHECK-DAG: ![[SP]] = distinct !DISubprogram(name: "worker__cold", {{.*}}spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized
; CHECK-DAG: ![[PSP]] = distinct !DISubprogram(name: "prog__cold", {{.*}}spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized
; CHECK-DAG: ![[PLOC]] = !DILocation(line: 12, column: 3, scope: ![[PSP]])
; CHECK-DAG: !DISubprogram(name: "prog", {{.*}}spFlags: DISPFlagDefinition | DISPFlagOptimized

declare ptr @bpf_iter_num_next(ptr) section ".ksyms"
declare ptr @bpf_task_acquire(ptr) section ".ksyms"
declare void @bpf_task_release(ptr) section ".ksyms"

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!3, !4}
!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "clang", isOptimized: true, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "w.c", directory: "/tmp")
!3 = !{i32 7, !"Dwarf Version", i32 5}
!4 = !{i32 2, !"Debug Info Version", i32 3}
!5 = distinct !DISubprogram(name: "worker", scope: !1, file: !1, line: 3, type: !6, scopeLine: 3, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!6 = !DISubroutineType(types: !7)
!7 = !{null}
!8 = !DILocation(line: 5, column: 7, scope: !5)
!9 = distinct !DISubprogram(name: "prog", scope: !1, file: !1, line: 11, type: !6, scopeLine: 11, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!10 = !DILocation(line: 12, column: 3, scope: !9)
