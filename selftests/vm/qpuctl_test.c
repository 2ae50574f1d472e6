// SPDX-License-Identifier: GPL-2.0
/*
 * qpuctl_test.c - qpuctl as an administrator runs it, against the real
 * "qpu" generic netlink family, and the refusal messages of libqpu as a
 * user sees them:
 *
 *  - usage errors (unknown keys, bad values, bad devices) exit 2 and say
 *    what was wrong, before anything is sent;
 *  - CGROUP arguments: a missing cgroup, a file of a cgroup, a directory
 *    outside cgroup2 are refused with a clear message;
 *  - status, tenant show (of a cgroup, and by default of the caller's
 *    own, from /proc/self/cgroup), tenant list, tenant set and del, in
 *    text and as JSON parsed back (paths with quotes and backslashes
 *    included); an unprivileged caller cannot set limits and is told why;
 *  - with the tenant core: the limits set are the limits shown, the list
 *    has the tenant, a refused allocation names the limit and the cgroup
 *    (qpu-run, through qpu_errmsg()), and so does a job of a batch that
 *    a shot budget refuses, on the io_uring and on the ioctl path (the
 *    CQE has only the errno; libqpu reads the detail).
 *
 * Tests that need the family skip without it; those that need limits to
 * be kept skip while GET_INFO lacks QPU_FEAT_TENANTS. Cgroups: /qct-*
 * under the cgroup2 mount (the VM's init mounts /sys/fs/cgroup), removed
 * after.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include <libqpu.h>

#include "tool_util.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define BELL_QASM	"/examples/bell.qasm"

static void need_cgroup2(void)
{
	struct statfs sfs;

	if (statfs(CG_ROOT, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		mkdir(CG_ROOT, 0755);
		if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
			qt_skip("no cgroup2 at %s: %s", CG_ROOT,
				strerror(errno));
	}
}

/*
 * Run @argv with output captured, in the child moved into the cgroup
 * directory @cg first (if not NULL) and with uid/gid @uid (if >= 0,
 * which drops every capability).
 */
static void run_as(const char *const argv[], const char *cg, int uid,
		   struct cmd_out *o)
{
	run_capture_as(argv, cg, uid, o);
	QT_ASSERT(o->status < 124 || o->status > 127);
}

/* Exit status @status, and @needle in stderr (if not NULL). */
static void expect(const struct cmd_out *o, const char *what, int status,
		   const char *needle)
{
	if (o->status != status)
		QT_FAIL("%s: exit %d, want %d\nstdout: %s\nstderr: %s", what,
			o->status, status, o->out, o->err);
	if (needle && !strstr(o->err, needle))
		QT_FAIL("%s: stderr lacks '%s': %s", what, needle, o->err);
}

/* Skip unless qpuctl is there and the family answers. */
static void need_family(void)
{
	static const char *const argv[] = { "qpuctl", "-j", "status", NULL };
	struct cmd_out o;

	need("qpuctl", NULL);
	run_as(argv, NULL, -1, &o);
	if (o.status && strstr(o.err, "is not registered"))
		qt_skip("the qpu netlink family is not registered: %s", o.err);
	cmd_free(&o);
}

/* A fresh cgroup CG_ROOT/@name (removed first if a run left it). */
static void cg_make(const char *name, char *path, size_t len, uint64_t *id)
{
	struct stat st;

	snprintf(path, len, "%s/%s", CG_ROOT, name);
	rmdir(path);
	if (mkdir(path, 0755))
		QT_FAIL("mkdir %s: %s", path, strerror(errno));
	QT_ASSERT_OK(stat(path, &st));
	if (id)
		*id = st.st_ino;
}

/* The elements of the JSON array at @m, as spans like members'. */
static int js_array(const struct js_member *m, struct js_member *el, int max)
{
	const char *p = m->val;
	int n = 0;

	if (*p++ != '[')
		QT_FAIL("\"%s\" is not an array", m->key);
	js_ws(&p);
	if (*p == ']')
		return 0;
	for (;;) {
		js_ws(&p);
		if (n < max)
			el[n].val = p;
		if (!js_value(&p, 1))
			QT_FAIL("bad element %d of \"%s\"", n, m->key);
		if (n < max)
			el[n].end = p;
		n++;
		js_ws(&p);
		if (*p == ']')
			return n;
		if (*p++ != ',')
			QT_FAIL("bad array \"%s\"", m->key);
	}
}

