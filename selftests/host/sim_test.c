// SPDX-License-Identifier: GPL-2.0
/*
 * sim_test.c - host unit tests of the state-vector simulator
 * (kmod/core/sim.c) and its math (kmod/core/fmath.c).
 *
 * Every opcode, with 0..4 controls on random qubits of random states, is
 * checked against its explicit matrix applied by a naive dense reference
 * written here with <complex.h>; long random circuits against a second
 * (operator-form) reference; known states (Bell, GHZ, QFT), mid-circuit
 * measurement, reset and feed-forward statistics, classical conditions,
 * the terminal-measurement bit mapping, both histogram representations,
 * seeds, chi-square checks at fixed seeds, affine parameters, exact
 * expectation values, budget independence (bit-identical results for any
 * budget), concurrent simulations, error paths and fmath against libm.
 */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/qpu.h>

#include "qpu_test.h"
#include "circuit.h"
#include "fmath.h"
#include "sim.h"

#define MAXQ		16
#define MAXG		8192
#define TOL		1e-12

typedef double complex cplx;

/* ---- test RNG (independent of the simulator's) ---- */

static uint64_t trng_state = 0x853c49e6748fea9bULL;

static uint64_t trng(void)
{
	uint64_t z = (trng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double trand(void)
{
	return (double)(trng() >> 11) * 0x1p-53;
}

static unsigned int trand_int(unsigned int n)
{
	return (unsigned int)(trng() % n);
}

static uint64_t dbits(double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	return u;
}

static double bitsd(uint64_t u)
{
	double d;

	memcpy(&d, &u, 8);
	return d;
}

/* ---- circuits ---- */

struct tc {
	struct qpu_gate *g;
	uint32_t ng;
	uint32_t nq, nc, np;
	uint64_t params[64];
	uint64_t obs[QPU_MAX_OBSERVABLES];
	uint32_t nobs;
	int force_per_shot;
};

static struct tc *tc_new(uint32_t nq, uint32_t nc)
{
	struct tc *t = calloc(1, sizeof(*t));

	QT_ASSERT(t);
	t->g = calloc(MAXG, sizeof(*t->g));
	QT_ASSERT(t->g);
	t->nq = nq;
	t->nc = nc;
	return t;
}

static void tc_free(struct tc *t)
{
	free(t->g);
	free(t);
}

/* a gate on qubits qs[0..nctrl+targets-1] (controls first) */
static struct qpu_gate *tc_add(struct tc *t, uint32_t op, uint32_t nctrl, const uint32_t *qs)
{
	struct qpu_gate *g;
	uint32_t i;

	QT_ASSERT(t->ng < MAXG);
	g = &t->g[t->ng++];
	memset(g, 0, sizeof(*g));
	g->op = (uint8_t)op;
	g->nctrl = (uint8_t)nctrl;
	for (i = 0; i < nctrl + qc_op_targets(op); i++)
		g->qubits[i] = (uint16_t)qs[i];
	return g;
}

static struct qpu_gate *g1(struct tc *t, uint32_t op, uint32_t q)
{
	return tc_add(t, op, 0, &q);
}

static struct qpu_gate *g1a(struct tc *t, uint32_t op, uint32_t q, double a)
{
	struct qpu_gate *g = tc_add(t, op, 0, &q);

	g->offset[0] = dbits(a);
	return g;
}

static struct qpu_gate *gc(struct tc *t, uint32_t op, uint32_t c, uint32_t q)
{
	uint32_t qs[2] = { c, q };

	return tc_add(t, op, 1, qs);
}

static struct qpu_gate *gcp(struct tc *t, uint32_t c, uint32_t q, double lam)
{
	struct qpu_gate *g = gc(t, QPU_OP_P, c, q);

	g->offset[0] = dbits(lam);
	return g;
}

static struct qpu_gate *measure(struct tc *t, uint32_t q, uint32_t c)
{
	struct qpu_gate *g = g1(t, QPU_OP_MEASURE, q);

	g->cbit = c;
	return g;
}

static void cond(struct qpu_gate *g, uint32_t start, uint32_t width, uint64_t value)
{
	g->flags |= QPU_GATE_COND;
	g->cond_start = (uint16_t)start;
	g->cond_width = (uint16_t)width;
	g->cond_value = value;
}

static void measure_all(struct tc *t)
{
	uint32_t q;

	for (q = 0; q < t->nq && q < t->nc; q++)
		measure(t, q, q);
}

/* random distinct qubits */
static void pick_qubits(uint32_t n, uint32_t k, uint32_t *qs)
{
	uint32_t all[MAXQ], i;

	for (i = 0; i < n; i++)
		all[i] = i;
	for (i = 0; i < k; i++) {
		uint32_t j = i + trand_int(n - i), tmp = all[i];

		all[i] = all[j];
		all[j] = tmp;
		qs[i] = all[i];
	}
}

/* random angles; some through parameter slots with scale and offset */
static void random_angles(struct tc *t, struct qpu_gate *g)
{
	uint32_t i;

	for (i = 0; i < qc_op_angles(g->op); i++) {
		double a = (trand() * 2 - 1) * 7;

		if (t->np < 60 && trand_int(3) == 0) {
			t->params[t->np] = dbits((trand() * 2 - 1) * 3);
			g->param[i] = ++t->np;
			g->scale[i] = dbits(trand() * 4 - 2);
			g->offset[i] = dbits(trand() - 0.5);
		} else {
			g->offset[i] = dbits(a);
		}
	}
}

static const uint32_t unitary_ops[] = {
	QPU_OP_ID, QPU_OP_X, QPU_OP_Y, QPU_OP_Z, QPU_OP_H, QPU_OP_S, QPU_OP_SDG,
	QPU_OP_T, QPU_OP_TDG, QPU_OP_SX, QPU_OP_SXDG, QPU_OP_RX, QPU_OP_RY,
	QPU_OP_RZ, QPU_OP_P, QPU_OP_U2, QPU_OP_U3, QPU_OP_SWAP, QPU_OP_RXX,
	QPU_OP_RZZ,
};

static struct qpu_gate *random_unitary(struct tc *t, uint32_t maxctrl)
{
	uint32_t op = unitary_ops[trand_int(ARRAY_SIZE(unitary_ops))];
	uint32_t nt = qc_op_targets(op), room = t->nq - nt, nctrl, qs[6];
	struct qpu_gate *g;

	if (t->nq < nt)
		op = QPU_OP_H, nt = 1, room = t->nq - 1;
	nctrl = trand_int((room < maxctrl ? room : maxctrl) + 1);
	pick_qubits(t->nq, nctrl + nt, qs);
	g = tc_add(t, op, nctrl, qs);
	random_angles(t, g);
	return g;
}

/* a generic entangled state: U3 layer, CX chain, U3 layer */
static void prep_random(struct tc *t)
{
	uint32_t q, qs[3];

	for (q = 0; q < t->nq; q++) {
		qs[0] = q;
		random_angles(t, tc_add(t, QPU_OP_U3, 0, qs));
	}
	for (q = 0; q + 1 < t->nq; q++)
		gc(t, QPU_OP_X, q, q + 1);
	for (q = 0; q < t->nq; q++) {
		qs[0] = q;
		random_angles(t, tc_add(t, QPU_OP_U3, 0, qs));
	}
}

/* ---- running the simulator ---- */

struct res {
	struct qpu_count *counts;
	uint32_t ncounts;
	double expect[QPU_MAX_OBSERVABLES];
	uint64_t expect_bits[QPU_MAX_OBSERVABLES];
	uint64_t work;
	double *state;		/* 2^n (re, im) copied after the run */
	int ret;
	uint32_t steps;
	int per_shot;
};

static void res_free(struct res *r)
{
	free(r->counts);
	free(r->state);
	memset(r, 0, sizeof(*r));
}

static void tc_circuit(struct tc *t, struct qc_circuit *qc)
{
	struct qc_coupling full = { .full = true };
	struct qc_validation v;
	int ret;

	ret = qc_circuit_validate(t->g, t->ng, t->nq, t->nc, t->np, t->obs, t->nobs,
				  &full, NULL, &v);
	if (ret)
		QT_FAIL("circuit invalid: error %u at %u", v.error, v.index);
	*qc = (struct qc_circuit) {
		.gates = t->g, .num_gates = t->ng, .num_qubits = t->nq,
		.num_clbits = t->nc, .num_params = t->np,
		.observables = t->obs, .num_observables = t->nobs,
		.per_shot = v.per_shot || t->force_per_shot,
	};
}

static unsigned int arena_fill;

static int tc_run_ex(struct tc *t, uint32_t shots, uint64_t seed, uint64_t budget,
		     uint32_t max_counts, struct res *r)
{
	struct qc_circuit qc;
	struct qc_sim_job job;
	struct qc_sim_out out;
	struct qc_sim *sim;
	size_t size;
	uint8_t *arena;
	uint32_t j;
	int ret;

	memset(r, 0, sizeof(*r));
	tc_circuit(t, &qc);
	r->per_shot = qc.per_shot;
	job = (struct qc_sim_job) {
		.circuit = &qc, .params = t->params, .shots = shots, .seed = seed,
		.want_expect = t->nobs > 0,
	};
	size = qc_sim_mem_size(&job);
	QT_ASSERT(size > 0);
	/* deliberately only 8-byte aligned */
	arena = aligned_alloc(64, size + 64);
	QT_ASSERT(arena);
	/*
	 * Arena contents are arbitrary: every other run fills it with doubles
	 * of ~1e127 so that stale values show; the others leave it
	 * uninitialised for valgrind.
	 */
	if (arena_fill++ & 1)
		memset(arena, 0x5a, size + 64);
	if (!max_counts)
		max_counts = qc_circuit_max_outcomes(t->nc, shots);
	r->counts = calloc(max_counts, sizeof(*r->counts));
	QT_ASSERT(r->counts);
	out = (struct qc_sim_out) {
		.counts = r->counts, .max_counts = max_counts,
		.expect = r->expect_bits,
	};
	sim = qc_sim_init(arena + 8, size, &job, &out);
	QT_ASSERT(sim);
	while ((ret = qc_sim_step(sim, budget)) > 0)
		r->steps++;
	r->ret = ret;
	r->ncounts = out.num_counts;
	r->work = out.work;
	for (j = 0; j < t->nobs; j++)
		r->expect[j] = bitsd(r->expect_bits[j]);
	r->state = malloc(16ULL << t->nq);
	QT_ASSERT(r->state);
	memcpy(r->state, qc_sim_state(sim), 16ULL << t->nq);
	free(arena);
	return ret;
}

static void tc_run(struct tc *t, uint32_t shots, uint64_t seed, uint64_t budget, struct res *r)
{
	int ret = tc_run_ex(t, shots, seed, budget, 0, r);

	if (ret)
		QT_FAIL("simulation failed: %d", ret);
}

static uint64_t count_of(const struct res *r, uint64_t bits)
{
	uint32_t i;

	for (i = 0; i < r->ncounts; i++)
		if (r->counts[i].bits == bits)
			return r->counts[i].count;
	return 0;
}

/* sorted strictly by bits, counts positive, summing to @shots */
static void check_counts(const struct res *r, uint32_t shots)
{
	uint64_t sum = 0;
	uint32_t i;

	QT_ASSERT(r->ncounts >= 1);
	for (i = 0; i < r->ncounts; i++) {
		QT_ASSERT(r->counts[i].count > 0);
		if (i)
			QT_ASSERT(r->counts[i - 1].bits < r->counts[i].bits);
		sum += r->counts[i].count;
	}
	QT_ASSERT_EQ(sum, shots);
}

/* ---- reference simulator ---- */

static double ref_angle(const struct tc *t, const struct qpu_gate *g, int i)
{
	double off = bitsd(g->offset[i]);

	if (!g->param[i])
		return off;
	return bitsd(g->scale[i]) * bitsd(t->params[g->param[i] - 1]) + off;
}

/* the gate's own matrix, on its targets (target 0 = low index bit) */
static uint32_t ref_matrix(const struct tc *t, const struct qpu_gate *g, cplx m[4][4])
{
	double a = qc_op_angles(g->op) > 0 ? ref_angle(t, g, 0) : 0;
	double b = qc_op_angles(g->op) > 1 ? ref_angle(t, g, 1) : 0;
	double c = qc_op_angles(g->op) > 2 ? ref_angle(t, g, 2) : 0;
	double th = a, ph = b, la = c;
	int i, j;

	memset(m, 0, sizeof(cplx) * 16);
	switch (g->op) {
	case QPU_OP_ID:
		m[0][0] = m[1][1] = 1;
		return 1;
	case QPU_OP_X:
		m[0][1] = m[1][0] = 1;
		return 1;
	case QPU_OP_Y:
		m[0][1] = -I;
		m[1][0] = I;
		return 1;
	case QPU_OP_Z:
		m[0][0] = 1;
		m[1][1] = -1;
		return 1;
	case QPU_OP_H:
		m[0][0] = m[0][1] = m[1][0] = 1 / sqrt(2);
		m[1][1] = -1 / sqrt(2);
		return 1;
	case QPU_OP_S:
		m[0][0] = 1;
		m[1][1] = I;
		return 1;
	case QPU_OP_SDG:
		m[0][0] = 1;
		m[1][1] = -I;
		return 1;
	case QPU_OP_T:
		m[0][0] = 1;
		m[1][1] = cexp(I * M_PI / 4);
		return 1;
	case QPU_OP_TDG:
		m[0][0] = 1;
		m[1][1] = cexp(-I * M_PI / 4);
		return 1;
	case QPU_OP_SX:
		m[0][0] = m[1][1] = (1 + I) / 2;
		m[0][1] = m[1][0] = (1 - I) / 2;
		return 1;
	case QPU_OP_SXDG:
		m[0][0] = m[1][1] = (1 - I) / 2;
		m[0][1] = m[1][0] = (1 + I) / 2;
		return 1;
	case QPU_OP_RX:
		m[0][0] = m[1][1] = cos(a / 2);
		m[0][1] = m[1][0] = -I * sin(a / 2);
		return 1;
	case QPU_OP_RY:
		m[0][0] = m[1][1] = cos(a / 2);
		m[0][1] = -sin(a / 2);
		m[1][0] = sin(a / 2);
		return 1;
	case QPU_OP_RZ:
		m[0][0] = cexp(-I * a / 2);
		m[1][1] = cexp(I * a / 2);
		return 1;
	case QPU_OP_P:
		m[0][0] = 1;
		m[1][1] = cexp(I * a);
		return 1;
	case QPU_OP_U2:
		th = M_PI / 2;
		ph = a;
		la = b;
		/* fall through */
	case QPU_OP_U3:
		m[0][0] = cos(th / 2);
		m[0][1] = -cexp(I * la) * sin(th / 2);
		m[1][0] = cexp(I * ph) * sin(th / 2);
		m[1][1] = cexp(I * (ph + la)) * cos(th / 2);
		return 1;
	case QPU_OP_SWAP:
		m[0][0] = m[3][3] = 1;
		m[1][2] = m[2][1] = 1;
		return 2;
	case QPU_OP_RXX:
		for (i = 0; i < 4; i++) {
			m[i][i] = cos(a / 2);
			m[i][i ^ 3] = -I * sin(a / 2);
		}
		return 2;
	case QPU_OP_RZZ:
		for (i = 0; i < 4; i++) {
			j = __builtin_parity(i);
			m[i][i] = cexp((j ? I : -I) * a / 2);
		}
		return 2;
	}
	QT_FAIL("no reference matrix for op %u", g->op);
}

static uint32_t tidx(const struct qpu_gate *g, uint32_t nt, uint64_t x)
{
	uint32_t r = 0, i;

	for (i = 0; i < nt; i++)
		r |= (uint32_t)((x >> g->qubits[g->nctrl + i]) & 1) << i;
	return r;
}

static uint64_t tset(const struct qpu_gate *g, uint32_t nt, uint64_t x, uint32_t ti)
{
	uint32_t i;

	for (i = 0; i < nt; i++) {
		uint64_t b = 1ULL << g->qubits[g->nctrl + i];

		x = (ti >> i & 1) ? x | b : x & ~b;
	}
	return x;
}

static int ctrl_on(const struct qpu_gate *g, uint64_t x)
{
	uint32_t i;

	for (i = 0; i < g->nctrl; i++)
		if (!(x >> g->qubits[i] & 1))
			return 0;
	return 1;
}

/* operator form: psi' = (gate) psi, O(2^n * 4) */
static void ref_apply(const struct tc *t, const struct qpu_gate *g, cplx *psi)
{
	uint64_t N = 1ULL << t->nq, x;
	cplx m[4][4], *out;
	uint32_t nt, ti;

	if (g->op == QPU_OP_BARRIER)
		return;
	QT_ASSERT(g->op != QPU_OP_MEASURE && g->op != QPU_OP_RESET);
	nt = ref_matrix(t, g, m);
	out = calloc(N, sizeof(*out));
	QT_ASSERT(out);
	for (x = 0; x < N; x++) {
		uint32_t r = tidx(g, nt, x);

		if (!ctrl_on(g, x)) {
			out[x] = psi[x];
			continue;
		}
		for (ti = 0; ti < (1U << nt); ti++)
			out[x] += m[r][ti] * psi[tset(g, nt, x, ti)];
	}
	memcpy(psi, out, N * sizeof(*out));
	free(out);
}

/* dense form: the full 2^n x 2^n matrix, then a matrix-vector product */
static void ref_apply_dense(const struct tc *t, const struct qpu_gate *g, cplx *psi)
{
	uint64_t N = 1ULL << t->nq, row, col;
	cplx m[4][4], *u, *out;
	uint32_t nt, ri;

	QT_ASSERT(t->nq <= 6);
	nt = ref_matrix(t, g, m);
	u = calloc(N * N, sizeof(*u));
	out = calloc(N, sizeof(*out));
	QT_ASSERT(u && out);
	for (col = 0; col < N; col++) {
		if (!ctrl_on(g, col)) {
			u[col * N + col] = 1;
			continue;
		}
		for (ri = 0; ri < (1U << nt); ri++)
			u[tset(g, nt, col, ri) * N + col] = m[ri][tidx(g, nt, col)];
	}
	for (row = 0; row < N; row++)
		for (col = 0; col < N; col++)
			out[row] += u[row * N + col] * psi[col];
	memcpy(psi, out, N * sizeof(*out));
	free(u);
	free(out);
}

static cplx *ref_run(const struct tc *t, uint32_t upto)
{
	uint64_t N = 1ULL << t->nq;
	cplx *psi = calloc(N, sizeof(*psi));
	uint32_t i;

	QT_ASSERT(psi);
	psi[0] = 1;
	for (i = 0; i < upto; i++)
		ref_apply(t, &t->g[i], psi);
	return psi;
}

static double max_diff(const struct tc *t, const double *state, const cplx *psi)
{
	uint64_t N = 1ULL << t->nq, x;
	double d = 0;

	for (x = 0; x < N; x++) {
		double e = cabs(state[2 * x] + I * state[2 * x + 1] - psi[x]);

		if (e > d || e != e)
			d = e != e ? INFINITY : e;
	}
	return d;
}

static double ref_expect(const struct tc *t, const cplx *psi, uint64_t mask)
{
	uint64_t N = 1ULL << t->nq, x;
	double s = 0;

	for (x = 0; x < N; x++) {
		double p = creal(psi[x] * conj(psi[x]));

		s += __builtin_parityll(x & mask) ? -p : p;
	}
	return s;
}

/* ---- fmath ---- */

static double relerr(double got, double want)
{
	double d = fabs(got - want);

	return want == 0 ? d : d / fabs(want);
}

QPU_TEST(fmath_sincos_vs_libm)
{
	double worst = 0, wx = 0;
	int i;

	for (i = 0; i < 100000; i++) {
		double x = (trand() * 2 - 1) * 100, s, c, e;

		qc_sincos(x, &s, &c);
		e = fmax(relerr(s, sin(x)), relerr(c, cos(x)));
		if (e > worst) {
			worst = e;
			wx = x;
		}
	}
	printf("# [-100, 100]: worst relative error %.3g at x = %.17g\n", worst, wx);
	if (worst >= 1e-15)
		QT_FAIL("relative error %.3g at x = %.17g", worst, wx);
}

QPU_TEST(fmath_sincos_hard_arguments)
{
	double worst = 0, wx = 0, s, c;
	int i;

	for (i = 0; i < 30000; i++) {
		double x, e;

		switch (i % 3) {
		case 0:	/* doubles next to multiples of pi/2 */
			x = nextafter((double)(1 + trand_int(1000000)) * M_PI_2,
				      trand_int(2) ? INFINITY : 0);
			break;
		case 1:	/* large: Payne-Hanek */
			x = pow(10, 2 + trand() * 306);
			break;
		default:	/* tiny */
			x = pow(10, -300 * trand());
			break;
		}
		if (trand_int(2))
			x = -x;
		qc_sincos(x, &s, &c);
		e = fmax(relerr(s, sin(x)), relerr(c, cos(x)));
		if (e > worst) {
			worst = e;
			wx = x;
		}
	}
	printf("# hard arguments: worst relative error %.3g at x = %.17g\n", worst, wx);
	if (worst >= 1e-15)
		QT_FAIL("relative error %.3g at x = %.17g", worst, wx);

	qc_sincos(0.0, &s, &c);
	QT_ASSERT(s == 0 && !signbit(s) && c == 1);
	qc_sincos(-0.0, &s, &c);
	QT_ASSERT(s == 0 && signbit(s) && c == 1);
	qc_sincos(NAN, &s, &c);
	QT_ASSERT(isnan(s) && isnan(c));
	qc_sincos(-INFINITY, &s, &c);
	QT_ASSERT(isnan(s) && isnan(c));
	qc_sincos(DBL_MAX, &s, &c);
	QT_ASSERT(relerr(s, sin(DBL_MAX)) < 1e-15 && relerr(c, cos(DBL_MAX)) < 1e-15);
}

QPU_TEST(fmath_sqrt)
{
	int i;

	for (i = 0; i < 100000; i++) {
		double x = ldexp(trand() + 0.5, (int)trand_int(2000) - 1000);

		if (qc_sqrt(x) != sqrt(x))
			QT_FAIL("sqrt(%.17g): %.17g vs %.17g", x, qc_sqrt(x), sqrt(x));
	}
	QT_ASSERT(qc_sqrt(0.0) == 0 && qc_sqrt(4.0) == 2);
	QT_ASSERT(isnan(qc_sqrt(-1.0)));
	QT_ASSERT(qc_isfinite(1e308) && !qc_isfinite(INFINITY) && !qc_isfinite(NAN));
}

/* ---- gates against the dense reference ---- */

QPU_TEST(gates_vs_dense_reference)
{
	uint32_t oi, nctrl, trial, checked = 0;

	for (oi = 0; oi < ARRAY_SIZE(unitary_ops); oi++) {
		uint32_t op = unitary_ops[oi], nt = qc_op_targets(op);

		for (nctrl = 0; nctrl <= QPU_MAX_CONTROLS && nctrl + nt <= 5; nctrl++) {
			for (trial = 0; trial < 6; trial++) {
				uint32_t n = nctrl + nt + trand_int(6 - nctrl - nt);
				struct tc *t = tc_new(n, 0);
				uint32_t qs[6], prep;
				struct qpu_gate *g;
				struct res r;
				cplx *psi;
				double d;

				prep_random(t);
				prep = t->ng;
				pick_qubits(n, nctrl + nt, qs);
				g = tc_add(t, op, nctrl, qs);
				random_angles(t, g);
				tc_run(t, 1, 1, 1ULL << 30, &r);
				psi = ref_run(t, prep);
				ref_apply_dense(t, g, psi);
				d = max_diff(t, r.state, psi);
				if (d > TOL)
					QT_FAIL("op %u nctrl %u n %u qubits %u,%u,..: diff %.3g",
						op, nctrl, n, qs[0], qs[1], d);
				checked++;
				free(psi);
				res_free(&r);
				tc_free(t);
			}
		}
	}
	printf("# %u gate placements checked\n", checked);
}

/* the simulator must change the state when the reference does: no false pass */
QPU_TEST(reference_detects_wrong_gate)
{
	struct tc *t = tc_new(3, 0);
	struct res r;
	cplx *psi;

	prep_random(t);
	g1a(t, QPU_OP_RX, 1, 0.3);
	tc_run(t, 1, 1, 1ULL << 30, &r);
	t->g[t->ng - 1].offset[0] = dbits(0.3 + 1e-6);
	psi = ref_run(t, t->ng);
	QT_ASSERT(max_diff(t, r.state, psi) > 1e-8);
	free(psi);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(long_random_circuits_norm)
{
	uint32_t round;

	for (round = 0; round < 3; round++) {
		struct tc *t = tc_new(9, 0);
		double norm = 0, d;
		struct res r;
		uint64_t x;
		cplx *psi;
		uint32_t i;

		for (i = 0; i < 2500; i++)
			random_unitary(t, 4);
		tc_run(t, 1, 1, 1ULL << 30, &r);
		for (x = 0; x < 512; x++)
			norm += r.state[2 * x] * r.state[2 * x] +
				r.state[2 * x + 1] * r.state[2 * x + 1];
		if (fabs(norm - 1) > 1e-12)
			QT_FAIL("norm drifted: %.17g", norm);
		psi = ref_run(t, t->ng);
		d = max_diff(t, r.state, psi);
		if (d > 1e-10)
			QT_FAIL("round %u: diff to reference %.3g", round, d);
		free(psi);
		res_free(&r);
		tc_free(t);
	}
}

/*
 * U3 and U2 stay unitary for angles of very different sizes: the phase
 * of phi + lambda once came from the rounded sum, which drops lambda next
 * to a huge phi (host fuzzer input sim/u3-huge-phi: norm 0.61).
 */
QPU_TEST(u3_unitary_for_huge_angles)
{
	static const double cases[][3] = {
		{ 4e22, 2e22, 5 }, { 0.3, 1e9, 1e-3 }, { 1.0, -1e300, 0.7 },
		{ 2.0, 0.25, 3e16 },
	};
	uint32_t i, q = 0;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct tc *t = tc_new(1, 0);
		struct qpu_gate *g;
		struct res r;
		double norm;

		tc_add(t, QPU_OP_SXDG, 0, &q);
		g = tc_add(t, QPU_OP_U3, 0, &q);
		g->offset[0] = dbits(cases[i][0]);
		g->offset[1] = dbits(cases[i][1]);
		g->offset[2] = dbits(cases[i][2]);
		g = tc_add(t, QPU_OP_U2, 0, &q);
		g->offset[0] = dbits(cases[i][1]);
		g->offset[1] = dbits(cases[i][2]);
		tc_run(t, 1, 1, 1ULL << 30, &r);
		norm = r.state[0] * r.state[0] + r.state[1] * r.state[1] +
		       r.state[2] * r.state[2] + r.state[3] * r.state[3];
		if (fabs(norm - 1) > 1e-14)
			QT_FAIL("case %u: norm %.17g", i, norm);
		res_free(&r);
		tc_free(t);
	}
}

/* ---- known states ---- */

QPU_TEST(bell_counts)
{
	struct tc *t = tc_new(2, 2);
	struct res r;

	g1(t, QPU_OP_H, 0);
	gc(t, QPU_OP_X, 0, 1);
	measure_all(t);
	tc_run(t, 10000, 42, 1ULL << 18, &r);
	check_counts(&r, 10000);
	QT_ASSERT_EQ(count_of(&r, 1), 0);
	QT_ASSERT_EQ(count_of(&r, 2), 0);
	QT_ASSERT_EQ(r.ncounts, 2);
	QT_ASSERT(count_of(&r, 0) > 4500 && count_of(&r, 0) < 5500);
	QT_ASSERT(!r.per_shot);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(ghz_states)
{
	uint32_t n;

	for (n = 2; n <= 16; n++) {
		struct tc *t = tc_new(n, n);
		uint64_t all = (1ULL << n) - 1;
		struct res r;
		uint32_t q;

		g1(t, QPU_OP_H, 0);
		for (q = 0; q + 1 < n; q++)
			gc(t, QPU_OP_X, q, q + 1);
		measure_all(t);
		tc_run(t, 4000, n, 1ULL << 18, &r);
		check_counts(&r, 4000);
		QT_ASSERT_EQ(r.ncounts, 2);
		QT_ASSERT_EQ(r.counts[0].bits, 0);
		QT_ASSERT_EQ(r.counts[1].bits, all);
		QT_ASSERT(r.counts[0].count > 1700 && r.counts[0].count < 2300);
		res_free(&r);
		tc_free(t);
	}
}

QPU_TEST(qft_of_basis_states)
{
	const uint32_t n = 5, N = 1U << n;
	uint32_t j;

	for (j = 0; j < N; j += 3) {
		struct tc *t = tc_new(n, 0);
		struct res r;
		uint32_t q, k, y;

		for (q = 0; q < n; q++)
			if (j >> q & 1)
				g1(t, QPU_OP_X, q);
		for (q = n; q-- > 0;) {
			g1(t, QPU_OP_H, q);
			for (k = q; k-- > 0;)
				gcp(t, k, q, M_PI / (double)(1U << (q - k)));
		}
		for (q = 0; q < n / 2; q++) {
			uint32_t qs[2] = { q, n - 1 - q };

			tc_add(t, QPU_OP_SWAP, 0, qs);
		}
		tc_run(t, 1, 1, 1ULL << 30, &r);
		for (y = 0; y < N; y++) {
			cplx want = cexp(2 * M_PI * I * (double)(j * y) / N) / sqrt(N);
			cplx got = r.state[2 * y] + I * r.state[2 * y + 1];

			if (fabs(cabs(got) - 1 / sqrt(N)) > TOL || cabs(got - want) > TOL)
				QT_FAIL("QFT|%u>: amplitude %u is %g%+gi, want %g%+gi", j, y,
					creal(got), cimag(got), creal(want), cimag(want));
		}
		res_free(&r);
		tc_free(t);
	}
}

/* ---- measurement, reset, conditions ---- */

QPU_TEST(mid_circuit_measure_and_reset)
{
	struct tc *t = tc_new(1, 2);
	struct res r;

	g1(t, QPU_OP_H, 0);
	measure(t, 0, 0);
	g1(t, QPU_OP_RESET, 0);
	g1(t, QPU_OP_X, 0);
	measure(t, 0, 1);
	tc_run(t, 4000, 7, 1ULL << 18, &r);
	QT_ASSERT(r.per_shot);
	check_counts(&r, 4000);
	QT_ASSERT_EQ(count_of(&r, 2) + count_of(&r, 3), 4000);
	QT_ASSERT(count_of(&r, 2) > 1700 && count_of(&r, 2) < 2300);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(reset_of_entangled_qubit)
{
	/* Bell pair, reset q0: q1 is still random, q0 always 0 */
	struct tc *t = tc_new(2, 2);
	struct res r;

	g1(t, QPU_OP_H, 0);
	gc(t, QPU_OP_X, 0, 1);
	g1(t, QPU_OP_RESET, 0);
	measure_all(t);
	tc_run(t, 4000, 8, 1ULL << 18, &r);
	check_counts(&r, 4000);
	QT_ASSERT_EQ(count_of(&r, 0) + count_of(&r, 2), 4000);
	QT_ASSERT(count_of(&r, 0) > 1700 && count_of(&r, 0) < 2300);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(feed_forward)
{
	struct tc *t = tc_new(2, 2);
	struct res r;

	g1(t, QPU_OP_H, 0);
	measure(t, 0, 0);
	cond(g1(t, QPU_OP_X, 1), 0, 2, 1);
	measure(t, 1, 1);
	tc_run(t, 4000, 9, 1ULL << 18, &r);
	check_counts(&r, 4000);
	QT_ASSERT_EQ(r.ncounts, 2);
	QT_ASSERT_EQ(count_of(&r, 0) + count_of(&r, 3), 4000);
	QT_ASSERT(count_of(&r, 0) > 1700 && count_of(&r, 0) < 2300);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(conditions_on_registers)
{
	struct tc *t = tc_new(5, 5);
	struct res r;

	g1(t, QPU_OP_X, 0);
	g1(t, QPU_OP_X, 1);
	measure(t, 0, 0);
	measure(t, 1, 1);
	cond(g1(t, QPU_OP_X, 2), 0, 2, 3);		/* fires */
	cond(g1(t, QPU_OP_X, 3), 0, 2, 1);		/* does not */
	cond(g1(t, QPU_OP_X, 4), 1, 1, 1);		/* fires */
	cond(g1(t, QPU_OP_X, 4), 2, 1, 1);		/* c2 still 0: no */
	measure(t, 2, 2);
	measure(t, 3, 3);
	measure(t, 4, 4);
	tc_run(t, 100, 1, 1ULL << 18, &r);
	QT_ASSERT_EQ(r.ncounts, 1);
	QT_ASSERT_EQ(r.counts[0].bits, 0x17);
	QT_ASSERT_EQ(r.counts[0].count, 100);
	res_free(&r);
	tc_free(t);

	/* a 64-bit wide register (recorded-outcome histogram) */
	t = tc_new(2, 64);
	g1(t, QPU_OP_X, 0);
	measure(t, 0, 63);
	measure(t, 0, 0);
	cond(g1(t, QPU_OP_X, 1), 0, 64, (1ULL << 63) | 1);
	measure(t, 1, 5);
	tc_run(t, 50, 1, 1ULL << 18, &r);
	QT_ASSERT_EQ(r.ncounts, 1);
	QT_ASSERT_EQ(r.counts[0].bits, (1ULL << 63) | (1ULL << 5) | 1);
	QT_ASSERT_EQ(r.counts[0].count, 50);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(conditional_measure_and_reset)
{
	/* if (c0 == 1) measure q1 -> c1; if (c0 == 0) reset q1 */
	struct tc *t = tc_new(2, 2);
	struct res r;

	g1(t, QPU_OP_H, 0);
	g1(t, QPU_OP_X, 1);
	measure(t, 0, 0);
	cond(measure(t, 1, 1), 0, 1, 1);
	cond(g1(t, QPU_OP_RESET, 1), 0, 1, 0);
	tc_run(t, 2000, 3, 1ULL << 18, &r);
	check_counts(&r, 2000);
	QT_ASSERT_EQ(count_of(&r, 0) + count_of(&r, 3), 2000);
	QT_ASSERT(count_of(&r, 0) > 800);
	QT_ASSERT(count_of(&r, 3) > 800);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(terminal_measurement_mapping)
{
	struct tc *t = tc_new(4, 5);
	struct res r;

	g1(t, QPU_OP_X, 0);
	g1(t, QPU_OP_X, 2);
	g1(t, QPU_OP_H, 3);
	measure(t, 2, 0);
	measure(t, 0, 1);
	measure(t, 0, 3);	/* one qubit into two bits */
	measure(t, 1, 2);
	measure(t, 2, 2);	/* the later measurement wins */
	g1(t, QPU_OP_H, 3);	/* unmeasured qubits may still change */
	tc_run(t, 300, 5, 1ULL << 18, &r);
	QT_ASSERT(!r.per_shot);
	QT_ASSERT_EQ(r.ncounts, 1);
	QT_ASSERT_EQ(r.counts[0].bits, 0x0f);	/* c4 unmeasured stays 0 */
	res_free(&r);
	tc_free(t);

	/* superposition: c0 and c1 both follow q0 */
	t = tc_new(2, 3);
	g1(t, QPU_OP_H, 0);
	measure(t, 0, 0);
	measure(t, 0, 1);
	measure(t, 1, 2);
	tc_run(t, 1000, 5, 1ULL << 18, &r);
	QT_ASSERT_EQ(count_of(&r, 0) + count_of(&r, 3), 1000);
	QT_ASSERT(count_of(&r, 3) > 400);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(no_measurements_and_no_clbits)
{
	struct tc *t = tc_new(3, 0);
	struct res r;

	g1(t, QPU_OP_H, 0);
	tc_run(t, 77, 1, 1ULL << 18, &r);
	QT_ASSERT_EQ(r.ncounts, 1);
	QT_ASSERT_EQ(r.counts[0].bits, 0);
	QT_ASSERT_EQ(r.counts[0].count, 77);
	res_free(&r);
	tc_free(t);

	t = tc_new(3, 4);	/* clbits but nothing measured */
	g1(t, QPU_OP_H, 0);
	g1(t, QPU_OP_BARRIER, 0);
	tc_run(t, 5, 1, 1ULL << 18, &r);
	QT_ASSERT_EQ(r.ncounts, 1);
	QT_ASSERT_EQ(r.counts[0].bits, 0);
	QT_ASSERT_EQ(r.counts[0].count, 5);
	res_free(&r);
	tc_free(t);
}

/* The recorded/sorted and the dense histogram see the same shots. */
QPU_TEST(histogram_representations_agree)
{
	struct tc *a = tc_new(6, 6), *b = tc_new(6, 40);
	struct res ra, rb;
	uint32_t q, i;

	for (q = 0; q < 6; q++) {
		double th = 0.3 + 0.4 * q;

		g1a(a, QPU_OP_RY, q, th);
		g1a(b, QPU_OP_RY, q, th);
	}
	gc(a, QPU_OP_X, 0, 5);
	gc(b, QPU_OP_X, 0, 5);
	for (q = 0; q < 6; q++) {
		measure(a, q, q);
		measure(b, q, 34 + q);
	}
	tc_run(a, 5000, 11, 1ULL << 18, &ra);
	tc_run(b, 5000, 11, 1ULL << 18, &rb);
	check_counts(&ra, 5000);
	check_counts(&rb, 5000);
	QT_ASSERT_EQ(ra.ncounts, rb.ncounts);
	QT_ASSERT(ra.ncounts > 20);
	for (i = 0; i < ra.ncounts; i++) {
		QT_ASSERT_EQ(ra.counts[i].bits << 34, rb.counts[i].bits);
		QT_ASSERT_EQ(ra.counts[i].count, rb.counts[i].count);
	}
	res_free(&ra);
	res_free(&rb);
	tc_free(a);
	tc_free(b);
}

QPU_TEST(many_shots_many_outcomes)
{
	/* 2^16 outcomes, 200000 shots, classical width 30 (sorted path) */
	struct tc *t = tc_new(16, 30);
	uint32_t q, i;
	struct res r;

	for (q = 0; q < 16; q++) {
		g1(t, QPU_OP_H, q);
		measure(t, q, q + 14);
	}
	tc_run(t, 200000, 12, 1ULL << 18, &r);
	check_counts(&r, 200000);
	QT_ASSERT(r.ncounts > 60000);
	for (i = 0; i < r.ncounts; i++)
		QT_ASSERT_EQ(r.counts[i].bits & ((1ULL << 14) - 1), 0);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(collapsed_states_are_normalised)
{
	/* measurement and reset of generic states: each shot ends normalised */
	uint32_t shots;

	for (shots = 1; shots <= 12; shots++) {
		struct tc *t = tc_new(6, 2);
		double norm = 0;
		struct res r;
		uint64_t x;

		trng_state = 300 + shots;
		prep_random(t);
		measure(t, 2, 0);
		g1(t, QPU_OP_RESET, 4);
		random_unitary(t, 2);
		measure(t, 5, 1);
		g1(t, QPU_OP_RESET, 1);	/* nothing renormalises after these */
		if (shots & 1)
			measure(t, 3, 0);
		tc_run(t, shots, shots, 1ULL << 18, &r);
		QT_ASSERT(r.per_shot);
		for (x = 0; x < 64; x++)
			norm += r.state[2 * x] * r.state[2 * x] +
				r.state[2 * x + 1] * r.state[2 * x + 1];
		if (fabs(norm - 1) > TOL)
			QT_FAIL("norm after collapse: %.17g", norm);
		for (x = 0; x < 64; x++)	/* q1 was reset last */
			if (x & 2)
				QT_ASSERT(r.state[2 * x] == 0 && r.state[2 * x + 1] == 0);
		res_free(&r);
		tc_free(t);
	}
}

/* Joint sampling of final measurements: collapse onto the measured pattern. */
QPU_TEST(final_measurements_collapse)
{
	uint64_t seed;

	for (seed = 1; seed <= 12; seed++) {
		struct tc *t = tc_new(5, 3);
		const uint64_t mask = 0x1a;	/* q1, q3, q4 */
		double p = 0, norm = 0;
		uint32_t pre;
		struct res r;
		uint64_t x, pat;
		cplx *psi;

		trng_state = 500 + seed;
		g1(t, QPU_OP_RESET, 2);		/* on |0>: per shot, no effect */
		prep_random(t);
		pre = t->ng;
		measure(t, 3, 0);
		measure(t, 1, 1);
		measure(t, 4, 2);
		tc_run(t, 1, seed, 1ULL << 18, &r);
		QT_ASSERT(r.per_shot);
		QT_ASSERT_EQ(r.ncounts, 1);
		pat = ((r.counts[0].bits & 1) << 3) | ((r.counts[0].bits >> 1 & 1) << 1) |
		      ((r.counts[0].bits >> 2 & 1) << 4);
		t->g[0].op = QPU_OP_BARRIER;	/* the reference skips the reset */
		psi = ref_run(t, pre);
		for (x = 0; x < 32; x++)
			if ((x & mask) == pat)
				p += creal(psi[x] * conj(psi[x]));
		QT_ASSERT(p > 0);
		for (x = 0; x < 32; x++) {
			cplx want = (x & mask) == pat ? psi[x] / sqrt(p) : 0;
			cplx got = r.state[2 * x] + I * r.state[2 * x + 1];

			norm += creal(got * conj(got));
			if (cabs(got - want) > TOL)
				QT_FAIL("seed %llu: amplitude %llu differs by %.3g",
					(unsigned long long)seed, (unsigned long long)x,
					cabs(got - want));
		}
		QT_ASSERT(fabs(norm - 1) < TOL);
		free(psi);
		res_free(&r);
		tc_free(t);
	}
}

QPU_TEST(final_measurements_bit_order)
{
	/* per shot with a joint tail: a later measurement into a bit wins */
	struct tc *t = tc_new(3, 3);
	struct res r;

	g1(t, QPU_OP_RESET, 2);
	g1(t, QPU_OP_X, 0);
	measure(t, 0, 0);
	measure(t, 1, 0);	/* c0 = q1 = 0 */
	measure(t, 0, 1);	/* c1 = q0 = 1 */
	measure(t, 0, 2);	/* c2 = q0 = 1 */
	tc_run(t, 10, 1, 1ULL << 18, &r);
	QT_ASSERT(r.per_shot);
	QT_ASSERT_EQ(r.ncounts, 1);
	QT_ASSERT_EQ(r.counts[0].bits, 6);
	res_free(&r);
	tc_free(t);
}

/* ---- randomness ---- */

static struct tc *random_measured(uint32_t n, uint32_t ngates, int dynamic)
{
	struct tc *t = tc_new(n, n);
	uint32_t i;

	prep_random(t);
	for (i = 0; i < ngates; i++) {
		if (dynamic && trand_int(10) == 0) {
			uint32_t q = trand_int(n), c = trand_int(n);

			switch (trand_int(3)) {
			case 0:
				measure(t, q, c);
				break;
			case 1:
				g1(t, QPU_OP_RESET, q);
				break;
			default:
				cond(random_unitary(t, 2), c, 1 + trand_int(n - c),
				     trand_int(2));
				break;
			}
			continue;
		}
		random_unitary(t, 2);
	}
	measure_all(t);
	return t;
}

static int same_counts(const struct res *a, const struct res *b)
{
	return a->ncounts == b->ncounts &&
	       !memcmp(a->counts, b->counts, a->ncounts * sizeof(*a->counts));
}

QPU_TEST(seed_determinism)
{
	int dyn;

	for (dyn = 0; dyn < 2; dyn++) {
		struct tc *t = random_measured(6, 60, dyn);
		struct res a, b, c;

		tc_run(t, 2000, 1234, 1ULL << 18, &a);
		tc_run(t, 2000, 1234, 1ULL << 18, &b);
		tc_run(t, 2000, 1235, 1ULL << 18, &c);
		QT_ASSERT(same_counts(&a, &b));
		QT_ASSERT(a.ncounts > 4);
		QT_ASSERT(!same_counts(&a, &c));
		res_free(&a);
		res_free(&b);
		res_free(&c);
		tc_free(t);
	}
}

/*
 * The sampling stream is part of the ABI in practice: the same seed must give
 * the same counts on every build, host or kernel. Golden values pin it.
 */
QPU_TEST(golden_counts)
{
	/* terminal sampling, per shot (joint final measurements), sequential */
	static const uint64_t want[3][8] = {
		{ 54, 33, 37, 26, 452, 0, 396, 2 },
		{ 54, 33, 37, 26, 452, 0, 396, 2 },
		{ 56, 26, 50, 37, 453, 4, 372, 2 },
	};
	struct tc *t = tc_new(3, 3);
	struct res r;
	uint32_t q, i;
	int pass;

	for (q = 0; q < 3; q++)
		g1a(t, QPU_OP_RY, q, 0.5 + q);
	gc(t, QPU_OP_X, 0, 2);
	measure_all(t);
	for (pass = 0; pass < 3; pass++) {
		t->force_per_shot = pass > 0;
		if (pass == 2)
			g1(t, QPU_OP_RESET, 0);	/* measurements no longer last */
		tc_run(t, 1000, 2024, 1ULL << 18, &r);
		for (i = 0; i < 8; i++) {
			if (count_of(&r, i) != want[pass][i])
				QT_FAIL("pass %d: count of %u is %llu, want %llu", pass, i,
					(unsigned long long)count_of(&r, i),
					(unsigned long long)want[pass][i]);
		}
		res_free(&r);
	}
	tc_free(t);
}

/* chi-square of counts against probabilities @p over 2^n outcomes */
static double chi2(const struct res *r, const double *p, uint32_t nout, uint32_t shots)
{
	double x = 0;
	uint32_t i;

	for (i = 0; i < nout; i++) {
		double e = p[i] * shots, o = (double)count_of(r, i);

		if (e > 0)
			x += (o - e) * (o - e) / e;
		else if (o > 0)
			return INFINITY;
	}
	return x;
}

QPU_TEST(chi_square_uniform)
{
	uint64_t seed;

	for (seed = 1; seed <= 4; seed++) {
		struct tc *t = tc_new(3, 3);
		double p[8], x;
		struct res r;
		uint32_t q;

		for (q = 0; q < 3; q++)
			g1(t, QPU_OP_H, q);
		measure_all(t);
		for (q = 0; q < 8; q++)
			p[q] = 1.0 / 8;
		tc_run(t, 80000, seed, 1ULL << 18, &r);
		x = chi2(&r, p, 8, 80000);
		/* 7 degrees of freedom: P(chi2 > 40) ~ 1e-6 */
		if (x > 40)
			QT_FAIL("seed %llu: chi2 %.2f", (unsigned long long)seed, x);
		res_free(&r);
		tc_free(t);
	}
}

/* Fast (sampled once) and per-shot (collapsing) paths: same distribution. */
QPU_TEST(chi_square_both_paths_match_born_rule)
{
	int forced;

	/* 0: sampled once, 1: per shot, joint final measurements, 2: sequential */
	for (forced = 0; forced < 3; forced++) {
		struct tc *t = tc_new(4, 4);
		double p[16], x;
		struct res r;
		cplx *psi;
		uint32_t i, pre;

		trng_state = 99;
		for (i = 0; i < 30; i++)
			random_unitary(t, 2);
		pre = t->ng;
		measure_all(t);
		if (forced == 2)
			g1(t, QPU_OP_RESET, 3);
		t->force_per_shot = forced == 1;
		psi = ref_run(t, pre);
		for (i = 0; i < 16; i++)
			p[i] = creal(psi[i] * conj(psi[i]));
		tc_run(t, 40000, 21 + forced, 1ULL << 18, &r);
		QT_ASSERT_EQ(r.per_shot, forced > 0);
		x = chi2(&r, p, 16, 40000);
		/* 15 degrees of freedom: P(chi2 > 60) ~ 1e-7 */
		if (x > 60)
			QT_FAIL("variant %d: chi2 %.2f", forced, x);
		free(psi);
		res_free(&r);
		tc_free(t);
	}
}

/* ---- parameters and expectations ---- */

QPU_TEST(affine_parameters)
{
	struct tc *a = tc_new(3, 0), *b = tc_new(3, 0);
	struct qpu_gate *g;
	struct res ra, rb;
	uint32_t q, i;

	/* exactly representable: 2 * 0.25 + 0.5 == 1 */
	a->np = 1;
	a->params[0] = dbits(0.25);
	for (q = 0; q < 3; q++) {
		g = g1(a, QPU_OP_RX, q);
		g->param[0] = 1;
		g->scale[0] = dbits(2.0);
		g->offset[0] = dbits(0.5);
		g1a(b, QPU_OP_RX, q, 1.0);
	}
	tc_run(a, 1, 1, 1ULL << 30, &ra);
	tc_run(b, 1, 1, 1ULL << 30, &rb);
	QT_ASSERT(!memcmp(ra.state, rb.state, 16 << 3));
	res_free(&ra);
	res_free(&rb);
	tc_free(a);
	tc_free(b);

	/* random values and separate slots per angle of a U3 */
	for (i = 0; i < 20; i++) {
		uint32_t k, qs[2] = { 0, 1 };
		struct qpu_gate *h;

		a = tc_new(2, 0);
		b = tc_new(2, 0);
		prep_random(b);
		for (k = 0; k < b->ng; k++)
			a->g[k] = b->g[k];
		a->ng = b->ng;
		memcpy(a->params, b->params, sizeof(a->params));
		a->np = b->np;
		g = tc_add(a, QPU_OP_U3, 1, qs);
		h = tc_add(b, QPU_OP_U3, 1, qs);
		for (k = 0; k < 3; k++) {
			double s = trand() * 4 - 2, p = trand() * 6 - 3, o = trand() - 0.5;

			a->params[a->np] = dbits(p);
			g->param[k] = ++a->np;
			g->scale[k] = dbits(s);
			g->offset[k] = dbits(o);
			h->offset[k] = dbits(s * p + o);
		}
		tc_run(a, 1, 1, 1ULL << 30, &ra);
		tc_run(b, 1, 1, 1ULL << 30, &rb);
		QT_ASSERT(!memcmp(ra.state, rb.state, 16 << 2));
		res_free(&ra);
		res_free(&rb);
		tc_free(a);
		tc_free(b);
	}
}

QPU_TEST(expectation_values_exact)
{
	static const double thetas[] = { 0, 0.1, 0.7, 1.5707963267948966, 2.5, 3.14159, -1.2, 40 };
	struct tc *t;
	struct res r;
	uint32_t i;

	for (i = 0; i < ARRAY_SIZE(thetas); i++) {
		t = tc_new(1, 1);
		g1a(t, QPU_OP_RY, 0, thetas[i]);
		measure(t, 0, 0);
		t->obs[t->nobs++] = 1;
		tc_run(t, 10, 1, 1ULL << 18, &r);
		if (fabs(r.expect[0] - cos(thetas[i])) > TOL)
			QT_FAIL("<Z> after ry(%g): %.17g, want %.17g", thetas[i],
				r.expect[0], cos(thetas[i]));
		res_free(&r);
		tc_free(t);
	}

	/* Bell: <ZZ> = 1, <Z0> = <Z1> = 0, <I> = 1 */
	t = tc_new(2, 2);
	g1(t, QPU_OP_H, 0);
	gc(t, QPU_OP_X, 0, 1);
	measure_all(t);
	t->obs[0] = 3;
	t->obs[1] = 1;
	t->obs[2] = 2;
	t->obs[3] = 0;
	t->nobs = 4;
	tc_run(t, 100, 1, 1ULL << 18, &r);
	QT_ASSERT(fabs(r.expect[0] - 1) < TOL);
	QT_ASSERT(fabs(r.expect[1]) < TOL);
	QT_ASSERT(fabs(r.expect[2]) < TOL);
	QT_ASSERT(fabs(r.expect[3] - 1) < TOL);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(expectation_values_vs_reference)
{
	/* 13 qubits: masks above and below the summation block */
	struct tc *t = tc_new(13, 0);
	struct res r;
	cplx *psi;
	uint32_t i;

	trng_state = 5;
	prep_random(t);
	for (i = 0; i < 40; i++)
		random_unitary(t, 2);
	t->obs[t->nobs++] = 0;
	t->obs[t->nobs++] = 1;
	t->obs[t->nobs++] = 1ULL << 12;
	t->obs[t->nobs++] = (1ULL << 13) - 1;
	for (i = 0; i < 20; i++)
		t->obs[t->nobs++] = trng() & ((1ULL << 13) - 1);
	tc_run(t, 1, 1, 1ULL << 18, &r);
	psi = ref_run(t, t->ng);
	for (i = 0; i < t->nobs; i++) {
		double want = ref_expect(t, psi, t->obs[i]);

		if (fabs(r.expect[i] - want) > TOL)
			QT_FAIL("observable %#llx: %.17g, want %.17g",
				(unsigned long long)t->obs[i], r.expect[i], want);
	}
	free(psi);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(expectation_per_shot_mean)
{
	/* each shot ends in |0> or |1> on q0: the mean of <Z0> is (n0 - n1) / shots */
	struct tc *t = tc_new(2, 1);
	struct res r;
	double want;

	g1(t, QPU_OP_H, 0);
	measure(t, 0, 0);
	g1(t, QPU_OP_RESET, 1);
	t->obs[t->nobs++] = 1;
	t->obs[t->nobs++] = 2;
	tc_run(t, 999, 4, 1ULL << 18, &r);
	QT_ASSERT(r.per_shot);
	want = ((double)count_of(&r, 0) - (double)count_of(&r, 1)) / 999;
	QT_ASSERT(fabs(r.expect[0] - want) < TOL);
	QT_ASSERT(fabs(r.expect[1] - 1) < TOL);
	QT_ASSERT(fabs(want) > 1e-6 || count_of(&r, 0) == count_of(&r, 1));
	res_free(&r);
	tc_free(t);
}

/* ---- budgets, concurrency, errors ---- */

static void same_results(const struct tc *t, const struct res *a, const struct res *b,
			 int compare_state)
{
	QT_ASSERT(same_counts(a, b));
	QT_ASSERT(!memcmp(a->expect_bits, b->expect_bits, t->nobs * 8));
	QT_ASSERT_EQ(a->work, b->work);
	if (compare_state)
		QT_ASSERT(!memcmp(a->state, b->state, 16ULL << t->nq));
}

QPU_TEST(budget_independence)
{
	/* 5000 and 12345 split passes off the summation blocks' boundaries */
	static const uint64_t budgets[] = {
		1, 1000, 3001, 5000, 6007, 9001, 12345, 77777, 1ULL << 30
	};
	int kind;

	for (kind = 0; kind < 4; kind++) {
		struct tc *t;
		struct res ref, r;
		uint32_t i, shots;

		trng_state = 1000 + kind;
		if (kind == 0) {		/* terminal sampling */
			t = random_measured(14, 150, 0);
			shots = 3000;
		} else if (kind == 1) {		/* per shot */
			t = random_measured(13, 60, 1);
			shots = 12;
		} else if (kind == 2) {		/* no measurement: final state */
			t = tc_new(14, 0);
			for (i = 0; i < 150; i++)
				random_unitary(t, 3);
			shots = 1;
		} else {			/* per shot, joint final measurements */
			t = tc_new(16, 3);
			prep_random(t);
			g1(t, QPU_OP_RESET, 0);
			random_unitary(t, 2);
			measure(t, 5, 0);
			measure(t, 13, 2);
			shots = 3;
		}
		for (i = 0; i < 6; i++)
			t->obs[t->nobs++] = trng() & ((1ULL << t->nq) - 1);
		tc_run(t, shots, 77, budgets[ARRAY_SIZE(budgets) - 1], &ref);
		QT_ASSERT_EQ(ref.per_shot, kind == 1 || kind == 3);
		for (i = 0; i + 1 < ARRAY_SIZE(budgets); i++) {
			tc_run(t, shots, 77, budgets[i], &r);
			same_results(t, &ref, &r, kind != 0);
			if (budgets[i] == 1)
				QT_ASSERT(r.steps > 100);
			res_free(&r);
		}
		res_free(&ref);
		tc_free(t);
	}
}

QPU_TEST(interleaved_simulations)
{
	struct tc *t1 = random_measured(10, 60, 0), *t2 = random_measured(9, 60, 1);
	struct qc_circuit c1, c2;
	struct qc_sim_job j1, j2;
	struct qc_sim_out o1, o2;
	struct qpu_count k1[512], k2[512];
	struct res r1, r2;
	struct qc_sim *s1, *s2;
	void *m1, *m2;
	int a = 1, b = 1;

	tc_run(t1, 500, 3, 1ULL << 30, &r1);
	tc_run(t2, 50, 4, 1ULL << 30, &r2);
	tc_circuit(t1, &c1);
	tc_circuit(t2, &c2);
	j1 = (struct qc_sim_job) { .circuit = &c1, .params = t1->params, .shots = 500, .seed = 3 };
	j2 = (struct qc_sim_job) { .circuit = &c2, .params = t2->params, .shots = 50, .seed = 4 };
	m1 = malloc(qc_sim_mem_size(&j1));
	m2 = malloc(qc_sim_mem_size(&j2));
	QT_ASSERT(m1 && m2);
	o1 = (struct qc_sim_out) { .counts = k1, .max_counts = 512 };
	o2 = (struct qc_sim_out) { .counts = k2, .max_counts = 512 };
	s1 = qc_sim_init(m1, qc_sim_mem_size(&j1), &j1, &o1);
	s2 = qc_sim_init(m2, qc_sim_mem_size(&j2), &j2, &o2);
	QT_ASSERT(s1 && s2);
	while (a > 0 || b > 0) {
		if (a > 0)
			a = qc_sim_step(s1, 5000);
		if (b > 0)
			b = qc_sim_step(s2, 3000);
	}
	QT_ASSERT(a == 0 && b == 0);
	QT_ASSERT_EQ(o1.num_counts, r1.ncounts);
	QT_ASSERT_EQ(o2.num_counts, r2.ncounts);
	QT_ASSERT(!memcmp(k1, r1.counts, r1.ncounts * sizeof(k1[0])));
	QT_ASSERT(!memcmp(k2, r2.counts, r2.ncounts * sizeof(k2[0])));
	free(m1);
	free(m2);
	res_free(&r1);
	res_free(&r2);
	tc_free(t1);
	tc_free(t2);
}

QPU_TEST(mem_size_limits)
{
	struct qpu_gate g = { .op = QPU_OP_H };
	struct qc_circuit c = { .gates = &g, .num_gates = 1, .num_qubits = 26 };
	struct qc_sim_job job = { .circuit = &c, .shots = 1 };
	struct qc_sim_out out = { 0 };
	size_t s26, s10;
	char small[4096];

	s26 = qc_sim_mem_size(&job);
	QT_ASSERT(s26 >= (16ULL << 26));
	c.num_qubits = QPU_MAX_SIM_QUBITS + 1;
	QT_ASSERT_EQ(qc_sim_mem_size(&job), 0);
	c.num_qubits = 64;
	QT_ASSERT_EQ(qc_sim_mem_size(&job), 0);
	c.num_qubits = 10;
	s10 = qc_sim_mem_size(&job);
	QT_ASSERT(s10 >= (16ULL << 10) && s10 < (16ULL << 10) + 8192);
	job.shots = 0;
	QT_ASSERT_EQ(qc_sim_mem_size(&job), 0);
	job.shots = 1;
	QT_ASSERT(qc_sim_init(small, sizeof(small), &job, &out) == NULL);
	c.num_qubits = 5;
	QT_ASSERT(qc_sim_mem_size(&job) <= sizeof(small));
	QT_ASSERT(qc_sim_init(small, qc_sim_mem_size(&job) - 1, &job, &out) == NULL);
}

QPU_TEST(non_finite_angle_fails)
{
	struct tc *t = tc_new(2, 0);
	struct qpu_gate *g;
	struct res r;

	g = g1(t, QPU_OP_RX, 0);
	t->np = 1;
	t->params[0] = dbits(NAN);
	g->param[0] = 1;
	g->scale[0] = dbits(1.0);
	QT_ASSERT_EQ(tc_run_ex(t, 10, 1, 1ULL << 18, 0, &r), -EDOM);
	res_free(&r);

	t->params[0] = dbits(1e300);
	g->scale[0] = dbits(1e300);	/* overflows to inf */
	QT_ASSERT_EQ(tc_run_ex(t, 10, 1, 1ULL << 18, 0, &r), -EDOM);
	res_free(&r);

	g->scale[0] = dbits(1e-300);	/* huge but finite angle: fine */
	QT_ASSERT_EQ(tc_run_ex(t, 10, 1, 1ULL << 18, 0, &r), 0);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(too_few_count_slots_fail)
{
	struct tc *t = tc_new(3, 3);
	struct res r;
	uint32_t q;

	for (q = 0; q < 3; q++)
		g1(t, QPU_OP_H, q);
	measure_all(t);
	QT_ASSERT_EQ(tc_run_ex(t, 1000, 1, 1ULL << 18, 3, &r), -ENOSPC);
	res_free(&r);
	tc_free(t);
}

QPU_TEST(work_is_counted)
{
	struct tc *t = tc_new(10, 0);
	struct res r;

	g1(t, QPU_OP_H, 3);
	gc(t, QPU_OP_X, 1, 2);		/* half of the amplitudes */
	gc(t, QPU_OP_Z, 1, 2);		/* a quarter */
	tc_run(t, 1, 1, 1ULL << 30, &r);
	/* |0> fill + H + CX + CZ */
	QT_ASSERT_EQ(r.work, 1024 + 1024 + 512 + 256);
	res_free(&r);
	tc_free(t);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
