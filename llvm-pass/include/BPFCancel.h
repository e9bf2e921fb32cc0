//===-- BPFCancel.h - clang -fbpf-cancellable: shared declarations -------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FILE:
//   BPFCancel.h
//
// DESCRIPTION:
//   Declarations shared by the three parts of the bpfcancel pass plugin:
//
//   * BPFCancelMarkPass (BPFCancelMark.cpp), an IR pass run at the end of
//     the optimizer pipeline. It finds the functions that can run long
//     (loops, open-coded iterators, callback helpers, may_goto) and every
//     function that can reach one, and tags them with the string function
//     attribute "bpf-cancel-twin". Marking only: an -emit-llvm or -flto
//     build is unchanged apart from the attribute.
//
//   * BPFCancelTwinPass (BPFCancelTwin.cpp) creates the cold
//     "fast-execute" twin F__cold of every marked function F. clang runs it
//     from the object phase; opt runs it as -passes=bpf-cancel-twin.
//
//   * the object phase (BPFCancelObject.cpp), run from the plugin's
//     PreCodeGenCallback: it creates the twins and the .BPF.cancel section,
//     compiles the module, finds the cancellation sites on the object,
//     turns each twin site into its cold instruction, and checks the result
//     before writing it (with -bpf-cancel-verify-hot also against a compile
//     without twins).
//
//   The substitution policy (which helpers and kfuncs may be substituted
//   and by what) is read from a versioned text file; see
//   runtime/policy/ and docs/compiler.md.
//
//===----------------------------------------------------------------------===//
#ifndef BPFCANCEL_BPFCANCEL_H
#define BPFCANCEL_BPFCANCEL_H

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Support/CodeGen.h"

#include <cstdint>
#include <string>

namespace llvm {
class CallBase;
class Function;
class LLVMContext;
class Module;
class TargetMachine;
class raw_pwrite_stream;
} // namespace llvm

namespace bpfcancel {

/// String function attribute naming why a function needs a cold twin
/// ("loop", "iter-next:<kfunc>", "callback:<helper>", "may-goto",
/// "calls:<callee>", "all"). Set by the mark pass, read by the twin pass.
inline constexpr const char *TwinAttr = "bpf-cancel-twin";
/// String function attribute on a twin naming its hot function.
inline constexpr const char *TwinOfAttr = "bpf-cancel-twin-of";
/// String function attribute on a function that can run long (or that
/// the linker may replace) but gets no twin because it is interposable
/// (weak or linkonce): the libbpf linker may keep another object's
/// definition, which a twin of this body would not follow. The value is the
/// reason it would otherwise have been twinned. Its callers get twins, and
/// their twins call it through its symbol. Read by the remarks.
inline constexpr const char *NoTwinAttr = "bpf-cancel-no-twin";
/// Can the linker replace F's definition (weak, linkonce, common)? Such
/// functions never get a twin.
inline bool isInterposableDef(const llvm::Function &F);
/// String function attribute on a function whose twin the object phase
/// could not make equal to it (a case nobody foresaw): it keeps no twin,
/// loads as a plain function, and a warning says so. Set only on the
/// object phase's own copy of the module.
inline constexpr const char *DroppedAttr = "bpf-cancel-dropped";
/// Suffix of twin names. BTF FUNC names must be C identifiers, so "__cold"
/// and not LLVM's usual ".cold".
inline constexpr const char *TwinSuffix = "__cold";

/// Helper id of the relocation-free marker call that replaces a
/// substituted kfunc call in a twin ("call 0x7ffffff0"). No helper has this
/// id (enum bpf_func_id ends far below it); the object phase rewrites every
/// marker call to its cold instruction before the object is written, so a
/// marker never reaches a loader.
inline constexpr uint32_t MarkerHelperId = 0x7ffffff0;

/// Kinds of substitution, numbered like enum bpf_cancel_site_kind of
/// <uapi/linux/bpf_cancel.h>.
enum class SiteKind : uint16_t {
  None = 0,
  RetNull = 1,
  IterNext = 2,
  Callback = 3,
  TailCall = 4,
  MayGoto = 5,
};

const char *siteKindName(SiteKind K);

/// One policy entry: what a call becomes in the twin.
struct PolicyEntry {
  SiteKind Kind = SiteKind::None;
  int32_t Imm = 0;
  std::string Name;
  /// Non-empty for "deny" entries: never substituted, reason given.
  std::string DenyReason;
};

/// The substitution policy: helpers by id, kfuncs by name. Backed by the
/// runtime library's parser (one grammar for compiler, tool and libbpf);
/// entries are looked up once and cached.
class Policy {
public:
  ~Policy();
  /// Load the -bpf-cancel-policy file, or the built-in Linux 6.12 policy.
  /// Cached per path. Returns nullptr and sets Err on failure.
  static const Policy *get(std::string &Err);
  /// The same, reporting a failure as an error diagnostic in Ctx.
  static const Policy *get(llvm::LLVMContext &Ctx);

