/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_calib.h - calibration data of a device (qpu_calib.c): per-qubit and
 * per-edge error rates and coherence times, read and written through the
 * "calibration" sysfs attribute.
 *
 * Owns struct qpu_calib. qpu_calib.lock protects every array and the
 * updates of the epoch; the epoch is an atomic, so readers of the epoch
 * alone (GET_INFO, result slices, sysfs) take no lock.
 */
#ifndef QPU_CALIB_H
#define QPU_CALIB_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>
#include <linux/types.h>

struct qpu_device;

/**
 * struct qpu_calib - calibration data of one device
 * @lock: protects every array below and @epoch updates
 * @epoch: bumped on every accepted change; readable without @lock
 * @readout_ppm: per-qubit readout error, parts per million
 * @gate1q_ppm: per-qubit single-qubit gate error, ppm
 * @t1_us: per-qubit relaxation time, microseconds
 * @t2_us: per-qubit dephasing time, microseconds
 * @gate2q_ppm: per-edge two-qubit gate error, ppm, indexed like
 *	qc_topology.edges
 */
struct qpu_calib {
	struct mutex lock;
	atomic64_t epoch;
	u32 *readout_ppm;
	u32 *gate1q_ppm;
	u32 *t1_us;
	u32 *t2_us;
	u32 *gate2q_ppm;
};

extern const struct attribute_group qpu_calib_group;
int qpu_calib_init(struct qpu_device *qdev);
void qpu_calib_fini(struct qpu_device *qdev);
ssize_t qpu_records_read(char *buf, loff_t off, size_t count, u32 nrec,
			 u32 reclen,
			 void (*fmt)(void *priv, u32 idx, char *out),
			 void *priv);

#endif /* QPU_CALIB_H */
