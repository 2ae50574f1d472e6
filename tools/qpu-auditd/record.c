// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - an audit record, a loss or a reset as one JSON line of
 * qpu-auditd's log, with qpuctl's emitter (tools/qpuctl/json.c). The field
 * names and the shapes are the contract qpu-run --replay reads
 * (Documentation/qpu/audit.rst, "JSON lines"): "type" first, then every
 * attribute the record carries, in attribute order, named as the
 * attribute without its QPU_A_AUDIT_ prefix, lower-case.
 */
#include <string.h>

#include <linux/qpu_bpf.h>

#include "auditd.h"
#include "qpuctl.h"

/* How an attribute is written. */
enum fmt {
	F_NUM,
	F_SNUM,		/* STATUS: a negative errno stays negative */
	F_HASH,
	F_STR,
	F_PHYS,
	F_TENANT,
	F_ORIGIN,
	F_STATE,
	F_KIND,
	F_ACTION,
	F_REASON,	/* FREE: why; otherwise the policy's number */
	F_NOISE,
	F_XT,		/* every XT nest, as one array */
};

static const struct {
	const char *name;
	enum fmt fmt;
	int hash;	/* QPU_NL_H_x of an F_HASH */
} attrs[QPU_A_AUDIT_MAX + 1] = {
	[QPU_A_AUDIT_DEV_ID]		= { "dev_id", F_NUM },
	[QPU_A_AUDIT_SEQ]		= { "seq", F_NUM },
	[QPU_A_AUDIT_LOST]		= { "lost", F_NUM },
	[QPU_A_AUDIT_TIME]		= { "time", F_NUM },
	[QPU_A_AUDIT_CGROUP_ID]		= { "cgroup_id", F_NUM },
	[QPU_A_AUDIT_CGROUP_PATH]	= { "cgroup_path", F_STR },
	[QPU_A_AUDIT_PID]		= { "pid", F_NUM },
	[QPU_A_AUDIT_UID]		= { "uid", F_NUM },
	[QPU_A_AUDIT_ORIGIN]		= { "origin", F_ORIGIN },
	[QPU_A_AUDIT_JOB_ID]		= { "job_id", F_NUM },
	[QPU_A_AUDIT_CIRCUIT]		= { "circuit", F_NUM },
	[QPU_A_AUDIT_ALLOC]		= { "alloc", F_NUM },
	[QPU_A_AUDIT_CIRCUIT_HASH]	= { "circuit_hash", F_HASH, QPU_NL_H_CIRCUIT },
	[QPU_A_AUDIT_PARAM_HASH]	= { "param_hash", F_HASH, QPU_NL_H_PARAM },
	[QPU_A_AUDIT_RESULT_HASH]	= { "result_hash", F_HASH, QPU_NL_H_RESULT },
	[QPU_A_AUDIT_SEED]		= { "seed", F_NUM },
	[QPU_A_AUDIT_CALIB_EPOCH]	= { "calib_epoch", F_NUM },
	[QPU_A_AUDIT_CALIB_HASH]	= { "calib_hash", F_HASH, QPU_NL_H_CALIB },
	[QPU_A_AUDIT_SHOTS]		= { "shots", F_NUM },
	[QPU_A_AUDIT_SWEEPS]		= { "sweeps", F_NUM },
	[QPU_A_AUDIT_NUM_QUBITS]	= { "num_qubits", F_NUM },
	[QPU_A_AUDIT_NUM_CLBITS]	= { "num_clbits", F_NUM },
	[QPU_A_AUDIT_NUM_PARAMS]	= { "num_params", F_NUM },
	[QPU_A_AUDIT_NUM_GATES]		= { "num_gates", F_NUM },
	[QPU_A_AUDIT_PHYS]		= { "phys", F_PHYS },
	[QPU_A_AUDIT_SUBMIT_TIME]	= { "submit_time", F_NUM },
	[QPU_A_AUDIT_START_TIME]	= { "start_time", F_NUM },
	[QPU_A_AUDIT_END_TIME]		= { "end_time", F_NUM },
	[QPU_A_AUDIT_QPU_NS]		= { "qpu_ns", F_NUM },
	[QPU_A_AUDIT_STATUS]		= { "status", F_SNUM },
	[QPU_A_AUDIT_STATE]		= { "state", F_STATE },
	[QPU_A_AUDIT_KIND]		= { "kind", F_KIND },
	[QPU_A_AUDIT_ACTION]		= { "action", F_ACTION },
	[QPU_A_AUDIT_REASON]		= { "reason", F_REASON },
	[QPU_A_AUDIT_POLICY]		= { "policy", F_STR },
	[QPU_A_AUDIT_LIMIT_NAME]	= { "limit_name", F_STR },
	[QPU_A_AUDIT_LIMIT_VALUE]	= { "limit_value", F_NUM },
	[QPU_A_AUDIT_TENANT]		= { "tenant", F_TENANT },
	[QPU_A_AUDIT_NOISE]		= { "noise", F_NOISE },
	[QPU_A_AUDIT_CROSSTALK_PPM]	= { "crosstalk_ppm", F_NUM },
	[QPU_A_AUDIT_XT]		= { "crosstalk", F_XT },
	[QPU_A_AUDIT_SOURCE_HASH]	= { "source_hash", F_HASH, QPU_NL_H_SOURCE },
	[QPU_A_AUDIT_ROUTE_SEED]	= { "route_seed", F_NUM },
	[QPU_A_AUDIT_ROUTE_SWAPS]	= { "route_swaps", F_NUM },
};

