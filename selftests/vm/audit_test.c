// SPDX-License-Identifier: GPL-2.0
/*
 * audit_test.c - the audit stream (kmod/qpu_audit.c), provenance
 * (QPU_RUN_PROVENANCE, kmod/qpu_run.c) and calibration history
 * (CALIB_GET, kmod/qpu_calib.c, kmod/qpu_netlink.c); uapi/linux/qpu.h and
 * Documentation/qpu/audit.rst.
 *
 * A test subscribes to the "audit" group on a raw socket (nl_util.h),
 * causes one kind of record, then collects every record of qpu0 up to
 * the AUDIT_SEQ that DEV_GET reports after it: records are sent before
 * the call that makes them returns, so that set is complete and "exactly
 * once" needs no waiting. Every record must have consecutive sequence
 * numbers, the device's LOST count, a plausible time, and the fields its
 * kind carries, compared with what the test knows independently: its own
 * cgroup (/proc/self/cgroup), pid and uid, the hash CIRCUIT_LOAD returned,
 * ALLOC_QUERY's map, the seed it gave, DEV_GET's and CALIB_GET's
 * calibration, the SHA-256 (libcrypto EVP) of its parameter bytes.
 * A job's provenance in its result buffer must equal its record.
 * Calibration drift (the "drift" tunable) is recorded as writes are: a
 * LIMIT record per change of the tunable and a CALIB record per step.
 *
 * Permissions: joining "audit" or "events" needs CAP_SYS_ADMIN (the
 * genetlink group flag GENL_MCAST_CAP_SYS_ADMIN; CAP_AUDIT_READ is not
 * enough, nor asked for: the records name every tenant's circuits and
 * cgroups, which is administrator's knowledge, as TENANT_GET of another
 * cgroup is); uid 65534 still reads CALIB_GET; a subscriber in another
 * network namespace hears nothing.
 *
 * Devices used: qpu0 (its calibration, its tunables max_ctx_qubits and
 * drift, and its workers are restored after) and hotplug device 44. Cgroups:
 * qt-PID scratch groups under /sys/fs/cgroup (cgroup_util.h).
 */
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "vm_util.h"
#include "nl_util.h"
#include "cgroup_util.h"
#include "uring_util.h"
#include "qpu_nl.h"
#include "qpu_policy.h"
#include "bpf/policy_probe.h"

extern const char policy_probe_bpf[], policy_probe_bpf_end[];

#define MAX_RECS	256
#define HP_ID		44
#define HP_SPEC		"grid:10x10"
#define SHOTS		4096
#define NQ		3
#define SLICE_OFF	0
#define PROV_OFF	4096
#define HASH_HEX	(2 * QPU_HASH_LEN + 1)

/* ---- the stream ------------------------------------------------------------ */

/*
 * A test's view of qpu0's audit stream: a request socket, a subscriber,
 * and the records collected so far (the last collection's).
 */
struct aud {
	struct nlq *q;
	int sub;
	int grp_audit, grp_events;
	uint64_t next_seq;	/* the sequence number the next record must have */
	uint64_t lost;		/* DEV_GET's AUDIT_LOST when opened */
	uint64_t since;		/* CLOCK_REALTIME of the previous collection */
	unsigned int n;
	struct nlq_rec *recs;
};

static uint64_t now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct nlq *nlq_open_ok(void)
{
	struct nlq *q = nlq_open();

	if (!q)
		QT_FAIL("cannot open the qpu family: %s", strerror(errno));
	return q;
}

static void dev_get_ok(struct nlq *q, uint32_t id, struct nlq_dev *d)
{
	int ret = nlq_dev_get(q, id, d);

	if (ret)
		QT_FAIL("DEV_GET %u: %s (%s)", id, strerror(-ret), q->ext_msg);
	if (!(d->seen & (1u << QPU_A_DEV_AUDIT_SEQ)))
		QT_FAIL("DEV_GET %u has no AUDIT_SEQ", id);
}

static void aud_open(struct aud *a)
{
	uint16_t family;
	struct nlq_dev d;

	memset(a, 0, sizeof(*a));
	QT_ASSERT_EQ(nlq_resolve(&family, &a->grp_audit, &a->grp_events), 0);
	a->q = nlq_open_ok();
	a->sub = nlq_sub_open(a->grp_audit, 20000);
	if (a->sub < 0)
		QT_FAIL("joining \"audit\": %s", strerror(-a->sub));
	a->recs = calloc(MAX_RECS + 1, sizeof(*a->recs));	/* + scratch */
	QT_ASSERT(a->recs != NULL);
	dev_get_ok(a->q, QPU0_ID, &d);
	a->next_seq = d.audit_seq + 1;
	a->lost = d.audit_lost;
	a->since = now_real();
}

static void aud_close(struct aud *a)
{
	close(a->sub);
	nlq_close(a->q);
	free(a->recs);
}

/* Checks every record has: its device, its place in sequence, its time. */
static void assert_rec_common(const struct aud *a, const struct nlq_rec *r,
			      uint64_t until)
{
	uint64_t t = nlq_rec_u64(r, QPU_A_AUDIT_TIME);

	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_DEV_ID), QPU0_ID);
	QT_ASSERT(r->tb[QPU_A_AUDIT_SEQ] && r->tb[QPU_A_AUDIT_LOST]);
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_LOST), a->lost);
	if (t < a->since || t > until)
		QT_FAIL("record %" PRIu64 " (cmd %u): time %" PRIu64
			" outside [%" PRIu64 ", %" PRIu64 "]",
			nlq_rec_u64(r, QPU_A_AUDIT_SEQ), r->cmd, t, a->since,
			until);
}

/*
 * Collect every record of qpu0 made since the last collection, up to the
 * AUDIT_SEQ DEV_GET reports now. Records of other devices are skipped.
 */
static unsigned int aud_collect(struct aud *a)
{
	uint64_t until = now_real();
	struct nlq_dev d;
	int ret;

	dev_get_ok(a->q, QPU0_ID, &d);
	QT_ASSERT_EQ(d.audit_lost, a->lost);
	a->n = 0;
	while (a->next_seq <= d.audit_seq) {
		struct nlq_rec *r;

		QT_ASSERT(a->n < MAX_RECS);
		r = &a->recs[a->n];
		ret = nlq_rec_recv(a->sub, r);
		if (ret)
			QT_FAIL("waiting for record %" PRIu64 " of %" PRIu64
				": %s", a->next_seq, d.audit_seq,
				strerror(-ret));
		if (nlq_rec_u32(r, QPU_A_AUDIT_DEV_ID) != QPU0_ID)
			continue;
		QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_SEQ), a->next_seq);
		assert_rec_common(a, r, until);
		a->next_seq++;
		a->n++;
	}
	/* Nothing more of qpu0 is queued. */
	while (recv(a->sub, a->recs[MAX_RECS].buf, sizeof(a->recs[0].buf),
		    MSG_DONTWAIT | MSG_PEEK) > 0) {
		QT_ASSERT_EQ(nlq_rec_recv(a->sub, &a->recs[MAX_RECS]), 0);
		QT_ASSERT_NE(nlq_rec_u32(&a->recs[MAX_RECS], QPU_A_AUDIT_DEV_ID),
			     QPU0_ID);
	}
	a->since = until;
	return a->n;
}

static unsigned int aud_count(const struct aud *a, uint8_t cmd)
{
	unsigned int i, n = 0;

	for (i = 0; i < a->n; i++)
		n += a->recs[i].cmd == cmd;
	return n;
}

/* The @nth (from 0) record of @cmd collected; fails if there is none. */
static const struct nlq_rec *aud_nth(const struct aud *a, uint8_t cmd,
				     unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (a->recs[i].cmd == cmd && !nth--)
			return &a->recs[i];
	QT_FAIL("no record of command %u among %u", cmd, a->n);
}

/* The one record of @cmd: exactly one must have been collected. */
static const struct nlq_rec *aud_one(const struct aud *a, uint8_t cmd)
{
	QT_ASSERT_EQ(aud_count(a, cmd), 1);
	return aud_nth(a, cmd, 0);
}

/* ---- fields ---------------------------------------------------------------- */

