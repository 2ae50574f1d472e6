// SPDX-License-Identifier: GPL-2.0
/*
 * run_test.c - loading and running circuits through the raw ioctls: the
 * happy path and determinism.
 *
 *  - results: a Bell pair's histogram and every field of its result
 *    header, the documented timing model, hashes of loaded circuits;
 *  - determinism: equal seeds give equal counts, a seed the kernel picks
 *    is reported and reproduces the run, per parameter vector too;
 *  - parameters read in place from a mapped buffer (no reload between
 *    runs), affine angles, exact expectation values, parameter sweeps;
 *  - OpenQASM through libqpu (parse, layout, load, run);
 *  - every rejection of CIRCUIT_LOAD with its errno and its detail
 *    (error, error_index), CIRCUIT_FREE errors, and the job-level
 *    errors of RUN (buffer misuse is in buffer_test.c).
 *
 * Every test checks that the debugfs object counters are back to their
 * starting values once it has closed its files.
 */
#include <math.h>
#include <stddef.h>
#include <libqpu.h>

#include "qpu_test.h"
#include "vm_util.h"

#define BELL_SHOTS	1000
/* Documentation/qpu/timing.rst: repetition delay and readout. */
#define REP_DELAY_NS	250000
#define MEASURE_NS	1500
/* Expectation values of the simulator are exact up to rounding. */
#define EXPECT_EPS	1e-9

/* An open device, one allocation with its couplings, a result buffer. */
struct rig {
	int fd;
	uint32_t alloc;
	uint32_t k;
	uint32_t nedges;
	struct qpu_edge edges[64];
	struct mbuf res;
};

static void rig_open(struct rig *r, uint32_t k, uint64_t result_size)
{
	memset(r, 0, sizeof(*r));
	r->fd = open_dev();
	r->k = k;
	r->alloc = alloc_edges_ok(r->fd, k, r->edges, ARRAY_LEN(r->edges),
				  &r->nedges);
	if (k > 1 && !r->nedges)
		QT_FAIL("a %u-qubit allocation without couplings", k);
	mbuf_new_ok(r->fd, result_size, &r->res);
}

static void rig_close(struct rig *r)
{
	mbuf_free_ok(r->fd, &r->res);
	free_ok(r->fd, r->alloc);
	close_ok(r->fd);
}

/* h a; cx a, b; measure a -> c0; measure b -> c1 on the first coupling. */
static uint32_t bell_gates(const struct rig *r, struct qpu_gate *g)
{
	uint32_t a = r->edges[0].a, b = r->edges[0].b;

	g[0] = gate_1q(QPU_OP_H, a);
	g[1] = gate_2q(QPU_OP_X, 1, a, b);
	g[2] = gate_measure(a, 0);
	g[3] = gate_measure(b, 1);
	return 4;
}

static uint32_t load_bell(const struct rig *r, uint8_t *hash)
{
	struct qpu_gate g[4];
	uint32_t n = bell_gates(r, g);

	return circ_load_ok(r->fd, &(struct circ_spec){
		.alloc = r->alloc, .num_qubits = r->k, .num_clbits = 2,
		.gates = g, .num_gates = n }, hash);
}

/* RY(scale * p0 + offset) on qubit 0, measured; observable Z0. */
static uint32_t load_ry_param(const struct rig *r, double scale, double offset)
{
	static const uint64_t z0 = 1;
	struct qpu_gate g[2] = {
		gate_rot(QPU_OP_RY, 0, 0, scale, offset),
		gate_measure(0, 0),
	};

	return circ_load_ok(r->fd, &(struct circ_spec){
		.alloc = r->alloc, .num_qubits = 1, .num_clbits = 1,
		.num_params = 1, .gates = g, .num_gates = 2, .obs = &z0,
		.num_obs = 1 }, NULL);
}

/* ---- results ------------------------------------------------------------- */

QPU_TEST(bell_counts_and_header)
{
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_run run;
	uint64_t need, n00, n11;
	uint32_t circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	circ = load_bell(&r, NULL);
	need = slice_bytes(2, BELL_SHOTS, 0);
	QT_ASSERT_EQ(need, 64 + 4 * 16);

	/* Results at offset 64: the bytes around the slice stay untouched. */
	j = job_seeded(circ, BELL_SHOTS, r.res.handle, 1234);
	j.result_offset = 64;
	run_ok(r.fd, &j, &run);
	res = slice_at(r.res.ptr, 64);
	assert_slice_ok(res, 2, BELL_SHOTS, 0, 0);
	QT_ASSERT(mem_is_zero(r.res.ptr, 64));
	QT_ASSERT(mem_is_zero((char *)r.res.ptr + 64 + need,
			      r.res.size - 64 - need));

	/* Only 00 and 11, each about half. */
	n00 = slice_count_of(res, 0);
	n11 = slice_count_of(res, 3);
	QT_ASSERT_LE(res->num_counts, 2);
	QT_ASSERT_EQ(n00 + n11, BELL_SHOTS);
	QT_ASSERT(n00 >= 350 && n00 <= 650);
	QT_ASSERT(n11 >= 350 && n11 <= 650);

	/* The header, and the run's summary of its single slice. */
	QT_ASSERT_EQ(res->num_expect, 0);
	QT_ASSERT_EQ(res->seed, 1234);
	QT_ASSERT_EQ(run.seed, 1234);
	QT_ASSERT_EQ(run.status, 0);
	QT_ASSERT_GT(res->sim_ns, 0);
	QT_ASSERT_EQ(run.sim_ns, res->sim_ns);
	QT_ASSERT_GT(res->qpu_ns, 0);
	QT_ASSERT_EQ(run.qpu_ns, res->qpu_ns);
	/* shots * a per-shot time that includes the delay and two readouts */
	QT_ASSERT_EQ(res->qpu_ns % BELL_SHOTS, 0);
	QT_ASSERT_GE(res->qpu_ns / BELL_SHOTS, REP_DELAY_NS + 2 * MEASURE_NS);
	QT_ASSERT_EQ(res->calibration_epoch,
		     dev_attr_u64(QPU0_ID, "calibration_epoch"));

	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* The header's epoch is the device's at the time of the run. */
QPU_TEST(result_epoch_follows_calibration)
{
	char path[128], line[64], *text, *nl;
	struct qpu_objs before;
	struct qpu_job_desc j;
	uint64_t epoch;
	uint32_t circ;
	size_t len;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	circ = load_bell(&r, NULL);
	j = job_seeded(circ, 10, r.res.handle, 1);
	run_ok(r.fd, &j, NULL);
	epoch = dev_attr_u64(QPU0_ID, "calibration_epoch");
	QT_ASSERT_EQ(slice_at(r.res.ptr, 0)->calibration_epoch, epoch);

	/* Write qubit 0's record back unchanged: one accepted write. */
	attr_path(path, sizeof(path), QPU0_ID, "calibration");
	text = read_all_ok(path, &len);
	nl = strchr(text, '\n');
	QT_ASSERT(nl && text[0] == 'q' && (size_t)(nl - text) < sizeof(line) - 1);
	memcpy(line, text, nl - text + 1);
	line[nl - text + 1] = '\0';
	free(text);
	QT_ASSERT_EQ(write_sysfs(path, line), 0);
	QT_ASSERT_EQ(dev_attr_u64(QPU0_ID, "calibration_epoch"), epoch + 1);
	run_ok(r.fd, &j, NULL);
	QT_ASSERT_EQ(slice_at(r.res.ptr, 0)->calibration_epoch, epoch + 1);

	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

QPU_TEST(shots_one_and_max)
{
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_job_desc j;
	uint64_t n00;
	uint32_t circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	circ = load_bell(&r, NULL);
	res = slice_at(r.res.ptr, 0);

	j = job_seeded(circ, 1, r.res.handle, 3);
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(res, 2, 1, 0, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT(slice_counts(res)[0].bits == 0 || slice_counts(res)[0].bits == 3);

	/* 2^20 shots still need only 4 histogram entries. */
	j = job_seeded(circ, QPU_MAX_SHOTS, r.res.handle, 4);
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(res, 2, QPU_MAX_SHOTS, 0, 0);
	n00 = slice_count_of(res, 0);
	QT_ASSERT_EQ(n00 + slice_count_of(res, 3), QPU_MAX_SHOTS);
	QT_ASSERT(n00 > QPU_MAX_SHOTS / 2 - QPU_MAX_SHOTS / 20 &&
		  n00 < QPU_MAX_SHOTS / 2 + QPU_MAX_SHOTS / 20);

	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

/*
 * One gate per circuit and its duration from the table of
 * Documentation/qpu/timing.rst; operands are virtual qubits 0..nq-1.
 */
struct timing_case {
	const char *name;
	uint32_t op;
	uint32_t nctrl;
	uint32_t nq;
	uint32_t nangles;
	uint64_t ns;
};

static const struct timing_case timing_cases[] = {
	{ "id", QPU_OP_ID, 0, 1, 0, 35 },
	{ "x", QPU_OP_X, 0, 1, 0, 35 },
	{ "y", QPU_OP_Y, 0, 1, 0, 35 },
	{ "sx", QPU_OP_SX, 0, 1, 0, 35 },
	{ "sxdg", QPU_OP_SXDG, 0, 1, 0, 35 },
	{ "z", QPU_OP_Z, 0, 1, 0, 0 },
	{ "s", QPU_OP_S, 0, 1, 0, 0 },
	{ "sdg", QPU_OP_SDG, 0, 1, 0, 0 },
	{ "t", QPU_OP_T, 0, 1, 0, 0 },
	{ "tdg", QPU_OP_TDG, 0, 1, 0, 0 },
	{ "rz", QPU_OP_RZ, 0, 1, 1, 0 },
	{ "p", QPU_OP_P, 0, 1, 1, 0 },
	{ "h", QPU_OP_H, 0, 1, 0, 70 },
	{ "rx", QPU_OP_RX, 0, 1, 1, 70 },
	{ "ry", QPU_OP_RY, 0, 1, 1, 70 },
	{ "u2", QPU_OP_U2, 0, 1, 2, 70 },
	{ "u3", QPU_OP_U3, 0, 1, 3, 70 },
	{ "cx", QPU_OP_X, 1, 2, 0, 300 + 70 },
	{ "cy", QPU_OP_Y, 1, 2, 0, 300 + 70 },
	{ "cz", QPU_OP_Z, 1, 2, 0, 300 + 70 },
	{ "ch", QPU_OP_H, 1, 2, 0, 300 * 2 + 70 },
	{ "cp", QPU_OP_P, 1, 2, 1, 300 * 2 + 70 },
	{ "crx", QPU_OP_RX, 1, 2, 1, 300 * 2 + 70 },
	{ "csx", QPU_OP_SX, 1, 2, 0, 300 * 2 + 70 },
	{ "ccx", QPU_OP_X, 2, 3, 0, 300 * 6 + 70 },
	{ "ccz", QPU_OP_Z, 2, 3, 0, 300 * 6 + 70 },
	{ "c3x", QPU_OP_X, 3, 4, 0, 300 * 14 + 70 },
	{ "c4x", QPU_OP_X, 4, 5, 0, 300 * 36 + 70 },
	{ "swap", QPU_OP_SWAP, 0, 2, 0, 900 },
	{ "rxx", QPU_OP_RXX, 0, 2, 1, 635 },
	{ "rzz", QPU_OP_RZZ, 0, 2, 1, 635 },
	{ "cswap", QPU_OP_SWAP, 1, 3, 0, 2400 },
	{ "crzz", QPU_OP_RZZ, 1, 3, 1, 2400 + 35 },
	{ "measure", QPU_OP_MEASURE, 0, 1, 0, MEASURE_NS },
	{ "reset", QPU_OP_RESET, 0, 1, 0, 1500 },
	{ "barrier", QPU_OP_BARRIER, 0, 0, 0, 0 },
};

/* Run @g (@n gates, 1 clbit) for 2 shots; 0 if qpu_ns is 2 * (delay + @ns). */
static int timing_check(struct rig *r, const char *name,
			const struct qpu_gate *g, uint32_t n, uint64_t ns)
{
	const struct qpu_result *res = slice_at(r->res.ptr, 0);
	struct qpu_job_desc j;
	struct qpu_run run;
	uint32_t circ;

	circ = circ_load_ok(r->fd, &(struct circ_spec){
		.alloc = r->alloc, .num_qubits = r->k, .num_clbits = 1,
		.gates = g, .num_gates = n }, NULL);
	j = job_seeded(circ, 2, r->res.handle, 1);
	run_ok(r->fd, &j, &run);
	assert_slice_ok(res, 1, 2, 0, 0);
	circ_free_ok(r->fd, circ);
	if (res->qpu_ns == 2 * (REP_DELAY_NS + ns) && run.qpu_ns == res->qpu_ns)
		return 0;
	printf("# timing: %s: qpu_ns %llu (run %llu) for 2 shots, "
	       "documented 2 x (%u + %llu) = %llu\n", name,
	       (unsigned long long)res->qpu_ns,
	       (unsigned long long)run.qpu_ns, REP_DELAY_NS,
	       (unsigned long long)ns,
	       (unsigned long long)(2 * (REP_DELAY_NS + ns)));
	return 1;
}

QPU_TEST(qpu_ns_follows_timing_model)
{
	static const uint32_t all[5] = { 0, 1, 2, 3, 4 };
	const struct timing_case *tc;
	struct qpu_objs before;
	struct qpu_gate g[4];
	struct qgraph graph;
	int bad = 0;
	uint32_t i, a;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 5, 4096);
	/* Operand sets are prefixes of the region: each must be connected. */
	qgraph_init(&graph, r.k, r.edges, r.nedges);
	for (i = 2; i <= 5; i++)
		if (!qgraph_set_connected(&graph, all, i))
			QT_FAIL("virtual qubits 0..%u are not connected", i - 1);
	qgraph_free(&graph);

	for (i = 0; i < ARRAY_LEN(timing_cases); i++) {
		tc = &timing_cases[i];
		g[0] = gate_make(tc->op, tc->nctrl, all, tc->nq);
		for (a = 0; a < tc->nangles; a++)
			g[0].offset[a] = f64_bits(0.25 * (a + 1));
		bad += timing_check(&r, tc->name, g, 1, tc->ns);
	}
	/* A job of several gates: their durations add up. */
	a = r.edges[0].a;
	g[0] = gate_1q(QPU_OP_H, a);
	g[1] = gate_2q(QPU_OP_X, 1, a, r.edges[0].b);
	g[2] = gate_measure(a, 0);
	g[3] = gate_measure(r.edges[0].b, 0);
	bad += timing_check(&r, "h, cx, 2 x measure", g, 4,
			    70 + 370 + 2 * MEASURE_NS);
	if (bad)
		QT_FAIL("%d circuits disagree with Documentation/qpu/timing.rst",
			bad);
	rig_close(&r);
	assert_objs_restored(&before);
}

QPU_TEST(circuit_hash)
{
	static const uint8_t zero[32];
	static const uint64_t obs = 3;
	uint8_t h1[32], h2[32], h[32];
	struct qpu_edge e2[4];
	struct qpu_objs before;
	struct qpu_gate g[4];
	uint32_t c1, c2, c, n, alloc2, ne2;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	n = bell_gates(&r, g);

	/* The same circuit twice: same non-zero hash, distinct handles. */
	c1 = load_bell(&r, h1);
	c2 = load_bell(&r, h2);
	QT_ASSERT_NE(c1, c2);
	QT_ASSERT(memcmp(h1, zero, 32));
	QT_ASSERT(!memcmp(h1, h2, 32));

	/* On another allocation: the hash covers the circuit only. */
	alloc2 = alloc_edges_ok(r.fd, 2, e2, ARRAY_LEN(e2), &ne2);
	c = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = alloc2, .num_qubits = 2, .num_clbits = 2,
		.gates = g, .num_gates = n }, h);
	QT_ASSERT(!memcmp(h, h1, 32));
	circ_free_ok(r.fd, c);

	/* A different gate. */
	g[0].op = QPU_OP_X;
	c = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 2, .num_clbits = 2,
		.gates = g, .num_gates = n }, h);
	QT_ASSERT(memcmp(h, h1, 32));
	circ_free_ok(r.fd, c);
	g[0].op = QPU_OP_H;

	/* A different classical width, parameter count, observable. */
	c = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 2, .num_clbits = 3,
		.gates = g, .num_gates = n }, h);
	QT_ASSERT(memcmp(h, h1, 32));
	circ_free_ok(r.fd, c);
	c = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 2, .num_clbits = 2,
		.num_params = 1, .gates = g, .num_gates = n }, h);
	QT_ASSERT(memcmp(h, h1, 32));
	circ_free_ok(r.fd, c);
	c = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 2, .num_clbits = 2,
		.gates = g, .num_gates = n, .obs = &obs, .num_obs = 1 }, h);
	QT_ASSERT(memcmp(h, h1, 32));
	circ_free_ok(r.fd, c);
	/* One gate fewer. */
	c = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 2, .num_clbits = 2,
		.gates = g, .num_gates = n - 1 }, h);
	QT_ASSERT(memcmp(h, h1, 32));
	circ_free_ok(r.fd, c);

	circ_free_ok(r.fd, c1);
	circ_free_ok(r.fd, c2);
	free_ok(r.fd, alloc2);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* ---- determinism --------------------------------------------------------- */

