// SPDX-License-Identifier: GPL-2.0
/*
 * event.c - what qpu-monitor writes: one JSON object per line for each
 * rule that fired (struct qpu_mon_event), one for each batch of events
 * the ring buffer had no room for, and the summary on stderr at exit.
 *
 *   {"event":"rule","time":"2026-12-02T03:14:34.123Z","device":0,
 *    "cgroup_id":1234,"cgroup":"/hospital","pid":42,"uid":0,
 *    "hash":"<64 hex digits>","rule":"repeat-2q","action":"deny",
 *    "kind":"load","evidence":{"first_gate":0,"last_gate":15,
 *    "count":16,"threshold":16,"qubits":[0,1],"value":200}}
 *   {"event":"dropped","count":12,"total":40}
 *
 * (each on one line). Unknown rule, action or kind numbers (a newer
 * policy) are written as numbers rather than names.
 */
#include <string.h>
#include <time.h>

#include "tool.h"
#include "qpuctl.h"	/* the JSON emitter (tools/qpuctl/json.c) */

const char *mon_fmt_time(uint64_t ns, char *buf, size_t len)
{
	time_t secs = ns / 1000000000ULL;
	struct tm tm;
	char day[32];

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(day, sizeof(day), "%llu",
			 (unsigned long long)secs);
	snprintf(buf, len, "%s.%03uZ", day,
		 (unsigned int)(ns / 1000000ULL % 1000));
	return buf;
}

static const char *kind_name(const struct qpu_mon_event *e)
{
	if (e->source == QPU_MON_EVENT_JOB_DONE)
		return "job_done";
	switch (e->kind) {
	case 1: return "load";		/* QPU_ADMIT_LOAD */
	case 2: return "submit";	/* QPU_ADMIT_SUBMIT */
	case 3: return "run";		/* QPU_ADMIT_RUN */
	}
	return NULL;
}

/* @name, or the number when there is no name for it. */
static void name_or_number(struct qpuctl_json *j, const char *name,
			   uint64_t v)
{
	if (name)
		qj_str(j, name);
	else
		qj_u64(j, v);
}

void mon_event_json(FILE *f, const struct qpu_mon_event *e,
		    uint64_t real_ns, const char *cgroup)
{
	struct qpuctl_json j;
	char buf[65];
	unsigned int i;

	qj_init(&j, f);
	qj_obj_open(&j);
	qj_key(&j, "event");
	qj_str(&j, "rule");
	qj_key(&j, "time");
	qj_str(&j, mon_fmt_time(real_ns, buf, sizeof(buf)));
	qj_key(&j, "device");
	qj_u64(&j, e->dev_id);
	qj_key(&j, "cgroup_id");
	qj_u64(&j, e->cgroup_id);
	qj_key(&j, "cgroup");
	qj_str(&j, cgroup);
	qj_key(&j, "pid");
	qj_u64(&j, e->pid);
	qj_key(&j, "uid");
	qj_u64(&j, e->uid);
	for (i = 0; i < sizeof(e->hash); i++)
		snprintf(buf + 2 * i, 3, "%02x", e->hash[i]);
	qj_key(&j, "hash");
	qj_str(&j, buf);
	qj_key(&j, "rule");
	name_or_number(&j, mon_rule_name(e->rule), e->rule);
	qj_key(&j, "action");
	name_or_number(&j, mon_action_name(e->action), e->action);
	qj_key(&j, "kind");
	name_or_number(&j, kind_name(e), e->kind);
	qj_key(&j, "evidence");
	qj_obj_open(&j);
	qj_key(&j, "first_gate");
	qj_u64(&j, e->first_gate);
	qj_key(&j, "last_gate");
	qj_u64(&j, e->last_gate);
	qj_key(&j, "count");
	qj_u64(&j, e->count);
	qj_key(&j, "threshold");
	qj_u64(&j, e->threshold);
	qj_key(&j, "qubits");
	qj_arr_open(&j);
	for (i = 0; i < 4; i++)
		if (e->qubits[i] != 0xffff)
			qj_u64(&j, e->qubits[i]);
	qj_arr_close(&j);
	qj_key(&j, "value");
	qj_u64(&j, e->value);
	qj_obj_close(&j);
	qj_obj_close(&j);
	qj_end(&j);
}

uint64_t mon_dropped_json(FILE *f, uint64_t *reported, uint64_t total)
{
	struct qpuctl_json j;
	uint64_t n;

	if (total <= *reported)
		return 0;
	n = total - *reported;
	*reported = total;
	qj_init(&j, f);
	qj_obj_open(&j);
	qj_key(&j, "event");
	qj_str(&j, "dropped");
	qj_key(&j, "count");
	qj_u64(&j, n);
	qj_key(&j, "total");
	qj_u64(&j, total);
	qj_obj_close(&j);
	qj_end(&j);
	return n;
}

void mon_tally_add(struct mon_tally *t, const struct qpu_mon_event *e)
{
	t->events++;
	/* by_rule[0]: numbers this tool has no name for */
	t->by_rule[e->rule < QPU_MON_NR_RULES ? e->rule : 0]++;
	if (e->action <= QPU_MON_DENY)
		t->by_action[e->action]++;
}

/*
 * "qpu-monitor: 3 events (repeat-2q 2, idle-loop 1; log 0, flag 1,
 * deny 2), 0 dropped"
 */
void mon_summary(FILE *f, const struct mon_tally *t)
{
	const char *sep = "";
	unsigned int i;

	fprintf(f, "qpu-monitor: %llu event%s", (unsigned long long)t->events,
		t->events == 1 ? "" : "s");
	if (t->events) {
		fputs(" (", f);
		for (i = 1; i < QPU_MON_NR_RULES; i++) {
			if (!t->by_rule[i])
				continue;
			fprintf(f, "%s%s %llu", sep, mon_rule_name(i),
				(unsigned long long)t->by_rule[i]);
			sep = ", ";
		}
		if (t->by_rule[0])
			fprintf(f, "%sunknown rule %llu", sep,
				(unsigned long long)t->by_rule[0]);
		fprintf(f, "; log %llu, flag %llu, deny %llu)",
			(unsigned long long)t->by_action[QPU_MON_LOG],
			(unsigned long long)t->by_action[QPU_MON_FLAG],
			(unsigned long long)t->by_action[QPU_MON_DENY]);
	}
	fprintf(f, ", %llu dropped\n", (unsigned long long)t->dropped);
}
