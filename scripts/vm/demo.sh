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