/* Parse the object in [@m->val, @m->end) into @sub. */
static int js_sub(const struct js_member *m, struct js_member *sub)
{
	char *t = js_text(m);
	int n;

	/* The spans point into @t: keep it (the test is short-lived). */
	if (!js_parse_object(t, sub, &n))
		QT_FAIL("\"%s\" is not an object: %s", m->key, t);
	return n;
}

/* A member that must be the string @want. */
static void js_str_is(const struct js_member *m, int n, const char *key,
		      const char *want)
{
	const struct js_member *v = js_find(m, n, key);
	const char *p;
	char s[512];

	if (!v)
		QT_FAIL("no \"%s\"", key);
	p = v->val;
	if (!js_string(&p, s, sizeof(s)) || p != v->end)
		QT_FAIL("\"%s\" is not a string", key);
	if (strcmp(s, want))
		QT_FAIL("\"%s\" is '%s', want '%s'", key, s, want);
}

/* ---- no family needed -------------------------------------------------- */

QPU_TEST(usage_errors_exit_2)
{
	static const struct {
		const char *argv[8];
		const char *msg;
	} cases[] = {
		{ { "qpuctl", NULL }, "usage:" },
		{ { "qpuctl", "-x", "status", NULL }, "usage:" },
		{ { "qpuctl", "bogus", NULL }, "unknown command" },
		{ { "qpuctl", "tenant", NULL }, "set, show, list or del" },
		{ { "qpuctl", "tenant", "frob", NULL }, "unknown tenant command" },
		{ { "qpuctl", "tenant", "set", "/", NULL }, "KEY=VALUE" },
		{ { "qpuctl", "tenant", "set", "/", "bogus=1", NULL },
		  "unknown key 'bogus'" },
		{ { "qpuctl", "tenant", "set", "/", "weight=0", NULL },
		  "weight '0' is not 1..10000" },
		{ { "qpuctl", "tenant", "set", "/", "shots.max=1000", NULL },
		  "not \"N PERIOD\"" },
		{ { "qpuctl", "tenant", "set", "/", "qpu_time.max=1h 1", NULL },
		  "unknown unit 'h'" },
		{ { "qpuctl", "tenant", "set", "/", "isolation=full", NULL },
		  "isolation 'full'" },
		{ { "qpuctl", "tenant", "set", "/", "jobs.max=1",
		    "jobs.max=2", NULL }, "given twice" },
		{ { "qpuctl", "-d", "qpux", "tenant", "show", NULL },
		  "not N, qpuN or /dev/qpuN" },
		{ { "qpuctl", "-d", "nope", "status", NULL }, "not N, qpuN" },
		{ { "qpuctl", "tenant", "del", NULL }, "exactly one CGROUP" },
		{ { "qpuctl", "alloc", "many", NULL }, "bad qubit count" },
	};
	struct cmd_out o;
	size_t i;

	need("qpuctl", NULL);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		run_as(cases[i].argv, NULL, -1, &o);
		expect(&o, cases[i].argv[1] ? cases[i].argv[1] : "no args",
		       2, cases[i].msg);
		QT_ASSERT_EQ(strlen(o.out), 0);
		cmd_free(&o);
	}
}

QPU_TEST(bad_cgroup_arguments)
{
	static const struct {
		const char *arg;
		const char *msg;
	} cases[] = {
		{ "/qct-does-not-exist", "no such cgroup: /qct-does-not-exist" },
		{ CG_ROOT "/qct-does-not-exist", "no such cgroup" },
		{ "qct-does-not-exist/child", "no such cgroup" },
		{ CG_ROOT "/cgroup.procs", "is not a directory" },
		{ "/cgroup.procs", "is not a directory" },
		{ "/tmp", "is not on a cgroup2 file system" },
		{ "./qct-nope", "no such cgroup: ./qct-nope" },
	};
	const char *argv[6] = { "qpuctl", "tenant", NULL, NULL, NULL, NULL };
	struct cmd_out o;
	size_t i;

	need("qpuctl", NULL);
	need_cgroup2();
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		argv[2] = "show";
		argv[3] = cases[i].arg;
		argv[4] = NULL;
		run_as(argv, NULL, -1, &o);
		expect(&o, cases[i].arg, 1, cases[i].msg);
		cmd_free(&o);
		argv[2] = "set";
		argv[4] = "weight=5";
		run_as(argv, NULL, -1, &o);
		expect(&o, cases[i].arg, 1, cases[i].msg);
		cmd_free(&o);
		argv[2] = "del";
		argv[4] = NULL;
		run_as(argv, NULL, -1, &o);
		expect(&o, cases[i].arg, 1, cases[i].msg);
		cmd_free(&o);
	}
}

