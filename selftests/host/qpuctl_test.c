// SPDX-License-Identifier: GPL-2.0
/*
 * qpuctl_test.c - host unit tests of qpuctl's parts that need no kernel
 * (tools/qpuctl/parse.c, json.c, cgroup.c):
 *
 *  - the "tenant set" settings: every key, "max", "N PERIOD" budgets,
 *    duration and period units, range checks, bad input of every kind,
 *    each refused with a message naming what was wrong;
 *  - device names (N, qpuN, /dev/qpuN);
 *  - the JSON emitter: commas, nesting, "max", and string escaping
 *    (quotes, backslashes, control characters, valid UTF-8 kept, every
 *    byte of an invalid sequence replaced by U+FFFD);
 *  - cgroup names, with a temporary directory standing in for the
 *    cgroup2 mount: a directory, a path relative to the root, a file, a
 *    missing path, a file system of the wrong type, ids back to paths,
 *    the caller's own cgroup from a fake /proc/self/cgroup, and the mount
 *    found in a fake mountinfo.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "qpu_test.h"
#include "host_util.h"
#include "qpuctl.h"

/* ---- numbers, limits, durations, periods ------------------------------ */

static void u64_ok(const char *s, uint64_t want)
{
	char err[256] = "";
	uint64_t v = 0;

	if (qpuctl_parse_u64(s, &v, err, sizeof(err)) || v != want)
		QT_FAIL("'%s': got %llu (%s), want %llu", s,
			(unsigned long long)v, err, (unsigned long long)want);
}

/* @call must fail with -EINVAL and a message that contains @needle. */
#define REFUSED(call, needle) do {					\
	char *_e = err;							\
	err[0] = '\0';							\
	int _r = (call);						\
	if (_r != -EINVAL)						\
		QT_FAIL("%s: want -EINVAL, got %d", #call, _r);		\
	if (!strstr(_e, (needle)))					\
		QT_FAIL("%s: message '%s' lacks '%s'", #call, _e,	\
			(needle));					\
} while (0)

QPU_TEST(counts)
{
	char err[256];
	uint64_t v;

	u64_ok("0", 0);
	u64_ok("16", 16);
	u64_ok("007", 7);
	u64_ok("18446744073709551614", UINT64_MAX - 1);
	REFUSED(qpuctl_parse_u64("", &v, err, sizeof(err)), "not a number");
	REFUSED(qpuctl_parse_u64("-1", &v, err, sizeof(err)), "'-1'");
	REFUSED(qpuctl_parse_u64("+1", &v, err, sizeof(err)), "not a number");
	REFUSED(qpuctl_parse_u64(" 1", &v, err, sizeof(err)), "not a number");
	REFUSED(qpuctl_parse_u64("1 ", &v, err, sizeof(err)), "not a number");
	REFUSED(qpuctl_parse_u64("0x10", &v, err, sizeof(err)), "not a number");
	REFUSED(qpuctl_parse_u64("1e3", &v, err, sizeof(err)), "not a number");
	/* QPU_UNLIMITED is spelled "max" only. */
	REFUSED(qpuctl_parse_u64("18446744073709551615", &v, err, sizeof(err)),
		"too large");
	REFUSED(qpuctl_parse_u64("99999999999999999999", &v, err, sizeof(err)),
		"too large");
}

QPU_TEST(limits)
{
	char err[256];
	uint64_t v = 0;

	QT_ASSERT_EQ(qpuctl_parse_limit("max", &v, err, sizeof(err)), 0);
	QT_ASSERT(v == QPU_UNLIMITED);
	QT_ASSERT_EQ(qpuctl_parse_limit("64", &v, err, sizeof(err)), 0);
	QT_ASSERT_EQ(v, 64);
	REFUSED(qpuctl_parse_limit("MAX", &v, err, sizeof(err)),
		"neither a number nor \"max\"");
	REFUSED(qpuctl_parse_limit("maximum", &v, err, sizeof(err)), "maximum");
	REFUSED(qpuctl_parse_limit("", &v, err, sizeof(err)), "neither");
}

