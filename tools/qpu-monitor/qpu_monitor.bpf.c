// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_monitor.bpf.c - stand-in for qpu-monitor's policy (the rules land
 * separately): allows everything, counts admissions and completions.
 */
#include "qpu_kfuncs.h"
#include "monitor.h"
char LICENSE[] SEC("license") = "GPL";
const volatile struct qpu_mon_cfg cfg;
struct qpu_mon_stats stats;
SEC("struct_ops/admit")
int BPF_PROG(mon_admit, const struct qpu_bpf_admit *a)
{
	stats.admissions++;
	return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
}
SEC("struct_ops/job_done")
void BPF_PROG(mon_job_done, const struct qpu_bpf_job *j)
{
	stats.completions++;
}
SEC(".struct_ops.link")
struct qpu_bpf_ops qpu_monitor = {
	.admit = (void *)mon_admit,
	.job_done = (void *)mon_job_done,
	.name = "qpu-monitor",
};
