/* SPDX-License-Identifier: GPL-2.0 */
/*
 * monitor.h - what qpu-monitor's policy (qpu_monitor.bpf.c) and its
 * loader (the qpu-monitor tool) share: the rules, their configuration
 * (the policy's .rodata, set before load), the events the policy sends
 * through its ring buffer, and its counters (.bss, read while it runs).
 * Documentation/qpu/monitor.rst describes each rule.
 *
 * Included by BPF C (after qpu_kfuncs.h) and by userspace C: fixed-size
 * types only.
 */
#ifndef QPU_MONITOR_H
#define QPU_MONITOR_H

#include <linux/types.h>

/**
 * enum qpu_mon_rule - the shipped rules; the number is also the reason
 * code a denial carries (struct qpu_circuit_load.reason, or
 * struct qpu_refusal.request with %QPU_LIMIT_POLICY)
 * @QPU_MON_REPEAT_2Q: the same two-qubit gate repeated on one pair
 * @QPU_MON_CX_ALTERNATION: CX(a,b)/CX(b,a) alternation, SWAPs built from
 *	three CNOTs
 * @QPU_MON_CX_LADDER: CNOT chains and ladders spanning three or more
 *	qubits, repeated
 * @QPU_MON_IDLE_LOOP: gate plus idle (identity) loops, and reset storms
 * @QPU_MON_NEIGHBOUR_BURST: bursts of two-qubit gates on qubits coupled
 *	to another tenant's allocation
 * @QPU_MON_QUERY_RATE: one tenant submitting one circuit with varying
 *	parameters beyond a rate
 * @QPU_MON_BEHAVIOUR: a tenant's job volume or failure rate far above
 *	its own history (job_done)
 * @QPU_MON_NR_RULES: array size (rule 0 is unused)
 */
enum qpu_mon_rule {
	QPU_MON_REPEAT_2Q	= 1,
	QPU_MON_CX_ALTERNATION	= 2,
	QPU_MON_CX_LADDER	= 3,
	QPU_MON_IDLE_LOOP	= 4,
	QPU_MON_NEIGHBOUR_BURST	= 5,
	QPU_MON_QUERY_RATE	= 6,
	QPU_MON_BEHAVIOUR	= 7,
	QPU_MON_NR_RULES,
};

/**
 * enum qpu_mon_action - what a rule does when it fires
 * @QPU_MON_OFF: nothing (the rule is not evaluated)
 * @QPU_MON_LOG: an event; the caller sees nothing
 * @QPU_MON_FLAG: an event, and the admission is flagged (accepted; the
 *	kernel's qpu_admit tracepoint fires)
 * @QPU_MON_DENY: an event, and the admission is refused (-EPERM with the
 *	rule's number as the reason code)
 */
enum qpu_mon_action {
	QPU_MON_OFF	= 0,
	QPU_MON_LOG	= 1,
	QPU_MON_FLAG	= 2,
	QPU_MON_DENY	= 3,
};

/**
 * struct qpu_mon_rule_cfg - one rule's settings
 * @action: enum qpu_mon_action
 * @threshold: fires when its count reaches this (per rule: see monitor.rst)
 * @window: a second parameter of the rule (a gate window, or a time
 *	window in milliseconds: see monitor.rst); 0 for the rule's default
 * @pad: 0
 */
struct qpu_mon_rule_cfg {
	__u32 action;
	__u32 threshold;
	__u32 window;
	__u32 pad;
};

/**
 * struct qpu_mon_cfg - the policy's configuration (its .rodata: "cfg")
 * @rule: by enum qpu_mon_rule
 */
struct qpu_mon_cfg {
	struct qpu_mon_rule_cfg rule[QPU_MON_NR_RULES];
};

/** QPU_MON_EVENT_ADMIT - qpu_mon_event.source: from ->admit() */
#define QPU_MON_EVENT_ADMIT	1
/** QPU_MON_EVENT_JOB_DONE - qpu_mon_event.source: from ->job_done() */
#define QPU_MON_EVENT_JOB_DONE	2

/**
 * struct qpu_mon_event - one rule firing (a ring buffer record)
 * @time_ns: bpf_ktime_get_ns() (CLOCK_MONOTONIC) when it fired
 * @cgroup_id: the tenant (cgroup v2 id)
 * @dev_id: device
 * @pid: caller (initial pid namespace)
 * @uid: caller (initial user namespace)
 * @source: QPU_MON_EVENT_*
 * @kind: enum qpu_admit_kind for admissions; 0 for job_done
 * @rule: enum qpu_mon_rule
 * @action: enum qpu_mon_action taken
 * @count: the rule's count when it fired (repetitions, gates, rate...)
 * @threshold: the threshold it reached
 * @first_gate: evidence: first gate index of the pattern (admissions)
 * @last_gate: evidence: last gate index of the pattern
 * @qubits: evidence: the virtual qubits involved (up to 4; unused: 0xffff)
 * @value: a rule-specific figure (see monitor.rst), e.g. a job count
 * @hash: SHA-256 of the circuit
 */
struct qpu_mon_event {
	__u64 time_ns;
	__u64 cgroup_id;
	__u32 dev_id;
	__u32 pid;
	__u32 uid;
	__u32 source;
	__u32 kind;
	__u32 rule;
	__u32 action;
	__u32 count;
	__u32 threshold;
	__u32 first_gate;
	__u32 last_gate;
	__u16 qubits[4];
	__u32 pad;
	__u64 value;
	__u8  hash[32];
};

/**
 * struct qpu_mon_stats - the policy's counters (its .bss: "stats")
 * @admissions: ->admit() calls seen
 * @completions: ->job_done() calls seen
 * @fired: events by rule (whether or not the ring buffer took them)
 * @dropped: events the ring buffer had no room for: the monitor reports
 *	them, so loss is never silent
 */
struct qpu_mon_stats {
	__u64 admissions;
	__u64 completions;
	__u64 fired[QPU_MON_NR_RULES];
	__u64 dropped;
};

#endif /* QPU_MONITOR_H */