/* ---- with the family --------------------------------------------------- */

QPU_TEST(status_text_and_json)
{
	static const char *const text[] = { "qpuctl", "status", NULL };
	static const char *const json[] = { "qpuctl", "-j", "status", NULL };
	static const char *const one[] = { "qpuctl", "-j", "-d", "/dev/qpu0",
					   "status", NULL };
	struct js_member m[JS_MAX_MEMBERS], el[8], d[JS_MAX_MEMBERS];
	const struct js_member *v;
	struct cmd_out o;
	int n, nel, nd;

	need_family();
	run_as(text, NULL, -1, &o);
	expect(&o, "status", 0, NULL);
	if (!strstr(o.out, "DEVICE") || !strstr(o.out, "qpu0") ||
	    !strstr(o.out, QPU0_TOPOLOGY))
		QT_FAIL("status text lacks the device: %s", o.out);
	cmd_free(&o);

	run_as(json, NULL, -1, &o);
	expect(&o, "-j status", 0, NULL);
	if (!js_parse_object(o.out, m, &n))
		QT_FAIL("not one JSON object: %s", o.out);
	v = js_find(m, n, "devices");
	QT_ASSERT(v);
	nel = js_array(v, el, ARRAY_LEN(el));
	QT_ASSERT_GE(nel, 1);
	strcpy(el[0].key, "devices[0]");
	nd = js_sub(&el[0], d);
	js_str_is(d, nd, "name", "qpu0");
	js_str_is(d, nd, "topology", QPU0_TOPOLOGY);
	QT_ASSERT_EQ(js_u64(js_find(d, nd, "dev_id"), "dev_id"), 0);
	QT_ASSERT_EQ(js_u64(js_find(d, nd, "qubits"), "qubits"),
		     QPU0_NUM_QUBITS);
	QT_ASSERT_LE(js_u64(js_find(d, nd, "free_qubits"), "free_qubits"),
		     QPU0_NUM_QUBITS);
	js_u64(js_find(d, nd, "workers"), "workers");
	js_u64(js_find(d, nd, "jobs_queued"), "jobs_queued");
	js_u64(js_find(d, nd, "jobs_running"), "jobs_running");
	js_u64(js_find(d, nd, "tenants"), "tenants");
	v = js_find(m, n, "tenants");
	QT_ASSERT(v);
	js_array(v, el, ARRAY_LEN(el));
	cmd_free(&o);

	/* -d: that device only (a DEV_GET request, not a dump). */
	run_as(one, NULL, -1, &o);
	expect(&o, "-j -d status", 0, NULL);
	QT_ASSERT(js_parse_object(o.out, m, &n));
	QT_ASSERT_EQ(js_array(js_find(m, n, "devices"), el, ARRAY_LEN(el)), 1);
	cmd_free(&o);
}

QPU_TEST(unknown_device)
{
	static const char *const argv[] = { "qpuctl", "-d", "63", "tenant",
					    "show", "/", NULL };
	static const char *const st[] = { "qpuctl", "-d", "qpu63", "status",
					  NULL };
	struct cmd_out o;

	need_family();
	run_as(argv, NULL, -1, &o);
	expect(&o, "show on qpu63", 1, "No such device");
	cmd_free(&o);
	run_as(st, NULL, -1, &o);
	expect(&o, "status of qpu63", 1, "No such device");
	cmd_free(&o);
}

/* tenant show of @arg as JSON: checks the naming members, returns them. */
static int show_json(const char *arg, const char *cg, const char *want_path,
		     uint64_t want_id, uint32_t want_level, struct cmd_out *o,
		     struct js_member *m)
{
	const char *argv[] = { "qpuctl", "-j", "tenant", "show", arg, NULL };
	int n;

