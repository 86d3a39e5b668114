#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest part of tools/bench/run: our hisi_acc_vfio_pci against the
# mainline one on the QEMU model, both in this one boot, alternating.
#
# Needs the model started with num-vfs=17 (ZIP, the PF keeps 64 of the 1024
# queues): hisi_qm gives VFs 1..16 56 queues each and the last VF the
# remainder, 64, so VF 17 is a destination whose match data differs.
#
#   1. pairs:    ITER iterations per driver, A B A B ...: VF1 -> VF2 with
#                phases and counters (hacc-bench pair)
#   2. mismatch: VF1 -> VF17 once per driver (hacc-bench mismatch)
#   3. scale:    N = 1 2 4 8 pairs at once (VF 2k-1 -> VF 2k), REPS rounds,
#                A B in odd rounds, B A in even ones (hacc-bench scale)
#
# Writes pairs.jsonl, mismatch.jsonl, scale.jsonl, env.json and bench.log
# into $HACC_OUT (default /tmp/hacc-bench).
# Environment: HACC_BENCH_ITER (default 20), HACC_BENCH_REPS (default 3),
# HACC_BENCH_PARTS (default "pairs mismatch scale"), HACC_BENCH_SCALE_N
# (default "1 2 4 8"), HACC_MODDIR (our module).
# Every hacc-bench run is limited to 180 s; a stalled one is logged and the
# benchmark goes on.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bench=$here/hacc-bench
setup=$top/tools/vm/guest/hacc-setup
out=${HACC_OUT:-/tmp/hacc-bench}
iter=${HACC_BENCH_ITER:-20}
reps=${HACC_BENCH_REPS:-3}
parts=${HACC_BENCH_PARTS:-pairs mismatch scale}
scale_n=${HACC_BENCH_SCALE_N:-1 2 4 8}
mkdir -p "$out"
log=$out/bench.log
: >"$log"

want() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }
hb() { timeout -k 5 180 "$bench" "$@"; }
say() { echo "bench: $*"; echo "bench: $*" >>"$log"; }
die() { say "FAIL: $*"; exit 1; }

[ -x "$bench" ] || die "$bench not built (make -C $here on the host)"
[ -n "${HACC_MODDIR:-}" ] && [ -f "$HACC_MODDIR/hisi_acc_vfio_pci.ko" ] ||
	die "HACC_MODDIR does not hold our hisi_acc_vfio_pci.ko"

ALL=$("$setup" --alg zip --vfs 17 --driver none 2>>"$log" | tr '\n' ' ')
set -- $ALL
[ $# -ge 17 ] || die "hacc-setup gave $# VFs, want 17 (model num-vfs=17?): see $log"
VF1=$1 VF2=$2 VFX=${17}
set -- $ALL
SCALE=""
i=1
while [ $i -le 16 ]; do
	eval "SCALE=\"\$SCALE \${$i}\""
	i=$((i + 1))
done
say "kernel $(uname -r); pair $VF1 -> $VF2; mismatch VF $VFX; $iter iterations, $reps scale rounds"

BOUND=""
# bind DRIVER VF...: unbind the VFs bound now, reload the module, bind these
bind() {
	drv=$1
	shift
	for vf in $BOUND; do
		[ -e "/sys/bus/pci/devices/$vf/driver" ] &&
			echo "$vf" >"/sys/bus/pci/devices/$vf/driver/unbind"
	done
	BOUND=""
	if grep -q '^hisi_acc_vfio_pci ' /proc/modules; then
		rmmod hisi_acc_vfio_pci || return 1
	fi
	case $drv in
	ours)
		modprobe vfio_pci_core && modprobe hisi_qm &&
			insmod "$HACC_MODDIR/hisi_acc_vfio_pci.ko" || return 1 ;;
	mainline)
		modprobe hisi_acc_vfio_pci || return 1 ;;
	esac
	for vf in "$@"; do
		echo hisi_acc_vfio_pci >"/sys/bus/pci/devices/$vf/driver_override"
		echo "$vf" >/sys/bus/pci/drivers_probe
		d=$(basename "$(readlink "/sys/bus/pci/devices/$vf/driver")")
		[ "$d" = hisi_acc_vfio_pci ] || { say "$vf bound to '$d'"; return 1; }
		BOUND="$BOUND $vf"
	done
	export HACC_DRIVER=$drv
}

cat >"$out/env.json" <<EOF
{"kernel":"$(uname -r)","iterations":$iter,"scale_rounds":$reps,"pair":["$VF1","$VF2"],"mismatch_dst":"$VFX","num_vfs":17,"cpus":$(nproc)}
EOF

# 1. pairs, alternating; a failed iteration is logged and skipped
: >"$out/pairs.jsonl"
n=1
t0=$(date +%s)
want pairs || n=$((iter + 1))
while [ $n -le "$iter" ]; do
	seed=$(( (n - 1) % 255 + 1 ))
	for drv in ours mainline; do
		bind $drv "$VF1" "$VF2" || die "binding the VFs to $drv"
		hb --iter "$n" --seed "$seed" pair "$VF1" "$VF2" \
			>>"$out/pairs.jsonl" 2>>"$log" ||
			say "iteration $n ($drv) failed (see $log)"
	done
	n=$((n + 1))
done
say "pairs done in $(( $(date +%s) - t0 )) s"

# 2. a destination whose match data differs
: >"$out/mismatch.jsonl"
want mismatch && for drv in ours mainline; do
	bind $drv "$VF1" "$VFX" || die "binding the VFs to $drv"
	hb --seed 3 mismatch "$VF1" "$VFX" >>"$out/mismatch.jsonl" 2>>"$log" ||
		say "mismatch ($drv): the destination did not refuse during PRE_COPY"
done

# 3. concurrent migrations
: >"$out/scale.jsonl"
t0=$(date +%s)
r=1
want scale || r=$((reps + 1))
while [ $r -le "$reps" ]; do
	order="ours mainline"
	[ $((r % 2)) = 0 ] && order="mainline ours"
	for drv in $order; do
		bind $drv $SCALE || die "binding 16 VFs to $drv"
		for k in $scale_n; do
			set -- $SCALE
			args=""
			j=0
			while [ $j -lt $((2 * k)) ]; do
				args="$args $1"
				shift
				j=$((j + 1))
			done
			hb --iter "$r" --seed $((r + k)) scale $args \
				>>"$out/scale.jsonl" 2>>"$log" ||
				say "scale N=$k ($drv, round $r) failed (see $log)"
		done
	done
	r=$((r + 1))
done
say "scale done in $(( $(date +%s) - t0 )) s"
bind none || true
say "results in $out: $(wc -l <"$out/pairs.jsonl") pair runs, $(wc -l <"$out/scale.jsonl") scale runs"
