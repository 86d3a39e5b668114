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
echo "1..18"
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
t 0 "^hacc-mig [0-9][0-9.]*$" "--version prints the release" -- --version
t 2 "wrong number of arguments for 'compat'" "compat wants FILE and VF" -- compat x.json
j=/tmp/hacc-mig-check.$$.json
echo '{"device":"0000:01:00.1"}' >"$j"
t 1 'no "match" object' "compat: an info without match data is refused" -- compat "$j" ff:1f.7
echo '{"match": {"magic": "0xaaccfeeddecadede", "major_ver": 1, "minor_ver": 0, "dev_id": 41553, "qp_base": 0, "que_iso_cfg": 0}}' >"$j"
t 1 "no number for match.qp_num" "compat: a missing field is named" -- compat "$j" ff:1f.7
sed -i 's/"qp_base"/"qp_num": 4, "qp_base"/' "$j"
t 1 "ff:1f.7" "compat: a missing destination is named" -- compat "$j" ff:1f.7
rm -f /tmp/hacc-mig-check.$$ "$j"
[ $fail = 0 ]
