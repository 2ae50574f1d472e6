// SPDX-License-Identifier: GPL-2.0
/*
 * audit_load_test.c - the audit stream under load (issue 12): qpu-auditd
 * (tools/qpu-auditd, Documentation/qpu/qpu-auditd.rst) listens while 64
 * submitter processes, half by SUBMIT/WAIT and half by io_uring, run
 * 100 000 one-shot jobs on a device of their own (qpu7, grid:8x8: one
 * qubit for each of the 64 submitters, which heavy-hex qpu0 lacks), each with QPU_RUN_SEED and a seed naming
 * it and QPU_RUN_PROVENANCE, so that each job learns its record's
 * sequence number. SIGTERM makes the daemon drain up to DEV_GET's
 * AUDIT_SEQ; then every job must appear in exactly one "job" line (by
 * its seed) or have its sequence number inside a "loss" line of that device.
 *
 * A TAP diagnostic line gives the figures:
 *	# audit load: jobs N records R losses L
 * and the time it took (information only: nothing here is timed).
 *
 * Shared state: the submitters write each job's audit_seq into a shared
 * anonymous mapping, one slot per job, written by its submitter only.
 * The daemon's directory is /tmp/qpu-audit-load-PID, removed after.
 */
#include <json-c/json.h>
#include <liburing.h>
#include <signal.h>
#include <sys/wait.h>

#include "vm_util.h"
#include "tool_util.h"

#define SUBMITTERS	64
#define JOBS		100000
#define INFLIGHT	32
#define SLOT		512	/* a slice (80 bytes) at 0, provenance at 128 */
#define PROV_AT		128
#define SEED_BASE	((uint64_t)0x5eed000000000000ULL)

/* Each job's audit_seq, from its provenance (0: never completed). */
static uint64_t *job_seq;

/* Jobs [first, first + n) of submitter @idx. */
static void share(unsigned int idx, uint32_t *first, uint32_t *n)
{
	*first = (uint32_t)((uint64_t)JOBS * idx / SUBMITTERS);
	*n = (uint32_t)((uint64_t)JOBS * (idx + 1) / SUBMITTERS) - *first;
}

/* A submitter's device: one qubit, "h 0; measure 0", a buffer of slots. */
struct sub {
	int fd;
	uint32_t circ;
	struct mbuf b;
};

/* The submitters' device: room for one qubit each. */
#define LOAD_DEV	7
#define LOAD_SPEC	"grid:8x8"

static void sub_up(struct sub *s)
{
	struct qpu_gate g[] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	struct circ_spec c = { .num_qubits = 1, .num_clbits = 1, .gates = g,
			       .num_gates = 2 };

	s->fd = open_dev_id_ok(LOAD_DEV);
	c.alloc = alloc_ok(s->fd, 1, NULL);
	s->circ = circ_load_ok(s->fd, &c, NULL);
	mbuf_new_ok(s->fd, INFLIGHT * SLOT, &s->b);
}

static struct qpu_job_desc sub_job(const struct sub *s, uint32_t slot,
				   uint32_t job)
{
	struct qpu_job_desc j = job_seeded(s->circ, 1, s->b.handle,
					   SEED_BASE + job);

	j.flags |= QPU_RUN_PROVENANCE;
	j.result_offset = (uint64_t)slot * SLOT;
	j.provenance_offset = (uint64_t)slot * SLOT + PROV_AT;
	memset((char *)s->b.ptr + j.result_offset, 0, SLOT);
	return j;
}

/* Job @job completed in @slot with @status: keep its sequence number. */
static void sub_done(const struct sub *s, uint32_t slot, uint32_t job,
		     int status)
{
	const struct qpu_provenance *p =
		(const void *)((char *)s->b.ptr + (uint64_t)slot * SLOT + PROV_AT);

	if (status)
		QT_FAIL("job %u: status %d", job, status);
	QT_ASSERT_EQ(p->magic, QPU_PROVENANCE_MAGIC);
	QT_ASSERT_EQ(p->seed, SEED_BASE + job);
	QT_ASSERT_GT(p->audit_seq, 0);
	job_seq[job] = p->audit_seq;
}

