// SPDX-License-Identifier: GPL-2.0
/*
 * noise_test.c - host tests of the simulator's noise model
 * (kmod/core/noise.c and the calibrated mode of kmod/core/sim.c).
 *
 * ideal_golden pins the ideal mode (no noise struct) bit for bit: the
 * counts, expectation values and work of a fixed set of generated circuits
 * (terminal, per-shot, mid-circuit reset, conditions, observables, sparse
 * histograms) hash to the values recorded in noise_golden.h before the
 * noise model existed. "noise_test --record" prints that file again.
 *
 * The others check each channel against its analytic value (depolarising
 * on 1, 2 and 3 operands, damping over IDs and over a barrier-enforced
 * idle, Ramsey dephasing, asymmetric readout, crosstalk and spectators)
 * within 5 sigma at fixed seeds, determinism by seed and budget, a
 * crosstalk segment appended while the job runs, qc_noise_esp() against a
 * hand computation, refusal of bad noise structs, and qc_exp() against
 * libm (at most 1 ulp).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/qpu.h>

#include "qpu_test.h"
#include "circuit.h"
#include "fmath.h"
#include "noise.h"
#include "sim.h"

#define NT_MAXG		256

/* ---- circuits ---- */

struct nt_circ {
	struct qpu_gate g[NT_MAXG];
	u32 ng, nq, nc, np;
	u64 params[8];
	u64 obs[4];
	u32 nobs;
};

static u64 nt_bits(double d)
{
	u64 u;

	memcpy(&u, &d, 8);
	return u;
}

static double nt_dbl(u64 u)
{
	double d;

	memcpy(&d, &u, 8);
	return d;
}

/* a gate: @nctrl controls then the targets in @qs */
static struct qpu_gate *nt_gate(struct nt_circ *c, u32 op, u32 nctrl, const u32 *qs)
{
	struct qpu_gate *g;
	u32 i, nq = nctrl + qc_op_targets(op);

	QT_ASSERT(c->ng < NT_MAXG);
	g = &c->g[c->ng++];
	memset(g, 0, sizeof(*g));
	g->op = (u8)op;
	g->nctrl = (u8)nctrl;
	for (i = 0; i < nq; i++)
		g->qubits[i] = (u16)qs[i];
	return g;
}

static struct qpu_gate *nt_1q(struct nt_circ *c, u32 op, u32 q)
{
	return nt_gate(c, op, 0, &q);
}

static struct qpu_gate *nt_cx(struct nt_circ *c, u32 ctl, u32 tgt)
{
	u32 qs[2] = { ctl, tgt };

	return nt_gate(c, QPU_OP_X, 1, qs);
}

static struct qpu_gate *nt_meas(struct nt_circ *c, u32 q, u32 cbit)
{
	struct qpu_gate *g = nt_1q(c, QPU_OP_MEASURE, q);

	g->cbit = cbit;
	return g;
}

/* ---- running ---- */

struct nt_res {
	struct qpu_count counts[1024];
	u32 ncounts;
	u64 expect[4];
	u64 work;
	u32 steps;
};

struct nt_run {
	u32 shots;
	u64 seed;
	u64 budget;
	const struct qc_noise *nz;
	/* called between qc_sim_step() calls, when set */
	void (*hook)(struct qc_sim *sim, void *priv);
	void *priv;
};

static void nt_exec(const struct nt_circ *c, const struct nt_run *run, struct nt_res *r)
{
	struct qc_coupling full = { .full = true };
	struct qc_validation v;
	struct qc_circuit qc;
	struct qc_sim_job job;
	struct qc_sim_out out;
	struct qc_sim *sim;
	size_t size;
	void *arena;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = qc_circuit_validate(c->g, c->ng, c->nq, c->nc, c->np, c->obs, c->nobs,
				  &full, NULL, &v);
	if (ret)
		QT_FAIL("circuit invalid: error %u at %u", v.error, v.index);
	qc = (struct qc_circuit) {
		.gates = c->g, .num_gates = c->ng, .num_qubits = c->nq,
		.num_clbits = c->nc, .num_params = c->np,
		.observables = c->obs, .num_observables = c->nobs,
		.per_shot = v.per_shot,
	};
	job = (struct qc_sim_job) {
		.circuit = &qc, .params = c->params, .shots = run->shots,
		.seed = run->seed, .want_expect = c->nobs > 0, .noise = run->nz,
	};
	size = qc_sim_mem_size(&job);
	QT_ASSERT(size > 0);
	arena = aligned_alloc(64, (size + 63) & ~(size_t)63);
	QT_ASSERT(arena);
	out = (struct qc_sim_out) {
		.counts = r->counts, .max_counts = ARRAY_SIZE(r->counts),
		.expect = r->expect,
	};
	sim = qc_sim_init(arena, size, &job, &out);
	QT_ASSERT(sim);
	QT_ASSERT_EQ(qc_sim_next_shot(sim), 0);
	while ((ret = qc_sim_step(sim, run->budget)) > 0) {
		r->steps++;
		QT_ASSERT_LE(qc_sim_next_shot(sim), run->shots);
		if (run->hook)
			run->hook(sim, run->priv);
	}
	QT_ASSERT_EQ(ret, 0);
	QT_ASSERT_EQ(qc_sim_next_shot(sim), run->shots);
	r->ncounts = out.num_counts;
	r->work = out.work;
	free(arena);
}

