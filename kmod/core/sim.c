// SPDX-License-Identifier: GPL-2.0
/*
 * sim.c - state-vector simulator of the portable core.
 *
 * Memory: everything lives in the caller's arena, carved by qc_layout():
 * the struct qc_sim, one struct qc_op per effective gate (integer operand
 * data filled by qc_sim_init(), the gate's matrix computed once per job by
 * the first qc_sim_step() calls), the parameters, the observable
 * accumulators, the histogram (a dense array of 2^num_clbits counters, or
 * the shots' recorded outcomes plus a radix-sort buffer), the state vector
 * (2^n interleaved re, im doubles, 64-byte aligned) and, for per-shot
 * circuits, a snapshot of the state after the deterministic prefix.
 *
 * Gates: an operation with controls and targets acts on groups of 1, 2 or
 * 4 amplitudes whose indices differ only in the target bits and have all
 * control bits set. Such groups are enumerated by an iteration index k in
 * [0, 2^(n - operands)): inserting a zero bit at every operand position
 * (ascending) and setting the control bits gives the group's base index.
 * Consecutive k map to consecutive bases within runs of 2^(lowest operand)
 * indices, so the kernels loop over contiguous runs. Diagonal gates that
 * only change the |1> component (Z, S, T, P and their controlled forms)
 * visit only those amplitudes; X and SWAP only move amplitudes.
 *
 * Budget: qc_sim_step() works in units (a slice of one gate's iteration
 * range, a measurement pass slice, an expectation or cumulative-sum slice,
 * a batch of shots, a radix pass, ...), each sized to what is left of the
 * budget but never below QC_MIN_CHUNK amplitude updates, and stops once
 * the budget is used up. Every floating-point result is independent of
 * where the slices fall: gate slices touch disjoint amplitudes, and sums
 * are accumulated per fixed block of QC_BLOCK indices, blocks added in
 * order, slice boundaries always falling on block boundaries.
 *
 * Sampling: when all measurements are terminal the unitary part is
 * simulated once, the probabilities |a_x|^2 are summed in place into a
 * cumulative array over the state's own memory, and each shot is one
 * uniform from the job's xoshiro256** stream and a binary search. Otherwise
 * every shot starts from |0..0> (or from a copy of the state after the
 * gates preceding the first measurement, reset or condition, which is the
 * same thing computed once) and measurements sample and collapse in order;
 * a final run of two or more measurements is sampled jointly like terminal
 * sampling (one uniform, one basis index, one collapse onto the measured
 * pattern) instead of two passes per measured qubit.
 *
 * Calibrated noise (job->noise, Documentation/qpu/noise.rst): always per
 * shot, no snapshot. qc_sim_init() lays out a QC_K_NOISE op after every
 * gate (before a measurement or reset), QC_K_SYNC ops for barriers and the
 * terminal run, and a struct qc_relax cache per noise-op operand; the
 * schedule (struct qc_noise_clock, reset per shot) and the error
 * probabilities come from noise.c, which qc_noise_esp() shares. A noise op
 * is sliced like a measurement (qc_unit_noise()), and readout errors flip
 * the recorded bit after the collapse (qc_readout()).
 */
#include "port.h"
#include "circuit.h"
#include "fmath.h"
#include "noise.h"
#include "sim.h"

#define QC_ALIGN		64
/* the smallest slice of a pass, in amplitude updates */
#define QC_MIN_CHUNK		4096ULL
/* summation block: sums are formed per block, then added in order */
#define QC_BLOCK		1024ULL
/* per-shot circuits keep a snapshot of the prefix state up to this width */
#define QC_SNAP_MAX_QUBITS	22
/* a dense histogram is used up to this classical width */
#define QC_DENSE_MAX_CLBITS	20
/* budget units charged for computing one gate's matrix */
#define QC_COMPILE_COST		64
#define QC_SQRT1_2		0x1.6a09e667f3bcdp-1

enum qc_kind {
	QC_K_NOP,
	QC_K_X,		/* swap a0, a1 */
	QC_K_Y,
	QC_K_PHASE,	/* a1 *= m[0..1]; only the |1> amplitudes are visited */
	QC_K_DIAG,	/* a0 *= m[0..1], a1 *= m[2..3] */
	QC_K_H,
	QC_K_RMAT,	/* real 2x2 matrix m[0..3] */
	QC_K_MAT,	/* complex 2x2 matrix m[0..7], row-major */
	QC_K_SWAP,
	QC_K_RXX,	/* m[0] = cos, m[1] = sin of theta/2 */
	QC_K_RZZ,	/* even parity *= m[0..1], odd *= m[2..3] */
	QC_K_MEASURE,
	QC_K_RESET,
	QC_K_NOISE,	/* calibrated mode: relaxation and errors of gate @gate */
	QC_K_SYNC,	/* calibrated mode: clocks of b0's qubits to their max */
};

enum qc_phase {
	QC_PH_COMPILE,	/* gate matrices */
	QC_PH_CLEAR,	/* zero the dense histogram */
	QC_PH_ZERO,	/* |0..0> into cur */
	QC_PH_GATES,	/* ops [gi, gend) on cur */
	QC_PH_EXPECT,	/* observables of cur */
	QC_PH_CUMSUM,	/* terminal sampling: cumulative probabilities */
	QC_PH_SAMPLE,	/* terminal sampling: the shots */
	QC_PH_COPY,	/* per shot: prefix snapshot into the state */
	QC_PH_SORT,	/* recorded outcomes: one radix pass per unit */
	QC_PH_EMIT,	/* histogram into out->counts */
	QC_PH_DONE,
	QC_PH_FAILED,
};

/**
 * struct qc_op - one effective gate, ready to apply
 * @kind: enum qc_kind
 * @npos: operand bits inserted into an iteration index
 * @amps: amplitudes updated per iteration index
 * @cond: the gate is conditional
 * @pos: the operand positions, ascending
 * @cond_start: first classical bit of the condition register
 * @gate: index of the gate in the circuit (for its angles)
 * @cbit: MEASURE: the classical bit written
 * @set: bits set in every base index (controls; the target for PHASE)
 * @b0: first target bit
 * @b1: second target bit (two-target gates)
 * @cond_mask: condition register mask (after shifting by @cond_start)
 * @cond_value: value the register must have
 * @m: the gate's coefficients (see enum qc_kind)
 */
struct qc_op {
	u8 kind;
	u8 npos;
	u8 amps;
	u8 cond;
	u8 pos[QPU_MAX_CONTROLS + 2];
	u16 cond_start;
	u32 gate;
	u32 cbit;
	u64 set;
	u64 b0;
	u64 b1;
	u64 cond_mask;
	u64 cond_value;
	double m[8];
};

/* relaxation of one operand of a QC_K_NOISE op, for the last window seen */
struct qc_relax {
	u64 t;
	double gamma, pz;
};

/* What a job needs, from one scan of its gates (integer only). */
struct qc_info {
	u32 nops;		/* effective gates */
	u32 nobs;		/* observables to compute */
	u32 nrelax;		/* struct qc_relax entries (calibrated mode) */
	u32 tail;		/* calibrated mode: first gate of the terminal run */
	u64 tail_mask;		/* calibrated mode: the qubits it measures */
	bool per_shot;
	bool snap;		/* keep a prefix snapshot */
	bool dense;		/* dense histogram */
};

/* Byte offsets of the arena's parts from its 64-byte aligned start. */
struct qc_layout {
	u64 ops, params, acc, tot, pbuf, hist, rec, rtmp, rcnt, state, snap, relax;
	u64 total;
};

struct qc_sim {
	const struct qc_circuit *c;
	struct qc_sim_out *out;
	struct qc_op *ops;
	const double *params;
	double *state, *snap, *cur;
	double *acc, *tot, *pbuf;
	u32 *hist, *rcnt;
	u64 *rec, *rtmp;
	u64 N;
	u32 n, nops, nobs, shots;
	u32 prefix_end;
	/* per shot: ops [tail_start, nops) are unconditional measurements */
	u32 tail_start;
	u32 tail_npos;
	u64 tail_mask;
	u8 tail_pos[QPU_MAX_SIM_QUBITS];
	bool per_shot, use_snap, dense, any_meas, map_ident;
	u8 phase;
	int err;

	/* terminal sampling: classical bit map_c[i] gets qubit map_q[i] */
	u32 nmap;
	u64 map_mask;
	u8 map_q[QPU_MAX_CLBITS];
	u8 map_c[QPU_MAX_CLBITS];

	u64 rng[4];

