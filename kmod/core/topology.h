/* SPDX-License-Identifier: GPL-2.0 */
/*
 * topology.h - coupling graphs of simulated QPUs (portable core).
 *
 * A topology is built once from a spec string ("line:N", "ring:N",
 * "grid:RxC", "heavyhex:N", "full:N") and is immutable afterwards, so it
 * needs no lock: readers share it freely.
 */
#ifndef QPU_CORE_TOPOLOGY_H
#define QPU_CORE_TOPOLOGY_H

#include "port.h"

/**
 * struct qc_topology - an undirected coupling graph
 * @kind: enum qpu_topology_kind (uapi)
 * @num_qubits: vertices 0..num_qubits-1
 * @num_edges: entries in @edges
 * @edges: (a, b) pairs with a < b, sorted by (a, b), no duplicates;
 *	2 * num_edges u32
 * @adj_off: CSR offsets, num_qubits + 1 entries
 * @adj: CSR neighbour lists, 2 * num_edges entries, each list sorted
 * @name: canonical spec, e.g. "grid:4x5"
 */
struct qc_topology {
	u32 kind;
	u32 num_qubits;
	u32 num_edges;
	u32 *edges;
	u32 *adj_off;
	u32 *adj;
	char name[32];
};

/**
 * qc_topology_create() - build a topology from a spec string
 * @spec: "line:N" (N >= 1), "ring:N" (N >= 3), "grid:RxC" (R, C >= 1),
 *	"heavyhex:N" (N in 7, 16, 27, 65, 127, 433, 1121), "full:N" (N >= 1).
 *	Surrounding whitespace (a trailing newline from sysfs) is ignored.
 * @max_qubits: reject specs with more qubits than this
 * @max_edges: reject specs with more edges than this
 * @out: on success, the new topology; free with qc_topology_destroy()
 *
 * Return: 0, -EINVAL for a malformed or unknown spec, -E2BIG when the spec
 * exceeds @max_qubits or @max_edges, -ENOMEM.
 */
int qc_topology_create(const char *spec, u32 max_qubits, u32 max_edges,
		       struct qc_topology **out);
void qc_topology_destroy(struct qc_topology *t);

/** qc_topology_coupled() - true if @a and @b share an edge (O(log deg)) */
bool qc_topology_coupled(const struct qc_topology *t, u32 a, u32 b);

/** QC_NO_EDGE - qc_topology_edge() of two qubits that are not coupled */
#define QC_NO_EDGE	0xffffffffU

/**
 * qc_topology_edge() - index into @t->edges of the edge @a-@b (either
 *	order), or %QC_NO_EDGE; O(log E)
 */
u32 qc_topology_edge(const struct qc_topology *t, u32 a, u32 b);

/** qc_topology_degree() - number of neighbours of @q */
static inline u32 qc_topology_degree(const struct qc_topology *t, u32 q)
{
	return t->adj_off[q + 1] - t->adj_off[q];
}

#endif /* QPU_CORE_TOPOLOGY_H */
