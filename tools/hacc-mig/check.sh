#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# check.sh HACC_MIG: device-less checks of hacc-mig's command line (TAP).
bin=${1:-./hacc-mig}
n=0 fail=0
t() {	# t WANT_STATUS PATTERN DESCRIPTION -- ARGS...
	want=$1 pat=$2 desc=$3
	shift 4
	n=$((n + 1))
	out=$("$bin" "$@" 2>&1)
	got=$?
	if [ "$got" = "$want" ] && printf '%s' "$out" | grep -q -- "$pat"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc (exit $got, want $want; output: $(printf '%s' "$out" | head -3))"
		fail=$((fail + 1))
	fi
}
echo "TAP version 13"
echo "1..10"
t 0 "--precopy-timeout" "--help documents the options" -- --help
t 2 "missing command" "no command is a usage error" --
t 2 "unknown command 'bogus'" "unknown command named" -- bogus
t 2 "wrong number of arguments for 'save'" "argument count checked" -- save 00:01.0
t 2 "--seed wants 1..255" "bad seed rejected" -- --seed 0 info 00:01.0
t 2 "unknown open mode 'nope'" "bad mode rejected" -- --mode nope info 00:01.0
t 1 "ff:1f.7" "missing device names the device" -- info ff:1f.7
t 1 "ff:1f.7" "migrate from a missing device fails" -- migrate ff:1f.7 ff:1f.6
t 1 '"result":"error"' "--json reports the error" -- --json save ff:1f.7 /tmp/hacc-mig-check.$$
t 1 "cannot open /nonexistent" "resume from a missing file" -- resume /nonexistent ff:1f.7
rm -f /tmp/hacc-mig-check.$$
[ $fail = 0 ]
