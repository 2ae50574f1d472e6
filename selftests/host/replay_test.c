// SPDX-License-Identifier: GPL-2.0
/*
 * replay_test.c - host unit tests of what replaying a job does without a
 * device: reading a "job" audit record (tools/lib/audit_record.c: a good
 * record field by field, every required field missing or of the wrong
 * type, other record types, unfinished jobs, qpu-run --json's
 * "provenance" member), libqpu's hashes (replay.c: SHA-256 of known
 * vectors, of parameter vectors as struct qpu_provenance defines
 * param_hash, of a file), the result layout with room for the provenance
 * and its accessor, and the report text of qpu_replay_describe().
 */
#include <stdint.h>

#include <json-c/json.h>
#include <linux/qpu.h>
#include <libqpu.h>

#include "qpu_test.h"
#include "host_util.h"
#include "internal.h"
#include "audit_record.h"

#define H_C	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define H_P	"1fbd9b99a7ad0466fc9c483e7fab18e94872c3def4473d94afcf3ee6d2561b8b"
#define H_R	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define H_K	"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

/* As qpu-auditd writes a job record (Documentation/qpu/audit.rst). */
static const char good[] =
	"{\"type\":\"job\",\"dev_id\":2,\"seq\":41,\"lost\":0,"
	"\"time\":1764662400000000000,\"cgroup_id\":1,\"cgroup_path\":\"/\","
	"\"pid\":100,\"uid\":1000,\"origin\":\"run\",\"job_id\":0,"
	"\"circuit\":3,\"circuit_hash\":\"" H_C "\",\"param_hash\":\"" H_P "\","
	"\"result_hash\":\"" H_R "\",\"seed\":18446744073709551615,"
	"\"calib_epoch\":7,\"calib_hash\":\"" H_K "\",\"shots\":1000,"
	"\"sweeps\":3,\"num_qubits\":3,\"phys\":[5,0,9],\"submit_time\":1,"
	"\"start_time\":2,\"end_time\":3,\"qpu_ns\":4,\"status\":0,"
	"\"state\":\"done\"}";

/* The fields replay needs, each of which a record must have. */
static const char *const required[] = {
	"type", "dev_id", "circuit_hash", "param_hash", "result_hash",
	"calib_hash", "calib_epoch", "seed", "shots", "sweeps", "num_qubits",
	"phys",
};

