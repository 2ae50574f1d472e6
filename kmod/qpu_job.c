// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_job.c - asynchronous jobs of a context: submission (ioctl and
 * io_uring share qpu_job_submit()), completion, waiting, cancellation,
 * poll, and cancelling everything when the file closes.
 *
 * A job is created prepared (qpu_exec_prepare(): validated, references
 * taken), enters ctx->jobs and the device queue, is run by an executor,
 * and completes exactly once through qpu_job_finish(): from the executor,
 * or from whoever claimed it off the queue (cancel, close, device
 * removal). Completion releases its resources at once. An ioctl job then
 * waits in ctx->done until QPU_IOC_WAIT reaps it; an io_uring job posts
 * its CQE from the submitter's task (qpu_uring.c) and is freed.
 *
 * Locking: ctx->lock protects ctx->jobs, nr_jobs, nr_pending and the done
 * list; the device's sched_lock protects job states (qpu_sched.c). Each
 * job holds a reference to its context, so a completion that races with
 * close never touches freed memory; close itself waits until
 * ctx->inflight reaches zero before tearing the context down.
 */
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "qpu_drv.h"
#include "qpu_trace.h"

static void qpu_job_free(struct qpu_job *job)
{
	struct qpu_ctx *ctx = job->ctx;

	mem_cgroup_put(job->memcg);
	kfree(job);
	qpu_obj_dec(QPU_OBJ_JOBS);
	qpu_ctx_put(ctx);
}

/**
 * qpu_job_submit() - prepare and queue a job
 * @ctx: submitting context
 * @tmpl: job->x.job, ->user_data and ->ucmd are taken from it
 * @id: out: the job id
 * @needed: out: with -ENOSPC, the bytes one result slice needs
 * @issue_flags: io_uring issue flags when tmpl->ucmd is set
 *
 * Called with the device's lifecycle lock held for reading.
 * Return: 0 or a negative errno (nothing was queued).
 */
int qpu_job_submit(struct qpu_ctx *ctx, const struct qpu_job *tmpl,
		   u32 *id, u32 *needed, unsigned int issue_flags)
{
	struct qpu_job *job;
	int ret;

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job)
		return -ENOMEM;
	qpu_obj_inc(QPU_OBJ_JOBS);
	kref_get(&ctx->ref);
	job->ctx = ctx;
	INIT_LIST_HEAD(&job->node);
	job->x.job = tmpl->x.job;
	job->user_data = tmpl->user_data;
	job->ucmd = tmpl->ucmd;

	ret = qpu_exec_prepare(ctx, &job->x, needed);
	if (ret)
		goto err;

	mutex_lock(&ctx->lock);
	if (ctx->nr_jobs >= QPU_MAX_JOBS) {
		ret = -EAGAIN;
	} else {
		ret = xa_alloc_cyclic(&ctx->jobs, &job->id, job, xa_limit_31b,
				      &ctx->job_next, GFP_KERNEL_ACCOUNT);
		if (ret >= 0) {
			ret = 0;
			ctx->nr_jobs++;
			if (!job->ucmd)
				ctx->nr_pending++;
			atomic_inc(&ctx->inflight);
		}
	}
	mutex_unlock(&ctx->lock);
	if (ret)
		goto err;

	job->memcg = get_mem_cgroup_from_mm(current->mm);
	job->submit_ns = ktime_get_ns();
	*id = job->id;
	trace_qpu_job_submit(job);
	if (job->ucmd)
		qpu_uring_prepare(job, issue_flags);
	qpu_sched_enqueue(job);
	return 0;
err:
	qpu_exec_release(ctx, &job->x);
	qpu_job_free(job);
	return ret;
}

int qpu_job_submit_ioctl(struct qpu_ctx *ctx, struct qpu_submit *arg)
{
	struct qpu_job tmpl = { .x.job = arg->job, .user_data = arg->user_data };

	arg->job_id = 0;
	if (!qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	return qpu_job_submit(ctx, &tmpl, &arg->job_id, &arg->needed, 0);
}

static u32 qpu_job_final_state(int status)
{
	if (!status)
		return QPU_JOB_DONE;
	if (status == -ECANCELED || status == -ENODEV)
		return QPU_JOB_CANCELLED;
	return QPU_JOB_FAILED;
}

/**
 * qpu_job_finish() - complete a job (exactly once)
 * @job: a job that ran, or that the caller claimed off the queue
 * @status: 0 or negative errno
 *
 * Releases what the job holds, then notifies: ioctl jobs join the done
 * list and wake waiters; io_uring jobs post their CQE from the submitter's
 * task.
 */
void qpu_job_finish(struct qpu_job *job, int status)
{
	struct qpu_ctx *ctx = job->ctx;
	struct qpu_device *qdev = ctx->qdev;

	qpu_sched_job_done(job);
	qpu_exec_release(ctx, &job->x);
	job->status = status;
	job->end_ns = ktime_get_ns();

	spin_lock(&qdev->sched_lock);
	job->state = qpu_job_final_state(status);
	spin_unlock(&qdev->sched_lock);
	trace_qpu_job_complete(job);

	if (job->ucmd) {
		qpu_uring_complete(job);
		return;
	}
	mutex_lock(&ctx->lock);
	list_add_tail(&job->node, &ctx->done);
	ctx->nr_pending--;
	mutex_unlock(&ctx->lock);
	qpu_job_notify(ctx);
}

/**
 * qpu_job_notify() - one job of @ctx completed
 * @ctx: context, kept alive by the caller's job reference
 */
void qpu_job_notify(struct qpu_ctx *ctx)
{
	atomic_inc(&ctx->done_seq);
	atomic_dec(&ctx->inflight);
	wake_up_all(&ctx->wq);
}

/**
 * qpu_job_forget() - drop a completed io_uring job from its context
 * @job: the job; freed here
 */
void qpu_job_forget(struct qpu_job *job)
{
	struct qpu_ctx *ctx = job->ctx;

	mutex_lock(&ctx->lock);
	xa_erase(&ctx->jobs, job->id);
	ctx->nr_jobs--;
	mutex_unlock(&ctx->lock);
	qpu_job_notify(ctx);
	qpu_job_free(job);
}

/* Fill @arg from a completed job and free it. Called with ctx->lock held. */
static void qpu_job_reap_locked(struct qpu_ctx *ctx, struct qpu_job *job,
				struct qpu_wait *arg)
{
	list_del(&job->node);
	xa_erase(&ctx->jobs, job->id);
	ctx->nr_jobs--;

	arg->job_id = job->id;
	arg->status = job->status;
	arg->state = job->state;
	arg->user_data = job->user_data;
	arg->submit_ns = job->submit_ns;
	arg->start_ns = job->start_ns;
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

	if (arg->flags & QPU_WAIT_ANY) {
		job = list_first_entry_or_null(&ctx->done, struct qpu_job, node);
		if (job) {
			qpu_job_reap_locked(ctx, job, arg);
			return 0;
		}
		return ctx->nr_pending ? -EAGAIN : -ENOENT;
	}

	job = arg->job_id ? xa_load(&ctx->jobs, arg->job_id) : NULL;
	if (!job || job->ucmd)
		return -ENOENT;
	spin_lock(&ctx->qdev->sched_lock);
	final = job->state >= QPU_JOB_DONE;
	spin_unlock(&ctx->qdev->sched_lock);
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
	ret = job ? qpu_sched_claim(job, -ECANCELED) : -ENOENT;
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
		if (qpu_sched_claim(job, -ECANCELED) == 1)
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
