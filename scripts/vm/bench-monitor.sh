#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest script of `make bench-monitor`: qpu-bench --monitor on
# /dev/qpu0 (circuit load, io_uring submission and a whole small job
# with no policy, an empty one and every qpu-monitor rule). Figures
# only: nothing here passes or fails on them.
set -eu

qpu-bench --monitor
