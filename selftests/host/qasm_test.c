// SPDX-License-Identifier: GPL-2.0
/*
 * qasm_test.c - host tests of libqpu's circuit builder and OpenQASM 2.0
 * parser.
 *
 * Valid programs are checked gate by gate against the exact struct
 * qpu_gate expected (opcode, controls, qubits, classical bit, condition,
 * and angles as bit patterns computed here with the same libm calls), so
 * unused fields must be zero too. Invalid programs must fail with the
 * right errno and a message "FILE:LINE:COL: ..." pointing at the culprit.
 */
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <linux/qpu.h>
#include <libqpu.h>

#include "internal.h"	/* qpu_gate_limit */
#include "qpu_test.h"

/* Expected gate; zero fields mean zero. */
struct eg {
	uint8_t op;
	uint8_t nctrl;
	uint16_t q[6];
	uint32_t cbit;
	bool cond;
	uint16_t cs;
	uint16_t cw;
	uint64_t cv;
	uint32_t param[3];
	double scale[3];
	double offset[3];
};

static uint64_t bits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static double dbl(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

static void gate_of(const struct eg *e, struct qpu_gate *g)
{
	int i;

	memset(g, 0, sizeof(*g));
	g->op = e->op;
	g->nctrl = e->nctrl;
	for (i = 0; i < 6; i++)
		g->qubits[i] = e->q[i];
	g->cbit = e->cbit;
	if (e->cond) {
		g->flags = QPU_GATE_COND;
		g->cond_start = e->cs;
		g->cond_width = e->cw;
		g->cond_value = e->cv;
	}
	for (i = 0; i < 3; i++) {
		g->param[i] = e->param[i];
		g->scale[i] = bits(e->scale[i]);
		g->offset[i] = bits(e->offset[i]);
	}
}

static void dump_gate(const char *what, const struct qpu_gate *g)
{
	int i;

	printf("#   %s: %s(%u ctrl) q=", what, qpu_op_name(g->op, g->nctrl),
	       g->nctrl);
	for (i = 0; i < 6; i++)
		printf("%u%s", g->qubits[i], i < 5 ? "," : "");
	printf(" cbit=%u flags=%u cond=%u/%u/%llu", g->cbit, g->flags,
	       g->cond_start, g->cond_width, (unsigned long long)g->cond_value);
	for (i = 0; i < 3; i++)
		printf(" a%d=[%u %.17g %.17g]", i, g->param[i], dbl(g->scale[i]),
		       dbl(g->offset[i]));
	printf("\n");
}

#define CHECK_GATES(c, ...) do {					\
	const struct eg _e[] = { __VA_ARGS__ };				\
	check_gates(c, _e, sizeof(_e) / sizeof(_e[0]), __LINE__);	\
} while (0)

static void check_gates(const struct qpu_circuit *c, const struct eg *e,
			uint32_t n, int line)
{
	const struct qpu_gate *g = qpu_circuit_gates(c);
	struct qpu_gate want;
	uint32_t i;

	if (qpu_circuit_num_gates(c) != n)
		qt_fail(__FILE__, line, "%u gates, expected %u",
			qpu_circuit_num_gates(c), n);
	for (i = 0; i < n; i++) {
		gate_of(&e[i], &want);
		if (memcmp(&want, &g[i], sizeof(want))) {
			dump_gate("got ", &g[i]);
			dump_gate("want", &want);
			qt_fail(__FILE__, line, "gate %u differs", i);
		}
	}
}

static struct qpu_circuit *parse_ok_at(const char *src, int line)
{
	struct qpu_circuit *c = NULL;
	char err[512];
	int ret;

	ret = qpu_qasm_parse(src, NULL, &c, err, sizeof(err));
	if (ret || !c)
		qt_fail(__FILE__, line, "parse failed: %d: %s", ret, err);
	if (err[0])
		qt_fail(__FILE__, line, "message on success: %s", err);
	return c;
}

#define parse_ok(src) parse_ok_at(src, __LINE__)

/*
 * @src must fail with -@errnum and a message that starts with
 * "<input>:@pos: " (just "<input>:" if @pos is NULL) and contains @msg.
 */
static void parse_err_at(const char *src, int errnum, const char *pos,
			 const char *msg, int line)
{
	struct qpu_circuit *c = NULL;
	char err[512], prefix[64];
	int ret;

	ret = qpu_qasm_parse(src, NULL, &c, err, sizeof(err));
	if (ret != -errnum)
		qt_fail(__FILE__, line, "want -%s, got %d (%s)", strerror(errnum),
			ret, ret ? err : "no error");
	if (c)
		qt_fail(__FILE__, line, "circuit returned on failure");
	snprintf(prefix, sizeof(prefix), pos ? "<input>:%s: " : "<input>:",
		 pos ? pos : "");
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, msg))
		qt_fail(__FILE__, line, "message \"%s\", want \"%s%s\"", err,
			prefix, msg);
}

#define parse_err(src, pos, msg) parse_err_at(src, EINVAL, pos, msg, __LINE__)

#define HDR "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"

/* Builder. */

QPU_TEST(builder_new_limits)
{
	struct qpu_circuit *c;

	QT_ASSERT(qpu_circuit_new(0, 0) == NULL);
	QT_ASSERT(qpu_circuit_new(QPU_MAX_QUBITS + 1, 0) == NULL);
	QT_ASSERT(qpu_circuit_new(1, QPU_MAX_CLBITS + 1) == NULL);
	c = qpu_circuit_new(QPU_MAX_QUBITS, QPU_MAX_CLBITS);
	QT_ASSERT(c != NULL);
	QT_ASSERT_EQ(qpu_circuit_num_qubits(c), QPU_MAX_QUBITS);
	QT_ASSERT_EQ(qpu_circuit_num_clbits(c), QPU_MAX_CLBITS);
	QT_ASSERT_EQ(qpu_circuit_num_gates(c), 0);
	QT_ASSERT_EQ(qpu_circuit_num_params(c), 0);
	QT_ASSERT_EQ(qpu_circuit_num_observables(c), 0);
	/* The widest qubit index fits the uAPI's 16-bit operand. */
	QT_ASSERT_EQ(qpu_circuit_h(c, QPU_MAX_QUBITS - 1), 0);
	QT_ASSERT_EQ(qpu_circuit_gates(c)[0].qubits[0], QPU_MAX_QUBITS - 1);
	qpu_circuit_free(c);
	qpu_circuit_free(NULL);
}

QPU_TEST(builder_gates)
{
	struct qpu_circuit *c = qpu_circuit_new(6, 2);
	const struct qpu_angle u3a[3] = {
		qpu_param(4, -0.5, M_PI), qpu_const(0.25), qpu_const(-1e-3),
	};
	const uint32_t c4[6] = { 5, 4, 3, 2, 1 };
	const uint32_t sw[3] = { 0, 2, 1 };
	const uint32_t u3q = 3;

	QT_ASSERT(c != NULL);
	QT_ASSERT_EQ(qpu_circuit_h(c, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_x(c, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_cx(c, 0, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_cz(c, 2, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_rx(c, 2, qpu_const(M_PI / 3)), 0);
	QT_ASSERT_EQ(qpu_circuit_ry(c, 3, qpu_param(0, 2.0, 0.5)), 0);
	QT_ASSERT_EQ(qpu_circuit_rz(c, 4, qpu_param(1, 1.0, 0.0)), 0);
	QT_ASSERT_EQ(qpu_circuit_gate(c, QPU_OP_U3, 0, &u3q, 1, u3a, 3), 0);
	QT_ASSERT_EQ(qpu_circuit_gate(c, QPU_OP_X, 4, c4, 5, NULL, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_gate(c, QPU_OP_SWAP, 1, sw, 3, NULL, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 5, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_reset(c, 5), 0);
	QT_ASSERT_EQ(qpu_circuit_barrier(c), 0);
	CHECK_GATES(c,
		{ .op = QPU_OP_H },
		{ .op = QPU_OP_X, .q = { 1 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 1 } },
		{ .op = QPU_OP_Z, .nctrl = 1, .q = { 2, 1 } },
		{ .op = QPU_OP_RX, .q = { 2 }, .offset = { M_PI / 3 } },
		{ .op = QPU_OP_RY, .q = { 3 }, .param = { 1 }, .scale = { 2.0 },
		  .offset = { 0.5 } },
		{ .op = QPU_OP_RZ, .q = { 4 }, .param = { 2 }, .scale = { 1.0 } },
		{ .op = QPU_OP_U3, .q = { 3 }, .param = { 5 },
		  .scale = { -0.5 }, .offset = { M_PI, 0.25, -1e-3 } },
		{ .op = QPU_OP_X, .nctrl = 4, .q = { 5, 4, 3, 2, 1 } },
		{ .op = QPU_OP_SWAP, .nctrl = 1, .q = { 0, 2, 1 } },
		{ .op = QPU_OP_MEASURE, .q = { 5 }, .cbit = 1 },
		{ .op = QPU_OP_RESET, .q = { 5 } },
		{ .op = QPU_OP_BARRIER });
	/* Default: one past the highest slot used. */
	QT_ASSERT_EQ(qpu_circuit_num_params(c), 5);
	QT_ASSERT(qpu_circuit_param_name(c, 0) == NULL);
	qpu_circuit_free(c);
}

QPU_TEST(builder_bad_operands)
{
	struct qpu_circuit *c = qpu_circuit_new(6, 2);
	const struct qpu_angle nan_a = qpu_const(NAN), inf_s = qpu_param(0, INFINITY, 0);
	const struct qpu_angle bad_const = { 0, 1.0, 0.5 };
	const struct qpu_angle three[3] = { qpu_const(1), qpu_const(2), qpu_const(3) };
	const uint32_t q5[6] = { 0, 1, 2, 3, 4, 5 };
	const uint32_t dup[2] = { 1, 1 };
	const uint32_t q2[2] = { 0, 1 };
	const uint32_t q1 = 0, big = 6;

	QT_ASSERT(c != NULL);
	QT_ASSERT_NEGERR(qpu_circuit_h(c, 6), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_cx(c, 1, 1), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_X, 1, dup, 2, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_X, 0, &big, 1, NULL, 0), EINVAL);
	/* Five controls is one too many. */
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_X, 5, q5, 6, NULL, 0), EINVAL);
	/* Operand counts per opcode. */
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_X, 0, q2, 2, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_SWAP, 0, &q1, 1, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_RZZ, 1, q2, 2, three, 1), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_H, 0, NULL, 1, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_BARRIER, 0, &q1, 1, NULL, 0), EINVAL);
	/* No controls on measure, reset, barrier. */
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_RESET, 1, q2, 2, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_BARRIER, 1, q2, 1, NULL, 0), EINVAL);
	/* A measurement needs its bit: only qpu_circuit_measure(). */
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_MEASURE, 0, &q1, 1, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_measure(c, 0, 2), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_measure(c, 6, 0), EINVAL);
	/* Unknown opcodes. */
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, 0, 0, &q1, 1, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_NR, 0, &q1, 1, NULL, 0), EINVAL);
	/* Angle counts per opcode. */
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_H, 0, &q1, 1, three, 1), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_RX, 0, &q1, 1, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_RX, 0, &q1, 1, NULL, 1), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_U2, 0, &q1, 1, three, 3), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_U3, 0, &q1, 1, three, 2), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(c, QPU_OP_RXX, 0, q2, 2, three, 0), EINVAL);
	/* Angles must be finite; a constant has no scale. */
	QT_ASSERT_NEGERR(qpu_circuit_rx(c, 0, nan_a), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_rx(c, 0, qpu_const(INFINITY)), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_rx(c, 0, inf_s), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_rx(c, 0, bad_const), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_rx(c, 0, qpu_param(QPU_MAX_PARAMS, 1, 0)), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_gate(NULL, QPU_OP_H, 0, &q1, 1, NULL, 0), EINVAL);
	/* Nothing was appended. */
	QT_ASSERT_EQ(qpu_circuit_num_gates(c), 0);
	QT_ASSERT_EQ(qpu_circuit_num_params(c), 0);
	QT_ASSERT_EQ(qpu_circuit_rx(c, 0, qpu_param(QPU_MAX_PARAMS - 1, 1, 0)), 0);
	QT_ASSERT_EQ(qpu_circuit_num_params(c), QPU_MAX_PARAMS);
	qpu_circuit_free(c);
}

