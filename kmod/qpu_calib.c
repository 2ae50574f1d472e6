// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_calib.c - per-qubit and per-edge calibration data of a device and its
 * sysfs binary attribute "calibration".
 *
 * Reading gives one fixed-width text record per qubit, then one per edge:
 *
 *	q QQQQ RRRRRRR GGGGGGG TTTTTTT UUUUUUU VVVVVVV	(qubit readout_ppm
 *			gate1q_ppm t1_us t2_us readout10_ppm; readout_ppm is
 *			P(read 1 | state 0), readout10_ppm P(read 0 | state 1))
 *	e AAAA BBBB GGGGGGG				(edge a b gate2q_ppm)
 *
 * Fixed widths make any read offset map to a record in O(1), so a 1024-qubit
 * device's table (far larger than a sysfs page) reads in linear time.
 * Root writes lines of the same form (any spacing), whole lines per
 * write(2); a write is validated completely before any of it is applied,
 * and each accepted write makes a new snapshot, one epoch later. The text
 * format, its parser and its validation are portable (kmod/core/calib.c),
 * shared with the host tests and fuzzers.
 *
 * Snapshots (qpu_calib.h): each epoch's values are an immutable
 * struct qpu_calib_snap with the SHA-256 of its text form, published
 * with RCU; the last QPU_CALIB_HISTORY stay readable (CALIB_GET over
 * netlink), and a run holds the one it started on. qpu_calib.lock
 * serialises writers and protects the history ring; readers take no
 * lock. A reading of the sysfs file reads one snapshot, so a read that
 * starts at offset 0 and races with a write sees the old or the new
 * table, though a reader that reads in pieces may see both.
 *
 * A device starts with qc_calib_defaults() (epoch 1, kept as the base
 * drift returns to). The "drift" attribute makes a delayed work publish a
 * drifted copy of the current snapshot every so many seconds, the way a
 * write does (qpu_calib_commit()). qpu_calib.lock also protects
 * qpu_calib.drift_s and serialises arming and cancelling the work with
 * its requeueing itself, so once a store of 0 returns no step follows.
 * qpu_calib_stop(), called at removal once the sysfs attributes are gone,
 * cancels it for good.
 */
#include <crypto/sha2.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "qpu_audit.h"
#include "qpu_calib.h"
#include "qpu_device.h"
#include "qpu_sysfs.h"
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
			 void (*fmt)(const void *priv, u32 idx, char *out),
			 const void *priv)
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

/* The text form's records: each snapshot with the device's topology. */
struct qpu_calib_view {
	const struct qpu_calib_snap *s;
	const struct qc_topology *t;
};

static void qpu_calib_fmt_qubit(const void *priv, u32 q, char *out)
{
	const struct qpu_calib_view *v = priv;

	qc_calib_fmt_qubit(out, q, &v->s->qval[QC_CALIB_QVALS * q]);
}

static void qpu_calib_fmt_edge(const void *priv, u32 e, char *out)
{
	const struct qpu_calib_view *v = priv;

	qc_calib_fmt_edge(out, v->t->edges[2 * e], v->t->edges[2 * e + 1],
			  v->s->gate2q_ppm[e]);
}

/**
 * qpu_calib_read() - read a snapshot's text form
 * @s: the snapshot (referenced or under RCU)
 * @t: its device's topology
 * @buf: destination
 * @off: offset in the text form
 * @count: bytes wanted
 *
 * The text form is the "calibration" sysfs file: one record per qubit,
 * then one per edge. Return: bytes read, 0 at the end.
 */
ssize_t qpu_calib_read(const struct qpu_calib_snap *s,
		       const struct qc_topology *t, char *buf, loff_t off,
		       size_t count)
{
	loff_t qbytes = (loff_t)s->num_qubits * QC_CALIB_QREC_LEN;
	struct qpu_calib_view v = { .s = s, .t = t };
	ssize_t n = 0, m;

	if (off < qbytes) {
		n = qpu_records_read(buf, off, count, s->num_qubits,
				     QC_CALIB_QREC_LEN, qpu_calib_fmt_qubit, &v);
		if (n < 0)
			return n;
	}
	if (n < count) {
		/* Edge records: shift the index past the qubit records. */
		m = qpu_records_read(buf + n, off + n - qbytes, count - n,
				     s->num_edges, QC_CALIB_EREC_LEN,
				     qpu_calib_fmt_edge, &v);
		n = m < 0 ? m : n + m;
	}
	return n;
}

