// SPDX-License-Identifier: GPL-2.0
/*
 * hotplug_test.c - creating and removing devices at runtime through
 * /sys/class/qpu/new_device and del_device:
 *
 *  - "5 grid:3x4" makes /dev/qpu5 (a 0666 devtmpfs node, minor 5) with 12
 *    qubits and 17 edges, and del_device takes it away again;
 *  - every topology family builds the documented graph (exact edge lists
 *    for line, ring, grid, full and the listed heavy-hex Falcons; the
 *    heavy-hex lattice properties for the larger ones), and large devices
 *    (heavyhex:433, heavyhex:1121, full:1024) work;
 *  - bad input fails with EINVAL, E2BIG, EEXIST or ENOENT and creates
 *    nothing;
 *  - removal with files open: every later ioctl and mmap on them fails
 *    with ENODEV, close works, the debugfs object counters return to their
 *    earlier values, and the id can be used again at once.
 *
 * Devices 5, 6 and 7 are used; every test removes them again, also when
 * it fails (run_with_cleanup()).
 */
#include <sys/sysmacros.h>

#include "vm_util.h"

#define ID	5
#define ID2	6

/* ---- setup and cleanup ---------------------------------------------------- */

static const unsigned int test_ids[] = { 5, 6, 7 };

static void remove_test_devices(void *arg)
{
	size_t i;
	int ret;

	(void)arg;
	for (i = 0; i < ARRAY_LEN(test_ids); i++) {
		ret = del_device(test_ids[i]);
		if (ret && ret != -ENOENT)
			QT_FAIL("cleanup: del_device %u: %s", test_ids[i],
				strerror(-ret));
	}
}

static bool dev_dir_exists(unsigned int id)
{
	char path[64];

	snprintf(path, sizeof(path), QPU_CLASS_DIR "/qpu%u", id);
	return path_exists(path);
}

/* Run @body with devices 5..7 absent before and removed after. */
static void hotplug_run(void (*body)(void *), void *arg)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(test_ids); i++)
		if (dev_dir_exists(test_ids[i]))
			QT_FAIL("qpu%u exists before the test", test_ids[i]);
	run_with_cleanup(body, remove_test_devices, arg);
}

/* ---- the reference topologies --------------------------------------------- */

static const struct qpu_edge falcon7[] = {
	{ 0, 1 }, { 1, 2 }, { 1, 3 }, { 3, 5 }, { 4, 5 }, { 5, 6 },
};

static const struct qpu_edge falcon16[] = {
	{ 0, 1 }, { 1, 2 }, { 1, 4 }, { 2, 3 }, { 3, 5 }, { 4, 7 },
	{ 5, 8 }, { 6, 7 }, { 7, 10 }, { 8, 9 }, { 8, 11 }, { 10, 12 },
	{ 11, 14 }, { 12, 13 }, { 12, 15 }, { 13, 14 },
};

static const struct qpu_edge falcon27[] = {
	{ 0, 1 }, { 1, 2 }, { 1, 4 }, { 2, 3 }, { 3, 5 }, { 4, 7 },
	{ 5, 8 }, { 6, 7 }, { 7, 10 }, { 8, 9 }, { 8, 11 }, { 10, 12 },
	{ 11, 14 }, { 12, 13 }, { 12, 15 }, { 13, 14 }, { 14, 16 },
	{ 15, 18 }, { 16, 19 }, { 17, 18 }, { 18, 21 }, { 19, 20 },
	{ 19, 22 }, { 21, 23 }, { 22, 25 }, { 23, 24 }, { 24, 25 },
	{ 25, 26 },
};

/**
 * struct family - a topology spec and what it must build
 * @spec: written to new_device; also the canonical name read back
 * @kind: enum qpu_topology_kind
 * @a: N, or R of a grid
 * @b: C of a grid
 * @nq: qubits
 * @ne: edges
 */
