// SPDX-License-Identifier: GPL-2.0
/*
 * tenant_isolation_test.c - a tenant's isolation (issue 9, enum
 * qpu_isolation) under concurrency:
 *
 *  - guard: many tenants in their own cgroups, half of them guard, all
 *    allocate at once (a start gate), each queueing jobs on its first
 *    allocation before it makes the second, so placements happen while
 *    many tenants' jobs run; every allocation's physical qubits
 *    are read back with QPU_IOC_ALLOC_QUERY while all are held and checked
 *    against the coupling map from QPU_IOC_GET_TOPOLOGY: no edge joins a
 *    guard tenant's qubit to another tenant's;
 *  - guard of a subtree: a parent's guard makes its children one domain
 *    (they may touch each other), kept apart from everyone else;
 *  - guard and QPU_ALLOC_EXACT: an exact request gets no qubit of a guard
 *    band, either way;
 *  - exclusive: jobs of an exclusive tenant and of shared tenants, all
 *    submitted at once on a device with two executors; the start and end
 *    times QPU_IOC_WAIT reports show that no other tenant's job ran while
 *    an exclusive one did (the exclusive tenant's own jobs may run side by
 *    side). Only non-overlap is asserted, never a duration.
 */
#include "qpu_test.h"
#include "vm_util.h"
#include "cgroup_util.h"
#include "tenant_rig.h"

#define ISO_DEV		8
#define NTENANTS	8
#define NALLOCS		2
#define MAX_K		4

/* What one tenant reports: its allocations' physical qubits. */
struct placement {
	int32_t status[NALLOCS];
	uint32_t k[NALLOCS];
	uint32_t phys[NALLOCS][MAX_K];
};

/* One report, written with one write(2) (< PIPE_BUF: never interleaved). */
struct guard_report {
	int32_t idx;
	struct placement pl;
};

struct guard_arg {
	struct cg_gate gate;
	int report[2];		/* children -> parent: index + placement */
	int release[2];		/* parent closes it: children free and exit */
	unsigned int dev;
	int idx;
};

#define GUARD_JOBS	16

/* Queue GUARD_JOBS one-qubit jobs on allocation @alloc; return how many. */
static uint32_t guard_jobs_start(int fd, uint32_t alloc, struct mbuf *res,
				 uint32_t *ids)
{
	const struct qpu_gate g[2] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	struct circ_spec s = { .alloc = alloc, .num_qubits = 1, .num_clbits = 1,
			       .gates = g, .num_gates = 2 };
	uint32_t circ = circ_load_ok(fd, &s, NULL), i;
	struct qpu_submit sub;

	mbuf_new_ok(fd, 4096, res);
	for (i = 0; i < GUARD_JOBS; i++) {
		memset(&sub, 0, sizeof(sub));
		sub.job = job_make(circ, 64, res->handle);
		QT_ASSERT_OK(qpu_ioc(fd, QPU_IOC_SUBMIT, &sub));
		ids[i] = sub.job_id;
	}
	return GUARD_JOBS;
}

static void guard_jobs_end(int fd, struct mbuf *res, const uint32_t *ids,
			   uint32_t n)
{
	struct qpu_wait w;
	uint32_t i;

	for (i = 0; i < n; i++) {
		memset(&w, 0, sizeof(w));
		w.job_id = ids[i];
		w.timeout_ns = -1;
		QT_ASSERT_OK(qpu_ioc(fd, QPU_IOC_WAIT, &w));
		QT_ASSERT_EQ(w.status, 0);
	}
	if (n)
		mbuf_free_ok(fd, res);
}