static void hex(const uint8_t *h, char *out)
{
	int i;

	for (i = 0; i < QPU_HASH_LEN; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

static void assert_hash_eq(const uint8_t *got, const uint8_t *want,
			   const char *what)
{
	char g[HASH_HEX], w[HASH_HEX];

	if (!memcmp(got, want, QPU_HASH_LEN))
		return;
	hex(got, g);
	hex(want, w);
	QT_FAIL("%s: %s, want %s", what, g, w);
}

/* Attribute @type of @r is a hash; its bytes. */
static const uint8_t *rec_hash(const struct nlq_rec *r, int type)
{
	if (!r->tb[type] || nla_len(r->tb[type]) != QPU_HASH_LEN)
		QT_FAIL("record cmd %u: attribute %d is not a %d-byte hash",
			r->cmd, type, QPU_HASH_LEN);
	return nla_data(r->tb[type]);
}

static void sha256_ok(const void *p, size_t len, uint8_t *out)
{
	unsigned int n = 0;

	QT_ASSERT_EQ(EVP_Digest(p, len, out, &n, EVP_sha256(), NULL), 1);
	QT_ASSERT_EQ(n, QPU_HASH_LEN);
}

/* The tenant is the caller's own cgroup, by id and by path. */
static void assert_own_tenant(const struct nlq_rec *r)
{
	char name[256], want[260];
	struct nlattr *p = r->tb[QPU_A_AUDIT_CGROUP_PATH];

	cg_self(name, sizeof(name));
	snprintf(want, sizeof(want), "/%s", name);
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_CGROUP_ID), cg_self_id());
	QT_ASSERT(p != NULL);
	if (strncmp(nla_data(p), want, (size_t)nla_len(p)) ||
	    strlen(want) + 1 != (size_t)nla_len(p))
		QT_FAIL("cgroup path \"%.*s\", want \"%s\"", nla_len(p),
			(char *)nla_data(p), want);
}

static void assert_actor(const struct nlq_rec *r)
{
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_PID), getpid());
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_UID), getuid());
}

static void assert_phys(const struct nlq_rec *r, const uint32_t *phys,
			uint32_t n)
{
	struct nlattr *a = r->tb[QPU_A_AUDIT_PHYS];

	QT_ASSERT(a != NULL);
	QT_ASSERT_EQ(nla_len(a), n * sizeof(uint32_t));
	QT_ASSERT(!memcmp(nla_data(a), phys, n * sizeof(uint32_t)));
}

static void assert_str(const struct nlq_rec *r, int type, const char *want)
{
	if (!nlq_rec_str_is(r, type, want))
		QT_FAIL("attribute %d is not \"%s\"", type, want);
}

/* ---- a circuit and its buffers --------------------------------------------- */

/*
 * NQ qubits: H q0, H q1, RY(p0) q2, measure all: 8 outcomes, so two seeds
 * practically never give the same histogram of SHOTS shots.
 */
struct fix {
	int fd;
	uint32_t alloc, circ;
	uint32_t phys[NQ];
	uint8_t chash[QPU_HASH_LEN];
	struct mbuf p, r;
};

static const double fix_param = 0.7;

#define FIX_GATES	6

/* The fixture's circuit, its gates in @g, on allocation @alloc. */
static struct circ_spec fix_circuit(struct qpu_gate *g, uint32_t alloc)
{
	g[0] = gate_1q(QPU_OP_H, 0);
	g[1] = gate_1q(QPU_OP_H, 1);
	g[2] = gate_rot(QPU_OP_RY, 2, 0, 1.0, 0.0);
	g[3] = gate_measure(0, 0);
	g[4] = gate_measure(1, 1);
	g[5] = gate_measure(2, 2);
	return (struct circ_spec){ .alloc = alloc, .num_qubits = NQ,
				   .num_clbits = NQ, .num_params = 1,
				   .gates = g, .num_gates = FIX_GATES };
}

static void fix_up(struct fix *f)
{
	struct qpu_gate g[FIX_GATES];
	struct circ_spec s;

	memset(f, 0, sizeof(*f));
	f->fd = open_dev();
	f->alloc = alloc_ok(f->fd, NQ, f->phys);
	s = fix_circuit(g, f->alloc);
	f->circ = circ_load_ok(f->fd, &s, f->chash);
	mbuf_new_ok(f->fd, 4096, &f->p);
	mbuf_new_ok(f->fd, 8192, &f->r);
	memcpy(f->p.ptr, &fix_param, sizeof(fix_param));
}

static void fix_down(struct fix *f)
{
	mbuf_free_ok(f->fd, &f->r);
	mbuf_free_ok(f->fd, &f->p);
	close_ok(f->fd);
}

static struct qpu_job_desc fix_job(const struct fix *f, uint64_t seed)
{
	struct qpu_job_desc j = job_seeded(f->circ, SHOTS, f->r.handle, seed);

	j.flags |= QPU_RUN_PROVENANCE;
	j.param_buf = f->p.handle;
	j.result_offset = SLICE_OFF;
	j.provenance_offset = PROV_OFF;
	return j;
}

enum path { BY_SUBMIT, BY_URING, BY_RUN };

static const uint32_t path_origin[] = {
	[BY_SUBMIT] = QPU_BPF_ORIGIN_IOCTL,
	[BY_URING] = QPU_BPF_ORIGIN_URING,
	[BY_RUN] = QPU_BPF_ORIGIN_RUN,
};

/* SUBMIT and WAIT for @j: the job's status; its id into @id. */
static int submit_wait(int fd, const struct qpu_job_desc *j, uint32_t *id)
{
	struct qpu_submit s;
	struct qpu_wait w;
	int ret;

	memset(&s, 0, sizeof(s));
	s.job = *j;
	ret = qpu_ioc(fd, QPU_IOC_SUBMIT, &s);
	if (ret)
		return ret;
	memset(&w, 0, sizeof(w));
	w.job_id = s.job_id;
	w.timeout_ns = -1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_WAIT, &w), 0);
	*id = s.job_id;
	return w.status;
}

/* Run @j down @path; its status (a refused descriptor's errno). */
static int run_path(int fd, enum path path, const struct qpu_job_desc *j)
{
	uint32_t id;

	switch (path) {
	case BY_SUBMIT:
		return submit_wait(fd, j, &id);
	case BY_URING:
		return uring_run_once(fd, j, 0);
	case BY_RUN:
		return run_raw(fd, j, NULL);
	}
	return -EINVAL;
}

static const struct qpu_provenance *fix_prov(const struct fix *f)
{
	return (const void *)((const char *)f->r.ptr + PROV_OFF);
}

/* The provenance the job wrote says what its record says. */
static void assert_prov_matches(const struct qpu_provenance *p,
				const struct nlq_rec *r)
{
	QT_ASSERT_EQ(p->magic, QPU_PROVENANCE_MAGIC);
	QT_ASSERT_EQ(p->audit_seq, nlq_rec_u64(r, QPU_A_AUDIT_SEQ));
	QT_ASSERT_EQ(p->status, (int32_t)nlq_rec_u32(r, QPU_A_AUDIT_STATUS));
	QT_ASSERT_EQ(p->dev_id, QPU0_ID);
	QT_ASSERT_EQ(p->job_id, nlq_rec_u32(r, QPU_A_AUDIT_JOB_ID));
	assert_hash_eq(p->circuit_hash, rec_hash(r, QPU_A_AUDIT_CIRCUIT_HASH),
		       "provenance circuit hash");
	assert_hash_eq(p->param_hash, rec_hash(r, QPU_A_AUDIT_PARAM_HASH),
		       "provenance param hash");
	assert_hash_eq(p->result_hash, rec_hash(r, QPU_A_AUDIT_RESULT_HASH),
		       "provenance result hash");
	if (r->tb[QPU_A_AUDIT_CALIB_HASH])
		assert_hash_eq(p->calib_hash, rec_hash(r, QPU_A_AUDIT_CALIB_HASH),
			       "provenance calibration hash");
	else
		QT_ASSERT(mem_is_zero(p->calib_hash, sizeof(p->calib_hash)));
	QT_ASSERT_EQ(p->calib_epoch, nlq_rec_u64(r, QPU_A_AUDIT_CALIB_EPOCH));
	QT_ASSERT_EQ(p->seed, nlq_rec_u64(r, QPU_A_AUDIT_SEED));
	QT_ASSERT_EQ(p->shots, nlq_rec_u32(r, QPU_A_AUDIT_SHOTS));
	QT_ASSERT_EQ(p->sweeps, nlq_rec_u32(r, QPU_A_AUDIT_SWEEPS));
	QT_ASSERT_EQ(p->submit_time, nlq_rec_u64(r, QPU_A_AUDIT_SUBMIT_TIME));
	QT_ASSERT_EQ(p->start_time, nlq_rec_u64(r, QPU_A_AUDIT_START_TIME));
	QT_ASSERT_EQ(p->end_time, nlq_rec_u64(r, QPU_A_AUDIT_END_TIME));
	QT_ASSERT_EQ(p->qpu_ns, nlq_rec_u64(r, QPU_A_AUDIT_QPU_NS));
	QT_ASSERT_EQ(p->origin, nlq_rec_u32(r, QPU_A_AUDIT_ORIGIN));
	QT_ASSERT_EQ(p->num_phys, nlq_rec_u32(r, QPU_A_AUDIT_NUM_QUBITS));
	QT_ASSERT_EQ(p->noise, QPU_NOISE_MODE_IDEAL);
}

