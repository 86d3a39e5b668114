#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest differential fuzz of the resume stream (inside tools/vm/run
# --model num-vfs=8,imm-ready=on on a kernel whose mainline
# hisi_acc_vfio_pci migrates on the model: 6.12 on x86_64):
#
#   1. our driver: VF A gets a guest's queue state and is saved with
#      hacc-mig (the good stream); hacc_fuzzdiff writes HACC_FUZZDIFF_CASES
#      seeded cases (hacc_fuzz's) into the seven other VFs, one thread
#      each (case n always into the same VF), and records each verdict;
#   2. the VFs move to the mainline driver; the same cases into the same
#      VFs (with --rebind-after-match: mainline before 7.0 checks a header
#      only once per bind);
#   3. hacc_fuzzdiff compare: every disagreement must be explained by a
#      difference listed for this kernel in fuzz-differences, and every
#      listed difference must explain at least one (a difference that
#      disappears fails).
#
# Output is flat TAP; exit status non-zero if a result failed.
# Environment: HACC_MODDIR (our module), HACC_OUT (logs, default /tmp),
# HACC_SETUP, HACC_FUZZDIFF_SEED (default 1: the listed differences are
# checked against a fixed set of cases), HACC_FUZZDIFF_CASES (default
# 1500: 18 to 21 s on ours and 27 to 36 s on mainline, whose rebinds
# cost more, under TCG on a loaded host).  imm-ready=on spares every VF
# reset the 100 ms post-FLR sleep (a refused stream costs one).
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
fd=$here/hacc_fuzzdiff
tool=$top/tools/hacc-mig/hacc-mig
setup=${HACC_SETUP:-$top/tools/vm/guest/hacc-setup}
out=${HACC_OUT:-/tmp}/hacc-fuzzdiff
seed=${HACC_FUZZDIFF_SEED:-1}
cases=${HACC_FUZZDIFF_CASES:-1500}
nvfs=8
kver=$(uname -r | cut -d. -f1,2)
mkdir -p "$out"

. "$here/tap.sh"

bail() {
	echo "Bail out! $*"
	exit 1
}

# nodash CMD...: CMD's TAP lines without the " - " that step would keep
nodash() {
	"$@" >"$out/nodash.log" 2>&1
	rc=$?
	sed -E 's/^((not )?ok [0-9]+) - /\1 /' "$out/nodash.log"
	return $rc
}

echo "TAP version 13"
[ -x "$fd" ] || bail "$fd not built (make -C $here on the host)"
[ -x "$tool" ] || bail "$tool not built (make -C $top/tools/hacc-mig on the host)"
[ -n "${HACC_MODDIR:-}" ] && [ -f "$HACC_MODDIR/hisi_acc_vfio_pci.ko" ] ||
	bail "HACC_MODDIR does not hold our hisi_acc_vfio_pci.ko"

VFS=$("$setup" --vfs "$nvfs" --driver ours 2>"$out/setup.log" | tr '\n' ' ')
set -- $VFS
[ $# = "$nvfs" ] || { cat "$out/setup.log"; bail "hacc-setup gave not $nvfs VFs: '$VFS'"; }
VFS=$*
A=$1
shift
DSTS=$*
export HACC_DRIVER=ours
echo "# kernel $(uname -r), VF A $A, fuzzed VFs $DSTS, seed $seed, $cases cases"

step "good stream saved from VF A by our driver" \
	"$tool" --seed 9 save "$A" "$out/good.stream"
step "our driver" nodash "$fd" run --seed "$seed" --cases "$cases" \
	"$out/good.stream" "$out/ours.txt" $DSTS
step "VFs bound to the mainline driver" bind_vfs mainline
step "mainline driver" nodash "$fd" run --rebind-after-match --seed "$seed" \
	--cases "$cases" "$out/good.stream" "$out/mainline.txt" $DSTS
step "differential" nodash "$fd" compare --kernel "$kver" "$here/fuzz-differences" \
	"$out/good.stream" "$out/ours.txt" "$out/mainline.txt"

echo "1..$n"
echo "# $failed result(s) failed; logs in $out"
[ $failed = 0 ]
