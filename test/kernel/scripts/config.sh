#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# config.sh <x86_64|arm64> [debug|stock] - generate the bench kernel .config:
# make tinyconfig, merge kernel-patch/configs/{common,<arch>[,debug]}.config
# with merge_config.sh, make olddefconfig, then verify that every option the
# fragments set ended up with that value (fail naming the option if not).
# Re-run only when a fragment or the patched tree changes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
set_arch "$1" "${2:-}"

CFG="$TOP/kernel-patch/configs"
frags=("$CFG/common.config" "$CFG/$KARCH.config")
[ "${2:-}" = debug ] && frags+=("$CFG/debug.config")
STAMP="$KB/$FLAV/config.stamp"
want=$(hash_files "${frags[@]}" "$KSRC.stamp")
if [ -f "$STAMP" ] && [ -f "$OBJ/.config" ] && [ "$(cat "$STAMP")" = "$want" ]; then
	exit 0
fi
rm -f "$STAMP"
mkdir -p "$OBJ"
log "configuring $FLAV: tinyconfig + ${frags[*]##*/}"
"${KMAKE[@]}" tinyconfig >/dev/null
( cd "$OBJ" && ARCH=${KMAKE[5]#ARCH=} \
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" .config "${frags[@]}" >/dev/null )
"${KMAKE[@]}" olddefconfig >/dev/null

# Verify: every "CONFIG_X=v" must be exactly there, every "# CONFIG_X is not
# set" must not be set. The last fragment wins when several set one option.
bad=0
declare -A wantv
for f in "${frags[@]}"; do
	while IFS= read -r l; do
		case "$l" in
		CONFIG_*=*) wantv[${l%%=*}]=${l#*=} ;;
		"# CONFIG_"*" is not set") o=${l#\# }; wantv[${o%% *}]="n" ;;
		esac
	done < "$f"
done
for o in "${!wantv[@]}"; do
	v=${wantv[$o]}
	if [ "$v" = n ]; then
		if grep -q "^$o=" "$OBJ/.config"; then
			echo "config.sh: $FLAV: $o should be unset but is $(grep "^$o=" "$OBJ/.config")" >&2; bad=1
		fi
	else
		got=$(grep "^$o=" "$OBJ/.config" | cut -d= -f2- || true)
		if [ "$got" != "$v" ]; then
			echo "config.sh: $FLAV: $o=$v requested but .config has '${got:-is not set}' (unmet dependency?)" >&2; bad=1
		fi
	fi
done
[ $bad = 0 ] || die "$FLAV: kernel config does not have the options the bench needs"
echo "$want" > "$STAMP"
log "$FLAV: .config verified (${#wantv[@]} options)"
