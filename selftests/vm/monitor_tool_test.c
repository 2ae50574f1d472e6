// SPDX-License-Identifier: GPL-2.0
/*
 * monitor_tool_test.c - qpu-monitor (tools/qpu-monitor/) as an
 * administrator runs it, in the background, against the real hook:
 *
 *  - repeat-2q=deny: a blatant circuit (200 consecutive CX(0,1), which
 *    every implementation of rule 1 detects) is refused with -EPERM and
 *    reason 1, an ordinary one accepted; after SIGTERM (exit 0, a
 *    summary) the JSON file has exactly one event, naming the loader's
 *    pid, uid, cgroup id and path and the hash CIRCUIT_LOAD returned;
 *  - flag and log: accepted, and exactly one event each;
 *  - SIGKILL: the kernel detaches the policy (sysfs policy empties) and
 *    nothing is refused any more;
 *  - a second monitor fails with a message naming the attached policy;
 *  - --device 1 applies to /dev/qpu1 only;
 *  - loss is never silent: with the monitor stopped (SIGSTOP), a burst of
 *    flagged loads overflows the ring buffer; afterwards the events
 *    written plus the drops reported add up to the loads, and the drop
 *    lines' total equals their sum;
 *  - --count N and --duration S end it (exit 0), -q keeps stderr empty;
 *  - without privileges, without qpu.ko, and with bad options, it
 *    says why.
 *
 * Every other rule is off (--rule all=off first), so the counts do not
 * depend on what else the policy implements. The loads are made by a
 * child in cgroup /qmt (removed after).
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "tool_util.h"
#include "cgroup_util.h"

#define MON		"qpu-monitor"
#define MON_OUT		"/tmp/qmt.json"
#define MON_ERR		"/tmp/qmt.err"
#define TEST_CG		"qmt"
#define BLATANT_GATES	200

/** struct mon - a qpu-monitor running in the background */
struct mon {
	pid_t pid;
	int status;
	char *out;	/* after mon_stop(): the JSON lines */
	char *err;	/* stderr */
};

/* sysfs qpuN/policy */
static void policy_of(unsigned int dev, char *buf, size_t len)
{
	dev_attr_str(dev, "policy", buf, len);
}

/*
 * Start qpu-monitor with "--rule all=off", @args (NULL-terminated, at
 * most 8) and "-o MON_OUT"; wait until device @dev's policy is ours.
 */
