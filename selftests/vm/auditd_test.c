// SPDX-License-Identifier: GPL-2.0
/*
 * auditd_test.c - qpu-auditd (tools/qpu-auditd/) against the real audit
 * records, started as an administrator would, in the background:
 *
 *  - every sequence number accounted for exactly once: records made while
 *    it runs (allocations and frees by this process, with its pid, uid
 *    and handles) and nothing lost; after SIGTERM it exits 0 and removes
 *    its pidfile;
 *  - loss is never silent: with the daemon stopped (SIGSTOP) and a tiny
 *    receive buffer, a burst overruns it; afterwards every number up to
 *    DEV_GET's AUDIT_SEQ is a record or inside exactly one loss line, and
 *    the device counted the overrun (AUDIT_OVERRUN);
 *  - concurrent submitters: every run of every child is a job record
 *    naming its pid, done, with a calibration snapshot for its
 *    calib_hash, or inside a loss line;
 *  - a device removed and created again, and qpu.ko unloaded and loaded
 *    again, give a reset line, and the daemon goes on with the new
 *    numbering (every number from 1 accounted for);
 *  - a calibration write gives a "calib" record and a snapshot named by
 *    its hash holding what sysfs reads; the calibration at start is
 *    snapshotted too;
 *  - --once exits 0 after --idle-ms without records;
 *  - SIGHUP reopens the log after it was renamed;
 *  - without CAP_SYS_ADMIN it exits 1, saying why.
 *
 * Every line must be JSON (json-c reads them).
 */
#include <json-c/json.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "tool_util.h"
#include "job_rig.h"
#include "qpu_nl.h"

#define AUD		"qpu-auditd"
#define AUD_DIR		"/tmp/qad"
#define AUD_LOG		AUD_DIR "/audit.jsonl"
#define AUD_PID		"/tmp/qad.pid"
#define AUD_ERR		"/tmp/qad.err"

static pid_t aud_pid;

/* Start qpu-auditd with @args (NULL-terminated, at most 8) until subscribed. */
static void aud_start(const char *const *args)
{
	const char *argv[20] = { AUD, "--dir", AUD_DIR, "--pidfile", AUD_PID };
	const char *const rm[] = { "rm", "-rf", AUD_DIR, NULL };
	unsigned int n = 5, i;
	int fd, status;

	need(AUD, NULL);
	QT_ASSERT_EQ(run_cmd(rm), 0);
	unlink(AUD_PID);
	for (i = 0; args && args[i] && n < ARRAY_LEN(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	aud_pid = fork_ok();
	if (!aud_pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(AUD_ERR, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		if (path_exists(AUD_PID))
			return;
		if (waitpid(aud_pid, &status, WNOHANG) == aud_pid) {
			size_t len;

			QT_FAIL("qpu-auditd exited before subscribing (status "
				"%d): %s", status, read_all_ok(AUD_ERR, &len));
		}
		usleep(20000);
	}
	QT_FAIL("no %s 10 s after starting qpu-auditd", AUD_PID);
}

/* Stop it with @sig (0: it stops by itself); it must exit 0. */
static void aud_stop_ok(int sig)
{
	size_t len;
	int status;

	if (sig)
		kill(aud_pid, sig);
	status = wait_status(aud_pid);
	aud_pid = 0;
	if (status)
		QT_FAIL("qpu-auditd exited %d: %s", status,
			read_all_ok(AUD_ERR, &len));
}

static void aud_kill(void *arg)
{
	(void)arg;
	if (aud_pid > 0) {
		kill(aud_pid, SIGKILL);
		wait_status(aud_pid);
		aud_pid = 0;
	}
}

/* DEV_GET of qpu0: its audit and calibration counters. */
static void dev_get_ok(struct qpu_nl_dev *d)
{
	struct qpu_nl *nl = qpu_nl_open();
	int ret;

	QT_ASSERT(nl);
	ret = qpu_nl_dev_get(nl, 0, d);
	if (ret)
		QT_FAIL("DEV_GET: %s %s", strerror(-ret), qpu_nl_errmsg(nl));
	qpu_nl_close(nl);
	QT_ASSERT(d->have & (1ULL << QPU_A_DEV_AUDIT_SEQ));
}

/* @n allocations of 2 qubits on qpu0, each freed: 2 * @n records. */
static void alloc_free(int n)
{
	int fd = open_dev(), i;

	for (i = 0; i < n; i++)
		free_ok(fd, alloc_ok(fd, 2, NULL));
	close_ok(fd);
}

/** struct log - the log's lines, parsed */
struct log {
	struct json_object *v[8192];
	int n;
};

static void log_read(struct log *l, const char *path)
{
	size_t len;
	char *text = read_all_ok(path, &len), *p, *nl;

	l->n = 0;
	for (p = text; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			QT_FAIL("%s: last line unterminated: %.80s", path, p);
		*nl = '\0';
		QT_ASSERT_LT(l->n, (int)ARRAY_LEN(l->v));
		l->v[l->n] = json_tokener_parse(p);
		if (!l->v[l->n])
			QT_FAIL("%s: not JSON: %.200s", path, p);
		l->n++;
	}
	free(text);
}

static void log_free(struct log *l)
{
	while (l->n)
		json_object_put(l->v[--l->n]);
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
	       json_object_get_string(v) : "";
}

static uint64_t u64_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		QT_FAIL("no \"%s\" in %s", key, json_object_to_json_string(o));
	return json_object_get_uint64(v);
}

static int count_type(const struct log *l, const char *type)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++)
		n += !strcmp(str_of(l->v[i], "type"), type);
	return n;
}

