/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_sched.h - a device's job queue and executor threads (qpu_sched.c).
 *
 * The scheduler runs struct qpu_sched_job entries, each the scheduling
 * part of a job (embedded in struct qpu_job, as drm_sched_job is in a
 * driver's job): it knows a job's run (struct qpu_exec, to serialise jobs
 * on one allocation and to abort it through the backend) and nothing
 * about who submitted it. What an executor does with a job it took, and
 * how a queued job is completed when the device goes away, are the
 * device's struct qpu_sched_ops (qpu_job.c provides them).
 *
 * Owns: the queue, running and sync_runs lists, ->stopping, the executor
 * slots and every qpu_sched_job's node and state; all of them, with
 * qpu_allocation.running and qpu_worker.busy, under qpu_device.sched_lock
 * (a spinlock). qpu_worker.task and starting or stopping threads are under
 * qpu_device.workers_lock; nr_workers is written under both.
 */
#ifndef QPU_SCHED_H
#define QPU_SCHED_H

#include <linux/list.h>
#include <linux/types.h>

struct qpu_device;
struct qpu_exec;
struct task_struct;

/** QPU_MAX_WORKERS - most executor threads per device */
#define QPU_MAX_WORKERS		16
/** QPU_DEFAULT_WORKERS - executor threads a new device starts with */
#define QPU_DEFAULT_WORKERS	2

/**
 * struct qpu_worker - one executor slot of a device
 * @qdev: the device
 * @task: its thread, or NULL (workers_lock)
 * @idx: slot number: the thread is "qpuN-w<idx>"
 * @busy: the thread is running a job (sched_lock)
 */
struct qpu_worker {
	struct qpu_device *qdev;
	struct task_struct *task;
	u32 idx;
	bool busy;
};

/**
 * struct qpu_sched_job - what the scheduler knows of a job
 * @node: in qpu_device.queue or .running (sched_lock)
 * @state: enum qpu_job_state (sched_lock)
 * @x: its run: x->alloc serialises jobs on one allocation, x->backend
 *	aborts it
 * @worker: the executor running it, until it completes (sched_lock)
 */
struct qpu_sched_job {
	struct list_head node;
	u32 state;
	struct qpu_exec *x;
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

int qpu_sched_init(struct qpu_device *qdev, const struct qpu_sched_ops *ops);
void qpu_sched_stop(struct qpu_device *qdev);
void qpu_sched_shutdown(struct qpu_device *qdev);
int qpu_sched_set_workers(struct qpu_device *qdev, u32 n);
int qpu_sched_sync_begin(struct qpu_exec *x);
void qpu_sched_sync_end(struct qpu_exec *x);
void qpu_sched_enqueue(struct qpu_sched_job *sj);
int qpu_sched_claim(struct qpu_sched_job *sj, int abort);
void qpu_sched_job_done(struct qpu_sched_job *sj, u32 final_state);

#endif /* QPU_SCHED_H */
