//===-- BPFCancelRuntime.cpp - bridge to the bpfcancel runtime core ------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FILE:
//   BPFCancelRuntime.cpp
//
// DESCRIPTION:
//   Calls into the runtime's C library (bpfcancel_runtime, runtime/): the
//   policy parser and built-in Linux 6.12 policy, the cold-instruction
//   encoder and loop analysis of the freestanding core, and the object
//   checker shared with the bpfcancel tool, libbpf and the kernel, so that
//   the compiler and every reader agree by construction.
//
//   Built with BPFCANCEL_HAVE_RUNTIME when runtime/ provides the library.
//   Without it (bootstrapping only) a small built-in policy and local
//   encoders stand in, and the runtime checks are skipped; the plugin's
//   own checks (BPFCancelObject.cpp) still run.
//
//===----------------------------------------------------------------------===//
#include "BPFCancelRuntime.h"
#include "BPFCancel.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

#ifdef BPFCANCEL_HAVE_RUNTIME
#include "bpfcancel/bpfcancel.h"
#include "bpfcancel/core.h"
#endif

using namespace llvm;

namespace bpfcancel {

#ifdef BPFCANCEL_HAVE_RUNTIME

void *runtimePolicyLoad(const std::string &Path, std::string &Err) {
  char Buf[512] = "";
  struct bpfcancel_policy *P =
      Path.empty()
          ? bpfcancel_policy__default()
          : bpfcancel_policy__load_file(Path.c_str(), Buf, sizeof(Buf));
  if (!P) {
    if (Path.empty())
      Err = "the built-in policy does not load (runtime library bug)";
    else if (*Buf)
      Err = std::string("bad policy file: ") + Buf;
    else
      Err = "cannot read policy file '" + Path + "': " + strerror(errno);
  }
  return P;
}

void runtimePolicyFree(void *P) {
  bpfcancel_policy__free(static_cast<struct bpfcancel_policy *>(P));
}

static void toEntry(const bpfcancel_policy_entry &R, PolicyEntry &E) {
  E.Name = R.name ? R.name : "";
  if (R.denied) {
    E.Kind = SiteKind::None;
    E.DenyReason = R.reason && *R.reason ? R.reason : "denied";
  } else {
    E.Kind = SiteKind(R.kind);
    E.Imm = R.imm;
  }
}

bool runtimePolicyHelper(const void *P, uint32_t Id, PolicyEntry &E) {
  bpfcancel_policy_entry R = {};
  if (bpfcancel_policy__helper(static_cast<const bpfcancel_policy *>(P), Id,
                               &R))
    return false;
  toEntry(R, E);
  // Helper names in the policy lack the "bpf_" of bpf_helper_defs.h.
  if (!StringRef(E.Name).starts_with("bpf_"))
    E.Name = "bpf_" + E.Name;
  return true;
}

bool runtimePolicyKfunc(const void *P, StringRef Name, PolicyEntry &E) {
  bpfcancel_policy_entry R = {};
  std::string N = Name.str();
  if (bpfcancel_policy__kfunc(static_cast<const bpfcancel_policy *>(P),
                              N.c_str(), &R))
    return false;
  toEntry(R, E);
  return true;
}

bool runtimeColdInsn(const uint8_t *Hot, unsigned Kind, int32_t Imm,
                     uint8_t *Cold) {
  struct bpf_insn H, C;
  memcpy(&H, Hot, 8);
  struct bpf_cancel_site S = {};
  S.kind = Kind;
  S.imm = Imm;
  if (bpf_cancel_cold_insn(&H, &S, &C))
    return false;
  memcpy(Cold, &C, 8);
  return true;
}

std::vector<std::pair<unsigned, unsigned>>
runtimeUncutLoops(ArrayRef<uint8_t> Insns, ArrayRef<RtSite> Sites) {
  std::vector<struct bpf_insn> In(Insns.size() / 8);
  memcpy(In.data(), Insns.data(), In.size() * 8);
  std::vector<struct bpf_cancel_site> S(Sites.size());
  for (size_t I = 0; I < Sites.size(); ++I) {
    S[I] = {};
    S[I].insn_off = Sites[I].Insn;
    S[I].kind = Sites[I].Kind;
    S[I].imm = Sites[I].Imm;
  }
  std::vector<std::pair<unsigned, unsigned>> Out;
  int N = bpfcancel_insns__loops(In.data(), In.size(), S.data(), S.size(),
                                 nullptr, 0);
  if (N <= 0)
    return Out;
  std::vector<struct bpfcancel_loop> L(N);
  N = bpfcancel_insns__loops(In.data(), In.size(), S.data(), S.size(), L.data(),
                             L.size());
  for (int I = 0; I < N && I < (int)L.size(); ++I)
    if (!L[I].cut)
      Out.push_back({L[I].header, L[I].back_edge});
  return Out;
}

bool runtimeHasLoop(ArrayRef<uint8_t> Insns) {
  std::vector<struct bpf_insn> In(Insns.size() / 8);
  memcpy(In.data(), Insns.data(), In.size() * 8);
  // An error (no memory) counts as a loop: a twin too many is harmless.
  return bpfcancel_insns__loops(In.data(), In.size(), nullptr, 0, nullptr,
                                0) != 0;
}

static void collect(void *Ctx, const struct bpfcancel_problem *P) {
  static_cast<std::vector<std::string> *>(Ctx)->push_back(P->msg);
}

static struct bpfcancel_obj *open(ArrayRef<uint8_t> Obj, const char *Name,
                                  std::vector<std::string> &Msgs) {
  char Err[512] = "";
  BPFCANCEL_OPTS(bpfcancel_open_opts, Opts, .name = Name, .errbuf = Err,
                 .errbuf_sz = sizeof(Err));
  struct bpfcancel_obj *O =
      bpfcancel_obj__open_mem(Obj.data(), Obj.size(), &Opts);
  if (!O)
    Msgs.push_back(std::string("runtime cannot open the ") + Name +
                   " object: " + Err);
  return O;
}

std::vector<std::string> runtimeCheckObject(ArrayRef<uint8_t> Obj,
                                            const void *P) {
  std::vector<std::string> Msgs;
  struct bpfcancel_obj *O = open(Obj, "output", Msgs);
  if (!O)
    return Msgs;
  // Strict twin calls: no twin may call a hot function that has a twin
  // (postProcess() retargets the bpf2bpf calls inline asm makes).
  BPFCANCEL_OPTS(bpfcancel_check_opts, CO, .strict_twin_calls = true);
  int N = bpfcancel_obj__check_opts(O, static_cast<const bpfcancel_policy *>(P),
                                    collect, &Msgs, &CO);
  if (N < 0)
    Msgs.push_back("runtime checker failed: " + std::string(strerror(-N)));
  bpfcancel_obj__free(O);
  return Msgs;
}

std::vector<std::string> runtimeCmpHot(ArrayRef<uint8_t> Plain,
                                       ArrayRef<uint8_t> Final) {
  std::vector<std::string> Msgs;
  struct bpfcancel_obj *A = open(Plain, "plain", Msgs);
  struct bpfcancel_obj *B = open(Final, "output", Msgs);
  if (A && B)
    bpfcancel_obj__cmp_hot(A, B, collect, &Msgs);
  bpfcancel_obj__free(A);
  bpfcancel_obj__free(B);
  return Msgs;
}

#else // !BPFCANCEL_HAVE_RUNTIME

// Linux 6.12 subset, for builds without the runtime library only. The
// real default is generated from the kernel source (runtime/policy/).
static const char FallbackPolicyText[] = R"(bpfcancel-policy 1
helper 1 bpf_map_lookup_elem ret-null 0
helper 12 bpf_tail_call tail-call 0
helper 131 bpf_ringbuf_reserve ret-null 0
helper 164 bpf_for_each_map_elem callback 0
helper 180 bpf_find_vma callback -2
helper 181 bpf_loop callback 0
helper 209 bpf_user_ringbuf_drain callback 0
deny helper 132 bpf_ringbuf_submit release-arg
deny helper 194 bpf_kptr_xchg release-arg
kfunc bpf_task_from_pid ret-null 0
kfunc bpf_task_acquire ret-null 0
kfunc bpf_iter_num_next iter-next 0
deny kfunc bpf_task_release release-arg
)";

