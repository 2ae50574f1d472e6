// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_monitor_test.c - host unit tests of qpu-monitor's parts that need
 * no kernel and no libbpf (tools/qpu-monitor/config.c, event.c):
 *
 *  - the command line: defaults (every rule at log, all devices), each
 *    option, --rule with thresholds and windows, "all", the command line
 *    winning over the config file, and bad input of every kind refused
 *    with a message naming it;
 *  - the config file: comments, blank lines, spacing, and errors that
 *    name FILE:LINE;
 *  - the JSON line of a fixed event, exactly; job_done events, names
 *    unknown to the tool written as numbers, escaping in cgroup paths;
 *  - the drop report: a line only when stats.dropped grew, with the
 *    delta and the total; the summary.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "qpu_test.h"
#include "tool.h"

#define QT_ASSERT_STR_EQ(got, want) do {				\
	const char *_g = (got), *_w = (want);				\
	if (strcmp(_g, _w))						\
		QT_FAIL("got  '%s'\n# want '%s'", _g, _w);		\
} while (0)

/* Run mon_parse_args() on a NULL-terminated list of words. */
static int parse(struct mon_opts *o, char *err, size_t errlen, ...)
{
	char *argv[32] = { "qpu-monitor" };
	va_list ap;
	int argc = 1;

	va_start(ap, errlen);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return mon_parse_args(o, argc, argv, err, errlen);
}

#define REFUSED(needle, ...) do {					\
	int _r = parse(&o, err, sizeof(err), __VA_ARGS__, NULL);	\
	if (_r != -EINVAL)						\
		QT_FAIL("%s: want -EINVAL, got %d", #__VA_ARGS__, _r);	\
	if (!strstr(err, (needle)))					\
		QT_FAIL("%s: message '%s' lacks '%s'", #__VA_ARGS__,	\
			err, (needle));					\
} while (0)

QPU_TEST(defaults)
{
	struct mon_opts o;
	char err[512];
	unsigned int i;

	QT_ASSERT_EQ(parse(&o, err, sizeof(err), NULL), MON_ARGS_RUN);
	QT_ASSERT_EQ(o.device, -1);
	QT_ASSERT(o.output == NULL && o.config == NULL && !o.quiet);
	QT_ASSERT_EQ(o.duration_ms, 0);
	QT_ASSERT_EQ(o.count, 0);
	QT_ASSERT_EQ(o.cfg.rule[0].action, QPU_MON_OFF);
	for (i = 1; i < QPU_MON_NR_RULES; i++) {
		QT_ASSERT_EQ(o.cfg.rule[i].action, QPU_MON_LOG);
		QT_ASSERT_EQ(o.cfg.rule[i].threshold, 0);
		QT_ASSERT_EQ(o.cfg.rule[i].window, 0);
	}
}

QPU_TEST(rule_names_round_trip)
{
	unsigned int i;

	for (i = 1; i < QPU_MON_NR_RULES; i++)
		QT_ASSERT_EQ(mon_rule_by_name(mon_rule_name(i)), (int)i);
	QT_ASSERT(!strcmp(mon_rule_name(QPU_MON_REPEAT_2Q), "repeat-2q"));
	QT_ASSERT(!strcmp(mon_rule_name(QPU_MON_BEHAVIOUR), "behaviour"));
	QT_ASSERT(mon_rule_name(0) == NULL);
	QT_ASSERT(mon_rule_name(QPU_MON_NR_RULES) == NULL);
	QT_ASSERT_EQ(mon_rule_by_name("all"), -1);
	QT_ASSERT_EQ(mon_rule_by_name("repeat"), -1);
	QT_ASSERT(!strcmp(mon_action_name(QPU_MON_DENY), "deny"));
	QT_ASSERT(mon_action_name(4) == NULL);
}

