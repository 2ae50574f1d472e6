/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tenant.h - tenant records (struct qpu_nl_tenant, from tools/lib/qpu_nl.c)
 * sorted (tenant.c) and written out (tenant_out.c).
 */
#ifndef QPUCTL_TENANT_H
#define QPUCTL_TENANT_H

#include "qpuctl.h"

void qpuctl_tenant_sort(struct qpuctl_cg *cg, struct qpu_nl_tenant *t,
			size_t n);
void qpuctl_tenant_json(struct qpuctl_json *j, struct qpuctl_cg *cg,
			const struct qpu_nl_tenant *t);
void qpuctl_tenant_table(FILE *f, struct qpuctl_cg *cg,
			 const struct qpu_nl_tenant *t, size_t n);
void qpuctl_tenant_text(FILE *f, struct qpuctl_cg *cg,
			const struct qpu_nl_tenant *t);

#endif /* QPUCTL_TENANT_H */
