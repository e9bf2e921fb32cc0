# SPDX-License-Identifier: GPL-2.0
# The patch plan of mkseries.py: subjects, commit messages, which files go where.
PATCHES = [
 ("libbpf: share the .BPF.cancel format and checker with the kernel", """
The ".BPF.cancel" section of an object built with clang -fbpf-cancellable
lists, per function, the substitution sites of its cold twin. The format
(uapi/linux/bpf_cancel.h) and the linear checker ("twin == hot except at
allowed sites") are kept as one freestanding source, like relo_core.c, so
that libbpf checks objects with exactly the rules the kernel applies to the
site records it receives. Built into libbpf, no caller yet.
"""),
 ("bpf: UAPI for cancellable programs", """
BPF_F_CANCELLABLE asks the kernel to build a cold "fast-execute" twin of a
program so that a running invocation can be cancelled and still release
what it holds. The load attribute carries the site records (record size
negotiated like func_info) and a watchdog budget; BPF_PROG_CANCEL cancels
the running invocations of a program, or every future one (GLOBAL);
bpf_prog_info reports the state, why a request was refused, the cold code
size and cancellation counts and latencies.

The ABI is this series' own until upstream agrees: the four bytes after
prog_token_fd, which upstream used for fd_array_cnt in 6.14, stay a
must-be-zero pad; the command number sits away from the dense range.
"""),
 ("bpf: check and confirm cancellation sites in the verifier", """
A running invocation of a cancellable program is to be cancelled by moving
it into a cold twin in which every "site" takes its failure outcome: a
maybe-NULL result is NULL, an iterator is drained, a callback helper runs
no callback, a tail call fails, a may_goto takes its exit edge. That is
only safe if the verifier explored exactly that outcome at every such
instruction, and if the cold instruction neither consumes nor hands over
anything the hot one would. So the loader only proposes sites, the ones
the compiler found, and the verifier decides.

Records are checked for shape by the core shared with libbpf (one set of
rules on both sides) and for legality here: a call site must be a helper
or kfunc whose result may be NULL and that releases nothing, a callback
site a helper that runs callbacks, with the value it returns when it ran
none, an iter-next site a KF_ITER_NEXT kfunc. A bad record fails the load
with -EINVAL and a log line naming the instruction: a broken compiler or
loader is caught at once instead of yielding a program that silently
cannot be cancelled. The kernel adds the sites it can decide alone: every
may_goto, every tail call and every call of the new kfunc bpf_cancelled(),
false in hot code and "r0 = 1" in the twin, so that a program can tell it
is being cancelled and fail closed.

A site is kept only when every visit of do_check saw a maybe-NULL r0
there; dead sites are dropped quietly, unconfirmable ones with a log line
and a count in bpf_prog_info. The rewrites after verification (may_goto
expansion, bpf_loop inlining, inlined map lookups) turn a site into a run
of instructions; rather than turning those optimisations off, the tag
moves to the one instruction of the run that decides the outcome, so a
cancellable program keeps the hot code it would have without the flag.
Last, the verifier lists the one instruction each site becomes and which
functions need a twin (a site, a back edge, or a call to a function with
a twin); the next patch builds the twins from that list. Programs that use
bpf_throw load as plain programs: exception frames and the hidden
subprogram are out of scope.

Loading a cancellable program takes CAP_BPF, the privilege that cancelling
it will take. Until the twins exist the flag only checks sites.
"""),
 ("bpf: build and JIT cold twins from the final hot code", """
Cloning a program before verification would give a twin that differs from
what the verifier checked and misses every later rewrite. The twins are
built once the hot program is final instead: each function the verifier
marked is cloned from its final instructions, after every fixup and
jit_subprogs(), with exactly the listed instruction replaced per site, and
JITed with the hot function's frame: stack depth, tail-call and arena
state and func_idx, hence the same callee-saved set, CFI hash and
prologue. bpf-to-bpf calls of a cold function go to the callee's twin, in
two passes like jit_subprogs().

Cancelling moves a PC or a return address to the same place in the twin,
so the twin must have every instruction at the hot native offset. The
JIT keeps the per-instruction offsets of both (aux->jit_offs) and pads the
substituted instructions; the load compares jited_len and every offset and,
when they differ, frees the twins and loads a plain program with the
reason in bpf_prog_info rather than trusting a layout. Cold code never
contains a tail call, so the poke descriptors stay the hot code's. A
program that cannot have twins (no JIT or no arch support, constant
blinding, which rewrites instructions inside the JIT, offloaded, EXT and
STRUCT_OPS programs) loads as a plain one and says why.

Twins are in kallsyms as "<name>__cold", so that stack traces and perf name
cold frames and bpf_prog_ksym_find() finds them; they leave with the
program's ksyms, before the grace period that precedes the free.

No JIT opts in yet.
"""),
 ("bpf, x86: JIT cold twins at the hot layout", """
Give cold twins the hot layout on x86-64: pad each substituted instruction
to the size of the hot one, and keep the per-instruction offsets of the
functions of a cancellable program. A substituted jump is padded before
the jump, not after: its displacement counts from the end of the
instruction, which must be the hot one's for the target to be at the same
offset in both. Should a cold instruction ever be longer than the hot one,
the offsets differ and the load falls back to a plain program.
"""),
 ("bpf: switch running invocations to their cold twins", """
A cancelled invocation must still release what it holds: references,
ringbuf reservations, a bpf_spin_lock, an RCU read section. bpf_throw
cannot unwind while anything is held, and runtime bookkeeping of what is
held was rejected as too slow for every program. With a twin at the same
layout nothing has to be unwound: the invocation is moved, on the CPU that
runs it, from hot code to the same offset in cold code, with the same
registers and stack, and runs to its exit on paths the verifier explored,
releasing what it holds on its own.

The switch runs in the context it rewrites: from an NMI for BPF_PROG_CANCEL
(the only way into a CPU that runs with interrupts off, under sched_switch
or a bpf_spin_lock), or from the program itself through the kfunc
bpf_cancel_self(). It walks the frames of the interrupted context and
moves the interrupted PC and every hot return address of the target's BPF
frames to the twin, comparing each slot with what the walk read before it
writes it. Nothing is allocated, no lock is taken and no text is patched,
which keeps it safe in NMI context. A PC where the frame chain cannot be
trusted (prologue, epilogue) or inside a substituted instruction, or a
target running under a nested interrupt, is retried with another NMI, with
growing pauses and for a bounded time.

Loops that run in C (bpf_loop, for_each, iterators) call back into the
program and cannot be cut short by cold code. The switch raises a per-CPU,
per-context-level flag, read by bpf_cancel_pending() behind a static key;
to lower it exactly when the invocation returns, the return address of its
outermost BPF frame is replaced by a tripwire stub that puts the real one
back.

BPF_PROG_CANCEL switches the running invocations of a program and returns
how many; GLOBAL also points prog->bpf_func at the cold entry (same CFI
hash and prologue) so that new invocations start cold, until RESTORE.
Frames are mapped to programs with bpf_prog_ksym_find() under RCU; ksyms
go before the program's grace period and the target is pinned until every
CPU acknowledged. Counts and latencies go to bpf_prog_info and a
tracepoint.

The arch provides the walk, the NMI and the tripwire stub; the __weak
defaults refuse, so an arch without them builds and cancels nothing.
"""),
 ("bpf: stop callback helpers and iterators of a cancelled invocation", """
Cold code ends the program's own loops, but a loop that runs in C goes on
calling back into the program or handing out elements: bpf_loop,
bpf_for_each_map_elem over array and hash maps, bpf_user_ringbuf_drain,
bpf_find_vma and the open-coded num, bits, task, task_vma, css and
css_task iterators. Each now checks bpf_cancel_pending() once per
iteration and stops as if it had run out, so that the program sees what
the twin's substituted call gives (no further iteration, a drained
iterator, "not found"): a case the verifier explored. The check is a
static branch, a NOP while no cancellable program is loaded.
"""),
 ("bpf: watchdog with per-program budget and NMI rescue", """
The program that runs away may stall the very machine on which someone
would run BPF_PROG_CANCEL. Give each invocation of a cancellable program a
time budget (the load's cancel_budget_ns, else the new sysctl
kernel.bpf_cancel_budget_ms; 0: none) and cancel the ones that run past
it, without doing anything per invocation: the hot code stays as it is,
and per-invocation timers were rejected as neither free nor safe.

The scheduler tick samples the interrupted context, behind the static key.
A sample that finds a cancellable program arms a tripwire on the outermost
frame of its invocation; as the tripwire fires when that invocation
returns, a later sample that finds it still armed sees the same
invocation, and adds up the time it ran. Once over budget, it is switched
to cold code. Short invocations return through their tripwire untouched.

A CPU that runs a program with interrupts off takes no tick. Each CPU's
tick watches the next online CPU, like the buddy hard lockup detector, and
sends a rescue NMI to it when its tick is overdue (by a tick and a half,
or half the smallest budget if that is shorter); the watch goes on along
the run of late CPUs, as a late CPU may only be spinning on a lock that
the next one holds. An
invocation found from a rescue NMI gets a "timed" tripwire: the loops that
check bpf_cancel_pending() also read its deadline and cancel it
themselves, so the rescue completes even when every other CPU then piles
up on a lock the stuck one holds.

They may pile up before any of them sent the NMI: then no CPU takes a
tick at all. While a cancellable program is loaded, a CPU cycles counter
per CPU overflows 50 times a second of CPU time, as the perf hard lockup
detector's does, and its NMI takes the sample on its own CPU when that
CPU's tick is overdue. Without a PMU that raises NMIs (x86 under TCG) the
other CPUs' rescue is all there is; the log says so once.
"""),
 ("bpf, x86: walk, NMI and tripwire for the switch", """
Provide the arch side of the switch on x86-64 with the ORC unwinder: the
frames of the interrupted context, where each PC will be reloaded from, a
way into a CPU that runs with interrupts off, and the tripwire stub.

ORC falls back to the frame pointer in JITed code, which keeps one; frames
beyond an interrupt or exception frame or a stack switch are reported as
another context's, whose PC is not ours to move. An NMI from kernel mode
returns through the iret copy of the hardware frame above pt_regs (without
FRED), so the PC is rewritten there and in pt_regs alike. Requests go out
as NMI IPIs; an NMI_LOCAL handler claims every NMI the generic code counted
as sent, so that merged or revoked ones are not reported as unknown. The
tripwire stub
calls back into the generic code and returns through the real address
with %rax intact; it carries ORC hints, and the unwinder translates the
stub's address in a return slot, so stack traces through a tripwired
invocation stay right. Other unwinders keep the refusing defaults.
"""),
 ("libbpf: load cancellable programs", """
bpf_program__set_cancellable() opts a program in: libbpf checks each twin
against its hot function with the shared checker, translates the sites to
final instruction offsets and passes them with BPF_F_CANCELLABLE. It probes
the kernel first and loads a plain program when the kernel lacks support.
Without the opt-in the load syscall is byte-for-byte stock. Also
bpf_program__set_cancel_budget() and bpf_prog_cancel().
"""),
 ("bpftool: show the cancellation state of programs", """
"bpftool prog show" prints whether a program is cancellable (or why not),
its cold JIT size, confirmed and dropped sites, cancellations, last and
worst latency and budget, in plain and JSON output.
"""),
 ("bpf, arm64: JIT cold twins at the hot layout", """
Give cold twins the hot layout on arm64. The JIT's ctx->offset[] is kept
as the function's per-instruction offsets (it was freed after the JIT),
and a cold twin is JITed against them: every instruction must start at
its hot offset, or the twin's JIT fails and the program loads as a plain
one with the reason.

A substituted instruction is padded with NOPs in front, so that a branch
stays the last instruction, where bpf2a64_offset() counts from. A call
that became "r0 = imm" ends like the call, with "mov x7, x0": a callee
that was running when the invocation was switched returns there (a return
address lands on the instruction after the BL or BLR, inside the BPF
instruction), and its result is kept; a fresh start sets x0, BPF r1 and
dead after a call, to imm first. An unsubstituted call keeps the hot
encoding, a BL or the MOVN/MOVK/BLR sequence by the hot size, so that
return addresses land at the same offset; a BL whose target is out of the
twin's reach would be longer and is refused like any other difference.
The twin saves the callee-saved registers its hot function saves, even
where a substitution removed the last use of one.

A cold function's bpf-to-bpf callee is taken from the program's twins, as
its aux->func is not set (bpf_jit_get_func_addr()). The JIT also records
how far below the frame record the body's SP is (aux->jit_sp_off): the
modifier with which a C function called from BPF signs its return address.

Kernels with shadow call stacks are refused (reason ARCH): a C function
called from BPF returns through its shadow stack, which the switch would
have to rewrite as well.
"""),
 ("bpf, arm64: walk, NMI and tripwire for the switch", """
Provide the arch side of the switch on arm64.

The walk follows the frame record chain from the interrupted x29 (or its
own frame), upwards on one stack and from the IRQ or overflow stack to
the task stack; the record that exception entry pushes into pt_regs
marks an interrupted context under it. Return addresses saved by code
built with pointer authentication are signed with the SP at function
entry: the JIT's prologue signs with PACIASP before it pushes its
record, so the modifier is the record's address plus 16; a C function
called from BPF was entered with the BPF body's SP, the caller's frame
record minus aux->jit_sp_off. A slot is only rewritten when its
signature has been recomputed with PACIA1716 and found equal, and the
new address is signed the same way; a slot that cannot be verified (a
callee between pushing its record and setting x29) is retried with the
next NMI. Whether a slot is signed at all is taken from the code that
saved it, never from its value: with 52-bit addresses the PAC is 11 bits
wide, and about one signature in 2048 equals the address itself; writing
such a slot back unsigned made the owner's AUTIASP fail. A C function
that has not linked its frame record, or a leaf, returns through x30 in
pt_regs, unsigned or signed with the current SP, and the record at x29
is then its BPF caller's own (signed with that record's address plus
16); once it has, that record holds what x30 holds, or the cold address
a switch wrote there. Under an exception, x30 is also where the walk
finds the BPF caller of such a function. When the interrupted PC moves,
SPSR.BTYPE is cleared: the cold instruction is entered as if by
fall-through. JITed code has its frame between "mov x29, sp" and the
epilogue's "ldp x29, x30, [sp], #16"; PCs outside that are retried.

Requests go out as the CPU backtrace IPI, which is a GICv3 pseudo-NMI with
irqchip.gicv3_pseudo_nmi=1 (and nmi_cpu_backtrace() ignores on CPUs it did
not ask); without pseudo-NMIs there is no way into a CPU that runs with
interrupts masked, and the arch says so. A pseudo-NMI taken with
interrupts on enters through irq_enter_rcu() before the GIC driver's
nmi_enter(), one hardirq more than an NMI: arch_bpf_cancel_nmi_entered()
says so, or the interrupted context's level (that of its tripwire and
its loops' flag) would be off by one. Nothing needs text patching, so
bpf_arch_text_poke() and stop_machine() are never involved.

The tripwire stub is entered by the epilogue's RET after AUTIASP checked
the stub's address, signed into the record like the return address it
replaced, and lays its own record over the popped one.
"""),
 ("libbpf: open every program of an object cancellable", """
To run a test suite or an existing loader with cancellable programs,
every program would need a bpf_program__set_cancellable() call. A new
bpf_object_open_opts field, cancellable, opts in every program of the
object at open, and when it is not set the LIBBPF_CANCELLABLE environment
variable ("1") does the same, as LIBBPF_BPF_TOKEN_PATH stands in for
bpf_token_path. bpf_program__set_cancellable() still decides per program
before load; an unrecognized value of the variable is reported and
ignored. Without either, nothing changes.
"""),
 ("selftests/bpf: veristat: report JIT size and cancellation state", """
Comparing a program loaded plain with the same program loaded
cancellable (LIBBPF_CANCELLABLE=1) should show the same verifier work and
say what the kernel made of the request. veristat already compares
insn_processed and states between two runs; give it what bpf_prog_info
reports after a successful load: the JITed size, the cancellation status
(0 off, 1 cancellable, 2 refused) and the reason of a refusal, the sites
the verifier confirmed and dropped, and the size of the cold JIT code.
The new fields are off by default and selected with -e like the others
(jited, cancel, cancel_reason, sites, sites_dropped, cold_jited).
"""),
]

