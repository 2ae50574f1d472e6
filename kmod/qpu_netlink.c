// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_netlink.c - the "qpu" generic netlink family: DEV_GET, TENANT_GET,
 * TENANT_SET, TENANT_DEL and CALIB_GET (uapi/linux/qpu.h,
 * Documentation/netlink/specs/qpu.yaml), and the multicast groups "audit"
 * and "events", which qpu_audit.c sends on.
 *
 * Owns the family, its per-command policies and the translation between
 * attributes and struct qpu_tenant_info / qpu_tenant_config. The tenant
 * state itself is qpu_tenant.c's.
 *
 * Locking: no lock of its own, and no state between messages but a dump's
 * cursor in netlink_callback.ctx (a CALIB_GET dump also holds the
 * snapshot it reads and a reference to its device, not its lifecycle). Handlers run in parallel
 * (.parallel_ops). Each reaches a device through qpu_device_get() and
 * holds qpu_device.lifecycle for reading, failing with -ENODEV once the
 * device is dead, only while it reads or changes that device: never
 * across the calls of a dump, never while it allocates a reply. Under
 * it, the device counters take alloc_lock and the scheduler's lock, and
 * qpu_tenant_*() take qpu_tenants.lock, in the order qpu_device.h gives.
 * A cgroup (the caller's own, or one looked up by id) is referenced for
 * the call only.
 *
 * Input: every command has its own policy, validated strictly by the
 * genetlink core before a handler runs (unknown attributes, reply-only
 * attributes and wrong lengths are -EINVAL, values out of range -ERANGE,
 * each with the attribute in the extack); handlers check presence and the
 * combinations (a budget needs LIMIT and PERIOD). Nothing is changed
 * unless the whole request is valid.
 *
 * Permissions: setting and deleting limits, reading a tenant that is not
 * the caller's own cgroup or one of its ancestors, and subscribing to
 * either multicast group need CAP_SYS_ADMIN in the initial user
 * namespace. Commands check it with netlink_capable() (the socket's
 * opener and the sender both), not GENL_ADMIN_PERM, which is
 * CAP_NET_ADMIN.
 *
 * Network namespaces: .netnsok is set. Devices and cgroups are global,
 * not per network namespace, and a program in a container (usually its
 * own network namespace) must be able to read its own tenant's budget
 * before it submits; every check above is against the initial user
 * namespace, whatever namespace the socket is in. The multicast groups'
 * GENL_MCAST_CAP_SYS_ADMIN checks the namespace's own user namespace, so
 * audit and event messages must only ever be sent in init_net
 * (genlmsg_multicast(), never genlmsg_multicast_allns()): there that
 * check is CAP_SYS_ADMIN in the initial user namespace.
 *
 * Teardown: qpu_netlink_exit() runs after the devices are removed (no
 * record can be sent once the family is gone); genl_unregister_family()
 * waits for the handlers in progress, and a dump in progress holds a
 * module reference.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "qpu_audit.h"
#include "qpu_calib.h"
#include "qpu_device.h"
#include "qpu_netlink.h"
#include "qpu_sched.h"
#include "qpu_tenant.h"


/* ---- Policies ------------------------------------------------------- */

static const struct netlink_range_validation qpu_nl_period_range = {
	.min = 0,
	.max = QPU_BUDGET_PERIOD_MAX,
};

/* A budget in TENANT_SET: both attributes are required. */
static const struct nla_policy qpu_nl_budget_set_policy[QPU_A_BUDGET_PERIOD + 1] = {
	[QPU_A_BUDGET_LIMIT]	= { .type = NLA_U64 },
	[QPU_A_BUDGET_PERIOD]	= NLA_POLICY_FULL_RANGE(NLA_U64, &qpu_nl_period_range),
};

static const struct nla_policy qpu_nl_dev_get_do_policy[QPU_A_DEV_ID + 1] = {
	[QPU_A_DEV_ID]		= { .type = NLA_U32 },
};

/* A DEV_GET or TENANT_DEL dump takes no attributes: every one is refused. */
static const struct nla_policy qpu_nl_dev_get_dump_policy[QPU_A_DEV_ID + 1] = {
	[QPU_A_DEV_ID]		= { .type = NLA_REJECT },
};

static const struct nla_policy qpu_nl_tenant_get_do_policy[QPU_A_TENANT_CGROUP_ID + 1] = {
	[QPU_A_TENANT_DEV_ID]	= { .type = NLA_U32 },
	[QPU_A_TENANT_CGROUP_ID] = { .type = NLA_U64 },
};

static const struct nla_policy qpu_nl_tenant_get_dump_policy[QPU_A_TENANT_DEV_ID + 1] = {
	[QPU_A_TENANT_DEV_ID]	= { .type = NLA_U32 },
};

static const struct nla_policy qpu_nl_tenant_set_policy[QPU_A_TENANT_ISOLATION + 1] = {
	[QPU_A_TENANT_DEV_ID]	= { .type = NLA_U32 },
	[QPU_A_TENANT_CGROUP_ID] = { .type = NLA_U64 },
	[QPU_A_TENANT_QUBITS_MAX] = { .type = NLA_U64 },
	[QPU_A_TENANT_JOBS_MAX]	= { .type = NLA_U64 },
	[QPU_A_TENANT_SHOTS]	= NLA_POLICY_NESTED(qpu_nl_budget_set_policy),
	[QPU_A_TENANT_QPU_TIME]	= NLA_POLICY_NESTED(qpu_nl_budget_set_policy),
	[QPU_A_TENANT_WEIGHT]	= NLA_POLICY_RANGE(NLA_U32, QPU_WEIGHT_MIN,
						   QPU_WEIGHT_MAX),
	[QPU_A_TENANT_LATENCY]	= NLA_POLICY_MAX(NLA_U32, QPU_LATENCY_INTERACTIVE),
	[QPU_A_TENANT_ISOLATION] = NLA_POLICY_MAX(NLA_U32, QPU_ISOLATION_EXCLUSIVE),
};

/* CALIB_GET, do and dump: a device, and an epoch (0 or absent: current). */
static const struct nla_policy qpu_nl_calib_get_policy[QPU_A_CALIB_EPOCH + 1] = {
	[QPU_A_CALIB_DEV_ID]	= { .type = NLA_U32 },
	[QPU_A_CALIB_EPOCH]	= { .type = NLA_U64 },
};

static const struct nla_policy qpu_nl_tenant_del_policy[QPU_A_TENANT_CGROUP_ID + 1] = {
	[QPU_A_TENANT_DEV_ID]	= { .type = NLA_U32 },
	[QPU_A_TENANT_CGROUP_ID] = { .type = NLA_U64 },
};

/* ---- Devices, cgroups, permissions ---------------------------------- */

/*
 * The live device @id, referenced and with ->lifecycle read-held; release
 * with qpu_nl_dev_unlock(). ERR_PTR(-ENODEV) if there is none or it is
 * being removed.
 */
static struct qpu_device *qpu_nl_dev_lock(u32 id)
{
	struct qpu_device *qdev = qpu_device_get(id);

	if (!qdev)
		return ERR_PTR(-ENODEV);
	down_read(&qdev->lifecycle);
	if (qdev->dead) {
		up_read(&qdev->lifecycle);
		qpu_device_put(qdev);
		return ERR_PTR(-ENODEV);
	}
	return qdev;
}

static void qpu_nl_dev_unlock(struct qpu_device *qdev)
{
	up_read(&qdev->lifecycle);
	qpu_device_put(qdev);
}

static bool qpu_nl_admin(const struct sk_buff *skb)
{
	/* The initial user namespace, for the opener and the sender. */
	return netlink_capable(skb, CAP_SYS_ADMIN);
}

/*
 * Whether @id is @own or one of its ancestors: the tenants an
 * unprivileged caller may read. Decided on ids alone, so that a caller
 * without the capability learns nothing about other cgroups (not even
 * whether an id exists).
 */
static bool qpu_nl_own_or_ancestor(struct cgroup *own, u64 id)
{
	struct cgroup *c;

	for (c = own; c; c = cgroup_parent(c))
		if (cgroup_id(c) == id)
			return true;
	return false;
}

/* The cgroup named by @attr (a u64 id), referenced, or ERR_PTR(-ENOENT). */
static struct cgroup *qpu_nl_cgroup(const struct nlattr *attr,
				    struct netlink_ext_ack *extack)
{
	struct cgroup *cgrp = cgroup_get_from_id(nla_get_u64(attr));

	if (IS_ERR(cgrp)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no cgroup with this id");
		return ERR_PTR(-ENOENT);
	}
	return cgrp;
}

static struct qpu_device *qpu_nl_dev_attr_lock(const struct nlattr *attr,
					       struct netlink_ext_ack *extack)
{
	struct qpu_device *qdev = qpu_nl_dev_lock(nla_get_u32(attr));

	if (IS_ERR(qdev))
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such device");
	return qdev;
}

/* A required attribute: -EINVAL, with the missing type and @msg. */
#define qpu_nl_need(info, type, msg) ({					\
	int __ret = 0;							\
									\
	if (GENL_REQ_ATTR_CHECK(info, type)) {				\
		NL_SET_ERR_MSG((info)->extack, msg);			\
		__ret = -EINVAL;					\
	}								\
	__ret;								\
})

