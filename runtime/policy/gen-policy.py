#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""gen-policy.py - derive the bpfcancel substitution policy from a Linux tree.

The compiler (clang -fbpf-cancellable) may replace a call in a cold twin by
"r0 = <fast value>" only when the kernel's verifier has already explored that
outcome on the hot copy, and only when skipping the call neither consumes nor
hands over anything.  Whether that holds is a property of the kernel the
program is loaded into, so the answer is generated from that kernel's source,
never from helper or kfunc names:

  helpers  ids and names from include/uapi/linux/bpf.h ___BPF_FUNC_MAPPER;
           every `struct bpf_func_proto X = {...}` in the tree, tied to its
           helper by the `*_func_proto()` switch tables (case BPF_FUNC_x:
           return &X;), by `.func = bpf_x` and by the name bpf_x_proto.
           A helper is substitutable only if ALL its protos agree.
           - ret-null 0   return type carries PTR_MAYBE_NULL (the
                          RET_*_OR_NULL aliases are expanded from the enums of
                          include/linux/bpf.h)
           - callback N   the helper is one the verifier treats as a
                          synchronous callback caller
                          (is_sync_callback_calling_function() in
                          kernel/bpf/verifier.c); N is the result of running
                          the callback zero times, read from the helper's
                          "Return" documentation: a count -> 0, "0 on
                          success" + -ENOENT -> -ENOENT
           - tail-call 0  the helper do_misc_fixups() turns into
                          BPF_JMP|BPF_TAIL_CALL
           - deny         a candidate with an OBJ_RELEASE argument, a
                          MEM_UNINIT (out/initialising) argument, a timer,
                          spin lock or kptr-exchange argument, protos that
                          disagree, or a callback result the docs do not give
  kfuncs   every BTF_ID_FLAGS(func, name, FLAGS) of the tree (tools/ is not
           the kernel and is skipped).  All occurrences must agree.
           - iter-next 0  KF_ITER_NEXT
           - ret-null 0   KF_RET_NULL (with or without KF_ACQUIRE)
           - deny         KF_RELEASE with either of the above (release-arg),
                          KF_ITER_NEW/KF_ITER_DESTROY with either (iter-init),
                          a `__uninit` argument (dynptr-init), or flags that
                          differ between sets (flags-disagree)
  Everything else is absent from the policy: the compiler never touches it.

