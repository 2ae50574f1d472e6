// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_uring.c - job submission through io_uring (IORING_OP_URING_CMD).
 *
 * The SQE (128 bytes, IORING_SETUP_SQE128) carries a struct qpu_job_desc in its
 * command area, which it fills exactly; it is read once, at issue time. The
 * SQE fields the command does not use must be zero. The job is then queued
 * like an ioctl job; when it completes, the CQE is posted from the
 * submitter's task (io_uring_cmd_complete_in_task()) with the job status as
 * res and the job id as the extra CQE32 field.
 *
 * Cancellation: the command is marked cancelable, so when the ring is torn
 * down or the task exits io_uring calls us with IO_URING_F_CANCEL: a queued
 * job is completed at once with -ECANCELED, a running one stops at its next
 * checkpoint and completes as usual. A pending command holds the file open,
 * so the context outlives it.
 *
 * A file opened without write access cannot submit (-EBADF), as with
 * QPU_IOC_SUBMIT.
 *
 * Non-blocking issue: io_uring first issues a command inline with
 * IO_URING_F_NONBLOCK, where nothing may sleep. The lifecycle rwsem and
 * ctx->lock are then only tried, and memory is allocated with GFP_NOWAIT;
 * if any of them would block, the command returns -EAGAIN having done
 * nothing, and io_uring issues it again from its worker thread without
 * the flag, where it may sleep. io_uring does that once: a second -EAGAIN
 * would be posted as the result, so no other failure may be -EAGAIN (a
 * full job table is -EBUSY, as for QPU_IOC_SUBMIT). Retries are counted
 * in /sys/kernel/debug/qpu/uring_retries.
 *
 * io_uring serialises cancel calls and completions of one ring under its
 * own lock; the job is freed only after io_uring_cmd_done(), so a cancel
 * call never sees a freed job.
 *
 * Lock order: qpu_device.lifecycle (read) -> the ring's uring_lock (taken
 * by io_uring_cmd_mark_cancelable() when issued from io-wq). An inline
 * issue already holds uring_lock, so it only try-locks lifecycle.
 */
#include <linux/fs.h>
#include <linux/io_uring/cmd.h>

#include "qpu_ctx.h"
#include "qpu_debugfs.h"
#include "qpu_device.h"
#include "qpu_job.h"
#include "qpu_uring.h"

struct qpu_uring_pdu {
	struct qpu_job *job;
};

static struct qpu_job *qpu_uring_job(struct io_uring_cmd *cmd)
{
	return io_uring_cmd_to_pdu(cmd, struct qpu_uring_pdu)->job;
}

/* In the submitter's task: post the CQE, then the job is done with. */
static void qpu_uring_post(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct qpu_job *job = qpu_uring_job(cmd);

	io_uring_cmd_done(cmd, job->status, job->id, issue_flags);
	qpu_job_retire(job);
}

/* The job's completion callback: post its CQE in the right task. */
static void qpu_uring_complete(struct qpu_job *job)
{
	io_uring_cmd_complete_in_task(job->priv, qpu_uring_post);
}

/*
 * The SQE fields a QPU_URING_CMD_RUN does not use are reserved, like the
 * reserved fields of the ioctl structs: they must be zero, so that a later
 * version can give them a meaning without old programs' garbage turning
 * into requests. io_uring itself rejects a non-zero __pad1 and unknown
 * uring_cmd_flags; a fixed buffer (IORING_URING_CMD_FIXED) has no meaning
 * here either.
 */
static bool qpu_uring_sqe_unused_zero(const struct io_uring_cmd *cmd)
{
	const struct io_uring_sqe *sqe = cmd->sqe;

	return !(cmd->flags & IORING_URING_CMD_FIXED) &&
	       !READ_ONCE(sqe->ioprio) && !READ_ONCE(sqe->addr) &&
	       !READ_ONCE(sqe->len) && !READ_ONCE(sqe->buf_index) &&
	       !READ_ONCE(sqe->file_index);
}

int qpu_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct qpu_ctx *ctx = cmd->file->private_data;
	struct qpu_device *qdev = ctx->qdev;
	bool nowait = issue_flags & IO_URING_F_NONBLOCK;
	struct qpu_job_desc desc;
	struct qpu_refusal refusal;
	struct qpu_job *job;
	u32 needed;
	int ret;

	if (issue_flags & IO_URING_F_CANCEL) {
		qpu_job_cancel_one(qpu_uring_job(cmd));
		return 0;
	}
	if (cmd->cmd_op != QPU_URING_CMD_RUN)
		return -ENOTTY;
	/* Submitting needs write access, like QPU_IOC_SUBMIT. */
	if (!(cmd->file->f_mode & FMODE_WRITE))
		return -EBADF;
	/* The descriptor fills the 80-byte command area of a 128-byte SQE. */
	BUILD_BUG_ON(sizeof(struct qpu_job_desc) != 80);
	if (!(issue_flags & IO_URING_F_SQE128) || !qpu_uring_sqe_unused_zero(cmd))
		return -EINVAL;
	memcpy(&desc, io_uring_sqe_cmd(cmd->sqe), sizeof(desc));

	/*
	 * Issued inline (nowait), the submitter holds the ring's uring_lock;
	 * issued from io-wq, io_uring_cmd_mark_cancelable() takes uring_lock
	 * while we hold lifecycle. So never sleep on lifecycle with
	 * uring_lock held (a pending removal makes down_read() sleep, and the
	 * removal waits for an io-wq reader that waits for uring_lock: a
	 * deadlock qpu-fuzz found): try, and let io_uring retry from io-wq.
	 */
	if (nowait) {
		if (!down_read_trylock(&qdev->lifecycle))
			goto again;
	} else {
		down_read(&qdev->lifecycle);
	}
	if (qdev->dead) {
		ret = -ENODEV;
	} else {
		/* A refusal's detail is left for QPU_IOC_GET_REFUSAL. */
		job = qpu_job_create(ctx, &desc, QPU_JOB_FROM_URING,
				     qpu_uring_complete, nowait, &needed,
				     &refusal);
		ret = PTR_ERR_OR_ZERO(job);
	}
	if (!ret) {
		/* Nothing below fails: the command is ours until its CQE. */
		job->priv = cmd;
		io_uring_cmd_to_pdu(cmd, struct qpu_uring_pdu)->job = job;
		io_uring_cmd_mark_cancelable(cmd, issue_flags);
		qpu_job_queue(job);
	}
	up_read(&qdev->lifecycle);
	if (ret == -EAGAIN)
		goto again;
	return ret ? ret : -EIOCBQUEUED;
again:
	/* Nothing was done: io_uring issues the command again, blocking. */
	atomic_inc(&qpu_uring_retries);
	return -EAGAIN;
}
