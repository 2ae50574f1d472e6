// SPDX-License-Identifier: GPL-2.0
/*
 * calib.c - parsing and formatting of calibration records (see calib.h).
 *
 * Runs on text root writes to sysfs; every byte is checked before any
 * value reaches the device's tables. Works on (buffer, length) without
 * modifying or copying it, with the kernel's rules for what a blank is
 * (isspace(), strim()) and what a number is (kstrtou32(..., 10, ...)),
 * written out here so the host build behaves exactly like the module.
 */
#include "calib.h"

#define QC_CALIB_MAX_WORDS	(2 + QC_CALIB_QVALS)	/* "q", Q, values */

/* A span of the input: a line or a word. */
struct qc_span {
	const char *p;
	size_t len;
};

/* The kernel's isspace() (lib/ctype.c): Latin-1 no-break space included. */
static bool qc_calib_space(char c)
{
	unsigned char u = (unsigned char)c;

	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

/* strim(): drop leading and trailing blanks. */
static struct qc_span qc_calib_trim(struct qc_span s)
{
	while (s.len && qc_calib_space(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && qc_calib_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

/*
 * Split @line into at most QC_CALIB_MAX_WORDS words separated by blanks
 * or tabs; returns their number, or -EINVAL if there are more.
 */
static int qc_calib_split(struct qc_span line, struct qc_span *words)
{
	size_t i = 0, start;
	int n = 0;

	while (i < line.len) {
		if (line.p[i] == ' ' || line.p[i] == '\t') {
			i++;
			continue;
		}
		start = i;
		while (i < line.len && line.p[i] != ' ' && line.p[i] != '\t')
			i++;
		if (n == QC_CALIB_MAX_WORDS)
			return -EINVAL;
		words[n].p = line.p + start;
		words[n].len = i - start;
		n++;
	}
	return n;
}

/*
 * kstrtou32(word, 10, out): an optional '+', decimal digits, nothing else.
 * As there, overflow (-ERANGE) is found before trailing junk (-EINVAL).
 */
static int qc_calib_u32(struct qc_span w, u32 *out)
{
	bool overflow = false;
	size_t i = 0, digits = 0;
	u64 v = 0;

	if (w.len && w.p[0] == '+')
		i++;
	for (; i < w.len && w.p[i] >= '0' && w.p[i] <= '9'; i++, digits++) {
		u32 d = w.p[i] - '0';

		if (v > (~0ULL - d) / 10)
			overflow = true;
		v = v * 10 + d;
	}
	if (overflow)
		return -ERANGE;
	if (!digits || i != w.len)
		return -EINVAL;
	if (v > 0xffffffffULL)
		return -ERANGE;
	*out = (u32)v;
	return 0;
}

static int qc_calib_u32s(const struct qc_span *w, int n, u32 *out)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = qc_calib_u32(w[i], &out[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static bool qc_calib_word_is(struct qc_span w, char c)
{
	return w.len == 1 && w.p[0] == c;
}

/* Index of edge (a, b), a < b, in the sorted edge list, or -1. */
static s64 qc_calib_edge_index(const struct qc_topology *t, u32 a, u32 b)
{
	u32 lo = 0, hi = t->num_edges;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		u32 ea = t->edges[2 * mid], eb = t->edges[2 * mid + 1];

		if (ea == a && eb == b)
			return mid;
		if (ea < a || (ea == a && eb < b))
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * The "q" values a write must give: the first five; QC_CQ_READOUT10, the
 * growable format's first appended value, may be left out.
 */
#define QC_CALIB_QVALS_MIN	QC_CQ_READOUT10

/* A qubit's values @v, indexed by enum qc_calib_qval: in range? */
static bool qc_calib_qvals_valid(const u32 *v)
{
	/*
	 * T1, T2 > 0 and physical: T2 <= 2 * T1. Both must fit the record's
	 * 7-digit field, or reading the table back would give a record one
	 * byte too long, without its newline.
	 */
	return v[QC_CQ_READOUT] <= QC_CALIB_PPM_MAX &&
	       v[QC_CQ_READOUT10] <= QC_CALIB_PPM_MAX &&
	       v[QC_CQ_GATE1Q] <= QC_CALIB_PPM_MAX &&
	       v[QC_CQ_T1] && v[QC_CQ_T1] <= QC_CALIB_TIME_MAX_US &&
	       v[QC_CQ_T2] && v[QC_CQ_T2] <= QC_CALIB_TIME_MAX_US &&
	       v[QC_CQ_T2] <= 2ULL * v[QC_CQ_T1];
}

/* One non-blank, non-comment line: "q Q R G T1 T2 [R10]" or "e A B G". */
static int qc_calib_parse_line(const struct qc_topology *t,
			       struct qc_span line, struct qc_calib_update *u)
{
	struct qc_span w[QC_CALIB_MAX_WORDS];
	u32 v[QC_CALIB_MAX_WORDS - 1];
	s64 e;
	int n, ret;

	n = qc_calib_split(line, w);
	if (n < 1)
		return -EINVAL;
	if (qc_calib_word_is(w[0], 'q') && n >= 2 + QC_CALIB_QVALS_MIN) {
		ret = qc_calib_u32s(w + 1, n - 1, v);
		if (ret)
			return ret;
		u->edge = false;
		u->index = v[0];
		memcpy(u->val, v + 1, (n - 2) * sizeof(u32));
		/* Values the write left out take their fallback. */
		if (n - 2 <= QC_CQ_READOUT10)
			u->val[QC_CQ_READOUT10] = u->val[QC_CQ_READOUT];
		if (u->index >= t->num_qubits || !qc_calib_qvals_valid(u->val))
			return -ERANGE;
		return 0;
	}
	if (qc_calib_word_is(w[0], 'e') && n == 4) {
		ret = qc_calib_u32s(w + 1, 3, v);
		if (ret)
			return ret;
		memset(u, 0, sizeof(*u));
		u->edge = true;
		u->val[0] = v[2];
		if (v[0] >= t->num_qubits || v[1] >= t->num_qubits ||
		    u->val[0] > QC_CALIB_PPM_MAX)
			return -ERANGE;
		e = v[0] < v[1] ? qc_calib_edge_index(t, v[0], v[1]) :
				  qc_calib_edge_index(t, v[1], v[0]);
		if (e < 0)
			return -ENOENT;
		u->index = (u32)e;
		return 0;
	}
	return -EINVAL;
}

u32 qc_calib_max_updates(const char *buf, size_t len)
{
	u32 n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

int qc_calib_parse(const struct qc_topology *t, const char *buf, size_t len,
		   struct qc_calib_update *ups, u32 *nups)
{
	size_t pos = 0;
	int ret;

	*nups = 0;
	/* Whole lines per write(2): a write must end with a newline. */
	if (!len || buf[len - 1] != '\n' || memchr(buf, '\0', len))
		return -EINVAL;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		struct qc_span line = { buf + pos, (size_t)(nl - (buf + pos)) };

		pos += line.len + 1;
		line = qc_calib_trim(line);
		if (!line.len || line.p[0] == '#')
			continue;
		ret = qc_calib_parse_line(t, line, &ups[*nups]);
		if (ret)
			return ret;
		(*nups)++;
	}
	return *nups ? 0 : -EINVAL;
}

void qc_calib_fmt_qubit(char *out, u32 q, const u32 *val)
{
	qc_snprintf(out, QC_CALIB_QREC_LEN + 1, "q %4u %7u %7u %7u %7u %7u\n", q,
		    val[QC_CQ_READOUT], val[QC_CQ_GATE1Q], val[QC_CQ_T1],
		    val[QC_CQ_T2], val[QC_CQ_READOUT10]);
}

void qc_calib_fmt_edge(char *out, u32 a, u32 b, u32 gate2q_ppm)
{
	qc_snprintf(out, QC_CALIB_EREC_LEN + 1, "e %4u %4u %7u\n", a, b,
		    gate2q_ppm);
}

/*
 * Default calibration: seeded draws from piecewise-linear inverse CDFs
 * (Documentation/qpu/noise.rst, "Default calibration", has the table).
 * Integer only: a draw is a 32-bit hash read as a probability in units
 * of 2^-32, and each table gives the value at cumulative probabilities
 * in units of 2^-16.
 */
struct qc_icdf_knot {
	u32 p;		/* cumulative probability, / 65536 */
	u32 v;		/* value there */
};

#define QC_P(permille)	((u32)(permille) * 65536 / 1000)

/* T1, us: median 240, bulk 190-290, 3 % at 40-120. */
static const struct qc_icdf_knot qc_icdf_t1[] = {
	{ QC_P(0), 40 }, { QC_P(30), 120 }, { QC_P(50), 190 },
	{ QC_P(500), 240 }, { QC_P(950), 290 }, { QC_P(1000), 340 },
};

/* T2, us, before the T1 tail pulls it down: median 145, bulk 120-170. */
static const struct qc_icdf_knot qc_icdf_t2[] = {
	{ QC_P(0), 100 }, { QC_P(50), 120 }, { QC_P(500), 145 },
	{ QC_P(950), 170 }, { QC_P(1000), 190 },
};

/* One-qubit gate error, ppm: median 250, lognormal-like tail to 2000. */
static const struct qc_icdf_knot qc_icdf_gate1q[] = {
	{ QC_P(0), 80 }, { QC_P(100), 150 }, { QC_P(500), 250 },
	{ QC_P(900), 450 }, { QC_P(980), 900 }, { QC_P(1000), 2000 },
};

/* Two-qubit gate error, ppm: median 7000, bulk 4000-10000, 5 % bad. */
static const struct qc_icdf_knot qc_icdf_gate2q[] = {
	{ QC_P(0), 3000 }, { QC_P(50), 4000 }, { QC_P(500), 7000 },
	{ QC_P(930), 10000 }, { QC_P(950), 20000 }, { QC_P(1000), 100000 },
};

/* Mean readout error, ppm: median 18000, bulk 13000-23000, 4 % at 5-10 %. */
static const struct qc_icdf_knot qc_icdf_readout[] = {
	{ QC_P(0), 8000 }, { QC_P(50), 13000 }, { QC_P(500), 18000 },
	{ QC_P(930), 23000 }, { QC_P(960), 50000 }, { QC_P(1000), 100000 },
};

/* Below this T1 (us) a qubit is in the low tail, and so is its T2. */
#define QC_T1_BULK_LO		190U
/* P(0|1) / P(1|0), in thousandths: uniform in [1.2, 1.8], median 1.5. */
#define QC_READOUT_ASYM_LO	1200U
#define QC_READOUT_ASYM_HI	1800U

/* What the draws of a value are keyed by, besides the seed and index. */
enum qc_calib_salt {
	QC_SALT_READOUT = 1,
	QC_SALT_GATE1Q,
	QC_SALT_T1,
	QC_SALT_T2,
	QC_SALT_GATE2Q,
	QC_SALT_ASYM,
	QC_SALT_DRIFT,
	QC_SALT_DRIFT_EDGE,
};

/* murmur3's 32-bit finaliser: a bijection that mixes every bit. */
static u32 qc_calib_mix(u32 x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bU;
	x ^= x >> 13;
	x *= 0xc2b2ae35U;
	x ^= x >> 16;
	return x;
}

/* A uniform 32-bit draw keyed by (@seed, @step, @idx, @salt). */
static u32 qc_calib_hash(u32 seed, u64 step, u32 idx, u32 salt)
{
	u32 x = qc_calib_mix(seed ^ 0x9e3779b9U);

	x = qc_calib_mix(x ^ (u32)step);
	x = qc_calib_mix(x ^ (u32)(step >> 32));
	x = qc_calib_mix(x ^ idx);
	return qc_calib_mix(x ^ (salt * 0x27d4eb2fU));
}

/* The value at probability @h / 2^32 of the distribution @k[0..@n). */
static u32 qc_icdf(const struct qc_icdf_knot *k, u32 n, u32 h)
{
	u64 pos = (u64)h;	/* in units of 2^-32 */
	u32 i;

	for (i = 1; i < n - 1 && pos >= (u64)k[i].p << 16; i++)
		;
	/* Linear between knots i - 1 and i. */
	return k[i - 1].v + (u32)((u64)(k[i].v - k[i - 1].v) *
				  (pos - ((u64)k[i - 1].p << 16)) /
				  ((u64)(k[i].p - k[i - 1].p) << 16));
}

#define QC_ICDF(tab, h)	qc_icdf(tab, ARRAY_SIZE(tab), h)

void qc_calib_defaults(const struct qc_topology *t, u32 seed, u32 *qval,
		       u32 *gate2q)
{
	u32 q, e;

	for (q = 0; q < t->num_qubits; q++) {
		u32 *v = &qval[QC_CALIB_QVALS * q];
		u32 mean = QC_ICDF(qc_icdf_readout, qc_calib_hash(seed, 0, q, QC_SALT_READOUT));
		u32 asym = QC_READOUT_ASYM_LO +
			   qc_calib_hash(seed, 0, q, QC_SALT_ASYM) %
			   (QC_READOUT_ASYM_HI - QC_READOUT_ASYM_LO + 1);
		u32 t1 = QC_ICDF(qc_icdf_t1, qc_calib_hash(seed, 0, q, QC_SALT_T1));
		u32 t2 = QC_ICDF(qc_icdf_t2, qc_calib_hash(seed, 0, q, QC_SALT_T2));

		/* mean = (P(1|0) + P(0|1)) / 2 and P(0|1) = asym * P(1|0). */
		v[QC_CQ_READOUT] = (u32)(2ULL * mean * 1000 / (1000 + asym));
		v[QC_CQ_READOUT10] = (u32)((u64)v[QC_CQ_READOUT] * asym / 1000);
		v[QC_CQ_GATE1Q] = QC_ICDF(qc_icdf_gate1q,
					  qc_calib_hash(seed, 0, q, QC_SALT_GATE1Q));
		v[QC_CQ_T1] = t1;
		if (t1 < QC_T1_BULK_LO)
			t2 = t2 * t1 / QC_T1_BULK_LO;
		v[QC_CQ_T2] = t2 < 2 * t1 ? (t2 ? t2 : 1) : 2 * t1;
	}
	for (e = 0; e < t->num_edges; e++)
		gate2q[e] = QC_ICDF(qc_icdf_gate2q,
				    qc_calib_hash(seed, 0, e, QC_SALT_GATE2Q));
}

/* Drift: per step, a factor in [1 - 5 %, 1 + 5 %], then 1/8 back to base. */
#define QC_DRIFT_PERMILLE	50U
#define QC_DRIFT_PULL_SHIFT	3

/* One drift step of @x toward @base, clamped to [@lo, @hi]. */
static u32 qc_calib_drift_one(u32 x, u32 base, u32 h, u32 lo, u32 hi)
{
	s64 f = 1000 - (s64)QC_DRIFT_PERMILLE + h % (2 * QC_DRIFT_PERMILLE + 1);
	s64 y = (s64)x * f / 1000;

	/* Arithmetic shift of a difference: toward base from either side. */
	y += ((s64)base - y) / (1 << QC_DRIFT_PULL_SHIFT);
	if (y < (s64)lo)
		y = lo;
	if (y > (s64)hi)
		y = hi;
	return (u32)y;
}

void qc_calib_drift(const struct qc_topology *t, u32 seed, u64 step,
		    const u32 *base_qval, const u32 *base_gate2q, u32 *qval,
		    u32 *gate2q)
{
	u32 q, e, i;

	for (q = 0; q < t->num_qubits; q++) {
		u32 *v = &qval[QC_CALIB_QVALS * q];
		const u32 *b = &base_qval[QC_CALIB_QVALS * q];

		for (i = 0; i < QC_CALIB_QVALS; i++) {
			u32 h = qc_calib_hash(seed, step, QC_CALIB_QVALS * q + i,
					      QC_SALT_DRIFT);
			bool time = i == QC_CQ_T1 || i == QC_CQ_T2;

			v[i] = qc_calib_drift_one(v[i], b[i], h, time ? 1 : 0,
						  time ? QC_CALIB_TIME_MAX_US :
							 QC_CALIB_PPM_MAX);
		}
		if (v[QC_CQ_T2] > 2ULL * v[QC_CQ_T1])
			v[QC_CQ_T2] = 2 * v[QC_CQ_T1];
	}
	for (e = 0; e < t->num_edges; e++)
		gate2q[e] = qc_calib_drift_one(gate2q[e], base_gate2q[e],
					       qc_calib_hash(seed, step, e, QC_SALT_DRIFT_EDGE),
					       0, QC_CALIB_PPM_MAX);
}
