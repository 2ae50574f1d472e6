/* SPDX-License-Identifier: GPL-2.0 */
/*
 * circuit.h - circuit validation and the device timing model (portable
 * core, integer only: angles are checked as IEEE-754 bit patterns).
 *
 * Stateless functions over caller-owned arrays; no locking.
 */
#ifndef QPU_CORE_CIRCUIT_H
#define QPU_CORE_CIRCUIT_H

#include "port.h"
#include <linux/qpu.h>

/** qc_op_angles() - angles an opcode takes (struct qpu_gate.param etc.) */
static inline u32 qc_op_angles(u32 op)
{
	switch (op) {
	case QPU_OP_RX: case QPU_OP_RY: case QPU_OP_RZ: case QPU_OP_P:
	case QPU_OP_RXX: case QPU_OP_RZZ:
		return 1;
	case QPU_OP_U2:
		return 2;
	case QPU_OP_U3:
		return 3;
	default:
		return 0;
	}
}

/** qc_op_targets() - target operands of an opcode, after its controls */
static inline u32 qc_op_targets(u32 op)
{
	switch (op) {
	case QPU_OP_SWAP: case QPU_OP_RXX: case QPU_OP_RZZ:
		return 2;
	case QPU_OP_BARRIER:
		return 0;
	default:
		return 1;
	}
}

/** qc_gate_operands() - qubit operands of @g: controls plus targets */
static inline u32 qc_gate_operands(const struct qpu_gate *g)
{
	return g->nctrl + qc_op_targets(g->op);
}

/**
 * struct qc_coupling - how the validator asks whether qubits are coupled
 * @full: every pair is coupled (fully connected device)
 * @coupled: for other devices, true if virtual qubits @a and @b share an
 *	edge of the allocation
 * @priv: passed to @coupled
 */
struct qc_coupling {
	bool full;
	bool (*coupled)(void *priv, u32 a, u32 b);
	void *priv;
};

/**
 * struct qc_validation - outcome of qc_circuit_validate()
 * @error: enum qpu_circuit_error (QPU_CERR_NONE on success)
 * @index: offending gate or observable index
 * @per_shot: the circuit needs one simulation per shot
 * @num_pairs: distinct couplings the circuit relies on, in @pairs
 */
struct qc_validation {
	u32 error;
	u32 index;
	bool per_shot;
	u32 num_pairs;
};

/*
 * Room for coupling pairs while validating: a gate adds at most 5 (a
 * spanning tree of 6 operands), and 64 qubits have at most 2016 distinct
 * pairs, so a scratch of 4096 compacted whenever it could overflow holds
 * any circuit, however long.
 */
#define QC_PAIRS_ROOM		4096U

/** qc_circuit_max_pairs() - room qc_circuit_validate() may need in @pairs */
static inline u32 qc_circuit_max_pairs(u32 num_gates)
{
	return num_gates < QC_PAIRS_ROOM / 5 ? num_gates * 5 : QC_PAIRS_ROOM;
}

/**
 * qc_circuit_validate() - check a circuit against its limits and couplings
 * @gates: the gates
 * @num_gates: their number
 * @num_qubits: width, <= 64; qubit operands must be below it
 * @num_clbits: classical width
 * @num_params: parameter slots
 * @obs: observables (Z masks)
 * @num_obs: their number
 * @cpl: coupling oracle of the allocation
 * @pairs: out: room for qc_circuit_max_pairs(num_gates) entries; receives
 *	the couplings the circuit relies on, as (a << 16 | b) with a < b,
 *	sorted and unique. May be NULL.
 * @res: out: error detail, per_shot and num_pairs
 *
 * Return: 0, or -EINVAL with @res->error and @res->index set.
 */
int qc_circuit_validate(const struct qpu_gate *gates, u32 num_gates,
			u32 num_qubits, u32 num_clbits, u32 num_params,
			const u64 *obs, u32 num_obs,
			const struct qc_coupling *cpl, u32 *pairs,
			struct qc_validation *res);

/** qc_circuit_max_outcomes() - distinct outcomes a run can produce */
static inline u32 qc_circuit_max_outcomes(u32 num_clbits, u32 shots)
{
	if (num_clbits >= 32)
		return shots;
	return (1ULL << num_clbits) < shots ? (u32)(1ULL << num_clbits) : shots;
}

/**
 * qc_gate_ns() - modelled duration of one gate, nanoseconds
 * @g: a validated gate
 *
 * The table of Documentation/qpu/timing.rst: 0 for virtual Z rotations and
 * barriers, 35 ns per single-qubit pulse (ID included), 300 ns per
 * CX-equivalent plus pulses, 1500 ns for MEASURE and RESET. The noise
 * model (noise.h) schedules circuits with it.
 * Return: the duration.
 */
u64 qc_gate_ns(const struct qpu_gate *g);

/**
 * qc_circuit_shot_ns() - modelled duration of one shot, nanoseconds
 * (Documentation/qpu/timing.rst): gates executed one after another, plus
 * the repetition delay between shots.
 */
u64 qc_circuit_shot_ns(const struct qpu_gate *gates, u32 num_gates);

#endif /* QPU_CORE_CIRCUIT_H */
