// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - "qpuctl status": every device (DEV_GET dump) and every
 * tenant the caller may see (TENANT_GET dump) on one screen, or one JSON
 * object {"devices": [...], "tenants": [...]} (a device's calibration
 * and audit counters in JSON only). With -d, one device. The
 * records are tools/lib/qpu_nl.c's; this file only formats them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "qpuctl.h"
#include "tenant.h"

/* The u32 attributes of a device, in table and JSON order. */
#define DEV_U32(a, f, json, head) \
	{ a, offsetof(struct qpu_nl_dev, f), json, head }
static const struct {
	int attr;
	size_t off;
	const char *json;
	const char *head;
} dev_u32[] = {
	DEV_U32(QPU_A_DEV_NUM_QUBITS, num_qubits, "qubits", "QUBITS"),
	DEV_U32(QPU_A_DEV_FREE_QUBITS, free_qubits, "free_qubits", "FREE"),
	DEV_U32(QPU_A_DEV_WORKERS, workers, "workers", "WORKERS"),
	DEV_U32(QPU_A_DEV_JOBS_QUEUED, jobs_queued, "jobs_queued", "QUEUED"),
	DEV_U32(QPU_A_DEV_JOBS_RUNNING, jobs_running, "jobs_running",
		"RUNNING"),
	DEV_U32(QPU_A_DEV_TENANTS, tenants, "tenants", "TENANTS"),
};
#define NR_DEV_U32 (sizeof(dev_u32) / sizeof(dev_u32[0]))

#define DEV_HAVE(d, a)	((d)->have & (1ULL << (a)))

static uint32_t dev_u32_get(const struct qpu_nl_dev *d, size_t k)
{
	return *(const uint32_t *)((const char *)d + dev_u32[k].off);
}

/* The name the kernel gave, or "qpuN". */
static const char *dev_name(const struct qpu_nl_dev *d, char *buf, size_t len)
{
	if (d->name[0])
		return d->name;
	snprintf(buf, len, "qpu%u", d->id);
	return buf;
}

static int dev_cmp(const void *a, const void *b)
{
	const struct qpu_nl_dev *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Calibration epoch and hash, and the audit counters (Documentation/qpu/audit.rst). */
static void dev_audit_json(struct qpuctl_json *j, const struct qpu_nl_dev *d)
{
	const struct {
		int attr;
		const char *json;
		uint64_t v;
	} ctr[] = {
		{ QPU_A_DEV_AUDIT_SEQ, "seq", d->audit_seq },
		{ QPU_A_DEV_AUDIT_LOST, "lost", d->audit_lost },
		{ QPU_A_DEV_AUDIT_OVERRUN, "overrun", d->audit_overrun },
		{ QPU_A_DEV_AUDIT_UNHEARD, "unheard", d->audit_unheard },
	};
	bool open = false;
	size_t i;

	if (DEV_HAVE(d, QPU_A_DEV_CALIB_EPOCH)) {
		qj_key(j, "calib_epoch");
		qj_u64(j, d->calib_epoch);
	}
	if (DEV_HAVE(d, QPU_A_DEV_CALIB_HASH)) {
		qj_key(j, "calib_hash");
		qj_hex(j, d->calib_hash, QPU_HASH_LEN);
	}
	for (i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++) {
		if (!DEV_HAVE(d, ctr[i].attr))
			continue;
		if (!open) {
			qj_key(j, "audit");
			qj_obj_open(j);
			open = true;
		}
		qj_key(j, ctr[i].json);
		qj_u64(j, ctr[i].v);
	}
	if (open)
		qj_obj_close(j);
}

static void dev_json(struct qpuctl_json *j, const struct qpu_nl_dev *d)
{
	char name[32];
	size_t i;

	qj_obj_open(j);
	qj_key(j, "name");
	qj_str(j, dev_name(d, name, sizeof(name)));
	qj_key(j, "dev_id");
	qj_u64(j, d->id);
	if (d->topology[0]) {
		qj_key(j, "topology");
		qj_str(j, d->topology);
	}
	for (i = 0; i < NR_DEV_U32; i++) {
		if (DEV_HAVE(d, dev_u32[i].attr)) {
			qj_key(j, dev_u32[i].json);
			qj_u64(j, dev_u32_get(d, i));
		}
	}
	dev_audit_json(j, d);
	qj_obj_close(j);
}

static void dev_table(FILE *f, const struct qpu_nl_dev *d, size_t n)
{
	char name[32];
	size_t i, k;

	fprintf(f, "%-7s %-14s", "DEVICE", "TOPOLOGY");
	for (k = 0; k < NR_DEV_U32; k++)
		fprintf(f, " %7s", dev_u32[k].head);
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%-7s %-14s", dev_name(&d[i], name, sizeof(name)),
			d[i].topology[0] ? d[i].topology : "-");
		for (k = 0; k < NR_DEV_U32; k++) {
			if (DEV_HAVE(&d[i], dev_u32[k].attr))
				fprintf(f, " %7u", dev_u32_get(&d[i], k));
			else
				fprintf(f, " %7s", "-");
		}
		fputc('\n', f);
	}
}

