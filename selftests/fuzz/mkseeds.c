// SPDX-License-Identifier: GPL-2.0
/*
 * mkseeds.c - writes the hand-made binary seeds of the circuit, simulator
 * and calibration fuzz targets into selftests/fuzz/corpus/NAME/seed-*
 * (`make fuzz-seeds`; the output is committed). Each seed is spelled in
 * the byte order the target decodes its input (circuit_fuzz.c, sim_fuzz.c,
 * calib_fuzz.c), so it starts the fuzzer on a meaningful circuit or
 * calibration write: a Bell pair, a GHZ ladder with a Toffoli, every
 * rejection class of the validator, a feed-forward circuit, parameterised
 * rotations; qubit and edge records, comments, each errno. Keep the
 * encoders here in step with the decoders there.
 *
 * Usage: mkseeds CORPUS_DIR
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/qpu.h>

#include "circuit.h"

struct seed {
	uint8_t b[4096];
	size_t n;
};

static void put8(struct seed *s, uint32_t v)
{
	if (s->n < sizeof(s->b))
		s->b[s->n++] = (uint8_t)v;
}

static void put16(struct seed *s, uint32_t v)
{
	put8(s, v);
	put8(s, v >> 8);
}

static void put32(struct seed *s, uint32_t v)
{
	put16(s, v);
	put16(s, v >> 16);
}

static void put64(struct seed *s, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		put8(s, (uint32_t)(v >> (8 * i)));
}

/* A value v in 0..n-1 as fz_below(n) reads it: no byte at all if n <= 1. */
static void put_below(struct seed *s, uint32_t v, uint32_t n)
{
	if (n <= 1)
		return;
	if (n <= 256)
		put8(s, v);
	else
		put16(s, v);
}

static uint64_t dbits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static const char *corpus;

