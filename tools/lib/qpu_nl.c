// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_nl.c - the client of the "qpu" generic netlink family (qpu_nl.h)
 * on libnl-genl-3, for qpuctl, qpu-bench and the VM tests.
 *
 * One request at a time per socket: send, then read until its ACK (a do
 * request is always sent with NLM_F_ACK), its NLMSG_DONE (a dump) or its
 * error, so nothing of one request is left for the next. Sequence numbers
 * are checked here, in the NL_CB_MSG_IN callback, instead of by libnl,
 * whose check does not follow dumps without ACKs. Messages are peeked at
 * before they are read, so a dump's large messages are never truncated.
 *
 * Debian 12's libnl 3.7 has no nl_socket_set_ext_ack(), so NETLINK_EXT_ACK
 * and NETLINK_CAP_ACK are set on the socket directly and the extack
 * message is read from the NLMSG_ERROR (or NLMSG_DONE) message in the
 * error (finish) callback.
 *
 * A subscription (struct qpu_nl_sub) is a socket of its own: multicast
 * messages have no sequence number of ours, and a request socket skips
 * whatever is not the reply it waits for. Audit records are checked
 * against a strict policy (exact sizes, minlen == maxlen), so a malformed
 * message is rejected whole instead of read as zeros.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "qpu_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* nlctrl's notification group (GENL_ID_CTRL's "notify"). */
#define GENL_NAME_CTRL_NOTIFY_FAMILY	"nlctrl"
#define GENL_NAME_CTRL_NOTIFY_GROUP	"notify"

struct qpu_nl {
	struct nl_sock *sk;
	int family;
	char errmsg[512];
};

/* ---- policies of the replies ---------------------------------------- */

static struct nla_policy budget_policy[QPU_A_BUDGET_MAX + 1] = {
	[QPU_A_BUDGET_LIMIT]		= { .type = NLA_U64 },
	[QPU_A_BUDGET_PERIOD]		= { .type = NLA_U64 },
	[QPU_A_BUDGET_USED]		= { .type = NLA_U64 },
	[QPU_A_BUDGET_REMAINING]	= { .type = NLA_U64 },
	[QPU_A_BUDGET_RESET_NS]		= { .type = NLA_U64 },
	[QPU_A_BUDGET_TOTAL]		= { .type = NLA_U64 },
};

static struct nla_policy events_policy[QPU_A_EVENTS_MAX + 1] = {
	[QPU_A_EVENTS_QUBITS]		= { .type = NLA_U64 },
	[QPU_A_EVENTS_JOBS]		= { .type = NLA_U64 },
	[QPU_A_EVENTS_SHOTS]		= { .type = NLA_U64 },
	[QPU_A_EVENTS_QPU_TIME]		= { .type = NLA_U64 },
};

static struct nla_policy tenant_policy[QPU_A_TENANT_MAX + 1] = {
	[QPU_A_TENANT_DEV_ID]		= { .type = NLA_U32 },
	[QPU_A_TENANT_CGROUP_ID]	= { .type = NLA_U64 },
	[QPU_A_TENANT_LEVEL]		= { .type = NLA_U32 },
	[QPU_A_TENANT_CONFIGURED]	= { .type = NLA_U8 },
	[QPU_A_TENANT_QUBITS_MAX]	= { .type = NLA_U64 },
	[QPU_A_TENANT_QUBITS_CURRENT]	= { .type = NLA_U64 },
	[QPU_A_TENANT_JOBS_MAX]		= { .type = NLA_U64 },
	[QPU_A_TENANT_JOBS_CURRENT]	= { .type = NLA_U64 },
	[QPU_A_TENANT_SHOTS]		= { .type = NLA_NESTED },
	[QPU_A_TENANT_QPU_TIME]		= { .type = NLA_NESTED },
	[QPU_A_TENANT_WEIGHT]		= { .type = NLA_U32 },
	[QPU_A_TENANT_LATENCY]		= { .type = NLA_U32 },
	[QPU_A_TENANT_ISOLATION]	= { .type = NLA_U32 },
	[QPU_A_TENANT_EVENTS]		= { .type = NLA_NESTED },
};

static struct nla_policy dev_policy[QPU_A_DEV_MAX + 1] = {
	[QPU_A_DEV_ID]			= { .type = NLA_U32 },
	[QPU_A_DEV_NAME]		= { .type = NLA_STRING },
	[QPU_A_DEV_TOPOLOGY]		= { .type = NLA_STRING },
	[QPU_A_DEV_NUM_QUBITS]		= { .type = NLA_U32 },
	[QPU_A_DEV_FREE_QUBITS]		= { .type = NLA_U32 },
	[QPU_A_DEV_WORKERS]		= { .type = NLA_U32 },
	[QPU_A_DEV_JOBS_QUEUED]		= { .type = NLA_U32 },
	[QPU_A_DEV_JOBS_RUNNING]	= { .type = NLA_U32 },
	[QPU_A_DEV_TENANTS]		= { .type = NLA_U32 },
	[QPU_A_DEV_CALIB_EPOCH]		= { .type = NLA_U64 },
	[QPU_A_DEV_CALIB_HASH]		= { .minlen = QPU_HASH_LEN,
					    .maxlen = QPU_HASH_LEN },
	[QPU_A_DEV_AUDIT_SEQ]		= { .type = NLA_U64 },
	[QPU_A_DEV_AUDIT_LOST]		= { .type = NLA_U64 },
	[QPU_A_DEV_AUDIT_OVERRUN]	= { .type = NLA_U64 },
	[QPU_A_DEV_AUDIT_UNHEARD]	= { .type = NLA_U64 },
};

static struct nla_policy calib_policy[QPU_A_CALIB_MAX + 1] = {
	[QPU_A_CALIB_DEV_ID]		= { .type = NLA_U32 },
	[QPU_A_CALIB_EPOCH]		= { .type = NLA_U64 },
	[QPU_A_CALIB_HASH]		= { .minlen = QPU_HASH_LEN,
					    .maxlen = QPU_HASH_LEN },
	[QPU_A_CALIB_SIZE]		= { .type = NLA_U32 },
	[QPU_A_CALIB_TIME]		= { .type = NLA_U64 },
	[QPU_A_CALIB_OLDEST_EPOCH]	= { .type = NLA_U64 },
	[QPU_A_CALIB_OFFSET]		= { .type = NLA_U32 },
	[QPU_A_CALIB_DATA]		= { .type = NLA_UNSPEC },
};