/*
 * The calibration a job record names: DEV_GET's and CALIB_GET's current
 * one if the job started (the tests write none meanwhile), none if not.
 */
static void assert_job_calib(const struct aud *a, const struct nlq_rec *r,
			     bool started)
{
	struct nlq_calib c;
	struct nlq_dev d;

	if (!started) {
		QT_ASSERT(!r->tb[QPU_A_AUDIT_CALIB_EPOCH]);
		QT_ASSERT(!r->tb[QPU_A_AUDIT_CALIB_HASH]);
		return;
	}
	dev_get_ok(a->q, QPU0_ID, &d);
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_CALIB_EPOCH), d.calib_epoch);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_CALIB_HASH), d.calib_hash,
		       "calibration hash (DEV_GET)");
	QT_ASSERT_EQ(nlq_calib_get(a->q, QPU0_ID, 0, false, &c), 0);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_CALIB_HASH), c.hash,
		       "calibration hash (CALIB_GET)");
}

/*
 * The JOB record of @j, completed with @status in @state on @path, by the
 * caller, and its provenance.
 */
static void assert_job_record(const struct aud *a, const struct nlq_rec *r,
			      const struct fix *f, const struct qpu_job_desc *j,
			      enum path path, int status, uint32_t state)
{
	uint8_t ph[QPU_HASH_LEN];
	uint64_t sub = nlq_rec_u64(r, QPU_A_AUDIT_SUBMIT_TIME);
	uint64_t start = nlq_rec_u64(r, QPU_A_AUDIT_START_TIME);
	uint64_t end = nlq_rec_u64(r, QPU_A_AUDIT_END_TIME);

	assert_own_tenant(r);
	assert_actor(r);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_ORIGIN), path_origin[path]);
	if (path == BY_RUN)
		QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_JOB_ID), 0);
	else
		QT_ASSERT_GT(nlq_rec_u32(r, QPU_A_AUDIT_JOB_ID), 0);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_CIRCUIT), f->circ);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_CIRCUIT_HASH), f->chash,
		       "circuit hash");
	/*
	 * The one vector the job read: one binary64, as the buffer held it.
	 * A job that never started read none and wrote no slice: both
	 * hashes are of no bytes.
	 */
	sha256_ok(f->p.ptr, start ? sizeof(double) : 0, ph);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_PARAM_HASH), ph, "param hash");
	if (!start)
		assert_hash_eq(rec_hash(r, QPU_A_AUDIT_RESULT_HASH), ph,
			       "result hash of a job that never ran");
	else
		rec_hash(r, QPU_A_AUDIT_RESULT_HASH);
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_SEED), j->seed);
	assert_job_calib(a, r, start != 0);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_SHOTS), j->shots);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_SWEEPS), 1);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_QUBITS), NQ);
	assert_phys(r, f->phys, NQ);
	QT_ASSERT(r->tb[QPU_A_AUDIT_QPU_NS] != NULL);
	QT_ASSERT_EQ((int32_t)nlq_rec_u32(r, QPU_A_AUDIT_STATUS), status);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_STATE), state);
	/* Submitted after the last collection (a minute's slack for the
	 * kernel's monotonic-to-realtime conversion: plausibility only). */
	QT_ASSERT_GE(sub, a->since - 60 * 1000000000ULL);
	QT_ASSERT_LE(end, nlq_rec_u64(r, QPU_A_AUDIT_TIME));
	if (state == QPU_JOB_CANCELLED && !start) {
		QT_ASSERT_LE(sub, end);
	} else {
		QT_ASSERT_LE(sub, start);
		QT_ASSERT_LE(start, end);
	}
	if (j->flags & QPU_RUN_PROVENANCE)
		assert_prov_matches(fix_prov(f), r);
}

/* ---- records of qubits and circuits ----------------------------------------- */

/*
 * The one ALLOC or FREE record (@cmd) collected: allocation @h of @k
 * qubits on @phys, by the caller, charged to its cgroup.
 */
static const struct nlq_rec *assert_qubits_record(const struct aud *a,
						  uint8_t cmd, uint32_t h,
						  const uint32_t *phys,
						  uint32_t k)
{
	const struct nlq_rec *r = aud_one(a, cmd);

	assert_own_tenant(r);
	assert_actor(r);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_ALLOC), h);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_QUBITS), k);
	assert_phys(r, phys, k);
	return r;
}

/* ALLOC, LOAD, FREE by ioctl and FREE on close: once each, every field. */
QPU_TEST(alloc_load_free_records)
{
	struct qpu_gate g[] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	struct circ_spec s = { .num_qubits = 1, .num_clbits = 1,
			       .gates = g, .num_gates = 2 };
	uint32_t phys[4], qphys[4], h, h2, circ;
	uint8_t hash[QPU_HASH_LEN];
	const struct nlq_rec *r;
	struct qpu_alloc qa;
	struct aud a;
	int fd;

	aud_open(&a);
	fd = open_dev();
	h = alloc_ok(fd, 4, phys);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = assert_qubits_record(&a, QPU_CMD_AUDIT_ALLOC, h, phys, 4);
	QT_ASSERT(!r->tb[QPU_A_AUDIT_REASON]);

	s.alloc = h;
	circ = circ_load_ok(fd, &s, hash);
	QT_ASSERT_EQ(query_raw(fd, h, qphys, NULL, 0, &qa), 0);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = aud_one(&a, QPU_CMD_AUDIT_LOAD);
	assert_own_tenant(r);
	assert_actor(r);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_CIRCUIT), circ);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_ALLOC), h);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_CIRCUIT_HASH), hash,
		       "LOAD circuit hash");
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_QUBITS), 1);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_CLBITS), 1);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_PARAMS), 0);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_GATES), 2);
	assert_phys(r, qphys, 1);
	/* loaded as submitted: no source */
	QT_ASSERT(!r->tb[QPU_A_AUDIT_SOURCE_HASH] && !r->tb[QPU_A_AUDIT_ROUTE_SEED] &&
		  !r->tb[QPU_A_AUDIT_ROUTE_SWAPS]);

	/* Unloading makes no record; freeing does. */
	circ_free_ok(fd, circ);
	free_ok(fd, h);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = assert_qubits_record(&a, QPU_CMD_AUDIT_FREE, h, phys, 4);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_REASON), QPU_AUDIT_FREE_IOCTL);

	/* Closing frees what the file still holds. */
	h2 = alloc_ok(fd, 2, phys);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	assert_qubits_record(&a, QPU_CMD_AUDIT_ALLOC, h2, phys, 2);
	close_ok(fd);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = assert_qubits_record(&a, QPU_CMD_AUDIT_FREE, h2, phys, 2);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_REASON), QPU_AUDIT_FREE_CLOSE);
	aud_close(&a);
}

/* ---- job records and provenance --------------------------------------------- */

/*
 * A job by SUBMIT, io_uring and RUN: one JOB record each, every field,
 * and provenance equal to it. Same seed: same result hash on every path;
 * another seed: another one.
 */
QPU_TEST(job_records_and_provenance)
{
	uint8_t rh[3][QPU_HASH_LEN], other[QPU_HASH_LEN];
	struct qpu_job_desc j;
	const struct nlq_rec *r;
	struct aud a;
	struct fix f;
	int p;

	fix_up(&f);
	aud_open(&a);
	for (p = BY_SUBMIT; p <= BY_RUN; p++) {
		j = fix_job(&f, 1234);
		memset(f.r.ptr, 0, f.r.size);
		QT_ASSERT_EQ(run_path(f.fd, p, &j), 0);
		QT_ASSERT_EQ(aud_collect(&a), 1);
		r = aud_one(&a, QPU_CMD_AUDIT_JOB);
		assert_job_record(&a, r, &f, &j, p, 0, QPU_JOB_DONE);
		memcpy(rh[p], rec_hash(r, QPU_A_AUDIT_RESULT_HASH), QPU_HASH_LEN);
		if (p)
			assert_hash_eq(rh[p], rh[0], "result hash, same seed");
	}
	j = fix_job(&f, 4321);
	QT_ASSERT_EQ(run_path(f.fd, BY_RUN, &j), 0);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	memcpy(other, rec_hash(aud_one(&a, QPU_CMD_AUDIT_JOB),
			       QPU_A_AUDIT_RESULT_HASH), QPU_HASH_LEN);
	QT_ASSERT(memcmp(other, rh[0], QPU_HASH_LEN) != 0);
	/* Without the flag: a record, and nothing written at the offset. */
	j = fix_job(&f, 1234);
	j.flags &= ~QPU_RUN_PROVENANCE;
	j.provenance_offset = 0;
	memset(f.r.ptr, 0, f.r.size);
	QT_ASSERT_EQ(run_path(f.fd, BY_SUBMIT, &j), 0);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	assert_job_record(&a, aud_one(&a, QPU_CMD_AUDIT_JOB), &f, &j,
			  BY_SUBMIT, 0, QPU_JOB_DONE);
	QT_ASSERT(mem_is_zero(fix_prov(&f), sizeof(struct qpu_provenance)));
	fix_down(&f);
	aud_close(&a);
}