	run_as(argv, cg, -1, o);
	expect(o, "-j tenant show", 0, NULL);
	if (!js_parse_object(o->out, m, &n))
		QT_FAIL("not one JSON object: %s", o->out);
	js_str_is(m, n, "device", "qpu0");
	js_str_is(m, n, "cgroup", want_path);
	QT_ASSERT_EQ(js_u64(js_find(m, n, "cgroup_id"), "cgroup_id"), want_id);
	QT_ASSERT_EQ(js_u64(js_find(m, n, "level"), "level"), want_level);
	QT_ASSERT(js_find(m, n, "configured"));
	return n;
}

QPU_TEST(show_own_cgroup_by_default)
{
	struct js_member m[JS_MAX_MEMBERS];
	struct cmd_out o;
	char path[256], child[300];
	uint64_t id, cid;
	struct stat st;

	need_family();
	need_cgroup2();
	cg_make("qct-own", path, sizeof(path), &id);
	/* No argument: the caller's cgroup, whichever that is. */
	show_json(NULL, path, "/qct-own", id, 1, &o, m);
	cmd_free(&o);
	snprintf(child, sizeof(child), "%s/leaf", path);
	QT_ASSERT_OK(mkdir(child, 0755));
	QT_ASSERT_OK(stat(child, &st));
	cid = st.st_ino;
	show_json(NULL, child, "/qct-own/leaf", cid, 2, &o, m);
	cmd_free(&o);
	/* Every spelling of a cgroup names the same one. */
	show_json("qct-own/leaf", NULL, "/qct-own/leaf", cid, 2, &o, m);
	cmd_free(&o);
	show_json("/qct-own/leaf", NULL, "/qct-own/leaf", cid, 2, &o, m);
	cmd_free(&o);
	show_json(child, NULL, "/qct-own/leaf", cid, 2, &o, m);
	cmd_free(&o);
	show_json("/", NULL, "/", 1, 0, &o, m);
	cmd_free(&o);
	QT_ASSERT_OK(rmdir(child));
	QT_ASSERT_OK(rmdir(path));
}

QPU_TEST(json_escapes_cgroup_names)
{
	struct js_member m[JS_MAX_MEMBERS];
	char path[256];
	struct cmd_out o;
	uint64_t id;

	need_family();
	need_cgroup2();
	cg_make("qct-\"quoted\" \\ name", path, sizeof(path), &id);
	show_json(path, NULL, "/qct-\"quoted\" \\ name", id, 1, &o, m);
	if (!strstr(o.out, "\"/qct-\\\"quoted\\\" \\\\ name\""))
		QT_FAIL("not escaped as expected: %s", o.out);
	cmd_free(&o);
	QT_ASSERT_OK(rmdir(path));
}

