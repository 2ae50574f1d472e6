/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl_util.h - generic netlink for the VM selftests and qpu-fuzz: the
 * "qpu" family resolved with libnl-genl-3 (genl_ctrl_resolve), and
 * requests built and sent byte by byte on a raw NETLINK_GENERIC socket, so
 * that tests can send exactly the malformed messages they mean to, and
 * read the error, the extended ack (message, offending attribute offset,
 * missing attribute) and the replies (parsed with libnl's nla_parse()):
 * DEV_GET (with the audit counters), TENANT_GET and DEL, CALIB_GET (do,
 * and dump put back together), and subscribers to the "audit" and
 * "events" groups, whose records are parsed into struct nlq_rec.
 *
 * Everything returns 0 or -errno; nothing here fails a test by itself.
 */
#ifndef QPU_NL_UTIL_H
#define QPU_NL_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/qpu.h>

#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define NLQ_BUF		(128 * 1024)

/* A raw generic netlink socket and the last error's extended ack. */
struct nlq {
	int fd;
	uint16_t family;
	uint32_t seq;
	char ext_msg[256];
	bool has_offs, has_miss;
	uint32_t ext_offs;	/* offset of the bad attribute in the request */
	uint32_t miss_type;	/* type of a missing attribute */
	uint32_t miss_nest;	/* offset of the nest it is missing from, or 0 */
	char rbuf[NLQ_BUF];
};

/* A request being built. */
struct nlq_msg {
	size_t len;
	char buf[NLQ_BUF] __attribute__((aligned(8)));
};

/*
 * Family id of "qpu" and the ids of its multicast groups, through
 * libnl's controller queries. 0 or -errno (-ENOENT when not registered).
 */
static inline int nlq_resolve(uint16_t *family, int *audit_grp, int *events_grp)
{
	struct nl_sock *sk = nl_socket_alloc();
	int id, ret = 0;

	if (!sk)
		return -ENOMEM;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return -ECONNREFUSED;
	}
	id = genl_ctrl_resolve(sk, QPU_GENL_NAME);
	if (id < 0) {
		ret = -ENOENT;
		goto out;
	}
	*family = (uint16_t)id;
	if (audit_grp) {
		*audit_grp = genl_ctrl_resolve_grp(sk, QPU_GENL_NAME,
						   QPU_MCGRP_AUDIT);
		if (*audit_grp < 0)
			ret = -ENOENT;
	}
	if (events_grp) {
		*events_grp = genl_ctrl_resolve_grp(sk, QPU_GENL_NAME,
						    QPU_MCGRP_EVENTS);
		if (*events_grp < 0)
			ret = -ENOENT;
	}
out:
	nl_socket_free(sk);
	return ret;
}