static void mon_start_as(struct mon *m, unsigned int dev,
			 const char *const *args, bool all_off)
{
	const char *argv[16] = { MON, "-o", MON_OUT, "--rule", "all=off" };
	unsigned int n = all_off ? 5 : 3, i;
	char name[64];
	int fd;

	need(MON, NULL);
	unlink(MON_OUT);
	for (i = 0; args[i] && n < ARRAY_LEN(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	memset(m, 0, sizeof(*m));
	m->pid = fork_ok();
	if (!m->pid) {
		/* never outlive the test: a stray policy would fail others */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(MON_ERR, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		policy_of(dev, name, sizeof(name));
		if (!strcmp(name, "qpu-monitor"))
			return;
		if (waitpid(m->pid, &m->status, WNOHANG) == m->pid) {
			size_t len;
			char *err = read_all_ok(MON_ERR, &len);

			QT_FAIL("qpu-monitor exited before attaching "
				"(status %d): %s", m->status, err);
		}
		usleep(20000);
	}
	QT_FAIL("qpu%u's policy is '%s' 10 s after starting qpu-monitor",
		dev, name);
}

static void mon_start(struct mon *m, unsigned int dev, const char *const *args)
{
	mon_start_as(m, dev, args, true);
}

/* Send @sig (0: none), wait, read what it wrote; status in m->status. */
static void mon_stop(struct mon *m, int sig)
{
	size_t len;

	if (sig)
		kill(m->pid, sig);
	m->status = wait_status(m->pid);
	m->out = access(MON_OUT, R_OK) ? strdup("") :
		 read_all_ok(MON_OUT, &len);
	m->err = read_all_ok(MON_ERR, &len);
	QT_ASSERT(m->out && m->err);
}

static void mon_free(struct mon *m)
{
	free(m->out);
	free(m->err);
}

/* The JSON lines of @out whose "event" is @event; each must parse. */
static int lines_of(const char *out, const char *event, char lines[][1024],
		    int max)
{
	const struct js_member *ev;
	struct js_member mem[JS_MAX_MEMBERS];
	const char *p = out, *nl, *v;
	char line[1024], kind[32];
	int n = 0, nm;

	for (; *p; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		if ((size_t)(nl - p) >= sizeof(line))
			QT_FAIL("JSON line too long: %.80s...", p);
		memcpy(line, p, nl - p);
		line[nl - p] = '\0';
		if (!js_parse_object(line, mem, &nm))
			QT_FAIL("not one JSON object: '%s'", line);
		ev = js_find(mem, nm, "event");
		QT_ASSERT(ev != NULL);
		v = ev->val;
		QT_ASSERT(js_string(&v, kind, sizeof(kind)));
		if (strcmp(kind, event))
			continue;
		if (n < max)
			strcpy(lines[n], line);
		n++;
	}
	return n;
}

/* Member @key of @line as a string (JSON string value). */
static void member_str(const char *line, const char *key, char *buf,
		       size_t len)
{
	struct js_member mem[JS_MAX_MEMBERS];
	const struct js_member *m;
	const char *v;
	int n;

	QT_ASSERT(js_parse_object(line, mem, &n));
	m = js_find(mem, n, key);
	if (!m)
		QT_FAIL("no \"%s\" in %s", key, line);
	v = m->val;
	if (!js_string(&v, buf, len))
		QT_FAIL("\"%s\" is not a string in %s", key, line);
}

static uint64_t member_u64(const char *line, const char *key)
{
	struct js_member mem[JS_MAX_MEMBERS];
	int n;

	QT_ASSERT(js_parse_object(line, mem, &n));
	return js_u64(js_find(mem, n, key), key);
}

/* The "evidence" object of @line, as text. */
static char *evidence_of(const char *line)
{
	struct js_member mem[JS_MAX_MEMBERS];
	int n;
	const struct js_member *m;

	QT_ASSERT(js_parse_object(line, mem, &n));
	m = js_find(mem, n, "evidence");
	QT_ASSERT(m != NULL);
	return js_text(m);
}

/* The one "rule" line of @out whose rule is @rule, into @line. */
static void lines_of_rule(const char *out, const char *rule, char *line)
{
	char lines[8][1024], name[64];
	int i, n = lines_of(out, "rule", lines, 8), found = 0;

	for (i = 0; i < n && i < 8; i++) {
		member_str(lines[i], "rule", name, sizeof(name));
		if (strcmp(name, rule))
			continue;
		strcpy(line, lines[i]);
		found++;
	}
	if (found != 1)
		QT_FAIL("want one %s event, got %d: %s", rule, found, out);
}

/* ---- the loader: a child in cgroup TEST_CG ------------------------------ */

/** struct loads - what the loading child did (shared memory) */
struct loads {
	unsigned int dev;
	unsigned int repeat;	/* blatant loads to make */
	pid_t pid;
	int blatant_rc, ordinary_rc;
	uint32_t blatant_reason, blatant_handle;
	uint8_t blatant_hash[32];
	unsigned int accepted;
};

static void blatant_spec(struct circ_spec *s, uint32_t alloc)
{
	static struct qpu_gate g[BLATANT_GATES + 2];
	unsigned int i;

	for (i = 0; i < BLATANT_GATES; i++)
		g[i] = gate_2q(QPU_OP_X, 1, 0, 1);	/* CX(0,1) */
	g[i++] = gate_measure(0, 0);
	g[i++] = gate_measure(1, 1);
	memset(s, 0, sizeof(*s));
	s->alloc = alloc;
	s->num_qubits = 2;
	s->num_clbits = 2;
	s->gates = g;
	s->num_gates = i;
}

static void ordinary_spec(struct circ_spec *s, uint32_t alloc)
{
	static struct qpu_gate g[4];

	g[0] = gate_1q(QPU_OP_H, 0);
	g[1] = gate_2q(QPU_OP_X, 1, 0, 1);
	g[2] = gate_measure(0, 0);
	g[3] = gate_measure(1, 1);
	memset(s, 0, sizeof(*s));
	s->alloc = alloc;
	s->num_qubits = 2;
	s->num_clbits = 2;
	s->gates = g;
	s->num_gates = 4;
}

static void do_loads(void *arg)
{
	struct loads *r = arg;
	struct qpu_circuit_load l;
	struct circ_spec s;
	uint32_t phys[2], alloc;
	unsigned int i;
	int fd = open_dev_id_ok(r->dev);

	r->pid = getpid();
	alloc = alloc_ok(fd, 2, phys);
	blatant_spec(&s, alloc);
	for (i = 0; i < r->repeat; i++) {
		r->blatant_rc = circ_load_raw(fd, &s, &l);
		r->blatant_reason = l.reason;
		r->blatant_handle = l.handle;
		memcpy(r->blatant_hash, l.hash, sizeof(l.hash));
		if (!r->blatant_rc) {
			r->accepted++;
			circ_free_ok(fd, l.handle);
		}
	}
	ordinary_spec(&s, alloc);
	r->ordinary_rc = circ_load_raw(fd, &s, &l);
	close_ok(fd);
}

/* Make the loads in a child in cgroup @cg; the results in shared memory. */
static struct loads *load_in(const char *cg, unsigned int dev,
			     unsigned int repeat)
{
	struct loads *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	QT_ASSERT(r != MAP_FAILED);
	memset(r, 0, sizeof(*r));
	r->dev = dev;
	r->repeat = repeat;
	cg_require();
	cg_cleanup(cg);
	cg_mkdir_ok(cg);
	cg_wait_ok(cg_spawn(cg, 0, do_loads, r), "loader");
	return r;
}

static struct loads *load_in_cgroup(unsigned int dev, unsigned int repeat)
{
	return load_in(TEST_CG, dev, repeat);
}

static void hex(const uint8_t *h, char *buf)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		sprintf(buf + 2 * i, "%02x", h[i]);
}

/*
 * The one event of a blatant load under @action: all its fields. The
 * evidence's numbers are the policy's own; what every implementation
 * of rule 1 must show: the pair (0, 1), a count reaching the threshold.
 */
static void check_event(const char *line, const struct loads *r,
			unsigned int dev, const char *action, uint64_t cg_id)
{
	char buf[256], want[65], *ev;
	struct js_member mem[JS_MAX_MEMBERS];
	int n;

	member_str(line, "rule", buf, sizeof(buf));
	QT_ASSERT(!strcmp(buf, "repeat-2q"));
	member_str(line, "action", buf, sizeof(buf));
	if (strcmp(buf, action))
		QT_FAIL("action '%s', want '%s': %s", buf, action, line);
	member_str(line, "kind", buf, sizeof(buf));
	QT_ASSERT(!strcmp(buf, "load"));
	QT_ASSERT_EQ(member_u64(line, "device"), dev);
	QT_ASSERT_EQ(member_u64(line, "pid"), (uint64_t)r->pid);
	QT_ASSERT_EQ(member_u64(line, "uid"), 0);
	QT_ASSERT_EQ(member_u64(line, "cgroup_id"), cg_id);
	member_str(line, "cgroup", buf, sizeof(buf));
	if (strcmp(buf, "/" TEST_CG))
		QT_FAIL("cgroup '%s', want '/" TEST_CG "'", buf);
	member_str(line, "hash", buf, sizeof(buf));
	hex(r->blatant_hash, want);
	if (strcmp(buf, want))
		QT_FAIL("hash %s, CIRCUIT_LOAD said %s", buf, want);
	/* 2026-12-02T03:14:34.123Z */
	member_str(line, "time", buf, sizeof(buf));
	QT_ASSERT_EQ(strlen(buf), 24);
	QT_ASSERT(buf[4] == '-' && buf[10] == 'T' && buf[19] == '.' &&
		  buf[23] == 'Z');
	ev = evidence_of(line);
	QT_ASSERT(js_parse_object(ev, mem, &n));
	QT_ASSERT(js_u64(js_find(mem, n, "count"), "count") >=
		  js_u64(js_find(mem, n, "threshold"), "threshold"));
	QT_ASSERT(js_u64(js_find(mem, n, "last_gate"), "last_gate") <
		  BLATANT_GATES);
	QT_ASSERT(js_find(mem, n, "first_gate") && js_find(mem, n, "value"));
	if (!strstr(ev, "\"qubits\":[0,1]"))
		QT_FAIL("evidence lacks the pair (0, 1): %s", ev);
	free(ev);
}

static void one_action(const char *rule, const char *action, bool all_off)
{
	const char *args[] = { "--rule", rule, NULL };
	char lines[4][1024];
	struct loads *r;
	struct mon m;
	uint64_t id;

	mon_start_as(&m, 0, args, all_off);
	r = load_in_cgroup(0, 1);
	id = cg_id_ok(TEST_CG);
	mon_stop(&m, SIGTERM);
	cg_cleanup(TEST_CG);
	if (m.status)
		QT_FAIL("qpu-monitor exited %d after SIGTERM: %s", m.status,
			m.err);
	if (!strcmp(action, "deny")) {
		QT_ASSERT_EQ(r->blatant_rc, -EPERM);
		QT_ASSERT_EQ(r->blatant_reason, 1);	/* QPU_MON_REPEAT_2Q */
		QT_ASSERT_EQ(r->blatant_handle, 0);
	} else {
		QT_ASSERT_EQ(r->blatant_rc, 0);
		QT_ASSERT_EQ(r->accepted, 1);
	}
	QT_ASSERT_EQ(r->ordinary_rc, 0);
	QT_ASSERT_EQ(lines_of(m.out, "dropped", lines, 1), 0);
	if (all_off) {
		if (lines_of(m.out, "rule", lines, 4) != 1)
			QT_FAIL("want exactly one event, got: %s", m.out);
		if (!strstr(m.err, "1 event (repeat-2q 1;"))
			QT_FAIL("summary: %s", m.err);
	} else {
		/* other rules log what they like: find repeat-2q's one */
		if (lines_of(m.out, "rule", lines, 4) > 4)
			QT_FAIL("too many events: %s", m.out);
		lines_of_rule(m.out, "repeat-2q", lines[0]);
	}
	check_event(lines[0], r, 0, action, id);
	mon_free(&m);
}

QPU_TEST(deny_refuses_with_reason_and_reports)
{
	one_action("repeat-2q=deny", "deny", true);
}

QPU_TEST(flag_accepts_and_reports)
{
	one_action("repeat-2q=flag", "flag", true);
}

QPU_TEST(log_accepts_and_reports)
{
	one_action("repeat-2q=log", "log", true);
}

/* The other rules at their default, log: the evidence is still whole. */
QPU_TEST(deny_with_every_other_rule_at_log)
{
	one_action("repeat-2q=deny", "deny", false);
}

/*
 * A tenant that appears after the monitor named its first one: the id
 * is new to its cache, so it walks the cgroup2 mount again.
 */
QPU_TEST(new_tenants_are_named)
{
	const char *args[] = { "--rule", "repeat-2q=log", NULL };
	char lines[3][1024], buf[256];
	struct mon m;

	mon_start(&m, 0, args);
	load_in_cgroup(0, 1);
	usleep(300000);		/* the first event written: "/qmt" cached */
	load_in(TEST_CG "/later", 0, 1);
	mon_stop(&m, SIGTERM);
	cg_cleanup(TEST_CG);
	QT_ASSERT_EQ(m.status, 0);
	QT_ASSERT_EQ(lines_of(m.out, "rule", lines, 3), 2);
	member_str(lines[0], "cgroup", buf, sizeof(buf));
	QT_ASSERT(!strcmp(buf, "/" TEST_CG));
	member_str(lines[1], "cgroup", buf, sizeof(buf));
	if (strcmp(buf, "/" TEST_CG "/later"))
		QT_FAIL("second tenant named '%s'", buf);
	mon_free(&m);
}

QPU_TEST(sigkill_detaches)
{
	const char *args[] = { "--rule", "repeat-2q=deny", NULL };
	struct loads *r;
	struct mon m;
	char name[64];
	int i;

	mon_start(&m, 0, args);
	mon_stop(&m, SIGKILL);
	QT_ASSERT_EQ(m.status, 128 + SIGKILL);
	for (i = 0; i < 250; i++) {
		policy_of(0, name, sizeof(name));
		if (!name[0])
			break;
		usleep(20000);
	}
	if (name[0])
		QT_FAIL("policy still '%s' 5 s after SIGKILL", name);
	r = load_in_cgroup(0, 1);
	cg_cleanup(TEST_CG);
	QT_ASSERT_EQ(r->blatant_rc, 0);
	mon_free(&m);
}

QPU_TEST(second_monitor_is_ebusy)
{
	const char *args[] = { "--rule", "repeat-2q=log", NULL };
	static const char *const second[] = { MON, "-o", "/dev/null", NULL };
	struct cmd_out o;
	struct mon m;

	mon_start(&m, 0, args);
	run_capture(second, &o);
	mon_stop(&m, SIGTERM);
	QT_ASSERT_EQ(m.status, 0);
	if (o.status != 1 || !strstr(o.err, "already attached") ||
	    !strstr(o.err, "'qpu-monitor' on qpu0"))
		QT_FAIL("second monitor: exit %d, stderr: %s", o.status, o.err);
	cmd_free(&o);
	mon_free(&m);
}

static void device_one_body(void *arg)
{
	const char *args[] = { "--rule", "repeat-2q=deny", "--device", "1",
			       NULL };
	char name[64], lines[2][1024];
	struct loads *r0, *r1;
	struct mon m;

	(void)arg;
	new_device_ok(1, "full:8");
	mon_start(&m, 1, args);
	policy_of(0, name, sizeof(name));
	QT_ASSERT(!strcmp(name, ""));
	r0 = load_in_cgroup(0, 1);
	r1 = load_in_cgroup(1, 1);
	mon_stop(&m, SIGTERM);
	cg_cleanup(TEST_CG);
	QT_ASSERT_EQ(m.status, 0);
	QT_ASSERT_EQ(r0->blatant_rc, 0);
	QT_ASSERT_EQ(r1->blatant_rc, -EPERM);
	QT_ASSERT_EQ(r1->blatant_reason, 1);
	QT_ASSERT_EQ(lines_of(m.out, "rule", lines, 2), 1);
	QT_ASSERT_EQ(member_u64(lines[0], "device"), 1);
	mon_free(&m);
}

static void device_one_cleanup(void *arg)
{
	(void)arg;
	del_device(1);
}

QPU_TEST(device_option_applies_to_that_device_only)
{
	run_with_cleanup(device_one_body, device_one_cleanup, NULL);
}

/* Enough loads to overflow any ring buffer of up to 1 MiB. */
#define BURST	10000

QPU_TEST_TIMEOUT(drops_are_reported, 300)
{
	const char *args[] = { "--rule", "repeat-2q=flag", NULL };
	char lines[1][1024];
	struct js_member mem[JS_MAX_MEMBERS];
	const char *p, *nl;
	uint64_t events, dropped = 0, total = 0;
	struct loads *r;
	struct mon m;
	char line[1024], *want;
	int n;

	mon_start(&m, 0, args);
	kill(m.pid, SIGSTOP);
	r = load_in_cgroup(0, BURST);
	kill(m.pid, SIGCONT);
	usleep(500000);		/* a poll period or more: drops reported */
	mon_stop(&m, SIGTERM);
	cg_cleanup(TEST_CG);
	QT_ASSERT_EQ(m.status, 0);
	QT_ASSERT_EQ(r->accepted, BURST);
	events = lines_of(m.out, "rule", lines, 0);
	for (p = m.out; *p; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (!strstr(line, "\"event\":\"dropped\""))
			continue;
		QT_ASSERT(js_parse_object(line, mem, &n));
		dropped += js_u64(js_find(mem, n, "count"), "count");
		total = js_u64(js_find(mem, n, "total"), "total");
		QT_ASSERT_EQ(total, dropped);	/* the running total */
	}
	printf("# %llu events written, %llu dropped\n",
	       (unsigned long long)events, (unsigned long long)dropped);
	QT_ASSERT(dropped > 0);
	QT_ASSERT_EQ(events + dropped, BURST);
	if (asprintf(&want, ", %llu dropped", (unsigned long long)dropped) < 0)
		QT_FAIL("asprintf");
	if (!strstr(m.err, want))
		QT_FAIL("summary lacks '%s': %s", want, m.err);
	free(want);
	mon_free(&m);
}

QPU_TEST(count_ends_it)
{
	const char *args[] = { "--rule", "repeat-2q=log", "--count", "1",
			       NULL };
	char lines[2][1024];
	struct loads *r;
	struct mon m;

	mon_start(&m, 0, args);
	r = load_in_cgroup(0, 3);
	mon_stop(&m, 0);	/* it exits by itself after one event */
	cg_cleanup(TEST_CG);
	QT_ASSERT_EQ(r->accepted, 3);
	if (m.status)
		QT_FAIL("exit %d: %s", m.status, m.err);
	QT_ASSERT_EQ(lines_of(m.out, "rule", lines, 2), 1);
	mon_free(&m);
}

QPU_TEST(duration_ends_it_quietly)
{
	static const char *const argv[] = { MON, "--rule", "all=off",
					    "--duration", "1", "-q", "-o",
					    "/dev/null", NULL };
	struct timespec t0, t1;
	struct cmd_out o;
	char name[64];

	need(MON, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_capture(argv, &o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (o.status || o.err[0])
		QT_FAIL("exit %d, stderr '%s'", o.status, o.err);
	QT_ASSERT(t1.tv_sec - t0.tv_sec >= 1);
	policy_of(0, name, sizeof(name));
	QT_ASSERT(!strcmp(name, ""));
	cmd_free(&o);
}

QPU_TEST(unprivileged_is_told_why)
{
	static const char *const argv[] = { MON, NULL };
	struct cmd_out o;

	need(MON, NULL);
	run_capture_as(argv, NULL, 65534, &o);
	if (o.status != 1 || !strstr(o.err, "CAP_SYS_ADMIN"))
		QT_FAIL("as nobody: exit %d, stderr: %s", o.status, o.err);
	cmd_free(&o);
}

static void no_module_body(void *arg)
{
	static const char *const argv[] = { MON, NULL };
	struct cmd_out o;
	int ret, i;

	(void)arg;
	/*
	 * The policies of the tests before hold a reference on the module
	 * until the BPF core frees their struct_ops maps, after a grace
	 * period: retry a little.
	 */
	for (i = 0; i < 250; i++) {
		ret = unload_module();
		if (ret != -EWOULDBLOCK)
			break;
		usleep(20000);
	}
	if (ret)
		QT_FAIL("rmmod qpu: %s", strerror(-ret));
	run_capture(argv, &o);
	if (o.status != 1 || !strstr(o.err, "qpu.ko is not loaded"))
		QT_FAIL("without qpu.ko: exit %d, stderr: %s", o.status,
			o.err);
	cmd_free(&o);
}

static void no_module_cleanup(void *arg)
{
	(void)arg;
	if (!module_loaded())
		load_module("");
}

QPU_TEST(without_the_module_says_so)
{
	need(MON, NULL);
	run_with_cleanup(no_module_body, no_module_cleanup, NULL);
	QT_ASSERT(module_loaded());
}

QPU_TEST(usage_errors_exit_2)
{
	static const char *const bad_rule[] = { MON, "--rule", "nope=deny",
						NULL };
	static const char *const bad_cfg[] = { MON, "-c", "/tmp/qmt.conf",
					       NULL };
	struct cmd_out o;

	need(MON, NULL);
	run_capture(bad_rule, &o);
	QT_ASSERT_EQ(o.status, 2);
	QT_ASSERT(strstr(o.err, "unknown rule 'nope'") != NULL);
	cmd_free(&o);
	write_file_ok("/tmp/qmt.conf", "rule repeat-2q action=deny\n"
		      "rule idle-loop action=sometimes\n");
	run_capture(bad_cfg, &o);
	QT_ASSERT_EQ(o.status, 2);
	if (!strstr(o.err, "/tmp/qmt.conf:2: unknown action 'sometimes'"))
		QT_FAIL("stderr: %s", o.err);
	cmd_free(&o);
	unlink("/tmp/qmt.conf");
}

int main(int argc, char **argv)
{
	skip_all_without_policy_hook();
	return qt_main(argc, argv);
}
