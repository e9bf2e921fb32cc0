//===-- BPFCancelPolicy.cpp - the substitution policy --------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FILE:
//   BPFCancelPolicy.cpp
//
// DESCRIPTION:
//   Loads the substitution policy: which helper calls and kfunc calls a
//   cold twin may replace, and by what. The policy is generated from a
//   kernel's own source (BTF_ID_FLAGS of kfuncs, helper prototypes) by
//   runtime/policy/, never guessed from names:
//
//     bpfcancel-policy 1
//     helper 1 bpf_map_lookup_elem ret-null 0     # RET_PTR_TO_MAP_VALUE_OR_NULL
//     helper 181 bpf_loop callback 0              # 0 iterations
//     helper 12 bpf_tail_call tail-call 0         # falls through
//     kfunc bpf_task_acquire ret-null 0           # KF_ACQUIRE | KF_RET_NULL
//     kfunc bpf_iter_num_next iter-next 0         # KF_ITER_NEXT
//     deny helper 194 bpf_kptr_xchg release-arg   # never substituted
//
//   Why these and only these (kernel/bpf/verifier.c): check_helper_call()
//   and check_kfunc_call() mark r0 PTR_MAYBE_NULL for these returns, so the
//   verifier has already explored the NULL outcome on the hot copy
//   (mark_ptr_or_null_regs()); process_iter_next_call() explores the
//   "iterator drained" state; push_callback_call() verifies the path where
//   the callback runs zero times; the tail-call fall-through and the
//   may_goto exit edge (check_cond_jmp_op(), BPF_JCOND) are explored
//   unconditionally.
//
//   The default policy is the Linux 6.12 one built into the runtime library
//   (bpfcancel_runtime); -bpf-cancel-policy=FILE (clang
//   -fbpf-cancellable-policy=FILE) replaces it.
//
//===----------------------------------------------------------------------===//
#include "BPFCancel.h"
#include "BPFCancelRuntime.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Constants.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <memory>
#include <mutex>

using namespace llvm;

