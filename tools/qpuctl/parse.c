// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - the text qpuctl accepts: "tenant set" settings (key=value),
 * counts and limits ("max"), durations with unit suffixes, budget periods
 * and device names. Pure functions, no I/O, so that qpuctl_test (host)
 * covers them. Everything is checked here, before a request is sent.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_err.h"
#include "qpuctl.h"

/* Decimal digits at @s, at least one, into *v; the rest in *end. */
static int digits(const char *s, uint64_t *v, const char **end)
{
	uint64_t x = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	*end = p;
	return 0;
}

/*
 * A count: decimal digits only (no sign, no spaces, no 0x), below
 * QPU_UNLIMITED, which only "max" spells.
 */
int qpuctl_parse_u64(const char *s, uint64_t *v, char *err, size_t errlen)
{
	const char *end;
	int ret = digits(s, v, &end);

	if (ret == -ERANGE || (!ret && !*end && *v == QPU_UNLIMITED))
		return perr(err, errlen, "'%s' is too large", s);
	if (ret || *end)
		return perr(err, errlen, "'%s' is not a number", s);
	return 0;
}

/* A limit: a count, or "max" (QPU_UNLIMITED). */
int qpuctl_parse_limit(const char *s, uint64_t *v, char *err, size_t errlen)
{
	if (!strcmp(s, "max")) {
		*v = QPU_UNLIMITED;
		return 0;
	}
	if (qpuctl_parse_u64(s, v, err, errlen))
		return perr(err, errlen, "'%s' is neither a number nor \"max\"",
			    s);
	return 0;
}

struct unit {
	const char *name;
	uint64_t mult;
};

/* N followed by one of @units (or nothing: @units[0]'s multiplier 1). */
static int with_unit(const char *s, const struct unit *units, uint64_t *v,
		     const char *what, char *err, size_t errlen)
{
	const char *end;
	uint64_t n;
	int ret = digits(s, &n, &end);
	const struct unit *u;

	if (ret == -ERANGE)
		return perr(err, errlen, "%s '%s' is too large", what, s);
	if (ret)
		return perr(err, errlen, "%s '%s' is not a number", what, s);
	for (u = units; u->name; u++) {
		if (strcmp(end, u->name))
			continue;
		if (n > (QPU_UNLIMITED - 1) / u->mult)
			return perr(err, errlen, "%s '%s' is too large", what,
				    s);
		*v = n * u->mult;
		return 0;
	}
	return perr(err, errlen, "%s '%s' has an unknown unit '%s'", what, s,
		    end);
}

/* Nanoseconds: N, Nns, Nus, Nms or Ns. */
int qpuctl_parse_duration_ns(const char *s, uint64_t *ns, char *err,
			     size_t errlen)
{
	static const struct unit units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 }, { NULL, 0 },
	};

	return with_unit(s, units, ns, "time", err, errlen);
}

