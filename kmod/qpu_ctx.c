// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_ctx.c - per-open-file contexts and the qubit allocations they hold.
 *
 * A context belongs to one open file description. A forked child shares
 * its parent's file and so its context, like any file descriptor; a
 * process that wants qubits of its own opens the device again. Everything
 * a context holds is returned when the last reference to the file goes,
 * whether by close(), exit or SIGKILL.
 *
 * Locking: qpu_ctx.lock protects the context's allocation table and qubit
 * count; the device's alloc_lock (taken inside it) protects the allocator.
 * No user memory is touched under qpu_ctx.lock (mmap() takes it with
 * mmap_lock held): ALLOC and ALLOC_QUERY snapshot what they return and
 * copy it out after dropping the lock; ALLOC reads an exact request's
 * qubits and a placement hint, and builds the calibrated costs of a
 * fidelity placement, before taking any lock.
 */
#include <linux/cgroup.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "qpu_abi.h"
#include "qpu_audit.h"
#include "qpu_calib.h"
#include "qpu_ctx.h"
#include "qpu_debugfs.h"
#include "qpu_device.h"
#include "qpu_noise.h"
#include "core/calib.h"

struct qpu_ctx *qpu_ctx_create(struct qpu_device *qdev)
{
	struct qpu_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return ERR_PTR(-ENOMEM);

	/* An open that raced with removal must not see a dead device. */
	down_read(&qdev->lifecycle);
	if (qdev->dead) {
		up_read(&qdev->lifecycle);
		kfree(ctx);
		return ERR_PTR(-ENODEV);
	}
	get_device(&qdev->dev);
	up_read(&qdev->lifecycle);

	ctx->qdev = qdev;
	kref_init(&ctx->ref);
	mutex_init(&ctx->lock);
	xa_init_flags(&ctx->jobs, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&ctx->done);
	init_waitqueue_head(&ctx->wq);
	spin_lock_init(&ctx->refusal_lock);
	xa_init_flags(&ctx->allocs, XA_FLAGS_ALLOC1);
	xa_init_flags(&ctx->buffers, XA_FLAGS_ALLOC1);
	xa_init_flags(&ctx->circuits, XA_FLAGS_ALLOC1);
	qpu_obj_inc(QPU_OBJ_CONTEXTS);
	return ctx;
}

/*
 * Return @a's qubits to the device and free it. Called with ctx->lock held
 * (it updates ctx->nr_qubits).
 */
/*
 * Record who holds the qubits of @a (@cgroup_id, or 0 when they are being
 * freed) for the monitoring kfuncs (qpu_device.qubit_tenant).
 */
static void qpu_note_qubit_tenant(struct qpu_device *qdev,
				  const struct qpu_allocation *a, u64 cgroup_id)
{
	u32 i;

	lockdep_assert_held(&qdev->alloc_lock);
	for (i = 0; i < a->k; i++)
		WRITE_ONCE(qdev->qubit_tenant[a->phys[i]], cgroup_id);
}

/*
 * Free @a, handle @handle of @ctx: recorded for the audit with @why (enum
 * qpu_audit_free), or not at all with 0 (it was never handed out).
 */
static void qpu_allocation_release(struct qpu_ctx *ctx, struct qpu_allocation *a,
				   u32 handle, u32 why)
{
	struct qpu_device *qdev = ctx->qdev;

	lockdep_assert_held(&ctx->lock);
	if (why)
		qpu_audit_free(qdev, a, handle, why);
	mutex_lock(&qdev->alloc_lock);
	qpu_note_qubit_tenant(qdev, a, 0);
	qc_alloc_put(qdev->alloc, a->phys, a->k);
	mutex_unlock(&qdev->alloc_lock);
	qpu_tenant_uncharge(&qdev->tenants, &a->charge, false);
	ctx->nr_qubits -= a->k;
	kvfree(a);
	qpu_obj_dec(QPU_OBJ_ALLOCATIONS);
}

