// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs_test.c - the sysfs interface of /sys/class/qpu/qpu0
 * (Documentation/ABI/testing/sysfs-class-qpu):
 *
 *  - every attribute reads back in its documented format: one decimal or
 *    the topology spec and a newline; coupling_map as 10-byte "%4u %4u\n"
 *    records; calibration as 27 47-byte "q" records then 28 20-byte "e"
 *    records, at any read offset;
 *  - calibration writes: "q" lines of 5 numbers (P(0|1) = P(1|0)) or 6,
 *    and "e" lines, change what reads back and bump
 *    calibration_epoch by exactly one per accepted write; malformed input
 *    fails with EINVAL, out-of-range values with ERANGE, uncoupled pairs
 *    with ENOENT, a NUL byte anywhere with EINVAL, and a rejected write
 *    changes nothing at all;
 *  - max_ctx_qubits and max_sim_qubits reject bad values;
 *  - read-only attributes refuse writers, and an unprivileged user can
 *    read everything but open no writable attribute for writing.
 *
 * Tests that write restore the original calibration and tunables, also
 * when they fail (run_with_cleanup()).
 */
#include <grp.h>

#include "vm_util.h"

#define QREC_LEN	47	/* "q %4u %7u %7u %7u %7u %7u\n" */
#define EREC_LEN	20	/* "e %4u %4u %7u\n" */
#define EDGE_RECLEN	10	/* "%4u %4u\n" */
#define CALIB_LEN	(QPU0_NUM_QUBITS * QREC_LEN + QPU0_NUM_EDGES * EREC_LEN)
#define PPM_MAX		1000000U
#define TIME_MAX_US	9999999U

static const char *qpu0_attr(const char *attr)
{
	static char path[128];

	return attr_path(path, sizeof(path), 0, attr);
}

/* ---- plain attributes ----------------------------------------------------- */

/* @attr holds a canonical decimal (no sign, no leading zero) and "\n". */
static uint64_t read_canonical_u64(const char *attr)
{
	char text[64], again[64];
	uint64_t v;

	v = dev_attr_u64(0, attr);
	dev_attr_str(0, attr, text, sizeof(text));
	snprintf(again, sizeof(again), "%llu", (unsigned long long)v);
	if (strcmp(text, again))
		QT_FAIL("%s: '%s' is not in canonical form", attr, text);
	return v;
}

QPU_TEST(attrs_readable_format)
{
	char text[64];
	int fd = open_dev();

	assert_qpu0_idle(fd);
	QT_ASSERT_EQ(read_canonical_u64("num_qubits"), QPU0_NUM_QUBITS);
	QT_ASSERT_EQ(read_canonical_u64("num_edges"), QPU0_NUM_EDGES);
	QT_ASSERT_EQ(read_canonical_u64("dev_id"), 0);
	QT_ASSERT_EQ(read_canonical_u64("free_qubits"), QPU0_NUM_QUBITS);
	QT_ASSERT_EQ(read_canonical_u64("max_ctx_qubits"), QPU0_NUM_QUBITS);
	QT_ASSERT_GE(read_canonical_u64("calibration_epoch"), 1);
	QT_ASSERT_GE(read_canonical_u64("max_sim_qubits"), 1);
	QT_ASSERT_LE(read_canonical_u64("max_sim_qubits"), QPU_MAX_SIM_QUBITS);
	QT_ASSERT_EQ(read_canonical_u64("max_gates"), 1U << 20);
	dev_attr_str(0, "topology", text, sizeof(text));
	QT_ASSERT(!strcmp(text, QPU0_TOPOLOGY));
	close_ok(fd);
}

/* free_qubits follows allocations as they happen. */
QPU_TEST(free_qubits_follows_allocations)
{
	int fd = open_dev();
	uint32_t h;

	h = alloc_ok(fd, 7, NULL);
	QT_ASSERT_EQ(read_canonical_u64("free_qubits"), QPU0_NUM_QUBITS - 7);
	free_ok(fd, h);
	QT_ASSERT_EQ(read_canonical_u64("free_qubits"), QPU0_NUM_QUBITS);
	close_ok(fd);
}

