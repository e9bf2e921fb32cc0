#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""check_kernel_copies.py - the kernel tree carries the runtime's shared
files byte for byte (one source of truth, like libbpf's relo_core.c).

    runtime/core/bpf_cancel_core.c          tools/lib/bpf/bpf_cancel_core.c
    runtime/core/bpf_cancel_core.h          tools/lib/bpf/bpf_cancel_core.h
    runtime/include/uapi/linux/bpf_cancel.h include/uapi/linux/bpf_cancel.h
                                            tools/include/uapi/linux/bpf_cancel.h

The kernel side is read from every source available:
  - the patch series (kernel-patch/series): each file is rebuilt from the
    patches that create and modify it (the base tree does not carry these
    files, so a patch must create each one before another modifies it);
  - a kernel tree (default build/kernel/src, the dev tree during
    development).
A source that has none of the files is not used; with no source at all the
check prints SKIP and passes (nothing exported yet). A source that has some
of the files but not all fails.

usage: check_kernel_copies.py [--root DIR] [--tree DIR] [--series FILE]
Prints one line per comparison and "kernel copies: N passed, N failed".
"""
import argparse
import difflib
import os
import re
import sys

PAIRS = [
    ("runtime/core/bpf_cancel_core.c", "tools/lib/bpf/bpf_cancel_core.c"),
    ("runtime/core/bpf_cancel_core.h", "tools/lib/bpf/bpf_cancel_core.h"),
    ("runtime/include/uapi/linux/bpf_cancel.h",
     "include/uapi/linux/bpf_cancel.h"),
    ("runtime/include/uapi/linux/bpf_cancel.h",
     "tools/include/uapi/linux/bpf_cancel.h"),
]


class PatchError(Exception):
    pass


def compare(ours_path, ours, theirs_name, theirs):
    """Compare our file's bytes with a kernel-side copy.

    Returns (ok, message); the message carries a short unified diff when
    the copies differ.
    """
    if ours == theirs:
        return True, "ok   %s == %s" % (ours_path, theirs_name)
    diff = difflib.unified_diff(
        ours.decode("utf-8", "replace").splitlines(True),
        theirs.decode("utf-8", "replace").splitlines(True),
        ours_path, theirs_name, n=1)
    text = "".join(list(diff)[:40])
    return False, "FAIL %s != %s\n%s" % (ours_path, theirs_name, text)


def compare_files(ours_path, theirs_path):
    """Compare two files by path: (ok, message)."""
    with open(ours_path, "rb") as f:
        ours = f.read()
    with open(theirs_path, "rb") as f:
        theirs = f.read()
    return compare(ours_path, ours, theirs_path, theirs)


def _file_sections(patch_text):
    """Yield (path, lines of the per-file diff) of a git patch."""
    cur, body = None, []
    for line in patch_text.splitlines(True):
        m = re.match(r"^diff --git a/(\S+) b/(\S+)$", line.rstrip("\n"))
        if m:
            if cur is not None:
                yield cur, body
            cur, body = m.group(2), []
        elif cur is not None:
            # hunks are consumed by their line counts: the format-patch
            # signature after the last file is never read as diff
            body.append(line)
    if cur is not None:
        yield cur, body


def _apply(path, old, body):
    """Apply one file's diff body to old (list of lines or None)."""
    new_file = any(l.startswith("new file mode") for l in body[:4])
    if any(l.startswith("deleted file mode") for l in body[:4]):
        return None
    if new_file:
        old = []
    elif old is None:
        raise PatchError("%s: modified before any patch created it" % path)
    out, pos, i = [], 0, 0
    while i < len(body) and not body[i].startswith("@@"):
        if body[i].startswith("GIT binary patch"):
            raise PatchError("%s: binary patch" % path)
        i += 1
    while i < len(body):
        m = re.match(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", body[i])
        if not m:
            break
        start = int(m.group(1))
        ocnt = int(m.group(2)) if m.group(2) is not None else 1
        ncnt = int(m.group(4)) if m.group(4) is not None else 1
        if ocnt == 0:
            start += 1      # "-N,0": insert after line N
        if start - 1 < pos:
            raise PatchError("%s: overlapping hunks" % path)
        out.extend(old[pos:start - 1])
        pos = start - 1
        i += 1
        seen_old = seen_new = 0
        while i < len(body) and (seen_old < ocnt or seen_new < ncnt or
                                 body[i].startswith("\\")):
            l = body[i]
            if l.startswith("\\"):          # "\ No newline at end of file"
                if out and out[-1].endswith("\n"):
                    out[-1] = out[-1][:-1]
                i += 1
                continue
            tag, text = l[:1], l[1:]
            if tag in (" ", "-"):
                if pos >= len(old) or old[pos].rstrip("\n") != \
                        text.rstrip("\n"):
                    raise PatchError("%s: hunk does not apply at line %d" %
                                     (path, pos + 1))
                pos += 1
                seen_old += 1
            if tag in (" ", "+"):
                out.append(text)
                seen_new += 1
            if tag not in (" ", "-", "+"):
                raise PatchError("%s: bad hunk line %r" % (path, l))
            i += 1
    out.extend(old[pos:])
    return out


def files_from_series(series_path, wanted):
    """Rebuild the files in wanted (kernel-tree paths) from a patch series.

    Returns {path: bytes} for the files the series creates; raises
    PatchError when a patch cannot be applied.
    """
    base = os.path.dirname(series_path)
    state = {}
    with open(series_path) as f:
        names = [l.split("#", 1)[0].strip() for l in f]
    for name in filter(None, names):
        with open(os.path.join(base, name), encoding="utf-8",
                  errors="surrogateescape") as f:
            text = f.read()
        for path, body in _file_sections(text):
            if path in wanted:
                state[path] = _apply(path, state.get(path), body)
    return {p: "".join(l).encode("utf-8", "surrogateescape")
            for p, l in state.items() if l is not None}


def files_from_tree(tree, wanted):
    got = {}
    for p in wanted:
        fp = os.path.join(tree, p)
        if os.path.isfile(fp):
            with open(fp, "rb") as f:
                got[p] = f.read()
    return got


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.normpath(
        os.path.join(here, "..", "..")))
    ap.add_argument("--tree", default=None,
                    help="kernel tree (default ROOT/build/kernel/src)")
    ap.add_argument("--series", default=None,
                    help="patch series (default ROOT/kernel-patch/series)")
    a = ap.parse_args()
    tree = a.tree or os.path.join(a.root, "build", "kernel", "src")
    series = a.series or os.path.join(a.root, "kernel-patch", "series")
    wanted = sorted(set(k for _, k in PAIRS))

    sources = []
    failed = passed = 0
    if os.path.isfile(series):
        try:
            got = files_from_series(series, set(wanted))
        except (PatchError, OSError) as e:
            print("FAIL series %s: %s" % (series, e))
            got, failed = {}, failed + 1
        if got:
            sources.append(("series " + series, got))
    if os.path.isdir(tree):
        got = files_from_tree(tree, wanted)
        if got:
            sources.append(("tree " + tree, got))
    if not sources and not failed:
        print("SKIP no kernel tree or patch carries the shared files yet")
    for label, got in sources:
        for ours, theirs in PAIRS:
            name = "%s: %s" % (label, theirs)
            if theirs not in got:
                print("FAIL %s is missing" % name)
                failed += 1
                continue
            with open(os.path.join(a.root, ours), "rb") as f:
                ok, msg = compare(ours, f.read(), name, got[theirs])
            print(msg.rstrip("\n"))
            passed += ok
            failed += not ok
    print("kernel copies: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
