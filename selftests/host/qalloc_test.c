// SPDX-License-Identifier: GPL-2.0
/*
 * qalloc_test.c - host unit tests of kmod/core/qalloc.c.
 *
 * Every allocation is checked against an independent model kept by the
 * test: regions are connected (BFS over the topology restricted to the
 * region), listed in breadth-first virtual order, disjoint from all live
 * allocations, tagged with their owner; the free count adds up; -ENOSPC is
 * returned exactly when no free connected component is big enough, and the
 * region comes from the best-fitting component; qc_alloc_region_edges()
 * matches a brute-force O(k^2) scan. A fixed-seed random stress runs that
 * on heavyhex:1121, grid:32x32 and full:1024 among others.
 *
 * Isolation groups (qc_alloc_get_isolated()): the model also keeps every
 * qubit's group and guard flag and decides on its own which free qubits a
 * request may use, so the same component/seed/ENOSPC oracle covers
 * isolated requests; after every step a brute-force scan of all coupling
 * edges and qc_alloc_isolation_ok() must agree that no edge joins a
 * guarded group to anyone else.
 */
#include <stdint.h>
#include <string.h>

#include <linux/qpu.h>

#include "qpu_test.h"
#include "qalloc.h"
#include "topology.h"

static struct qc_topology *mk(const char *spec)
{
	struct qc_topology *t = NULL;
	int ret = qc_topology_create(spec, QPU_MAX_QUBITS, QPU_MAX_EDGES, &t);

	if (ret || !t)
		QT_FAIL("qc_topology_create(\"%s\") = %d", spec, ret);
	return t;
}

static struct qc_alloc *mka(const struct qc_topology *t)
{
	struct qc_alloc *a = qc_alloc_create(t);

	QT_ASSERT(a != NULL);
	QT_ASSERT_EQ(qc_alloc_free_count(a), t->num_qubits);
	return a;
}

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	QT_ASSERT(p != NULL);
	return p;
}

static int is_complete(const struct qc_topology *t)
{
	return (uint64_t)t->num_edges ==
	       (uint64_t)t->num_qubits * (t->num_qubits - 1) / 2;
}

/* xorshift64*: fixed seeds make every run identical. */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ULL;
}

static uint32_t rng(uint32_t bound)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % bound;
}

/*
 * The region @phys[0..k) must be k distinct qubits owned by @owner,
 * connected, and in breadth-first order from phys[0]: the distance from
 * phys[0] inside the region never decreases along the virtual order.
 */
static void check_region(const struct qc_topology *t, const struct qc_alloc *a,
			 const uint32_t *phys, uint32_t k, uint32_t owner)
{
	uint32_t n = t->num_qubits, v, j, head = 0, tail = 0;
	int32_t *vidx = zalloc(n, sizeof(*vidx));
	uint32_t *dist = zalloc(k, sizeof(*dist));
	uint32_t *queue = zalloc(k, sizeof(*queue));
	char *seen = zalloc(k, 1);

	for (v = 0; v < n; v++)
		vidx[v] = -1;
	for (v = 0; v < k; v++) {
		QT_ASSERT_LT(phys[v], n);
		if (vidx[phys[v]] >= 0)
			QT_FAIL("qubit %u twice in a region (v %d and %u)",
				phys[v], vidx[phys[v]], v);
		vidx[phys[v]] = (int32_t)v;
		QT_ASSERT_EQ(qc_alloc_owner(a, phys[v]), owner);
	}
	queue[tail++] = 0;
	seen[0] = 1;
	dist[0] = 0;
	while (head < tail) {
		uint32_t u = queue[head++], p = phys[u];

		for (j = t->adj_off[p]; j < t->adj_off[p + 1]; j++) {
			int32_t w = vidx[t->adj[j]];

			if (w >= 0 && !seen[w]) {
				seen[w] = 1;
				dist[w] = dist[u] + 1;
				queue[tail++] = (uint32_t)w;
			}
		}
	}
	if (tail != k)
		QT_FAIL("region of %u qubits is not connected (%u reached)", k, tail);
	for (v = 1; v < k; v++)
		if (dist[v] < dist[v - 1])
			QT_FAIL("virtual %u at distance %u after distance %u: not BFS order",
				v, dist[v], dist[v - 1]);
	free(vidx);
	free(dist);
	free(queue);
	free(seen);
}

/* qc_alloc_region_edges() against a brute-force scan of all pairs. */
static void check_region_edges(const struct qc_topology *t, struct qc_alloc *a,
			       const uint32_t *phys, uint32_t k)
{
	uint32_t va, vb, i, want = 0, got, half;
	uint32_t *ref, *out;

	for (va = 0; va < k; va++)
		for (vb = va + 1; vb < k; vb++)
			want += qc_topology_coupled(t, phys[va], phys[vb]);
	ref = zalloc((size_t)want * 2 + 2, sizeof(*ref));
	out = zalloc((size_t)want * 2 + 2, sizeof(*out));
	i = 0;
	for (va = 0; va < k; va++) {
		for (vb = va + 1; vb < k; vb++) {
			if (qc_topology_coupled(t, phys[va], phys[vb])) {
				ref[2 * i] = va;
				ref[2 * i + 1] = vb;
				i++;
			}
		}
	}

	QT_ASSERT_EQ(qc_alloc_region_edges(a, phys, k, NULL, 0), want);
	QT_ASSERT_EQ(qc_alloc_region_edges(a, phys, k, NULL, want + 5), want);

	/* exact capacity, plus one sentinel pair that must stay untouched */
	memset(out, 0xa5, ((size_t)want * 2 + 2) * sizeof(*out));
	got = qc_alloc_region_edges(a, phys, k, out, want);
	QT_ASSERT_EQ(got, want);
	for (i = 0; i < want; i++)
		if (out[2 * i] != ref[2 * i] || out[2 * i + 1] != ref[2 * i + 1])
			QT_FAIL("region edge %u is %u-%u, want %u-%u", i, out[2 * i],
				out[2 * i + 1], ref[2 * i], ref[2 * i + 1]);
	QT_ASSERT_EQ(out[2 * want], 0xa5a5a5a5u);

	/* short capacity: the first ones only, the total still returned */
	half = want / 2;
	memset(out, 0xa5, ((size_t)want * 2 + 2) * sizeof(*out));
	QT_ASSERT_EQ(qc_alloc_region_edges(a, phys, k, out, half), want);
	for (i = 0; i < half; i++)
		QT_ASSERT(out[2 * i] == ref[2 * i] && out[2 * i + 1] == ref[2 * i + 1]);
	QT_ASSERT_EQ(out[2 * half], 0xa5a5a5a5u);
	QT_ASSERT_EQ(out[2 * half + 1], 0xa5a5a5a5u);
	free(ref);
	free(out);
}

/*
 * Test-side model of an allocator: expected owner of every qubit and the
 * live allocations, with an oracle for the free components.
 */
struct live {
	uint32_t owner;
	uint32_t k;
	uint32_t *phys;
};

struct model {
	const struct qc_topology *t;
	struct qc_alloc *a;
	uint32_t n;
	uint32_t *owner;
	uint32_t *group;
	char *guard;
	char *usable;
	struct live *live;
	uint32_t nlive;
	uint32_t next_owner;
	/* oracle scratch */
	uint32_t *comp;
	uint32_t *csize;
	uint32_t *cmin;
	uint32_t *queue;
	uint32_t ncomp;
	/* statistics */
	uint32_t n_ok, n_nospc;
};

static void model_init(struct model *m, const struct qc_topology *t)
{
	memset(m, 0, sizeof(*m));
	m->t = t;
	m->a = mka(t);
	m->n = t->num_qubits;
	m->owner = zalloc(m->n, sizeof(uint32_t));
	m->group = zalloc(m->n, sizeof(uint32_t));
	m->guard = zalloc(m->n, 1);
	m->usable = zalloc(m->n, 1);
	m->live = zalloc(m->n, sizeof(struct live));
	m->comp = zalloc(m->n, sizeof(uint32_t));
	m->csize = zalloc(m->n, sizeof(uint32_t));
	m->cmin = zalloc(m->n, sizeof(uint32_t));
	m->queue = zalloc(m->n, sizeof(uint32_t));
	m->next_owner = 1;
}

static void model_fini(struct model *m)
{
	uint32_t i;

	for (i = 0; i < m->nlive; i++)
		free(m->live[i].phys);
	qc_alloc_destroy(m->a);
	free(m->owner);
	free(m->group);
	free(m->guard);
	free(m->usable);
	free(m->live);
	free(m->comp);
	free(m->csize);
	free(m->cmin);
	free(m->queue);
}

/*
 * Brute force over every coupling edge: true iff no edge joins allocated
 * qubits of different groups with either side guarded.
 */
static int model_isolated(const struct model *m)
{
	const struct qc_topology *t = m->t;
	uint32_t u, j;

	for (u = 0; u < m->n; u++) {
		for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
			uint32_t w = t->adj[j];

			if (m->owner[u] && m->owner[w] && m->group[u] != m->group[w] &&
			    (m->guard[u] || m->guard[w]))
				return 0;
		}
	}
	return 1;
}