static void write_seed(const char *target, const char *name, const void *data,
		       size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", corpus, target);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/seed-%s", corpus, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- circuit_fuzz.c ---- */

/* A gate as build_gate() decodes it; @q are its operands. */
struct g {
	uint32_t op, nctrl, q[6], cbit;
	int cond;	/* -1: none, else register start; width cw, value cv */
	uint32_t cw;
	uint64_t cv;
	int param;	/* first angle: 0 constant, n for slot n - 1 */
	double angle;
};

static bool takes_ctrl(uint32_t op)
{
	return op != QPU_OP_MEASURE && op != QPU_OP_RESET && op != QPU_OP_BARRIER;
}

/* An angle as angle_bits() decodes it: 255, then the raw bits. */
static void put_angle(struct seed *s, double v)
{
	put8(s, 255);
	put64(s, dbits(v));
}

static void circuit_gate(struct seed *s, const struct g *g, uint32_t nq,
			 uint32_t ncl, uint32_t np)
{
	uint32_t i, n = g->nctrl + qc_op_targets(g->op);

	put8(s, 0);			/* structured, not raw */
	put8(s, g->op - 1);
	if (takes_ctrl(g->op)) {
		put8(s, g->nctrl ? 0 : 1);
		if (g->nctrl)
			put8(s, g->nctrl);
	}
	for (i = 0; i < n; i++) {
		if (i)
			put8(s, 0);	/* any qubit, not a neighbour */
		put_below(s, g->q[i], nq);
	}
	if (g->op == QPU_OP_MEASURE)
		put_below(s, g->cbit, ncl ? ncl : 1);
	if (ncl) {
		put8(s, g->cond >= 0 ? 0 : 1);
		if (g->cond >= 0) {
			put_below(s, g->cond, ncl);
			put_below(s, g->cw - 1, ncl - g->cond);
			put64(s, g->cv);
		}
	}
	for (i = 0; i < qc_op_angles(g->op); i++) {
		put8(s, i == 0 && g->param ? 0 : 1);
		if (i == 0 && g->param) {
			put_below(s, g->param, np + 1);
			put_angle(s, 1.0);	/* scale */
		}
		put_angle(s, i == 0 ? g->angle : 0.5);
	}
	put8(s, 0);			/* no corruption */
}

/*
 * Header: topology, no other tenants, an allocation of @k qubits, widths
 * (qubits @nq, classical bits @ncl, parameter slots @np), no observables.
 */
static void circuit_head(struct seed *s, uint32_t topo, uint32_t k, uint32_t nq,
			 uint32_t ncl, uint32_t np, uint32_t ng)
{
	put8(s, topo);
	put8(s, 0);
	put8(s, k - 1);
	put_below(s, nq - 1, k < QPU_MAX_SIM_QUBITS ? k : QPU_MAX_SIM_QUBITS);
	put8(s, ncl);
	put8(s, 1);		/* small parameter count */
	put8(s, np);
	put8(s, 0);		/* observables */
	put8(s, ng - 1);
}

/* A raw 96-byte record (selector >= 240): any field, out of range too. */
static void circuit_raw(struct seed *s, const struct qpu_gate *g)
{
	put8(s, 255);
	memcpy(s->b + s->n, g, sizeof(*g));
	s->n += sizeof(*g);
}

/* [h 0, @bad] on line:8, 4 qubits, 2 classical bits. */
static void circuit_bad_seed(const char *name, const struct qpu_gate *bad)
{
	static const struct g h = { .op = QPU_OP_H, .cond = -1 };
	struct seed s = { .n = 0 };

	circuit_head(&s, 0, 4, 4, 2, 1, 2);
	circuit_gate(&s, &h, 4, 2, 1);
	circuit_raw(&s, bad);
	write_seed("circuit", name, s.b, s.n);
}

#define G1(o, a)	{ .op = QPU_OP_##o, .q = { a }, .cond = -1 }
#define G2(o, a, b)	{ .op = QPU_OP_##o, .nctrl = 1, .q = { a, b }, .cond = -1 }

static void circuit_seed(const char *name, uint32_t topo, uint32_t k,
			 uint32_t nq, uint32_t ncl, uint32_t np,
			 const struct g *gates, uint32_t ng)
{
	struct seed s = { .n = 0 };
	uint32_t i;

	circuit_head(&s, topo, k, nq, ncl, np, ng);
	for (i = 0; i < ng; i++)
		circuit_gate(&s, &gates[i], nq, ncl, np);
	write_seed("circuit", name, s.b, s.n);
}

static void circuit_seeds(void)
{
	struct qpu_gate bad;
	/* Topologies of circuit_fuzz.c: 0 line:8, 3 heavyhex:27, 5 full:10. */
	static const struct g bell[] = {
		G1(H, 0), G2(X, 0, 1),
		{ .op = QPU_OP_MEASURE, .q = { 0 }, .cbit = 0, .cond = -1 },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cbit = 1, .cond = -1 },
	};
	static const struct g ghz[] = {
		G1(H, 0), G2(X, 0, 1), G2(X, 1, 2), G2(X, 2, 3),
		{ .op = QPU_OP_X, .nctrl = 2, .q = { 0, 1, 2 }, .cond = -1 },
		{ .op = QPU_OP_SWAP, .q = { 2, 3 }, .cond = -1 },
		{ .op = QPU_OP_BARRIER, .cond = -1 },
	};
	static const struct g feed[] = {
		G1(H, 0),
		{ .op = QPU_OP_MEASURE, .q = { 0 }, .cbit = 0, .cond = -1 },
		{ .op = QPU_OP_X, .q = { 1 }, .cond = 0, .cw = 1, .cv = 1 },
		{ .op = QPU_OP_RESET, .q = { 0 }, .cond = -1 },
		{ .op = QPU_OP_RZ, .q = { 1 }, .cond = -1, .param = 1, .angle = 0.25 },
		{ .op = QPU_OP_U3, .q = { 2 }, .cond = -1, .angle = 1.5 },
		{ .op = QPU_OP_RZZ, .q = { 1, 2 }, .cond = -1, .angle = -2.0 },
	};
	static const struct g uncoupled[] = { G1(H, 0), G2(X, 0, 5) };
	static const struct g dup[] = { G2(Z, 1, 1) };
	static const struct g wide[] = {
		{ .op = QPU_OP_X, .nctrl = 4, .q = { 0, 1, 2, 3, 4 }, .cond = -1 },
		{ .op = QPU_OP_SWAP, .nctrl = 4, .q = { 5, 4, 3, 2, 1, 0 }, .cond = -1 },
		{ .op = QPU_OP_RXX, .q = { 4, 5 }, .cond = -1, .angle = 3.0 },
	};

	circuit_seed("bell-line", 0, 2, 2, 2, 0, bell, 4);
	circuit_seed("bell-heavyhex", 3, 2, 2, 2, 0, bell, 4);
	circuit_seed("ghz-line", 0, 4, 4, 0, 0, ghz, 7);
	circuit_seed("ghz-heavyhex", 3, 4, 4, 0, 0, ghz, 7);
	circuit_seed("ghz-full", 5, 4, 4, 0, 0, ghz, 7);
	circuit_seed("feed-forward", 0, 3, 3, 1, 1, feed, 7);
	circuit_seed("not-coupled", 0, 8, 8, 0, 0, uncoupled, 2);
	circuit_seed("dup-qubit", 0, 3, 3, 0, 0, dup, 1);
	circuit_seed("six-operands", 5, 8, 8, 0, 0, wide, 3);

	/* One seed per rejection class, in raw records. */
	memset(&bad, 0, sizeof(bad));
	circuit_bad_seed("err-op", &bad);
	bad.op = QPU_OP_X;
	bad.qubits[0] = 7;
	circuit_bad_seed("err-qubit", &bad);
	bad.qubits[0] = 0;
	bad.nctrl = 5;
	circuit_bad_seed("err-nctrl", &bad);
	bad.nctrl = 0;
	bad.pad1 = 1;
	circuit_bad_seed("err-reserved", &bad);
	bad.pad1 = 0;
	bad.flags = QPU_GATE_COND;
	bad.cond_start = 1;
	bad.cond_width = 2;
	circuit_bad_seed("err-cond", &bad);
	bad.flags = 0;
	bad.cond_start = bad.cond_width = 0;
	bad.op = QPU_OP_RX;
	bad.offset[0] = dbits(NAN);
	circuit_bad_seed("err-angle-nan", &bad);
	bad.offset[0] = 0;
	bad.param[0] = 2;
	circuit_bad_seed("err-param", &bad);
	bad.param[0] = 0;
	bad.op = QPU_OP_MEASURE;
	bad.cbit = 2;
	circuit_bad_seed("err-cbit", &bad);
}

