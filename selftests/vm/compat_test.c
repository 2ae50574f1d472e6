// SPDX-License-Identifier: GPL-2.0
/*
 * compat_test.c - a program of the v0 ABI, run against the current module.
 *
 * Built against the frozen header selftests/compat/v0/linux/qpu.h only
 * (the Makefile gives it -Iselftests/compat/v0 and neither -Iuapi nor
 * libqpu): raw ioctls, mmap and io_uring, as a binary compiled against the
 * previous release would issue them. It exercises every ioctl of that
 * ABI end to end: GET_INFO, GET_TOPOLOGY, ALLOC, ALLOC_QUERY, FREE,
 * CIRCUIT_LOAD, CIRCUIT_FREE, BUFFER_CREATE, mmap, BUFFER_DESTROY, RUN,
 * SUBMIT, WAIT, CANCEL, poll and QPU_URING_CMD_RUN, plus the size rules
 * the v0 header promises (a shorter struct is -EINVAL, a longer one with a
 * zero tail is accepted, a non-zero tail is -E2BIG, an unknown ioctl is
 * -ENOTTY). When a later release grows a struct, this file must keep
 * passing unchanged: that is what it is for. Never update it to a newer
 * header; freeze a new header and write a new test instead.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <liburing.h>

#include <linux/qpu.h>

#include "qpu_test.h"

#define DEV		"/dev/qpu0"
#define SHOTS		512

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static unsigned long resized(unsigned long cmd, size_t size)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

static int open_ok(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		QT_FAIL("open %s: %s", DEV, strerror(errno));
	return fd;
}

static uint64_t f64(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

/* ---- a Bell pair: what every execution test below runs ------------------ */

struct bell {
	int fd;
	uint32_t alloc;
	uint32_t circ;
	uint32_t rbuf;
	uint64_t rsize;
	void *res;
	uint8_t hash[32];
};

static uint32_t alloc2(int fd, uint32_t *a, uint32_t *b)
{
	struct qpu_edge edges[8];
	struct qpu_alloc al;
	uint32_t phys[2];

	memset(&al, 0, sizeof(al));
	al.num_qubits = 2;
	al.num_edges = 8;
	al.phys_ptr = (uintptr_t)phys;
	al.edges_ptr = (uintptr_t)edges;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_ALLOC, &al), 0);
	QT_ASSERT_GT(al.handle, 0);
	QT_ASSERT_EQ(al.num_edges, 1);	/* two connected qubits */
	QT_ASSERT_NE(phys[0], phys[1]);
	*a = edges[0].a;
	*b = edges[0].b;
	return al.handle;
}

/* H on a, CX a->b, measure both; observable Z(a)Z(b). */
static void bell_up(struct bell *w)
{
	struct qpu_buffer_create bc;
	struct qpu_circuit_load l;
	struct qpu_gate g[4];
	uint64_t zz;
	uint32_t a, b;

	memset(w, 0, sizeof(*w));
	w->fd = open_ok();
	w->alloc = alloc2(w->fd, &a, &b);
	memset(g, 0, sizeof(g));
	g[0].op = QPU_OP_H;
	g[0].qubits[0] = a;
	g[1].op = QPU_OP_X;
	g[1].nctrl = 1;
	g[1].qubits[0] = a;
	g[1].qubits[1] = b;
	g[2].op = QPU_OP_MEASURE;
	g[2].qubits[0] = a;
	g[2].cbit = 0;
	g[3].op = QPU_OP_MEASURE;
	g[3].qubits[0] = b;
	g[3].cbit = 1;
	zz = (1ULL << a) | (1ULL << b);
	memset(&l, 0, sizeof(l));
	l.alloc = w->alloc;
	l.num_qubits = 2;
	l.num_clbits = 2;
	l.num_gates = 4;
	l.gates_ptr = (uintptr_t)g;
	l.num_observables = 1;
	l.observables_ptr = (uintptr_t)&zz;
	QT_ASSERT_EQ(xioctl(w->fd, QPU_IOC_CIRCUIT_LOAD, &l), 0);
	QT_ASSERT_GT(l.handle, 0);
	w->circ = l.handle;
	memcpy(w->hash, l.hash, sizeof(w->hash));

	memset(&bc, 0, sizeof(bc));
	bc.size = 1 << 16;
	QT_ASSERT_EQ(xioctl(w->fd, QPU_IOC_BUFFER_CREATE, &bc), 0);
	QT_ASSERT_GT(bc.handle, 0);
	QT_ASSERT_EQ(bc.size, 1 << 16);
	w->rbuf = bc.handle;
	w->rsize = bc.size;
	w->res = mmap(NULL, bc.size, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd,
		      (off_t)bc.mmap_offset);
	QT_ASSERT(w->res != MAP_FAILED);
}

