// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * batch.c - libqpu asynchronous batches over io_uring (liburing), with the
 * SUBMIT/WAIT ioctls as a fallback that behaves the same.
 *
 * liburing 2.3 (Debian 12) has no io_uring_prep_uring_cmd(), so SQEs are
 * prepared here, by qpu_prep_run(), which programs with a ring of their
 * own call too: all 128 bytes cleared first (io_uring_prep_rw() would
 * leave bytes 64..127, the command payload, untouched). qpu_cqe_completion()
 * reads a CQE32 back, for both as well.
 *
 * The fallback must keep a batch's jobs apart from everything else on the
 * file (other batches, the caller's own SUBMITs), as a ring of its own
 * does for io_uring: it remembers the ids of its jobs and reaps them by id,
 * never with QPU_WAIT_ANY; freeing the batch cancels and reaps those still
 * in flight, as closing the ring does.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <liburing.h>

#include "internal.h"

#define QPU_BATCH_MAX_DEPTH	4096

struct qpu_pending_job {
	struct qpu_job_desc job;
	uint64_t user_data;
};

struct qpu_batch {
	struct qpu_dev *dev;
	int use_uring;
	struct io_uring ring;
	uint32_t depth;
	uint32_t inflight;		/* submitted, not reaped */
	uint32_t nqueued;		/* added, not submitted */
	struct qpu_pending_job *queued;
	/* ioctl path: completions of jobs the kernel refused at submission */
	struct qpu_completion *early;
	uint32_t nearly;
	/* ioctl path: ids of this batch's jobs in the kernel, oldest first */
	uint32_t *ids;
	uint32_t nids;
	qpu_batch_cb cb;
	void *cb_arg;
};

QPU_EXPORT int qpu_batch_new(struct qpu_dev *dev, uint32_t depth, uint32_t flags,
			     struct qpu_batch **out)
{
	int saved_errno = errno;
	struct io_uring_params p;
	struct qpu_batch *b;
	int ret;

	if (!depth || depth > QPU_BATCH_MAX_DEPTH || (flags & ~QPU_BATCH_IOCTL))
		return qpu_set_error(dev, -EINVAL, "bad batch depth %u or flags",
				     depth);
	b = calloc(1, sizeof(*b));
	if (!b)
		return qpu_err(-ENOMEM);
	b->dev = dev;
	b->depth = depth;
	b->queued = calloc(depth, sizeof(*b->queued));
	b->early = calloc(depth, sizeof(*b->early));
	b->ids = calloc(depth, sizeof(*b->ids));
	if (!b->queued || !b->early || !b->ids) {
		qpu_batch_free(b);
		return qpu_err(-ENOMEM);
	}
	if (!(flags & QPU_BATCH_IOCTL)) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
		/* Room for every job in flight to complete at once. */
		p.flags |= IORING_SETUP_CQSIZE;
		p.cq_entries = depth;
		ret = io_uring_queue_init_params(depth, &b->ring, &p);
		/* Disabled, unsupported or not allowed: the ioctl path works. */
		b->use_uring = ret == 0;
		errno = saved_errno;
	}
	*out = b;
	return 0;
}

/* ioctl path: WAIT for this batch's job ids[i] (0 or -errno). */
static int qpu_batch_wait_id(struct qpu_batch *b, uint32_t i,
			     int64_t timeout_ns, struct qpu_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = b->ids[i];
	w->timeout_ns = timeout_ns;
	return qpu_ioctl(b->dev, QPU_IOC_WAIT, w);
}

static void qpu_batch_forget_id(struct qpu_batch *b, uint32_t i)
{
	memmove(b->ids + i, b->ids + i + 1, (b->nids - i - 1) * sizeof(*b->ids));
	b->nids--;
}