/* The source fields of a routed circuit's LOAD or JOB record. */
static void assert_source(const struct nlq_rec *r, const uint8_t *hash,
			  uint64_t seed, uint32_t swaps)
{
	QT_ASSERT(r->tb[QPU_A_AUDIT_SOURCE_HASH] != NULL);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_SOURCE_HASH), hash, "source hash");
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_ROUTE_SEED), seed);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_ROUTE_SWAPS), swaps);
}

/*
 * QPU_LOAD_SOURCE: the LOAD record and every JOB record of the circuit
 * carry the source hash, routing seed and SWAPs as given, next to the
 * hash of what was loaded (which the source does not change); a circuit
 * loaded without the flag has none.
 */
QPU_TEST(routed_circuit_records_its_source)
{
	const uint64_t seed = 0x8000000000000001ULL;
	struct qpu_gate g[FIX_GATES];
	struct circ_spec s;
	struct qpu_circuit_load l;
	uint8_t src[QPU_HASH_LEN];
	const struct nlq_rec *r;
	struct qpu_job_desc j;
	struct aud a;
	struct fix f;
	int i;

	for (i = 0; i < QPU_HASH_LEN; i++)
		src[i] = (uint8_t)(0xa5 ^ i);
	fix_up(&f);
	aud_open(&a);
	s = fix_circuit(g, f.alloc);
	circ_load_fill(&l, &s);
	l.flags = QPU_LOAD_SOURCE;
	memcpy(l.source_hash, src, sizeof(src));
	l.route_seed = seed;
	l.route_swaps = 17;
	QT_ASSERT_EQ(qpu_ioc(f.fd, QPU_IOC_CIRCUIT_LOAD, &l), 0);
	assert_hash_eq(l.hash, f.chash, "a routed circuit's own hash");
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = aud_one(&a, QPU_CMD_AUDIT_LOAD);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_CIRCUIT_HASH), f.chash, "LOAD hash");
	assert_source(r, src, seed, 17);

	j = fix_job(&f, 99);
	j.circuit = l.handle;
	QT_ASSERT_EQ(run_path(f.fd, BY_SUBMIT, &j), 0);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = aud_one(&a, QPU_CMD_AUDIT_JOB);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_CIRCUIT_HASH), f.chash, "JOB hash");
	assert_source(r, src, seed, 17);
	assert_prov_matches(fix_prov(&f), r);

	/* The fixture's own circuit was loaded without a source. */
	j = fix_job(&f, 99);
	QT_ASSERT_EQ(run_path(f.fd, BY_RUN, &j), 0);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = aud_one(&a, QPU_CMD_AUDIT_JOB);
	QT_ASSERT(!r->tb[QPU_A_AUDIT_SOURCE_HASH] && !r->tb[QPU_A_AUDIT_ROUTE_SEED]);
	circ_free_ok(f.fd, l.handle);
	fix_down(&f);
	aud_close(&a);
}

/*
 * The result hash is SHA-256 over each slice's status, num_counts,
 * num_expect, counts and expectation values, little-endian, as the driver
 * wrote them: recompute it from the result slice.
 */
QPU_TEST(result_hash_is_sha256_of_the_slice)
{
	const struct qpu_result *res;
	struct qpu_job_desc j;
	struct aud a;
	struct fix f;
	uint8_t want[QPU_HASH_LEN], *buf;
	size_t n;

	fix_up(&f);
	aud_open(&a);
	j = fix_job(&f, 99);
	memset(f.r.ptr, 0, f.r.size);
	QT_ASSERT_EQ(run_path(f.fd, BY_RUN, &j), 0);
	res = slice_at(f.r.ptr, SLICE_OFF);
	QT_ASSERT_EQ(res->magic, QPU_RESULT_MAGIC);
	n = 12 + 16 * res->num_counts + 8 * res->num_expect;
	buf = malloc(n);
	QT_ASSERT(buf != NULL);
	memcpy(buf, &res->status, 4);
	memcpy(buf + 4, &res->num_counts, 4);
	memcpy(buf + 8, &res->num_expect, 4);
	memcpy(buf + 12, slice_counts(res), n - 12);
	sha256_ok(buf, n, want);
	free(buf);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	assert_hash_eq(rec_hash(aud_one(&a, QPU_CMD_AUDIT_JOB),
				QPU_A_AUDIT_RESULT_HASH), want, "result hash");
	assert_hash_eq(fix_prov(&f)->result_hash, want, "provenance result hash");
	fix_down(&f);
	aud_close(&a);
}

static void restore_workers(void *arg)
{
	(void)arg;
	write_dev_attr(QPU0_ID, "workers", "2");
}

/*
 * A queued job cancelled: CANCELLED, -ECANCELED, never started; its
 * provenance says so. One worker busy with a long job keeps it queued.
 */
static void cancelled_body(void *arg)
{
	struct qpu_submit s[2];
	struct qpu_cancel c;
	struct qpu_wait w;
	const struct nlq_rec *r;
	struct aud a;
	struct fix f;
	int i;

	(void)arg;
	fix_up(&f);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "workers", "1"), 0);
	aud_open(&a);
	for (i = 0; i < 2; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].job = fix_job(&f, 7 + i);
		/* The first runs long; the second, with provenance, waits. */
		if (!i) {
			s[i].job.shots = QPU_MAX_SHOTS;
			s[i].job.flags &= ~QPU_RUN_PROVENANCE;
			s[i].job.provenance_offset = 0;
		}
		QT_ASSERT_EQ(qpu_ioc(f.fd, QPU_IOC_SUBMIT, &s[i]), 0);
	}
	memset(&c, 0, sizeof(c));
	c.job_id = s[1].job_id;
	QT_ASSERT_EQ(qpu_ioc(f.fd, QPU_IOC_CANCEL, &c), 0);
	c.job_id = s[0].job_id;
	qpu_ioc(f.fd, QPU_IOC_CANCEL, &c);	/* -EALREADY if it is done */
	for (i = 0; i < 2; i++) {
		memset(&w, 0, sizeof(w));
		w.job_id = s[i].job_id;
		w.timeout_ns = -1;
		QT_ASSERT_EQ(qpu_ioc(f.fd, QPU_IOC_WAIT, &w), 0);
	}
	QT_ASSERT_EQ(w.status, -ECANCELED);
	QT_ASSERT_EQ(aud_collect(&a), 2);
	QT_ASSERT_EQ(aud_count(&a, QPU_CMD_AUDIT_JOB), 2);
	r = aud_nth(&a, QPU_CMD_AUDIT_JOB, 0);
	if (nlq_rec_u32(r, QPU_A_AUDIT_JOB_ID) != s[1].job_id)
		r = aud_nth(&a, QPU_CMD_AUDIT_JOB, 1);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_JOB_ID), s[1].job_id);
	assert_job_record(&a, r, &f, &s[1].job, BY_SUBMIT, -ECANCELED,
			  QPU_JOB_CANCELLED);
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_START_TIME), 0);
	QT_ASSERT_EQ(fix_prov(&f)->status, -ECANCELED);
	fix_down(&f);
	aud_close(&a);
}

QPU_TEST(cancelled_job_record)
{
	run_with_cleanup(cancelled_body, restore_workers, NULL);
}

/*
 * A job that fails as it runs: a NaN parameter is -EDOM when the gate's
 * angle is computed. FAILED with that status, on every path.
 */
QPU_TEST(failed_job_record)
{
	struct qpu_job_desc j;
	struct aud a;
	struct fix f;
	double nan = NAN;
	int p;

	fix_up(&f);
	memcpy(f.p.ptr, &nan, sizeof(nan));
	aud_open(&a);
	for (p = BY_SUBMIT; p <= BY_RUN; p++) {
		j = fix_job(&f, 5);
		QT_ASSERT_EQ(run_path(f.fd, p, &j), -EDOM);
		QT_ASSERT_EQ(aud_collect(&a), 1);
		assert_job_record(&a, aud_one(&a, QPU_CMD_AUDIT_JOB), &f, &j, p,
				  -EDOM, QPU_JOB_FAILED);
		QT_ASSERT_EQ(fix_prov(&f)->status, -EDOM);
	}
	fix_down(&f);
	aud_close(&a);
}

/* ---- provenance offsets --------------------------------------------------- */

struct bad_prov {
	const char *what;
	uint32_t flags_off;	/* flags to clear */
	uint64_t off;
	bool same_buf;		/* parameters in the result buffer */
};

