/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - qpu-bench's parts: main.c (options, the submission-path
 * table) and tenants.c (--tenants: shares between tenants, submit and
 * pick cost, a flood's victim).
 */
#ifndef QPU_BENCH_H
#define QPU_BENCH_H

#include <stdbool.h>
#include <stdint.h>

int bench_tenants(const char *dev, const uint32_t *weights, uint32_t nt,
		  uint32_t jobs);

#endif /* QPU_BENCH_H */
