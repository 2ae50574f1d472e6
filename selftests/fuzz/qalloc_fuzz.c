// SPDX-License-Identifier: GPL-2.0
/*
 * qalloc_fuzz.c - fuzz target of the qubit allocator (kmod/core/qalloc.c)
 * with isolation groups: the first input byte picks a topology, the rest
 * is a sequence of operations, each from a few bytes: allocate k qubits
 * for a group (0 = shared, 1..7) with or without a guard, where the
 * allocator chooses or exactly the k qubits the input names
 * (qc_alloc_get_exact()), or by calibrated fidelity (qc_alloc_get_best(),
 * with costs hashed from a seed the input gives, some above
 * QC_ALLOC_COST_MAX, and a hint of up to 8 pairs the input names, some
 * with a == b or an index >= k), or release one of the live allocations.
 *
 * Properties checked beyond "no crash, no sanitizer report", after every
 * operation:
 *  - the result is 0, -EINVAL (exactly for a guard without a group, or
 *    a bad hint pair),
 *    -E2BIG (exactly for k above the device) or -ENOSPC; a failed call
 *    changes nothing;
 *    (an exact request: -EINVAL or -EBUSY instead of -ENOSPC);
 *  - a region is k distinct qubits that were free, connected (unless
 *    exact), tagged with its owner, group and guard;
 *  - every qubit's owner/group/guard agrees with the target's own record,
 *    and the free count adds up;
 *  - isolation: a brute-force scan of every coupling edge finds no edge
 *    joining qubits of different groups where either side is guarded, and
 *    qc_alloc_isolation_ok() agrees.
 */
#include <linux/qpu.h>

#include "qalloc.h"
#include "topology.h"
#include "fuzz.h"

static const char *const specs[] = {
	"line:1", "line:12", "ring:9", "grid:4x4", "grid:3x7", "heavyhex:27",
	"heavyhex:127", "full:6", "full:40",
};

#define MAX_LIVE	64

struct live {
	u32 owner, k, group;
	bool guard;
	u32 *phys;
};

static struct qc_topology *topology(u32 i)
{
	static struct qc_topology *cache[ARRAY_SIZE(specs)];

	if (!cache[i])
		FZ_ASSERT(!qc_topology_create(specs[i], QPU_MAX_QUBITS,
					      QPU_MAX_EDGES, &cache[i]),
			  "%s", specs[i]);
	return cache[i];
}

/* The allocator's per-qubit tags against the target's record. */
static void check_state(const struct qc_topology *t, const struct qc_alloc *a,
			const u32 *owner, const u32 *group, const u8 *guard)
{
	u32 q, j, nfree = 0;
	bool iso = true;

	for (q = 0; q < t->num_qubits; q++) {
		FZ_ASSERT(qc_alloc_owner(a, q) == owner[q], "qubit %u: owner %u, want %u",
			  q, qc_alloc_owner(a, q), owner[q]);
		FZ_ASSERT(qc_alloc_group(a, q) == group[q], "qubit %u: group %u, want %u",
			  q, qc_alloc_group(a, q), group[q]);
		FZ_ASSERT(qc_alloc_guarded(a, q) == !!guard[q], "qubit %u", q);
		nfree += !owner[q];
		for (j = t->adj_off[q]; j < t->adj_off[q + 1]; j++) {
			u32 w = t->adj[j];

			if (owner[q] && owner[w] && group[q] != group[w] &&
			    (guard[q] || guard[w]))
				iso = false;
		}
	}
	FZ_ASSERT(qc_alloc_free_count(a) == nfree, "free %u, want %u",
		  qc_alloc_free_count(a), nfree);
	FZ_ASSERT(iso, "an edge joins a guarded group to another group");
	FZ_ASSERT(qc_alloc_isolation_ok(a), "qc_alloc_isolation_ok() disagrees");
}

