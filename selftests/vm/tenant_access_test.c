// SPDX-License-Identifier: GPL-2.0
/*
 * tenant_access_test.c - who may see and change what (issue 9):
 *
 *  - the cgroup helpers the tenant tests stand on (cgroup2 mounted by the
 *    guest's init, ids, moving processes, dropping to uid 65534, cleanup):
 *    these run without the tenant core;
 *  - an unprivileged process (uid 65534) can neither set nor delete
 *    limits (EPERM) nor read other tenants (EPERM; a dump leaves them
 *    out), but reads its own tenant and its ancestors, and is bound by
 *    its tenant's limits like anyone;
 *  - a tenant cannot see, wait on, cancel or read another tenant's jobs,
 *    allocations, circuits or buffers: handles and job ids belong to the
 *    open file, so another file's fail with ENOENT (mmap: EINVAL), and
 *    the other process's files are out of reach through /proc (this one
 *    needs cgroups only, and runs without the tenant core too).
 */
#include "qpu_test.h"
#include "vm_util.h"
#include "cgroup_util.h"
#include "tenant_rig.h"

/* ---- the helpers themselves ---------------------------------------------- */

static void in_cgroup_body(void *arg)
{
	const char *name = arg;
	char self[256];

	cg_self(self, sizeof(self));
	QT_ASSERT(!strcmp(self, name));
	QT_ASSERT_EQ(cg_self_id(), cg_id_ok(name));
	QT_ASSERT_EQ(getuid(), CG_NOBODY);
	QT_ASSERT_EQ(getgid(), CG_NOBODY);
	/* nobody may not move itself back out, nor make cgroups */
	QT_ASSERT_NE(cg_move("", 0), 0);
	QT_ASSERT_EQ(cg_mkdir("qt-nobody"), -EACCES);
	/* but may use the device (mode 0666 in the VM) */
	close_ok(open_dev());
}

static void fail_body(void *arg)
{
	(void)arg;
	_exit(QT_EXIT_FAIL);
}

QPU_TEST(cgroup_helpers)
{
	char root[64], a[128], b[128];
	uint64_t ida;
	pid_t pid;

	cg_scratch(root, sizeof(root));
	QT_ASSERT_EQ(cg_id(""), cg_id_ok(""));	/* the root has an id too */
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/a/b", root);
	cg_mkdir_ok(a);
	cg_mkdir_ok(b);
	ida = cg_id_ok(a);
	QT_ASSERT_NE(ida, cg_id_ok(b));
	QT_ASSERT_NE(ida, cg_id_ok(root));
	QT_ASSERT_EQ(cg_mkdir(a), -EEXIST);
	cg_run(b, CG_NOBODY, in_cgroup_body, b, "child in a/b as nobody");
	/* the child is gone: b is empty again */
	QT_ASSERT_EQ(cg_nprocs(b), 0);
	/* a failing child fails its caller */
	pid = cg_spawn(a, 0, fail_body, NULL);
	QT_ASSERT_EQ(wait_status(pid), QT_EXIT_FAIL);
	/* a cgroup with a process in it cannot be removed; cleanup moves it */
	pid = fork_ok();
	if (!pid) {
		cg_enter_ok(b);
		pause();
		_exit(0);
	}
	while (cg_nprocs(b) < 1)
		usleep(10000);
	QT_ASSERT_EQ(cg_rmdir(b), -EBUSY);
	kill(pid, SIGKILL);
	wait_status(pid);
	QT_ASSERT_EQ(cg_cleanup(root), 0);
	QT_ASSERT_EQ(cg_id(a), 0);
	QT_ASSERT(!path_exists(CG_ROOT "/qt-nobody"));
}

/* ---- netlink permissions ------------------------------------------------- */

struct perm_arg {
	struct tfx *f;
	uint64_t p, a, b;
};

