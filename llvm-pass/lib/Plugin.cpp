//===-- Plugin.cpp - bpfcancel pass plugin registration ------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FILE:
//   Plugin.cpp
//
// DESCRIPTION:
//   Registers the bpfcancel passes with the new pass manager and the
//   object phase as the plugin's PreCodeGenCallback:
//
//   #1 registerPipelineParsingCallback: "-passes=bpf-cancel-mark" and
//      "-passes=bpf-cancel-twin" for opt (IR tests). Under
//      clang -fpass-plugin only extension points run.
//   #2 registerOptimizerLastEPCallback: BPFCancelMarkPass, after the whole
//      optimizer (inlining, unrolling, DCE) so that the loops it sees are
//      the loops codegen will emit. clang invokes this extension point at
//      -O0 too; the pass is isRequired() for optnone functions.
//   #3 PreCodeGenCallback: the object phase (BPFCancelObject.cpp). clang
//      calls it instead of its own codegen; it writes the object itself.
//
// USAGE:
//   clang --target=bpf -O2 -g -c -fpass-plugin=build/lib/BPFCancel.so x.c
//   or, with the driver shim: build/bin/clang -fbpf-cancellable ...
//   opt -load-pass-plugin=build/lib/BPFCancel.so -passes=bpf-cancel-mark
//
//===----------------------------------------------------------------------===//
#include "BPFCancel.h"

#include "llvm/Passes/PassBuilder.h"
#include "llvm/Plugins/PassPlugin.h"

using namespace llvm;

namespace {

bool preCodeGen(Module &M, TargetMachine &TM, CodeGenFileType CGFT,
                raw_pwrite_stream &OS) {
  return bpfcancel::runObjectPhase(M, TM, CGFT, OS);
}

void registerCallbacks(PassBuilder &PB) {
  // #1
  PB.registerPipelineParsingCallback(
      [](StringRef Name, ModulePassManager &MPM,
         ArrayRef<PassBuilder::PipelineElement>) {
        if (Name == "bpf-cancel-mark") {
          MPM.addPass(BPFCancelMarkPass());
          return true;
        }
        if (Name == "bpf-cancel-twin") {
          MPM.addPass(BPFCancelTwinPass());
          return true;
        }
        return false;
      });
  // #2
  PB.registerOptimizerLastEPCallback(
      [](ModulePassManager &MPM, OptimizationLevel, ThinOrFullLTOPhase) {
        MPM.addPass(BPFCancelMarkPass());
      });
}

} // namespace

PassPluginLibraryInfo getBPFCancelPluginInfo() {
  PassPluginLibraryInfo Info{LLVM_PLUGIN_API_VERSION, "BPFCancel", "0.1",
                             registerCallbacks};
  // #3
  Info.PreCodeGenCallback = preCodeGen;
  return Info;
}

// The public entry point for a dynamically loaded plugin
// (-fpass-plugin=, opt -load-pass-plugin=).
extern "C" LLVM_ATTRIBUTE_WEAK
    LLVM_ATTRIBUTE_VISIBILITY_DEFAULT PassPluginLibraryInfo
    llvmGetPassPluginInfo() {
  return getBPFCancelPluginInfo();
}
