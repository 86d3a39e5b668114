# SPDX-License-Identifier: GPL-2.0
# Flat TAP for the in-guest runners (sourced; needs $out, a result dir):
# emit RESULT TEXT prints one top-level result, step DESC CMD... turns a
# command's own TAP into top-level results.  $n and $failed count them.
# Also bind_vfs, shared by the runners that compare ours with mainline.
n=0
failed=0
# emit RESULT TEXT: one top-level TAP line
emit() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# step DESCRIPTION CMD...: run CMD; each TAP result it prints becomes a
# top-level result "DESCRIPTION: test", other output becomes comments; a
# command without TAP output is one result.  A plan that does not match
# the results (the command died half-way) is one more failed result.
# A comment "# time: DESCRIPTION: N s" (guest uptime) follows, so that
# every log shows where a run spends its time.
step() {
	desc=$1
	shift
	log=$out/step$((n + 1)).log
	read -r t0 _ </proc/uptime
	"$@" >"$log" 2>&1
	rc=$?
	read -r t1 _ </proc/uptime
	subs=0 bad=0 plan=
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]* | "not ok "[0-9]*)
			subs=$((subs + 1))
			res=ok
			case $line in "not ok"*) res="not ok"; bad=$((bad + 1)) ;; esac
			emit "$res" "$desc: $(echo "$line" | sed -E 's/^(not )?ok [0-9]+ (- )?//')" ;;
		1..*) plan=${line#1..} ;;
		"TAP version"*) ;;
		*) echo "# $line" ;;
		esac
	done <"$log"
	if [ $subs = 0 ] || { [ $rc != 0 ] && [ $bad = 0 ]; }; then
		if [ $rc = 0 ]; then
			emit ok "$desc"
		else
			emit "not ok" "$desc (exit $rc)"
		fi
	elif [ "${plan%% *}" != $subs ]; then
		emit "not ok" "$desc: plan 1..$plan but $subs results"
	fi
	echo "# time: $desc: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
}

# bind_vfs ours|mainline: move the VFs of $VFS (the $nvfs, default 2, that
# "$setup" --alg "$alg" made) to the given hisi_acc_vfio_pci build
bind_vfs() {
	for vf in $VFS; do
		[ -e "/sys/bus/pci/devices/$vf/driver" ] &&
			echo "$vf" >"/sys/bus/pci/devices/$vf/driver/unbind"
	done
	if grep -q '^hisi_acc_vfio_pci ' /proc/modules; then
		rmmod hisi_acc_vfio_pci || return 1
	fi
	got=$("$setup" --alg "${alg:-zip}" --vfs "${nvfs:-2}" --driver "$1" | tr '\n' ' ') ||
		return 1
	[ "$got" = "$VFS " ] || { echo "hacc-setup gave '$got', expected '$VFS'"; return 1; }
	export HACC_DRIVER=$1
	echo "VFs $VFS bound to the $1 hisi_acc_vfio_pci"
}
