// SPDX-License-Identifier: GPL-2.0
/*
 * job_test.c - the execution path end to end: load once, run with
 * parameters in a mapped buffer, results in a mapped buffer; the same jobs
 * through QPU_IOC_RUN, SUBMIT/WAIT and io_uring must give identical
 * results; and teardown (SIGKILL with jobs in flight, device removal with
 * jobs queued) must leave nothing behind.
 */
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <liburing.h>
#include <libqpu.h>

#include "qpu_test.h"
#include "vm_util.h"

#define SHOTS		256
#define NSLOTS		64

/* A device handle, qubits, a loaded circuit and two mapped buffers. */
struct rig {
	struct qpu_dev *dev;
	struct qpu_qubits *q;
	struct qpu_loaded l;
	struct qpu_buffer *params;
	struct qpu_buffer *results;
	size_t slice;
	uint32_t nclbits;
};

/* RY(param 0) on qubit 0, CX onto a coupled neighbour, measure both. */
static struct qpu_circuit *ry_cx_circuit(const struct qpu_qubits *q)
{
	struct qpu_circuit *c = qpu_circuit_new(2, 2);
	uint32_t qs[2];

	QT_ASSERT(c);
	/* Virtual 0 and 1 are coupled: the allocator grows regions by BFS. */
	QT_ASSERT(q->num_edges >= 1 && q->edges[0].a == 0 && q->edges[0].b == 1);
	qs[0] = 0;
	qs[1] = 1;
	QT_ASSERT_EQ(qpu_circuit_ry(c, 0, qpu_param(0, 1.0, 0.0)), 0);
	QT_ASSERT_EQ(qpu_circuit_gate(c, QPU_OP_X, 1, qs, 2, NULL, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 0, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 1, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_add_observable(c, 1), 0);
	return c;
}

static void rig_up(struct rig *r, const char *path)
{
	struct qpu_circuit *c;

	memset(r, 0, sizeof(*r));
	QT_ASSERT_EQ(qpu_open(path, &r->dev), 0);
	QT_ASSERT_EQ(qpu_alloc_qubits(r->dev, 2, &r->q), 0);
	c = ry_cx_circuit(r->q);
	QT_ASSERT_EQ(qpu_circuit_load(r->dev, c, r->q, &r->l), 0);
	r->nclbits = qpu_circuit_num_clbits(c);
	qpu_circuit_free(c);
	r->slice = qpu_result_size(r->nclbits, SHOTS, 1);
	QT_ASSERT_EQ(qpu_buffer_new(r->dev, NSLOTS * sizeof(double), &r->params), 0);
	QT_ASSERT_EQ(qpu_buffer_new(r->dev, NSLOTS * r->slice, &r->results), 0);
}

static void rig_down(struct rig *r)
{
	qpu_buffer_free(r->dev, r->results);
	qpu_buffer_free(r->dev, r->params);
	qpu_circuit_unload(r->dev, r->l.handle);
	qpu_free_qubits(r->dev, r->q);
	qpu_close(r->dev);
}

/* Job reading parameter slot @slot and writing result slice @slot. */
static struct qpu_job_desc rig_job(const struct rig *r, uint32_t slot, uint64_t seed)
{
	struct qpu_job_desc j;

