/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_fops.h - file operations of /dev/qpuN (qpu_fops.c), which the
 * character devices of qpu_drv.c use.
 */
#ifndef QPU_FOPS_H
#define QPU_FOPS_H

#include <linux/fs.h>

extern const struct file_operations qpu_fops;

#endif /* QPU_FOPS_H */
