// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_tenant_stub.c - TEMPORARY stand-in for qpu_tenant.c, so that the
 * netlink family (qpu_netlink.c) builds and runs before the tenant core
 * lands. It keeps no state: every cgroup reads as unconfigured with the
 * defaults, TENANT_SET is accepted and forgotten, nothing is ever found to
 * delete or dump. Drop this file (and its Kbuild line) when qpu_tenant.c
 * is merged.
 */
#include <linux/cgroup.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "qpu_tenant.h"

static void qpu_tenant_stub_budget(struct qpu_budget_info *b)
{
	memset(b, 0, sizeof(*b));
	b->limit = QPU_UNLIMITED;
	b->remaining = QPU_UNLIMITED;
}

int qpu_tenant_get(struct qpu_tenants *ts, struct cgroup *cgrp,
		   struct qpu_tenant_info *out)
{
	memset(out, 0, sizeof(*out));
	out->cgroup_id = cgroup_id(cgrp);
	out->level = cgrp->level;
	out->qubits_max = QPU_UNLIMITED;
	out->jobs_max = QPU_UNLIMITED;
	qpu_tenant_stub_budget(&out->shots);
	qpu_tenant_stub_budget(&out->qpu_time);
	out->weight = QPU_WEIGHT_DEFAULT;
	out->latency = QPU_LATENCY_BATCH;
	out->isolation = QPU_ISOLATION_SHARED;
	return 0;
}

int qpu_tenant_get_next(struct qpu_tenants *ts, u64 after_id,
			struct qpu_tenant_info *out)
{
	return -ENOENT;
}

int qpu_tenant_set(struct qpu_tenants *ts, struct cgroup *cgrp,
		   const struct qpu_tenant_config *cfg)
{
	return 0;
}

int qpu_tenant_del(struct qpu_tenants *ts, struct cgroup *cgrp)
{
	return -ENOENT;
}

u32 qpu_tenant_count(struct qpu_tenants *ts)
{
	return 0;
}
