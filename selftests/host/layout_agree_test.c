// SPDX-License-Identifier: GPL-2.0
/*
 * layout_agree_test.c - libqpu's layout search (qpu_circuit_layout()) and
 * the kernel's circuit validator (qc_circuit_validate(), built here from
 * kmod/core) must agree, now that both use the coupling rule of
 * kmod/core/coupling.c:
 *
 *  - the library finds a placement iff the validator accepts the circuit
 *    under some injective placement (all of them tried, brute force, on
 *    allocations of up to 5 qubits);
 *  - the placement it returns is one the validator accepts;
 *  - when the validator accepts the circuit as written, the library keeps
 *    it as written (the identity is tried first);
 *  - the validator rejects only for coupling (QPU_CERR_NOT_COUPLED) here.
 *
 * The circuits are hand-picked (chains, triangles, stars, wide gates on
 * paths and on split sets) plus pseudo-random ones with 1- to 4-operand
 * gates; the allocations are lines, a ring, a star and a T.
 */
#include <stdbool.h>
#include <stdint.h>

#include <linux/qpu.h>
#include <libqpu.h>

#include "qpu_test.h"
#include "circuit.h"

#define MAXK	5

struct graph {
	const char *name;
	uint32_t k;
	uint32_t num_edges;
	struct qpu_edge edges[8];
};

static const struct graph graphs[] = {
	{ "line:3", 3, 2, { { 0, 1 }, { 1, 2 } } },
	{ "line:4", 4, 3, { { 0, 1 }, { 1, 2 }, { 2, 3 } } },
	{ "ring:4", 4, 4, { { 0, 1 }, { 1, 2 }, { 2, 3 }, { 0, 3 } } },
	{ "star:4", 4, 3, { { 0, 1 }, { 0, 2 }, { 0, 3 } } },
	{ "line:5", 5, 4, { { 0, 1 }, { 1, 2 }, { 2, 3 }, { 3, 4 } } },
	{ "T:5", 5, 4, { { 0, 1 }, { 1, 2 }, { 1, 3 }, { 3, 4 } } },
	{ "triangle+tail:5", 5, 5,
	  { { 0, 1 }, { 1, 2 }, { 0, 2 }, { 2, 3 }, { 3, 4 } } },
};

struct agree_stats {
	uint32_t cases, accepted, rejected, identity, moved;
};

static void print_stats(const struct agree_stats *st)
{
	printf("# %u cases: %u accepted (%u as written, %u moved), "
	       "%u rejected\n", st->cases, st->accepted, st->identity,
	       st->moved, st->rejected);
}

static bool adj[MAXK][MAXK];

static bool graph_coupled(void *priv, u32 a, u32 b)
{
	(void)priv;
	return a < MAXK && b < MAXK && adj[a][b];
}

static const struct qc_coupling graph_cpl = { .coupled = graph_coupled };

static void set_graph(const struct graph *g, struct qpu_qubits *q,
		      uint32_t *phys)
{
	uint32_t i;

	memset(adj, 0, sizeof(adj));
	for (i = 0; i < g->num_edges; i++)
		adj[g->edges[i].a][g->edges[i].b] =
			adj[g->edges[i].b][g->edges[i].a] = true;
	for (i = 0; i < g->k; i++)
		phys[i] = i;
	q->handle = 1;
	q->num_qubits = g->k;
	q->phys = phys;
	q->num_edges = g->num_edges;
	q->edges = (struct qpu_edge *)g->edges;
}

/* The validator's verdict on @c placed by @map onto the allocation. */
static int validate_mapped(const struct qpu_circuit *c, const uint32_t *map,
			   uint32_t k, u32 *err)
{
	uint32_t n = qpu_circuit_num_gates(c), i, j;
	const struct qpu_gate *src = qpu_circuit_gates(c);
	struct qpu_gate *g = calloc(n ? n : 1, sizeof(*g));
	struct qc_validation res;
	int ret;

	QT_ASSERT(g);
	for (i = 0; i < n; i++) {
		g[i] = src[i];
		for (j = 0; j < qc_gate_operands(&g[i]); j++)
			g[i].qubits[j] = map[src[i].qubits[j]];
	}
	ret = qc_circuit_validate(g, n, k, qpu_circuit_num_clbits(c),
				  qpu_circuit_num_params(c), NULL, 0,
				  &graph_cpl, NULL, &res);
	*err = res.error;
	free(g);
	return ret;
}