/* H on qubits 0..3, all measured: 16 equally likely outcomes. */
static uint32_t load_uniform4(const struct rig *r)
{
	struct qpu_gate g[8];
	uint32_t q;

	for (q = 0; q < 4; q++) {
		g[q] = gate_1q(QPU_OP_H, q);
		g[4 + q] = gate_measure(q, q);
	}
	return circ_load_ok(r->fd, &(struct circ_spec){
		.alloc = r->alloc, .num_qubits = 4, .num_clbits = 4,
		.gates = g, .num_gates = 8 }, NULL);
}

QPU_TEST(same_seed_same_counts)
{
	const struct qpu_result *a, *b, *c;
	struct qpu_objs before;
	struct qpu_job_desc j;
	uint64_t need = slice_bytes(4, 4096, 0);
	uint32_t circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 4, 3 * need);
	circ = load_uniform4(&r);
	a = slice_at(r.res.ptr, 0);
	b = slice_at(r.res.ptr, need);
	c = slice_at(r.res.ptr, 2 * need);

	j = job_seeded(circ, 4096, r.res.handle, 42);
	run_ok(r.fd, &j, NULL);
	j.result_offset = need;
	run_ok(r.fd, &j, NULL);
	j.seed = 43;
	j.result_offset = 2 * need;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(a, 4, 4096, 0, 0);
	assert_slice_ok(b, 4, 4096, 0, 0);
	assert_slice_ok(c, 4, 4096, 0, 0);
	QT_ASSERT_EQ(a->num_counts, 16);
	QT_ASSERT(slices_same_counts(a, b));
	QT_ASSERT_EQ(a->seed, b->seed);
	QT_ASSERT_EQ(a->qpu_ns, b->qpu_ns);
	/* Another seed samples differently (16 outcomes, 4096 shots). */
	QT_ASSERT_EQ(c->seed, 43);
	QT_ASSERT(!slices_same_counts(a, c));

	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

QPU_TEST(kernel_picked_seed_reproduces)
{
	const struct qpu_result *a, *b, *c;
	struct qpu_run run1, run2, run3;
	struct qpu_objs before;
	struct qpu_job_desc j;
	uint64_t need = slice_bytes(4, 4096, 0);
	uint32_t circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 4, 3 * need);
	circ = load_uniform4(&r);
	a = slice_at(r.res.ptr, 0);
	b = slice_at(r.res.ptr, need);
	c = slice_at(r.res.ptr, 2 * need);

	/* No QPU_RUN_SEED: the kernel picks one and reports it. */
	j = job_make(circ, 4096, r.res.handle);
	run_ok(r.fd, &j, &run1);
	assert_slice_ok(a, 4, 4096, 0, 0);
	QT_ASSERT_EQ(a->seed, run1.seed);
	j.result_offset = need;
	run_ok(r.fd, &j, &run2);
	assert_slice_ok(b, 4, 4096, 0, 0);
	QT_ASSERT_EQ(b->seed, run2.seed);
	QT_ASSERT_NE(run1.seed, run2.seed);

	/* That seed, given back, reproduces the first run exactly. */
	j = job_seeded(circ, 4096, r.res.handle, run1.seed);
	j.result_offset = 2 * need;
	run_ok(r.fd, &j, &run3);
	assert_slice_ok(c, 4, 4096, 0, 0);
	QT_ASSERT_EQ(run3.seed, run1.seed);
	QT_ASSERT_EQ(c->seed, run1.seed);
	QT_ASSERT(slices_same_counts(a, c));

	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

/*
 * Mid-circuit measurement, classical feed-forward and reset (simulated
 * shot by shot): q0 is random, q1 copies it through a condition, q2 is
 * reset and set only when c[1:0] == 3. Outcomes: 000 and 111 only.
 */
