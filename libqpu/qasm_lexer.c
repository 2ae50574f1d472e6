// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * qasm_lexer.c - OpenQASM 2.0 tokens, and the "file:line:col: message"
 * errors of the whole parser.
 *
 * Tokens: identifiers, non-negative integers, reals (digits with a '.'
 * and/or an exponent: 1.5, .5, 2., 1e-3), strings, and the punctuation
 * ; , ( ) [ ] { } + - * / ^ == ->. Comments run from // to the end of
 * the line. Columns count bytes from 1. Numbers are converted in the "C"
 * locale whatever the application's locale is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qasm.h"

int qasm_error(struct qasm_diag *d, int err, const struct qasm_loc *loc,
	       const char *fmt, ...)
{
	size_t off = 0;
	va_list ap;
	int n;

	if (d->set)
		return err;
	d->set = true;
	if (!d->buf || !d->len)
		return err;
	if (loc)
		n = snprintf(d->buf, d->len, "%s:%u:%u: ", loc->file, loc->line,
			     loc->col);
	else
		n = 0;
	off = n > 0 ? (size_t)n : 0;
	if (off < d->len) {
		va_start(ap, fmt);
		n = vsnprintf(d->buf + off, d->len - off, fmt, ap);
		va_end(ap);
		off += n > 0 ? (size_t)n : 0;
	}
	if (d->ctx_gate && off < d->len)
		snprintf(d->buf + off, d->len - off,
			 " (in gate '%s' applied at %s:%u:%u)", d->ctx_gate,
			 d->ctx_loc.file, d->ctx_loc.line, d->ctx_loc.col);
	return err;
}

void qasm_lex_init(struct qasm_lexer *lx, const char *src, size_t len,
		   const char *file, locale_t cloc, struct qasm_diag *diag)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->end = src + len;
	lx->p = src;
	/* A UTF-8 byte order mark is not part of the program. */
	if (len >= 3 && !memcmp(src, "\xef\xbb\xbf", 3))
		lx->p += 3;
	lx->line_start = lx->p;
	lx->line = 1;
	lx->file = file;
	lx->cloc = cloc;
	lx->diag = diag;
	lx->tok_end.file = file;
	lx->tok_end.line = 1;
	lx->tok_end.col = 1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_id_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_id_char(char c)
{
	return is_id_start(c) || is_digit(c);
}

static struct qasm_loc lex_loc(const struct qasm_lexer *lx, const char *at)
{
	struct qasm_loc loc = {
		.file = lx->file,
		.line = lx->line,
		.col = (uint32_t)(at - lx->line_start) + 1,
	};

	return loc;
}

/* Skip blanks, newlines and // comments. */
static void skip_space(struct qasm_lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\n') {
			lx->p++;
			lx->line++;
			lx->line_start = lx->p;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
			   c == '\v') {
			lx->p++;
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else {
			break;
		}
	}
}

static int lex_number(struct qasm_lexer *lx, struct qasm_tok *t)
{
	const char *s = lx->p, *p = lx->p;
	bool real = false;
	char small[64], *buf = small;
	uint64_t v = 0;

	while (p < lx->end && is_digit(*p)) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			t->overflow = true;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p < lx->end && *p == '.') {
		real = true;
		p++;
		while (p < lx->end && is_digit(*p))
			p++;
	}
	if (p < lx->end && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;

		if (q < lx->end && (*q == '+' || *q == '-'))
			q++;
		if (q < lx->end && is_digit(*q)) {
			real = true;
			p = q;
			while (p < lx->end && is_digit(*p))
				p++;
		}
	}
	if (p < lx->end && (is_id_char(*p) || *p == '.')) {
		while (p < lx->end && (is_id_char(*p) || *p == '.'))
			p++;
		return qasm_error(lx->diag, -EINVAL, &t->loc,
				  "malformed number '%.*s'", (int)(p - s), s);
	}
	t->kind = real ? QT_REAL : QT_INT;
	t->len = (size_t)(p - s);
	t->ival = t->overflow ? UINT64_MAX : v;
	/* strtod() needs the token alone, NUL-terminated. */
	if (t->len >= sizeof(small)) {
		buf = malloc(t->len + 1);
		if (!buf)
			return qasm_error(lx->diag, -ENOMEM, NULL, "out of memory");
	}
	memcpy(buf, s, t->len);
	buf[t->len] = '\0';
	t->num = strtod_l(buf, NULL, lx->cloc);
	if (buf != small)
		free(buf);
	lx->p = p;
	return 0;
}

