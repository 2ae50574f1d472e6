#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest script of `make run` (scripts/vm/run.sh --script): show the
# loaded driver at work. /init has already loaded qpu.ko; afterwards it
# checks the object counters, unloads the module and prints the kernel log.
# The script fails (and so does `make run`) if there is no /dev/qpu0 or a
# tool fails.
set -eu

section() {
	printf '\n== %s\n' "$*"
}

# wait_ready PID ERRFILE MESSAGE CMD...: wait up to 10 s for CMD to
# succeed while background PID lives; otherwise show ERRFILE and fail.
wait_ready() {
	pid=$1 errf=$2 msg=$3
	shift 3
	tries=0
	until "$@"; do
		tries=$((tries + 1))
		if [ "$tries" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
			cat "$errf" >&2
			echo "demo: $msg" >&2
			exit 1
		fi
		sleep 0.1
	done
}

section "kernel"
uname -r

section "devices"
if ! ls -l /dev/qpu*; then
	echo "demo: no /dev/qpu* device: did qpu.ko load?" >&2
	exit 1
fi

section "sysfs: /sys/class/qpu/qpu0"
for a in num_qubits topology num_edges calibration_epoch free_qubits; do
	f=/sys/class/qpu/qpu0/$a
	if [ -r "$f" ]; then
		printf '%-18s %s\n' "$a" "$(cat "$f")"
	else
		printf '%-18s (missing)\n' "$a"
	fi
done

if [ -x /bin/qpuctl ]; then
	section "qpuctl info"
	qpuctl info
fi

section "qpuctl alloc 5 (a connected region of the coupling map)"
qpuctl alloc 5

section "calibration of qubit 0 and edge 0 (q: P(1|0) ppm, 1q error ppm, T1/T2 us, P(0|1) ppm)"
head -n 1 /sys/class/qpu/qpu0/calibration
grep -m 1 '^e' /sys/class/qpu/qpu0/calibration

section "a second device at runtime: grid:3x4"
qpuctl device add 1 grid:3x4
qpuctl -d /dev/qpu1 info | head -n 4
qpuctl device del 1

for f in bell ghz; do
	section "qpu-run --shots 1000 --seed 1 examples/$f.qasm"
	qpu-run --shots 1000 --seed 1 "/examples/$f.qasm"
done

section "qpu-run examples/toffoli.qasm on heavy-hex: routed (SWAPs inserted)"
qpu-run --shots 1000 --seed 1 /examples/toffoli.qasm
qpu-run --shots 1000 --seed 1 /examples/toffoli.qasm | grep -q '^1001     1000 ' || {
	echo "demo: the routed adder should read 1001 on every shot" >&2
	exit 1
}

section "qpu-run --no-route examples/qft.qasm on heavy-hex: refused"
if qpu-run --no-route --shots 1000 /examples/qft.qasm; then
	echo "demo: expected qft.qasm to be refused with --no-route" >&2
	exit 1
fi

section "a fully connected device, full:8, for QFT and Grover"
qpuctl device add 2 full:8
for f in qft grover; do
	section "qpu-run -d /dev/qpu2 --shots 1000 --seed 1 examples/$f.qasm"
	qpu-run -d /dev/qpu2 --shots 1000 --seed 1 "/examples/$f.qasm"
done
qpuctl device del 2

if [ -r /examples/ansatz.qasm ] && [ -x /bin/qpu-run ]; then
	section "qpu-run examples/ansatz.qasm with parameters"
	qpu-run --shots 1000 --seed 1 \
		--param 1.5708,0,0,0,0,0,0,0 /examples/ansatz.qasm
fi

section "tenants: cgroup v2 groups with limits (Documentation/qpu/tenants.rst)"
# Run a command in cgroup $1 (a process of its own joins it).
in_cgroup() {
	cg=/sys/fs/cgroup/$1
	shift
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
mkdir -p /sys/fs/cgroup/hospital/radiology /sys/fs/cgroup/hospital/teaching
qpuctl tenant set /sys/fs/cgroup/hospital qubits.max=4 weight=200 \
	shots.max="1000000 3600" isolation=guard
qpuctl tenant set hospital/teaching shots.max="1500 0" latency=interactive
echo "+ qpu-run in hospital/teaching, ghz.qasm (5 qubits):"
if in_cgroup hospital/teaching qpu-run --shots 1000 /examples/ghz.qasm; then
	echo "demo: expected qubits.max of /hospital to refuse it" >&2
	exit 1
fi
echo "+ bell.qasm twice there: the second goes over the 1500-shot budget:"
in_cgroup hospital/teaching qpu-run --shots 1000 --seed 1 /examples/bell.qasm
if in_cgroup hospital/teaching qpu-run --shots 1000 --seed 1 /examples/bell.qasm; then
	echo "demo: expected shots.max of /hospital/teaching to refuse it" >&2
	exit 1
fi
qpuctl tenant show hospital/teaching
qpuctl -j tenant show hospital/teaching
qpuctl status
qpuctl tenant del hospital/teaching
qpuctl tenant del hospital
rmdir /sys/fs/cgroup/hospital/radiology /sys/fs/cgroup/hospital/teaching \
	/sys/fs/cgroup/hospital

section "qpu-monitor: a BPF policy sees every circuit (Documentation/qpu/qpu-monitor.rst)"
# repeat-2q denies, cx-alternation flags, every other rule logs.
mon_out=/tmp/qpu-monitor.json
mon_err=/tmp/qpu-monitor.err
rm -f "$mon_out"
qpu-monitor --rule repeat-2q=deny --rule cx-alternation=flag \
	-o "$mon_out" 2>"$mon_err" &
mon=$!
policy_is_monitor() {
	[ "$(cat /sys/class/qpu/qpu0/policy)" = qpu-monitor ]
}
wait_ready "$mon" "$mon_err" "qpu-monitor did not attach" policy_is_monitor
cat "$mon_err"
echo "+ sysfs policy of qpu0: $(cat /sys/class/qpu/qpu0/policy)"
# Two small circuits: the same CX 64 times in a row, and 64 CX that
# alternate direction (SWAPs made of CNOTs).
qasm_head() {
	printf '%s\n' 'OPENQASM 2.0;' 'include "qelib1.inc";' 'qreg q[2];' \
		'creg c[2];'
}
{
	qasm_head
	i=0
	while [ "$i" -lt 64 ]; do echo 'cx q[0],q[1];'; i=$((i + 1)); done
	echo 'measure q -> c;'
} >/tmp/repeat.qasm
{
	qasm_head
	i=0
	while [ "$i" -lt 32 ]; do
		printf '%s\n' 'cx q[0],q[1];' 'cx q[1],q[0];'
		i=$((i + 1))
	done
	echo 'measure q -> c;'
} >/tmp/swaps.qasm
echo "+ an ordinary circuit passes: qpu-run examples/bell.qasm"
qpu-run --shots 1000 --seed 1 /examples/bell.qasm
echo "+ 64 consecutive cx q[0],q[1] are denied (rule repeat-2q):"
if qpu-run --shots 100 /tmp/repeat.qasm; then
	echo "demo: expected qpu-monitor to deny /tmp/repeat.qasm" >&2
	exit 1
fi
echo "+ 64 alternating CX are accepted, and flagged (rule cx-alternation):"
qpu-run --shots 100 --seed 1 /tmp/swaps.qasm
kill -TERM "$mon"
mon_rc=0
wait "$mon" || mon_rc=$?
echo "+ qpu-monitor's JSON lines:"
cat "$mon_out"
echo "+ and its summary (stderr) after SIGTERM:"
tail -n 1 "$mon_err"
if [ "$mon_rc" -ne 0 ] ||
   [ "$(grep -c '"rule":"repeat-2q","action":"deny"' "$mon_out")" -ne 1 ] ||
   [ "$(grep -c '"rule":"cx-alternation","action":"flag"' "$mon_out")" -lt 1 ] ||
   [ -n "$(cat /sys/class/qpu/qpu0/policy)" ]; then
	echo "demo: qpu-monitor: want exit 0, one deny, a flag and the" \
	     "policy detached (exit $mon_rc)" >&2
	exit 1
fi

section "audit: every job leaves a record, qpu-auditd keeps it, qpu-run --replay checks it (Documentation/qpu/audit.rst)"
aud_dir=/tmp/qpu-audit
rm -rf "$aud_dir"
mkdir -p "$aud_dir"
qpu-auditd --dir "$aud_dir" --pidfile "$aud_dir/pid" 2>"$aud_dir/err" &
aud=$!
wait_ready "$aud" "$aud_dir/err" "qpu-auditd did not subscribe" \
	test -s "$aud_dir/pid"
echo "+ a job with its provenance: qpu-run -v --shots 1000 --seed 11 /examples/ghz.qasm"
qpu-run -v --shots 1000 --seed 11 /examples/ghz.qasm
kill -TERM "$aud"
aud_rc=0
wait "$aud" || aud_rc=$?
echo "+ its audit record, one line of $aud_dir/audit.jsonl:"
grep '"type":"job"' "$aud_dir/audit.jsonl" | tail -n 1 >/tmp/job.json
cat /tmp/job.json
echo "+ calibration snapshots the daemon keeps (named by their SHA-256):"
ls "$aud_dir/calib"
echo "+ qpu-run --replay /tmp/job.json /examples/ghz.qasm"
qpu-run --replay /tmp/job.json /examples/ghz.qasm | tail -n 1
echo "+ the same record against a changed circuit:"
sed 's/h q\[0\];/x q[0];/' /examples/ghz.qasm >/tmp/ghz-changed.qasm
rep_rc=0
qpu-run --replay /tmp/job.json /tmp/ghz-changed.qasm || rep_rc=$?
if [ "$aud_rc" -ne 0 ] || [ ! -s /tmp/job.json ] || [ "$rep_rc" -ne 2 ] ||
   ! qpu-run --replay /tmp/job.json /examples/ghz.qasm >/dev/null; then
	echo "demo: audit: want the daemon to exit 0, a job record, a" \
	     "matching replay and a refused changed circuit" >&2
	exit 1
fi

section "a noisy device: noise=calibrated (Documentation/qpu/noise.rst)"
echo calibrated >/sys/class/qpu/qpu0/noise
echo "+ qpu-run --shots 2000 --seed 3 /examples/ghz.qasm, with T1/T2, gate, readout errors:"
qpu-run --shots 2000 --seed 3 /examples/ghz.qasm | head -n 6
echo ideal >/sys/class/qpu/qpu0/noise

if [ -x /bin/vqc ]; then
	section "vqc: a variational classifier trained through io_uring batches"
	vqc --epochs 15
fi
