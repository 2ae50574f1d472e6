/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sim.h - state-vector simulator of the portable core.
 *
 * The only floating-point code of the project lives behind this header
 * and noise.h (sim.c, noise.c, fmath.c). In the kernel every call that may
 * touch floating point (qc_sim_step) runs between kernel_fpu_begin() and kernel_fpu_end(); the
 * caller bounds each such section with the @budget argument and calls
 * cond_resched() between sections, so a 20-qubit circuit never holds the
 * FPU (and preemption off) for long. qc_sim_mem_size() and qc_sim_init()
 * use integers only.
 *
 * A simulation is single-threaded and owns its memory arena; several run
 * in parallel on different arenas. Circuits are read-only and shared.
 */
#ifndef QPU_CORE_SIM_H
#define QPU_CORE_SIM_H

#include "port.h"
#include <linux/qpu.h>

struct qc_noise;

/**
 * struct qc_circuit - a validated circuit (see circuit.h), read-only
 * @gates: the gates
 * @num_gates: their number
 * @num_qubits: width n; the state has 2^n amplitudes
 * @num_clbits: classical bits, <= 64
 * @num_params: parameter slots
 * @observables: Z-string masks over qubits 0..n-1
 * @num_observables: their number
 * @per_shot: true when the circuit needs one simulation per shot (a
 *	measurement followed by anything but measurements on other qubits,
 *	a reset, or a conditional gate); false when all measurements are
 *	terminal, and the state is simulated once and sampled
 */
struct qc_circuit {
	const struct qpu_gate *gates;
	u32 num_gates;
	u32 num_qubits;
	u32 num_clbits;
	u32 num_params;
	const u64 *observables;
	u32 num_observables;
	bool per_shot;
};

/**
 * struct qc_sim_job - one simulation request (one parameter vector)
 * @circuit: what to simulate
 * @params: num_params binary64 values as bit patterns (copied at init)
 * @shots: 1..QPU_MAX_SHOTS
 * @seed: sampling seed; the same seed gives the same counts
 * @want_expect: compute the circuit's observables
 * @noise: NULL for the ideal device; else the calibrated noise (noise.h),
 *	which must stay valid until the simulation ends. It makes every
 *	shot its own quantum trajectory (Documentation/qpu/noise.rst).
 */
struct qc_sim_job {
	const struct qc_circuit *circuit;
	const u64 *params;
	u32 shots;
	u64 seed;
	bool want_expect;
	const struct qc_noise *noise;
};

/**
 * struct qc_sim_out - where a simulation writes its results
 * @counts: room for @max_counts entries; receives the histogram sorted by
 *	bits, one entry per distinct outcome
 * @max_counts: must be >= min(shots, 2^num_clbits) (1 when num_clbits is 0)
 * @num_counts: out: entries written
 * @expect: room for num_observables values (binary64 bit patterns), when
 *	the job wants them. For a circuit whose measurements are all terminal
 *	they are exact expectations on the state before measurement; for a
 *	per-shot circuit, the mean over shots of each shot's final state.
 * @work: out: amplitude updates performed (a cost measure)
 */
struct qc_sim_out {
	struct qpu_count *counts;
	u32 max_counts;
	u32 num_counts;
	u64 *expect;
	u64 work;
};

struct qc_sim;

/**
 * qc_sim_mem_size() - arena bytes a simulation of @job needs
 * Return: the size, or 0 if the job is too large to simulate.
 */
size_t qc_sim_mem_size(const struct qc_sim_job *job);

/**
 * qc_sim_init() - set up a simulation in @mem (qc_sim_mem_size() bytes,
 *	suitably aligned for doubles, contents arbitrary); no floating point
 * Return: the simulation handle (inside @mem), or NULL if @mem is too small.
 */
struct qc_sim *qc_sim_init(void *mem, size_t size, const struct qc_sim_job *job,
			   struct qc_sim_out *out);

/**
 * qc_sim_step() - advance the simulation by about @budget amplitude
 *	updates (at least one gate or one sampled shot), floating point
 * Return: 1 if more work remains, 0 when finished (results in the
 * qc_sim_out given to qc_sim_init()), negative errno on failure: -EDOM
 * when a parameterised angle is not finite, -ENOSPC when the histogram
 * has more entries than @max_counts. qc_sim_out.work is kept up to date
 * after every call.
 */
int qc_sim_step(struct qc_sim *sim, u64 budget);

/**
 * qc_sim_next_shot() - index of the first shot that has not started
 * @sim: a simulation
 *
 * 0 before the shots begin, the number of shots once all have started. A
 * crosstalk segment (struct qc_xt_seg) added between qc_sim_step() calls
 * must start at this shot or later.
 * Return: the index.
 */
u32 qc_sim_next_shot(const struct qc_sim *sim);

/*
 * For tests.
 */

/**
 * qc_sim_state() - the simulation's amplitudes: 2^n (re, im) pairs of
 *	doubles, basis index x at [2x, 2x + 1]
 * @sim: a simulation
 *
 * Once qc_sim_step() has returned 0 they hold the final state of a circuit
 * without measurements, or the last shot's final state of a per-shot
 * circuit; terminal sampling reuses this memory for its cumulative array.
 * Return: the amplitudes.
 */
const double *qc_sim_state(const struct qc_sim *sim);

#endif /* QPU_CORE_SIM_H */
