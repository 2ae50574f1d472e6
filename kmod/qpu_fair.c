// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_fair.c - hierarchical weighted-fair choice of the next job: the
 * scheduler's policy (see qpu_fair.h for the model).
 *
 * Virtual time. When a job starts, its predicted device time (the timing
 * model's, the cost its tenant's budgets were charged) advances the
 * virtual time of the entity chosen at every level of the walk by
 * cost * QPU_WEIGHT_DEFAULT / weight. Always running the runnable entity
 * with the least virtual time then gives backlogged siblings device time
 * in proportion to their weights, level by level, so a parent's share is
 * divided among its children. An entity that becomes runnable after
 * idling starts at its node's virtual clock (the least virtual time of
 * the runnable children, never decreasing) if it is behind it: idling
 * earns no credit, and a newcomer does not monopolise the device to catch
 * up. An entity that was not runnable only because all its lanes were
 * busy was not idle, and keeps its virtual time: otherwise a tenant that
 * got two executors at once would lose its lead every time, and the
 * heaviest tenants most.
 *
 * Latency classes. At every level an interactive child is preferred as
 * long as its virtual time is at most QPU_FAIR_SLACK_NS ahead of the least
 * batch sibling's; beyond that the batch sibling is picked. Interactive
 * work therefore starts first while it stays within its share, and a
 * backlogged batch sibling waits at most until every interactive sibling
 * is QPU_FAIR_SLACK_NS ahead of it: for interactive siblings of total
 * weight W, at most QPU_FAIR_SLACK_NS * W / QPU_WEIGHT_DEFAULT of modelled
 * device time, plus one job each (the one that crosses the line), plus
 * the jobs already running. Batch work is never starved.
 *
 * Cost: the pick walks one path from the root, choosing the leftmost
 * entry of at most two rbtrees per level; making a lane ready or not
 * touches the entities on one path. O(depth * log n) for n runnable
 * entities, with no scan of the queue.
 *
 * Locking: the caller holds the device's qpu_sched.lock (qpu_fair.lock
 * points to it, for the assertions).
 */
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/qpu.h>

#include "qpu_fair.h"
#include "qpu_sched.h"

void qpu_fair_node_init(struct qpu_fair_node *n, struct qpu_fair_node *parent,
			u32 weight, u8 latency)
{
	int i;

	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->weight = weight;
	n->latency = latency;
	for (i = 0; i < QPU_FAIR_CLASSES; i++)
		n->runnable[i] = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&n->ready);
}

static bool qpu_fair_entity_less(struct rb_node *a, const struct rb_node *b)
{
	/* Equal times go right: FIFO among equals. */
	return rb_entry(a, struct qpu_fair_entity, node)->vtime <
	       rb_entry(b, struct qpu_fair_entity, node)->vtime;
}

static struct qpu_fair_entity *qpu_fair_first(struct qpu_fair_node *n, int cls)
{
	struct rb_node *rb = rb_first_cached(&n->runnable[cls]);

	return rb ? rb_entry(rb, struct qpu_fair_entity, node) : NULL;
}

static bool qpu_fair_idle(struct qpu_fair_node *n)
{
	return RB_EMPTY_ROOT(&n->runnable[QPU_FAIR_INTERACTIVE].rb_root) &&
	       RB_EMPTY_ROOT(&n->runnable[QPU_FAIR_BATCH].rb_root);
}

/* Advance @n's virtual clock to its least runnable child's time. */
static void qpu_fair_update_clock(struct qpu_fair_node *n)
{
	struct qpu_fair_entity *i = qpu_fair_first(n, QPU_FAIR_INTERACTIVE);
	struct qpu_fair_entity *b = qpu_fair_first(n, QPU_FAIR_BATCH);
	u64 least;

	if (!i && !b)
		return;
	least = i && b ? min(i->vtime, b->vtime) : (i ?: b)->vtime;
	n->vclock = max(n->vclock, least);
}

static void qpu_fair_insert(struct qpu_fair_node *owner,
			    struct qpu_fair_entity *e, bool interactive)
{
	e->interactive = interactive;
	rb_add_cached(&e->node, &owner->runnable[interactive ?
			QPU_FAIR_INTERACTIVE : QPU_FAIR_BATCH],
		      qpu_fair_entity_less);
	e->on_tree = true;
}

static void qpu_fair_erase(struct qpu_fair_node *owner,
			   struct qpu_fair_entity *e)
{
	rb_erase_cached(&e->node, &owner->runnable[e->interactive ?
			QPU_FAIR_INTERACTIVE : QPU_FAIR_BATCH]);
	e->on_tree = false;
}

/*
 * The node whose latency class an entity has: its own for @grp, and for
 * @self the node's too (a cgroup's own jobs have the cgroup's class).
 */
static bool qpu_fair_interactive(const struct qpu_fair_node *n)
{
	return READ_ONCE(n->latency) == QPU_LATENCY_INTERACTIVE;
}