QPU_TEST(options)
{
	struct mon_opts o;
	char err[512];

	QT_ASSERT_EQ(parse(&o, err, sizeof(err), "-d", "1", "-o", "/tmp/x",
			   "--duration", "5", "--count", "3", "-q", NULL),
		     MON_ARGS_RUN);
	QT_ASSERT_EQ(o.device, 1);
	QT_ASSERT(!strcmp(o.output, "/tmp/x"));
	QT_ASSERT_EQ(o.duration_ms, 5000);
	QT_ASSERT_EQ(o.count, 3);
	QT_ASSERT(o.quiet);
	QT_ASSERT_EQ(parse(&o, err, sizeof(err), "--device", "/dev/qpu12",
			   NULL), MON_ARGS_RUN);
	QT_ASSERT_EQ(o.device, 12);
	QT_ASSERT_EQ(parse(&o, err, sizeof(err), "--device=qpu0", NULL),
		     MON_ARGS_RUN);
	QT_ASSERT_EQ(o.device, 0);
	QT_ASSERT_EQ(parse(&o, err, sizeof(err), "-h", NULL), MON_ARGS_HELP);
	QT_ASSERT_EQ(parse(&o, err, sizeof(err), "--version", NULL),
		     MON_ARGS_VERSION);
}

QPU_TEST(bad_options)
{
	struct mon_opts o;
	char err[512];

	REFUSED("--device 'x': expected a decimal number", "-d", "x");
	REFUSED("--device '-1'", "-d", "-1");
	REFUSED("--duration '0': expected a positive number", "--duration",
		"0");
	REFUSED("--duration '1s'", "--duration", "1s");
	REFUSED("--count 'many'", "--count", "many");
	REFUSED("--count needs an argument", "--count");
	REFUSED("unknown option '--bogus'", "--bogus");
	REFUSED("unexpected argument 'extra'", "extra");
}

QPU_TEST(rules_from_the_command_line)
{
	struct mon_opts o;
	char err[512];

	QT_ASSERT_EQ(parse(&o, err, sizeof(err), "--rule",
			   "repeat-2q=deny,threshold=32",
			   "--rule", "cx-alternation=flag,window=100,threshold=4",
			   "--rule", "behaviour=off", NULL), MON_ARGS_RUN);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].action, QPU_MON_DENY);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].threshold, 32);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].window, 0);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_CX_ALTERNATION].action, QPU_MON_FLAG);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_CX_ALTERNATION].threshold, 4);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_CX_ALTERNATION].window, 100);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_BEHAVIOUR].action, QPU_MON_OFF);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_IDLE_LOOP].action, QPU_MON_LOG);

	/* "all" sets actions only, in order: later --rule wins */
	QT_ASSERT_EQ(parse(&o, err, sizeof(err), "--rule", "all=off",
			   "--rule", "idle-loop=flag", NULL), MON_ARGS_RUN);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].action, QPU_MON_OFF);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_QUERY_RATE].action, QPU_MON_OFF);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_IDLE_LOOP].action, QPU_MON_FLAG);

	/* a threshold survives a later change of action */
	QT_ASSERT_EQ(parse(&o, err, sizeof(err), "--rule",
			   "repeat-2q=log,threshold=8", "--rule",
			   "repeat-2q=deny", NULL), MON_ARGS_RUN);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].action, QPU_MON_DENY);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].threshold, 8);
}

QPU_TEST(bad_rules)
{
	struct mon_opts o;
	char err[512];

	REFUSED("--rule 'repeat-2q': expected NAME=ACTION", "--rule",
		"repeat-2q");
	REFUSED("--rule '=deny': expected", "--rule", "=deny");
	REFUSED("unknown rule 'repeat' (rules: repeat-2q, cx-alternation",
		"--rule", "repeat=deny");
	REFUSED("unknown action 'block' (actions: off, log, flag, deny)",
		"--rule", "repeat-2q=block");
	REFUSED("unknown action '' (actions", "--rule", "repeat-2q=");
	REFUSED("threshold=x: not a decimal number", "--rule",
		"repeat-2q=deny,threshold=x");
	REFUSED("threshold=-1: not a decimal number", "--rule",
		"repeat-2q=deny,threshold=-1");
	REFUSED("threshold=4294967296: too large", "--rule",
		"repeat-2q=deny,threshold=4294967296");
	REFUSED("window= needs a number", "--rule", "idle-loop=flag,window=");
	REFUSED("unknown setting 'action' (threshold=, window=)", "--rule",
		"idle-loop=flag,action=deny");
	REFUSED("'limit': expected KEY=VALUE", "--rule",
		"idle-loop=flag,limit");
	REFUSED("threshold= is per rule: name one rule, not 'all'", "--rule",
		"all=deny,threshold=3");
}