/*
 * The builder's limit is the ABI's ceiling, QPU_MAX_GATES (reached with
 * the limit lowered, as 4 Mi gates are 384 MiB); the old 65536 is gone.
 */
QPU_TEST(builder_gate_limit)
{
	const uint32_t lim = 1U << 16;
	struct qpu_circuit *c = qpu_circuit_new(1, 0);
	uint32_t i;

	QT_ASSERT(c != NULL);
	QT_ASSERT_EQ(qpu_gate_limit, QPU_MAX_GATES);
	QT_ASSERT_EQ(QPU_MAX_GATES, 1U << 22);
	for (i = 0; i < 200000; i++)
		QT_ASSERT_EQ(qpu_circuit_h(c, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_num_gates(c), 200000);
	qpu_circuit_free(c);

	qpu_gate_limit = lim;
	c = qpu_circuit_new(1, 0);
	QT_ASSERT(c != NULL);
	for (i = 0; i < lim; i++)
		QT_ASSERT_EQ(qpu_circuit_h(c, 0), 0);
	QT_ASSERT_NEGERR(qpu_circuit_h(c, 0), E2BIG);
	QT_ASSERT_NEGERR(qpu_circuit_barrier(c), E2BIG);
	QT_ASSERT_EQ(qpu_circuit_num_gates(c), lim);
	QT_ASSERT_EQ(qpu_circuit_gates(c)[lim - 1].op, QPU_OP_H);
	qpu_circuit_free(c);
	qpu_gate_limit = QPU_MAX_GATES;
}

QPU_TEST(builder_conditions)
{
	struct qpu_circuit *c = qpu_circuit_new(2, 4);
	struct qpu_circuit *w = qpu_circuit_new(1, 64);

	QT_ASSERT(c != NULL && w != NULL);
	QT_ASSERT_EQ(qpu_circuit_h(c, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_set_cond(c, 1, 3, 5), 0);
	QT_ASSERT_EQ(qpu_circuit_x(c, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 1, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_set_cond(c, 0, 0, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_x(c, 0), 0);
	CHECK_GATES(c,
		{ .op = QPU_OP_H },
		{ .op = QPU_OP_X, .q = { 1 }, .cond = true, .cs = 1, .cw = 3, .cv = 5 },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cond = true, .cs = 1, .cw = 3,
		  .cv = 5 },
		{ .op = QPU_OP_X });
	/* Outside the classical width, too wide, or a value that does not fit. */
	QT_ASSERT_NEGERR(qpu_circuit_set_cond(c, 2, 3, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_set_cond(c, 5, 1, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_set_cond(c, 0, 65, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_set_cond(c, 0, 3, 8), EINVAL);
	QT_ASSERT_EQ(qpu_circuit_set_cond(c, 0, 3, 7), 0);
	QT_ASSERT_EQ(qpu_circuit_set_cond(w, 0, 64, UINT64_MAX), 0);
	QT_ASSERT_EQ(qpu_circuit_h(w, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_gates(w)[0].cond_value, UINT64_MAX);
	QT_ASSERT_EQ(qpu_circuit_gates(w)[0].cond_width, 64);
	qpu_circuit_free(c);
	qpu_circuit_free(w);
}

QPU_TEST(builder_cregs)
{
	struct qpu_circuit *c = qpu_circuit_new(1, 5), *z = qpu_circuit_new(1, 0);
	const char *name;
	uint32_t start, width;

	QT_ASSERT(c != NULL && z != NULL);
	/* Without named registers all bits form "c". */
	QT_ASSERT_EQ(qpu_circuit_creg(c, 0, &name, &start, &width), 0);
	QT_ASSERT(!strcmp(name, "c"));
	QT_ASSERT_EQ(start, 0);
	QT_ASSERT_EQ(width, 5);
	QT_ASSERT_NEGERR(qpu_circuit_creg(c, 1, &name, &start, &width), ENOENT);
	QT_ASSERT_NEGERR(qpu_circuit_creg(z, 0, &name, &start, &width), ENOENT);

	QT_ASSERT_EQ(qpu_circuit_add_creg(c, "a", 2), 0);
	QT_ASSERT_EQ(qpu_circuit_add_creg(c, "b", 2), 2);
	QT_ASSERT_NEGERR(qpu_circuit_add_creg(c, "a", 1), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_add_creg(c, "", 1), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_add_creg(c, NULL, 1), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_add_creg(c, "d", 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_add_creg(c, "d", 2), E2BIG);
	QT_ASSERT_EQ(qpu_circuit_add_creg(c, "d", 1), 4);
	QT_ASSERT_NEGERR(qpu_circuit_add_creg(c, "e", 1), E2BIG);
	QT_ASSERT_EQ(qpu_circuit_creg(c, 1, &name, &start, &width), 0);
	QT_ASSERT(!strcmp(name, "b"));
	QT_ASSERT_EQ(start, 2);
	QT_ASSERT_EQ(width, 2);
	QT_ASSERT_EQ(qpu_circuit_creg(c, 2, &name, &start, &width), 0);
	QT_ASSERT(!strcmp(name, "d"));
	QT_ASSERT_NEGERR(qpu_circuit_creg(c, 3, &name, &start, &width), ENOENT);
	qpu_circuit_free(c);
	qpu_circuit_free(z);
}

QPU_TEST(builder_observables)
{
	struct qpu_circuit *c = qpu_circuit_new(3, 0), *w = qpu_circuit_new(64, 0);
	uint32_t i;

	QT_ASSERT(c != NULL && w != NULL);
	QT_ASSERT_EQ(qpu_circuit_add_observable(c, 0x5), 0);
	QT_ASSERT_EQ(qpu_circuit_add_observable(c, 0x7), 0);
	QT_ASSERT_EQ(qpu_circuit_add_observable(c, 0), 0);
	QT_ASSERT_NEGERR(qpu_circuit_add_observable(c, 0x8), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_add_observable(c, 1ULL << 63), EINVAL);
	QT_ASSERT_EQ(qpu_circuit_num_observables(c), 3);
	QT_ASSERT_EQ(qpu_circuit_observables(c)[1], 0x7);
	QT_ASSERT_EQ(qpu_circuit_add_observable(w, 1ULL << 63), 0);
	for (i = 1; i < QPU_MAX_OBSERVABLES; i++)
		QT_ASSERT_EQ(qpu_circuit_add_observable(w, i), 0);
	QT_ASSERT_NEGERR(qpu_circuit_add_observable(w, 1), E2BIG);
	QT_ASSERT_EQ(qpu_circuit_num_observables(w), QPU_MAX_OBSERVABLES);
	QT_ASSERT_EQ(qpu_circuit_observables(w)[QPU_MAX_OBSERVABLES - 1],
		     QPU_MAX_OBSERVABLES - 1);
	qpu_circuit_free(c);
	qpu_circuit_free(w);
}

QPU_TEST(builder_params)
{
	struct qpu_circuit *c = qpu_circuit_new(1, 0);

	QT_ASSERT(c != NULL);
	QT_ASSERT_EQ(qpu_circuit_rx(c, 0, qpu_param(2, 1, 0)), 0);
	QT_ASSERT_EQ(qpu_circuit_num_params(c), 3);
	QT_ASSERT_NEGERR(qpu_circuit_set_num_params(c, 2), EINVAL);
	QT_ASSERT_NEGERR(qpu_circuit_set_num_params(c, QPU_MAX_PARAMS + 1), E2BIG);
	QT_ASSERT_EQ(qpu_circuit_set_num_params(c, 10), 0);
	QT_ASSERT_EQ(qpu_circuit_num_params(c), 10);
	QT_ASSERT_EQ(qpu_circuit_rx(c, 0, qpu_param(9, 1, 0)), 0);
	/* Past the declared count. */
	QT_ASSERT_NEGERR(qpu_circuit_rx(c, 0, qpu_param(10, 1, 0)), EINVAL);
	QT_ASSERT_EQ(qpu_circuit_set_num_params(c, QPU_MAX_PARAMS), 0);
	QT_ASSERT_EQ(qpu_circuit_rx(c, 0, qpu_param(10, 1, 0)), 0);
	QT_ASSERT_EQ(qpu_circuit_num_params(c), QPU_MAX_PARAMS);
	qpu_circuit_free(c);
}

QPU_TEST(op_names)
{
	static const struct {
		uint32_t op, nctrl;
		const char *name;
	} t[] = {
		{ QPU_OP_X, 0, "x" }, { QPU_OP_X, 1, "cx" }, { QPU_OP_X, 2, "ccx" },
		{ QPU_OP_X, 3, "c3x" }, { QPU_OP_X, 4, "c4x" },
		{ QPU_OP_SX, 0, "sx" }, { QPU_OP_SX, 1, "csx" },
		{ QPU_OP_SX, 3, "c3sqrtx" }, { QPU_OP_SX, 2, "c2sx" },
		{ QPU_OP_P, 0, "p" }, { QPU_OP_P, 1, "cp" }, { QPU_OP_P, 2, "c2p" },
		{ QPU_OP_U3, 0, "u3" }, { QPU_OP_U3, 1, "cu3" },
		{ QPU_OP_U2, 0, "u2" }, { QPU_OP_SWAP, 0, "swap" },
		{ QPU_OP_SWAP, 1, "cswap" }, { QPU_OP_SWAP, 2, "c2swap" },
		{ QPU_OP_H, 1, "ch" }, { QPU_OP_H, 4, "c4h" },
		{ QPU_OP_Y, 1, "cy" }, { QPU_OP_Z, 1, "cz" }, { QPU_OP_Z, 3, "c3z" },
		{ QPU_OP_RX, 1, "crx" }, { QPU_OP_RY, 1, "cry" },
		{ QPU_OP_RZ, 1, "crz" }, { QPU_OP_RZ, 2, "c2rz" },
		{ QPU_OP_ID, 0, "id" }, { QPU_OP_S, 0, "s" }, { QPU_OP_SDG, 0, "sdg" },
		{ QPU_OP_T, 0, "t" }, { QPU_OP_TDG, 1, "ctdg" },
		{ QPU_OP_SXDG, 0, "sxdg" }, { QPU_OP_RXX, 0, "rxx" },
		{ QPU_OP_RZZ, 0, "rzz" }, { QPU_OP_MEASURE, 0, "measure" },
		{ QPU_OP_RESET, 0, "reset" }, { QPU_OP_BARRIER, 0, "barrier" },
		/* No such gate. */
		{ QPU_OP_MEASURE, 1, "unknown" }, { QPU_OP_X, 5, "unknown" },
		{ 0, 0, "unknown" }, { QPU_OP_NR, 0, "unknown" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *n = qpu_op_name(t[i].op, t[i].nctrl);

		if (!n || strcmp(n, t[i].name))
			QT_FAIL("qpu_op_name(%u, %u) = %s, want %s", t[i].op,
				t[i].nctrl, n ? n : "NULL", t[i].name);
	}
}

/* Parser: valid programs. */

QPU_TEST(qasm_bell)
{
	struct qpu_circuit *c = parse_ok(
		"// Bell pair\n"
		"OPENQASM 2.0;\n"
		"include \"qelib1.inc\";\n"
		"qreg q[2];\n"
		"creg c[2];\n"
		"h q[0];\n"
		"cx q[0], q[1];\n"
		"measure q[0] -> c[0];\n"
		"measure q[1] -> c[1];\n");
	const char *name;
	uint32_t start, width;

	QT_ASSERT_EQ(qpu_circuit_num_qubits(c), 2);
	QT_ASSERT_EQ(qpu_circuit_num_clbits(c), 2);
	QT_ASSERT_EQ(qpu_circuit_num_params(c), 0);
	CHECK_GATES(c,
		{ .op = QPU_OP_H },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 1 } },
		{ .op = QPU_OP_MEASURE },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cbit = 1 });
	QT_ASSERT_EQ(qpu_circuit_creg(c, 0, &name, &start, &width), 0);
	QT_ASSERT(!strcmp(name, "c"));
	QT_ASSERT_EQ(width, 2);
	qpu_circuit_free(c);
}

QPU_TEST(qasm_ghz)
{
	struct qpu_circuit *c = parse_ok(HDR
		"qreg q[5];\ncreg c[5];\n"
		"h q[0];\n"
		"cx q[0],q[1]; cx q[1],q[2]; cx q[2],q[3]; cx q[3],q[4];\n"
		"barrier q;\n"
		"measure q -> c;\n");

	QT_ASSERT_EQ(qpu_circuit_num_qubits(c), 5);
	CHECK_GATES(c,
		{ .op = QPU_OP_H },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 1 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 1, 2 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 2, 3 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 3, 4 } },
		{ .op = QPU_OP_BARRIER },
		{ .op = QPU_OP_MEASURE, .q = { 0 }, .cbit = 0 },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cbit = 1 },
		{ .op = QPU_OP_MEASURE, .q = { 2 }, .cbit = 2 },
		{ .op = QPU_OP_MEASURE, .q = { 3 }, .cbit = 3 },
		{ .op = QPU_OP_MEASURE, .q = { 4 }, .cbit = 4 });
	qpu_circuit_free(c);
}

QPU_TEST(qasm_broadcast)
{
	struct qpu_circuit *c = parse_ok(HDR
		"qreg q[2]; qreg r[2]; qreg anc[1];\n"
		"h q;\n"
		"cx q, r;\n"
		"cx anc[0], q;\n"
		"ccx q, anc[0], r;\n"
		"u1(0.5) r;\n"
		"reset q;\n"
		"barrier q, anc[0];\n");

	CHECK_GATES(c,
		{ .op = QPU_OP_H, .q = { 0 } },
		{ .op = QPU_OP_H, .q = { 1 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 2 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 1, 3 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 4, 0 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 4, 1 } },
		{ .op = QPU_OP_X, .nctrl = 2, .q = { 0, 4, 2 } },
		{ .op = QPU_OP_X, .nctrl = 2, .q = { 1, 4, 3 } },
		{ .op = QPU_OP_P, .q = { 2 }, .offset = { 0.5 } },
		{ .op = QPU_OP_P, .q = { 3 }, .offset = { 0.5 } },
		{ .op = QPU_OP_RESET, .q = { 0 } },
		{ .op = QPU_OP_RESET, .q = { 1 } },
		{ .op = QPU_OP_BARRIER });
	qpu_circuit_free(c);
}

QPU_TEST(qasm_multiple_registers)
{
	struct qpu_circuit *c = parse_ok(HDR
		"qreg a[2];\ncreg m[1];\nqreg b[3];\ncreg n[2];\ncreg o[3];\n"
		"x b[2];\n"
		"measure b[2] -> n[1];\n"
		"measure a -> n;\n"
		"measure b -> o;\n");
	const char *name;
	uint32_t start, width;

	QT_ASSERT_EQ(qpu_circuit_num_qubits(c), 5);
	QT_ASSERT_EQ(qpu_circuit_num_clbits(c), 6);
	CHECK_GATES(c,
		{ .op = QPU_OP_X, .q = { 4 } },
		{ .op = QPU_OP_MEASURE, .q = { 4 }, .cbit = 2 },
		{ .op = QPU_OP_MEASURE, .q = { 0 }, .cbit = 1 },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cbit = 2 },
		{ .op = QPU_OP_MEASURE, .q = { 2 }, .cbit = 3 },
		{ .op = QPU_OP_MEASURE, .q = { 3 }, .cbit = 4 },
		{ .op = QPU_OP_MEASURE, .q = { 4 }, .cbit = 5 });
	QT_ASSERT_EQ(qpu_circuit_creg(c, 0, &name, &start, &width), 0);
	QT_ASSERT(!strcmp(name, "m") && start == 0 && width == 1);
	QT_ASSERT_EQ(qpu_circuit_creg(c, 1, &name, &start, &width), 0);
	QT_ASSERT(!strcmp(name, "n") && start == 1 && width == 2);
	QT_ASSERT_EQ(qpu_circuit_creg(c, 2, &name, &start, &width), 0);
	QT_ASSERT(!strcmp(name, "o") && start == 3 && width == 3);
	QT_ASSERT_NEGERR(qpu_circuit_creg(c, 3, &name, &start, &width), ENOENT);
	qpu_circuit_free(c);
}

QPU_TEST(qasm_builtin_u_cx)
{
	/* U and CX exist without qelib1.inc. */
	struct qpu_circuit *c = parse_ok(
		"OPENQASM 2.0;\nqreg q[2];\n"
		"U(pi/2, 0, pi) q[0];\n"
		"CX q[0], q[1];\n"
		"U(1, 2, 3) q;\n");

	CHECK_GATES(c,
		{ .op = QPU_OP_U3, .offset = { M_PI / 2, 0, M_PI } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 1 } },
		{ .op = QPU_OP_U3, .q = { 0 }, .offset = { 1, 2, 3 } },
		{ .op = QPU_OP_U3, .q = { 1 }, .offset = { 1, 2, 3 } });
	qpu_circuit_free(c);
	parse_err("OPENQASM 2.0;\nqreg q[1];\nh q[0];\n", "3:1",
		  "unknown gate 'h'");
}

/* Every gate of qelib1.inc with its native opcode, controls and angles. */
QPU_TEST(qasm_qelib1_gates)
{
	static const struct {
		const char *name;
		uint32_t nparams, nqubits, op, nctrl, nangles;
	} t[] = {
		{ "u3", 3, 1, QPU_OP_U3, 0, 3 }, { "u2", 2, 1, QPU_OP_U2, 0, 2 },
		{ "u1", 1, 1, QPU_OP_P, 0, 1 }, { "cx", 0, 2, QPU_OP_X, 1, 0 },
		{ "id", 0, 1, QPU_OP_ID, 0, 0 }, { "u0", 1, 1, QPU_OP_ID, 0, 0 },
		{ "u", 3, 1, QPU_OP_U3, 0, 3 }, { "p", 1, 1, QPU_OP_P, 0, 1 },
		{ "x", 0, 1, QPU_OP_X, 0, 0 }, { "y", 0, 1, QPU_OP_Y, 0, 0 },
		{ "z", 0, 1, QPU_OP_Z, 0, 0 }, { "h", 0, 1, QPU_OP_H, 0, 0 },
		{ "s", 0, 1, QPU_OP_S, 0, 0 }, { "sdg", 0, 1, QPU_OP_SDG, 0, 0 },
		{ "t", 0, 1, QPU_OP_T, 0, 0 }, { "tdg", 0, 1, QPU_OP_TDG, 0, 0 },
		{ "rx", 1, 1, QPU_OP_RX, 0, 1 }, { "ry", 1, 1, QPU_OP_RY, 0, 1 },
		{ "rz", 1, 1, QPU_OP_RZ, 0, 1 }, { "sx", 0, 1, QPU_OP_SX, 0, 0 },
		{ "sxdg", 0, 1, QPU_OP_SXDG, 0, 0 }, { "cz", 0, 2, QPU_OP_Z, 1, 0 },
		{ "cy", 0, 2, QPU_OP_Y, 1, 0 }, { "swap", 0, 2, QPU_OP_SWAP, 0, 0 },
		{ "ch", 0, 2, QPU_OP_H, 1, 0 }, { "ccx", 0, 3, QPU_OP_X, 2, 0 },
		{ "cswap", 0, 3, QPU_OP_SWAP, 1, 0 },
		{ "crx", 1, 2, QPU_OP_RX, 1, 1 }, { "cry", 1, 2, QPU_OP_RY, 1, 1 },
		{ "crz", 1, 2, QPU_OP_RZ, 1, 1 }, { "cu1", 1, 2, QPU_OP_P, 1, 1 },
		{ "cp", 1, 2, QPU_OP_P, 1, 1 }, { "cu3", 3, 2, QPU_OP_U3, 1, 3 },
		{ "csx", 0, 2, QPU_OP_SX, 1, 0 }, { "rxx", 1, 2, QPU_OP_RXX, 0, 1 },
		{ "rzz", 1, 2, QPU_OP_RZZ, 0, 1 }, { "c3x", 0, 4, QPU_OP_X, 3, 0 },
		{ "c3sqrtx", 0, 4, QPU_OP_SX, 3, 0 }, { "c4x", 0, 5, QPU_OP_X, 4, 0 },
	};
	static const double args[] = { 0.125, -0.75, 2.5, 3.0 };
	char src[256];
	size_t i, j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct qpu_circuit *c;
		struct eg e = { .op = t[i].op, .nctrl = t[i].nctrl };
		int off;

		/* Operands in a scrambled order: q[5], q[4], ... */
		off = snprintf(src, sizeof(src), HDR "qreg q[6];\n%s", t[i].name);
		for (j = 0; j < t[i].nparams; j++)
			off += snprintf(src + off, sizeof(src) - off, "%s%g",
					j ? "," : "(", args[j]);
		off += snprintf(src + off, sizeof(src) - off, "%s",
				t[i].nparams ? ") " : " ");
		for (j = 0; j < t[i].nqubits; j++) {
			off += snprintf(src + off, sizeof(src) - off, "%sq[%zu]",
					j ? "," : "", 5 - j);
			e.q[j] = 5 - j;
		}
		snprintf(src + off, sizeof(src) - off, ";\n");
		for (j = 0; j < t[i].nangles; j++)
			e.offset[j] = args[j];
		c = parse_ok(src);
		if (qpu_circuit_num_gates(c) != 1)
			QT_FAIL("%s: %u gates", t[i].name, qpu_circuit_num_gates(c));
		printf("# %s -> %s\n", t[i].name, qpu_op_name(t[i].op, t[i].nctrl));
		check_gates(c, &e, 1, __LINE__);
		qpu_circuit_free(c);
	}
}