static void qpu_ctx_release(struct kref *ref)
{
	struct qpu_ctx *ctx = container_of(ref, struct qpu_ctx, ref);
	struct qpu_device *qdev = ctx->qdev;

	xa_destroy(&ctx->jobs);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	qpu_obj_dec(QPU_OBJ_CONTEXTS);
	put_device(&qdev->dev);
}

/* Jobs hold references to their context; the open file holds one. */
void qpu_ctx_put(struct qpu_ctx *ctx)
{
	kref_put(&ctx->ref, qpu_ctx_release);
}

void qpu_ctx_destroy(struct qpu_ctx *ctx)
{
	struct qpu_allocation *a;
	unsigned long handle;

	/*
	 * The jobs, buffers and circuits are gone (qpu_release()): nothing
	 * else uses the allocations. Nothing else reaches the context; the lock is for the asserts. */
	mutex_lock(&ctx->lock);
	xa_for_each(&ctx->allocs, handle, a)
		qpu_allocation_release(ctx, a, handle, QPU_AUDIT_FREE_CLOSE);
	mutex_unlock(&ctx->lock);
	xa_destroy(&ctx->allocs);
	qpu_ctx_put(ctx);
}

/**
 * struct qpu_alloc_desc - what ALLOC and ALLOC_QUERY write to userspace,
 *	taken under ctx->lock and copied out after it is dropped
 * @k: qubits
 * @nedges: coupling edges inside the allocation
 * @phys: virtual-to-physical map, or NULL if not asked for
 * @edges: coupling map in virtual indices, or NULL if not asked for
 */
struct qpu_alloc_desc {
	u32 k;
	u32 nedges;
	u32 *phys;
	u32 *edges;
};

static void qpu_alloc_desc_free(struct qpu_alloc_desc *d)
{
	kvfree(d->phys);
	kvfree(d->edges);
}

/*
 * Snapshot an allocation's maps for @arg into @d and set the counts of
 * @arg. Called with ctx->lock held, so it touches no user memory: mmap()
 * takes ctx->lock with mmap_lock held, and a fault here would take
 * mmap_lock under ctx->lock (an ABBA deadlock between two threads).
 */
static int qpu_allocation_snapshot(struct qpu_ctx *ctx,
				   const struct qpu_allocation *a,
				   struct qpu_alloc *arg,
				   struct qpu_alloc_desc *d)
{
	struct qpu_device *qdev = ctx->qdev;
	u32 cap = arg->num_edges;

	lockdep_assert_held(&ctx->lock);
	memset(d, 0, sizeof(*d));
	d->k = a->k;
	mutex_lock(&qdev->alloc_lock);
	d->nedges = qc_alloc_region_edges(qdev->alloc, a->phys, a->k, NULL, 0);
	mutex_unlock(&qdev->alloc_lock);

	arg->num_qubits = a->k;
	arg->num_edges = d->nedges;
	if (arg->edges_ptr && cap < d->nedges)
		return -EOVERFLOW;

	/* an exact request's phys_ptr was input: nothing to write back */
	if (arg->phys_ptr && !(arg->flags & QPU_ALLOC_EXACT)) {
		d->phys = kvmemdup(a->phys, array_size(a->k, sizeof(u32)),
				   GFP_KERNEL_ACCOUNT);
		if (!d->phys)
			return -ENOMEM;
	}
	if (arg->edges_ptr && d->nedges) {
		d->edges = kvmalloc_array(d->nedges, 2 * sizeof(u32),
					  GFP_KERNEL_ACCOUNT);
		if (!d->edges) {
			qpu_alloc_desc_free(d);
			return -ENOMEM;
		}
		mutex_lock(&qdev->alloc_lock);
		qc_alloc_region_edges(qdev->alloc, a->phys, a->k, d->edges,
				      d->nedges);
		mutex_unlock(&qdev->alloc_lock);
	}
	return 0;
}

/* Write a snapshot to the user pointers of @arg and free it; no lock held. */
static int qpu_alloc_desc_copy_out(struct qpu_alloc_desc *d,
				   const struct qpu_alloc *arg)
{
	int ret = 0;

	if (d->phys &&
	    copy_to_user(u64_to_user_ptr(arg->phys_ptr), d->phys,
			 array_size(d->k, sizeof(u32))))
		ret = -EFAULT;
	if (!ret && d->edges &&
	    copy_to_user(u64_to_user_ptr(arg->edges_ptr), d->edges,
			 array_size(d->nedges, sizeof(struct qpu_edge))))
		ret = -EFAULT;
	qpu_alloc_desc_free(d);
	return ret;
}

