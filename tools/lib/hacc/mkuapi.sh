#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# mkuapi.sh KSRC DEST [ARCH]: export the uAPI headers of kernel source KSRC
# for ARCH (x86 or arm64, default x86) into DEST (DEST/include/linux/vfio.h,
# DEST/include/asm/...) once.  Debian 12's /usr/include/linux is
# 6.1 and lacks PRE_COPY info, MIG_DATA_SIZE and the device cdev.
set -eu
ksrc=$1 dest=$2 arch=${3:-x86}
[ -f "$dest/.done" ] && exit 0
[ -f "$ksrc/Makefile" ] || { echo "mkuapi.sh: no kernel source at '$ksrc' (set KSRC)" >&2; exit 1; }
tmp=$dest.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
echo "  UAPI    $dest (from $ksrc, $arch)" >&2
make -s -C "$ksrc" O="$tmp/build" ARCH="$arch" INSTALL_HDR_PATH="$tmp" headers_install >&2
rm -rf "$tmp/build"
touch "$tmp/.done"
if ! mv -T "$tmp" "$dest" 2>/dev/null; then
	# someone else finished first
	rm -rf "$tmp"
fi
