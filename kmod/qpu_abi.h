/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_abi.h - helpers for the conventions of uapi/linux/qpu.h that every
 * handler of user input applies (reserved fields must be zero).
 */
#ifndef QPU_ABI_H
#define QPU_ABI_H

#include <linux/string.h>
#include <linux/types.h>

static inline bool qpu_is_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

#endif /* QPU_ABI_H */