/* cu, rccx and rc3x: their qelib1.inc definitions, exactly. */
QPU_TEST(qasm_qelib1_sequences)
{
	struct qpu_circuit *c = parse_ok(HDR
		"qreg q[4];\n"
		"cu(0.1, 0.2, 0.3, 0.4) q[2], q[0];\n"
		"rccx q[3], q[1], q[2];\n"
		"rc3x q[0], q[1], q[2], q[3];\n");
#define H2(t)	{ .op = QPU_OP_U2, .q = { t }, .offset = { 0, M_PI } }
#define T(t)	{ .op = QPU_OP_P, .q = { t }, .offset = { M_PI / 4 } }
#define TDG(t)	{ .op = QPU_OP_P, .q = { t }, .offset = { -M_PI / 4 } }
#define CX(a, b) { .op = QPU_OP_X, .nctrl = 1, .q = { a, b } }

	CHECK_GATES(c,
		{ .op = QPU_OP_P, .q = { 2 }, .offset = { 0.4 } },
		{ .op = QPU_OP_U3, .nctrl = 1, .q = { 2, 0 },
		  .offset = { 0.1, 0.2, 0.3 } },
		/* rccx a=3 b=1 c=2 */
		H2(2), T(2), CX(1, 2), TDG(2), CX(3, 2), T(2), CX(1, 2), TDG(2),
		H2(2),
		/* rc3x a=0 b=1 c=2 d=3 */
		H2(3), T(3), CX(2, 3), TDG(3), H2(3), CX(0, 3), T(3), CX(1, 3),
		TDG(3), CX(0, 3), T(3), CX(1, 3), TDG(3), H2(3), T(3), CX(2, 3),
		TDG(3), H2(3));
	qpu_circuit_free(c);
}

