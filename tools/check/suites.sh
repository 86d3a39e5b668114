# SPDX-License-Identifier: GPL-2.0
# Test suites for `make check` (sourced by tools/check/run).  Each suite
# prints TAP; the ones in the guest run through tools/vm/run.  Suites run
# side by side (CHECK_JOBS), so the longest ones are started first.

vm() {
	local v=$1
	shift
	"$VM_DIR/run" --kernel "$v" --timeout "${VM_TIMEOUT:-900}" "$@"
}

# Robustness under the debug kernel (KASAN, lockdep, atomic-sleep checks,
# kmemleak): resume-file fuzzer, injected device faults, the hidden half of
# BAR 2, a bounded concurrency stress, unload and a kmemleak scan: about 10
# minutes (20000 fuzz cases, which must finish within 10); HACC_FUZZ_CASES /
# HACC_FUZZ_SECONDS make it longer.  imm-ready=on spares each of the
# fuzzer's VF resets the 100 ms post-FLR sleep.
# One TCG thread: with multi-threaded TCG the guest lost its timer
# interrupts and froze with both vCPUs idle in two of three runs (as the
# benchmarks saw, see tools/bench/README.md).
rob=$TOP_DIR/tools/testing/selftests/hisi_acc_vfio_pci/run-robustness.sh
name="guest 7.3 debug: robustness"
if need_kernel "$name" 7.3 && need "$name" "$rob"; then
	suite "$name" \
		vm 7.3 --flavour debug --model "num-vfs=8,imm-ready=on" --accel tcg,thread=single --mem 3G \
		--name robustness --timeout 1200 -- \
		"$rob"
fi

# DKMS packaging in the guest against its kernel's build tree, over the
# kernel's own hisi_acc_vfio_pci: an older release installed and bound,
# the upgrade (signed) replacing it, the VF held against unload, reload,
# remove of every version, the in-tree module back (two dkms builds, each
# compiling in TCG: about 6 minutes in all, 12 on a busy host).
for v in ${CHECK_DKMS_KERNELS-7.3}; do
	name="guest $v: DKMS over the in-tree module: upgrade, bind, remove"
	need_kernel "$name" "$v" && need "$name" "$VM_DIR/guest/dkms-test" &&
		suite "$name" vm "$v" --model --name dkms --timeout 1800 -- "$VM_DIR/guest/dkms-test"
done

# QEMU live migration of a VM that owns a VF, driven by our driver: VF1 ->
# VF2, the mismatching destination refused before the source stops, the
# two-VF VM refused on mainline, then 3 QMP stop/cont cycles (before any
# migration) and 2 hops while the migrated guest runs the workload module
# on its VF, every job verified (tools/e2e/run --load
# --quick: a 6.12 test VM, as 7.3's PF driver starts no queue on x86).  The
# second hop, the two-VF migration and mainline's run under load are in
# `make e2e`.
name="QEMU end-to-end migration under load (quick)"
if need_kernel "$name" 6.12; then
	need "$name" "$TOP_DIR/tools/e2e/run" "$TOP_DIR/tools/e2e/guest-e2e" &&
		suite "$name" "$TOP_DIR/tools/e2e/run" --load --quick
fi
# The same idle checks with a 7.3 test VM (VF1 -> VF2, the mismatching
# destination, the two-VF VM refused on mainline): 7.3's vfio core under
# QEMU's migration.  No load: on x86 7.3's PF driver gives the VFs no
# queue contexts (its mailbox is arm64-only), and an arm64 test VM would
# need nested virtualisation inside TCG.
name="QEMU end-to-end migration, 7.3 test VM (quick)"
if need_kernel "$name" 7.3; then
	need "$name" "$TOP_DIR/tools/e2e/run" "$TOP_DIR/tools/e2e/guest-e2e" &&
		suite "$name" "$TOP_DIR/tools/e2e/run" --quick --kernel 7.3
fi