/* ---- Messages ------------------------------------------------------- */

static int qpu_nl_fill_dev(struct sk_buff *skb, struct qpu_device *qdev,
			   u32 portid, u32 seq, int flags)
{
	u32 free_qubits, queued, running;
	struct qpu_audit_counters au;
	struct qpu_calib_snap *cal;
	void *hdr;
	int ret;

	mutex_lock(&qdev->alloc_lock);
	free_qubits = qc_alloc_free_count(qdev->alloc);
	mutex_unlock(&qdev->alloc_lock);
	qpu_sched_counts(&qdev->sched, &queued, &running);
	qpu_audit_counters(&qdev->audit, &au);

	hdr = genlmsg_put(skb, portid, seq, &qpu_nl_family, flags,
			  QPU_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	cal = qpu_calib_get(qdev);
	ret = nla_put_u64_64bit(skb, QPU_A_DEV_CALIB_EPOCH, cal->epoch,
				QPU_A_DEV_PAD) ||
	      nla_put(skb, QPU_A_DEV_CALIB_HASH, QPU_HASH_LEN, cal->hash);
	qpu_calib_put(cal);
	if (ret ||
	    nla_put_u64_64bit(skb, QPU_A_DEV_AUDIT_SEQ, au.seq, QPU_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_DEV_AUDIT_LOST, au.lost,
			      QPU_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_DEV_AUDIT_OVERRUN, au.overrun,
			      QPU_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_DEV_AUDIT_UNHEARD, au.unheard,
			      QPU_A_DEV_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	if (nla_put_u32(skb, QPU_A_DEV_ID, qdev->id) ||
	    nla_put_string(skb, QPU_A_DEV_NAME, dev_name(&qdev->dev)) ||
	    nla_put_string(skb, QPU_A_DEV_TOPOLOGY, qdev->topo->name) ||
	    nla_put_u32(skb, QPU_A_DEV_NUM_QUBITS, qdev->topo->num_qubits) ||
	    nla_put_u32(skb, QPU_A_DEV_FREE_QUBITS, free_qubits) ||
	    nla_put_u32(skb, QPU_A_DEV_WORKERS,
			READ_ONCE(qdev->sched.nr_workers)) ||
	    nla_put_u32(skb, QPU_A_DEV_JOBS_QUEUED, queued) ||
	    nla_put_u32(skb, QPU_A_DEV_JOBS_RUNNING, running) ||
	    nla_put_u32(skb, QPU_A_DEV_TENANTS,
			qpu_tenant_count(&qdev->tenants))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int qpu_nl_put_budget(struct sk_buff *skb, int type,
			     const struct qpu_budget_info *b)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, QPU_A_BUDGET_LIMIT, b->limit,
			      QPU_A_BUDGET_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_BUDGET_PERIOD, b->period_s,
			      QPU_A_BUDGET_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_BUDGET_USED, b->used,
			      QPU_A_BUDGET_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_BUDGET_REMAINING, b->remaining,
			      QPU_A_BUDGET_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_BUDGET_RESET_NS, b->reset_ns,
			      QPU_A_BUDGET_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_BUDGET_TOTAL, b->total,
			      QPU_A_BUDGET_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int qpu_nl_put_events(struct sk_buff *skb,
			     const struct qpu_tenant_info *ti)
{
	struct nlattr *nest = nla_nest_start(skb, QPU_A_TENANT_EVENTS);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, QPU_A_EVENTS_QUBITS,
			      ti->events[QPU_LIMIT_QUBITS], QPU_A_EVENTS_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_EVENTS_JOBS,
			      ti->events[QPU_LIMIT_JOBS], QPU_A_EVENTS_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_EVENTS_SHOTS,
			      ti->events[QPU_LIMIT_SHOTS], QPU_A_EVENTS_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_EVENTS_QPU_TIME,
			      ti->events[QPU_LIMIT_QPU_TIME], QPU_A_EVENTS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * qpu_nl_put_tenant() - the attributes of a TENANT_GET reply
 * @skb: the message (or an audit record's "tenant" nest)
 * @dev_id: the device
 * @ti: the tenant's limits and usage
 *
 * Return: 0 or -EMSGSIZE (the caller cancels what was put).
 */
int qpu_nl_put_tenant(struct sk_buff *skb, u32 dev_id,
		      const struct qpu_tenant_info *ti)
{
	if (nla_put_u32(skb, QPU_A_TENANT_DEV_ID, dev_id) ||
	    nla_put_u64_64bit(skb, QPU_A_TENANT_CGROUP_ID, ti->cgroup_id,
			      QPU_A_TENANT_PAD) ||
	    nla_put_u32(skb, QPU_A_TENANT_LEVEL, ti->level) ||
	    nla_put_u8(skb, QPU_A_TENANT_CONFIGURED, ti->configured) ||
	    nla_put_u64_64bit(skb, QPU_A_TENANT_QUBITS_MAX, ti->qubits_max,
			      QPU_A_TENANT_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_TENANT_QUBITS_CURRENT,
			      ti->qubits_current, QPU_A_TENANT_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_TENANT_JOBS_MAX, ti->jobs_max,
			      QPU_A_TENANT_PAD) ||
	    nla_put_u64_64bit(skb, QPU_A_TENANT_JOBS_CURRENT,
			      ti->jobs_current, QPU_A_TENANT_PAD) ||
	    qpu_nl_put_budget(skb, QPU_A_TENANT_SHOTS, &ti->shots) ||
	    qpu_nl_put_budget(skb, QPU_A_TENANT_QPU_TIME, &ti->qpu_time) ||
	    nla_put_u32(skb, QPU_A_TENANT_WEIGHT, ti->weight) ||
	    nla_put_u32(skb, QPU_A_TENANT_LATENCY, ti->latency) ||
	    nla_put_u32(skb, QPU_A_TENANT_ISOLATION, ti->isolation) ||
	    qpu_nl_put_events(skb, ti))
		return -EMSGSIZE;
	return 0;
}

static int qpu_nl_fill_tenant(struct sk_buff *skb, u32 dev_id,
			      const struct qpu_tenant_info *ti,
			      u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &qpu_nl_family, flags,
			  QPU_CMD_TENANT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (qpu_nl_put_tenant(skb, dev_id, ti)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* ---- DEV_GET -------------------------------------------------------- */

static int qpu_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct qpu_device *qdev;
	struct sk_buff *msg;
	int ret;

	if (qpu_nl_need(info, QPU_A_DEV_ID, "a device id is required"))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	qdev = qpu_nl_dev_attr_lock(info->attrs[QPU_A_DEV_ID], info->extack);
	if (IS_ERR(qdev)) {
		nlmsg_free(msg);
		return PTR_ERR(qdev);
	}
	ret = qpu_nl_fill_dev(msg, qdev, info->snd_portid, info->snd_seq, 0);
	qpu_nl_dev_unlock(qdev);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* Dump cursor: the next device id to report. */
struct qpu_nl_dev_dump {
	u32 next_id;
};

static int qpu_nl_dev_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct qpu_nl_dev_dump *ctx = (void *)cb->ctx;
	struct qpu_device *qdev;
	int ret;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	for (; ctx->next_id < QPU_MAX_DEVICES; ctx->next_id++) {
		qdev = qpu_nl_dev_lock(ctx->next_id);
		if (IS_ERR(qdev))
			continue;
		ret = qpu_nl_fill_dev(skb, qdev, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI);
		qpu_nl_dev_unlock(qdev);
		if (ret)
			/* Full: this device starts the next part. */
			return skb->len ? skb->len : ret;
	}
	return 0;
}

/* ---- TENANT_GET ----------------------------------------------------- */

static int qpu_nl_tenant_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[QPU_A_TENANT_CGROUP_ID];
	struct qpu_tenant_info ti;
	struct cgroup *own, *cgrp;
	struct qpu_device *qdev;
	struct sk_buff *msg;
	int ret;

	if (qpu_nl_need(info, QPU_A_TENANT_DEV_ID, "a device id is required"))
		return -EINVAL;

	own = qpu_tenant_current_cgroup();
	if (!id_attr) {
		cgrp = own;
		cgroup_get(cgrp);
	} else if (!qpu_nl_admin(skb) &&
		   !qpu_nl_own_or_ancestor(own, nla_get_u64(id_attr))) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "reading another cgroup's tenant needs CAP_SYS_ADMIN");
		ret = -EPERM;
		goto out_own;
	} else {
		cgrp = qpu_nl_cgroup(id_attr, info->extack);
		if (IS_ERR(cgrp)) {
			ret = PTR_ERR(cgrp);
			goto out_own;
		}
	}

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_cgrp;
	}
	qdev = qpu_nl_dev_attr_lock(info->attrs[QPU_A_TENANT_DEV_ID],
				    info->extack);
	if (IS_ERR(qdev)) {
		ret = PTR_ERR(qdev);
		goto out_msg;
	}
	ret = qpu_tenant_get(&qdev->tenants, cgrp, &ti);
	if (!ret)
		ret = qpu_nl_fill_tenant(msg, qdev->id, &ti, info->snd_portid,
					 info->snd_seq, 0);
	qpu_nl_dev_unlock(qdev);
	if (ret)
		goto out_msg;
	ret = genlmsg_reply(msg, info);
	goto out_cgrp;

out_msg:
	nlmsg_free(msg);
out_cgrp:
	cgroup_put(cgrp);
out_own:
	qpu_tenant_cgroup_put(own);
	return ret;
}

/*
 * Dump cursor: the device being listed and the last cgroup id reported
 * on it (qpu_tenant_get_next() continues after it); @one when the request
 * named a device.
 */
struct qpu_nl_tenant_dump {
	u64 after_id;
	u32 dev_id;
	bool one;
};

static int qpu_nl_tenant_get_start(struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct qpu_nl_tenant_dump *ctx = (void *)cb->ctx;
	struct nlattr *attr = info->attrs[QPU_A_TENANT_DEV_ID];
	struct qpu_device *qdev;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	if (!attr)
		return 0;
	/* An unknown device is an error, not an empty list. */
	qdev = qpu_nl_dev_attr_lock(attr, cb->extack);
	if (IS_ERR(qdev))
		return PTR_ERR(qdev);
	ctx->dev_id = qdev->id;
	ctx->one = true;
	qpu_nl_dev_unlock(qdev);
	return 0;
}

/*
 * Every tenant of one device (or all), in cgroup id order per device.
 * Without CAP_SYS_ADMIN only the caller's own cgroup and its ancestors
 * are reported; the others are left out, not refused.
 */
static int qpu_nl_tenant_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct qpu_nl_tenant_dump *ctx = (void *)cb->ctx;
	bool admin = qpu_nl_admin(cb->skb);
	struct qpu_tenant_info ti;
	struct qpu_device *qdev;
	struct cgroup *own;
	int ret = 0;

	own = qpu_tenant_current_cgroup();
	for (; ctx->dev_id < QPU_MAX_DEVICES; ctx->dev_id++, ctx->after_id = 0) {
		qdev = qpu_nl_dev_lock(ctx->dev_id);
		if (!IS_ERR(qdev)) {
			while (!qpu_tenant_get_next(&qdev->tenants,
						    ctx->after_id, &ti)) {
				if (admin ||
				    qpu_nl_own_or_ancestor(own, ti.cgroup_id)) {
					ret = qpu_nl_fill_tenant(skb, qdev->id, &ti,
								 NETLINK_CB(cb->skb).portid,
								 cb->nlh->nlmsg_seq,
								 NLM_F_MULTI);
					if (ret)
						break;
				}
				ctx->after_id = ti.cgroup_id;
			}
			qpu_nl_dev_unlock(qdev);
			if (ret) {
				/* Full: this tenant starts the next part. */
				ret = skb->len ? skb->len : ret;
				goto out;
			}
		}
		if (ctx->one)
			break;
	}
	/* Done: a further call (there should be none) reports nothing. */
	ctx->dev_id = QPU_MAX_DEVICES;
	ctx->one = false;
out:
	qpu_tenant_cgroup_put(own);
	return ret;
}

/* ---- TENANT_SET, TENANT_DEL ----------------------------------------- */

/* A budget nest of TENANT_SET into *@limit and *@period. */
static int qpu_nl_parse_budget(const struct nlattr *nest, u64 *limit,
			       u64 *period, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[QPU_A_BUDGET_PERIOD + 1];
	int ret;

	/* Already validated against the same policy; this only indexes. */
	ret = nla_parse_nested(tb, QPU_A_BUDGET_PERIOD, nest,
			       qpu_nl_budget_set_policy, extack);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, QPU_A_BUDGET_LIMIT) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, QPU_A_BUDGET_PERIOD)) {
		NL_SET_ERR_MSG(extack, "a budget needs both LIMIT and PERIOD");
		return -EINVAL;
	}
	*limit = nla_get_u64(tb[QPU_A_BUDGET_LIMIT]);
	*period = nla_get_u64(tb[QPU_A_BUDGET_PERIOD]);
	return 0;
}