static void bell_down(struct bell *w)
{
	struct qpu_buffer_destroy d = { .handle = w->rbuf };
	struct qpu_circuit_free cf = { .handle = w->circ };
	struct qpu_free f = { .handle = w->alloc };

	QT_ASSERT_EQ(munmap(w->res, w->rsize), 0);
	QT_ASSERT_EQ(xioctl(w->fd, QPU_IOC_BUFFER_DESTROY, &d), 0);
	QT_ASSERT_EQ(xioctl(w->fd, QPU_IOC_CIRCUIT_FREE, &cf), 0);
	QT_ASSERT_EQ(xioctl(w->fd, QPU_IOC_FREE, &f), 0);
	QT_ASSERT_EQ(close(w->fd), 0);
}

static struct qpu_job_desc bell_job(const struct bell *w, uint64_t off,
				    uint64_t seed)
{
	struct qpu_job_desc j;

	memset(&j, 0, sizeof(j));
	j.circuit = w->circ;
	j.flags = QPU_RUN_SEED | QPU_RUN_EXPECT;
	j.seed = seed;
	j.shots = SHOTS;
	j.result_buf = w->rbuf;
	j.result_offset = off;
	return j;
}

static const struct qpu_result *slice(const struct bell *w, uint64_t off)
{
	return (const struct qpu_result *)((const char *)w->res + off);
}

/* A complete Bell slice: only 00 and 11, summing to SHOTS, <ZZ> = 1. */
static void assert_bell(const struct qpu_result *r, uint64_t seed)
{
	const struct qpu_count *c = (const void *)(r + 1);
	uint64_t zz, sum = 0;
	double e;
	uint32_t i;

	QT_ASSERT_EQ(r->magic, QPU_RESULT_MAGIC);
	QT_ASSERT_EQ(r->status, 0);
	QT_ASSERT_EQ(r->num_clbits, 2);
	QT_ASSERT_EQ(r->num_expect, 1);
	QT_ASSERT_EQ(r->sweep_index, 0);
	QT_ASSERT_EQ(r->shots, SHOTS);
	QT_ASSERT_EQ(r->seed, seed);
	QT_ASSERT_GE(r->num_counts, 1);
	QT_ASSERT_LE(r->num_counts, 2);
	for (i = 0; i < r->num_counts; i++) {
		QT_ASSERT(c[i].bits == 0 || c[i].bits == 3);
		sum += c[i].count;
	}
	QT_ASSERT_EQ(sum, SHOTS);
	memcpy(&zz, &c[r->num_counts], sizeof(zz));
	memcpy(&e, &zz, sizeof(e));
	QT_ASSERT(e > 0.999999 && e < 1.000001);
}

/* Same histogram and expectation as @a (the seed decides them). */
static void assert_same(const struct qpu_result *a, const struct qpu_result *b)
{
	size_t n = a->num_counts * sizeof(struct qpu_count) + 8;

	QT_ASSERT_EQ(a->num_counts, b->num_counts);
	QT_ASSERT_EQ(a->seed, b->seed);
	QT_ASSERT_EQ(a->qpu_ns, b->qpu_ns);
	QT_ASSERT(!memcmp(a + 1, b + 1, n));
}

