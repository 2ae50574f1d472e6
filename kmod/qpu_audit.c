// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_audit.c - audit records and monitor events: one generic netlink
 * message per thing that happened on a device, on the "qpu" family's
 * "audit" group (circuits loaded, policy denials, completed jobs,
 * allocations made and freed, calibration and limit changes) and, for a
 * policy's flags and denials, its "events" group (uapi/linux/qpu.h,
 * Documentation/qpu/audit.rst).
 *
 * Sequence and loss: every record takes the device's next sequence
 * number, whether or not it can be sent, so a listener sees any record it
 * missed as a gap. The kernel counts what it could not send itself
 * (qpu_audit.lost: a failed allocation, a record too large) and carries
 * that count in every record; what a listener's full receive queue drops
 * is a gap only that listener sees (netlink tells the sender only about
 * listeners that set NETLINK_BROADCAST_ERROR: qpu_audit.overrun). A record
 * made while nobody listens is not built at all and not counted as lost
 * (qpu_audit.unheard), but still takes its number: a daemon that was down
 * sees the records it missed.
 *
 * Namespaces: records name pids, uids and cgroup paths of the initial
 * namespaces and are sent in the initial network namespace only, to
 * listeners with CAP_SYS_ADMIN there (qpu_netlink.c).
 *
 * Locking: qpu_audit.lock (a spinlock) is held from taking a sequence
 * number to the end of the send, so records reach listeners in sequence
 * order; the send allocates nothing that may sleep (GFP_NOWAIT clones: a
 * failure is counted). The message is built before, with no lock of ours
 * held: GFP_KERNEL from process context, GFP_NOWAIT for a policy's
 * verdict, which may come from io_uring's non-blocking issue path.
 * Callers may hold qpu_ctx.lock, qpu_calib.lock (a calibration record,
 * in epoch order) and a device's lifecycle lock, never a spinlock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <linux/qpu.h>
#include <linux/qpu_bpf.h>

#include "qpu_audit.h"
#include "qpu_backend.h"
#include "qpu_calib.h"
#include "qpu_circuit.h"
#include "qpu_ctx.h"
#include "qpu_device.h"
#include "qpu_netlink.h"
#include "qpu_run.h"
#include "qpu_tenant.h"

/* Room for a record beside its cgroup path and physical qubits. */
#define QPU_AUDIT_BASE_SIZE	1024

void qpu_audit_init(struct qpu_audit *au)
{
	spin_lock_init(&au->lock);
	au->seq = 0;
	au->lost = 0;
	au->overrun = 0;
	au->unheard = 0;
}

/**
 * qpu_audit_counters() - read a device's audit counters together
 * @au: the device's audit stream
 * @c: out: the counters
 */
void qpu_audit_counters(struct qpu_audit *au, struct qpu_audit_counters *c)
{
	spin_lock(&au->lock);
	c->seq = au->seq;
	c->lost = au->lost;
	c->overrun = au->overrun;
	c->unheard = au->unheard;
	spin_unlock(&au->lock);
}

/* A record being built: its message and the attributes set when sent. */
struct qpu_audit_rec {
	struct sk_buff *skb;
	void *hdr;
	struct nlattr *seq;	/* NULL for an event: events have no sequence */
	struct nlattr *lost;
	gfp_t gfp;		/* for building it */
	u8 cmd;
	int err;		/* the first failure to put an attribute */
};

static bool qpu_audit_listened(u32 group)
{
	return genl_has_listeners(&qpu_nl_family, &init_net, group);
}

/* Start a record of @cmd with room for @extra bytes of attributes. */
static void qpu_audit_begin(struct qpu_audit_rec *r, struct qpu_device *qdev,
			    u8 cmd, bool sequenced, size_t extra, gfp_t gfp)
{
	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	r->gfp = gfp;
	r->skb = genlmsg_new(QPU_AUDIT_BASE_SIZE + extra, gfp);
	if (!r->skb) {
		r->err = -ENOMEM;
		return;
	}
	r->hdr = genlmsg_put(r->skb, 0, 0, &qpu_nl_family, 0, cmd);
	if (!r->hdr) {
		r->err = -EMSGSIZE;
		return;
	}
	if (nla_put_u32(r->skb, QPU_A_AUDIT_DEV_ID, qdev->id) ||
	    nla_put_u64_64bit(r->skb, QPU_A_AUDIT_TIME, ktime_get_real_ns(),
			      QPU_A_AUDIT_PAD)) {
		r->err = -EMSGSIZE;
		return;
	}
	if (!sequenced)
		return;
	/* Filled in when sent, under the lock (qpu_audit_send()). */
	r->seq = nla_reserve_64bit(r->skb, QPU_A_AUDIT_SEQ, sizeof(u64),
				   QPU_A_AUDIT_PAD);
	r->lost = nla_reserve_64bit(r->skb, QPU_A_AUDIT_LOST, sizeof(u64),
				    QPU_A_AUDIT_PAD);
	if (!r->seq || !r->lost)
		r->err = -EMSGSIZE;
}

