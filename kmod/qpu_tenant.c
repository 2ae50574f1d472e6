// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_tenant.c - tenants: what each cgroup v2 group may hold and spend on
 * one device, what it holds and has spent, and the charges that count
 * against it.
 *
 * A charge (an allocation's qubits, a job or synchronous run with its
 * predicted shots and device time) is made in the charging task's
 * default-hierarchy cgroup and walks up to the root: it fails if any level
 * would go over one of its limits (as kernel/cgroup/misc.c does), and
 * otherwise counts at every level, so usage is hierarchical. The charge
 * keeps a reference on the cgroup it was made in and stays there until it
 * is released, whatever the task does later.
 *
 * The device keeps one record (struct qpu_tenant) per cgroup that has
 * limits (it is "configured") or that something charged walks through,
 * in an rbtree by cgroup id. A record references its parent's, so a
 * charge that holds the record of its cgroup holds the whole chain. A
 * record goes when nothing references it: unconfigured ones when their
 * last charge is released; configured ones when their limits are deleted,
 * or once their cgroup has been removed and the last charge is gone (a
 * removed cgroup found configured and idle by an administrative call is
 * dropped too). Limits never pin a cgroup: records hold no cgroup
 * reference. The device keeps at most qpu_tenants.max records (sysfs
 * max_tenants, at most %QPU_MAX_TENANTS), each
 * allocated with __GFP_ACCOUNT in the memory cgroup of the task whose
 * call created it.
 *
 * Budgets (shots.max, qpu_time.max) are "N per period": the first charge
 * after a period ends starts the next one. They are taken at submission
 * with the cost the timing model predicts, so a job that was admitted is
 * never stopped by a budget; a job that never started gives its cost back
 * to the periods it was taken from, if they have not ended since.
 *
 * Locking: qpu_tenants.lock, a spinlock taken inside every other driver
 * lock (io_uring's non-blocking submission charges jobs with ctx->lock
 * held), protects the tree, every record and its counters. Records are
 * allocated before it is taken.
 */
#include <linux/cgroup.h>
#include <linux/ktime.h>
#include <linux/limits.h>
#include <linux/slab.h>

#include "qpu_debugfs.h"
#include "qpu_fair.h"
#include "qpu_tenant.h"

/**
 * struct qpu_budget - one "N per period" budget of a record
 * @limit: per period, or %QPU_UNLIMITED
 * @period_ns: period length; 0 for a lifetime budget
 * @start_ns: boot-time start of the current period; 0 before the first
 * @used: taken in the current period
 * @total: taken since the record was created, whatever the limit
 */
struct qpu_budget {
	u64 limit;
	u64 period_ns;
	u64 start_ns;
	u64 used;
	u64 total;
};

/**
 * struct qpu_tenant - a cgroup's state on one device
 * @node: in qpu_tenants.tree
 * @id: the cgroup's id
 * @level: the cgroup's depth below the root
 * @parent: the parent cgroup's record (referenced), NULL for the root
 * @ref: charges made in this cgroup, child records, and one while
 *	@configured
 * @configured: limits were set and not deleted
 * @tag: isolation tag of this cgroup's domain, unique on the device
 * @qubits_max: qubits.max
 * @qubits: qubits held here and below
 * @jobs_max: jobs.max
 * @jobs: jobs and runs queued or running here and below
 * @shots: shots.max budget
 * @qpu_time: qpu_time.max budget
 * @weight: fair-share weight
 * @latency: enum qpu_latency
 * @isolation: enum qpu_isolation
 * @events: charges refused by a limit of this level, by enum qpu_limit
 * @fair: the scheduler's view of it (qpu_fair.h; qpu_sched.lock), which
 *	reads @weight and @latency from its copies there
 */
struct qpu_tenant {
	struct rb_node node;
	u64 id;
	u32 level;
	struct qpu_tenant *parent;
	u32 ref;
	bool configured;
	u32 tag;
	u64 qubits_max;
	u64 qubits;
	u64 jobs_max;
	u64 jobs;
	struct qpu_budget shots;
	struct qpu_budget qpu_time;
	u32 weight;
	u8 latency;
	u8 isolation;
	u64 events[QPU_LIMIT_COUNT];
	struct qpu_fair_node fair;
};