QPU_TEST(qasm_user_gates)
{
	struct qpu_circuit *c = parse_ok(HDR
		"qreg q[3];\n"
		"gate rot(a, b) t { rz(a/2 - b) t; ry(-a) t; }\n"
		"gate ent c, t { cx c, t; }\n"
		"gate noargs() t { x t; }\n"
		"gate both(theta) x, y\n"
		"{\n"
		"  rot(theta, pi) y;\n"
		"  ent y, x;\n"
		"  barrier x, y;\n"
		"  U(theta, 0, 0) x;\n"
		"  CX x, y;\n"
		"}\n"
		"rot(1.5, 0.25) q[1];\n"
		"both(2*pi) q[2], q[0];\n"
		"noargs() q[0];\n");

	CHECK_GATES(c,
		{ .op = QPU_OP_RZ, .q = { 1 }, .offset = { 1.5 / 2 - 0.25 } },
		{ .op = QPU_OP_RY, .q = { 1 }, .offset = { -1.5 } },
		/* both(2pi) x=q[2], y=q[0] */
		{ .op = QPU_OP_RZ, .q = { 0 }, .offset = { 2 * M_PI / 2 - M_PI } },
		{ .op = QPU_OP_RY, .q = { 0 }, .offset = { -(2 * M_PI) } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 2 } },
		{ .op = QPU_OP_BARRIER },
		{ .op = QPU_OP_U3, .q = { 2 }, .offset = { 2 * M_PI } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 2, 0 } },
		{ .op = QPU_OP_X });
	qpu_circuit_free(c);
}

QPU_TEST(qasm_nested_user_gates)
{
	struct qpu_circuit *c = parse_ok(HDR
		"qreg q[4];\n"
		"gate g1(a) x { p(a) x; }\n"
		"gate g2(a, b) x, y { g1(a + b) y; cx x, y; g1(a * b) x; }\n"
		"gate g3(a) x, y, z { g2(a, 2) z, x; g2(-a, a) y, z; }\n"
		"g3(0.5) q[3], q[1], q[2];\n");

	CHECK_GATES(c,
		/* g2(0.5, 2) z=q[2], x=q[3] */
		{ .op = QPU_OP_P, .q = { 3 }, .offset = { 0.5 + 2 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 2, 3 } },
		{ .op = QPU_OP_P, .q = { 2 }, .offset = { 0.5 * 2 } },
		/* g2(-0.5, 0.5) y=q[1], z=q[2] */
		{ .op = QPU_OP_P, .q = { 2 }, .offset = { -0.5 + 0.5 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 1, 2 } },
		{ .op = QPU_OP_P, .q = { 1 }, .offset = { -0.5 * 0.5 } });
	qpu_circuit_free(c);
}

