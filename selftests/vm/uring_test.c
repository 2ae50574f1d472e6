// SPDX-License-Identifier: GPL-2.0
/*
 * uring_test.c - the io_uring paths earlier tests left out:
 *
 *  - kernel.io_uring_disabled: with the sysctl at 2 (for root) and at 1
 *    (for an unprivileged user) libqpu's batches fall back to the
 *    SUBMIT/WAIT ioctls, say so (qpu_batch_uses_uring() == 0), and give
 *    results bit-identical to the io_uring path and to synchronous RUN,
 *    rejected jobs included; the sysctl is restored afterwards;
 *  - batches on either path keep to themselves: two batches on one file
 *    reap only their own jobs, and freeing a batch with jobs in flight
 *    cancels them, leaving nothing on the file;
 *  - zero handles: circuit 0 or result_buf 0 in a job through RUN, SUBMIT
 *    and a uring_cmd, gates_ptr 0 (and other missing arrays) in
 *    CIRCUIT_LOAD, each with its documented errno; handle 0 in every
 *    other call that looks one up is -ENOENT;
 *  - uring_cmd payload checks: every padding and reserved byte of the
 *    struct qpu_job_desc in the SQE, unknown job flags, a seed without
 *    QPU_RUN_SEED, unknown cmd_op values and the SQE fields a
 *    QPU_URING_CMD_RUN does not use must be rejected with the documented
 *    errno and nothing may run: no result is written, no job is left, the
 *    object counters are unchanged. The same SQE with those bytes zero
 *    runs (the control that shows each case could fail);
 *  - a full job table (QPU_MAX_JOBS jobs on one file) is -EBUSY for
 *    SUBMIT and as a uring_cmd's res alike, never -EAGAIN (io_uring
 *    takes that as "issue me again"), and submitting works again once a
 *    job is reaped;
 *  - non-blocking issue: many uring_cmds submitted while another thread
 *    keeps the context lock busy (loading a long circuit validates it
 *    under ctx->lock) are issued again from io_uring's workers after the
 *    driver's -EAGAIN (counted in /sys/kernel/debug/qpu/uring_retries),
 *    and every one of them completes once, correctly.
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <grp.h>
#include <liburing.h>
#include <libqpu.h>

#include "qpu_test.h"
#include "vm_util.h"
#include "job_rig.h"

#define SYSCTL_URING	"/proc/sys/kernel/io_uring_disabled"
#define NJOBS		24
#define SHOTS		128
#define NOBODY		65534

/*
 * All jobs through one batch; @want_uring is what qpu_batch_uses_uring()
 * must say. The results must equal @ref byte for byte (but sim_ns), and
 * each job must complete once with the reference status.
 */
static void run_batch(const struct rig *r, int want_uring,
		      const unsigned char *ref)
{
	struct qpu_completion done[NJOBS];
	unsigned char *got = malloc(NJOBS * r->slice);
	int seen[NJOBS] = { 0 };
	struct qpu_job_desc j;
	struct qpu_batch *b;
	uint32_t i, n = 0;
	int ret;

	QT_ASSERT(got);
	memset(r->results->ptr, 0, r->results->size);
	QT_ASSERT_EQ(qpu_batch_new(r->dev, NJOBS, 0, &b), 0);
	QT_ASSERT_EQ(qpu_batch_uses_uring(b), want_uring);
	for (i = 0; i < NJOBS; i++) {
		j = rig_job(r, i);
		QT_ASSERT_EQ(qpu_batch_add(b, &j, 500 + i), 0);
	}
	QT_ASSERT_EQ(qpu_batch_submit(b), NJOBS);
	while (n < NJOBS) {
		ret = qpu_batch_wait(b, done + n, 1, NJOBS - n);
		QT_ASSERT_GT(ret, 0);
		n += ret;
	}
	QT_ASSERT_EQ(qpu_batch_inflight(b), 0);
	QT_ASSERT_EQ(qpu_batch_wait(b, done, 0, NJOBS), 0);
	qpu_batch_free(b);
	for (i = 0; i < NJOBS; i++) {
		uint64_t k = done[i].user_data - 500;

		QT_ASSERT_LT(k, NJOBS);
		QT_ASSERT_EQ(seen[k]++, 0);
		QT_ASSERT_EQ(done[i].status, rig_status_ref(r, k));
		if (done[i].status)
			QT_ASSERT_EQ(done[i].job_id, 0);
		else
			QT_ASSERT_GT(done[i].job_id, 0);
	}
	rig_snapshot(r, got);
	for (i = 0; i < NJOBS; i++)
		if (memcmp(got + i * r->slice, ref + i * r->slice, r->slice))
			QT_FAIL("job %u (%s path): result differs from RUN", i,
				want_uring ? "io_uring" : "ioctl");
	free(got);
}

/* ---- kernel.io_uring_disabled ---------------------------------------- */

static int sysctl_get(void)
{
	char buf[16];

	if (read_text(SYSCTL_URING, buf, sizeof(buf)) <= 0)
		return -1;
	return atoi(buf);
}

static void sysctl_set_ok(int v)
{
	char buf[4];

	snprintf(buf, sizeof(buf), "%d", v);
	QT_ASSERT_EQ(write_sysfs(SYSCTL_URING, buf), 0);
	QT_ASSERT_EQ(sysctl_get(), v);
}

