#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Run runtime/policy/test_gen_policy.py for "make check".

Prints "policy: N passed, N failed". A skipped test counts as failed: in
"make check" the Linux source tree is always prepared (the corpus set-up
extracts it to build/linux-src), so regeneration must really be compared.
"""
import os
import sys
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "runtime", "policy"))

import test_gen_policy  # noqa: E402

suite = unittest.defaultTestLoader.loadTestsFromModule(test_gen_policy)
result = unittest.TextTestRunner(verbosity=2).run(suite)
bad = len(result.failures) + len(result.errors) + len(result.skipped)
for test, why in result.skipped:
    print(f"policy: {test.id()} skipped ({why}): counted as failed")
print(f"policy: {result.testsRun - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
