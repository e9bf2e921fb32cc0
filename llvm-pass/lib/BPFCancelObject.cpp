//===-- BPFCancelObject.cpp - the object phase of -fbpf-cancellable ------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FILE:
//   BPFCancelObject.cpp
//
// DESCRIPTION:
//   Runs from the plugin's PreCodeGenCallback, i.e. where clang would run
//   its backend. Cancellation sites must be found on instructions, not on
//   IR: can_loop/cond_break (may_goto) and bpf_tail_call_static are inline
//   asm, naked functions are opaque, and a helper call may be created or
//   removed by codegen. The module is first copied as bitcode that keeps
//   use-list order (CloneModule does not, and instruction selection and
//   register allocation depend on it). Then:
//
//   Fast path (default), one codegen:
//     create the twins the IR asks for; reserve the .BPF.cancel block with
//     an upper bound of site slots; compile; read the sites from the
//     output's hot functions (identical to a build without the flag: the
//     twins come after them); fill in the block in place. If the object
//     shows a long function without a twin, or more sites than reserved,
//     start again on the full path from the copy.
//
//   Full path (-bpf-cancel-verify-hot, or the fallback), two codegens:
//   (a) compile the copy: the "plain" object, the exact object a build
//       without the flag gives;
//   (b) on plain, find the functions that are long at instruction level
//       (back-edges, may_goto, KF_ITER_NEXT and callback-helper calls) and
//       their callers; mark them and create the twins (BPFCancelTwin.cpp);
//   (c) list the sites of every hot function from plain; a site is the
//       index of one instruction of the hot function, and the twin has the
//       same index (1:1 mapping); find the loops no site cuts short;
//   (d) add the .BPF.cancel block (<uapi/linux/bpf_cancel.h>) as a
//       constant whose function records are ptrtoint references to hot and
//       cold functions (R_BPF_64_ABS64);
//   (e) compile the real module.
//
//   Both paths then:
//   (f) in place, turn each twin site into its cold instruction, and point
//       every .rel.BPF.cancel relocation at the function's own STT_FUNC
//       symbol with a zero stored addend (LLVM relocates local functions
//       against the section symbol, which the libbpf linker of
//       "bpftool gen object" refuses in a non-executable section);
//   (g) check the result: every twin equals its hot function except at the
//       sites, no site keeps a relocation, the runtime checker accepts the
//       object, and (full path) every hot function equals plain byte for
//       byte and relocation for relocation. Any problem is a located error
//       and no object is written;
//   (h) write the object; clang's own codegen is skipped.
//
//   Cold instructions (each replaces one instruction, DESIGN.md
//   "Substitutions"); every one is an outcome the verifier explored on the
//   hot copy (kernel/bpf/verifier.c):
//     ret-null, iter-next  call -> r0 = 0   mark_ptr_or_null_regs() explored
//                                           the NULL branch; for iterators
//                                           process_iter_next_call() the
//                                           drained state
//     callback             call -> r0 = imm push_callback_call(): the path
//                                           with zero callback runs
//     tail-call            call -> ja +0    check_helper_call(): a failed
//                                           tail call falls through
//     may-goto             may_goto +off -> ja +off  check_cond_jmp_op()
//                                           BPF_JCOND explores the exit
//
//   Remarks (-Rpass=bpf-cancel etc.) report every site, every loop that no
//   site cuts short, and why each function got a twin.
//
//===----------------------------------------------------------------------===//
#include "BPFCancel.h"
#include "BPFCancelMachineTwin.h"
#include "BPFCancelRuntime.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DiagnosticHandler.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/LLVMRemarkStreamer.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassTimingInfo.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TimeProfiler.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <map>

#define DEBUG_TYPE "bpf-cancel"

using namespace llvm;
using namespace bpfcancel;
namespace endian = llvm::support::endian;

static cl::opt<bool> VerifyHot(
    "bpf-cancel-verify-hot", cl::init(false),
    cl::desc("BPF: also compile the module without twins and check that "
             "every hot function of the output is identical to it (one "
             "more codegen)"));

static cl::opt<bool> Trace("bpf-cancel-trace", cl::Hidden, cl::init(false),
                           cl::desc("BPF: say which object path is taken"));

static cl::opt<std::string> SavePlain(
    "bpf-cancel-save-plain", cl::Hidden, cl::init(""),
    cl::desc("BPF: write the object compiled without twins to this file"));

static cl::opt<bool> CopyTwins(
    "bpf-cancel-copy-twins", cl::Hidden, cl::init(true),
    cl::desc("BPF: copy each twin from its hot function's final machine "
             "code (BPFCancelMachineTwin.cpp); =false compiles the IR "
             "clones instead (slower; per-function data such as constant "
             "pools then differ and those twins are dropped)"));

static cl::opt<std::string> InjectDiff(
    "bpf-cancel-inject-diff", cl::Hidden, cl::init(""),
    cl::desc("BPF (testing): change one instruction of this function's twin "
             "after it is made, as a codegen divergence would; the check "
             "must drop the twin"));

namespace {

//===----------------------------------------------------------------------===//
// A minimal reader of ELF64 little-endian BPF relocatable objects, with
// the file offsets the in-place post-processing needs.
//===----------------------------------------------------------------------===//

constexpr unsigned SHT_SYMTAB = 2, SHT_REL = 9;
constexpr uint64_t SHF_EXECINSTR = 4;
constexpr unsigned STT_FUNC = 2, STT_SECTION = 3;
constexpr unsigned R_BPF_64_ABS64 = 2;

struct Section {
  std::string Name;
  uint32_t Type = 0, Link = 0, Info = 0;
  uint64_t Flags = 0, Offset = 0, Size = 0;
};

struct Symbol {
  std::string Name;
  uint8_t Type = 0, Bind = 0;
  uint16_t Shndx = 0;
  uint64_t Value = 0, Size = 0;
};

struct Reloc {
  uint64_t Offset; // in the target section
  uint32_t Type;
  uint32_t Sym;
  uint64_t FileOff; // of the Elf64_Rel entry
};

struct ObjFunc {
  std::string Name;
  unsigned Sec = 0, Sym = 0;
  uint64_t Off = 0, Size = 0; // bytes in the section
  bool Local = false;
  unsigned insnCnt() const { return Size / 8; }
};

struct Insn {
  uint8_t Code, Dst, Src;
  int16_t Off;
  int32_t Imm;
};

class ElfObject {
public:
  bool parse(ArrayRef<uint8_t> Data, std::string &Err);

  ArrayRef<uint8_t> Data;
  std::vector<Section> Secs;
  std::vector<Symbol> Syms;
  unsigned SymtabSec = 0;
  std::map<unsigned, std::map<uint64_t, Reloc>> Relocs; // by target section
  std::vector<ObjFunc> Funcs;
  StringMap<unsigned> FuncByName;