st=$TOP_DIR/tools/testing/selftests/hisi_acc_vfio_pci/run-in-guest.sh
# hacc_jobs_test's rate_4k only prints a rate: 1 s of it (of 5) is enough here.
export HACC_JOBS_SECONDS=${HACC_JOBS_SECONDS:-1}
# QM above V3: only the migration registers' window differs from V3, so
# the V4 boots run the suite in its cdev variant only (the group variant
# opens the device another way, the same on either revision) on both
# drivers, with the hacc-mig, interop and reset steps, and leave out the
# ZIP jobs (the queues are the same as on V3).
selftests_v4() {
	HACC_VARIANTS=cdev HACC_RUN_JOBS=0 vm "$1" --model "revision=0x50" \
		--name selftests-v4 -- "$st"
}
# 7.3's V4 boot also runs the robustness programs on the PF window, short:
# HACC_V4_FUZZ_CASES fuzz cases (default 5000), the faults and the BAR
# guard (the debug-kernel robustness suite runs on V3 only).
selftests_v4_arm64() {
	HACC_BINDIR=$TOP_DIR/build/arm64 HACC_VARIANTS=cdev HACC_RUN_JOBS=0 \
		HACC_ROBUST_STEPS="fuzz faults bar-guard" HACC_ROBUST_VFS=4 \
		HACC_FUZZ_CASES=${HACC_V4_FUZZ_CASES:-5000} HACC_FUZZ_SECONDS=300 \
		vm 7.3 --arch arm64 --model "revision=0x50,x-mb-128=on,imm-ready=on" \
		--name selftests-v4-arm64 -- "$st"
}
for v in $KERNELS; do
	# QM above V3 (PF revision 0x50): the selftests again on a PF that can
	# keep its VFs' migration registers in its own BAR.  7.3's PF driver
	# selects that window at probe, 6.12's does not (its VFs then behave
	# exactly as on V3); migration_area_hidden reads the PF to know which
	# applies.  KUnit does not touch the model: its test_pf_window covers
	# the window's layout.  7.3's run is on the arm64 guest, where 7.3's
	# PF driver also sends its mailbox commands and mainline can migrate
	# (on x86_64 7.3 it cannot).
	if [[ $v == 7.* ]]; then
		name="guest $v arm64: selftests (QM V4 model)"
		need_kernel "$name" 7.3 && need "$name" "$st" &&
			suite "$name" selftests_v4_arm64
	else
		name="guest $v: selftests (QM V4 model)"
		need "$name" "$st" && suite "$name" selftests_v4 "$v"
	fi
	# 7.3's selftests run on the arm64 guest (below): on x86_64 7.3 the PF
	# driver gives the VFs no queues and mainline cannot migrate, so 57 of
	# 135 results there were skips; our module's runtime on x86_64 7.3 is
	# still covered by KUnit, load/unload, robustness, DKMS, compat,
	# persist and migration-off boots.
	if [[ $v == 7.* ]]; then
		wanted "guest $v: selftests" && record skip "guest $v: selftests" \
			"x86_64 7.3 runs no queues: 7.3's selftests run on the arm64 guest"
		continue
	fi
	name="guest $v: selftests"
	need "$name" "$st" && suite "$name" vm "$v" --model --name selftests -- "$st"
done

# Differential fuzz of the resume stream on 6.12, where mainline's driver
# migrates on the model: the same 1500 seeded cases into ours and into
# mainline's hisi_acc_vfio_pci, every disagreement explained by a
# difference listed in fuzz-differences (93 to 120 s of guest time, 46 to
# 58 s of it fuzzing).  Its own boot: imm-ready=on makes the VF resets of
# refused streams cheap, which the selftests boot must not have (its
# reset tests time the 100 ms post-FLR wait).
fd=$TOP_DIR/tools/testing/selftests/hisi_acc_vfio_pci/run-fuzzdiff.sh
name="guest 6.12: differential fuzz, ours against mainline"
need_kernel "$name" 6.12 && need "$name" "$fd" &&
	suite "$name" vm 6.12 --model "num-vfs=8,imm-ready=on" --name fuzzdiff -- "$fd"

