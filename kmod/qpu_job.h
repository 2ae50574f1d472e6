/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_job.h - asynchronous jobs (qpu_job.c).
 *
 * Owns struct qpu_job: created by a submitter (the ioctl side in
 * qpu_job.c, or qpu_uring.c) with its completion callback, kept in
 * ctx->jobs (qpu_ctx.lock) from creation until reaped or retired. Its
 * scheduling part (@sched: queue node and state) is the scheduler's,
 * under qpu_sched.lock; its run (@x) is the backend's while it
 * executes; the timestamps, @status and @node are written by the job's
 * one completion and read after it. It holds a reference to its context.
 */
#ifndef QPU_JOB_H
#define QPU_JOB_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/qpu.h>

#include "qpu_backend.h"
#include "qpu_sched.h"

struct file;
struct mem_cgroup;
struct poll_table_struct;
struct qpu_ctx;

/**
 * enum qpu_job_origin - who submitted a job, and so who reaps it
 * @QPU_JOB_FROM_IOCTL: QPU_IOC_SUBMIT; reaped by QPU_IOC_WAIT
 * @QPU_JOB_FROM_URING: a uring_cmd; its submitter retires it after the CQE
 */
enum qpu_job_origin {
	QPU_JOB_FROM_IOCTL,
	QPU_JOB_FROM_URING,
};

/**
 * struct qpu_job - an asynchronous job
 * @x: what it runs, resolved and referenced (qpu_run.c)
 * @sched: the scheduler's part (qpu_sched.h): queue node and state
 * @ctx: its context (referenced)
 * @node: in qpu_ctx.done (ctx->lock) once completed, for ioctl jobs; on
 *	a private list while close cancels it
 * @id: id in ctx->jobs
 * @status: 0 or negative errno, valid once completed
 * @user_data: from qpu_submit
 * @end_ns: when it completed
 * @origin: enum qpu_job_origin
 * @complete: the submitter's completion callback (qpu_job_create())
 * @priv: the submitter's (io_uring: its command)
 * @memcg: submitter's memory cgroup, charged for the job's memory
 */
struct qpu_job {
	struct qpu_exec x;
	struct qpu_sched_job sched;
	struct qpu_ctx *ctx;
	struct list_head node;
	u32 id;
	int status;
	u64 user_data;
	u64 end_ns;
	u8 origin;
	void (*complete)(struct qpu_job *job);
	void *priv;
	struct mem_cgroup *memcg;
};

struct qpu_job *qpu_job_create(struct qpu_ctx *ctx,
			       const struct qpu_job_desc *desc, u8 origin,
			       void (*complete)(struct qpu_job *job),
			       bool nowait, u32 *needed, struct qpu_refusal *r);
void qpu_job_queue(struct qpu_job *job);
void qpu_job_finish(struct qpu_job *job, int status);
void qpu_job_retire(struct qpu_job *job);
void qpu_job_cancel_one(struct qpu_job *job);
void qpu_jobs_teardown(struct qpu_ctx *ctx);
extern const struct qpu_sched_ops qpu_job_sched_ops;

/* The ioctl submitter: QPU_IOC_SUBMIT, QPU_IOC_WAIT, QPU_IOC_CANCEL, poll */
int qpu_job_submit_ioctl(struct qpu_ctx *ctx, struct qpu_submit *arg);
int qpu_job_wait(struct qpu_ctx *ctx, struct qpu_wait *arg);
int qpu_job_cancel(struct qpu_ctx *ctx, struct qpu_cancel *arg);
void qpu_job_reap_cancelled(struct qpu_ctx *ctx, u32 id);
__poll_t qpu_job_poll(struct qpu_ctx *ctx, struct file *file,
		      struct poll_table_struct *wait);

#endif /* QPU_JOB_H */
