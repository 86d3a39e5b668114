#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest driver of the hisi_acc migration tests (run inside tools/vm/run
# --model; binaries are built on the host first, the checkout is read-only):
#
#   1. two VFs bound to OUR hisi_acc_vfio_pci: the whole selftest suite with
#      HACC_REQUIRE_DEVICE=1, ZIP jobs on VF A (hacc_jobs_test), migrations
#      with jobs in flight (hacc_mig_load), then
#      hacc-mig (info, migrate --verify, save and resume --verify), then a
#      stream saved to a file for interop, then hacc_resets (FLR by config
#      write, hot reset and PF resets during migration; ours only);
#   2. the same VFs bound to the MAINLINE driver: resume our stream, save one,
#      ZIP jobs on VF A, and the whole suite and hacc_mig_load again, as one
#      result: the tests that fail on mainline must be exactly the ones
#      listed for this kernel and QM revision in mainline-differences (a new
#      one, or one that no longer fails, fails the result);
#   3. ours again: resume the mainline stream; with HACC_ROBUST_STEPS set,
#      a short run-robustness.sh (those steps, on HACC_ROBUST_VFS VFs); then
#      the PF's driver is unbound while a VF is open (which removes the VFs).
#
# Output is flat TAP: every selftest result on our driver and every other
# step is one top-level line, other output is "# " comments (the mainline
# suite's own results among them: they are mainline's, not ours, so they
# are not counted).  Exit status is non-zero if any result failed.
#
# Environment: HACC_MODDIR (our module), HACC_OUT (result dir, default /tmp),
# HACC_SETUP (default tools/vm/guest/hacc-setup), HACC_ALG (default zip),
# HACC_MAINLINE_SUITE=0 leaves out the mainline suite run, HACC_VARIANTS
# (e.g. "cdev") runs only those variants of the suite, on both drivers,
# HACC_RUN_JOBS=0 leaves out the ZIP job steps, HACC_BINDIR takes every
# program from one directory instead (the arm64 guest: tools/vm/cross-progs
# arm64).
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
suite=${HACC_BINDIR:-$here}/hisi_acc_mig_test
jobs=${HACC_BINDIR:-$here}/hacc_jobs_test
load=${HACC_BINDIR:-$here}/hacc_mig_load
tool=${HACC_BINDIR:-$top/tools/hacc-mig}/hacc-mig
fault=${HACC_BINDIR:-$here}/hacc_model_fault
resets=${HACC_BINDIR:-$here}/hacc_resets
setup=${HACC_SETUP:-$top/tools/vm/guest/hacc-setup}
out=${HACC_OUT:-/tmp}/hacc-selftests
alg=${HACC_ALG:-zip}
mkdir -p "$out"
# the suite's variants to run (harness -v filters), on both drivers
vargs=
for v in ${HACC_VARIANTS:-}; do
	vargs="$vargs -v $v"
done

. "$here/tap.sh"

