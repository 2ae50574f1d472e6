// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_sched.c - a device's job queue and its executor threads.
 *
 * Jobs wait in qpu_device.queue in submission order. Each executor thread
 * ("qpuN-wM", count tunable in sysfs "workers") takes the oldest queued job
 * whose allocation is idle: jobs on one allocation run one at a time, as
 * they would on hardware, while jobs on disjoint allocations (different
 * processes, or several allocations of one) run concurrently.
 *
 * The scheduler knows jobs only as struct qpu_sched_job (qpu_sched.h): it
 * hands the one an executor takes to the device's ->run_job() and never
 * learns who submitted it; running jobs are aborted through their
 * backend (qpu_backend_abort()).
 *
 * Scheduling policy plugs in at qpu_sched_pick(): tenant fair-share
 * (weights, quotas charged in modelled device time, qpu_ns) replaces its
 * FIFO scan without touching the rest of this file.
 *
 * Synchronous runs (QPU_IOC_RUN) do not use the queue, but register on
 * qpu_device.sync_runs while they execute so that removal can abort them
 * like running jobs.
 *
 * Removal stops the scheduler in two steps: qpu_sched_stop() first (under
 * sched_lock: ->stopping set, running jobs and synchronous runs told to
 * abort with -ENODEV; from then on executors take no job, and synchronous
 * runs and "workers" stores fail with -ENODEV), then, once the device is
 * unreachable, qpu_sched_shutdown() completes the queued jobs and stops
 * the executors.
 *
 * Executors live in slots (struct qpu_worker); slot i runs jobs while
 * i < nr_workers. Lowering "workers" stops idle threads at once and lets a
 * thread that is running a job finish it, retired (it takes no more),
 * until the next change or removal stops it: the store never waits for a
 * job, which may run for hours.
 *
 * Locking: qpu_device.sched_lock (spinlock) protects the queue, running and
 * sync_runs lists, ->stopping, job states, qpu_allocation.running and
 * qpu_worker.busy; ->nr_workers is written under it and workers_lock.
 * workers_lock serialises starting and stopping threads and protects
 * qpu_worker.task. Executors hold no lock while simulating.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>

#include "qpu_drv.h"

/* The next job to run, or NULL. Called with sched_lock held. */
static struct qpu_sched_job *qpu_sched_pick(struct qpu_device *qdev)
{
	struct qpu_sched_job *sj;

	lockdep_assert_held(&qdev->sched_lock);
	if (qdev->stopping)
		return NULL;
	list_for_each_entry(sj, &qdev->queue, node)
		if (!sj->x->alloc->running)
			return sj;
	return NULL;
}

/* The next job for slot @w, or NULL (none, or @w is retired). sched_lock. */
static struct qpu_sched_job *qpu_sched_pick_for(struct qpu_worker *w)
{
	lockdep_assert_held(&w->qdev->sched_lock);
	if (w->idx >= w->qdev->nr_workers)
		return NULL;
	return qpu_sched_pick(w->qdev);
}

/* Take the next job for @w and mark it and @w running, or return NULL. */
static struct qpu_sched_job *qpu_sched_take(struct qpu_worker *w)
{
	struct qpu_device *qdev = w->qdev;
	struct qpu_sched_job *sj;

	spin_lock(&qdev->sched_lock);
	sj = qpu_sched_pick_for(w);
	if (sj) {
		list_move_tail(&sj->node, &qdev->running);
		sj->state = QPU_JOB_RUNNING;
		sj->x->alloc->running = true;
		sj->worker = w;
		w->busy = true;
	}
	spin_unlock(&qdev->sched_lock);
	return sj;
}

static bool qpu_sched_has_work(struct qpu_worker *w)
{
	bool ret;

	spin_lock(&w->qdev->sched_lock);
	ret = qpu_sched_pick_for(w) != NULL;
	spin_unlock(&w->qdev->sched_lock);
	return ret;
}

/*
 * An executor: runs jobs while its slot is below nr_workers, sleeps while
 * it is not (retired), until kthread_stop().
 */
static int qpu_worker_fn(void *data)
{
	struct qpu_worker *w = data;
	struct qpu_device *qdev = w->qdev;
	struct qpu_sched_job *sj;

	while (!kthread_should_stop()) {
		sj = qpu_sched_take(w);
		if (sj) {
			/* Runs the job and completes it (qpu_sched_job_done()). */
			qdev->sched_ops->run_job(sj);
			cond_resched();
			continue;
		}
		wait_event_interruptible(qdev->sched_wq,
					 kthread_should_stop() ||
					 qpu_sched_has_work(w));
	}
	return 0;
}

/**
 * qpu_sched_enqueue() - queue a prepared job and wake an executor
 * @sj: the job; its run is prepared and its device alive
 */
