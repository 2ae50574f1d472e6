// SPDX-License-Identifier: GPL-2.0
/*
 * refusal_test.c - refused charges describe themselves, and charges keep
 * their cgroup, whatever the task does later.
 *
 * Per-file limits (max_ctx_qubits) report a struct qpu_refusal in the
 * argument struct and through QPU_IOC_GET_REFUSAL, with a sequence number
 * per file. Every allocation is charged to the allocating task's cgroup:
 * the device keeps one tenant record per cgroup on the way to the root
 * and one cgroup reference per charge (debugfs counters "tenants" and
 * "cgroup_refs"), and both go when the charge does, also after the task
 * moved away and the cgroup was removed. Tenant limits themselves are set
 * over netlink and tested in tenant_test.c.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "vm_util.h"

#define CG_ROOT		"/sys/fs/cgroup"

/* cgroup2 at CG_ROOT: mounted by the VM's init, or here. */
static void cgroup2_ok(void)
{
	struct statfs sf;

	if (!statfs(CG_ROOT, &sf) && sf.f_type == CGROUP2_SUPER_MAGIC)
		return;
	mkdir(CG_ROOT, 0755);
	if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
		qt_skip("cannot mount cgroup2: %s", strerror(errno));
}

/* The calling process's cgroup, as a path below CG_ROOT ("" for root). */
static void own_cgroup(char *path, size_t len)
{
	char text[512], *p;
	ssize_t n = read_text("/proc/self/cgroup", text, sizeof(text));

	QT_ASSERT(n > 0);
	p = strstr(text, "0::");
	QT_ASSERT(p != NULL);
	p += 3;
	p[strcspn(p, "\n")] = '\0';
	snprintf(path, len, "%s%s", CG_ROOT, strcmp(p, "/") ? p : "");
}

static uint64_t cgroup_id_of(const char *dir)
{
	struct stat st;

	QT_ASSERT_OK(stat(dir, &st));
	return st.st_ino;
}

/* Depth of a cgroup directory below CG_ROOT. */
static uint32_t cgroup_level_of(const char *dir)
{
	const char *p = dir + strlen(CG_ROOT);
	uint32_t level = 0;

	for (; *p; p++)
		level += *p == '/';
	return level;
}

static void move_self(const char *dir)
{
	char path[256], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	QT_ASSERT_OK(write_sysfs(path, pid));
}

static int alloc_k(int fd, uint32_t k, struct qpu_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->num_qubits = k;
	return qpu_ioc(fd, QPU_IOC_ALLOC, a);
}

static void get_refusal_ok(int fd, struct qpu_refusal *r)
{
	struct qpu_get_refusal g;

	memset(&g, 0, sizeof(g));
	memset(&g.refusal, 0x5a, sizeof(g.refusal));	/* output only */
	QT_ASSERT_OK(qpu_ioc(fd, QPU_IOC_GET_REFUSAL, &g));
	*r = g.refusal;
}

QPU_TEST(file_qubit_limit_refusal)
{
	struct qpu_refusal z = { 0 }, r;
	struct qpu_alloc a, b;
	char cg[256];
	int fd, ro;

	cgroup2_ok();
	own_cgroup(cg, sizeof(cg));
	fd = open_dev();
	get_refusal_ok(fd, &r);
	QT_ASSERT(!memcmp(&r, &z, sizeof(r)));

	set_max_ctx_ok(3);
	memset(&a, 0, sizeof(a));
	a.num_qubits = 4;
	memset(&a.refusal, 0x77, sizeof(a.refusal));	/* output only */
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_ALLOC, &a), -EDQUOT);
	QT_ASSERT_EQ(a.refusal.limit, QPU_LIMIT_CTX_QUBITS);
	QT_ASSERT_EQ(a.refusal.level, cgroup_level_of(cg));
	QT_ASSERT_EQ(a.refusal.cgroup_id, cgroup_id_of(cg));
	QT_ASSERT_EQ(a.refusal.usage, 0);
	QT_ASSERT_EQ(a.refusal.max, 3);
	QT_ASSERT_EQ(a.refusal.request, 4);
	QT_ASSERT_EQ(a.refusal.seq, 1);
	QT_ASSERT_EQ(a.refusal.error, EDQUOT);

	/* What the file holds counts: 2 held, 2 more refused. */
	QT_ASSERT_OK(alloc_k(fd, 2, &b));
	QT_ASSERT(!memcmp(&b.refusal, &z, sizeof(z)));
	QT_ASSERT_EQ(alloc_k(fd, 2, &a), -EDQUOT);
	QT_ASSERT_EQ(a.refusal.usage, 2);
	QT_ASSERT_EQ(a.refusal.request, 2);
	QT_ASSERT_EQ(a.refusal.seq, 2);

	/* The latest refusal, also on a read-only file of its own (none). */
	get_refusal_ok(fd, &r);
	QT_ASSERT(!memcmp(&r, &a.refusal, sizeof(r)));
	ro = open(QPU0_PATH, O_RDONLY);
	QT_ASSERT(ro >= 0);
	get_refusal_ok(ro, &r);
	QT_ASSERT(!memcmp(&r, &z, sizeof(r)));
	close_ok(ro);

	free_ok(fd, b.handle);
	set_max_ctx_ok(QPU0_NUM_QUBITS);
	close_ok(fd);
}

