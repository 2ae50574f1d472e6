// SPDX-License-Identifier: GPL-2.0
/*
 * robust_test.c - regression tests for bugs a hostile-input run found:
 *
 *  - workers_vs_del_device: root writing /sys/class/qpu/qpuN/workers while
 *    del_device N runs must neither oops nor leave qpuN-w* threads behind
 *    (removal used to stop the executors before removing the attribute);
 *  - rmmod_vs_new_device: rmmod racing new_device stores must leave no
 *    device, class directory or thread behind, and the module must load
 *    again (a device used to be created after the removal loop);
 *  - del_device_aborts_sync_run: del_device returns within 10 s while an
 *    unprivileged 2^20-shot per-shot QPU_IOC_RUN is going, and that run
 *    fails with ENODEV (removal used to wait for the run);
 *  - workers_shrink_does_not_wait: lowering workers while every executor
 *    runs a 2^20-shot job returns at once, the jobs go on and can still be
 *    cancelled (the store used to wait, uninterruptibly, for the jobs of
 *    the threads it stopped: a hung task);
 *  - circuits_charged_to_memcg: loading ten 65536-gate circuits raises the
 *    loader's memory.current by about their size (the gates were not
 *    charged);
 *  - rdonly_only_queries: a file opened O_RDONLY may query the device but
 *    gets EBADF for everything that allocates, loads, maps, runs, submits
 *    (ioctl and io_uring), waits or cancels;
 *  - mmap_vs_alloc_query: two threads, one mapping buffers, one querying an
 *    allocation into fresh pages, must not deadlock (ALLOC_QUERY used to
 *    fault on user memory under the context lock that mmap() takes under
 *    mmap_lock);
 *  - mmap_during_removal: an ioctl faulting on user memory (held up by
 *    userfaultfd, deterministically) while del_device waits for it and
 *    another thread mmap()s a buffer must not deadlock (mmap() used to
 *    take the lifecycle rwsem under mmap_lock, behind the queued
 *    removal).
 *
 * The race tests loop enough to have hit the old bugs every time in the
 * test VM (TCG). Tests that remove devices use ids 8 and 9 and remove them
 * afterwards; the rmmod test reloads qpu.ko with its defaults, also when
 * it fails (run_with_cleanup()).
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <liburing.h>
#include <poll.h>
#include <linux/userfaultfd.h>

#include "uring_util.h"
#include "vm_util.h"

#define RID	8
#define RID2	9
#define CG_ROOT		"/sys/fs/cgroup"
#define CG_TEST		CG_ROOT "/qpu-robust"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A pseudo-random number of microseconds below @max (deterministic). */
static unsigned int jitter_us(unsigned int *state, unsigned int max)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 8) % max;
}

/*
 * Threads whose name starts with @prefix (kernel threads included).
 * Return: how many.
 */
static int count_threads(const char *prefix)
{
	char path[300], comm[64];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc");

	QT_ASSERT(d != NULL);
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (read_text(path, comm, sizeof(comm)) <= 0)
			continue;
		if (!strncmp(comm, prefix, strlen(prefix)))
			n++;
	}
	closedir(d);
	return n;
}

/* No thread named @prefix* is left (exiting ones get 2 s to go). */
static void assert_no_threads(const char *prefix)
{
	int i, n = 0;

	for (i = 0; i < 100; i++) {
		n = count_threads(prefix);
		if (!n)
			return;
		usleep(20000);
	}
	QT_FAIL("%d thread(s) named %s* left behind", n, prefix);
}

static void kill_wait(pid_t pid)
{
	kill(pid, SIGKILL);
	wait_status(pid);
}

static void remove_robust_devices(void *arg)
{
	(void)arg;
	del_device(RID);
	del_device(RID2);
}

/* ---- workers store vs del_device ----------------------------------------- */

#define WORKERS_ITERS	40

/* Write workers values (16, 1, 16, ...) to qpu@id until killed. */
static void workers_writer(unsigned int id)
{
	unsigned int i;

	for (i = 0; ; i++)
		write_dev_attr(id, "workers", i & 1 ? "1" : "16");
}

