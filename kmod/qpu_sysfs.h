/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_sysfs.h - the device attributes in /sys/class/qpu/qpuN/
 * (qpu_sysfs.c).
 */
#ifndef QPU_SYSFS_H
#define QPU_SYSFS_H

#include <linux/sysfs.h>

extern const struct attribute_group *qpu_device_groups[];
int qpu_sysfs_parse_u32(const char *buf, u32 min, u32 max, u32 *val);

#endif /* QPU_SYSFS_H */
