// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_regress_test.c - regression tests for kernel bugs that qpu-fuzz
 * (selftests/vm/fuzz/qpu-fuzz.c) found, each reduced to a deterministic
 * reproducer:
 *
 *  - QPU_IOC_WAIT failed with EINTR, with no signal sent, when an io_uring
 *    command of the same thread completed during the wait: the completion
 *    is task work (TIF_NOTIFY_SIGNAL), which the wait took for a signal
 *    and did not restart. Found by the uring and deep classes (seed 1:
 *    "WAIT: got EINTR") when one thread mixed both submission paths.
 *  - A SUBMIT whose reply cannot be copied out (the struct is read-only)
 *    is undone: the job is cancelled and reaped. That reaping wait was
 *    interruptible, so a signal (or task work) left the job behind, and a
 *    later WAIT returned a job of a SUBMIT that had failed with EFAULT.
 *    Found by the deep class (seed 3: "WAIT reaped job 15, never
 *    submitted here").
 */
#include <pthread.h>
#include <signal.h>

#include <liburing.h>

#include "vm_util.h"

/*
 * A context with two allocations: a long job (a million per-shot
 * measurements, cancelled by the test) on one, a short one on the other
 * (long enough to complete only once the test sleeps in WAIT).
 */
struct two_jobs {
	int fd;
	uint32_t long_circ, quick_circ;
	struct mbuf res_long, res_quick;
};

static uint32_t load_on(int fd, uint32_t alloc, bool per_shot)
{
	struct qpu_gate g[3];
	struct circ_spec s = {
		.alloc = alloc, .num_qubits = 1, .num_clbits = 1,
		.gates = g, .num_gates = 2,
	};

	g[0] = gate_1q(QPU_OP_H, 0);
	g[1] = gate_measure(0, 0);
	if (per_shot) {
		/* A conditional gate after the measurement: one run per shot. */
		g[2] = gate_cond(gate_1q(QPU_OP_X, 0), 0, 1, 1);
		s.num_gates = 3;
	}
	return circ_load_ok(fd, &s, NULL);
}

static void two_jobs_setup(struct two_jobs *tj)
{
	uint32_t a1, a2, n;
	struct qpu_edge e[4];

	tj->fd = open_dev();
	a1 = alloc_edges_ok(tj->fd, 1, e, ARRAY_LEN(e), &n);
	a2 = alloc_edges_ok(tj->fd, 1, e, ARRAY_LEN(e), &n);
	tj->long_circ = load_on(tj->fd, a1, true);
	tj->quick_circ = load_on(tj->fd, a2, true);
	mbuf_new_ok(tj->fd, 4096, &tj->res_long);
	mbuf_new_ok(tj->fd, 4096, &tj->res_quick);
}

/* Submit the long job through the ioctl; its id. */
static uint32_t submit_long(struct two_jobs *tj)
{
	struct qpu_submit sb;

	memset(&sb, 0, sizeof(sb));
	sb.job = job_make(tj->long_circ, QPU_MAX_SHOTS, tj->res_long.handle);
	QT_ASSERT_OK(qpu_ioc(tj->fd, QPU_IOC_SUBMIT, &sb));
	QT_ASSERT_NE(sb.job_id, 0);
	return sb.job_id;
}

static void cancel_and_reap(struct two_jobs *tj, uint32_t id)
{
	struct qpu_cancel c = { .job_id = id };
	struct qpu_wait w = { .job_id = id, .timeout_ns = -1 };
	int ret = qpu_ioc(tj->fd, QPU_IOC_CANCEL, &c);

	QT_ASSERT(ret == 0 || ret == -EALREADY);
	QT_ASSERT_OK(qpu_ioc(tj->fd, QPU_IOC_WAIT, &w));
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * An io_uring job of this thread completes while it sleeps in WAIT for
 * another job: the wait goes on (and still ends at its deadline).
 */
QPU_TEST(wait_survives_uring_completion)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 |
						  IORING_SETUP_CQE32 };
	struct qpu_job_desc quick;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct two_jobs tj;
	struct qpu_wait w;
	int64_t t0, took;
	uint32_t id;
	int ret;

	two_jobs_setup(&tj);
	QT_ASSERT_EQ(io_uring_queue_init_params(8, &ring, &p), 0);
	id = submit_long(&tj);

	quick = job_make(tj.quick_circ, 20000, tj.res_quick.handle);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, tj.fd, NULL, 0, 0);
	sqe->cmd_op = QPU_URING_CMD_RUN;
	/* The whole 80-byte command area (bytes 48..127 of the SQE). */
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), &quick,
	       sizeof(quick));
	QT_ASSERT_EQ(io_uring_submit(&ring), 1);

	/* The quick job completes during this wait (its CQE is task work). */
	memset(&w, 0, sizeof(w));
	w.job_id = id;
	w.timeout_ns = 1500 * 1000000LL;
	t0 = mono_ns();
	ret = qpu_ioc(tj.fd, QPU_IOC_WAIT, &w);
	took = mono_ns() - t0;
	if (ret != -ETIMEDOUT && ret != 0)
		QT_FAIL("WAIT during an io_uring completion: %s", strerror(-ret));
	/* Restarted with the time left, not the whole timeout again. */
	QT_ASSERT_LT(took, 10000 * 1000000LL);

	QT_ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
	QT_ASSERT_EQ(cqe->res, 0);
	io_uring_cqe_seen(&ring, cqe);
	if (ret)
		cancel_and_reap(&tj, id);
	io_uring_queue_exit(&ring);
	close_ok(tj.fd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct signaller {
	pthread_t target;
	volatile bool stop;
};

static void *signal_thread(void *arg)
{
	struct signaller *sg = arg;
	const struct timespec gap = { 0, 20 * 1000 };

	while (!sg->stop) {
		pthread_kill(sg->target, SIGUSR1);
		nanosleep(&gap, NULL);
	}
	return NULL;
}

/*
 * SUBMIT with the struct in read-only memory, under a stream of signals
 * (SA_RESTART): every call fails with EFAULT and leaves no job behind.
 */
QPU_TEST(submit_undo_survives_signals)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct signaller sg = { .target = pthread_self() };
	struct qpu_submit sb, *ro;
	struct qpu_wait w;
	struct two_jobs tj;
	pthread_t th;
	int i, ret;

	two_jobs_setup(&tj);
	QT_ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	memset(&sb, 0, sizeof(sb));
	sb.job = job_make(tj.long_circ, QPU_MAX_SHOTS, tj.res_long.handle);
	ro = map_page_with(PROT_READ, &sb, sizeof(sb));
	QT_ASSERT_EQ(pthread_create(&th, NULL, signal_thread, &sg), 0);
	for (i = 0; i < 300; i++) {
		ret = qpu_ioc(tj.fd, QPU_IOC_SUBMIT, ro);
		if (ret != -EFAULT) {
			sg.stop = true;
			QT_FAIL("SUBMIT with a read-only struct: %d", ret);
		}
		memset(&w, 0, sizeof(w));
		w.flags = QPU_WAIT_ANY;
		ret = qpu_ioc(tj.fd, QPU_IOC_WAIT, &w);
		if (ret != -ENOENT) {
			sg.stop = true;
			pthread_join(th, NULL);
			QT_FAIL("iteration %d: a failed SUBMIT left job %u "
				"behind (WAIT: %d)", i, w.job_id, ret);
		}
	}
	sg.stop = true;
	pthread_join(th, NULL);
	close_ok(tj.fd);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
