#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest script of `make fuzz` (run by scripts/vm/run.sh --script): one
# qpu-fuzz campaign. Its settings come from the kernel command line, where
# the Makefile puts them (VM_APPEND):
#
#   qpufuzz.seed=N qpufuzz.calls=N qpufuzz.threads=N qpufuzz.classes=LIST
#
# (defaults: seed 1, 200000 calls, 4 threads, all classes). The script's
# exit status is qpu-fuzz's; the harness checks the kernel log and the
# object counters afterwards, as for every VM run.
set -u

seed=1 calls=200000 threads=4 classes=all
for w in $(cat /proc/cmdline); do
	case $w in
	qpufuzz.seed=*) seed=${w#*=} ;;
	qpufuzz.calls=*) calls=${w#*=} ;;
	qpufuzz.threads=*) threads=${w#*=} ;;
	qpufuzz.classes=*) classes=${w#*=} ;;
	esac
done

echo "fuzz.sh: qpu-fuzz --seed $seed --calls $calls --threads $threads" \
     "--classes $classes"
start=$(date +%s)
rc=0
qpu-fuzz --seed "$seed" --calls "$calls" --threads "$threads" \
	--classes "$classes" --verbose || rc=$?
end=$(date +%s)
echo "fuzz.sh: qpu-fuzz exited rc=$rc after $((end - start)) s (guest clock)"
exit "$rc"
