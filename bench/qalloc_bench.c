// SPDX-License-Identifier: GPL-2.0
/*
 * qalloc_bench.c - host benchmark of the qubit allocator (kmod/core).
 *
 * For grid:32x32, heavyhex:1121 and full:1024 and allocation sizes k = 1,
 * 2, 4, 8 (and a random mix of them) it measures the mean time of:
 *
 *  fill:  qc_alloc_get() on an empty device, repeated until ~90% is taken;
 *  frag:  qc_alloc_get() on a fragmented device: rounds of random frees of
 *         a third of the live allocations followed by re-allocation back to
 *         ~90% (failed -ENOSPC calls included: they cost a full scan);
 *  put:   qc_alloc_put(), over all frees;
 *  edges: qc_alloc_region_edges() of each new allocation (fill phase).
 *
 * Then the fidelity-aware qc_alloc_get_best() on heavyhex:127 with seeded
 * random costs (qubits 0..5%, edges 0..10%), k = 20 and a 20-pair random
 * interaction hint, on an empty device and one a third full:
 * "qalloc: fidelity k=20 heavyhex:127 X us".
 *
 * Times come from clock_gettime(CLOCK_MONOTONIC) around each call. A
 * benchmark: it prints figures and always succeeds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/qpu.h>

#include "qalloc.h"
#include "topology.h"

#define REPS		5
#define FRAG_ROUNDS	20

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint32_t rng(uint32_t bound)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % bound;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct acc {
	uint64_t ns;
	uint64_t n;
};

static void acc_add(struct acc *a, uint64_t ns)
{
	a->ns += ns;
	a->n++;
}

static double acc_us(const struct acc *a)
{
	return a->n ? (double)a->ns / (double)a->n / 1000.0 : 0.0;
}

struct bench {
	const struct qc_topology *t;
	struct qc_alloc *a;
	uint32_t **live;
	uint32_t *live_k;
	uint32_t nlive;
	uint32_t owner;
	uint32_t *edges;
	struct acc fill, frag, put, edges_t;
	uint64_t nospc;
};

/* k = 0 means a random size from {1, 2, 4, 8} */
static uint32_t pick_k(uint32_t k)
{
	return k ? k : 1u << rng(4);
}

static int do_get(struct bench *b, uint32_t k, struct acc *acc, int time_edges)
{
	uint32_t *phys = malloc(k * sizeof(*phys));
	uint64_t t0, t1;
	int ret;

	if (!phys) {
		perror("malloc");
		exit(1);
	}
	t0 = now_ns();
	ret = qc_alloc_get(b->a, k, ++b->owner, phys);
	t1 = now_ns();
	acc_add(acc, t1 - t0);
	if (ret) {
		b->nospc++;
		free(phys);
		return ret;
	}
	if (time_edges) {
		t0 = now_ns();
		qc_alloc_region_edges(b->a, phys, k, b->edges, k * (k - 1) / 2);
		t1 = now_ns();
		acc_add(&b->edges_t, t1 - t0);
	}
	b->live[b->nlive] = phys;
	b->live_k[b->nlive++] = k;
	return 0;
}

static void do_put(struct bench *b, uint32_t i)
{
	uint64_t t0, t1;

	t0 = now_ns();
	qc_alloc_put(b->a, b->live[i], b->live_k[i]);
	t1 = now_ns();
	acc_add(&b->put, t1 - t0);
	free(b->live[i]);
	b->live[i] = b->live[--b->nlive];
	b->live_k[i] = b->live_k[b->nlive];
}

static void run(struct bench *b, uint32_t kspec)
{
	uint32_t n = b->t->num_qubits, target = n / 10, round, i, nfree;

	b->a = qc_alloc_create(b->t);
	if (!b->a) {
		fprintf(stderr, "qc_alloc_create failed\n");
		exit(1);
	}
	b->nlive = 0;
	while (qc_alloc_free_count(b->a) > target)
		if (do_get(b, pick_k(kspec), &b->fill, 1))
			break;
	for (round = 0; round < FRAG_ROUNDS; round++) {
		uint32_t nfreeing = b->nlive / 3;

		for (i = 0; i < nfreeing && b->nlive; i++)
			do_put(b, rng(b->nlive));
		for (;;) {
			nfree = qc_alloc_free_count(b->a);
			if (nfree <= target)
				break;
			if (do_get(b, pick_k(kspec), &b->frag, 0))
				break;
		}
	}
	while (b->nlive)
		do_put(b, b->nlive - 1);
	qc_alloc_destroy(b->a);
}

