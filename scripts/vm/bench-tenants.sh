#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest script of `make bench-tenants`: qpu-bench --tenants on
# /dev/qpu0 (shares between weighted tenants, an interactive tenant's
# waits, submit and pick cost at 10 and 100 000 queued jobs, a flood's
# victim). Figures only: nothing here passes or fails on them.
set -eu

qpu-bench --tenants