/* The attributes of a TENANT_SET into @cfg; 0 or -EINVAL. */
static int qpu_nl_parse_config(struct genl_info *info,
			       struct qpu_tenant_config *cfg)
{
	struct nlattr **tb = info->attrs;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (tb[QPU_A_TENANT_QUBITS_MAX]) {
		cfg->set |= QPU_TSET_QUBITS_MAX;
		cfg->qubits_max = nla_get_u64(tb[QPU_A_TENANT_QUBITS_MAX]);
	}
	if (tb[QPU_A_TENANT_JOBS_MAX]) {
		cfg->set |= QPU_TSET_JOBS_MAX;
		cfg->jobs_max = nla_get_u64(tb[QPU_A_TENANT_JOBS_MAX]);
	}
	if (tb[QPU_A_TENANT_SHOTS]) {
		ret = qpu_nl_parse_budget(tb[QPU_A_TENANT_SHOTS],
					  &cfg->shots_limit,
					  &cfg->shots_period_s, info->extack);
		if (ret)
			return ret;
		cfg->set |= QPU_TSET_SHOTS;
	}
	if (tb[QPU_A_TENANT_QPU_TIME]) {
		ret = qpu_nl_parse_budget(tb[QPU_A_TENANT_QPU_TIME],
					  &cfg->qpu_time_limit,
					  &cfg->qpu_time_period_s, info->extack);
		if (ret)
			return ret;
		cfg->set |= QPU_TSET_QPU_TIME;
	}
	if (tb[QPU_A_TENANT_WEIGHT]) {
		cfg->set |= QPU_TSET_WEIGHT;
		cfg->weight = nla_get_u32(tb[QPU_A_TENANT_WEIGHT]);
	}
	if (tb[QPU_A_TENANT_LATENCY]) {
		cfg->set |= QPU_TSET_LATENCY;
		cfg->latency = nla_get_u32(tb[QPU_A_TENANT_LATENCY]);
	}
	if (tb[QPU_A_TENANT_ISOLATION]) {
		cfg->set |= QPU_TSET_ISOLATION;
		cfg->isolation = nla_get_u32(tb[QPU_A_TENANT_ISOLATION]);
	}
	if (!cfg->set) {
		NL_SET_ERR_MSG(info->extack, "no limit to set");
		return -EINVAL;
	}
	return 0;
}