/* Root too: a file without write permission bits is not writable. */
QPU_TEST(readonly_attrs_reject_writers)
{
	static const char *const ro[] = {
		"num_qubits", "num_edges", "topology", "dev_id", "free_qubits",
		"calibration_epoch", "coupling_map",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(ro); i++) {
		const char *path = qpu0_attr(ro[i]);

		if (open(path, O_WRONLY) >= 0 || errno != EACCES)
			QT_FAIL("open(%s, O_WRONLY): want EACCES, got %s", path,
				strerror(errno));
	}
}

/* @rec is exactly @canon (the record re-formatted from its values). */
static void assert_record(const char *what, uint32_t idx, const char *rec,
			  const char *canon, size_t len)
{
	if (memcmp(rec, canon, len))
		QT_FAIL("%s record %u is '%.*s', want '%s'", what, idx,
			(int)len - 1, rec, canon);
}

QPU_TEST(coupling_map_records)
{
	char *text, canon[EDGE_RECLEN + 1];
	unsigned int a, b, pa = 0, pb = 0;
	size_t len;
	uint32_t i;

	text = read_all_ok(qpu0_attr("coupling_map"), &len);
	QT_ASSERT_EQ(len, QPU0_NUM_EDGES * EDGE_RECLEN);
	for (i = 0; i < QPU0_NUM_EDGES; i++) {
		const char *r = text + i * EDGE_RECLEN;

		QT_ASSERT_EQ(sscanf(r, "%u %u", &a, &b), 2);
		snprintf(canon, sizeof(canon), "%4u %4u\n", a, b);
		assert_record("coupling_map", i, r, canon, EDGE_RECLEN);
		QT_ASSERT_LT(a, b);
		QT_ASSERT_LT(b, QPU0_NUM_QUBITS);
		QT_ASSERT(!i || pa < a || (pa == a && pb < b));
		pa = a;
		pb = b;
	}
	free(text);
}

/* ---- calibration: reading ------------------------------------------------ */

/**
 * struct calib - the calibration table of qpu0, parsed
 * @q: per qubit: readout_ppm, gate1q_ppm, t1_us, t2_us, readout10_ppm
 * @e: per edge: a, b, gate2q_ppm
 */
struct calib {
	uint32_t q[QPU0_NUM_QUBITS][5];
	uint32_t e[QPU0_NUM_EDGES][3];
};

static char *calib_text(void)
{
	size_t len;
	char *text = read_all_ok(qpu0_attr("calibration"), &len);

	QT_ASSERT_EQ(len, CALIB_LEN);
	return text;
}

/* Parse @text strictly: every record in canonical form and in range. */
static void calib_parse(const char *text, struct calib *c)
{
	char canon[64];	/* room to see a record grow past its width */
	const char *r;
	unsigned int idx;
	uint32_t i, *v;

	for (i = 0; i < QPU0_NUM_QUBITS; i++) {
		r = text + i * QREC_LEN;
		v = c->q[i];
		QT_ASSERT_EQ(sscanf(r, "q %u %u %u %u %u %u", &idx, &v[0], &v[1],
				    &v[2], &v[3], &v[4]), 6);
		QT_ASSERT_EQ(idx, i);
		snprintf(canon, sizeof(canon), "q %4u %7u %7u %7u %7u %7u\n", idx,
			 v[0], v[1], v[2], v[3], v[4]);
		QT_ASSERT_EQ(strlen(canon), QREC_LEN);
		assert_record("calibration q", i, r, canon, QREC_LEN);
		QT_ASSERT_LE(v[0], PPM_MAX);
		QT_ASSERT_LE(v[1], PPM_MAX);
		QT_ASSERT(v[2] >= 1 && v[2] <= TIME_MAX_US);
		QT_ASSERT(v[3] >= 1 && v[3] <= TIME_MAX_US);
		QT_ASSERT(v[3] <= 2ULL * v[2]);
		QT_ASSERT_LE(v[4], PPM_MAX);
	}
	for (i = 0; i < QPU0_NUM_EDGES; i++) {
		r = text + QPU0_NUM_QUBITS * QREC_LEN + i * EREC_LEN;
		v = c->e[i];
		QT_ASSERT_EQ(sscanf(r, "e %u %u %u", &v[0], &v[1], &v[2]), 3);
		snprintf(canon, sizeof(canon), "e %4u %4u %7u\n", v[0], v[1],
			 v[2]);
		QT_ASSERT_EQ(strlen(canon), EREC_LEN);
		assert_record("calibration e", i, r, canon, EREC_LEN);
		QT_ASSERT_LE(v[2], PPM_MAX);
	}
}

