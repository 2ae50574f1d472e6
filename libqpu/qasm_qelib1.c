// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * qasm_qelib1.c - the gates of qelib1.inc (the OpenQASM 2.0 standard
 * library as Qiskit ships it) and the built-in U and CX, provided natively
 * instead of read from a file.
 *
 * Almost every gate is one native opcode with controls: cu1/cp are P with
 * one control, crx RX with one, ch H with one, c3sqrtx SX with three, u0
 * is ID (its duration parameter is dropped), u1 is P, u/u3/U are U3. Three
 * are sequences: cu(theta,phi,lambda,gamma) c,t is P(gamma) on c then
 * U3(theta,phi,lambda) on t controlled by c; rccx and rc3x are the exact
 * qelib1.inc decompositions (relative phases matter, so they are not
 * replaced by ccx and c3x).
 */
#include <errno.h>
#include <math.h>

#include "qasm.h"

enum qasm_builtin_kind {
	QB_DIRECT,	/* one opcode: op, nctrl, first nangles parameters */
	QB_CU,
	QB_RCCX,
	QB_RC3X,
};

#define G(n, np, nq, o, nc, na) \
	{ .name = n, .nparams = np, .nqubits = nq, .op = QPU_OP_##o, \
	  .nctrl = nc, .nangles = na, .kind = QB_DIRECT }
#define S(n, np, nq, k) \
	{ .name = n, .nparams = np, .nqubits = nq, .kind = k }

static const struct qasm_builtin builtin_u = G("U", 3, 1, U3, 0, 3);
static const struct qasm_builtin builtin_cx = G("CX", 0, 2, X, 1, 0);

static const struct qasm_builtin qelib1[] = {
	G("u3", 3, 1, U3, 0, 3),
	G("u2", 2, 1, U2, 0, 2),
	G("u1", 1, 1, P, 0, 1),
	G("cx", 0, 2, X, 1, 0),
	G("id", 0, 1, ID, 0, 0),
	G("u0", 1, 1, ID, 0, 0),
	G("u", 3, 1, U3, 0, 3),
	G("p", 1, 1, P, 0, 1),
	G("x", 0, 1, X, 0, 0),
	G("y", 0, 1, Y, 0, 0),
	G("z", 0, 1, Z, 0, 0),
	G("h", 0, 1, H, 0, 0),
	G("s", 0, 1, S, 0, 0),
	G("sdg", 0, 1, SDG, 0, 0),
	G("t", 0, 1, T, 0, 0),
	G("tdg", 0, 1, TDG, 0, 0),
	G("rx", 1, 1, RX, 0, 1),
	G("ry", 1, 1, RY, 0, 1),
	G("rz", 1, 1, RZ, 0, 1),
	G("sx", 0, 1, SX, 0, 0),
	G("sxdg", 0, 1, SXDG, 0, 0),
	G("cz", 0, 2, Z, 1, 0),
	G("cy", 0, 2, Y, 1, 0),
	G("swap", 0, 2, SWAP, 0, 0),
	G("ch", 0, 2, H, 1, 0),
	G("ccx", 0, 3, X, 2, 0),
	G("cswap", 0, 3, SWAP, 1, 0),
	G("crx", 1, 2, RX, 1, 1),
	G("cry", 1, 2, RY, 1, 1),
	G("crz", 1, 2, RZ, 1, 1),
	G("cu1", 1, 2, P, 1, 1),
	G("cp", 1, 2, P, 1, 1),
	G("cu3", 3, 2, U3, 1, 3),
	G("csx", 0, 2, SX, 1, 0),
	S("cu", 4, 2, QB_CU),
	G("rxx", 1, 2, RXX, 0, 1),
	G("rzz", 1, 2, RZZ, 0, 1),
	S("rccx", 0, 3, QB_RCCX),
	S("rc3x", 0, 4, QB_RC3X),
	G("c3x", 0, 4, X, 3, 0),
	G("c3sqrtx", 0, 4, SX, 3, 0),
	G("c4x", 0, 5, X, 4, 0),
};

const struct qasm_builtin *qasm_builtin_u(void)
{
	return &builtin_u;
}

const struct qasm_builtin *qasm_builtin_cx(void)
{
	return &builtin_cx;
}

const struct qasm_builtin *qasm_qelib1(size_t *n)
{
	*n = sizeof(qelib1) / sizeof(qelib1[0]);
	return qelib1;
}

static struct qpu_angle to_angle(const struct qasm_affine *a)
{
	struct qpu_angle r = { a->param, a->param ? a->scale : 0.0, a->offset };

