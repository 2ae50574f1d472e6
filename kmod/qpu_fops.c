// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_fops.c - file operations of /dev/qpuN: open, release and the ioctl
 * dispatcher, plus the device-wide query ioctls (info, topology).
 *
 * The dispatcher owns the ABI conventions of uapi/linux/qpu.h: it decodes
 * the struct size from the ioctl number, copies arguments in with
 * copy_struct_from_user() semantics, holds qpu_device.lifecycle for reading
 * while the handler runs (so removal waits for it and later calls see
 * -ENODEV), and copies the struct back, on failure too. mmap() takes no
 * lifecycle lock (see qpu_mmap()).
 *
 * Access modes: a file opened without write access (O_RDONLY) may only
 * query the device (GET_INFO, GET_TOPOLOGY, ALLOC_QUERY) and poll; every
 * ioctl that allocates, loads, creates, frees, runs, submits, waits for or
 * cancels, mmap() and io_uring commands fail with -EBADF on it, as write(2)
 * does on a read-only descriptor. The check uses file->f_mode, fixed at
 * open, so it needs no lock.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "qpu_abi.h"
#include "qpu_bpf.h"
#include "qpu_buffer.h"
#include "qpu_calib.h"
#include "qpu_circuit.h"
#include "qpu_ctx.h"
#include "qpu_device.h"
#include "qpu_fops.h"
#include "qpu_job.h"
#include "qpu_run.h"
#include "qpu_uring.h"

static int qpu_open(struct inode *inode, struct file *file)
{
	struct qpu_device *qdev = container_of(inode->i_cdev, struct qpu_device,
					       cdev);
	struct qpu_ctx *ctx;

	ctx = qpu_ctx_create(qdev);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	file->private_data = ctx;
	return 0;
}

static int qpu_release(struct inode *inode, struct file *file)
{
	struct qpu_ctx *ctx = file->private_data;
	struct qpu_circuit *circ;
	struct qpu_buffer *buf;
	unsigned long handle;

	/*
	 * Last reference to the file: no new job can arrive. Cancel queued
	 * jobs and wait for running ones; after that nothing else uses what
	 * the context owns: drop the handle tables' references, then the
	 * context returns its qubits.
	 */
	qpu_jobs_teardown(ctx);
	xa_for_each(&ctx->circuits, handle, circ)
		qpu_circuit_put(circ);
	xa_destroy(&ctx->circuits);
	xa_for_each(&ctx->buffers, handle, buf)
		qpu_buffer_put(buf);
	xa_destroy(&ctx->buffers);
	qpu_ctx_destroy(ctx);
	return 0;
}

static int qpu_ioctl_get_info(struct qpu_ctx *ctx, void *data)
{
	struct qpu_device *qdev = ctx->qdev;
	struct qpu_info *info = data;

	/* max_gates (reserved before v6) is output only, like the others */
	if (info->flags || info->pad || info->pad2 ||
	    !qpu_is_zero(info->reserved, sizeof(info->reserved)))
		return -EINVAL;

	info->api_version = QPU_API_VERSION;
	info->features = QPU_FEAT_ALLOC | QPU_FEAT_CALIBRATION | QPU_FEAT_RUN |
			 QPU_FEAT_ASYNC | QPU_FEAT_TENANTS | QPU_FEAT_AUDIT |
			 QPU_FEAT_NOISE | QPU_FEAT_SOURCE |
			 (qpu_bpf_available() ? QPU_FEAT_POLICY : 0);
	info->dev_id = qdev->id;
	info->topology = qdev->topo->kind;
	info->num_qubits = qdev->topo->num_qubits;
	info->num_edges = qdev->topo->num_edges;
	info->max_ctx_qubits = READ_ONCE(qdev->max_ctx_qubits);
	mutex_lock(&qdev->alloc_lock);
	info->free_qubits = qc_alloc_free_count(qdev->alloc);
	mutex_unlock(&qdev->alloc_lock);
	info->calibration_epoch = qpu_calib_epoch(qdev);
	strscpy(info->topology_name, qdev->topo->name, sizeof(info->topology_name));
	info->max_sim_qubits = READ_ONCE(qdev->max_sim_qubits);
	info->max_gates = READ_ONCE(qdev->max_gates);
	return 0;
}