	/* progress */
	u32 gi, gend;
	u64 kpos;
	u8 msub;
	u8 mout;
	double ms0, ms1, mscale;
	u64 mx;
	u32 shot;
	u64 creg;
	u64 pos;
	double csum;
	u32 rpass;
	u32 ncounts;
	u64 work;
	u32 next_shot;

	/* calibrated mode (nz != NULL) */
	const struct qc_noise *nz;
	struct qc_relax *relax;
	u32 seg_i;		/* segments applied so far */
	u64 exposed;		/* the current shot's exposed qubits */
	u32 nz_j;		/* operand being relaxed */
	u64 nz_x, nz_z;		/* Pauli string to apply: X and Z parts */
	struct qc_noise_clock clk;
};

/* ---- small helpers ---- */

static inline u64 qc_min64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static inline u64 qc_align_up(u64 v, u64 a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline unsigned int qc_parity(u64 v)
{
	v ^= v >> 32;
	v ^= v >> 16;
	v ^= v >> 8;
	v ^= v >> 4;
	return (0x6996U >> (v & 15)) & 1;
}

static inline double qc_f64(u64 bits)
{
	union {
		u64 u;
		double d;
	} v = { .u = bits };

	return v.d;
}

static inline u64 qc_bits64(double d)
{
	union {
		u64 u;
		double d;
	} v = { .d = d };

	return v.u;
}

/* items of @unit cost for a slice given @left budget */
static inline u64 qc_chunk(u64 left, u64 unit)
{
	u64 c = (left > QC_MIN_CHUNK ? left : QC_MIN_CHUNK) / unit;

	return c ? c : 1;
}

/* ---- PRNG: splitmix64 seeds xoshiro256** ---- */

static u64 qc_splitmix(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline u64 qc_rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static u64 qc_rng_next(u64 *s)
{
	u64 r = qc_rotl(s[1] * 5, 7) * 9;
	u64 t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = qc_rotl(s[3], 45);
	return r;
}

/* uniform in [0, 1) from the top 53 bits */
static double qc_uniform(struct qc_sim *sim)
{
	return (double)(qc_rng_next(sim->rng) >> 11) * 0x1p-53;
}

/* ---- job scan and arena layout (integer only) ---- */

static bool qc_gate_is_nop(const struct qpu_gate *g)
{
	return g->op == QPU_OP_ID || g->op == QPU_OP_BARRIER || g->op >= QPU_OP_NR ||
	       !g->op;
}

/* per-shot is needed after a reset, a condition, or a gate on a measured qubit */
static bool qc_needs_per_shot(const struct qc_circuit *c)
{
	u64 measured = 0;
	u32 i, j;

	for (i = 0; i < c->num_gates; i++) {
		const struct qpu_gate *g = &c->gates[i];
		u32 nq = qc_gate_operands(g);

		if (g->op == QPU_OP_BARRIER)
			continue;
		if ((g->flags & QPU_GATE_COND) || g->op == QPU_OP_RESET)
			return true;
		if (g->op == QPU_OP_MEASURE) {
			measured |= 1ULL << (g->qubits[0] & 63);
			continue;
		}
		for (j = 0; j < nq && j < ARRAY_SIZE(g->qubits); j++)
			if (measured >> (g->qubits[j] & 63) & 1)
				return true;
	}
	return false;
}

static void qc_scan(const struct qc_sim_job *job, struct qc_info *in)
{
	const struct qc_circuit *c = job->circuit;
	bool prefix = false, stop = false;
	u32 i, nclb = c->num_clbits;

	in->per_shot = c->per_shot || job->noise || qc_needs_per_shot(c);
	in->nops = 0;
	in->nrelax = 0;
	in->tail = c->num_gates;
	in->tail_mask = 0;
	if (job->noise) {
		in->tail = qc_noise_tail(c->gates, c->num_gates, &in->tail_mask);
		in->nops = in->tail < c->num_gates;	/* its QC_K_SYNC */
	}
	for (i = 0; i < c->num_gates; i++) {
		const struct qpu_gate *g = &c->gates[i];

		if (job->noise) {
			/* a gate and its QC_K_NOISE op, a SYNC for a barrier */
			if (g->op == QPU_OP_BARRIER) {
				in->nops += i < in->tail;
				continue;
			}
			in->nops += g->op == QPU_OP_ID ? 1 : 2;
			in->nrelax += qc_gate_operands(g);
			continue;
		}
		if (qc_gate_is_nop(g))
			continue;
		if (g->op == QPU_OP_MEASURE && !in->per_shot)
			continue;
		in->nops++;
		if (g->op == QPU_OP_MEASURE || g->op == QPU_OP_RESET ||
		    (g->flags & QPU_GATE_COND))
			stop = true;
		else if (!stop)
			prefix = true;
	}
	in->nobs = job->want_expect ? c->num_observables : 0;
	in->snap = in->per_shot && prefix && job->shots > 1 && !job->noise &&
		   c->num_qubits <= QC_SNAP_MAX_QUBITS;
	in->dense = nclb <= QC_DENSE_MAX_CLBITS &&
		    (nclb <= 12 || (1ULL << nclb) <= 4ULL * job->shots);
}

/* Adds @bytes at a 64-byte aligned offset; false once over the cap. */
static bool qc_lay(u64 *total, u64 *off, u64 bytes)
{
	const u64 cap = 1ULL << 48;

	if (bytes > cap || *total > cap)
		return false;
	*off = qc_align_up(*total, QC_ALIGN);
	*total = *off + bytes;
	return *total <= cap;
}

static bool qc_layout(const struct qc_sim_job *job, const struct qc_info *in,
		      struct qc_layout *l)
{
	const struct qc_circuit *c = job->circuit;
	u64 amps = 1ULL << c->num_qubits, t = sizeof(struct qc_sim);
	u64 shots = job->shots;
	bool ok = true;

	memset(l, 0, sizeof(*l));
	ok &= qc_lay(&t, &l->ops, (u64)in->nops * sizeof(struct qc_op));
	ok &= qc_lay(&t, &l->params, 8ULL * c->num_params);
	ok &= qc_lay(&t, &l->acc, 8ULL * in->nobs);
	ok &= qc_lay(&t, &l->tot, 8ULL * in->nobs);
	ok &= qc_lay(&t, &l->pbuf, in->nobs ? 8 * QC_BLOCK : 0);
	if (in->dense) {
		ok &= qc_lay(&t, &l->hist, 4ULL << c->num_clbits);
	} else {
		ok &= qc_lay(&t, &l->rec, 8 * shots);
		ok &= qc_lay(&t, &l->rtmp, 8 * shots);
		ok &= qc_lay(&t, &l->rcnt, 4 * 256);
	}
	ok &= qc_lay(&t, &l->state, 16 * amps);
	ok &= qc_lay(&t, &l->snap, in->snap ? 16 * amps : 0);
	ok &= qc_lay(&t, &l->relax, (u64)in->nrelax * sizeof(struct qc_relax));
	/* room to align the arena's start */
	l->total = t + QC_ALIGN;
	return ok;
}

size_t qc_sim_mem_size(const struct qc_sim_job *job)
{
	struct qc_layout l;
	struct qc_info in;

	if (!job || !job->circuit || !job->shots ||
	    job->circuit->num_qubits > QPU_MAX_SIM_QUBITS ||
	    job->circuit->num_clbits > QPU_MAX_CLBITS ||
	    (job->circuit->num_params && !job->params) ||
	    (job->noise && !qc_noise_valid(job->noise, job->circuit->num_qubits)))
		return 0;
	qc_scan(job, &in);
	if (!qc_layout(job, &in, &l) || l.total > (u64)(size_t)-1)
		return 0;
	return (size_t)l.total;
}

/* ---- qc_sim_init(): operand data of every op, no floating point ---- */

static u8 qc_kind_of(u32 op)
{
	switch (op) {
	case QPU_OP_X:
		return QC_K_X;
	case QPU_OP_Y:
		return QC_K_Y;
	case QPU_OP_Z: case QPU_OP_S: case QPU_OP_SDG: case QPU_OP_T:
	case QPU_OP_TDG: case QPU_OP_P:
		return QC_K_PHASE;
	case QPU_OP_RZ:
		return QC_K_DIAG;
	case QPU_OP_H:
		return QC_K_H;
	case QPU_OP_RY:
		return QC_K_RMAT;
	case QPU_OP_SX: case QPU_OP_SXDG: case QPU_OP_RX: case QPU_OP_U2:
	case QPU_OP_U3:
		return QC_K_MAT;
	case QPU_OP_SWAP:
		return QC_K_SWAP;
	case QPU_OP_RXX:
		return QC_K_RXX;
	case QPU_OP_RZZ:
		return QC_K_RZZ;
	case QPU_OP_MEASURE:
		return QC_K_MEASURE;
	case QPU_OP_RESET:
		return QC_K_RESET;
	default:
		return QC_K_NOP;
	}
}

static void qc_op_init(struct qc_op *op, const struct qpu_gate *g, u32 index)
{
	u32 nt = qc_op_targets(g->op), nc = g->nctrl, i, j;

	memset(op, 0, sizeof(*op));
	op->kind = qc_kind_of(g->op);
	op->gate = index;
	op->cbit = g->cbit;
	if (nc > QPU_MAX_CONTROLS)
		nc = QPU_MAX_CONTROLS;
	if (op->kind == QC_K_MEASURE || op->kind == QC_K_RESET)
		nc = 0;
	for (i = 0; i < nc; i++)
		op->set |= 1ULL << g->qubits[i];
	op->b0 = 1ULL << g->qubits[nc];
	if (nt == 2)
		op->b1 = 1ULL << g->qubits[nc + 1];
	op->npos = (u8)(nc + nt);
	for (i = 0; i < op->npos; i++) {
		u8 p = (u8)g->qubits[i];

		for (j = i; j > 0 && op->pos[j - 1] > p; j--)
			op->pos[j] = op->pos[j - 1];
		op->pos[j] = p;
	}
	switch (op->kind) {
	case QC_K_PHASE:
		op->set |= op->b0;
		op->amps = 1;
		break;
	case QC_K_RXX:
	case QC_K_RZZ:
		op->amps = 4;
		break;
	default:
		op->amps = 2;
		break;
	}
	if (g->flags & QPU_GATE_COND) {
		op->cond = 1;
		op->cond_start = g->cond_start;
		op->cond_mask = g->cond_width >= 64 ? ~0ULL : (1ULL << g->cond_width) - 1;
		op->cond_value = g->cond_value;
	}
}

/* a QC_K_NOISE op of gate @index whose relaxation cache starts at @relax */
static void qc_noise_op(struct qc_op *op, const struct qpu_gate *g, u32 index, u32 relax)
{
	qc_op_init(op, g, index);
	op->kind = QC_K_NOISE;
	op->cbit = relax;
}

static void qc_sync_op(struct qc_op *op, const struct qpu_gate *g, u32 index, u64 mask)
{
	qc_op_init(op, g, index);
	op->kind = QC_K_SYNC;
	op->b0 = mask;
}

/*
 * Calibrated mode: every gate is followed by its QC_K_NOISE op (preceded,
 * for MEASURE and RESET: relaxation over the idle time comes first), an ID
 * is only a QC_K_NOISE op, a barrier a QC_K_SYNC of all qubits. The
 * terminal run is one QC_K_SYNC of its qubits, the QC_K_NOISE ops of its
 * measurements, then the measurements (sampled jointly). Returns the ops.
 */
static u32 qc_noise_ops(struct qc_sim *sim, const struct qc_info *in)
{
	const struct qc_circuit *c = sim->c;
	u32 i, t, k = 0, r = 0;

	for (i = 0; i < c->num_gates; i++) {
		const struct qpu_gate *g = &c->gates[i];
		bool pre = g->op == QPU_OP_MEASURE || g->op == QPU_OP_RESET;

		if (i == in->tail) {
			qc_sync_op(&sim->ops[k++], g, i, in->tail_mask);
			for (t = i; t < c->num_gates; t++) {
				if (c->gates[t].op != QPU_OP_MEASURE)
					continue;
				qc_noise_op(&sim->ops[k++], &c->gates[t], t, r);
				r++;
			}
		}
		if (g->op == QPU_OP_BARRIER) {
			if (i < in->tail)
				qc_sync_op(&sim->ops[k++], g, i, ~0ULL);
			continue;
		}
		if (pre && i < in->tail) {
			qc_noise_op(&sim->ops[k++], g, i, r);
			r++;
		}
		if (g->op != QPU_OP_ID)
			qc_op_init(&sim->ops[k++], g, i);
		if (!pre) {
			qc_noise_op(&sim->ops[k++], g, i, r);
			r += qc_gate_operands(g);
		}
	}
	return k;
}

struct qc_sim *qc_sim_init(void *mem, size_t size, const struct qc_sim_job *job,
			   struct qc_sim_out *out)
{
	const struct qc_circuit *c;
	size_t need = qc_sim_mem_size(job);
	struct qc_layout l;
	struct qc_info in;
	struct qc_sim *sim;
	u8 *base;
	u64 seed;
	u32 i, k;
	u8 src[QPU_MAX_CLBITS];

	if (!need || !mem || size < need || !out)
		return NULL;
	c = job->circuit;
	qc_scan(job, &in);
	qc_layout(job, &in, &l);
	base = (u8 *)mem + (qc_align_up((unsigned long)mem, QC_ALIGN) - (unsigned long)mem);
	sim = (struct qc_sim *)base;
	memset(sim, 0, sizeof(*sim));
	sim->c = c;
	sim->out = out;
	sim->ops = (struct qc_op *)(base + l.ops);
	sim->params = (const double *)(base + l.params);
	sim->acc = (double *)(base + l.acc);
	sim->tot = (double *)(base + l.tot);
	sim->pbuf = (double *)(base + l.pbuf);
	sim->state = (double *)(base + l.state);
	sim->snap = in.snap ? (double *)(base + l.snap) : NULL;
	if (in.dense) {
		sim->hist = (u32 *)(base + l.hist);
	} else {
		sim->rec = (u64 *)(base + l.rec);
		sim->rtmp = (u64 *)(base + l.rtmp);
		sim->rcnt = (u32 *)(base + l.rcnt);
	}
	if (c->num_params)
		memcpy(base + l.params, job->params, 8ULL * c->num_params);
	/* all-zero bits are 0.0: the per-shot sums start from zero */
	memset(base + l.tot, 0, 8ULL * in.nobs);
	sim->n = c->num_qubits;
	sim->N = 1ULL << c->num_qubits;
	sim->shots = job->shots;
	sim->nobs = in.nobs;
	sim->per_shot = in.per_shot;
	sim->use_snap = in.snap;
	sim->dense = in.dense;

	/* effective ops; terminal measurements become the sampling map */
	memset(src, 0xff, sizeof(src));
	sim->prefix_end = ~0U;
	if (job->noise) {
		sim->nz = job->noise;
		sim->relax = (struct qc_relax *)(base + l.relax);
		for (i = 0; i < in.nrelax; i++)
			sim->relax[i].t = ~0ULL;
		k = qc_noise_ops(sim, &in);
		sim->prefix_end = 0;
		i = c->num_gates;
	} else {
		i = 0;
		k = 0;
	}
	for (; i < c->num_gates; i++) {
		const struct qpu_gate *g = &c->gates[i];

		if (qc_gate_is_nop(g))
			continue;
		if (g->op == QPU_OP_MEASURE && !in.per_shot) {
			src[g->cbit & (QPU_MAX_CLBITS - 1)] = (u8)g->qubits[0];
			continue;
		}
		qc_op_init(&sim->ops[k], g, i);
		if (sim->prefix_end == ~0U && (g->op == QPU_OP_MEASURE ||
		    g->op == QPU_OP_RESET || (g->flags & QPU_GATE_COND)))
			sim->prefix_end = k;
		k++;
	}
	sim->nops = k;
	if (sim->prefix_end == ~0U)
		sim->prefix_end = k;
	/* a run of two or more final measurements is sampled jointly */
	sim->tail_start = k;
	while (sim->tail_start > 0 && sim->ops[sim->tail_start - 1].kind == QC_K_MEASURE &&
	       !sim->ops[sim->tail_start - 1].cond)
		sim->tail_start--;
	if (k - sim->tail_start < 2)
		sim->tail_start = k;
	for (i = sim->tail_start; i < k; i++)
		sim->tail_mask |= sim->ops[i].b0;
	for (i = 0; i < sim->n; i++)
		if (sim->tail_mask >> i & 1)
			sim->tail_pos[sim->tail_npos++] = (u8)i;
	sim->map_ident = true;
	for (i = 0; i < c->num_clbits; i++) {
		if (src[i] == 0xff)
			continue;
		sim->map_q[sim->nmap] = src[i];
		sim->map_c[sim->nmap] = (u8)i;
		sim->map_mask |= 1ULL << i;
		if (src[i] != i)
			sim->map_ident = false;
		sim->nmap++;
	}
	sim->any_meas = sim->nmap > 0;

	seed = job->seed;
	for (i = 0; i < 4; i++)
		sim->rng[i] = qc_splitmix(&seed);

	out->num_counts = 0;
	out->work = 0;
	sim->phase = QC_PH_COMPILE;
	return sim;
}

const double *qc_sim_state(const struct qc_sim *sim)
{
	return sim->state;
}

u32 qc_sim_next_shot(const struct qc_sim *sim)
{
	return sim->phase == QC_PH_DONE ? sim->shots : sim->next_shot;
}

/* ---- gate matrices (first part of qc_sim_step) ---- */

static double qc_angle(const struct qc_sim *sim, const struct qpu_gate *g, u32 i)
{
	double off = qc_f64(g->offset[i]);

	if (!g->param[i])
		return off;
	return qc_f64(g->scale[i]) * sim->params[g->param[i] - 1] + off;
}

static void qc_set_c(double *m, double re, double im)
{
	m[0] = re;
	m[1] = im;
}

/*
 * U3(theta, phi, lambda) into a complex 2x2, from cos/sin of theta/2.
 * e^i(phi + lambda) is the product of the two phases, not the sine and
 * cosine of the rounded sum: when |phi| and |lambda| differ in size, the
 * sum loses the smaller one's low bits (all of them past 2^53 times) and
 * the matrix stops being unitary (a state's norm drifted to 0.61).
 */
static void qc_u3(double *m, double ct, double st, double phi, double lam)
{
	double sp, cp, sl, cl, spl, cpl;

	qc_sincos(phi, &sp, &cp);
	qc_sincos(lam, &sl, &cl);
	cpl = cp * cl - sp * sl;
	spl = sp * cl + cp * sl;
	qc_set_c(m + 0, ct, 0.0);
	qc_set_c(m + 2, -cl * st, -sl * st);
	qc_set_c(m + 4, cp * st, sp * st);
	qc_set_c(m + 6, cpl * ct, spl * ct);
}

static int qc_op_compile(const struct qc_sim *sim, struct qc_op *op)
{
	const struct qpu_gate *g = &sim->c->gates[op->gate];
	double a[QPU_NUM_ANGLES] = { 0.0, 0.0, 0.0 };
	double *m = op->m, s, c;
	u32 i, na = qc_op_angles(g->op);

	if (op->kind == QC_K_NOISE) {
		if (g->op != QPU_OP_MEASURE && g->op != QPU_OP_RESET && g->op != QPU_OP_ID)
			qc_noise_gate_err(sim->nz, g, &m[0], &m[1]);
		return 0;
	}
	if (op->kind == QC_K_MEASURE && sim->nz) {
		/* readout error by true outcome: m[0] P(1 | 0), m[1] P(0 | 1) */
		const struct qc_noise_qubit *nq = &sim->nz->q[g->qubits[0]];

		m[0] = (double)nq->ro01_ppm * 1e-6;
		m[1] = (double)nq->ro10_ppm * 1e-6;
		return 0;
	}
	for (i = 0; i < na; i++) {
		a[i] = qc_angle(sim, g, i);
		if (!qc_isfinite(a[i]))
			return -EDOM;
	}

	switch (g->op) {
	case QPU_OP_Z:
		qc_set_c(m, -1.0, 0.0);
		break;
	case QPU_OP_S:
		qc_set_c(m, 0.0, 1.0);
		break;
	case QPU_OP_SDG:
		qc_set_c(m, 0.0, -1.0);
		break;
	case QPU_OP_T:
		qc_set_c(m, QC_SQRT1_2, QC_SQRT1_2);
		break;
	case QPU_OP_TDG:
		qc_set_c(m, QC_SQRT1_2, -QC_SQRT1_2);
		break;
	case QPU_OP_P:
		qc_sincos(a[0], &s, &c);
		qc_set_c(m, c, s);
		break;
	case QPU_OP_RZ:
		qc_sincos(0.5 * a[0], &s, &c);
		qc_set_c(m, c, -s);
		qc_set_c(m + 2, c, s);
		break;
	case QPU_OP_H:
		m[0] = QC_SQRT1_2;
		break;
	case QPU_OP_RY:
		qc_sincos(0.5 * a[0], &s, &c);
		m[0] = c;
		m[1] = -s;
		m[2] = s;
		m[3] = c;
		break;
	case QPU_OP_SX:
	case QPU_OP_SXDG: {
		double im = g->op == QPU_OP_SX ? 0.5 : -0.5;

		qc_set_c(m + 0, 0.5, im);
		qc_set_c(m + 2, 0.5, -im);
		qc_set_c(m + 4, 0.5, -im);
		qc_set_c(m + 6, 0.5, im);
		break;
	}
	case QPU_OP_RX:
		qc_sincos(0.5 * a[0], &s, &c);
		qc_set_c(m + 0, c, 0.0);
		qc_set_c(m + 2, 0.0, -s);
		qc_set_c(m + 4, 0.0, -s);
		qc_set_c(m + 6, c, 0.0);
		break;
	case QPU_OP_U2:
		qc_u3(m, QC_SQRT1_2, QC_SQRT1_2, a[0], a[1]);
		break;
	case QPU_OP_U3:
		qc_sincos(0.5 * a[0], &s, &c);
		qc_u3(m, c, s, a[1], a[2]);
		break;
	case QPU_OP_RXX:
		qc_sincos(0.5 * a[0], &s, &c);
		m[0] = c;
		m[1] = s;
		break;
	case QPU_OP_RZZ:
		qc_sincos(0.5 * a[0], &s, &c);
		qc_set_c(m, c, -s);
		qc_set_c(m + 2, c, s);
		break;
	default:
		break;
	}
	return 0;
}

/* ---- amplitude kernels over runs of contiguous groups ---- */

/* base index of iteration index @k: zero bits inserted at the operands */
static inline u64 qc_insert(const struct qc_op *op, u64 k)
{
	unsigned int i;

	for (i = 0; i < op->npos; i++) {
		u64 low = (1ULL << op->pos[i]) - 1;

		k = ((k & ~low) << 1) | (k & low);
	}
	return k | op->set;
}

static inline void qc_cmul(double *p, double mr, double mi)
{
	double xr = p[0], xi = p[1];

	p[0] = mr * xr - mi * xi;
	p[1] = mr * xi + mi * xr;
}

static void qc_run_x(double *restrict a, double *restrict b, u64 len)
{
	u64 j;

	for (j = 0; j < 2 * len; j += 2) {
		double r = a[j], i = a[j + 1];

		a[j] = b[j];
		a[j + 1] = b[j + 1];
		b[j] = r;
		b[j + 1] = i;
	}
}

static void qc_run_y(double *restrict a, double *restrict b, u64 len)
{
	u64 j;

	for (j = 0; j < 2 * len; j += 2) {
		double ar = a[j], ai = a[j + 1], br = b[j], bi = b[j + 1];

		/* a' = -i b, b' = i a */
		a[j] = bi;
		a[j + 1] = -br;
		b[j] = -ai;
		b[j + 1] = ar;
	}
}

static void qc_run_phase(double *restrict a, u64 len, double mr, double mi)
{
	u64 j;

	for (j = 0; j < 2 * len; j += 2)
		qc_cmul(a + j, mr, mi);
}

static void qc_run_diag(double *restrict a, double *restrict b, u64 len, const double *m)
{
	double d0r = m[0], d0i = m[1], d1r = m[2], d1i = m[3];
	u64 j;

	for (j = 0; j < 2 * len; j += 2) {
		qc_cmul(a + j, d0r, d0i);
		qc_cmul(b + j, d1r, d1i);
	}
}

static void qc_run_h(double *restrict a, double *restrict b, u64 len, double r)
{
	u64 j;

	for (j = 0; j < 2 * len; j += 2) {
		double ar = a[j], ai = a[j + 1], br = b[j], bi = b[j + 1];

		a[j] = r * (ar + br);
		a[j + 1] = r * (ai + bi);
		b[j] = r * (ar - br);
		b[j + 1] = r * (ai - bi);
	}
}

static void qc_run_rmat(double *restrict a, double *restrict b, u64 len, const double *m)
{
	double m00 = m[0], m01 = m[1], m10 = m[2], m11 = m[3];
	u64 j;

	for (j = 0; j < 2 * len; j += 2) {
		double ar = a[j], ai = a[j + 1], br = b[j], bi = b[j + 1];

		a[j] = m00 * ar + m01 * br;
		a[j + 1] = m00 * ai + m01 * bi;
		b[j] = m10 * ar + m11 * br;
		b[j + 1] = m10 * ai + m11 * bi;
	}
}

static void qc_run_mat(double *restrict a, double *restrict b, u64 len, const double *m)
{
	double m00r = m[0], m00i = m[1], m01r = m[2], m01i = m[3];
	double m10r = m[4], m10i = m[5], m11r = m[6], m11i = m[7];
	u64 j;

	for (j = 0; j < 2 * len; j += 2) {
		double ar = a[j], ai = a[j + 1], br = b[j], bi = b[j + 1];

		a[j] = (m00r * ar - m00i * ai) + (m01r * br - m01i * bi);
		a[j + 1] = (m00r * ai + m00i * ar) + (m01r * bi + m01i * br);
		b[j] = (m10r * ar - m10i * ai) + (m11r * br - m11i * bi);
		b[j + 1] = (m10r * ai + m10i * ar) + (m11r * bi + m11i * br);
	}
}

/* exp(-i t/2 XX) on the pairs (a, d) and (b, c): x' = cos x - i sin y */
static void qc_run_rxx(double *restrict a, double *restrict b, double *restrict c,
		       double *restrict d, u64 len, double co, double si)
{
	u64 j;

	for (j = 0; j < 2 * len; j += 2) {
		double ar = a[j], ai = a[j + 1], dr = d[j], di = d[j + 1];
		double br = b[j], bi = b[j + 1], cr = c[j], ci = c[j + 1];

		a[j] = co * ar + si * di;
		a[j + 1] = co * ai - si * dr;
		d[j] = co * dr + si * ai;
		d[j + 1] = co * di - si * ar;
		b[j] = co * br + si * ci;
		b[j + 1] = co * bi - si * cr;
		c[j] = co * cr + si * bi;
		c[j + 1] = co * ci - si * br;
	}
}

static void qc_run_rzz(double *restrict a, double *restrict b, double *restrict c,
		       double *restrict d, u64 len, const double *m)
{
	u64 j;

	for (j = 0; j < 2 * len; j += 2) {
		qc_cmul(a + j, m[0], m[1]);
		qc_cmul(b + j, m[2], m[3]);
		qc_cmul(c + j, m[2], m[3]);
		qc_cmul(d + j, m[0], m[1]);
	}
}

static void qc_run_swap(double *restrict b, double *restrict c, u64 len)
{
	qc_run_x(b, c, len);
}

/* apply @op to the groups of iteration indices [lo, hi) */
static void qc_apply(const struct qc_op *op, double *amp, u64 lo, u64 hi)
{
	const u64 rl = 1ULL << op->pos[0];
	const u64 o0 = 2 * op->b0, o1 = 2 * op->b1;
	const double *m = op->m;
	u64 k = lo;

	while (k < hi) {
		u64 len = rl - (k & (rl - 1));
		double *p;

		if (len > hi - k)
			len = hi - k;
		p = amp + 2 * qc_insert(op, k);
		switch (op->kind) {
		case QC_K_X:
			qc_run_x(p, p + o0, len);
			break;
		case QC_K_Y:
			qc_run_y(p, p + o0, len);
			break;
		case QC_K_PHASE:
			qc_run_phase(p, len, m[0], m[1]);
			break;
		case QC_K_DIAG:
			qc_run_diag(p, p + o0, len, m);
			break;
		case QC_K_H:
			qc_run_h(p, p + o0, len, m[0]);
			break;
		case QC_K_RMAT:
			qc_run_rmat(p, p + o0, len, m);
			break;
		case QC_K_MAT:
			qc_run_mat(p, p + o0, len, m);
			break;
		case QC_K_SWAP:
			qc_run_swap(p + o0, p + o1, len);
			break;
		case QC_K_RXX:
			qc_run_rxx(p, p + o0, p + o1, p + o0 + o1, len, m[0], m[1]);
			break;
		case QC_K_RZZ:
			qc_run_rzz(p, p + o0, p + o1, p + o0 + o1, len, m);
			break;
		default:
			break;
		}
		k += len;
	}
}

/* measurement: add |a0|^2, |a1|^2 over [lo, hi), per QC_BLOCK block */
static void qc_msum(const struct qc_op *op, const double *amp, u64 lo, u64 hi,
		    double *s0, double *s1)
{
	const u64 rl = 1ULL << op->pos[0];
	const u64 o0 = 2 * op->b0;

	while (lo < hi) {
		u64 bend = qc_min64((lo | (QC_BLOCK - 1)) + 1, hi), k = lo;
		double t0 = 0.0, t1 = 0.0;

		while (k < bend) {
			u64 len = rl - (k & (rl - 1)), j;
			const double *p;

			if (len > bend - k)
				len = bend - k;
			p = amp + 2 * qc_insert(op, k);
			for (j = 0; j < 2 * len; j += 2) {
				t0 += p[j] * p[j] + p[j + 1] * p[j + 1];
				t1 += p[o0 + j] * p[o0 + j] + p[o0 + j + 1] * p[o0 + j + 1];
			}
			k += len;
		}
		*s0 += t0;
		*s1 += t1;
		lo = bend;
	}
}

enum qc_collapse_mode {
	QC_C_KEEP0,	/* a0 *= f0, a1 = 0 */
	QC_C_KEEP1,	/* a0 = 0, a1 *= f1 */
	QC_C_MOVE,	/* a0 = a1 * f0, a1 = 0 (reset onto 1, damping jump) */
	QC_C_SCALE,	/* a0 *= f0, a1 *= f1 (damping, no jump) */
};

/* measurement, reset or amplitude damping of op->pos[0] over [lo, hi) */
static void qc_collapse(const struct qc_op *op, double *amp, u64 lo, u64 hi,
			enum qc_collapse_mode mode, double f0, double f1)
{
	const u64 rl = 1ULL << op->pos[0];
	const u64 o0 = 2 * op->b0;

	while (lo < hi) {
		u64 len = rl - (lo & (rl - 1)), j;
		double *a, *b;

		if (len > hi - lo)
			len = hi - lo;
		a = amp + 2 * qc_insert(op, lo);
		b = a + o0;
		for (j = 0; j < 2 * len; j++) {
			if (mode == QC_C_KEEP0) {
				a[j] *= f0;
				b[j] = 0.0;
			} else if (mode == QC_C_MOVE) {
				a[j] = b[j] * f0;
				b[j] = 0.0;
			} else if (mode == QC_C_KEEP1) {
				a[j] = 0.0;
				b[j] *= f1;
			} else {
				a[j] *= f0;
				b[j] *= f1;
			}
		}
		lo += len;
	}
}

/* ---- phases ---- */

static void qc_fail(struct qc_sim *sim, int err)
{
	sim->err = err;
	sim->phase = QC_PH_FAILED;
}

static void qc_start_zero(struct qc_sim *sim, double *target, u32 gi, u32 gend)
{
	sim->cur = target;
	sim->gi = gi;
	sim->gend = gend;
	sim->kpos = 0;
	sim->msub = 0;
	sim->pos = 0;
	sim->phase = QC_PH_ZERO;
}

static void qc_start_shot(struct qc_sim *sim)
{
	sim->creg = 0;
	sim->next_shot = sim->shot + 1;
	if (sim->nz) {
		const struct qc_noise *nz = sim->nz;

		/* segments are shot-sorted and only appended for later shots */
		while (sim->seg_i < nz->nsegs && nz->segs[sim->seg_i].shot <= sim->shot)
			sim->exposed = nz->segs[sim->seg_i++].exposed;
		qc_noise_clock_reset(&sim->clk, sim->n);
	}
	if (sim->use_snap) {
		sim->cur = sim->state;
		sim->gi = sim->prefix_end;
		sim->gend = sim->nops;
		sim->kpos = 0;
		sim->msub = 0;
		sim->pos = 0;
		sim->phase = QC_PH_COPY;
	} else {
		qc_start_zero(sim, sim->state, 0, sim->nops);
	}
}

static void qc_to_histogram_out(struct qc_sim *sim)
{
	sim->pos = 0;
	sim->rpass = 0;
	sim->phase = sim->dense ? QC_PH_EMIT : QC_PH_SORT;
}

static void qc_record(struct qc_sim *sim, u32 shot, u64 outcome)
{
	if (sim->dense)
		sim->hist[outcome]++;
	else
		sim->rec[shot] = outcome;
}

static void qc_end_shot(struct qc_sim *sim)
{
	qc_record(sim, sim->shot, sim->creg);
	if (++sim->shot < sim->shots)
		qc_start_shot(sim);
	else
		qc_to_histogram_out(sim);
}

/* the state of a pass is final: observables, then sampling or next shot */
static void qc_state_done(struct qc_sim *sim)
{
	if (sim->phase != QC_PH_EXPECT && sim->nobs) {
		sim->pos = 0;
		memset(sim->acc, 0, 8ULL * sim->nobs);
		sim->phase = QC_PH_EXPECT;
		return;
	}
	if (sim->per_shot) {
		u32 j;

		for (j = 0; j < sim->nobs; j++)
			sim->tot[j] += sim->acc[j];
		qc_end_shot(sim);
		return;
	}
	sim->pos = 0;
	if (!sim->any_meas) {
		sim->phase = QC_PH_EMIT;
	} else {
		sim->csum = 0.0;
		sim->phase = QC_PH_CUMSUM;
	}
}

static u64 qc_unit_compile(struct qc_sim *sim, u64 left)
{
	u64 n = qc_min64(qc_chunk(left, QC_COMPILE_COST) / 16 + 1, sim->nops - sim->pos);
	u64 i;

	for (i = 0; i < n; i++) {
		int ret = qc_op_compile(sim, &sim->ops[sim->pos + i]);

		if (ret) {
			qc_fail(sim, ret);
			return 1;
		}
	}
	sim->pos += n;
	if (sim->pos == sim->nops) {
		sim->pos = 0;
		sim->phase = QC_PH_CLEAR;
	}
	return n * QC_COMPILE_COST + 1;
}

static u64 qc_unit_clear(struct qc_sim *sim, u64 left)
{
	u64 total = sim->dense ? 1ULL << sim->c->num_clbits : 0;
	u64 n = qc_min64(qc_chunk(left, 1), total - sim->pos);

	if (n)
		memset(sim->hist + sim->pos, 0, 4 * n);
	sim->pos += n;
	if (sim->pos == total) {
		sim->shot = 0;
		if (sim->per_shot && sim->use_snap)
			qc_start_zero(sim, sim->snap, 0, sim->prefix_end);
		else if (sim->per_shot)
			qc_start_shot(sim);
		else
			qc_start_zero(sim, sim->state, 0, sim->nops);
	}
	return n + 1;
}

static u64 qc_unit_zero(struct qc_sim *sim, u64 left)
{
	u64 n = qc_min64(qc_chunk(left, 1), sim->N - sim->pos);

	memset(sim->cur + 2 * sim->pos, 0, 16 * n);
	sim->pos += n;
	sim->work += n;
	if (sim->pos == sim->N) {
		sim->cur[0] = 1.0;
		sim->pos = 0;
		sim->phase = QC_PH_GATES;
	}
	return n;
}

static u64 qc_unit_copy(struct qc_sim *sim, u64 left)
{
	u64 n = qc_min64(qc_chunk(left, 1), sim->N - sim->pos);

	memcpy(sim->state + 2 * sim->pos, sim->snap + 2 * sim->pos, 16 * n);
	sim->pos += n;
	sim->work += n;
	if (sim->pos == sim->N) {
		sim->pos = 0;
		sim->phase = QC_PH_GATES;
	}
	return n;
}

/* calibrated mode: the recorded bit of a measurement whose outcome is @bit */
static u64 qc_readout(struct qc_sim *sim, const struct qc_op *op, u64 bit)
{
	double p;

	if (!sim->nz)
		return bit;
	p = op->m[bit];
	return p > 0.0 && qc_uniform(sim) < p ? bit ^ 1 : bit;
}

static bool qc_cond_ok(const struct qc_sim *sim, const struct qc_op *op)
{
	if (!op->cond)
		return true;
	return ((sim->creg >> op->cond_start) & op->cond_mask) == op->cond_value;
}

static u64 qc_unit_measure(struct qc_sim *sim, struct qc_op *op, u64 left)
{
	u64 nk = sim->N >> 1, hi, done;

	if (!sim->msub) {
		hi = qc_min64(sim->kpos + qc_align_up(qc_chunk(left, 2), QC_BLOCK), nk);
		if (!sim->kpos)
			sim->ms0 = sim->ms1 = 0.0;
		qc_msum(op, sim->cur, sim->kpos, hi, &sim->ms0, &sim->ms1);
		done = hi - sim->kpos;
		sim->kpos = hi;
		if (hi == nk) {
			double tot = sim->ms0 + sim->ms1;
			bool one = qc_uniform(sim) * tot < sim->ms1;
			double p = one ? sim->ms1 : sim->ms0;

			sim->mout = one;
			sim->mscale = p > 0.0 ? 1.0 / qc_sqrt(p) : 0.0;
			sim->msub = 1;
			sim->kpos = 0;
		}
	} else {
		enum qc_collapse_mode mode = !sim->mout ? QC_C_KEEP0 :
					     op->kind == QC_K_RESET ? QC_C_MOVE : QC_C_KEEP1;

		hi = qc_min64(sim->kpos + qc_chunk(left, 2), nk);
		qc_collapse(op, sim->cur, sim->kpos, hi, mode, sim->mscale, sim->mscale);
		done = hi - sim->kpos;
		sim->kpos = hi;
		if (hi == nk) {
			if (op->kind == QC_K_MEASURE)
				sim->creg = (sim->creg & ~(1ULL << op->cbit)) |
					    (qc_readout(sim, op, sim->mout) << op->cbit);
			sim->msub = 0;
			sim->kpos = 0;
			sim->gi++;
		}
	}
	sim->work += 2 * done;
	return 2 * done;
}

static inline double qc_prob(const double *a, u64 x)
{
	return a[2 * x] * a[2 * x] + a[2 * x + 1] * a[2 * x + 1];
}

/*
 * The final run of measurements of a shot, sampled jointly: one basis index
 * x drawn from |a_x|^2 gives every measured bit, then the state collapses
 * onto the measured pattern. Sub-phases (msub): 0 total probability, 1 scan
 * for x, 2 probability of the pattern, 3 collapse.
 */
static u64 qc_unit_tail(struct qc_sim *sim, u64 left)
{
	const u64 pat = sim->mx & sim->tail_mask;
	double *a = sim->cur;
	u64 x = sim->kpos, end, i, done;

	switch (sim->msub) {
	case 0:
		if (!x)
			sim->ms0 = 0.0;
		end = qc_min64(x + qc_align_up(qc_chunk(left, 1), QC_BLOCK), sim->N);
		while (x < end) {
			u64 bend = qc_min64(x + QC_BLOCK, end);
			double t = 0.0;

			for (; x < bend; x++)
				t += qc_prob(a, x);
			sim->ms0 += t;
		}
		done = end - sim->kpos;
		sim->kpos = end;
		if (end == sim->N) {
			sim->ms1 = qc_uniform(sim) * sim->ms0;
			sim->csum = 0.0;
			sim->kpos = 0;
			sim->msub = 1;
		}
		break;
	case 1:
		end = qc_min64(x + qc_align_up(qc_chunk(left, 1), QC_BLOCK), sim->N);
		while (x < end && sim->msub == 1) {
			u64 bend = qc_min64(x + QC_BLOCK, end);
			double t = 0.0, r = sim->csum;

			for (i = x; i < bend; i++)
				t += qc_prob(a, i);
			if (r + t > sim->ms1) {
				for (i = x; i < bend; i++) {
					r += qc_prob(a, i);
					if (r > sim->ms1) {
						sim->mx = i;
						sim->msub = 2;
						break;
					}
				}
			}
			sim->csum += t;
			x = bend;
		}
		done = x - sim->kpos;
		sim->kpos = x;
		if (sim->msub == 1 && x == sim->N) {
			/* rounding left u beyond the sum: the last possible x */
			for (i = sim->N; i-- > 1 && !(qc_prob(a, i) > 0.0);)
				;
			sim->mx = i;
			sim->msub = 2;
			done += sim->N - i;
		}
		if (sim->msub == 2) {
			sim->kpos = 0;
			sim->ms0 = 0.0;
		}
		break;
	case 2: {
		u64 nk = sim->N >> sim->tail_npos, rl = 1ULL << sim->tail_pos[0];

		end = qc_min64(x + qc_align_up(qc_chunk(left, 1), QC_BLOCK), nk);
		while (x < end) {
			u64 bend = qc_min64(x + QC_BLOCK, end);
			double t = 0.0;

			while (x < bend) {
				u64 len = qc_min64(rl - (x & (rl - 1)), bend - x), b = x, j;

				for (j = 0; j < sim->tail_npos; j++) {
					u64 low = (1ULL << sim->tail_pos[j]) - 1;

					b = ((b & ~low) << 1) | (b & low);
				}
				b |= pat;
				for (j = 0; j < len; j++)
					t += qc_prob(a, b + j);
				x += len;
			}
			sim->ms0 += t;
		}
		done = end - sim->kpos;
		sim->kpos = end;
		if (end == nk) {
			sim->mscale = sim->ms0 > 0.0 ? 1.0 / qc_sqrt(sim->ms0) : 0.0;
			sim->kpos = 0;
			sim->msub = 3;
		}
		break;
	}
	default:
		end = qc_min64(x + qc_chunk(left, 1), sim->N);
		for (i = x; i < end; i++) {
			if ((i & sim->tail_mask) == pat) {
				a[2 * i] *= sim->mscale;
				a[2 * i + 1] *= sim->mscale;
			} else {
				a[2 * i] = 0.0;
				a[2 * i + 1] = 0.0;
			}
		}
		done = end - x;
		sim->kpos = end;
		if (end == sim->N) {
			for (i = sim->tail_start; i < sim->nops; i++) {
				const struct qc_op *op = &sim->ops[i];
				u64 bit = qc_readout(sim, op, (sim->mx & op->b0) ? 1 : 0);

				sim->creg = (sim->creg & ~(1ULL << op->cbit)) | (bit << op->cbit);
			}
			sim->kpos = 0;
			sim->msub = 0;
			sim->gi = sim->nops;
		}
		break;
	}
	sim->work += done;
	return done ? done : 1;
}

/*
 * The Pauli string X^xm Z^zm, up to a global phase, on iteration indices
 * [lo, hi): basis states x (N of them) when @xm is 0, else the pairs
 * (x, x ^ xm) with x's top bit of @xm clear (N / 2).
 */
static void qc_pauli(double *a, u64 xm, u64 zm, u64 lo, u64 hi)
{
	u64 k, low;
	u32 h;

	if (!xm) {
		for (k = lo; k < hi; k++) {
			if (qc_parity(k & zm)) {
				a[2 * k] = -a[2 * k];
				a[2 * k + 1] = -a[2 * k + 1];
			}
		}
		return;
	}
	for (h = 63; !(xm >> h & 1); h--)
		;
	low = (1ULL << h) - 1;
	for (k = lo; k < hi; k++) {
		u64 x = ((k & ~low) << 1) | (k & low), y = x ^ xm;
		double sx = qc_parity(x & zm) ? -1.0 : 1.0;
		double sy = qc_parity(y & zm) ? -1.0 : 1.0;
		double xr = a[2 * x], xi = a[2 * x + 1];

		/* P|x> = s(x) |y>, P|y> = s(y) |x> */
		a[2 * x] = sy * a[2 * y];
		a[2 * x + 1] = sy * a[2 * y + 1];
		a[2 * y] = sx * xr;
		a[2 * y + 1] = sx * xi;
	}
}

/*
 * A QC_K_NOISE op (calibrated mode, Documentation/qpu/noise.rst). Sub-phases
 * (msub): 0 schedule the gate, relaxation windows of its operands; for each
 * operand nz_j: 1 P(1) and the damping draw, 2 damping (jump or no jump),
 * 3 the dephasing draw; then 4 the depolarising and crosstalk draws and
 * 5 one pass applying the Pauli string they (and dephasing) drew. Draws
 * happen in this fixed order, so shots are pure functions of the stream.
 */
static u64 qc_unit_noise(struct qc_sim *sim, struct qc_op *op, u64 left)
{
	const struct qpu_gate *g = &sim->c->gates[op->gate];
	struct qc_relax *rx = sim->relax + op->cbit;
	u32 nq = qc_gate_operands(g), j = sim->nz_j;
	u64 done = 0, nk, hi, qb = j < nq ? 1ULL << g->qubits[j] : 0;
	struct qc_op q1;

	switch (sim->msub) {
	case 0: {
		u64 win[ARRAY_SIZE(g->qubits)];

		nq = qc_noise_sched(&sim->clk, g, win);
		for (j = 0; j < nq; j++) {
			if (rx[j].t != win[j]) {
				rx[j].t = win[j];
				qc_noise_relax(sim->nz, g->qubits[j], win[j], &rx[j].gamma,
					       &rx[j].pz);
			}
		}
		sim->nz_j = 0;
		sim->nz_x = 0;
		sim->nz_z = 0;
		sim->kpos = 0;
		sim->msub = 1;
		return 1 + nq;
	}
	case 1:
	case 2:
		if (!(rx[j].gamma > 0.0)) {
			sim->msub = 3;
			return 1;
		}
		memset(&q1, 0, sizeof(q1));
		q1.npos = 1;
		q1.pos[0] = (u8)g->qubits[j];
		q1.b0 = qb;
		nk = sim->N >> 1;
		if (sim->msub == 1) {
			hi = qc_min64(sim->kpos + qc_align_up(qc_chunk(left, 2), QC_BLOCK), nk);
			if (!sim->kpos)
				sim->ms0 = sim->ms1 = 0.0;
			qc_msum(&q1, sim->cur, sim->kpos, hi, &sim->ms0, &sim->ms1);
		} else {
			hi = qc_min64(sim->kpos + qc_chunk(left, 2), nk);
			qc_collapse(&q1, sim->cur, sim->kpos, hi,
				    sim->mout ? QC_C_MOVE : QC_C_SCALE, sim->mscale, sim->ms1);
		}
		done = 2 * (hi - sim->kpos);
		sim->kpos = hi;
		if (hi < nk)
			break;
		sim->kpos = 0;
		if (sim->msub == 2) {
			sim->msub = 3;
			break;
		}
		{
			double gam = rx[j].gamma, tot = sim->ms0 + sim->ms1;

			/* jump with probability gamma P(1), then renormalise */
			sim->mout = qc_uniform(sim) * tot < gam * sim->ms1;
			if (sim->mout) {
				sim->mscale = 1.0 / qc_sqrt(sim->ms1);
			} else {
				sim->mscale = 1.0 / qc_sqrt(sim->ms0 + (1.0 - gam) * sim->ms1);
				sim->ms1 = qc_sqrt(1.0 - gam) * sim->mscale;
			}
			sim->msub = 2;
		}
		break;
	case 3:
		if (rx[j].pz > 0.0 && qc_uniform(sim) < rx[j].pz)
			sim->nz_z ^= qb;
		sim->nz_j++;
		sim->msub = sim->nz_j < nq ? 1 : 4;
		return 1;
	case 4: {
		bool ex = false;
		double p = op->m[0];
		u64 r = 0;

		sim->msub = 5;
		if (g->op == QPU_OP_MEASURE || g->op == QPU_OP_RESET || g->op == QPU_OP_ID)
			return 1;
		for (j = 0; j < nq; j++)
			ex |= sim->exposed >> g->qubits[j] & 1;
		if (ex && nq >= 2)
			p = op->m[1];
		/* a uniformly random non-identity Pauli string: 2 bits an operand */
		if (p > 0.0 && qc_uniform(sim) < p)
			r = 1 + qc_rng_next(sim->rng) % ((1ULL << (2 * nq)) - 1);
		for (j = 0; j < nq; j++, r >>= 2) {
			u64 b = 1ULL << g->qubits[j];

			if ((r & 3) == 1 || (r & 3) == 2)
				sim->nz_x ^= b;
			if ((r & 3) >= 2)
				sim->nz_z ^= b;
		}
		/* a spectator: single-qubit gate on an exposed qubit */
		if (ex && nq == 1 && op->m[1] > 0.0 && qc_uniform(sim) < op->m[1])
			sim->nz_z ^= 1ULL << g->qubits[0];
		return 1;
	}
	default:
		nk = sim->nz_x ? sim->N >> 1 : sim->N;
		if (sim->nz_x | sim->nz_z) {
			hi = qc_min64(sim->kpos + qc_chunk(left, sim->nz_x ? 2 : 1), nk);
			qc_pauli(sim->cur, sim->nz_x, sim->nz_z, sim->kpos, hi);
			done = (hi - sim->kpos) * (sim->nz_x ? 2 : 1);
			sim->kpos = hi;
		} else {
			sim->kpos = nk;
		}
		if (sim->kpos == nk) {
			sim->kpos = 0;
			sim->msub = 0;
			sim->nz_j = 0;
			sim->gi++;
		}
		break;
	}
	sim->work += done;
	return done ? done : 1;
}

static u64 qc_unit_gates(struct qc_sim *sim, u64 left)
{
	struct qc_op *op;
	u64 nk, hi, done;

	if (sim->gi >= sim->gend) {
		if (sim->per_shot && sim->cur == sim->snap && sim->snap)
			qc_start_shot(sim);	/* prefix done */
		else
			qc_state_done(sim);
		return 1;
	}
	if (sim->gi == sim->tail_start && sim->per_shot)
		return qc_unit_tail(sim, left);
	op = &sim->ops[sim->gi];
	if (!sim->kpos && !sim->msub && !qc_cond_ok(sim, op)) {
		sim->gi++;
		return 1;
	}
	if (op->kind == QC_K_MEASURE || op->kind == QC_K_RESET)
		return qc_unit_measure(sim, op, left);
	if (op->kind == QC_K_NOISE)
		return qc_unit_noise(sim, op, left);
	if (op->kind == QC_K_SYNC) {
		qc_noise_sync(&sim->clk, op->b0);
		sim->gi++;
		return 1;
	}
	nk = sim->N >> op->npos;
	hi = qc_min64(sim->kpos + qc_chunk(left, op->amps), nk);
	qc_apply(op, sim->cur, sim->kpos, hi);
	done = (hi - sim->kpos) * op->amps;
	sim->work += done;
	sim->kpos = hi;
	if (hi == nk) {
		sim->kpos = 0;
		sim->gi++;
	}
	return done;
}

static u64 qc_unit_expect(struct qc_sim *sim, u64 left)
{
	const u64 *obs = sim->c->observables;
	u64 n = qc_align_up(qc_chunk(left, sim->nobs + 1), QC_BLOCK);
	u64 x = sim->pos, end = qc_min64(x + n, sim->N), done = end - x;
	const double *a = sim->cur;
	double *pb = sim->pbuf;
	u32 j;

	while (x < end) {
		u64 bend = qc_min64(x + QC_BLOCK, end), i, len = bend - x;
		double psum = 0.0;

		for (i = 0; i < len; i++) {
			double p = a[2 * (x + i)] * a[2 * (x + i)] +
				   a[2 * (x + i) + 1] * a[2 * (x + i) + 1];

			pb[i] = p;
			psum += p;
		}
		for (j = 0; j < sim->nobs; j++) {
			u64 ml = obs[j] & (QC_BLOCK - 1);
			double v = 0.0;

			if (!ml) {
				v = psum;
			} else {
				for (i = 0; i < len; i++)
					v += qc_parity(i & ml) ? -pb[i] : pb[i];
			}
			sim->acc[j] += qc_parity(x & obs[j] & ~(QC_BLOCK - 1)) ? -v : v;
		}
		x = bend;
	}
	sim->pos = end;
	sim->work += done;
	if (end == sim->N)
		qc_state_done(sim);
	return done * (sim->nobs + 1);
}

static u64 qc_unit_cumsum(struct qc_sim *sim, u64 left)
{
	u64 x = sim->pos, end = qc_min64(x + qc_chunk(left, 1), sim->N), i;
	double *d = sim->state, s = sim->csum;

	/* d[i] overwrites amplitude i / 2, already consumed */
	for (i = x; i < end; i++) {
		s += d[2 * i] * d[2 * i] + d[2 * i + 1] * d[2 * i + 1];
		d[i] = s;
	}
	sim->csum = s;
	sim->pos = end;
	sim->work += end - x;
	if (end == sim->N) {
		sim->pos = 0;
		sim->phase = QC_PH_SAMPLE;
	}
	return end - x;
}

static u64 qc_map_outcome(const struct qc_sim *sim, u64 x)
{
	u64 r = 0;
	u32 i;

	if (sim->map_ident)
		return x & sim->map_mask;
	for (i = 0; i < sim->nmap; i++)
		r |= ((x >> sim->map_q[i]) & 1) << sim->map_c[i];
	return r;
}

static u64 qc_unit_sample(struct qc_sim *sim, u64 left)
{
	const double *d = sim->state;
	const double total = d[sim->N - 1];
	/* a binary search; beyond the caches every probe is a memory access */
	u64 per = (sim->n + 8) * (sim->N > (1ULL << 18) ? 4 : 1);
	u64 s = sim->pos, end = qc_min64(s + qc_chunk(left, per), sim->shots);

	for (; s < end; s++) {
		double u = qc_uniform(sim) * total;
		const double *b = d;
		u64 len = sim->N;

		/* u rounded up to the total: the last x that has probability */
		if (!(u < total) && total > 0.0)
			u = qc_f64(qc_bits64(total) - 1);
		/* first x with cum[x] > u (branch-free lower bound) */
		while (len > 1) {
			u64 half = len >> 1;

			b = b[half - 1] > u ? b : b + half;
			len -= half;
		}
		qc_record(sim, (u32)s, qc_map_outcome(sim, (u64)(b - d)));
	}
	per *= end - sim->pos;
	sim->pos = end;
	sim->next_shot = (u32)end;
	if (end == sim->shots)
		qc_to_histogram_out(sim);
	return per;
}

static u64 qc_unit_sort(struct qc_sim *sim)
{
	u32 shift = 8 * sim->rpass, i, sum = 0, n = sim->shots;
	u64 *src = sim->rec, *dst = sim->rtmp;
	u32 *cnt = sim->rcnt;

	memset(cnt, 0, 256 * sizeof(*cnt));
	for (i = 0; i < n; i++)
		cnt[(src[i] >> shift) & 255]++;
	for (i = 0; i < 256; i++) {
		u32 t = cnt[i];

		cnt[i] = sum;
		sum += t;
	}
	for (i = 0; i < n; i++)
		dst[cnt[(src[i] >> shift) & 255]++] = src[i];
	sim->rec = dst;
	sim->rtmp = src;
	if (++sim->rpass * 8 >= sim->c->num_clbits) {
		sim->pos = 0;
		sim->phase = QC_PH_EMIT;
	}
	return (u64)n + 256;
}

static bool qc_emit_add(struct qc_sim *sim, u64 bits, u64 count)
{
	struct qc_sim_out *out = sim->out;

	if (sim->ncounts && out->counts[sim->ncounts - 1].bits == bits) {
		out->counts[sim->ncounts - 1].count += count;
		return true;
	}
	if (sim->ncounts >= out->max_counts || !out->counts) {
		qc_fail(sim, -ENOSPC);
		return false;
	}
	out->counts[sim->ncounts].bits = bits;
	out->counts[sim->ncounts].count = count;
	sim->ncounts++;
	return true;
}

static void qc_finish(struct qc_sim *sim)
{
	struct qc_sim_out *out = sim->out;
	u32 j;

	out->num_counts = sim->ncounts;
	if (out->expect) {
		for (j = 0; j < sim->nobs; j++) {
			double v = sim->per_shot ? sim->tot[j] / (double)sim->shots : sim->acc[j];

			out->expect[j] = qc_bits64(v);
		}
	}
	sim->phase = QC_PH_DONE;
}

static u64 qc_unit_emit(struct qc_sim *sim, u64 left)
{
	u64 total, n, i;

	if (!sim->per_shot && !sim->any_meas) {
		if (qc_emit_add(sim, 0, sim->shots))
			qc_finish(sim);
		return 1;
	}
	total = sim->dense ? 1ULL << sim->c->num_clbits : sim->shots;
	n = qc_min64(qc_chunk(left, 1), total - sim->pos);
	for (i = sim->pos; i < sim->pos + n; i++) {
		if (sim->dense) {
			if (sim->hist[i] && !qc_emit_add(sim, i, sim->hist[i]))
				return 1;
		} else if (!qc_emit_add(sim, sim->rec[i], 1)) {
			return 1;
		}
	}
	sim->pos += n;
	if (sim->pos == total)
		qc_finish(sim);
	return n + 1;
}

static u64 qc_unit(struct qc_sim *sim, u64 left)
{
	switch (sim->phase) {
	case QC_PH_COMPILE:
		return qc_unit_compile(sim, left);
	case QC_PH_CLEAR:
		return qc_unit_clear(sim, left);
	case QC_PH_ZERO:
		return qc_unit_zero(sim, left);
	case QC_PH_GATES:
		return qc_unit_gates(sim, left);
	case QC_PH_EXPECT:
		return qc_unit_expect(sim, left);
	case QC_PH_CUMSUM:
		return qc_unit_cumsum(sim, left);
	case QC_PH_SAMPLE:
		return qc_unit_sample(sim, left);
	case QC_PH_COPY:
		return qc_unit_copy(sim, left);
	case QC_PH_SORT:
		return qc_unit_sort(sim);
	case QC_PH_EMIT:
		return qc_unit_emit(sim, left);
	default:
		return left;
	}
}

int qc_sim_step(struct qc_sim *sim, u64 budget)
{
	u64 left = budget ? budget : 1;

	if (!sim)
		return -EINVAL;
	while (sim->phase < QC_PH_DONE) {
		u64 cost = qc_unit(sim, left);

		if (cost >= left)
			break;
		left -= cost;
	}
	sim->out->work = sim->work;
	if (sim->phase == QC_PH_FAILED)
		return sim->err;
	return sim->phase == QC_PH_DONE ? 0 : 1;
}