  const ObjFunc *func(StringRef Name) const {
    auto It = FuncByName.find(Name);
    return It == FuncByName.end() ? nullptr : &Funcs[It->second];
  }
  Insn insn(const ObjFunc &F, unsigned I) const {
    const uint8_t *P = Data.data() + Secs[F.Sec].Offset + F.Off + 8 * I;
    return {P[0], uint8_t(P[1] & 0xf), uint8_t(P[1] >> 4),
            int16_t(endian::read16le(P + 2)), int32_t(endian::read32le(P + 4))};
  }
  const Reloc *reloc(const ObjFunc &F, unsigned I) const {
    auto It = Relocs.find(F.Sec);
    if (It == Relocs.end())
      return nullptr;
    auto R = It->second.find(F.Off + 8 * I);
    return R == It->second.end() ? nullptr : &R->second;
  }
  /// Function starting at byte Off of section Sec.
  const ObjFunc *funcAt(unsigned Sec, uint64_t Off) const {
    for (const ObjFunc &F : Funcs)
      if (F.Sec == Sec && F.Off == Off)
        return &F;
    return nullptr;
  }
  /// Target function of pseudo call I of F (src_reg 1), or nullptr.
  const ObjFunc *callee(const ObjFunc &F, unsigned I) const;
};

template <typename T> bool readAt(ArrayRef<uint8_t> D, uint64_t Off, T &V) {
  if (Off > D.size() || D.size() - Off < sizeof(T))
    return false;
  V = endian::read<T, llvm::endianness::little>(D.data() + Off);
  return true;
}

bool ElfObject::parse(ArrayRef<uint8_t> D, std::string &Err) {
  Data = D;
  auto Bad = [&](const Twine &Why) {
    Err = ("malformed object from codegen: " + Why).str();
    return false;
  };
  if (D.size() < 64 || memcmp(D.data(),
                              "\x7f"
                              "ELF\x02\x01",
                              6))
    return Bad("not ELF64 little-endian");
  uint64_t ShOff;
  uint16_t ShEntSize, ShNum, ShStrNdx;
  readAt(D, 0x28, ShOff);
  readAt(D, 0x3a, ShEntSize);
  readAt(D, 0x3c, ShNum);
  readAt(D, 0x3e, ShStrNdx);
  if (ShEntSize != 64 || ShOff + uint64_t(ShNum) * 64 > D.size() ||
      ShStrNdx >= ShNum)
    return Bad("section headers");
  Secs.resize(ShNum);
  std::vector<uint32_t> NameOff(ShNum);
  for (unsigned I = 0; I < ShNum; ++I) {
    uint64_t H = ShOff + 64 * I;
    Section &S = Secs[I];
    readAt(D, H, NameOff[I]);
    readAt(D, H + 4, S.Type);
    readAt(D, H + 8, S.Flags);
    readAt(D, H + 24, S.Offset);
    readAt(D, H + 32, S.Size);
    readAt(D, H + 40, S.Link);
    readAt(D, H + 44, S.Info);
    if (S.Type != 8 /*SHT_NOBITS*/ && S.Offset + S.Size > D.size())
      return Bad("section " + Twine(I) + " out of bounds");
  }
  auto Str = [&](const Section &S, uint32_t Off) -> std::string {
    if (Off >= S.Size)
      return "";
    const char *P = (const char *)D.data() + S.Offset + Off;
    return std::string(P, strnlen(P, S.Size - Off));
  };
  for (unsigned I = 0; I < ShNum; ++I)
    Secs[I].Name = Str(Secs[ShStrNdx], NameOff[I]);

  for (unsigned I = 0; I < ShNum; ++I) {
    if (Secs[I].Type != SHT_SYMTAB)
      continue;
    SymtabSec = I;
    const Section &S = Secs[I];
    if (S.Link >= ShNum)
      return Bad("symtab link");
    for (uint64_t O = 0; O + 24 <= S.Size; O += 24) {
      Symbol Y;
      uint32_t NameOff;
      uint8_t Info;
      readAt(D, S.Offset + O, NameOff);
      readAt(D, S.Offset + O + 4, Info);
      readAt(D, S.Offset + O + 6, Y.Shndx);
      readAt(D, S.Offset + O + 8, Y.Value);
      readAt(D, S.Offset + O + 16, Y.Size);
      Y.Type = Info & 0xf;
      Y.Bind = Info >> 4;
      Y.Name = Str(Secs[S.Link], NameOff);
      if (Y.Type == STT_SECTION && Y.Shndx < ShNum)
        Y.Name = Secs[Y.Shndx].Name;
      Syms.push_back(std::move(Y));
    }
  }
  for (unsigned I = 0; I < ShNum; ++I) {
    const Section &S = Secs[I];
    if (S.Type != SHT_REL)
      continue;
    for (uint64_t O = 0; O + 16 <= S.Size; O += 16) {
      uint64_t ROff, RInfo;
      readAt(D, S.Offset + O, ROff);
      readAt(D, S.Offset + O + 8, RInfo);
      Relocs[S.Info][ROff] = {ROff, uint32_t(RInfo), uint32_t(RInfo >> 32),
                              S.Offset + O};
    }
  }
  for (unsigned I = 0; I < Syms.size(); ++I) {
    const Symbol &Y = Syms[I];
    if (Y.Type != STT_FUNC || Y.Shndx == 0 || Y.Shndx >= ShNum ||
        !(Secs[Y.Shndx].Flags & SHF_EXECINSTR))
      continue;
    if (Y.Value % 8 || Y.Size % 8 || Y.Value + Y.Size > Secs[Y.Shndx].Size)
      return Bad("function '" + Y.Name + "' out of its section");
    ObjFunc F;
    F.Name = Y.Name;
    F.Sec = Y.Shndx;
    F.Sym = I;
    F.Off = Y.Value;
    F.Size = Y.Size;
    F.Local = Y.Bind == 0;
    FuncByName[F.Name] = Funcs.size();
    Funcs.push_back(std::move(F));
  }
  return true;
}

const ObjFunc *ElfObject::callee(const ObjFunc &F, unsigned I) const {
  Insn In = insn(F, I);
  if (const Reloc *R = reloc(F, I)) {
    if (R->Sym >= Syms.size())
      return nullptr;
    const Symbol &Y = Syms[R->Sym];
    // libbpf: target = sym_off / 8 + imm + 1 (bpf_program__record_reloc()).
    int64_t Target = int64_t(Y.Value / 8) + In.Imm + 1;
    if (Target < 0)
      return nullptr;
    return funcAt(Y.Shndx, Target * 8);
  }
  int64_t Target = int64_t(F.Off / 8) + I + In.Imm + 1;
  return Target < 0 ? nullptr : funcAt(F.Sec, Target * 8);
}

// BPF opcodes (include/uapi/linux/bpf.h).
constexpr uint8_t BPF_CLASS_MASK = 0x07;
constexpr uint8_t OpCall = 0x85, OpJcond = 0xe5, OpLdImm64 = 0x18;
constexpr uint8_t PseudoCall = 1;

/// Name of the kfunc called by insn I of F, or "". In a relocatable object
/// a kfunc call is "call -1" with src_reg BPF_PSEUDO_CALL (libbpf sets
/// BPF_PSEUDO_KFUNC_CALL when it resolves the extern) and a relocation
/// against an undefined symbol.
StringRef kfuncCallee(const ElfObject &O, const ObjFunc &F, unsigned I,
                      const Insn &In) {
  if (In.Code != OpCall || In.Src == 0)
    return "";
  const Reloc *R = O.reloc(F, I);
  if (!R || R->Sym >= O.Syms.size() || O.Syms[R->Sym].Shndx != 0)
    return "";
  return O.Syms[R->Sym].Name;
}

struct Site {
  unsigned Insn;
  SiteKind Kind;
  int32_t Imm;
  std::string What; // "bpf_map_lookup_elem", "may_goto", ...
};

struct HotInfo {
  std::string Reason; // why long, "" if not long on its own
  std::vector<Site> Sites;
  std::vector<std::pair<unsigned, unsigned>> UncutLoops; // [head, latch]
};

/// Classify insn I of hot function F: a site, or None.
Site classify(const ElfObject &O, const ObjFunc &F, unsigned I,
              const Policy &P) {
  Insn In = O.insn(F, I);
  if (In.Code == OpJcond && In.Src == 0)
    return {I, SiteKind::MayGoto, 0, "may_goto"};
  if (In.Code != OpCall)
    return {I, SiteKind::None, 0, ""};
  if (In.Src == 0) {
    if (const PolicyEntry *E = P.helperSite(uint32_t(In.Imm)))
      return {I, E->Kind, E->Imm, E->Name};
  } else {
    StringRef K = kfuncCallee(O, F, I, In);
    if (!K.empty())
      if (const PolicyEntry *E = P.kfuncSite(K))
        return {I, E->Kind, E->Imm, E->Name};
  }
  return {I, SiteKind::None, 0, ""};
}

HotInfo analyseHot(const ElfObject &O, const ObjFunc &F, const Policy &P) {
  HotInfo H;
  unsigned N = F.insnCnt();
  for (unsigned I = 0; I < N; ++I) {
    Insn In = O.insn(F, I);
    if (In.Code == OpLdImm64) {
      ++I;
      continue;
    }
    Site S = classify(O, F, I, P);
    if (S.Kind != SiteKind::None) {
      H.Sites.push_back(S);
      if (H.Reason.empty()) {
        if (S.Kind == SiteKind::MayGoto)
          H.Reason = "may-goto";
        else if (S.Kind == SiteKind::IterNext)
          H.Reason = "iter-next:" + S.What;
        else if (S.Kind == SiteKind::Callback)
          H.Reason = "callback:" + S.What;
      }
    }
  }
  ArrayRef<uint8_t> Code = O.Data.slice(O.Secs[F.Sec].Offset + F.Off, F.Size);
  if ((H.Reason.empty() || H.Reason == "may-goto") && runtimeHasLoop(Code))
    H.Reason = "loop";
  std::vector<RtSite> RS;
  for (const Site &S : H.Sites)
    RS.push_back({S.Insn, uint16_t(S.Kind), S.Imm});
  H.UncutLoops = runtimeUncutLoops(Code, RS);
  return H;
}

/// Source lines of object instructions, from DWARF (-g).
class LineTable {
public:
  LineTable(ArrayRef<uint8_t> Obj) {
    auto OF = object::ObjectFile::createObjectFile(MemoryBufferRef(
        StringRef((const char *)Obj.data(), Obj.size()), "plain"));
    if (!OF) {
      consumeError(OF.takeError());
      return;
    }
    File = std::move(*OF);
    DCtx = DWARFContext::create(
        *File, DWARFContext::ProcessDebugRelocations::Process, nullptr, "",
        [](Error E) { consumeError(std::move(E)); },
        [](Error E) { consumeError(std::move(E)); });
  }
  std::optional<DILineInfo> lookup(unsigned Sec, uint64_t Off) {
    if (!DCtx)
      return std::nullopt;
    auto LI = DCtx->getLineInfoForAddress(
        {Off, Sec}, DILineInfoSpecifier(
                        DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath,
                        DILineInfoSpecifier::FunctionNameKind::None));
    if (!LI || LI->Line == 0)
      return std::nullopt;
    return LI;
  }

private:
  std::unique_ptr<object::ObjectFile> File;
  std::unique_ptr<DWARFContext> DCtx;
};

/// The state of the TargetMachine that codegen may change. clang hands the
/// plugin the TargetMachine it would compile with; one codegen can leave it
/// changed: BPFDAGToDAGISel keeps SelectionDAGISel's default opt level, so
/// for an optnone function (everything at -O0) OptLevelChanger switches the
/// TargetMachine to None and "restores" it to Default, not to what it was.
/// A second codegen in the process would then run the optimising pipeline
/// (LSR, greedy register allocation). Every codegen starts from the state
/// clang gave.
struct TMState {
  explicit TMState(TargetMachine &TM)
      : OptLevel(TM.getOptLevel()), Options(TM.Options),
        O0WantsFastISel(TM.getO0WantsFastISel()) {}
  void restore(TargetMachine &TM) const {
    TM.setOptLevel(OptLevel);
    TM.Options = Options;
    TM.setO0WantsFastISel(O0WantsFastISel);
  }
  CodeGenOptLevel OptLevel;
  TargetOptions Options;
  bool O0WantsFastISel;
};

/// One step of the object phase, timed in its own group of -ftime-report
/// ("bpfcancel object phase") and as a -ftime-trace scope.
class Step {
public:
  Step(StringRef Name, StringRef Desc)
      : Timer(Name, Desc, "bpfcancel", "bpfcancel object phase",
              TimePassesIsEnabled),
        Trace(Desc) {}

private:
  NamedRegionTimer Timer;
  TimeTraceScope Trace;
};

class ObjectPhase {
public:
  ObjectPhase(Module &M, TargetMachine &TM, const Policy &P)
      : MP(&M), TM(TM), InitialTM(TM), P(P), Ctx(M.getContext()) {}
  bool run(raw_pwrite_stream &OS);

private:
  /// Done; Fallback: take the full path; Again: the fast path once more,
  /// knowing what the object showed; Retry: twins were dropped, start
  /// again without them.
  enum class Outcome { Done, Fallback, Again, Retry };
  /// What earlier fast attempts learnt from their objects: functions long
  /// only at instruction level (inline asm loops) and their callers, and
  /// how many sites there are.
  StringMap<std::string> LongInObject;
  unsigned MinSites = 0, FastAgain = 0;
  /// Codegens run for this module (one on the fast path).
  unsigned Codegens = 0;
  Module *MP;
  std::unique_ptr<Module> Owned; // the fallback's copy
  Module &mod() { return *MP; }
  TargetMachine &TM;
  const TMState InitialTM;
  const Policy &P;
  LLVMContext &Ctx;