static void calib_read(struct calib *c)
{
	char *text = calib_text();

	calib_parse(text, c);
	free(text);
}

QPU_TEST(calibration_records)
{
	struct qpu_edge *edges;
	struct calib c;
	uint32_t m, i;
	int fd = open_dev();

	calib_read(&c);
	/* Edge records follow the coupling map, in its order. */
	edges = get_edges_ok(fd, &m);
	QT_ASSERT_EQ(m, QPU0_NUM_EDGES);
	for (i = 0; i < m; i++) {
		QT_ASSERT_EQ(c.e[i][0], edges[i].a);
		QT_ASSERT_EQ(c.e[i][1], edges[i].b);
	}
	free(edges);
	close_ok(fd);
}

QPU_TEST(calibration_pread_offsets)
{
	char *text = calib_text();

	assert_pread_slices(qpu0_attr("calibration"), text, CALIB_LEN);
	free(text);
}

/* ---- calibration: writing ------------------------------------------------- */

static uint64_t epoch(void)
{
	return dev_attr_u64(0, "calibration_epoch");
}

static int calib_write(const char *text)
{
	return write_sysfs(qpu0_attr("calibration"), text);
}

/* An accepted write: bumps the epoch exactly once (sysfs and GET_INFO). */
static void calib_write_ok(const char *text)
{
	uint64_t before = epoch();
	struct qpu_info info;
	int ret = calib_write(text), fd;

	if (ret)
		QT_FAIL("calibration write '%s': %s", one_line(text),
			strerror(-ret));
	QT_ASSERT_EQ(epoch(), before + 1);
	fd = open_dev();
	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.calibration_epoch, before + 1);
	close_ok(fd);
}

/*
 * A write that must be rejected with @err and change nothing, the epoch
 * included. Return: 0 if so; otherwise 1, with the difference printed.
 */
static int calib_check_rejected(const char *text, int err)
{
	uint64_t before = epoch();
	char *was = calib_text(), *now;
	int ret = calib_write(text), bad = 0;

	if (ret != -err) {
		printf("# calibration write '%s': got %s, want %s\n",
		       one_line(text), ret ? strerror(-ret) : "success",
		       strerror(err));
		bad = 1;
	}
	now = calib_text();
	if (strcmp(was, now)) {
		printf("# calibration write '%s' changed the table\n",
		       one_line(text));
		bad = 1;
	}
	if (epoch() != before) {
		printf("# calibration write '%s' moved the epoch\n",
		       one_line(text));
		bad = 1;
	}
	free(was);
	free(now);
	return bad;
}

/* Every line of @bad must be rejected with @err; all are tried. */
static void calib_all_rejected(const char *const *bad, size_t n, int err)
{
	int failed = 0;
	size_t i;

	for (i = 0; i < n; i++)
		failed += calib_check_rejected(bad[i], err);
	if (failed)
		QT_FAIL("%d of %zu writes were not rejected as they should",
			failed, n);
}

static void calib_write_fails(const char *text, int err)
{
	calib_all_rejected(&text, 1, err);
}

