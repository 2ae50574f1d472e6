// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_bpf.c - the monitoring hook: the "qpu_bpf_ops" BPF struct_ops type,
 * the kfuncs its programs read circuits with, and the calls that hand
 * every load, submission, run and completion to the attached policy
 * (uapi/linux/qpu_bpf.h, Documentation/qpu/monitor.rst).
 *
 * Attached policies: one for all devices (qpu_bpf_all) or one per device
 * (qpu_bpf_dev[]), never both for one device. qpu_bpf_lock (a mutex)
 * serialises attaching and detaching; the hooks read the pointers under
 * RCU. A detached policy's programs may still be running in a hook: the
 * BPF core frees a struct_ops map only after an RCU grace period
 * (synchronize_rcu_mult() in bpf_struct_ops_map_free()), so a hook that
 * found it under rcu_read_lock() finishes safely.
 *
 * Programs are not sleepable, and the kfuncs take no lock: they read the
 * admission's view (struct qpu_bpf_admit_kern, on the caller's stack,
 * and only the one ->admit() is deciding on this CPU: qpu_bpf_cur, with
 * preemption off around the program; the verifier lets a program pass
 * any memory shaped like a struct qpu_bpf_admit, which is all scalars),
 * whose circuit is immutable and referenced by the caller, whose
 * allocation is pinned by the caller (ctx->lock held at load, the
 * allocation busy at submission), and the device's per-qubit tenant
 * array (qpu_device.qubit_tenant, READ_ONCE: a snapshot, racing with
 * allocations as any monitor must).
 */
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/cred.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/xxhash.h>
#include <linux/qpu.h>
#include <linux/qpu_bpf.h>

#include "core/circuit.h"
#include "qpu_audit.h"
#include "qpu_backend.h"
#include "qpu_bpf.h"
#include "qpu_buffer.h"
#include "qpu_circuit.h"
#include "qpu_ctx.h"
#include "qpu_device.h"
#include "qpu_tenant.h"
#include "qpu_trace.h"

static DEFINE_MUTEX(qpu_bpf_lock);
static struct qpu_bpf_ops __rcu *qpu_bpf_all;
static struct qpu_bpf_ops __rcu *qpu_bpf_dev[QPU_MAX_DEVICES];
static unsigned int qpu_bpf_nr_attached;	/* qpu_bpf_lock */
static DEFINE_STATIC_KEY_FALSE(qpu_bpf_active);
static bool qpu_bpf_registered;

struct qpu_bpf_admit_kern;
/* The admission the running ->admit() decides on (preemption off). */
static DEFINE_PER_CPU(const struct qpu_bpf_admit_kern *, qpu_bpf_cur);

/*
 * What the kfuncs may read about one admission. The program sees only
 * @pub (its BTF type is struct qpu_bpf_admit); the rest is found with
 * container_of() from the pointer the kfunc is given.
 */
struct qpu_bpf_admit_kern {
	struct qpu_bpf_admit pub;
	struct qpu_device *qdev;
	const struct qpu_gate *gates;
	const u32 *phys;
	u32 k;
};

/* The policy for device @id, under rcu_read_lock(). */
static struct qpu_bpf_ops *qpu_bpf_policy(u32 id)
{
	struct qpu_bpf_ops *ops = rcu_dereference(qpu_bpf_all);

	return ops ?: rcu_dereference(qpu_bpf_dev[id]);
}

bool qpu_bpf_available(void)
{
	return qpu_bpf_registered;
}

static void qpu_bpf_fill_admit(struct qpu_bpf_admit_kern *k, u32 kind,
			       struct qpu_device *qdev,
			       const struct qpu_circuit *circ,
			       const struct qpu_allocation *a)
{
	const struct qc_circuit *c = &circ->core;

	k->pub = (struct qpu_bpf_admit) {
		.kind = kind,
		.dev_id = qdev->id,
		.cgroup_id = qpu_tenant_current_id(),
		.pid = task_tgid_nr(current),
		.uid = from_kuid_munged(&init_user_ns, current_uid()),
		.num_qubits = c->num_qubits,
		.num_clbits = c->num_clbits,
		.num_params = c->num_params,
		.num_gates = c->num_gates,
		.alloc_qubits = a->k,
	};
	memcpy(k->pub.hash, circ->hash, sizeof(k->pub.hash));
	k->qdev = qdev;
	k->gates = circ->gates;
	k->phys = a->phys;
	k->k = a->k;
}

