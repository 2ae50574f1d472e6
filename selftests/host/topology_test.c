// SPDX-License-Identifier: GPL-2.0
/*
 * topology_test.c - host unit tests of kmod/core/topology.c: spec parsing,
 * vertex and edge counts of every family, exact coupling maps of the small
 * and the IBM heavy-hex devices, edge order, CSR consistency, degrees,
 * connectivity, limits and error codes.
 */
#include <stdint.h>
#include <time.h>

#include <linux/qpu.h>

#include "qpu_test.h"
#include "topology.h"

#define BIG_Q	QPU_MAX_QUBITS
#define BIG_E	QPU_MAX_EDGES

static struct qc_topology *mk(const char *spec)
{
	struct qc_topology *t = NULL;
	int ret = qc_topology_create(spec, BIG_Q, BIG_E, &t);

	if (ret)
		QT_FAIL("qc_topology_create(\"%s\") = %d", spec, ret);
	if (!t)
		QT_FAIL("qc_topology_create(\"%s\") gave no topology", spec);
	return t;
}

/* Is (a, b), a < b, in the sorted edge array? Independent of the CSR. */
static int edge_listed(const struct qc_topology *t, uint32_t a, uint32_t b)
{
	uint32_t lo = 0, hi = t->num_edges;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t ma = t->edges[2 * mid], mb = t->edges[2 * mid + 1];

		if (ma == a && mb == b)
			return 1;
		if (ma < a || (ma == a && mb < b))
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Number of qubits reachable from qubit 0. */
static uint32_t reachable(const struct qc_topology *t)
{
	uint32_t *queue = calloc(t->num_qubits, sizeof(*queue));
	char *seen = calloc(t->num_qubits, 1);
	uint32_t head = 0, tail = 0, j;

	QT_ASSERT(queue && seen);
	queue[tail++] = 0;
	seen[0] = 1;
	while (head < tail) {
		uint32_t u = queue[head++];

		for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
			uint32_t w = t->adj[j];

			if (!seen[w]) {
				seen[w] = 1;
				queue[tail++] = w;
			}
		}
	}
	free(queue);
	free(seen);
	return tail;
}

/*
 * Every structural invariant of struct qc_topology: edges sorted, a < b, in
 * range, no duplicates; CSR offsets consistent; neighbour lists strictly
 * ascending; CSR and edge list describe the same symmetric graph;
 * qc_topology_coupled() agrees; degrees bounded; graph connected.
 * Returns the maximum degree.
 */
static uint32_t check_invariants(const struct qc_topology *t, uint32_t max_deg)
{
	uint32_t n = t->num_qubits, m = t->num_edges, e, v, j, maxd = 0;

	QT_ASSERT_GE(n, 1);
	QT_ASSERT(t->edges && t->adj_off && t->adj);
	QT_ASSERT_LT(strlen(t->name), QPU_TOPOLOGY_NAME_LEN);
	for (e = 0; e < m; e++) {
		uint32_t a = t->edges[2 * e], b = t->edges[2 * e + 1];

		QT_ASSERT_LT(a, b);
		QT_ASSERT_LT(b, n);
		if (e) {
			uint32_t pa = t->edges[2 * e - 2], pb = t->edges[2 * e - 1];

			/* strictly increasing: sorted and no duplicates */
			QT_ASSERT(pa < a || (pa == a && pb < b));
		}
		QT_ASSERT(qc_topology_coupled(t, a, b));
		QT_ASSERT(qc_topology_coupled(t, b, a));
	}
	QT_ASSERT_EQ(t->adj_off[0], 0);
	QT_ASSERT_EQ(t->adj_off[n], 2 * (uint64_t)m);
	for (v = 0; v < n; v++) {
		uint32_t d = qc_topology_degree(t, v);

		QT_ASSERT_LE(t->adj_off[v], t->adj_off[v + 1]);
		if (d > maxd)
			maxd = d;
		for (j = t->adj_off[v]; j < t->adj_off[v + 1]; j++) {
			uint32_t w = t->adj[j];

			QT_ASSERT_LT(w, n);
			QT_ASSERT_NE(w, v);
			if (j > t->adj_off[v])
				QT_ASSERT_LT(t->adj[j - 1], w);
			/* each CSR entry is a listed edge: with the total
			 * 2m entries, CSR == edge list, both directions */
			QT_ASSERT(edge_listed(t, v < w ? v : w, v < w ? w : v));
		}
		QT_ASSERT(!qc_topology_coupled(t, v, v));
	}
	QT_ASSERT(!qc_topology_coupled(t, 0, n));
	QT_ASSERT(!qc_topology_coupled(t, n, 0));
	QT_ASSERT_LE(maxd, max_deg);
	QT_ASSERT_EQ(reachable(t), n);
	return maxd;
}