/*
 * Every number of device @dev in (@from, @to] is exactly one record's or
 * inside exactly one loss line, in lines @first.. of @l. Return: how many
 * were in loss lines.
 */
static uint64_t assert_dev_accounted(const struct log *l, int first,
				     uint32_t dev, uint64_t from, uint64_t to)
{
	uint64_t n = to - from, s, lost = 0;
	unsigned char *seen = calloc(n + 1, 1);
	int i;

	QT_ASSERT(seen);
	for (i = first; i < l->n; i++) {
		struct json_object *o = l->v[i];
		const char *type = str_of(o, "type");
		uint64_t a, b;

		if (strcmp(type, "loss") && strcmp(type, "load") &&
		    strcmp(type, "alloc") && strcmp(type, "free") &&
		    strcmp(type, "job") && strcmp(type, "calib") &&
		    strcmp(type, "limit") && strcmp(type, "deny"))
			continue;
		if (u64_of(o, "dev_id") != dev)
			continue;
		if (!strcmp(type, "loss")) {
			a = u64_of(o, "first_seq");
			b = u64_of(o, "last_seq");
			QT_ASSERT_EQ(u64_of(o, "count"), b - a + 1);
			QT_ASSERT_LE(u64_of(o, "kernel_lost"), b - a + 1);
			lost += b - a + 1;
		} else {
			a = b = u64_of(o, "seq");
		}
		for (s = a; s <= b; s++) {
			if (s <= from || s > to)
				continue;
			if (seen[s - from]++)
				QT_FAIL("seq %llu accounted for twice",
					(unsigned long long)s);
		}
	}
	for (s = from + 1; s <= to; s++)
		if (!seen[s - from])
			QT_FAIL("seq %llu neither logged nor in a loss line "
				"(range %llu..%llu)", (unsigned long long)s,
				(unsigned long long)from + 1,
				(unsigned long long)to);
	free(seen);
	return lost;
}

/* The same for qpu0, all lines. */
static uint64_t assert_accounted(const struct log *l, uint64_t from,
				 uint64_t to)
{
	return assert_dev_accounted(l, 0, 0, from, to);
}

/* Index of the first "reset" line of device @dev, or -1. */
static int reset_line(const struct log *l, uint32_t dev)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(str_of(l->v[i], "type"), "reset") &&
		    u64_of(l->v[i], "dev_id") == dev)
			return i;
	return -1;
}

/* ---- tests ---------------------------------------------------------------- */