static const struct bad_prov bad_provs[] = {
	{ "misaligned", 0, PROV_OFF + 4, false },
	{ "overlapping the slice", 0, SLICE_OFF + 64, false },
	{ "overlapping the parameters", 0, 4096 + 8 - 16, true },
	{ "beyond the buffer", 0, 8192 - 8, false },
	{ "far beyond the buffer", 0, ~0ULL - 7, false },
	{ "an offset without the flag", QPU_RUN_PROVENANCE, PROV_OFF, false },
};

/* Every path refuses a bad provenance offset with -EINVAL, and no record. */
QPU_TEST(provenance_bad_offsets_einval)
{
	struct qpu_job_desc j;
	struct aud a;
	struct fix f;
	size_t i;
	int p;

	fix_up(&f);
	aud_open(&a);
	for (i = 0; i < ARRAY_LEN(bad_provs); i++) {
		const struct bad_prov *b = &bad_provs[i];

		for (p = BY_SUBMIT; p <= BY_RUN; p++) {
			j = fix_job(&f, 1);
			j.flags &= ~b->flags_off;
			j.provenance_offset = b->off;
			if (b->same_buf) {
				/* parameter vector at 4096 of the result buffer */
				j.param_buf = f.r.handle;
				j.param_offset = 4096;
			}
			printf("# %s, path %d\n", b->what, p);
			QT_ASSERT_EQ(run_path(f.fd, p, &j), -EINVAL);
		}
	}
	/* The limit itself is fine: the last 272 bytes of the buffer. */
	j = fix_job(&f, 1);
	j.provenance_offset = f.r.size - sizeof(struct qpu_provenance);
	QT_ASSERT_EQ(run_path(f.fd, BY_RUN, &j), 0);
	QT_ASSERT_EQ(((struct qpu_provenance *)((char *)f.r.ptr +
		      j.provenance_offset))->magic, QPU_PROVENANCE_MAGIC);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	QT_ASSERT_EQ(aud_count(&a, QPU_CMD_AUDIT_JOB), 1);
	fix_down(&f);
	aud_close(&a);
}

/* ---- sequence numbers with nobody listening --------------------------------- */

/* Records made while nobody listens use sequence numbers: UNHEARD, not LOST. */
QPU_TEST(unheard_records_advance_seq_not_lost)
{
	struct nlq_dev before, after;
	struct nlq *q = nlq_open_ok();
	int fd = open_dev();
	uint32_t h;

	dev_get_ok(q, QPU0_ID, &before);
	h = alloc_ok(fd, 1, NULL);
	free_ok(fd, h);
	dev_get_ok(q, QPU0_ID, &after);
	QT_ASSERT_EQ(after.audit_seq, before.audit_seq + 2);
	QT_ASSERT_EQ(after.audit_unheard, before.audit_unheard + 2);
	QT_ASSERT_EQ(after.audit_lost, before.audit_lost);
	QT_ASSERT_EQ(after.audit_overrun, before.audit_overrun);
	QT_ASSERT(after.seen & (1u << QPU_A_DEV_AUDIT_OVERRUN));
	QT_ASSERT(after.seen & (1u << QPU_A_DEV_AUDIT_UNHEARD));
	QT_ASSERT(after.seen & (1u << QPU_A_DEV_AUDIT_LOST));
	close_ok(fd);
	nlq_close(q);
}

/*
 * A listener that sets NETLINK_BROADCAST_ERROR and never reads overruns:
 * DEV_GET's AUDIT_OVERRUN counts it, LOST does not; the listener reads
 * ENOBUFS, then records after a gap in their sequence numbers. Another
 * listener, reading, misses nothing.
 */
QPU_TEST(overrun_counted_and_seen_as_gap)
{
	struct nlq_rec *r = malloc(sizeof(*r));
	struct nlq_dev before, after;
	uint64_t first = 0, prev = 0, gaps = 0;
	int one = 1, tiny = 1, fd, slow, i, ret, enobufs = 0;
	struct aud a;
	uint32_t h;

	QT_ASSERT(r != NULL);
	aud_open(&a);
	slow = nlq_sub_open(a.grp_audit, 1000);
	QT_ASSERT(slow >= 0);
	QT_ASSERT_OK(setsockopt(slow, SOL_NETLINK, NETLINK_BROADCAST_ERROR,
				&one, sizeof(one)));
	QT_ASSERT_OK(setsockopt(slow, SOL_SOCKET, SO_RCVBUFFORCE, &tiny,
				sizeof(tiny)));
	dev_get_ok(a.q, QPU0_ID, &before);
	fd = open_dev();
	for (i = 0; i < 32; i++) {
		h = alloc_ok(fd, 1, NULL);
		free_ok(fd, h);
	}
	close_ok(fd);
	dev_get_ok(a.q, QPU0_ID, &after);
	QT_ASSERT_EQ(after.audit_seq, before.audit_seq + 64);
	QT_ASSERT_GT(after.audit_overrun, before.audit_overrun);
	QT_ASSERT_EQ(after.audit_lost, before.audit_lost);
	/* The reading listener has all 64. */
	QT_ASSERT_EQ(aud_collect(&a), 64);
	/* The slow one: ENOBUFS once, then what its queue held, with a gap. */
	for (;;) {
		ret = nlq_rec_recv(slow, r);
		if (ret == -ENOBUFS) {
			enobufs++;
			continue;
		}
		if (ret)
			break;
		if (nlq_rec_u32(r, QPU_A_AUDIT_DEV_ID) != QPU0_ID)
			continue;
		if (!first)
			first = nlq_rec_u64(r, QPU_A_AUDIT_SEQ);
		else if (nlq_rec_u64(r, QPU_A_AUDIT_SEQ) != prev + 1)
			gaps++;
		prev = nlq_rec_u64(r, QPU_A_AUDIT_SEQ);
	}
	printf("# overrun %" PRIu64 ", slow listener: first %" PRIu64
	       " last %" PRIu64 " gaps %" PRIu64 " enobufs %d\n",
	       after.audit_overrun - before.audit_overrun, first, prev, gaps,
	       enobufs);
	QT_ASSERT_EQ(ret, -EAGAIN);
	QT_ASSERT_GE(enobufs, 1);
	QT_ASSERT(first > before.audit_seq + 1 || gaps > 0 ||
		  prev < after.audit_seq);
	close(slow);
	free(r);
	aud_close(&a);
}

/* ---- calibration ------------------------------------------------------------- */

/* The first record of @text ("q    0 ..."), with its readout set to @v. */
static void calib_line(const char *text, uint32_t v, char *out, size_t len)
{
	unsigned int q, r, g, t1, t2, r10;

	QT_ASSERT_EQ(sscanf(text, "q %u %u %u %u %u %u", &q, &r, &g, &t1, &t2, &r10), 6);
	snprintf(out, len, "q %u %u %u %u %u %u\n", q, v, g, t1, t2, r10);
}

struct calib_saved {
	unsigned int id;
	char line[128];
};

static void calib_restore(void *arg)
{
	struct calib_saved *s = arg;
	char path[128];

	write_sysfs(attr_path(path, sizeof(path), s->id, "calibration"),
		    s->line);
}

static char *calib_read(unsigned int id, size_t *len)
{
	char path[128];

	return read_all_ok(attr_path(path, sizeof(path), id, "calibration"),
			   len);
}

static void calib_write_ok(unsigned int id, const char *line)
{
	char path[128];
	int ret = write_sysfs(attr_path(path, sizeof(path), id, "calibration"),
			      line);

	if (ret)
		QT_FAIL("writing \"%s\": %s", line, strerror(-ret));
}

/* A dump of @epoch (0: current) on @id gives @text, hashed @hash. */
static void assert_calib_dump(struct nlq *q, unsigned int id, uint64_t epoch,
			      const char *text, size_t len, uint32_t *msgs)
{
	uint8_t h[QPU_HASH_LEN];
	struct nlq_calib c, d;

	QT_ASSERT_EQ(nlq_calib_get(q, id, epoch, false, &c), 0);
	QT_ASSERT_EQ(nlq_calib_get(q, id, epoch, true, &d), 0);
	QT_ASSERT_EQ(c.size, len);
	QT_ASSERT_EQ(d.len, len);
	QT_ASSERT(!memcmp(d.data, text, len));
	sha256_ok(text, len, h);
	assert_hash_eq(c.hash, h, "CALIB_GET hash");
	assert_hash_eq(d.hash, h, "CALIB_GET dump hash");
	QT_ASSERT_EQ(d.epoch, c.epoch);
	if (epoch)
		QT_ASSERT_EQ(c.epoch, epoch);
	if (msgs)
		*msgs = d.msgs;
	free(d.data);
}

/*
 * A write: one CALIB record (writer, new epoch, hash = SHA-256 of what
 * sysfs reads now = CALIB_GET's); the previous epoch stays readable as it
 * was; after QPU_CALIB_HISTORY more writes it is gone, -ENOENT naming the
 * oldest kept; future epochs are -ENOENT too.
 */