/* Try every injective map of @n circuit qubits into @k; any accepted? */
static bool any_placement(const struct qpu_circuit *c, uint32_t n,
			  uint32_t k, uint32_t depth, uint32_t *map,
			  bool *used)
{
	uint32_t v;
	u32 err;

	if (depth == n) {
		if (!validate_mapped(c, map, k, &err))
			return true;
		if (err != QPU_CERR_NOT_COUPLED)
			QT_FAIL("validator rejected with %u, not for coupling",
				err);
		return false;
	}
	for (v = 0; v < k; v++) {
		if (used[v])
			continue;
		used[v] = true;
		map[depth] = v;
		if (any_placement(c, n, k, depth + 1, map, used)) {
			used[v] = false;
			return true;
		}
		used[v] = false;
	}
	return false;
}

static void check_agree(const struct qpu_circuit *c, const struct graph *gr,
			const char *what, struct agree_stats *st)
{
	uint32_t n = qpu_circuit_num_qubits(c), phys[MAXK], map[MAXK];
	uint32_t ident[MAXK], tmp[MAXK], i;
	bool used[MAXK] = { false }, exists, as_written, is_ident = true;
	struct qpu_qubits q;
	u32 err;
	int lib;

	set_graph(gr, &q, phys);
	for (i = 0; i < n; i++)
		ident[i] = i;
	as_written = !validate_mapped(c, ident, gr->k, &err);
	exists = any_placement(c, n, gr->k, 0, tmp, used);
	lib = qpu_circuit_layout(c, &q, map);
	if (lib && lib != -EXDEV)
		QT_FAIL("%s on %s: layout failed with %d", what, gr->name, lib);
	if (!lib != exists)
		QT_FAIL("%s on %s: library says %s, validator %s", what,
			gr->name, lib ? "no placement" : "placed",
			exists ? "accepts a placement" : "accepts none");
	st->cases++;
	if (lib) {
		st->rejected++;
		return;
	}
	st->accepted++;
	if (validate_mapped(c, map, gr->k, &err))
		QT_FAIL("%s on %s: validator rejects the library's placement "
			"(error %u)", what, gr->name, err);
	for (i = 0; i < n; i++)
		is_ident &= map[i] == i;
	if (as_written && !is_ident)
		QT_FAIL("%s on %s: valid as written, yet moved", what,
			gr->name);
	if (is_ident)
		st->identity++;
	else
		st->moved++;
}

/* A circuit from (op, nctrl, qubits...) records ending with op 0. */
static struct qpu_circuit *build(uint32_t n, const uint32_t *spec)
{
	struct qpu_circuit *c = qpu_circuit_new(n, 0);

	QT_ASSERT(c);
	while (*spec) {
		uint32_t op = spec[0], nctrl = spec[1];
		uint32_t nq = nctrl + (op == QPU_OP_SWAP ? 2 : 1);

		QT_ASSERT_EQ(qpu_circuit_gate(c, op, nctrl, spec + 2, nq,
					      NULL, 0), 0);
		spec += 2 + nq;
	}
	return c;
}

#define X	QPU_OP_X
#define SW	QPU_OP_SWAP

