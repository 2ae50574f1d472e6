// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - "qpuctl status": every device (DEV_GET dump) and every
 * tenant the caller may see (TENANT_GET dump) on one screen, or one JSON
 * object {"devices": [...], "tenants": [...]}. With -d, one device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>

#include "qpuctl.h"
#include "tenant.h"

static struct nla_policy dev_policy[QPU_A_DEV_MAX + 1] = {
	[QPU_A_DEV_ID]			= { .type = NLA_U32 },
	[QPU_A_DEV_NAME]		= { .type = NLA_STRING },
	[QPU_A_DEV_TOPOLOGY]		= { .type = NLA_STRING },
	[QPU_A_DEV_NUM_QUBITS]		= { .type = NLA_U32 },
	[QPU_A_DEV_FREE_QUBITS]		= { .type = NLA_U32 },
	[QPU_A_DEV_WORKERS]		= { .type = NLA_U32 },
	[QPU_A_DEV_JOBS_QUEUED]		= { .type = NLA_U32 },
	[QPU_A_DEV_JOBS_RUNNING]	= { .type = NLA_U32 },
	[QPU_A_DEV_TENANTS]		= { .type = NLA_U32 },
};

/* The u32 attributes of a device, in table and JSON order. */
static const struct {
	int attr;
	const char *json;
	const char *head;
} dev_u32[] = {
	{ QPU_A_DEV_NUM_QUBITS,		"qubits",	"QUBITS" },
	{ QPU_A_DEV_FREE_QUBITS,	"free_qubits",	"FREE" },
	{ QPU_A_DEV_WORKERS,		"workers",	"WORKERS" },
	{ QPU_A_DEV_JOBS_QUEUED,	"jobs_queued",	"QUEUED" },
	{ QPU_A_DEV_JOBS_RUNNING,	"jobs_running",	"RUNNING" },
	{ QPU_A_DEV_TENANTS,		"tenants",	"TENANTS" },
};
#define NR_DEV_U32 (sizeof(dev_u32) / sizeof(dev_u32[0]))

struct dev {
	uint32_t id;
	char name[32];
	char topology[64];
	unsigned int have;	/* 1 << QPU_A_DEV_* */
	uint32_t v[NR_DEV_U32];
};

struct devs {
	struct dev *v;
	size_t n, cap;
};

static int collect_dev(struct nlattr **tb, void *arg)
{
	struct devs *ds = arg;
	struct dev *d;
	size_t i;

	if (!tb[QPU_A_DEV_ID])
		return -EPROTO;
	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? 2 * ds->cap : 8;

		d = realloc(ds->v, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		ds->v = d;
		ds->cap = cap;
	}
	d = &ds->v[ds->n++];
	memset(d, 0, sizeof(*d));
	d->id = nla_get_u32(tb[QPU_A_DEV_ID]);
	snprintf(d->name, sizeof(d->name), "qpu%u", d->id);
	if (tb[QPU_A_DEV_NAME])
		snprintf(d->name, sizeof(d->name), "%s",
			 nla_get_string(tb[QPU_A_DEV_NAME]));
	if (tb[QPU_A_DEV_TOPOLOGY])
		snprintf(d->topology, sizeof(d->topology), "%s",
			 nla_get_string(tb[QPU_A_DEV_TOPOLOGY]));
	for (i = 0; i < NR_DEV_U32; i++) {
		if (tb[dev_u32[i].attr]) {
			d->v[i] = nla_get_u32(tb[dev_u32[i].attr]);
			d->have |= 1u << dev_u32[i].attr;
		}
	}
	return 0;
}

static int fill_dev(struct nl_msg *msg, void *arg)
{
	const uint32_t *id = arg;

	return id && nla_put_u32(msg, QPU_A_DEV_ID, *id) ? -EMSGSIZE : 0;
}

