#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Check a test log: the console log of a VM run (scripts/vm/run.sh, markers
# "# qpu-vm: ...", written by scripts/vm/init) or of the host tests
# (scripts/check.sh, markers "# qpu-host: ...").
#
# Usage: scripts/vm/parse.sh [--mode check|script|host] [--plan "LIST"]
#                            [--script NAME] [--note MSG] [--summary FILE]
#                            LOG
#   --plan     the programs expected to run ("prog" or "prog:test" words, in
#              order); one that never started counts as a failure
#   --script   script mode: the script's name as the guest reports it
#   --note     a host-side problem to repeat in the report (e.g. timeout)
#   --summary  write "PASSED FAILED SKIPPED NTESTS" to FILE, NTESTS being the
#              number of test results not counting the environment checks
#
# Counting, per program section ("begin PROG" .. "end PROG rc=N"):
#   - lines starting at column 0 with "ok " pass ("# SKIP" in them: skipped)
#     and with "not ok " fail; indented (subtest) lines are ignored;
#   - a section that never ended (crash, hang, guest died), a non-zero rc
#     without any "not ok" line, or fewer results than the "1..N" plan
#     count as one failure more;
#   - a planned program that never started counts as one failure.
# In the VM modes, these environment checks are one case each:
#   "vm: insmod qpu.ko"      the module loaded;
#   "vm: no leaked objects"  every debugfs object count but "devices" is 0;
#   "vm: rmmod"              rmmod qpu succeeded;
#   "vm: clean kernel log"   the dmesg section is there and free of warnings,
#                            BUGs, oopses, lockdep splats, stalls, leaks, ...
#   "vm: script NAME"        (script mode) the script exited 0.
# The last line is "<who>: N passed, N failed, N skipped"; the exit status
# is 1 if anything failed.
set -eu

mode=check
plan=
script=
note=
summary=
while [ "$#" -gt 1 ]; do
	case $1 in
	--mode) mode=$2; shift ;;
	--plan) plan=$2; shift ;;
	--script) script=$2; shift ;;
	--note) note=$2; shift ;;
	--summary) summary=$2; shift ;;
	*) echo "parse.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ "$#" -eq 1 ] || { echo "usage: parse.sh [OPTIONS] LOG" >&2; exit 2; }
log=$1
[ -r "$log" ] || { echo "parse.sh: cannot read $log" >&2; exit 2; }

case $mode in
check|script) who=vm ;;
host) who=host ;;
*) echo "parse.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac

rc=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

awk -v mode="$mode" -v who="$who" -v plan="$plan" -v script="$script" \
    -v note="$note" -v sumfile="$out" '
function trim_cr(s) { sub(/\r$/, "", s); return s }

# Kernel log patterns that fail the run (fixed strings).
function init_patterns() {
	npat = split("WARNING:|BUG:|Oops|general protection fault|" \
		"Kernel panic|kernel BUG at|rcu_sched self-detected stall|" \
		"rcu: INFO:|rcu_preempt detected stalls|" \
		"detected stalls on CPUs|blocked for more than|hung_task|" \
		"possible circular locking|possible recursive locking|" \
		"inconsistent lock state|lockdep|refcount_t:|" \
		"list_add corruption|list_del corruption|UBSAN:|KASAN:|" \
		"kmemleak|soft lockup|qpu: leak:|" \
		"BUG: KASAN|possible irq lock inversion|" \
		"suspicious RCU usage|bad unlock balance|Invalid wait context|" \
		"lock held when returning to user space|held lock freed|" \
		"turning off the locking correctness validator|" \
		"sleeping function called from invalid context|" \
		"scheduling while atomic|DEBUG_LOCKS_WARN_ON", pat, "|")
	# Lines a debug kernel (scripts/debug-kernel.sh) prints on every
	# boot that match a pattern above but report nothing wrong.
	nbenign = split("RCU lockdep checking is enabled|" \
		"kmemleak: Kernel memory leak detector initialized|" \
		"kmemleak: Automatic memory scanning thread started", benign, "|")
}

function bad_kernel_line(s,    i) {
	for (i = 1; i <= nbenign; i++)
		if (index(s, benign[i]))
			return 0
	for (i = 1; i <= npat; i++)
		if (index(s, pat[i]))
			return 1
	return 0
}

