// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_noise.c - what makes a device noisy: its tunables under
 * /sys/class/qpu/qpuN/ ("noise": ideal | calibrated, "crosstalk_ppm",
 * "placement": fidelity | compact), the noise a calibrated run simulates
 * (struct qpu_run_noise, built from the calibration the run started on and
 * the physical qubits behind its circuit), the estimated success
 * probability given at circuit load, and crosstalk: which allocations run
 * right now, which of a run's qubits they touch, and the record of it a
 * run keeps for its audit record and replay (Documentation/qpu/noise.rst).
 *
 * A run samples its exposure when it starts each parameter vector and,
 * between two of the simulator's FPU sections, whenever the set of running
 * allocations changed; a change applies from the next shot on. It records
 * at most QPU_MAX_XT_SEGS changes; after that its exposure stays as it
 * was, so what it recorded is still exactly what it received.
 *
 * Locking: see qpu_noise.h.
 */
#include <asm/fpu/api.h>
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "core/calib.h"
#include "qpu_audit.h"
#include "qpu_backend.h"
#include "qpu_buffer.h"
#include "qpu_calib.h"
#include "qpu_circuit.h"
#include "qpu_ctx.h"
#include "qpu_device.h"
#include "qpu_noise.h"
#include "qpu_sysfs.h"

/* binary64 1.0: the success probability of an ideal device */
#define QPU_ESP_ONE	0x3ff0000000000000ULL

static const char * const qpu_noise_modes[] = {
	[QPU_NOISE_MODE_IDEAL] = "ideal",
	[QPU_NOISE_MODE_CALIBRATED] = "calibrated",
};

static const char * const qpu_placements[] = {
	[QPU_PLACE_FIDELITY] = "fidelity",
	[QPU_PLACE_COMPACT] = "compact",
};

int qpu_noise_init(struct qpu_device *qdev)
{
	struct qpu_noise *n = &qdev->noise;

	n->mode = QPU_NOISE_MODE_IDEAL;
	n->placement = QPU_PLACE_FIDELITY;
	n->crosstalk_ppm = QPU_DEFAULT_CROSSTALK_PPM;
	n->defer_ppm = QPU_DEFAULT_DEFER_PPM;
	atomic_set(&n->gen, 0);
	n->running = kcalloc(qdev->topo->num_qubits, sizeof(*n->running),
			     GFP_KERNEL);
	return n->running ? 0 : -ENOMEM;
}

void qpu_noise_fini(struct qpu_device *qdev)
{
	kfree(qdev->noise.running);
	qdev->noise.running = NULL;
}

bool qpu_noise_calibrated(struct qpu_device *qdev)
{
	return READ_ONCE(qdev->noise.mode) == QPU_NOISE_MODE_CALIBRATED;
}

bool qpu_noise_fidelity_placement(struct qpu_device *qdev)
{
	return qpu_noise_calibrated(qdev) &&
	       READ_ONCE(qdev->noise.placement) == QPU_PLACE_FIDELITY;
}

/*
 * The noise of @n circuit qubits on physical qubits @phys, from calibration
 * @s: per qubit its errors and coherence times, per coupled pair its 2q
 * error (a pair the device does not couple, such as the first two operands
 * of a three-qubit gate may be, gets the device's mean).
 */
