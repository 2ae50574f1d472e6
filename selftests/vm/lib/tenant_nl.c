// SPDX-License-Identifier: GPL-2.0
/*
 * tenant_nl.c - the VM tests' client of the "qpu" generic netlink family
 * (tenant_nl.h), on libnl-genl-3.
 *
 * One request at a time per socket: send, then read until its ACK (a do
 * request is always sent with NLM_F_ACK), its NLMSG_DONE (a dump) or its
 * error, so nothing of one request is left for the next and libnl's
 * sequence check is not needed. The kernel's errno comes from the error
 * message; with NETLINK_EXT_ACK its extack text is kept for diagnostics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "../tenant_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct tnl {
	struct nl_sock *sk;
	int family;
	char errmsg[256];
};

/* What one request collects from its replies. */
struct req {
	struct tnl *t;
	int kind;		/* 0: tenants, 1: device */
	int done;
	int err;
	int count;
	int cap;
	struct tenant_info *tenants;
	struct tnl_dev *dev;
	int bad;		/* a reply could not be parsed */
};

/* libnl error codes of the transport, as an errno */
static int nlerr_to_errno(int e)
{
	switch (-e) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_INTR: return -EINTR;
	case NLE_BUSY: return -EBUSY;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_MSGSIZE: return -EMSGSIZE;
	case NLE_NOACCESS: return -EACCES;
	case NLE_NODEV: return -ENODEV;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	default: return -EIO;
	}
}