  const PolicyEntry *helper(uint32_t Id) const;
  const PolicyEntry *kfunc(llvm::StringRef Name) const;
  /// Is a call to helper Id / kfunc Name a substitution site?
  const PolicyEntry *helperSite(uint32_t Id) const {
    const PolicyEntry *E = helper(Id);
    return E && E->DenyReason.empty() ? E : nullptr;
  }
  const PolicyEntry *kfuncSite(llvm::StringRef Name) const {
    const PolicyEntry *E = kfunc(Name);
    return E && E->DenyReason.empty() ? E : nullptr;
  }
  /// The runtime's struct bpfcancel_policy, for the runtime checker.
  const void *runtimeHandle() const { return RT; }
  std::string Source;

private:
  void *RT = nullptr;
  mutable llvm::DenseMap<uint32_t, PolicyEntry> Helpers;
  mutable llvm::StringMap<PolicyEntry> Kfuncs;
};

/// -bpf-cancel-mode.
enum class Mode { Auto, All };
Mode getMode();
/// -bpf-cancel-warn.
/// Default: a dropped twin is a warning, a loop no site cuts short only a
/// remark; Warn: both warnings (-Wbpf-cancel); Error: both errors
/// (-Werror=bpf-cancel); None: remarks only (-Wno-bpf-cancel).
enum class WarnLevel { None, Default, Warn, Error };
WarnLevel getWarnLevel();

/// If CB calls a BPF helper ("call ptr inttoptr (i64 ID to ptr)"), return
/// the helper id; otherwise -1.
int64_t getHelperId(const llvm::CallBase &CB);

/// Report a plugin error at module level (no location).
void reportError(llvm::LLVMContext &Ctx, const llvm::Twine &Msg);

/// Mark the functions of M that need a twin (attribute TwinAttr). Returns
/// true if anything changed. Extra names a set of functions found long at
/// object level (inline asm, naked functions) that must be marked too,
/// together with their callers.
bool markFunctions(llvm::Module &M, const Policy &P,
                   const llvm::StringMap<std::string> *Extra = nullptr);

struct MachineTwins;
/// Create F__cold for every function of M carrying TwinAttr (and not
/// NoTwinAttr). Returns the number of twins created, or -1 after a
/// diagnosed error. With MT, also records each twin's subprogram and
/// metadata map, for the copy of its machine code (BPFCancelMachineTwin).
int createTwins(llvm::Module &M, const Policy &P,
                MachineTwins *MT = nullptr);

/// Symbolic labels ("l1:", "loop_end:") that inline asm text defines.
/// Numeric local labels ("1:") and %= labels ("l0_%=:") may repeat and are
/// left alone.
void collectAsmLabels(llvm::StringRef Asm, llvm::StringSet<> &Labels);
/// Asm with every label of Labels renamed to "<label>__cold" (a twin is a
/// second copy in the same object).
std::string renameAsmLabels(llvm::StringRef Asm,
                            const llvm::StringSet<> &Labels);

/// The object phase (PreCodeGenCallback).
bool runObjectPhase(llvm::Module &M, llvm::TargetMachine &TM,
                    llvm::CodeGenFileType CGFT, llvm::raw_pwrite_stream &OS);

} // namespace bpfcancel

#include "llvm/IR/Function.h"

inline bool bpfcancel::isInterposableDef(const llvm::Function &F) {
  return F.isWeakForLinker() || F.isInterposable();
}

namespace llvm {

/// -passes=bpf-cancel-mark; run by clang at OptimizerLast.
struct BPFCancelMarkPass : PassInfoMixin<BPFCancelMarkPass> {
  PreservedAnalyses run(Module &M, ModuleAnalysisManager &MAM);
  // Without isRequired returning true, this pass would be skipped for
  // functions decorated with optnone (everything under clang -O0), whose
  // loops can run long just the same.
  static bool isRequired() { return true; }
};

/// -passes=bpf-cancel-twin; clang runs the same code from the object phase.
struct BPFCancelTwinPass : PassInfoMixin<BPFCancelTwinPass> {
  PreservedAnalyses run(Module &M, ModuleAnalysisManager &MAM);
  static bool isRequired() { return true; }
};

} // namespace llvm

#endif // BPFCANCEL_BPFCANCEL_H
