// SPDX-License-Identifier: GPL-2.0
/*
 * trace_test.c - the tracepoints events/qpu/qpu_job_{submit,start,complete}
 * (kmod/qpu_trace.h), read from tracefs.
 *
 * Each test mounts tracefs at /sys/kernel/tracing if it is not mounted,
 * makes a tracing instance of its own (so nothing else's events or
 * settings interfere), enables events/qpu there, runs jobs, reads the
 * instance's `trace` and parses every qpu line. It asserts, per job: one
 * submit, one start and one complete (a job cancelled while queued: no
 * start), in that order, each with the device, the file's context, the
 * job id the kernel returned, the submitter's pid and cgroup id, the
 * circuit hash prefix, shots, sweeps, the
 * status (0 on submit and start, the job's status on complete) and the
 * io_uring marker; and no qpu event beyond those. Events are disabled and
 * the instance removed afterwards, whatever the test did.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <liburing.h>

#include "qpu_test.h"
#include "vm_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/qpu_trace_test"
#define MAX_EV		512

enum ev_kind { EV_SUBMIT, EV_START, EV_COMPLETE };

static const char *const ev_names[] = {
	"qpu_job_submit", "qpu_job_start", "qpu_job_complete",
};

struct ev {
	enum ev_kind kind;
	unsigned int dev;
	char ctx[32];
	uint64_t cgroup;
	uint32_t pid;
	uint32_t job;
	uint64_t hash;
	uint32_t shots;
	uint32_t sweeps;
	int status;
	bool uring;
};

/* ---- tracefs set-up and teardown --------------------------------------- */

static bool mounted_here;

static void trace_up(void)
{
	char path[128];

	if (!path_exists(TRACEFS "/instances")) {
		if (mount("tracefs", TRACEFS, "tracefs", 0, NULL))
			qt_skip("cannot mount tracefs: %s", strerror(errno));
		mounted_here = true;
	}
	if (!path_exists(TRACEFS "/events/qpu"))
		QT_FAIL("%s/events/qpu missing: module has no tracepoints", TRACEFS);
	rmdir(INSTANCE);	/* a leftover of an earlier, killed run */
	if (mkdir(INSTANCE, 0755))
		QT_FAIL("mkdir %s: %s", INSTANCE, strerror(errno));
	snprintf(path, sizeof(path), "%s/events/qpu/enable", INSTANCE);
	QT_ASSERT_EQ(write_sysfs(path, "1"), 0);
	QT_ASSERT_EQ(write_sysfs(INSTANCE "/tracing_on", "1"), 0);
}

static void trace_down(void *arg)
{
	(void)arg;
	write_sysfs(INSTANCE "/events/qpu/enable", "0");
	if (rmdir(INSTANCE))
		printf("# rmdir %s: %s\n", INSTANCE, strerror(errno));
	if (mounted_here && umount(TRACEFS))
		printf("# umount %s: %s\n", TRACEFS, strerror(errno));
}

/* Run @body with the instance set up, and clean up whatever it did. */
static void traced(void (*body)(void *))
{
	trace_up();
	run_with_cleanup(body, trace_down, NULL);
}

/* Parse the instance's trace into @evs; returns how many qpu events. */
static int trace_read(struct ev *evs, int max)
{
	char *text, *line, *save = NULL, *p;
	int n = 0;
	size_t len;
	int k;

	text = read_all_ok(INSTANCE "/trace", &len);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct ev e;
		int used = 0;

		if (line[0] == '#' || !strstr(line, ": qpu_job_"))
			continue;
		memset(&e, 0, sizeof(e));
		for (k = 0; k < 3; k++) {
			char pat[40];

			snprintf(pat, sizeof(pat), ": %s: ", ev_names[k]);
			p = strstr(line, pat);
			if (p) {
				e.kind = k;
				p += strlen(pat);
				break;
			}
		}
		if (k == 3)
			QT_FAIL("unknown qpu event: %s", line);
		if (sscanf(p, "qpu%u ctx=%31s cgroup=%" SCNu64 " pid=%u job=%u "
			   "circuit=%" SCNx64 " shots=%u sweeps=%u status=%d%n",
			   &e.dev, e.ctx, &e.cgroup, &e.pid, &e.job, &e.hash,
			   &e.shots, &e.sweeps, &e.status, &used) != 9)
			QT_FAIL("cannot parse: %s", line);
		p += used;
		if (!strcmp(p, " uring"))
			e.uring = true;
		else if (*p)
			QT_FAIL("trailing '%s' in: %s", p, line);
		if (n >= max)
			QT_FAIL("more than %d qpu events", max);
		evs[n++] = e;
	}
	free(text);
	return n;
}

