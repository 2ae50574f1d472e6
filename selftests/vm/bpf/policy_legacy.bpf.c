// SPDX-License-Identifier: GPL-2.0
/*
 * policy_legacy.bpf.c - a policy in section ".struct_ops" (not
 * ".struct_ops.link"): libbpf attaches it the legacy way, by updating the
 * map without a link, which the driver refuses with -EOPNOTSUPP
 * (policy_test's legacy_attach_is_eopnotsupp).
 */
#include "qpu_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/admit")
int BPF_PROG(legacy_admit, const struct qpu_bpf_admit *a)
{
	return QPU_BPF_VERDICT(QPU_BPF_DENY, 1);
}

SEC(".struct_ops")
struct qpu_bpf_ops legacy = {
	.admit = (void *)legacy_admit,
	.name = "legacy",
};
