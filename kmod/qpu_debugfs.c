// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_debugfs.c - module-wide object counters and /sys/kernel/debug/qpu/.
 *
 * Every object the driver allocates on a user's behalf is counted here
 * (atomics, no lock). The counters are what the selftests check after a
 * run ("objects": all zero but devices) and what unload checks: a non-zero
 * count at module exit is a leak and is reported as "qpu: leak: KIND N".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "qpu_debugfs.h"

static atomic_t qpu_obj_count[QPU_OBJ_NR];

static const char *const qpu_obj_names[QPU_OBJ_NR] = {
	[QPU_OBJ_DEVICES] = "devices",
	[QPU_OBJ_CONTEXTS] = "contexts",
	[QPU_OBJ_ALLOCATIONS] = "allocations",
	[QPU_OBJ_BUFFERS] = "buffers",
	[QPU_OBJ_CIRCUITS] = "circuits",
	[QPU_OBJ_JOBS] = "jobs",
	[QPU_OBJ_TENANTS] = "tenants",
	[QPU_OBJ_CGROUP_REFS] = "cgroup_refs",
};

static struct dentry *qpu_debugfs_root;

atomic_t qpu_uring_retries;

/* Jobs the executors took, and the time taking them cost (sched_stats). */
static atomic64_t qpu_picks;
static atomic64_t qpu_pick_ns;

void qpu_stat_pick(u64 ns)
{
	atomic64_inc(&qpu_picks);
	atomic64_add(ns, &qpu_pick_ns);
}

static int qpu_sched_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "picks %lld\npick_ns %lld\n", atomic64_read(&qpu_picks),
		   atomic64_read(&qpu_pick_ns));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(qpu_sched_stats);

void qpu_obj_inc(enum qpu_obj_kind kind)
{
	atomic_inc(&qpu_obj_count[kind]);
}

void qpu_obj_dec(enum qpu_obj_kind kind)
{
	WARN_ON_ONCE(atomic_dec_return(&qpu_obj_count[kind]) < 0);
}

static int qpu_objects_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < QPU_OBJ_NR; i++)
		seq_printf(m, "%s %d\n", qpu_obj_names[i],
			   atomic_read(&qpu_obj_count[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(qpu_objects);

void qpu_debugfs_init(void)
{
	/* debugfs is optional: failures only lose the diagnostics. */
	qpu_debugfs_root = debugfs_create_dir("qpu", NULL);
	debugfs_create_file("objects", 0444, qpu_debugfs_root, NULL,
			    &qpu_objects_fops);
	debugfs_create_atomic_t("uring_retries", 0444, qpu_debugfs_root,
				&qpu_uring_retries);
	debugfs_create_file("sched_stats", 0444, qpu_debugfs_root, NULL,
			    &qpu_sched_stats_fops);
}

void qpu_debugfs_fini(void)
{
	debugfs_remove_recursive(qpu_debugfs_root);
}

/* Return: the number of kinds with objects left. */
int qpu_obj_check_leaks(void)
{
	int i, leaks = 0;

	for (i = 0; i < QPU_OBJ_NR; i++) {
		int n = atomic_read(&qpu_obj_count[i]);

		if (n) {
			pr_err("leak: %s %d\n", qpu_obj_names[i], n);
			leaks++;
		}
	}
	return leaks;
}
