//===-- BPFCancelMachineTwin.h - twins copied from machine code ---------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Code generation of a module whose twins are stubs, each stub's machine
// code being replaced by a copy of its hot function's final machine code
// (BPFCancelMachineTwin.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef BPFCANCEL_BPFCANCELMACHINETWIN_H
#define BPFCANCEL_BPFCANCELMACHINETWIN_H

#include "BPFCancel.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace llvm {
class DISubprogram;
class Function;
class Module;
class TargetMachine;
} // namespace llvm

namespace bpfcancel {

/// The twins of a module, as createTwins() made them, and what copying
/// their machine code found wrong.
struct MachineTwins {
  struct Twin {
    llvm::Function *Hot = nullptr;
    /// The twin's own DISubprogram (kept across stubTwinBodies()).
    llvm::DISubprogram *SP = nullptr;
  };
  /// A twin the copy could not make: Insn is the hot function's BPF
  /// instruction index (~0u: none in particular).
  struct Problem {
    std::string Func;
    unsigned Insn;
    std::string Why;
  };
  explicit MachineTwins(const Policy &P) : Pol(P) {}
  const Policy &Pol;
  llvm::DenseMap<const llvm::Function *, Twin> ByTwin;
  llvm::DenseMap<const llvm::Function *, llvm::Function *> TwinOf; // by hot
  std::vector<Problem> Problems;
};

/// Replace the body of every twin of T with a stub that returns: its code
/// comes from the hot function at codegen (emitObjectWithTwins()).
void stubTwinBodies(llvm::Module &M, MachineTwins &T);

/// Compile M to an ELF object in Buf, as clang would; with T, each twin's
/// machine code is a copy of its hot function's. Returns false if the
/// target cannot emit objects.
bool emitObjectWithTwins(llvm::Module &M, llvm::TargetMachine &TM,
                         llvm::SmallVectorImpl<char> &Buf, MachineTwins *T);

} // namespace bpfcancel

#endif // BPFCANCEL_BPFCANCELMACHINETWIN_H
