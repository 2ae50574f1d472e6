// SPDX-License-Identifier: GPL-2.0
/*
 * tenant_limits_test.c - tenants' limits and budgets (issue 9): every
 * limit at the charging cgroup and at an ancestor, with its errno, the
 * refusal detail (in the argument struct, and from QPU_IOC_GET_REFUSAL
 * after an io_uring refusal) and the refusing level's event counter; "max";
 * budgets with a lifetime and with a short period; a budget given back by
 * a cancelled job; charges that stay where they were made when a task
 * migrates; rmdir of a cgroup with live charges; device removal and
 * module unload with tenant state present.
 *
 * Errnos (uapi/linux/qpu.h, "Tenants and refused charges"): EDQUOT for
 * qubits at ALLOC, EBUSY for jobs at SUBMIT/RUN/uring, EDQUOT for budgets
 * at SUBMIT/RUN/uring.
 *
 * Each test makes its cgroups under /sys/fs/cgroup/qt-PID (level 1), runs
 * its body in a child that moves itself into them, and removes them after.
 * Without the tenant core (no QPU_FEAT_TENANTS) every test is skipped.
 */
#include <liburing.h>

#include "qpu_test.h"
#include "vm_util.h"
#include "cgroup_util.h"
#include "tenant_rig.h"

/* ---- qubits.max ------------------------------------------------------- */

TENANT_TEST(qubits_max_leaf)
{
	uint64_t a = tfx_mkcg(f, "a");
	struct qpu_refusal r, g;
	struct qpu_nl_tenant ti;
	uint32_t h1, h2, h3;
	char n[128];
	int fd, fd2;

	tfx_set(f, a, tcfg_qubits(4));
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "a"));
	fd = open_dev();
	h1 = alloc_ext_ok(fd, 3, NULL);
	QT_ASSERT_EQ(alloc_ext(fd, 2, NULL, &r, &h2), -EDQUOT);
	assert_refusal(&r, &(struct want_refusal){ QPU_LIMIT_QUBITS, 2, a, 3, 4, 2,
						  EDQUOT }, "ALLOC 2 over 3 of 4");
	QT_ASSERT_EQ(r.seq, 1);
	g = get_refusal_ok(fd);
	QT_ASSERT(!memcmp(&g, &r, sizeof(r)));
	/* the limit is per cgroup, not per file: a second file is refused too */
	fd2 = open_dev();
	QT_ASSERT_EQ(alloc_ext(fd2, 2, NULL, &r, NULL), -EDQUOT);
	QT_ASSERT_EQ(r.usage, 3);
	QT_ASSERT_EQ(r.seq, 1);		/* that file's first refusal */
	/* exactly up to the limit is fine */
	h2 = alloc_ext_ok(fd2, 1, NULL);
	ti = tfx_get(f, a);
	QT_ASSERT_EQ(ti.qubits_max, 4);
	QT_ASSERT_EQ(ti.qubits_current, 4);
	QT_ASSERT_EQ(ti.level, 2);
	QT_ASSERT(ti.configured);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_QUBITS], 2);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_JOBS], 0);
	/* a refused ALLOC took nothing: the device's free count agrees */
	assert_free_qubits(fd, QPU0_ID, QPU0_NUM_QUBITS - 4);
	free_ok(fd, h1);
	h3 = alloc_ext_ok(fd, 3, NULL);
	free_ok(fd, h3);
	free_ok(fd2, h2);
	QT_ASSERT_EQ(tfx_get(f, a).qubits_current, 0);
	close_ok(fd2);
	close_ok(fd);
}