struct count_case {
	const char *spec;
	uint32_t kind;
	uint32_t qubits;
	uint32_t edges;
	uint32_t max_deg;	/* exact maximum degree */
};

static const struct count_case count_cases[] = {
	{ "line:1", QPU_TOPO_LINE, 1, 0, 0 },
	{ "line:2", QPU_TOPO_LINE, 2, 1, 1 },
	{ "line:3", QPU_TOPO_LINE, 3, 2, 2 },
	{ "line:10", QPU_TOPO_LINE, 10, 9, 2 },
	{ "line:2048", QPU_TOPO_LINE, 2048, 2047, 2 },
	{ "ring:3", QPU_TOPO_RING, 3, 3, 2 },
	{ "ring:4", QPU_TOPO_RING, 4, 4, 2 },
	{ "ring:100", QPU_TOPO_RING, 100, 100, 2 },
	{ "ring:2048", QPU_TOPO_RING, 2048, 2048, 2 },
	{ "grid:1x1", QPU_TOPO_GRID, 1, 0, 0 },
	{ "grid:1x5", QPU_TOPO_GRID, 5, 4, 2 },
	{ "grid:5x1", QPU_TOPO_GRID, 5, 4, 2 },
	{ "grid:2x2", QPU_TOPO_GRID, 4, 4, 2 },
	{ "grid:2x3", QPU_TOPO_GRID, 6, 7, 3 },
	{ "grid:4x5", QPU_TOPO_GRID, 20, 31, 4 },
	{ "grid:32x32", QPU_TOPO_GRID, 1024, 1984, 4 },
	{ "grid:16x128", QPU_TOPO_GRID, 2048, 3952, 4 },
	{ "full:1", QPU_TOPO_FULL, 1, 0, 0 },
	{ "full:2", QPU_TOPO_FULL, 2, 1, 1 },
	{ "full:5", QPU_TOPO_FULL, 5, 10, 4 },
	{ "full:64", QPU_TOPO_FULL, 64, 2016, 63 },
	{ "full:1024", QPU_TOPO_FULL, 1024, 523776, 1023 },
	{ "heavyhex:7", QPU_TOPO_HEAVYHEX, 7, 6, 3 },
	{ "heavyhex:16", QPU_TOPO_HEAVYHEX, 16, 16, 3 },
	{ "heavyhex:27", QPU_TOPO_HEAVYHEX, 27, 28, 3 },
	{ "heavyhex:65", QPU_TOPO_HEAVYHEX, 65, 72, 3 },
	{ "heavyhex:127", QPU_TOPO_HEAVYHEX, 127, 144, 3 },
	{ "heavyhex:433", QPU_TOPO_HEAVYHEX, 433, 504, 3 },
	{ "heavyhex:1121", QPU_TOPO_HEAVYHEX, 1121, 1320, 3 },
};