void qpu_tenants_init(struct qpu_tenants *ts)
{
	spin_lock_init(&ts->lock);
	ts->tree = RB_ROOT;
	ts->nr = 0;
	ts->max = QPU_MAX_TENANTS;
	ts->next_tag = 0;
}

static void qpu_tenant_free(struct qpu_tenants *ts, struct qpu_tenant *t)
{
	rb_erase(&t->node, &ts->tree);
	ts->nr--;
	kfree(t);
	qpu_obj_dec(QPU_OBJ_TENANTS);
}

static struct qpu_tenant *qpu_tenant_lookup(struct qpu_tenants *ts, u64 id)
{
	struct rb_node *n = ts->tree.rb_node;

	lockdep_assert_held(&ts->lock);
	while (n) {
		struct qpu_tenant *t = rb_entry(n, struct qpu_tenant, node);

		if (id < t->id)
			n = n->rb_left;
		else if (id > t->id)
			n = n->rb_right;
		else
			return t;
	}
	return NULL;
}

static void qpu_tenant_insert(struct qpu_tenants *ts, struct qpu_tenant *t)
{
	struct rb_node **p = &ts->tree.rb_node, *parent = NULL;

	lockdep_assert_held(&ts->lock);
	while (*p) {
		struct qpu_tenant *o = rb_entry(*p, struct qpu_tenant, node);

		parent = *p;
		p = t->id < o->id ? &(*p)->rb_left : &(*p)->rb_right;
	}
	rb_link_node(&t->node, parent, p);
	rb_insert_color(&t->node, &ts->tree);
	ts->nr++;
}

/* Drop one reference on @t, freeing it and the ancestors left unused. */
static void qpu_tenant_put(struct qpu_tenants *ts, struct qpu_tenant *t)
{
	lockdep_assert_held(&ts->lock);
	while (t && --t->ref == 0) {
		struct qpu_tenant *parent = t->parent;

		qpu_tenant_free(ts, t);
		t = parent;
	}
}

/**
 * qpu_tenants_destroy() - drop a device's tenant state
 * @ts: the state of a device being freed: no charge is left (every file
 *	released its allocations and jobs before its last device reference)
 */
void qpu_tenants_destroy(struct qpu_tenants *ts)
{
	struct qpu_tenant *t, *tmp;

	/* Only limits hold records now; a count left is a charge never released. */
	spin_lock(&ts->lock);
	rbtree_postorder_for_each_entry_safe(t, tmp, &ts->tree, node) {
		WARN_ON_ONCE(t->qubits || t->jobs);
		kfree(t);
		qpu_obj_dec(QPU_OBJ_TENANTS);
	}
	ts->tree = RB_ROOT;
	ts->nr = 0;
	spin_unlock(&ts->lock);
}

/* The record with the smallest cgroup id above @id, or NULL. */
static struct qpu_tenant *qpu_tenant_after(struct qpu_tenants *ts, u64 id)
{
	struct rb_node *n = ts->tree.rb_node;
	struct qpu_tenant *t, *best = NULL;

