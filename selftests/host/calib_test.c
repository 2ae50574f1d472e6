// SPDX-License-Identifier: GPL-2.0
/*
 * calib_test.c - host unit tests of the calibration record parser and
 * formatter (kmod/core/calib.c), the code behind writes and reads of the
 * sysfs "calibration" attribute: accepted forms, each rejection class
 * with its errno, kstrtou32()'s rules for numbers, and format -> parse
 * round trips of the fixed-width records.
 */
#include "qpu_test.h"
#include <linux/qpu.h>

#include "calib.h"

static struct qc_topology *topo(const char *spec)
{
	struct qc_topology *t = NULL;

	QT_ASSERT_EQ(qc_topology_create(spec, QPU_MAX_QUBITS, QPU_MAX_EDGES, &t), 0);
	return t;
}

/* Parse the C string @text on line:4; returns the errno-style result. */
static int parse(const char *text, struct qc_calib_update *ups, u32 *n)
{
	struct qc_topology *t = topo("line:4");
	int ret = qc_calib_parse(t, text, strlen(text), ups, n);

	qc_topology_destroy(t);
	return ret;
}

static void expect(const char *text, int err)
{
	struct qc_calib_update ups[16];
	u32 n;

	QT_ASSERT_LE(qc_calib_max_updates(text, strlen(text)), 16);
	if (parse(text, ups, &n) != err)
		QT_FAIL("'%s': got %d, want %d", text, parse(text, ups, &n), err);
}

QPU_TEST(qubit_and_edge_records)
{
	struct qc_calib_update u[4];
	u32 n;

	QT_ASSERT_EQ(parse("q 3 1000 200 100 150\n"
			   "  # a comment\n"
			   "\n"
			   "e 2 1 5000\n"
			   "\te\t0   1\t7 \r\n", u, &n), 0);
	QT_ASSERT_EQ(n, 3);
	QT_ASSERT(!u[0].edge);
	QT_ASSERT_EQ(u[0].index, 3);
	QT_ASSERT_EQ(u[0].val[0], 1000);
	QT_ASSERT_EQ(u[0].val[1], 200);
	QT_ASSERT_EQ(u[0].val[2], 100);
	QT_ASSERT_EQ(u[0].val[3], 150);
	QT_ASSERT(u[1].edge);
	QT_ASSERT_EQ(u[1].index, 1);	/* (1, 2) is line:4's second edge */
	QT_ASSERT_EQ(u[1].val[0], 5000);
	QT_ASSERT(u[2].edge);
	QT_ASSERT_EQ(u[2].index, 0);
	QT_ASSERT_EQ(u[2].val[0], 7);
}

QPU_TEST(boundaries_accepted)
{
	expect("q 0 1000000 1000000 9999999 9999999\n", 0);
	expect("q 0 1 1 5000000 9999999\n", 0);
	expect("q 3 0 0 1 1\n", 0);
	expect("q +3 +0 0 001 2\n", 0);
	expect("e 2 3 1000000\n", 0);
}

QPU_TEST(malformed_einval)
{
	expect("", -EINVAL);
	expect("\n", -EINVAL);
	expect("# only a comment\n", -EINVAL);
	expect("q 0 1 1 100 100", -EINVAL);
	expect("q 0 1 1 100 100\nq 1 1 1 100 100", -EINVAL);
	expect("q 1 2 3 4\n", -EINVAL);
	expect("q 1 2 3 4 5 6\n", -EINVAL);
	expect("e 0 1 2 3 4 5 6\n", -EINVAL);
	expect("Q 0 1 1 100 100\n", -EINVAL);
	expect("qq 0 1 1 100 100\n", -EINVAL);
	expect("q -0 1 1 100 100\n", -EINVAL);
	expect("q 0x1 1 1 100 100\n", -EINVAL);
	expect("q + 1 1 100 100\n", -EINVAL);
	expect("q 0 1 1 100 100x\n", -EINVAL);
	expect("q\v0 1 1 100 100\n", -EINVAL);
	expect("e0 1 5\n", -EINVAL);
}

