// SPDX-License-Identifier: GPL-2.0
/*
 * calib_fuzz.c - fuzz target of the calibration record parser
 * (kmod/core/calib.c), fed as the sysfs "calibration" write handler feeds
 * it: the first input byte picks the device's topology, the rest is the
 * bytes root wrote.
 *
 * Properties checked beyond "no crash, no sanitizer report":
 *  - the result is 0, -EINVAL, -ERANGE or -ENOENT; at most one update per
 *    line, and every accepted update is in range (index, ppm, T1, T2,
 *    P(0|1)), and the P(0|1) of an old 5-number "q" record is its P(1|0);
 *  - a write is judged by its lines: it fails with the errno of its first
 *    failing line (each line parsed alone), else yields exactly the
 *    updates of its lines, in order;
 *  - format -> parse identity: after applying the updates, the whole
 *    table formatted as a read gives it (fixed-width records, each
 *    ending in a newline) parses back to the very same table.
 */
#include <linux/qpu.h>

#include "calib.h"
#include "fuzz.h"

static const char *const specs[] = {
	"line:1", "line:4", "ring:5", "grid:3x4", "heavyhex:27", "full:6",
	"heavyhex:127", "full:64",
};

struct table {
	u32 *q;		/* QC_CALIB_QVALS values per qubit */
	u32 *e;		/* gate2q_ppm per edge */
};

static struct qc_topology *topology(u32 i)
{
	static struct qc_topology *cache[ARRAY_SIZE(specs)];

	if (!cache[i])
		FZ_ASSERT(!qc_topology_create(specs[i], QPU_MAX_QUBITS,
					      QPU_MAX_EDGES, &cache[i]),
			  "%s", specs[i]);
	return cache[i];
}

static void check_update(const struct qc_topology *t,
			 const struct qc_calib_update *u)
{
	if (u->edge) {
		FZ_ASSERT(u->index < t->num_edges, "edge %u", u->index);
		FZ_ASSERT(u->val[0] <= QC_CALIB_PPM_MAX, "%u", u->val[0]);
		return;
	}
	FZ_ASSERT(u->index < t->num_qubits, "qubit %u", u->index);
	FZ_ASSERT(u->val[QC_CQ_READOUT] <= QC_CALIB_PPM_MAX &&
		  u->val[QC_CQ_GATE1Q] <= QC_CALIB_PPM_MAX &&
		  u->val[QC_CQ_READOUT10] <= QC_CALIB_PPM_MAX,
		  "%u %u %u", u->val[QC_CQ_READOUT], u->val[QC_CQ_GATE1Q],
		  u->val[QC_CQ_READOUT10]);
	FZ_ASSERT(u->val[QC_CQ_T1] >= 1 && u->val[QC_CQ_T1] <= QC_CALIB_TIME_MAX_US,
		  "t1 %u", u->val[QC_CQ_T1]);
	FZ_ASSERT(u->val[QC_CQ_T2] >= 1 && u->val[QC_CQ_T2] <= QC_CALIB_TIME_MAX_US &&
		  u->val[QC_CQ_T2] <= 2ULL * u->val[QC_CQ_T1], "t2 %u t1 %u",
		  u->val[QC_CQ_T2], u->val[QC_CQ_T1]);
}

static void apply(struct table *tb, const struct qc_calib_update *ups, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (ups[i].edge)
			tb->e[ups[i].index] = ups[i].val[0];
		else
			memcpy(&tb->q[QC_CALIB_QVALS * ups[i].index], ups[i].val,
			       sizeof(ups[i].val));
	}
}

/* The table as a read of the attribute gives it. */
static char *format_table(const struct qc_topology *t, const struct table *tb,
			  size_t *len)
{
	size_t size = (size_t)t->num_qubits * QC_CALIB_QREC_LEN +
		      (size_t)t->num_edges * QC_CALIB_EREC_LEN;
	char *text = malloc(size + 1), *p = text;
	u32 i;

	FZ_ASSERT(text, "out of memory");
	for (i = 0; i < t->num_qubits; i++) {
		qc_calib_fmt_qubit(p, i, &tb->q[QC_CALIB_QVALS * i]);
		FZ_ASSERT(strlen(p) == QC_CALIB_QREC_LEN &&
			  p[QC_CALIB_QREC_LEN - 1] == '\n', "q record '%s'", p);
		p += QC_CALIB_QREC_LEN;
	}
	for (i = 0; i < t->num_edges; i++) {
		qc_calib_fmt_edge(p, t->edges[2 * i], t->edges[2 * i + 1],
				  tb->e[i]);
		FZ_ASSERT(strlen(p) == QC_CALIB_EREC_LEN &&
			  p[QC_CALIB_EREC_LEN - 1] == '\n', "e record '%s'", p);
		p += QC_CALIB_EREC_LEN;
	}
	*len = size;
	return text;
}