static char conf_path[] = "/tmp/qpu_monitor_testXXXXXX";

static void write_conf(const char *text)
{
	int fd = mkstemp(conf_path);
	FILE *f;

	QT_ASSERT(fd >= 0);
	f = fdopen(fd, "w");
	QT_ASSERT(f && fputs(text, f) >= 0 && !fclose(f));
}

/* The config @text parsed, then the --rule words (NULL-terminated). */
static int parse_conf(struct mon_opts *o, const char *text, char *err,
		      size_t errlen, const char *rule)
{
	int ret;

	strcpy(conf_path, "/tmp/qpu_monitor_testXXXXXX");
	write_conf(text);
	if (rule)
		ret = parse(o, err, errlen, "-c", conf_path, "--rule", rule,
			    NULL);
	else
		ret = parse(o, err, errlen, "-c", conf_path, NULL);
	unlink(conf_path);
	return ret;
}

QPU_TEST(config_file)
{
	struct mon_opts o;
	char err[512];

	QT_ASSERT_EQ(parse_conf(&o,
		"# qpu-monitor rules\n"
		"\n"
		"rule all action=off\n"
		"rule repeat-2q action=deny threshold=24   # blatant\n"
		"\trule  idle-loop\twindow=500 action=flag\n"
		"rule query-rate action=log threshold=100 window=1000\r\n"
		"   \n", err, sizeof(err), NULL), MON_ARGS_RUN);
	QT_ASSERT(!strcmp(o.config, conf_path));
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].action, QPU_MON_DENY);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].threshold, 24);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_IDLE_LOOP].action, QPU_MON_FLAG);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_IDLE_LOOP].window, 500);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_QUERY_RATE].action, QPU_MON_LOG);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_QUERY_RATE].threshold, 100);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_QUERY_RATE].window, 1000);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_CX_LADDER].action, QPU_MON_OFF);

	/* the command line wins, whatever the order of the options */
	QT_ASSERT_EQ(parse_conf(&o, "rule repeat-2q action=deny threshold=24\n",
				err, sizeof(err), "repeat-2q=log"),
		     MON_ARGS_RUN);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].action, QPU_MON_LOG);
	QT_ASSERT_EQ(o.cfg.rule[QPU_MON_REPEAT_2Q].threshold, 24);
}

/* The config @text must be refused with "FILE:@msg". */
static void conf_refused(const char *text, const char *msg)
{
	struct mon_opts o;
	char err[512], want[600];
	int ret = parse_conf(&o, text, err, sizeof(err), NULL);

	snprintf(want, sizeof(want), "%s:%s", conf_path, msg);
	if (ret != -EINVAL || strncmp(err, want, strlen(want)))
		QT_FAIL("config '%s': got %d '%s', want '%s'", text, ret, err,
			want);
}