/*
 * Ask @ops about @k (a submission or run of @origin, or a load: 0);
 * returns 0 or -EPERM with *@reason set. Called under rcu_read_lock().
 */
static int qpu_bpf_decide(struct qpu_bpf_ops *ops,
			  const struct qpu_bpf_admit_kern *k, u32 origin,
			  u32 *reason)
{
	u32 action, why;
	int v;

	if (!ops->admit)
		return 0;
	/* The kfuncs accept only this admission (to_admit_kern()). */
	preempt_disable();
	this_cpu_write(qpu_bpf_cur, k);
	v = ops->admit(&k->pub);
	this_cpu_write(qpu_bpf_cur, NULL);
	preempt_enable();
	action = QPU_BPF_VERDICT_ACTION(v);
	why = QPU_BPF_VERDICT_REASON(v);
	if (action > QPU_BPF_DENY)
		action = QPU_BPF_DENY;
	if (action != QPU_BPF_ALLOW) {
		trace_qpu_admit(&k->pub, ops->name, action, why);
		/* The events group, and the audit record of a denial. */
		qpu_audit_verdict(k->qdev, &k->pub, origin, ops->name, action,
				  why);
	}
	if (action != QPU_BPF_DENY)
		return 0;
	*reason = why;
	return -EPERM;
}

/* xxh64 of the parameter vectors @x will read (its buffer is pinned). */
static u64 qpu_bpf_param_hash(const struct qpu_exec *x)
{
	u32 np = x->circ->core.num_params, i;
	struct xxh64_state st;

	if (!np || !x->pbuf)
		return 0;
	xxh64_reset(&st, 0);
	for (i = 0; i < x->nsweeps; i++)
		xxh64_update(&st, x->pbuf->vaddr + x->job.param_offset +
			     (u64)i * x->job.param_stride, 8 * np);
	return xxh64_digest(&st);
}

/*
 * Ask the policy of @ctx's device about @circ on @a: a load when @x is
 * NULL, else the submission or run @x. Return: 0, or -EPERM with
 * *@reason set.
 */
static int qpu_bpf_admit(struct qpu_ctx *ctx, const struct qpu_circuit *circ,
			 const struct qpu_allocation *a,
			 const struct qpu_exec *x, u32 *reason)
{
	struct qpu_bpf_admit_kern k;
	struct qpu_bpf_ops *ops;
	u32 kind = QPU_ADMIT_LOAD;
	int ret = 0;

	if (x)
		kind = x->origin == QPU_BPF_ORIGIN_RUN ? QPU_ADMIT_RUN :
							 QPU_ADMIT_SUBMIT;
	rcu_read_lock();
	ops = qpu_bpf_policy(ctx->qdev->id);
	if (ops) {
		qpu_bpf_fill_admit(&k, kind, ctx->qdev, circ, a);
		if (x) {
			k.pub.shots = x->job.shots;
			k.pub.sweeps = x->nsweeps;
			k.pub.circuit = x->job.circuit;
			k.pub.param_hash = qpu_bpf_param_hash(x);
		}
		ret = qpu_bpf_decide(ops, &k, x ? x->origin : 0, reason);
	}
	rcu_read_unlock();
	return ret;
}

/**
 * qpu_bpf_admit_load() - ask the policy about a circuit being loaded
 * @ctx: the loading context, locked (the allocation is stable)
 * @circ: validated and hashed, not yet in the handle table
 * @a: the allocation it was validated against
 * @reason: out: with -EPERM, the policy's reason code (the denial is
 *	recorded as the file's latest refusal too)
 *
 * Return: 0 to accept, -EPERM when the policy denies it.
 */
int qpu_bpf_admit_load(struct qpu_ctx *ctx, const struct qpu_circuit *circ,
		       const struct qpu_allocation *a, u32 *reason)
{
	struct qpu_refusal r;
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (!static_branch_unlikely(&qpu_bpf_active))
		return 0;
	ret = qpu_bpf_admit(ctx, circ, a, NULL, reason);
	/* The file's latest refusal, as a limit's would be. */
	if (ret) {
		qpu_tenant_refuse_local(&r, QPU_LIMIT_POLICY, 0, 0, *reason);
		qpu_ctx_refused(ctx, &r, ret);
	}
	return ret;
}