static struct qpu_run_noise *qpu_noise_build(struct qpu_device *qdev,
					     const struct qpu_calib_snap *s,
					     const u32 *phys, u32 n)
{
	const struct qc_topology *t = qdev->topo;
	struct qpu_run_noise *rn;
	u32 v, w, e;

	if (WARN_ON_ONCE(n > QPU_MAX_SIM_QUBITS))
		return NULL;
	rn = kzalloc(sizeof(*rn), GFP_KERNEL_ACCOUNT);
	if (!rn)
		return NULL;
	for (v = 0; v < n; v++) {
		const u32 *qv = &s->qval[QC_CALIB_QVALS * phys[v]];

		rn->q[v] = (struct qc_noise_qubit) {
			.gate1q_ppm = qv[QC_CQ_GATE1Q],
			.ro01_ppm = qv[QC_CQ_READOUT],
			.ro10_ppm = qv[QC_CQ_READOUT10],
			.t1_us = qv[QC_CQ_T1],
			.t2_us = qv[QC_CQ_T2],
		};
		for (w = 0; w < v; w++) {
			e = qc_topology_edge(t, phys[v], phys[w]);
			if (e == QC_NO_EDGE)
				continue;
			rn->pair_ppm[v * n + w] = s->gate2q_ppm[e];
			rn->pair_ppm[w * n + v] = s->gate2q_ppm[e];
		}
	}
	rn->nz = (struct qc_noise) {
		.num_qubits = n,
		.q = rn->q,
		.pair_ppm = rn->pair_ppm,
		.default_pair_ppm = s->gate2q_mean_ppm,
		.crosstalk_ppm = READ_ONCE(qdev->noise.crosstalk_ppm),
		.segs = rn->seg,
	};
	return rn;
}

/**
 * qpu_noise_load_esp() - the estimated success probability of a circuit
 * @qdev: its device
 * @circ: the circuit, validated
 * @a: the allocation it is loaded on
 * @esp: out: binary64 bits, 1.0 on an ideal device
 *
 * On a calibrated device, from the calibration current now, without
 * crosstalk; also sets @circ->xt_loss_ppm, the share of that ESP it would
 * lose with every qubit exposed to crosstalk (what the scheduler weighs,
 * qpu_noise_may_start()). Process context. Return: 0 or -ENOMEM.
 */
int qpu_noise_load_esp(struct qpu_device *qdev, struct qpu_circuit *circ,
		       const struct qpu_allocation *a, u64 *esp)
{
	u32 n = circ->core.num_qubits;
	struct qpu_calib_snap *s;
	struct qpu_run_noise *rn;
	u64 esp_x;
	int ret;

	*esp = QPU_ESP_ONE;
	circ->xt_loss_ppm = 0;
	if (!qpu_noise_calibrated(qdev))
		return 0;
	s = qpu_calib_get(qdev);
	rn = qpu_noise_build(qdev, s, a->phys, circ->core.num_qubits);
	qpu_calib_put(s);
	if (!rn)
		return -ENOMEM;
	kernel_fpu_begin();
	ret = qc_noise_esp(circ->gates, circ->core.num_gates, &rn->nz, 0, esp);
	if (!ret)
		ret = qc_noise_esp(circ->gates, circ->core.num_gates, &rn->nz,
				   n < 64 ? BIT_ULL(n) - 1 : ~0ULL, &esp_x);
	if (!ret)
		circ->xt_loss_ppm = qc_noise_loss_ppm(*esp, esp_x);
	kernel_fpu_end();
	kfree(rn);
	return ret;
}

/* The job's crosstalk schedule in its parameter buffer, or NULL. */
static const struct qpu_crosstalk *qpu_noise_schedule(const struct qpu_exec *x)
{
	const struct qpu_job_desc *job = &x->job;
	u64 off = job->crosstalk_offset;
	const struct qpu_crosstalk *xt;
	u32 n;

	if (!x->pbuf || !off || !IS_ALIGNED(off, 8) ||
	    off > x->pbuf->size || x->pbuf->size - off < sizeof(*xt))
		return NULL;
	xt = x->pbuf->vaddr + off;
	n = READ_ONCE(xt->num_segs);
	if (n > QPU_MAX_XT_SEGS ||
	    x->pbuf->size - off - sizeof(*xt) < n * sizeof(xt->segs[0]))
		return NULL;
	return xt;
}

/*
 * Check a schedule (read once into @segs, which has room for
 * QPU_MAX_XT_SEGS): ordered, and within the job's sweeps, shots and width.
 * Return: the number of changes, or -EINVAL.
 */
