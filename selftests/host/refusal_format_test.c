// SPDX-License-Identifier: GPL-2.0
/*
 * refusal_format_test.c - host unit tests of libqpu's refusal messages
 * (libqpu/refusal.c): the sentence for every limit, the refusing
 * cgroup's path found from a fake /proc/self/cgroup and a temporary
 * directory standing in for the cgroup2 mount (the directory's inode is
 * the cgroup id), the fallbacks when the caller's own cgroup does not
 * lead there (a migrated task: the mount is walked; an unknown id:
 * "cgroup ID"), snprintf() semantics, errno, and the mountinfo parser.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include <linux/qpu.h>
#include <libqpu.h>

#include "qpu_test.h"
#include "host_util.h"
#include "internal.h"

struct fake {
	char root[320];
	char proc[320];
	uint64_t root_id, a_id, ab_id, c_id;
};

/* ROOT/cg/{a/b,c} is the "mount"; ROOT/proc-cgroup the "/proc" file. */
static void setup(struct fake *f, const char *own)
{
	char dir[256], path[512];

	snprintf(dir, sizeof(dir), "%s/refusal_test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	QT_ASSERT(mkdtemp(dir));
	snprintf(f->proc, sizeof(f->proc), "%s/proc-cgroup", dir);
	snprintf(f->root, sizeof(f->root), "%s/cg", dir);
	QT_ASSERT_OK(mkdir(f->root, 0755));
	snprintf(path, sizeof(path), "%s/a", f->root);
	QT_ASSERT_OK(mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/a/b", f->root);
	QT_ASSERT_OK(mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/c", f->root);
	QT_ASSERT_OK(mkdir(path, 0755));
	/* A symlink to a/b must not be reported as its name. */
	snprintf(path, sizeof(path), "%s/0link", f->root);
	QT_ASSERT_OK(symlink("a/b", path));
	snprintf(path, sizeof(path), "%s/a/cgroup.procs", f->root);
	write_text(path, "");
	f->root_id = ino_of(f->root, "");
	f->a_id = ino_of(f->root, "/a");
	f->ab_id = ino_of(f->root, "/a/b");
	f->c_id = ino_of(f->root, "/c");
	snprintf(path, sizeof(path), "1:name=systemd:/elsewhere\n0::%s\n", own);
	write_text(f->proc, path);
}

static void teardown(struct fake *f)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'",
		 (int)(strlen(f->root) - 3), f->root);
	QT_ASSERT_EQ(system(cmd), 0);
}

static void says(struct fake *f, const struct qpu_refusal *r,
		 const char *want)
{
	char buf[512];
	int n = qpu_refusal_format_at(r, f->proc, f->root, buf, sizeof(buf));

	if (strcmp(buf, want))
		QT_FAIL("got  '%s'\nwant '%s'", buf, want);
	QT_ASSERT_EQ(n, (int)strlen(want));
}

QPU_TEST(tenant_limits_name_the_cgroup)
{
	struct qpu_refusal r = { 0 };
	struct fake f;

	setup(&f, "/a/b");
	r = (struct qpu_refusal){ .limit = QPU_LIMIT_QUBITS, .level = 1,
				  .cgroup_id = f.a_id, .usage = 16, .max = 16,
				  .request = 2, .seq = 1, .error = EDQUOT };
	says(&f, &r, "qubits.max of /a reached (16 of 16 held)");
	r.usage = 12;
	r.request = 8;
	says(&f, &r, "qubits.max of /a reached (12 of 16 held, 8 requested)");
	r = (struct qpu_refusal){ .limit = QPU_LIMIT_JOBS, .level = 2,
				  .cgroup_id = f.ab_id, .usage = 64, .max = 64,
				  .request = 1, .error = EBUSY };
	says(&f, &r, "jobs.max of /a/b reached (64 of 64 queued or running)");
	r = (struct qpu_refusal){ .limit = QPU_LIMIT_POLICY, .level = 2,
				  .cgroup_id = f.ab_id, .request = 3,
				  .error = EPERM };
	says(&f, &r, "denied by the device's monitoring policy (reason 3; "
	     "cgroup /a/b)");
	r = (struct qpu_refusal){ .limit = QPU_LIMIT_SHOTS, .level = 1,
				  .cgroup_id = f.a_id, .usage = 990000,
				  .max = 1000000, .request = 20000,
				  .error = EDQUOT };
	says(&f, &r, "shots.max of /a exhausted (990000 of 1000000 used this "
	     "period, 20000 requested)");
	r = (struct qpu_refusal){ .limit = QPU_LIMIT_QPU_TIME, .level = 2,
				  .cgroup_id = f.ab_id, .usage = 4500000000ULL,
				  .max = 5000000000ULL, .request = 1000000000,
				  .error = EDQUOT };
	says(&f, &r, "qpu_time.max of /a/b exhausted (4.500 s of 5 s used this "
	     "period, 1 s requested)");
	r = (struct qpu_refusal){ .limit = QPU_LIMIT_QUBITS, .level = 0,
				  .cgroup_id = f.root_id, .usage = 27,
				  .max = 27, .error = EDQUOT };
	says(&f, &r, "qubits.max of / reached (27 of 27 held)");
	teardown(&f);
}

QPU_TEST(file_and_device_limits)
{
	struct qpu_refusal r = { 0 };
	struct fake f;

	setup(&f, "/a");
	r = (struct qpu_refusal){ .limit = QPU_LIMIT_CTX_QUBITS, .level = 1,
				  .cgroup_id = f.a_id, .usage = 5, .max = 5,
				  .request = 1, .error = EDQUOT };
	says(&f, &r, "max_ctx_qubits reached (5 of 5 held by this file)");
	r.usage = 3;
	r.request = 4;
	says(&f, &r, "max_ctx_qubits reached (3 of 5 held by this file, 4 "
	     "requested)");
	r = (struct qpu_refusal){ .limit = QPU_LIMIT_CTX_JOBS, .usage = 4096,
				  .max = 4096, .request = 1, .error = EBUSY };
	says(&f, &r, "the file's job limit reached (4096 of 4096 queued or "
	     "running on this file)");
	r = (struct qpu_refusal){ .limit = QPU_LIMIT_TENANTS, .usage = 4096,
				  .max = 4096, .request = 1, .error = EUSERS };
	says(&f, &r, "the device's tenant table is full (4096 of 4096 cgroups "
	     "have state)");
	r = (struct qpu_refusal){ 0 };
	says(&f, &r, "no charge was refused");
	r = (struct qpu_refusal){ .limit = 99, .level = 3, .cgroup_id = 7,
				  .usage = 1, .max = 2, .request = 3 };
	says(&f, &r, "limit 99 refused the charge (cgroup 7, level 3: 1 of 2, "
	     "3 requested)");
	teardown(&f);
}

QPU_TEST(cgroup_fallbacks)
{
	struct qpu_refusal r = { .limit = QPU_LIMIT_QUBITS, .usage = 4,
				 .max = 4, .error = EDQUOT };
	char buf[256];
	struct fake f;

	/* Migrated to /c since: the prefix is wrong, the walk finds it. */
	setup(&f, "/c");
	r.level = 2;
	r.cgroup_id = f.ab_id;
	says(&f, &r, "qubits.max of /a/b reached (4 of 4 held)");
	/* The prefix has the right length but another inode. */
	r.level = 1;
	r.cgroup_id = f.a_id;
	says(&f, &r, "qubits.max of /a reached (4 of 4 held)");
	/* No such cgroup at all. */
	r.cgroup_id = 987654321;
	says(&f, &r, "qubits.max of cgroup 987654321 reached (4 of 4 held)");
	/* No /proc file: the walk alone. */
	unlink(f.proc);
	r.level = 2;
	r.cgroup_id = f.ab_id;
	says(&f, &r, "qubits.max of /a/b reached (4 of 4 held)");
	/* No mount either. */
	QT_ASSERT_EQ(qpu_cgroup_name(f.proc, "/nonexistent/qpu", f.ab_id, 2,
				     buf, sizeof(buf)), -ENOENT);
	QT_ASSERT(!strncmp(buf, "cgroup ", 7));
	/* A file's inode is not a cgroup's. */
	QT_ASSERT_EQ(qpu_cgroup_name(f.proc, f.root,
				     ino_of(f.root, "/a/cgroup.procs"), 2,
				     buf, sizeof(buf)), -ENOENT);
	teardown(&f);
}

QPU_TEST(snprintf_semantics_and_errno)
{
	struct qpu_refusal r = { .limit = QPU_LIMIT_CTX_QUBITS, .usage = 5,
				 .max = 5 };
	const char *full = "max_ctx_qubits reached (5 of 5 held by this file)";
	char buf[64];
	struct fake f;
	int n;

	setup(&f, "/a");
	memset(buf, 'x', sizeof(buf));
	n = qpu_refusal_format_at(&r, f.proc, f.root, buf, 8);
	QT_ASSERT_EQ(n, (int)strlen(full));
	QT_ASSERT(!strcmp(buf, "max_ctx"));
	QT_ASSERT_EQ(buf[8], 'x');
	n = qpu_refusal_format_at(&r, f.proc, f.root, NULL, 0);
	QT_ASSERT_EQ(n, (int)strlen(full));
	/* The public call: same text, errno untouched. */
	KEEPS_ERRNO(qpu_refusal_format(&r, buf, sizeof(buf)));
	QT_ASSERT(!strcmp(buf, full));
	r.limit = QPU_LIMIT_QUBITS;
	r.cgroup_id = 1;	/* whatever the machine has: some text */
	KEEPS_ERRNO(qpu_refusal_format(&r, buf, sizeof(buf)));
	QT_ASSERT(!strncmp(buf, "qubits.max of ", 14));
	FAILS_WITH(qpu_refusal_format(NULL, buf, sizeof(buf)), EINVAL);
	teardown(&f);
}

QPU_TEST(strerror_of_refusals)
{
	QT_ASSERT(strstr(qpu_strerror(-EDQUOT), "budget"));
	QT_ASSERT(strstr(qpu_strerror(-EUSERS), "tenant"));
}

/*
 * qpu_cgroup2_mount(), exported (qpuctl finds the mount with it): the
 * first cgroup2 mount, not a v1 "cgroup" mount with cgroup2 in its
 * options, octal escapes undone; errno set on failure.
 */
QPU_TEST(mountinfo)
{
	char mi[] = "/tmp/refusal_mi.XXXXXX", root[64];
	int fd = mkstemp(mi);

	QT_ASSERT(fd >= 0);
	close(fd);
	write_text(mi,
		   "22 1 0:21 / /proc rw - proc proc rw\n"
		   "25 22 0:23 / /sys/fs/cgroup/unified rw - cgroup cgroup "
		   "rw,cgroup2\n"
		   "26 22 0:24 / /sys/fs/cgroup\\040v2 rw shared:9 - cgroup2 "
		   "cgroup2 rw,nsdelegate\n"
		   "27 22 0:25 / /second rw - cgroup2 cgroup2 rw\n");
	QT_ASSERT_EQ(qpu_cgroup2_mount(mi, root, sizeof(root)), 0);
	QT_ASSERT(!strcmp(root, "/sys/fs/cgroup v2"));
	errno = 0;
	QT_ASSERT_EQ(qpu_cgroup2_mount(mi, root, 10), -ENAMETOOLONG);
	QT_ASSERT_EQ(errno, ENAMETOOLONG);
	write_text(mi, "22 1 0:21 / /proc rw - proc proc rw\n");
	QT_ASSERT_EQ(qpu_cgroup2_mount(mi, root, sizeof(root)), -ENOENT);
	unlink(mi);
	QT_ASSERT_EQ(qpu_cgroup2_mount(mi, root, sizeof(root)), -ENOENT);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
