// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_uring.c - job submission through io_uring (IORING_OP_URING_CMD).
 *
 * The SQE (128 bytes, IORING_SETUP_SQE128) carries a struct qpu_job_desc in its
 * command area; it is read once, at issue time. The job is then queued like
 * an ioctl job; when it completes, the CQE is posted from the submitter's
 * task (io_uring_cmd_complete_in_task()) with the job status as res and the
 * job id as the extra CQE32 field.
 *
 * Cancellation: the command is marked cancelable, so when the ring is torn
 * down or the task exits io_uring calls us with IO_URING_F_CANCEL: a queued
 * job is completed at once with -ECANCELED, a running one stops at its next
 * checkpoint and completes as usual. A pending command holds the file open,
 * so the context outlives it.
 *
 * io_uring serialises cancel calls and completions of one ring under its
 * own lock; the job is freed only after io_uring_cmd_done(), so a cancel
 * call never sees a freed job.
 *
 * Lock order: qpu_device.lifecycle (read) -> the ring's uring_lock (taken
 * by io_uring_cmd_mark_cancelable() when issued from io-wq). An inline
 * issue already holds uring_lock, so it only try-locks lifecycle.
 */
#include <linux/io_uring/cmd.h>

#include "qpu_drv.h"

struct qpu_uring_pdu {
	struct qpu_job *job;
};

static struct qpu_job *qpu_uring_job(struct io_uring_cmd *cmd)
{
	return io_uring_cmd_to_pdu(cmd, struct qpu_uring_pdu)->job;
}

/* Called by qpu_job_submit() before the job can run. */
void qpu_uring_prepare(struct qpu_job *job, unsigned int issue_flags)
{
	io_uring_cmd_to_pdu(job->ucmd, struct qpu_uring_pdu)->job = job;
	io_uring_cmd_mark_cancelable(job->ucmd, issue_flags);
}

static void qpu_uring_post(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct qpu_job *job = qpu_uring_job(cmd);

	io_uring_cmd_done(cmd, job->status, job->id, issue_flags);
	qpu_job_forget(job);
}

/* The job completed (qpu_job_finish()): post its CQE in the right task. */
void qpu_uring_complete(struct qpu_job *job)
{
	io_uring_cmd_complete_in_task(job->ucmd, qpu_uring_post);
}

static void qpu_uring_cancel(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct qpu_job *job = qpu_uring_job(cmd);

	if (qpu_sched_claim(job, -ECANCELED) == 1)
		qpu_job_finish(job, -ECANCELED);
}

int qpu_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct qpu_ctx *ctx = cmd->file->private_data;
	struct qpu_device *qdev = ctx->qdev;
	struct qpu_job tmpl = { .ucmd = cmd };
	u32 id, needed;
	int ret;

	if (issue_flags & IO_URING_F_CANCEL) {
		qpu_uring_cancel(cmd, issue_flags);
		return 0;
	}
	if (cmd->cmd_op != QPU_URING_CMD_RUN)
		return -ENOTTY;
	/* The descriptor needs the 80-byte command area of a 128-byte SQE. */
	BUILD_BUG_ON(sizeof(struct qpu_job_desc) > 80);
	if (!(issue_flags & IO_URING_F_SQE128))
		return -EINVAL;
	/*
	 * Issued inline, the submitter holds the ring's uring_lock; issued
	 * from io-wq, qpu_uring_prepare() takes uring_lock while we hold
	 * lifecycle. So never sleep on lifecycle here with uring_lock held
	 * (a pending removal makes down_read() sleep, and the removal waits
	 * for an io-wq reader that waits for uring_lock: a deadlock qpu-fuzz
	 * found): try, and let io_uring retry from io-wq if it fails.
	 */
	if (!down_read_trylock(&qdev->lifecycle)) {
		if (issue_flags & IO_URING_F_NONBLOCK)
			return -EAGAIN;
		down_read(&qdev->lifecycle);
	}
	memcpy(&tmpl.x.job, io_uring_sqe_cmd(cmd->sqe), sizeof(tmpl.x.job));
	ret = qdev->dead ? -ENODEV : qpu_job_submit(ctx, &tmpl, &id, &needed,
						    issue_flags);
	up_read(&qdev->lifecycle);
	return ret ? ret : -EIOCBQUEUED;
}