static int saved_sysctl = -1;

static void sysctl_restore(void *arg)
{
	(void)arg;
	if (saved_sysctl >= 0)
		sysctl_set_ok(saved_sysctl);
}

/* Can this task set up a ring at all? 0 or the negative errno. */
static int uring_probe(void)
{
	struct io_uring ring;
	int ret = io_uring_queue_init(2, &ring, 0);

	if (!ret)
		io_uring_queue_exit(&ring);
	return ret;
}

static void drop_to_nobody(void)
{
	QT_ASSERT_OK(setgroups(0, NULL));
	QT_ASSERT_OK(setgid(NOBODY));
	QT_ASSERT_OK(setuid(NOBODY));
	QT_ASSERT_EQ(geteuid(), NOBODY);
}

static void disabled_body(void *arg)
{
	unsigned char *ref;
	struct rig r;
	pid_t pid;

	(void)arg;
	rig_up(&r, NJOBS, SHOTS, 1000, 5);
	ref = malloc(NJOBS * r.slice);
	QT_ASSERT(ref);
	rig_run_sync(&r, ref);

	/* Enabled: io_uring, same results. */
	sysctl_set_ok(0);
	QT_ASSERT_EQ(uring_probe(), 0);
	run_batch(&r, 1, ref);

	/* 2: nobody, root included, may create a ring: the fallback. */
	sysctl_set_ok(2);
	QT_ASSERT_EQ(uring_probe(), -EPERM);
	run_batch(&r, 0, ref);
	/* The ioctl path must not leave anything behind on the file. */
	{
		struct qpu_wait w = { .flags = QPU_WAIT_ANY };

		QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w), -ENOENT);
	}

	/* 1: root (CAP_SYS_ADMIN) still gets io_uring ... */
	sysctl_set_ok(1);
	QT_ASSERT_EQ(uring_probe(), 0);
	run_batch(&r, 1, ref);

	/* ... an unprivileged user falls back, on its own device file. */
	pid = fork_ok();
	if (!pid) {
		struct rig u;
		unsigned char *uref;

		drop_to_nobody();
		QT_ASSERT_EQ(uring_probe(), -EPERM);
		rig_up(&u, NJOBS, SHOTS, 1000, 5);
		uref = malloc(NJOBS * u.slice);
		QT_ASSERT(uref);
		rig_run_sync(&u, uref);
		/* Same circuit, seeds, parameters: same bytes as root's. */
		QT_ASSERT_EQ(u.slice, r.slice);
		QT_ASSERT(!memcmp(uref, ref, NJOBS * r.slice));
		run_batch(&u, 0, uref);
		free(uref);
		rig_down(&u);
		_exit(0);
	}
	wait_ok(pid);

	free(ref);
	rig_down(&r);
}

QPU_TEST_TIMEOUT(io_uring_disabled_fallback, 400)
{
	struct qpu_objs before;

	saved_sysctl = sysctl_get();
	if (saved_sysctl < 0)
		qt_skip("%s missing", SYSCTL_URING);
	read_objs(&before);
	run_with_cleanup(disabled_body, sysctl_restore, NULL);
	QT_ASSERT_EQ(sysctl_get(), saved_sysctl);
	assert_objs_restored(&before);
}

/* QPU_BATCH_IOCTL with io_uring working: same fallback, same bytes. */
QPU_TEST(batch_ioctl_flag_same_as_disabled)
{
	struct qpu_completion c;
	struct qpu_job_desc j;
	struct qpu_batch *b;
	unsigned char *ref;
	struct rig r;

	rig_up(&r, NJOBS, SHOTS, 1000, 5);
	ref = malloc(NJOBS * r.slice);
	QT_ASSERT(ref);
	rig_run_sync(&r, ref);
	QT_ASSERT_EQ(qpu_batch_new(r.dev, 1, QPU_BATCH_IOCTL, &b), 0);
	QT_ASSERT_EQ(qpu_batch_uses_uring(b), 0);
	/* Depth is honoured on the fallback too. */
	j = rig_job(&r, 0);
	QT_ASSERT_EQ(qpu_batch_add(b, &j, 1), 0);
	QT_ASSERT_EQ(qpu_batch_add(b, &j, 2), -EBUSY);
	QT_ASSERT_EQ(qpu_batch_submit(b), 1);
	QT_ASSERT_EQ(qpu_batch_add(b, &j, 2), -EBUSY);
	QT_ASSERT_EQ(qpu_batch_wait(b, &c, 1, 1), 1);
	QT_ASSERT_EQ(c.user_data, 1);
	QT_ASSERT_EQ(c.status, 0);
	qpu_batch_free(b);
	free(ref);
	rig_down(&r);
}

/*
 * Two batches on one device file: each reaps its own jobs only, on either
 * path (io_uring gives each batch a ring of its own; the fallback shares
 * the file's job list and must still keep them apart).
 */
