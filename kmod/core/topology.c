// SPDX-License-Identifier: GPL-2.0
/*
 * topology.c - coupling graphs of simulated QPUs (portable core).
 *
 * Owns the parsing of topology spec strings ("line:N", "ring:N",
 * "grid:RxC", "heavyhex:N", "full:N"), the generation of each family's edge
 * list and the CSR adjacency built from it. A topology is immutable once
 * qc_topology_create() returns, so it takes no lock: readers share it.
 *
 * Construction is O(E) for the regular families (their edges come out in
 * order) and O(E log deg) in general: every neighbour list is sorted with a
 * heapsort only when it is not already in order. Plain C, no floating
 * point, no recursion: it builds into qpu.ko and into host tests alike.
 */
#include "port.h"
#include "sort.h"
#include "topology.h"

/* Values of enum qpu_topology_kind (uapi/linux/qpu.h); tests cross-check. */
enum {
	QC_TOPO_LINE		= 1,
	QC_TOPO_RING		= 2,
	QC_TOPO_GRID		= 3,
	QC_TOPO_HEAVYHEX	= 4,
	QC_TOPO_FULL		= 5,
};

/*
 * CSR offsets are u32 and count 2 * num_edges entries. Every family is
 * connected (E >= V - 1), so this also keeps num_qubits + 1 within a u32.
 */
#define QC_TOPO_EDGE_LIMIT	0x7fffffffULL

/* IBM Falcon processors, listed edge by edge (IBM's qubit numbering). */
static const u8 qc_hh7[] = {
	0, 1,  1, 2,  1, 3,  3, 5,  4, 5,  5, 6,
};

static const u8 qc_hh16[] = {
	0, 1,  1, 2,  1, 4,  2, 3,  3, 5,  4, 7,  5, 8,  6, 7,
	7, 10,  8, 9,  8, 11,  10, 12,  11, 14,  12, 13,  12, 15,  13, 14,
};

static const u8 qc_hh27[] = {
	0, 1,  1, 2,  1, 4,  2, 3,  3, 5,  4, 7,  5, 8,  6, 7,
	7, 10,  8, 9,  8, 11,  10, 12,  11, 14,  12, 13,  12, 15,  13, 14,
	14, 16,  15, 18,  16, 19,  17, 18,  18, 21,  19, 20,  19, 22,  21, 23,
	22, 25,  23, 24,  24, 25,  25, 26,
};

/**
 * struct qc_hh_family - one heavy-hex processor size
 * @n: qubits
 * @width: W, qubits of a middle row (W % 4 == 3); 0 for a listed Falcon
 * @rows: R, long rows (odd)
 * @list: edge list of a Falcon, @n_list edges
 * @n_list: edges in @list
 *
 * The Eagle-family lattice (Hummingbird, Eagle, Osprey, Condor) has R rows.
 * Row 0 occupies columns 0..W-2, the last row columns 1..W-1, the others
 * columns 0..W-1. Between rows r and r+1 sit B = (W+1)/4 bridge qubits at
 * columns 0, 4, 8, ... when r is even and 2, 6, 10, ... when r is odd, each
 * coupled to the qubit of that column in both rows. Qubits are numbered
 * row 0, bridges 0, row 1, bridges 1, ... each left to right, as IBM does.
 */
struct qc_hh_family {
	u32 n;
	u32 width;
	u32 rows;
	const u8 *list;
	u32 n_list;
};

static const struct qc_hh_family qc_hh_families[] = {
	{ 7, 0, 0, qc_hh7, sizeof(qc_hh7) / 2 },
	{ 16, 0, 0, qc_hh16, sizeof(qc_hh16) / 2 },
	{ 27, 0, 0, qc_hh27, sizeof(qc_hh27) / 2 },
	{ 65, 11, 5, NULL, 0 },		/* Hummingbird */
	{ 127, 15, 7, NULL, 0 },	/* Eagle */
	{ 433, 27, 13, NULL, 0 },	/* Osprey */
	{ 1121, 43, 21, NULL, 0 },	/* Condor */
};

/**
 * struct qc_spec - a parsed spec
 * @kind: enum qpu_topology_kind
 * @a: N, or R for a grid
 * @b: C for a grid
 * @hh: heavy-hex family, for QC_TOPO_HEAVYHEX
 * @nq: qubits
 * @ne: edges
 */