QPU_TEST(set_show_list_del)
{
	struct js_member m[JS_MAX_MEMBERS], sub[JS_MAX_MEMBERS], el[64];
	const struct js_member *v;
	char path[256];
	struct cmd_out o;
	uint64_t id;
	int n, ns, nel, i;
	bool found = false;

	need_family();
	need_cgroup2();
	cg_make("qct-hospital", path, sizeof(path), &id);
	{
		const char *argv[] = { "qpuctl", "tenant", "set", path,
				       "qubits.max=16", "jobs.max=64",
				       "shots.max=1000000 3600",
				       "qpu_time.max=5s 60", "weight=200",
				       "latency=interactive",
				       "isolation=guard", NULL };

		run_as(argv, NULL, -1, &o);
		expect(&o, "tenant set", 0, NULL);
		QT_ASSERT_EQ(strlen(o.out), 0);
		cmd_free(&o);
	}
	{
		const char *argv[] = { "qpuctl", "tenant", "show",
				       "/qct-hospital", NULL };

		run_as(argv, NULL, -1, &o);
		expect(&o, "tenant show", 0, NULL);
		if (!strstr(o.out, "qpu0 /qct-hospital (cgroup ") ||
		    !strstr(o.out, "qubits.max") || !strstr(o.out, "weight"))
			QT_FAIL("tenant show text: %s", o.out);
		cmd_free(&o);
	}
	n = show_json("/qct-hospital", NULL, "/qct-hospital", id, 1, &o, m);
	/* The shape, whatever the values. */
	v = js_find(m, n, "qubits");
	QT_ASSERT(v);
	ns = js_sub(v, sub);
	QT_ASSERT(js_find(sub, ns, "max") && js_find(sub, ns, "current"));
	v = js_find(m, n, "shots");
	QT_ASSERT(v);
	ns = js_sub(v, sub);
	QT_ASSERT(js_find(sub, ns, "limit") && js_find(sub, ns, "period") &&
		  js_find(sub, ns, "used") && js_find(sub, ns, "remaining") &&
		  js_find(sub, ns, "reset_ns") && js_find(sub, ns, "total"));
	v = js_find(m, n, "events");
	QT_ASSERT(v);
	ns = js_sub(v, sub);
	js_u64(js_find(sub, ns, "qubits.max"), "qubits.max");
	js_u64(js_find(sub, ns, "shots.max"), "shots.max");

	if (!tenant_core()) {
		cmd_free(&o);
		QT_ASSERT_OK(rmdir(path));
		qt_skip("the tenant core is not merged (no QPU_FEAT_TENANTS): "
			"limits are not kept, so set/show/del round trips "
			"cannot be checked");
	}
	QT_ASSERT(!strncmp(js_find(m, n, "configured")->val, "true", 4));
	ns = js_sub(js_find(m, n, "qubits"), sub);
	QT_ASSERT_EQ(js_u64(js_find(sub, ns, "max"), "qubits.max"), 16);
	ns = js_sub(js_find(m, n, "jobs"), sub);
	QT_ASSERT_EQ(js_u64(js_find(sub, ns, "max"), "jobs.max"), 64);
	ns = js_sub(js_find(m, n, "shots"), sub);
	QT_ASSERT_EQ(js_u64(js_find(sub, ns, "limit"), "limit"), 1000000);
	QT_ASSERT_EQ(js_u64(js_find(sub, ns, "period"), "period"), 3600);
	ns = js_sub(js_find(m, n, "qpu_time"), sub);
	QT_ASSERT_EQ(js_u64(js_find(sub, ns, "limit"), "limit"), 5000000000ULL);
	QT_ASSERT_EQ(js_u64(js_find(sub, ns, "period"), "period"), 60);
	QT_ASSERT_EQ(js_u64(js_find(m, n, "weight"), "weight"), 200);
	js_str_is(m, n, "latency", "interactive");
	js_str_is(m, n, "isolation", "guard");
	cmd_free(&o);

	/* "max" goes back to unlimited, shown as the string "max". */
	{
		const char *argv[] = { "qpuctl", "tenant", "set", "qct-hospital",
				       "jobs.max=max", "shots.max=max", NULL };

		run_as(argv, NULL, -1, &o);
		expect(&o, "tenant set max", 0, NULL);
		cmd_free(&o);
	}
	n = show_json("qct-hospital", NULL, "/qct-hospital", id, 1, &o, m);
	ns = js_sub(js_find(m, n, "jobs"), sub);
	js_str_is(sub, ns, "max", "max");
	ns = js_sub(js_find(m, n, "shots"), sub);
	js_str_is(sub, ns, "limit", "max");
	js_str_is(sub, ns, "remaining", "max");
	ns = js_sub(js_find(m, n, "qubits"), sub);
	QT_ASSERT_EQ(js_u64(js_find(sub, ns, "max"), "qubits.max"), 16);
	cmd_free(&o);

	/* The list has it. */
	{
		const char *argv[] = { "qpuctl", "-j", "tenant", "list", NULL };
		struct js_member t[JS_MAX_MEMBERS];
		struct js_member arr = { .key = "list" };
		char *copy;
		int nt;

		run_as(argv, NULL, -1, &o);
		expect(&o, "-j tenant list", 0, NULL);
		copy = o.out;
		arr.val = copy;
		arr.end = copy + strlen(copy);
		while (arr.end > arr.val && isspace((unsigned char)arr.end[-1]))
			arr.end--;
		nel = js_array(&arr, el, ARRAY_LEN(el));
		for (i = 0; i < nel && i < (int)ARRAY_LEN(el); i++) {
			strcpy(el[i].key, "list[]");
			nt = js_sub(&el[i], t);
			if (js_u64(js_find(t, nt, "cgroup_id"), "cgroup_id") ==
			    id) {
				js_str_is(t, nt, "cgroup", "/qct-hospital");
				found = true;
			}
		}
		QT_ASSERT(found);
		cmd_free(&o);
	}
	{
		const char *argv[] = { "qpuctl", "tenant", "list", NULL };

		run_as(argv, NULL, -1, &o);
		expect(&o, "tenant list", 0, NULL);
		QT_ASSERT(strstr(o.out, "/qct-hospital"));
		cmd_free(&o);
	}
	{
		const char *argv[] = { "qpuctl", "status", NULL };

		run_as(argv, NULL, -1, &o);
		expect(&o, "status", 0, NULL);
		QT_ASSERT(strstr(o.out, "/qct-hospital"));
		cmd_free(&o);
	}
	/* Deleted: back to the defaults; a second delete finds nothing. */
	{
		const char *argv[] = { "qpuctl", "tenant", "del",
				       "/qct-hospital", NULL };

		run_as(argv, NULL, -1, &o);
		expect(&o, "tenant del", 0, NULL);
		cmd_free(&o);
		n = show_json("/qct-hospital", NULL, "/qct-hospital", id, 1,
			      &o, m);
		QT_ASSERT(!strncmp(js_find(m, n, "configured")->val, "false",
				   5));
		cmd_free(&o);
		run_as(argv, NULL, -1, &o);
		expect(&o, "second tenant del", 1, "tenant del");
		cmd_free(&o);
	}
	QT_ASSERT_OK(rmdir(path));
}