#define EXACT(t, n)	{ .type = (t), .minlen = (n), .maxlen = (n) }
#define U32		EXACT(NLA_U32, 4)
#define U64		EXACT(NLA_U64, 8)
#define HASH		EXACT(NLA_UNSPEC, QPU_HASH_LEN)
#define STR(n)		{ .type = NLA_STRING, .maxlen = (n) }

static struct nla_policy audit_policy[QPU_A_AUDIT_MAX + 1] = {
	[QPU_A_AUDIT_DEV_ID]		= U32,
	[QPU_A_AUDIT_SEQ]		= U64,
	[QPU_A_AUDIT_LOST]		= U64,
	[QPU_A_AUDIT_TIME]		= U64,
	[QPU_A_AUDIT_CGROUP_ID]		= U64,
	[QPU_A_AUDIT_CGROUP_PATH]	= STR(QPU_NL_AUDIT_STR),
	[QPU_A_AUDIT_PID]		= U32,
	[QPU_A_AUDIT_UID]		= U32,
	[QPU_A_AUDIT_ORIGIN]		= U32,
	[QPU_A_AUDIT_JOB_ID]		= U32,
	[QPU_A_AUDIT_CIRCUIT]		= U32,
	[QPU_A_AUDIT_ALLOC]		= U32,
	[QPU_A_AUDIT_CIRCUIT_HASH]	= HASH,
	[QPU_A_AUDIT_PARAM_HASH]	= HASH,
	[QPU_A_AUDIT_RESULT_HASH]	= HASH,
	[QPU_A_AUDIT_SEED]		= U64,
	[QPU_A_AUDIT_CALIB_EPOCH]	= U64,
	[QPU_A_AUDIT_CALIB_HASH]	= HASH,
	[QPU_A_AUDIT_SHOTS]		= U32,
	[QPU_A_AUDIT_SWEEPS]		= U32,
	[QPU_A_AUDIT_NUM_QUBITS]	= U32,
	[QPU_A_AUDIT_NUM_CLBITS]	= U32,
	[QPU_A_AUDIT_NUM_PARAMS]	= U32,
	[QPU_A_AUDIT_NUM_GATES]		= U32,
	[QPU_A_AUDIT_PHYS]		= { .type = NLA_UNSPEC,
					    .maxlen = 4 * QPU_MAX_SIM_QUBITS },
	[QPU_A_AUDIT_SUBMIT_TIME]	= U64,
	[QPU_A_AUDIT_START_TIME]	= U64,
	[QPU_A_AUDIT_END_TIME]		= U64,
	[QPU_A_AUDIT_QPU_NS]		= U64,
	[QPU_A_AUDIT_STATUS]		= U32,
	[QPU_A_AUDIT_STATE]		= U32,
	[QPU_A_AUDIT_KIND]		= U32,
	[QPU_A_AUDIT_ACTION]		= U32,
	[QPU_A_AUDIT_REASON]		= U32,
	[QPU_A_AUDIT_POLICY]		= STR(256),
	[QPU_A_AUDIT_LIMIT_NAME]	= STR(64),
	[QPU_A_AUDIT_LIMIT_VALUE]	= U64,
	[QPU_A_AUDIT_TENANT]		= { .type = NLA_NESTED },
	[QPU_A_AUDIT_NOISE]		= U32,
	[QPU_A_AUDIT_CROSSTALK_PPM]	= U32,
	[QPU_A_AUDIT_XT]		= { .type = NLA_NESTED },
	[QPU_A_AUDIT_SOURCE_HASH]	= HASH,
	[QPU_A_AUDIT_ROUTE_SEED]	= U64,
	[QPU_A_AUDIT_ROUTE_SWAPS]	= U32,
};

static struct nla_policy xt_policy[QPU_A_XT_MAX + 1] = {
	[QPU_A_XT_SWEEP]		= U32,
	[QPU_A_XT_SHOT]			= U32,
	[QPU_A_XT_EXPOSED]		= U64,
	[QPU_A_XT_NEIGHBOURS]		= { .type = NLA_UNSPEC,
					    .maxlen = 4 * QPU_NL_XT_NBRS },
};

/* ---- replies parsed into records ------------------------------------ */

static int parse_budget(struct nlattr *nest, struct qpu_nl_budget_state *b)
{
	struct nlattr *tb[QPU_A_BUDGET_MAX + 1];
	uint64_t *f[QPU_A_BUDGET_MAX + 1] = {
		[QPU_A_BUDGET_LIMIT] = &b->limit,
		[QPU_A_BUDGET_PERIOD] = &b->period,
		[QPU_A_BUDGET_USED] = &b->used,
		[QPU_A_BUDGET_REMAINING] = &b->remaining,
		[QPU_A_BUDGET_RESET_NS] = &b->reset_ns,
		[QPU_A_BUDGET_TOTAL] = &b->total,
	};
	int i;

	if (!nest)
		return 0;
	if (nla_parse_nested(tb, QPU_A_BUDGET_MAX, nest, budget_policy))
		return -EPROTO;
	for (i = 0; i <= QPU_A_BUDGET_MAX; i++) {
		if (tb[i] && f[i]) {
			*f[i] = nla_get_u64(tb[i]);
			b->have |= 1u << i;
		}
	}
	return 0;
}

/* Event counters by enum qpu_limit. */
static const int event_limit[QPU_A_EVENTS_MAX + 1] = {
	[QPU_A_EVENTS_QUBITS]	= QPU_LIMIT_QUBITS,
	[QPU_A_EVENTS_JOBS]	= QPU_LIMIT_JOBS,
	[QPU_A_EVENTS_SHOTS]	= QPU_LIMIT_SHOTS,
	[QPU_A_EVENTS_QPU_TIME]	= QPU_LIMIT_QPU_TIME,
};