/* Record a put's failure; later puts are skipped. */
static void qpu_audit_check(struct qpu_audit_rec *r, int err)
{
	if (err && !r->err)
		r->err = err;
}

#define QPU_AUDIT_PUT(r, expr) do {					\
	if (!(r)->err)							\
		qpu_audit_check((r), (expr));				\
} while (0)

static void qpu_audit_put_u32(struct qpu_audit_rec *r, int type, u32 v)
{
	QPU_AUDIT_PUT(r, nla_put_u32(r->skb, type, v));
}

static void qpu_audit_put_u64(struct qpu_audit_rec *r, int type, u64 v)
{
	QPU_AUDIT_PUT(r, nla_put_u64_64bit(r->skb, type, v, QPU_A_AUDIT_PAD));
}

static void qpu_audit_put_hash(struct qpu_audit_rec *r, int type,
			       const u8 *hash)
{
	QPU_AUDIT_PUT(r, nla_put(r->skb, type, QPU_HASH_LEN, hash));
}

static void qpu_audit_put_str(struct qpu_audit_rec *r, int type,
			      const char *s)
{
	QPU_AUDIT_PUT(r, nla_put_string(r->skb, type, s));
}

/* The physical qubits of @n virtual ones, as an array of u32. */
static void qpu_audit_put_phys(struct qpu_audit_rec *r, const u32 *phys, u32 n)
{
	QPU_AUDIT_PUT(r, nla_put(r->skb, QPU_A_AUDIT_PHYS, n * sizeof(u32),
				 phys));
}

/* Who acted: the current task's pid and uid, initial namespaces. */
static void qpu_audit_put_actor(struct qpu_audit_rec *r)
{
	qpu_audit_put_u32(r, QPU_A_AUDIT_PID, task_tgid_nr(current));
	qpu_audit_put_u32(r, QPU_A_AUDIT_UID,
			  from_kuid_munged(&init_user_ns, current_uid()));
}

/* The tenant: @cgrp's id and its path below the cgroup2 root. */
static void qpu_audit_put_tenant(struct qpu_audit_rec *r, struct cgroup *cgrp)
{
	char *path;
	int ret;

	if (!cgrp || r->err)
		return;
	qpu_audit_put_u64(r, QPU_A_AUDIT_CGROUP_ID, cgroup_id(cgrp));
	path = kmalloc(PATH_MAX, r->gfp);
	if (!path) {
		qpu_audit_check(r, -ENOMEM);
		return;
	}
	ret = cgroup_path(cgrp, path, PATH_MAX);
	if (ret < 0 || ret >= PATH_MAX)
		qpu_audit_check(r, ret < 0 ? ret : -ENAMETOOLONG);
	else
		qpu_audit_put_str(r, QPU_A_AUDIT_CGROUP_PATH, path);
	kfree(path);
}

/* The current task's tenant. */
static void qpu_audit_put_own_tenant(struct qpu_audit_rec *r)
{
	struct cgroup *cgrp = qpu_tenant_current_cgroup();

	qpu_audit_put_tenant(r, cgrp);
	qpu_tenant_cgroup_put(cgrp);
}

/* Count a record that never left: it still used sequence number @seq. */
static u64 qpu_audit_skip(struct qpu_audit *au, bool lost)
{
	u64 seq;

	spin_lock(&au->lock);
	seq = ++au->seq;
	if (lost)
		au->lost++;
	else
		au->unheard++;
	spin_unlock(&au->lock);
	return seq;
}

/*
 * Number and send the record @r on @group, or count it lost. Consumes
 * the message. Return: the sequence number it took (0 for an event).
 */
