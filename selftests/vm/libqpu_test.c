// SPDX-License-Identifier: GPL-2.0
/*
 * libqpu_test.c - libqpu calls that need a device:
 *
 *  - a program's own io_uring ring (IORING_SETUP_SQE128 | CQE32) with
 *    jobs prepared by qpu_prep_run() and read back by qpu_cqe_completion():
 *    the prepared SQE is exactly the documented 128 bytes whatever the
 *    slot held before (garbage in bytes 64..127 and in the fields the
 *    driver requires zero), and the results equal the synchronous RUN of
 *    the same jobs byte for byte, rejected jobs included;
 *  - SQEs of qpu_prep_run() mixed with other operations on the same ring
 *    (a linked NOP), as a program with its own event loop does;
 *  - the errno convention on device calls: failures set errno to the
 *    errno they return, successes (io_uring and ioctl batches, whose
 *    reaping meets EAGAIN, included) leave errno alone;
 *  - refused charges: qpu_errmsg() after an allocation over the file's
 *    max_ctx_qubits names the limit, qpu_get_refusal() returns the same
 *    detail, qpu_refusal_format() the same sentence (these need the
 *    tenant core, QPU_FEAT_TENANTS; without it qpu_get_refusal() is
 *    -ENOTTY and the message is the old one);
 *  - provenance: a sweep run with QPU_RUN_PROVENANCE at the offset
 *    qpu_result_layout() gives reads back through qpu_provenance_at()
 *    with the load's hash, the allocation's qubits, the seed, shots and
 *    sweeps; qpu_replay_job() of it (qpu_provenance has the record's
 *    fields) matches, and a changed parameter is -EBADMSG, named.
 */
#include <stddef.h>
#include <liburing.h>
#include <libqpu.h>

#include "qpu_test.h"
#include "vm_util.h"
#include "job_rig.h"

#define NJOBS		16
#define SHOTS		64

static void own_ring(struct io_uring *ring, unsigned int entries)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	QT_ASSERT_EQ(io_uring_queue_init_params(entries, ring, &p), 0);
}

/* The SQE qpu_prep_run() must produce, built field by field here. */
static void expected_sqe(unsigned char out[128], int fd,
			 const struct qpu_job_desc *job, uint64_t user_data)
{
	struct io_uring_sqe *s = (void *)out;

	memset(out, 0, 128);
	s->opcode = IORING_OP_URING_CMD;
	s->fd = fd;
	s->cmd_op = QPU_URING_CMD_RUN;
	s->user_data = user_data;
	memcpy(out + offsetof(struct io_uring_sqe, cmd), job, sizeof(*job));
}

/* ---- a ring of the program's own ------------------------------------- */

QPU_TEST(own_ring_matches_sync_run)
{
	unsigned char *ref, *got, want[128];
	struct qpu_completion c;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int seen[NJOBS] = { 0 };
	struct qpu_job_desc j;
	struct rig r;
	uint32_t i;

	rig_up(&r, NJOBS, SHOTS, 77, 4);
	ref = malloc(NJOBS * r.slice);
	got = malloc(NJOBS * r.slice);
	QT_ASSERT(ref && got);
	rig_run_sync(&r, ref);

	memset(r.results->ptr, 0, r.results->size);
	own_ring(&ring, NJOBS);
	for (i = 0; i < NJOBS; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		QT_ASSERT(sqe);
		/* Whatever the slot held must not reach the driver. */
		memset(sqe, 0xa5, 128);
		j = rig_job(&r, i);
		qpu_prep_run(sqe, r.dev, &j, 900 + i);
		/* The descriptor is copied: changing it now changes nothing. */
		expected_sqe(want, qpu_fd(r.dev), &j, 900 + i);
		memset(&j, 0xff, sizeof(j));
		if (memcmp(sqe, want, 128))
			QT_FAIL("job %u: prepared SQE differs from the layout",
				i);
	}
	QT_ASSERT_EQ(io_uring_submit(&ring), NJOBS);
	for (i = 0; i < NJOBS; i++) {
		uint64_t k;

		QT_ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
		errno = ERRNO_SENTINEL;
		qpu_cqe_completion(cqe, &c);
		QT_ASSERT_EQ(errno, ERRNO_SENTINEL);
		QT_ASSERT_EQ(c.user_data, cqe->user_data);
		QT_ASSERT_EQ(c.status, cqe->res);
		QT_ASSERT_EQ(c.job_id, cqe->big_cqe[0]);
		io_uring_cqe_seen(&ring, cqe);
		k = c.user_data - 900;
		QT_ASSERT_LT(k, NJOBS);
		QT_ASSERT_EQ(seen[k]++, 0);
		QT_ASSERT_EQ(c.status, rig_status_ref(&r, k));
		if (c.status)
			QT_ASSERT_EQ(c.job_id, 0);
		else
			QT_ASSERT_GT(c.job_id, 0);
	}
	io_uring_queue_exit(&ring);
	rig_snapshot(&r, got);
	for (i = 0; i < NJOBS; i++)
		if (memcmp(got + i * r.slice, ref + i * r.slice, r.slice))
			QT_FAIL("job %u: own ring result differs from RUN", i);
	free(got);
	free(ref);
	rig_down(&r);
}

