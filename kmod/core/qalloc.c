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
 * qc_alloc_get_best() (fidelity-aware placement) is described above its
 * code, further down.
 *
 * All scratch space is allocated by qc_alloc_create(), except the
 * per-call block of a qc_alloc_get_best() hint (O(nhint + k)); nothing
 * else allocates. No floating point, no recursion, small stack frames.
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
 * @maxdeg: largest degree of @t
 * @gstamp: generation of @mark (qc_alloc_get_best())
 * @key: per qubit, growth key (frontier) or seed sort key
 * @mark: per qubit, @gstamp when the current region growth reached it
 * @front: growth frontier, @n entries
 * @cur: region being grown, @n entries
 * @best: best region so far, @n entries
 * @ecost: costs of a region's edges, num_edges + 1 entries
 * @adj_edge: incomplete graphs: edge index of each @t->adj entry (NULL on
 *	a complete graph, where it is computed)
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
	u32 maxdeg;
	u32 gstamp;
	u64 *key;
	u32 *mark;
	u32 *front;
	u32 *cur;
	u32 *best;
	u32 *ecost;
	u32 *adj_edge;
};

struct qc_alloc *qc_alloc_create(const struct qc_topology *t)
{
	struct qc_alloc *a;
	u32 n, q, j, deg, maxdeg = 0;
	size_t words, bytes;
	bool complete;

