/* SPDX-License-Identifier: GPL-2.0 */
/*
 * host_util.h - small file helpers of the host tests that build fake
 * cgroup2 trees in a temporary directory (qpuctl_test,
 * refusal_format_test). Include after qpu_test.h.
 */
#ifndef QPU_HOST_UTIL_H
#define QPU_HOST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

/* The inode number (a cgroup id on cgroup2) of @root@rel. */
static inline uint64_t ino_of(const char *root, const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	QT_ASSERT_OK(stat(path, &st));
	return st.st_ino;
}

/* @path made to hold exactly @text. */
static inline void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	QT_ASSERT(f);
	QT_ASSERT(fputs(text, f) >= 0);
	QT_ASSERT(!fclose(f));
}

#endif /* QPU_HOST_UTIL_H */
