#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the host fuzzers (`make fuzz-host`): each target in turn, one job at
# a time, for FUZZ_RUNS executions (default 200000; FUZZ_RUNS_NAME for one
# target, e.g. FUZZ_RUNS_sim=50000) or FUZZ_TIME seconds (if set,
# whichever comes first), starting from its committed seed corpus
# (selftests/fuzz/corpus/NAME, never written) plus the inputs earlier runs
# found (DIR/corpus/NAME). The QASM target uses selftests/fuzz/qasm.dict.
# A crash, leak, sanitizer report, timeout or broken property fails the
# run; the input is saved as DIR/NAME-crash-* (see
# Documentation/qpu/fuzzing.rst for turning it into a regression test).
# Ends with one line per target: executions, seconds, corpus size.
#
# Usage: scripts/fuzz-host.sh DIR NAME...   (DIR: build/fuzz-host)
set -eu

[ "$#" -ge 2 ] || { echo "usage: fuzz-host.sh DIR NAME..." >&2; exit 2; }
dir=$1
shift
runs=${FUZZ_RUNS:-200000}
time_opt=
[ -z "${FUZZ_TIME:-}" ] || time_opt="-max_total_time=$FUZZ_TIME"

# libFuzzer turns these into failures; make UBSan and ASan exit hard too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

summary=
rc=0
for name in "$@"; do
	bin=$dir/${name}_fuzz
	seeds=selftests/fuzz/corpus/$name
	work=$dir/corpus/$name
	log=$dir/$name.log
	n=$(eval "echo \${FUZZ_RUNS_$name:-$runs}")
	mkdir -p "$work"
	dict=
	[ ! -f "selftests/fuzz/$name.dict" ] ||
		dict="-dict=selftests/fuzz/$name.dict"
	echo "==== fuzz $name: $n runs${FUZZ_TIME:+ or ${FUZZ_TIME}s}"
	start=$(date +%s)
	frc=0
	# shellcheck disable=SC2086
	"$bin" -runs="$n" $time_opt $dict -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/$name-" \
		"$work" "$seeds" >"$log" 2>&1 || frc=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	units=$(find "$work" -type f | wc -l)
	if [ "$frc" -ne 0 ]; then
		tail -n 40 "$log"
		echo "fuzz $name: FAILED (exit $frc), log $log"
		rc=1
	fi
	summary="$summary$(printf '%-8s %10s execs %6ss %6s corpus units %s' \
		"$name" "${execs:-?}" "$((end - start))" "$units" \
		"$([ "$frc" -eq 0 ] && echo ok || echo FAILED)")
"
done
echo "==== host fuzzers"
printf '%s' "$summary"
exit "$rc"
