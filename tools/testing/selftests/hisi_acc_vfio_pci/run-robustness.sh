#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest robustness run of OUR hisi_acc_vfio_pci (inside tools/vm/run
# --model num-vfs=8,imm-ready=on, meant for the debug kernel flavour: KASAN,
# lockdep, atomic-sleep checks, kmemleak).  Binaries are built on the host first.
#
#   1. hacc_fuzz: seeded resume-file fuzzer, one source and several
#      destination VFs (HACC_FUZZ_CASES cases, at most HACC_FUZZ_SECONDS s);
#   2. hacc_faults: every model fault on the arcs it breaks, errno and time;
#   3. hacc_bar_guard: the hidden half of BAR 2 by every access method,
#      then read_into_own_bar_across_reset of hisi_acc_mig_test (a read
#      into the VF's own mapped BAR during a reset);
#   4. hacc_stress: HACC_STRESS_SECONDS of concurrent state changes, I/O,
#      resets, reopens and unload attempts on four VFs;
#   5. the VFs are unbound and the module must unload;
#   6. kmemleak must find nothing (debug flavour; skipped elsewhere).
#
# Output is flat TAP: each program's results become top-level lines prefixed
# with its name; everything else is a "# " comment.  Exit status is non-zero
# if any result failed.  Splats are caught by tools/vm/run from the kernel
# log, and by the programs themselves through /dev/kmsg.
#
# Environment: HACC_MODDIR (our module), HACC_OUT (logs, default /tmp),
# HACC_BINDIR (the programs, default this directory; the arm64 guest:
# tools/vm/cross-progs arm64),
# HACC_FUZZ_SEED (default: from the clock, printed), HACC_FUZZ_CASES
# (default 20000), HACC_FUZZ_SECONDS (default 600; reaching it before the
# count fails: a bound on a stuck run, not a speed test — 20000 cases take
# 170-200 s alone and about 270 s beside another suite of make check),
# HACC_STRESS_SECONDS (default 60), HACC_ROBUST_VFS (default
# 8: seven fuzzed VFs), HACC_ROBUST_STEPS (default all five of 1-4:
# "fuzz faults bar-guard bar-fault stress"; a short run on another model
# layout names fewer).  Every rejected stream costs a VF reset; without
# the model's imm-ready=on each of those sleeps 100 ms after the FLR and
# the fuzzer stays near 70 cases/s.  A longer run:
# HACC_FUZZ_CASES=200000 HACC_FUZZ_SECONDS=3000.  A step still running
# HACC_FUZZ_SECONDS + HACC_STRESS_SECONDS + 120 s after it started is a
# hang: its threads' kernel stacks are printed and it fails.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
bin=${HACC_BINDIR:-$here}
setup=${HACC_SETUP:-$top/tools/vm/guest/hacc-setup}
out=${HACC_OUT:-/tmp}/hacc-robustness
seed=${HACC_FUZZ_SEED:-$(date +%s)}
cases=${HACC_FUZZ_CASES:-20000}
fuzz_s=${HACC_FUZZ_SECONDS:-600}
stress_s=${HACC_STRESS_SECONDS:-60}
nvfs=${HACC_ROBUST_VFS:-8}
steps=${HACC_ROBUST_STEPS:-fuzz faults bar-guard bar-fault stress}
step_s=$((fuzz_s + stress_s + 120))
mkdir -p "$out"

# emit RESULT TEXT, $n and $failed: the flat TAP of tap.sh
. "$here/tap.sh"