	memset(&j, 0, sizeof(j));
	j.circuit = r->l.handle;
	j.flags = QPU_RUN_SEED | QPU_RUN_EXPECT;
	j.seed = seed;
	j.shots = SHOTS;
	j.param_buf = r->params->handle;
	j.param_offset = slot * sizeof(double);
	j.result_buf = r->results->handle;
	j.result_offset = slot * r->slice;
	return j;
}

static const struct qpu_result *slice_ok(const struct rig *r, uint32_t slot)
{
	const struct qpu_result *res = qpu_result_at(r->results, slot * r->slice);

	QT_ASSERT(res);
	QT_ASSERT_EQ(res->status, 0);
	QT_ASSERT_EQ(res->shots, SHOTS);
	return res;
}

/* Compare two slices: counts and expectation values bit for bit. */
static void assert_same_slice(const struct qpu_result *a, const struct qpu_result *b)
{
	QT_ASSERT_EQ(a->num_counts, b->num_counts);
	QT_ASSERT_EQ(a->seed, b->seed);
	QT_ASSERT(!memcmp(qpu_result_counts(a), qpu_result_counts(b),
			  a->num_counts * sizeof(struct qpu_count)));
	QT_ASSERT(qpu_result_expect(a, 0) == qpu_result_expect(b, 0));
}

QPU_TEST(params_in_mapped_buffer_no_reload)
{
	double *p;
	struct qpu_job_desc j;
	const struct qpu_result *res;
	struct rig r;

	rig_up(&r, NULL);
	p = r.params->ptr;
	j = rig_job(&r, 0, 7);

	/* theta = 0: |00> always; theta = pi: |11> always. Same circuit. */
	p[0] = 0.0;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), 0);
	res = slice_ok(&r, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(qpu_result_counts(res)[0].bits, 0);
	QT_ASSERT(fabs(qpu_result_expect(res, 0) - 1.0) < 1e-12);

	p[0] = M_PI;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), 0);
	res = slice_ok(&r, 0);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(qpu_result_counts(res)[0].bits, 3);
	QT_ASSERT_EQ(qpu_result_counts(res)[0].count, SHOTS);
	QT_ASSERT(fabs(qpu_result_expect(res, 0) + 1.0) < 1e-12);

	/* theta = 1.1: <Z0> = cos(1.1) exactly; only 00 and 11 occur. */
	p[0] = 1.1;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), 0);
	res = slice_ok(&r, 0);
	QT_ASSERT_EQ(res->num_counts, 2);
	QT_ASSERT_EQ(qpu_result_counts(res)[0].bits, 0);
	QT_ASSERT_EQ(qpu_result_counts(res)[1].bits, 3);
	QT_ASSERT(fabs(qpu_result_expect(res, 0) - cos(1.1)) < 1e-12);
	rig_down(&r);
}

QPU_TEST(result_buffer_too_small_says_how_much)
{
	struct qpu_buffer *tiny;
	struct qpu_job_desc j;
	struct qpu_run out;
	struct rig r;

	rig_up(&r, NULL);
	((double *)r.params->ptr)[0] = 0.5;
	j = rig_job(&r, 0, 1);
	/* The last bytes of the buffer cannot hold a slice. */
	j.result_offset = r.results->size - 8;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, &out), -ENOSPC);
	QT_ASSERT_EQ(out.needed, r.slice);
	QT_ASSERT_EQ(qpu_buffer_new(r.dev, 1, &tiny), 0);
	j = rig_job(&r, 0, 1);
	j.result_buf = tiny->handle;
	j.shots = QPU_MAX_SHOTS;	/* 4 outcomes still fit one page */
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, &out), 0);
	qpu_buffer_free(r.dev, tiny);
	rig_down(&r);
}