/* Open a raw socket with extended acks for @family; NULL with errno set. */
static inline struct nlq *nlq_open_family(uint16_t family)
{
	struct timeval tv = { .tv_sec = 20 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlq *q = calloc(1, sizeof(*q));
	int one = 1;

	if (!q)
		return NULL;
	q->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (q->fd < 0)
		goto err;
	if (bind(q->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(q->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(q->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		goto err_close;
	q->family = family;
	q->seq = (uint32_t)getpid() << 12;
	return q;

err_close:
	close(q->fd);
err:
	free(q);
	return NULL;
}

/* Resolve "qpu" and open a socket for it; NULL with errno set. */
static inline struct nlq *nlq_open(void)
{
	uint16_t family;
	int ret = nlq_resolve(&family, NULL, NULL);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	return nlq_open_family(family);
}

static inline void nlq_close(struct nlq *q)
{
	if (!q)
		return;
	close(q->fd);
	free(q);
}

/* ---- building requests ------------------------------------------------ */

static inline void *nlq_tail(struct nlq_msg *m)
{
	return m->buf + m->len;
}

/* Start a request of @cmd (version QPU_GENL_VERSION) with NLM_F_REQUEST|@flags. */
static inline void nlq_msg_init(struct nlq_msg *m, uint16_t family, uint8_t cmd,
				uint16_t flags)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = QPU_GENL_VERSION;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* Append an attribute of any length (the test chooses it, even wrong). */
static inline size_t nlq_put(struct nlq_msg *m, uint16_t type, const void *data,
			     size_t len)
{
	struct nlattr *a = nlq_tail(m);
	size_t off = m->len;

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf))
		return off;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return off;
}

static inline size_t nlq_put_u8(struct nlq_msg *m, uint16_t type, uint8_t v)
{
	return nlq_put(m, type, &v, sizeof(v));
}

static inline size_t nlq_put_u32(struct nlq_msg *m, uint16_t type, uint32_t v)
{
	return nlq_put(m, type, &v, sizeof(v));
}

static inline size_t nlq_put_u64(struct nlq_msg *m, uint16_t type, uint64_t v)
{
	return nlq_put(m, type, &v, sizeof(v));
}

/* Open a nest; returns its offset for nlq_nest_end(). */
static inline size_t nlq_nest_start(struct nlq_msg *m, uint16_t type)
{
	return nlq_put(m, type | NLA_F_NESTED, NULL, 0);
}

static inline void nlq_nest_end(struct nlq_msg *m, size_t off)
{
	struct nlattr *a = (struct nlattr *)(m->buf + off);

	a->nla_len = (uint16_t)(m->len - off);
}

/* ---- exchanges --------------------------------------------------------- */

/* Called for each reply message: its command and attributes. */
typedef void (*nlq_reply_fn)(void *arg, uint8_t cmd, struct nlattr *attrs,
			     int len);

static inline void nlq_parse_ext(struct nlq *q, const struct nlmsghdr *nlh,
				 size_t off)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const struct nlattr *a = (const void *)((const char *)nlh +
						NLMSG_HDRLEN + off);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	while ((const char *)a + NLA_HDRLEN <= end && a->nla_len >= NLA_HDRLEN &&
	       (const char *)a + a->nla_len <= end) {
		const void *p = (const char *)a + NLA_HDRLEN;
		size_t l = a->nla_len - NLA_HDRLEN;

		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			snprintf(q->ext_msg, sizeof(q->ext_msg), "%.*s",
				 (int)l, (const char *)p);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (l >= 4) {
				memcpy(&q->ext_offs, p, 4);
				q->has_offs = true;
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (l >= 4) {
				memcpy(&q->miss_type, p, 4);
				q->has_miss = true;
			}
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			if (l >= 4)
				memcpy(&q->miss_nest, p, 4);
			break;
		}
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

/*
 * Send @len bytes at @buf as they are (the header's seq is set first if
 * @set_seq), then read until the ack, the error or the end of the dump.
 * Returns the error (0 or -errno); the extended ack is in @q.
 */
static inline int nlq_xfer_raw(struct nlq *q, void *buf, size_t len,
			       bool set_seq, nlq_reply_fn fn, void *arg)
{
	struct nlmsghdr *req = buf;
	uint32_t seq;
	ssize_t n;

	q->ext_msg[0] = 0;
	q->has_offs = q->has_miss = false;
	q->ext_offs = q->miss_type = q->miss_nest = 0;
	if (set_seq && len >= NLMSG_HDRLEN)
		req->nlmsg_seq = ++q->seq;
	seq = len >= NLMSG_HDRLEN ? req->nlmsg_seq : 0;
	if (send(q->fd, buf, len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *nlh;
		int left;

		n = recv(q->fd, q->rbuf, sizeof(q->rbuf), 0);
		if (n < 0)
			return -errno;
		left = (int)n;
		for (nlh = (struct nlmsghdr *)q->rbuf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);
				size_t off = sizeof(*e);

				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - NLMSG_HDRLEN;
				nlq_parse_ext(q, nlh, off);
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
				nlq_parse_ext(q, nlh, sizeof(int));
				return err;
			}
			if (fn && nlh->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN)) {
				struct genlmsghdr *g = NLMSG_DATA(nlh);

				fn(arg, g->cmd,
				   (struct nlattr *)((char *)g + GENL_HDRLEN),
				   (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)));
			}
		}
	}
}

/* Send a built request; doit requests ask for an ack (NLM_F_ACK). */
static inline int nlq_xfer(struct nlq *q, struct nlq_msg *m, nlq_reply_fn fn,
			   void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;

	nlh->nlmsg_len = (uint32_t)m->len;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	return nlq_xfer_raw(q, m->buf, m->len, true, fn, arg);
}

/* ---- replies ----------------------------------------------------------- */

static inline uint64_t nlq_u64(struct nlattr *a)
{
	return a && nla_len(a) == 8 ? nla_get_u64(a) : 0;
}

static inline uint32_t nlq_u32(struct nlattr *a)
{
	return a && nla_len(a) == 4 ? nla_get_u32(a) : 0;
}

struct nlq_dev {
	uint32_t id, num_qubits, free_qubits, workers, queued, running, tenants;
	char name[32], topology[64];
	uint64_t calib_epoch;
	uint8_t calib_hash[QPU_HASH_LEN];
	/* the audit stream's counters (QPU_A_DEV_AUDIT_*) */
	uint64_t audit_seq, audit_lost, audit_overrun, audit_unheard;
	uint32_t seen;		/* bit per QPU_A_DEV_* present */
};

static inline void nlq_parse_dev(struct nlattr *attrs, int len,
				 struct nlq_dev *d)
{
	struct nlattr *tb[QPU_A_DEV_MAX + 1];
	int i;

	memset(d, 0, sizeof(*d));
	if (nla_parse(tb, QPU_A_DEV_MAX, attrs, len, NULL))
		return;
	for (i = 1; i <= QPU_A_DEV_MAX; i++)
		if (tb[i])
			d->seen |= 1u << i;
#define NLQ_U32(a, f) if (tb[a] && nla_len(tb[a]) == 4) d->f = nla_get_u32(tb[a])
	NLQ_U32(QPU_A_DEV_ID, id);
	NLQ_U32(QPU_A_DEV_NUM_QUBITS, num_qubits);
	NLQ_U32(QPU_A_DEV_FREE_QUBITS, free_qubits);
	NLQ_U32(QPU_A_DEV_WORKERS, workers);
	NLQ_U32(QPU_A_DEV_JOBS_QUEUED, queued);
	NLQ_U32(QPU_A_DEV_JOBS_RUNNING, running);
	NLQ_U32(QPU_A_DEV_TENANTS, tenants);
#undef NLQ_U32
	d->calib_epoch = nlq_u64(tb[QPU_A_DEV_CALIB_EPOCH]);
	if (tb[QPU_A_DEV_CALIB_HASH] &&
	    nla_len(tb[QPU_A_DEV_CALIB_HASH]) == QPU_HASH_LEN)
		memcpy(d->calib_hash, nla_data(tb[QPU_A_DEV_CALIB_HASH]),
		       QPU_HASH_LEN);
	d->audit_seq = nlq_u64(tb[QPU_A_DEV_AUDIT_SEQ]);
	d->audit_lost = nlq_u64(tb[QPU_A_DEV_AUDIT_LOST]);
	d->audit_overrun = nlq_u64(tb[QPU_A_DEV_AUDIT_OVERRUN]);
	d->audit_unheard = nlq_u64(tb[QPU_A_DEV_AUDIT_UNHEARD]);
	if (tb[QPU_A_DEV_NAME])
		snprintf(d->name, sizeof(d->name), "%.*s",
			 nla_len(tb[QPU_A_DEV_NAME]),
			 (char *)nla_data(tb[QPU_A_DEV_NAME]));
	if (tb[QPU_A_DEV_TOPOLOGY])
		snprintf(d->topology, sizeof(d->topology), "%.*s",
			 nla_len(tb[QPU_A_DEV_TOPOLOGY]),
			 (char *)nla_data(tb[QPU_A_DEV_TOPOLOGY]));
}

struct nlq_budget {
	uint64_t limit, period, used, remaining, reset_ns, total;
	uint32_t seen;
};

struct nlq_tenant {
	uint32_t dev_id, level, weight, latency, isolation;
	uint8_t configured;
	uint64_t cgroup_id, qubits_max, qubits_current, jobs_max, jobs_current;
	struct nlq_budget shots, qpu_time;
	uint64_t events[4];	/* qubits, jobs, shots, qpu_time */
	uint32_t seen, events_seen;
};

static inline void nlq_parse_budget(struct nlattr *nest, struct nlq_budget *b)
{
	struct nlattr *tb[QPU_A_BUDGET_MAX + 1];
	int i;

	memset(b, 0, sizeof(*b));
	if (!nest || nla_parse_nested(tb, QPU_A_BUDGET_MAX, nest, NULL))
		return;
	for (i = 1; i <= QPU_A_BUDGET_MAX; i++)
		if (tb[i])
			b->seen |= 1u << i;
	b->limit = nlq_u64(tb[QPU_A_BUDGET_LIMIT]);
	b->period = nlq_u64(tb[QPU_A_BUDGET_PERIOD]);
	b->used = nlq_u64(tb[QPU_A_BUDGET_USED]);
	b->remaining = nlq_u64(tb[QPU_A_BUDGET_REMAINING]);
	b->reset_ns = nlq_u64(tb[QPU_A_BUDGET_RESET_NS]);
	b->total = nlq_u64(tb[QPU_A_BUDGET_TOTAL]);
}

static inline void nlq_parse_tenant(struct nlattr *attrs, int len,
				    struct nlq_tenant *t)
{
	struct nlattr *tb[QPU_A_TENANT_MAX + 1], *ev[QPU_A_EVENTS_MAX + 1];
	int i;

	memset(t, 0, sizeof(*t));
	if (nla_parse(tb, QPU_A_TENANT_MAX, attrs, len, NULL))
		return;
	for (i = 1; i <= QPU_A_TENANT_MAX; i++)
		if (tb[i])
			t->seen |= 1u << i;
	t->dev_id = nlq_u32(tb[QPU_A_TENANT_DEV_ID]);
	t->cgroup_id = nlq_u64(tb[QPU_A_TENANT_CGROUP_ID]);
	t->level = nlq_u32(tb[QPU_A_TENANT_LEVEL]);
	if (tb[QPU_A_TENANT_CONFIGURED] && nla_len(tb[QPU_A_TENANT_CONFIGURED]) == 1)
		t->configured = nla_get_u8(tb[QPU_A_TENANT_CONFIGURED]);
	t->qubits_max = nlq_u64(tb[QPU_A_TENANT_QUBITS_MAX]);
	t->qubits_current = nlq_u64(tb[QPU_A_TENANT_QUBITS_CURRENT]);
	t->jobs_max = nlq_u64(tb[QPU_A_TENANT_JOBS_MAX]);
	t->jobs_current = nlq_u64(tb[QPU_A_TENANT_JOBS_CURRENT]);
	nlq_parse_budget(tb[QPU_A_TENANT_SHOTS], &t->shots);
	nlq_parse_budget(tb[QPU_A_TENANT_QPU_TIME], &t->qpu_time);
	t->weight = nlq_u32(tb[QPU_A_TENANT_WEIGHT]);
	t->latency = nlq_u32(tb[QPU_A_TENANT_LATENCY]);
	t->isolation = nlq_u32(tb[QPU_A_TENANT_ISOLATION]);
	if (tb[QPU_A_TENANT_EVENTS] &&
	    !nla_parse_nested(ev, QPU_A_EVENTS_MAX, tb[QPU_A_TENANT_EVENTS], NULL)) {
		for (i = 1; i <= QPU_A_EVENTS_MAX; i++)
			if (ev[i])
				t->events_seen |= 1u << i;
		t->events[0] = nlq_u64(ev[QPU_A_EVENTS_QUBITS]);
		t->events[1] = nlq_u64(ev[QPU_A_EVENTS_JOBS]);
		t->events[2] = nlq_u64(ev[QPU_A_EVENTS_SHOTS]);
		t->events[3] = nlq_u64(ev[QPU_A_EVENTS_QPU_TIME]);
	}
}

/* Collects up to @max parsed replies of one kind. */
struct nlq_list {
	unsigned int n, max, other;
	bool tenant;
	union {
		struct nlq_dev *devs;
		struct nlq_tenant *tenants;
	};
};

static inline void nlq_collect(void *arg, uint8_t cmd, struct nlattr *attrs,
			       int len)
{
	struct nlq_list *l = arg;

	if (cmd != (l->tenant ? QPU_CMD_TENANT_GET : QPU_CMD_DEV_GET) ||
	    l->n >= l->max) {
		l->other++;
		return;
	}
	if (l->tenant)
		nlq_parse_tenant(attrs, len, &l->tenants[l->n++]);
	else
		nlq_parse_dev(attrs, len, &l->devs[l->n++]);
}

/* DEV_GET of device @id into @d. */
static inline int nlq_dev_get(struct nlq *q, uint32_t id, struct nlq_dev *d)
{
	struct nlq_list l = { .max = 1, .devs = d };
	struct nlq_msg *m = malloc(sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	nlq_msg_init(m, q->family, QPU_CMD_DEV_GET, 0);
	nlq_put_u32(m, QPU_A_DEV_ID, id);
	ret = nlq_xfer(q, m, nlq_collect, &l);
	free(m);
	if (!ret && l.n != 1)
		ret = -EBADMSG;
	return ret;
}

/*
 * TENANT_GET of cgroup @cgid (0: the caller's own, the attribute left
 * out) on device @dev into @t.
 */
static inline int nlq_tenant_get(struct nlq *q, uint32_t dev, uint64_t cgid,
				 struct nlq_tenant *t)
{
	struct nlq_list l = { .max = 1, .tenant = true, .tenants = t };
	struct nlq_msg *m = malloc(sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_GET, 0);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, dev);
	if (cgid)
		nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, cgid);
	ret = nlq_xfer(q, m, nlq_collect, &l);
	free(m);
	if (!ret && l.n != 1)
		ret = -EBADMSG;
	return ret;
}