static u64 nt_count(const struct nt_res *r, u64 bits)
{
	u32 i;

	for (i = 0; i < r->ncounts; i++)
		if (r->counts[i].bits == bits)
			return r->counts[i].count;
	return 0;
}

/* same counts and expectation bits */
static bool nt_same(const struct nt_res *a, const struct nt_res *b)
{
	return a->ncounts == b->ncounts &&
	       !memcmp(a->counts, b->counts, a->ncounts * sizeof(a->counts[0])) &&
	       !memcmp(a->expect, b->expect, sizeof(a->expect));
}

/* ---- ideal mode, bit for bit ---- */

static u64 nt_rng_state;

static u64 nt_rand(void)
{
	u64 z = (nt_rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 nt_randn(u32 n)
{
	return (u32)(nt_rand() % n);
}

static const u32 nt_ops[] = {
	QPU_OP_ID, QPU_OP_X, QPU_OP_Y, QPU_OP_Z, QPU_OP_H, QPU_OP_S, QPU_OP_T,
	QPU_OP_SX, QPU_OP_RX, QPU_OP_RY, QPU_OP_RZ, QPU_OP_P, QPU_OP_U2,
	QPU_OP_U3, QPU_OP_SWAP, QPU_OP_RXX, QPU_OP_RZZ, QPU_OP_BARRIER,
};

/* a random unitary gate (angles partly through parameter slots) */
static void nt_random_gate(struct nt_circ *c)
{
	u32 op = nt_ops[nt_randn(ARRAY_SIZE(nt_ops))], nt = qc_op_targets(op);
	u32 qs[6], nctrl, i, j;
	struct qpu_gate *g;

	if (nt > c->nq)
		op = QPU_OP_H, nt = 1;
	nctrl = op == QPU_OP_BARRIER ? 0 : nt_randn(c->nq - nt < 3 ? c->nq - nt + 1 : 3);
	for (i = 0; i < nctrl + nt; i++) {
		do {
			qs[i] = nt_randn(c->nq);
			for (j = 0; j < i && qs[j] != qs[i]; j++)
				;
		} while (j < i);
	}
	g = nt_gate(c, op, nctrl, qs);
	for (i = 0; i < qc_op_angles(op); i++) {
		double a = (double)(nt_rand() >> 11) * 0x1p-53 * 12.0 - 6.0;

		if (c->np < ARRAY_SIZE(c->params) && nt_randn(3) == 0) {
			c->params[c->np] = nt_bits(a * 0.5);
			g->param[i] = ++c->np;
			g->scale[i] = nt_bits(1.5);
			g->offset[i] = nt_bits(0.25);
		} else {
			g->offset[i] = nt_bits(a);
		}
	}
}

/*
 * Golden case @k: its kind (k % 6) picks the shape: 0 terminal, 1 gates
 * after mid-circuit measurements, 2 reset and conditions, 3 no measurement
 * with observables, 4 terminal with a permuted bit map and observables,
 * 5 a wide classical register (sparse histogram).
 */
static void nt_golden_circuit(u32 k, struct nt_circ *c, struct nt_run *run)
{
	u32 kind = k % 6, i, q, ngates;

	memset(c, 0, sizeof(*c));
	memset(run, 0, sizeof(*run));
	nt_rng_state = 0x6a09e667f3bcc909ULL + k;
	c->nq = 1 + nt_randn(6);
	c->nc = kind == 5 ? 40 : c->nq;
	ngates = 4 + nt_randn(24);
	run->shots = k % 7 == 3 ? 1 : 200 + nt_randn(3000);
	run->budget = ~0ULL;
	for (i = 0; i < ngates; i++) {
		nt_random_gate(c);
		if (kind == 1 && nt_randn(5) == 0)
			nt_meas(c, nt_randn(c->nq), nt_randn(c->nc));
		if (kind == 2 && nt_randn(6) == 0)
			nt_1q(c, QPU_OP_RESET, nt_randn(c->nq));
		if (kind == 2 && nt_randn(4) == 0) {
			struct qpu_gate *g;

			nt_meas(c, nt_randn(c->nq), nt_randn(c->nc));
			g = nt_1q(c, nt_randn(2) ? QPU_OP_X : QPU_OP_H, nt_randn(c->nq));
			g->flags = QPU_GATE_COND;
			g->cond_start = (u16)nt_randn(c->nc);
			g->cond_width = 1;
			g->cond_value = nt_randn(2);
		}
	}
	if (kind == 3 || kind == 4 || k % 5 == 1) {
		c->nobs = 1 + nt_randn(4);
		for (i = 0; i < c->nobs; i++)
			c->obs[i] = nt_rand() & ((1ULL << c->nq) - 1);
	}
	if (kind == 3)
		return;
	for (q = 0; q < c->nq; q++) {
		u32 cb = kind == 4 ? (q + 1) % c->nq : q;

		if (kind == 5)
			cb = (q * 7 + 3) % c->nc;
		nt_meas(c, q, cb);
	}
}

#define NT_GOLDEN_CASES		24
#define NT_GOLDEN_SEEDS		3

/* FNV-1a over the results */
static u64 nt_hash_res(const struct nt_res *r)
{
	u64 h = 0xcbf29ce484222325ULL, v[3];
	u32 i, j;

	for (i = 0; i < r->ncounts + 4 + 1; i++) {
		if (i < r->ncounts) {
			v[0] = r->counts[i].bits;
			v[1] = r->counts[i].count;
		} else if (i < r->ncounts + 4) {
			v[0] = r->expect[i - r->ncounts];
			v[1] = i;
		} else {
			v[0] = r->work;
			v[1] = r->ncounts;
		}
		v[2] = 0;
		for (j = 0; j < 16; j++) {
			h ^= (u8)(v[j / 8] >> (8 * (j % 8)));
			h *= 0x100000001b3ULL;
		}
	}
	return h;
}

static u64 nt_golden_hash(u32 k, u32 s)
{
	static struct nt_circ c;
	static struct nt_res r;
	struct nt_run run;

	nt_golden_circuit(k, &c, &run);
	run.seed = 0x1234567ULL * (s + 1) + k;
	nt_exec(&c, &run, &r);
	return nt_hash_res(&r);
}

static void nt_record_golden(void)
{
	u32 k, s;

	printf("/* SPDX-License-Identifier: GPL-2.0 */\n"
	       "/* noise_golden.h - written by \"noise_test --record\" from the ideal\n"
	       " * simulator before the noise model: hashes of counts, expectations\n"
	       " * and work of nt_golden_circuit(k) at seed index s. */\n"
	       "static const u64 nt_golden[%u][%u] = {\n",
	       NT_GOLDEN_CASES, NT_GOLDEN_SEEDS);
	for (k = 0; k < NT_GOLDEN_CASES; k++) {
		printf("\t{");
		for (s = 0; s < NT_GOLDEN_SEEDS; s++)
			printf(" 0x%016llxULL,", (unsigned long long)nt_golden_hash(k, s));
		printf(" },\n");
	}
	printf("};\n");
}

#include "noise_golden.h"

QPU_TEST(ideal_golden)
{
	u32 k, s, bad = 0;

	for (k = 0; k < NT_GOLDEN_CASES; k++) {
		for (s = 0; s < NT_GOLDEN_SEEDS; s++) {
			u64 h = nt_golden_hash(k, s);

			if (h != nt_golden[k][s]) {
				printf("# case %u seed %u: hash %016llx, golden %016llx\n", k, s,
				       (unsigned long long)h, (unsigned long long)nt_golden[k][s]);
				bad++;
			}
		}
	}
	QT_ASSERT_EQ(bad, 0);
}

/* ---- the noise model ---- */

/*
 * Statistics: a fraction k / n against probability p passes within five
 * standard deviations sqrt(p (1 - p) / n) (a false failure about once in
 * 1.7 million runs, and the seeds are fixed).
 */
static void nt_near(u64 k, u32 n, double p, const char *what)
{
	double f = (double)k / n, sd = sqrt(p * (1.0 - p) / n);

	printf("# %s: %.5f, expected %.5f (5 sigma %.5f)\n", what, f, p, 5 * sd);
	if (fabs(f - p) > 5 * sd)
		QT_FAIL("%s: %.5f is more than 5 sigma from %.5f", what, f, p);
}

struct nt_noise {
	struct qc_noise nz;
	struct qc_noise_qubit q[16];
	u32 pair[16 * 16];
	struct qc_xt_seg segs[8];
};

/* no noise to speak of: no gate or readout error, T1 = T2 = 2000 s */
static const struct qc_noise *nt_quiet(struct nt_noise *n, u32 nq)
{
	u32 i;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < nq; i++)
		n->q[i] = (struct qc_noise_qubit) { .t1_us = 2000000000, .t2_us = 2000000000 };
	n->nz = (struct qc_noise) { .num_qubits = nq, .q = n->q, .pair_ppm = n->pair };
	return &n->nz;
}

static void nt_setup(struct nt_circ *c, struct nt_run *run, u32 nq, u32 shots, u64 seed)
{
	memset(c, 0, sizeof(*c));
	memset(run, 0, sizeof(*run));
	c->nq = nq;
	c->nc = nq;
	run->shots = shots;
	run->seed = seed;
	run->budget = ~0ULL;
}

QPU_TEST(depolarising_1q_2q)
{
	static struct nt_circ c;
	static struct nt_res r;
	struct nt_noise n;
	struct nt_run run;
	const u32 shots = 200000;

	/* X on |0>: X or Y error (2p/3) reads 0 */
	nt_setup(&c, &run, 1, shots, 11);
	run.nz = nt_quiet(&n, 1);
	n.q[0].gate1q_ppm = 50000;
	nt_1q(&c, QPU_OP_X, 0);
	nt_meas(&c, 0, 0);
	nt_exec(&c, &run, &r);
	nt_near(nt_count(&r, 0), shots, 2 * 0.05 / 3, "1q P(0)");

	/* CX on |00>: 12 of the 15 Pauli strings flip a bit */
	nt_setup(&c, &run, 2, shots, 12);
	run.nz = nt_quiet(&n, 2);
	n.pair[0 * 2 + 1] = n.pair[1 * 2 + 0] = 50000;
	nt_cx(&c, 0, 1);
	nt_meas(&c, 0, 0);
	nt_meas(&c, 1, 1);
	nt_exec(&c, &run, &r);
	nt_near(shots - nt_count(&r, 0), shots, 12 * 0.05 / 15, "2q P(not 00)");

	/* default_pair_ppm where the pair has none; a SWAP (900 ns) counts 2 CX */
	nt_setup(&c, &run, 2, shots, 13);
	run.nz = nt_quiet(&n, 2);
	n.nz.default_pair_ppm = 20000;
	{
		u32 qs[2] = { 0, 1 };

		nt_gate(&c, QPU_OP_SWAP, 0, qs);
	}
	nt_meas(&c, 0, 0);
	nt_meas(&c, 1, 1);
	nt_exec(&c, &run, &r);
	nt_near(shots - nt_count(&r, 0), shots, 12.0 / 15 * (1 - 0.98 * 0.98),
		"SWAP P(not 00)");

	/*
	 * A Toffoli (1870 ns: 5 CX) on |000>: 56 of the 63 Pauli strings
	 * have an X or Y somewhere.
	 */
	nt_setup(&c, &run, 3, shots, 14);
	run.nz = nt_quiet(&n, 3);
	n.pair[0 * 3 + 1] = n.pair[1 * 3 + 0] = 10000;
	{
		u32 qs[3] = { 0, 1, 2 };

		nt_gate(&c, QPU_OP_X, 2, qs);
	}
	nt_meas(&c, 0, 0);
	nt_meas(&c, 1, 1);
	nt_meas(&c, 2, 2);
	nt_exec(&c, &run, &r);
	nt_near(shots - nt_count(&r, 0), shots, 56.0 / 63 * (1 - pow(0.99, 5)),
		"CCX P(not 000)");
}

/* conditional gates that do not fire take no time, add no noise, draw nothing */
QPU_TEST(unfired_conditions_are_free)
{
	static struct nt_circ c;
	static struct nt_res a, b;
	struct nt_noise n;
	struct nt_run run;
	u32 i, pass;

	for (pass = 0; pass < 2; pass++) {
		nt_setup(&c, &run, 2, 20000, 15);
		c.nc = 3;
		run.nz = nt_quiet(&n, 2);
		n.q[0] = (struct qc_noise_qubit) { 10000, 20000, 30000, 1, 2 };
		n.q[1] = (struct qc_noise_qubit) { 10000, 20000, 30000, 1, 2 };
		n.nz.default_pair_ppm = 50000;
		nt_1q(&c, QPU_OP_X, 0);
		nt_1q(&c, QPU_OP_H, 1);
		for (i = 0; pass && i < 8; i++) {
			struct qpu_gate *g = i & 1 ? nt_cx(&c, 0, 1) : nt_1q(&c, QPU_OP_X, 1);

			g->flags = QPU_GATE_COND;
			g->cond_start = 2;
			g->cond_width = 1;
			g->cond_value = 1;	/* bit 2 is never set */
		}
		nt_meas(&c, 0, 0);
		nt_meas(&c, 1, 1);
		nt_exec(&c, &run, pass ? &b : &a);
	}
	QT_ASSERT(nt_same(&a, &b));
}

QPU_TEST(damping_and_dephasing)
{
	static struct nt_circ c;
	static struct nt_res r;
	struct nt_noise n;
	struct nt_run run;
	const u32 shots = 100000;
	u32 i;

	/* X then 20 IDs, T1 = 1 us, no dephasing (T2 = 2 T1): 735 ns of decay */
	nt_setup(&c, &run, 1, shots, 21);
	run.nz = nt_quiet(&n, 1);
	n.q[0].t1_us = 1;
	n.q[0].t2_us = 2;
	nt_1q(&c, QPU_OP_X, 0);
	for (i = 0; i < 20; i++)
		nt_1q(&c, QPU_OP_ID, 0);
	nt_meas(&c, 0, 0);
	nt_exec(&c, &run, &r);
	nt_near(nt_count(&r, 1), shots, exp(-0.735), "ID idle P(1)");

	/*
	 * A barrier-enforced idle: X on q0 while q1 runs ten X (350 ns); q0
	 * relaxes over those 350 ns before the joint measurement.
	 */
	nt_setup(&c, &run, 2, shots, 22);
	run.nz = nt_quiet(&n, 2);
	n.q[0].t1_us = 1;
	n.q[0].t2_us = 2;
	nt_1q(&c, QPU_OP_X, 0);
	for (i = 0; i < 10; i++)
		nt_1q(&c, QPU_OP_X, 1);
	nt_1q(&c, QPU_OP_BARRIER, 0);
	nt_meas(&c, 0, 0);
	nt_meas(&c, 1, 1);
	nt_exec(&c, &run, &r);
	nt_near(nt_count(&r, 1), shots, exp(-0.35), "barrier idle P(q0 = 1)");
	QT_ASSERT_EQ(nt_count(&r, 1) + nt_count(&r, 0), shots);

	/* H, 18 IDs, H with T2 = 1 us: 70 + 630 ns of dephasing */
	nt_setup(&c, &run, 1, shots, 23);
	run.nz = nt_quiet(&n, 1);
	n.q[0].t2_us = 1;
	nt_1q(&c, QPU_OP_H, 0);
	for (i = 0; i < 18; i++)
		nt_1q(&c, QPU_OP_ID, 0);
	nt_1q(&c, QPU_OP_H, 0);
	nt_meas(&c, 0, 0);
	nt_exec(&c, &run, &r);
	nt_near(nt_count(&r, 0), shots, (1 + exp(-0.7)) / 2, "Ramsey P(0)");
}

QPU_TEST(readout_asymmetry)
{
	static struct nt_circ c;
	static struct nt_res r;
	struct nt_noise n;
	struct nt_run run;
	const u32 shots = 200000;

	nt_setup(&c, &run, 2, shots, 31);
	run.nz = nt_quiet(&n, 2);
	n.q[0].ro01_ppm = n.q[1].ro01_ppm = 30000;
	n.q[0].ro10_ppm = n.q[1].ro10_ppm = 80000;
	nt_1q(&c, QPU_OP_X, 1);
	nt_meas(&c, 0, 0);
	nt_meas(&c, 1, 1);
	nt_exec(&c, &run, &r);
	/* bit 0 from |0>, bit 1 from |1> */
	nt_near(nt_count(&r, 1) + nt_count(&r, 3), shots, 0.03, "P(1 | 0)");
	nt_near(nt_count(&r, 0) + nt_count(&r, 1), shots, 0.08, "P(0 | 1)");

	/* a mid-circuit measurement: conditions see the recorded bit */
	nt_setup(&c, &run, 1, shots, 32);
	c.nc = 2;
	run.nz = nt_quiet(&n, 1);
	n.q[0].ro01_ppm = 30000;
	nt_meas(&c, 0, 0);
	{
		struct qpu_gate *g = nt_1q(&c, QPU_OP_X, 0);

		g->flags = QPU_GATE_COND;
		g->cond_width = 1;
		g->cond_value = 1;
	}
	nt_meas(&c, 0, 1);
	nt_exec(&c, &run, &r);
	/* a misread 0 fires the X: the second read sees a 1 */
	QT_ASSERT_EQ(nt_count(&r, 1), 0);	/* ro10 is 0 */
	nt_near(nt_count(&r, 3), shots, 0.03, "misread 0, X fires: 11");
	nt_near(nt_count(&r, 2), shots, 0.97 * 0.03, "second read misread: 10");
}

/* a circuit with everything: gates, mid-circuit measurement, reset, conditions */
static void nt_busy_circuit(struct nt_circ *c, u32 nq)
{
	struct qpu_gate *g;
	u32 q;

	for (q = 0; q < nq; q++)
		nt_1q(c, QPU_OP_H, q);
	for (q = 0; q + 1 < nq; q++)
		nt_cx(c, q, q + 1);
	g = nt_1q(c, QPU_OP_RX, 0);
	g->offset[0] = nt_bits(0.7);
	nt_meas(c, 0, 0);
	nt_1q(c, QPU_OP_RESET, 0);
	g = nt_1q(c, QPU_OP_X, 1);
	g->flags = QPU_GATE_COND;
	g->cond_width = 1;
	g->cond_value = 1;
	nt_1q(c, QPU_OP_ID, 2);
	nt_1q(c, QPU_OP_BARRIER, 0);
	for (q = 0; q < nq; q++)
		nt_meas(c, q, q);
	c->nobs = 2;
	c->obs[0] = 3;
	c->obs[1] = 1ULL << (nq - 1);
}

static const struct qc_noise *nt_lively(struct nt_noise *n, u32 nq)
{
	u32 i, j;

	nt_quiet(n, nq);
	for (i = 0; i < nq; i++) {
		n->q[i] = (struct qc_noise_qubit) {
			.gate1q_ppm = 2000 + 1000 * i, .ro01_ppm = 15000, .ro10_ppm = 25000,
			.t1_us = 2 + i, .t2_us = 3 + i,
		};
		for (j = 0; j < nq; j++)
			n->pair[i * nq + j] = i == j ? 0 : 10000 + 500 * (i + j);
	}
	n->nz.default_pair_ppm = 8000;
	n->nz.crosstalk_ppm = 40000;
	n->segs[0] = (struct qc_xt_seg) { .shot = 100, .exposed = 2 };
	n->segs[1] = (struct qc_xt_seg) { .shot = 700, .exposed = 0 };
	n->nz.segs = n->segs;
	n->nz.nsegs = 2;
	return &n->nz;
}

QPU_TEST(determinism_and_budget)
{
	static struct nt_circ c;
	static struct nt_res a, b;
	struct nt_noise n;
	struct nt_run run;
	u32 nq;

	for (nq = 3; nq <= 13; nq += 10) {
		u32 shots = nq > 3 ? 40 : 2000;

		nt_setup(&c, &run, nq, shots, 41);
		run.nz = nt_lively(&n, nq);
		nt_busy_circuit(&c, nq);
		nt_exec(&c, &run, &a);
		QT_ASSERT_GT(a.ncounts, 1);
		nt_exec(&c, &run, &b);
		QT_ASSERT(nt_same(&a, &b));
		run.budget = 1;
		nt_exec(&c, &run, &b);
		QT_ASSERT(nt_same(&a, &b));
		QT_ASSERT_EQ(a.work, b.work);
		QT_ASSERT_GT(b.steps, a.steps);
		run.budget = 5000;
		nt_exec(&c, &run, &b);
		QT_ASSERT(nt_same(&a, &b));
		run.budget = ~0ULL;
		run.seed = 42;
		nt_exec(&c, &run, &b);
		QT_ASSERT(!nt_same(&a, &b));
		/* the noise matters: the ideal run differs */
		run.seed = 41;
		run.nz = NULL;
		nt_exec(&c, &run, &b);
		QT_ASSERT(!nt_same(&a, &b));
	}
}

/* adds the exposure of all qubits from the first shot not yet started after 1000 */
struct nt_grow {
	struct nt_noise *n;
	u32 at;
};

static void nt_grow_hook(struct qc_sim *sim, void *priv)
{
	struct nt_grow *gr = priv;
	u32 next = qc_sim_next_shot(sim);

	if (gr->at || next < 1000)
		return;
	gr->at = next;
	gr->n->segs[1] = (struct qc_xt_seg) { .shot = next, .exposed = 3 };
	gr->n->nz.nsegs = 2;
}

QPU_TEST(crosstalk)
{
	static struct nt_circ c;
	static struct nt_res a, b;
	struct nt_noise n;
	struct nt_grow gr;
	struct nt_run run;
	const u32 shots = 200000;
	double p;

	nt_setup(&c, &run, 2, shots, 61);
	run.nz = nt_quiet(&n, 2);
	n.nz.default_pair_ppm = 20000;
	n.nz.crosstalk_ppm = 50000;
	nt_cx(&c, 0, 1);
	nt_meas(&c, 0, 0);
	nt_meas(&c, 1, 1);
	nt_exec(&c, &run, &a);
	nt_near(shots - nt_count(&a, 0), shots, 12.0 / 15 * 0.02, "CX unexposed");

	/* a segment that starts after the last shot changes nothing */
	n.segs[0] = (struct qc_xt_seg) { .shot = shots, .exposed = 3 };
	n.nz.segs = n.segs;
	n.nz.nsegs = 1;
	nt_exec(&c, &run, &b);
	QT_ASSERT(nt_same(&a, &b));

	/* exposed from shot 0: p = 1 - (1 - e)(1 - crosstalk) */
	n.segs[0].shot = 0;
	n.segs[0].exposed = 2;
	nt_exec(&c, &run, &b);
	p = 1 - 0.98 * 0.95;
	nt_near(shots - nt_count(&b, 0), shots, 12.0 / 15 * p, "CX exposed");

	/* a segment appended while the job runs = the same schedule given up front */
	n.segs[0] = (struct qc_xt_seg) { .shot = 0, .exposed = 0 };
	n.nz.nsegs = 1;
	gr = (struct nt_grow) { .n = &n };
	run.budget = 20000;
	run.hook = nt_grow_hook;
	run.priv = &gr;
	nt_exec(&c, &run, &a);
	QT_ASSERT_GE(gr.at, 1000);
	QT_ASSERT_LT(gr.at, shots / 2);
	run.hook = NULL;
	run.budget = ~0ULL;
	nt_exec(&c, &run, &b);
	QT_ASSERT(nt_same(&a, &b));
	/* and the exposure took effect from there on */
	nt_near(shots - nt_count(&b, 0), shots,
		12.0 / 15 * (gr.at * 0.02 + (shots - gr.at) * p) / shots, "CX exposed later");

	/* a spectator: Z with crosstalk / 10 after each of H, H on an exposed qubit */
	nt_setup(&c, &run, 1, shots, 62);
	run.nz = nt_quiet(&n, 1);
	n.nz.crosstalk_ppm = 500000;
	n.segs[0] = (struct qc_xt_seg) { .shot = 0, .exposed = 1 };
	n.nz.segs = n.segs;
	n.nz.nsegs = 1;
	nt_1q(&c, QPU_OP_H, 0);
	nt_1q(&c, QPU_OP_H, 0);
	nt_meas(&c, 0, 0);
	nt_exec(&c, &run, &a);
	nt_near(nt_count(&a, 1), shots, 0.05, "spectator P(1)");
}

static double nt_esp(const struct nt_circ *c, const struct qc_noise *nz, u64 exposed)
{
	u64 bits = 0;

	QT_ASSERT_EQ(qc_noise_esp(c->g, c->ng, nz, exposed, &bits), 0);
	return nt_dbl(bits);
}

QPU_TEST(esp)
{
	static struct nt_circ c;
	struct nt_noise n;
	struct nt_run run;
	double want, got;
	u64 bits;

	/*
	 * X q0 (0..35 ns), CX q0 q1 (35..405), X q1 (405..440), then q0 idles
	 * 35 ns to the joint measurement.
	 */
	nt_setup(&c, &run, 2, 1, 0);
	nt_quiet(&n, 2);
	n.q[0] = (struct qc_noise_qubit) { 1000, 10000, 20000, 10, 15 };
	n.q[1] = (struct qc_noise_qubit) { 3000, 5000, 40000, 50, 60 };
	n.pair[1] = n.pair[2] = 30000;
	n.nz.crosstalk_ppm = 100000;
	nt_1q(&c, QPU_OP_X, 0);
	nt_cx(&c, 0, 1);
	nt_1q(&c, QPU_OP_X, 1);
	nt_meas(&c, 0, 0);
	nt_meas(&c, 1, 1);
	want = 0.999 * 0.97 * 0.997 * (1 - 0.015) * (1 - 0.0225) * exp(-0.035 / 10);
	got = nt_esp(&c, &n.nz, 0);
	printf("# esp %.17g, by hand %.17g\n", got, want);
	QT_ASSERT(fabs(got - want) < 1e-14);
	/* q1 exposed: the CX and the spectator X pay crosstalk */
	want = 0.999 * (0.97 * 0.9) * (0.997 * 0.99) * (1 - 0.015) * (1 - 0.0225) *
	       exp(-0.035 / 10);
	got = nt_esp(&c, &n.nz, 2);
	QT_ASSERT(fabs(got - want) < 1e-14);

	/* no errors and T1 = 2000 s: 1 but for the 35 ns idle */
	nt_quiet(&n, 2);
	got = nt_esp(&c, &n.nz, 0);
	printf("# esp without errors %.17g\n", got);
	QT_ASSERT(fabs(got - exp(-0.035 / 2e9)) < 1e-15);
	QT_ASSERT(got > 1.0 - 1e-10 && got < 1.0);
	/* no idle at all: exactly 1 */
	c.ng = 2;
	QT_ASSERT(nt_esp(&c, &n.nz, 0) == 1.0);
	c.ng = 5;

	/* bad arguments */
	QT_ASSERT_EQ(qc_noise_esp(c.g, c.ng, NULL, 0, &bits), -EINVAL);
	QT_ASSERT_EQ(qc_noise_esp(c.g, c.ng, &n.nz, 0, NULL), -EINVAL);
	n.q[1].t2_us = 2 * n.q[1].t1_us + 1;
	QT_ASSERT_EQ(qc_noise_esp(c.g, c.ng, &n.nz, 0, &bits), -EINVAL);
	nt_quiet(&n, 1);
	QT_ASSERT_EQ(qc_noise_esp(c.g, c.ng, &n.nz, 0, &bits), -EINVAL);
}

/* Frame changes (Z, S, T, RZ, P) carry no error; the loss share is 1 - ratio. */
QPU_TEST(virtual_z_and_loss)
{
	static struct nt_circ c;
	static struct nt_res r;
	struct nt_noise n;
	struct nt_run run;
	const struct qc_noise *nz;
	u32 i;

	nt_setup(&c, &run, 1, 20000, 11);
	nz = nt_quiet(&n, 1);
	n.q[0].gate1q_ppm = 300000;
	n.nz.crosstalk_ppm = 500000;
	for (i = 0; i < 50; i++) {
		nt_1q(&c, QPU_OP_Z, 0);
		nt_1q(&c, QPU_OP_T, 0);
		nt_1q(&c, QPU_OP_S, 0);
	}
	nt_meas(&c, 0, 0);
	run.nz = nz;
	nt_exec(&c, &run, &r);
	QT_ASSERT_EQ(r.ncounts, 1);
	QT_ASSERT_EQ(nt_count(&r, 0), 20000);
	QT_ASSERT_EQ(nt_esp(&c, nz, 1), 1.0);
	QT_ASSERT_EQ(qc_noise_loss_ppm(nt_bits(1.0), nt_bits(0.99)), 10000);
	QT_ASSERT_EQ(qc_noise_loss_ppm(nt_bits(0.5), nt_bits(0.25)), 500000);
	QT_ASSERT_EQ(qc_noise_loss_ppm(nt_bits(0.5), nt_bits(0.6)), 0);
	QT_ASSERT_EQ(qc_noise_loss_ppm(nt_bits(0.0), nt_bits(0.0)), 0);
	QT_ASSERT_EQ(qc_noise_loss_ppm(nt_bits(0.5), nt_bits(-1.0)), QC_NOISE_PPM);
}

QPU_TEST(bad_noise_refused)
{
	static struct nt_circ c;
	struct qc_circuit qc = { .gates = c.g, .num_qubits = 2, .num_clbits = 2 };
	struct qc_sim_job job = { .circuit = &qc, .shots = 1 };
	struct nt_noise n;

	nt_quiet(&n, 2);
	job.noise = &n.nz;
	QT_ASSERT_GT(qc_sim_mem_size(&job), 0);
	n.q[0].t1_us = 0;
	QT_ASSERT_EQ(qc_sim_mem_size(&job), 0);
	nt_quiet(&n, 3);
	QT_ASSERT_EQ(qc_sim_mem_size(&job), 0);
	nt_quiet(&n, 2);
	n.pair[1] = QC_NOISE_PPM + 1;
	QT_ASSERT_EQ(qc_sim_mem_size(&job), 0);
}

/* ulps between @a and @b (finite, same sign) */
static u64 nt_ulps(double a, double b)
{
	u64 x = nt_bits(a), y = nt_bits(b);

	return x > y ? x - y : y - x;
}

QPU_TEST(fmath_exp)
{
	u64 worst = 0;
	u32 i;

	nt_rng_state = 71;
	for (i = 0; i < 2000000; i++) {
		double u = (double)(nt_rand() >> 11) * 0x1p-53, x;
		u64 d;

		switch (i % 4) {
		case 0:
			x = -750.0 + 1460.0 * u;
			break;
		case 1:
			x = -2.0 + 4.0 * u;
			break;
		case 2:
			x = (u - 0.5) * 1e-6;
			break;
		default:
			x = -745.0 - 0.2 * u;	/* subnormal results */
			break;
		}
		d = nt_ulps(qc_exp(x), exp(x));
		if (d > worst)
			worst = d;
		if (d > 1)
			QT_FAIL("qc_exp(%a) = %a, libm %a", x, qc_exp(x), exp(x));
	}
	printf("# worst %llu ulp\n", (unsigned long long)worst);
	QT_ASSERT(qc_exp(0.0) == 1.0);
	QT_ASSERT(qc_exp(-0.0) == 1.0);
	QT_ASSERT(qc_exp(-1000.0) == 0.0);
	QT_ASSERT(qc_exp(-INFINITY) == 0.0);
	QT_ASSERT(qc_exp(1000.0) == INFINITY);
	QT_ASSERT(qc_exp(INFINITY) == INFINITY);
	QT_ASSERT(isnan(qc_exp(NAN)));
	QT_ASSERT(qc_exp(1.0) == exp(1.0) || nt_ulps(qc_exp(1.0), exp(1.0)) == 1);
	QT_ASSERT(nt_ulps(qc_exp(709.0), exp(709.0)) <= 1);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--record")) {
		nt_record_golden();
		return 0;
	}
	return qt_main(argc, argv);
}