/* Mean microseconds of qc_alloc_get_best() for k = 20 on heavyhex:127. */
static void bench_fidelity(void)
{
	enum { K = 20, NHINT = 20, CALLS = 2000 };
	struct qc_topology *t;
	struct qc_alloc *a;
	struct qc_alloc_quality q;
	uint32_t *qc, *ec, phys[K], hint[2 * NHINT], other[40], i;
	struct acc acc = { 0, 0 }, frag = { 0, 0 };
	uint64_t t0;

	if (qc_topology_create("heavyhex:127", QPU_MAX_QUBITS, QPU_MAX_EDGES, &t) ||
	    !(a = qc_alloc_create(t))) {
		fprintf(stderr, "heavyhex:127 allocator failed\n");
		exit(1);
	}
	qc = calloc(t->num_qubits, sizeof(*qc));
	ec = calloc(t->num_edges, sizeof(*ec));
	if (!qc || !ec) {
		perror("calloc");
		exit(1);
	}
	for (i = 0; i < t->num_qubits; i++)
		qc[i] = rng(50000);
	for (i = 0; i < t->num_edges; i++)
		ec[i] = rng(100000);
	for (i = 0; i < NHINT; i++) {
		hint[2 * i] = i % K;
		hint[2 * i + 1] = (i % K + 1 + rng(K - 1)) % K;
	}
	q.qubit_cost = qc;
	q.edge_cost = ec;
	for (i = 0; i < CALLS; i++) {
		t0 = now_ns();
		if (qc_alloc_get_best(a, K, 1, 0, false, &q, hint, NHINT, phys)) {
			fprintf(stderr, "qc_alloc_get_best failed\n");
			exit(1);
		}
		acc_add(&acc, now_ns() - t0);
		qc_alloc_put(a, phys, K);
	}
	/* a third of the device taken by two other allocations */
	if (qc_alloc_get(a, 20, 2, other) || qc_alloc_get(a, 20, 3, other + 20)) {
		fprintf(stderr, "qc_alloc_get failed\n");
		exit(1);
	}
	for (i = 0; i < CALLS; i++) {
		t0 = now_ns();
		if (qc_alloc_get_best(a, K, 1, 0, false, &q, hint, NHINT, phys)) {
			fprintf(stderr, "qc_alloc_get_best failed\n");
			exit(1);
		}
		acc_add(&frag, now_ns() - t0);
		qc_alloc_put(a, phys, K);
	}
	printf("\nqalloc: fidelity k=20 heavyhex:127 %.1f us\n", acc_us(&acc));
	printf("qalloc: fidelity k=20 heavyhex:127 (40 qubits taken) %.1f us\n",
	       acc_us(&frag));
	free(qc);
	free(ec);
	qc_alloc_destroy(a);
	qc_topology_destroy(t);
}

int main(void)
{
	static const char *const specs[] = { "grid:32x32", "heavyhex:1121", "full:1024" };
	static const uint32_t ks[] = { 1, 2, 4, 8, 0 };
	size_t s, j;
	int rep;

	printf("qc_alloc mean microseconds per call (%d runs each; fill to 90%%, then %d\n"
	       "rounds of freeing a third of the allocations and refilling to 90%%)\n\n",
	       REPS, FRAG_ROUNDS);
	printf("%-14s %4s | %9s %9s %9s %9s | %8s %8s\n", "topology", "k", "get fill",
	       "get frag", "put", "edges", "gets", "ENOSPC");
	printf("---------------------+-----------------------------------------+"
	       "------------------\n");
	for (s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		struct qc_topology *t;
		int ret = qc_topology_create(specs[s], QPU_MAX_QUBITS, QPU_MAX_EDGES, &t);

		if (ret) {
			fprintf(stderr, "%s: %d\n", specs[s], ret);
			return 1;
		}
		for (j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
			struct bench b;
			char kname[12];

			memset(&b, 0, sizeof(b));
			b.t = t;
			b.live = calloc(t->num_qubits, sizeof(*b.live));
			b.live_k = calloc(t->num_qubits, sizeof(*b.live_k));
			b.edges = calloc(64, 2 * sizeof(uint32_t));
			if (!b.live || !b.live_k || !b.edges) {
				perror("calloc");
				return 1;
			}
			for (rep = 0; rep < REPS; rep++)
				run(&b, ks[j]);
			if (ks[j])
				snprintf(kname, sizeof(kname), "%u", ks[j]);
			else
				snprintf(kname, sizeof(kname), "mix");
			printf("%-14s %4s | %9.3f %9.3f %9.3f %9.3f | %8llu %8llu\n",
			       specs[s], kname, acc_us(&b.fill), acc_us(&b.frag),
			       acc_us(&b.put), acc_us(&b.edges_t),
			       (unsigned long long)(b.fill.n + b.frag.n),
			       (unsigned long long)b.nospc);
			free(b.live);
			free(b.live_k);
			free(b.edges);
		}
		qc_topology_destroy(t);
	}
	bench_fidelity();
	return 0;
}
