// SPDX-License-Identifier: GPL-2.0
/*
 * sim_fuzz.c - fuzz target of the state-vector simulator
 * (kmod/core/sim.c, kmod/core/fmath.c) on small circuits the validator
 * accepts: up to 8 qubits, 64 gates of any opcode, 64 shots, controls,
 * conditions, mid-circuit measurements and resets, with angles and
 * parameter values taken from the input (huge finite angles included,
 * to exercise the kernel's own trigonometry), run to completion with a
 * step budget from the input, as the executor threads run jobs.
 *
 * Properties checked beyond "no crash, no sanitizer report":
 *  - the run ends with 0, or with -EDOM only when a parameterised angle
 *    is not finite;
 *  - the histogram is sorted, its outcomes fit the classical width, and
 *    its counts add up to the shots;
 *  - the final state of a circuit without measurements (or the last
 *    shot's of a per-shot circuit) has norm 1 within 1e-9;
 *  - expectation values are finite and within [-1, 1] (plus 1e-9);
 *  - results are bit-identical for any step budget.
 *
 * Input bytes left after the gates, when their first is odd, add a random
 * calibrated noise model (noise.h: error rates up to 1, T1/T2 from 1 us,
 * a crosstalk schedule of up to 4 segments): the same properties must
 * hold (every shot being a trajectory, the norm check always applies),
 * and qc_noise_esp() must succeed with a value in [0, 1].
 */
#include <math.h>

#include <linux/qpu.h>

#include "circuit.h"
#include "noise.h"
#include "sim.h"
#include "fuzz.h"

#define MAX_Q		8
#define MAX_G		64
#define MAX_SHOTS	64
#define MAX_OBS		4
#define TOL		1e-9

struct run {
	int ret;
	u32 num_counts;
	struct qpu_count counts[MAX_SHOTS];
	u64 expect[MAX_OBS];
	double norm;
};

static bool all_coupled(void *priv, u32 a, u32 b)
{
	(void)priv;
	(void)a;
	(void)b;
	return true;
}