/* Seconds: N, Ns, Nm, Nh or Nd, at most QPU_BUDGET_PERIOD_MAX. */
int qpuctl_parse_period(const char *s, uint64_t *secs, char *err,
			size_t errlen)
{
	static const struct unit units[] = {
		{ "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
		{ "d", 86400 }, { NULL, 0 },
	};
	int ret = with_unit(s, units, secs, "period", err, errlen);

	if (ret)
		return ret;
	if (*secs > QPU_BUDGET_PERIOD_MAX)
		return perr(err, errlen,
			    "period '%s' is longer than %llu s (one year)", s,
			    (unsigned long long)QPU_BUDGET_PERIOD_MAX);
	return 0;
}

/*
 * A budget, "N PERIOD" (cpu.max style, blanks between), N a count (shots)
 * or a duration (@time), or "max": "max" alone is "max 0".
 */
int qpuctl_parse_budget(const char *s, bool time, struct qpu_nl_budget *b,
			char *err, size_t errlen)
{
	char buf[128], *tok[3], *save = NULL, *p;
	int n = 0, ret = 0;

	if (strlen(s) >= sizeof(buf))
		return perr(err, errlen, "budget '%.32s...' is too long", s);
	strcpy(buf, s);
	for (p = strtok_r(buf, " \t", &save); p && n < 3;
	     p = strtok_r(NULL, " \t", &save))
		tok[n++] = p;
	if (n == 1 && !strcmp(tok[0], "max")) {
		b->limit = QPU_UNLIMITED;
		b->period = 0;
		return 0;
	}
	if (n != 2)
		return perr(err, errlen,
			    "budget '%s' is not \"N PERIOD\" (or \"max\")", s);
	if (!strcmp(tok[0], "max"))
		b->limit = QPU_UNLIMITED;
	else if (time)
		ret = qpuctl_parse_duration_ns(tok[0], &b->limit, err, errlen);
	else
		ret = qpuctl_parse_u64(tok[0], &b->limit, err, errlen);
	if (ret)
		return ret;
	return qpuctl_parse_period(tok[1], &b->period, err, errlen);
}

static int keyword(const char *s, const char *const *names, uint32_t n,
		   uint32_t *v)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (names[i] && !strcmp(s, names[i])) {
			*v = i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const latency_names[] = {
	[QPU_LATENCY_BATCH] = "batch",
	[QPU_LATENCY_INTERACTIVE] = "interactive",
};

static const char *const isolation_names[] = {
	[QPU_ISOLATION_SHARED] = "shared",
	[QPU_ISOLATION_GUARD] = "guard",
	[QPU_ISOLATION_EXCLUSIVE] = "exclusive",
};

#define NAMES_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *qpuctl_latency_name(uint32_t latency)
{
	return latency < NAMES_LEN(latency_names) ? latency_names[latency] :
						    "unknown";
}

const char *qpuctl_isolation_name(uint32_t isolation)
{
	return isolation < NAMES_LEN(isolation_names) ?
	       isolation_names[isolation] : "unknown";
}

/* One "key=value" of "tenant set"; a key given twice is an error. */
int qpuctl_parse_setting(struct qpu_nl_limits *st, const char *arg,
			 char *err, size_t errlen)
{
	static const struct {
		const char *key;
		unsigned int bit;
	} keys[] = {
		{ "qubits.max", QPU_NL_QUBITS_MAX },
		{ "jobs.max", QPU_NL_JOBS_MAX },
		{ "shots.max", QPU_NL_SHOTS },
		{ "qpu_time.max", QPU_NL_QPU_TIME },
		{ "weight", QPU_NL_WEIGHT },
		{ "latency", QPU_NL_LATENCY },
		{ "isolation", QPU_NL_ISOLATION },
	};
	const char *eq = strchr(arg, '='), *val;
	unsigned int bit = 0;
	bool named = false;	/* the value's message names the key */
	size_t klen, i;
	uint64_t w;
	int ret;

	if (!eq)
		return perr(err, errlen, "'%s' is not KEY=VALUE", arg);
	klen = eq - arg;
	val = eq + 1;
	for (i = 0; i < NAMES_LEN(keys); i++) {
		if (strlen(keys[i].key) == klen &&
		    !strncmp(arg, keys[i].key, klen))
			bit = keys[i].bit;
	}
	if (!bit)
		return perr(err, errlen,
			    "unknown key '%.*s' (qubits.max, jobs.max, shots.max, "
			    "qpu_time.max, weight, latency, isolation)",
			    (int)klen, arg);
	if (st->set & bit)
		return perr(err, errlen, "'%.*s' given twice", (int)klen, arg);

	switch (bit) {
	case QPU_NL_QUBITS_MAX:
		ret = qpuctl_parse_limit(val, &st->qubits_max, err, errlen);
		break;
	case QPU_NL_JOBS_MAX:
		ret = qpuctl_parse_limit(val, &st->jobs_max, err, errlen);
		break;
	case QPU_NL_SHOTS:
		ret = qpuctl_parse_budget(val, false, &st->shots, err, errlen);
		break;
	case QPU_NL_QPU_TIME:
		ret = qpuctl_parse_budget(val, true, &st->qpu_time, err,
					  errlen);
		break;
	case QPU_NL_WEIGHT:
		named = true;
		ret = qpuctl_parse_u64(val, &w, err, errlen);
		if (ret || w < QPU_WEIGHT_MIN || w > QPU_WEIGHT_MAX)
			ret = perr(err, errlen, "weight '%s' is not %u..%u", val,
				   QPU_WEIGHT_MIN, QPU_WEIGHT_MAX);
		else
			st->weight = (uint32_t)w;
		break;
	case QPU_NL_LATENCY:
		named = true;
		ret = keyword(val, latency_names, NAMES_LEN(latency_names),
			      &st->latency);
		if (ret)
			perr(err, errlen,
			     "latency '%s' is not interactive or batch", val);
		break;
	default: /* QPU_NL_ISOLATION */
		named = true;
		ret = keyword(val, isolation_names, NAMES_LEN(isolation_names),
			      &st->isolation);
		if (ret)
			perr(err, errlen,
			     "isolation '%s' is not shared, guard or exclusive",
			     val);
		break;
	}
	if (ret && !named) {
		/* Name the key in front of the value's message. */
		char inner[256];

		snprintf(inner, sizeof(inner), "%s", err ? err : "");
		return perr(err, errlen, "%.*s: %s", (int)klen, arg, inner);
	}
	if (ret)
		return ret;
	st->set |= bit;
	return 0;
}

/*
 * A device: N, qpuN or a path whose last component is qpuN (/dev/qpuN).
 * A path with another name (a symlink) is resolved first.
 */
int qpuctl_parse_device(const char *s, uint32_t *id, char *err, size_t errlen)
{
	char real[PATH_MAX];
	const char *base = strrchr(s, '/'), *end;
	uint64_t n;

	base = base ? base + 1 : s;
	if (!strncmp(base, "qpu", 3))
		base += 3;
	else if (base != s)
		base = NULL;
	if (base && !digits(base, &n, &end) && !*end && n <= UINT32_MAX) {
		*id = (uint32_t)n;
		return 0;
	}
	if (strchr(s, '/') && realpath(s, real) && strcmp(real, s))
		return qpuctl_parse_device(real, id, err, errlen);
	return perr(err, errlen,
		    "device '%s' is not N, qpuN or /dev/qpuN", s);
}

const char *qpuctl_fmt_limit(uint64_t v, char *buf, size_t len)
{
	if (v == QPU_UNLIMITED)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

/* The units durations are written in, largest first (ns is the rest). */
static const struct unit out_units[] = {
	{ "s", 1000000000 }, { "ms", 1000000 }, { "us", 1000 }, { NULL, 0 },
};

/* Exact when it can be ("200 ms"), else three decimals ("1.234 s"). */
const char *qpuctl_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	const struct unit *u;

	if (ns == QPU_UNLIMITED) {
		snprintf(buf, len, "max");
		return buf;
	}
	for (u = out_units; u->name; u++) {
		if (ns < u->mult)
			continue;
		if (ns % u->mult == 0)
			snprintf(buf, len, "%llu %s",
				 (unsigned long long)(ns / u->mult), u->name);
		else
			snprintf(buf, len, "%llu.%03llu %s",
				 (unsigned long long)(ns / u->mult),
				 (unsigned long long)(ns % u->mult /
						      (u->mult / 1000)),
				 u->name);
		return buf;
	}
	snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	return buf;
}

/* A duration as "tenant set" takes it: "5s", "200ms", "10us", "7ns". */
const char *qpuctl_fmt_ns_arg(uint64_t ns, char *buf, size_t len)
{
	const struct unit *u;

	if (ns == QPU_UNLIMITED) {
		snprintf(buf, len, "max");
		return buf;
	}
	for (u = out_units; u->name; u++) {
		if (ns && ns % u->mult == 0) {
			snprintf(buf, len, "%llu%s",
				 (unsigned long long)(ns / u->mult), u->name);
			return buf;
		}
	}
	snprintf(buf, len, "%lluns", (unsigned long long)ns);
	return buf;
}
