/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tenant_rig.h - shared pieces of the tenant tests (tenant_*_test.c):
 *
 *  - tenant_require(): skip unless the driver reports QPU_FEAT_TENANTS
 *    (then the "qpu" netlink family must be there too, or the test fails);
 *  - tcfg_*(): limits that set one thing, for the "qpu" family's client
 *    (tools/lib/qpu_nl.h, which the tests share with qpuctl and qpu-bench);
 *  - struct tfx: a scratch cgroup tree for one test, the netlink socket,
 *    and a cleanup that forgets every limit set through it, restores the
 *    device tunables it changed and removes the cgroups (run the body
 *    with tfx_run(), which is run_with_cleanup());
 *  - struct unit: a file with one allocation, a 1-qubit H + measure
 *    circuit on it and a result buffer: the smallest thing a job needs;
 *  - the refused-charge detail: ALLOC, RUN and SUBMIT with the struct
 *    qpu_refusal at their end, QPU_IOC_GET_REFUSAL, assert_refusal();
 *  - plug_up()/plug_down(): long jobs from the root cgroup that keep the
 *    device's executors busy, so that a tenant's job stays queued for as
 *    long as a test needs (they are cancelled at the end; nothing depends
 *    on how long they would take).
 *
 * Include after vm_util.h and cgroup_util.h.
 */
#ifndef QPU_TENANT_RIG_H
#define QPU_TENANT_RIG_H

#include "cgroup_util.h"
#include "qpu_nl.h"
#include "vm_util.h"

/* ---- requirements -------------------------------------------------------- */

static inline struct qpu_nl *nl_open_ok(void)
{
	struct qpu_nl *t = qpu_nl_open();

	if (!t)
		QT_FAIL("the \"%s\" generic netlink family: %s", QPU_GENL_NAME,
			strerror(errno));
	return t;
}

/*
 * The tenant tests need the tenant core (QPU_FEAT_TENANTS) and cgroup2.
 * A driver without the feature bit is a skip (the tests are older than
 * the core); one with it must have the netlink family.
 */
static inline void tenant_require(void)
{
	struct qpu_nl *t;

	cg_require();
	if (!tenant_core())
		qt_skip("the driver has no tenants (QPU_FEAT_TENANTS)");
	t = nl_open_ok();
	qpu_nl_close(t);
}

/* ---- limits: a struct qpu_nl_limits that sets only one ------------------ */

static inline struct qpu_nl_limits tcfg_qubits(uint64_t max)
{
	return (struct qpu_nl_limits){ .set = QPU_NL_QUBITS_MAX,
				       .qubits_max = max };
}

static inline struct qpu_nl_limits tcfg_jobs(uint64_t max)
{
	return (struct qpu_nl_limits){ .set = QPU_NL_JOBS_MAX, .jobs_max = max };
}

static inline struct qpu_nl_limits tcfg_shots(uint64_t limit, uint64_t period)
{
	return (struct qpu_nl_limits){ .set = QPU_NL_SHOTS,
				       .shots = { limit, period } };
}

static inline struct qpu_nl_limits tcfg_qpu_time(uint64_t limit,
						 uint64_t period)
{
	return (struct qpu_nl_limits){ .set = QPU_NL_QPU_TIME,
				       .qpu_time = { limit, period } };
}

static inline struct qpu_nl_limits tcfg_isolation(uint32_t iso)
{
	return (struct qpu_nl_limits){ .set = QPU_NL_ISOLATION,
				       .isolation = iso };
}

/* ---- a scratch tree per test ------------------------------------------- */

#define TFX_MAX_CG	64

/**
 * struct tfx - one test's cgroups and netlink socket
 * @root: the scratch cgroup, "qt-PID" below CG_ROOT (level 1)
 * @nl: netlink socket (of the process that made it; children open theirs)
 * @ids: cgroups limits were set on, with @devs: on which device
 * @n: entries of @ids
 * @workers: device 0's "workers" before the test, restored after (0: kept)
 * @ctx_qubits: device 0's max_ctx_qubits before the test (0: kept)
 * @max_tenants: device 0's max_tenants before the test (0: kept)
 * @dev: a device the test made (tfx_new_device()), removed by the cleanup
 *	if still there; 0: none
 *
 * The socket is shared by the body (a child) and the cleanup (the parent),
 * one after the other, never at once.
 */
