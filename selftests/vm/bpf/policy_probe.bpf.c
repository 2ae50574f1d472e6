// SPDX-License-Identifier: GPL-2.0
/*
 * policy_probe.bpf.c - the policy policy_test and qpu-fuzz attach: it
 * records what the hooks and kfuncs show it, and returns the verdict the
 * test sets (struct probe_state, policy_probe.h, in .bss: the test
 * reads and writes it through the object's mmap).
 */
#include "qpu_kfuncs.h"
#include "policy_probe.h"

char LICENSE[] SEC("license") = "GPL";

struct probe_state st;

SEC("struct_ops/admit")
int BPF_PROG(probe_admit, const struct qpu_bpf_admit *a)
{
	struct qpu_bpf_gate g = {};
	__u32 kind = a->kind, i;
	int p;

	if (kind < 4)
		st.nr_admit[kind]++;
	/* Field by field: the verifier refuses loads across members. */
	st.last_admit.kind = a->kind;
	st.last_admit.dev_id = a->dev_id;
	st.last_admit.cgroup_id = a->cgroup_id;
	st.last_admit.pid = a->pid;
	st.last_admit.uid = a->uid;
	st.last_admit.num_qubits = a->num_qubits;
	st.last_admit.num_clbits = a->num_clbits;
	st.last_admit.num_params = a->num_params;
	st.last_admit.num_gates = a->num_gates;
	st.last_admit.alloc_qubits = a->alloc_qubits;
	st.last_admit.shots = a->shots;
	st.last_admit.sweeps = a->sweeps;
	st.last_admit.circuit = a->circuit;
	st.last_admit.param_hash = a->param_hash;
	__builtin_memcpy(st.last_admit.hash, a->hash, sizeof(st.last_admit.hash));
	qpu_bpf_gate(a, 0, &g);
	st.last_gate0 = g;
	st.last_gate_past = qpu_bpf_gate(a, a->num_gates, &g);
	st.last_phys0 = qpu_bpf_phys_qubit(a, 0);
	st.last_phys_bad = qpu_bpf_phys_qubit(a, a->alloc_qubits);
	st.last_near = st.last_phys0 >= 0 ?
		    qpu_bpf_near_other_tenant(a, st.last_phys0) : -1;
	st.near_any = 0;
	for (i = 0; i < 32 && i < a->alloc_qubits; i++) {
		p = qpu_bpf_phys_qubit(a, i);
		if (p >= 0 && qpu_bpf_near_other_tenant(a, p) == 1)
			st.near_any = 1;
	}
	for (i = 0; i < PROBE_GATES; i++) {
		struct qpu_bpf_gate gi = {};

		qpu_bpf_gate(a, i, &gi);
		st.gates[i] = gi;
		p = qpu_bpf_phys_qubit(a, i);
		st.phys[i] = p;
		st.near[i] = p >= 0 ? qpu_bpf_near_other_tenant(a, p) : -1;
	}
	st.near_bad = qpu_bpf_near_other_tenant(a, 1U << 20);
	if (st.random_deny && bpf_get_prandom_u32() % st.random_deny == 0) {
		st.nr_denied++;
		return QPU_BPF_VERDICT(QPU_BPF_DENY, 99);
	}
	if (kind < 32 && (st.verdict_kinds & (1U << kind))) {
		if (st.verdict_action >= QPU_BPF_DENY)
			st.nr_denied++;
		return QPU_BPF_VERDICT(st.verdict_action, st.verdict_reason);
	}
	return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
}

SEC("struct_ops/job_done")
void BPF_PROG(probe_job_done, const struct qpu_bpf_job *j)
{
	st.nr_done++;
	if (j->origin < 4)
		st.nr_done_origin[j->origin]++;
	if (j->status == -125)	/* -ECANCELED */
		st.nr_cancelled++;
	st.last_job.dev_id = j->dev_id;
	st.last_job.job_id = j->job_id;
	st.last_job.cgroup_id = j->cgroup_id;
	st.last_job.pid = j->pid;
	st.last_job.uid = j->uid;
	st.last_job.origin = j->origin;
	st.last_job.status = j->status;
	st.last_job.shots = j->shots;
	st.last_job.sweeps = j->sweeps;
	st.last_job.qpu_ns = j->qpu_ns;
	st.last_job.sim_ns = j->sim_ns;
	st.last_job.submit_ns = j->submit_ns;
	st.last_job.start_ns = j->start_ns;
	st.last_job.end_ns = j->end_ns;
	__builtin_memcpy(st.last_job.hash, j->hash, sizeof(st.last_job.hash));
}

SEC(".struct_ops.link")
struct qpu_bpf_ops probe = {
	.admit = (void *)probe_admit,
	.job_done = (void *)probe_job_done,
	.name = "probe",
};
