// SPDX-License-Identifier: GPL-2.0
/*
 * alloc_test.c - qubit allocation on /dev/qpu0 (heavyhex:27):
 * QPU_IOC_ALLOC, QPU_IOC_ALLOC_QUERY and QPU_IOC_FREE.
 *
 * Successful allocations are checked against a model built from the
 * device's coupling map: k distinct physical qubits in range, forming a
 * connected region (BFS), whose virtual coupling map is exactly the
 * physical map restricted to the region; ALLOC_QUERY repeats it. Every
 * documented failure (EINVAL, E2BIG, EDQUOT, ENOSPC, EOVERFLOW, EFAULT,
 * ENOENT) is provoked and must leave nothing allocated. free_qubits (sysfs
 * and GET_INFO) is followed throughout. Processes: concurrent allocators
 * never overlap; qubits come back on close, exit and SIGKILL; a context
 * belongs to the open file description, so forked children and dup()s
 * share it and another open() does not.
 *
 * Placement: with noise=calibrated and placement=fidelity, and a
 * calibration (written as root) that makes one region clearly better, an
 * allocation lands in it, with or without a hint, and a chain hint's
 * pairs land on couplers; placement=compact takes the first fitting
 * region instead. A hint is validated whatever the mode (EINVAL, E2BIG,
 * EFAULT) and nothing is allocated then.
 */
#include <libqpu.h>

#include "vm_util.h"

#define POISON32	0xa5a5a5a5U

static void poison(void *p, size_t len)
{
	memset(p, 0xa5, len);
}

static void assert_poisoned_u32(const uint32_t *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i] != POISON32)
			QT_FAIL("slot %zu past the output was written: %#x", i,
				p[i]);
}

/*
 * @phys (k qubits) and @edges (@nedges) describe a valid allocation of
 * device graph @g: distinct qubits in range, connected, and exactly the
 * couplings of the region in virtual indices, sorted.
 */
static void assert_region(const struct qgraph *g, const uint32_t *phys,
			  uint32_t k, const struct qpu_edge *edges,
			  uint32_t nedges)
{
	struct qpu_edge *want = calloc((size_t)k * k + 1, sizeof(*want));
	uint32_t n;

	QT_ASSERT(want != NULL);
	assert_distinct_qubits(phys, k, g->n);
	if (!qgraph_set_connected(g, phys, k))
		QT_FAIL("the %u allocated qubits are not connected", k);
	n = qgraph_region_edges(g, phys, k, want);
	QT_ASSERT_EQ(nedges, n);
	assert_edges_sorted(edges, nedges, k);
	if (memcmp(edges, want, n * sizeof(*want)))
		QT_FAIL("virtual edges differ from the region's couplings");
	free(want);
}

/* The qubit sets @a (ka) and @b (kb) share no qubit. */
static void assert_disjoint(const uint32_t *a, uint32_t ka, const uint32_t *b,
			    uint32_t kb)
{
	uint32_t i, j;

	for (i = 0; i < ka; i++)
		for (j = 0; j < kb; j++)
			if (a[i] == b[j])
				QT_FAIL("qubit %u allocated twice", a[i]);
}

QPU_TEST(alloc_describes_region)
{
	static const uint32_t ks[] = { 1, 2, 3, 5, 8, 13, 26, 27 };
	uint32_t phys[QPU0_NUM_QUBITS + 4], qphys[QPU0_NUM_QUBITS + 4];
	struct qpu_edge edges[64], qedges[64];
	struct qpu_alloc a, q;
	struct qgraph g;
	size_t i;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	qgraph_from_dev(&g, fd);
	for (i = 0; i < ARRAY_LEN(ks); i++) {
		uint32_t k = ks[i];

		poison(phys, sizeof(phys));
		poison(edges, sizeof(edges));
		QT_ASSERT_EQ(alloc_raw(fd, k, phys, edges, ARRAY_LEN(edges), &a), 0);
		QT_ASSERT_GT(a.handle, 0);
		QT_ASSERT_EQ(a.num_qubits, k);
		assert_poisoned_u32(phys, k, ARRAY_LEN(phys));
		assert_poisoned_u32((uint32_t *)edges, 2 * a.num_edges,
				    2 * ARRAY_LEN(edges));
		assert_region(&g, phys, k, edges, a.num_edges);
		assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - k);

		/* The query describes the same allocation. */
		poison(qphys, sizeof(qphys));
		poison(qedges, sizeof(qedges));
		QT_ASSERT_EQ(query_raw(fd, a.handle, qphys, qedges,
				       ARRAY_LEN(qedges), &q), 0);
		QT_ASSERT_EQ(q.handle, a.handle);
		QT_ASSERT_EQ(q.num_qubits, k);
		QT_ASSERT_EQ(q.num_edges, a.num_edges);
		QT_ASSERT(!memcmp(qphys, phys, k * sizeof(*phys)));
		QT_ASSERT(!memcmp(qedges, edges, a.num_edges * sizeof(*edges)));
		assert_poisoned_u32(qphys, k, ARRAY_LEN(qphys));

		free_ok(fd, a.handle);
		assert_qpu0_idle(fd);
	}
	/* The whole device is one region with every coupling. */
	QT_ASSERT_EQ(alloc_raw(fd, QPU0_NUM_QUBITS, phys, edges,
			       ARRAY_LEN(edges), &a), 0);
	QT_ASSERT_EQ(a.num_edges, QPU0_NUM_EDGES);
	qgraph_free(&g);
	close_ok(fd);
}

/* Pointers are optional: without them only the counts come back. */
QPU_TEST(alloc_counts_only)
{
	uint32_t phys[8];
	struct qpu_edge edges[32];
	struct qpu_alloc a, q;
	struct qgraph g;
	int fd = open_dev();

	qgraph_from_dev(&g, fd);
	QT_ASSERT_EQ(alloc_raw(fd, 8, NULL, NULL, 0, &a), 0);
	QT_ASSERT_GT(a.handle, 0);
	QT_ASSERT_GE(a.num_edges, 7);	/* 8 connected qubits */
	QT_ASSERT_EQ(query_raw(fd, a.handle, phys, NULL, 0, &q), 0);
	QT_ASSERT_EQ(q.num_edges, a.num_edges);
	QT_ASSERT_EQ(query_raw(fd, a.handle, phys, edges, ARRAY_LEN(edges), &q), 0);
	assert_region(&g, phys, 8, edges, q.num_edges);
	QT_ASSERT_EQ(q.num_edges, a.num_edges);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 8);
	qgraph_free(&g);
	close_ok(fd);
}

