// SPDX-License-Identifier: GPL-2.0
/*
 * tenant_out.c - a tenant as the "qpu" family reports it (struct
 * qpu_nl_tenant, parsed by tools/lib/qpu_nl.c), written out as text
 * (tenant show), as a table row (tenant list, status) or as JSON (the shape documented in
 * Documentation/qpu/tenants.rst, "qpuctl and its JSON output").
 */
#include <string.h>

#include "qpuctl.h"
#include "tenant.h"

/* The limit names events are keyed by, as in misc.events. */
static const char *const event_names[QPU_LIMIT_COUNT] = {
	[QPU_LIMIT_QUBITS]	= "qubits.max",
	[QPU_LIMIT_JOBS]	= "jobs.max",
	[QPU_LIMIT_SHOTS]	= "shots.max",
	[QPU_LIMIT_QPU_TIME]	= "qpu_time.max",
};

#define HAVE(t, a)	((t)->have & (1ULL << (a)))

/* ---- output ---------------------------------------------------------- */

static void json_budget(struct qpuctl_json *j, const char *key,
			const struct qpu_nl_budget_state *b)
{
	/* In output order; @limit: "max" for QPU_UNLIMITED. */
	const struct {
		int attr;
		const char *key;
		uint64_t v;
		bool limit;
	} m[] = {
		{ QPU_A_BUDGET_LIMIT,		"limit",	b->limit, true },
		{ QPU_A_BUDGET_PERIOD,		"period",	b->period, false },
		{ QPU_A_BUDGET_USED,		"used",		b->used, false },
		{ QPU_A_BUDGET_REMAINING,	"remaining",	b->remaining, true },
		{ QPU_A_BUDGET_RESET_NS,	"reset_ns",	b->reset_ns, false },
		{ QPU_A_BUDGET_TOTAL,		"total",	b->total, false },
	};
	size_t i;

	if (!b->have)
		return;
	qj_key(j, key);
	qj_obj_open(j);
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (!(b->have & (1u << m[i].attr)))
			continue;
		qj_key(j, m[i].key);
		if (m[i].limit)
			qj_limit(j, m[i].v);
		else
			qj_u64(j, m[i].v);
	}
	qj_obj_close(j);
}

static void json_count(struct qpuctl_json *j, const struct qpu_nl_tenant *t,
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
			const struct qpu_nl_tenant *t)
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
		   QPU_A_TENANT_QUBITS_CURRENT, t->qubits_current);
	json_count(j, t, "jobs", QPU_A_TENANT_JOBS_MAX, t->jobs_max,
		   QPU_A_TENANT_JOBS_CURRENT, t->jobs_current);
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
		for (i = 0; i < QPU_LIMIT_COUNT; i++) {
			if (!((t->events_have & (1u << i)) && event_names[i]))
				continue;
			qj_key(j, event_names[i]);
			qj_u64(j, t->events[i]);
		}
		qj_obj_close(j);
	}
	qj_obj_close(j);
}

/* "10000/1000000 per 3600s", "0/max", "1.5 s/5 s lifetime". */
static const char *fmt_budget(const struct qpu_nl_budget_state *b, bool time,
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

static const char *fmt_count(const struct qpu_nl_tenant *t, int acur,
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
			 const struct qpu_nl_tenant *t, size_t n)
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
				  t[i].qubits_current, QPU_A_TENANT_QUBITS_MAX,
				  t[i].qubits_max, q, sizeof(q)),
			fmt_count(&t[i], QPU_A_TENANT_JOBS_CURRENT,
				  t[i].jobs_current, QPU_A_TENANT_JOBS_MAX,
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
			const struct qpu_nl_budget_state *b, bool time)
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
static void text_count(FILE *f, const struct qpu_nl_tenant *t,
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

void qpuctl_tenant_text(FILE *f, struct qpuctl_cg *cg,
		       const struct qpu_nl_tenant *t)
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
		   QPU_A_TENANT_QUBITS_CURRENT, t->qubits_current);
	text_count(f, t, "jobs.max", QPU_A_TENANT_JOBS_MAX, t->jobs_max,
		   QPU_A_TENANT_JOBS_CURRENT, t->jobs_current);
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
		for (i = 0; i < QPU_LIMIT_COUNT; i++)
			if ((t->events_have & (1u << i)) && event_names[i])
				fprintf(f, " %s %llu", event_names[i],
					(unsigned long long)t->events[i]);
		fputc('\n', f);
	}
}