  /// Compile M to an object in Buf, from the TargetMachine state clang
  /// gave (see TMState).
  bool emit(Module &M, SmallVectorImpl<char> &Buf,
            MachineTwins *Twins = nullptr) {
    Step S("codegen", "bpfcancel: codegen");
    ++Codegens;
    InitialTM.restore(TM);
    bool Ok = emitObjectWithTwins(M, TM, Buf, Twins);
    InitialTM.restore(TM);
    return Ok;
  }

  SmallVector<char, 0> PlainBuf, FinalBuf;
  /// The object whose DWARF gives site lines (plain, or the output).
  ArrayRef<uint8_t> LineData;
  /// Site slots reserved in .BPF.cancel before codegen (fast path).
  unsigned SiteCapacity = 0;
  ElfObject Plain, Final;
  std::unique_ptr<LineTable> Lines;
  /// Hot functions with a twin, in .BPF.cancel order.
  std::vector<std::string> Pairs;
  std::map<std::string, HotInfo> Info;
  unsigned NumErrors = 0;
  bool NoExactLines = false;

  /// A twin that could not be made equal to its function. The function
  /// keeps no twin (and loads as a plain function); the compile goes on.
  struct Drop {
    std::string Func;
    unsigned Insn; // ~0u: no instruction in particular
    std::string Why;
    DiagnosticLocation Loc;
  };
  /// Dropped in earlier attempts (kept out of every later one), and in
  /// this one.
  std::vector<Drop> Dropped, Pending;
  /// No twin at all: a problem no single twin explains.
  bool DropAllTwins = false, PendingAll = false;
  std::string DropAllWhy;
  std::unique_ptr<MachineTwins> MT;
  void drop(const std::string &Func, unsigned Insn, const Twine &Why);
  void dropAll(const Twine &Why);
  void dropComputedGoto();
  void reset(ArrayRef<char> Bitcode);
  bool twinProblems();
  void dropDiagnostics();

