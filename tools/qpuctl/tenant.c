// SPDX-License-Identifier: GPL-2.0
/*
 * tenant.c - "qpuctl tenant set|show|list|del": cgroup tenants over the
 * "qpu" generic netlink family, their text and JSON output (the JSON
 * shape is documented in Documentation/qpu/tenants.rst, "qpuctl and its
 * JSON output"), and the tenant table "qpuctl status" shows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "qpuctl.h"
#include "tenant.h"

static struct nla_policy budget_policy[QPU_A_BUDGET_MAX + 1] = {
	[QPU_A_BUDGET_LIMIT]		= { .type = NLA_U64 },
	[QPU_A_BUDGET_PERIOD]		= { .type = NLA_U64 },
	[QPU_A_BUDGET_USED]		= { .type = NLA_U64 },
	[QPU_A_BUDGET_REMAINING]	= { .type = NLA_U64 },
	[QPU_A_BUDGET_RESET_NS]		= { .type = NLA_U64 },
	[QPU_A_BUDGET_TOTAL]		= { .type = NLA_U64 },
};

static struct nla_policy events_policy[QPU_A_EVENTS_MAX + 1] = {
	[QPU_A_EVENTS_QUBITS]		= { .type = NLA_U64 },
	[QPU_A_EVENTS_JOBS]		= { .type = NLA_U64 },
	[QPU_A_EVENTS_SHOTS]		= { .type = NLA_U64 },
	[QPU_A_EVENTS_QPU_TIME]		= { .type = NLA_U64 },
};

const struct nla_policy qpuctl_tenant_policy[QPU_A_TENANT_MAX + 1] = {
	[QPU_A_TENANT_DEV_ID]		= { .type = NLA_U32 },
	[QPU_A_TENANT_CGROUP_ID]	= { .type = NLA_U64 },
	[QPU_A_TENANT_LEVEL]		= { .type = NLA_U32 },
	[QPU_A_TENANT_CONFIGURED]	= { .type = NLA_U8 },
	[QPU_A_TENANT_QUBITS_MAX]	= { .type = NLA_U64 },
	[QPU_A_TENANT_QUBITS_CURRENT]	= { .type = NLA_U64 },
	[QPU_A_TENANT_JOBS_MAX]		= { .type = NLA_U64 },
	[QPU_A_TENANT_JOBS_CURRENT]	= { .type = NLA_U64 },
	[QPU_A_TENANT_SHOTS]		= { .type = NLA_NESTED },
	[QPU_A_TENANT_QPU_TIME]		= { .type = NLA_NESTED },
	[QPU_A_TENANT_WEIGHT]		= { .type = NLA_U32 },
	[QPU_A_TENANT_LATENCY]		= { .type = NLA_U32 },
	[QPU_A_TENANT_ISOLATION]	= { .type = NLA_U32 },
	[QPU_A_TENANT_EVENTS]		= { .type = NLA_NESTED },
};

/* The limit names events are keyed by, as in misc.events. */
static const char *const event_names[QPU_A_EVENTS_MAX + 1] = {
	[QPU_A_EVENTS_QUBITS]	= "qubits.max",
	[QPU_A_EVENTS_JOBS]	= "jobs.max",
	[QPU_A_EVENTS_SHOTS]	= "shots.max",
	[QPU_A_EVENTS_QPU_TIME]	= "qpu_time.max",
};

#define HAVE(t, a)	((t)->have & (1u << (a)))

static int parse_budget(struct nlattr *nest, struct qpuctl_tenant_budget *b)
{
	struct nlattr *tb[QPU_A_BUDGET_MAX + 1];
	uint64_t *f[QPU_A_BUDGET_MAX + 1] = {
		[QPU_A_BUDGET_LIMIT] = &b->limit,
		[QPU_A_BUDGET_PERIOD] = &b->period,
		[QPU_A_BUDGET_USED] = &b->used,
		[QPU_A_BUDGET_REMAINING] = &b->remaining,
		[QPU_A_BUDGET_RESET_NS] = &b->reset_ns,
		[QPU_A_BUDGET_TOTAL] = &b->total,
	};
	int i;

	if (nla_parse_nested(tb, QPU_A_BUDGET_MAX, nest, budget_policy))
		return -EPROTO;
	for (i = 0; i <= QPU_A_BUDGET_MAX; i++) {
		if (tb[i] && f[i]) {
			*f[i] = nla_get_u64(tb[i]);
			b->have |= 1u << i;
		}
	}
	return 0;
}

