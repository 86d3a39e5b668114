#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# headers-check.sh N: hacc-mig built with only the compiler's own kernel
# headers (HACC_UAPI=system, as on a host with the distribution's
# linux-libc-dev and no kernel source), TAP results numbered from N:
#  - the build works and the binary runs; the header groups that
#    tools/lib/hacc/hacc_uapi.h had to supply are listed (Debian 12's
#    Linux 6.1 header lacks all four);
#  - a <linux/vfio.h> without the migration uAPI stops the build with one
#    line saying what to install, before any compiler error.
n=$1
cd "$(dirname "$0")" || exit 1
cc=${CC:-cc}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
missing=
for m in VFIO_MIG_GET_PRECOPY_INFO VFIO_DEVICE_FEATURE_MIG_DATA_SIZE \
	VFIO_DEVICE_BIND_IOMMUFD IOMMU_IOAS_ALLOC; do
	printf '#include <linux/vfio.h>\n#if __has_include(<linux/iommufd.h>)\n#include <linux/iommufd.h>\n#endif\n' |
		"$cc" -E -dM -x c - 2>/dev/null | grep -q " $m " || missing="$missing $m"
done
echo "# the compiler's headers lack:${missing:- nothing (hacc_uapi.h adds none)}"
desc="built with only the compiler's kernel headers (HACC_UAPI=system)"
if make -s HACC_UAPI=system HACC_OUT="$d/" "$d/hacc-mig" >"$d/log" 2>&1 &&
	"$d/hacc-mig" --version | grep -q '^hacc-mig [0-9]' &&
	"$d/hacc-mig" info ff:1f.7 2>&1 | grep -q ff:1f.7; then
	echo "ok $n - $desc"
else
	echo "not ok $n - $desc"
	sed 's/^/#   /' "$d/log" | head -n 20
	fail=1
fi
n=$((n + 1))
mkdir -p "$d/old/linux"
printf '#define VFIO_TYPE (%s)\n#define VFIO_BASE 100\n' "';'" >"$d/old/linux/vfio.h"
make -s HACC_UAPI=system HACC_OUT="$d/old/" CFLAGS="-O2 -I$d/old" "$d/old/hacc-mig" >/dev/null 2>"$d/err"
rc=$?
desc="a <linux/vfio.h> without the migration uAPI: one line naming what to install"
if [ $rc != 0 ] && [ "$(grep -v '^make' "$d/err" | wc -l)" = 1 ] &&
	grep -q "predates the VFIO migration uAPI (Linux 5.18): install newer kernel headers" "$d/err"; then
	echo "ok $n - $desc"
else
	echo "not ok $n - $desc (exit $rc)"
	sed 's/^/#   /' "$d/err" | head -n 10
	fail=1
fi
exit "${fail:-0}"
