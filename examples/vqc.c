// SPDX-License-Identifier: MIT
/*
 * vqc - a variational quantum classifier trained end to end on a QPU.
 *
 * The task, in the spirit of medical imaging: tiny 2x2 "scans" (four pixel
 * intensities in [0, 1]) are labelled "asymmetric" when the left half is
 * clearly brighter than the right, "symmetric-or-right" otherwise. A
 * 4-qubit circuit encodes pixel i as RY(pi * x_i) on qubit i, then applies
 * trainable RY rotations and CX gates along the allocation's couplings,
 * and predicts sign(<Z_0>). Training minimises the squared error with
 * gradients from the parameter-shift rule.
 *
 * How it uses the device (the point of the example):
 *  - the circuit is loaded once; data and weights are parameter slots
 *    (angle = scale * param + offset), so nothing is reloaded while
 *    training;
 *  - parameters are written straight into an mmap'd buffer and
 *    expectation values read straight from an mmap'd result buffer;
 *  - each training step is one io_uring submission: one job per sample,
 *    each a sweep of 1 + 2P parameter vectors (the unshifted circuit and
 *    its P forward and P backward shifts).
 *
 * Deterministic: the data set comes from a fixed seed and expectation
 * values are exact (a simulator feature). Exit status 1 if the held-out
 * accuracy is below --min-accuracy.
 *
 *   vqc [-d DEV] [--epochs N] [--lr X] [--min-accuracy A] [--ioctl]
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libqpu.h>

#define NQ		4		/* qubits = pixels */
#define LAYERS		3
#define NW		(NQ * (LAYERS + 1))	/* trainable weights */
#define NPARAM		(NQ + NW)	/* slots: pixels, then weights */
#define NSWEEP		(1 + 2 * NW)	/* f, then f(w + s e_j), f(w - s e_j) */
#define NTRAIN		48
#define NTEST		32
#define SHIFT		(M_PI / 2)

struct sample {
	double x[NQ];
	int y;			/* +1 or -1 */
};

struct vqc {
	struct qpu_dev *dev;
	struct qpu_qubits *q;
	struct qpu_loaded circ;
	struct qpu_batch *batch;
	struct qpu_buffer *params;	/* NTRAIN * NSWEEP vectors */
	struct qpu_buffer *results;	/* one slice per vector */
	size_t slice;
	double w[NW];
};

/* A small deterministic PRNG (splitmix64), so the data set is fixed. */
static uint64_t rng_state = 0x5eed;

static double rng_uniform(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (z >> 11) * 0x1.0p-53;
}

static void make_data(struct sample *s, int n)
{
	int i = 0, k;

	while (i < n) {
		double d;

		for (k = 0; k < NQ; k++)
			s[i].x[k] = rng_uniform();
		d = s[i].x[0] + s[i].x[1] - s[i].x[2] - s[i].x[3];
		if (fabs(d) < 0.25)
			continue;	/* keep a margin between the classes */
		s[i].y = d > 0 ? 1 : -1;
		i++;
	}
}