static void calib_body(void *arg)
{
	struct calib_saved *saved = arg;
	char line[128], *old, *cur;
	size_t olen, clen;
	uint8_t h[QPU_HASH_LEN];
	struct nlq_calib c;
	const struct nlq_rec *r;
	uint64_t e0;
	struct aud a;
	int i, ret;

	aud_open(&a);
	old = calib_read(QPU0_ID, &olen);
	QT_ASSERT_EQ(nlq_calib_get(a.q, QPU0_ID, 0, false, &c), 0);
	e0 = c.epoch;
	QT_ASSERT_EQ(e0, dev_attr_u64(QPU0_ID, "calibration_epoch"));
	QT_ASSERT_EQ(c.dev_id, QPU0_ID);
	QT_ASSERT_GE(e0, c.oldest);
	QT_ASSERT_LE(c.time, now_real());
	assert_calib_dump(a.q, QPU0_ID, 0, old, olen, NULL);

	calib_line(old, 1111, line, sizeof(line));
	calib_write_ok(QPU0_ID, line);
	cur = calib_read(QPU0_ID, &clen);
	QT_ASSERT(strcmp(cur, old));
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = aud_one(&a, QPU_CMD_AUDIT_CALIB);
	assert_actor(r);
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_CALIB_EPOCH), e0 + 1);
	sha256_ok(cur, clen, h);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_CALIB_HASH), h, "CALIB hash");
	assert_calib_dump(a.q, QPU0_ID, e0 + 1, cur, clen, NULL);
	assert_calib_dump(a.q, QPU0_ID, 0, cur, clen, NULL);
	/* The epoch before, as it read then. */
	assert_calib_dump(a.q, QPU0_ID, e0, old, olen, NULL);

	/* A future epoch was never kept. */
	ret = nlq_calib_get(a.q, QPU0_ID, e0 + 2, false, &c);
	QT_ASSERT_EQ(ret, -ENOENT);
	QT_ASSERT(strstr(a.q->ext_msg, "oldest") != NULL);

	for (i = 0; i < QPU_CALIB_HISTORY; i++) {
		calib_line(old, 1200 + i, line, sizeof(line));
		calib_write_ok(QPU0_ID, line);
	}
	QT_ASSERT_EQ(aud_collect(&a), QPU_CALIB_HISTORY);
	QT_ASSERT_EQ(aud_count(&a, QPU_CMD_AUDIT_CALIB), QPU_CALIB_HISTORY);
	for (i = 0; i < QPU_CALIB_HISTORY; i++)
		QT_ASSERT_EQ(nlq_rec_u64(&a.recs[i], QPU_A_AUDIT_CALIB_EPOCH),
			     e0 + 2 + i);
	/* e0 + 1 .. e0 + 17 written: the last 16 are e0 + 2 .. e0 + 17. */
	ret = nlq_calib_get(a.q, QPU0_ID, e0 + 1, false, &c);
	QT_ASSERT_EQ(ret, -ENOENT);
	printf("# epoch %" PRIu64 ": %s\n", e0 + 1, a.q->ext_msg);
	snprintf(line, sizeof(line), "%" PRIu64, e0 + 2);
	QT_ASSERT(strstr(a.q->ext_msg, line) != NULL);
	ret = nlq_calib_get(a.q, QPU0_ID, e0 + 1, true, &c);
	QT_ASSERT_EQ(ret, -ENOENT);
	free(c.data);
	QT_ASSERT_EQ(nlq_calib_get(a.q, QPU0_ID, e0 + 2, false, &c), 0);
	QT_ASSERT_EQ(c.oldest, e0 + 2);
	QT_ASSERT_EQ(nlq_calib_get(a.q, QPU0_ID, 0, false, &c), 0);
	QT_ASSERT_EQ(c.epoch, e0 + 1 + QPU_CALIB_HISTORY);
	snprintf(saved->line, sizeof(saved->line), "%.*s",
		 (int)(strchr(old, '\n') - old + 1), old);
	free(old);
	free(cur);
	aud_close(&a);
}

QPU_TEST(calib_record_and_history)
{
	struct calib_saved s = { .id = QPU0_ID };
	size_t len;
	char *text = calib_read(QPU0_ID, &len);

	snprintf(s.line, sizeof(s.line), "%.*s",
		 (int)(strchr(text, '\n') - text + 1), text);
	free(text);
	run_with_cleanup(calib_body, calib_restore, &s);
}

/* The whole of qpu0's calibration as it was, drift off. */
static void drift_restore(void *arg)
{
	char path[128];

	write_dev_attr(QPU0_ID, "drift", "0\n");
	write_sysfs(attr_path(path, sizeof(path), QPU0_ID, "calibration"), arg);
}

/*
 * Drift steps are recorded as writes are: a LIMIT record "drift" for each
 * change of the tunable, one CALIB record per step, in epoch order, the
 * last hashing what sysfs reads now; drift=0 ends them.
 */
static void drift_body(void *arg)
{
	const struct timespec step = { 0, 50 * 1000 * 1000 };
	uint8_t h[QPU_HASH_LEN];
	const struct nlq_rec *r;
	uint64_t e0, e1, i;
	struct aud a;
	size_t len;
	char *cur;
	int waited;

	(void)arg;
	aud_open(&a);
	e0 = dev_attr_u64(QPU0_ID, "calibration_epoch");
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "drift", "1\n"), 0);
	for (waited = 0; waited < 20000; waited += 50) {
		if (dev_attr_u64(QPU0_ID, "calibration_epoch") > e0)
			break;
		nanosleep(&step, NULL);
	}
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "drift", "0\n"), 0);
	e1 = dev_attr_u64(QPU0_ID, "calibration_epoch");
	QT_ASSERT_GT(e1, e0);
	QT_ASSERT_EQ(aud_collect(&a), 2 + (e1 - e0));
	QT_ASSERT_EQ(aud_count(&a, QPU_CMD_AUDIT_LIMIT), 2);
	r = aud_nth(&a, QPU_CMD_AUDIT_LIMIT, 0);
	assert_actor(r);
	assert_str(r, QPU_A_AUDIT_LIMIT_NAME, "drift");
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_LIMIT_VALUE), 1);
	r = aud_nth(&a, QPU_CMD_AUDIT_LIMIT, 1);
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_LIMIT_VALUE), 0);
	QT_ASSERT_EQ(a.recs[0].cmd, QPU_CMD_AUDIT_LIMIT);
	QT_ASSERT_EQ(a.recs[a.n - 1].cmd, QPU_CMD_AUDIT_LIMIT);
	for (i = 0; i < e1 - e0; i++) {
		r = aud_nth(&a, QPU_CMD_AUDIT_CALIB, i);
		QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_CALIB_EPOCH), e0 + 1 + i);
	}
	cur = calib_read(QPU0_ID, &len);
	sha256_ok(cur, len, h);
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_CALIB_HASH), h, "CALIB hash");
	assert_calib_dump(a.q, QPU0_ID, e1, cur, len, NULL);
	free(cur);
	aud_close(&a);
}

QPU_TEST(calib_drift_records)
{
	size_t len;
	char *text = calib_read(QPU0_ID, &len);

	run_with_cleanup(drift_body, drift_restore, text);
	free(text);
}

static void remove_hp(void *arg)
{
	(void)arg;
	if (path_exists("/dev/qpu44"))
		del_device(HP_ID);
}

/* A device whose calibration takes several dump messages, put together. */
static void calib_big_body(void *arg)
{
	struct nlq *q = nlq_open_ok();
	uint32_t msgs;
	size_t len;
	char *text;

	(void)arg;
	new_device_ok(HP_ID, HP_SPEC);
	text = calib_read(HP_ID, &len);
	QT_ASSERT_GT(len, 4096);
	assert_calib_dump(q, HP_ID, 0, text, len, &msgs);
	printf("# %zu bytes in %u messages\n", len, msgs);
	QT_ASSERT_GT(msgs, 1);
	free(text);
	nlq_close(q);
}

QPU_TEST(calib_dump_of_a_big_device)
{
	run_with_cleanup(calib_big_body, remove_hp, NULL);
}

/* No device id: -EINVAL; an unknown device: -ENODEV; both with a message. */
QPU_TEST(calib_get_bad_devices)
{
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = malloc(sizeof(*m));
	struct nlq_calib c;
	int dump;

	QT_ASSERT(m != NULL);
	for (dump = 0; dump < 2; dump++) {
		nlq_msg_init(m, q->family, QPU_CMD_CALIB_GET,
			     dump ? NLM_F_DUMP : 0);
		QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), -EINVAL);
		QT_ASSERT(q->ext_msg[0] || q->has_miss);
		QT_ASSERT_EQ(nlq_calib_get(q, 9999, 0, dump, &c), -ENODEV);
		QT_ASSERT(q->ext_msg[0]);
		free(c.data);
	}
	free(m);
	nlq_close(q);
}

