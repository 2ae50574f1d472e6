/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tenant_nl.h - a small client of the "qpu" generic netlink family for the
 * VM tests, so C tests can set and read tenant limits without qpuctl
 * (selftests/vm/lib/tenant_nl.c, libnl-genl-3, linked statically into
 * the tenant_* tests).
 *
 * Attributes follow uapi/linux/qpu.h exactly: counts and limits are u64
 * (%QPU_UNLIMITED is "max"), budgets are nests of LIMIT and PERIOD (set)
 * and USED, REMAINING, RESET_NS, TOTAL (reply), events a nest of u64
 * counters.
 *
 * Every call returns 0 (or a count) or the negative errno the kernel
 * answered with (its netlink error), or -ENOENT when the family is not
 * registered, -EIO for a reply that could not be parsed. A struct tnl is a
 * socket: open one per process (a forked child must open its own).
 */
#ifndef QPU_TENANT_NL_H
#define QPU_TENANT_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/qpu.h>

struct tnl;

/* Bits of tenant_cfg.set: which fields a TENANT_SET carries. */
#define TNL_QUBITS_MAX	(1u << 0)
#define TNL_JOBS_MAX	(1u << 1)
#define TNL_SHOTS	(1u << 2)
#define TNL_QPU_TIME	(1u << 3)
#define TNL_WEIGHT	(1u << 4)
#define TNL_LATENCY	(1u << 5)
#define TNL_ISOLATION	(1u << 6)

/** struct tenant_cfg - what a TENANT_SET sets (only the fields in @set) */
struct tenant_cfg {
	uint32_t set;
	uint64_t qubits_max;
	uint64_t jobs_max;
	uint64_t shots_limit;
	uint64_t shots_period;
	uint64_t qpu_time_limit;
	uint64_t qpu_time_period;
	uint32_t weight;
	uint32_t latency;
	uint32_t isolation;
};

/** struct tenant_budget - one budget of a TENANT_GET reply */
struct tenant_budget {
	bool present;
	uint64_t limit;
	uint64_t period;
	uint64_t used;
	uint64_t remaining;
	uint64_t reset_ns;
	uint64_t total;
};

/**
 * struct tenant_info - a TENANT_GET reply
 * @have: bit (1 << QPU_A_TENANT_x) for every top-level attribute present
 * @events: by enum qpu_limit: QUBITS, JOBS, SHOTS, QPU_TIME are filled
 */
struct tenant_info {
	uint64_t have;
	uint32_t dev_id;
	uint64_t cgroup_id;
	uint32_t level;
	bool configured;
	uint64_t qubits_max;
	uint64_t qubits_current;
	uint64_t jobs_max;
	uint64_t jobs_current;
	struct tenant_budget shots;
	struct tenant_budget qpu_time;
	uint32_t weight;
	uint32_t latency;
	uint32_t isolation;
	uint64_t events[QPU_LIMIT_COUNT];
};

/** struct tnl_dev - a DEV_GET reply */
struct tnl_dev {
	uint64_t have;
	uint32_t id;
	char name[32];
	char topology[QPU_TOPOLOGY_NAME_LEN];
	uint32_t num_qubits;
	uint32_t free_qubits;
	uint32_t workers;
	uint32_t jobs_queued;
	uint32_t jobs_running;
	uint32_t tenants;
};

/* A socket bound to the family: NULL with errno set (ENOENT: no family). */
struct tnl *tnl_open(void);
void tnl_close(struct tnl *t);

/* TENANT_SET of @cfg's fields on cgroup @cgroup_id of device @dev_id. */
int tenant_set(struct tnl *t, uint32_t dev_id, uint64_t cgroup_id,
	       const struct tenant_cfg *cfg);

/* TENANT_GET of one tenant; @cgroup_id 0 omits it (the caller's own). */
int tenant_get(struct tnl *t, uint32_t dev_id, uint64_t cgroup_id,
	       struct tenant_info *out);

/*
 * TENANT_GET dump of device @dev_id (or of every device if @dev_id is
 * (uint32_t)-1): up to @cap records into @out (may be NULL). Return: the
 * number of records the kernel sent (may exceed @cap), or -errno.
 */
int tenant_dump(struct tnl *t, uint32_t dev_id, struct tenant_info *out,
		int cap);

/* TENANT_DEL of cgroup @cgroup_id on device @dev_id. */
int tenant_del(struct tnl *t, uint32_t dev_id, uint64_t cgroup_id);

/* DEV_GET of device @dev_id. */
int tnl_dev_get(struct tnl *t, uint32_t dev_id, struct tnl_dev *out);

/* The extack message of the latest failed request ("" if none). */
const char *tnl_errmsg(const struct tnl *t);

/* Convenience: a cfg that sets only one limit. */
static inline struct tenant_cfg tcfg_qubits(uint64_t max)
{
	struct tenant_cfg c = { .set = TNL_QUBITS_MAX, .qubits_max = max };

	return c;
}

static inline struct tenant_cfg tcfg_jobs(uint64_t max)
{
	struct tenant_cfg c = { .set = TNL_JOBS_MAX, .jobs_max = max };

	return c;
}

static inline struct tenant_cfg tcfg_shots(uint64_t limit, uint64_t period)
{
	struct tenant_cfg c = { .set = TNL_SHOTS, .shots_limit = limit,
				.shots_period = period };

	return c;
}

static inline struct tenant_cfg tcfg_qpu_time(uint64_t limit, uint64_t period)
{
	struct tenant_cfg c = { .set = TNL_QPU_TIME, .qpu_time_limit = limit,
				.qpu_time_period = period };

	return c;
}

static inline struct tenant_cfg tcfg_isolation(uint32_t iso)
{
	struct tenant_cfg c = { .set = TNL_ISOLATION, .isolation = iso };

	return c;
}

#endif /* QPU_TENANT_NL_H */