QPU_TEST(feed_forward_per_shot)
{
	static const uint64_t z0 = 1;
	const struct qpu_result *a, *b;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_gate g[8];
	uint64_t need = slice_bytes(3, BELL_SHOTS, 1), n0, n7;
	uint32_t circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 3, 2 * need);
	g[0] = gate_1q(QPU_OP_H, 0);
	g[1] = gate_measure(0, 0);
	g[2] = gate_cond(gate_1q(QPU_OP_X, 1), 0, 1, 1);
	g[3] = gate_measure(1, 1);
	g[4] = gate_1q(QPU_OP_H, 2);
	g[5] = gate_1q(QPU_OP_RESET, 2);
	g[6] = gate_cond(gate_1q(QPU_OP_X, 2), 0, 2, 3);
	g[7] = gate_measure(2, 2);
	circ = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 3, .num_clbits = 3,
		.gates = g, .num_gates = 8, .obs = &z0, .num_obs = 1 }, NULL);

	j = job_seeded(circ, BELL_SHOTS, r.res.handle, 5);
	j.flags |= QPU_RUN_EXPECT;
	run_ok(r.fd, &j, NULL);
	j.result_offset = need;
	run_ok(r.fd, &j, NULL);
	a = slice_at(r.res.ptr, 0);
	b = slice_at(r.res.ptr, need);
	assert_slice_ok(a, 3, BELL_SHOTS, 1, 0);
	assert_slice_ok(b, 3, BELL_SHOTS, 1, 0);
	n0 = slice_count_of(a, 0);
	n7 = slice_count_of(a, 7);
	QT_ASSERT_EQ(n0 + n7, BELL_SHOTS);
	QT_ASSERT(n0 >= 350 && n0 <= 650);
	QT_ASSERT(slices_same_counts(a, b));
	/* Per shot, <Z0> of the final state is +-1: the mean is exact. */
	QT_ASSERT(fabs(slice_expect(a, 0) - ((double)n0 - (double)n7) /
		       BELL_SHOTS) < EXPECT_EPS);

	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* Deterministic gates: every outcome bit is known. */