/* SUBMIT up to INFLIGHT jobs, WAIT for any, until all are done. */
static void by_ioctl(struct sub *s, uint32_t first, uint32_t n)
{
	uint32_t next = 0, done = 0, slot, free_slots[INFLIGHT], nfree;
	struct qpu_submit sb;
	struct qpu_wait w;

	for (nfree = 0; nfree < INFLIGHT; nfree++)
		free_slots[nfree] = INFLIGHT - 1 - nfree;
	while (done < n) {
		while (next < n && nfree) {
			slot = free_slots[--nfree];
			memset(&sb, 0, sizeof(sb));
			sb.job = sub_job(s, slot, first + next);
			sb.user_data = (uint64_t)slot << 32 | (first + next);
			QT_ASSERT_EQ(qpu_ioc(s->fd, QPU_IOC_SUBMIT, &sb), 0);
			next++;
		}
		memset(&w, 0, sizeof(w));
		w.flags = QPU_WAIT_ANY;
		w.timeout_ns = -1;
		QT_ASSERT_EQ(qpu_ioc(s->fd, QPU_IOC_WAIT, &w), 0);
		slot = (uint32_t)(w.user_data >> 32);
		sub_done(s, slot, (uint32_t)w.user_data, w.status);
		free_slots[nfree++] = slot;
		done++;
	}
}

/* The same through one ring: INFLIGHT commands, reaped as they complete. */
static void by_uring(struct sub *s, uint32_t first, uint32_t n)
{
	uint32_t next = 0, done = 0, slot, free_slots[INFLIGHT], nfree;
	struct io_uring_params p;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct qpu_job_desc j;
	struct io_uring ring;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	QT_ASSERT_EQ(io_uring_queue_init_params(INFLIGHT, &ring, &p), 0);
	for (nfree = 0; nfree < INFLIGHT; nfree++)
		free_slots[nfree] = INFLIGHT - 1 - nfree;
	while (done < n) {
		while (next < n && nfree) {
			slot = free_slots[--nfree];
			j = sub_job(s, slot, first + next);
			sqe = io_uring_get_sqe(&ring);
			QT_ASSERT(sqe != NULL);
			memset(sqe, 0, 2 * sizeof(*sqe));
			sqe->opcode = IORING_OP_URING_CMD;
			sqe->fd = s->fd;
			sqe->cmd_op = QPU_URING_CMD_RUN;
			sqe->user_data = (uint64_t)slot << 32 | (first + next);
			memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd),
			       &j, sizeof(j));
			next++;
		}
		QT_ASSERT_GE(io_uring_submit_and_wait(&ring, 1), 0);
		while (!io_uring_peek_cqe(&ring, &cqe)) {
			slot = (uint32_t)(cqe->user_data >> 32);
			sub_done(s, slot, (uint32_t)cqe->user_data, cqe->res);
			io_uring_cqe_seen(&ring, cqe);
			free_slots[nfree++] = slot;
			done++;
		}
	}
	io_uring_queue_exit(&ring);
}

static void submitter(unsigned int idx)
{
	uint32_t first, n;
	struct sub s;

	share(idx, &first, &n);
	sub_up(&s);
	if (idx & 1)
		by_uring(&s, first, n);
	else
		by_ioctl(&s, first, n);
	close_ok(s.fd);
}

/* ---- the daemon ------------------------------------------------------------ */

/* The daemon's files, named before the body forks (the cleanup needs them). */
struct daemon {
	char dir[64], pidfile[96], log[96];
};

static void daemon_paths(struct daemon *d)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/qpu-audit-load-%d", (int)getpid());
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/pid", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/audit.jsonl", d->dir);
}

/* Start qpu-auditd; its pid once its subscription is in place. */
static pid_t daemon_start(const struct daemon *d)
{
	pid_t pid = fork_ok();

	if (!pid) {
		/* No rotation: the whole run in one file. */
		execlp("qpu-auditd", "qpu-auditd", "--dir", d->dir, "--pidfile",
		       d->pidfile, "--max-size", "0", "--rcvbuf", "67108864",
		       (char *)NULL);
		_exit(127);
	}
	if (!wait_for_path(d->pidfile, true, 60000))
		QT_FAIL("qpu-auditd wrote no pidfile %s", d->pidfile);
	return pid;
}

/* SIGTERM: it drains up to DEV_GET's sequence numbers and exits 0. */
static void daemon_stop_ok(pid_t pid)
{
	QT_ASSERT_OK(kill(pid, SIGTERM));
	QT_ASSERT_EQ(wait_status(pid), 0);
}

/* A daemon the body left running (its pidfile is still there): killed. */
static void daemon_cleanup(void *arg)
{
	const struct daemon *d = arg;
	const char *const rm[] = { "rm", "-rf", d->dir, NULL };
	char buf[32];
	long pid;

	if (read_text(d->pidfile, buf, sizeof(buf)) > 0) {
		pid = strtol(buf, NULL, 10);
		if (pid > 1)
			kill((pid_t)pid, SIGKILL);
	}
	run_cmd(rm);
}

