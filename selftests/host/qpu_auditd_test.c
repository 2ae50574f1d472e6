// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_auditd_test.c - host unit tests of qpu-auditd's parts that need no
 * kernel (tools/qpu-auditd/record.c, seq.c, log.c, calib.c's store, and
 * tools/lib/qpu_nl.c's parser of audit messages):
 *
 *  - audit messages built with libnl for every record type, parsed and
 *    written as JSON lines: exact text for short ones, every field read
 *    back with json-c for the rest (u64 seeds and times, negative
 *    status, enum names, hashes as hex, phys arrays, the tenant nest);
 *  - malformed messages rejected: wrong sizes, unterminated strings,
 *    missing required attributes, a PHYS not a whole number of u32, a
 *    bad tenant nest; an unknown attribute skipped, an unknown command
 *    reported as such;
 *  - sequence tracking: in order, a gap with its kernel_lost, reordering
 *    or reset, hints, the drain's closing loss;
 *  - the log: batching (fsync counted by lines, deadline by a given
 *    clock), rotation by size with --keep, reopening after a rename;
 *  - calibration snapshots: stored under their hash, idempotent, a
 *    wrong hash refused and nothing left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/qpu_bpf.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "auditd.h"
#include "qpu_test.h"

#define FAMILY	0x1c	/* any id: the parser does not resolve it */

#define QT_ASSERT_STR_EQ(got, want) do {				\
	const char *_g = (got), *_w = (want);				\
	if (strcmp(_g, _w))						\
		QT_FAIL("got  '%s'\n# want '%s'", _g, _w);		\
} while (0)

static struct nl_msg *msg_new(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	QT_ASSERT(m);
	QT_ASSERT(genlmsg_put(m, 0, 0, FAMILY, 0, 0, cmd, QPU_GENL_VERSION));
	return m;
}

/* DEV_ID, SEQ, LOST, TIME: what every audit record carries. */
static struct nl_msg *rec_new(uint8_t cmd, uint32_t dev, uint64_t seq,
			      uint64_t lost, uint64_t time)
{
	struct nl_msg *m = msg_new(cmd);

	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_DEV_ID, dev));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_SEQ, seq));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_LOST, lost));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_TIME, time));
	return m;
}

static void put_who(struct nl_msg *m)
{
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_CGROUP_ID, 4242));
	QT_ASSERT_OK(nla_put_string(m, QPU_A_AUDIT_CGROUP_PATH, "/hospital"));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_PID, 77));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_UID, 1000));
}

static void put_hash(struct nl_msg *m, int attr, uint8_t byte)
{
	uint8_t h[QPU_HASH_LEN];

	memset(h, byte, sizeof(h));
	QT_ASSERT_OK(nla_put(m, attr, sizeof(h), h));
}

static void put_phys(struct nl_msg *m, const uint32_t *p, int n)
{
	QT_ASSERT_OK(nla_put(m, QPU_A_AUDIT_PHYS, 4 * n, p));
}

static int parse(struct nl_msg *m, struct qpu_nl_audit *r)
{
	int ret = qpu_nl_audit_parse(nlmsg_hdr(m), r);

	nlmsg_free(m);
	return ret;
}

/* The JSON line of @m (parsed, which must succeed); free() it. */
static char *line_of(struct nl_msg *m)
{
	static struct qpu_nl_audit r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	QT_ASSERT_OK(parse(m, &r));
	f = open_memstream(&buf, &len);
	QT_ASSERT(f);
	aud_record_json(f, &r);
	fclose(f);
	QT_ASSERT(len > 0 && buf[len - 1] == '\n');
	QT_ASSERT(!memchr(buf, '\n', len - 1));
	return buf;
}

static struct json_object *json_of(struct nl_msg *m)
{
	char *s = line_of(m);
	struct json_object *o = json_tokener_parse(s);

