#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest demo of hacc-mig (make demo runs it under tools/vm/run --model):
# two VFs on our driver, VF A given queue state by the userspace guest
# driver, migrated to VF B with PRE_COPY, B's registers read back.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
mig=$top/tools/hacc-mig/hacc-mig
set -- $("$top/tools/vm/guest/hacc-setup" --vfs 2 --driver "${HACC_DEMO_DRIVER:-ours}")
[ $# -ge 2 ] || { echo "demo: hacc-setup gave no two VFs" >&2; exit 1; }
echo "== VF A $1, VF B $2"
echo "== hacc-mig info $1"
"$mig" info "$1"
echo "== hacc-mig --seed 5 --verify --verbose migrate $1 $2"
"$mig" --seed 5 --verify --verbose migrate "$1" "$2"
echo "== the same, statistics as JSON"
"$mig" --seed 6 --verify --quiet --json migrate "$1" "$2"
