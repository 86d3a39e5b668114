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
#    kernel outside it with one message naming the range;
#  - releases (CHANGELOG.rst, "Making a release"): headings "X.Y.Z
#    (YYYY-MM-DD)", newest first, only the newest may be "(unreleased)";
#    every tag vX.Y.Z is on a tree whose three versions are X.Y.Z with a
#    dated entry, which this CHANGELOG.rst has too; a version that has a
#    tag names exactly the driver sources of that tag (changed sources need
#    a new version), any other version is above every tag;
#  - `release.sh --tag` itself, in a scratch clone: it refuses an
#    unreleased entry, tags a dated one, and the checks above then pass,
#    fail once a driver source changes under the tagged version, and pass
#    again after a bump.
#
# `release.sh --tag` makes the release tag: with a clean work tree, all the
# checks above passing and a dated newest entry, it creates the annotated
# tag vX.Y.Z at HEAD.
set -uo pipefail
self=$(cd "$(dirname "$0")" && pwd)/release.sh
# HACC_RELEASE_TOP: check that checkout instead of this one (the self-test)
top=${HACC_RELEASE_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
# What make dkms-install ships: a change there is a change of the release.
driver_files=(Kconfig Makefile dkms.conf 'hisi_acc_vfio_pci*.[ch]')
# version_at REV: the three versions in REV's tree ("MOD DKMS CHANGES"),
# CHANGES the newest CHANGELOG.rst heading as written ("1.0.0 (2026-11-26)").
version_at() {
	local mod dk ch
	mod=$(git grep -h '^MODULE_VERSION(' "$1" -- 'hisi_acc_vfio_pci*.c' 2>/dev/null |
		sed -n 's/^MODULE_VERSION("\([^"]*\)");$/\1/p' | head -n 1)
	dk=$(git show "$1:dkms.conf" 2>/dev/null | sed -n 's/^PACKAGE_VERSION="\([^"]*\)"$/\1/p')
	ch=$(git show "$1:CHANGELOG.rst" 2>/dev/null | grep -E -m1 '^[0-9]+\.[0-9]+\.[0-9]+ \(')
	echo "${mod:-none} ${dk:-none} ${ch:-none}"
}

if [[ ${1:-} == --tag ]]; then
	if [[ -n $(git status --porcelain) ]]; then
		echo "release.sh --tag: the work tree has changes; commit them first" >&2
		exit 1
	fi
	if ! out=$(HACC_RELEASE_NESTED=1 "$self" 2>&1); then
		echo "release.sh --tag: the release checks fail:" >&2
		grep '^not ok\|^#' <<<"$out" >&2
		exit 1
	fi
	read -r mod _ head <<<"$(version_at HEAD)"
	if [[ $head != "$mod ("[0-9]*")" ]]; then
		echo "release.sh --tag: CHANGELOG.rst's newest entry is '$head': give $mod its date first" >&2
		exit 1
	fi
	if git rev-parse -q --verify "refs/tags/v$mod" >/dev/null; then
		echo "release.sh --tag: v$mod exists already" >&2
		exit 1
	fi
	git tag -a "v$mod" -m "hisi_acc_vfio_pci $mod" || exit 1
	echo "tagged v$mod at $(git rev-parse --short HEAD)"
	exit 0
fi

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

# Releases.  The CHANGELOG.rst headings, in file order.
mapfile -t heads < <(grep -E '^[0-9]+\.[0-9]+\.[0-9]+ \(' CHANGELOG.rst)
bad=()
prev=
for i in "${!heads[@]}"; do
	h=${heads[$i]}
	v=${h%% *}
	if ! [[ $h =~ ^[0-9]+\.[0-9]+\.[0-9]+\ \(([0-9]{4}-[0-9]{2}-[0-9]{2}|unreleased)\)$ ]]; then
		bad+=("'$h' is not 'X.Y.Z (YYYY-MM-DD)' or 'X.Y.Z (unreleased)'")
	elif ((i > 0)) && [[ $h == *unreleased* ]]; then
		bad+=("'$h': only the newest entry may be unreleased")
	fi
	if [[ -n $prev ]] && [[ $(printf '%s\n%s\n' "$v" "$prev" | sort -V | tail -n 1) != "$prev" ||
		$v == "$prev" ]]; then
		bad+=("$v is listed after $prev: newest first, each once")
	fi
	prev=$v
done
if ((${#heads[@]} > 0 && ${#bad[@]} == 0)); then
	ok "CHANGELOG.rst: ${#heads[@]} entries, newest first, dated or the newest unreleased"
else
	notok "CHANGELOG.rst: entries newest first, 'X.Y.Z (YYYY-MM-DD)' or the newest '(unreleased)'"
	printf '#   %s\n' "${bad[@]}"
fi

# Every release tag against its own tree and this CHANGELOG.rst.
mapfile -t tags < <(git tag -l 'v[0-9]*' | sort -V)
bad=()
for t in "${tags[@]}"; do
	v=${t#v}
	read -r tmod tdk thead <<<"$(version_at "$t")"
	if ! [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
		bad+=("$t is not vX.Y.Z")
	elif [[ $tmod != "$v" || $tdk != "$v" || ! $thead =~ ^$v\ \([0-9]{4}-[0-9]{2}-[0-9]{2}\)$ ]]; then
		bad+=("$t: its tree says MODULE_VERSION $tmod, dkms.conf $tdk, CHANGELOG.rst '$thead'")
	elif ! grep -qxF "$thead" CHANGELOG.rst; then
		bad+=("$t: CHANGELOG.rst here has no entry '$thead'")
	fi
done
if ((${#bad[@]} == 0)); then
	ok "release tags: ${#tags[@]}, each on a tree of its version with a dated entry kept here"
else
	notok "release tags: each on a tree of its version with a dated entry kept here"
	printf '#   %s\n' "${bad[@]}"
fi
for h in "${heads[@]}"; do
	[[ $h == *unreleased* ]] || git rev-parse -q --verify "refs/tags/v${h%% *}" >/dev/null ||
		echo "# $h has no tag v${h%% *} in this clone"
done

# The tree's version: a tagged one names the tag's driver sources exactly.
newest=
((${#tags[@]} == 0)) || newest=${tags[${#tags[@]}-1]}
if [[ -n $mod ]] && git rev-parse -q --verify "refs/tags/v$mod" >/dev/null; then
	changed=$(git diff --name-only "v$mod" -- "${driver_files[@]}")
	if [[ -z $changed ]]; then
		ok "version $mod is release v$mod and the driver is unchanged since"
	else
		notok "version $mod is release v$mod, but the driver changed since: start the next version's entry"
		printf '#   changed: %s\n' $changed
	fi
elif [[ -z $newest ]] ||
	[[ $(printf '%s\n%s\n' "${newest#v}" "$mod" | sort -V | tail -n 1) == "$mod" ]]; then
	ok "version $mod is untagged and above every release tag (newest: ${newest:-none})"
else
	notok "version $mod is untagged and above every release tag (newest: $newest)"
fi

# release.sh --tag, and the checks above, on a scratch clone of HEAD.
tag_selftest() {
	local r=$1 v out
	export GIT_AUTHOR_NAME=release.sh GIT_AUTHOR_EMAIL=release.sh@localhost
	export GIT_COMMITTER_NAME=release.sh GIT_COMMITTER_EMAIL=release.sh@localhost
	git clone -q "$top" "$r" && cd "$r" || return 1
	export HACC_RELEASE_TOP=$r
	git tag -l | xargs -r git tag -d >/dev/null
	v=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
	sed -i -E "0,/^$v \(.*\)$/s//$v (unreleased)/" CHANGELOG.rst &&
		git commit -q --allow-empty -am unreleased || return 1
	echo "# --tag on an unreleased entry:"
	"$self" --tag 2>&1 && return 1
	git rev-parse -q --verify "refs/tags/v$v" >/dev/null && return 1
	sed -i -E "0,/^$v \(unreleased\)$/s//$v (2026-01-02)/" CHANGELOG.rst &&
		git commit -qam dated || return 1
	echo "# --tag on a dated entry:"
	"$self" --tag 2>&1 || return 1
	[[ $(git cat-file -t "v$v") == tag && $(git rev-parse "v$v^{commit}") == $(git rev-parse HEAD) ]] ||
		return 1
	echo "# the checks with the tag:"
	HACC_RELEASE_NESTED=1 "$self" | grep -E '^not ok|tag' || return 1
	HACC_RELEASE_NESTED=1 "$self" >/dev/null || return 1
	echo '/* changed */' >>hisi_acc_vfio_pci_main.c && git commit -qam change || return 1
	echo "# a driver change under the tagged version:"
	out=$(HACC_RELEASE_NESTED=1 "$self") && return 1
	grep '^not ok' <<<"$out"
	[[ $(grep -c '^not ok' <<<"$out") == 1 ]] &&
		grep -q "^not ok .* the driver changed since" <<<"$out" || return 1
	local next=${v%.*}.$((${v##*.} + 1))
	sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$next\"/" dkms.conf &&
		sed -i "s/^MODULE_VERSION(.*/MODULE_VERSION(\"$next\");/" hisi_acc_vfio_pci_main.c &&
		sed -i "0,/^$v (/s//$next (unreleased)\n$(printf '%*s' $((${#next} + 13)) '' | tr ' ' =)\n\nNext.\n\n$v (/" CHANGELOG.rst &&
		git commit -qam bump || return 1
	echo "# bumped to $next:"
	HACC_RELEASE_NESTED=1 "$self" | grep -E '^not ok|untagged'
	HACC_RELEASE_NESTED=1 "$self" >/dev/null
}
if [[ -n ${HACC_RELEASE_NESTED:-} ]]; then
	:
else
	scratch=$(mktemp -d)
	if out=$(tag_selftest "$scratch/r" 2>&1); then
		ok "release.sh --tag in a scratch clone: refuses unreleased, tags dated; a driver change then needs a bump"
	else
		notok "release.sh --tag in a scratch clone: refuses unreleased, tags dated; a driver change then needs a bump"
	fi
	printf '%s\n' "$out" | sed 's/^\([^#]\)/#   \1/'
	rm -rf "$scratch"
fi
echo "1..$n"
exit $fail