static const struct {
	const char *name;
	uint32_t n;
	uint32_t spec[32];
} hand[] = {
	{ "chain", 3, { X, 1, 0, 1, X, 1, 1, 2, 0 } },
	{ "chain reversed", 3, { X, 1, 0, 2, X, 1, 2, 1, 0 } },
	{ "triangle", 3, { X, 1, 0, 1, X, 1, 1, 2, X, 1, 2, 0, 0 } },
	{ "star of 3", 4, { X, 1, 0, 1, X, 1, 0, 2, X, 1, 0, 3, 0 } },
	{ "square", 4, { X, 1, 0, 1, X, 1, 1, 2, X, 1, 2, 3, SW, 0, 3, 0, 0 } },
	{ "ccx on a path", 3, { X, 2, 0, 1, 2, 0 } },
	{ "ccx middle target", 3, { X, 2, 0, 2, 1, 0 } },
	{ "c3x", 4, { X, 3, 0, 1, 2, 3, 0 } },
	{ "c4x", 5, { X, 4, 0, 1, 2, 3, 4, 0 } },
	{ "ccx then split cx", 4,
	  { X, 2, 0, 1, 2, X, 1, 0, 3, X, 1, 2, 3, 0 } },
	{ "two triangles", 5, { X, 1, 0, 1, X, 1, 1, 2, X, 1, 2, 0,
				X, 1, 2, 3, X, 1, 3, 4, X, 1, 4, 2, 0 } },
	{ "single-qubit only", 4, { X, 0, 3, X, 0, 0, 0 } },
};

QPU_TEST(hand_picked_circuits_agree)
{
	struct agree_stats st = { 0 };
	uint32_t i, g;

	for (i = 0; i < ARRAY_SIZE(hand); i++) {
		struct qpu_circuit *c = build(hand[i].n, hand[i].spec);

		for (g = 0; g < ARRAY_SIZE(graphs); g++)
			if (hand[i].n <= graphs[g].k)
				check_agree(c, &graphs[g], hand[i].name, &st);
		qpu_circuit_free(c);
	}
	print_stats(&st);
	QT_ASSERT_GT(st.identity, 5);
	QT_ASSERT_GT(st.moved, 5);
	QT_ASSERT_GT(st.rejected, 5);
}

static uint32_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* Up to @ngates gates of 1..4 operands (X with controls, SWAP) on @n qubits. */
static struct qpu_circuit *random_circuit(uint64_t *s, uint32_t n,
					  uint32_t ngates)
{
	struct qpu_circuit *c = qpu_circuit_new(n, 0);
	uint32_t i, j, q[4], nq;

	QT_ASSERT(c);
	for (i = 0; i < ngates; i++) {
		nq = 1 + lcg(s) % (n < 4 ? n : 4);
		for (j = 0; j < nq; j++) {
			uint32_t t, k;

			do {
				t = lcg(s) % n;
				for (k = 0; k < j && q[k] != t; k++)
					;
			} while (k < j);
			q[j] = t;
		}
		if (nq == 2 && lcg(s) % 3 == 0)
			QT_ASSERT_EQ(qpu_circuit_gate(c, SW, 0, q, 2, NULL, 0),
				     0);
		else
			QT_ASSERT_EQ(qpu_circuit_gate(c, X, nq - 1, q, nq,
						      NULL, 0), 0);
	}
	return c;
}

QPU_TEST(random_circuits_agree)
{
	struct agree_stats st = { 0 };
	uint64_t s = 20261201;
	uint32_t i, g;
	char name[32];

	for (i = 0; i < 1500; i++) {
		const struct graph *gr = &graphs[i % ARRAY_SIZE(graphs)];
		uint32_t n = 2 + lcg(&s) % (gr->k - 1);
		struct qpu_circuit *c = random_circuit(&s, n, 2 + lcg(&s) % 5);

		snprintf(name, sizeof(name), "random #%u", i);
		for (g = 0; g < ARRAY_SIZE(graphs); g++)
			if (n <= graphs[g].k)
				check_agree(c, &graphs[g], name, &st);
		qpu_circuit_free(c);
	}
	print_stats(&st);
	QT_ASSERT_GT(st.identity, 100);
	QT_ASSERT_GT(st.moved, 100);
	QT_ASSERT_GT(st.rejected, 100);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