/* The capability TENANT_SET and TENANT_DEL need, checked first of all. */
static int qpu_nl_check_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (qpu_nl_admin(skb))
		return 0;
	NL_SET_ERR_MSG(info->extack,
		       "changing tenant limits needs CAP_SYS_ADMIN");
	return -EPERM;
}

/*
 * The target of TENANT_SET and TENANT_DEL: the cgroup, then the device.
 * On success the device is locked (qpu_nl_dev_unlock()) and *@cgrp
 * referenced.
 */
static struct qpu_device *qpu_nl_admin_target(struct genl_info *info,
					      struct cgroup **cgrp)
{
	struct qpu_device *qdev;

	if (qpu_nl_need(info, QPU_A_TENANT_DEV_ID, "a device id is required") ||
	    qpu_nl_need(info, QPU_A_TENANT_CGROUP_ID, "a cgroup id is required"))
		return ERR_PTR(-EINVAL);
	*cgrp = qpu_nl_cgroup(info->attrs[QPU_A_TENANT_CGROUP_ID],
			      info->extack);
	if (IS_ERR(*cgrp))
		return ERR_CAST(*cgrp);
	qdev = qpu_nl_dev_attr_lock(info->attrs[QPU_A_TENANT_DEV_ID],
				    info->extack);
	if (IS_ERR(qdev))
		cgroup_put(*cgrp);
	return qdev;
}

