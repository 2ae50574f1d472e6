/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_drv.h - internal types of the qpu driver shared by its files.
 *
 * Objects and their lifetimes:
 *
 *  struct qpu_device   one /dev/qpuN. Its lifetime is that of its embedded
 *                      struct device: created by qpu_device_create(), made
 *                      unreachable by qpu_device_remove() and freed by the
 *                      device release callback once the last open file has
 *                      dropped its reference (get_device() at open).
 *  struct qpu_ctx      one open file (file->private_data). Owns the qubit
 *                      allocations, buffers and circuits made through it.
 *  struct qpu_buffer   shared memory, kref'd: the handle table, mappings
 *                      (through their page references) and running jobs
 *                      each keep it.
 *  struct qpu_circuit  a validated circuit, kref'd: the handle table and
 *                      running jobs each keep it.
 *
 *  struct qpu_job      an asynchronous job (qpu_job.c), queued on its
 *                      device and run by the device's executor threads
 *                      (qpu_sched.c). It holds a reference to its context.
 *
 * Locks (outer to inner): qpu_ctx.lock -> qpu_device.sched_lock (spinlock)
 * and qpu_ctx.lock -> qpu_device.alloc_lock. qpu_device.lifecycle is taken
 * for reading around every file operation and for writing once, by
 * removal, to set ->dead; it nests outside all of them.
 */
#ifndef QPU_DRV_H
#define QPU_DRV_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/qpu.h>

#include "core/circuit.h"
#include "core/qalloc.h"
#include "core/sim.h"
#include "core/topology.h"

/** QPU_DEFAULT_SIM_QUBITS - default of the max_sim_qubits tunable */
#define QPU_DEFAULT_SIM_QUBITS	20
/** QPU_MAX_WORKERS - most executor threads per device */
#define QPU_MAX_WORKERS		16
/** QPU_DEFAULT_WORKERS - executor threads a new device starts with */
#define QPU_DEFAULT_WORKERS	2

struct task_struct;
struct io_uring_cmd;
struct mem_cgroup;

/**
 * struct qpu_calib - calibration data of one device
 * @lock: protects every array below and @epoch updates
 * @epoch: bumped on every accepted change; readable without @lock
 * @readout_ppm: per-qubit readout error, parts per million
 * @gate1q_ppm: per-qubit single-qubit gate error, ppm
 * @t1_us: per-qubit relaxation time, microseconds
 * @t2_us: per-qubit dephasing time, microseconds
 * @gate2q_ppm: per-edge two-qubit gate error, ppm, indexed like
 *	qc_topology.edges
 */
struct qpu_calib {
	struct mutex lock;
	atomic64_t epoch;
	u32 *readout_ppm;
	u32 *gate1q_ppm;
	u32 *t1_us;
	u32 *t2_us;
	u32 *gate2q_ppm;
};

/**
 * struct qpu_device - one simulated QPU, /dev/qpuN
 * @dev: the class device; its refcount is the qpu_device's
 * @cdev: character device
 * @id: N of /dev/qpuN
 * @lifecycle: read-held by file operations, write-held by removal
 * @dead: set under @lifecycle (write) when the device is removed; every
 *	later file operation fails with -ENODEV
 * @topo: immutable coupling graph
 * @alloc_lock: protects @alloc and @owner_seq
 * @alloc: physical qubit allocator
 * @owner_seq: last owner tag handed to the allocator
 * @max_ctx_qubits: most qubits one context may hold (sysfs tunable)
 * @max_sim_qubits: widest circuit that may be loaded (sysfs tunable)
 * @calib: calibration data
 * @sched_lock: protects @queue, @running, every job's state and list node,
 *	and qpu_allocation.running of jobs on this device
 * @queue: queued jobs, in submission order
 * @running: jobs an executor is running
 * @sched_wq: executors wait here for work
 * @workers_lock: protects @workers and @nr_workers
 * @workers: executor threads
 * @nr_workers: their number (sysfs "workers")
 */
struct qpu_device {
	struct device dev;
	struct cdev cdev;
	u32 id;

	struct rw_semaphore lifecycle;
	bool dead;

	struct qc_topology *topo;

	struct mutex alloc_lock;
	struct qc_alloc *alloc;
	u32 owner_seq;

	u32 max_ctx_qubits;
	u32 max_sim_qubits;
	struct qpu_calib calib;

	spinlock_t sched_lock;
	struct list_head queue;
	struct list_head running;
	wait_queue_head_t sched_wq;
	struct mutex workers_lock;
	struct task_struct *workers[QPU_MAX_WORKERS];
	u32 nr_workers;
};

