// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - a small JSON (RFC 8259) emitter for qpuctl -j: compact
 * output, commas placed by the emitter, strings escaped. Cgroup paths are
 * bytes, not necessarily UTF-8: valid UTF-8 passes through, every byte of
 * an invalid sequence becomes U+FFFD, so the output is always valid JSON.
 * Nesting deeper than QPUCTL_JSON_DEPTH is a programming error (qpuctl
 * needs 4 levels) and is clamped, never overflows.
 */
#include <string.h>

#include "qpuctl.h"

void qj_init(struct qpuctl_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/* Before any value: a comma if it is not the first of its container. */
static void qj_value(struct qpuctl_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
}

static void qj_open(struct qpuctl_json *j, char c)
{
	qj_value(j);
	fputc(c, j->f);
	if (j->depth < QPUCTL_JSON_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void qj_close(struct qpuctl_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void qj_obj_open(struct qpuctl_json *j)
{
	qj_open(j, '{');
}

void qj_obj_close(struct qpuctl_json *j)
{
	qj_close(j, '}');
}

void qj_arr_open(struct qpuctl_json *j)
{
	qj_open(j, '[');
}

void qj_arr_close(struct qpuctl_json *j)
{
	qj_close(j, ']');
}

/* Length of the valid UTF-8 sequence at @s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the NUL */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, out of range, surrogate */
	return n;
}

void qj_write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':  fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\b': fputs("\\b", f); s++; continue;
		case '\f': fputs("\\f", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

void qj_key(struct qpuctl_json *j, const char *key)
{
	qj_value(j);
	qj_write_string(j->f, key);
	fputc(':', j->f);
	j->after_key = true;
}

void qj_str(struct qpuctl_json *j, const char *s)
{
	qj_value(j);
	qj_write_string(j->f, s);
}

void qj_u64(struct qpuctl_json *j, uint64_t v)
{
	qj_value(j);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void qj_s64(struct qpuctl_json *j, int64_t v)
{
	qj_value(j);
	fprintf(j->f, "%lld", (long long)v);
}

void qpuctl_hex(char *out, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

void qj_hex(struct qpuctl_json *j, const uint8_t *b, size_t n)
{
	size_t i;

	qj_value(j);
	fputc('"', j->f);
	for (i = 0; i < n; i++)
		fprintf(j->f, "%02x", b[i]);
	fputc('"', j->f);
}

void qj_bool(struct qpuctl_json *j, bool v)
{
	qj_value(j);
	fputs(v ? "true" : "false", j->f);
}

void qj_limit(struct qpuctl_json *j, uint64_t v)
{
	if (v == QPU_UNLIMITED)
		qj_str(j, "max");
	else
		qj_u64(j, v);
}

void qj_end(struct qpuctl_json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