static int qpu_nl_tenant_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct qpu_tenant_config cfg;
	struct qpu_device *qdev;
	struct cgroup *cgrp;
	int ret;

	/* Permission before anything about the request is revealed. */
	ret = qpu_nl_check_admin(skb, info);
	if (ret)
		return ret;
	ret = qpu_nl_parse_config(info, &cfg);
	if (ret)
		return ret;
	qdev = qpu_nl_admin_target(info, &cgrp);
	if (IS_ERR(qdev))
		return PTR_ERR(qdev);
	ret = qpu_tenant_set(&qdev->tenants, cgrp, &cfg);
	if (!ret)
		qpu_audit_limit_tenant(qdev, cgrp);
	qpu_nl_dev_unlock(qdev);
	cgroup_put(cgrp);
	if (ret == -EUSERS)
		NL_SET_ERR_MSG(info->extack,
			       "the device's tenant table is full");
	else if (ret)
		NL_SET_ERR_MSG(info->extack, "cannot set the tenant's limits");
	return ret;
}

static int qpu_nl_tenant_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct qpu_device *qdev;
	struct cgroup *cgrp;
	int ret;

	ret = qpu_nl_check_admin(skb, info);
	if (ret)
		return ret;
	qdev = qpu_nl_admin_target(info, &cgrp);
	if (IS_ERR(qdev))
		return PTR_ERR(qdev);
	ret = qpu_tenant_del(&qdev->tenants, cgrp);
	if (!ret)
		qpu_audit_limit_tenant(qdev, cgrp);
	qpu_nl_dev_unlock(qdev);
	cgroup_put(cgrp);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[QPU_A_TENANT_CGROUP_ID],
				    "no limits are set for this cgroup on this device");
	else if (ret)
		NL_SET_ERR_MSG(info->extack, "cannot delete the tenant's limits");
	return ret;
}

