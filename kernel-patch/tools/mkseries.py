#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Developer tool: regenerates kernel-patch/*.patch from the dev tree (a git repo of
# linux-source-6.12 at /work/kdev/linux, base commit BASE). Not used by the build.
"""Split the dev tree's change (BASE..HEAD) into the kernel-patch series.

Every hunk of `git diff -U2 BASE HEAD` goes to one patch: the first rule
(file glob, regex on the hunk's +/- lines) that matches, else the file's
default. New files can be staged: blocks between two regexes are left out
before a given patch. Each patch is committed on a scratch branch in a
worktree, then `git format-patch` writes the series, the cover letter is
filled from cover-letter.txt and a `series` file lists the patches.
"""
import fnmatch, os, re, subprocess, sys

TREE = "/work/kdev/linux"
BASE = "905e4092e"
WT = "/work/kdev/series"
OUT = sys.argv[1] if len(sys.argv) > 1 else "/work/kdev/out"

def sh(*a, cwd=TREE, inp=None):
    r = subprocess.run(a, cwd=cwd, input=inp, capture_output=True, text=True)
    if r.returncode:
        sys.exit("%s: %s%s" % (" ".join(a), r.stdout, r.stderr))
    return r.stdout

exec(open(os.path.join(os.path.dirname(__file__), "series_plan.py")).read())

def patch_of(path, text):
    for glob, rx, p in RULES:
        if fnmatch.fnmatch(path, glob) and (rx is None or re.search(rx, text, re.M)):
            return p
    sys.exit("no rule for hunk of %s:\n%s" % (path, text[:400]))

def hunks(path):
    d = sh("git", "diff", "-U2", BASE, "HEAD", "--", path)
    head, cur, out = [], None, []
    for line in d.splitlines(keepends=True):
        if line.startswith("@@"):
            if cur is not None:
                out.append(cur)
            cur = [line]
        elif cur is None:
            head.append(line)
        else:
            cur.append(line)
    if cur is not None:
        out.append(cur)
    return "".join(head), ["".join(h) for h in out]

files = sh("git", "diff", "--name-only", BASE, "HEAD").split()
new_files = set(sh("git", "diff", "--name-only", "--diff-filter=A", BASE, "HEAD").split())
plan = {}       # file -> list of (patch, hunk text) ; new files: patch
for f in files:
    head, hs = hunks(f)
    if f in new_files:
        plan[f] = ("new", patch_of(f, "".join(hs)), head, hs)
    else:
        plan[f] = ("mod", [(patch_of(f, h), h) for h in hs], head)

if os.path.exists(WT):
    sh("git", "worktree", "remove", "--force", WT)
sh("git", "worktree", "add", "--detach", WT, BASE)
for k, (subject, body) in enumerate(PATCHES, 1):
    touched = False
    for f, info in plan.items():
        if info[0] == "new":
            p = info[1]
            if p > k:
                continue
            content = sh("git", "show", "HEAD:" + f)
            for sf, sp, start, end in STAGED:
                if sf == f and sp > k:
                    content = re.sub(start + r".*?" + end, "", content, flags=re.S)
            dst = os.path.join(WT, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            old = open(dst).read() if os.path.exists(dst) else None
            if old != content:
                open(dst, "w").write(content)
                touched = True
        else:
            sel = [h for p, h in info[1] if p == k]
            if not sel:
                continue
            diff = info[2] + "".join(sel)
            sh("git", "apply", "--recount", "-", cwd=WT, inp=diff)
            touched = True
    if not touched:
        sys.exit("patch %d (%s) is empty" % (k, subject))
    sh("git", "add", "-A", ".", cwd=WT)
    msg = subject + "\n\n" + body.strip() + "\n\nSigned-off-by: bpfcancel developers <dev@bpfcancel.invalid>\n"
    sh("git", "-c", "user.name=bpfcancel developers", "-c", "user.email=dev@bpfcancel.invalid",
       "commit", "-q", "-F", "-", cwd=WT, inp=msg)

# the last patch's tree must be HEAD's
diff = sh("git", "diff", "HEAD", "--stat", cwd=WT)
left = sh("git", "diff", "--stat", "HEAD", subprocess.run(["git", "rev-parse", "HEAD"], cwd=WT,
          capture_output=True, text=True).stdout.strip())
if left.strip():
    sys.exit("series does not reach HEAD:\n" + left)
os.makedirs(OUT, exist_ok=True)
for old in os.listdir(OUT):
    if old.endswith(".patch"):
        os.remove(os.path.join(OUT, old))
sh("git", "format-patch", "-q", "--cover-letter", "--no-signature", "-o", OUT, BASE, cwd=WT)

# cover letter: first line of cover-letter.txt is the subject, the rest the blurb
subject, _, blurb = open(os.path.join(os.path.dirname(__file__),
                                      "cover-letter.txt")).read().partition("\n")
cover = os.path.join(OUT, "0000-cover-letter.patch")
text = open(cover).read()
text = text.replace("*** SUBJECT HERE ***", subject.strip()).replace("*** BLURB HERE ***", blurb.strip())
open(cover, "w").write(text)
names = sorted(n for n in os.listdir(OUT) if n.endswith(".patch") and not n.startswith("0000"))
with open(os.path.join(OUT, "series"), "w") as f:
    f.write("""# SPDX-License-Identifier: GPL-2.0
# kernel-patch/series - patches applied in order to Debian's linux-source-6.12
# (6.12.117) by test/kernel/scripts/prepare-src.sh. One file name per line,
# relative to kernel-patch/; '#' starts a comment. 0000-cover-letter.patch
# is the series' cover letter (not applied). Generated by tools/mkseries.py.
""")
    f.write("".join(n + "\n" for n in names))
print("series written to", OUT, "(copy *.patch and series into kernel-patch/)")