static inline struct qpu_device *to_qpu_device(struct device *dev)
{
	return container_of(dev, struct qpu_device, dev);
}

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
};

/**
 * struct qpu_allocation - qubits held by a context
 * @owner: allocator owner tag (device-wide unique while live)
 * @busy: jobs holding these qubits (queued or running); freeing fails with
 *	-EBUSY meanwhile
 * @running: an executor runs a job on them (qpu_device.sched_lock): jobs on
 *	one allocation run one at a time, like on hardware
 * @k: number of qubits
 * @phys: phys[v] is the physical qubit behind virtual qubit v
 */
struct qpu_allocation {
	u32 owner;
	u32 busy;
	bool running;
	u32 k;
	u32 phys[] __counted_by(k);
};

/**
 * struct qpu_buffer - memory shared with userspace
 * @ref: references (handle table, jobs)
 * @size: bytes, a multiple of PAGE_SIZE
 * @npages: pages in @pages
 * @pages: the pages, charged to the creator's memory cgroup
 * @vaddr: kernel mapping of @pages
 */
struct qpu_buffer {
	struct kref ref;
	size_t size;
	unsigned int npages;
	struct page **pages;
	void *vaddr;
};

/**
 * struct qpu_circuit - a loaded circuit
 * @ref: references (handle table, jobs)
 * @core: the simulator's view (points into @gates and @observables)
 * @gates: validated gates
 * @observables: Z masks
 * @pairs: couplings the circuit relies on ((a << 16) | b, virtual)
 * @num_pairs: entries in @pairs
 * @alloc_handle: allocation it was validated against
 * @alloc_owner: that allocation's owner tag, to detect handle reuse
 * @shot_ns: modelled duration of one shot
 * @hash: SHA-256 of the circuit
 */
struct qpu_circuit {
	struct kref ref;
	struct qc_circuit core;
	struct qpu_gate *gates;
	u64 *observables;
	u32 *pairs;
	u32 num_pairs;
	u32 alloc_handle;
	u32 alloc_owner;
	u64 shot_ns;
	u8 hash[32];
};

/* qpu_drv.c */
extern const struct file_operations qpu_fops;
int qpu_device_create(u32 id, const char *spec);
int qpu_device_remove(u32 id);

/* qpu_ctx.c */
struct qpu_ctx *qpu_ctx_create(struct qpu_device *qdev);
void qpu_ctx_destroy(struct qpu_ctx *ctx);
int qpu_ctx_alloc(struct qpu_ctx *ctx, struct qpu_alloc *arg);
int qpu_ctx_alloc_query(struct qpu_ctx *ctx, struct qpu_alloc *arg);
int qpu_ctx_free(struct qpu_ctx *ctx, struct qpu_free *arg);

/* qpu_buffer.c */
int qpu_buffer_create(struct qpu_ctx *ctx, struct qpu_buffer_create *arg);
int qpu_buffer_destroy(struct qpu_ctx *ctx, struct qpu_buffer_destroy *arg);
void qpu_buffer_put(struct qpu_buffer *buf);
int qpu_buffer_mmap(struct qpu_ctx *ctx, struct vm_area_struct *vma);

/* qpu_circuit.c */
int qpu_circuit_load(struct qpu_ctx *ctx, struct qpu_circuit_load *arg);
int qpu_circuit_free(struct qpu_ctx *ctx, struct qpu_circuit_free *arg);
void qpu_circuit_put(struct qpu_circuit *circ);
bool qpu_circuit_fits(const struct qpu_circuit *circ, struct qpu_device *qdev,
		      const struct qpu_allocation *a);

/**
 * struct qpu_exec - a job with everything resolved and referenced
 * @qdev: device
 * @circ: circuit (referenced)
 * @alloc: allocation (marked busy)
 * @pbuf: parameter buffer (referenced) or NULL
 * @rbuf: result buffer (referenced)
 * @job: the job as submitted
 * @nsweeps: parameter vectors, >= 1
 * @max_outcomes: histogram entries one slice may need
 * @nexpect: expectation values per slice
 * @slice_size: bytes one result slice needs
 * @seed: base seed
 * @sim_ns: simulation time of all slices
 * @qpu_ns: modelled device time of all slices
 * @abort: 0, or the errno to stop with at the next FPU section boundary
 *	(-ECANCELED, -ENODEV); set from any context
 */
