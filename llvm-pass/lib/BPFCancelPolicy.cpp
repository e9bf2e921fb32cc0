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
//     kernel linux-6.12.117
//     helper 1 map_lookup_elem ret-null 0     # RET_PTR_TO_MAP_VALUE_OR_NULL
//     helper 181 loop callback 0              # 0 iterations
//     helper 12 tail_call tail-call 0         # falls through
//     kfunc bpf_task_acquire ret-null 0       # KF_ACQUIRE | KF_RET_NULL
//     kfunc bpf_iter_num_next iter-next 0     # KF_ITER_NEXT
//     deny helper 194 kptr_xchg release-arg   # never substituted
//
//   (grammar: docs/policy.md). The runtime library parses it; this file
//   holds the plugin's options and caches lookups.
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

#include "llvm/IR/Constants.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/CommandLine.h"

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

static cl::opt<WarnLevel>
    WarnOpt("bpf-cancel-warn", cl::init(WarnLevel::Default),
            cl::desc("BPF: diagnose twins dropped and loops cancellation "
                     "cannot cut short"),
            cl::values(clEnumValN(WarnLevel::None, "none", "remarks only"),
                       clEnumValN(WarnLevel::Default, "default",
                                  "warn about dropped twins only"),
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

Policy::~Policy() { runtimePolicyFree(RT); }

const Policy *Policy::get(std::string &Err) {
  static std::mutex Lock;
  static std::map<std::string, std::unique_ptr<Policy>> Cache;
  std::lock_guard<std::mutex> Guard(Lock);
  std::string Path = PolicyFile;
  auto It = Cache.find(Path);
  if (It != Cache.end())
    return It->second.get();
  void *RT = runtimePolicyLoad(Path, Err);
  if (!RT)
    return nullptr;
  auto P = std::make_unique<Policy>();
  P->RT = RT;
  P->Source = Path.empty() ? "<built-in Linux 6.12 policy>" : Path;
  return (Cache[Path] = std::move(P)).get();
}

const PolicyEntry *Policy::helper(uint32_t Id) const {
  auto It = Helpers.find(Id);
  if (It == Helpers.end()) {
    PolicyEntry E;
    if (!runtimePolicyHelper(RT, Id, E))
      E.Kind = SiteKind::None, E.DenyReason = "";
    It = Helpers.insert({Id, E}).first;
  }
  const PolicyEntry &E = It->second;
  return E.Kind == SiteKind::None && E.DenyReason.empty() ? nullptr : &E;
}

const PolicyEntry *Policy::kfunc(StringRef Name) const {
  auto It = Kfuncs.find(Name);
  if (It == Kfuncs.end()) {
    PolicyEntry E;
    if (!runtimePolicyKfunc(RT, Name, E))
      E.Kind = SiteKind::None, E.DenyReason = "";
    It = Kfuncs.insert({Name, E}).first;
  }
  const PolicyEntry &E = It->second;
  return E.Kind == SiteKind::None && E.DenyReason.empty() ? nullptr : &E;
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

const Policy *Policy::get(LLVMContext &Ctx) {
  std::string Err;
  const Policy *P = get(Err);
  if (!P)
    reportError(Ctx, Err);
  return P;
}

void reportError(LLVMContext &Ctx, const Twine &Msg) {
  Ctx.diagnose(DiagnosticInfoGeneric("bpfcancel: " + Msg, DS_Error));
}

} // namespace bpfcancel
