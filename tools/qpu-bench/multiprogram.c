// SPDX-License-Identifier: GPL-2.0
/*
 * multiprogram.c - qpu-bench --multiprogram: what running several
 * tenants' small circuits side by side buys in waiting time, and what it
 * costs in fidelity. Figures only: nothing here passes or fails on them
 * (a job that cannot be placed, loaded or run is an error, exit 1).
 *
 * For each device spec of --devices (default heavyhex:27,heavyhex:127) a
 * device is created through /sys/class/qpu/new_device, set to noise
 * "calibrated", and the same workload runs under four policies:
 *   (a) exclusive FIFO: workers 1 (one job on the device at a time),
 *       placement "fidelity", tenants' isolation shared;
 *   (b) multiprogramming, noise-unaware: workers W (--workers, default 8),
 *       placement "compact", isolation shared;
 *   (c) multiprogramming, fidelity- and crosstalk-aware: workers W,
 *       placement "fidelity" with the circuit's interaction graph as
 *       placement hint (mp_region(): the circuit's interaction graph,
 *       qpu_alloc_qubits_hint()), tenants' isolation "guard", and the
 *       scheduler's crosstalk rule (below) with the kernel's head-of-line
 *       hold ("hold");
 *   (c') as (c) with the weaker "skip" variant of the rule, for comparison.
 * The workload: --jobs jobs, all arriving at once, drawn (seeded) from 20
 * circuits of 3 to 10 qubits whose two-qubit gates follow a path 0-1-..:
 * GHZ 3-10, a QFT round trip (basis state, QFT, inverse QFT, routed on
 * the path with SWAPs) 3-5, a VQE-shaped hardware-efficient ansatz 4-8
 * and a QAOA MaxCut layer on the path 3-6. Job i belongs to tenant i mod
 * T (--tenants): a child process in its own cgroup under BENCH_CG_BASE
 * that allocates, loads, submits (QPU_IOC_SUBMIT) and frees for its jobs
 * when the parent asks it to. Job seeds are the same in every policy.
 *
 * Time: the simulator is not paced to the device it models (a job takes
 * what the CPU needs, and under TCG every executor shares one host
 * thread), so wall-clock waits would measure the simulator, not the
 * policies. The parent therefore schedules in modelled device time
 * (qpu_ns: shots x qc_circuit_shot_ns(), Documentation/qpu/timing.rst)
 * as a discrete-event loop whose placements, loads and runs are the
 * kernel's: at each event it offers the pending jobs in arrival order
 * (exclusive: only the first; multiprogrammed: up to MP_SCAN, skipping
 * those the allocator cannot place now) while fewer than W run; a placed
 * job holds its qubits until its modelled end, so the allocator sees the
 * modelled occupancy. At its end the job runs on the device with
 * %QPU_RUN_CROSSTALK: the crosstalk schedule its modelled neighbours gave
 * it (qubits coupled to a qubit of another running allocation, changes
 * at the shot they happen), which is what the kernel applies to jobs
 * that really run side by side. The figures are deterministic: the same
 * seed gives the same table.
 *
 * The crosstalk rule (Documentation/qpu/noise.rst, qpu_noise_may_start()):
 * in (c) and (c'), a placed job whose load said crosstalk would cost it
 * more than the device's crosstalk_defer_ppm (read from sysfs; its
 * qpu_loaded.xt_loss_ppm) and one of whose qubits is coupled to a qubit of
 * a running job does not start: its placement is given back and it stays
 * pending. "hold" (c) then offers nothing after it at this event, as the
 * kernel's pick stays put on a held job; "skip" (c') offers the later
 * jobs. Unlike the kernel, a held job does not keep its qubits while it
 * waits (it is placed again at the next event, perhaps elsewhere).
 *
 * Placement without a hint: the allocator hands out a connected region,
 * which on heavy-hex often has no path through all its qubits; then the
 * tenant asks for a region up to MP_GROW qubits larger, lays the path out
 * in it (qpu_circuit_layout()), gives the region back and takes exactly
 * the path's qubits (QPU_ALLOC_EXACT). "trim%" counts those jobs.
 *
 * Figures per policy: wait (arrival to start, modelled ms) mean and p95,
 * throughput (jobs per modelled second), mean fidelity, the mean ESP the
 * loads returned, "xt%" (jobs that received crosstalk), "trim%", the
 * rule the policy models ("-", "hold" or "skip"), "held%" (jobs the rule
 * held back at least once) and "holds" (times it did), and the wall time
 * the policy took here. Fidelity is the Hellinger fidelity
 * (sum_x sqrt(p_x q_x))^2 of the job's counts p to the circuit's exact
 * ideal distribution q, computed once per circuit with the simulator
 * core. With finite shots F < 1 even on an ideal device (a bias common
 * to the three policies, larger for circuits with spread-out outputs).
 * The last lines per device: "multiprogram DEVICE: wait ratio X, fidelity
 * loss Y %, aware gain Z %" (X = mean wait (a)/(c), Y = F(a) - F(c) and
 * Z = F(c) - F(b) in percentage points), and "multiprogram DEVICE:
 * crosstalk rule hold: held H %, wait ratio X, fidelity loss Y %; skip:
 * ..." (the same figures for (c) and (c')).
 *
 * Every tunable touched (noise, placement, workers, crosstalk_ppm) is
 * restored and the devices and cgroups removed, also on errors.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <libqpu.h>

#include "bench.h"
#include "circuit.h"
#include "qpu_nl.h"
#include "sim.h"

#define MP_MAX_JOBS	4096
#define MP_MAX_TENANTS	16
#define MP_MAX_K	10	/* widest circuit */
#define MP_GROW		6	/* extra qubits a hint-less region may have */
#define MP_MAX_OPS	256	/* routed QFT operations */
#define MP_FIRST_ID	8	/* devices are created from /dev/qpu8 on */
#define MP_MAX_WORKERS	16	/* the kernel's QPU_MAX_WORKERS */
#define MP_SCAN		32	/* pending jobs offered per event */
#define MP_XT_OFFSET	64	/* the crosstalk schedule in the parameter buffer */
#define QPU_CLASS	"/sys/class/qpu"

enum mp_family { MP_GHZ, MP_QFT, MP_VQE, MP_QAOA, MP_NFAM };