QPU_TEST(uncoupled_gate_rejected_with_index)
{
	struct qpu_circuit *c;
	struct qpu_qubits *q;
	struct qpu_loaded l;
	struct qpu_dev *dev;
	struct qpu_circuit_load arg;
	uint32_t a, b, qs[2], e;
	bool coupled;

	QT_ASSERT_EQ(qpu_open(NULL, &dev), 0);
	QT_ASSERT_EQ(qpu_alloc_qubits(dev, 5, &q), 0);
	/* Find two virtual qubits of the region that are not coupled. */
	for (a = 0; a < 5; a++) {
		for (b = a + 1; b < 5; b++) {
			coupled = false;
			for (e = 0; e < q->num_edges; e++)
				coupled |= q->edges[e].a == a && q->edges[e].b == b;
			if (!coupled)
				goto found;
		}
	}
	QT_FAIL("a 5-qubit heavy-hex region is a tree: some pair is uncoupled");
found:
	c = qpu_circuit_new(5, 0);
	qs[0] = a;
	qs[1] = b;
	QT_ASSERT_EQ(qpu_circuit_h(c, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_gate(c, QPU_OP_X, 1, qs, 2, NULL, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_load(dev, c, q, &l), -EINVAL);
	QT_ASSERT(strstr(qpu_errmsg(dev), "gate 1"));
	QT_ASSERT(strstr(qpu_errmsg(dev), "not coupled"));

	/* The raw ioctl names the gate and the reason. */
	memset(&arg, 0, sizeof(arg));
	arg.alloc = q->handle;
	arg.num_qubits = 5;
	arg.num_gates = qpu_circuit_num_gates(c);
	arg.gates_ptr = (uintptr_t)qpu_circuit_gates(c);
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(dev), QPU_IOC_CIRCUIT_LOAD, &arg), -EINVAL);
	QT_ASSERT_EQ(arg.error, QPU_CERR_NOT_COUPLED);
	QT_ASSERT_EQ(arg.error_index, 1);
	qpu_circuit_free(c);
	qpu_free_qubits(dev, q);
	qpu_close(dev);
}

QPU_TEST(handles_do_not_cross_files)
{
	struct qpu_job_desc j;
	struct rig r, other;
	void *p;

	rig_up(&r, NULL);
	rig_up(&other, NULL);
	/* Another file's circuit and buffer handles are unknown here. */
	j = rig_job(&r, 0, 1);
	j.circuit = other.l.handle + 1000;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), -ENOENT);
	/* Its buffer cookie does not map through this file. */
	p = mmap(NULL, other.results->size, PROT_READ, MAP_SHARED, qpu_fd(r.dev),
		 (off_t)(other.results->handle + 100) << 32);
	QT_ASSERT(p == MAP_FAILED && errno == EINVAL);
	rig_down(&other);
	rig_down(&r);
}

QPU_TEST(buffer_references_checked)
{
	struct qpu_job_desc j;
	struct qpu_run out;
	struct rig r;

	rig_up(&r, NULL);
	/* Parameters read past the end of their buffer. */
	j = rig_job(&r, 0, 1);
	j.param_offset = r.params->size;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), -EINVAL);
	/* Misaligned parameter and result offsets. */
	j = rig_job(&r, 0, 1);
	j.param_offset = 4;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), -EINVAL);
	j = rig_job(&r, 0, 1);
	j.result_offset = 12;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), -EINVAL);
	/* Results would overwrite the parameters being read. */
	j = rig_job(&r, 0, 1);
	j.result_buf = r.params->handle;
	j.result_offset = 0;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, &out), -EINVAL);
	/* The circuit has a parameter: a parameter buffer is needed. */
	j = rig_job(&r, 0, 1);
	j.param_buf = 0;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), -EINVAL);
	/* Unknown buffers. */
	j = rig_job(&r, 0, 1);
	j.result_buf = 9999;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), -ENOENT);
	rig_down(&r);
}

/* munmap() and destroy do not pull memory from under the kernel. */
QPU_TEST(munmap_and_destroy_around_runs)
{
	struct qpu_buffer_destroy d;
	struct qpu_job_desc j;
	struct rig r;

	rig_up(&r, NULL);
	((double *)r.params->ptr)[0] = M_PI;
	j = rig_job(&r, 0, 1);
	/* Unmapped by the process, still owned by the handle: runs work. */
	QT_ASSERT_EQ(munmap(r.results->ptr, r.results->size), 0);
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), 0);
	/* Map it again: the run's result is there. */
	r.results->ptr = mmap(NULL, r.results->size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, qpu_fd(r.dev), (off_t)r.results->handle << 32);
	QT_ASSERT(r.results->ptr != MAP_FAILED);
	QT_ASSERT_EQ(qpu_result_counts(slice_ok(&r, 0))[0].bits, 3);
	/* Destroyed while mapped: the mapping stays usable, runs fail. */
	memset(&d, 0, sizeof(d));
	d.handle = r.results->handle;
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_BUFFER_DESTROY, &d), 0);
	((volatile char *)r.results->ptr)[0] = 1;
	QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), -ENOENT);
	QT_ASSERT_EQ(munmap(r.results->ptr, r.results->size), 0);
	free(r.results);
	r.results = NULL;
	rig_down(&r);
}