/* ---- sim_fuzz.c ---- */

/* Header: widths, shots, seed, step budget; parameter values as raw bits. */
static void sim_head(struct seed *s, uint32_t nq, uint32_t ncl, uint32_t np,
		     uint32_t nobs, uint32_t ng, uint32_t shots, uint64_t seed,
		     uint32_t budget, const double *params, const uint16_t *obs)
{
	uint32_t i;

	put8(s, nq - 1);
	put8(s, ncl - 1);
	put8(s, np);
	put8(s, nobs);
	put8(s, ng - 1);
	put8(s, shots - 1);
	put64(s, seed);
	put16(s, budget - 1);
	for (i = 0; i < np; i++) {
		put8(s, 0);	/* raw bits */
		put64(s, dbits(params[i]));
	}
	for (i = 0; i < nobs; i++)
		put16(s, obs[i]);
}

static void sim_gate(struct seed *s, const struct g *g, uint32_t nq,
		     uint32_t ncl, uint32_t np)
{
	uint32_t i, n = g->nctrl + qc_op_targets(g->op);

	put8(s, g->op - 1);
	if (takes_ctrl(g->op)) {
		put8(s, g->nctrl ? 0 : 1);
		if (g->nctrl)
			put8(s, g->nctrl);
	}
	for (i = 0; i < n; i++)
		put_below(s, g->q[i], nq);
	if (g->op == QPU_OP_MEASURE)
		put_below(s, g->cbit, ncl);
	put8(s, g->cond >= 0 ? 0 : 1);
	if (g->cond >= 0) {
		put_below(s, g->cond, ncl);
		put_below(s, g->cw - 1, ncl - g->cond);
		put8(s, (uint32_t)g->cv);
	}
	for (i = 0; i < qc_op_angles(g->op); i++) {
		if (np)
			put8(s, i == 0 && g->param ? 0 : 1);
		if (np && i == 0 && g->param) {
			put_below(s, g->param - 1, np);
			put8(s, 255);
			put64(s, dbits(1.0));
		}
		put8(s, 255);
		put64(s, dbits(i == 0 ? g->angle : 0.5));
	}
}

/* a ppm as sim_fuzz.c's ppm() reads it */
static void sim_ppm(struct seed *s, uint32_t ppm)
{
	put8(s, 200);
	put32(s, ppm);
}

/*
 * After the gates: calibrated noise (T1 50 us, T2 60 us, errors of the
 * order of real devices) and two crosstalk segments, q1 exposed first.
 */
static void sim_noise(struct seed *s, uint32_t nq)
{
	uint32_t i, j;

	put8(s, 1);
	for (i = 0; i < nq; i++) {
		sim_ppm(s, 2000);
		sim_ppm(s, 20000);
		sim_ppm(s, 40000);
		put32(s, 49);
		put32(s, 59);
		for (j = 0; j < i; j++)
			sim_ppm(s, 10000);
	}
	put8(s, 1);		/* pair_ppm given */
	sim_ppm(s, 8000);	/* default_pair_ppm */
	sim_ppm(s, 50000);	/* crosstalk_ppm */
	put8(s, 2);		/* segments */
	put8(s, 0);
	put8(s, 2);
	put8(s, 10);
	put8(s, 0);
	put8(s, 2);		/* the ESP's exposed mask */
}

