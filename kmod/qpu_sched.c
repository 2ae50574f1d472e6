// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_sched.c - a device's job queue and its executor threads.
 *
 * Each executor thread ("qpuN-wM", count tunable in sysfs "workers") takes
 * the job the fair-share policy (qpu_fair.c: hierarchical weighted-fair
 * between tenants, by modelled device time) picks among the ready lanes:
 * jobs on one allocation (a lane) run one at a time, oldest first, as
 * they would on hardware, while jobs on disjoint allocations (different
 * processes, or several allocations of one) run concurrently.
 *
 * The scheduler knows jobs only as struct qpu_sched_job (qpu_sched.h): it
 * hands the one an executor takes to the device's ->run_job() and never
 * learns who submitted it; running jobs are aborted through their
 * backend (qpu_backend_abort()).
 *
 * Idle executors sleep until ->work_seq changes: every event that may make
 * a job startable (a job queued, a lane freed, exclusive work ending, a
 * slot re-activated, removal) bumps it under the lock and wakes them, so
 * their wait condition takes no lock.
 *
 * Tenant isolation "exclusive" (qpu_tenant.h): while a job or run of an
 * exclusive tenant executes, nothing outside its isolation domain starts,
 * and it starts only on an idle device. An exclusive job at the queue
 * position where it would be picked holds back everything queued after it
 * until the device drains, so it is not starved by later work.
 *
 * Crosstalk (qpu_noise_may_start()): on a calibrated device a job that
 * would lose more than crosstalk_defer_ppm of its estimated success
 * probability to a running neighbour is held the same way, at its place,
 * until the neighbour is done.
 *
 * Synchronous runs (QPU_IOC_RUN) do not use the queue, but register on
 * qpu_sched.sync_runs while they execute so that removal can abort them
 * like running jobs.
 *
 * Removal stops the scheduler in two steps: qpu_sched_stop() first (under
 * its lock: ->stopping set, running jobs and synchronous runs told to
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
 * Locking (struct qpu_sched, embedded in struct qpu_device): ->lock
 * (spinlock) protects the queue, running and sync_runs lists, ->stopping,
 * job states, qpu_sched_lane.running and qpu_worker.busy; ->nr_workers is
 * written under it and ->workers_lock. ->workers_lock serialises starting
 * and stopping threads and protects qpu_worker.task. Executors hold no
 * lock while a job runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/ktime.h>

#include "qpu_backend.h"
#include "qpu_debugfs.h"
#include "qpu_device.h"
#include "qpu_sched.h"
#include "qpu_tenant.h"

/*
 * May a job or run of exclusive domain @tag (0: not exclusive) start now?
 * Nothing starts while the device is paused. While an exclusive domain
 * runs only its own work starts; exclusive work starts on an idle device
 * only.
 */
static bool qpu_sched_may_start(struct qpu_sched *s, u32 tag)
{
	lockdep_assert_held(&s->lock);
	if (s->paused)
		return false;
	if (s->nr_excl)
		return tag == s->excl_tag;
	return !tag || !s->nr_active;
}

/* @x starts (or stops, @delta -1) occupying the device. s->lock held. */
static void qpu_sched_account(struct qpu_sched *s, struct qpu_exec *x,
			      int delta)
{
	lockdep_assert_held(&s->lock);
	s->nr_active += delta;
	if (x->excl_tag) {
		s->nr_excl += delta;
		s->excl_tag = x->excl_tag;
	}
}

/* Something may have become startable: executors look again. */
static void qpu_sched_kick(struct qpu_sched *s)
{
	lockdep_assert_held(&s->lock);
	WRITE_ONCE(s->work_seq, s->work_seq + 1);
}

static struct qpu_fair_node *qpu_sched_node(struct qpu_sched_job *sj)
{
	return qpu_tenant_fair(sj->x->charge.t);
}

/* @lane is idle: if it has queued jobs, it is ready to run the first. */
static void qpu_sched_lane_check(struct qpu_sched *s,
				 struct qpu_sched_lane *lane)
{
	struct qpu_sched_job *first;

	lockdep_assert_held(&s->lock);
	first = list_first_entry_or_null(&lane->jobs, struct qpu_sched_job,
					 lane_node);
	if (first)
		qpu_fair_lane_ready(&s->fair, lane, qpu_sched_node(first));
}

/*
 * Take queued @sj off the queue and its lane (it is about to run, or be
 * cancelled), keeping its lane's readiness right. s->lock held.
 */
static void qpu_sched_unqueue(struct qpu_sched *s, struct qpu_sched_job *sj)
{
	struct qpu_sched_lane *lane = sj->lane;
	bool first = list_first_entry(&lane->jobs, struct qpu_sched_job,
				      lane_node) == sj;

	lockdep_assert_held(&s->lock);
	list_del_init(&sj->node);
	list_del_init(&sj->lane_node);
	s->nr_queued--;
	if (first && lane->ready_in) {
		qpu_fair_lane_unready(&s->fair, lane);
		if (!lane->running)
			qpu_sched_lane_check(s, lane);
	}
}

/* The next job to run, or NULL. Called with s->lock held. */
static struct qpu_sched_job *qpu_sched_pick(struct qpu_sched *s)
{
	struct qpu_sched_lane *lane;
	struct qpu_sched_job *sj;

	lockdep_assert_held(&s->lock);
	if (s->stopping)
		return NULL;
	lane = qpu_fair_pick(&s->fair);
	if (!lane)
		return NULL;
	sj = list_first_entry(&lane->jobs, struct qpu_sched_job, lane_node);
	/*
	 * Exclusive work, or work kept out by it: nothing starts until it
	 * may. The pick stays put, so an exclusive job waiting for the device
	 * to drain holds back everything else and is not starved.
	 */
	if (!qpu_sched_may_start(s, sj->x->excl_tag))
		return NULL;
	/* Likewise a job that would lose too much to a running neighbour. */
	return qpu_noise_may_start(sj->x) ? sj : NULL;
}

/* The next job for slot @w, or NULL (none, or @w is retired). s->lock. */
static struct qpu_sched_job *qpu_sched_pick_for(struct qpu_worker *w)
{
	lockdep_assert_held(&w->sched->lock);
	if (w->idx >= w->sched->nr_workers)
		return NULL;
	return qpu_sched_pick(w->sched);
}

/* Take the next job for @w and mark it and @w running, or return NULL. */
static struct qpu_sched_job *qpu_sched_take(struct qpu_worker *w)
{
	struct qpu_sched *s = w->sched;
	u64 t0 = ktime_get_ns();
	struct qpu_sched_job *sj;

	spin_lock(&s->lock);
	sj = qpu_sched_pick_for(w);
	if (sj) {
		/* Charged while its lane is still ready: the trees stay sorted. */
		qpu_fair_charge(&s->fair, qpu_sched_node(sj),
				sj->x->charge.qpu_ns);
		qpu_fair_running(&s->fair, qpu_sched_node(sj), 1);
		sj->lane->running = true;
		qpu_sched_unqueue(s, sj);
		list_add_tail(&sj->node, &s->running);
		sj->state = QPU_JOB_RUNNING;
		sj->started_ns = ktime_get_ns();
		sj->worker = w;
		w->busy = true;
		qpu_sched_account(s, sj->x, 1);
	}
	spin_unlock(&s->lock);
	if (sj)
		qpu_stat_pick(ktime_get_ns() - t0);
	return sj;
}

/*
 * An executor: runs jobs while its slot is below nr_workers, sleeps while
 * it is not (retired), until kthread_stop().
 */
static int qpu_worker_fn(void *data)
{
	struct qpu_worker *w = data;
	struct qpu_sched *s = w->sched;
	struct qpu_sched_job *sj;

	while (!kthread_should_stop()) {
		/* Read before looking: a change after the look ends the wait. */
		u32 seq = READ_ONCE(s->work_seq);

		sj = qpu_sched_take(w);
		if (sj) {
			/* Runs the job and completes it (qpu_sched_job_done()). */
			s->ops->run_job(sj);
			cond_resched();
			continue;
		}
		wait_event_interruptible(s->wq,
					 kthread_should_stop() ||
					 READ_ONCE(s->work_seq) != seq);
	}
	return 0;
}

/**
 * qpu_sched_enqueue() - queue a prepared job and wake an executor
 * @sj: the job; its run is prepared and its device alive
 */
void qpu_sched_enqueue(struct qpu_sched_job *sj)
{
	struct qpu_sched *s = sj->x->sched;

	spin_lock(&s->lock);
	sj->queued_ns = ktime_get_ns();
	sj->state = QPU_JOB_QUEUED;
	list_add_tail(&sj->node, &s->queue);
	s->nr_queued++;
	list_add_tail(&sj->lane_node, &sj->lane->jobs);
	if (!sj->lane->running && !sj->lane->ready_in)
		qpu_sched_lane_check(s, sj->lane);
	qpu_sched_kick(s);
	spin_unlock(&s->lock);
	wake_up(&s->wq);
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
	struct qpu_sched *s = sj->x->sched;
	int ret = -EALREADY;

	spin_lock(&s->lock);
	if (sj->state == QPU_JOB_QUEUED) {
		/* Running, as far as everyone else is concerned. */
		qpu_sched_unqueue(s, sj);
		sj->state = QPU_JOB_RUNNING;
		ret = 1;
		/* Its lane may have a new first job, of another tenant. */
		qpu_sched_kick(s);
	} else if (sj->state == QPU_JOB_RUNNING) {
		qpu_backend_abort(sj->x, abort);
		ret = 0;
	}
	spin_unlock(&s->lock);
	return ret;
}

/**
 * qpu_sched_job_done() - a job stops occupying the device
 * @sj: the job; called once, when it completes
 * @final_state: QPU_JOB_DONE, _FAILED or _CANCELLED
 */
void qpu_sched_job_done(struct qpu_sched_job *sj, u32 final_state)
{
	struct qpu_sched *s = sj->x->sched;
	bool was_running;

	spin_lock(&s->lock);
	was_running = !list_empty(&sj->node);
	list_del_init(&sj->node);
	if (was_running) {
		sj->lane->running = false;
		qpu_sched_lane_check(s, sj->lane);
		qpu_fair_running(&s->fair, qpu_sched_node(sj), -1);
		qpu_sched_account(s, sj->x, -1);
		qpu_sched_kick(s);
	}
	/*
	 * The executor is idle before anyone learns of the completion: a
	 * "workers" store that follows a WAIT for this job sees it so.
	 */
	if (sj->worker) {
		sj->worker->busy = false;
		sj->worker = NULL;
	}
	sj->state = final_state;
	spin_unlock(&s->lock);
	/* Another job on the same allocation may run now. */
	if (was_running)
		wake_up(&s->wq);
}

/* Stop slot @w's thread, if any. Called with s->workers_lock held. */
static void qpu_sched_stop_worker(struct qpu_worker *w)
{
	lockdep_assert_held(&w->sched->workers_lock);
	if (w->task) {
		kthread_stop(w->task);
		w->task = NULL;
	}
}

/**
 * qpu_sched_set_workers() - start or stop executor threads
 * @s: the device's scheduler
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
int qpu_sched_set_workers(struct qpu_sched *s, u32 n)
{
	struct qpu_worker *w;
	bool stopping, idle;
	int ret = 0;
	u32 i;

	if (!n || n > QPU_MAX_WORKERS)
		return -ERANGE;
	mutex_lock(&s->workers_lock);
	spin_lock(&s->lock);
	stopping = s->stopping;
	if (!stopping) {
		WRITE_ONCE(s->nr_workers, n);	/* sysfs reads it unlocked */
		qpu_sched_kick(s);
	}
	spin_unlock(&s->lock);
	if (stopping) {
		mutex_unlock(&s->workers_lock);
		return -ENODEV;
	}
	/* Retired slots that are active again look for work. */
	wake_up_all(&s->wq);

	for (i = 0; i < n; i++) {
		struct task_struct *t;

		w = &s->workers[i];
		if (w->task)
			continue;
		t = kthread_run(qpu_worker_fn, w, "qpu%u-w%u", s->id, i);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			spin_lock(&s->lock);
			WRITE_ONCE(s->nr_workers, i);
			spin_unlock(&s->lock);
			break;
		}
		w->task = t;
	}
	for (i = s->nr_workers; i < QPU_MAX_WORKERS; i++) {
		w = &s->workers[i];
		/* Not busy now means never busy again: it takes no job. */
		spin_lock(&s->lock);
		idle = !w->busy;
		spin_unlock(&s->lock);
		if (idle)
			qpu_sched_stop_worker(w);
	}
	mutex_unlock(&s->workers_lock);
	return ret;
}