void qpu_sched_enqueue(struct qpu_sched_job *sj)
{
	struct qpu_device *qdev = sj->x->qdev;

	spin_lock(&qdev->sched_lock);
	sj->state = QPU_JOB_QUEUED;
	list_add_tail(&sj->node, &qdev->queue);
	spin_unlock(&qdev->sched_lock);
	wake_up(&qdev->sched_wq);
}

/**
 * qpu_sched_claim() - take a job away from the executors to cancel it
 * @sj: the job
 * @abort: errno a running job stops with
 *
 * Return: 1 if the job was queued: it is off the queue and the caller's
 * to complete; 0 if it is running: its backend stops it at its next
 * checkpoint and its executor completes it; -EALREADY if it has
 * completed (or was never queued).
 */
int qpu_sched_claim(struct qpu_sched_job *sj, int abort)
{
	struct qpu_device *qdev = sj->x->qdev;
	int ret = -EALREADY;

	spin_lock(&qdev->sched_lock);
	if (sj->state == QPU_JOB_QUEUED) {
		/* Running, as far as everyone else is concerned. */
		list_del_init(&sj->node);
		sj->state = QPU_JOB_RUNNING;
		ret = 1;
	} else if (sj->state == QPU_JOB_RUNNING) {
		qpu_backend_abort(sj->x, abort);
		ret = 0;
	}
	spin_unlock(&qdev->sched_lock);
	return ret;
}

/**
 * qpu_sched_job_done() - a job stops occupying the device
 * @sj: the job; called once, when it completes
 * @final_state: QPU_JOB_DONE, _FAILED or _CANCELLED
 */
void qpu_sched_job_done(struct qpu_sched_job *sj, u32 final_state)
{
	struct qpu_device *qdev = sj->x->qdev;
	bool was_running;

	spin_lock(&qdev->sched_lock);
	was_running = !list_empty(&sj->node);
	list_del_init(&sj->node);
	if (was_running)
		sj->x->alloc->running = false;
	/*
	 * The executor is idle before anyone learns of the completion: a
	 * "workers" store that follows a WAIT for this job sees it so.
	 */
	if (sj->worker) {
		sj->worker->busy = false;
		sj->worker = NULL;
	}
	sj->state = final_state;
	spin_unlock(&qdev->sched_lock);
	/* Another job on the same allocation may run now. */
	if (was_running)
		wake_up(&qdev->sched_wq);
}

/* Stop slot @w's thread, if any. Called with workers_lock held. */
static void qpu_sched_stop_worker(struct qpu_worker *w)
{
	lockdep_assert_held(&w->qdev->workers_lock);
	if (w->task) {
		kthread_stop(w->task);
		w->task = NULL;
	}
}

/**
 * qpu_sched_set_workers() - start or stop executor threads
 * @qdev: device
 * @n: threads wanted, 1..QPU_MAX_WORKERS
 *
 * Slots below @n get a thread (a retired one of an earlier change simply
 * resumes). Slots from @n up take no new job from now on; their idle
 * threads are stopped at once, while a thread that is running a job is
 * left to finish it and then sleeps, retired, until the next change or
 * removal stops it: lowering the count never waits for a job, however
 * long. Once removal has begun (qpu_sched_stop()) no thread is started
 * any more: a dying device must not get new executors.
 * Return: 0, -ERANGE, -ENODEV, or an error from kthread_run() (then the
 * slots that did start run).
 */
int qpu_sched_set_workers(struct qpu_device *qdev, u32 n)
{
	struct qpu_worker *w;
	bool stopping, idle;
	int ret = 0;
	u32 i;

	if (!n || n > QPU_MAX_WORKERS)
		return -ERANGE;
	mutex_lock(&qdev->workers_lock);
	spin_lock(&qdev->sched_lock);
	stopping = qdev->stopping;
	if (!stopping)
		WRITE_ONCE(qdev->nr_workers, n);	/* sysfs reads it unlocked */
	spin_unlock(&qdev->sched_lock);
	if (stopping) {
		mutex_unlock(&qdev->workers_lock);
		return -ENODEV;
	}
	/* Retired slots that are active again look for work. */
	wake_up_all(&qdev->sched_wq);

	for (i = 0; i < n; i++) {
		struct task_struct *t;

		w = &qdev->workers[i];
		if (w->task)
			continue;
		t = kthread_run(qpu_worker_fn, w, "qpu%u-w%u", qdev->id, i);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			spin_lock(&qdev->sched_lock);
			WRITE_ONCE(qdev->nr_workers, i);
			spin_unlock(&qdev->sched_lock);
			break;
		}
		w->task = t;
	}
	for (i = qdev->nr_workers; i < QPU_MAX_WORKERS; i++) {
		w = &qdev->workers[i];
		/* Not busy now means never busy again: it takes no job. */
		spin_lock(&qdev->sched_lock);
		idle = !w->busy;
		spin_unlock(&qdev->sched_lock);
		if (idle)
			qpu_sched_stop_worker(w);
	}
	mutex_unlock(&qdev->workers_lock);
	return ret;
}

