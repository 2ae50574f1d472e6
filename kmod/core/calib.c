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

#define QC_CALIB_MAX_WORDS	6

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

/* One non-blank, non-comment line: "q Q R G T1 T2" or "e A B G". */
static int qc_calib_parse_line(const struct qc_topology *t,
			       struct qc_span line, struct qc_calib_update *u)
{
	struct qc_span w[QC_CALIB_MAX_WORDS];
	u32 v[5];
	s64 e;
	int n, ret;

	n = qc_calib_split(line, w);
	if (n < 1)
		return -EINVAL;
	if (qc_calib_word_is(w[0], 'q') && n == 6) {
		ret = qc_calib_u32s(w + 1, 5, v);
		if (ret)
			return ret;
		u->edge = false;
		u->index = v[0];
		memcpy(u->val, v + 1, sizeof(u->val));
		if (u->index >= t->num_qubits)
			return -ERANGE;
		if (u->val[0] > QC_CALIB_PPM_MAX || u->val[1] > QC_CALIB_PPM_MAX)
			return -ERANGE;
		/*
		 * T1, T2 > 0 and physical: T2 <= 2 * T1. Both must fit the
		 * record's 7-digit field, or reading the table back would
		 * give a 40-byte record without its newline.
		 */
		if (!u->val[2] || !u->val[3] ||
		    u->val[2] > QC_CALIB_TIME_MAX_US ||
		    u->val[3] > QC_CALIB_TIME_MAX_US ||
		    u->val[3] > 2ULL * u->val[2])
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
	qc_snprintf(out, QC_CALIB_QREC_LEN + 1, "q %4u %7u %7u %7u %7u\n", q,
		    val[0], val[1], val[2], val[3]);
}

void qc_calib_fmt_edge(char *out, u32 a, u32 b, u32 gate2q_ppm)
{
	qc_snprintf(out, QC_CALIB_EREC_LEN + 1, "e %4u %4u %7u\n", a, b,
		    gate2q_ppm);
}
