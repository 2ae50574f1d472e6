/* TEMPORARY STUB (not committed): H1 provides kmod/core/noise.h */
#ifndef QPU_CORE_NOISE_H
#define QPU_CORE_NOISE_H
#include "port.h"
#include <linux/qpu.h>
struct qc_noise_qubit { u32 gate1q_ppm, ro01_ppm, ro10_ppm, t1_us, t2_us; };
struct qc_xt_seg { u32 shot; u32 pad; u64 exposed; };
struct qc_noise {
	u32 num_qubits;
	const struct qc_noise_qubit *q;
	const u32 *pair_ppm;
	u32 default_pair_ppm;
	u32 crosstalk_ppm;
	const struct qc_xt_seg *segs;
	u32 nsegs;
};
int qc_noise_esp(const struct qpu_gate *gates, u32 num_gates,
		 const struct qc_noise *nz, u64 exposed, u64 *esp);
u32 qc_noise_loss_ppm(u64 esp, u64 esp_exposed);
#endif