  DiagnosticLocation locate(Function *F, unsigned Sec, uint64_t Off);
  void error(Function *F, const DiagnosticLocation &Loc, const Twine &Msg);
  void analysePlain(StringMap<std::string> &Extra);
  void addCancelSection(bool Placeholder);
  bool patchCancelSection();
  bool postProcess();
  void retargetTwinCalls();
  void injectDiff();
  /// The instruction indexes of hot function N's sites.
  DenseSet<unsigned> siteSet(const std::string &N) {
    DenseSet<unsigned> Set;
    for (const Site &S : Info[N].Sites)
      Set.insert(S.Insn);
    return Set;
  }
  void checkFinal(bool AgainstPlain);
  void remarks();
  bool collectPairs(const ElfObject &O);
  Outcome runFast();
  Outcome runFull(ArrayRef<char> Bitcode);
};

DiagnosticLocation ObjectPhase::locate(Function *F, unsigned Sec,
                                       uint64_t Off) {
  DISubprogram *SP = F ? F->getSubprogram() : nullptr;
  if (!SP) {
    NoExactLines = true;
    return DiagnosticLocation();
  }
  if (!Lines) {
    Step S("lines", "bpfcancel: line table");
    Lines = std::make_unique<LineTable>(LineData);
  }
  std::optional<DILineInfo> LI = Lines->lookup(Sec, Off);
  if (!LI) {
    // -Rpass without -g: clang tracks locations for remarks but writes no
    // line table, so only the function is known.
    NoExactLines = true;
    return DiagnosticLocation(SP);
  }
  DIFile *File = DIFile::get(Ctx, LI->FileName, "");
  DIScope *Scope = SP;
  if (SP->getFile() && SP->getFile()->getFilename() != LI->FileName)
    Scope = DILexicalBlockFile::get(Ctx, SP, File, 0);
  return DiagnosticLocation(DebugLoc(
      DILocation::get(Ctx, LI->Line, LI->Column, cast<DILocalScope>(Scope))));
}

void ObjectPhase::error(Function *F, const DiagnosticLocation &Loc,
                        const Twine &Msg) {
  ++NumErrors;
  if (F)
    Ctx.diagnose(DiagnosticInfoUnsupported(*F, "bpfcancel: " + Msg, Loc));
  else
    reportError(Ctx, Msg);
}

void ObjectPhase::drop(const std::string &Func, unsigned Insn,
                       const Twine &Why) {
  for (const Drop &D : Pending)
    if (D.Func == Func)
      return; // one reason is enough
  Function *F = mod().getFunction(Func);
  DiagnosticLocation Loc;
  const ObjFunc *PF = Plain.func(Func);
  if (F && PF && Insn != ~0u)
    Loc = locate(F, PF->Sec, PF->Off + 8 * Insn);
  else if (F && F->getSubprogram())
    Loc = DiagnosticLocation(F->getSubprogram());
  Pending.push_back({Func, Insn, Why.str(), Loc});
}

/// Computed goto (-mcpu=v4): a table of the function's own block
/// addresses is a global relocated against its code, which a twin would
/// share and jump back into the hot function through. Such a function gets
/// no twin.
void ObjectPhase::dropComputedGoto() {
  for (Function &F : mod()) {
    if (F.isDeclaration() || !F.hasFnAttribute(TwinAttr) ||
        F.hasFnAttribute(DroppedAttr) ||
        none_of(F, [](const BasicBlock &BB) { return BB.hasAddressTaken(); }))
      continue;
    F.addFnAttr(DroppedAttr, "computed-goto");
    if (none_of(Dropped, [&](const Drop &D) { return D.Func == F.getName(); }))
      Dropped.push_back(
          {F.getName().str(), ~0u,
           "it takes the address of its own code (computed goto), which "
           "would lead its twin back into it",
           F.getSubprogram() ? DiagnosticLocation(F.getSubprogram())
                             : DiagnosticLocation()});
  }
}

void ObjectPhase::dropAll(const Twine &Why) {
  if (!PendingAll)
    DropAllWhy = Why.str();
  PendingAll = true;
}

/// Twins whose machine code could not be copied (BPFCancelMachineTwin).
bool ObjectPhase::twinProblems() {
  for (const MachineTwins::Problem &Pr : MT ? MT->Problems
                                            : std::vector<MachineTwins::Problem>())
    drop(Pr.Func, Pr.Insn, "its machine code cannot be copied: " + Pr.Why);
  return !Pending.empty();
}

/// Start again from the copy of the module, without the twins dropped so
/// far, in this context so that diagnostics reach clang.
void ObjectPhase::reset(ArrayRef<char> Bitcode) {
  Expected<std::unique_ptr<Module>> Copy = parseBitcodeFile(
      MemoryBufferRef(StringRef(Bitcode.data(), Bitcode.size()), "copy"), Ctx);
  if (!Copy) {
    reportError(Ctx, "cannot copy the module: " + toString(Copy.takeError()));
    ++NumErrors;
    return;
  }
  Owned = std::move(*Copy);
  MP = Owned.get();
  for (Drop &D : Pending)
    Dropped.push_back(std::move(D));
  Pending.clear();
  DropAllTwins |= PendingAll;
  PendingAll = false;
  for (Function &F : mod()) {
    if (F.isDeclaration())
      continue;
    bool Out = DropAllTwins;
    for (const Drop &D : Dropped)
      Out |= D.Func == F.getName();
    if (Out)
      F.addFnAttr(DroppedAttr, "dropped");
  }
  FinalBuf.clear();
  PlainBuf.clear();
  Final = ElfObject();
  Plain = ElfObject();
  Lines.reset();
  Pairs.clear();
  Info.clear();
  SiteCapacity = 0;
  MT.reset();
}

/// -Wbpf-cancel (on by default) and -Rpass-missed=bpf-cancel for every
/// twin dropped: the function loads and runs as a plain function.
void ObjectPhase::dropDiagnostics() {
  const DiagnosticHandler *DH = Ctx.getDiagHandlerPtr();
  bool Missed = Ctx.getLLVMRemarkStreamer() ||
                DH->isMissedOptRemarkEnabled(DEBUG_TYPE);
  auto Report = [&](Function *F, const DiagnosticLocation &Loc,
                    const std::string &Msg) {
    if (Missed && F) {
      OptimizationRemarkMissed Rem(DEBUG_TYPE, "DroppedTwin", Loc,
                                   &F->getEntryBlock());
      Rem << Msg;
      Ctx.diagnose(Rem);
    }
    if (getWarnLevel() == WarnLevel::None)
      return;
    DiagnosticSeverity Sev =
        getWarnLevel() == WarnLevel::Error ? DS_Error : DS_Warning;
    if (F)
      Ctx.diagnose(
          DiagnosticInfoUnsupported(*F, Msg + " [-Wbpf-cancel]", Loc, Sev));
    else
      Ctx.diagnose(DiagnosticInfoGeneric(
          Twine("bpfcancel: ") + Msg + " [-Wbpf-cancel]", Sev));
  };
  if (DropAllTwins) {
    Report(nullptr, DiagnosticLocation(),
           "no function of this object gets a cold twin (" + DropAllWhy +
               "): it loads and runs as a plain object");
    return;
  }
  for (const Drop &D : Dropped) {
    std::string Msg = "'" + D.Func + "' gets no cold twin: " + D.Why;
    if (D.Insn != ~0u)
      Msg += " (insn " + std::to_string(D.Insn) + ")";
    Msg += "; it loads and runs as a plain function";
    Report(mod().getFunction(D.Func), D.Loc, Msg);
  }
}

void ObjectPhase::analysePlain(StringMap<std::string> &Extra) {
  Step S("analyse", "bpfcancel: hot code analysis");
  // Long at instruction level, then closed over the object's call graph.
  DenseMap<unsigned, SmallVector<unsigned, 4>> Callers;
  std::vector<unsigned> Work;
  for (unsigned I = 0; I < Plain.Funcs.size(); ++I) {
    const ObjFunc &F = Plain.Funcs[I];
    HotInfo H = analyseHot(Plain, F, P);
    if (!H.Reason.empty()) {
      Extra[F.Name] = H.Reason;
      Work.push_back(I);
    }
    Info[F.Name] = std::move(H);
    for (unsigned J = 0; J < F.insnCnt(); ++J) {
      Insn In = Plain.insn(F, J);
      if (In.Code == OpCall && In.Src == PseudoCall &&
          kfuncCallee(Plain, F, J, In).empty())
        if (const ObjFunc *C = Plain.callee(F, J))
          Callers[C - Plain.Funcs.data()].push_back(I);
    }
  }
  for (unsigned W = 0; W < Work.size(); ++W)
    for (unsigned C : Callers.lookup(Work[W]))
      if (!Extra.count(Plain.Funcs[C].Name)) {
        Extra[Plain.Funcs[C].Name] = "calls:" + Plain.Funcs[Work[W]].Name;
        Work.push_back(C);
      }
}

/// Adds the .BPF.cancel block. With Placeholder, the sites are not known
/// yet (fast path): the block gets SiteCapacity zeroed site slots and
/// zeroed counts, which patchCancelSection() fills in on the object.
void ObjectPhase::addCancelSection(bool Placeholder) {
  Type *I16 = Type::getInt16Ty(Ctx), *I32 = Type::getInt32Ty(Ctx),
       *I64 = Type::getInt64Ty(Ctx);
  unsigned SiteCnt = 0;
  if (Placeholder)
    SiteCnt = SiteCapacity;
  else
    for (const std::string &N : Pairs)
      SiteCnt += Info[N].Sites.size();
  const unsigned HdrLen = 40, FuncRec = 32, SiteRec = 16;
  unsigned FuncOff = HdrLen, SiteOff = FuncOff + FuncRec * Pairs.size();
  unsigned Total = SiteOff + SiteRec * SiteCnt;

  SmallVector<Constant *, 64> Fields;
  auto U16 = [&](uint64_t V) { Fields.push_back(ConstantInt::get(I16, V)); };
  auto U32 = [&](uint64_t V) { Fields.push_back(ConstantInt::get(I32, V)); };
  // struct bpf_cancel_hdr
  U32(0x43465042); // BPF_CANCEL_MAGIC
  U16(1);          // BPF_CANCEL_VERSION
  U16(HdrLen);
  U32(Total);
  U16(FuncRec);
  U16(SiteRec);
  U32(Pairs.size());
  U32(FuncOff);
  U32(SiteCnt);
  U32(SiteOff);
  U32(0); // flags
  U32(0); // reserved
  unsigned SiteIdx = 0;
  for (const std::string &N : Pairs) {
    Function *Hot = mod().getFunction(N);
    Function *Cold = mod().getFunction(N + TwinSuffix);
    const HotInfo &H = Info[N];
    // struct bpf_cancel_func
    Fields.push_back(ConstantExpr::getPtrToInt(Hot, I64));
    Fields.push_back(ConstantExpr::getPtrToInt(Cold, I64));
    if (Placeholder) {
      U32(0);
      U32(0);
      U32(0);
      U32(0);
      continue;
    }
    U32(Plain.func(N)->insnCnt());
    U32(SiteIdx);
    U32(H.Sites.size());
    U32(H.UncutLoops.size());
    SiteIdx += H.Sites.size();
  }
  for (unsigned I = 0; Placeholder && I < SiteCnt; ++I) {
    U32(0);
    U16(0);
    U16(0);
    U32(0);
    U32(0);
  }
  for (const std::string &N : Pairs)
    for (const Site &S : Placeholder ? std::vector<Site>() : Info[N].Sites) {
      // struct bpf_cancel_site
      U32(S.Insn);
      U16(unsigned(S.Kind));
      U16(0);
      U32(uint32_t(S.Imm));
      U32(0);
    }
  SmallVector<Type *, 64> Types;
  for (Constant *C : Fields)
    Types.push_back(C->getType());
  auto *Ty = StructType::get(Ctx, Types, /*isPacked=*/true);
  auto *GV = new GlobalVariable(
      mod(), Ty, /*isConstant=*/true, GlobalValue::InternalLinkage,
      ConstantStruct::get(Ty, Fields), "__bpf_cancel_block");
  GV->setSection(".BPF.cancel");
  GV->setAlignment(Align(8));
  appendToCompilerUsed(mod(), {GV});
}

bool ObjectPhase::postProcess() {
  Step S("rewrite", "bpfcancel: object rewrite");
  auto Buf =
      MutableArrayRef<uint8_t>((uint8_t *)FinalBuf.data(), FinalBuf.size());
  // Cold instructions.
  for (const std::string &N : Pairs) {
    const ObjFunc *Cold = Final.func(N + TwinSuffix);
    const ObjFunc *Hot = Final.func(N);
    if (!Cold || !Hot) {
      drop(N, ~0u, "the function or its twin is missing from the object");
      continue;
    }
    if (Cold->Size != Hot->Size) {
      drop(N, ~0u,
           "its twin has " + Twine(Cold->insnCnt()) +
               " instructions, the function " + Twine(Hot->insnCnt()));
      continue;
    }
    for (const Site &S : Info[N].Sites) {
      Insn HotIn = Final.insn(*Hot, S.Insn), ColdIn = Final.insn(*Cold, S.Insn);
      bool Ok;
      if (!kfuncCallee(Final, *Hot, S.Insn, HotIn).empty())
        Ok = ColdIn.Code == OpCall && ColdIn.Src == 0 &&
             uint32_t(ColdIn.Imm) == MarkerHelperId;
      else
        Ok = memcmp(&Buf[Final.Secs[Hot->Sec].Offset + Hot->Off + 8 * S.Insn],
                    &Buf[Final.Secs[Cold->Sec].Offset + Cold->Off + 8 * S.Insn],
                    8) == 0;
      if (!Ok) {
        drop(N, S.Insn, "its twin does not match at the site (" + S.What + ")");
        continue;
      }
      // Stock libbpf refuses a relocation on anything but a call or an
      // ld_imm64 (bpf_program__record_reloc()): no site may keep one.
      if (Final.reloc(*Cold, S.Insn)) {
        drop(N, S.Insn, "its twin keeps a relocation at the site (" + S.What +
                            ")");
        continue;
      }
      uint8_t *P = &Buf[Final.Secs[Cold->Sec].Offset + Cold->Off + 8 * S.Insn];
      const uint8_t *HotP =
          &Buf[Final.Secs[Hot->Sec].Offset + Hot->Off + 8 * S.Insn];
      uint8_t Out[8];
      if (!runtimeColdInsn(HotP, unsigned(S.Kind), S.Imm, Out)) {
        drop(N, S.Insn, "the site (" + S.What + ") has no cold instruction");
        continue;
      }
      memcpy(P, Out, 8);
    }
  }
  retargetTwinCalls();
  injectDiff();
  // Relocations of .BPF.cancel: symbol-relative, zero stored addend.
  unsigned CancelSec = 0;
  for (unsigned I = 0; I < Final.Secs.size(); ++I)
    if (Final.Secs[I].Name == ".BPF.cancel")
      CancelSec = I;
  if (!CancelSec) {
    error(nullptr, DiagnosticLocation(), "no .BPF.cancel section in output");
    return false;
  }
  const Section &CS = Final.Secs[CancelSec];
  unsigned Fixed = 0;
  for (auto &[Off, R] : Final.Relocs[CancelSec]) {
    if (Off < 40 || (Off - 40) % 8 || (Off - 40) / 32 >= Pairs.size() ||
        (Off - 40) % 32 >= 16 || R.Type != R_BPF_64_ABS64) {
      error(nullptr, DiagnosticLocation(),
            "unexpected relocation at .BPF.cancel+" + Twine(Off));
      return false;
    }
    unsigned Rec = (Off - 40) / 32;
    bool IsCold = (Off - 40) % 32 == 8;
    std::string Name = Pairs[Rec] + (IsCold ? TwinSuffix : "");
    const ObjFunc *F = Final.func(Name);
    if (!F) {
      error(nullptr, DiagnosticLocation(),
            "no symbol for '" + Name + "' in the object");
      return false;
    }
    endian::write64le(&Buf[R.FileOff + 8],
                      (uint64_t(F->Sym) << 32) | R_BPF_64_ABS64);
    endian::write64le(&Buf[CS.Offset + Off], 0);
    ++Fixed;
  }
  if (Fixed != 2 * Pairs.size()) {
    error(nullptr, DiagnosticLocation(),
          ".BPF.cancel has " + Twine(Fixed) + " relocations, expected " +
              Twine(2 * Pairs.size()));
    return false;
  }
  return NumErrors == 0;
}

/// -bpf-cancel-inject-diff=F: the first ALU instruction with an immediate
/// of F's twin that is not a site gets another immediate. Nothing else can
/// make a twin differ now that twins are copied from machine code; this
/// proves that a difference is still caught, and dropped.
void ObjectPhase::injectDiff() {
  if (InjectDiff.empty() || !Info.count(InjectDiff))
    return;
  const ObjFunc *Cold = Final.func(InjectDiff + TwinSuffix);
  if (!Cold)
    return;
  DenseSet<unsigned> SiteSet = siteSet(InjectDiff);
  for (unsigned I = 0; I < Cold->insnCnt(); ++I) {
    Insn In = Final.insn(*Cold, I);
    if (In.Code == OpLdImm64) {
      ++I;
      continue;
    }
    uint8_t Cls = In.Code & BPF_CLASS_MASK;
    if (SiteSet.count(I) || (Cls != 0x04 && Cls != 0x07) || (In.Code & 0x08))
      continue; // not BPF_ALU/BPF_ALU64 with BPF_K
    uint8_t *P = (uint8_t *)FinalBuf.data() + Final.Secs[Cold->Sec].Offset +
                 Cold->Off + 8 * I;
    endian::write32le(P + 4, uint32_t(In.Imm) ^ 0x40);
    return;
  }
}

/// Calls from a twin to a function that has a twin go to that twin. The
/// twin pass retargets IR calls; a bpf2bpf call written in inline asm
/// ("call lsub", as in the naked verifier_*.c selftests) still goes to the
/// hot function here. Retarget it in place, same size:
///   no relocation (pc-relative inside the section): imm += the distance
///     from F to F__cold;
///   relocation against F's STT_FUNC symbol: point r_info at F__cold's;
///   relocation against a section symbol: imm += the distance, or, if
///     F__cold lives in another section, F__cold's symbol with imm -1.
/// Function addresses (ld_imm64 BPF_PSEUDO_FUNC) are left alone: callbacks
/// stay hot (asynchronous callbacks must; the twin never reaches a
/// synchronous one, its helper call is a site).
void ObjectPhase::retargetTwinCalls() {
  auto Buf =
      MutableArrayRef<uint8_t>((uint8_t *)FinalBuf.data(), FinalBuf.size());
  StringSet<> HasTwin;
  for (const std::string &N : Pairs)
    HasTwin.insert(N);
  for (const std::string &N : Pairs) {
    const ObjFunc *Cold = Final.func(N + TwinSuffix);
    if (!Cold)
      continue;
    DenseSet<unsigned> SiteSet = siteSet(N);
    for (unsigned I = 0; I < Cold->insnCnt(); ++I) {
      Insn In = Final.insn(*Cold, I);
      if (In.Code == OpLdImm64) {
        ++I;
        continue;
      }
      if (SiteSet.count(I) || In.Code != OpCall || In.Src != PseudoCall ||
          !kfuncCallee(Final, *Cold, I, In).empty())
        continue;
      const ObjFunc *Callee = Final.callee(*Cold, I);
      if (!Callee || !HasTwin.count(Callee->Name))
        continue;
      const ObjFunc *CalleeTwin = Final.func(Callee->Name + TwinSuffix);
      if (!CalleeTwin)
        continue;
      uint64_t InsnOff = Final.Secs[Cold->Sec].Offset + Cold->Off + 8 * I;
      int64_t Delta = (int64_t(CalleeTwin->Off) - int64_t(Callee->Off)) / 8;
      Reloc *R = nullptr;
      auto RS = Final.Relocs.find(Cold->Sec);
      if (RS != Final.Relocs.end()) {
        auto It = RS->second.find(Cold->Off + 8 * I);
        if (It != RS->second.end())
          R = &It->second;
      }
      auto SetImm = [&](int64_t Imm) {
        endian::write32le(&Buf[InsnOff + 4], uint32_t(int32_t(Imm)));
      };
      auto SetSym = [&](unsigned Sym) {
        endian::write64le(&Buf[R->FileOff + 8],
                          (uint64_t(Sym) << 32) | R->Type);
        R->Sym = Sym;
      };
      if (!R) {
        if (CalleeTwin->Sec != Cold->Sec)
          continue; // cannot happen: both in the twin's section
        SetImm(In.Imm + Delta);
      } else if (Final.Syms[R->Sym].Type == STT_FUNC &&
                 Final.Syms[R->Sym].Value == Callee->Off &&
                 Final.Syms[R->Sym].Shndx == Callee->Sec) {
        SetSym(CalleeTwin->Sym);
      } else if (CalleeTwin->Sec == Callee->Sec) {
        SetImm(In.Imm + Delta);
      } else {
        SetSym(CalleeTwin->Sym);
        SetImm(-1);
      }
      LLVM_DEBUG(dbgs() << "bpf-cancel: " << N << TwinSuffix << " insn " << I
                        << ": call " << Callee->Name << " -> "
                        << CalleeTwin->Name << "\n");
    }
  }
}

void ObjectPhase::checkFinal(bool AgainstPlain) {
  Step S("check", "bpfcancel: object check");
  ArrayRef<uint8_t> F((const uint8_t *)FinalBuf.data(), FinalBuf.size());
  ArrayRef<uint8_t> PB((const uint8_t *)PlainBuf.data(), PlainBuf.size());
  // Hot functions against plain: bytes and relocations, per function.
  for (const ObjFunc &PF :
       AgainstPlain ? Plain.Funcs : std::vector<ObjFunc>()) {
    const ObjFunc *FF = Final.func(PF.Name);
    auto Fail = [&](const Twine &Why) {
      dropAll("hot function '" + PF.Name +
              "' differs from the build without -fbpf-cancellable: " + Why);
    };
    if (!FF) {
      Fail("missing from the object");
      continue;
    }
    if (FF->Size != PF.Size ||
        Final.Secs[FF->Sec].Name != Plain.Secs[PF.Sec].Name) {
      Fail(Twine(FF->insnCnt()) + " instructions in section '" +
           Final.Secs[FF->Sec].Name + "', not " + Twine(PF.insnCnt()) +
           " in '" + Plain.Secs[PF.Sec].Name + "'");
      continue;
    }
    if (memcmp(PB.data() + Plain.Secs[PF.Sec].Offset + PF.Off,
               F.data() + Final.Secs[FF->Sec].Offset + FF->Off, PF.Size)) {
      Fail("instruction bytes");
      continue;
    }
    for (unsigned I = 0; I < PF.insnCnt(); ++I) {
      const Reloc *A = Plain.reloc(PF, I), *B = Final.reloc(*FF, I);
      if (!A && !B)
        continue;
      if (!A || !B || A->Type != B->Type ||
          Plain.Syms[A->Sym].Name != Final.Syms[B->Sym].Name ||
          Plain.Syms[A->Sym].Value != Final.Syms[B->Sym].Value) {
        Fail("relocation at insn " + Twine(I));
        break;
      }
    }
  }
  // Twins against hot: equal except at sites, calls to twins allowed.
  for (const std::string &N : Pairs) {
    const ObjFunc *Hot = Final.func(N), *Cold = Final.func(N + TwinSuffix);
    if (!Hot || !Cold || Hot->Size != Cold->Size)
      continue; // already reported
    DenseSet<unsigned> SiteSet = siteSet(N);
    for (unsigned I = 0; I < Hot->insnCnt(); ++I) {
      if (SiteSet.count(I))
        continue;
      Insn A = Final.insn(*Hot, I), B = Final.insn(*Cold, I);
      bool Same = A.Code == B.Code && A.Dst == B.Dst && A.Src == B.Src &&
                  A.Off == B.Off;
      if (Same && A.Code == OpCall && A.Src == PseudoCall &&
          kfuncCallee(Final, *Hot, I, A).empty()) {
        const ObjFunc *CA = Final.callee(*Hot, I), *CB = Final.callee(*Cold, I);
        Same = CA && CB &&
               (CB->Name == CA->Name || CB->Name == CA->Name + TwinSuffix);
      } else if (Same) {
        const Reloc *RA = Final.reloc(*Hot, I), *RB = Final.reloc(*Cold, I);
        Same = A.Imm == B.Imm && !RA == !RB;
        // Which symbol each relocation names is the runtime checker's
        // (below): it also knows a twin's own jump table.
        if (Same && RA)
          Same = RA->Type == RB->Type;
      }
      if (!Same) {
        auto Show = [&](const ObjFunc &Fn, const Insn &In) {
          std::string Str;
          raw_string_ostream OS(Str);
          OS << "code 0x" << Twine::utohexstr(In.Code) << " dst r"
             << unsigned(In.Dst) << " src r" << unsigned(In.Src) << " off "
             << In.Off << " imm " << In.Imm;
          if (const Reloc *R = Final.reloc(Fn, I))
            OS << " reloc " << Final.Syms[R->Sym].Name;
          return Str;
        };
        drop(N, I,
             "its twin differs from it at an instruction that is not a "
             "cancellation site (" +
                 Show(*Hot, A) + "; twin: " + Show(*Cold, B) + ")");
        break;
      }
    }
  }
  if (!Pending.empty() || PendingAll)
    return; // the next attempt is checked again
  if (AgainstPlain)
    for (const std::string &Msg : runtimeCmpHot(PB, F))
      dropAll(Msg);
  // The runtime library's checker is what libbpf and the kernel run: a
  // twin it refuses is dropped (its messages name the function).
  for (const std::string &Msg : runtimeCheckObject(F, P.runtimeHandle())) {
    StringRef M(Msg);
    size_t At = M.find("function '");
    StringRef Name;
    if (At != StringRef::npos)
      Name = M.substr(At + 10).take_until([](char C) { return C == '\''; });
    if (!Name.empty() && Info.count(Name.str()))
      drop(Name.str(), ~0u, "the object checker refuses it: " + Msg);
    else
      dropAll(Msg);
  }
}

void ObjectPhase::remarks() {
  const char *Hint = " (compile with -g for locations)";
  // Locations cost a DWARF parse: only for remarks someone asked for.
  const DiagnosticHandler *DH = Ctx.getDiagHandlerPtr();
  bool All = Ctx.getLLVMRemarkStreamer(); // -fsave-optimization-record
  bool WhyOn = All || DH->isAnalysisRemarkEnabled(DEBUG_TYPE);
  bool SitesOn = All || DH->isPassedOptRemarkEnabled(DEBUG_TYPE);
  bool LoopWarn = getWarnLevel() == WarnLevel::Warn ||
                  getWarnLevel() == WarnLevel::Error;
  bool LoopsOn = All || DH->isMissedOptRemarkEnabled(DEBUG_TYPE) || LoopWarn;
  for (Function &F : mod()) {
    if (!WhyOn || F.isDeclaration() || !F.hasFnAttribute(NoTwinAttr))
      continue;
    StringRef R = F.getFnAttribute(NoTwinAttr).getValueAsString();
    OptimizationRemarkAnalysis Rem(DEBUG_TYPE, "NoTwin",
                                   DiagnosticLocation(F.getSubprogram()),
                                   &F.getEntryBlock());
    Rem << "'" << F.getName() << "' gets no cold twin"
        << (R == "interposable" ? ""
                                : " although it can run long (" + R.str() + ")")
        << ": it is weak, and the linker may keep another definition, which "
           "a twin of this body would not follow; its callers get twins, "
           "which call '"
        << F.getName() << "' through its symbol";
    Ctx.diagnose(Rem);
  }
  for (const std::string &N : Pairs) {
    Function *F = mod().getFunction(N);
    const ObjFunc *PF = Plain.func(N);
    const HotInfo &H = Info[N];
    if (WhyOn) {
      StringRef R = F->getFnAttribute(TwinAttr).getValueAsString();
      OptimizationRemarkAnalysis Rem(DEBUG_TYPE, "Twin",
                                     DiagnosticLocation(F->getSubprogram()),
                                     &F->getEntryBlock());
      Rem << "'" << N << "' gets a cold twin '" << N << TwinSuffix << "': ";
      if (R == "loop")
        Rem << "it has a loop";
      else if (R == "may-goto")
        Rem << "it uses may_goto";
      else if (R == "all")
        Rem << "-fbpf-cancellable=all";
      else if (R.starts_with("iter-next:"))
        Rem << "it calls iterator " << R.substr(10);
      else if (R.starts_with("callback:"))
        Rem << "it calls callback helper " << R.substr(9);
      else if (R.starts_with("calls:"))
        Rem << "it calls '" << R.substr(6) << "', which can run long";
      else
        Rem << R;
      Ctx.diagnose(Rem);
    }
    for (const Site &S : SitesOn ? H.Sites : std::vector<Site>()) {
      NoExactLines = false;
      OptimizationRemark Rem(DEBUG_TYPE, "Site",
                             locate(F, PF->Sec, PF->Off + 8 * S.Insn),
                             &F->getEntryBlock());
      bool HasDbg = !NoExactLines;
      Rem << S.What << " -> ";
      switch (S.Kind) {
      case SiteKind::TailCall:
        Rem << "ja +0 (falls through)";
        break;
      case SiteKind::MayGoto:
        Rem << "ja +" << std::to_string(Plain.insn(*PF, S.Insn).Off)
            << " (loop exit)";
        break;
      default:
        Rem << "r0 = " << std::to_string(S.Imm);
      }
      Rem << " in twin of '" << N << "' (insn " << std::to_string(S.Insn)
          << ", " << siteKindName(S.Kind) << ")";
      if (!HasDbg)
        Rem << Hint;
      Ctx.diagnose(Rem);
    }
    for (auto [Head, Latch] :
         LoopsOn ? H.UncutLoops
                 : std::vector<std::pair<unsigned, unsigned>>()) {
      NoExactLines = false;
      DiagnosticLocation Loc = locate(F, PF->Sec, PF->Off + 8 * Latch);
      bool HasDbg = !NoExactLines;
      std::string Msg = "loop in '" + N + "' (header insn " +
                        std::to_string(Head) + ", back-edge insn " +
                        std::to_string(Latch) +
                        ") has no cancellation site: cancelling runs it to "
                        "its end";
      OptimizationRemarkMissed Rem(DEBUG_TYPE, "UncutLoop", Loc,
                                   &F->getEntryBlock());
      Rem << Msg << (HasDbg ? "" : Hint);
      Ctx.diagnose(Rem);
      if (LoopWarn)
        Ctx.diagnose(DiagnosticInfoUnsupported(
            *F, Msg + " [-Wbpf-cancel]" + (HasDbg ? "" : Hint), Loc,
            getWarnLevel() == WarnLevel::Error ? DS_Error : DS_Warning));
    }
  }
}

bool ObjectPhase::patchCancelSection() {
  unsigned Sec = 0;
  for (unsigned I = 0; I < Final.Secs.size(); ++I)
    if (Final.Secs[I].Name == ".BPF.cancel")
      Sec = I;
  unsigned SiteCnt = 0;
  for (const std::string &N : Pairs)
    SiteCnt += Info[N].Sites.size();
  const unsigned SiteOff = 40 + 32 * Pairs.size();
  const unsigned Total = SiteOff + 16 * SiteCnt;
  if (!Sec || Final.Secs[Sec].Size < Total) {
    error(nullptr, DiagnosticLocation(),
          ".BPF.cancel missing or too small in the object");
    return false;
  }
  uint8_t *B = (uint8_t *)FinalBuf.data() + Final.Secs[Sec].Offset;
  endian::write32le(B + 8, Total);
  endian::write32le(B + 24, SiteCnt);
  unsigned SiteIdx = 0;
  for (unsigned I = 0; I < Pairs.size(); ++I) {
    const HotInfo &H = Info[Pairs[I]];
    uint8_t *R = B + 40 + 32 * I;
    endian::write32le(R + 16, Final.func(Pairs[I])->insnCnt());
    endian::write32le(R + 20, SiteIdx);
    endian::write32le(R + 24, H.Sites.size());
    endian::write32le(R + 28, H.UncutLoops.size());
    for (const Site &S : H.Sites) {
      uint8_t *Q = B + SiteOff + 16 * SiteIdx++;
      endian::write32le(Q, S.Insn);
      endian::write16le(Q + 4, uint16_t(S.Kind));
      endian::write16le(Q + 6, 0);
      endian::write32le(Q + 8, uint32_t(S.Imm));
      endian::write32le(Q + 12, 0);
    }
  }
  // Unused slots become zero words after the block, which readers skip
  // (docs/format.md: zero 8-byte words between blocks).
  memset(B + Total, 0, Final.Secs[Sec].Size - Total);
  return true;
}

/// The hot functions that have twins, in module order.
bool ObjectPhase::collectPairs(const ElfObject &O) {
  Pairs.clear();
  for (Function &F : mod())
    if (F.hasFnAttribute(TwinOfAttr)) {
      std::string Hot = F.getFnAttribute(TwinOfAttr).getValueAsString().str();
      if (!O.func(Hot)) {
        error(mod().getFunction(Hot), DiagnosticLocation(),
              "function '" + Hot + "' has no symbol in the object");
        return false;
      }
      Pairs.push_back(Hot);
    }
  return true;
}

/// An upper bound of the sites codegen can produce for F: substituted
/// calls, and may_goto or calls in inline asm; doubled for duplicated
/// blocks. Exceeding it sends the compile down the full path.
static unsigned siteBound(Function &F, const Policy &P) {
  unsigned N = 0;
  for (Instruction &I : instructions(F)) {
    auto *CB = dyn_cast<CallBase>(&I);
    if (!CB)
      continue;
    if (auto *IA = dyn_cast<InlineAsm>(CB->getCalledOperand())) {
      StringRef A = IA->getAsmString();
      for (size_t Pos = 0; (Pos = A.find("may_goto", Pos)) != StringRef::npos;
           ++Pos)
        ++N;
      for (size_t Pos = 0; (Pos = A.find("call", Pos)) != StringRef::npos;
           ++Pos)
        ++N;
      continue;
    }
    int64_t Id = getHelperId(*CB);
    if (Id >= 0) {
      N += P.helperSite(Id) || Id == 12;
      continue;
    }
    if (auto *Callee =
            dyn_cast<Function>(CB->getCalledOperand()->stripPointerCasts()))
      N += Callee->isDeclaration() && P.kfuncSite(Callee->getName());
  }
  return 2 * N + 2;
}

/// One codegen: twins for what the IR shows, sites read from the output's
/// hot functions (identical to a build without the flag: the twins are
/// appended after them). Falls back when the object shows a long function
/// the IR did not, or more sites than reserved.
ObjectPhase::Outcome ObjectPhase::runFast() {
  Module &M = mod();
  std::string Err;
  markFunctions(M, P, LongInObject.empty() ? nullptr : &LongInObject);
  for (Function &F : M)
    if (!F.isDeclaration() && F.hasFnAttribute(TwinAttr) &&
        !F.hasFnAttribute(DroppedAttr))
      SiteCapacity += siteBound(F, P);
  SiteCapacity = std::max(SiteCapacity, MinSites);
  dropComputedGoto();
  if (CopyTwins)
    MT = std::make_unique<MachineTwins>(P);
  int N;
  {
    Step S("twins", "bpfcancel: twins");
    N = createTwins(M, P, MT.get());
  }
  if (N < 0)
    return Outcome::Done;
  for (Function &F : M)
    if (F.hasFnAttribute(TwinOfAttr))
      Pairs.push_back(F.getFnAttribute(TwinOfAttr).getValueAsString().str());
  if (N > 0)
    addCancelSection(/*Placeholder=*/true);
  if (MT)
    stubTwinBodies(M, *MT);
  if (!emit(M, FinalBuf, MT.get())) {
    reportError(Ctx, "the BPF target cannot emit an object file");
    return Outcome::Done;
  }
  if (!Final.parse(
          ArrayRef<uint8_t>((const uint8_t *)FinalBuf.data(), FinalBuf.size()),
          Err)) {
    reportError(Ctx, Err);
    return Outcome::Done;
  }
  // The output's hot functions are the plain ones.
  Plain = Final;
  LineData =
      ArrayRef<uint8_t>((const uint8_t *)FinalBuf.data(), FinalBuf.size());
  StringMap<std::string> Extra;
  analysePlain(Extra);
  for (auto &E : Extra) {
    Function *F = M.getFunction(E.getKey());
    if (!F || F->hasFnAttribute(TwinOfAttr) || F->hasFnAttribute(TwinAttr) ||
        F->hasFnAttribute(DroppedAttr) || isInterposableDef(*F))
      continue;
    if (Trace)
      errs() << "bpf-cancel: '" << E.getKey() << "' (" << E.getValue()
             << ") is long only in the object: "
             << (FastAgain < 2 ? "once more" : "full path") << "\n";
    // Its code is the plain code whatever the twins (they are copies):
    // compile once more with it and its callers marked.
    for (auto &X : Extra)
      LongInObject[X.getKey()] = X.getValue();
    return FastAgain++ < 2 ? Outcome::Again : Outcome::Fallback;
  }
  if (twinProblems())
    return Outcome::Retry;
  if (!collectPairs(Final))
    return Outcome::Done;
  if (Pairs.empty())
    return Outcome::Done; // nothing long: the object is the plain one
  unsigned SiteCnt = 0;
  for (const std::string &Name : Pairs)
    SiteCnt += Info[Name].Sites.size();
  if (SiteCnt > SiteCapacity) {
    if (Trace)
      errs() << "bpf-cancel: " << SiteCnt << " sites, " << SiteCapacity
             << " reserved: " << (FastAgain < 2 ? "once more" : "full path")
             << "\n";
    MinSites = SiteCnt;
    return FastAgain++ < 2 ? Outcome::Again : Outcome::Fallback;
  }
  if (patchCancelSection() && postProcess())
    checkFinal(/*AgainstPlain=*/false);
  if (!Pending.empty() || PendingAll)
    return Outcome::Retry;
  remarks();
  return Outcome::Done;
}

/// Two codegens: plain (a build without the flag, from Bitcode), then the
/// module with twins; every hot function is checked against plain.
ObjectPhase::Outcome ObjectPhase::runFull(ArrayRef<char> Bitcode) {
  Module &M = mod();
  std::string Err;
  {
    LLVMContext PlainCtx;
    Expected<std::unique_ptr<Module>> Clone = parseBitcodeFile(
        MemoryBufferRef(StringRef(Bitcode.data(), Bitcode.size()), "plain"),
        PlainCtx);
    if (!Clone) {
      reportError(Ctx,
                  "cannot copy the module: " + toString(Clone.takeError()));
      return Outcome::Done;
    }
    if (!emit(**Clone, PlainBuf)) {
      reportError(Ctx, "the BPF target cannot emit an object file");
      return Outcome::Done;
    }
  }
  if (!SavePlain.empty()) {
    std::error_code EC;
    raw_fd_ostream Out(SavePlain, EC);
    if (EC)
      reportError(Ctx, "cannot write '" + SavePlain + "': " + EC.message());
    else
      Out << StringRef(PlainBuf.data(), PlainBuf.size());
  }
  if (!Plain.parse(
          ArrayRef<uint8_t>((const uint8_t *)PlainBuf.data(), PlainBuf.size()),
          Err)) {
    reportError(Ctx, Err);
    return Outcome::Done;
  }
  LineData =
      ArrayRef<uint8_t>((const uint8_t *)PlainBuf.data(), PlainBuf.size());
  // (b) mark at instruction level, create twins
  StringMap<std::string> Extra;
  analysePlain(Extra);
  markFunctions(M, P, &Extra);
  dropComputedGoto();
  if (CopyTwins)
    MT = std::make_unique<MachineTwins>(P);
  int N;
  {
    Step S("twins", "bpfcancel: twins");
    N = createTwins(M, P, MT.get());
  }
  if (N < 0 || !collectPairs(Plain))
    return Outcome::Done;
  if (Pairs.empty()) {
    // Nothing can run long: the object is the plain one.
    FinalBuf = PlainBuf;
    return Outcome::Done;
  }
  // (c) sites were classified in analysePlain(); (d)
  addCancelSection(/*Placeholder=*/false);
  // (e)
  if (MT)
    stubTwinBodies(M, *MT);
  if (!emit(M, FinalBuf, MT.get())) {
    reportError(Ctx, "the BPF target cannot emit an object file");
    return Outcome::Done;
  }
  if (twinProblems())
    return Outcome::Retry;
  if (!Final.parse(
          ArrayRef<uint8_t>((const uint8_t *)FinalBuf.data(), FinalBuf.size()),
          Err)) {
    reportError(Ctx, Err);
    return Outcome::Done;
  }
  // (f), (g)
  if (postProcess())
    checkFinal(/*AgainstPlain=*/true);
  if (!Pending.empty() || PendingAll)
    return Outcome::Retry;
  remarks();
  return Outcome::Done;
}

bool ObjectPhase::run(raw_pwrite_stream &OS) {
  // (a) A copy of the module as clang would compile it. Not CloneModule:
  // it does not keep use-list order, and instruction selection and
  // register allocation can depend on it (seen on the selftests: r3/r4
  // swapped in test_skeleton.c). Bitcode that preserves use-list order
  // does. It feeds the plain compile, the fast path's fallback and the
  // attempts after a twin is dropped.
  SmallVector<char, 0> BC;
  {
    Step S("copy", "bpfcancel: module copy (bitcode)");
    raw_svector_ostream BCOS(BC);
    WriteBitcodeToFile(mod(), BCOS, /*ShouldPreserveUseListOrder=*/true);
  }
  bool Full = VerifyHot || !SavePlain.empty();
  // Each retry drops at least one more twin (or all of them), so this
  // ends; codegen changed the IR of the module, so every new attempt
  // starts from the copy.
  for (;;) {
    Outcome O = Full ? runFull(BC) : runFast();
    if (O == Outcome::Done || NumErrors)
      break;
    if (O == Outcome::Fallback)
      Full = true;
    if (O == Outcome::Retry) {
      bool New = PendingAll && !DropAllTwins;
      for (const Drop &D : Pending) {
        if (Trace)
          errs() << "bpf-cancel: '" << D.Func << "' gets no twin: " << D.Why
                 << "\n";
        New |= none_of(Dropped, [&](const Drop &X) { return X.Func == D.Func; });
      }
      if (!New && !DropAllTwins) {
        // A twin dropped already came back: drop them all.
        dropAll("twin of '" + Pending.front().Func + "' still present after "
                "it was dropped (" + Pending.front().Why + ")");
      } else if (!New) {
        // Cannot happen: without twins the object is the plain one.
        reportError(Ctx, "cannot build the object even without twins: " +
                             DropAllWhy);
        return true;
      }
    }
    reset(BC);
  }
  if (Trace)
    errs() << "bpf-cancel: " << Codegens << " codegen"
           << (Codegens == 1 ? "" : "s") << "\n";
  if (NumErrors || FinalBuf.empty())
    return true; // diagnosed; never write a bad object
  dropDiagnostics();
  // (h)
  OS << StringRef(FinalBuf.data(), FinalBuf.size());
  return true;
}

} // namespace