static int qpu_noise_read_schedule(const struct qpu_exec *x,
				   struct qpu_xt_seg *segs)
{
	const struct qpu_crosstalk *xt = qpu_noise_schedule(x);
	u32 width = x->circ->core.num_qubits, n, i;

	if (!xt || READ_ONCE(xt->reserved))
		return -EINVAL;
	n = min_t(u32, READ_ONCE(xt->num_segs), QPU_MAX_XT_SEGS);
	memcpy(segs, xt->segs, n * sizeof(*segs));
	for (i = 0; i < n; i++) {
		const struct qpu_xt_seg *g = &segs[i];

		if (g->sweep >= x->nsweeps || g->shot >= x->job.shots ||
		    (width < 64 && g->exposed >> width))
			return -EINVAL;
		if (i && (g->sweep < segs[i - 1].sweep ||
			  (g->sweep == segs[i - 1].sweep &&
			   g->shot <= segs[i - 1].shot)))
			return -EINVAL;
	}
	return n;
}

/**
 * qpu_noise_check_schedule() - check a job's %QPU_RUN_CROSSTALK schedule
 *	at submission (it is read again, and checked again, when it starts)
 * @x: the job, its buffers resolved
 *
 * Does not sleep. Return: 0 or -EINVAL.
 */
int qpu_noise_check_schedule(const struct qpu_exec *x)
{
	struct qpu_xt_seg segs[QPU_MAX_XT_SEGS];

	if (!(x->job.flags & QPU_RUN_CROSSTALK))
		return x->job.crosstalk_offset ? -EINVAL : 0;
	return qpu_noise_read_schedule(x, segs) < 0 ? -EINVAL : 0;
}

/* The generation of the running marks; the marks it counts are visible. */
static u32 qpu_noise_gen(struct qpu_device *qdev)
{
	return atomic_read_acquire(&qdev->noise.gen);
}

/* Mark @a's qubits as running (@owner) or not (0). */
static void qpu_noise_mark(struct qpu_device *qdev,
			   const struct qpu_allocation *a, u32 owner)
{
	struct qpu_noise *n = &qdev->noise;
	u32 i;

	for (i = 0; i < a->k; i++)
		WRITE_ONCE(n->running[a->phys[i]], owner);
	/* Whoever sees the new generation sees these marks (qpu_noise_gen()). */
	smp_mb__before_atomic();
	atomic_inc(&n->gen);
}

/**
 * qpu_noise_run_begin() - a run starts: mark its allocation running and,
 *	on a calibrated device, set up the noise it simulates
 * @x: the run, its calibration taken (qpu_exec_begin())
 *
 * Return: 0, -ENOMEM, or -EINVAL for a crosstalk schedule that is no
 * longer valid (the parameter buffer changed since submission).
 */
int qpu_noise_run_begin(struct qpu_exec *x)
{
	struct qpu_device *qdev = x->qdev;
	struct qpu_run_noise *rn;
	int n;

	qpu_noise_mark(qdev, x->alloc, x->alloc->owner);
	x->running = true;
	if (!qpu_noise_calibrated(qdev))
		return 0;
	rn = qpu_noise_build(qdev, x->calib, x->alloc->phys,
			     x->circ->core.num_qubits);
	if (!rn)
		return -ENOMEM;
	x->noise = rn;
	if (x->job.flags & QPU_RUN_CROSSTALK) {
		n = qpu_noise_read_schedule(x, rn->rec);
		if (n < 0)
			return n;
		rn->nrec = n;
		rn->forced = true;
	}
	return 0;
}

/**
 * qpu_noise_run_end() - a run that began is over: its allocation no
 *	longer disturbs its neighbours
 * @x: the run (a no-op if it never began)
 */
void qpu_noise_run_end(struct qpu_exec *x)
{
	if (!x->running)
		return;
	x->running = false;
	qpu_noise_mark(x->qdev, x->alloc, 0);
}

/*
 * Which of the run's circuit qubits touch a qubit another allocation is
 * running on; with @nbr, also up to QPU_XT_MAX_NBRS of those qubits.
 */
