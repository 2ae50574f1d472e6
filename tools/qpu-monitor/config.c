// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - what qpu-monitor is told to do: its options, and the rules'
 * actions, thresholds and windows from --rule and a config file, into
 * the policy's struct qpu_mon_cfg (monitor.h).
 *
 * Every rule starts at "log" with its default threshold and window (0:
 * the policy's own default). The config file (-c) is applied first, then
 * each --rule in the order given, so the command line wins. The name
 * "all" stands for every rule (an action only: thresholds are per rule).
 *
 * Nothing here prints or touches the kernel: qpu_monitor_test (host)
 * checks every message.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parse_err.h"
#include "tool.h"

static const char *const rule_names[QPU_MON_NR_RULES] = {
	[QPU_MON_REPEAT_2Q]		= "repeat-2q",
	[QPU_MON_CX_ALTERNATION]	= "cx-alternation",
	[QPU_MON_CX_LADDER]		= "cx-ladder",
	[QPU_MON_IDLE_LOOP]		= "idle-loop",
	[QPU_MON_NEIGHBOUR_BURST]	= "neighbour-burst",
	[QPU_MON_QUERY_RATE]		= "query-rate",
	[QPU_MON_BEHAVIOUR]		= "behaviour",
};

static const char *const action_names[] = {
	[QPU_MON_OFF]	= "off",
	[QPU_MON_LOG]	= "log",
	[QPU_MON_FLAG]	= "flag",
	[QPU_MON_DENY]	= "deny",
};

#define RULE_LIST	"repeat-2q, cx-alternation, cx-ladder, idle-loop, " \
			"neighbour-burst, query-rate, behaviour, all"
#define ACTION_LIST	"off, log, flag, deny"
#define RULE_ALL	0

const char *mon_rule_name(uint32_t rule)
{
	if (rule == 0 || rule >= QPU_MON_NR_RULES)
		return NULL;
	return rule_names[rule];
}

const char *mon_action_name(uint32_t action)
{
	if (action >= sizeof(action_names) / sizeof(action_names[0]))
		return NULL;
	return action_names[action];
}

/* 1..QPU_MON_NR_RULES-1, RULE_ALL for "all", or -1. */
static int rule_or_all(const char *name, size_t len)
{
	unsigned int i;

	if (len == 3 && !strncmp(name, "all", 3))
		return RULE_ALL;
	for (i = 1; i < QPU_MON_NR_RULES; i++)
		if (strlen(rule_names[i]) == len &&
		    !strncmp(name, rule_names[i], len))
			return i;
	return -1;
}

/** mon_rule_by_name() - a rule's number (enum qpu_mon_rule), or -1 */
int mon_rule_by_name(const char *name)
{
	int r = rule_or_all(name, strlen(name));

	return r == RULE_ALL ? -1 : r;
}

static int action_by_name(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strlen(action_names[i]) == len &&
		    !strncmp(name, action_names[i], len))
			return i;
	return -1;
}

void mon_cfg_defaults(struct qpu_mon_cfg *cfg)
{
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 1; i < QPU_MON_NR_RULES; i++)
		cfg->rule[i].action = QPU_MON_LOG;
}

/* A decimal u32 in [@s, @s + @len): 0, or -EINVAL with a message. */
static int parse_u32(const char *key, const char *s, size_t len, uint32_t *v,
		     char *err, size_t errlen)
{
	unsigned long long n = 0;
	size_t i;

	if (!len)
		return perr(err, errlen, "%s= needs a number", key);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return perr(err, errlen,
				    "%s=%.*s: not a decimal number", key,
				    (int)len, s);
		n = n * 10 + (s[i] - '0');
		if (n > UINT32_MAX)
			return perr(err, errlen, "%s=%.*s: too large (at most "
				    "%u)", key, (int)len, s, UINT32_MAX);
	}
	*v = (uint32_t)n;
	return 0;
}

/*
 * One setting "key=value" of rule @rule (RULE_ALL: every rule) into
 * @rc; @action_ok: action= is allowed here.
 */