	if (!t || !t->num_qubits)
		return NULL;
	n = t->num_qubits;
	for (q = 0; q < n; q++) {
		deg = qc_topology_degree(t, q);
		if (deg > maxdeg)
			maxdeg = deg;
	}
	complete = (u64)t->num_edges == (u64)n * (n - 1) / 2;
	/*
	 * key: n u64 first (aligned: the struct ends on a pointer); then
	 * owner, group, seen, blocked, queue, vidx, mark, front, cur, best: n
	 * each; tmp: maxdeg (+1, never empty); ecost: num_edges + 1; adj_edge:
	 * 2 * num_edges unless complete; then guard: n bytes.
	 */
	words = (size_t)n * 12 + maxdeg + 1 + (size_t)t->num_edges + 1;
	if (!complete)
		words += 2 * (size_t)t->num_edges;
	if (words > (((size_t)-1) - sizeof(*a) - n) / sizeof(u32))
		return NULL;
	bytes = sizeof(*a) + words * sizeof(u32) + n;
	a = qc_zalloc(bytes);
	if (!a)
		return NULL;
	a->t = t;
	a->n = n;
	a->nfree = n;
	a->complete = complete;
	a->maxdeg = maxdeg;
	a->key = (u64 *)(a + 1);
	a->owner = (u32 *)(a->key + n);
	a->group = a->owner + n;
	a->seen = a->group + n;
	a->blocked = a->seen + n;
	a->queue = a->blocked + n;
	a->vidx = a->queue + n;
	a->mark = a->vidx + n;
	a->front = a->mark + n;
	a->cur = a->front + n;
	a->best = a->cur + n;
	a->tmp = a->best + n;
	a->ecost = a->tmp + maxdeg + 1;
	a->adj_edge = complete ? NULL : a->ecost + t->num_edges + 1;
	a->guard = (u8 *)(a->ecost + t->num_edges + 1 +
			  (complete ? 0 : 2 * (size_t)t->num_edges));
	if (!complete)
		for (q = 0; q < n; q++)
			for (j = t->adj_off[q]; j < t->adj_off[q + 1]; j++)
				a->adj_edge[j] = qc_topology_edge(t, q, t->adj[j]);
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

/*
 * qc_alloc_get_best(): fidelity-aware placement. See qalloc.h for the
 * contract; the steps, for k qubits, V qubits, S seeds, nhint pairs:
 *
 *  1. Usable qubits as for qc_alloc_get_isolated() (the blocked stamp).
 *  2. The hint's pairs, normalised (a < b), sorted and merged into P
 *     distinct pairs with weights (O(nhint log nhint)); their weights
 *     sorted descending, with prefix sums. No hint: P = k - 1 pairs of
 *     weight 1 (a chain), nothing allocated.
 *  3. Seeds: the usable qubits sorted by qubit cost plus their cheapest
 *     usable edge (ties: lower index), the first S of them, S = 2^20 /
 *     (k * min(V, k * (maxdeg + 1))) clamped to 1..QC_ALLOC_BEST_SEEDS.
 *  4. From each seed, Prim-like best-first growth to k qubits over usable
 *     qubits (frontier keys: qubit cost + cheapest edge into the region,
 *     ties to fewer hops from the seed, a ball, or with a chain-like hint
 *     or none to more hops, a path),
 *     O(k (F + deg)); abandoned as soon as its qubit costs alone cannot
 *     beat what is kept. Its bound (qalloc.h) sorts its edges' costs:
 *     O(E_r log E_r), E_r <= k deg (k^2 / 2 on a complete graph).
 *  5. With a hint, the QC_ALLOC_BEST_EMBED least bounds are kept (pass 1)
 *     and those regions regrown and embedded greedily, O(k^2 deg) each,
 *     in bound order until a bound exceeds the best embedding (pass 2);
 *     the best embedding is the answer. Without a hint the least bound
 *     wins and is numbered breadth-first from its cheapest qubit.
 *
 * Scratch: key, mark, front, cur, best, ecost of struct qc_alloc, plus
 * one per-call block for a hint. Scores are u64: costs are clamped to
 * QC_ALLOC_COST_MAX (2^24) and the weights of at most QC_ALLOC_HINT_MAX
 * (2^20) pairs sum to at most 2^20, so no sum can overflow.
 */
#define QC_ALLOC_BEST_SEEDS	128
#define QC_ALLOC_BEST_EMBED	8
#define QC_ALLOC_BEST_BUDGET	(1U << 20)
#define QC_ALLOC_IN_REGION	((u64)-1)
/* growth keys: cost << QC_ALLOC_DEPTH_BITS | hops from the seed */
#define QC_ALLOC_DEPTH_BITS	10
#define QC_ALLOC_DEPTH_MAX	((1U << QC_ALLOC_DEPTH_BITS) - 1)

/* The distinct pairs of a hint, as qc_alloc_get_best() uses them. */
struct qc_alloc_hint {
	u32 np;		/* distinct pairs */
	u32 *wdesc;	/* np weights, descending */
	u64 *wsum;	/* np + 1 prefix sums of wdesc */
	u32 *voff;	/* virtual CSR offsets, k + 1 */
	u32 *vadj;	/* 2 np partners */
	u32 *vw;	/* 2 np weights, beside vadj */
	u64 *busy;	/* k: total pair weight of each virtual qubit */
	u64 *attach;	/* k: pair weight to placed virtual qubits */
	u64 *pkey;	/* 2 k: sort keys */
	u64 *lb;	/* QC_ALLOC_BEST_EMBED (lower bound, seed slot) keys */
	u32 *vdeg;	/* k: distinct partners per virtual qubit, descending */
	u32 *wv;	/* k: weights of one virtual qubit's partners */
	void *mem;
};

static u32 qc_alloc_qcost(const struct qc_alloc_quality *q, u32 p)
{
	return q->qubit_cost[p] < QC_ALLOC_COST_MAX ? q->qubit_cost[p] :
						      QC_ALLOC_COST_MAX;
}

static u32 qc_alloc_ecost(const struct qc_alloc_quality *q, u32 e)
{
	return q->edge_cost[e] < QC_ALLOC_COST_MAX ? q->edge_cost[e] :
						     QC_ALLOC_COST_MAX;
}

/* Complete graph: index of edge (@x, @y), x != y (lexicographic pairs). */
static u32 qc_alloc_complete_edge(const struct qc_alloc *a, u32 x, u32 y)
{
	u32 z;

	if (x > y) {
		z = x;
		x = y;
		y = z;
	}
	return (u32)((u64)x * a->n - (u64)x * (x + 1) / 2 + (y - x - 1));
}

/* Edge index of @t->adj entry @j, a neighbour of @u. */
static u32 qc_alloc_adj_edge(const struct qc_alloc *a, u32 u, u32 j)
{
	if (a->adj_edge)
		return a->adj_edge[j];
	return qc_alloc_complete_edge(a, u, a->t->adj[j]);
}

/* Index of edge (@x, @y), or num_edges when they are not coupled. */
static u32 qc_alloc_edge_between(const struct qc_alloc *a, u32 x, u32 y)
{
	const struct qc_topology *t = a->t;
	u32 j;

	if (a->complete)
		return qc_alloc_complete_edge(a, x, y);
	for (j = t->adj_off[x]; j < t->adj_off[x + 1]; j++)
		if (t->adj[j] == y)
			return a->adj_edge[j];
	return t->num_edges;
}

static u32 qc_alloc_new_gstamp(struct qc_alloc *a)
{
	if (++a->gstamp == 0) {
		memset(a->mark, 0, (size_t)a->n * sizeof(u32));
		a->gstamp = 1;
	}
	return a->gstamp;
}

static void qc_alloc_hint_free(struct qc_alloc_hint *h)
{
	qc_free(h->mem);
}

/* Step 2: merge @nhint pairs (validated) into @h. */
static int qc_alloc_hint_build(struct qc_alloc_hint *h, u32 k,
			       const u32 *hint, u32 nhint)
{
	u64 *keys;
	u32 i, x, y, np, *deg;
	size_t bytes;
	u8 *m;

	memset(h, 0, sizeof(*h));
	if (!nhint)
		return 0;
	/* u64: keys[nhint], wsum[nhint + 1], busy, attach[k], pkey[2k]; u32 */
	bytes = ((size_t)2 * nhint + 1 + 4 * (size_t)k + QC_ALLOC_BEST_EMBED) *
		sizeof(u64) +
		((size_t)5 * nhint + 4 * (size_t)k + 1) * sizeof(u32);
	m = qc_zalloc(bytes);
	if (!m)
		return -ENOMEM;
	h->mem = m;
	keys = (u64 *)m;
	h->wsum = keys + nhint;
	h->busy = h->wsum + nhint + 1;
	h->attach = h->busy + k;
	h->pkey = h->attach + k;
	h->lb = h->pkey + 2 * (size_t)k;
	h->wdesc = (u32 *)(h->lb + QC_ALLOC_BEST_EMBED);
	h->vadj = h->wdesc + nhint;
	h->vw = h->vadj + 2 * (size_t)nhint;
	h->voff = h->vw + 2 * (size_t)nhint;
	h->wv = h->voff + k + 1;
	h->vdeg = h->wv + k;

	for (i = 0; i < nhint; i++) {
		x = hint[2 * i];
		y = hint[2 * i + 1];
		keys[i] = x < y ? (u64)x * k + y : (u64)y * k + x;
	}
	qc_sort_u64(keys, nhint);
	/* merge runs in place: keys[np] distinct, wdesc[np] their counts */
	np = 0;
	for (i = 0; i < nhint; i++) {
		if (np && keys[np - 1] == keys[i]) {
			h->wdesc[np - 1]++;
			continue;
		}
		keys[np] = keys[i];
		h->wdesc[np++] = 1;
	}
	h->np = np;
	/* virtual CSR: count, offsets, fill (voff[x + 1] as a cursor) */
	deg = h->voff + 1;
	for (i = 0; i < np; i++) {
		deg[keys[i] / k]++;
		deg[keys[i] % k]++;
	}
	for (x = 0; x < k; x++)
		h->voff[x + 1] += h->voff[x];
	for (x = k; x > 0; x--)
		h->voff[x] = h->voff[x - 1];
	for (i = 0; i < np; i++) {
		x = (u32)(keys[i] / k);
		y = (u32)(keys[i] % k);
		h->vadj[h->voff[x + 1]] = y;
		h->vw[h->voff[x + 1]++] = h->wdesc[i];
		h->vadj[h->voff[y + 1]] = x;
		h->vw[h->voff[y + 1]++] = h->wdesc[i];
		h->busy[x] += h->wdesc[i];
		h->busy[y] += h->wdesc[i];
	}
	/* weights descending, with prefix sums */
	qc_sort_u32(h->wdesc, np);
	for (i = 0; i < np / 2; i++) {
		x = h->wdesc[i];
		h->wdesc[i] = h->wdesc[np - 1 - i];
		h->wdesc[np - 1 - i] = x;
	}
	for (i = 0; i < np; i++)
		h->wsum[i + 1] = h->wsum[i] + h->wdesc[i];
	for (x = 0; x < k; x++)
		h->vdeg[x] = h->voff[x + 1] - h->voff[x];
	qc_sort_u32(h->vdeg, k);
	for (i = 0; i < k / 2; i++) {
		x = h->vdeg[i];
		h->vdeg[i] = h->vdeg[k - 1 - i];
		h->vdeg[k - 1 - i] = x;
	}
	return 0;
}

/* Is @p in the region whose growth stamp is @gs? */
static bool qc_alloc_in_region(const struct qc_alloc *a, u32 p, u32 gs)
{
	return a->mark[p] == gs && a->key[p] == QC_ALLOC_IN_REGION;
}

/*
 * Step 4, scoring: the region reg[0..k) was just grown with stamp @gs;
 * @qsum is its qubit costs. Returns its score.
 */
static u64 qc_alloc_score(struct qc_alloc *a, const u32 *reg, u32 k, u32 gs,
			  u64 qsum, const struct qc_alloc_quality *q,
			  const struct qc_alloc_hint *h, u64 *maxcp)
{
	const struct qc_topology *t = a->t;
	u32 i, j, u, m = 0, np = h->np ? h->np : k - 1, n, *rdeg = a->front;
	u64 s = qsum, maxc, excess = 0;

	for (i = 0; i < k; i++) {
		u = reg[i];
		if (a->complete) {
			for (j = i + 1; j < k; j++)
				a->ecost[m++] = qc_alloc_ecost(q,
					qc_alloc_complete_edge(a, u, reg[j]));
			continue;
		}
		for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++)
			if (t->adj[j] > u && qc_alloc_in_region(a, t->adj[j], gs))
				a->ecost[m++] = qc_alloc_ecost(q, a->adj_edge[j]);
	}
	qc_sort_u32(a->ecost, m);
	maxc = m ? a->ecost[m - 1] : 0;
	*maxcp = maxc;
	/*
	 * Pairs the region cannot host: more than its edges, and at least
	 * half the partners the busiest virtual qubits have beyond the
	 * region degrees of the qubits (busiest first) they could sit on.
	 */
	n = np < m ? np : m;
	if (h->np && !a->complete) {
		for (i = 0; i < k; i++) {
			rdeg[i] = 0;
			for (j = t->adj_off[reg[i]]; j < t->adj_off[reg[i] + 1]; j++)
				rdeg[i] += qc_alloc_in_region(a, t->adj[j], gs);
		}
		qc_sort_u32(rdeg, k);	/* ascending: rdeg[k - 1 - i] desc */
		for (i = 0; i < k; i++)
			if (h->vdeg[i] > rdeg[k - 1 - i])
				excess += h->vdeg[i] - rdeg[k - 1 - i];
		excess = (excess + 1) / 2;
		if (np - n < excess)
			n = np - (u32)excess;
	}
	for (i = 0; i < n; i++)
		s += (u64)(h->np ? h->wdesc[i] : 1) * a->ecost[i];
	if (np > n)
		s += (h->np ? h->wsum[np] - h->wsum[n] : np - n) * 3 * maxc;
	return s;
}