static const char * const mp_fam_names[MP_NFAM] = { "ghz", "qft", "vqe", "qaoa" };

/* Widths of each family: [lo, hi]. */
static const uint32_t mp_widths[MP_NFAM][2] = {
	{ 3, 10 }, { 3, 5 }, { 4, 8 }, { 3, 6 },
};

/**
 * struct mp_tmpl - one circuit of the workload
 * @fam: enum mp_family
 * @k: width; two-qubit gates only on (i, i + 1)
 * @c: the circuit, qubit i measured into bit i
 * @ideal: 2^@k exact outcome probabilities
 */
struct mp_tmpl {
	uint32_t fam;
	uint32_t k;
	struct qpu_circuit *c;
	double *ideal;
};

/**
 * struct mp_policy - one scheduling policy
 * @name: its row in the table
 * @multi: workers W (else 1)
 * @placement: the "placement" tunable
 * @isolation: enum qpu_isolation of every tenant
 * @hint: allocate with the circuit's interaction graph as hint
 * @xt_rule: enum mp_xt_rule, the scheduler's crosstalk rule it models
 */
struct mp_policy {
	const char *name;
	bool multi;
	const char *placement;
	uint32_t isolation;
	bool hint;
	uint32_t xt_rule;
};

/*
 * The scheduler's crosstalk rule (qpu_noise_may_start()) in the loop: none;
 * the kernel's head-of-line hold (a held job stops the scan, as the
 * kernel's pick stays put); or the weaker variant that skips the held job
 * and offers the later ones.
 */
enum mp_xt_rule { MP_XT_NONE, MP_XT_HOLD, MP_XT_SKIP };

static const char * const mp_xt_names[3] = { "-", "hold", "skip" };

#define MP_NPOL		4

/* (c) is the policy the summary line weighs; (c') is its skip variant. */
static const struct mp_policy mp_policies[MP_NPOL] = {
	{ "(a) exclusive", false, "fidelity", QPU_ISOLATION_SHARED, true, MP_XT_NONE },
	{ "(b) compact", true, "compact", QPU_ISOLATION_SHARED, false, MP_XT_NONE },
	{ "(c) aware", true, "fidelity", QPU_ISOLATION_GUARD, true, MP_XT_HOLD },
	{ "(c') aware", true, "fidelity", QPU_ISOLATION_GUARD, true, MP_XT_SKIP },
};

enum { MP_PENDING, MP_RUNNING, MP_DONE };

/**
 * struct mp_job - one job of the workload on the modelled device
 * @tmpl: its circuit
 * @tenant: the tenant that submits it
 * @state: MP_PENDING, MP_RUNNING or MP_DONE
 * @dur: modelled duration, ns (shots x qc_circuit_shot_ns())
 * @start: modelled start, ns after the burst arrived
 * @end: @start + @dur
 * @phys: the physical qubit behind each circuit qubit
 * @cur: circuit qubits exposed to crosstalk now
 * @nseg: entries of @seg
 * @seg: the crosstalk schedule it received (%QPU_RUN_CROSSTALK)
 * @trimmed: its region was trimmed to the path (see the file comment)
 * @held: times the crosstalk rule held it back
 * @esp: the ESP its load returned
 * @fid: its Hellinger fidelity
 */
struct mp_job {
	uint32_t tmpl;
	uint32_t tenant;
	uint32_t state;
	uint64_t dur;
	uint64_t start;
	uint64_t end;
	uint16_t phys[MP_MAX_K];
	uint64_t cur;
	uint32_t nseg;
	struct qpu_xt_seg seg[QPU_MAX_XT_SEGS];
	uint32_t trimmed;
	uint32_t held;
	double esp;
	double fid;
};

enum { MP_PLACE, MP_RUN, MP_RELEASE, MP_QUIT };

/* A request to a tenant and its reply: one pipe write each (< PIPE_BUF). */
struct mp_msg {
	uint32_t op;		/* MP_PLACE, MP_RUN, MP_RELEASE or MP_QUIT */
	uint32_t job;
	int32_t ret;
	uint32_t trimmed;
	uint32_t xt_loss_ppm;	/* MP_PLACE: qpu_loaded.xt_loss_ppm */
	double esp;
	double fid;
	uint64_t qpu_ns;
	uint16_t phys[MP_MAX_K];
	uint32_t nseg;
	struct qpu_xt_seg seg[QPU_MAX_XT_SEGS];
};

/* One device under test. */
struct mp_dev {
	const char *spec;
	uint32_t id;
	char path[32];
	char sysdir[64];
	uint32_t nq;
	uint8_t *adj;		/* nq * nq: coupled */
	uint32_t defer_ppm;	/* sysfs crosstalk_defer_ppm */
	char saved[4][32];	/* tunables before the run */
};

static const char * const mp_tunables[4] = {
	"noise", "placement", "workers", "crosstalk_ppm",
};

/* Per policy, what the table shows. */
struct mp_stats {
	double wait, p95, tput;
	double fid, esp, trimmed, exposed, held, wall;
	uint32_t holds;
	double fam_fid[MP_NFAM];
};

