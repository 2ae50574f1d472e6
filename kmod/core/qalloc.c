// SPDX-License-Identifier: GPL-2.0
/*
 * qalloc.c - physical qubit allocator (portable core).
 *
 * Hands out connected regions of free qubits of one immutable topology.
 * Not thread-safe: the caller serialises every call on an allocator.
 *
 * Algorithm of qc_alloc_get(), for k qubits on a graph of V qubits and E
 * edges:
 *
 *  1. Label the connected components of the free subgraph by breadth-first
 *     search from each not yet reached free qubit, in ascending index order,
 *     so a component is found from its lowest qubit. Each search also
 *     counts the free degree of every qubit it pops and remembers the qubit
 *     of least free degree (ties: lowest index). O(V + E).
 *  2. Best fit: keep the smallest component with at least k qubits; ties go
 *     to the one found first (lowest first qubit). A component of exactly k
 *     qubits cannot be beaten, so the scan stops there.
 *  3. From that component's least-free-degree qubit (a leaf or a corner of
 *     the free space, so that what is left tends to stay connected),
 *     breadth-first collect exactly k free qubits. The search order is the
 *     virtual order: phys[0] is the seed. O(k + edges touched).
 *
 * On a fully connected coupling graph (E == V(V-1)/2: "full:N", also the
 * tiny line/ring/grid graphs that happen to be complete) any k free qubits
 * form a region, so the k lowest free qubits are taken: O(V).
 *
 * Isolation groups (qc_alloc_get_isolated()). Every allocated qubit keeps
 * its owner's group tag and guard flag. Before step 1 a request of group G
 * and guard g marks as blocked (with the labelling's stamp, so nothing has
 * to be cleared) every free neighbour of every allocated qubit n with
 * group(n) != G and (g or guarded(n)): one pass over the allocated qubits'
 * neighbour lists, O(V + E). Steps 1 to 3 then treat blocked qubits as
 * taken, so the free degree of step 1 counts usable neighbours only. When
 * the request is not guarded and no guarded qubit is allocated nothing
 * can be blocked and the pass is skipped: plain requests cost what they
 * did. On a complete graph every free qubit touches every allocated one,
 * so eligibility is the same for all of them and one O(V) scan decides it.
 * Only the number of allocated guarded qubits is kept, to skip the pass;
 * qc_alloc_isolation_ok() recomputes the invariant from the per-qubit
 * tags alone, O(V + E), so a test does not trust that count.
 *
 * qc_alloc_get_exact() takes the qubits it is given, under the same rule
 * seen from the other side: each wanted qubit's allocated neighbours must
 * be ones the request may touch (on a complete graph: every allocated
 * qubit, the O(V) scan above). The set need not be connected; its own
 * qubits touch each other freely, being one group. O(k + their degrees),
 * the neighbour scan skipped as above when nothing can be blocked.
 *
 * qc_alloc_put() is O(k). qc_alloc_region_edges() marks the region's
 * virtual indices in a per-qubit scratch array, walks each member's sorted
 * neighbour list collecting the neighbours of higher virtual index, sorts
 * that short list (heapsort) and emits it: O(sum of degrees + E_region log
 * deg). On a complete graph every pair is coupled and the pairs are emitted
 * directly, O(min(cap, k^2)).
 *
 * All scratch space is allocated by qc_alloc_create(); nothing else
 * allocates. No floating point, no recursion, small stack frames.
 */
#include "port.h"
#include "sort.h"
#include "qalloc.h"

/**
 * struct qc_alloc - allocator state
 * @t: topology allocated from
 * @n: qubits of @t
 * @nfree: qubits currently free
 * @stamp: generation of the current component labelling
 * @complete: @t couples every pair of qubits
 * @nguarded: allocated qubits whose owner asked for a guard
 * @owner: per qubit, owner tag or 0 when free
 * @group: per qubit, isolation group of its owner (0 when free or shared)
 * @seen: per qubit, @stamp when the current labelling reached it
 * @blocked: per qubit, @stamp when the current request may not use it
 * @queue: BFS queue of the labelling, @n entries
 * @vidx: per qubit, virtual index + 1 inside qc_alloc_region_edges(), else 0
 * @tmp: neighbour list being sorted, max degree entries
 * @guard: per qubit, 1 when its owner asked for a guard (0 when free)
 */
struct qc_alloc {
	const struct qc_topology *t;
	u32 n;
	u32 nfree;
	u32 stamp;
	bool complete;
	u32 nguarded;
	u32 *owner;
	u32 *group;
	u32 *seen;
	u32 *blocked;
	u32 *queue;
	u32 *vidx;
	u32 *tmp;
	u8 *guard;
};