struct tfx {
	char root[64];
	struct qpu_nl *nl;
	uint64_t ids[TFX_MAX_CG];
	uint32_t devs[TFX_MAX_CG];
	int n;
	uint32_t workers;
	uint32_t ctx_qubits;
	uint32_t max_tenants;
	uint32_t dev;
};

/*
 * A fixture in shared memory: the body runs in a child (tfx_run()) and
 * what it records (limits set, tunables changed) must reach the cleanup
 * in the parent. Skips the test without the tenant core.
 */
static inline struct tfx *tfx_new_cg(bool tenants)
{
	struct tfx *f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (f == MAP_FAILED)
		QT_FAIL("mmap: %s", strerror(errno));
	memset(f, 0, sizeof(*f));
	if (tenants)
		tenant_require();
	cg_scratch(f->root, sizeof(f->root));
	if (tenants)
		f->nl = nl_open_ok();
	return f;
}

static inline struct tfx *tfx_new(void)
{
	return tfx_new_cg(true);
}

/* "ROOT/@sub" into @buf: a cgroup name below the scratch root. */
static inline const char *tfx_cg(const struct tfx *f, char *buf, size_t len,
				 const char *sub)
{
	cg_fmt(buf, len, "%s/%s", f->root, sub);
	return buf;
}

/* Make ROOT/@sub; return its id. */
static inline uint64_t tfx_mkcg(struct tfx *f, const char *sub)
{
	char n[128];

	cg_mkdir_ok(tfx_cg(f, n, sizeof(n), sub));
	return cg_id_ok(n);
}

/* TENANT_SET on device @dev; remembered for the cleanup. Fails the test. */
static inline void tfx_set_dev(struct tfx *f, uint32_t dev, uint64_t cgid,
			       struct qpu_nl_limits c)
{
	int ret = qpu_nl_tenant_set(f->nl, dev, cgid, &c);

	if (ret)
		QT_FAIL("TENANT_SET of cgroup %llu on qpu%u: %s (%s)",
			(unsigned long long)cgid, dev, strerror(-ret),
			qpu_nl_errmsg(f->nl));
	if (f->n < TFX_MAX_CG) {
		f->devs[f->n] = dev;
		f->ids[f->n++] = cgid;
	}
}

static inline void tfx_set(struct tfx *f, uint64_t cgid, struct qpu_nl_limits c)
{
	tfx_set_dev(f, QPU0_ID, cgid, c);
}

static inline void tenant_get_ok(struct qpu_nl *t, uint32_t dev, uint64_t cgid,
				 struct qpu_nl_tenant *ti)
{
	int ret = qpu_nl_tenant_get(t, dev, cgid, ti);

	if (ret)
		QT_FAIL("TENANT_GET of cgroup %llu on qpu%u: %s (%s)",
			(unsigned long long)cgid, dev, strerror(-ret),
			qpu_nl_errmsg(t));
	QT_ASSERT_EQ(ti->dev_id, dev);
	if (cgid)
		QT_ASSERT_EQ(ti->cgroup_id, cgid);
}

/* TENANT_GET from the test's own socket. */
static inline struct qpu_nl_tenant tfx_get(struct tfx *f, uint64_t cgid)
{
	struct qpu_nl_tenant ti;

	tenant_get_ok(f->nl, QPU0_ID, cgid, &ti);
	return ti;
}

/* Whether device @dev's TENANT_GET dump lists cgroup @cgid. */
static inline bool tenant_listed(struct qpu_nl *t, uint32_t dev, uint64_t cgid)
{
	static struct qpu_nl_tenant list[QPU_MAX_TENANTS];
	int n = qpu_nl_tenant_dump(t, dev, list, QPU_MAX_TENANTS), i;

	if (n < 0)
		QT_FAIL("TENANT_GET dump of qpu%u: %s", dev, strerror(-n));
	for (i = 0; i < n && i < QPU_MAX_TENANTS; i++)
		if (list[i].cgroup_id == cgid)
			return true;
	return false;
}

/* new_device_ok(), removed again by the cleanup if the test does not. */
static inline void tfx_new_device(struct tfx *f, uint32_t dev, const char *spec)
{
	f->dev = dev;
	new_device_ok(dev, spec);
}