static u64 qpu_audit_send(struct qpu_device *qdev, struct qpu_audit_rec *r,
			  u32 group)
{
	struct qpu_audit *au = &qdev->audit;
	u64 seq = 0;
	int ret;

	if (r->err) {
		/* A record too large for its room is a bug: say so. */
		if (r->err != -ENOMEM)
			pr_warn_ratelimited("qpu%u: audit message %u not sent: %d\n",
					    qdev->id, r->cmd, r->err);
		nlmsg_free(r->skb);
		return group == QPU_NL_MCGRP_AUDIT ? qpu_audit_skip(au, true) : 0;
	}
	genlmsg_end(r->skb, r->hdr);
	spin_lock(&au->lock);
	if (r->seq) {
		seq = ++au->seq;
		*(u64 *)nla_data(r->seq) = seq;
		*(u64 *)nla_data(r->lost) = au->lost;
	}
	ret = genlmsg_multicast(&qpu_nl_family, r->skb, 0, group, GFP_NOWAIT);
	if (r->seq) {
		if (ret == -ESRCH)
			au->unheard++;		/* the last listener just left */
		else if (ret == -ENOBUFS)
			au->overrun++;
		else if (ret)
			au->lost++;
	}
	spin_unlock(&au->lock);
	return seq;
}

/*
 * Begin a sequenced record on the audit group, unless nobody listens:
 * then it only takes its number (Return: false, *@seq set).
 */
static bool qpu_audit_start(struct qpu_audit_rec *r, struct qpu_device *qdev,
			    u8 cmd, size_t extra, gfp_t gfp, u64 *seq)
{
	if (!qpu_audit_listened(QPU_NL_MCGRP_AUDIT)) {
		*seq = qpu_audit_skip(&qdev->audit, false);
		return false;
	}
	qpu_audit_begin(r, qdev, cmd, true, extra, gfp);
	return true;
}

static size_t qpu_audit_room(u32 nphys)
{
	return nla_total_size(PATH_MAX) + nla_total_size(nphys * sizeof(u32));
}

/* Room for qpu_audit_put_source(). */
static size_t qpu_audit_source_room(void)
{
	return nla_total_size(32) + nla_total_size_64bit(sizeof(u64)) +
	       nla_total_size(sizeof(u32));
}

/* The circuit a routed one came from, as its loader named it. */
static void qpu_audit_put_source(struct qpu_audit_rec *r,
				 const struct qpu_circuit *circ)
{
	if (!circ->has_source)
		return;
	qpu_audit_put_hash(r, QPU_A_AUDIT_SOURCE_HASH, circ->source_hash);
	qpu_audit_put_u64(r, QPU_A_AUDIT_ROUTE_SEED, circ->route_seed);
	qpu_audit_put_u32(r, QPU_A_AUDIT_ROUTE_SWAPS, circ->route_swaps);
}

/* The circuit's shape, as loads and denials report it. */
static void qpu_audit_put_shape(struct qpu_audit_rec *r, u32 nq, u32 nc,
				u32 np, u32 ng)
{
	qpu_audit_put_u32(r, QPU_A_AUDIT_NUM_QUBITS, nq);
	qpu_audit_put_u32(r, QPU_A_AUDIT_NUM_CLBITS, nc);
	qpu_audit_put_u32(r, QPU_A_AUDIT_NUM_PARAMS, np);
	qpu_audit_put_u32(r, QPU_A_AUDIT_NUM_GATES, ng);
}

/**
 * qpu_audit_load() - record a circuit loaded
 * @qdev: the device
 * @circ: the circuit, validated and in its file's table
 * @handle: its handle
 * @alloc_handle: the allocation it was loaded for
 * @a: that allocation (pinned by the caller)
 */
void qpu_audit_load(struct qpu_device *qdev, const struct qpu_circuit *circ,
		    u32 handle, u32 alloc_handle, const struct qpu_allocation *a)
{
	const struct qc_circuit *c = &circ->core;
	struct qpu_audit_rec r;
	u64 seq;

	if (!qpu_audit_start(&r, qdev, QPU_CMD_AUDIT_LOAD,
			     qpu_audit_room(c->num_qubits) + qpu_audit_source_room(),
			     GFP_KERNEL, &seq))
		return;
	qpu_audit_put_own_tenant(&r);
	qpu_audit_put_actor(&r);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_CIRCUIT, handle);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_ALLOC, alloc_handle);
	qpu_audit_put_hash(&r, QPU_A_AUDIT_CIRCUIT_HASH, circ->hash);
	qpu_audit_put_source(&r, circ);
	qpu_audit_put_shape(&r, c->num_qubits, c->num_clbits, c->num_params,
			    c->num_gates);
	qpu_audit_put_phys(&r, a->phys, min(c->num_qubits, a->k));
	qpu_audit_send(qdev, &r, QPU_NL_MCGRP_AUDIT);
}