/* ---- device queries ------------------------------------------------------ */

QPU_TEST(v0_get_info)
{
	struct qpu_info info;
	const uint64_t need = QPU_FEAT_ALLOC | QPU_FEAT_RUN | QPU_FEAT_ASYNC;
	int fd = open_ok();

	memset(&info, 0, sizeof(info));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_INFO, &info), 0);
	QT_ASSERT_GE(info.api_version, QPU_API_VERSION);
	QT_ASSERT_EQ(info.features & need, need);
	QT_ASSERT_EQ(info.dev_id, 0);
	QT_ASSERT_GE(info.topology, QPU_TOPO_LINE);
	QT_ASSERT_LE(info.topology, QPU_TOPO_FULL);
	QT_ASSERT_GT(info.num_qubits, 1);
	QT_ASSERT_LE(info.num_qubits, QPU_MAX_QUBITS);
	QT_ASSERT_GT(info.num_edges, 0);
	QT_ASSERT_LE(info.free_qubits, info.num_qubits);
	QT_ASSERT_GT(info.max_sim_qubits, 1);
	QT_ASSERT(memchr(info.topology_name, 0, sizeof(info.topology_name)));
	QT_ASSERT_GT(strlen(info.topology_name), 0);
	info.flags = 1;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_INFO, &info), -EINVAL);
	memset(&info, 0, sizeof(info));
	info.reserved[2] = 1;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_INFO, &info), -EINVAL);
	close(fd);
}

QPU_TEST(v0_get_topology)
{
	struct qpu_topology t;
	struct qpu_edge *e;
	uint32_t n, i;
	int fd = open_ok();

	memset(&t, 0, sizeof(t));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_TOPOLOGY, &t), 0);
	n = t.num_edges;
	QT_ASSERT_GT(n, 0);
	e = calloc(n, sizeof(*e));
	QT_ASSERT(e);
	t.edges_ptr = (uintptr_t)e;
	t.num_edges = n - 1;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_TOPOLOGY, &t), -ENOSPC);
	QT_ASSERT_EQ(t.num_edges, n);
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_TOPOLOGY, &t), 0);
	for (i = 0; i < n; i++) {
		QT_ASSERT_LT(e[i].a, e[i].b);
		if (i)
			QT_ASSERT(e[i - 1].a < e[i].a ||
				  (e[i - 1].a == e[i].a && e[i - 1].b < e[i].b));
	}
	free(e);
	close(fd);
}

/* ---- allocation ---------------------------------------------------------- */

QPU_TEST(v0_alloc_query_free)
{
	struct qpu_info before, during, after;
	struct qpu_edge edges[16];
	struct qpu_alloc al, q;
	uint32_t phys[4], qphys[4];
	struct qpu_free f;
	int fd = open_ok();

	memset(&before, 0, sizeof(before));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_INFO, &before), 0);
	memset(&al, 0, sizeof(al));
	al.num_qubits = 4;
	al.num_edges = 16;
	al.phys_ptr = (uintptr_t)phys;
	al.edges_ptr = (uintptr_t)edges;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_ALLOC, &al), 0);
	QT_ASSERT_GT(al.handle, 0);
	QT_ASSERT_GE(al.num_edges, 3);	/* connected */
	memset(&during, 0, sizeof(during));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_INFO, &during), 0);
	QT_ASSERT_EQ(during.free_qubits, before.free_qubits - 4);

	memset(&q, 0, sizeof(q));
	q.handle = al.handle;
	q.phys_ptr = (uintptr_t)qphys;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_ALLOC_QUERY, &q), 0);
	QT_ASSERT_EQ(q.num_qubits, 4);
	QT_ASSERT_EQ(q.num_edges, al.num_edges);
	QT_ASSERT(!memcmp(phys, qphys, sizeof(phys)));

	memset(&al, 0, sizeof(al));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_ALLOC, &al), -EINVAL);	/* k == 0 */
	memset(&f, 0, sizeof(f));
	f.handle = q.handle;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_FREE, &f), 0);
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_FREE, &f), -ENOENT);
	memset(&after, 0, sizeof(after));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_INFO, &after), 0);
	QT_ASSERT_EQ(after.free_qubits, before.free_qubits);
	close(fd);
}