/*
 * Step 4, growth: grow from @seed into a->cur. Equal keys go to fewer hops
 * from the seed (a ball, for hints with a qubit of three or more
 * partners), or with @deep to more hops (a path, for chain-like hints and
 * no hint). False when the usable component is smaller than @k or the
 * qubit costs exceed @limit.
 */
static bool qc_alloc_grow(struct qc_alloc *a, u32 seed, u32 k, u32 stamp,
			  const struct qc_alloc_quality *q, bool deep, u64 limit,
			  u32 *gsp, u64 *qsum)
{
	const struct qc_topology *t = a->t;
	u32 gs = qc_alloc_new_gstamp(a), nf = 0, cnt = 1, u, w, j, i, bi;
	u64 sum = qc_alloc_qcost(q, seed), c, udepth = 0;

	*gsp = gs;
	a->mark[seed] = gs;
	a->key[seed] = QC_ALLOC_IN_REGION;
	a->cur[0] = seed;
	u = seed;
	while (sum <= limit) {
		if (cnt == k) {
			*qsum = sum;
			return true;
		}
		for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
			w = t->adj[j];
			if (!qc_alloc_usable(a, w, stamp))
				continue;
			c = (u64)qc_alloc_qcost(q, w) +
			    qc_alloc_ecost(q, qc_alloc_adj_edge(a, u, j));
			c = c << QC_ALLOC_DEPTH_BITS |
			    (deep ? QC_ALLOC_DEPTH_MAX - (udepth + 1) : udepth + 1);
			if (a->mark[w] != gs) {
				a->mark[w] = gs;
				a->key[w] = c;
				a->front[nf++] = w;
			} else if (a->key[w] != QC_ALLOC_IN_REGION &&
				   c < a->key[w]) {
				a->key[w] = c;
			}
		}
		if (!nf)
			return false;
		bi = 0;
		for (i = 1; i < nf; i++) {
			w = a->front[i];
			if (a->key[w] < a->key[a->front[bi]] ||
			    (a->key[w] == a->key[a->front[bi]] && w < a->front[bi]))
				bi = i;
		}
		u = a->front[bi];
		a->front[bi] = a->front[--nf];
		udepth = a->key[u] & QC_ALLOC_DEPTH_MAX;
		if (deep)
			udepth = QC_ALLOC_DEPTH_MAX - udepth;
		if (udepth >= QC_ALLOC_DEPTH_MAX - 1)
			udepth = QC_ALLOC_DEPTH_MAX - 2;	/* deeper: alike */
		a->key[u] = QC_ALLOC_IN_REGION;
		a->cur[cnt++] = u;
		sum += qc_alloc_qcost(q, u);
	}
	return false;
}