/* A snapshot with room for @nq qubits and @ne edges, values unset. */
static struct qpu_calib_snap *qpu_calib_snap_alloc(u32 nq, u32 ne)
{
	struct qpu_calib_snap *s;

	s = kvzalloc(sizeof(*s) + ((u64)QC_CALIB_QVALS * nq + ne) * sizeof(u32), GFP_KERNEL);
	if (!s)
		return NULL;
	kref_init(&s->ref);
	s->num_qubits = nq;
	s->num_edges = ne;
	s->qval = (u32 *)(s + 1);
	s->gate2q_ppm = s->qval + QC_CALIB_QVALS * nq;
	s->size = nq * QC_CALIB_QREC_LEN + ne * QC_CALIB_EREC_LEN;
	return s;
}

/* Seal @s: the hash of its text form and when it takes effect. */
static void qpu_calib_snap_seal(struct qpu_calib_snap *s,
				const struct qc_topology *t, u64 epoch)
{
	struct qpu_calib_view v = { .s = s, .t = t };
	struct sha256_state st;
	u64 sum = 0;
	char rec[64];
	u32 i;

	sha256_init(&st);
	for (i = 0; i < s->num_qubits; i++) {
		qpu_calib_fmt_qubit(&v, i, rec);
		sha256_update(&st, rec, QC_CALIB_QREC_LEN);
	}
	for (i = 0; i < s->num_edges; i++) {
		qpu_calib_fmt_edge(&v, i, rec);
		sha256_update(&st, rec, QC_CALIB_EREC_LEN);
		sum += s->gate2q_ppm[i];
	}
	sha256_final(&st, s->hash);
	s->gate2q_mean_ppm = s->num_edges ? div_u64(sum, s->num_edges) : 0;
	s->epoch = epoch;
	s->time_ns = ktime_get_real_ns();
}

static void qpu_calib_snap_release(struct kref *ref)
{
	struct qpu_calib_snap *s = container_of(ref, struct qpu_calib_snap, ref);

	/* Readers may have found it under RCU without a reference. */
	kvfree_rcu(s, rcu);
}

/**
 * qpu_calib_put() - drop a reference to a snapshot (NULL is a no-op)
 * @s: from qpu_calib_get() or qpu_calib_get_epoch()
 */
void qpu_calib_put(struct qpu_calib_snap *s)
{
	if (s)
		kref_put(&s->ref, qpu_calib_snap_release);
}

/* The current snapshot, for a holder of @c->lock. */
static struct qpu_calib_snap *qpu_calib_cur(struct qpu_calib *c)
{
	return rcu_dereference_protected(c->cur, lockdep_is_held(&c->lock));
}

/*
 * Make @s current and the newest of the history, whose oldest snapshot
 * it replaces. Takes over the caller's reference as the current one.
 */
static void qpu_calib_publish(struct qpu_calib *c, struct qpu_calib_snap *s)
{
	struct qpu_calib_snap *old;

	lockdep_assert_held(&c->lock);
	kref_get(&s->ref);
	old = c->hist[c->hist_next];
	c->hist[c->hist_next] = s;
	c->hist_next = (c->hist_next + 1) % QPU_CALIB_HISTORY;
	qpu_calib_put(old);
	old = rcu_replace_pointer(c->cur, s, lockdep_is_held(&c->lock));
	qpu_calib_put(old);
}

/**
 * qpu_calib_get() - the device's current calibration, referenced
 * @qdev: the device
 *
 * Return: the snapshot; release it with qpu_calib_put().
 */
struct qpu_calib_snap *qpu_calib_get(struct qpu_device *qdev)
{
	struct qpu_calib_snap *s;

	rcu_read_lock();
	do {
		s = rcu_dereference(qdev->calib->cur);
	} while (!kref_get_unless_zero(&s->ref));
	rcu_read_unlock();
	return s;
}

/**
 * qpu_calib_get_epoch() - a recent calibration of the device, referenced
 * @qdev: the device
 * @epoch: the epoch wanted; 0 for the current one
 * @oldest: out: the oldest epoch the device still keeps
 *
 * Return: the snapshot (release with qpu_calib_put()), or NULL if the
 * device no longer keeps @epoch, or never had it.
 */
