// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * qasm.c - OpenQASM 2.0 parser (arXiv:1707.03429), recursive descent.
 *
 * The program is read in one pass. Registers are laid out in declaration
 * order (qregs as the circuit's qubits, cregs as its classical bits), so
 * an operand's circuit index is known when it is read and the circuit
 * simply grows with each declaration. Statements append native gates as
 * they are read; gate definitions are kept as small trees (operations
 * with expression trees over the formal parameters) and inlined at each
 * use, with the actual parameters substituted. A body may only use gates
 * defined before it, so expansion always terminates; a budget on the
 * total expansion work stops exponential blow-ups of empty gates.
 *
 * Every name lives in one table: registers (qreg, creg, and the "param"
 * extension's parameter arrays) and gates. qelib1.inc is not read from
 * disk: including it enters the native gates of qasm_qelib1.c. Other
 * include files are read relative to the including file's directory and
 * parsed by the same code.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qasm.h"

#define QASM_HASH_SIZE		256
#define QASM_MAX_INCLUDE_DEPTH	32
#define QASM_MAX_EXPR_HEIGHT	1000
#define QASM_MAX_EXPR_NEST	256
/* Gates calling gates: bounds the recursion of the expansion. */
#define QASM_MAX_GATE_NEST	1000
/* Gate applications (native or user) one parse may expand. */
#define QASM_MAX_WORK		(1U << 24)

enum sym_kind {
	SYM_QREG,
	SYM_CREG,
	SYM_PARAM,
	SYM_GATE,
};

enum gate_kind {
	GATE_BUILTIN,
	GATE_USER,
	GATE_OPAQUE,
};

struct gate_op;

struct gate {
	enum gate_kind kind;
	const char *name;
	uint32_t nparams;
	uint32_t nqubits;
	uint32_t level;		/* 0 for native gates, else 1 + callees' */
	const struct qasm_builtin *builtin;
	struct gate_op *ops;
	uint32_t nops;
};

/* One statement of a gate body; @gate NULL is a barrier. */
struct gate_op {
	const struct gate *gate;
	struct qasm_loc loc;
	struct qasm_expr **args;
	uint32_t nargs;
	uint32_t *qargs;	/* indices of the formal qubit arguments */
	uint32_t nqargs;
};

struct sym {
	struct sym *next;
	char *name;
	enum sym_kind kind;
	uint32_t start;		/* registers: first qubit, bit or slot */
	uint32_t size;
	struct gate gate;
};

/* Formal names of the gate whose body is being read. */
struct scope {
	char **params;
	uint32_t nparams;
	char **qubits;
	uint32_t nqubits;
};

struct file_name {
	struct file_name *next;
	char name[];
};

struct parser {
	struct qasm_lexer *lx;
	struct qasm_diag diag;
	locale_t cloc;
	struct qpu_circuit *c;
	struct sym *syms[QASM_HASH_SIZE];
	struct file_name *files;
	const char *active[QASM_MAX_INCLUDE_DEPTH + 1];
	uint32_t depth;
	uint32_t num_qubits;
	uint32_t num_clbits;
	uint32_t num_params;
	uint64_t work;
	uint32_t nest;
	bool qelib1;
	struct scope *scope;
	struct gate gate_u;
	struct gate gate_cx;
};

/* A register operand: a whole register, or one element of it. */
struct reg_arg {
	struct qasm_loc loc;
	const struct sym *reg;
	bool whole;
	uint32_t index;
};

static const char *const reserved[] = {
	"OPENQASM", "include", "qreg", "creg", "gate", "opaque", "barrier",
	"measure", "reset", "if", "pi", "U", "CX", "sin", "cos", "tan", "exp",
	"ln", "sqrt",
};

/* Errors. */

static int perr(struct parser *p, const struct qasm_loc *loc, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, const struct qasm_loc *loc, const char *fmt,
		...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return qasm_error(&p->diag, -EINVAL, loc, "%s", msg);
}

static int oom(struct parser *p)
{
	return qasm_error(&p->diag, -ENOMEM, NULL, "out of memory");
}

/* An error of the circuit builder while appending a gate. */
static int emit_err(struct parser *p, int err, const struct qasm_loc *loc)
{
	if (err == -E2BIG)
		return qasm_error(&p->diag, -E2BIG, loc,
				  "circuit has more than %u gates", qpu_gate_limit);
	if (err == -ENOMEM)
		return oom(p);
	return qasm_error(&p->diag, err, loc, "cannot add gate: %s",
			  strerror(-err));
}

static const char *desc(struct parser *p, char *buf, size_t len)
{
	return qasm_tok_desc(&p->lx->tok, buf, len);
}

static const char *plural(uint32_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Tokens. */

static const struct qasm_tok *tok(struct parser *p)
{
	return &p->lx->tok;
}

static bool at(struct parser *p, enum qasm_tok_kind kind)
{
	return p->lx->tok.kind == kind;
}

static bool at_word(struct parser *p, const char *word)
{
	return qasm_tok_is(&p->lx->tok, word);
}

static int next(struct parser *p)
{
	return qasm_lex_next(p->lx);
}

/* Expect a token of @kind (described by @what) and step over it. */
static int expect(struct parser *p, enum qasm_tok_kind kind, const char *what)
{
	char buf[48];

	if (!at(p, kind))
		return perr(p, &tok(p)->loc, "expected %s, found %s", what,
			    desc(p, buf, sizeof(buf)));
	return next(p);
}

static int expect_semi(struct parser *p, const char *after)
{
	if (!at(p, QT_SEMI))
		return perr(p, &p->lx->prev_end, "expected ';' after %s", after);
	return next(p);
}

/* Symbols. */

static uint32_t hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h % QASM_HASH_SIZE;
}

static struct sym *lookup(struct parser *p, const char *name, size_t len)
{
	struct sym *s;

	for (s = p->syms[hash(name, len)]; s; s = s->next)
		if (strlen(s->name) == len && !memcmp(s->name, name, len))
			return s;
	return NULL;
}

static struct sym *lookup_tok(struct parser *p)
{
	return lookup(p, tok(p)->text, tok(p)->len);
}

static struct sym *add_sym(struct parser *p, const char *name, size_t len,
			   enum sym_kind kind)
{
	struct sym *s = calloc(1, sizeof(*s));
	uint32_t h = hash(name, len);

	if (!s)
		return NULL;
	s->name = strndup(name, len);
	if (!s->name) {
		free(s);
		return NULL;
	}
	s->kind = kind;
	s->gate.name = s->name;
	s->next = p->syms[h];
	p->syms[h] = s;
	return s;
}

static void free_gate_ops(struct gate_op *ops, uint32_t n)
{
	uint32_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < ops[i].nargs; j++)
			qasm_expr_free(ops[i].args[j]);
		free(ops[i].args);
		free(ops[i].qargs);
	}
	free(ops);
}

