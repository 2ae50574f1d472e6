/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse_err.h - how the tools' parsers of user text (qpuctl's parse.c,
 * qpu-monitor's config.c) say what was wrong: into the caller's buffer,
 * returning -EINVAL.
 */
#ifndef QPU_PARSE_ERR_H
#define QPU_PARSE_ERR_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline int perr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the message into @err (if any) and return -EINVAL. */
static inline int perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#endif /* QPU_PARSE_ERR_H */