/* A job linked after a NOP on the same ring: both complete, in order. */
QPU_TEST(own_ring_mixed_with_other_ops)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct qpu_completion c;
	struct io_uring ring;
	struct qpu_job_desc j;
	struct rig r;

	rig_up(&r, NJOBS, SHOTS, 77, 4);
	own_ring(&ring, 4);
	memset(r.results->ptr, 0, r.results->size);
	sqe = io_uring_get_sqe(&ring);
	QT_ASSERT(sqe);
	memset(sqe, 0x5a, 128);
	io_uring_prep_nop(sqe);
	/* prep_nop() leaves bytes 64..127 alone; a NOP ignores them. */
	io_uring_sqe_set_data64(sqe, 1);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&ring);
	QT_ASSERT(sqe);
	j = rig_job(&r, 0);
	qpu_prep_run(sqe, r.dev, &j, 2);
	QT_ASSERT_EQ(io_uring_submit(&ring), 2);

	QT_ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
	QT_ASSERT_EQ(cqe->user_data, 1);
	QT_ASSERT_EQ(cqe->res, 0);
	io_uring_cqe_seen(&ring, cqe);
	QT_ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
	qpu_cqe_completion(cqe, &c);
	io_uring_cqe_seen(&ring, cqe);
	QT_ASSERT_EQ(c.user_data, 2);
	QT_ASSERT_EQ(c.status, 0);
	QT_ASSERT_GT(c.job_id, 0);
	assert_slice_ok(qpu_result_at(r.results, 0), 2, SHOTS, 1, 0);
	QT_ASSERT_EQ(qpu_result_at(r.results, 0)->seed, 77);
	io_uring_queue_exit(&ring);
	rig_down(&r);
}

/* ---- errno on device calls ------------------------------------------- */

QPU_TEST(device_failures_set_errno)
{
	struct qpu_qubits *q = NULL;
	struct qpu_buffer *b = NULL;
	struct qpu_batch *bt = NULL;
	struct qpu_job_desc j;
	struct qpu_dev *dev;
	struct qpu_info info;

	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &dev), 0);
	QT_ASSERT_EQ(qpu_get_info(dev, &info), 0);
	FAILS_WITH(qpu_alloc_qubits(dev, 0, &q), EINVAL);
	FAILS_WITH(qpu_alloc_qubits(dev, info.num_qubits + 1, &q), E2BIG);
	FAILS_WITH(qpu_circuit_unload(dev, 4242), ENOENT);
	FAILS_WITH(qpu_buffer_new(dev, 0, &b), EINVAL);
	memset(&j, 0, sizeof(j));
	j.circuit = 4242;
	j.shots = 1;
	j.result_buf = 4242;
	FAILS_WITH(qpu_run_job(dev, &j, NULL), ENOENT);
	FAILS_WITH(qpu_batch_new(dev, 0, 0, &bt), EINVAL);
	QT_ASSERT(!q && !b && !bt);
	/* The message still explains, next to errno. */
	QT_ASSERT(strstr(qpu_errmsg(dev), "batch"));
	qpu_close(dev);
	FAILS_WITH(qpu_open("/dev/qpu99", &dev), ENOENT);
}