struct family {
	const char *spec;
	uint32_t kind;
	uint32_t a;
	uint32_t b;
	uint32_t nq;
	uint32_t ne;
};

static int edge_cmp(const void *x, const void *y)
{
	const struct qpu_edge *e = x, *f = y;

	if (e->a != f->a)
		return e->a < f->a ? -1 : 1;
	return e->b < f->b ? -1 : e->b > f->b;
}

static void put_edge(struct qpu_edge *out, uint32_t *n, uint32_t a, uint32_t b)
{
	out[(*n)++] = (struct qpu_edge){ a < b ? a : b, a < b ? b : a };
}

/*
 * The exact, sorted edge list @f must have, in @out (room for f->ne).
 * Return: the count, or UINT32_MAX when there is no reference (the
 * generated heavy-hex lattices, checked by their properties instead).
 */
static uint32_t reference_edges(const struct family *f, struct qpu_edge *out)
{
	uint32_t n = 0, i, j, r, c;
	const struct qpu_edge *list = NULL;
	size_t len = 0;

	switch (f->kind) {
	case QPU_TOPO_LINE:
		for (i = 0; i + 1 < f->a; i++)
			put_edge(out, &n, i, i + 1);
		break;
	case QPU_TOPO_RING:
		for (i = 0; i < f->a; i++)
			put_edge(out, &n, i, (i + 1) % f->a);
		break;
	case QPU_TOPO_GRID:
		for (r = 0; r < f->a; r++) {
			for (c = 0; c < f->b; c++) {
				if (c + 1 < f->b)
					put_edge(out, &n, r * f->b + c,
						 r * f->b + c + 1);
				if (r + 1 < f->a)
					put_edge(out, &n, r * f->b + c,
						 (r + 1) * f->b + c);
			}
		}
		break;
	case QPU_TOPO_FULL:
		for (i = 0; i < f->a; i++)
			for (j = i + 1; j < f->a; j++)
				put_edge(out, &n, i, j);
		break;
	case QPU_TOPO_HEAVYHEX:
		if (f->a == 7)
			list = falcon7, len = ARRAY_LEN(falcon7);
		else if (f->a == 16)
			list = falcon16, len = ARRAY_LEN(falcon16);
		else if (f->a == 27)
			list = falcon27, len = ARRAY_LEN(falcon27);
		else
			return UINT32_MAX;
		memcpy(out, list, len * sizeof(*list));
		n = len;
		break;
	}
	qsort(out, n, sizeof(*out), edge_cmp);
	return n;
}

/* Heavy-hex: connected, degree at most 3, no two degree-3 qubits coupled. */
static void assert_heavyhex_shape(const struct qgraph *g)
{
	uint32_t v, j;

	QT_ASSERT(qgraph_connected(g));
	for (v = 0; v < g->n; v++) {
		QT_ASSERT_LE(qgraph_degree(g, v), 3);
		if (qgraph_degree(g, v) < 3)
			continue;
		for (j = g->off[v]; j < g->off[v + 1]; j++)
			if (qgraph_degree(g, g->adj[j]) == 3)
				QT_FAIL("degree-3 qubits %u and %u are coupled",
					v, g->adj[j]);
	}
}

/* Sysfs of device @id agrees with @f. */
static void assert_sysfs_matches(unsigned int id, const struct family *f)
{
	char text[64];

	QT_ASSERT_EQ(dev_attr_u32(id, "dev_id"), id);
	QT_ASSERT_EQ(dev_attr_u32(id, "num_qubits"), f->nq);
	QT_ASSERT_EQ(dev_attr_u32(id, "num_edges"), f->ne);
	QT_ASSERT_EQ(dev_attr_u32(id, "free_qubits"), f->nq);
	QT_ASSERT_EQ(dev_attr_u32(id, "max_ctx_qubits"), f->nq);
	QT_ASSERT_EQ(dev_attr_u64(id, "calibration_epoch"), 1);
	dev_attr_str(id, "topology", text, sizeof(text));
	if (strcmp(text, f->spec))
		QT_FAIL("qpu%u topology '%s', want '%s'", id, text, f->spec);
}

