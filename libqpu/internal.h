/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/* internal.h - libqpu private declarations shared by its files. */
#ifndef LIBQPU_INTERNAL_H
#define LIBQPU_INTERNAL_H

#include <errno.h>

#include "libqpu.h"

#ifdef QPU_BUILDING_SO
#define QPU_EXPORT __attribute__((visibility("default")))
#else
#define QPU_EXPORT
#endif

#define QPU_ERRMSG_LEN 256

struct qpu_dev {
	int fd;
	char *path;
	char errmsg[QPU_ERRMSG_LEN];
};

/*
 * Errors. Inside the library a failure travels as a negative errno return
 * value only. errno is written in one place, qpu_err(), through which every
 * exported call returns (qpu_set_error() ends in it too): on failure it
 * sets errno, on success it leaves errno alone. Internal code that calls
 * into libc and recovers from a failure (an EINTR retry, a probe that may
 * fail) restores the caller's errno, so that a call that succeeds never
 * changes errno (the contract libqpu.h documents).
 */
static inline int qpu_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

/* qpu_err() for calls that return a pointer: sets errno, returns NULL. */
static inline void *qpu_err_ptr(int err)
{
	qpu_err(err);
	return NULL;
}

/*
 * Record a failure message on @dev and return qpu_err(@err) (@err is a
 * negative errno).
 */
int qpu_set_error(struct qpu_dev *dev, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ioctl() returning 0 or -errno. */
int qpu_ioctl(struct qpu_dev *dev, unsigned long cmd, void *arg);

#endif /* LIBQPU_INTERNAL_H */
