// SPDX-License-Identifier: GPL-2.0
/*
 * tenant.c - "qpuctl tenant set|show|list|del": the requests to the
 * "qpu" generic netlink family (a CGROUP argument resolved to its id
 * first, settings parsed before anything is sent), and the dump of every
 * tenant that "qpuctl status" shares. Output is tenant_out.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "qpuctl.h"
#include "tenant.h"

/* ---- requests -------------------------------------------------------- */

struct tenant_key {
	uint32_t dev_id;
	bool has_dev;
	uint64_t cgroup_id;
	bool has_cgroup;
	const struct qpuctl_settings *st;
};

static int put_budget(struct nl_msg *msg, int attr,
		      const struct qpuctl_budget *b)
{
	struct nlattr *nest = nla_nest_start(msg, attr);

	if (!nest || nla_put_u64(msg, QPU_A_BUDGET_LIMIT, b->limit) ||
	    nla_put_u64(msg, QPU_A_BUDGET_PERIOD, b->period))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int fill_tenant(struct nl_msg *msg, void *arg)
{
	const struct tenant_key *k = arg;
	const struct qpuctl_settings *st = k->st;

	if (k->has_dev && nla_put_u32(msg, QPU_A_TENANT_DEV_ID, k->dev_id))
		return -EMSGSIZE;
	if (k->has_cgroup &&
	    nla_put_u64(msg, QPU_A_TENANT_CGROUP_ID, k->cgroup_id))
		return -EMSGSIZE;
	if (!st)
		return 0;
	if ((st->set & QS_QUBITS_MAX) &&
	    nla_put_u64(msg, QPU_A_TENANT_QUBITS_MAX, st->qubits_max))
		return -EMSGSIZE;
	if ((st->set & QS_JOBS_MAX) &&
	    nla_put_u64(msg, QPU_A_TENANT_JOBS_MAX, st->jobs_max))
		return -EMSGSIZE;
	if ((st->set & QS_SHOTS) &&
	    put_budget(msg, QPU_A_TENANT_SHOTS, &st->shots))
		return -EMSGSIZE;
	if ((st->set & QS_QPU_TIME) &&
	    put_budget(msg, QPU_A_TENANT_QPU_TIME, &st->qpu_time))
		return -EMSGSIZE;
	if ((st->set & QS_WEIGHT) &&
	    nla_put_u32(msg, QPU_A_TENANT_WEIGHT, st->weight))
		return -EMSGSIZE;
	if ((st->set & QS_LATENCY) &&
	    nla_put_u32(msg, QPU_A_TENANT_LATENCY, st->latency))
		return -EMSGSIZE;
	if ((st->set & QS_ISOLATION) &&
	    nla_put_u32(msg, QPU_A_TENANT_ISOLATION, st->isolation))
		return -EMSGSIZE;
	return 0;
}

static int collect(struct nlattr **tb, void *arg)
{
	struct qpuctl_tenants *ts = arg;
	struct qpuctl_tenant *t;

	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 16;

		t = realloc(ts->v, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		ts->v = t;
		ts->cap = cap;
	}
	if (qpuctl_tenant_parse(tb, &ts->v[ts->n]))
		return -EPROTO;
	ts->n++;
	return 0;
}

int qpuctl_tenant_dump(struct qpuctl_nl *nl, const uint32_t *dev_id,
		       struct qpuctl_tenants *ts)
{
	struct tenant_key k = { .has_dev = dev_id != NULL };

	if (dev_id)
		k.dev_id = *dev_id;
	return qpuctl_nl_request(nl, QPU_CMD_TENANT_GET, true, fill_tenant,
				 &k, QPU_A_TENANT_MAX, qpuctl_tenant_policy,
				 collect, ts);
}

static struct qpuctl_cg *sort_cg;

static int tenant_cmp(const void *a, const void *b)
{
	const struct qpuctl_tenant *x = a, *y = b;
	char px[4096], py[4096];

	if (x->dev_id != y->dev_id)
		return x->dev_id < y->dev_id ? -1 : 1;
	return strcmp(qpuctl_cg_path(sort_cg, x->cgroup_id, px, sizeof(px)),
		      qpuctl_cg_path(sort_cg, y->cgroup_id, py, sizeof(py)));
}

/* By device, then by path: parents before children. */
void qpuctl_tenant_sort(struct qpuctl_cg *cg, struct qpuctl_tenants *ts)
{
	sort_cg = cg;
	if (ts->n > 1)
		qsort(ts->v, ts->n, sizeof(*ts->v), tenant_cmp);
	sort_cg = NULL;
}

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "qpuctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see qpuctl -h)\n");
	return QPUCTL_EXIT_USAGE;
}

