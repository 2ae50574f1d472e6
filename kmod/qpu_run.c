// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_run.c - executing jobs: resolve a job's circuit, allocation and
 * buffers, check every byte range it will touch, then simulate each
 * parameter vector and write its result slice into the result buffer.
 *
 * Floating point: the simulator (kmod/core/sim.c, fmath.c) is the only
 * code built with CC_FLAGS_FPU. Every call into it happens between
 * kernel_fpu_begin() and kernel_fpu_end(), and each such section does a
 * bounded amount of work (QPU_FPU_BUDGET amplitude updates) followed by
 * cond_resched(): a 20-qubit circuit never holds the FPU, with preemption
 * off, for long.
 *
 * Memory: the simulator's arena is charged to the submitting process's
 * memory cgroup (GFP_KERNEL_ACCOUNT in its context).
 *
 * Locking: ctx->lock is held only to look up and reference the job's
 * objects and to mark the allocation busy; the simulation runs unlocked
 * on references. Used by synchronous runs (QPU_IOC_RUN, in the caller's
 * context) and by asynchronous jobs (qpu_job.c, in executor threads).
 * A synchronous run registers with its device's scheduler while it
 * executes (qpu_sched_sync_begin()), so device removal aborts it with
 * -ENODEV instead of waiting for it.
 */
#include <asm/fpu/api.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "qpu_drv.h"

/* Amplitude updates per FPU section: well under a millisecond natively. */
#define QPU_FPU_BUDGET	(1ULL << 18)

/* Does [off, off + (n - 1) * stride + len) fit in @size, aligned? */
static bool qpu_range_ok(u64 off, u32 n, u32 stride, u64 len, u64 size)
{
	u64 end;

	if (!IS_ALIGNED(off, 8) || (n > 1 && !IS_ALIGNED(stride, 8)))
		return false;
	end = off + (u64)(n - 1) * stride + len;
	return end >= off && end <= size;
}

static u64 qpu_range_end(u64 off, u32 n, u32 stride, u64 len)
{
	return off + (u64)(n - 1) * stride + len;
}

static int qpu_exec_check_job(const struct qpu_job_desc *job)
{
	if (job->flags & ~(QPU_RUN_SEED | QPU_RUN_EXPECT))
		return -EINVAL;
	if (job->pad || !qpu_is_zero(job->reserved, sizeof(job->reserved)))
		return -EINVAL;
	if (!(job->flags & QPU_RUN_SEED) && job->seed)
		return -EINVAL;
	if (!job->shots || !job->circuit || !job->result_buf)
		return -EINVAL;
	if (job->shots > QPU_MAX_SHOTS || job->num_sweeps > QPU_MAX_SWEEPS)
		return -E2BIG;
	return 0;
}

/**
 * qpu_exec_release_locked() - drop what qpu_exec_prepare_locked() took
 * @ctx: the job's context, locked
 * @x: the job
 *
 * The handle tables still hold the objects (ctx->lock has been held since
 * they were looked up), so none of the puts here is the last one.
 */
void qpu_exec_release_locked(struct qpu_ctx *ctx, struct qpu_exec *x)
{
	lockdep_assert_held(&ctx->lock);
	if (x->alloc)
		x->alloc->busy--;
	x->alloc = NULL;
	qpu_circuit_put(x->circ);
	qpu_buffer_put(x->pbuf);
	qpu_buffer_put(x->rbuf);
	x->circ = NULL;
	x->pbuf = NULL;
	x->rbuf = NULL;
}

/**
 * qpu_exec_release() - drop what qpu_exec_prepare_locked() took
 * @ctx: the job's context
 * @x: the job
 */
void qpu_exec_release(struct qpu_ctx *ctx, struct qpu_exec *x)
{
	if (x->alloc) {
		mutex_lock(&ctx->lock);
		x->alloc->busy--;
		mutex_unlock(&ctx->lock);
	}
	qpu_circuit_put(x->circ);
	qpu_buffer_put(x->pbuf);
	qpu_buffer_put(x->rbuf);
}

/* Look up and reference the job's objects. Called with ctx->lock held. */
static int qpu_exec_resolve_locked(struct qpu_ctx *ctx, struct qpu_exec *x)
{
	const struct qpu_job_desc *job = &x->job;
	struct qpu_allocation *a;
	u32 ahandle;

	lockdep_assert_held(&ctx->lock);
	x->circ = xa_load(&ctx->circuits, job->circuit);
	if (!x->circ)
		return -ENOENT;
	kref_get(&x->circ->ref);

	ahandle = job->alloc ?: x->circ->alloc_handle;
	a = xa_load(&ctx->allocs, ahandle);
	/* The circuit's own allocation may have been freed (and reused). */
	if (!a || (!job->alloc && a->owner != x->circ->alloc_owner))
		return -ENOENT;
	if (!qpu_circuit_fits(x->circ, ctx->qdev, a))
		return -EXDEV;
	a->busy++;
	x->alloc = a;

	if (job->param_buf) {
		x->pbuf = xa_load(&ctx->buffers, job->param_buf);
		if (!x->pbuf)
			return -ENOENT;
		kref_get(&x->pbuf->ref);
	}
	x->rbuf = xa_load(&ctx->buffers, job->result_buf);
	if (!x->rbuf)
		return -ENOENT;
	kref_get(&x->rbuf->ref);
	return 0;
}

