/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_calib.h - calibration data of a device (qpu_calib.c): per-qubit and
 * per-edge error rates and coherence times, as immutable snapshots, one
 * per calibration epoch, read and written through the "calibration" sysfs
 * attribute and kept for the last %QPU_CALIB_HISTORY epochs so an audit
 * can read the calibration any recent job ran on.
 *
 * Owns struct qpu_calib and struct qpu_calib_snap. A snapshot never
 * changes once published; readers take it under RCU (qpu_calib_get(),
 * which references it, or qpu_calib_epoch() for the epoch alone), and a
 * run holds its starting snapshot until it completes. qpu_calib.lock
 * serialises writers and protects the history ring; it also protects
 * the drift period and arming its work (qpu_calib.c).
 */
#ifndef QPU_CALIB_H
#define QPU_CALIB_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sysfs.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/qpu.h>

struct qc_topology;
struct qpu_device;

/**
 * struct qpu_calib_snap - the calibration of one device at one epoch
 * @ref: one reference for being current, one per history slot, one per
 *	holder (qpu_calib_get())
 * @rcu: frees it after readers that found it without a reference
 * @epoch: its epoch, from 1, bumped by every accepted write
 * @time_ns: CLOCK_REALTIME when it took effect
 * @hash: SHA-256 of its text form (the whole "calibration" file)
 * @size: bytes of that text form
 * @num_qubits: qubits of the device
 * @num_edges: coupling edges of the device
 * @qval: per qubit, %QC_CALIB_QVALS values (enum qc_calib_qval in
 *	core/calib.h), qubit q at [QC_CALIB_QVALS * q]
 * @gate2q_ppm: per edge (indexed like qc_topology.edges), 2q gate error
 * @gate2q_mean_ppm: the mean of @gate2q_ppm (what a gate on uncoupled
 *	qubits is charged in calibrated mode)
 */
struct qpu_calib_snap {
	struct kref ref;
	struct rcu_head rcu;
	u64 epoch;
	u64 time_ns;
	u8 hash[QPU_HASH_LEN];
	u32 size;
	u32 num_qubits;
	u32 num_edges;
	u32 *qval;
	u32 *gate2q_ppm;
	u32 gate2q_mean_ppm;
};

/**
 * struct qpu_calib - calibration of one device
 * @lock: serialises writers (sysfs and drift); protects @hist, @hist_next,
 *	@drift_s and the arming of @drift_work
 * @cur: the current snapshot (RCU; replaced under @lock)
 * @hist: the last %QPU_CALIB_HISTORY snapshots, @cur included (a ring)
 * @hist_next: the slot the next snapshot goes to
 * @base: epoch 1, the device's defaults, which drift is pulled back to
 *	(referenced; immutable)
 * @qdev: the device (which outlives this)
 * @drift_s: seconds between drift steps, 0 = off (the "drift" attribute;
 *	written under @lock, read there or once without it)
 * @drift_work: the next drift step; armed and cancelled under @lock
 */
struct qpu_calib {
	struct mutex lock;
	struct qpu_calib_snap __rcu *cur;
	struct qpu_calib_snap *hist[QPU_CALIB_HISTORY];
	u32 hist_next;
	struct qpu_calib_snap *base;
	struct qpu_device *qdev;
	u32 drift_s;
	struct delayed_work drift_work;
};

extern const struct attribute_group qpu_calib_group;
int qpu_calib_init(struct qpu_device *qdev);
void qpu_calib_stop(struct qpu_device *qdev);
void qpu_calib_fini(struct qpu_device *qdev);
struct qpu_calib_snap *qpu_calib_get(struct qpu_device *qdev);
struct qpu_calib_snap *qpu_calib_get_epoch(struct qpu_device *qdev, u64 epoch,
					   u64 *oldest);
void qpu_calib_put(struct qpu_calib_snap *s);
u64 qpu_calib_epoch(struct qpu_device *qdev);
ssize_t qpu_calib_read(const struct qpu_calib_snap *s,
		       const struct qc_topology *t, char *buf, loff_t off,
		       size_t count);
ssize_t qpu_records_read(char *buf, loff_t off, size_t count, u32 nrec,
			 u32 reclen,
			 void (*fmt)(const void *priv, u32 idx, char *out),
			 const void *priv);

#endif /* QPU_CALIB_H */