/* A parent's qubits.max bounds its children together, and reports itself. */
TENANT_TEST(qubits_max_ancestor)
{
	uint64_t p = tfx_mkcg(f, "p"), c1 = tfx_mkcg(f, "p/c1");
	uint64_t c2 = tfx_mkcg(f, "p/c2");
	struct qpu_refusal r;
	struct qpu_nl_tenant ti;
	char n1[128], n2[128];
	int fd1, fd2;
	uint32_t h;

	tfx_set(f, p, tcfg_qubits(5));
	tfx_set(f, c2, tcfg_qubits(QPU_UNLIMITED));
	tfx_cg(f, n1, sizeof(n1), "p/c1");
	tfx_cg(f, n2, sizeof(n2), "p/c2");
	cg_enter_ok(n1);
	fd1 = open_dev();
	h = alloc_ext_ok(fd1, 3, NULL);
	cg_enter_ok(n2);
	fd2 = open_dev();
	QT_ASSERT_EQ(alloc_ext(fd2, 3, NULL, &r, NULL), -EDQUOT);
	assert_refusal(&r, &(struct want_refusal){ QPU_LIMIT_QUBITS, 2, p, 3, 5, 3,
						  EDQUOT }, "c2 over p's limit");
	alloc_ext_ok(fd2, 2, NULL);
	/* usage is hierarchical; the event counts at the refusing level */
	ti = tfx_get(f, p);
	QT_ASSERT_EQ(ti.qubits_current, 5);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_QUBITS], 1);
	ti = tfx_get(f, c1);
	QT_ASSERT_EQ(ti.qubits_current, 3);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_QUBITS], 0);
	ti = tfx_get(f, c2);
	QT_ASSERT_EQ(ti.qubits_current, 2);
	QT_ASSERT_EQ(ti.qubits_max, QPU_UNLIMITED);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_QUBITS], 0);
	free_ok(fd1, h);
	close_ok(fd1);
	close_ok(fd2);
	QT_ASSERT_EQ(tfx_get(f, p).qubits_current, 0);
}

/* "max" lifts a limit; the file's max_ctx_qubits keeps its own detail. */
TENANT_TEST(qubits_max_unlimited_and_ctx_limit)
{
	uint64_t a = tfx_mkcg(f, "a");
	struct qpu_refusal r;
	char n[128];
	uint32_t h;
	int fd;

	tfx_save_tunables(f);
	tfx_set(f, a, tcfg_qubits(2));
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "a"));
	fd = open_dev();
	QT_ASSERT_EQ(alloc_ext(fd, 3, NULL, &r, NULL), -EDQUOT);
	QT_ASSERT_EQ(r.limit, QPU_LIMIT_QUBITS);
	tfx_set(f, a, tcfg_qubits(QPU_UNLIMITED));
	QT_ASSERT_EQ(tfx_get(f, a).qubits_max, QPU_UNLIMITED);
	h = alloc_ext_ok(fd, 10, NULL);
	free_ok(fd, h);
	/* the per-file limit: EDQUOT as before, detail CTX_QUBITS */
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "max_ctx_qubits", "3"), 0);
	QT_ASSERT_EQ(alloc_ext(fd, 4, NULL, &r, NULL), -EDQUOT);
	QT_ASSERT_EQ(r.limit, QPU_LIMIT_CTX_QUBITS);
	QT_ASSERT_EQ(r.max, 3);
	QT_ASSERT_EQ(r.request, 4);
	QT_ASSERT_EQ(r.cgroup_id, a);
	QT_ASSERT_EQ(r.error, EDQUOT);
	/* not a tenant's refusal: the tenant's counter stays */
	QT_ASSERT_EQ(tfx_get(f, a).events[QPU_LIMIT_QUBITS], 1);
	close_ok(fd);
}

/* ---- jobs.max ----------------------------------------------------------- */

/* A 128-byte QPU_URING_CMD_RUN SQE carrying @job on @fd. */
static void uring_run(struct io_uring *ring, int fd, const struct qpu_job_desc *job,
		      int *res, uint64_t *job_id)
{
	struct io_uring_sqe *s = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;

	QT_ASSERT(s);
	memset(s, 0, 128);
	s->opcode = IORING_OP_URING_CMD;
	s->fd = fd;
	s->cmd_op = QPU_URING_CMD_RUN;
	s->user_data = 0x7e;
	memcpy((char *)s + offsetof(struct io_uring_sqe, cmd), job, sizeof(*job));
	QT_ASSERT_EQ(io_uring_submit(ring), 1);
	QT_ASSERT_EQ(io_uring_wait_cqe(ring, &cqe), 0);
	*res = cqe->res;
	*job_id = cqe->big_cqe[0];
	io_uring_cqe_seen(ring, cqe);
}