QPU_EXPORT void qpu_batch_free(struct qpu_batch *b)
{
	int saved_errno = errno;
	struct qpu_cancel c;
	struct qpu_wait w;
	uint32_t i;

	if (!b)
		return;
	/* Closing the ring cancels what is still in flight. */
	if (b->use_uring)
		io_uring_queue_exit(&b->ring);
	/* The ioctl path does the same by hand, and reaps what it cancelled. */
	for (i = 0; i < b->nids; i++) {
		memset(&c, 0, sizeof(c));
		c.job_id = b->ids[i];
		qpu_ioctl(b->dev, QPU_IOC_CANCEL, &c);
	}
	for (i = 0; i < b->nids; i++)
		qpu_batch_wait_id(b, i, -1, &w);
	free(b->queued);
	free(b->early);
	free(b->ids);
	free(b);
	errno = saved_errno;
}

QPU_EXPORT int qpu_batch_uses_uring(const struct qpu_batch *b)
{
	return b->use_uring;
}

QPU_EXPORT void qpu_batch_set_callback(struct qpu_batch *b, qpu_batch_cb cb,
				       void *arg)
{
	b->cb = cb;
	b->cb_arg = arg;
}

QPU_EXPORT uint32_t qpu_batch_inflight(const struct qpu_batch *b)
{
	return b->inflight;
}

QPU_EXPORT int qpu_batch_add(struct qpu_batch *b, const struct qpu_job_desc *job,
			     uint64_t user_data)
{
	if (b->nqueued + b->inflight >= b->depth)
		return qpu_err(-EBUSY);
	b->queued[b->nqueued].job = *job;
	b->queued[b->nqueued].user_data = user_data;
	b->nqueued++;
	return 0;
}

QPU_EXPORT void qpu_prep_run(struct io_uring_sqe *sqe,
			      const struct qpu_dev *dev,
			      const struct qpu_job_desc *desc,
			      uint64_t user_data)
{
	_Static_assert(sizeof(*desc) == 2 * sizeof(*sqe) -
		       offsetof(struct io_uring_sqe, cmd),
		       "the job descriptor fills the SQE128 command area");

	/*
	 * Every byte first: the fields the command does not use must be 0
	 * (the driver rejects ioprio, addr, len, buf_index, file_index), and
	 * bytes 64..127 are the second half of a 128-byte SQE.
	 */
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = dev->fd;
	sqe->cmd_op = QPU_URING_CMD_RUN;
	sqe->user_data = user_data;
	memcpy(sqe->cmd, desc, sizeof(*desc));
}

QPU_EXPORT void qpu_cqe_completion(const struct io_uring_cqe *cqe,
				   struct qpu_completion *c)
{
	c->user_data = cqe->user_data;
	c->status = cqe->res;
	c->job_id = (uint32_t)cqe->big_cqe[0];
}

static int qpu_batch_submit_uring(struct qpu_batch *b)
{
	uint32_t i;
	int ret;

	for (i = 0; i < b->nqueued; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);

		if (!sqe)
			break;	/* cannot happen: depth bounds the queue */
		qpu_prep_run(sqe, b->dev, &b->queued[i].job,
			     b->queued[i].user_data);
	}
	do {
		ret = io_uring_submit(&b->ring);
	} while (ret == -EINTR);
	if (ret < 0)
		return qpu_set_error(b->dev, ret, "io_uring submit: %s",
				     qpu_strerror(ret));
	b->inflight += ret;
	memmove(b->queued, b->queued + ret, (b->nqueued - ret) * sizeof(*b->queued));
	b->nqueued -= ret;
	return ret;
}

static int qpu_batch_submit_ioctl(struct qpu_batch *b)
{
	struct qpu_submit s;
	uint32_t i;
	int ret;

	for (i = 0; i < b->nqueued; i++) {
		memset(&s, 0, sizeof(s));
		s.job = b->queued[i].job;
		s.user_data = b->queued[i].user_data;
		ret = qpu_ioctl(b->dev, QPU_IOC_SUBMIT, &s);
		if (ret) {
			/* The call succeeds; the message is for the job. */
			qpu_explain_refusal(b->dev, ret, &s.refusal,
					    "submitting a job");
			/* Report it like io_uring would: as a completion. */
			b->early[b->nearly++] = (struct qpu_completion) {
				.user_data = s.user_data, .status = ret,
			};
		} else {
			b->ids[b->nids++] = s.job_id;
		}
		b->inflight++;
	}
	ret = b->nqueued;
	b->nqueued = 0;
	return ret;
}

