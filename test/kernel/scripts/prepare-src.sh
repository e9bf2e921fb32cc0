#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# prepare-src.sh [stock] - unpack Debian's linux-source-6.12 into
# $BUILD/kernel/src and apply kernel-patch/series in order. With "stock":
# into $BUILD/kernel/src-stock, no patch (the baseline of make
# check-upstream).
#
# Done once: a stamp records the hash of the series and of every patch it
# lists. When that hash changes the tree is unpacked again and the series
# re-applied. Files the old or the new series touch get a fresh mtime, so
# the out-of-tree kernel builds recompile exactly what changed (tar keeps
# the tarball's mtimes for everything else).
#
# Fails hard, naming the patch, if a patch does not apply. An empty series
# (or one with only comments) is valid.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
PATCHDIR="${KERNEL_PATCH_DIR:-$TOP/kernel-patch}"   # override: failure-mode checks
SERIES="$PATCHDIR/series"
SRC="$BUILD/kernel/src"
case "${1:-}" in
"") ;;
stock) SRC="$BUILD/kernel/src-stock"; SERIES=/dev/null ;;
*) echo "prepare-src: error: unknown argument '$1' (stock or none)" >&2; exit 1 ;;
esac
STAMP="$SRC.stamp"
TOUCHED="$SRC.touched"

die() { echo "prepare-src: error: $*" >&2; exit 1; }

[ -r "$TARBALL" ] || die "$TARBALL missing (apt-get install linux-source-6.12)"

# Patches of the series, in order (comments and blank lines skipped).
patches=()
if [ -f "$SERIES" ] && [ "$SERIES" != /dev/null ]; then
	while IFS= read -r line; do
		line=${line%%#*}
		line=$(echo "$line" | xargs)
		[ -n "$line" ] || continue
		[ -f "$PATCHDIR/$line" ] || die "series names '$line' but $PATCHDIR/$line does not exist"
		patches+=("$line")
	done < "$SERIES"
fi

want=$( { sha256sum "$TARBALL" | cut -d' ' -f1
	  [ "$SERIES" != /dev/null ] && [ -f "$SERIES" ] && sha256sum "$SERIES"
	  for p in "${patches[@]}"; do sha256sum "$PATCHDIR/$p"; done; } | sha256sum | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ -d "$SRC" ] && [ "$(cat "$STAMP")" = "$want" ]; then
	exit 0
fi

old_touched=""
[ -f "$TOUCHED" ] && old_touched=$(cat "$TOUCHED")
rm -f "$STAMP"
echo "prepare-src: unpacking $(basename "$TARBALL") into $SRC"
rm -rf "$SRC" "$SRC.tmp"
mkdir -p "$SRC.tmp"
tar -xf "$TARBALL" -C "$SRC.tmp" --strip-components=1
mv "$SRC.tmp" "$SRC"
# A repository of its own, so that git apply works relative to the tree and
# never to the enclosing project repository (build/ lives inside it).
git -C "$SRC" init -q

new_touched=""
idx=0
for p in "${patches[@]}"; do
	idx=$((idx + 1))
	echo "prepare-src: applying $p"
	files=$(cd "$SRC" && git apply --numstat "$PATCHDIR/$p" 2>/dev/null | cut -f3-) ||
		die "patch $p is malformed (git apply --numstat failed)"
	if ! out=$(cd "$SRC" && git apply --whitespace=nowarn "$PATCHDIR/$p" 2>&1); then
		echo "$out" >&2
		die "patch $p does not apply (patch $((idx)) of ${#patches[@]})"
	fi
	new_touched="$new_touched
$files"
done

# Fresh mtimes for every file the previous or the current series touched.
( cd "$SRC" && printf '%s\n%s\n' "$old_touched" "$new_touched" | sort -u |
	while IFS= read -r f; do [ -n "$f" ] && [ -e "$f" ] && touch "$f"; done ) || true
printf '%s\n' "$new_touched" | sed '/^$/d' > "$TOUCHED"
echo "$want" > "$STAMP"
echo "prepare-src: ${#patches[@]} patch(es) applied"
