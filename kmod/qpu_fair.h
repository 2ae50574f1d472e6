/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_fair.h - hierarchical weighted-fair choice of the next job to run
 * (qpu_fair.c): the scheduler's policy.
 *
 * Device time is shared between tenants (cgroups, qpu_tenant.h) by
 * virtual time, as CFS group scheduling shares CPU time: every tenant has
 * a struct qpu_fair_node (embedded in its record) whose children compete
 * for its share in proportion to their weights. What a node's own tasks
 * submitted competes with its child cgroups as one more child, "self",
 * of the default weight (as a cgroup's own tasks do in cpu.weight).
 *
 * The units that run are lanes (struct qpu_sched_lane: the jobs of one
 * qubit allocation, which run one at a time). A lane is ready when it is
 * idle and has queued jobs; it is then on the ready list of the node its
 * first job is charged to, and that node's self entity is runnable, and
 * so are the entities above it. The pick walks from the root down to a
 * ready list, choosing at every level the runnable child with the least
 * virtual time: O(depth log n), never a scan of the queue.
 *
 * Locking: everything here is protected by the device's qpu_sched.lock;
 * weight and latency are configuration, written by qpu_tenant.c with
 * WRITE_ONCE() and read here with READ_ONCE().
 */
#ifndef QPU_FAIR_H
#define QPU_FAIR_H

#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * QPU_FAIR_SLACK_NS - how far, in virtual time, an interactive entity may
 * run ahead of its batch siblings and still be picked first (50 ms of
 * modelled device time at the default weight). See qpu_fair.c for the
 * bound it gives batch work.
 */
#define QPU_FAIR_SLACK_NS	(50ULL * 1000 * 1000)

/**
 * struct qpu_fair_entity - something that competes for a node's share
 * @node: in its node's runnable tree of its class
 * @vtime: virtual time: device time received, divided by its weight
 * @on_tree: in the tree
 * @interactive: which tree: the interactive or the batch one
 */
struct qpu_fair_entity {
	struct rb_node node;
	u64 vtime;
	bool on_tree;
	bool interactive;
};

enum {
	QPU_FAIR_INTERACTIVE,
	QPU_FAIR_BATCH,
	QPU_FAIR_CLASSES,
};

/**
 * struct qpu_fair_node - a tenant, as the fair scheduler sees it
 * @parent: the parent cgroup's node, NULL for the root
 * @weight: QPU_WEIGHT_MIN..QPU_WEIGHT_MAX (configuration)
 * @latency: enum qpu_latency (configuration)
 * @grp: this node as a child competing in its parent's share
 * @self: the lanes charged to this node itself, competing with its
 *	children
 * @runnable: the runnable children (and @self) by class, least vtime
 *	first
 * @ready: lanes ready to run whose first job is charged here
 * @vclock: virtual clock of the children: never decreases; a child that
 *	becomes runnable after idling starts no earlier than it, so idling
 *	earns no credit
 * @nr_running: jobs charged to this node itself that are running
 * @nr_running_tree: jobs charged to this node or below that are running
 *	(a node whose lanes are all busy is not idle: it keeps its place)
 */
struct qpu_fair_node {
	struct qpu_fair_node *parent;
	u32 weight;
	u8 latency;
	struct qpu_fair_entity grp;
	struct qpu_fair_entity self;
	struct rb_root_cached runnable[QPU_FAIR_CLASSES];
	struct list_head ready;
	u64 vclock;
	u32 nr_running;
	u32 nr_running_tree;
};

/**
 * struct qpu_fair - one device's fair scheduler
 * @root: the root cgroup's node while anything is ready, else NULL
 * @lock: the lock that protects it (its qpu_sched.lock)
 */
struct qpu_fair {
	struct qpu_fair_node *root;
	spinlock_t *lock;
};

struct qpu_sched_lane;

void qpu_fair_node_init(struct qpu_fair_node *n, struct qpu_fair_node *parent,
			u32 weight, u8 latency);
void qpu_fair_lane_ready(struct qpu_fair *f, struct qpu_sched_lane *lane,
			 struct qpu_fair_node *n);
void qpu_fair_lane_unready(struct qpu_fair *f, struct qpu_sched_lane *lane);
struct qpu_sched_lane *qpu_fair_pick(struct qpu_fair *f);
void qpu_fair_charge(struct qpu_fair *f, struct qpu_fair_node *n, u64 cost);
void qpu_fair_running(struct qpu_fair *f, struct qpu_fair_node *n, int delta);

#endif /* QPU_FAIR_H */
