// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_calib.c - per-qubit and per-edge calibration data of a device and its
 * sysfs binary attribute "calibration".
 *
 * Reading gives one fixed-width text record per qubit, then one per edge:
 *
 *	q QQQQ RRRRRRR GGGGGGG TTTTTTT UUUUUUU	(qubit readout_ppm gate1q_ppm
 *						 t1_us t2_us)
 *	e AAAA BBBB GGGGGGG			(edge a b gate2q_ppm)
 *
 * Fixed widths make any read offset map to a record in O(1), so a 1024-qubit
 * device's table (far larger than a sysfs page) reads in linear time.
 * Root writes lines of the same form (any spacing), whole lines per
 * write(2); a write is validated completely before any of it is applied,
 * and each accepted write bumps calibration_epoch once. The text format,
 * its parser and its validation are portable (kmod/core/calib.c), shared
 * with the host tests and fuzzers.
 *
 * qpu_calib.lock protects the arrays; the epoch is an atomic so readers
 * (info ioctl, sysfs) need no lock.
 */
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "qpu_calib.h"
#include "qpu_device.h"
#include "core/calib.h"

/**
 * qpu_records_read() - serve a read of fixed-width text records
 * @buf: destination
 * @off: file offset
 * @count: bytes wanted
 * @nrec: number of records
 * @reclen: bytes per record, newline included
 * @fmt: writes record @idx (reclen chars plus a NUL) to @out
 * @priv: passed to @fmt
 *
 * Return: bytes written, 0 at end of file.
 */
ssize_t qpu_records_read(char *buf, loff_t off, size_t count, u32 nrec,
			 u32 reclen,
			 void (*fmt)(void *priv, u32 idx, char *out),
			 void *priv)
{
	char rec[64];
	size_t done = 0;

	if (WARN_ON_ONCE(reclen >= sizeof(rec)) || off < 0)
		return -EINVAL;
	while (done < count) {
		u64 pos = off + done;
		u64 idx = div_u64(pos, reclen);
		u32 skip = pos - idx * reclen;
		size_t n;

		if (idx >= nrec)
			break;
		fmt(priv, idx, rec);
		n = min_t(size_t, reclen - skip, count - done);
		memcpy(buf + done, rec + skip, n);
		done += n;
	}
	return done;
}

/* Deterministic, plausible defaults: a hash of (device, index) in range. */
static u32 qpu_calib_default(u32 dev, u32 idx, u32 salt, u32 lo, u32 hi)
{
	u32 x = dev * 0x9e3779b9U ^ idx * 0x85ebca6bU ^ salt * 0xc2b2ae35U;

	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return lo + x % (hi - lo + 1);
}

int qpu_calib_init(struct qpu_device *qdev)
{
	u32 nq = qdev->topo->num_qubits, ne = qdev->topo->num_edges, i;
	struct qpu_calib *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	qdev->calib = c;
	mutex_init(&c->lock);
	atomic64_set(&c->epoch, 1);
	c->readout_ppm = kvcalloc(nq, sizeof(u32), GFP_KERNEL);
	c->gate1q_ppm = kvcalloc(nq, sizeof(u32), GFP_KERNEL);
	c->t1_us = kvcalloc(nq, sizeof(u32), GFP_KERNEL);
	c->t2_us = kvcalloc(nq, sizeof(u32), GFP_KERNEL);
	c->gate2q_ppm = kvcalloc(max(ne, 1U), sizeof(u32), GFP_KERNEL);
	if (!c->readout_ppm || !c->gate1q_ppm || !c->t1_us || !c->t2_us ||
	    !c->gate2q_ppm) {
		qpu_calib_fini(qdev);
		return -ENOMEM;
	}

	for (i = 0; i < nq; i++) {
		c->readout_ppm[i] = qpu_calib_default(qdev->id, i, 1, 8000, 30000);
		c->gate1q_ppm[i] = qpu_calib_default(qdev->id, i, 2, 150, 800);
		c->t1_us[i] = qpu_calib_default(qdev->id, i, 3, 60, 250);
		c->t2_us[i] = qpu_calib_default(qdev->id, i, 4, 30, 2 * c->t1_us[i]);
	}
	for (i = 0; i < ne; i++)
		c->gate2q_ppm[i] = qpu_calib_default(qdev->id, i, 5, 4000, 20000);
	return 0;
}