namespace {
struct FallbackPolicy {
  DenseMap<uint32_t, PolicyEntry> Helpers;
  StringMap<PolicyEntry> Kfuncs;
  bool parse(StringRef Text, StringRef FileName, std::string &Err);
};
} // namespace

static SiteKind parseKind(StringRef S) {
  return StringSwitch<SiteKind>(S)
      .Case("ret-null", SiteKind::RetNull)
      .Case("iter-next", SiteKind::IterNext)
      .Case("callback", SiteKind::Callback)
      .Case("tail-call", SiteKind::TailCall)
      .Default(SiteKind::None);
}

bool FallbackPolicy::parse(StringRef Text, StringRef FileName,
                           std::string &Err) {
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

void *runtimePolicyLoad(const std::string &Path, std::string &Err) {
  auto *P = new FallbackPolicy;
  bool Ok;
  if (Path.empty()) {
    Ok = P->parse(FallbackPolicyText, "<built-in>", Err);
  } else {
    auto Buf = MemoryBuffer::getFile(Path, /*IsText=*/true);
    if (!Buf) {
      Err =
          "cannot read policy file '" + Path + "': " + Buf.getError().message();
      Ok = false;
    } else {
      Ok = P->parse((*Buf)->getBuffer(), Path, Err);
      if (!Ok)
        Err = "bad policy file: " + Err;
    }
  }
  if (!Ok) {
    delete P;
    return nullptr;
  }
  return P;
}

void runtimePolicyFree(void *P) { delete static_cast<FallbackPolicy *>(P); }

bool runtimePolicyHelper(const void *P, uint32_t Id, PolicyEntry &E) {
  auto &M = static_cast<const FallbackPolicy *>(P)->Helpers;
  auto It = M.find(Id);
  if (It == M.end())
    return false;
  E = It->second;
  return true;
}

bool runtimePolicyKfunc(const void *P, StringRef Name, PolicyEntry &E) {
  auto &M = static_cast<const FallbackPolicy *>(P)->Kfuncs;
  auto It = M.find(Name);
  if (It == M.end())
    return false;
  E = It->second;
  return true;
}

bool runtimeColdInsn(const uint8_t *Hot, unsigned Kind, int32_t Imm,
                     uint8_t *Cold) {
  memset(Cold, 0, 8);
  switch (SiteKind(Kind)) {
  case SiteKind::TailCall:
    Cold[0] = 0x05; // ja +0
    return Hot[0] == 0x85;
  case SiteKind::MayGoto:
    Cold[0] = 0x05; // ja +off
    memcpy(Cold + 2, Hot + 2, 2);
    return Hot[0] == 0xe5;
  default:
    Cold[0] = 0xb7; // r0 = imm
    support::endian::write32le(Cold + 4, uint32_t(Imm));
    return Hot[0] == 0x85;
  }
}

std::vector<std::pair<unsigned, unsigned>>
runtimeUncutLoops(ArrayRef<uint8_t> Insns, ArrayRef<RtSite>) {
  // Without the runtime's loop analysis every loop counts as uncut.
  std::vector<std::pair<unsigned, unsigned>> Out;
  for (unsigned I = 0; I < Insns.size() / 8; ++I) {
    const uint8_t *P = &Insns[8 * I];
    uint8_t Cls = P[0] & 7;
    if ((Cls == 5 || Cls == 6) && P[0] != 0x85 && P[0] != 0x95) {
      int64_t T = int64_t(I) + int16_t(support::endian::read16le(P + 2)) + 1;
      if (T <= I && T >= 0)
        Out.push_back({unsigned(T), I});
    }
  }
  return Out;
}

bool runtimeHasLoop(ArrayRef<uint8_t> Insns) {
  // Without the runtime's loop analysis every backward jump is a loop.
  return !runtimeUncutLoops(Insns, {}).empty();
}

std::vector<std::string> runtimeCheckObject(ArrayRef<uint8_t>, const void *) {
  return {};
}

std::vector<std::string> runtimeCmpHot(ArrayRef<uint8_t>, ArrayRef<uint8_t>) {
  return {};
}

#endif

} // namespace bpfcancel