/* What a DENY record and a VERDICT event both say about the admission. */
static void qpu_audit_put_admission(struct qpu_audit_rec *r,
				    const struct qpu_bpf_admit *adm,
				    const char *policy, u32 reason)
{
	qpu_audit_put_own_tenant(r);
	qpu_audit_put_actor(r);
	qpu_audit_put_u32(r, QPU_A_AUDIT_KIND, adm->kind);
	qpu_audit_put_hash(r, QPU_A_AUDIT_CIRCUIT_HASH, adm->hash);
	qpu_audit_put_str(r, QPU_A_AUDIT_POLICY, policy);
	qpu_audit_put_u32(r, QPU_A_AUDIT_REASON, reason);
}

/**
 * qpu_audit_verdict() - a monitoring policy flagged or denied something
 * @qdev: the device
 * @adm: the admission it decided on (the submitter is current)
 * @origin: enum qpu_bpf_origin of a submission or run; 0 for a load
 * @policy: the policy's name
 * @action: enum qpu_bpf_action, not %QPU_BPF_ALLOW
 * @reason: the policy's reason code
 *
 * An event on the "events" group for either action; a denial is also an
 * audit record.
 */
void qpu_audit_verdict(struct qpu_device *qdev, const struct qpu_bpf_admit *adm,
		       u32 origin, const char *policy, u32 action, u32 reason)
{
	struct qpu_audit_rec r;
	u64 seq;

	if (qpu_audit_listened(QPU_NL_MCGRP_EVENTS)) {
		qpu_audit_begin(&r, qdev, QPU_CMD_EVENT_VERDICT, false,
				qpu_audit_room(0), GFP_NOWAIT);
		qpu_audit_put_admission(&r, adm, policy, reason);
		qpu_audit_put_u32(&r, QPU_A_AUDIT_ACTION, action);
		qpu_audit_send(qdev, &r, QPU_NL_MCGRP_EVENTS);
	}
	if (action != QPU_BPF_DENY ||
	    !qpu_audit_start(&r, qdev, QPU_CMD_AUDIT_DENY, qpu_audit_room(0),
			     GFP_NOWAIT, &seq))
		return;
	qpu_audit_put_admission(&r, adm, policy, reason);
	qpu_audit_put_shape(&r, adm->num_qubits, adm->num_clbits,
			    adm->num_params, adm->num_gates);
	if (adm->kind != QPU_ADMIT_LOAD) {
		qpu_audit_put_u32(&r, QPU_A_AUDIT_ORIGIN, origin);
		qpu_audit_put_u32(&r, QPU_A_AUDIT_CIRCUIT, adm->circuit);
		qpu_audit_put_u32(&r, QPU_A_AUDIT_SHOTS, adm->shots);
		qpu_audit_put_u32(&r, QPU_A_AUDIT_SWEEPS, adm->sweeps);
	}
	qpu_audit_send(qdev, &r, QPU_NL_MCGRP_AUDIT);
}

/* Room for a calibrated job's crosstalk record. */
static size_t qpu_audit_xt_room(const struct qpu_run_noise *rn)
{
	if (!rn)
		return 0;
	return nla_total_size(sizeof(u32)) + rn->nrec *
	       nla_total_size(2 * nla_total_size(sizeof(u32)) +
			      nla_total_size_64bit(sizeof(u64)) +
			      nla_total_size(QPU_XT_MAX_NBRS * sizeof(u32)));
}

