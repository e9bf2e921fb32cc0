//===-- BPFCancelMachineTwin.cpp - twins copied from the final machine code ==//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FILE:
//   BPFCancelMachineTwin.cpp
//
// DESCRIPTION:
//   Code generation of a module whose twins are copied, instruction for
//   instruction, from the final machine code of their hot functions.
//
//   A twin F__cold must be F's instructions except at the cancellation
//   sites. Compiling a clone of F's IR gives that only as long as codegen
//   treats the two copies alike, and it does not for anything it
//   materialises per machine function: a constant pool entry (the de Bruijn
//   table of __builtin_ctz) is emitted once per function, so the twin's
//   ld_imm64 points at its own copy; a jump table (-mcpu=v4 switches) is
//   per function too. Compiling the clone also doubles the codegen time of
//   every twinned function. So the twin's IR is reduced to a stub that
//   returns (its DISubprogram, BTF prototype and symbol stay), codegen runs
//   as clang's, and one pass right before the AsmPrinter replaces each
//   stub's machine code with a copy of its hot function's final machine
//   code:
//
//   * blocks, successors and jump tables are copied with the twin's own
//     blocks (a twin's jump table sends it to its own code);
//   * a constant pool operand names the hot function's entry
//     (".LCPI<hot>_<n>", an external-symbol operand the BPF MC lowering
//     resolves by name), so hot and twin load the same bytes through the
//     same relocation;
//   * a call to a function that has a twin calls that twin; a call to a
//     kfunc the policy substitutes becomes a call to the marker helper id
//     (a kfunc operand of inline asm too), which the object phase rewrites
//     to its cold instruction; function addresses (callbacks) stay hot;
//   * symbolic labels that inline asm defines get the twin suffix (they
//     would be defined twice in the object);
//   * every instruction is at the twin's own function line, with no
//     variable locations (nothing reads a twin's lines: see copy()).
//
//   The hot function's MachineFunction is kept until its twin has been
//   copied (the pipeline's last pass frees it then), since the legacy pass
//   manager runs the whole pipeline function by function and twins come
//   last in the module. Anything the copy cannot reproduce is reported as a
//   problem of that twin; the object phase then drops it (BPFCancelObject).
//
//===----------------------------------------------------------------------===//
#include "BPFCancelMachineTwin.h"

#include "llvm/Analysis/RuntimeLibcallInfo.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/CodeGen/CodeGenTargetMachineImpl.h"
#include "llvm/CodeGen/MachineFrameInfo.h"
#include "llvm/CodeGen/MachineFunction.h"
#include "llvm/CodeGen/MachineFunctionPass.h"
#include "llvm/CodeGen/MachineInstr.h"
#include "llvm/CodeGen/MachineJumpTableInfo.h"
#include "llvm/CodeGen/MachineModuleInfo.h"
#include "llvm/CodeGen/TargetPassConfig.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

using namespace llvm;
using namespace bpfcancel;