static void assert_info_matches(int fd, unsigned int id, const struct family *f)
{
	struct qpu_info info;

	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.dev_id, id);
	QT_ASSERT_EQ(info.topology, f->kind);
	QT_ASSERT_EQ(info.num_qubits, f->nq);
	QT_ASSERT_EQ(info.num_edges, f->ne);
	QT_ASSERT_EQ(info.free_qubits, f->nq);
	QT_ASSERT_EQ(info.calibration_epoch, 1);
	QT_ASSERT(!strcmp(info.topology_name, f->spec));
}

/* coupling_map of device @id lists exactly @e. */
static void assert_coupling_map(unsigned int id, const struct qpu_edge *e,
				uint32_t m)
{
	char path[128], rec[16], *text;
	size_t len;
	uint32_t i;

	text = read_all_ok(attr_path(path, sizeof(path), id, "coupling_map"),
			   &len);
	QT_ASSERT_EQ(len, (size_t)m * 10);
	for (i = 0; i < m; i++) {
		snprintf(rec, sizeof(rec), "%4u %4u\n", e[i].a, e[i].b);
		if (memcmp(text + (size_t)i * 10, rec, 10))
			QT_FAIL("qpu%u coupling_map record %u is '%.9s', want "
				"'%.9s'", id, i, text + (size_t)i * 10, rec);
	}
	free(text);
}

/* Everything about device @id built from @f, then allocate all of it. */
static void check_family(unsigned int id, const struct family *f)
{
	struct qpu_edge *want = calloc(f->ne + 1, sizeof(*want)), *got;
	uint32_t *phys = calloc(f->nq, sizeof(*phys)), m, nref, v;
	struct qpu_alloc a;
	struct qgraph g;
	char path[128];
	size_t len;
	int fd, fd2;

	QT_ASSERT(want && phys);
	assert_sysfs_matches(id, f);
	fd = open_dev_id_ok(id);
	assert_info_matches(fd, id, f);

	got = get_edges_ok(fd, &m);
	QT_ASSERT_EQ(m, f->ne);
	assert_edges_sorted(got, m, f->nq);
	nref = reference_edges(f, want);
	if (nref != UINT32_MAX) {
		QT_ASSERT_EQ(nref, f->ne);
		if (memcmp(got, want, m * sizeof(*got)))
			QT_FAIL("%s: edges differ from the reference", f->spec);
	}
	qgraph_init(&g, f->nq, got, m);
	QT_ASSERT(qgraph_connected(&g));
	if (f->kind == QPU_TOPO_HEAVYHEX)
		assert_heavyhex_shape(&g);
	if (f->kind == QPU_TOPO_FULL || f->kind == QPU_TOPO_RING)
		for (v = 0; v < f->nq; v++)
			QT_ASSERT_EQ(qgraph_degree(&g, v),
				     f->kind == QPU_TOPO_RING ? 2 : f->nq - 1);
	assert_coupling_map(id, got, m);
	free(read_all_ok(attr_path(path, sizeof(path), id, "calibration"), &len));
	QT_ASSERT_EQ(len, (size_t)f->nq * 47 + (size_t)f->ne * 20);

	/* The whole device is one connected region; then it is full. */
	QT_ASSERT_EQ(alloc_raw(fd, f->nq, phys, NULL, 0, &a), 0);
	QT_ASSERT_EQ(a.num_edges, f->ne);
	assert_distinct_qubits(phys, f->nq, f->nq);
	fd2 = open_dev_id_ok(id);
	QT_ASSERT_EQ(alloc_raw(fd2, 1, NULL, NULL, 0, &a), -ENOSPC);
	QT_ASSERT_EQ(alloc_raw(fd2, f->nq + 1, NULL, NULL, 0, &a), -E2BIG);
	close_ok(fd2);

	qgraph_free(&g);
	free(got);
	free(want);
	free(phys);
	close_ok(fd);
}