QPU_TEST(gate_semantics_deterministic)
{
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_gate g[16];
	uint32_t m, e1, e2, qs[3], n = 0, circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 3, 4096);
	/* A middle qubit coupled to both others. */
	for (m = 0; m < 3; m++) {
		e1 = (m + 1) % 3;
		e2 = (m + 2) % 3;
		if (edges_contain(r.edges, r.nedges, m, e1) &&
		    edges_contain(r.edges, r.nedges, m, e2))
			break;
	}
	QT_ASSERT_LT(m, 3);

	g[n++] = gate_1q(QPU_OP_X, e1);			/* e1 = 1 */
	g[n++] = gate_2q(QPU_OP_SWAP, 0, e1, m);	/* m = 1, e1 = 0 */
	g[n++] = gate_1q(QPU_OP_X, e2);			/* e2 = 1 */
	qs[0] = m;
	qs[1] = e2;
	qs[2] = e1;
	g[n++] = gate_make(QPU_OP_X, 2, qs, 3);		/* ccx: e1 = 1 */
	g[n++] = gate_1q(QPU_OP_SX, e2);
	g[n++] = gate_1q(QPU_OP_SX, e2);		/* sx sx = x: e2 = 0 */
	g[n++] = gate_1q(QPU_OP_H, m);
	g[n++] = gate_1q(QPU_OP_Z, m);
	g[n++] = gate_1q(QPU_OP_H, m);			/* h z h = x: m = 0 */
	g[n++] = gate_rot(QPU_OP_U3, e2, -1, 0, M_PI);	/* u3(pi, 0, 0): e2 = 1 */
	g[n++] = gate_2q(QPU_OP_Z, 1, e2, m);		/* cz: phase only */
	g[n++] = gate_measure(e1, 0);
	g[n++] = gate_measure(m, 1);
	g[n++] = gate_measure(e2, 2);
	circ = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 3, .num_clbits = 3,
		.gates = g, .num_gates = n }, NULL);
	j = job_seeded(circ, 100, r.res.handle, 9);
	run_ok(r.fd, &j, NULL);
	res = slice_at(r.res.ptr, 0);
	assert_slice_ok(res, 3, 100, 0, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(slice_counts(res)[0].bits, 0x5);	/* e1 = 1, m = 0, e2 = 1 */

	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

/*
 * A circuit the size of the large programs of public suites (an HHL
 * instance has ~190 000 gates; the old ceiling was 65536) loads under the
 * default max_gates and runs: 200 001 X on qubit 0 (odd: it ends in |1>)
 * and 100 000 H H pairs on qubit 1 (identity), measured.
 */
#define BIG_GATES	400003

QPU_TEST(big_circuit_loads_and_runs)
{
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_gate *g;
	uint32_t i, n = 0, circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	g = calloc(BIG_GATES, sizeof(*g));
	QT_ASSERT(g != NULL);
	for (i = 0; i < 200001; i++)
		g[n++] = gate_1q(QPU_OP_X, 0);
	for (i = 0; i < 200000; i++)
		g[n++] = gate_1q(QPU_OP_H, 1);
	g[n++] = gate_measure(0, 0);
	g[n++] = gate_measure(1, 1);
	QT_ASSERT_EQ(n, BIG_GATES);
	QT_ASSERT_GT(n, 65536);
	circ = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 2, .num_clbits = 2,
		.gates = g, .num_gates = n }, NULL);
	free(g);
	j = job_seeded(circ, 50, r.res.handle, 3);
	run_ok(r.fd, &j, NULL);
	res = slice_at(r.res.ptr, 0);
	assert_slice_ok(res, 2, 50, 0, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(slice_counts(res)[0].bits, 0x1);
	QT_ASSERT_EQ(slice_counts(res)[0].count, 50);
	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* ---- parameters and expectation values ----------------------------------- */

QPU_TEST(params_in_mapped_buffer_no_reload)
{
	static const double thetas[] = { 0.3, 1.0, M_PI / 2, 2.5, -1.2, 3.0 };
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct mbuf par;
	double *p, p1;
	uint32_t circ, i;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 1, 4096);
	mbuf_new_ok(r.fd, 4096, &par);
	p = par.ptr;
	circ = load_ry_param(&r, 1.0, 0.0);
	res = slice_at(r.res.ptr, 0);
	j = job_seeded(circ, BELL_SHOTS, r.res.handle, 11);
	j.flags |= QPU_RUN_EXPECT;
	j.param_buf = par.handle;

	/* theta = 0: always 0. Then pi in the same buffer: always 1. */
	p[0] = 0.0;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(res, 1, BELL_SHOTS, 1, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(slice_counts(res)[0].bits, 0);
	QT_ASSERT(fabs(slice_expect(res, 0) - 1.0) < EXPECT_EPS);
	p[0] = M_PI;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(res, 1, BELL_SHOTS, 1, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(slice_counts(res)[0].bits, 1);
	QT_ASSERT(fabs(slice_expect(res, 0) + 1.0) < EXPECT_EPS);

	/* <Z> = cos(theta) exactly; P(1) = sin^2(theta / 2) roughly. */
	for (i = 0; i < ARRAY_LEN(thetas); i++) {
		p[0] = thetas[i];
		run_ok(r.fd, &j, NULL);
		assert_slice_ok(res, 1, BELL_SHOTS, 1, 0);
		if (fabs(slice_expect(res, 0) - cos(thetas[i])) >= EXPECT_EPS)
			QT_FAIL("theta %g: <Z> = %.17g, want %.17g", thetas[i],
				slice_expect(res, 0), cos(thetas[i]));
		p1 = (double)slice_count_of(res, 1) / BELL_SHOTS;
		if (fabs(p1 - sin(thetas[i] / 2) * sin(thetas[i] / 2)) > 0.1)
			QT_FAIL("theta %g: P(1) = %g, want about %g", thetas[i],
				p1, sin(thetas[i] / 2) * sin(thetas[i] / 2));
	}

	/* Without QPU_RUN_EXPECT no expectation value is written. */
	j.flags &= ~QPU_RUN_EXPECT;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(res, 1, BELL_SHOTS, 0, 0);

	circ_free_ok(r.fd, circ);
	mbuf_free_ok(r.fd, &par);
	rig_close(&r);
	assert_objs_restored(&before);
}

QPU_TEST(affine_angles)
{
	static const double ps[] = { 0.0, 0.2, -0.7, 1.9 };
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_gate g[2];
	struct mbuf par;
	uint32_t circ, i;
	double *p, want;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 1, 4096);
	mbuf_new_ok(r.fd, 4096, &par);
	p = par.ptr;
	res = slice_at(r.res.ptr, 0);

	/* RY(2 p + pi/2): p = -pi/4 gives RY(0), p = pi/4 gives RY(pi). */
	circ = load_ry_param(&r, 2.0, M_PI / 2);
	j = job_seeded(circ, 200, r.res.handle, 12);
	j.flags |= QPU_RUN_EXPECT;
	j.param_buf = par.handle;
	p[0] = -M_PI / 4;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(res, 1, 200, 1, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(slice_counts(res)[0].bits, 0);
	p[0] = M_PI / 4;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(res, 1, 200, 1, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(slice_counts(res)[0].bits, 1);
	for (i = 0; i < ARRAY_LEN(ps); i++) {
		p[0] = ps[i];
		run_ok(r.fd, &j, NULL);
		want = cos(2 * ps[i] + M_PI / 2);
		if (fabs(slice_expect(res, 0) - want) >= EXPECT_EPS)
			QT_FAIL("p %g: <Z> = %.17g, want %.17g", ps[i],
				slice_expect(res, 0), want);
	}
	circ_free_ok(r.fd, circ);

	/* A constant angle needs no parameter buffer. */
	g[0] = gate_rot(QPU_OP_RY, 0, -1, 0, M_PI);
	g[1] = gate_measure(0, 0);
	circ = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 1, .num_clbits = 1,
		.gates = g, .num_gates = 2 }, NULL);
	j = job_seeded(circ, 200, r.res.handle, 12);
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(res, 1, 200, 0, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(slice_counts(res)[0].bits, 1);
	circ_free_ok(r.fd, circ);

	mbuf_free_ok(r.fd, &par);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* Z-string observables on a Bell pair, in the order they were given. */
QPU_TEST(expectation_values_bell)
{
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_gate g[4];
	uint64_t obs[4];
	uint32_t circ, n;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	n = bell_gates(&r, g);
	obs[0] = 1ULL << r.edges[0].a;		/* Z_a: 0 */
	obs[1] = 0;				/* identity: 1 */
	obs[2] = obs[0] | 1ULL << r.edges[0].b;	/* Z_a Z_b: 1 */
	obs[3] = 1ULL << r.edges[0].b;		/* Z_b: 0 */
	circ = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 2, .num_clbits = 2,
		.gates = g, .num_gates = n, .obs = obs, .num_obs = 4 }, NULL);
	j = job_seeded(circ, 100, r.res.handle, 13);
	j.flags |= QPU_RUN_EXPECT;
	run_ok(r.fd, &j, NULL);
	res = slice_at(r.res.ptr, 0);
	assert_slice_ok(res, 2, 100, 4, 0);
	QT_ASSERT(fabs(slice_expect(res, 0)) < EXPECT_EPS);
	QT_ASSERT(fabs(slice_expect(res, 1) - 1.0) < EXPECT_EPS);
	QT_ASSERT(fabs(slice_expect(res, 2) - 1.0) < EXPECT_EPS);
	QT_ASSERT(fabs(slice_expect(res, 3)) < EXPECT_EPS);

	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* RY(p0) on q0, RX(p1) on q1, both measured; Z0, Z1, Z0Z1. */
static uint32_t load_two_params(const struct rig *r)
{
	static const uint64_t obs[3] = { 1, 2, 3 };
	struct qpu_gate g[4] = {
		gate_rot(QPU_OP_RY, 0, 0, 1.0, 0.0),
		gate_rot(QPU_OP_RX, 1, 1, 1.0, 0.0),
		gate_measure(0, 0),
		gate_measure(1, 1),
	};

	return circ_load_ok(r->fd, &(struct circ_spec){
		.alloc = r->alloc, .num_qubits = 2, .num_clbits = 2,
		.num_params = 2, .gates = g, .num_gates = 4, .obs = obs,
		.num_obs = 3 }, NULL);
}

QPU_TEST(parameter_sweeps)
{
	static const double angles[2][3] = { { 0.4, 1.3, 2.2 }, { 0.7, 2.9, -0.5 } };
	const uint32_t pstride = 24, poff = 8, roff = 16, shots = 100;
	const uint64_t need = slice_bytes(2, shots, 3);
	const uint32_t rstride = need + 24;
	const struct qpu_result *res;
	uint64_t sim = 0, qpu = 0, seeds[4];
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_run run;
	struct mbuf par;
	uint32_t circ, i, k;
	double *p, c0, c1;
	char *rb;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	mbuf_new_ok(r.fd, 4096, &par);
	p = par.ptr;
	rb = r.res.ptr;
	circ = load_two_params(&r);

	/* Vector i = (pi * bit 0 of i, pi * bit 1 of i): outcome i always. */
	for (i = 0; i < 4; i++) {
		p[(poff + i * pstride) / 8] = i & 1 ? M_PI : 0.0;
		p[(poff + i * pstride) / 8 + 1] = i & 2 ? M_PI : 0.0;
		p[(poff + i * pstride) / 8 + 2] = 1e300;	/* not read */
	}
	j = job_seeded(circ, shots, r.res.handle, 99);
	j.flags |= QPU_RUN_EXPECT;
	j.num_sweeps = 4;
	j.param_buf = par.handle;
	j.param_offset = poff;
	j.param_stride = pstride;
	j.result_offset = roff;
	j.result_stride = rstride;
	run_ok(r.fd, &j, &run);
	QT_ASSERT(mem_is_zero(rb, roff));
	for (i = 0; i < 4; i++) {
		res = slice_at(rb, roff + i * rstride);
		assert_slice_ok(res, 2, shots, 3, i);
		QT_ASSERT_EQ(res->num_counts, 1);
		QT_ASSERT_EQ(slice_counts(res)[0].bits, i);
		c0 = i & 1 ? -1.0 : 1.0;
		c1 = i & 2 ? -1.0 : 1.0;
		QT_ASSERT(fabs(slice_expect(res, 0) - c0) < EXPECT_EPS);
		QT_ASSERT(fabs(slice_expect(res, 1) - c1) < EXPECT_EPS);
		QT_ASSERT(fabs(slice_expect(res, 2) - c0 * c1) < EXPECT_EPS);
		/* Nothing between the slices. */
		QT_ASSERT(mem_is_zero(rb + roff + i * rstride + need,
				      rstride - need));
		seeds[i] = res->seed;
		for (k = 0; k < i; k++)
			QT_ASSERT_NE(seeds[k], seeds[i]);
		sim += res->sim_ns;
		qpu += res->qpu_ns;
		QT_ASSERT_EQ(res->qpu_ns, slice_at(rb, roff)->qpu_ns);
	}
	QT_ASSERT_EQ(seeds[0], 99);
	QT_ASSERT_EQ(run.seed, 99);
	QT_ASSERT_EQ(run.sim_ns, sim);
	QT_ASSERT_EQ(run.qpu_ns, qpu);
	QT_ASSERT(mem_is_zero(rb + roff + 4 * rstride,
			      r.res.size - roff - 4 * rstride));

	/* Three vectors of arbitrary angles: each slice has its own. */
	memset(rb, 0, r.res.size);
	for (i = 0; i < 3; i++) {
		p[i * 2] = angles[0][i];
		p[i * 2 + 1] = angles[1][i];
	}
	j.num_sweeps = 3;
	j.param_offset = 0;
	j.param_stride = 16;
	j.result_offset = 0;
	j.result_stride = need;
	run_ok(r.fd, &j, NULL);
	for (i = 0; i < 3; i++) {
		res = slice_at(rb, i * need);
		assert_slice_ok(res, 2, shots, 3, i);
		c0 = cos(angles[0][i]);
		c1 = cos(angles[1][i]);
		QT_ASSERT(fabs(slice_expect(res, 0) - c0) < EXPECT_EPS);
		QT_ASSERT(fabs(slice_expect(res, 1) - c1) < EXPECT_EPS);
		QT_ASSERT(fabs(slice_expect(res, 2) - c0 * c1) < EXPECT_EPS);
	}

	/* num_sweeps 0 means 1; with one vector the strides are ignored. */
	memset(rb, 0, r.res.size);
	j.num_sweeps = 0;
	j.param_stride = 3;
	j.result_stride = 5;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(slice_at(rb, 0), 2, shots, 3, 0);
	QT_ASSERT(mem_is_zero(rb + need, r.res.size - need));
	j.num_sweeps = 1;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(slice_at(rb, 0), 2, shots, 3, 0);

	circ_free_ok(r.fd, circ);
	mbuf_free_ok(r.fd, &par);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* Each slice's reported seed reproduces that vector run on its own. */
QPU_TEST(sweep_seeds_reproduce_single_runs)
{
	static const double thetas[3] = { M_PI / 2, 1.0, 2.0 };
	const uint64_t need = slice_bytes(1, 500, 0);
	const struct qpu_result *sw, *one;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct mbuf par;
	uint32_t circ, i;
	double *p;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 1, 4096);
	mbuf_new_ok(r.fd, 4096, &par);
	p = par.ptr;
	for (i = 0; i < 3; i++)
		p[i] = thetas[i];
	circ = load_ry_param(&r, 1.0, 0.0);

	j = job_seeded(circ, 500, r.res.handle, 7);
	j.param_buf = par.handle;
	j.num_sweeps = 3;
	j.param_stride = 8;
	j.result_stride = need;
	run_ok(r.fd, &j, NULL);
	for (i = 0; i < 3; i++) {
		sw = slice_at(r.res.ptr, i * need);
		assert_slice_ok(sw, 1, 500, 0, i);
		QT_ASSERT_EQ(sw->num_counts, 2);
		/* Vector i alone, with slice i's seed. */
		j = job_seeded(circ, 500, r.res.handle, sw->seed);
		j.param_buf = par.handle;
		j.param_offset = i * 8;
		j.result_offset = 3 * need;
		run_ok(r.fd, &j, NULL);
		one = slice_at(r.res.ptr, 3 * need);
		assert_slice_ok(one, 1, 500, 0, 0);
		QT_ASSERT_EQ(one->seed, sw->seed);
		if (!slices_same_counts(sw, one))
			QT_FAIL("vector %u: sweep counts %llu/%llu, alone %llu/%llu",
				i, (unsigned long long)slice_count_of(sw, 0),
				(unsigned long long)slice_count_of(sw, 1),
				(unsigned long long)slice_count_of(one, 0),
				(unsigned long long)slice_count_of(one, 1));
		j = job_seeded(circ, 500, r.res.handle, 7);
		j.param_buf = par.handle;
		j.num_sweeps = 3;
		j.param_stride = 8;
		j.result_stride = need;
	}
	circ_free_ok(r.fd, circ);
	mbuf_free_ok(r.fd, &par);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* A parameter that makes an angle non-finite fails its slice, not the circuit. */
QPU_TEST(non_finite_parameter_fails_slice)
{
	static const double bad[] = { NAN, INFINITY, 1e300 };
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_run run;
	struct mbuf par;
	uint32_t circ, i;
	double *p;
	int ret;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 1, 4096);
	mbuf_new_ok(r.fd, 4096, &par);
	p = par.ptr;
	res = slice_at(r.res.ptr, 0);
	/* 1e300 * 1e300 overflows to infinity. */
	circ = load_ry_param(&r, 1e300, 0.0);
	j = job_seeded(circ, 10, r.res.handle, 1);
	j.param_buf = par.handle;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		memset(r.res.ptr, 0, r.res.size);
		p[0] = bad[i];
		ret = run_raw(r.fd, &j, &run);
		if (ret != -EDOM || run.status != -EDOM)
			QT_FAIL("parameter %g: RUN %d status %d, want -EDOM",
				bad[i], ret, run.status);
		QT_ASSERT_EQ(res->magic, QPU_RESULT_MAGIC);
		QT_ASSERT_EQ(res->status, -EDOM);
		QT_ASSERT_EQ(res->num_counts, 0);
	}
	/* The circuit still runs with a finite parameter. */
	p[0] = 0.0;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(res, 1, 10, 0, 0);

	circ_free_ok(r.fd, circ);
	mbuf_free_ok(r.fd, &par);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* ---- OpenQASM through libqpu --------------------------------------------- */

static const char ghz3_qasm[] =
	"OPENQASM 2.0;\n"
	"include \"qelib1.inc\";\n"
	"qreg q[3];\n"
	"creg c[3];\n"
	"h q[0];\n"
	"cx q[0], q[1];\n"
	"cx q[1], q[2];\n"
	"measure q -> c;\n";

static const char ry_qasm[] =
	"OPENQASM 2.0;\n"
	"include \"qelib1.inc\";\n"
	"param theta[1];\n"
	"qreg q[1];\n"
	"creg c[1];\n"
	"ry(2 * theta[0]) q[0];\n"
	"measure q[0] -> c[0];\n";

QPU_TEST(qasm_ghz3_through_libqpu)
{
	struct qpu_buffer *rbuf, *pbuf;
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_circuit *c;
	struct qpu_job_desc j;
	struct qpu_qubits *q;
	struct qpu_loaded l;
	struct qpu_dev *dev;
	uint32_t map[3];
	uint64_t n0, n7;
	char err[256];

	read_objs(&before);
	QT_ASSERT_EQ(qpu_open(NULL, &dev), 0);
	QT_ASSERT_EQ(qpu_qasm_parse(ghz3_qasm, "ghz3.qasm", &c, err, sizeof(err)), 0);
	QT_ASSERT_EQ(qpu_circuit_num_qubits(c), 3);
	QT_ASSERT_EQ(qpu_circuit_num_clbits(c), 3);
	QT_ASSERT_EQ(qpu_alloc_qubits(dev, 3, &q), 0);
	QT_ASSERT_EQ(qpu_circuit_layout(c, q, map), 0);
	QT_ASSERT_EQ(qpu_circuit_remap(c, map, 3), 0);
	QT_ASSERT_EQ(qpu_circuit_load(dev, c, q, &l), 0);
	QT_ASSERT_GT(l.handle, 0);
	QT_ASSERT_EQ(qpu_buffer_new(dev, qpu_result_size(3, BELL_SHOTS, 0), &rbuf), 0);
	j = job_seeded(l.handle, BELL_SHOTS, rbuf->handle, 21);
	QT_ASSERT_EQ(qpu_run_job(dev, &j, NULL), 0);
	res = qpu_result_at(rbuf, 0);
	QT_ASSERT(res != NULL);
	assert_slice_ok(res, 3, BELL_SHOTS, 0, 0);
	n0 = slice_count_of(res, 0);
	n7 = slice_count_of(res, 7);
	QT_ASSERT_EQ(n0 + n7, BELL_SHOTS);
	QT_ASSERT(n0 >= 350 && n0 <= 650);
	QT_ASSERT_EQ(qpu_circuit_unload(dev, l.handle), 0);
	qpu_circuit_free(c);

	/* The "param" extension: ry(2 * theta[0]) with theta = pi / 2. */
	QT_ASSERT_EQ(qpu_qasm_parse(ry_qasm, NULL, &c, err, sizeof(err)), 0);
	QT_ASSERT_EQ(qpu_circuit_num_params(c), 1);
	QT_ASSERT_EQ(qpu_circuit_load(dev, c, q, &l), 0);
	QT_ASSERT_EQ(l.num_params, 1);
	QT_ASSERT_EQ(qpu_buffer_new(dev, 8, &pbuf), 0);
	((double *)pbuf->ptr)[0] = M_PI / 2;
	j = job_seeded(l.handle, 50, rbuf->handle, 22);
	j.param_buf = pbuf->handle;
	QT_ASSERT_EQ(qpu_run_job(dev, &j, NULL), 0);
	res = qpu_result_at(rbuf, 0);
	QT_ASSERT(res != NULL);
	assert_slice_ok(res, 1, 50, 0, 0);
	QT_ASSERT_EQ(slice_count_of(res, 1), 50);
	qpu_circuit_free(c);

	/* A syntax error names file:line:col. */
	QT_ASSERT_EQ(qpu_qasm_parse("OPENQASM 2.0;\nqreg q[1]\n", "bad.qasm", &c,
				    err, sizeof(err)), -EINVAL);
	QT_ASSERT(!strncmp(err, "bad.qasm:2:", 11));

	QT_ASSERT_EQ(qpu_circuit_unload(dev, l.handle), 0);
	QT_ASSERT_EQ(qpu_buffer_free(dev, pbuf), 0);
	QT_ASSERT_EQ(qpu_buffer_free(dev, rbuf), 0);
	QT_ASSERT_EQ(qpu_free_qubits(dev, q), 0);
	qpu_close(dev);
	assert_objs_restored(&before);
}

/* ---- CIRCUIT_LOAD rejections --------------------------------------------- */

struct bad_gate {
	const char *what;
	struct qpu_gate g;
	uint32_t err;
};

/* Fill @t with gates that are each wrong in exactly one way. */
static uint32_t bad_gates(struct bad_gate *t, const struct rig *r,
			  uint32_t ua, uint32_t ub, const uint32_t *split)
{
	uint32_t a = r->edges[0].a, b = r->edges[0].b, n = 0;
	uint32_t qs[6] = { 0, 1, 2, 3, 4, 5 };
	struct qpu_gate g;

#define BAD(w, e, gate) (t[n++] = (struct bad_gate){ (w), (gate), (e) })
	/* QPU_CERR_OP */
	BAD("opcode 0", QPU_CERR_OP, gate_1q(0, 0));
	BAD("opcode QPU_OP_NR", QPU_CERR_OP, gate_1q(QPU_OP_NR, 0));
	BAD("opcode 255", QPU_CERR_OP, gate_1q(255, 0));
	BAD("controlled measure", QPU_CERR_OP, gate_2q(QPU_OP_MEASURE, 1, a, b));
	BAD("controlled reset", QPU_CERR_OP, gate_2q(QPU_OP_RESET, 1, a, b));
	BAD("controlled barrier", QPU_CERR_OP, gate_make(QPU_OP_BARRIER, 1, qs, 1));
	/* QPU_CERR_NCTRL */
	BAD("5 controls", QPU_CERR_NCTRL, gate_make(QPU_OP_X, 5, qs, 6));
	BAD("255 controls", QPU_CERR_NCTRL, gate_make(QPU_OP_X, 255, qs, 6));
	/* QPU_CERR_QUBIT */
	BAD("target = width", QPU_CERR_QUBIT, gate_1q(QPU_OP_H, 5));
	BAD("target 65535", QPU_CERR_QUBIT, gate_1q(QPU_OP_X, 65535));
	BAD("control = width", QPU_CERR_QUBIT, gate_2q(QPU_OP_X, 1, 5, a));
	BAD("second swap target", QPU_CERR_QUBIT, gate_2q(QPU_OP_SWAP, 0, a, 7));
	BAD("measured qubit", QPU_CERR_QUBIT, gate_measure(5, 0));
	/* QPU_CERR_DUP_QUBIT */
	BAD("cx a, a", QPU_CERR_DUP_QUBIT, gate_2q(QPU_OP_X, 1, a, a));
	BAD("swap b, b", QPU_CERR_DUP_QUBIT, gate_2q(QPU_OP_SWAP, 0, b, b));
	qs[0] = a;
	qs[1] = b;
	qs[2] = a;
	BAD("ccx a, b, a", QPU_CERR_DUP_QUBIT, gate_make(QPU_OP_X, 2, qs, 3));
	/* QPU_CERR_NOT_COUPLED */
	BAD("cx on an uncoupled pair", QPU_CERR_NOT_COUPLED,
	    gate_2q(QPU_OP_X, 1, ua, ub));
	BAD("swap on an uncoupled pair", QPU_CERR_NOT_COUPLED,
	    gate_2q(QPU_OP_SWAP, 0, ub, ua));
	g = gate_2q(QPU_OP_RZZ, 0, ua, ub);
	g.offset[0] = f64_bits(0.5);
	BAD("rzz on an uncoupled pair", QPU_CERR_NOT_COUPLED, g);
	BAD("ccx on a disconnected set", QPU_CERR_NOT_COUPLED,
	    gate_make(QPU_OP_X, 2, split, 3));
	/* QPU_CERR_CBIT (2 classical bits) */
	BAD("cbit = clbits", QPU_CERR_CBIT, gate_measure(0, 2));
	BAD("cbit ~0", QPU_CERR_CBIT, gate_measure(0, 0xffffffff));
	/* QPU_CERR_COND */
	BAD("cond width 0", QPU_CERR_COND, gate_cond(gate_1q(QPU_OP_X, 0), 0, 0, 0));
	BAD("cond width 65", QPU_CERR_COND, gate_cond(gate_1q(QPU_OP_X, 0), 0, 65, 0));
	BAD("cond past clbits", QPU_CERR_COND, gate_cond(gate_1q(QPU_OP_X, 0), 1, 2, 0));
	BAD("cond start = clbits", QPU_CERR_COND,
	    gate_cond(gate_1q(QPU_OP_X, 0), 2, 1, 0));
	BAD("cond start 65535", QPU_CERR_COND,
	    gate_cond(gate_1q(QPU_OP_X, 0), 65535, 1, 0));
	BAD("cond value 2 in 1 bit", QPU_CERR_COND,
	    gate_cond(gate_1q(QPU_OP_X, 0), 0, 1, 2));
	BAD("cond value 4 in 2 bits", QPU_CERR_COND,
	    gate_cond(gate_1q(QPU_OP_X, 0), 0, 2, 4));
	/* QPU_CERR_PARAM (1 parameter slot: param 1 is the last valid) */
	BAD("param slot 1", QPU_CERR_PARAM, gate_rot(QPU_OP_RY, 0, 1, 1.0, 0.0));
	g = gate_rot(QPU_OP_RY, 0, 0, 1.0, 0.0);
	g.param[0] = 0xffffffff;
	BAD("param ~0", QPU_CERR_PARAM, g);
	g = gate_rot(QPU_OP_U3, 0, -1, 0, 1.0);
	g.param[2] = 2;
	g.scale[2] = f64_bits(1.0);
	BAD("u3 angle 2 param slot 1", QPU_CERR_PARAM, g);
	/* QPU_CERR_ANGLE */
	BAD("offset NaN", QPU_CERR_ANGLE, gate_rot(QPU_OP_RY, 0, -1, 0, NAN));
	BAD("offset +Inf", QPU_CERR_ANGLE, gate_rot(QPU_OP_RX, 0, -1, 0, INFINITY));
	BAD("offset -Inf", QPU_CERR_ANGLE, gate_rot(QPU_OP_RZ, 0, -1, 0, -INFINITY));
	BAD("scale NaN", QPU_CERR_ANGLE, gate_rot(QPU_OP_RY, 0, 0, NAN, 0.0));
	BAD("scale -Inf", QPU_CERR_ANGLE, gate_rot(QPU_OP_P, 0, 0, -INFINITY, 0.0));
	g = gate_rot(QPU_OP_RY, 0, -1, 0, 0.0);
	g.offset[0] = 0x7ff0000000000001ULL;	/* signalling NaN */
	BAD("offset sNaN", QPU_CERR_ANGLE, g);
	g = gate_rot(QPU_OP_U3, 0, -1, 0, 1.0);
	g.offset[2] = f64_bits(NAN);
	BAD("u3 angle 2 NaN", QPU_CERR_ANGLE, g);
	g = gate_1q(QPU_OP_H, 0);
	g.offset[0] = f64_bits(1.0);
	BAD("angle on h", QPU_CERR_ANGLE, g);
	g = gate_1q(QPU_OP_H, 0);
	g.param[0] = 1;
	BAD("param on h", QPU_CERR_ANGLE, g);
	g = gate_rot(QPU_OP_RY, 0, -1, 0, 1.0);
	g.scale[0] = f64_bits(2.0);
	BAD("scale on a constant", QPU_CERR_ANGLE, g);
	g = gate_rot(QPU_OP_RY, 0, -1, 0, 1.0);
	g.offset[1] = f64_bits(1.0);
	BAD("second angle on ry", QPU_CERR_ANGLE, g);
	g = gate_rot(QPU_OP_U2, 0, -1, 0, 1.0);
	g.param[2] = 1;
	BAD("third angle on u2", QPU_CERR_ANGLE, g);
	/* QPU_CERR_RESERVED */
	g = gate_1q(QPU_OP_H, 0);
	g.pad0 = 1;
	BAD("pad0", QPU_CERR_RESERVED, g);
	g = gate_1q(QPU_OP_H, 0);
	g.pad1 = 0x80000000;
	BAD("pad1", QPU_CERR_RESERVED, g);
	g = gate_1q(QPU_OP_H, 0);
	g.flags = 2;
	BAD("gate flag bit 1", QPU_CERR_RESERVED, g);
	g = gate_1q(QPU_OP_H, 0);
	g.flags = 0x80;
	BAD("gate flag bit 7", QPU_CERR_RESERVED, g);
	g = gate_1q(QPU_OP_H, 0);
	g.qubits[1] = 1;
	BAD("unused qubit 1 of h", QPU_CERR_RESERVED, g);
	g = gate_2q(QPU_OP_X, 1, a, b);
	g.qubits[5] = 1;
	BAD("unused qubit 5 of cx", QPU_CERR_RESERVED, g);
	g = gate_make(QPU_OP_BARRIER, 0, qs, 0);
	g.qubits[0] = 1;
	BAD("qubit of a barrier", QPU_CERR_RESERVED, g);
	g = gate_1q(QPU_OP_H, 0);
	g.cbit = 1;
	BAD("cbit of h", QPU_CERR_RESERVED, g);
	g = gate_1q(QPU_OP_X, 0);
	g.cond_start = 1;
	BAD("cond_start without QPU_GATE_COND", QPU_CERR_RESERVED, g);
	g = gate_1q(QPU_OP_X, 0);
	g.cond_width = 1;
	BAD("cond_width without QPU_GATE_COND", QPU_CERR_RESERVED, g);
	g = gate_1q(QPU_OP_X, 0);
	g.cond_value = 1ULL << 63;
	BAD("cond_value without QPU_GATE_COND", QPU_CERR_RESERVED, g);
#undef BAD
	return n;
}

/* Find a pair of virtual qubits of @r that is not coupled. */
static void uncoupled_pair(const struct rig *r, uint32_t *ua, uint32_t *ub)
{
	uint32_t a, b;

	for (a = 0; a < r->k; a++) {
		for (b = a + 1; b < r->k; b++) {
			if (!edges_contain(r->edges, r->nedges, a, b)) {
				*ua = a;
				*ub = b;
				return;
			}
		}
	}
	QT_FAIL("every pair of the %u-qubit allocation is coupled", r->k);
}

/* Find three virtual qubits of @r that do not induce a connected subgraph. */
static void disconnected_triple(const struct rig *r, uint32_t *t)
{
	struct qgraph g;
	uint32_t a, b, c;

	qgraph_init(&g, r->k, r->edges, r->nedges);
	for (a = 0; a < r->k; a++)
		for (b = a + 1; b < r->k; b++)
			for (c = b + 1; c < r->k; c++) {
				t[0] = a;
				t[1] = b;
				t[2] = c;
				if (!qgraph_set_connected(&g, t, 3)) {
					qgraph_free(&g);
					return;
				}
			}
	QT_FAIL("every triple of the %u-qubit allocation is connected", r->k);
}

QPU_TEST(load_rejects_bad_gates)
{
	struct bad_gate t[80];
	struct qpu_circuit_load l;
	struct qpu_objs before;
	struct qpu_gate g[4];
	uint32_t ua, ub, split[3], n, i, circ;
	int ret, bad = 0;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 5, 4096);
	uncoupled_pair(&r, &ua, &ub);
	disconnected_triple(&r, split);
	n = bad_gates(t, &r, ua, ub, split);
	QT_ASSERT_LE(n, ARRAY_LEN(t));

	/* Two valid gates, the bad one at index 2, a valid one after it. */
	g[0] = gate_1q(QPU_OP_H, 0);
	g[1] = gate_2q(QPU_OP_X, 1, r.edges[0].a, r.edges[0].b);
	g[3] = gate_measure(0, 0);
	for (i = 0; i < n; i++) {
		g[2] = t[i].g;
		ret = circ_load_raw(r.fd, &(struct circ_spec){
			.alloc = r.alloc, .num_qubits = 5, .num_clbits = 2,
			.num_params = 1, .gates = g, .num_gates = 4 }, &l);
		if (ret == -EINVAL && l.error == t[i].err && l.error_index == 2 &&
		    !l.handle)
			continue;
		printf("# %s: CIRCUIT_LOAD %d (%s), error %u at %u, handle %u; "
		       "want -EINVAL, error %u at 2\n", t[i].what, ret,
		       ret ? strerror(-ret) : "ok", l.error, l.error_index,
		       l.handle, t[i].err);
		if (!ret)
			circ_free_ok(r.fd, l.handle);
		bad++;
	}
	if (bad)
		QT_FAIL("%d of %u bad gates not rejected as documented", bad, n);

	/* The same circuit with the bad gate replaced loads. */
	g[2] = gate_rot(QPU_OP_RY, 0, 0, 1.0, 0.0);
	circ = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 5, .num_clbits = 2,
		.num_params = 1, .gates = g, .num_gates = 4 }, NULL);
	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* Corner cases that are valid and must load (and run). */