QPU_TEST(alloc_libqpu)
{
	struct qpu_qubits *q;
	struct qpu_dev *dev;
	struct qgraph g;

	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &dev), 0);
	qgraph_from_dev(&g, qpu_fd(dev));
	QT_ASSERT_EQ(qpu_alloc_qubits(dev, 6, &q), 0);
	QT_ASSERT_EQ(q->num_qubits, 6);
	assert_region(&g, q->phys, 6, q->edges, q->num_edges);
	assert_free_qubits(qpu_fd(dev), 0, QPU0_NUM_QUBITS - 6);
	QT_ASSERT_EQ(qpu_free_qubits(dev, q), 0);
	assert_qpu0_idle(qpu_fd(dev));
	QT_ASSERT_EQ(qpu_alloc_qubits(dev, 0, &q), -EINVAL);
	QT_ASSERT_EQ(qpu_alloc_qubits(dev, QPU0_NUM_QUBITS + 1, &q), -E2BIG);
	qgraph_free(&g);
	qpu_close(dev);
}

/* Several allocations at once: disjoint, and the free count adds up. */
QPU_TEST(alloc_several_accounting)
{
	static const uint32_t ks[] = { 1, 2, 3, 4, 5 };
	static const size_t free_order[] = { 2, 0, 4, 1, 3 };
	uint32_t phys[5][5], h[5], held = 0;
	struct qgraph g;
	size_t i, j;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	qgraph_from_dev(&g, fd);
	for (i = 0; i < ARRAY_LEN(ks); i++) {
		h[i] = alloc_ok(fd, ks[i], phys[i]);
		for (j = 0; j < i; j++) {
			QT_ASSERT_NE(h[i], h[j]);
			assert_disjoint(phys[i], ks[i], phys[j], ks[j]);
		}
		QT_ASSERT(qgraph_set_connected(&g, phys[i], ks[i]));
		held += ks[i];
		assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - held);
	}
	for (i = 0; i < ARRAY_LEN(free_order); i++) {
		free_ok(fd, h[free_order[i]]);
		held -= ks[free_order[i]];
		assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - held);
	}
	qgraph_free(&g);
	close_ok(fd);
}

/* A failed ALLOC leaves the device and the counters as they were. */
static void assert_alloc_fails(int fd, struct qpu_alloc *a, int err)
{
	struct qpu_objs before, after;
	struct qpu_info info;
	uint32_t free_before;

	get_info_ok(fd, &info);
	free_before = info.free_qubits;
	read_objs(&before);
	QT_ASSERT_ERRNO(ioctl(fd, QPU_IOC_ALLOC, a), err);
	read_objs(&after);
	assert_objs_eq(&after, &before);
	assert_free_qubits(fd, 0, free_before);
}

static void fill_alloc(struct qpu_alloc *a, uint32_t k)
{
	memset(a, 0, sizeof(*a));
	a->num_qubits = k;
}

QPU_TEST(alloc_zero_einval)
{
	struct qpu_alloc a;
	int fd = open_dev();

	fill_alloc(&a, 0);
	assert_alloc_fails(fd, &a, EINVAL);
	close_ok(fd);
}

QPU_TEST(alloc_too_big_e2big)
{
	static const uint32_t ks[] = { QPU0_NUM_QUBITS + 1, 100,
				       QPU_MAX_QUBITS, UINT32_MAX };
	struct qpu_alloc a;
	size_t i;
	int fd = open_dev();

	for (i = 0; i < ARRAY_LEN(ks); i++) {
		fill_alloc(&a, ks[i]);
		assert_alloc_fails(fd, &a, E2BIG);
	}
	close_ok(fd);
}

QPU_TEST(alloc_flags_reserved_einval)
{
	struct qpu_alloc a;
	int fd = open_dev();

	/* QPU_ALLOC_EXACT without qubits */
	fill_alloc(&a, 1);
	a.flags = QPU_ALLOC_EXACT;
	assert_alloc_fails(fd, &a, EINVAL);
	fill_alloc(&a, 1);
	a.flags = QPU_ALLOC_EXACT << 1;
	assert_alloc_fails(fd, &a, EINVAL);
	fill_alloc(&a, 1);
	a.flags = 0x80000000U;
	assert_alloc_fails(fd, &a, EINVAL);
	fill_alloc(&a, 1);
	a.reserved = 1;
	assert_alloc_fails(fd, &a, EINVAL);
	fill_alloc(&a, 1);
	a.reserved = 1U << 31;
	assert_alloc_fails(fd, &a, EINVAL);
	close_ok(fd);
}

/* ---- EDQUOT: the per-context limit (max_ctx_qubits) --------------------- */

struct quota_state {
	uint32_t saved;
};

static void quota_restore(void *arg)
{
	set_max_ctx_ok(((struct quota_state *)arg)->saved);
}

static void quota_body(void *arg)
{
	struct qpu_alloc a, q;
	struct qpu_info info;
	uint32_t h3, h2;
	int fd1 = open_dev(), fd2 = open_dev(), fd3;

	(void)arg;
	assert_qpu0_idle(fd1);
	set_max_ctx_ok(5);
	get_info_ok(fd1, &info);
	QT_ASSERT_EQ(info.max_ctx_qubits, 5);

	h3 = alloc_ok(fd1, 3, NULL);
	fill_alloc(&a, 3);
	assert_alloc_fails(fd1, &a, EDQUOT);
	h2 = alloc_ok(fd1, 2, NULL);
	fill_alloc(&a, 1);
	assert_alloc_fails(fd1, &a, EDQUOT);
	/* The limit is per open file. */
	alloc_ok(fd2, 5, NULL);
	assert_free_qubits(fd1, 0, QPU0_NUM_QUBITS - 10);
	/* Freeing makes room again. */
	free_ok(fd1, h3);
	alloc_ok(fd1, 3, NULL);

	/* Lowering the limit takes nothing back but stops new allocations. */
	set_max_ctx_ok(2);
	assert_free_qubits(fd1, 0, QPU0_NUM_QUBITS - 10);
	QT_ASSERT_EQ(query_raw(fd1, h2, NULL, NULL, 0, &q), 0);
	fill_alloc(&a, 1);
	assert_alloc_fails(fd1, &a, EDQUOT);
	assert_alloc_fails(fd2, &a, EDQUOT);
	fd3 = open_dev();
	fill_alloc(&a, 3);
	assert_alloc_fails(fd3, &a, EDQUOT);
	alloc_ok(fd3, 2, NULL);
	fill_alloc(&a, 1);
	assert_alloc_fails(fd3, &a, EDQUOT);
	close_ok(fd3);
	close_ok(fd2);
	close_ok(fd1);
}