static int parse_setting(struct qpu_mon_rule_cfg *rc, int rule,
			 const char *s, size_t len, bool action_ok,
			 char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', len), *val;
	size_t klen, vlen;
	int a;

	if (!eq)
		return perr(err, errlen, "'%.*s': expected KEY=VALUE "
			    "(action=, threshold=, window=)", (int)len, s);
	klen = eq - s;
	val = eq + 1;
	vlen = len - klen - 1;
	if (action_ok && klen == 6 && !strncmp(s, "action", 6)) {
		a = action_by_name(val, vlen);
		if (a < 0)
			return perr(err, errlen, "unknown action '%.*s' "
				    "(actions: " ACTION_LIST ")",
				    (int)vlen, val);
		rc->action = a;
		return 0;
	}
	if ((klen == 9 && !strncmp(s, "threshold", 9)) ||
	    (klen == 6 && !strncmp(s, "window", 6))) {
		if (rule == RULE_ALL)
			return perr(err, errlen, "%.*s= is per rule: name "
				    "one rule, not 'all'", (int)klen, s);
		return parse_u32(klen == 6 ? "window" : "threshold", val, vlen,
				 klen == 6 ? &rc->window : &rc->threshold,
				 err, errlen);
	}
	return perr(err, errlen, "unknown setting '%.*s' (%sthreshold=, "
		    "window=)", (int)klen, s, action_ok ? "action=, " : "");
}

/* Copy @rc's action (and, for one rule, the rest) into @cfg. */
static void apply(struct qpu_mon_cfg *cfg, int rule,
		  const struct qpu_mon_rule_cfg *rc)
{
	unsigned int i;

	if (rule != RULE_ALL) {
		cfg->rule[rule] = *rc;
		return;
	}
	for (i = 1; i < QPU_MON_NR_RULES; i++)
		cfg->rule[i].action = rc->action;
}

/**
 * mon_parse_rule() - one --rule NAME=ACTION[,threshold=N][,window=N]
 * @cfg: updated (only when the whole spec is valid)
 * @spec: the argument
 * @err: out: what was wrong
 * @errlen: its size
 *
 * Settings not given keep the rule's current value.
 */
int mon_parse_rule(struct qpu_mon_cfg *cfg, const char *spec, char *err,
		   size_t errlen)
{
	const char *eq = strchr(spec, '='), *p, *end;
	struct qpu_mon_rule_cfg rc;
	int rule, a, ret;

	if (!eq || eq == spec)
		return perr(err, errlen, "--rule '%s': expected "
			    "NAME=ACTION[,threshold=N][,window=N]", spec);
	rule = rule_or_all(spec, eq - spec);
	if (rule < 0)
		return perr(err, errlen, "--rule '%s': unknown rule '%.*s' "
			    "(rules: " RULE_LIST ")", spec, (int)(eq - spec),
			    spec);
	p = eq + 1;
	end = strchrnul(p, ',');
	a = action_by_name(p, end - p);
	if (a < 0)
		return perr(err, errlen, "--rule '%s': unknown action '%.*s' "
			    "(actions: " ACTION_LIST ")", spec,
			    (int)(end - p), p);
	rc = cfg->rule[rule == RULE_ALL ? 1 : rule];
	rc.action = a;
	while (*end == ',') {
		char msg[256];

		p = end + 1;
		end = strchrnul(p, ',');
		ret = parse_setting(&rc, rule, p, end - p, false, msg,
				    sizeof(msg));
		if (ret)
			return perr(err, errlen, "--rule '%s': %s", spec, msg);
	}
	apply(cfg, rule, &rc);
	return 0;
}

/* Next word of @s (spaces and tabs between), its length in *@len. */
static const char *word(const char **s, size_t *len)
{
	const char *w = *s;

	while (*w == ' ' || *w == '\t')
		w++;
	*len = strcspn(w, " \t");
	*s = w + *len;
	return *len ? w : NULL;
}