	/* One encoding of zero: -0.0 would hash differently. */
	if (r.scale == 0.0)
		r.scale = 0.0;
	if (r.offset == 0.0)
		r.offset = 0.0;
	return r;
}

/*
 * A step of a fixed decomposition: u2(0,pi), u1(pi/4), u1(-pi/4) on
 * qubit t, or cx from qubit ctrl to qubit t (indices into the arguments).
 */
enum { ST_H2, ST_T, ST_TDG, ST_CX };

struct step {
	uint8_t kind;
	uint8_t ctrl;
	uint8_t t;
};

/* qelib1.inc: gate rccx a,b,c */
static const struct step rccx_steps[] = {
	{ ST_H2, 0, 2 }, { ST_T, 0, 2 }, { ST_CX, 1, 2 }, { ST_TDG, 0, 2 },
	{ ST_CX, 0, 2 }, { ST_T, 0, 2 }, { ST_CX, 1, 2 }, { ST_TDG, 0, 2 },
	{ ST_H2, 0, 2 },
};

/* qelib1.inc: gate rc3x a,b,c,d */
static const struct step rc3x_steps[] = {
	{ ST_H2, 0, 3 }, { ST_T, 0, 3 }, { ST_CX, 2, 3 }, { ST_TDG, 0, 3 },
	{ ST_H2, 0, 3 }, { ST_CX, 0, 3 }, { ST_T, 0, 3 }, { ST_CX, 1, 3 },
	{ ST_TDG, 0, 3 }, { ST_CX, 0, 3 }, { ST_T, 0, 3 }, { ST_CX, 1, 3 },
	{ ST_TDG, 0, 3 }, { ST_H2, 0, 3 }, { ST_T, 0, 3 }, { ST_CX, 2, 3 },
	{ ST_TDG, 0, 3 }, { ST_H2, 0, 3 },
};

static int apply_steps(const struct step *s, size_t n, const uint32_t *qubits,
		       struct qpu_circuit *c)
{
	/* The constants as the source writes them: pi/4 and -pi/4. */
	const struct qpu_angle h2[2] = { qpu_const(0.0), qpu_const(M_PI) };
	const struct qpu_angle t = qpu_const(M_PI / 4);
	const struct qpu_angle tdg = qpu_const(-M_PI / 4);
	uint32_t q[2];
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		q[0] = qubits[s[i].ctrl];
		q[1] = qubits[s[i].t];
		switch (s[i].kind) {
		case ST_H2:
			ret = qpu_circuit_gate(c, QPU_OP_U2, 0, &q[1], 1, h2, 2);
			break;
		case ST_T:
			ret = qpu_circuit_gate(c, QPU_OP_P, 0, &q[1], 1, &t, 1);
			break;
		case ST_TDG:
			ret = qpu_circuit_gate(c, QPU_OP_P, 0, &q[1], 1, &tdg, 1);
			break;
		default:
			ret = qpu_circuit_gate(c, QPU_OP_X, 1, q, 2, NULL, 0);
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

int qasm_builtin_apply(const struct qasm_builtin *b,
		       const struct qasm_affine *args, const uint32_t *qubits,
		       struct qpu_circuit *c)
{
	struct qpu_angle ang[QPU_NUM_ANGLES];
	uint32_t i;
	int ret;

	switch (b->kind) {
	case QB_DIRECT:
		for (i = 0; i < b->nangles; i++)
			ang[i] = to_angle(&args[i]);
		return qpu_circuit_gate(c, b->op, b->nctrl, qubits, b->nqubits,
					ang, b->nangles);
	case QB_CU:
		/* p(gamma) c; then U(theta,phi,lambda) on t controlled by c */
		ang[0] = to_angle(&args[3]);
		ret = qpu_circuit_gate(c, QPU_OP_P, 0, qubits, 1, ang, 1);
		if (ret)
			return ret;
		for (i = 0; i < 3; i++)
			ang[i] = to_angle(&args[i]);
		return qpu_circuit_gate(c, QPU_OP_U3, 1, qubits, 2, ang, 3);
	case QB_RCCX:
		return apply_steps(rccx_steps, sizeof(rccx_steps) /
				   sizeof(rccx_steps[0]), qubits, c);
	case QB_RC3X:
		return apply_steps(rc3x_steps, sizeof(rc3x_steps) /
				   sizeof(rc3x_steps[0]), qubits, c);
	default:
		return -EINVAL;
	}
}