/* The id of this process's cgroup v2 (its directory's inode number). */
static uint64_t own_cgroup_id(void)
{
	char text[512], path[600], *p;
	struct stat st;

	QT_ASSERT(read_text("/proc/self/cgroup", text, sizeof(text)) > 0);
	p = strstr(text, "0::");
	QT_ASSERT(p != NULL);
	p += 3;
	p[strcspn(p, "\n")] = '\0';
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s", p);
	QT_ASSERT_OK(stat(path, &st));
	return st.st_ino;
}

/* ---- what a test expects ----------------------------------------------- */

struct want {
	uint32_t job;
	uint32_t shots;
	uint32_t sweeps;
	int status;		/* of the complete event */
	bool started;		/* a start event (not cancelled while queued) */
	bool uring;
};

static uint64_t hash_prefix(const uint8_t *hash)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | hash[i];
	return v;
}

/*
 * Every event in @evs belongs to one of the @nw jobs of @want, run on
 * device 0 from one file (one ctx value) with a circuit whose hash starts
 * with @hash; each job has exactly the events it should, in order.
 */
static void assert_events(const struct ev *evs, int n, const struct want *w,
			  int nw, uint64_t hash)
{
	const char *ctx = n ? evs[0].ctx : "";
	int i, j, expected = 0;

	for (j = 0; j < nw; j++)
		expected += w[j].started ? 3 : 2;
	for (i = 0; i < n; i++) {
		const struct ev *e = &evs[i];

		for (j = 0; j < nw && w[j].job != e->job; j++)
			;
		if (j == nw)
			QT_FAIL("%s for job %u, which this test did not "
				"submit", ev_names[e->kind], e->job);
		/* The submitter is this process, in its own cgroup. */
		if (e->pid != (uint32_t)getpid() || e->cgroup != own_cgroup_id())
			QT_FAIL("%s job %u: pid %u cgroup %" PRIu64 "; want pid "
				"%d cgroup %" PRIu64, ev_names[e->kind], e->job,
				e->pid, e->cgroup, getpid(), own_cgroup_id());
		if (e->dev != 0 || strcmp(e->ctx, ctx) || e->hash != hash ||
		    e->shots != w[j].shots || e->sweeps != w[j].sweeps ||
		    e->uring != w[j].uring)
			QT_FAIL("%s job %u: qpu%u ctx=%s circuit=%016" PRIx64
				" shots=%u sweeps=%u uring=%d; want qpu0 ctx=%s "
				"circuit=%016" PRIx64 " shots=%u sweeps=%u "
				"uring=%d", ev_names[e->kind], e->job, e->dev,
				e->ctx, e->hash, e->shots, e->sweeps, e->uring,
				ctx, hash, w[j].shots, w[j].sweeps, w[j].uring);
	}
	for (j = 0; j < nw; j++) {
		int seen[3] = { 0 }, pos[3] = { -1, -1, -1 };

		for (i = 0; i < n; i++) {
			if (evs[i].job != w[j].job)
				continue;
			seen[evs[i].kind]++;
			pos[evs[i].kind] = i;
			if (evs[i].kind != EV_COMPLETE && evs[i].status)
				QT_FAIL("%s job %u: status %d before completion",
					ev_names[evs[i].kind], w[j].job,
					evs[i].status);
			if (evs[i].kind == EV_COMPLETE &&
			    evs[i].status != w[j].status)
				QT_FAIL("job %u completed with status %d, want %d",
					w[j].job, evs[i].status, w[j].status);
		}
		if (seen[EV_SUBMIT] != 1 || seen[EV_COMPLETE] != 1 ||
		    seen[EV_START] != (w[j].started ? 1 : 0))
			QT_FAIL("job %u: %d submit, %d start, %d complete "
				"events; want 1, %d, 1", w[j].job,
				seen[EV_SUBMIT], seen[EV_START],
				seen[EV_COMPLETE], w[j].started ? 1 : 0);
		if (pos[EV_SUBMIT] > pos[EV_COMPLETE] ||
		    (w[j].started && (pos[EV_SUBMIT] > pos[EV_START] ||
				      pos[EV_START] > pos[EV_COMPLETE])))
			QT_FAIL("job %u: events out of order", w[j].job);
	}
	QT_ASSERT_EQ(n, expected);
}

/* ---- a device file with one circuit ------------------------------------ */

struct rig {
	int fd;
	uint32_t alloc;
	uint32_t circ;		/* H, measure: no parameters */
	uint32_t pcirc;		/* RY(param 0), measure */
	uint8_t hash[32], phash[32];
	struct mbuf params;
	struct mbuf res;
};

