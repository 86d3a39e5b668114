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
#   4. load:     as 1, with K jobs in flight on the source (hacc-bench load),
#                LOAD_ITER iterations per driver
#   5. scaleload: as 3, every pair under load (hacc-bench scale --load)
# Parts 4 and 5 need the ZIP engine to run jobs, which the PF's queue set-up
# only reaches on a 6.12 x86 guest (7.x drives the QM mailbox on arm64 only):
# elsewhere they are skipped with a note in bench.log.
#
# Writes pairs.jsonl, mismatch.jsonl, scale.jsonl, load.jsonl,
# scaleload.jsonl, env.json and bench.log into $HACC_OUT (default
# /tmp/hacc-bench).
# Environment: HACC_BENCH_ITER (default 20), HACC_BENCH_REPS (default 3),
# HACC_BENCH_PARTS (default "pairs mismatch scale load scaleload"),
# HACC_BENCH_SCALE_N (default "1 2 4 8"), HACC_BENCH_LOAD_ITER (default
# ITER), HACC_BENCH_JOBS (jobs in flight, default 64), HACC_BENCH_LATENCY
# (the model's x-job-latency-ns, for the record), HACC_MODDIR (our module).
# Every hacc-bench run is limited to 180 s; a stalled one is logged and the
# benchmark goes on.
#
# After every module load HACC_BENCH_WARMUP (default 2; 0 turns it off)
# migrations of the first two VFs bound are run and thrown away: under TCG the
# first run of freshly loaded module code pays for its translation, which made
# the first arc of each migration (the destination's RUNNING->STOP) 5 to 20
# times slower than the same arc a migration later, for both drivers.  Two,
# because a driver that keeps what it read once (ours keeps the match header)
# takes other paths in its second migration than in its first: with one
# warm-up our destination's precopy write ran its cached path untranslated
# in every measured migration (35-340 us against 16-32 us).
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bench=$here/hacc-bench
setup=$top/tools/vm/guest/hacc-setup
out=${HACC_OUT:-/tmp/hacc-bench}
iter=${HACC_BENCH_ITER:-20}
reps=${HACC_BENCH_REPS:-3}
parts=${HACC_BENCH_PARTS:-pairs mismatch scale load scaleload}
scale_n=${HACC_BENCH_SCALE_N:-1 2 4 8}
load_iter=${HACC_BENCH_LOAD_ITER:-$iter}
jobs=${HACC_BENCH_JOBS:-64}
latency=${HACC_BENCH_LATENCY:-unknown}
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
# load_ko DIR: our module built in DIR, with what it needs
load_ko() {
	modprobe vfio_pci_core && modprobe hisi_qm &&
		insmod "$1/hisi_acc_vfio_pci.ko"
}

# bind DRIVER VF...: unbind the VFs bound now, reload the module, bind
# these, warm the new code up with HACC_BENCH_WARMUP migrations of the
# first two
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
		load_ko "$HACC_MODDIR" || return 1 ;;
	mainline)
		# --baseline: another build of ours stands in for mainline
		if [ -n "${HACC_BENCH_BASELINE_MODDIR:-}" ]; then
			load_ko "$HACC_BENCH_BASELINE_MODDIR" || return 1
		else
			modprobe hisi_acc_vfio_pci || return 1
		fi ;;
	esac
	for vf in "$@"; do
		echo hisi_acc_vfio_pci >"/sys/bus/pci/devices/$vf/driver_override"
		echo "$vf" >/sys/bus/pci/drivers_probe
		d=$(basename "$(readlink "/sys/bus/pci/devices/$vf/driver")")
		[ "$d" = hisi_acc_vfio_pci ] || { say "$vf bound to '$d'"; return 1; }
		BOUND="$BOUND $vf"
	done
	export HACC_DRIVER=$drv
	w=0
	while [ "$w" -lt "${HACC_BENCH_WARMUP:-2}" ] && [ $# -ge 2 ]; do
		hb pair "$1" "$2" >/dev/null 2>&1 || true
		w=$((w + 1))
	done
	return 0
}

cat >"$out/env.json" <<EOF
{"baseline":"${HACC_BENCH_BASELINE:-}","kernel":"$(uname -r)","iterations":$iter,"scale_rounds":$reps,"pair":["$VF1","$VF2"],"mismatch_dst":"$VFX","num_vfs":17,"cpus":$(nproc),"load_iterations":$load_iter,"jobs":$jobs,"job_latency_ns":"$latency"}
EOF

# 1. (4.) pairs, alternating; a failed iteration is logged and skipped
# pair_runs FILE ITERATIONS hacc-bench-options... COMMAND
pair_runs() {
	file=$1
	count=$2
	shift 2
	: >"$out/$file"
	t0=$(date +%s)
	n=1
	while [ $n -le "$count" ]; do
		seed=$(( (n - 1) % 255 + 1 ))
		for drv in ours mainline; do
			bind $drv "$VF1" "$VF2" || die "binding the VFs to $drv"
			hb --iter "$n" --seed "$seed" "$@" "$VF1" "$VF2" \
				>>"$out/$file" 2>>"$log" ||
				say "$file: iteration $n ($drv) failed (see $log)"
		done
		n=$((n + 1))
	done
	say "$file done in $(( $(date +%s) - t0 )) s"
}
: >"$out/pairs.jsonl"
want pairs && pair_runs pairs.jsonl "$iter" pair

# 2. a destination whose match data differs
: >"$out/mismatch.jsonl"
want mismatch && for drv in ours mainline; do
	bind $drv "$VF1" "$VFX" || die "binding the VFs to $drv"
	hb --seed 3 mismatch "$VF1" "$VFX" >>"$out/mismatch.jsonl" 2>>"$log" ||
		say "mismatch ($drv): the destination did not refuse during PRE_COPY"
done

# 3. concurrent migrations (5.: under load): scale_runs FILE [hacc-bench option]
scale_runs() {
	file=$1
	shift
	: >"$out/$file"
	t0=$(date +%s)
	r=1
	while [ $r -le "$reps" ]; do
		order="ours mainline"
		[ $((r % 2)) = 0 ] && order="mainline ours"
		for drv in $order; do
			bind $drv $SCALE || die "binding 16 VFs to $drv"
			for k in $scale_n; do
				args=$(echo $SCALE | cut -d' ' -f1-$((2 * k)))
				hb --iter "$r" --seed $((r + k)) "$@" scale $args \
					>>"$out/$file" 2>>"$log" ||
					say "$file N=$k ($drv, round $r) failed (see $log)"
			done
		done
		r=$((r + 1))
	done
	say "$file done in $(( $(date +%s) - t0 )) s"
}
: >"$out/scale.jsonl"
want scale && scale_runs scale.jsonl

# 4. under load: jobs only run where the PF's driver reaches the mailbox
: >"$out/load.jsonl"
: >"$out/scaleload.jsonl"
case $(uname -m)/$(uname -r) in
x86_64/[7-9].*)
	if want load || want scaleload; then
		say "kernel $(uname -r) on x86_64: the PF's queue set-up never reaches the QM mailbox, no job can run: load parts skipped"
		parts=$(echo " $parts " | sed 's/ load / /; s/ scaleload / /')
	fi ;;
esac
want load && pair_runs load.jsonl "$load_iter" --jobs "$jobs" load
want scaleload && scale_runs scaleload.jsonl --load --jobs "$jobs"
bind none || true
say "results in $out: $(wc -l <"$out/pairs.jsonl") pair runs, $(wc -l <"$out/scale.jsonl") scale runs, $(wc -l <"$out/load.jsonl") load runs, $(wc -l <"$out/scaleload.jsonl") scale runs under load"