static int dev_cmp(const void *a, const void *b)
{
	const struct dev *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void dev_json(struct qpuctl_json *j, const struct dev *d)
{
	size_t i;

	qj_obj_open(j);
	qj_key(j, "name");
	qj_str(j, d->name);
	qj_key(j, "dev_id");
	qj_u64(j, d->id);
	if (d->topology[0]) {
		qj_key(j, "topology");
		qj_str(j, d->topology);
	}
	for (i = 0; i < NR_DEV_U32; i++) {
		if (d->have & (1u << dev_u32[i].attr)) {
			qj_key(j, dev_u32[i].json);
			qj_u64(j, d->v[i]);
		}
	}
	qj_obj_close(j);
}

static void dev_table(FILE *f, const struct devs *ds)
{
	size_t i, k;

	fprintf(f, "%-7s %-14s", "DEVICE", "TOPOLOGY");
	for (k = 0; k < NR_DEV_U32; k++)
		fprintf(f, " %7s", dev_u32[k].head);
	fputc('\n', f);
	for (i = 0; i < ds->n; i++) {
		fprintf(f, "%-7s %-14s", ds->v[i].name,
			ds->v[i].topology[0] ? ds->v[i].topology : "-");
		for (k = 0; k < NR_DEV_U32; k++) {
			if (ds->v[i].have & (1u << dev_u32[k].attr))
				fprintf(f, " %7u", ds->v[i].v[k]);
			else
				fprintf(f, " %7s", "-");
		}
		fputc('\n', f);
	}
}

int qpuctl_status(const struct qpuctl_opts *o, int argc, char **argv)
{
	struct qpuctl_tenants ts = { 0 };
	struct devs ds = { 0 };
	struct qpuctl_json j;
	struct qpuctl_cg cg;
	struct qpuctl_nl nl;
	uint32_t dev_id;
	char err[256];
	size_t i;
	int ret;

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
	ret = qpuctl_nl_open(&nl);
	if (ret) {
		qpuctl_nl_perror(&nl, "netlink", ret);
		return QPUCTL_EXIT_FAIL;
	}
	qpuctl_cg_init(&cg, NULL, 0);	/* without it, ids print as ids */
	ret = qpuctl_nl_request(&nl, QPU_CMD_DEV_GET, !o->device, fill_dev,
				o->device ? &dev_id : NULL, QPU_A_DEV_MAX,
				dev_policy, collect_dev, &ds);
	if (ret) {
		qpuctl_nl_perror(&nl, "status: devices", ret);
		goto out;
	}
	ret = qpuctl_tenant_dump(&nl, o->device ? &dev_id : NULL, &ts);
	if (ret) {
		qpuctl_nl_perror(&nl, "status: tenants", ret);
		goto out;
	}
	if (ds.n > 1)
		qsort(ds.v, ds.n, sizeof(*ds.v), dev_cmp);
	qpuctl_tenant_sort(&cg, &ts);
	if (o->json) {
		qj_init(&j, stdout);
		qj_obj_open(&j);
		qj_key(&j, "devices");
		qj_arr_open(&j);
		for (i = 0; i < ds.n; i++)
			dev_json(&j, &ds.v[i]);
		qj_arr_close(&j);
		qj_key(&j, "tenants");
		qj_arr_open(&j);
		for (i = 0; i < ts.n; i++)
			qpuctl_tenant_json(&j, &cg, &ts.v[i]);
		qj_arr_close(&j);
		qj_obj_close(&j);
		qj_end(&j);
	} else {
		dev_table(stdout, &ds);
		if (ts.n) {
			fputc('\n', stdout);
			qpuctl_tenant_table(stdout, &cg, ts.v, ts.n);
		} else {
			printf("\nno tenant state%s\n", o->device ?
			       " on this device" : "");
		}
	}
out:
	qpuctl_nl_close(&nl);
	qpuctl_cg_fini(&cg);
	free(ds.v);
	free(ts.v);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}
