/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_netlink.h - the "qpu" generic netlink family (qpu_netlink.c):
 * tenant administration, device state and calibration history, and the
 * multicast groups qpu_audit.c sends audit records and events on.
 */
#ifndef QPU_NETLINK_H
#define QPU_NETLINK_H

#include <linux/types.h>

struct genl_family;
struct qpu_tenant_info;
struct sk_buff;

/* Indices of the family's multicast groups, as registered. */
enum qpu_nl_mcgrp {
	QPU_NL_MCGRP_AUDIT,
	QPU_NL_MCGRP_EVENTS,
};

extern struct genl_family qpu_nl_family;

int qpu_netlink_init(void);
void qpu_netlink_exit(void);
int qpu_nl_put_tenant(struct sk_buff *skb, u32 dev_id,
		      const struct qpu_tenant_info *ti);

#endif /* QPU_NETLINK_H */
