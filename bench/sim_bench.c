// SPDX-License-Identifier: GPL-2.0
/*
 * sim_bench.c - host benchmark of the state-vector simulator (kmod/core).
 *
 * Large states: for n = 16 .. 26 qubits (sizes that do not fit in memory
 * are skipped) one circuit prepares a random product state (a U3 of random
 * angles on every qubit), then applies G gates of each kind in turn on
 * random qubits: H, CX, RZ, RXX, CCX. The simulation is stepped exactly to
 * each section's end (qc_sim_out.work tells the amplitude updates done), so
 * each section is timed alone, on the state the previous ones left. The
 * table gives the mean time per gate and the bandwidth it achieved, as
 * bytes read and written per second: 32 bytes per amplitude the gate
 * updates (32 * 2^n for a full-state gate; CX updates half of the
 * amplitudes, CCX a quarter).
 *
 * Small circuits: the VQA workload. Random 50-gate circuits (parameterised
 * RY/RZ, CX, H) of 4 and 8 qubits, measured, 100 shots, end to end:
 * qc_sim_init() and qc_sim_step() with the kernel's budget to completion;
 * plus a dynamic (per-shot) variant with a mid-circuit measurement.
 *
 * One thread. A benchmark: it prints figures and always succeeds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/qpu.h>

#include "sim.h"

#define KERNEL_BUDGET	(1ULL << 18)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t rng(uint32_t bound)
{
	return (uint32_t)((rng64() >> 32) % bound);
}

static double rng_angle(void)
{
	return (double)(rng64() >> 11) * 0x1p-53 * 6.283185307179586;
}

static uint64_t dbits(double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	return u;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct circ {
	struct qpu_gate *g;
	uint32_t ng;
	uint32_t cap;
};

static struct qpu_gate *add(struct circ *c, uint32_t op, uint32_t nctrl, uint32_t ntgt,
			    uint32_t nq)
{
	struct qpu_gate *g;
	uint32_t i, j;

	if (c->ng == c->cap) {
		fprintf(stderr, "circuit full\n");
		exit(1);
	}
	g = &c->g[c->ng++];
	memset(g, 0, sizeof(*g));
	g->op = (uint8_t)op;
	g->nctrl = (uint8_t)nctrl;
	/* distinct random operands */
	for (i = 0; i < nctrl + ntgt; i++) {
		uint16_t q;

again:
		q = (uint16_t)rng(nq);
		for (j = 0; j < i; j++)
			if (g->qubits[j] == q)
				goto again;
		g->qubits[i] = q;
	}
	return g;
}

/* kinds timed on large states */
enum { K_H, K_CX, K_RZ, K_RXX, K_CCX, K_NR };

static const char *const kind_name[K_NR] = { "H", "CX", "RZ", "RXX", "CCX" };

/* amplitude updates of one gate, as a fraction of 2^n (in quarters) */
static const uint32_t kind_quarters[K_NR] = { 4, 2, 4, 4, 1 };

static void add_kind(struct circ *c, int kind, uint32_t nq)
{
	struct qpu_gate *g;

	switch (kind) {
	case K_H:
		add(c, QPU_OP_H, 0, 1, nq);
		break;
	case K_CX:
		add(c, QPU_OP_X, 1, 1, nq);
		break;
	case K_RZ:
		g = add(c, QPU_OP_RZ, 0, 1, nq);
		g->offset[0] = dbits(rng_angle());
		break;
	case K_RXX:
		g = add(c, QPU_OP_RXX, 0, 2, nq);
		g->offset[0] = dbits(rng_angle());
		break;
	default:
		add(c, QPU_OP_X, 2, 1, nq);
		break;
	}
}

static size_t phys_mem(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	return pages > 0 && psz > 0 ? (size_t)pages * (size_t)psz : 0;
}

/* step until at least @target amplitude updates are done */
static void run_to(struct qc_sim *sim, struct qc_sim_out *out, uint64_t target)
{
	while (out->work < target)
		if (qc_sim_step(sim, target - out->work) <= 0)
			break;
}

static void bench_large(uint32_t n)
{
	uint64_t N = 1ULL << n, work, t0, t1;
	uint32_t G = (uint32_t)((1ULL << 28) >> n), q, i;
	double us[K_NR], gbs[K_NR];
	struct qc_circuit qc;
	struct qc_sim_job job;
	struct qc_sim_out out;
	struct qpu_count cnt;
	struct qc_sim *sim;
	struct circ c;
	size_t size;
	void *arena;
	int k;

	if (G < 3)
		G = 3;
	if (G > 2000)
		G = 2000;
	c.cap = n + K_NR * G;
	c.ng = 0;
	c.g = calloc(c.cap, sizeof(*c.g));
	if (!c.g)
		return;
	for (q = 0; q < n; q++) {
		struct qpu_gate *g = add(&c, QPU_OP_U3, 0, 1, 1);

		g->qubits[0] = (uint16_t)q;
		for (i = 0; i < 3; i++)
			g->offset[i] = dbits(rng_angle());
	}
	for (k = 0; k < K_NR; k++)
		for (i = 0; i < G; i++)
			add_kind(&c, k, n);

	qc = (struct qc_circuit) {
		.gates = c.g, .num_gates = c.ng, .num_qubits = n,
	};
	job = (struct qc_sim_job) { .circuit = &qc, .shots = 1, .seed = 1 };
	size = qc_sim_mem_size(&job);
	arena = size && size <= phys_mem() / 4 * 3 ?
		aligned_alloc(64, (size + 63) & ~(size_t)63) : NULL;
	if (!arena) {
		printf("%4u  %9.0f  skipped: needs %zu MiB\n", n, (double)(16ULL << n) / 1048576,
		       size >> 20);
		free(c.g);
		return;
	}
	out = (struct qc_sim_out) { .counts = &cnt, .max_counts = 1 };
	sim = qc_sim_init(arena, size, &job, &out);
	if (!sim) {
		free(arena);
		free(c.g);
		return;
	}
	/* |0> fill and the U3 layer */
	work = N + (uint64_t)n * N;
	run_to(sim, &out, work);
	for (k = 0; k < K_NR; k++) {
		uint64_t w = (uint64_t)G * N / 4 * kind_quarters[k];

		t0 = now_ns();
		run_to(sim, &out, work + w);
		t1 = now_ns();
		work += w;
		us[k] = (double)(t1 - t0) / 1e3 / G;
		gbs[k] = 32.0 * (double)w / (double)(t1 - t0);
	}
	while (qc_sim_step(sim, 1ULL << 30) > 0)
		;
	if (out.work != work)
		printf("# warning: work %llu, expected %llu\n", (unsigned long long)out.work,
		       (unsigned long long)work);
	printf("%4u  %9.0f  %5u", n, (double)(16ULL << n) / 1048576, G);
	for (k = 0; k < K_NR; k++)
		printf("  %9.1f %5.1f", us[k], gbs[k]);
	printf("\n");
	fflush(stdout);
	free(arena);
	free(c.g);
}