static void workers_race_body(void *arg)
{
	unsigned int i, seed = 1;
	struct qpu_objs before;
	pid_t w[2];
	char prefix[32];
	int j;

	(void)arg;
	read_objs(&before);
	snprintf(prefix, sizeof(prefix), "qpu%u-w", RID);
	for (i = 0; i < WORKERS_ITERS; i++) {
		new_device_ok(RID, "line:4");
		for (j = 0; j < 2; j++) {
			w[j] = fork_ok();
			if (!w[j])
				workers_writer(RID);
		}
		usleep(jitter_us(&seed, 30000));
		del_device_ok(RID);
		for (j = 0; j < 2; j++)
			kill_wait(w[j]);
		/* Every executor of the removed device is gone. */
		assert_no_threads(prefix);
	}
	assert_objs_restored(&before);
}

QPU_TEST_TIMEOUT(workers_vs_del_device, 300)
{
	run_with_cleanup(workers_race_body, remove_robust_devices, NULL);
}

/* ---- rmmod vs new_device ------------------------------------------------- */

#define RMMOD_ITERS	15

/* qpu.ko loaded with its defaults and /dev/qpu0 present. */
static void restore_module(void *arg)
{
	int ret;

	(void)arg;
	if (!module_loaded()) {
		ret = load_module("");
		if (ret)
			QT_FAIL("reloading qpu: %s", strerror(-ret));
	}
	if (!wait_for_path(QPU0_PATH, true, 5000))
		QT_FAIL("%s missing after reloading qpu", QPU0_PATH);
}

/* Create and remove qpu@RID as fast as possible until killed. */
static void hotplug_hammer(void)
{
	for (;;) {
		new_device(RID, "line:2");
		del_device(RID);
	}
}

static void rmmod_race_body(void *arg)
{
	unsigned int i, seed = 7;
	pid_t pid;
	int ret;

	(void)arg;
	if (!path_exists(MODULE_KO))
		qt_skip("%s not found", MODULE_KO);
	for (i = 0; i < RMMOD_ITERS; i++) {
		pid = fork_ok();
		if (!pid)
			hotplug_hammer();
		usleep(5000 + jitter_us(&seed, 40000));
		ret = unload_module();
		kill_wait(pid);
		if (ret)
			QT_FAIL("iteration %u: unloading qpu: %s", i,
				strerror(-ret));
		/* Nothing of the module is left behind. */
		QT_ASSERT(!module_loaded());
		QT_ASSERT(!path_exists(QPU_CLASS_DIR));
		QT_ASSERT(!path_exists("/sys/devices/virtual/qpu"));
		assert_no_threads("qpu");
		ret = load_module("");
		if (ret)
			QT_FAIL("iteration %u: reloading qpu: %s", i,
				strerror(-ret));
		QT_ASSERT(wait_for_path(QPU0_PATH, true, 5000));
	}
}

QPU_TEST_TIMEOUT(rmmod_vs_new_device, 300)
{
	run_with_cleanup(rmmod_race_body, restore_module, NULL);
}

/* ---- del_device vs a long synchronous run -------------------------------- */

#define PER_SHOT_ROUNDS	32

/*
 * One qubit put in superposition, measured and reset PER_SHOT_ROUNDS
 * times: mid-circuit measurement makes every shot a simulation of its own,
 * so 2^20 shots take minutes in the VM.
 */
static uint32_t load_per_shot(int fd, uint32_t alloc)
{
	struct qpu_gate g[3 * PER_SHOT_ROUNDS];
	uint32_t i;

	for (i = 0; i < PER_SHOT_ROUNDS; i++) {
		g[3 * i] = gate_1q(QPU_OP_H, 0);
		g[3 * i + 1] = gate_measure(0, 0);
		g[3 * i + 2] = gate_1q(QPU_OP_RESET, 0);
	}
	return circ_load_ok(fd, &(struct circ_spec){
		.alloc = alloc, .num_qubits = 1, .num_clbits = 1,
		.gates = g, .num_gates = ARRAY_LEN(g) }, NULL);
}

/* As nobody: RUN 2^20 shots on qpu@RID2; report "started", then -errno. */
static void sync_runner(int wfd)
{
	struct qpu_job_desc job;
	struct mbuf res;
	uint32_t alloc, circ;
	int fd, ret;

	if (setgid(65534) || setuid(65534))
		QT_FAIL("dropping to nobody: %s", strerror(errno));
	fd = open_dev_id_ok(RID2);
	alloc = alloc_ok(fd, 1, NULL);
	circ = load_per_shot(fd, alloc);
	mbuf_new_ok(fd, 4096, &res);
	job = job_make(circ, QPU_MAX_SHOTS, res.handle);
	ret = 0;
	write_full_ok(wfd, &ret, sizeof(ret));
	ret = run_raw(fd, &job, NULL);
	write_full_ok(wfd, &ret, sizeof(ret));
	_exit(0);
}