/* A "tenant" set: a TENANT_GET reply, or the nest of an audit LIMIT record. */
static int parse_tenant_nest(struct nlattr **tb, struct qpu_nl_tenant *t)
{
	struct nlattr *ev[QPU_A_EVENTS_MAX + 1];
	int i;

	for (i = 0; i <= QPU_A_TENANT_MAX; i++)
		if (tb[i])
			t->have |= 1ULL << i;
	if (tb[QPU_A_TENANT_CGROUP_ID])
		t->cgroup_id = nla_get_u64(tb[QPU_A_TENANT_CGROUP_ID]);
	if (tb[QPU_A_TENANT_DEV_ID])
		t->dev_id = nla_get_u32(tb[QPU_A_TENANT_DEV_ID]);
	if (tb[QPU_A_TENANT_LEVEL])
		t->level = nla_get_u32(tb[QPU_A_TENANT_LEVEL]);
	if (tb[QPU_A_TENANT_CONFIGURED])
		t->configured = nla_get_u8(tb[QPU_A_TENANT_CONFIGURED]);
	if (tb[QPU_A_TENANT_QUBITS_MAX])
		t->qubits_max = nla_get_u64(tb[QPU_A_TENANT_QUBITS_MAX]);
	if (tb[QPU_A_TENANT_QUBITS_CURRENT])
		t->qubits_current = nla_get_u64(tb[QPU_A_TENANT_QUBITS_CURRENT]);
	if (tb[QPU_A_TENANT_JOBS_MAX])
		t->jobs_max = nla_get_u64(tb[QPU_A_TENANT_JOBS_MAX]);
	if (tb[QPU_A_TENANT_JOBS_CURRENT])
		t->jobs_current = nla_get_u64(tb[QPU_A_TENANT_JOBS_CURRENT]);
	if (tb[QPU_A_TENANT_WEIGHT])
		t->weight = nla_get_u32(tb[QPU_A_TENANT_WEIGHT]);
	if (tb[QPU_A_TENANT_LATENCY])
		t->latency = nla_get_u32(tb[QPU_A_TENANT_LATENCY]);
	if (tb[QPU_A_TENANT_ISOLATION])
		t->isolation = nla_get_u32(tb[QPU_A_TENANT_ISOLATION]);
	if (parse_budget(tb[QPU_A_TENANT_SHOTS], &t->shots) ||
	    parse_budget(tb[QPU_A_TENANT_QPU_TIME], &t->qpu_time))
		return -EPROTO;
	if (tb[QPU_A_TENANT_EVENTS]) {
		if (nla_parse_nested(ev, QPU_A_EVENTS_MAX,
				     tb[QPU_A_TENANT_EVENTS], events_policy))
			return -EPROTO;
		for (i = 0; i <= QPU_A_EVENTS_MAX; i++) {
			if (ev[i] && event_limit[i]) {
				t->events[event_limit[i]] = nla_get_u64(ev[i]);
				t->events_have |= 1u << event_limit[i];
			}
		}
	}
	return 0;
}

static int parse_tenant(struct nlattr **tb, void *rec, void *ctx)
{
	(void)ctx;
	if (!tb[QPU_A_TENANT_CGROUP_ID])
		return -EPROTO;
	return parse_tenant_nest(tb, rec);
}

static void copy_str(char *dst, size_t len, struct nlattr *a)
{
	if (a)
		snprintf(dst, len, "%s", nla_get_string(a));
}

static int parse_dev(struct nlattr **tb, void *rec, void *ctx)
{
	struct qpu_nl_dev *d = rec;
	uint64_t *f64[QPU_A_DEV_MAX + 1] = {
		[QPU_A_DEV_CALIB_EPOCH] = &d->calib_epoch,
		[QPU_A_DEV_AUDIT_SEQ] = &d->audit_seq,
		[QPU_A_DEV_AUDIT_LOST] = &d->audit_lost,
		[QPU_A_DEV_AUDIT_OVERRUN] = &d->audit_overrun,
		[QPU_A_DEV_AUDIT_UNHEARD] = &d->audit_unheard,
	};
	uint32_t *f[QPU_A_DEV_MAX + 1] = {
		[QPU_A_DEV_ID] = &d->id,
		[QPU_A_DEV_NUM_QUBITS] = &d->num_qubits,
		[QPU_A_DEV_FREE_QUBITS] = &d->free_qubits,
		[QPU_A_DEV_WORKERS] = &d->workers,
		[QPU_A_DEV_JOBS_QUEUED] = &d->jobs_queued,
		[QPU_A_DEV_JOBS_RUNNING] = &d->jobs_running,
		[QPU_A_DEV_TENANTS] = &d->tenants,
	};
	int i;

	(void)ctx;
	if (!tb[QPU_A_DEV_ID])
		return -EPROTO;
	for (i = 0; i <= QPU_A_DEV_MAX; i++) {
		if (!tb[i])
			continue;
		d->have |= 1ULL << i;
		if (f[i])
			*f[i] = nla_get_u32(tb[i]);
		if (f64[i])
			*f64[i] = nla_get_u64(tb[i]);
	}
	copy_str(d->name, sizeof(d->name), tb[QPU_A_DEV_NAME]);
	copy_str(d->topology, sizeof(d->topology), tb[QPU_A_DEV_TOPOLOGY]);
	if (tb[QPU_A_DEV_CALIB_HASH])
		memcpy(d->calib_hash, nla_data(tb[QPU_A_DEV_CALIB_HASH]),
		       QPU_HASH_LEN);
	return 0;
}