/* Whole-state check: owners, groups, free count, isolation. O(V + E). */
static void model_check(const struct model *m)
{
	uint32_t q, nfree = 0;

	for (q = 0; q < m->n; q++) {
		if (qc_alloc_owner(m->a, q) != m->owner[q])
			QT_FAIL("qubit %u owned by %u, want %u", q,
				qc_alloc_owner(m->a, q), m->owner[q]);
		if (qc_alloc_group(m->a, q) != m->group[q])
			QT_FAIL("qubit %u in group %u, want %u", q,
				qc_alloc_group(m->a, q), m->group[q]);
		QT_ASSERT_EQ(qc_alloc_guarded(m->a, q), m->guard[q]);
		nfree += !m->owner[q];
	}
	QT_ASSERT_EQ(qc_alloc_free_count(m->a), nfree);
	QT_ASSERT(model_isolated(m));
	QT_ASSERT(qc_alloc_isolation_ok(m->a));
}

/*
 * Which free qubits a request of (group, guard) may use: those none of
 * whose allocated neighbours is of another group with a guard on either
 * side. On a complete graph every free qubit has every allocated qubit as
 * neighbour, so one scan decides for all.
 */
static void model_usable(struct model *m, uint32_t group, int guard)
{
	const struct qc_topology *t = m->t;
	uint32_t q, j;

	if (is_complete(t)) {
		int ok = 1;

		for (q = 0; q < m->n; q++)
			if (m->owner[q] && m->group[q] != group &&
			    (guard || m->guard[q]))
				ok = 0;
		for (q = 0; q < m->n; q++)
			m->usable[q] = !m->owner[q] && ok;
		return;
	}
	for (q = 0; q < m->n; q++) {
		m->usable[q] = !m->owner[q];
		for (j = t->adj_off[q]; m->usable[q] && j < t->adj_off[q + 1]; j++) {
			uint32_t w = t->adj[j];

			if (m->owner[w] && m->group[w] != group &&
			    (guard || m->guard[w]))
				m->usable[q] = 0;
		}
	}
}

/* Oracle: connected components of the usable free subgraph (model_usable()). */
static void model_components(struct model *m)
{
	const struct qc_topology *t = m->t;
	uint32_t s, head, tail, j;

	for (s = 0; s < m->n; s++)
		m->comp[s] = UINT32_MAX;
	m->ncomp = 0;
	for (s = 0; s < m->n; s++) {
		if (!m->usable[s] || m->comp[s] != UINT32_MAX)
			continue;
		head = tail = 0;
		m->queue[tail++] = s;
		m->comp[s] = m->ncomp;
		while (head < tail) {
			uint32_t u = m->queue[head++];

			for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
				uint32_t w = t->adj[j];

				if (m->usable[w] && m->comp[w] == UINT32_MAX) {
					m->comp[w] = m->ncomp;
					m->queue[tail++] = w;
				}
			}
		}
		m->csize[m->ncomp] = tail;
		m->cmin[m->ncomp] = s;
		m->ncomp++;
	}
}

static uint32_t free_degree(const struct model *m, uint32_t q)
{
	const struct qc_topology *t = m->t;
	uint32_t j, d = 0;

	for (j = t->adj_off[q]; j < t->adj_off[q + 1]; j++)
		d += m->usable[t->adj[j]];
	return d;
}

/*
 * Allocate k qubits and check the result against the model: the error code
 * (-ENOSPC exactly when no free component has k qubits), the component
 * chosen (smallest that fits, ties to the lowest first qubit), the seed
 * (least free degree in it, ties lowest), the region itself, its edges.
 * Returns the allocator's return value.
 */
static int model_get_iso(struct model *m, uint32_t k, uint32_t group, int guard,
			 int check_edges)
{
	uint32_t *phys = zalloc(k, sizeof(uint32_t));
	uint32_t owner = m->next_owner++, nfree = 0;
	uint32_t c, best = UINT32_MAX, v, q, i, mind = UINT32_MAX, seed = 0;
	int complete = is_complete(m->t), ret;

	model_usable(m, group, guard);
	for (q = 0; q < m->n; q++)
		nfree += m->usable[q];
	if (!complete) {
		model_components(m);
		for (c = 0; c < m->ncomp; c++)
			if (m->csize[c] >= k &&
			    (best == UINT32_MAX || m->csize[c] < m->csize[best]))
				best = c;	/* ties: found first = lowest */
		if (best != UINT32_MAX) {
			for (q = 0; q < m->n; q++) {
				if (m->comp[q] != best)
					continue;
				if (free_degree(m, q) < mind) {
					mind = free_degree(m, q);
					seed = q;
				}
			}
		}
	}

	if (group || guard)
		ret = qc_alloc_get_isolated(m->a, k, owner, group, guard, phys);
	else
		ret = qc_alloc_get(m->a, k, owner, phys);
	if (k > m->n) {
		QT_ASSERT_EQ(ret, -E2BIG);
	} else if (complete ? k > nfree : best == UINT32_MAX) {
		QT_ASSERT_EQ(ret, -ENOSPC);
	} else {
		QT_ASSERT_EQ(ret, 0);
	}
	if (ret) {
		m->n_nospc++;
		free(phys);
		model_check(m);	/* a failed call changes nothing */
		return ret;
	}

	for (v = 0; v < k; v++) {
		QT_ASSERT_LT(phys[v], m->n);
		if (m->owner[phys[v]])
			QT_FAIL("qubit %u handed out to %u while owned by %u",
				phys[v], owner, m->owner[phys[v]]);
		QT_ASSERT(m->usable[phys[v]]);
		m->owner[phys[v]] = owner;
		m->group[phys[v]] = group;
		m->guard[phys[v]] = (char)!!guard;
		if (!complete)
			QT_ASSERT_EQ(m->comp[phys[v]], best);
	}
	if (complete) {
		/* the k lowest free qubits, ascending */
		for (q = 0, i = 0; q < m->n && i < k; q++) {
			if (m->owner[q] == owner) {
				QT_ASSERT_EQ(phys[i], q);
				i++;
			} else {
				QT_ASSERT(m->owner[q] != 0);
			}
		}
	} else {
		QT_ASSERT_EQ(phys[0], seed);
	}
	check_region(m->t, m->a, phys, k, owner);
	if (check_edges)
		check_region_edges(m->t, m->a, phys, k);
	m->live[m->nlive++] = (struct live){ owner, k, phys };
	m->n_ok++;
	model_check(m);
	return 0;
}

/*
 * Allocate exactly @want[0..k) through qc_alloc_get_exact() and check it
 * against the model: -EINVAL for a qubit out of range or named twice,
 * else -EBUSY exactly when a wanted qubit is not usable for (group, guard)
 * by model_usable()'s rule, else every wanted qubit taken in that order.
 * A failed call changes nothing. Returns the allocator's return value.
 */
static int model_get_exact(struct model *m, const uint32_t *want, uint32_t k,
			   uint32_t group, int guard)
{
	uint32_t owner = m->next_owner++, i, j, *phys;
	int expect = 0, ret;

	model_usable(m, group, guard);
	for (i = 0; i < k && expect != -EINVAL; i++) {
		if (want[i] >= m->n)
			expect = -EINVAL;
		for (j = 0; j < i && expect != -EINVAL; j++)
			if (want[j] == want[i])
				expect = -EINVAL;
		if (!expect && !m->usable[want[i]])
			expect = -EBUSY;
	}
	ret = qc_alloc_get_exact(m->a, want, k, owner, group, !!guard);
	QT_ASSERT_EQ(ret, expect);
	if (ret) {
		model_check(m);
		return ret;
	}
	phys = zalloc(k, sizeof(uint32_t));
	for (i = 0; i < k; i++) {
		phys[i] = want[i];
		QT_ASSERT_EQ(qc_alloc_owner(m->a, want[i]), owner);
		m->owner[want[i]] = owner;
		m->group[want[i]] = group;
		m->guard[want[i]] = (char)!!guard;
	}
	m->live[m->nlive++] = (struct live){ owner, k, phys };
	m->n_ok++;
	model_check(m);
	return 0;
}

static int model_get(struct model *m, uint32_t k, int check_edges)
{
	return model_get_iso(m, k, 0, 0, check_edges);
}

static void model_put(struct model *m, uint32_t idx)
{
	struct live l = m->live[idx];
	uint32_t v;

	qc_alloc_put(m->a, l.phys, l.k);
	for (v = 0; v < l.k; v++) {
		m->owner[l.phys[v]] = 0;
		m->group[l.phys[v]] = 0;
		m->guard[l.phys[v]] = 0;
	}
	free(l.phys);
	m->live[idx] = m->live[--m->nlive];
	model_check(m);
}

static void put_all(struct model *m)
{
	while (m->nlive)
		model_put(m, m->nlive - 1);
	QT_ASSERT_EQ(qc_alloc_free_count(m->a), m->n);
}

/* ---------------------------------------------------------------------- */

