// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * route.c - making a circuit executable on an allocation's couplings by
 * inserting SWAPs (qpu_circuit_route()).
 *
 * This is the first, greedy router: gates on three qubits that qelib1.inc
 * defines through two-qubit ones (ccx, cswap) are decomposed exactly as
 * qelib1 does; then, in gate order, the first operand of every two-qubit
 * gate whose qubits are not coupled is moved along a shortest path of the
 * coupling graph (BFS distances) until it is next to the second. The
 * starting placement is the identity. Measurements, resets and conditions
 * act on wherever their qubit is at that point, so classical bits, and
 * thus results, are the user's own; observables are renamed by the final
 * placement. It is deterministic: the seed is recorded (the circuit's
 * source, qpu_circuit_set_source()) for the randomized look-ahead router
 * that will replace the greedy choice, and does not change the result yet.
 * Stateless: no locks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "circuit_priv.h"
#include "circuit.h"
#include "coupling.h"

#define ROUTE_MAX_QUBITS	64
#define ROUTE_FAR		0xffff

struct router {
	uint32_t k;
	uint8_t adj[ROUTE_MAX_QUBITS][ROUTE_MAX_QUBITS];
	uint16_t dist[ROUTE_MAX_QUBITS][ROUTE_MAX_QUBITS];
	uint32_t l2p[ROUTE_MAX_QUBITS];	/* circuit qubit -> allocation qubit */
	uint32_t p2l[ROUTE_MAX_QUBITS];
	uint32_t tin[ROUTE_MAX_QUBITS];	/* depth so far per circuit qubit */
	uint32_t tout[ROUTE_MAX_QUBITS];	/* ... per allocation qubit */
	struct qpu_circuit *out;
	struct qpu_route_stats st;
};

/* Coupling of allocation qubits, for the validator's own rule. */
static bool router_coupled(void *priv, uint32_t a, uint32_t b)
{
	const struct router *r = priv;

	return r->adj[a][b];
}

static int router_init(struct router *r, const struct qpu_qubits *q)
{
	uint32_t queue[ROUTE_MAX_QUBITS], s, h, t, v, w, i;

	memset(r, 0, sizeof(*r));
	r->k = q->num_qubits;
	for (i = 0; i < q->num_edges; i++) {
		if (q->edges[i].a >= r->k || q->edges[i].b >= r->k)
			return -EINVAL;
		r->adj[q->edges[i].a][q->edges[i].b] = 1;
		r->adj[q->edges[i].b][q->edges[i].a] = 1;
	}
	for (s = 0; s < r->k; s++) {
		for (v = 0; v < r->k; v++)
			r->dist[s][v] = ROUTE_FAR;
		r->dist[s][s] = 0;
		queue[0] = s;
		for (h = 0, t = 1; h < t; h++) {
			v = queue[h];
			for (w = 0; w < r->k; w++) {
				if (!r->adj[v][w] || r->dist[s][w] != ROUTE_FAR)
					continue;
				r->dist[s][w] = r->dist[s][v] + 1;
				queue[t++] = w;
			}
		}
	}
	for (i = 0; i < r->k; i++)
		r->l2p[i] = r->p2l[i] = i;
	return 0;
}

/* Depth bookkeeping: @g occupies its operands for @layers layers. */
static void router_depth(uint32_t *t, const uint32_t *qs, uint32_t n,
			 uint32_t layers, uint32_t *depth)
{
	uint32_t m = 0, i;

	for (i = 0; i < n; i++)
		if (t[qs[i]] > m)
			m = t[qs[i]];
	for (i = 0; i < n; i++)
		t[qs[i]] = m + layers;
	if (m + layers > *depth)
		*depth = m + layers;
}

static int router_emit(struct router *r, const struct qpu_gate *g)
{
	uint32_t qs[6], n = qc_gate_operands(g), i;

	for (i = 0; i < n; i++)
		qs[i] = g->qubits[i];
	if (g->op != QPU_OP_BARRIER)
		router_depth(r->tout, qs, n, 1, &r->st.depth_after);
	if (n == 2)
		r->st.gates_2q_after++;
	return qpu__circuit_append(r->out, g);
}