/* The fields of a CALIB_GET reply (do, or one message of a dump). */
static void calib_fields(struct nlattr **tb, struct qpu_nl_calib *c)
{
	int i;

	for (i = 0; i <= QPU_A_CALIB_MAX; i++)
		if (tb[i])
			c->have |= 1ULL << i;
	if (tb[QPU_A_CALIB_DEV_ID])
		c->dev_id = nla_get_u32(tb[QPU_A_CALIB_DEV_ID]);
	if (tb[QPU_A_CALIB_EPOCH])
		c->epoch = nla_get_u64(tb[QPU_A_CALIB_EPOCH]);
	if (tb[QPU_A_CALIB_HASH])
		memcpy(c->hash, nla_data(tb[QPU_A_CALIB_HASH]), QPU_HASH_LEN);
	if (tb[QPU_A_CALIB_SIZE])
		c->size = nla_get_u32(tb[QPU_A_CALIB_SIZE]);
	if (tb[QPU_A_CALIB_TIME])
		c->time = nla_get_u64(tb[QPU_A_CALIB_TIME]);
	if (tb[QPU_A_CALIB_OLDEST_EPOCH])
		c->oldest_epoch = nla_get_u64(tb[QPU_A_CALIB_OLDEST_EPOCH]);
}

static int parse_calib(struct nlattr **tb, void *rec, void *ctx)
{
	(void)ctx;
	if (!tb[QPU_A_CALIB_EPOCH] || !tb[QPU_A_CALIB_HASH])
		return -EPROTO;
	calib_fields(tb, rec);
	return 0;
}

/* A calibration's content being put together from a dump's chunks. */
struct calib_buf {
	struct qpu_nl_calib c;	/* epoch and hash of the first chunk */
	uint8_t *data;
	size_t len;		/* end of the furthest chunk */
	size_t got;		/* bytes received */
	size_t cap;
};

static int parse_chunk(struct nlattr **tb, void *rec, void *ctx)
{
	struct calib_buf *b = ctx;
	struct qpu_nl_calib c = { 0 };
	size_t off, n, end;

	(void)rec;
	if (!tb[QPU_A_CALIB_EPOCH] || !tb[QPU_A_CALIB_OFFSET] ||
	    !tb[QPU_A_CALIB_DATA])
		return -EPROTO;
	calib_fields(tb, &c);
	if (b->c.have && c.epoch != b->c.epoch)
		return -EPROTO;
	if (!b->c.have)
		b->c = c;
	off = nla_get_u32(tb[QPU_A_CALIB_OFFSET]);
	n = nla_len(tb[QPU_A_CALIB_DATA]);
	end = off + n;
	if (end > b->cap) {
		size_t cap = end > 2 * b->cap ? end : 2 * b->cap;
		uint8_t *d = realloc(b->data, cap);

		if (!d)
			return -ENOMEM;
		memset(d + b->cap, 0, cap - b->cap);
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + off, nla_data(tb[QPU_A_CALIB_DATA]), n);
	b->got += n;
	if (end > b->len)
		b->len = end;
	return 0;
}

/* ---- one request and its replies ------------------------------------ */

#define QPU_NL_MAXATTR	31

/* Where a request's records go: @cap of them into @v, or a growing array. */
struct sink {
	int (*parse)(struct nlattr **tb, void *rec, void *ctx);
	void *ctx;
	int maxattr;
	struct nla_policy *policy;
	size_t size;		/* of one record */
	void *v;
	int cap;
	bool grow;
	int count;		/* records received */
};

struct req {
	struct qpu_nl *nl;
	uint32_t seq;
	struct sink *sink;
	int err;	/* first error: the kernel's or a parse failure */
	bool done;
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

struct qpu_nl *qpu_nl_open(void)
{
	struct qpu_nl *nl = calloc(1, sizeof(*nl));
	int one = 1, fd, ret;

	if (!nl) {
		errno = ENOMEM;
		return NULL;
	}
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		errno = ENOMEM;
		return NULL;
	}
	ret = genl_connect(nl->sk);
	if (ret < 0)
		goto fail;
	fd = nl_socket_get_fd(nl->sk);
	/* Best effort: an old kernel simply sends no message. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_disable_seq_check(nl->sk);
	nl_socket_disable_auto_ack(nl->sk);
	nl_socket_enable_msg_peek(nl->sk);
	ret = genl_ctrl_resolve(nl->sk, QPU_GENL_NAME);
	if (ret < 0)
		goto fail;
	nl->family = ret;
	return nl;
fail:
	nl_socket_free(nl->sk);
	free(nl);
	errno = -nlerr_to_errno(ret);
	return NULL;
}

void qpu_nl_close(struct qpu_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

const char *qpu_nl_errmsg(const struct qpu_nl *nl)
{
	return nl->errmsg;
}

/* The NLMSGERR_ATTR_MSG of extack attributes at @attrs, if any. */
static void keep_extack(struct qpu_nl *nl, struct nlattr *attrs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const char *msg;
	int mlen;

	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL))
		return;
	if (!tb[NLMSGERR_ATTR_MSG])
		return;
	msg = nla_data(tb[NLMSGERR_ATTR_MSG]);
	mlen = nla_len(tb[NLMSGERR_ATTR_MSG]);
	if (mlen <= 0)
		return;
	snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
		 (int)strnlen(msg, mlen), msg);
}

static int cb_msg_in(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == r->seq ? NL_OK : NL_SKIP;
}

/* A reply: parsed into the next record, kept if there is room. */
static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[QPU_NL_MAXATTR + 1];
	struct req *r = arg;
	struct sink *s = r->sink;
	union {
		struct qpu_nl_tenant t;
		struct qpu_nl_dev d;
		struct qpu_nl_calib c;
	} rec;
	int ret;

	if (r->err || !s)
		return NL_SKIP;	/* drain the rest of a dump */
	memset(tb, 0, sizeof(tb));
	memset(&rec, 0, sizeof(rec));
	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, s->maxattr, s->policy);
	if (ret || s->parse(tb, &rec, s->ctx)) {
		snprintf(r->nl->errmsg, sizeof(r->nl->errmsg),
			 "malformed reply from the kernel%s%s",
			 ret ? ": " : "", ret ? nl_geterror(ret) : "");
		r->err = -EPROTO;
		return NL_SKIP;
	}
	if (s->grow && s->count == s->cap) {
		int cap = s->cap ? 2 * s->cap : 16;
		void *v = realloc(s->v, (size_t)cap * s->size);

		if (!v) {
			r->err = -ENOMEM;
			return NL_SKIP;
		}
		s->v = v;
		s->cap = cap;
	}
	if (s->v && s->count < s->cap)
		memcpy((char *)s->v + (size_t)s->count * s->size, &rec, s->size);
	s->count++;
	return NL_OK;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

