# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# lit configuration of the bpfcancel compiler tests. Run through
# "cmake --build build --target check-lit" (which generates
# lit.site.cfg.py with the build paths), or
#   lit -sv build/test/lit
#
# Substitutions:
#   %plugin     build/lib/BPFCancel.so
#   %shim       build/bin/clang (the driver shim)
#   %clang      the real clang-22
#   %bpfcancel  build/bin/bpfcancel (runtime tool)
#   %opt        opt -load-pass-plugin=%plugin -mtriple=bpf-pc-linux
#   %programs   test/programs (BPF test programs and bpf_test.h)
#   %bpfcc      %shim --target=bpf -O2 -g -mcpu=v3 -I%programs -c
#   %policy     the Linux 6.12 policy file
#   %bpftool    bpftool (feature "bpftool")
import os

import lit.formats
import lit.llvm

lit.llvm.initialize(lit_config, config)
from lit.llvm import llvm_config  # noqa: E402 (set by initialize())

config.name = "bpfcancel"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".ll", ".c", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.add_tool_substitutions(
    ["FileCheck", "not", "count", "llvm-objdump", "llvm-readelf",
     "llvm-objcopy", "split-file"],
    config.llvm_tools_dir)

opt = os.path.join(config.llvm_tools_dir, "opt")
config.substitutions.append(("%plugin", config.bpfcancel_plugin))
config.substitutions.append(("%shim", config.bpfcancel_shim))
config.substitutions.append(("%clang", config.real_clang))
config.substitutions.append(("%bpfcancel", config.bpfcancel_tool))
config.substitutions.append(("%programs", config.bpfcancel_programs))
config.substitutions.append(("%policy", config.bpfcancel_policy))
config.substitutions.append(
    ("%opt", "%s -load-pass-plugin=%s -mtriple=bpf-pc-linux"
     % (opt, config.bpfcancel_plugin)))
config.substitutions.append(
    ("%bpfcc", "%s --target=bpf -O2 -g -mcpu=v3 -I%s -c"
     % (config.bpfcancel_shim, config.bpfcancel_programs)))

# The plugin and shim must come from this build, never from the caller's
# environment.
for var in ("BPFCANCEL_PLUGIN", "BPFCANCEL_CLANG", "BPFCANCEL_SHIM_ACTIVE"):
    config.environment.pop(var, None)

if os.path.exists(config.bpfcancel_tool):
    config.available_features.add("bpfcancel-tool")

# %bpftool: a bpftool that runs (the corpus set-up builds one); tests that
# need it are UNSUPPORTED otherwise.
for cand in config.bpftool_candidates:
    if os.access(cand, os.X_OK):
        config.available_features.add("bpftool")
        config.substitutions.append(("%bpftool", cand))
        break