/* ---- CALIB_GET ------------------------------------------------------ */

/* Bytes of calibration text per dump message. */
#define QPU_NL_CALIB_CHUNK	2048

/*
 * The snapshot a CALIB_GET names, referenced, with its device (referenced
 * only: the topology lives as long as the device). ERR_PTR() with the
 * extack set otherwise.
 */
static struct qpu_calib_snap *qpu_nl_calib_snap(struct nlattr **attrs,
						struct netlink_ext_ack *extack,
						struct qpu_device **qdevp,
						u64 *oldest)
{
	u64 epoch = 0;
	struct qpu_calib_snap *s;
	struct qpu_device *qdev;

	if (!attrs[QPU_A_CALIB_DEV_ID]) {
		NL_SET_ERR_MSG(extack, "a device id is required");
		return ERR_PTR(-EINVAL);
	}
	if (attrs[QPU_A_CALIB_EPOCH])
		epoch = nla_get_u64(attrs[QPU_A_CALIB_EPOCH]);
	qdev = qpu_nl_dev_attr_lock(attrs[QPU_A_CALIB_DEV_ID], extack);
	if (IS_ERR(qdev))
		return ERR_CAST(qdev);
	s = qpu_calib_get_epoch(qdev, epoch, oldest);
	up_read(&qdev->lifecycle);
	if (!s) {
		NL_SET_ERR_MSG_FMT(extack,
				   "calibration epoch %llu is not kept (the oldest kept is %llu)",
				   epoch, *oldest);
		qpu_device_put(qdev);
		return ERR_PTR(-ENOENT);
	}
	*qdevp = qdev;
	return s;
}

