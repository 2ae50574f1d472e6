/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_circuit.h - loaded circuits (qpu_circuit.c).
 *
 * Owns struct qpu_circuit, reference counted: the context's handle table
 * (ctx->circuits, under qpu_ctx.lock) and each job that runs it keep it.
 * A loaded circuit is immutable, so holders read it without a lock.
 */
#ifndef QPU_CIRCUIT_H
#define QPU_CIRCUIT_H

#include <linux/kref.h>
#include <linux/types.h>
#include <linux/qpu.h>

#include "core/circuit.h"
#include "core/sim.h"

struct qpu_allocation;
struct qpu_ctx;
struct qpu_device;

/**
 * struct qpu_circuit - a loaded circuit
 * @ref: references (handle table, jobs)
 * @core: the simulator's view (points into @gates and @observables)
 * @gates: validated gates
 * @observables: Z masks
 * @pairs: couplings the circuit relies on ((a << 16) | b, virtual)
 * @num_pairs: entries in @pairs
 * @alloc_handle: allocation it was validated against
 * @alloc_owner: that allocation's owner tag, to detect handle reuse
 * @shot_ns: modelled duration of one shot
 * @xt_loss_ppm: share of its ESP crosstalk on every qubit would cost, on
 *	the allocation and calibration of its load (0 when ideal)
 * @hash: SHA-256 of the circuit
 * @has_source: the loader named the circuit this one was routed from
 *	(%QPU_LOAD_SOURCE): @source_hash, @route_seed and @route_swaps are set
 * @source_hash: SHA-256 of that circuit, as the loader gave it
 * @route_seed: the seed its routing used
 * @route_swaps: the SWAPs routing inserted
 */
struct qpu_circuit {
	struct kref ref;
	struct qc_circuit core;
	struct qpu_gate *gates;
	u64 *observables;
	u32 *pairs;
	u32 num_pairs;
	u32 alloc_handle;
	u32 alloc_owner;
	u64 shot_ns;
	u32 xt_loss_ppm;
	u8 hash[32];
	bool has_source;
	u8 source_hash[32];
	u64 route_seed;
	u32 route_swaps;
};

int qpu_circuit_load(struct qpu_ctx *ctx, struct qpu_circuit_load *arg);
int qpu_circuit_free(struct qpu_ctx *ctx, struct qpu_circuit_free *arg);
void qpu_circuit_put(struct qpu_circuit *circ);
bool qpu_circuit_fits(const struct qpu_circuit *circ, struct qpu_device *qdev,
		      const struct qpu_allocation *a);

#endif /* QPU_CIRCUIT_H */