int qpuctl_status(const struct qpuctl_opts *o, int argc, char **argv)
{
	struct qpu_nl_tenant *ts = NULL;
	struct qpu_nl_dev *ds = NULL;
	uint32_t dev_id = QPU_NL_ALL_DEVS;
	int nd = 0, nt = 0, i, ret = 0;
	struct qpuctl_json j;
	struct qpuctl_cg cg;
	struct qpu_nl *nl;
	char err[256];

	(void)argv;
	if (argc) {
		fprintf(stderr, "qpuctl: status takes no arguments\n");
		return QPUCTL_EXIT_USAGE;
	}
	if (o->device && qpuctl_parse_device(o->device, &dev_id, err,
					     sizeof(err))) {
		fprintf(stderr, "qpuctl: %s\n", err);
		return QPUCTL_EXIT_USAGE;
	}
	nl = qpuctl_nl_open();
	if (!nl)
		return QPUCTL_EXIT_FAIL;
	qpuctl_cg_init(&cg, NULL, 0);	/* without it, ids print as ids */
	if (o->device) {
		ds = malloc(sizeof(*ds));
		ret = ds ? qpu_nl_dev_get(nl, dev_id, ds) : -ENOMEM;
		nd = 1;
	} else {
		nd = qpu_nl_dev_list(nl, &ds);
		ret = nd < 0 ? nd : 0;
	}
	if (ret) {
		qpuctl_nl_perror(nl, "status: devices", ret);
		goto out;
	}
	nt = qpu_nl_tenant_list(nl, dev_id, &ts);
	if (nt < 0) {
		ret = nt;
		qpuctl_nl_perror(nl, "status: tenants", ret);
		goto out;
	}
	if (nd > 1)
		qsort(ds, nd, sizeof(*ds), dev_cmp);
	qpuctl_tenant_sort(&cg, ts, nt);
	if (o->json) {
		qj_init(&j, stdout);
		qj_obj_open(&j);
		qj_key(&j, "devices");
		qj_arr_open(&j);
		for (i = 0; i < nd; i++)
			dev_json(&j, &ds[i]);
		qj_arr_close(&j);
		qj_key(&j, "tenants");
		qj_arr_open(&j);
		for (i = 0; i < nt; i++)
			qpuctl_tenant_json(&j, &cg, &ts[i]);
		qj_arr_close(&j);
		qj_obj_close(&j);
		qj_end(&j);
	} else {
		dev_table(stdout, ds, nd);
		if (nt) {
			fputc('\n', stdout);
			qpuctl_tenant_table(stdout, &cg, ts, nt);
		} else {
			printf("\nno tenant state%s\n", o->device ?
			       " on this device" : "");
		}
	}
out:
	qpu_nl_close(nl);
	qpuctl_cg_fini(&cg);
	free(ds);
	free(ts);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}
