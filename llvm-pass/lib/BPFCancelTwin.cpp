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
//     (can_loop, bpf_tail_call_static) is visible. Only a substituted
//     kfunc passed to inline asm as an operand ("call %[bpf_iter_num_next]")
//     becomes the marker id, so that the twin keeps no kfunc relocation
//     there either.
//   * Calls to marked functions go to their twins. Function pointers passed
//     as callbacks stay pointing at the hot functions: the cold code never
//     reaches a synchronous callback (its helper call is substituted), and
//     asynchronous callbacks (timers, workqueues) must stay hot.
//   * The twin is internal, in ".text" and appended at the end of the
//     module: libbpf appends only the subprograms a program calls, so a
//     stock loader never sees it (libbpf.c: bpf_object__reloc_code()), and
//     the hot functions of ".text" keep their offsets. Its DISubprogram is
//     its own, named after it (CloneFunction keeps the hot debug name, and
//     BTF would carry two FUNCs of one name) and local to the unit like its
//     symbol (BTF linkage=static). Symbolic labels defined by inline asm in the
//     twin are renamed likewise ("l1:" -> "l1__cold:").
//
// USAGE:
//   opt -load-pass-plugin=build/lib/BPFCancel.so \
//       -passes=bpf-cancel-mark,bpf-cancel-twin -S in.ll
//
//===----------------------------------------------------------------------===//
#include "BPFCancel.h"
#include "BPFCancelMachineTwin.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Debug.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#define DEBUG_TYPE "bpf-cancel-twin"

using namespace llvm;
using namespace bpfcancel;

namespace {

bool isIdentChar(char C) {
  return isAlnum(C) || C == '_' || C == '.' || C == '$';
}

} // namespace

void bpfcancel::collectAsmLabels(StringRef Asm, StringSet<> &Labels) {
  for (size_t I = 0; I < Asm.size();) {
    if (!isIdentChar(Asm[I])) {
      ++I;
      continue;
    }
    size_t J = I;
    while (J < Asm.size() && isIdentChar(Asm[J]))
      ++J;
    bool AfterOperand = I >= 2 && (Asm.substr(I - 2, 2) == "%[" ||
                                   Asm.substr(I - 2, 2) == "${");
    if (J < Asm.size() && Asm[J] == ':' && !isDigit(Asm[I]) && !AfterOperand)
      Labels.insert(Asm.slice(I, J));
    I = J;
  }
}

std::string bpfcancel::renameAsmLabels(StringRef Asm,
                                       const StringSet<> &Labels) {
  std::string Out;
  for (size_t I = 0; I < Asm.size();) {
    if (!isIdentChar(Asm[I])) {
      Out += Asm[I++];
      continue;
    }
    size_t J = I;
    while (J < Asm.size() && isIdentChar(Asm[J]))
      ++J;
    StringRef Id = Asm.slice(I, J);
    bool AfterOperand = I >= 2 && (Asm.substr(I - 2, 2) == "%[" ||
                                   Asm.substr(I - 2, 2) == "${");
    Out += Id;
    if (!AfterOperand && Labels.count(Id))
      Out += TwinSuffix;
    I = J;
  }
  return Out;
}