QPU_TEST(del_without_limits)
{
	const char *argv[] = { "qpuctl", "tenant", "del", "/qct-plain", NULL };
	char path[256];
	struct cmd_out o;

	need_family();
	need_cgroup2();
	cg_make("qct-plain", path, sizeof(path), NULL);
	run_as(argv, NULL, -1, &o);
	expect(&o, "tenant del", 1, "tenant del: ");
	cmd_free(&o);
	QT_ASSERT_OK(rmdir(path));
}

QPU_TEST(unprivileged_cannot_set)
{
	const char *set[] = { "qpuctl", "tenant", "set", "/qct-nobody",
			      "weight=7", NULL };
	const char *del[] = { "qpuctl", "tenant", "del", "/qct-nobody", NULL };
	char path[256];
	struct cmd_out o;

	need_family();
	need_cgroup2();
	cg_make("qct-nobody", path, sizeof(path), NULL);
	run_as(set, NULL, 65534, &o);
	expect(&o, "tenant set as nobody", 1, "Operation not permitted");
	QT_ASSERT(strstr(o.err, "CAP_SYS_ADMIN"));
	cmd_free(&o);
	run_as(del, NULL, 65534, &o);
	expect(&o, "tenant del as nobody", 1, "Operation not permitted");
	cmd_free(&o);
	QT_ASSERT_OK(rmdir(path));
}

/*
 * A refused allocation names the limit and the cgroup that refused it:
 * qpu-run of a 2-qubit circuit in /qct-dept/job, where /qct-dept allows
 * one qubit, says so through libqpu's qpu_errmsg() (the ancestor's path
 * comes from the level and id in the refusal).
 */
QPU_TEST(refusal_names_limit_and_cgroup)
{
	const char *set[] = { "qpuctl", "tenant", "set", "/qct-dept",
			      "qubits.max=1", NULL };
	const char *del[] = { "qpuctl", "tenant", "del", "/qct-dept", NULL };
	const char *run[] = { "qpu-run", "--shots", "10", BELL_QASM, NULL };
	char path[256], leaf[300];
	struct cmd_out o;

	need_family();
	need("qpu-run", BELL_QASM);
	need_cgroup2();
	if (!tenant_core())
		qt_skip("the tenant core is not merged (no QPU_FEAT_TENANTS)");
	cg_make("qct-dept", path, sizeof(path), NULL);
	snprintf(leaf, sizeof(leaf), "%s/job", path);
	QT_ASSERT_OK(mkdir(leaf, 0755));
	run_as(set, NULL, -1, &o);
	expect(&o, "tenant set", 0, NULL);
	cmd_free(&o);
	run_as(run, leaf, -1, &o);
	expect(&o, "qpu-run over qubits.max", 1,
	       "qubits.max of /qct-dept ");
	cmd_free(&o);
	run_as(del, NULL, -1, &o);
	expect(&o, "tenant del", 0, NULL);
	cmd_free(&o);
	QT_ASSERT_OK(rmdir(leaf));
	QT_ASSERT_OK(rmdir(path));
}

/*
 * In a child moved into @cg: three jobs of 64 shots in one batch on path
 * @flags, under shots.max="100 0": the first fits, the others are
 * refused at submission, and qpu_errmsg() explains the refusal.
 */