static void sync_run_body(void *arg)
{
	struct pollfd pfd;
	double t0, dt;
	int p[2], ret;
	pid_t pid;

	(void)arg;
	new_device_ok(RID2, "line:2");
	pipe_ok(p);
	pid = fork_ok();
	if (!pid) {
		close(p[0]);
		sync_runner(p[1]);
	}
	close(p[1]);
	if (!read_full_ok(p[0], &ret, sizeof(ret)))
		QT_FAIL("the runner died before running");
	/* Let the run get going (it takes far longer than this). */
	sleep(1);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	QT_ASSERT_EQ(poll(&pfd, 1, 0), 0);	/* still running */

	t0 = now_s();
	QT_ASSERT_EQ(del_device(RID2), 0);
	dt = now_s() - t0;
	printf("# del_device took %.2f s\n", dt);
	QT_ASSERT_LT(dt, 10.0);

	/* The run was aborted: it returns ENODEV promptly. */
	QT_ASSERT_EQ(poll(&pfd, 1, 10000), 1);
	QT_ASSERT(read_full_ok(p[0], &ret, sizeof(ret)));
	QT_ASSERT_EQ(ret, -ENODEV);
	wait_ok(pid);
	close(p[0]);
}

QPU_TEST_TIMEOUT(del_device_aborts_sync_run, 180)
{
	run_with_cleanup(sync_run_body, remove_robust_devices, NULL);
}

/* ---- lowering workers while jobs run -------------------------------------- */

static int submit_raw(int fd, const struct qpu_job_desc *job, uint32_t *id)
{
	struct qpu_submit sub;
	int ret;

	memset(&sub, 0, sizeof(sub));
	sub.job = *job;
	ret = qpu_ioc(fd, QPU_IOC_SUBMIT, &sub);
	*id = sub.job_id;
	return ret;
}

/* QPU_IOC_WAIT for job @id, at most @timeout_s seconds (0: just look). */
static int wait_job(int fd, uint32_t id, int timeout_s, struct qpu_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = id;
	w->timeout_ns = timeout_s * 1000000000LL;
	return qpu_ioc(fd, QPU_IOC_WAIT, w);
}

static void workers_shrink_body(void *arg)
{
	struct qpu_job_desc job;
	struct qpu_cancel cn;
	struct qpu_wait w;
	struct mbuf res;
	uint32_t alloc, circ, id[2];
	char prefix[32];
	double t0, dt;
	int fd, i;

	(void)arg;
	snprintf(prefix, sizeof(prefix), "qpu%u-w", RID);
	new_device_ok(RID, "line:4");
	QT_ASSERT_EQ(write_dev_attr(RID, "workers", "2"), 0);
	fd = open_dev_id_ok(RID);
	mbuf_new_ok(fd, 8192, &res);
	/* Two long jobs on two allocations: both executors are busy. */
	for (i = 0; i < 2; i++) {
		alloc = alloc_ok(fd, 1, NULL);
		circ = load_per_shot(fd, alloc);
		job = job_make(circ, QPU_MAX_SHOTS, res.handle);
		job.result_offset = 4096 * i;
		QT_ASSERT_EQ(submit_raw(fd, &job, &id[i]), 0);
	}
	sleep(1);

	/* Lowering the count does not wait for the job the thread runs. */
	t0 = now_s();
	QT_ASSERT_EQ(write_dev_attr(RID, "workers", "1"), 0);
	dt = now_s() - t0;
	printf("# workers 2 -> 1 took %.2f s\n", dt);
	QT_ASSERT_LT(dt, 10.0);
	QT_ASSERT_EQ(dev_attr_u32(RID, "workers"), 1);
	/* Both jobs are still running; neither was cancelled by it. */
	for (i = 0; i < 2; i++)
		QT_ASSERT_EQ(wait_job(fd, id[i], 0, &w), -EAGAIN);

	/* Raising it again reuses the retired thread; cancel still works. */
	QT_ASSERT_EQ(write_dev_attr(RID, "workers", "2"), 0);
	for (i = 0; i < 2; i++) {
		memset(&cn, 0, sizeof(cn));
		cn.job_id = id[i];
		QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_CANCEL, &cn), 0);
		QT_ASSERT_EQ(wait_job(fd, id[i], 30, &w), 0);
		QT_ASSERT_EQ(w.status, -ECANCELED);
	}
	QT_ASSERT_EQ(count_threads(prefix), 2);
	QT_ASSERT_EQ(write_dev_attr(RID, "workers", "1"), 0);
	QT_ASSERT_EQ(count_threads(prefix), 1);
	mbuf_free_ok(fd, &res);
	close_ok(fd);
	del_device_ok(RID);
	assert_no_threads(prefix);
}