QPU_EXPORT int qpu_batch_submit(struct qpu_batch *b)
{
	int saved_errno = errno;
	int ret;

	if (!b->nqueued)
		return 0;
	ret = b->use_uring ? qpu_batch_submit_uring(b) :
			     qpu_batch_submit_ioctl(b);
	if (ret >= 0)
		errno = saved_errno;	/* liburing's EINTR retries */
	return qpu_err(ret);
}

static void qpu_batch_deliver(struct qpu_batch *b, struct qpu_completion *out,
			      uint32_t n, const struct qpu_completion *c)
{
	if (out)
		out[n] = *c;
	if (b->cb)
		b->cb(c, b->cb_arg);
	b->inflight--;
}

static int qpu_batch_reap_uring(struct qpu_batch *b, struct qpu_completion *out,
				uint32_t n, int wait)
{
	struct io_uring_cqe *cqe;
	struct qpu_completion c;
	int ret;

	do {
		ret = wait ? io_uring_wait_cqe(&b->ring, &cqe) :
			     io_uring_peek_cqe(&b->ring, &cqe);
	} while (ret == -EINTR);
	if (ret)
		return ret;
	qpu_cqe_completion(cqe, &c);
	io_uring_cqe_seen(&b->ring, cqe);
	/* The CQE has only the errno: the detail is the file's refusal. */
	if (!c.job_id && c.status < 0)
		qpu_explain_refusal(b->dev, c.status, NULL, "submitting a job");
	qpu_batch_deliver(b, out, n, &c);
	return 0;
}

/*
 * Reap one of this batch's jobs: any that completed (oldest first), or,
 * with @wait and none completed yet, the oldest once it completes.
 */
static int qpu_batch_reap_ioctl(struct qpu_batch *b, struct qpu_completion *out,
				uint32_t n, int wait)
{
	struct qpu_completion c;
	struct qpu_wait w;
	uint32_t i;
	int ret = -EAGAIN;

	if (b->nearly) {
		qpu_batch_deliver(b, out, n, &b->early[--b->nearly]);
		return 0;
	}
	for (i = 0; i < b->nids && ret == -EAGAIN; i++)
		ret = qpu_batch_wait_id(b, i, 0, &w);
	if (ret == -EAGAIN && wait && b->nids) {
		i = 1;
		ret = qpu_batch_wait_id(b, 0, -1, &w);
	}
	if (ret)
		return ret;
	qpu_batch_forget_id(b, i - 1);
	c.user_data = w.user_data;
	c.status = w.status;
	c.job_id = w.job_id;
	qpu_batch_deliver(b, out, n, &c);
	return 0;
}

QPU_EXPORT int qpu_batch_wait(struct qpu_batch *b, struct qpu_completion *out,
			      uint32_t min, uint32_t max)
{
	int saved_errno = errno;
	uint32_t n = 0;
	int ret;

	if (min > max)
		min = max;
	while (n < max && b->inflight) {
		int wait = n < min;

		ret = b->use_uring ? qpu_batch_reap_uring(b, out, n, wait) :
				     qpu_batch_reap_ioctl(b, out, n, wait);
		if (ret == -EAGAIN)
			break;	/* nothing more completed right now */
		if (ret)
			return qpu_set_error(b->dev, ret, "waiting for jobs: %s",
					     qpu_strerror(ret));
		n++;
	}
	/* EINTR retries and the final EAGAIN are not failures of the call. */
	errno = saved_errno;
	return n;
}