static int qpu_nl_calib_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct qpu_calib_snap *s;
	struct qpu_device *qdev;
	struct sk_buff *msg;
	u64 oldest;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	s = qpu_nl_calib_snap(info->attrs, info->extack, &qdev, &oldest);
	if (IS_ERR(s)) {
		nlmsg_free(msg);
		return PTR_ERR(s);
	}
	hdr = genlmsg_put_reply(msg, info, &qpu_nl_family, 0, QPU_CMD_CALIB_GET);
	if (!hdr ||
	    nla_put_u32(msg, QPU_A_CALIB_DEV_ID, qdev->id) ||
	    nla_put_u64_64bit(msg, QPU_A_CALIB_EPOCH, s->epoch, QPU_A_CALIB_PAD) ||
	    nla_put(msg, QPU_A_CALIB_HASH, QPU_HASH_LEN, s->hash) ||
	    nla_put_u32(msg, QPU_A_CALIB_SIZE, s->size) ||
	    nla_put_u64_64bit(msg, QPU_A_CALIB_TIME, s->time_ns,
			      QPU_A_CALIB_PAD) ||
	    nla_put_u64_64bit(msg, QPU_A_CALIB_OLDEST_EPOCH, oldest,
			      QPU_A_CALIB_PAD)) {
		qpu_calib_put(s);
		qpu_device_put(qdev);
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	qpu_calib_put(s);
	qpu_device_put(qdev);
	return genlmsg_reply(msg, info);
}

/* Dump state: the snapshot and its device, referenced, and where we are. */
struct qpu_nl_calib_dump {
	struct qpu_device *qdev;
	struct qpu_calib_snap *s;
	u32 offset;
};

static int qpu_nl_calib_get_start(struct netlink_callback *cb)
{
	struct qpu_nl_calib_dump *ctx = (void *)cb->ctx;
	struct qpu_calib_snap *s;
	u64 oldest;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	s = qpu_nl_calib_snap(genl_info_dump(cb)->attrs, cb->extack, &ctx->qdev,
			      &oldest);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ctx->s = s;
	ctx->offset = 0;
	return 0;
}

/* The content in chunks, as many messages as fit in each part. */
static int qpu_nl_calib_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct qpu_nl_calib_dump *ctx = (void *)cb->ctx;
	const struct qpu_calib_snap *s = ctx->s;
	struct nlattr *data;
	u32 len;
	void *hdr;

	while (ctx->offset < s->size) {
		len = min_t(u32, s->size - ctx->offset, QPU_NL_CALIB_CHUNK);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &qpu_nl_family,
				  NLM_F_MULTI, QPU_CMD_CALIB_GET);
		if (!hdr)
			break;
		if (nla_put_u32(skb, QPU_A_CALIB_DEV_ID, ctx->qdev->id) ||
		    nla_put_u64_64bit(skb, QPU_A_CALIB_EPOCH, s->epoch,
				      QPU_A_CALIB_PAD) ||
		    nla_put(skb, QPU_A_CALIB_HASH, QPU_HASH_LEN, s->hash) ||
		    nla_put_u32(skb, QPU_A_CALIB_OFFSET, ctx->offset) ||
		    !(data = nla_reserve(skb, QPU_A_CALIB_DATA, len))) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		if (qpu_calib_read(s, ctx->qdev->topo, nla_data(data),
				   ctx->offset, len) != len) {
			genlmsg_cancel(skb, hdr);
			return -EIO;
		}
		genlmsg_end(skb, hdr);
		ctx->offset += len;
	}
	if (ctx->offset < s->size && !skb->len)
		return -EMSGSIZE;
	return skb->len;
}

