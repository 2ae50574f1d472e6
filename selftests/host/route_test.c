// SPDX-License-Identifier: GPL-2.0
/*
 * route_test.c - qpu_circuit_route() (libqpu/route.c) on real-shaped
 * devices: the kernel's validator (qc_circuit_validate() with the
 * allocation's couplings) accepts every routed circuit, and the routed
 * circuit has the same exact outcome distribution as the original on a
 * fully connected device (state-vector simulation of both with the
 * core simulator, measurements terminal), for GHZ, QFT, Toffoli, Fredkin
 * and random layered circuits on line:10, ring:12, grid:4x5 and
 * heavyhex:27. Also: deterministic, statistics consistent, the source
 * recorded, errors.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/qpu.h>
#include <libqpu.h>

#include "circuit.h"
#include "sim.h"
#include "topology.h"
#include "qpu_test.h"

/* An allocation of @n connected qubits of @spec: BFS order from qubit 0. */
static struct qpu_qubits *alloc_on(const char *spec, uint32_t n)
{
	struct qpu_qubits *q = calloc(1, sizeof(*q));
	uint32_t order[64], idx[2048], h, t = 1, i, j, v;
	struct qc_topology *topo;

	QT_ASSERT(q != NULL);
	QT_ASSERT_EQ(qc_topology_create(spec, QPU_MAX_QUBITS, QPU_MAX_EDGES, &topo), 0);
	QT_ASSERT(n <= topo->num_qubits && n <= 64);
	memset(idx, 0xff, sizeof(idx));
	order[0] = 0;
	idx[0] = 0;
	for (h = 0; h < t && t < n; h++)
		for (j = topo->adj_off[order[h]]; j < topo->adj_off[order[h] + 1] && t < n; j++) {
			v = topo->adj[j];
			if (idx[v] == 0xffffffffU) {
				idx[v] = t;
				order[t++] = v;
			}
		}
	QT_ASSERT_EQ(t, n);
	q->num_qubits = n;
	q->edges = calloc(topo->num_edges, sizeof(*q->edges));
	QT_ASSERT(q->edges != NULL);
	for (i = 0; i < topo->num_edges; i++) {
		uint32_t a = idx[topo->edges[2 * i]], b = idx[topo->edges[2 * i + 1]];

		if (a < n && b < n)
			q->edges[q->num_edges++] = (struct qpu_edge){ a < b ? a : b, a < b ? b : a };
	}
	qc_topology_destroy(topo);
	return q;
}

static void qubits_free(struct qpu_qubits *q)
{
	free(q->edges);
	free(q);
}

struct edges_cpl {
	const struct qpu_qubits *q;
};

static bool edges_coupled(void *priv, uint32_t a, uint32_t b)
{
	const struct qpu_qubits *q = ((struct edges_cpl *)priv)->q;
	uint32_t i;

	for (i = 0; i < q->num_edges; i++)
		if ((q->edges[i].a == a && q->edges[i].b == b) ||
		    (q->edges[i].a == b && q->edges[i].b == a))
			return true;
	return false;
}

/*
 * Exact distribution of the classical outcomes of @c (measurements all
 * terminal): simulate its unitary part, then sum |a_x|^2 by the bits the
 * measurements read. @p has 2^clbits entries.
 */
static void exact_dist(const struct qpu_circuit *c, double *p)
{
	const struct qpu_gate *g = qpu_circuit_gates(c);
	uint32_t n = qpu_circuit_num_qubits(c), nc = qpu_circuit_num_clbits(c);
	uint32_t ng = 0, i, b, src[QPU_MAX_CLBITS];
	struct qpu_gate *u = calloc(qpu_circuit_num_gates(c) + 1, sizeof(*u));
	struct qc_circuit qc;
	struct qc_sim_job job;
	struct qc_sim_out out;
	struct qpu_count cnt[2];
	struct qc_sim *sim;
	const double *a;
	uint64_t x, o;
	void *arena;
	size_t size;

	QT_ASSERT(u != NULL);
	for (i = 0; i < qpu_circuit_num_gates(c); i++) {
		if (g[i].op == QPU_OP_MEASURE)
			src[g[i].cbit] = g[i].qubits[0];
		else if (g[i].op != QPU_OP_BARRIER)
			u[ng++] = g[i];
	}
	if (!ng)
		u[ng++].op = QPU_OP_ID;
	qc = (struct qc_circuit){ .gates = u, .num_gates = ng, .num_qubits = n };
	job = (struct qc_sim_job){ .circuit = &qc, .shots = 1, .seed = 1 };
	size = qc_sim_mem_size(&job);
	arena = aligned_alloc(64, (size + 63) / 64 * 64);
	QT_ASSERT(arena != NULL);
	out = (struct qc_sim_out){ .counts = cnt, .max_counts = 2 };
	sim = qc_sim_init(arena, size, &job, &out);
	QT_ASSERT(sim != NULL);
	while (qc_sim_step(sim, 1ULL << 40) > 0)
		;
	a = qc_sim_state(sim);
	memset(p, 0, sizeof(double) << nc);
	for (x = 0; x < 1ULL << n; x++) {
		for (o = 0, b = 0; b < nc; b++)
			o |= (x >> src[b] & 1) << b;
		p[o] += a[2 * x] * a[2 * x] + a[2 * x + 1] * a[2 * x + 1];
	}
	free(arena);
	free(u);
}