/*
 * Malformed CALIB_GET: an attribute of the wrong length, an unknown one,
 * a reply-only one, one of another set: -EINVAL, the extack pointing at it.
 */
QPU_TEST(calib_get_malformed_einval)
{
	static const struct { uint16_t type; uint8_t len; } bad[] = {
		{ QPU_A_CALIB_DEV_ID, 2 },	/* u32 as u16 */
		{ QPU_A_CALIB_DEV_ID, 8 },
		{ QPU_A_CALIB_EPOCH, 4 },	/* u64 as u32 */
		{ QPU_A_CALIB_HASH, 32 },	/* reply only */
		{ QPU_A_CALIB_DATA, 16 },	/* reply only */
		{ QPU_A_CALIB_MAX + 1, 4 },	/* unknown */
		{ 200, 4 },
		{ QPU_A_TENANT_WEIGHT, 4 },	/* of the "tenant" set */
		{ QPU_A_DEV_TOPOLOGY, 8 },	/* of the "dev" set */
	};
	uint8_t zero[32] = { 0 };
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = malloc(sizeof(*m));
	size_t i, off;
	int dump, ret;

	QT_ASSERT(m != NULL);
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		for (dump = 0; dump < 2; dump++) {
			nlq_msg_init(m, q->family, QPU_CMD_CALIB_GET,
				     dump ? NLM_F_DUMP : 0);
			if (bad[i].type != QPU_A_CALIB_DEV_ID)
				nlq_put_u32(m, QPU_A_CALIB_DEV_ID, QPU0_ID);
			off = nlq_put(m, bad[i].type, zero, bad[i].len);
			ret = nlq_xfer(q, m, NULL, NULL);
			if (ret != -EINVAL && ret != -ERANGE)
				QT_FAIL("attribute %u of %u bytes (dump %d): %d",
					bad[i].type, bad[i].len, dump, ret);
			if (!q->ext_msg[0] && !q->has_offs)
				QT_FAIL("attribute %u: no extended ack",
					bad[i].type);
			if (!q->has_offs || q->ext_offs != off)
				QT_FAIL("attribute %u: extack offset %s%u, want %zu",
					bad[i].type, q->has_offs ? "" : "none ",
					q->ext_offs, off);
			printf("# attribute %u/%u: %s\n", bad[i].type,
			       bad[i].len, q->ext_msg);
		}
	}
	free(m);
	nlq_close(q);
}

/* ---- limits --------------------------------------------------------------- */

static void restore_ctx(void *arg)
{
	set_max_ctx_ok(*(uint32_t *)arg);
}

static void limit_body(void *arg)
{
	uint32_t old = *(uint32_t *)arg;
	struct qpu_nl_limits lim = { .set = QPU_NL_WEIGHT, .weight = 321 };
	char scratch[64], child[96];
	const struct nlq_rec *r;
	struct nlattr *tb[QPU_A_TENANT_MAX + 1];
	struct qpu_nl *nl;
	uint64_t cgid;
	struct aud a;

	aud_open(&a);
	set_max_ctx_ok(old - 1);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = aud_one(&a, QPU_CMD_AUDIT_LIMIT);
	assert_actor(r);
	assert_str(r, QPU_A_AUDIT_LIMIT_NAME, "max_ctx_qubits");
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_LIMIT_VALUE), old - 1);

	cg_scratch(scratch, sizeof(scratch));
	snprintf(child, sizeof(child), "%s/t", scratch);
	cg_mkdir_ok(child);
	cgid = cg_id_ok(child);
	nl = qpu_nl_open();
	QT_ASSERT(nl != NULL);
	QT_ASSERT_EQ(qpu_nl_tenant_set(nl, QPU0_ID, cgid, &lim), 0);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = aud_one(&a, QPU_CMD_AUDIT_LIMIT);
	assert_actor(r);
	assert_str(r, QPU_A_AUDIT_LIMIT_NAME, "tenant");
	QT_ASSERT_EQ(nlq_rec_u64(r, QPU_A_AUDIT_CGROUP_ID), cgid);
	snprintf(child, sizeof(child), "/%s/t", scratch);
	assert_str(r, QPU_A_AUDIT_CGROUP_PATH, child);
	QT_ASSERT(r->tb[QPU_A_AUDIT_TENANT] != NULL);
	QT_ASSERT_EQ(nla_parse_nested(tb, QPU_A_TENANT_MAX,
				      r->tb[QPU_A_AUDIT_TENANT], NULL), 0);
	QT_ASSERT_EQ(nlq_u32(tb[QPU_A_TENANT_WEIGHT]), 321);
	QT_ASSERT_EQ(nlq_u64(tb[QPU_A_TENANT_CGROUP_ID]), cgid);

	QT_ASSERT_EQ(qpu_nl_tenant_del(nl, QPU0_ID, cgid), 0);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = aud_one(&a, QPU_CMD_AUDIT_LIMIT);
	assert_str(r, QPU_A_AUDIT_LIMIT_NAME, "tenant");
	QT_ASSERT_EQ(nla_parse_nested(tb, QPU_A_TENANT_MAX,
				      r->tb[QPU_A_AUDIT_TENANT], NULL), 0);
	QT_ASSERT_EQ(nlq_u32(tb[QPU_A_TENANT_WEIGHT]), QPU_WEIGHT_DEFAULT);
	/* A refused change makes no record. */
	QT_ASSERT_NE(qpu_nl_tenant_del(nl, QPU0_ID, cgid), 0);
	QT_ASSERT_EQ(aud_collect(&a), 0);
	qpu_nl_close(nl);
	cg_cleanup(scratch);
	aud_close(&a);
}

QPU_TEST(limit_records)
{
	uint32_t old = dev_attr_u32(QPU0_ID, "max_ctx_qubits");

	cg_require();
	run_with_cleanup(limit_body, restore_ctx, &old);
}

/* ---- denials and verdicts ----------------------------------------------------- */

/*
 * The probe policy flags loads and denies runs: a FLAG is an event only;
 * a DENY is an event and a DENY record with the admission's fields.
 */
QPU_TEST(deny_record_and_verdict_events)
{
	struct qpu_policy pol;
	struct probe_state *bss;
	struct nlq_rec *ev = malloc(sizeof(*ev));
	const struct nlq_rec *r;
	struct qpu_job_desc j;
	struct aud a;
	struct fix f;
	int evfd, err;

	if (!policy_hook_expected())
		qt_skip("kernel without BTF: no monitoring hook");
	QT_ASSERT(ev != NULL);
	QT_ASSERT_OK(qpu_policy_open(&pol, policy_probe_bpf,
				     policy_probe_bpf_end - policy_probe_bpf));
	err = qpu_policy_attach(&pol);
	if (err)
		QT_FAIL("attach: %d (%s)", err, qpu_policy_error(&pol));
	bss = qpu_policy_data(&pol, ".bss", NULL);
	QT_ASSERT(bss != NULL);
	aud_open(&a);
	evfd = nlq_sub_open(a.grp_events, 20000);
	QT_ASSERT(evfd >= 0);

	bss->verdict_kinds = 1u << QPU_ADMIT_LOAD;
	bss->verdict_action = QPU_BPF_FLAG;
	bss->verdict_reason = 17;
	fix_up(&f);
	QT_ASSERT_EQ(nlq_rec_recv(evfd, ev), 0);
	QT_ASSERT_EQ(ev->cmd, QPU_CMD_EVENT_VERDICT);
	QT_ASSERT_EQ(nlq_rec_u32(ev, QPU_A_AUDIT_ACTION), QPU_BPF_FLAG);
	QT_ASSERT_EQ(nlq_rec_u32(ev, QPU_A_AUDIT_KIND), QPU_ADMIT_LOAD);
	QT_ASSERT_EQ(nlq_rec_u32(ev, QPU_A_AUDIT_REASON), 17);
	QT_ASSERT_EQ(nlq_rec_u32(ev, QPU_A_AUDIT_DEV_ID), QPU0_ID);
	QT_ASSERT(!ev->tb[QPU_A_AUDIT_SEQ]);
	assert_str(ev, QPU_A_AUDIT_POLICY, "probe");
	assert_hash_eq(rec_hash(ev, QPU_A_AUDIT_CIRCUIT_HASH), f.chash,
		       "verdict circuit hash");
	assert_own_tenant(ev);
	assert_actor(ev);
	/* A flagged load is loaded: ALLOC and LOAD, no DENY. */
	QT_ASSERT_EQ(aud_collect(&a), 2);
	QT_ASSERT_EQ(aud_count(&a, QPU_CMD_AUDIT_DENY), 0);
	aud_one(&a, QPU_CMD_AUDIT_LOAD);

	bss->verdict_kinds = 1u << QPU_ADMIT_RUN;
	bss->verdict_action = QPU_BPF_DENY;
	bss->verdict_reason = 23;
	j = fix_job(&f, 3);
	QT_ASSERT_EQ(run_path(f.fd, BY_RUN, &j), -EPERM);
	QT_ASSERT_EQ(nlq_rec_recv(evfd, ev), 0);
	QT_ASSERT_EQ(nlq_rec_u32(ev, QPU_A_AUDIT_ACTION), QPU_BPF_DENY);
	QT_ASSERT_EQ(nlq_rec_u32(ev, QPU_A_AUDIT_KIND), QPU_ADMIT_RUN);
	QT_ASSERT_EQ(nlq_rec_u32(ev, QPU_A_AUDIT_REASON), 23);
	QT_ASSERT_EQ(aud_collect(&a), 1);
	r = aud_one(&a, QPU_CMD_AUDIT_DENY);
	assert_own_tenant(r);
	assert_actor(r);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_KIND), QPU_ADMIT_RUN);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_REASON), 23);
	assert_str(r, QPU_A_AUDIT_POLICY, "probe");
	assert_hash_eq(rec_hash(r, QPU_A_AUDIT_CIRCUIT_HASH), f.chash,
		       "DENY circuit hash");
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_QUBITS), NQ);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_CLBITS), NQ);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_PARAMS), 1);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_NUM_GATES), 6);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_ORIGIN), QPU_BPF_ORIGIN_RUN);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_CIRCUIT), f.circ);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_SHOTS), SHOTS);
	QT_ASSERT_EQ(nlq_rec_u32(r, QPU_A_AUDIT_SWEEPS), 1);

	qpu_policy_close(&pol);
	fix_down(&f);
	close(evfd);
	free(ev);
	aud_close(&a);
}