/* Remember device 0's tunables the test is about to change. */
static inline void tfx_save_tunables(struct tfx *f)
{
	f->workers = dev_attr_u32(QPU0_ID, "workers");
	f->ctx_qubits = dev_attr_u32(QPU0_ID, "max_ctx_qubits");
	f->max_tenants = dev_attr_u32(QPU0_ID, "max_tenants");
}

static inline void tfx_cleanup(void *arg)
{
	struct tfx *f = arg;
	char num[32];
	int i, ret;

	for (i = 0; f->nl && i < f->n; i++)
		qpu_nl_tenant_del(f->nl, f->devs[i], f->ids[i]);	/* may be gone */
	/* A test that failed while the device was paused must not stall the rest. */
	write_dev_attr(QPU0_ID, "paused", "0");
	if (f->workers) {
		snprintf(num, sizeof(num), "%u\n", f->workers);
		write_dev_attr(QPU0_ID, "workers", num);
	}
	if (f->ctx_qubits) {
		snprintf(num, sizeof(num), "%u\n", f->ctx_qubits);
		write_dev_attr(QPU0_ID, "max_ctx_qubits", num);
	}
	if (f->max_tenants) {
		snprintf(num, sizeof(num), "%u\n", f->max_tenants);
		write_dev_attr(QPU0_ID, "max_tenants", num);
	}
	if (f->dev) {
		char path[64];

		if (path_exists(dev_path(path, sizeof(path), f->dev)))
			del_device(f->dev);
	}
	ret = cg_cleanup(f->root);
	if (ret)
		printf("# cleanup of cgroup %s: %s\n", f->root, strerror(-ret));
	qpu_nl_close(f->nl);
}

/* Run @body(@f) in a child; clean up here afterwards, whatever happened. */
static inline void tfx_run(struct tfx *f, void (*body)(void *))
{
	run_with_cleanup(body, tfx_cleanup, f);
}