static const char *const types[QPU_CMD_MAX + 1] = {
	[QPU_CMD_AUDIT_LOAD]	= "load",
	[QPU_CMD_AUDIT_DENY]	= "deny",
	[QPU_CMD_AUDIT_JOB]	= "job",
	[QPU_CMD_AUDIT_ALLOC]	= "alloc",
	[QPU_CMD_AUDIT_FREE]	= "free",
	[QPU_CMD_AUDIT_CALIB]	= "calib",
	[QPU_CMD_AUDIT_LIMIT]	= "limit",
	[QPU_CMD_EVENT_VERDICT]	= "verdict",
};

/* Enum names; a value without one is written as its number. */
static const char *const origin_names[] = {
	[QPU_BPF_ORIGIN_IOCTL] = "ioctl", [QPU_BPF_ORIGIN_URING] = "uring",
	[QPU_BPF_ORIGIN_RUN] = "run",
};
static const char *const state_names[] = {
	[QPU_JOB_DONE] = "done", [QPU_JOB_FAILED] = "failed",
	[QPU_JOB_CANCELLED] = "cancelled",
};
static const char *const kind_names[] = {
	[QPU_ADMIT_LOAD] = "load", [QPU_ADMIT_SUBMIT] = "submit",
	[QPU_ADMIT_RUN] = "run",
};
static const char *const action_names[] = {
	[QPU_BPF_ALLOW] = "allow", [QPU_BPF_FLAG] = "flag",
	[QPU_BPF_DENY] = "deny",
};
static const char *const noise_names[] = {
	[QPU_NOISE_MODE_IDEAL] = "ideal", [QPU_NOISE_MODE_CALIBRATED] = "calibrated",
};
static const char *const free_names[] = {
	[QPU_AUDIT_FREE_IOCTL] = "ioctl", [QPU_AUDIT_FREE_CLOSE] = "close",
};

#define ENUM(j, names, v)	json_enum(j, names, sizeof(names) / sizeof(names[0]), v)

static void json_enum(struct qpuctl_json *j, const char *const *names,
		      size_t n, uint64_t v)
{
	if (v < n && names[v])
		qj_str(j, names[v]);
	else
		qj_u64(j, v);
}

const char *aud_record_type(uint8_t cmd)
{
	return cmd <= QPU_CMD_MAX && types[cmd] ? types[cmd] : "unknown";
}

void aud_hex(const uint8_t *hash, char *hex)
{
	qpuctl_hex(hex, hash, QPU_HASH_LEN);
}

static void json_hash(struct qpuctl_json *j, const char *key,
		      const uint8_t *hash)
{
	qj_key(j, key);
	qj_hex(j, hash, QPU_HASH_LEN);
}

/* The "tenant" nest: QPU_A_TENANT_* names, lower-case, without prefix. */
static void json_budget(struct qpuctl_json *j, const char *key,
			const struct qpu_nl_budget_state *b)
{
	static const char *const names[QPU_A_BUDGET_MAX + 1] = {
		[QPU_A_BUDGET_LIMIT] = "limit", [QPU_A_BUDGET_PERIOD] = "period",
		[QPU_A_BUDGET_USED] = "used", [QPU_A_BUDGET_REMAINING] = "remaining",
		[QPU_A_BUDGET_RESET_NS] = "reset_ns", [QPU_A_BUDGET_TOTAL] = "total",
	};
	const uint64_t v[QPU_A_BUDGET_MAX + 1] = {
		[QPU_A_BUDGET_LIMIT] = b->limit, [QPU_A_BUDGET_PERIOD] = b->period,
		[QPU_A_BUDGET_USED] = b->used, [QPU_A_BUDGET_REMAINING] = b->remaining,
		[QPU_A_BUDGET_RESET_NS] = b->reset_ns, [QPU_A_BUDGET_TOTAL] = b->total,
	};
	int i;

	qj_key(j, key);
	qj_obj_open(j);
	for (i = 0; i <= QPU_A_BUDGET_MAX; i++) {
		if (names[i] && (b->have & (1u << i))) {
			qj_key(j, names[i]);
			qj_u64(j, v[i]);
		}
	}
	qj_obj_close(j);
}