QPU_TEST(durations)
{
	static const struct { const char *s; uint64_t ns; } ok[] = {
		{ "0", 0 }, { "42", 42 }, { "300ns", 300 }, { "10us", 10000 },
		{ "200ms", 200000000 }, { "5s", 5000000000ULL },
		{ "18446744073s", 18446744073000000000ULL },
	};
	char err[256];
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 1;
		if (qpuctl_parse_duration_ns(ok[i].s, &v, err, sizeof(err)) ||
		    v != ok[i].ns)
			QT_FAIL("'%s': %llu, want %llu", ok[i].s,
				(unsigned long long)v,
				(unsigned long long)ok[i].ns);
	}
	REFUSED(qpuctl_parse_duration_ns("1.5s", &v, err, sizeof(err)),
		"unknown unit '.5s'");
	REFUSED(qpuctl_parse_duration_ns("5 s", &v, err, sizeof(err)),
		"unknown unit");
	REFUSED(qpuctl_parse_duration_ns("5sec", &v, err, sizeof(err)),
		"unknown unit 'sec'");
	REFUSED(qpuctl_parse_duration_ns("5m", &v, err, sizeof(err)),
		"unknown unit 'm'");
	REFUSED(qpuctl_parse_duration_ns("s", &v, err, sizeof(err)),
		"not a number");
	REFUSED(qpuctl_parse_duration_ns("18446744074s", &v, err, sizeof(err)),
		"too large");
	REFUSED(qpuctl_parse_duration_ns("99999999999999999999ns", &v, err,
					 sizeof(err)), "too large");
}

QPU_TEST(periods)
{
	char err[256];
	uint64_t v;

	QT_ASSERT_EQ(qpuctl_parse_period("3600", &v, err, sizeof(err)), 0);
	QT_ASSERT_EQ(v, 3600);
	QT_ASSERT_EQ(qpuctl_parse_period("60m", &v, err, sizeof(err)), 0);
	QT_ASSERT_EQ(v, 3600);
	QT_ASSERT_EQ(qpuctl_parse_period("1h", &v, err, sizeof(err)), 0);
	QT_ASSERT_EQ(v, 3600);
	QT_ASSERT_EQ(qpuctl_parse_period("1d", &v, err, sizeof(err)), 0);
	QT_ASSERT_EQ(v, 86400);
	QT_ASSERT_EQ(qpuctl_parse_period("0", &v, err, sizeof(err)), 0);
	QT_ASSERT_EQ(v, 0);
	QT_ASSERT_EQ(qpuctl_parse_period("365d", &v, err, sizeof(err)), 0);
	QT_ASSERT_EQ(v, QPU_BUDGET_PERIOD_MAX);
	REFUSED(qpuctl_parse_period("366d", &v, err, sizeof(err)),
		"longer than 31536000 s");
	REFUSED(qpuctl_parse_period("31536001", &v, err, sizeof(err)),
		"longer");
	REFUSED(qpuctl_parse_period("1w", &v, err, sizeof(err)),
		"unknown unit 'w'");
	REFUSED(qpuctl_parse_period("1ms", &v, err, sizeof(err)),
		"unknown unit");
	REFUSED(qpuctl_parse_period("-1", &v, err, sizeof(err)),
		"not a number");
}