static int open_nl(struct qpuctl_nl *nl)
{
	int ret = qpuctl_nl_open(nl);

	if (ret) {
		qpuctl_nl_perror(nl, "netlink", ret);
		return QPUCTL_EXIT_FAIL;
	}
	return 0;
}

/*
 * The cgroup hierarchy; without a cgroup2 mount, names cannot be
 * resolved but ids still print (as cgroup:ID).
 */
static int open_cg(struct qpuctl_cg *cg, bool need)
{
	int ret = qpuctl_cg_init(cg, NULL, 0);

	if (ret && need) {
		fprintf(stderr, "qpuctl: no cgroup2 file system found in "
			"/proc/self/mountinfo: %s\n", strerror(-ret));
		return QPUCTL_EXIT_FAIL;
	}
	return 0;
}

static int tenant_set(const struct qpuctl_opts *o, uint32_t dev_id,
		      int argc, char **argv)
{
	struct qpuctl_settings st = { 0 };
	struct tenant_key k = { .dev_id = dev_id, .has_dev = true,
				.has_cgroup = true, .st = &st };
	struct qpuctl_cg cg;
	struct qpuctl_nl nl;
	char err[512];
	int i, ret;

	(void)o;
	if (argc < 2)
		return usage_err("%s", "tenant set needs CGROUP and at least "
				 "one KEY=VALUE");
	for (i = 1; i < argc; i++) {
		if (qpuctl_parse_setting(&st, argv[i], err, sizeof(err)))
			return usage_err("tenant set: %s", err);
	}
	if (open_cg(&cg, true))
		return QPUCTL_EXIT_FAIL;
	ret = qpuctl_cg_resolve(&cg, argv[0], &k.cgroup_id, err, sizeof(err));
	qpuctl_cg_fini(&cg);
	if (ret) {
		fprintf(stderr, "qpuctl: %s\n", err);
		return QPUCTL_EXIT_FAIL;
	}
	if (open_nl(&nl))
		return QPUCTL_EXIT_FAIL;
	ret = qpuctl_nl_request(&nl, QPU_CMD_TENANT_SET, false, fill_tenant,
				&k, QPU_A_TENANT_MAX, qpuctl_tenant_policy,
				NULL, NULL);
	if (ret)
		qpuctl_nl_perror(&nl, "tenant set", ret);
	qpuctl_nl_close(&nl);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}

static int tenant_del(uint32_t dev_id, int argc, char **argv)
{
	struct tenant_key k = { .dev_id = dev_id, .has_dev = true,
				.has_cgroup = true };
	struct qpuctl_cg cg;
	struct qpuctl_nl nl;
	char err[512];
	int ret;

	if (argc != 1)
		return usage_err("%s", "tenant del needs exactly one CGROUP");
	if (open_cg(&cg, true))
		return QPUCTL_EXIT_FAIL;
	ret = qpuctl_cg_resolve(&cg, argv[0], &k.cgroup_id, err, sizeof(err));
	qpuctl_cg_fini(&cg);
	if (ret) {
		fprintf(stderr, "qpuctl: %s\n", err);
		return QPUCTL_EXIT_FAIL;
	}
	if (open_nl(&nl))
		return QPUCTL_EXIT_FAIL;
	ret = qpuctl_nl_request(&nl, QPU_CMD_TENANT_DEL, false, fill_tenant,
				&k, QPU_A_TENANT_MAX, qpuctl_tenant_policy,
				NULL, NULL);
	if (ret == -ENOENT && !nl.errmsg[0])
		fprintf(stderr, "qpuctl: tenant del: qpu%u has no limits set "
			"for %s\n", dev_id, argv[0]);
	else if (ret)
		qpuctl_nl_perror(&nl, "tenant del", ret);
	qpuctl_nl_close(&nl);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}

