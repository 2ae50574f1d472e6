#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest script of `make bench`: qpu-bench on /dev/qpu0, table on the
# console and CSV in the log. Figures only: nothing here passes or fails on
# timing. Under TCG (no KVM) absolute times are slow; ratios still compare
# the submission paths.
set -eu

qpu-bench --qubits 4,8 --gates 50 --shots 100 --circuits 512 --csv /tmp/bench.csv
echo "== CSV"
cat /tmp/bench.csv