QPU_TEST(counts_and_invariants)
{
	size_t i;

	for (i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]); i++) {
		const struct count_case *c = &count_cases[i];
		struct qc_topology *t = mk(c->spec);

		printf("# %-14s %4u qubits %6u edges\n", c->spec, t->num_qubits,
		       t->num_edges);
		QT_ASSERT_EQ(t->kind, c->kind);
		QT_ASSERT_EQ(t->num_qubits, c->qubits);
		QT_ASSERT_EQ(t->num_edges, c->edges);
		QT_ASSERT_EQ(check_invariants(t, c->max_deg), c->max_deg);
		QT_ASSERT(!strcmp(t->name, c->spec));
		qc_topology_destroy(t);
	}
}

/* Exact edge list of @spec against a sorted reference. */
static void expect_edges(const char *spec, const uint32_t *ref, uint32_t nref)
{
	struct qc_topology *t = mk(spec);
	uint32_t e;

	QT_ASSERT_EQ(t->num_edges, nref);
	for (e = 0; e < nref; e++) {
		if (t->edges[2 * e] != ref[2 * e] ||
		    t->edges[2 * e + 1] != ref[2 * e + 1])
			QT_FAIL("%s: edge %u is %u-%u, want %u-%u", spec, e,
				t->edges[2 * e], t->edges[2 * e + 1],
				ref[2 * e], ref[2 * e + 1]);
	}
	qc_topology_destroy(t);
}

#define EXPECT_EDGES(spec, ...) do {					\
	static const uint32_t _ref[] = { __VA_ARGS__ };			\
	expect_edges(spec, _ref, sizeof(_ref) / sizeof(_ref[0]) / 2);	\
} while (0)

/* qc_topology_edge(): every edge's index either way round, nothing else. */
QPU_TEST(edge_index)
{
	static const char *const specs[] = {
		"line:5", "grid:4x5", "heavyhex:27", "full:9",
	};
	unsigned int i;
	u32 e, a, b, n;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct qc_topology *t = mk(specs[i]);

		for (e = 0; e < t->num_edges; e++) {
			a = t->edges[2 * e];
			b = t->edges[2 * e + 1];
			QT_ASSERT_EQ(qc_topology_edge(t, a, b), e);
			QT_ASSERT_EQ(qc_topology_edge(t, b, a), e);
		}
		for (a = 0, n = 0; a < t->num_qubits; a++)
			for (b = 0; b < t->num_qubits; b++)
				if (qc_topology_edge(t, a, b) != QC_NO_EDGE)
					n++;
				else
					QT_ASSERT(a == b || !qc_topology_coupled(t, a, b));
		QT_ASSERT_EQ(n, 2 * t->num_edges);
		qc_topology_destroy(t);
	}
}

QPU_TEST(exact_small_graphs)
{
	EXPECT_EDGES("line:4", 0, 1, 1, 2, 2, 3);
	EXPECT_EDGES("ring:3", 0, 1, 0, 2, 1, 2);
	EXPECT_EDGES("ring:5", 0, 1, 0, 4, 1, 2, 2, 3, 3, 4);
	EXPECT_EDGES("grid:2x3", 0, 1, 0, 3, 1, 2, 1, 4, 2, 5, 3, 4, 4, 5);
	EXPECT_EDGES("grid:3x2", 0, 1, 0, 2, 1, 3, 2, 3, 2, 4, 3, 5, 4, 5);
	EXPECT_EDGES("grid:1x3", 0, 1, 1, 2);
	EXPECT_EDGES("grid:3x1", 0, 1, 1, 2);
	EXPECT_EDGES("full:4", 0, 1, 0, 2, 0, 3, 1, 2, 1, 3, 2, 3);
	EXPECT_EDGES("line:1");
	EXPECT_EDGES("full:1");
}