/**
 * mon_parse_config() - a config file: "rule NAME action=ACTION
 *	[threshold=N] [window=N]" per line, '#' to the end of a line is a
 *	comment, blank lines are ignored
 * @cfg: updated (partly, on error)
 * @f: the file
 * @name: its name, for messages ("FILE:LINE: ...")
 * @err: out: what was wrong
 * @errlen: its size
 *
 * A rule may be configured once per file.
 */
int mon_parse_config(struct qpu_mon_cfg *cfg, FILE *f, const char *name,
		     char *err, size_t errlen)
{
	unsigned int seen[QPU_MON_NR_RULES] = { 0 }, lineno = 0;
	struct qpu_mon_rule_cfg rc;
	char *line = NULL, msg[256], *hash;
	const char *s, *w;
	size_t cap = 0, len;
	bool have_action;
	int rule, ret = 0;

	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		s = line;
		w = word(&s, &len);
		if (!w)
			continue;
		if (len != 4 || strncmp(w, "rule", 4)) {
			ret = perr(err, errlen, "%s:%u: unknown directive "
				   "'%.*s' (expected 'rule NAME action=ACTION "
				   "[threshold=N] [window=N]')", name, lineno,
				   (int)len, w);
			break;
		}
		w = word(&s, &len);
		if (!w) {
			ret = perr(err, errlen, "%s:%u: 'rule' needs a rule "
				   "name (rules: " RULE_LIST ")", name,
				   lineno);
			break;
		}
		rule = rule_or_all(w, len);
		if (rule < 0) {
			ret = perr(err, errlen, "%s:%u: unknown rule '%.*s' "
				   "(rules: " RULE_LIST ")", name, lineno,
				   (int)len, w);
			break;
		}
		if (seen[rule]) {
			ret = perr(err, errlen, "%s:%u: rule %.*s is already "
				   "configured at line %u", name, lineno,
				   (int)len, w, seen[rule]);
			break;
		}
		seen[rule] = lineno;
		rc = cfg->rule[rule == RULE_ALL ? 1 : rule];
		have_action = false;
		while ((w = word(&s, &len))) {
			if (len > 7 && !strncmp(w, "action=", 7))
				have_action = true;
			ret = parse_setting(&rc, rule, w, len, true, msg,
					    sizeof(msg));
			if (ret)
				break;
		}
		if (ret) {
			perr(err, errlen, "%s:%u: %s", name, lineno, msg);
			break;
		}
		if (!have_action) {
			ret = perr(err, errlen, "%s:%u: rule %s needs "
				   "action=ACTION (actions: " ACTION_LIST ")",
				   name, lineno, rule == RULE_ALL ? "all" :
				   rule_names[rule]);
			break;
		}
		apply(cfg, rule, &rc);
	}
	free(line);
	return ret;
}

void mon_usage(FILE *f)
{
	fputs(
"usage: qpu-monitor [OPTIONS]\n"
"Attach the qpu monitoring policy and print what its rules see, one JSON\n"
"object per line (Documentation/qpu/qpu-monitor.rst).\n"
"\n"
"  -d, --device N        only /dev/qpuN (default: every device)\n"
"  -c, --config FILE     rules from FILE: 'rule NAME action=ACTION\n"
"                        [threshold=N] [window=N]' per line, # comments\n"
"      --rule NAME=ACTION[,threshold=N][,window=N]\n"
"                        configure one rule (repeatable; wins over -c)\n"
"  -o, --output FILE     events to FILE (default: stdout)\n"
"      --duration SECS   detach and exit after SECS seconds\n"
"      --count N         detach and exit after N events\n"
"  -q, --quiet           no start message, no summary\n"
"  -h, --help            this text\n"
"      --version         the version\n"
"\n"
"rules:   " RULE_LIST "\n"
"actions: " ACTION_LIST " (default: every rule at log, default thresholds)\n"
"Exit: 0 (stopped by a signal, --duration or --count), 1 (failure),\n"
"2 (usage).\n", f);
}