static void batch_in(const char *cg, uint32_t flags)
{
	struct qpu_completion done[3];
	struct qpu_refusal r;
	struct qpu_circuit *c;
	struct qpu_buffer *res;
	struct qpu_qubits *q;
	struct qpu_batch *b;
	struct qpu_job_desc j;
	struct qpu_loaded l;
	struct qpu_dev *dev;
	char procs[300], text[256];
	int n, i, refused = 0;
	pid_t pid;

	pid = fork_ok();
	if (pid) {
		wait_ok(pid);
		return;
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	QT_ASSERT_EQ(write_sysfs(procs, "0"), 0);
	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &dev), 0);
	QT_ASSERT_EQ(qpu_alloc_qubits(dev, 2, &q), 0);
	c = qpu_circuit_new(2, 2);
	QT_ASSERT(c);
	QT_ASSERT_EQ(qpu_circuit_h(c, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_cx(c, 0, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 0, 0), 0);
	QT_ASSERT_EQ(qpu_circuit_measure(c, 1, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_load(dev, c, q, &l), 0);
	qpu_circuit_free(c);
	QT_ASSERT_EQ(qpu_buffer_new(dev, 3 * qpu_result_size(2, 64, 0), &res),
		     0);
	QT_ASSERT_EQ(qpu_batch_new(dev, 3, flags, &b), 0);
	QT_ASSERT_EQ(qpu_batch_uses_uring(b), !(flags & QPU_BATCH_IOCTL));
	memset(&j, 0, sizeof(j));
	j.circuit = l.handle;
	j.shots = 64;
	j.result_buf = res->handle;
	for (i = 0; i < 3; i++) {
		j.result_offset = i * qpu_result_size(2, 64, 0);
		QT_ASSERT_EQ(qpu_batch_add(b, &j, i), 0);
	}
	QT_ASSERT_EQ(qpu_batch_submit(b), 3);
	for (n = 0; n < 3; ) {
		int got = qpu_batch_wait(b, done, 1, 3);

		QT_ASSERT_GE(got, 1);
		for (i = 0; i < got; i++) {
			if (done[i].status == -EDQUOT)
				refused++;
			else
				QT_ASSERT_EQ(done[i].status, 0);
		}
		n += got;
	}
	QT_ASSERT_EQ(refused, 2);
	if (!strstr(qpu_errmsg(dev), "shots.max of /qct-batch exhausted (64 "
		    "of 100 used this period, 64 requested)"))
		QT_FAIL("%s path: message '%s'", flags ? "ioctl" : "io_uring",
			qpu_errmsg(dev));
	QT_ASSERT_EQ(qpu_get_refusal(dev, &r), 0);
	QT_ASSERT_EQ(r.limit, QPU_LIMIT_SHOTS);
	QT_ASSERT_EQ(r.level, 1);
	QT_ASSERT_EQ(r.usage, 64);
	QT_ASSERT_EQ(r.max, 100);
	QT_ASSERT_EQ(r.request, 64);
	QT_ASSERT_EQ(r.error, EDQUOT);
	QT_ASSERT_GE(qpu_refusal_format(&r, text, sizeof(text)), 1);
	QT_ASSERT(strstr(qpu_errmsg(dev), text));
	qpu_batch_free(b);
	qpu_buffer_free(dev, res);
	qpu_circuit_unload(dev, l.handle);
	qpu_free_qubits(dev, q);
	qpu_close(dev);
	_exit(0);
}

QPU_TEST(batch_refusal_explained)
{
	const char *set[] = { "qpuctl", "tenant", "set", "/qct-batch",
			      "shots.max=100 0", NULL };
	const char *del[] = { "qpuctl", "tenant", "del", "/qct-batch", NULL };
	char path[256];
	struct cmd_out o;
	int k;

	need_family();
	need_cgroup2();
	if (!tenant_core())
		qt_skip("the tenant core is not merged (no QPU_FEAT_TENANTS)");
	cg_make("qct-batch", path, sizeof(path), NULL);
	for (k = 0; k < 2; k++) {
		/* A fresh lifetime budget each time (setting one resets it). */
		run_as(set, NULL, -1, &o);
		expect(&o, "tenant set", 0, NULL);
		cmd_free(&o);
		batch_in(path, k ? QPU_BATCH_IOCTL : 0);
	}
	run_as(del, NULL, -1, &o);
	expect(&o, "tenant del", 0, NULL);
	cmd_free(&o);
	QT_ASSERT_OK(rmdir(path));
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