# mainline_differences: the whole suite and the migrations under load on
# the mainline driver; the tests that fail must be exactly the ones listed
# for this kernel (major.minor) and PF revision in mainline-differences (of
# the tests that ran; test names are unique across the programs).  Prints
# only comments.
mainline_differences() {
	kver=$(uname -r | cut -d. -f1,2)
	# arm64 guests are listed apart: there 7.3's QM mailbox reaches the device
	[ "$(uname -m)" = aarch64 ] && kver=$kver/arm64
	rev=$(cat "/sys/bus/pci/devices/$PF/revision")
	: >"$out/ml-failed"
	: >"$out/ml-ran"
	total=0
	progs=$suite
	[ "${HACC_RUN_JOBS:-1}" = 0 ] || progs="$suite $load"
	for prog in $progs; do
		name=$(basename "$prog")
		mlog=$out/mainline-$name.log
		if [ "$prog" = "$suite" ]; then
			"$prog" -T interop_save -T interop_resume $vargs >"$mlog" 2>&1
		else
			"$prog" >"$mlog" 2>&1
		fi
		sed -n -E 's/^(not )?ok [0-9]+ ([^ ]+).*/\2/p' "$mlog" >>"$out/ml-ran"
		sed -n "s/^/mainline $name: /p" "$mlog"
		plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$mlog")
		results=$(grep -c -E '^(not )?ok [0-9]+ ' "$mlog")
		[ -n "$plan" ] && [ "$plan" = "$results" ] ||
			{ echo "mainline $name: plan '$plan' but $results results"; return 1; }
		total=$((total + results))
		grep -E '^not ok [0-9]+ ' "$mlog" | awk '{ print $4 }' >>"$out/ml-failed"
	done
	sort -u -o "$out/ml-failed" "$out/ml-failed"
	awk -v k="$kver" -v r="$rev" '!/^#/ && NF == 3 && ($1 == k || $1 == "*") &&
		($2 == r || $2 == "*") { print $3 }' "$here/mainline-differences" |
		sort -u >"$out/ml-known"
	# "unstable" entries: mainline was seen to fail them only sometimes;
	# either result is accepted and printed, until the cause is found
	awk -v k="$kver" -v r="$rev" '!/^#/ && NF == 4 && $4 == "unstable" &&
		($1 == k || $1 == "*") && ($2 == r || $2 == "*") { print $3 }' \
		"$here/mainline-differences" | sort -u >"$out/ml-unstable"
	for t in $(cat "$out/ml-unstable"); do
		if grep -qx "$t" "$out/ml-failed"; then
			echo "unstable on mainline (listed): $t failed this time"
		elif grep -qx "$t" "$out/ml-ran"; then
			echo "unstable on mainline (listed): $t passed this time"
		fi
	done
	comm -23 "$out/ml-failed" "$out/ml-unstable" >"$out/ml-failed.stable"
	mv "$out/ml-failed.stable" "$out/ml-failed"
	# a listed test that did not run (a variant or program left out) is no
	# difference that disappeared
	sort -u -o "$out/ml-ran" "$out/ml-ran"
	comm -12 "$out/ml-known" "$out/ml-ran" >"$out/ml-known.ran"
	mv "$out/ml-known.ran" "$out/ml-known"
	new=$(comm -23 "$out/ml-failed" "$out/ml-known")
	gone=$(comm -13 "$out/ml-failed" "$out/ml-known")
	echo "mainline on $kver, PF revision $rev: $total results, $(wc -l <"$out/ml-failed") failed," \
		"$(wc -l <"$out/ml-known") listed"
	[ -z "$new" ] || echo "failing on mainline but not listed:" $new
	[ -z "$gone" ] || echo "listed but not failing on mainline:" $gone
	[ -z "$new$gone" ]
}

bail() {
	echo "Bail out! $*"
	exit 1
}

# corrupt_resume: hacc-mig must refuse a stream with a broken magic, naming it
corrupt_resume() {
	cp "$out/tool.stream" "$out/bad.stream" &&
		printf 'XXXXXXXX' | dd of="$out/bad.stream" bs=1 count=8 conv=notrunc 2>/dev/null
	"$tool" resume "$out/bad.stream" "$HACC_VF_B" 2>"$out/bad.err"
	rc=$?
	cat "$out/bad.err"
	[ $rc = 1 ] && grep -q "rejected the stream" "$out/bad.err"
}

# failed_migrate: with the model failing VF A's cache write-back, STOP_COPY
# fails after A stopped; hacc-mig must exit 1 and bring A back to RUNNING
failed_migrate() {
	fn=0 i=0
	while [ -e "/sys/bus/pci/devices/$PF/virtfn$i" ]; do
		[ "$(basename "$(readlink "/sys/bus/pci/devices/$PF/virtfn$i")")" = "$HACC_VF_A" ] &&
			fn=$((i + 1))
		i=$((i + 1))
	done
	[ $fn != 0 ] || { echo "VF A is no virtfn of $PF"; return 1; }
	"$fault" "$PF" cache-wb $((1 << fn)) || return 1
	"$tool" --seed 4 migrate "$HACC_VF_A" "$HACC_VF_B" 2>"$out/fail.err"
	rc=$?
	"$fault" "$PF" cache-wb 0
	cat "$out/fail.err"
	[ $rc = 1 ] && grep -q "back to RUNNING" "$out/fail.err"
}

echo "TAP version 13"
[ -x "$suite" ] || bail "$suite not built (make -C $here on the host)"
[ -x "$jobs" ] || bail "$jobs not built (make -C $here on the host)"
[ -x "$load" ] || bail "$load not built (make -C $here on the host)"
[ -x "$tool" ] || bail "$tool not built (make -C $top/tools/hacc-mig on the host)"
[ -x "$setup" ] || bail "no device set-up script $setup"
[ -n "${HACC_MODDIR:-}" ] && [ -f "$HACC_MODDIR/hisi_acc_vfio_pci.ko" ] ||
	bail "HACC_MODDIR does not hold our hisi_acc_vfio_pci.ko"