/* TENANT_DEL of @cgid on @dev. */
static inline int nlq_tenant_del(struct nlq *q, uint32_t dev, uint64_t cgid)
{
	struct nlq_msg *m = malloc(sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_DEL, 0);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, dev);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, cgid);
	ret = nlq_xfer(q, m, NULL, NULL);
	free(m);
	return ret;
}

/* ---- CALIB_GET ----------------------------------------------------------- */

/*
 * A CALIB_GET reply: the do's attributes, or a dump's content put back
 * together (chunks must come in OFFSET order, each message naming the
 * same epoch and hash; @bad counts those that did not).
 */
struct nlq_calib {
	uint32_t dev_id, size;
	uint64_t epoch, time, oldest;
	uint8_t hash[QPU_HASH_LEN];
	uint32_t seen;		/* bit per QPU_A_CALIB_* present (last message) */
	uint32_t msgs, bad;
	char *data;		/* dump: malloc()ed, @len bytes */
	size_t len;
};

static inline void nlq_calib_collect(void *arg, uint8_t cmd,
				     struct nlattr *attrs, int len)
{
	struct nlattr *tb[QPU_A_CALIB_MAX + 1];
	struct nlq_calib *c = arg;
	uint64_t epoch;
	int i;

	if (cmd != QPU_CMD_CALIB_GET ||
	    nla_parse(tb, QPU_A_CALIB_MAX, attrs, len, NULL)) {
		c->bad++;
		return;
	}
	epoch = nlq_u64(tb[QPU_A_CALIB_EPOCH]);
	if (c->msgs++ && (epoch != c->epoch || !tb[QPU_A_CALIB_HASH] ||
			  memcmp(nla_data(tb[QPU_A_CALIB_HASH]), c->hash,
				 QPU_HASH_LEN)))
		c->bad++;
	c->seen = 0;
	for (i = 1; i <= QPU_A_CALIB_MAX; i++)
		if (tb[i])
			c->seen |= 1u << i;
	c->dev_id = nlq_u32(tb[QPU_A_CALIB_DEV_ID]);
	c->epoch = epoch;
	c->size = nlq_u32(tb[QPU_A_CALIB_SIZE]);
	c->time = nlq_u64(tb[QPU_A_CALIB_TIME]);
	c->oldest = nlq_u64(tb[QPU_A_CALIB_OLDEST_EPOCH]);
	if (tb[QPU_A_CALIB_HASH] && nla_len(tb[QPU_A_CALIB_HASH]) == QPU_HASH_LEN)
		memcpy(c->hash, nla_data(tb[QPU_A_CALIB_HASH]), QPU_HASH_LEN);
	if (tb[QPU_A_CALIB_DATA]) {
		size_t n = (size_t)nla_len(tb[QPU_A_CALIB_DATA]);
		char *d = realloc(c->data, c->len + n + 1);

		if (!d || nlq_u32(tb[QPU_A_CALIB_OFFSET]) != c->len ||
		    !tb[QPU_A_CALIB_OFFSET]) {
			c->bad++;
			if (d)
				c->data = d;
			return;
		}
		memcpy(d + c->len, nla_data(tb[QPU_A_CALIB_DATA]), n);
		c->data = d;
		c->len += n;
		d[c->len] = 0;
	}
}