QPU_TEST(alloc_over_quota_edquot)
{
	struct quota_state st = { dev_attr_u32(0, "max_ctx_qubits") };

	run_with_cleanup(quota_body, quota_restore, &st);
}

/* ---- ENOSPC: full and fragmented devices -------------------------------- */

QPU_TEST(alloc_device_full_enospc)
{
	struct qpu_alloc a;
	uint32_t h;
	int fd1 = open_dev(), fd2 = open_dev();

	assert_qpu0_idle(fd1);
	h = alloc_ok(fd1, QPU0_NUM_QUBITS, NULL);
	assert_free_qubits(fd1, 0, 0);
	fill_alloc(&a, 1);
	assert_alloc_fails(fd2, &a, ENOSPC);
	fill_alloc(&a, QPU0_NUM_QUBITS);
	assert_alloc_fails(fd2, &a, ENOSPC);
	free_ok(fd1, h);
	alloc_ok(fd2, QPU0_NUM_QUBITS, NULL);
	close_ok(fd2);
	close_ok(fd1);
}

/*
 * Hold every qubit as a one-qubit allocation, then free an independent
 * set: many free qubits, no two coupled, so no region of two exists.
 */
QPU_TEST(alloc_fragmented_enospc)
{
	uint32_t handle_of[QPU0_NUM_QUBITS], phys[QPU0_NUM_QUBITS];
	bool in_set[QPU0_NUM_QUBITS] = { false };
	uint32_t q, i, j, nset = 0, w, cnt;
	struct qpu_alloc a;
	struct qgraph g;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	qgraph_from_dev(&g, fd);
	for (i = 0; i < QPU0_NUM_QUBITS; i++) {
		q = alloc_ok(fd, 1, &phys[i]);
		QT_ASSERT_LT(phys[i], QPU0_NUM_QUBITS);
		handle_of[phys[i]] = q;
	}
	assert_distinct_qubits(phys, QPU0_NUM_QUBITS, QPU0_NUM_QUBITS);
	assert_free_qubits(fd, 0, 0);

	/* A maximal independent set, greedily, freed. */
	for (q = 0; q < QPU0_NUM_QUBITS; q++) {
		for (j = g.off[q]; j < g.off[q + 1]; j++)
			if (in_set[g.adj[j]])
				break;
		if (j < g.off[q + 1])
			continue;
		in_set[q] = true;
		nset++;
		free_ok(fd, handle_of[q]);
	}
	QT_ASSERT_GE(nset, 2);
	assert_free_qubits(fd, 0, nset);
	fill_alloc(&a, 2);
	assert_alloc_fails(fd, &a, ENOSPC);
	fill_alloc(&a, nset);
	assert_alloc_fails(fd, &a, ENOSPC);
	/* One qubit still fits, and it is one of the free ones. */
	QT_ASSERT_EQ(alloc_raw(fd, 1, phys, NULL, 0, &a), 0);
	QT_ASSERT(in_set[phys[0]]);
	free_ok(fd, a.handle);

	/* Free a qubit coupled to two free ones: a region of 3 appears. */
	for (w = 0; w < QPU0_NUM_QUBITS; w++) {
		cnt = 0;
		for (j = g.off[w]; j < g.off[w + 1]; j++)
			cnt += in_set[g.adj[j]];
		if (!in_set[w] && cnt >= 2)
			break;
	}
	QT_ASSERT_LT(w, QPU0_NUM_QUBITS);
	free_ok(fd, handle_of[w]);
	QT_ASSERT_EQ(alloc_raw(fd, 3, phys, NULL, 0, &a), 0);
	QT_ASSERT(qgraph_set_connected(&g, phys, 3));
	for (i = 0; i < 3; i++)
		QT_ASSERT(phys[i] == w ||
			  (in_set[phys[i]] && qgraph_coupled(&g, w, phys[i])));
	assert_free_qubits(fd, 0, nset + 1 - 3);
	qgraph_free(&g);
	close_ok(fd);
	fd = open_dev();
	assert_qpu0_idle(fd);
	close_ok(fd);
}

/* ---- EOVERFLOW: edges capacity too small --------------------------------- */

QPU_TEST(alloc_edges_overflow)
{
	const uint32_t k = 10;
	struct qpu_edge edges[64];
	uint32_t phys[10], need;
	struct qpu_alloc a, q;
	struct qpu_objs before;
	struct qgraph g;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	qgraph_from_dev(&g, fd);
	read_objs(&before);

	poison(edges, sizeof(edges));
	fill_alloc(&a, k);
	a.edges_ptr = (uintptr_t)edges;
	assert_alloc_fails(fd, &a, EOVERFLOW);
	need = a.num_edges;
	QT_ASSERT_GE(need, k - 1);	/* a connected region of k */
	assert_poisoned_u32((uint32_t *)edges, 0, 2 * ARRAY_LEN(edges));

	fill_alloc(&a, k);
	a.edges_ptr = (uintptr_t)edges;
	a.num_edges = need - 1;
	assert_alloc_fails(fd, &a, EOVERFLOW);
	QT_ASSERT_EQ(a.num_edges, need);
	assert_poisoned_u32((uint32_t *)edges, 0, 2 * ARRAY_LEN(edges));

	/* Exactly the need works. */
	QT_ASSERT_EQ(alloc_raw(fd, k, phys, edges, need, &a), 0);
	QT_ASSERT_EQ(a.num_edges, need);
	assert_region(&g, phys, k, edges, need);
	assert_poisoned_u32((uint32_t *)edges, 2 * need, 2 * ARRAY_LEN(edges));

	/* ALLOC_QUERY too; the allocation survives its failure. */
	QT_ASSERT_EQ(query_raw(fd, a.handle, NULL, edges, need - 1, &q),
		     -EOVERFLOW);
	QT_ASSERT_EQ(q.num_edges, need);
	QT_ASSERT_EQ(q.num_qubits, k);
	QT_ASSERT_EQ(query_raw(fd, a.handle, NULL, edges, need, &q), 0);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - k);
	qgraph_free(&g);
	close_ok(fd);
}