static void unpriv_nl_body(void *arg)
{
	struct perm_arg *pa = arg;
	static struct qpu_nl_tenant list[QPU_MAX_TENANTS];
	struct qpu_nl_limits c = tcfg_qubits(100);
	struct qpu_nl_tenant ti;
	struct qpu_nl *nl = nl_open_ok();
	int n, i;

	/* changing anything needs CAP_SYS_ADMIN */
	QT_ASSERT_EQ(qpu_nl_tenant_set(nl, QPU0_ID, pa->a, &c), -EPERM);
	QT_ASSERT_EQ(qpu_nl_tenant_set(nl, QPU0_ID, pa->b, &c), -EPERM);
	QT_ASSERT_EQ(qpu_nl_tenant_del(nl, QPU0_ID, pa->a), -EPERM);
	/* its own tenant, by default and by id, and its ancestors */
	tenant_get_ok(nl, QPU0_ID, 0, &ti);
	QT_ASSERT_EQ(ti.cgroup_id, pa->a);
	QT_ASSERT_EQ(ti.qubits_max, 5);
	tenant_get_ok(nl, QPU0_ID, pa->a, &ti);
	tenant_get_ok(nl, QPU0_ID, pa->p, &ti);
	QT_ASSERT_EQ(ti.qubits_max, 9);
	/* not a sibling */
	QT_ASSERT_EQ(qpu_nl_tenant_get(nl, QPU0_ID, pa->b, &ti), -EPERM);
	/* a dump shows only what it may read */
	n = qpu_nl_tenant_dump(nl, QPU0_ID, list, QPU_MAX_TENANTS);
	QT_ASSERT_GE(n, 1);
	for (i = 0; i < n && i < QPU_MAX_TENANTS; i++)
		if (list[i].cgroup_id == pa->b)
			QT_FAIL("an unprivileged dump lists another tenant");
	/* its tenant's limits bind it like anyone */
	{
		struct qpu_refusal r;
		int fd = open_dev();

		QT_ASSERT_EQ(alloc_ext(fd, 6, NULL, &r, NULL), -EDQUOT);
		QT_ASSERT_EQ(r.limit, QPU_LIMIT_QUBITS);
		QT_ASSERT_EQ(r.cgroup_id, pa->a);
		close_ok(fd);
	}
	qpu_nl_close(nl);
}

TENANT_TEST(unprivileged_netlink)
{
	struct perm_arg pa = { .f = f };
	struct qpu_nl_tenant ti;
	char n[128];

	pa.p = tfx_mkcg(f, "p");
	pa.a = tfx_mkcg(f, "p/a");
	pa.b = tfx_mkcg(f, "b");
	tfx_set(f, pa.p, tcfg_qubits(9));
	tfx_set(f, pa.a, tcfg_qubits(5));
	tfx_set(f, pa.b, tcfg_qubits(7));
	cg_run(tfx_cg(f, n, sizeof(n), "p/a"), CG_NOBODY, unpriv_nl_body, &pa,
	       "uid 65534 in p/a");
	/* nothing changed */
	ti = tfx_get(f, pa.a);
	QT_ASSERT_EQ(ti.qubits_max, 5);
	QT_ASSERT_EQ(ti.events[QPU_LIMIT_QUBITS], 1);
	QT_ASSERT_EQ(tfx_get(f, pa.b).qubits_max, 7);
	/* root reads everyone: the dump has all three */
	QT_ASSERT(tenant_listed(f->nl, QPU0_ID, pa.a));
	QT_ASSERT(tenant_listed(f->nl, QPU0_ID, pa.b));
	QT_ASSERT(tenant_listed(f->nl, QPU0_ID, pa.p));
}

/* ---- another tenant's objects ------------------------------------------ */

/** struct owned - what tenant X holds, as numbers tenant Y can try */
struct owned {
	pid_t pid;
	int fd;
	uint32_t alloc[3];
	uint32_t circ;
	uint32_t buf[2];
	uint64_t mmap_offset[2];
	uint32_t job[3];
};

struct xy {
	int to_y[2];		/* X -> Y: struct owned */
	int y_done[2];		/* Y closes it when done */
};

