// SPDX-License-Identifier: GPL-2.0
/*
 * monitor.c - qpu-bench --monitor: what the monitoring hook costs
 * (kmod/qpu_bpf.c, Documentation/qpu/monitor.rst).
 *
 * The same small job (4 qubits, 50 gates, 100 shots by default) under
 * three policies: none attached, an empty one (tools/qpu-bench/empty.bpf.c:
 * the hook's own cost), and qpu-monitor's with every shipped rule at
 * "log" (tools/qpu-monitor/qpu_monitor.bpf.c). For each it measures
 *   load    QPU_IOC_CIRCUIT_LOAD of the circuit, ns per call
 *   submit  the io_uring submission of a batch of 64 jobs, ns per job
 *   job     the whole job through io_uring (submit, run, complete), ns
 * The policies take turns over several rounds and each figure is the
 * median of its rounds, so a drift of the machine (TCG in the VM) does
 * not favour one. The last line is the overhead of every rule on a small
 * job through io_uring: "monitor: overhead X % with all rules". Figures
 * only: nothing here passes or fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libqpu.h>

#include "bench.h"
#include "monitor.h"
#include "qpu_policy.h"

extern const char empty_bpf[], empty_bpf_end[];
extern const char qpu_monitor_bpf[], qpu_monitor_bpf_end[];

#define MON_BATCH	64
#define MON_ROUNDS	5
#define MON_LOADS	64

enum { CFG_NONE, CFG_EMPTY, CFG_ALL, NR_CFG };

static const char *const cfg_names[NR_CFG] = { "none", "empty", "all-rules" };

struct mon_fig {
	double load_ns[MON_ROUNDS];
	double submit_ns[MON_ROUNDS];
	double job_ns[MON_ROUNDS];
};

struct mon_bench {
	struct qpu_dev *dev;
	struct qpu_qubits *q;
	struct qpu_circuit *c;
	struct qpu_loaded l;
	struct qpu_buffer *params;
	struct qpu_buffer *results;
	size_t slice;
	uint32_t shots, jobs;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Attach policy @cfg (none: nothing); 0 or a negative errno. */
static int mon_attach(struct qpu_policy *p, int cfg)
{
	struct qpu_mon_cfg *mc;
	int err, r;

	if (cfg == CFG_NONE)
		return 0;
	err = cfg == CFG_EMPTY ?
	      qpu_policy_open(p, empty_bpf, empty_bpf_end - empty_bpf) :
	      qpu_policy_open(p, qpu_monitor_bpf,
			      qpu_monitor_bpf_end - qpu_monitor_bpf);
	if (err)
		return err;
	if (cfg == CFG_ALL) {
		mc = qpu_policy_data(p, ".rodata", NULL);
		if (!mc) {
			qpu_policy_close(p);
			return -ENOENT;
		}
		/* Every rule evaluated, at its default thresholds. */
		for (r = 1; r < QPU_MON_NR_RULES; r++)
			mc->rule[r].action = QPU_MON_LOG;
	}
	err = qpu_policy_attach(p);
	if (err) {
		fprintf(stderr, "qpu-bench: %s: %s\n", cfg_names[cfg],
			qpu_policy_error(p));
		qpu_policy_close(p);
	}
	return err;
}

/* ns per CIRCUIT_LOAD of the bench circuit (unloads are not timed). */
static double mon_loads(struct mon_bench *b)
{
	struct qpu_loaded l[MON_LOADS];
	double t0, t;
	uint32_t i, n;

	t0 = now_ns();
	for (n = 0; n < MON_LOADS; n++)
		if (qpu_circuit_load(b->dev, b->c, b->q, &l[n]))
			break;
	t = now_ns() - t0;
	for (i = 0; i < n; i++)
		qpu_circuit_unload(b->dev, l[i].handle);
	return n == MON_LOADS ? t / n : -1;
}

