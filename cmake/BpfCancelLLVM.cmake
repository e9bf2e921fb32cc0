# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#[=======================================================================[.rst:
BpfCancelLLVM
-------------

Finds the LLVM installation the plugin is built against and checks that it
is one this project supports.

Inputs (cache variables, all optional):

``LLVM_DIR``
  Directory holding ``LLVMConfig.cmake``. Defaults to Debian's
  ``/usr/lib/llvm-22/lib/cmake/llvm``.

Results:

``LLVM_*``            everything ``LLVMConfig.cmake`` defines
``BPFCANCEL_LLVM_BINDIR``  where clang-22, opt, llc, FileCheck, lit live
``BPFCANCEL_CLANG``   the real clang the driver shim execs

LLVMConfigVersion.cmake only matches MAJOR.MINOR exactly, so any version is
accepted by find_package and the supported range is checked below.
#]=======================================================================]

set(BPFCANCEL_LLVM_MIN_MAJOR 22)
set(BPFCANCEL_LLVM_MAX_MAJOR 22)

if(NOT LLVM_DIR)
  set(LLVM_DIR "/usr/lib/llvm-22/lib/cmake/llvm" CACHE PATH
      "Directory containing LLVMConfig.cmake")
endif()
if(NOT EXISTS "${LLVM_DIR}/LLVMConfig.cmake")
  message(FATAL_ERROR
    " LLVM_DIR (${LLVM_DIR}) has no LLVMConfig.cmake.\n"
    " Install llvm-22-dev (scripts/install-deps.sh) or pass -DLLVM_DIR=...")
endif()

find_package(LLVM CONFIG REQUIRED PATHS "${LLVM_DIR}" NO_DEFAULT_PATH)

if(LLVM_VERSION_MAJOR VERSION_LESS BPFCANCEL_LLVM_MIN_MAJOR OR
   LLVM_VERSION_MAJOR VERSION_GREATER BPFCANCEL_LLVM_MAX_MAJOR)
  message(FATAL_ERROR
    " Found LLVM ${LLVM_PACKAGE_VERSION} in ${LLVM_DIR}; bpfcancel needs"
    " LLVM ${BPFCANCEL_LLVM_MIN_MAJOR}.x (PreCodeGenCallback,"
    " llvm/Plugins/PassPlugin.h).")
endif()
if(NOT "BPF" IN_LIST LLVM_TARGETS_TO_BUILD)
  message(FATAL_ERROR " LLVM ${LLVM_PACKAGE_VERSION} was built without the BPF target")
endif()

set(BPFCANCEL_LLVM_BINDIR "${LLVM_TOOLS_BINARY_DIR}")
find_program(BPFCANCEL_CLANG NAMES clang clang-${LLVM_VERSION_MAJOR}
             PATHS "${LLVM_TOOLS_BINARY_DIR}" NO_DEFAULT_PATH REQUIRED)
message(STATUS "bpfcancel: LLVM ${LLVM_PACKAGE_VERSION} at ${LLVM_DIR}")
message(STATUS "bpfcancel: clang ${BPFCANCEL_CLANG}")