namespace {

/// Copies each twin's machine code from its hot function (see above).
class TwinCopyPass : public MachineFunctionPass {
public:
  static char ID;
  TwinCopyPass(MachineTwins &T) : MachineFunctionPass(ID), T(T) {}
  StringRef getPassName() const override { return "bpfcancel twin copy"; }
  bool runOnMachineFunction(MachineFunction &MF) override;

private:
  MachineTwins &T;
  void copy(const MachineFunction &Hot, MachineFunction &MF);
};
char TwinCopyPass::ID = 0;

/// Replaces FreeMachineFunctionPass: keeps a hot function's machine code
/// until its twin has been copied.
class TwinFreePass : public FunctionPass {
public:
  static char ID;
  TwinFreePass(MachineTwins &T) : FunctionPass(ID), T(T) {}
  StringRef getPassName() const override { return "bpfcancel free"; }
  void getAnalysisUsage(AnalysisUsage &AU) const override {
    AU.addRequired<MachineModuleInfoWrapperPass>();
    AU.addPreserved<MachineModuleInfoWrapperPass>();
  }
  bool runOnFunction(Function &F) override;

private:
  MachineTwins &T;
};
char TwinFreePass::ID = 0;

bool TwinFreePass::runOnFunction(Function &F) {
  MachineModuleInfo &MMI =
      getAnalysis<MachineModuleInfoWrapperPass>().getMMI();
  if (auto It = T.ByTwin.find(&F); It != T.ByTwin.end()) {
    MMI.deleteMachineFunctionFor(*It->second.Hot);
    MMI.deleteMachineFunctionFor(F);
  } else if (!T.TwinOf.count(&F)) {
    MMI.deleteMachineFunctionFor(F);
  }
  return true;
}

bool TwinCopyPass::runOnMachineFunction(MachineFunction &MF) {
  auto It = T.ByTwin.find(&MF.getFunction());
  if (It == T.ByTwin.end())
    return false;
  const MachineTwins::Twin &P = It->second;
  Function *Hot = P.Hot;
  MachineModuleInfo &MMI =
      getAnalysis<MachineModuleInfoWrapperPass>().getMMI();
  const MachineFunction *HotMF = MMI.getMachineFunction(*Hot);
  if (!HotMF) {
    T.Problems.push_back({Hot->getName().str(), ~0u,
                          "no machine code for the hot function"});
    return false;
  }
  copy(*HotMF, MF);
  return true;
}

void TwinCopyPass::copy(const MachineFunction &Hot, MachineFunction &MF) {
  const std::string HotName = Hot.getName().str();
  auto Problem = [&](unsigned Insn, const Twine &Why) {
    T.Problems.push_back({HotName, Insn, Why.str()});
  };
  // (Computed goto never gets here: the object phase gives such a
  // function no twin, whichever way twins are made.)
  // The stub's own code (it only returns) goes.
  while (!MF.empty())
    MF.erase(MF.begin());
  MF.getProperties() = Hot.getProperties();
  MF.setAlignment(Hot.getAlignment());
  MF.setHasInlineAsm(Hot.hasInlineAsm());
  MachineFrameInfo &MFI = MF.getFrameInfo();
  MFI.setStackSize(Hot.getFrameInfo().getStackSize());
  MFI.setHasCalls(Hot.getFrameInfo().hasCalls());
  MFI.setAdjustsStack(Hot.getFrameInfo().adjustsStack());

  DenseMap<const MachineBasicBlock *, MachineBasicBlock *> BB;
  for (const MachineBasicBlock &HB : Hot) {
    MachineBasicBlock *TB = MF.CreateMachineBasicBlock();
    TB->setAlignment(HB.getAlignment());
    // Asm goto targets (can_loop's "may_goto %l[...]") and blocks whose
    // label must exist keep that property: the label is printed into the
    // twin's asm.
    if (HB.isInlineAsmBrIndirectTarget())
      TB->setIsInlineAsmBrIndirectTarget();
    if (HB.isMachineBlockAddressTaken())
      TB->setMachineBlockAddressTaken();
    if (HB.hasLabelMustBeEmitted())
      TB->setLabelMustBeEmitted();
    MF.push_back(TB);
    BB[&HB] = TB;
  }
  std::vector<unsigned> JTMap;
  if (const MachineJumpTableInfo *HJ = Hot.getJumpTableInfo()) {
    MachineJumpTableInfo *TJ = MF.getOrCreateJumpTableInfo(HJ->getEntryKind());
    for (const MachineJumpTableEntry &E : HJ->getJumpTables()) {
      std::vector<MachineBasicBlock *> Dest;
      for (MachineBasicBlock *D : E.MBBs)
        Dest.push_back(BB.lookup(D));
      JTMap.push_back(TJ->createJumpTableIndex(Dest));
    }
  }

  // Labels that inline asm defines, renamed in every asm string.
  StringSet<> Labels;
  for (const MachineBasicBlock &HB : Hot)
    for (const MachineInstr &MI : HB)
      if (MI.isInlineAsm())
        collectAsmLabels(
            MI.getOperand(InlineAsm::MIOp_AsmString).getSymbolName(), Labels);

  // Every instruction of the twin is at its function's line. The twin in
  // the object is a certificate that libbpf checks against the hot
  // function and never loads (the kernel builds cold code from the final
  // hot code), so per-instruction lines and variable locations would have
  // no reader: instruction i of the twin is at the line of hot instruction
  // i. They would cost a BTF line_info record each, and the BPF
  // AsmPrinter's string table lookup per record is linear.
  DISubprogram *SP = MF.getFunction().getSubprogram();
  DILocation *FuncLoc =
      SP ? DILocation::get(SP->getContext(), SP->getLine(), 0, SP) : nullptr;
  const DataLayout &DL = MF.getDataLayout();
  unsigned Insn = 0; // BPF instruction index of the current instruction
  for (const MachineBasicBlock &HB : Hot) {
    MachineBasicBlock *TB = BB[&HB];
    for (auto It = HB.succ_begin(); It != HB.succ_end(); ++It)
      TB->addSuccessor(BB.lookup(*It), HB.getSuccProbability(It));
    for (const auto &LI : HB.liveins())
      TB->addLiveIn(LI);
    for (const MachineInstr &HMI : HB) {
      unsigned Here = Insn;
      if (!HMI.isMetaInstruction())
        Insn += HMI.getDesc().getSize() > 8 ? 2 : 1;
      if (HMI.isBundle()) {
        Problem(Here, "an instruction bundle");
        return;
      }
      if (HMI.isDebugInstr())
        continue; // no variable locations (see FuncLoc)
      MachineInstr *MI = MF.CloneMachineInstr(&HMI);
      MI->setDebugLoc(FuncLoc);
      bool IsCall = MI->isCall() && !MI->isInlineAsm();
      for (unsigned OpI = 0; OpI < MI->getNumOperands(); ++OpI) {
        MachineOperand &MO = MI->getOperand(OpI);
        switch (MO.getType()) {
        case MachineOperand::MO_Metadata: // inline asm's !srcloc
        case MachineOperand::MO_Register:
        case MachineOperand::MO_Immediate:
        case MachineOperand::MO_CImmediate:
        case MachineOperand::MO_RegisterMask:
        case MachineOperand::MO_RegisterLiveOut:
          break;
        case MachineOperand::MO_MachineBasicBlock:
          MO.setMBB(BB.lookup(MO.getMBB()));
          break;
        case MachineOperand::MO_JumpTableIndex:
          if (unsigned(MO.getIndex()) >= JTMap.size()) {
            Problem(Here, "a jump table operand without its table");
            MF.deleteMachineInstr(MI);
            return;
          }
          MO.setIndex(JTMap[MO.getIndex()]);
          break;
        case MachineOperand::MO_ConstantPoolIndex: {
          // The hot function's entry, by its label (AsmPrinter::
          // GetCPISymbol): one table for both, at one offset.
          if (MO.getOffset()) {
            Problem(Here, "a constant pool operand with an offset");
            MF.deleteMachineInstr(MI);
            return;
          }
          std::string Name = (Twine(DL.getPrivateGlobalPrefix()) + "CPI" +
                              Twine(Hot.getFunctionNumber()) + "_" +
                              Twine(MO.getIndex()))
                                 .str();
          MO.ChangeToES(MF.createExternalSymbolName(Name),
                        MO.getTargetFlags());
          break;
        }
        case MachineOperand::MO_ExternalSymbol:
          if (MI->isInlineAsm() && OpI == InlineAsm::MIOp_AsmString &&
              !Labels.empty()) {
            std::string Asm = renameAsmLabels(MO.getSymbolName(), Labels);
            MO.ChangeToES(MF.createExternalSymbolName(Asm),
                          MO.getTargetFlags());
          }
          break;
        case MachineOperand::MO_GlobalAddress: {
          const auto *F = dyn_cast<Function>(MO.getGlobal());
          if (!F)
            break;
          bool CallOp = IsCall && OpI == 0;
          bool AsmOp = MI->isInlineAsm();
          if (CallOp)
            if (Function *Twin = T.TwinOf.lookup(F)) {
              MO.ChangeToGA(Twin, MO.getOffset(), MO.getTargetFlags());
              break;
            }
          // A substituted kfunc, called or passed to inline asm ("call
          // %[bpf_iter_num_next]"): the marker, a relocation-free helper
          // call of the same size.
          if ((CallOp || AsmOp) && F->isDeclaration() && !F->isIntrinsic() &&
              T.Pol.kfuncSite(F->getName()))
            MO.ChangeToImmediate(MarkerHelperId);
          break;
        }
        case MachineOperand::MO_MCSymbol:
        case MachineOperand::MO_BlockAddress:
        default:
          Problem(Here, "a machine operand the copy does not handle (kind " +
                            Twine(unsigned(MO.getType())) + ")");
          MF.deleteMachineInstr(MI);
          return;
        }
      }
      TB->push_back(MI);
    }
  }
}

} // namespace