/* Index of edge (a, b) in the coupling map; fails if there is none. */
static uint32_t edge_index(const struct calib *c, uint32_t a, uint32_t b)
{
	uint32_t i;

	for (i = 0; i < QPU0_NUM_EDGES; i++)
		if (c->e[i][0] == a && c->e[i][1] == b)
			return i;
	QT_FAIL("(%u, %u) is not an edge", a, b);
}

/* Every write test runs with the original table restored afterwards. */
static void calib_restore(void *arg)
{
	const char *orig = arg;
	char *now = calib_text();
	int ret = 0;

	if (strcmp(now, orig))
		ret = calib_write(orig);
	free(now);
	if (ret)
		QT_FAIL("restoring the calibration: %s", strerror(-ret));
}

static void with_saved_calibration(void (*body)(void *))
{
	char *orig = calib_text();

	run_with_cleanup(body, calib_restore, orig);
	free(orig);
}

static void write_qubit_body(void *arg)
{
	struct calib before, after;

	(void)arg;
	calib_read(&before);
	calib_write_ok("q 5 777777 999 4321 8000\n");
	calib_read(&after);
	QT_ASSERT_EQ(after.q[5][0], 777777);
	QT_ASSERT_EQ(after.q[5][1], 999);
	QT_ASSERT_EQ(after.q[5][2], 4321);
	QT_ASSERT_EQ(after.q[5][3], 8000);
	/* The old 5-number form: P(0|1) is P(1|0). */
	QT_ASSERT_EQ(after.q[5][4], 777777);
	/* The 6-number form sets it apart. */
	calib_write_ok("q 5 777777 999 4321 8000 123456\n");
	calib_read(&after);
	QT_ASSERT_EQ(after.q[5][0], 777777);
	QT_ASSERT_EQ(after.q[5][4], 123456);
	/* Nothing else moved. */
	memcpy(after.q[5], before.q[5], sizeof(before.q[5]));
	QT_ASSERT(!memcmp(&after, &before, sizeof(before)));
}

QPU_TEST(calibration_write_qubit)
{
	with_saved_calibration(write_qubit_body);
}

static void write_edge_body(void *arg)
{
	struct calib before, after;
	uint32_t i;

	(void)arg;
	calib_read(&before);
	i = edge_index(&before, 1, 4);
	calib_write_ok("e 1 4 123456\n");
	calib_read(&after);
	QT_ASSERT_EQ(after.e[i][2], 123456);
	/* Either order of the two qubits names the edge. */
	calib_write_ok("e 4 1 654321\n");
	calib_read(&after);
	QT_ASSERT_EQ(after.e[i][2], 654321);
	after.e[i][2] = before.e[i][2];
	QT_ASSERT(!memcmp(&after, &before, sizeof(before)));
}

QPU_TEST(calibration_write_edge)
{
	with_saved_calibration(write_edge_body);
}

static void write_many_body(void *arg)
{
	struct calib c;
	uint32_t i;

	(void)arg;
	/* Any spacing, blank lines and comments; one epoch step per write. */
	calib_write_ok("# new values\n"
		       "  q   3\t1000  200 100   150  \n"
		       "\n"
		       "q 26 2000 300 200 400\n"
		       "   \n"
		       "e  25   26   4444\n");
	calib_read(&c);
	QT_ASSERT_EQ(c.q[3][0], 1000);
	QT_ASSERT_EQ(c.q[3][3], 150);
	QT_ASSERT_EQ(c.q[26][2], 200);
	i = edge_index(&c, 25, 26);
	QT_ASSERT_EQ(c.e[i][2], 4444);
	/* The same qubit twice in one write: the last line wins. */
	calib_write_ok("q 7 1 1 10 10\nq 7 2 2 20 20\n");
	calib_read(&c);
	QT_ASSERT_EQ(c.q[7][0], 2);
	QT_ASSERT_EQ(c.q[7][2], 20);
	calib_write_ok("q 7 3 3 30 30\n");
	calib_write_ok("q 7 4 4 40 40\n");
}