struct qc_spec {
	u32 kind;
	u32 a;
	u32 b;
	const struct qc_hh_family *hh;
	u64 nq;
	u64 ne;
};

static bool qc_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static bool qc_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Parse a decimal u32 at *@p (before @end): at least one digit, no sign.
 * Advances *@p past the digits. Returns false on no digits or overflow.
 */
static bool qc_parse_u32(const char **p, const char *end, u32 *val)
{
	const char *s = *p;
	u64 v = 0;

	if (s == end || !qc_is_digit(*s))
		return false;
	while (s != end && qc_is_digit(*s)) {
		v = v * 10 + (u64)(*s - '0');
		if (v > 0xffffffffULL)
			return false;
		s++;
	}
	*p = s;
	*val = (u32)v;
	return true;
}

/* Does [s, end) start with the NUL-terminated @word followed by ':'? */
static bool qc_match_prefix(const char **p, const char *end, const char *word)
{
	const char *s = *p;

	while (*word) {
		if (s == end || *s != *word)
			return false;
		s++;
		word++;
	}
	if (s == end || *s != ':')
		return false;
	*p = s + 1;
	return true;
}

static u32 qc_hh_edges(const struct qc_hh_family *f)
{
	u32 w = f->width, r = f->rows, b = (w + 1) / 4;

	if (f->list)
		return f->n_list;
	/* Two short rows, R - 2 full rows, two couplings per bridge. */
	return 2 * (w - 2) + (r - 2) * (w - 1) + 2 * b * (r - 1);
}

/* Parse the trimmed spec [s, end) into @sp; -EINVAL when malformed. */
static int qc_spec_parse(const char *s, const char *end, struct qc_spec *sp)
{
	u32 i;

	if (qc_match_prefix(&s, end, "line")) {
		sp->kind = QC_TOPO_LINE;
	} else if (qc_match_prefix(&s, end, "ring")) {
		sp->kind = QC_TOPO_RING;
	} else if (qc_match_prefix(&s, end, "grid")) {
		sp->kind = QC_TOPO_GRID;
	} else if (qc_match_prefix(&s, end, "heavyhex")) {
		sp->kind = QC_TOPO_HEAVYHEX;
	} else if (qc_match_prefix(&s, end, "full")) {
		sp->kind = QC_TOPO_FULL;
	} else {
		return -EINVAL;
	}

	if (!qc_parse_u32(&s, end, &sp->a))
		return -EINVAL;
	if (sp->kind == QC_TOPO_GRID) {
		if (s == end || *s != 'x')
			return -EINVAL;
		s++;
		if (!qc_parse_u32(&s, end, &sp->b))
			return -EINVAL;
	}
	if (s != end)
		return -EINVAL;

	switch (sp->kind) {
	case QC_TOPO_LINE:
		if (sp->a < 1)
			return -EINVAL;
		sp->nq = sp->a;
		sp->ne = sp->nq - 1;
		break;
	case QC_TOPO_RING:
		if (sp->a < 3)
			return -EINVAL;
		sp->nq = sp->a;
		sp->ne = sp->nq;
		break;
	case QC_TOPO_GRID:
		if (sp->a < 1 || sp->b < 1)
			return -EINVAL;
		sp->nq = (u64)sp->a * sp->b;
		sp->ne = (u64)sp->a * (sp->b - 1) + (u64)(sp->a - 1) * sp->b;
		break;
	case QC_TOPO_FULL:
		if (sp->a < 1)
			return -EINVAL;
		sp->nq = sp->a;
		sp->ne = sp->nq * (sp->nq - 1) / 2;
		break;
	default: /* QC_TOPO_HEAVYHEX */
		sp->hh = NULL;
		for (i = 0; i < ARRAY_SIZE(qc_hh_families); i++)
			if (qc_hh_families[i].n == sp->a)
				sp->hh = &qc_hh_families[i];
		if (!sp->hh)
			return -EINVAL;
		sp->nq = sp->a;
		sp->ne = qc_hh_edges(sp->hh);
		break;
	}
	return 0;
}