QPU_TEST(budgets)
{
	struct qpu_nl_budget b;
	char err[256];

	QT_ASSERT_EQ(qpuctl_parse_budget("1000000 3600", false, &b, err,
					 sizeof(err)), 0);
	QT_ASSERT_EQ(b.limit, 1000000);
	QT_ASSERT_EQ(b.period, 3600);
	QT_ASSERT_EQ(qpuctl_parse_budget("  10 \t 0 ", false, &b, err,
					 sizeof(err)), 0);
	QT_ASSERT_EQ(b.limit, 10);
	QT_ASSERT_EQ(b.period, 0);
	QT_ASSERT_EQ(qpuctl_parse_budget("max", false, &b, err, sizeof(err)),
		     0);
	QT_ASSERT(b.limit == QPU_UNLIMITED && b.period == 0);
	QT_ASSERT_EQ(qpuctl_parse_budget("max 1h", true, &b, err, sizeof(err)),
		     0);
	QT_ASSERT(b.limit == QPU_UNLIMITED && b.period == 3600);
	QT_ASSERT_EQ(qpuctl_parse_budget("5s 1h", true, &b, err, sizeof(err)),
		     0);
	QT_ASSERT(b.limit == 5000000000ULL && b.period == 3600);
	/* Shots have no units. */
	REFUSED(qpuctl_parse_budget("5s 1h", false, &b, err, sizeof(err)),
		"not a number");
	REFUSED(qpuctl_parse_budget("1000", false, &b, err, sizeof(err)),
		"not \"N PERIOD\"");
	REFUSED(qpuctl_parse_budget("", false, &b, err, sizeof(err)),
		"not \"N PERIOD\"");
	REFUSED(qpuctl_parse_budget("1 2 3", false, &b, err, sizeof(err)),
		"not \"N PERIOD\"");
	REFUSED(qpuctl_parse_budget("1 2y", false, &b, err, sizeof(err)),
		"unknown unit 'y'");
	REFUSED(qpuctl_parse_budget("1 400d", false, &b, err, sizeof(err)),
		"longer");
}

/* ---- tenant set settings ---------------------------------------------- */

static void set_ok(struct qpu_nl_limits *st, const char *arg)
{
	char err[256] = "";

	if (qpuctl_parse_setting(st, arg, err, sizeof(err)))
		QT_FAIL("'%s' refused: %s", arg, err);
}

QPU_TEST(settings_every_key)
{
	struct qpu_nl_limits st = { 0 };

	set_ok(&st, "qubits.max=16");
	set_ok(&st, "jobs.max=max");
	set_ok(&st, "shots.max=1000000 3600");
	set_ok(&st, "qpu_time.max=200ms 60");
	set_ok(&st, "weight=200");
	set_ok(&st, "latency=interactive");
	set_ok(&st, "isolation=guard");
	QT_ASSERT_EQ(st.set, QPU_NL_QUBITS_MAX | QPU_NL_JOBS_MAX | QPU_NL_SHOTS |
		     QPU_NL_QPU_TIME | QPU_NL_WEIGHT | QPU_NL_LATENCY | QPU_NL_ISOLATION);
	QT_ASSERT_EQ(st.qubits_max, 16);
	QT_ASSERT(st.jobs_max == QPU_UNLIMITED);
	QT_ASSERT(st.shots.limit == 1000000 && st.shots.period == 3600);
	QT_ASSERT(st.qpu_time.limit == 200000000 && st.qpu_time.period == 60);
	QT_ASSERT_EQ(st.weight, 200);
	QT_ASSERT_EQ(st.latency, QPU_LATENCY_INTERACTIVE);
	QT_ASSERT_EQ(st.isolation, QPU_ISOLATION_GUARD);

	memset(&st, 0, sizeof(st));
	set_ok(&st, "latency=batch");
	set_ok(&st, "isolation=exclusive");
	set_ok(&st, "weight=1");
	QT_ASSERT_EQ(st.latency, QPU_LATENCY_BATCH);
	QT_ASSERT_EQ(st.isolation, QPU_ISOLATION_EXCLUSIVE);
	memset(&st, 0, sizeof(st));
	set_ok(&st, "isolation=shared");
	set_ok(&st, "weight=10000");
	QT_ASSERT_EQ(st.isolation, QPU_ISOLATION_SHARED);
	QT_ASSERT_EQ(st.weight, 10000);
}