/* ---- creation and removal ------------------------------------------------- */

static const struct family grid3x4 = { "grid:3x4", QPU_TOPO_GRID, 3, 4, 12, 17 };

static void add_grid_body(void *arg)
{
	struct qpu_objs before, with, after;
	struct stat st, st0;
	char path[64];

	(void)arg;
	read_objs(&before);
	new_device_ok(ID, grid3x4.spec);
	QT_ASSERT(dev_dir_exists(ID));
	read_objs(&with);
	QT_ASSERT_EQ(with.devices, before.devices + 1);

	/* A character device like qpu0's, minor = id, for everyone. */
	QT_ASSERT_OK(stat(dev_path(path, sizeof(path), ID), &st));
	QT_ASSERT_OK(stat(QPU0_PATH, &st0));
	QT_ASSERT(S_ISCHR(st.st_mode));
	QT_ASSERT_EQ(st.st_mode & 07777, 0666);
	QT_ASSERT_EQ(major(st.st_rdev), major(st0.st_rdev));
	QT_ASSERT_EQ(minor(st.st_rdev), ID);

	check_family(ID, &grid3x4);

	del_device_ok(ID);
	QT_ASSERT(!dev_dir_exists(ID));
	read_objs(&after);
	assert_objs_eq(&after, &before);
}

QPU_TEST(add_grid_device)
{
	hotplug_run(add_grid_body, NULL);
}

static const struct family families[] = {
	{ "line:5", QPU_TOPO_LINE, 5, 0, 5, 4 },
	{ "line:1", QPU_TOPO_LINE, 1, 0, 1, 0 },
	{ "ring:6", QPU_TOPO_RING, 6, 0, 6, 6 },
	{ "ring:3", QPU_TOPO_RING, 3, 0, 3, 3 },
	{ "grid:2x3", QPU_TOPO_GRID, 2, 3, 6, 7 },
	{ "grid:1x4", QPU_TOPO_GRID, 1, 4, 4, 3 },
	{ "heavyhex:7", QPU_TOPO_HEAVYHEX, 7, 0, 7, 6 },
	{ "heavyhex:16", QPU_TOPO_HEAVYHEX, 16, 0, 16, 16 },
	{ "heavyhex:27", QPU_TOPO_HEAVYHEX, 27, 0, 27, 28 },
	{ "heavyhex:65", QPU_TOPO_HEAVYHEX, 65, 0, 65, 72 },
	{ "heavyhex:127", QPU_TOPO_HEAVYHEX, 127, 0, 127, 144 },
	{ "full:8", QPU_TOPO_FULL, 8, 0, 8, 28 },
	{ "full:1", QPU_TOPO_FULL, 1, 0, 1, 0 },
};

static void families_body(void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < ARRAY_LEN(families); i++) {
		printf("# %s\n", families[i].spec);
		new_device_ok(ID, families[i].spec);
		check_family(ID, &families[i]);
		del_device_ok(ID);
	}
}

QPU_TEST(topology_families)
{
	hotplug_run(families_body, NULL);
}

/* A spec with surrounding blanks or without a newline is fine too. */
static void spec_spacing_body(void *arg)
{
	char text[64];

	(void)arg;
	QT_ASSERT_EQ(write_sysfs(QPU_NEW_DEVICE, "5 line:3"), 0);
	QT_ASSERT_EQ(write_sysfs(QPU_NEW_DEVICE, "  6\tring:4  \n"), 0);
	dev_attr_str(ID, "topology", text, sizeof(text));
	QT_ASSERT(!strcmp(text, "line:3"));
	dev_attr_str(ID2, "topology", text, sizeof(text));
	QT_ASSERT(!strcmp(text, "ring:4"));
	QT_ASSERT_EQ(write_sysfs(QPU_DEL_DEVICE, "5"), 0);
	del_device_ok(ID2);
	QT_ASSERT(!dev_dir_exists(ID));
}