/*
 * Step 3: the seeds, into a->queue; returns how many. k > 1 needs a
 * usable neighbour; k == 1 seeds on every usable qubit.
 */
static u32 qc_alloc_seeds(struct qc_alloc *a, u32 k, u32 stamp,
			  const struct qc_alloc_quality *q)
{
	const struct qc_topology *t = a->t;
	u32 p, j, ns = 0, cap, f;
	u64 key, best, c;

	for (p = 0; p < a->n; p++) {
		if (!qc_alloc_usable(a, p, stamp))
			continue;
		best = (u64)-1;
		if (k > 1 && !a->complete) {
			for (j = t->adj_off[p]; j < t->adj_off[p + 1]; j++) {
				if (!qc_alloc_usable(a, t->adj[j], stamp))
					continue;
				c = qc_alloc_ecost(q, a->adj_edge[j]);
				if (c < best)
					best = c;
			}
			if (best == (u64)-1)
				continue;
		} else {
			best = 0;
		}
		key = qc_alloc_qcost(q, p) + best;
		a->key[ns++] = key << 32 | p;
	}
	qc_sort_u64(a->key, ns);
	f = k * (a->maxdeg + 1);
	if (f > a->n || f / (a->maxdeg + 1) != k)
		f = a->n;
	cap = QC_ALLOC_BEST_BUDGET / k / f;
	if (cap < 1)
		cap = 1;
	if (cap > QC_ALLOC_BEST_SEEDS)
		cap = QC_ALLOC_BEST_SEEDS;
	if (ns > cap)
		ns = cap;
	for (j = 0; j < ns; j++)
		a->queue[j] = (u32)a->key[j];
	return ns;
}