static int qpu_nl_calib_get_done(struct netlink_callback *cb)
{
	struct qpu_nl_calib_dump *ctx = (void *)cb->ctx;

	qpu_calib_put(ctx->s);
	if (ctx->qdev)
		qpu_device_put(ctx->qdev);
	return 0;
}

/* ---- The family ----------------------------------------------------- */

static const struct genl_split_ops qpu_nl_ops[] = {
	{
		.cmd		= QPU_CMD_DEV_GET,
		.doit		= qpu_nl_dev_get_doit,
		.policy		= qpu_nl_dev_get_do_policy,
		.maxattr	= ARRAY_SIZE(qpu_nl_dev_get_do_policy) - 1,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= QPU_CMD_DEV_GET,
		.dumpit		= qpu_nl_dev_get_dumpit,
		.policy		= qpu_nl_dev_get_dump_policy,
		.maxattr	= ARRAY_SIZE(qpu_nl_dev_get_dump_policy) - 1,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= QPU_CMD_TENANT_GET,
		.doit		= qpu_nl_tenant_get_doit,
		.policy		= qpu_nl_tenant_get_do_policy,
		.maxattr	= ARRAY_SIZE(qpu_nl_tenant_get_do_policy) - 1,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= QPU_CMD_TENANT_GET,
		.start		= qpu_nl_tenant_get_start,
		.dumpit		= qpu_nl_tenant_get_dumpit,
		.policy		= qpu_nl_tenant_get_dump_policy,
		.maxattr	= ARRAY_SIZE(qpu_nl_tenant_get_dump_policy) - 1,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= QPU_CMD_TENANT_SET,
		.doit		= qpu_nl_tenant_set_doit,
		.policy		= qpu_nl_tenant_set_policy,
		.maxattr	= ARRAY_SIZE(qpu_nl_tenant_set_policy) - 1,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= QPU_CMD_TENANT_DEL,
		.doit		= qpu_nl_tenant_del_doit,
		.policy		= qpu_nl_tenant_del_policy,
		.maxattr	= ARRAY_SIZE(qpu_nl_tenant_del_policy) - 1,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= QPU_CMD_CALIB_GET,
		.doit		= qpu_nl_calib_get_doit,
		.policy		= qpu_nl_calib_get_policy,
		.maxattr	= ARRAY_SIZE(qpu_nl_calib_get_policy) - 1,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= QPU_CMD_CALIB_GET,
		.start		= qpu_nl_calib_get_start,
		.dumpit		= qpu_nl_calib_get_dumpit,
		.done		= qpu_nl_calib_get_done,
		.policy		= qpu_nl_calib_get_policy,
		.maxattr	= ARRAY_SIZE(qpu_nl_calib_get_policy) - 1,
		.flags		= GENL_CMD_CAP_DUMP,
	},
};

/*
 * Both streams will name tenants and circuits of everyone: subscribing
 * needs CAP_SYS_ADMIN (see "Network namespaces" above for why that is the
 * initial namespace's). Relaxing this later is compatible; tightening it
 * would not be.
 */
static const struct genl_multicast_group qpu_nl_mcgrps[] = {
	[QPU_NL_MCGRP_AUDIT]	= { .name = QPU_MCGRP_AUDIT,
				    .flags = GENL_MCAST_CAP_SYS_ADMIN, },
	[QPU_NL_MCGRP_EVENTS]	= { .name = QPU_MCGRP_EVENTS,
				    .flags = GENL_MCAST_CAP_SYS_ADMIN, },
};

struct genl_family qpu_nl_family __ro_after_init = {
	.name		= QPU_GENL_NAME,
	.version	= QPU_GENL_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	/* Every command validates strictly, with its own policy. */
	.resv_start_op	= QPU_CMD_DEV_GET,
	.split_ops	= qpu_nl_ops,
	.n_split_ops	= ARRAY_SIZE(qpu_nl_ops),
	.mcgrps		= qpu_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(qpu_nl_mcgrps),
};

/**
 * qpu_netlink_init() - register the "qpu" generic netlink family
 *
 * Called at module load, after the devices exist; handlers find devices
 * by id, so devices added or removed later need nothing from here.
 *
 * Return: 0 or the error of genl_register_family().
 */
int __init qpu_netlink_init(void)
{
	return genl_register_family(&qpu_nl_family);
}

/**
 * qpu_netlink_exit() - unregister the family
 *
 * Called at module unload after the devices are removed (so nothing can
 * send an audit record any more): it waits for the handlers in progress,
 * and no new one can start.
 */
void qpu_netlink_exit(void)
{
	genl_unregister_family(&qpu_nl_family);
}
