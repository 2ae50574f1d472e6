// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * layout.c - placing a circuit's qubits onto an allocation so that every
 * multi-qubit gate lands on coupled qubits (what the kernel's validator
 * demands: the rule itself is kmod/core/coupling.c, which the validator
 * and this file share). A backtracking search over injective maps,
 * most-constrained circuit qubit first, with adjacency and degree pruning
 * and a step budget.
 * It never inserts SWAPs: circuits that need routing are rejected.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "circuit.h"
#include "coupling.h"

#define QPU_LAYOUT_STEPS	(1U << 20)

struct layout {
	uint32_t n, k;		/* circuit qubits, allocation qubits */
	uint8_t *cadj;		/* n x n: circuit qubits interact */
	uint8_t *aadj;		/* k x k: allocation qubits coupled */
	uint32_t *cdeg, *adeg;
	uint32_t *order;	/* circuit qubits in search order */
	uint32_t *map;		/* circuit qubit -> allocation qubit */
	uint8_t *used;		/* allocation qubit taken */
	const struct qpu_gate *gates;
	uint32_t ngates;
	uint32_t steps;
};

/* Coupling of circuit qubits @a and @b under the current map. */
static bool mapped_coupled(void *priv, uint32_t a, uint32_t b)
{
	const struct layout *l = priv;

	return l->aadj[l->map[a] * l->k + l->map[b]];
}

/*
 * Does the current map satisfy the kernel's rule (kmod/core/coupling.c,
 * the validator's own function) for every gate on @min or more qubits?
 */
static bool gates_connected(const struct layout *l, uint32_t min)
{
	uint32_t i, n;

	for (i = 0; i < l->ngates; i++) {
		n = qc_gate_operands(&l->gates[i]);
		if (n >= min &&
		    !qc_operands_connected(l->gates[i].qubits, n,
					   mapped_coupled, (void *)l,
					   NULL, NULL))
			return false;
	}
	return true;
}

static bool fits(const struct layout *l, uint32_t depth, uint32_t v)
{
	uint32_t c = l->order[depth], i;

	if (l->used[v] || l->adeg[v] < l->cdeg[c])
		return false;
	for (i = 0; i < depth; i++) {
		uint32_t u = l->order[i];

		if (l->cadj[c * l->n + u] && !l->aadj[v * l->k + l->map[u]])
			return false;
	}
	return true;
}

static bool search(struct layout *l, uint32_t depth)
{
	uint32_t v;

	/* Two-qubit gates were checked on the way down by fits(). */
	if (depth == l->n)
		return gates_connected(l, 3);
	for (v = 0; v < l->k; v++) {
		if (++l->steps > QPU_LAYOUT_STEPS)
			return false;
		if (!fits(l, depth, v))
			continue;
		l->map[l->order[depth]] = v;
		l->used[v] = 1;
		if (search(l, depth + 1))
			return true;
		l->used[v] = 0;
	}
	return false;
}

/* Most interactions first, then neighbours of placed qubits (BFS-like). */
static void make_order(struct layout *l)
{
	uint8_t *placed = l->used;	/* borrowed, cleared afterwards */
	uint32_t i, j, best;

	for (i = 0; i < l->n; i++) {
		long score, top = -1;

		best = 0;
		for (j = 0; j < l->n; j++) {
			uint32_t u, links = 0;

			if (placed[j])
				continue;
			for (u = 0; u < l->n; u++)
				links += placed[u] && l->cadj[j * l->n + u];
			score = (long)links * 1000 + l->cdeg[j];
			if (score > top) {
				top = score;
				best = j;
			}
		}
		l->order[i] = best;
		placed[best] = 1;
	}
	memset(placed, 0, l->k);
}

static void add_interactions(struct layout *l)
{
	uint32_t g, i, j;

	for (g = 0; g < l->ngates; g++) {
		const struct qpu_gate *gt = &l->gates[g];

		if (qc_gate_operands(gt) != 2)
			continue;	/* wider gates are checked at the leaves */
		i = gt->qubits[0];
		j = gt->qubits[1];
		if (!l->cadj[i * l->n + j]) {
			l->cadj[i * l->n + j] = l->cadj[j * l->n + i] = 1;
			l->cdeg[i]++;
			l->cdeg[j]++;
		}
	}
}

QPU_EXPORT uint32_t qpu_circuit_interactions(const struct qpu_circuit *c,
					     struct qpu_edge *pairs,
					     uint32_t cap)
{
	const struct qpu_gate *g = qpu_circuit_gates(c);
	uint32_t ng = qpu_circuit_num_gates(c), i, j, n, count = 0;

	for (i = 0; i < ng; i++) {
		n = qc_gate_operands(&g[i]);
		for (j = 0; j + 1 < n; j++, count++) {
			if (count >= cap || !pairs)
				continue;
			pairs[count].a = g[i].qubits[j];
			pairs[count].b = g[i].qubits[j + 1];
		}
	}
	return count;
}

QPU_EXPORT int qpu_circuit_layout(const struct qpu_circuit *c,
				  const struct qpu_qubits *q, uint32_t *map)
{
	struct layout l = {
		.n = qpu_circuit_num_qubits(c),
		.k = q->num_qubits,
		.gates = qpu_circuit_gates(c),
		.ngates = qpu_circuit_num_gates(c),
	};
	uint32_t i;
	int ret = -ENOMEM;

	if (l.n > l.k)
		return qpu_err(-E2BIG);
	l.cadj = calloc((size_t)l.n * l.n, 1);
	l.aadj = calloc((size_t)l.k * l.k, 1);
	l.cdeg = calloc(l.n, sizeof(*l.cdeg));
	l.adeg = calloc(l.k, sizeof(*l.adeg));
	l.order = calloc(l.n, sizeof(*l.order));
	l.used = calloc(l.k, 1);
	l.map = map;
	if (!l.cadj || !l.aadj || !l.cdeg || !l.adeg || !l.order || !l.used)
		goto out;

	for (i = 0; i < q->num_edges; i++) {
		uint32_t a = q->edges[i].a, b = q->edges[i].b;

		l.aadj[a * l.k + b] = l.aadj[b * l.k + a] = 1;
		l.adeg[a]++;
		l.adeg[b]++;
	}
	add_interactions(&l);

	/* The identity first: most circuits written for a device fit as is. */
	for (i = 0; i < l.n; i++) {
		l.order[i] = i;
		map[i] = i;
	}
	ret = 0;
	for (i = 0; i < l.n && !ret; i++)
		if (!fits(&l, i, i))
			ret = -EXDEV;
		else
			l.used[i] = 1;
	if (!ret && gates_connected(&l, 3))
		goto check;

	memset(l.used, 0, l.k);
	make_order(&l);
	ret = search(&l, 0) ? 0 : -EXDEV;
check:
	/*
	 * The answer is the validator's: every gate on two or more qubits
	 * by the shared rule (the search's pruning only gets there faster).
	 */
	if (!ret && !gates_connected(&l, 2))
		ret = -EXDEV;
out:
	free(l.cadj);
	free(l.aadj);
	free(l.cdeg);
	free(l.adeg);
	free(l.order);
	free(l.used);
	return qpu_err(ret);
}