struct qc_alloc *qc_alloc_create(const struct qc_topology *t)
{
	struct qc_alloc *a;
	u32 n, q, deg, maxdeg = 0;
	size_t words, bytes;

	if (!t || !t->num_qubits)
		return NULL;
	n = t->num_qubits;
	for (q = 0; q < n; q++) {
		deg = qc_topology_degree(t, q);
		if (deg > maxdeg)
			maxdeg = deg;
	}
	/*
	 * owner, group, seen, blocked, queue, vidx: n each; tmp: maxdeg (+1,
	 * never empty); then guard: n bytes.
	 */
	words = (size_t)n * 6 + maxdeg + 1;
	if (words > (((size_t)-1) - sizeof(*a) - n) / sizeof(u32))
		return NULL;
	bytes = sizeof(*a) + words * sizeof(u32) + n;
	a = qc_zalloc(bytes);
	if (!a)
		return NULL;
	a->t = t;
	a->n = n;
	a->nfree = n;
	a->complete = (u64)t->num_edges == (u64)n * (n - 1) / 2;
	a->owner = (u32 *)(a + 1);
	a->group = a->owner + n;
	a->seen = a->group + n;
	a->blocked = a->seen + n;
	a->queue = a->blocked + n;
	a->vidx = a->queue + n;
	a->tmp = a->vidx + n;
	a->guard = (u8 *)(a->tmp + maxdeg + 1);
	return a;
}

void qc_alloc_destroy(struct qc_alloc *a)
{
	qc_free(a);
}

/* Give free qubit @q to @owner of @group. */
static void qc_alloc_take(struct qc_alloc *a, u32 q, u32 owner, u32 group,
			  bool guard)
{
	a->owner[q] = owner;
	a->group[q] = group;
	a->guard[q] = guard;
	a->nguarded += guard;
}

/*
 * May a request of (@group, @guard) sit next to allocated qubit @n? Yes
 * when they share a group, or when neither side asked for a guard.
 */
static bool qc_alloc_may_touch(const struct qc_alloc *a, u32 n, u32 group,
			       bool guard)
{
	return a->group[n] == group || (!guard && !a->guard[n]);
}

/*
 * Complete graph: every free qubit touches every allocated one, so a
 * request of (@group, @guard) may use free qubits at all iff it may touch
 * every allocated qubit. O(V), skipped when nothing can be blocked.
 */
static bool qc_alloc_complete_usable(const struct qc_alloc *a, u32 group,
				     bool guard)
{
	u32 q;

	if (!guard && !a->nguarded)
		return true;
	for (q = 0; q < a->n; q++)
		if (a->owner[q] && !qc_alloc_may_touch(a, q, group, guard))
			return false;
	return true;
}

/*
 * Complete graph: the k lowest free qubits, if free qubits may be used at
 * all. Caller checked k <= nfree.
 */
static int qc_alloc_get_complete(struct qc_alloc *a, u32 k, u32 owner,
				 u32 group, bool guard, u32 *phys)
{
	u32 q, i = 0;

	if (!qc_alloc_complete_usable(a, group, guard))
		return -ENOSPC;
	for (q = 0; q < a->n && i < k; q++) {
		if (a->owner[q])
			continue;
		qc_alloc_take(a, q, owner, group, guard);
		phys[i++] = q;
	}
	return 0;
}

/* Start a new component labelling: fresh stamp, clearing on wrap-around. */
static u32 qc_alloc_new_stamp(struct qc_alloc *a)
{
	if (++a->stamp == 0) {
		memset(a->seen, 0, (size_t)a->n * sizeof(u32));
		memset(a->blocked, 0, (size_t)a->n * sizeof(u32));
		a->stamp = 1;
	}
	return a->stamp;
}

/* Free and not blocked for the current request (stamp @stamp). */
static bool qc_alloc_usable(const struct qc_alloc *a, u32 q, u32 stamp)
{
	return !a->owner[q] && a->blocked[q] != stamp;
}

/*
 * Mark with @stamp every free qubit a request of (@group, @guard) may not
 * use: the free neighbours of allocated qubits it may not touch. Returns
 * how many free qubits stay usable. O(V + E).
 */
