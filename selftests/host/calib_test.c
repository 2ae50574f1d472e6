// SPDX-License-Identifier: GPL-2.0
/*
 * calib_test.c - host unit tests of the calibration record parser and
 * formatter (kmod/core/calib.c), the code behind writes and reads of the
 * sysfs "calibration" attribute: accepted forms, each rejection class
 * with its errno, kstrtou32()'s rules for numbers, the growable "q"
 * record (5 or 6 values), format -> parse round trips of the fixed-width
 * records; and the default calibration's distributions and its drift.
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
	QT_ASSERT_EQ(u[0].val[QC_CQ_READOUT], 1000);
	QT_ASSERT_EQ(u[0].val[QC_CQ_GATE1Q], 200);
	QT_ASSERT_EQ(u[0].val[QC_CQ_T1], 100);
	QT_ASSERT_EQ(u[0].val[QC_CQ_T2], 150);
	/* The 5-value form: P(0|1) falls back to P(1|0). */
	QT_ASSERT_EQ(u[0].val[QC_CQ_READOUT10], 1000);
	QT_ASSERT(u[1].edge);
	QT_ASSERT_EQ(u[1].index, 1);	/* (1, 2) is line:4's second edge */
	QT_ASSERT_EQ(u[1].val[0], 5000);
	QT_ASSERT(u[2].edge);
	QT_ASSERT_EQ(u[2].index, 0);
	QT_ASSERT_EQ(u[2].val[0], 7);
}