/*
 * ALLOC takes the QPU_ALLOC_* bits in @flags and a hint; ALLOC_QUERY no
 * flags and no hint.
 */
static bool qpu_alloc_args_valid(const struct qpu_alloc *arg, u32 flags,
				 bool hint)
{
	return !(arg->flags & ~flags) && !arg->reserved &&
	       (hint || (!arg->hint_ptr && !arg->num_hint));
}

/**
 * struct qpu_alloc_plan - what an ALLOC brings to the placement, read and
 *	built before any lock is taken
 * @hint: 0 or 2 * @nhint virtual indices (struct qpu_edge pairs)
 * @nhint: pairs in @hint
 * @cost: NULL, or the calibrated costs: num_qubits qubit costs then
 *	num_edges edge costs (a fidelity placement)
 * @q: views of @cost for qc_alloc_get_best()
 */
struct qpu_alloc_plan {
	u32 *hint;
	u32 nhint;
	u32 *cost;
	struct qc_alloc_quality q;
};

static void qpu_alloc_plan_free(struct qpu_alloc_plan *p)
{
	kvfree(p->hint);
	kvfree(p->cost);
}

/*
 * The hint of @arg (k = @arg->num_qubits) into @p: -E2BIG beyond
 * QPU_ALLOC_MAX_HINT pairs, -EINVAL for a pointer without pairs or pairs
 * without a pointer, with QPU_ALLOC_EXACT, or for a bad pair; -EFAULT.
 */
static int qpu_alloc_plan_hint(const struct qpu_alloc *arg,
			       struct qpu_alloc_plan *p)
{
	u32 i, k = arg->num_qubits;

	static_assert(sizeof(struct qpu_edge) == 2 * sizeof(u32));
	if (!arg->num_hint && !arg->hint_ptr)
		return 0;
	if (arg->num_hint > QPU_ALLOC_MAX_HINT)
		return -E2BIG;
	if (!arg->num_hint || !arg->hint_ptr || (arg->flags & QPU_ALLOC_EXACT))
		return -EINVAL;
	p->hint = kvmalloc_array(arg->num_hint, sizeof(struct qpu_edge),
				 GFP_KERNEL_ACCOUNT);
	if (!p->hint)
		return -ENOMEM;
	if (copy_from_user(p->hint, u64_to_user_ptr(arg->hint_ptr),
			   array_size(arg->num_hint, sizeof(struct qpu_edge))))
		return -EFAULT;
	p->nhint = arg->num_hint;
	for (i = 0; i < 2 * p->nhint; i += 2)
		if (p->hint[i] >= k || p->hint[i + 1] >= k ||
		    p->hint[i] == p->hint[i + 1])
			return -EINVAL;
	return 0;
}

/*
 * The costs of a fidelity placement from the current calibration: per
 * qubit the mean readout error, the one-qubit gate error and the idle
 * term (qc_alloc_qubit_cost()); per edge the two-qubit gate error.
 */
static int qpu_alloc_plan_costs(struct qpu_device *qdev,
				struct qpu_alloc_plan *p)
{
	u32 nq = qdev->topo->num_qubits, ne = qdev->topo->num_edges, i;
	struct qpu_calib_snap *s;
	const u32 *v;

	p->cost = kvmalloc_array((size_t)nq + ne, sizeof(u32),
				 GFP_KERNEL_ACCOUNT);
	if (!p->cost)
		return -ENOMEM;
	s = qpu_calib_get(qdev);
	for (i = 0; i < nq; i++) {
		v = &s->qval[QC_CALIB_QVALS * i];
		p->cost[i] = qc_alloc_qubit_cost(v[QC_CQ_READOUT],
						 v[QC_CQ_READOUT10],
						 v[QC_CQ_GATE1Q], v[QC_CQ_T1],
						 v[QC_CQ_T2]);
	}
	for (i = 0; i < ne; i++)
		p->cost[nq + i] = s->gate2q_ppm[i];
	qpu_calib_put(s);
	p->q.qubit_cost = p->cost;
	p->q.edge_cost = p->cost + nq;
	return 0;
}