/* NLMSG_DONE: a dump's end, with its error (and extack) if it failed. */
static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req *r = arg;
	int err = 0, len = nlmsg_datalen(nlh);

	if (len >= (int)sizeof(int)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0 && !r->err)
			r->err = err;
		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
			keep_extack(r->nl, (struct nlattr *)
				    ((char *)nlmsg_data(nlh) + NLMSG_ALIGN(sizeof(int))),
				    len - NLMSG_ALIGN(sizeof(int)));
	}
	r->done = true;
	return NL_STOP;
}

static int cb_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct req *r = arg;
	size_t off = sizeof(*e);

	(void)who;
	if (nlh->nlmsg_seq != r->seq)
		return NL_SKIP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    NLMSG_HDRLEN + off < nlh->nlmsg_len)
		keep_extack(r->nl, (struct nlattr *)((char *)e + NLMSG_ALIGN(off)),
			    (int)(nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off)));
	if (!r->err)
		r->err = e->error;
	r->done = true;
	return NL_STOP;
}

/* A request of @cmd: a dump if @dump, else a do request with NLM_F_ACK. */
static struct nl_msg *new_msg(struct qpu_nl *nl, uint8_t cmd, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 dump ? NLM_F_DUMP : NLM_F_ACK, cmd, QPU_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * Send @msg (consumed; NULL: it could not be built) and collect its
 * replies into @s (NULL: none expected). 0 or a negative errno.
 */
static int transact(struct qpu_nl *nl, struct nl_msg *msg, int put_err,
		    struct sink *s)
{
	struct req r = { .nl = nl, .sink = s };
	struct nl_cb *cb;
	int ret;

	nl->errmsg[0] = '\0';
	if (!msg)
		return -ENOMEM;
	if (put_err) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_MSG_IN, NL_CB_CUSTOM, cb_msg_in, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, &r);
	ret = nl_send_auto(nl->sk, msg);
	if (ret >= 0)
		r.seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (ret < 0) {
		snprintf(nl->errmsg, sizeof(nl->errmsg), "sending: %s",
			 nl_geterror(ret));
		nl_cb_put(cb);
		return -EIO;
	}
	while (!r.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !r.done) {
			if (!r.err) {
				snprintf(nl->errmsg, sizeof(nl->errmsg),
					 "receiving: %s", nl_geterror(ret));
				r.err = -EIO;
			}
			break;
		}
	}
	nl_cb_put(cb);
	return r.err;
}

/* A do request that must have exactly one reply. */
static int transact_one(struct qpu_nl *nl, struct nl_msg *msg, int put_err,
			struct sink *s)
{
	int ret = transact(nl, msg, put_err, s);

	if (!ret && s->count != 1) {
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "%d replies to one request", s->count);
		ret = -EPROTO;
	}
	return ret;
}

#define TENANT_SINK(out, n, g) {					\
	.parse = parse_tenant, .maxattr = QPU_A_TENANT_MAX,		\
	.policy = tenant_policy, .size = sizeof(struct qpu_nl_tenant),	\
	.v = (out), .cap = (n), .grow = (g) }
#define CALIB_SINK(out, n, parse_, ctx_) {				\
	.parse = (parse_), .ctx = (ctx_),				\
	.maxattr = QPU_A_CALIB_MAX, .policy = calib_policy,		\
	.size = sizeof(struct qpu_nl_calib), .v = (out), .cap = (n) }
#define DEV_SINK(out, n, g) {						\
	.parse = parse_dev, .maxattr = QPU_A_DEV_MAX,			\
	.policy = dev_policy, .size = sizeof(struct qpu_nl_dev),	\
	.v = (out), .cap = (n), .grow = (g) }

/* ---- requests --------------------------------------------------------- */

static int put_budget(struct nl_msg *msg, int type,
		      const struct qpu_nl_budget *b)
{
	struct nlattr *n = nla_nest_start(msg, type);

	if (!n || nla_put_u64(msg, QPU_A_BUDGET_LIMIT, b->limit) ||
	    nla_put_u64(msg, QPU_A_BUDGET_PERIOD, b->period))
		return -EMSGSIZE;
	nla_nest_end(msg, n);
	return 0;
}

/* The tenant key: the device, and the cgroup unless @cgroup_id is 0. */
static int put_key(struct nl_msg *msg, uint32_t dev_id, uint64_t cgroup_id)
{
	if (!msg)
		return 0;
	if (dev_id != QPU_NL_ALL_DEVS &&
	    nla_put_u32(msg, QPU_A_TENANT_DEV_ID, dev_id))
		return -EMSGSIZE;
	if (cgroup_id && nla_put_u64(msg, QPU_A_TENANT_CGROUP_ID, cgroup_id))
		return -EMSGSIZE;
	return 0;
}

int qpu_nl_tenant_set(struct qpu_nl *nl, uint32_t dev_id, uint64_t cgroup_id,
		      const struct qpu_nl_limits *c)
{
	struct nl_msg *msg = new_msg(nl, QPU_CMD_TENANT_SET, false);
	int err;

	err = put_key(msg, dev_id, cgroup_id);
	if (msg && !err) {
		if (c->set & QPU_NL_QUBITS_MAX)
			err |= nla_put_u64(msg, QPU_A_TENANT_QUBITS_MAX,
					   c->qubits_max);
		if (c->set & QPU_NL_JOBS_MAX)
			err |= nla_put_u64(msg, QPU_A_TENANT_JOBS_MAX,
					   c->jobs_max);
		if (c->set & QPU_NL_SHOTS)
			err |= put_budget(msg, QPU_A_TENANT_SHOTS, &c->shots);
		if (c->set & QPU_NL_QPU_TIME)
			err |= put_budget(msg, QPU_A_TENANT_QPU_TIME,
					  &c->qpu_time);
		if (c->set & QPU_NL_WEIGHT)
			err |= nla_put_u32(msg, QPU_A_TENANT_WEIGHT, c->weight);
		if (c->set & QPU_NL_LATENCY)
			err |= nla_put_u32(msg, QPU_A_TENANT_LATENCY,
					   c->latency);
		if (c->set & QPU_NL_ISOLATION)
			err |= nla_put_u32(msg, QPU_A_TENANT_ISOLATION,
					   c->isolation);
	}
	return transact(nl, msg, err, NULL);
}