/* The 6-value form sets P(0|1) apart from P(1|0). */
QPU_TEST(asymmetric_readout_record)
{
	struct qc_calib_update u[2];
	u32 n;

	QT_ASSERT_EQ(parse("q 2 1000 200 100 150 3000\nq 1 7 8 9 10\n", u, &n), 0);
	QT_ASSERT_EQ(n, 2);
	QT_ASSERT_EQ(u[0].index, 2);
	QT_ASSERT_EQ(u[0].val[QC_CQ_READOUT], 1000);
	QT_ASSERT_EQ(u[0].val[QC_CQ_READOUT10], 3000);
	QT_ASSERT_EQ(u[0].val[QC_CQ_T2], 150);
	QT_ASSERT_EQ(u[1].val[QC_CQ_READOUT10], 7);
	expect("q 0 1 1 100 100 1000000\n", 0);
	expect("q 0 1 1 100 100 1000001\n", -ERANGE);
	expect("q 0 1 1 100 100 4294967296\n", -ERANGE);
	expect("q 0 1 1 100 100 1x\n", -EINVAL);
	expect("q 0 1 1 100 100 1 2\n", -EINVAL);
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
	expect("q 1 2 3 4 5 6 7\n", -EINVAL);
	expect("e 0 1 2 3 4 5 6\n", -EINVAL);
	expect("e 0 1 2 3\n", -EINVAL);
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
	u32 val[QC_CALIB_QVALS] = { 1000000, 999999, 9999999, 9999999, 999998 };
	u32 n, e;
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

/* A device's default table, as qpu_calib_init() makes it. */
struct table {
	struct qc_topology *t;
	u32 *q;		/* QC_CALIB_QVALS per qubit */
	u32 *e;		/* per edge */
};

static struct table defaults(const char *spec, u32 seed)
{
	struct table tb = { .t = topo(spec) };

	tb.q = calloc((size_t)QC_CALIB_QVALS * tb.t->num_qubits, sizeof(u32));
	tb.e = calloc(tb.t->num_edges, sizeof(u32));
	QT_ASSERT(tb.q && tb.e);
	qc_calib_defaults(tb.t, seed, tb.q, tb.e);
	return tb;
}

static void table_free(struct table *tb)
{
	free(tb->q);
	free(tb->e);
	qc_topology_destroy(tb->t);
}

static bool table_same(const struct table *a, const struct table *b)
{
	return !memcmp(a->q, b->q, (size_t)QC_CALIB_QVALS * a->t->num_qubits * 4) &&
	       !memcmp(a->e, b->e, (size_t)a->t->num_edges * 4);
}

/* Every value of @tb is one a write would accept: it parses back to itself. */
static void table_valid(const struct table *tb)
{
	struct qc_calib_update u;
	char rec[64];
	u32 i, n;

	for (i = 0; i < tb->t->num_qubits; i++) {
		qc_calib_fmt_qubit(rec, i, &tb->q[QC_CALIB_QVALS * i]);
		QT_ASSERT_EQ(strlen(rec), QC_CALIB_QREC_LEN);
		if (qc_calib_parse(tb->t, rec, strlen(rec), &u, &n))
			QT_FAIL("qubit %u: '%s' does not parse", i, rec);
		QT_ASSERT(!memcmp(u.val, &tb->q[QC_CALIB_QVALS * i], sizeof(u.val)));
	}
	for (i = 0; i < tb->t->num_edges; i++)
		QT_ASSERT_LE(tb->e[i], QC_CALIB_PPM_MAX);
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Median, minimum and maximum of @n values @stride apart from @v. */
struct stats {
	u32 min, med, max;
};

static struct stats stats_of(const u32 *v, u32 n, u32 stride)
{
	u32 *c = malloc(n * sizeof(u32)), i;
	struct stats st;

	QT_ASSERT(c);
	for (i = 0; i < n; i++)
		c[i] = v[(size_t)i * stride];
	qsort(c, n, sizeof(u32), cmp_u32);
	st.min = c[0];
	st.med = c[n / 2];
	st.max = c[n - 1];
	free(c);
	return st;
}

#define QT_ASSERT_IN(x, lo, hi)	do {					\
	QT_ASSERT_LE(lo, x);						\
	QT_ASSERT_LE(x, hi);						\
} while (0)

/*
 * Out of the box, heavyhex:127 looks like a published IBM device: medians
 * in the bulk ranges, low-T1 and bad-coupler tails, asymmetric readout,
 * T2 <= 2 T1 (Documentation/qpu/noise.rst, "Default calibration").
 */
QPU_TEST(defaults_look_like_heavyhex_devices)
{
	struct table tb = defaults("heavyhex:127", 0);
	u32 nq = tb.t->num_qubits, ne = tb.t->num_edges, i, bad = 0, slow = 0;
	u32 *mean = malloc(nq * sizeof(u32));
	struct stats st;

	QT_ASSERT(mean);
	table_valid(&tb);
	st = stats_of(&tb.q[QC_CQ_T1], nq, QC_CALIB_QVALS);
	QT_ASSERT_IN(st.med, 190, 290);
	QT_ASSERT_LT(st.min, 150);
	st = stats_of(&tb.q[QC_CQ_T2], nq, QC_CALIB_QVALS);
	QT_ASSERT_IN(st.med, 120, 170);
	st = stats_of(&tb.q[QC_CQ_GATE1Q], nq, QC_CALIB_QVALS);
	QT_ASSERT_IN(st.med, 150, 400);
	QT_ASSERT_LE(st.max, 2000);
	QT_ASSERT_LE(700, st.max);	/* a tail several times the median */
	st = stats_of(tb.e, ne, 1);
	QT_ASSERT_IN(st.med, 4000, 10000);
	QT_ASSERT_LE(20000, st.max);
	QT_ASSERT_LE(st.max, 100000);
	for (i = 0; i < nq; i++) {
		const u32 *v = &tb.q[QC_CALIB_QVALS * i];

		QT_ASSERT_LE(v[QC_CQ_T2], 2 * v[QC_CQ_T1]);
		/* Asymmetric: a 1 decays to 0 more often than the reverse. */
		QT_ASSERT_LT(v[QC_CQ_READOUT], v[QC_CQ_READOUT10]);
		mean[i] = (v[QC_CQ_READOUT] + v[QC_CQ_READOUT10]) / 2;
		slow += v[QC_CQ_T1] < 150;
	}
	st = stats_of(mean, nq, 1);
	QT_ASSERT_IN(st.med, 13000, 23000);
	QT_ASSERT_LE(50000, st.max);
	for (i = 0; i < ne; i++)
		bad += tb.e[i] >= 20000;
	/*
	 * 5 % bad couplers and ~4 % slow qubits expected: 144 edges give 7.2
	 * (sd 2.6), 127 qubits give ~5 (sd 2.2); bounds are about 2.5 sd.
	 */
	QT_ASSERT_IN(bad, 1, 14);
	QT_ASSERT_IN(slow, 1, 11);
	free(mean);
	table_free(&tb);
}

/* Defaults are a pure function of the seed (the device id), per device. */
QPU_TEST(defaults_seeded_per_device)
{
	struct table a = defaults("heavyhex:127", 3), b = defaults("heavyhex:127", 3);
	struct table c = defaults("heavyhex:127", 4);
	u32 i, differ = 0;

	QT_ASSERT(table_same(&a, &b));
	QT_ASSERT(!table_same(&a, &c));
	for (i = 0; i < QC_CALIB_QVALS * a.t->num_qubits; i++)
		differ += a.q[i] != c.q[i];
	QT_ASSERT_LE(QC_CALIB_QVALS * a.t->num_qubits * 9 / 10, differ);
	table_valid(&c);
	table_free(&a);
	table_free(&b);
	table_free(&c);
}

/*
 * @x within what the pull-back bounds: [0.74, 1.54] x base, with slack
 * for integer rounding (16 units).
 */
static void near_base(u32 x, u32 base)
{
	if ((u64)x * 100 + 1600 < (u64)base * 70)
		QT_FAIL("%u drifted below %u", x, base);
	if ((u64)x * 100 > (u64)base * 155 + 1600)
		QT_FAIL("%u drifted above %u", x, base);
}

/*
 * Drift: seeded, every step changes the table, values stay valid and,
 * pulled back toward the defaults, within a bounded factor of them even
 * after many steps (a free +-5 % walk would leave it after ~1000).
 */
QPU_TEST(drift_wanders_within_bounds)
{
	struct table base = defaults("heavyhex:27", 1), a = defaults("heavyhex:27", 1);
	struct table b = defaults("heavyhex:27", 1);
	u32 nq = a.t->num_qubits, i;
	u64 step;

	qc_calib_drift(a.t, 1, 2, base.q, base.e, a.q, a.e);
	QT_ASSERT(!table_same(&a, &base));
	qc_calib_drift(b.t, 1, 2, base.q, base.e, b.q, b.e);
	QT_ASSERT(table_same(&a, &b));		/* same step, same result */
	qc_calib_drift(b.t, 1, 3, base.q, base.e, b.q, b.e);
	qc_calib_drift(a.t, 1, 4, base.q, base.e, a.q, a.e);
	QT_ASSERT(!table_same(&a, &b));		/* different steps differ */

	for (step = 5; step < 3000; step++) {
		qc_calib_drift(a.t, 1, step, base.q, base.e, a.q, a.e);
		for (i = 0; i < nq; i++)
			QT_ASSERT_LE(a.q[QC_CALIB_QVALS * i + QC_CQ_T2],
				     2 * a.q[QC_CALIB_QVALS * i + QC_CQ_T1]);
	}
	table_valid(&a);
	for (i = 0; i < QC_CALIB_QVALS * nq; i++)
		near_base(a.q[i], base.q[i]);
	for (i = 0; i < a.t->num_edges; i++)
		near_base(a.e[i], base.e[i]);
	/* Clamped at the ends of the ranges. */
	a.q[QC_CQ_READOUT] = QC_CALIB_PPM_MAX;
	base.q[QC_CQ_READOUT] = QC_CALIB_PPM_MAX;
	a.q[QC_CQ_T1] = 1;
	base.q[QC_CQ_T1] = 1;
	a.q[QC_CQ_T2] = 2;
	base.q[QC_CQ_T2] = 2;
	for (step = 0; step < 100; step++)
		qc_calib_drift(a.t, 1, step, base.q, base.e, a.q, a.e);
	table_valid(&a);
	table_free(&base);
	table_free(&a);
	table_free(&b);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