QPU_TEST(exact_ibm_falcons)
{
	/* Falcon r5.11H (7 qubits) */
	EXPECT_EDGES("heavyhex:7", 0, 1, 1, 2, 1, 3, 3, 5, 4, 5, 5, 6);
	/* Falcon r4P (16 qubits) */
	EXPECT_EDGES("heavyhex:16", 0, 1, 1, 2, 1, 4, 2, 3, 3, 5, 4, 7, 5, 8,
		     6, 7, 7, 10, 8, 9, 8, 11, 10, 12, 11, 14, 12, 13, 12, 15,
		     13, 14);
	/* Falcon r5.11 (27 qubits) */
	EXPECT_EDGES("heavyhex:27", 0, 1, 1, 2, 1, 4, 2, 3, 3, 5, 4, 7, 5, 8,
		     6, 7, 7, 10, 8, 9, 8, 11, 10, 12, 11, 14, 12, 13, 12, 15,
		     13, 14, 14, 16, 15, 18, 16, 19, 17, 18, 18, 21, 19, 20,
		     19, 22, 21, 23, 22, 25, 23, 24, 24, 25, 25, 26);
}

/*
 * Compare a heavy-hex device with IBM's published coupling map, given as
 * its long rows (first, last qubit) and its bridge couplings.
 */
static void expect_ibm_map(const char *spec, uint32_t n, const uint32_t *rows,
			   uint32_t nrows, const uint32_t *bridges, uint32_t nbr)
{
	struct qc_topology *t = mk(spec);
	char *want = calloc((size_t)n * n, 1);
	uint32_t i, q, e, nwant = 0;

	QT_ASSERT(want);
	QT_ASSERT_EQ(t->num_qubits, n);
	for (i = 0; i < nrows; i++) {
		for (q = rows[2 * i]; q < rows[2 * i + 1]; q++) {
			want[q * n + q + 1] = 1;
			nwant++;
		}
	}
	for (i = 0; i < nbr; i++) {
		QT_ASSERT_LT(bridges[2 * i], bridges[2 * i + 1]);
		want[bridges[2 * i] * n + bridges[2 * i + 1]] = 1;
		nwant++;
	}
	QT_ASSERT_EQ(t->num_edges, nwant);
	for (e = 0; e < t->num_edges; e++)
		if (!want[t->edges[2 * e] * n + t->edges[2 * e + 1]])
			QT_FAIL("%s: unexpected edge %u-%u", spec, t->edges[2 * e],
				t->edges[2 * e + 1]);
	free(want);
	check_invariants(t, 3);
	qc_topology_destroy(t);
}

QPU_TEST(exact_ibm_eagle_127)
{
	static const uint32_t rows[] = {
		0, 13, 18, 32, 37, 51, 56, 70, 75, 89, 94, 108, 113, 126,
	};
	static const uint32_t bridges[] = {
		0, 14, 4, 15, 8, 16, 12, 17, 14, 18, 15, 22, 16, 26, 17, 30,
		20, 33, 24, 34, 28, 35, 32, 36, 33, 39, 34, 43, 35, 47, 36, 51,
		37, 52, 41, 53, 45, 54, 49, 55, 52, 56, 53, 60, 54, 64, 55, 68,
		58, 71, 62, 72, 66, 73, 70, 74, 71, 77, 72, 81, 73, 85, 74, 89,
		75, 90, 79, 91, 83, 92, 87, 93, 90, 94, 91, 98, 92, 102, 93, 106,
		96, 109, 100, 110, 104, 111, 108, 112, 109, 114, 110, 118,
		111, 122, 112, 126,
	};

	expect_ibm_map("heavyhex:127", 127, rows, 7, bridges,
		       sizeof(bridges) / sizeof(bridges[0]) / 2);
}

QPU_TEST(exact_ibm_hummingbird_65)
{
	static const uint32_t rows[] = {
		0, 9, 13, 23, 27, 37, 41, 51, 55, 64,
	};
	static const uint32_t bridges[] = {
		0, 10, 4, 11, 8, 12, 10, 13, 11, 17, 12, 21,
		15, 24, 19, 25, 23, 26, 24, 29, 25, 33, 26, 37,
		27, 38, 31, 39, 35, 40, 38, 41, 39, 45, 40, 49,
		43, 52, 47, 53, 51, 54, 52, 56, 53, 60, 54, 64,
	};

	expect_ibm_map("heavyhex:65", 65, rows, 5, bridges,
		       sizeof(bridges) / sizeof(bridges[0]) / 2);
}

