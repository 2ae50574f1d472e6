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
 *   nl.c      opening the "qpu" family, its errors as qpuctl prints them
 *   tenant.c  tenant set/show/list/del: arguments, requests, sorting
 *   tenant_out.c  a tenant record as text, table row or JSON
 *   status.c  the one-screen status
 *
 * The requests and replies themselves are tools/lib/qpu_nl.c's, the
 * client of the family that qpu-bench and the VM tests share: qpuctl
 * gets records (struct qpu_nl_tenant, struct qpu_nl_dev) from it and only
 * formats them.
 */
#ifndef QPUCTL_H
#define QPUCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/qpu.h>

#include "qpu_nl.h"	/* tools/lib: the "qpu" family's records */

/* Exit statuses. */
#define QPUCTL_EXIT_OK		0
#define QPUCTL_EXIT_FAIL	1
#define QPUCTL_EXIT_USAGE	2

/* ---- parse.c ------------------------------------------------------------ */

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
int qpuctl_parse_budget(const char *s, bool time, struct qpu_nl_budget *b,
			char *err, size_t errlen);
int qpuctl_parse_setting(struct qpu_nl_limits *st, const char *arg,
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
void qj_s64(struct qpuctl_json *j, int64_t v);
/* @n bytes at @b as a string of 2 * @n lower-case hex digits. */
void qj_hex(struct qpuctl_json *j, const uint8_t *b, size_t n);
/* The same digits into @out (2 * @n + 1 bytes). */
void qpuctl_hex(char *out, const uint8_t *b, size_t n);
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

int qpuctl_cg_init(struct qpuctl_cg *cg, const char *root, long magic);
void qpuctl_cg_fini(struct qpuctl_cg *cg);
int qpuctl_cg_resolve(const struct qpuctl_cg *cg, const char *arg,
		      uint64_t *id, char *err, size_t errlen);
int qpuctl_cg_self(const struct qpuctl_cg *cg, const char *proc_cgroup,
		   uint64_t *id, char *err, size_t errlen);
const char *qpuctl_cg_path(struct qpuctl_cg *cg, uint64_t id, char *buf,
			   size_t len);

/* ---- nl.c --------------------------------------------------------------- */

/* qpu_nl_open(), or NULL after saying why on stderr. */
struct qpu_nl *qpuctl_nl_open(void);
/* "qpuctl: WHAT: strerror (kernel message)" on stderr. */
void qpuctl_nl_perror(const struct qpu_nl *nl, const char *what, int err);

/* ---- tenant.c, status.c ------------------------------------------------- */

/** struct qpuctl_opts - the global options */
struct qpuctl_opts {
	const char *device;	/* -d, NULL if not given */
	bool json;		/* -j */
};

int qpuctl_tenant(const struct qpuctl_opts *o, int argc, char **argv);
int qpuctl_status(const struct qpuctl_opts *o, int argc, char **argv);

#endif /* QPUCTL_H */