static void sim_seed(const char *name, uint32_t nq, uint32_t ncl, uint32_t np,
		     const double *params, uint32_t nobs, const uint16_t *obs,
		     uint32_t shots, const struct g *gates, uint32_t ng, bool noise)
{
	struct seed s = { .n = 0 };
	uint32_t i;

	sim_head(&s, nq, ncl, np, nobs, ng, shots, 7, 1000, params, obs);
	for (i = 0; i < ng; i++)
		sim_gate(&s, &gates[i], nq, ncl, np);
	if (noise)
		sim_noise(&s, nq);
	write_seed("sim", name, s.b, s.n);
}

static void sim_seeds(void)
{
	static const struct g bell[] = {
		G1(H, 0), G2(X, 0, 1),
		{ .op = QPU_OP_MEASURE, .q = { 0 }, .cbit = 0, .cond = -1 },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cbit = 1, .cond = -1 },
	};
	static const struct g rot[] = {
		{ .op = QPU_OP_RY, .q = { 0 }, .cond = -1, .param = 1, .angle = 0.1 },
		{ .op = QPU_OP_U3, .q = { 1 }, .cond = -1, .angle = 1e22 },
		{ .op = QPU_OP_RXX, .q = { 0, 2 }, .cond = -1, .angle = 2.5 },
		{ .op = QPU_OP_X, .nctrl = 2, .q = { 0, 1, 2 }, .cond = -1 },
	};
	static const struct g feed[] = {
		G1(H, 0),
		{ .op = QPU_OP_MEASURE, .q = { 0 }, .cbit = 0, .cond = -1 },
		{ .op = QPU_OP_X, .q = { 1 }, .cond = 0, .cw = 1, .cv = 1 },
		{ .op = QPU_OP_RESET, .q = { 0 }, .cond = -1 },
		{ .op = QPU_OP_MEASURE, .q = { 1 }, .cbit = 1, .cond = -1 },
	};
	static const double params[] = { 0.75, -3.0 };
	static const uint16_t obs[] = { 0x1, 0x3, 0x5 };

	sim_seed("bell", 2, 2, 0, NULL, 0, NULL, 64, bell, 4, false);
	sim_seed("rotations-expect", 3, 1, 2, params, 3, obs, 16, rot, 4, false);
	sim_seed("feed-forward", 2, 2, 0, NULL, 1, obs, 32, feed, 5, false);
	sim_seed("noisy-bell", 2, 2, 0, NULL, 0, NULL, 64, bell, 4, true);
	sim_seed("noisy-feed-forward", 2, 2, 0, NULL, 1, obs, 32, feed, 5, true);
}

/* ---- calib_fuzz.c: a topology index (0 line:1 ... 4 heavyhex:27), text ---- */

static void calib_seed(const char *name, uint32_t topo, const char *text)
{
	char buf[1024];
	size_t len = strlen(text);

	buf[0] = (char)topo;
	memcpy(buf + 1, text, len);
	write_seed("calib", name, buf, len + 1);
}

static void calib_seeds(void)
{
	calib_seed("qubit", 4, "q 5 777777 999 4321 8000\n");
	calib_seed("edges", 1, "e 0 1 5000\ne 2 1 7\n");
	calib_seed("mixed-comments", 3,
		   "# grid:3x4\n\n  q 0 1000 200 100 150\n\te\t0 1\t9 \r\n"
		   "q 11 0 0 1 2\n");
	calib_seed("boundaries", 4,
		   "q 0 1000000 1000000 9999999 9999999\nq 26 0 0 1 2\n"
		   "e 25 26 1000000\n");
	calib_seed("asymmetric", 4, "q 5 12000 250 240 145 18000\nq 6 1 2 3 4\n");
	calib_seed("einval", 4, "q 1 2 3 4\n");
	calib_seed("einval-long", 4, "q 1 2 3 4 5 6 7\n");
	calib_seed("erange", 4, "q 0 1 1 9999999 10000000\n");
	calib_seed("erange-readout10", 4, "q 0 1 1 100 100 1000001\n");
	calib_seed("enoent", 4, "e 0 2 5\n");
	calib_seed("overflow", 4, "q 0 1 1 100 99999999999999999999\n");
	calib_seed("no-newline", 0, "q 0 1 1 1 1");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds CORPUS_DIR\n");
		return 2;
	}
	corpus = argv[1];
	circuit_seeds();
	sim_seeds();
	calib_seeds();
	return 0;
}