/*
 * CALIB_GET of device @dev at @epoch (0: the attribute left out), as a do
 * or (@dump) a dump, into @c (free c->data after). 0 or -errno.
 */
static inline int nlq_calib_get(struct nlq *q, uint32_t dev, uint64_t epoch,
				bool dump, struct nlq_calib *c)
{
	struct nlq_msg *m = malloc(sizeof(*m));
	int ret;

	memset(c, 0, sizeof(*c));
	if (!m)
		return -ENOMEM;
	nlq_msg_init(m, q->family, QPU_CMD_CALIB_GET, dump ? NLM_F_DUMP : 0);
	nlq_put_u32(m, QPU_A_CALIB_DEV_ID, dev);
	if (epoch)
		nlq_put_u64(m, QPU_A_CALIB_EPOCH, epoch);
	ret = nlq_xfer(q, m, nlq_calib_collect, c);
	free(m);
	if (!ret && (!c->msgs || c->bad))
		ret = -EBADMSG;
	return ret;
}

/* ---- audit records and events -------------------------------------------- */

/*
 * A subscriber: a raw socket bound in the caller's network namespace
 * that joined multicast group @grp (an id from nlq_resolve()), with a
 * large receive buffer and a receive timeout of @timeout_ms. Return: the
 * fd, or -errno of the join (-EPERM without CAP_SYS_ADMIN).
 */