/* poll() reports a completed job until it is reaped. */
QPU_TEST(poll_reports_completions)
{
	struct pollfd pfd;
	struct qpu_submit s;
	struct qpu_wait w;
	struct rig r;

	rig_up(&r, NULL);
	pfd.fd = qpu_fd(r.dev);
	pfd.events = POLLIN;
	QT_ASSERT_EQ(poll(&pfd, 1, 0), 0);
	memset(&s, 0, sizeof(s));
	s.job = rig_job(&r, 0, 1);
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_SUBMIT, &s), 0);
	QT_ASSERT_EQ(poll(&pfd, 1, 60000), 1);
	QT_ASSERT(pfd.revents & POLLIN);
	memset(&w, 0, sizeof(w));
	w.job_id = s.job_id;
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w), 0);
	QT_ASSERT_EQ(w.status, 0);
	QT_ASSERT_EQ(poll(&pfd, 1, 0), 0);
	rig_down(&r);
}

/* The same 64 jobs through RUN, SUBMIT/WAIT and io_uring: same results. */
QPU_TEST(three_paths_same_results)
{
	struct qpu_completion done[NSLOTS];
	struct qpu_result *ref;
	struct qpu_batch *b;
	struct qpu_job_desc j;
	struct qpu_submit s;
	struct qpu_wait w;
	uint32_t i, got;
	struct rig r;
	int n, pass;

	rig_up(&r, NULL);
	for (i = 0; i < NSLOTS; i++)
		((double *)r.params->ptr)[i] = 0.05 * i;
	ref = calloc(NSLOTS, r.slice);
	QT_ASSERT(ref);
	for (i = 0; i < NSLOTS; i++) {
		j = rig_job(&r, i, 100 + i);
		QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), 0);
		memcpy((char *)ref + i * r.slice, slice_ok(&r, i), r.slice);
	}

	/* Asynchronous ioctls. */
	memset(r.results->ptr, 0, r.results->size);
	for (i = 0; i < NSLOTS; i++) {
		memset(&s, 0, sizeof(s));
		s.job = rig_job(&r, i, 100 + i);
		s.user_data = i;
		QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_SUBMIT, &s), 0);
		QT_ASSERT_GT(s.job_id, 0);
	}
	for (i = 0; i < NSLOTS; i++) {
		memset(&w, 0, sizeof(w));
		w.flags = QPU_WAIT_ANY;
		w.timeout_ns = -1;
		QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w), 0);
		QT_ASSERT_EQ(w.status, 0);
		QT_ASSERT_EQ(w.state, QPU_JOB_DONE);
		QT_ASSERT(w.submit_ns <= w.start_ns && w.start_ns <= w.end_ns);
	}
	for (i = 0; i < NSLOTS; i++)
		assert_same_slice(slice_ok(&r, i),
				  (void *)((char *)ref + i * r.slice));

	/* io_uring (pass 0) and the library's ioctl fallback (pass 1). */
	for (pass = 0; pass < 2; pass++) {
		memset(r.results->ptr, 0, r.results->size);
		QT_ASSERT_EQ(qpu_batch_new(r.dev, NSLOTS, pass ? QPU_BATCH_IOCTL : 0,
					   &b), 0);
		QT_ASSERT_EQ(qpu_batch_uses_uring(b), !pass);
		for (i = 0; i < NSLOTS; i++) {
			j = rig_job(&r, i, 100 + i);
			QT_ASSERT_EQ(qpu_batch_add(b, &j, i), 0);
		}
		QT_ASSERT_EQ(qpu_batch_submit(b), NSLOTS);
		for (got = 0; got < NSLOTS; got += n) {
			n = qpu_batch_wait(b, done, NSLOTS - got, NSLOTS);
			QT_ASSERT_GT(n, 0);
			for (i = 0; i < (uint32_t)n; i++) {
				QT_ASSERT_EQ(done[i].status, 0);
				QT_ASSERT_GT(done[i].job_id, 0);
			}
		}
		qpu_batch_free(b);
		for (i = 0; i < NSLOTS; i++)
			assert_same_slice(slice_ok(&r, i),
					  (void *)((char *)ref + i * r.slice));
	}
	free(ref);
	rig_down(&r);
}

