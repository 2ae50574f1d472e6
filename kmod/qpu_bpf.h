/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_bpf.h - the monitoring hook (qpu_bpf.c): the "qpu_bpf_ops" BPF
 * struct_ops type, its kfuncs, and the calls the driver makes into the
 * attached policy (uapi/linux/qpu_bpf.h, Documentation/qpu/monitor.rst).
 *
 * The hooks cost one static branch while no policy is attached. Without
 * BPF struct_ops in the kernel (CONFIG_BPF_JIT and CONFIG_BPF_SYSCALL),
 * they are empty inlines and every admission is allowed.
 */
#ifndef QPU_BPF_H
#define QPU_BPF_H

#include <linux/sysfs.h>
#include <linux/types.h>

struct qpu_allocation;
struct qpu_circuit;
struct qpu_ctx;
struct qpu_exec;
struct qpu_refusal;

/**
 * struct qpu_bpf_done - when a job or run happened, for ->job_done()
 * @job_id: the job's id in its file; 0 for a synchronous run
 * @status: 0 or the negative errno it completed with
 * @submit_ns: CLOCK_MONOTONIC submission time
 * @start_ns: start time, 0 if it never started
 * @end_ns: completion time
 */
struct qpu_bpf_done {
	u32 job_id;
	int status;
	u64 submit_ns;
	u64 start_ns;
	u64 end_ns;
};

#if IS_ENABLED(CONFIG_BPF_JIT) && IS_ENABLED(CONFIG_BPF_SYSCALL)
int qpu_bpf_init(void);
bool qpu_bpf_available(void);
int qpu_bpf_admit_load(struct qpu_ctx *ctx, const struct qpu_circuit *circ,
		       const struct qpu_allocation *a, u32 *reason);
int qpu_bpf_admit_exec(struct qpu_ctx *ctx, const struct qpu_exec *x,
		       struct qpu_refusal *r);
void qpu_bpf_job_done(const struct qpu_exec *x, const struct qpu_bpf_done *d);
ssize_t qpu_bpf_policy_show(u32 dev_id, char *buf);

/* kfuncs, called by policies only (uapi/linux/qpu_bpf.h) */
struct qpu_bpf_admit;
struct qpu_bpf_gate;
int qpu_bpf_gate(const struct qpu_bpf_admit *a, u32 index,
		 struct qpu_bpf_gate *g);
int qpu_bpf_phys_qubit(const struct qpu_bpf_admit *a, u32 v);
int qpu_bpf_near_other_tenant(const struct qpu_bpf_admit *a, u32 phys);
#else
static inline int qpu_bpf_init(void)
{
	return 0;
}

static inline bool qpu_bpf_available(void)
{
	return false;
}

static inline int qpu_bpf_admit_load(struct qpu_ctx *ctx,
				     const struct qpu_circuit *circ,
				     const struct qpu_allocation *a, u32 *reason)
{
	return 0;
}

static inline int qpu_bpf_admit_exec(struct qpu_ctx *ctx,
				     const struct qpu_exec *x,
				     struct qpu_refusal *r)
{
	return 0;
}

static inline void qpu_bpf_job_done(const struct qpu_exec *x,
				    const struct qpu_bpf_done *d)
{
}

static inline ssize_t qpu_bpf_policy_show(u32 dev_id, char *buf)
{
	return sysfs_emit(buf, "\n");
}
#endif

#endif /* QPU_BPF_H */
