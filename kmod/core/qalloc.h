/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qalloc.h - physical qubit allocator (portable core).
 *
 * Hands out connected regions of a coupling graph. Not thread-safe: the
 * caller serialises every call on one allocator (the driver holds the
 * device's alloc_lock).
 */
#ifndef QPU_CORE_QALLOC_H
#define QPU_CORE_QALLOC_H

#include "port.h"
#include "topology.h"

struct qc_alloc;

/** qc_alloc_create() - allocator over @t, all qubits free; NULL on ENOMEM */
struct qc_alloc *qc_alloc_create(const struct qc_topology *t);
void qc_alloc_destroy(struct qc_alloc *a);

/**
 * qc_alloc_get() - allocate @k qubits forming a connected region
 * @a: allocator
 * @k: number of qubits, >= 1
 * @owner: non-zero tag stored with each qubit (the allocation handle)
 * @phys: out: k physical qubit indices; phys[v] is virtual qubit v. Virtual
 *	order is breadth-first from the region's first qubit, so virtual
 *	neighbours tend to be physical neighbours.
 *
 * Return: 0; -EINVAL for k == 0 or owner == 0; -E2BIG if k exceeds the
 * device; -ENOSPC if no connected set of k free qubits exists now.
 * Cost: O(V + E) of the free subgraph (O(V) on a fully connected device).
 */
int qc_alloc_get(struct qc_alloc *a, u32 k, u32 owner, u32 *phys);

/**
 * qc_alloc_get_isolated() - qc_alloc_get() inside an isolation domain
 * @a: allocator
 * @k: number of qubits, >= 1
 * @owner: non-zero tag stored with each qubit
 * @group: isolation group of the owner (a tenant's tag); 0: none (shared)
 * @guard: the owner wants a guard band: no coupling edge may join its
 *	qubits to qubits of another group
 * @phys: out: as for qc_alloc_get()
 *
 * Each qubit handed out remembers @group and @guard until it is released.
 * A free qubit q may be used iff every allocated neighbour n of q has
 * group(n) == @group, or neither @guard nor n's owner asked for a guard.
 * So shared requests (group 0, no guard) and unguarded groups may sit
 * next to each other, but nothing of another group ever touches a guarded
 * group's qubits; a group's own allocations may touch each other. The
 * region is connected and breadth-first ordered as for qc_alloc_get(),
 * built from usable free qubits only (the best-fit component and the
 * least-degree seed are those of the usable free subgraph).
 * qc_alloc_get(a, k, owner, phys) is qc_alloc_get_isolated(a, k, owner,
 * 0, false, phys).
 *
 * Return: 0; -EINVAL for k == 0, owner == 0, or @guard with @group 0;
 * -E2BIG if k exceeds the device; -ENOSPC if no connected set of k usable
 * free qubits exists now (nothing is changed).
 * Cost: O(V + E); a request without @guard while no guarded qubit is
 * allocated costs what qc_alloc_get() always did.
 */
int qc_alloc_get_isolated(struct qc_alloc *a, u32 k, u32 owner, u32 group,
			  bool guard, u32 *phys);

/**
 * struct qc_alloc_quality - calibrated cost of using each qubit and edge
 * @qubit_cost: per physical qubit, the error (ppm) a circuit pays for using
 *	it (e.g. readout mean + one-qubit gate + an idle term)
 * @edge_cost: per topology edge (qc_topology.edges order), the error (ppm)
 *	of one two-qubit gate on it
 *
 * Costs above %QC_ALLOC_COST_MAX count as %QC_ALLOC_COST_MAX.
 */
struct qc_alloc_quality {
	const u32 *qubit_cost;
	const u32 *edge_cost;
};

#define QC_ALLOC_COST_MAX	(1U << 24)

/*
 * The idle term of a qubit's cost: the relaxation and dephasing error of
 * a reference 1 us of idling, 1e6 * (1 us / 2 T1 + 1 us / 2 T2) ppm.
 */
#define QC_ALLOC_IDLE_PPM_US	500000U

/**
 * qc_alloc_qubit_cost() - the cost (ppm) of using a qubit, from its
 *	calibration: mean readout error, one-qubit gate error, idle term.
 *	Shared by the driver (placement) and libqpu (layout).
 * @ro01: P(read 1 | 0), ppm
 * @ro10: P(read 0 | 1), ppm
 * @gate1q: one-qubit gate error, ppm
 * @t1_us: T1 (0 counts as 1)
 * @t2_us: T2 (0 counts as 1)
 */
static inline u32 qc_alloc_qubit_cost(u32 ro01, u32 ro10, u32 gate1q,
				      u32 t1_us, u32 t2_us)
{
	u64 c = ((u64)ro01 + ro10) / 2 + gate1q +
		QC_ALLOC_IDLE_PPM_US / (t1_us ? t1_us : 1) +
		QC_ALLOC_IDLE_PPM_US / (t2_us ? t2_us : 1);

	return c < QC_ALLOC_COST_MAX ? (u32)c : QC_ALLOC_COST_MAX;
}
/* qc_alloc_get_best() takes at most this many hint pairs (-E2BIG beyond) */
#define QC_ALLOC_HINT_MAX	(1U << 20)

/**
 * qc_alloc_get_best() - allocate the connected region of @k qubits with the
 *	lowest estimated error, ordered to suit a circuit's interactions
 * @a: allocator
 * @k: number of qubits, >= 1
 * @owner: non-zero tag stored with each qubit
 * @group: isolation group, as for qc_alloc_get_isolated()
 * @guard: the owner wants a guard band, as for qc_alloc_get_isolated()
 * @q: the costs to minimise
 * @hint: 2 * @nhint virtual qubit indices < @k, (a, b) pairs with a != b in
 *	either order: the circuit's two-qubit interactions (a pair given
 *	twice weighs twice); NULL when @nhint is 0
 * @nhint: pairs in @hint; 0: a chain of k - 1 interactions is assumed
 * @phys: out: as for qc_alloc_get(), phys[v] is virtual qubit v
 *
 * Regions are built from usable free qubits under the isolation rule of
 * qc_alloc_get_isolated(). Candidates: from each of up to 128 seeds (the
 * usable qubits of least qubit cost plus cheapest usable edge; fewer for
 * large k), a region grown best-first (the frontier qubit of least qubit
 * cost plus connecting edge cost joins next; equal keys grow a ball for
 * hints with a virtual qubit of three or more partners, a path for
 * chain-like hints and none). A region's bound is a first-order
 * -log(ESP): its k qubit costs, plus the hint's distinct pairs, heaviest
 * first, weighted onto its edges, cheapest first, plus three times its
 * costliest edge for each pair it cannot host (more pairs than edges, or
 * more partners than region neighbours for the busiest virtual qubits).
 * Without a hint the least bound wins. With a hint the 8 regions of least
 * bound are embedded greedily (the busiest virtual qubit on the region
 * qubit with most region neighbours, then repeatedly the virtual qubit
 * most bound to those placed on the free region qubit that turns the
 * most pair weight into coupled pairs; ties: cheaper hosted edges and
 * qubit, more free neighbours, lower index) and scored exactly (hosted
 * pairs pay their edge, others the routing penalty); the least wins and
 * @phys is its embedding. Without a hint @phys is breadth-first from the
 * region's cheapest qubit. Ties go to the lower seed index: the same
 * state and arguments give the same answer.
 *
 * Return: 0; -EINVAL for k == 0, owner == 0, @guard with @group 0, no @q,
 * or a hint pair with an index >= k or a == b; -E2BIG if k exceeds the
 * device or @nhint exceeds %QC_ALLOC_HINT_MAX; -ENOSPC if no connected
 * set of k usable free qubits exists now; -ENOMEM (a hint needs
 * O(@nhint + k) scratch, allocated per call). Nothing changes on error.
 * Cost: O(V log V + S k (F + deg) + S E_r log E_r + nhint log nhint +
 * 8 k^2 deg), S seeds, F the frontier (<= k deg), E_r a region's edges
 * (k^2 / 2 on a complete graph); S shrinks as k grows so that S k F stays
 * near 2^20. About 60 us for k = 20 and 20 pairs on heavyhex:127
 * (qalloc_bench); ~100 ms for k = 1024 on full:1024.
 */
int qc_alloc_get_best(struct qc_alloc *a, u32 k, u32 owner, u32 group,
		      bool guard, const struct qc_alloc_quality *q,
		      const u32 *hint, u32 nhint, u32 *phys);

/**
 * qc_alloc_get_exact() - allocate exactly the qubits @phys names
 * @a: allocator
 * @phys: k physical qubits; phys[v] becomes virtual qubit v. Need not be
 *	connected.
 * @k: number of qubits, >= 1
 * @owner: non-zero tag stored with each qubit
 * @group: isolation group, as for qc_alloc_get_isolated()
 * @guard: the owner wants a guard band, as for qc_alloc_get_isolated()
 *
 * The isolation rule of qc_alloc_get_isolated() applies unchanged: a
 * wanted qubit next to an allocated qubit of another group, where either
 * side asked for a guard, is refused. All or nothing.
 *
 * Return: 0; -EINVAL for k == 0, owner == 0, @guard with @group 0, a qubit
 * outside the device or one named twice; -E2BIG if k exceeds the device;
 * -EBUSY if a wanted qubit is allocated, or isolation keeps it from this
 * request (nothing is changed on error).
 * Cost: O(k + the wanted qubits' degrees); O(V) on a complete graph when
 * a guard is involved.
 */
int qc_alloc_get_exact(struct qc_alloc *a, const u32 *phys, u32 k,
		       u32 owner, u32 group, bool guard);

/** qc_alloc_put() - release @k qubits listed in @phys; O(k) */
void qc_alloc_put(struct qc_alloc *a, const u32 *phys, u32 k);

/** qc_alloc_owner() - owner tag of qubit @q, 0 when free */
u32 qc_alloc_owner(const struct qc_alloc *a, u32 q);

/** qc_alloc_group() - isolation group of qubit @q's owner, 0 when free */
u32 qc_alloc_group(const struct qc_alloc *a, u32 q);

/** qc_alloc_guarded() - whether qubit @q's owner asked for a guard */
bool qc_alloc_guarded(const struct qc_alloc *a, u32 q);

/**
 * qc_alloc_isolation_ok() - the isolation invariant holds: no coupling
 * edge joins allocated qubits of different groups where either side is
 * guarded. Computed from the per-qubit tags, O(V + E). For tests.
 */
bool qc_alloc_isolation_ok(const struct qc_alloc *a);

/** qc_alloc_free_count() - qubits currently free */
u32 qc_alloc_free_count(const struct qc_alloc *a);

/**
 * qc_alloc_region_edges() - coupling map of a region in virtual indices
 * @a: allocator (its per-qubit scratch space is used, so callers serialise
 *	this like every other call)
 * @phys: region, phys[v] = physical qubit of virtual v
 * @k: qubits in the region
 * @edges: out: (va, vb) pairs, va < vb, sorted; may be NULL to count only
 * @cap: capacity of @edges in edges
 *
 * Return: the number of edges inside the region (which may exceed @cap;
 * only min(cap, count) are written).
 */
u32 qc_alloc_region_edges(struct qc_alloc *a, const u32 *phys, u32 k,
			  u32 *edges, u32 cap);

#endif /* QPU_CORE_QALLOC_H */