# (file glob, regex on the hunk's text or None, patch): the first match wins
RULES = [
 ("tools/lib/bpf/bpf_cancel_core.*", None, 1),
 ("tools/lib/bpf/Build", None, 1),
 ("*/uapi/linux/bpf_cancel.h", None, 1),
 ("include/uapi/linux/bpf_cancel.h", None, 1),
 ("tools/include/uapi/linux/bpf.h", None, 2),
 ("include/uapi/linux/bpf.h", None, 2),
 ("arch/x86/net/bpf_jit_comp.c", None, 5),
 ("arch/x86/net/*", None, 9),
 ("arch/x86/include/asm/unwind.h", None, 9),
 ("arch/arm64/net/bpf_jit_comp.c", None, 12),
 ("arch/arm64/*", None, 13),
 ("tools/bpf/bpftool/*", None, 11),
 ("tools/lib/bpf/lib*.[ch]", r"open_cancellable|LIBBPF_CANCELLABLE|bpf_object_open_opts__last_field", 14),
 ("tools/testing/selftests/bpf/veristat.c", None, 15),
 ("tools/lib/bpf/*", None, 10),
 ("include/trace/events/bpf_cancel.h", None, 6),
 ("kernel/bpf/syscall.c", r"^\+.*bpf_cancel_build", 4),
 ("kernel/bpf/syscall.c", r"^\+.*(\bprog_cancel\(|BPF_PROG_CANCEL)", 6),
 ("kernel/bpf/core.c", r"^\+.*bpf_cancel_kallsyms_del\(fp\)", 4),
 ("kernel/bpf/verifier.c", r"^\+.*(aux->cancel = prog->aux->cancel|aux->jit_offs)", 4),
 ("kernel/time/timer.c", None, 8),
 ("kernel/bpf/bpf_iter.c", None, 7),
 ("kernel/bpf/arraymap.c", None, 7),
 ("kernel/bpf/hashtab.c", None, 7),
 ("kernel/bpf/ringbuf.c", None, 7),
 ("kernel/bpf/task_iter.c", None, 7),
 ("kernel/bpf/cgroup_iter.c", None, 7),
 ("kernel/bpf/helpers.c", None, 7),
 ("include/*", None, 3),
 ("kernel/*", None, 3),
]