int qpuctl_tenant_parse(struct nlattr **tb, struct qpuctl_tenant *t)
{
	struct nlattr *ev[QPU_A_EVENTS_MAX + 1];
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i <= QPU_A_TENANT_MAX; i++)
		if (tb[i])
			t->have |= 1u << i;
	if (!tb[QPU_A_TENANT_CGROUP_ID])
		return -EPROTO;
	t->cgroup_id = nla_get_u64(tb[QPU_A_TENANT_CGROUP_ID]);
	if (tb[QPU_A_TENANT_DEV_ID])
		t->dev_id = nla_get_u32(tb[QPU_A_TENANT_DEV_ID]);
	if (tb[QPU_A_TENANT_LEVEL])
		t->level = nla_get_u32(tb[QPU_A_TENANT_LEVEL]);
	if (tb[QPU_A_TENANT_CONFIGURED])
		t->configured = nla_get_u8(tb[QPU_A_TENANT_CONFIGURED]);
	if (tb[QPU_A_TENANT_QUBITS_MAX])
		t->qubits_max = nla_get_u64(tb[QPU_A_TENANT_QUBITS_MAX]);
	if (tb[QPU_A_TENANT_QUBITS_CURRENT])
		t->qubits_cur = nla_get_u64(tb[QPU_A_TENANT_QUBITS_CURRENT]);
	if (tb[QPU_A_TENANT_JOBS_MAX])
		t->jobs_max = nla_get_u64(tb[QPU_A_TENANT_JOBS_MAX]);
	if (tb[QPU_A_TENANT_JOBS_CURRENT])
		t->jobs_cur = nla_get_u64(tb[QPU_A_TENANT_JOBS_CURRENT]);
	if (tb[QPU_A_TENANT_WEIGHT])
		t->weight = nla_get_u32(tb[QPU_A_TENANT_WEIGHT]);
	if (tb[QPU_A_TENANT_LATENCY])
		t->latency = nla_get_u32(tb[QPU_A_TENANT_LATENCY]);
	if (tb[QPU_A_TENANT_ISOLATION])
		t->isolation = nla_get_u32(tb[QPU_A_TENANT_ISOLATION]);
	if (tb[QPU_A_TENANT_SHOTS] &&
	    parse_budget(tb[QPU_A_TENANT_SHOTS], &t->shots))
		return -EPROTO;
	if (tb[QPU_A_TENANT_QPU_TIME] &&
	    parse_budget(tb[QPU_A_TENANT_QPU_TIME], &t->qpu_time))
		return -EPROTO;
	if (tb[QPU_A_TENANT_EVENTS]) {
		if (nla_parse_nested(ev, QPU_A_EVENTS_MAX,
				     tb[QPU_A_TENANT_EVENTS], events_policy))
			return -EPROTO;
		for (i = 0; i <= QPU_A_EVENTS_MAX; i++) {
			if (ev[i] && event_names[i]) {
				t->events[i] = nla_get_u64(ev[i]);
				t->events_have |= 1u << i;
			}
		}
	}
	return 0;
}

/* ---- output ---------------------------------------------------------- */