/* Mark the region a->best[0..k) with a fresh stamp; returns it. */
static u32 qc_alloc_mark_best(struct qc_alloc *a, u32 k)
{
	u32 gs = qc_alloc_new_gstamp(a), i;

	for (i = 0; i < k; i++)
		a->mark[a->best[i]] = gs;
	return gs;
}

/* Step 5 without a hint: BFS of the region from its cheapest qubit. */
static void qc_alloc_order_bfs(struct qc_alloc *a, u32 k,
			       const struct qc_alloc_quality *q, u32 *phys)
{
	const struct qc_topology *t = a->t;
	u32 gs = qc_alloc_mark_best(a, k), i, s = a->best[0], c, cs, head;
	u32 cnt = 1, u, j, w;

	for (i = 1; i < k; i++) {
		c = qc_alloc_qcost(q, a->best[i]);
		cs = qc_alloc_qcost(q, s);
		if (c < cs || (c == cs && a->best[i] < s))
			s = a->best[i];
	}
	/* vidx != 0: visited (cleared below) */
	phys[0] = s;
	a->vidx[s] = 1;
	for (head = 0; head < cnt; head++) {
		u = phys[head];
		for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
			w = t->adj[j];
			if (a->mark[w] != gs || a->vidx[w])
				continue;
			a->vidx[w] = 1;
			phys[cnt++] = w;
		}
	}
	for (i = 0; i < k; i++)
		a->vidx[phys[i]] = 0;
}