QPU_TEST(load_accepts_corner_cases)
{
	static const uint32_t all[5] = { 0, 1, 2, 3, 4 };
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_gate g[12];
	struct mbuf par;
	uint32_t n = 0, circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 5, 4096);
	mbuf_new_ok(r.fd, 4096, &par);
	g[n++] = gate_make(QPU_OP_X, 4, all, 5);	/* c4x on the region */
	g[n++] = gate_rot(QPU_OP_RY, 0, 2, 0.0, 0.0);	/* last slot, scale 0 */
	g[n++] = gate_rot(QPU_OP_RZ, 1, -1, 0, -0.0);	/* negative zero */
	g[n++] = gate_rot(QPU_OP_RZ, 1, -1, 0, 1e308);	/* huge but finite */
	g[n++] = gate_rot(QPU_OP_RZ, 1, -1, 0, 5e-324);	/* subnormal */
	g[n++] = gate_make(QPU_OP_BARRIER, 0, all, 0);
	g[n++] = gate_1q(QPU_OP_X, 0);
	g[n++] = gate_measure(0, 63);			/* last classical bit */
	g[n++] = gate_cond(gate_1q(QPU_OP_X, 1), 63, 1, 1);
	g[n++] = gate_cond(gate_1q(QPU_OP_X, 2), 0, 64, 1ULL << 63);
	g[n++] = gate_measure(1, 0);
	g[n++] = gate_measure(2, 1);
	circ = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 5, .num_clbits = 64,
		.num_params = 3, .gates = g, .num_gates = n }, NULL);
	/* x q0 -> c63 = 1; q1 and q2 flipped by the conditions: c0 = c1 = 1. */
	j = job_seeded(circ, 10, r.res.handle, 2);
	j.param_buf = par.handle;
	run_ok(r.fd, &j, NULL);
	res = slice_at(r.res.ptr, 0);
	assert_slice_ok(res, 64, 10, 0, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(slice_counts(res)[0].bits, 1ULL << 63 | 3);
	circ_free_ok(r.fd, circ);
	mbuf_free_ok(r.fd, &par);
	rig_close(&r);
	assert_objs_restored(&before);
}