static void qc_spec_name(const struct qc_spec *sp, char *buf, size_t len)
{
	switch (sp->kind) {
	case QC_TOPO_LINE:
		qc_snprintf(buf, len, "line:%u", sp->a);
		break;
	case QC_TOPO_RING:
		qc_snprintf(buf, len, "ring:%u", sp->a);
		break;
	case QC_TOPO_GRID:
		qc_snprintf(buf, len, "grid:%ux%u", sp->a, sp->b);
		break;
	case QC_TOPO_HEAVYHEX:
		qc_snprintf(buf, len, "heavyhex:%u", sp->a);
		break;
	default:
		qc_snprintf(buf, len, "full:%u", sp->a);
		break;
	}
}

/* Allocate @n zeroed elements of @size bytes, NULL on overflow or ENOMEM. */
static void *qc_zalloc_array(size_t n, size_t size)
{
	if (size && n > ((size_t)-1) / size)
		return NULL;
	return qc_zalloc(n * size);
}

static void qc_put_edge(u32 *edges, u32 *i, u32 a, u32 b)
{
	edges[2 * *i] = a;
	edges[2 * *i + 1] = b;
	(*i)++;
}

/* Eagle-family heavy-hex lattice; see struct qc_hh_family. */
static u32 qc_gen_heavyhex_lattice(const struct qc_hh_family *f, u32 *edges)
{
	u32 w = f->width, rows = f->rows, nb = (w + 1) / 4;
	u32 r, c, j, len, next_first, start = 0, next, bridge, col;
	u32 i = 0;

	for (r = 0; r < rows; r++) {
		len = (r == 0 || r == rows - 1) ? w - 1 : w;
		for (c = 0; c + 1 < len; c++)
			qc_put_edge(edges, &i, start + c, start + c + 1);
		if (r == rows - 1)
			break;
		/*
		 * Row r has bridges below, so it is not the last row and its
		 * first qubit sits in column 0; row r + 1 starts in column 1
		 * when it is the last row.
		 */
		bridge = start + len;
		next = bridge + nb;
		next_first = r + 1 == rows - 1 ? 1 : 0;
		for (j = 0; j < nb; j++) {
			col = (r % 2 ? 2 : 0) + 4 * j;
			qc_put_edge(edges, &i, start + col, bridge + j);
			qc_put_edge(edges, &i, bridge + j, next + col - next_first);
		}
		start = next;
	}
	return i;
}

/* Write the spec's edges into @edges (any order, a != b); returns count. */
static u32 qc_gen_edges(const struct qc_spec *sp, u32 *edges)
{
	u32 n = sp->a, i = 0, a, b, r, c;

	switch (sp->kind) {
	case QC_TOPO_LINE:
		for (a = 0; a + 1 < n; a++)
			qc_put_edge(edges, &i, a, a + 1);
		break;
	case QC_TOPO_RING:
		qc_put_edge(edges, &i, 0, 1);
		qc_put_edge(edges, &i, 0, n - 1);
		for (a = 1; a + 1 < n; a++)
			qc_put_edge(edges, &i, a, a + 1);
		break;
	case QC_TOPO_GRID:
		for (r = 0; r < sp->a; r++) {
			for (c = 0; c < sp->b; c++) {
				a = r * sp->b + c;
				if (c + 1 < sp->b)
					qc_put_edge(edges, &i, a, a + 1);
				if (r + 1 < sp->a)
					qc_put_edge(edges, &i, a, a + sp->b);
			}
		}
		break;
	case QC_TOPO_FULL:
		for (a = 0; a < n; a++)
			for (b = a + 1; b < n; b++)
				qc_put_edge(edges, &i, a, b);
		break;
	default: /* QC_TOPO_HEAVYHEX */
		if (!sp->hh->list)
			return qc_gen_heavyhex_lattice(sp->hh, edges);
		for (a = 0; a < sp->hh->n_list; a++)
			qc_put_edge(edges, &i, sp->hh->list[2 * a],
				    sp->hh->list[2 * a + 1]);
		break;
	}
	return i;
}

/*
 * Build the CSR adjacency from t->edges (any order), sort every neighbour
 * list, then rewrite t->edges sorted by (a, b) from it. -EINVAL if the edge
 * list has a self-loop, an out-of-range end or a duplicate (a generator bug).
 */
