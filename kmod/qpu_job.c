// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_job.c - asynchronous jobs of a context: creation (for any
 * submitter), completion, cancellation, cancelling everything when the
 * file closes, and the ioctl submitter's side (SUBMIT, WAIT, CANCEL,
 * poll).
 *
 * A submitter creates a job (qpu_job_create(): validated, references
 * taken, an id in ctx->jobs) with its own completion callback, finishes
 * its own set-up, and queues it (qpu_job_queue()). An executor runs it,
 * and it completes exactly once through qpu_job_finish(): from the
 * executor, or from whoever claimed it off the queue (cancel, close,
 * device removal). Completion releases its resources at once and calls
 * the submitter's callback; nothing below the submitter knows who that
 * is. An ioctl job then waits in ctx->done until QPU_IOC_WAIT reaps it;
 * an io_uring job posts its CQE from the submitter's task (qpu_uring.c),
 * which then retires it (qpu_job_retire()).
 *
 * Locking: ctx->lock protects ctx->jobs, nr_jobs, nr_pending and the done
 * list; the scheduler's lock protects job states (qpu_sched.h). Each
 * job holds a reference to its context, so a completion that races with
 * close never touches freed memory; close itself waits until
 * ctx->inflight reaches zero before tearing the context down.
 */
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/qpu_bpf.h>

#include "qpu_abi.h"
#include "qpu_backend.h"
#include "qpu_bpf.h"
#include "qpu_circuit.h"
#include "qpu_ctx.h"
#include "qpu_debugfs.h"
#include "qpu_device.h"
#include "qpu_job.h"
#include "qpu_run.h"
#include "qpu_sched.h"

/* The job's tracepoints are defined here, where the types they read are. */
#define CREATE_TRACE_POINTS
#include "qpu_trace.h"

static void qpu_job_notify(struct qpu_ctx *ctx);

static void qpu_job_free(struct qpu_job *job)
{
	struct qpu_ctx *ctx = job->ctx;

	mem_cgroup_put(job->memcg);
	kfree(job);
	qpu_obj_dec(QPU_OBJ_JOBS);
	qpu_ctx_put(ctx);
}

/**
 * qpu_job_create() - validate a job, resolve its objects, give it an id
 * @ctx: submitting context
 * @desc: what to run
 * @origin: enum qpu_job_origin: who reaps it
 * @complete: the submitter's completion callback, called exactly once
 *	when the job completes (from an executor, a canceller, close or
 *	device removal: process context, may sleep); it must end with
 *	qpu_job_retire() unless @origin is %QPU_JOB_FROM_IOCTL
 * @nowait: the caller may not block (io_uring's IO_URING_F_NONBLOCK):
 *	-EAGAIN instead of sleeping for ctx->lock or for memory
 * @needed: out: with -ENOSPC, the bytes one result slice needs
 * @r: out: with -EBUSY, -EDQUOT or -EUSERS from a limit, which one (also
 *	recorded as the file's latest refusal)
 *
 * The job is in ctx->jobs but not queued: the submitter finishes its own
 * set-up (nothing there may fail), then hands it to qpu_job_queue().
 * Called with the device's lifecycle lock held for reading.
 * Return: the job, or an ERR_PTR(): -EAGAIN only with @nowait, -EBUSY
 * when the file has %QPU_MAX_JOBS jobs or a tenant its jobs.max, -EDQUOT
 * when a tenant's budget is short, -EUSERS, or a descriptor error.
 */
