// SPDX-License-Identifier: GPL-2.0
/*
 * circuit.c - validation of user circuits and the device timing model.
 *
 * Everything here runs on untrusted input copied from userspace, before
 * any of it reaches the simulator: every field of every gate is checked,
 * so the simulator can trust operand ranges and counts. Integer only;
 * floating-point angles are checked through their bit patterns.
 */
#include "circuit.h"
#include "coupling.h"
#include "sort.h"

static bool qc_finite(u64 bits)
{
	return ((bits >> 52) & 0x7ff) != 0x7ff;
}

static bool qc_bits_fit(u64 value, u32 width)
{
	return width >= 64 || !(value >> width);
}

/* Sort @n keys and drop repeats; returns how many remain. */
static u32 qc_sort_unique(u32 *a, u32 n)
{
	u32 i, out = 0;

	qc_sort_u32(a, n);
	for (i = 0; i < n; i++)
		if (!out || a[out - 1] != a[i])
			a[out++] = a[i];
	return out;
}

static u32 qc_gate_check(const struct qpu_gate *g, u32 num_qubits,
			 u32 num_clbits, u32 num_params)
{
	u32 nang = qc_op_angles(g->op), nops, i, j;

	if (!g->op || g->op >= QPU_OP_NR)
		return QPU_CERR_OP;
	if (g->pad0 || g->pad1 || (g->flags & ~QPU_GATE_COND))
		return QPU_CERR_RESERVED;
	if (g->nctrl > QPU_MAX_CONTROLS)
		return QPU_CERR_NCTRL;
	if (g->nctrl && (g->op == QPU_OP_MEASURE || g->op == QPU_OP_RESET ||
			 g->op == QPU_OP_BARRIER))
		return QPU_CERR_OP;

	nops = g->nctrl + qc_op_targets(g->op);
	for (i = 0; i < (u32)ARRAY_SIZE(g->qubits); i++) {
		if (i >= nops) {
			if (g->qubits[i])
				return QPU_CERR_RESERVED;
			continue;
		}
		if (g->qubits[i] >= num_qubits)
			return QPU_CERR_QUBIT;
		for (j = 0; j < i; j++)
			if (g->qubits[j] == g->qubits[i])
				return QPU_CERR_DUP_QUBIT;
	}

	if (g->op == QPU_OP_MEASURE) {
		if (g->cbit >= num_clbits)
			return QPU_CERR_CBIT;
	} else if (g->cbit) {
		return QPU_CERR_RESERVED;
	}

	if (g->flags & QPU_GATE_COND) {
		if (!g->cond_width || g->cond_width > 64 ||
		    (u32)g->cond_start + g->cond_width > num_clbits ||
		    !qc_bits_fit(g->cond_value, g->cond_width))
			return QPU_CERR_COND;
	} else if (g->cond_start || g->cond_width || g->cond_value) {
		return QPU_CERR_RESERVED;
	}

	for (i = 0; i < QPU_NUM_ANGLES; i++) {
		if (i >= nang) {
			if (g->param[i] || g->scale[i] || g->offset[i])
				return QPU_CERR_ANGLE;
			continue;
		}
		if (g->param[i] > num_params)
			return QPU_CERR_PARAM;
		if (!g->param[i] && g->scale[i])
			return QPU_CERR_ANGLE;
		if (!qc_finite(g->scale[i]) || !qc_finite(g->offset[i]))
			return QPU_CERR_ANGLE;
	}
	return QPU_CERR_NONE;
}

int qc_circuit_validate(const struct qpu_gate *gates, u32 num_gates,
			u32 num_qubits, u32 num_clbits, u32 num_params,
			const u64 *obs, u32 num_obs,
			const struct qc_coupling *cpl, u32 *pairs,
			struct qc_validation *res)
{
	/* Qubits measured so far: a later gate on one means per-shot. */
	u64 measured = 0;
	u32 room = qc_circuit_max_pairs(num_gates), i, npairs = 0;