/*
 * Step 5 with a hint on a complete graph: every pair is coupled, so the
 * busiest virtual qubits go to the cheapest qubits.
 */
static void qc_alloc_order_complete(const u32 *reg, u32 k,
				    const struct qc_alloc_quality *q,
				    const struct qc_alloc_hint *h, u32 *phys)
{
	u64 b, *vkey = h->pkey, *pkey = h->pkey + k;
	u32 i;

	for (i = 0; i < k; i++) {
		b = h->busy[i] < 0xffffffffULL ? h->busy[i] : 0xffffffffULL;
		vkey[i] = (0xffffffffULL - b) << 32 | i;
		pkey[i] = (u64)qc_alloc_qcost(q, reg[i]) << 32 | reg[i];
	}
	qc_sort_u64(vkey, k);
	qc_sort_u64(pkey, k);
	for (i = 0; i < k; i++)
		phys[(u32)vkey[i]] = (u32)pkey[i];
}

/*
 * Placement order below equal hosted weight: least cost then most free
 * region neighbours, or (@room_first) the other way round. Candidates come
 * in ascending index order, so a full tie keeps the lower index.
 */
static bool qc_alloc_place_better(bool room_first, u64 cost, u32 nfree,
				  u64 bcost, u32 bfree)
{
	if (room_first && nfree != bfree)
		return nfree > bfree;
	if (cost != bcost)
		return cost < bcost;
	return nfree > bfree;
}

/*
 * Step 5 with a hint, one placement: the free region qubit for a virtual
 * qubit whose placed region neighbours host the most of its pair weight
 * (h->wv), then as qc_alloc_place_better() says. A virtual qubit with no
 * placed partner (@room_first) goes where most free neighbours are: room
 * for the partners still to come.
 */
static u32 qc_alloc_place_one(struct qc_alloc *a, const u32 *reg, u32 k,
			      u32 gs, const struct qc_alloc_quality *q,
			      const struct qc_alloc_hint *h, bool room_first)
{
	const struct qc_topology *t = a->t;
	u64 hosted, cost, bh = 0, bc = 0;
	u32 i, j, p, w, nfree, bp = a->n, bfree = 0;

	for (i = 0; i < k; i++) {
		p = reg[i];
		if (a->vidx[p])
			continue;
		hosted = 0;
		cost = qc_alloc_qcost(q, p);
		nfree = 0;
		for (j = t->adj_off[p]; j < t->adj_off[p + 1]; j++) {
			w = t->adj[j];
			if (!qc_alloc_in_region(a, w, gs))
				continue;
			if (!a->vidx[w]) {
				nfree++;
			} else if (h->wv[a->vidx[w] - 1]) {
				hosted += h->wv[a->vidx[w] - 1];
				cost += (u64)h->wv[a->vidx[w] - 1] *
					qc_alloc_ecost(q, qc_alloc_adj_edge(a, p, j));
			}
		}
		if (bp == a->n || hosted > bh ||
		    (hosted == bh && qc_alloc_place_better(room_first, cost, nfree,
							   bc, bfree))) {
			bp = p;
			bh = hosted;
			bc = cost;
			bfree = nfree;
		}
	}
	return bp;
}