QPU_TEST(load_error_index_and_observables)
{
	struct qpu_circuit_load l;
	struct qpu_objs before;
	struct qpu_gate *g;
	uint64_t obs[3];
	uint32_t i, circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 5, 4096);
	/* A bad angle at gate 1000 of 1001. */
	g = calloc(1001, sizeof(*g));
	QT_ASSERT(g != NULL);
	for (i = 0; i < 1000; i++)
		g[i] = gate_1q(QPU_OP_H, i % 5);
	g[1000] = gate_rot(QPU_OP_RX, 3, -1, 0, NAN);
	QT_ASSERT_EQ(circ_load_raw(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 5, .gates = g,
		.num_gates = 1001 }, &l), -EINVAL);
	QT_ASSERT_EQ(l.error, QPU_CERR_ANGLE);
	QT_ASSERT_EQ(l.error_index, 1000);
	/* The first bad gate is the one reported. */
	g[500] = gate_1q(QPU_OP_H, 5);
	QT_ASSERT_EQ(circ_load_raw(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 5, .gates = g,
		.num_gates = 1001 }, &l), -EINVAL);
	QT_ASSERT_EQ(l.error, QPU_CERR_QUBIT);
	QT_ASSERT_EQ(l.error_index, 500);

	/* Observables: bit q names qubit q, which must be below the width. */
	obs[0] = 0x1f;
	obs[1] = 1ULL << 5;
	obs[2] = 0;
	QT_ASSERT_EQ(circ_load_raw(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 5, .gates = g, .num_gates = 10,
		.obs = obs, .num_obs = 3 }, &l), -EINVAL);
	QT_ASSERT_EQ(l.error, QPU_CERR_OBSERVABLE);
	QT_ASSERT_EQ(l.error_index, 1);
	obs[1] = 1ULL << 63;
	QT_ASSERT_EQ(circ_load_raw(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 5, .gates = g, .num_gates = 10,
		.obs = obs, .num_obs = 3 }, &l), -EINVAL);
	QT_ASSERT_EQ(l.error, QPU_CERR_OBSERVABLE);
	QT_ASSERT_EQ(l.error_index, 1);
	obs[1] = 1ULL << 4;
	circ = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 5, .gates = g, .num_gates = 10,
		.obs = obs, .num_obs = 3 }, NULL);
	circ_free_ok(r.fd, circ);

	/* A failure does not keep the detail of an earlier one. */
	l.num_gates = 0;
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CIRCUIT_LOAD, &l), -EINVAL);
	QT_ASSERT_EQ(l.error, QPU_CERR_NONE);
	free(g);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* One field of an argument struct set to a bad value, and the errno. */
struct field_case {
	const char *what;
	size_t off;
	size_t size;
	uint64_t val;
	int err;
};

/* Store @v in the @size-byte field at @off of @s (x86: little-endian). */
static void set_field(void *s, size_t off, size_t size, uint64_t v)
{
	memcpy((char *)s + off, &v, size);
}

/* The max_gates this test lowers the device to, and the default. */
#define LOAD_LIMIT_GATES	70000
#define LOAD_DEFAULT_MAX_GATES	(1U << 20)

#define LOAD_FIELD(f) offsetof(struct qpu_circuit_load, f), \
	sizeof(((struct qpu_circuit_load *)0)->f)