/* The crosstalk a calibrated job received (or was given), in order. */
static void qpu_audit_put_crosstalk(struct qpu_audit_rec *r,
				    const struct qpu_run_noise *rn)
{
	u32 nbr[QPU_XT_MAX_NBRS], i, j;
	struct nlattr *nest;

	qpu_audit_put_u32(r, QPU_A_AUDIT_CROSSTALK_PPM, rn->nz.crosstalk_ppm);
	for (i = 0; i < rn->nrec && !r->err; i++) {
		nest = nla_nest_start(r->skb, QPU_A_AUDIT_XT);
		if (!nest) {
			r->err = -EMSGSIZE;
			return;
		}
		for (j = 0; j < rn->nnbr[i]; j++)
			nbr[j] = rn->nbr[i][j];
		QPU_AUDIT_PUT(r, nla_put_u32(r->skb, QPU_A_XT_SWEEP, rn->rec[i].sweep));
		QPU_AUDIT_PUT(r, nla_put_u32(r->skb, QPU_A_XT_SHOT, rn->rec[i].shot));
		QPU_AUDIT_PUT(r, nla_put_u64_64bit(r->skb, QPU_A_XT_EXPOSED,
						   rn->rec[i].exposed, QPU_A_XT_PAD));
		if (rn->nnbr[i])
			QPU_AUDIT_PUT(r, nla_put(r->skb, QPU_A_XT_NEIGHBOURS,
						 rn->nnbr[i] * sizeof(u32), nbr));
		nla_nest_end(r->skb, nest);
	}
}

/**
 * qpu_audit_job() - record a completed job or run
 * @x: the run, still holding its circuit and allocation
 * @p: its provenance (qpu_exec_done()), all but @p->audit_seq
 *
 * Return: the record's sequence number.
 */
u64 qpu_audit_job(const struct qpu_exec *x, const struct qpu_provenance *p)
{
	struct qpu_audit_rec r;
	u32 phys[QPU_MAX_SIM_QUBITS], i;
	u64 seq;

	if (!qpu_audit_start(&r, x->qdev, QPU_CMD_AUDIT_JOB,
			     qpu_audit_room(p->num_phys) + qpu_audit_xt_room(x->noise) +
			     qpu_audit_source_room(),
			     GFP_KERNEL, &seq))
		return seq;
	qpu_audit_put_tenant(&r, x->charge.cgrp);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_PID, x->pid);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_UID, x->uid);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_ORIGIN, p->origin);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_JOB_ID, p->job_id);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_CIRCUIT, x->job.circuit);
	qpu_audit_put_hash(&r, QPU_A_AUDIT_CIRCUIT_HASH, p->circuit_hash);
	qpu_audit_put_source(&r, x->circ);
	qpu_audit_put_hash(&r, QPU_A_AUDIT_PARAM_HASH, p->param_hash);
	qpu_audit_put_hash(&r, QPU_A_AUDIT_RESULT_HASH, p->result_hash);
	qpu_audit_put_u64(&r, QPU_A_AUDIT_SEED, p->seed);
	if (p->calib_epoch) {
		qpu_audit_put_u64(&r, QPU_A_AUDIT_CALIB_EPOCH, p->calib_epoch);
		qpu_audit_put_hash(&r, QPU_A_AUDIT_CALIB_HASH, p->calib_hash);
	}
	qpu_audit_put_u32(&r, QPU_A_AUDIT_SHOTS, p->shots);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_SWEEPS, p->sweeps);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_NUM_QUBITS, p->num_phys);
	for (i = 0; i < p->num_phys; i++)
		phys[i] = p->phys[i];
	qpu_audit_put_phys(&r, phys, p->num_phys);
	qpu_audit_put_u64(&r, QPU_A_AUDIT_SUBMIT_TIME, p->submit_time);
	qpu_audit_put_u64(&r, QPU_A_AUDIT_START_TIME, p->start_time);
	qpu_audit_put_u64(&r, QPU_A_AUDIT_END_TIME, p->end_time);
	qpu_audit_put_u64(&r, QPU_A_AUDIT_QPU_NS, p->qpu_ns);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_STATUS, p->status);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_STATE, qpu_exec_state(p->status));
	qpu_audit_put_u32(&r, QPU_A_AUDIT_NOISE, p->noise);
	if (x->noise)
		qpu_audit_put_crosstalk(&r, x->noise);
	return qpu_audit_send(x->qdev, &r, QPU_NL_MCGRP_AUDIT);
}

/* An ALLOC or FREE record of @a; @why is FREE's reason, 0 for ALLOC. */
static void qpu_audit_qubits(struct qpu_device *qdev, u8 cmd,
			     const struct qpu_allocation *a, u32 handle, u32 why)
{
	struct qpu_audit_rec r;
	u64 seq;

	if (!qpu_audit_start(&r, qdev, cmd, qpu_audit_room(a->k), GFP_KERNEL,
			     &seq))
		return;
	qpu_audit_put_tenant(&r, a->charge.cgrp);
	qpu_audit_put_actor(&r);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_ALLOC, handle);
	qpu_audit_put_u32(&r, QPU_A_AUDIT_NUM_QUBITS, a->k);
	qpu_audit_put_phys(&r, a->phys, a->k);
	if (why)
		qpu_audit_put_u32(&r, QPU_A_AUDIT_REASON, why);
	qpu_audit_send(qdev, &r, QPU_NL_MCGRP_AUDIT);
}