static void round_trip(const struct qc_topology *t,
		       const struct qc_calib_update *ups, u32 nups)
{
	struct table tb, back;
	struct qc_calib_update *all;
	size_t len, qsz = QC_CALIB_QVALS * sizeof(u32) * t->num_qubits,
	       esz = sizeof(u32) * (t->num_edges + 1);
	u32 n, i;
	char *text;

	tb.q = malloc(qsz);
	tb.e = malloc(esz);
	back.q = calloc(1, qsz);
	back.e = calloc(1, esz);
	FZ_ASSERT(tb.q && tb.e && back.q && back.e, "out of memory");
	/* A valid starting table, as the driver's defaults are. */
	for (i = 0; i < t->num_qubits; i++) {
		u32 *v = &tb.q[QC_CALIB_QVALS * i];

		v[QC_CQ_READOUT] = i * 7919 % (QC_CALIB_PPM_MAX + 1);
		v[QC_CQ_GATE1Q] = i * 104729 % (QC_CALIB_PPM_MAX + 1);
		v[QC_CQ_T1] = 1 + i;
		v[QC_CQ_T2] = 1 + i;
		v[QC_CQ_READOUT10] = i * 15485863 % (QC_CALIB_PPM_MAX + 1);
	}
	for (i = 0; i < t->num_edges; i++)
		tb.e[i] = i * 31337 % (QC_CALIB_PPM_MAX + 1);
	apply(&tb, ups, nups);

	text = format_table(t, &tb, &len);
	all = calloc(qc_calib_max_updates(text, len), sizeof(*all));
	FZ_ASSERT(all, "out of memory");
	FZ_ASSERT(!qc_calib_parse(t, text, len, all, &n), "table does not parse");
	FZ_ASSERT(n == t->num_qubits + t->num_edges, "%u records", n);
	apply(&back, all, n);
	FZ_ASSERT(!memcmp(tb.q, back.q, qsz) &&
		  !memcmp(tb.e, back.e, esz - sizeof(u32)),
		  "format -> parse changed the table");
	free(all);
	free(text);
	free(tb.q);
	free(tb.e);
	free(back.q);
	free(back.e);
}

static bool same_update(const struct qc_calib_update *a,
			const struct qc_calib_update *b)
{
	return a->edge == b->edge && a->index == b->index &&
	       !memcmp(a->val, b->val, sizeof(a->val));
}

/*
 * Parse one line alone, made a complete write by a known-good record
 * after it: 0 with *got 0 (blank or comment) or 1 (its update), or the
 * line's errno.
 */
static int parse_line(const struct qc_topology *t, const char *line,
		      size_t len, struct qc_calib_update *u, u32 *got)
{
	static const char good[] = "q 0 1 1 1 1\n";
	struct qc_calib_update ups[2];
	char *buf = malloc(len + sizeof(good));
	u32 n;
	int ret;

	FZ_ASSERT(buf, "out of memory");
	memcpy(buf, line, len);
	memcpy(buf + len, good, sizeof(good));
	ret = qc_calib_parse(t, buf, len + sizeof(good) - 1, ups, &n);
	free(buf);
	if (ret)
		return ret;
	FZ_ASSERT(n == 1 || n == 2, "%u records from one line", n);
	*got = n - 1;
	if (n == 2)
		*u = ups[0];
	return 0;
}

/* Words of @line (blank- or tab-separated), as the parser splits it. */
static u32 words(const char *line, size_t len)
{
	u32 n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += line[i] != ' ' && line[i] != '\t' &&
		     (!i || line[i - 1] == ' ' || line[i - 1] == '\t');
	return n;
}

/* The write's result must follow from its lines', one by one. */
static void check_lines(const struct qc_topology *t, const char *buf,
			size_t len, int ret, const struct qc_calib_update *ups,
			u32 nups)
{
	struct qc_calib_update u;
	size_t pos = 0;
	u32 k = 0, got;
	int lret;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = (size_t)(nl - (buf + pos)) + 1;

		lret = parse_line(t, buf + pos, l, &u, &got);
		pos += l;
		if (lret) {
			FZ_ASSERT(ret == lret, "write %d, its first bad line %d",
				  ret, lret);
			return;
		}
		if (!got)
			continue;
		/* "q" + 5 numbers (the old form): P(0|1) falls back to P(1|0). */
		if (!u.edge && words(buf + pos - l, l - 1) == 6)
			FZ_ASSERT(u.val[QC_CQ_READOUT10] == u.val[QC_CQ_READOUT],
				  "P(0|1) %u of a 5-number record", u.val[QC_CQ_READOUT10]);
		/* The write may still fail on a later line. */
		FZ_ASSERT(ret || (k < nups && same_update(&u, &ups[k])),
			  "update %u differs from its line's", k);
		k++;
	}
	FZ_ASSERT(ret ? !k && ret == -EINVAL : k == nups,
		  "write %d with %u of %u updates from its lines", ret, k, nups);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qc_calib_update *ups;
	const struct qc_topology *t;
	struct fz f = { data, size };
	const char *buf;
	u32 nups, cap;
	int ret;

	t = topology(fz_below(&f, ARRAY_SIZE(specs)));
	buf = (const char *)f.p;
	cap = qc_calib_max_updates(buf, f.n);
	/* An exactly sized array, so ASan sees any write past it. */
	ups = malloc((cap ? cap : 1) * sizeof(*ups));
	FZ_ASSERT(ups, "out of memory");
	ret = qc_calib_parse(t, buf, f.n, ups, &nups);
	FZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -ERANGE || ret == -ENOENT,
		  "errno %d", ret);
	if (!ret) {
		u32 i;

		FZ_ASSERT(nups >= 1 && nups <= cap, "%u updates, %u lines", nups,
			  cap);
		for (i = 0; i < nups; i++)
			check_update(t, &ups[i]);
		round_trip(t, ups, nups);
	}
	if (!f.n || buf[f.n - 1] != '\n' || memchr(buf, '\0', f.n))
		FZ_ASSERT(ret == -EINVAL, "a write that is not whole text lines: %d",
			  ret);
	else
		check_lines(t, buf, f.n, ret, ups, nups);
	free(ups);
	return 0;
}