static struct qpu_circuit *parse(const char *src)
{
	struct qpu_circuit *c;
	char err[256];

	if (qpu_qasm_parse(src, NULL, &c, err, sizeof(err)))
		QT_FAIL("parse: %s", err);
	return c;
}

/* The circuits of the corpus, as OpenQASM 2.0 text. */
static char *corpus(int kind, uint32_t n, uint32_t seed)
{
	size_t cap = 1 << 16, off;
	char *s = malloc(cap);
	uint32_t i, j, r = seed * 2654435761U + 1;

	QT_ASSERT(s != NULL);
	off = snprintf(s, cap, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%u];\n"
		       "creg c[%u];\n", n, n);
#define OUT(...) (off += snprintf(s + off, cap - off, __VA_ARGS__))
	switch (kind) {
	case 0:	/* GHZ */
		OUT("h q[0];\n");
		for (i = 1; i < n; i++)
			OUT("cx q[%u],q[%u];\n", i - 1, i);
		break;
	case 1:	/* QFT of a basis state */
		for (i = 0; i < n; i += 2)
			OUT("x q[%u];\n", i);
		for (i = 0; i < n; i++) {
			OUT("h q[%u];\n", i);
			for (j = i + 1; j < n; j++)
				OUT("cu1(pi/%u) q[%u],q[%u];\n", 1U << (j - i), j, i);
		}
		for (i = 0; i < n / 2; i++)
			OUT("swap q[%u],q[%u];\n", i, n - 1 - i);
		break;
	case 2:	/* Toffoli and Fredkin on far-apart qubits */
		OUT("h q[0];\nh q[%u];\nx q[1];\nccx q[0],q[%u],q[1];\n", n - 1, n - 1);
		OUT("h q[2];\ncswap q[2],q[0],q[%u];\nccx q[%u],q[1],q[2];\n", n - 1, n - 1);
		break;
	default:	/* random layers of 1q rotations and cx */
		for (i = 0; i < 6 * n; i++) {
			uint32_t a, b;

			r = r * 1103515245U + 12345U;
			a = (r >> 8) % n;
			b = (a + 1 + (r >> 20) % (n - 1)) % n;
			if (r % 3 == 0)
				OUT("ry(%u.%u) q[%u];\n", (r >> 4) % 3, (r >> 9) % 10, a);
			else if (r % 7 == 1) {
				uint32_t t = (b + 1) % n;

				while (t == a || t == b)
					t = (t + 1) % n;
				OUT("ccx q[%u],q[%u],q[%u];\n", a, b, t);
			}
			else
				OUT("cx q[%u],q[%u];\n", a, b);
		}
		break;
	}
	OUT("measure q -> c;\n");
#undef OUT
	return s;
}