/**
 * qpu_bpf_admit_exec() - ask the policy about a submission or a run
 * @ctx: the submitting context
 * @x: prepared (its circuit, buffers and allocation are referenced)
 * @r: out: with -EPERM, the refusal (%QPU_LIMIT_POLICY, the reason code
 *	in @request); the caller records it as the file's latest (as it
 *	does a tenant limit's, qpu_exec_charge())
 *
 * Return: 0 to accept, -EPERM when the policy denies it.
 */
int qpu_bpf_admit_exec(struct qpu_ctx *ctx, const struct qpu_exec *x,
		       struct qpu_refusal *r)
{
	u32 reason = 0;
	int ret;

	if (!static_branch_unlikely(&qpu_bpf_active))
		return 0;
	ret = qpu_bpf_admit(ctx, x->circ, x->alloc, x, &reason);
	/* Described only: the callers record it, as a tenant limit's. */
	if (ret)
		qpu_tenant_refuse_local(r, QPU_LIMIT_POLICY, 0, 0, reason);
	return ret;
}

/**
 * qpu_bpf_job_done() - tell the policy a job or run completed
 * @x: the run, still holding its circuit
 * @d: its id, status and times
 */
void qpu_bpf_job_done(const struct qpu_exec *x, const struct qpu_bpf_done *d)
{
	struct qpu_bpf_ops *ops;
	struct qpu_bpf_job j;

	if (!static_branch_unlikely(&qpu_bpf_active))
		return;
	rcu_read_lock();
	ops = qpu_bpf_policy(x->qdev->id);
	if (ops && ops->job_done) {
		j = (struct qpu_bpf_job) {
			.dev_id = x->qdev->id,
			.job_id = d->job_id,
			.cgroup_id = qpu_tenant_charge_id(&x->charge),
			.pid = x->pid,
			.uid = x->uid,
			.origin = x->origin,
			.status = d->status,
			.shots = x->job.shots,
			.sweeps = x->nsweeps,
			.qpu_ns = x->qpu_ns,
			.sim_ns = x->sim_ns,
			.submit_ns = d->submit_ns,
			.start_ns = d->start_ns,
			.end_ns = d->end_ns,
		};
		memcpy(j.hash, x->circ->hash, sizeof(j.hash));
		ops->job_done(&j);
	}
	rcu_read_unlock();
}

/**
 * qpu_bpf_policy_show() - sysfs "policy": the name of device @dev_id's
 *	policy, or an empty line
 * @dev_id: N of /dev/qpuN
 * @buf: sysfs page
 */
ssize_t qpu_bpf_policy_show(u32 dev_id, char *buf)
{
	char name[QPU_BPF_NAME_LEN] = "";
	struct qpu_bpf_ops *ops;

	rcu_read_lock();
	ops = qpu_bpf_policy(dev_id);
	if (ops)
		strscpy(name, ops->name);
	rcu_read_unlock();
	return sysfs_emit(buf, "%s\n", name);
}

/* ---- kfuncs ------------------------------------------------------------ */

/*
 * The kernel's view of @a, or NULL when @a is not the admission being
 * decided: the verifier lets a program pass a pointer to any memory of
 * this all-scalar type (its .bss, its stack), and what follows such a
 * copy must never be taken for our pointers.
 */
static const struct qpu_bpf_admit_kern *to_admit_kern(const struct qpu_bpf_admit *a)
{
	const struct qpu_bpf_admit_kern *k = this_cpu_read(qpu_bpf_cur);

	return k && &k->pub == a ? k : NULL;
}

__bpf_kfunc_start_defs();

/**
 * qpu_bpf_gate() - read gate @index of the circuit being admitted
 * @a: the admission (->admit()'s argument)
 * @index: 0 .. @a->num_gates - 1
 * @g: out: the gate
 *
 * Return: 0, -ENOENT past the last gate, -EINVAL if @a is not the
 * admission being decided (@g is zeroed on error).
 */
__bpf_kfunc int qpu_bpf_gate(const struct qpu_bpf_admit *a, u32 index,
			     struct qpu_bpf_gate *g)
{
	const struct qpu_bpf_admit_kern *k = to_admit_kern(a);
	const struct qpu_gate *src;
	u32 i, n;