/* A test whose body is @fn(struct tfx *), with the fixture around it. */
#define TENANT_TEST_TIMEOUT(name, secs)					\
	static void tb_##name(struct tfx *f);				\
	static void tbv_##name(void *arg) { tb_##name(arg); }		\
	QPU_TEST_TIMEOUT(name, secs) { tfx_run(tfx_new(), tbv_##name); } \
	static void tb_##name(struct tfx *f)

#define TENANT_TEST(name) TENANT_TEST_TIMEOUT(name, QT_TIMEOUT)

/* The same for tests that need cgroups but not the tenant core (f->nl NULL). */
#define CGROUP_TEST(name)						\
	static void tb_##name(struct tfx *f);				\
	static void tbv_##name(void *arg) { tb_##name(arg); }		\
	QPU_TEST(name) { tfx_run(tfx_new_cg(false), tbv_##name); }	\
	static void tb_##name(struct tfx *f)

/* ---- refusals ---------------------------------------------------------- */

/* QPU_IOC_ALLOC with the refusal detail; @r and @handle may be NULL. */
static inline int alloc_ext(int fd, uint32_t k, uint32_t *phys,
			    struct qpu_refusal *r, uint32_t *handle)
{
	struct qpu_alloc a;
	int ret = alloc_raw(fd, k, phys, NULL, 0, &a);

	if (r)
		*r = a.refusal;
	if (handle)
		*handle = a.handle;
	return ret;
}

static inline uint32_t alloc_ext_ok(int fd, uint32_t k, uint32_t *phys)
{
	struct qpu_refusal r;
	uint32_t h = 0;
	int ret = alloc_ext(fd, k, phys, &r, &h);

	if (ret)
		QT_FAIL("ALLOC of %u qubits: %s (limit %u at level %u, %llu of %llu)",
			k, strerror(-ret), r.limit, r.level,
			(unsigned long long)r.usage, (unsigned long long)r.max);
	QT_ASSERT_GT(h, 0);
	return h;
}

static inline int get_refusal(int fd, struct qpu_refusal *r)
{
	struct qpu_get_refusal g;
	int ret;

	memset(&g, 0, sizeof(g));
	ret = qpu_ioc(fd, QPU_IOC_GET_REFUSAL, &g);
	*r = g.refusal;
	return ret;
}

static inline struct qpu_refusal get_refusal_ok(int fd)
{
	struct qpu_refusal r;
	int ret = get_refusal(fd, &r);

	if (ret)
		QT_FAIL("GET_REFUSAL: %s", strerror(-ret));
	return r;
}

/** struct want_refusal - what a refusal must say (usage/max/request: exact) */
struct want_refusal {
	uint32_t limit;
	uint32_t level;
	uint64_t cgroup_id;
	uint64_t usage;
	uint64_t max;
	uint64_t request;
	int error;
};

static inline void assert_refusal(const struct qpu_refusal *r,
				  const struct want_refusal *w, const char *what)
{
	if (r->limit != w->limit || r->level != w->level ||
	    r->cgroup_id != w->cgroup_id || r->usage != w->usage ||
	    r->max != w->max || r->request != w->request ||
	    r->error != (uint32_t)w->error)
		QT_FAIL("%s: refusal {limit %u level %u cgroup %llu usage %llu max %llu "
			"request %llu error %u}, want {%u %u %llu %llu %llu %llu %d}",
			what, r->limit, r->level, (unsigned long long)r->cgroup_id,
			(unsigned long long)r->usage, (unsigned long long)r->max,
			(unsigned long long)r->request, r->error, w->limit, w->level,
			(unsigned long long)w->cgroup_id,
			(unsigned long long)w->usage, (unsigned long long)w->max,
			(unsigned long long)w->request, w->error);
	QT_ASSERT_GT(r->seq, 0);
}

/* ---- a minimal job ---------------------------------------------------- */

/**
 * struct unit - a file with @k qubits, an H + measure circuit on virtual
 * qubit 0 and a one-page result buffer
 */
struct unit {
	int fd;
	uint32_t alloc;
	uint32_t circ;
	struct mbuf res;
};

static inline void unit_load(struct unit *u)
{
	struct qpu_gate g[2] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	struct circ_spec s = { .alloc = u->alloc, .num_qubits = 1,
			       .num_clbits = 1, .gates = g, .num_gates = 2 };

	u->circ = circ_load_ok(u->fd, &s, NULL);
	mbuf_new_ok(u->fd, 4096, &u->res);
}

/* A unit on device @dev; fails the test if anything is refused. */
static inline void unit_up_dev(struct unit *u, unsigned int dev, uint32_t k)
{
	memset(u, 0, sizeof(*u));
	u->fd = open_dev_id_ok(dev);
	u->alloc = alloc_ext_ok(u->fd, k, NULL);
	unit_load(u);
}

static inline void unit_up(struct unit *u, uint32_t k)
{
	unit_up_dev(u, QPU0_ID, k);
}

static inline void unit_down(struct unit *u)
{
	mbuf_free_ok(u->fd, &u->res);
	circ_free_ok(u->fd, u->circ);
	free_ok(u->fd, u->alloc);
	close_ok(u->fd);
}

static inline struct qpu_job_desc unit_job(const struct unit *u, uint32_t shots)
{
	return job_seeded(u->circ, shots, u->res.handle, 7);
}

/* RUN with the refusal detail; @out may be NULL. */
static inline int unit_run(const struct unit *u, uint32_t shots,
			   struct qpu_run *out)
{
	struct qpu_job_desc j = unit_job(u, shots);

	return run_raw(u->fd, &j, out);
}

static inline void unit_run_ok(const struct unit *u, uint32_t shots,
			       struct qpu_run *out)
{
	struct qpu_run r;
	int ret = unit_run(u, shots, &r);

	if (ret)
		QT_FAIL("RUN of %u shots: %s (limit %u at level %u, %llu of %llu)",
			shots, strerror(-ret), r.refusal.limit, r.refusal.level,
			(unsigned long long)r.refusal.usage,
			(unsigned long long)r.refusal.max);
	QT_ASSERT_EQ(r.status, 0);
	if (out)
		*out = r;
}

/* SUBMIT; the job id into *@id; @out (may be NULL) gets the struct back. */
static inline int unit_submit(const struct unit *u, uint32_t shots,
			      uint32_t *id, struct qpu_submit *out)
{
	struct qpu_submit s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.job = unit_job(u, shots);
	ret = qpu_ioc(u->fd, QPU_IOC_SUBMIT, &s);
	if (id)
		*id = s.job_id;
	if (out)
		*out = s;
	return ret;
}

static inline uint32_t unit_submit_ok(const struct unit *u, uint32_t shots)
{
	struct qpu_submit s;
	uint32_t id = 0;
	int ret = unit_submit(u, shots, &id, &s);

	if (ret)
		QT_FAIL("SUBMIT of %u shots: %s (limit %u at level %u)", shots,
			strerror(-ret), s.refusal.limit, s.refusal.level);
	QT_ASSERT_GT(id, 0);
	return id;
}

/* WAIT for job @id forever; the written-back struct. */
static inline struct qpu_wait wait_job_ok(int fd, uint32_t id)
{
	struct qpu_wait w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.job_id = id;
	w.timeout_ns = -1;
	ret = qpu_ioc(fd, QPU_IOC_WAIT, &w);
	if (ret)
		QT_FAIL("WAIT for job %u: %s", id, strerror(-ret));
	return w;
}

static inline int cancel_job(int fd, uint32_t id)
{
	struct qpu_cancel c;

	memset(&c, 0, sizeof(c));
	c.job_id = id;
	return qpu_ioc(fd, QPU_IOC_CANCEL, &c);
}

/* ---- keeping the executors busy ------------------------------------------ */

#define PLUG_JOBS	4
#define PLUG_QUBITS	14
#define PLUG_LAYERS	60

/**
 * struct plug - long jobs on device 0 from a file of the caller's cgroup
 * (call plug_up() before entering a tenant's cgroup): with workers set to
 * 1, a tenant's job queues behind them until plug_down() cancels them.
 * Each job is a 14-qubit circuit of 60 layers of H and a CX chain with the
 * most shots (over 1600 gates on 2^14 amplitudes): seconds under TCG, and
 * a cancelled one stops at the simulator's next checkpoint.
 */
struct plug {
	int fd;
	uint32_t alloc;
	uint32_t circ;
	struct mbuf res;
	uint32_t id[PLUG_JOBS];
};

static inline void plug_up(struct plug *p)
{
	static struct qpu_gate g[PLUG_LAYERS * (2 * PLUG_QUBITS - 1) + PLUG_QUBITS];
	struct qpu_edge e[4 * PLUG_QUBITS];
	struct circ_spec s = { .num_qubits = PLUG_QUBITS, .num_clbits = PLUG_QUBITS,
			       .gates = g };
	struct qpu_job_desc j;
	uint32_t ne, i, l, k = 0;

	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "workers", "1"), 0);
	p->fd = open_dev();
	p->alloc = alloc_edges_ok(p->fd, PLUG_QUBITS, e, ARRAY_LEN(e), &ne);
	for (l = 0; l < PLUG_LAYERS; l++) {
		for (i = 0; i < PLUG_QUBITS; i++)
			g[k++] = gate_1q(QPU_OP_H, i);
		/* CX along the region's own couplings */
		for (i = 0; i < ne && i < PLUG_QUBITS - 1; i++)
			g[k++] = gate_2q(QPU_OP_X, 1, e[i].a, e[i].b);
	}
	for (i = 0; i < PLUG_QUBITS; i++)
		g[k++] = gate_measure(i, i);
	s.alloc = p->alloc;
	s.num_gates = k;
	p->circ = circ_load_ok(p->fd, &s, NULL);
	mbuf_new_ok(p->fd, 1 << 20, &p->res);
	for (i = 0; i < PLUG_JOBS; i++) {
		struct qpu_submit sb;
		int ret;

		/* few distinct outcomes fit: 2^14 at most, 16 bytes each */
		j = job_seeded(p->circ, QPU_MAX_SHOTS, p->res.handle, i);
		memset(&sb, 0, sizeof(sb));
		sb.job = j;
		ret = qpu_ioc(p->fd, QPU_IOC_SUBMIT, &sb);
		if (ret)
			QT_FAIL("plug SUBMIT: %s (needed %u)", strerror(-ret), sb.needed);
		p->id[i] = sb.job_id;
	}
}

static inline void plug_down(struct plug *p)
{
	int i, ret;

	for (i = 0; i < PLUG_JOBS; i++) {
		ret = cancel_job(p->fd, p->id[i]);
		QT_ASSERT(ret == 0 || ret == -EALREADY);
	}
	for (i = 0; i < PLUG_JOBS; i++)
		wait_job_ok(p->fd, p->id[i]);
	mbuf_free_ok(p->fd, &p->res);
	circ_free_ok(p->fd, p->circ);
	free_ok(p->fd, p->alloc);
	close_ok(p->fd);
}

#endif /* QPU_TENANT_RIG_H */