static void free_syms(struct parser *p)
{
	struct sym *s, *n;
	uint32_t i;

	for (i = 0; i < QASM_HASH_SIZE; i++) {
		for (s = p->syms[i]; s; s = n) {
			n = s->next;
			free_gate_ops(s->gate.ops, s->gate.nops);
			free(s->name);
			free(s);
		}
		p->syms[i] = NULL;
	}
}

static const char *kind_name(enum sym_kind kind)
{
	switch (kind) {
	case SYM_QREG:
		return "quantum register";
	case SYM_CREG:
		return "classical register";
	case SYM_PARAM:
		return "parameter array";
	default:
		return "gate";
	}
}

static bool is_reserved(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strlen(reserved[i]) == len && !memcmp(reserved[i], name, len))
			return true;
	return false;
}

/*
 * The current token must be a new name for a @kind: not reserved, not
 * declared before.
 */
static int check_new_name(struct parser *p, enum sym_kind kind)
{
	const struct qasm_tok *t = tok(p);
	const struct sym *s;
	char buf[48];

	if (t->kind != QT_ID)
		return perr(p, &t->loc, "expected a name, found %s",
			    desc(p, buf, sizeof(buf)));
	if (is_reserved(t->text, t->len))
		return perr(p, &t->loc, "'%.*s' is a reserved word", (int)t->len,
			    t->text);
	s = lookup_tok(p);
	if (!s)
		return 0;
	if (kind == SYM_GATE && s->kind == SYM_GATE)
		return perr(p, &t->loc, "gate '%s' already defined", s->name);
	if (kind != SYM_GATE && s->kind != SYM_GATE)
		return perr(p, &t->loc, "register '%s' already declared", s->name);
	return perr(p, &t->loc, "'%s' is already declared as a %s", s->name,
		    kind_name(s->kind));
}

/* Expressions. */

static int parse_expr(struct parser *p, struct qasm_expr **out);

static int node(struct parser *p, enum qasm_expr_kind kind,
		const struct qasm_loc *loc, struct qasm_expr *a,
		struct qasm_expr *b, struct qasm_expr **out)
{
	struct qasm_expr *e = qasm_expr_new(kind, loc);
	uint32_t h = 0;

	*out = NULL;
	if (!e) {
		qasm_expr_free(a);
		qasm_expr_free(b);
		return oom(p);
	}
	e->a = a;
	e->b = b;
	if (a)
		h = a->height;
	if (b && b->height > h)
		h = b->height;
	e->height = h + 1;
	if (e->height > QASM_MAX_EXPR_HEIGHT) {
		qasm_expr_free(e);
		return perr(p, loc, "expression too long or too deeply nested");
	}
	*out = e;
	return 0;
}

/* NAME[i] of a "param" declaration, outside gate bodies. */
static int parse_param_ref(struct parser *p, const struct sym *s,
			   struct qasm_expr **out)
{
	struct qasm_loc loc = tok(p)->loc;
	uint64_t idx;
	int ret;

	ret = next(p);
	if (ret)
		return ret;
	if (!at(p, QT_LBRACKET))
		return perr(p, &loc, "parameter array '%s' needs an index",
			    s->name);
	ret = next(p);
	if (ret)
		return ret;
	if (!at(p, QT_INT))
		return expect(p, QT_INT, "an integer index");
	idx = tok(p)->ival;
	if (idx >= s->size)
		return perr(p, &tok(p)->loc,
			    "parameter index %llu out of range for param %s[%u]",
			    (unsigned long long)idx, s->name, s->size);
	ret = next(p);
	if (!ret)
		ret = expect(p, QT_RBRACKET, "']'");
	if (ret)
		return ret;
	ret = node(p, QE_PARAM, &loc, NULL, NULL, out);
	if (!ret)
		(*out)->index = s->start + (uint32_t)idx;
	return ret;
}

static int parse_ident_expr(struct parser *p, struct qasm_expr **out)
{
	const struct qasm_tok *t = tok(p);
	struct qasm_loc loc = t->loc;
	struct qasm_expr *arg = NULL;
	const struct sym *s;
	uint32_t i;
	int f, ret;

	if (qasm_tok_is(t, "pi")) {
		ret = next(p);
		if (!ret)
			ret = node(p, QE_NUM, &loc, NULL, NULL, out);
		if (!ret)
			(*out)->num = M_PI;
		return ret;
	}
	f = qasm_func_lookup(t->text, t->len);
	if (f >= 0) {
		const char *fname = t->text;
		int flen = (int)t->len;

		ret = next(p);
		if (!ret && !at(p, QT_LPAREN))
			return perr(p, &tok(p)->loc, "expected '(' after '%.*s'",
				    flen, fname);
		if (!ret)
			ret = next(p);
		if (!ret)
			ret = parse_expr(p, &arg);
		if (!ret)
			ret = expect(p, QT_RPAREN, "')'");
		if (ret) {
			qasm_expr_free(arg);
			return ret;
		}
		ret = node(p, QE_FUNC, &loc, arg, NULL, out);
		if (!ret)
			(*out)->func = (enum qasm_func)f;
		return ret;
	}
	if (p->scope) {
		for (i = 0; i < p->scope->nparams; i++) {
			if (strlen(p->scope->params[i]) != t->len ||
			    memcmp(p->scope->params[i], t->text, t->len))
				continue;
			ret = next(p);
			if (!ret)
				ret = node(p, QE_FORMAL, &loc, NULL, NULL, out);
			if (!ret)
				(*out)->index = i;
			return ret;
		}
	}
	s = lookup_tok(p);
	if (s && s->kind == SYM_PARAM) {
		if (p->scope)
			return perr(p, &loc,
				    "'%s' is a runtime parameter: pass it to the gate instead",
				    s->name);
		return parse_param_ref(p, s, out);
	}
	if (s)
		return perr(p, &loc, "%s '%s' cannot be used in an expression",
			    kind_name(s->kind), s->name);
	return perr(p, &loc, "unknown identifier '%.*s' in expression",
		    (int)t->len, t->text);
}

static int parse_unary(struct parser *p, struct qasm_expr **out);

