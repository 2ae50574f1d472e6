/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy_probe.h - the state of policy_probe.bpf.c (its one global, in
 * .bss), shared with the tests that attach it and read it through the
 * object's mmap.
 */
#ifndef POLICY_PROBE_H
#define POLICY_PROBE_H

#include <linux/types.h>
#include <linux/qpu_bpf.h>

/* Gates and qubits of the last admission the probe keeps. */
#define PROBE_GATES	8

struct probe_state {
	/* Set by the test. */
	__u32 verdict_kinds;	/* bit k: kind k gets @verdict_action */
	__u32 verdict_action;
	__u32 verdict_reason;
	__u32 random_deny;	/* qpu-fuzz: deny one admission in N */

	/* Seen by the hooks. */
	__u64 nr_admit[4];	/* by enum qpu_admit_kind */
	__u64 nr_done;
	struct qpu_bpf_admit last_admit;
	struct qpu_bpf_gate last_gate0;	/* gate 0 of the last admission */
	__s32 last_phys0;	/* qpu_bpf_phys_qubit(a, 0) */
	__s32 last_phys_bad;	/* qpu_bpf_phys_qubit(a, alloc_qubits) */
	__s32 last_gate_past;	/* qpu_bpf_gate(a, num_gates, ...) */
	__s32 last_near;	/* qpu_bpf_near_other_tenant(a, phys of v0) */
	__u32 near_any;		/* some qubit of the allocation was near */
	__u32 pad;
	struct qpu_bpf_job last_job;

	/* More of the last admission, and completions by kind. */
	__u64 nr_done_origin[4];	/* by enum qpu_bpf_origin */
	__u64 nr_cancelled;		/* completions with -ECANCELED */
	__u64 nr_denied;		/* admissions this policy denied */
	struct qpu_bpf_gate gates[PROBE_GATES];	/* its first gates */
	__s32 phys[PROBE_GATES];	/* qpu_bpf_phys_qubit(a, i) */
	__s32 near[PROBE_GATES];	/* near_other_tenant(a, phys[i]) */
	__s32 near_bad;			/* near_other_tenant(a, 1 << 20) */
	__u32 pad2;
};

#endif /* POLICY_PROBE_H */