int qpu_nl_tenant_get(struct qpu_nl *nl, uint32_t dev_id, uint64_t cgroup_id,
		      struct qpu_nl_tenant *out)
{
	struct nl_msg *msg = new_msg(nl, QPU_CMD_TENANT_GET, false);
	struct sink s = TENANT_SINK(out, 1, false);

	memset(out, 0, sizeof(*out));
	return transact_one(nl, msg, put_key(msg, dev_id, cgroup_id), &s);
}

int qpu_nl_tenant_dump(struct qpu_nl *nl, uint32_t dev_id,
		       struct qpu_nl_tenant *out, int cap)
{
	struct nl_msg *msg = new_msg(nl, QPU_CMD_TENANT_GET, true);
	struct sink s = TENANT_SINK(out, out ? cap : 0, false);
	int ret = transact(nl, msg, put_key(msg, dev_id, 0), &s);

	return ret ? ret : s.count;
}

int qpu_nl_tenant_list(struct qpu_nl *nl, uint32_t dev_id,
		       struct qpu_nl_tenant **out)
{
	struct nl_msg *msg = new_msg(nl, QPU_CMD_TENANT_GET, true);
	struct sink s = TENANT_SINK(NULL, 0, true);
	int ret = transact(nl, msg, put_key(msg, dev_id, 0), &s);

	if (ret) {
		free(s.v);
		s.v = NULL;
	}
	*out = s.v;
	return ret ? ret : s.count;
}

int qpu_nl_tenant_del(struct qpu_nl *nl, uint32_t dev_id, uint64_t cgroup_id)
{
	struct nl_msg *msg = new_msg(nl, QPU_CMD_TENANT_DEL, false);

	return transact(nl, msg, put_key(msg, dev_id, cgroup_id), NULL);
}

int qpu_nl_dev_get(struct qpu_nl *nl, uint32_t dev_id, struct qpu_nl_dev *out)
{
	struct nl_msg *msg = new_msg(nl, QPU_CMD_DEV_GET, false);
	struct sink s = DEV_SINK(out, 1, false);

	memset(out, 0, sizeof(*out));
	return transact_one(nl, msg, msg && nla_put_u32(msg, QPU_A_DEV_ID,
							 dev_id), &s);
}

int qpu_nl_dev_list(struct qpu_nl *nl, struct qpu_nl_dev **out)
{
	struct nl_msg *msg = new_msg(nl, QPU_CMD_DEV_GET, true);
	struct sink s = DEV_SINK(NULL, 0, true);
	int ret = transact(nl, msg, 0, &s);

	if (ret) {
		free(s.v);
		s.v = NULL;
	}
	*out = s.v;
	return ret ? ret : s.count;
}

/* The device and, unless it is %QPU_NL_CALIB_CURRENT, the epoch. */
static int put_calib_key(struct nl_msg *msg, uint32_t dev_id, uint64_t epoch)
{
	if (!msg)
		return 0;
	if (nla_put_u32(msg, QPU_A_CALIB_DEV_ID, dev_id))
		return -EMSGSIZE;
	if (epoch != QPU_NL_CALIB_CURRENT &&
	    nla_put_u64(msg, QPU_A_CALIB_EPOCH, epoch))
		return -EMSGSIZE;
	return 0;
}

int qpu_nl_calib_get(struct qpu_nl *nl, uint32_t dev_id, uint64_t epoch,
		     struct qpu_nl_calib *out)
{
	struct nl_msg *msg = new_msg(nl, QPU_CMD_CALIB_GET, false);
	struct sink s = CALIB_SINK(out, 1, parse_calib, NULL);

	memset(out, 0, sizeof(*out));
	return transact_one(nl, msg, put_calib_key(msg, dev_id, epoch), &s);
}

int qpu_nl_calib_read(struct qpu_nl *nl, uint32_t dev_id, uint64_t epoch,
		      struct qpu_nl_calib *out, uint8_t **data, size_t *len)
{
	struct nl_msg *msg = new_msg(nl, QPU_CMD_CALIB_GET, true);
	struct calib_buf b = { .c.have = 0 };
	struct sink s = CALIB_SINK(NULL, 0, parse_chunk, &b);
	int ret = transact(nl, msg, put_calib_key(msg, dev_id, epoch), &s);

	if (!ret && (!b.c.have || b.got != b.len)) {
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s",
			 b.c.have ? "calibration chunks overlap or leave a hole"
				  : "no calibration in the reply");
		ret = -EPROTO;
	}
	if (ret) {
		free(b.data);
		return ret;
	}
	*out = b.c;
	*data = b.data;
	*len = b.len;
	return 0;
}

/* ---- audit records: the multicast subscription ------------------------ */

struct qpu_nl_sub {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;		/* 0 while the family is not registered */
	unsigned int groups;	/* QPU_NL_GRP_* joined */
	int ctrl_notify;	/* nlctrl's "notify" group */
	unsigned int generation;
	uint64_t malformed;
	/* of the qpu_nl_sub_recv() call under way */
	int (*fn)(const struct qpu_nl_audit *rec, void *arg);
	void *arg;
	int stop;		/* @fn's nonzero return */
	int count;
	struct qpu_nl_audit rec;
};

/* Attributes that are integers, with their size (STATUS is s32). */
static int audit_int_size(int a)
{
	switch (audit_policy[a].type) {
	case NLA_U32: return 4;
	case NLA_U64: return 8;
	default: return 0;
	}
}

static int audit_hash_index(int a)
{
	switch (a) {
	case QPU_A_AUDIT_CIRCUIT_HASH: return QPU_NL_H_CIRCUIT;
	case QPU_A_AUDIT_PARAM_HASH: return QPU_NL_H_PARAM;
	case QPU_A_AUDIT_RESULT_HASH: return QPU_NL_H_RESULT;
	case QPU_A_AUDIT_CALIB_HASH: return QPU_NL_H_CALIB;
	case QPU_A_AUDIT_SOURCE_HASH: return QPU_NL_H_SOURCE;
	default: return -1;
	}
}

