/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uring_util.h - one QPU_URING_CMD_RUN on a ring of its own, for the
 * tests that need only its CQE's res (robust_test, policy_test).
 */
#ifndef QPU_URING_UTIL_H
#define QPU_URING_UTIL_H

#include <stddef.h>
#include <string.h>
#include <liburing.h>

#include "vm_util.h"

/*
 * Run @job on @fd as one uring_cmd with SQE @flags (IOSQE_ASYNC: issued
 * from an io-wq worker). Return: the CQE's res.
 */
static inline int uring_run_once(int fd, const struct qpu_job_desc *job,
				 unsigned int flags)
{
	struct io_uring_params p;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int res;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	QT_ASSERT_EQ(io_uring_queue_init_params(4, &ring, &p), 0);
	sqe = io_uring_get_sqe(&ring);
	QT_ASSERT(sqe != NULL);
	memset(sqe, 0, 2 * sizeof(*sqe));	/* one 128-byte SQE */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = QPU_URING_CMD_RUN;
	sqe->flags = flags;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), job,
	       sizeof(*job));
	QT_ASSERT_EQ(io_uring_submit(&ring), 1);
	QT_ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	return res;
}

#endif /* QPU_URING_UTIL_H */
