/* SPDX-License-Identifier: GPL-2.0 */
/*
 * port.h - the few primitives the portable core (topology, allocator,
 * simulator, validator) needs, mapped onto the kernel or onto libc.
 *
 * The core is plain C: it calls only what is declared here, so the same
 * files build into qpu.ko and into host unit tests, benchmarks and fuzzers.
 */
#ifndef QPU_CORE_PORT_H
#define QPU_CORE_PORT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/errno.h>
#include <linux/kernel.h>

/* Large arrays (a full:1024 adjacency) may exceed what kmalloc gives. */
#define qc_zalloc(sz)		kvzalloc((sz), GFP_KERNEL_ACCOUNT)
#define qc_free(p)		kvfree(p)
#define qc_snprintf		snprintf
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define qc_zalloc(sz)		calloc(1, (sz))
#define qc_free(p)		free(p)
#define qc_snprintf		snprintf

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#endif

#endif /* QPU_CORE_PORT_H */
