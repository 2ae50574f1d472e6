/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libqpu.h - userspace library for /dev/qpuN devices.
 *
 * Conventions (as in liburing): functions that can fail return 0 or a
 * non-negative value on success and a negative errno on failure; they do
 * not set errno. After a failure, qpu_errmsg() on the same device handle
 * gives a sentence that explains it with the details the kernel reported
 * (which qubit, how many were needed, ...). A struct qpu_dev is not
 * thread-safe for its error message; the calls themselves are.
 */
#ifndef LIBQPU_H
#define LIBQPU_H

#include <stddef.h>
#include <stdint.h>
#include <linux/qpu.h>

#ifdef __cplusplus
extern "C" {
#endif

struct qpu_dev;

/**
 * qpu_open() - open a QPU device
 * @path: device node, e.g. "/dev/qpu0"; NULL means $QPU_DEVICE or /dev/qpu0
 * @out: receives the handle
 *
 * Return: 0 or -errno (-ENOENT: no such device; -ENODEV: the driver is not
 * a qpu driver this library understands).
 */
int qpu_open(const char *path, struct qpu_dev **out);

/** qpu_close() - close the handle; every qubit it holds is released */
void qpu_close(struct qpu_dev *dev);

/** qpu_fd() - the device file descriptor, for poll() or io_uring */
int qpu_fd(const struct qpu_dev *dev);

/** qpu_path() - the path the device was opened with */
const char *qpu_path(const struct qpu_dev *dev);

/** qpu_errmsg() - explanation of the last failure on @dev ("" if none) */
const char *qpu_errmsg(const struct qpu_dev *dev);

/** qpu_strerror() - short generic text for a negative errno of libqpu */
const char *qpu_strerror(int err);

/** qpu_get_info() - device description, see struct qpu_info */
int qpu_get_info(struct qpu_dev *dev, struct qpu_info *info);

/**
 * qpu_get_topology() - the device's coupling map
 * @dev: device
 * @edges: receives a malloc()ed array, sorted by (a, b); free() it
 * @num_edges: receives its length
 */
int qpu_get_topology(struct qpu_dev *dev, struct qpu_edge **edges,
		     uint32_t *num_edges);

/**
 * struct qpu_qubits - a set of qubits held by this process
 * @handle: kernel handle
 * @num_qubits: k
 * @phys: phys[v] is the physical qubit behind virtual qubit v
 * @num_edges: couplings inside the set
 * @edges: those couplings, in virtual indices
 */
struct qpu_qubits {
	uint32_t handle;
	uint32_t num_qubits;
	uint32_t *phys;
	uint32_t num_edges;
	struct qpu_edge *edges;
};

/**
 * qpu_alloc_qubits() - allocate @k connected qubits
 * @dev: device
 * @k: number of qubits
 * @out: receives the set; release with qpu_free_qubits()
 *
 * Return: 0, -EINVAL (k == 0), -E2BIG (more than the device has), -EDQUOT
 * (over this context's limit), -ENOSPC (no connected free region now).
 */
int qpu_alloc_qubits(struct qpu_dev *dev, uint32_t k, struct qpu_qubits **out);

/** qpu_free_qubits() - release a set and free @q (NULL is a no-op) */
int qpu_free_qubits(struct qpu_dev *dev, struct qpu_qubits *q);

/** qpu_topology_kind_name() - "line", "ring", "grid", "heavyhex", "full" */
const char *qpu_topology_kind_name(uint32_t kind);

#ifdef __cplusplus
}
#endif

#endif /* LIBQPU_H */