static void json_tenant(struct qpuctl_json *j, const struct qpu_nl_tenant *t)
{
	static const char *const names[QPU_A_TENANT_MAX + 1] = {
		[QPU_A_TENANT_DEV_ID] = "dev_id",
		[QPU_A_TENANT_CGROUP_ID] = "cgroup_id",
		[QPU_A_TENANT_LEVEL] = "level",
		[QPU_A_TENANT_CONFIGURED] = "configured",
		[QPU_A_TENANT_QUBITS_MAX] = "qubits_max",
		[QPU_A_TENANT_QUBITS_CURRENT] = "qubits_current",
		[QPU_A_TENANT_JOBS_MAX] = "jobs_max",
		[QPU_A_TENANT_JOBS_CURRENT] = "jobs_current",
		[QPU_A_TENANT_WEIGHT] = "weight",
		[QPU_A_TENANT_LATENCY] = "latency",
		[QPU_A_TENANT_ISOLATION] = "isolation",
	};
	static const char *const events[QPU_LIMIT_COUNT] = {
		[QPU_LIMIT_QUBITS] = "qubits", [QPU_LIMIT_JOBS] = "jobs",
		[QPU_LIMIT_SHOTS] = "shots", [QPU_LIMIT_QPU_TIME] = "qpu_time",
	};
	const uint64_t v[QPU_A_TENANT_MAX + 1] = {
		[QPU_A_TENANT_DEV_ID] = t->dev_id,
		[QPU_A_TENANT_CGROUP_ID] = t->cgroup_id,
		[QPU_A_TENANT_LEVEL] = t->level,
		[QPU_A_TENANT_CONFIGURED] = t->configured,
		[QPU_A_TENANT_QUBITS_MAX] = t->qubits_max,
		[QPU_A_TENANT_QUBITS_CURRENT] = t->qubits_current,
		[QPU_A_TENANT_JOBS_MAX] = t->jobs_max,
		[QPU_A_TENANT_JOBS_CURRENT] = t->jobs_current,
		[QPU_A_TENANT_WEIGHT] = t->weight,
		[QPU_A_TENANT_LATENCY] = t->latency,
		[QPU_A_TENANT_ISOLATION] = t->isolation,
	};
	int i;

	qj_obj_open(j);
	for (i = 0; i <= QPU_A_TENANT_MAX; i++) {
		if (!(t->have & (1ULL << i)))
			continue;
		if (i == QPU_A_TENANT_SHOTS) {
			json_budget(j, "shots", &t->shots);
		} else if (i == QPU_A_TENANT_QPU_TIME) {
			json_budget(j, "qpu_time", &t->qpu_time);
		} else if (i == QPU_A_TENANT_EVENTS) {
			int e;

			qj_key(j, "events");
			qj_obj_open(j);
			for (e = 0; e < QPU_LIMIT_COUNT; e++) {
				if (events[e] && (t->events_have & (1u << e))) {
					qj_key(j, events[e]);
					qj_u64(j, t->events[e]);
				}
			}
			qj_obj_close(j);
		} else if (names[i]) {
			qj_key(j, names[i]);
			qj_u64(j, v[i]);
		}
	}
	qj_obj_close(j);
}

/* "crosstalk": [{"sweep", "shot", "exposed", "neighbours": [...]}...] */
static void json_xt(struct qpuctl_json *j, const struct qpu_nl_audit *r)
{
	uint32_t i, k;

	qj_arr_open(j);
	for (i = 0; i < r->num_xt; i++) {
		const struct qpu_nl_xt *x = &r->xt[i];

		qj_obj_open(j);
		qj_key(j, "sweep");
		qj_u64(j, x->sweep);
		qj_key(j, "shot");
		qj_u64(j, x->shot);
		qj_key(j, "exposed");
		qj_u64(j, x->exposed);
		qj_key(j, "neighbours");
		qj_arr_open(j);
		for (k = 0; k < x->num_nbrs; k++)
			qj_u64(j, x->nbrs[k]);
		qj_arr_close(j);
		qj_obj_close(j);
	}
	qj_arr_close(j);
}

