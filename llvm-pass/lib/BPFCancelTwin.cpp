//===-- BPFCancelTwin.cpp - create cold fast-execute twins ---------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FILE:
//   BPFCancelTwin.cpp
//
// DESCRIPTION:
//   For every function F marked "bpf-cancel-twin" (BPFCancelMark.cpp),
//   creates F__cold: a copy that the BPF backend compiles to the same
//   instructions, one for one, except at the substitution sites. The
//   kernel cancels a running program by moving each of its frames from F to
//   the same instruction of F__cold (see DESIGN.md); the twin then takes
//   the failure paths the verifier already explored on F and runs to its
//   exit, releasing what it holds.
//
//   Transform (IR), for a marked F:
//
//     define i32 @F(ptr %ctx) section "tp_btf/sched_switch" {
//       %v = call ptr @bpf_iter_num_next(ptr %it)        ; KF_ITER_NEXT
//       %w = call i32 @G(...)                             ; G is marked too
//       %r = call i64 inttoptr (i64 181 to ptr)(i32 8, ptr @cb, ...) ; bpf_loop
//
//   gains
//
//     define internal i32 @F__cold(ptr %ctx) section ".text" {
//       %v = call ptr inttoptr (i64 2147483632 to ptr)(ptr %it) ; marker
//       %w = call i32 @G__cold(...)
//       %r = call i64 inttoptr (i64 181 to ptr)(i32 8, ptr @cb, ...)
//
//   * A kfunc call that the policy substitutes becomes a call to helper id
//     0x7ffffff0 (the marker) with the same function type: both are one
//     BPF "call" clobbering r1-r5, so register allocation is unchanged, and
//     the twin keeps no kfunc relocation at the site. The object phase
//     rewrites the marker to "r0 = imm" (check_kfunc_call() typed r0
//     PTR_MAYBE_NULL, so the verifier explored the NULL outcome on F).
//   * Helper calls and inline asm stay as they are: the object phase
//     rewrites the substituted ones in the final object, where inline asm
//     (can_loop, bpf_tail_call_static) is visible.
//   * Calls to marked functions go to their twins. Function pointers passed
//     as callbacks stay pointing at the hot functions: the cold code never
//     reaches a synchronous callback (its helper call is substituted), and
//     asynchronous callbacks (timers, workqueues) must stay hot.
//   * The twin is internal, in ".text" and appended at the end of the
//     module: libbpf appends only the subprograms a program calls, so a
//     stock loader never sees it (libbpf.c: bpf_object__reloc_code()), and
//     the hot functions of ".text" keep their offsets. Its DISubprogram is
//     renamed: CloneFunction keeps the hot debug name, and BTF would carry
//     two FUNCs of one name.
//
// USAGE:
//   opt -load-pass-plugin=build/lib/BPFCancel.so \
//       -passes=bpf-cancel-mark,bpf-cancel-twin -S in.ll
//
//===----------------------------------------------------------------------===//
#include "BPFCancel.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Debug.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#define DEBUG_TYPE "bpf-cancel-twin"

using namespace llvm;
using namespace bpfcancel;

int bpfcancel::createTwins(Module &M, const Policy &P) {
  LLVMContext &Ctx = M.getContext();
  SmallVector<Function *, 16> Hot;
  for (Function &F : M)
    if (!F.isDeclaration() && F.hasFnAttribute(TwinAttr) &&
        !F.hasFnAttribute(TwinOfAttr))
      Hot.push_back(&F);

  DenseMap<Function *, Function *> TwinOf;
  SmallVector<GlobalValue *, 16> Twins;
  for (Function *F : Hot) {
    std::string Name = (F->getName() + TwinSuffix).str();
    if (GlobalValue *Old = M.getNamedValue(Name)) {
      if (auto *OldF = dyn_cast<Function>(Old))
        if (OldF->hasFnAttribute(TwinOfAttr) &&
            OldF->getFnAttribute(TwinOfAttr).getValueAsString() ==
                F->getName()) {
          TwinOf[F] = OldF; // already twinned (opt pipeline run twice)
          continue;
        }
      Ctx.diagnose(DiagnosticInfoUnsupported(
          *F,
          "cannot create the cold twin '" + Name +
              "': the name is already defined in this translation unit "
              "(rename it, or compile without -fbpf-cancellable)",
          F->getSubprogram() ? DiagnosticLocation(F->getSubprogram())
                             : DiagnosticLocation(),
          DS_Error));
      return -1;
    }
    ValueToValueMapTy VMap;
    Function *T = CloneFunction(F, VMap);
    T->setName(Name);
    T->setLinkage(GlobalValue::InternalLinkage);
    T->setVisibility(GlobalValue::DefaultVisibility);
    T->setDSOLocal(true);
    T->setComdat(nullptr);
    T->setSection(".text");
    T->removeFnAttr(TwinAttr);
    T->addFnAttr(TwinOfAttr, F->getName());
    // CloneFunction gave the twin its own distinct DISubprogram; rename it
    // so BTF gets a FUNC "F__cold" (operand 2 is the name, 3 the linkage
    // name of a DISubprogram).
    DISubprogram *SP = T->getSubprogram();
    if (SP && SP != F->getSubprogram()) {
      SP->replaceOperandWith(2, MDString::get(Ctx, Name));
      if (!SP->getLinkageName().empty())
        SP->replaceLinkageName(MDString::get(Ctx, Name));
    }
    TwinOf[F] = T;
    Twins.push_back(T);
    LLVM_DEBUG(dbgs() << "bpf-cancel-twin: " << F->getName() << " -> "
                      << Name << "\n");
  }

  Type *I64 = Type::getInt64Ty(Ctx);
  for (auto &[F, T] : TwinOf) {
    for (Instruction &I : instructions(*T)) {
      auto *CB = dyn_cast<CallBase>(&I);
      if (!CB)
        continue;
      Function *Callee = CB->getCalledFunction();
      if (!Callee)
        continue;
      if (Function *CalleeTwin = TwinOf.lookup(Callee)) {
        CB->setCalledOperand(CalleeTwin);
        continue;
      }
      if (!Callee->isDeclaration() || Callee->isIntrinsic())
        continue;
      const PolicyEntry *E = P.kfuncSite(Callee->getName());
      if (!E)
        continue;
      CB->setCalledOperand(ConstantExpr::getIntToPtr(
          ConstantInt::get(I64, MarkerHelperId),
          CB->getCalledOperand()->getType()));
    }
  }
  // Nothing calls a twin before the .BPF.cancel section refers to it; keep
  // it through codegen.
  if (!Twins.empty())
    appendToCompilerUsed(M, Twins);
  return Twins.size();
}

PreservedAnalyses BPFCancelTwinPass::run(Module &M, ModuleAnalysisManager &) {
  std::string Err;
  const Policy *P = Policy::get(Err);
  if (!P) {
    reportError(M.getContext(), Err);
    return PreservedAnalyses::all();
  }
  return createTwins(M, *P) > 0 ? PreservedAnalyses::none()
                                : PreservedAnalyses::all();
}
