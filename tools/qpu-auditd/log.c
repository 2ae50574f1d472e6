// SPDX-License-Identifier: GPL-2.0
/*
 * log.c - qpu-auditd's JSON-lines file (struct aud_log): every line goes
 * out in one write(2) to a descriptor opened O_APPEND, so a line is never
 * split nor held in a buffer of the daemon; fsync(2) follows every @batch
 * lines or @flush_ms after the first line not yet synced, whichever comes
 * first, and always before a rotation, a reopen and the close. Rotation
 * by size renames audit.jsonl.(N-1) to .N down to audit.jsonl to .1; the
 * oldest beyond @keep is overwritten by the rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditd.h"

static int open_file(struct aud_log *l)
{
	struct stat st;

	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (l->fd < 0)
		return -errno;
	if (fstat(l->fd, &st)) {
		int err = -errno;

		close(l->fd);
		l->fd = -1;
		return err;
	}
	l->size = st.st_size;
	return 0;
}

int aud_log_open(struct aud_log *l, const char *dir, uint64_t max_size,
		 unsigned int keep, unsigned int batch, unsigned int flush_ms)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (snprintf(l->path, sizeof(l->path), "%s/audit.jsonl", dir) >=
	    (int)sizeof(l->path))
		return -ENAMETOOLONG;
	l->max_size = max_size;
	l->keep = keep ? keep : 1;
	l->batch = batch ? batch : 1;
	l->flush_ms = flush_ms;
	return open_file(l);
}

int aud_log_sync(struct aud_log *l)
{
	if (l->fd < 0 || !l->pending)
		return 0;
	l->pending = 0;
	return fsync(l->fd) ? -errno : 0;
}

int aud_log_tick(struct aud_log *l, uint64_t now_ms)
{
	uint64_t due;

	if (!l->pending)
		return -1;
	due = l->pending_since_ms + l->flush_ms;
	if (now_ms < due)
		return (int)(due - now_ms);
	aud_log_sync(l);
	return -1;
}

int aud_log_reopen(struct aud_log *l)
{
	int err = aud_log_sync(l);

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	return open_file(l) ?: err;
}

int aud_log_rotate(struct aud_log *l)
{
	char from[sizeof(l->path) + 16], to[sizeof(l->path) + 16];
	unsigned int i;
	int err = aud_log_sync(l);

	for (i = l->keep; i > 1; i--) {
		snprintf(from, sizeof(from), "%s.%u", l->path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", l->path, i);
		if (rename(from, to) && errno != ENOENT && !err)
			err = -errno;
	}
	snprintf(to, sizeof(to), "%s.1", l->path);
	if (rename(l->path, to) && !err)
		err = -errno;
	l->rotations++;
	return aud_log_reopen(l) ?: err;
}

int aud_log_write(struct aud_log *l, const char *line, size_t len,
		  uint64_t now_ms)
{
	ssize_t n;
	int err;

	if (l->max_size && l->size && l->size + len > l->max_size) {
		err = aud_log_rotate(l);
		if (err && l->fd < 0)
			return err;
	}
	if (l->fd < 0)
		return -EBADF;
	do
		n = write(l->fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	l->size += len;
	l->lines++;
	if (!l->pending++)
		l->pending_since_ms = now_ms;
	if (l->pending >= l->batch)
		return aud_log_sync(l);
	return 0;
}

void aud_log_close(struct aud_log *l)
{
	aud_log_sync(l);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
