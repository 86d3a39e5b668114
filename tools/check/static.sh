# SPDX-License-Identifier: GPL-2.0
# Static checks for `make check` (sourced by tools/check/run): checkpatch on
# our kernel code, and W=1 and sparse (C=2) module builds (the driver and the
# guest workload module tools/testing/hacc_zload) against every kernel and
# architecture, all of which must print no warning.

kernel_files=()
for f in "$TOP_DIR"/*.c "$TOP_DIR"/*.h "$TOP_DIR"/tools/testing/hacc_zload/*.c; do
	[[ -f $f ]] && kernel_files+=("$f")
done

# A newer checkpatch knows the newer rules; both trees ship one.
newest=${KERNELS##* }
ksrc=$(kernel_src "$newest")
for f in "${kernel_files[@]}"; do
	step "checkpatch --strict $(basename "$f")" \
		"$ksrc/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types -f "$f"
done

# no_warnings LOG CMD...: run CMD, fail if it fails or its output has a warning.
no_warnings() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 || { cat "$log"; return 1; }
	if grep -E 'warning:|error:|Warning:' "$log"; then
		return 1
	fi
	return 0
}

# module_builds PREFIX [--src DIR]: W=1 and sparse builds of a module against
# every kernel and architecture (PREFIX starts the step and log names).
module_builds() {
	local p=$1 v a kc extra
	shift
	for v in $KERNELS; do
		for a in x86_64 arm64; do
			kc=${KCACHE[$v]}
			[[ $a == arm64 ]] && kc=${KCACHE[$v-arm64]}
			extra=()
			# modules_prepare leaves no Module.symvers: modpost can only warn.
			[[ $a == arm64 ]] && extra=(KBUILD_MODPOST_WARN=1)
			step "${p}module build W=1 ($v $a)" no_warnings "$logs/${p// /-}w1-$v-$a.out" \
				sh -c "out=\$('$VM_DIR/build-module' $* '$kc' W=1 ${extra[*]}) && grep -v 'undefined!\|Module.symvers' \"\$out/build.log\""
			step "${p}sparse C=2 ($v $a)" no_warnings "$logs/${p// /-}sparse-$v-$a.out" \
				sh -c "out=\$('$VM_DIR/build-module' $* '$kc' C=2 ${extra[*]}) && grep -v 'undefined!\|Module.symvers' \"\$out/build.log\""
		done
	done
}
if [[ -f $TOP_DIR/hisi_acc_vfio_pci.c ]]; then
	module_builds ""
fi
module_builds "hacc_zload " --src "$TOP_DIR/tools/testing/hacc_zload"

# Userspace programs (all build with -Wall -Wextra -Werror through
# tools/lib/hacc/hacc.mk); the guest runs them from the read-only checkout,
# so they are built here.
for d in tools/lib/hacc tools/hacc-mig tools/testing/selftests/hisi_acc_vfio_pci tools/bench; do
	[[ -f $TOP_DIR/$d/Makefile ]] || continue
	step "userspace build $d" make -C "$TOP_DIR/$d"
done