# Migration off (the PF without its driver, bound to vfio-pci): the VF is
# a plain vfio-pci device, whole BAR 2, no migration feature, ioeventfd
# accepted (one short boot).  Then, on the other kernel, a QM V2 PF
# (revision 0x21) bound to hisi_zip: its VF has migration off for the
# revision, and the same two paths again (about a minute under TCG).  The
# revision check is the same code on both kernels; one V2 boot keeps the
# budget, and each kernel gets one migration-off boot.
mig_off=$TOP_DIR/tools/testing/selftests/hisi_acc_vfio_pci/run-mig-off.sh
name="guest ${KERNELS##* }: selftests, migration off"
need "$name" "$mig_off" &&
	suite "$name" vm "${KERNELS##* }" --model --name mig-off -- "$mig_off"
name="guest ${KERNELS%% *}: selftests, migration off (QM V2 model)"
need "$name" "$mig_off" &&
	suite "$name" vm "${KERNELS%% *}" --model revision=0x21 --name mig-off-v2 -- "$mig_off"

# The PF driver's controller reset (hisi_qm's RAS path; a QM error injected
# through the model's control window raises the PF's abnormal interrupt)
# while four VFs of ours are open, in PRE_COPY, STOP_COPY and RESUMING: no
# hang, a result or an errno for every call, at most a line per failure,
# and the VFs migrate again.  The platform has no reset method, so the
# reset fails and leaves the PF dead until its driver probes it again: a
# boot of its own (6.12: 7.3's PF driver starts no queue on x86).
ctlrst=$TOP_DIR/tools/testing/selftests/hisi_acc_vfio_pci/run-ctlrst.sh
name="guest 6.12: PF controller reset while VFs migrate"
need_kernel "$name" 6.12 && need "$name" "$ctlrst" &&
	suite "$name" vm 6.12 --model --name ctlrst -- "$ctlrst"
# The same with the platform's reset method (an SSDT, tools/vm/run
# --acpi-reset): the reset completes and every VF migrates again.
ctlrst_acpi() {
	HACC_CTLRST=ok vm 6.12 --model --acpi-reset --name ctlrst-acpi -- "$ctlrst"
}
name="guest 6.12: PF controller reset with a platform reset method"
need_kernel "$name" 6.12 && need "$name" "$ctlrst" && suite "$name" ctlrst_acpi
# 7.3 on the arm64 guest (on x86_64 7.3's PF gives the VFs no queues): a
# device tree, no ACPI, so the reset fails there, as on a platform
# without the reset method.
ctlrst_arm64() {
	HACC_BINDIR=$TOP_DIR/build/arm64 vm 7.3 --arch arm64 --model x-mb-128=on \
		--name ctlrst-arm64 -- "$ctlrst"
}
name="guest 7.3 arm64: PF controller reset while VFs migrate"
need_kernel "$name" 7.3 && need "$name" "$ctlrst" "$TOP_DIR/build/arm64/hacc_ctlrst" &&
	suite "$name" ctlrst_arm64

# hacc-mig compat against the driver's own verdicts: every match field
# changed in a source's info and stream, and a destination whose queue
# count really differs (one boot, about a minute under TCG).
name="guest ${KERNELS##* }: hacc-mig compat against the driver's verdicts"
need "$name" "$TOP_DIR/tools/hacc-mig/compat-test.sh" &&
	suite "$name" vm "${KERNELS##* }" --model --name compat -- "$TOP_DIR/tools/hacc-mig/compat-test.sh"

# tools/persist: the VFs and their binding restored as after a reboot, the
# PF driver's pf_q_num from modprobe.d, the udev rule run by systemd-udevd
# on a PF bind and a coldplug add (one boot, 76 s on a busy host).
name="guest ${KERNELS##* }: VFs and binding kept across reboots (tools/persist)"
need "$name" "$TOP_DIR/tools/persist/persist-test.sh" &&
	suite "$name" vm "${KERNELS##* }" --model --name persist -- "$TOP_DIR/tools/persist/persist-test.sh"