	if (!o)
		QT_FAIL("not JSON: %s", s);
	free(s);
	return o;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		QT_FAIL("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static void want_str(struct json_object *o, const char *key, const char *s)
{
	QT_ASSERT_STR_EQ(json_object_get_string(get(o, key)), s);
}

static void want_u64(struct json_object *o, const char *key, uint64_t v)
{
	struct json_object *n = get(o, key);

	QT_ASSERT(json_object_is_type(n, json_type_int));
	QT_ASSERT_EQ(json_object_get_uint64(n), v);
}

static void want_hash(struct json_object *o, const char *key, uint8_t byte)
{
	char hex[2 * QPU_HASH_LEN + 1];
	int i;

	for (i = 0; i < QPU_HASH_LEN; i++)
		sprintf(hex + 2 * i, "%02x", byte);
	want_str(o, key, hex);
}

static void want_absent(struct json_object *o, const char *key)
{
	QT_ASSERT(!json_object_object_get_ex(o, key, NULL));
}

/* ---- JSON of each record type ----------------------------------------- */

QPU_TEST(json_alloc_exact)
{
	struct nl_msg *m = rec_new(QPU_CMD_AUDIT_ALLOC, 0, 5, 0, 1000);
	uint32_t phys[] = { 3, 4, 9 };
	char *s;

	put_who(m);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_ALLOC, 2));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_NUM_QUBITS, 3));
	put_phys(m, phys, 3);
	s = line_of(m);
	QT_ASSERT_STR_EQ(s, "{\"type\":\"alloc\",\"dev_id\":0,\"seq\":5,"
			 "\"lost\":0,\"time\":1000,\"cgroup_id\":4242,"
			 "\"cgroup_path\":\"/hospital\",\"pid\":77,"
			 "\"uid\":1000,\"alloc\":2,\"num_qubits\":3,"
			 "\"phys\":[3,4,9]}\n");
	free(s);
}

QPU_TEST(json_free_reason_names)
{
	struct nl_msg *m = rec_new(QPU_CMD_AUDIT_FREE, 1, 6, 0, 1);
	struct json_object *o;

	put_who(m);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_REASON, QPU_AUDIT_FREE_CLOSE));
	o = json_of(m);
	want_str(o, "type", "free");
	want_str(o, "reason", "close");
	json_object_put(o);

	m = rec_new(QPU_CMD_AUDIT_FREE, 1, 7, 0, 1);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_REASON, 9));	/* unknown */
	o = json_of(m);
	want_u64(o, "reason", 9);
	json_object_put(o);
}

QPU_TEST(json_job_every_field)
{
	struct nl_msg *m = rec_new(QPU_CMD_AUDIT_JOB, 2, 1ULL << 40, 3,
				   1700000000123456789ULL);
	uint32_t phys[] = { 7, 8 };
	struct json_object *o, *a;

	put_who(m);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_ORIGIN, QPU_BPF_ORIGIN_URING));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_JOB_ID, 12));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_CIRCUIT, 1));
	put_hash(m, QPU_A_AUDIT_CIRCUIT_HASH, 0x01);
	put_hash(m, QPU_A_AUDIT_PARAM_HASH, 0xa2);
	put_hash(m, QPU_A_AUDIT_RESULT_HASH, 0xff);
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_SEED, UINT64_MAX - 1));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_CALIB_EPOCH, 4));
	put_hash(m, QPU_A_AUDIT_CALIB_HASH, 0x3c);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_SHOTS, 1000));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_SWEEPS, 2));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_NUM_QUBITS, 2));
	put_phys(m, phys, 2);
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_SUBMIT_TIME, 10));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_START_TIME, 0));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_END_TIME, 30));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_QPU_NS, 5555));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_STATUS, (uint32_t)-ECANCELED));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_STATE, QPU_JOB_CANCELLED));
	o = json_of(m);
	want_str(o, "type", "job");
	want_u64(o, "dev_id", 2);
	want_u64(o, "seq", 1ULL << 40);
	want_u64(o, "lost", 3);
	want_u64(o, "time", 1700000000123456789ULL);
	want_str(o, "cgroup_path", "/hospital");
	want_str(o, "origin", "uring");
	want_u64(o, "job_id", 12);
	want_u64(o, "circuit", 1);
	want_hash(o, "circuit_hash", 0x01);
	want_hash(o, "param_hash", 0xa2);
	want_hash(o, "result_hash", 0xff);
	want_u64(o, "seed", UINT64_MAX - 1);
	want_u64(o, "calib_epoch", 4);
	want_hash(o, "calib_hash", 0x3c);
	want_u64(o, "shots", 1000);
	want_u64(o, "sweeps", 2);
	want_u64(o, "start_time", 0);
	want_u64(o, "end_time", 30);
	want_u64(o, "qpu_ns", 5555);
	QT_ASSERT_EQ(json_object_get_int64(get(o, "status")), -ECANCELED);
	want_str(o, "state", "cancelled");
	a = get(o, "phys");
	QT_ASSERT(json_object_is_type(a, json_type_array));
	QT_ASSERT_EQ(json_object_array_length(a), 2);
	QT_ASSERT_EQ(json_object_get_int(json_object_array_get_idx(a, 1)), 8);
	want_absent(o, "alloc");
	json_object_put(o);
}

