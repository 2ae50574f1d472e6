/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_uring.h - job submission through io_uring (qpu_uring.c): the
 * file's ->uring_cmd().
 */
#ifndef QPU_URING_H
#define QPU_URING_H

struct io_uring_cmd;

int qpu_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);

#endif /* QPU_URING_H */