QPU_TEST_TIMEOUT(workers_shrink_does_not_wait, 180)
{
	run_with_cleanup(workers_shrink_body, remove_robust_devices, NULL);
}

/* ---- memory cgroup accounting of circuits -------------------------------- */

#define MEMCG_CIRCUITS	10
#define MEMCG_GATES	65536	/* 6 MiB of gates per circuit */

static uint64_t cg_memory_current(void)
{
	return read_sysfs_u64(CG_TEST "/memory.current");
}

/* In a child moved into CG_TEST: load the circuits, compare the charge. */
static void memcg_body(void *arg)
{
	const size_t gates_bytes = (size_t)MEMCG_GATES * sizeof(struct qpu_gate);
	struct qpu_gate *g;
	uint64_t before, after, want;
	char pid[32];
	uint32_t alloc;
	int fd, i;

	(void)arg;
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	QT_ASSERT_EQ(write_sysfs(CG_TEST "/cgroup.procs", pid), 0);

	/* The user-space copy is charged too: make it before measuring. */
	g = malloc(gates_bytes);
	QT_ASSERT(g != NULL);
	for (i = 0; i < MEMCG_GATES; i++)
		g[i] = gate_1q(i & 1 ? QPU_OP_X : QPU_OP_H, 0);
	fd = open_dev();
	alloc = alloc_ok(fd, 1, NULL);

	before = cg_memory_current();
	for (i = 0; i < MEMCG_CIRCUITS; i++)
		circ_load_ok(fd, &(struct circ_spec){
			.alloc = alloc, .num_qubits = 1,
			.gates = g, .num_gates = MEMCG_GATES }, NULL);
	after = cg_memory_current();

	want = (uint64_t)MEMCG_CIRCUITS * gates_bytes;
	printf("# memory.current grew by %llu KiB for %llu KiB of gates\n",
	       (unsigned long long)(after - before) >> 10,
	       (unsigned long long)want >> 10);
	/* At least 90 % of the gates (charges are batched per CPU). */
	QT_ASSERT_GE(after - before, want / 10 * 9);
	close_ok(fd);
	free(g);
}

static bool cg_mounted_by_us;

static void memcg_cleanup(void *arg)
{
	int i;

	(void)arg;
	/* The child has exited; its memory may be uncharged lazily. */
	for (i = 0; i < 50 && rmdir(CG_TEST) && errno == EBUSY; i++)
		usleep(100000);
	if (cg_mounted_by_us)
		umount2(CG_ROOT, MNT_DETACH);
}

QPU_TEST(circuits_charged_to_memcg)
{
	char ctl[256];

	if (!path_exists(CG_ROOT "/cgroup.controllers")) {
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			qt_skip("mounting cgroup2: %s", strerror(errno));
		cg_mounted_by_us = true;
	}
	if (read_text(CG_ROOT "/cgroup.controllers", ctl, sizeof(ctl)) < 0 ||
	    !strstr(ctl, "memory")) {
		memcg_cleanup(NULL);
		qt_skip("no memory controller");
	}
	QT_ASSERT_EQ(write_sysfs(CG_ROOT "/cgroup.subtree_control", "+memory"), 0);
	if (mkdir(CG_TEST, 0755) && errno != EEXIST)
		QT_FAIL("mkdir %s: %s", CG_TEST, strerror(errno));
	QT_ASSERT(path_exists(CG_TEST "/memory.current"));
	run_with_cleanup(memcg_body, memcg_cleanup, NULL);
}

/* ---- read-only files ------------------------------------------------------ */


