// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c - the "qpu" generic netlink family as qpuctl uses it: a socket
 * from tools/lib/qpu_nl.c (the requests and their replies are all
 * there), and its failures printed with the kernel's extended-ack
 * message, which the library keeps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "qpuctl.h"

struct qpu_nl *qpuctl_nl_open(void)
{
	struct qpu_nl *nl = qpu_nl_open();

	if (nl)
		return nl;
	if (errno == ENOENT)
		fprintf(stderr, "qpuctl: netlink: the generic netlink family "
			"\"%s\" is not registered (is qpu.ko loaded, and new "
			"enough?)\n", QPU_GENL_NAME);
	else
		fprintf(stderr, "qpuctl: netlink: %s\n", strerror(errno));
	return NULL;
}

void qpuctl_nl_perror(const struct qpu_nl *nl, const char *what, int err)
{
	const char *msg = qpu_nl_errmsg(nl);
	const char *hint = "";
	bool local = err == -EIO;	/* a message of the library's own */

	if (err == -EPERM)
		hint = " (setting limits, deleting them and reading other "
		       "tenants needs CAP_SYS_ADMIN)";
	if (msg[0] && !local && !strcasecmp(msg, strerror(-err)))
		fprintf(stderr, "qpuctl: %s: %s%s\n", what, strerror(-err),
			hint);
	else if (msg[0] && !local)
		fprintf(stderr, "qpuctl: %s: %s: %s%s\n", what, strerror(-err),
			msg, hint);
	else if (msg[0])
		fprintf(stderr, "qpuctl: %s: %s\n", what, msg);
	else
		fprintf(stderr, "qpuctl: %s: %s%s\n", what, strerror(-err),
			hint);
}