enum { OPT_RULE = 256, OPT_DURATION, OPT_COUNT, OPT_VERSION };

static const struct option long_opts[] = {
	{ "device",	required_argument, NULL, 'd' },
	{ "config",	required_argument, NULL, 'c' },
	{ "rule",	required_argument, NULL, OPT_RULE },
	{ "output",	required_argument, NULL, 'o' },
	{ "duration",	required_argument, NULL, OPT_DURATION },
	{ "count",	required_argument, NULL, OPT_COUNT },
	{ "quiet",	no_argument,	   NULL, 'q' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "version",	no_argument,	   NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* A positive decimal (a device id may be 0) no larger than @max. */
static int parse_num(const char *opt, const char *s, uint64_t max,
		     bool zero_ok, uint64_t *v, char *err, size_t errlen)
{
	unsigned long long n;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	n = strtoull(s, &end, 10);
	if (errno || *end || n > max || (!n && !zero_ok))
		goto bad;
	*v = n;
	return 0;
bad:
	return perr(err, errlen, "%s '%s': expected a %s number up to %llu",
		    opt, s, zero_ok ? "decimal" : "positive",
		    (unsigned long long)max);
}

/**
 * mon_parse_args() - the command line, and the config file it names
 * @o: out
 * @argc: as main()'s
 * @argv: as main()'s
 * @err: out: what was wrong
 * @errlen: its size
 *
 * Return: MON_ARGS_RUN, MON_ARGS_HELP or MON_ARGS_VERSION; -EINVAL for
 * bad options or a bad config file, -errno when the file cannot be read.
 */
int mon_parse_args(struct mon_opts *o, int argc, char **argv, char *err,
		   size_t errlen)
{
	const char **rules;
	unsigned int nrules = 0, i;
	uint64_t v;
	FILE *f;
	int c, ret = MON_ARGS_RUN;

	memset(o, 0, sizeof(*o));
	mon_cfg_defaults(&o->cfg);
	o->device = -1;
	rules = calloc(argc + 1, sizeof(*rules));
	if (!rules)
		return perr(err, errlen, "out of memory");
	optind = 0;	/* glibc: start over (host tests call this often) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:c:o:qh", long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!strncmp(optarg, "/dev/qpu", 8))
				optarg += 8;
			else if (!strncmp(optarg, "qpu", 3))
				optarg += 3;
			ret = parse_num("--device", optarg, INT_MAX, true, &v,
					err, errlen);
			o->device = (int)v;
			break;
		case 'c':
			o->config = optarg;
			break;
		case OPT_RULE:
			rules[nrules++] = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_DURATION:
			ret = parse_num("--duration", optarg, 86400ULL * 365,
					false, &v, err, errlen);
			o->duration_ms = v * 1000;
			break;
		case OPT_COUNT:
			ret = parse_num("--count", optarg, UINT64_MAX, false,
					&o->count, err, errlen);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			ret = MON_ARGS_HELP;
			break;
		case OPT_VERSION:
			ret = MON_ARGS_VERSION;
			break;
		case ':':
			ret = perr(err, errlen, "%s needs an argument",
				   argv[optind - 1]);
			break;
		default:
			ret = perr(err, errlen, "unknown option '%s'",
				   argv[optind - 1]);
			break;
		}
		if (ret)
			goto out;
	}
	if (optind < argc) {
		ret = perr(err, errlen, "unexpected argument '%s'",
			   argv[optind]);
		goto out;
	}
	if (o->config) {
		f = fopen(o->config, "re");
		if (!f) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", o->config,
				 strerror(errno));
			goto out;
		}
		ret = mon_parse_config(&o->cfg, f, o->config, err, errlen);
		fclose(f);
		if (ret)
			goto out;
	}
	for (i = 0; i < nrules; i++) {
		ret = mon_parse_rule(&o->cfg, rules[i], err, errlen);
		if (ret)
			goto out;
	}
out:
	free(rules);
	return ret;
}