static int tenant_show(const struct qpuctl_opts *o, uint32_t dev_id,
		       int argc, char **argv)
{
	struct tenant_key k = { .dev_id = dev_id, .has_dev = true };
	struct qpuctl_tenants ts = { 0 };
	struct qpuctl_json j;
	struct qpuctl_cg cg;
	struct qpuctl_nl nl;
	char err[512] = "";
	int ret;

	if (argc > 1)
		return usage_err("%s", "tenant show takes at most one CGROUP");
	if (open_cg(&cg, argc == 1))
		return QPUCTL_EXIT_FAIL;
	if (argc == 1) {
		ret = qpuctl_cg_resolve(&cg, argv[0], &k.cgroup_id, err,
					sizeof(err));
		if (ret) {
			fprintf(stderr, "qpuctl: %s\n", err);
			qpuctl_cg_fini(&cg);
			return QPUCTL_EXIT_FAIL;
		}
		k.has_cgroup = true;
	} else {
		/* Our own; if it cannot be named here, the kernel knows it. */
		k.has_cgroup = !qpuctl_cg_self(&cg, "/proc/self/cgroup",
					       &k.cgroup_id, err, sizeof(err));
	}
	ret = open_nl(&nl);
	if (ret) {
		qpuctl_cg_fini(&cg);
		return ret;
	}
	ret = qpuctl_nl_request(&nl, QPU_CMD_TENANT_GET, false, fill_tenant,
				&k, QPU_A_TENANT_MAX, qpuctl_tenant_policy,
				collect, &ts);
	if (!ret && ts.n != 1) {
		snprintf(nl.errmsg, sizeof(nl.errmsg), "%zu replies to one "
			 "TENANT_GET", ts.n);
		ret = -EPROTO;
	}
	if (ret) {
		qpuctl_nl_perror(&nl, "tenant show", ret);
	} else if (o->json) {
		qj_init(&j, stdout);
		qpuctl_tenant_json(&j, &cg, &ts.v[0]);
		qj_end(&j);
	} else {
		if (!(ts.v[0].have & (1u << QPU_A_TENANT_DEV_ID)))
			ts.v[0].dev_id = dev_id;
		qpuctl_tenant_text(stdout, &cg, &ts.v[0]);
	}
	qpuctl_nl_close(&nl);
	qpuctl_cg_fini(&cg);
	free(ts.v);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}

static int tenant_list(const struct qpuctl_opts *o, const uint32_t *dev_id,
		       int argc)
{
	struct qpuctl_tenants ts = { 0 };
	struct qpuctl_json j;
	struct qpuctl_cg cg;
	struct qpuctl_nl nl;
	size_t i;
	int ret;

	if (argc)
		return usage_err("%s", "tenant list takes no arguments");
	open_cg(&cg, false);
	ret = open_nl(&nl);
	if (ret)
		return ret;
	ret = qpuctl_tenant_dump(&nl, dev_id, &ts);
	if (ret) {
		qpuctl_nl_perror(&nl, "tenant list", ret);
	} else {
		qpuctl_tenant_sort(&cg, &ts);
		if (o->json) {
			qj_init(&j, stdout);
			qj_arr_open(&j);
			for (i = 0; i < ts.n; i++)
				qpuctl_tenant_json(&j, &cg, &ts.v[i]);
			qj_arr_close(&j);
			qj_end(&j);
		} else {
			qpuctl_tenant_table(stdout, &cg, ts.v, ts.n);
		}
	}
	qpuctl_nl_close(&nl);
	qpuctl_cg_fini(&cg);
	free(ts.v);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}

int qpuctl_tenant(const struct qpuctl_opts *o, int argc, char **argv)
{
	uint32_t dev_id = 0;
	char err[256];

	if (o->device && qpuctl_parse_device(o->device, &dev_id, err,
					     sizeof(err)))
		return usage_err("%s", err);
	if (argc < 1)
		return usage_err("%s", "tenant needs set, show, list or del");
	if (!strcmp(argv[0], "set"))
		return tenant_set(o, dev_id, argc - 1, argv + 1);
	if (!strcmp(argv[0], "show"))
		return tenant_show(o, dev_id, argc - 1, argv + 1);
	if (!strcmp(argv[0], "list"))
		return tenant_list(o, o->device ? &dev_id : NULL, argc - 1);
	if (!strcmp(argv[0], "del"))
		return tenant_del(dev_id, argc - 1, argv + 1);
	return usage_err("unknown tenant command '%s'", argv[0]);
}
