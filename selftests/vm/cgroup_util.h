/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup_util.h - cgroup v2 helpers for the tenant tests (a tenant is a
 * cgroup v2 group, uapi/linux/qpu.h "Tenants and refused charges").
 *
 * The guest's init mounts cgroup2 at /sys/fs/cgroup (scripts/vm/init).
 * Names below are paths relative to that root ("qt-123/a/b"); every test
 * makes its cgroups under a scratch directory of its own (cg_scratch()),
 * which cg_cleanup() removes bottom-up, so a failed test leaves nothing
 * behind for the next one.
 *
 *  - cg_mkdir(), cg_rmdir(): make and remove cgroups (0 or -errno);
 *  - cg_id(): a cgroup's id, the inode number of its directory;
 *    cg_self_id(): the calling process's own cgroup;
 *  - cg_enter(): move the calling process (cgroup.procs);
 *  - cg_spawn()/cg_run(): run a function in a forked child that first
 *    moves into a cgroup and optionally drops to an unprivileged uid
 *    (65534, "nobody"; /dev/qpu* is mode 0666 in the VM); the child's
 *    exit status (a failed assertion is QT_EXIT_FAIL) is the result;
 *  - cg_gate: a pipe that holds any number of children until it opens,
 *    so concurrent requests really start together.
 *
 * Include after vm_util.h.
 */
#ifndef QPU_CGROUP_UTIL_H
#define QPU_CGROUP_UTIL_H

#include <dirent.h>
#include <grp.h>
#include <sys/mount.h>

#include "vm_util.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_NOBODY	65534

/* snprintf() that fails the test instead of truncating a path. */
#define cg_fmt(buf, len, ...) do {					\
	int _n = snprintf((buf), (len), __VA_ARGS__);			\
	if (_n < 0 || (size_t)_n >= (size_t)(len))			\
		QT_FAIL("cgroup path too long");			\
} while (0)

/* CG_ROOT "/" @name into @buf. */
static inline const char *cg_path(char *buf, size_t len, const char *name)
{
	cg_fmt(buf, len, "%s/%s", CG_ROOT, name);
	return buf;
}

/* Skip the test unless cgroup2 is mounted at CG_ROOT. */
static inline void cg_require(void)
{
	if (!path_exists(CG_ROOT "/cgroup.procs") ||
	    !path_exists(CG_ROOT "/cgroup.controllers"))
		qt_skip("cgroup2 is not mounted at %s", CG_ROOT);
}

static inline int cg_mkdir(const char *name)
{
	char p[256];

	return mkdir(cg_path(p, sizeof(p), name), 0755) ? -errno : 0;
}

static inline void cg_mkdir_ok(const char *name)
{
	int ret = cg_mkdir(name);

	if (ret)
		QT_FAIL("mkdir cgroup %s: %s", name, strerror(-ret));
}

static inline int cg_rmdir(const char *name)
{
	char p[256];

	return rmdir(cg_path(p, sizeof(p), name)) ? -errno : 0;
}

/* The id of cgroup @name: its directory's inode (cgroup2). 0 if absent. */
static inline uint64_t cg_id(const char *name)
{
	char p[256];
	struct stat st;

	if (stat(cg_path(p, sizeof(p), name), &st))
		return 0;
	return st.st_ino;
}

static inline uint64_t cg_id_ok(const char *name)
{
	uint64_t id = cg_id(name);

	if (!id)
		QT_FAIL("cgroup %s: %s", name, strerror(errno));
	return id;
}

/* The calling process's cgroup, as a name relative to CG_ROOT ("" = root). */
static inline void cg_self(char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");
	bool found = false;

	QT_ASSERT(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		/* cgroup2 only: "0::/path" */
		if (strncmp(line, "0::/", 4))
			continue;
		line[strcspn(line, "\n")] = 0;
		cg_fmt(buf, len, "%s", line + 4);
		found = true;
		break;
	}
	fclose(f);
	if (!found)
		QT_FAIL("no cgroup2 line in /proc/self/cgroup");
}

static inline uint64_t cg_self_id(void)
{
	char name[256];

	cg_self(name, sizeof(name));
	return cg_id_ok(name);
}

/* Move process @pid (0: the caller) into cgroup @name. */
static inline int cg_move(const char *name, pid_t pid)
{
	char p[256], num[32];

	snprintf(num, sizeof(num), "%d\n", pid ? (int)pid : (int)getpid());
	cg_fmt(p, sizeof(p), "%s/%s/cgroup.procs", CG_ROOT, name);
	return write_sysfs(p, num);
}

static inline void cg_enter_ok(const char *name)
{
	int ret = cg_move(name, 0);

	if (ret)
		QT_FAIL("entering cgroup %s: %s", name, strerror(-ret));
}