/* Every step of the rig, a run, and a batch on path @flags. */
static void successes_keep_errno(uint32_t flags)
{
	struct qpu_completion done[NJOBS];
	struct qpu_edge *edges;
	struct qpu_circuit *c;
	struct qpu_qubits *q;
	struct qpu_buffer *res;
	struct qpu_batch *b;
	struct qpu_info info;
	struct qpu_job_desc j;
	struct qpu_loaded l;
	struct qpu_dev *dev;
	uint32_t ne, i, n;
	int ret;

	KEEPS_ERRNO(qpu_open(QPU0_PATH, &dev));
	KEEPS_ERRNO(qpu_get_info(dev, &info));
	KEEPS_ERRNO(qpu_get_topology(dev, &edges, &ne));
	free(edges);
	KEEPS_ERRNO(qpu_alloc_qubits(dev, 2, &q));
	c = qpu_circuit_new(2, 2);
	QT_ASSERT(c);
	QT_ASSERT_EQ(qpu_circuit_h(c, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_cx(c, 0, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 0, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 1, 1), 0);
	KEEPS_ERRNO(qpu_circuit_load(dev, c, q, &l));
	qpu_circuit_free(c);
	KEEPS_ERRNO(qpu_buffer_new(dev, NJOBS * qpu_result_size(2, SHOTS, 0),
				   &res));
	memset(&j, 0, sizeof(j));
	j.circuit = l.handle;
	j.shots = SHOTS;
	j.result_buf = res->handle;
	KEEPS_ERRNO(qpu_run_job(dev, &j, NULL));

	KEEPS_ERRNO(qpu_batch_new(dev, NJOBS, flags, &b));
	QT_ASSERT_EQ(qpu_batch_uses_uring(b), !(flags & QPU_BATCH_IOCTL));
	for (i = 0; i < NJOBS; i++) {
		j.result_offset = i * qpu_result_size(2, SHOTS, 0);
		KEEPS_ERRNO(qpu_batch_add(b, &j, i));
	}
	KEEPS_ERRNO(qpu_batch_submit(b));
	/* Peeks first: these meet EAGAIN inside while jobs still run. */
	for (n = 0; n < NJOBS; n += ret) {
		errno = ERRNO_SENTINEL;
		ret = qpu_batch_wait(b, done, n < NJOBS / 2 ? 0 : 1, NJOBS);
		QT_ASSERT_GE(ret, 0);
		QT_ASSERT_EQ(errno, ERRNO_SENTINEL);
		for (i = 0; i < (uint32_t)ret; i++)
			QT_ASSERT_EQ(done[i].status, 0);
	}
	errno = ERRNO_SENTINEL;
	qpu_batch_free(b);
	QT_ASSERT_EQ(errno, ERRNO_SENTINEL);

	KEEPS_ERRNO(qpu_buffer_free(dev, res));
	KEEPS_ERRNO(qpu_circuit_unload(dev, l.handle));
	KEEPS_ERRNO(qpu_free_qubits(dev, q));
	errno = ERRNO_SENTINEL;
	qpu_close(dev);
	QT_ASSERT_EQ(errno, ERRNO_SENTINEL);
}

QPU_TEST(successes_keep_errno_uring)
{
	successes_keep_errno(0);
}

QPU_TEST(successes_keep_errno_ioctl)
{
	successes_keep_errno(QPU_BATCH_IOCTL);
}

/* ---- refused charges -------------------------------------------------- */

/*
 * qpu_circuit_hash() is the kernel's hash; a circuit that names a source
 * loads with it (the driver accepts QPU_LOAD_SOURCE and still hashes what
 * it loaded), and one without loads as before.
 */
QPU_TEST(circuit_hash_and_source)
{
	struct qpu_circuit_source src = { .route_seed = 5, .route_swaps = 2 }, got;
	uint8_t h[32];
	struct qpu_circuit *c;
	struct qpu_qubits *q;
	struct qpu_loaded l, l2;
	struct qpu_dev *dev;

	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &dev), 0);
	c = qpu_circuit_new(2, 2);
	QT_ASSERT(c != NULL);
	QT_ASSERT_EQ(qpu_circuit_rx(c, 0, qpu_param(0, 0.5, 0.25)), 0);
	QT_ASSERT_EQ(qpu_circuit_h(c, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 1, 1), 0);
	QT_ASSERT_EQ(qpu_alloc_qubits(dev, 2, &q), 0);
	QT_ASSERT_EQ(qpu_circuit_load(dev, c, q, &l), 0);
	QT_ASSERT_EQ(qpu_circuit_hash(c, h), 0);
	QT_ASSERT(!memcmp(h, l.hash, sizeof(h)));
	QT_ASSERT_NEGERR(qpu_circuit_source(c, &got), ENOENT);

	memset(src.hash, 0x3c, sizeof(src.hash));
	QT_ASSERT_EQ(qpu_circuit_set_source(c, &src), 0);
	QT_ASSERT_EQ(qpu_circuit_source(c, &got), 0);
	QT_ASSERT(!memcmp(&got, &src, sizeof(got)));
	QT_ASSERT_EQ(qpu_circuit_load(dev, c, q, &l2), 0);
	QT_ASSERT(!memcmp(l2.hash, l.hash, sizeof(h)));
	QT_ASSERT_EQ(qpu_circuit_set_source(c, NULL), 0);
	QT_ASSERT_NEGERR(qpu_circuit_source(c, &got), ENOENT);
	QT_ASSERT_EQ(qpu_circuit_unload(dev, l2.handle), 0);
	QT_ASSERT_EQ(qpu_circuit_unload(dev, l.handle), 0);
	qpu_free_qubits(dev, q);
	qpu_circuit_free(c);
	qpu_close(dev);
}