static u64 qpu_noise_exposure(const struct qpu_exec *x, u16 *nbr, u8 *nnbr,
			      bool any)
{
	const struct qc_topology *t = x->qdev->topo;
	const u32 *running = x->qdev->noise.running;
	const struct qpu_allocation *a = x->alloc;
	u32 n = x->circ->core.num_qubits, v, j, i, u, o;
	u64 m = 0;

	for (v = 0; v < n; v++) {
		for (j = t->adj_off[a->phys[v]]; j < t->adj_off[a->phys[v] + 1]; j++) {
			u = t->adj[j];
			o = READ_ONCE(running[u]);
			if (!o || o == a->owner)
				continue;
			m |= BIT_ULL(v);
			if (any)
				return m;
			for (i = 0; i < *nnbr && nbr[i] != u; i++)
				;
			if (i == *nnbr && *nnbr < QPU_XT_MAX_NBRS)
				nbr[(*nnbr)++] = u;
		}
	}
	return m;
}

/**
 * qpu_noise_may_start() - may the scheduler start @x beside what runs now?
 * @x: a queued job
 *
 * The crosstalk rule (Documentation/qpu/noise.rst): on a calibrated device
 * a job is held back while one of its qubits touches a running allocation
 * and crosstalk would cost it more than crosstalk_defer_ppm of its ESP
 * (qpu_circuit.xt_loss_ppm, from load); the wait is bounded by the
 * neighbour's run, and the held job keeps its place (qpu_sched_pick()), so
 * it is never starved. Called under qpu_sched.lock: reads @running without
 * a lock. Return: true to start it now.
 */
bool qpu_noise_may_start(const struct qpu_exec *x)
{
	struct qpu_device *qdev = x->qdev;
	u32 defer = READ_ONCE(qdev->noise.defer_ppm);

	if (!qpu_noise_calibrated(qdev) || !defer ||
	    x->circ->xt_loss_ppm <= defer)
		return true;
	return !qpu_noise_exposure(x, NULL, NULL, true);
}

/* Record that from @shot of @sweep on, the run is exposed as @m. */
static void qpu_noise_record(struct qpu_run_noise *rn, const struct qpu_exec *x,
			     u32 sweep, u32 shot)
{
	u16 nbr[QPU_XT_MAX_NBRS];
	u8 nnbr = 0;
	u64 m;

	/* Full: nothing more is recorded, so nothing more is applied. */
	if (rn->nrec == QPU_MAX_XT_SEGS)
		return;
	m = qpu_noise_exposure(x, nbr, &nnbr, false);
	if (m == rn->cur)
		return;
	rn->rec[rn->nrec] = (struct qpu_xt_seg) {
		.sweep = sweep, .shot = shot, .exposed = m,
	};
	rn->nnbr[rn->nrec] = nnbr;
	memcpy(rn->nbr[rn->nrec], nbr, nnbr * sizeof(nbr[0]));
	rn->nrec++;
	rn->seg[rn->nseg++] = (struct qc_xt_seg) { .shot = shot, .exposed = m };
	rn->nz.nsegs = rn->nseg;
	rn->cur = m;
}

/**
 * qpu_noise_slice_begin() - the noise of parameter vector @sweep
 * @x: the run
 * @sweep: the vector about to be simulated
 *
 * Return: what the simulator applies (NULL: ideal), starting unexposed
 * until the first recorded (or given) change of @sweep.
 */
const struct qc_noise *qpu_noise_slice_begin(struct qpu_exec *x, u32 sweep)
{
	struct qpu_run_noise *rn = x->noise;
	u32 i;

	if (!rn)
		return NULL;
	rn->nseg = 0;
	rn->cur = 0;
	if (rn->forced) {
		for (i = 0; i < rn->nrec; i++)
			if (rn->rec[i].sweep == sweep)
				rn->seg[rn->nseg++] = (struct qc_xt_seg) {
					.shot = rn->rec[i].shot,
					.exposed = rn->rec[i].exposed,
				};
	} else {
		rn->gen = qpu_noise_gen(x->qdev);
		qpu_noise_record(rn, x, sweep, 0);
	}
	rn->nz.nsegs = rn->nseg;
	return &rn->nz;
}