/* primary: number | pi | name | NAME[i] | func(expr) | (expr) */
static int parse_primary(struct parser *p, struct qasm_expr **out)
{
	const struct qasm_tok *t = tok(p);
	struct qasm_loc loc = t->loc;
	double num = t->num;
	char buf[48];
	int ret;

	switch (t->kind) {
	case QT_INT:
	case QT_REAL:
		ret = next(p);
		if (!ret)
			ret = node(p, QE_NUM, &loc, NULL, NULL, out);
		if (!ret)
			(*out)->num = num;
		return ret;
	case QT_ID:
		return parse_ident_expr(p, out);
	case QT_LPAREN:
		ret = next(p);
		if (!ret)
			ret = parse_expr(p, out);
		if (!ret)
			ret = expect(p, QT_RPAREN, "')'");
		if (ret) {
			qasm_expr_free(*out);
			*out = NULL;
		}
		return ret;
	default:
		return perr(p, &loc, "expected an expression, found %s",
			    desc(p, buf, sizeof(buf)));
	}
}

/* power: primary ['^' unary] (right associative; binds tighter than -) */
static int parse_power(struct parser *p, struct qasm_expr **out)
{
	struct qasm_expr *a = NULL, *b = NULL;
	struct qasm_loc loc;
	int ret;

	*out = NULL;
	ret = parse_primary(p, &a);
	if (ret || !at(p, QT_CARET)) {
		*out = a;
		return ret;
	}
	loc = tok(p)->loc;
	ret = next(p);
	if (!ret)
		ret = parse_unary(p, &b);
	if (ret) {
		qasm_expr_free(a);
		return ret;
	}
	return node(p, QE_POW, &loc, a, b, out);
}

/*
 * unary: ('-' | '+') unary | power. Every recursion of the expression
 * parser passes here, so this is where its depth is bounded.
 */
static int parse_unary(struct parser *p, struct qasm_expr **out)
{
	struct qasm_expr *a = NULL;
	struct qasm_loc loc = tok(p)->loc;
	bool neg;
	int ret;

	*out = NULL;
	if (p->nest >= QASM_MAX_EXPR_NEST)
		return perr(p, &loc, "expression too deeply nested");
	p->nest++;
	if (!at(p, QT_MINUS) && !at(p, QT_PLUS)) {
		ret = parse_power(p, out);
		p->nest--;
		return ret;
	}
	neg = at(p, QT_MINUS);
	ret = next(p);
	if (!ret)
		ret = parse_unary(p, &a);
	p->nest--;
	if (ret || !neg) {
		*out = a;
		return ret;
	}
	return node(p, QE_NEG, &loc, a, NULL, out);
}

/* Left-associative levels: term = unary (* /), expr = term (+ -). */
static int parse_binary(struct parser *p, bool additive, struct qasm_expr **out)
{
	struct qasm_expr *a = NULL, *b = NULL;
	enum qasm_expr_kind kind;
	struct qasm_loc loc;
	int ret;

	ret = additive ? parse_binary(p, false, &a) : parse_unary(p, &a);
	while (!ret) {
		if (additive && at(p, QT_PLUS))
			kind = QE_ADD;
		else if (additive && at(p, QT_MINUS))
			kind = QE_SUB;
		else if (!additive && at(p, QT_STAR))
			kind = QE_MUL;
		else if (!additive && at(p, QT_SLASH))
			kind = QE_DIV;
		else
			break;
		loc = tok(p)->loc;
		b = NULL;
		ret = next(p);
		if (!ret)
			ret = additive ? parse_binary(p, false, &b) :
					 parse_unary(p, &b);
		if (ret) {
			qasm_expr_free(b);
			break;
		}
		ret = node(p, kind, &loc, a, b, &a);
		if (ret)
			return ret;	/* node() freed both sides */
	}
	if (ret) {
		qasm_expr_free(a);
		return ret;
	}
	*out = a;
	return 0;
}

static int parse_expr(struct parser *p, struct qasm_expr **out)
{
	*out = NULL;
	return parse_binary(p, true, out);
}

static void free_exprs(struct qasm_expr **e, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		qasm_expr_free(e[i]);
	free(e);
}

/* Optional "( explist? )" after a gate name. */
static int parse_call_params(struct parser *p, struct qasm_expr ***out,
			     uint32_t *n)
{
	struct qasm_expr **v = NULL, **nv;
	uint32_t cap = 0;
	int ret;

	*out = NULL;
	*n = 0;
	if (!at(p, QT_LPAREN))
		return 0;
	ret = next(p);
	if (ret)
		return ret;
	if (at(p, QT_RPAREN))
		return next(p);
	for (;;) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				ret = oom(p);
				break;
			}
			v = nv;
		}
		ret = parse_expr(p, &v[*n]);
		if (ret)
			break;
		(*n)++;
		if (!at(p, QT_COMMA))
			break;
		ret = next(p);
		if (ret)
			break;
	}
	if (!ret)
		ret = expect(p, QT_RPAREN, "',' or ')'");
	if (ret) {
		free_exprs(v, *n);
		*n = 0;
		return ret;
	}
	*out = v;
	return 0;
}

/* Evaluate an angle; it must come out finite. */
static int eval_angle(struct parser *p, const struct qasm_expr *e,
		      const struct qasm_affine *env, struct qasm_affine *out)
{
	int ret = qasm_expr_eval(e, env, p->c, &p->diag, out);

	if (ret)
		return ret;
	if (!isfinite(out->offset) || !isfinite(out->scale))
		return perr(p, &e->loc, "angle expression is not finite");
	return 0;
}

/* Gate application and expansion. */

static int apply_gate(struct parser *p, const struct gate *g,
		      const struct qasm_affine *args, const uint32_t *qubits,
		      const struct qasm_loc *loc);

static int apply_body(struct parser *p, const struct gate *g,
		      const struct qasm_affine *args, const uint32_t *qubits)
{
	struct qasm_affine *vals = NULL;
	uint32_t *qs = NULL, i, j;
	int ret = 0;

	for (i = 0; i < g->nops && !ret; i++) {
		const struct gate_op *op = &g->ops[i];

		if (!op->gate) {
			ret = qpu_circuit_barrier(p->c);
			if (ret)
				ret = emit_err(p, ret, &op->loc);
			continue;
		}
		vals = calloc(op->nargs + 1, sizeof(*vals));
		qs = calloc(op->nqargs + 1, sizeof(*qs));
		if (!vals || !qs) {
			ret = oom(p);
			break;
		}
		for (j = 0; j < op->nargs && !ret; j++)
			ret = eval_angle(p, op->args[j], args, &vals[j]);
		for (j = 0; j < op->nqargs; j++)
			qs[j] = qubits[op->qargs[j]];
		if (!ret)
			ret = apply_gate(p, op->gate, vals, qs, &op->loc);
		free(vals);
		free(qs);
		vals = NULL;
		qs = NULL;
	}
	free(vals);
	free(qs);
	return ret;
}

