/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_audit.h - audit records and monitor events (qpu_audit.c), sent on
 * the "qpu" generic netlink family's "audit" and "events" groups
 * (Documentation/qpu/audit.rst).
 *
 * Owns struct qpu_audit, one per device: the sequence numbers and loss
 * counters, under qpu_audit.lock. The callers below hand it what
 * happened; none of them may hold a spinlock (building a record
 * allocates and reads cgroup paths).
 */
#ifndef QPU_AUDIT_H
#define QPU_AUDIT_H

#include <linux/spinlock.h>
#include <linux/types.h>

struct cgroup;
struct qpu_allocation;
struct qpu_bpf_admit;
struct qpu_calib_snap;
struct qpu_circuit;
struct qpu_device;
struct qpu_exec;
struct qpu_provenance;

/**
 * struct qpu_audit - the audit stream of one device
 * @lock: protects every field, and orders records: a record's sequence
 *	number is taken and it is sent under @lock, so listeners receive
 *	them in sequence order
 * @seq: the last sequence number used (records start at 1)
 * @lost: records the kernel failed to build or send (allocation, size):
 *	each left a gap in the sequence
 * @overrun: deliveries netlink reported failed, to listeners that set
 *	NETLINK_BROADCAST_ERROR (their receive queue was full)
 * @unheard: records sent while nobody listened (not lost: nobody asked)
 */
struct qpu_audit {
	spinlock_t lock;
	u64 seq;
	u64 lost;
	u64 overrun;
	u64 unheard;
};

/**
 * struct qpu_audit_counters - a consistent copy of struct qpu_audit's
 *	counters, for DEV_GET
 */
struct qpu_audit_counters {
	u64 seq;
	u64 lost;
	u64 overrun;
	u64 unheard;
};

void qpu_audit_init(struct qpu_audit *au);
void qpu_audit_counters(struct qpu_audit *au, struct qpu_audit_counters *c);

void qpu_audit_load(struct qpu_device *qdev, const struct qpu_circuit *circ,
		    u32 handle, u32 alloc_handle, const struct qpu_allocation *a);
void qpu_audit_verdict(struct qpu_device *qdev, const struct qpu_bpf_admit *adm,
		       u32 origin, const char *policy, u32 action, u32 reason);
u64 qpu_audit_job(const struct qpu_exec *x, const struct qpu_provenance *p);
void qpu_audit_alloc(struct qpu_device *qdev, const struct qpu_allocation *a,
		     u32 handle);
void qpu_audit_free(struct qpu_device *qdev, const struct qpu_allocation *a,
		    u32 handle, u32 why);
void qpu_audit_calib(struct qpu_device *qdev, const struct qpu_calib_snap *s);
void qpu_audit_limit_tenant(struct qpu_device *qdev, struct cgroup *cgrp);
void qpu_audit_limit_tunable(struct qpu_device *qdev, const char *name,
			     u64 value);

#endif /* QPU_AUDIT_H */
