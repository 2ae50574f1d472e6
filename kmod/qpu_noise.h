/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_noise.h - a device's noise settings (qpu_noise.c): whether runs are
 * ideal or follow the calibration, the crosstalk neighbouring runs add,
 * and how the allocator places qubits.
 *
 * Owns struct qpu_noise (embedded in struct qpu_device). Each field is a
 * plain value written with WRITE_ONCE() by its sysfs attribute and read
 * once with READ_ONCE() where it is used (at allocation, at circuit load,
 * when a run starts); no lock. A run keeps the settings it started with.
 */
#ifndef QPU_NOISE_H
#define QPU_NOISE_H

#include <linux/sysfs.h>
#include <linux/types.h>

struct qpu_device;

/** enum qpu_noise_mode - the "noise" sysfs tunable */
enum qpu_noise_mode {
	QPU_NOISE_IDEAL,	/* exact state-vector simulation */
	QPU_NOISE_CALIBRATED,	/* trajectories from the calibration */
};

/** enum qpu_placement - the "placement" sysfs tunable */
enum qpu_placement {
	QPU_PLACE_FIDELITY,	/* best estimated success probability */
	QPU_PLACE_COMPACT,	/* first fitting region (noise-unaware) */
};

/** QPU_DEFAULT_CROSSTALK_PPM - default of the crosstalk_ppm tunable */
#define QPU_DEFAULT_CROSSTALK_PPM	8000

/**
 * struct qpu_noise - noise settings of one device
 * @mode: enum qpu_noise_mode
 * @placement: enum qpu_placement
 * @crosstalk_ppm: extra error of a two-qubit gate next to another running
 *	allocation (Documentation/qpu/noise.rst)
 */
struct qpu_noise {
	u8 mode;
	u8 placement;
	u32 crosstalk_ppm;
};

extern const struct attribute_group qpu_noise_group;
void qpu_noise_init(struct qpu_device *qdev);

/* qpu_noise_calibrated() - the device's runs follow its calibration */
bool qpu_noise_calibrated(struct qpu_device *qdev);

/*
 * qpu_noise_fidelity_placement() - the allocator picks regions by
 * calibrated fidelity: the device is calibrated and placement is
 * "fidelity" (in ideal mode every region is perfect, so the compact
 * choice is kept)
 */
bool qpu_noise_fidelity_placement(struct qpu_device *qdev);

#endif /* QPU_NOISE_H */