QPU_TEST(calibration_write_many_lines)
{
	with_saved_calibration(write_many_body);
}

static void boundaries_body(void *arg)
{
	struct calib c;

	(void)arg;
	calib_write_ok("q 0 1000000 1000000 9999999 9999999\n");
	calib_write_ok("q 1 0 0 5000000 9999999\n");
	calib_write_ok("q 26 0 0 1 2\n");
	calib_write_ok("e 0 1 1000000\n");
	calib_write_ok("e 25 26 0\n");
	calib_read(&c);
	QT_ASSERT_EQ(c.q[0][0], PPM_MAX);
	QT_ASSERT_EQ(c.q[0][2], TIME_MAX_US);
	QT_ASSERT_EQ(c.q[0][3], TIME_MAX_US);
	QT_ASSERT_EQ(c.q[1][3], TIME_MAX_US);
	QT_ASSERT_EQ(c.q[26][2], 1);
	QT_ASSERT_EQ(c.q[26][3], 2);
	QT_ASSERT_EQ(c.e[edge_index(&c, 0, 1)][2], PPM_MAX);
	QT_ASSERT_EQ(c.e[edge_index(&c, 25, 26)][2], 0);
}

QPU_TEST(calibration_boundaries_accepted)
{
	with_saved_calibration(boundaries_body);
}

static void malformed_body(void *arg)
{
	static const char *const bad[] = {
		"q 1 2 3 4\n",			/* too few values */
		"q 1 2 3 4 5 6 7\n",		/* too many */
		"e 0 1\n",
		"e 0 1 2 3\n",
		"x 0 1 2\n",			/* unknown record */
		"Q 0 1 1 100 100\n",
		"q a b c d e\n",
		"q 1,2,3,4,5\n",
		"hello\n",
		"q 0 1 1 100 100",		/* no newline */
		"q 0 1 1 100 100\nq 1 1 1 100 100",	/* last line cut */
		"\n",				/* no line at all */
		"   \n\n",
		"# only a comment\n",
	};

	(void)arg;
	calib_all_rejected(bad, ARRAY_LEN(bad), EINVAL);
}

QPU_TEST(calibration_malformed_einval)
{
	with_saved_calibration(malformed_body);
}

static void out_of_range_body(void *arg)
{
	static const char *const bad[] = {
		"q 27 1 1 100 100\n",		/* qubit index */
		"q 2047 1 1 100 100\n",
		"q 0 1000001 1 100 100\n",	/* readout ppm */
		"q 0 1 1000001 100 100\n",	/* gate ppm */
		"q 0 1 1 100 100 1000001\n",	/* P(0|1) ppm */
		"q 0 1 1 100 201\n",		/* t2 > 2 * t1 */
		"q 0 1 1 0 1\n",		/* t1 = 0 */
		"q 0 1 1 100 0\n",		/* t2 = 0 */
		"q 0 1 1 10000000 100\n",	/* t1 too long */
		/* t2 = 2 * t1 but wider than its 7-digit field */
		"q 0 1 1 9999999 10000000\n",
		"q 0 1 1 9999999 19999998\n",
		"e 0 27 5\n",			/* qubit index */
		"e 27 0 5\n",
		"e 0 1 1000001\n",		/* gate ppm */
	};

	(void)arg;
	calib_all_rejected(bad, ARRAY_LEN(bad), ERANGE);
}

QPU_TEST(calibration_out_of_range_erange)
{
	with_saved_calibration(out_of_range_body);
}

/*
 * Numbers that do not fit 32 bits are out of range too: they must not
 * wrap around into valid values (4294967296 + 1 is not 1).
 */
