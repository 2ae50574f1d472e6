// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_run.c - turning a job descriptor into a run a backend can execute
 * (struct qpu_exec): check the descriptor, resolve and reference its
 * circuit, allocation and buffers, check every byte range it will touch,
 * and let the backend prepare; plus the synchronous run, QPU_IOC_RUN.
 *
 * A run's end is one function too, qpu_exec_done(), for jobs and
 * synchronous runs alike: it tells the monitoring policy, sends the audit
 * record and writes the provenance the submitter asked for. The backend
 * feeds it the hashes of what it read and wrote (qpu_exec_hash_params(),
 * qpu_exec_hash_slice()).
 *
 * Used by synchronous runs (in the caller's context) and by job creation
 * (qpu_job.c, also from io_uring's non-blocking issue path: nothing
 * between qpu_exec_init() and the end of qpu_exec_prepare_locked()
 * sleeps). Execution itself is the backend's (qpu_backend.h): a
 * synchronous run calls the same ->run() an executor calls for a job.
 *
 * Locking: ctx->lock is held only to look up and reference the run's
 * objects, mark the allocation busy and check ranges
 * (qpu_exec_prepare_locked() asserts it); the run executes unlocked on
 * references. A synchronous run registers with its device's scheduler
 * while it executes (qpu_sched_sync_begin()), so device removal aborts it
 * with -ENODEV instead of waiting for it.
 */
#include <crypto/sha2.h>
#include <linux/cred.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/qpu_bpf.h>

#include "qpu_abi.h"
#include "qpu_audit.h"
#include "qpu_backend.h"
#include "qpu_bpf.h"
#include "qpu_buffer.h"
#include "qpu_calib.h"
#include "qpu_circuit.h"
#include "qpu_ctx.h"
#include "qpu_device.h"
#include "qpu_noise.h"
#include "qpu_run.h"
#include "qpu_sched.h"

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
	if (job->flags & ~(QPU_RUN_SEED | QPU_RUN_EXPECT | QPU_RUN_PROVENANCE |
			   QPU_RUN_CROSSTALK))
		return -EINVAL;
	if (job->pad)
		return -EINVAL;
	if (!(job->flags & QPU_RUN_PROVENANCE) && job->provenance_offset)
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
	qpu_tenant_uncharge(&ctx->qdev->tenants, &x->charge, !x->started);
	if (x->alloc)
		x->alloc->busy--;
	x->alloc = NULL;
	qpu_circuit_put(x->circ);
	qpu_buffer_put(x->pbuf);
	qpu_buffer_put(x->rbuf);
	qpu_calib_put(x->calib);
	kfree(x->noise);
	x->circ = NULL;
	x->pbuf = NULL;
	x->rbuf = NULL;
	x->calib = NULL;
	x->noise = NULL;
}

/**
 * qpu_exec_release() - drop what qpu_exec_prepare_locked() took
 * @ctx: the job's context
 * @x: the job
 */
