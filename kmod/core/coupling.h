/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * coupling.h - the coupling rule for multi-qubit gates, shared by the
 * kernel's circuit validator (core/circuit.c, run at CIRCUIT_LOAD) and
 * libqpu's layout search (libqpu/layout.c), so the library places circuits
 * by exactly the rule the kernel then checks. Dual-licensed because libqpu
 * (LGPL-2.1 OR MIT) links it too.
 *
 * Stateless; no locking.
 */
#ifndef QPU_CORE_COUPLING_H
#define QPU_CORE_COUPLING_H

#include "port.h"

/** QC_MAX_OPERANDS - most qubit operands of one gate (4 controls + 2) */
#define QC_MAX_OPERANDS		6

/**
 * qc_operands_connected() - do a gate's operands induce a connected
 *	subgraph of the coupling map?
 * @qubits: the operands (struct qpu_gate.qubits), distinct
 * @n: their number, at most %QC_MAX_OPERANDS (more is never connected)
 * @coupled: true if qubits @a and @b share an edge (symmetric)
 * @priv: passed to @coupled
 * @pairs: NULL, or out: receives the n - 1 edges of a spanning tree of
 *	the operands, as (a << 16 | b) with a < b, from index *@npairs on
 * @npairs: advanced by the edges written (unused when @pairs is NULL)
 *
 * Two operands must be coupled; three or more must be connected through
 * couplings among themselves (not through other qubits). 0 or 1 operands
 * are trivially connected.
 */
bool qc_operands_connected(const u16 *qubits, u32 n,
			   bool (*coupled)(void *priv, u32 a, u32 b),
			   void *priv, u32 *pairs, u32 *npairs);

#endif /* QPU_CORE_COUPLING_H */