namespace bpfcancel {

static cl::opt<std::string>
    PolicyFile("bpf-cancel-policy", cl::value_desc("file"), cl::init(""),
               cl::desc("BPF: substitution policy file for "
                        "-fbpf-cancellable (default: built-in Linux 6.12)"));

static cl::opt<Mode> ModeOpt(
    "bpf-cancel-mode", cl::init(Mode::Auto),
    cl::desc("BPF: which functions get a cold twin"),
    cl::values(clEnumValN(Mode::Auto, "auto",
                          "functions that can run long and their callers"),
               clEnumValN(Mode::All, "all", "every defined function")));

static cl::opt<WarnLevel> WarnOpt(
    "bpf-cancel-warn", cl::init(WarnLevel::None),
    cl::desc("BPF: diagnose loops cancellation cannot cut short"),
    cl::values(clEnumValN(WarnLevel::None, "none", "remark only"),
               clEnumValN(WarnLevel::Warn, "warn", "warning"),
               clEnumValN(WarnLevel::Error, "error", "error")));

Mode getMode() { return ModeOpt; }
WarnLevel getWarnLevel() { return WarnOpt; }

const char *siteKindName(SiteKind K) {
  switch (K) {
  case SiteKind::RetNull:
    return "ret-null";
  case SiteKind::IterNext:
    return "iter-next";
  case SiteKind::Callback:
    return "callback";
  case SiteKind::TailCall:
    return "tail-call";
  case SiteKind::MayGoto:
    return "may-goto";
  case SiteKind::None:
    break;
  }
  return "none";
}

static SiteKind parseKind(StringRef S) {
  return StringSwitch<SiteKind>(S)
      .Case("ret-null", SiteKind::RetNull)
      .Case("iter-next", SiteKind::IterNext)
      .Case("callback", SiteKind::Callback)
      .Case("tail-call", SiteKind::TailCall)
      .Default(SiteKind::None);
}

bool Policy::parse(StringRef Text, StringRef FileName, std::string &Err) {
  SmallVector<StringRef, 0> Lines;
  Text.split(Lines, '\n');
  bool SawHeader = false;
  for (unsigned I = 0; I < Lines.size(); ++I) {
    StringRef Line = Lines[I];
    Line = Line.split('#').first.trim();
    if (Line.empty())
      continue;
    auto Fail = [&](const Twine &Msg) {
      Err = (FileName + ":" + Twine(I + 1) + ": " + Msg).str();
      return false;
    };
    SmallVector<StringRef, 6> W;
    Line.split(W, ' ', -1, /*KeepEmpty=*/false);
    if (!SawHeader) {
      if (W.size() != 2 || W[0] != "bpfcancel-policy")
        return Fail("not a bpfcancel policy (expected 'bpfcancel-policy 1')");
      if (W[1] != "1")
        return Fail("unsupported policy version '" + W[1] +
                    "' (this compiler reads version 1)");
      SawHeader = true;
      continue;
    }
    if (W[0] == "kernel") // free text naming the kernel it was made from
      continue;
    bool Deny = W[0] == "deny";
    if (Deny)
      W.erase(W.begin());
    if (W.empty())
      return Fail("'deny' needs 'helper' or 'kfunc'");
    PolicyEntry E;
    if (W[0] == "helper") {
      // helper <id> <name> <kind> <imm>  |  deny helper <id> <name> <reason>
      unsigned Id;
      if (W.size() < (Deny ? 4u : 5u) || W[1].getAsInteger(0, Id))
        return Fail(Deny ? "expected 'deny helper <id> <name> <reason>'"
                         : "expected 'helper <id> <name> <kind> <imm>'");
      E.Name = W[2].str();
      if (Deny) {
        E.DenyReason = join(W.begin() + 3, W.end(), " ");
      } else {
        E.Kind = parseKind(W[3]);
        if (E.Kind == SiteKind::None || E.Kind == SiteKind::IterNext)
          return Fail("bad helper kind '" + W[3] +
                      "' (ret-null, callback or tail-call)");
        if (W.size() != 5 || W[4].getAsInteger(0, E.Imm))
          return Fail("bad immediate '" + W[4] + "'");
      }
      Helpers[Id] = std::move(E);
    } else if (W[0] == "kfunc") {
      // kfunc <name> <kind> <imm>  |  deny kfunc <name> <reason>
      if (W.size() < (Deny ? 3u : 4u))
        return Fail(Deny ? "expected 'deny kfunc <name> <reason>'"
                         : "expected 'kfunc <name> <kind> <imm>'");
      E.Name = W[1].str();
      if (Deny) {
        E.DenyReason = join(W.begin() + 2, W.end(), " ");
      } else {
        E.Kind = parseKind(W[2]);
        if (E.Kind != SiteKind::RetNull && E.Kind != SiteKind::IterNext)
          return Fail("bad kfunc kind '" + W[2] + "' (ret-null or iter-next)");
        if (W.size() != 4 || W[3].getAsInteger(0, E.Imm))
          return Fail("bad immediate '" + W[3] + "'");
      }
      Kfuncs[W[1]] = std::move(E);
    } else {
      return Fail("unknown entry '" + W[0] +
                  "' (expected helper, kfunc or deny)");
    }
  }
  if (!SawHeader) {
    Err = (FileName + ": empty policy (expected 'bpfcancel-policy 1')").str();
    return false;
  }
  return true;
}

const Policy *Policy::get(std::string &Err) {
  static std::mutex Lock;
  static std::map<std::string, std::unique_ptr<Policy>> Cache;
  std::lock_guard<std::mutex> Guard(Lock);
  std::string Path = PolicyFile;
  auto It = Cache.find(Path);
  if (It != Cache.end())
    return It->second.get();

  auto P = std::make_unique<Policy>();
  if (Path.empty()) {
    P->Source = "<built-in Linux 6.12 policy>";
    if (!P->parse(runtimeDefaultPolicy(), P->Source, Err))
      return nullptr;
  } else {
    auto Buf = MemoryBuffer::getFile(Path, /*IsText=*/true);
    if (!Buf) {
      Err = "cannot read policy file '" + Path +
            "': " + Buf.getError().message();
      return nullptr;
    }
    P->Source = Path;
    if (!P->parse((*Buf)->getBuffer(), Path, Err))
      return nullptr;
  }
  return (Cache[Path] = std::move(P)).get();
}

int64_t getHelperId(const CallBase &CB) {
  // Helpers are called through their id: "call ptr inttoptr (i64 ID to
  // ptr)(...)", which the BPF backend lowers to "call ID".
  auto *CE = dyn_cast<ConstantExpr>(CB.getCalledOperand());
  if (!CE || CE->getOpcode() != Instruction::IntToPtr)
    return -1;
  auto *CI = dyn_cast<ConstantInt>(CE->getOperand(0));
  if (!CI || CI->getValue().getActiveBits() > 32)
    return -1;
  return CI->getZExtValue();
}

void reportError(LLVMContext &Ctx, const Twine &Msg) {
  Ctx.diagnose(DiagnosticInfoGeneric("bpfcancel: " + Msg, DS_Error));
}

} // namespace bpfcancel
