// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c - requests to the "qpu" generic netlink family (uapi/linux/qpu.h)
 * through libnl-genl-3: one request at a time, its replies handed to a
 * parse callback as attribute tables checked against a policy, the end
 * found by the ACK (requests) or NLMSG_DONE (dumps), and the kernel's
 * extended ACK message kept for the error report.
 *
 * Debian 12's libnl 3.7 has no nl_socket_set_ext_ack(), so NETLINK_EXT_ACK
 * and NETLINK_CAP_ACK are set on the socket directly and the extack
 * attributes are read from the NLMSG_ERROR (or NLMSG_DONE) message in the
 * error (finish) callback. Sequence numbers are checked here, in the
 * NL_CB_MSG_IN callback, instead of by libnl, whose check does not follow
 * dumps without ACKs.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "qpuctl.h"

#define QPUCTL_NL_MAXATTR	31

struct nl_req {
	struct qpuctl_nl *nl;
	uint32_t seq;
	int maxattr;
	struct nla_policy *policy;
	qpuctl_nl_parse parse;
	void *arg;
	int err;	/* first error: the kernel's or a parse callback's */
	bool done;
};

int qpuctl_nl_open(struct qpuctl_nl *nl)
{
	int one = 1, fd, ret;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	ret = genl_connect(nl->sk);
	if (ret) {
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s", nl_geterror(ret));
		ret = -EIO;
		goto err;
	}
	fd = nl_socket_get_fd(nl->sk);
	/* Best effort: an old kernel simply sends no message. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_disable_seq_check(nl->sk);
	nl->family = genl_ctrl_resolve(nl->sk, QPU_GENL_NAME);
	if (nl->family < 0) {
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "the generic netlink family \"%s\" is not registered "
			 "(is qpu.ko loaded, and new enough?)", QPU_GENL_NAME);
		ret = -ENOENT;
		goto err;
	}
	return 0;
err:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return ret;
}

void qpuctl_nl_close(struct qpuctl_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/* The NLMSGERR_ATTR_MSG of extack attributes at @attrs, if any. */
static void keep_extack(struct qpuctl_nl *nl, struct nlattr *attrs, int len)
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
	struct nl_req *r = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == r->seq ? NL_OK : NL_SKIP;
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[QPUCTL_NL_MAXATTR + 1];
	struct nl_req *r = arg;
	int ret;

	if (r->err)
		return NL_SKIP;	/* drain the rest of a dump */
	memset(tb, 0, sizeof(tb));
	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, r->maxattr, r->policy);
	if (ret) {
		snprintf(r->nl->errmsg, sizeof(r->nl->errmsg),
			 "malformed reply from the kernel: %s",
			 nl_geterror(ret));
		r->err = -EPROTO;
		return NL_SKIP;
	}
	ret = r->parse ? r->parse(tb, r->arg) : 0;
	if (ret < 0)
		r->err = ret;
	return NL_OK;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct nl_req *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

/* NLMSG_DONE: a dump's end, with its error (and extack) if it failed. */
static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nl_req *r = arg;
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
	struct nl_req *r = arg;
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

/*
 * Send @cmd (a dump if @dump) with the attributes @fill puts, and call
 * @parse for each reply. Returns 0 or a negative errno: the kernel's, a
 * callback's, or -EIO for a transport failure (message in nl->errmsg).
 */
int qpuctl_nl_request(struct qpuctl_nl *nl, uint8_t cmd, bool dump,
		      qpuctl_nl_fill fill, void *fill_arg, int maxattr,
		      const void *policy, qpuctl_nl_parse parse,
		      void *parse_arg)
{
	struct nl_req r = {
		.nl = nl, .maxattr = maxattr,
		.policy = (struct nla_policy *)policy,
		.parse = parse, .arg = parse_arg,
	};
	struct nl_msg *msg;
	int ret;

	if (maxattr > QPUCTL_NL_MAXATTR)
		return -EINVAL;
	nl->errmsg[0] = '\0';
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, QPU_GENL_VERSION)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = fill ? fill(msg, fill_arg) : 0;
	if (ret) {
		nlmsg_free(msg);
		return ret < 0 ? ret : -EMSGSIZE;
	}
	/* A request ends with its ACK; a dump with NLMSG_DONE. */
	if (dump)
		nl_socket_disable_auto_ack(nl->sk);
	else
		nl_socket_enable_auto_ack(nl->sk);
	nl_socket_modify_cb(nl->sk, NL_CB_MSG_IN, NL_CB_CUSTOM, cb_msg_in, &r);
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &r);
	nl_socket_modify_cb(nl->sk, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, &r);
	nl_socket_modify_cb(nl->sk, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, &r);
	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, cb_error, &r);
	ret = nl_send_auto(nl->sk, msg);
	if (ret >= 0)
		r.seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (ret < 0) {
		snprintf(nl->errmsg, sizeof(nl->errmsg), "sending: %s",
			 nl_geterror(ret));
		return -EIO;
	}
	while (!r.done) {
		ret = nl_recvmsgs_default(nl->sk);
		if (ret < 0 && !r.done) {
			if (!r.err) {
				snprintf(nl->errmsg, sizeof(nl->errmsg),
					 "receiving: %s", nl_geterror(ret));
				r.err = -EIO;
			}
			break;
		}
	}
	return r.err;
}

void qpuctl_nl_perror(const struct qpuctl_nl *nl, const char *what, int err)
{
	const char *hint = "";

	if (!nl->sk && nl->errmsg[0]) {
		/* qpuctl_nl_open() failed: its message says it all. */
		fprintf(stderr, "qpuctl: %s: %s\n", what, nl->errmsg);
		return;
	}

	if (err == -EPERM)
		hint = " (setting limits, deleting them and reading other "
		       "tenants needs CAP_SYS_ADMIN)";
	if (nl->errmsg[0] && err != -EIO &&
	    !strcasecmp(nl->errmsg, strerror(-err)))
		fprintf(stderr, "qpuctl: %s: %s%s\n", what, strerror(-err),
			hint);
	else if (nl->errmsg[0] && err != -EIO)
		fprintf(stderr, "qpuctl: %s: %s: %s%s\n", what, strerror(-err),
			nl->errmsg, hint);
	else if (nl->errmsg[0])
		fprintf(stderr, "qpuctl: %s: %s\n", what, nl->errmsg);
	else
		fprintf(stderr, "qpuctl: %s: %s%s\n", what, strerror(-err),
			hint);
}
