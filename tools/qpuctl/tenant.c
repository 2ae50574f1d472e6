// SPDX-License-Identifier: GPL-2.0
/*
 * tenant.c - "qpuctl tenant set|show|list|del": arguments checked (a
 * CGROUP argument resolved to its id, settings parsed) before anything
 * is sent, the requests made through tools/lib/qpu_nl.c, and the sort of
 * tenant records that "qpuctl status" shares. Output is tenant_out.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qpuctl.h"
#include "tenant.h"

static struct qpuctl_cg *sort_cg;

static int tenant_cmp(const void *a, const void *b)
{
	const struct qpu_nl_tenant *x = a, *y = b;
	char px[4096], py[4096];

	if (x->dev_id != y->dev_id)
		return x->dev_id < y->dev_id ? -1 : 1;
	return strcmp(qpuctl_cg_path(sort_cg, x->cgroup_id, px, sizeof(px)),
		      qpuctl_cg_path(sort_cg, y->cgroup_id, py, sizeof(py)));
}

/* By device, then by path: parents before children. */
void qpuctl_tenant_sort(struct qpuctl_cg *cg, struct qpu_nl_tenant *t,
			size_t n)
{
	sort_cg = cg;
	if (n > 1)
		qsort(t, n, sizeof(*t), tenant_cmp);
	sort_cg = NULL;
}

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "qpuctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see qpuctl -h)\n");
	return QPUCTL_EXIT_USAGE;
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

/* @arg resolved to a cgroup id in @cg; says why not on stderr. */
static int resolve_cg(const struct qpuctl_cg *cg, const char *arg,
		      uint64_t *id)
{
	char err[512];

	if (qpuctl_cg_resolve(cg, arg, id, err, sizeof(err))) {
		fprintf(stderr, "qpuctl: %s\n", err);
		return QPUCTL_EXIT_FAIL;
	}
	return 0;
}

/* A CGROUP argument of set and del: its id, from a hierarchy of its own. */
static int resolve_arg(const char *arg, uint64_t *id)
{
	struct qpuctl_cg cg;
	int ret;

	if (open_cg(&cg, true))
		return QPUCTL_EXIT_FAIL;
	ret = resolve_cg(&cg, arg, id);
	qpuctl_cg_fini(&cg);
	return ret;
}

static int tenant_set(uint32_t dev_id, int argc, char **argv)
{
	struct qpu_nl_limits st = { 0 };
	struct qpu_nl *nl;
	uint64_t cgroup_id;
	char err[512];
	int i, ret;

	if (argc < 2)
		return usage_err("%s", "tenant set needs CGROUP and at least "
				 "one KEY=VALUE");
	for (i = 1; i < argc; i++) {
		if (qpuctl_parse_setting(&st, argv[i], err, sizeof(err)))
			return usage_err("tenant set: %s", err);
	}
	if (resolve_arg(argv[0], &cgroup_id))
		return QPUCTL_EXIT_FAIL;
	nl = qpuctl_nl_open();
	if (!nl)
		return QPUCTL_EXIT_FAIL;
	ret = qpu_nl_tenant_set(nl, dev_id, cgroup_id, &st);
	if (ret)
		qpuctl_nl_perror(nl, "tenant set", ret);
	qpu_nl_close(nl);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}

static int tenant_del(uint32_t dev_id, int argc, char **argv)
{
	struct qpu_nl *nl;
	uint64_t cgroup_id;
	int ret;

	if (argc != 1)
		return usage_err("%s", "tenant del needs exactly one CGROUP");
	if (resolve_arg(argv[0], &cgroup_id))
		return QPUCTL_EXIT_FAIL;
	nl = qpuctl_nl_open();
	if (!nl)
		return QPUCTL_EXIT_FAIL;
	ret = qpu_nl_tenant_del(nl, dev_id, cgroup_id);
	if (ret == -ENOENT && !qpu_nl_errmsg(nl)[0])
		fprintf(stderr, "qpuctl: tenant del: qpu%u has no limits set "
			"for %s\n", dev_id, argv[0]);
	else if (ret)
		qpuctl_nl_perror(nl, "tenant del", ret);
	qpu_nl_close(nl);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}

static int tenant_show(const struct qpuctl_opts *o, uint32_t dev_id,
		       int argc, char **argv)
{
	struct qpu_nl_tenant t;
	struct qpuctl_json j;
	struct qpuctl_cg cg;
	struct qpu_nl *nl;
	uint64_t cgroup_id = 0;
	char err[512] = "";
	int ret;

	if (argc > 1)
		return usage_err("%s", "tenant show takes at most one CGROUP");
	if (open_cg(&cg, argc == 1))
		return QPUCTL_EXIT_FAIL;
	if (argc == 1) {
		if (resolve_cg(&cg, argv[0], &cgroup_id)) {
			qpuctl_cg_fini(&cg);
			return QPUCTL_EXIT_FAIL;
		}
	} else if (qpuctl_cg_self(&cg, "/proc/self/cgroup", &cgroup_id, err,
				  sizeof(err))) {
		/* Our own; if it cannot be named here, the kernel knows it. */
		cgroup_id = 0;
	}
	nl = qpuctl_nl_open();
	if (!nl) {
		qpuctl_cg_fini(&cg);
		return QPUCTL_EXIT_FAIL;
	}
	ret = qpu_nl_tenant_get(nl, dev_id, cgroup_id, &t);
	if (ret) {
		qpuctl_nl_perror(nl, "tenant show", ret);
	} else if (o->json) {
		qj_init(&j, stdout);
		qpuctl_tenant_json(&j, &cg, &t);
		qj_end(&j);
	} else {
		if (!(t.have & (1ULL << QPU_A_TENANT_DEV_ID)))
			t.dev_id = dev_id;
		qpuctl_tenant_text(stdout, &cg, &t);
	}
	qpu_nl_close(nl);
	qpuctl_cg_fini(&cg);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}

static int tenant_list(const struct qpuctl_opts *o, uint32_t dev_id, int argc)
{
	struct qpu_nl_tenant *t = NULL;
	struct qpuctl_json j;
	struct qpuctl_cg cg;
	struct qpu_nl *nl;
	int i, n;

	if (argc)
		return usage_err("%s", "tenant list takes no arguments");
	open_cg(&cg, false);
	nl = qpuctl_nl_open();
	if (!nl) {
		qpuctl_cg_fini(&cg);
		return QPUCTL_EXIT_FAIL;
	}
	n = qpu_nl_tenant_list(nl, dev_id, &t);
	if (n < 0) {
		qpuctl_nl_perror(nl, "tenant list", n);
	} else {
		qpuctl_tenant_sort(&cg, t, n);
		if (o->json) {
			qj_init(&j, stdout);
			qj_arr_open(&j);
			for (i = 0; i < n; i++)
				qpuctl_tenant_json(&j, &cg, &t[i]);
			qj_arr_close(&j);
			qj_end(&j);
		} else {
			qpuctl_tenant_table(stdout, &cg, t, n);
		}
	}
	qpu_nl_close(nl);
	qpuctl_cg_fini(&cg);
	free(t);
	return n < 0 ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
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
		return tenant_set(dev_id, argc - 1, argv + 1);
	if (!strcmp(argv[0], "show"))
		return tenant_show(o, dev_id, argc - 1, argv + 1);
	if (!strcmp(argv[0], "list"))
		return tenant_list(o, o->device ? dev_id : QPU_NL_ALL_DEVS,
				   argc - 1);
	if (!strcmp(argv[0], "del"))
		return tenant_del(dev_id, argc - 1, argv + 1);
	return usage_err("unknown tenant command '%s'", argv[0]);
}