/* 2-colour by BFS; false on an odd cycle. */
static int bipartite(const struct qc_topology *t)
{
	uint32_t n = t->num_qubits, *queue = calloc(n, sizeof(uint32_t));
	signed char *col = malloc(n);
	uint32_t s, head, tail, j;
	int ok = 1;

	QT_ASSERT(queue && col);
	memset(col, -1, n);
	for (s = 0; s < n && ok; s++) {
		if (col[s] >= 0)
			continue;
		col[s] = 0;
		head = tail = 0;
		queue[tail++] = s;
		while (head < tail && ok) {
			uint32_t u = queue[head++];

			for (j = t->adj_off[u]; j < t->adj_off[u + 1]; j++) {
				uint32_t w = t->adj[j];

				if (col[w] < 0) {
					col[w] = !col[u];
					queue[tail++] = w;
				} else if (col[w] == col[u]) {
					ok = 0;
				}
			}
		}
	}
	free(queue);
	free(col);
	return ok;
}

QPU_TEST(heavyhex_lattice_shape)
{
	static const struct { const char *spec; uint32_t w, r; } fam[] = {
		{ "heavyhex:65", 11, 5 }, { "heavyhex:127", 15, 7 },
		{ "heavyhex:433", 27, 13 }, { "heavyhex:1121", 43, 21 },
	};
	static const char *const all[] = {
		"heavyhex:7", "heavyhex:16", "heavyhex:27", "heavyhex:65",
		"heavyhex:127", "heavyhex:433", "heavyhex:1121",
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct qc_topology *t = mk(all[i]);

		QT_ASSERT(bipartite(t));
		qc_topology_destroy(t);
	}
	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		struct qc_topology *t = mk(fam[i].spec);
		uint32_t w = fam[i].w, r = fam[i].r, b = (w + 1) / 4;
		uint32_t q = 0, row, c, deg1 = 0, deg2 = 0, deg3 = 0, v;

		QT_ASSERT_EQ(t->num_qubits, 2 * (w - 1) + (r - 2) * w + (r - 1) * b);
		/* Walk IBM's numbering: rows are paths, bridges join rows. */
		for (row = 0; row < r; row++) {
			uint32_t len = (row == 0 || row == r - 1) ? w - 1 : w;

			for (c = 0; c + 1 < len; c++)
				QT_ASSERT(qc_topology_coupled(t, q + c, q + c + 1));
			q += len;
			if (row == r - 1)
				break;
			for (c = 0; c < b; c++) {
				QT_ASSERT_EQ(qc_topology_degree(t, q + c), 2);
				/* one neighbour in the row above, one below */
				QT_ASSERT_LT(t->adj[t->adj_off[q + c]], q);
				QT_ASSERT_GE(t->adj[t->adj_off[q + c] + 1], q + b);
			}
			q += b;
		}
		QT_ASSERT_EQ(q, t->num_qubits);
		for (v = 0; v < t->num_qubits; v++) {
			deg1 += qc_topology_degree(t, v) == 1;
			deg2 += qc_topology_degree(t, v) == 2;
			deg3 += qc_topology_degree(t, v) == 3;
		}
		/*
		 * Only two dangling qubits: the right end of row 0 and the left
		 * end of the last row (IBM Eagle: 13 and 113); every other row
		 * end carries a bridge.
		 */
		QT_ASSERT_EQ(deg1, 2);
		QT_ASSERT_EQ(qc_topology_degree(t, w - 2), 1);
		QT_ASSERT_EQ(qc_topology_degree(t, t->num_qubits - (w - 1)), 1);
		QT_ASSERT_EQ(deg1 + deg2 + deg3, t->num_qubits);
		/*
		 * Each bridge joins two distinct row qubits, of degree 3 except
		 * for row ends: both ends of every middle row, the left end of
		 * row 0 and the right end of the last row.
		 */
		QT_ASSERT_EQ(deg3, 2 * b * (r - 1) - 2 * (r - 1));
		qc_topology_destroy(t);
	}
}