# The guest workload module (tools/testing/hacc_zload): 10000 verified 4 KiB
# jobs on a VF of the model's ZIP engine (mainline hisi_zip, 16 requests in
# flight), a run stopped and one unloaded with jobs in flight, and the
# module's own checks.  On x86, 7.3's QM driver never reaches the mailbox,
# so no queue starts: there the test runs on the kernel's own deflate,
# which checks the module.
zload=$TOP_DIR/tools/testing/hacc_zload
# zload_suite VER [run-in-guest.sh args]: build the module for VER, run the test.
zload_suite() {
	local v=$1 model=(--model x-zip-algs=0x30 --no-module)
	shift
	[[ " $* " == *" --generic "* ]] && model=(--no-module)
	"$VM_DIR/build-module" --src "$zload" "${KCACHE[$v]}" >/dev/null ||
		{ echo "not ok 1 - hacc_zload builds against $v"; return 1; }
	vm "$v" "${model[@]}" --name zload -- "$zload/run-in-guest.sh" "$@"
}
for v in $KERNELS; do
	name="guest $v: hacc_zload on a ZIP VF"
	if [[ $v == 7.* ]]; then
		wanted "$name" && record skip "$name" \
			"x86 7.3's hisi_qm never reaches the mailbox: no queue starts"
		name="guest $v: hacc_zload on the generic deflate"
		need "$name" "$zload/run-in-guest.sh" &&
			suite "$name" zload_suite "$v" --generic
	elif need "$name" "$zload/run-in-guest.sh"; then
		suite "$name" zload_suite "$v"
	fi
done

# The VM runner itself: a failing command, a kernel WARNING and a hang each
# fail a run, with a message that names the cause.
need "VM runner self-test" "$VM_DIR/selftest" &&
	suite "VM runner self-test" "$VM_DIR/selftest" "${KERNELS##* }"

for v in $KERNELS; do
	name="guest $v: QM model under the mainline drivers"
	need "$name" "$TOP_DIR/tools/qemu/guest-model-test" &&
		suite "$name" vm "$v" --model --name model -- "$TOP_DIR/tools/qemu/guest-model-test"
	# The model's ZIP engine under the kernel's deflate self-tests.  7.3's
	# QM code drives the mailbox only on arm64 (tools/qemu/README.md).
	name="guest $v: deflate self-tests on the QM model's ZIP engine"
	if [[ $v == 7.* ]]; then
		wanted "$name" && record skip "$name" \
			"7.3's QM mailbox works only on arm64 (suite \"guest 7.3 arm64: deflate self-tests ...\")"
	elif need "$name" "$TOP_DIR/tools/qemu/guest-crypto-test"; then
		suite "$name" vm "$v" --model "x-zip-algs=0x30" --name crypto -- \
			"$TOP_DIR/tools/qemu/guest-crypto-test"
	fi
	name="guest $v: module load/unload"
	need "$name" "$VM_DIR/guest/smoke-modules" &&
		suite "$name" vm "$v" --name smoke -- "$VM_DIR/guest/smoke-modules"
	name="guest $v: KUnit"
	need "$name" "$VM_DIR/guest/kunit" &&
		suite "$name" vm "$v" --name kunit -- "$VM_DIR/guest/kunit"
done

# arm64 guest (virt, GICv3, SMMUv3; see Documentation/testing.rst): here
# 7.3's QM code takes its mailbox path (qm_mb_write/qm_mb_read), which it
# leaves out on x86_64.  Each run is a few seconds of guest time.
name="guest 7.3 arm64: QM model under the mainline drivers"
need_kernel "$name" 7.3 && need "$name" "$TOP_DIR/tools/qemu/guest-model-test" &&
	suite "$name" vm 7.3 --arch arm64 --model x-mb-128=on --name model-arm64 -- "$TOP_DIR/tools/qemu/guest-model-test"