static void overflow_body(void *arg)
{
	static const char *const bad[] = {
		"q 4294967296 1 1 100 100\n",	/* would be qubit 0 */
		"q 0 4294967297 1 100 100\n",	/* would be 1 ppm */
		"q 0 1 1 4294967396 100\n",	/* would be t1 = 100 */
		"e 0 4294967297 5\n",		/* would be edge (0, 1) */
		"e 0 1 4294967301\n",		/* would be 5 ppm */
	};

	(void)arg;
	calib_all_rejected(bad, ARRAY_LEN(bad), ERANGE);
}

QPU_TEST(calibration_overflowing_numbers_erange)
{
	with_saved_calibration(overflow_body);
}

static void non_edge_body(void *arg)
{
	static const char *const bad[] = {
		"e 0 2 5\n", "e 2 0 5\n", "e 0 26 5\n", "e 5 5 5\n",
	};

	(void)arg;
	calib_all_rejected(bad, ARRAY_LEN(bad), ENOENT);
}

QPU_TEST(calibration_non_edge_enoent)
{
	with_saved_calibration(non_edge_body);
}

/* One bad line among good ones: the whole write is refused. */
static void atomic_body(void *arg)
{
	(void)arg;
	calib_write_fails("q 1 111 111 111 111\n"
			  "q 2 5 5 0 0\n"
			  "q 3 222 222 222 222\n", ERANGE);
	calib_write_fails("q 1 111 111 111 111\n"
			  "e 0 1 5\n"
			  "e 0 2 5\n", ENOENT);
	calib_write_fails("e 0 1 5\n"
			  "q 1 111 111 111 111\n"
			  "garbage\n", EINVAL);
	calib_write_fails("q 1 111 111 111 111\n"
			  "q 1 111 111 111 111 1 1\n"
			  "q 2 111 111 111 111\n", EINVAL);
}

QPU_TEST(calibration_bad_line_changes_nothing)
{
	with_saved_calibration(atomic_body);
}

/*
 * The parser takes lines as short as 7 bytes ("e0 1 5\n": no blank after
 * the record letter). Whether that is allowed or not, a write of such
 * lines must be judged by its lines, the same for one as for nine.
 */
static void compact_body(void *arg)
{
	const char *line = "e0 1 6\n";
	char text[128] = "";
	struct calib c;
	int one, many, i;

	(void)arg;
	one = calib_write("e0 1 5\n");
	for (i = 0; i < 9; i++)
		strcat(text, line);
	many = calib_write(text);
	if (one != many)
		QT_FAIL("one line '%s': %s; nine: %s", one_line(line),
			one ? strerror(-one) : "accepted",
			many ? strerror(-many) : "accepted");
	if (!many) {
		calib_read(&c);
		QT_ASSERT_EQ(c.e[edge_index(&c, 0, 1)][2], 6);
	}
}

QPU_TEST(calibration_compact_lines_consistent)
{
	with_saved_calibration(compact_body);
}

/*
 * Bytes after a NUL were once ignored unchecked (the write was read as a
 * C string): a NUL anywhere makes the write invalid, and nothing changes.
 */
static void nul_body(void *arg)
{
	static const char text[] = "q 4 1000 200 100 150\n\0garbage\n";
	uint64_t before = epoch();
	char *was = calib_text(), *now;
	ssize_t n;
	int fd;

	(void)arg;
	fd = open(qpu0_attr("calibration"), O_WRONLY);
	QT_ASSERT(fd >= 0);
	n = write(fd, text, sizeof(text) - 1);
	QT_ASSERT_EQ(n, -1);
	QT_ASSERT_EQ(errno, EINVAL);
	close_ok(fd);
	now = calib_text();
	QT_ASSERT(!strcmp(was, now));
	QT_ASSERT_EQ(epoch(), before);
	free(was);
	free(now);
}

QPU_TEST(calibration_nul_byte_einval)
{
	with_saved_calibration(nul_body);
}