/* A calibrated job's noise and crosstalk changes, in order, as JSON. */
QPU_TEST(json_job_crosstalk)
{
	struct nl_msg *m = rec_new(QPU_CMD_AUDIT_JOB, 0, 5, 0, 1);
	const uint32_t nbrs[] = { 7, 12 };
	struct json_object *o, *a, *e;
	struct nlattr *n;
	uint32_t i;

	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_NOISE, QPU_NOISE_MODE_CALIBRATED));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_CROSSTALK_PPM, 8000));
	for (i = 0; i < 3; i++) {
		n = nla_nest_start(m, QPU_A_AUDIT_XT);
		QT_ASSERT(n);
		QT_ASSERT_OK(nla_put_u32(m, QPU_A_XT_SWEEP, i / 2));
		QT_ASSERT_OK(nla_put_u32(m, QPU_A_XT_SHOT, 10 * i));
		QT_ASSERT_OK(nla_put_u64(m, QPU_A_XT_EXPOSED, i));
		if (i == 1)
			QT_ASSERT_OK(nla_put(m, QPU_A_XT_NEIGHBOURS, sizeof(nbrs),
					     nbrs));
		nla_nest_end(m, n);
	}
	o = json_of(m);
	want_str(o, "noise", "calibrated");
	want_u64(o, "crosstalk_ppm", 8000);
	a = get(o, "crosstalk");
	QT_ASSERT_EQ(json_object_array_length(a), 3);
	for (i = 0; i < 3; i++) {
		e = json_object_array_get_idx(a, i);
		want_u64(e, "sweep", i / 2);
		want_u64(e, "shot", 10 * i);
		want_u64(e, "exposed", i);
		QT_ASSERT_EQ(json_object_array_length(get(e, "neighbours")),
			     i == 1 ? 2 : 0);
	}
	e = json_object_array_get_idx(a, 1);
	QT_ASSERT_EQ(json_object_get_int(json_object_array_get_idx(
			get(e, "neighbours"), 1)), 12);
	json_object_put(o);
}

/* An XT nest without its shot, or with a ragged NEIGHBOURS, is refused. */
QPU_TEST(parse_crosstalk_malformed)
{
	struct qpu_nl_audit *r = malloc(sizeof(*r));
	struct nl_msg *m;
	struct nlattr *n;

	QT_ASSERT(r);
	m = rec_new(QPU_CMD_AUDIT_JOB, 0, 5, 0, 1);
	n = nla_nest_start(m, QPU_A_AUDIT_XT);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_XT_SWEEP, 0));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_XT_EXPOSED, 1));
	nla_nest_end(m, n);
	QT_ASSERT_EQ(parse(m, r), -EPROTO);
	m = rec_new(QPU_CMD_AUDIT_JOB, 0, 5, 0, 1);
	n = nla_nest_start(m, QPU_A_AUDIT_XT);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_XT_SWEEP, 0));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_XT_SHOT, 0));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_XT_EXPOSED, 1));
	QT_ASSERT_OK(nla_put(m, QPU_A_XT_NEIGHBOURS, 6, "abcdef"));
	nla_nest_end(m, n);
	QT_ASSERT_EQ(parse(m, r), -EPROTO);
	free(r);
}

QPU_TEST(json_load_deny_verdict)
{
	struct nl_msg *m = rec_new(QPU_CMD_AUDIT_LOAD, 0, 1, 0, 5);
	struct json_object *o;

	put_who(m);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_CIRCUIT, 3));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_NUM_GATES, 40));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_NUM_CLBITS, 2));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_NUM_PARAMS, 0));
	o = json_of(m);
	want_str(o, "type", "load");
	want_u64(o, "num_gates", 40);
	want_u64(o, "num_params", 0);
	json_object_put(o);

	m = rec_new(QPU_CMD_AUDIT_DENY, 0, 2, 0, 6);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_KIND, QPU_ADMIT_SUBMIT));
	QT_ASSERT_OK(nla_put_string(m, QPU_A_AUDIT_POLICY, "repeat-2q"));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_REASON, 2));
	o = json_of(m);
	want_str(o, "type", "deny");
	want_str(o, "kind", "submit");
	want_str(o, "policy", "repeat-2q");
	want_u64(o, "reason", 2);	/* the policy's number, not a name */
	json_object_put(o);

	/* A verdict has no sequence number: still a record. */
	m = msg_new(QPU_CMD_EVENT_VERDICT);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_DEV_ID, 0));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_TIME, 9));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_ACTION, QPU_BPF_FLAG));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_KIND, QPU_ADMIT_RUN));
	o = json_of(m);
	want_str(o, "type", "verdict");
	want_str(o, "action", "flag");
	want_str(o, "kind", "run");
	want_absent(o, "seq");
	json_object_put(o);
}