/* ---- EFAULT: bad phys_ptr / edges_ptr leak nothing ---------------------- */

QPU_TEST(alloc_bad_pointers_efault)
{
	const uint32_t k = 10;
	char *gd = map_guarded();
	void *ro = map_page_with(PROT_READ, NULL, 0);
	const uint64_t bad_phys[] = {
		1, (uintptr_t)guard_of(gd),
		(uintptr_t)(guard_of(gd) - 4 * (k / 2)),	/* half fits */
		(uintptr_t)ro, KERNEL_ADDR,
	};
	const uint64_t bad_edges[] = {
		1, (uintptr_t)guard_of(gd),
		(uintptr_t)(guard_of(gd) - 2 * sizeof(struct qpu_edge)),
		(uintptr_t)ro, KERNEL_ADDR,
	};
	struct qpu_edge edges[64];
	uint32_t phys[10];
	struct qpu_alloc a;
	size_t i;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	for (i = 0; i < ARRAY_LEN(bad_phys); i++) {
		fill_alloc(&a, k);
		a.phys_ptr = bad_phys[i];
		assert_alloc_fails(fd, &a, EFAULT);
		fill_alloc(&a, k);
		a.phys_ptr = bad_phys[i];
		a.edges_ptr = (uintptr_t)edges;
		a.num_edges = ARRAY_LEN(edges);
		assert_alloc_fails(fd, &a, EFAULT);
	}
	for (i = 0; i < ARRAY_LEN(bad_edges); i++) {
		fill_alloc(&a, k);
		a.phys_ptr = (uintptr_t)phys;
		a.edges_ptr = bad_edges[i];
		a.num_edges = 64;
		assert_alloc_fails(fd, &a, EFAULT);
	}
	assert_qpu0_idle(fd);
	/* The device is intact: the whole of it can still be allocated. */
	QT_ASSERT_EQ(alloc_raw(fd, QPU0_NUM_QUBITS, NULL, NULL, 0, &a), 0);
	close_ok(fd);
}

/* ---- QPU_ALLOC_EXACT ------------------------------------------------------ */

/*
 * Exact sets, connected or not and in any order: ALLOC_QUERY echoes the
 * order, the couplings are the region's in that order, the input stays
 * as it was (read-only memory is fine: nothing is written back).
 */
QPU_TEST(alloc_exact_echoed)
{
	static const uint32_t sets[][4] = {
		{ 26, 0, 13, 7 },	/* scattered */
		{ 1, 0, 2, 3 },		/* a chain, not in index order */
	};
	uint32_t qphys[8], *ro;
	struct qpu_edge edges[16], qedges[16], want[16];
	struct qpu_alloc a, q;
	struct qgraph g;
	size_t i;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	qgraph_from_dev(&g, fd);
	ro = map_page_with(PROT_READ | PROT_WRITE, NULL, 0);
	for (i = 0; i < ARRAY_LEN(sets); i++) {
		memcpy(ro, sets[i], sizeof(sets[i]));
		QT_ASSERT_EQ(mprotect(ro, 4096, PROT_READ), 0);
		QT_ASSERT_EQ(alloc_exact_raw(fd, ro, 4, edges, ARRAY_LEN(edges),
					     &a), 0);
		QT_ASSERT_GT(a.handle, 0);
		QT_ASSERT_EQ(a.num_qubits, 4);
		QT_ASSERT(!memcmp(ro, sets[i], sizeof(sets[i])));
		QT_ASSERT_EQ(a.num_edges,
			     qgraph_region_edges(&g, sets[i], 4, want));
		QT_ASSERT(!memcmp(edges, want, a.num_edges * sizeof(*want)));
		assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 4);
		poison(qphys, sizeof(qphys));
		QT_ASSERT_EQ(query_raw(fd, a.handle, qphys, qedges,
				       ARRAY_LEN(qedges), &q), 0);
		QT_ASSERT(!memcmp(qphys, sets[i], sizeof(sets[i])));
		assert_poisoned_u32(qphys, 4, ARRAY_LEN(qphys));
		QT_ASSERT_EQ(q.num_edges, a.num_edges);
		QT_ASSERT(!memcmp(qedges, want, q.num_edges * sizeof(*want)));
		free_ok(fd, a.handle);
		assert_qpu0_idle(fd);
		QT_ASSERT_EQ(mprotect(ro, 4096, PROT_READ | PROT_WRITE), 0);
	}
	/* the scattered set has no coupling inside */
	QT_ASSERT_EQ(qgraph_region_edges(&g, sets[0], 4, want), 0);
	QT_ASSERT_EQ(munmap(ro, 4096), 0);
	qgraph_free(&g);
	close_ok(fd);
}

QPU_TEST(alloc_exact_einval)
{
	static const uint32_t outside[] = { 3, QPU0_NUM_QUBITS };
	static const uint32_t twice[] = { 3, 4, 3 };
	static const uint32_t huge[] = { UINT32_MAX };
	struct qpu_alloc a;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	alloc_exact_raw(fd, outside, 2, NULL, 0, &a);
	assert_alloc_fails(fd, &a, EINVAL);
	alloc_exact_raw(fd, twice, 3, NULL, 0, &a);
	assert_alloc_fails(fd, &a, EINVAL);
	alloc_exact_raw(fd, huge, 1, NULL, 0, &a);
	assert_alloc_fails(fd, &a, EINVAL);
	alloc_exact_raw(fd, twice, 0, NULL, 0, &a);
	assert_alloc_fails(fd, &a, EINVAL);
	/* QUERY still takes no flags */
	QT_ASSERT_EQ(alloc_exact_raw(fd, twice, 2, NULL, 0, &a), 0);
	memset(&a, 0, sizeof(a));
	a.handle = 1;
	a.flags = QPU_ALLOC_EXACT;
	QT_ASSERT_ERRNO(ioctl(fd, QPU_IOC_ALLOC_QUERY, &a), EINVAL);
	close_ok(fd);
}

