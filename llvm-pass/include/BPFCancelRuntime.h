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

#include <string>
#include <vector>

namespace bpfcancel {

/// Text of the built-in Linux 6.12 substitution policy.
llvm::StringRef runtimeDefaultPolicy();

/// Run the runtime checker on a finished object. Returns one message per
/// problem (empty: the object is valid). Sets Available=false if this build
/// has no runtime checker.
std::vector<std::string> runtimeCheckObject(llvm::ArrayRef<uint8_t> Obj,
                                            bool &Available);

/// Compare every hot function of Final with the same function of Plain
/// (bytes and relocations) with the runtime. Same conventions.
std::vector<std::string> runtimeCmpHot(llvm::ArrayRef<uint8_t> Plain,
                                       llvm::ArrayRef<uint8_t> Final,
                                       bool &Available);

} // namespace bpfcancel

#endif // BPFCANCEL_BPFCANCELRUNTIME_H