QPU_TEST(argument_errors)
{
	struct qc_topology *t = mk("grid:4x4");
	struct qc_alloc *a = mka(t);
	uint32_t phys[17];

	QT_ASSERT_NEGERR(qc_alloc_get(a, 0, 1, phys), EINVAL);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 1, 0, phys), EINVAL);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 0, 0, phys), EINVAL);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 17, 1, phys), E2BIG);
	QT_ASSERT_NEGERR(qc_alloc_get(a, UINT32_MAX, 1, phys), E2BIG);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 16);
	QT_ASSERT_EQ(qc_alloc_get(a, 10, 7, phys), 0);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 6);
	/* more than the device is E2BIG even when busy; more than free ENOSPC */
	QT_ASSERT_NEGERR(qc_alloc_get(a, 17, 1, phys), E2BIG);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 7, 1, phys), ENOSPC);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 16, 1, phys), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 6);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
	QT_ASSERT(qc_alloc_create(NULL) == NULL);
	qc_alloc_destroy(NULL);
}

QPU_TEST(whole_device)
{
	static const char *const specs[] = {
		"line:1", "line:9", "ring:7", "grid:5x5", "heavyhex:27",
		"heavyhex:127", "full:1", "full:33",
	};
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct qc_topology *t = mk(specs[i]);
		struct model m;

		model_init(&m, t);
		QT_ASSERT_EQ(model_get(&m, t->num_qubits, 1), 0);
		QT_ASSERT_EQ(qc_alloc_free_count(m.a), 0);
		/* a region of the whole device holds every edge */
		QT_ASSERT_EQ(qc_alloc_region_edges(m.a, m.live[0].phys, t->num_qubits,
						   NULL, 0), t->num_edges);
		QT_ASSERT_NEGERR(model_get(&m, 1, 0), ENOSPC);
		put_all(&m);
		QT_ASSERT_EQ(model_get(&m, t->num_qubits, 0), 0);
		model_fini(&m);
		qc_topology_destroy(t);
	}
}

QPU_TEST(line_fragmentation)
{
	struct qc_topology *t = mk("line:10");
	struct qc_alloc *a = mka(t);
	uint32_t single[10], phys[10], q;

	/* singles go left to right: each seed is the free end of the line */
	for (q = 0; q < 10; q++) {
		QT_ASSERT_EQ(qc_alloc_get(a, 1, 100 + q, &single[q]), 0);
		QT_ASSERT_EQ(single[q], q);
	}
	QT_ASSERT_NEGERR(qc_alloc_get(a, 1, 1, phys), ENOSPC);
	/* free the odd qubits: 5 free, no two adjacent */
	for (q = 1; q < 10; q += 2)
		qc_alloc_put(a, &single[q], 1);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 5);
	for (q = 0; q < 10; q++)
		QT_ASSERT_EQ(qc_alloc_owner(a, q), q % 2 ? 0 : 100 + q);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 2, 1, phys), ENOSPC);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 5, 1, phys), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 5);
	/* one qubit still fits: the lowest hole */
	QT_ASSERT_EQ(qc_alloc_get(a, 1, 1, phys), 0);
	QT_ASSERT_EQ(phys[0], 1);
	qc_alloc_put(a, phys, 1);
	/* free qubit 2: 1-2-3 joins up */
	qc_alloc_put(a, &single[2], 1);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 4, 1, phys), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_get(a, 3, 42, phys), 0);
	QT_ASSERT_EQ(phys[0], 1);
	QT_ASSERT_EQ(phys[1], 2);
	QT_ASSERT_EQ(phys[2], 3);
	QT_ASSERT_EQ(qc_alloc_owner(a, 2), 42);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 3);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

QPU_TEST(best_fit)
{
	struct qc_topology *t = mk("line:10");
	struct qc_alloc *a = mka(t);
	uint32_t single[10], phys[10], q;

	for (q = 0; q < 10; q++)
		QT_ASSERT_EQ(qc_alloc_get(a, 1, 1, &single[q]), 0);
	/* holes {1,2,3} and {6,7}: two qubits go to the hole of two */
	qc_alloc_put(a, &single[1], 3);
	qc_alloc_put(a, &single[6], 2);
	QT_ASSERT_EQ(qc_alloc_get(a, 2, 2, phys), 0);
	QT_ASSERT_EQ(phys[0], 6);
	QT_ASSERT_EQ(phys[1], 7);
	/* holes {1,2,3} and {8}: one qubit goes to {8}... */
	qc_alloc_put(a, &single[8], 1);
	QT_ASSERT_EQ(qc_alloc_get(a, 1, 3, phys), 0);
	QT_ASSERT_EQ(phys[0], 8);
	/* ...and three to {1,2,3} */
	QT_ASSERT_EQ(qc_alloc_get(a, 3, 4, phys), 0);
	QT_ASSERT_EQ(phys[0], 1);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 0);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);

	/* equal sizes: the component with the lowest first qubit */
	t = mk("line:9");
	a = mka(t);
	for (q = 0; q < 9; q++)
		QT_ASSERT_EQ(qc_alloc_get(a, 1, 1, &single[q]), 0);
	qc_alloc_put(a, &single[6], 2);	/* {6,7} */
	qc_alloc_put(a, &single[1], 2);	/* {1,2} */
	qc_alloc_put(a, &single[4], 1);	/* {4} */
	QT_ASSERT_EQ(qc_alloc_get(a, 2, 5, phys), 0);
	QT_ASSERT_EQ(phys[0], 1);
	QT_ASSERT_EQ(phys[1], 2);
	QT_ASSERT_EQ(qc_alloc_get(a, 2, 6, phys), 0);
	QT_ASSERT_EQ(phys[0], 6);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 2, 7, phys), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_get(a, 1, 7, phys), 0);
	QT_ASSERT_EQ(phys[0], 4);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

QPU_TEST(grid_bfs_order)
{
	struct qc_topology *t = mk("grid:4x4");
	struct model m;

	model_init(&m, t);
	/* corner seed, BFS: 0, then 1 and 4, then 2, 5, 8 */
	QT_ASSERT_EQ(model_get(&m, 6, 1), 0);
	QT_ASSERT_EQ(m.live[0].phys[0], 0);
	QT_ASSERT_EQ(m.live[0].phys[1], 1);
	QT_ASSERT_EQ(m.live[0].phys[2], 4);
	QT_ASSERT_EQ(m.live[0].phys[3], 2);
	QT_ASSERT_EQ(m.live[0].phys[4], 5);
	QT_ASSERT_EQ(m.live[0].phys[5], 8);
	/* edges in virtual indices: 0-1 0-2 1-3 1-4 2-4 2-5 */
	QT_ASSERT_EQ(qc_alloc_region_edges(m.a, m.live[0].phys, 6, NULL, 0), 6);
	QT_ASSERT_EQ(model_get(&m, 10, 1), 0);
	QT_ASSERT_NEGERR(model_get(&m, 1, 1), ENOSPC);
	put_all(&m);
	model_fini(&m);
	qc_topology_destroy(t);
}

QPU_TEST(full_lowest_free)
{
	struct qc_topology *t = mk("full:16");
	struct model m;
	uint32_t e[12];

	model_init(&m, t);
	QT_ASSERT_EQ(model_get(&m, 3, 1), 0);	/* 0 1 2 */
	QT_ASSERT_EQ(model_get(&m, 2, 1), 0);	/* 3 4 */
	model_put(&m, 0);			/* the first; 3 4 remain */
	QT_ASSERT_EQ(model_get(&m, 4, 1), 0);	/* 0 1 2 5 */
	QT_ASSERT_EQ(m.live[1].phys[3], 5);
	QT_ASSERT_EQ(qc_alloc_region_edges(m.a, m.live[1].phys, 4, e, 6), 6);
	QT_ASSERT(e[0] == 0 && e[1] == 1 && e[2] == 0 && e[3] == 2 && e[4] == 0 &&
		  e[5] == 3 && e[6] == 1 && e[7] == 2 && e[8] == 1 && e[9] == 3 &&
		  e[10] == 2 && e[11] == 3);
	QT_ASSERT_EQ(model_get(&m, 10, 1), 0);
	QT_ASSERT_NEGERR(model_get(&m, 1, 1), ENOSPC);
	put_all(&m);
	model_fini(&m);
	qc_topology_destroy(t);
}

/* region_edges on arbitrary sets in scrambled virtual order */
QPU_TEST(region_edges_scrambled)
{
	static const char *const specs[] = {
		"line:30", "ring:30", "grid:8x8", "heavyhex:127", "full:64",
		"full:300", "grid:1x1",
	};
	size_t i;
	int round;

	rng_seed(7);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct qc_topology *t = mk(specs[i]);
		struct qc_alloc *a = mka(t);
		uint32_t n = t->num_qubits, *perm = zalloc(n, sizeof(uint32_t));
		uint32_t q, j, tmp;

		for (round = 0; round < 50; round++) {
			uint32_t k = 1 + rng(n);

			for (q = 0; q < n; q++)
				perm[q] = q;
			for (q = n - 1; q > 0; q--) {
				j = rng(q + 1);
				tmp = perm[q];
				perm[q] = perm[j];
				perm[j] = tmp;
			}
			check_region_edges(t, a, perm, k);
		}
		/* the allocator's state is untouched by it */
		QT_ASSERT_EQ(qc_alloc_free_count(a), n);
		for (q = 0; q < n; q++)
			QT_ASSERT_EQ(qc_alloc_owner(a, q), 0);
		free(perm);
		qc_alloc_destroy(a);
		qc_topology_destroy(t);
	}
}

