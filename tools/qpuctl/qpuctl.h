/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpuctl.h - declarations shared by qpuctl's files, one concern each:
 *
 *   main.c    global options, dispatch, the device subcommands
 *   parse.c   key=value settings of "tenant set", numbers, durations,
 *             device names (no I/O: host-tested by qpuctl_test)
 *   json.c    a small JSON emitter (host-tested)
 *   cgroup.c  cgroup2 mount, CGROUP argument -> id, id -> path
 *             (host-tested against a temporary directory)
 *   nl.c      the "qpu" generic netlink family through libnl-genl-3
 *   tenant.c  tenant set/show/list/del: requests, the tenant dump
 *   tenant_out.c  a tenant reply parsed, and as text, table row or JSON
 *   status.c  the one-screen status
 */
#ifndef QPUCTL_H
#define QPUCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/qpu.h>

/* Exit statuses. */
#define QPUCTL_EXIT_OK		0
#define QPUCTL_EXIT_FAIL	1
#define QPUCTL_EXIT_USAGE	2

/* ---- parse.c ------------------------------------------------------------ */

/* Which fields of struct qpuctl_settings were given. */
enum {
	QS_QUBITS_MAX	= 1u << 0,
	QS_JOBS_MAX	= 1u << 1,
	QS_SHOTS	= 1u << 2,
	QS_QPU_TIME	= 1u << 3,
	QS_WEIGHT	= 1u << 4,
	QS_LATENCY	= 1u << 5,
	QS_ISOLATION	= 1u << 6,
};

/** struct qpuctl_budget - "N PERIOD": @limit per @period seconds */
struct qpuctl_budget {
	uint64_t limit;		/* QPU_UNLIMITED for "max" */
	uint64_t period;	/* seconds, 0 = lifetime */
};

/** struct qpuctl_settings - what "tenant set" was asked to change */
struct qpuctl_settings {
	unsigned int set;	/* QS_* */
	uint64_t qubits_max;
	uint64_t jobs_max;
	struct qpuctl_budget shots;
	struct qpuctl_budget qpu_time;	/* nanoseconds per period */
	uint32_t weight;
	uint32_t latency;	/* enum qpu_latency */
	uint32_t isolation;	/* enum qpu_isolation */
};

/*
 * Each parser returns 0, or -EINVAL with a sentence in @err (which names
 * the offending text); none prints anything.
 */
int qpuctl_parse_u64(const char *s, uint64_t *v, char *err, size_t errlen);
int qpuctl_parse_limit(const char *s, uint64_t *v, char *err, size_t errlen);
int qpuctl_parse_duration_ns(const char *s, uint64_t *ns, char *err,
			     size_t errlen);
int qpuctl_parse_period(const char *s, uint64_t *secs, char *err,
			size_t errlen);
int qpuctl_parse_budget(const char *s, bool time, struct qpuctl_budget *b,
			char *err, size_t errlen);
int qpuctl_parse_setting(struct qpuctl_settings *st, const char *arg,
			 char *err, size_t errlen);
int qpuctl_parse_device(const char *s, uint32_t *id, char *err, size_t errlen);

const char *qpuctl_latency_name(uint32_t latency);
const char *qpuctl_isolation_name(uint32_t isolation);

/* "5 s", "200 ms", "1.5 us", "max": for text output. */
const char *qpuctl_fmt_ns(uint64_t ns, char *buf, size_t len);
/* "5s", "200ms", "7ns", "max": parseable by qpuctl_parse_duration_ns(). */
const char *qpuctl_fmt_ns_arg(uint64_t ns, char *buf, size_t len);
/* "16", "max". */
const char *qpuctl_fmt_limit(uint64_t v, char *buf, size_t len);

/* ---- json.c ------------------------------------------------------------- */

#define QPUCTL_JSON_DEPTH	16

/** struct qpuctl_json - an emitter writing one JSON text to @f */
struct qpuctl_json {
	FILE *f;
	int depth;
	bool need_comma[QPUCTL_JSON_DEPTH];
	bool after_key;
};

