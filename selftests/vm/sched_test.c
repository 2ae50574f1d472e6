// SPDX-License-Identifier: GPL-2.0
/*
 * sched_test.c - the scheduler shares the device between tenants.
 *
 * With one executor, a tenant (cgroup) that floods the device with jobs on
 * several allocations must not make another tenant's single job wait for
 * the flood: the fair pick serves the newcomer after at most the jobs
 * already started plus one (a FIFO queue would make it wait for all of
 * them). Within one tenant, jobs of one allocation still run in
 * submission order. No timing is asserted: only the order in which jobs
 * started (QPU_IOC_WAIT's start_ns).
 */
#include <sys/stat.h>

#include "vm_util.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define FLOOD_LANES	4
#define FLOOD_JOBS	400
#define FLOOD_GATES	64	/* enough work per job that the flood lasts */
#define SLICE		QPU_RESULT_SLICE_SIZE(1, 0)

static void cgroup_enter(const char *name)
{
	char path[256], pid[32];

	snprintf(path, sizeof(path), "%s/%s", CG_ROOT, name);
	if (mkdir(path, 0755) && errno != EEXIST)
		QT_FAIL("mkdir %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", CG_ROOT, name);
	snprintf(pid, sizeof(pid), "%d", getpid());
	QT_ASSERT_OK(write_sysfs(path, pid));
}

static void cgroup_leave_and_remove(const char *name)
{
	char path[256], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", CG_ROOT);
	snprintf(pid, sizeof(pid), "%d", getpid());
	QT_ASSERT_OK(write_sysfs(path, pid));
	snprintf(path, sizeof(path), "%s/%s", CG_ROOT, name);
	QT_ASSERT_OK(rmdir(path));
}

/** struct tenant_rig - a file with @n one-qubit lanes and an X circuit on each */
struct tenant_rig {
	int fd;
	uint32_t n;
	uint32_t circ[FLOOD_LANES];
	struct mbuf res;
};

static void rig_open(struct tenant_rig *r, uint32_t lanes, uint32_t slices)
{
	struct qpu_gate g[FLOOD_GATES + 1];
	struct circ_spec s = { .num_qubits = 1, .num_clbits = 1,
			       .gates = g, .num_gates = FLOOD_GATES + 1 };
	uint32_t i;

	for (i = 0; i < FLOOD_GATES; i++)
		g[i] = gate_1q(QPU_OP_H, 0);
	g[FLOOD_GATES] = gate_measure(0, 0);

	r->fd = open_dev();
	r->n = lanes;
	for (i = 0; i < lanes; i++) {
		s.alloc = alloc_ok(r->fd, 1, NULL);
		r->circ[i] = circ_load_ok(r->fd, &s, NULL);
	}
	mbuf_new_ok(r->fd, (uint64_t)slices * SLICE, &r->res);
}

static uint32_t rig_submit(struct tenant_rig *r, uint32_t i)
{
	struct qpu_submit sub;

	memset(&sub, 0, sizeof(sub));
	sub.job = job_make(r->circ[i % r->n], 1, r->res.handle);
	sub.job.result_offset = (uint64_t)i * SLICE;
	sub.user_data = i;
	QT_ASSERT_OK(qpu_ioc(r->fd, QPU_IOC_SUBMIT, &sub));
	return sub.job_id;
}

static void rig_wait(struct tenant_rig *r, uint32_t id, struct qpu_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = id;
	w->timeout_ns = -1;
	QT_ASSERT_OK(qpu_ioc(r->fd, QPU_IOC_WAIT, w));
	QT_ASSERT_EQ(w->status, 0);
}

static void set_workers(const char *n)
{
	QT_ASSERT_OK(write_dev_attr(QPU0_ID, "workers", n));
}

QPU_TEST_TIMEOUT(flood_does_not_delay_another_tenant, 300)
{
	uint64_t start[FLOOD_JOBS], victim[2];
	uint32_t ids[FLOOD_JOBS], i, before = 0, after = 0;
	struct tenant_rig flood, v;
	struct qpu_wait w;
	int pfd[2], go[2];
	pid_t pid;

	set_workers("1");
	cgroup_enter("sched_flood");
	rig_open(&flood, FLOOD_LANES, FLOOD_JOBS);

	/* The victim gets ready first, and submits once the flood is queued. */
	QT_ASSERT_OK(pipe(pfd));
	QT_ASSERT_OK(pipe(go));
	pid = fork();
	QT_ASSERT(pid >= 0);
	if (pid == 0) {
		char c;

		close(pfd[0]);
		close(go[1]);
		cgroup_enter("sched_victim");
		rig_open(&v, 1, 1);
		if (write(pfd[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		rig_wait(&v, rig_submit(&v, 0), &w);
		victim[0] = w.submit_ns;
		victim[1] = w.start_ns;
		if (write(pfd[1], victim, sizeof(victim)) != sizeof(victim))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	close(go[0]);
	QT_ASSERT_EQ(read(pfd[0], victim, 1), 1);
	for (i = 0; i < FLOOD_JOBS; i++)
		ids[i] = rig_submit(&flood, i);
	QT_ASSERT_EQ(write(go[1], "g", 1), 1);
	close(go[1]);
	QT_ASSERT_EQ(read(pfd[0], victim, sizeof(victim)), sizeof(victim));
	close(pfd[0]);
	wait_ok(pid);

	for (i = 0; i < FLOOD_JOBS; i++) {
		rig_wait(&flood, ids[i], &w);
		start[i] = w.start_ns;
		/* One allocation's jobs start in submission order. */
		if (i >= FLOOD_LANES)
			QT_ASSERT(start[i] > start[i - FLOOD_LANES]);
	}
	for (i = 0; i < FLOOD_JOBS; i++) {
		if (start[i] > victim[0] && start[i] < victim[1])
			before++;
		if (start[i] > victim[1])
			after++;
	}
	printf("# victim waited for %u flood jobs; %u flood jobs ran after it\n",
	       before, after);
	/* Meaningful only if the flood was still queued behind the victim. */
	QT_ASSERT(after >= FLOOD_JOBS / 4);
	QT_ASSERT(before <= 2);

	cgroup_leave_and_remove("sched_flood");
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/sched_victim", CG_ROOT);
		QT_ASSERT_OK(rmdir(path));
	}
	set_workers("2");
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
