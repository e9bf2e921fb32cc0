#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Tests of the committed Linux 6.12 policy and of its generator.

  python3 runtime/policy/test_gen_policy.py [-v]

The known cases come from the design contract (docs/policy.md): what must be
substituted, with which fast value, and what must never be.  The
regeneration test needs the kernel source extracted under
build/linux-src (or $BPFCANCEL_LINUX_SRC); without it that test is skipped,
and says so, rather than passing silently.
"""

import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
POLICY = os.path.join(HERE, "linux-6.12.policy")
GEN = os.path.join(HERE, "gen-policy.py")
LINUX_SRC = os.environ.get("BPFCANCEL_LINUX_SRC",
                           os.path.join(TOP, "build", "linux-src"))

LINE_RE = {
    "helper": re.compile(r"^helper (\d+) (\w+) (ret-null|callback|tail-call) (-?\d+)$"),
    "kfunc": re.compile(r"^kfunc (\w+) (ret-null|iter-next) (-?\d+)$"),
    "deny-helper": re.compile(r"^deny helper (\d+) (\w+) ([a-z-]+)$"),
    "deny-kfunc": re.compile(r"^deny kfunc (\w+) ([a-z-]+)$"),
}


def load(path=POLICY):
    """Parse a policy the way the plugin's parser must: strict grammar."""
    helpers, kfuncs, deny_h, deny_k = {}, {}, {}, {}
    header = []
    with open(path) as f:
        lines = f.read().split("\n")
    assert lines[-1] == "", "policy must end with a newline"
    for n, raw in enumerate(lines[:-1], 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if len(header) < 2:
            header.append(line)
            continue
        for kind, rx in LINE_RE.items():
            m = rx.match(line)
            if m:
                break
        else:
            raise AssertionError("%s:%d: not in the grammar: %r" % (path, n, raw))
        g = m.groups()
        if kind == "helper":
            helpers[g[1]] = (int(g[0]), g[2], int(g[3]))
        elif kind == "kfunc":
            kfuncs[g[0]] = (g[1], int(g[2]))
        elif kind == "deny-helper":
            deny_h[g[1]] = (int(g[0]), g[2])
        else:
            deny_k[g[0]] = g[1]
    return header, helpers, kfuncs, deny_h, deny_k


class KnownCases(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        (cls.header, cls.helpers, cls.kfuncs,
         cls.deny_h, cls.deny_k) = load()

    def test_header(self):
        self.assertEqual(self.header, ["bpfcancel-policy 1", "kernel linux-6.12.117"])

    def test_ret_null_helpers(self):
        for name, hid in (("map_lookup_elem", 1), ("ringbuf_reserve", 131),
                          ("sk_lookup_tcp", 84), ("per_cpu_ptr", 153)):
            self.assertEqual(self.helpers.get(name), (hid, "ret-null", 0), name)

    def test_callback_helpers(self):
        self.assertEqual(self.helpers.get("loop"), (181, "callback", 0))
        self.assertEqual(self.helpers.get("for_each_map_elem"), (164, "callback", 0))
        self.assertEqual(self.helpers.get("user_ringbuf_drain"), (209, "callback", 0))
        # 0 means "found a vma": zero runs of the callback is -ENOENT.
        self.assertEqual(self.helpers.get("find_vma"), (180, "callback", -2))

    def test_tail_call(self):
        self.assertEqual(self.helpers.get("tail_call"), (12, "tail-call", 0))

    def test_kptr_xchg_denied(self):
        self.assertNotIn("kptr_xchg", self.helpers)
        self.assertEqual(self.deny_h.get("kptr_xchg"), (194, "release-arg"))

    def test_never_substituted_helpers(self):
        # consume or hand over something, initialise, or are unconditional
        for name in ("ringbuf_submit", "ringbuf_discard", "sk_release",
                     "spin_lock", "spin_unlock", "timer_init",
                     "dynptr_from_mem", "ringbuf_reserve_dynptr",
                     "ringbuf_submit_dynptr", "this_cpu_ptr",
                     "get_current_task_btf"):
            self.assertNotIn(name, self.helpers, name)

    def test_kfuncs(self):
        self.assertEqual(self.kfuncs.get("bpf_iter_num_next"), ("iter-next", 0))
        for name in ("bpf_task_acquire", "bpf_task_from_pid", "bpf_obj_new_impl"):
            self.assertEqual(self.kfuncs.get(name), ("ret-null", 0), name)
        self.assertNotIn("bpf_ct_insert_entry", self.kfuncs)
        self.assertEqual(self.deny_k.get("bpf_ct_insert_entry"), "release-arg")
        for name in ("bpf_task_release", "bpf_rcu_read_lock", "bpf_rcu_read_unlock",
                     "bpf_spin_lock", "bpf_iter_num_new", "bpf_iter_num_destroy",
                     "bpf_obj_drop_impl", "bpf_list_push_front_impl",
                     "bpf_rbtree_add_impl", "bpf_cgroup_release"):
            self.assertNotIn(name, self.kfuncs, name)
            self.assertNotIn(name, self.helpers, name)

    def test_no_overlap(self):
        self.assertFalse(set(self.helpers) & set(self.deny_h))
        self.assertFalse(set(self.kfuncs) & set(self.deny_k))

    def test_helper_ids_unique(self):
        ids = [v[0] for v in self.helpers.values()] + [v[0] for v in self.deny_h.values()]
        self.assertEqual(len(ids), len(set(ids)))

    def test_sorted(self):
        with open(POLICY) as f:
            body = [l.split("#", 1)[0].split() for l in f if l and l[0] != "#"][2:]
        kinds = [("helper", "kfunc", "deny").index(l[0]) for l in body]
        self.assertEqual(kinds, sorted(kinds))
        h = [int(l[1]) for l in body if l[0] == "helper"]
        self.assertEqual(h, sorted(h))
        k = [l[1] for l in body if l[0] == "kfunc"]
        self.assertEqual(k, sorted(k))


class Regenerate(unittest.TestCase):
    @unittest.skipUnless(os.path.isfile(os.path.join(LINUX_SRC, "include/uapi/linux/bpf.h")),
                         "no Linux source at %s (see runtime/policy/README.md)" % LINUX_SRC)
    def test_byte_identical(self):
        out = subprocess.run([sys.executable, GEN, LINUX_SRC], check=True,
                             stdout=subprocess.PIPE).stdout
        with open(POLICY, "rb") as f:
            committed = f.read()

        def version(text):
            return [l for l in text.splitlines() if l.startswith(b"kernel ")]

        def rules(text):
            # entries without their comments (source line references) and
            # without the kernel version line
            return [l.split(b"#", 1)[0].strip() for l in text.splitlines()
                    if not l.startswith(b"kernel ")]

        if version(out) == version(committed):
            self.assertTrue(out == committed,
                            "regenerating from %s differs from %s" % (LINUX_SRC, POLICY))
        else:
            # Debian's linux-source-6.12 moves to new stable releases: the
            # line numbers in the comments move with it, the rules must not.
            self.assertEqual(rules(out), rules(committed),
                             "the rules derived from %s (%s) differ from %s (%s)"
                             % (LINUX_SRC, version(out), POLICY, version(committed)))

    def test_not_a_tree(self):
        r = subprocess.run([sys.executable, GEN, HERE], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"not a Linux source tree", r.stderr)


# A miniature kernel tree in which the names lie: "map_lookup_elem" returns
# an integer, an oddly named helper returns a maybe-NULL pointer, a kfunc
# named like an acquire has no flags.  The generator must follow the types
# and flags only.
MINI = {
    "Makefile": "VERSION = 9\nPATCHLEVEL = 1\nSUBLEVEL = 2\nEXTRAVERSION = -rc1\n",
    "include/uapi/asm-generic/errno-base.h": "#define\tENOENT\t\t 2\n",
    "include/uapi/asm-generic/errno.h": "",
    "include/uapi/linux/bpf.h": (
        "/*\n"
        " * long bpf_walk(void *fn, u64 flags)\n"
        " *\tDescription\n"
        " *\t\tWalks.\n"
        " *\tReturn\n"
        " *\t\tThe number of steps taken.\n"
        " *\n"
        " * long bpf_seek(void *fn)\n"
        " *\tDescription\n"
        " *\t\tSeeks.\n"
        " *\tReturn\n"
        " *\t\tSomething else entirely.\n"
        " */\n"
        "#define ___BPF_FUNC_MAPPER(FN, ctx...)\t\\\n"
        "\tFN(unspec, 0, ##ctx)\t\\\n"
        "\tFN(map_lookup_elem, 1, ##ctx)\t\\\n"
        "\tFN(odd_name, 2, ##ctx)\t\\\n"
        "\tFN(two_faced, 3, ##ctx)\t\\\n"
        "\tFN(giver, 4, ##ctx)\t\\\n"
        "\tFN(walk, 5, ##ctx)\t\\\n"
        "\tFN(jump, 6, ##ctx)\t\\\n"
        "\tFN(seek, 7, ##ctx)\t\\\n"
        "\t/* */\n"),
    "include/linux/bpf.h": (
        "enum bpf_type_flag { PTR_MAYBE_NULL = BIT(8), OBJ_RELEASE = BIT(9),\n"
        "  MEM_UNINIT = BIT(10), __BPF_TYPE_FLAG_MAX, };\n"
        "enum bpf_arg_type { ARG_DONTCARE = 0, ARG_ANYTHING, ARG_PTR_TO_BTF_ID,\n"
        "  ARG_PTR_TO_FUNC, ARG_PTR_TO_BTF_ID_OR_NULL = PTR_MAYBE_NULL | ARG_PTR_TO_BTF_ID, };\n"
        "enum bpf_return_type { RET_INTEGER, RET_VOID, RET_PTR_TO_X,\n"
        "  RET_PTR_TO_X_OR_NULL = PTR_MAYBE_NULL | RET_PTR_TO_X, };\n"),
    "kernel/bpf/verifier.c": (
        "static bool is_sync_callback_calling_function(enum bpf_func_id func_id)\n"
        "{\n\treturn func_id == BPF_FUNC_walk || func_id == BPF_FUNC_seek;\n}\n"
        "static int do_misc_fixups(void) {\n"
        "\tif (insn->imm == BPF_FUNC_jump) {\n"
        "\t\tinsn->code = BPF_JMP | BPF_TAIL_CALL;\n\t}\n}\n"),
    "kernel/bpf/mini.c": (
        "const struct bpf_func_proto bpf_map_lookup_elem_proto = {\n"
        "\t.func = bpf_map_lookup_elem, .ret_type = RET_INTEGER,\n};\n"
        "static const struct bpf_func_proto odd_proto = {\n"
        "\t.func = whatever, .ret_type = RET_PTR_TO_X_OR_NULL, .arg1_type = ARG_ANYTHING,\n};\n"
        "static const struct bpf_func_proto face_a = { .ret_type = RET_PTR_TO_X_OR_NULL, };\n"
        "static const struct bpf_func_proto face_b = { .ret_type = RET_PTR_TO_X, };\n"
        "static const struct bpf_func_proto giver_proto = { .ret_type = RET_PTR_TO_X_OR_NULL,\n"
        "\t.arg2_type = ARG_PTR_TO_BTF_ID_OR_NULL | OBJ_RELEASE, };\n"
        "static const struct bpf_func_proto walk_proto = { .ret_type = RET_INTEGER,\n"
        "\t.arg1_type = ARG_PTR_TO_FUNC, };\n"
        "static const struct bpf_func_proto seek_proto = { .ret_type = RET_INTEGER, };\n"
        "static const struct bpf_func_proto jump_proto = { .ret_type = RET_VOID, };\n"
        "static const struct bpf_func_proto *a_func_proto(int func_id)\n{\n"
        "\tswitch (func_id) {\n"
        "\tcase BPF_FUNC_odd_name:\n\t\treturn &odd_proto;\n"
        "\tcase BPF_FUNC_two_faced:\n\t\treturn &face_a;\n"
        "\tcase BPF_FUNC_giver:\n\t\treturn &giver_proto;\n"
        "\tcase BPF_FUNC_walk:\n\t\treturn &walk_proto;\n"
        "\tcase BPF_FUNC_seek:\n\t\treturn &seek_proto;\n"
        "\tcase BPF_FUNC_jump:\n\t\treturn &jump_proto;\n"
        "\tdefault:\n\t\treturn NULL;\n\t}\n}\n"
        "static const struct bpf_func_proto *b_func_proto(int func_id)\n{\n"
        "\tswitch (func_id) {\n"
        "\tcase BPF_FUNC_two_faced:\n"
        "\t\tswitch (prog_type) {\n\t\tcase 1:\n\t\t\treturn &face_b;\n\t\t}\n"
        "\t\treturn NULL;\n"
        "\tdefault:\n\t\treturn NULL;\n\t}\n}\n"
        "BTF_ID_FLAGS(func, bpf_thing_acquire)\n"
        "BTF_ID_FLAGS(func, plain_lookup, KF_RET_NULL)\n"
        "BTF_ID_FLAGS(func, stepper, KF_ITER_NEXT | KF_RET_NULL)\n"
        "BTF_ID_FLAGS(func, swap_in, KF_ACQUIRE | KF_RET_NULL | KF_RELEASE)\n"
        "BTF_ID_FLAGS(func, moody, KF_RET_NULL)\n"
        "BTF_ID_FLAGS(func, moody)\n"
        "BTF_ID_FLAGS(func, maker, KF_RET_NULL)\n"
        "__bpf_kfunc void *maker(struct bpf_dynptr *p__uninit) { return 0; }\n"),
    "tools/testing/x.c": "BTF_ID_FLAGS(func, testmod_only, KF_RET_NULL)\n",
}


class Rules(unittest.TestCase):
    """The rules on a miniature tree whose names say the opposite."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.tmp = tempfile.TemporaryDirectory()
        for rel, text in MINI.items():
            path = os.path.join(cls.tmp.name, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        out = os.path.join(cls.tmp.name, "out.policy")
        subprocess.run([sys.executable, GEN, cls.tmp.name, "-o", out], check=True)
        (cls.header, cls.helpers, cls.kfuncs,
         cls.deny_h, cls.deny_k) = load(out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_rules(self):
        self.assertEqual(self.header, ["bpfcancel-policy 1", "kernel linux-9.1.2-rc1"])
        self.assertEqual(self.helpers, {
            "odd_name": (2, "ret-null", 0),
            "walk": (5, "callback", 0),
            "jump": (6, "tail-call", 0),
        })
        self.assertEqual(self.deny_h, {
            "two_faced": (3, "protos-disagree"),
            "giver": (4, "release-arg"),
            "seek": (7, "callback-result"),
        })
        self.assertEqual(self.kfuncs, {"plain_lookup": ("ret-null", 0),
                                       "stepper": ("iter-next", 0)})
        self.assertEqual(self.deny_k, {"swap_in": "release-arg",
                                       "moody": "flags-disagree",
                                       "maker": "dynptr-init"})


if __name__ == "__main__":
    unittest.main()
