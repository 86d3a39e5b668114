#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest run of hacc_mig_off, once per reason a VF bound to our
# hisi_acc_vfio_pci has migration off (inside tools/vm/run --model; suite
# "guest V: selftests, migration off"):
#
#   1. a QM before V3 with the PF bound to hisi_zip (only on a PF whose
#      revision is below 0x30, e.g. the model's revision=0x21; skipped
#      otherwise);
#   2. the PF bound to vfio-pci (enable_sriov) and hisi_zip not loaded;
#   3. the same with hisi_zip loaded but not bound to the PF.
#
# Each case checks the driver's "migration off: <reason>" line for the VF
# and runs hacc_mig_off on it.  Flat TAP; exit status non-zero on a failure.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
setup=${HACC_SETUP:-$top/tools/vm/guest/hacc-setup}
out=${HACC_OUT:-/tmp}/hacc-mig-off
mkdir -p "$out"
. "$here/tap.sh"

# reason_logged VF TEXT: the driver logged "migration off: TEXT" for VF
reason_logged() {
	dmesg | grep -F "$1" | grep -q -F "migration off: $2"
}

# check DESC VF REASON: the reason line, then hacc_mig_off's results
check() {
	if reason_logged "$2" "$3"; then
		emit ok "$1: '$3' logged"
	else
		dmesg | grep -F "$2" | tail -3 | sed 's/^/# /'
		emit "not ok" "$1: '$3' logged"
	fi
	step "$1" "$here/hacc_mig_off" "$2"
}

# bind_ours VF: our hisi_acc_vfio_pci on VF (already loaded)
bind_ours() {
	[ -e "/sys/bus/pci/devices/$1/driver" ] && echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
	echo hisi_acc_vfio_pci >"/sys/bus/pci/devices/$1/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$1/driver")")" = hisi_acc_vfio_pci ]
}

export HACC_REQUIRE_DEVICE=1
echo "TAP version 13"
vf=$("$setup" --vfs 1 --driver ours 2>"$out/setup.log") || {
	cat "$out/setup.log"
	echo "Bail out! hacc-setup failed"
	exit 1
}
pf=$(basename "$(readlink "/sys/bus/pci/devices/$vf/physfn")")
rev=$(cat "/sys/bus/pci/devices/$pf/revision")
echo "# PF $pf (revision $rev), VF $vf, kernel $(uname -r)"
if [ $((rev)) -lt $((0x30)) ]; then
	check "QM revision $rev, PF bound to hisi_zip" "$vf" "QM revision $rev"
else
	emit ok "QM before V3 # SKIP the PF's revision $rev migrates"
fi

# the PF without its driver: vfio-pci creates the VF
echo "$vf" >"/sys/bus/pci/devices/$vf/driver/unbind"
echo 0 >"/sys/bus/pci/devices/$pf/sriov_numvfs"
echo "$pf" >"/sys/bus/pci/devices/$pf/driver/unbind"
rmmod hisi_zip
modprobe vfio_pci enable_sriov=1
echo vfio-pci >"/sys/bus/pci/devices/$pf/driver_override"
echo "$pf" >/sys/bus/pci/drivers_probe
echo 0 >"/sys/bus/pci/devices/$pf/sriov_drivers_autoprobe"
echo 1 >"/sys/bus/pci/devices/$pf/sriov_numvfs"
vf=$(basename "$(readlink "/sys/bus/pci/devices/$pf/virtfn0")")
# hacc_mig_off gives the vfio-pci PF this VF token, then opens the VF with it
export HACC_VF_TOKEN=4861cc00-0000-4000-8000-000000000001
if bind_ours "$vf"; then
	check "PF on vfio-pci, hisi_zip not loaded" "$vf" "PF driver for device"
	echo "$vf" >"/sys/bus/pci/devices/$vf/driver/unbind"
	modprobe hisi_zip
	if bind_ours "$vf"; then
		check "PF on vfio-pci, hisi_zip loaded" "$vf" "PF not bound to hisi_zip"
	else
		emit "not ok" "bind VF $vf to hisi_acc_vfio_pci with hisi_zip loaded"
	fi
else
	emit "not ok" "bind VF $vf of a vfio-pci PF to hisi_acc_vfio_pci"
fi

echo "1..$n"
echo "# $failed result(s) failed; logs in $out"
[ $failed = 0 ]