/* Check the byte ranges the job reads and writes; sets *needed. */
static int qpu_exec_check_ranges(struct qpu_exec *x, u32 *needed)
{
	const struct qpu_job_desc *job = &x->job;
	u32 np = x->circ->core.num_params;
	u64 pend = 0, rend;

	x->max_outcomes = qc_circuit_max_outcomes(x->circ->core.num_clbits,
						  job->shots);
	x->nexpect = job->flags & QPU_RUN_EXPECT ?
		     x->circ->core.num_observables : 0;
	x->slice_size = ALIGN(QPU_RESULT_SLICE_SIZE(x->max_outcomes, x->nexpect), 8);
	*needed = x->slice_size;

	if (np && !x->pbuf)
		return -EINVAL;
	if (x->pbuf) {
		if (x->nsweeps > 1 && job->param_stride < 8 * np)
			return -EINVAL;
		if (!qpu_range_ok(job->param_offset, x->nsweeps, job->param_stride,
				  8ULL * np, x->pbuf->size))
			return -EINVAL;
		pend = qpu_range_end(job->param_offset, x->nsweeps,
				     job->param_stride, 8ULL * np);
	}

	if (x->nsweeps > 1 && job->result_stride < x->slice_size)
		return -ENOSPC;
	if (!IS_ALIGNED(job->result_offset, 8) ||
	    (x->nsweeps > 1 && !IS_ALIGNED(job->result_stride, 8)))
		return -EINVAL;
	if (!qpu_range_ok(job->result_offset, x->nsweeps, job->result_stride,
			  x->slice_size, x->rbuf->size))
		return -ENOSPC;
	rend = qpu_range_end(job->result_offset, x->nsweeps, job->result_stride,
			     x->slice_size);

	/* Results must never overwrite the parameters being read. */
	if (x->pbuf == x->rbuf && np &&
	    job->result_offset < pend && job->param_offset < rend)
		return -EINVAL;
	return 0;
}

/* Between FPU sections: 0 to go on, or the errno to stop with. */
static int qpu_exec_should_stop(const struct qpu_exec *x)
{
	int abort = atomic_read(&x->abort);

	if (abort)
		return abort;
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/* Run the simulator in bounded FPU sections. */
static int qpu_sim_execute(const struct qpu_exec *x, const struct qc_sim_job *sj,
			   struct qc_sim_out *out)
{
	struct qc_sim *sim;
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
		kernel_fpu_end();
		if (ret > 0) {
			ret = qpu_exec_should_stop(x);
			if (ret)
				break;
			ret = 1;
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
static int qpu_exec_slice(struct qpu_exec *x, u32 i, u64 *params,
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

	if (c->num_params)
		memcpy(params, x->pbuf->vaddr + job->param_offset +
		       (u64)i * job->param_stride, 8 * c->num_params);
	ret = qpu_sim_execute(x, &sj, &out);

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
	hdr->calibration_epoch = atomic64_read(&x->qdev->calib.epoch);
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

/**
 * qpu_exec_run() - simulate every slice of a prepared job
 * @x: the job
 *
 * Runs in the submitter's context (synchronous runs) or an executor
 * thread. Stops early when x->abort is set.
 * Return: 0 or the first slice's error.
 */
int qpu_exec_run(struct qpu_exec *x)
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
			ret = qpu_exec_slice(x, i, params, counts, expect);
	}
out:
	kvfree(counts);
	kvfree(params);
	kvfree(expect);
	return ret;
}

/**
 * qpu_exec_init() - check a job's descriptor, before any lock
 * @ctx: the submitting context
 * @x: zeroed, with x->job set
 *
 * Return: 0 or a negative errno (see struct qpu_run).
 */
int qpu_exec_init(struct qpu_ctx *ctx, struct qpu_exec *x)
{
	int ret;

	x->qdev = ctx->qdev;
	ret = qpu_exec_check_job(&x->job);
	if (ret)
		return ret;
	x->nsweeps = x->job.num_sweeps ?: 1;
	x->seed = x->job.flags & QPU_RUN_SEED ? x->job.seed : get_random_u64();
	return 0;
}

/**
 * qpu_exec_prepare_locked() - resolve a job's objects and check its ranges
 * @ctx: the submitting context, locked; @x passed qpu_exec_init()
 * @x: the job
 * @needed: out: with -ENOSPC, the bytes one result slice needs
 *
 * On success the job holds references to its circuit and buffers and
 * marks its allocation busy; qpu_exec_release() (or, still under the lock,
 * qpu_exec_release_locked()) undoes that, on failure too. Does not sleep.
 * Return: 0 or a negative errno (see struct qpu_run).
 */
int qpu_exec_prepare_locked(struct qpu_ctx *ctx, struct qpu_exec *x,
			    u32 *needed)
{
	int ret;

	lockdep_assert_held(&ctx->lock);
	*needed = 0;
	ret = qpu_exec_resolve_locked(ctx, x);
	if (!ret)
		ret = qpu_exec_check_ranges(x, needed);
	if (ret != -ENOSPC)
		*needed = 0;
	return ret;
}

int qpu_ctx_run(struct qpu_ctx *ctx, struct qpu_run *arg)
{
	struct qpu_exec x = { .job = arg->job };
	u32 needed;
	int ret;

	arg->status = 0;
	if (!qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	needed = 0;
	ret = qpu_exec_init(ctx, &x);
	if (!ret) {
		mutex_lock(&ctx->lock);
		ret = qpu_exec_prepare_locked(ctx, &x, &needed);
		mutex_unlock(&ctx->lock);
	}
	arg->needed = needed;
	if (!ret)
		ret = qpu_sched_sync_begin(&x);
	if (!ret) {
		ret = qpu_exec_run(&x);
		qpu_sched_sync_end(&x);
		arg->status = ret;
		arg->seed = x.seed;
		arg->sim_ns = x.sim_ns;
		arg->qpu_ns = x.qpu_ns;
	}
	qpu_exec_release(ctx, &x);
	return ret;
}