/*
 * Place @a's k qubits inside the isolation domain its tenant's charge is
 * in: with %QPU_ALLOC_EXACT where a->phys (read from the caller) says;
 * by calibrated fidelity and the hint when @p has costs; else the first
 * fitting region. Called with qdev->alloc_lock held.
 */
static int qpu_allocation_place(struct qpu_device *qdev,
				struct qpu_allocation *a, bool exact,
				const struct qpu_alloc_plan *p)
{
	bool guard = a->charge.iso == QPU_ISOLATION_GUARD;
	u32 group = guard ? a->charge.iso_tag : 0;

	lockdep_assert_held(&qdev->alloc_lock);
	if (exact)
		return qc_alloc_get_exact(qdev->alloc, a->phys, a->k, a->owner,
					  group, guard);
	if (p->cost)
		return qc_alloc_get_best(qdev->alloc, a->k, a->owner, group,
					 guard, &p->q, p->hint, p->nhint,
					 a->phys);
	return qc_alloc_get_isolated(qdev->alloc, a->k, a->owner, group, guard,
				     a->phys);
}

/*
 * The allocation is taken from the device and counted against the
 * context's quota under ctx->lock, its maps are copied out unlocked, and
 * only then is it published in the handle table: nothing is allocated
 * when the reply cannot be delivered, and nobody can see (or free) the
 * allocation before it is complete. An exact request's qubits and a hint
 * are read before any lock is taken (no user memory under ctx->lock), and
 * so are the calibrated costs built; the core allocator checks exact
 * qubits (-EINVAL out of range or repeated, -EBUSY taken or kept apart by
 * isolation) once the charge is made, like any request.
 */
int qpu_ctx_alloc(struct qpu_ctx *ctx, struct qpu_alloc *arg)
{
	struct qpu_device *qdev = ctx->qdev;
	bool exact = arg->flags & QPU_ALLOC_EXACT;
	struct qpu_alloc_plan plan = {};
	struct qpu_alloc_desc d;
	struct qpu_allocation *a;
	u32 k = arg->num_qubits, handle, max;
	int ret;

	memset(&arg->refusal, 0, sizeof(arg->refusal));
	if (!qpu_alloc_args_valid(arg, QPU_ALLOC_EXACT, true) || !k ||
	    (exact && !arg->phys_ptr))
		return -EINVAL;
	if (k > qdev->topo->num_qubits)
		return -E2BIG;
	ret = qpu_alloc_plan_hint(arg, &plan);
	if (!ret && !exact && qpu_noise_fidelity_placement(qdev))
		ret = qpu_alloc_plan_costs(qdev, &plan);
	if (ret) {
		qpu_alloc_plan_free(&plan);
		return ret;
	}

	a = kvzalloc(struct_size(a, phys, k), GFP_KERNEL_ACCOUNT);
	if (!a) {
		qpu_alloc_plan_free(&plan);
		return -ENOMEM;
	}
	a->k = k;
	if (exact && copy_from_user(a->phys, u64_to_user_ptr(arg->phys_ptr),
				    array_size(k, sizeof(u32)))) {
		qpu_alloc_plan_free(&plan);
		kvfree(a);
		return -EFAULT;
	}
	qpu_sched_lane_init(&a->lane);

	mutex_lock(&ctx->lock);
	max = READ_ONCE(qdev->max_ctx_qubits);
	if (ctx->nr_qubits + k > max) {
		qpu_tenant_refuse_local(&arg->refusal, QPU_LIMIT_CTX_QUBITS,
					ctx->nr_qubits, max, k);
		ret = -EDQUOT;
	} else {
		ret = qpu_tenant_charge_qubits(&qdev->tenants, k, &a->charge,
					       &arg->refusal);
	}
	if (ret) {
		if (arg->refusal.limit)
			qpu_ctx_refused(ctx, &arg->refusal, ret);
		mutex_unlock(&ctx->lock);
		qpu_alloc_plan_free(&plan);
		kvfree(a);
		return ret;
	}

	mutex_lock(&qdev->alloc_lock);
	if (++qdev->owner_seq == 0)
		qdev->owner_seq = 1;
	a->owner = qdev->owner_seq;
	ret = qpu_allocation_place(qdev, a, exact, &plan);
	if (!ret)
		qpu_note_qubit_tenant(qdev, a, cgroup_id(a->charge.cgrp));
	mutex_unlock(&qdev->alloc_lock);
	qpu_alloc_plan_free(&plan);
	if (ret) {
		qpu_tenant_uncharge(&qdev->tenants, &a->charge, false);
		mutex_unlock(&ctx->lock);
		kvfree(a);
		return ret;
	}
	ctx->nr_qubits += k;
	qpu_obj_inc(QPU_OBJ_ALLOCATIONS);
	ret = qpu_allocation_snapshot(ctx, a, arg, &d);
	mutex_unlock(&ctx->lock);

	if (!ret)
		ret = qpu_alloc_desc_copy_out(&d, arg);

	mutex_lock(&ctx->lock);
	if (!ret) {
		ret = xa_alloc_cyclic(&ctx->allocs, &handle, a, xa_limit_31b,
				      &ctx->alloc_next, GFP_KERNEL_ACCOUNT);
		if (ret > 0)
			ret = 0;
	}
	if (ret) {
		qpu_allocation_release(ctx, a, 0, 0);
	} else {
		arg->handle = handle;
		qpu_audit_alloc(qdev, a, handle);
	}
	mutex_unlock(&ctx->lock);
	return ret;
}