/**
 * qpu_sched_init() - set up a device's scheduler and start its executors
 * @s: the device's scheduler
 * @id: the device's N, for the threads' names
 * @ops: what executors do with the jobs they take
 *
 * Return: 0 or an error from qpu_sched_set_workers().
 */
int qpu_sched_init(struct qpu_sched *s, u32 id,
		   const struct qpu_sched_ops *ops)
{
	u32 i;

	s->id = id;
	s->ops = ops;
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->queue);
	s->fair.lock = &s->lock;
	INIT_LIST_HEAD(&s->running);
	INIT_LIST_HEAD(&s->sync_runs);
	init_waitqueue_head(&s->wq);
	mutex_init(&s->workers_lock);
	for (i = 0; i < QPU_MAX_WORKERS; i++) {
		s->workers[i].sched = s;
		s->workers[i].idx = i;
	}
	return qpu_sched_set_workers(s, QPU_DEFAULT_WORKERS);
}

/* Tell every running job and synchronous run to stop. s->lock held. */
static void qpu_sched_abort_running(struct qpu_sched *s)
{
	struct qpu_sched_job *sj;
	struct qpu_exec *x;

	lockdep_assert_held(&s->lock);
	list_for_each_entry(sj, &s->running, node)
		qpu_backend_abort(sj->x, -ENODEV);
	list_for_each_entry(x, &s->sync_runs, sync_node)
		qpu_backend_abort(x, -ENODEV);
}