static void guard_child(void *arg)
{
	struct guard_arg *g = arg;
	struct guard_report rep;
	struct placement pl;
	struct qpu_alloc qa;
	uint32_t h[NALLOCS], i, ids[GUARD_JOBS], njobs = 0;
	struct mbuf res = { 0 };
	int fd, idx = g->idx;

	close(g->report[0]);
	close(g->release[1]);
	memset(&pl, 0, sizeof(pl));
	fd = open_dev_id_ok(g->dev);
	cg_gate_wait(&g->gate);
	for (i = 0; i < NALLOCS; i++) {
		pl.k[i] = 2 + (idx + i) % 3;
		pl.status[i] = alloc_ext(fd, pl.k[i], NULL, NULL, &h[i]);
		/* Later allocations are placed while every tenant's jobs run. */
		if (!i && !pl.status[0])
			njobs = guard_jobs_start(fd, h[0], &res, ids);
	}
	/* read them back while every tenant still holds its qubits */
	for (i = 0; i < NALLOCS; i++) {
		if (pl.status[i])
			continue;
		QT_ASSERT_EQ(query_raw(fd, h[i], pl.phys[i], NULL, 0, &qa), 0);
		QT_ASSERT_EQ(qa.num_qubits, pl.k[i]);
	}
	guard_jobs_end(fd, &res, ids, njobs);
	rep.idx = idx;
	rep.pl = pl;
	write_full_ok(g->report[1], &rep, sizeof(rep));
	close(g->report[1]);
	wait_pipe_eof(g->release[0]);
	close_ok(fd);
}

/* Check @pl (by tenant) against the coupling map of @fd's device. */
static void check_guard(int fd, const struct placement *pl, const bool *guard,
			int n)
{
	struct qpu_edge *e;
	uint32_t m, i, a, v;
	int *owner, t;
	struct qpu_info info;

	get_info_ok(fd, &info);
	owner = calloc(info.num_qubits, sizeof(*owner));
	QT_ASSERT(owner);
	for (t = 0; t < n; t++) {
		for (a = 0; a < NALLOCS; a++) {
			if (pl[t].status[a])
				continue;
			for (v = 0; v < pl[t].k[a]; v++) {
				uint32_t q = pl[t].phys[a][v];

				QT_ASSERT_LT(q, info.num_qubits);
				if (owner[q])
					QT_FAIL("qubit %u held by tenants %d and %d", q,
						owner[q] - 1, t);
				owner[q] = t + 1;
			}
		}
	}
	e = get_edges_ok(fd, &m);
	for (i = 0; i < m; i++) {
		int ta = owner[e[i].a] - 1, tb = owner[e[i].b] - 1;

		if (ta < 0 || tb < 0 || ta == tb)
			continue;
		if (guard[ta] || guard[tb])
			QT_FAIL("edge %u-%u joins tenant %d%s to tenant %d%s", e[i].a,
				e[i].b, ta, guard[ta] ? " (guard)" : "", tb,
				guard[tb] ? " (guard)" : "");
	}
	free(e);
	free(owner);
}

/*
 * @roomy: the device has room for every tenant whatever the order (then
 * every guard tenant must be placed); else ENOSPC is allowed for anyone.
 */