/* ---- circuits and buffers ------------------------------------------------ */

QPU_TEST(v0_circuit_load_free)
{
	struct qpu_circuit_load l;
	struct qpu_circuit_free cf;
	struct qpu_gate g[2];
	uint32_t alloc, a, b;
	int fd = open_ok();

	alloc = alloc2(fd, &a, &b);
	memset(g, 0, sizeof(g));
	g[0].op = QPU_OP_RY;
	g[0].qubits[0] = a;
	g[0].param[0] = 1;
	g[0].scale[0] = f64(1.0);
	g[1].op = QPU_OP_MEASURE;
	g[1].qubits[0] = b;
	memset(&l, 0, sizeof(l));
	l.alloc = alloc;
	l.num_qubits = 2;
	l.num_clbits = 1;
	l.num_params = 1;
	l.num_gates = 2;
	l.gates_ptr = (uintptr_t)g;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_CIRCUIT_LOAD, &l), 0);
	QT_ASSERT_GT(l.handle, 0);
	QT_ASSERT_EQ(l.error, QPU_CERR_NONE);
	memset(&cf, 0, sizeof(cf));
	cf.handle = l.handle;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_CIRCUIT_FREE, &cf), 0);
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_CIRCUIT_FREE, &cf), -ENOENT);

	/* The detail fields of v0: which gate, and why. */
	g[1].param[0] = 5;	/* MEASURE has no angle */
	memset(&l, 0, sizeof(l));
	l.alloc = alloc;
	l.num_qubits = 2;
	l.num_clbits = 1;
	l.num_params = 1;
	l.num_gates = 2;
	l.gates_ptr = (uintptr_t)g;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_CIRCUIT_LOAD, &l), -EINVAL);
	QT_ASSERT_EQ(l.error_index, 1);
	QT_ASSERT_NE(l.error, QPU_CERR_NONE);
	QT_ASSERT_EQ(l.handle, 0);
	g[1].param[0] = 0;
	g[1].qubits[0] = 2;	/* outside the width */
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_CIRCUIT_LOAD, &l), -EINVAL);
	QT_ASSERT_EQ(l.error, QPU_CERR_QUBIT);
	QT_ASSERT_EQ(l.error_index, 1);
	close(fd);
}

QPU_TEST(v0_buffers)
{
	struct qpu_buffer_create bc;
	struct qpu_buffer_destroy d;
	unsigned char *p;
	int fd = open_ok();

	memset(&bc, 0, sizeof(bc));
	bc.size = 100;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_BUFFER_CREATE, &bc), 0);
	QT_ASSERT_GT(bc.handle, 0);
	QT_ASSERT_EQ(bc.size, 4096);	/* rounded up to a page */
	p = mmap(NULL, bc.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)bc.mmap_offset);
	QT_ASSERT(p != MAP_FAILED);
	QT_ASSERT_EQ(p[0] | p[4095], 0);
	p[0] = 1;
	p[4095] = 2;
	QT_ASSERT_EQ(munmap(p, bc.size), 0);
	/* A second mapping sees the same memory. */
	p = mmap(NULL, bc.size, PROT_READ, MAP_SHARED, fd, (off_t)bc.mmap_offset);
	QT_ASSERT(p != MAP_FAILED);
	QT_ASSERT_EQ(p[0], 1);
	QT_ASSERT_EQ(p[4095], 2);
	QT_ASSERT_EQ(munmap(p, bc.size), 0);
	memset(&d, 0, sizeof(d));
	d.handle = bc.handle;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_BUFFER_DESTROY, &d), 0);
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_BUFFER_DESTROY, &d), -ENOENT);
	memset(&bc, 0, sizeof(bc));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_BUFFER_CREATE, &bc), -EINVAL);
	close(fd);
}