/**
 * qpu_audit_alloc() - record qubits allocated
 * @qdev: the device
 * @a: the allocation, charged to its tenant
 * @handle: its handle in its file
 */
void qpu_audit_alloc(struct qpu_device *qdev, const struct qpu_allocation *a,
		     u32 handle)
{
	qpu_audit_qubits(qdev, QPU_CMD_AUDIT_ALLOC, a, handle, 0);
}

/**
 * qpu_audit_free() - record qubits freed
 * @qdev: the device
 * @a: the allocation, before its charge is dropped
 * @handle: its handle in its file
 * @why: enum qpu_audit_free
 */
void qpu_audit_free(struct qpu_device *qdev, const struct qpu_allocation *a,
		    u32 handle, u32 why)
{
	qpu_audit_qubits(qdev, QPU_CMD_AUDIT_FREE, a, handle, why);
}

/**
 * qpu_audit_calib() - record a new calibration
 * @qdev: the device
 * @s: the snapshot just made current (called under qpu_calib.lock, so
 *	records follow the epochs' order)
 */
void qpu_audit_calib(struct qpu_device *qdev, const struct qpu_calib_snap *s)
{
	struct qpu_audit_rec r;
	u64 seq;

	lockdep_assert_held(&qdev->calib->lock);
	if (!qpu_audit_start(&r, qdev, QPU_CMD_AUDIT_CALIB, 0, GFP_KERNEL, &seq))
		return;
	qpu_audit_put_actor(&r);
	qpu_audit_put_u64(&r, QPU_A_AUDIT_CALIB_EPOCH, s->epoch);
	qpu_audit_put_hash(&r, QPU_A_AUDIT_CALIB_HASH, s->hash);
	qpu_audit_send(qdev, &r, QPU_NL_MCGRP_AUDIT);
}

/**
 * qpu_audit_limit_tenant() - record a tenant's limits changed (TENANT_SET
 *	or TENANT_DEL)
 * @qdev: the device, locked by the caller
 * @cgrp: the tenant (referenced by the caller)
 *
 * The record carries the limits in force after the change.
 */
void qpu_audit_limit_tenant(struct qpu_device *qdev, struct cgroup *cgrp)
{
	struct qpu_tenant_info ti;
	struct qpu_audit_rec r;
	struct nlattr *nest;
	u64 seq;

	if (!qpu_audit_start(&r, qdev, QPU_CMD_AUDIT_LIMIT, qpu_audit_room(0),
			     GFP_KERNEL, &seq))
		return;
	qpu_audit_put_actor(&r);
	qpu_audit_put_str(&r, QPU_A_AUDIT_LIMIT_NAME, "tenant");
	qpu_audit_put_tenant(&r, cgrp);
	qpu_tenant_get(&qdev->tenants, cgrp, &ti);
	if (!r.err) {
		nest = nla_nest_start(r.skb, QPU_A_AUDIT_TENANT);
		if (!nest || qpu_nl_put_tenant(r.skb, qdev->id, &ti))
			qpu_audit_check(&r, -EMSGSIZE);
		else
			nla_nest_end(r.skb, nest);
	}
	qpu_audit_send(qdev, &r, QPU_NL_MCGRP_AUDIT);
}

/**
 * qpu_audit_limit_tunable() - record a device tunable changed in sysfs
 * @qdev: the device
 * @name: the attribute's name
 * @value: its new value
 */
void qpu_audit_limit_tunable(struct qpu_device *qdev, const char *name,
			     u64 value)
{
	struct qpu_audit_rec r;
	u64 seq;

	if (!qpu_audit_start(&r, qdev, QPU_CMD_AUDIT_LIMIT, 0, GFP_KERNEL, &seq))
		return;
	qpu_audit_put_actor(&r);
	qpu_audit_put_str(&r, QPU_A_AUDIT_LIMIT_NAME, name);
	qpu_audit_put_u64(&r, QPU_A_AUDIT_LIMIT_VALUE, value);
	qpu_audit_send(qdev, &r, QPU_NL_MCGRP_AUDIT);
}