QPU_TEST(coupled_matches_definition)
{
	struct qc_topology *g = mk("grid:7x9");
	struct qc_topology *l = mk("line:50");
	struct qc_topology *r = mk("ring:50");
	struct qc_topology *f = mk("full:40");
	uint32_t a, b;

	for (a = 0; a < 63; a++) {
		for (b = 0; b < 63; b++) {
			int ra = a / 9, ca = a % 9, rb = b / 9, cb = b % 9;
			int d = abs(ra - rb) + abs(ca - cb);

			QT_ASSERT_EQ(qc_topology_coupled(g, a, b), d == 1);
		}
	}
	for (a = 0; a < 50; a++) {
		for (b = 0; b < 50; b++) {
			uint32_t d = a > b ? a - b : b - a;

			QT_ASSERT_EQ(qc_topology_coupled(l, a, b), d == 1);
			QT_ASSERT_EQ(qc_topology_coupled(r, a, b), d == 1 || d == 49);
		}
	}
	for (a = 0; a < 40; a++)
		for (b = 0; b < 40; b++)
			QT_ASSERT_EQ(qc_topology_coupled(f, a, b), a != b);
	QT_ASSERT(!qc_topology_coupled(f, 0, 40));
	QT_ASSERT(!qc_topology_coupled(f, 40, 0));
	QT_ASSERT(!qc_topology_coupled(f, UINT32_MAX, 0));
	qc_topology_destroy(g);
	qc_topology_destroy(l);
	qc_topology_destroy(r);
	qc_topology_destroy(f);
}