static void json_budget(struct qpuctl_json *j, const char *key,
			const struct qpuctl_tenant_budget *b)
{
	if (!b->have)
		return;
	qj_key(j, key);
	qj_obj_open(j);
	if (b->have & (1u << QPU_A_BUDGET_LIMIT)) {
		qj_key(j, "limit");
		qj_limit(j, b->limit);
	}
	if (b->have & (1u << QPU_A_BUDGET_PERIOD)) {
		qj_key(j, "period");
		qj_u64(j, b->period);
	}
	if (b->have & (1u << QPU_A_BUDGET_USED)) {
		qj_key(j, "used");
		qj_u64(j, b->used);
	}
	if (b->have & (1u << QPU_A_BUDGET_REMAINING)) {
		qj_key(j, "remaining");
		qj_limit(j, b->remaining);
	}
	if (b->have & (1u << QPU_A_BUDGET_RESET_NS)) {
		qj_key(j, "reset_ns");
		qj_u64(j, b->reset_ns);
	}
	if (b->have & (1u << QPU_A_BUDGET_TOTAL)) {
		qj_key(j, "total");
		qj_u64(j, b->total);
	}
	qj_obj_close(j);
}

static void json_count(struct qpuctl_json *j, const struct qpuctl_tenant *t,
		       const char *key, int amax, uint64_t max, int acur,
		       uint64_t cur)
{
	if (!HAVE(t, amax) && !HAVE(t, acur))
		return;
	qj_key(j, key);
	qj_obj_open(j);
	if (HAVE(t, amax)) {
		qj_key(j, "max");
		qj_limit(j, max);
	}
	if (HAVE(t, acur)) {
		qj_key(j, "current");
		qj_u64(j, cur);
	}
	qj_obj_close(j);
}

void qpuctl_tenant_json(struct qpuctl_json *j, struct qpuctl_cg *cg,
			const struct qpuctl_tenant *t)
{
	char path[4096], name[32];
	int i;

	qj_obj_open(j);
	if (HAVE(t, QPU_A_TENANT_DEV_ID)) {
		snprintf(name, sizeof(name), "qpu%u", t->dev_id);
		qj_key(j, "device");
		qj_str(j, name);
		qj_key(j, "dev_id");
		qj_u64(j, t->dev_id);
	}
	qj_key(j, "cgroup");
	qj_str(j, qpuctl_cg_path(cg, t->cgroup_id, path, sizeof(path)));
	qj_key(j, "cgroup_id");
	qj_u64(j, t->cgroup_id);
	if (HAVE(t, QPU_A_TENANT_LEVEL)) {
		qj_key(j, "level");
		qj_u64(j, t->level);
	}
	if (HAVE(t, QPU_A_TENANT_CONFIGURED)) {
		qj_key(j, "configured");
		qj_bool(j, t->configured);
	}
	json_count(j, t, "qubits", QPU_A_TENANT_QUBITS_MAX, t->qubits_max,
		   QPU_A_TENANT_QUBITS_CURRENT, t->qubits_cur);
	json_count(j, t, "jobs", QPU_A_TENANT_JOBS_MAX, t->jobs_max,
		   QPU_A_TENANT_JOBS_CURRENT, t->jobs_cur);
	json_budget(j, "shots", &t->shots);
	json_budget(j, "qpu_time", &t->qpu_time);
	if (HAVE(t, QPU_A_TENANT_WEIGHT)) {
		qj_key(j, "weight");
		qj_u64(j, t->weight);
	}
	if (HAVE(t, QPU_A_TENANT_LATENCY)) {
		qj_key(j, "latency");
		qj_str(j, qpuctl_latency_name(t->latency));
	}
	if (HAVE(t, QPU_A_TENANT_ISOLATION)) {
		qj_key(j, "isolation");
		qj_str(j, qpuctl_isolation_name(t->isolation));
	}
	if (t->events_have) {
		qj_key(j, "events");
		qj_obj_open(j);
		for (i = 0; i <= QPU_A_EVENTS_MAX; i++) {
			if (!(t->events_have & (1u << i)))
				continue;
			qj_key(j, event_names[i]);
			qj_u64(j, t->events[i]);
		}
		qj_obj_close(j);
	}
	qj_obj_close(j);
}