static void ring_init(struct io_uring *ring)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	QT_ASSERT_EQ(io_uring_queue_init_params(4, ring, &p), 0);
}

/*
 * jobs.max at @limit_cg (the charging cgroup or its parent): with one job
 * queued (behind the plug), SUBMIT, RUN and a uring_cmd are refused with
 * EBUSY, and GET_REFUSAL tells the uring refusal's detail.
 */
static void jobs_max_at(struct tfx *f, const char *charge_sub, const char *limit_sub,
			uint32_t limit_level)
{
	struct qpu_submit s;
	struct qpu_run run;
	struct io_uring ring;
	struct qpu_refusal r;
	struct qpu_nl_tenant ti;
	struct plug plug;
	struct unit u;
	uint64_t jid;
	uint32_t id;
	char n[128], ln[128];
	uint64_t lim = cg_id_ok(tfx_cg(f, ln, sizeof(ln), limit_sub));
	int res;

	tfx_save_tunables(f);
	tfx_set(f, lim, tcfg_jobs(1));
	plug_up(&plug);		/* from the root cgroup: not charged */
	cg_enter_ok(tfx_cg(f, n, sizeof(n), charge_sub));
	unit_up(&u, 1);
	id = unit_submit_ok(&u, 16);
	ti = tfx_get(f, lim);
	QT_ASSERT_EQ(ti.jobs_current, 1);
	QT_ASSERT_EQ(ti.jobs_max, 1);

	QT_ASSERT_EQ(unit_submit(&u, 16, NULL, &s), -EBUSY);
	assert_refusal(&s.refusal, &(struct want_refusal){ QPU_LIMIT_JOBS, limit_level,
			lim, 1, 1, 1, EBUSY }, "SUBMIT over jobs.max");
	/* a synchronous run counts as a job while it runs */
	QT_ASSERT_EQ(unit_run(&u, 16, &run), -EBUSY);
	assert_refusal(&run.refusal, &(struct want_refusal){ QPU_LIMIT_JOBS, limit_level,
			lim, 1, 1, 1, EBUSY }, "RUN over jobs.max");
	/* io_uring: only an errno in the CQE; the detail from GET_REFUSAL */
	ring_init(&ring);
	{
		struct qpu_job_desc j = unit_job(&u, 16);

		uring_run(&ring, u.fd, &j, &res, &jid);
	}
	QT_ASSERT_EQ(res, -EBUSY);
	QT_ASSERT_EQ(jid, 0);
	r = get_refusal_ok(u.fd);
	assert_refusal(&r, &(struct want_refusal){ QPU_LIMIT_JOBS, limit_level, lim,
						  1, 1, 1, EBUSY }, "uring over jobs.max");
	QT_ASSERT_EQ(r.seq, 3);
	QT_ASSERT_EQ(tfx_get(f, lim).events[QPU_LIMIT_JOBS], 3);

	/* cancelled (still queued behind the plug): the slot is free again */
	QT_ASSERT_EQ(cancel_job(u.fd, id), 0);
	QT_ASSERT_EQ(wait_job_ok(u.fd, id).status, -ECANCELED);
	QT_ASSERT_EQ(tfx_get(f, lim).jobs_current, 0);
	cg_enter_ok("");
	plug_down(&plug);
	unit_run_ok(&u, 16, NULL);	/* the file's cgroup is not what counts */
	cg_enter_ok(n);
	id = unit_submit_ok(&u, 16);
	wait_job_ok(u.fd, id);
	{
		struct qpu_job_desc j = unit_job(&u, 16);

		uring_run(&ring, u.fd, &j, &res, &jid);
	}
	QT_ASSERT_EQ(res, 0);
	QT_ASSERT_GT(jid, 0);
	io_uring_queue_exit(&ring);
	QT_ASSERT_EQ(tfx_get(f, lim).jobs_current, 0);
	unit_down(&u);
}

/*
 * A limit check @fn(f, charging cgroup, limiting cgroup, limiting level)
 * with the limit on the charging cgroup itself ("a"), or on its parent
 * ("p" of "p/c"); either is level 2 (the scratch root is level 1).
 */
typedef void (*limit_check)(struct tfx *f, const char *charge_sub,
			    const char *limit_sub, uint32_t limit_level);