namespace {

/// A twin is a second copy of its hot function in the same object, so
/// symbolic labels its inline asm defines (the naked verifier_*.c
/// selftests use "l1:") would be defined twice. Rename them in the twin;
/// the encoding is offset-based, so the instructions stay the same.
void renameTwinAsmLabels(Function &T) {
  StringSet<> Labels;
  for (Instruction &I : instructions(T))
    if (auto *CB = dyn_cast<CallBase>(&I))
      if (auto *IA = dyn_cast<InlineAsm>(CB->getCalledOperand()))
        collectAsmLabels(IA->getAsmString(), Labels);
  if (Labels.empty())
    return;
  for (Instruction &I : instructions(T)) {
    auto *CB = dyn_cast<CallBase>(&I);
    if (!CB)
      continue;
    auto *IA = dyn_cast<InlineAsm>(CB->getCalledOperand());
    if (!IA)
      continue;
    std::string NewAsm = renameAsmLabels(IA->getAsmString(), Labels);
    if (NewAsm == IA->getAsmString())
      continue;
    CB->setCalledOperand(
        InlineAsm::get(IA->getFunctionType(), NewAsm, IA->getConstraintString(),
                       IA->hasSideEffects(), IA->isAlignStack(),
                       IA->getDialect(), IA->canThrow()));
  }
}

/// Give every value the twins use the use-list order its hot counterpart
/// has. CloneFunction builds use lists in cloning order, and instruction
/// selection and register allocation can depend on use-list order (seen on
/// the kernel selftests: registers swapped between hot and twin), which
/// would break the 1:1 mapping. Uses by twin instructions are ordered like
/// the corresponding uses by hot instructions; other uses of shared
/// values (constants, globals) keep their relative order.
void matchUseListOrder(
    const DenseMap<const Instruction *, const Instruction *> &TwinToHot) {
  SetVector<Value *> Values;
  for (auto &[TI, HI] : TwinToHot)
    for (const Use &U : TI->operands())
      Values.insert(U.get());
  DenseMap<const Value *, DenseMap<const Use *, unsigned>> PosCache;
  auto PosIn = [&](const Use &U) -> unsigned {
    const Value *V = U.get();
    auto It = PosCache.find(V);
    if (It == PosCache.end()) {
      DenseMap<const Use *, unsigned> &M = PosCache[V];
      unsigned I = 0;
      for (const Use &X : V->uses())
        M[&X] = I++;
      It = PosCache.find(V);
    }
    return It->second.lookup(&U);
  };
  for (Value *V : Values) {
    if (V->use_empty() || V->hasOneUse() || isa<MetadataAsValue>(V))
      continue;
    DenseMap<const Use *, std::pair<unsigned, unsigned>> Key;
    unsigned Own = 0;
    bool Twin = false;
    for (const Use &U : V->uses()) {
      auto *UI = dyn_cast<Instruction>(U.getUser());
      auto It = UI ? TwinToHot.find(UI) : TwinToHot.end();
      if (It != TwinToHot.end() &&
          U.getOperandNo() < It->second->getNumOperands()) {
        Key[&U] = {PosIn(It->second->getOperandUse(U.getOperandNo())), 1};
        Twin = true;
      } else {
        Key[&U] = {Own, 0};
      }
      ++Own;
    }
    if (!Twin)
      continue;
    V->sortUseList(
        [&](const Use &L, const Use &R) { return Key[&L] < Key[&R]; });
    PosCache.erase(V);
  }
}

/// A distinct DISubprogram for the twin of the function HotSP describes:
/// named after the twin (BTF gets a FUNC "F__cold"; CloneFunction keeps the
/// hot name), and local to the unit like the twin's ELF symbol (STB_LOCAL):
/// BTF then says linkage=static. With linkage=global the libbpf linker
/// ("bpftool gen object") looks for a global symbol of that name, drops the
/// FUNC, and the twin's .BTF.ext func_info gets type_id 0.
DISubprogram *twinSubprogram(DISubprogram &HotSP, StringRef Name) {
  LLVMContext &Ctx = HotSP.getContext();
  auto Flags = HotSP.getSPFlags() | DISubprogram::SPFlagLocalToUnit |
               DISubprogram::SPFlagDefinition;
  Flags &= ~DISubprogram::SPFlagMainSubprogram;
  return DISubprogram::getDistinct(
      Ctx, HotSP.getScope(), Name, HotSP.getLinkageName().empty() ? "" : Name,
      HotSP.getFile(), HotSP.getLine(), HotSP.getType(), HotSP.getScopeLine(),
      HotSP.getContainingType(), HotSP.getVirtualIndex(),
      HotSP.getThisAdjustment(), HotSP.getFlags(), Flags, HotSP.getUnit(),
      HotSP.getTemplateParams(), /*Declaration=*/nullptr,
      /*RetainedNodes=*/nullptr, HotSP.getThrownTypes(), HotSP.getAnnotations(),
      HotSP.getTargetFuncName(), HotSP.getKeyInstructionsEnabled());
}

} // namespace

