/* SPDX-License-Identifier: GPL-2.0 */
/*
 * job_rig.h - a rig for tests that run the same jobs down several paths
 * (synchronous RUN, libqpu batches over io_uring or ioctls, a program's
 * own ring) and compare the results byte for byte:
 *
 *  - a device, two coupled qubits and the circuit RY(p0) q0, RX(0.5 p1 +
 *    0.25) q1, CX q0->q1, measure both, with <ZZ> as observable;
 *  - a parameter buffer of @njobs vectors and a result buffer of @njobs
 *    slices;
 *  - job i reads vector i into slice i with seed @seed_base + i; every
 *    @bad_every-th job names a circuit that does not exist, so it must
 *    fail with -ENOENT the same way on every path.
 *
 * libqpu and the test harness only; include after vm_util.h.
 */
#ifndef QPU_JOB_RIG_H
#define QPU_JOB_RIG_H

#include <libqpu.h>

#include "vm_util.h"

struct rig {
	struct qpu_dev *dev;
	struct qpu_qubits *q;
	struct qpu_loaded l;
	struct qpu_buffer *params;
	struct qpu_buffer *results;
	size_t slice;
	uint32_t njobs;
	uint32_t shots;
	uint64_t seed_base;
	uint32_t bad_every;
};

static inline void rig_up(struct rig *r, uint32_t njobs, uint32_t shots,
			  uint64_t seed_base, uint32_t bad_every)
{
	struct qpu_circuit *c;
	double *p;
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->njobs = njobs;
	r->shots = shots;
	r->seed_base = seed_base;
	r->bad_every = bad_every;
	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &r->dev), 0);
	QT_ASSERT_EQ(qpu_alloc_qubits(r->dev, 2, &r->q), 0);
	QT_ASSERT(r->q->num_edges >= 1);
	c = qpu_circuit_new(2, 2);
	QT_ASSERT(c);
	QT_ASSERT_EQ(qpu_circuit_ry(c, 0, qpu_param(0, 1.0, 0.0)), 0);
	QT_ASSERT_EQ(qpu_circuit_rx(c, 1, qpu_param(1, 0.5, 0.25)), 0);
	QT_ASSERT_EQ(qpu_circuit_cx(c, 0, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 0, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 1, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_add_observable(c, 3), 0);
	QT_ASSERT_EQ(qpu_circuit_load(r->dev, c, r->q, &r->l), 0);
	qpu_circuit_free(c);
	r->slice = qpu_result_size(2, shots, 1);
	QT_ASSERT_EQ(qpu_buffer_new(r->dev, njobs * 2 * sizeof(double),
				    &r->params), 0);
	QT_ASSERT_EQ(qpu_buffer_new(r->dev, njobs * r->slice, &r->results), 0);
	p = r->params->ptr;
	for (i = 0; i < 2 * njobs; i++)
		p[i] = 0.1 * i;
}

static inline void rig_down(struct rig *r)
{
	QT_ASSERT_EQ(qpu_buffer_free(r->dev, r->results), 0);
	QT_ASSERT_EQ(qpu_buffer_free(r->dev, r->params), 0);
	QT_ASSERT_EQ(qpu_circuit_unload(r->dev, r->l.handle), 0);
	QT_ASSERT_EQ(qpu_free_qubits(r->dev, r->q), 0);
	qpu_close(r->dev);
}

static inline bool rig_job_is_bad(const struct rig *r, uint32_t i)
{
	return r->bad_every && i % r->bad_every == r->bad_every - 1;
}

/* The status job @i must complete with, on every path. */
static inline int rig_status_ref(const struct rig *r, uint32_t i)
{
	return rig_job_is_bad(r, i) ? -ENOENT : 0;
}

static inline struct qpu_job_desc rig_job(const struct rig *r, uint32_t i)
{
	struct qpu_job_desc j;

	memset(&j, 0, sizeof(j));
	j.circuit = rig_job_is_bad(r, i) ? r->l.handle + 1000 : r->l.handle;
	j.flags = QPU_RUN_SEED | QPU_RUN_EXPECT;
	j.seed = r->seed_base + i;
	j.shots = r->shots;
	j.param_buf = r->params->handle;
	j.param_offset = i * 2 * sizeof(double);
	j.result_buf = r->results->handle;
	j.result_offset = i * r->slice;
	return j;
}

/* The result area with its one nondeterministic field (sim_ns) cleared. */
static inline void rig_snapshot(const struct rig *r, unsigned char *out)
{
	uint32_t i;

	memcpy(out, r->results->ptr, r->njobs * r->slice);
	for (i = 0; i < r->njobs; i++) {
		struct qpu_result *res = (void *)(out + i * r->slice);

		res->sim_ns = 0;
	}
}

/* Synchronous RUN of every job: the reference the other paths must give. */
static inline void rig_run_sync(const struct rig *r, unsigned char *ref)
{
	struct qpu_job_desc j;
	uint32_t i;

	memset(r->results->ptr, 0, r->results->size);
	for (i = 0; i < r->njobs; i++) {
		j = rig_job(r, i);
		QT_ASSERT_EQ(qpu_run_job(r->dev, &j, NULL), rig_status_ref(r, i));
	}
	rig_snapshot(r, ref);
	for (i = 0; i < r->njobs; i++) {
		const struct qpu_result *res = (void *)(ref + i * r->slice);

		if (rig_job_is_bad(r, i)) {
			QT_ASSERT(mem_is_zero(res, r->slice));
			continue;
		}
		assert_slice_ok(res, 2, r->shots, 1, 0);
		QT_ASSERT_EQ(res->seed, r->seed_base + i);
	}
}

#endif /* QPU_JOB_RIG_H */