static void rig_up(struct rig *r)
{
	struct qpu_gate g[2] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	struct qpu_gate pg[2] = { gate_rot(QPU_OP_RY, 0, 0, 1.0, 0.0),
				  gate_measure(0, 0) };
	struct circ_spec s = { .num_qubits = 1, .num_clbits = 1, .gates = g,
			       .num_gates = 2 };

	memset(r, 0, sizeof(*r));
	r->fd = open_dev();
	r->alloc = alloc_ok(r->fd, 1, NULL);
	s.alloc = r->alloc;
	r->circ = circ_load_ok(r->fd, &s, r->hash);
	s.gates = pg;
	s.num_params = 1;
	r->pcirc = circ_load_ok(r->fd, &s, r->phash);
	mbuf_new_ok(r->fd, 4096, &r->params);
	mbuf_new_ok(r->fd, 1 << 20, &r->res);
}

static void rig_down(struct rig *r)
{
	mbuf_free_ok(r->fd, &r->res);
	mbuf_free_ok(r->fd, &r->params);
	circ_free_ok(r->fd, r->pcirc);
	circ_free_ok(r->fd, r->circ);
	free_ok(r->fd, r->alloc);
	close_ok(r->fd);
}

/* Job @i of a test: shots and sweeps vary so the fields can be told apart. */
static struct qpu_job_desc rig_job(const struct rig *r, uint32_t i)
{
	struct qpu_job_desc j = job_seeded(r->circ, 10 + i, r->res.handle, i);

	j.num_sweeps = 1 + i % 3;
	j.result_offset = i * 8192;
	j.result_stride = 2048;
	return j;
}

static uint32_t submit_ok(int fd, const struct qpu_job_desc *job)
{
	struct qpu_submit s;

	memset(&s, 0, sizeof(s));
	s.job = *job;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_SUBMIT, &s), 0);
	QT_ASSERT_GT(s.job_id, 0);
	return s.job_id;
}

static struct qpu_wait wait_job_ok(int fd, uint32_t id)
{
	struct qpu_wait w;

	memset(&w, 0, sizeof(w));
	w.job_id = id;
	w.timeout_ns = -1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_WAIT, &w), 0);
	return w;
}

/* ---- tests --------------------------------------------------------------- */

#define NJOBS 8

static void ioctl_body(void *arg)
{
	struct want w[NJOBS + 1];
	struct ev evs[MAX_EV];
	struct qpu_job_desc j;
	struct qpu_submit s;
	struct rig r;
	uint32_t i;
	int n;

	(void)arg;
	rig_up(&r);
	for (i = 0; i < NJOBS; i++) {
		j = rig_job(&r, i);
		w[i] = (struct want){ submit_ok(r.fd, &j), j.shots,
				      j.num_sweeps, 0, true, false };
	}
	/* A job refused at submission leaves no trace. */
	j = rig_job(&r, 0);
	j.circuit = 0;
	memset(&s, 0, sizeof(s));
	s.job = j;
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_SUBMIT, &s), -EINVAL);
	for (i = 0; i < NJOBS; i++)
		QT_ASSERT_EQ(wait_job_ok(r.fd, w[i].job).status, 0);
	n = trace_read(evs, MAX_EV);
	assert_events(evs, n, w, NJOBS, hash_prefix(r.hash));
	rig_down(&r);
}

/* SUBMIT/WAIT jobs: one submit, start and complete each, right fields. */
QPU_TEST(trace_ioctl_jobs)
{
	traced(ioctl_body);
}

