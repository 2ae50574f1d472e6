// SPDX-License-Identifier: GPL-2.0
/*
 * policy_forge.bpf.c - a policy that hands the kfuncs admissions it made
 * up: a struct qpu_bpf_admit in its own .bss, and one on its stack (the
 * verifier lets a pointer to memory of a struct made of scalars through
 * as a kfunc argument). The kfuncs must refuse them (-EINVAL) rather
 * than take what lies after them for the kernel's view of an admission;
 * the real admission still works. The zeros after the forged ones make
 * a kernel without that check return -ENOENT, not crash
 * (policy_test's kfuncs_refuse_forged_admissions).
 */
#include "qpu_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

struct forge_state {
	struct qpu_bpf_admit fake;
	__u64 after[8];		/* where the kernel's view would follow */
	__s32 gate_map;		/* qpu_bpf_gate(&fake, 0, ...) */
	__s32 phys_map;		/* qpu_bpf_phys_qubit(&fake, 0) */
	__s32 gate_stack;	/* the same with a forged admission on the stack */
	__s32 phys_stack;
	__s32 gate_real;	/* qpu_bpf_gate(a, 0, ...): the real one */
	__s32 phys_real;
	__u32 runs;
	__u32 pad;
};

struct forge_state fst;

SEC("struct_ops/admit")
int BPF_PROG(forge_admit, const struct qpu_bpf_admit *a)
{
	struct {
		struct qpu_bpf_admit fake;
		__u64 after[8];
	} local = {};
	struct qpu_bpf_gate g = {};

	fst.fake.num_gates = 0;
	fst.gate_map = qpu_bpf_gate(&fst.fake, 0, &g);
	fst.phys_map = qpu_bpf_phys_qubit(&fst.fake, 0);
	fst.gate_stack = qpu_bpf_gate(&local.fake, 0, &g);
	fst.phys_stack = qpu_bpf_phys_qubit(&local.fake, 0);
	fst.gate_real = qpu_bpf_gate(a, 0, &g);
	fst.phys_real = qpu_bpf_phys_qubit(a, 0);
	fst.runs++;
	return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
}

SEC(".struct_ops.link")
struct qpu_bpf_ops forge = {
	.admit = (void *)forge_admit,
	.name = "forge",
};
