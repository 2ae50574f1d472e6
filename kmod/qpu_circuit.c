// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_circuit.c - loading circuits: copy once from userspace, validate
 * against the allocation's coupling map (kmod/core/circuit.c), hash with
 * SHA-256, and keep them in the context's table for any number of runs.
 *
 * Memory: everything a circuit holds (the struct, its gates, observables
 * and coupling pairs, and its table entry) is charged to the loading
 * process's memory cgroup (GFP_KERNEL_ACCOUNT): a circuit of the default
 * max_gates (1 Mi gates) is 96 MiB of gates plus 20 MiB of pair scratch,
 * kernel memory a user asked for and its cgroup's memory.max bounds.
 *
 * Time: loading is linear in the gates (copy, validation, pair
 * compaction, ESP, hash); the monitoring policy's own loop is bounded by
 * the verifier.
 *
 * Lifetime: the handle table holds one reference and every job one more.
 * ctx->lock protects the table; a loaded circuit is immutable.
 */
#include <crypto/sha2.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "qpu_abi.h"
#include "qpu_bpf.h"
#include "qpu_audit.h"
#include "qpu_circuit.h"
#include "qpu_ctx.h"
#include "qpu_debugfs.h"
#include "qpu_device.h"
#include "qpu_noise.h"
#include "qpu_tenant.h"
#include "qpu_trace.h"

static void qpu_circuit_release(struct kref *ref)
{
	struct qpu_circuit *circ = container_of(ref, struct qpu_circuit, ref);

	kvfree(circ->gates);
	kvfree(circ->observables);
	kvfree(circ->pairs);
	kfree(circ);
	qpu_obj_dec(QPU_OBJ_CIRCUITS);
}

void qpu_circuit_put(struct qpu_circuit *circ)
{
	if (circ)
		kref_put(&circ->ref, qpu_circuit_release);
}

/* Coupling oracle over an allocation: virtual a, b -> physical edge? */
struct qpu_alloc_coupling {
	const struct qc_topology *topo;
	const struct qpu_allocation *a;
};

static bool qpu_alloc_coupled(void *priv, u32 va, u32 vb)
{
	const struct qpu_alloc_coupling *c = priv;

	return qc_topology_coupled(c->topo, c->a->phys[va], c->a->phys[vb]);
}

/**
 * qpu_circuit_fits() - can @circ run on allocation @a?
 * @circ: circuit
 * @qdev: device
 * @a: allocation, of the same context
 *
 * True if @a has the circuit's width and every coupling it relies on.
 */
bool qpu_circuit_fits(const struct qpu_circuit *circ, struct qpu_device *qdev,
		      const struct qpu_allocation *a)
{
	struct qpu_alloc_coupling c = { qdev->topo, a };
	u32 i;

	if (a->k < circ->core.num_qubits)
		return false;
	if (qdev->topo->kind == QPU_TOPO_FULL || a->owner == circ->alloc_owner)
		return true;
	for (i = 0; i < circ->num_pairs; i++)
		if (!qpu_alloc_coupled(&c, circ->pairs[i] >> 16,
				       circ->pairs[i] & 0xffff))
			return false;
	return true;
}

static void qpu_circuit_hash(struct qpu_circuit *circ)
{
	const struct qc_circuit *c = &circ->core;
	struct sha256_state st;
	__le32 hdr[4] = {
		cpu_to_le32(c->num_qubits), cpu_to_le32(c->num_clbits),
		cpu_to_le32(c->num_params), cpu_to_le32(c->num_gates),
	};

	/* The uAPI structs are little-endian on every arch qpu builds for. */
	sha256_init(&st);
	sha256_update(&st, (const u8 *)hdr, sizeof(hdr));
	sha256_update(&st, (const u8 *)circ->gates,
		      c->num_gates * sizeof(struct qpu_gate));
	if (c->num_observables)
		sha256_update(&st, (const u8 *)circ->observables,
			      c->num_observables * sizeof(u64));
	sha256_final(&st, circ->hash);
}