/* "10000/1000000 per 3600s", "0/max", "1.5 s/5 s lifetime". */
static const char *fmt_budget(const struct qpuctl_tenant_budget *b, bool time,
			      char *buf, size_t len)
{
	char used[32], lim[32];

	if (!b->have) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (time) {
		qpuctl_fmt_ns(b->used, used, sizeof(used));
		qpuctl_fmt_ns(b->limit, lim, sizeof(lim));
	} else {
		qpuctl_fmt_limit(b->used, used, sizeof(used));
		qpuctl_fmt_limit(b->limit, lim, sizeof(lim));
	}
	if (b->limit == QPU_UNLIMITED)
		snprintf(buf, len, "%s/max", used);
	else if (b->period)
		snprintf(buf, len, "%s/%s per %llus", used, lim,
			 (unsigned long long)b->period);
	else
		snprintf(buf, len, "%s/%s lifetime", used, lim);
	return buf;
}

static const char *fmt_count(const struct qpuctl_tenant *t, int acur,
			     uint64_t cur, int amax, uint64_t max, char *buf,
			     size_t len)
{
	char c[24], m[24];

	snprintf(buf, len, "%s/%s",
		 HAVE(t, acur) ? qpuctl_fmt_limit(cur, c, sizeof(c)) : "-",
		 HAVE(t, amax) ? qpuctl_fmt_limit(max, m, sizeof(m)) : "-");
	return buf;
}

/* One table of tenants: a header, then a row each. */
void qpuctl_tenant_table(FILE *f, struct qpuctl_cg *cg,
			 const struct qpuctl_tenant *t, size_t n)
{
	char path[4096], q[48], jb[48], s[96], tm[96], dev[16], w[16];
	int width = 6;
	size_t i;

	for (i = 0; i < n; i++) {
		int l = (int)strlen(qpuctl_cg_path(cg, t[i].cgroup_id, path,
						   sizeof(path)));
		if (l > width)
			width = l;
	}
	fprintf(f, "%-7s %-*s %-9s %-9s %-26s %-22s %6s %-11s %s\n", "DEVICE",
		width, "CGROUP", "QUBITS", "JOBS", "SHOTS", "QPU_TIME",
		"WEIGHT", "LATENCY", "ISOLATION");
	for (i = 0; i < n; i++) {
		snprintf(dev, sizeof(dev), "qpu%u", t[i].dev_id);
		if (HAVE(&t[i], QPU_A_TENANT_WEIGHT))
			snprintf(w, sizeof(w), "%u", t[i].weight);
		else
			snprintf(w, sizeof(w), "-");
		fprintf(f, "%-7s %-*s %-9s %-9s %-26s %-22s %6s %-11s %s\n",
			dev, width,
			qpuctl_cg_path(cg, t[i].cgroup_id, path, sizeof(path)),
			fmt_count(&t[i], QPU_A_TENANT_QUBITS_CURRENT,
				  t[i].qubits_cur, QPU_A_TENANT_QUBITS_MAX,
				  t[i].qubits_max, q, sizeof(q)),
			fmt_count(&t[i], QPU_A_TENANT_JOBS_CURRENT,
				  t[i].jobs_cur, QPU_A_TENANT_JOBS_MAX,
				  t[i].jobs_max, jb, sizeof(jb)),
			fmt_budget(&t[i].shots, false, s, sizeof(s)),
			fmt_budget(&t[i].qpu_time, true, tm, sizeof(tm)), w,
			HAVE(&t[i], QPU_A_TENANT_LATENCY) ?
			qpuctl_latency_name(t[i].latency) : "-",
			HAVE(&t[i], QPU_A_TENANT_ISOLATION) ?
			qpuctl_isolation_name(t[i].isolation) : "-");
	}
}

/*
 * "shots.max     1000000 3600   used 10, remaining 999990, new period
 * in 20 s, 50 in total": the limit as "tenant set" takes it, then usage.
 */