void qpu_exec_release(struct qpu_ctx *ctx, struct qpu_exec *x)
{
	qpu_tenant_uncharge(&ctx->qdev->tenants, &x->charge, !x->started);
	if (x->alloc) {
		mutex_lock(&ctx->lock);
		x->alloc->busy--;
		mutex_unlock(&ctx->lock);
	}
	qpu_circuit_put(x->circ);
	qpu_buffer_put(x->pbuf);
	qpu_buffer_put(x->rbuf);
	qpu_calib_put(x->calib);
	kfree(x->noise);
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

/* Do [a, a + alen) and [b, b + blen) overlap? */
static bool qpu_ranges_meet(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * The provenance record goes into the result buffer, aligned, beside the
 * slices (ending at @rend) and the parameters (ending at @pend).
 */
static int qpu_exec_check_provenance(const struct qpu_exec *x, u64 pend,
				     u64 rend)
{
	const struct qpu_job_desc *job = &x->job;
	u64 off = job->provenance_offset, len = sizeof(struct qpu_provenance);

	if (!(job->flags & QPU_RUN_PROVENANCE))
		return 0;
	if (!IS_ALIGNED(off, 8) || off > x->rbuf->size ||
	    len > x->rbuf->size - off)
		return -EINVAL;
	if (qpu_ranges_meet(off, len, job->result_offset,
			    rend - job->result_offset))
		return -EINVAL;
	if (x->pbuf == x->rbuf && x->circ->core.num_params &&
	    qpu_ranges_meet(off, len, job->param_offset,
			    pend - job->param_offset))
		return -EINVAL;
	return 0;
}

/* Check the byte ranges the job reads and writes; sets *needed. */
static int qpu_exec_check_ranges(struct qpu_exec *x, u32 *needed)
{
	const struct qpu_job_desc *job = &x->job;
	u32 np = x->circ->core.num_params;
	u64 pend = 0, rend;
	int ret;

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
	ret = qpu_noise_check_schedule(x);
	if (ret)
		return ret;
	return qpu_exec_check_provenance(x, pend, rend);
}

/**
 * qpu_exec_init() - check a job's descriptor, before any lock
 * @ctx: the submitting context
 * @x: zeroed, with x->job and x->origin set
 *
 * Also records who submits it (pid and uid, for the monitoring policy and
 * the tracepoints; its tenant is its charge's cgroup).
 *
 * Return: 0 or a negative errno (see struct qpu_run).
 */
int qpu_exec_init(struct qpu_ctx *ctx, struct qpu_exec *x)
{
	int ret;

	x->qdev = ctx->qdev;
	x->backend = ctx->qdev->backend;
	x->sched = &ctx->qdev->sched;
	x->pid = task_tgid_nr(current);
	x->uid = from_kuid_munged(&init_user_ns, current_uid());
	ret = qpu_exec_check_job(&x->job);
	if (ret)
		return ret;
	x->nsweeps = x->job.num_sweeps ?: 1;
	x->seed = x->job.flags & QPU_RUN_SEED ? x->job.seed : get_random_u64();
	sha256_init(&x->param_sha);
	sha256_init(&x->result_sha);
	return 0;
}

/**
 * qpu_exec_begin() - a prepared and charged run starts executing
 * @x: the run
 *
 * From here its budgets count as spent, it runs on the calibration and in
 * the noise mode current now (held until it is released), and its
 * allocation counts as running for its neighbours' crosstalk until
 * qpu_exec_done().
 * Return: 0, or the errno the run fails with (qpu_noise_run_begin()).
 */
int qpu_exec_begin(struct qpu_exec *x)
{
	x->started = true;
	x->calib = qpu_calib_get(x->qdev);
	return qpu_noise_run_begin(x);
}

/**
 * qpu_exec_hash_slice() - the backend wrote a result slice
 * @x: the run
 * @status: the slice's status
 * @counts: its histogram, @ncounts entries
 * @ncounts: entries of @counts
 * @expect: its expectation values (bit patterns), @nexpect of them
 * @nexpect: entries of @expect
 *
 * Hashes what the backend wrote from its own copy (the mapped buffer may
 * change under it), in the layout struct qpu_provenance gives.
 */
void qpu_exec_hash_slice(struct qpu_exec *x, s32 status,
			 const struct qpu_count *counts, u32 ncounts,
			 const u64 *expect, u32 nexpect)
{
	__le32 head[3] = { cpu_to_le32(status), cpu_to_le32(ncounts),
			   cpu_to_le32(nexpect) };
	__le64 v[2];
	u32 i;

	sha256_update(&x->result_sha, (const u8 *)head, sizeof(head));
	/* Little-endian already: the arrays as they are, in one call each. */
	if (!IS_ENABLED(CONFIG_CPU_BIG_ENDIAN)) {
		BUILD_BUG_ON(sizeof(*counts) != 2 * sizeof(u64));
		sha256_update(&x->result_sha, (const u8 *)counts,
			      ncounts * sizeof(*counts));
		sha256_update(&x->result_sha, (const u8 *)expect,
			      nexpect * sizeof(*expect));
		return;
	}
	for (i = 0; i < ncounts; i++) {
		v[0] = cpu_to_le64(counts[i].bits);
		v[1] = cpu_to_le64(counts[i].count);
		sha256_update(&x->result_sha, (const u8 *)v, sizeof(v));
	}
	for (i = 0; i < nexpect; i++) {
		v[0] = cpu_to_le64(expect[i]);
		sha256_update(&x->result_sha, (const u8 *)v, sizeof(v[0]));
	}
}

/**
 * qpu_exec_state() - the enum qpu_job_state a run completed in
 * @status: its status
 */
u32 qpu_exec_state(int status)
{
	if (!status)
		return QPU_JOB_DONE;
	if (status == -ECANCELED || status == -ENODEV)
		return QPU_JOB_CANCELLED;
	return QPU_JOB_FAILED;
}

/* CLOCK_MONOTONIC @ns as CLOCK_REALTIME (0 stays 0: "never"). */
static u64 qpu_mono_to_real(u64 ns, u64 offset)
{
	return ns ? ns + offset : 0;
}

/* The provenance of completed @x, all but its audit sequence number. */
static void qpu_exec_provenance(struct qpu_exec *x, const struct qpu_bpf_done *d,
				struct qpu_provenance *p)
{
	u64 offset = ktime_get_real_ns() - ktime_get_ns();
	u32 i;

	memset(p, 0, sizeof(*p));
	p->status = d->status;
	p->dev_id = x->qdev->id;
	p->job_id = d->job_id;
	memcpy(p->circuit_hash, x->circ->hash, sizeof(p->circuit_hash));
	sha256_final(&x->param_sha, p->param_hash);
	sha256_final(&x->result_sha, p->result_hash);
	if (x->calib) {
		memcpy(p->calib_hash, x->calib->hash, sizeof(p->calib_hash));
		p->calib_epoch = x->calib->epoch;
	}
	p->seed = x->seed;
	p->shots = x->job.shots;
	p->sweeps = x->nsweeps;
	p->submit_time = qpu_mono_to_real(d->submit_ns, offset);
	p->start_time = qpu_mono_to_real(d->start_ns, offset);
	p->end_time = qpu_mono_to_real(d->end_ns, offset);
	p->qpu_ns = x->qpu_ns;
	p->origin = x->origin;
	p->num_phys = min(x->circ->core.num_qubits, x->alloc->k);
	for (i = 0; i < p->num_phys; i++)
		p->phys[i] = x->alloc->phys[i];
	p->noise = x->noise ? QPU_NOISE_MODE_CALIBRATED : QPU_NOISE_MODE_IDEAL;
}

/**
 * qpu_exec_done() - a run completed (exactly once, for jobs and
 *	synchronous runs alike)
 * @x: the run, still holding its circuit, allocation and buffers
 * @d: its id, status and times
 *
 * Tells the monitoring policy, sends the audit record, and writes the
 * provenance into the result buffer if the job asked for it, before the
 * caller reports the completion. Process context, no lock held.
 */
void qpu_exec_done(struct qpu_exec *x, const struct qpu_bpf_done *d)
{
	struct qpu_provenance p, *out;

	qpu_noise_run_end(x);
	qpu_bpf_job_done(x, d);
	qpu_exec_provenance(x, d, &p);
	p.audit_seq = qpu_audit_job(x, &p);
	if (!(x->job.flags & QPU_RUN_PROVENANCE))
		return;
	out = x->rbuf->vaddr + x->job.provenance_offset;
	memcpy((void *)out + sizeof(out->magic),
	       (const void *)&p + sizeof(p.magic), sizeof(p) - sizeof(p.magic));
	/* A reader that sees the magic sees the whole record. */
	smp_wmb();
	WRITE_ONCE(out->magic, QPU_PROVENANCE_MAGIC);
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
	if (!ret)
		ret = qpu_backend_prepare(x);
	if (ret != -ENOSPC)
		*needed = 0;
	return ret;
}

/**
 * qpu_exec_charge() - admit a prepared run and charge it to the caller's
 *	tenant
 * @ctx: the submitting context
 * @x: prepared by qpu_exec_prepare_locked()
 * @nowait: the caller may not sleep (-EAGAIN instead)
 * @r: out: with a tenant limit's errno or the policy's -EPERM, which limit
 *	refused it
 *
 * First the monitoring policy (qpu_bpf.c) sees the submission; a denied
 * one is charged nothing. Then this charges one job and the shots and modelled device time the timing model
 * predicts for all its parameter vectors (Documentation/qpu/timing.rst),
 * so a budget is checked once, before the run, never during it. The
 * charge goes with qpu_exec_release(), refunding the budgets if the run
 * never started. Does not sleep with @nowait.
 * Return: 0, -EPERM, -EBUSY, -EDQUOT, -EUSERS, -ENOMEM or -EAGAIN.
 */
int qpu_exec_charge(struct qpu_ctx *ctx, struct qpu_exec *x, bool nowait,
		    struct qpu_refusal *r)
{
	u64 shots = (u64)x->job.shots * x->nsweeps, qpu_ns;
	int ret;

	ret = qpu_bpf_admit_exec(ctx, x, r);
	if (ret)
		return ret;
	if (check_mul_overflow(shots, x->circ->shot_ns, &qpu_ns))
		qpu_ns = U64_MAX;
	ret = qpu_tenant_charge_job(&ctx->qdev->tenants, shots, qpu_ns, nowait,
				    &x->charge, r);
	if (!ret && x->charge.iso == QPU_ISOLATION_EXCLUSIVE)
		x->excl_tag = x->charge.iso_tag;
	return ret;
}

int qpu_ctx_run(struct qpu_ctx *ctx, struct qpu_run *arg)
{
	struct qpu_exec x = { .job = arg->job, .origin = QPU_BPF_ORIGIN_RUN };
	struct qpu_bpf_done done = { .submit_ns = ktime_get_ns() };
	u32 needed;
	int ret;

	arg->status = 0;
	memset(&arg->refusal, 0, sizeof(arg->refusal));
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
	if (!ret) {
		ret = qpu_exec_charge(ctx, &x, false, &arg->refusal);
		if (arg->refusal.limit)
			qpu_ctx_refused(ctx, &arg->refusal, ret);
	}
	if (!ret)
		ret = qpu_sched_sync_begin(&x);
	if (!ret) {
		done.start_ns = ktime_get_ns();
		ret = qpu_exec_begin(&x);
		if (!ret)
			ret = qpu_backend_run(&x);
		qpu_sched_sync_end(&x);
		done.end_ns = ktime_get_ns();
		done.status = ret;
		qpu_exec_done(&x, &done);
		arg->status = ret;
		arg->seed = x.seed;
		arg->sim_ns = x.sim_ns;
		arg->qpu_ns = x.qpu_ns;
	}
	qpu_exec_release(ctx, &x);
	return ret;
}