/* ---- execution: RUN, SUBMIT/WAIT, CANCEL, poll, io_uring ----------------- */

QPU_TEST(v0_run)
{
	struct qpu_job_desc j;
	struct qpu_run r;
	struct bell w;

	bell_up(&w);
	memset(&r, 0, sizeof(r));
	r.job = bell_job(&w, 0, 11);
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_RUN, &r), 0);
	QT_ASSERT_EQ(r.status, 0);
	QT_ASSERT_EQ(r.seed, 11);
	QT_ASSERT_GT(r.qpu_ns, 0);
	assert_bell(slice(&w, 0), 11);
	/* Same seed, same histogram. */
	memset(&r, 0, sizeof(r));
	r.job = bell_job(&w, 4096, 11);
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_RUN, &r), 0);
	assert_same(slice(&w, 0), slice(&w, 4096));
	/* -ENOSPC tells the v0 program how much one slice needs. */
	memset(&r, 0, sizeof(r));
	r.job = bell_job(&w, w.rsize - 8, 11);
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_RUN, &r), -ENOSPC);
	QT_ASSERT_GE(r.needed, QPU_RESULT_SLICE_SIZE(2, 1));
	/* Zero handles, as v0 documents. */
	j = bell_job(&w, 0, 11);
	j.circuit = 0;
	memset(&r, 0, sizeof(r));
	r.job = j;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_RUN, &r), -EINVAL);
	bell_down(&w);
}

QPU_TEST(v0_submit_wait_poll)
{
	struct pollfd pfd;
	struct qpu_submit s;
	struct qpu_wait wt;
	struct qpu_run r;
	struct bell w;

	bell_up(&w);
	memset(&r, 0, sizeof(r));
	r.job = bell_job(&w, 0, 21);
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_RUN, &r), 0);

	memset(&s, 0, sizeof(s));
	s.job = bell_job(&w, 4096, 21);
	s.user_data = 0xfeedULL << 32;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_SUBMIT, &s), 0);
	QT_ASSERT_GT(s.job_id, 0);
	pfd.fd = w.fd;
	pfd.events = POLLIN;
	QT_ASSERT_EQ(poll(&pfd, 1, 60000), 1);
	QT_ASSERT(pfd.revents & POLLIN);
	memset(&wt, 0, sizeof(wt));
	wt.job_id = s.job_id;
	wt.timeout_ns = -1;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_WAIT, &wt), 0);
	QT_ASSERT_EQ(wt.job_id, s.job_id);
	QT_ASSERT_EQ(wt.status, 0);
	QT_ASSERT_EQ(wt.state, QPU_JOB_DONE);
	QT_ASSERT_EQ(wt.user_data, 0xfeedULL << 32);
	QT_ASSERT_EQ(wt.seed, 21);
	QT_ASSERT(wt.submit_ns <= wt.start_ns && wt.start_ns <= wt.end_ns);
	assert_bell(slice(&w, 4096), 21);
	assert_same(slice(&w, 0), slice(&w, 4096));
	QT_ASSERT_EQ(poll(&pfd, 1, 0), 0);

	/* Reaped: gone. Nothing in flight: WAIT_ANY says so. */
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_WAIT, &wt), -ENOENT);
	memset(&wt, 0, sizeof(wt));
	wt.flags = QPU_WAIT_ANY;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_WAIT, &wt), -ENOENT);
	bell_down(&w);
}

#define NQ 24

