#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest script of `make bench-multiprogram`: qpu-bench --multiprogram
# on a heavyhex:27 and a heavyhex:127 device it creates (calibrated noise;
# exclusive FIFO, noise-unaware and fidelity- and crosstalk-aware
# multiprogramming: waits, throughput, fidelity). Figures only: nothing
# here passes or fails on them; a job that cannot run is an error.
set -eu

qpu-bench --multiprogram --devices heavyhex:27,heavyhex:127 --jobs 200 \
	--tenants 8 --workers 8 --shots 500 --seed 1