QPU_TEST(rdonly_only_queries)
{
	struct qpu_objs before;
	struct qpu_info info;
	struct qpu_alloc qa;
	struct qpu_buffer_create bc;
	struct qpu_circuit_load cl;
	struct qpu_submit sub;
	struct qpu_wait wt;
	struct qpu_cancel cn;
	struct qpu_run run;
	struct qpu_gate h = gate_1q(QPU_OP_H, 0);
	struct qpu_job_desc job;
	struct pollfd pfd;
	uint32_t nedges, alloc, circ;
	struct mbuf res;
	struct qpu_edge *e;
	int ro, rw, wo;
	void *p;

	read_objs(&before);
	rw = open_dev();
	alloc = alloc_ok(rw, 2, NULL);
	circ = circ_load_ok(rw, &(struct circ_spec){
		.alloc = alloc, .num_qubits = 1, .gates = &h, .num_gates = 1 },
		NULL);
	mbuf_new_ok(rw, 4096, &res);
	job = job_make(circ, 10, res.handle);

	ro = open(QPU0_PATH, O_RDONLY | O_CLOEXEC);
	QT_ASSERT_GE(ro, 0);

	/* Queries work. */
	get_info_ok(ro, &info);
	QT_ASSERT_EQ(info.num_qubits, QPU0_NUM_QUBITS);
	e = get_edges_ok(ro, &nedges);
	QT_ASSERT_EQ(nedges, QPU0_NUM_EDGES);
	free(e);
	QT_ASSERT_EQ(query_raw(ro, 1, NULL, NULL, 0, &qa), -ENOENT);
	pfd = (struct pollfd){ .fd = ro, .events = POLLIN };
	QT_ASSERT_EQ(poll(&pfd, 1, 0), 0);

	/* Everything else is EBADF, as write(2) on a read-only fd. */
	QT_ASSERT_EQ(alloc_raw(ro, 1, NULL, NULL, 0, &qa), -EBADF);
	QT_ASSERT_EQ(free_raw(ro, 1), -EBADF);
	QT_ASSERT_EQ(circ_load_raw(ro, &(struct circ_spec){
		.alloc = 1, .num_qubits = 1, .gates = &h, .num_gates = 1 },
		&cl), -EBADF);
	QT_ASSERT_EQ(circ_free_raw(ro, 1), -EBADF);
	QT_ASSERT_EQ(buf_create_raw(ro, 4096, &bc), -EBADF);
	QT_ASSERT_EQ(buf_destroy_raw(ro, 1), -EBADF);
	QT_ASSERT_EQ(run_raw(ro, &job, &run), -EBADF);
	memset(&sub, 0, sizeof(sub));
	sub.job = job;
	QT_ASSERT_EQ(qpu_ioc(ro, QPU_IOC_SUBMIT, &sub), -EBADF);
	memset(&wt, 0, sizeof(wt));
	wt.flags = QPU_WAIT_ANY;
	QT_ASSERT_EQ(qpu_ioc(ro, QPU_IOC_WAIT, &wt), -EBADF);
	memset(&cn, 0, sizeof(cn));
	cn.job_id = 1;
	QT_ASSERT_EQ(qpu_ioc(ro, QPU_IOC_CANCEL, &cn), -EBADF);
	QT_ASSERT_EQ(uring_run_once(ro, &job, 0), -EBADF);
	/* Not an ioctl of ours at all: still ENOTTY. */
	QT_ASSERT_EQ(qpu_ioc(ro, _IOWR(QPU_IOC_MAGIC, 0x7f, struct qpu_free),
			     &(struct qpu_free){ 0 }), -ENOTTY);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 1ULL << 32);
	QT_ASSERT(p == MAP_FAILED && errno == EBADF);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 1ULL << 32);
	QT_ASSERT(p == MAP_FAILED && errno == EACCES);
	/* Nothing was taken through it. */
	assert_free_qubits(rw, 0, QPU0_NUM_QUBITS - 2);
	close_ok(ro);

	/* Write access is what counts: O_WRONLY may allocate and run. */
	wo = open(QPU0_PATH, O_WRONLY | O_CLOEXEC);
	QT_ASSERT_GE(wo, 0);
	alloc_ok(wo, 1, NULL);
	close_ok(wo);

	/* The read-write file was never affected. */
	run_ok(rw, &job, &run);
	QT_ASSERT_EQ(uring_run_once(rw, &job, 0), 0);
	mbuf_free_ok(rw, &res);
	close_ok(rw);
	assert_objs_restored(&before);
}

/* ---- mmap vs ALLOC_QUERY ---------------------------------------------------- */

#define MMAP_RACE_SECS	15