/*
 * Step 4 with a hint: the greedy embedding of the region reg[0..k) just
 * grown with stamp @gs into @phys. a->vidx holds virtual index + 1 of
 * placed region qubits (cleared at the end).
 */
static void qc_alloc_order_hint(struct qc_alloc *a, const u32 *reg, u32 k,
				u32 gs, const struct qc_alloc_quality *q,
				const struct qc_alloc_hint *h, u32 *phys)
{
	u32 v, bv, i, j, p, n;

	if (a->complete) {
		qc_alloc_order_complete(reg, k, q, h, phys);
		return;
	}
	for (v = 0; v < k; v++) {
		phys[v] = a->n;		/* unplaced */
		h->attach[v] = 0;
	}
	for (n = 0; n < k; n++) {
		/* the unplaced virtual qubit most bound to the placed ones */
		bv = k;
		for (v = 0; v < k; v++) {
			if (phys[v] != a->n)
				continue;
			if (bv == k || h->attach[v] > h->attach[bv] ||
			    (h->attach[v] == h->attach[bv] &&
			     h->busy[v] > h->busy[bv]))
				bv = v;
		}
		for (j = h->voff[bv]; j < h->voff[bv + 1]; j++)
			h->wv[h->vadj[j]] = h->vw[j];
		p = qc_alloc_place_one(a, reg, k, gs, q, h, !h->attach[bv]);
		for (j = h->voff[bv]; j < h->voff[bv + 1]; j++) {
			h->wv[h->vadj[j]] = 0;
			h->attach[h->vadj[j]] += h->vw[j];
		}
		phys[bv] = p;
		a->vidx[p] = bv + 1;
	}
	for (i = 0; i < k; i++)
		a->vidx[reg[i]] = 0;
}

/*
 * The score of embedding @phys: qubit costs @qsum, each distinct pair's
 * weight times its edge's cost, or three times the region's costliest
 * edge @maxc when the pair's qubits are not coupled.
 */
static u64 qc_alloc_embed_score(const struct qc_alloc *a, const u32 *phys,
				u32 k, u64 qsum, u64 maxc,
				const struct qc_alloc_quality *q,
				const struct qc_alloc_hint *h)
{
	u64 s = qsum;
	u32 v, j, e;

	for (v = 0; v < k; v++) {
		for (j = h->voff[v]; j < h->voff[v + 1]; j++) {
			if (h->vadj[j] < v)
				continue;
			e = qc_alloc_edge_between(a, phys[v], phys[h->vadj[j]]);
			s += (u64)h->vw[j] *
			     (e < a->t->num_edges ? qc_alloc_ecost(q, e) : 3 * maxc);
		}
	}
	return s;
}

/*
 * Steps 3 and 4: the best region into a->best: with a hint, in its
 * embedding's virtual order; without, as grown. False if none.
 *
 * Without a hint the score is the lower bound of qc_alloc_score() and
 * growth stops once the qubit costs alone lose. With a hint, pass 1
 * grows every seed's region and takes its lower bound; pass 2 embeds the
 * regions in increasing bound order (regrowing them: growth is
 * deterministic), at most QC_ALLOC_BEST_EMBED of them (an embedding costs
 * O(k^2 deg), ten growths), and stops at the first bound above the best
 * embedding found (branch and bound).
 */
