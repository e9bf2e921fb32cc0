//===-- BPFCancelMark.cpp - find BPF functions that can run long ---------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FILE:
//   BPFCancelMark.cpp
//
// DESCRIPTION:
//   Tags every function that needs a cold "fast-execute" twin with the
//   string attribute "bpf-cancel-twin"="<reason>". A function needs one if
//   it can run long itself or can reach, through direct calls, a function
//   that can:
//
//     loop          a CFG back-edge. The verifier accepts bounded loops
//                   (kernel/bpf/verifier.c: is_state_visited() prunes them,
//                   check_cond_jmp_op() explores both edges) whatever the
//                   bound, so 2^20 iterations of a loop body are legal.
//     iter-next     a call to a KF_ITER_NEXT kfunc (bpf_iter_num_next, ...):
//                   process_iter_next_call() verifies the loop body once,
//                   the iteration count is unbounded at run time.
//     callback      a call to a helper that runs a callback synchronously
//                   (bpf_loop, bpf_for_each_map_elem, ...;
//                   push_callback_call()): up to 1 << 23 calls.
//     may-goto      inline asm containing may_goto (can_loop/cond_break;
//                   BPF_JCOND in check_cond_jmp_op()), 8M iterations.
//
//   Which helpers and kfuncs count comes from the substitution policy
//   (BPFCancelPolicy.cpp), never from names. -bpf-cancel-mode=all marks
//   every defined function. The object phase adds functions that are long
//   only at the instruction level (naked functions, inline asm loops).
//
//   The pass only adds attributes; it runs at the OptimizerLast extension
//   point so that it sees the IR codegen will see (after inlining, unrolling
//   and dead-code elimination: a fully unrolled loop is no back-edge).
//
// USAGE:
//   opt -load-pass-plugin=build/lib/BPFCancel.so -passes=bpf-cancel-mark \
//       -S in.ll
//
//===----------------------------------------------------------------------===//
#include "BPFCancel.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/CFG.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Debug.h"
#include "llvm/TargetParser/Triple.h"

#define DEBUG_TYPE "bpf-cancel-mark"

using namespace llvm;
using namespace bpfcancel;

namespace {

/// Why F can run long on its own, or "" if it cannot.
std::string ownReason(Function &F, const Policy &P) {
  SmallVector<std::pair<const BasicBlock *, const BasicBlock *>, 4> Edges;
  FindFunctionBackedges(F, Edges);
  if (!Edges.empty())
    return "loop";
  for (Instruction &I : instructions(F)) {
    auto *CB = dyn_cast<CallBase>(&I);
    if (!CB)
      continue;
    if (auto *IA = dyn_cast<InlineAsm>(CB->getCalledOperand())) {
      if (StringRef(IA->getAsmString()).contains("may_goto"))
        return "may-goto";
      continue;
    }
    int64_t Id = getHelperId(*CB);
    if (Id >= 0) {
      if (const PolicyEntry *E = P.helperSite(Id))
        if (E->Kind == SiteKind::Callback)
          return "callback:" + E->Name;
      continue;
    }
    if (auto *Callee =
            dyn_cast<Function>(CB->getCalledOperand()->stripPointerCasts()))
      if (Callee->isDeclaration())
        if (const PolicyEntry *E = P.kfuncSite(Callee->getName()))
          if (E->Kind == SiteKind::IterNext)
            return "iter-next:" + E->Name;
  }
  return "";
}

bool canHaveTwin(const Function &F) {
  return !F.isDeclaration() && !F.hasFnAttribute(TwinOfAttr) &&
         !F.getName().ends_with(TwinSuffix);
}

} // namespace

bool bpfcancel::markFunctions(Module &M, const Policy &P,
                              const StringMap<std::string> *Extra) {
  DenseMap<Function *, std::string> Reason;
  SetVector<Function *> Work;
  for (Function &F : M) {
    if (!canHaveTwin(F))
      continue;
    std::string R;
    if (F.hasFnAttribute(TwinAttr))
      R = F.getFnAttribute(TwinAttr).getValueAsString().str();
    else if (getMode() == Mode::All)
      R = "all";
    else
      R = ownReason(F, P);
    if (R.empty() && Extra) {
      auto It = Extra->find(F.getName());
      if (It != Extra->end())
        R = It->second;
    }
    // A weak definition may be replaced at link time by any body: its
    // callers are treated as calling something long whatever this body
    // does.
    if (R.empty() && isInterposableDef(F))
      R = "interposable";
    if (R.empty())
      continue;
    Reason[&F] = R;
    Work.insert(&F);
  }

  // Close over callers: a frame of a caller is on the stack while the long
  // callee runs, and switching to cold must rewrite its return address.
  DenseMap<Function *, SmallVector<Function *, 4>> Callers;
  for (Function &F : M) {
    if (!canHaveTwin(F))
      continue;
    for (Instruction &I : instructions(F))
      if (auto *CB = dyn_cast<CallBase>(&I))
        if (auto *Callee =
                dyn_cast<Function>(CB->getCalledOperand()->stripPointerCasts()))
          if (!Callee->isDeclaration())
            Callers[Callee].push_back(&F);
  }
  for (unsigned I = 0; I < Work.size(); ++I) {
    Function *Callee = Work[I];
    for (Function *Caller : Callers.lookup(Callee)) {
      if (Reason.count(Caller))
        continue;
      Reason[Caller] = ("calls:" + Callee->getName()).str();
      Work.insert(Caller);
    }
  }

  bool Changed = false;
  for (Function *F : Work) {
    std::string R = Reason[F];
    if (isInterposableDef(*F)) {
      // Never a twin (see NoTwinAttr); its callers were marked above.
      if (F->getFnAttribute(NoTwinAttr).getValueAsString() == R)
        continue;
      F->removeFnAttr(TwinAttr);
      F->addFnAttr(NoTwinAttr, R);
      Changed = true;
      continue;
    }
    if (F->hasFnAttribute(TwinAttr) &&
        F->getFnAttribute(TwinAttr).getValueAsString() == R)
      continue;
    LLVM_DEBUG(dbgs() << "bpf-cancel-mark: " << F->getName() << ": " << R
                      << "\n");
    F->addFnAttr(TwinAttr, R);
    Changed = true;
  }
  return Changed;
}

PreservedAnalyses BPFCancelMarkPass::run(Module &M, ModuleAnalysisManager &) {
  // The plugin may be loaded for a host compile too (a Makefile's CFLAGS):
  // only BPF modules are ours.
  if (!Triple(M.getTargetTriple()).isBPF())
    return PreservedAnalyses::all();
  const Policy *P = Policy::get(M.getContext());
  if (!P)
    return PreservedAnalyses::all();
  // Attributes only: no analysis is invalidated by a string attribute, but
  // be conservative about function-attribute-keyed caches.
  return markFunctions(M, *P) ? PreservedAnalyses::none()
                              : PreservedAnalyses::all();
}