static void text_budget(FILE *f, const char *key,
			const struct qpuctl_tenant_budget *b, bool time)
{
	char lim[48], x[32];

	if (!b->have)
		return;
	if (b->limit == QPU_UNLIMITED)
		snprintf(lim, sizeof(lim), "max");
	else if (time)
		snprintf(lim, sizeof(lim), "%s %llu",
			 qpuctl_fmt_ns_arg(b->limit, x, sizeof(x)),
			 (unsigned long long)b->period);
	else
		snprintf(lim, sizeof(lim), "%llu %llu",
			 (unsigned long long)b->limit,
			 (unsigned long long)b->period);
	fprintf(f, "  %-13s %-20s used %s", key, lim, time ?
		qpuctl_fmt_ns(b->used, x, sizeof(x)) :
		qpuctl_fmt_limit(b->used, x, sizeof(x)));
	if (b->limit != QPU_UNLIMITED &&
	    (b->have & (1u << QPU_A_BUDGET_REMAINING)))
		fprintf(f, ", remaining %s", time ?
			qpuctl_fmt_ns(b->remaining, x, sizeof(x)) :
			qpuctl_fmt_limit(b->remaining, x, sizeof(x)));
	if (b->period && b->limit != QPU_UNLIMITED &&
	    (b->have & (1u << QPU_A_BUDGET_RESET_NS)))
		fprintf(f, ", new period in %s",
			qpuctl_fmt_ns(b->reset_ns >= 1000000000 ?
				      b->reset_ns / 1000000000 * 1000000000 :
				      b->reset_ns, x, sizeof(x)));
	if (b->have & (1u << QPU_A_BUDGET_TOTAL))
		fprintf(f, ", %s in total", time ?
			qpuctl_fmt_ns(b->total, x, sizeof(x)) :
			qpuctl_fmt_limit(b->total, x, sizeof(x)));
	fputc('\n', f);
}

/* "qubits.max    16                   current 3" */
static void text_count(FILE *f, const struct qpuctl_tenant *t,
		       const char *key, int amax, uint64_t max, int acur,
		       uint64_t cur)
{
	char m[24];

	if (!HAVE(t, amax) && !HAVE(t, acur))
		return;
	fprintf(f, "  %-13s %-20s", key,
		HAVE(t, amax) ? qpuctl_fmt_limit(max, m, sizeof(m)) : "-");
	if (HAVE(t, acur))
		fprintf(f, " current %llu", (unsigned long long)cur);
	fputc('\n', f);
}

static void text_tenant(FILE *f, struct qpuctl_cg *cg,
			const struct qpuctl_tenant *t)
{
	char path[4096];
	int i;

	fprintf(f, "qpu%u %s (cgroup %llu", t->dev_id,
		qpuctl_cg_path(cg, t->cgroup_id, path, sizeof(path)),
		(unsigned long long)t->cgroup_id);
	if (HAVE(t, QPU_A_TENANT_LEVEL))
		fprintf(f, ", level %u", t->level);
	if (HAVE(t, QPU_A_TENANT_CONFIGURED))
		fprintf(f, ", %s", t->configured ? "limits set" :
			"default limits");
	fprintf(f, ")\n");
	text_count(f, t, "qubits.max", QPU_A_TENANT_QUBITS_MAX, t->qubits_max,
		   QPU_A_TENANT_QUBITS_CURRENT, t->qubits_cur);
	text_count(f, t, "jobs.max", QPU_A_TENANT_JOBS_MAX, t->jobs_max,
		   QPU_A_TENANT_JOBS_CURRENT, t->jobs_cur);
	text_budget(f, "shots.max", &t->shots, false);
	text_budget(f, "qpu_time.max", &t->qpu_time, true);
	if (HAVE(t, QPU_A_TENANT_WEIGHT))
		fprintf(f, "  %-13s %u\n", "weight", t->weight);
	if (HAVE(t, QPU_A_TENANT_LATENCY))
		fprintf(f, "  %-13s %s\n", "latency",
			qpuctl_latency_name(t->latency));
	if (HAVE(t, QPU_A_TENANT_ISOLATION))
		fprintf(f, "  %-13s %s\n", "isolation",
			qpuctl_isolation_name(t->isolation));
	if (t->events_have) {
		fprintf(f, "  %-13s", "events");
		for (i = 0; i <= QPU_A_EVENTS_MAX; i++)
			if (t->events_have & (1u << i))
				fprintf(f, " %s %llu", event_names[i],
					(unsigned long long)t->events[i]);
		fputc('\n', f);
	}
}

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
		text_tenant(stdout, &cg, &ts.v[0]);
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
