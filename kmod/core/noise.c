// SPDX-License-Identifier: GPL-2.0
/*
 * noise.c - the calibrated noise model: the ASAP schedule shared by the
 * trajectories (sim.c) and the success estimate, the per-gate error
 * probabilities, relaxation over a time, and qc_noise_esp().
 *
 * Floating-point code (like sim.c: kernel_fpu_begin() sections in the
 * kernel). Stateless: the caller owns the noise struct (read only) and the
 * clocks; nothing here locks or allocates. Documentation/qpu/noise.rst,
 * "The noise model", is the specification.
 */
#include "port.h"
#include "circuit.h"
#include "fmath.h"
#include "noise.h"

static inline u64 qc_nz_max(u64 a, u64 b)
{
	return a > b ? a : b;
}

static inline u64 qc_nz_all(u32 n)
{
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

bool qc_noise_valid(const struct qc_noise *nz, u32 num_qubits)
{
	u32 i, j;

	if (!nz || nz->num_qubits != num_qubits || num_qubits > 64 ||
	    (num_qubits && !nz->q) || (nz->nsegs && !nz->segs) ||
	    nz->default_pair_ppm > QC_NOISE_PPM || nz->crosstalk_ppm > QC_NOISE_PPM)
		return false;
	for (i = 0; i < num_qubits; i++) {
		const struct qc_noise_qubit *q = &nz->q[i];

		if (q->gate1q_ppm > QC_NOISE_PPM || q->ro01_ppm > QC_NOISE_PPM ||
		    q->ro10_ppm > QC_NOISE_PPM || !q->t1_us || !q->t2_us ||
		    q->t2_us > 2ULL * q->t1_us)
			return false;
		for (j = 0; nz->pair_ppm && j < num_qubits; j++)
			if (nz->pair_ppm[i * num_qubits + j] > QC_NOISE_PPM)
				return false;
	}
	return true;
}

void qc_noise_clock_reset(struct qc_noise_clock *s, u32 n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
}

void qc_noise_sync(struct qc_noise_clock *s, u64 mask)
{
	u64 t = 0;
	u32 q;

	mask &= qc_nz_all(s->n);
	for (q = 0; q < s->n; q++)
		if (mask >> q & 1)
			t = qc_nz_max(t, s->clk[q]);
	for (q = 0; q < s->n; q++)
		if (mask >> q & 1)
			s->clk[q] = t;
}

u32 qc_noise_sched(struct qc_noise_clock *s, const struct qpu_gate *g, u64 *win)
{
	u32 nq = qc_gate_operands(g), j;
	u64 start = 0, end, dur = qc_gate_ns(g);
	bool meas = g->op == QPU_OP_MEASURE || g->op == QPU_OP_RESET;

	if (g->op == QPU_OP_BARRIER) {
		qc_noise_sync(s, ~0ULL);
		return 0;
	}
	if (nq > ARRAY_SIZE(g->qubits))
		nq = ARRAY_SIZE(g->qubits);
	for (j = 0; j < nq; j++)
		start = qc_nz_max(start, s->clk[g->qubits[j] & 63]);
	end = start + dur;
	for (j = 0; j < nq; j++) {
		u32 q = g->qubits[j] & 63;

		if (!(s->touched >> q & 1))
			s->rl[q] = start;
		s->touched |= 1ULL << q;
		win[j] = (meas ? start : end) - s->rl[q];
		s->clk[q] = end;
		s->rl[q] = end;
	}
	return nq;
}

u32 qc_noise_tail(const struct qpu_gate *gates, u32 num_gates, u64 *mask)
{
	u32 i = num_gates, start = num_gates;

	*mask = 0;
	while (i > 0) {
		const struct qpu_gate *g = &gates[i - 1];

		if (g->op == QPU_OP_MEASURE && !(g->flags & QPU_GATE_COND)) {
			*mask |= 1ULL << (g->qubits[0] & 63);
			start = i - 1;
		} else if (g->op != QPU_OP_BARRIER) {
			break;
		}
		i--;
	}
	return start;
}

static double qc_nz_prob(u32 ppm)
{
	return (double)ppm * 1e-6;
}

void qc_noise_gate_err(const struct qc_noise *nz, const struct qpu_gate *g,
		       double *p, double *pxt)
{
	u32 nq = qc_gate_operands(g), a, b, e, ncx, i;
	double keep = 1.0, xt = qc_nz_prob(nz->crosstalk_ppm);

	if (nq < 2) {
		/* Z, S, T, RZ, P: a frame change, no pulse, no error */
		if (!qc_gate_ns(g)) {
			*p = 0.0;
			*pxt = 0.0;
			return;
		}
		*p = qc_nz_prob(nz->q[g->qubits[0] & 63].gate1q_ppm);
		*pxt = 0.1 * xt;
		return;
	}
	a = g->qubits[0];
	b = g->qubits[1];
	e = nz->pair_ppm ? nz->pair_ppm[a * nz->num_qubits + b] : 0;
	if (!e)
		e = nz->default_pair_ppm;
	ncx = (u32)(qc_gate_ns(g) / QC_NOISE_CX_NS);
	if (!ncx)
		ncx = 1;
	for (i = 0; i < ncx; i++)
		keep *= 1.0 - qc_nz_prob(e);
	*p = 1.0 - keep;
	*pxt = 1.0 - keep * (1.0 - xt);
}

void qc_noise_relax(const struct qc_noise *nz, u32 q, u64 t_ns, double *gamma, double *pz)
{
	const struct qc_noise_qubit *c = &nz->q[q & 63];
	double t = (double)t_ns * 1e-3;	/* us */
	double rphi = 1.0 / (double)c->t2_us - 0.5 / (double)c->t1_us;

	*gamma = 1.0 - qc_exp(-t / (double)c->t1_us);
	*pz = rphi > 0.0 ? 0.5 * (1.0 - qc_exp(-t * rphi)) : 0.0;
}

static bool qc_nz_gates_ok(const struct qpu_gate *gates, u32 num_gates, u32 n)
{
	u32 i, j;

	for (i = 0; i < num_gates; i++) {
		const struct qpu_gate *g = &gates[i];
		u32 nq = qc_gate_operands(g);

		if (!g->op || g->op >= QPU_OP_NR || nq > ARRAY_SIZE(g->qubits))
			return false;
		for (j = 0; j < nq; j++)
			if (g->qubits[j] >= n)
				return false;
	}
	return true;
}

int qc_noise_esp(const struct qpu_gate *gates, u32 num_gates,
		 const struct qc_noise *nz, u64 exposed, u64 *esp)
{
	struct qc_noise_clock s;
	u64 tail_mask, win[ARRAY_SIZE(gates->qubits)];
	double prob = 1.0, decay = 0.0;
	u32 i, j, tail, nq;
	union {
		double d;
		u64 u;
	} out;

	if (!esp || (num_gates && !gates) || !nz || !qc_noise_valid(nz, nz->num_qubits) ||
	    !qc_nz_gates_ok(gates, num_gates, nz->num_qubits))
		return -EINVAL;
	qc_noise_clock_reset(&s, nz->num_qubits);
	tail = qc_noise_tail(gates, num_gates, &tail_mask);
	for (i = 0; i < num_gates; i++) {
		const struct qpu_gate *g = &gates[i];
		u64 dur = qc_gate_ns(g);
		double p, pxt;

		if (i == tail)
			qc_noise_sync(&s, tail_mask);
		if (i >= tail && g->op == QPU_OP_BARRIER)
			continue;
		nq = qc_noise_sched(&s, g, win);
		for (j = 0; j < nq; j++) {
			const struct qc_noise_qubit *c = &nz->q[g->qubits[j]];
			u64 idle = win[j];

			if (g->op != QPU_OP_MEASURE && g->op != QPU_OP_RESET &&
			    g->op != QPU_OP_ID)
				idle -= dur < idle ? dur : idle;
			decay += (double)idle * 1e-3 / (double)c->t1_us;
		}
		if (g->op == QPU_OP_MEASURE) {
			const struct qc_noise_qubit *c = &nz->q[g->qubits[0]];

			prob *= 1.0 - 0.5 * (qc_nz_prob(c->ro01_ppm) + qc_nz_prob(c->ro10_ppm));
			continue;
		}
		if (!nq || g->op == QPU_OP_RESET || g->op == QPU_OP_ID)
			continue;
		qc_noise_gate_err(nz, g, &p, &pxt);
		for (j = 0; j < nq && !(exposed >> g->qubits[j] & 1); j++)
			;
		if (j == nq)
			prob *= 1.0 - p;
		else if (nq >= 2)
			prob *= 1.0 - pxt;
		else
			prob *= (1.0 - p) * (1.0 - pxt);
	}
	out.d = prob * qc_exp(-decay);
	*esp = out.u;
	return 0;
}

u32 qc_noise_loss_ppm(u64 esp, u64 esp_exposed)
{
	union {
		u64 u;
		double d;
	} a = { .u = esp }, b = { .u = esp_exposed };
	double loss;

	if (!(a.d > 0.0))
		return 0;
	loss = 1.0 - b.d / a.d;
	if (!(loss > 0.0))
		return 0;
	if (loss >= 1.0)
		return QC_NOISE_PPM;
	return (u32)(loss * 1e6 + 0.5);
}