/**
 * qpu_noise_slice_track() - between two FPU sections of @sweep: follow
 *	the allocations running beside the run
 * @x: the run
 * @sweep: the vector being simulated
 * @next_shot: its first shot that has not started (qc_sim_next_shot())
 */
void qpu_noise_slice_track(struct qpu_exec *x, u32 sweep, u32 next_shot)
{
	struct qpu_run_noise *rn = x->noise;
	u32 gen;

	if (!rn || rn->forced || next_shot >= x->job.shots)
		return;
	gen = qpu_noise_gen(x->qdev);
	if (gen == rn->gen)
		return;
	rn->gen = gen;
	qpu_noise_record(rn, x, sweep, next_shot);
}

/* A store of one of @names (a trailing newline allowed) into *@dst. */
static ssize_t qpu_noise_store_enum(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count,
				    const char * const *names, size_t n, u8 *dst)
{
	int i = __sysfs_match_string(names, n, buf);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(*dst, i);
	qpu_audit_limit_tunable(to_qpu_device(dev), attr->attr.name, i);
	return count;
}

static ssize_t noise_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  qpu_noise_modes[READ_ONCE(to_qpu_device(dev)->noise.mode)]);
}

static ssize_t noise_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	/* Runs that already started keep the mode they started with. */
	return qpu_noise_store_enum(dev, attr, buf, count, qpu_noise_modes,
				    ARRAY_SIZE(qpu_noise_modes),
				    &to_qpu_device(dev)->noise.mode);
}
static DEVICE_ATTR_RW(noise);

static ssize_t placement_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  qpu_placements[READ_ONCE(to_qpu_device(dev)->noise.placement)]);
}

static ssize_t placement_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	/* Applies to later allocations. */
	return qpu_noise_store_enum(dev, attr, buf, count, qpu_placements,
				    ARRAY_SIZE(qpu_placements),
				    &to_qpu_device(dev)->noise.placement);
}
static DEVICE_ATTR_RW(placement);

/* A ppm tunable: 0..1000000, -ERANGE beyond, recorded for the audit. */
static ssize_t qpu_noise_store_ppm(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count, u32 *dst)
{
	u32 val;
	int ret;

	ret = qpu_sysfs_parse_u32(buf, 0, 1000000, &val);
	if (ret)
		return ret;
	WRITE_ONCE(*dst, val);
	qpu_audit_limit_tunable(to_qpu_device(dev), attr->attr.name, val);
	return count;
}

static ssize_t crosstalk_ppm_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(to_qpu_device(dev)->noise.crosstalk_ppm));
}

static ssize_t crosstalk_ppm_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	/* Runs that already started keep the value they started with. */
	return qpu_noise_store_ppm(dev, attr, buf, count,
				   &to_qpu_device(dev)->noise.crosstalk_ppm);
}
static DEVICE_ATTR_RW(crosstalk_ppm);

static ssize_t crosstalk_defer_ppm_show(struct device *dev,
					struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(to_qpu_device(dev)->noise.defer_ppm));
}

static ssize_t crosstalk_defer_ppm_store(struct device *dev,
					 struct device_attribute *attr,
					 const char *buf, size_t count)
{
	return qpu_noise_store_ppm(dev, attr, buf, count,
				   &to_qpu_device(dev)->noise.defer_ppm);
}
static DEVICE_ATTR_RW(crosstalk_defer_ppm);

static struct attribute *qpu_noise_attrs[] = {
	&dev_attr_noise.attr,
	&dev_attr_placement.attr,
	&dev_attr_crosstalk_ppm.attr,
	&dev_attr_crosstalk_defer_ppm.attr,
	NULL,
};

const struct attribute_group qpu_noise_group = {
	.attrs = qpu_noise_attrs,
};
