// SPDX-License-Identifier: GPL-2.0
/*
 * empty.bpf.c - a policy that allows everything and looks at nothing:
 * qpu-bench --monitor measures with it what the hook itself costs (the
 * struct_ops call and the admission view), apart from any rule.
 */
#include "qpu_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/admit")
int BPF_PROG(empty_admit, const struct qpu_bpf_admit *a)
{
	return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
}

SEC("struct_ops/job_done")
void BPF_PROG(empty_job_done, const struct qpu_bpf_job *j)
{
}

SEC(".struct_ops.link")
struct qpu_bpf_ops empty = {
	.admit = (void *)empty_admit,
	.job_done = (void *)empty_job_done,
	.name = "empty",
};