QPU_TEST_TIMEOUT(v0_cancel, 300)
{
	struct qpu_submit s[NQ];
	struct qpu_cancel c;
	struct qpu_wait wt;
	struct bell w;
	int i, ret;

	bell_up(&w);
	/* Long jobs on one allocation run one by one, in order. */
	for (i = 0; i < NQ; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].job = bell_job(&w, 0, i);
		s[i].job.shots = QPU_MAX_SHOTS;
		s[i].job.flags = QPU_RUN_SEED;
		s[i].user_data = i;
		QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_SUBMIT, &s[i]), 0);
	}
	/* The last one is still queued: cancelled at once, never started. */
	memset(&c, 0, sizeof(c));
	c.job_id = s[NQ - 1].job_id;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_CANCEL, &c), 0);
	memset(&wt, 0, sizeof(wt));
	wt.job_id = c.job_id;
	wt.timeout_ns = -1;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_WAIT, &wt), 0);
	QT_ASSERT_EQ(wt.status, -ECANCELED);
	QT_ASSERT_EQ(wt.state, QPU_JOB_CANCELLED);
	QT_ASSERT_EQ(wt.start_ns, 0);
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_CANCEL, &c), -ENOENT);

	/* Once job 1 is done, job 0 is done too but unreaped: -EALREADY. */
	memset(&wt, 0, sizeof(wt));
	wt.job_id = s[1].job_id;
	wt.timeout_ns = -1;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_WAIT, &wt), 0);
	QT_ASSERT_EQ(wt.status, 0);
	memset(&c, 0, sizeof(c));
	c.job_id = s[0].job_id;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_CANCEL, &c), -EALREADY);
	memset(&wt, 0, sizeof(wt));
	wt.job_id = s[0].job_id;
	wt.timeout_ns = -1;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_WAIT, &wt), 0);
	QT_ASSERT_EQ(wt.status, 0);
	QT_ASSERT_EQ(wt.state, QPU_JOB_DONE);

	/* Cancel and reap the rest, so that the allocation can be freed. */
	for (i = 2; i < NQ - 1; i++) {
		memset(&c, 0, sizeof(c));
		c.job_id = s[i].job_id;
		ret = xioctl(w.fd, QPU_IOC_CANCEL, &c);
		QT_ASSERT(ret == 0 || ret == -EALREADY);
	}
	for (i = 2; i < NQ - 1; i++) {
		memset(&wt, 0, sizeof(wt));
		wt.job_id = s[i].job_id;
		wt.timeout_ns = -1;
		QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_WAIT, &wt), 0);
		QT_ASSERT(wt.status == 0 || wt.status == -ECANCELED);
		QT_ASSERT_EQ(wt.user_data, i);
	}
	memset(&wt, 0, sizeof(wt));
	wt.flags = QPU_WAIT_ANY;
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_WAIT, &wt), -ENOENT);
	bell_down(&w);
}

QPU_TEST(v0_uring_cmd)
{
	struct io_uring_params p;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct qpu_job_desc j;
	struct qpu_run r;
	struct bell w;

	bell_up(&w);
	memset(&r, 0, sizeof(r));
	r.job = bell_job(&w, 0, 31);
	QT_ASSERT_EQ(xioctl(w.fd, QPU_IOC_RUN, &r), 0);

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	QT_ASSERT_EQ(io_uring_queue_init_params(4, &ring, &p), 0);
	sqe = io_uring_get_sqe(&ring);
	QT_ASSERT(sqe);
	memset(sqe, 0, 128);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = w.fd;
	sqe->cmd_op = QPU_URING_CMD_RUN;
	sqe->user_data = 77;
	j = bell_job(&w, 4096, 31);
	QT_ASSERT_LE(sizeof(j), 128 - offsetof(struct io_uring_sqe, cmd));
	memcpy(sqe->cmd, &j, sizeof(j));
	QT_ASSERT_EQ(io_uring_submit(&ring), 1);
	QT_ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
	QT_ASSERT_EQ(cqe->user_data, 77);
	QT_ASSERT_EQ(cqe->res, 0);
	QT_ASSERT_GT(cqe->big_cqe[0], 0);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	assert_bell(slice(&w, 4096), 31);
	assert_same(slice(&w, 0), slice(&w, 4096));
	bell_down(&w);
}

/* ---- the size rules the v0 header promises ------------------------------- */

/*
 * An argument struct inside a bigger buffer, so that writes past the size
 * the call declares would show. Any later kernel's structs fit in 256
 * bytes (the dispatcher's limit), so GROWN is bigger than any of them.
 */