QPU_TEST(uring_unknown_op_and_small_sqe)
{
	struct io_uring_params p;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct rig r;
	int i;

	rig_up(&r, NULL);
	for (i = 0; i < 2; i++) {
		memset(&p, 0, sizeof(p));
		/* Ring 0: SQE128 with an unknown op; ring 1: 64-byte SQEs. */
		p.flags = i == 0 ? IORING_SETUP_SQE128 | IORING_SETUP_CQE32 : 0;
		QT_ASSERT_EQ(io_uring_queue_init_params(4, &ring, &p), 0);
		sqe = io_uring_get_sqe(&ring);
		memset(sqe, 0, i == 0 ? 128 : 64);
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = qpu_fd(r.dev);
		sqe->cmd_op = i == 0 ? 99 : QPU_URING_CMD_RUN;
		QT_ASSERT_EQ(io_uring_submit(&ring), 1);
		QT_ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
		QT_ASSERT_EQ(cqe->res, i == 0 ? -ENOTTY : -EINVAL);
		io_uring_cqe_seen(&ring, cqe);
		io_uring_queue_exit(&ring);
	}
	rig_down(&r);
}

/*
 * A child queues about a thousand jobs (half by ioctl, half by io_uring)
 * and is killed with them in flight: nothing may stay behind.
 */
QPU_TEST_TIMEOUT(sigkill_with_jobs_in_flight, 300)
{
	struct qpu_objs before, after;
	int ready[2], i, tries;
	char c;
	pid_t pid;

	read_objs(&before);
	pipe_ok(ready);
	pid = fork_ok();
	if (!pid) {
		struct qpu_job_desc j;
		struct qpu_submit s;
		struct qpu_batch *b;
		struct rig r;

		rig_up(&r, NULL);
		QT_ASSERT_EQ(qpu_batch_new(r.dev, 512, 0, &b), 0);
		for (i = 0; i < 512; i++) {
			memset(&s, 0, sizeof(s));
			s.job = rig_job(&r, i % NSLOTS, i);
			QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_SUBMIT, &s), 0);
			j = rig_job(&r, i % NSLOTS, i);
			QT_ASSERT_EQ(qpu_batch_add(b, &j, i), 0);
		}
		QT_ASSERT_EQ(qpu_batch_submit(b), 512);
		write_full_ok(ready[1], "x", 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	QT_ASSERT(read_full_ok(ready[0], &c, 1));
	kill(pid, SIGKILL);
	wait_status(pid);
	/* The ring's teardown completes in the dying task; give it a moment. */
	for (tries = 0; tries < 200; tries++) {
		read_objs(&after);
		if (!memcmp(&after, &before, sizeof(after)))
			break;
		usleep(50000);
	}
	assert_objs_eq(&after, &before);

	/* The device still works for others. */
	{
		struct qpu_job_desc j;
		struct rig r;

		rig_up(&r, NULL);
		j = rig_job(&r, 0, 1);
		QT_ASSERT_EQ(qpu_run_job(r.dev, &j, NULL), 0);
		rig_down(&r);
	}
}

