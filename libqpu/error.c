// SPDX-License-Identifier: LGPL-2.1 OR MIT
/* error.c - libqpu error reporting: per-device messages, generic strings. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int qpu_set_error(struct qpu_dev *dev, int err, const char *fmt, ...)
{
	va_list ap;

	if (dev) {
		va_start(ap, fmt);
		vsnprintf(dev->errmsg, sizeof(dev->errmsg), fmt, ap);
		va_end(ap);
	}
	return qpu_err(err);
}

QPU_EXPORT const char *qpu_errmsg(const struct qpu_dev *dev)
{
	return dev ? dev->errmsg : "";
}

QPU_EXPORT const char *qpu_strerror(int err)
{
	switch (-err) {
	case 0:
		return "success";
	case ENODEV:
		return "the QPU device was removed";
	case ENOTTY:
		return "request not supported by this qpu driver";
	case EBADF:
		return "descriptor not open for writing (read-only files only query)";
	case EDQUOT:
		return "a qubit limit or a shot or time budget was reached";
	case EUSERS:
		return "the device's tenant table is full";
	case ENOSPC:
		return "no connected region of free qubits that large right now";
	case E2BIG:
		return "request larger than the device or its limits";
	case EOVERFLOW:
		return "output buffer too small";
	default:
		return strerror(-err);
	}
}