/* SWAP allocation qubits @a and @b (coupled) and follow the placement. */
static int router_swap(struct router *r, uint32_t a, uint32_t b)
{
	struct qpu_gate g;
	uint32_t la = r->p2l[a], lb = r->p2l[b], qs[2] = { a, b };

	memset(&g, 0, sizeof(g));
	g.op = QPU_OP_SWAP;
	g.qubits[0] = a;
	g.qubits[1] = b;
	r->p2l[a] = lb;
	r->p2l[b] = la;
	r->l2p[la] = b;
	r->l2p[lb] = a;
	r->st.swaps++;
	/* a SWAP is three CX on hardware */
	router_depth(r->tout, qs, 2, 3, &r->st.depth_after);
	r->st.gates_2q_after += 3;
	return qpu__circuit_append(r->out, &g);
}

/* Route one gate of at most two operands (circuit qubits). */
static int router_gate(struct router *r, const struct qpu_gate *g)
{
	uint32_t n = qc_gate_operands(g), a, b, v, i, qs[6];
	struct qpu_gate o = *g;
	int ret;

	for (i = 0; i < n; i++)
		qs[i] = g->qubits[i];
	if (g->op != QPU_OP_BARRIER)
		router_depth(r->tin, qs, n, 1, &r->st.depth_before);
	if (n == 2) {
		r->st.gates_2q_before++;
		a = r->l2p[g->qubits[0]];
		b = r->l2p[g->qubits[1]];
		if (r->dist[a][b] == ROUTE_FAR)
			return -EXDEV;
		while (r->dist[a][b] > 1) {
			for (v = 0; v < r->k; v++)
				if (r->adj[a][v] && r->dist[v][b] == r->dist[a][b] - 1)
					break;
			ret = router_swap(r, a, v);
			if (ret)
				return ret;
			a = v;
		}
	}
	for (i = 0; i < n; i++)
		o.qubits[i] = r->l2p[g->qubits[i]];
	return router_emit(r, &o);
}

/* A piece of a decomposed gate: @g's condition, no angles. */
static struct qpu_gate piece(const struct qpu_gate *g, uint32_t op,
			     uint32_t a, int b)
{
	struct qpu_gate p;

	memset(&p, 0, sizeof(p));
	p.op = op;
	p.flags = g->flags & QPU_GATE_COND;
	p.cond_start = g->cond_start;
	p.cond_width = g->cond_width;
	p.cond_value = g->cond_value;
	if (b >= 0) {
		p.nctrl = 1;
		p.qubits[0] = a;
		p.qubits[1] = (uint32_t)b;
	} else {
		p.qubits[0] = a;
	}
	return p;
}