static void every_seq_body(void *arg)
{
	struct qpu_nl_dev before, after;
	struct log l;
	int i, allocs = 0;

	(void)arg;
	aud_start(NULL);
	dev_get_ok(&before);
	alloc_free(20);
	dev_get_ok(&after);
	QT_ASSERT_EQ(after.audit_seq - before.audit_seq, 40);
	aud_stop_ok(SIGTERM);
	QT_ASSERT(!path_exists(AUD_PID));
	log_read(&l, AUD_LOG);
	QT_ASSERT_EQ(assert_accounted(&l, before.audit_seq, after.audit_seq), 0);
	QT_ASSERT_EQ(count_type(&l, "loss"), 0);
	for (i = 0; i < l.n; i++) {
		struct json_object *o = l.v[i];

		if (strcmp(str_of(o, "type"), "alloc") ||
		    u64_of(o, "pid") != (uint64_t)getpid())
			continue;
		allocs++;
		QT_ASSERT_EQ(u64_of(o, "uid"), getuid());
		QT_ASSERT_EQ(u64_of(o, "num_qubits"), 2);
	}
	QT_ASSERT_EQ(allocs, 20);
	QT_ASSERT_GE(count_type(&l, "free"), 20);
	log_free(&l);
}

QPU_TEST(every_seq_accounted)
{
	run_with_cleanup(every_seq_body, aud_kill, NULL);
}

static void overrun_body(void *arg)
{
	const char *const args[] = { "--rcvbuf", "1", NULL };
	struct qpu_nl_dev before, after;
	struct log l;
	uint64_t lost;

	(void)arg;
	aud_start(args);
	dev_get_ok(&before);
	kill(aud_pid, SIGSTOP);
	alloc_free(500);
	dev_get_ok(&after);
	kill(aud_pid, SIGCONT);
	aud_stop_ok(SIGTERM);
	log_read(&l, AUD_LOG);
	lost = assert_accounted(&l, before.audit_seq, after.audit_seq);
	QT_ASSERT_GT(lost, 0);
	QT_ASSERT_GE(count_type(&l, "loss"), 1);
	QT_ASSERT_GT(after.audit_overrun, before.audit_overrun);
	log_free(&l);
}

QPU_TEST(overrun_is_loss)
{
	run_with_cleanup(overrun_body, aud_kill, NULL);
}

#define SUBMITTERS	8
#define RUNS		40

/* RUNS synchronous runs on qpu0, then exit 0. */
static void submitter(void)
{
	struct qpu_job_desc j;
	struct rig r;
	uint32_t i;

	rig_up(&r, RUNS, 16, 100, 0);
	for (i = 0; i < RUNS; i++) {
		j = rig_job(&r, i);
		if (qpu_run_job(r.dev, &j, NULL))
			_exit(1);
	}
	rig_down(&r);
	_exit(0);
}

static void snapshot_exists(const char *hash)
{
	char path[256];

	QT_ASSERT_EQ(strlen(hash), 64);
	snprintf(path, sizeof(path), AUD_DIR "/calib/%s", hash);
	if (!path_exists(path))
		QT_FAIL("no snapshot %s", path);
}

static void submitters_body(void *arg)
{
	struct qpu_nl_dev before, after;
	pid_t kids[SUBMITTERS];
	int i, k, runs[SUBMITTERS] = { 0 };
	uint64_t lost;
	struct log l;

	(void)arg;
	aud_start(NULL);
	dev_get_ok(&before);
	for (k = 0; k < SUBMITTERS; k++) {
		kids[k] = fork_ok();
		if (!kids[k])
			submitter();
	}
	for (k = 0; k < SUBMITTERS; k++)
		wait_ok(kids[k]);
	dev_get_ok(&after);
	aud_stop_ok(SIGTERM);
	log_read(&l, AUD_LOG);
	lost = assert_accounted(&l, before.audit_seq, after.audit_seq);
	for (i = 0; i < l.n; i++) {
		struct json_object *o = l.v[i];

		if (strcmp(str_of(o, "type"), "job"))
			continue;
		for (k = 0; k < SUBMITTERS; k++)
			if (u64_of(o, "pid") == (uint64_t)kids[k])
				break;
		if (k == SUBMITTERS)
			continue;
		runs[k]++;
		QT_ASSERT(!strcmp(str_of(o, "origin"), "run"));
		QT_ASSERT(!strcmp(str_of(o, "state"), "done"));
		QT_ASSERT_EQ(u64_of(o, "status"), 0);
		QT_ASSERT_EQ(u64_of(o, "shots"), 16);
		QT_ASSERT_EQ(u64_of(o, "job_id"), 0);
		snapshot_exists(str_of(o, "calib_hash"));
	}
	for (k = 0; k < SUBMITTERS; k++) {
		/* what is not a record is in a loss line */
		if ((uint64_t)runs[k] + lost < RUNS)
			QT_FAIL("child %d: %d job records, %llu lost", k,
				runs[k], (unsigned long long)lost);
	}
	log_free(&l);
}