/* ---- the log ----------------------------------------------------------------- */

struct ledger {
	uint8_t *records;	/* job lines per job */
	struct { uint64_t first, last; } *loss;
	size_t nloss, cap;
	uint64_t lines, other_jobs;
};

static uint64_t member_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		QT_FAIL("a line without \"%s\": %s", key,
			json_object_to_json_string(o));
	return json_object_get_uint64(v);
}

static void ledger_line(struct ledger *l, const char *line)
{
	struct json_object *o = json_tokener_parse(line), *type;
	const char *t;

	if (!o || !json_object_object_get_ex(o, "type", &type))
		QT_FAIL("not a log line: %s", line);
	t = json_object_get_string(type);
	l->lines++;
	if (!strcmp(t, "job") && member_u64(o, "dev_id") == LOAD_DEV) {
		uint64_t seed = member_u64(o, "seed");

		if (seed >= SEED_BASE && seed - SEED_BASE < JOBS) {
			if (l->records[seed - SEED_BASE]++)
				QT_FAIL("job %" PRIu64 " has two job lines",
					seed - SEED_BASE);
		} else {
			l->other_jobs++;
		}
	} else if (!strcmp(t, "loss") && member_u64(o, "dev_id") == LOAD_DEV) {
		if (l->nloss == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 64;
			l->loss = realloc(l->loss, l->cap * sizeof(*l->loss));
			QT_ASSERT(l->loss != NULL);
		}
		l->loss[l->nloss].first = member_u64(o, "first_seq");
		l->loss[l->nloss].last = member_u64(o, "last_seq");
		QT_ASSERT_EQ(member_u64(o, "count"),
			     l->loss[l->nloss].last - l->loss[l->nloss].first + 1);
		l->nloss++;
	}
	json_object_put(o);
}

static void ledger_read(struct ledger *l, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		QT_FAIL("%s: %s", path, strerror(errno));
	memset(l, 0, sizeof(*l));
	l->records = calloc(JOBS, 1);
	QT_ASSERT(l->records != NULL);
	while (getline(&line, &cap, f) > 0)
		ledger_line(l, line);
	free(line);
	fclose(f);
}

static bool ledger_lost(const struct ledger *l, uint64_t seq)
{
	size_t i;

	for (i = 0; i < l->nloss; i++)
		if (seq >= l->loss[i].first && seq <= l->loss[i].last)
			return true;
	return false;
}

static double secs_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void load_body(void *arg)
{
	struct daemon *d = arg;
	uint64_t records = 0, losses = 0, missing = 0;
	struct timespec t0;
	struct ledger l;
	pid_t pids[SUBMITTERS], daemon;
	unsigned int i;

	job_seq = mmap(NULL, JOBS * sizeof(*job_seq), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	QT_ASSERT(job_seq != MAP_FAILED);
	new_device_ok(LOAD_DEV, LOAD_SPEC);
	daemon = daemon_start(d);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < SUBMITTERS; i++) {
		pids[i] = fork_ok();
		if (!pids[i]) {
			submitter(i);
			_exit(0);
		}
	}
	for (i = 0; i < SUBMITTERS; i++)
		if (wait_status(pids[i]))
			QT_FAIL("submitter %u failed", i);
	printf("# %d jobs by %d submitters in %.1f s\n", JOBS, SUBMITTERS,
	       secs_since(&t0));
	daemon_stop_ok(daemon);
	printf("# daemon drained after %.1f s\n", secs_since(&t0));

	del_device_ok(LOAD_DEV);
	ledger_read(&l, d->log);
	for (i = 0; i < JOBS; i++) {
		if (l.records[i]) {
			records++;
		} else if (ledger_lost(&l, job_seq[i])) {
			losses++;
		} else {
			if (missing++ < 10)
				printf("# job %u (seq %" PRIu64 ") unaccounted\n",
				       i, job_seq[i]);
		}
	}
	printf("# audit load: jobs %d records %" PRIu64 " losses %" PRIu64
	       "\n", JOBS, records, losses);
	printf("# log: %" PRIu64 " lines, %zu loss lines, %" PRIu64
	       " job lines of other jobs\n", l.lines, l.nloss, l.other_jobs);
	QT_ASSERT_EQ(missing, 0);
	QT_ASSERT_EQ(records + losses, JOBS);
	free(l.records);
	free(l.loss);
}

QPU_TEST_TIMEOUT(every_job_recorded_or_lost, 900)
{
	struct daemon d;

	need("qpu-auditd", NULL);
	daemon_paths(&d);
	run_with_cleanup(load_body, daemon_cleanup, &d);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