struct tnl *tnl_open(void)
{
	struct tnl *t = calloc(1, sizeof(*t));
	int one = 1, ret;

	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->sk = nl_socket_alloc();
	if (!t->sk) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	ret = genl_connect(t->sk);
	if (ret < 0)
		goto fail;
	nl_socket_disable_seq_check(t->sk);
	nl_socket_disable_auto_ack(t->sk);
	nl_socket_enable_msg_peek(t->sk);
	/* extack text in errors; an old kernel without it just says nothing */
	(void)setsockopt(nl_socket_get_fd(t->sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof(one));
	ret = genl_ctrl_resolve(t->sk, QPU_GENL_NAME);
	if (ret < 0)
		goto fail;
	t->family = ret;
	return t;
fail:
	nl_socket_free(t->sk);
	free(t);
	errno = -nlerr_to_errno(ret);
	return NULL;
}

void tnl_close(struct tnl *t)
{
	if (!t)
		return;
	nl_socket_free(t->sk);
	free(t);
}

const char *tnl_errmsg(const struct tnl *t)
{
	return t->errmsg;
}

/* The extack message of an error, if the kernel appended one. */
static void save_extack(struct tnl *t, const struct nlmsghdr *nlh,
			const struct nlmsgerr *e)
{
	const unsigned char *base = (const unsigned char *)nlh;
	size_t off, end = nlh->nlmsg_len;
	const struct nlattr *a;

	t->errmsg[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= end) {
		a = (const struct nlattr *)(base + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > end)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t len = a->nla_len - NLA_HDRLEN;

			if (len >= sizeof(t->errmsg))
				len = sizeof(t->errmsg) - 1;
			memcpy(t->errmsg, base + off + NLA_HDRLEN, len);
			t->errmsg[len] = 0;
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct req *r = arg;

	(void)who;
	save_extack(r->t, (const struct nlmsghdr *)e - 1, e);
	r->err = e->error;
	r->done = 1;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	(void)msg;
	r->done = 1;
	return NL_STOP;
}

/* NLMSG_DONE of a dump: an int, negative if the dump failed. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req *r = arg;
	int status = 0;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
		memcpy(&status, nlmsg_data(nlh), sizeof(int));
	if (status < 0)
		r->err = status;
	r->done = 1;
	return NL_STOP;
}

static void parse_budget(struct nlattr *nest, struct tenant_budget *b)
{
	struct nlattr *tb[QPU_A_BUDGET_MAX + 1];

	memset(b, 0, sizeof(*b));
	if (!nest || nla_parse_nested(tb, QPU_A_BUDGET_MAX, nest, NULL) < 0)
		return;
	b->present = true;
	if (tb[QPU_A_BUDGET_LIMIT])
		b->limit = nla_get_u64(tb[QPU_A_BUDGET_LIMIT]);
	if (tb[QPU_A_BUDGET_PERIOD])
		b->period = nla_get_u64(tb[QPU_A_BUDGET_PERIOD]);
	if (tb[QPU_A_BUDGET_USED])
		b->used = nla_get_u64(tb[QPU_A_BUDGET_USED]);
	if (tb[QPU_A_BUDGET_REMAINING])
		b->remaining = nla_get_u64(tb[QPU_A_BUDGET_REMAINING]);
	if (tb[QPU_A_BUDGET_RESET_NS])
		b->reset_ns = nla_get_u64(tb[QPU_A_BUDGET_RESET_NS]);
	if (tb[QPU_A_BUDGET_TOTAL])
		b->total = nla_get_u64(tb[QPU_A_BUDGET_TOTAL]);
}

static int parse_tenant(struct nlmsghdr *nlh, struct tenant_info *ti)
{
	struct nlattr *tb[QPU_A_TENANT_MAX + 1], *ev[QPU_A_EVENTS_MAX + 1];
	int i;

	memset(ti, 0, sizeof(*ti));
	if (genlmsg_parse(nlh, 0, tb, QPU_A_TENANT_MAX, NULL) < 0)
		return -EIO;
	for (i = 1; i <= QPU_A_TENANT_MAX; i++)
		if (tb[i])
			ti->have |= 1ULL << i;
	if (tb[QPU_A_TENANT_DEV_ID])
		ti->dev_id = nla_get_u32(tb[QPU_A_TENANT_DEV_ID]);
	if (tb[QPU_A_TENANT_CGROUP_ID])
		ti->cgroup_id = nla_get_u64(tb[QPU_A_TENANT_CGROUP_ID]);
	if (tb[QPU_A_TENANT_LEVEL])
		ti->level = nla_get_u32(tb[QPU_A_TENANT_LEVEL]);
	if (tb[QPU_A_TENANT_CONFIGURED])
		ti->configured = nla_get_u8(tb[QPU_A_TENANT_CONFIGURED]);
	if (tb[QPU_A_TENANT_QUBITS_MAX])
		ti->qubits_max = nla_get_u64(tb[QPU_A_TENANT_QUBITS_MAX]);
	if (tb[QPU_A_TENANT_QUBITS_CURRENT])
		ti->qubits_current = nla_get_u64(tb[QPU_A_TENANT_QUBITS_CURRENT]);
	if (tb[QPU_A_TENANT_JOBS_MAX])
		ti->jobs_max = nla_get_u64(tb[QPU_A_TENANT_JOBS_MAX]);
	if (tb[QPU_A_TENANT_JOBS_CURRENT])
		ti->jobs_current = nla_get_u64(tb[QPU_A_TENANT_JOBS_CURRENT]);
	parse_budget(tb[QPU_A_TENANT_SHOTS], &ti->shots);
	parse_budget(tb[QPU_A_TENANT_QPU_TIME], &ti->qpu_time);
	if (tb[QPU_A_TENANT_WEIGHT])
		ti->weight = nla_get_u32(tb[QPU_A_TENANT_WEIGHT]);
	if (tb[QPU_A_TENANT_LATENCY])
		ti->latency = nla_get_u32(tb[QPU_A_TENANT_LATENCY]);
	if (tb[QPU_A_TENANT_ISOLATION])
		ti->isolation = nla_get_u32(tb[QPU_A_TENANT_ISOLATION]);
	if (tb[QPU_A_TENANT_EVENTS] &&
	    nla_parse_nested(ev, QPU_A_EVENTS_MAX, tb[QPU_A_TENANT_EVENTS], NULL) >= 0) {
		if (ev[QPU_A_EVENTS_QUBITS])
			ti->events[QPU_LIMIT_QUBITS] = nla_get_u64(ev[QPU_A_EVENTS_QUBITS]);
		if (ev[QPU_A_EVENTS_JOBS])
			ti->events[QPU_LIMIT_JOBS] = nla_get_u64(ev[QPU_A_EVENTS_JOBS]);
		if (ev[QPU_A_EVENTS_SHOTS])
			ti->events[QPU_LIMIT_SHOTS] = nla_get_u64(ev[QPU_A_EVENTS_SHOTS]);
		if (ev[QPU_A_EVENTS_QPU_TIME])
			ti->events[QPU_LIMIT_QPU_TIME] =
				nla_get_u64(ev[QPU_A_EVENTS_QPU_TIME]);
	}
	return 0;
}

static void copy_str(char *dst, size_t len, struct nlattr *a)
{
	size_t n;

	dst[0] = 0;
	if (!a)
		return;
	n = nla_len(a);
	if (n >= len)
		n = len - 1;
	memcpy(dst, nla_data(a), n);
	dst[n] = 0;
}

static int parse_dev(struct nlmsghdr *nlh, struct tnl_dev *d)
{
	struct nlattr *tb[QPU_A_DEV_MAX + 1];
	int i;

	memset(d, 0, sizeof(*d));
	if (genlmsg_parse(nlh, 0, tb, QPU_A_DEV_MAX, NULL) < 0)
		return -EIO;
	for (i = 1; i <= QPU_A_DEV_MAX; i++)
		if (tb[i])
			d->have |= 1ULL << i;
	if (tb[QPU_A_DEV_ID])
		d->id = nla_get_u32(tb[QPU_A_DEV_ID]);
	copy_str(d->name, sizeof(d->name), tb[QPU_A_DEV_NAME]);
	copy_str(d->topology, sizeof(d->topology), tb[QPU_A_DEV_TOPOLOGY]);
	if (tb[QPU_A_DEV_NUM_QUBITS])
		d->num_qubits = nla_get_u32(tb[QPU_A_DEV_NUM_QUBITS]);
	if (tb[QPU_A_DEV_FREE_QUBITS])
		d->free_qubits = nla_get_u32(tb[QPU_A_DEV_FREE_QUBITS]);
	if (tb[QPU_A_DEV_WORKERS])
		d->workers = nla_get_u32(tb[QPU_A_DEV_WORKERS]);
	if (tb[QPU_A_DEV_JOBS_QUEUED])
		d->jobs_queued = nla_get_u32(tb[QPU_A_DEV_JOBS_QUEUED]);
	if (tb[QPU_A_DEV_JOBS_RUNNING])
		d->jobs_running = nla_get_u32(tb[QPU_A_DEV_JOBS_RUNNING]);
	if (tb[QPU_A_DEV_TENANTS])
		d->tenants = nla_get_u32(tb[QPU_A_DEV_TENANTS]);
	return 0;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req *r = arg;
	struct tenant_info ti;

	if (r->kind == 1) {
		if (r->dev && parse_dev(nlh, r->dev))
			r->bad = 1;
	} else {
		if (parse_tenant(nlh, &ti))
			r->bad = 1;
		else if (r->tenants && r->count < r->cap)
			r->tenants[r->count] = ti;
	}
	r->count++;
	return NL_OK;
}

/* Send @msg (consumed) and collect the replies into @r. */
static int transact(struct tnl *t, struct nl_msg *msg, struct req *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	t->errmsg[0] = 0;
	r->t = t;
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, r);
	ret = nl_send_auto(t->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return nlerr_to_errno(ret);
	}
	while (!r->done) {
		ret = nl_recvmsgs(t->sk, cb);
		if (ret < 0 && !r->done) {
			nl_cb_put(cb);
			return nlerr_to_errno(ret);
		}
	}
	nl_cb_put(cb);
	if (r->err)
		return r->err;
	return r->bad ? -EIO : 0;
}

static struct nl_msg *new_msg(struct tnl *t, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, t->family, 0, flags,
			 cmd, QPU_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int put_budget(struct nl_msg *msg, int type, uint64_t limit,
		      uint64_t period)
{
	struct nlattr *n = nla_nest_start(msg, type);

	if (!n || nla_put_u64(msg, QPU_A_BUDGET_LIMIT, limit) ||
	    nla_put_u64(msg, QPU_A_BUDGET_PERIOD, period))
		return -EMSGSIZE;
	nla_nest_end(msg, n);
	return 0;
}

int tenant_set(struct tnl *t, uint32_t dev_id, uint64_t cgroup_id,
	       const struct tenant_cfg *c)
{
	struct nl_msg *msg = new_msg(t, QPU_CMD_TENANT_SET, NLM_F_ACK);
	struct req r = { 0 };
	int err = 0;

	if (!msg)
		return -ENOMEM;
	err |= nla_put_u32(msg, QPU_A_TENANT_DEV_ID, dev_id);
	err |= nla_put_u64(msg, QPU_A_TENANT_CGROUP_ID, cgroup_id);
	if (c->set & TNL_QUBITS_MAX)
		err |= nla_put_u64(msg, QPU_A_TENANT_QUBITS_MAX, c->qubits_max);
	if (c->set & TNL_JOBS_MAX)
		err |= nla_put_u64(msg, QPU_A_TENANT_JOBS_MAX, c->jobs_max);
	if (c->set & TNL_SHOTS)
		err |= put_budget(msg, QPU_A_TENANT_SHOTS, c->shots_limit,
				  c->shots_period);
	if (c->set & TNL_QPU_TIME)
		err |= put_budget(msg, QPU_A_TENANT_QPU_TIME, c->qpu_time_limit,
				  c->qpu_time_period);
	if (c->set & TNL_WEIGHT)
		err |= nla_put_u32(msg, QPU_A_TENANT_WEIGHT, c->weight);
	if (c->set & TNL_LATENCY)
		err |= nla_put_u32(msg, QPU_A_TENANT_LATENCY, c->latency);
	if (c->set & TNL_ISOLATION)
		err |= nla_put_u32(msg, QPU_A_TENANT_ISOLATION, c->isolation);
	if (err) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(t, msg, &r);
}

int tenant_get(struct tnl *t, uint32_t dev_id, uint64_t cgroup_id,
	       struct tenant_info *out)
{
	struct nl_msg *msg = new_msg(t, QPU_CMD_TENANT_GET, NLM_F_ACK);
	struct req r = { .tenants = out, .cap = 1 };
	int ret;

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, QPU_A_TENANT_DEV_ID, dev_id) ||
	    (cgroup_id && nla_put_u64(msg, QPU_A_TENANT_CGROUP_ID, cgroup_id))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = transact(t, msg, &r);
	if (!ret && r.count != 1)
		return -EIO;
	return ret;
}

int tenant_dump(struct tnl *t, uint32_t dev_id, struct tenant_info *out, int cap)
{
	struct nl_msg *msg = new_msg(t, QPU_CMD_TENANT_GET, NLM_F_DUMP);
	struct req r = { .tenants = out, .cap = out ? cap : 0 };
	int ret;

	if (!msg)
		return -ENOMEM;
	if (dev_id != (uint32_t)-1 && nla_put_u32(msg, QPU_A_TENANT_DEV_ID, dev_id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = transact(t, msg, &r);
	return ret ? ret : r.count;
}

int tenant_del(struct tnl *t, uint32_t dev_id, uint64_t cgroup_id)
{
	struct nl_msg *msg = new_msg(t, QPU_CMD_TENANT_DEL, NLM_F_ACK);
	struct req r = { 0 };

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, QPU_A_TENANT_DEV_ID, dev_id) ||
	    nla_put_u64(msg, QPU_A_TENANT_CGROUP_ID, cgroup_id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(t, msg, &r);
}

int tnl_dev_get(struct tnl *t, uint32_t dev_id, struct tnl_dev *out)
{
	struct nl_msg *msg = new_msg(t, QPU_CMD_DEV_GET, NLM_F_ACK);
	struct req r = { .kind = 1, .dev = out };
	int ret;

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, QPU_A_DEV_ID, dev_id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = transact(t, msg, &r);
	if (!ret && r.count != 1)
		return -EIO;
	return ret;
}