/* Removing a device with jobs queued and running: all complete, ENODEV. */
QPU_TEST_TIMEOUT(remove_device_with_jobs, 300)
{
	struct qpu_objs before, after;
	struct qpu_submit s;
	struct qpu_wait w;
	uint32_t i;
	struct rig r;

	read_objs(&before);
	new_device_ok(5, "grid:3x4");
	QT_ASSERT_EQ(write_dev_attr(5, "workers", "1"), 0);
	rig_up(&r, "/dev/qpu5");
	for (i = 0; i < 200; i++) {
		memset(&s, 0, sizeof(s));
		s.job = rig_job(&r, i % NSLOTS, i);
		QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_SUBMIT, &s), 0);
	}
	del_device_ok(5);
	/* Every later call fails; the jobs completed (or were cancelled). */
	memset(&w, 0, sizeof(w));
	w.flags = QPU_WAIT_ANY;
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w), -ENODEV);
	memset(&s, 0, sizeof(s));
	s.job = rig_job(&r, 0, 1);
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_SUBMIT, &s), -ENODEV);
	rig_down(&r);	/* its calls fail with ENODEV; close still frees */
	read_objs(&after);
	assert_objs_eq(&after, &before);
}

/* Reference slices: one synchronous RUN per seed 0..7 into @ref. */
static void reference_slices(struct rig *r, void *ref)
{
	struct qpu_job_desc j;
	uint32_t i;

	for (i = 0; i < 8; i++) {
		j = rig_job(r, i, i);
		QT_ASSERT_EQ(qpu_run_job(r->dev, &j, NULL), 0);
		memcpy((char *)ref + i * r->slice, slice_ok(r, i), r->slice);
	}
}

/*
 * One of eight processes: 1000 jobs, by SUBMIT/WAIT (even children) or
 * io_uring batches of 64 (odd), every slice checked against the
 * synchronous result for its seed.
 */
static void many_jobs_child(int child)
{
	struct qpu_completion done[NSLOTS];
	struct qpu_job_desc j;
	struct qpu_submit s;
	struct qpu_batch *b;
	struct qpu_wait w;
	uint32_t i, k, got;
	struct rig r;
	void *ref;
	int n;

	rig_up(&r, NULL);
	for (i = 0; i < NSLOTS; i++)
		((double *)r.params->ptr)[i] = 0.3 * (i % 8) + 0.1 * child;
	ref = calloc(8, r.slice);
	QT_ASSERT(ref);
	reference_slices(&r, ref);
	QT_ASSERT_EQ(qpu_batch_new(r.dev, NSLOTS, child % 2 ? 0 : QPU_BATCH_IOCTL, &b), 0);
	for (k = 0; k < 1000; k += NSLOTS) {
		uint32_t m = k + NSLOTS <= 1000 ? NSLOTS : 1000 - k;

		memset(r.results->ptr, 0, r.results->size);
		for (i = 0; i < m; i++) {
			/* Slot i reads parameter i, seed i % 8: like ref[i % 8]. */
			j = rig_job(&r, i, i % 8);
			j.param_offset = (i % 8) * sizeof(double);
			if (child % 2) {
				QT_ASSERT_EQ(qpu_batch_add(b, &j, i), 0);
				continue;
			}
			memset(&s, 0, sizeof(s));
			s.job = j;
			QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_SUBMIT, &s), 0);
		}
		if (child % 2) {
			QT_ASSERT_EQ(qpu_batch_submit(b), (int)m);
			for (got = 0; got < m; got += n) {
				n = qpu_batch_wait(b, done, m - got, NSLOTS);
				QT_ASSERT_GT(n, 0);
			}
		} else {
			for (i = 0; i < m; i++) {
				memset(&w, 0, sizeof(w));
				w.flags = QPU_WAIT_ANY;
				w.timeout_ns = -1;
				QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w), 0);
				QT_ASSERT_EQ(w.status, 0);
			}
		}
		for (i = 0; i < m; i++)
			assert_same_slice(slice_ok(&r, i),
					  (void *)((char *)ref + (i % 8) * r.slice));
	}
	qpu_batch_free(b);
	free(ref);
	rig_down(&r);
	_exit(0);
}

QPU_TEST_TIMEOUT(eight_processes_thousand_jobs, 600)
{
	struct qpu_objs before, after;
	pid_t pids[8];
	int i;

	read_objs(&before);
	for (i = 0; i < 8; i++) {
		pids[i] = fork_ok();
		if (!pids[i])
			many_jobs_child(i);
	}
	for (i = 0; i < 8; i++)
		wait_ok(pids[i]);
	read_objs(&after);
	assert_objs_eq(&after, &before);
}