QPU_TEST(new_device_spacing)
{
	hotplug_run(spec_spacing_body, NULL);
}

/* The last edge record of a device's calibration, read at its offset. */
static void assert_last_calib_edge(unsigned int id, uint32_t nq, uint32_t ne,
				   uint32_t a, uint32_t b)
{
	char path[128], rec[24], want[16];
	off_t off = (off_t)nq * 47 + (off_t)(ne - 1) * 20;
	int fd = open(attr_path(path, sizeof(path), id, "calibration"),
		      O_RDONLY | O_CLOEXEC);

	QT_ASSERT_GE(fd, 0);
	QT_ASSERT_EQ(pread_ok(fd, rec, sizeof(rec), off), 20);
	snprintf(want, sizeof(want), "e %4u %4u ", a, b);
	if (memcmp(rec, want, 12) || rec[19] != '\n')
		QT_FAIL("last calibration record '%.19s', want '%s...'", rec,
			want);
	QT_ASSERT_EQ(pread_ok(fd, rec, sizeof(rec), off + 20), 0);
	close(fd);
}

static void large_heavyhex(uint32_t n)
{
	char spec[32];
	struct qpu_edge *e;
	struct qpu_alloc a;
	struct qgraph g;
	uint32_t m, *phys = calloc(n, sizeof(*phys));
	int fd;

	QT_ASSERT(phys != NULL);
	snprintf(spec, sizeof(spec), "heavyhex:%u", n);
	printf("# %s\n", spec);
	new_device_ok(ID, spec);
	QT_ASSERT_EQ(dev_attr_u32(ID, "num_qubits"), n);
	fd = open_dev_id_ok(ID);
	e = get_edges_ok(fd, &m);
	QT_ASSERT_EQ(dev_attr_u32(ID, "num_edges"), m);
	assert_edges_sorted(e, m, n);
	qgraph_init(&g, n, e, m);
	assert_heavyhex_shape(&g);
	assert_coupling_map(ID, e, m);
	assert_last_calib_edge(ID, n, m, e[m - 1].a, e[m - 1].b);
	/* Allocate most of it: one connected region. */
	QT_ASSERT_EQ(alloc_raw(fd, n - 1, phys, NULL, 0, &a), 0);
	assert_distinct_qubits(phys, n - 1, n);
	QT_ASSERT(qgraph_set_connected(&g, phys, n - 1));
	qgraph_free(&g);
	free(e);
	free(phys);
	close_ok(fd);
	del_device_ok(ID);
}

static void large_body(void *arg)
{
	const uint32_t n = 1024, ne = n * (n - 1) / 2;
	struct qpu_topology t;
	struct qpu_edge *e;
	struct qpu_alloc a;
	int fd;

	(void)arg;
	QT_ASSERT_EQ(ne, 523776);
	large_heavyhex(433);
	large_heavyhex(1121);

	printf("# full:1024\n");
	new_device_ok(ID, "full:1024");
	QT_ASSERT_EQ(dev_attr_u32(ID, "num_qubits"), n);
	QT_ASSERT_EQ(dev_attr_u32(ID, "num_edges"), ne);
	fd = open_dev_id_ok(ID);
	e = calloc(ne, sizeof(*e));
	QT_ASSERT(e != NULL);
	memset(&t, 0, sizeof(t));
	t.num_edges = ne;
	t.edges_ptr = (uintptr_t)e;
	QT_ASSERT_OK(ioctl(fd, QPU_IOC_GET_TOPOLOGY, &t));
	QT_ASSERT_EQ(t.num_edges, ne);
	assert_edges_sorted(e, ne, n);	/* sorted and distinct: all pairs */
	assert_last_calib_edge(ID, n, ne, n - 2, n - 1);
	QT_ASSERT_EQ(alloc_raw(fd, n, NULL, NULL, 0, &a), 0);
	QT_ASSERT_EQ(a.num_edges, ne);
	free(e);
	close_ok(fd);
	del_device_ok(ID);
}