static void check_expr(const char *expr, double want, int line)
{
	struct qpu_circuit *c;
	char src[512];

	snprintf(src, sizeof(src), HDR "qreg q[1];\nrz(%s) q[0];\n", expr);
	c = parse_ok_at(src, line);
	if (qpu_circuit_num_gates(c) != 1 ||
	    qpu_circuit_gates(c)[0].offset[0] != bits(want))
		qt_fail(__FILE__, line, "%s = %.17g, want %.17g", expr,
			dbl(qpu_circuit_gates(c)[0].offset[0]), want);
	qpu_circuit_free(c);
}

#define CHECK_EXPR(e, v) check_expr(e, v, __LINE__)

/* Constants come out exactly as C and libm compute them. */
QPU_TEST(qasm_expressions)
{
	/* Volatile: libm at run time, not the compiler's constant folding. */
	volatile double x = 0.3, pi = M_PI, one = 1, two = 2;

	CHECK_EXPR("pi", M_PI);
	CHECK_EXPR("pi/2", M_PI / 2);
	CHECK_EXPR("-pi/4", -M_PI / 4);
	CHECK_EXPR("2*pi/3", 2 * M_PI / 3);
	CHECK_EXPR("pi*2/3", M_PI * 2 / 3);
	CHECK_EXPR("3*-pi", 3 * -M_PI);
	CHECK_EXPR("1e-3", 1e-3);
	CHECK_EXPR("1E+2", 100.0);
	CHECK_EXPR(".5", 0.5);
	CHECK_EXPR("2.", 2.0);
	CHECK_EXPR("1.5e2", 150.0);
	CHECK_EXPR("0.1+0.2", 0.1 + 0.2);
	CHECK_EXPR("0.1+0.2+0.3", 0.1 + 0.2 + 0.3);
	CHECK_EXPR("0.1+(0.2+0.3)", 0.1 + (0.2 + 0.3));
	CHECK_EXPR("1-2-3", -4.0);
	CHECK_EXPR("8/2/2", 2.0);
	CHECK_EXPR("(1+2)*3", 9.0);
	CHECK_EXPR("1+2*3", 7.0);
	CHECK_EXPR("2^3^2", 512.0);
	CHECK_EXPR("-2^2", -4.0);
	CHECK_EXPR("2^-1", 0.5);
	CHECK_EXPR("(-2)^2", 4.0);
	CHECK_EXPR("+1", 1.0);
	CHECK_EXPR("--1", 1.0);
	CHECK_EXPR("sin(pi/7)", sin(pi / 7));
	CHECK_EXPR("cos(0.3)", cos(x));
	CHECK_EXPR("tan(0.3)", tan(x));
	CHECK_EXPR("exp(0.3)", exp(x));
	CHECK_EXPR("ln(0.3)", log(x));
	CHECK_EXPR("sqrt(0.3)", sqrt(x));
	CHECK_EXPR("pi^0.3", pow(pi, x));
	CHECK_EXPR("sqrt(2)/2*sin(pi/3)-cos(1)",
		   sqrt(two) / 2 * sin(pi / 3) - cos(one));
	CHECK_EXPR("exp(ln(2))", exp(log(two)));
	CHECK_EXPR("12345678901234567890", 12345678901234567890.0);
	CHECK_EXPR("0.1e1", 1.0);
	CHECK_EXPR("0", 0.0);
	/* Negative zero is stored as zero. */
	CHECK_EXPR("-0", 0.0);
}

QPU_TEST(qasm_params_affine)
{
	struct qpu_circuit *c = parse_ok(HDR
		"param theta[2];\n"
		"qreg q[2];\n"
		"param beta[3];\n"
		"rz(2*theta[1]+pi/2) q[0];\n"
		"rx(-beta[0]) q[1];\n"
		"ry(theta[0]/4 - 1) q[0];\n"
		"p(theta[1] - theta[1] + 1) q[0];\n"
		"u3(theta[0], 3*beta[2]*2, 0.5) q[1];\n"
		"crz(-(beta[1] - pi)*0.5) q[0], q[1];\n"
		"rxx(theta[1] + theta[1]) q[1], q[0];\n"
		"rzz(0*theta[0]) q[1], q[0];\n");

	QT_ASSERT_EQ(qpu_circuit_num_params(c), 5);
	QT_ASSERT(!strcmp(qpu_circuit_param_name(c, 0), "theta[0]"));
	QT_ASSERT(!strcmp(qpu_circuit_param_name(c, 1), "theta[1]"));
	QT_ASSERT(!strcmp(qpu_circuit_param_name(c, 2), "beta[0]"));
	QT_ASSERT(!strcmp(qpu_circuit_param_name(c, 4), "beta[2]"));
	QT_ASSERT(qpu_circuit_param_name(c, 5) == NULL);
	CHECK_GATES(c,
		{ .op = QPU_OP_RZ, .param = { 2 }, .scale = { 2 },
		  .offset = { M_PI / 2 } },
		{ .op = QPU_OP_RX, .q = { 1 }, .param = { 3 }, .scale = { -1 } },
		{ .op = QPU_OP_RY, .param = { 1 }, .scale = { 0.25 },
		  .offset = { -1 } },
		{ .op = QPU_OP_P, .offset = { 1 } },
		{ .op = QPU_OP_U3, .q = { 1 }, .param = { 1, 5 },
		  .scale = { 1, 6 }, .offset = { 0, 0, 0.5 } },
		{ .op = QPU_OP_RZ, .nctrl = 1, .q = { 0, 1 }, .param = { 4 },
		  .scale = { -0.5 }, .offset = { M_PI * 0.5 } },
		{ .op = QPU_OP_RXX, .q = { 1, 0 }, .param = { 2 }, .scale = { 2 } },
		{ .op = QPU_OP_RZZ, .q = { 1, 0 } });
	qpu_circuit_free(c);

	/* Declared slots count even when unused. */
	c = parse_ok("OPENQASM 2.0;\nparam w[7];\nqreg q[1];\nU(0,0,0) q;\n");
	QT_ASSERT_EQ(qpu_circuit_num_params(c), 7);
	qpu_circuit_free(c);
}

QPU_TEST(qasm_params_through_gates)
{
	struct qpu_circuit *c = parse_ok(HDR
		"param theta[3];\n"
		"qreg q[2];\n"
		"gate layer(a, b) x, y { rx(a*2 + 1) x; ry(-a) y; rz(b/4) x; cx x, y; }\n"
		"gate twice(a) x, y { layer(a, a - 1) x, y; layer(pi, a) y, x; }\n"
		"layer(theta[0] + 0.5, 3) q[0], q[1];\n"
		"twice(theta[2]) q[1], q[0];\n");

	CHECK_GATES(c,
		{ .op = QPU_OP_RX, .param = { 1 }, .scale = { 2 }, .offset = { 2 } },
		{ .op = QPU_OP_RY, .q = { 1 }, .param = { 1 }, .scale = { -1 },
		  .offset = { -0.5 } },
		{ .op = QPU_OP_RZ, .offset = { 0.75 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 1 } },
		/* twice(theta[2]) x=q[1] y=q[0]: layer(t, t-1) q[1], q[0] */
		{ .op = QPU_OP_RX, .q = { 1 }, .param = { 3 }, .scale = { 2 },
		  .offset = { 1 } },
		{ .op = QPU_OP_RY, .param = { 3 }, .scale = { -1 } },
		{ .op = QPU_OP_RZ, .q = { 1 }, .param = { 3 }, .scale = { 0.25 },
		  .offset = { -0.25 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 1, 0 } },
		/* layer(pi, t) q[0], q[1] */
		{ .op = QPU_OP_RX, .offset = { M_PI * 2 + 1 } },
		{ .op = QPU_OP_RY, .q = { 1 }, .offset = { -M_PI } },
		{ .op = QPU_OP_RZ, .param = { 3 }, .scale = { 0.25 } },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 1 } });
	qpu_circuit_free(c);
}

QPU_TEST(qasm_if)
{
	struct qpu_circuit *c = parse_ok(HDR
		"qreg q[2];\ncreg a[1];\ncreg b[2];\n"
		"gate pair x, y { h x; cx x, y; }\n"
		"measure q[0] -> a[0];\n"
		"if (b == 2) x q[1];\n"
		"if (a==1) pair q[0], q[1];\n"
		"if (b == 3) measure q -> b;\n"
		"if (b == 0) reset q[0];\n"
		"if(a==0)U(0,0,pi)q[0];\n"
		"z q[0];\n");

#define IFB(v) .cond = true, .cs = 1, .cw = 2, .cv = v
#define IFA(v) .cond = true, .cs = 0, .cw = 1, .cv = v
	CHECK_GATES(c,
		{ .op = QPU_OP_MEASURE },
		{ .op = QPU_OP_X, .q = { 1 }, IFB(2) },
		{ .op = QPU_OP_H, IFA(1) },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 1 }, IFA(1) },
		{ .op = QPU_OP_MEASURE, .q = { 0 }, .cbit = 1, IFB(3) },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cbit = 2, IFB(3) },
		{ .op = QPU_OP_RESET, IFB(0) },
		{ .op = QPU_OP_U3, .offset = { 0, 0, M_PI }, IFA(0) },
		{ .op = QPU_OP_Z });
	qpu_circuit_free(c);
}