/**
 * qpu_sched_stop() - removal begins: start nothing new, abort what runs
 * @s: the device's scheduler
 *
 * After this, executors take no job, qpu_sched_sync_begin() and
 * qpu_sched_set_workers() fail with -ENODEV, and every running job and
 * synchronous run stops at its next checkpoint (status -ENODEV). Queued
 * jobs stay queued until qpu_sched_shutdown(). Does not sleep, so whatever
 * removal waits for next (sysfs and file operations in progress) is
 * bounded by one checkpoint interval. Idempotent.
 */
void qpu_sched_stop(struct qpu_sched *s)
{
	spin_lock(&s->lock);
	s->stopping = true;
	qpu_sched_abort_running(s);
	qpu_sched_kick(s);
	spin_unlock(&s->lock);
	/* Synchronous runs waiting to start give up with -ENODEV. */
	wake_up_all(&s->wq);
}

/*
 * Register @x if it may start now; true if it did or if the device is
 * going away (->stopping, read by the caller: it is never cleared).
 */
static bool qpu_sched_sync_try(struct qpu_sched *s, struct qpu_exec *x)
{
	bool done = true;

	spin_lock(&s->lock);
	if (s->stopping)
		;
	else if (qpu_sched_may_start(s, x->excl_tag)) {
		list_add_tail(&x->sync_node, &s->sync_runs);
		qpu_sched_account(s, x, 1);
		/* It takes device time from its tenant's share like a job. */
		qpu_fair_charge(&s->fair, qpu_tenant_fair(x->charge.t),
				x->charge.qpu_ns);
	} else {
		done = false;
	}
	spin_unlock(&s->lock);
	return done;
}

