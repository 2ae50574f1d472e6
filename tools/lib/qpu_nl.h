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
 * Besides requests, a struct qpu_nl_sub is a second kind of socket: a
 * subscription to the "audit" (and "events") multicast groups, whose
 * messages are parsed into struct qpu_nl_audit records (qpu-auditd).
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
	uint64_t calib_epoch;
	uint8_t calib_hash[QPU_HASH_LEN];
	uint64_t audit_seq;	/* last audit sequence number used */
	uint64_t audit_lost;	/* records the kernel failed to send */
	uint64_t audit_overrun;	/* deliveries netlink reported failed */
	uint64_t audit_unheard;	/* records sent with no listener */
};

/* qpu_nl_calib_get()'s and qpu_nl_calib_read()'s @epoch: the current one. */
#define QPU_NL_CALIB_CURRENT	((uint64_t)-1)

/**
 * struct qpu_nl_calib - a CALIB_GET reply: one epoch of a device's
 *	calibration history
 * @have: bit (1 << QPU_A_CALIB_x) for every attribute present
 */
struct qpu_nl_calib {
	uint64_t have;
	uint32_t dev_id;
	uint64_t epoch;
	uint8_t hash[QPU_HASH_LEN];
	uint32_t size;
	uint64_t time;
	uint64_t oldest_epoch;
};

/* Bits of qpu_nl_subscribe()'s @groups. */
enum {
	QPU_NL_GRP_AUDIT	= 1u << 0,	/* QPU_MCGRP_AUDIT */
	QPU_NL_GRP_EVENTS	= 1u << 1,	/* QPU_MCGRP_EVENTS */
};

/* Most neighbouring qubits one crosstalk change names (kmod: QPU_XT_MAX_NBRS). */
#define QPU_NL_XT_NBRS		16

/**
 * struct qpu_nl_xt - one crosstalk change of a job (attribute set "xt")
 * @sweep, @shot, @exposed: as struct qpu_xt_seg
 * @nbrs, @num_nbrs: NEIGHBOURS, the running physical qubits next to it
 */
struct qpu_nl_xt {
	uint32_t sweep;
	uint32_t shot;
	uint64_t exposed;
	uint32_t nbrs[QPU_NL_XT_NBRS];
	uint32_t num_nbrs;
};

/* Longest string attribute of a record kept (a cgroup path: PATH_MAX). */
#define QPU_NL_AUDIT_STR	4096

/**
 * struct qpu_nl_audit - one message of the "audit" or "events" group
 *	(attribute set "audit"), checked against a strict policy: every
 *	attribute of its exact size, strings NUL-terminated, PHYS a whole
 *	number of u32 (at most %QPU_MAX_SIM_QUBITS), TENANT a valid "tenant"
 *	nest. Attributes unknown to this header (a newer kernel) are skipped.
 * @cmd: QPU_CMD_AUDIT_* or %QPU_CMD_EVENT_VERDICT
 * @have: bit (1ULL << QPU_A_AUDIT_x) for every attribute present
 * @num: the integer attributes by QPU_A_AUDIT_x, u32 and u64 as they are,
 *	STATUS (s32) sign-extended: read it as (int64_t)
 * @hash: CIRCUIT_HASH, PARAM_HASH, RESULT_HASH, CALIB_HASH, SOURCE_HASH
 *	by QPU_NL_H_x
 * @phys, @num_phys: PHYS
 * @cgroup_path, @policy, @limit_name: "" if absent
 * @tenant: TENANT, parsed as a TENANT_GET reply (@tenant.have 0 if absent)
 * @xt, @num_xt: every XT nest (a calibrated job's crosstalk), in order
 */
struct qpu_nl_audit {
	uint8_t cmd;
	uint64_t have;
	uint64_t num[QPU_A_AUDIT_MAX + 1];
	uint8_t hash[5][QPU_HASH_LEN];
	uint32_t phys[QPU_MAX_SIM_QUBITS];
	uint32_t num_phys;
	char cgroup_path[QPU_NL_AUDIT_STR];
	char policy[256];
	char limit_name[64];
	struct qpu_nl_tenant tenant;
	struct qpu_nl_xt xt[QPU_MAX_XT_SEGS];
	uint32_t num_xt;
};