static void guard_round(struct tfx *f, const char *topo, unsigned int dev,
			bool roomy)
{
	static struct placement pl[NTENANTS];
	struct guard_arg g;
	bool guard[NTENANTS];
	pid_t pid[NTENANTS];
	char sub[32], n[128];
	int i, idx, fd, ok = 0, guard_ok = 0;
	uint32_t a;

	tfx_new_device(f, dev, topo);
	/* the guest's hotplug helper sets the mode too, maybe later */
	snprintf(n, sizeof(n), "/dev/qpu%u", dev);
	QT_ASSERT_EQ(chmod(n, 0666), 0);
	memset(pl, 0, sizeof(pl));
	memset(&g, 0, sizeof(g));
	g.dev = dev;
	cg_gate_init(&g.gate);
	pipe_ok(g.report);
	pipe_ok(g.release);
	for (i = 0; i < NTENANTS; i++) {
		uint64_t id;

		snprintf(sub, sizeof(sub), "t%d", i);
		id = tfx_mkcg(f, sub);
		guard[i] = i % 2 == 0;
		if (guard[i])
			tfx_set_dev(f, dev, id, tcfg_isolation(QPU_ISOLATION_GUARD));
		g.idx = i;
		pid[i] = cg_spawn(tfx_cg(f, n, sizeof(n), sub), CG_NOBODY,
				  guard_child, &g);
	}
	close(g.report[1]);
	close(g.release[0]);
	cg_gate_open(&g.gate);
	for (i = 0; i < NTENANTS; i++) {
		struct guard_report rep;

		QT_ASSERT(read_full_ok(g.report[0], &rep, sizeof(rep)));
		idx = rep.idx;
		QT_ASSERT(idx >= 0 && idx < NTENANTS);
		pl[idx] = rep.pl;
	}
	fd = open_dev_id_ok(dev);
	check_guard(fd, pl, guard, NTENANTS);
	for (i = 0; i < NTENANTS; i++) {
		for (a = 0; a < NALLOCS; a++) {
			QT_ASSERT(pl[i].status[a] == 0 || pl[i].status[a] == -ENOSPC);
			ok += !pl[i].status[a];
			guard_ok += guard[i] && !pl[i].status[a];
		}
	}
	printf("# %s: %d of %d allocations placed, %d of them guarded\n", topo, ok,
	       NTENANTS * NALLOCS, guard_ok);
	if (roomy)
		QT_ASSERT_EQ(guard_ok, NTENANTS / 2 * NALLOCS);
	else
		QT_ASSERT_GT(ok, 0);
	close(g.release[1]);
	close(g.report[0]);
	for (i = 0; i < NTENANTS; i++)
		cg_wait_ok(pid[i], "tenant");
	close_ok(fd);
	del_device_ok(dev);
	for (i = 0; i < NTENANTS; i++) {
		snprintf(sub, sizeof(sub), "t%d", i);
		QT_ASSERT_EQ(cg_rmdir(tfx_cg(f, n, sizeof(n), sub)), 0);
	}
}

TENANT_TEST_TIMEOUT(guard_concurrent_heavyhex127, 240)
{
	guard_round(f, "heavyhex:127", ISO_DEV, true);
}

TENANT_TEST_TIMEOUT(guard_concurrent_grid, 240)
{
	/* 45 qubits asked of 64, guard bands around half: a tight fit */
	guard_round(f, "grid:8x8", ISO_DEV, false);
}

/* A parent's guard covers its subtree as one domain. */
TENANT_TEST(guard_subtree_is_one_domain)
{
	uint64_t p = tfx_mkcg(f, "p");
	struct placement pl[3];
	const char *who[3] = { "p/c1", "p/c2", "o" };
	struct qpu_alloc qa;
	uint32_t h;
	char n[128];
	int fd[3], i;

	tfx_mkcg(f, "p/c1");
	tfx_mkcg(f, "p/c2");
	tfx_mkcg(f, "o");
	tfx_new_device(f, ISO_DEV, "line:12");
	tfx_set_dev(f, ISO_DEV, p, tcfg_isolation(QPU_ISOLATION_GUARD));
	memset(pl, 0, sizeof(pl));
	/* c1 and c2 (p's domain) take 4 each; the outsider 3: all fit only
	 * if c1 and c2 may touch and one free qubit guards the domain */
	for (i = 0; i < 3; i++) {
		uint32_t k = i < 2 ? 4 : 3;

		cg_enter_ok(tfx_cg(f, n, sizeof(n), who[i]));
		fd[i] = open_dev_id_ok(ISO_DEV);
		pl[i].k[0] = k;
		pl[i].status[1] = -ENOSPC;	/* unused slot */
		pl[i].status[0] = alloc_ext(fd[i], k, NULL, NULL, &h);
		if (pl[i].status[0])
			QT_FAIL("%s: ALLOC of %u: %s", who[i], k,
				strerror(-pl[i].status[0]));
		QT_ASSERT_EQ(query_raw(fd[i], h, pl[i].phys[0], NULL, 0, &qa), 0);
	}
	/* c1 and c2 count as one tenant of the check: merge them */
	{
		struct placement m[2];
		bool g2[2] = { true, false };

		memset(m, 0, sizeof(m));
		m[0].k[0] = 4;
		memcpy(m[0].phys[0], pl[0].phys[0], 4 * sizeof(uint32_t));
		m[0].k[1] = 4;
		memcpy(m[0].phys[1], pl[1].phys[0], 4 * sizeof(uint32_t));
		m[1] = pl[2];
		check_guard(fd[0], m, g2, 2);
	}
	/* nothing more fits next to the domain for the outsider */
	QT_ASSERT_EQ(alloc_ext(fd[2], 1, NULL, NULL, &h), -ENOSPC);
	cg_enter_ok("");
	for (i = 0; i < 3; i++)
		close_ok(fd[i]);
	del_device_ok(ISO_DEV);
}