/* A write larger than a page cannot be whole lines to the driver. */
static void over_page_body(void *arg)
{
	const char *line = "q 3 1000 200 100 150\n";	/* 21 bytes */
	size_t len = strlen(line), n = 250, i;
	char *text = malloc(n * len + 1);

	(void)arg;
	QT_ASSERT(text != NULL);
	for (i = 0; i < n; i++)
		memcpy(text + i * len, line, len);
	text[n * len] = '\0';
	QT_ASSERT_GT(n * len, 4096);
	QT_ASSERT_NE(text[4095], '\n');
	calib_write_fails(text, EINVAL);
	free(text);
}

QPU_TEST(calibration_write_over_page_einval)
{
	with_saved_calibration(over_page_body);
}

/* ---- tunables ------------------------------------------------------------- */

struct tunable {
	const char *attr;
	uint32_t saved;
};

static void tunable_restore(void *arg)
{
	struct tunable *t = arg;
	char text[32];
	int ret;

	snprintf(text, sizeof(text), "%u\n", t->saved);
	ret = write_dev_attr(0, t->attr, text);
	if (ret)
		QT_FAIL("restoring %s: %s", t->attr, strerror(-ret));
}

/* Writing @text to @attr fails with @err and leaves its value alone. */
static void tunable_write_fails(const char *attr, const char *text, int err)
{
	uint32_t before = dev_attr_u32(0, attr);
	int ret = write_dev_attr(0, attr, text);

	if (ret != -err)
		QT_FAIL("%s = '%s': got %s, want %s", attr, text,
			ret ? strerror(-ret) : "success", strerror(err));
	QT_ASSERT_EQ(dev_attr_u32(0, attr), before);
}

static void max_ctx_body(void *arg)
{
	struct qpu_info info;
	int fd = open_dev();

	(void)arg;
	QT_ASSERT_EQ(write_dev_attr(0, "max_ctx_qubits", "5\n"), 0);
	QT_ASSERT_EQ(dev_attr_u32(0, "max_ctx_qubits"), 5);
	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.max_ctx_qubits, 5);
	QT_ASSERT_EQ(write_dev_attr(0, "max_ctx_qubits", "27\n"), 0);
	QT_ASSERT_EQ(write_dev_attr(0, "max_ctx_qubits", "1"), 0);
	QT_ASSERT_EQ(dev_attr_u32(0, "max_ctx_qubits"), 1);

	tunable_write_fails("max_ctx_qubits", "0\n", ERANGE);
	tunable_write_fails("max_ctx_qubits", "28\n", ERANGE);
	tunable_write_fails("max_ctx_qubits", "4294967296\n", ERANGE);
	tunable_write_fails("max_ctx_qubits", "abc\n", EINVAL);
	tunable_write_fails("max_ctx_qubits", "-1\n", EINVAL);
	tunable_write_fails("max_ctx_qubits", "5x\n", EINVAL);
	tunable_write_fails("max_ctx_qubits", "\n", EINVAL);
	close_ok(fd);
}

QPU_TEST(max_ctx_qubits_values)
{
	struct tunable t = { "max_ctx_qubits", dev_attr_u32(0, "max_ctx_qubits") };

	run_with_cleanup(max_ctx_body, tunable_restore, &t);
}

static void max_sim_body(void *arg)
{
	(void)arg;
	QT_ASSERT_EQ(write_dev_attr(0, "max_sim_qubits", "3\n"), 0);
	QT_ASSERT_EQ(dev_attr_u32(0, "max_sim_qubits"), 3);
	tunable_write_fails("max_sim_qubits", "0\n", ERANGE);
	tunable_write_fails("max_sim_qubits", "27\n", ERANGE);
	tunable_write_fails("max_sim_qubits", "abc\n", EINVAL);
}

QPU_TEST(max_sim_qubits_values)
{
	struct tunable t = { "max_sim_qubits", dev_attr_u32(0, "max_sim_qubits") };

	run_with_cleanup(max_sim_body, tunable_restore, &t);
}