QPU_TEST(put_ignores_free_qubits)
{
	struct qc_topology *t = mk("ring:8");
	struct qc_alloc *a = mka(t);
	uint32_t phys[4];

	QT_ASSERT_EQ(qc_alloc_get(a, 4, 9, phys), 0);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 4);
	qc_alloc_put(a, phys, 4);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 8);
	qc_alloc_put(a, phys, 4);	/* again: no effect */
	QT_ASSERT_EQ(qc_alloc_free_count(a), 8);
	qc_alloc_put(a, phys, 0);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 8);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

QPU_TEST(allocators_are_independent)
{
	struct qc_topology *t = mk("heavyhex:27");
	struct qc_alloc *a = mka(t), *b = mka(t);
	uint32_t pa[27], pb[27], v;

	QT_ASSERT_EQ(qc_alloc_get(a, 27, 1, pa), 0);
	QT_ASSERT_EQ(qc_alloc_free_count(b), 27);
	QT_ASSERT_EQ(qc_alloc_get(b, 5, 2, pb), 0);
	for (v = 0; v < 5; v++)
		QT_ASSERT_EQ(qc_alloc_owner(a, pb[v]), 1);
	qc_alloc_destroy(a);
	qc_alloc_destroy(b);
	qc_topology_destroy(t);
}

/* Random size: mostly small, sometimes medium, rarely large. */
static uint32_t random_k(uint32_t n)
{
	uint32_t r = rng(100);

	if (r < 70)
		return 1 + rng(8);
	if (r < 95)
		return 1 + rng(n / 16 > 8 ? n / 16 : 8);
	return 1 + rng(n / 3);
}

static void stress(const char *spec, uint64_t seed, uint32_t steps)
{
	struct qc_topology *t = mk(spec);
	struct model m;
	uint32_t step, small_edges;

	rng_seed(seed);
	model_init(&m, t);
	/* brute-force edge checks are O(k^2 log deg): keep them to small k */
	small_edges = is_complete(t) ? 96 : 256;
	for (step = 0; step < steps; step++) {
		int alloc = m.nlive == 0 || rng(100) < 55;

		if (alloc) {
			uint32_t k = random_k(m.n);

			model_get(&m, k, k <= small_edges);
		} else {
			model_put(&m, rng(m.nlive));
		}
	}
	printf("# %s: %u allocations, %u ENOSPC, %u live at the end, %u free\n",
	       spec, m.n_ok, m.n_nospc, m.nlive, qc_alloc_free_count(m.a));
	/* the sequence must have exercised both outcomes */
	QT_ASSERT_GT(m.n_ok, steps / 4);
	QT_ASSERT_GT(m.n_nospc, 0);
	put_all(&m);
	/* after everything is back, the whole device is one region again */
	QT_ASSERT_EQ(model_get(&m, m.n, 0), 0);
	model_fini(&m);
	qc_topology_destroy(t);
}

QPU_TEST(stress_heavyhex_1121)
{
	stress("heavyhex:1121", 1, 4000);
}

QPU_TEST(stress_grid_32x32)
{
	stress("grid:32x32", 2, 4000);
}

QPU_TEST(stress_full_1024)
{
	stress("full:1024", 3, 4000);
}

QPU_TEST(stress_small_devices)
{
	stress("heavyhex:27", 4, 3000);
	stress("heavyhex:127", 5, 3000);
	stress("ring:40", 6, 3000);
	stress("line:64", 7, 3000);
	stress("grid:3x17", 8, 3000);
	stress("full:20", 9, 3000);
}

/*
 * Run a fixed random sequence; return a hash of every result. With
 * @use_groups, through qc_alloc_get_isolated() in random groups (no
 * guards: the same placements).
 */
static uint64_t run_sequence(const struct qc_topology *t, uint64_t seed,
			     bool use_groups)
{
	struct qc_alloc *a = mka(t);
	uint32_t n = t->num_qubits, nlive = 0, step, v;
	uint32_t **live = zalloc(n, sizeof(uint32_t *)), *lk = zalloc(n, sizeof(uint32_t));
	uint64_t h = 1469598103934665603ULL;

	rng_seed(seed);
	for (step = 0; step < 2000; step++) {
		if (nlive == 0 || rng(100) < 55) {
			uint32_t k = random_k(n), *phys = zalloc(k, sizeof(uint32_t));
			uint32_t group = rng(6);
			int ret = use_groups ?
				qc_alloc_get_isolated(a, k, step + 1, group, false, phys) :
				qc_alloc_get(a, k, step + 1, phys);

			h = (h ^ (uint32_t)ret) * 1099511628211ULL;
			if (ret) {
				free(phys);
				continue;
			}
			for (v = 0; v < k; v++)
				h = (h ^ phys[v]) * 1099511628211ULL;
			live[nlive] = phys;
			lk[nlive++] = k;
		} else {
			uint32_t i = rng(nlive);

			qc_alloc_put(a, live[i], lk[i]);
			free(live[i]);
			live[i] = live[--nlive];
			lk[i] = lk[nlive];
		}
	}
	while (nlive--)
		free(live[nlive]);
	free(live);
	free(lk);
	qc_alloc_destroy(a);
	return h;
}

QPU_TEST(deterministic)
{
	static const char *const specs[] = { "heavyhex:433", "grid:20x20", "full:200" };
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct qc_topology *t1 = mk(specs[i]), *t2 = mk(specs[i]);
		uint64_t h1 = run_sequence(t1, 11, false);
		uint64_t h2 = run_sequence(t1, 11, false);
		uint64_t h3 = run_sequence(t2, 11, false);
		uint64_t h4 = run_sequence(t1, 12, false);

		QT_ASSERT(h1 == h2);
		QT_ASSERT(h1 == h3);
		QT_ASSERT(h1 != h4);	/* the hash does see the results */
		qc_topology_destroy(t1);
		qc_topology_destroy(t2);
	}
}

/* ---------------------------------------------------------------------- */
/* Isolation groups */

/* Groups of the tests below: 1-3 guarded tenants, 4-5 plain tenants. */
#define G_SHARED	0

QPU_TEST(iso_argument_errors)
{
	struct qc_topology *t = mk("grid:3x3");
	struct qc_alloc *a = mka(t);
	uint32_t phys[10];

	/* a guard needs a domain: group 0 is "no isolation" */
	QT_ASSERT_NEGERR(qc_alloc_get_isolated(a, 1, 1, 0, true, phys), EINVAL);
	QT_ASSERT_NEGERR(qc_alloc_get_isolated(a, 0, 1, 3, true, phys), EINVAL);
	QT_ASSERT_NEGERR(qc_alloc_get_isolated(a, 1, 0, 3, false, phys), EINVAL);
	QT_ASSERT_NEGERR(qc_alloc_get_isolated(a, 10, 1, 3, true, phys), E2BIG);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 9);
	/* an unguarded group of its own is fine, and is remembered */
	QT_ASSERT_EQ(qc_alloc_get_isolated(a, 2, 1, 7, false, phys), 0);
	QT_ASSERT_EQ(qc_alloc_group(a, phys[0]), 7);
	QT_ASSERT(!qc_alloc_guarded(a, phys[0]));
	QT_ASSERT_EQ(qc_alloc_group(a, 1000), 0);
	QT_ASSERT(!qc_alloc_guarded(a, 1000));
	QT_ASSERT(qc_alloc_isolation_ok(a));
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

/* On a line, a guard tenant between shared ones keeps a free qubit each side. */
QPU_TEST(iso_guard_next_to_shared)
{
	struct qc_topology *t = mk("line:10");
	struct model m;

	model_init(&m, t);
	/* shared 0-2 (seed: the free end) */
	QT_ASSERT_EQ(model_get(&m, 3, 1), 0);
	QT_ASSERT_EQ(m.live[0].phys[0], 0);
	/* guard tenant: qubit 3 touches shared 2, so it starts at 4 */
	QT_ASSERT_EQ(model_get_iso(&m, 3, 1, 1, 1), 0);
	QT_ASSERT_EQ(m.owner[3], 0);
	QT_ASSERT_EQ(m.group[4], 1);
	QT_ASSERT_EQ(m.group[6], 1);
	/* 3 and 7 are a guard band: shared requests may not take them */
	QT_ASSERT_EQ(model_get(&m, 2, 1), 0);	/* 8, 9 */
	QT_ASSERT_EQ(m.owner[7], 0);
	QT_ASSERT_EQ(m.owner[8], m.live[2].owner);
	QT_ASSERT_NEGERR(model_get(&m, 1, 1), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_free_count(m.a), 2);
	/* each band qubit touches a shared one: the guard tenant cannot grow */
	QT_ASSERT_NEGERR(model_get_iso(&m, 1, 1, 1, 1), ENOSPC);
	/* once 8-9 are gone it may grow into its own band at 7 (and 8, 9) */
	model_put(&m, 2);
	QT_ASSERT_EQ(model_get_iso(&m, 3, 1, 1, 1), 0);
	QT_ASSERT_EQ(m.group[7], 1);
	QT_ASSERT_EQ(m.owner[3], 0);
	put_all(&m);
	model_fini(&m);
	qc_topology_destroy(t);
}

