#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Release hygiene (a suite of make check; prints TAP):
#  - every file in git carries an SPDX-License-Identifier: in its first
#    three lines (after a shebang or in the first comment), or, for the
#    QEMU sources in tools/qemu/, in their top comment as QEMU places it;
#    data files that have no comment syntax or are fragments of another
#    project's format (.gitignore, Kconfig fragments, QEMU trace-events,
#    kselftest config, the package list) are exempt;
#  - one release version everywhere: MODULE_VERSION in the driver,
#    PACKAGE_VERSION in dkms.conf and the newest entry of CHANGELOG.rst;
#  - the supported kernel range (dkms.conf BUILD_EXCLUSIVE_KERNEL) admits
#    the kernels make check builds and no other, and the Makefile refuses a
#    kernel outside it with one message naming the range.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }

licence='SPDX-License-Identifier: (GPL-2\.0(-only|-or-later|\+)?|MIT|BSD-3-Clause)( (OR|AND) [A-Za-z0-9.+-]+)*'

exempt() {
	case $1 in
	.gitignore | */.gitignore | tools/vm/config/*.config | \
	tools/testing/selftests/*/config | tools/qemu/trace-events | \
	tools/setup/packages.conf) return 0 ;;
	esac
	return 1
}

echo "TAP version 13"
missing=()
checked=0
while IFS= read -r f; do
	[[ -f $f ]] || continue
	exempt "$f" && continue
	checked=$((checked + 1))
	case $f in
	tools/qemu/*.c | tools/qemu/*.h)
		# QEMU style: anywhere in the leading comment block.
		awk '{ print } /\*\// { exit }' "$f" | grep -Eq "$licence" ||
			missing+=("$f") ;;
	*)
		head -n 3 "$f" | grep -Eq "$licence" || missing+=("$f") ;;
	esac
done < <(git ls-files)
if ((${#missing[@]} == 0)); then
	ok "SPDX-License-Identifier in all $checked checked files"
else
	notok "SPDX-License-Identifier in all $checked checked files (${#missing[@]} without)"
	printf '#   no SPDX line: %s\n' "${missing[@]}"
fi

mod=$(sed -n 's/^MODULE_VERSION("\([^"]*\)");$/\1/p' hisi_acc_vfio_pci_main.c)
dkms=$(sed -n 's/^PACKAGE_VERSION="\([^"]*\)"$/\1/p' dkms.conf)
changes=$(grep -E -m1 '^[0-9]+\.[0-9]+\.[0-9]+ \(' CHANGELOG.rst | cut -d' ' -f1)
echo "# MODULE_VERSION '$mod', dkms.conf '$dkms', CHANGELOG.rst '$changes'"
if [[ -n $mod && $mod =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	ok "MODULE_VERSION is a release number ($mod)"
else
	notok "MODULE_VERSION is a release number ('$mod')"
fi
if [[ $dkms == "$mod" ]]; then
	ok "dkms.conf PACKAGE_VERSION equals MODULE_VERSION"
else
	notok "dkms.conf PACKAGE_VERSION '$dkms' equals MODULE_VERSION '$mod'"
fi
if [[ $changes == "$mod" ]]; then
	ok "newest CHANGELOG.rst entry is $mod"
else
	notok "newest CHANGELOG.rst entry '$changes' is MODULE_VERSION '$mod'"
fi
for m in LICENSE DESCRIPTION DEVICE_TABLE; do
	if grep -q "^MODULE_$m(" hisi_acc_vfio_pci_main.c; then
		ok "driver has MODULE_$m"
	else
		notok "driver has MODULE_$m"
	fi
done
range=$(sed -n 's/^HACC_KERNELS="\(.*\)"$/\1/p' dkms.conf)
re=$(bash -c '. ./dkms.conf && echo "$BUILD_EXCLUSIVE_KERNEL"')
wrong=()
for k in 6.12.117-amd64 6.12.0 7.3.0-1-arm64 7.0.1; do
	[[ $k =~ $re ]] || wrong+=("$k refused")
done
for k in 6.1.0-28-amd64 6.11.9 7.4.0 6.120.1 16.12.1; do
	[[ $k =~ $re ]] && wrong+=("$k accepted")
done
if [[ -n $range && -n $re && ${#wrong[@]} == 0 ]]; then
	ok "dkms.conf: kernels $range (BUILD_EXCLUSIVE_KERNEL $re)"
else
	notok "dkms.conf: kernels '$range', BUILD_EXCLUSIVE_KERNEL '$re': ${wrong[*]}"
fi
fake=$(mktemp -d)
mkdir -p "$fake/include/config"
echo 6.1.0-28-amd64 >"$fake/include/config/kernel.release"
for target in "modules KDIR=$fake" "dkms-install DKMS_KVER=7.4.0 DKMS_SRCTREE=$fake/src"; do
	# shellcheck disable=SC2086 # target is words on purpose
	out=$(make -s -C "$top" $target 2>&1)
	if [[ $? != 0 && $out == "hisi_acc_vfio_pci supports kernels $range, not "* &&
		! -e $fake/src ]]; then
		ok "make ${target%% *} refuses a kernel outside $range, naming the range"
	else
		notok "make ${target%% *} refuses a kernel outside $range, naming the range"
		printf '%s\n' "$out" | head -n 5 | sed 's/^/#   /'
	fi
done
rm -rf "$fake"
echo "1..$n"
exit $fail