QPU_TEST(submitters_accounted)
{
	run_with_cleanup(submitters_body, aud_kill, NULL);
}

#define TEST_DEV	3

/* @n allocations of 2 qubits on /dev/qpu@id, each freed. */
static void alloc_free_on(unsigned int id, int n)
{
	int fd = open_dev_id_ok(id), i;

	for (i = 0; i < n; i++)
		free_ok(fd, alloc_ok(fd, 2, NULL));
	close_ok(fd);
}

static void test_dev_gone(void *arg)
{
	char path[64];

	(void)arg;
	aud_kill(NULL);
	if (path_exists(dev_path(path, sizeof(path), TEST_DEV)))
		del_device(TEST_DEV);
}

static void recreated_body(void *arg)
{
	struct log l;
	int r;

	(void)arg;
	aud_start(NULL);
	new_device_ok(TEST_DEV, "ring:8");
	alloc_free_on(TEST_DEV, 3);
	del_device_ok(TEST_DEV);
	new_device_ok(TEST_DEV, "ring:8");
	alloc_free_on(TEST_DEV, 2);
	aud_stop_ok(SIGTERM);
	log_read(&l, AUD_LOG);
	r = reset_line(&l, TEST_DEV);
	if (r < 0) {
		int i;

		for (i = 0; i < l.n; i++)
			printf("# %s\n", json_object_to_json_string(l.v[i]));
		QT_FAIL("no reset line for qpu%u", TEST_DEV);
	}
	QT_ASSERT_GE(u64_of(l.v[r], "prev_seq"), 6);
	QT_ASSERT_EQ(u64_of(l.v[r], "seq"), 1);	/* heard from its start */
	QT_ASSERT_EQ(count_type(&l, "loss"), 0);
	log_free(&l);
}

QPU_TEST(device_recreated_is_reset)
{
	run_with_cleanup(recreated_body, test_dev_gone, NULL);
}

static void module_back(void *arg)
{
	(void)arg;
	aud_kill(NULL);
	if (!module_loaded())
		load_module("");
	wait_for_path(QPU0_PATH, true, 5000);
}

/* The log has a reset line of qpu0 (the daemon heard the new module). */
static bool log_has_reset(void)
{
	struct log l;
	bool yes;

	log_read(&l, AUD_LOG);
	yes = reset_line(&l, 0) >= 0;
	log_free(&l);
	return yes;
}

static void reload_body(void *arg)
{
	struct qpu_nl_dev after;
	struct log l;
	int i, r;

	(void)arg;
	if (!path_exists(MODULE_KO))
		qt_skip("no %s in this guest", MODULE_KO);
	aud_start(NULL);
	alloc_free(2);
	QT_ASSERT_OK(unload_module());
	QT_ASSERT_OK(load_module(""));
	QT_ASSERT(wait_for_path(QPU0_PATH, true, 5000));
	/* until a record of the new module reached the log */
	for (i = 0; i < 100 && !log_has_reset(); i++) {
		alloc_free(1);
		usleep(100000);
	}
	alloc_free(3);
	dev_get_ok(&after);
	aud_stop_ok(SIGTERM);
	log_read(&l, AUD_LOG);
	r = reset_line(&l, 0);
	if (r < 0)
		QT_FAIL("no reset line after reloading qpu.ko: %s",
			"the daemon did not rejoin the audit group");
	QT_ASSERT_GE(u64_of(l.v[r], "prev_seq"), 4);
	/* the new numbering, from 1, every number accounted for */
	assert_dev_accounted(&l, r + 1, 0, 0, after.audit_seq);
	log_free(&l);
}

QPU_TEST(module_reload_is_reset)
{
	run_with_cleanup(reload_body, module_back, NULL);
}

static char *calib_text(void)
{
	char path[128];
	size_t len;

	return read_all_ok(attr_path(path, sizeof(path), 0, "calibration"),
			   &len);
}

static void calib_restore(void *arg)
{
	char *now = calib_text();

	aud_kill(NULL);
	if (strcmp(now, arg))
		write_dev_attr(0, "calibration", arg);
	free(now);
}

