#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Developer tool: regenerates kernel-patch/*.patch from the dev tree (a git repo of
# linux-source-6.12 at /work/kdev/linux whose base commit, the unpacked tarball
# committed with "git add -f" since Debian's .gitignore ignores the top level,
# is tagged bpfcancel-base). Not used by the build.
"""Split the dev tree's change (BASE..HEAD) into the kernel-patch series.

Every hunk of `git diff -U2 BASE HEAD` goes to one patch: the first rule
(file glob, regex on the hunk's text) that matches. STAGED blocks (start
regex, anything, end regex) appear only at a given patch, optionally with a
stub in their place before it: in a new file anywhere, in a modified file
as whole added lines of one hunk. Each patch is committed on a detached
worktree, then `git format-patch` writes the series, the cover letter is
filled from cover-letter.txt and a `series` file lists the patches.
"""
import fnmatch, os, re, subprocess, sys

TREE = "/work/kdev/linux"
BASE = os.environ.get("MKSERIES_BASE", "bpfcancel-base")
WT = os.environ.get("MKSERIES_WT", "/work/kdev/series")   # scratch worktree
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

INF = 1 << 30

def staged(f):
    return [(sp, start + r".*?" + end, st[0] if st else "")
            for sf, sp, start, end, *st in STAGED if sf == f]

def stage_new(f, content, k):
    """A new file's content at patch k: blocks of later patches stubbed."""
    for sp, rx, stub in staged(f):
        if sp > k:
            content = re.sub(rx, lambda m: stub, content, count=1, flags=re.S)
    return content

def stage_hunks(f, p_hunks):
    """Hunks of a modified file as lines [tag, text, lo, hi]: the line is
    there after patches lo..hi-1 (0 = BASE). Staged blocks move added lines
    to a later (or earlier) patch, with a stub before it."""
    out = [(p, h.splitlines(keepends=True)[0],
            [[l[0], l[1:], 0 if l[0] != "+" else p, INF if l[0] != "-" else p]
             for l in h.splitlines(keepends=True)[1:]], set()) for p, h in p_hunks]
    for sp, rx, stub in staged(f):
        found = 0
        for p, hdr, lines, moved in out:
            if any(l[0] not in " +-" for l in lines):
                sys.exit("%s: cannot stage in a hunk with '\\' lines" % f)
            live = [i for i, l in enumerate(lines) if l[3] == INF]
            starts, text = [], ""
            for i in live:
                starts.append(len(text))
                text += lines[i][1]
            for m in re.finditer(rx, text, re.S):
                found += 1
                if m.start() not in starts or (m.end() not in starts and m.end() != len(text)):
                    sys.exit("%s: staged block %r is not whole lines" % (f, rx))
                a = starts.index(m.start())
                b = starts.index(m.end()) if m.end() != len(text) else len(live)
                for i in live[a:b]:
                    if lines[i][0] != "+":
                        sys.exit("%s: staged block %r holds context" % (f, rx))
                    # nested blocks: the inner one's (later) patch wins
                    lines[i][2] = max(lines[i][2], sp) if id(lines[i]) in moved else sp
                    moved.add(id(lines[i]))
                at = live[a]
                lines[at:at] = [["+", t, p, sp] for t in stub.splitlines(keepends=True)]
        if found != 1:
            sys.exit("%s: staged block %r matches %d times" % (f, rx, found))
    return [(p, hdr, lines) for p, hdr, lines, moved in out]

def hunk_at(hdr, lines, k):
    """The part of a staged hunk that patch k changes, or None."""
    body, change = [], False
    for tag, text, lo, hi in lines:
        was, now = lo <= k - 1 < hi, lo <= k < hi
        if was or now:
            body.append((" " if was and now else "-" if was else "+") + text)
            change |= was != now
    return hdr + "".join(body) if change else None

files = sh("git", "diff", "--name-only", BASE, "HEAD").split()
new_files = set(sh("git", "diff", "--name-only", "--diff-filter=A", BASE, "HEAD").split())
plan = {}       # file -> ("new", patch, ...) or ("mod", staged hunks, header)
for f in files:
    head, hs = hunks(f)
    if f in new_files:
        plan[f] = ("new", patch_of(f, "".join(hs)), head, hs)
        content = sh("git", "show", "HEAD:" + f)
        for sp, rx, stub in staged(f):
            if len(re.findall(rx, content, re.S)) != 1:
                sys.exit("%s: staged block %r does not match once" % (f, rx))
    else:
        plan[f] = ("mod", stage_hunks(f, [(patch_of(f, h), h) for h in hs]), head)
for sf, *_ in STAGED:
    if sf not in plan:
        sys.exit("staged block for %s, which the change does not touch" % sf)

# reuse the worktree: files the series does not change keep their mtimes,
# so the build of each patch there stays incremental
if os.path.exists(os.path.join(WT, ".git")):
    sh("git", "checkout", "-q", "-f", "--detach", BASE, cwd=WT)
    sh("git", "clean", "-q", "-fdx", cwd=WT)
else:
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
            content = stage_new(f, sh("git", "show", "HEAD:" + f), k)
            dst = os.path.join(WT, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            old = open(dst).read() if os.path.exists(dst) else None
            if old != content:
                open(dst, "w").write(content)
                touched = True
        else:
            sel = [h for h in (hunk_at(hdr, lines, k) for p, hdr, lines in info[1]) if h]
            if not sel:
                continue
            diff = info[2] + "".join(sel)
            sh("git", "apply", "--recount", "-", cwd=WT, inp=diff)
            touched = True
    if not touched:
        sys.exit("patch %d (%s) is empty" % (k, subject))
    sh("git", "add", "-f", "-A", ".", cwd=WT)
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