# run NAME CMD...: CMD prints TAP; its results are renumbered under NAME
# (only if HACC_ROBUST_STEPS names NAME)
run() {
	name=$1
	shift
	case " $steps " in
	*" $name "*) ;;
	*) echo "# $name: not in HACC_ROBUST_STEPS"; return ;;
	esac
	start=$(date +%s)
	"$@" >"$out/$name.log" 2>&1 &
	pid=$!
	# a step that does not end in time is a hang: show where it sleeps
	while kill -0 $pid 2>/dev/null; do
		if [ $(($(date +%s) - start)) -gt "$step_s" ]; then
			for t in /proc/$pid/task/*; do
				echo "# $name hung: task ${t##*/} in $(cat "$t/wchan" 2>/dev/null)"
				sed 's/^/#   /' "$t/stack" 2>/dev/null
			done
			echo w >/proc/sysrq-trigger 2>/dev/null
			kill -9 $pid
			emit "not ok" "$name did not finish within $step_s s"
			break
		fi
		sleep 1
	done
	wait $pid
	rc=$?
	seen=0 bad=0
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*" - "*)
			seen=$((seen + 1))
			text=${line#ok * - }
			emit ok "$name: ${text#"$name: "}" ;;
		"not ok "[0-9]*" - "*)
			seen=$((seen + 1)) bad=$((bad + 1))
			text=${line#not ok * - }
			emit "not ok" "$name: ${text#"$name: "}" ;;
		"TAP version"* | 1..*) ;;
		*) echo "# $line" ;;
		esac
	done <"$out/$name.log"
	if [ $seen = 0 ] || { [ $rc != 0 ] && [ $bad = 0 ]; }; then
		emit "not ok" "$name exited $rc without a failed result"
	fi
	echo "# $name took $(($(date +%s) - start)) s"
}

bail() {
	echo "Bail out! $*"
	exit 1
}

echo "TAP version 13"
for p in hacc_fuzz hacc_faults hacc_bar_guard hacc_stress; do
	[ -x "$bin/$p" ] || bail "$bin/$p not built (make -C $here on the host)"
done
[ -n "${HACC_MODDIR:-}" ] && [ -f "$HACC_MODDIR/hisi_acc_vfio_pci.ko" ] ||
	bail "HACC_MODDIR does not hold our hisi_acc_vfio_pci.ko"
grep -q " /sys/kernel/debug debugfs " /proc/mounts || mount -t debugfs none /sys/kernel/debug ||
	bail "cannot mount debugfs"

# kmemleak: forget what boot left (scan, then clear), judge only this run
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
fi

VFS=$("$setup" --vfs "$nvfs" --driver ours 2>"$out/setup.log" | tr '\n' ' ')
set -- $VFS
[ $# -ge 4 ] || { cat "$out/setup.log"; bail "hacc-setup gave fewer than 4 VFs: '$VFS'"; }
echo "# kernel $(uname -r), PF revision $(cat "/sys/bus/pci/devices/$1/physfn/revision"), VFs: $VFS"
echo "# steps: $steps"
echo "# fuzz seed $seed (replay: HACC_FUZZ_SEED=$seed)"

# A read() of a saving file into the VF's own mapped BAR while the VF is
# reset: the only step that takes vfio's memory_lock through a BAR fault,
# so lockdep sees the whole chain (the selftest, in flat TAP).
bar_fault() {
	HACC_VF_A=$1 HACC_REQUIRE_DEVICE=1 HACC_DRIVER=ours \
		"$bin/hisi_acc_mig_test" -t read_into_own_bar_across_reset |
		sed -E 's/^((not )?ok [0-9]+) /\1 - /'
}

run fuzz "$bin/hacc_fuzz" --seed "$seed" --cases "$cases" --seconds "$fuzz_s" "$@"
run faults "$bin/hacc_faults" "$2"
run bar-guard "$bin/hacc_bar_guard" "$3"
run bar-fault bar_fault "$4"
run stress "$bin/hacc_stress" --seed "$seed" --seconds "$stress_s" --rmmod "$1" "$2" "$3" "$4"

# Unbind every VF and unload: nothing may still hold the module
for vf in $VFS; do
	[ -e "/sys/bus/pci/devices/$vf/driver" ] &&
		echo "$vf" >"/sys/bus/pci/devices/$vf/driver/unbind"
done
if rmmod hisi_acc_vfio_pci 2>"$out/rmmod.err"; then
	emit ok "module unloads after the run"
else
	echo "# $(cat "$out/rmmod.err")"
	emit "not ok" "module unloads after the run"
fi

# kmemleak: objects must be unreferenced for a while before they count
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$out/kmemleak.txt"
	if [ -s "$out/kmemleak.txt" ]; then
		sed 's/^/# /' "$out/kmemleak.txt" | head -60
		emit "not ok" "kmemleak: $(grep -c '^unreferenced object' "$out/kmemleak.txt") leak(s) reported"
	else
		emit ok "kmemleak: no leak reported"
	fi
else
	echo "ok $((n + 1)) - kmemleak # SKIP kernel without CONFIG_DEBUG_KMEMLEAK"
	n=$((n + 1))
fi

echo "1..$n"
echo "# $failed result(s) failed; logs in $out"
[ $failed = 0 ]