struct qpu_job *qpu_job_create(struct qpu_ctx *ctx,
			       const struct qpu_job_desc *desc, u8 origin,
			       void (*complete)(struct qpu_job *job),
			       bool nowait, u32 *needed, struct qpu_refusal *r)
{
	gfp_t gfp = nowait ? GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT :
			     GFP_KERNEL_ACCOUNT;
	struct qpu_job *job;
	int ret;

	lockdep_assert_held(&ctx->qdev->lifecycle);
	*needed = 0;
	memset(r, 0, sizeof(*r));
	job = kzalloc(sizeof(*job), gfp);
	if (!job)
		return ERR_PTR(nowait ? -EAGAIN : -ENOMEM);
	qpu_obj_inc(QPU_OBJ_JOBS);
	kref_get(&ctx->ref);
	job->ctx = ctx;
	INIT_LIST_HEAD(&job->node);
	INIT_LIST_HEAD(&job->sched.node);
	INIT_LIST_HEAD(&job->sched.lane_node);
	job->sched.x = &job->x;
	job->x.job = *desc;
	job->x.origin = origin == QPU_JOB_FROM_URING ? QPU_BPF_ORIGIN_URING :
						       QPU_BPF_ORIGIN_IOCTL;
	job->origin = origin;
	job->complete = complete;

	ret = qpu_exec_init(ctx, &job->x);
	if (ret)
		goto err;
	if (nowait) {
		if (!mutex_trylock(&ctx->lock)) {
			ret = -EAGAIN;
			goto err;
		}
	} else {
		mutex_lock(&ctx->lock);
	}
	ret = qpu_exec_prepare_locked(ctx, &job->x, needed);
	if (!ret)
		job->sched.lane = &job->x.alloc->lane;
	/* Not -EAGAIN: io_uring would take that for "retry me blocking". */
	if (!ret && ctx->nr_jobs >= QPU_MAX_JOBS) {
		qpu_tenant_refuse_local(r, QPU_LIMIT_CTX_JOBS, ctx->nr_jobs,
					QPU_MAX_JOBS, 1);
		ret = -EBUSY;
	}
	if (!ret)
		ret = qpu_exec_charge(ctx, &job->x, nowait, r);
	if (r->limit)
		qpu_ctx_refused(ctx, r, ret);
	if (!ret) {
		ret = xa_alloc_cyclic(&ctx->jobs, &job->id, job, xa_limit_31b,
				      &ctx->job_next, gfp);
		if (ret == -ENOMEM && nowait)
			ret = -EAGAIN;
	}
	if (ret >= 0) {
		ret = 0;
		ctx->nr_jobs++;
		if (origin == QPU_JOB_FROM_IOCTL)
			ctx->nr_pending++;
		atomic_inc(&ctx->inflight);
	} else {
		qpu_exec_release_locked(ctx, &job->x);
	}
	mutex_unlock(&ctx->lock);
	if (ret)
		goto err;

	job->memcg = get_mem_cgroup_from_mm(current->mm);
	return job;
err:
	qpu_job_free(job);
	return ERR_PTR(ret);
}

/**
 * qpu_job_queue() - hand a created job to the scheduler
 * @job: from qpu_job_create(); from now on it may run and complete at
 *	any time
 */
void qpu_job_queue(struct qpu_job *job)
{
	trace_qpu_job_submit(job);
	qpu_sched_enqueue(&job->sched);
}

/* An ioctl job completed: it waits on ctx->done for QPU_IOC_WAIT. */
static void qpu_job_ioctl_complete(struct qpu_job *job)
{
	struct qpu_ctx *ctx = job->ctx;

	mutex_lock(&ctx->lock);
	list_add_tail(&job->node, &ctx->done);
	ctx->nr_pending--;
	mutex_unlock(&ctx->lock);
	qpu_job_notify(ctx);
}