QPU_TEST_TIMEOUT(large_devices, 400)
{
	hotplug_run(large_body, NULL);
}

/* ---- bad input --------------------------------------------------------------- */

/* Writing @text to @path fails with @err, and no device appears or goes. */
static void write_fails(const char *path, const char *text, int err)
{
	struct qpu_objs before, after;
	int ret;

	read_objs(&before);
	ret = write_sysfs(path, text);
	if (ret != -err)
		QT_FAIL("%s <- '%s': got %s, want %s", path, one_line(text),
			ret ? strerror(-ret) : "success", strerror(err));
	read_objs(&after);
	assert_objs_eq(&after, &before);
}

static void bad_input_body(void *arg)
{
	static const char *const einval[] = {
		"garbage\n", "5\n", "5 \n", " \n", "line:3\n",
		"64 line:3\n", "100 line:3\n", "-1 line:3\n",
		"5 bogus:3\n", "5 line\n", "5 line:\n", "5 line:0\n",
		"5 line:-3\n", "5 ring:2\n", "5 grid:3\n", "5 grid:3x\n",
		"5 grid:0x3\n", "5 grid:3x4x5\n", "5 full:0\n",
		"5 heavyhex:28\n", "5 heavyhex:0\n", "5 heavyhex:26\n",
		"5 line:3 extra\n", "5 LINE:3\n",
		"5 line:000000000000000000000000000003\n",	/* > 31 chars */
	};
	static const char *const e2big[] = {
		"5 line:2049\n", "5 full:2048\n", "5 full:1449\n",
		"5 grid:46x46\n", "5 ring:100000\n", "5 line:4294967295\n",
	};
	static const char *const del_einval[] = {
		"abc\n", "\n", "5 6\n", "-1\n", "5x\n",
	};
	static const char *const del_enoent[] = {
		"5\n", "7\n", "63\n", "64\n", "4294967295\n",
	};
	char text[64];
	size_t i;

	(void)arg;
	for (i = 0; i < ARRAY_LEN(einval); i++)
		write_fails(QPU_NEW_DEVICE, einval[i], EINVAL);
	for (i = 0; i < ARRAY_LEN(e2big); i++)
		write_fails(QPU_NEW_DEVICE, e2big[i], E2BIG);
	QT_ASSERT(!dev_dir_exists(ID));

	/* Ids in use. */
	write_fails(QPU_NEW_DEVICE, "0 line:3\n", EEXIST);
	new_device_ok(ID, "line:3");
	write_fails(QPU_NEW_DEVICE, "5 grid:2x2\n", EEXIST);
	dev_attr_str(ID, "topology", text, sizeof(text));
	QT_ASSERT(!strcmp(text, "line:3"));
	del_device_ok(ID);

	for (i = 0; i < ARRAY_LEN(del_einval); i++)
		write_fails(QPU_DEL_DEVICE, del_einval[i], EINVAL);
	for (i = 0; i < ARRAY_LEN(del_enoent); i++)
		write_fails(QPU_DEL_DEVICE, del_enoent[i], ENOENT);
	QT_ASSERT(dev_dir_exists(0));
}

QPU_TEST(bad_input)
{
	hotplug_run(bad_input_body, NULL);
}

/*
 * An id that does not fit 32 bits is not a valid id either; it must not
 * wrap around to a small one (4294967301 = 2^32 + 5).
 */
static void huge_id_body(void *arg)
{
	(void)arg;
	write_fails(QPU_NEW_DEVICE, "4294967301 line:3\n", EINVAL);
	QT_ASSERT(!dev_dir_exists(ID));
}

QPU_TEST(new_device_huge_id_einval)
{
	hotplug_run(huge_id_body, NULL);
}