/* Every XT nest of a record, in order (genlmsg_parse() keeps the last). */
static int parse_xt(const struct nlmsghdr *nlh, struct qpu_nl_audit *out)
{
	struct nlattr *tb[QPU_A_XT_MAX + 1], *a;
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		struct qpu_nl_xt *x = &out->xt[out->num_xt];

		if (nla_type(a) != QPU_A_AUDIT_XT)
			continue;
		if (out->num_xt == QPU_MAX_XT_SEGS ||
		    nla_parse_nested(tb, QPU_A_XT_MAX, a, xt_policy) ||
		    !tb[QPU_A_XT_SWEEP] || !tb[QPU_A_XT_SHOT] ||
		    !tb[QPU_A_XT_EXPOSED])
			return -EPROTO;
		x->sweep = nla_get_u32(tb[QPU_A_XT_SWEEP]);
		x->shot = nla_get_u32(tb[QPU_A_XT_SHOT]);
		x->exposed = nla_get_u64(tb[QPU_A_XT_EXPOSED]);
		if (tb[QPU_A_XT_NEIGHBOURS]) {
			if (nla_len(tb[QPU_A_XT_NEIGHBOURS]) % 4)
				return -EPROTO;
			x->num_nbrs = nla_len(tb[QPU_A_XT_NEIGHBOURS]) / 4;
			memcpy(x->nbrs, nla_data(tb[QPU_A_XT_NEIGHBOURS]),
			       4 * x->num_nbrs);
		}
		out->num_xt++;
	}
	return 0;
}

/* Attributes every record of @cmd must have. */
static uint64_t audit_required(uint8_t cmd)
{
	uint64_t r = 1ULL << QPU_A_AUDIT_DEV_ID | 1ULL << QPU_A_AUDIT_TIME;

	if (cmd != QPU_CMD_EVENT_VERDICT)
		r |= 1ULL << QPU_A_AUDIT_SEQ | 1ULL << QPU_A_AUDIT_LOST;
	return r;
}

int qpu_nl_audit_parse(const struct nlmsghdr *nlh, struct qpu_nl_audit *out)
{
	struct nlattr *tb[QPU_A_AUDIT_MAX + 1];
	struct nlattr *tt[QPU_A_TENANT_MAX + 1];
	const struct genlmsghdr *g;
	int a, h;

	memset(out, 0, sizeof(*out));
	if (!genlmsg_valid_hdr((struct nlmsghdr *)nlh, 0))
		return -EPROTO;
	g = nlmsg_data(nlh);
	if (g->cmd < QPU_CMD_AUDIT_LOAD)
		return -EPROTO;
	if (g->cmd > QPU_CMD_EVENT_VERDICT)
		return -EOPNOTSUPP;
	out->cmd = g->cmd;
	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, QPU_A_AUDIT_MAX,
			  audit_policy))
		return -EPROTO;
	for (a = 1; a <= QPU_A_AUDIT_MAX; a++) {
		if (!tb[a] || a == QPU_A_AUDIT_PAD)
			continue;
		out->have |= 1ULL << a;
		h = audit_hash_index(a);
		if (audit_int_size(a) == 8)
			out->num[a] = nla_get_u64(tb[a]);
		else if (a == QPU_A_AUDIT_STATUS)
			out->num[a] = (uint64_t)(int64_t)(int32_t)nla_get_u32(tb[a]);
		else if (audit_int_size(a) == 4)
			out->num[a] = nla_get_u32(tb[a]);
		else if (h >= 0)
			memcpy(out->hash[h], nla_data(tb[a]), QPU_HASH_LEN);
	}
	if ((out->have & audit_required(out->cmd)) != audit_required(out->cmd))
		return -EPROTO;
	if (tb[QPU_A_AUDIT_PHYS]) {
		if (nla_len(tb[QPU_A_AUDIT_PHYS]) % 4)
			return -EPROTO;
		out->num_phys = nla_len(tb[QPU_A_AUDIT_PHYS]) / 4;
		memcpy(out->phys, nla_data(tb[QPU_A_AUDIT_PHYS]),
		       4 * out->num_phys);
	}
	copy_str(out->cgroup_path, sizeof(out->cgroup_path),
		 tb[QPU_A_AUDIT_CGROUP_PATH]);
	copy_str(out->policy, sizeof(out->policy), tb[QPU_A_AUDIT_POLICY]);
	copy_str(out->limit_name, sizeof(out->limit_name),
		 tb[QPU_A_AUDIT_LIMIT_NAME]);
	if (tb[QPU_A_AUDIT_TENANT]) {
		if (nla_parse_nested(tt, QPU_A_TENANT_MAX,
				     tb[QPU_A_AUDIT_TENANT], tenant_policy) ||
		    parse_tenant_nest(tt, &out->tenant))
			return -EPROTO;
	}
	return parse_xt(nlh, out);
}

/* The groups of QPU_NL_GRP_* bits, by bit. */
static const char *const grp_names[] = { QPU_MCGRP_AUDIT, QPU_MCGRP_EVENTS };

static struct nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID]		= { .type = NLA_U16 },
	[CTRL_ATTR_FAMILY_NAME]		= { .type = NLA_STRING },
	[CTRL_ATTR_MCAST_GROUPS]	= { .type = NLA_NESTED },
};

static struct nla_policy ctrl_grp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME]	= { .type = NLA_STRING },
	[CTRL_ATTR_MCAST_GRP_ID]	= { .type = NLA_U32 },
};

/*
 * nlctrl's notification of the family registered (the module loaded
 * again: unloading cleared our memberships, and the ids may differ) or
 * gone: join the groups again under their new ids.
 */
