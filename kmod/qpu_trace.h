/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_trace.h - tracepoints of the qpu driver (events/qpu/): job submit,
 * start and completion, with the device, context, job id, circuit hash
 * prefix, shots and status, so a job's life and provenance can be followed
 * with perf or tracefs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM qpu

#if !defined(QPU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define QPU_TRACE_H

#include <linux/tracepoint.h>
#include <linux/unaligned.h>

/*
 * Included by qpu_job.c alone, after the headers of the types the events
 * read (struct qpu_job, qpu_ctx, qpu_device, qpu_circuit); it defines the
 * events too (CREATE_TRACE_POINTS).
 */
struct qpu_job;

DECLARE_EVENT_CLASS(qpu_job_class,
	TP_PROTO(const struct qpu_job *job),
	TP_ARGS(job),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(const void *, ctx)
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
		__entry->id = job->id;
		__entry->hash = get_unaligned_be64(job->x.circ->hash);
		__entry->shots = job->x.job.shots;
		__entry->sweeps = job->x.nsweeps;
		__entry->status = job->status;
		__entry->uring = job->origin == QPU_JOB_FROM_URING;
	),
	TP_printk("qpu%u ctx=%p job=%u circuit=%016llx shots=%u sweeps=%u status=%d%s",
		  __entry->dev, __entry->ctx, __entry->id, __entry->hash,
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