/* A wanted qubit held by anyone: EBUSY, and nothing else is taken. */
QPU_TEST(alloc_exact_ebusy_all_or_nothing)
{
	static const uint32_t first[] = { 10, 11 };
	static const uint32_t overlap[] = { 12, 11, 9 };
	static const uint32_t rest[] = { 12, 9 };
	uint32_t qphys[2], i;
	struct qpu_alloc a;
	int fd = open_dev(), other = open_dev();

	assert_qpu0_idle(fd);
	QT_ASSERT_EQ(alloc_exact_raw(fd, first, 2, NULL, 0, &a), 0);
	/* the same file and another one alike */
	alloc_exact_raw(fd, overlap, 3, NULL, 0, &a);
	assert_alloc_fails(fd, &a, EBUSY);
	alloc_exact_raw(other, overlap, 3, NULL, 0, &a);
	assert_alloc_fails(other, &a, EBUSY);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 2);
	/* 12 and 9 were left free */
	QT_ASSERT_EQ(alloc_exact_raw(other, rest, 2, NULL, 0, &a), 0);
	QT_ASSERT_EQ(query_raw(other, a.handle, qphys, NULL, 0, &a), 0);
	QT_ASSERT(!memcmp(qphys, rest, sizeof(rest)));
	/* ordinary requests get what is left, never those four */
	for (i = 0; i < QPU0_NUM_QUBITS - 4; i++) {
		alloc_ok(fd, 1, qphys);
		QT_ASSERT(qphys[0] < 9 || qphys[0] > 12);
	}
	QT_ASSERT_EQ(alloc_raw(fd, 1, NULL, NULL, 0, &a), -ENOSPC);
	close_ok(other);
	close_ok(fd);
}

QPU_TEST(alloc_exact_efault)
{
	char *gd = map_guarded();
	const uint64_t bad[] = {
		1, (uintptr_t)guard_of(gd),
		(uintptr_t)(guard_of(gd) - 4),		/* one of two fits */
		KERNEL_ADDR,
	};
	struct qpu_alloc a;
	size_t i;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&a, 0, sizeof(a));
		a.flags = QPU_ALLOC_EXACT;
		a.num_qubits = 2;
		a.phys_ptr = bad[i];
		assert_alloc_fails(fd, &a, EFAULT);
	}
	assert_qpu0_idle(fd);
	close_ok(fd);
}

/* libqpu: the set as asked, and the messages of the errors. */
QPU_TEST(alloc_exact_libqpu)
{
	static const uint32_t want[] = { 20, 5 };
	static const uint32_t twice[] = { 5, 5 };
	struct qpu_qubits *q, *q2;
	struct qpu_dev *dev;

	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &dev), 0);
	QT_ASSERT_EQ(qpu_alloc_qubits_exact(dev, want, 2, &q), 0);
	QT_ASSERT_EQ(q->num_qubits, 2);
	QT_ASSERT_EQ(q->phys[0], 20);
	QT_ASSERT_EQ(q->phys[1], 5);
	QT_ASSERT_EQ(qpu_alloc_qubits_exact(dev, want + 1, 1, &q2), -EBUSY);
	QT_ASSERT_EQ(errno, EBUSY);
	QT_ASSERT(strstr(qpu_errmsg(dev), "not all free"));
	QT_ASSERT_EQ(qpu_alloc_qubits_exact(dev, twice, 2, &q2), -EINVAL);
	QT_ASSERT(strstr(qpu_errmsg(dev), "named twice"));
	QT_ASSERT_EQ(qpu_alloc_qubits_exact(dev, NULL, 2, &q2), -EINVAL);
	QT_ASSERT_EQ(qpu_free_qubits(dev, q), 0);
	assert_qpu0_idle(qpu_fd(dev));
	qpu_close(dev);
}

/*
 * The argument struct itself in read-only memory: the handle cannot be
 * returned, so the call fails with EFAULT, and then nothing may stay
 * allocated (userspace could never free it).
 */
QPU_TEST(alloc_readonly_arg_no_leak)
{
	struct qpu_objs before, after;
	struct qpu_alloc a;
	void *ro;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	read_objs(&before);
	fill_alloc(&a, 4);
	ro = map_page_with(PROT_READ, &a, sizeof(a));
	QT_ASSERT_ERRNO(ioctl(fd, QPU_IOC_ALLOC, ro), EFAULT);
	read_objs(&after);
	assert_objs_eq(&after, &before);
	assert_qpu0_idle(fd);
	close_ok(fd);
}

/* ---- ENOENT: handles ----------------------------------------------------- */

QPU_TEST(free_unknown_handle_enoent)
{
	static const uint32_t handles[] = { 0, 1, 2, 1000, 0x7fffffffU,
					    0x80000000U, UINT32_MAX };
	struct qpu_alloc q;
	size_t i;
	int fd = open_dev();

	for (i = 0; i < ARRAY_LEN(handles); i++) {
		QT_ASSERT_EQ(free_raw(fd, handles[i]), -ENOENT);
		QT_ASSERT_EQ(query_raw(fd, handles[i], NULL, NULL, 0, &q), -ENOENT);
	}
	/* Still unknown with a live allocation on the file. */
	alloc_ok(fd, 1, NULL);
	QT_ASSERT_EQ(free_raw(fd, 0), -ENOENT);
	QT_ASSERT_EQ(free_raw(fd, UINT32_MAX), -ENOENT);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 1);
	close_ok(fd);
}

QPU_TEST(double_free_enoent)
{
	struct qpu_alloc q;
	uint32_t h, keep;
	int fd = open_dev();

	keep = alloc_ok(fd, 2, NULL);
	h = alloc_ok(fd, 3, NULL);
	free_ok(fd, h);
	QT_ASSERT_EQ(free_raw(fd, h), -ENOENT);
	QT_ASSERT_EQ(query_raw(fd, h, NULL, NULL, 0, &q), -ENOENT);
	/* The other allocation is untouched. */
	QT_ASSERT_EQ(query_raw(fd, keep, NULL, NULL, 0, &q), 0);
	QT_ASSERT_EQ(q.num_qubits, 2);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 2);
	close_ok(fd);
}

/* ---- processes ----------------------------------------------------------- */

#define NPROC		4
#define PER_PROC	4
#define PROC_K		2

/** struct proc_rec - one allocation attempt of a child, through a pipe */
struct proc_rec {
	int32_t child;
	int32_t err;		/* 0 or a positive errno */
	uint32_t phys[PROC_K];
};

static void concurrent_child(int id, int go, int report, int done)
{
	struct proc_rec r;
	struct qpu_alloc a;
	int fd, j;

	wait_pipe_eof(go);
	fd = open_dev();
	for (j = 0; j < PER_PROC; j++) {
		memset(&r, 0, sizeof(r));
		r.child = id;
		r.err = -alloc_raw(fd, PROC_K, r.phys, NULL, 0, &a);
		write_full_ok(report, &r, sizeof(r));
	}
	/* Hold everything until the parent has looked. */
	wait_pipe_eof(done);
	_exit(0);
}