int qpu_ctx_alloc_query(struct qpu_ctx *ctx, struct qpu_alloc *arg)
{
	struct qpu_alloc_desc d;
	struct qpu_allocation *a;
	int ret;

	memset(&arg->refusal, 0, sizeof(arg->refusal));
	if (!qpu_alloc_args_valid(arg, 0, false))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	a = arg->handle ? xa_load(&ctx->allocs, arg->handle) : NULL;
	ret = a ? qpu_allocation_snapshot(ctx, a, arg, &d) : -ENOENT;
	mutex_unlock(&ctx->lock);
	if (ret)
		return ret;
	return qpu_alloc_desc_copy_out(&d, arg);
}

int qpu_ctx_free(struct qpu_ctx *ctx, struct qpu_free *arg)
{
	struct qpu_allocation *a;
	int ret = 0;

	if (arg->flags || !qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	a = arg->handle ? xa_load(&ctx->allocs, arg->handle) : NULL;
	if (!a)
		ret = -ENOENT;
	else if (a->busy)
		ret = -EBUSY;	/* a job is running on these qubits */
	else
		qpu_allocation_release(ctx, xa_erase(&ctx->allocs, arg->handle),
				       arg->handle, QPU_AUDIT_FREE_IOCTL);
	mutex_unlock(&ctx->lock);
	return ret;
}

/**
 * qpu_ctx_refused() - record a refused charge as the file's latest
 * @ctx: the context
 * @r: the refusal (its limit set); its @seq and @error are filled here
 * @err: the negative errno the call fails with
 */
void qpu_ctx_refused(struct qpu_ctx *ctx, struct qpu_refusal *r, int err)
{
	spin_lock(&ctx->refusal_lock);
	r->seq = ctx->refusal.seq + 1;
	r->error = -err;
	ctx->refusal = *r;
	spin_unlock(&ctx->refusal_lock);
}

/* QPU_IOC_GET_REFUSAL: the latest refusal, for the io_uring path. */
int qpu_ctx_get_refusal(struct qpu_ctx *ctx, struct qpu_get_refusal *arg)
{
	if (arg->flags || arg->pad ||
	    !qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	spin_lock(&ctx->refusal_lock);
	arg->refusal = ctx->refusal;
	spin_unlock(&ctx->refusal_lock);
	return 0;
}