QPU_TEST(json_calib_and_limit)
{
	struct nl_msg *m = rec_new(QPU_CMD_AUDIT_CALIB, 0, 3, 0, 7);
	struct json_object *o, *t, *b;
	struct nlattr *n, *nb;
	char *s;

	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_PID, 1));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_UID, 0));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_CALIB_EPOCH, 9));
	put_hash(m, QPU_A_AUDIT_CALIB_HASH, 0x00);
	s = line_of(m);
	QT_ASSERT_STR_EQ(s, "{\"type\":\"calib\",\"dev_id\":0,\"seq\":3,"
			 "\"lost\":0,\"time\":7,\"pid\":1,\"uid\":0,"
			 "\"calib_epoch\":9,\"calib_hash\":\"0000000000000000"
			 "000000000000000000000000000000000000000000000000\"}\n");
	free(s);

	m = rec_new(QPU_CMD_AUDIT_LIMIT, 0, 4, 0, 8);
	QT_ASSERT_OK(nla_put_string(m, QPU_A_AUDIT_LIMIT_NAME, "max_tenants"));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_LIMIT_VALUE, 64));
	o = json_of(m);
	want_str(o, "type", "limit");
	want_str(o, "limit_name", "max_tenants");
	want_u64(o, "limit_value", 64);
	want_absent(o, "tenant");
	json_object_put(o);

	m = rec_new(QPU_CMD_AUDIT_LIMIT, 0, 5, 0, 8);
	QT_ASSERT_OK(nla_put_string(m, QPU_A_AUDIT_LIMIT_NAME, "tenant"));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_CGROUP_ID, 99));
	n = nla_nest_start(m, QPU_A_AUDIT_TENANT);
	QT_ASSERT(n);
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_TENANT_QUBITS_MAX, 16));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_TENANT_WEIGHT, 200));
	nb = nla_nest_start(m, QPU_A_TENANT_SHOTS);
	QT_ASSERT(nb);
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_BUDGET_LIMIT, 1000000));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_BUDGET_PERIOD, 3600));
	nla_nest_end(m, nb);
	nla_nest_end(m, n);
	o = json_of(m);
	want_u64(o, "cgroup_id", 99);
	t = get(o, "tenant");
	want_u64(t, "qubits_max", 16);
	want_u64(t, "weight", 200);
	b = get(t, "shots");
	want_u64(b, "limit", 1000000);
	want_u64(b, "period", 3600);
	want_absent(t, "jobs_max");
	json_object_put(o);
}

QPU_TEST(json_escapes_cgroup_path)
{
	struct nl_msg *m = rec_new(QPU_CMD_AUDIT_FREE, 0, 1, 0, 1);
	struct json_object *o;

	QT_ASSERT_OK(nla_put_string(m, QPU_A_AUDIT_CGROUP_PATH,
				    "/a\"b\\c\n\xff"));
	o = json_of(m);		/* still valid JSON */
	want_str(o, "cgroup_path", "/a\"b\\c\n\xef\xbf\xbd");
	json_object_put(o);
}

/* ---- malformed messages ---------------------------------------------- */

QPU_TEST(malformed_rejected)
{
	static struct qpu_nl_audit r;
	uint8_t shorth[QPU_HASH_LEN - 1] = { 0 };
	struct nl_msg *m;
	struct nlattr *n;
	uint16_t half = 1;
	uint32_t odd[2] = { 1, 2 };

	/* a u32 of two bytes */
	m = rec_new(QPU_CMD_AUDIT_JOB, 0, 1, 0, 1);
	QT_ASSERT_OK(nla_put(m, QPU_A_AUDIT_PID, sizeof(half), &half));
	QT_ASSERT_EQ(parse(m, &r), -EPROTO);
	/* a u32 of eight bytes (misread as a u32 otherwise) */
	m = rec_new(QPU_CMD_AUDIT_JOB, 0, 1, 0, 1);
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_UID, 1));
	QT_ASSERT_EQ(parse(m, &r), -EPROTO);
	/* a hash of 31 bytes */
	m = rec_new(QPU_CMD_AUDIT_JOB, 0, 1, 0, 1);
	QT_ASSERT_OK(nla_put(m, QPU_A_AUDIT_CIRCUIT_HASH, sizeof(shorth),
			     shorth));
	QT_ASSERT_EQ(parse(m, &r), -EPROTO);
	/* a string without its NUL */
	m = rec_new(QPU_CMD_AUDIT_DENY, 0, 1, 0, 1);
	QT_ASSERT_OK(nla_put(m, QPU_A_AUDIT_POLICY, 3, "abc"));
	QT_ASSERT_EQ(parse(m, &r), -EPROTO);
	/* PHYS not a whole number of u32 */
	m = rec_new(QPU_CMD_AUDIT_ALLOC, 0, 1, 0, 1);
	QT_ASSERT_OK(nla_put(m, QPU_A_AUDIT_PHYS, 6, odd));
	QT_ASSERT_EQ(parse(m, &r), -EPROTO);
	/* a tenant nest with a bad member */
	m = rec_new(QPU_CMD_AUDIT_LIMIT, 0, 1, 0, 1);
	n = nla_nest_start(m, QPU_A_AUDIT_TENANT);
	QT_ASSERT_OK(nla_put(m, QPU_A_TENANT_QUBITS_MAX, 2, &half));
	nla_nest_end(m, n);
	QT_ASSERT_EQ(parse(m, &r), -EPROTO);
	/* an audit record without SEQ */
	m = msg_new(QPU_CMD_AUDIT_LOAD);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_DEV_ID, 0));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_LOST, 0));
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_TIME, 0));
	QT_ASSERT_EQ(parse(m, &r), -EPROTO);
	/* a verdict without DEV_ID */
	m = msg_new(QPU_CMD_EVENT_VERDICT);
	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_TIME, 0));
	QT_ASSERT_EQ(parse(m, &r), -EPROTO);
	/* not an audit command */
	m = msg_new(QPU_CMD_DEV_GET);
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_DEV_ID, 0));
	QT_ASSERT_EQ(parse(m, &r), -EPROTO);
	/* a newer kernel's command */
	m = rec_new(QPU_CMD_MAX + 1, 0, 1, 0, 1);
	QT_ASSERT_EQ(parse(m, &r), -EOPNOTSUPP);
}