/* QPU_ALLOC_EXACT of exactly @want (k qubits) from @fd. */
static int alloc_exact(int fd, const uint32_t *want, uint32_t k)
{
	struct qpu_alloc a;

	return alloc_exact_raw(fd, want, k, NULL, 0, &a);
}

/*
 * Exact requests obey guard bands both ways: nobody else takes a qubit
 * next to a guard tenant's, and a guard tenant takes none next to
 * another tenant's; the guard tenant's own band is its to take.
 */
TENANT_TEST(guard_applies_to_exact)
{
	uint64_t gid = tfx_mkcg(f, "g");
	char n[128];
	int fg, fo;

	tfx_mkcg(f, "o");
	tfx_new_device(f, ISO_DEV, "line:12");
	tfx_set_dev(f, ISO_DEV, gid, tcfg_isolation(QPU_ISOLATION_GUARD));
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "g"));
	fg = open_dev_id_ok(ISO_DEV);
	QT_ASSERT_EQ(alloc_exact(fg, (const uint32_t[]){ 4, 5 }, 2), 0);
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "o"));
	fo = open_dev_id_ok(ISO_DEV);
	/* 6 and 3 are the band: refused, and so is a set holding one */
	QT_ASSERT_EQ(alloc_exact(fo, (const uint32_t[]){ 6 }, 1), -EBUSY);
	QT_ASSERT_EQ(alloc_exact(fo, (const uint32_t[]){ 0, 3 }, 2), -EBUSY);
	QT_ASSERT_EQ(alloc_exact(fo, (const uint32_t[]){ 8 }, 1), 0);
	cg_enter_ok(tfx_cg(f, n, sizeof(n), "g"));
	/* 7 touches the other tenant's 8; 6 touches only the tenant's own */
	QT_ASSERT_EQ(alloc_exact(fg, (const uint32_t[]){ 7 }, 1), -EBUSY);
	QT_ASSERT_EQ(alloc_exact(fg, (const uint32_t[]){ 6, 3 }, 2), 0);
	cg_enter_ok("");
	close_ok(fo);
	close_ok(fg);
	del_device_ok(ISO_DEV);
}

/* ---- exclusive ---------------------------------------------------------- */

#define EX_JOBS		3
#define EX_TENANTS	3	/* 0: exclusive, 1 and 2: shared */

struct span {
	uint64_t start, end;
	int32_t status;
};

struct ex_arg {
	struct cg_gate gate;
	int report[2];
	int idx;
};

struct ex_report {
	int32_t idx;
	struct span sp[EX_JOBS];
};

