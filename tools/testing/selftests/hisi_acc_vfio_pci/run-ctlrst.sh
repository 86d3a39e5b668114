#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest run of hacc_ctlrst (inside tools/vm/run --model; suite "guest
# 6.12: PF controller reset while VFs migrate"): four VFs on our
# hisi_acc_vfio_pci, a QM error injected on the PF during their migration
# arcs, then:
#
#   - the platform has no reset method (the default: the PF's ACPI node
#     has no ZRST), HACC_CTLRST=failed: hisi_qm's controller reset fails
#     and leaves the PF dead; the PF's driver is then unbound (which
#     removes the VFs) and bound again, the VFs made again, and two of
#     them must migrate;
#   - with tools/vm/run --acpi-reset, HACC_CTLRST=ok: the reset completes,
#     every VF migrates right after its own reset, and two of them migrate
#     with their registers compared.
#
# Flat TAP; exit status non-zero on a failure.  HACC_BINDIR: where
# hacc_ctlrst is (the arm64 guest's cross-built programs).
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
setup=${HACC_SETUP:-$top/tools/vm/guest/hacc-setup}
out=${HACC_OUT:-/tmp}/hacc-ctlrst
mkdir -p "$out"
. "$here/tap.sh"

export HACC_CTLRST=${HACC_CTLRST:-failed}
echo "TAP version 13"
VFS=$("$setup" --vfs 4 --driver ours 2>"$out/setup.log" | tr '\n' ' ') || {
	cat "$out/setup.log"
	echo "Bail out! hacc-setup failed"
	exit 1
}
set -- $VFS
pf=$(basename "$(readlink "/sys/bus/pci/devices/$1/physfn")")
echo "# PF $pf, VFs $VFS, kernel $(uname -r), expected reset: $HACC_CTLRST"
[ -e "/sys/bus/pci/devices/$pf/firmware_node" ] &&
	echo "# PF's ACPI node: $(cat "/sys/bus/pci/devices/$pf/firmware_node/path")"

prog=${HACC_BINDIR:-$here}/hacc_ctlrst
step "controller reset during migration" "$prog" $VFS -r ctl.reset_during_migration
dmesg | grep -E "$pf|hisi_acc_vfio_pci" | tail -40 | sed 's/^/# /'

if [ "$HACC_CTLRST" = failed ]; then
	# the PF recovers by its driver's probe: the VFs go and come back
	recover() {
		for vf in $VFS; do
			echo "$vf" >"/sys/bus/pci/devices/$vf/driver/unbind" || return 1
		done
		echo "$pf" >"/sys/bus/pci/devices/$pf/driver/unbind" || return 1
		echo "$pf" >/sys/bus/pci/drivers_probe || return 1
		got=$("$setup" --vfs 4 --driver ours 2>>"$out/setup.log" | tr '\n' ' ') || return 1
		[ "$got" = "$VFS" ] || { echo "hacc-setup gave '$got', expected '$VFS'"; return 1; }
	}
	step "PF driver bound again, VFs made again" recover
fi
step "migration after the controller reset" "$prog" $VFS -r ctl.migrate_after

echo "1..$n"
echo "# $failed result(s) failed; logs in $out"
[ $failed = 0 ]