/* Shared requests and plain (unguarded) groups may touch each other. */
QPU_TEST(iso_shared_may_touch)
{
	struct qc_topology *t = mk("line:6");
	struct model m;
	uint32_t q;

	model_init(&m, t);
	QT_ASSERT_EQ(model_get(&m, 2, 1), 0);		/* 0 1 */
	QT_ASSERT_EQ(model_get_iso(&m, 2, 4, 0, 1), 0);	/* 2 3: group 4, no guard */
	QT_ASSERT_EQ(model_get_iso(&m, 2, 5, 0, 1), 0);	/* 4 5: group 5 */
	QT_ASSERT_EQ(qc_alloc_free_count(m.a), 0);
	for (q = 0; q < 6; q++)
		QT_ASSERT_EQ(m.group[q], q < 2 ? 0 : q < 4 ? 4 : 5);
	put_all(&m);
	model_fini(&m);
	qc_topology_destroy(t);
}

/* Two guard tenants on a grid: never adjacent, each keeps its own region. */
QPU_TEST(iso_two_guards)
{
	struct qc_topology *t = mk("grid:4x4");
	struct model m;

	model_init(&m, t);
	/* 0 1 4 2 5 8: the corner triangle */
	QT_ASSERT_EQ(model_get_iso(&m, 6, 1, 1, 1), 0);
	/* the second guard tenant stays off the band 3 6 9 12 */
	QT_ASSERT_EQ(model_get_iso(&m, 6, 2, 1, 1), 0);
	QT_ASSERT_EQ(m.owner[3] | m.owner[6] | m.owner[9] | m.owner[12], 0);
	/* free now: the band only; nobody else fits beside either guard */
	QT_ASSERT_NEGERR(model_get_iso(&m, 1, 3, 1, 1), ENOSPC);
	QT_ASSERT_NEGERR(model_get(&m, 1, 1), ENOSPC);
	QT_ASSERT_NEGERR(model_get_iso(&m, 1, 4, 0, 1), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_free_count(m.a), 4);
	/* a band qubit touches both: neither guard tenant may take it */
	QT_ASSERT_NEGERR(model_get_iso(&m, 1, 1, 1, 1), ENOSPC);
	QT_ASSERT_NEGERR(model_get_iso(&m, 1, 2, 1, 1), ENOSPC);
	/* release the first: its group leaves with it, the band is usable */
	model_put(&m, 0);
	QT_ASSERT_EQ(model_get_iso(&m, 1, 2, 1, 1), 0);
	put_all(&m);
	model_fini(&m);
	qc_topology_destroy(t);
}

/* Allocations of one guarded group may touch each other. */
QPU_TEST(iso_same_group_touches)
{
	struct qc_topology *t = mk("line:8");
	struct model m;

	model_init(&m, t);
	QT_ASSERT_EQ(model_get_iso(&m, 3, 9, 1, 1), 0);	/* 0 1 2 */
	QT_ASSERT_EQ(model_get_iso(&m, 3, 9, 1, 1), 0);	/* 3 4 5 */
	QT_ASSERT_EQ(m.live[1].phys[0], 3);
	/* the same group without a guard may touch it too */
	QT_ASSERT_EQ(model_get_iso(&m, 1, 9, 0, 1), 0);	/* 6 */
	QT_ASSERT_EQ(m.group[6], 9);
	/* 7 touches only group 9's unguarded qubit 6: shared may take it */
	QT_ASSERT_EQ(model_get(&m, 1, 1), 0);
	QT_ASSERT_EQ(qc_alloc_free_count(m.a), 0);
	put_all(&m);
	model_fini(&m);
	qc_topology_destroy(t);
}

/* Guard bands fragment the free space: ENOSPC although enough are free. */
QPU_TEST(iso_fragmentation_enospc)
{
	struct qc_topology *t = mk("line:9");
	struct qc_alloc *a = mka(t);
	uint32_t single[9], phys[9], q;

	for (q = 0; q < 9; q++)
		QT_ASSERT_EQ(qc_alloc_get(a, 1, 1, &single[q]), 0);
	/* free 1-3 and 5-7; 0, 4, 8 stay shared */
	qc_alloc_put(a, &single[1], 3);
	qc_alloc_put(a, &single[5], 3);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 6);
	/* a guard tenant can use only 2 and 6 (1, 3, 5, 7 touch shared qubits) */
	QT_ASSERT_NEGERR(qc_alloc_get_isolated(a, 2, 2, 1, true, phys), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_get_isolated(a, 1, 2, 1, true, phys), 0);
	QT_ASSERT_EQ(phys[0], 2);
	/* now 1 and 3 are its band; shared fits only in 5-7 */
	QT_ASSERT_NEGERR(qc_alloc_get(a, 4, 3, phys), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_get(a, 3, 3, phys), 0);
	QT_ASSERT_EQ(phys[0], 5);
	QT_ASSERT_NEGERR(qc_alloc_get(a, 1, 4, phys), ENOSPC);
	QT_ASSERT_NEGERR(qc_alloc_get_isolated(a, 1, 4, 2, true, phys), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 2);
	QT_ASSERT(qc_alloc_isolation_ok(a));
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