static int apply_gate(struct parser *p, const struct gate *g,
		      const struct qasm_affine *args, const uint32_t *qubits,
		      const struct qasm_loc *loc)
{
	int ret;

	if (++p->work > QASM_MAX_WORK)
		return perr(p, loc, "gate expansion too large (more than %u gate applications)",
			    QASM_MAX_WORK);
	switch (g->kind) {
	case GATE_OPAQUE:
		return perr(p, loc, "opaque gate '%s' cannot be executed",
			    g->name);
	case GATE_BUILTIN:
		ret = qasm_builtin_apply(g->builtin, args, qubits, p->c);
		return ret ? emit_err(p, ret, loc) : 0;
	default:
		return apply_body(p, g, args, qubits);
	}
}

/* Register operands. */

/* qreg or creg operand: NAME or NAME[i]. */
static int parse_reg_arg(struct parser *p, enum sym_kind kind,
			 struct reg_arg *a)
{
	const struct qasm_tok *t = tok(p);
	const struct sym *s;
	char buf[48];
	int ret;

	memset(a, 0, sizeof(*a));
	a->loc = t->loc;
	if (t->kind != QT_ID)
		return perr(p, &t->loc, "expected a %s operand, found %s",
			    kind == SYM_QREG ? "qubit" : "bit",
			    desc(p, buf, sizeof(buf)));
	s = lookup_tok(p);
	if (!s)
		return perr(p, &t->loc, "undeclared register '%.*s'",
			    (int)t->len, t->text);
	if (s->kind != kind)
		return perr(p, &t->loc, "'%s' is not a %s", s->name,
			    kind_name(kind));
	a->reg = s;
	a->whole = true;
	ret = next(p);
	if (ret || !at(p, QT_LBRACKET))
		return ret;
	ret = next(p);
	if (ret)
		return ret;
	if (!at(p, QT_INT))
		return expect(p, QT_INT, "an integer index");
	if (tok(p)->ival >= s->size)
		return perr(p, &tok(p)->loc,
			    "%s index %llu out of range for register %s[%u]",
			    kind == SYM_QREG ? "qubit" : "bit",
			    (unsigned long long)tok(p)->ival, s->name, s->size);
	a->whole = false;
	a->index = (uint32_t)tok(p)->ival;
	ret = next(p);
	return ret ? ret : expect(p, QT_RBRACKET, "']'");
}

static uint32_t reg_elem(const struct reg_arg *a, uint32_t i)
{
	return a->reg->start + (a->whole ? i : a->index);
}

/* Comma-separated qubit operands (at least one). */
static int parse_reg_args(struct parser *p, struct reg_arg **out, uint32_t *n)
{
	struct reg_arg *v = NULL, *nv;
	uint32_t cap = 0;
	int ret;

	*n = 0;
	for (;;) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				ret = oom(p);
				break;
			}
			v = nv;
		}
		ret = parse_reg_arg(p, SYM_QREG, &v[*n]);
		if (ret)
			break;
		(*n)++;
		if (!at(p, QT_COMMA))
			break;
		ret = next(p);
		if (ret)
			break;
	}
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	return 0;
}

/*
 * Size of a broadcast over @a: the size of its whole registers, which
 * must agree (1 if all operands are single qubits).
 */
static int broadcast_size(struct parser *p, const struct reg_arg *a,
			  uint32_t n, uint32_t *size)
{
	const struct reg_arg *first = NULL;
	uint32_t i;

	*size = 1;
	for (i = 0; i < n; i++) {
		if (!a[i].whole)
			continue;
		if (!first) {
			first = &a[i];
			*size = a[i].reg->size;
		} else if (a[i].reg->size != *size) {
			return perr(p, &a[i].loc,
				    "register size mismatch: %s[%u] and %s[%u]",
				    first->reg->name, first->reg->size,
				    a[i].reg->name, a[i].reg->size);
		}
	}
	return 0;
}

/* Gate name at the current token: U, CX, or a declared gate. */
static int resolve_gate(struct parser *p, const struct gate **g)
{
	const struct qasm_tok *t = tok(p);
	const struct sym *s;

	if (qasm_tok_is(t, "U")) {
		*g = &p->gate_u;
		return 0;
	}
	if (qasm_tok_is(t, "CX")) {
		*g = &p->gate_cx;
		return 0;
	}
	s = lookup_tok(p);
	if (!s)
		return perr(p, &t->loc, "unknown gate '%.*s'", (int)t->len,
			    t->text);
	if (s->kind != SYM_GATE)
		return perr(p, &t->loc, "'%s' is a %s, not a gate", s->name,
			    kind_name(s->kind));
	*g = &s->gate;
	return 0;
}

static int check_nparams(struct parser *p, const struct gate *g, uint32_t n,
			 const struct qasm_loc *loc)
{
	if (n == g->nparams)
		return 0;
	return perr(p, loc, "gate '%s' takes %u %s, got %u", g->name,
		    g->nparams, plural(g->nparams, "parameter", "parameters"), n);
}

static int check_nqubits(struct parser *p, const struct gate *g, uint32_t n,
			 const struct qasm_loc *loc)
{
	if (n == g->nqubits)
		return 0;
	return perr(p, loc, "gate '%s' takes %u qubit %s, got %u", g->name,
		    g->nqubits, plural(g->nqubits, "argument", "arguments"), n);
}

/* Apply @g to @a, broadcast over whole registers. */
static int apply_broadcast(struct parser *p, const struct gate *g,
			   const struct qasm_affine *vals,
			   const struct reg_arg *a, uint32_t n,
			   const struct qasm_loc *loc)
{
	uint32_t size, i, j, k, *qs;
	int ret;

	ret = broadcast_size(p, a, n, &size);
	if (ret)
		return ret;
	qs = calloc(n, sizeof(*qs));
	if (!qs)
		return oom(p);
	if (g->kind == GATE_USER) {
		p->diag.ctx_gate = g->name;
		p->diag.ctx_loc = *loc;
	}
	for (i = 0; i < size && !ret; i++) {
		for (j = 0; j < n && !ret; j++) {
			qs[j] = reg_elem(&a[j], i);
			for (k = 0; k < j; k++)
				if (qs[k] == qs[j])
					break;
			if (k < j) {
				p->diag.ctx_gate = NULL;
				ret = perr(p, &a[j].loc,
					   "duplicate qubit argument %s[%u]",
					   a[j].reg->name,
					   qs[j] - a[j].reg->start);
			}
		}
		if (!ret)
			ret = apply_gate(p, g, vals, qs, loc);
	}
	p->diag.ctx_gate = NULL;
	free(qs);
	return ret;
}