static void two_batches(int flags)
{
	struct qpu_completion c[NJOBS];
	struct qpu_batch *b[2];
	struct qpu_job_desc j;
	uint32_t i, k, n;
	struct rig r;
	int ret;

	rig_up(&r, NJOBS, SHOTS, 1000, 5);
	for (k = 0; k < 2; k++) {
		QT_ASSERT_EQ(qpu_batch_new(r.dev, NJOBS, flags, &b[k]), 0);
		for (i = 0; i < NJOBS / 2; i++) {
			j = rig_job(&r, k * (NJOBS / 2) + i);
			j.circuit = r.l.handle;	/* all valid: all reach the kernel */
			QT_ASSERT_EQ(qpu_batch_add(b[k], &j, k * 100 + i), 0);
		}
		QT_ASSERT_EQ(qpu_batch_submit(b[k]), NJOBS / 2);
	}
	/* Batch 1 first: the kernel may well have finished batch 0's jobs. */
	for (k = 2; k-- > 0;) {
		for (n = 0; n < NJOBS / 2; n += ret) {
			ret = qpu_batch_wait(b[k], c + n, 1, NJOBS / 2 - n);
			if (ret <= 0)
				QT_FAIL("batch %u: wait returned %d after %u of %u "
					"(%s)", k, ret, n, NJOBS / 2,
					qpu_errmsg(r.dev));
		}
		for (i = 0; i < n; i++) {
			if (c[i].user_data / 100 != k)
				QT_FAIL("batch %u reaped job %u of batch %u",
					k, c[i].job_id,
					(unsigned int)(c[i].user_data / 100));
			QT_ASSERT_EQ(c[i].status, 0);
		}
		QT_ASSERT_EQ(qpu_batch_inflight(b[k]), 0);
		qpu_batch_free(b[k]);
	}
	rig_down(&r);
}

QPU_TEST(two_batches_uring)
{
	two_batches(0);
}

QPU_TEST(two_batches_ioctl_fallback)
{
	two_batches(QPU_BATCH_IOCTL);
}

/*
 * Freeing a batch with jobs in flight cancels them on either path: none
 * is left on the file for a later WAIT or another batch to find.
 */
static void free_in_flight(int flags)
{
	struct qpu_wait w = { .flags = QPU_WAIT_ANY };
	struct qpu_completion c;
	struct qpu_batch *b, *b2;
	struct qpu_job_desc j;
	struct rig r;
	uint32_t i;

	rig_up(&r, NJOBS, SHOTS, 1000, 5);
	QT_ASSERT_EQ(qpu_batch_new(r.dev, NJOBS, flags, &b), 0);
	for (i = 0; i < NJOBS; i++) {
		j = rig_job(&r, i);
		j.circuit = r.l.handle;
		j.shots = QPU_MAX_SHOTS;	/* still in flight at free */
		QT_ASSERT_EQ(qpu_batch_add(b, &j, i), 0);
	}
	QT_ASSERT_EQ(qpu_batch_submit(b), NJOBS);
	qpu_batch_free(b);
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r.dev), QPU_IOC_WAIT, &w), -ENOENT);
	/* A new batch sees its own job only. */
	QT_ASSERT_EQ(qpu_batch_new(r.dev, 1, flags, &b2), 0);
	j = rig_job(&r, 0);
	QT_ASSERT_EQ(qpu_batch_add(b2, &j, 4242), 0);
	QT_ASSERT_EQ(qpu_batch_submit(b2), 1);
	QT_ASSERT_EQ(qpu_batch_wait(b2, &c, 1, 1), 1);
	QT_ASSERT_EQ(c.user_data, 4242);
	QT_ASSERT_EQ(c.status, 0);
	qpu_batch_free(b2);
	/*
	 * io_uring tears a closed ring down asynchronously: a command of the
	 * first batch that io-wq issued late may still be cancelling. Once
	 * every job object is gone, nothing of the batch holds the qubits.
	 */
	for (i = 0; i < 3000; i++) {
		struct qpu_objs o;

		read_objs(&o);
		if (!o.jobs)
			break;
		usleep(10000);
	}
	rig_down(&r);
}

QPU_TEST_TIMEOUT(free_batch_in_flight_uring, 300)
{
	free_in_flight(0);
}

QPU_TEST_TIMEOUT(free_batch_in_flight_ioctl_fallback, 300)
{
	free_in_flight(QPU_BATCH_IOCTL);
}

/* ---- raw io_uring commands ------------------------------------------- */

/* A raw setup for hostile descriptors: fd, one qubit, H + measure. */
struct raw {
	int fd;
	uint32_t alloc;
	uint32_t circ;
	struct mbuf res;
	struct io_uring ring;
};

/* A fresh ring (a forked child must not share its parent's SQ state). */
static void raw_ring(struct raw *w)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	QT_ASSERT_EQ(io_uring_queue_init_params(8, &w->ring, &p), 0);
}

static void raw_up(struct raw *w)
{
	struct qpu_gate g[2] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	struct circ_spec s = { .num_qubits = 1, .num_clbits = 1, .gates = g,
			       .num_gates = 2 };

	memset(w, 0, sizeof(*w));
	w->fd = open_dev();
	w->alloc = alloc_ok(w->fd, 1, NULL);
	s.alloc = w->alloc;
	w->circ = circ_load_ok(w->fd, &s, NULL);
	mbuf_new_ok(w->fd, 4096, &w->res);
	raw_ring(w);
}