QPU_TEST(qasm_lexical)
{
	/* Byte order mark, CRLF, tabs, comments everywhere, odd spacing. */
	struct qpu_circuit *c = parse_ok(
		"\xef\xbb\xbf// header comment\r\n"
		"OPENQASM   2.0 ; // version\r\n"
		"include\t\"qelib1.inc\";\r\n"
		"qreg q [ 2 ] ;creg c[2];\n"
		"// a comment line\n"
		"h q [0] ;cx q[0],q[1];// trailing\n"
		"rz ( - pi / 2 ) q[1];\n"
		"measure q[1]->c[1];");

	CHECK_GATES(c,
		{ .op = QPU_OP_H },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 1 } },
		{ .op = QPU_OP_RZ, .q = { 1 }, .offset = { -M_PI / 2 } },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cbit = 1 });
	qpu_circuit_free(c);

	/* "OPENQASM 2;" is the same version; qelib1.inc twice is harmless. */
	c = parse_ok("OPENQASM 2;\ninclude \"qelib1.inc\";\n"
		     "include \"qelib1.inc\";\nqreg q[1];\nh q;\n");
	QT_ASSERT_EQ(qpu_circuit_num_gates(c), 1);
	qpu_circuit_free(c);
}

QPU_TEST(qasm_opaque_declared)
{
	/* Declaring opaque gates is fine, even used in a gate never called. */
	struct qpu_circuit *c = parse_ok(HDR
		"opaque magic(a, b) x, y;\n"
		"opaque plain x;\n"
		"gate wrap x, y { magic(1, 2) x, y; }\n"
		"qreg q[2];\nh q[0];\n");

	QT_ASSERT_EQ(qpu_circuit_num_gates(c), 1);
	qpu_circuit_free(c);
}

QPU_TEST(qasm_wide_registers)
{
	struct qpu_circuit *c = parse_ok(
		"OPENQASM 2.0;\nqreg a[2000];\nqreg b[48];\ncreg c[60];\ncreg d[4];\n"
		"CX a[1999], b[47];\n"
		"if (d == 15) U(0,0,0) b[0];\n");

	QT_ASSERT_EQ(qpu_circuit_num_qubits(c), QPU_MAX_QUBITS);
	QT_ASSERT_EQ(qpu_circuit_num_clbits(c), QPU_MAX_CLBITS);
	CHECK_GATES(c,
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 1999, 2047 } },
		{ .op = QPU_OP_U3, .q = { 2000 }, .cond = true, .cs = 60, .cw = 4,
		  .cv = 15 });
	qpu_circuit_free(c);

	c = parse_ok("OPENQASM 2.0;\nqreg q[1];\ncreg c[64];\n"
		     "if (c == 18446744073709551615) U(0,0,0) q[0];\n");
	QT_ASSERT_EQ(qpu_circuit_gates(c)[0].cond_value, UINT64_MAX);
	qpu_circuit_free(c);
}

/* Files. */

static char tmpdir[64];

static void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	QT_ASSERT(f != NULL);
	QT_ASSERT(fputs(text, f) >= 0);
	QT_ASSERT(fclose(f) == 0);
}

static void make_tmpdir(void)
{
	char path[256];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/qasm_test.XXXXXX");
	QT_ASSERT(mkdtemp(tmpdir) != NULL);
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	QT_ASSERT(mkdir(path, 0700) == 0);
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	QT_ASSERT(system(cmd) == 0);
}

QPU_TEST(qasm_include_files)
{
	struct qpu_circuit *c = NULL;
	char path[256], err[512], want[512];

	make_tmpdir();
	/* main.qasm includes sub/lib.inc, which includes helpers.inc next to it. */
	write_file("sub/lib.inc",
		   "// library\n"
		   "include \"qelib1.inc\";\n"
		   "include \"helpers.inc\";\n"
		   "gate bell a, b { h a; flip a, b; }\n");
	write_file("sub/helpers.inc", "gate flip a, b { cx a, b; }\n");
	write_file("main.qasm",
		   "OPENQASM 2.0;\n"
		   "include \"sub/lib.inc\";\n"
		   "qreg q[2];\ncreg c[2];\n"
		   "bell q[0], q[1];\n"
		   "measure q -> c;\n");
	snprintf(path, sizeof(path), "%s/main.qasm", tmpdir);
	QT_ASSERT_EQ(qpu_qasm_parse_file(path, &c, err, sizeof(err)), 0);
	CHECK_GATES(c,
		{ .op = QPU_OP_H },
		{ .op = QPU_OP_X, .nctrl = 1, .q = { 0, 1 } },
		{ .op = QPU_OP_MEASURE },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cbit = 1 });
	qpu_circuit_free(c);
	c = NULL;

	/* An error inside an included file names that file. */
	write_file("sub/bad.inc", "gate g a {\n  h a;\n  nope a;\n}\n");
	write_file("bad.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"
		   "include \"sub/bad.inc\";\nqreg q[1];\n");
	snprintf(path, sizeof(path), "%s/bad.qasm", tmpdir);
	QT_ASSERT_NEGERR(qpu_qasm_parse_file(path, &c, err, sizeof(err)), EINVAL);
	QT_ASSERT(c == NULL);
	snprintf(want, sizeof(want), "%s/sub/bad.inc:3:3: unknown gate 'nope'",
		 tmpdir);
	if (strcmp(err, want))
		QT_FAIL("message \"%s\", want \"%s\"", err, want);

	/* A missing include: -ENOENT at the include's file name. */
	write_file("missing.qasm", "OPENQASM 2.0;\n\ninclude \"nothere.inc\";\n"
		   "qreg q[1];\n");
	snprintf(path, sizeof(path), "%s/missing.qasm", tmpdir);
	QT_ASSERT_NEGERR(qpu_qasm_parse_file(path, &c, err, sizeof(err)), ENOENT);
	snprintf(want, sizeof(want),
		 "%s/missing.qasm:3:9: cannot read include file '%s/nothere.inc'",
		 tmpdir, tmpdir);
	if (strncmp(err, want, strlen(want)))
		QT_FAIL("message \"%s\", want \"%s...\"", err, want);

	/* A file that includes itself. */
	write_file("self.inc", "include \"self.inc\";\n");
	write_file("self.qasm", "OPENQASM 2.0;\ninclude \"self.inc\";\n");
	snprintf(path, sizeof(path), "%s/self.qasm", tmpdir);
	QT_ASSERT_NEGERR(qpu_qasm_parse_file(path, &c, err, sizeof(err)), EINVAL);
	QT_ASSERT(strstr(err, "self.inc:1:9: ") && strstr(err, "includes itself"));

	/* The main file itself missing. */
	snprintf(path, sizeof(path), "%s/absent.qasm", tmpdir);
	QT_ASSERT_NEGERR(qpu_qasm_parse_file(path, &c, err, sizeof(err)), ENOENT);
	QT_ASSERT(strstr(err, "absent.qasm") != NULL);
	remove_tmpdir();

	/* Without a file name, includes are relative to the working directory. */
	parse_err_at("OPENQASM 2.0;\ninclude \"/nonexistent/x.inc\";\n", ENOENT,
		     "2:9", "cannot read include file '/nonexistent/x.inc'",
		     __LINE__);
}

QPU_TEST(qasm_examples)
{
	static const char *const names[] = {
		"bell", "ghz", "qft", "grover", "ansatz",
	};
	char dir[256], path[300], err[512];
	struct qpu_circuit *c;
	const char *slash;
	size_t i;

	/* The examples live at ../../examples from this source file. */
	slash = strrchr(__FILE__, '/');
	snprintf(dir, sizeof(dir), "%.*s/../../examples",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	snprintf(path, sizeof(path), "%s/bell.qasm", dir);
	if (access(path, R_OK))
		qt_skip("%s not found (run from the source tree)", path);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.qasm", dir, names[i]);
		c = NULL;
		if (qpu_qasm_parse_file(path, &c, err, sizeof(err)))
			QT_FAIL("%s", err);
		QT_ASSERT(qpu_circuit_num_gates(c) > 0);
		printf("# %s: %u qubits, %u bits, %u params, %u gates\n", names[i],
		       qpu_circuit_num_qubits(c), qpu_circuit_num_clbits(c),
		       qpu_circuit_num_params(c), qpu_circuit_num_gates(c));
		qpu_circuit_free(c);
	}
}

/* Size limits of the expansion. */
QPU_TEST(qasm_gate_limit)
{
	struct qpu_circuit *c;
	char src[4096];
	int off, i;

	/*
	 * g16 expands to 2^16 gates: with the limit lowered to that, it fits
	 * once, not twice. At the real limit (QPU_MAX_GATES) twice fits.
	 */
	off = snprintf(src, sizeof(src), HDR "qreg q[1];\ngate g0 a { h a; }\n");
	for (i = 1; i <= 16; i++)
		off += snprintf(src + off, sizeof(src) - off,
				"gate g%d a { g%d a; g%d a; }\n", i, i - 1, i - 1);
	snprintf(src + off, sizeof(src) - off, "g16 q[0];\ng16 q[0];\n");
	c = parse_ok(src);
	QT_ASSERT_EQ(qpu_circuit_num_gates(c), 1U << 17);
	qpu_circuit_free(c);
	qpu_gate_limit = 1U << 16;
	snprintf(src + off, sizeof(src) - off, "g16 q[0];\n");
	qpu_circuit_free(parse_ok(src));
	snprintf(src + off, sizeof(src) - off, "g16 q[0];\nh q[0];\n");
	parse_err_at(src, E2BIG, "22:1", "circuit has more than 65536 gates",
		     __LINE__);
	/* Reported inside the body, naming the top-level call. */
	snprintf(src + off, sizeof(src) - off, "g16 q[0];\ng1 q[0];\n");
	parse_err_at(src, E2BIG, "4:13",
		     "circuit has more than 65536 gates (in gate 'g1' applied at <input>:22:1)",
		     __LINE__);
	qpu_gate_limit = QPU_MAX_GATES;

	/* Exponentially many empty expansions stop early. */
	off = snprintf(src, sizeof(src), HDR "qreg q[1];\ngate e0 a { }\n");
	for (i = 1; i <= 40; i++)
		off += snprintf(src + off, sizeof(src) - off,
				"gate e%d a { e%d a; e%d a; }\n", i, i - 1, i - 1);
	snprintf(src + off, sizeof(src) - off, "e40 q[0];\n");
	parse_err(src, NULL, "gate expansion too large");
	parse_err(src, NULL, "(in gate 'e40' applied at <input>:45:1)");
}