static void tenant_x(void *arg)
{
	struct xy *c = arg;
	struct owned o;
	struct unit u;
	struct mbuf b2;
	uint32_t i;

	close(c->to_y[0]);
	close(c->y_done[1]);
	memset(&o, 0, sizeof(o));
	unit_up(&u, 1);
	o.pid = getpid();
	o.fd = u.fd;
	o.alloc[0] = u.alloc;
	o.alloc[1] = alloc_ext_ok(u.fd, 2, NULL);
	o.alloc[2] = alloc_ext_ok(u.fd, 1, NULL);
	o.circ = u.circ;
	mbuf_new_ok(u.fd, 8192, &b2);
	o.buf[0] = u.res.handle;
	o.buf[1] = b2.handle;
	o.mmap_offset[0] = u.res.mmap_offset;
	o.mmap_offset[1] = b2.mmap_offset;
	memset(u.res.ptr, 0x5a, 64);
	for (i = 0; i < 3; i++)
		o.job[i] = unit_submit_ok(&u, 16);
	write_full_ok(c->to_y[1], &o, sizeof(o));
	close(c->to_y[1]);
	wait_pipe_eof(c->y_done[0]);
	/* everything of X is intact: its jobs are there to be reaped */
	for (i = 0; i < 3; i++)
		QT_ASSERT_EQ(wait_job_ok(u.fd, o.job[i]).status, 0);
	free_ok(u.fd, o.alloc[1]);
	free_ok(u.fd, o.alloc[2]);
	mbuf_free_ok(u.fd, &b2);
	unit_down(&u);
}

static void tenant_y(void *arg)
{
	struct xy *c = arg;
	struct qpu_job_desc j;
	struct qpu_alloc qa;
	struct qpu_wait w;
	struct owned o;
	char path[64];
	struct unit mine;
	uint32_t i;
	int fd;

	close(c->to_y[1]);
	close(c->y_done[0]);
	QT_ASSERT(read_full_ok(c->to_y[0], &o, sizeof(o)));
	/* a file of its own, with one object of each kind (so that handle
	 * numbers exist on both sides) */
	unit_up(&mine, 1);
	fd = mine.fd;
	for (i = 0; i < 3; i++) {
		if (o.job[i] == 0)
			continue;
		memset(&w, 0, sizeof(w));
		w.job_id = o.job[i];
		QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_WAIT, &w), -ENOENT);
		QT_ASSERT_EQ(cancel_job(fd, o.job[i]), -ENOENT);
	}
	/* nor reap them as "any" job */
	memset(&w, 0, sizeof(w));
	w.flags = QPU_WAIT_ANY;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_WAIT, &w), -ENOENT);
	for (i = 1; i < 3; i++) {
		if (o.alloc[i] == mine.alloc)
			continue;
		QT_ASSERT_EQ(query_raw(fd, o.alloc[i], NULL, NULL, 0, &qa), -ENOENT);
		QT_ASSERT_EQ(free_raw(fd, o.alloc[i]), -ENOENT);
	}
	QT_ASSERT_EQ(buf_destroy_raw(fd, o.buf[1]), -ENOENT);
	QT_ASSERT_ERRNO(buf_map(fd, 8192, MAP_SHARED, o.mmap_offset[1]), EINVAL);
	/* a job naming X's second allocation, on Y's file */
	j = unit_job(&mine, 16);
	j.alloc = o.alloc[2];
	QT_ASSERT_EQ(run_raw(fd, &j, NULL), -ENOENT);
	/* X's result buffer by number: Y's own buffer 1, or nothing */
	j = unit_job(&mine, 16);
	j.result_buf = o.buf[1];
	QT_ASSERT_EQ(run_raw(fd, &j, NULL), -ENOENT);
	/* X's file itself is out of reach */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)o.pid, o.fd);
	QT_ASSERT(open(path, O_RDWR) < 0);
	QT_ASSERT(errno == EACCES || errno == EPERM);
	unit_down(&mine);
	close(c->y_done[1]);
}

CGROUP_TEST(other_tenants_objects)
{
	char nx[128], ny[128];
	struct xy c;
	pid_t x, y;

	tfx_mkcg(f, "x");
	tfx_mkcg(f, "y");
	pipe_ok(c.to_y);
	pipe_ok(c.y_done);
	x = cg_spawn(tfx_cg(f, nx, sizeof(nx), "x"), 0, tenant_x, &c);
	y = cg_spawn(tfx_cg(f, ny, sizeof(ny), "y"), CG_NOBODY, tenant_y, &c);
	close(c.to_y[0]);
	close(c.to_y[1]);
	close(c.y_done[0]);
	close(c.y_done[1]);
	cg_wait_ok(y, "tenant y");
	cg_wait_ok(x, "tenant x");
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