static void raw_down(struct raw *w)
{
	io_uring_queue_exit(&w->ring);
	mbuf_free_ok(w->fd, &w->res);
	circ_free_ok(w->fd, w->circ);
	free_ok(w->fd, w->alloc);
	close_ok(w->fd);
}

static struct qpu_job_desc raw_job(const struct raw *w)
{
	return job_seeded(w->circ, 16, w->res.handle, 42);
}

/* A 128-byte QPU_URING_CMD_RUN SQE carrying @job. */
static void sqe_make(unsigned char sqe[128], int fd,
		     const struct qpu_job_desc *job)
{
	struct io_uring_sqe *s = (void *)sqe;

	memset(sqe, 0, 128);
	s->opcode = IORING_OP_URING_CMD;
	s->fd = fd;
	s->cmd_op = QPU_URING_CMD_RUN;
	s->user_data = 0x5eed;
	memcpy(sqe + offsetof(struct io_uring_sqe, cmd), job, sizeof(*job));
}

struct cqe32 {
	uint64_t user_data;
	int32_t res;
	uint64_t big0;
};

/* Submit the 128-byte @sqe as is and wait for its CQE. */
static struct cqe32 ring_cmd(struct raw *w, const unsigned char sqe[128])
{
	struct io_uring_sqe *s = io_uring_get_sqe(&w->ring);
	struct io_uring_cqe *cqe;
	struct cqe32 c;

	QT_ASSERT(s);
	memcpy(s, sqe, 128);
	QT_ASSERT_EQ(io_uring_submit(&w->ring), 1);
	QT_ASSERT_EQ(io_uring_wait_cqe(&w->ring, &cqe), 0);
	c.user_data = cqe->user_data;
	c.res = cqe->res;
	c.big0 = cqe->big_cqe[0];
	io_uring_cqe_seen(&w->ring, cqe);
	return c;
}

/* @sqe must fail with @err and run nothing. */
static void assert_rejected(struct raw *w, const unsigned char sqe[128],
			    int err, const char *what)
{
	struct qpu_wait wt = { .flags = QPU_WAIT_ANY };
	struct qpu_objs before, after;
	struct cqe32 c;

	memset(w->res.ptr, 0, w->res.size);
	read_objs(&before);
	c = ring_cmd(w, sqe);
	if (c.res != -err)
		QT_FAIL("%s: CQE res %d, want %d (%s)", what, c.res, -err,
			strerror(err));
	QT_ASSERT_EQ(c.user_data, 0x5eed);
	QT_ASSERT_EQ(c.big0, 0);
	if (!mem_is_zero(w->res.ptr, w->res.size))
		QT_FAIL("%s: rejected, yet a result was written", what);
	read_objs(&after);
	assert_objs_eq(&after, &before);
	QT_ASSERT_EQ(qpu_ioc(w->fd, QPU_IOC_WAIT, &wt), -ENOENT);
}

/* @sqe must run the job: status 0, a job id, a complete result slice. */
static void assert_runs(struct raw *w, const unsigned char sqe[128],
			const char *what)
{
	const struct qpu_result *r = slice_at(w->res.ptr, 0);
	struct cqe32 c;

	memset(w->res.ptr, 0, w->res.size);
	c = ring_cmd(w, sqe);
	if (c.res)
		QT_FAIL("%s: CQE res %d, want 0", what, c.res);
	QT_ASSERT_GT(c.big0, 0);
	assert_slice_ok(r, 1, 16, 0, 0);
	QT_ASSERT_EQ(r->seed, 42);
}

QPU_TEST(uring_desc_fills_command_area)
{
	/* No bytes follow the descriptor: nothing to ignore or check there. */
	QT_ASSERT_EQ(sizeof(struct qpu_job_desc), 80);
	QT_ASSERT_EQ(128 - offsetof(struct io_uring_sqe, cmd),
		     sizeof(struct qpu_job_desc));
}

/* Each byte of pad and reserved[], alone, in the SQE's descriptor. */
QPU_TEST(uring_desc_reserved_bytes_rejected)
{
	const size_t cmd = offsetof(struct io_uring_sqe, cmd);
	const struct {
		size_t off, len;
		const char *name;
	} fields[] = {
		{ offsetof(struct qpu_job_desc, pad),
		  sizeof(((struct qpu_job_desc *)0)->pad), "pad" },
		{ offsetof(struct qpu_job_desc, crosstalk_offset),
		  sizeof(((struct qpu_job_desc *)0)->crosstalk_offset),
		  "crosstalk_offset" },
	};
	unsigned char sqe[128], bad[128];
	struct qpu_job_desc j;
	char what[64];
	size_t f, b;
	struct raw w;

	raw_up(&w);
	j = raw_job(&w);
	sqe_make(sqe, w.fd, &j);
	assert_runs(&w, sqe, "control");
	for (f = 0; f < ARRAY_LEN(fields); f++) {
		for (b = 0; b < fields[f].len; b++) {
			memcpy(bad, sqe, sizeof(bad));
			bad[cmd + fields[f].off + b] = b & 1 ? 0x80 : 0x01;
			snprintf(what, sizeof(what), "%s byte %zu", fields[f].name, b);
			assert_rejected(&w, bad, EINVAL, what);
		}
	}
	assert_runs(&w, sqe, "control after");
	raw_down(&w);
}

