// SPDX-License-Identifier: GPL-2.0
/*
 * qpu-bench - per-circuit cost of the ways to run small circuits.
 *
 * The same random parametrized circuits (N qubits, G gates, S shots) run
 * through:
 *   inproc     the simulator core linked into this process (no kernel):
 *              the lower bound
 *   ioctl      one synchronous QPU_IOC_RUN per circuit
 *   async      QPU_IOC_SUBMIT then QPU_IOC_WAIT per circuit
 *   uring-B    io_uring batches of B circuits, one submission each
 * and the table gives microseconds per circuit, circuits per second and
 * the ratio to inproc. It is a benchmark: it prints figures and never
 * fails on them. With --tenants it measures instead how the device is
 * shared between tenants (tenants.c), with --monitor what the monitoring
 * hook costs (monitor.c), with --multiprogram what running tenants' jobs
 * side by side buys in waits and costs in fidelity (multiprogram.c).
 *
 *   qpu-bench [-d DEV] [--qubits 4,8] [--gates 50] [--shots 100]
 *             [--circuits 512] [--csv FILE]
 *   qpu-bench [-d DEV] --tenants [--weights 1,1,2,2,4,4,8,8] [--jobs 16000]
 *   qpu-bench [-d DEV] --monitor [--qubits 4] [--gates 50] [--shots 100]
 *             [--jobs 256]
 *   qpu-bench --multiprogram [--devices heavyhex:27,heavyhex:127]
 *             [--jobs 200] [--tenants 8] [--workers 8] [--shots 500]
 *             [--seed 1]
 */
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <libqpu.h>

#include "bench.h"
#include "circuit.h"
#include "sim.h"

#define MAX_BATCH	256