/* Release clears the group and the guard: the qubits serve anyone again. */
QPU_TEST(iso_release_clears_group)
{
	struct qc_topology *t = mk("ring:8");
	struct qc_alloc *a = mka(t);
	uint32_t g[8], s[8], q;

	QT_ASSERT_EQ(qc_alloc_get_isolated(a, 4, 1, 3, true, g), 0);
	for (q = 0; q < 4; q++) {
		QT_ASSERT_EQ(qc_alloc_group(a, g[q]), 3);
		QT_ASSERT(qc_alloc_guarded(a, g[q]));
	}
	/* 2 band qubits: 2 of the 4 free are usable by others */
	QT_ASSERT_NEGERR(qc_alloc_get(a, 3, 2, s), ENOSPC);
	QT_ASSERT_EQ(qc_alloc_get(a, 2, 2, s), 0);
	qc_alloc_put(a, s, 2);
	qc_alloc_put(a, g, 4);
	for (q = 0; q < 8; q++) {
		QT_ASSERT_EQ(qc_alloc_owner(a, q), 0);
		QT_ASSERT_EQ(qc_alloc_group(a, q), 0);
		QT_ASSERT(!qc_alloc_guarded(a, q));
	}
	/* a repeated put must not unbalance the guard count */
	qc_alloc_put(a, g, 4);
	QT_ASSERT_EQ(qc_alloc_get(a, 8, 5, s), 0);
	QT_ASSERT(qc_alloc_isolation_ok(a));
	qc_alloc_put(a, s, 8);
	QT_ASSERT_EQ(qc_alloc_get_isolated(a, 8, 6, 4, true, s), 0);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

/* A complete graph: a guarded group excludes everyone else entirely. */
QPU_TEST(iso_complete_graph)
{
	struct qc_topology *t = mk("full:8");
	struct model m;

	model_init(&m, t);
	QT_ASSERT_EQ(model_get_iso(&m, 3, 1, 1, 1), 0);
	QT_ASSERT_NEGERR(model_get(&m, 1, 1), ENOSPC);
	QT_ASSERT_NEGERR(model_get_iso(&m, 1, 2, 1, 1), ENOSPC);
	QT_ASSERT_NEGERR(model_get_iso(&m, 1, 4, 0, 1), ENOSPC);
	QT_ASSERT_EQ(model_get_iso(&m, 5, 1, 0, 1), 0);	/* its own group */
	put_all(&m);
	QT_ASSERT_EQ(model_get(&m, 2, 1), 0);
	QT_ASSERT_NEGERR(model_get_iso(&m, 1, 1, 1, 1), ENOSPC);
	QT_ASSERT_EQ(model_get_iso(&m, 1, 4, 0, 1), 0);
	put_all(&m);
	model_fini(&m);
	qc_topology_destroy(t);
}

/* Exact requests: argument errors, order kept, not necessarily connected. */
QPU_TEST(exact_basics)
{
	struct qc_topology *t = mk("line:8");
	struct model m;
	static const uint32_t apart[] = { 6, 0, 3 };
	static const uint32_t dup[] = { 1, 2, 1 };
	static const uint32_t out[] = { 1, 8 };
	static const uint32_t taken[] = { 2, 3 };
	uint32_t phys[8];

	model_init(&m, t);
	QT_ASSERT_NEGERR(qc_alloc_get_exact(m.a, apart, 0, 1, 0, false), EINVAL);
	QT_ASSERT_NEGERR(qc_alloc_get_exact(m.a, apart, 3, 0, 0, false), EINVAL);
	QT_ASSERT_NEGERR(qc_alloc_get_exact(m.a, apart, 3, 1, 0, true), EINVAL);
	QT_ASSERT_NEGERR(qc_alloc_get_exact(m.a, apart, 9, 1, 0, false), E2BIG);
	QT_ASSERT_NEGERR(model_get_exact(&m, dup, 3, 0, 0), EINVAL);
	QT_ASSERT_NEGERR(model_get_exact(&m, out, 2, 0, 0), EINVAL);
	/* three qubits with no coupling between them, virtual order kept */
	QT_ASSERT_EQ(model_get_exact(&m, apart, 3, 0, 0), 0);
	QT_ASSERT_EQ(m.live[0].phys[0], 6);
	QT_ASSERT_EQ(m.live[0].phys[2], 3);
	QT_ASSERT_EQ(qc_alloc_free_count(m.a), 5);
	/* 3 is taken: all or nothing, 2 stays free */
	QT_ASSERT_NEGERR(model_get_exact(&m, taken, 2, 0, 0), EBUSY);
	QT_ASSERT_EQ(qc_alloc_owner(m.a, 2), 0);
	/* a duplicate is EINVAL even when the qubit is also taken */
	QT_ASSERT_NEGERR(model_get_exact(&m, (const uint32_t[]){ 6, 6 }, 2, 0, 0),
			 EINVAL);
	/* what is left is still what ordinary requests get */
	model_put(&m, 0);
	QT_ASSERT_EQ(qc_alloc_get(m.a, 8, 2, phys), 0);
	qc_alloc_put(m.a, phys, 8);
	model_fini(&m);
	qc_topology_destroy(t);
}

/* Exact requests obey guard bands from both sides. */
QPU_TEST(exact_isolation)
{
	struct qc_topology *t = mk("line:10");
	struct model m;

	model_init(&m, t);
	/* guard tenant 1 on 4 5 */
	QT_ASSERT_EQ(model_get_exact(&m, (const uint32_t[]){ 4, 5 }, 2, 1, 1), 0);
	/* 3 and 6 are its band: nobody else may take them exactly */
	QT_ASSERT_NEGERR(model_get_exact(&m, (const uint32_t[]){ 6 }, 1, 0, 0),
			 EBUSY);
	QT_ASSERT_NEGERR(model_get_exact(&m, (const uint32_t[]){ 0, 3 }, 2, 2, 1),
			 EBUSY);
	QT_ASSERT_NEGERR(model_get_exact(&m, (const uint32_t[]){ 3 }, 1, 4, 0),
			 EBUSY);
	QT_ASSERT_EQ(qc_alloc_owner(m.a, 0), 0);
	/* its own group may take its band, guarded or not */
	QT_ASSERT_EQ(model_get_exact(&m, (const uint32_t[]){ 6 }, 1, 1, 0), 0);
	/* shared 8 touches only free qubits */
	QT_ASSERT_EQ(model_get_exact(&m, (const uint32_t[]){ 8 }, 1, 0, 0), 0);
	/* 7 touches unguarded 6 (group 1) and shared 8: a shared request may */
	QT_ASSERT_EQ(model_get_exact(&m, (const uint32_t[]){ 7 }, 1, 0, 0), 0);
	/* a guard tenant may not sit next to a shared qubit: 9 touches 8 */
	QT_ASSERT_NEGERR(model_get_exact(&m, (const uint32_t[]){ 9 }, 1, 2, 1),
			 EBUSY);
	/* but 0 and 1 touch nobody */
	QT_ASSERT_EQ(model_get_exact(&m, (const uint32_t[]){ 1, 0 }, 2, 2, 1), 0);
	put_all(&m);
	model_fini(&m);
	qc_topology_destroy(t);
}

/* A complete graph: a guarded group shuts everyone else out, exactly too. */
QPU_TEST(exact_complete_graph)
{
	struct qc_topology *t = mk("full:6");
	struct model m;

	model_init(&m, t);
	QT_ASSERT_EQ(model_get_exact(&m, (const uint32_t[]){ 5, 2 }, 2, 1, 1), 0);
	QT_ASSERT_NEGERR(model_get_exact(&m, (const uint32_t[]){ 0 }, 1, 0, 0),
			 EBUSY);
	QT_ASSERT_NEGERR(model_get_exact(&m, (const uint32_t[]){ 0 }, 1, 2, 1),
			 EBUSY);
	QT_ASSERT_NEGERR(model_get_exact(&m, (const uint32_t[]){ 2 }, 1, 1, 1),
			 EBUSY);
	QT_ASSERT_EQ(model_get_exact(&m, (const uint32_t[]){ 0, 4 }, 2, 1, 0), 0);
	put_all(&m);
	QT_ASSERT_EQ(model_get_exact(&m, (const uint32_t[]){ 3 }, 1, 0, 0), 0);
	QT_ASSERT_NEGERR(model_get_exact(&m, (const uint32_t[]){ 1 }, 1, 2, 1),
			 EBUSY);
	put_all(&m);
	model_fini(&m);
	qc_topology_destroy(t);
}

/*
 * Random mixes of shared, plain-group and guarded requests, model-checked;
 * with @exact a quarter of them are exact requests of random qubits.
 */
static void iso_stress(const char *spec, uint64_t seed, uint32_t steps,
		       bool exact)
{
	struct qc_topology *t = mk(spec);
	struct model m;
	uint32_t step, n_guard_ok = 0, n_exact_ok = 0;

	rng_seed(seed);
	model_init(&m, t);
	for (step = 0; step < steps; step++) {
		int alloc = m.nlive == 0 || rng(100) < 55;

		if (alloc) {
			uint32_t k = random_k(m.n), r = rng(10), group;
			int guard;

			/* 40% shared, 20% plain groups 4-5, 40% guarded 1-3 */
			if (r < 4) {
				group = G_SHARED;
				guard = 0;
			} else if (r < 6) {
				group = 4 + rng(2);
				guard = 0;
			} else {
				group = 1 + rng(3);
				/* a guarded group's owner may also ask without */
				guard = rng(8) != 0;
			}
			if (exact && rng(4) == 0) {
				/* exact: k random qubits, repeats possible */
				uint32_t *want = zalloc(k, sizeof(uint32_t)), i;

				for (i = 0; i < k; i++)
					want[i] = rng(m.n + (rng(64) == 0));
				if (!model_get_exact(&m, want, k, group, guard))
					n_exact_ok++;
				free(want);
			} else if (!model_get_iso(&m, k, group, guard, k <= 64) &&
				   guard) {
				n_guard_ok++;
			}
		} else {
			model_put(&m, rng(m.nlive));
		}
	}
	printf("# %s: %u allocations (%u guarded, %u exact), %u ENOSPC, %u live, %u free\n",
	       spec, m.n_ok, n_guard_ok, n_exact_ok, m.n_nospc, m.nlive,
	       qc_alloc_free_count(m.a));
	QT_ASSERT_GT(m.n_ok, steps / 5);
	QT_ASSERT_GT(n_guard_ok, 0);
	QT_ASSERT(!exact || n_exact_ok > 0);
	QT_ASSERT_GT(m.n_nospc, 0);
	put_all(&m);
	QT_ASSERT_EQ(model_get_iso(&m, m.n, 2, 1, 0), 0);
	model_fini(&m);
	qc_topology_destroy(t);
}

QPU_TEST(iso_stress_line)
{
	iso_stress("line:64", 21, 3000, false);
	iso_stress("ring:40", 22, 3000, false);
}

QPU_TEST(iso_stress_grid)
{
	iso_stress("grid:8x8", 23, 3000, false);
	iso_stress("grid:32x32", 24, 2000, false);
}

QPU_TEST(iso_stress_heavyhex)
{
	iso_stress("heavyhex:27", 25, 3000, false);
	iso_stress("heavyhex:127", 26, 3000, false);
	iso_stress("heavyhex:1121", 27, 1000, false);
}

QPU_TEST(iso_stress_full)
{
	iso_stress("full:20", 28, 3000, false);
	iso_stress("full:300", 29, 1000, false);
}

/* Exact requests among the others keep every invariant. */
QPU_TEST(exact_stress)
{
	iso_stress("line:64", 41, 3000, true);
	iso_stress("grid:8x8", 42, 3000, true);
	iso_stress("heavyhex:127", 43, 3000, true);
	iso_stress("full:20", 44, 3000, true);
}

/* Without guards the isolated entry point is exactly qc_alloc_get(). */
QPU_TEST(iso_unguarded_groups_change_nothing)
{
	static const char *const specs[] = { "heavyhex:127", "grid:12x12", "full:64" };
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct qc_topology *t = mk(specs[i]);

		QT_ASSERT(run_sequence(t, 31, false) == run_sequence(t, 31, true));
		qc_topology_destroy(t);
	}
}

/*
 * qc_alloc_get_best(): fidelity-aware placement.
 */

/* Costs of one test device: every qubit and edge at @bad. */
struct quality {
	uint32_t *qc;
	uint32_t *ec;
	struct qc_alloc_quality q;
};