struct qpu_calib_snap *qpu_calib_get_epoch(struct qpu_device *qdev, u64 epoch,
					   u64 *oldest)
{
	struct qpu_calib *c = qdev->calib;
	struct qpu_calib_snap *s, *found = NULL;
	u32 i;

	mutex_lock(&c->lock);
	*oldest = U64_MAX;
	s = rcu_dereference_protected(c->cur, lockdep_is_held(&c->lock));
	if (!epoch)
		epoch = s->epoch;
	for (i = 0; i < QPU_CALIB_HISTORY; i++) {
		s = c->hist[i];
		if (!s)
			continue;
		*oldest = min(*oldest, s->epoch);
		if (s->epoch == epoch)
			found = s;
	}
	if (found)
		kref_get(&found->ref);
	mutex_unlock(&c->lock);
	return found;
}

/**
 * qpu_calib_epoch() - the device's current calibration epoch
 * @qdev: the device
 */
u64 qpu_calib_epoch(struct qpu_device *qdev)
{
	u64 epoch;

	rcu_read_lock();
	epoch = rcu_dereference(qdev->calib->cur)->epoch;
	rcu_read_unlock();
	return epoch;
}

static void qpu_calib_drift_work(struct work_struct *work);

int qpu_calib_init(struct qpu_device *qdev)
{
	u32 nq = qdev->topo->num_qubits, ne = qdev->topo->num_edges;
	struct qpu_calib_snap *s;
	struct qpu_calib *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	s = qpu_calib_snap_alloc(nq, ne);
	if (!s) {
		kfree(c);
		return -ENOMEM;
	}
	mutex_init(&c->lock);
	c->qdev = qdev;
	INIT_DELAYED_WORK(&c->drift_work, qpu_calib_drift_work);
	qc_calib_defaults(qdev->topo, qdev->id, s->qval, s->gate2q_ppm);
	qpu_calib_snap_seal(s, qdev->topo, 1);
	kref_get(&s->ref);
	c->base = s;
	mutex_lock(&c->lock);
	qpu_calib_publish(c, s);
	mutex_unlock(&c->lock);
	qdev->calib = c;
	return 0;
}

/**
 * qpu_calib_stop() - stop drift for good (device removal)
 * @qdev: the device, whose sysfs attributes are already removed (so no
 *	"drift" store can arm the work again)
 *
 * Return: only once no drift step runs or is queued.
 */
void qpu_calib_stop(struct qpu_device *qdev)
{
	struct qpu_calib *c = qdev->calib;

	mutex_lock(&c->lock);
	c->drift_s = 0;
	mutex_unlock(&c->lock);
	/* Waits for a running step; one that requeues itself is cancelled too. */
	cancel_delayed_work_sync(&c->drift_work);
}

void qpu_calib_fini(struct qpu_device *qdev)
{
	struct qpu_calib *c = qdev->calib;
	u32 i;

	if (!c)
		return;
	/* qpu_calib_stop() ran, or drift was never armed (a failed create). */
	WARN_ON_ONCE(delayed_work_pending(&c->drift_work));
	for (i = 0; i < QPU_CALIB_HISTORY; i++)
		qpu_calib_put(c->hist[i]);
	qpu_calib_put(rcu_dereference_protected(c->cur, true));
	qpu_calib_put(c->base);
	mutex_destroy(&c->lock);
	kfree(c);
	qdev->calib = NULL;
}

static ssize_t calibration_read(struct file *file, struct kobject *kobj,
				struct bin_attribute *attr, char *buf,
				loff_t off, size_t count)
{
	struct qpu_device *qdev = to_qpu_device(kobj_to_dev(kobj));
	struct qpu_calib_snap *s = qpu_calib_get(qdev);
	ssize_t n;

	n = qpu_calib_read(s, qdev->topo, buf, off, count);
	qpu_calib_put(s);
	return n;
}

/* A copy of the current snapshot, to change and commit; NULL: no memory. */
static struct qpu_calib_snap *qpu_calib_copy(struct qpu_calib *c)
{
	struct qpu_calib_snap *cur, *s;

	lockdep_assert_held(&c->lock);
	cur = rcu_dereference_protected(c->cur, lockdep_is_held(&c->lock));
	s = qpu_calib_snap_alloc(cur->num_qubits, cur->num_edges);
	if (!s)
		return NULL;
	memcpy(s->qval, cur->qval,
	       ((u64)QC_CALIB_QVALS * cur->num_qubits + cur->num_edges) * sizeof(u32));
	return s;
}