QPU_TEST(concurrent_processes_disjoint)
{
	uint32_t owner[QPU0_NUM_QUBITS] = { 0 }, held = 0;
	int go[2], report[2], done[2], i, n;
	pid_t pids[NPROC];
	struct proc_rec r;
	struct qgraph g;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	qgraph_from_dev(&g, fd);
	pipe_ok(go);
	pipe_ok(report);
	pipe_ok(done);
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork_ok();
		if (!pids[i]) {
			close(go[1]);
			close(report[0]);
			close(done[1]);
			concurrent_child(i + 1, go[0], report[1], done[0]);
		}
	}
	close(go[0]);
	close(report[1]);
	close(done[0]);
	close(go[1]);	/* start them all at once */

	/* Each child reports every attempt, then holds what it got. */
	for (n = 0; n < NPROC * PER_PROC; n++) {
		if (!read_full_ok(report[0], &r, sizeof(r)))
			QT_FAIL("a child died after %d reports", n);
		if (r.err == ENOSPC)
			continue;
		if (r.err)
			QT_FAIL("child %d: ALLOC: %s", r.child, strerror(r.err));
		assert_distinct_qubits(r.phys, PROC_K, QPU0_NUM_QUBITS);
		QT_ASSERT(qgraph_set_connected(&g, r.phys, PROC_K));
		for (i = 0; i < PROC_K; i++) {
			if (owner[r.phys[i]])
				QT_FAIL("qubit %u held by children %u and %d",
					r.phys[i], owner[r.phys[i]], r.child);
			owner[r.phys[i]] = r.child;
		}
		held += PROC_K;
	}
	QT_ASSERT_GT(held, 0);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - held);
	close(done[1]);
	for (i = 0; i < NPROC; i++)
		wait_ok(pids[i]);
	assert_qpu0_idle(fd);
	qgraph_free(&g);
	close_ok(fd);
}

/*
 * A child that opens /dev/qpu0 itself, allocates @k qubits, reports the
 * handle, then waits until *@ctl is closed (or it is killed) and exits
 * without closing the device.
 */
static pid_t spawn_holder(uint32_t k, int *ctl)
{
	int report[2], go[2], fd;
	uint32_t h;
	pid_t pid;

	pipe_ok(report);
	pipe_ok(go);
	pid = fork_ok();
	if (!pid) {
		close(report[0]);
		close(go[1]);
		fd = open_dev();
		h = alloc_ok(fd, k, NULL);
		write_full_ok(report[1], &h, sizeof(h));
		wait_pipe_eof(go[0]);
		_exit(0);
	}
	close(report[1]);
	close(go[0]);
	if (!read_full_ok(report[0], &h, sizeof(h)))
		QT_FAIL("holder child failed before allocating");
	close(report[0]);
	*ctl = go[1];
	return pid;
}

QPU_TEST(release_on_close)
{
	struct qpu_objs before, after;
	int fd = open_dev(), fd2;

	assert_qpu0_idle(fd);
	read_objs(&before);
	fd2 = open_dev();
	alloc_ok(fd2, 10, NULL);
	alloc_ok(fd2, 3, NULL);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 13);
	close_ok(fd2);
	assert_qpu0_idle(fd);
	read_objs(&after);
	assert_objs_eq(&after, &before);
	close_ok(fd);
}

QPU_TEST(release_on_exit)
{
	struct qpu_objs before, after;
	int fd = open_dev(), ctl;
	pid_t pid;

	assert_qpu0_idle(fd);
	read_objs(&before);
	pid = spawn_holder(10, &ctl);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 10);
	close(ctl);
	wait_ok(pid);
	assert_qpu0_idle(fd);
	read_objs(&after);
	assert_objs_eq(&after, &before);
	close_ok(fd);
}

QPU_TEST(release_on_sigkill)
{
	struct qpu_objs before, after;
	int fd = open_dev(), ctl;
	pid_t pid;

	assert_qpu0_idle(fd);
	read_objs(&before);
	pid = spawn_holder(12, &ctl);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 12);
	QT_ASSERT_OK(kill(pid, SIGKILL));
	QT_ASSERT_EQ(wait_status(pid), 128 + SIGKILL);
	close(ctl);
	assert_qpu0_idle(fd);
	read_objs(&after);
	assert_objs_eq(&after, &before);
	close_ok(fd);
}

/*
 * The context belongs to the open file description: a forked child using
 * the inherited fd sees the parent's allocations, may free them and adds
 * its own; its exit frees nothing; the last close frees everything.
 */
QPU_TEST(fork_shares_context)
{
	uint32_t physa[4], qphys[4], ha, hb, hc;
	struct qpu_objs before, after;
	struct qpu_alloc q;
	int report[2], fd, probe;
	pid_t pid;

	read_objs(&before);
	probe = open_dev();
	assert_qpu0_idle(probe);
	fd = open_dev();
	ha = alloc_ok(fd, 4, physa);
	hb = alloc_ok(fd, 3, NULL);
	pipe_ok(report);
	pid = fork_ok();
	if (!pid) {
		close(report[0]);
		QT_ASSERT_EQ(query_raw(fd, ha, qphys, NULL, 0, &q), 0);
		QT_ASSERT_EQ(q.num_qubits, 4);
		QT_ASSERT(!memcmp(qphys, physa, sizeof(physa)));
		free_ok(fd, hb);
		hc = alloc_ok(fd, 2, NULL);
		write_full_ok(report[1], &hc, sizeof(hc));
		_exit(0);	/* closes the child's copy of fd */
	}
	close(report[1]);
	QT_ASSERT(read_full_ok(report[0], &hc, sizeof(hc)));
	wait_ok(pid);
	close(report[0]);

	assert_free_qubits(probe, 0, QPU0_NUM_QUBITS - 4 - 2);
	QT_ASSERT_EQ(query_raw(fd, hb, NULL, NULL, 0, &q), -ENOENT);
	QT_ASSERT_EQ(query_raw(fd, hc, NULL, NULL, 0, &q), 0);
	QT_ASSERT_EQ(q.num_qubits, 2);
	QT_ASSERT_EQ(query_raw(fd, ha, NULL, NULL, 0, &q), 0);
	close_ok(fd);
	assert_qpu0_idle(probe);
	close_ok(probe);
	read_objs(&after);
	assert_objs_eq(&after, &before);
}