struct mmap_race {
	int fd;
	uint32_t alloc;
	struct mbuf buf;
	volatile int stop;
};

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* mmap() and munmap() the buffer: mmap_lock, then the context's lock. */
static void *mapper_fn(void *arg)
{
	struct mmap_race *r = arg;
	void *p;

	pin_cpu0();
	while (!r->stop) {
		p = buf_map(r->fd, r->buf.size, MAP_SHARED, r->buf.mmap_offset);
		if (p == MAP_FAILED)
			QT_FAIL("mmap: %s", strerror(errno));
		munmap(p, r->buf.size);
	}
	return NULL;
}

/*
 * ALLOC_QUERY into a page never touched (its first write faults and takes
 * mmap_lock), between two PROT_NONE pages so that it merges with nothing.
 */
static void *querier_fn(void *arg)
{
	struct mmap_race *r = arg;
	long pg = sysconf(_SC_PAGESIZE);
	struct qpu_alloc qa;
	char *p;
	int ret;

	pin_cpu0();
	while (!r->stop) {
		p = mmap(NULL, 3 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		QT_ASSERT(p != MAP_FAILED);
		QT_ASSERT_EQ(mprotect(p + pg, pg, PROT_READ | PROT_WRITE), 0);
		ret = query_raw(r->fd, r->alloc, (uint32_t *)(p + pg), NULL, 0,
				&qa);
		if (ret)
			QT_FAIL("ALLOC_QUERY: %s", strerror(-ret));
		munmap(p, 3 * pg);
	}
	return NULL;
}

static void mmap_race_child(void)
{
	struct mmap_race r;
	pthread_t a, b;
	double t0 = now_s();

	memset(&r, 0, sizeof(r));
	r.fd = open_dev();
	r.alloc = alloc_ok(r.fd, 8, NULL);
	mbuf_new_ok(r.fd, 4096, &r.buf);
	QT_ASSERT_EQ(pthread_create(&a, NULL, mapper_fn, &r), 0);
	QT_ASSERT_EQ(pthread_create(&b, NULL, querier_fn, &r), 0);
	while (now_s() - t0 < MMAP_RACE_SECS)
		usleep(100000);
	r.stop = 1;
	QT_ASSERT_EQ(pthread_join(a, NULL), 0);
	QT_ASSERT_EQ(pthread_join(b, NULL), 0);
	mbuf_free_ok(r.fd, &r.buf);
	close_ok(r.fd);
	_exit(0);
}

QPU_TEST(mmap_vs_alloc_query)
{
	struct qpu_objs before;
	double t0;
	pid_t pid;
	int st;

	read_objs(&before);
	pid = fork_ok();
	if (!pid)
		mmap_race_child();
	/* The threads stop after MMAP_RACE_SECS unless they deadlocked. */
	t0 = now_s();
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_s() - t0 > MMAP_RACE_SECS + 30) {
			/* SIGKILL ends the faulting thread's wait: it recovers. */
			kill_wait(pid);
			QT_FAIL("mmap() and ALLOC_QUERY deadlocked");
		}
		usleep(100000);
	}
	QT_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_objs_restored(&before);
}

/* ---- mmap during removal, with an ioctl stuck on a user fault ------------- */

struct uffd_race {
	int fd;
	struct mbuf buf;
	void *page;
	int topo_ret;
	int map_errno;
	volatile int map_done;
};

/* GET_TOPOLOGY into the userfaultfd page: faults with lifecycle held. */
static void *topo_fn(void *arg)
{
	struct uffd_race *r = arg;
	struct qpu_topology t;

	memset(&t, 0, sizeof(t));
	t.num_edges = 64;
	t.edges_ptr = (uintptr_t)r->page;
	r->topo_ret = qpu_ioc(r->fd, QPU_IOC_GET_TOPOLOGY, &t);
	return NULL;
}

static void *map_fn(void *arg)
{
	struct uffd_race *r = arg;
	void *p = buf_map(r->fd, r->buf.size, MAP_SHARED, r->buf.mmap_offset);

	r->map_errno = p == MAP_FAILED ? errno : 0;
	if (p != MAP_FAILED)
		munmap(p, r->buf.size);
	r->map_done = 1;
	return NULL;
}

/*
 * In a child: a thread's GET_TOPOLOGY faults on a userfaultfd page and
 * waits; report on @wfd, let the parent start del_device (which waits
 * for the ioctl), mmap() a buffer from another thread, then resolve the
 * fault. Writes 1 when everything completed.
 */
