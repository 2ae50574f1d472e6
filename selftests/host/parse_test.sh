#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test of scripts/vm/parse.sh's kernel-log check with the messages a
# debug kernel (scripts/debug-kernel.sh: lockdep, KASAN, atomic-sleep
# checks) prints: its boot announcements pass, its reports fail the run.
# Each case is a complete, otherwise clean VM log with one kernel line in
# its dmesg section. TAP output, as the C tests print.
#
# Usage: parse_test [TEST]   (run from anywhere; finds the tree by itself)
set -u

# The tree: this file is selftests/host/parse_test.sh or its copy in
# build/host-tests/, two levels down either way (QPU_TOP overrides).
top=${QPU_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
parse_sh=$top/scripts/vm/parse.sh
[ -f "$parse_sh" ] || { echo "parse_test: no $parse_sh" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/parse_test.XXXXXX")
trap 'rm -rf "$work"' EXIT

# parse_line LINE: parse a clean log whose dmesg has LINE; sets out, rc.
parse_line() {
	{
		echo "# qpu-vm: insmod rc=0"
		echo "# qpu-vm: begin t"
		echo "1..1"
		echo "ok 1 x"
		echo "# qpu-vm: end t rc=0"
		echo "# qpu-vm: objects-begin"
		echo "devices 1"
		echo "# qpu-vm: objects-end"
		echo "# qpu-vm: rmmod rc=0"
		echo "# qpu-vm: dmesg-begin"
		printf '[    1.000000] %s\n' "$1"
		echo "# qpu-vm: dmesg-end"
		echo "# qpu-vm: done"
	} >"$work/log"
	rc=0
	out=$(sh "$parse_sh" "$work/log" 2>&1) || rc=$?
}

# Lines that must pass, then lines that must fail, one case each.
benign="rcu: 	RCU lockdep checking is enabled.
kasan: KernelAddressSanitizer initialized
Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
... MAX_LOCKDEP_SUBCLASSES:  8
kmemleak: Kernel memory leak detector initialized (mem pool available: 15711)"
splats="WARNING: possible circular locking dependency detected
BUG: KASAN: slab-use-after-free in qpu_job_put+0x1c/0x80 [qpu]
BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585
INFO: lockdep is turned off.
WARNING: suspicious RCU usage
WARNING: bad unlock balance detected!
BUG: MAX_LOCKDEP_KEYS too low!
INFO: task qpu-run:123 blocked for more than 120 seconds.
kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"

n=0
nfail=0
only=${1:-}
ncases=$(printf '%s\n%s\n' "$benign" "$splats" | wc -l | tr -d ' ')
[ -n "$only" ] || echo "1..$ncases"

check() { # NAME WANT(pass|fail) LINE
	n=$((n + 1))
	[ -z "$only" ] || [ "$only" = "$1" ] || return 0
	parse_line "$3"
	ok=1
	case $2 in
	pass) { [ "$rc" = 0 ] &&
		printf '%s\n' "$out" | grep -q '^vm: clean kernel log: ok$'; } ||
		ok=0 ;;
	fail) { [ "$rc" != 0 ] &&
		printf '%s\n' "$out" | grep -q '^vm: clean kernel log: FAILED'; } ||
		ok=0 ;;
	esac
	if [ "$ok" = 1 ]; then
		echo "ok $n $1"
	else
		echo "# line: $3"
		echo "# want $2, parse.sh rc=$rc:"
		printf '%s\n' "$out" | sed 's/^/#   /'
		echo "not ok $n $1"
		nfail=$((nfail + 1))
	fi
}

i=0
while IFS= read -r line; do
	i=$((i + 1))
	check "benign_$i" pass "$line"
done <<EOF
$benign
EOF
i=0
while IFS= read -r line; do
	i=$((i + 1))
	check "splat_$i" fail "$line"
done <<EOF
$splats
EOF

[ "$nfail" = 0 ]
