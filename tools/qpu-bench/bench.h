/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - qpu-bench's parts: main.c (options, the submission-path
 * table, the bench circuit), tenants.c (--tenants: shares between
 * tenants, submit and pick cost, a flood's victim) and monitor.c
 * (--monitor: the cost of the monitoring hook).
 */
#ifndef QPU_BENCH_H
#define QPU_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct qpu_circuit;
struct qpu_qubits;

struct qpu_circuit *bench_circuit(const struct qpu_qubits *q, uint32_t nq,
				  uint32_t gates);
int bench_tenants(const char *dev, const uint32_t *weights, uint32_t nt,
		  uint32_t jobs);
int bench_monitor(const char *dev, uint32_t nq, uint32_t gates,
		  uint32_t shots, uint32_t jobs);

#endif /* QPU_BENCH_H */