QPU_TEST(bad_config_files_name_the_line)
{
	struct mon_opts o;
	char err[512];

	conf_refused("rules repeat-2q action=deny\n",
		     "1: unknown directive 'rules' (expected 'rule NAME "
		     "action=ACTION [threshold=N] [window=N]')");
	conf_refused("# ok\n\nrule\n", "3: 'rule' needs a rule name");
	conf_refused("rule repeat-2q action=deny\nrule ladder action=log\n",
		     "2: unknown rule 'ladder' (rules: repeat-2q,");
	conf_refused("rule repeat-2q action=sometimes\n",
		     "1: unknown action 'sometimes' (actions: off, log, flag, "
		     "deny)");
	conf_refused("rule repeat-2q threshold=3\n",
		     "1: rule repeat-2q needs action=ACTION");
	conf_refused("rule repeat-2q action=deny threshold=3x\n",
		     "1: threshold=3x: not a decimal number");
	conf_refused("rule repeat-2q action=deny limit=3\n",
		     "1: unknown setting 'limit' (action=, threshold=, "
		     "window=)");
	conf_refused("rule repeat-2q action=deny fast\n",
		     "1: 'fast': expected KEY=VALUE");
	conf_refused("\n\nrule idle-loop action=log\n#\n"
		     "rule idle-loop action=deny\n",
		     "5: rule idle-loop is already configured at line 3");
	conf_refused("rule all action=deny window=3\n",
		     "1: window= is per rule: name one rule, not 'all'");

	/* a file that is not there */
	QT_ASSERT_EQ(parse(&o, err, sizeof(err), "-c", "/nonexistent/qm.conf",
			   NULL), -ENOENT);
	QT_ASSERT(!strcmp(err, "/nonexistent/qm.conf: No such file or "
			  "directory"));
}

/* ---- JSON lines ---------------------------------------------------------- */

static char *capture_event(const struct qpu_mon_event *e, uint64_t real_ns,
			   const char *cgroup)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	QT_ASSERT(f != NULL);
	mon_event_json(f, e, real_ns, cgroup);
	QT_ASSERT(!fclose(f));
	return text;
}

static void fixed_event(struct qpu_mon_event *e)
{
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->time_ns = 123456789;		/* monotonic: not what is printed */
	e->cgroup_id = 4242;
	e->dev_id = 1;
	e->pid = 321;
	e->uid = 1000;
	e->source = QPU_MON_EVENT_ADMIT;
	e->kind = 1;			/* QPU_ADMIT_LOAD */
	e->rule = QPU_MON_REPEAT_2Q;
	e->action = QPU_MON_DENY;
	e->count = 16;
	e->threshold = 16;
	e->first_gate = 0;
	e->last_gate = 15;
	e->qubits[0] = 0;
	e->qubits[1] = 1;
	e->qubits[2] = 0xffff;
	e->qubits[3] = 0xffff;
	e->value = 200;
	for (i = 0; i < 32; i++)
		e->hash[i] = i * 8 + 1;
}

#define HASH_HEX "0109111921293139414951596169717981899199a1a9b1b9c1c9d1d9e1e9f1f9"

QPU_TEST(event_json_line_exactly)
{
	struct qpu_mon_event e;
	char *line;

	fixed_event(&e);
	/* 2026-12-02T03:14:34.123Z = 1796181274 s, 123 ms (456 us dropped) */
	line = capture_event(&e, 1796181274123456789ULL, "/hospital/radiology");
	QT_ASSERT_STR_EQ(line,
		"{\"event\":\"rule\",\"time\":\"2026-12-02T03:14:34.123Z\","
		"\"device\":1,\"cgroup_id\":4242,\"cgroup\":\"/hospital/"
		"radiology\",\"pid\":321,\"uid\":1000,\"hash\":\"" HASH_HEX
		"\",\"rule\":\"repeat-2q\",\"action\":\"deny\",\"kind\":"
		"\"load\",\"evidence\":{\"first_gate\":0,\"last_gate\":15,"
		"\"count\":16,\"threshold\":16,\"qubits\":[0,1],\"value\":"
		"200}}\n");
	free(line);
}

