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
if [[ " $KERNELS " == *" 7.3 "* &&
	-x $TOP_DIR/tools/testing/selftests/hisi_acc_vfio_pci/run-robustness.sh ]]; then
	suite "guest 7.3 debug: robustness" \
		vm 7.3 --flavour debug --model "num-vfs=8,imm-ready=on" --accel tcg,thread=single --mem 3G \
		--name robustness --timeout 1200 -- \
		"$TOP_DIR/tools/testing/selftests/hisi_acc_vfio_pci/run-robustness.sh"
fi

# DKMS packaging in the guest against its kernel's build tree: install,
# load and bind a VF, remove, reinstall (each dkms build compiles in TCG).
for v in ${CHECK_DKMS_KERNELS-7.3}; do
	[[ " $KERNELS " == *" $v "* ]] || continue
	suite "guest $v: DKMS install, bind, remove, reinstall" \
		vm "$v" --model --name dkms --timeout 1800 -- "$VM_DIR/guest/dkms-test"
done

# QEMU live migration of a VM that owns a VF, driven by our driver (the full
# run with the mainline comparison is `make e2e`).
if [[ -x $TOP_DIR/tools/e2e/run ]]; then
	suite "QEMU end-to-end migration (quick)" "$TOP_DIR/tools/e2e/run" --quick
fi

st=$TOP_DIR/tools/testing/selftests/hisi_acc_vfio_pci/run-in-guest.sh
if [[ -x $st ]]; then
	for v in $KERNELS; do
		# QM above V3 (PF revision 0x50): the selftests again on a PF that can
		# keep its VFs' migration registers in its own BAR.  7.3's PF driver
		# selects that window at probe, 6.12's does not (its VFs then behave
		# exactly as on V3); migration_area_hidden reads the PF to know which
		# applies.  KUnit does not touch the model: its test_pf_window covers
		# the window's layout.
		suite "guest $v: selftests (QM V4 model)" \
			vm "$v" --model "revision=0x50" --name selftests-v4 -- "$st"
		suite "guest $v: selftests" vm "$v" --model --name selftests -- "$st"
	done
fi

# The VM runner itself: a failing command, a kernel WARNING and a hang each
# fail a run, with a message that names the cause.
suite "VM runner self-test" "$VM_DIR/selftest" "${KERNELS##* }"

for v in $KERNELS; do
	if [[ -x $TOP_DIR/tools/qemu/guest-model-test ]]; then
		suite "guest $v: QM model under the mainline drivers" \
			vm "$v" --model --name model -- "$TOP_DIR/tools/qemu/guest-model-test"
	fi
	suite "guest $v: module load/unload" \
		vm "$v" --name smoke -- "$VM_DIR/guest/smoke-modules"
	if [[ -x $TOP_DIR/tools/vm/guest/kunit ]]; then
		suite "guest $v: KUnit" vm "$v" --name kunit -- "$VM_DIR/guest/kunit"
	fi
done

# arm64 guest (virt, GICv3, SMMUv3; see Documentation/testing.rst): here
# 7.3's QM code takes its mailbox path (qm_mb_write/qm_mb_read), which it
# leaves out on x86_64.  Each run is a few seconds of guest time.
if [[ " $KERNELS " == *" 7.3 "* ]]; then
	suite "guest 7.3 arm64: QM model under the mainline drivers" \
		vm 7.3 --arch arm64 --model --name model-arm64 -- "$TOP_DIR/tools/qemu/guest-model-test"
	suite "guest 7.3 arm64: module load/unload" \
		vm 7.3 --arch arm64 --name smoke-arm64 -- "$VM_DIR/guest/smoke-modules"
	# The selftests and hacc-mig, cross-built by tools/check/run
	# (tools/vm/cross-progs), with interop both ways: on x86_64 7.3 the
	# mainline driver has nothing to migrate.
	if [[ -x $st && -x $TOP_DIR/build/arm64/hisi_acc_mig_test ]]; then
		selftests_arm64() {
			HACC_BINDIR=$TOP_DIR/build/arm64 vm 7.3 --arch arm64 --model \
				--name selftests-arm64 -- "$st"
		}
		suite "guest 7.3 arm64: selftests" selftests_arm64
	fi
fi

if [[ -x $TOP_DIR/tools/qemu/run-qtests ]]; then
	suite "qtests of the QM model" "$TOP_DIR/tools/qemu/run-qtests"
fi

# Host-side tests that need no device.
[[ -f $TOP_DIR/tools/lib/hacc/Makefile ]] &&
	suite "stream helpers (host)" make -s -C "$TOP_DIR/tools/lib/hacc" check
[[ -f $TOP_DIR/tools/hacc-mig/check.sh ]] &&
	suite "hacc-mig command line (host)" make -s -C "$TOP_DIR/tools/hacc-mig" check
# Documentation build (Sphinx -W) and release hygiene (SPDX, one version).
suite "documentation build (host)" "$TOP_DIR/tools/check/docs.sh"
suite "release hygiene (host)" "$TOP_DIR/tools/check/release.sh"