struct qpu_exec {
	struct qpu_device *qdev;
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
};

/* qpu_run.c */
int qpu_exec_prepare(struct qpu_ctx *ctx, struct qpu_exec *x, u32 *needed);
int qpu_exec_run(struct qpu_exec *x);
void qpu_exec_release(struct qpu_ctx *ctx, struct qpu_exec *x);
int qpu_ctx_run(struct qpu_ctx *ctx, struct qpu_run *arg);

/**
 * struct qpu_job - an asynchronous job
 * @x: what it runs, resolved and referenced (qpu_run.c)
 * @ctx: its context (referenced)
 * @node: in qpu_device.queue or .running (sched_lock), then in
 *	qpu_ctx.done (ctx->lock) once completed, for ioctl jobs
 * @id: id in ctx->jobs
 * @state: enum qpu_job_state (sched_lock)
 * @status: 0 or negative errno, valid once completed
 * @user_data: from qpu_submit
 * @submit_ns: CLOCK_MONOTONIC submission time
 * @start_ns: when an executor picked it up
 * @end_ns: when it completed
 * @ucmd: the io_uring command that submitted it, or NULL
 * @memcg: submitter's memory cgroup, charged for the job's memory
 */
struct qpu_job {
	struct qpu_exec x;
	struct qpu_ctx *ctx;
	struct list_head node;
	u32 id;
	u32 state;
	int status;
	u64 user_data;
	u64 submit_ns;
	u64 start_ns;
	u64 end_ns;
	struct io_uring_cmd *ucmd;
	struct mem_cgroup *memcg;
};

/* qpu_ctx.c */
void qpu_ctx_put(struct qpu_ctx *ctx);

/* qpu_job.c */
int qpu_job_submit(struct qpu_ctx *ctx, const struct qpu_job *tmpl,
		   u32 *id, u32 *needed, unsigned int issue_flags);
int qpu_job_submit_ioctl(struct qpu_ctx *ctx, struct qpu_submit *arg);
int qpu_job_wait(struct qpu_ctx *ctx, struct qpu_wait *arg);
int qpu_job_cancel(struct qpu_ctx *ctx, struct qpu_cancel *arg);
void qpu_job_reap_cancelled(struct qpu_ctx *ctx, u32 id);
void qpu_job_finish(struct qpu_job *job, int status);
void qpu_job_notify(struct qpu_ctx *ctx);
void qpu_job_forget(struct qpu_job *job);
void qpu_jobs_teardown(struct qpu_ctx *ctx);
__poll_t qpu_job_poll(struct qpu_ctx *ctx, struct file *file,
		      struct poll_table_struct *wait);

/* qpu_sched.c */
int qpu_sched_init(struct qpu_device *qdev);
void qpu_sched_shutdown(struct qpu_device *qdev);
void qpu_sched_enqueue(struct qpu_job *job);
int qpu_sched_claim(struct qpu_job *job, int abort);
int qpu_sched_set_workers(struct qpu_device *qdev, u32 n);
void qpu_sched_job_done(struct qpu_job *job);

/* qpu_uring.c */
int qpu_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);
void qpu_uring_prepare(struct qpu_job *job, unsigned int issue_flags);
void qpu_uring_complete(struct qpu_job *job);

/* qpu_sysfs.c */
extern const struct attribute_group *qpu_device_groups[];

/* qpu_calib.c */
extern const struct attribute_group qpu_calib_group;
int qpu_calib_init(struct qpu_device *qdev);
void qpu_calib_fini(struct qpu_device *qdev);
ssize_t qpu_records_read(char *buf, loff_t off, size_t count, u32 nrec,
			 u32 reclen,
			 void (*fmt)(void *priv, u32 idx, char *out),
			 void *priv);

/* qpu_debugfs.c: object counters, checked at unload and by the tests */
enum qpu_obj_kind {
	QPU_OBJ_DEVICES,
	QPU_OBJ_CONTEXTS,
	QPU_OBJ_ALLOCATIONS,
	QPU_OBJ_BUFFERS,
	QPU_OBJ_CIRCUITS,
	QPU_OBJ_JOBS,
	QPU_OBJ_NR,
};

void qpu_obj_inc(enum qpu_obj_kind kind);
void qpu_obj_dec(enum qpu_obj_kind kind);
void qpu_debugfs_init(void);
void qpu_debugfs_fini(void);
int qpu_obj_check_leaks(void);

/* Helpers shared by the ioctl handlers. */
static inline bool qpu_is_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

#endif /* QPU_DRV_H */
