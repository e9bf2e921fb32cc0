//===-- BPFCancelRuntime.h - bridge to the bpfcancel runtime core --------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The plugin links the runtime's static library (runtime/, C): the
// .BPF.cancel format core, the linear checker and the built-in policy. This
// header is the only place the C++ side names it, so that the C API can
// evolve without touching the passes.
//
//===----------------------------------------------------------------------===//
#ifndef BPFCANCEL_BPFCANCELRUNTIME_H
#define BPFCANCEL_BPFCANCELRUNTIME_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bpfcancel {

struct PolicyEntry;

/// Parse the policy file Path, or the built-in Linux 6.12 policy if Path is
/// empty. Returns an opaque handle, or nullptr with Err set.
void *runtimePolicyLoad(const std::string &Path, std::string &Err);
void runtimePolicyFree(void *P);
/// Look up a helper / kfunc. Returns false if the policy does not list it.
bool runtimePolicyHelper(const void *P, uint32_t Id, PolicyEntry &E);
bool runtimePolicyKfunc(const void *P, llvm::StringRef Name, PolicyEntry &E);

/// The cold instruction of a site (bpf_cancel_cold_insn()): Hot and Cold
/// are raw 8-byte instructions. Returns false if Hot cannot take the site.
bool runtimeColdInsn(const uint8_t *Hot, unsigned Kind, int32_t Imm,
                     uint8_t *Cold);

/// Loops of a hot function ([header, back-edge] instruction indexes) that
/// the twin with these sites (insn, kind, imm) cannot cut short.
struct RtSite {
  uint32_t Insn;
  uint16_t Kind;
  int32_t Imm;
};
std::vector<std::pair<unsigned, unsigned>>
runtimeUncutLoops(llvm::ArrayRef<uint8_t> Insns, llvm::ArrayRef<RtSite> Sites);

/// Whether a hot function has a loop: a cycle of its control flow graph,
/// not merely a backward jump (block placement lays unrolled,
/// forward-only code out of order). The same test as the IR's
/// FindFunctionBackedges().
bool runtimeHasLoop(llvm::ArrayRef<uint8_t> Insns);

/// Run the runtime checker on a finished object under policy P. Returns
/// one message per problem (empty: the object is valid).
std::vector<std::string> runtimeCheckObject(llvm::ArrayRef<uint8_t> Obj,
                                            const void *P);

/// Compare every function of Plain with the same function of Final (bytes
/// and relocations) with the runtime. Same conventions.
std::vector<std::string> runtimeCmpHot(llvm::ArrayRef<uint8_t> Plain,
                                       llvm::ArrayRef<uint8_t> Final);

} // namespace bpfcancel

#endif // BPFCANCEL_BPFCANCELRUNTIME_H