	lockdep_assert_held(&ts->lock);
	while (n) {
		t = rb_entry(n, struct qpu_tenant, node);
		if (t->id > id) {
			best = t;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

/* Levels of @cgrp's chain, from @cgrp up, that have no record yet. */
static u32 qpu_tenant_missing(struct qpu_tenants *ts, struct cgroup *cgrp)
{
	u32 n = 0;

	lockdep_assert_held(&ts->lock);
	for (; cgrp; cgrp = cgroup_parent(cgrp), n++)
		if (qpu_tenant_lookup(ts, cgroup_id(cgrp)))
			break;
	return n;
}

static void qpu_tenant_init_record(struct qpu_tenant *t, struct cgroup *cgrp)
{
	memset(t, 0, sizeof(*t));
	t->id = cgroup_id(cgrp);
	t->level = cgrp->level;
	t->qubits_max = QPU_UNLIMITED;
	t->jobs_max = QPU_UNLIMITED;
	t->shots.limit = QPU_UNLIMITED;
	t->qpu_time.limit = QPU_UNLIMITED;
	t->weight = QPU_WEIGHT_DEFAULT;
	t->latency = QPU_LATENCY_BATCH;
	t->isolation = QPU_ISOLATION_SHARED;
	qpu_fair_node_init(&t->fair, NULL, t->weight, t->latency);
}

/*
 * The record of @cgrp with a new reference, creating it and those of its
 * ancestors that are missing from the records on @spare (a list linked
 * through ->parent, holding at least qpu_tenant_missing() of them; those
 * used are taken off it). The chain is stable: the caller holds a
 * reference on @cgrp, which pins its ancestors.
 */
static struct qpu_tenant *qpu_tenant_build(struct qpu_tenants *ts,
					   struct cgroup *cgrp,
					   struct qpu_tenant **spare)
{
	struct qpu_tenant *leaf = NULL, *child = NULL, *t;

	lockdep_assert_held(&ts->lock);
	for (; cgrp; cgrp = cgroup_parent(cgrp)) {
		bool found;

		t = qpu_tenant_lookup(ts, cgroup_id(cgrp));
		found = t;
		if (!found) {
			t = *spare;
			*spare = t->parent;
			qpu_tenant_init_record(t, cgrp);
			if (++ts->next_tag == 0)
				ts->next_tag = 1;
			t->tag = ts->next_tag;
			qpu_tenant_insert(ts, t);
			qpu_obj_inc(QPU_OBJ_TENANTS);
		}
		if (child) {
			child->parent = t;
			child->fair.parent = &t->fair;
			t->ref++;
		}
		if (!leaf)
			leaf = t;
		if (found)
			break;
		child = t;
	}
	leaf->ref++;
	return leaf;
}

static void qpu_tenant_free_spare(struct qpu_tenant *spare)
{
	while (spare) {
		struct qpu_tenant *next = spare->parent;

		kfree(spare);
		spare = next;
	}
}

static void qpu_refuse(struct qpu_refusal *r, u32 limit, u32 level,
		       u64 cgroup_id, u64 usage, u64 max, u64 request)
{
	r->limit = limit;
	r->level = level;
	r->cgroup_id = cgroup_id;
	r->usage = usage;
	r->max = max;
	r->request = request;
}

/*
 * Reference the record of @cgrp in *@leaf, creating it and those of its
 * ancestors that are missing. Called and returns with ts->lock held; drops
 * it meanwhile to allocate records (with @gfp, which decides whether this
 * sleeps). Return: 0; -EUSERS with @r filled when the table would
 * overflow; -ENOMEM, or -EAGAIN when @gfp may not sleep.
 */
static int qpu_tenant_chain_locked(struct qpu_tenants *ts, struct cgroup *cgrp,
				   gfp_t gfp, struct qpu_refusal *r,
				   struct qpu_tenant **leaf)
	__must_hold(&ts->lock)
{
	struct qpu_tenant *spare = NULL, *t;
	u32 have = 0, need;
	int ret = 0;

	lockdep_assert_held(&ts->lock);
	for (;;) {
		need = qpu_tenant_missing(ts, cgrp);
		if (need <= have)
			break;
		if (ts->nr + need > READ_ONCE(ts->max)) {
			qpu_refuse(r, QPU_LIMIT_TENANTS, cgrp->level,
				   cgroup_id(cgrp), ts->nr, READ_ONCE(ts->max),
				   need);
			ret = -EUSERS;
			goto out;
		}
		/* Records may come and go meanwhile: the loop checks again. */
		spin_unlock(&ts->lock);
		for (; have < need; have++) {
			t = kmalloc(sizeof(*t), gfp);
			if (!t)
				break;
			t->parent = spare;
			spare = t;
		}
		spin_lock(&ts->lock);
		if (have < need) {
			ret = gfpflags_allow_blocking(gfp) ? -ENOMEM : -EAGAIN;
			goto out;
		}
	}
	*leaf = qpu_tenant_build(ts, cgrp, &spare);
out:
	/* Unused spares go under the lock: kfree() does not sleep. */
	qpu_tenant_free_spare(spare);
	return ret;
}

/**
 * qpu_tenant_refuse_local() - describe a refusal by a per-file limit
 * @r: out
 * @limit: %QPU_LIMIT_CTX_QUBITS, %QPU_LIMIT_CTX_JOBS or %QPU_LIMIT_POLICY
 * @usage: what the file holds
 * @max: the limit
 * @request: what it asked for
 *
 * The cgroup reported is the caller's: a file limit has no level of its
 * own, and this tells a program which tenant it was charging.
 */
void qpu_tenant_refuse_local(struct qpu_refusal *r, u32 limit, u64 usage,
			     u64 max, u64 request)
{
	struct cgroup *cgrp;

	rcu_read_lock();
	cgrp = task_dfl_cgroup(current);
	qpu_refuse(r, limit, cgrp->level, cgroup_id(cgrp), usage, max, request);
	rcu_read_unlock();
}

/**
 * qpu_tenant_current_id() - the caller's tenant: the id of its
 *	default-hierarchy cgroup, which its charges go to
 */
u64 qpu_tenant_current_id(void)
{
	u64 id;

	rcu_read_lock();
	id = cgroup_id(task_dfl_cgroup(current));
	rcu_read_unlock();
	return id;
}

/**
 * qpu_tenant_charge_id() - the id of the cgroup @c is charged to, 0 when
 *	nothing is charged
 * @c: a charge
 */
u64 qpu_tenant_charge_id(const struct qpu_tenant_charge *c)
{
	return c->cgrp ? cgroup_id(c->cgrp) : 0;
}

/**
 * qpu_tenant_current_cgroup() - the caller's default-hierarchy cgroup,
 *	referenced (drop with qpu_tenant_cgroup_put())
 */
struct cgroup *qpu_tenant_current_cgroup(void)
{
	struct cgroup *cgrp;

	rcu_read_lock();
	do {
		cgrp = task_dfl_cgroup(current);
	} while (!cgroup_tryget(cgrp));
	rcu_read_unlock();
	qpu_obj_inc(QPU_OBJ_CGROUP_REFS);
	return cgrp;
}

/**
 * qpu_tenant_cgroup_put() - drop a reference qpu_tenant_current_cgroup() took
 * @cgrp: the cgroup
 */
void qpu_tenant_cgroup_put(struct cgroup *cgrp)
{
	cgroup_put(cgrp);
	qpu_obj_dec(QPU_OBJ_CGROUP_REFS);
}

/* Has @cgrp been rmdir'ed (it stays valid while referenced)? */
static bool qpu_cgroup_removed(struct cgroup *cgrp)
{
	/* The root is never removed. */
	return cgroup_parent(cgrp) && !(cgrp->self.flags & CSS_ONLINE);
}

/* Start the next period of @b if the current one has ended. */
static void qpu_budget_roll(struct qpu_budget *b, u64 now)
{
	if (b->period_ns && now - b->start_ns >= b->period_ns) {
		b->start_ns = now;
		b->used = 0;
	}
}

/* Would taking @cost go over @b's limit? */
static bool qpu_budget_over(const struct qpu_budget *b, u64 cost)
{
	return b->limit != QPU_UNLIMITED &&
	       (b->used > b->limit || cost > b->limit - b->used);
}

static void qpu_budget_take(struct qpu_budget *b, u64 cost)
{
	if (b->limit != QPU_UNLIMITED)
		b->used += cost;
	b->total += cost;
}

/* Give back @cost taken at @when, if its period is still the current one. */
static void qpu_budget_refund(struct qpu_budget *b, u64 cost, u64 when)
{
	if (b->limit != QPU_UNLIMITED && b->start_ns <= when)
		b->used -= min(b->used, cost);
	b->total -= min(b->total, cost);
}

/* The first limit of @t that the charge @c would go over, or 0. */
static int qpu_tenant_check(struct qpu_tenant *t,
			    const struct qpu_tenant_charge *c,
			    struct qpu_refusal *r)
{
	if (c->qubits && t->qubits + c->qubits > t->qubits_max) {
		qpu_refuse(r, QPU_LIMIT_QUBITS, t->level, t->id, t->qubits,
			   t->qubits_max, c->qubits);
		return -EDQUOT;
	}
	if (c->job && t->jobs + 1 > t->jobs_max) {
		qpu_refuse(r, QPU_LIMIT_JOBS, t->level, t->id, t->jobs,
			   t->jobs_max, 1);
		return -EBUSY;
	}
	if (c->job) {
		qpu_budget_roll(&t->shots, c->when_ns);
		qpu_budget_roll(&t->qpu_time, c->when_ns);
	}
	if (c->job && qpu_budget_over(&t->shots, c->shots)) {
		qpu_refuse(r, QPU_LIMIT_SHOTS, t->level, t->id, t->shots.used,
			   t->shots.limit, c->shots);
		return -EDQUOT;
	}
	if (c->job && qpu_budget_over(&t->qpu_time, c->qpu_ns)) {
		qpu_refuse(r, QPU_LIMIT_QPU_TIME, t->level, t->id,
			   t->qpu_time.used, t->qpu_time.limit, c->qpu_ns);
		return -EDQUOT;
	}
	return 0;
}

/*
 * Charge @c (its amounts set) to the caller's cgroup and its ancestors,
 * or refuse it with @r filled and the refusing level's event counted.
 */
static int qpu_tenant_charge(struct qpu_tenants *ts,
			     struct qpu_tenant_charge *c, gfp_t gfp,
			     struct qpu_refusal *r)
{
	struct cgroup *cgrp = qpu_tenant_current_cgroup();
	struct qpu_tenant *leaf = NULL, *t;
	int ret;

	c->when_ns = ktime_get_boottime_ns();
	spin_lock(&ts->lock);
	ret = qpu_tenant_chain_locked(ts, cgrp, gfp, r, &leaf);
	for (t = leaf; !ret && t; t = t->parent) {
		ret = qpu_tenant_check(t, c, r);
		if (ret) {
			t->events[r->limit]++;
			qpu_tenant_put(ts, leaf);
		}
	}
	if (ret) {
		spin_unlock(&ts->lock);
		qpu_tenant_cgroup_put(cgrp);
		return ret;
	}
	c->iso = QPU_ISOLATION_SHARED;
	c->iso_tag = 0;
	for (t = leaf; t; t = t->parent) {
		t->qubits += c->qubits;
		t->jobs += c->job;
		if (c->job) {
			qpu_budget_take(&t->shots, c->shots);
			qpu_budget_take(&t->qpu_time, c->qpu_ns);
		}
		/* The nearest level that asked for isolation decides. */
		if (!c->iso_tag && t->isolation != QPU_ISOLATION_SHARED) {
			c->iso = t->isolation;
			c->iso_tag = t->tag;
		}
	}
	spin_unlock(&ts->lock);
	c->t = leaf;
	c->cgrp = cgrp;
	return 0;
}

/**
 * qpu_tenant_charge_qubits() - charge an allocation's qubits
 * @ts: the device's tenants
 * @k: qubits
 * @c: out: the charge, with the isolation that applies to its placement
 * @r: out: with -EDQUOT or -EUSERS, what refused it
 *
 * Return: 0, -EDQUOT (a qubits.max), -EUSERS (tenant table full) or
 * -ENOMEM. May sleep.
 */
int qpu_tenant_charge_qubits(struct qpu_tenants *ts, u32 k,
			     struct qpu_tenant_charge *c,
			     struct qpu_refusal *r)
{
	memset(c, 0, sizeof(*c));
	c->qubits = k;
	return qpu_tenant_charge(ts, c, GFP_KERNEL_ACCOUNT, r);
}

/**
 * qpu_tenant_charge_job() - charge a job or synchronous run
 * @ts: the device's tenants
 * @shots: shots it will take (all its parameter vectors)
 * @qpu_ns: modelled device time the timing model predicts for it
 * @nowait: the caller may not sleep: -EAGAIN when memory is short
 * @c: out: the charge, with the isolation it runs under
 * @r: out: with -EBUSY, -EDQUOT or -EUSERS, what refused it
 *
 * Return: 0, -EBUSY (a jobs.max), -EDQUOT (a budget), -EUSERS, -ENOMEM
 * or (@nowait) -EAGAIN.
 */
int qpu_tenant_charge_job(struct qpu_tenants *ts, u64 shots, u64 qpu_ns,
			  bool nowait, struct qpu_tenant_charge *c,
			  struct qpu_refusal *r)
{
	gfp_t gfp = nowait ? GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT :
			     GFP_KERNEL_ACCOUNT;

	memset(c, 0, sizeof(*c));
	c->job = true;
	c->shots = shots;
	c->qpu_ns = qpu_ns;
	return qpu_tenant_charge(ts, c, gfp, r);
}

/* The scheduler reads weight and latency under its own lock. */
static void qpu_tenant_sync_fair(struct qpu_tenant *t)
{
	WRITE_ONCE(t->fair.weight, t->weight);
	WRITE_ONCE(t->fair.latency, t->latency);
}

static void qpu_budget_set(struct qpu_budget *b, u64 limit, u64 period_s,
			   u64 now)
{
	b->limit = limit;
	b->period_ns = period_s * NSEC_PER_SEC;
	b->start_ns = now;
	b->used = 0;
}

/*
 * Forget @t's limits: back to the defaults, and the reference the
 * configuration held is dropped (which frees @t if nothing else uses it).
 */
static void qpu_tenant_unconfigure(struct qpu_tenants *ts, struct qpu_tenant *t)
{
	lockdep_assert_held(&ts->lock);
	t->configured = false;
	t->qubits_max = QPU_UNLIMITED;
	t->jobs_max = QPU_UNLIMITED;
	qpu_budget_set(&t->shots, QPU_UNLIMITED, 0, 0);
	qpu_budget_set(&t->qpu_time, QPU_UNLIMITED, 0, 0);
	t->weight = QPU_WEIGHT_DEFAULT;
	t->latency = QPU_LATENCY_BATCH;
	t->isolation = QPU_ISOLATION_SHARED;
	qpu_tenant_sync_fair(t);
	qpu_tenant_put(ts, t);
}

/**
 * qpu_tenant_uncharge() - release a charge
 * @ts: the device's tenants
 * @c: a charge from qpu_tenant_charge_*(), or one never made (->t NULL);
 *	cleared here
 * @refund: the job never started: give its budgets back
 *
 * Does not sleep.
 */
void qpu_tenant_uncharge(struct qpu_tenants *ts, struct qpu_tenant_charge *c,
			 bool refund)
{
	struct qpu_tenant *t;
	struct cgroup *cg;

	if (!c->t)
		return;
	spin_lock(&ts->lock);
	for (t = c->t, cg = c->cgrp; t; t = t->parent, cg = cgroup_parent(cg)) {
		t->qubits -= c->qubits;
		t->jobs -= c->job;
		if (c->job && refund) {
			qpu_budget_refund(&t->shots, c->shots, c->when_ns);
			qpu_budget_refund(&t->qpu_time, c->qpu_ns, c->when_ns);
		}
		/*
		 * Limits of a removed cgroup are dropped with its charges (our
		 * reference on the leaf keeps every level referenced).
		 */
		if (t->configured && qpu_cgroup_removed(cg))
			qpu_tenant_unconfigure(ts, t);
	}
	qpu_tenant_put(ts, c->t);
	spin_unlock(&ts->lock);
	qpu_tenant_cgroup_put(c->cgrp);
	c->t = NULL;
	c->cgrp = NULL;
}

static void qpu_budget_info(const struct qpu_budget *b, u64 now,
			    struct qpu_budget_info *out)
{
	bool ended = b->period_ns && now - b->start_ns >= b->period_ns;

	out->limit = b->limit;
	out->period_s = div_u64(b->period_ns, NSEC_PER_SEC);
	out->used = ended ? 0 : b->used;
	out->total = b->total;
	if (b->limit == QPU_UNLIMITED)
		out->remaining = QPU_UNLIMITED;
	else
		out->remaining = b->limit - min(b->limit, out->used);
	out->reset_ns = b->period_ns && !ended ?
			b->start_ns + b->period_ns - now : 0;
}

static void qpu_tenant_fill(const struct qpu_tenant *t,
			    struct qpu_tenant_info *out)
{
	u64 now = ktime_get_boottime_ns();

	out->cgroup_id = t->id;
	out->level = t->level;
	out->configured = t->configured;
	out->qubits_max = t->qubits_max;
	out->qubits_current = t->qubits;
	out->jobs_max = t->jobs_max;
	out->jobs_current = t->jobs;
	qpu_budget_info(&t->shots, now, &out->shots);
	qpu_budget_info(&t->qpu_time, now, &out->qpu_time);
	out->weight = t->weight;
	out->latency = t->latency;
	out->isolation = t->isolation;
	memcpy(out->events, t->events, sizeof(out->events));
}

/**
 * qpu_tenant_get() - a cgroup's limits and usage on a device
 * @ts: the device's tenants
 * @cgrp: the cgroup (referenced by the caller)
 * @out: filled; a cgroup the device keeps no state for gets the defaults
 *
 * Return: 0.
 */
int qpu_tenant_get(struct qpu_tenants *ts, struct cgroup *cgrp,
		   struct qpu_tenant_info *out)
{
	struct qpu_tenant *t, dflt;

	memset(out, 0, sizeof(*out));
	spin_lock(&ts->lock);
	t = qpu_tenant_lookup(ts, cgroup_id(cgrp));
	if (!t) {
		/* A default record, not inserted. */
		qpu_tenant_init_record(&dflt, cgrp);
		t = &dflt;
	}
	qpu_tenant_fill(t, out);
	spin_unlock(&ts->lock);
	return 0;
}

/*
 * Forget the limits of removed cgroups that nothing is charged to any
 * more (their last charge went before the cgroup did). Administrative
 * calls do this, so dead limits never fill the table. May sleep.
 */
static void qpu_tenants_prune(struct qpu_tenants *ts)
{
	struct qpu_tenant *t;
	struct cgroup *cg;
	u64 cursor = 0, id;
	bool dead;

	for (;;) {
		id = 0;
		spin_lock(&ts->lock);
		for (t = qpu_tenant_after(ts, cursor); t; ) {
			struct rb_node *n = rb_next(&t->node);

			if (t->configured && t->ref == 1) {
				id = t->id;
				break;
			}
			t = n ? rb_entry(n, struct qpu_tenant, node) : NULL;
		}
		spin_unlock(&ts->lock);
		if (!id)
			return;
		cursor = id;
		cg = cgroup_get_from_id(id);
		dead = IS_ERR(cg) || qpu_cgroup_removed(cg);
		if (!IS_ERR(cg))
			cgroup_put(cg);
		if (!dead)
			continue;
		spin_lock(&ts->lock);
		t = qpu_tenant_lookup(ts, id);
		if (t && t->configured && t->ref == 1)
			qpu_tenant_unconfigure(ts, t);
		spin_unlock(&ts->lock);
	}
}

/**
 * qpu_tenant_get_next() - walk the tenants a device keeps state for
 * @ts: the device's tenants
 * @after_id: 0 to start, then the last cgroup id returned
 * @out: filled with the tenant of the smallest cgroup id above @after_id
 *
 * Return: 0, or -ENOENT when there is none.
 */
int qpu_tenant_get_next(struct qpu_tenants *ts, u64 after_id,
			struct qpu_tenant_info *out)
{
	struct qpu_tenant *best;

	if (!after_id)
		qpu_tenants_prune(ts);
	memset(out, 0, sizeof(*out));
	spin_lock(&ts->lock);
	best = qpu_tenant_after(ts, after_id);
	if (best)
		qpu_tenant_fill(best, out);
	spin_unlock(&ts->lock);
	return best ? 0 : -ENOENT;
}

/**
 * qpu_tenant_set() - set limits of a cgroup on a device
 * @ts: the device's tenants
 * @cgrp: the cgroup (referenced by the caller)
 * @cfg: what to set, validated (ranges as in uapi/linux/qpu.h)
 *
 * All of @cfg is applied, or nothing. Limits below the current usage are
 * allowed: they refuse new charges until usage drops. May sleep.
 * Return: 0, -EUSERS (tenant table full) or -ENOMEM.
 */
int qpu_tenant_set(struct qpu_tenants *ts, struct cgroup *cgrp,
		   const struct qpu_tenant_config *cfg)
{
	u64 now = ktime_get_boottime_ns();
	struct qpu_refusal r;
	struct qpu_tenant *t;
	int ret;

	qpu_tenants_prune(ts);
	spin_lock(&ts->lock);
	ret = qpu_tenant_chain_locked(ts, cgrp, GFP_KERNEL_ACCOUNT, &r, &t);
	if (ret) {
		spin_unlock(&ts->lock);
		return ret;
	}
	/* The configuration keeps the reference the chain was taken with. */
	if (t->configured)
		t->ref--;
	t->configured = true;
	if (cfg->set & QPU_TSET_QUBITS_MAX)
		t->qubits_max = cfg->qubits_max;
	if (cfg->set & QPU_TSET_JOBS_MAX)
		t->jobs_max = cfg->jobs_max;
	if (cfg->set & QPU_TSET_SHOTS)
		qpu_budget_set(&t->shots, cfg->shots_limit,
			       cfg->shots_period_s, now);
	if (cfg->set & QPU_TSET_QPU_TIME)
		qpu_budget_set(&t->qpu_time, cfg->qpu_time_limit,
			       cfg->qpu_time_period_s, now);
	if (cfg->set & QPU_TSET_WEIGHT)
		t->weight = cfg->weight;
	if (cfg->set & QPU_TSET_LATENCY)
		t->latency = cfg->latency;
	qpu_tenant_sync_fair(t);
	if (cfg->set & QPU_TSET_ISOLATION)
		t->isolation = cfg->isolation;
	spin_unlock(&ts->lock);
	return 0;
}

/**
 * qpu_tenant_del() - forget a cgroup's limits on a device
 * @ts: the device's tenants
 * @cgrp: the cgroup (referenced by the caller)
 *
 * Its limits return to the defaults; its usage stays accounted while
 * charges live, and budget history goes with the record.
 * Return: 0, or -ENOENT if no limits were set on it.
 */
int qpu_tenant_del(struct qpu_tenants *ts, struct cgroup *cgrp)
{
	struct qpu_tenant *t;
	int ret = -ENOENT;

	spin_lock(&ts->lock);
	t = qpu_tenant_lookup(ts, cgroup_id(cgrp));
	if (t && t->configured) {
		qpu_tenant_unconfigure(ts, t);
		ret = 0;
	}
	spin_unlock(&ts->lock);
	return ret;
}

/** qpu_tenant_count() - tenants a device keeps state for */
u32 qpu_tenant_count(struct qpu_tenants *ts)
{
	u32 nr;

	spin_lock(&ts->lock);
	nr = ts->nr;
	spin_unlock(&ts->lock);
	return nr;
}

/**
 * qpu_tenant_fair() - the fair scheduler's node of a charged record
 * @t: the record of a live charge (qpu_tenant_charge.t)
 */
struct qpu_fair_node *qpu_tenant_fair(struct qpu_tenant *t)
{
	return &t->fair;
}