static int qpu_ioctl_get_topology(struct qpu_ctx *ctx, void *data)
{
	const struct qc_topology *t = ctx->qdev->topo;
	struct qpu_topology *arg = data;
	u32 cap = arg->num_edges;

	if (arg->flags || !qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;

	arg->num_edges = t->num_edges;
	if (!arg->edges_ptr)
		return 0;
	if (cap < t->num_edges)
		return -ENOSPC;
	/* qc_topology.edges is laid out exactly like struct qpu_edge[]. */
	BUILD_BUG_ON(sizeof(struct qpu_edge) != 2 * sizeof(u32));
	if (copy_to_user(u64_to_user_ptr(arg->edges_ptr), t->edges,
			 array_size(t->num_edges, sizeof(struct qpu_edge))))
		return -EFAULT;
	return 0;
}

static int qpu_ioctl_alloc(struct qpu_ctx *ctx, void *data)
{
	return qpu_ctx_alloc(ctx, data);
}

static int qpu_ioctl_alloc_query(struct qpu_ctx *ctx, void *data)
{
	return qpu_ctx_alloc_query(ctx, data);
}

static int qpu_ioctl_free(struct qpu_ctx *ctx, void *data)
{
	return qpu_ctx_free(ctx, data);
}

static int qpu_ioctl_circuit_load(struct qpu_ctx *ctx, void *data)
{
	return qpu_circuit_load(ctx, data);
}

static int qpu_ioctl_circuit_free(struct qpu_ctx *ctx, void *data)
{
	return qpu_circuit_free(ctx, data);
}

static int qpu_ioctl_buffer_create(struct qpu_ctx *ctx, void *data)
{
	return qpu_buffer_create(ctx, data);
}

static int qpu_ioctl_buffer_destroy(struct qpu_ctx *ctx, void *data)
{
	return qpu_buffer_destroy(ctx, data);
}

static int qpu_ioctl_run(struct qpu_ctx *ctx, void *data)
{
	return qpu_ctx_run(ctx, data);
}

static int qpu_ioctl_submit(struct qpu_ctx *ctx, void *data)
{
	return qpu_job_submit_ioctl(ctx, data);
}

/*
 * Undo handlers: a call that created something but whose reply (with the
 * new handle) could not be copied out is undone, so nothing is left that
 * userspace cannot name.
 */
static void qpu_undo_alloc(struct qpu_ctx *ctx, void *data)
{
	struct qpu_free f = { .handle = ((struct qpu_alloc *)data)->handle };

	qpu_ctx_free(ctx, &f);
}

static void qpu_undo_circuit_load(struct qpu_ctx *ctx, void *data)
{
	struct qpu_circuit_free f = {
		.handle = ((struct qpu_circuit_load *)data)->handle,
	};

	qpu_circuit_free(ctx, &f);
}

static void qpu_undo_buffer_create(struct qpu_ctx *ctx, void *data)
{
	struct qpu_buffer_destroy d = {
		.handle = ((struct qpu_buffer_create *)data)->handle,
	};

	qpu_buffer_destroy(ctx, &d);
}

static void qpu_undo_submit(struct qpu_ctx *ctx, void *data)
{
	/* Cancel it and reap it, even with a signal pending. */
	qpu_job_reap_cancelled(ctx, ((struct qpu_submit *)data)->job_id);
}

static int qpu_ioctl_cancel(struct qpu_ctx *ctx, void *data)
{
	return qpu_job_cancel(ctx, data);
}

static int qpu_ioctl_get_refusal(struct qpu_ctx *ctx, void *data)
{
	return qpu_ctx_get_refusal(ctx, data);
}

/**
 * struct qpu_ioctl_desc - one ioctl of the dispatch table
 * @cmd: the ioctl number of the current header (direction and number;
 *	its size field is the current struct's, see qpu_ioctl_size_ver0[])
 * @ksize: the struct size this kernel knows
 * @fn: handler; gets a kernel copy of the struct
 * @undo: for calls that create an object: undoes a successful @fn whose
 *	reply could not be copied out
 * @query: allowed on a file opened without write access
 */
struct qpu_ioctl_desc {
	unsigned int cmd;
	size_t ksize;
	int (*fn)(struct qpu_ctx *ctx, void *data);
	void (*undo)(struct qpu_ctx *ctx, void *data);
	bool query;
};

#define QPU_IOCTL_UNDO(_cmd, _fn, _type, _undo)				\
	[_IOC_NR(_cmd)] = { .cmd = _cmd, .ksize = sizeof(_type), .fn = _fn, \
			    .undo = _undo }
#define QPU_IOCTL(_cmd, _fn, _type) QPU_IOCTL_UNDO(_cmd, _fn, _type, NULL)
#define QPU_IOCTL_QUERY(_cmd, _fn, _type)				\
	[_IOC_NR(_cmd)] = { .cmd = _cmd, .ksize = sizeof(_type), .fn = _fn, \
			    .query = true }

static const struct qpu_ioctl_desc qpu_ioctls[] = {
	QPU_IOCTL_QUERY(QPU_IOC_GET_INFO, qpu_ioctl_get_info, struct qpu_info),
	QPU_IOCTL_QUERY(QPU_IOC_GET_TOPOLOGY, qpu_ioctl_get_topology,
			struct qpu_topology),
	QPU_IOCTL_UNDO(QPU_IOC_ALLOC, qpu_ioctl_alloc, struct qpu_alloc, qpu_undo_alloc),
	QPU_IOCTL(QPU_IOC_FREE, qpu_ioctl_free, struct qpu_free),
	QPU_IOCTL_QUERY(QPU_IOC_ALLOC_QUERY, qpu_ioctl_alloc_query,
			struct qpu_alloc),
	QPU_IOCTL_UNDO(QPU_IOC_CIRCUIT_LOAD, qpu_ioctl_circuit_load,
		       struct qpu_circuit_load, qpu_undo_circuit_load),
	QPU_IOCTL(QPU_IOC_CIRCUIT_FREE, qpu_ioctl_circuit_free, struct qpu_circuit_free),
	QPU_IOCTL_UNDO(QPU_IOC_BUFFER_CREATE, qpu_ioctl_buffer_create,
		       struct qpu_buffer_create, qpu_undo_buffer_create),
	QPU_IOCTL(QPU_IOC_BUFFER_DESTROY, qpu_ioctl_buffer_destroy,
		  struct qpu_buffer_destroy),
	QPU_IOCTL(QPU_IOC_RUN, qpu_ioctl_run, struct qpu_run),
	QPU_IOCTL_UNDO(QPU_IOC_SUBMIT, qpu_ioctl_submit, struct qpu_submit,
		       qpu_undo_submit),
	/* QPU_IOC_WAIT sleeps: handled outside the lifecycle lock. */
	QPU_IOCTL(QPU_IOC_WAIT, NULL, struct qpu_wait),
	QPU_IOCTL(QPU_IOC_CANCEL, qpu_ioctl_cancel, struct qpu_cancel),
	QPU_IOCTL_QUERY(QPU_IOC_GET_REFUSAL, qpu_ioctl_get_refusal,
			struct qpu_get_refusal),
};

/*
 * The smallest size each ioctl accepts: its struct's first published size.
 * Not _IOC_SIZE(desc->cmd): that grows with the struct, and programs
 * built against an older header must keep working.
 */
static const u16 qpu_ioctl_size_ver0[] = {
	[_IOC_NR(QPU_IOC_GET_INFO)] = QPU_INFO_SIZE_VER0,
	[_IOC_NR(QPU_IOC_GET_TOPOLOGY)] = QPU_TOPOLOGY_SIZE_VER0,
	[_IOC_NR(QPU_IOC_ALLOC)] = QPU_ALLOC_SIZE_VER0,
	[_IOC_NR(QPU_IOC_FREE)] = QPU_FREE_SIZE_VER0,
	[_IOC_NR(QPU_IOC_ALLOC_QUERY)] = QPU_ALLOC_SIZE_VER0,
	[_IOC_NR(QPU_IOC_CIRCUIT_LOAD)] = QPU_CIRCUIT_LOAD_SIZE_VER0,
	[_IOC_NR(QPU_IOC_CIRCUIT_FREE)] = QPU_CIRCUIT_FREE_SIZE_VER0,
	[_IOC_NR(QPU_IOC_BUFFER_CREATE)] = QPU_BUFFER_CREATE_SIZE_VER0,
	[_IOC_NR(QPU_IOC_BUFFER_DESTROY)] = QPU_BUFFER_DESTROY_SIZE_VER0,
	[_IOC_NR(QPU_IOC_RUN)] = QPU_RUN_SIZE_VER0,
	[_IOC_NR(QPU_IOC_SUBMIT)] = QPU_SUBMIT_SIZE_VER0,
	[_IOC_NR(QPU_IOC_WAIT)] = QPU_WAIT_SIZE_VER0,
	[_IOC_NR(QPU_IOC_CANCEL)] = QPU_CANCEL_SIZE_VER0,
	[_IOC_NR(QPU_IOC_GET_REFUSAL)] = QPU_GET_REFUSAL_SIZE_VER0,
};
static_assert(sizeof(struct qpu_info) >= QPU_INFO_SIZE_VER0);
static_assert(sizeof(struct qpu_topology) >= QPU_TOPOLOGY_SIZE_VER0);
static_assert(sizeof(struct qpu_alloc) >= QPU_ALLOC_SIZE_VER0);
static_assert(sizeof(struct qpu_free) >= QPU_FREE_SIZE_VER0);
static_assert(sizeof(struct qpu_circuit_load) >= QPU_CIRCUIT_LOAD_SIZE_VER0);
static_assert(sizeof(struct qpu_circuit_free) >= QPU_CIRCUIT_FREE_SIZE_VER0);
static_assert(sizeof(struct qpu_buffer_create) >= QPU_BUFFER_CREATE_SIZE_VER0);
static_assert(sizeof(struct qpu_buffer_destroy) >=
	      QPU_BUFFER_DESTROY_SIZE_VER0);
static_assert(sizeof(struct qpu_run) >= QPU_RUN_SIZE_VER0);
static_assert(sizeof(struct qpu_submit) >= QPU_SUBMIT_SIZE_VER0);
static_assert(sizeof(struct qpu_wait) >= QPU_WAIT_SIZE_VER0);
static_assert(sizeof(struct qpu_cancel) >= QPU_CANCEL_SIZE_VER0);
static_assert(sizeof(struct qpu_get_refusal) >= QPU_GET_REFUSAL_SIZE_VER0);

/* Large enough for every argument struct of the table above. */
union qpu_ioctl_args {
	struct qpu_info info;
	struct qpu_topology topology;
	struct qpu_alloc alloc;
	struct qpu_free free;
	struct qpu_circuit_load circuit_load;
	struct qpu_circuit_free circuit_free;
	struct qpu_buffer_create buffer_create;
	struct qpu_buffer_destroy buffer_destroy;
	struct qpu_run run;
	struct qpu_submit submit;
	struct qpu_wait wait;
	struct qpu_cancel cancel;
};

static long qpu_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	struct qpu_ctx *ctx = file->private_data;
	struct qpu_device *qdev = ctx->qdev;
	void __user *uptr = (void __user *)uarg;
	const struct qpu_ioctl_desc *desc;
	union qpu_ioctl_args args;
	unsigned int nr = _IOC_NR(cmd);
	size_t usize = _IOC_SIZE(cmd);
	long ret;

	if (_IOC_TYPE(cmd) != QPU_IOC_MAGIC || nr >= ARRAY_SIZE(qpu_ioctls))
		return -ENOTTY;
	desc = &qpu_ioctls[nr];
	if (!desc->cmd || _IOC_DIR(cmd) != _IOC_DIR(desc->cmd))
		return -ENOTTY;
	/* Structs only grow: anything smaller than the first version is bad. */
	BUILD_BUG_ON(ARRAY_SIZE(qpu_ioctl_size_ver0) != ARRAY_SIZE(qpu_ioctls));
	if (WARN_ON_ONCE(!qpu_ioctl_size_ver0[nr] ||
			 qpu_ioctl_size_ver0[nr] > desc->ksize))
		return -ENOTTY;
	if (usize < qpu_ioctl_size_ver0[nr])
		return -EINVAL;
	/* Read-only files may only query (see the top of this file). */
	if (!desc->query && !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	BUILD_BUG_ON(sizeof(args) > 256);

	memset(&args, 0, sizeof(args));
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		ret = copy_struct_from_user(&args, desc->ksize, uptr, usize);
		if (ret)
			return ret;
	}

	if (nr == _IOC_NR(QPU_IOC_WAIT)) {
		/*
		 * Waiting must not hold off removal: it only looks at this
		 * context's jobs, which removal completes, waking us. A wait
		 * that started before removal returns its job (status -ENODEV).
		 */
		ret = READ_ONCE(qdev->dead) ? -ENODEV : qpu_job_wait(ctx, &args.wait);
	} else {
		down_read(&qdev->lifecycle);
		ret = qdev->dead ? -ENODEV : desc->fn(ctx, &args);
		up_read(&qdev->lifecycle);
	}

	if ((_IOC_DIR(cmd) & _IOC_READ) && ret != -ENODEV &&
	    copy_to_user(uptr, &args, min(usize, desc->ksize))) {
		if (!ret && desc->undo) {
			down_read(&qdev->lifecycle);
			if (!qdev->dead)
				desc->undo(ctx, &args);
			up_read(&qdev->lifecycle);
		}
		ret = ret ?: -EFAULT;
	}
	return ret;
}

/*
 * mmap() runs with mmap_lock held for writing, so it must not take the
 * lifecycle rwsem: with removal queued for writing, an ioctl of the same
 * process that holds lifecycle for reading and faults on a user page
 * (waiting for mmap_lock) and this (waiting behind the queued writer)
 * would deadlock with the removal. A mapping only shares a buffer's pages,
 * which are the context's and outlive the device's removal, so checking
 * ->dead without the lock is enough.
 */
static int qpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct qpu_ctx *ctx = file->private_data;

	/* A read-only file has no buffers; say so as the ioctls do. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (READ_ONCE(ctx->qdev->dead))
		return -ENODEV;
	return qpu_buffer_mmap(ctx, vma);
}

static __poll_t qpu_poll(struct file *file, struct poll_table_struct *wait)
{
	return qpu_job_poll(file->private_data, file, wait);
}

const struct file_operations qpu_fops = {
	.owner = THIS_MODULE,
	.open = qpu_open,
	.release = qpu_release,
	.unlocked_ioctl = qpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = qpu_mmap,
	.poll = qpu_poll,
	.uring_cmd = qpu_uring_cmd,
	.llseek = noop_llseek,
};