/* @phys is connected: a search inside the region reaches all k. */
static void check_connected(const struct qc_topology *t, const u32 *phys, u32 k,
			    u32 *mark, u32 *queue)
{
	u32 v, j, head = 0, tail = 0;

	for (v = 0; v < k; v++)
		mark[phys[v]] = 1;
	queue[tail++] = phys[0];
	mark[phys[0]] = 2;
	while (head < tail) {
		u32 u = queue[head++];

		for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
			if (mark[t->adj[j]] == 1) {
				mark[t->adj[j]] = 2;
				queue[tail++] = t->adj[j];
			}
		}
	}
	FZ_ASSERT(tail == k, "region of %u qubits, %u reachable", k, tail);
	for (v = 0; v < k; v++)
		mark[phys[v]] = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	const struct qc_topology *t = topology(fz_below(&f, ARRAY_SIZE(specs)));
	u32 n = t->num_qubits, nlive = 0, next_owner = 1, i, v;
	struct live live[MAX_LIVE];
	struct qc_alloc *a = qc_alloc_create(t);
	u32 *owner = calloc(n, sizeof(u32)), *group = calloc(n, sizeof(u32));
	u32 *mark = calloc(n, sizeof(u32)), *queue = calloc(n, sizeof(u32));
	u8 *guard = calloc(n, 1);
	u32 *qcost = calloc(n, sizeof(u32));
	u32 *ecost = calloc(t->num_edges + 1, sizeof(u32));
	struct qc_alloc_quality q = { qcost, ecost };
	u32 hint[16], seed;
	int steps = 0;

	FZ_ASSERT(a && owner && group && mark && queue && guard && qcost && ecost,
		  "out of memory");
	/* costs: a hash of the input's seed; one in 16 above the clamp */
	seed = fz_u32(&f);
	for (i = 0; i < n + t->num_edges; i++) {
		u32 h = (seed ^ i) * 0x9e3779b1U;

		h ^= h >> 15;
		h = (h & 15) ? h % 200000 : h | QC_ALLOC_COST_MAX;
		if (i < n)
			qcost[i] = h;
		else
			ecost[i - n] = h;
	}
	while (f.n && steps++ < 512) {
		u8 op = fz_u8(&f);

		if ((op & 3) == 3 && nlive) {
			struct live l;

			i = fz_below(&f, nlive);
			l = live[i];
			qc_alloc_put(a, l.phys, l.k);
			for (v = 0; v < l.k; v++) {
				owner[l.phys[v]] = 0;
				group[l.phys[v]] = 0;
				guard[l.phys[v]] = 0;
			}
			free(l.phys);
			live[i] = live[--nlive];
		} else if (nlive < MAX_LIVE) {
			/* k: mostly small, sometimes anything up to past the device */
			u32 k = op & 0x80 ? fz_below(&f, n + 2) : 1u + (fz_u8(&f) & 7u);
			u32 g = (op >> 2) & 7;
			bool gd = op & 0x20, exact = op & 0x40;
			bool best = !exact && (op & 3) == 2, bad_hint = false;
			u32 *phys = calloc(k ? k : 1, sizeof(u32));
			u32 o = next_owner++, nh = 0;
			int ret;

			FZ_ASSERT(phys, "out of memory");
			if (exact) {
				/* the qubits from the input: some held, some bad */
				for (v = 0; v < k; v++)
					phys[v] = fz_below(&f, n + 1);
				ret = qc_alloc_get_exact(a, phys, k, o, g, gd);
			} else if (best) {
				nh = fz_below(&f, 9);
				for (v = 0; v < 2 * nh; v++)
					hint[v] = fz_below(&f, k + 1);
				for (v = 0; v < nh; v++)
					bad_hint |= hint[2 * v] >= k || hint[2 * v + 1] >= k ||
						    hint[2 * v] == hint[2 * v + 1];
				ret = qc_alloc_get_best(a, k, o, g, gd, &q, hint, nh, phys);
			} else {
				ret = qc_alloc_get_isolated(a, k, o, g, gd, phys);
			}
			if (!k || (gd && !g)) {
				FZ_ASSERT(ret == -EINVAL, "k %u group %u guard %d: %d", k, g, gd, ret);
			} else if (k > n) {
				FZ_ASSERT(ret == -E2BIG, "k %u: %d", k, ret);
			} else if (bad_hint) {
				FZ_ASSERT(ret == -EINVAL, "bad hint: %d", ret);
			} else if (exact) {
				FZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -EBUSY,
					  "exact: %d", ret);
			} else {
				FZ_ASSERT(ret == 0 || ret == -ENOSPC, "%d", ret);
			}
			if (ret) {
				free(phys);
			} else {
				for (v = 0; v < k; v++) {
					FZ_ASSERT(phys[v] < n, "qubit %u", phys[v]);
					FZ_ASSERT(!owner[phys[v]], "qubit %u taken twice", phys[v]);
					owner[phys[v]] = o;
					group[phys[v]] = g;
					guard[phys[v]] = gd;
				}
				if (!exact)
					check_connected(t, phys, k, mark, queue);
				live[nlive++] = (struct live){ o, k, g, gd, phys };
			}
		}
		check_state(t, a, owner, group, guard);
	}
	while (nlive--)
		free(live[nlive].phys);
	qc_alloc_destroy(a);
	free(owner);
	free(group);
	free(mark);
	free(queue);
	free(guard);
	free(qcost);
	free(ecost);
	return 0;
}