/* a random 50-gate VQA-style circuit, measured; @dynamic adds feed-forward */
static void small_circuit(struct circ *c, uint32_t nq, uint32_t *np, int dynamic)
{
	uint32_t i, q;

	c->ng = 0;
	*np = 0;
	for (i = 0; c->ng < 50; i++) {
		struct qpu_gate *g;

		if (dynamic && c->ng == 25) {
			g = add(c, QPU_OP_MEASURE, 0, 1, nq);
			g->cbit = g->qubits[0];
			g = add(c, QPU_OP_X, 0, 1, nq);
			g->flags = QPU_GATE_COND;
			g->cond_width = 1;
			g->cond_value = 1;
			continue;
		}
		switch (rng(4)) {
		case 0:
		case 1:
			g = add(c, rng(2) ? QPU_OP_RY : QPU_OP_RZ, 0, 1, nq);
			g->param[0] = ++*np;
			g->scale[0] = dbits(1.0);
			break;
		case 2:
			add(c, QPU_OP_X, 1, 1, nq);
			break;
		default:
			add(c, QPU_OP_H, 0, 1, nq);
			break;
		}
	}
	for (q = 0; q < nq; q++) {
		struct qpu_gate *g = add(c, QPU_OP_MEASURE, 0, 1, nq);

		g->qubits[0] = (uint16_t)q;
		g->cbit = q;
	}
}

static void bench_small(uint32_t nq, int dynamic, uint32_t reps)
{
	struct qpu_gate gates[128];
	struct circ c = { .g = gates, .cap = 128 };
	struct qpu_count counts[256];
	uint64_t params[64], t0, t1, steps = 0;
	struct qc_circuit qc;
	struct qc_sim_job job;
	struct qc_sim_out out;
	uint32_t np, i, r;
	size_t size;
	void *arena;

	small_circuit(&c, nq, &np, dynamic);
	for (i = 0; i < np; i++)
		params[i] = dbits(rng_angle());
	qc = (struct qc_circuit) {
		.gates = c.g, .num_gates = c.ng, .num_qubits = nq, .num_clbits = nq,
		.num_params = np, .per_shot = dynamic,
	};
	job = (struct qc_sim_job) { .circuit = &qc, .params = params, .shots = 100 };
	size = qc_sim_mem_size(&job);
	arena = aligned_alloc(64, (size + 63) & ~(size_t)63);
	if (!arena)
		return;
	t0 = now_ns();
	for (r = 0; r < reps; r++) {
		struct qc_sim *sim;

		job.seed = r + 1;
		params[0] = dbits((double)r * 1e-3);	/* a training loop moves them */
		out = (struct qc_sim_out) { .counts = counts, .max_counts = 256 };
		sim = qc_sim_init(arena, size, &job, &out);
		while (sim && qc_sim_step(sim, KERNEL_BUDGET) > 0)
			steps++;
	}
	t1 = now_ns();
	printf("%2u qubits, %2u gates + %u measurements, 100 shots, %-9s %8.2f us/circuit"
	       "  (%u outcomes, arena %zu KiB)\n", nq, c.ng - nq, nq,
	       dynamic ? "per-shot:" : "sampled:", (double)(t1 - t0) / 1e3 / reps,
	       out.num_counts, size >> 10);
	(void)steps;
	free(arena);
}

int main(void)
{
	static const uint32_t sizes[] = { 16, 18, 20, 22, 24, 26 };
	uint64_t t0 = now_ns();
	size_t i;
	int k;

	printf("sim_bench: state-vector simulator, one thread\n\n");
	printf("per-gate time (us) and bandwidth (GB/s: 32 bytes per amplitude updated)\n");
	printf("   n  state MiB      G");
	for (k = 0; k < K_NR; k++)
		printf("  %9s %5s", kind_name[k], "GB/s");
	printf("\n");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		bench_large(sizes[i]);

	printf("\nsmall circuits, end to end (init + steps, budget 2^18)\n");
	bench_small(4, 0, 20000);
	bench_small(8, 0, 10000);
	bench_small(4, 1, 5000);
	bench_small(8, 1, 2000);
	printf("\ntotal %.1f s\n", (double)(now_ns() - t0) / 1e9);
	return 0;
}
