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

static __attribute__((unused)) double nt_dbl(u64 u)
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

static __attribute__((unused)) struct qpu_gate *nt_cx(struct nt_circ *c, u32 ctl, u32 tgt)
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
		.seed = run->seed, .want_expect = c->nobs > 0,
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
	while ((ret = qc_sim_step(sim, run->budget)) > 0)
		r->steps++;
	QT_ASSERT_EQ(ret, 0);
	r->ncounts = out.num_counts;
	r->work = out.work;
	free(arena);
}

static __attribute__((unused)) u64 nt_count(const struct nt_res *r, u64 bits)
{
	u32 i;

	for (i = 0; i < r->ncounts; i++)
		if (r->counts[i].bits == bits)
			return r->counts[i].count;
	return 0;
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

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--record")) {
		nt_record_golden();
		return 0;
	}
	return qt_main(argc, argv);
}