void qj_init(struct qpuctl_json *j, FILE *f);
void qj_obj_open(struct qpuctl_json *j);
void qj_obj_close(struct qpuctl_json *j);
void qj_arr_open(struct qpuctl_json *j);
void qj_arr_close(struct qpuctl_json *j);
void qj_key(struct qpuctl_json *j, const char *key);
void qj_str(struct qpuctl_json *j, const char *s);
void qj_u64(struct qpuctl_json *j, uint64_t v);
void qj_bool(struct qpuctl_json *j, bool v);
/* A limit: the number, or the string "max" for QPU_UNLIMITED. */
void qj_limit(struct qpuctl_json *j, uint64_t v);
/* End of the text: a newline after the top-level value. */
void qj_end(struct qpuctl_json *j);
/* @s as a JSON string (quotes included) on @f. */
void qj_write_string(FILE *f, const char *s);

/* ---- cgroup.c ----------------------------------------------------------- */

/**
 * struct qpuctl_cg - the cgroup2 hierarchy qpuctl resolves names in
 * @root: its mount point (from /proc/self/mountinfo)
 * @magic: the f_type a cgroup directory must have (CGROUP2_SUPER_MAGIC;
 *	host tests use their temporary directory's)
 * @ents, @nents: id -> path cache, filled by the first lookup
 */
struct qpuctl_cg {
	char root[4096];
	long magic;
	struct qpuctl_cg_ent *ents;
	size_t nents;
	bool walked;
};

struct qpuctl_cg_ent {
	uint64_t id;
	char *path;	/* relative to the root, "/" for the root itself */
};

int qpuctl_cg_find_mount(const char *mountinfo, char *root, size_t len);
int qpuctl_cg_init(struct qpuctl_cg *cg, const char *root, long magic);
void qpuctl_cg_fini(struct qpuctl_cg *cg);
int qpuctl_cg_resolve(const struct qpuctl_cg *cg, const char *arg,
		      uint64_t *id, char *err, size_t errlen);
int qpuctl_cg_self(const struct qpuctl_cg *cg, const char *proc_cgroup,
		   uint64_t *id, char *err, size_t errlen);
const char *qpuctl_cg_path(struct qpuctl_cg *cg, uint64_t id, char *buf,
			   size_t len);

/* ---- nl.c --------------------------------------------------------------- */

struct nl_msg;
struct nlattr;

/** struct qpuctl_nl - a connection to the "qpu" family */
struct qpuctl_nl {
	struct nl_sock *sk;
	int family;
	char errmsg[512];	/* the kernel's extack message, if any */
};

/* Fills a request's attributes; returns 0 or a negative errno. */
typedef int (*qpuctl_nl_fill)(struct nl_msg *msg, void *arg);
/* Called with each reply's parsed attributes (tb[0..maxattr]). */
typedef int (*qpuctl_nl_parse)(struct nlattr **tb, void *arg);

int qpuctl_nl_open(struct qpuctl_nl *nl);
void qpuctl_nl_close(struct qpuctl_nl *nl);
int qpuctl_nl_request(struct qpuctl_nl *nl, uint8_t cmd, bool dump,
		      qpuctl_nl_fill fill, void *fill_arg, int maxattr,
		      const void *policy, qpuctl_nl_parse parse,
		      void *parse_arg);
/* "qpuctl: WHAT: strerror (kernel message)" on stderr. */
void qpuctl_nl_perror(const struct qpuctl_nl *nl, const char *what, int err);

/* ---- tenant.c, status.c ------------------------------------------------- */

/** struct qpuctl_opts - the global options */
struct qpuctl_opts {
	const char *device;	/* -d, NULL if not given */
	bool json;		/* -j */
};

int qpuctl_tenant(const struct qpuctl_opts *o, int argc, char **argv);
int qpuctl_status(const struct qpuctl_opts *o, int argc, char **argv);

#endif /* QPUCTL_H */
