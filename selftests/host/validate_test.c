// SPDX-License-Identifier: GPL-2.0
/*
 * validate_test.c - host unit tests of the circuit validator
 * (kmod/core/circuit.c): every rejection class with its gate index, the
 * per-shot classification, the couplings a circuit relies on, and the
 * timing model.
 */
#include <math.h>

#include "qpu_test.h"
#include "circuit.h"

/* A line 0-1-2-3 as the allocation's coupling map. */
static bool line_coupled(void *priv, u32 a, u32 b)
{
	(void)priv;
	return a + 1 == b || b + 1 == a;
}

static const struct qc_coupling line = { .coupled = line_coupled };

static u64 bits(double d)
{
	u64 u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static struct qpu_gate gate1(u32 op, u32 q)
{
	struct qpu_gate g;

	memset(&g, 0, sizeof(g));
	g.op = op;
	g.qubits[0] = q;
	return g;
}

static struct qpu_gate cx(u32 c, u32 t)
{
	struct qpu_gate g = gate1(QPU_OP_X, c);

	g.nctrl = 1;
	g.qubits[1] = t;
	return g;
}

/* Validate [h 0, cx 0 1, BAD] and expect @err at index 2. */
static void expect_reject(struct qpu_gate bad, u32 err)
{
	struct qpu_gate g[3] = { gate1(QPU_OP_H, 0), cx(0, 1), bad };
	struct qc_validation res;

	QT_ASSERT_EQ(qc_circuit_validate(g, 3, 4, 2, 2, NULL, 0, &line, NULL, &res),
		     -EINVAL);
	QT_ASSERT_EQ(res.error, err);
	QT_ASSERT_EQ(res.index, 2);
}

QPU_TEST(valid_circuit_accepted)
{
	struct qpu_gate g[4] = { gate1(QPU_OP_H, 0), cx(0, 1), cx(1, 2),
				 gate1(QPU_OP_MEASURE, 2) };
	u32 pairs[20];
	struct qc_validation res;

	g[3].cbit = 1;
	QT_ASSERT_EQ(qc_circuit_validate(g, 4, 4, 2, 0, NULL, 0, &line, pairs, &res), 0);
	QT_ASSERT_EQ(res.error, QPU_CERR_NONE);
	QT_ASSERT(!res.per_shot);
	QT_ASSERT_EQ(res.num_pairs, 2);
	QT_ASSERT_EQ(pairs[0], 0u << 16 | 1);
	QT_ASSERT_EQ(pairs[1], 1u << 16 | 2);
}

QPU_TEST(every_rejection_class)
{
	struct qpu_gate g;

	g = gate1(QPU_OP_NR, 0);
	expect_reject(g, QPU_CERR_OP);
	g = gate1(0, 0);
	expect_reject(g, QPU_CERR_OP);
	g = gate1(QPU_OP_MEASURE, 0);
	g.nctrl = 1;
	g.qubits[1] = 1;
	expect_reject(g, QPU_CERR_OP);
	g = cx(0, 1);
	g.nctrl = QPU_MAX_CONTROLS + 1;
	expect_reject(g, QPU_CERR_NCTRL);
	expect_reject(gate1(QPU_OP_H, 4), QPU_CERR_QUBIT);
	expect_reject(cx(2, 2), QPU_CERR_DUP_QUBIT);
	expect_reject(cx(0, 2), QPU_CERR_NOT_COUPLED);
	g = gate1(QPU_OP_MEASURE, 0);
	g.cbit = 2;
	expect_reject(g, QPU_CERR_CBIT);
	g = gate1(QPU_OP_X, 0);
	g.flags = QPU_GATE_COND;
	g.cond_width = 2;
	g.cond_value = 4;	/* does not fit two bits */
	expect_reject(g, QPU_CERR_COND);
	g.cond_value = 1;
	g.cond_start = 1;	/* bits 1..2 of a 2-bit register */
	expect_reject(g, QPU_CERR_COND);
	g = gate1(QPU_OP_RX, 0);
	g.param[0] = 3;		/* only 2 slots */
	expect_reject(g, QPU_CERR_PARAM);
	g = gate1(QPU_OP_RX, 0);
	g.offset[0] = bits(NAN);
	expect_reject(g, QPU_CERR_ANGLE);
	g = gate1(QPU_OP_RX, 0);
	g.offset[0] = bits(INFINITY);
	expect_reject(g, QPU_CERR_ANGLE);
	g = gate1(QPU_OP_H, 0);
	g.offset[0] = bits(1.0);	/* H takes no angle */
	expect_reject(g, QPU_CERR_ANGLE);
	g = gate1(QPU_OP_RX, 0);
	g.scale[0] = bits(2.0);		/* a scale on a constant */
	expect_reject(g, QPU_CERR_ANGLE);
	g = gate1(QPU_OP_H, 0);
	g.pad0 = 1;
	expect_reject(g, QPU_CERR_RESERVED);
	g = gate1(QPU_OP_H, 0);
	g.qubits[3] = 1;	/* unused operand */
	expect_reject(g, QPU_CERR_RESERVED);
	g = gate1(QPU_OP_H, 0);
	g.cbit = 1;		/* cbit only for MEASURE */
	expect_reject(g, QPU_CERR_RESERVED);
	g = gate1(QPU_OP_H, 0);
	g.flags = 0x80;
	expect_reject(g, QPU_CERR_RESERVED);
}

QPU_TEST(observable_outside_width)
{
	struct qpu_gate g = gate1(QPU_OP_H, 0);
	u64 obs[2] = { 0x3, 0x10 };	/* qubit 4 of a 4-qubit circuit */
	struct qc_validation res;

	QT_ASSERT_EQ(qc_circuit_validate(&g, 1, 4, 0, 0, obs, 2, &line, NULL, &res),
		     -EINVAL);
	QT_ASSERT_EQ(res.error, QPU_CERR_OBSERVABLE);
	QT_ASSERT_EQ(res.index, 1);
}

QPU_TEST(wide_gates_need_a_connected_set)
{
	struct qpu_gate g = cx(0, 2);
	struct qc_validation res;
	struct qc_coupling full = { .full = true };

	/* ccx 0,1 -> 2 on a line: 0-1-2 is connected. */
	g.nctrl = 2;
	g.qubits[1] = 1;
	g.qubits[2] = 2;
	QT_ASSERT_EQ(qc_circuit_validate(&g, 1, 4, 0, 0, NULL, 0, &line, NULL, &res), 0);
	/* ccx 0,1 -> 3: qubit 3 hangs off nothing. */
	g.qubits[2] = 3;
	QT_ASSERT_EQ(qc_circuit_validate(&g, 1, 4, 0, 0, NULL, 0, &line, NULL, &res),
		     -EINVAL);
	QT_ASSERT_EQ(res.error, QPU_CERR_NOT_COUPLED);
	/* A fully connected device accepts any set. */
	QT_ASSERT_EQ(qc_circuit_validate(&g, 1, 4, 0, 0, NULL, 0, &full, NULL, &res), 0);
}

QPU_TEST(per_shot_classification)
{
	struct qpu_gate m0 = gate1(QPU_OP_MEASURE, 0), x0 = gate1(QPU_OP_X, 0);
	struct qpu_gate x1 = gate1(QPU_OP_X, 1), r = gate1(QPU_OP_RESET, 1);
	struct qpu_gate cond = x1;
	struct qc_validation res;
	struct qpu_gate g[2];

	cond.flags = QPU_GATE_COND;
	cond.cond_width = 1;
	/* A gate on another qubit after a measurement: still terminal. */
	g[0] = m0;
	g[1] = x1;
	QT_ASSERT_EQ(qc_circuit_validate(g, 2, 2, 1, 0, NULL, 0, &line, NULL, &res), 0);
	QT_ASSERT(!res.per_shot);
	/* A gate on the measured qubit: mid-circuit measurement. */
	g[1] = x0;
	QT_ASSERT_EQ(qc_circuit_validate(g, 2, 2, 1, 0, NULL, 0, &line, NULL, &res), 0);
	QT_ASSERT(res.per_shot);
	/* Resets and conditions always need per-shot simulation. */
	QT_ASSERT_EQ(qc_circuit_validate(&r, 1, 2, 1, 0, NULL, 0, &line, NULL, &res), 0);
	QT_ASSERT(res.per_shot);
	QT_ASSERT_EQ(qc_circuit_validate(&cond, 1, 2, 1, 0, NULL, 0, &line, NULL, &res), 0);
	QT_ASSERT(res.per_shot);
}

QPU_TEST(timing_model)
{
	struct qpu_gate g[4] = { gate1(QPU_OP_RZ, 0), gate1(QPU_OP_X, 0), cx(0, 1),
				 gate1(QPU_OP_MEASURE, 0) };
	u64 rep = qc_circuit_shot_ns(g, 0);

	/* Empty: the repetition delay alone; RZ is virtual (0 ns). */
	QT_ASSERT_EQ(rep, 250000);
	QT_ASSERT_EQ(qc_circuit_shot_ns(g, 1), rep);
	QT_ASSERT_EQ(qc_circuit_shot_ns(g, 2), rep + 35);
	QT_ASSERT_EQ(qc_circuit_shot_ns(g, 3), rep + 35 + 300 + 70);
	QT_ASSERT_EQ(qc_circuit_shot_ns(g, 4), rep + 35 + 370 + 1500);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