# 7.3's deflate self-tests (CRYPTO_SELFTESTS_FULL) on the engine: the
# 7.3 run that x86_64 cannot do.
name="guest 7.3 arm64: deflate self-tests on the QM model's ZIP engine"
need_kernel "$name" 7.3 && need "$name" "$TOP_DIR/tools/qemu/guest-crypto-test" &&
	suite "$name" vm 7.3 --arch arm64 --model "x-zip-algs=0x30,x-mb-128=on" --name crypto-arm64 -- \
		"$TOP_DIR/tools/qemu/guest-crypto-test"
name="guest 7.3 arm64: module load/unload"
need_kernel "$name" 7.3 && need "$name" "$VM_DIR/guest/smoke-modules" &&
	suite "$name" vm 7.3 --arch arm64 --name smoke-arm64 -- "$VM_DIR/guest/smoke-modules"
name="guest 7.3 arm64: KUnit"
need_kernel "$name" 7.3 && need "$name" "$VM_DIR/guest/kunit" &&
	suite "$name" vm 7.3 --arch arm64 --name kunit-arm64 -- "$VM_DIR/guest/kunit"
# The workload on a VF, which x86 7.3 cannot run (its hisi_qm never reaches
# the mailbox).
zload_arm64() {
	"$VM_DIR/build-module" --src "$zload" "${KCACHE[7.3-arm64-full]}" >/dev/null ||
		{ echo "not ok 1 - hacc_zload builds against 7.3 arm64"; return 1; }
	vm 7.3 --arch arm64 --model x-zip-algs=0x30,x-mb-128=on --no-module \
		--name zload-arm64 -- "$zload/run-in-guest.sh"
}
name="guest 7.3 arm64: hacc_zload on a ZIP VF"
need_kernel "$name" 7.3 && need "$name" "$zload/run-in-guest.sh" &&
	suite "$name" zload_arm64
# The selftests and hacc-mig, cross-built by tools/check/run
# (tools/vm/cross-progs), with interop both ways: on x86_64 7.3 the
# mainline driver has nothing to migrate.
selftests_arm64() {
	HACC_BINDIR=$TOP_DIR/build/arm64 vm 7.3 --arch arm64 --model x-mb-128=on \
		--name selftests-arm64 -- "$st"
}
name="guest 7.3 arm64: selftests"
need_kernel "$name" 7.3 && need "$name" "$st" "$TOP_DIR/build/arm64/hisi_acc_mig_test" \
	"$TOP_DIR/build/arm64/hacc_jobs_test" && suite "$name" selftests_arm64

need "qtests of the QM model" "$TOP_DIR/tools/qemu/run-qtests" &&
	suite "qtests of the QM model" "$TOP_DIR/tools/qemu/run-qtests"

# Host-side tests that need no device.
suite "stream helpers (host)" make -s -C "$TOP_DIR/tools/lib/hacc" check
need "hacc-mig command line (host)" "$TOP_DIR/tools/hacc-mig/check.sh" &&
	suite "hacc-mig command line (host)" make -s -C "$TOP_DIR/tools/hacc-mig" check
# Documentation build (Sphinx -W) and release hygiene (SPDX, one version).
need "documentation build (host)" "$TOP_DIR/tools/check/docs.sh" &&
	suite "documentation build (host)" "$TOP_DIR/tools/check/docs.sh"
need "release hygiene (host)" "$TOP_DIR/tools/check/release.sh" &&
	suite "release hygiene (host)" "$TOP_DIR/tools/check/release.sh"
# The out-of-tree build's kernel feature detection against trees whose
# answer is known (a feature keyed on the wrong macro breaks every
# GET_REGION_INFO on the kernels between).
need "kernel feature detection (host)" "$TOP_DIR/tools/check/kernel-features" &&
	suite "kernel feature detection (host)" "$TOP_DIR/tools/check/kernel-features"
