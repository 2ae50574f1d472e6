/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * qasm.h - pieces of the OpenQASM 2.0 parser shared by its files, private
 * to libqpu:
 *
 *	qasm.c		statements, registers, gate definitions and expansion
 *	qasm_lexer.c	tokens and error messages with their position
 *	qasm_expr.c	angle expressions and their affine evaluation
 *	qasm_qelib1.c	the gates of qelib1.inc, mapped onto native opcodes
 */
#ifndef LIBQPU_QASM_H
#define LIBQPU_QASM_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "circuit_priv.h"

/* Keep the library's namespace: these are not public symbols. */
#define qasm_error		qpu__qasm_error
#define qasm_lex_init		qpu__qasm_lex_init
#define qasm_lex_next		qpu__qasm_lex_next
#define qasm_tok_desc		qpu__qasm_tok_desc
#define qasm_tok_is		qpu__qasm_tok_is
#define qasm_func_lookup	qpu__qasm_func_lookup
#define qasm_expr_new		qpu__qasm_expr_new
#define qasm_expr_free		qpu__qasm_expr_free
#define qasm_expr_eval		qpu__qasm_expr_eval
#define qasm_builtin_u		qpu__qasm_builtin_u
#define qasm_builtin_cx		qpu__qasm_builtin_cx
#define qasm_qelib1		qpu__qasm_qelib1
#define qasm_builtin_apply	qpu__qasm_builtin_apply

/* A position in a source file; @file outlives the parse. */
struct qasm_loc {
	const char *file;
	uint32_t line;
	uint32_t col;
};

/*
 * struct qasm_diag - where the first error goes
 * @buf: "file:line:col: message", NUL-terminated (may be NULL)
 * @len: size of @buf
 * @set: an error was recorded; later ones are dropped
 * @ctx_gate: while a user gate called at top level is being expanded, its
 *	name; errors inside its body then also name the call (@ctx_loc)
 * @ctx_loc: see @ctx_gate
 */
struct qasm_diag {
	char *buf;
	size_t len;
	bool set;
	const char *ctx_gate;
	struct qasm_loc ctx_loc;
};

/* Record an error at @loc (NULL: no position) and return @err. */
int qasm_error(struct qasm_diag *d, int err, const struct qasm_loc *loc,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Lexer. */

enum qasm_tok_kind {
	QT_EOF,
	QT_ID,
	QT_INT,		/* nninteger: ival (overflow set past 2^64 - 1), num */
	QT_REAL,	/* real literal: num */
	QT_STRING,	/* text/len exclude the quotes */
	QT_SEMI,
	QT_COMMA,
	QT_LPAREN,
	QT_RPAREN,
	QT_LBRACKET,
	QT_RBRACKET,
	QT_LBRACE,
	QT_RBRACE,
	QT_PLUS,
	QT_MINUS,
	QT_STAR,
	QT_SLASH,
	QT_CARET,
	QT_EQEQ,
	QT_ARROW,
};

struct qasm_tok {
	enum qasm_tok_kind kind;
	struct qasm_loc loc;
	const char *text;
	size_t len;
	uint64_t ival;
	bool overflow;
	double num;
};

/*
 * struct qasm_lexer - one source file being read
 * @tok: the current token
 * @prev_end: position just after the token before it (where a missing
 *	';' belongs)
 */
struct qasm_lexer {
	const char *src;
	const char *end;
	const char *p;
	const char *line_start;
	uint32_t line;
	const char *file;
	locale_t cloc;
	struct qasm_diag *diag;
	struct qasm_tok tok;
	struct qasm_loc prev_end;
	struct qasm_loc tok_end;
};

/* Start reading @len bytes at @src; call qasm_lex_next() for the first token. */
void qasm_lex_init(struct qasm_lexer *lx, const char *src, size_t len,
		   const char *file, locale_t cloc, struct qasm_diag *diag);

/* Advance to the next token. Return: 0 or -EINVAL (message in the diag). */
int qasm_lex_next(struct qasm_lexer *lx);

/* "'text'" or "end of file", for messages; @buf holds at least 48 bytes. */
const char *qasm_tok_desc(const struct qasm_tok *t, char *buf, size_t len);

/* Does the current token spell the identifier @word? */
bool qasm_tok_is(const struct qasm_tok *t, const char *word);

/* Expressions. */

enum qasm_expr_kind {
	QE_NUM,		/* num */
	QE_FORMAL,	/* formal parameter @index of the enclosing gate */
	QE_PARAM,	/* runtime parameter slot @index */
	QE_NEG,		/* -a */
	QE_ADD,
	QE_SUB,
	QE_MUL,
	QE_DIV,
	QE_POW,
	QE_FUNC,	/* @func(a) */
};

enum qasm_func {
	QF_SIN,
	QF_COS,
	QF_TAN,
	QF_EXP,
	QF_LN,
	QF_SQRT,
	QF_NR,
};

struct qasm_expr {
	enum qasm_expr_kind kind;
	struct qasm_loc loc;	/* the operator, function or operand */
	uint32_t height;	/* 1 for a leaf */
	uint32_t index;
	enum qasm_func func;
	double num;
	struct qasm_expr *a;
	struct qasm_expr *b;
};

/*
 * struct qasm_affine - a value: constant when @param is 0, else
 * scale * params[param - 1] + offset (the encoding of struct qpu_angle)
 */
struct qasm_affine {
	uint32_t param;
	double scale;
	double offset;
};

/* Function named by @name[0..len), or -1. */
int qasm_func_lookup(const char *name, size_t len);

struct qasm_expr *qasm_expr_new(enum qasm_expr_kind kind,
				const struct qasm_loc *loc);
void qasm_expr_free(struct qasm_expr *e);

/*
 * qasm_expr_eval() - evaluate @e in double precision, as C and libm do
 * @env: values of the enclosing gate's formal parameters
 * @c: circuit, for the names of runtime parameters in messages
 *
 * Return: 0, or -EINVAL when a runtime parameter is used in a way that is
 * not affine (the message says how).
 */
int qasm_expr_eval(const struct qasm_expr *e, const struct qasm_affine *env,
		   const struct qpu_circuit *c, struct qasm_diag *d,
		   struct qasm_affine *out);

/* qelib1.inc and the built-in U and CX. */

/*
 * struct qasm_builtin - a gate provided natively
 * @nparams: its parameters
 * @nqubits: its qubit arguments (controls first)
 * @op: native opcode, when the gate is exactly one (controlled) opcode
 * @nctrl: controls of that opcode
 * @nangles: angles of that opcode: the first @nangles parameters
 * @kind: enum qasm_builtin_kind; other kinds expand to several gates
 */
struct qasm_builtin {
	const char *name;
	uint8_t nparams;
	uint8_t nqubits;
	uint8_t op;
	uint8_t nctrl;
	uint8_t nangles;
	uint8_t kind;
};

const struct qasm_builtin *qasm_builtin_u(void);
const struct qasm_builtin *qasm_builtin_cx(void);

/* The gates of qelib1.inc; @n receives their number. */
const struct qasm_builtin *qasm_qelib1(size_t *n);

/*
 * qasm_builtin_apply() - append @b applied to @qubits (distinct, in range)
 * Return: 0 or the builder's -errno (-E2BIG: too many gates, -ENOMEM).
 */
int qasm_builtin_apply(const struct qasm_builtin *b,
		       const struct qasm_affine *args, const uint32_t *qubits,
		       struct qpu_circuit *c);

#endif /* LIBQPU_QASM_H */