QPU_TEST(provenance_and_replay)
{
	static const double params[3] = { 0.4, 1.3, 2.9 };
	struct qpu_buffer *pbuf, *rbuf;
	const struct qpu_provenance *p;
	struct qpu_job_record rec;
	struct qpu_circuit *c;
	struct qpu_qubits *q;
	struct qpu_loaded l;
	struct qpu_replay r;
	struct qpu_job_desc job;
	struct qpu_dev *dev;
	size_t stride, poff, size;
	double changed[3];
	uint32_t i;

	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &dev), 0);
	c = qpu_circuit_new(2, 2);
	QT_ASSERT(c != NULL);
	QT_ASSERT_EQ(qpu_circuit_ry(c, 0, qpu_param(0, 1.0, 0.0)), 0);
	QT_ASSERT_EQ(qpu_circuit_h(c, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 0, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 1, 1), 0);
	QT_ASSERT_EQ(qpu_alloc_qubits(dev, 2, &q), 0);
	QT_ASSERT_EQ(qpu_circuit_load(dev, c, q, &l), 0);
	QT_ASSERT_EQ(qpu_buffer_new(dev, sizeof(params), &pbuf), 0);
	memcpy(pbuf->ptr, params, sizeof(params));
	size = qpu_result_layout(2, 500, 0, 3, &stride, &poff);
	QT_ASSERT_EQ(qpu_buffer_new(dev, size, &rbuf), 0);
	QT_ASSERT(!qpu_provenance_at(rbuf, poff));
	memset(&job, 0, sizeof(job));
	job.circuit = l.handle;
	job.flags = QPU_RUN_SEED | QPU_RUN_PROVENANCE;
	job.seed = 99;
	job.shots = 500;
	job.num_sweeps = 3;
	job.param_buf = pbuf->handle;
	job.param_stride = sizeof(double);
	job.result_buf = rbuf->handle;
	job.result_stride = stride;
	job.provenance_offset = poff;
	QT_ASSERT_EQ(qpu_run_job(dev, &job, NULL), 0);
	p = qpu_provenance_at(rbuf, poff);
	QT_ASSERT(p != NULL);
	QT_ASSERT_EQ(p->status, 0);
	QT_ASSERT_GT(p->audit_seq, 0);
	QT_ASSERT(!memcmp(p->circuit_hash, l.hash, 32));
	QT_ASSERT_EQ(p->seed, 99);
	QT_ASSERT_EQ(p->shots, 500);
	QT_ASSERT_EQ(p->sweeps, 3);
	QT_ASSERT_EQ(p->num_phys, 2);
	for (i = 0; i < 2; i++)
		QT_ASSERT_EQ(p->phys[i], q->phys[i]);

	/* the provenance is a record: replay it once the qubits are free */
	memset(&rec, 0, sizeof(rec));
	rec.dev_id = p->dev_id;
	memcpy(rec.circuit_hash, p->circuit_hash, 32);
	memcpy(rec.param_hash, p->param_hash, 32);
	memcpy(rec.result_hash, p->result_hash, 32);
	memcpy(rec.calib_hash, p->calib_hash, 32);
	rec.calib_epoch = p->calib_epoch;
	rec.seed = p->seed;
	rec.shots = p->shots;
	rec.sweeps = p->sweeps;
	rec.num_phys = p->num_phys;
	for (i = 0; i < p->num_phys; i++)
		rec.phys[i] = p->phys[i];
	QT_ASSERT_EQ(qpu_replay_job(dev, &rec, c, params, 3, &r), -EBUSY);
	QT_ASSERT_EQ(qpu_circuit_unload(dev, l.handle), 0);
	QT_ASSERT_EQ(qpu_free_qubits(dev, q), 0);
	QT_ASSERT_EQ(qpu_replay_job(dev, &rec, c, params, 3, &r), 0);
	QT_ASSERT_EQ(r.differs, 0);
	for (i = 0; i < 3; i++) {
		const struct qpu_result *a = qpu_result_at(rbuf, i * stride);
		const struct qpu_result *b = qpu_replay_result(&r, i);

		QT_ASSERT(a && b);
		QT_ASSERT_EQ(a->num_counts, b->num_counts);
		QT_ASSERT(!memcmp(qpu_result_counts(a), qpu_result_counts(b),
				  a->num_counts * sizeof(struct qpu_count)));
	}
	QT_ASSERT(!qpu_replay_result(&r, 3));
	qpu_replay_release(dev, &r);
	memcpy(changed, params, sizeof(changed));
	changed[2] = 3.0;
	QT_ASSERT_EQ(qpu_replay_job(dev, &rec, c, changed, 3, &r), -EBADMSG);
	QT_ASSERT_EQ(errno, EBADMSG);
	QT_ASSERT_EQ(r.differs, QPU_REPLAY_PARAMS);
	QT_ASSERT(strstr(qpu_errmsg(dev), "parameters differ"));
	assert_qpu0_idle(qpu_fd(dev));
	qpu_buffer_free(dev, rbuf);
	qpu_buffer_free(dev, pbuf);
	qpu_circuit_free(c);
	qpu_close(dev);
}