/* Tearing the ring down, then closing, with commands in flight. */
QPU_TEST(ring_teardown_and_close_with_commands_in_flight)
{
	struct qpu_objs before, after;
	struct qpu_job_desc j;
	struct qpu_batch *b;
	struct rig r;
	uint32_t i;

	read_objs(&before);
	rig_up(&r, NULL);
	QT_ASSERT_EQ(qpu_batch_new(r.dev, 256, 0, &b), 0);
	QT_ASSERT(qpu_batch_uses_uring(b));
	for (i = 0; i < 256; i++) {
		j = rig_job(&r, i % NSLOTS, i);
		QT_ASSERT_EQ(qpu_batch_add(b, &j, i), 0);
	}
	QT_ASSERT_EQ(qpu_batch_submit(b), 256);
	qpu_batch_free(b);		/* io_uring_queue_exit() with all in flight */
	rig_down(&r);			/* and close */
	for (i = 0; i < 200; i++) {
		read_objs(&after);
		if (!memcmp(&after, &before, sizeof(after)))
			break;
		usleep(50000);
	}
	assert_objs_eq(&after, &before);
}

/* Job ids are per file; cancelling a queued job completes it cancelled. */
QPU_TEST(job_ids_per_file_and_cancel)
{
	struct qpu_submit s;
	struct qpu_cancel c;
	struct qpu_wait w;
	struct rig r, other;
	uint32_t i, last = 0, cancelled = 0;

	rig_up(&r, NULL);
	rig_up(&other, NULL);
	QT_ASSERT_EQ(write_dev_attr(0, "workers", "1"), 0);
	for (i = 0; i < 64; i++) {
		memset(&s, 0, sizeof(s));
		s.job = rig_job(&r, i, i);
		s.job.shots = QPU_MAX_SHOTS;	/* slow enough to keep a queue */
		s.job.result_offset = 0;
		s.job.flags &= ~QPU_RUN_EXPECT;
		QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_SUBMIT, &s), 0);
		last = s.job_id;
	}
	/* Another file does not know the id. */
	memset(&w, 0, sizeof(w));
	w.job_id = last;
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(other.dev), QPU_IOC_WAIT, &w), -ENOENT);
	memset(&c, 0, sizeof(c));
	c.job_id = last;
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(other.dev), QPU_IOC_CANCEL, &c), -ENOENT);
	/* The last job is still queued behind 63 long ones: cancel it. */
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_CANCEL, &c), 0);
	memset(&w, 0, sizeof(w));
	w.job_id = last;
	w.timeout_ns = -1;
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w), 0);
	QT_ASSERT_EQ(w.status, -ECANCELED);
	QT_ASSERT_EQ(w.state, QPU_JOB_CANCELLED);
	QT_ASSERT_EQ(w.start_ns, 0);
	/* Reaped: the id is gone. */
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_CANCEL, &c), -ENOENT);
	for (i = 0; i < 63; i++) {
		memset(&w, 0, sizeof(w));
		w.flags = QPU_WAIT_ANY;
		w.timeout_ns = -1;
		QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w), 0);
		cancelled += w.status == -ECANCELED;
	}
	QT_ASSERT_EQ(cancelled, 0);
	memset(&w, 0, sizeof(w));
	w.flags = QPU_WAIT_ANY;
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w), -ENOENT);
	QT_ASSERT_EQ(write_dev_attr(0, "workers", "2"), 0);
	rig_down(&other);
	rig_down(&r);
}

