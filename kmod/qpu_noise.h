/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_noise.h - a device's noise settings (qpu_noise.c): whether runs are
 * ideal or follow the calibration, the crosstalk neighbouring runs add,
 * and how the allocator places qubits.
 *
 * Owns struct qpu_noise (embedded in struct qpu_device) and struct
 * qpu_run_noise (one per calibrated run). The tunables are plain values
 * written with WRITE_ONCE() by their sysfs attributes and read once with
 * READ_ONCE() where they are used (at allocation, at circuit load, when a
 * run starts); a run keeps the settings it started with. @running needs
 * no lock: a qubit's entry is written only by the runs of the allocation
 * holding it, which run one at a time, with WRITE_ONCE(), and @gen is
 * bumped after the writes (release) and read before the entries
 * (acquire); readers (a run looking for neighbours, the scheduler's
 * crosstalk rule) read locklessly: an exposure is a sample, and what a
 * run sampled is what it records and applies, so it stays reproducible.
 * A struct qpu_run_noise belongs to its run (one thread, no lock).
 */
#ifndef QPU_NOISE_H
#define QPU_NOISE_H

#include <linux/atomic.h>
#include <linux/sysfs.h>
#include <linux/types.h>
#include <linux/qpu.h>

#include "core/noise.h"

struct qpu_allocation;
struct qpu_calib_snap;
struct qpu_circuit;
struct qpu_device;
struct qpu_exec;

/** enum qpu_placement - the "placement" sysfs tunable */
enum qpu_placement {
	QPU_PLACE_FIDELITY,	/* best estimated success probability */
	QPU_PLACE_COMPACT,	/* first fitting region (noise-unaware) */
};

/** QPU_DEFAULT_CROSSTALK_PPM - default of the crosstalk_ppm tunable */
#define QPU_DEFAULT_CROSSTALK_PPM	8000
/** QPU_DEFAULT_DEFER_PPM - default of the crosstalk_defer_ppm tunable */
#define QPU_DEFAULT_DEFER_PPM		10000

/* Neighbouring physical qubits one crosstalk change records, at most. */
#define QPU_XT_MAX_NBRS		16

/**
 * struct qpu_noise - noise settings and running allocations of a device
 * @mode: enum qpu_noise_mode (uapi)
 * @placement: enum qpu_placement
 * @crosstalk_ppm: extra error of a two-qubit gate next to another running
 *	allocation (Documentation/qpu/noise.rst)
 * @defer_ppm: the scheduler holds a job back rather than run it beside a
 *	neighbour when crosstalk would cost it more than this share of its
 *	ESP ("crosstalk_defer_ppm"; 0: never)
 * @running: per physical qubit, the owner tag of the allocation running a
 *	job or run on it, 0 if none
 * @gen: bumped whenever @running changes
 */
struct qpu_noise {
	u8 mode;
	u8 placement;
	u32 crosstalk_ppm;
	u32 defer_ppm;
	u32 *running;
	atomic_t gen;
};

/**
 * struct qpu_run_noise - the noise of one calibrated run
 * @nz: what the simulator applies (points into this struct)
 * @q: per circuit qubit, from the run's calibration
 * @pair_ppm: per pair of circuit qubits, the coupling's 2q error
 * @forced: the crosstalk comes from the job (%QPU_RUN_CROSSTALK)
 * @gen: qpu_noise.gen when the exposure was last sampled
 * @cur: the current parameter vector's exposure
 * @nrec: entries of @rec
 * @rec: the crosstalk the run received (or was given), in order
 * @nnbr: per entry of @rec, entries of @nbr
 * @nbr: per entry of @rec, running physical qubits next to the run's
 * @nseg: entries of @seg
 * @seg: the current parameter vector's schedule, as the simulator takes it
 */
struct qpu_run_noise {
	struct qc_noise nz;
	struct qc_noise_qubit q[QPU_MAX_SIM_QUBITS];
	u32 pair_ppm[QPU_MAX_SIM_QUBITS * QPU_MAX_SIM_QUBITS];
	bool forced;
	u32 gen;
	u64 cur;
	u32 nrec;
	struct qpu_xt_seg rec[QPU_MAX_XT_SEGS];
	u8 nnbr[QPU_MAX_XT_SEGS];
	u16 nbr[QPU_MAX_XT_SEGS][QPU_XT_MAX_NBRS];
	u32 nseg;
	struct qc_xt_seg seg[QPU_MAX_XT_SEGS];
};

extern const struct attribute_group qpu_noise_group;
int qpu_noise_init(struct qpu_device *qdev);
void qpu_noise_fini(struct qpu_device *qdev);

/* qpu_noise_calibrated() - the device's runs follow its calibration */
bool qpu_noise_calibrated(struct qpu_device *qdev);

/*
 * qpu_noise_fidelity_placement() - the allocator picks regions by
 * calibrated fidelity: the device is calibrated and placement is
 * "fidelity" (in ideal mode every region is perfect, so the compact
 * choice is kept)
 */
bool qpu_noise_fidelity_placement(struct qpu_device *qdev);

int qpu_noise_load_esp(struct qpu_device *qdev, struct qpu_circuit *circ,
		       const struct qpu_allocation *a, u64 *esp);
int qpu_noise_check_schedule(const struct qpu_exec *x);
bool qpu_noise_may_start(const struct qpu_exec *x);
int qpu_noise_run_begin(struct qpu_exec *x);
void qpu_noise_run_end(struct qpu_exec *x);
const struct qc_noise *qpu_noise_slice_begin(struct qpu_exec *x, u32 sweep);
void qpu_noise_slice_track(struct qpu_exec *x, u32 sweep, u32 next_shot);

#endif /* QPU_NOISE_H */