static int qpu_circuit_check_args(struct qpu_device *qdev,
				  const struct qpu_circuit_load *arg)
{
	if ((arg->flags & ~QPU_LOAD_SOURCE) || arg->pad || arg->pad2 ||
	    arg->pad3 || !qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	/* Without the flag the source fields mean nothing: they must be 0. */
	if (!(arg->flags & QPU_LOAD_SOURCE) &&
	    (arg->route_seed || arg->route_swaps ||
	     !qpu_is_zero(arg->source_hash, sizeof(arg->source_hash))))
		return -EINVAL;
	if (!arg->num_qubits || !arg->num_gates || !arg->gates_ptr)
		return -EINVAL;
	if (arg->num_qubits > READ_ONCE(qdev->max_sim_qubits) ||
	    arg->num_clbits > QPU_MAX_CLBITS || arg->num_params > QPU_MAX_PARAMS ||
	    arg->num_gates > READ_ONCE(qdev->max_gates) ||
	    arg->num_observables > QPU_MAX_OBSERVABLES)
		return -E2BIG;
	if (arg->num_observables && !arg->observables_ptr)
		return -EINVAL;
	return 0;
}

/*
 * Copy @n elements of @size bytes from user address @uptr into a new
 * kvmalloc()ed array charged to the caller's memory cgroup
 * (vmemdup_array_user() does not charge). Return: the array, or NULL with
 * *@err set to -ENOMEM or -EFAULT.
 */
static void *qpu_dup_user_array(u64 uptr, u32 n, size_t size, int *err)
{
	void *p = kvmalloc_array(n, size, GFP_KERNEL_ACCOUNT);

	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	if (copy_from_user(p, u64_to_user_ptr(uptr), array_size(n, size))) {
		kvfree(p);
		*err = -EFAULT;
		return NULL;
	}
	return p;
}

/* Copy the circuit's arrays in; no lock held (may fault). */
static int qpu_circuit_copy_in(struct qpu_circuit *circ,
			       const struct qpu_circuit_load *arg)
{
	int ret = 0;

	circ->gates = qpu_dup_user_array(arg->gates_ptr, arg->num_gates,
					 sizeof(struct qpu_gate), &ret);
	if (!circ->gates)
		return ret;
	if (arg->num_observables) {
		circ->observables = qpu_dup_user_array(arg->observables_ptr,
						       arg->num_observables,
						       sizeof(u64), &ret);
		if (!circ->observables)
			return ret;
	}
	circ->pairs = kvmalloc_array(qc_circuit_max_pairs(arg->num_gates),
				     sizeof(u32), GFP_KERNEL_ACCOUNT);
	return circ->pairs ? 0 : -ENOMEM;
}

int qpu_circuit_load(struct qpu_ctx *ctx, struct qpu_circuit_load *arg)
{
	struct qpu_device *qdev = ctx->qdev;
	struct qpu_alloc_coupling cpl_priv = { .topo = qdev->topo };
	struct qc_coupling cpl = {
		.full = qdev->topo->kind == QPU_TOPO_FULL,
		.coupled = qpu_alloc_coupled,
		.priv = &cpl_priv,
	};
	struct qc_validation res;
	struct qpu_allocation *a;
	struct qpu_circuit *circ;
	u32 handle;
	int ret;

	arg->error = QPU_CERR_NONE;
	arg->error_index = 0;
	arg->reason = 0;
	arg->esp = 0;
	arg->xt_loss_ppm = 0;
	ret = qpu_circuit_check_args(qdev, arg);
	if (ret)
		return ret;

	circ = kzalloc(sizeof(*circ), GFP_KERNEL_ACCOUNT);
	if (!circ)
		return -ENOMEM;
	kref_init(&circ->ref);
	qpu_obj_inc(QPU_OBJ_CIRCUITS);
	ret = qpu_circuit_copy_in(circ, arg);
	if (ret)
		goto err_put;

	circ->core = (struct qc_circuit) {
		.gates = circ->gates,
		.num_gates = arg->num_gates,
		.num_qubits = arg->num_qubits,
		.num_clbits = arg->num_clbits,
		.num_params = arg->num_params,
		.observables = circ->observables,
		.num_observables = arg->num_observables,
	};

	mutex_lock(&ctx->lock);
	a = arg->alloc ? xa_load(&ctx->allocs, arg->alloc) : NULL;
	if (!a) {
		ret = -ENOENT;
		goto err_unlock;
	}
	if (a->k < arg->num_qubits) {
		ret = -E2BIG;
		goto err_unlock;
	}
	cpl_priv.a = a;
	ret = qc_circuit_validate(circ->gates, arg->num_gates, arg->num_qubits,
				  arg->num_clbits, arg->num_params,
				  circ->observables, arg->num_observables, &cpl,
				  circ->pairs, &res);
	if (ret) {
		arg->error = res.error;
		arg->error_index = res.index;
		goto err_unlock;
	}
	circ->core.per_shot = res.per_shot;
	if (arg->flags & QPU_LOAD_SOURCE) {
		circ->has_source = true;
		memcpy(circ->source_hash, arg->source_hash, sizeof(circ->source_hash));
		circ->route_seed = arg->route_seed;
		circ->route_swaps = arg->route_swaps;
	}
	circ->num_pairs = res.num_pairs;
	circ->alloc_handle = arg->alloc;
	circ->alloc_owner = a->owner;
	circ->shot_ns = qc_circuit_shot_ns(circ->gates, arg->num_gates);
	ret = qpu_noise_load_esp(qdev, circ, a, &arg->esp);
	if (ret)
		goto err_unlock;
	arg->xt_loss_ppm = circ->xt_loss_ppm;
	qpu_circuit_hash(circ);
	memcpy(arg->hash, circ->hash, sizeof(arg->hash));

	/* The monitoring policy sees it validated, before it is accepted. */
	ret = qpu_bpf_admit_load(ctx, circ, a, &arg->reason);
	if (ret)
		goto err_unlock;
	if (trace_qpu_circuit_load_enabled())
		trace_qpu_circuit_load(ctx, circ, qpu_tenant_current_id());

	ret = xa_alloc_cyclic(&ctx->circuits, &handle, circ, xa_limit_31b,
			      &ctx->circuit_next, GFP_KERNEL_ACCOUNT);
	/* Under the lock: @a cannot be freed while the record is made. */
	if (ret >= 0)
		qpu_audit_load(ctx->qdev, circ, handle, arg->alloc, a);
	mutex_unlock(&ctx->lock);
	if (ret < 0)
		goto err_put;
	arg->handle = handle;
	return 0;

err_unlock:
	mutex_unlock(&ctx->lock);
err_put:
	qpu_circuit_put(circ);
	return ret;
}

int qpu_circuit_free(struct qpu_ctx *ctx, struct qpu_circuit_free *arg)
{
	struct qpu_circuit *circ;

	if (arg->flags || !qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	mutex_lock(&ctx->lock);
	circ = arg->handle ? xa_erase(&ctx->circuits, arg->handle) : NULL;
	mutex_unlock(&ctx->lock);
	if (!circ)
		return -ENOENT;
	qpu_circuit_put(circ);
	return 0;
}