static inline int nlq_sub_open(int grp, int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (timeout_ms % 1000) * 1000 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, err, rcv = 8 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp))) {
		err = -errno;
		close(fd);
		return err;
	}
	/* Best effort: root may go past rmem_max, others get what they get. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	return fd;
}

/* One record or event as received: its command and attributes. */
struct nlq_rec {
	uint8_t cmd;
	struct nlattr *tb[QPU_A_AUDIT_MAX + 1];
	char buf[16384] __attribute__((aligned(8)));
};

/*
 * The next message on subscriber @fd into @r. 0, or -errno: -EAGAIN at
 * the timeout, -ENOBUFS when the socket overran, -EBADMSG if malformed.
 */
static inline int nlq_rec_recv(int fd, struct nlq_rec *r)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)r->buf;
	struct genlmsghdr *g;
	ssize_t n;

	n = recv(fd, r->buf, sizeof(r->buf), 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nlh, (int)n) ||
	    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return -EBADMSG;
	g = NLMSG_DATA(nlh);
	r->cmd = g->cmd;
	if (nla_parse(r->tb, QPU_A_AUDIT_MAX,
		      (struct nlattr *)((char *)g + GENL_HDRLEN),
		      (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)), NULL))
		return -EBADMSG;
	return 0;
}

static inline uint64_t nlq_rec_u64(const struct nlq_rec *r, int type)
{
	return nlq_u64(r->tb[type]);
}

static inline uint32_t nlq_rec_u32(const struct nlq_rec *r, int type)
{
	return nlq_u32(r->tb[type]);
}

/* Whether string attribute @type of @r is @want, NUL included. */
static inline bool nlq_rec_str_is(const struct nlq_rec *r, int type,
				  const char *want)
{
	struct nlattr *a = r->tb[type];

	return a && nla_len(a) == (int)strlen(want) + 1 &&
	       !strcmp(nla_data(a), want);
}

#endif /* QPU_NL_UTIL_H */
