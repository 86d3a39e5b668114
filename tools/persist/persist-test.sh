#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest test (TAP) of tools/persist (tools/vm/run --model): the
# modprobe.d file sets the PF driver's pf_q_num when the PF driver loads,
# hisi-acc-vfs creates the configured VFs and binds them to
# hisi_acc_vfio_pci, leaves them alone when run again, and restores them
# after they were removed (what a reboot does); then the udev rule, with
# systemd-udevd running in the guest, does the same on the PF's bind event
# and on a coldplug add event.  /etc is read-only in the guest: modprobe.d
# and udev's rules.d are scratch directories bound over it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
w=${HACC_OUT:-/tmp}/persist-test
mkdir -p "$w/modprobe.d"
n=0
bad=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; bad=$((bad + 1)); sed 's/^/# /' "$w/log"; }
t() { d=$1; shift; if "$@" >"$w/log" 2>&1; then ok "$d"; else notok "$d"; fi; }

echo "TAP version 13"
pf=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x19e5 ] && [ "$(cat "$d/device")" = 0xa250 ] && pf=${d##*/}
done
[ -n "$pf" ] || { echo "not ok 1 - a ZIP PF (run with --model)"; exit 1; }
sys=/sys/bus/pci/devices/$pf

# The shipped example, uncommented for hisi_zip with another value.
sed 's/^#options hisi_zip pf_q_num=256$/options hisi_zip pf_q_num=64/' \
	"$here/hisi-acc-vfio.conf" >"$w/modprobe.d/hisi-acc-vfio.conf"
mount --bind "$w/modprobe.d" /etc/modprobe.d
t "modprobe.d: hisi_zip loads with pf_q_num=64" \
	sh -c 'modprobe hisi_zip && test "$(cat /sys/module/hisi_zip/parameters/pf_q_num)" = 64'

# Our module, as DKMS would have it resolved by modprobe.
modprobe vfio_pci_core && modprobe hisi_qm && insmod "$HACC_MODDIR/hisi_acc_vfio_pci.ko"
printf '# test\n%s 3\n' "$pf" >"$w/vfs.conf"
export HISI_ACC_VFS_CONF=$w/vfs.conf
bound() {	# bound N: the PF has N VFs, all on our driver
	[ "$(cat "$sys/sriov_numvfs")" = "$1" ] || { echo "sriov_numvfs $(cat "$sys/sriov_numvfs")"; return 1; }
	i=0
	while [ $i -lt "$1" ]; do
		v=$sys/virtfn$i/driver
		[ "$(basename "$(readlink "$v")")" = hisi_acc_vfio_pci ] || { echo "virtfn$i on $(readlink "$v")"; return 1; }
		i=$((i + 1))
	done
	# and they are ours, tainted O as out-of-tree
	case $(cat /sys/module/hisi_acc_vfio_pci/taint) in *O*) ;; *) echo "not our module"; return 1 ;; esac
}
t "hisi-acc-vfs creates 3 VFs and binds them to hisi_acc_vfio_pci" \
	"$here/hisi-acc-vfs" "$pf"
t "... all 3 on our driver" bound 3
t "a second run changes nothing" \
	sh -c "'$here/hisi-acc-vfs' 2>&1 | tee /dev/stderr | grep -q '3 VFs on hisi_acc_vfio_pci (0 bound now)'"
echo 0 >"$sys/sriov_numvfs"
t "after the VFs are gone (as after a reboot) it restores them" \
	"$here/hisi-acc-vfs" "$pf"
t "... all 3 on our driver again" bound 3
echo "$(basename "$(readlink "$sys/virtfn1")")" >"$sys/virtfn1/driver/unbind"
t "a VF unbound from our driver is bound again, the others left alone" \
	sh -c "'$here/hisi-acc-vfs' 2>&1 | tee /dev/stderr | grep -q '(1 bound now)'"
printf '%s many\n' "$pf" >"$w/bad.conf"
t "a bad line in the file is refused" \
	sh -c "! HISI_ACC_VFS_CONF='$w/bad.conf' '$here/hisi-acc-vfs'"

# The udev rule itself, run by a real udevd (systemd-udevd, package udev)
# as at boot.  Installed as `make install` lays it out, under a scratch
# DESTDIR: its script bound over /usr/local/sbin, its rule over
# /etc/udev/rules.d.  The one difference from a host: the configuration
# file is the test's, named in HISI_ACC_VFS_CONF by a test-only rule (udev
# hands a device's properties to RUN programs as their environment), as
# /etc/hisi-acc-vfio cannot be created on the guest's read-only /etc.
udevd=/lib/systemd/systemd-udevd
udev_setup() {
	[ -x "$udevd" ] && command -v udevadm || {
		echo "no $udevd / udevadm: install the udev package (tools/setup/install-deps)"
		return 1
	}
	make -s -C "$here" install DESTDIR="$w/root" || return 1
	mount --bind "$w/root/usr/local/sbin" /usr/local/sbin &&
		mount --bind "$w/root/etc/udev/rules.d" /etc/udev/rules.d || return 1
	mkdir -p /run/udev/rules.d
	printf 'SUBSYSTEM=="pci", ENV{HISI_ACC_VFS_CONF}="%s"\n' "$w/vfs.conf" \
		>/run/udev/rules.d/10-hacc-test.rules
	"$udevd" --daemon && udevadm settle --timeout=60
}
# restored_by_udev WHAT: VFs removed, WHAT makes udev see the PF ("bind":
# unbind and bind it to hisi_zip, as when the driver loads; "add": a
# coldplug replay, as at boot), and the rule brings back 3 VFs on ours.
restored_by_udev() {
	echo 0 >"$sys/sriov_numvfs" || return 1
	case $1 in
	bind)
		echo "$pf" >/sys/bus/pci/drivers/hisi_zip/unbind &&
			echo "$pf" >/sys/bus/pci/drivers/hisi_zip/bind || return 1 ;;
	add)
		udevadm trigger --action=add "$sys" || return 1 ;;
	esac
	udevadm settle --timeout=120
	bound 3
}
if t "udevd runs with the rule installed by make -C tools/persist install" udev_setup; then
	t "udev rule: the PF binding to hisi_zip brings its 3 VFs back on our driver" \
		restored_by_udev bind
	t "udev rule: a coldplug add event of the bound PF (boot) brings them back" \
		restored_by_udev add
	udevadm control --exit
else
	notok "udev rule on a PF bind event # no udevd"
	notok "udev rule on a coldplug add event # no udevd"
fi
echo "1..$n"
[ $bad = 0 ]