static int lex_punct(struct qasm_lexer *lx, struct qasm_tok *t)
{
	static const struct {
		char c;
		enum qasm_tok_kind kind;
	} single[] = {
		{ ';', QT_SEMI }, { ',', QT_COMMA }, { '(', QT_LPAREN },
		{ ')', QT_RPAREN }, { '[', QT_LBRACKET }, { ']', QT_RBRACKET },
		{ '{', QT_LBRACE }, { '}', QT_RBRACE }, { '+', QT_PLUS },
		{ '*', QT_STAR }, { '/', QT_SLASH }, { '^', QT_CARET },
	};
	char c = *lx->p, n = lx->p + 1 < lx->end ? lx->p[1] : '\0';
	size_t i;

	t->len = 1;
	if (c == '-' && n == '>') {
		t->kind = QT_ARROW;
		t->len = 2;
	} else if (c == '-') {
		t->kind = QT_MINUS;
	} else if (c == '=' && n == '=') {
		t->kind = QT_EQEQ;
		t->len = 2;
	} else if (c == '=') {
		return qasm_error(lx->diag, -EINVAL, &t->loc,
				  "unexpected '=' (comparisons use '==')");
	} else {
		for (i = 0; i < sizeof(single) / sizeof(single[0]); i++)
			if (single[i].c == c)
				break;
		if (i == sizeof(single) / sizeof(single[0])) {
			if (c >= 0x21 && c <= 0x7e)
				return qasm_error(lx->diag, -EINVAL, &t->loc,
						  "unexpected character '%c'", c);
			return qasm_error(lx->diag, -EINVAL, &t->loc,
					  "unexpected character 0x%02x",
					  (unsigned char)c);
		}
		t->kind = single[i].kind;
	}
	lx->p += t->len;
	return 0;
}

int qasm_lex_next(struct qasm_lexer *lx)
{
	struct qasm_tok *t = &lx->tok;
	const char *p;
	int ret = 0;

	lx->prev_end = lx->tok_end;
	skip_space(lx);
	memset(t, 0, sizeof(*t));
	t->loc = lex_loc(lx, lx->p);
	t->text = lx->p;
	if (lx->p >= lx->end) {
		t->kind = QT_EOF;
		return 0;
	}

	p = lx->p;
	if (is_id_start(*p)) {
		while (p < lx->end && is_id_char(*p))
			p++;
		t->kind = QT_ID;
		t->len = (size_t)(p - lx->p);
		lx->p = p;
	} else if (is_digit(*p) || (*p == '.' && p + 1 < lx->end &&
				    is_digit(p[1]))) {
		ret = lex_number(lx, t);
	} else if (*p == '"') {
		p++;
		while (p < lx->end && *p != '"' && *p != '\n')
			p++;
		if (p >= lx->end || *p != '"')
			return qasm_error(lx->diag, -EINVAL, &t->loc,
					  "unterminated string");
		t->kind = QT_STRING;
		t->text = lx->p + 1;
		t->len = (size_t)(p - lx->p - 1);
		lx->p = p + 1;
	} else {
		ret = lex_punct(lx, t);
	}
	if (ret)
		return ret;
	lx->tok_end = lex_loc(lx, lx->p);
	return 0;
}

const char *qasm_tok_desc(const struct qasm_tok *t, char *buf, size_t len)
{
	if (t->kind == QT_EOF)
		return "end of file";
	if (t->kind == QT_STRING)
		snprintf(buf, len, "\"%.*s\"", t->len > 32 ? 32 : (int)t->len,
			 t->text);
	else
		snprintf(buf, len, "'%.*s'", t->len > 32 ? 32 : (int)t->len,
			 t->text);
	return buf;
}

bool qasm_tok_is(const struct qasm_tok *t, const char *word)
{
	return t->kind == QT_ID && strlen(word) == t->len &&
	       !memcmp(t->text, word, t->len);
}