static void at_leaf(struct tfx *f, limit_check fn)
{
	tfx_mkcg(f, "a");
	fn(f, "a", "a", 2);
}

static void at_ancestor(struct tfx *f, limit_check fn)
{
	tfx_mkcg(f, "p");
	tfx_mkcg(f, "p/c");
	fn(f, "p/c", "p", 2);
}

TENANT_TEST(jobs_max_leaf)
{
	at_leaf(f, jobs_max_at);
}

TENANT_TEST(jobs_max_ancestor)
{
	at_ancestor(f, jobs_max_at);
}

/* ---- budgets ------------------------------------------------------------ */

/* shots.max with a lifetime period, at the leaf and at an ancestor. */
static void shots_lifetime_at(struct tfx *f, const char *charge_sub,
			      const char *limit_sub, uint32_t limit_level)
{
	char ln[128], n[128];
	uint64_t lim;
	struct qpu_submit s;
	struct qpu_run run;
	struct qpu_nl_tenant ti;
	struct unit u;

	lim = cg_id_ok(tfx_cg(f, ln, sizeof(ln), limit_sub));
	tfx_set(f, lim, tcfg_shots(1000, 0));
	cg_enter_ok(tfx_cg(f, n, sizeof(n), charge_sub));
	unit_up(&u, 1);
	unit_run_ok(&u, 600, NULL);
	QT_ASSERT_EQ(unit_run(&u, 600, &run), -EDQUOT);
	assert_refusal(&run.refusal, &(struct want_refusal){ QPU_LIMIT_SHOTS, limit_level,
			lim, 600, 1000, 600, EDQUOT }, "RUN over shots.max");
	QT_ASSERT_EQ(unit_submit(&u, 401, NULL, &s), -EDQUOT);
	assert_refusal(&s.refusal, &(struct want_refusal){ QPU_LIMIT_SHOTS, limit_level,
			lim, 600, 1000, 401, EDQUOT }, "SUBMIT over shots.max");
	/* the remainder, readable before submitting (own cgroup: id 0) */
	ti = tfx_get(f, 0);
	QT_ASSERT_EQ(ti.cgroup_id, cg_self_id());
	ti = tfx_get(f, lim);
	QT_ASSERT(ti.shots.have);
	QT_ASSERT_EQ(ti.shots.limit, 1000);
	QT_ASSERT_EQ(ti.shots.period, 0);
	QT_ASSERT_EQ(ti.shots.used, 600);
	QT_ASSERT_EQ(ti.shots.remaining, 400);
	QT_ASSERT_EQ(ti.shots.reset_ns, 0);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_SHOTS], 2);
	/* exactly the remainder fits, then nothing does */
	unit_run_ok(&u, 400, NULL);
	QT_ASSERT_EQ(unit_run(&u, 1, &run), -EDQUOT);
	QT_ASSERT_EQ(run.refusal.usage, 1000);
	ti = tfx_get(f, lim);
	QT_ASSERT_EQ(ti.shots.remaining, 0);
	QT_ASSERT_GE(ti.shots.total, 1000);
	/* a lifetime budget does not come back with time; setting it again
	 * starts a new period with nothing used */
	tfx_set(f, lim, tcfg_shots(1000, 0));
	unit_run_ok(&u, 1000, NULL);
	/* "max": no budget */
	tfx_set(f, lim, tcfg_shots(QPU_UNLIMITED, 0));
	unit_run_ok(&u, 5000, NULL);
	QT_ASSERT_EQ(tfx_get(f, lim).shots.remaining, QPU_UNLIMITED);
	unit_down(&u);
}

TENANT_TEST(shots_budget_lifetime_leaf)
{
	at_leaf(f, shots_lifetime_at);
}