bool bpfcancel::runObjectPhase(Module &M, TargetMachine &TM,
                               CodeGenFileType CGFT, raw_pwrite_stream &OS) {
  Triple T(M.getTargetTriple());
  LLVMContext &Ctx = M.getContext();
  if (!T.isBPF()) {
    // The plugin is only loaded for -fbpf-cancellable (or an explicit
    // -fpass-plugin): a host object without twins would be a silent no-op.
    reportError(Ctx, "-fbpf-cancellable needs a BPF target "
                     "(--target=bpf), not '" +
                         T.str() + "'");
    return true;
  }
  // .BPF.cancel is the plugin's: a user object there would corrupt it.
  bool Reserved = false;
  for (GlobalObject &GO : M.global_objects()) {
    if (GO.getSection() != ".BPF.cancel")
      continue;
    std::string Where;
    SmallVector<DIGlobalVariableExpression *, 1> GVEs;
    if (auto *GV = dyn_cast<GlobalVariable>(&GO))
      GV->getDebugInfo(GVEs);
    if (!GVEs.empty() && GVEs[0]->getVariable()->getFile())
      Where = (GVEs[0]->getVariable()->getFilename() + ":" +
               Twine(GVEs[0]->getVariable()->getLine()) + ": ")
                  .str();
    else if (auto *F = dyn_cast<Function>(&GO); F && F->getSubprogram())
      Where = (F->getSubprogram()->getFilename() + ":" +
               Twine(F->getSubprogram()->getLine()) + ": ")
                  .str();
    reportError(Ctx, Where + "'" + GO.getName() +
                         "' is placed in section '.BPF.cancel': the section "
                         "name is reserved for the cancellation records "
                         "-fbpf-cancellable writes");
    Reserved = true;
  }
  if (Reserved)
    return true;
  if (T.getArch() != Triple::bpfel) {
    reportError(Ctx, "-fbpf-cancellable supports little-endian BPF only "
                     "(--target=bpf or bpfel)");
    return true;
  }
  if (CGFT != CodeGenFileType::ObjectFile) {
    reportError(Ctx, "-fbpf-cancellable needs object output (-c): cold "
                     "twins are finished on the object file, so assembly "
                     "output would be wrong");
    return true;
  }
  const Policy *P = Policy::get(Ctx);
  if (!P)
    return true;
  return ObjectPhase(M, TM, *P).run(OS);
}