/**
 * qpu_sched_init() - set up a device's scheduler and start its executors
 * @qdev: device
 * @ops: what executors do with the jobs they take
 *
 * Return: 0 or an error from qpu_sched_set_workers().
 */
int qpu_sched_init(struct qpu_device *qdev, const struct qpu_sched_ops *ops)
{
	u32 i;

	qdev->sched_ops = ops;
	spin_lock_init(&qdev->sched_lock);
	INIT_LIST_HEAD(&qdev->queue);
	INIT_LIST_HEAD(&qdev->running);
	INIT_LIST_HEAD(&qdev->sync_runs);
	init_waitqueue_head(&qdev->sched_wq);
	mutex_init(&qdev->workers_lock);
	for (i = 0; i < QPU_MAX_WORKERS; i++) {
		qdev->workers[i].qdev = qdev;
		qdev->workers[i].idx = i;
	}
	return qpu_sched_set_workers(qdev, QPU_DEFAULT_WORKERS);
}

/* Tell every running job and synchronous run to stop. sched_lock held. */
static void qpu_sched_abort_running(struct qpu_device *qdev)
{
	struct qpu_sched_job *sj;
	struct qpu_exec *x;

	lockdep_assert_held(&qdev->sched_lock);
	list_for_each_entry(sj, &qdev->running, node)
		qpu_backend_abort(sj->x, -ENODEV);
	list_for_each_entry(x, &qdev->sync_runs, sync_node)
		qpu_backend_abort(x, -ENODEV);
}

/**
 * qpu_sched_stop() - removal begins: start nothing new, abort what runs
 * @qdev: device
 *
 * After this, executors take no job, qpu_sched_sync_begin() and
 * qpu_sched_set_workers() fail with -ENODEV, and every running job and
 * synchronous run stops at its next checkpoint (status -ENODEV). Queued
 * jobs stay queued until qpu_sched_shutdown(). Does not sleep, so whatever
 * removal waits for next (sysfs and file operations in progress) is
 * bounded by one checkpoint interval. Idempotent.
 */
void qpu_sched_stop(struct qpu_device *qdev)
{
	spin_lock(&qdev->sched_lock);
	qdev->stopping = true;
	qpu_sched_abort_running(qdev);
	spin_unlock(&qdev->sched_lock);
}

/**
 * qpu_sched_sync_begin() - a synchronous run is about to execute
 * @x: the prepared run; x->qdev is its device
 *
 * Registers @x so that removal can abort it.
 * Return: 0, or -ENODEV if the device is being removed.
 */
int qpu_sched_sync_begin(struct qpu_exec *x)
{
	struct qpu_device *qdev = x->qdev;
	int ret = 0;

	spin_lock(&qdev->sched_lock);
	if (qdev->stopping)
		ret = -ENODEV;
	else
		list_add_tail(&x->sync_node, &qdev->sync_runs);
	spin_unlock(&qdev->sched_lock);
	return ret;
}

/**
 * qpu_sched_sync_end() - a synchronous run registered by
 *	qpu_sched_sync_begin() has finished
 * @x: the run
 */
void qpu_sched_sync_end(struct qpu_exec *x)
{
	struct qpu_device *qdev = x->qdev;

	spin_lock(&qdev->sched_lock);
	list_del_init(&x->sync_node);
	spin_unlock(&qdev->sched_lock);
}

/**
 * qpu_sched_shutdown() - the device is going away
 * @qdev: device, already unreachable and marked dead (no new jobs can
 *	arrive, no "workers" store can run)
 *
 * Queued jobs complete with -ENODEV at once, running ones at their next
 * checkpoint; then the executors stop. Waiters wake up as jobs complete.
 */
void qpu_sched_shutdown(struct qpu_device *qdev)
{
	struct qpu_sched_job *sj, *tmp;
	LIST_HEAD(cancelled);
	u32 i;

	spin_lock(&qdev->sched_lock);
	qdev->stopping = true;
	list_for_each_entry_safe(sj, tmp, &qdev->queue, node) {
		list_move_tail(&sj->node, &cancelled);
		sj->state = QPU_JOB_RUNNING;
	}
	qpu_sched_abort_running(qdev);
	spin_unlock(&qdev->sched_lock);

	list_for_each_entry_safe(sj, tmp, &cancelled, node) {
		list_del_init(&sj->node);
		qdev->sched_ops->cancel_job(sj, -ENODEV);
	}

	mutex_lock(&qdev->workers_lock);
	spin_lock(&qdev->sched_lock);
	WRITE_ONCE(qdev->nr_workers, 0);
	spin_unlock(&qdev->sched_lock);
	for (i = 0; i < QPU_MAX_WORKERS; i++)
		qpu_sched_stop_worker(&qdev->workers[i]);
	mutex_unlock(&qdev->workers_lock);
}