# (file, patch, start regex, end regex[, stub]): the block start.*?end (re.S)
# first appears at patch; before it, the stub (default: nothing) stands in
# its place. In a modified file the block is whole added lines of one hunk.
H = "include/linux/bpf_cancel.h"
C = "kernel/bpf/cancel.c"
STAGED = [
 # include/linux/bpf_cancel.h
 (H, 6, r"#include <linux/atomic\.h>\n", r"#include <linux/cpumask\.h>\n"),
 (H, 8, r"#include <linux/time64\.h>\n", r""),
 (H, 6, r"union bpf_attr;\n", r""),
 (H, 6, r"struct pt_regs;\n", r""),
 (H, 4, r"\tu32 cold_jited_len;\n", r""),
 (H, 4, r"\t/\* cold functions, owned", r"void \*cold_entry;[^\n]*\n"),
 (H, 6, r"\t/\* runtime \*/\n", r"u64 worst_ns;\n"),
 (H, 8, r"/\* watchdog budget of one invocation", r"NSEC_PER_MSEC;\n}\n\n"),
 (H, 6, r"/\* syscall\.c: BPF_PROG_CANCEL \*/\n", r"return __bpf_cancel_pending\(\);\n}\n\n"),
 (H, 8, r"/\* cancel\.c: the watchdog's sample", r"__bpf_cancel_tick\(\);\n}\n\n"),
 (H, 6, r"/\* cancel\.c, from core\.c: the cold twins of prog are built",
  r"unsigned long ip\);\n(?=#else)"),
 (H, 6, r"static inline bool bpf_cancel_pending\(void\)\n{\n\treturn false;\n}\n\n", r""),
 (H, 8, r"static inline void bpf_cancel_tick\(void\)\n{\n}\n\n", r""),
 (H, 4, r"#ifdef CONFIG_BPF_SYSCALL\n", r"#endif\n\n(?=#endif /\* _LINUX_BPF_CANCEL_H)"),

 # kernel/bpf/cancel.c: bpf_cancelled() (3), the switch (6), the watchdog (8)
 (C, 6, r"/\*\n \* Cancellation of running BPF programs: the switch", r" \*/\n(?=#include <linux/bpf\.h>)",
  "/*\n * Cancellation of running BPF programs (include/linux/bpf_cancel.h): the\n"
  " * kfunc that tells a program whether it runs in its cold twin.\n */\n"),
 (C, 6, r"#include <linux/capability\.h>\n", r"#include <linux/filter\.h>\n"),
 (C, 8, r"#include <asm/irq_regs\.h>\n", r""),
 (C, 6, r"#include <linux/kprobes\.h>\n", r"#include <linux/sched\.h>\n"),
 (C, 8, r"#include <linux/sysctl\.h>\n", r"#include <linux/tick\.h>\n"),
 (C, 6, r"#include <linux/timekeeping\.h>\n", r""),
 (C, 8, r"unsigned int sysctl_bpf_cancel_budget_ms", r"static u64 bpf_cancel_min_budget_ns;\n\n"),
 (C, 8, r"\tBPF_CANCEL_TRIP_TIMED,", r"\n"),
 (C, 8, r"\t/\* watchdog: time the invocation was seen running", r"deadline_ns;[^\n]*\n"),
 (C, 8, r"\tt->run_ns = 0;\n", r"\tt->seen_ns = ktime_get_mono_fast_ns\(\);\n"),
 (C, 8, r"\tbool watch;", r"\*/\n"),
 (C, 8, r"\t/\* watchdog: last tick of this CPU", r"\tint rescue_req;\n"),
 (C, 8, r"if \(state >= BPF_CANCEL_TRIP_TIMED\)", r"", "if (state == BPF_CANCEL_TRIP_CANCELLED)"),
 (C, 8, r" \* Move an armed tripwire of this CPU to state to \(TIMED or CANCELLED\),\n",
  r" \* counting it in the loops' flag\. True if it moved\.\n",
  " * Move an armed tripwire of this CPU to state to, counting it in the\n"
  " * loops' flag. True if it moved.\n"),
 (C, 8, r"\t/\* a timed one is counted already \*/\n", r"\t\treturn true;\n"),
 (C, 8, r"/\* Let the loops of a watched invocation check its deadline\. \*/\n",
  r"BPF_CANCEL_TRIP_TIMED\);\n}\n\n"),
 (C, 8, r"\tif \(w->watch\) \{\n", r"\t\treturn stop;\n\t}\n"),
 (C, 8, r" \* cancelled\. An invocation the rescue NMI found", r"when it is due\.\n", " * cancelled.\n"),
 (C, 8, r"\tstruct bpf_cancel_trip \*t;\n\tbool again;\n\n\tif \(likely\(!atomic_read", r"",
  "\tstruct bpf_cancel_trip *t;\n\n\tif (likely(!atomic_read"),
 (C, 8, r"if \(state < BPF_CANCEL_TRIP_TIMED \|\| t->level != level", r"",
  "if (state != BPF_CANCEL_TRIP_CANCELLED || t->level != level"),
 (C, 8, r"\t\tif \(state == BPF_CANCEL_TRIP_CANCELLED\)\n\t\t\treturn true;\n"
  r"\t\tif \(ktime_get_mono_fast_ns\(\) < READ_ONCE\(t->deadline_ns\)\)",
  r"return READ_ONCE\(t->state\) == BPF_CANCEL_TRIP_CANCELLED;\n", "\t\treturn true;\n"),
 (C, 8, r"/\* ---- the watchdog ---- \*/\n", r"bpf_cancel_rescue\(now\);\n}\n\n"),
 (C, 8, r"\tif \(READ_ONCE\(pc->rescue_req\)", r"true\);\n"),
 (C, 8, r"\tif \(c->budget_ns\) \{\n\t\tu64 min", r"\t\t\t;\n\t}\n"),
 (C, 6, r"#define CREATE_TRACE_POINTS\n", r"\n(?=/\* ---- kfuncs ---- \*/)"),
 (C, 6, r"/\*\*\n \* bpf_cancel_self\(\)", r"&again\);\n}\n\n"),
 (C, 6, r"BTF_ID_FLAGS\(func, bpf_cancel_self\)\n", r""),
 (C, 6, r"/\* ---- arch defaults", r"arch_bpf_cancel_pc_moved\(struct pt_regs \*regs\)\n{\n}\n\n"),
 (C, 8, r"/\*\n \* When every CPU is stuck with interrupts off", r"#endif\n\n(?=/\* ---- BPF_PROG_CANCEL)"),
 (C, 8, r"#include <linux/cpuhotplug\.h>\n", r""),
 (C, 8, r"#include <linux/perf_event\.h>\n", r""),
 (C, 8, r"#include <linux/workqueue\.h>\n", r""),
 (C, 8, r"\tbpf_cancel_pmu_update\(\);\n(?=}\n\nvoid bpf_cancel_release)", r""),
 (C, 8, r"\tbpf_cancel_pmu_update\(\);\n(?=}\n\n/\* ---- kfuncs)", r""),
 (C, 8, r"\tbpf_cancel_pmu_init\(\);\n", r""),
 (C, 8, r"static struct ctl_table bpf_cancel_sysctls", r"\n};\n\n"),
 (C, 8, r"\tregister_sysctl_init\(\"kernel\", bpf_cancel_sysctls\);\n", r""),

 # include/linux/bpf.h: aux->cancel (3), the twins' fields (4)
 ("include/linux/bpf.h", 4, r"\t \* cancel_cold: of a hot function", r"the cold twin has the same\.\n"),
 ("include/linux/bpf.h", 4, r"\tstruct bpf_prog \*cancel_cold;\n", r"\tu32 \*jit_offs;\n"),
 ("include/linux/bpf.h", 12, r"\t \* jit_sp_off: arm64", r"save\)\.\n"),
 ("include/linux/bpf.h", 12, r"\tu32 jit_sp_off;\n", r""),
 # kernel/bpf/core.c: the callee of a cold twin, for JITs that take it from aux->func (12)
 ("kernel/bpf/core.c", 12, r"/\* Callee off of a cold twin", r"->bpf_func;\n}\n\n"),
 ("kernel/bpf/core.c", 12, r"\t\telse if \(prog->aux->cancel_hot\)\n", r"\(prog, off\);\n"),

 # kernel/bpf/syscall.c
 ("kernel/bpf/syscall.c", 4, r"/\* BPF_F_CANCELLABLE: copy the site records",
  r" \* input is refused the same way everywhere\.\n \*/\n",
  "/* BPF_F_CANCELLABLE: copy the site records (record size negotiated like\n"
  " * func_info: a larger record is accepted when its tail is zero).\n */\n"),
 ("kernel/bpf/syscall.c", 6, r"\tatomic64_set\(&c->cnt, 0\);\n", r""),
 ("kernel/bpf/syscall.c", 4, r"\tif \(!prog->jit_requested \|\| bpf_prog_is_dev_bound",
  r"\t\tc->status = BPF_CANCEL_STATUS_REFUSED;\n"),
 ("kernel/bpf/syscall.c", 4, r"\t\tinfo\.cancel_cold_jited_len = ", r"c->cold_jited_len : 0;\n"),
 ("kernel/bpf/syscall.c", 6, r"\t\tinfo\.cancel_cnt = ", r"info\.cancel_worst_ns = READ_ONCE\(c->worst_ns\);\n"),
 ("kernel/bpf/syscall.c", 8, r"\t\tinfo\.cancel_budget_ns = ", r"\n"),

 # kernel/bpf/core.c: bpf_cancel_free() of the state (3), the twins (4)
 ("kernel/bpf/core.c", 4, r"/\* Cancellation: cold twins \(include/linux/bpf_cancel\.h\)\. \*/\n", r"",
  "/* Cancellation (include/linux/bpf_cancel.h). */\n"),
 ("kernel/bpf/core.c", 4, r"bool __weak bpf_jit_supports_cancel",
  r"bpf_cancel_refuse\(c, BPF_CANCEL_REASON_NOMEM\);\n}\n\n"),
 ("kernel/bpf/core.c", 6, r"\tbpf_cancel_activate\(prog\);\n", r""),
 ("kernel/bpf/core.c", 4, r"\tu32 i;\n(?=\n\tif \(!c\)\n\t\treturn;\n\tbpf_cancel_release)", r""),
 ("kernel/bpf/core.c", 6, r"\tbpf_cancel_release\(aux->prog\);\n", r""),
 ("kernel/bpf/core.c", 4, r"\tbpf_cancel_free_cold\(c\);\n\tfor", r"\tkvfree\(aux->jit_offs\);\n"),
]