QPU_TEST(out_of_range_erange)
{
	expect("q 4 1 1 100 100\n", -ERANGE);
	expect("q 0 1000001 1 100 100\n", -ERANGE);
	expect("q 0 1 1000001 100 100\n", -ERANGE);
	expect("q 0 1 1 0 1\n", -ERANGE);
	expect("q 0 1 1 100 0\n", -ERANGE);
	expect("q 0 1 1 100 201\n", -ERANGE);
	expect("q 0 1 1 10000000 100\n", -ERANGE);
	/* T2 <= 2 * T1 but past the record's 7-digit field. */
	expect("q 0 1 1 9999999 10000000\n", -ERANGE);
	expect("q 0 1 1 9999999 19999998\n", -ERANGE);
	expect("e 0 4 5\n", -ERANGE);
	expect("e 0 1 1000001\n", -ERANGE);
	/* 32-bit overflow does not wrap into a valid value. */
	expect("q 4294967296 1 1 100 100\n", -ERANGE);
	expect("e 0 4294967297 5\n", -ERANGE);
	/* As kstrtou32(): 64-bit overflow is found before trailing junk. */
	expect("q 0 1 1 100 99999999999999999999x\n", -ERANGE);
	expect("q 0 1 1 100 4294967296x\n", -EINVAL);
}

QPU_TEST(non_edge_enoent)
{
	expect("e 0 2 5\n", -ENOENT);
	expect("e 3 3 5\n", -ENOENT);
	/* The first bad line decides the errno. */
	expect("e 0 2 5\nq 9 1 1 1 1\n", -ENOENT);
	expect("q 9 1 1 1 1\ne 0 2 5\n", -ERANGE);
}

/* A NUL byte is not text: nothing after it may be skipped unchecked. */
QPU_TEST(nul_byte_einval)
{
	static const char text[] = "q 0 1 1 100 100\n\0garbage\n";
	struct qc_topology *t = topo("line:4");
	struct qc_calib_update ups[4];
	u32 n;

	QT_ASSERT_EQ(qc_calib_parse(t, text, sizeof(text) - 1, ups, &n), -EINVAL);
	QT_ASSERT_EQ(qc_calib_parse(t, text, 16, ups, &n), 0);
	QT_ASSERT_EQ(n, 1);
	qc_topology_destroy(t);
}

/* Formatted records have their fixed width and parse back to themselves. */
QPU_TEST(format_parse_round_trip)
{
	struct qc_topology *t = topo("heavyhex:1121");
	u32 val[4] = { 1000000, 999999, 9999999, 9999999 }, n, e;
	struct qc_calib_update u;
	char rec[64];

	qc_calib_fmt_qubit(rec, t->num_qubits - 1, val);
	QT_ASSERT_EQ(strlen(rec), QC_CALIB_QREC_LEN);
	QT_ASSERT_EQ(qc_calib_parse(t, rec, strlen(rec), &u, &n), 0);
	QT_ASSERT_EQ(n, 1);
	QT_ASSERT(!u.edge);
	QT_ASSERT_EQ(u.index, t->num_qubits - 1);
	QT_ASSERT(!memcmp(u.val, val, sizeof(val)));

	for (e = 0; e < t->num_edges; e++) {
		qc_calib_fmt_edge(rec, t->edges[2 * e], t->edges[2 * e + 1], e);
		QT_ASSERT_EQ(strlen(rec), QC_CALIB_EREC_LEN);
		QT_ASSERT_EQ(qc_calib_parse(t, rec, strlen(rec), &u, &n), 0);
		QT_ASSERT(u.edge);
		QT_ASSERT_EQ(u.index, e);
		QT_ASSERT_EQ(u.val[0], e);
	}
	qc_topology_destroy(t);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
