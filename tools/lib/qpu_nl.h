/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_nl.h - the userspace client of the "qpu" generic netlink family
 * (uapi/linux/qpu.h, Documentation/netlink/specs/qpu.yaml), shared by
 * qpuctl, qpu-bench and the VM tests (tools/lib/qpu_nl.c, on
 * libnl-genl-3; linked dynamically into build/bin/, statically into
 * build/vm-bin/ and build/vm-tests/). libqpu stays free of netlink: it is
 * the LGPL library of programs that never administer.
 *
 * This header needs no libnl headers, so code that only fills or formats
 * the records below (qpuctl's parser, host-tested) can include it alone.
 *
 * Attributes follow uapi/linux/qpu.h exactly: counts and limits are u64
 * (%QPU_UNLIMITED is "max"), budgets are nests of LIMIT and PERIOD (set)
 * and USED, REMAINING, RESET_NS, TOTAL (reply), events a nest of u64
 * counters. Replies are checked against policies of those types.
 *
 * Errors: every call returns 0 (or a count) or a negative errno: the one
 * the kernel answered with, -EPROTO for a reply that could not be parsed,
 * -EIO when sending or receiving failed, -ENOMEM, -EMSGSIZE.
 * qpu_nl_errmsg() then gives the kernel's extended-ack message, or for
 * -EPROTO and -EIO a description of what went wrong ("" if there is
 * none). A struct qpu_nl is one socket: one request at a time; a forked
 * child opens its own.
 */
#ifndef QPU_NL_H
#define QPU_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/qpu.h>

struct qpu_nl;

/* Device id for "every device" in the dumps. */
#define QPU_NL_ALL_DEVS		((uint32_t)-1)

/* Bits of qpu_nl_limits.set: which fields a TENANT_SET carries. */
enum {
	QPU_NL_QUBITS_MAX	= 1u << 0,
	QPU_NL_JOBS_MAX		= 1u << 1,
	QPU_NL_SHOTS		= 1u << 2,
	QPU_NL_QPU_TIME		= 1u << 3,
	QPU_NL_WEIGHT		= 1u << 4,
	QPU_NL_LATENCY		= 1u << 5,
	QPU_NL_ISOLATION	= 1u << 6,
};

/** struct qpu_nl_budget - "N PERIOD": @limit per @period seconds */
struct qpu_nl_budget {
	uint64_t limit;		/* QPU_UNLIMITED for "max" */
	uint64_t period;	/* seconds, 0 = lifetime */
};

/** struct qpu_nl_limits - what a TENANT_SET sets (only the fields in @set) */
struct qpu_nl_limits {
	unsigned int set;	/* QPU_NL_* */
	uint64_t qubits_max;
	uint64_t jobs_max;
	struct qpu_nl_budget shots;
	struct qpu_nl_budget qpu_time;	/* nanoseconds per period */
	uint32_t weight;
	uint32_t latency;	/* enum qpu_latency */
	uint32_t isolation;	/* enum qpu_isolation */
};

/**
 * struct qpu_nl_budget_state - one budget of a TENANT_GET reply
 * @have: bit (1 << QPU_A_BUDGET_x) for every attribute present; 0 if the
 *	reply had no such budget
 */
struct qpu_nl_budget_state {
	unsigned int have;
	uint64_t limit;
	uint64_t period;
	uint64_t used;
	uint64_t remaining;
	uint64_t reset_ns;
	uint64_t total;
};

/**
 * struct qpu_nl_tenant - a TENANT_GET reply (one record of a dump)
 * @have: bit (1 << QPU_A_TENANT_x) for every top-level attribute present
 * @events: by enum qpu_limit: QUBITS, JOBS, SHOTS, QPU_TIME are filled
 * @events_have: bit (1 << QPU_LIMIT_x) for every event counter present
 */
struct qpu_nl_tenant {
	uint64_t have;
	uint32_t dev_id;
	uint64_t cgroup_id;
	uint32_t level;
	bool configured;
	uint64_t qubits_max;
	uint64_t qubits_current;
	uint64_t jobs_max;
	uint64_t jobs_current;
	struct qpu_nl_budget_state shots;
	struct qpu_nl_budget_state qpu_time;
	uint32_t weight;
	uint32_t latency;
	uint32_t isolation;
	unsigned int events_have;
	uint64_t events[QPU_LIMIT_COUNT];
};

/**
 * struct qpu_nl_dev - a DEV_GET reply
 * @have: bit (1 << QPU_A_DEV_x) for every attribute present
 * @name, @topology: "" if not reported
 */
struct qpu_nl_dev {
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

/*
 * A socket bound to the family: NULL with errno set (ENOENT: the family
 * is not registered, i.e. qpu.ko is not loaded or too old).
 */
struct qpu_nl *qpu_nl_open(void);
void qpu_nl_close(struct qpu_nl *nl);

/* The message of the latest failed request ("" if none); see above. */
const char *qpu_nl_errmsg(const struct qpu_nl *nl);

/* TENANT_SET of @lim's fields on cgroup @cgroup_id of device @dev_id. */
int qpu_nl_tenant_set(struct qpu_nl *nl, uint32_t dev_id, uint64_t cgroup_id,
		      const struct qpu_nl_limits *lim);

/* TENANT_GET of one tenant; @cgroup_id 0 omits it (the caller's own). */
int qpu_nl_tenant_get(struct qpu_nl *nl, uint32_t dev_id, uint64_t cgroup_id,
		      struct qpu_nl_tenant *out);

/*
 * TENANT_GET dump of device @dev_id (or of every device if @dev_id is
 * %QPU_NL_ALL_DEVS): up to @cap records into @out (may be NULL). Return:
 * the number of records the kernel sent (may exceed @cap), or -errno.
 */
int qpu_nl_tenant_dump(struct qpu_nl *nl, uint32_t dev_id,
		       struct qpu_nl_tenant *out, int cap);

/*
 * The same dump into an array the call allocates (*@out, free() it;
 * NULL when there are none). Return: the number of records, or -errno.
 */
int qpu_nl_tenant_list(struct qpu_nl *nl, uint32_t dev_id,
		       struct qpu_nl_tenant **out);

/* TENANT_DEL of cgroup @cgroup_id on device @dev_id. */
int qpu_nl_tenant_del(struct qpu_nl *nl, uint32_t dev_id, uint64_t cgroup_id);

/* DEV_GET of device @dev_id. */
int qpu_nl_dev_get(struct qpu_nl *nl, uint32_t dev_id, struct qpu_nl_dev *out);

/* DEV_GET dump into an allocated array, as qpu_nl_tenant_list(). */
int qpu_nl_dev_list(struct qpu_nl *nl, struct qpu_nl_dev **out);

#endif /* QPU_NL_H */
