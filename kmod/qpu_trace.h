/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_trace.h - tracepoints of the qpu driver (events/qpu/): circuit
 * load, the monitoring policy's flag and deny decisions, and job submit,
 * start and completion, with the device, context, tenant (cgroup id),
 * pid, job id, circuit hash prefix, shots and status, so a job's life and
 * provenance can be followed with perf, bpftrace or tracefs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM qpu

#if !defined(QPU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define QPU_TRACE_H

#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/unaligned.h>

#include <linux/qpu_bpf.h>

/*
 * qpu_job.c defines the events (CREATE_TRACE_POINTS), after the headers
 * of the types they read (struct qpu_job, qpu_ctx, qpu_device,
 * qpu_circuit); other files include this to fire them.
 */
struct qpu_circuit;
struct qpu_ctx;
struct qpu_job;

TRACE_EVENT(qpu_circuit_load,
	TP_PROTO(const struct qpu_ctx *ctx, const struct qpu_circuit *circ,
		 u64 cgroup),
	TP_ARGS(ctx, circ, cgroup),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(const void *, ctx)
		__field(u64, cgroup)
		__field(u32, pid)
		__field(u64, hash)
		__field(u32, qubits)
		__field(u32, gates)
		__field(u32, params)
	),
	TP_fast_assign(
		__entry->dev = ctx->qdev->id;
		__entry->ctx = ctx;
		__entry->cgroup = cgroup;
		__entry->pid = task_tgid_nr(current);
		__entry->hash = get_unaligned_be64(circ->hash);
		__entry->qubits = circ->core.num_qubits;
		__entry->gates = circ->core.num_gates;
		__entry->params = circ->core.num_params;
	),
	TP_printk("qpu%u ctx=%p cgroup=%llu pid=%u circuit=%016llx qubits=%u gates=%u params=%u",
		  __entry->dev, __entry->ctx, __entry->cgroup, __entry->pid,
		  __entry->hash, __entry->qubits, __entry->gates,
		  __entry->params)
);

TRACE_EVENT(qpu_admit,
	TP_PROTO(const struct qpu_bpf_admit *a, const char *policy, u32 action,
		 u32 reason),
	TP_ARGS(a, policy, action, reason),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, kind)
		__field(u64, cgroup)
		__field(u32, pid)
		__field(u64, hash)
		__field(u32, action)
		__field(u32, reason)
		__string(policy, policy)
	),
	TP_fast_assign(
		__entry->dev = a->dev_id;
		__entry->kind = a->kind;
		__entry->cgroup = a->cgroup_id;
		__entry->pid = a->pid;
		__entry->hash = get_unaligned_be64(a->hash);
		__entry->action = action;
		__entry->reason = reason;
		__assign_str(policy);
	),
	TP_printk("qpu%u %s cgroup=%llu pid=%u circuit=%016llx policy=%s %s reason=%u",
		  __entry->dev,
		  __print_symbolic(__entry->kind, { QPU_ADMIT_LOAD, "load" },
				   { QPU_ADMIT_SUBMIT, "submit" },
				   { QPU_ADMIT_RUN, "run" }),
		  __entry->cgroup, __entry->pid, __entry->hash,
		  __get_str(policy),
		  __print_symbolic(__entry->action, { QPU_BPF_ALLOW, "allow" },
				   { QPU_BPF_FLAG, "flag" },
				   { QPU_BPF_DENY, "deny" }),
		  __entry->reason)
);

DECLARE_EVENT_CLASS(qpu_job_class,
	TP_PROTO(const struct qpu_job *job),
	TP_ARGS(job),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(const void *, ctx)
		__field(u64, cgroup)
		__field(u32, pid)
		__field(u32, id)
		__field(u64, hash)
		__field(u32, shots)
		__field(u32, sweeps)
		__field(int, status)
		__field(bool, uring)
	),
	TP_fast_assign(
		__entry->dev = job->ctx->qdev->id;
		__entry->ctx = job->ctx;
		__entry->cgroup = qpu_tenant_charge_id(&job->x.charge);
		__entry->pid = job->x.pid;
		__entry->id = job->id;
		__entry->hash = get_unaligned_be64(job->x.circ->hash);
		__entry->shots = job->x.job.shots;
		__entry->sweeps = job->x.nsweeps;
		__entry->status = job->status;
		__entry->uring = job->origin == QPU_JOB_FROM_URING;
	),
	TP_printk("qpu%u ctx=%p cgroup=%llu pid=%u job=%u circuit=%016llx shots=%u sweeps=%u status=%d%s",
		  __entry->dev, __entry->ctx, __entry->cgroup, __entry->pid,
		  __entry->id, __entry->hash,
		  __entry->shots, __entry->sweeps, __entry->status,
		  __entry->uring ? " uring" : "")
);

DEFINE_EVENT(qpu_job_class, qpu_job_submit,
	TP_PROTO(const struct qpu_job *job),
	TP_ARGS(job)
);

DEFINE_EVENT(qpu_job_class, qpu_job_start,
	TP_PROTO(const struct qpu_job *job),
	TP_ARGS(job)
);

DEFINE_EVENT(qpu_job_class, qpu_job_complete,
	TP_PROTO(const struct qpu_job *job),
	TP_ARGS(job)
);

#endif /* QPU_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE qpu_trace
#include <trace/define_trace.h>
