// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_backend_sim.c - the simulator backend: executes a prepared run
 * (struct qpu_exec) on the portable state-vector simulator of kmod/core/,
 * one parameter vector after another, and writes each result slice into
 * the result buffer.
 *
 * Floating point: the simulator (kmod/core/sim.c, fmath.c) is the only
 * code built with CC_FLAGS_FPU. Every call into it happens between
 * kernel_fpu_begin() and kernel_fpu_end(), and each such section does a
 * bounded amount of work (QPU_FPU_BUDGET amplitude updates) followed by
 * cond_resched() and a check of the abort code and of fatal signals: a
 * 20-qubit circuit never holds the FPU, with preemption off, for long,
 * and an abort takes effect within one section.
 *
 * Memory: the simulator's arena and scratch arrays are charged to the
 * submitter's memory cgroup (GFP_KERNEL_ACCOUNT: in its context for
 * synchronous runs; executors set the active memcg to the job's).
 *
 * Noise: a calibrated run (qpu_exec.noise) simulates the noise of its
 * calibration as trajectories; between FPU sections it follows the
 * allocations running beside it (qpu_noise_slice_track()), whose
 * crosstalk applies from the next shot on.
 *
 * Locking: none. A run's objects are referenced and immutable while it
 * runs (qpu_backend.h); one thread executes it; ->abort() is an atomic.
 */
#include <asm/fpu/api.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "core/sim.h"
#include "qpu_backend.h"
#include "qpu_buffer.h"
#include "qpu_calib.h"
#include "qpu_circuit.h"
#include "qpu_device.h"
#include "qpu_noise.h"
#include "qpu_run.h"

/* Amplitude updates per FPU section: well under a millisecond natively. */
#define QPU_FPU_BUDGET	(1ULL << 18)

/*
 * ->prepare(): qpu_run.c has checked everything the simulator needs (the
 * circuit's width against max_sim_qubits at load, the result slices'
 * size and place); nothing is set up ahead of ->run().
 */
static int qpu_sim_prepare(struct qpu_exec *x)
{
	return 0;
}

/* Between FPU sections: 0 to go on, or the errno to stop with. */
static int qpu_sim_should_stop(const struct qpu_exec *x)
{
	int abort = atomic_read(&x->abort);

	if (abort)
		return abort;
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/* Run the simulator on parameter vector @sweep in bounded FPU sections. */
static int qpu_sim_execute(struct qpu_exec *x, u32 sweep,
			   const struct qc_sim_job *sj, struct qc_sim_out *out)
{
	struct qc_sim *sim;
	u32 next_shot = 0;
	size_t size;
	void *arena;
	int ret;

	/* sim.c is an FPU unit: even its integer helpers run in a section. */
	kernel_fpu_begin();
	size = qc_sim_mem_size(sj);
	kernel_fpu_end();
	if (!size)
		return -E2BIG;
	arena = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!arena)
		return -ENOMEM;

	kernel_fpu_begin();
	sim = qc_sim_init(arena, size, sj, out);
	kernel_fpu_end();
	ret = sim ? 1 : -ENOMEM;
	while (ret > 0) {
		kernel_fpu_begin();
		ret = qc_sim_step(sim, QPU_FPU_BUDGET);
		if (ret > 0)
			next_shot = qc_sim_next_shot(sim);
		kernel_fpu_end();
		if (ret > 0) {
			ret = qpu_sim_should_stop(x);
			if (ret)
				break;
			ret = 1;
			qpu_noise_slice_track(x, sweep, next_shot);
			cond_resched();
		}
	}
	kvfree(arena);
	return ret;
}

static u64 qpu_slice_seed(u64 base, u32 i)
{
	/* Distinct, reproducible seeds per parameter vector. */
	return i ? base + (u64)i * 0x9e3779b97f4a7c15ULL : base;
}

