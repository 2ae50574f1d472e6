// SPDX-License-Identifier: GPL-2.0
/*
 * crosstalk_sched_test.c - the scheduler's crosstalk rule
 * (Documentation/qpu/noise.rst, "The scheduler's crosstalk rule"): on a
 * calibrated device a queued job whose qubits are coupled to a running
 * allocation is held back, at its place, while crosstalk would cost it
 * more than crosstalk_defer_ppm of its estimated success probability,
 * and starts once its neighbour is done.
 *
 * On a line:8 device (id 9), allocation A holds qubits 0-1 and runs a long
 * job; a short job then goes to B:
 *  - B on qubits 2-3 (2 is coupled to A's 1), crosstalk_defer_ppm 1: B
 *    waits, starting no earlier than A ends;
 *  - the same with crosstalk_defer_ppm 0 (the rule off), with B on
 *    qubits 3-4 (a free qubit between), and in ideal mode: B starts while
 *    A still runs.
 * Times are the kernel's (QPU_IOC_WAIT's start_ns and end_ns), and A runs
 * long enough (timed first) that "while A runs" is not a race.
 */
#include <libqpu.h>

#include "nl_util.h"
#include "vm_util.h"

#define XT_DEV		9
#define XT_SPEC		"line:8"
#define LONG_NS		1500000000ULL	/* A's job takes at least this */

#define A_SHOTS		2000

struct xt_side {
	struct qpu_qubits *q;
	struct qpu_loaded l;
	struct qpu_buffer *res;
	uint32_t shots;
	uint32_t sweeps;
	size_t slice;
};

struct xt_rig {
	struct qpu_dev *dev;
	struct xt_side a, b;
};

/*
 * A 2-qubit circuit with a few CX (what crosstalk hurts), measured; its
 * first reset makes every shot its own simulation in ideal mode too, so
 * the job's length scales with its shots in both modes.
 */
static void side_up(struct xt_rig *r, struct xt_side *s, uint32_t q0,
		    uint32_t shots, uint32_t sweeps)
{
	const uint32_t phys[2] = { q0, q0 + 1 };
	struct qpu_circuit *c;
	int i;

	QT_ASSERT_EQ(qpu_alloc_qubits_exact(r->dev, phys, 2, &s->q), 0);
	c = qpu_circuit_new(2, 2);
	QT_ASSERT(c);
	QT_ASSERT_EQ(qpu_circuit_reset(c, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_h(c, 0), 0);
	for (i = 0; i < 6; i++)
		QT_ASSERT_EQ(qpu_circuit_cx(c, i & 1, !(i & 1)), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 0, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 1, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_load(r->dev, c, s->q, &s->l), 0);
	qpu_circuit_free(c);
	s->shots = shots;
	s->sweeps = sweeps;
	s->slice = qpu_result_size(2, shots, 0);
	QT_ASSERT_EQ(qpu_buffer_new(r->dev, s->slice * sweeps, &s->res), 0);
}

static void side_down(struct xt_rig *r, struct xt_side *s)
{
	QT_ASSERT_EQ(qpu_buffer_free(r->dev, s->res), 0);
	QT_ASSERT_EQ(qpu_circuit_unload(r->dev, s->l.handle), 0);
	QT_ASSERT_EQ(qpu_free_qubits(r->dev, s->q), 0);
}

static uint32_t submit(struct xt_rig *r, const struct xt_side *s)
{
	struct qpu_submit sb;

	memset(&sb, 0, sizeof(sb));
	sb.job.circuit = s->l.handle;
	sb.job.flags = QPU_RUN_SEED;
	sb.job.seed = 5;
	sb.job.shots = s->shots;
	sb.job.num_sweeps = s->sweeps;
	sb.job.result_buf = s->res->handle;
	sb.job.result_stride = s->slice;
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r->dev), QPU_IOC_SUBMIT, &sb), 0);
	return sb.job_id;
}

static void wait_job(struct xt_rig *r, uint32_t id, struct qpu_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = id;
	w->timeout_ns = -1;
	QT_ASSERT_EQ(qpu_ioc(qpu_fd(r->dev), QPU_IOC_WAIT, w), 0);
	QT_ASSERT_EQ(w->status, 0);
}

/* Wait until the device runs @running jobs and queues @queued. */
static void wait_counts(uint32_t running, uint32_t queued)
{
	struct nlq *q = nlq_open();
	struct nlq_dev d;
	int i;

	QT_ASSERT(q);
	for (i = 0; i < 2000; i++) {
		QT_ASSERT_EQ(nlq_dev_get(q, XT_DEV, &d), 0);
		if (d.running == running && d.queued == queued)
			break;
		usleep(1000);
	}
	nlq_close(q);
	if (i == 2000)
		QT_FAIL("device never ran %u and queued %u jobs (%u, %u)",
			running, queued, d.running, d.queued);
}