static uint64_t mp_rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double mp_uniform(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (mp_rng(s) >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- the circuits ---------------------------------------------------------- */

static int mp_gate1(struct qpu_circuit *c, uint32_t op, uint32_t q, double th)
{
	struct qpu_angle a = qpu_const(th);

	return qpu_circuit_gate(c, op, 0, &q, 1, &a, 1);
}

/* @op on (@a, @b): nctrl 1 for a controlled gate, else two targets. */
static int mp_gate2(struct qpu_circuit *c, uint32_t op, uint32_t nctrl,
		    uint32_t a, uint32_t b, const double *th)
{
	uint32_t qs[2] = { a, b };
	struct qpu_angle an = qpu_const(th ? *th : 0);

	return qpu_circuit_gate(c, op, nctrl, qs, 2, th ? &an : NULL, th ? 1 : 0);
}

/* A routed operation of the QFT: H, controlled phase or SWAP on the path. */
struct mp_op {
	uint8_t op;
	uint8_t a;
	uint8_t b;
	double th;
};

/*
 * The QFT on @k qubits of a path: the textbook H and controlled-phase
 * sequence, each controlled phase between qubits that are not neighbours
 * preceded by SWAPs that bring them together. Returns the operations.
 */
static uint32_t mp_qft_ops(uint32_t k, struct mp_op *ops)
{
	uint32_t pos[MP_MAX_K], at[MP_MAX_K], n = 0, j, m, p, q, other;

	for (j = 0; j < k; j++)
		pos[j] = at[j] = j;
	for (j = 0; j < k; j++) {
		ops[n++] = (struct mp_op){ QPU_OP_H, pos[j], 0, 0 };
		for (m = j + 1; m < k; m++) {
			while (pos[m] > pos[j] + 1 || pos[m] + 1 < pos[j]) {
				p = pos[m];
				q = p > pos[j] ? p - 1 : p + 1;
				other = at[q];
				ops[n++] = (struct mp_op){ QPU_OP_SWAP, p, q, 0 };
				at[p] = other;
				pos[other] = p;
				at[q] = m;
				pos[m] = q;
			}
			ops[n++] = (struct mp_op){ QPU_OP_P, pos[m], pos[j],
						   M_PI / (1u << (m - j)) };
		}
	}
	return n;
}

static int mp_apply_op(struct qpu_circuit *c, const struct mp_op *o, double sign)
{
	double th = sign * o->th;

	if (o->op == QPU_OP_H)
		return qpu_circuit_h(c, o->a);
	if (o->op == QPU_OP_SWAP)
		return mp_gate2(c, QPU_OP_SWAP, 0, o->a, o->b, NULL);
	return mp_gate2(c, QPU_OP_P, 1, o->a, o->b, &th);
}

/* The gates of family @fam at width @k (no measurements). */
static int mp_build(struct qpu_circuit *c, uint32_t fam, uint32_t k, uint64_t seed)
{
	struct mp_op ops[MP_MAX_OPS];
	uint32_t i, l, n;
	double th;
	int ret = 0;

	switch (fam) {
	case MP_GHZ:
		ret = qpu_circuit_h(c, 0);
		for (i = 0; i + 1 < k && !ret; i++)
			ret = qpu_circuit_cx(c, i, i + 1);
		break;
	case MP_QFT:
		/* A basis state through the QFT and back: ideally that state. */
		for (i = 0; i < k && !ret; i++)
			if ((0x35u >> i) & 1)
				ret = qpu_circuit_x(c, i);
		n = mp_qft_ops(k, ops);
		for (i = 0; i < n && !ret; i++)
			ret = mp_apply_op(c, &ops[i], 1);
		for (i = n; i > 0 && !ret; i--)
			ret = mp_apply_op(c, &ops[i - 1], -1);
		break;
	case MP_VQE:
		for (l = 0; l < 3 && !ret; l++) {
			for (i = 0; i < k && !ret; i++)
				ret = mp_gate1(c, QPU_OP_RY, i,
					       mp_uniform(&seed, -M_PI / 3, M_PI / 3));
			for (i = 0; l < 2 && i + 1 < k && !ret; i++)
				ret = qpu_circuit_cx(c, i, i + 1);
		}
		break;
	case MP_QAOA:
		for (i = 0; i < k && !ret; i++)
			ret = qpu_circuit_h(c, i);
		th = 2 * 0.55;
		for (i = 0; i + 1 < k && !ret; i++)
			ret = mp_gate2(c, QPU_OP_RZZ, 0, i, i + 1, &th);
		for (i = 0; i < k && !ret; i++)
			ret = mp_gate1(c, QPU_OP_RX, i, 2 * 0.35);
		break;
	}
	return ret;
}

/* Exact outcome probabilities of @c (no measurements yet) into @p. */
static int mp_ideal(const struct qpu_circuit *c, double *p)
{
	struct qpu_count count;
	struct qc_circuit qc;
	struct qc_sim_job sj;
	struct qc_sim_out out;
	struct qc_sim *sim = NULL;
	const double *amp;
	uint32_t x, n = qpu_circuit_num_qubits(c);
	size_t size;
	void *arena;

	if (bench_core_circuit(c, &qc))
		return -1;
	sj = (struct qc_sim_job){ .circuit = &qc, .shots = 1, .seed = 1 };
	out = (struct qc_sim_out){ .counts = &count, .max_counts = 1 };
	size = qc_sim_mem_size(&sj);
	arena = size ? aligned_alloc(64, (size + 63) & ~(size_t)63) : NULL;
	if (arena)
		sim = bench_core_sim(arena, size, &sj, &out);
	if (sim) {
		amp = qc_sim_state(sim);
		for (x = 0; x < (1u << n); x++)
			p[x] = amp[2 * x] * amp[2 * x] + amp[2 * x + 1] * amp[2 * x + 1];
	}
	free(arena);
	return sim ? 0 : -1;
}

static void mp_free_tmpls(struct mp_tmpl *t, uint32_t n)
{
	uint32_t i;

	for (i = 0; t && i < n; i++) {
		qpu_circuit_free(t[i].c);
		free(t[i].ideal);
	}
	free(t);
}

/* Every family at every width of mp_widths, ideal distributions computed. */
static struct mp_tmpl *mp_make_tmpls(uint64_t seed, uint32_t *nt)
{
	struct mp_tmpl *t = calloc(64, sizeof(*t));
	uint32_t f, k, i, n = 0;

	if (!t)
		return NULL;
	for (f = 0; f < MP_NFAM; f++) {
		for (k = mp_widths[f][0]; k <= mp_widths[f][1]; k++, n++) {
			t[n].fam = f;
			t[n].k = k;
			t[n].c = qpu_circuit_new(k, k);
			t[n].ideal = calloc(1u << k, sizeof(double));
			if (!t[n].c || !t[n].ideal ||
			    mp_build(t[n].c, f, k, seed * 131 + n) ||
			    mp_ideal(t[n].c, t[n].ideal))
				goto fail;
			for (i = 0; i < k; i++)
				if (qpu_circuit_measure(t[n].c, i, i))
					goto fail;
		}
	}
	*nt = n;
	return t;
fail:
	fprintf(stderr, "qpu-bench: cannot build circuit %s-%u\n", mp_fam_names[f], k);
	mp_free_tmpls(t, n + 1);
	return NULL;
}

/* ---- placement and one tenant ---------------------------------------------- */

/*
 * A region of @width qubits for circuit @t: with @hint, @t's interaction
 * graph (the path (i, i + 1) for i < t->k - 1) as placement hint
 * (qpu_alloc_qubits_hint()), else none.
 */
static int mp_region(struct qpu_dev *dev, const struct mp_tmpl *t,
		     uint32_t width, bool hint, struct qpu_qubits **q)
{
	struct qpu_edge pairs[QPU_ALLOC_MAX_HINT];
	uint32_t n;

	if (!hint)
		return qpu_alloc_qubits(dev, width, q);
	/* the circuit's own interactions: what fidelity placement weighs */
	n = qpu_circuit_interactions(t->c, pairs, QPU_ALLOC_MAX_HINT);
	if (n > QPU_ALLOC_MAX_HINT)
		n = QPU_ALLOC_MAX_HINT;
	return qpu_alloc_qubits_hint(dev, width, pairs, n, q);
}

/*
 * Qubits for @t on which its path lies in order: a region of t->k qubits
 * if the path fits it as it is, else (laid out in a region up to MP_GROW
 * larger) exactly the qubits it was laid out on. Return: 0, or -ENOSPC,
 * -EBUSY, -EXDEV when it does not fit now (try again later), or -errno.
 */
static int mp_place(struct qpu_dev *dev, const struct mp_tmpl *t, bool hint,
		    uint32_t nq, struct qpu_qubits **out, uint32_t *trimmed)
{
	uint32_t map[MP_MAX_K + MP_GROW], phys[MP_MAX_K], w, i;
	struct qpu_qubits *q;
	bool ident;
	int ret;

	for (w = t->k; w <= t->k + MP_GROW && w <= nq; w++) {
		ret = mp_region(dev, t, w, hint, &q);
		if (ret)
			return ret;
		ret = qpu_circuit_layout(t->c, q, map);
		if (ret) {
			qpu_free_qubits(dev, q);
			if (ret != -EXDEV)
				return ret;
			continue;
		}
		for (i = 0, ident = w == t->k; i < t->k; i++) {
			phys[i] = q->phys[map[i]];
			ident = ident && map[i] == i;
		}
		if (ident) {
			*out = q;
			*trimmed = 0;
			return 0;
		}
		qpu_free_qubits(dev, q);
		*trimmed = 1;
		return qpu_alloc_qubits_exact(dev, phys, t->k, out);
	}
	return -EXDEV;
}

static double mp_fidelity(const double *ideal, uint32_t k, const struct qpu_result *r)
{
	const struct qpu_count *c = qpu_result_counts(r);
	double s = 0;
	uint32_t i;

	for (i = 0; i < r->num_counts && r->shots; i++)
		if (c[i].bits < (1ULL << k))
			s += sqrt((double)c[i].count / r->shots * ideal[c[i].bits]);
	return s * s;
}

/* What a tenant holds for one placed job. */
struct mp_held {
	struct qpu_qubits *q;
	uint32_t handle;
};

/* MP_PLACE: qubits for the job and its circuit loaded on them. */
static void mp_serve_place(struct qpu_dev *dev, const struct mp_tmpl *t, bool hint,
			   uint32_t nq, struct mp_held *h, struct mp_msg *m)
{
	struct qpu_loaded l;
	uint32_t i;

	m->ret = mp_place(dev, t, hint, nq, &h->q, &m->trimmed);
	if (m->ret)
		return;
	m->ret = qpu_circuit_load(dev, t->c, h->q, &l);
	if (m->ret) {
		qpu_free_qubits(dev, h->q);
		h->q = NULL;
		return;
	}
	h->handle = l.handle;
	m->esp = l.esp;
	m->xt_loss_ppm = l.xt_loss_ppm;
	for (i = 0; i < t->k; i++)
		m->phys[i] = h->q->phys[i];
}

/* MP_RELEASE, and the end of MP_RUN: unload the job, give its qubits back. */
static void mp_serve_release(struct qpu_dev *dev, struct mp_held *h)
{
	qpu_circuit_unload(dev, h->handle);
	qpu_free_qubits(dev, h->q);
	h->q = NULL;
}

/*
 * MP_RUN: run the placed job with the crosstalk schedule of @m (what its
 * neighbours on the modelled device did to it), measure, give it back.
 */
static void mp_serve_run(struct qpu_dev *dev, const struct mp_tmpl *t,
			 const struct bench_mp_opts *o, struct qpu_buffer *pbuf,
			 struct qpu_buffer *rbuf, size_t prov_off,
			 struct mp_held *h, struct mp_msg *m)
{
	struct qpu_crosstalk *xt = (void *)((char *)pbuf->ptr + MP_XT_OFFSET);
	const struct qpu_provenance *pv;
	const struct qpu_result *res;
	struct qpu_submit s;
	struct qpu_wait w;

	xt->num_segs = m->nseg;
	xt->reserved = 0;
	memcpy(xt->segs, m->seg, m->nseg * sizeof(m->seg[0]));
	memset(rbuf->ptr, 0, rbuf->size);
	memset(&s, 0, sizeof(s));
	s.job.circuit = h->handle;
	s.job.flags = QPU_RUN_SEED | QPU_RUN_PROVENANCE | QPU_RUN_CROSSTALK;
	s.job.seed = o->seed * 1000003ULL + m->job + 1;
	s.job.shots = o->shots;
	s.job.param_buf = pbuf->handle;
	s.job.crosstalk_offset = MP_XT_OFFSET;
	s.job.result_buf = rbuf->handle;
	s.job.provenance_offset = prov_off;
	memset(&w, 0, sizeof(w));
	m->ret = ioctl(qpu_fd(dev), QPU_IOC_SUBMIT, &s) ? -errno : 0;
	w.job_id = s.job_id;
	w.timeout_ns = -1;
	if (!m->ret)
		m->ret = ioctl(qpu_fd(dev), QPU_IOC_WAIT, &w) ? -errno : w.status;
	pv = qpu_provenance_at(rbuf, prov_off);
	res = qpu_result_at(rbuf, 0);
	if (!m->ret && (!pv || !res || pv->status || res->status))
		m->ret = -EIO;
	if (!m->ret) {
		m->qpu_ns = pv->qpu_ns;
		m->fid = mp_fidelity(t->ideal, t->k, res);
	}
	mp_serve_release(dev, h);
}

/* A placement that may succeed later, when other jobs have ended. */
static bool mp_retry(int ret)
{
	return ret == -ENOSPC || ret == -EBUSY || ret == -EXDEV;
}

/*
 * A tenant: a child process in cgroup @cg, serving the parent's requests
 * from @in with replies on @out (the first reply says whether it is set
 * up) until MP_QUIT. Closing the device gives back what it still holds.
 */
static void mp_tenant(const struct mp_dev *d, const char *cg,
		      const struct mp_policy *pol, const struct bench_mp_opts *o,
		      const struct mp_tmpl *tm, const uint32_t *job_tmpl,
		      int in, int out)
{
	struct mp_held *held = calloc(o->jobs, sizeof(*held));
	struct qpu_buffer *pbuf = NULL, *rbuf = NULL;
	struct qpu_dev *dev = NULL;
	size_t stride, prov_off, size;
	const struct mp_tmpl *t;
	struct mp_msg m;

	size = qpu_result_layout(MP_MAX_K, o->shots, 0, 1, &stride, &prov_off);
	memset(&m, 0, sizeof(m));
	if (!held || bench_cgroup_join(cg) || qpu_open(d->path, &dev) ||
	    qpu_buffer_new(dev, size, &rbuf) ||
	    qpu_buffer_new(dev, MP_XT_OFFSET + sizeof(struct qpu_crosstalk) +
			   sizeof(m.seg), &pbuf))
		m.ret = -1;
	if (write(out, &m, sizeof(m)) != sizeof(m) || m.ret)
		_exit(1);
	while (read(in, &m, sizeof(m)) == sizeof(m) && m.op != MP_QUIT) {
		if (m.job >= o->jobs)
			_exit(1);
		t = &tm[job_tmpl[m.job]];
		if (m.op == MP_PLACE)
			mp_serve_place(dev, t, pol->hint, d->nq, &held[m.job], &m);
		else if (m.op == MP_RELEASE)
			mp_serve_release(dev, &held[m.job]);
		else
			mp_serve_run(dev, t, o, pbuf, rbuf, prov_off, &held[m.job], &m);
		if (m.ret && !(m.op == MP_PLACE && mp_retry(m.ret)))
			fprintf(stderr, "qpu-bench: job %u (%s-%u) on %s: %s (%s)\n",
				m.job, mp_fam_names[t->fam], t->k, d->spec,
				strerror(-m.ret), qpu_errmsg(dev));
		if (write(out, &m, sizeof(m)) != sizeof(m))
			_exit(1);
	}
	qpu_close(dev);
	_exit(0);
}

/* ---- the parent: devices, tunables, tenants, figures ----------------------- */

static int mp_read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int mp_set(const struct mp_dev *d, const char *name, const char *val)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", d->sysdir, name);
	ret = bench_write_text(path, val);
	if (ret)
		fprintf(stderr, "qpu-bench: %s = %s: %s\n", path, val, strerror(-ret));
	return ret;
}

/* Create a device for @d->spec at the first free id, learn its coupling. */
static int mp_dev_create(struct mp_dev *d)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	struct qpu_edge *edges = NULL;
	struct qpu_dev *dev = NULL;
	struct qpu_info info;
	uint32_t ne = 0, i, tries;
	char cmd[96];
	int ret;

	for (d->id = MP_FIRST_ID; d->id < 64; d->id++) {
		snprintf(d->sysdir, sizeof(d->sysdir), QPU_CLASS "/qpu%u", d->id);
		if (access(d->sysdir, F_OK))
			break;
	}
	snprintf(d->path, sizeof(d->path), "/dev/qpu%u", d->id);
	snprintf(cmd, sizeof(cmd), "%u %s\n", d->id, d->spec);
	ret = bench_write_text(QPU_CLASS "/new_device", cmd);
	if (ret) {
		fprintf(stderr, "qpu-bench: new_device \"%u %s\": %s\n", d->id,
			d->spec, strerror(-ret));
		d->id = 0;
		return ret;
	}
	for (tries = 0; (ret = qpu_open(d->path, &dev)) && tries < 100; tries++)
		nanosleep(&pause, NULL);
	if (ret)
		return ret;
	ret = qpu_get_info(dev, &info);
	if (!ret)
		ret = qpu_get_topology(dev, &edges, &ne);
	if (!ret) {
		d->nq = info.num_qubits;
		d->adj = calloc((size_t)d->nq * d->nq, 1);
		ret = d->adj ? 0 : -ENOMEM;
	}
	for (i = 0; !ret && i < ne; i++)
		d->adj[edges[i].a * d->nq + edges[i].b] =
			d->adj[edges[i].b * d->nq + edges[i].a] = 1;
	free(edges);
	qpu_close(dev);
	for (i = 0; !ret && i < 4; i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", d->sysdir, mp_tunables[i]);
		ret = mp_read_text(cmd, d->saved[i], sizeof(d->saved[i]));
	}
	/* the threshold of the crosstalk rule, as the kernel reads it */
	if (!ret) {
		char val[32], *end;

		snprintf(cmd, sizeof(cmd), "%s/crosstalk_defer_ppm", d->sysdir);
		ret = mp_read_text(cmd, val, sizeof(val));
		if (!ret) {
			errno = 0;
			d->defer_ppm = strtoul(val, &end, 10);
			if (errno || end == val || *end)
				ret = -EINVAL;
		}
		if (ret)
			fprintf(stderr, "qpu-bench: %s: %s\n", cmd, strerror(-ret));
	}
	return ret;
}