/* ccx a, b, c as qelib1.inc defines it. */
static int route_ccx(struct router *r, const struct qpu_gate *g, uint32_t a,
		     uint32_t b, uint32_t c)
{
	const struct qpu_gate seq[] = {
		piece(g, QPU_OP_H, c, -1), piece(g, QPU_OP_X, b, c),
		piece(g, QPU_OP_TDG, c, -1), piece(g, QPU_OP_X, a, c),
		piece(g, QPU_OP_T, c, -1), piece(g, QPU_OP_X, b, c),
		piece(g, QPU_OP_TDG, c, -1), piece(g, QPU_OP_X, a, c),
		piece(g, QPU_OP_T, b, -1), piece(g, QPU_OP_T, c, -1),
		piece(g, QPU_OP_H, c, -1), piece(g, QPU_OP_X, a, b),
		piece(g, QPU_OP_T, a, -1), piece(g, QPU_OP_TDG, b, -1),
		piece(g, QPU_OP_X, a, b),
	};
	uint32_t i;
	int ret;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		ret = router_gate(r, &seq[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* cswap a, b, c = cx c,b; ccx a,b,c; cx c,b (qelib1.inc). */
static int route_cswap(struct router *r, const struct qpu_gate *g, uint32_t a,
		       uint32_t b, uint32_t c)
{
	struct qpu_gate cx = piece(g, QPU_OP_X, c, (int)b);
	int ret;

	ret = router_gate(r, &cx);
	if (!ret)
		ret = route_ccx(r, g, a, b, c);
	if (!ret)
		ret = router_gate(r, &cx);
	return ret;
}

static int route_one(struct router *r, const struct qpu_gate *g)
{
	uint32_t n = qc_gate_operands(g);

	if (n <= 2)
		return router_gate(r, g);
	if (g->op == QPU_OP_X && g->nctrl == 2)
		return route_ccx(r, g, g->qubits[0], g->qubits[1], g->qubits[2]);
	if (g->op == QPU_OP_SWAP && g->nctrl == 1)
		return route_cswap(r, g, g->qubits[0], g->qubits[1], g->qubits[2]);
	/* c3x, c4x, c3sqrtx and wider: not decomposed by this router yet */
	return -EOPNOTSUPP;
}

QPU_EXPORT int qpu_circuit_needs_route(const struct qpu_circuit *c,
				       const struct qpu_qubits *q)
{
	const struct qpu_gate *g = qpu_circuit_gates(c);
	uint32_t i, n;
	struct router *r;
	int ret = 0;

	if (qpu_circuit_num_qubits(c) > q->num_qubits)
		return 1;
	if (q->num_qubits > ROUTE_MAX_QUBITS)
		return qpu_err(-E2BIG);
	r = malloc(sizeof(*r));
	if (!r)
		return qpu_err(-ENOMEM);
	if (router_init(r, q)) {
		free(r);
		return qpu_err(-EINVAL);
	}
	for (i = 0; i < qpu_circuit_num_gates(c) && !ret; i++) {
		n = qc_gate_operands(&g[i]);
		if (n >= 2 && !qc_operands_connected(g[i].qubits, n, router_coupled,
						     r, NULL, NULL))
			ret = 1;
	}
	free(r);
	return ret;
}

QPU_EXPORT int qpu_circuit_route(struct qpu_dev *dev, const struct qpu_circuit *c,
				 const struct qpu_qubits *q,
				 const struct qpu_route_opts *opts,
				 struct qpu_circuit **out,
				 struct qpu_route_stats *stats)
{
	const struct qpu_gate *g = qpu_circuit_gates(c);
	const uint64_t *obs = qpu_circuit_observables(c);
	struct qpu_circuit_source src;
	uint32_t i, j, n = qpu_circuit_num_qubits(c);
	struct router *r;
	uint64_t m;
	int ret;

	(void)dev;	/* calibration-aware costs come with the look-ahead router */
	if (opts && opts->flags)
		return qpu_err(-EINVAL);
	if (n > q->num_qubits || q->num_qubits > ROUTE_MAX_QUBITS)
		return qpu_err(-E2BIG);
	r = malloc(sizeof(*r));
	if (!r)
		return qpu_err(-ENOMEM);
	ret = router_init(r, q);
	if (ret)
		goto out_free;
	r->out = qpu__circuit_like(c, q->num_qubits);
	ret = -ENOMEM;
	if (!r->out)
		goto out_free;
	for (i = 0; i < qpu_circuit_num_gates(c); i++) {
		ret = route_one(r, &g[i]);
		if (ret)
			goto out_circ;
	}
	for (i = 0; i < qpu_circuit_num_observables(c); i++) {
		for (m = 0, j = 0; j < n; j++)
			if (obs[i] >> j & 1)
				m |= 1ULL << r->l2p[j];
		ret = qpu_circuit_add_observable(r->out, m);
		if (ret)
			goto out_circ;
	}
	/* Name the circuit as the user submitted it (its own source if any). */
	if (qpu_circuit_source(c, &src))
		ret = qpu_circuit_hash(c, src.hash);
	if (ret)
		goto out_circ;
	src.route_seed = opts ? opts->seed : 0;
	src.route_swaps = r->st.swaps;
	qpu_circuit_set_source(r->out, &src);
	for (i = 0; i < QPU_MAX_SIM_QUBITS; i++) {
		r->st.map_initial[i] = i;
		r->st.map_final[i] = i < r->k ? r->l2p[i] : i;
	}
	if (stats)
		*stats = r->st;
	*out = r->out;
	free(r);
	return 0;

out_circ:
	qpu_circuit_free(r->out);
out_free:
	free(r);
	return qpu_err(ret);
}
