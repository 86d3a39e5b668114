#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build Documentation/ with Debian's Sphinx, warnings as errors (make docs;
# a suite of make check), and check that README.md and the admin guide
# cover every log message and errno of the driver.  Prints TAP.  The HTML goes to $DOCS_OUT
# (default build/docs/html); the build log is quoted on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${DOCS_OUT:-$top/build/docs/html}
work=$(dirname "$out")
mkdir -p "$work"
log=$work/sphinx.log

echo "TAP version 13"
if ! command -v sphinx-build >/dev/null; then
	echo "not ok 1 - sphinx-build -W (no sphinx-build: tools/setup/install-deps installs python3-sphinx)"
	echo "1..1"
	exit 1
fi
echo "# $(sphinx-build --version)"
rm -rf "$out" "$work/doctrees"
fail=0
if sphinx-build -W --keep-going -n -q -b html -d "$work/doctrees" \
	"$top/Documentation" "$out" >"$log" 2>&1; then
	echo "ok 1 - sphinx-build -W -n: Documentation/ builds without a warning"
else
	echo "not ok 1 - sphinx-build -W -n: Documentation/ builds without a warning"
	sed 's/^/# /' "$log"
	fail=1
fi
n=1
# Every .rst page is reachable from the index (Sphinx warns otherwise, but
# say which page is missing from the HTML if it was dropped anyway).
for f in "$top"/Documentation/*.rst; do
	page=$(basename "$f" .rst)
	n=$((n + 1))
	if [[ -f $out/$page.html ]]; then
		echo "ok $n - $page.rst rendered"
	else
		echo "not ok $n - $page.rst rendered (no $out/$page.html)"
		fail=1
	fi
done
# renumber CMD...: CMD's TAP results become results of this suite.
renumber() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			n=$((n + 1))
			[[ $line == "not ok "* ]] && fail=1
			echo "$line" | sed -E "s/^(not ok|ok) [0-9]+/\1 $n/" ;;
		"#"*) echo "$line" ;;
		esac
	done < <("$@" 2>&1 || true)
}
# README.md and the admin guide name every kernel log message and errno
# of the driver, and the log lines of README.md's symptom table are the
# driver's (tools/check/doc-coverage.py).
before=$n
driver=()
for f in "$top"/hisi_acc_vfio_pci*.c; do
	[[ $f == *_test.c ]] || driver+=("$f")
done
renumber "$top/tools/check/doc-coverage.py" "${driver[@]}" \
	"$top/README.md" "$top/Documentation/admin-guide.rst"
renumber "$top/tools/check/doc-coverage.py" --symptoms "${driver[@]}" \
	"$top/README.md"
if ((n == before)); then
	n=$((n + 1))
	fail=1
	echo "not ok $n - doc-coverage.py reported nothing"
fi
echo "1..$n"
exit $fail