static void uring_body(void *arg)
{
	struct io_uring_params p;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct want w[NJOBS];
	struct ev evs[MAX_EV];
	struct qpu_job_desc j;
	struct rig r;
	uint32_t i;
	int n;

	(void)arg;
	rig_up(&r);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	QT_ASSERT_EQ(io_uring_queue_init_params(NJOBS, &ring, &p), 0);
	for (i = 0; i < NJOBS; i++) {
		j = rig_job(&r, i);
		sqe = io_uring_get_sqe(&ring);
		QT_ASSERT(sqe);
		memset(sqe, 0, 128);
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = r.fd;
		sqe->cmd_op = QPU_URING_CMD_RUN;
		sqe->user_data = i;
		memcpy(sqe->cmd, &j, sizeof(j));
	}
	QT_ASSERT_EQ(io_uring_submit(&ring), NJOBS);
	for (i = 0; i < NJOBS; i++) {
		uint64_t k;

		QT_ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
		k = cqe->user_data;
		QT_ASSERT_LT(k, NJOBS);
		QT_ASSERT_EQ(cqe->res, 0);
		QT_ASSERT_GT(cqe->big_cqe[0], 0);
		j = rig_job(&r, k);
		w[k] = (struct want){ (uint32_t)cqe->big_cqe[0], j.shots,
				      j.num_sweeps, 0, true, true };
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	n = trace_read(evs, MAX_EV);
	assert_events(evs, n, w, NJOBS, hash_prefix(r.hash));
	rig_down(&r);
}

/* io_uring jobs: the same, marked "uring", ids as in the CQEs. */
QPU_TEST(trace_uring_jobs)
{
	traced(uring_body);
}

#define NQUEUE 16

static void cancel_body(void *arg)
{
	struct want w[NQUEUE];
	struct ev evs[MAX_EV];
	struct qpu_cancel c;
	struct qpu_job_desc j;
	struct qpu_wait wt;
	struct rig r;
	uint32_t i;
	int n;

	(void)arg;
	rig_up(&r);
	/* Long jobs on one allocation run one at a time: the last waits. */
	for (i = 0; i < NQUEUE; i++) {
		j = job_seeded(r.circ, QPU_MAX_SHOTS, r.res.handle, i);
		w[i] = (struct want){ submit_ok(r.fd, &j), QPU_MAX_SHOTS, 1, 0,
				      true, false };
	}
	memset(&c, 0, sizeof(c));
	c.job_id = w[NQUEUE - 1].job;
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_CANCEL, &c), 0);
	w[NQUEUE - 1].status = -ECANCELED;
	w[NQUEUE - 1].started = false;
	for (i = 0; i < NQUEUE; i++) {
		wt = wait_job_ok(r.fd, w[i].job);
		QT_ASSERT_EQ(wt.status, w[i].status);
		if (!w[i].started)
			QT_ASSERT_EQ(wt.start_ns, 0);
	}
	n = trace_read(evs, MAX_EV);
	assert_events(evs, n, w, NQUEUE, hash_prefix(r.hash));
	rig_down(&r);
}

/* A job cancelled while queued: submit and complete (-ECANCELED), no start. */
QPU_TEST_TIMEOUT(trace_cancelled_job, 300)
{
	traced(cancel_body);
}

static void fail_body(void *arg)
{
	struct ev evs[MAX_EV];
	struct qpu_job_desc j;
	struct want w;
	struct rig r;
	int n;

	(void)arg;
	rig_up(&r);
	/* A NaN parameter: the job runs and fails with -EDOM. */
	((double *)r.params.ptr)[0] = __builtin_nan("");
	j = job_seeded(r.pcirc, 5, r.res.handle, 3);
	j.param_buf = r.params.handle;
	w = (struct want){ submit_ok(r.fd, &j), 5, 1, -EDOM, true, false };
	QT_ASSERT_EQ(wait_job_ok(r.fd, w.job).status, -EDOM);
	n = trace_read(evs, MAX_EV);
	assert_events(evs, n, &w, 1, hash_prefix(r.phash));
	rig_down(&r);
}

/* A job that fails while running: its status is in the complete event. */
QPU_TEST(trace_failed_job_status)
{
	traced(fail_body);
}

static void format_body(void *arg)
{
	const char *fields[] = { "dev", "ctx", "id", "hash", "shots", "sweeps",
				 "status", "uring" };
	char path[160], pat[40];
	size_t i, k, len;
	char *text;

	(void)arg;
	for (k = 0; k < 3; k++) {
		snprintf(path, sizeof(path), "%s/events/qpu/%s/format", TRACEFS,
			 ev_names[k]);
		text = read_all_ok(path, &len);
		for (i = 0; i < ARRAY_LEN(fields); i++) {
			snprintf(pat, sizeof(pat), " %s;", fields[i]);
			if (!strstr(text, pat))
				QT_FAIL("%s: no field '%s'", path, fields[i]);
		}
		free(text);
	}
}

/* The three events exist with the documented fields (for perf/bpftrace). */
QPU_TEST(trace_event_formats)
{
	traced(format_body);
}

static void off_body(void *arg)
{
	struct ev evs[MAX_EV];
	struct qpu_job_desc j;
	struct rig r;

	(void)arg;
	rig_up(&r);
	QT_ASSERT_EQ(write_sysfs(INSTANCE "/events/qpu/enable", "0"), 0);
	j = rig_job(&r, 0);
	QT_ASSERT_EQ(wait_job_ok(r.fd, submit_ok(r.fd, &j)).status, 0);
	QT_ASSERT_EQ(trace_read(evs, MAX_EV), 0);
	rig_down(&r);
}

/* Disabled events record nothing. */
QPU_TEST(trace_disabled_records_nothing)
{
	traced(off_body);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