QPU_TEST(uring_desc_bad_fields_rejected)
{
	const uint32_t bad_flags[] = { 1U << 2, 1U << 7, 1U << 31 };
	struct qpu_job_desc j, b;
	unsigned char sqe[128];
	struct raw w;
	char what[64];
	size_t i;

	raw_up(&w);
	j = raw_job(&w);
	for (i = 0; i < ARRAY_LEN(bad_flags); i++) {
		b = j;
		b.flags |= bad_flags[i];
		sqe_make(sqe, w.fd, &b);
		snprintf(what, sizeof(what), "flags %#x", b.flags);
		assert_rejected(&w, sqe, EINVAL, what);
	}
	/* A seed without QPU_RUN_SEED. */
	b = j;
	b.flags = 0;
	sqe_make(sqe, w.fd, &b);
	assert_rejected(&w, sqe, EINVAL, "seed without QPU_RUN_SEED");
	/* Zero shots, too many shots and sweeps. */
	b = j;
	b.shots = 0;
	sqe_make(sqe, w.fd, &b);
	assert_rejected(&w, sqe, EINVAL, "shots 0");
	b = j;
	b.shots = QPU_MAX_SHOTS + 1;
	sqe_make(sqe, w.fd, &b);
	assert_rejected(&w, sqe, E2BIG, "shots over the limit");
	b = j;
	b.num_sweeps = QPU_MAX_SWEEPS + 1;
	sqe_make(sqe, w.fd, &b);
	assert_rejected(&w, sqe, E2BIG, "sweeps over the limit");
	sqe_make(sqe, w.fd, &j);
	assert_runs(&w, sqe, "control");
	raw_down(&w);
}

QPU_TEST(uring_unknown_cmd_op_rejected)
{
	const uint32_t ops[] = { 0, QPU_URING_CMD_RUN + 1, 0x100, 0xffffffffu };
	struct io_uring_sqe *s;
	unsigned char sqe[128];
	struct qpu_job_desc j;
	char what[64];
	struct raw w;
	size_t i;

	raw_up(&w);
	j = raw_job(&w);
	s = (void *)sqe;
	for (i = 0; i < ARRAY_LEN(ops); i++) {
		sqe_make(sqe, w.fd, &j);
		s->cmd_op = ops[i];
		snprintf(what, sizeof(what), "cmd_op %#x", ops[i]);
		assert_rejected(&w, sqe, ENOTTY, what);
	}
	raw_down(&w);
}

/*
 * The SQE fields outside the command area that QPU_URING_CMD_RUN does not
 * use are reserved: non-zero fails with -EINVAL (some are io_uring's own
 * checks, the others the driver's).
 */
QPU_TEST(uring_sqe_unused_fields_rejected)
{
	struct {
		const char *name;
		size_t off, len;
		uint64_t val;
		int err;	/* 0: EINVAL */
		bool regbuf;	/* register a fixed buffer first */
	} cases[] = {
		{ "ioprio", offsetof(struct io_uring_sqe, ioprio), 2, 1, 0, false },
		{ "__pad1", offsetof(struct io_uring_sqe, __pad1), 4, 1, 0, false },
		{ "addr", offsetof(struct io_uring_sqe, addr), 8, 0x1000, 0, false },
		{ "addr high", offsetof(struct io_uring_sqe, addr), 8,
		  1ULL << 63, 0, false },
		{ "len", offsetof(struct io_uring_sqe, len), 4, 1, 0, false },
		/* io_uring's own check: buffer 0 is not registered. */
		{ "uring_cmd_flags FIXED, no buffers",
		  offsetof(struct io_uring_sqe, uring_cmd_flags), 4,
		  IORING_URING_CMD_FIXED, EFAULT, false },
		/* The driver's: the command has no use for a fixed buffer. */
		{ "uring_cmd_flags FIXED",
		  offsetof(struct io_uring_sqe, uring_cmd_flags), 4,
		  IORING_URING_CMD_FIXED, 0, true },
		{ "uring_cmd_flags unknown",
		  offsetof(struct io_uring_sqe, uring_cmd_flags), 4, 1U << 30,
		  0, false },
		{ "buf_index", offsetof(struct io_uring_sqe, buf_index), 2, 1, 0,
		  false },
		{ "file_index", offsetof(struct io_uring_sqe, file_index), 4, 1, 0,
		  false },
	};
	unsigned char sqe[128], bad[128];
	struct qpu_job_desc j;
	int failed = 0;
	struct raw w;
	size_t i;

	raw_up(&w);
	j = raw_job(&w);
	sqe_make(sqe, w.fd, &j);
	assert_runs(&w, sqe, "control");
	/* Each case in a child of its own, so that all of them are reported. */
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		pid_t pid = fork_ok();

		if (!pid) {
			raw_ring(&w);
			if (cases[i].regbuf) {
				struct iovec iov = { w.res.ptr, 4096 };

				QT_ASSERT_EQ(io_uring_register_buffers(&w.ring,
								       &iov, 1), 0);
			}
			memcpy(bad, sqe, sizeof(bad));
			memcpy(bad + cases[i].off, &cases[i].val, cases[i].len);
			assert_rejected(&w, bad, cases[i].err ?: EINVAL,
					cases[i].name);
			_exit(0);
		}
		if (wait_status(pid))
			failed++;
	}
	QT_ASSERT_EQ(failed, 0);
	assert_runs(&w, sqe, "control after");
	raw_down(&w);
}