/* Restore the tunables, remove the device. */
static void mp_dev_remove(struct mp_dev *d)
{
	char id[16];
	uint32_t i;

	if (!d->id)
		return;
	for (i = 0; i < 4; i++)
		if (d->saved[i][0])
			mp_set(d, mp_tunables[i], d->saved[i]);
	snprintf(id, sizeof(id), "%u\n", d->id);
	bench_write_text(QPU_CLASS "/del_device", id);
	free(d->adj);
	d->adj = NULL;
	d->id = 0;
}

/* Forget the tenants' settings on @d and remove their cgroups. */
static void mp_tenants_remove(const struct mp_dev *d, uint32_t nt)
{
	struct qpu_nl *nl = qpu_nl_open();
	char path[256];
	struct stat st;
	uint32_t t;

	for (t = 0; t < nt; t++) {
		snprintf(path, sizeof(path), "%s/mp%u", BENCH_CG_BASE, t);
		if (nl && d->id && !stat(path, &st))
			qpu_nl_tenant_del(nl, d->id, st.st_ino);
		rmdir(path);
	}
	if (nl)
		qpu_nl_close(nl);
}

/* Circuit qubits of running job @a next to a qubit of another running job. */
static uint64_t mp_exposure(const struct mp_dev *d, const struct mp_job *jobs,
			    const uint32_t *run, uint32_t nrun,
			    const struct mp_tmpl *tm, uint32_t a)
{
	uint32_t ka = tm[jobs[a].tmpl].k, i, v, u, b;
	uint64_t m = 0;

	for (i = 0; i < nrun; i++) {
		b = run[i];
		if (b == a)
			continue;
		for (v = 0; v < ka; v++)
			for (u = 0; u < tm[jobs[b].tmpl].k; u++)
				if (d->adj[jobs[a].phys[v] * d->nq + jobs[b].phys[u]])
					m |= 1ULL << v;
	}
	return m;
}