/* A waiter blocked in WAIT when its device goes away wakes up with it. */
QPU_TEST_TIMEOUT(blocked_waiter_wakes_on_removal, 300)
{
	struct qpu_submit s;
	int st, report[2];
	uint32_t i, last = 0;
	int32_t status;
	struct rig r;
	pid_t pid;

	new_device_ok(6, "grid:2x3");
	QT_ASSERT_EQ(write_dev_attr(6, "workers", "1"), 0);
	rig_up(&r, "/dev/qpu6");
	for (i = 0; i < 100; i++) {
		memset(&s, 0, sizeof(s));
		s.job = rig_job(&r, i % NSLOTS, i);
		s.job.shots = QPU_MAX_SHOTS;
		s.job.flags &= ~QPU_RUN_EXPECT;
		s.job.result_offset = 0;
		QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_SUBMIT, &s), 0);
		last = s.job_id;
	}
	pipe_ok(report);
	pid = fork_ok();
	if (!pid) {
		struct qpu_wait w;

		/* The shared file: the child waits for the parent's last job. */
		memset(&w, 0, sizeof(w));
		w.job_id = last;
		w.timeout_ns = -1;
		st = qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w);
		status = st ? st : w.status;
		write_full_ok(report[1], &status, sizeof(status));
		_exit(0);
	}
	usleep(200000);		/* let the child block (not required) */
	del_device_ok(6);
	QT_ASSERT(read_full_ok(report[0], &status, sizeof(status)));
	wait_ok(pid);
	/* Reaped with the removal's status, or refused because it is gone. */
	QT_ASSERT(status == -ENODEV || status == -ECANCELED);
	rig_down(&r);
}

/* Run a shell command; return its output (static buffer) and status. */
static const char *shell_output(const char *cmd, int *status)
{
	static char out[16384];
	size_t n = 0, m;
	FILE *f = popen(cmd, "r");

	QT_ASSERT(f);
	while (n < sizeof(out) - 1 &&
	       (m = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += m;
	out[n] = '\0';
	*status = pclose(f);
	return out;
}

/* The example variational classifier must learn: well above chance. */
QPU_TEST_TIMEOUT(vqc_example_learns, 600)
{
	const char *out, *line;
	double acc = 0;
	int st;

	if (access("/bin/vqc", X_OK))
		qt_skip("/bin/vqc not in the guest");
	out = shell_output("vqc --epochs 15 2>&1", &st);
	printf("%s", out);
	QT_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	QT_ASSERT(strstr(out, "io_uring"));
	line = strstr(out, "accuracy after training: ");
	QT_ASSERT(line);
	QT_ASSERT_EQ(sscanf(line, "accuracy after training: %lf", &acc), 1);
	/* 32 held-out samples, two classes: 0.75 is far above chance. */
	QT_ASSERT(acc >= 0.75);
}

QPU_TEST(qpu_run_bell)
{
	const char *out;
	long n00 = 0, n11 = 0;
	char *p;
	int st;

	if (access("/bin/qpu-run", X_OK) || access("/examples/bell.qasm", R_OK))
		qt_skip("qpu-run or examples/bell.qasm not in the guest");
	out = shell_output("qpu-run --shots 1000 --seed 3 /examples/bell.qasm 2>&1", &st);
	QT_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	p = strstr(out, "\n00 ");
	if (p)
		n00 = strtol(p + 4, NULL, 10);
	p = strstr(out, "\n11 ");
	if (p)
		n11 = strtol(p + 4, NULL, 10);
	QT_ASSERT_EQ(n00 + n11, 1000);
	QT_ASSERT(n00 > 400 && n11 > 400);
	QT_ASSERT(!strstr(out, "\n01 ") && !strstr(out, "\n10 "));

	/* A syntax error is reported with file:line:col and a failure. */
	{
		FILE *f = fopen("/tmp/bad.qasm", "w");

		QT_ASSERT(f);
		fputs("OPENQASM 2.0;\nqreg q[2]\nh q;\n", f);	/* ';' missing */
		QT_ASSERT_EQ(fclose(f), 0);
	}
	out = shell_output("qpu-run /tmp/bad.qasm 2>&1", &st);
	QT_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	QT_ASSERT(strstr(out, "/tmp/bad.qasm:2:10: expected ';'"));
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