/* Generic SQE flags are io_uring's: an async-issued command still runs. */
QPU_TEST(uring_async_issue_runs)
{
	unsigned char sqe[128];
	struct qpu_job_desc j;
	struct raw w;

	raw_up(&w);
	j = raw_job(&w);
	sqe_make(sqe, w.fd, &j);
	((struct io_uring_sqe *)sqe)->flags = IOSQE_ASYNC;
	assert_runs(&w, sqe, "IOSQE_ASYNC");
	raw_down(&w);
}

/* ---- zero handles -------------------------------------------------------- */

static int submit_raw(int fd, const struct qpu_job_desc *job, uint32_t *id)
{
	struct qpu_submit s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.job = *job;
	ret = qpu_ioc(fd, QPU_IOC_SUBMIT, &s);
	*id = s.job_id;
	return ret;
}

/* circuit 0 and result_buf 0 are -EINVAL on RUN, SUBMIT and io_uring. */
QPU_TEST(zero_handles_in_jobs)
{
	struct qpu_wait wt = { .flags = QPU_WAIT_ANY };
	struct qpu_job_desc j, bad[2];
	struct qpu_objs before, after;
	unsigned char sqe[128];
	struct qpu_run r;
	const char *names[2] = { "circuit 0", "result_buf 0" };
	uint32_t id;
	struct raw w;
	int i;

	raw_up(&w);
	j = raw_job(&w);
	bad[0] = j;
	bad[0].circuit = 0;
	bad[1] = j;
	bad[1].result_buf = 0;
	for (i = 0; i < 2; i++) {
		memset(w.res.ptr, 0, w.res.size);
		read_objs(&before);
		QT_ASSERT_EQ(run_raw(w.fd, &bad[i], &r), -EINVAL);
		QT_ASSERT_EQ(r.status, 0);
		QT_ASSERT_EQ(r.needed, 0);
		id = 77;
		QT_ASSERT_EQ(submit_raw(w.fd, &bad[i], &id), -EINVAL);
		QT_ASSERT_EQ(id, 0);
		QT_ASSERT_EQ(qpu_ioc(w.fd, QPU_IOC_WAIT, &wt), -ENOENT);
		QT_ASSERT(mem_is_zero(w.res.ptr, w.res.size));
		read_objs(&after);
		assert_objs_eq(&after, &before);
		sqe_make(sqe, w.fd, &bad[i]);
		assert_rejected(&w, sqe, EINVAL, names[i]);
	}
	/* param_buf 0 is fine for a circuit without parameters. */
	run_ok(w.fd, &j, &r);
	id = 0;
	QT_ASSERT_EQ(submit_raw(w.fd, &j, &id), 0);
	QT_ASSERT_GT(id, 0);
	wt.flags = 0;
	wt.job_id = id;
	wt.timeout_ns = -1;
	QT_ASSERT_EQ(qpu_ioc(w.fd, QPU_IOC_WAIT, &wt), 0);
	QT_ASSERT_EQ(wt.status, 0);
	raw_down(&w);
}

/* A circuit with a parameter run with param_buf 0: -EINVAL, all paths. */
QPU_TEST(zero_param_buf_with_params)
{
	struct qpu_gate g[2] = { gate_rot(QPU_OP_RY, 0, 0, 1.0, 0.0),
				 gate_measure(0, 0) };
	struct circ_spec s = { .num_qubits = 1, .num_clbits = 1,
			       .num_params = 1, .gates = g, .num_gates = 2 };
	unsigned char sqe[128];
	struct qpu_job_desc j;
	uint32_t circ, id;
	struct raw w;

	raw_up(&w);
	s.alloc = w.alloc;
	circ = circ_load_ok(w.fd, &s, NULL);
	j = job_seeded(circ, 8, w.res.handle, 1);
	QT_ASSERT_EQ(run_raw(w.fd, &j, NULL), -EINVAL);
	QT_ASSERT_EQ(submit_raw(w.fd, &j, &id), -EINVAL);
	sqe_make(sqe, w.fd, &j);
	assert_rejected(&w, sqe, EINVAL, "param_buf 0 with a parameter");
	circ_free_ok(w.fd, circ);
	raw_down(&w);
}