static const struct field_case load_cases[] = {
	{ "flags 1 << 30", LOAD_FIELD(flags), 1U << 30, EINVAL },
	{ "flags bit 31", LOAD_FIELD(flags), 1U << 31, EINVAL },
	{ "reserved[0]", LOAD_FIELD(reserved[0]), 1, EINVAL },
	{ "pad", LOAD_FIELD(pad), 1, EINVAL },
	{ "pad2", LOAD_FIELD(pad2), 1, EINVAL },
	{ "pad3", LOAD_FIELD(pad3), 1, EINVAL },
	{ "flags bit 1", LOAD_FIELD(flags), 2, EINVAL },
	{ "route_seed without QPU_LOAD_SOURCE", LOAD_FIELD(route_seed), 7, EINVAL },
	{ "route_swaps without QPU_LOAD_SOURCE", LOAD_FIELD(route_swaps), 1, EINVAL },
	{ "source_hash[0] without QPU_LOAD_SOURCE", LOAD_FIELD(source_hash[0]), 1,
	  EINVAL },
	{ "source_hash[31] without QPU_LOAD_SOURCE", LOAD_FIELD(source_hash[31]),
	  0x80, EINVAL },
	{ "reserved[0] high", LOAD_FIELD(reserved[0]), 1ULL << 63, EINVAL },
	{ "num_qubits 0", LOAD_FIELD(num_qubits), 0, EINVAL },
	{ "num_gates 0", LOAD_FIELD(num_gates), 0, EINVAL },
	{ "num_gates QPU_MAX_GATES + 1", LOAD_FIELD(num_gates),
	  QPU_MAX_GATES + 1, E2BIG },
	{ "num_gates ~0", LOAD_FIELD(num_gates), UINT32_MAX, E2BIG },
	{ "num_clbits QPU_MAX_CLBITS + 1", LOAD_FIELD(num_clbits),
	  QPU_MAX_CLBITS + 1, E2BIG },
	{ "num_params QPU_MAX_PARAMS + 1", LOAD_FIELD(num_params),
	  QPU_MAX_PARAMS + 1, E2BIG },
	{ "num_observables QPU_MAX_OBSERVABLES + 1", LOAD_FIELD(num_observables),
	  QPU_MAX_OBSERVABLES + 1, E2BIG },
	{ "observables without a pointer", LOAD_FIELD(num_observables), 1,
	  EINVAL },
	{ "num_qubits wider than the allocation", LOAD_FIELD(num_qubits), 3,
	  E2BIG },
	{ "num_qubits 21 (max_sim_qubits 20)", LOAD_FIELD(num_qubits), 21, E2BIG },
	{ "num_qubits ~0", LOAD_FIELD(num_qubits), UINT32_MAX, E2BIG },
	{ "alloc 0", LOAD_FIELD(alloc), 0, ENOENT },
	{ "alloc 9999", LOAD_FIELD(alloc), 9999, ENOENT },
	{ "gates at a kernel address", LOAD_FIELD(gates_ptr), KERNEL_ADDR, EFAULT },
};

/* CIRCUIT_LOAD of @l (changed by the caller) must fail with @err. */
static void load_fails(int fd, struct qpu_circuit_load *l, int err,
		       const char *what)
{
	int ret;

	l->handle = 0;
	l->error = 77;		/* out fields: ignored on input */
	l->error_index = 77;
	ret = qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, l);
	if (ret != -err || l->handle || l->error != QPU_CERR_NONE)
		QT_FAIL("%s: CIRCUIT_LOAD %d, handle %u, error %u; want -%s "
			"and no detail", what, ret, l->handle, l->error,
			strerror(err));
}

QPU_TEST(load_rejects_bad_structs)
{
	unsigned char big[sizeof(struct qpu_circuit_load) + 8];
	uint32_t foreign = 0, wide, n, i;
	struct qpu_circuit_load l, l0;
	struct qpu_objs before;
	struct qpu_gate *g, gates[2];
	struct qpu_edge e[64];
	uint64_t *obs;
	char *page;
	int other;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	g = calloc(LOAD_LIMIT_GATES + 1, sizeof(*g));
	obs = calloc(QPU_MAX_OBSERVABLES, sizeof(*obs));
	QT_ASSERT(g != NULL && obs != NULL);
	for (n = 0; n <= LOAD_LIMIT_GATES; n++)
		g[n] = gate_1q(QPU_OP_ID, n & 1);
	circ_load_fill(&l0, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 2, .num_clbits = 2,
		.gates = g, .num_gates = 4 });

	for (i = 0; i < ARRAY_LEN(load_cases); i++) {
		l = l0;
		set_field(&l, load_cases[i].off, load_cases[i].size,
			  load_cases[i].val);
		load_fails(r.fd, &l, load_cases[i].err, load_cases[i].what);
	}

	/* A freed allocation; another file's (a handle this file never had). */
	l = l0;
	l.alloc = alloc_ok(r.fd, 2, NULL);
	free_ok(r.fd, l.alloc);
	load_fails(r.fd, &l, ENOENT, "a freed allocation");
	other = open_dev();
	for (i = 0; i < 4; i++)
		foreign = alloc_ok(other, 1, NULL);
	QT_ASSERT_GT(foreign, l.alloc);
	l = l0;
	l.alloc = foreign;
	load_fails(r.fd, &l, ENOENT, "another file's allocation");
	close_ok(other);

	/* Pointers into a PROT_NONE page, or crossing into one. */
	page = map_guarded();
	l = l0;
	l.gates_ptr = (uintptr_t)guard_of(page);
	load_fails(r.fd, &l, EFAULT, "gates in a PROT_NONE page");
	memcpy(guard_of(page) - sizeof(gates), g, sizeof(gates));
	l = l0;
	l.gates_ptr = (uintptr_t)(guard_of(page) - sizeof(gates));
	l.num_gates = 3;
	load_fails(r.fd, &l, EFAULT, "gates crossing into a PROT_NONE page");
	l = l0;
	l.num_observables = 1;
	l.observables_ptr = (uintptr_t)guard_of(page);
	load_fails(r.fd, &l, EFAULT, "observables in a PROT_NONE page");
	l = l0;
	l.num_observables = 2;
	l.observables_ptr = (uintptr_t)(guard_of(page) - 8);
	load_fails(r.fd, &l, EFAULT, "observables crossing into a PROT_NONE page");
	/* Ending right at the guard page is fine. */
	l = l0;
	l.gates_ptr = (uintptr_t)(guard_of(page) - sizeof(gates));
	l.num_gates = 2;
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CIRCUIT_LOAD, &l), 0);
	circ_free_ok(r.fd, l.handle);
	munmap(page, 2 * sysconf(_SC_PAGESIZE));

	/* A larger struct: zero tail accepted, non-zero tail E2BIG. */
	memset(big, 0, sizeof(big));
	memcpy(big, &l0, sizeof(l0));
	QT_ASSERT_EQ(qpu_ioc(r.fd, ioc_resize(QPU_IOC_CIRCUIT_LOAD, sizeof(big)),
			     big), 0);
	memcpy(&l, big, sizeof(l));
	circ_free_ok(r.fd, l.handle);
	memcpy(big, &l0, sizeof(l0));
	big[sizeof(l0) + 3] = 1;
	QT_ASSERT_EQ(qpu_ioc(r.fd, ioc_resize(QPU_IOC_CIRCUIT_LOAD, sizeof(big)),
			     big), -E2BIG);

	/*
	 * The limits themselves are accepted; the device's max_gates (lowered
	 * here, so the test does not copy a million gates) is the gate limit.
	 */
	QT_ASSERT_EQ(dev_attr_u32(QPU0_ID, "max_gates"), LOAD_DEFAULT_MAX_GATES);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "max_gates", "70000"), 0);
	l = l0;
	l.num_gates = LOAD_LIMIT_GATES;
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CIRCUIT_LOAD, &l), 0);
	circ_free_ok(r.fd, l.handle);
	l.num_gates = LOAD_LIMIT_GATES + 1;
	load_fails(r.fd, &l, E2BIG, "max_gates + 1");
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "max_gates", "1048576"), 0);
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CIRCUIT_LOAD, &l), 0);
	circ_free_ok(r.fd, l.handle);
	l = l0;
	l.num_params = QPU_MAX_PARAMS;
	l.num_clbits = QPU_MAX_CLBITS;
	l.num_observables = QPU_MAX_OBSERVABLES;
	l.observables_ptr = (uintptr_t)obs;
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CIRCUIT_LOAD, &l), 0);
	circ_free_ok(r.fd, l.handle);
	free(obs);
	free(g);

	/* max_sim_qubits wide on a wider allocation: yes; one more: no. */
	wide = alloc_edges_ok(r.fd, QPU0_NUM_QUBITS - 2, e, ARRAY_LEN(e), &n);
	gates[0] = gate_1q(QPU_OP_H, 19);
	gates[1] = gate_1q(QPU_OP_H, 0);
	circ_load_fill(&l, &(struct circ_spec){
		.alloc = wide, .num_qubits = dev_attr_u32(QPU0_ID, "max_sim_qubits"),
		.gates = gates, .num_gates = 2 });
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CIRCUIT_LOAD, &l), 0);
	circ_free_ok(r.fd, l.handle);
	l.num_qubits++;
	load_fails(r.fd, &l, E2BIG, "max_sim_qubits + 1 on a wide allocation");
	free_ok(r.fd, wide);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* Lowering max_sim_qubits: later loads obey it, loaded circuits still run. */
struct sim_limit {
	uint32_t saved;
};

static void max_sim_body(void *arg)
{
	struct qpu_circuit_load l;
	struct qpu_job_desc j;
	struct qpu_gate g[2] = { gate_1q(QPU_OP_X, 3), gate_measure(3, 0) };
	uint32_t wide;
	struct rig r;

	(void)arg;
	rig_open(&r, 4, 4096);
	wide = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 4, .num_clbits = 1,
		.gates = g, .num_gates = 2 }, NULL);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "max_sim_qubits", "3\n"), 0);
	QT_ASSERT_EQ(circ_load_raw(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 4, .num_clbits = 1,
		.gates = g, .num_gates = 2 }, &l), -E2BIG);
	g[0] = gate_1q(QPU_OP_X, 2);
	g[1] = gate_measure(2, 0);
	circ_free_ok(r.fd, circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = r.alloc, .num_qubits = 3, .num_clbits = 1,
		.gates = g, .num_gates = 2 }, NULL));
	j = job_seeded(wide, 5, r.res.handle, 1);
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(slice_at(r.res.ptr, 0), 1, 5, 0, 0);
	QT_ASSERT_EQ(slice_count_of(slice_at(r.res.ptr, 0), 1), 5);
	circ_free_ok(r.fd, wide);
	rig_close(&r);
}

static void max_sim_restore(void *arg)
{
	struct sim_limit *s = arg;
	char text[16];

	snprintf(text, sizeof(text), "%u\n", s->saved);
	if (write_dev_attr(QPU0_ID, "max_sim_qubits", text))
		printf("# could not restore max_sim_qubits %u\n", s->saved);
}

QPU_TEST(load_obeys_lowered_max_sim_qubits)
{
	struct sim_limit s = { dev_attr_u32(QPU0_ID, "max_sim_qubits") };
	struct qpu_objs before;

	read_objs(&before);
	run_with_cleanup(max_sim_body, max_sim_restore, &s);
	QT_ASSERT_EQ(dev_attr_u32(QPU0_ID, "max_sim_qubits"), s.saved);
	assert_objs_restored(&before);
}