/* max_gates: 1..QPU_MAX_GATES, default 1 Mi, what qpu_info.max_gates says. */
static void max_gates_body(void *arg)
{
	struct qpu_info info;
	int fd = open_dev();

	(void)arg;
	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.max_gates, 1U << 20);
	QT_ASSERT_EQ(write_dev_attr(0, "max_gates", "1\n"), 0);
	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.max_gates, 1);
	QT_ASSERT_EQ(write_dev_attr(0, "max_gates", "4194304\n"), 0);
	QT_ASSERT_EQ(dev_attr_u32(0, "max_gates"), QPU_MAX_GATES);
	tunable_write_fails("max_gates", "0\n", ERANGE);
	tunable_write_fails("max_gates", "4194305\n", ERANGE);
	tunable_write_fails("max_gates", "4294967296\n", ERANGE);
	tunable_write_fails("max_gates", "abc\n", EINVAL);
	tunable_write_fails("max_gates", "-1\n", EINVAL);
	close_ok(fd);
}

QPU_TEST(max_gates_values)
{
	struct tunable t = { "max_gates", dev_attr_u32(0, "max_gates") };

	QT_ASSERT_EQ(t.saved, 1U << 20);
	run_with_cleanup(max_gates_body, tunable_restore, &t);
}

/* ---- permissions ------------------------------------------------------------ */

static void drop_to_nobody(void)
{
	QT_ASSERT_OK(setgroups(0, NULL));
	QT_ASSERT_OK(setgid(65534));
	QT_ASSERT_OK(setuid(65534));
	QT_ASSERT_EQ(geteuid(), 65534);
	QT_ASSERT_EQ(getegid(), 65534);
}

QPU_TEST(unprivileged_writes_denied)
{
	char paths[5][128], *calib, *now;
	const char *writable[] = {
		attr_path(paths[0], sizeof(paths[0]), 0, "calibration"),
		attr_path(paths[1], sizeof(paths[1]), 0, "max_ctx_qubits"),
		attr_path(paths[2], sizeof(paths[2]), 0, "max_sim_qubits"),
		attr_path(paths[3], sizeof(paths[3]), 0, "drift"),
		attr_path(paths[4], sizeof(paths[4]), 0, "max_gates"),
		QPU_NEW_DEVICE,
		QPU_DEL_DEVICE,
	};
	const int flags[] = { O_WRONLY, O_RDWR };
	uint32_t max_ctx = dev_attr_u32(0, "max_ctx_qubits");
	uint64_t ep = epoch();
	struct qpu_info info;
	size_t i, j, len;
	pid_t pid;
	int fd;

	calib = calib_text();
	pid = fork_ok();
	if (!pid) {
		drop_to_nobody();
		for (i = 0; i < ARRAY_LEN(writable); i++) {
			for (j = 0; j < ARRAY_LEN(flags); j++) {
				fd = open(writable[i], flags[j]);
				if (fd >= 0 || (errno != EACCES && errno != EPERM))
					QT_FAIL("nobody opened %s for writing "
						"(%d, %s)", writable[i], fd,
						strerror(errno));
			}
		}
		/* Reading still works, and sees what root sees. */
		now = read_all_ok(writable[0], &len);
		QT_ASSERT(!strcmp(now, calib));
		QT_ASSERT_EQ(read_sysfs_u32(writable[1]), max_ctx);
		QT_ASSERT_EQ(epoch(), ep);
		QT_ASSERT_EQ(dev_attr_u32(0, "num_qubits"), QPU0_NUM_QUBITS);
		/* And the device itself is for everyone (mode 0666). */
		fd = open_dev();
		get_info_ok(fd, &info);
		QT_ASSERT_EQ(info.num_qubits, QPU0_NUM_QUBITS);
		free_ok(fd, alloc_ok(fd, 2, NULL));
		close_ok(fd);
		_exit(0);
	}
	wait_ok(pid);
	now = calib_text();
	QT_ASSERT(!strcmp(now, calib));
	QT_ASSERT_EQ(epoch(), ep);
	QT_ASSERT_EQ(dev_attr_u32(0, "max_ctx_qubits"), max_ctx);
	free(now);
	free(calib);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