static u32 qc_alloc_block(struct qc_alloc *a, u32 stamp, u32 group, bool guard)
{
	const struct qc_topology *t = a->t;
	u32 u, j, w, nblocked = 0;

	if (!guard && !a->nguarded)
		return a->nfree;
	for (u = 0; u < a->n; u++) {
		if (!a->owner[u] || qc_alloc_may_touch(a, u, group, guard))
			continue;
		for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
			w = t->adj[j];
			if (!a->owner[w] && a->blocked[w] != stamp) {
				a->blocked[w] = stamp;
				nblocked++;
			}
		}
	}
	return a->nfree - nblocked;
}

/*
 * Steps 1 and 2: find the best-fitting free component for @k qubits and
 * return its seed in *@seed. Returns false when no component is big enough.
 */
static bool qc_alloc_best_fit(struct qc_alloc *a, u32 k, u32 stamp, u32 *seed)
{
	const struct qc_topology *t = a->t;
	u32 best_size = 0, s, head, tail, u, w, j, fdeg, cseed, cdeg;

	for (s = 0; s < a->n; s++) {
		if (!qc_alloc_usable(a, s, stamp) || a->seen[s] == stamp)
			continue;
		a->seen[s] = stamp;
		a->queue[0] = s;
		head = 0;
		tail = 1;
		cseed = s;
		cdeg = (u32)-1;
		while (head < tail) {
			u = a->queue[head++];
			fdeg = 0;
			for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
				w = t->adj[j];
				if (!qc_alloc_usable(a, w, stamp))
					continue;
				fdeg++;
				if (a->seen[w] != stamp) {
					a->seen[w] = stamp;
					a->queue[tail++] = w;
				}
			}
			if (fdeg < cdeg || (fdeg == cdeg && u < cseed)) {
				cdeg = fdeg;
				cseed = u;
			}
		}
		if (tail >= k && (!best_size || tail < best_size)) {
			best_size = tail;
			*seed = cseed;
			if (tail == k)
				break;
		}
	}
	return best_size != 0;
}

int qc_alloc_get_isolated(struct qc_alloc *a, u32 k, u32 owner, u32 group,
			  bool guard, u32 *phys)
{
	const struct qc_topology *t = a->t;
	u32 stamp, seed, head, cnt, u, w, j;
	int ret;

	if (!k || !owner || (guard && !group))
		return -EINVAL;
	if (k > a->n)
		return -E2BIG;
	if (k > a->nfree)
		return -ENOSPC;

	if (a->complete) {
		ret = qc_alloc_get_complete(a, k, owner, group, guard, phys);
		if (!ret)
			a->nfree -= k;
		return ret;
	}
	stamp = qc_alloc_new_stamp(a);
	if (qc_alloc_block(a, stamp, group, guard) < k)
		return -ENOSPC;
	if (!qc_alloc_best_fit(a, k, stamp, &seed))
		return -ENOSPC;

	/*
	 * Step 3: BFS from the seed, using @phys as the queue. A qubit taken
	 * here is no longer free, so the usable test skips it too.
	 */
	qc_alloc_take(a, seed, owner, group, guard);
	phys[0] = seed;
	cnt = 1;
	for (head = 0; cnt < k; head++) {
		u = phys[head];
		for (j = t->adj_off[u]; j < t->adj_off[u + 1] && cnt < k; j++) {
			w = t->adj[j];
			if (!qc_alloc_usable(a, w, stamp))
				continue;
			qc_alloc_take(a, w, owner, group, guard);
			phys[cnt++] = w;
		}
	}
	a->nfree -= k;
	return 0;
}

/*
 * May a request of (@group, @guard) take free qubit @q of an incomplete
 * graph? Not when an allocated neighbour is one it may not touch: the
 * test qc_alloc_block() applies from the other side. O(degree).
 */
static bool qc_alloc_may_take(const struct qc_alloc *a, u32 q, u32 group,
			      bool guard)
{
	const struct qc_topology *t = a->t;
	u32 j, w;

	for (j = t->adj_off[q]; j < t->adj_off[q + 1]; j++) {
		w = t->adj[j];
		if (a->owner[w] && !qc_alloc_may_touch(a, w, group, guard))
			return false;
	}
	return true;
}

int qc_alloc_get_exact(struct qc_alloc *a, const u32 *phys, u32 k,
		       u32 owner, u32 group, bool guard)
{
	u32 stamp, i, q;

	if (!k || !owner || (guard && !group))
		return -EINVAL;
	if (k > a->n)
		return -E2BIG;
	/* range and duplicates first: a malformed request is never -EBUSY */
	stamp = qc_alloc_new_stamp(a);
	for (i = 0; i < k; i++) {
		q = phys[i];
		if (q >= a->n || a->seen[q] == stamp)
			return -EINVAL;
		a->seen[q] = stamp;
	}
	for (i = 0; i < k; i++)
		if (a->owner[phys[i]])
			return -EBUSY;
	if (a->complete) {
		if (!qc_alloc_complete_usable(a, group, guard))
			return -EBUSY;
	} else if (guard || a->nguarded) {
		for (i = 0; i < k; i++)
			if (!qc_alloc_may_take(a, phys[i], group, guard))
				return -EBUSY;
	}
	for (i = 0; i < k; i++)
		qc_alloc_take(a, phys[i], owner, group, guard);
	a->nfree -= k;
	return 0;
}