/* Processes in cgroup @name (its cgroup.procs lines), -errno on error. */
static inline int cg_nprocs(const char *name)
{
	char p[256], buf[4096];
	ssize_t n;
	int lines = 0;

	cg_fmt(p, sizeof(p), "%s/%s/cgroup.procs", CG_ROOT, name);
	n = read_text(p, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	for (ssize_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

/* Drop every privilege: groups, gid, uid (all three ids) to @uid. */
static inline void cg_drop_to(uid_t uid)
{
	if (setgroups(0, NULL))
		QT_FAIL("setgroups: %s", strerror(errno));
	if (setresgid(uid, uid, uid))
		QT_FAIL("setresgid(%u): %s", (unsigned int)uid, strerror(errno));
	if (setresuid(uid, uid, uid))
		QT_FAIL("setresuid(%u): %s", (unsigned int)uid, strerror(errno));
	QT_ASSERT_EQ(geteuid(), uid);
}

/*
 * A scratch cgroup for this test, CG_ROOT/qt-PID (PID of the caller), made
 * fresh; its name goes into @buf. Everything the test makes goes below it.
 */
static inline const char *cg_scratch(char *buf, size_t len)
{
	cg_require();
	cg_fmt(buf, len, "qt-%d", (int)getpid());
	cg_mkdir_ok(buf);
	return buf;
}

/*
 * Remove cgroup @name and everything below it, bottom-up. Processes still
 * in them are moved to the root first (a test that failed half way may
 * leave one). Returns the first error other than ENOENT, or 0.
 */
static inline int cg_cleanup(const char *name)
{
	char p[512], child[512];
	struct dirent *de;
	DIR *d;
	int ret = 0, r;

	cg_fmt(p, sizeof(p), "%s/%s", CG_ROOT, name);
	d = opendir(p);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		cg_fmt(child, sizeof(child), "%s/%s", name, de->d_name);
		r = cg_cleanup(child);
		if (r && !ret)
			ret = r;
	}
	closedir(d);
	/* stragglers: move them to the root so that rmdir can succeed */
	cg_fmt(p, sizeof(p), "%s/%s/cgroup.procs", CG_ROOT, name);
	{
		FILE *f = fopen(p, "r");
		char line[32];

		while (f && fgets(line, sizeof(line), f)) {
			pid_t pid = (pid_t)atoi(line);

			if (pid > 0)
				cg_move("", pid);
		}
		if (f)
			fclose(f);
	}
	/* a moved task's exit may lag a little behind its removal */
	for (int i = 0; i < 50; i++) {
		r = cg_rmdir(name);
		if (r != -EBUSY)
			break;
		usleep(20000);
	}
	if (r && r != -ENOENT && !ret)
		ret = r;
	return ret;
}

/**
 * cg_spawn() - run @fn(@arg) in a child inside cgroup @name
 * @name: cgroup to enter first (relative to CG_ROOT; NULL: stay put)
 * @uid: 0 to stay root, else the uid (and gid) to drop to after entering
 * @fn: the body; assertions in it end the child with QT_EXIT_FAIL
 * @arg: passed to @fn
 *
 * Return: the child's pid. Collect it with wait_status() or cg_wait_ok().
 */
static inline pid_t cg_spawn(const char *name, uid_t uid, void (*fn)(void *),
			     void *arg)
{
	pid_t pid = fork_ok();

	if (!pid) {
		if (name)
			cg_enter_ok(name);
		if (uid)
			cg_drop_to(uid);
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	return pid;
}

/* Wait for a cg_spawn() child; its failure (or skip) becomes the test's. */
static inline void cg_wait_ok(pid_t pid, const char *what)
{
	int st = wait_status(pid);

	if (st == QT_EXIT_SKIP)
		qt_skip("%s skipped", what);
	if (st > 128)
		QT_FAIL("%s: killed by signal %d", what, st - 128);
	if (st)
		QT_FAIL("%s failed (exit %d)", what, st);
}

/* cg_spawn() and wait: run @fn in cgroup @name as @uid, fail if it fails. */
static inline void cg_run(const char *name, uid_t uid, void (*fn)(void *),
			  void *arg, const char *what)
{
	cg_wait_ok(cg_spawn(name, uid, fn, arg), what);
}

/*
 * A start gate for children: cg_gate_init() before forking them, each
 * child calls cg_gate_wait(), the parent cg_gate_open() once all are
 * forked (closing the write end wakes them all at once).
 */
struct cg_gate {
	int fd[2];
};

static inline void cg_gate_init(struct cg_gate *g)
{
	if (pipe(g->fd))
		QT_FAIL("pipe: %s", strerror(errno));
}

static inline void cg_gate_wait(struct cg_gate *g)
{
	close(g->fd[1]);
	wait_pipe_eof(g->fd[0]);
	close(g->fd[0]);
}

static inline void cg_gate_open(struct cg_gate *g)
{
	close(g->fd[1]);
	close(g->fd[0]);
}

#endif /* QPU_CGROUP_UTIL_H */
