# SPDX-License-Identifier: GPL-2.0
#
# tap.sh - the TAP runner of the project's sh tests (sourced, not run):
# the same output as the C tests' qpu_test.h, which scripts/vm/parse.sh
# counts. A test is a function t_NAME that calls fail "why" on each
# failed check; tap_main runs them and returns non-zero if any failed.
#
#	. "$top/selftests/tap.sh"
#	t_one() { [ 1 = 1 ] || fail "arithmetic"; }
#	tap_main "one two" "$@"     # $1 of the script: run one test only
#
# A function tap_setup, if the script defines one, runs before each test.

# fail MESSAGE: mark the current test failed, say why (as a TAP comment).
fail() {
	echo "# $tap_cur: $*"
	tap_ok=0
}

# tap_main "NAME ..." [ONLY]
tap_main() {
	tap_cases=$(echo $1)
	if [ -n "${2:-}" ]; then
		case " $tap_cases " in
		*" $2 "*) tap_cases=$2 ;;
		*) echo "${0##*/}: no test named '$2'" >&2; return 2 ;;
		esac
	fi
	echo "TAP version 13"
	echo "1..$(echo $tap_cases | wc -w)"
	tap_n=0
	tap_nfail=0
	for tap_cur in $tap_cases; do
		tap_n=$((tap_n + 1))
		tap_ok=1
		if command -v tap_setup >/dev/null 2>&1; then
			tap_setup
		fi
		"t_$tap_cur"
		if [ "$tap_ok" = 1 ]; then
			echo "ok $tap_n $tap_cur"
		else
			echo "not ok $tap_n $tap_cur"
			tap_nfail=$((tap_nfail + 1))
		fi
	done
	[ "$tap_nfail" -eq 0 ]
}