QPU_TEST(settings_bad_input)
{
	struct qpu_nl_limits st = { 0 };
	char err[256];

	REFUSED(qpuctl_parse_setting(&st, "qubits.max", err, sizeof(err)),
		"not KEY=VALUE");
	REFUSED(qpuctl_parse_setting(&st, "qubits=16", err, sizeof(err)),
		"unknown key 'qubits'");
	REFUSED(qpuctl_parse_setting(&st, "=16", err, sizeof(err)),
		"unknown key ''");
	REFUSED(qpuctl_parse_setting(&st, "qubits.max=", err, sizeof(err)),
		"qubits.max: ");
	REFUSED(qpuctl_parse_setting(&st, "qubits.max=-3", err, sizeof(err)),
		"qubits.max: '-3'");
	REFUSED(qpuctl_parse_setting(&st, "jobs.max=lots", err, sizeof(err)),
		"jobs.max: 'lots'");
	REFUSED(qpuctl_parse_setting(&st, "shots.max=1000", err, sizeof(err)),
		"shots.max: budget '1000'");
	REFUSED(qpuctl_parse_setting(&st, "qpu_time.max=1h 60", err,
				     sizeof(err)), "unknown unit 'h'");
	REFUSED(qpuctl_parse_setting(&st, "weight=0", err, sizeof(err)),
		"weight '0' is not 1..10000");
	REFUSED(qpuctl_parse_setting(&st, "weight=10001", err, sizeof(err)),
		"is not 1..10000");
	REFUSED(qpuctl_parse_setting(&st, "weight=max", err, sizeof(err)),
		"weight 'max'");
	REFUSED(qpuctl_parse_setting(&st, "latency=fast", err, sizeof(err)),
		"latency 'fast' is not interactive or batch");
	REFUSED(qpuctl_parse_setting(&st, "isolation=Guard", err, sizeof(err)),
		"isolation 'Guard'");
	QT_ASSERT_EQ(st.set, 0);	/* nothing refused was recorded */

	set_ok(&st, "weight=5");
	REFUSED(qpuctl_parse_setting(&st, "weight=6", err, sizeof(err)),
		"'weight' given twice");
	QT_ASSERT_EQ(st.weight, 5);
}

QPU_TEST(devices)
{
	char err[256];
	uint32_t id = 99;

	QT_ASSERT_EQ(qpuctl_parse_device("0", &id, err, sizeof(err)), 0);
	QT_ASSERT_EQ(id, 0);
	QT_ASSERT_EQ(qpuctl_parse_device("qpu3", &id, err, sizeof(err)), 0);
	QT_ASSERT_EQ(id, 3);
	QT_ASSERT_EQ(qpuctl_parse_device("/dev/qpu12", &id, err, sizeof(err)),
		     0);
	QT_ASSERT_EQ(id, 12);
	REFUSED(qpuctl_parse_device("", &id, err, sizeof(err)), "''");
	REFUSED(qpuctl_parse_device("qpu", &id, err, sizeof(err)), "'qpu'");
	REFUSED(qpuctl_parse_device("qpu1x", &id, err, sizeof(err)),
		"not N, qpuN or /dev/qpuN");
	REFUSED(qpuctl_parse_device("/dev/null", &id, err, sizeof(err)),
		"'/dev/null'");
	REFUSED(qpuctl_parse_device("4294967296", &id, err, sizeof(err)),
		"4294967296");
}

QPU_TEST(durations_round_trip)
{
	static const uint64_t v[] = { 0, 1, 999, 1000, 123456789,
				      5000000000ULL, 18446744073000000000ULL };
	char buf[32], err[256];
	uint64_t back;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		qpuctl_fmt_ns_arg(v[i], buf, sizeof(buf));
		if (qpuctl_parse_duration_ns(buf, &back, err, sizeof(err)) ||
		    back != v[i])
			QT_FAIL("%llu -> '%s' -> %llu (%s)",
				(unsigned long long)v[i], buf,
				(unsigned long long)back, err);
	}
}