QPU_TEST(dup_shares_context)
{
	struct qpu_alloc q;
	int fd = open_dev(), fd2;
	uint32_t h;

	assert_qpu0_idle(fd);
	fd2 = dup(fd);
	QT_ASSERT_GE(fd2, 0);
	h = alloc_ok(fd2, 5, NULL);
	QT_ASSERT_EQ(query_raw(fd, h, NULL, NULL, 0, &q), 0);
	QT_ASSERT_EQ(q.num_qubits, 5);
	close_ok(fd2);
	/* Not the last reference to the file: nothing is released. */
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 5);
	free_ok(fd, h);
	close_ok(fd);
}

QPU_TEST(handle_is_per_open_file)
{
	struct qpu_alloc q;
	int fd1 = open_dev(), fd2 = open_dev();
	uint32_t h1, h2;

	assert_qpu0_idle(fd1);
	h1 = alloc_ok(fd1, 3, NULL);
	QT_ASSERT_EQ(query_raw(fd2, h1, NULL, NULL, 0, &q), -ENOENT);
	QT_ASSERT_EQ(free_raw(fd2, h1), -ENOENT);
	assert_free_qubits(fd1, 0, QPU0_NUM_QUBITS - 3);

	/* fd2's own handle may have the same value; it names its own qubits. */
	h2 = alloc_ok(fd2, 2, NULL);
	assert_free_qubits(fd1, 0, QPU0_NUM_QUBITS - 5);
	free_ok(fd2, h2);
	QT_ASSERT_EQ(free_raw(fd2, h2), -ENOENT);
	QT_ASSERT_EQ(free_raw(fd2, h1), -ENOENT);
	QT_ASSERT_EQ(query_raw(fd1, h1, NULL, NULL, 0, &q), 0);
	QT_ASSERT_EQ(q.num_qubits, 3);
	assert_free_qubits(fd1, 0, QPU0_NUM_QUBITS - 3);
	close_ok(fd2);
	close_ok(fd1);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}

/* ---- placement by calibrated fidelity, and the hint ------------------------ */

#define PLACE_GOOD	6	/* qubits of the good region */
#define PLACE_K		4	/* qubits asked for */

struct place_state {
	char noise[32];
	char placement[32];
	char *calib;
	size_t calib_len;
	char good[QPU0_NUM_QUBITS];
};

static void place_restore(void *arg)
{
	struct place_state *st = arg;
	char path[128];

	write_sysfs_buf(attr_path(path, sizeof(path), QPU0_ID, "calibration"),
			st->calib, st->calib_len);
	write_dev_attr(QPU0_ID, "placement", st->placement);
	write_dev_attr(QPU0_ID, "noise", st->noise);
}

/* good[]: the BFS ball of PLACE_GOOD qubits around the last qubit. */
static void place_good_ball(const struct qgraph *g, char *good)
{
	uint32_t queue[QPU0_NUM_QUBITS], head = 0, tail = 0, u, j;

	memset(good, 0, g->n);
	queue[tail++] = g->n - 1;
	good[g->n - 1] = 1;
	while (head < tail && tail < PLACE_GOOD) {
		u = queue[head++];
		for (j = g->off[u]; j < g->off[u + 1] && tail < PLACE_GOOD; j++) {
			if (good[g->adj[j]])
				continue;
			good[g->adj[j]] = 1;
			queue[tail++] = g->adj[j];
		}
	}
}

/* Bad values everywhere but in the good region (5-value "q" records). */
static void place_write_calib(const struct qgraph *g, const char *good)
{
	size_t cap = 8192, off = 0;
	char *buf = malloc(cap), path[128];
	uint32_t u, j;
	int ret;

	QT_ASSERT(buf != NULL);
	for (u = 0; u < g->n; u++)
		off += snprintf(buf + off, cap - off, "q %u %u %u %u %u\n", u,
				good[u] ? 10000 : 300000, good[u] ? 200 : 100000,
				good[u] ? 300 : 40, good[u] ? 200 : 40);
	for (u = 0; u < g->n; u++)
		for (j = g->off[u]; j < g->off[u + 1]; j++)
			if (g->adj[j] > u)
				off += snprintf(buf + off, cap - off, "e %u %u %u\n", u,
						g->adj[j],
						good[u] && good[g->adj[j]] ? 3000 : 300000);
	QT_ASSERT_LT(off, cap);
	ret = write_sysfs_buf(attr_path(path, sizeof(path), QPU0_ID, "calibration"),
			      buf, off);
	if (ret)
		QT_FAIL("writing the calibration: %s", strerror(-ret));
	free(buf);
}

static void set_attr_ok(const char *attr, const char *v)
{
	int ret = write_dev_attr(QPU0_ID, attr, v);

	if (ret)
		QT_FAIL("writing %s=%s: %s", attr, v, strerror(-ret));
}

/* ALLOC of PLACE_K qubits with @hint (@nhint pairs); returns the handle. */
static uint32_t place_alloc(int fd, const struct qpu_edge *hint, uint32_t nhint,
			    uint32_t *phys)
{
	struct qpu_alloc a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.num_qubits = PLACE_K;
	a.phys_ptr = (uintptr_t)phys;
	a.hint_ptr = (uintptr_t)hint;
	a.num_hint = nhint;
	ret = qpu_ioc(fd, QPU_IOC_ALLOC, &a);
	if (ret)
		QT_FAIL("ALLOC of %u qubits with a hint of %u: %s", PLACE_K, nhint,
			strerror(-ret));
	return a.handle;
}

static uint32_t count_good(const char *good, const uint32_t *phys, uint32_t k)
{
	uint32_t i, n = 0;

	for (i = 0; i < k; i++)
		n += good[phys[i]];
	return n;
}