/* Two allocations (so that its jobs could run side by side), 3 jobs. */
static void ex_child(void *arg)
{
	struct ex_arg *x = arg;
	struct ex_report rep;
	struct unit u[2];
	uint32_t id[EX_JOBS];
	struct qpu_wait w;
	int i, idx = x->idx;

	close(x->report[0]);
	unit_up(&u[0], 1);
	unit_up(&u[1], 1);
	cg_gate_wait(&x->gate);
	for (i = 0; i < EX_JOBS; i++)
		id[i] = unit_submit_ok(&u[i % 2], QPU_MAX_SHOTS / 4);
	for (i = 0; i < EX_JOBS; i++) {
		w = wait_job_ok(u[i % 2].fd, id[i]);
		rep.sp[i] = (struct span){ w.start_ns, w.end_ns, w.status };
	}
	rep.idx = idx;
	write_full_ok(x->report[1], &rep, sizeof(rep));
	close(x->report[1]);
	unit_down(&u[1]);
	unit_down(&u[0]);
}

TENANT_TEST_TIMEOUT(exclusive_runs_alone, 240)
{
	static struct span sp[EX_TENANTS][EX_JOBS];
	struct ex_arg x;
	pid_t pid[EX_TENANTS];
	char sub[16], n[128];
	int i, j, t, u, idx, overlaps_shared = 0, overlaps_own = 0;

	tfx_save_tunables(f);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "workers", "2"), 0);
	memset(&x, 0, sizeof(x));
	cg_gate_init(&x.gate);
	pipe_ok(x.report);
	for (i = 0; i < EX_TENANTS; i++) {
		uint64_t id;

		snprintf(sub, sizeof(sub), "t%d", i);
		id = tfx_mkcg(f, sub);
		if (i == 0)
			tfx_set(f, id, tcfg_isolation(QPU_ISOLATION_EXCLUSIVE));
		x.idx = i;
		pid[i] = cg_spawn(tfx_cg(f, n, sizeof(n), sub), 0, ex_child, &x);
	}
	close(x.report[1]);
	cg_gate_open(&x.gate);
	for (i = 0; i < EX_TENANTS; i++) {
		struct ex_report rep;

		QT_ASSERT(read_full_ok(x.report[0], &rep, sizeof(rep)));
		idx = rep.idx;
		QT_ASSERT(idx >= 0 && idx < EX_TENANTS);
		memcpy(sp[idx], rep.sp, sizeof(rep.sp));
	}
	close(x.report[0]);
	for (i = 0; i < EX_TENANTS; i++)
		cg_wait_ok(pid[i], "tenant");
	for (t = 0; t < EX_TENANTS; t++) {
		for (i = 0; i < EX_JOBS; i++) {
			QT_ASSERT_EQ(sp[t][i].status, 0);
			QT_ASSERT_GT(sp[t][i].start, 0);
			QT_ASSERT_GE(sp[t][i].end, sp[t][i].start);
		}
	}
	/*
	 * An exclusive job overlaps no other tenant's job. Its own tenant's
	 * jobs may run beside it ("nothing else" is outside its subtree):
	 * counted, not asserted.
	 */
	for (i = 0; i < EX_JOBS; i++) {
		const struct span *e = &sp[0][i];

		for (j = 0; j < EX_JOBS; j++)
			overlaps_own += j != i && sp[0][j].start < e->end &&
					e->start < sp[0][j].end;
		for (u = 1; u < EX_TENANTS; u++) {
			for (j = 0; j < EX_JOBS; j++) {
				const struct span *o = &sp[u][j];

				if (o->start < e->end && e->start < o->end)
					QT_FAIL("tenant %d job %d [%llu, %llu] overlaps the "
						"exclusive job %d [%llu, %llu]", u, j,
						(unsigned long long)o->start,
						(unsigned long long)o->end, i,
						(unsigned long long)e->start,
						(unsigned long long)e->end);
			}
		}
	}
	/* shared ones may overlap each other: reported, not asserted */
	for (i = 0; i < EX_JOBS; i++)
		for (j = 0; j < EX_JOBS; j++)
			overlaps_shared += sp[1][i].start < sp[2][j].end &&
					   sp[2][j].start < sp[1][i].end;
	printf("# overlapping pairs: shared tenants %d, the exclusive tenant's own %d\n",
	       overlaps_shared, overlaps_own / 2);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
