# SPDX-License-Identifier: GPL-2.0
# The patch plan of mkseries.py: subjects, commit messages, which files go where.
PATCHES = [
 ("libbpf: share the .BPF.cancel format and checker with the kernel", """
The ".BPF.cancel" section of an object built with clang -fbpf-cancellable
lists, per function, the substitution sites of its cold twin. The format
(uapi/linux/bpf_cancel.h) and the linear checker ("twin == hot except at
allowed sites") are kept as one freestanding source, like relo_core.c, so
that libbpf checks objects with exactly the rules the kernel applies to the
site records it receives. No caller yet.
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
 ("bpf: cancellable programs: confirm sites, build cold twins, switch running frames", """
The verifier checks the loader's site records with the shared core, refuses
illegal kinds with -EINVAL and a line naming the instruction, adds its own
sites (may_goto, tail calls, bpf_cancelled()) and keeps a site only when
every visit saw the outcome the cold copy produces. Rewrites that expand a
site (may_goto, inlined bpf_loop, inlined map lookups) move the tag to the
deciding instruction. After the hot JIT, cold twins are JITed from the
final instructions with one instruction replaced per site, and their
per-instruction offsets must equal the hot ones, or the program loads as a
plain one and says why in bpf_prog_info.

kernel/bpf/cancel.c switches an interrupted invocation from NMI, hard-irq
or a kfunc: the interrupted PC and every hot return address of its BPF
frames move to the same offset in the twin; a per-CPU, per-context-level
flag stops bpf_loop, for_each and iterator loops until the invocation
returns through a return-address tripwire. Triggers: BPF_PROG_CANCEL, the
kfunc bpf_cancel_self() and a watchdog sampled from the tick behind a
static key, with NMI rescue of a CPU whose tick stopped. Nothing is
patched, nothing is allocated, and hot code is unchanged.
"""),
 ("bpf, x86: JIT cold twins at the hot layout; walk and switch frames", """
Pad each substituted instruction of a cold twin to the hot size (before a
jump, whose displacement counts from the end of the instruction), keep the
per-instruction offsets, and provide the arch side of the switch: an ORC
walk of the interrupted context (writing the NMI iret frame), NMI delivery
and the tripwire stub, whose return the unwinder sees through.
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
]
RULES = [
 ("tools/lib/bpf/bpf_cancel_core.*", None, 1),
 ("*/uapi/linux/bpf_cancel.h", None, 1),
 ("include/uapi/linux/bpf_cancel.h", None, 1),
 ("tools/include/uapi/linux/bpf.h", None, 2),
 ("include/uapi/linux/bpf.h", None, 2),
 ("arch/x86/net/*", None, 4),
 ("arch/x86/include/asm/unwind.h", None, 4),
 ("tools/bpf/bpftool/*", None, 6),
 ("tools/lib/bpf/*", None, 5),
 ("include/*", None, 3),
 ("kernel/*", None, 3),
]
STAGED = []
