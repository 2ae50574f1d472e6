// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_sysfs.c - per-device sysfs attributes under /sys/class/qpu/qpuN/
 * (documented in Documentation/ABI/testing/sysfs-class-qpu).
 *
 * Attributes read immutable topology data without locks; free_qubits takes
 * the device's alloc_lock; max_ctx_qubits is a plain u32 read and written
 * with READ_ONCE/WRITE_ONCE (a context checks it once per allocation);
 * policy reads the attached policy under RCU (qpu_bpf.c).
 * sysfs removal drains attribute calls before the device goes away.
 */
#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/sysfs.h>
#include <linux/qpu.h>

#include "qpu_bpf.h"
#include "qpu_audit.h"
#include "qpu_calib.h"
#include "qpu_device.h"
#include "qpu_noise.h"
#include "qpu_sched.h"
#include "qpu_sysfs.h"

static ssize_t dev_id_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", to_qpu_device(dev)->id);
}
static DEVICE_ATTR_RO(dev_id);

static ssize_t num_qubits_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%u\n", to_qpu_device(dev)->topo->num_qubits);
}
static DEVICE_ATTR_RO(num_qubits);

static ssize_t num_edges_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", to_qpu_device(dev)->topo->num_edges);
}
static DEVICE_ATTR_RO(num_edges);

static ssize_t topology_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n", to_qpu_device(dev)->topo->name);
}
static DEVICE_ATTR_RO(topology);

static ssize_t free_qubits_show(struct device *dev, struct device_attribute *attr,
				char *buf)
{
	struct qpu_device *qdev = to_qpu_device(dev);
	u32 n;

	mutex_lock(&qdev->alloc_lock);
	n = qc_alloc_free_count(qdev->alloc);
	mutex_unlock(&qdev->alloc_lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(free_qubits);

/**
 * qpu_sysfs_parse_u32() - a numeric tunable written to sysfs
 * @buf: what was written (a trailing newline allowed)
 * @min: smallest value accepted
 * @max: largest value accepted
 * @val: out: the value
 *
 * Return: 0, -EINVAL if it is not a number, -ERANGE outside @min..@max.
 */
int qpu_sysfs_parse_u32(const char *buf, u32 min, u32 max, u32 *val)
{
	int ret = kstrtou32(buf, 0, val);

	if (ret)
		return ret;
	return *val < min || *val > max ? -ERANGE : 0;
}

/*
 * The range tunables: @buf must be 1..@max (-EINVAL if not a number,
 * -ERANGE outside); stored into *@dst with WRITE_ONCE (readers take it
 * once, without a lock), and recorded for the audit under @attr's name.
 */
static int qpu_store_range(struct device *dev, struct device_attribute *attr,
			   const char *buf, u32 max, u32 *dst)
{
	u32 val;
	int ret;

	ret = qpu_sysfs_parse_u32(buf, 1, max, &val);
	if (ret)
		return ret;
	WRITE_ONCE(*dst, val);
	qpu_audit_limit_tunable(to_qpu_device(dev), attr->attr.name, val);
	return 0;
}

static ssize_t max_ctx_qubits_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_qpu_device(dev)->max_ctx_qubits));
}

static ssize_t max_ctx_qubits_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct qpu_device *qdev = to_qpu_device(dev);
	/* Applies to later allocations; qubits already held stay held. */
	int ret = qpu_store_range(dev, attr, buf, qdev->topo->num_qubits,
				  &qdev->max_ctx_qubits);

	return ret ? ret : count;
}
static DEVICE_ATTR_RW(max_ctx_qubits);

static ssize_t max_sim_qubits_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_qpu_device(dev)->max_sim_qubits));
}

static ssize_t max_sim_qubits_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	/* Checked at circuit load; circuits already loaded keep running. */
	int ret = qpu_store_range(dev, attr, buf, QPU_MAX_SIM_QUBITS,
				  &to_qpu_device(dev)->max_sim_qubits);

	return ret ? ret : count;
}
static DEVICE_ATTR_RW(max_sim_qubits);

static ssize_t max_gates_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_qpu_device(dev)->max_gates));
}

