/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_netlink.h - the "qpu" generic netlink family (qpu_netlink.c):
 * tenant administration and device state, and the multicast groups the
 * audit and event streams will use.
 */
#ifndef QPU_NETLINK_H
#define QPU_NETLINK_H

int qpu_netlink_init(void);
void qpu_netlink_exit(void);

#endif /* QPU_NETLINK_H */
