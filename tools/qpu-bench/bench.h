/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - qpu-bench's parts: main.c (options, the submission-path
 * table, the bench circuit), tenants.c (--tenants: shares between
 * tenants, submit and pick cost, a flood's victim; the cgroup helpers
 * the other parts share), monitor.c (--monitor: the cost of the
 * monitoring hook) and multiprogram.c (--multiprogram: waits, throughput
 * and fidelity of exclusive and multiprogrammed scheduling).
 */
#ifndef QPU_BENCH_H
#define QPU_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the benchmark's tenant cgroups live. */
#define BENCH_CG_BASE	"/sys/fs/cgroup/qpu-bench"

struct qc_circuit;
struct qc_sim;
struct qc_sim_job;
struct qc_sim_out;
struct qpu_circuit;
struct qpu_nl_limits;
struct qpu_qubits;

/**
 * struct bench_mp_opts - what qpu-bench --multiprogram runs
 * @devices: comma-separated topology specs, one device created for each
 * @jobs: jobs per policy and device
 * @tenants: tenant cgroups submitting them
 * @workers: executor threads of the multiprogrammed policies
 * @shots: shots per job
 * @seed: seeds the workload (circuits, arrival order, job seeds)
 */
struct bench_mp_opts {
	const char *devices;
	uint32_t jobs;
	uint32_t tenants;
	uint32_t workers;
	uint32_t shots;
	uint64_t seed;
};

struct qpu_circuit *bench_circuit(const struct qpu_qubits *q, uint32_t nq,
				  uint32_t gates);
int bench_core_circuit(const struct qpu_circuit *c, struct qc_circuit *qc);
struct qc_sim *bench_core_sim(void *arena, size_t size,
			      const struct qc_sim_job *sj, struct qc_sim_out *out);
int bench_tenants(const char *dev, const uint32_t *weights, uint32_t nt,
		  uint32_t jobs);
int bench_monitor(const char *dev, uint32_t nq, uint32_t gates,
		  uint32_t shots, uint32_t jobs);

int bench_multiprogram(const struct bench_mp_opts *o);

int bench_cgroup_make(const char *name, char *path, size_t len);
int bench_cgroup_join(const char *path);
int bench_write_text(const char *path, const char *text);
double bench_percentile(uint64_t *v, uint32_t n, double p);
int bench_tenant_set(uint32_t dev_id, const char *path,
		     const struct qpu_nl_limits *cfg);

#endif /* QPU_BENCH_H */
