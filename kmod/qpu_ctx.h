/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_ctx.h - per-open-file contexts and the qubit allocations they hold
 * (qpu_ctx.c).
 *
 * Owns struct qpu_ctx and struct qpu_allocation. qpu_ctx.lock protects
 * the context's handle tables (allocations here; buffers and circuits are
 * filled by qpu_buffer.c and qpu_circuit.c, jobs by qpu_job.c), their
 * cursors, the job counters and done list, and every allocation's @busy;
 * qpu_allocation.lane is the scheduler's (qpu_sched.lock). The
 * struct lives until its last reference (the file's, and one per job).
 */
#ifndef QPU_CTX_H
#define QPU_CTX_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/qpu.h>

#include "qpu_sched.h"
#include "qpu_tenant.h"

struct qpu_device;

/**
 * struct qpu_ctx - per-open-file state
 * @qdev: the device, referenced for the life of the file
 * @lock: protects the tables, their cursors, @nr_qubits and every
 *	qpu_allocation.busy of this context
 * @allocs: handle -> struct qpu_allocation
 * @buffers: handle -> struct qpu_buffer
 * @circuits: handle -> struct qpu_circuit
 * @alloc_next: cyclic handle cursors, so a freed handle is not soon
 *	reused by something else
 * @buffer_next: see @alloc_next
 * @circuit_next: see @alloc_next
 * @nr_qubits: qubits held by all of @allocs
 * @ref: the open file holds one reference, every job another; the struct
 *	(not what it owns, which release tears down) lives until the last
 * @jobs: id -> struct qpu_job, from submission until reaped (ioctl jobs) or
 *	completed (io_uring jobs)
 * @job_next: cyclic cursor of @jobs
 * @nr_jobs: entries in @jobs
 * @nr_pending: ioctl jobs submitted and not yet completed
 * @done: completed ioctl jobs not yet reaped, oldest first
 * @inflight: jobs not yet completed (atomic: completion decrements it
 *	without ctx->lock, then wakes @wq)
 * @wq: woken on every job completion: WAIT, poll and release wait here
 * @done_seq: incremented on every completion (lets waiters sleep unlocked)
 * @refusal_lock: protects @refusal (a spinlock: refusals are recorded
 *	with or without ctx->lock held)
 * @refusal: the latest refused charge, for QPU_IOC_GET_REFUSAL
 */
struct qpu_ctx {
	struct qpu_device *qdev;
	struct mutex lock;
	struct xarray allocs;
	struct xarray buffers;
	struct xarray circuits;
	u32 alloc_next;
	u32 buffer_next;
	u32 circuit_next;
	u32 nr_qubits;

	struct kref ref;
	struct xarray jobs;
	u32 job_next;
	u32 nr_jobs;
	u32 nr_pending;
	struct list_head done;
	atomic_t inflight;
	wait_queue_head_t wq;
	atomic_t done_seq;

	spinlock_t refusal_lock;
	struct qpu_refusal refusal;
};

/**
 * struct qpu_allocation - qubits held by a context
 * @owner: allocator owner tag (device-wide unique while live)
 * @busy: jobs holding these qubits (queued or running); freeing fails with
 *	-EBUSY meanwhile
 * @lane: the scheduler's (qpu_sched.h; qpu_sched.lock): jobs on
 *	one allocation run one at a time, like on hardware
 * @charge: its qubits' charge to the tenant that allocated them
 * @k: number of qubits
 * @phys: phys[v] is the physical qubit behind virtual qubit v
 */
struct qpu_allocation {
	u32 owner;
	u32 busy;
	struct qpu_sched_lane lane;
	struct qpu_tenant_charge charge;
	u32 k;
	u32 phys[] __counted_by(k);
};

struct qpu_ctx *qpu_ctx_create(struct qpu_device *qdev);
void qpu_ctx_destroy(struct qpu_ctx *ctx);
void qpu_ctx_put(struct qpu_ctx *ctx);
int qpu_ctx_alloc(struct qpu_ctx *ctx, struct qpu_alloc *arg);
int qpu_ctx_alloc_query(struct qpu_ctx *ctx, struct qpu_alloc *arg);
int qpu_ctx_free(struct qpu_ctx *ctx, struct qpu_free *arg);
void qpu_ctx_refused(struct qpu_ctx *ctx, struct qpu_refusal *r, int err);
int qpu_ctx_get_refusal(struct qpu_ctx *ctx, struct qpu_get_refusal *arg);

#endif /* QPU_CTX_H */