struct bench {
	struct qpu_dev *dev;
	struct qpu_qubits *q;
	struct qpu_circuit *c;
	struct qpu_loaded l;
	struct qpu_buffer *params;
	struct qpu_buffer *results;
	size_t slice;
	uint32_t nq, gates, shots, ncirc;
	FILE *csv;
	double inproc_us;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Layers of RY(param) on every qubit and CX along the allocation's edges. */
struct qpu_circuit *bench_circuit(const struct qpu_qubits *q, uint32_t nq,
				  uint32_t gates)
{
	struct qpu_circuit *c = qpu_circuit_new(nq, nq);
	uint32_t n = 0, slot = 0, i, e, qs[2];

	if (!c)
		return NULL;
	while (n + nq < gates) {
		for (i = 0; i < nq && n < gates; i++, n++)
			qpu_circuit_ry(c, i, qpu_param(slot++ % 64, 1.0, 0.1 * i));
		for (e = 0; e < q->num_edges && n < gates; e++, n++) {
			qs[0] = q->edges[e].a;
			qs[1] = q->edges[e].b;
			qpu_circuit_gate(c, QPU_OP_X, 1, qs, 2, NULL, 0);
		}
	}
	for (i = 0; i < nq; i++)
		qpu_circuit_measure(c, i, i);
	qpu_circuit_set_num_params(c, 64);
	return c;
}

static void report(struct bench *b, const char *method, double us_per)
{
	double ratio = b->inproc_us > 0 ? us_per / b->inproc_us : 1.0;

	printf("%-10s %6u %6u %6u %12.1f %12.0f %8.2f\n", method, b->nq, b->gates,
	       b->shots, us_per, 1e6 / us_per, ratio);
	if (b->csv)
		fprintf(b->csv, "%s,%u,%u,%u,%.3f,%.1f,%.3f\n", method, b->nq,
			b->gates, b->shots, us_per, 1e6 / us_per, ratio);
}

static void fill_job(struct bench *b, struct qpu_job_desc *job, uint32_t slot)
{
	memset(job, 0, sizeof(*job));
	job->circuit = b->l.handle;
	job->flags = QPU_RUN_SEED;
	job->seed = slot + 1;
	job->shots = b->shots;
	job->param_buf = b->params->handle;
	job->result_buf = b->results->handle;
	job->result_offset = (uint64_t)slot * b->slice;
}

/**
 * bench_core_circuit() - @c as the simulator core takes it, validated
 *	against a fully coupled device
 * @c: circuit built with libqpu (it must outlive @qc: the gates are shared)
 * @qc: receives the core's view
 * Return: 0, or -1 if the validator rejects the circuit.
 */
int bench_core_circuit(const struct qpu_circuit *c, struct qc_circuit *qc)
{
	struct qc_coupling full = { .full = true };
	struct qc_validation res;

	*qc = (struct qc_circuit) {
		.gates = qpu_circuit_gates(c),
		.num_gates = qpu_circuit_num_gates(c),
		.num_qubits = qpu_circuit_num_qubits(c),
		.num_clbits = qpu_circuit_num_clbits(c),
		.num_params = qpu_circuit_num_params(c),
	};
	if (qc_circuit_validate(qc->gates, qc->num_gates, qc->num_qubits,
				qc->num_clbits, qc->num_params, NULL, 0, &full,
				NULL, &res))
		return -1;
	qc->per_shot = res.per_shot;
	return 0;
}

/**
 * bench_core_sim() - run @sj to the end with the simulator core
 * @arena: qc_sim_mem_size(@sj) bytes, 64-byte aligned
 * @size: its size
 * @sj: what to simulate
 * @out: receives the results
 * Return: the finished simulation (qc_sim_state() holds its final state),
 * or NULL if it could not be set up or failed.
 */
struct qc_sim *bench_core_sim(void *arena, size_t size,
			      const struct qc_sim_job *sj, struct qc_sim_out *out)
{
	struct qc_sim *sim = qc_sim_init(arena, size, sj, out);
	int ret = sim ? 1 : -1;

	while (ret > 0)
		ret = qc_sim_step(sim, 1ULL << 30);
	return ret ? NULL : sim;
}

static double bench_inproc(struct bench *b)
{
	struct qpu_count *counts;
	struct qc_circuit qc;
	struct qc_sim_out out;
	struct qc_sim_job sj;
	double t0, t;
	size_t size;
	void *arena;
	uint32_t i;

	if (bench_core_circuit(b->c, &qc))
		return -1;
	sj = (struct qc_sim_job) {
		.circuit = &qc, .params = (const u64 *)b->params->ptr,
		.shots = b->shots,
	};
	size = qc_sim_mem_size(&sj);
	arena = aligned_alloc(64, (size + 63) & ~(size_t)63);
	counts = calloc(b->shots, sizeof(*counts));
	if (!arena || !counts)
		return -1;
	t0 = now_us();
	for (i = 0; i < b->ncirc; i++) {
		sj.seed = i + 1;
		out = (struct qc_sim_out) { .counts = counts, .max_counts = b->shots };
		bench_core_sim(arena, size, &sj, &out);
	}
	t = (now_us() - t0) / b->ncirc;
	free(arena);
	free(counts);
	return t;
}

static double bench_ioctl(struct bench *b)
{
	struct qpu_job_desc job;
	double t0 = now_us();
	uint32_t i;

	for (i = 0; i < b->ncirc; i++) {
		fill_job(b, &job, i % MAX_BATCH);
		if (qpu_run_job(b->dev, &job, NULL))
			return -1;
	}
	return (now_us() - t0) / b->ncirc;
}

static double bench_async(struct bench *b)
{
	struct qpu_submit s;
	struct qpu_wait w;
	double t0 = now_us();
	uint32_t i;

	for (i = 0; i < b->ncirc; i++) {
		memset(&s, 0, sizeof(s));
		fill_job(b, &s.job, i % MAX_BATCH);
		if (ioctl(qpu_fd(b->dev), QPU_IOC_SUBMIT, &s))
			return -1;
		memset(&w, 0, sizeof(w));
		w.job_id = s.job_id;
		w.timeout_ns = -1;
		if (ioctl(qpu_fd(b->dev), QPU_IOC_WAIT, &w) || w.status)
			return -1;
	}
	return (now_us() - t0) / b->ncirc;
}

static double bench_batch(struct bench *b, uint32_t size, int force_ioctl)
{
	struct qpu_completion done[MAX_BATCH];
	struct qpu_job_desc job;
	struct qpu_batch *batch;
	uint32_t i, n = 0, k;
	double t0;
	int r;

	if (qpu_batch_new(b->dev, size, force_ioctl ? QPU_BATCH_IOCTL : 0, &batch))
		return -1;
	t0 = now_us();
	while (n < b->ncirc) {
		for (i = 0; i < size && n + i < b->ncirc; i++) {
			fill_job(b, &job, i);
			qpu_batch_add(batch, &job, i);
		}
		qpu_batch_submit(batch);
		for (k = 0; k < i; k += r) {
			r = qpu_batch_wait(batch, done, i - k, MAX_BATCH);
			if (r <= 0) {
				qpu_batch_free(batch);
				return -1;
			}
		}
		n += i;
	}
	t0 = (now_us() - t0) / b->ncirc;
	qpu_batch_free(batch);
	return t0;
}

static int bench_size(struct bench *b)
{
	static const uint32_t sizes[] = { 1, 8, 64, 256 };
	char name[32];
	unsigned int i;
	double t;

	if (qpu_alloc_qubits(b->dev, b->nq, &b->q))
		return -1;
	b->c = bench_circuit(b->q, b->nq, b->gates);
	if (!b->c || qpu_circuit_load(b->dev, b->c, b->q, &b->l))
		return -1;
	b->slice = qpu_result_size(b->nq, b->shots, 0);
	if (qpu_buffer_new(b->dev, 64 * sizeof(double), &b->params) ||
	    qpu_buffer_new(b->dev, b->slice * MAX_BATCH, &b->results))
		return -1;
	for (i = 0; i < 64; i++)
		((double *)b->params->ptr)[i] = 0.01 * i;

	b->inproc_us = bench_inproc(b);
	report(b, "inproc", b->inproc_us);
	t = bench_ioctl(b);
	if (t > 0)
		report(b, "ioctl", t);
	t = bench_async(b);
	if (t > 0)
		report(b, "async", t);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		t = bench_batch(b, sizes[i], 0);
		snprintf(name, sizeof(name), "uring-%u", sizes[i]);
		if (t > 0)
			report(b, name, t);
	}