static int qc_topology_build_csr(struct qc_topology *t)
{
	u32 n = t->num_qubits, m = t->num_edges, *off = t->adj_off;
	u32 e, v, a, b, j, nsorted;

	for (e = 0; e < m; e++) {
		a = t->edges[2 * e];
		b = t->edges[2 * e + 1];
		if (a == b || a >= n || b >= n)
			return -EINVAL;
		off[a + 1]++;
		off[b + 1]++;
	}
	for (v = 0; v < n; v++)
		off[v + 1] += off[v];
	/* Fill using off[v] as v's cursor: it ends at v's end (v + 1's start). */
	for (e = 0; e < m; e++) {
		a = t->edges[2 * e];
		b = t->edges[2 * e + 1];
		t->adj[off[a]++] = b;
		t->adj[off[b]++] = a;
	}
	for (v = n; v > 0; v--)
		off[v] = off[v - 1];
	off[0] = 0;

	nsorted = 0;
	for (v = 0; v < n; v++) {
		for (j = off[v] + 1; j < off[v + 1]; j++)
			if (t->adj[j - 1] >= t->adj[j])
				break;
		if (j < off[v + 1]) {
			qc_sort_u32(&t->adj[off[v]], off[v + 1] - off[v]);
			for (j = off[v] + 1; j < off[v + 1]; j++)
				if (t->adj[j - 1] == t->adj[j])
					return -EINVAL;
		}
		for (j = off[v]; j < off[v + 1]; j++)
			if (t->adj[j] > v)
				qc_put_edge(t->edges, &nsorted, v, t->adj[j]);
	}
	return nsorted == m ? 0 : -EINVAL;
}

void qc_topology_destroy(struct qc_topology *t)
{
	if (!t)
		return;
	qc_free(t->edges);
	qc_free(t->adj_off);
	qc_free(t->adj);
	qc_free(t);
}

int qc_topology_create(const char *spec, u32 max_qubits, u32 max_edges,
		       struct qc_topology **out)
{
	struct qc_spec sp = { 0 };
	struct qc_topology *t;
	const char *s, *end;
	int ret;

	if (!spec || !out)
		return -EINVAL;
	s = spec;
	while (*s && qc_is_space(*s))
		s++;
	end = s;
	while (*end)
		end++;
	while (end > s && qc_is_space(end[-1]))
		end--;

	ret = qc_spec_parse(s, end, &sp);
	if (ret)
		return ret;
	if (sp.nq > max_qubits || sp.ne > max_edges || sp.ne > QC_TOPO_EDGE_LIMIT)
		return -E2BIG;

	t = qc_zalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->kind = sp.kind;
	t->num_qubits = (u32)sp.nq;
	t->num_edges = (u32)sp.ne;
	qc_spec_name(&sp, t->name, sizeof(t->name));
	/* One spare entry each so that an edgeless topology still allocates. */
	t->edges = qc_zalloc_array((size_t)t->num_edges * 2 + 1, sizeof(u32));
	t->adj = qc_zalloc_array((size_t)t->num_edges * 2 + 1, sizeof(u32));
	t->adj_off = qc_zalloc_array((size_t)t->num_qubits + 1, sizeof(u32));
	if (!t->edges || !t->adj || !t->adj_off) {
		ret = -ENOMEM;
		goto err;
	}
	if (qc_gen_edges(&sp, t->edges) != t->num_edges) {
		ret = -EINVAL;
		goto err;
	}
	ret = qc_topology_build_csr(t);
	if (ret)
		goto err;
	*out = t;
	return 0;
err:
	qc_topology_destroy(t);
	return ret;
}

bool qc_topology_coupled(const struct qc_topology *t, u32 a, u32 b)
{
	u32 lo, hi, mid;

	if (a >= t->num_qubits || b >= t->num_qubits)
		return false;
	lo = t->adj_off[a];
	hi = t->adj_off[a + 1];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->adj[mid] == b)
			return true;
		if (t->adj[mid] < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

u32 qc_topology_edge(const struct qc_topology *t, u32 a, u32 b)
{
	u32 lo = 0, hi = t->num_edges, mid, x, y;

	if (a > b) {
		x = a;
		a = b;
		b = x;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		x = t->edges[2 * mid];
		y = t->edges[2 * mid + 1];
		if (x == a && y == b)
			return mid;
		if (x < a || (x == a && y < b))
			lo = mid + 1;
		else
			hi = mid;
	}
	return QC_NO_EDGE;
}