/* uop at top level: U(...) a; | CX a, b; | name[(params)] args; */
static int parse_uop(struct parser *p)
{
	struct qasm_loc loc = tok(p)->loc;
	struct qasm_affine *vals = NULL;
	struct qasm_expr **params = NULL;
	struct reg_arg *args = NULL;
	uint32_t np = 0, na = 0, i;
	const struct gate *g;
	int ret;

	ret = resolve_gate(p, &g);
	if (!ret)
		ret = next(p);
	if (!ret)
		ret = parse_call_params(p, &params, &np);
	if (!ret)
		ret = check_nparams(p, g, np, &loc);
	if (!ret)
		ret = parse_reg_args(p, &args, &na);
	if (!ret)
		ret = check_nqubits(p, g, na, &loc);
	if (!ret)
		ret = expect_semi(p, "statement");
	if (!ret && g->kind == GATE_OPAQUE)
		ret = perr(p, &loc, "opaque gate '%s' cannot be executed",
			   g->name);
	if (!ret) {
		vals = calloc(np + 1, sizeof(*vals));
		if (!vals)
			ret = oom(p);
	}
	for (i = 0; i < np && !ret; i++)
		ret = eval_angle(p, params[i], NULL, &vals[i]);
	if (!ret)
		ret = apply_broadcast(p, g, vals, args, na, &loc);
	free(vals);
	free(args);
	free_exprs(params, np);
	return ret;
}

static int parse_measure(struct parser *p)
{
	struct reg_arg q, b;
	uint32_t size = 1, i;
	int ret;

	ret = next(p);
	if (!ret)
		ret = parse_reg_arg(p, SYM_QREG, &q);
	if (!ret)
		ret = expect(p, QT_ARROW, "'->'");
	if (!ret)
		ret = parse_reg_arg(p, SYM_CREG, &b);
	if (!ret)
		ret = expect_semi(p, "statement");
	if (ret)
		return ret;
	if (q.whole != b.whole)
		return perr(p, &b.loc, q.whole ?
			    "cannot measure register '%s' into a single bit" :
			    "cannot measure a single qubit into register '%s'",
			    q.whole ? q.reg->name : b.reg->name);
	if (q.whole) {
		if (q.reg->size != b.reg->size)
			return perr(p, &b.loc,
				    "register size mismatch: %s[%u] and %s[%u]",
				    q.reg->name, q.reg->size, b.reg->name,
				    b.reg->size);
		size = q.reg->size;
	}
	for (i = 0; i < size; i++) {
		ret = qpu_circuit_measure(p->c, reg_elem(&q, i), reg_elem(&b, i));
		if (ret)
			return emit_err(p, ret, &q.loc);
	}
	return 0;
}

static int parse_reset(struct parser *p)
{
	struct reg_arg q;
	uint32_t i;
	int ret;

	ret = next(p);
	if (!ret)
		ret = parse_reg_arg(p, SYM_QREG, &q);
	if (!ret)
		ret = expect_semi(p, "statement");
	for (i = 0; !ret && i < (q.whole ? q.reg->size : 1); i++) {
		ret = qpu_circuit_reset(p->c, reg_elem(&q, i));
		if (ret)
			ret = emit_err(p, ret, &q.loc);
	}
	return ret;
}

static int parse_barrier(struct parser *p)
{
	struct qasm_loc loc = tok(p)->loc;
	struct reg_arg *args = NULL;
	uint32_t n;
	int ret;

	ret = next(p);
	if (!ret)
		ret = parse_reg_args(p, &args, &n);
	free(args);
	if (!ret)
		ret = expect_semi(p, "statement");
	if (!ret) {
		ret = qpu_circuit_barrier(p->c);
		if (ret)
			ret = emit_err(p, ret, &loc);
	}
	return ret;
}

/* if (creg == n) qop */
static int parse_if(struct parser *p)
{
	const struct sym *s;
	uint64_t value;
	char buf[48];
	int ret, ret2;

	ret = next(p);
	if (!ret)
		ret = expect(p, QT_LPAREN, "'('");
	if (ret)
		return ret;
	if (!at(p, QT_ID))
		return expect(p, QT_ID, "a classical register");
	s = lookup_tok(p);
	if (!s)
		return perr(p, &tok(p)->loc, "undeclared register '%.*s'",
			    (int)tok(p)->len, tok(p)->text);
	if (s->kind != SYM_CREG)
		return perr(p, &tok(p)->loc, "'%s' is not a classical register",
			    s->name);
	ret = next(p);
	if (!ret)
		ret = expect(p, QT_EQEQ, "'=='");
	if (ret)
		return ret;
	if (!at(p, QT_INT))
		return expect(p, QT_INT, "an integer");
	value = tok(p)->ival;
	if (tok(p)->overflow || (s->size < 64 && value >> s->size))
		return perr(p, &tok(p)->loc,
			    "condition value %.*s does not fit creg %s[%u]",
			    (int)tok(p)->len, tok(p)->text, s->name, s->size);
	ret = next(p);
	if (!ret)
		ret = expect(p, QT_RPAREN, "')'");
	if (ret)
		return ret;

	ret = qpu_circuit_set_cond(p->c, s->start, s->size, value);
	if (ret)
		return emit_err(p, ret, &tok(p)->loc);
	if (at_word(p, "measure"))
		ret = parse_measure(p);
	else if (at_word(p, "reset"))
		ret = parse_reset(p);
	else if (at(p, QT_ID) && !is_reserved(tok(p)->text, tok(p)->len))
		ret = parse_uop(p);
	else if (at_word(p, "U") || at_word(p, "CX"))
		ret = parse_uop(p);
	else
		ret = perr(p, &tok(p)->loc,
			   "expected a gate, measure or reset after if (...), found %s",
			   desc(p, buf, sizeof(buf)));
	ret2 = qpu_circuit_set_cond(p->c, 0, 0, 0);
	return ret ? ret : ret2;
}

/* Declarations. */

