/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_device.h - struct qpu_device, one /dev/qpuN: created and removed by
 * qpu_drv.c, which also owns the lifecycle rwsem and ->dead.
 *
 * Lifetime: that of its embedded struct device. qpu_drv.c creates it,
 * makes it unreachable on removal and frees it in the device release
 * callback once the last open file has dropped its reference
 * (get_device() at open).
 *
 * Locks, outer to inner: qpu_device.lifecycle (rwsem: read-held by every
 * ioctl and io_uring submission, write-held once by removal to set
 * ->dead) -> qpu_ctx.lock -> qpu_device.alloc_lock, and qpu_ctx.lock ->
 * qpu_sched.lock (spinlock, qpu_sched.h). qpu_calib.lock is
 * independent; qpu_audit.lock (spinlock, qpu_audit.h) is innermost. What each protects is listed with the fields below.
 *
 * mmap() runs with mmap_lock held and takes qpu_ctx.lock, so no user
 * memory may be touched (copy_to_user() and friends can fault and take
 * mmap_lock) while qpu_ctx.lock is held; and it takes no lifecycle lock
 * (a writer queued on lifecycle would block it while an ioctl holding
 * lifecycle for reading faults on mmap_lock).
 *
 * Removal order (qpu_drv.c): stop the scheduler (nothing new starts,
 * everything running is aborted), make the device unreachable (cdev and
 * sysfs removed, their calls drained), set ->dead (file operations
 * drained), then complete queued jobs and stop the executors.
 */
#ifndef QPU_DEVICE_H
#define QPU_DEVICE_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "core/qalloc.h"
#include "core/topology.h"
#include "qpu_audit.h"
#include "qpu_noise.h"
#include "qpu_sched.h"
#include "qpu_tenant.h"

/** QPU_DEFAULT_SIM_QUBITS - default of the max_sim_qubits tunable */
#define QPU_DEFAULT_SIM_QUBITS	20
/**
 * QPU_DEFAULT_MAX_GATES - default of the max_gates tunable: 1 Mi gates
 * (96 MiB charged to the loader's memory cgroup), room for the largest
 * programs of public benchmark suites (an HHL instance has ~190 000)
 */
#define QPU_DEFAULT_MAX_GATES	(1U << 20)

struct qpu_backend_ops;
struct qpu_calib;

/**
 * struct qpu_device - one simulated QPU, /dev/qpuN
 * @dev: the class device; its refcount is the qpu_device's
 * @cdev: character device
 * @id: N of /dev/qpuN
 * @lifecycle: read-held by file operations, write-held by removal
 * @dead: set under @lifecycle (write) when the device is removed; every
 *	later file operation fails with -ENODEV (WAIT, poll and mmap read it
 *	without the lock)
 * @topo: immutable coupling graph
 * @alloc_lock: protects @alloc and @owner_seq, and serialises writers of
 *	@qubit_tenant
 * @alloc: physical qubit allocator
 * @owner_seq: last owner tag handed to the allocator
 * @qubit_tenant: per physical qubit, the cgroup id of the tenant holding
 *	it, 0 when free: written under @alloc_lock with WRITE_ONCE(), read
 *	locklessly (READ_ONCE()) by the monitoring kfuncs (qpu_bpf.c)
 * @max_ctx_qubits: most qubits one context may hold (sysfs tunable)
 * @max_sim_qubits: widest circuit that may be loaded (sysfs tunable)
 * @max_gates: most gates a circuit may have (sysfs tunable, at most
 *	%QPU_MAX_GATES)
 * @calib: calibration data (qpu_calib.c)
 * @noise: noise mode, crosstalk and placement tunables (qpu_noise.c)
 * @backend: what executes its jobs and runs (qpu_backend.h)
 * @sched: its job queue and executors (qpu_sched.h)
 * @tenants: per-cgroup limits and usage on this device (qpu_tenant.h)
 * @audit: its audit records' sequence and loss counters (qpu_audit.h)
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
	u64 *qubit_tenant;

	u32 max_ctx_qubits;
	u32 max_sim_qubits;
	u32 max_gates;
	struct qpu_calib *calib;
	struct qpu_noise noise;
	const struct qpu_backend_ops *backend;

	struct qpu_sched sched;
	struct qpu_tenants tenants;
	struct qpu_audit audit;
};

struct qpu_device *qpu_device_get(u32 id);
void qpu_device_put(struct qpu_device *qdev);

static inline struct qpu_device *to_qpu_device(struct device *dev)
{
	return container_of(dev, struct qpu_device, dev);
}

#endif /* QPU_DEVICE_H */
