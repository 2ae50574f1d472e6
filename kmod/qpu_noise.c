// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_noise.c - a device's noise tunables under /sys/class/qpu/qpuN/:
 * "noise" (ideal | calibrated), "crosstalk_ppm" and "placement"
 * (fidelity | compact). What they do is Documentation/qpu/noise.rst.
 *
 * Locking: none; see qpu_noise.h.
 */
#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "qpu_audit.h"
#include "qpu_device.h"
#include "qpu_noise.h"

static const char * const qpu_noise_modes[] = {
	[QPU_NOISE_IDEAL] = "ideal",
	[QPU_NOISE_CALIBRATED] = "calibrated",
};

static const char * const qpu_placements[] = {
	[QPU_PLACE_FIDELITY] = "fidelity",
	[QPU_PLACE_COMPACT] = "compact",
};

void qpu_noise_init(struct qpu_device *qdev)
{
	qdev->noise.mode = QPU_NOISE_IDEAL;
	qdev->noise.placement = QPU_PLACE_FIDELITY;
	qdev->noise.crosstalk_ppm = QPU_DEFAULT_CROSSTALK_PPM;
}

bool qpu_noise_calibrated(struct qpu_device *qdev)
{
	return READ_ONCE(qdev->noise.mode) == QPU_NOISE_CALIBRATED;
}

bool qpu_noise_fidelity_placement(struct qpu_device *qdev)
{
	return qpu_noise_calibrated(qdev) &&
	       READ_ONCE(qdev->noise.placement) == QPU_PLACE_FIDELITY;
}

/* A store of one of @names (a trailing newline allowed) into *@dst. */
static ssize_t qpu_noise_store_enum(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count,
				    const char * const *names, size_t n, u8 *dst)
{
	int i = __sysfs_match_string(names, n, buf);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(*dst, i);
	qpu_audit_limit_tunable(to_qpu_device(dev), attr->attr.name, i);
	return count;
}

static ssize_t noise_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  qpu_noise_modes[READ_ONCE(to_qpu_device(dev)->noise.mode)]);
}

static ssize_t noise_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	/* Runs that already started keep the mode they started with. */
	return qpu_noise_store_enum(dev, attr, buf, count, qpu_noise_modes,
				    ARRAY_SIZE(qpu_noise_modes),
				    &to_qpu_device(dev)->noise.mode);
}
static DEVICE_ATTR_RW(noise);

static ssize_t placement_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  qpu_placements[READ_ONCE(to_qpu_device(dev)->noise.placement)]);
}

static ssize_t placement_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	/* Applies to later allocations. */
	return qpu_noise_store_enum(dev, attr, buf, count, qpu_placements,
				    ARRAY_SIZE(qpu_placements),
				    &to_qpu_device(dev)->noise.placement);
}
static DEVICE_ATTR_RW(placement);

static ssize_t crosstalk_ppm_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(to_qpu_device(dev)->noise.crosstalk_ppm));
}

static ssize_t crosstalk_ppm_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	u32 val;
	int ret;

	ret = kstrtou32(buf, 0, &val);
	if (ret)
		return ret;
	if (val > 1000000)
		return -ERANGE;
	WRITE_ONCE(to_qpu_device(dev)->noise.crosstalk_ppm, val);
	qpu_audit_limit_tunable(to_qpu_device(dev), attr->attr.name, val);
	return count;
}
static DEVICE_ATTR_RW(crosstalk_ppm);

static struct attribute *qpu_noise_attrs[] = {
	&dev_attr_noise.attr,
	&dev_attr_placement.attr,
	&dev_attr_crosstalk_ppm.attr,
	NULL,
};

const struct attribute_group qpu_noise_group = {
	.attrs = qpu_noise_attrs,
};