TENANT_TEST(shots_budget_lifetime_ancestor)
{
	at_ancestor(f, shots_lifetime_at);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A 2 s period: refused, then allowed again once the period is over. */
TENANT_TEST(shots_budget_period)
{
	uint64_t a = tfx_mkcg(f, "a"), t0, deadline;
	struct qpu_nl_tenant ti;
	struct qpu_run run;
	struct unit u;
	char n[128];
	int ret;

	tfx_set(f, a, tcfg_shots(100, 2));
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "a"));
	unit_up(&u, 1);
	t0 = now_ns();
	unit_run_ok(&u, 100, NULL);
	QT_ASSERT_EQ(unit_run(&u, 1, &run), -EDQUOT);
	QT_ASSERT_EQ(run.refusal.limit, QPU_LIMIT_SHOTS);
	ti = tfx_get(f, a);
	QT_ASSERT_EQ(ti.shots.period, 2);
	QT_ASSERT_EQ(ti.shots.used, 100);
	QT_ASSERT_GT(ti.shots.reset_ns, 0);
	QT_ASSERT_LE(ti.shots.reset_ns, 2000000000ULL);
	/* after the period (generous margin for a slow guest): allowed again */
	usleep((ti.shots.reset_ns + 200000000ULL) / 1000);
	deadline = now_ns() + 10000000000ULL;
	do {
		ret = unit_run(&u, 100, &run);
		if (ret != -EDQUOT)
			break;
		usleep(200000);
	} while (now_ns() < deadline);
	QT_ASSERT_EQ(ret, 0);
	printf("# allowed again %llu ms after the first run\n",
	       (unsigned long long)((now_ns() - t0) / 1000000));
	unit_down(&u);
}

/* qpu_time.max: the timing model's cost, predicted at submission. */
TENANT_TEST(qpu_time_budget)
{
	uint64_t a = tfx_mkcg(f, "a"), cost;
	struct qpu_submit s;
	struct qpu_run run;
	struct qpu_nl_tenant ti;
	struct unit u;
	char n[128];

	/* the cost of one 64-shot job, measured outside any limit */
	unit_up(&u, 1);
	unit_run_ok(&u, 64, &run);
	cost = run.qpu_ns;
	QT_ASSERT_GT(cost, 0);
	tfx_set(f, a, tcfg_qpu_time(3 * cost - 1, 0));
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "a"));
	unit_run_ok(&u, 64, NULL);
	unit_run_ok(&u, 64, NULL);
	QT_ASSERT_EQ(unit_run(&u, 64, &run), -EDQUOT);
	assert_refusal(&run.refusal, &(struct want_refusal){ QPU_LIMIT_QPU_TIME, 2, a,
			2 * cost, 3 * cost - 1, cost, EDQUOT }, "RUN over qpu_time.max");
	QT_ASSERT_EQ(unit_submit(&u, 64, NULL, &s), -EDQUOT);
	QT_ASSERT_EQ(s.refusal.limit, QPU_LIMIT_QPU_TIME);
	ti = tfx_get(f, a);
	QT_ASSERT_EQ(ti.qpu_time.used, 2 * cost);
	QT_ASSERT_EQ(ti.qpu_time.remaining, cost - 1);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_QPU_TIME], 2);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_SHOTS], 0);
	unit_down(&u);
}

/* A budget refusal on io_uring: the CQE's errno, the detail afterwards. */
TENANT_TEST(budget_refusal_on_uring)
{
	uint64_t a = tfx_mkcg(f, "a");
	struct qpu_job_desc j;
	struct io_uring ring;
	struct qpu_refusal r;
	struct unit u;
	uint64_t jid;
	char n[128];
	int res;

	tfx_set(f, a, tcfg_shots(10, 0));
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "a"));
	unit_up(&u, 1);
	QT_ASSERT_EQ(get_refusal_ok(u.fd).seq, 0);	/* none yet: all zero */
	ring_init(&ring);
	j = unit_job(&u, 20);
	uring_run(&ring, u.fd, &j, &res, &jid);
	QT_ASSERT_EQ(res, -EDQUOT);
	QT_ASSERT_EQ(jid, 0);
	r = get_refusal_ok(u.fd);
	assert_refusal(&r, &(struct want_refusal){ QPU_LIMIT_SHOTS, 2, a, 0, 10, 20,
						  EDQUOT }, "uring over shots.max");
	QT_ASSERT_EQ(r.seq, 1);
	j = unit_job(&u, 10);
	uring_run(&ring, u.fd, &j, &res, &jid);
	QT_ASSERT_EQ(res, 0);
	j = unit_job(&u, 1);
	uring_run(&ring, u.fd, &j, &res, &jid);
	QT_ASSERT_EQ(res, -EDQUOT);
	r = get_refusal_ok(u.fd);
	QT_ASSERT_EQ(r.seq, 2);
	QT_ASSERT_EQ(r.usage, 10);
	QT_ASSERT_EQ(r.request, 1);
	/* the read-only query works on a read-only file too, and is per file */
	{
		int ro = open(QPU0_PATH, O_RDONLY | O_CLOEXEC);

		QT_ASSERT(ro >= 0);
		QT_ASSERT_EQ(get_refusal_ok(ro).seq, 0);
		close_ok(ro);
	}
	io_uring_queue_exit(&ring);
	unit_down(&u);
}

