// SPDX-License-Identifier: GPL-2.0
/*
 * tenants.c - qpu-bench --tenants: how the device is shared between
 * tenants (cgroups). Figures only: nothing here passes or fails.
 *
 *  1. Shares: one flooding process per tenant, in its own cgroup under
 *     /sys/fs/cgroup/qpu-bench with the weights given (default
 *     1,1,2,2,4,4,8,8), keeps its queue full until --jobs jobs completed
 *     in all; an interactive tenant (latency=interactive, default weight)
 *     submits one job at a time meanwhile. Over the window in which every
 *     flooder was backlogged, each tenant's share of the modelled device
 *     time is set against its entitlement (weight / sum of weights); the
 *     interactive tenant's waits (start - submission) give p50 and p99.
 *  2. Cost: submit (the SUBMIT ioctl, timed here) and pick (the
 *     executors', from /sys/kernel/debug/qpu/sched_stats) at 10 and at
 *     100 000 queued jobs, spread over as many files as QPU_MAX_JOBS
 *     needs.
 *  3. Flood: one tenant queues 65 536 jobs on 4 files; another tenant's
 *     single job is timed from submission to completion, and also on an
 *     idle device.
 *
 * The last line reads: "tenants: share error X %, interactive p99 wait
 * Y ms, submit A ns and pick P ns at 10, submit B ns and pick Q ns at
 * 100000 queued".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libqpu.h>

#include "bench.h"
#include "qpu_nl.h"

#define CG_BASE		BENCH_CG_BASE
#define MAX_TENANTS	16
#define LANES		2	/* allocations per flooding tenant */
#define INFLIGHT	1024	/* jobs each flooder keeps queued: none runs dry */
#define MAX_SAMPLES	200000
#define COST_DEPTH	100000
#define FLOOD_JOBS	65536
#define FLOOD_FILES	4

/* What the children report, in memory shared with the parent. */
struct sample {
	uint64_t submit_ns;
	uint64_t start_ns;
	uint64_t qpu_ns;
};

struct tenant_log {
	uint32_t n;
	struct sample s[MAX_SAMPLES / MAX_TENANTS];
};

struct shared {
	volatile uint32_t done;		/* jobs completed by all flooders */
	volatile uint32_t stop;
	struct tenant_log log[MAX_TENANTS + 1];	/* the last: interactive */
};