static void quality_init(struct quality *ql, const struct qc_topology *t,
			 uint32_t bad)
{
	uint32_t i;

	ql->qc = zalloc(t->num_qubits, sizeof(uint32_t));
	ql->ec = zalloc(t->num_edges, sizeof(uint32_t));
	for (i = 0; i < t->num_qubits; i++)
		ql->qc[i] = bad;
	for (i = 0; i < t->num_edges; i++)
		ql->ec[i] = bad;
	ql->q.qubit_cost = ql->qc;
	ql->q.edge_cost = ql->ec;
}

static void quality_fini(struct quality *ql)
{
	free(ql->qc);
	free(ql->ec);
}

/* Make the BFS ball of @size qubits around @centre good (@good). */
static void quality_good_ball(struct quality *ql, const struct qc_topology *t,
			      uint32_t centre, uint32_t size, uint32_t good,
			      char *in)
{
	uint32_t *queue = zalloc(t->num_qubits, sizeof(uint32_t));
	uint32_t head = 0, tail = 0, u, j, e;

	memset(in, 0, t->num_qubits);
	queue[tail++] = centre;
	in[centre] = 1;
	while (head < tail && tail < size) {
		u = queue[head++];
		for (j = t->adj_off[u]; j < t->adj_off[u + 1] && tail < size; j++) {
			if (in[t->adj[j]])
				continue;
			in[t->adj[j]] = 1;
			queue[tail++] = t->adj[j];
		}
	}
	for (u = 0; u < tail; u++)
		ql->qc[queue[u]] = good;
	for (e = 0; e < t->num_edges; e++)
		if (in[t->edges[2 * e]] && in[t->edges[2 * e + 1]])
			ql->ec[e] = good;
	free(queue);
}

/* k distinct qubits owned by @owner forming a connected region (any order). */
static void check_connected(const struct qc_topology *t, const struct qc_alloc *a,
			    const uint32_t *phys, uint32_t k, uint32_t owner)
{
	uint32_t n = t->num_qubits, v, j, head = 0, tail = 0;
	int32_t *vidx = zalloc(n, sizeof(*vidx));
	uint32_t *queue = zalloc(k, sizeof(*queue));
	char *seen = zalloc(k, 1);

	for (v = 0; v < n; v++)
		vidx[v] = -1;
	for (v = 0; v < k; v++) {
		QT_ASSERT_LT(phys[v], n);
		if (vidx[phys[v]] >= 0)
			QT_FAIL("qubit %u twice in a region", phys[v]);
		vidx[phys[v]] = (int32_t)v;
		QT_ASSERT_EQ(qc_alloc_owner(a, phys[v]), owner);
	}
	queue[tail++] = 0;
	seen[0] = 1;
	while (head < tail) {
		uint32_t p = phys[queue[head++]];

		for (j = t->adj_off[p]; j < t->adj_off[p + 1]; j++) {
			int32_t w = vidx[t->adj[j]];

			if (w >= 0 && !seen[w]) {
				seen[w] = 1;
				queue[tail++] = (uint32_t)w;
			}
		}
	}
	if (tail != k)
		QT_FAIL("region of %u qubits is not connected (%u reached)", k, tail);
	free(vidx);
	free(queue);
	free(seen);
}

/* How many of the hint's pairs land on coupled physical pairs. */
static uint32_t hosted_pairs(const struct qc_topology *t, const uint32_t *phys,
			     const uint32_t *hint, uint32_t nhint)
{
	uint32_t i, n = 0;

	for (i = 0; i < nhint; i++)
		n += qc_topology_coupled(t, phys[hint[2 * i]], phys[hint[2 * i + 1]]);
	return n;
}

/* A region clearly better than the rest is found, with and without a hint. */
QPU_TEST(best_picks_the_good_region)
{
	static const struct { const char *spec; uint32_t centre, ball, k; } c[] = {
		{ "heavyhex:127", 70, 14, 10 },
		{ "grid:10x10", 55, 12, 9 },
		{ "line:40", 30, 8, 6 },
		{ "ring:30", 12, 6, 6 },
		{ "full:30", 17, 5, 5 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct qc_topology *t = mk(c[i].spec);
		struct qc_alloc *a = mka(t);
		struct quality ql;
		char *in = zalloc(t->num_qubits, 1);
		uint32_t *phys = zalloc(c[i].k, sizeof(uint32_t));
		uint32_t *hint = zalloc(2 * c[i].k, sizeof(uint32_t));
		uint32_t v, pass;

		quality_init(&ql, t, 40000);
		quality_good_ball(&ql, t, c[i].centre, c[i].ball, 200, in);
		for (v = 0; v + 1 < c[i].k; v++) {
			hint[2 * v] = v;
			hint[2 * v + 1] = v + 1;
		}
		for (pass = 0; pass < 2; pass++) {
			QT_ASSERT_OK(qc_alloc_get_best(a, c[i].k, 1, 0, false, &ql.q,
						       pass ? hint : NULL,
						       pass ? c[i].k - 1 : 0, phys));
			check_connected(t, a, phys, c[i].k, 1);
			if (!pass)
				check_region(t, a, phys, c[i].k, 1);	/* BFS order */
			for (v = 0; v < c[i].k; v++)
				if (!in[phys[v]])
					QT_FAIL("%s: qubit %u outside the good region",
						c[i].spec, phys[v]);
			/* the compact choice does not look at costs: not all good */
			qc_alloc_put(a, phys, c[i].k);
		}
		QT_ASSERT_OK(qc_alloc_get(a, c[i].k, 2, phys));
		for (v = 0; v < c[i].k && in[phys[v]]; v++)
			;
		QT_ASSERT_LT(v, c[i].k);
		qc_alloc_put(a, phys, c[i].k);
		QT_ASSERT_EQ(qc_alloc_free_count(a), t->num_qubits);
		quality_fini(&ql);
		free(in);
		free(phys);
		free(hint);
		qc_alloc_destroy(a);
		qc_topology_destroy(t);
	}
}

/* Edge costs count: of two equal-qubit regions the one with cheaper couplers. */
QPU_TEST(best_weighs_edges_and_hint)
{
	struct qc_topology *t = mk("line:8");
	struct qc_alloc *a = mka(t);
	struct quality ql;
	/* virtual 0-1 five times, 1-2 once */
	static const uint32_t hint[] = { 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 2, 1 };
	uint32_t phys[3];

	quality_init(&ql, t, 1000);
	/* edges 0-1 .. 6-7 are edges 0..6; make 5-6 cheap and 6-7 middling */
	ql.ec[5] = 10;
	ql.ec[6] = 500;
	ql.ec[1] = 300;
	ql.ec[2] = 300;		/* 1-2-3: 600 in all, worse than 5-6-7 with the hint */
	QT_ASSERT_OK(qc_alloc_get_best(a, 2, 1, 0, false, &ql.q, NULL, 0, phys));
	QT_ASSERT((phys[0] == 5 && phys[1] == 6) || (phys[0] == 6 && phys[1] == 5));
	qc_alloc_put(a, phys, 2);
	/* no hint, k = 3: chain of 2 interactions, 1-2-3 (600) vs 5-6-7 (510) */
	QT_ASSERT_OK(qc_alloc_get_best(a, 3, 1, 0, false, &ql.q, NULL, 0, phys));
	QT_ASSERT_EQ(phys[0], 5);	/* BFS from the cheapest; ties: lowest index */
	qc_alloc_put(a, phys, 3);
	/* with the hint the heavy pair 0-1 goes on the cheap edge 5-6 */
	QT_ASSERT_OK(qc_alloc_get_best(a, 3, 1, 0, false, &ql.q, hint, 6, phys));
	QT_ASSERT(qc_topology_coupled(t, phys[0], phys[1]));
	QT_ASSERT(qc_topology_coupled(t, phys[1], phys[2]));
	QT_ASSERT((phys[0] == 5 && phys[1] == 6) || (phys[0] == 6 && phys[1] == 5));
	QT_ASSERT_EQ(phys[2], 7);
	qc_alloc_put(a, phys, 3);
	quality_fini(&ql);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

/* Hint pairs land on coupled qubits where the hint graph embeds. */
QPU_TEST(best_embeds_hint)
{
	static const char *const specs[] = { "heavyhex:127", "grid:8x8", "line:30" };
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct qc_topology *t = mk(specs[i]);
		struct qc_alloc *a = mka(t);
		struct quality ql;
		uint32_t hint[64], phys[16], n = 0, v, k = 12;

		quality_init(&ql, t, 1000);
		/* a chain in scrambled virtual order: 3-7-0-11-5-1-9-2-10-4-8-6 */
		{
			static const uint32_t order[] = { 3, 7, 0, 11, 5, 1, 9, 2, 10, 4, 8, 6 };

			for (v = 0; v + 1 < k; v++) {
				hint[2 * n] = order[v + 1];
				hint[2 * n + 1] = order[v];
				n++;
			}
		}
		QT_ASSERT_OK(qc_alloc_get_best(a, k, 1, 0, false, &ql.q, hint, n, phys));
		check_connected(t, a, phys, k, 1);
		/*
		 * the greedy embedding extends a chain both ways from its
		 * middle; on a grid region it may corner itself once
		 */
		QT_ASSERT_GE(hosted_pairs(t, phys, hint, n),
			     strcmp(specs[i], "grid:8x8") ? n : n - 1);
		qc_alloc_put(a, phys, k);
		if (strcmp(specs[i], "line:30")) {
			/*
			 * a star of 3 around virtual 2 with one branch of two:
			 * a degree-3 tree every heavy-hex and grid region grown
			 * around a degree-3 qubit hosts
			 */
			static const uint32_t star[] = { 2, 0, 2, 1, 2, 3, 3, 4 };

			QT_ASSERT_OK(qc_alloc_get_best(a, 5, 1, 0, false, &ql.q, star, 4,
						       phys));
			check_connected(t, a, phys, 5, 1);
			QT_ASSERT_EQ(hosted_pairs(t, phys, star, 4), 4);
			qc_alloc_put(a, phys, 5);
		}
		quality_fini(&ql);
		qc_alloc_destroy(a);
		qc_topology_destroy(t);
	}
}

/* Guard isolation holds: a guarded good region is not reached into. */
QPU_TEST(best_respects_guard)
{
	struct qc_topology *t = mk("heavyhex:127");
	struct qc_alloc *a = mka(t);
	struct quality ql;
	char *in = zalloc(t->num_qubits, 1);
	uint32_t p1[8], p2[8], v, j;

	quality_init(&ql, t, 40000);
	quality_good_ball(&ql, t, 70, 20, 100, in);
	/* tenant 1 (guarded) takes the best 8 */
	QT_ASSERT_OK(qc_alloc_get_best(a, 8, 1, 1, true, &ql.q, NULL, 0, p1));
	for (v = 0; v < 8; v++)
		QT_ASSERT(in[p1[v]]);
	/* tenant 2, guarded or not, never touches tenant 1 */
	QT_ASSERT_OK(qc_alloc_get_best(a, 8, 2, 2, true, &ql.q, NULL, 0, p2));
	check_connected(t, a, p2, 8, 2);
	QT_ASSERT(qc_alloc_isolation_ok(a));
	for (v = 0; v < 8; v++)
		for (j = t->adj_off[p2[v]]; j < t->adj_off[p2[v] + 1]; j++)
			QT_ASSERT_NE(qc_alloc_owner(a, t->adj[j]), 1);
	qc_alloc_put(a, p2, 8);
	QT_ASSERT_OK(qc_alloc_get_best(a, 8, 3, 0, false, &ql.q, NULL, 0, p2));
	QT_ASSERT(qc_alloc_isolation_ok(a));
	for (v = 0; v < 8; v++)
		for (j = t->adj_off[p2[v]]; j < t->adj_off[p2[v] + 1]; j++)
			QT_ASSERT_NE(qc_alloc_owner(a, t->adj[j]), 1);
	qc_alloc_put(a, p2, 8);
	qc_alloc_put(a, p1, 8);
	quality_fini(&ql);
	free(in);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

/* Argument errors, and nothing changes on any error. */
QPU_TEST(best_errors)
{
	struct qc_topology *t = mk("grid:4x4");
	struct qc_alloc *a = mka(t);
	struct quality ql;
	static const uint32_t self[] = { 1, 1 }, far[] = { 0, 4 }, ok[] = { 0, 3 };
	struct qc_alloc_quality noq = { NULL, NULL };
	uint32_t phys[17];

	quality_init(&ql, t, 100);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 0, 1, 0, false, &ql.q, NULL, 0, phys), -EINVAL);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 4, 0, 0, false, &ql.q, NULL, 0, phys), -EINVAL);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 4, 1, 0, true, &ql.q, NULL, 0, phys), -EINVAL);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 4, 1, 0, false, NULL, NULL, 0, phys), -EINVAL);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 4, 1, 0, false, &noq, NULL, 0, phys), -EINVAL);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 4, 1, 0, false, &ql.q, NULL, 1, phys), -EINVAL);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 4, 1, 0, false, &ql.q, self, 1, phys), -EINVAL);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 4, 1, 0, false, &ql.q, far, 1, phys), -EINVAL);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 17, 1, 0, false, &ql.q, NULL, 0, phys), -E2BIG);
	QT_ASSERT_EQ(qc_alloc_get_best(a, 4, 1, 0, false, &ql.q, ok,
				       QC_ALLOC_HINT_MAX + 1, phys), -E2BIG);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 16);
	QT_ASSERT_OK(qc_alloc_get_best(a, 10, 1, 0, false, &ql.q, ok, 1, phys));
	QT_ASSERT_EQ(qc_alloc_get_best(a, 7, 2, 0, false, &ql.q, NULL, 0, phys), -ENOSPC);
	QT_ASSERT_EQ(qc_alloc_free_count(a), 6);
	quality_fini(&ql);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