/* Deep chains of gate definitions must not exhaust the stack. */
QPU_TEST(qasm_gate_nesting)
{
	static char src[65536];
	int off, i;

	off = snprintf(src, sizeof(src), HDR "qreg q[1];\ngate n0 a { x a; }\n");
	for (i = 1; i < 1000; i++)
		off += snprintf(src + off, sizeof(src) - off,
				"gate n%d a { n%d a; }\n", i, i - 1);
	snprintf(src + off, sizeof(src) - off, "n999 q[0];\n");
	qpu_circuit_free(parse_ok(src));
	snprintf(src + off, sizeof(src) - off, "gate n1000 a { n999 a; }\n");
	parse_err(src, "1004:6", "gate 'n1000' nests gate calls more than 1000 deep");
}

/* Parser: errors, with their position. */

QPU_TEST(qasm_err_header)
{
	parse_err("qreg q[1];\n", "1:1", "expected 'OPENQASM 2.0;' header");
	parse_err("// only a comment\n", "2:1", "expected 'OPENQASM 2.0;' header");
	parse_err("OPENQASM 3.0;\nqreg q[1];\n", "1:10",
		  "unsupported OpenQASM version 3.0");
	parse_err("OPENQASM 2.1;\n", "1:10", "unsupported OpenQASM version 2.1");
	parse_err("OPENQASM 2.0\nqreg q[1];\n", "1:13",
		  "expected ';' after the version");
	parse_err("OPENQASM;\n", "1:9", "expected a version number");
	parse_err("OPENQASM 2.0;\nqreg q[1];\nOPENQASM 2.0;\n", "3:1",
		  "the OPENQASM header must be the first statement");
	parse_err("OPENQASM 2.0;\n", "2:1", "the program declares no qubits");
	parse_err("OPENQASM 2.0;\ncreg c[1];\n", "3:1",
		  "the program declares no qubits");
}

QPU_TEST(qasm_err_syntax)
{
	parse_err(HDR "qreg q[1]\nh q[0];\n", "3:10",
		  "expected ';' after declaration");
	parse_err(HDR "qreg q[1];\nh q[0]\nx q[0];\n", "4:7",
		  "expected ';' after statement");
	parse_err(HDR "qreg q[1];\nh q[0;\n", "4:6", "expected ']', found ';'");
	parse_err(HDR "qreg q[1];\nrx(0.5 q[0];\n", "4:8",
		  "expected ',' or ')', found 'q'");
	parse_err(HDR "qreg q[1];\nrx() q[0];\n", "4:1",
		  "gate 'rx' takes 1 parameter, got 0");
	parse_err(HDR "qreg q[1];\nrx(1+) q[0];\n", "4:6",
		  "expected an expression, found ')'");
	parse_err(HDR "qreg q[1];\nh q[0]; @\n", "4:9", "unexpected character '@'");
	parse_err(HDR "qreg q[1];\ncreg c[1];\nif (c = 1) h q[0];\n", "5:7",
		  "unexpected '=' (comparisons use '==')");
	parse_err(HDR "include \"qelib1.inc;\n", "3:9", "unterminated string");
	parse_err(HDR "qreg q[1];\nrx(2pi) q[0];\n", "4:4", "malformed number '2pi'");
	parse_err(HDR "qreg q[1];\nrx(1.2.3) q[0];\n", "4:4", "malformed number");
	parse_err(HDR "qreg q[2.5];\n", "3:8", "expected an integer size, found '2.5'");
	parse_err(HDR "qreg q[1];\nh q[0.0];\n", "4:5", "expected an integer index");
	parse_err(HDR "qreg q[1];\n42;\n", "4:1", "expected a statement, found '42'");
	parse_err(HDR "qreg q[1];\nh;\n", "4:2", "expected a qubit operand, found ';'");
	parse_err(HDR "qreg q[1];\nsin(1) q[0];\n", "4:1", "unexpected 'sin'");
	parse_err(HDR "qreg q[1];\nrx(sin 1) q[0];\n", "4:8", "expected '(' after 'sin'");
	parse_err(HDR "qreg q[1];\nrx(foo) q[0];\n", "4:4",
		  "unknown identifier 'foo' in expression");
	parse_err(HDR "qreg q[1];\nrx(q) q[0];\n", "4:4",
		  "quantum register 'q' cannot be used in an expression");
	parse_err(HDR "qreg q[1];\nmeasure q[0] c[0];\n", "4:14",
		  "expected '->', found 'c'");
	parse_err(HDR "qreg q[1];\ncreg c[1];\nif (c == 1) barrier q;\n", "5:13",
		  "expected a gate, measure or reset after if (...)");
	parse_err(HDR "qreg q[1];\ncreg c[1];\nif (c == 1) if (c == 1) h q;\n", "5:13",
		  "expected a gate, measure or reset after if (...)");
	parse_err(HDR "qreg q[1];\nqreg \xc3\xa9[1];\n", "4:6",
		  "unexpected character 0xc3");
	parse_err(HDR "gate g a { h a;\n", "4:1", "expected '}' to end gate 'g'");
	parse_err(HDR "qreg q[1];\nrx(1/0) q[0];\n", "4:5", "angle expression is not finite");
	parse_err(HDR "qreg q[1];\nrx(ln(-1)) q[0];\n", "4:4",
		  "angle expression is not finite");
}

QPU_TEST(qasm_err_deep_nesting)
{
	static char src[200000];
	int off, i;

	off = snprintf(src, sizeof(src), HDR "qreg q[1];\nrx(");
	for (i = 0; i < 50000; i++)
		src[off++] = '(';
	src[off] = '\0';
	parse_err(src, "4:260", "expression too deeply nested");

	off = snprintf(src, sizeof(src), HDR "qreg q[1];\nrx(");
	for (i = 0; i < 50000; i++)
		src[off++] = '-';
	src[off] = '\0';
	parse_err(src, "4:260", "expression too deeply nested");

	off = snprintf(src, sizeof(src), HDR "qreg q[1];\nrx(1");
	for (i = 0; i < 20000; i++) {
		src[off++] = '+';
		src[off++] = '1';
	}
	snprintf(src + off, sizeof(src) - off, ") q[0];\n");
	parse_err(src, "4:2003", "expression too long or too deeply nested");
}

QPU_TEST(qasm_err_names)
{
	parse_err(HDR "qreg q[1];\nfoo q[0];\n", "4:1", "unknown gate 'foo'");
	parse_err(HDR "qreg q[1];\nq q[0];\n", "4:1",
		  "'q' is a quantum register, not a gate");
	parse_err(HDR "qreg q[1];\nh r[0];\n", "4:3", "undeclared register 'r'");
	parse_err(HDR "qreg q[1];\ncreg c[1];\nmeasure q[0] -> d[0];\n", "5:17",
		  "undeclared register 'd'");
	parse_err(HDR "qreg q[1];\ncreg c[1];\nh c[0];\n", "5:3",
		  "'c' is not a quantum register");
	parse_err(HDR "qreg q[1];\nmeasure q[0] -> q[0];\n", "4:17",
		  "'q' is not a classical register");
	parse_err(HDR "qreg q[1];\nif (q == 0) h q;\n", "4:5",
		  "'q' is not a classical register");
	parse_err(HDR "qreg q[1];\nif (c == 0) h q;\n", "4:5",
		  "undeclared register 'c'");
	parse_err(HDR "qreg q[1];\nqreg q[2];\n", "4:6", "register 'q' already declared");
	parse_err(HDR "qreg q[1];\ncreg q[2];\n", "4:6", "register 'q' already declared");
	parse_err(HDR "param q[1];\nqreg q[2];\n", "4:6", "register 'q' already declared");
	parse_err(HDR "qreg h[1];\n", "3:6", "'h' is already declared as a gate");
	parse_err(HDR "qreg q[1];\ngate q a { }\n", "4:6",
		  "'q' is already declared as a quantum register");
	parse_err(HDR "gate g a { }\ngate g b { }\n", "4:6", "gate 'g' already defined");
	parse_err(HDR "gate h a { }\n", "3:6", "gate 'h' already defined");
	parse_err("OPENQASM 2.0;\ngate h a { U(0,0,0) a; }\ninclude \"qelib1.inc\";\n",
		  "3:9", "qelib1.inc defines 'h', already declared as a gate");
	parse_err(HDR "qreg pi[1];\n", "3:6", "'pi' is a reserved word");
	parse_err(HDR "gate measure a { }\n", "3:6", "'measure' is a reserved word");
	parse_err(HDR "gate g(sin) a { }\n", "3:8", "'sin' is a reserved word");
	parse_err(HDR "qreg q[0];\n", "3:8", "register 'q' must have at least one element");
}