/**
 * qpu_sched_sync_begin() - a synchronous run is about to execute
 * @x: the prepared run; x->sched is its device's scheduler
 *
 * Registers @x so that removal can abort it. Waits while exclusive work
 * keeps it from starting (see qpu_sched_may_start()).
 * Return: 0, -ENODEV if the device is being removed, or -EINTR.
 */
int qpu_sched_sync_begin(struct qpu_exec *x)
{
	struct qpu_sched *s = x->sched;
	int ret;

	ret = wait_event_interruptible(s->wq, qpu_sched_sync_try(s, x));
	if (ret)
		return -EINTR;
	return s->stopping ? -ENODEV : 0;
}

/**
 * qpu_sched_sync_end() - a synchronous run registered by
 *	qpu_sched_sync_begin() has finished
 * @x: the run
 */
void qpu_sched_sync_end(struct qpu_exec *x)
{
	struct qpu_sched *s = x->sched;

	spin_lock(&s->lock);
	list_del_init(&x->sync_node);
	qpu_sched_account(s, x, -1);
	qpu_sched_kick(s);
	spin_unlock(&s->lock);
	/* Work that waited for exclusive work to end may start. */
	wake_up(&s->wq);
}

/**
 * qpu_sched_shutdown() - the device is going away
 * @s: the scheduler of a device already unreachable and marked dead (no new jobs can
 *	arrive, no "workers" store can run)
 *
 * Queued jobs complete with -ENODEV at once, running ones at their next
 * checkpoint; then the executors stop. Waiters wake up as jobs complete.
 */