QPU_TEST(circuit_free_errors)
{
	struct qpu_circuit_free f;
	struct qpu_objs before;
	struct qpu_job_desc j;
	uint32_t circ;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	circ = load_bell(&r, NULL);
	QT_ASSERT_EQ(circ_free_raw(r.fd, 0), -ENOENT);
	QT_ASSERT_EQ(circ_free_raw(r.fd, circ + 1000), -ENOENT);
	QT_ASSERT_EQ(circ_free_raw(r.fd, UINT32_MAX), -ENOENT);
	memset(&f, 0, sizeof(f));
	f.handle = circ;
	f.flags = 1;
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CIRCUIT_FREE, &f), -EINVAL);
	f.flags = 0;
	f.reserved[1] = 1;
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CIRCUIT_FREE, &f), -EINVAL);
	/* Those failures left it loaded. */
	j = job_seeded(circ, 10, r.res.handle, 1);
	run_ok(r.fd, &j, NULL);
	circ_free_ok(r.fd, circ);
	QT_ASSERT_EQ(circ_free_raw(r.fd, circ), -ENOENT);
	QT_ASSERT_EQ(run_raw(r.fd, &j, NULL), -ENOENT);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* ---- RUN rejections (buffers: see buffer_test.c) ------------------------- */

/* RUN of @j must fail with @err and leave the result buffer untouched. */
static void run_fails(struct rig *r, const struct qpu_job_desc *j, int err,
		      const char *what)
{
	int ret = run_raw(r->fd, j, NULL);

	if (ret != -err)
		QT_FAIL("%s: RUN %d (%s), want -%s", what, ret,
			ret ? strerror(-ret) : "ok", strerror(err));
	if (!mem_is_zero(r->res.ptr, r->res.size))
		QT_FAIL("%s: the failed run wrote into the result buffer", what);
}

#define JOB_FIELD(f) offsetof(struct qpu_job_desc, f), \
	sizeof(((struct qpu_job_desc *)0)->f)

/* Applied to a valid seeded job of 10 shots. */
static const struct field_case run_cases[] = {
	{ "unknown circuit", JOB_FIELD(circuit), 9999, ENOENT },
	{ "shots 0", JOB_FIELD(shots), 0, EINVAL },
	{ "shots QPU_MAX_SHOTS + 1", JOB_FIELD(shots), QPU_MAX_SHOTS + 1, E2BIG },
	{ "shots ~0", JOB_FIELD(shots), UINT32_MAX, E2BIG },
	{ "num_sweeps QPU_MAX_SWEEPS + 1", JOB_FIELD(num_sweeps),
	  QPU_MAX_SWEEPS + 1, E2BIG },
	{ "num_sweeps ~0", JOB_FIELD(num_sweeps), UINT32_MAX, E2BIG },
	{ "a seed without QPU_RUN_SEED", JOB_FIELD(flags), 0, EINVAL },
	{ "a seed with only QPU_RUN_EXPECT", JOB_FIELD(flags), QPU_RUN_EXPECT,
	  EINVAL },
	{ "flag bit 2", JOB_FIELD(flags), QPU_RUN_SEED | 1U << 2, EINVAL },
	{ "flag bit 31", JOB_FIELD(flags), QPU_RUN_SEED | 1U << 31, EINVAL },
	{ "pad", JOB_FIELD(pad), 1, EINVAL },
	{ "flag bit 4", JOB_FIELD(flags), QPU_RUN_SEED | 1U << 4, EINVAL },
	{ "crosstalk_offset without QPU_RUN_CROSSTALK",
	  JOB_FIELD(crosstalk_offset), 8, EINVAL },
	{ "QPU_RUN_CROSSTALK without a parameter buffer", JOB_FIELD(flags),
	  QPU_RUN_SEED | QPU_RUN_CROSSTALK, EINVAL },
	{ "provenance_offset without QPU_RUN_PROVENANCE",
	  JOB_FIELD(provenance_offset), 1ULL << 63, EINVAL },
	{ "unknown allocation", JOB_FIELD(alloc), 9999, ENOENT },
};

QPU_TEST(run_rejects_bad_jobs)
{
	unsigned char big[sizeof(struct qpu_run) + 8];
	struct qpu_objs before;
	struct qpu_job_desc j0, j;
	struct qpu_run run;
	uint32_t circ, i;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	circ = load_bell(&r, NULL);
	j0 = job_seeded(circ, 10, r.res.handle, 5);
	for (i = 0; i < ARRAY_LEN(run_cases); i++) {
		j = j0;
		set_field(&j, run_cases[i].off, run_cases[i].size,
			  run_cases[i].val);
		run_fails(&r, &j, run_cases[i].err, run_cases[i].what);
	}

	/* struct qpu_run's own reserved words. */
	memset(&run, 0, sizeof(run));
	run.job = j0;
	run.reserved[1] = 1;
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_RUN, &run), -EINVAL);
	QT_ASSERT(mem_is_zero(r.res.ptr, r.res.size));

	/* A larger struct: non-zero tail E2BIG, zero tail accepted. */
	memset(&run, 0, sizeof(run));
	run.job = j0;
	memset(big, 0, sizeof(big));
	memcpy(big, &run, sizeof(run));
	big[sizeof(run) + 7] = 1;
	QT_ASSERT_EQ(qpu_ioc(r.fd, ioc_resize(QPU_IOC_RUN, sizeof(big)), big),
		     -E2BIG);
	QT_ASSERT(mem_is_zero(r.res.ptr, r.res.size));
	big[sizeof(run) + 7] = 0;
	QT_ASSERT_EQ(qpu_ioc(r.fd, ioc_resize(QPU_IOC_RUN, sizeof(big)), big), 0);
	assert_slice_ok(slice_at(r.res.ptr, 0), 2, 10, 0, 0);

	circ_free_ok(r.fd, circ);
	rig_close(&r);
	assert_objs_restored(&before);
}

/* The circuit's allocation is freed: its own runs fail, others work. */
QPU_TEST(run_after_allocation_freed)
{
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_edge e[4];
	uint32_t circ, other, again, ne;
	struct rig r;

	read_objs(&before);
	rig_open(&r, 2, 4096);
	circ = load_bell(&r, NULL);
	other = alloc_edges_ok(r.fd, 2, e, ARRAY_LEN(e), &ne);
	QT_ASSERT_EQ(ne, 1);
	j = job_seeded(circ, 10, r.res.handle, 5);
	run_ok(r.fd, &j, NULL);

	/* No job runs: freeing the circuit's allocation is allowed. */
	free_ok(r.fd, r.alloc);
	memset(r.res.ptr, 0, r.res.size);
	run_fails(&r, &j, ENOENT, "the circuit's allocation was freed");
	j.alloc = r.alloc;
	run_fails(&r, &j, ENOENT, "the freed allocation, named");
	/* Qubits allocated again get a new handle: still not the circuit's. */
	again = alloc_ok(r.fd, 2, NULL);
	QT_ASSERT_NE(again, r.alloc);
	j.alloc = 0;
	run_fails(&r, &j, ENOENT, "the circuit's allocation, after a new alloc");

	/* Another allocation with the coupling, named in the job: works. */
	j.alloc = other;
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(slice_at(r.res.ptr, 0), 2, 10, 0, 0);

	circ_free_ok(r.fd, circ);
	free_ok(r.fd, again);
	free_ok(r.fd, other);
	mbuf_free_ok(r.fd, &r.res);
	close_ok(r.fd);
	assert_objs_restored(&before);
}

/*
 * Running on another allocation of the same file: it must be wide enough
 * and have every coupling the circuit uses (EXDEV otherwise).
 */
QPU_TEST(run_on_another_allocation)
{
	struct qpu_edge e[6][16];
	uint32_t h[6], ne[6], i, x, k, nh, circ, ea = 0, eb = 0;
	int src = -1, lacking = -1, having = -1;
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct qpu_gate g[3];
	struct rig r;

	read_objs(&before);
	rig_open(&r, 1, 4096);
	/*
	 * Four-qubit allocations (24 of the 27 qubits at most) until one has
	 * a coupling (ea, eb) that an earlier one lacks and a third has too.
	 */
	for (nh = 0; nh < ARRAY_LEN(h) && having < 0; nh++) {
		h[nh] = alloc_edges_ok(r.fd, 4, e[nh], 16, &ne[nh]);
		if (src >= 0) {
			if (edges_contain(e[nh], ne[nh], ea, eb))
				having = nh;
			continue;
		}
		for (x = 0; x < nh && src < 0; x++) {
			for (k = 0; k < ne[nh]; k++) {
				if (edges_contain(e[x], ne[x], e[nh][k].a,
						  e[nh][k].b))
					continue;
				src = nh;
				lacking = x;
				ea = e[nh][k].a;
				eb = e[nh][k].b;
				break;
			}
		}
	}
	if (src < 0 || having < 0)
		QT_FAIL("%u four-qubit allocations: no coupling that one lacks "
			"and two others have", nh);

	/* x ea; cx ea, eb; measure eb: loaded on src, always 1. */
	g[0] = gate_1q(QPU_OP_X, ea);
	g[1] = gate_2q(QPU_OP_X, 1, ea, eb);
	g[2] = gate_measure(eb, 0);
	circ = circ_load_ok(r.fd, &(struct circ_spec){
		.alloc = h[src], .num_qubits = 4, .num_clbits = 1,
		.gates = g, .num_gates = 3 }, NULL);
	j = job_seeded(circ, 10, r.res.handle, 3);
	run_ok(r.fd, &j, NULL);
	j.alloc = h[src];
	run_ok(r.fd, &j, NULL);
	memset(r.res.ptr, 0, r.res.size);
	j.alloc = h[lacking];
	run_fails(&r, &j, EXDEV, "an allocation lacking the coupling");
	j.alloc = r.alloc;
	run_fails(&r, &j, EXDEV, "a one-qubit allocation");
	j.alloc = h[having];
	run_ok(r.fd, &j, NULL);
	assert_slice_ok(slice_at(r.res.ptr, 0), 1, 10, 0, 0);
	QT_ASSERT_EQ(slice_count_of(slice_at(r.res.ptr, 0), 1), 10);

	/* The circuit's own allocation freed: another one still serves. */
	free_ok(r.fd, h[src]);
	h[src] = 0;
	j.alloc = 0;
	memset(r.res.ptr, 0, r.res.size);
	run_fails(&r, &j, ENOENT, "the circuit's allocation was freed");
	j.alloc = h[having];
	run_ok(r.fd, &j, NULL);

	circ_free_ok(r.fd, circ);
	for (i = 0; i < nh; i++)
		if (h[i])
			free_ok(r.fd, h[i]);
	rig_close(&r);
	assert_objs_restored(&before);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