static bool qc_alloc_best_region(struct qc_alloc *a, u32 k, u32 stamp,
				 const struct qc_alloc_quality *q,
				 const struct qc_alloc_hint *h)
{
	u32 ns = qc_alloc_seeds(a, k, stamp, q), i, j, seed, gs, bseed = 0;
	u32 nlb = 0;
	u64 best = (u64)-1, limit, qsum, sc, maxc, lb;
	bool found = false, deep = !h->np || h->vdeg[0] <= 2;

	if (h->np) {
		/*
		 * h->lb keeps the QC_ALLOC_BEST_EMBED least (bound, slot) keys,
		 * ascending (insertion); once full, a region whose qubit costs
		 * exceed the last bound is not finished.
		 */
		for (i = 0; i < ns; i++) {
			limit = nlb < QC_ALLOC_BEST_EMBED ? (u64)-1 :
				h->lb[nlb - 1] >> 8;
			if (!qc_alloc_grow(a, a->queue[i], k, stamp, q, deep,
					   limit, &gs, &qsum))
				continue;
			lb = qc_alloc_score(a, a->cur, k, gs, qsum, q, h, &maxc);
			if (lb > (1ULL << 55))
				lb = 1ULL << 55;
			lb = lb << 8 | i;	/* i < 128 */
			if (nlb == QC_ALLOC_BEST_EMBED) {
				if (lb > h->lb[nlb - 1])
					continue;
				nlb--;
			}
			for (j = nlb++; j > 0 && h->lb[j - 1] > lb; j--)
				h->lb[j] = h->lb[j - 1];
			h->lb[j] = lb;
		}
		ns = nlb;
	}
	for (i = 0; i < ns; i++) {
		seed = a->queue[h->np ? (u32)(h->lb[i] & 0xff) : i];
		/* a tie only wins for a lower seed index */
		limit = best;
		if (found && seed > bseed) {
			if (!best)
				continue;
			limit = best - 1;
		}
		if (h->np && (h->lb[i] >> 8) > best)
			break;
		if (!qc_alloc_grow(a, seed, k, stamp, q, deep, limit, &gs, &qsum))
			continue;
		sc = qc_alloc_score(a, a->cur, k, gs, qsum, q, h, &maxc);
		if (sc > limit)
			continue;
		if (h->np) {
			/* a->front is free once the growth is over */
			qc_alloc_order_hint(a, a->cur, k, gs, q, h, a->front);
			sc = qc_alloc_embed_score(a, a->front, k, qsum, maxc, q, h);
			if (sc > limit)
				continue;
		}
		best = sc;
		bseed = seed;
		found = true;
		memcpy(a->best, h->np ? a->front : a->cur, (size_t)k * sizeof(u32));
	}
	return found;
}

int qc_alloc_get_best(struct qc_alloc *a, u32 k, u32 owner, u32 group,
		      bool guard, const struct qc_alloc_quality *q,
		      const u32 *hint, u32 nhint, u32 *phys)
{
	struct qc_alloc_hint h;
	u32 stamp, i;
	int ret;

	if (!k || !owner || (guard && !group) || !q || !q->qubit_cost ||
	    !q->edge_cost || (nhint && !hint))
		return -EINVAL;
	if (k > a->n || nhint > QC_ALLOC_HINT_MAX)
		return -E2BIG;
	for (i = 0; i < nhint; i++)
		if (hint[2 * i] >= k || hint[2 * i + 1] >= k ||
		    hint[2 * i] == hint[2 * i + 1])
			return -EINVAL;
	if (k > a->nfree)
		return -ENOSPC;
	stamp = qc_alloc_new_stamp(a);
	if (a->complete) {
		if (!qc_alloc_complete_usable(a, group, guard))
			return -ENOSPC;
	} else if (qc_alloc_block(a, stamp, group, guard) < k) {
		return -ENOSPC;
	}
	ret = qc_alloc_hint_build(&h, k, hint, nhint);
	if (ret)
		return ret;
	if (!qc_alloc_best_region(a, k, stamp, q, &h)) {
		qc_alloc_hint_free(&h);
		return -ENOSPC;
	}
	if (h.np)
		memcpy(phys, a->best, (size_t)k * sizeof(u32));
	else
		qc_alloc_order_bfs(a, k, q, phys);
	qc_alloc_hint_free(&h);
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