	memset(g, 0, sizeof(*g));
	if (!k)
		return -EINVAL;
	if (index >= k->pub.num_gates)
		return -ENOENT;
	src = &k->gates[index];
	n = qc_gate_operands(src);
	g->op = src->op;
	g->nctrl = src->nctrl;
	g->nqubits = n;
	if (src->flags & QPU_GATE_COND)
		g->flags |= QPU_BPF_GATE_COND;
	for (i = 0; i < QPU_NUM_ANGLES; i++)
		if (src->param[i])
			g->flags |= QPU_BPF_GATE_PARAM;
	/* Validated: every operand is below the width, which is <= k. */
	for (i = 0; i < n && i < ARRAY_SIZE(g->qubits); i++) {
		g->qubits[i] = src->qubits[i];
		g->phys[i] = k->phys[src->qubits[i]];
	}
	return 0;
}

/**
 * qpu_bpf_phys_qubit() - the physical qubit behind virtual qubit @v
 * @a: the admission
 * @v: virtual qubit of its allocation, 0 .. @a->alloc_qubits - 1
 *
 * Return: the physical qubit, -ENOENT, or -EINVAL if @a is not the
 * admission being decided.
 */
__bpf_kfunc int qpu_bpf_phys_qubit(const struct qpu_bpf_admit *a, u32 v)
{
	const struct qpu_bpf_admit_kern *k = to_admit_kern(a);

	if (!k)
		return -EINVAL;
	return v < k->k ? k->phys[v] : -ENOENT;
}

/**
 * qpu_bpf_near_other_tenant() - is physical qubit @phys coupled to a
 *	qubit another tenant holds?
 * @a: the admission (its cgroup_id is "this tenant")
 * @phys: physical qubit of the device
 *
 * Reads a snapshot: allocations made or freed meanwhile may or may not
 * be seen.
 * Return: 1 if a coupling neighbour of @phys is held by a tenant other
 * than @a's, 0 if not, -ENOENT if @phys is not a qubit of the device,
 * -EINVAL if @a is not the admission being decided.
 */
__bpf_kfunc int qpu_bpf_near_other_tenant(const struct qpu_bpf_admit *a,
					  u32 phys)
{
	const struct qpu_bpf_admit_kern *k = to_admit_kern(a);
	const struct qc_topology *t;
	u32 i;
	u64 id;

	if (!k)
		return -EINVAL;
	t = k->qdev->topo;
	if (phys >= t->num_qubits)
		return -ENOENT;
	for (i = t->adj_off[phys]; i < t->adj_off[phys + 1]; i++) {
		id = READ_ONCE(k->qdev->qubit_tenant[t->adj[i]]);
		if (id && id != k->pub.cgroup_id)
			return 1;
	}
	return 0;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(qpu_bpf_kfunc_ids)
BTF_ID_FLAGS(func, qpu_bpf_gate, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, qpu_bpf_phys_qubit, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, qpu_bpf_near_other_tenant, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(qpu_bpf_kfunc_ids)

static const struct btf_kfunc_id_set qpu_bpf_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &qpu_bpf_kfunc_ids,
};

/* ---- the struct_ops type ------------------------------------------------ */

static const struct bpf_func_proto *
qpu_bpf_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
}