static void json_attr(struct qpuctl_json *j, const struct qpu_nl_audit *r,
		      int a)
{
	uint64_t v = r->num[a];
	uint32_t i;

	qj_key(j, attrs[a].name);
	switch (attrs[a].fmt) {
	case F_NUM:
		qj_u64(j, v);
		break;
	case F_SNUM:
		qj_s64(j, (int64_t)v);
		break;
	case F_HASH:
		qj_hex(j, r->hash[attrs[a].hash], QPU_HASH_LEN);
		break;
	case F_STR:
		qj_str(j, a == QPU_A_AUDIT_CGROUP_PATH ? r->cgroup_path :
			  a == QPU_A_AUDIT_POLICY ? r->policy : r->limit_name);
		break;
	case F_PHYS:
		qj_arr_open(j);
		for (i = 0; i < r->num_phys; i++)
			qj_u64(j, r->phys[i]);
		qj_arr_close(j);
		break;
	case F_TENANT:
		json_tenant(j, &r->tenant);
		break;
	case F_ORIGIN:
		ENUM(j, origin_names, v);
		break;
	case F_STATE:
		ENUM(j, state_names, v);
		break;
	case F_KIND:
		ENUM(j, kind_names, v);
		break;
	case F_ACTION:
		ENUM(j, action_names, v);
		break;
	case F_REASON:
		if (r->cmd == QPU_CMD_AUDIT_FREE)
			ENUM(j, free_names, v);
		else
			qj_u64(j, v);
		break;
	case F_NOISE:
		ENUM(j, noise_names, v);
		break;
	case F_XT:
		json_xt(j, r);
		break;
	}
}

void aud_record_json(FILE *f, const struct qpu_nl_audit *r)
{
	struct qpuctl_json j;
	int a;

	qj_init(&j, f);
	qj_obj_open(&j);
	qj_key(&j, "type");
	qj_str(&j, aud_record_type(r->cmd));
	for (a = 1; a <= QPU_A_AUDIT_MAX; a++) {
		if ((r->have & (1ULL << a)) && attrs[a].name)
			json_attr(&j, r, a);
	}
	qj_obj_close(&j);
	qj_end(&j);
}

/* "key":v for each of @n pairs, in one object after "type". */
struct kv {
	const char *key;
	uint64_t v;
};

static void json_line(FILE *f, const char *type, const struct kv *kv,
		      size_t n, const uint8_t *hash, const char *error)
{
	struct qpuctl_json j;
	size_t i;

	qj_init(&j, f);
	qj_obj_open(&j);
	qj_key(&j, "type");
	qj_str(&j, type);
	for (i = 0; i < n; i++) {
		if (!kv[i].key)
			continue;
		qj_key(&j, kv[i].key);
		qj_u64(&j, kv[i].v);
		if (hash && !strcmp(kv[i].key, "calib_epoch"))
			json_hash(&j, "calib_hash", hash);
	}
	if (error) {
		qj_key(&j, "error");
		qj_str(&j, error);
	}
	qj_obj_close(&j);
	qj_end(&j);
}

void aud_loss_json(FILE *f, const struct aud_loss *l, uint64_t time_ns)
{
	const struct kv kv[] = {
		{ "dev_id", l->dev_id },
		{ "first_seq", l->first_seq },
		{ "last_seq", l->last_seq },
		{ "count", l->last_seq - l->first_seq + 1 },
		{ "kernel_lost", l->kernel_lost },
		{ "time", time_ns },
	};

	json_line(f, "loss", kv, sizeof(kv) / sizeof(kv[0]), NULL, NULL);
}

void aud_reset_json(FILE *f, const struct aud_reset *r, uint64_t time_ns)
{
	const struct kv kv[] = {
		{ "dev_id", r->dev_id },
		{ "prev_seq", r->prev_seq },
		{ "seq", r->seq },
		{ "time", time_ns },
	};

	json_line(f, "reset", kv, sizeof(kv) / sizeof(kv[0]), NULL, NULL);
}

void aud_calib_missing_json(FILE *f, uint32_t dev_id, uint64_t epoch,
			    const uint8_t *hash, const char *error,
			    uint64_t time_ns)
{
	const struct kv kv[] = {
		{ "dev_id", dev_id },
		{ "calib_epoch", epoch },
		{ "time", time_ns },
	};

	json_line(f, "calib_missing", kv, sizeof(kv) / sizeof(kv[0]), hash,
		  error);
}