/* Jobs through io_uring in batches: *submit_ns and *job_ns per job. */
static int mon_jobs(struct mon_bench *b, double *submit_ns, double *job_ns)
{
	struct qpu_completion done[MON_BATCH];
	struct qpu_job_desc job;
	struct qpu_batch *batch;
	double t0, ts, sub = 0;
	uint32_t n = 0, i, j, k;
	int r = 0, ret = 0;

	if (qpu_batch_new(b->dev, MON_BATCH, 0, &batch) ||
	    !qpu_batch_uses_uring(batch))
		return -1;
	t0 = now_ns();
	while (n < b->jobs && !ret) {
		for (i = 0; i < MON_BATCH && n + i < b->jobs; i++) {
			memset(&job, 0, sizeof(job));
			job.circuit = b->l.handle;
			job.flags = QPU_RUN_SEED;
			job.seed = n + i + 1;
			job.shots = b->shots;
			job.param_buf = b->params->handle;
			job.result_buf = b->results->handle;
			job.result_offset = (uint64_t)i * b->slice;
			qpu_batch_add(batch, &job, i);
		}
		ts = now_ns();
		if (qpu_batch_submit(batch) < 0)
			ret = -1;
		sub += now_ns() - ts;
		for (k = 0; k < i && !ret; k += r) {
			r = qpu_batch_wait(batch, done, i - k, MON_BATCH);
			if (r <= 0) {
				ret = -1;
				break;
			}
			for (j = 0; j < (uint32_t)r; j++)
				if (done[j].status)
					ret = -1;
		}
		n += i;
	}
	*job_ns = (now_ns() - t0) / b->jobs;
	*submit_ns = sub / b->jobs;
	qpu_batch_free(batch);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MON_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int mon_setup(struct mon_bench *b, uint32_t nq, uint32_t gates)
{
	uint32_t i;

	if (qpu_alloc_qubits(b->dev, nq, &b->q))
		return -1;
	b->c = bench_circuit(b->q, nq, gates);
	if (!b->c || qpu_circuit_load(b->dev, b->c, b->q, &b->l))
		return -1;
	b->slice = qpu_result_size(nq, b->shots, 0);
	if (qpu_buffer_new(b->dev, 64 * sizeof(double), &b->params) ||
	    qpu_buffer_new(b->dev, b->slice * MON_BATCH, &b->results))
		return -1;
	for (i = 0; i < 64; i++)
		((double *)b->params->ptr)[i] = 0.01 * i;
	return 0;
}

/**
 * bench_monitor() - the cost of the monitoring hook
 * @dev: device path, NULL for /dev/qpu0
 * @nq: qubits of the job
 * @gates: gates of its circuit
 * @shots: shots per job
 * @jobs: jobs per policy and round
 *
 * Return: 0, or -1 (with a message) if a policy could not be attached or
 * the device failed.
 */
int bench_monitor(const char *dev, uint32_t nq, uint32_t gates,
		  uint32_t shots, uint32_t jobs)
{
	struct mon_bench b = { .shots = shots, .jobs = jobs };
	struct mon_fig fig[NR_CFG];
	double load[NR_CFG], sub[NR_CFG], job[NR_CFG];
	struct qpu_policy p;
	int round, cfg, ret = -1;

	qpu_policy_quiet(1);
	if (qpu_open(dev, &b.dev)) {
		fprintf(stderr, "qpu-bench: cannot open %s\n",
			dev ? dev : "/dev/qpu0");
		return -1;
	}
	if (mon_setup(&b, nq, gates)) {
		fprintf(stderr, "qpu-bench: %s\n", qpu_errmsg(b.dev));
		goto out;
	}
	for (round = 0; round < MON_ROUNDS; round++) {
		for (cfg = 0; cfg < NR_CFG; cfg++) {
			if (mon_attach(&p, cfg))
				goto out;
			fig[cfg].load_ns[round] = mon_loads(&b);
			if (mon_jobs(&b, &fig[cfg].submit_ns[round],
				     &fig[cfg].job_ns[round]) ||
			    fig[cfg].load_ns[round] < 0) {
				fprintf(stderr, "qpu-bench: %s: %s\n",
					cfg_names[cfg], qpu_errmsg(b.dev));
				if (cfg != CFG_NONE)
					qpu_policy_close(&p);
				goto out;
			}
			if (cfg != CFG_NONE)
				qpu_policy_close(&p);
		}
	}
	printf("monitor: %u qubits, %u gates, %u shots, %u jobs x %d rounds "
	       "per policy (medians)\n", nq, gates, shots, jobs, MON_ROUNDS);
	printf("monitor: %-10s %14s %16s %14s %8s %8s\n", "policy",
	       "load ns/call", "submit ns/job", "job ns/job", "x load",
	       "x job");
	for (cfg = 0; cfg < NR_CFG; cfg++) {
		load[cfg] = median(fig[cfg].load_ns, MON_ROUNDS);
		sub[cfg] = median(fig[cfg].submit_ns, MON_ROUNDS);
		job[cfg] = median(fig[cfg].job_ns, MON_ROUNDS);
		printf("monitor: %-10s %14.0f %16.0f %14.0f %8.3f %8.3f\n",
		       cfg_names[cfg], load[cfg], sub[cfg], job[cfg],
		       load[cfg] / load[CFG_NONE], job[cfg] / job[CFG_NONE]);
	}
	printf("monitor: overhead %.1f %% with all rules\n",
	       100.0 * (job[CFG_ALL] / job[CFG_NONE] - 1.0));
	ret = 0;
out:
	if (b.results)
		qpu_buffer_free(b.dev, b.results);
	if (b.params)
		qpu_buffer_free(b.dev, b.params);
	if (b.l.handle)
		qpu_circuit_unload(b.dev, b.l.handle);
	qpu_circuit_free(b.c);
	if (b.q)
		qpu_free_qubits(b.dev, b.q);
	qpu_close(b.dev);
	return ret;
}