static void unhex(const char *hex, uint8_t *out)
{
	unsigned int i, v;

	for (i = 0; i < 32; i++) {
		QT_ASSERT_EQ(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void assert_hash(const uint8_t *h, const char *hex)
{
	char got[65];

	qpu_hash_hex(h, got);
	if (strcmp(got, hex))
		QT_FAIL("hash %s, want %s", got, hex);
}

/* @good with member @key replaced by @value (JSON text), or deleted. */
static char *edited(const char *key, const char *value)
{
	struct json_object *o = json_tokener_parse(good);
	char *s;

	QT_ASSERT(o);
	json_object_object_del(o, key);
	if (value)
		json_object_object_add(o, key, json_tokener_parse(value));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	QT_ASSERT(s);
	return s;
}

/* Parsing @text fails and the message contains @want. */
static void expect_bad(const char *text, const char *want)
{
	struct qpu_job_record rec;
	char err[256] = "";

	QT_ASSERT_NEGERR(audit_record_parse(text, &rec, err, sizeof(err)), EINVAL);
	if (!strstr(err, want))
		QT_FAIL("error \"%s\" does not say \"%s\"", err, want);
}

QPU_TEST(record_good)
{
	struct qpu_job_record rec;
	uint8_t h[32];
	char err[256] = "";

	QT_ASSERT_OK(audit_record_parse(good, &rec, err, sizeof(err)));
	QT_ASSERT_EQ(rec.dev_id, 2);
	unhex(H_C, h);
	QT_ASSERT(!memcmp(rec.circuit_hash, h, 32));
	assert_hash(rec.param_hash, H_P);
	assert_hash(rec.result_hash, H_R);
	assert_hash(rec.calib_hash, H_K);
	QT_ASSERT_EQ(rec.calib_epoch, 7);
	QT_ASSERT_EQ(rec.seed, UINT64_MAX);
	QT_ASSERT_EQ(rec.shots, 1000);
	QT_ASSERT_EQ(rec.sweeps, 3);
	QT_ASSERT_EQ(rec.run_flags, 0);
	QT_ASSERT_EQ(rec.num_phys, 3);
	QT_ASSERT_EQ(rec.phys[0], 5);
	QT_ASSERT_EQ(rec.phys[1], 0);
	QT_ASSERT_EQ(rec.phys[2], 9);
}

/* qpu-run --json's output carries the same keys as "provenance". */
QPU_TEST(record_in_qpu_run_json)
{
	struct qpu_job_record rec;
	char text[2048], err[256] = "";

	snprintf(text, sizeof(text), "{\"file\": \"x.qasm\", \"shots\": 1000, "
		 "\"counts\": {\"00\": 1000}, \"provenance\": %s}", good);
	QT_ASSERT_OK(audit_record_parse(text, &rec, err, sizeof(err)));
	QT_ASSERT_EQ(rec.seed, UINT64_MAX);
	QT_ASSERT_EQ(rec.phys[2], 9);
}

/* @good with "noise": calibrated and the members @extra (JSON, ","-led). */
static char *calibrated(const char *extra)
{
	size_t n = strlen(good) + strlen(extra) + 64;
	char *s = malloc(n);

	QT_ASSERT(s);
	snprintf(s, n, "%.*s,\"noise\":\"calibrated\"%s}",
		 (int)strlen(good) - 1, good, extra);
	return s;
}

QPU_TEST(record_noise)
{
	struct qpu_job_record rec;
	char err[256] = "", *text;

	/* a record from before noise existed ran ideal */
	QT_ASSERT_OK(audit_record_parse(good, &rec, err, sizeof(err)));
	QT_ASSERT_EQ(rec.noise, QPU_NOISE_MODE_IDEAL);
	QT_ASSERT_EQ(rec.num_xt, 0);
	text = calibrated(",\"crosstalk_ppm\":8000,\"crosstalk\":["
			  "{\"sweep\":0,\"shot\":0,\"exposed\":5,\"neighbours\":[7]},"
			  "{\"sweep\":2,\"shot\":99,\"exposed\":0,\"neighbours\":[]}]");
	QT_ASSERT_OK(audit_record_parse(text, &rec, err, sizeof(err)));
	free(text);
	QT_ASSERT_EQ(rec.noise, QPU_NOISE_MODE_CALIBRATED);
	QT_ASSERT_EQ(rec.crosstalk_ppm, 8000);
	QT_ASSERT_EQ(rec.num_xt, 2);
	QT_ASSERT_EQ(rec.xt[0].exposed, 5);
	QT_ASSERT_EQ(rec.xt[1].sweep, 2);
	QT_ASSERT_EQ(rec.xt[1].shot, 99);
	/* no "crosstalk": none received */
	text = calibrated(",\"crosstalk_ppm\":0");
	QT_ASSERT_OK(audit_record_parse(text, &rec, err, sizeof(err)));
	free(text);
	QT_ASSERT_EQ(rec.num_xt, 0);
}

QPU_TEST(record_noise_bad)
{
	char *text, *big;
	size_t i, off;

	text = edited("noise", "\"loud\"");
	expect_bad(text, "noise");
	free(text);
	text = calibrated("");
	expect_bad(text, "crosstalk_ppm");
	free(text);
	text = calibrated(",\"crosstalk_ppm\":1,\"crosstalk\":[{\"sweep\":0}]");
	expect_bad(text, "shot");
	free(text);
	big = malloc(64 * (QPU_MAX_XT_SEGS + 2));
	QT_ASSERT(big);
	off = (size_t)sprintf(big, ",\"crosstalk_ppm\":1,\"crosstalk\":[");
	for (i = 0; i <= QPU_MAX_XT_SEGS; i++)
		off += (size_t)sprintf(big + off, "%s{\"sweep\":0,\"shot\":%zu,"
				       "\"exposed\":1}", i ? "," : "", i);
	sprintf(big + off, "]");
	text = calibrated(big);
	expect_bad(text, "crosstalk");
	free(text);
	free(big);
}

QPU_TEST(record_missing_field)
{
	char want[64], *s;
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		s = edited(required[i], NULL);
		snprintf(want, sizeof(want), "no \"%s\"", required[i]);
		expect_bad(s, want);
		free(s);
	}
}

QPU_TEST(record_wrong_type)
{
	static const struct {
		const char *key, *value, *want;
	} cases[] = {
		{ "type", "7", "\"type\" is not a string" },
		{ "dev_id", "\"2\"", "\"dev_id\" is not an integer" },
		{ "seed", "1.5", "\"seed\" is not an integer" },
		{ "shots", "-1", "\"shots\" is out of range" },
		{ "shots", "0", "\"shots\" is out of range" },
		{ "sweeps", "4097", "\"sweeps\" is out of range" },
		{ "dev_id", "4294967296", "\"dev_id\" is out of range" },
		{ "calib_epoch", "-3", "\"calib_epoch\" is out of range" },
		{ "circuit_hash", "12", "\"circuit_hash\" is not a string" },
		{ "param_hash", "\"abc\"", "\"param_hash\" is not 64 hex" },
		{ "result_hash",
		  "\"A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF\"",
		  "\"result_hash\" is not 64 lower-case hex" },
		{ "phys", "5", "\"phys\" is not an array" },
		{ "phys", "[5, 0]", "\"phys\" has 2 entries, its \"num_qubits\" is 3" },
		{ "phys", "[5, \"0\", 9]", "\"phys\"[1] is not a qubit number" },
		{ "phys", "[5, -1, 9]", "\"phys\"[1] is not a qubit number" },
		{ "num_qubits", "27", "\"num_qubits\" is out of range" },
		{ "state", "\"failed\"", "did not complete (state \"failed\")" },
		{ "state", "3", "\"state\" is not a string" },
		{ "type", "\"load\"", "a \"load\" record, not a \"job\" one" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = edited(cases[i].key, cases[i].value);
		expect_bad(s, cases[i].want);
		free(s);
	}
	expect_bad("{\"type\": \"job\"", "not JSON");
	expect_bad("[1, 2]", "not a JSON object");
	expect_bad("", "not JSON");
}

/* FIPS 180-2 vectors, and param_hash of binary64 values as stored. */
QPU_TEST(hashes)
{
	const double v[3] = { 1.0, -0.5, 3.141592653589793 };
	uint8_t h[32];

	QT_ASSERT_OK(qpu_sha256("abc", 3, h));
	assert_hash(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	QT_ASSERT_OK(qpu_sha256("", 0, h));
	assert_hash(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* one vector of three, three vectors of one: the same bytes */
	QT_ASSERT_OK(qpu_param_hash(v, 3, 1, h));
	assert_hash(h, H_P);
	QT_ASSERT_OK(qpu_param_hash(v, 1, 3, h));
	assert_hash(h, H_P);
	QT_ASSERT_OK(qpu_param_hash(v, 1, 1, h));
	assert_hash(h, "6c3c396ed6b5c36dcae172271f462051b1266b851e92df3deea8ac65478fd712");
	/* a circuit without parameters: the hash of no bytes */
	QT_ASSERT_OK(qpu_param_hash(NULL, 0, 5, h));
	assert_hash(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

QPU_TEST(file_hash)
{
	char dir[256], path[300];
	uint8_t h[32];

	snprintf(dir, sizeof(dir), "%s/replay_test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	QT_ASSERT(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/calibration", dir);
	write_text(path, "abc");
	QT_ASSERT_OK(qpu_file_hash(path, h));
	assert_hash(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	QT_ASSERT_OK(unlink(path));
	QT_ASSERT_NEGERR(qpu_file_hash(path, h), ENOENT);
	QT_ASSERT_OK(rmdir(dir));
}

QPU_TEST(result_layout_and_provenance_at)
{
	static uint64_t mem[512];
	struct qpu_buffer buf = { 1, sizeof(mem), mem };
	struct qpu_provenance *p;
	size_t stride, off, size;

	size = qpu_result_layout(2, 1000, 0, 3, &stride, &off);
	QT_ASSERT_EQ(stride, qpu_result_size(2, 1000, 0));
	QT_ASSERT_EQ(off, 3 * stride);
	QT_ASSERT_EQ(off % 8, 0);
	QT_ASSERT_EQ(size, off + sizeof(struct qpu_provenance));
	/* 0 sweeps means 1 */
	qpu_result_layout(2, 1000, 0, 0, &stride, &off);
	QT_ASSERT_EQ(off, stride);
	QT_ASSERT_EQ(sizeof(struct qpu_provenance), 272);

	p = (struct qpu_provenance *)((char *)mem + 128);
	QT_ASSERT(!qpu_provenance_at(&buf, 128));
	p->magic = QPU_PROVENANCE_MAGIC;
	QT_ASSERT(qpu_provenance_at(&buf, 128) == p);
	QT_ASSERT(!qpu_provenance_at(&buf, 132));
	QT_ASSERT(!qpu_provenance_at(&buf, sizeof(mem) - 8));
	QT_ASSERT(!qpu_provenance_at(&buf, SIZE_MAX - 7));
}

static void mkrec(struct qpu_job_record *rec)
{
	char err[256];

	QT_ASSERT_OK(audit_record_parse(good, rec, err, sizeof(err)));
}

static void expect_text(const struct qpu_job_record *rec,
			const struct qpu_replay *r, const char *want)
{
	char buf[2048];
	int n = qpu_replay_describe(rec, r, "bell.qasm", buf, sizeof(buf));

	QT_ASSERT_EQ(n, (int)strlen(buf));
	if (strcmp(buf, want))
		QT_FAIL("report\n  \"%s\", want\n  \"%s\"", buf, want);
}

QPU_TEST(report_text)
{
	struct qpu_job_record rec;
	struct qpu_replay r;
	char small[16], want[512];
	int n;

	mkrec(&rec);
	memset(&r, 0, sizeof(r));
	r.ran = 1;
	memcpy(r.prov.result_hash, rec.result_hash, 32);
	expect_text(&rec, &r, "counts match the original bit for bit (result "
		    "sha256 " H_R ")");

	r.differs = QPU_REPLAY_RESULT;
	unhex(H_C, r.prov.result_hash);
	expect_text(&rec, &r, "counts DIFFER from the original (result sha256 "
		    H_C ", the record's " H_R ")");

	/* before running: each difference named with both hashes */
	memset(&r, 0, sizeof(r));
	r.num_vectors = 3;
	r.differs = QPU_REPLAY_CIRCUIT;
	unhex(H_K, r.circuit_hash);
	expect_text(&rec, &r, "circuit differs: the record's circuit_hash is "
		    H_C ", bell.qasm loads as " H_K);
	r.load_error = -EXDEV;
	snprintf(want, sizeof(want), "circuit differs: the record's "
		 "circuit_hash is " H_C ", bell.qasm does not load on the "
		 "recorded qubits (%s)", qpu_strerror(-EXDEV));
	expect_text(&rec, &r, want);
	r.load_error = 0;

	r.differs = QPU_REPLAY_PARAMS;
	unhex(H_R, r.param_hash);
	expect_text(&rec, &r, "parameters differ: the record's param_hash is "
		    H_P ", the parameters given hash to " H_R);
	r.num_vectors = 2;
	expect_text(&rec, &r, "parameters differ: the record ran 3 vectors, 2 "
		    "given (param_hash " H_P ", given " H_R ")");
	r.num_vectors = 3;

	r.differs = QPU_REPLAY_CALIB;
	unhex(H_C, r.calib_hash);
	r.calib_epoch = 9;
	expect_text(&rec, &r, "calibration differs: the record ran on epoch 7 "
		    "(calib_hash " H_K "), the device is at epoch 9 (calib_hash "
		    H_C ")");

	/* several at once, "; " between, in a fixed order */
	r.differs = QPU_REPLAY_CALIB | QPU_REPLAY_PARAMS;
	expect_text(&rec, &r, "parameters differ: the record's param_hash is "
		    H_P ", the parameters given hash to " H_R "; calibration "
		    "differs: the record ran on epoch 7 (calib_hash " H_K "), the "
		    "device is at epoch 9 (calib_hash " H_C ")");

	/* snprintf() semantics */
	n = qpu_replay_describe(&rec, &r, NULL, small, sizeof(small));
	QT_ASSERT_GT(n, (int)sizeof(small));
	QT_ASSERT_EQ(strlen(small), sizeof(small) - 1);
	QT_ASSERT(!strncmp(small, "parameters diff", 15));
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