/* qreg NAME[n]; creg NAME[n]; param NAME[n]; */
static int parse_decl(struct parser *p, enum sym_kind kind)
{
	static const char *const what[] = {
		[SYM_QREG] = "qubits", [SYM_CREG] = "classical bits",
		[SYM_PARAM] = "parameter slots",
	};
	static const uint32_t limit[] = {
		[SYM_QREG] = QPU_MAX_QUBITS, [SYM_CREG] = QPU_MAX_CLBITS,
		[SYM_PARAM] = QPU_MAX_PARAMS,
	};
	uint32_t *total = kind == SYM_QREG ? &p->num_qubits :
			  kind == SYM_CREG ? &p->num_clbits : &p->num_params;
	struct qasm_tok name;
	struct qasm_loc size_loc;
	char buf[48], *pname;
	uint64_t size;
	struct sym *s;
	uint32_t i;
	int ret;

	ret = next(p);
	if (!ret)
		ret = check_new_name(p, kind);
	if (ret)
		return ret;
	name = *tok(p);
	ret = next(p);
	if (!ret)
		ret = expect(p, QT_LBRACKET, "'['");
	if (ret)
		return ret;
	if (!at(p, QT_INT))
		return perr(p, &tok(p)->loc, "expected an integer size, found %s",
			    desc(p, buf, sizeof(buf)));
	size = tok(p)->ival;
	size_loc = tok(p)->loc;
	if (!size)
		return perr(p, &size_loc, "register '%.*s' must have at least one element",
			    (int)name.len, name.text);
	if (size > limit[kind] - *total)
		return perr(p, &size_loc, "too many %s: %llu declared, the limit is %u",
			    what[kind], (unsigned long long)(size + *total),
			    limit[kind]);
	ret = next(p);
	if (!ret)
		ret = expect(p, QT_RBRACKET, "']'");
	if (!ret)
		ret = expect_semi(p, "declaration");
	if (ret)
		return ret;

	s = add_sym(p, name.text, name.len, kind);
	if (!s)
		return oom(p);
	s->start = *total;
	s->size = (uint32_t)size;
	*total += (uint32_t)size;
	switch (kind) {
	case SYM_QREG:
	case SYM_CREG:
		ret = qpu__circuit_grow(p->c, p->num_qubits, p->num_clbits);
		if (!ret && kind == SYM_CREG) {
			ret = qpu_circuit_add_creg(p->c, s->name, s->size);
			ret = ret < 0 ? ret : 0;
		}
		break;
	default:
		/* Slot names "theta[2]", as qpu_circuit_param_name() gives them. */
		pname = malloc(strlen(s->name) + 16);
		if (!pname)
			return oom(p);
		for (i = 0; i < s->size && !ret; i++) {
			sprintf(pname, "%s[%u]", s->name, i);
			ret = qpu__circuit_set_param_name(p->c, s->start + i, pname);
		}
		free(pname);
		if (!ret)
			ret = qpu_circuit_set_num_params(p->c, p->num_params);
		break;
	}
	return ret ? emit_err(p, ret, &name.loc) : 0;
}

static void free_names(char **v, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool name_in(char **v, uint32_t n, const struct qasm_tok *t)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (strlen(v[i]) == t->len && !memcmp(v[i], t->text, t->len))
			return true;
	return false;
}

/* Append the current identifier to @v; it must be a fresh formal name. */
static int push_formal(struct parser *p, struct scope *sc, bool qubit)
{
	const struct qasm_tok *t = tok(p);
	char ***v = qubit ? &sc->qubits : &sc->params;
	uint32_t *n = qubit ? &sc->nqubits : &sc->nparams;
	char buf[48], **nv;

	if (t->kind != QT_ID)
		return perr(p, &t->loc, "expected a %s name, found %s",
			    qubit ? "qubit argument" : "parameter",
			    desc(p, buf, sizeof(buf)));
	if (is_reserved(t->text, t->len))
		return perr(p, &t->loc, "'%.*s' is a reserved word", (int)t->len,
			    t->text);
	if (name_in(sc->params, sc->nparams, t) ||
	    name_in(sc->qubits, sc->nqubits, t))
		return perr(p, &t->loc, "duplicate argument name '%.*s'",
			    (int)t->len, t->text);
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return oom(p);
	*v = nv;
	nv[*n] = strndup(t->text, t->len);
	if (!nv[*n])
		return oom(p);
	(*n)++;
	return next(p);
}

/* Formal qubit operand inside a body: a bare argument name. */
static int parse_formal_qubit(struct parser *p, uint32_t *idx)
{
	const struct qasm_tok *t = tok(p);
	char buf[48];
	uint32_t i;
	int ret;

	if (t->kind != QT_ID)
		return perr(p, &t->loc, "expected a qubit argument, found %s",
			    desc(p, buf, sizeof(buf)));
	for (i = 0; i < p->scope->nqubits; i++)
		if (strlen(p->scope->qubits[i]) == t->len &&
		    !memcmp(p->scope->qubits[i], t->text, t->len))
			break;
	if (i == p->scope->nqubits)
		return perr(p, &t->loc, "'%.*s' is not a qubit argument of this gate",
			    (int)t->len, t->text);
	*idx = i;
	ret = next(p);
	if (!ret && at(p, QT_LBRACKET))
		ret = perr(p, &tok(p)->loc,
			   "qubit arguments cannot be indexed inside a gate body");
	return ret;
}

static int parse_formal_qubits(struct parser *p, struct gate_op *op)
{
	struct qasm_loc loc;
	uint32_t *nv, i;
	int ret;

	for (;;) {
		nv = realloc(op->qargs, (op->nqargs + 1) * sizeof(*nv));
		if (!nv)
			return oom(p);
		op->qargs = nv;
		loc = tok(p)->loc;
		ret = parse_formal_qubit(p, &nv[op->nqargs]);
		if (ret)
			return ret;
		for (i = 0; i < op->nqargs; i++)
			if (op->qargs[i] == nv[op->nqargs])
				return perr(p, &loc,
					    "duplicate qubit argument '%s'",
					    p->scope->qubits[op->qargs[i]]);
		op->nqargs++;
		if (!at(p, QT_COMMA))
			return 0;
		ret = next(p);
		if (ret)
			return ret;
	}
}