QPU_TEST(unknown_attribute_skipped)
{
	static struct qpu_nl_audit r;
	struct nl_msg *m = rec_new(QPU_CMD_AUDIT_FREE, 0, 8, 0, 1);
	char *s;

	QT_ASSERT_OK(nla_put_u64(m, QPU_A_AUDIT_MAX + 5, 123));
	QT_ASSERT_OK(nla_put_u32(m, QPU_A_AUDIT_ALLOC, 1));
	s = line_of(m);
	QT_ASSERT_STR_EQ(s, "{\"type\":\"free\",\"dev_id\":0,\"seq\":8,"
			 "\"lost\":0,\"time\":1,\"alloc\":1}\n");
	free(s);
	(void)r;
}

/* ---- sequence tracking ------------------------------------------------- */

QPU_TEST(seq_in_order_gap_reset)
{
	struct aud_reset reset;
	struct aud_loss loss;
	struct aud_seq s;

	aud_seq_init(&s);
	/* baseline: no loss claimed before it */
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 10, 2, &loss, &reset), AUD_SEQ_BASELINE);
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 11, 2, &loss, &reset), AUD_SEQ_NEXT);
	/* another device is tracked apart */
	QT_ASSERT_EQ(aud_seq_see(&s, 3, 1, 0, &loss, &reset), AUD_SEQ_BASELINE);
	/* 12..15 missing; LOST went 2 -> 5: the kernel lost 3 of them */
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 16, 5, &loss, &reset), AUD_SEQ_GAP);
	QT_ASSERT_EQ(loss.dev_id, 0);
	QT_ASSERT_EQ(loss.first_seq, 12);
	QT_ASSERT_EQ(loss.last_seq, 15);
	QT_ASSERT_EQ(loss.kernel_lost, 3);
	/* a gap the kernel did not count: all the listener's */
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 18, 5, &loss, &reset), AUD_SEQ_GAP);
	QT_ASSERT_EQ(loss.first_seq, 17);
	QT_ASSERT_EQ(loss.last_seq, 17);
	QT_ASSERT_EQ(loss.kernel_lost, 0);
	/* kernel_lost never exceeds the gap */
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 20, 50, &loss, &reset), AUD_SEQ_GAP);
	QT_ASSERT_EQ(loss.kernel_lost, 1);
	/* back to 1: the device was created again */
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 1, 0, &loss, &reset), AUD_SEQ_RESET);
	QT_ASSERT_EQ(reset.prev_seq, 20);
	QT_ASSERT_EQ(reset.seq, 1);
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 2, 0, &loss, &reset), AUD_SEQ_NEXT);
	/* a reset that also missed the new device's first numbers */
	QT_ASSERT_EQ(aud_seq_see(&s, 3, 1, 0, &loss, &reset), AUD_SEQ_RESET);
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 2, 0, &loss, &reset), AUD_SEQ_RESET);
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 4, 1, &loss, &reset), AUD_SEQ_GAP);
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 3, 1, &loss, &reset), AUD_SEQ_RESET);
	QT_ASSERT_EQ(loss.first_seq, 1);
	QT_ASSERT_EQ(loss.last_seq, 2);
	QT_ASSERT_EQ(loss.kernel_lost, 1);
	aud_seq_free(&s);
}