static void sub_ctrl(struct qpu_nl_sub *sub, struct nlmsghdr *nlh)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *g[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *a;
	size_t i;
	int rem;

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, ctrl_policy) ||
	    !tb[CTRL_ATTR_FAMILY_NAME] || !tb[CTRL_ATTR_FAMILY_ID] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), QPU_GENL_NAME))
		return;
	if (gh->cmd == CTRL_CMD_DELFAMILY) {
		sub->family = 0;
		return;
	}
	if (gh->cmd != CTRL_CMD_NEWFAMILY && gh->cmd != CTRL_CMD_NEWMCAST_GRP)
		return;
	/* Back after DELFAMILY (ids are reused: it may be the same one). */
	if (!sub->family || sub->family != nla_get_u16(tb[CTRL_ATTR_FAMILY_ID])) {
		sub->family = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
		sub->generation++;
	}
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return;
	nla_for_each_nested(a, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
		if (nla_parse_nested(g, CTRL_ATTR_MCAST_GRP_MAX, a,
				     ctrl_grp_policy) ||
		    !g[CTRL_ATTR_MCAST_GRP_NAME] || !g[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		for (i = 0; i < sizeof(grp_names) / sizeof(grp_names[0]); i++)
			if ((sub->groups & (1u << i)) &&
			    !strcmp(nla_get_string(g[CTRL_ATTR_MCAST_GRP_NAME]),
				    grp_names[i]))
				(void)nl_socket_add_membership(sub->sk,
					nla_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]));
	}
}

static int sub_valid(struct nl_msg *msg, void *arg)
{
	struct qpu_nl_sub *sub = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int ret;

	if (sub->stop)
		return NL_SKIP;
	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		unsigned int gen = sub->generation;

		if (genlmsg_valid_hdr(nlh, 0))
			sub_ctrl(sub, nlh);
		/* The caller acts on it before the new family's records. */
		return gen != sub->generation ? NL_STOP : NL_SKIP;
	}
	if (!sub->family || nlh->nlmsg_type != sub->family)
		return NL_SKIP;
	ret = qpu_nl_audit_parse(nlh, &sub->rec);
	if (ret) {
		sub->malformed += ret == -EPROTO;
		return NL_SKIP;
	}
	sub->count++;
	sub->stop = sub->fn(&sub->rec, sub->arg);
	return sub->stop ? NL_STOP : NL_OK;
}

static int sub_any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

struct qpu_nl_sub *qpu_nl_subscribe(unsigned int groups, int rcvbuf)
{
	struct qpu_nl_sub *sub = calloc(1, sizeof(*sub));
	int one = 1, fd, ret = -NLE_NOMEM;
	size_t i;

	if (!sub)
		goto fail;
	sub->sk = nl_socket_alloc();
	sub->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!sub->sk || !sub->cb)
		goto fail;
	ret = genl_connect(sub->sk);
	if (ret < 0)
		goto fail;
	ret = genl_ctrl_resolve(sub->sk, QPU_GENL_NAME);
	if (ret < 0)
		goto fail;
	sub->family = ret;
	sub->groups = groups;
	fd = nl_socket_get_fd(sub->sk);
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_BROADCAST_ERROR, &one,
			 sizeof(one));
	if (rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		(void)nl_socket_set_buffer_size(sub->sk, rcvbuf, 0);
	/* Told when the family goes and comes back (module reloaded). */
	ret = genl_ctrl_resolve_grp(sub->sk, GENL_NAME_CTRL_NOTIFY_FAMILY,
				    GENL_NAME_CTRL_NOTIFY_GROUP);
	if (ret < 0)
		goto fail;
	sub->ctrl_notify = ret;
	ret = nl_socket_add_membership(sub->sk, ret);
	if (ret < 0)
		goto fail;
	for (i = 0; i < sizeof(grp_names) / sizeof(grp_names[0]); i++) {
		if (!(groups & (1u << i)))
			continue;
		ret = genl_ctrl_resolve_grp(sub->sk, QPU_GENL_NAME, grp_names[i]);
		if (ret < 0)
			goto fail;
		ret = nl_socket_add_membership(sub->sk, ret);
		if (ret < 0)
			goto fail;
	}
	/*
	 * Multicast messages have no sequence number of ours: no check (on
	 * this callback set, which libnl uses instead of the socket's).
	 */
	nl_socket_disable_auto_ack(sub->sk);
	nl_socket_enable_msg_peek(sub->sk);
	ret = nl_socket_set_nonblocking(sub->sk);
	if (ret < 0)
		goto fail;
	nl_cb_set(sub->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, sub_any_seq, NULL);
	nl_cb_set(sub->cb, NL_CB_VALID, NL_CB_CUSTOM, sub_valid, sub);
	return sub;
fail:
	qpu_nl_sub_close(sub);
	errno = -nlerr_to_errno(ret);
	return NULL;
}

void qpu_nl_sub_close(struct qpu_nl_sub *sub)
{
	if (!sub)
		return;
	nl_cb_put(sub->cb);
	nl_socket_free(sub->sk);
	free(sub);
}

int qpu_nl_sub_fd(const struct qpu_nl_sub *sub)
{
	return nl_socket_get_fd(sub->sk);
}

uint64_t qpu_nl_sub_malformed(const struct qpu_nl_sub *sub)
{
	return sub->malformed;
}

unsigned int qpu_nl_sub_generation(const struct qpu_nl_sub *sub)
{
	return sub->generation;
}

int qpu_nl_sub_recv(struct qpu_nl_sub *sub,
		    int (*fn)(const struct qpu_nl_audit *rec, void *arg),
		    void *arg)
{
	int ret, i;

	sub->fn = fn;
	sub->arg = arg;
	sub->stop = 0;
	sub->count = 0;
	for (i = 0; i < QPU_NL_SUB_BATCH; i++) {	/* one datagram each */
		unsigned int gen = sub->generation;

		ret = nl_recvmsgs(sub->sk, sub->cb);
		if (sub->stop)
			return sub->stop;
		if (gen != sub->generation)
			return sub->count;
		if (ret == -NLE_AGAIN)
			return sub->count;
		if (ret == -NLE_NOMEM)	/* ENOBUFS: the socket overran */
			return -ENOBUFS;
		if (ret < 0)
			return nlerr_to_errno(ret);
	}
	return sub->count;
}