/* Index of a hash attribute in qpu_nl_audit.hash. */
enum {
	QPU_NL_H_CIRCUIT, QPU_NL_H_PARAM, QPU_NL_H_RESULT, QPU_NL_H_CALIB,
	QPU_NL_H_SOURCE,
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

/*
 * CALIB_GET of epoch @epoch (%QPU_NL_CALIB_CURRENT: the current one) of
 * device @dev_id: -ENOENT if the device no longer keeps it (the extack
 * message names the oldest it keeps).
 */
int qpu_nl_calib_get(struct qpu_nl *nl, uint32_t dev_id, uint64_t epoch,
		     struct qpu_nl_calib *out);

/*
 * CALIB_GET dump: the content of epoch @epoch, its DATA chunks put
 * together by OFFSET into *@data (malloc()ed, free() it; *@len bytes),
 * and in @out the epoch and hash the replies named (have: EPOCH, HASH).
 * -EPROTO if the chunks overlap, leave a hole or name different epochs.
 * The caller checks the hash.
 */
int qpu_nl_calib_read(struct qpu_nl *nl, uint32_t dev_id, uint64_t epoch,
		      struct qpu_nl_calib *out, uint8_t **data, size_t *len);

struct qpu_nl_sub;
struct nlmsghdr;

/*
 * A non-blocking socket joined to @groups (QPU_NL_GRP_*), and to nlctrl's
 * "notify" group to join them again when the family comes back, with
 * NETLINK_BROADCAST_ERROR set (the kernel counts deliveries that failed to
 * it). @rcvbuf > 0: its receive buffer, with SO_RCVBUFFORCE if permitted,
 * else as large as net.core.rmem_max allows. NULL with errno set: ENOENT
 * the family or a group is not registered, EPERM joining needs
 * CAP_SYS_ADMIN.
 */
struct qpu_nl_sub *qpu_nl_subscribe(unsigned int groups, int rcvbuf);
void qpu_nl_sub_close(struct qpu_nl_sub *sub);
/* Its descriptor, to poll() for input. */
int qpu_nl_sub_fd(const struct qpu_nl_sub *sub);
/* Messages of the family that failed qpu_nl_audit_parse() so far. */
uint64_t qpu_nl_sub_malformed(const struct qpu_nl_sub *sub);
/*
 * Bumped each time the family was registered again (qpu.ko reloaded:
 * the subscription joins its groups again by itself, but a struct
 * qpu_nl opened before names the old family id: open a new one).
 * qpu_nl_sub_recv() returns right after the notification that bumps it,
 * before any record of the new family.
 */
unsigned int qpu_nl_sub_generation(const struct qpu_nl_sub *sub);

/* Messages qpu_nl_sub_recv() reads at most per call. */
#define QPU_NL_SUB_BATCH	1024

/*
 * Read the messages waiting on @sub, up to %QPU_NL_SUB_BATCH of them (so
 * a caller under a steady stream still gets to its signals and timers;
 * poll() again), and call @fn on each record (a nonzero return stops the
 * reading and is returned). Return: the number of records, -ENOBUFS if
 * the socket overran (messages were dropped: the caller finds them by
 * sequence and goes on), or -errno.
 */
int qpu_nl_sub_recv(struct qpu_nl_sub *sub,
		    int (*fn)(const struct qpu_nl_audit *rec, void *arg),
		    void *arg);

/*
 * A message of the family (@nlh, from the "audit" or "events" group)
 * into @out. -EPROTO: not an audit command, or malformed (an attribute of
 * the wrong size, an unterminated string, a missing DEV_ID, or SEQ, LOST
 * or TIME of an audit record); -EOPNOTSUPP: a command this header does not
 * know (a newer kernel's).
 */
int qpu_nl_audit_parse(const struct nlmsghdr *nlh, struct qpu_nl_audit *out);

#endif /* QPU_NL_H */