	memset(res, 0, sizeof(*res));
	if (num_qubits > 64) {
		res->error = QPU_CERR_QUBIT;
		return -EINVAL;
	}
	for (i = 0; i < num_gates; i++) {
		const struct qpu_gate *g = &gates[i];
		u32 nops, j;

		res->error = qc_gate_check(g, num_qubits, num_clbits, num_params);
		if (res->error) {
			res->index = i;
			return -EINVAL;
		}
		nops = g->nctrl + qc_op_targets(g->op);
		if (nops >= 2 && !cpl->full) {
			u32 before = npairs;

			/* Gates on 2+ qubits: see coupling.h. */
			if (!qc_operands_connected(g->qubits, nops,
						   cpl->coupled, cpl->priv,
						   pairs, &npairs)) {
				res->error = QPU_CERR_NOT_COUPLED;
				res->index = i;
				return -EINVAL;
			}
			/*
			 * Compact when the next gate could overflow @pairs:
			 * at most 2016 distinct pairs stay, so in a long
			 * circuit this happens once per few hundred gates
			 * and validation stays linear.
			 */
			if (pairs && npairs > before && npairs + 5 > room)
				npairs = qc_sort_unique(pairs, npairs);
		}

		if (g->op == QPU_OP_BARRIER)
			continue;
		if ((g->flags & QPU_GATE_COND) || g->op == QPU_OP_RESET) {
			res->per_shot = true;
			continue;
		}
		if (g->op == QPU_OP_MEASURE) {
			measured |= 1ULL << g->qubits[0];
			continue;
		}
		for (j = 0; j < nops; j++)
			if (measured >> g->qubits[j] & 1)
				res->per_shot = true;
	}

	for (i = 0; i < num_obs; i++) {
		if (num_qubits < 64 && obs[i] >> num_qubits) {
			res->error = QPU_CERR_OBSERVABLE;
			res->index = i;
			return -EINVAL;
		}
	}
	res->num_pairs = pairs ? qc_sort_unique(pairs, npairs) : 0;
	return 0;
}

/*
 * Timing model: see Documentation/qpu/timing.rst. Numbers follow published
 * superconducting devices: virtual Z rotations, 35 ns single-qubit pulses,
 * ~300 ns per two-qubit (CX-equivalent) interaction, ~1.5 us readout.
 */
#define QC_NS_1Q		35
#define QC_NS_2Q		300
#define QC_NS_MEASURE		1500
#define QC_NS_RESET		1500
#define QC_NS_REP_DELAY		250000

static bool qc_op_virtual_z(u32 op)
{
	return op == QPU_OP_Z || op == QPU_OP_S || op == QPU_OP_SDG ||
	       op == QPU_OP_T || op == QPU_OP_TDG || op == QPU_OP_RZ ||
	       op == QPU_OP_P;
}

/* CX-equivalents of a controlled single-target gate with @nctrl controls. */
static u32 qc_cx_equivalents(u32 op, u32 nctrl)
{
	static const u32 multi[] = { 0, 2, 6, 14, 36 };

	if (nctrl == 1 && (op == QPU_OP_X || op == QPU_OP_Z || op == QPU_OP_Y))
		return 1;
	return multi[nctrl];
}

u64 qc_gate_ns(const struct qpu_gate *g)
{
	switch (g->op) {
	case QPU_OP_BARRIER:
		return 0;
	case QPU_OP_MEASURE:
		return QC_NS_MEASURE;
	case QPU_OP_RESET:
		return QC_NS_RESET;
	case QPU_OP_SWAP:
		return QC_NS_2Q * (g->nctrl ? 8 : 3);
	case QPU_OP_RXX: case QPU_OP_RZZ:
		return QC_NS_2Q * (g->nctrl ? 8 : 2) + QC_NS_1Q;
	default:
		break;
	}
	if (g->nctrl)
		return QC_NS_2Q * qc_cx_equivalents(g->op, g->nctrl) + 2 * QC_NS_1Q;
	if (qc_op_virtual_z(g->op))
		return 0;
	return g->op == QPU_OP_U3 || g->op == QPU_OP_U2 || g->op == QPU_OP_H ||
	       g->op == QPU_OP_RX || g->op == QPU_OP_RY ? 2 * QC_NS_1Q : QC_NS_1Q;
}

u64 qc_circuit_shot_ns(const struct qpu_gate *gates, u32 num_gates)
{
	u64 ns = QC_NS_REP_DELAY;
	u32 i;

	for (i = 0; i < num_gates; i++)
		ns += qc_gate_ns(&gates[i]);
	return ns;
}