/*
 * At modelled time @t the set of running jobs changed: record each running
 * job's new exposure from the shot it has reached (the kernel's rule,
 * Documentation/qpu/noise.rst: qubits coupled to a qubit of another
 * running allocation). Past QPU_MAX_XT_SEGS changes the last one takes
 * the union of the rest, erring towards more crosstalk.
 */
static void mp_track(const struct mp_dev *d, struct mp_job *jobs,
		     const uint32_t *run, uint32_t nrun, const struct mp_tmpl *tm,
		     uint32_t shots, uint64_t t)
{
	struct mp_job *j;
	uint32_t i, shot;
	uint64_t m;

	for (i = 0; i < nrun; i++) {
		j = &jobs[run[i]];
		m = mp_exposure(d, jobs, run, nrun, tm, run[i]);
		if (m == j->cur)
			continue;
		j->cur = m;
		shot = j->dur ? (uint32_t)((t - j->start) * shots / j->dur) : 0;
		if (shot >= shots)
			continue;
		if (j->nseg && j->seg[j->nseg - 1].shot == shot)
			j->seg[j->nseg - 1].exposed = m;
		else if (j->nseg < QPU_MAX_XT_SEGS)
			j->seg[j->nseg++] = (struct qpu_xt_seg){ 0, shot, m };
		else
			j->seg[j->nseg - 1].exposed |= m;
	}
}