static void place_body(void *arg)
{
	static const struct qpu_edge chain[] = { { 0, 1 }, { 1, 2 }, { 3, 2 } };
	struct place_state *st = arg;
	uint32_t phys[PLACE_K], h, i;
	struct qgraph g;
	int fd = open_dev();

	assert_qpu0_idle(fd);
	qgraph_from_dev(&g, fd);
	place_good_ball(&g, st->good);
	place_write_calib(&g, st->good);
	set_attr_ok("noise", "calibrated");
	set_attr_ok("placement", "fidelity");

	/* fidelity: the good region, with and without a hint */
	h = place_alloc(fd, NULL, 0, phys);
	assert_distinct_qubits(phys, PLACE_K, g.n);
	QT_ASSERT(qgraph_set_connected(&g, phys, PLACE_K));
	QT_ASSERT_EQ(count_good(st->good, phys, PLACE_K), PLACE_K);
	free_ok(fd, h);
	h = place_alloc(fd, chain, ARRAY_LEN(chain), phys);
	QT_ASSERT(qgraph_set_connected(&g, phys, PLACE_K));
	QT_ASSERT_EQ(count_good(st->good, phys, PLACE_K), PLACE_K);
	for (i = 0; i < ARRAY_LEN(chain); i++)
		if (!qgraph_coupled(&g, phys[chain[i].a], phys[chain[i].b]))
			QT_FAIL("hint pair %u-%u on uncoupled qubits %u-%u",
				chain[i].a, chain[i].b, phys[chain[i].a],
				phys[chain[i].b]);
	free_ok(fd, h);

	/*
	 * compact ignores the calibration: on an idle heavyhex:27 its first
	 * fitting region starts at a corner (least degree, lowest index),
	 * away from the good ball around the last qubit
	 */
	set_attr_ok("placement", "compact");
	h = place_alloc(fd, chain, ARRAY_LEN(chain), phys);
	QT_ASSERT(qgraph_set_connected(&g, phys, PLACE_K));
	QT_ASSERT_LT(count_good(st->good, phys, PLACE_K), PLACE_K);
	free_ok(fd, h);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS);
	qgraph_free(&g);
	close_ok(fd);
}

QPU_TEST(alloc_placement_follows_calibration)
{
	struct place_state st;

	memset(&st, 0, sizeof(st));
	dev_attr_str(QPU0_ID, "noise", st.noise, sizeof(st.noise));
	dev_attr_str(QPU0_ID, "placement", st.placement, sizeof(st.placement));
	{
		char path[128];

		st.calib = read_all_ok(attr_path(path, sizeof(path), QPU0_ID,
						 "calibration"), &st.calib_len);
	}
	run_with_cleanup(place_body, place_restore, &st);
	free(st.calib);
}

/* A bad hint fails alone, and nothing is allocated. */
QPU_TEST(alloc_hint_validated)
{
	static const struct qpu_edge same[] = { { 1, 1 } }, far[] = { { 0, 4 } },
				     ok[] = { { 0, 3 }, { 3, 0 }, { 1, 2 } };
	static const uint32_t want[] = { 0, 1, 2, 3 };
	struct qpu_alloc a;
	uint32_t phys[4];
	int fd = open_dev();

	assert_qpu0_idle(fd);
#define HINT_TRY(ptr, n, err) do {						\
		memset(&a, 0, sizeof(a));					\
		a.num_qubits = 4;						\
		a.hint_ptr = (uintptr_t)(ptr);					\
		a.num_hint = (n);						\
		QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_ALLOC, &a), (err));		\
		assert_free_qubits(fd, 0, QPU0_NUM_QUBITS);			\
	} while (0)
	HINT_TRY(same, 1, -EINVAL);
	HINT_TRY(far, 1, -EINVAL);
	HINT_TRY(NULL, 1, -EINVAL);
	HINT_TRY(ok, 0, -EINVAL);
	HINT_TRY(ok, QPU_ALLOC_MAX_HINT + 1, -E2BIG);
	HINT_TRY(8, 1, -EFAULT);
	HINT_TRY(ok, 0x10000000U, -E2BIG);
#undef HINT_TRY
	/* with QPU_ALLOC_EXACT the caller placed the qubits already */
	memset(&a, 0, sizeof(a));
	a.flags = QPU_ALLOC_EXACT;
	a.num_qubits = 4;
	a.phys_ptr = (uintptr_t)want;
	a.hint_ptr = (uintptr_t)ok;
	a.num_hint = 3;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_ALLOC, &a), -EINVAL);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS);
	/* a good hint is taken in any mode; ALLOC_QUERY takes none */
	memset(&a, 0, sizeof(a));
	a.num_qubits = 4;
	a.phys_ptr = (uintptr_t)phys;
	a.hint_ptr = (uintptr_t)ok;
	a.num_hint = 3;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_ALLOC, &a), 0);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 4);
	{
		struct qpu_alloc q;

		memset(&q, 0, sizeof(q));
		q.handle = a.handle;
		q.hint_ptr = (uintptr_t)ok;
		QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_ALLOC_QUERY, &q), -EINVAL);
		memset(&q, 0, sizeof(q));
		q.handle = a.handle;
		q.num_hint = 1;
		QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_ALLOC_QUERY, &q), -EINVAL);
	}
	free_ok(fd, a.handle);
	close_ok(fd);
}

/* libqpu: qpu_alloc_qubits_hint() passes the hint and explains refusals. */
QPU_TEST(alloc_hint_libqpu)
{
	static const struct qpu_edge chain[] = { { 0, 1 }, { 1, 2 } },
				     bad[] = { { 0, 3 } };
	struct qpu_qubits *q, *q2;
	struct qpu_dev *dev;

	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &dev), 0);
	QT_ASSERT_EQ(qpu_alloc_qubits_hint(dev, 3, chain, 2, &q), 0);
	QT_ASSERT_EQ(q->num_qubits, 3);
	QT_ASSERT_EQ(qpu_alloc_qubits_hint(dev, 3, bad, 1, &q2), -EINVAL);
	QT_ASSERT_EQ(errno, EINVAL);
	QT_ASSERT(strstr(qpu_errmsg(dev), "hint pair"));
	QT_ASSERT_EQ(qpu_alloc_qubits_hint(dev, 3, NULL, 1, &q2), -EINVAL);
	QT_ASSERT_EQ(qpu_alloc_qubits_hint(dev, 3, chain, QPU_ALLOC_MAX_HINT + 1,
					   &q2), -E2BIG);
	QT_ASSERT(strstr(qpu_errmsg(dev), "at most"));
	QT_ASSERT_EQ(qpu_free_qubits(dev, q), 0);
	/* no pairs: qpu_alloc_qubits() */
	QT_ASSERT_EQ(qpu_alloc_qubits_hint(dev, 2, NULL, 0, &q), 0);
	QT_ASSERT_EQ(qpu_free_qubits(dev, q), 0);
	assert_qpu0_idle(qpu_fd(dev));
	qpu_close(dev);
}