QPU_TEST(qasm_err_operands)
{
	parse_err(HDR "qreg q[3];\nh q[5];\n", "4:5",
		  "qubit index 5 out of range for register q[3]");
	parse_err(HDR "qreg q[3];\ncreg c[2];\nmeasure q[0] -> c[2];\n", "5:19",
		  "bit index 2 out of range for register c[2]");
	parse_err(HDR "qreg q[3];\nh q[99999999999999999999];\n", "4:5",
		  "out of range for register q[3]");
	parse_err(HDR "qreg q[2];\ncx q[0];\n", "4:1",
		  "gate 'cx' takes 2 qubit arguments, got 1");
	parse_err(HDR "qreg q[3];\nh q[0], q[1];\n", "4:1",
		  "gate 'h' takes 1 qubit argument, got 2");
	parse_err(HDR "qreg q[3];\nrx(1, 2) q[0];\n", "4:1",
		  "gate 'rx' takes 1 parameter, got 2");
	parse_err(HDR "qreg q[3];\ncu3(1, 2) q[0], q[1];\n", "4:1",
		  "gate 'cu3' takes 3 parameters, got 2");
	parse_err(HDR "qreg q[3];\nh(1) q[0];\n", "4:1",
		  "gate 'h' takes 0 parameters, got 1");
	parse_err(HDR "qreg q[3];\nU(1, 2) q[0];\n", "4:1",
		  "gate 'U' takes 3 parameters, got 2");
	parse_err(HDR "qreg q[3];\nCX q[0], q[1], q[2];\n", "4:1",
		  "gate 'CX' takes 2 qubit arguments, got 3");
	parse_err(HDR "qreg q[3];\ncx q[1], q[1];\n", "4:10",
		  "duplicate qubit argument q[1]");
	parse_err(HDR "qreg q[3];\nccx q[0], q, q[2];\n", "4:11",
		  "duplicate qubit argument q[0]");
	parse_err(HDR "qreg q[3];\nqreg r[2];\ncx q, r;\n", "5:7",
		  "register size mismatch: q[3] and r[2]");
	parse_err(HDR "qreg q[3];\ncreg c[2];\nmeasure q -> c;\n", "5:14",
		  "register size mismatch: q[3] and c[2]");
	parse_err(HDR "qreg q[2];\ncreg c[2];\nmeasure q -> c[0];\n", "5:14",
		  "cannot measure register 'q' into a single bit");
	parse_err(HDR "qreg q[2];\ncreg c[2];\nmeasure q[0] -> c;\n", "5:17",
		  "cannot measure a single qubit into register 'c'");
	parse_err(HDR "qreg q[1];\ncreg c[3];\nif (c == 9) x q[0];\n", "5:10",
		  "condition value 9 does not fit creg c[3]");
	parse_err(HDR "qreg q[1];\ncreg c[64];\nif (c == 18446744073709551616) x q[0];\n",
		  "5:10", "does not fit creg c[64]");
	parse_err(HDR "qreg a[2000];\nqreg b[49];\n", "4:8",
		  "too many qubits: 2049 declared, the limit is 2048");
	parse_err(HDR "qreg q[1];\ncreg c[65];\n", "4:8",
		  "too many classical bits: 65 declared, the limit is 64");
	parse_err(HDR "param pt[4000];\nparam pu[97];\n", "4:10",
		  "too many parameter slots: 4097 declared, the limit is 4096");
}

QPU_TEST(qasm_err_gate_bodies)
{
	parse_err(HDR "gate g a { g a; }\n", "3:12", "unknown gate 'g'");
	parse_err(HDR "gate g a { later a; }\ngate later a { }\n", "3:12",
		  "unknown gate 'later'");
	parse_err(HDR "gate g a { measure a; }\n", "3:12",
		  "'measure' is not allowed in a gate body");
	parse_err(HDR "gate g a { reset a; }\n", "3:12",
		  "'reset' is not allowed in a gate body");
	parse_err(HDR "gate g a { h b; }\n", "3:14", "'b' is not a qubit argument of this gate");
	parse_err(HDR "gate g a { h a[0]; }\n", "3:15",
		  "qubit arguments cannot be indexed inside a gate body");
	parse_err(HDR "gate g a, b { cx a, a; }\n", "3:21", "duplicate qubit argument 'a'");
	parse_err(HDR "gate g a, a { }\n", "3:11", "duplicate argument name 'a'");
	parse_err(HDR "gate g(x, x) a { }\n", "3:11", "duplicate argument name 'x'");
	parse_err(HDR "gate g(x) x { }\n", "3:11", "duplicate argument name 'x'");
	parse_err(HDR "gate g(x) a { rx(w) a; }\n", "3:18",
		  "unknown identifier 'w' in expression");
	parse_err(HDR "gate g(x) a { rx(y) a; }\n", "3:18",
		  "gate 'y' cannot be used in an expression");
	parse_err(HDR "gate g a { cx a; }\n", "3:12", "gate 'cx' takes 2 qubit arguments, got 1");
	parse_err(HDR "gate g a { }\nqreg q[2];\ng q[0], q[1];\n", "5:1",
		  "gate 'g' takes 1 qubit argument, got 2");
	parse_err(HDR "gate g(a) b { }\nqreg q[2];\ng q[0];\n", "5:1",
		  "gate 'g' takes 1 parameter, got 0");
	parse_err(HDR "gate g { }\n", "3:8", "expected a qubit argument name, found '{'");
	parse_err(HDR "param th[1];\ngate g a { rx(th[0]) a; }\n", "4:15",
		  "'th' is a runtime parameter: pass it to the gate instead");
}

QPU_TEST(qasm_err_opaque)
{
	parse_err(HDR "opaque foo a;\nqreg q[1];\nfoo q[0];\n", "5:1",
		  "opaque gate 'foo' cannot be executed");
	parse_err(HDR "opaque foo(t) a, b;\ngate g a, b { h a; foo(1) b, a; }\n"
		  "qreg q[2];\ng q[0], q[1];\n", "4:20",
		  "opaque gate 'foo' cannot be executed (in gate 'g' applied at <input>:6:1)");
}

QPU_TEST(qasm_err_params)
{
#define P HDR "param theta[2];\nparam beta[1];\nqreg q[2];\n"
	parse_err(P "rx(sin(theta[0])) q[0];\n", "6:4",
		  "sin() of runtime parameter theta[0] is not affine");
	parse_err(P "rx(theta[0]*theta[1]) q[0];\n", "6:12",
		  "product of runtime parameters theta[0] and theta[1] is not affine");
	parse_err(P "rx(theta[0]*(2*theta[0])) q[0];\n", "6:12",
		  "product of runtime parameters theta[0] and theta[0] is not affine");
	parse_err(P "rx(1/theta[1]) q[0];\n", "6:5",
		  "division by runtime parameter theta[1] is not affine");
	parse_err(P "rx(theta[0]^2) q[0];\n", "6:12",
		  "power of runtime parameter theta[0] is not affine");
	parse_err(P "rx(2^beta[0]) q[0];\n", "6:5",
		  "power of runtime parameter beta[0] is not affine");
	parse_err(P "rx(theta[0] + beta[0]) q[0];\n", "6:13",
		  "angle depends on two runtime parameters, theta[0] and beta[0]");
	parse_err(P "rx(theta[2]) q[0];\n", "6:10",
		  "parameter index 2 out of range for param theta[2]");
	parse_err(P "rx(theta) q[0];\n", "6:4", "parameter array 'theta' needs an index");
	parse_err(P "rx(theta[0]*1e308*10) q[0];\n", "6:18", "angle expression is not finite");
	/* Non-affine uses inside a gate body, reported there and at the call. */
	parse_err(P "gate g(a) x { rx(cos(a)) x; }\ng(theta[1]) q[0];\n", "6:18",
		  "cos() of runtime parameter theta[1] is not affine "
		  "(in gate 'g' applied at <input>:7:1)");
	parse_err(P "gate g(a, b) x { rx(a*b) x; }\ng(0.5, 2) q[0];\ng(theta[0], beta[0]) q[1];\n",
		  "6:22", "product of runtime parameters theta[0] and beta[0] is not affine "
		  "(in gate 'g' applied at <input>:8:1)");
	parse_err(P "gate g(a, b) x { rx(a - b) x; }\ng(theta[0], beta[0]) q[0];\n",
		  "6:23", "angle depends on two runtime parameters");
	parse_err(P "gate in(a) x { rz(exp(a)) x; }\ngate out(a) x { in(a/2) x; }\n"
		  "out(beta[0]) q;\n", "6:19",
		  "exp() of runtime parameter beta[0] is not affine "
		  "(in gate 'out' applied at <input>:8:1)");
#undef P
}

QPU_TEST(qasm_api_misuse)
{
	struct qpu_circuit *c = NULL;
	char err[8];

	QT_ASSERT_NEGERR(qpu_qasm_parse(NULL, NULL, &c, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_qasm_parse("OPENQASM 2.0;", NULL, NULL, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_qasm_parse_file(NULL, &c, NULL, 0), EINVAL);
	/* No message buffer, or a tiny one: still the right error. */
	QT_ASSERT_NEGERR(qpu_qasm_parse("qreg q[1];", NULL, &c, NULL, 0), EINVAL);
	QT_ASSERT_NEGERR(qpu_qasm_parse("qreg q[1];", "f.qasm", &c, err, sizeof(err)),
			 EINVAL);
	QT_ASSERT(!strcmp(err, "f.qasm:"));
	QT_ASSERT(c == NULL);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