function add_prog(p) {
	if (!(p in known)) {
		known[p] = 1
		order[++nprog] = p
	}
}

# One case: print its verdict, count it.
function env_case(name, ok, why) {
	if (ok) {
		printf "%s: ok\n", name
		tpass++
	} else {
		printf "%s: FAILED%s\n", name, why != "" ? ": " why : ""
		tfail++
	}
}

function rc_reason(rc) {
	if (rc == 124 || rc == 143 || rc == 137)
		return "killed by the per-program timeout"
	if (rc == 127)
		return "program not found"
	if (rc > 128)
		return "killed by signal " (rc - 128)
	if (rc == 2)
		return "usage error, e.g. no such test name"
	return "exit status " rc
}

BEGIN {
	P = "# qpu-" (who == "host" ? "host" : "vm") ": "
	init_patterns()
	n = split(plan, w, " ")
	for (i = 1; i <= n; i++)
		add_prog(w[i])
	if (mode == "script" && script != "")
		add_prog("script " script)
	cur = ""
	insmod_rc = ""; rmmod_rc = ""
}

{
	line = trim_cr($0)
	if (index(line, P) == 1) {
		m = substr(line, length(P) + 1)
		if (m ~ /^begin /) {
			cur = substr(m, 7)
			add_prog(cur)
			begun[cur] = 1
			ntail[cur] = 0
		} else if (m ~ /^end .* rc=-?[0-9]+$/) {
			name = substr(m, 5)
			sub(/ rc=-?[0-9]+$/, "", name)
			rc = m
			sub(/.* rc=/, "", rc)
			ended[name] = 1
			prc[name] = rc + 0
			cur = ""
		} else if (m ~ /^insmod rc=/) {
			insmod_rc = substr(m, 11) + 0
		} else if (m == "objects-begin") {
			in_obj = 1; obj_begun = 1
		} else if (m == "objects-end") {
			in_obj = 0; obj_ended = 1
		} else if (m ~ /^rmmod rc=/) {
			rmmod_rc = substr(m, 10) + 0
		} else if (m == "dmesg-begin") {
			in_dmesg = 1; dmesg_begun = 1
		} else if (m == "dmesg-end") {
			in_dmesg = 0; dmesg_ended = 1
		} else if (m == "done") {
			done = 1
		} else if (cur != "" && m ~ /killed after/) {
			why[cur] = m
		}
		next
	}
	if (in_obj) {
		objline[++nobj] = line
		next
	}
	if (in_dmesg) {
		if (bad_kernel_line(line))
			dbad[++ndbad] = line
		next
	}
	# Outside the sections: kernel messages that reached the console
	# live; shown if the guest died before printing its log.
	if (line ~ /^\[ *[0-9]+\.[0-9]+\]/ && bad_kernel_line(line))
		cbad[++ncbad] = line
	if (cur == "")
		next
	# The last lines of the section, shown if it never ends.
	tail[cur, ntail[cur] % 15] = line
	ntail[cur]++
	if (line ~ /^#/) {
		diag[cur] = (diag[cur] == "" ? "" : diag[cur] "\n") line
		ndiag[cur]++
		if (ndiag[cur] > 4)
			sub(/^[^\n]*\n/, "", diag[cur])
	} else if (line ~ /^1\.\.[0-9]+/) {
		tplan[cur] = substr(line, 4) + 0
	} else if (line ~ /^ok /) {
		if (line ~ /#[ \t]*[Ss][Kk][Ii][Pp]/)
			skip[cur]++
		else
			pass[cur]++
		diag[cur] = ""; ndiag[cur] = 0
	} else if (line ~ /^not ok /) {
		fail[cur]++
		nf = ++nfails[cur]
		failmsg[cur, nf] = (diag[cur] != "" ? diag[cur] "\n" : "") line
		diag[cur] = ""; ndiag[cur] = 0
	}
}

END {
	tpass = tfail = tskip = 0
	for (i = 1; i <= nprog; i++) {
		p = order[i]
		label = (mode == "script" ? "vm: " p : who ": " p)
		if (!begun[p]) {
			printf "%s: FAILED: never started (the %s stopped before it)\n",
				label, who == "host" ? "run" : "guest"
			tfail++
			continue
		}
		a = pass[p] + 0; b = fail[p] + 0; c = skip[p] + 0
		extra = ""
		if (!ended[p]) {
			extra = "did not finish: crashed, hung, or the guest died" \
				(why[p] != "" ? " (" why[p] ")" : "")
		} else if (mode == "script") {
			if (prc[p] != 0)
				extra = "exited rc=" prc[p] " (" rc_reason(prc[p]) ")"
		} else if (prc[p] != 0 && b == 0) {
			extra = "exited rc=" prc[p] " (" rc_reason(prc[p]) \
				") without a failing test"
		} else if ((p in tplan) && a + b + c < tplan[p]) {
			extra = "planned " tplan[p] " tests, reported " (a + b + c)
		}
		if (mode == "script") {
			env_case(label, extra == "", extra)
		} else {
			printf "%s: %d passed, %d failed, %d skipped\n", label, a, b, c
			for (j = 1; j <= nfails[p]; j++) {
				s = failmsg[p, j]
				gsub(/\n/, "\n    ", s)
				print "    " s
			}
			tpass += a; tfail += b; tskip += c
			if (extra != "") {
				printf "%s: FAILED: %s\n", label, extra
				tfail++
			}
		}
		if (extra != "" && !ended[p] && ntail[p] > 0) {
			print "    last output:"
			k = ntail[p] > 15 ? ntail[p] - 15 : 0
			for (; k < ntail[p]; k++)
				print "    | " tail[p, k % 15]
		}
	}
	ntests = tpass + tfail + tskip
	if (mode == "script")
		ntests = 0

	if (who == "vm") {
		if (insmod_rc == "")
			env_case("vm: insmod qpu.ko", 0,
				 "no insmod status: the guest did not reach init")
		else
			env_case("vm: insmod qpu.ko", insmod_rc == 0,
				 "rc=" insmod_rc ", see the kernel log")

		why_obj = ""; leaks = ""; kinds = 0
		for (i = 1; i <= nobj; i++) {
			if (objline[i] ~ /^[A-Za-z_][A-Za-z0-9_]* -?[0-9]+$/) {
				split(objline[i], kv, " ")
				kinds++
				if (kv[1] != "devices" && kv[2] + 0 != 0)
					leaks = leaks "\n    " objline[i]
			}
		}
		if (!obj_begun || !obj_ended)
			why_obj = "no objects section: the guest stopped before it"
		else if (kinds == 0)
			why_obj = "no counters in /sys/kernel/debug/qpu/objects"
		else if (leaks != "")
			why_obj = "objects left after the tests:" leaks
		if (why_obj != "" && kinds == 0)
			for (i = 1; i <= nobj; i++)
				why_obj = why_obj "\n    | " objline[i]
		env_case("vm: no leaked objects", why_obj == "", why_obj)

		if (rmmod_rc == "")
			env_case("vm: rmmod", 0, "no rmmod status: the guest stopped before it")
		else
			env_case("vm: rmmod", rmmod_rc == 0, "rc=" rmmod_rc)

		why_k = ""
		if (!dmesg_begun || !dmesg_ended) {
			why_k = "no complete kernel log: the guest stopped before it"
			for (i = 1; i <= ncbad; i++)
				why_k = why_k "\n    " cbad[i]
		} else if (ndbad) {
			why_k = ndbad " bad line(s):"
			for (i = 1; i <= ndbad && i <= 40; i++)
				why_k = why_k "\n    " dbad[i]
			if (ndbad > 40)
				why_k = why_k "\n    ..."
		}
		env_case("vm: clean kernel log", why_k == "", why_k)
		if (!done)
			print "vm: note: no \"done\" marker: init did not finish"
	}
	if (note != "")
		print who ": note: " note
	printf "%d %d %d %d\n", tpass, tfail, tskip, ntests > sumfile
	printf "%s: %d passed, %d failed, %d skipped\n", who, tpass, tfail, tskip
	exit (tfail ? 1 : 0)
}
' "$log" || rc=$?

[ -z "$summary" ] || cp "$out" "$summary"
exit "$rc"