Output grammar (docs/policy.md; read by the plugin's C parser):

  bpfcancel-policy 1
  kernel linux-<version>
  helper <id> <name> <kind> <imm>   # why
  kfunc <name> <kind> <imm>         # why
  deny helper <id> <name> <reason>  # why
  deny kfunc <name> <reason>        # why

The output is a pure function of the tree: no date, no absolute path, stable
ordering, so regenerating from the same tree reproduces it byte for byte.

Usage: gen-policy.py LINUX_SRC [-o OUT]     (default OUT: stdout)
"""

import argparse
import hashlib
import os
import re
import sys

# Directories of a source tree that are not the kernel: tools/ holds the
# selftests' own test module (bpf_testmod), whose kfuncs a stock kernel does
# not have; the rest hold no BPF protos or kfuncs.
SKIP_TOP = {"tools", "Documentation", "samples", "scripts", "LICENSES", "usr",
            ".git"}

FLAG_ATOMS_ENUMS = ("bpf_type_flag", "bpf_arg_type", "bpf_return_type")


def die(msg):
    sys.stderr.write("gen-policy: error: %s\n" % msg)
    sys.exit(1)


def strip_comments(text):
    """Blank out C comments, keeping newlines so line numbers survive."""
    def blank(m):
        s = m.group(0)
        if s.startswith("/"):
            return re.sub(r"[^\n]", " ", s)
        return s  # a string or char literal: keep
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                  blank, text, flags=re.S)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def match_brace(text, open_pos):
    """Index just past the '}' matching the '{' at open_pos."""
    depth = 0
    for i in range(open_pos, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def split_top(body, sep=","):
    """Split at separators that are not inside (), [] or {}."""
    out, depth, cur = [], 0, []
    for c in body:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    out.append("".join(cur))
    return out


class Tree:
    """The files of the source tree this policy is generated from."""

    def __init__(self, root):
        self.root = root
        self.used = {}  # relpath -> raw bytes, for the input fingerprint

    def read(self, rel):
        path = os.path.join(self.root, rel)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            die("cannot read %s: %s" % (path, e.strerror))
        self.used[rel] = data
        return data.decode("utf-8", "replace")

    def sources(self, needles):
        """Yield (relpath, text) of every .c/.h holding one of needles."""
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel_dir = os.path.relpath(dirpath, self.root)
            if rel_dir == ".":
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_TOP)
            else:
                dirnames.sort()
            for fn in sorted(filenames):
                if not fn.endswith((".c", ".h")):
                    continue
                rel = os.path.normpath(os.path.join(rel_dir, fn))
                with open(os.path.join(dirpath, fn), "rb") as f:
                    data = f.read()
                if not any(n in data for n in needles):
                    continue
                self.used[rel] = data
                yield rel, data.decode("utf-8", "replace")

    def fingerprint(self):
        h = hashlib.sha256()
        for rel in sorted(self.used):
            h.update(rel.encode() + b"\0")
            h.update(hashlib.sha256(self.used[rel]).digest())
        return h.hexdigest()


def kernel_version(tree):
    mk = tree.read("Makefile")
    fields = {}
    for key in ("VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"):
        m = re.search(r"^%s\s*=\s*(\S*)\s*$" % key, mk, re.M)
        fields[key] = m.group(1) if m else ""
    if not fields["VERSION"]:
        die("%s/Makefile has no VERSION: not a Linux tree?" % tree.root)
    return "%s.%s.%s%s" % (fields["VERSION"], fields["PATCHLEVEL"],
                           fields["SUBLEVEL"] or "0", fields["EXTRAVERSION"])


def parse_helper_ids(uapi):
    """___BPF_FUNC_MAPPER: FN(name, id, ##ctx) -> {id: name}."""
    start = uapi.find("#define ___BPF_FUNC_MAPPER(")
    if start < 0:
        die("include/uapi/linux/bpf.h: no ___BPF_FUNC_MAPPER")
    # The macro ends at the first line without a trailing backslash.
    end = start
    while True:
        nl = uapi.find("\n", end)
        if nl < 0 or not uapi[end:nl].rstrip().endswith("\\"):
            break
        end = nl + 1
    body = uapi[start:nl]
    ids = {}
    for name, num in re.findall(r"\bFN\((\w+),\s*(\d+)", body):
        ids[int(num)] = name
    if not ids:
        die("include/uapi/linux/bpf.h: ___BPF_FUNC_MAPPER lists no helpers")
    return ids


def parse_helper_docs(uapi):
    """The 'Return' paragraph of each helper's documentation, by name."""
    docs = {}
    lines = uapi.split("\n")
    cur = None
    in_ret = False
    for ln in lines:
        m = re.match(r"^ \* \S.*?\bbpf_(\w+)\(", ln)
        if m and not ln.startswith(" *\t"):
            cur = m.group(1)
            docs[cur] = []
            in_ret = False
            continue
        if cur is None:
            continue
        if re.match(r"^ \*\tReturn\s*$", ln):
            in_ret = True
            continue
        if re.match(r"^ \*\t\S", ln) or ln.startswith(" */"):
            in_ret = False
            if ln.startswith(" */"):
                cur = None
            continue
        if in_ret:
            docs[cur].append(ln[2:].strip())
    out = {}
    for name, ls in docs.items():
        # paragraphs are separated by blank " *" lines
        paras, p = [], []
        for l in ls:
            if l:
                p.append(l)
            elif p:
                paras.append(" ".join(p))
                p = []
        if p:
            paras.append(" ".join(p))
        out[name] = [re.sub(r"\*\*|\\", "", x) for x in paras]
    return out


def parse_errno(tree):
    vals = {}
    for rel in ("include/uapi/asm-generic/errno-base.h",
                "include/uapi/asm-generic/errno.h"):
        for name, num in re.findall(r"^#define\s+(E\w+)\s+(\d+)", tree.read(rel), re.M):
            vals[name] = int(num)
    return vals


def parse_type_atoms(kbpf):
    """Expand the enums of include/linux/bpf.h into sets of atoms.

    An atom is a base type (ARG_PTR_TO_MEM, RET_PTR_TO_MAP_VALUE, ...) or a
    flag (PTR_MAYBE_NULL, OBJ_RELEASE, ...).  Aliases such as
    RET_PTR_TO_MAP_VALUE_OR_NULL = PTR_MAYBE_NULL | RET_PTR_TO_MAP_VALUE
    expand to the union of their parts.
    """
    raw = {}
    for enum in FLAG_ATOMS_ENUMS:
        m = re.search(r"\benum\s+%s\s*\{" % enum, kbpf)
        if not m:
            die("include/linux/bpf.h: no enum %s" % enum)
        body = kbpf[m.end():match_brace(kbpf, m.end() - 1) - 1]
        for item in split_top(body):
            item = item.strip()
            if not item:
                continue
            name, _, val = item.partition("=")
            name, val = name.strip(), val.strip()
            if val and re.fullmatch(r"[A-Z_][A-Z0-9_]*(\s*\|\s*[A-Z_][A-Z0-9_]*)*", val):
                raw[name] = [v.strip() for v in val.split("|")]
            else:
                raw[name] = None  # an atom (BIT(...), implicit or a limit)
    memo = {}

    def expand(name, stack=()):
        if name in memo:
            return memo[name]
        parts = raw.get(name)
        if parts is None or name in stack:
            res = frozenset([name])
        else:
            res = frozenset().union(*(expand(p, stack + (name,)) for p in parts))
        memo[name] = res
        return res

    if "PTR_MAYBE_NULL" not in raw or "OBJ_RELEASE" not in raw:
        die("include/linux/bpf.h: enum bpf_type_flag lacks PTR_MAYBE_NULL/OBJ_RELEASE")
    return expand


def type_atoms(expand, expr):
    atoms = set()
    for tok in re.findall(r"[A-Za-z_]\w*", expr):
        atoms |= expand(tok)
    return frozenset(atoms)


class Proto:
    def __init__(self, name, where, fields):
        self.name = name
        self.where = where
        self.fields = fields

    def get(self, key):
        return self.fields.get(key, "")


def scan_protos(tree):
    """All bpf_func_proto definitions, getters and switch tables."""
    protos = {}
    getters = {}    # fn(void) returning a proto -> proto names it returns
    cases = []      # (helper name, body text, where)
    proto_re = re.compile(r"\bstruct\s+bpf_func_proto\s+(\w+)\s*=\s*\{")
    getter_re = re.compile(r"\bconst\s+struct\s+bpf_func_proto\s*\*\s*(\w+)\s*\(\s*void\s*\)\s*\{")
    for rel, text in tree.sources([b"bpf_func_proto"]):
        text = strip_comments(text)
        for m in proto_re.finditer(text):
            end = match_brace(text, m.end() - 1)
            fields = {}
            for item in split_top(text[m.end():end - 1]):
                fm = re.match(r"\s*\.(\w+)\s*=\s*(.*?)\s*$", item, re.S)
                if fm:
                    fields[fm.group(1)] = " ".join(fm.group(2).split())
            where = "%s:%d" % (rel, line_of(text, m.start()))
            if m.group(1) in protos:
                # Same name in two files (static protos): keep both apart.
                key = "%s@%s" % (m.group(1), rel)
            else:
                key = m.group(1)
            protos[key] = Proto(m.group(1), where, fields)
        for m in getter_re.finditer(text):
            end = match_brace(text, m.end() - 1)
            getters[m.group(1)] = set(re.findall(r"&\s*(\w+)", text[m.end():end]))
        # Switch tables: a run of "case BPF_FUNC_x:" labels owns the code up
        # to the next label of the same switch (same brace depth) or the
        # end of that switch; labels of nested switches (e.g. on
        # expected_attach_type) belong to the body.
        events = []
        depth = 0
        for m in re.finditer(r"[{}]|\bcase\s+BPF_FUNC_(\w+)\s*:|\bcase\b[^:]*:|\bdefault\s*:", text):
            tok = m.group(0)
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
                events.append(("close", depth, m))
            else:
                events.append(("label", depth, m))
        for i, (ev, d, m) in enumerate(events):
            if ev != "label" or not m.group(1):
                continue
            body_end = len(text)
            for ev2, d2, m2 in events[i + 1:]:
                if (ev2 == "label" and d2 == d and not m2.group(1)) or \
                   (ev2 == "close" and d2 < d):
                    body_end = m2.start()
                    break
                if ev2 == "label" and d2 == d and m2.group(1):
                    # a following BPF_FUNC label: fall-through groups share
                    # the code after the last label of the run
                    gap = text[m.end():m2.start()]
                    if re.fullmatch(r"(\s|#[^\n]*\n)*", gap):
                        continue
                    body_end = m2.start()
                    break
            cases.append((m.group(1), text[m.end():body_end],
                          "%s:%d" % (rel, line_of(text, m.start()))))
    return protos, getters, cases


def protos_of_helpers(ids, protos, getters, cases):
    by_name = {}
    for key, p in protos.items():
        by_name.setdefault(p.name, []).append(key)
    helper_protos = {name: set() for name in ids.values()}
    for helper, body, _ in cases:
        if helper not in helper_protos:
            continue
        refs = set(re.findall(r"&\s*(\w+)", body))
        for call in re.findall(r"\b(\w+)\s*\(\s*\)", body):
            refs |= getters.get(call, set())
        for r in refs:
            helper_protos[helper].update(by_name.get(r, []))
    for key, p in protos.items():
        func = p.get("func")
        for helper in helper_protos:
            if func == "bpf_" + helper or p.name == "bpf_%s_proto" % helper:
                helper_protos[helper].add(key)
    return helper_protos


def sync_callback_helpers(verifier):
    m = re.search(r"\bis_sync_callback_calling_function\s*\([^)]*\)\s*\{", verifier)
    if not m:
        die("kernel/bpf/verifier.c: no is_sync_callback_calling_function()")
    body = verifier[m.end():match_brace(verifier, m.end() - 1)]
    return set(re.findall(r"BPF_FUNC_(\w+)", body))


def tail_call_helper(verifier):
    """The helper whose call do_misc_fixups() rewrites into BPF_TAIL_CALL."""
    pos = verifier.find("BPF_JMP | BPF_TAIL_CALL;")
    if pos < 0:
        die("kernel/bpf/verifier.c: no rewrite into BPF_TAIL_CALL")
    ifs = list(re.finditer(r"if\s*\(\s*insn->imm\s*==\s*BPF_FUNC_(\w+)\s*\)", verifier[:pos]))
    if not ifs:
        die("kernel/bpf/verifier.c: cannot find the tail-call helper id")
    return ifs[-1].group(1)


def zero_run_result(paras, errno):
    """What a callback helper returns when it runs its callback 0 times.

    Returns (value, doc sentence) or (None, why not).
    """
    if not paras:
        return None, "no Return documentation"
    first = paras[0]
    if re.match(r"(The )?number of\b", first, re.I):
        return 0, first.split(",")[0].strip().rstrip(".")
    text = " ".join(paras)
    if re.match(r"0 on success\b", first):
        m = re.search(r"-ENOENT\b[^.]*\bno\b[^.]*", text)
        if m:
            return -errno["ENOENT"], "0 on success; " + m.group(0).strip()
    return None, "Return documentation gives no zero-run result"


# Reasons an argument makes skipping a helper call unsound, most serious
# first: the call consumes a reference (release), initialises an object the
# program later uses or must release (dynptr/uninit out-argument, timer), or
# hands an object over / takes a lock.
DENY_ORDER = ("release-arg", "dynptr-init", "uninit-out-arg", "timer-arg",
              "lock-arg", "kptr-xchg")


def arg_deny_reason(atoms):
    if "OBJ_RELEASE" in atoms:
        return "release-arg"
    if "MEM_UNINIT" in atoms and "ARG_PTR_TO_DYNPTR" in atoms:
        return "dynptr-init"
    if "MEM_UNINIT" in atoms:
        return "uninit-out-arg"
    if "ARG_PTR_TO_TIMER" in atoms:
        return "timer-arg"
    if "ARG_PTR_TO_SPIN_LOCK" in atoms:
        return "lock-arg"
    if "ARG_KPTR_XCHG_DEST" in atoms:
        return "kptr-xchg"
    return None


def classify_helpers(tree, ids, helper_protos, protos, expand, sync_cb, tail,
                     docs, errno):
    allowed, denied = [], []
    for hid in sorted(ids):
        name = ids[hid]
        keys = sorted(helper_protos.get(name, ()))
        if not keys:
            continue
        ps = [protos[k] for k in keys]
        where = ", ".join("%s@%s" % (p.name, p.where) for p in ps)
        if name == tail:
            kind, imm, why = "tail-call", 0, "verifier rewrites it to BPF_TAIL_CALL; a failed tail call falls through"
        elif name in sync_cb:
            imm, why = zero_run_result(docs.get(name, []), errno)
            if imm is None:
                denied.append((hid, name, "callback-result", why))
                continue
            kind, why = "callback", "sync callback caller; zero runs: doc '%s'" % why
        else:
            rets = [type_atoms(expand, p.get("ret_type")) for p in ps]
            maybe = ["PTR_MAYBE_NULL" in r for r in rets]
            if not any(maybe):
                continue
            if not all(maybe):
                denied.append((hid, name, "protos-disagree",
                               "PTR_MAYBE_NULL in %d of %d protos: %s" %
                               (sum(maybe), len(maybe), where)))
                continue
            kind, imm = "ret-null", 0
            why = "ret_type %s" % " / ".join(sorted(set(p.get("ret_type") for p in ps)))
        # The most serious reason over every argument of every proto.
        reason = None
        for p in ps:
            for n in range(1, 6):
                expr = p.get("arg%d_type" % n)
                r = arg_deny_reason(type_atoms(expand, expr)) if expr else None
                if r and (reason is None or
                          DENY_ORDER.index(r) < DENY_ORDER.index(reason[0])):
                    reason = (r, "%s arg%d_type %s" % (p.name, n, expr))
        if reason:
            denied.append((hid, name, reason[0], reason[1]))
            continue
        allowed.append((hid, name, kind, imm, "%s; %s" % (why, where)))
    return allowed, denied


def scan_kfuncs(tree):
    occ = {}     # name -> list of (flags frozenset, where)
    uninit = {}  # name -> arg using the __uninit suffix
    flag_re = re.compile(r"\bBTF_ID_FLAGS\s*\(\s*func\s*,\s*(\w+)\s*(?:,([^)]*))?\)", re.S)
    def_re = re.compile(r"__bpf_kfunc\s+[^;{(]*?\b(\w+)\s*\(([^)]*)\)\s*\{", re.S)
    for rel, text in tree.sources([b"BTF_ID_FLAGS", b"__bpf_kfunc"]):
        text = strip_comments(text)
        for m in flag_re.finditer(text):
            flags = frozenset(f for f in re.findall(r"\w+", m.group(2) or "") if f != "0")
            occ.setdefault(m.group(1), []).append(
                (flags, "%s:%d" % (rel, line_of(text, m.start()))))
        for m in def_re.finditer(text):
            for arg in split_top(m.group(2)):
                if re.search(r"\w+__uninit\s*$", arg.strip()):
                    uninit[m.group(1)] = " ".join(arg.split())
    return occ, uninit


def classify_kfuncs(occ, uninit):
    allowed, denied = [], []
    for name in sorted(occ):
        sets = occ[name]
        flagsets = sorted(set(f for f, _ in sets), key=sorted)
        where = ", ".join(w for _, w in sets)
        shown = " / ".join("|".join(sorted(f)) or "none" for f in flagsets)

        def kind_of(f):
            if "KF_ITER_NEXT" in f:
                return "iter-next"
            if "KF_RET_NULL" in f:
                return "ret-null"
            return None

        kinds = set(kind_of(f) for f in flagsets)
        if kinds == {None}:
            continue
        # "Agree" is about the flags that decide the policy; a set that adds
        # KF_SLEEPABLE or KF_TRUSTED_ARGS changes where the kfunc may be
        # called, not what the verifier explores for r0.
        if len(kinds) > 1:
            denied.append((name, "flags-disagree", "%s (%s)" % (shown, where)))
            continue
        if any("KF_RELEASE" in f for f in flagsets):
            denied.append((name, "release-arg", "%s (%s)" % (shown, where)))
            continue
        if any("KF_ITER_NEW" in f or "KF_ITER_DESTROY" in f for f in flagsets):
            denied.append((name, "iter-init", "%s (%s)" % (shown, where)))
            continue
        if name in uninit:
            denied.append((name, "dynptr-init", "argument %s (%s)" % (uninit[name], where)))
            continue
        allowed.append((name, kinds.pop(), 0, "%s (%s)" % (shown, where)))
    return allowed, denied


def generate(root):
    tree = Tree(root)
    version = kernel_version(tree)
    uapi = tree.read("include/uapi/linux/bpf.h")
    kbpf = strip_comments(tree.read("include/linux/bpf.h"))
    verifier = strip_comments(tree.read("kernel/bpf/verifier.c"))
    ids = parse_helper_ids(strip_comments(uapi))
    docs = parse_helper_docs(uapi)
    errno = parse_errno(tree)
    expand = parse_type_atoms(kbpf)
    sync_cb = sync_callback_helpers(verifier)
    tail = tail_call_helper(verifier)
    protos, getters, cases = scan_protos(tree)
    helper_protos = protos_of_helpers(ids, protos, getters, cases)
    h_ok, h_deny = classify_helpers(tree, ids, helper_protos, protos, expand,
                                    sync_cb, tail, docs, errno)
    occ, uninit = scan_kfuncs(tree)
    k_ok, k_deny = classify_kfuncs(occ, uninit)

    out = []
    out.append("# bpfcancel substitution policy, generated by runtime/policy/gen-policy.py")
    out.append("# from the Linux %s source tree (%d input files, sha256 %s)." %
               (version, len(tree.used), tree.fingerprint()[:16]))
    out.append("# Do not edit: regenerate (runtime/policy/README.md). Grammar and rules:")
    out.append("# docs/policy.md. %d helpers, %d kfuncs scanned; %d protos." %
               (len(ids), len(occ), len(protos)))
    out.append("bpfcancel-policy 1")
    out.append("kernel linux-%s" % version)
    for hid, name, kind, imm, why in h_ok:
        out.append("helper %d %s %s %d  # %s" % (hid, name, kind, imm, why))
    for name, kind, imm, why in k_ok:
        out.append("kfunc %s %s %d  # %s" % (name, kind, imm, why))
    for hid, name, reason, why in h_deny:
        out.append("deny helper %d %s %s  # %s" % (hid, name, reason, why))
    for name, reason, why in k_deny:
        out.append("deny kfunc %s %s  # %s" % (name, reason, why))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("linux_src", help="root of a Linux source tree")
    ap.add_argument("-o", "--output", help="policy file to write (default: stdout)")
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(args.linux_src, "include/uapi/linux/bpf.h")):
        die("%s: not a Linux source tree (no include/uapi/linux/bpf.h)" % args.linux_src)
    text = generate(args.linux_src)
    if args.output:
        tmp = args.output + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, args.output)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