/*
 * The scheduler's crosstalk rule (qpu_noise_may_start()) for placed job @j
 * about to start beside @run: held back if its load said crosstalk would
 * cost it more than the device's crosstalk_defer_ppm (0: the rule is off)
 * and one of its qubits is coupled to a qubit of a running job.
 */
static bool mp_xt_hold(const struct mp_dev *d, const struct mp_job *jobs,
		       const uint32_t *run, uint32_t nrun, const struct mp_tmpl *tm,
		       uint32_t j, uint32_t xt_loss_ppm)
{
	return d->defer_ppm && xt_loss_ppm > d->defer_ppm &&
	       mp_exposure(d, jobs, run, nrun, tm, j);
}

/* Send @m to a tenant and read its reply into @m: 0 or -1. */
static int mp_ask(const int *fds, struct mp_msg *m)
{
	if (write(fds[1], m, sizeof(*m)) != sizeof(*m) ||
	    read(fds[0], m, sizeof(*m)) != sizeof(*m))
		return -1;
	return 0;
}

/*
 * The workload on the modelled device: a discrete-event schedule in
 * modelled time whose placements, loads and runs are the kernel's. At
 * each event the pending jobs are offered in arrival order (exclusive:
 * only the first; multiprogrammed: up to MP_SCAN of them, skipping those
 * that do not fit now) while fewer than @workers run; then the clock goes
 * to the next end, where the ended jobs run on the device with the
 * crosstalk their neighbours gave them and are freed.
 *
 * With the crosstalk rule (@pol->xt_rule, mp_xt_hold()) a placed job the
 * kernel would hold back does not start: its placement is given back and
 * it stays pending. MP_XT_HOLD then ends the scan, as the kernel's pick
 * stays put on it (nothing queued after it starts until it can: at the
 * next end at the latest, since only running neighbours hold it);
 * MP_XT_SKIP goes on with the later jobs.
 */
static int mp_schedule(const struct mp_dev *d, const struct mp_policy *pol,
		       uint32_t workers, const struct bench_mp_opts *o,
		       const struct mp_tmpl *tm, struct mp_job *jobs,
		       int (*fds)[2])
{
	uint32_t run[MP_MAX_WORKERS], nrun = 0, ndone = 0, first = 0, j, i, scanned;
	uint64_t t = 0, next;
	struct mp_msg m;
	bool ended;

	while (ndone < o->jobs) {
		for (j = first, scanned = 0; j < o->jobs && nrun < workers &&
		     scanned < MP_SCAN; j++) {
			if (jobs[j].state != MP_PENDING)
				continue;
			scanned++;
			memset(&m, 0, sizeof(m));
			m.op = MP_PLACE;
			m.job = j;
			if (mp_ask(fds[jobs[j].tenant], &m))
				return -1;
			if (m.ret && !mp_retry(m.ret))
				return -1;
			if (m.ret) {
				if (!pol->multi)
					break;
				continue;
			}
			memcpy(jobs[j].phys, m.phys, sizeof(m.phys));
			if (pol->xt_rule != MP_XT_NONE &&
			    mp_xt_hold(d, jobs, run, nrun, tm, j, m.xt_loss_ppm)) {
				jobs[j].held++;
				memset(&m, 0, sizeof(m));
				m.op = MP_RELEASE;
				m.job = j;
				if (mp_ask(fds[jobs[j].tenant], &m) || m.ret)
					return -1;
				if (pol->xt_rule == MP_XT_HOLD)
					break;
				continue;
			}
			jobs[j].state = MP_RUNNING;
			jobs[j].start = t;
			jobs[j].end = t + jobs[j].dur;
			jobs[j].trimmed = m.trimmed;
			jobs[j].esp = m.esp;
			run[nrun++] = j;
		}
		if (!nrun) {
			fprintf(stderr, "qpu-bench: job %u does not fit an idle %s\n",
				first, d->spec);
			return -1;
		}
		mp_track(d, jobs, run, nrun, tm, o->shots, t);
		for (i = 0, next = UINT64_MAX; i < nrun; i++)
			next = jobs[run[i]].end < next ? jobs[run[i]].end : next;
		t = next;
		for (i = 0; i < nrun; ) {
			struct mp_job *e = &jobs[run[i]];

			ended = e->end == t;
			if (!ended) {
				i++;
				continue;
			}
			e->state = MP_DONE;
			memset(&m, 0, sizeof(m));
			m.op = MP_RUN;
			m.job = run[i];
			m.nseg = e->nseg;
			memcpy(m.seg, e->seg, sizeof(m.seg));
			run[i] = run[--nrun];
			if (mp_ask(fds[e->tenant], &m) || m.ret)
				return -1;
			if (m.qpu_ns != e->dur)
				fprintf(stderr, "qpu-bench: job %u: modelled %llu ns, the "
					"device says %llu\n", m.job,
					(unsigned long long)e->dur,
					(unsigned long long)m.qpu_ns);
			e->fid = m.fid;
			ndone++;
		}
		mp_track(d, jobs, run, nrun, tm, o->shots, t);
		while (first < o->jobs && jobs[first].state != MP_PENDING)
			first++;
	}
	return 0;
}

