// SPDX-License-Identifier: GPL-2.0
/*
 * calib.c - calibration snapshots: the content of a calibration epoch
 * (CALIB_GET dump, the bytes the "calibration" sysfs file gave at that
 * epoch) stored as CALIBDIR/<64 hex digits of its SHA-256>, so that every
 * calib_hash in the log names a file holding what it hashes. A file is
 * written to CALIBDIR/.tmp.<hash>, fsynced, renamed into place and the
 * directory fsynced: a snapshot is either whole or absent. SHA-256 is
 * libcrypto's (EVP).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "auditd.h"

int aud_sha256(const void *data, size_t len, uint8_t *out)
{
	unsigned int n = 0;

	if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) ||
	    n != QPU_HASH_LEN)
		return -EIO;
	return 0;
}

static void snapshot_path(char *buf, size_t len, const char *dir,
			  const char *prefix, const uint8_t *hash)
{
	char hex[2 * QPU_HASH_LEN + 1];

	aud_hex(hash, hex);
	snprintf(buf, len, "%s/%s%s", dir, prefix, hex);
}

bool aud_calib_have(const char *dir, const uint8_t *hash)
{
	char path[4096];

	snapshot_path(path, sizeof(path), dir, "", hash);
	return !access(path, F_OK);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

int aud_calib_store(const char *dir, const uint8_t *hash, const void *data,
		    size_t len)
{
	char tmp[4096], path[4096];
	uint8_t got[QPU_HASH_LEN];
	int fd, err;

	err = aud_sha256(data, len, got);
	if (err)
		return err;
	if (memcmp(got, hash, QPU_HASH_LEN))
		return -EBADMSG;
	if (aud_calib_have(dir, hash))
		return 0;
	snapshot_path(tmp, sizeof(tmp), dir, ".tmp.", hash);
	snapshot_path(path, sizeof(path), dir, "", hash);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}

int aud_calib_snapshot(struct qpu_nl *nl, const char *dir, uint32_t dev_id,
		       uint64_t epoch, const uint8_t *hash, char *err,
		       size_t errlen)
{
	struct qpu_nl_calib c;
	uint8_t *data = NULL;
	size_t len = 0;
	int ret;

	if (hash && aud_calib_have(dir, hash))
		return 0;
	ret = qpu_nl_calib_read(nl, dev_id, epoch, &c, &data, &len);
	if (ret) {
		snprintf(err, errlen, "CALIB_GET: %s%s%s", strerror(-ret),
			 *qpu_nl_errmsg(nl) ? ": " : "", qpu_nl_errmsg(nl));
		return ret;
	}
	if (hash && memcmp(hash, c.hash, QPU_HASH_LEN)) {
		snprintf(err, errlen, "epoch %llu has another hash than the record's",
			 (unsigned long long)c.epoch);
		ret = -EBADMSG;
	} else {
		ret = aud_calib_store(dir, c.hash, data, len);
		if (ret == -EBADMSG)
			snprintf(err, errlen, "content does not hash to its HASH");
		else if (ret)
			snprintf(err, errlen, "storing: %s", strerror(-ret));
	}
	free(data);
	return ret;
}
