# SPDX-License-Identifier: GPL-2.0
# Static checks for `make check` (sourced by tools/check/run, as one suite
# beside the guest suites; the userspace builds, which the guests need, are
# steps of tools/check/run): checkpatch on
# our kernel code (the driver and the guest workload module
# tools/testing/hacc_zload), QEMU's checkpatch on the QEMU model, the shared
# hardware header against mainline's,
# and W=1 and sparse (C=2) module builds of both against every kernel and
# architecture, all of which must print no warning.

kernel_files=()
# (with the model's control-window header: kernel style, as the driver's
# hardware header, because the guest's tools and the model share both)
for f in "$TOP_DIR"/*.c "$TOP_DIR"/*.h "$TOP_DIR"/tools/testing/hacc_zload/*.c \
	"$TOP_DIR"/tools/qemu/hacc-model-ctl.h; do
	[[ -f $f ]] && kernel_files+=("$f")
done

# A newer checkpatch knows the newer rules; both trees ship one.
newest=${KERNELS##* }
ksrc=$(kernel_src "$newest")
for f in "${kernel_files[@]}"; do
	step "checkpatch --strict $(basename "$f")" \
		"$ksrc/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types -f "$f"
done

# The QEMU model in QEMU's style: QEMU's own checkpatch (--strict: warnings
# fail too) on each file at the path it has in the QEMU tree, since some
# rules depend on it (a qtest may use g_assert_cmpint, a device may not).
# The two shared headers are kernel style and checked above.
qemu_checkpatch() {
	local src=$1 dst=$2 tree d rc
	tree=$("$TOP_DIR/tools/qemu/build-qemu" --tree) || return 1
	d=$(mktemp -d)
	mkdir -p "$d/$(dirname "$dst")"
	ln -s "$src" "$d/$dst"
	(cd "$d" && "$tree/scripts/checkpatch.pl" --strict --no-tree -q -f "$dst")
	rc=$?
	rm -rf "$d"
	return $rc
}
while IFS=: read -r src dst; do
	case $dst in */hisi_acc_vfio_pci_hw.h|*/hacc-model-ctl.h) continue ;; esac
	step "QEMU checkpatch $dst" qemu_checkpatch "$src" "$dst"
done < <("$TOP_DIR/tools/qemu/build-qemu" --sources
	echo "$TOP_DIR/tools/qemu/trace-events:hw/misc/trace-events")

# The header every part of the project shares, against mainline's own
# definitions from each kernel's source (see tools/check/hw-oracle/run).
for v in $KERNELS; do
	step "hisi_acc_vfio_pci_hw.h against mainline $v" "$TOP_DIR/tools/check/hw-oracle/run" "$v"
done

# no_warnings LOG CMD...: run CMD, fail if it fails or its output has a
# compiler, sparse or modpost warning or error (any case: modpost says
# "WARNING:").  $EXPECTED, if set, is an extended regex of whole lines that
# are expected and left out (see below); no other line is.
no_warnings() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 || { cat "$log"; return 1; }
	if grep -v -x -E "${EXPECTED:-\$^}" "$log" | grep -i -E 'warning:|error:'; then
		return 1
	fi
	return 0
}

# The arm64 trees are modules_prepare only: they have no vmlinux and no
# Module.symvers, so modpost cannot know any kernel symbol.  It says so once,
# and reports every symbol our modules import as undefined (the first few by
# name, then a count).  These lines, and only these, are expected there:
# they say nothing about our code.  Compiler and sparse warnings, section
# mismatches and every other modpost line still fail the step.  The wording
# differs: 6.12 names the file bare and the symbol as "SYM" [PATH.ko], 7.3
# names the file with the tree's path and the symbol as NAME.ko: symbol 'SYM'.
arm64_modpost() {
	local kc=$1 out=$2
	printf '%s\n' \
		"WARNING: (${kc//./\\.}/build/)?Module\\.symvers is missing\\." \
		"WARNING: modpost: \"[A-Za-z0-9_.]+\" \\[${out//./\\.}/[a-z_]+\\.ko\\] undefined!" \
		"WARNING: modpost: [a-z_]+\\.ko: symbol '[A-Za-z0-9_.]+' undefined!" \
		'WARNING: modpost: suppressed [0-9]+ unresolved symbol warnings because there were too many\)' |
		paste -sd'|'
}

# module_builds PREFIX [--src DIR]: W=1 and sparse builds of a module against
# every kernel and architecture (PREFIX starts the step and log names; --src
# as for build-module).  They build in build/mod-static, not in the
# build/mod that the guest suites, running beside, load their modules from.
export MODULE_OUT=$TOP_DIR/build/mod-static
module_builds() {
	local p=$1 sub= v a kc mod c name
	shift
	[[ ${1:-} == --src ]] && sub=$(basename "$2")/
	for v in $KERNELS; do
		for a in x86_64 arm64; do
			kc=${KCACHE[$v]}
			[[ $a == arm64 ]] && kc=${KCACHE[$v-arm64]}
			mod=$MODULE_OUT/$sub$(basename "$kc")
			extra=() EXPECTED=
			# modules_prepare leaves no Module.symvers: modpost can only warn.
			if [[ $a == arm64 ]]; then
				extra=(KBUILD_MODPOST_WARN=1)
				EXPECTED=$(arm64_modpost "$kc" "$mod")
			fi
			# Each build compiles every file again (a kept object would print
			# no warning); the log of build-module is what is checked.
			for c in W=1 C=2; do
				[[ $c == W=1 ]] && name="${p}module build W=1 ($v $a)" ||
					name="${p}sparse C=2 ($v $a)"
				step "$name" no_warnings "$logs/${p// /-}${c%=*}-$v-$a.out" \
					sh -c "rm -f '$mod'/*.o && out=\$('$VM_DIR/build-module' $* '$kc' $c ${extra[*]}) && cat \"\$out/build.log\""
			done
		done
	done
}
if [[ -f $TOP_DIR/hisi_acc_vfio_pci_main.c ]]; then
	module_builds ""
fi
module_builds "hacc_zload " --src "$TOP_DIR/tools/testing/hacc_zload"