QPU_TEST(formatting)
{
	char buf[32];

	QT_ASSERT(!strcmp(qpuctl_fmt_ns(5000000000ULL, buf, sizeof(buf)),
			  "5 s"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns(1500000000ULL, buf, sizeof(buf)),
			  "1.500 s"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns(200000000, buf, sizeof(buf)),
			  "200 ms"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns(1234, buf, sizeof(buf)), "1.234 us"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns(999, buf, sizeof(buf)), "999 ns"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns(0, buf, sizeof(buf)), "0 ns"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns(QPU_UNLIMITED, buf, sizeof(buf)),
			  "max"));
	QT_ASSERT(!strcmp(qpuctl_fmt_limit(QPU_UNLIMITED, buf, sizeof(buf)),
			  "max"));
	QT_ASSERT(!strcmp(qpuctl_fmt_limit(16, buf, sizeof(buf)), "16"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns_arg(5000000000ULL, buf, sizeof(buf)),
			  "5s"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns_arg(1500000000ULL, buf, sizeof(buf)),
			  "1500ms"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns_arg(10000, buf, sizeof(buf)), "10us"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns_arg(7, buf, sizeof(buf)), "7ns"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns_arg(0, buf, sizeof(buf)), "0ns"));
	QT_ASSERT(!strcmp(qpuctl_fmt_ns_arg(QPU_UNLIMITED, buf, sizeof(buf)),
			  "max"));
	QT_ASSERT(!strcmp(qpuctl_latency_name(QPU_LATENCY_INTERACTIVE),
			  "interactive"));
	QT_ASSERT(!strcmp(qpuctl_isolation_name(7), "unknown"));
}

/* ---- JSON ------------------------------------------------------------- */

/* The JSON text of one string. */
static void json_string_is(const char *in, const char *want)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	QT_ASSERT(f);
	qj_write_string(f, in);
	fclose(f);
	if (strcmp(text, want))
		QT_FAIL("escaped as %s, want %s", text, want);
	free(text);
}