VFS=$("$setup" --alg "$alg" --vfs 2 --driver ours 2>"$out/setup.log" | tr '\n' ' ')
set -- $VFS
[ $# -ge 2 ] || { cat "$out/setup.log"; bail "hacc-setup gave no two VFs: '$VFS'"; }
VFS="$1 $2"
export HACC_VF_A=$1 HACC_VF_B=$2 HACC_REQUIRE_DEVICE=1 HACC_REQUIRE_MODEL=1 HACC_DRIVER=ours
PF=$(basename "$(readlink "/sys/bus/pci/devices/$1/physfn")")
echo "# PF $PF, VF A $HACC_VF_A, VF B $HACC_VF_B, kernel $(uname -r)"

# 1. our driver
step "ours" "$suite" -T interop_save -T interop_resume $vargs
if [ "${HACC_RUN_JOBS:-1}" != 0 ]; then
	step "jobs, our driver" "$jobs"
	step "migration under load, our driver" "$load"
fi
step "hacc-mig info, our driver" "$tool" info "$HACC_VF_A"
step "hacc-mig migrate A -> B with PRE_COPY, registers verified" \
	"$tool" --seed 7 --verify --json migrate "$HACC_VF_A" "$HACC_VF_B"
step "hacc-mig migrate A -> B without PRE_COPY, group mode" \
	"$tool" --mode group --seed 8 --verify --no-precopy migrate "$HACC_VF_A" "$HACC_VF_B"
step "hacc-mig save A to a file" "$tool" --seed 9 --verbose save "$HACC_VF_A" "$out/tool.stream"
step "hacc-mig resume the file into B, registers verified" \
	"$tool" --verify resume "$out/tool.stream" "$HACC_VF_B"
step "hacc-mig refuses a corrupt stream and names the cause" corrupt_resume
step "hacc-mig: a migration failing after the source stopped leaves it RUNNING" failed_migrate
rm -f "$out/ours.stream" "$out/mainline.stream"
step "interop, saved by ours" \
	env HACC_INTEROP_SAVE="$out/ours.stream" "$suite" -r mig.cdev.interop_save
step "resets" "$resets"

# 2. mainline reference
step "bind the VFs to the mainline driver" bind_vfs mainline
step "interop, resumed by mainline" \
	env HACC_INTEROP_RESUME="$out/ours.stream" "$suite" -r mig.cdev.interop_resume
step "interop, saved by mainline" \
	env HACC_INTEROP_SAVE="$out/mainline.stream" "$suite" -r mig.group.interop_save
[ "${HACC_RUN_JOBS:-1}" = 0 ] || step "jobs, mainline driver" "$jobs"
if [ "${HACC_MAINLINE_SUITE:-1}" != 0 ]; then
	step "mainline fails exactly the tests listed in mainline-differences" \
		mainline_differences
fi

# 3. ours again
step "bind the VFs to our driver again" bind_vfs ours
step "interop, resumed by ours" \
	env HACC_INTEROP_RESUME="$out/mainline.stream" "$suite" -r mig.group.interop_resume
# arm64 guests run the model with x-mb-128=on (tools/check/suites.sh): the
# PF driver, both VF drivers and the userspace guest driver must each have
# sent every mailbox command as one 128-bit store.  x86 kernels write the
# mailbox as dwords, so there is nothing to check there.
if [ "$(uname -m)" = aarch64 ]; then
	step "every mailbox command was one 128-bit store (model x-mb-128)" \
		"$fault" "$PF" mb-128
fi
# A short robustness run on this boot's model (the QM V4 boots: the VFs'
# migration registers in the PF's window), then the two VFs back on ours
if [ -n "${HACC_ROBUST_STEPS:-}" ]; then
	step "robustness" "$here/run-robustness.sh"
	step "bind the VFs to our driver again" bind_vfs ours
fi
# last: it removes the VFs
step "PF driver unbound while a VF is open" \
	env HACC_PF_UNBIND=1 "$resets" -r pf.unbind_while_open

echo "1..$n"
echo "# $failed result(s) failed; logs in $out"
[ $failed = 0 ]