/* Arguments are read through their BTF types; nothing may be written. */
static bool qpu_bpf_is_valid_access(int off, int size, enum bpf_access_type type,
				    const struct bpf_prog *prog,
				    struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

static const struct bpf_verifier_ops qpu_bpf_verifier_ops = {
	.get_func_proto = qpu_bpf_get_func_proto,
	.is_valid_access = qpu_bpf_is_valid_access,
};

static int qpu_bpf_ops_init(struct btf *btf)
{
	return 0;
}

/* Copy the data members; the BPF core fills the function pointers. */
static int qpu_bpf_init_member(const struct btf_type *t,
			       const struct btf_member *member,
			       void *kdata, const void *udata)
{
	const struct qpu_bpf_ops *uops = udata;
	struct qpu_bpf_ops *ops = kdata;

	switch (__btf_member_bit_offset(t, member) / 8) {
	case offsetof(struct qpu_bpf_ops, flags):
		if (uops->flags & ~QPU_BPF_ONE_DEVICE)
			return -EINVAL;
		ops->flags = uops->flags;
		return 1;
	case offsetof(struct qpu_bpf_ops, dev_id):
		ops->dev_id = uops->dev_id;
		return 1;
	case offsetof(struct qpu_bpf_ops, name):
		if (!uops->name[0] ||
		    strnlen(uops->name, QPU_BPF_NAME_LEN) == QPU_BPF_NAME_LEN)
			return -EINVAL;
		strscpy(ops->name, uops->name);
		return 1;
	}
	return 0;
}

static int qpu_bpf_validate(void *kdata)
{
	const struct qpu_bpf_ops *ops = kdata;

	if ((ops->flags & QPU_BPF_ONE_DEVICE) && ops->dev_id >= QPU_MAX_DEVICES)
		return -EINVAL;
	return 0;
}

static int qpu_bpf_reg(void *kdata, struct bpf_link *link)
{
	struct qpu_bpf_ops *ops = kdata;
	struct qpu_bpf_ops __rcu **slot;
	int ret;

	/* A policy must go away with its link (its loader), never linger. */
	if (!link)
		return -EOPNOTSUPP;
	/* It sees every tenant's circuits and can refuse them. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = qpu_bpf_validate(kdata);
	if (ret)
		return ret;

	mutex_lock(&qpu_bpf_lock);
	slot = ops->flags & QPU_BPF_ONE_DEVICE ? &qpu_bpf_dev[ops->dev_id] :
						 &qpu_bpf_all;
	if (rcu_access_pointer(qpu_bpf_all) || rcu_access_pointer(*slot) ||
	    (slot == &qpu_bpf_all && qpu_bpf_nr_attached)) {
		ret = -EBUSY;
	} else {
		rcu_assign_pointer(*slot, ops);
		qpu_bpf_nr_attached++;
		static_branch_inc(&qpu_bpf_active);
	}
	mutex_unlock(&qpu_bpf_lock);
	return ret;
}

static void qpu_bpf_unreg(void *kdata, struct bpf_link *link)
{
	struct qpu_bpf_ops *ops = kdata;
	struct qpu_bpf_ops __rcu **slot;

	mutex_lock(&qpu_bpf_lock);
	slot = ops->flags & QPU_BPF_ONE_DEVICE ? &qpu_bpf_dev[ops->dev_id] :
						 &qpu_bpf_all;
	if (rcu_access_pointer(*slot) == ops) {
		RCU_INIT_POINTER(*slot, NULL);
		qpu_bpf_nr_attached--;
		static_branch_dec(&qpu_bpf_active);
	}
	mutex_unlock(&qpu_bpf_lock);
}

/* Replacing a policy in place is not supported: detach, then attach. */
static int qpu_bpf_update(void *kdata, void *old_kdata, struct bpf_link *link)
{
	return -EOPNOTSUPP;
}

/* Stubs give the BPF core the members' prototypes (and CFI types). */
static int qpu_bpf_admit_stub(const struct qpu_bpf_admit *a)
{
	return 0;
}

static void qpu_bpf_job_done_stub(const struct qpu_bpf_job *j)
{
}

static struct qpu_bpf_ops qpu_bpf_ops_stubs = {
	.admit = qpu_bpf_admit_stub,
	.job_done = qpu_bpf_job_done_stub,
};

static struct bpf_struct_ops qpu_bpf_struct_ops = {
	.verifier_ops = &qpu_bpf_verifier_ops,
	.init = qpu_bpf_ops_init,
	.init_member = qpu_bpf_init_member,
	.reg = qpu_bpf_reg,
	.unreg = qpu_bpf_unreg,
	.update = qpu_bpf_update,
	.validate = qpu_bpf_validate,
	.cfi_stubs = &qpu_bpf_ops_stubs,
	.name = "qpu_bpf_ops",
	.owner = THIS_MODULE,
};

/**
 * qpu_bpf_init() - register the struct_ops type and its kfuncs
 *
 * There is no unregistration: the BPF core forgets a module's types when
 * the module goes, and a module with an attached policy cannot go (the
 * policy's map holds a reference on it).
 * Return: 0, or a negative errno; the driver then runs without the hook.
 */
int qpu_bpf_init(void)
{
	int ret;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&qpu_bpf_kfunc_set);
	if (!ret)
		ret = register_bpf_struct_ops(&qpu_bpf_struct_ops, qpu_bpf_ops);
	qpu_bpf_registered = !ret;
	return ret;
}