QPU_TEST(seq_hint_and_close)
{
	struct aud_reset reset;
	struct aud_loss loss;
	struct aud_seq s;

	aud_seq_init(&s);
	QT_ASSERT_OK(aud_seq_hint(&s, 0, 100, 7));
	/* queued before the hint was read: the baseline, not a reset */
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 99, 7, &loss, &reset), AUD_SEQ_BASELINE);
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 100, 7, &loss, &reset), AUD_SEQ_NEXT);

	QT_ASSERT_OK(aud_seq_hint(&s, 1, 50, 0));
	/* past the hint + 1: 51..52 are missing, known since the hint */
	QT_ASSERT_EQ(aud_seq_see(&s, 1, 53, 1, &loss, &reset), AUD_SEQ_GAP);
	QT_ASSERT_EQ(loss.first_seq, 51);
	QT_ASSERT_EQ(loss.last_seq, 52);
	QT_ASSERT_EQ(loss.kernel_lost, 1);
	/* a hint after records is ignored */
	QT_ASSERT_OK(aud_seq_hint(&s, 1, 5, 0));
	QT_ASSERT_EQ(aud_seq_get(&s, 1)->last_seq, 53);

	/* drain: 101..104 never came; LOST 7 -> 9 */
	QT_ASSERT_EQ(aud_seq_close(&s, 0, 104, 9, &loss, &reset), AUD_SEQ_CLOSE_LOSS);
	QT_ASSERT_EQ(loss.first_seq, 101);
	QT_ASSERT_EQ(loss.last_seq, 104);
	QT_ASSERT_EQ(loss.kernel_lost, 2);
	QT_ASSERT_EQ(aud_seq_close(&s, 0, 104, 9, &loss, &reset), 0);
	QT_ASSERT_EQ(aud_seq_close(&s, 1, 53, 1, &loss, &reset), 0);
	/* a device never heard of claims nothing */
	QT_ASSERT_EQ(aud_seq_close(&s, 9, 10, 0, &loss, &reset), 0);
	/* a hinted device that sent nothing: everything after the hint */
	QT_ASSERT_OK(aud_seq_hint(&s, 2, 0, 0));
	QT_ASSERT_EQ(aud_seq_close(&s, 2, 3, 0, &loss, &reset), AUD_SEQ_CLOSE_LOSS);
	QT_ASSERT_EQ(loss.first_seq, 1);
	QT_ASSERT_EQ(loss.last_seq, 3);
	aud_seq_free(&s);
}

QPU_TEST(seq_restart_and_unheard_recreation)
{
	struct aud_reset reset;
	struct aud_loss loss;
	struct aud_seq s;

	aud_seq_init(&s);
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 10, 0, &loss, &reset), AUD_SEQ_BASELINE);
	QT_ASSERT_EQ(aud_seq_see(&s, 1, 4, 0, &loss, &reset), AUD_SEQ_BASELINE);
	/* qpu.ko reloaded: the first record heard after is a reset ... */
	aud_seq_restart(&s);
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 1, 0, &loss, &reset), AUD_SEQ_RESET);
	QT_ASSERT_EQ(reset.prev_seq, 10);
	QT_ASSERT_EQ(reset.seq, 1);
	QT_ASSERT_EQ(aud_seq_see(&s, 0, 2, 0, &loss, &reset), AUD_SEQ_NEXT);
	/* ... even one past its old position: 1..11 of the new one lost */
	QT_ASSERT_EQ(aud_seq_see(&s, 1, 12, 2, &loss, &reset), AUD_SEQ_RESET);
	QT_ASSERT_EQ(reset.prev_seq, 4);
	QT_ASSERT_EQ(loss.first_seq, 1);
	QT_ASSERT_EQ(loss.last_seq, 11);
	QT_ASSERT_EQ(loss.kernel_lost, 2);
	/* a restarted device drained before a record: 1..target */
	aud_seq_restart(&s);
	QT_ASSERT_EQ(aud_seq_close(&s, 0, 3, 0, &loss, &reset),
		     AUD_SEQ_CLOSE_LOSS);
	QT_ASSERT_EQ(loss.first_seq, 1);
	QT_ASSERT_EQ(loss.last_seq, 3);

	/* device 2 at 6, created again, its 1..4 not heard by the drain */
	QT_ASSERT_EQ(aud_seq_see(&s, 2, 6, 0, &loss, &reset), AUD_SEQ_BASELINE);
	QT_ASSERT_EQ(aud_seq_see(&s, 5, 7, 0, &loss, &reset), AUD_SEQ_BASELINE);
	aud_seq_mark(&s);
	QT_ASSERT_EQ(aud_seq_close(&s, 2, 4, 0, &loss, &reset),
		     AUD_SEQ_CLOSE_RESET | AUD_SEQ_CLOSE_LOSS);
	QT_ASSERT_EQ(reset.prev_seq, 6);
	QT_ASSERT_EQ(reset.seq, 0);
	QT_ASSERT_EQ(loss.first_seq, 1);
	QT_ASSERT_EQ(loss.last_seq, 4);
	/* records after the mark (new activity) are not a re-creation */
	QT_ASSERT_EQ(aud_seq_see(&s, 5, 8, 0, &loss, &reset), AUD_SEQ_NEXT);
	QT_ASSERT_EQ(aud_seq_close(&s, 5, 7, 0, &loss, &reset), 0);
	/* a re-creation heard while draining is the reset already logged */
	QT_ASSERT_EQ(aud_seq_see(&s, 6, 9, 0, &loss, &reset), AUD_SEQ_BASELINE);
	aud_seq_mark(&s);
	QT_ASSERT_EQ(aud_seq_see(&s, 6, 1, 0, &loss, &reset), AUD_SEQ_RESET);
	QT_ASSERT_EQ(aud_seq_close(&s, 6, 2, 0, &loss, &reset),
		     AUD_SEQ_CLOSE_LOSS);
	QT_ASSERT_EQ(loss.first_seq, 2);
	QT_ASSERT_EQ(loss.last_seq, 2);
	aud_seq_free(&s);
}