#define GROWN		2048
#define SENTINEL	0x5a

struct sized {
	unsigned char b[GROWN + 64];
};

static bool untouched_from(const struct sized *s, size_t from)
{
	size_t i;

	for (i = from; i < sizeof(s->b); i++)
		if (s->b[i] != SENTINEL)
			return false;
	return true;
}

QPU_TEST(v0_struct_size_rules)
{
	struct qpu_info info;
	struct sized s;
	int fd = open_ok();

	/* The v0 size: filled in, and nothing written past it. */
	memset(&s, SENTINEL, sizeof(s));
	memset(&s, 0, sizeof(info));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_INFO, &s), 0);
	memcpy(&info, &s, sizeof(info));
	QT_ASSERT_GE(info.api_version, 1);
	QT_ASSERT_GT(info.num_qubits, 0);
	QT_ASSERT(untouched_from(&s, sizeof(info)));

	/* A bigger struct with a zero tail works, and is written back at
	 * most up to its size. */
	memset(&s, SENTINEL, sizeof(s));
	memset(&s, 0, GROWN);
	QT_ASSERT_EQ(xioctl(fd, resized(QPU_IOC_GET_INFO, GROWN), &s), 0);
	memcpy(&info, &s, sizeof(info));
	QT_ASSERT_GT(info.num_qubits, 0);
	QT_ASSERT(untouched_from(&s, GROWN));

	/* A non-zero byte beyond anything the kernel knows: -E2BIG. */
	memset(&s, 0, GROWN);
	s.b[GROWN - 1] = 1;
	QT_ASSERT_EQ(xioctl(fd, resized(QPU_IOC_GET_INFO, GROWN), &s), -E2BIG);

	/* Smaller than v0: no such struct was ever published. */
	memset(&info, 0, sizeof(info));
	QT_ASSERT_EQ(xioctl(fd, resized(QPU_IOC_GET_INFO, sizeof(info) - 8),
			    &info), -EINVAL);
	/* Unknown ioctls. */
	QT_ASSERT_EQ(xioctl(fd, _IOWR(QPU_IOC_MAGIC, 0x7f, struct qpu_info),
			    &info), -ENOTTY);
	QT_ASSERT_EQ(xioctl(fd, _IOWR('x', 0x00, struct qpu_info), &info),
		     -ENOTTY);
	close(fd);
}

/* Every v0 ioctl, at its v0 size, writes nothing past that size. */
QPU_TEST(v0_no_write_past_v0_size)
{
	struct qpu_alloc al;
	struct qpu_topology t;
	struct qpu_buffer_create bc;
	struct qpu_buffer_destroy d;
	struct qpu_free f;
	struct sized s;
	int fd = open_ok();

	memset(&s, SENTINEL, sizeof(s));
	memset(&s, 0, sizeof(t));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_GET_TOPOLOGY, &s), 0);
	QT_ASSERT(untouched_from(&s, sizeof(t)));

	memset(&s, SENTINEL, sizeof(s));
	memset(&al, 0, sizeof(al));
	al.num_qubits = 1;
	memcpy(&s, &al, sizeof(al));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_ALLOC, &s), 0);
	QT_ASSERT(untouched_from(&s, sizeof(al)));
	memcpy(&al, &s, sizeof(al));
	QT_ASSERT_GT(al.handle, 0);
	memset(&f, 0, sizeof(f));
	f.handle = al.handle;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_FREE, &f), 0);

	memset(&s, SENTINEL, sizeof(s));
	memset(&bc, 0, sizeof(bc));
	bc.size = 1;
	memcpy(&s, &bc, sizeof(bc));
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_BUFFER_CREATE, &s), 0);
	QT_ASSERT(untouched_from(&s, sizeof(bc)));
	memcpy(&bc, &s, sizeof(bc));
	memset(&d, 0, sizeof(d));
	d.handle = bc.handle;
	QT_ASSERT_EQ(xioctl(fd, QPU_IOC_BUFFER_DESTROY, &d), 0);
	close(fd);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