/** struct rig - a file with @lanes one-qubit allocations, a circuit on each */
struct rig {
	struct qpu_dev *dev;
	uint32_t lanes;
	struct qpu_qubits *q[LANES];
	struct qpu_loaded l[LANES];
	struct qpu_buffer *res;
	size_t slice;
	uint32_t slots;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A file with @lanes allocations of one qubit, each with @gates H gates. */
static int rig_open(struct rig *r, const char *path, uint32_t lanes,
		    uint32_t slots, uint32_t gates)
{
	struct qpu_circuit *c;
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->lanes = lanes;
	r->slots = slots;
	if (qpu_open(path, &r->dev))
		return -1;
	c = qpu_circuit_new(1, 1);
	for (i = 0; c && i < gates; i++)
		if (qpu_circuit_h(c, 0))
			return -1;
	if (!c || qpu_circuit_measure(c, 0, 0))
		return -1;
	for (i = 0; i < lanes; i++)
		if (qpu_alloc_qubits(r->dev, 1, &r->q[i]) ||
		    qpu_circuit_load(r->dev, c, r->q[i], &r->l[i]))
			return -1;
	qpu_circuit_free(c);
	r->slice = qpu_result_size(1, 1, 0);
	return qpu_buffer_new(r->dev, r->slice * slots, &r->res);
}

static void rig_close(struct rig *r)
{
	qpu_close(r->dev);	/* cancels what is queued, frees the rest */
}

static int rig_submit(struct rig *r, uint32_t i, uint32_t *id)
{
	struct qpu_submit s;

	memset(&s, 0, sizeof(s));
	s.job.circuit = r->l[i % r->lanes].handle;
	s.job.shots = 1;
	s.job.result_buf = r->res->handle;
	s.job.result_offset = (uint64_t)(i % r->slots) * r->slice;
	if (ioctl(qpu_fd(r->dev), QPU_IOC_SUBMIT, &s))
		return -errno;
	*id = s.job_id;
	return 0;
}

/* Reap one job (@id, or any if 0) into @w. */
static int rig_wait(struct rig *r, uint32_t id, struct qpu_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->flags = id ? 0 : QPU_WAIT_ANY;
	w->job_id = id;
	w->timeout_ns = -1;
	return ioctl(qpu_fd(r->dev), QPU_IOC_WAIT, w) ? -errno : 0;
}

/**
 * bench_tenant_set() - TENANT_SET @cfg for the cgroup at @path on device
 *	@dev_id
 * Return: 0 or -errno.
 */
int bench_tenant_set(uint32_t dev_id, const char *path,
		     const struct qpu_nl_limits *cfg)
{
	struct stat st;
	struct qpu_nl *t;
	int ret;

	if (stat(path, &st))
		return -errno;
	t = qpu_nl_open();
	if (!t)
		return -errno;
	/* On cgroup2 a directory's inode number is the cgroup id. */
	ret = qpu_nl_tenant_set(t, dev_id, st.st_ino, cfg);
	qpu_nl_close(t);
	return ret;
}

/* Weight and latency class of the cgroup at @path on device @dev_id. */
static int bench_tenant_config(uint32_t dev_id, const char *path,
			       uint32_t weight, bool interactive)
{
	struct qpu_nl_limits cfg = {
		.set = QPU_NL_WEIGHT | QPU_NL_LATENCY,
		.weight = weight,
		.latency = interactive ? QPU_LATENCY_INTERACTIVE :
					 QPU_LATENCY_BATCH,
	};

	return bench_tenant_set(dev_id, path, &cfg);
}

/**
 * bench_cgroup_make() - make the cgroup CG_BASE/@name (and CG_BASE)
 * @name: leaf name
 * @path: receives its path
 * @len: room at @path
 * Return: 0 or -errno.
 */
int bench_cgroup_make(const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", CG_BASE, name);
	if (mkdir(CG_BASE, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* @text into the file @path (cgroupfs, sysfs): 0 or -errno. */
int bench_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

/* Move the calling process into the cgroup at @path: 0 or -errno. */
int bench_cgroup_join(const char *path)
{
	char procs[300], pid[24];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	return bench_write_text(procs, pid);
}

static void log_add(struct tenant_log *log, const struct qpu_wait *w)
{
	if (log->n < MAX_SAMPLES / MAX_TENANTS) {
		log->s[log->n].submit_ns = w->submit_ns;
		log->s[log->n].start_ns = w->start_ns;
		log->s[log->n].qpu_ns = w->qpu_ns;
		log->n++;
	}
}

/* A flooder: keeps INFLIGHT jobs queued until told to stop. */
static void flooder(const char *dev, struct shared *sh, uint32_t t,
		    uint32_t jobs)
{
	struct qpu_wait w;
	struct rig r;
	uint32_t i = 0, id, inflight = 0;

	if (rig_open(&r, dev, LANES, INFLIGHT, 1))
		_exit(1);
	while (!sh->stop) {
		while (inflight < INFLIGHT && !rig_submit(&r, i, &id)) {
			i++;
			inflight++;
		}
		if (rig_wait(&r, 0, &w))
			_exit(1);
		inflight--;
		log_add(&sh->log[t], &w);
		if (__atomic_add_fetch(&sh->done, 1, __ATOMIC_RELAXED) >= jobs)
			sh->stop = 1;
	}
	rig_close(&r);
	_exit(0);
}

/* The interactive tenant: one job at a time, a pause between. */
static void interactive(const char *dev, struct shared *sh, uint32_t t)
{
	struct timespec pause = { 0, 2 * 1000 * 1000 };
	struct qpu_wait w;
	struct rig r;
	uint32_t i = 0, id;

	if (rig_open(&r, dev, 1, 1, 1))
		_exit(1);
	while (!sh->stop) {
		if (rig_submit(&r, i++, &id) || rig_wait(&r, id, &w))
			_exit(1);
		log_add(&sh->log[t], &w);
		nanosleep(&pause, NULL);
	}
	rig_close(&r);
	_exit(0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/**
 * bench_percentile() - the @p quantile (0..1) of @v[0..@n), sorting @v
 * Return: it, or 0 for no values.
 */
double bench_percentile(uint64_t *v, uint32_t n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(uint32_t)(p * (n - 1))];
}

/* Part 1: shares and interactive waits; returns the largest error in %. */
static int bench_shares(const char *dev, uint32_t dev_id,
			const uint32_t *weights, uint32_t nt, uint32_t jobs,
			double *err_pct, double *p99_ms)
{
	struct shared *sh;
	uint64_t lo = 0, hi = UINT64_MAX, dev_ns[MAX_TENANTS] = { 0 }, total = 0;
	uint64_t *waits;
	uint32_t t, i, nw = 0, wsum = 0, nwin = 0;
	char path[256], name[32];
	pid_t pids[MAX_TENANTS + 1];
	int status;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	memset(sh, 0, sizeof(*sh));
	for (t = 0; t <= nt; t++) {
		snprintf(name, sizeof(name), t < nt ? "t%u" : "interactive", t);
		if (bench_cgroup_make(name, path, sizeof(path)) ||
		    bench_tenant_config(dev_id, path,
					t < nt ? weights[t] : QPU_WEIGHT_DEFAULT,
					t == nt)) {
			fprintf(stderr, "qpu-bench: cannot set up cgroup %s\n", path);
			return -1;
		}
		pids[t] = fork();
		if (pids[t] < 0)
			return -1;
		if (!pids[t]) {
			if (bench_cgroup_join(path))
				_exit(1);
			if (t < nt)
				flooder(dev, sh, t, jobs);
			interactive(dev, sh, t);
		}
	}
	for (t = 0; t <= nt; t++) {
		waitpid(pids[t], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fprintf(stderr, "qpu-bench: tenant %u failed\n", t);
	}

	/* The window in which every flooder had work queued. */
	for (t = 0; t < nt; t++) {
		struct tenant_log *log = &sh->log[t];

		if (!log->n)
			return -1;
		lo = log->s[0].start_ns > lo ? log->s[0].start_ns : lo;
		hi = log->s[log->n - 1].start_ns < hi ?
		     log->s[log->n - 1].start_ns : hi;
		wsum += weights[t];
	}
	for (t = 0; t < nt; t++)
		for (i = 0; i < sh->log[t].n; i++)
			if (sh->log[t].s[i].start_ns >= lo &&
			    sh->log[t].s[i].start_ns <= hi) {
				dev_ns[t] += sh->log[t].s[i].qpu_ns;
				total += sh->log[t].s[i].qpu_ns;
				nwin++;
			}
	printf("%-12s %7s %10s %10s %9s\n", "tenant", "weight", "share %",
	       "entitled %", "error %");
	*err_pct = 0;
	for (t = 0; t < nt; t++) {
		double share = total ? 100.0 * dev_ns[t] / total : 0;
		double ent = 100.0 * weights[t] / wsum;
		double err = ent ? 100.0 * (share - ent) / ent : 0;

		if (err < 0)
			err = -err;
		if (err > *err_pct)
			*err_pct = err;
		printf("t%-11u %7u %10.2f %10.2f %9.2f\n", t, weights[t], share,
		       ent, err);
	}
	waits = calloc(sh->log[nt].n + 1, sizeof(*waits));
	for (i = 0; waits && i < sh->log[nt].n; i++)
		if (sh->log[nt].s[i].start_ns >= lo &&
		    sh->log[nt].s[i].start_ns <= hi)
			waits[nw++] = sh->log[nt].s[i].start_ns -
				      sh->log[nt].s[i].submit_ns;
	printf("window %.1f ms, %u jobs, %llu ns of device time; interactive: "
	       "%u jobs, wait p50 %.3f ms p99 %.3f ms\n", (hi - lo) / 1e6, nwin,
	       (unsigned long long)total, nw,
	       waits ? bench_percentile(waits, nw, 0.5) / 1e6 : 0,
	       waits ? bench_percentile(waits, nw, 0.99) / 1e6 : 0);
	*p99_ms = waits ? bench_percentile(waits, nw, 0.99) / 1e6 : 0;
	free(waits);
	munmap(sh, sizeof(*sh));
	return 0;
}

static int read_pick_stats(uint64_t *picks, uint64_t *ns)
{
	FILE *f = fopen("/sys/kernel/debug/qpu/sched_stats", "r");
	unsigned long long p = 0, n = 0;
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "picks %llu pick_ns %llu", &p, &n) == 2;
	fclose(f);
	*picks = p;
	*ns = n;
	return ok ? 0 : -1;
}

/* sysfs "paused" of device @dev_id. */
static int set_paused(uint32_t dev_id, bool paused)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/qpu/qpu%u/paused", dev_id);
	return bench_write_text(path, paused ? "1\n" : "0\n");
}

/* Jobs queued on device @dev_id now (DEV_GET), or -1. */
static long queued_now(uint32_t dev_id)
{
	struct qpu_nl *t = qpu_nl_open();
	struct qpu_nl_dev d;
	long n = -1;

	if (t && !qpu_nl_dev_get(t, dev_id, &d))
		n = d.jobs_queued;
	if (t)
		qpu_nl_close(t);
	return n;
}

/*
 * Part 2 at one depth: with the device paused, queue @depth jobs over as
 * many files as QPU_MAX_JOBS needs, timing the last 1000 submissions (or
 * all, if fewer); then resume it and time the executors' picks for up to
 * 200 ms, from that depth on (the depth reached is reported). Shallow
 * queues are measured over rounds, 1000 submissions and picks in all.
 */
static int bench_cost(const char *dev, uint32_t dev_id, uint32_t depth,
		      double *submit_ns, double *pick_ns, long *deep)
{
	uint32_t nfiles = (depth + QPU_MAX_JOBS - 1) / QPU_MAX_JOBS, f, i, id;
	uint32_t timed = depth < 1000 ? depth : 1000, round, rounds;
	struct timespec window = { 0, 200 * 1000 * 1000 };
	uint64_t p0, n0, p1 = 0, n1 = 0, t0, sub = 0, picks = 0, pns = 0;
	struct rig *r = calloc(nfiles, sizeof(*r));
	int ret = 0;

	if (!r)
		return -1;
	rounds = depth < 1000 ? 1000 / depth : 1;
	for (f = 0; f < nfiles && !ret; f++)
		ret = rig_open(&r[f], dev, 1, 64, 1);
	for (round = 0; round < rounds && !ret; round++) {
		/* Paused, the queue only grows, and no executor takes the CPU. */
		ret = set_paused(dev_id, true);
		for (i = 0, t0 = mono_ns(); i < depth && !ret; i++) {
			if (i == depth - timed)
				t0 = mono_ns();
			ret = rig_submit(&r[i / QPU_MAX_JOBS], i, &id);
		}
		sub += mono_ns() - t0;
		*deep = queued_now(dev_id);
		if (!ret)
			ret = read_pick_stats(&p0, &n0);
		set_paused(dev_id, false);
		if (!ret) {
			nanosleep(&window, NULL);
			ret = read_pick_stats(&p1, &n1);
		}
		picks += p1 - p0;
		pns += n1 - n0;
		/* Reap what completed, so the next round starts from zero. */
		for (i = 0; rounds > 1 && i < depth && !ret; i++) {
			struct qpu_wait w;

			ret = rig_wait(&r[0], 0, &w);
		}
	}
	*submit_ns = (double)sub / ((double)timed * rounds);
	*pick_ns = picks ? (double)pns / picks : 0;
	for (f = 0; f < nfiles; f++)
		if (r[f].dev)
			rig_close(&r[f]);
	free(r);
	return ret;
}

/* Part 3: a victim tenant's single job, on an idle device and in a flood. */
static int bench_flood(const char *dev)
{
	struct rig flood[FLOOD_FILES], v;
	double ms[2] = { 0, 0 };
	int up[2], down[2], status;
	struct qpu_wait w;
	char path[256], c;
	uint32_t i, id;
	pid_t pid;

	if (bench_cgroup_make("victim", path, sizeof(path)) || pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		/* The victim: ready before the flood, in its own cgroup. */
		uint64_t t0;

		if (bench_cgroup_join(path) || rig_open(&v, dev, 1, 2, 1))
			_exit(1);
		t0 = mono_ns();
		if (rig_submit(&v, 0, &id) || rig_wait(&v, id, &w))
			_exit(1);
		ms[0] = (mono_ns() - t0) / 1e6;
		if (write(up[1], "r", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		t0 = mono_ns();
		if (rig_submit(&v, 1, &id) || rig_wait(&v, id, &w))
			_exit(1);
		ms[1] = (mono_ns() - t0) / 1e6;
		_exit(write(up[1], ms, sizeof(ms)) != sizeof(ms));
	}
	if (read(up[0], &c, 1) != 1)
		return -1;
	for (i = 0; i < FLOOD_FILES; i++)
		if (rig_open(&flood[i], dev, LANES, 64, 1))
			return -1;
	for (i = 0; i < FLOOD_JOBS; i++)
		if (rig_submit(&flood[i % FLOOD_FILES], i, &id))
			return -1;
	if (write(down[1], "g", 1) != 1 ||
	    read(up[0], ms, sizeof(ms)) != sizeof(ms))
		return -1;
	waitpid(pid, &status, 0);
	printf("flood: another tenant's job took %.3f ms with %u jobs of the "
	       "flooder queued on %u files (%.3f ms on an idle device)\n",
	       ms[1], FLOOD_JOBS, FLOOD_FILES, ms[0]);
	for (i = 0; i < FLOOD_FILES; i++)
		rig_close(&flood[i]);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	return 0;
}

/* Forget the limits set on the benchmark's cgroups and remove them. */
static void bench_cleanup(uint32_t dev_id, uint32_t nt)
{
	char path[256], name[32];
	struct stat st;
	struct qpu_nl *t = qpu_nl_open();
	uint32_t i;

	bench_cgroup_join("/sys/fs/cgroup");
	for (i = 0; i <= nt + 2; i++) {
		snprintf(name, sizeof(name), i < nt ? "t%u" : i == nt ?
			 "interactive" : i == nt + 1 ? "victim" : "bench", i);
		snprintf(path, sizeof(path), "%s/%s", CG_BASE, name);
		if (t && !stat(path, &st))
			qpu_nl_tenant_del(t, dev_id, st.st_ino);
		rmdir(path);
	}
	rmdir(CG_BASE);
	if (t)
		qpu_nl_close(t);
}

/**
 * bench_tenants() - qpu-bench --tenants
 * @dev: device path, or NULL for /dev/qpu0
 * @weights: weights of the flooding tenants
 * @nt: how many
 * @jobs: jobs the flooders complete in all
 *
 * Return: 0, or -1 if the workload could not be set up (needs root,
 * cgroup2 at /sys/fs/cgroup and debugfs).
 */
int bench_tenants(const char *dev, const uint32_t *weights, uint32_t nt,
		  uint32_t jobs)
{
	double err = 0, p99 = 0, s10 = 0, k10 = 0, sbig = 0, kbig = 0;
	long d10 = 0, dbig = 0;
	uint32_t dev_id = 0;
	char self[256];

	if (nt > MAX_TENANTS || !nt)
		return -1;
	if (dev && sscanf(dev, "/dev/qpu%u", &dev_id) != 1)
		return -1;
	/* The parent runs from a leaf of its own: cgroup v2 keeps tasks in leaves. */
	if (bench_cgroup_make("bench", self, sizeof(self)) || bench_cgroup_join(self))
		return -1;
	if (bench_shares(dev, dev_id, weights, nt, jobs, &err, &p99))
		return -1;
	if (bench_cost(dev, dev_id, 10, &s10, &k10, &d10) ||
	    bench_cost(dev, dev_id, COST_DEPTH, &sbig, &kbig, &dbig))
		return -1;
	printf("cost: submit %.0f ns, pick %.0f ns at 10 queued (%ld when "
	       "picks were timed); submit %.0f ns, pick %.0f ns at %u queued "
	       "(%ld)\n", s10, k10, d10, sbig, kbig, COST_DEPTH, dbig);
	if (bench_flood(dev))
		return -1;
	bench_cleanup(dev_id, nt);
	printf("tenants: share error %.1f %%, interactive p99 wait %.1f ms, "
	       "submit %.0f ns and pick %.0f ns at 10, submit %.0f ns and pick "
	       "%.0f ns at %u queued\n", err, p99, s10, k10, sbig, kbig,
	       COST_DEPTH);
	return 0;
}