static void snapshot_matches(const char *hash, const char *content)
{
	char path[256];
	size_t len;
	char *got;

	QT_ASSERT_EQ(strlen(hash), 64);
	snprintf(path, sizeof(path), AUD_DIR "/calib/%s", hash);
	if (!path_exists(path))
		QT_FAIL("no snapshot %s", path);
	got = read_all_ok(path, &len);
	QT_ASSERT_EQ(len, strlen(content));
	QT_ASSERT(!memcmp(got, content, len));
	free(got);
}

static void calib_body(void *arg)
{
	struct qpu_nl_dev d0, d1;
	char *now;
	struct log l;
	int i, calibs = 0;

	aud_start(NULL);
	dev_get_ok(&d0);
	QT_ASSERT_EQ(write_dev_attr(0, "calibration", "q 0 1 1 10 10\n"), 0);
	dev_get_ok(&d1);
	QT_ASSERT_EQ(d1.calib_epoch, d0.calib_epoch + 1);
	now = calib_text();
	alloc_free(1);		/* a record after it: --once not needed */
	aud_stop_ok(SIGTERM);
	log_read(&l, AUD_LOG);
	for (i = 0; i < l.n; i++) {
		struct json_object *o = l.v[i];

		if (strcmp(str_of(o, "type"), "calib"))
			continue;
		calibs++;
		QT_ASSERT_EQ(u64_of(o, "calib_epoch"), d1.calib_epoch);
		snapshot_matches(str_of(o, "calib_hash"), now);
	}
	QT_ASSERT_EQ(calibs, 1);
	QT_ASSERT_EQ(count_type(&l, "calib_missing"), 0);
	/* the calibration at start was kept too */
	{
		char hex[65];

		for (i = 0; i < 32; i++)
			sprintf(hex + 2 * i, "%02x", d0.calib_hash[i]);
		snapshot_matches(hex, arg);
	}
	log_free(&l);
	free(now);
}

QPU_TEST(calib_snapshot)
{
	char *orig = calib_text();

	run_with_cleanup(calib_body, calib_restore, orig);
	free(orig);
}

static void once_body(void *arg)
{
	const char *const args[] = { "--once", "--idle-ms", "300", NULL };
	struct log l;

	(void)arg;
	aud_start(args);
	alloc_free(1);
	aud_stop_ok(0);
	QT_ASSERT(!path_exists(AUD_PID));
	log_read(&l, AUD_LOG);
	QT_ASSERT_GE(count_type(&l, "alloc"), 1);
	QT_ASSERT_GE(count_type(&l, "free"), 1);
	log_free(&l);
}

QPU_TEST(once_exits_when_idle)
{
	run_with_cleanup(once_body, aud_kill, NULL);
}

static void sighup_body(void *arg)
{
	struct log l;

	(void)arg;
	aud_start(NULL);
	alloc_free(1);
	/* as logrotate does; the first records go to either file */
	QT_ASSERT_OK(rename(AUD_LOG, AUD_LOG ".old"));
	kill(aud_pid, SIGHUP);
	if (!wait_for_path(AUD_LOG, true, 10000))
		QT_FAIL("SIGHUP did not recreate %s", AUD_LOG);
	alloc_free(2);
	aud_stop_ok(SIGTERM);
	log_read(&l, AUD_LOG);
	QT_ASSERT_GE(count_type(&l, "alloc"), 2);
	log_free(&l);
}

QPU_TEST(sighup_reopens)
{
	run_with_cleanup(sighup_body, aud_kill, NULL);
}

QPU_TEST(unprivileged_refused)
{
	const char *const argv[] = { AUD, "--dir", "/tmp/qad-nobody", NULL };
	struct cmd_out o;

	need(AUD, NULL);
	run_capture_as(argv, NULL, 65534, &o);
	QT_ASSERT_EQ(o.status, 1);
	if (!strstr(o.err, "subscribing") && !strstr(o.err, "qad-nobody"))
		QT_FAIL("stderr says: %s", o.err);
	cmd_free(&o);
}

int main(int argc, char **argv)
{
	/* The records need the family's "audit" group (QPU_FEAT_AUDIT). */
	struct qpu_nl_sub *sub = qpu_nl_subscribe(QPU_NL_GRP_AUDIT, 0);

	if (!sub)
		qt_skip_all_reason = "no \"audit\" group of the qpu family";
	qpu_nl_sub_close(sub);
	return qt_main(argc, argv);
}
