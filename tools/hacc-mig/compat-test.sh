#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest test of `hacc-mig compat` against the driver's own verdicts
# (tools/vm/run --model; prints TAP).  Two VFs on our driver: VF A's
# `info --json` and a saved stream of A; then, for every match field, the
# same change made to both, the JSON given to `compat B` and the stream
# resumed into B.  compat must name the field the driver's log line names
# (or accept when the driver accepts).  Last, a real difference: the PF's
# queues re-split over three VFs, so B's queue count is no longer A's.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
mig=$top/tools/hacc-mig/hacc-mig
setup=$top/tools/vm/guest/hacc-setup
w=${HACC_OUT:-/tmp}/compat-test
mkdir -p "$w"
n=0
bad=0

echo "TAP version 13"
set -- $("$setup" --vfs 2 --driver ours) || exit 1
[ $# -ge 2 ] || { echo "not ok 1 - hacc-setup gave no two VFs"; exit 1; }
A=$1 B=$2
"$mig" --json info "$A" >"$w/a.json" || exit 1
"$mig" --quiet --seed 5 save "$A" "$w/a.bin" || exit 1
echo "# A $A, B $B; A: $(cat "$w/a.json")"

# driver_verdict STREAM: "accept", or the field the driver's log line names
driver_verdict() {
	dmesg -C
	if "$mig" --quiet resume "$1" "$B" >"$w/resume.out" 2>&1; then
		echo accept
		return
	fi
	dmesg | sed -n 's/.*migration: \([a-z_]*\) .*/\1/p' | head -n 1
}
# tool_verdict INFO: "accept", or the field compat names
tool_verdict() {
	"$mig" --json compat "$1" "$B" >"$w/compat.json" 2>"$w/compat.err"
	case $? in
	0) echo accept ;;
	3) sed -n 's/.*"field":"\([a-z_]*\)".*/\1/p' "$w/compat.json" ;;
	*) echo "error: $(cat "$w/compat.err")" ;;
	esac
}
check() {	# check DESCRIPTION INFO STREAM WANT
	n=$((n + 1))
	tool=$(tool_verdict "$2")
	drv=$(driver_verdict "$3")
	if [ "$tool" = "$drv" ] && [ "$drv" = "$4" ]; then
		echo "ok $n - $1: compat and driver both say $drv"
	else
		echo "not ok $n - $1: compat says '$tool', driver '$drv', expected '$4'"
		sed 's/^/# compat: /' "$w/compat.json" "$w/compat.err"
		sed 's/^/# resume: /' "$w/resume.out"
		bad=$((bad + 1))
	fi
}
# mutate FIELD VALUE: the same change to A's info and stream
mutate() {
	python3 - "$w" "$1" "$2" <<'PY'
import json, struct, sys
w, field, value = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
# offset and format of each match field in the stream record
fmt = {"magic": (0, "<Q"), "qp_num": (8, "<I"), "dev_id": (12, "<I"),
       "que_iso_cfg": (16, "<I"), "qp_base": (20, "<I"),
       "major_ver": (28, "<H"), "minor_ver": (30, "<H")}
off, f = fmt[field]
rec = bytearray(open(w + "/a.bin", "rb").read())
if value < 0:
    value = struct.unpack_from(f, rec, off)[0] ^ -value
struct.pack_into(f, rec, off, value)
open(w + "/m.bin", "wb").write(rec)
info = json.load(open(w + "/a.json"))
info["match"][field] = hex(value) if field == "magic" else value
json.dump(info, open(w + "/m.json", "w"), indent=2)
PY
}

check "unchanged" "$w/a.json" "$w/a.bin" accept
# -N: the source's value XOR N
for c in "magic 0x1122334455667788 magic" "major_ver 2 major_ver" \
	"dev_id -0x7 dev_id" "qp_num -0x1 qp_num" "que_iso_cfg -0x1 que_iso_cfg" \
	"qp_base -0x1 accept" "minor_ver 7 accept"; do
	set -- $c
	mutate "$1" "$2" || exit 1
	check "$1 changed" "$w/m.json" "$w/m.bin" "$3"
done

# A real destination that differs: three VFs share the PF's queues now.
"$setup" --vfs 0 --driver none >/dev/null &&
	set -- $("$setup" --vfs 3 --driver ours) && B=$2
"$mig" --json info "$B" >"$w/b3.json"
echo "# B after the re-split: $(cat "$w/b3.json")"
check "queues re-split over three VFs" "$w/a.json" "$w/a.bin" qp_num

echo "1..$n"
[ $bad = 0 ]
