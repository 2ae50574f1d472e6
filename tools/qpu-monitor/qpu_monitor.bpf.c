// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_monitor.bpf.c - qpu-monitor's policy. STAND-IN, replaced by the
 * rules helper's version at merge: it implements the contract of
 * monitor.h (cfg in .rodata, stats in .bss, the "events" ring buffer,
 * the struct_ops map "qpu-monitor") for two rules, evaluated at
 * QPU_ADMIT_LOAD and fired at most once per circuit each, when a run of
 * consecutive two-qubit gates reaches the threshold:
 *
 *  - QPU_MON_REPEAT_2Q: the same gate on the same ordered pair
 *    (default 16);
 *  - QPU_MON_CX_ALTERNATION: CX(a,b), CX(b,a), CX(a,b)... (default 12),
 *    so that the `make run` demo can show a second rule flagging.
 *
 * Both walk the gates with bpf_loop(): a plain loop over up to 65536
 * gates is more than the verifier follows.
 */
#include <linux/bpf.h>
#include "qpu_kfuncs.h"
#include "monitor.h"

char LICENSE[] SEC("license") = "GPL";

#define REPEAT_2Q_DEFAULT	16
#define CX_ALTERNATION_DEFAULT	12	/* four SWAPs of three CNOTs */
#define MAX_GATES		65536

const volatile struct qpu_mon_cfg cfg;
struct qpu_mon_stats stats;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* One rule's run in a scan: where it started, how long it is. */
struct run {
	__u32 q0, q1;		/* the pair of the last gate of the run */
	__u32 first, count;
	__u32 fired;		/* gate it fired at; NO_GATE: not yet */
	__u32 threshold;	/* 0: the rule is off */
};

/* The bpf_loop() state of one scan (on the admit program's stack). */
struct scan {
	const struct qpu_bpf_admit *a;
	__u32 op;		/* repeat-2q: the run's opcode; 256: none */
	struct run rep;		/* QPU_MON_REPEAT_2Q */
	struct run alt;		/* QPU_MON_CX_ALTERNATION */
};

#define NO_GATE		0xffffffffU

static void step(struct run *r, int more, __u32 i, __u32 q0, __u32 q1)
{
	if (!r->threshold || r->fired != NO_GATE)
		return;
	if (more) {
		r->count++;
	} else {
		r->first = i;
		r->count = 1;
	}
	r->q0 = q0;
	r->q1 = q1;
	if (r->count >= r->threshold)
		r->fired = i;
}

/* The run is broken (a rule that fired keeps its evidence). */
static void reset(struct run *r)
{
	if (r->fired == NO_GATE)
		r->count = 0;
}

static int scan_gate(__u32 i, void *ctx)
{
	struct scan *s = ctx;
	struct qpu_bpf_gate g = {};
	int cx, more;

	if (qpu_bpf_gate(s->a, i, &g))
		return 1;
	if (g.nqubits != 2) {
		s->op = 256;
		reset(&s->rep);
		reset(&s->alt);
		return 0;
	}
	/* repeat-2q: the same gate on the same ordered pair again */
	more = s->rep.count && g.op == s->op && g.qubits[0] == s->rep.q0 &&
	       g.qubits[1] == s->rep.q1;
	s->op = g.op;
	step(&s->rep, more, i, g.qubits[0], g.qubits[1]);
	/* cx-alternation: CX(a,b) then CX(b,a) */
	cx = g.op == QPU_OP_X && g.nctrl == 1;
	if (cx) {
		more = s->alt.count && g.qubits[0] == s->alt.q1 &&
		       g.qubits[1] == s->alt.q0;
		step(&s->alt, more, i, g.qubits[0], g.qubits[1]);
	} else {
		reset(&s->alt);
	}
	return (!s->rep.threshold || s->rep.fired != NO_GATE) &&
	       (!s->alt.threshold || s->alt.fired != NO_GATE);
}

/* An event for @rule, whose run is @r; its verdict. */
static int send(const struct qpu_bpf_admit *a, __u32 rule,
		const struct run *r)
{
	__u32 action = cfg.rule[rule & 7].action;
	struct qpu_mon_event *e;

	__sync_fetch_and_add(&stats.fired[rule & 7], 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&stats.dropped, 1);
		goto verdict;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->cgroup_id = a->cgroup_id;
	e->dev_id = a->dev_id;
	e->pid = a->pid;
	e->uid = a->uid;
	e->source = QPU_MON_EVENT_ADMIT;
	e->kind = a->kind;
	e->rule = rule;
	e->action = action;
	e->count = r->count;
	e->threshold = r->threshold;
	e->first_gate = r->first;
	e->last_gate = r->fired;
	e->qubits[0] = r->q0 < r->q1 ? r->q0 : r->q1;
	e->qubits[1] = r->q0 < r->q1 ? r->q1 : r->q0;
	e->qubits[2] = 0xffff;
	e->qubits[3] = 0xffff;
	e->pad = 0;
	e->value = a->num_gates;
	__builtin_memcpy(e->hash, a->hash, sizeof(e->hash));
	bpf_ringbuf_submit(e, 0);
verdict:
	if (action == QPU_MON_DENY)
		return QPU_BPF_VERDICT(QPU_BPF_DENY, rule);
	if (action == QPU_MON_FLAG)
		return QPU_BPF_VERDICT(QPU_BPF_FLAG, rule);
	return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
}

static __u32 threshold(__u32 rule, __u32 dflt)
{
	if (cfg.rule[rule].action == QPU_MON_OFF)
		return 0;
	return cfg.rule[rule].threshold ?: dflt;
}

SEC("struct_ops/admit")
int BPF_PROG(mon_admit, const struct qpu_bpf_admit *a)
{
	struct scan s = {};
	int v1 = 0, v2 = 0;
	__u32 n;

	__sync_fetch_and_add(&stats.admissions, 1);
	if (a->kind != QPU_ADMIT_LOAD)
		return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
	s.a = a;
	s.op = 256;
	s.rep.threshold = threshold(QPU_MON_REPEAT_2Q, REPEAT_2Q_DEFAULT);
	s.alt.threshold = threshold(QPU_MON_CX_ALTERNATION,
				    CX_ALTERNATION_DEFAULT);
	s.rep.fired = NO_GATE;
	s.alt.fired = NO_GATE;
	if (!s.rep.threshold && !s.alt.threshold)
		return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
	n = a->num_gates;
	if (n > MAX_GATES)
		n = MAX_GATES;
	bpf_loop(n, scan_gate, &s, 0);
	if (s.rep.fired != NO_GATE)
		v1 = send(a, QPU_MON_REPEAT_2Q, &s.rep);
	if (s.alt.fired != NO_GATE)
		v2 = send(a, QPU_MON_CX_ALTERNATION, &s.alt);
	/* the stronger verdict: deny over flag over allow */
	return QPU_BPF_VERDICT_ACTION(v1) >= QPU_BPF_VERDICT_ACTION(v2) ?
	       v1 : v2;
}

SEC("struct_ops/job_done")
void BPF_PROG(mon_job_done, const struct qpu_bpf_job *j)
{
	__sync_fetch_and_add(&stats.completions, 1);
}

SEC(".struct_ops.link")
struct qpu_bpf_ops monitor = {
	.admit = (void *)mon_admit,
	.job_done = (void *)mon_job_done,
	.name = "qpu-monitor",
};