static double dbl(u64 bits)
{
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

static u64 bits_of(double d)
{
	u64 b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

static u64 angle_bits(struct fz *f)
{
	static const double pick[] = {
		0.0, 0.5, -1.0, 3.141592653589793, 1e-300, 1e6, 1e22, -1e300,
	};
	u8 s = fz_u8(f);
	u64 b;

	if (s < 224)
		return bits_of(pick[s % ARRAY_SIZE(pick)] * (1 + (s >> 3)));
	b = fz_u64(f);
	return ((b >> 52) & 0x7ff) == 0x7ff ? 0 : b;	/* finite */
}

static void build_gate(struct fz *f, struct qpu_gate *g, u32 nq, u32 ncl,
		       u32 np)
{
	u32 n, i;

	memset(g, 0, sizeof(*g));
	g->op = 1 + fz_below(f, QPU_OP_NR - 1);
	if (g->op != QPU_OP_MEASURE && g->op != QPU_OP_RESET &&
	    g->op != QPU_OP_BARRIER)
		g->nctrl = fz_below(f, 3) ? 0 : fz_below(f, QPU_MAX_CONTROLS + 1);
	n = qc_gate_operands(g);
	for (i = 0; i < n; i++)
		g->qubits[i] = fz_below(f, nq);
	if (g->op == QPU_OP_MEASURE)
		g->cbit = fz_below(f, ncl);
	if (!fz_below(f, 10)) {
		g->flags = QPU_GATE_COND;
		g->cond_start = fz_below(f, ncl);
		g->cond_width = 1 + fz_below(f, ncl - g->cond_start);
		g->cond_value = fz_u8(f) & ((1ULL << g->cond_width) - 1);
	}
	for (i = 0; i < qc_op_angles(g->op); i++) {
		g->param[i] = np && !fz_below(f, 3) ? 1 + fz_below(f, np) : 0;
		if (g->param[i])
			g->scale[i] = angle_bits(f);
		g->offset[i] = angle_bits(f);
	}
}

struct noise {
	struct qc_noise nz;
	struct qc_noise_qubit q[MAX_Q];
	u32 pair[MAX_Q * MAX_Q];
	struct qc_xt_seg segs[4];
};

/* a ppm value: often 0 or 10^6, else any */
static u32 ppm(struct fz *f)
{
	u8 s = fz_u8(f);

	if (s < 64)
		return 0;
	if (s < 80)
		return QC_NOISE_PPM;
	return fz_u32(f) % (QC_NOISE_PPM + 1);
}

static const struct qc_noise *build_noise(struct fz *f, struct noise *n, u32 nq, u32 shots)
{
	u32 i, j, shot = 0;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < nq; i++) {
		struct qc_noise_qubit *q = &n->q[i];

		q->gate1q_ppm = ppm(f);
		q->ro01_ppm = ppm(f);
		q->ro10_ppm = ppm(f);
		q->t1_us = 1 + fz_u32(f) % 1000000;
		q->t2_us = 1 + fz_u32(f) % (2 * q->t1_us);
		for (j = 0; j < i; j++)
			n->pair[i * nq + j] = n->pair[j * nq + i] = ppm(f);
	}
	n->nz = (struct qc_noise) {
		.num_qubits = nq, .q = n->q, .pair_ppm = fz_below(f, 4) ? n->pair : NULL,
		.default_pair_ppm = ppm(f), .crosstalk_ppm = ppm(f), .segs = n->segs,
		.nsegs = fz_below(f, ARRAY_SIZE(n->segs) + 1),
	};
	for (i = 0; i < n->nz.nsegs; i++) {
		shot += fz_below(f, shots + 1);
		n->segs[i] = (struct qc_xt_seg) { .shot = shot, .exposed = fz_u8(f) };
	}
	return &n->nz;
}

static void simulate(const struct qc_circuit *c, const u64 *params, u32 shots,
		     u64 seed, u64 budget, const struct qc_noise *nz, struct run *r)
{
	struct qc_sim_job job = {
		.circuit = c, .params = params, .shots = shots, .seed = seed,
		.want_expect = c->num_observables > 0, .noise = nz,
	};
	struct qc_sim_out out = {
		.counts = r->counts,
		.max_counts = qc_circuit_max_outcomes(c->num_clbits, shots),
		.expect = r->expect,
	};
	size_t size = qc_sim_mem_size(&job);
	const double *amp;
	struct qc_sim *sim;
	void *mem;
	u64 x;

	FZ_ASSERT(size, "a %u-qubit job too large", c->num_qubits);
	if (!out.max_counts)
		out.max_counts = 1;
	mem = malloc(size);
	FZ_ASSERT(mem, "out of memory");
	memset(mem, 0x7f, size);	/* stale values must not matter */
	sim = qc_sim_init(mem, size, &job, &out);
	FZ_ASSERT(sim, "init");
	while ((r->ret = qc_sim_step(sim, budget)) > 0)
		;
	r->num_counts = out.num_counts;
	r->norm = 0;
	amp = qc_sim_state(sim);
	for (x = 0; x < 1ULL << c->num_qubits; x++)
		r->norm += amp[2 * x] * amp[2 * x] + amp[2 * x + 1] * amp[2 * x + 1];
	free(mem);
}

/* May a parameterised angle come out non-finite (-EDOM allowed)? */
static bool may_overflow(const struct qc_circuit *c, const u64 *params)
{
	u32 i, j;

	for (i = 0; i < c->num_gates; i++) {
		const struct qpu_gate *g = &c->gates[i];

		for (j = 0; j < qc_op_angles(g->op); j++) {
			double p, s;

			if (!g->param[j])
				continue;
			p = dbl(params[g->param[j] - 1]);
			s = dbl(g->scale[j]);
			if (!isfinite(p) || !isfinite(s * p + dbl(g->offset[j])) ||
			    fabs(s * p) > 1e300)
				return true;
		}
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r1, r2;
	static struct noise n;
	const struct qc_noise *nz = NULL;
	const struct qc_coupling cpl = { .full = true, .coupled = all_coupled };
	struct qpu_gate gates[MAX_G];
	u64 params[4], obs[MAX_OBS];
	struct fz f = { data, size };
	struct qc_validation res;
	struct qc_circuit c = { 0 };
	bool measures = false, edom;
	u64 seed, budget, total;
	u32 i, shots;

	c.num_qubits = 1 + fz_below(&f, MAX_Q);
	c.num_clbits = 1 + fz_below(&f, 8);
	c.num_params = fz_below(&f, 5);
	c.num_observables = fz_below(&f, MAX_OBS + 1);
	c.num_gates = 1 + fz_below(&f, MAX_G);
	shots = 1 + fz_below(&f, MAX_SHOTS);
	seed = fz_u64(&f);
	budget = 1 + fz_below(&f, 1 << 16);
	for (i = 0; i < c.num_params; i++)
		params[i] = fz_u8(&f) < 32 ? fz_u64(&f) : angle_bits(&f);
	for (i = 0; i < c.num_observables; i++)
		obs[i] = fz_u16(&f) & ((1ULL << c.num_qubits) - 1);
	for (i = 0; i < c.num_gates; i++)
		build_gate(&f, &gates[i], c.num_qubits, c.num_clbits, c.num_params);
	c.gates = gates;
	c.observables = obs;
	if (qc_circuit_validate(gates, c.num_gates, c.num_qubits, c.num_clbits,
				c.num_params, obs, c.num_observables, &cpl, NULL,
				&res))
		return 0;	/* the simulator only ever sees valid circuits */
	c.per_shot = res.per_shot;
	for (i = 0; i < c.num_gates; i++)
		measures |= gates[i].op == QPU_OP_MEASURE;
	if (fz_u8(&f) & 1) {
		u64 esp;

		nz = build_noise(&f, &n, c.num_qubits, shots);
		FZ_ASSERT(!qc_noise_esp(gates, c.num_gates, nz, fz_u8(&f), &esp) &&
			  dbl(esp) >= 0 && dbl(esp) <= 1, "esp %g", dbl(esp));
	}

	simulate(&c, params, shots, seed, budget, nz, &r1);
	edom = may_overflow(&c, params);
	FZ_ASSERT(r1.ret == 0 || (r1.ret == -EDOM && edom), "returned %d", r1.ret);
	if (r1.ret)
		return 0;

	total = 0;
	FZ_ASSERT(r1.num_counts >= 1 &&
		  r1.num_counts <= qc_circuit_max_outcomes(c.num_clbits, shots),
		  "%u outcomes", r1.num_counts);
	for (i = 0; i < r1.num_counts; i++) {
		FZ_ASSERT(!i || r1.counts[i - 1].bits < r1.counts[i].bits,
			  "histogram not sorted");
		FZ_ASSERT(!(r1.counts[i].bits >> c.num_clbits), "outcome %llx",
			  (unsigned long long)r1.counts[i].bits);
		FZ_ASSERT(r1.counts[i].count >= 1, "empty outcome");
		total += r1.counts[i].count;
	}
	FZ_ASSERT(total == shots, "%llu counts for %u shots",
		  (unsigned long long)total, shots);
	if (!measures || c.per_shot || nz)
		FZ_ASSERT(fabs(r1.norm - 1) < TOL, "norm %.17g", r1.norm);
	for (i = 0; i < c.num_observables; i++) {
		double e = dbl(r1.expect[i]);

		FZ_ASSERT(isfinite(e) && fabs(e) <= 1 + TOL, "expectation %u: %g",
			  i, e);
	}

	/* The same job in one go must give the same bits. */
	simulate(&c, params, shots, seed, ~0ULL >> 1, nz, &r2);
	FZ_ASSERT(r2.ret == 0 && r2.num_counts == r1.num_counts &&
		  !memcmp(r1.counts, r2.counts, r1.num_counts * sizeof(r1.counts[0])) &&
		  !memcmp(r1.expect, r2.expect, c.num_observables * sizeof(u64)),
		  "results depend on the step budget %llu",
		  (unsigned long long)budget);
	return 0;
}
