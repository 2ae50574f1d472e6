// SPDX-License-Identifier: GPL-2.0
/*
 * policy_done_only.bpf.c - a policy with a job_done program and no admit
 * program (qpu_bpf_ops.admit is optional: everything is allowed), for
 * policy_test's done_only_policy_allows_everything. It counts the
 * completions it sees in .bss.
 */
#include "qpu_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

/* One global, so that its layout in .bss is this struct's. */
struct {
	__u64 nr_done;
	__u64 last_job_id;
} done;

SEC("struct_ops/job_done")
void BPF_PROG(done_only_job_done, const struct qpu_bpf_job *j)
{
	done.nr_done++;
	done.last_job_id = j->job_id;
}

SEC(".struct_ops.link")
struct qpu_bpf_ops done_only = {
	.job_done = (void *)done_only_job_done,
	.name = "done_only",
};