void qpu_calib_fini(struct qpu_device *qdev)
{
	struct qpu_calib *c = qdev->calib;

	if (!c)
		return;
	kvfree(c->readout_ppm);
	kvfree(c->gate1q_ppm);
	kvfree(c->t1_us);
	kvfree(c->t2_us);
	kvfree(c->gate2q_ppm);
	mutex_destroy(&c->lock);
	kfree(c);
	qdev->calib = NULL;
}

/* Record formatters for qpu_records_read(); called under qpu_calib.lock. */
static void qpu_calib_fmt_qubit(void *priv, u32 q, char *out)
{
	const struct qpu_calib *c = ((struct qpu_device *)priv)->calib;
	u32 val[4] = { c->readout_ppm[q], c->gate1q_ppm[q], c->t1_us[q],
		       c->t2_us[q] };

	lockdep_assert_held(&c->lock);
	qc_calib_fmt_qubit(out, q, val);
}

static void qpu_calib_fmt_edge(void *priv, u32 e, char *out)
{
	const struct qpu_device *qdev = priv;
	const u32 *edges = qdev->topo->edges;

	lockdep_assert_held(&qdev->calib->lock);
	qc_calib_fmt_edge(out, edges[2 * e], edges[2 * e + 1],
			  qdev->calib->gate2q_ppm[e]);
}

static ssize_t calibration_read(struct file *file, struct kobject *kobj,
				struct bin_attribute *attr, char *buf,
				loff_t off, size_t count)
{
	struct qpu_device *qdev = to_qpu_device(kobj_to_dev(kobj));
	const struct qc_topology *t = qdev->topo;
	loff_t qbytes = (loff_t)t->num_qubits * QC_CALIB_QREC_LEN;
	ssize_t n = 0, m;

	mutex_lock(&qdev->calib->lock);
	if (off < qbytes) {
		n = qpu_records_read(buf, off, count, t->num_qubits,
				     QC_CALIB_QREC_LEN, qpu_calib_fmt_qubit, qdev);
		if (n < 0)
			goto out;
	}
	if (n < count) {
		/* Edge records: shift the index past the qubit records. */
		char *ebuf = buf + n;
		loff_t eoff = off + n - qbytes;

		m = qpu_records_read(ebuf, eoff, count - n, t->num_edges,
				     QC_CALIB_EREC_LEN, qpu_calib_fmt_edge, qdev);
		n = m < 0 ? m : n + m;
	}
out:
	mutex_unlock(&qdev->calib->lock);
	return n;
}

static ssize_t calibration_write(struct file *file, struct kobject *kobj,
				 struct bin_attribute *attr, char *buf,
				 loff_t off, size_t count)
{
	struct qpu_device *qdev = to_qpu_device(kobj_to_dev(kobj));
	struct qpu_calib *c = qdev->calib;
	struct qc_calib_update *ups;
	u32 nups, i;
	int ret;

	if (!count)
		return 0;
	/* Parsed and validated completely (kmod/core/calib.c) before use. */
	ups = kvcalloc(max(qc_calib_max_updates(buf, count), 1U), sizeof(*ups),
		       GFP_KERNEL);
	if (!ups)
		return -ENOMEM;
	ret = qc_calib_parse(qdev->topo, buf, count, ups, &nups);
	if (ret)
		goto out;

	mutex_lock(&c->lock);
	for (i = 0; i < nups; i++) {
		const struct qc_calib_update *u = &ups[i];

		if (u->edge) {
			c->gate2q_ppm[u->index] = u->val[0];
			continue;
		}
		c->readout_ppm[u->index] = u->val[0];
		c->gate1q_ppm[u->index] = u->val[1];
		c->t1_us[u->index] = u->val[2];
		c->t2_us[u->index] = u->val[3];
	}
	atomic64_inc(&c->epoch);
	mutex_unlock(&c->lock);
out:
	kvfree(ups);
	return ret ? ret : count;
}
static BIN_ATTR_RW(calibration, 0);

static struct bin_attribute *qpu_calib_bin_attrs[] = {
	&bin_attr_calibration,
	NULL,
};

const struct attribute_group qpu_calib_group = {
	.bin_attrs = qpu_calib_bin_attrs,
};