QPU_TEST(loss_and_reset_lines)
{
	struct aud_loss l = { .dev_id = 2, .first_seq = 12, .last_seq = 15,
			      .kernel_lost = 3 };
	struct aud_reset r = { .dev_id = 2, .prev_seq = 20, .seq = 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	QT_ASSERT(f);
	aud_loss_json(f, &l, 77);
	aud_reset_json(f, &r, 78);
	aud_calib_missing_json(f, 1, 3, NULL, "gone", 79);
	fclose(f);
	QT_ASSERT_STR_EQ(buf,
		"{\"type\":\"loss\",\"dev_id\":2,\"first_seq\":12,"
		"\"last_seq\":15,\"count\":4,\"kernel_lost\":3,\"time\":77}\n"
		"{\"type\":\"reset\",\"dev_id\":2,\"prev_seq\":20,\"seq\":1,"
		"\"time\":78}\n"
		"{\"type\":\"calib_missing\",\"dev_id\":1,\"calib_epoch\":3,"
		"\"time\":79,\"error\":\"gone\"}\n");
	free(buf);
}

/* ---- the log ----------------------------------------------------------- */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/qpu_auditd_test.XXXXXX");
	QT_ASSERT(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(tmpdir);

	QT_ASSERT(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

/* The content of tmpdir/@name ("" and *@exists false if absent). */
static const char *slurp(const char *name, bool *exists)
{
	static char buf[4096];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "r");
	buf[0] = '\0';
	if (exists)
		*exists = f;
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void put(struct aud_log *l, const char *s, uint64_t now)
{
	QT_ASSERT_OK(aud_log_write(l, s, strlen(s), now));
}

QPU_TEST(log_batch_and_deadline)
{
	struct aud_log l;

	make_tmpdir();
	QT_ASSERT_OK(aud_log_open(&l, tmpdir, 0, 1, 3, 50));
	put(&l, "{\"a\":1}\n", 1000);
	put(&l, "{\"a\":2}\n", 1010);
	QT_ASSERT_EQ(l.pending, 2);
	put(&l, "{\"a\":3}\n", 1020);
	QT_ASSERT_EQ(l.pending, 0);		/* the batch was synced */
	QT_ASSERT_EQ(aud_log_tick(&l, 1030), -1);	/* nothing pending */
	put(&l, "{\"a\":4}\n", 2000);
	QT_ASSERT_EQ(aud_log_tick(&l, 2020), 30);	/* due at 2050 */
	QT_ASSERT_EQ(l.pending, 1);
	QT_ASSERT_EQ(aud_log_tick(&l, 2050), -1);
	QT_ASSERT_EQ(l.pending, 0);
	QT_ASSERT_STR_EQ(slurp("audit.jsonl", NULL),
			 "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n");
	aud_log_close(&l);
	/* appends to what is there */
	QT_ASSERT_OK(aud_log_open(&l, tmpdir, 0, 1, 3, 50));
	QT_ASSERT_EQ(l.size, 32);
	aud_log_close(&l);
	rm_tmpdir();
}

QPU_TEST(log_rotation_keep)
{
	struct aud_log l;
	bool there;

	make_tmpdir();
	/* 10-byte lines, 25 bytes a file: two lines each */
	QT_ASSERT_OK(aud_log_open(&l, tmpdir, 25, 2, 1, 0));
	put(&l, "{\"n\":101}\n", 0);
	put(&l, "{\"n\":102}\n", 0);
	QT_ASSERT_EQ(l.rotations, 0);
	put(&l, "{\"n\":103}\n", 0);
	QT_ASSERT_EQ(l.rotations, 1);
	QT_ASSERT_STR_EQ(slurp("audit.jsonl.1", NULL),
			 "{\"n\":101}\n{\"n\":102}\n");
	QT_ASSERT_STR_EQ(slurp("audit.jsonl", NULL), "{\"n\":103}\n");
	put(&l, "{\"n\":104}\n", 0);
	put(&l, "{\"n\":105}\n", 0);
	put(&l, "{\"n\":106}\n", 0);
	put(&l, "{\"n\":107}\n", 0);
	QT_ASSERT_EQ(l.rotations, 3);
	QT_ASSERT_STR_EQ(slurp("audit.jsonl", NULL), "{\"n\":107}\n");
	QT_ASSERT_STR_EQ(slurp("audit.jsonl.1", NULL),
			 "{\"n\":105}\n{\"n\":106}\n");
	QT_ASSERT_STR_EQ(slurp("audit.jsonl.2", NULL),
			 "{\"n\":103}\n{\"n\":104}\n");
	slurp("audit.jsonl.3", &there);
	QT_ASSERT(!there);	/* --keep 2 */
	aud_log_close(&l);
	rm_tmpdir();
}

QPU_TEST(log_reopen_after_rename)
{
	char from[256], to[256];
	struct aud_log l;

	make_tmpdir();
	QT_ASSERT_OK(aud_log_open(&l, tmpdir, 0, 1, 100, 1000));
	put(&l, "{\"x\":1}\n", 0);
	snprintf(from, sizeof(from), "%s/audit.jsonl", tmpdir);
	snprintf(to, sizeof(to), "%s/old.jsonl", tmpdir);
	QT_ASSERT_OK(rename(from, to));		/* logrotate */
	put(&l, "{\"x\":2}\n", 0);		/* still the old file */
	QT_ASSERT_OK(aud_log_reopen(&l));
	QT_ASSERT_EQ(l.pending, 0);
	QT_ASSERT_EQ(l.size, 0);
	put(&l, "{\"x\":3}\n", 0);
	QT_ASSERT_STR_EQ(slurp("old.jsonl", NULL), "{\"x\":1}\n{\"x\":2}\n");
	QT_ASSERT_STR_EQ(slurp("audit.jsonl", NULL), "{\"x\":3}\n");
	aud_log_close(&l);
	rm_tmpdir();
}

/* ---- calibration snapshots --------------------------------------------- */

QPU_TEST(sha256_vector)
{
	uint8_t h[QPU_HASH_LEN];
	char hex[2 * QPU_HASH_LEN + 1];

	QT_ASSERT_OK(aud_sha256("abc", 3, h));
	aud_hex(h, hex);
	QT_ASSERT_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
}

QPU_TEST(calib_store_verified)
{
	static const char content[] = "q0 t1=100us t2=80us\nq0-q1 cx=0.99\n";
	uint8_t h[QPU_HASH_LEN], bad[QPU_HASH_LEN];
	char hex[2 * QPU_HASH_LEN + 1];
	bool there;

	make_tmpdir();
	QT_ASSERT_OK(aud_sha256(content, strlen(content), h));
	aud_hex(h, hex);
	QT_ASSERT(!aud_calib_have(tmpdir, h));
	QT_ASSERT_OK(aud_calib_store(tmpdir, h, content, strlen(content)));
	QT_ASSERT(aud_calib_have(tmpdir, h));
	QT_ASSERT_STR_EQ(slurp(hex, NULL), content);
	/* again: nothing to do */
	QT_ASSERT_OK(aud_calib_store(tmpdir, h, content, strlen(content)));
	/* content that does not hash to the name is refused */
	memcpy(bad, h, sizeof(bad));
	bad[0] ^= 1;
	QT_ASSERT_EQ(aud_calib_store(tmpdir, bad, content, strlen(content)),
		     -EBADMSG);
	QT_ASSERT(!aud_calib_have(tmpdir, bad));
	aud_hex(bad, hex);
	slurp(hex, &there);
	QT_ASSERT(!there);
	{
		char tmpname[80];

		snprintf(tmpname, sizeof(tmpname), ".tmp.%s", hex);
		slurp(tmpname, &there);
		QT_ASSERT(!there);
	}
	rm_tmpdir();
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