static int build_circuit(struct vqc *v, struct qpu_circuit **out)
{
	struct qpu_circuit *c = qpu_circuit_new(NQ, 0);
	uint32_t i, l, e, k = 0, qs[2];
	int ret = 0;

	if (!c)
		return -1;
	for (i = 0; i < NQ; i++)
		ret |= qpu_circuit_ry(c, i, qpu_param(i, M_PI, 0));
	for (l = 0; l <= LAYERS; l++) {
		for (i = 0; i < NQ; i++)
			ret |= qpu_circuit_ry(c, i, qpu_param(NQ + k++, 1, 0));
		if (l == LAYERS)
			break;
		/* Entangle along the couplings the device gave us. */
		for (e = 0; e < v->q->num_edges; e++) {
			qs[0] = v->q->edges[e].a;
			qs[1] = v->q->edges[e].b;
			ret |= qpu_circuit_gate(c, QPU_OP_X, 1, qs, 2, NULL, 0);
		}
	}
	ret |= qpu_circuit_add_observable(c, 1);	/* Z on qubit 0 */
	ret |= qpu_circuit_set_num_params(c, NPARAM);
	if (ret) {
		qpu_circuit_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static double *param_vec(struct vqc *v, int job, int sweep)
{
	return (double *)v->params->ptr + ((size_t)job * NSWEEP + sweep) * NPARAM;
}

/* Parameter vectors of one sample: unshifted, then +s and -s per weight. */
static void write_params(struct vqc *v, int job, const struct sample *s,
			 int nsweep)
{
	int j, k;

	for (j = 0; j < nsweep; j++) {
		double *p = param_vec(v, job, j);

		memcpy(p, s->x, sizeof(s->x));
		memcpy(p + NQ, v->w, sizeof(v->w));
		if (j == 0)
			continue;
		k = (j - 1) / 2;
		p[NQ + k] += (j % 2) ? SHIFT : -SHIFT;
	}
}

/* Evaluate @n samples, @nsweep vectors each, with one submission. */
static int run_batch(struct vqc *v, const struct sample *s, int n, int nsweep)
{
	struct qpu_completion done[NTRAIN];
	struct qpu_job_desc job;
	int i, got = 0, r;

	for (i = 0; i < n; i++) {
		write_params(v, i, &s[i], nsweep);
		memset(&job, 0, sizeof(job));
		job.circuit = v->circ.handle;
		job.flags = QPU_RUN_SEED | QPU_RUN_EXPECT;
		job.seed = 1;
		job.shots = 1;		/* expectations are exact */
		job.num_sweeps = nsweep;
		job.param_buf = v->params->handle;
		job.param_offset = (uint64_t)i * NSWEEP * NPARAM * sizeof(double);
		job.param_stride = NPARAM * sizeof(double);
		job.result_buf = v->results->handle;
		job.result_offset = (uint64_t)i * NSWEEP * v->slice;
		job.result_stride = v->slice;
		if (qpu_batch_add(v->batch, &job, i))
			return -1;
	}
	if (qpu_batch_submit(v->batch) < 0)
		return -1;
	while (got < n) {
		r = qpu_batch_wait(v->batch, done, n - got, NTRAIN);
		if (r < 0)
			return -1;
		for (i = 0; i < r; i++) {
			if (done[i].status) {
				fprintf(stderr, "vqc: job for sample %llu: %s\n",
					(unsigned long long)done[i].user_data,
					qpu_strerror(done[i].status));
				return -1;
			}
		}
		got += r;
	}
	return 0;
}

/* <Z_0> of sample @job, sweep vector @sweep, read from the result buffer. */
static double expval(struct vqc *v, int job, int sweep)
{
	size_t off = ((size_t)job * NSWEEP + sweep) * v->slice;
	const struct qpu_result *r = qpu_result_at(v->results, off);

	return r && !r->status ? qpu_result_expect(r, 0) : NAN;
}

static double accuracy(struct vqc *v, const struct sample *s, int n)
{
	int i, right = 0;

	if (run_batch(v, s, n, 1))
		return -1;
	for (i = 0; i < n; i++)
		right += (expval(v, i, 0) > 0) == (s[i].y > 0);
	return (double)right / n;
}

static double train_epoch(struct vqc *v, const struct sample *s, double lr)
{
	double grad[NW] = { 0 }, loss = 0;
	int i, k;

	if (run_batch(v, s, NTRAIN, NSWEEP))
		return NAN;
	for (i = 0; i < NTRAIN; i++) {
		double f = expval(v, i, 0), err = f - s[i].y;

		loss += err * err;
		for (k = 0; k < NW; k++) {
			double d = (expval(v, i, 1 + 2 * k) -
				    expval(v, i, 2 + 2 * k)) / 2;

			grad[k] += 2 * err * d;
		}
	}
	for (k = 0; k < NW; k++)
		v->w[k] -= lr * grad[k] / NTRAIN;
	return loss / NTRAIN;
}

static int setup(struct vqc *v, const char *path, int use_ioctl)
{
	struct qpu_circuit *c = NULL;
	int ret;

	if (qpu_open(path, &v->dev))
		return -1;
	ret = qpu_alloc_qubits(v->dev, NQ, &v->q);
	if (!ret)
		ret = build_circuit(v, &c) ? -EINVAL :
		      qpu_circuit_load(v->dev, c, v->q, &v->circ);
	qpu_circuit_free(c);
	v->slice = qpu_result_size(0, 1, 1);
	if (!ret)
		ret = qpu_buffer_new(v->dev, sizeof(double) * NPARAM * NSWEEP * NTRAIN,
				     &v->params);
	if (!ret)
		ret = qpu_buffer_new(v->dev, v->slice * NSWEEP * NTRAIN, &v->results);
	if (!ret)
		ret = qpu_batch_new(v->dev, NTRAIN, use_ioctl ? QPU_BATCH_IOCTL : 0,
				    &v->batch);
	if (ret)
		fprintf(stderr, "vqc: %s\n", qpu_errmsg(v->dev));
	return ret;
}

static void teardown(struct vqc *v)
{
	if (!v->dev)
		return;
	qpu_batch_free(v->batch);
	qpu_buffer_free(v->dev, v->results);
	qpu_buffer_free(v->dev, v->params);
	qpu_circuit_unload(v->dev, v->circ.handle);
	qpu_free_qubits(v->dev, v->q);
	qpu_close(v->dev);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "lr", required_argument, NULL, 'l' },
		{ "min-accuracy", required_argument, NULL, 'm' },
		{ "ioctl", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct sample train[NTRAIN], test[NTEST];
	double lr = 0.3, min_acc = 0, acc0, acc, loss;
	const char *path = NULL;
	struct vqc v = { 0 };
	int epochs = 15, use_ioctl = 0, e, k, c;

	while ((c = getopt_long(argc, argv, "d:e:l:m:i", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'e': epochs = atoi(optarg); break;
		case 'l': lr = atof(optarg); break;
		case 'm': min_acc = atof(optarg); break;
		case 'i': use_ioctl = 1; break;
		default:
			fprintf(stderr, "usage: vqc [-d DEV] [--epochs N] [--lr X] "
				"[--min-accuracy A] [--ioctl]\n");
			return 2;
		}
	}

	make_data(train, NTRAIN);
	make_data(test, NTEST);
	for (k = 0; k < NW; k++)
		v.w[k] = 0.6 * rng_uniform() - 0.3;
	if (setup(&v, path, use_ioctl)) {
		teardown(&v);
		return 1;
	}
	printf("vqc: %d qubits, %d weights, %d training and %d held-out scans, %s\n",
	       NQ, NW, NTRAIN, NTEST,
	       qpu_batch_uses_uring(v.batch) ? "io_uring" : "ioctl");
	acc0 = accuracy(&v, test, NTEST);
	printf("held-out accuracy before training: %.3f\n", acc0);
	for (e = 1; e <= epochs; e++) {
		loss = train_epoch(&v, train, lr);
		if (isnan(loss)) {
			teardown(&v);
			return 1;
		}
		printf("epoch %2d  loss %.4f  (%d circuits in one submission)\n", e,
		       loss, NTRAIN * NSWEEP);
	}
	acc = accuracy(&v, test, NTEST);
	printf("held-out accuracy after training: %.3f\n", acc);
	teardown(&v);
	return acc >= min_acc && acc >= 0 ? 0 : 1;
}