/* CIRCUIT_LOAD with missing arrays or handles, as the header documents. */
QPU_TEST(zero_pointers_in_load)
{
	struct qpu_gate g[2] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	uint64_t obs = 1;
	struct circ_spec ok = { .num_qubits = 1, .num_clbits = 1, .gates = g,
				.num_gates = 2 };
	struct qpu_objs before, after;
	struct qpu_circuit_load l;
	uint32_t alloc;
	int fd;

	fd = open_dev();
	alloc = alloc_ok(fd, 1, NULL);
	ok.alloc = alloc;
	read_objs(&before);

	/* gates_ptr 0 with gates: -EINVAL, nothing loaded. */
	circ_load_fill(&l, &ok);
	l.gates_ptr = 0;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, &l), -EINVAL);
	QT_ASSERT_EQ(l.handle, 0);
	QT_ASSERT_EQ(l.error, QPU_CERR_NONE);
	/* gates_ptr 0 and num_gates 0: still -EINVAL (a circuit has gates). */
	l.num_gates = 0;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, &l), -EINVAL);
	/* num_gates 0 with a valid pointer. */
	circ_load_fill(&l, &ok);
	l.num_gates = 0;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, &l), -EINVAL);
	/* observables_ptr 0 with observables. */
	circ_load_fill(&l, &ok);
	l.num_observables = 1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, &l), -EINVAL);
	/* alloc 0: no such allocation. */
	circ_load_fill(&l, &ok);
	l.alloc = 0;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, &l), -ENOENT);
	/* num_qubits 0. */
	circ_load_fill(&l, &ok);
	l.num_qubits = 0;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, &l), -EINVAL);
	/* A gates pointer the kernel cannot read: -EFAULT. */
	circ_load_fill(&l, &ok);
	l.gates_ptr = KERNEL_ADDR;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, &l), -EFAULT);
	read_objs(&after);
	assert_objs_eq(&after, &before);

	/* The control: the same call with everything present loads. */
	circ_load_fill(&l, &ok);
	l.num_observables = 1;
	l.observables_ptr = (uintptr_t)&obs;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, &l), 0);
	QT_ASSERT_GT(l.handle, 0);
	circ_free_ok(fd, l.handle);
	free_ok(fd, alloc);
	close_ok(fd);
}

/* Handle 0 never names an object: -ENOENT wherever a handle is looked up. */
QPU_TEST(zero_handles_elsewhere)
{
	struct qpu_circuit_free cf;
	unsigned char sqe[128];
	struct qpu_job_desc j;
	struct qpu_cancel c;
	struct qpu_alloc q;
	struct qpu_wait w;
	struct raw r;

	raw_up(&r);	/* objects exist, so 0 cannot be "the only one" */
	QT_ASSERT_EQ(free_raw(r.fd, 0), -ENOENT);
	memset(&q, 0, sizeof(q));
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_ALLOC_QUERY, &q), -ENOENT);
	memset(&cf, 0, sizeof(cf));
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CIRCUIT_FREE, &cf), -ENOENT);
	QT_ASSERT_EQ(buf_destroy_raw(r.fd, 0), -ENOENT);
	memset(&c, 0, sizeof(c));
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CANCEL, &c), -ENOENT);
	memset(&w, 0, sizeof(w));
	w.timeout_ns = -1;	/* must not sleep: there is no job 0 */
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_WAIT, &w), -ENOENT);
	/* Everything is still there and usable. */
	j = raw_job(&r);
	sqe_make(sqe, r.fd, &j);
	assert_runs(&r, sqe, "after the zero handles");
	raw_down(&r);
}

/* ---- a full job table; non-blocking issue ----------------------------- */

#define URING_RETRIES	"/sys/kernel/debug/qpu/uring_retries"

/* Reap every ioctl job of @fd. */
static void reap_all(int fd)
{
	struct qpu_wait w;
	int ret;

	for (;;) {
		memset(&w, 0, sizeof(w));
		w.flags = QPU_WAIT_ANY;
		w.timeout_ns = -1;
		ret = qpu_ioc(fd, QPU_IOC_WAIT, &w);
		if (ret == -ENOENT)
			return;
		QT_ASSERT_EQ(ret, 0);
		QT_ASSERT_EQ(w.status, 0);
	}
}

QPU_TEST_TIMEOUT(job_table_full_is_ebusy, 600)
{
	struct qpu_wait wt;
	unsigned char sqe[128];
	struct qpu_job_desc j;
	struct cqe32 c;
	uint32_t i, id;
	struct raw w;

	raw_up(&w);
	j = raw_job(&w);
	for (i = 0; i < QPU_MAX_JOBS; i++) {
		id = 0;
		QT_ASSERT_EQ(submit_raw(w.fd, &j, &id), 0);
		QT_ASSERT_GT(id, 0);
	}
	/* Full: completed but unreaped jobs count as much as queued ones. */
	id = 77;
	QT_ASSERT_EQ(submit_raw(w.fd, &j, &id), -EBUSY);
	QT_ASSERT_EQ(id, 0);
	sqe_make(sqe, w.fd, &j);
	c = ring_cmd(&w, sqe);
	QT_ASSERT_EQ(c.res, -EBUSY);
	QT_ASSERT_EQ(c.big0, 0);
	QT_ASSERT_EQ(c.user_data, 0x5eed);

	/* One reaped: one place free, for either path. */
	memset(&wt, 0, sizeof(wt));
	wt.flags = QPU_WAIT_ANY;
	wt.timeout_ns = -1;
	QT_ASSERT_EQ(qpu_ioc(w.fd, QPU_IOC_WAIT, &wt), 0);
	assert_runs(&w, sqe, "a uring_cmd once a job was reaped");
	QT_ASSERT_EQ(submit_raw(w.fd, &j, &id), 0);
	QT_ASSERT_EQ(submit_raw(w.fd, &j, &id), -EBUSY);
	reap_all(w.fd);
	raw_down(&w);
}

struct contender {
	int fd;
	uint32_t alloc;
	volatile int stop;
	volatile unsigned long loads;
};