/* ---- removal with open files ----------------------------------------------- */

/*
 * Every ioctl of the ABI but QPU_IOC_WAIT, for checking that all of them
 * fail alike (WAIT has a test of its own below).
 */
static const unsigned long all_ioctls[] = {
	QPU_IOC_GET_INFO, QPU_IOC_GET_TOPOLOGY, QPU_IOC_ALLOC, QPU_IOC_FREE,
	QPU_IOC_ALLOC_QUERY, QPU_IOC_CIRCUIT_LOAD, QPU_IOC_CIRCUIT_FREE,
	QPU_IOC_BUFFER_CREATE, QPU_IOC_BUFFER_DESTROY, QPU_IOC_RUN,
	QPU_IOC_SUBMIT, QPU_IOC_CANCEL,
};

static void assert_all_enodev(int fd, uint32_t handle)
{
	uint64_t arg[64];
	struct qpu_alloc q;
	size_t i;
	void *p;

	for (i = 0; i < ARRAY_LEN(all_ioctls); i++) {
		memset(arg, 0, sizeof(arg));
		if (ioctl(fd, all_ioctls[i], arg) != -1 || errno != ENODEV)
			QT_FAIL("ioctl nr %u on a removed device: want ENODEV, "
				"got %s", (unsigned int)_IOC_NR(all_ioctls[i]),
				strerror(errno));
	}
	/* With otherwise valid arguments too. */
	QT_ASSERT_EQ(free_raw(fd, handle), -ENODEV);
	QT_ASSERT_EQ(query_raw(fd, handle, NULL, NULL, 0, &q), -ENODEV);
	QT_ASSERT_EQ(alloc_raw(fd, 1, NULL, NULL, 0, &q), -ENODEV);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)1 << 32);
	QT_ASSERT(p == MAP_FAILED);
	QT_ASSERT_EQ(errno, ENODEV);
}

/* A buffer and a circuit on @fd, so every kind of object is held. */
static void hold_buffer_and_circuit(int fd, uint32_t alloc)
{
	static const struct qpu_gate gates[] = { { .op = QPU_OP_H } };
	struct qpu_buffer_create b;
	struct qpu_circuit_load l;

	memset(&b, 0, sizeof(b));
	b.size = 4096;
	QT_ASSERT_OK(ioctl(fd, QPU_IOC_BUFFER_CREATE, &b));
	memset(&l, 0, sizeof(l));
	l.alloc = alloc;
	l.num_qubits = 1;
	l.num_gates = 1;
	l.gates_ptr = (uintptr_t)gates;
	QT_ASSERT_OK(ioctl(fd, QPU_IOC_CIRCUIT_LOAD, &l));
}

static void remove_open_body(void *arg)
{
	struct qpu_objs before, held, removed, after;
	char path[64];
	uint32_t h;
	int fd1, fd2, fd;

	(void)arg;
	read_objs(&before);
	new_device_ok(ID, grid3x4.spec);
	fd1 = open_dev_id_ok(ID);
	fd2 = open_dev_id_ok(ID);
	h = alloc_ok(fd1, 4, NULL);
	hold_buffer_and_circuit(fd1, h);
	read_objs(&held);
	QT_ASSERT_EQ(held.devices, before.devices + 1);
	QT_ASSERT_EQ(held.contexts, before.contexts + 2);
	QT_ASSERT_EQ(held.allocations, before.allocations + 1);
	QT_ASSERT_EQ(held.buffers, before.buffers + 1);
	QT_ASSERT_EQ(held.circuits, before.circuits + 1);

	del_device_ok(ID);
	QT_ASSERT(!dev_dir_exists(ID));
	QT_ASSERT_ERRNO(open(dev_path(path, sizeof(path), ID), O_RDWR), ENOENT);
	assert_all_enodev(fd1, h);
	assert_all_enodev(fd2, h);
	/* The files still hold their objects until they are closed. */
	read_objs(&removed);
	assert_objs_eq(&removed, &held);

	close_ok(fd2);
	close_ok(fd1);
	read_objs(&after);
	assert_objs_eq(&after, &before);

	/* The id is free again, and the new device starts fresh. */
	new_device_ok(ID, grid3x4.spec);
	fd = open_dev_id_ok(ID);
	assert_free_qubits(fd, ID, 12);
	close_ok(fd);
	del_device_ok(ID);
	read_objs(&after);
	assert_objs_eq(&after, &before);
}

