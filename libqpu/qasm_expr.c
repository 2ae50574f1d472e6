// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * qasm_expr.c - angle expressions of OpenQASM 2.0 and their evaluation.
 *
 * Constants are computed in double precision with the operators of C and
 * the functions of libm (pow, sin, cos, tan, exp, log, sqrt), in the
 * order the source writes them, so "pi/2" is exactly M_PI / 2.
 *
 * With the "param" extension a value may depend on one runtime parameter
 * x: it is then kept as scale * x + offset. Sums and differences of such
 * values in the same parameter, products and quotients with constants and
 * negation stay affine; everything else that involves a parameter (a
 * function of it, a product of two, a division by one, a power, two
 * different parameters in one angle) is an error saying so.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qasm.h"

static const char *const func_names[QF_NR] = {
	[QF_SIN] = "sin",
	[QF_COS] = "cos",
	[QF_TAN] = "tan",
	[QF_EXP] = "exp",
	[QF_LN] = "ln",
	[QF_SQRT] = "sqrt",
};

int qasm_func_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < QF_NR; i++)
		if (strlen(func_names[i]) == len && !memcmp(func_names[i], name, len))
			return i;
	return -1;
}

struct qasm_expr *qasm_expr_new(enum qasm_expr_kind kind,
				const struct qasm_loc *loc)
{
	struct qasm_expr *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->kind = kind;
	e->loc = *loc;
	e->height = 1;
	return e;
}

void qasm_expr_free(struct qasm_expr *e)
{
	if (!e)
		return;
	qasm_expr_free(e->a);
	qasm_expr_free(e->b);
	free(e);
}

static struct qasm_affine konst(double v)
{
	struct qasm_affine r = { 0, 0.0, v };

	return r;
}

/* "theta[2]" for the message about parameter @param (slot + 1). */
static const char *pname(const struct qpu_circuit *c, uint32_t param,
			 char *buf, size_t len)
{
	const char *n = qpu_circuit_param_name(c, param - 1);

	if (n)
		return n;
	snprintf(buf, len, "parameter slot %u", param - 1);
	return buf;
}

static double apply_func(enum qasm_func f, double x)
{
	switch (f) {
	case QF_SIN:
		return sin(x);
	case QF_COS:
		return cos(x);
	case QF_TAN:
		return tan(x);
	case QF_EXP:
		return exp(x);
	case QF_LN:
		return log(x);
	case QF_SQRT:
	default:
		return sqrt(x);
	}
}

/* A value whose parameter dropped out (theta - theta) is a constant. */
static void settle(struct qasm_affine *v)
{
	if (v->param && v->scale == 0.0)
		v->param = 0;
	if (!v->param)
		v->scale = 0.0;
}

static int eval_binary(const struct qasm_expr *e, const struct qasm_affine *a,
		       const struct qasm_affine *b, const struct qpu_circuit *c,
		       struct qasm_diag *d, struct qasm_affine *out)
{
	char b1[32], b2[32];

	switch (e->kind) {
	case QE_ADD:
	case QE_SUB:
		if (a->param && b->param && a->param != b->param)
			return qasm_error(d, -EINVAL, &e->loc,
					  "angle depends on two runtime parameters, %s and %s",
					  pname(c, a->param, b1, sizeof(b1)),
					  pname(c, b->param, b2, sizeof(b2)));
		out->param = a->param ? a->param : b->param;
		if (e->kind == QE_ADD) {
			out->scale = a->scale + b->scale;
			out->offset = a->offset + b->offset;
		} else {
			out->scale = a->scale - b->scale;
			out->offset = a->offset - b->offset;
		}
		break;
	case QE_MUL:
		if (a->param && b->param)
			return qasm_error(d, -EINVAL, &e->loc,
					  "product of runtime parameters %s and %s is not affine",
					  pname(c, a->param, b1, sizeof(b1)),
					  pname(c, b->param, b2, sizeof(b2)));
		if (b->param) {
			const struct qasm_affine *t = a;

			a = b;
			b = t;
		}
		/* a * k, with k = b->offset a constant */
		out->param = a->param;
		out->scale = a->scale * b->offset;
		out->offset = a->offset * b->offset;
		break;
	case QE_DIV:
		if (b->param)
			return qasm_error(d, -EINVAL, &e->loc,
					  "division by runtime parameter %s is not affine",
					  pname(c, b->param, b1, sizeof(b1)));
		out->param = a->param;
		out->scale = a->scale / b->offset;
		out->offset = a->offset / b->offset;
		break;
	case QE_POW:
	default:
		if (a->param || b->param)
			return qasm_error(d, -EINVAL, &e->loc,
					  "power of runtime parameter %s is not affine",
					  pname(c, a->param ? a->param : b->param,
						b1, sizeof(b1)));
		*out = konst(pow(a->offset, b->offset));
		break;
	}
	settle(out);
	return 0;
}

int qasm_expr_eval(const struct qasm_expr *e, const struct qasm_affine *env,
		   const struct qpu_circuit *c, struct qasm_diag *d,
		   struct qasm_affine *out)
{
	struct qasm_affine a, b;
	char buf[32];
	int ret;

	switch (e->kind) {
	case QE_NUM:
		*out = konst(e->num);
		return 0;
	case QE_FORMAL:
		*out = env[e->index];
		return 0;
	case QE_PARAM:
		out->param = e->index + 1;
		out->scale = 1.0;
		out->offset = 0.0;
		return 0;
	default:
		break;
	}

	ret = qasm_expr_eval(e->a, env, c, d, &a);
	if (ret)
		return ret;
	if (e->kind == QE_NEG) {
		out->param = a.param;
		out->scale = -a.scale;
		out->offset = -a.offset;
		settle(out);
		return 0;
	}
	if (e->kind == QE_FUNC) {
		if (a.param)
			return qasm_error(d, -EINVAL, &e->loc,
					  "%s() of runtime parameter %s is not affine",
					  func_names[e->func],
					  pname(c, a.param, buf, sizeof(buf)));
		*out = konst(apply_func(e->func, a.offset));
		return 0;
	}
	ret = qasm_expr_eval(e->b, env, c, d, &b);
	if (ret)
		return ret;
	return eval_binary(e, &a, &b, c, d, out);
}