QPU_TEST(json_escaping)
{
	json_string_is("", "\"\"");
	json_string_is("/hospital", "\"/hospital\"");
	json_string_is("a\"b\\c", "\"a\\\"b\\\\c\"");
	json_string_is("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	json_string_is("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	json_string_is("/caf\xc3\xa9", "\"/caf\xc3\xa9\"");		/* é */
	json_string_is("\xe2\x82\xac\xf0\x9f\x98\x80",		/* € 😀 */
		       "\"\xe2\x82\xac\xf0\x9f\x98\x80\"");
	json_string_is("a\xff" "b", "\"a\\ufffdb\"");
	json_string_is("\xc0\xaf", "\"\\ufffd\\ufffd\"");		/* overlong */
	json_string_is("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	json_string_is("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	json_string_is("\xf4\x90\x80\x80",				/* > U+10FFFF */
		       "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	json_string_is("x\xe2\x82", "\"x\\ufffd\\ufffd\"");		/* cut short */
	json_string_is("\x80", "\"\\ufffd\"");
}

QPU_TEST(json_structure)
{
	struct qpuctl_json j;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	static const char want[] =
		"{\"devices\":[{\"name\":\"qpu0\",\"qubits\":27},{}],"
		"\"tenants\":[],\"qubits\":{\"max\":\"max\",\"current\":3},"
		"\"jobs\":{\"max\":64},\"configured\":false,\"ok\":true,"
		"\"big\":18446744073709551614}\n";

	QT_ASSERT(f);
	qj_init(&j, f);
	qj_obj_open(&j);
	qj_key(&j, "devices");
	qj_arr_open(&j);
	qj_obj_open(&j);
	qj_key(&j, "name");
	qj_str(&j, "qpu0");
	qj_key(&j, "qubits");
	qj_u64(&j, 27);
	qj_obj_close(&j);
	qj_obj_open(&j);
	qj_obj_close(&j);
	qj_arr_close(&j);
	qj_key(&j, "tenants");
	qj_arr_open(&j);
	qj_arr_close(&j);
	qj_key(&j, "qubits");
	qj_obj_open(&j);
	qj_key(&j, "max");
	qj_limit(&j, QPU_UNLIMITED);
	qj_key(&j, "current");
	qj_limit(&j, 3);
	qj_obj_close(&j);
	qj_key(&j, "jobs");
	qj_obj_open(&j);
	qj_key(&j, "max");
	qj_limit(&j, 64);
	qj_obj_close(&j);
	qj_key(&j, "configured");
	qj_bool(&j, false);
	qj_key(&j, "ok");
	qj_bool(&j, true);
	qj_key(&j, "big");
	qj_u64(&j, UINT64_MAX - 1);
	qj_obj_close(&j);
	qj_end(&j);
	fclose(f);
	if (strcmp(text, want))
		QT_FAIL("got  %s\nwant %s", text, want);
	free(text);
}

QPU_TEST(json_top_level_array)
{
	struct qpuctl_json j;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	QT_ASSERT(f);
	qj_init(&j, f);
	qj_arr_open(&j);
	qj_u64(&j, 1);
	qj_str(&j, "two");
	qj_arr_open(&j);
	qj_arr_close(&j);
	qj_arr_close(&j);
	qj_end(&j);
	fclose(f);
	QT_ASSERT(!strcmp(text, "[1,\"two\",[]]\n"));
	free(text);
}

/* ---- cgroups: a temporary directory as the cgroup2 mount --------------- */

struct fake_cg {
	char root[256];
	long magic;
	uint64_t root_id, a_id, ab_id;
	struct qpuctl_cg cg;
};

/* root/{a/b/, f, a/cgroup.procs}; the cg treats root's fs type as cgroup2. */
static void fake_cg_setup(struct fake_cg *fc)
{
	char path[512];
	struct statfs sfs;

	snprintf(fc->root, sizeof(fc->root), "%s/qpuctl_test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	QT_ASSERT(mkdtemp(fc->root));
	snprintf(path, sizeof(path), "%s/a", fc->root);
	QT_ASSERT_OK(mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/a/b", fc->root);
	QT_ASSERT_OK(mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/f", fc->root);
	write_text(path, "");
	snprintf(path, sizeof(path), "%s/a/cgroup.procs", fc->root);
	write_text(path, "");
	QT_ASSERT_OK(statfs(fc->root, &sfs));
	fc->magic = (long)sfs.f_type;
	fc->root_id = ino_of(fc->root, "");
	fc->a_id = ino_of(fc->root, "/a");
	fc->ab_id = ino_of(fc->root, "/a/b");
	QT_ASSERT_EQ(qpuctl_cg_init(&fc->cg, fc->root, fc->magic), 0);
}

static void fake_cg_teardown(struct fake_cg *fc)
{
	char cmd[600];

	qpuctl_cg_fini(&fc->cg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fc->root);
	QT_ASSERT_EQ(system(cmd), 0);
}

static void resolves(struct fake_cg *fc, const char *arg, uint64_t want)
{
	char err[512] = "";
	uint64_t id = 0;
	int ret = qpuctl_cg_resolve(&fc->cg, arg, &id, err, sizeof(err));

	if (ret || id != want)
		QT_FAIL("'%s': %d (%s), id %llu, want %llu", arg, ret, err,
			(unsigned long long)id, (unsigned long long)want);
}

static void unresolved(struct fake_cg *fc, const char *arg, int want_err,
		       const char *needle)
{
	char err[512] = "";
	uint64_t id = 0;
	int ret = qpuctl_cg_resolve(&fc->cg, arg, &id, err, sizeof(err));

	if (ret != want_err)
		QT_FAIL("'%s': %d (%s), want %d", arg, ret, err, want_err);
	if (!strstr(err, needle))
		QT_FAIL("'%s': message '%s' lacks '%s'", arg, err, needle);
}

QPU_TEST(cgroup_names)
{
	struct fake_cg fc;
	char path[512];

	fake_cg_setup(&fc);
	/* Relative to the root, with or without the leading slash. */
	resolves(&fc, "a", fc.a_id);
	resolves(&fc, "/a", fc.a_id);
	resolves(&fc, "/a/b", fc.ab_id);
	resolves(&fc, "a/b/", fc.ab_id);
	resolves(&fc, "/", fc.root_id);
	/* The directory itself. */
	snprintf(path, sizeof(path), "%s/a/b", fc.root);
	resolves(&fc, path, fc.ab_id);
	resolves(&fc, fc.root, fc.root_id);
	QT_ASSERT_OK(chdir(fc.root));
	resolves(&fc, "./a", fc.a_id);
	resolves(&fc, "./a/b/..", fc.a_id);

	/* Not directories, not there. */
	unresolved(&fc, "f", -ENOTDIR, "is not a directory");
	unresolved(&fc, "/a/cgroup.procs", -ENOTDIR, "is not a directory");
	snprintf(path, sizeof(path), "%s/a/cgroup.procs", fc.root);
	unresolved(&fc, path, -ENOTDIR, "is not a directory");
	unresolved(&fc, "/nope", -ENOENT, "no such cgroup: /nope");
	unresolved(&fc, "a/nope", -ENOENT, "no such cgroup: a/nope");
	unresolved(&fc, "./nope", -ENOENT, "no such cgroup: ./nope");
	snprintf(path, sizeof(path), "%s/nope", fc.root);
	unresolved(&fc, path, -ENOENT, "no such cgroup");
	unresolved(&fc, "", -EINVAL, "empty");
	fake_cg_teardown(&fc);
}

QPU_TEST(cgroup_wrong_file_system)
{
	struct fake_cg fc;
	char path[512];

	fake_cg_setup(&fc);
	/* The same tree, but its f_type is not what cgroup2 would have. */
	qpuctl_cg_fini(&fc.cg);
	QT_ASSERT_EQ(qpuctl_cg_init(&fc.cg, fc.root, fc.magic + 1), 0);
	snprintf(path, sizeof(path), "%s/a", fc.root);
	unresolved(&fc, path, -EINVAL, "is not on a cgroup2 file system");
	unresolved(&fc, "a", -EINVAL, "is not on a cgroup2 file system");
	QT_ASSERT_OK(chdir(fc.root));
	unresolved(&fc, "./a", -EINVAL, "not on a cgroup2");
	fake_cg_teardown(&fc);
}

QPU_TEST(cgroup_ids_to_paths)
{
	struct fake_cg fc;
	char buf[512];

	fake_cg_setup(&fc);
	QT_ASSERT(!strcmp(qpuctl_cg_path(&fc.cg, fc.ab_id, buf, sizeof(buf)),
			  "/a/b"));
	QT_ASSERT(!strcmp(qpuctl_cg_path(&fc.cg, fc.a_id, buf, sizeof(buf)),
			  "/a"));
	QT_ASSERT(!strcmp(qpuctl_cg_path(&fc.cg, fc.root_id, buf,
					 sizeof(buf)), "/"));
	/* A file's inode is not a cgroup. */
	snprintf(buf, sizeof(buf), "/f");
	QT_ASSERT(!strncmp(qpuctl_cg_path(&fc.cg, ino_of(fc.root, "/f"), buf,
					  sizeof(buf)), "cgroup:", 7));
	QT_ASSERT(!strcmp(qpuctl_cg_path(&fc.cg, 4242424242ULL, buf,
					 sizeof(buf)), "cgroup:4242424242"));
	fake_cg_teardown(&fc);
}

QPU_TEST(cgroup_self)
{
	struct fake_cg fc;
	char proc[600], err[512];
	uint64_t id = 0;

	fake_cg_setup(&fc);
	snprintf(proc, sizeof(proc), "%s/proc-cgroup", fc.root);
	write_text(proc, "12:cpu,cpuacct:/elsewhere\n1:name=systemd:/x\n"
		   "0::/a/b\n");
	QT_ASSERT_EQ(qpuctl_cg_self(&fc.cg, proc, &id, err, sizeof(err)), 0);
	QT_ASSERT_EQ(id, fc.ab_id);
	write_text(proc, "0::/\n");
	QT_ASSERT_EQ(qpuctl_cg_self(&fc.cg, proc, &id, err, sizeof(err)), 0);
	QT_ASSERT_EQ(id, fc.root_id);
	write_text(proc, "1:name=systemd:/x\n");
	QT_ASSERT_EQ(qpuctl_cg_self(&fc.cg, proc, &id, err, sizeof(err)),
		     -ENOENT);
	QT_ASSERT(strstr(err, "no cgroup2 line"));
	write_text(proc, "0::/gone\n");
	QT_ASSERT_EQ(qpuctl_cg_self(&fc.cg, proc, &id, err, sizeof(err)),
		     -ENOENT);
	fake_cg_teardown(&fc);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