/* Ties go to the lowest index; equal inputs give equal answers. */
QPU_TEST(best_deterministic)
{
	struct qc_topology *t = mk("line:10");
	struct qc_alloc *a = mka(t);
	struct quality ql;
	uint32_t phys[3];

	quality_init(&ql, t, 7);
	QT_ASSERT_OK(qc_alloc_get_best(a, 3, 1, 0, false, &ql.q, NULL, 0, phys));
	QT_ASSERT_EQ(phys[0], 0);
	QT_ASSERT_EQ(phys[1], 1);
	QT_ASSERT_EQ(phys[2], 2);
	QT_ASSERT_OK(qc_alloc_get_best(a, 3, 2, 0, false, &ql.q, NULL, 0, phys));
	QT_ASSERT_EQ(phys[0], 3);
	quality_fini(&ql);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

/*
 * Random costs, hints, sizes and frees on several graphs, run twice on two
 * allocators: every region is k distinct connected qubits of its owner,
 * isolation holds, -ENOSPC comes exactly when qc_alloc_get_isolated()
 * would give it too (same usable free subgraph), and both runs agree.
 */
static uint64_t best_run(const struct qc_topology *t, uint64_t seed, uint32_t steps)
{
	struct qc_alloc *a = mka(t), *ref = mka(t);
	uint32_t n = t->num_qubits, i, s, k, nlive = 0, owner = 0, v, nh;
	uint32_t **live = zalloc(n, sizeof(*live)), *live_k = zalloc(n, sizeof(uint32_t));
	uint32_t *hint = zalloc(2 * 64, sizeof(uint32_t)), *tmp = zalloc(n, sizeof(uint32_t));
	uint64_t h = 1469598103934665603ULL;
	struct quality ql;
	int ret, rret;

	rng_seed(seed);
	quality_init(&ql, t, 0);
	for (i = 0; i < n; i++)
		ql.qc[i] = rng(60000);
	for (i = 0; i < t->num_edges; i++)
		ql.ec[i] = rng(100000);
	for (s = 0; s < steps; s++) {
		uint32_t group = rng(3), guard = group && rng(2);

		if (nlive && (rng(3) == 0 || nlive == n)) {
			i = rng(nlive);
			qc_alloc_put(a, live[i], live_k[i]);
			qc_alloc_put(ref, live[i], live_k[i]);
			free(live[i]);
			live[i] = live[--nlive];
			live_k[i] = live_k[nlive];
			continue;
		}
		k = 1 + rng(n < 24 ? n : 24);
		nh = k > 1 ? rng(64) : 0;
		for (i = 0; i < nh; i++) {
			hint[2 * i] = rng(k);
			hint[2 * i + 1] = (hint[2 * i] + 1 + rng(k - 1)) % k;
		}
		live[nlive] = zalloc(k, sizeof(uint32_t));
		++owner;
		ret = qc_alloc_get_best(a, k, owner, group, guard, &ql.q, hint, nh,
					live[nlive]);
		/* the oracle: same usable subgraph, any connected region */
		rret = qc_alloc_get_isolated(ref, k, owner, group, guard, tmp);
		if (!rret)
			qc_alloc_put(ref, tmp, k);
		QT_ASSERT_EQ(ret, rret);
		if (ret) {
			free(live[nlive]);
			h = (h ^ (uint64_t)(-ret)) * 1099511628211ULL;
			continue;
		}
		check_connected(t, a, live[nlive], k, owner);
		QT_ASSERT(qc_alloc_isolation_ok(a));
		QT_ASSERT_OK(qc_alloc_get_exact(ref, live[nlive], k, owner, group, guard));
		for (v = 0; v < k; v++)
			h = (h ^ live[nlive][v]) * 1099511628211ULL;
		live_k[nlive++] = k;
	}
	while (nlive--) {
		qc_alloc_put(a, live[nlive], live_k[nlive]);
		free(live[nlive]);
	}
	QT_ASSERT_EQ(qc_alloc_free_count(a), n);
	quality_fini(&ql);
	free(live);
	free(live_k);
	free(hint);
	free(tmp);
	qc_alloc_destroy(a);
	qc_alloc_destroy(ref);
	return h;
}

QPU_TEST(best_stress)
{
	static const char *const specs[] = {
		"heavyhex:127", "grid:9x9", "line:50", "ring:40", "full:24", "line:2",
	};
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct qc_topology *t = mk(specs[i]);

		QT_ASSERT_EQ(best_run(t, 100 + i, 1500), best_run(t, 100 + i, 1500));
		qc_topology_destroy(t);
	}
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
