# SPDX-License-Identifier: GPL-2.0
# Shared by the tools/vm scripts: where the caches live and how sources are
# unpacked.  Everything big sits outside the checkout, keyed by its inputs.

HISI_CACHE=${HISI_CACHE:-/var/cache/hisi-acc-vfio}
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$VM_DIR/../.." && pwd)
JOBS=${JOBS:-$(nproc)}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# debian_version PKG: installed version of a Debian package, or fail.
debian_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null ||
		die "package $1 is not installed (run tools/setup/install-deps)"
}

# kernel_src VER: unpack linux-source-VER once per Debian version, print the
# path.  Builds of the same version run side by side (tools/check/run): the
# first unpacks, the others wait for it.
kernel_src() {
	local ver=$1 dver dir lock
	dver=$(debian_version "linux-source-$ver")
	dir=$HISI_CACHE/src/linux-source-$ver-$dver
	if [[ ! -f $dir/Makefile ]]; then
		mkdir -p "$HISI_CACHE/src"
		exec {lock}>"$dir.lock"
		flock "$lock"
		if [[ ! -f $dir/Makefile ]]; then
			log "unpacking linux-source-$ver $dver"
			rm -rf "$dir.tmp"
			mkdir -p "$dir.tmp"
			tar -xJf "/usr/src/linux-source-$ver.tar.xz" -C "$dir.tmp" --strip-components=1
			rm -rf "$dir"
			mv "$dir.tmp" "$dir"
		fi
		exec {lock}>&-
	fi
	echo "$dir"
}
