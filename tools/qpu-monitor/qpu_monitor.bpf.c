// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_monitor.bpf.c - qpu-monitor's policy. STAND-IN, replaced by the
 * rules helper's version at merge: it implements the contract of
 * monitor.h (cfg in .rodata, stats in .bss, the "events" ring buffer,
 * the struct_ops map "qpu-monitor") for rule 1 only,
 * QPU_MON_REPEAT_2Q: the same two-qubit gate repeated consecutively on
 * one ordered pair, fired once per circuit when the run reaches the
 * threshold (default 16), evaluated at QPU_ADMIT_LOAD.
 */
#include <linux/bpf.h>
#include "qpu_kfuncs.h"
#include "monitor.h"

char LICENSE[] SEC("license") = "GPL";

#define REPEAT_2Q_DEFAULT	16
#define MAX_GATES		65536

const volatile struct qpu_mon_cfg cfg;
struct qpu_mon_stats stats;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* The bpf_loop() state of one scan (on the admit program's stack). */
struct scan {
	const struct qpu_bpf_admit *a;
	__u32 threshold;
	__u32 op, q0, q1;	/* the current run's gate; op 256: none */
	__u32 first, count;
	__u32 fired;
};

static int scan_gate(__u32 i, void *ctx)
{
	struct scan *s = ctx;
	struct qpu_bpf_gate g = {};

	if (qpu_bpf_gate(s->a, i, &g))
		return 1;
	if (g.nqubits != 2) {
		s->op = 256;
		s->count = 0;
		return 0;
	}
	if (g.op == s->op && g.qubits[0] == s->q0 && g.qubits[1] == s->q1) {
		s->count++;
	} else {
		s->op = g.op;
		s->q0 = g.qubits[0];
		s->q1 = g.qubits[1];
		s->first = i;
		s->count = 1;
	}
	if (s->count >= s->threshold) {
		s->fired = i;
		return 1;
	}
	return 0;
}

static void send(const struct qpu_bpf_admit *a, __u32 action,
		 const struct scan *s)
{
	struct qpu_mon_event *e;

	__sync_fetch_and_add(&stats.fired[QPU_MON_REPEAT_2Q], 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&stats.dropped, 1);
		return;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->cgroup_id = a->cgroup_id;
	e->dev_id = a->dev_id;
	e->pid = a->pid;
	e->uid = a->uid;
	e->source = QPU_MON_EVENT_ADMIT;
	e->kind = a->kind;
	e->rule = QPU_MON_REPEAT_2Q;
	e->action = action;
	e->count = s->count;
	e->threshold = s->threshold;
	e->first_gate = s->first;
	e->last_gate = s->fired;
	e->qubits[0] = s->q0;
	e->qubits[1] = s->q1;
	e->qubits[2] = 0xffff;
	e->qubits[3] = 0xffff;
	e->pad = 0;
	e->value = a->num_gates;
	__builtin_memcpy(e->hash, a->hash, sizeof(e->hash));
	bpf_ringbuf_submit(e, 0);
}

SEC("struct_ops/admit")
int BPF_PROG(mon_admit, const struct qpu_bpf_admit *a)
{
	__u32 action = cfg.rule[QPU_MON_REPEAT_2Q].action;
	struct scan s = {};
	__u32 n;

	__sync_fetch_and_add(&stats.admissions, 1);
	if (action == QPU_MON_OFF || a->kind != QPU_ADMIT_LOAD)
		return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
	s.a = a;
	s.threshold = cfg.rule[QPU_MON_REPEAT_2Q].threshold ?:
		      REPEAT_2Q_DEFAULT;
	s.op = 256;
	s.fired = MAX_GATES;
	n = a->num_gates;
	if (n > MAX_GATES)
		n = MAX_GATES;
	bpf_loop(n, scan_gate, &s, 0);
	if (s.fired == MAX_GATES)
		return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
	send(a, action, &s);
	if (action == QPU_MON_DENY)
		return QPU_BPF_VERDICT(QPU_BPF_DENY, QPU_MON_REPEAT_2Q);
	if (action == QPU_MON_FLAG)
		return QPU_BPF_VERDICT(QPU_BPF_FLAG, QPU_MON_REPEAT_2Q);
	return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
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