static void mp_figures(const struct bench_mp_opts *o, const struct mp_tmpl *tm,
		       const struct mp_job *jobs, struct mp_stats *st)
{
	uint64_t *wait = calloc(o->jobs, sizeof(*wait)), span = 0;
	uint32_t n = o->jobs, i, s, fn[MP_NFAM] = { 0 };
	double sum = 0;

	if (!wait)
		return;
	for (i = 0; i < n; i++) {
		const struct mp_job *j = &jobs[i];

		wait[i] = j->start;
		sum += j->start;
		span = j->end > span ? j->end : span;
		st->fid += j->fid;
		st->esp += j->esp;
		st->trimmed += j->trimmed;
		st->held += j->held > 0;
		st->holds += j->held;
		for (s = 0; s < j->nseg && !j->seg[s].exposed; s++)
			;
		st->exposed += s < j->nseg;
		st->fam_fid[tm[j->tmpl].fam] += j->fid;
		fn[tm[j->tmpl].fam]++;
	}
	st->wait = sum / n / 1e6;
	st->p95 = bench_percentile(wait, n, 0.95) / 1e6;
	st->tput = span ? n / (span / 1e9) : 0;
	st->fid /= n;
	st->esp /= n;
	st->trimmed = 100.0 * st->trimmed / n;
	st->exposed = 100.0 * st->exposed / n;
	st->held = 100.0 * st->held / n;
	for (i = 0; i < MP_NFAM; i++)
		st->fam_fid[i] = fn[i] ? st->fam_fid[i] / fn[i] : 0;
	free(wait);
}

/* One policy on @d: tunables, tenants, the schedule, the figures. */
static int mp_policy_run(const struct mp_dev *d, const struct mp_policy *pol,
			 const struct bench_mp_opts *o, const struct mp_tmpl *tm,
			 const uint32_t *job_tmpl, struct mp_job *jobs,
			 struct mp_stats *st)
{
	uint32_t workers = pol->multi ? o->workers : 1, t, j, nt = 0;
	struct qpu_nl_limits lim = {
		.set = QPU_NL_ISOLATION, .isolation = pol->isolation,
	};
	int fds[MP_MAX_TENANTS][2], cmd[2], rep[2], status, ret = 0;
	pid_t pids[MP_MAX_TENANTS];
	char cg[MP_MAX_TENANTS][256], wbuf[16];
	struct mp_msg m;
	uint64_t t0 = realtime_ns();

	memset(st, 0, sizeof(*st));
	snprintf(wbuf, sizeof(wbuf), "%u\n", workers);
	if (mp_set(d, "noise", "calibrated") || mp_set(d, "placement", pol->placement) ||
	    mp_set(d, "workers", wbuf))
		return -1;
	for (t = 0; t < o->tenants; t++) {
		char name[16];

		snprintf(name, sizeof(name), "mp%u", t);
		if (bench_cgroup_make(name, cg[t], sizeof(cg[t])) ||
		    bench_tenant_set(d->id, cg[t], &lim)) {
			fprintf(stderr, "qpu-bench: cannot set up tenant %s\n", cg[t]);
			return -1;
		}
	}
	for (j = 0; j < o->jobs; j++) {
		const struct qpu_circuit *c = tm[job_tmpl[j]].c;

		memset(&jobs[j], 0, sizeof(jobs[j]));
		jobs[j].tmpl = job_tmpl[j];
		jobs[j].tenant = j % o->tenants;
		jobs[j].dur = o->shots * qc_circuit_shot_ns(qpu_circuit_gates(c),
							    qpu_circuit_num_gates(c));
	}
	for (nt = 0; nt < o->tenants && !ret; nt++) {
		if (pipe(cmd))
			break;
		if (pipe(rep)) {
			close(cmd[0]);
			close(cmd[1]);
			break;
		}
		pids[nt] = fork();
		if (!pids[nt]) {
			close(cmd[1]);
			close(rep[0]);
			for (t = 0; t < nt; t++) {
				close(fds[t][0]);
				close(fds[t][1]);
			}
			mp_tenant(d, cg[nt], pol, o, tm, job_tmpl, cmd[0], rep[1]);
		}
		close(cmd[0]);
		close(rep[1]);
		fds[nt][0] = rep[0];
		fds[nt][1] = cmd[1];
		if (pids[nt] < 0 || read(rep[0], &m, sizeof(m)) != sizeof(m) || m.ret)
			ret = -1;
	}
	if (nt < o->tenants)
		ret = -1;
	if (!ret)
		ret = mp_schedule(d, pol, workers, o, tm, jobs, fds);
	for (t = 0; t < nt; t++) {
		memset(&m, 0, sizeof(m));
		m.op = MP_QUIT;
		if (write(fds[t][1], &m, sizeof(m)) != sizeof(m))
			ret = -1;
		close(fds[t][1]);
		close(fds[t][0]);
		if (pids[t] > 0) {
			waitpid(pids[t], &status, 0);
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				ret = -1;
		}
	}
	if (!ret) {
		mp_figures(o, tm, jobs, st);
		st->wall = (realtime_ns() - t0) / 1e9;
	}
	return ret;
}