/* Keep ctx->lock busy: CIRCUIT_LOAD validates the circuit under it. */
static void *contend_fn(void *arg)
{
	struct contender *t = arg;
	uint32_t n = 8192, i;
	struct qpu_gate *g = calloc(n, sizeof(*g));
	struct circ_spec s = { .alloc = t->alloc, .num_qubits = 1,
			       .num_clbits = 1, .gates = g, .num_gates = n };
	struct qpu_circuit_load l;

	if (!g)
		return NULL;
	for (i = 0; i + 1 < n; i++)
		g[i] = gate_1q(QPU_OP_H, 0);
	g[n - 1] = gate_measure(0, 0);
	while (!t->stop) {
		if (circ_load_raw(t->fd, &s, &l) || circ_free_raw(t->fd, l.handle))
			break;
		t->loads++;
	}
	free(g);
	return NULL;
}

#define NB_DEPTH	64
#define NB_MIN_ROUNDS	8
#define NB_MAX_ROUNDS	64

QPU_TEST_TIMEOUT(uring_nonblock_retried_under_lock_contention, 600)
{
	uint64_t stride = slice_bytes(1, 16, 0), retries0, retries;
	uint64_t seen_ids[NB_DEPTH];
	struct io_uring_params p;
	struct io_uring_cqe *cqe;
	struct contender t;
	struct qpu_objs before, after;
	struct qpu_job_desc j;
	unsigned int round, i, k, done = 0;
	pthread_t th;
	struct raw w;
	unsigned long loads;
	int submitted, spins;

	raw_up(&w);
	/* One result slice per job of a round, and a deeper ring. */
	mbuf_free_ok(w.fd, &w.res);
	mbuf_new_ok(w.fd, NB_DEPTH * stride, &w.res);
	io_uring_queue_exit(&w.ring);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	QT_ASSERT_EQ(io_uring_queue_init_params(NB_DEPTH, &w.ring, &p), 0);
	read_objs(&before);

	memset(&t, 0, sizeof(t));
	t.fd = w.fd;
	t.alloc = w.alloc;
	retries0 = read_sysfs_u64(URING_RETRIES);
	QT_ASSERT_EQ(pthread_create(&th, NULL, contend_fn, &t), 0);
	for (round = 0; round < NB_MAX_ROUNDS; round++) {
		if (round >= NB_MIN_ROUNDS &&
		    read_sysfs_u64(URING_RETRIES) > retries0)
			break;
		memset(w.res.ptr, 0, w.res.size);
		for (i = 0; i < NB_DEPTH; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&w.ring);

			QT_ASSERT(sqe);
			j = raw_job(&w);
			j.result_offset = i * stride;
			sqe_make((unsigned char *)sqe, w.fd, &j);
			sqe->user_data = i;
		}
		/*
		 * Issued with the device paused: the executors then take no
		 * CPU from the contender, which holds ctx->lock as often as it
		 * can (under TCG, two busy executors left it a few dozen
		 * loads in a whole run, and sometimes no overlap at all).
		 */
		QT_ASSERT_OK(write_dev_attr(0, "paused", "1"));
		/*
		 * ... and has just finished a load, so it is in the next one,
		 * most of which holds the lock (a second at most: it stops on
		 * an error, which the join below reports)
		 */
		for (loads = t.loads, spins = 0; t.loads == loads && spins < 1000;
		     spins++)
			usleep(1000);
		submitted = io_uring_submit(&w.ring);
		QT_ASSERT_OK(write_dev_attr(0, "paused", "0"));
		QT_ASSERT_EQ(submitted, NB_DEPTH);
		memset(seen_ids, 0, sizeof(seen_ids));
		for (k = 0; k < NB_DEPTH; k++) {
			QT_ASSERT_EQ(io_uring_wait_cqe(&w.ring, &cqe), 0);
			i = cqe->user_data;
			if (i >= NB_DEPTH || seen_ids[i])
				QT_FAIL("round %u: CQE for user_data %u twice",
					round, i);
			if (cqe->res)
				QT_FAIL("round %u: job %u: res %d", round, i,
					cqe->res);
			QT_ASSERT_GT(cqe->big_cqe[0], 0);
			seen_ids[i] = cqe->big_cqe[0];
			io_uring_cqe_seen(&w.ring, cqe);
		}
		for (i = 0; i < NB_DEPTH; i++) {
			const struct qpu_result *r = slice_at(w.res.ptr,
							      i * stride);

			assert_slice_ok(r, 1, 16, 0, 0);
			QT_ASSERT_EQ(r->seed, 42);
		}
		done += NB_DEPTH;
	}
	t.stop = 1;
	QT_ASSERT_EQ(pthread_join(th, NULL), 0);
	retries = read_sysfs_u64(URING_RETRIES) - retries0;
	printf("# %u uring_cmds, %llu issued again after -EAGAIN, %lu loads "
	       "beside them\n", done, (unsigned long long)retries, t.loads);
	QT_ASSERT_GT(t.loads, 0);
	QT_ASSERT_GT(retries, 0);
	/* No CQE is left over and nothing is left behind. */
	QT_ASSERT_EQ(io_uring_peek_cqe(&w.ring, &cqe), -EAGAIN);
	read_objs(&after);
	assert_objs_eq(&after, &before);
	raw_down(&w);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