/* A job cancelled while queued gives its shots back. */
TENANT_TEST(budget_refund_on_cancel)
{
	uint64_t a = tfx_mkcg(f, "a");
	struct plug plug;
	struct unit u;
	struct qpu_wait w;
	char n[128];
	uint32_t id;

	tfx_save_tunables(f);
	tfx_set(f, a, tcfg_shots(1000, 0));
	plug_up(&plug);
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "a"));
	unit_up(&u, 1);
	id = unit_submit_ok(&u, 600);
	QT_ASSERT_EQ(tfx_get(f, a).shots.used, 600);
	QT_ASSERT_EQ(unit_submit(&u, 600, NULL, NULL), -EDQUOT);
	QT_ASSERT_EQ(cancel_job(u.fd, id), 0);
	w = wait_job_ok(u.fd, id);
	QT_ASSERT_EQ(w.status, -ECANCELED);
	QT_ASSERT_EQ(w.start_ns, 0);	/* it never ran */
	QT_ASSERT_EQ(tfx_get(f, a).shots.used, 0);
	QT_ASSERT_EQ(tfx_get(f, a).jobs_current, 0);
	cg_enter_ok("");
	plug_down(&plug);
	cg_enter_ok(n);
	unit_run_ok(&u, 1000, NULL);	/* the whole budget is there again */
	unit_down(&u);
}

/* ---- where charges live ------------------------------------------------- */

/* Charges stay with the cgroup they were made in; new ones go to the new. */
/*
 * The device keeps state for at most max_tenants cgroups (the cgroups with
 * limits and those a live charge walks through): a charge or a limit that
 * needs a record more is refused with EUSERS, and the records of a cgroup
 * go with its last charge.
 */
TENANT_TEST(tenant_table_full_eusers)
{
	uint64_t b = tfx_mkcg(f, "b"), c = tfx_mkcg(f, "c");
	struct qpu_nl_limits cq = tcfg_qubits(4);
	struct qpu_refusal r;
	struct qpu_nl_dev d;
	char n[128], num[16];
	uint32_t h, full;
	int fd, fd2;

	tfx_mkcg(f, "a");
	tfx_save_tunables(f);
	QT_ASSERT_OK(qpu_nl_dev_get(f->nl, QPU0_ID, &d));
	/* Room for the root, the scratch cgroup and a: one allocation in a. */
	full = d.tenants + 3;
	snprintf(num, sizeof(num), "%u", full);
	QT_ASSERT_OK(write_dev_attr(QPU0_ID, "max_tenants", num));
	QT_ASSERT_EQ(dev_attr_u32(QPU0_ID, "max_tenants"), full);
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "a"));
	fd = open_dev();
	h = alloc_ext_ok(fd, 1, NULL);
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "b"));
	fd2 = open_dev();
	QT_ASSERT_EQ(alloc_ext(fd2, 1, NULL, &r, NULL), -EUSERS);
	assert_refusal(&r, &(struct want_refusal){ QPU_LIMIT_TENANTS, 2, b, full,
						  full, 1, EUSERS },
		       "ALLOC in a fourth cgroup");
	/* Limits on a cgroup without state need a record too. */
	QT_ASSERT_EQ(qpu_nl_tenant_set(f->nl, QPU0_ID, c, &cq), -EUSERS);
	/* a's records go with its allocation: room again. */
	free_ok(fd, h);
	h = alloc_ext_ok(fd2, 1, NULL);
	free_ok(fd2, h);
	close_ok(fd2);
	close_ok(fd);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "max_tenants", "0"), -ERANGE);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "max_tenants", "4097"), -ERANGE);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "max_tenants", "x"), -EINVAL);
}