/*
 * Seal @s (from qpu_calib_copy(), changed) as the next epoch, make it
 * current and record it for the audit: what every new calibration goes
 * through, a write's or a drift step's.
 */
static void qpu_calib_commit(struct qpu_device *qdev, struct qpu_calib_snap *s)
{
	struct qpu_calib *c = qdev->calib;

	lockdep_assert_held(&c->lock);
	qpu_calib_snap_seal(s, qdev->topo, qpu_calib_cur(c)->epoch + 1);
	qpu_calib_publish(c, s);
	/* In epoch order: the next write waits for the lock. */
	qpu_audit_calib(qdev, s);
}

static ssize_t calibration_write(struct file *file, struct kobject *kobj,
				 struct bin_attribute *attr, char *buf,
				 loff_t off, size_t count)
{
	struct qpu_device *qdev = to_qpu_device(kobj_to_dev(kobj));
	struct qpu_calib *c = qdev->calib;
	struct qc_calib_update *ups;
	struct qpu_calib_snap *s;
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
	s = qpu_calib_copy(c);
	if (s) {
		for (i = 0; i < nups; i++) {
			const struct qc_calib_update *u = &ups[i];

			if (u->edge)
				s->gate2q_ppm[u->index] = u->val[0];
			else
				memcpy(&s->qval[QC_CALIB_QVALS * u->index], u->val,
				       sizeof(u->val));
		}
		qpu_calib_commit(qdev, s);
	} else {
		ret = -ENOMEM;
	}
	mutex_unlock(&c->lock);
out:
	kvfree(ups);
	return ret ? ret : count;
}
static BIN_ATTR_RW(calibration, 0);

/* Drift steps one second to a day apart; 0 is off. */
#define QPU_CALIB_DRIFT_MAX_S	86400U

/* Arm (or re-arm, or cancel) the next step, @c->drift_s from now. */
static void qpu_calib_drift_arm(struct qpu_calib *c)
{
	lockdep_assert_held(&c->lock);
	if (c->drift_s)
		mod_delayed_work(system_wq, &c->drift_work,
				 (unsigned long)c->drift_s * HZ);
	else
		cancel_delayed_work(&c->drift_work);
}

/* One drift step: the next epoch, drifted from the current one. */
static void qpu_calib_drift_work(struct work_struct *work)
{
	struct qpu_calib *c = container_of(to_delayed_work(work),
					   struct qpu_calib, drift_work);
	struct qpu_device *qdev = c->qdev;
	struct qpu_calib_snap *s;
	u64 step;

	mutex_lock(&c->lock);
	/* Turned off after this step was queued: nothing more. */
	if (!c->drift_s)
		goto out;
	s = qpu_calib_copy(c);
	if (s) {
		step = qpu_calib_cur(c)->epoch + 1;
		qc_calib_drift(qdev->topo, qdev->id, step, c->base->qval,
			       c->base->gate2q_ppm, s->qval, s->gate2q_ppm);
		qpu_calib_commit(qdev, s);
	}
	/* Without memory this step is skipped; the next one tries again. */
	qpu_calib_drift_arm(c);
out:
	mutex_unlock(&c->lock);
}

static ssize_t drift_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_qpu_device(dev)->calib->drift_s));
}

static ssize_t drift_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct qpu_device *qdev = to_qpu_device(dev);
	struct qpu_calib *c = qdev->calib;
	u32 val;
	int ret;

	ret = qpu_sysfs_parse_u32(buf, 0, QPU_CALIB_DRIFT_MAX_S, &val);
	if (ret)
		return ret;
	mutex_lock(&c->lock);
	WRITE_ONCE(c->drift_s, val);
	qpu_calib_drift_arm(c);
	mutex_unlock(&c->lock);
	qpu_audit_limit_tunable(qdev, attr->attr.name, val);
	return count;
}
static DEVICE_ATTR_RW(drift);

static struct attribute *qpu_calib_attrs[] = {
	&dev_attr_drift.attr,
	NULL,
};

static struct bin_attribute *qpu_calib_bin_attrs[] = {
	&bin_attr_calibration,
	NULL,
};

const struct attribute_group qpu_calib_group = {
	.attrs = qpu_calib_attrs,
	.bin_attrs = qpu_calib_bin_attrs,
};