QPU_TEST(canonical_names)
{
	static const struct { const char *in, *name; uint32_t n; } cases[] = {
		{ "line:5\n", "line:5", 5 },
		{ "  line:5", "line:5", 5 },
		{ "\t grid:4x5 \r\n", "grid:4x5", 20 },
		{ "heavyhex:127\n", "heavyhex:127", 127 },
		{ "full:08", "full:8", 8 },
		{ "ring:0003\n", "ring:3", 3 },
		{ "grid:01x002", "grid:1x2", 2 },
		{ "line:2048\n\n", "line:2048", 2048 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qc_topology *t = mk(cases[i].in);

		if (strcmp(t->name, cases[i].name))
			QT_FAIL("\"%s\" named \"%s\", want \"%s\"", cases[i].in,
				t->name, cases[i].name);
		QT_ASSERT_EQ(t->num_qubits, cases[i].n);
		qc_topology_destroy(t);
	}
}

QPU_TEST(malformed_specs)
{
	static const char *const bad[] = {
		"", " ", "\n", "line", "line:", "line:0", "line:3x", "line: 3",
		"line :3", "line:3 4", "line::3", "line:3.0", "line:0x10",
		"line:+3", "line:-3", "+line:3", "-line:3", "line:3\nx",
		"line:4294967296", "line:99999999999999999999", "LINE:3",
		"Line:3", "lin:3", "liner:3", "linee:3", ":3", "3", "line3",
		"ring:2", "ring:1", "ring:0", "ring:-3", "ring:",
		"grid:4", "grid:0x3", "grid:3x0", "grid:0x0", "grid:4x",
		"grid:x4", "grid:4X5", "grid:4*5", "grid:4x5x6", "grid:4 x5",
		"grid:4x+5", "grid:4x-5", "grid:-4x5", "grid:4x4294967296",
		"grid:4294967296x1", "grid:", "grid:x",
		"full:0", "full:", "full:-1", "full:1x1",
		"heavyhex:0", "heavyhex:1", "heavyhex:8", "heavyhex:26",
		"heavyhex:28", "heavyhex:128", "heavyhex:133", "heavyhex:1000",
		"heavyhex:", "heavyhex:127x1", "heavy:127", "hex:127",
		"foo:3", "line:3;", "line:3#", "line:3\n\n4", "\vline:\n3",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct qc_topology *t = NULL;
		int ret = qc_topology_create(bad[i], BIG_Q, BIG_E, &t);

		if (ret != -EINVAL)
			QT_FAIL("\"%s\": got %d, want -EINVAL", bad[i], ret);
		QT_ASSERT(t == NULL);
	}
	QT_ASSERT_NEGERR(qc_topology_create(NULL, BIG_Q, BIG_E, &(struct qc_topology *){ 0 }),
			 EINVAL);
}

QPU_TEST(size_limits)
{
	struct qc_topology *t = NULL;

	QT_ASSERT_NEGERR(qc_topology_create("line:11", 10, BIG_E, &t), E2BIG);
	QT_ASSERT_EQ(qc_topology_create("line:10", 10, 9, &t), 0);
	qc_topology_destroy(t);
	t = NULL;
	QT_ASSERT_NEGERR(qc_topology_create("line:10", 10, 8, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("ring:3", 3, 2, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("grid:4x5", 19, BIG_E, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("grid:4x5", 20, 30, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("full:1024", BIG_Q, 523775, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("full:2049", BIG_Q, BIG_E, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("full:2048", BIG_Q, BIG_E, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("line:2049", BIG_Q, BIG_E, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("heavyhex:1121", 1120, BIG_E, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("heavyhex:127", 127, 143, &t), E2BIG);
	/* products and sums that overflow 32 bits */
	QT_ASSERT_NEGERR(qc_topology_create("grid:4294967295x4294967295", UINT32_MAX,
					    UINT32_MAX, &t), E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("grid:65536x65536", UINT32_MAX, UINT32_MAX, &t),
			 E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("full:4294967295", UINT32_MAX, UINT32_MAX, &t),
			 E2BIG);
	QT_ASSERT_NEGERR(qc_topology_create("line:4294967295", UINT32_MAX, UINT32_MAX, &t),
			 E2BIG);
	QT_ASSERT(t == NULL);
	/* a malformed spec is -EINVAL whatever the limits */
	QT_ASSERT_NEGERR(qc_topology_create("ring:2", 1, 0, &t), EINVAL);
	QT_ASSERT_NEGERR(qc_topology_create("heavyhex:128", 1, 0, &t), EINVAL);
	QT_ASSERT_NEGERR(qc_topology_create("grid:0x5", 0, 0, &t), EINVAL);
	/* exact limits are accepted */
	QT_ASSERT_EQ(qc_topology_create("full:1024", 1024, 523776, &t), 0);
	QT_ASSERT_EQ(t->num_edges, 523776);
	qc_topology_destroy(t);
	QT_ASSERT_EQ(qc_topology_create("heavyhex:1121", 1121, 1320, &t), 0);
	qc_topology_destroy(t);
	QT_ASSERT_EQ(qc_topology_create("line:1", 1, 0, &t), 0);
	qc_topology_destroy(t);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

QPU_TEST(full_1024_is_fast)
{
	double t0 = now_s(), dt;
	int i;

	for (i = 0; i < 5; i++) {
		struct qc_topology *t = mk("full:1024");

		QT_ASSERT_EQ(t->num_edges, 523776);
		QT_ASSERT(qc_topology_coupled(t, 1023, 0));
		QT_ASSERT(qc_topology_coupled(t, 511, 512));
		qc_topology_destroy(t);
	}
	dt = (now_s() - t0) / 5;
	printf("# full:1024 create+destroy: %.2f ms\n", dt * 1e3);
	/* O(E): a few ms natively; generous for valgrind and slow CI */
	QT_ASSERT(dt < 5.0);
}

QPU_TEST(destroy_null)
{
	qc_topology_destroy(NULL);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
