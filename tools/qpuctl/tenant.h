/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tenant.h - a tenant as the "qpu" family reports it (tenant.c,
 * tenant_out.c).
 */
#ifndef QPUCTL_TENANT_H
#define QPUCTL_TENANT_H

#include "qpuctl.h"

struct nla_policy;

/** struct qpuctl_tenant_budget - attribute set "budget"; @have: 1 << attr */
struct qpuctl_tenant_budget {
	unsigned int have;
	uint64_t limit, period, used, remaining, reset_ns, total;
};

/** struct qpuctl_tenant - one TENANT_GET reply; @have: 1 << QPU_A_TENANT_* */
struct qpuctl_tenant {
	unsigned int have;
	uint32_t dev_id, level;
	uint64_t cgroup_id;
	bool configured;
	uint64_t qubits_max, qubits_cur, jobs_max, jobs_cur;
	struct qpuctl_tenant_budget shots, qpu_time;
	uint32_t weight, latency, isolation;
	unsigned int events_have;
	uint64_t events[QPU_A_EVENTS_MAX + 1];
};

struct qpuctl_tenants {
	struct qpuctl_tenant *v;
	size_t n, cap;
};

extern const struct nla_policy qpuctl_tenant_policy[QPU_A_TENANT_MAX + 1];

int qpuctl_tenant_parse(struct nlattr **tb, struct qpuctl_tenant *t);
int qpuctl_tenant_dump(struct qpuctl_nl *nl, const uint32_t *dev_id,
		       struct qpuctl_tenants *ts);
void qpuctl_tenant_sort(struct qpuctl_cg *cg, struct qpuctl_tenants *ts);
void qpuctl_tenant_json(struct qpuctl_json *j, struct qpuctl_cg *cg,
			const struct qpuctl_tenant *t);
void qpuctl_tenant_table(FILE *f, struct qpuctl_cg *cg,
			 const struct qpuctl_tenant *t, size_t n);
void qpuctl_tenant_text(FILE *f, struct qpuctl_cg *cg,
			const struct qpuctl_tenant *t);

#endif /* QPUCTL_TENANT_H */
