/* SPDX-License-Identifier: GPL-2.0 */
/*
 * noise.h - the calibrated noise model of the simulator (portable core).
 *
 * The declarations are integer only; the code (noise.c) is floating point
 * like sim.c and in the kernel runs between kernel_fpu_begin() and
 * kernel_fpu_end(). Documentation/qpu/noise.rst, "The noise model", says
 * what the model does. Everything here works on caller-owned, read-only
 * data (struct qc_noise and the circuit) and on a caller-owned struct
 * qc_noise_clock; no locking, no allocation.
 */
#ifndef QPU_CORE_NOISE_H
#define QPU_CORE_NOISE_H

#include "port.h"
#include <linux/qpu.h>

/** QC_NOISE_PPM - one, in parts per million */
#define QC_NOISE_PPM		1000000U
/** QC_NOISE_CX_NS - a CX-equivalent of two-qubit interaction, ns */
#define QC_NOISE_CX_NS		370U

/**
 * struct qc_noise_qubit - calibration of one circuit (virtual) qubit
 * @gate1q_ppm: depolarising error of a single-qubit gate
 * @ro01_ppm: P(read 1 | qubit in 0)
 * @ro10_ppm: P(read 0 | qubit in 1)
 * @t1_us: T1, >= 1
 * @t2_us: T2, 1 .. 2 * @t1_us
 */
struct qc_noise_qubit {
	u32 gate1q_ppm;
	u32 ro01_ppm;
	u32 ro10_ppm;
	u32 t1_us;
	u32 t2_us;
};

/**
 * struct qc_xt_seg - one change of crosstalk exposure
 * @shot: first shot it applies to
 * @pad: zero
 * @exposed: circuit qubits next to another running allocation
 */
struct qc_xt_seg {
	u32 shot;
	u32 pad;
	u64 exposed;
};

/**
 * struct qc_noise - the noise of one job (all of it read-only to the core)
 * @num_qubits: == circuit width
 * @q: [num_qubits] per-qubit calibration
 * @pair_ppm: [num_qubits * num_qubits], symmetric: the two-qubit gate
 *	error of the pair, 0 = none given
 * @default_pair_ppm: used where @pair_ppm is 0 (or @pair_ppm is NULL)
 * @crosstalk_ppm: extra error of gates on exposed qubits (noise.rst)
 * @segs: crosstalk schedule, sorted by shot; may be NULL
 * @nsegs: entries in @segs. The caller may grow it between qc_sim_step()
 *	calls, for shots >= qc_sim_next_shot(); the struct and the arrays
 *	must stay valid as long as the simulation runs.
 */
struct qc_noise {
	u32 num_qubits;
	const struct qc_noise_qubit *q;
	const u32 *pair_ppm;
	u32 default_pair_ppm;
	u32 crosstalk_ppm;
	const struct qc_xt_seg *segs;
	u32 nsegs;
};

/**
 * qc_noise_esp() - estimated success probability of a circuit, FPU code
 * @gates: a validated circuit's gates
 * @num_gates: their number
 * @nz: the noise (num_qubits >= every operand)
 * @exposed: qubits taken as exposed to crosstalk
 * @esp: out: the probability, binary64 bits
 *
 * The product over gates of (1 - error) (crosstalk_ppm included on gates
 * touching @exposed), over measurements of (1 - (ro01 + ro10) / 2), times
 * the idle decay exp(-idle / T1) of every qubit over the ASAP schedule the
 * trajectories use (conditional gates counted as firing).
 * Return: 0, or -EINVAL for a bad argument or noise struct.
 */
int qc_noise_esp(const struct qpu_gate *gates, u32 num_gates,
		 const struct qc_noise *nz, u64 exposed, u64 *esp);

/*
 * Shared by sim.c and noise.c (not an interface of the module).
 */

/**
 * struct qc_noise_clock - per-qubit clocks of the ASAP schedule
 * @n: qubits
 * @touched: qubits that have had an operation
 * @clk: when each qubit is next free, ns
 * @rl: up to when its relaxation has been accounted, ns
 */
struct qc_noise_clock {
	u32 n;
	u64 touched;
	u64 clk[64];
	u64 rl[64];
};

/** qc_noise_valid() - whether @nz fits a circuit of width @num_qubits */
bool qc_noise_valid(const struct qc_noise *nz, u32 num_qubits);

/** qc_noise_clock_reset() - all @n clocks to 0 (start of a shot) */
void qc_noise_clock_reset(struct qc_noise_clock *s, u32 n);

/**
 * qc_noise_sched() - schedule gate @g (it fires) on the clocks
 * @s: the clocks
 * @g: the gate
 * @win: out: for each operand j (gate order), the time it relaxes over:
 *	the idle before the gate plus, except for MEASURE and RESET, the
 *	gate's duration. Idle before a qubit's first operation is not
 *	counted (the qubit is in |0>).
 *
 * A BARRIER sets every clock to their maximum.
 * Return: the number of operands written to @win.
 */
u32 qc_noise_sched(struct qc_noise_clock *s, const struct qpu_gate *g, u64 *win);

/** qc_noise_sync() - clocks of the qubits in @mask to their maximum */
void qc_noise_sync(struct qc_noise_clock *s, u64 mask);

/**
 * qc_noise_tail() - the terminal run of a circuit: the longest suffix of
 *	unconditional measurements and barriers
 * @gates: the gates
 * @num_gates: their number
 * @mask: out: the qubits it measures (the measurements are simultaneous)
 * Return: the index of its first gate (@num_gates if none).
 */
u32 qc_noise_tail(const struct qpu_gate *gates, u32 num_gates, u64 *mask);

/**
 * qc_noise_gate_err() - depolarising probabilities of gate @g, FPU code
 * @nz: the noise
 * @g: a gate other than MEASURE, RESET, ID and BARRIER
 * @p: out: the error probability when no operand is exposed
 * @pxt: out: for a gate of two or more operands, the error probability
 *	when one is exposed; for a single-qubit gate, the probability of the
 *	extra spectator Z on an exposed qubit
 */
void qc_noise_gate_err(const struct qc_noise *nz, const struct qpu_gate *g,
		       double *p, double *pxt);

/**
 * qc_noise_relax() - relaxation of qubit @q over @t_ns, FPU code
 * @nz: the noise
 * @q: the qubit
 * @t_ns: the time
 * @gamma: out: amplitude damping 1 - exp(-t / T1)
 * @pz: out: probability of a dephasing Z, (1 - exp(-t / Tphi)) / 2
 */
void qc_noise_relax(const struct qc_noise *nz, u32 q, u64 t_ns, double *gamma, double *pz);

/**
 * qc_noise_loss_ppm() - the share of @esp lost when exposed to crosstalk
 * @esp: qc_noise_esp() without exposure (binary64 bits)
 * @esp_exposed: qc_noise_esp() with exposure
 *
 * FPU code. Return: 1 - @esp_exposed / @esp in parts per million, clamped
 * to 0..%QC_NOISE_PPM (0 when @esp is not positive).
 */
u32 qc_noise_loss_ppm(u64 esp, u64 esp_exposed);

#endif /* QPU_CORE_NOISE_H */
