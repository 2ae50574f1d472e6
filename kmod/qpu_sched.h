/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_sched.h - a device's job queue and executor threads (qpu_sched.c).
 *
 * The scheduler runs struct qpu_sched_job entries, each the scheduling
 * part of a job (embedded in struct qpu_job, as drm_sched_job is in a
 * driver's job): it knows a job's run (struct qpu_exec, to abort it
 * through the backend) and its lane (jobs on one allocation run one at a
 * time), and nothing about who submitted it. What an executor does with a
 * job it took, and how a queued job completes when the device goes away,
 * are the struct qpu_sched_ops the device gives at init (qpu_job.c
 * provides them).
 *
 * Owns struct qpu_sched (embedded in struct qpu_device) with its executor
 * slots, and every qpu_sched_job's node and state. Locks: qpu_sched.lock
 * (a spinlock, nested inside qpu_ctx.lock) protects the queue, running
 * and sync_runs lists, ->stopping, the exclusivity counts, every
 * qpu_sched_job's node, state and worker, qpu_sched_lane.running and
 * qpu_worker.busy. qpu_sched.workers_lock
 * (a mutex) serialises starting and stopping threads and protects
 * qpu_worker.task. ->nr_workers is written under both and read under
 * either, or with READ_ONCE() by sysfs.
 */
#ifndef QPU_SCHED_H
#define QPU_SCHED_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "qpu_fair.h"

struct qpu_exec;
struct qpu_sched;
struct task_struct;

/** QPU_MAX_WORKERS - most executor threads per device */
#define QPU_MAX_WORKERS		16
/** QPU_DEFAULT_WORKERS - executor threads a new device starts with */
#define QPU_DEFAULT_WORKERS	2

/**
 * struct qpu_worker - one executor slot of a device
 * @sched: its scheduler
 * @task: its thread, or NULL (workers_lock)
 * @idx: slot number: the thread is "qpuN-w<idx>"
 * @busy: the thread is running a job (lock)
 */
struct qpu_worker {
	struct qpu_sched *sched;
	struct task_struct *task;
	u32 idx;
	bool busy;
};

/**
 * struct qpu_sched_lane - jobs that run one at a time, as on hardware
 *	(those on one qubit allocation: embedded in struct qpu_allocation)
 * @running: an executor runs one of them (lock)
 * @jobs: its queued jobs, oldest first (qpu_sched_job.lane_node; lock)
 * @ready_node: on a ready list of the fair scheduler while it is idle
 *	and has queued jobs (qpu_fair.h; lock)
 * @ready_in: the node whose ready list that is, or NULL (lock)
 */
struct qpu_sched_lane {
	bool running;
	struct list_head jobs;
	struct list_head ready_node;
	struct qpu_fair_node *ready_in;
};

/**
 * struct qpu_sched_job - what the scheduler knows of a job
 * @node: in qpu_sched.queue or .running (lock)
 * @state: enum qpu_job_state (lock)
 * @x: its run: x->sched is its scheduler, x->backend aborts it
 * @lane: the jobs it runs one at a time with
 * @worker: the executor running it, until it completes (lock)
 * @lane_node: in @lane's jobs while queued (lock)
 * @queued_ns: CLOCK_MONOTONIC time it was queued, taken under the lock,
 *	so every pick after it can have chosen it (its submission time)
 * @started_ns: time an executor took it, under the lock (its start
 *	time; 0 if it never ran): so the order of these times is the order
 *	of the scheduler's decisions, whatever the threads do after
 */
struct qpu_sched_job {
	struct list_head node;
	struct list_head lane_node;
	u64 queued_ns;
	u64 started_ns;
	u32 state;
	struct qpu_exec *x;
	struct qpu_sched_lane *lane;
	struct qpu_worker *worker;
};

/**
 * struct qpu_sched_ops - what the scheduler calls back
 * @run_job: an executor took @sj (state RUNNING): run it and complete
 *	it (its completion calls qpu_sched_job_done()); process context, no
 *	lock held
 * @cancel_job: @sj was taken off the queue unrun because the device is
 *	going away: complete it with @status (-ENODEV)
 */
struct qpu_sched_ops {
	void (*run_job)(struct qpu_sched_job *sj);
	void (*cancel_job)(struct qpu_sched_job *sj, int status);
};

/**
 * struct qpu_sched - one device's scheduler
 * @id: the device's N (thread names)
 * @ops: see struct qpu_sched_ops
 * @lock: see the top of this file
 * @queue: queued jobs, in submission order (removal cancels them); which
 *	runs next is @fair's choice
 * @fair: the fair-share policy (qpu_fair.h)
 * @nr_queued: entries in @queue
 * @running: jobs an executor is running
 * @sync_runs: synchronous runs (QPU_IOC_RUN) in progress, so removal can
 *	abort them
 * @stopping: set once by removal (qpu_sched_stop()): executors take no
 *	more jobs, synchronous runs and worker changes fail with -ENODEV
 * @paused: sysfs "paused": nothing starts (lock; READ_ONCE() by sysfs)
 * @nr_active: jobs and synchronous runs executing
 * @nr_excl: those of them whose tenant is exclusive
 * @excl_tag: their isolation domain, while @nr_excl
 * @work_seq: bumped (under @lock) whenever a job may have become
 *	startable; idle executors sleep until it changes, without the lock
 * @wq: executors, and synchronous runs kept from starting by exclusive
 *	work, wait here
 * @workers_lock: serialises changes of @workers and @nr_workers
 * @workers: executor slots; slot i runs jobs while i < @nr_workers
 * @nr_workers: executors wanted (sysfs "workers")
 */
struct qpu_sched {
	u32 id;
	const struct qpu_sched_ops *ops;
	spinlock_t lock;
	struct list_head queue;
	struct qpu_fair fair;
	u32 nr_queued;
	struct list_head running;
	struct list_head sync_runs;
	bool stopping;
	bool paused;
	u32 nr_active;
	u32 nr_excl;
	u32 excl_tag;
	u32 work_seq;
	wait_queue_head_t wq;
	struct mutex workers_lock;
	struct qpu_worker workers[QPU_MAX_WORKERS];
	u32 nr_workers;
};

int qpu_sched_init(struct qpu_sched *s, u32 id,
		   const struct qpu_sched_ops *ops);
void qpu_sched_stop(struct qpu_sched *s);
void qpu_sched_shutdown(struct qpu_sched *s);
int qpu_sched_set_workers(struct qpu_sched *s, u32 n);
int qpu_sched_sync_begin(struct qpu_exec *x);
void qpu_sched_sync_end(struct qpu_exec *x);
void qpu_sched_enqueue(struct qpu_sched_job *sj);
int qpu_sched_claim(struct qpu_sched_job *sj, int abort);
void qpu_sched_job_done(struct qpu_sched_job *sj, u32 final_state);
u32 qpu_sched_job_state(struct qpu_sched_job *sj);
void qpu_sched_counts(struct qpu_sched *s, u32 *queued, u32 *running);
void qpu_sched_lane_init(struct qpu_sched_lane *lane);
void qpu_sched_set_paused(struct qpu_sched *s, bool paused);

#endif /* QPU_SCHED_H */