static void uffd_child(int wfd, int rfd)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct uffdio_register reg;
	struct uffdio_api api;
	struct uffdio_zeropage zp;
	struct uffd_msg msg;
	struct uffd_race r;
	struct pollfd pfd;
	pthread_t ta, tb;
	int uffd, one = 1;
	char c;

	memset(&r, 0, sizeof(r));
	r.fd = open_dev_id_ok(RID);
	mbuf_new_ok(r.fd, 4096, &r.buf);
	QT_ASSERT_EQ(munmap(r.buf.ptr, r.buf.size), 0);
	r.page = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	QT_ASSERT(r.page != MAP_FAILED);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		qt_skip("userfaultfd: %s", strerror(errno));
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	QT_ASSERT_EQ(ioctl(uffd, UFFDIO_API, &api), 0);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)r.page;
	reg.range.len = pg;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	QT_ASSERT_EQ(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);

	QT_ASSERT_EQ(pthread_create(&ta, NULL, topo_fn, &r), 0);
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	QT_ASSERT_EQ(poll(&pfd, 1, 20000), 1);
	QT_ASSERT_EQ(read(uffd, &msg, sizeof(msg)), (ssize_t)sizeof(msg));
	QT_ASSERT_EQ(msg.event, UFFD_EVENT_PAGEFAULT);

	/* The ioctl holds the device; the parent starts removing it. */
	write_full_ok(wfd, &one, sizeof(one));
	QT_ASSERT(read_full_ok(rfd, &c, 1));
	/* mmap() takes mmap_lock, then (it used to) lifecycle. */
	QT_ASSERT_EQ(pthread_create(&tb, NULL, map_fn, &r), 0);
	usleep(500000);
	/* Let the fault go on: its retry needs mmap_lock. */
	memset(&zp, 0, sizeof(zp));
	zp.range.start = (uintptr_t)r.page;
	zp.range.len = pg;
	QT_ASSERT_EQ(ioctl(uffd, UFFDIO_ZEROPAGE, &zp), 0);
	QT_ASSERT_EQ(pthread_join(ta, NULL), 0);
	QT_ASSERT_EQ(pthread_join(tb, NULL), 0);
	/* The topology was read before the device went; mmap either way. */
	QT_ASSERT_EQ(r.topo_ret, 0);
	QT_ASSERT(r.map_errno == 0 || r.map_errno == ENODEV);
	write_full_ok(wfd, &one, sizeof(one));
	_exit(0);
}

/* del_device(RID) in a child: its exit status is 0 on success. */
static pid_t del_device_async(void)
{
	pid_t pid = fork_ok();

	if (!pid)
		_exit(del_device(RID) ? 1 : 0);
	return pid;
}

/* Wait up to @secs for @pid: true if it exited (status in *st). */
static bool wait_timeout(pid_t pid, int secs, int *st)
{
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, st, WNOHANG) == pid)
			return true;
		usleep(100000);
	}
	return false;
}

static void uffd_race_body(void *arg)
{
	int up[2], down[2], one, st;
	pid_t child, del;

	(void)arg;
	new_device_ok(RID, "line:4");
	pipe_ok(up);
	pipe_ok(down);
	child = fork_ok();
	if (!child) {
		close(up[0]);
		close(down[1]);
		uffd_child(up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (!read_full_ok(up[0], &one, sizeof(one))) {
		st = wait_status(child);
		if (st == QT_EXIT_SKIP)
			qt_skip("no userfaultfd in the guest");
		QT_FAIL("the child failed before faulting (status %d)", st);
	}
	del = del_device_async();
	/* Give del_device time to queue for the lifecycle lock. */
	usleep(500000);
	QT_ASSERT_EQ(write(down[1], "g", 1), 1);

	if (!wait_timeout(del, 20, &st)) {
		/* SIGKILL ends the stuck fault, which unblocks the rest. */
		kill(child, SIGKILL);
		wait_status(child);
		wait_status(del);
		QT_FAIL("ioctl fault, mmap() and del_device deadlocked");
	}
	QT_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	QT_ASSERT(read_full_ok(up[0], &one, sizeof(one)));
	wait_ok(child);
}

QPU_TEST(mmap_during_removal)
{
	run_with_cleanup(uffd_race_body, remove_robust_devices, NULL);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