void qpu_sched_shutdown(struct qpu_sched *s)
{
	struct qpu_sched_job *sj, *tmp;
	LIST_HEAD(cancelled);
	u32 i;

	spin_lock(&s->lock);
	s->stopping = true;
	list_for_each_entry_safe(sj, tmp, &s->queue, node) {
		qpu_sched_unqueue(s, sj);
		list_add_tail(&sj->node, &cancelled);
		sj->state = QPU_JOB_RUNNING;
	}
	qpu_sched_abort_running(s);
	spin_unlock(&s->lock);

	list_for_each_entry_safe(sj, tmp, &cancelled, node) {
		list_del_init(&sj->node);
		s->ops->cancel_job(sj, -ENODEV);
	}

	mutex_lock(&s->workers_lock);
	spin_lock(&s->lock);
	WRITE_ONCE(s->nr_workers, 0);
	spin_unlock(&s->lock);
	for (i = 0; i < QPU_MAX_WORKERS; i++)
		qpu_sched_stop_worker(&s->workers[i]);
	mutex_unlock(&s->workers_lock);
}

/**
 * qpu_sched_job_state() - a job's state, enum qpu_job_state
 * @sj: the job
 */
u32 qpu_sched_job_state(struct qpu_sched_job *sj)
{
	struct qpu_sched *s = sj->x->sched;
	u32 state;

	spin_lock(&s->lock);
	state = sj->state;
	spin_unlock(&s->lock);
	return state;
}

/**
 * qpu_sched_counts() - how busy a device is, for reports
 * @s: the scheduler
 * @queued: out: jobs waiting for an executor
 * @running: out: jobs and synchronous runs executing
 */
void qpu_sched_counts(struct qpu_sched *s, u32 *queued, u32 *running)
{
	spin_lock(&s->lock);
	*queued = s->nr_queued;
	*running = s->nr_active;
	spin_unlock(&s->lock);
}

/** qpu_sched_lane_init() - set up the lane of a new allocation */
void qpu_sched_lane_init(struct qpu_sched_lane *lane)
{
	lane->running = false;
	INIT_LIST_HEAD(&lane->jobs);
	INIT_LIST_HEAD(&lane->ready_node);
	lane->ready_in = NULL;
}

/**
 * qpu_sched_set_paused() - start no job, or resume (sysfs "paused")
 * @s: the device's scheduler
 * @paused: true to hold every queued job and synchronous run
 */
void qpu_sched_set_paused(struct qpu_sched *s, bool paused)
{
	spin_lock(&s->lock);
	s->paused = paused;
	qpu_sched_kick(s);
	spin_unlock(&s->lock);
	wake_up_all(&s->wq);
}