/* Simulate parameter vector @i and write its result slice. */
static int qpu_sim_slice(struct qpu_exec *x, u32 i, u64 *params,
			  struct qpu_count *counts, u64 *expect)
{
	const struct qc_circuit *c = &x->circ->core;
	const struct qpu_job_desc *job = &x->job;
	struct qc_sim_job sj = {
		.circuit = c,
		.params = params,
		.shots = job->shots,
		.seed = qpu_slice_seed(x->seed, i),
		.want_expect = x->nexpect > 0,
		.noise = qpu_noise_slice_begin(x, i),
	};
	struct qc_sim_out out = {
		.counts = counts,
		.max_counts = x->max_outcomes,
		.expect = expect,
	};
	void *slice = x->rbuf->vaddr + job->result_offset +
		      (u64)i * job->result_stride;
	struct qpu_result *hdr = slice;
	u64 t0 = ktime_get_ns();
	int ret;

	if (c->num_params) {
		memcpy(params, x->pbuf->vaddr + job->param_offset +
		       (u64)i * job->param_stride, 8 * c->num_params);
		qpu_exec_hash_params(x, params, 8 * c->num_params);
	}
	ret = qpu_sim_execute(x, i, &sj, &out);

	hdr->magic = 0;
	hdr->status = ret;
	hdr->num_counts = ret ? 0 : out.num_counts;
	hdr->num_clbits = c->num_clbits;
	hdr->num_expect = ret ? 0 : x->nexpect;
	hdr->sweep_index = i;
	hdr->shots = job->shots;
	hdr->seed = sj.seed;
	hdr->sim_ns = ktime_get_ns() - t0;
	hdr->qpu_ns = ret ? 0 : (u64)job->shots * x->circ->shot_ns;
	hdr->calibration_epoch = x->calib->epoch;
	/* From our own copies: the mapped slice may change under us. */
	qpu_exec_hash_slice(x, ret, counts, ret ? 0 : out.num_counts, expect,
			    ret ? 0 : x->nexpect);
	if (!ret) {
		memcpy(hdr + 1, counts, out.num_counts * sizeof(*counts));
		memcpy((void *)(hdr + 1) + out.num_counts * sizeof(*counts),
		       expect, x->nexpect * sizeof(u64));
	}
	x->sim_ns += hdr->sim_ns;
	x->qpu_ns += hdr->qpu_ns;
	/* A reader that sees the magic sees the whole slice. */
	smp_wmb();
	WRITE_ONCE(hdr->magic, QPU_RESULT_MAGIC);
	return ret;
}

/* ->run(): simulate every slice, in the caller's thread. */
static int qpu_sim_run(struct qpu_exec *x)
{
	const struct qc_circuit *c = &x->circ->core;
	struct qpu_count *counts;
	u64 *params, *expect;
	int ret = 0;
	u32 i;

	counts = kvmalloc_array(x->max_outcomes, sizeof(*counts), GFP_KERNEL_ACCOUNT);
	params = kvmalloc_array(max(c->num_params, 1U), sizeof(u64), GFP_KERNEL_ACCOUNT);
	expect = kvmalloc_array(max(x->nexpect, 1U), sizeof(u64), GFP_KERNEL_ACCOUNT);
	if (!counts || !params || !expect) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < x->nsweeps && !ret; i++) {
		ret = atomic_read(&x->abort);
		if (!ret)
			ret = qpu_sim_slice(x, i, params, counts, expect);
	}
out:
	kvfree(counts);
	kvfree(params);
	kvfree(expect);
	return ret;
}

/* ->abort(): the next checkpoint (qpu_sim_should_stop()) stops the run. */
static void qpu_sim_abort(struct qpu_exec *x, int err)
{
	atomic_cmpxchg(&x->abort, 0, err);
}

const struct qpu_backend_ops qpu_backend_sim = {
	.name = "sim",
	.prepare = qpu_sim_prepare,
	.run = qpu_sim_run,
	.abort = qpu_sim_abort,
};