int qc_alloc_get(struct qc_alloc *a, u32 k, u32 owner, u32 *phys)
{
	return qc_alloc_get_isolated(a, k, owner, 0, false, phys);
}

void qc_alloc_put(struct qc_alloc *a, const u32 *phys, u32 k)
{
	u32 i, q;

	for (i = 0; i < k; i++) {
		q = phys[i];
		/* Ignore bogus or repeated entries: keep nfree consistent. */
		if (q >= a->n || !a->owner[q])
			continue;
		a->nguarded -= a->guard[q];
		a->owner[q] = 0;
		a->group[q] = 0;
		a->guard[q] = 0;
		a->nfree++;
	}
}

u32 qc_alloc_owner(const struct qc_alloc *a, u32 q)
{
	return q < a->n ? a->owner[q] : 0;
}

u32 qc_alloc_group(const struct qc_alloc *a, u32 q)
{
	return q < a->n ? a->group[q] : 0;
}

bool qc_alloc_guarded(const struct qc_alloc *a, u32 q)
{
	return q < a->n && a->guard[q];
}

bool qc_alloc_isolation_ok(const struct qc_alloc *a)
{
	const struct qc_topology *t = a->t;
	u32 u, j, w;

	if (a->complete) {
		/* a guarded qubit touches every other allocated qubit */
		u32 g = 0;
		bool have = false;

		for (u = 0; u < a->n; u++) {
			if (!a->owner[u] || !a->guard[u])
				continue;
			if (have && a->group[u] != g)
				return false;
			g = a->group[u];
			have = true;
		}
		if (!have)
			return true;
		for (u = 0; u < a->n; u++)
			if (a->owner[u] && a->group[u] != g)
				return false;
		return true;
	}
	for (u = 0; u < a->n; u++) {
		if (!a->owner[u] || !a->guard[u])
			continue;
		for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
			w = t->adj[j];
			if (a->owner[w] && a->group[w] != a->group[u])
				return false;
		}
	}
	return true;
}

u32 qc_alloc_free_count(const struct qc_alloc *a)
{
	return a->nfree;
}

/* Complete graph: every pair (va, vb), va < vb, in lexicographic order. */
static u32 qc_alloc_region_edges_complete(u32 k, u32 *edges, u32 cap)
{
	u64 count = (u64)k * (k - 1) / 2;
	u32 va, vb, i = 0;

	if (edges) {
		for (va = 0; va < k && i < cap; va++) {
			for (vb = va + 1; vb < k && i < cap; vb++) {
				edges[2 * i] = va;
				edges[2 * i + 1] = vb;
				i++;
			}
		}
	}
	return count > 0xffffffffULL ? 0xffffffffU : (u32)count;
}

u32 qc_alloc_region_edges(struct qc_alloc *a, const u32 *phys, u32 k,
			  u32 *edges, u32 cap)
{
	const struct qc_topology *t = a->t;
	u32 va, vb, j, p, len, i, count = 0;

	if (a->complete)
		return qc_alloc_region_edges_complete(k, edges, cap);

	for (va = 0; va < k; va++)
		if (phys[va] < a->n)
			a->vidx[phys[va]] = va + 1;

	for (va = 0; va < k; va++) {
		p = phys[va];
		if (p >= a->n)
			continue;
		len = 0;
		for (j = t->adj_off[p]; j < t->adj_off[p + 1]; j++) {
			vb = a->vidx[t->adj[j]];
			/* vb is virtual index + 1: keep those above va */
			if (vb > va + 1)
				a->tmp[len++] = vb - 1;
		}
		if (edges && count < cap) {
			qc_sort_u32(a->tmp, len);
			for (i = 0; i < len && count + i < cap; i++) {
				edges[2 * (count + i)] = va;
				edges[2 * (count + i) + 1] = a->tmp[i];
			}
		}
		count += len;
	}

	for (va = 0; va < k; va++)
		if (phys[va] < a->n)
			a->vidx[phys[va]] = 0;
	return count;
}