static ssize_t max_gates_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t count)
{
	/* Checked at circuit load; circuits already loaded keep running. */
	int ret = qpu_store_range(dev, attr, buf, QPU_MAX_GATES,
				  &to_qpu_device(dev)->max_gates);

	return ret ? ret : count;
}
static DEVICE_ATTR_RW(max_gates);

static ssize_t workers_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_qpu_device(dev)->sched.nr_workers));
}

static ssize_t workers_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	u32 val;
	int ret;

	ret = kstrtou32(buf, 0, &val);
	if (ret)
		return ret;
	ret = qpu_sched_set_workers(&to_qpu_device(dev)->sched, val);
	if (ret)
		return ret;
	qpu_audit_limit_tunable(to_qpu_device(dev), attr->attr.name, val);
	return count;
}
static DEVICE_ATTR_RW(workers);

static ssize_t max_tenants_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_qpu_device(dev)->tenants.max));
}

static ssize_t max_tenants_store(struct device *dev,
				 struct device_attribute *attr, const char *buf,
				 size_t count)
{
	/* Checked at charge time; records beyond it stay until released. */
	int ret = qpu_store_range(dev, attr, buf, QPU_MAX_TENANTS,
				  &to_qpu_device(dev)->tenants.max);

	return ret ? ret : count;
}
static DEVICE_ATTR_RW(max_tenants);

static ssize_t paused_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_qpu_device(dev)->sched.paused));
}

static ssize_t paused_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	u32 val;
	int ret;

	ret = kstrtou32(buf, 0, &val);
	if (ret || val > 1)
		return -EINVAL;
	qpu_sched_set_paused(&to_qpu_device(dev)->sched, val);
	qpu_audit_limit_tunable(to_qpu_device(dev), attr->attr.name, val);
	return count;
}
static DEVICE_ATTR_RW(paused);

static ssize_t calibration_epoch_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", qpu_calib_epoch(to_qpu_device(dev)));
}
static DEVICE_ATTR_RO(calibration_epoch);

/* The attached monitoring policy's name (read under RCU), or "". */
static ssize_t policy_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return qpu_bpf_policy_show(to_qpu_device(dev)->id, buf);
}
static DEVICE_ATTR_RO(policy);

/* coupling_map: one fixed-width record per edge, "%4u %4u\n". */
#define QPU_EDGE_RECLEN 10

static void qpu_edge_fmt(const void *priv, u32 idx, char *out)
{
	const struct qc_topology *t = priv;

	snprintf(out, QPU_EDGE_RECLEN + 1, "%4u %4u\n", t->edges[2 * idx],
		 t->edges[2 * idx + 1]);
}

static ssize_t coupling_map_read(struct file *file, struct kobject *kobj,
				 struct bin_attribute *attr, char *buf,
				 loff_t off, size_t count)
{
	struct qpu_device *qdev = to_qpu_device(kobj_to_dev(kobj));

	return qpu_records_read(buf, off, count, qdev->topo->num_edges,
				QPU_EDGE_RECLEN, qpu_edge_fmt, qdev->topo);
}
static BIN_ATTR_RO(coupling_map, 0);

static struct attribute *qpu_device_attrs[] = {
	&dev_attr_dev_id.attr,
	&dev_attr_num_qubits.attr,
	&dev_attr_num_edges.attr,
	&dev_attr_topology.attr,
	&dev_attr_free_qubits.attr,
	&dev_attr_max_ctx_qubits.attr,
	&dev_attr_max_sim_qubits.attr,
	&dev_attr_max_gates.attr,
	&dev_attr_workers.attr,
	&dev_attr_paused.attr,
	&dev_attr_max_tenants.attr,
	&dev_attr_calibration_epoch.attr,
	&dev_attr_policy.attr,
	NULL,
};

static struct bin_attribute *qpu_device_bin_attrs[] = {
	&bin_attr_coupling_map,
	NULL,
};

static const struct attribute_group qpu_device_group = {
	.attrs = qpu_device_attrs,
	.bin_attrs = qpu_device_bin_attrs,
};

const struct attribute_group *qpu_device_groups[] = {
	&qpu_device_group,
	&qpu_calib_group,
	&qpu_noise_group,
	NULL,
};