	qpu_buffer_free(b->dev, b->results);
	qpu_buffer_free(b->dev, b->params);
	qpu_circuit_unload(b->dev, b->l.handle);
	qpu_circuit_free(b->c);
	qpu_free_qubits(b->dev, b->q);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "qubits", required_argument, NULL, 'q' },
		{ "gates", required_argument, NULL, 'g' },
		{ "shots", required_argument, NULL, 's' },
		{ "circuits", required_argument, NULL, 'n' },
		{ "csv", required_argument, NULL, 'c' },
		{ "tenants", optional_argument, NULL, 't' },
		{ "weights", required_argument, NULL, 'w' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "monitor", no_argument, NULL, 'm' },
		{ "multiprogram", no_argument, NULL, 'M' },
		{ "devices", required_argument, NULL, 'D' },
		{ "workers", required_argument, NULL, 'W' },
		{ "seed", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *weights = "1,1,2,2,4,4,8,8";
	uint32_t w[16], nw = 0, jobs = 0;
	struct bench_mp_opts mp = {
		.devices = "heavyhex:27,heavyhex:127", .tenants = 8, .workers = 8,
		.seed = 1,
	};
	bool tenants = false, monitor = false, multi = false, shots_set = false;
	struct bench b = { .gates = 50, .shots = 100, .ncirc = 512 };
	const char *path = NULL, *qubits = NULL, *csv = NULL;
	char *list, *tok, *save;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "d:q:g:s:n:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'q': qubits = optarg; break;
		case 'g': b.gates = strtoul(optarg, NULL, 0); break;
		case 's':
			b.shots = strtoul(optarg, NULL, 0);
			shots_set = true;
			break;
		case 'n': b.ncirc = strtoul(optarg, NULL, 0); break;
		case 'c': csv = optarg; break;
		case 't':
			/* --tenants T (a count, for --multiprogram) or --tenants=T */
			tenants = true;
			if (!optarg && optind < argc && isdigit((unsigned char)argv[optind][0]))
				optarg = argv[optind++];
			if (optarg)
				mp.tenants = strtoul(optarg, NULL, 0);
			break;
		case 'M': multi = true; break;
		case 'D': mp.devices = optarg; break;
		case 'W': mp.workers = strtoul(optarg, NULL, 0); break;
		case 'S': mp.seed = strtoull(optarg, NULL, 0); break;
		case 'm': monitor = true; break;
		case 'w': weights = optarg; break;
		case 'j': jobs = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: qpu-bench [-d DEV] [--qubits 4,8] "
				"[--gates G] [--shots S] [--circuits N] [--csv FILE]\n"
				"       qpu-bench [-d DEV] --tenants [--weights "
				"1,1,2,2,4,4,8,8] [--jobs N]\n"
				"       qpu-bench [-d DEV] --monitor [--qubits Q] "
				"[--gates G] [--shots S] [--jobs N]\n"
				"       qpu-bench --multiprogram [--devices SPEC,...] "
				"[--jobs N] [--tenants T] [--workers W] [--shots S] "
				"[--seed S]\n");
			return 2;
		}
	}
	if (multi) {
		mp.jobs = jobs ?: 200;
		mp.shots = shots_set ? b.shots : 500;
		return bench_multiprogram(&mp) ? 1 : 0;
	}
	if (monitor) {
		qubits = qubits ?: "4";
		b.nq = strtoul(qubits, NULL, 0);
		if (!strchr(qubits, ',') && b.nq && b.gates && b.shots)
			return bench_monitor(path, b.nq, b.gates, b.shots,
					     jobs ?: 256) ? 1 : 0;
		fprintf(stderr, "qpu-bench: --monitor takes one qubit count and "
			"gates, shots, jobs > 0\n");
		return 2;
	}
	if (tenants) {
		jobs = jobs ?: 16000;
		list = strdup(weights);
		for (tok = strtok_r(list, ",", &save); tok && nw < 16;
		     tok = strtok_r(NULL, ",", &save))
			w[nw++] = strtoul(tok, NULL, 0);
		free(list);
		for (c = 0; c < (int)nw; c++)
			if (w[c] < QPU_WEIGHT_MIN || w[c] > QPU_WEIGHT_MAX)
				nw = 0;
		if (!nw) {
			fprintf(stderr, "qpu-bench: --weights takes 1 to 16 weights "
				"of %u..%u, --jobs a count > 0\n", QPU_WEIGHT_MIN,
				QPU_WEIGHT_MAX);
			return 2;
		}
		if (bench_tenants(path, w, nw, jobs)) {
			fprintf(stderr, "qpu-bench: --tenants needs root, cgroup2 at "
				"/sys/fs/cgroup, debugfs and the qpu netlink family\n");
			return 1;
		}
		return 0;
	}
	if (!b.gates || !b.shots || !b.ncirc) {
		fprintf(stderr, "qpu-bench: gates, shots and circuits must be > 0\n");
		return 2;
	}
	if (qpu_open(path, &b.dev)) {
		fprintf(stderr, "qpu-bench: cannot open %s\n", path ? path : "/dev/qpu0");
		return 1;
	}
	if (csv) {
		b.csv = fopen(csv, "w");
		if (b.csv)
			fprintf(b.csv, "method,qubits,gates,shots,us_per_circuit,"
				"circuits_per_s,ratio_to_inproc\n");
	}
	printf("%-10s %6s %6s %6s %12s %12s %8s\n", "method", "qubits", "gates",
	       "shots", "us/circuit", "circuits/s", "x inproc");
	list = strdup(qubits ?: "4,8");
	for (tok = strtok_r(list, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		b.nq = strtoul(tok, NULL, 0);
		if (bench_size(&b)) {
			fprintf(stderr, "qpu-bench: %u qubits: %s\n", b.nq,
				qpu_errmsg(b.dev));
			ret = 1;
		}
	}
	free(list);
	if (b.csv)
		fclose(b.csv);
	qpu_close(b.dev);
	return ret;
}