TENANT_TEST(migration_keeps_charges)
{
	uint64_t a = tfx_mkcg(f, "a"), b = tfx_mkcg(f, "b");
	struct unit u;
	char na[128], nb[128];
	uint32_t h, id;

	tfx_set(f, a, tcfg_qubits(QPU_UNLIMITED));
	tfx_set(f, b, tcfg_qubits(QPU_UNLIMITED));
	cg_enter_ok(tfx_cg(f, na, sizeof(na), "a"));
	unit_up(&u, 3);
	QT_ASSERT_EQ(tfx_get(f, a).qubits_current, 3);
	cg_enter_ok(tfx_cg(f, nb, sizeof(nb), "b"));
	QT_ASSERT_EQ(cg_self_id(), b);
	QT_ASSERT_EQ(tfx_get(f, a).qubits_current, 3);
	QT_ASSERT_EQ(tfx_get(f, b).qubits_current, 0);
	h = alloc_ext_ok(u.fd, 2, NULL);
	QT_ASSERT_EQ(tfx_get(f, b).qubits_current, 2);
	QT_ASSERT_EQ(tfx_get(f, a).qubits_current, 3);
	/* a job is charged where its submitter is now, whatever its qubits */
	tfx_set(f, b, tcfg_jobs(0));
	QT_ASSERT_EQ(unit_submit(&u, 16, NULL, NULL), -EBUSY);
	tfx_set(f, b, tcfg_jobs(QPU_UNLIMITED));
	tfx_set(f, a, tcfg_jobs(0));
	id = unit_submit_ok(&u, 16);
	wait_job_ok(u.fd, id);
	free_ok(u.fd, h);
	QT_ASSERT_EQ(tfx_get(f, b).qubits_current, 0);
	unit_down(&u);
	QT_ASSERT_EQ(tfx_get(f, a).qubits_current, 0);
}

TENANT_TEST(rmdir_with_live_charges)
{
	uint64_t p = tfx_mkcg(f, "p"), a = tfx_mkcg(f, "p/a");
	struct qpu_nl_tenant ti;
	char na[128];
	struct unit u;
	uint32_t id;

	tfx_set(f, a, tcfg_qubits(8));
	tfx_set(f, a, tcfg_shots(100000, 0));
	cg_enter_ok(tfx_cg(f, na, sizeof(na), "p/a"));
	unit_up(&u, 3);
	id = unit_submit_ok(&u, 16);
	wait_job_ok(u.fd, id);
	/* leave, and remove the cgroup while its qubits are still charged */
	cg_enter_ok("");
	QT_ASSERT_EQ(cg_rmdir(na), 0);
	QT_ASSERT_EQ(cg_id(na), 0);
	ti = tfx_get(f, p);
	QT_ASSERT_EQ(ti.qubits_current, 3);	/* still held, still counted */
	/* the file keeps working: a job is charged to the submitter (root) */
	id = unit_submit_ok(&u, 16);
	wait_job_ok(u.fd, id);
	unit_down(&u);
	QT_ASSERT_EQ(tfx_get(f, p).qubits_current, 0);
	/* the charges are gone: so is the removed cgroup's state */
	QT_ASSERT(!tenant_listed(f->nl, QPU0_ID, a));
	/* and the device still serves everyone */
	unit_up(&u, 5);
	unit_run_ok(&u, 16, NULL);
	unit_down(&u);
}

/* ---- teardown with tenant state ---------------------------------------- */

#define RM_DEV		7

/* Cgroup @cgid has no state on @dev: ENOENT, or a default record. */
static void assert_no_state(struct qpu_nl *t, uint32_t dev, uint64_t cgid)
{
	struct qpu_nl_tenant ti;
	int ret = qpu_nl_tenant_get(t, dev, cgid, &ti);

	if (ret == -ENOENT)
		return;
	QT_ASSERT_EQ(ret, 0);
	QT_ASSERT(!ti.configured);
	QT_ASSERT_EQ(ti.qubits_current, 0);
	QT_ASSERT_EQ(ti.qubits_max, QPU_UNLIMITED);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_QUBITS], 0);
}