QPU_TEST(remove_with_open_files)
{
	hotplug_run(remove_open_body, NULL);
}

/*
 * "After the device was removed every call fails with -ENODEV"
 * (uapi/linux/qpu.h): QPU_IOC_WAIT included, here on a file with no jobs.
 */
static void wait_removed_body(void *arg)
{
	struct qpu_wait w;
	int fd;

	(void)arg;
	new_device_ok(ID, "line:3");
	fd = open_dev_id_ok(ID);
	del_device_ok(ID);
	memset(&w, 0, sizeof(w));
	w.flags = QPU_WAIT_ANY;
	QT_ASSERT_ERRNO(ioctl(fd, QPU_IOC_WAIT, &w), ENODEV);
	close_ok(fd);
}

QPU_TEST(wait_after_remove_enodev)
{
	hotplug_run(wait_removed_body, NULL);
}

/* A new device under the id of a removed one that is still open. */
static void readd_body(void *arg)
{
	struct qpu_objs before, after;
	struct qpu_info info;
	int old, fresh;

	(void)arg;
	read_objs(&before);
	new_device_ok(ID, "line:4");
	old = open_dev_id_ok(ID);
	alloc_ok(old, 2, NULL);
	del_device_ok(ID);

	new_device_ok(ID, "ring:5");
	fresh = open_dev_id_ok(ID);
	get_info_ok(fresh, &info);
	QT_ASSERT(!strcmp(info.topology_name, "ring:5"));
	QT_ASSERT_EQ(info.free_qubits, 5);
	QT_ASSERT_EQ(get_info(old, &info), -ENODEV);
	close_ok(old);
	/* Closing the old file touched nothing of the new device. */
	assert_free_qubits(fresh, ID, 5);
	alloc_ok(fresh, 5, NULL);
	del_device_ok(ID);
	QT_ASSERT_EQ(get_info(fresh, &info), -ENODEV);
	close_ok(fresh);
	read_objs(&after);
	assert_objs_eq(&after, &before);
}

QPU_TEST(readd_while_old_file_open)
{
	hotplug_run(readd_body, NULL);
}

/* Devices are independent of each other, and of qpu0. */
static void independent_body(void *arg)
{
	int fd5, fd6, fd0;

	(void)arg;
	new_device_ok(ID, "line:4");
	new_device_ok(ID2, "full:8");
	fd5 = open_dev_id_ok(ID);
	fd6 = open_dev_id_ok(ID2);
	fd0 = open_dev();
	assert_qpu0_idle(fd0);
	alloc_ok(fd5, 4, NULL);
	alloc_ok(fd6, 3, NULL);
	assert_free_qubits(fd5, ID, 0);
	assert_free_qubits(fd6, ID2, 5);
	assert_qpu0_idle(fd0);
	/* A calibration write on one device leaves the others alone. */
	QT_ASSERT_EQ(write_dev_attr(ID, "calibration", "q 0 1 1 10 10\n"), 0);
	QT_ASSERT_EQ(dev_attr_u64(ID, "calibration_epoch"), 2);
	QT_ASSERT_EQ(dev_attr_u64(ID2, "calibration_epoch"), 1);
	close_ok(fd5);
	close_ok(fd6);
	close_ok(fd0);
	del_device_ok(ID);
	del_device_ok(ID2);
}

QPU_TEST(devices_independent)
{
	hotplug_run(independent_body, NULL);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
