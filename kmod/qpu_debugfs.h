/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_debugfs.h - module-wide object counters and /sys/kernel/debug/qpu/
 * (qpu_debugfs.c): atomics, no lock. Every object allocated on a user's
 * behalf is counted, and a count left at unload is reported as a leak.
 */
#ifndef QPU_DEBUGFS_H
#define QPU_DEBUGFS_H

#include <linux/atomic.h>

/* Object counters, checked at unload and by the tests. */
enum qpu_obj_kind {
	QPU_OBJ_DEVICES,
	QPU_OBJ_CONTEXTS,
	QPU_OBJ_ALLOCATIONS,
	QPU_OBJ_BUFFERS,
	QPU_OBJ_CIRCUITS,
	QPU_OBJ_JOBS,
	QPU_OBJ_TENANTS,
	QPU_OBJ_CGROUP_REFS,
	QPU_OBJ_NR,
};

void qpu_obj_inc(enum qpu_obj_kind kind);
void qpu_obj_dec(enum qpu_obj_kind kind);
void qpu_debugfs_init(void);
void qpu_debugfs_fini(void);
int qpu_obj_check_leaks(void);

/* uring_cmd issues that would have blocked and were retried (qpu_uring.c) */
extern atomic_t qpu_uring_retries;

/* The scheduler's pick cost, for benchmarks (qpu-bench --tenants). */
void qpu_stat_pick(u64 ns);

#endif /* QPU_DEBUGFS_H */