bool bpfcancel::emitObjectWithTwins(Module &M, TargetMachine &TM,
                                    SmallVectorImpl<char> &Buf,
                                    MachineTwins *Twins) {
  raw_svector_ostream OS(Buf);
  legacy::PassManager PM;
  // As clang's EmitAssemblyHelper::AddEmitPasses: TLI and TTI first.
  TargetLibraryInfoImpl TLII(M.getTargetTriple());
  PM.add(new TargetLibraryInfoWrapperPass(TLII));
  PM.add(createTargetTransformInfoWrapperPass(TM.getTargetIRAnalysis()));
  if (!Twins || Twins->ByTwin.empty()) {
    if (TM.addPassesToEmitFile(PM, OS, nullptr, CodeGenFileType::ObjectFile))
      return false;
    PM.run(M);
    return true;
  }
  // CodeGenTargetMachineImpl::addPassesToEmitFile(), with the twin copy
  // before the AsmPrinter and a free pass that keeps hot functions until
  // their twins are copied. The runtime library info is the target's, as
  // addPassesToEmitFile() sets it up: a default one (what the pass manager
  // makes when nothing provides it) has no memset, and
  // PreISelIntrinsicLowering then expands a large memset into a loop where
  // clang emits stores (seen on pyperf*.c and scx_qmap.bpf.c).
  auto &CGTM = static_cast<CodeGenTargetMachineImpl &>(TM);
  PM.add(new RuntimeLibraryInfoWrapper(
      TM.getTargetTriple(), TM.Options.ExceptionModel,
      TM.Options.FloatABIType, TM.Options.EABIVersion,
      TM.Options.MCOptions.ABIName, TM.Options.VecLib));
  auto *MMIWP = new MachineModuleInfoWrapperPass(&CGTM);
  TargetPassConfig *PC = CGTM.createPassConfig(PM);
  PC->setDisableVerify(true);
  PM.add(PC);
  PM.add(MMIWP);
  if (PC->addISelPasses())
    return false;
  PC->addMachinePasses();
  PC->setInitialized();
  PM.add(new TwinCopyPass(*Twins));
  if (CGTM.addAsmPrinter(PM, OS, nullptr, CodeGenFileType::ObjectFile,
                         MMIWP->getMMI().getContext()))
    return false;
  PM.add(new TwinFreePass(*Twins));
  PM.run(M);
  return true;
}

void bpfcancel::stubTwinBodies(Module &M, MachineTwins &Twins) {
  for (auto &[TC, Info] : Twins.ByTwin) {
    auto *T = const_cast<Function *>(TC);
    T->deleteBody();
    // deleteBody() makes the function external and drops its !dbg; the
    // subprogram names the twin in BTF and DWARF.
    T->setLinkage(GlobalValue::InternalLinkage);
    T->setSection(".text");
    T->setSubprogram(Info.SP);
    BasicBlock *BB = BasicBlock::Create(M.getContext(), "stub", T);
    IRBuilder<> B(BB);
    Type *RT = T->getReturnType();
    if (RT->isVoidTy())
      B.CreateRetVoid();
    else
      B.CreateRet(Constant::getNullValue(RT));
  }
}