int qpu_job_submit_ioctl(struct qpu_ctx *ctx, struct qpu_submit *arg)
{
	struct qpu_job *job;

	arg->job_id = 0;
	arg->needed = 0;
	memset(&arg->refusal, 0, sizeof(arg->refusal));
	if (!qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	job = qpu_job_create(ctx, &arg->job, QPU_JOB_FROM_IOCTL,
			     qpu_job_ioctl_complete, false, &arg->needed,
			     &arg->refusal);
	if (IS_ERR(job))
		return PTR_ERR(job);
	job->user_data = arg->user_data;
	arg->job_id = job->id;
	qpu_job_queue(job);
	return 0;
}

/**
 * qpu_job_finish() - complete a job (exactly once)
 * @job: a job that ran, or that the caller claimed off the queue
 * @status: 0 or negative errno
 *
 * Reports the completion (tracepoint, then qpu_exec_done(): monitoring
 * policy, audit record, provenance) while the job still holds its circuit, releases what it holds, then tells its
 * submitter through the completion callback it gave at creation.
 */
void qpu_job_finish(struct qpu_job *job, int status)
{
	struct qpu_ctx *ctx = job->ctx;
	struct qpu_bpf_done done;

	/*
	 * The end time is taken before the scheduler may start other work
	 * (exclusive isolation ending, a lane freed): the [start_ns, end_ns]
	 * intervals WAIT reports for two jobs then overlap only if the jobs
	 * really ran at the same time.
	 */
	job->end_ns = ktime_get_ns();
	qpu_sched_job_done(&job->sched, qpu_exec_state(status));
	job->status = status;
	trace_qpu_job_complete(job);
	done = (struct qpu_bpf_done) {
		.job_id = job->id,
		.status = status,
		.submit_ns = job->sched.queued_ns,
		.start_ns = job->sched.started_ns,
		.end_ns = job->end_ns,
	};
	qpu_exec_done(&job->x, &done);
	qpu_exec_release(ctx, &job->x);
	job->complete(job);
}

/*
 * One job of @ctx completed; @ctx is kept alive by the caller's job
 * reference.
 */
static void qpu_job_notify(struct qpu_ctx *ctx)
{
	atomic_inc(&ctx->done_seq);
	atomic_dec(&ctx->inflight);
	wake_up_all(&ctx->wq);
}

/**
 * qpu_job_retire() - a submitter that reaps its own jobs is done with one
 * @job: a completed job that is not an ioctl job; freed here
 */
void qpu_job_retire(struct qpu_job *job)
{
	struct qpu_ctx *ctx = job->ctx;

	mutex_lock(&ctx->lock);
	xa_erase(&ctx->jobs, job->id);
	ctx->nr_jobs--;
	mutex_unlock(&ctx->lock);
	qpu_job_notify(ctx);
	qpu_job_free(job);
}

/**
 * qpu_job_cancel_one() - cancel a job its submitter holds
 * @job: the job; a queued one completes here with -ECANCELED, a running
 *	one stops at its next checkpoint and completes as usual
 */
void qpu_job_cancel_one(struct qpu_job *job)
{
	if (qpu_sched_claim(&job->sched, -ECANCELED) == 1)
		qpu_job_finish(job, -ECANCELED);
}

/* ->run_job(): an executor took the job; run it on the device's backend. */
static void qpu_job_run(struct qpu_sched_job *sj)
{
	struct qpu_job *job = container_of(sj, struct qpu_job, sched);
	struct mem_cgroup *old;
	int ret;

	trace_qpu_job_start(job);
	/* Charge the backend's memory to the submitter's cgroup. */
	old = set_active_memcg(job->memcg);
	ret = qpu_exec_begin(&job->x);
	if (!ret)
		ret = qpu_backend_run(&job->x);
	set_active_memcg(old);
	qpu_job_finish(job, ret);
}

/* ->cancel_job(): the device is going away and the job never ran. */
static void qpu_job_cancel_queued(struct qpu_sched_job *sj, int status)
{
	qpu_job_finish(container_of(sj, struct qpu_job, sched), status);
}

const struct qpu_sched_ops qpu_job_sched_ops = {
	.run_job = qpu_job_run,
	.cancel_job = qpu_job_cancel_queued,
};

/* Fill @arg from a completed job and free it. Called with ctx->lock held. */
static void qpu_job_reap_locked(struct qpu_ctx *ctx, struct qpu_job *job,
				struct qpu_wait *arg)
{
	lockdep_assert_held(&ctx->lock);
	list_del(&job->node);
	xa_erase(&ctx->jobs, job->id);
	ctx->nr_jobs--;

	arg->job_id = job->id;
	arg->status = job->status;
	arg->state = job->sched.state;
	arg->user_data = job->user_data;
	arg->submit_ns = job->sched.queued_ns;
	arg->start_ns = job->sched.started_ns;
	arg->end_ns = job->end_ns;
	arg->sim_ns = job->x.sim_ns;
	arg->qpu_ns = job->x.qpu_ns;
	arg->seed = job->x.seed;
	/* The context outlives this: the caller's file holds it. */
	qpu_job_free(job);
}

/*
 * Look for the job @arg waits for. Returns 0 when it was reaped, -EAGAIN
 * when it is still in flight, -ENOENT when there is nothing to wait for.
 * Called with ctx->lock held.
 */
static int qpu_job_try_reap_locked(struct qpu_ctx *ctx, struct qpu_wait *arg)
{
	struct qpu_job *job;
	bool final;

	lockdep_assert_held(&ctx->lock);
	if (arg->flags & QPU_WAIT_ANY) {
		job = list_first_entry_or_null(&ctx->done, struct qpu_job, node);
		if (job) {
			qpu_job_reap_locked(ctx, job, arg);
			return 0;
		}
		return ctx->nr_pending ? -EAGAIN : -ENOENT;
	}

	job = arg->job_id ? xa_load(&ctx->jobs, arg->job_id) : NULL;
	if (!job || job->origin != QPU_JOB_FROM_IOCTL)
		return -ENOENT;
	final = qpu_sched_job_state(&job->sched) >= QPU_JOB_DONE;
	/* Final state is set before the job joins the done list. */
	if (!final || list_empty(&job->node))
		return -EAGAIN;
	qpu_job_reap_locked(ctx, job, arg);
	return 0;
}

int qpu_job_wait(struct qpu_ctx *ctx, struct qpu_wait *arg)
{
	ktime_t deadline = 0;
	long left;
	int ret, seq;

	if ((arg->flags & ~QPU_WAIT_ANY) ||
	    !qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	if (arg->timeout_ns > 0)
		deadline = ktime_add_ns(ktime_get(), arg->timeout_ns);

	for (;;) {
		mutex_lock(&ctx->lock);
		seq = atomic_read(&ctx->done_seq);
		ret = qpu_job_try_reap_locked(ctx, arg);
		mutex_unlock(&ctx->lock);
		if (ret != -EAGAIN || !arg->timeout_ns)
			return ret;

		if (arg->timeout_ns < 0) {
			left = MAX_SCHEDULE_TIMEOUT;
		} else {
			s64 ns = ktime_to_ns(ktime_sub(deadline, ktime_get()));

			if (ns <= 0)
				return -ETIMEDOUT;
			left = max_t(long, nsecs_to_jiffies(ns), 1);
		}
		/* Sleep until any job completes, then look again. */
		left = wait_event_interruptible_timeout(ctx->wq,
				atomic_read(&ctx->done_seq) != seq, left);
		if (left < 0) {
			/*
			 * A signal, or only task work: io_uring posts CQEs of
			 * this thread's commands as task work, which also
			 * interrupts the sleep (TIF_NOTIFY_SIGNAL). Restart the
			 * call (the task work runs, no signal is seen) with
			 * the time left written back, so that restarts do not
			 * extend the wait; a handler without SA_RESTART makes
			 * it -EINTR in userspace.
			 */
			if (arg->timeout_ns > 0)
				arg->timeout_ns = max_t(s64, 1,
					ktime_to_ns(ktime_sub(deadline,
							      ktime_get())));
			return -ERESTARTSYS;
		}
	}
}

/**
 * qpu_job_reap_cancelled() - cancel ioctl job @id and reap it
 * @ctx: its context
 * @id: the job
 *
 * Undoes a SUBMIT whose reply could not be copied out: the job must not
 * be left for a later WAIT to return, so unlike QPU_IOC_WAIT this sleep
 * ignores signals and task work. A cancelled job completes at once when
 * queued, at the simulator's next checkpoint when running: the sleep is
 * short.
 */
void qpu_job_reap_cancelled(struct qpu_ctx *ctx, u32 id)
{
	struct qpu_cancel c = { .job_id = id };
	struct qpu_wait w = { .job_id = id };
	int ret, seq;

	qpu_job_cancel(ctx, &c);
	for (;;) {
		mutex_lock(&ctx->lock);
		seq = atomic_read(&ctx->done_seq);
		ret = qpu_job_try_reap_locked(ctx, &w);
		mutex_unlock(&ctx->lock);
		if (ret != -EAGAIN)
			return;
		wait_event(ctx->wq, atomic_read(&ctx->done_seq) != seq);
	}
}

int qpu_job_cancel(struct qpu_ctx *ctx, struct qpu_cancel *arg)
{
	struct qpu_job *job;
	int ret;

	if (arg->flags || !qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	job = arg->job_id ? xa_load(&ctx->jobs, arg->job_id) : NULL;
	ret = job ? qpu_sched_claim(&job->sched, -ECANCELED) : -ENOENT;
	mutex_unlock(&ctx->lock);

	/* A claimed job is ours to complete; nobody can reap it before. */
	if (ret == 1) {
		qpu_job_finish(job, -ECANCELED);
		ret = 0;
	}
	return ret;
}

__poll_t qpu_job_poll(struct qpu_ctx *ctx, struct file *file,
		      struct poll_table_struct *wait)
{
	__poll_t mask = 0;

	poll_wait(file, &ctx->wq, wait);
	mutex_lock(&ctx->lock);
	if (!list_empty(&ctx->done))
		mask |= EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&ctx->lock);
	if (ctx->qdev->dead)
		mask |= EPOLLERR;
	return mask;
}

/**
 * qpu_jobs_teardown() - the file is closing: cancel and wait
 * @ctx: context; no new job can arrive
 *
 * Queued jobs complete with -ECANCELED, running ones stop at their next
 * checkpoint. Returns when none is in flight; completed ones are freed.
 */
void qpu_jobs_teardown(struct qpu_ctx *ctx)
{
	struct qpu_job *job, *tmp;
	unsigned long id;
	LIST_HEAD(claimed);

	mutex_lock(&ctx->lock);
	xa_for_each(&ctx->jobs, id, job) {
		if (qpu_sched_claim(&job->sched, -ECANCELED) == 1)
			list_add_tail(&job->node, &claimed);
	}
	mutex_unlock(&ctx->lock);
	list_for_each_entry_safe(job, tmp, &claimed, node) {
		list_del_init(&job->node);
		qpu_job_finish(job, -ECANCELED);
	}

	wait_event(ctx->wq, !atomic_read(&ctx->inflight));

	mutex_lock(&ctx->lock);
	list_for_each_entry_safe(job, tmp, &ctx->done, node) {
		list_del(&job->node);
		xa_erase(&ctx->jobs, job->id);
		ctx->nr_jobs--;
		qpu_job_free(job);
	}
	mutex_unlock(&ctx->lock);
	WARN_ON(ctx->nr_jobs);
}