static void set_attr(const char *name, const char *val)
{
	int ret = write_dev_attr(XT_DEV, name, val);

	if (ret)
		QT_FAIL("%s=%s: %s", name, val, strerror(-ret));
}

/* Sweeps of A_SHOTS for A's job to take 2 * LONG_NS, in this guest. */
static uint32_t long_sweeps(struct xt_rig *r)
{
	struct qpu_wait w;
	uint64_t ns, n;

	r->a.sweeps = 1;
	wait_job(r, submit(r, &r->a), &w);
	ns = w.end_ns - w.start_ns;
	n = 2 * LONG_NS / (ns ? ns : 1) + 1;
	return n > QPU_MAX_SWEEPS ? QPU_MAX_SWEEPS : (uint32_t)n;
}

/*
 * Device XT_DEV in @mode, A on qubits 0-1 with a job long enough, B on
 * @b_q0 and the next. Circuits are loaded calibrated: their crosstalk
 * cost is known even when the test then runs them ideal.
 */
static void rig_up(struct xt_rig *r, uint32_t b_q0, const char *mode)
{
	uint32_t sweeps;
	char path[64];

	memset(r, 0, sizeof(*r));
	new_device_ok(XT_DEV, XT_SPEC);
	set_attr("noise", "calibrated");
	set_attr("workers", "2");
	QT_ASSERT_EQ(qpu_open(dev_path(path, sizeof(path), XT_DEV), &r->dev), 0);
	side_up(r, &r->a, 0, A_SHOTS, QPU_MAX_SWEEPS);
	side_up(r, &r->b, b_q0, 200, 1);
	set_attr("noise", mode);
	sweeps = long_sweeps(r);
	r->a.sweeps = sweeps;
}

static void rig_down(struct xt_rig *r)
{
	side_down(r, &r->a);
	side_down(r, &r->b);
	qpu_close(r->dev);
	del_device_ok(XT_DEV);
}

/*
 * A's long job, then B's short one once A runs: whether B started
 * before A ended. @held: B must have waited for A (and been seen queued).
 */
static bool b_ran_beside_a(struct xt_rig *r, bool held)
{
	struct qpu_wait wa, wb;
	uint32_t ja, jb;

	ja = submit(r, &r->a);
	wait_counts(1, 0);
	jb = submit(r, &r->b);
	if (held)
		wait_counts(1, 1);
	wait_job(r, jb, &wb);
	wait_job(r, ja, &wa);
	printf("# A ran %.3f s, B started %.3f s after A started %s\n",
	       (wa.end_ns - wa.start_ns) * 1e-9,
	       (double)(int64_t)(wb.start_ns - wa.start_ns) * 1e-9,
	       wb.start_ns < wa.end_ns ? "(beside it)" : "(after it ended)");
	return wb.start_ns < wa.end_ns;
}

static void del_xt_dev(void *arg)
{
	(void)arg;
	del_device(XT_DEV);
}

static void held_beside_neighbour_body(void *arg)
{
	struct xt_rig r;

	(void)arg;
	rig_up(&r, 2, "calibrated");
	set_attr("crosstalk_defer_ppm", "1");
	QT_ASSERT(!b_ran_beside_a(&r, true));
	rig_down(&r);
}

QPU_TEST(held_beside_neighbour)
{
	run_with_cleanup(held_beside_neighbour_body, del_xt_dev, NULL);
}

static void rule_off_runs_beside_body(void *arg)
{
	struct xt_rig r;

	(void)arg;
	rig_up(&r, 2, "calibrated");
	set_attr("crosstalk_defer_ppm", "0");
	QT_ASSERT(b_ran_beside_a(&r, false));
	rig_down(&r);
}

QPU_TEST(rule_off_runs_beside)
{
	run_with_cleanup(rule_off_runs_beside_body, del_xt_dev, NULL);
}

static void apart_runs_beside_body(void *arg)
{
	struct xt_rig r;

	(void)arg;
	rig_up(&r, 3, "calibrated");		/* qubit 2 stays free between A and B */
	set_attr("crosstalk_defer_ppm", "1");
	QT_ASSERT(b_ran_beside_a(&r, false));
	rig_down(&r);
}

QPU_TEST(apart_runs_beside)
{
	run_with_cleanup(apart_runs_beside_body, del_xt_dev, NULL);
}

static void ideal_runs_beside_body(void *arg)
{
	struct xt_rig r;

	(void)arg;
	rig_up(&r, 2, "ideal");
	set_attr("crosstalk_defer_ppm", "1");
	QT_ASSERT(b_ran_beside_a(&r, false));
	rig_down(&r);
}

QPU_TEST(ideal_runs_beside)
{
	run_with_cleanup(ideal_runs_beside_body, del_xt_dev, NULL);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