/* One statement of a gate body: a gate application or a barrier. */
static int parse_body_op(struct parser *p, struct gate_op *op)
{
	static const char *const banned[] = {
		"measure", "reset", "if", "qreg", "creg", "gate", "opaque",
		"include", "OPENQASM",
	};
	const struct qasm_tok *t = tok(p);
	struct qasm_loc loc = t->loc;
	char buf[48];
	size_t i;
	int ret;

	memset(op, 0, sizeof(*op));
	op->loc = loc;
	if (t->kind != QT_ID)
		return perr(p, &loc, "expected a gate or barrier in gate body, found %s",
			    desc(p, buf, sizeof(buf)));
	for (i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if (qasm_tok_is(t, banned[i]))
			return perr(p, &loc, "'%s' is not allowed in a gate body",
				    banned[i]);
	if (qasm_tok_is(t, "barrier")) {
		ret = next(p);
		if (!ret)
			ret = parse_formal_qubits(p, op);
		return ret ? ret : expect_semi(p, "statement");
	}
	ret = resolve_gate(p, &op->gate);
	if (!ret)
		ret = next(p);
	if (!ret)
		ret = parse_call_params(p, &op->args, &op->nargs);
	if (!ret)
		ret = check_nparams(p, op->gate, op->nargs, &loc);
	if (!ret)
		ret = parse_formal_qubits(p, op);
	if (!ret)
		ret = check_nqubits(p, op->gate, op->nqargs, &loc);
	return ret ? ret : expect_semi(p, "statement");
}

/* gate NAME[(params)] qubits { body }  |  opaque NAME[(params)] qubits; */
static int parse_gate_decl(struct parser *p, bool opaque)
{
	struct scope sc = { 0 };
	struct gate_op *ops = NULL, *nops;
	uint32_t nop = 0, cap = 0, level = 1, i;
	struct qasm_tok name;
	struct sym *s;
	int ret;

	ret = next(p);
	if (!ret)
		ret = check_new_name(p, SYM_GATE);
	if (ret)
		return ret;
	name = *tok(p);
	ret = next(p);
	if (!ret && at(p, QT_LPAREN)) {
		ret = next(p);
		while (!ret && !at(p, QT_RPAREN)) {
			ret = push_formal(p, &sc, false);
			if (!ret && at(p, QT_COMMA))
				ret = next(p);
			else if (!ret && !at(p, QT_RPAREN))
				ret = expect(p, QT_RPAREN, "',' or ')'");
		}
		if (!ret)
			ret = next(p);
	}
	while (!ret) {
		ret = push_formal(p, &sc, true);
		if (ret || !at(p, QT_COMMA))
			break;
		ret = next(p);
	}
	if (ret)
		goto out;

	if (opaque) {
		ret = expect_semi(p, "opaque declaration");
	} else {
		ret = expect(p, QT_LBRACE, "'{'");
		p->scope = &sc;
		while (!ret && !at(p, QT_RBRACE)) {
			if (at(p, QT_EOF)) {
				ret = perr(p, &tok(p)->loc,
					   "expected '}' to end gate '%.*s'",
					   (int)name.len, name.text);
				break;
			}
			if (nop == cap) {
				cap = cap ? cap * 2 : 8;
				nops = realloc(ops, cap * sizeof(*ops));
				if (!nops) {
					ret = oom(p);
					break;
				}
				ops = nops;
			}
			ret = parse_body_op(p, &ops[nop]);
			nop++;	/* freed with the others, even half-parsed */
		}
		p->scope = NULL;
		if (!ret)
			ret = next(p);
	}
	for (i = 0; i < nop && !ret; i++) {
		if (ops[i].gate && ops[i].gate->level >= level)
			level = ops[i].gate->level + 1;
		if (level > QASM_MAX_GATE_NEST)
			ret = perr(p, &name.loc,
				   "gate '%.*s' nests gate calls more than %u deep",
				   (int)name.len, name.text, QASM_MAX_GATE_NEST);
	}
	if (ret)
		goto out;

	s = add_sym(p, name.text, name.len, SYM_GATE);
	if (!s) {
		ret = oom(p);
		goto out;
	}
	s->gate.kind = opaque ? GATE_OPAQUE : GATE_USER;
	s->gate.nparams = sc.nparams;
	s->gate.nqubits = sc.nqubits;
	s->gate.level = level;
	s->gate.ops = ops;
	s->gate.nops = nop;
	ops = NULL;
	nop = 0;
out:
	free_gate_ops(ops, nop);
	free_names(sc.params, sc.nparams);
	free_names(sc.qubits, sc.nqubits);
	return ret;
}

/* Includes. */

static int include_qelib1(struct parser *p, const struct qasm_loc *loc)
{
	const struct qasm_builtin *b;
	struct sym *s;
	size_t n, i;

	if (p->qelib1)
		return 0;
	b = qasm_qelib1(&n);
	for (i = 0; i < n; i++) {
		s = lookup(p, b[i].name, strlen(b[i].name));
		if (s)
			return perr(p, loc,
				    "qelib1.inc defines '%s', already declared as a %s",
				    s->name, kind_name(s->kind));
		s = add_sym(p, b[i].name, strlen(b[i].name), SYM_GATE);
		if (!s)
			return oom(p);
		s->gate.kind = GATE_BUILTIN;
		s->gate.builtin = &b[i];
		s->gate.nparams = b[i].nparams;
		s->gate.nqubits = b[i].nqubits;
	}
	p->qelib1 = true;
	return 0;
}

/* Keep a file name for the positions that refer to it. */
static const char *keep_name(struct parser *p, const char *name)
{
	size_t len = strlen(name);
	struct file_name *f = malloc(sizeof(*f) + len + 1);

	if (!f)
		return NULL;
	memcpy(f->name, name, len + 1);
	f->next = p->files;
	p->files = f;
	return f->name;
}

/* Read a whole file into a NUL-terminated buffer. */
static int read_file(const char *path, char **text, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *buf = NULL, *nb;
	FILE *f;
	int ret = 0;

	f = fopen(path, "rb");
	if (!f)
		return -errno;
	for (;;) {
		nb = realloc(buf, cap + 1);
		if (!nb) {
			ret = -ENOMEM;
			break;
		}
		buf = nb;
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f))
				ret = -EIO;
			break;
		}
		if (cap > SIZE_MAX / 4) {
			ret = -EFBIG;
			break;
		}
		cap *= 2;
	}
	fclose(f);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static int parse_source(struct parser *p, const char *text, size_t len,
			const char *file, bool main_file);

/* Resolve @name against the directory of the file being read. */
static char *include_path(const char *cur, const char *name, size_t len)
{
	const char *slash = strrchr(cur, '/');
	size_t dlen = slash ? (size_t)(slash - cur) + 1 : 0;
	char *path;

	if (len && name[0] == '/')
		dlen = 0;
	path = malloc(dlen + len + 1);
	if (!path)
		return NULL;
	memcpy(path, cur, dlen);
	memcpy(path + dlen, name, len);
	path[dlen + len] = '\0';
	return path;
}

