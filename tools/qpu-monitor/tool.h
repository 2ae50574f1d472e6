/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tool.h - declarations shared by qpu-monitor's files, one concern each:
 *
 *   main.c    attaching the policy, its errors, the event loop, signals
 *   config.c  the command line and the config file: rules and actions by
 *             name, into the policy's struct qpu_mon_cfg (no libbpf, no
 *             kernel: host-tested by qpu_monitor_test)
 *   event.c   an event, a drop report and the summary as text: JSON
 *             lines (host-tested)
 *   cgroup.c  cgroup ids to paths, cached, walked again when an id is
 *             new (on qpuctl's cgroup.c)
 *
 * What the tool and its policy share (rules, cfg, events, stats) is the
 * contract in monitor.h; the JSON emitter is qpuctl's (tools/qpuctl/json.c).
 */
#ifndef QPU_MONITOR_TOOL_H
#define QPU_MONITOR_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "monitor.h"

#define MON_VERSION	"1.0"

/* Exit statuses. */
#define MON_EXIT_OK	0
#define MON_EXIT_FAIL	1
#define MON_EXIT_USAGE	2

/* ---- config.c ----------------------------------------------------------- */

/**
 * struct mon_opts - what the command line (and config file) asked for
 * @cfg: the policy's configuration; every rule at QPU_MON_LOG with its
 *	default threshold and window unless configured
 * @device: -d: only /dev/qpuN; -1: every device
 * @config: -c FILE, or NULL
 * @output: -o FILE, or NULL for stdout
 * @duration_ms: --duration, 0 for none
 * @count: --count, 0 for none
 * @quiet: -q: nothing on stderr but errors
 */
struct mon_opts {
	struct qpu_mon_cfg cfg;
	int device;
	const char *config;
	const char *output;
	uint64_t duration_ms;
	uint64_t count;
	bool quiet;
};

/* What mon_parse_args() found: run, or print usage or version and exit. */
#define MON_ARGS_RUN		0
#define MON_ARGS_HELP		1
#define MON_ARGS_VERSION	2

const char *mon_rule_name(uint32_t rule);
const char *mon_action_name(uint32_t action);
int mon_rule_by_name(const char *name);
void mon_cfg_defaults(struct qpu_mon_cfg *cfg);

/*
 * Each parser returns 0 (mon_parse_args: a MON_ARGS_* value), or
 * -EINVAL (-errno for a config file that cannot be read) with a
 * sentence in @err naming what was wrong; none prints anything.
 */
int mon_parse_rule(struct qpu_mon_cfg *cfg, const char *spec, char *err,
		   size_t errlen);
int mon_parse_config(struct qpu_mon_cfg *cfg, FILE *f, const char *name,
		     char *err, size_t errlen);
int mon_parse_args(struct mon_opts *o, int argc, char **argv, char *err,
		   size_t errlen);
void mon_usage(FILE *f);

/* ---- event.c ------------------------------------------------------------ */

/* "2026-12-02T03:14:34.123Z" (UTC) for CLOCK_REALTIME @ns; @buf >= 32 */
const char *mon_fmt_time(uint64_t ns, char *buf, size_t len);
/*
 * One event as a JSON line on @f: @real_ns is its CLOCK_REALTIME time,
 * @cgroup the tenant's path (qpuctl_cg_path()).
 */
void mon_event_json(FILE *f, const struct qpu_mon_event *e,
		    uint64_t real_ns, const char *cgroup);
/*
 * stats.dropped read as @total: if it grew past *@reported, a JSON line
 * {"event":"dropped","count":N,"total":M} on @f and *@reported = @total.
 * Return: the number of newly dropped events (0: nothing written).
 */
uint64_t mon_dropped_json(FILE *f, uint64_t *reported, uint64_t total);

/** struct mon_tally - events seen, by rule, for the summary */
struct mon_tally {
	uint64_t events;
	uint64_t by_rule[QPU_MON_NR_RULES];
	uint64_t by_action[QPU_MON_DENY + 1];
	uint64_t dropped;
};

void mon_tally_add(struct mon_tally *t, const struct qpu_mon_event *e);
void mon_summary(FILE *f, const struct mon_tally *t);

/* ---- cgroup.c ----------------------------------------------------------- */

int mon_cg_init(void);
const char *mon_cg_path(uint64_t id, char *buf, size_t len);
void mon_cg_fini(void);

#endif /* QPU_MONITOR_TOOL_H */