QPU_TEST(get_refusal_rejects_garbage)
{
	struct qpu_get_refusal g;
	int fd = open_dev();

	memset(&g, 0, sizeof(g));
	g.flags = 1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_GET_REFUSAL, &g), -EINVAL);
	memset(&g, 0, sizeof(g));
	g.pad = 1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_GET_REFUSAL, &g), -EINVAL);
	memset(&g, 0, sizeof(g));
	g.reserved[1] = 1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_GET_REFUSAL, &g), -EINVAL);
	close_ok(fd);
}

QPU_TEST(alloc_query_leaves_refusal_zero)
{
	struct qpu_refusal z = { 0 };
	struct qpu_alloc a, q;
	int fd = open_dev();

	QT_ASSERT_OK(alloc_k(fd, 1, &a));
	memset(&q, 0, sizeof(q));
	q.handle = a.handle;
	memset(&q.refusal, 0x33, sizeof(q.refusal));
	QT_ASSERT_OK(qpu_ioc(fd, QPU_IOC_ALLOC_QUERY, &q));
	QT_ASSERT(!memcmp(&q.refusal, &z, sizeof(z)));
	free_ok(fd, a.handle);
	close_ok(fd);
}

/* The record of each level on the way to the root, one cgroup reference. */
QPU_TEST(charge_records_follow_the_charge)
{
	struct qpu_objs o0, o;
	char cg[256], dir[300], sub[320];
	struct qpu_alloc a;
	int fd;

	cgroup2_ok();
	own_cgroup(cg, sizeof(cg));
	read_objs(&o0);
	QT_ASSERT_EQ(o0.tenants, 0);
	QT_ASSERT_EQ(o0.cgroup_refs, 0);

	snprintf(dir, sizeof(dir), "%s/refusal_a", CG_ROOT);
	snprintf(sub, sizeof(sub), "%s/refusal_a/b", CG_ROOT);
	rmdir(sub);
	rmdir(dir);
	QT_ASSERT_OK(mkdir(dir, 0755));
	QT_ASSERT_OK(mkdir(sub, 0755));
	move_self(sub);

	fd = open_dev();
	QT_ASSERT_OK(alloc_k(fd, 2, &a));
	read_objs(&o);
	/* root, refusal_a, refusal_a/b */
	QT_ASSERT_EQ(o.tenants, 3);
	QT_ASSERT_EQ(o.cgroup_refs, 1);

	/* The charge stays in b after the task leaves and b is removed. */
	move_self(CG_ROOT);
	QT_ASSERT_OK(rmdir(sub));
	read_objs(&o);
	QT_ASSERT_EQ(o.tenants, 3);
	QT_ASSERT_EQ(o.cgroup_refs, 1);

	free_ok(fd, a.handle);
	read_objs(&o);
	QT_ASSERT_EQ(o.tenants, 0);
	QT_ASSERT_EQ(o.cgroup_refs, 0);
	QT_ASSERT_OK(rmdir(dir));
	close_ok(fd);
	move_self(cg);
}

/* Closing the file releases every charge, as freeing does. */
QPU_TEST(close_releases_charges)
{
	struct qpu_objs o;
	struct qpu_alloc a;
	int fd, i;

	cgroup2_ok();
	fd = open_dev();
	for (i = 0; i < 4; i++)
		QT_ASSERT_OK(alloc_k(fd, 1, &a));
	read_objs(&o);
	QT_ASSERT_EQ(o.cgroup_refs, 4);
	QT_ASSERT(o.tenants >= 1);
	close_ok(fd);
	read_objs(&o);
	QT_ASSERT_EQ(o.tenants, 0);
	QT_ASSERT_EQ(o.cgroup_refs, 0);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