int bpfcancel::createTwins(Module &M, const Policy &P, MachineTwins *MT) {
  LLVMContext &Ctx = M.getContext();
  SmallVector<Function *, 16> Hot;
  for (Function &F : M)
    if (!F.isDeclaration() && F.hasFnAttribute(TwinAttr) &&
        !F.hasFnAttribute(TwinOfAttr) && !F.hasFnAttribute(DroppedAttr) &&
        !isInterposableDef(F))
      Hot.push_back(&F);

  DenseMap<Function *, Function *> TwinOf;
  DenseMap<const Instruction *, const Instruction *> TwinToHot;
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
    // The twin's DISubprogram: CloneFunction would make a distinct copy of
    // the hot one, keeping its name and linkage. Map the hot one to our own
    // instead (CloneFunction honours a pre-mapped subprogram and rescopes
    // the locations and variables to it).
    DISubprogram *HotSP = F->getSubprogram();
    DISubprogram *SP = HotSP ? twinSubprogram(*HotSP, Name) : nullptr;
    if (SP)
      VMap.MD()[HotSP].reset(SP);
    Function *T = CloneFunction(F, VMap);
    if (!MT)
      for (Instruction &I : instructions(*F))
        if (auto *TI = dyn_cast_or_null<Instruction>(VMap.lookup(&I)))
          TwinToHot[TI] = &I;
    T->setName(Name);
    T->setLinkage(GlobalValue::InternalLinkage);
    T->setVisibility(GlobalValue::DefaultVisibility);
    T->setDSOLocal(true);
    T->setComdat(nullptr);
    T->setSection(".text");
    T->removeFnAttr(TwinAttr);
    T->addFnAttr(TwinOfAttr, F->getName());
    if (SP) {
      assert(T->getSubprogram() == SP && "CloneFunction ignored the mapping");
      // Retained nodes: those the twin's code refers to, rescoped.
      SmallVector<Metadata *, 8> Retained;
      for (DINode *N : HotSP->getRetainedNodes())
        if (auto It = VMap.MD().find(N); It != VMap.MD().end() && It->second)
          Retained.push_back(It->second.get());
      if (!Retained.empty())
        SP->replaceRetainedNodes(MDTuple::get(Ctx, Retained));
    }
    if (!MT)
      renameTwinAsmLabels(*T);
    if (MT) {
      MachineTwins::Twin &Info = MT->ByTwin[T];
      Info.Hot = F;
      Info.SP = SP;
      MT->TwinOf[F] = T;
    }
    TwinOf[F] = T;
    Twins.push_back(T);
    LLVM_DEBUG(dbgs() << "bpf-cancel-twin: " << F->getName() << " -> " << Name
                      << "\n");
  }

  // With MT the twins' machine code is copied from their hot functions
  // (BPFCancelMachineTwin), which makes these edits there: the IR body is
  // only the source of the twin's debug metadata.
  Type *I64 = Type::getInt64Ty(Ctx);
  for (auto &[F, T] : MT ? decltype(TwinOf)() : TwinOf) {
    for (Instruction &I : instructions(*T)) {
      auto *CB = dyn_cast<CallBase>(&I);
      if (!CB)
        continue;
      if (isa<InlineAsm>(CB->getCalledOperand())) {
        // Inline asm that calls a kfunc through an operand
        // ("call %[bpf_iter_num_next]" with an "i" operand, as the
        // selftests write it) gets the marker id instead: "call
        // 2147483632", a relocation-free helper call of the same size.
        for (Use &Arg : CB->args()) {
          auto *K = dyn_cast<Function>(Arg->stripPointerCasts());
          if (K && K->isDeclaration() && !K->isIntrinsic() &&
              P.kfuncSite(K->getName()))
            Arg.set(ConstantExpr::getIntToPtr(
                ConstantInt::get(I64, MarkerHelperId), Arg->getType()));
        }
        continue;
      }
      // Not getCalledFunction(): a call through a cast function pointer
      // ("void (*p)(void *) = (void *)&bpf_list_pop_front; p(h)") has a
      // function type other than the callee's and is still a direct call.
      auto *Callee =
          dyn_cast<Function>(CB->getCalledOperand()->stripPointerCasts());
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
      CB->setCalledOperand(
          ConstantExpr::getIntToPtr(ConstantInt::get(I64, MarkerHelperId),
                                    CB->getCalledOperand()->getType()));
    }
  }
  if (!MT)
    matchUseListOrder(TwinToHot);
  // Nothing calls a twin before the .BPF.cancel section refers to it; keep
  // it through codegen.
  if (!Twins.empty())
    appendToCompilerUsed(M, Twins);
  return Twins.size();
}

PreservedAnalyses BPFCancelTwinPass::run(Module &M, ModuleAnalysisManager &) {
  if (!Triple(M.getTargetTriple()).isBPF())
    return PreservedAnalyses::all();
  const Policy *P = Policy::get(M.getContext());
  if (!P)
    return PreservedAnalyses::all();
  return createTwins(M, *P) > 0 ? PreservedAnalyses::none()
                                : PreservedAnalyses::all();
}