/* One device: the three policies, the table, the summary line. */
static int mp_device(struct mp_dev *d, const struct bench_mp_opts *o,
		     const struct mp_tmpl *tm, uint32_t ntm, const uint32_t *job_tmpl,
		     struct mp_job *jobs)
{
	struct mp_stats st[MP_NPOL];
	uint32_t p, f;

	printf("\nmultiprogram %s (%s, crosstalk_ppm %s, crosstalk_defer_ppm %u): "
	       "%u jobs of %u shots from %u tenants, %u circuits (ghz 3-10, qft 3-5, "
	       "vqe 4-8, qaoa 3-6), seed %llu\n", d->spec, d->path, d->saved[3],
	       d->defer_ppm, o->jobs, o->shots, o->tenants, ntm,
	       (unsigned long long)o->seed);
	for (p = 0; p < MP_NPOL; p++) {
		if (mp_policy_run(d, &mp_policies[p], o, tm, job_tmpl, jobs, &st[p])) {
			fprintf(stderr, "qpu-bench: %s, policy %s failed\n", d->spec,
				mp_policies[p].name);
			return -1;
		}
	}
	printf("%-14s %3s %4s %9s %9s %7s %9s %7s %5s %5s %5s %6s %7s\n", "policy",
	       "W", "rule", "wait ms", "p95 ms", "jobs/s", "fidelity", "ESP", "xt%",
	       "trim%", "held%", "holds", "wall s");
	for (p = 0; p < MP_NPOL; p++)
		printf("%-14s %3u %4s %9.1f %9.1f %7.2f %9.4f %7.4f %5.1f %5.1f %5.1f "
		       "%6u %7.1f\n", mp_policies[p].name,
		       mp_policies[p].multi ? o->workers : 1,
		       mp_xt_names[mp_policies[p].xt_rule], st[p].wait, st[p].p95,
		       st[p].tput, st[p].fid, st[p].esp, st[p].exposed, st[p].trimmed,
		       st[p].held, st[p].holds, st[p].wall);
	for (p = 0; p < MP_NPOL; p++) {
		printf("%-14s fidelity by circuit:", mp_policies[p].name);
		for (f = 0; f < MP_NFAM; f++)
			printf(" %s %.4f", mp_fam_names[f], st[p].fam_fid[f]);
		printf("\n");
	}
	printf("multiprogram %s: wait ratio %.2f, fidelity loss %.2f %%, aware gain "
	       "%.2f %%\n", d->spec, st[2].wait > 0 ? st[0].wait / st[2].wait : 0,
	       100 * (st[0].fid - st[2].fid), 100 * (st[2].fid - st[1].fid));
	printf("multiprogram %s: crosstalk rule", d->spec);
	for (p = 2; p < MP_NPOL; p++)
		printf("%s %s: held %.1f %%, wait ratio %.2f, fidelity loss %.2f %%",
		       p > 2 ? ";" : "", mp_xt_names[mp_policies[p].xt_rule], st[p].held,
		       st[p].wait > 0 ? st[0].wait / st[p].wait : 0,
		       100 * (st[0].fid - st[p].fid));
	printf("\n");
	fflush(stdout);
	return 0;
}

/**
 * bench_multiprogram() - qpu-bench --multiprogram
 * @o: devices, jobs, tenants, workers, shots, seed
 *
 * Return: 0, or -1 on an error (setting up a device, a tenant or a
 * cgroup, or a job that failed); what was set up is undone either way.
 */
int bench_multiprogram(const struct bench_mp_opts *o)
{
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);	/* a tenant died */
	struct mp_job *jobs = NULL;
	uint32_t ntm = 0, *job_tmpl = NULL, i;
	struct mp_tmpl *tm = NULL;
	struct statfs sfs;
	struct mp_dev d;
	char *list = NULL, *tok, *save, self[256];
	uint64_t rs = o->seed;
	int ret = -1;

	if (!o->jobs || o->jobs > MP_MAX_JOBS || !o->tenants ||
	    o->tenants > MP_MAX_TENANTS || !o->shots || !o->workers ||
	    o->workers > MP_MAX_WORKERS) {
		fprintf(stderr, "qpu-bench: --multiprogram takes 1..%u jobs, 1..%u "
			"tenants, 1..%u workers and shots > 0\n", MP_MAX_JOBS,
			MP_MAX_TENANTS, MP_MAX_WORKERS);
		return -1;
	}
	tm = mp_make_tmpls(o->seed, &ntm);
	job_tmpl = calloc(o->jobs, sizeof(*job_tmpl));
	jobs = calloc(o->jobs, sizeof(*jobs));
	list = strdup(o->devices);
	if (!tm || !job_tmpl || !jobs || !list)
		goto out;
	for (i = 0; i < o->jobs; i++)
		job_tmpl[i] = mp_rng(&rs) % ntm;
	/*
	 * Nothing is written before both are known to be there: on another
	 * file system the cgroup helpers would make plain files.
	 */
	if (statfs("/sys/fs/cgroup", &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC ||
	    access(QPU_CLASS "/new_device", W_OK)) {
		fprintf(stderr, "qpu-bench: --multiprogram needs root, cgroup2 at "
			"/sys/fs/cgroup and the qpu module\n");
		goto out;
	}
	/* The parent runs from a leaf of its own: cgroup v2 keeps tasks in leaves. */
	if (bench_cgroup_make("bench", self, sizeof(self)) || bench_cgroup_join(self)) {
		fprintf(stderr, "qpu-bench: --multiprogram needs root and cgroup2 at "
			"/sys/fs/cgroup\n");
		goto out_cg;
	}
	ret = 0;
	for (tok = strtok_r(list, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		memset(&d, 0, sizeof(d));
		d.spec = tok;
		ret = mp_dev_create(&d);
		if (!ret)
			ret = mp_device(&d, o, tm, ntm, job_tmpl, jobs);
		mp_tenants_remove(&d, o->tenants);
		mp_dev_remove(&d);
	}
out_cg:
	bench_cgroup_join("/sys/fs/cgroup");
	rmdir(self);
	rmdir(BENCH_CG_BASE);
out:
	free(list);
	free(jobs);
	free(job_tmpl);
	mp_free_tmpls(tm, ntm);
	signal(SIGPIPE, old_pipe);
	return ret ? -1 : 0;
}