QPU_TEST(event_json_variants)
{
	struct qpu_mon_event e;
	char *line;

	/* job_done, no qubits, a path that needs escaping */
	fixed_event(&e);
	e.source = QPU_MON_EVENT_JOB_DONE;
	e.kind = 0;
	e.rule = QPU_MON_BEHAVIOUR;
	e.action = QPU_MON_LOG;
	e.qubits[0] = e.qubits[1] = 0xffff;
	line = capture_event(&e, 0, "/a \"b\"\\c");
	QT_ASSERT(strstr(line, "\"time\":\"1970-01-01T00:00:00.000Z\""));
	QT_ASSERT(strstr(line, "\"cgroup\":\"/a \\\"b\\\"\\\\c\""));
	QT_ASSERT(strstr(line, "\"rule\":\"behaviour\",\"action\":\"log\","
			 "\"kind\":\"job_done\""));
	QT_ASSERT(strstr(line, "\"qubits\":[]"));
	free(line);

	/* numbers this tool has no names for: written as numbers */
	fixed_event(&e);
	e.rule = 9;
	e.action = 7;
	e.kind = 5;
	e.qubits[2] = 6;
	line = capture_event(&e, 0, "cgroup:4242");
	QT_ASSERT(strstr(line, "\"rule\":9,\"action\":7,\"kind\":5,"));
	QT_ASSERT(strstr(line, "\"qubits\":[0,1,6]"));
	QT_ASSERT(strstr(line, "\"cgroup\":\"cgroup:4242\""));
	free(line);
}

QPU_TEST(time_format)
{
	char buf[32];

	QT_ASSERT_STR_EQ(mon_fmt_time(0, buf, sizeof(buf)),
			 "1970-01-01T00:00:00.000Z");
	QT_ASSERT_STR_EQ(mon_fmt_time(1796181274999999999ULL, buf,
				      sizeof(buf)),
			 "2026-12-02T03:14:34.999Z");
	QT_ASSERT_STR_EQ(mon_fmt_time(951782400000000000ULL, buf, sizeof(buf)),
			 "2000-02-29T00:00:00.000Z");
}

static char *capture_dropped(uint64_t *reported, uint64_t total,
			     uint64_t *delta)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	QT_ASSERT(f != NULL);
	*delta = mon_dropped_json(f, reported, total);
	QT_ASSERT(!fclose(f));
	return text;
}

QPU_TEST(drops_are_reported_once_each)
{
	uint64_t reported = 0, delta;
	char *text;

	text = capture_dropped(&reported, 0, &delta);
	QT_ASSERT_STR_EQ(text, "");
	QT_ASSERT_EQ(delta, 0);
	free(text);
	text = capture_dropped(&reported, 12, &delta);
	QT_ASSERT_STR_EQ(text, "{\"event\":\"dropped\",\"count\":12,"
			 "\"total\":12}\n");
	QT_ASSERT_EQ(delta, 12);
	QT_ASSERT_EQ(reported, 12);
	free(text);
	text = capture_dropped(&reported, 12, &delta);
	QT_ASSERT_STR_EQ(text, "");
	QT_ASSERT_EQ(delta, 0);
	free(text);
	text = capture_dropped(&reported, 40, &delta);
	QT_ASSERT_STR_EQ(text, "{\"event\":\"dropped\",\"count\":28,"
			 "\"total\":40}\n");
	QT_ASSERT_EQ(delta, 28);
	QT_ASSERT_EQ(reported, 40);
	free(text);
}

QPU_TEST(summary)
{
	struct mon_tally t = { 0 };
	struct qpu_mon_event e;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	QT_ASSERT(f != NULL);
	mon_summary(f, &t);
	fixed_event(&e);
	mon_tally_add(&t, &e);
	mon_tally_add(&t, &e);
	e.rule = QPU_MON_IDLE_LOOP;
	e.action = QPU_MON_FLAG;
	mon_tally_add(&t, &e);
	t.dropped = 5;
	mon_summary(f, &t);
	QT_ASSERT(!fclose(f));
	QT_ASSERT_STR_EQ(text,
		"qpu-monitor: 0 events, 0 dropped\n"
		"qpu-monitor: 3 events (repeat-2q 2, idle-loop 1; log 0, "
		"flag 1, deny 2), 5 dropped\n");
	free(text);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