static void ctx_restore(void *arg)
{
	set_max_ctx_ok(*(uint32_t *)arg);
}

static void ctx_refusal_body(void *arg)
{
	struct qpu_refusal r, again;
	struct qpu_qubits *q, *q2;
	struct qpu_dev *dev;
	char text[256];
	int n;

	(void)arg;
	set_max_ctx_ok(3);
	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &dev), 0);
	if (!tenant_core()) {
		FAILS_WITH(qpu_get_refusal(dev, &r), ENOTTY);
		FAILS_WITH(qpu_alloc_qubits(dev, 4, &q), EDQUOT);
		QT_ASSERT(strstr(qpu_errmsg(dev), "limit of 3"));
		qpu_close(dev);
		qt_skip("the tenant core is not merged (no QPU_FEAT_TENANTS): "
			"no refusal detail");
	}
	/* Nothing refused yet: all zero. */
	KEEPS_ERRNO(qpu_get_refusal(dev, &r));
	QT_ASSERT_EQ(r.limit, QPU_LIMIT_NONE);
	QT_ASSERT_EQ(r.seq, 0);

	QT_ASSERT_EQ(qpu_alloc_qubits(dev, 2, &q), 0);
	FAILS_WITH(qpu_alloc_qubits(dev, 2, &q2), EDQUOT);
	if (!strstr(qpu_errmsg(dev), "max_ctx_qubits reached (2 of 3 held by "
		    "this file, 2 requested)"))
		QT_FAIL("message: %s", qpu_errmsg(dev));
	KEEPS_ERRNO(qpu_get_refusal(dev, &r));
	QT_ASSERT_EQ(r.limit, QPU_LIMIT_CTX_QUBITS);
	QT_ASSERT_EQ(r.usage, 2);
	QT_ASSERT_EQ(r.max, 3);
	QT_ASSERT_EQ(r.request, 2);
	QT_ASSERT_EQ(r.error, EDQUOT);
	QT_ASSERT_EQ(r.seq, 1);
	n = qpu_refusal_format(&r, text, sizeof(text));
	QT_ASSERT_EQ(n, (int)strlen(text));
	QT_ASSERT(strstr(qpu_errmsg(dev), text));

	/* A second refusal is a new one (seq), and is the one explained. */
	FAILS_WITH(qpu_alloc_qubits(dev, 3, &q2), EDQUOT);
	QT_ASSERT(strstr(qpu_errmsg(dev), "3 requested"));
	KEEPS_ERRNO(qpu_get_refusal(dev, &again));
	QT_ASSERT_EQ(again.seq, 2);
	/* Another failure is not dressed up as the old refusal. */
	FAILS_WITH(qpu_alloc_qubits(dev, QPU0_NUM_QUBITS + 1, &q2), E2BIG);
	QT_ASSERT(!strstr(qpu_errmsg(dev), "max_ctx_qubits"));
	QT_ASSERT_EQ(qpu_free_qubits(dev, q), 0);
	qpu_close(dev);
}

QPU_TEST(refusal_of_max_ctx_qubits)
{
	uint32_t saved = dev_attr_u32(0, "max_ctx_qubits");

	run_with_cleanup(ctx_refusal_body, ctx_restore, &saved);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
