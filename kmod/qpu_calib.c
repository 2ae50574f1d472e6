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
 * and each accepted write bumps calibration_epoch once.
 *
 * qpu_calib.lock protects the arrays; the epoch is an atomic so readers
 * (info ioctl, sysfs) need no lock.
 */
#include <linux/bsearch.h>
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "qpu_calib.h"
#include "qpu_device.h"

#define QPU_QREC_LEN	39	/* "q %4u %7u %7u %7u %7u\n" */
#define QPU_EREC_LEN	20	/* "e %4u %4u %7u\n" */
#define QPU_PPM_MAX	1000000U
#define QPU_TIME_MAX_US	9999999U

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

	lockdep_assert_held(&c->lock);
	snprintf(out, QPU_QREC_LEN + 1, "q %4u %7u %7u %7u %7u\n", q,
		 c->readout_ppm[q], c->gate1q_ppm[q], c->t1_us[q], c->t2_us[q]);
}

static void qpu_calib_fmt_edge(void *priv, u32 e, char *out)
{
	const struct qpu_device *qdev = priv;
	const u32 *edges = qdev->topo->edges;

	lockdep_assert_held(&qdev->calib->lock);
	snprintf(out, QPU_EREC_LEN + 1, "e %4u %4u %7u\n", edges[2 * e],
		 edges[2 * e + 1], qdev->calib->gate2q_ppm[e]);
}

static ssize_t calibration_read(struct file *file, struct kobject *kobj,
				struct bin_attribute *attr, char *buf,
				loff_t off, size_t count)
{
	struct qpu_device *qdev = to_qpu_device(kobj_to_dev(kobj));
	const struct qc_topology *t = qdev->topo;
	loff_t qbytes = (loff_t)t->num_qubits * QPU_QREC_LEN;
	ssize_t n = 0, m;

	mutex_lock(&qdev->calib->lock);
	if (off < qbytes) {
		n = qpu_records_read(buf, off, count, t->num_qubits,
				     QPU_QREC_LEN, qpu_calib_fmt_qubit, qdev);
		if (n < 0)
			goto out;
	}
	if (n < count) {
		/* Edge records: shift the index past the qubit records. */
		char *ebuf = buf + n;
		loff_t eoff = off + n - qbytes;

		m = qpu_records_read(ebuf, eoff, count - n, t->num_edges,
				     QPU_EREC_LEN, qpu_calib_fmt_edge, qdev);
		n = m < 0 ? m : n + m;
	}
out:
	mutex_unlock(&qdev->calib->lock);
	return n;
}

struct qpu_calib_update {
	bool edge;
	u32 index;
	u32 val[4];
};

static int qpu_edge_cmp(const void *key, const void *elt)
{
	const u32 *k = key, *e = elt;

	if (k[0] != e[0])
		return k[0] < e[0] ? -1 : 1;
	if (k[1] != e[1])
		return k[1] < e[1] ? -1 : 1;
	return 0;
}

/*
 * Split @line into at most @max blank-separated words; returns their
 * number, or -EINVAL if there are more.
 */
static int qpu_split_words(char *line, char **words, int max)
{
	int n = 0;
	char *w;

	while ((w = strsep(&line, " \t"))) {
		if (!*w)
			continue;
		if (n == max)
			return -EINVAL;
		words[n++] = w;
	}
	return n;
}

/* Decimal u32 words: -EINVAL if not a number, -ERANGE if too large. */
static int qpu_parse_u32s(char **words, int n, u32 *out)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = kstrtou32(words[i], 10, &out[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Parse and validate one line (modified in place): "q Q R G T1 T2" or
 * "e A B G". Return: 0, -EINVAL (syntax), -ERANGE, -ENOENT (not an edge).
 */
static int qpu_calib_parse(const struct qc_topology *t, char *line,
			   struct qpu_calib_update *u)
{
	u32 v[5], key[2], *hit;
	char *words[6];
	int n, ret;

	n = qpu_split_words(line, words, ARRAY_SIZE(words));
	if (n < 1)
		return -EINVAL;
	if (!strcmp(words[0], "q") && n == 6) {
		ret = qpu_parse_u32s(words + 1, 5, v);
		if (ret)
			return ret;
		u->edge = false;
		u->index = v[0];
		memcpy(u->val, v + 1, sizeof(u->val));
		if (u->index >= t->num_qubits)
			return -ERANGE;
		if (u->val[0] > QPU_PPM_MAX || u->val[1] > QPU_PPM_MAX)
			return -ERANGE;
		/* T1, T2 > 0 and physical: T2 <= 2 * T1. */
		if (!u->val[2] || !u->val[3] || u->val[2] > QPU_TIME_MAX_US ||
		    u->val[3] > 2ULL * u->val[2])
			return -ERANGE;
		return 0;
	}
	if (!strcmp(words[0], "e") && n == 4) {
		ret = qpu_parse_u32s(words + 1, 3, v);
		if (ret)
			return ret;
		u->edge = true;
		u->val[0] = v[2];
		if (v[0] >= t->num_qubits || v[1] >= t->num_qubits ||
		    u->val[0] > QPU_PPM_MAX)
			return -ERANGE;
		key[0] = min(v[0], v[1]);
		key[1] = max(v[0], v[1]);
		hit = bsearch(key, t->edges, t->num_edges, 2 * sizeof(u32),
			      qpu_edge_cmp);
		if (!hit)
			return -ENOENT;
		u->index = (hit - t->edges) / 2;
		return 0;
	}
	return -EINVAL;
}

static ssize_t calibration_write(struct file *file, struct kobject *kobj,
				 struct bin_attribute *attr, char *buf,
				 loff_t off, size_t count)
{
	struct qpu_device *qdev = to_qpu_device(kobj_to_dev(kobj));
	struct qpu_calib *c = qdev->calib;
	struct qpu_calib_update *ups;
	char *text, *p, *line;
	size_t nups = 0, nlines, i;
	int ret = 0;

	if (!count)
		return 0;
	/* Whole lines per write(2): a write must end with a newline. */
	if (buf[count - 1] != '\n')
		return -EINVAL;
	for (nlines = 0, i = 0; i < count; i++)
		nlines += buf[i] == '\n';
	text = kmemdup_nul(buf, count, GFP_KERNEL);
	ups = kvcalloc(nlines, sizeof(*ups), GFP_KERNEL);
	if (!text || !ups) {
		ret = -ENOMEM;
		goto out;
	}

	p = text;
	while ((line = strsep(&p, "\n"))) {
		char *s = strim(line);

		if (!*s || *s == '#')
			continue;
		ret = qpu_calib_parse(qdev->topo, s, &ups[nups]);
		if (ret)
			goto out;
		nups++;
	}
	if (!nups) {
		ret = -EINVAL;
		goto out;
	}

	mutex_lock(&c->lock);
	for (i = 0; i < nups; i++) {
		const struct qpu_calib_update *u = &ups[i];

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
	kfree(text);
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