/* del_device with limits set and charges live: no leak, no crash. */
TENANT_TEST(device_removal_with_tenant_state)
{
	uint64_t a = tfx_mkcg(f, "a");
	struct qpu_nl_tenant ti;
	struct qpu_nl_dev d;
	struct unit u;
	char n[128];
	uint32_t id;

	tfx_new_device(f, RM_DEV, "grid:2x3");
	tfx_set_dev(f, RM_DEV, a, tcfg_qubits(4));
	tfx_set_dev(f, RM_DEV, a, tcfg_shots(1000000000, 0));
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "a"));
	unit_up_dev(&u, RM_DEV, 2);
	id = unit_submit_ok(&u, 16);
	wait_job_ok(u.fd, id);
	id = unit_submit_ok(&u, QPU_MAX_SHOTS);	/* maybe still running */
	tenant_get_ok(f->nl, RM_DEV, a, &ti);
	QT_ASSERT_EQ(ti.qubits_current, 2);
	QT_ASSERT_EQ(qpu_nl_dev_get(f->nl, RM_DEV, &d), 0);
	QT_ASSERT_GE(d.tenants, 1);
	del_device_ok(RM_DEV);
	QT_ASSERT_NE(qpu_nl_tenant_get(f->nl, RM_DEV, a, &ti), 0);
	QT_ASSERT_NE(qpu_nl_dev_get(f->nl, RM_DEV, &d), 0);
	/* the open file only sees ENODEV now; closing it releases the rest */
	QT_ASSERT_EQ(unit_submit(&u, 16, NULL, NULL), -ENODEV);
	close_ok(u.fd);
	/* the same id serves a new device with no state from the old one */
	new_device_ok(RM_DEV, "line:4");
	assert_no_state(f->nl, RM_DEV, a);
	del_device_ok(RM_DEV);
}

static void reload_module(void *arg)
{
	(void)arg;
	if (!module_loaded())
		QT_ASSERT_EQ(load_module(""), 0);
	QT_ASSERT(wait_for_path(QPU0_PATH, true, 5000));
	chmod(QPU0_PATH, 0666);
}

static void unload_body(void *arg)
{
	struct tfx *f = arg;
	uint64_t a = tfx_mkcg(f, "a");
	struct qpu_nl_limits c = tcfg_qubits(6);
	char n[128];
	struct unit u;
	int ret, i;

	f->nl = nl_open_ok();
	c.set |= QPU_NL_WEIGHT | QPU_NL_ISOLATION;
	c.weight = 300;
	c.isolation = QPU_ISOLATION_GUARD;
	tfx_set(f, a, c);
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "a"));
	unit_up(&u, 2);
	unit_run_ok(&u, 16, NULL);
	unit_down(&u);
	/* limits set, a record with history: the module still unloads */
	qpu_nl_close(f->nl);
	f->nl = NULL;
	for (i = 0; i < 50; i++) {
		ret = unload_module();
		if (ret != -EAGAIN && ret != -EBUSY)
			break;
		usleep(100000);
	}
	QT_ASSERT_EQ(ret, 0);
	QT_ASSERT(!module_loaded());
	QT_ASSERT_EQ(load_module(""), 0);
	QT_ASSERT(wait_for_path(QPU0_PATH, true, 5000));
	chmod(QPU0_PATH, 0666);
	/* a fresh module has no state for the cgroup */
	f->nl = nl_open_ok();
	assert_no_state(f->nl, QPU0_ID, a);
	qpu_nl_close(f->nl);
}

/* rmmod with tenant state present; the harness checks the counters. */
QPU_TEST_TIMEOUT(module_unload_with_tenant_state, 180)
{
	struct tfx *f = tfx_new();

	/* netlink sockets of the parent would not pin the module, but close
	 * it anyway: the body opens its own */
	qpu_nl_close(f->nl);
	f->nl = NULL;
	run_with_cleanup(unload_body, reload_module, f);
	f->nl = nl_open_ok();
	tfx_cleanup(f);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
