#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The project's test command (`make check`, after `make all`): the host unit
# tests (build/host-tests/*), then the VM selftests (scripts/vm/run.sh
# --check: the static C programs of build/vm-tests/ in the initramfs guest),
# then the tests that need the host's own userland (selftests/hostfs/*, in
# a second guest booted with run.sh --hostfs). The last line is always the
# combined total:
#
#	N passed, N failed, N skipped
#
# and the exit status is non-zero if anything failed or no test ran.
#
# Usage: scripts/check.sh [--only "prog[:test] ..."]
#   --only   run only these programs (or single tests); each name is looked
#            up in build/vm-tests/ (run in the VM), selftests/hostfs/ (run in
#            the --hostfs VM), then build/host-tests/ (run here). Without
#            it, everything runs.
#
# Logs: build/host-tests.log, build/vm/last.log and build/vm/last-hostfs.log.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

only=
while [ "$#" -gt 0 ]; do
	case $1 in
	--only)
		[ "$#" -ge 2 ] || { echo "check.sh: --only needs a list" >&2; exit 2; }
		only=$2
		shift
		;;
	-h|--help)
		# The comment block at the top of this file.
		awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next }
		     NR > 2 { exit }' "$0"
		exit 0
		;;
	*) echo "check.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done

host_dir=${HOST_TESTS_DIR:-build/host-tests}
vm_dir=${VM_TESTS_DIR:-build/vm-tests}
hostfs_dir=selftests/hostfs
host_timeout=300

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Executable regular files in a directory, in name order.
programs() {
	[ -d "$1" ] || return 0
	for p in "$1"/*; do
		if [ -f "$p" ] && [ -x "$p" ]; then
			printf '%s\n' "${p##*/}"
		fi
	done
}

passed=0 failed=0 skipped=0 ntests=0

# Split the selection between the VM and the host. An unknown name is a
# failure (a typo must not pass), the others still run.
host_sel=
vm_sel=
hostfs_sel=
if [ -n "$only" ]; then
	for t in $only; do
		p=${t%%:*}
		if [ -x "$vm_dir/$p" ]; then
			vm_sel="$vm_sel $t"
		elif [ -x "$hostfs_dir/$p" ]; then
			hostfs_sel="$hostfs_sel $t"
		elif [ -x "$host_dir/$p" ]; then
			host_sel="$host_sel $t"
		else
			echo "check: $t: FAILED: no test program '$p' in" \
			     "$vm_dir, $hostfs_dir or $host_dir (run 'make')"
			failed=$((failed + 1))
		fi
	done
else
	host_sel=$(programs "$host_dir" | tr '\n' ' ')
fi
# Normalise the spacing (words, one space apart).
# shellcheck disable=SC2086
host_sel=$(printf '%s ' $host_sel)
# shellcheck disable=SC2086
vm_sel=$(printf '%s ' $vm_sel)
# shellcheck disable=SC2086
hostfs_sel=$(printf '%s ' $hostfs_sel)
host_sel=${host_sel% }
vm_sel=${vm_sel% }
hostfs_sel=${hostfs_sel% }

# Add a "PASSED FAILED SKIPPED NTESTS" summary file to the totals.
add_summary() {
	read -r p f s n <"$1"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	ntests=$((ntests + n))
}

# --- host unit tests ---------------------------------------------------

run_host_tests() {
	for t in $host_sel; do
		echo "# qpu-host: begin $t"
		rc=0
		case $t in
		*:*) timeout -k 10 "$host_timeout" "$host_dir/${t%%:*}" \
			"${t#*:}" </dev/null 2>&1 || rc=$? ;;
		*) timeout -k 10 "$host_timeout" "$host_dir/$t" \
			</dev/null 2>&1 || rc=$? ;;
		esac
		echo "# qpu-host: end $t rc=$rc"
	done
}

if [ -n "$host_sel" ]; then
	echo "==== host unit tests"
	mkdir -p build
	hlog=build/host-tests.log
	run_host_tests | tee "$hlog"
	echo "==== host results"
	sh scripts/vm/parse.sh --mode host --plan "$host_sel" \
		--summary "$tmp/host" "$hlog" || :
	add_summary "$tmp/host"
fi

# --- VM selftests ------------------------------------------------------

# run_vm NAME SELECTION [run.sh options]: one boot, its totals added.
run_vm() {
	name=$1 sel=$2
	shift 2
	vm_rc=0
	sh scripts/vm/run.sh --check ${sel:+--only "$sel"} \
		--summary "$tmp/$name" "$@" || vm_rc=$?
	if [ -s "$tmp/$name" ]; then
		add_summary "$tmp/$name"
	else
		echo "$name: FAILED: scripts/vm/run.sh stopped before testing" \
		     "(rc=$vm_rc)"
		failed=$((failed + 1))
	fi
}

if [ -z "$only" ] || [ -n "$vm_sel" ]; then
	echo "==== VM selftests"
	run_vm vm "$vm_sel"
fi

if [ -z "$only" ] || [ -n "$hostfs_sel" ]; then
	echo "==== VM selftests on the host's userland (--hostfs)"
	run_vm vm-hostfs "$hostfs_sel" --hostfs --log build/vm/last-hostfs.log
fi

echo "===="
rc=0
[ "$failed" -eq 0 ] || rc=1
if [ "$ntests" -eq 0 ] && [ "$failed" -eq 0 ]; then
	echo "check: FAILED: no tests ran"
	rc=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
