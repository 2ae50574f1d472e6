/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_tenant.h - tenants: cgroup v2 groups, their per-device limits,
 * usage, budgets and isolation, and the charges that count against them
 * (qpu_tenant.c).
 *
 * Owns struct qpu_tenants (embedded in struct qpu_device) and the
 * per-cgroup records in it. qpu_tenants.lock (a spinlock, innermost of
 * the driver's locks) protects the record tree, every record and every
 * charge's amounts. A charge holds a reference to the cgroup it was made
 * in (so the records of it and its ancestors stay meaningful), never to
 * the cgroup's limits: limits set on a cgroup do not pin it, and the
 * state of a removed cgroup is dropped once its charges are gone.
 */
#ifndef QPU_TENANT_H
#define QPU_TENANT_H

#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/qpu.h>

struct cgroup;
struct qpu_fair_node;
struct qpu_tenant;

/**
 * struct qpu_tenants - one device's tenant state
 * @lock: protects everything here and in the records
 * @tree: struct qpu_tenant by cgroup id
 * @nr: records in @tree
 * @max: most records (sysfs max_tenants, 1..%QPU_MAX_TENANTS; written
 *	with WRITE_ONCE(), read under @lock or with READ_ONCE())
 * @next_tag: last isolation tag handed out (never 0)
 */
struct qpu_tenants {
	spinlock_t lock;
	struct rb_root tree;
	u32 nr;
	u32 max;
	u32 next_tag;
};

/**
 * struct qpu_tenant_charge - what one allocation, job or run is charged
 * @t: record of the cgroup charged (it references its ancestors), or
 *	NULL when nothing is charged
 * @cgrp: that cgroup, referenced while charged
 * @qubits: qubits charged
 * @job: one job charged
 * @shots: shots taken from the budgets
 * @qpu_ns: modelled device time taken from the budgets
 * @when_ns: boot-time clock when the budgets were charged
 * @iso: enum qpu_isolation in force for this charge
 * @iso_tag: the isolation domain (the tag of the cgroup whose isolation
 *	applies); 0 for shared
 */
struct qpu_tenant_charge {
	struct qpu_tenant *t;
	struct cgroup *cgrp;
	u32 qubits;
	bool job;
	u64 shots;
	u64 qpu_ns;
	u64 when_ns;
	u32 iso;
	u32 iso_tag;
};

void qpu_tenants_init(struct qpu_tenants *ts);
void qpu_tenants_destroy(struct qpu_tenants *ts);

int qpu_tenant_charge_qubits(struct qpu_tenants *ts, u32 k,
			     struct qpu_tenant_charge *c,
			     struct qpu_refusal *r);
int qpu_tenant_charge_job(struct qpu_tenants *ts, u64 shots, u64 qpu_ns,
			  bool nowait, struct qpu_tenant_charge *c,
			  struct qpu_refusal *r);
u64 qpu_tenant_current_id(void);
struct cgroup *qpu_tenant_current_cgroup(void);
void qpu_tenant_cgroup_put(struct cgroup *cgrp);
u64 qpu_tenant_charge_id(const struct qpu_tenant_charge *c);
void qpu_tenant_refuse_local(struct qpu_refusal *r, u32 limit, u64 usage,
			     u64 max, u64 request);
void qpu_tenant_uncharge(struct qpu_tenants *ts, struct qpu_tenant_charge *c,
			 bool refund);

/**
 * struct qpu_budget_info - one budget as the netlink family reports it
 * @limit: per period, or %QPU_UNLIMITED
 * @period_s: seconds; 0 is a lifetime budget
 * @used: used in the current period
 * @remaining: @limit - @used (0 if over), %QPU_UNLIMITED if unlimited
 * @reset_ns: nanoseconds until the current period ends (0: lifetime, or
 *	no period started)
 * @total: used since the device has kept state for the cgroup
 */
struct qpu_budget_info {
	u64 limit;
	u64 period_s;
	u64 used;
	u64 remaining;
	u64 reset_ns;
	u64 total;
};

/**
 * struct qpu_tenant_info - a tenant as TENANT_GET reports it
 * @cgroup_id: the cgroup
 * @level: its depth below the cgroup2 root
 * @configured: limits were set on it
 * @qubits_max: qubits.max (%QPU_UNLIMITED for "max")
 * @qubits_current: qubits held by it and its descendants
 * @jobs_max: jobs.max
 * @jobs_current: jobs (and synchronous runs) queued or running
 * @shots: shots.max budget
 * @qpu_time: qpu_time.max budget, nanoseconds
 * @weight: QPU_WEIGHT_MIN..MAX
 * @latency: enum qpu_latency
 * @isolation: enum qpu_isolation
 * @events: charges each limit of this level refused, by enum qpu_limit
 */
struct qpu_tenant_info {
	u64 cgroup_id;
	u32 level;
	bool configured;
	u64 qubits_max;
	u64 qubits_current;
	u64 jobs_max;
	u64 jobs_current;
	struct qpu_budget_info shots;
	struct qpu_budget_info qpu_time;
	u32 weight;
	u32 latency;
	u32 isolation;
	u64 events[QPU_LIMIT_COUNT];
};

/* Bits of qpu_tenant_config.set: which fields TENANT_SET changes */
#define QPU_TSET_QUBITS_MAX	BIT(0)
#define QPU_TSET_JOBS_MAX	BIT(1)
#define QPU_TSET_SHOTS		BIT(2)
#define QPU_TSET_QPU_TIME	BIT(3)
#define QPU_TSET_WEIGHT		BIT(4)
#define QPU_TSET_LATENCY	BIT(5)
#define QPU_TSET_ISOLATION	BIT(6)

/**
 * struct qpu_tenant_config - a TENANT_SET request, already validated
 * @set: QPU_TSET_* bits: the fields below that are given
 * @qubits_max: see struct qpu_tenant_info
 * @jobs_max: see struct qpu_tenant_info
 * @shots_limit: shots per period, or %QPU_UNLIMITED
 * @shots_period_s: seconds, 0..%QPU_BUDGET_PERIOD_MAX
 * @qpu_time_limit: nanoseconds per period, or %QPU_UNLIMITED
 * @qpu_time_period_s: seconds
 * @weight: QPU_WEIGHT_MIN..MAX
 * @latency: enum qpu_latency
 * @isolation: enum qpu_isolation
 */
struct qpu_tenant_config {
	u32 set;
	u64 qubits_max;
	u64 jobs_max;
	u64 shots_limit;
	u64 shots_period_s;
	u64 qpu_time_limit;
	u64 qpu_time_period_s;
	u32 weight;
	u32 latency;
	u32 isolation;
};

int qpu_tenant_get(struct qpu_tenants *ts, struct cgroup *cgrp,
		   struct qpu_tenant_info *out);
int qpu_tenant_get_next(struct qpu_tenants *ts, u64 after_id,
			struct qpu_tenant_info *out);
int qpu_tenant_set(struct qpu_tenants *ts, struct cgroup *cgrp,
		   const struct qpu_tenant_config *cfg);
int qpu_tenant_del(struct qpu_tenants *ts, struct cgroup *cgrp);
u32 qpu_tenant_count(struct qpu_tenants *ts);
struct qpu_fair_node *qpu_tenant_fair(struct qpu_tenant *t);

#endif /* QPU_TENANT_H */
