/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/* internal.h - libqpu private declarations shared by its files. */
#ifndef LIBQPU_INTERNAL_H
#define LIBQPU_INTERNAL_H

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

/* Record a failure message on @dev and return @err (a negative errno). */
int qpu_set_error(struct qpu_dev *dev, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ioctl() returning 0 or -errno. */
int qpu_ioctl(struct qpu_dev *dev, unsigned long cmd, void *arg);

#endif /* LIBQPU_INTERNAL_H */
