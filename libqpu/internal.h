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
	uint32_t refusal_seq;	/* seq of the last refusal explained */
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

/*
 * Refused charges (refusal.c). After a call failed with @err, if it is a
 * refusal (-EDQUOT, -EBUSY, -EUSERS) described by @r (the argument
 * struct's detail; NULL or limit 0: ask QPU_IOC_GET_REFUSAL for the
 * file's latest, used only if it is newer than the last one explained and
 * has that errno), set the message "WHAT: DETAIL" and return 1; else
 * return 0 and leave the message alone.
 */
int qpu_explain_refusal(struct qpu_dev *dev, int err,
			const struct qpu_refusal *r, const char *what);

/*
 * qpu_refusal_format() with the files it reads as arguments (host tests
 * feed fake ones): @proc_cgroup as /proc/self/cgroup, @mount_root as the
 * cgroup2 mount point (NULL: the first cgroup2 mount of
 * /proc/self/mountinfo).
 */
int qpu_refusal_format_at(const struct qpu_refusal *r,
			  const char *proc_cgroup, const char *mount_root,
			  char *buf, size_t len);

/*
 * The path below the cgroup2 root ("/a/b", "/") of the cgroup with
 * inode @id at depth @level, into @buf: 0, or -ENOENT with "cgroup ID"
 * in @buf. errno is left alone.
 */
int qpu_cgroup_name(const char *proc_cgroup, const char *mount_root,
		    uint64_t id, uint32_t level, char *buf, size_t len);

/*
 * SHA-256 with libcrypto's EVP (replay.c), into @out (32 bytes): of @len
 * bytes at @data; of @num_vectors parameter vectors of @num_params values
 * as struct qpu_provenance defines param_hash; of the whole file @path.
 * 0 or -errno; errno is left alone.
 */
int qpu_sha256(const void *data, size_t len, uint8_t *out);
int qpu_param_hash(const double *params, uint32_t num_params,
		   uint32_t num_vectors, uint8_t *out);
int qpu_file_hash(const char *path, uint8_t *out);

/*
 * Calibrated costs of an allocation, in its virtual indices (layout.c):
 * @qcost[v] per qubit (qc_alloc_qubit_cost()), @ecost[a * k + b] per
 * coupled pair (symmetric; 0 where no record was given).
 */
struct qpu_layout_cost {
	uint32_t k;
	uint32_t *qcost;
	uint32_t *ecost;
};

/* The circuit's source, or NULL (qpu_circuit_source() without errno). */
const struct qpu_circuit_source *qpu__circuit_source(const struct qpu_circuit *c);

/* Most gates of a circuit: QPU_MAX_GATES, lowered by host tests (circuit.c). */
extern uint32_t qpu_gate_limit;

/* Costs from a calibration file (sysfs text records): 0, -ENOENT, -ENOMEM. */
int qpu_layout_cost_read(const char *path, const struct qpu_qubits *q,
			 struct qpu_layout_cost *cost);
void qpu_layout_cost_free(struct qpu_layout_cost *cost);
/* qpu_circuit_layout(), preferring the cheapest valid layout when @cost. */
int qpu_circuit_layout_cost(const struct qpu_circuit *c,
			    const struct qpu_qubits *q,
			    const struct qpu_layout_cost *cost, uint32_t *map);

#endif /* LIBQPU_INTERNAL_H */