/* @e (of node @of) becomes runnable in @owner, and so, up, do its owners. */
static void qpu_fair_activate(struct qpu_fair *f, struct qpu_fair_node *owner,
			      struct qpu_fair_entity *e,
			      const struct qpu_fair_node *of)
{
	for (;;) {
		bool was_idle = qpu_fair_idle(owner);
		u32 busy = e == &of->self ? of->nr_running : of->nr_running_tree;

		if (!busy)
			e->vtime = max(e->vtime, owner->vclock);
		qpu_fair_insert(owner, e, qpu_fair_interactive(of));
		if (!was_idle)
			return;
		if (!owner->parent) {
			f->root = owner;
			return;
		}
		e = &owner->grp;
		of = owner;
		owner = owner->parent;
	}
}

/* @e leaves @owner's runnable set; owners left idle leave theirs. */
static void qpu_fair_deactivate(struct qpu_fair *f, struct qpu_fair_node *owner,
				struct qpu_fair_entity *e)
{
	for (;;) {
		qpu_fair_erase(owner, e);
		if (!qpu_fair_idle(owner))
			return;
		if (!owner->parent) {
			f->root = NULL;
			return;
		}
		e = &owner->grp;
		owner = owner->parent;
	}
}

/**
 * qpu_fair_lane_ready() - a lane is idle and has queued jobs
 * @f: the device's fair scheduler
 * @lane: the lane, not ready yet
 * @n: the node its first queued job is charged to
 */
void qpu_fair_lane_ready(struct qpu_fair *f, struct qpu_sched_lane *lane,
			 struct qpu_fair_node *n)
{
	bool first = list_empty(&n->ready);

	lockdep_assert_held(f->lock);
	list_add_tail(&lane->ready_node, &n->ready);
	lane->ready_in = n;
	if (first)
		qpu_fair_activate(f, n, &n->self, n);
}

/**
 * qpu_fair_lane_unready() - a ready lane starts a job or loses its first
 * @f: the device's fair scheduler
 * @lane: a ready lane
 */
void qpu_fair_lane_unready(struct qpu_fair *f, struct qpu_sched_lane *lane)
{
	struct qpu_fair_node *n = lane->ready_in;

	lockdep_assert_held(f->lock);
	list_del_init(&lane->ready_node);
	lane->ready_in = NULL;
	if (list_empty(&n->ready))
		qpu_fair_deactivate(f, n, &n->self);
}

/* The runnable entity of @n to serve next; see the top of the file. */
static struct qpu_fair_entity *qpu_fair_pick_entity(struct qpu_fair_node *n)
{
	struct qpu_fair_entity *i = qpu_fair_first(n, QPU_FAIR_INTERACTIVE);
	struct qpu_fair_entity *b = qpu_fair_first(n, QPU_FAIR_BATCH);

	if (i && (!b || i->vtime <= b->vtime + QPU_FAIR_SLACK_NS))
		return i;
	return b;
}

/**
 * qpu_fair_pick() - the ready lane whose first job should run next
 * @f: the device's fair scheduler
 *
 * Return: the lane (still ready: the caller starts its first job and
 * makes it unready), or NULL if no lane is ready.
 */
struct qpu_sched_lane *qpu_fair_pick(struct qpu_fair *f)
{
	struct qpu_fair_node *n = f->root;
	struct qpu_fair_entity *e;

	lockdep_assert_held(f->lock);
	while (n) {
		e = qpu_fair_pick_entity(n);
		if (WARN_ON_ONCE(!e))
			return NULL;
		if (e == &n->self)
			return list_first_entry(&n->ready, struct qpu_sched_lane,
						ready_node);
		n = container_of(e, struct qpu_fair_node, grp);
	}
	return NULL;
}

/* @cost of device time in @e's virtual time, for weight @weight. */
static u64 qpu_fair_vcost(u64 cost, u32 weight)
{
	return mul_u64_u32_div(cost, QPU_WEIGHT_DEFAULT, weight ?: 1);
}

/**
 * qpu_fair_charge() - work charged to @n starts: advance virtual times
 * @f: the device's fair scheduler
 * @n: the node the work is charged to
 * @cost: its predicted device time, nanoseconds
 *
 * Advances @n's self entity and the group entity of every ancestor (the
 * path a pick of this work takes), keeping the runnable trees sorted.
 * Called before the lane is made unready, and for synchronous runs, which
 * never queue but take device time all the same.
 */
void qpu_fair_charge(struct qpu_fair *f, struct qpu_fair_node *n, u64 cost)
{
	struct qpu_fair_entity *e = &n->self;
	u32 weight = QPU_WEIGHT_DEFAULT;

	lockdep_assert_held(f->lock);
	while (n) {
		bool queued = e->on_tree;

		if (queued)
			qpu_fair_erase(n, e);
		e->vtime += qpu_fair_vcost(cost, weight);
		if (queued)
			qpu_fair_insert(n, e, e->interactive);
		qpu_fair_update_clock(n);
		e = &n->grp;
		weight = READ_ONCE(n->weight);
		n = n->parent;
	}
}

/**
 * qpu_fair_running() - a job charged to @n starts (@delta 1) or ends (-1)
 * @f: the device's fair scheduler
 * @n: the node the job is charged to
 * @delta: 1 or -1
 *
 * A job's end is counted after its lane was made ready again, so that
 * the lane's node is not taken for idle in between.
 */
void qpu_fair_running(struct qpu_fair *f, struct qpu_fair_node *n, int delta)
{
	lockdep_assert_held(f->lock);
	n->nr_running += delta;
	for (; n; n = n->parent)
		n->nr_running_tree += delta;
}
