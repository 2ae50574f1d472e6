/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_backend.h - what executes a job: the backend operations table and
 * struct qpu_exec, one run as a backend sees it.
 *
 * Each device has one backend (qpu_device.backend, chosen at creation).
 * The state-vector simulator (qpu_backend_sim.c) is the first; a
 * userspace (ublk-style), GPU or remote backend is another table of the
 * same operations, and neither the submitters nor the scheduler change
 * for it. Synchronous runs (QPU_IOC_RUN, qpu_run.c) and asynchronous jobs
 * (an executor, through qpu_job.c) go through the same ->run().
 *
 * Ownership and locking of struct qpu_exec: qpu_run.c resolves and
 * references its circuit, allocation and buffers under qpu_ctx.lock
 * (qpu_exec_prepare_locked()), which calls ->prepare() last; from then on
 * those fields are read-only until qpu_exec_release(). The backend owns
 * the fields it sets in ->prepare() and, while ->run() executes, the
 * result slices and @sim_ns/@qpu_ns, without any lock: one run is
 * executed by one thread. @abort is written by ->abort() from any context
 * (atomic). @sync_node belongs to the scheduler (qpu_sched.lock).
 *
 * What a backend owes the audit trail: every parameter vector it reads,
 * through qpu_exec_hash_params() as it copies it, and every result slice
 * it writes, through qpu_exec_hash_slice() (qpu_run.h), in order; it runs
 * on @calib, the calibration current when the run began.
 */
#ifndef QPU_BACKEND_H
#define QPU_BACKEND_H

#include <crypto/sha2.h>
#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/qpu.h>

#include "qpu_tenant.h"

struct qpu_allocation;
struct qpu_buffer;
struct qpu_calib_snap;
struct qpu_circuit;
struct qpu_device;
struct qpu_exec;
struct qpu_run_noise;
struct qpu_sched;

/**
 * struct qpu_backend_ops - how a backend executes runs
 * @name: short name, for messages
 * @prepare: a run's objects are resolved and its byte ranges checked:
 *	check what only the backend knows and set up its per-run state.
 *	Called with qpu_ctx.lock held, also from io_uring's non-blocking
 *	issue path, so it must not sleep. Return: 0 or a negative errno,
 *	reported at submission (nothing runs).
 * @run: execute every slice of a prepared run and write its result
 *	slices. Process context, may sleep, no lock held; stops early once
 *	@abort was called. Return: 0 or the errno of the first failed slice
 *	(the job's status).
 * @abort: ask a run in @run to stop with @err (-ECANCELED, -ENODEV) at its
 *	next checkpoint. Any context, called under qpu_sched.lock:
 *	must not sleep. The first call wins; a run that already finished
 *	ignores it.
 */
struct qpu_backend_ops {
	const char *name;
	int (*prepare)(struct qpu_exec *x);
	int (*run)(struct qpu_exec *x);
	void (*abort)(struct qpu_exec *x, int err);
};

/* qpu_backend_sim.c: the in-kernel state-vector simulator */
extern const struct qpu_backend_ops qpu_backend_sim;

/**
 * struct qpu_exec - a run with everything resolved and referenced
 * @qdev: device
 * @backend: the device's backend, which executes it
 * @sched: the device's scheduler (synchronous runs register with it)
 * @circ: circuit (referenced)
 * @alloc: allocation (marked busy)
 * @pbuf: parameter buffer (referenced) or NULL
 * @rbuf: result buffer (referenced)
 * @job: the descriptor as submitted
 * @nsweeps: parameter vectors, >= 1
 * @max_outcomes: histogram entries one slice may need
 * @nexpect: expectation values per slice
 * @slice_size: bytes one result slice needs
 * @seed: base seed
 * @sim_ns: simulation time of all slices
 * @qpu_ns: modelled device time of all slices
 * @abort: 0, or the errno to stop with at the next checkpoint
 * @sync_node: in qpu_sched.sync_runs while a synchronous run executes
 *	(qpu_sched.lock)
 * @charge: what its tenant is charged (qpu_tenant.h)
 * @excl_tag: non-zero while its tenant's isolation is exclusive: the
 *	isolation domain, nothing outside which runs beside it (the
 *	scheduler's)
 * @started: it began executing (so its budgets are spent)
 * @origin: enum qpu_bpf_origin: submitted by ioctl, io_uring, or a
 *	synchronous run
 * @pid: the submitter's thread group id (initial pid namespace)
 * @uid: the submitter's uid (initial user namespace)
 * @calib: the calibration it runs on, referenced from qpu_exec_begin()
 * @noise: a calibrated run's noise and crosstalk record (qpu_noise.c),
 *	from qpu_exec_begin(); NULL for an ideal run
 * @running: its allocation is marked running (qpu_noise_run_begin())
 * @param_sha: SHA-256 of the parameter vectors read so far
 * @result_sha: SHA-256 of the result slices written so far
 */
struct qpu_exec {
	struct qpu_device *qdev;
	const struct qpu_backend_ops *backend;
	struct qpu_sched *sched;
	struct qpu_circuit *circ;
	struct qpu_allocation *alloc;
	struct qpu_buffer *pbuf;
	struct qpu_buffer *rbuf;
	struct qpu_job_desc job;
	u32 nsweeps;
	u32 max_outcomes;
	u32 nexpect;
	u32 slice_size;
	u64 seed;
	u64 sim_ns;
	u64 qpu_ns;
	atomic_t abort;
	struct list_head sync_node;
	struct qpu_tenant_charge charge;
	u32 excl_tag;
	bool started;
	u8 origin;
	u32 pid;
	u32 uid;
	struct qpu_calib_snap *calib;
	struct qpu_run_noise *noise;
	bool running;
	struct sha256_state param_sha;
	struct sha256_state result_sha;
};

/* A backend read @len bytes of parameters for the run: hash them. */
static inline void qpu_exec_hash_params(struct qpu_exec *x, const void *p,
					size_t len)
{
	sha256_update(&x->param_sha, p, len);
}

static inline int qpu_backend_prepare(struct qpu_exec *x)
{
	return x->backend->prepare(x);
}

static inline int qpu_backend_run(struct qpu_exec *x)
{
	return x->backend->run(x);
}

static inline void qpu_backend_abort(struct qpu_exec *x, int err)
{
	x->backend->abort(x, err);
}

#endif /* QPU_BACKEND_H */