static void check_one(const char *spec, uint32_t k, int kind, uint32_t n,
		      uint32_t seed, uint32_t *swaps)
{
	struct qpu_route_opts opts = { .seed = 42 };
	struct qpu_circuit *c, *out, *again;
	struct qpu_circuit_source src;
	struct qpu_route_stats st, st2;
	struct qc_validation v;
	struct qpu_qubits *q = alloc_on(spec, k);
	struct edges_cpl priv = { q };
	struct qc_coupling cpl = { .coupled = edges_coupled, .priv = &priv };
	char *text = corpus(kind, n, seed);
	uint8_t h[32];
	double *p0, *p1;
	uint32_t x, nc;

	c = parse(text);
	QT_ASSERT_EQ(qpu_circuit_route(NULL, c, q, &opts, &out, &st), 0);
	/* the kernel's validator, with this allocation's couplings */
	if (qc_circuit_validate(qpu_circuit_gates(out), qpu_circuit_num_gates(out),
				qpu_circuit_num_qubits(out), qpu_circuit_num_clbits(out),
				qpu_circuit_num_params(out), NULL, 0, &cpl, NULL, &v))
		QT_FAIL("%s kind %d n %u: routed gate %u rejected (error %u)", spec,
			kind, n, v.index, v.error);
	QT_ASSERT_EQ(qpu_circuit_needs_route(out, q), 0);
	QT_ASSERT_EQ(st.gates_2q_after, st.gates_2q_before + 3 * st.swaps);
	QT_ASSERT_GE(st.depth_after, st.depth_before);
	QT_ASSERT_EQ(qpu_circuit_num_qubits(out), k);
	/* same distribution over the user's classical bits */
	nc = qpu_circuit_num_clbits(c);
	p0 = calloc(1U << nc, sizeof(double));
	p1 = calloc(1U << nc, sizeof(double));
	QT_ASSERT(p0 && p1);
	exact_dist(c, p0);
	exact_dist(out, p1);
	for (x = 0; x < 1U << nc; x++)
		if (fabs(p0[x] - p1[x]) > 1e-9)
			QT_FAIL("%s kind %d n %u seed %u: P(%#x) %.12f routed, %.12f not",
				spec, kind, n, seed, x, p1[x], p0[x]);
	/* deterministic; the source is the input */
	QT_ASSERT_EQ(qpu_circuit_route(NULL, c, q, &opts, &again, &st2), 0);
	QT_ASSERT_EQ(qpu_circuit_num_gates(again), qpu_circuit_num_gates(out));
	QT_ASSERT(!memcmp(qpu_circuit_gates(again), qpu_circuit_gates(out),
			  qpu_circuit_num_gates(out) * sizeof(struct qpu_gate)));
	QT_ASSERT_EQ(qpu_circuit_source(out, &src), 0);
	QT_ASSERT_EQ(qpu_circuit_hash(c, h), 0);
	QT_ASSERT(!memcmp(src.hash, h, sizeof(h)));
	QT_ASSERT_EQ(src.route_seed, 42);
	QT_ASSERT_EQ(src.route_swaps, st.swaps);
	*swaps += st.swaps;
	free(p0);
	free(p1);
	free(text);
	qpu_circuit_free(again);
	qpu_circuit_free(out);
	qpu_circuit_free(c);
	qubits_free(q);
}

QPU_TEST(routed_equals_unrouted)
{
	static const struct { const char *spec; uint32_t k; } devs[] = {
		{ "line:10", 10 }, { "ring:12", 10 }, { "grid:4x5", 10 },
		{ "heavyhex:27", 10 },
	};
	uint32_t d, n, kind, seed, swaps, checked = 0;

	for (d = 0; d < sizeof(devs) / sizeof(devs[0]); d++) {
		swaps = 0;
		for (kind = 0; kind < 4; kind++)
			for (n = 4; n <= devs[d].k; n += 3)
				for (seed = 0; seed < (kind == 3 ? 3 : 1); seed++) {
					check_one(devs[d].spec, devs[d].k, (int)kind,
						  n, seed, &swaps);
					checked++;
				}
		printf("# %s: %u SWAPs in all\n", devs[d].spec, swaps);
		QT_ASSERT_GT(swaps, 0);
	}
	printf("# %u routed circuits checked\n", checked);
}

/* A circuit that fits as it is needs no SWAP; errors are reported. */
QPU_TEST(route_fits_and_errors)
{
	struct qpu_qubits *q = alloc_on("line:10", 4);
	struct qpu_route_opts bad = { .flags = 1 };
	struct qpu_route_stats st;
	struct qpu_circuit *c, *out;

	c = parse("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\ncreg c[4];\n"
		  "h q[0];\ncx q[0],q[1];\ncx q[1],q[2];\ncx q[2],q[3];\n"
		  "measure q -> c;\n");
	QT_ASSERT_EQ(qpu_circuit_needs_route(c, q), 0);
	QT_ASSERT_EQ(qpu_circuit_route(NULL, c, q, NULL, &out, &st), 0);
	QT_ASSERT_EQ(st.swaps, 0);
	QT_ASSERT_EQ(qpu_circuit_num_gates(out), qpu_circuit_num_gates(c));
	qpu_circuit_free(out);
	QT_ASSERT_NEGERR(qpu_circuit_route(NULL, c, q, &bad, &out, NULL), EINVAL);
	qpu_circuit_free(c);
	c = parse("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[5];\nh q[4];\n");
	QT_ASSERT_EQ(qpu_circuit_needs_route(c, q), 1);
	QT_ASSERT_NEGERR(qpu_circuit_route(NULL, c, q, NULL, &out, NULL), E2BIG);
	qpu_circuit_free(c);
	c = parse("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\n"
		  "c3x q[0],q[1],q[2],q[3];\n");
	QT_ASSERT_NEGERR(qpu_circuit_route(NULL, c, q, NULL, &out, NULL), EOPNOTSUPP);
	qpu_circuit_free(c);
	qubits_free(q);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
