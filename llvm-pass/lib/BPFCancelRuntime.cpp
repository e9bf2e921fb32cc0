//===-- BPFCancelRuntime.cpp - bridge to the bpfcancel runtime core ------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FILE:
//   BPFCancelRuntime.cpp
//
// DESCRIPTION:
//   Calls into the runtime's C library (bpfcancel_runtime): the built-in
//   policy and the object checker shared with libbpf and the kernel. Built
//   with BPFCANCEL_HAVE_RUNTIME when runtime/ provides its library;
//   otherwise a small built-in policy stands in and the runtime checks are
//   reported as unavailable (the plugin's own checks still run).
//
//===----------------------------------------------------------------------===//
#include "BPFCancelRuntime.h"

using namespace llvm;

namespace bpfcancel {

#ifndef BPFCANCEL_HAVE_RUNTIME
// Linux 6.12 subset, for builds without the runtime library only. The
// real default is generated from the kernel source (runtime/policy/).
static const char FallbackPolicy[] = R"(bpfcancel-policy 1
helper 1 bpf_map_lookup_elem ret-null 0
helper 12 bpf_tail_call tail-call 0
helper 84 bpf_sk_lookup_tcp ret-null 0
helper 85 bpf_sk_lookup_udp ret-null 0
helper 131 bpf_ringbuf_reserve ret-null 0
helper 164 bpf_for_each_map_elem callback 0
helper 180 bpf_find_vma callback -2
helper 181 bpf_loop callback 0
helper 209 bpf_user_ringbuf_drain callback 0
deny helper 132 bpf_ringbuf_submit release-arg
deny helper 133 bpf_ringbuf_discard release-arg
deny helper 194 bpf_kptr_xchg release-arg
kfunc bpf_task_from_pid ret-null 0
kfunc bpf_task_acquire ret-null 0
kfunc bpf_iter_num_next iter-next 0
kfunc bpf_iter_task_next iter-next 0
kfunc bpf_iter_css_next iter-next 0
kfunc bpf_iter_bits_next iter-next 0
deny kfunc bpf_task_release release-arg
)";

StringRef runtimeDefaultPolicy() { return FallbackPolicy; }

std::vector<std::string> runtimeCheckObject(ArrayRef<uint8_t>,
                                            bool &Available) {
  Available = false;
  return {};
}

std::vector<std::string> runtimeCmpHot(ArrayRef<uint8_t>, ArrayRef<uint8_t>,
                                       bool &Available) {
  Available = false;
  return {};
}
#endif

} // namespace bpfcancel