static int parse_include(struct parser *p)
{
	struct qasm_loc loc;
	struct qasm_tok name;
	const char *kept;
	char *path, *text;
	size_t len;
	uint32_t i;
	int ret;

	ret = next(p);
	if (ret)
		return ret;
	if (!at(p, QT_STRING))
		return expect(p, QT_STRING, "a file name in double quotes");
	name = *tok(p);
	loc = name.loc;
	ret = next(p);
	if (!ret)
		ret = expect_semi(p, "include");
	if (ret)
		return ret;
	if (name.len == strlen("qelib1.inc") &&
	    !memcmp(name.text, "qelib1.inc", name.len))
		return include_qelib1(p, &loc);

	if (p->depth >= QASM_MAX_INCLUDE_DEPTH)
		return perr(p, &loc, "includes nested more than %u deep",
			    QASM_MAX_INCLUDE_DEPTH);
	path = include_path(p->lx->file, name.text, name.len);
	if (!path)
		return oom(p);
	for (i = 0; i <= p->depth; i++) {
		if (p->active[i] && !strcmp(p->active[i], path)) {
			ret = perr(p, &loc, "'%s' includes itself", path);
			free(path);
			return ret;
		}
	}
	ret = read_file(path, &text, &len);
	if (ret) {
		ret = qasm_error(&p->diag, ret, &loc,
				 "cannot read include file '%s': %s", path,
				 strerror(-ret));
		free(path);
		return ret;
	}
	kept = keep_name(p, path);
	free(path);
	if (!kept) {
		free(text);
		return oom(p);
	}
	ret = parse_source(p, text, len, kept, false);
	free(text);
	return ret;
}

/* Statements. */

static int parse_statement(struct parser *p)
{
	const struct qasm_tok *t = tok(p);
	const struct sym *s;
	char buf[48];

	if (t->kind != QT_ID)
		return perr(p, &t->loc, "expected a statement, found %s",
			    desc(p, buf, sizeof(buf)));
	if (qasm_tok_is(t, "include"))
		return parse_include(p);
	if (qasm_tok_is(t, "qreg"))
		return parse_decl(p, SYM_QREG);
	if (qasm_tok_is(t, "creg"))
		return parse_decl(p, SYM_CREG);
	if (qasm_tok_is(t, "gate"))
		return parse_gate_decl(p, false);
	if (qasm_tok_is(t, "opaque"))
		return parse_gate_decl(p, true);
	if (qasm_tok_is(t, "measure"))
		return parse_measure(p);
	if (qasm_tok_is(t, "reset"))
		return parse_reset(p);
	if (qasm_tok_is(t, "barrier"))
		return parse_barrier(p);
	if (qasm_tok_is(t, "if"))
		return parse_if(p);
	if (qasm_tok_is(t, "OPENQASM"))
		return perr(p, &t->loc,
			    "the OPENQASM header must be the first statement");
	if (qasm_tok_is(t, "param")) {
		/* The extension's keyword, unless a gate took the name. */
		s = lookup_tok(p);
		if (!s || s->kind != SYM_GATE)
			return parse_decl(p, SYM_PARAM);
	}
	if (qasm_tok_is(t, "U") || qasm_tok_is(t, "CX") ||
	    !is_reserved(t->text, t->len))
		return parse_uop(p);
	return perr(p, &t->loc, "unexpected '%.*s'", (int)t->len, t->text);
}

/* OPENQASM 2.0; (required in the main file, allowed in included ones) */
static int parse_header(struct parser *p, bool required)
{
	struct qasm_loc loc = tok(p)->loc;
	char buf[48];
	int ret;

	if (!at_word(p, "OPENQASM")) {
		if (!required)
			return 0;
		return perr(p, &loc, "expected 'OPENQASM 2.0;' header, found %s",
			    desc(p, buf, sizeof(buf)));
	}
	ret = next(p);
	if (ret)
		return ret;
	if (!at(p, QT_INT) && !at(p, QT_REAL))
		return perr(p, &tok(p)->loc, "expected a version number, found %s",
			    desc(p, buf, sizeof(buf)));
	if (tok(p)->num != 2.0)
		return perr(p, &tok(p)->loc,
			    "unsupported OpenQASM version %.*s (only 2.0 is supported)",
			    (int)tok(p)->len, tok(p)->text);
	ret = next(p);
	return ret ? ret : expect_semi(p, "the version");
}

static int parse_source(struct parser *p, const char *text, size_t len,
			const char *file, bool main_file)
{
	struct qasm_lexer lx, *saved = p->lx;
	int ret;

	qasm_lex_init(&lx, text, len, file, p->cloc, &p->diag);
	p->lx = &lx;
	p->active[p->depth++] = file;
	ret = next(p);
	if (!ret)
		ret = parse_header(p, main_file);
	while (!ret && !at(p, QT_EOF))
		ret = parse_statement(p);
	if (!ret && main_file && !p->num_qubits)
		ret = perr(p, &tok(p)->loc, "the program declares no qubits (qreg)");
	p->active[--p->depth] = NULL;
	p->lx = saved;
	return ret;
}

static int qasm_parse(const char *text, size_t len, const char *filename,
		      struct qpu_circuit **out, char *err, size_t errlen)
{
	struct parser *p;
	struct file_name *f;
	const char *file;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->diag.buf = err;
	p->diag.len = err ? errlen : 0;
	p->gate_u.kind = GATE_BUILTIN;
	p->gate_u.builtin = qasm_builtin_u();
	p->gate_u.name = "U";
	p->gate_u.nparams = 3;
	p->gate_u.nqubits = 1;
	p->gate_cx.kind = GATE_BUILTIN;
	p->gate_cx.builtin = qasm_builtin_cx();
	p->gate_cx.name = "CX";
	p->gate_cx.nqubits = 2;

	p->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	p->c = qpu__circuit_alloc(0, 0);
	file = keep_name(p, filename ? filename : "<input>");
	if (!p->cloc || !p->c || !file)
		ret = oom(p);
	else
		ret = parse_source(p, text, len, file, true);

	if (ret) {
		qpu_circuit_free(p->c);
	} else {
		*out = p->c;
	}
	free_syms(p);
	while ((f = p->files)) {
		p->files = f->next;
		free(f);
	}
	if (p->cloc)
		freelocale(p->cloc);
	free(p);
	return ret;
}

QPU_EXPORT int qpu_qasm_parse(const char *text, const char *filename,
			      struct qpu_circuit **out, char *err, size_t errlen)
{
	int saved_errno = errno;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!text || !out)
		return qpu_err(-EINVAL);
	ret = qasm_parse(text, strlen(text), filename, out, err, errlen);
	/* Include files looked for and not found, strtod() range errors. */
	if (!ret)
		errno = saved_errno;
	return qpu_err(ret);
}

QPU_EXPORT int qpu_qasm_parse_file(const char *path, struct qpu_circuit **out,
				   char *err, size_t errlen)
{
	int saved_errno = errno;
	char *text;
	size_t len;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !out)
		return qpu_err(-EINVAL);
	ret = read_file(path, &text, &len);
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return qpu_err(ret);
	}
	ret = qasm_parse(text, len, path, out, err, errlen);
	free(text);
	if (!ret)
		errno = saved_errno;
	return qpu_err(ret);
}