/* ---- who may listen ------------------------------------------------------------ */

static void nobody_body(void *arg)
{
	struct aud *a = arg;
	struct nlq *q = nlq_open_ok();
	struct nlq_calib c;

	QT_ASSERT_EQ(nlq_sub_open(a->grp_audit, 100), -EPERM);
	QT_ASSERT_EQ(nlq_sub_open(a->grp_events, 100), -EPERM);
	QT_ASSERT_EQ(nlq_calib_get(q, QPU0_ID, 0, false, &c), 0);
	QT_ASSERT_EQ(nlq_calib_get(q, QPU0_ID, 0, true, &c), 0);
	QT_ASSERT_GT(c.len, 0);
	free(c.data);
	nlq_close(q);
}

/* uid 65534 without capabilities cannot subscribe, but reads CALIB_GET. */
QPU_TEST(nobody_cannot_subscribe_but_reads_calib)
{
	struct aud a;

	aud_open(&a);
	cg_run(NULL, CG_NOBODY, nobody_body, &a, "uid 65534");
	aud_close(&a);
}

static void netns_body(void *arg)
{
	struct aud *a = arg;
	struct nlq_rec *r = malloc(sizeof(*r));
	struct nlq_dev before, after;
	struct nlq *q;
	int sub, fd;
	uint32_t h;

	QT_ASSERT(r != NULL);
	QT_ASSERT_OK(unshare(CLONE_NEWNET));
	/* The family is there (netnsok), and root may join. */
	sub = nlq_sub_open(a->grp_audit, 100);
	if (sub < 0)
		QT_FAIL("joining \"audit\" in a new netns: %s", strerror(-sub));
	q = nlq_open_ok();
	dev_get_ok(q, QPU0_ID, &before);
	fd = open_dev();
	h = alloc_ok(fd, 1, NULL);
	free_ok(fd, h);
	close_ok(fd);
	dev_get_ok(q, QPU0_ID, &after);
	QT_ASSERT_EQ(after.audit_seq, before.audit_seq + 2);
	/* Sent (the parent hears them) before DEV_GET answered: not here. */
	QT_ASSERT_ERRNO(recv(sub, r->buf, sizeof(r->buf), MSG_DONTWAIT), EAGAIN);
	close(sub);
	nlq_close(q);
	free(r);
}

/* Records go to the initial network namespace only. */
QPU_TEST(netns_subscriber_hears_nothing)
{
	struct aud a;

	aud_open(&a);
	cg_run(NULL, 0, netns_body, &a, "new netns");
	QT_ASSERT_EQ(aud_collect(&a), 2);
	QT_ASSERT_EQ(aud_count(&a, QPU_CMD_AUDIT_ALLOC), 1);
	QT_ASSERT_EQ(aud_count(&a, QPU_CMD_AUDIT_FREE), 1);
	aud_close(&a);
}

/* ---- the family ------------------------------------------------------------------ */

struct ops_seen {
	uint32_t flags[QPU_CMD_MAX + 2];
	bool present[QPU_CMD_MAX + 2];
	char groups[4][GENL_NAMSIZ];
	int ngroups;
};

static void ctrl_collect(void *arg, uint8_t cmd, struct nlattr *attrs, int len)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *op, *o[CTRL_ATTR_OP_MAX + 1];
	struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct ops_seen *s = arg;
	int rem;

	(void)cmd;
	if (nla_parse(tb, CTRL_ATTR_MAX, attrs, len, NULL))
		return;
	if (tb[CTRL_ATTR_OPS])
		nla_for_each_nested(op, tb[CTRL_ATTR_OPS], rem) {
			uint32_t id;

			if (nla_parse_nested(o, CTRL_ATTR_OP_MAX, op, NULL) ||
			    !o[CTRL_ATTR_OP_ID])
				continue;
			id = nla_get_u32(o[CTRL_ATTR_OP_ID]);
			if (id > QPU_CMD_MAX + 1)
				id = QPU_CMD_MAX + 1;
			s->present[id] = true;
			s->flags[id] = o[CTRL_ATTR_OP_FLAGS] ?
				       nla_get_u32(o[CTRL_ATTR_OP_FLAGS]) : 0;
		}
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		nla_for_each_nested(op, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
			if (s->ngroups >= 4 ||
			    nla_parse_nested(g, CTRL_ATTR_MCAST_GRP_MAX, op, NULL) ||
			    !g[CTRL_ATTR_MCAST_GRP_NAME])
				continue;
			snprintf(s->groups[s->ngroups++], GENL_NAMSIZ, "%s",
				 (char *)nla_data(g[CTRL_ATTR_MCAST_GRP_NAME]));
		}
}

/*
 * The controller lists CALIB_GET with do and dump, the two groups, and
 * none of the notifications as a command; a notification sent as a
 * request is -EOPNOTSUPP.
 */
QPU_TEST(family_lists_calib_get_not_notifications)
{
	struct nlq *ctrl = nlq_open_family(GENL_ID_CTRL);
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = malloc(sizeof(*m));
	struct ops_seen s;
	int cmd, dump;

	QT_ASSERT(ctrl && m);
	memset(&s, 0, sizeof(s));
	nlq_msg_init(m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	nlq_put(m, CTRL_ATTR_FAMILY_NAME, QPU_GENL_NAME, sizeof(QPU_GENL_NAME));
	QT_ASSERT_EQ(nlq_xfer(ctrl, m, ctrl_collect, &s), 0);
	QT_ASSERT(s.present[QPU_CMD_CALIB_GET]);
	QT_ASSERT(s.flags[QPU_CMD_CALIB_GET] & GENL_CMD_CAP_DO);
	QT_ASSERT(s.flags[QPU_CMD_CALIB_GET] & GENL_CMD_CAP_DUMP);
	QT_ASSERT(!(s.flags[QPU_CMD_CALIB_GET] & GENL_ADMIN_PERM));
	for (cmd = QPU_CMD_AUDIT_LOAD; cmd <= QPU_CMD_EVENT_VERDICT; cmd++)
		if (s.present[cmd])
			QT_FAIL("notification %d listed as a command", cmd);
	QT_ASSERT_EQ(s.ngroups, 2);
	QT_ASSERT((!strcmp(s.groups[0], QPU_MCGRP_AUDIT) &&
		   !strcmp(s.groups[1], QPU_MCGRP_EVENTS)) ||
		  (!strcmp(s.groups[1], QPU_MCGRP_AUDIT) &&
		   !strcmp(s.groups[0], QPU_MCGRP_EVENTS)));

	for (cmd = QPU_CMD_AUDIT_LOAD; cmd <= QPU_CMD_EVENT_VERDICT; cmd++)
		for (dump = 0; dump < 2; dump++) {
			nlq_msg_init(m, q->family, (uint8_t)cmd,
				     dump ? NLM_F_DUMP : 0);
			nlq_put_u32(m, QPU_A_AUDIT_DEV_ID, QPU0_ID);
			QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), -EOPNOTSUPP);
		}
	free(m);
	nlq_close(q);
	nlq_close(ctrl);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
