// SPDX-License-Identifier: GPL-2.0
/*
 * audit_record.c - a job's audit record from its JSON line, with json-c
 * (see audit_record.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "audit_record.h"
#include "parse_err.h"

/* Member @key of @obj of type @type, or NULL with the error in @err. */
static struct json_object *member(struct json_object *obj, const char *key,
				  enum json_type type, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !v) {
		perr(err, errlen, "the record has no \"%s\"", key);
		return NULL;
	}
	if (!json_object_is_type(v, type)) {
		perr(err, errlen, "the record's \"%s\" is not %s", key,
		     type == json_type_int ? "an integer" :
		     type == json_type_string ? "a string" : "an array");
		return NULL;
	}
	return v;
}

/* A non-negative integer member up to @max. */
static int get_uint(struct json_object *obj, const char *key, uint64_t max,
		    uint64_t *out, char *err, size_t errlen)
{
	struct json_object *v = member(obj, key, json_type_int, err, errlen);

	if (!v)
		return -EINVAL;
	/* json-c keeps values above INT64_MAX as uint64; negatives read 0 */
	*out = json_object_get_uint64(v);
	if ((!*out && json_object_get_int64(v) < 0) || *out > max)
		return perr(err, errlen, "the record's \"%s\" is out of range",
			    key);
	return 0;
}

static int get_u32(struct json_object *obj, const char *key, uint32_t *out,
		   char *err, size_t errlen)
{
	uint64_t v;
	int ret = get_uint(obj, key, UINT32_MAX, &v, err, errlen);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A hash member: 64 lower-case hex digits. */
static int get_hash(struct json_object *obj, const char *key, uint8_t *out,
		    char *err, size_t errlen)
{
	struct json_object *v = member(obj, key, json_type_string, err, errlen);
	const char *s;
	int i, hi, lo;

	if (!v)
		return -EINVAL;
	s = json_object_get_string(v);
	if (strlen(s) != 64)
		return perr(err, errlen, "the record's \"%s\" is not 64 hex "
			    "digits", key);
	for (i = 0; i < 32; i++) {
		hi = hexval(s[2 * i]);
		lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return perr(err, errlen, "the record's \"%s\" is not 64 "
				    "lower-case hex digits", key);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* "phys": num_qubits physical qubit numbers. */
static int get_phys(struct json_object *obj, struct qpu_job_record *rec,
		    char *err, size_t errlen)
{
	struct json_object *a = member(obj, "phys", json_type_array, err, errlen);
	struct json_object *v;
	size_t i, n;

	if (!a)
		return -EINVAL;
	n = json_object_array_length(a);
	if (n != rec->num_phys)
		return perr(err, errlen, "the record's \"phys\" has %zu entries, "
			    "its \"num_qubits\" is %u", n, rec->num_phys);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) > UINT32_MAX)
			return perr(err, errlen, "the record's \"phys\"[%zu] is "
				    "not a qubit number", i);
		rec->phys[i] = (uint32_t)json_object_get_int64(v);
	}
	return 0;
}

/*
 * "noise" (absent: "ideal", records before it existed), and for a
 * calibrated job "crosstalk_ppm" and "crosstalk" (absent: none received).
 */
static int get_noise(struct json_object *obj, struct qpu_job_record *rec,
		     char *err, size_t errlen)
{
	struct json_object *v, *a, *e;
	const char *s;
	size_t i, n;
	int ret;

	if (!json_object_object_get_ex(obj, "noise", &v))
		return 0;
	s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	if (!strcmp(s, "calibrated"))
		rec->noise = QPU_NOISE_MODE_CALIBRATED;
	else if (strcmp(s, "ideal"))
		return perr(err, errlen, "the record's \"noise\" is neither "
			    "\"ideal\" nor \"calibrated\"");
	if (rec->noise != QPU_NOISE_MODE_CALIBRATED)
		return 0;
	ret = get_u32(obj, "crosstalk_ppm", &rec->crosstalk_ppm, err, errlen);
	if (ret || !json_object_object_get_ex(obj, "crosstalk", &a))
		return ret;
	if (!json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) > QPU_MAX_XT_SEGS)
		return perr(err, errlen, "the record's \"crosstalk\" is not an "
			    "array of at most %d changes", QPU_MAX_XT_SEGS);
	for (i = 0; i < n && !ret; i++) {
		struct qpu_xt_seg *x = &rec->xt[i];
		uint64_t exposed;

		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_object))
			return perr(err, errlen, "\"crosstalk\"[%zu] is not an "
				    "object", i);
		ret = get_u32(e, "sweep", &x->sweep, err, errlen);
		if (!ret)
			ret = get_u32(e, "shot", &x->shot, err, errlen);
		if (!ret)
			ret = get_uint(e, "exposed", UINT64_MAX, &exposed, err,
				       errlen);
		x->exposed = exposed;
	}
	rec->num_xt = n;
	return ret;
}

/*
 * "source_hash", "route_seed" and "route_swaps" of a routed circuit's job
 * (absent: the circuit ran as submitted).
 */
static int get_source(struct json_object *obj, struct qpu_job_record *rec,
		      char *err, size_t errlen)
{
	struct qpu_circuit_source *s = &rec->source;
	int ret;

	if (!json_object_object_get_ex(obj, "source_hash", NULL))
		return 0;
	ret = get_hash(obj, "source_hash", s->hash, err, errlen);
	if (!ret)
		ret = get_uint(obj, "route_seed", UINT64_MAX, &s->route_seed,
			       err, errlen);
	if (!ret)
		ret = get_u32(obj, "route_swaps", &s->route_swaps, err, errlen);
	rec->has_source = !ret;
	return ret;
}

static int parse_job(struct json_object *obj, struct qpu_job_record *rec,
		     char *err, size_t errlen)
{
	struct json_object *v;
	const char *s;
	int ret;

	v = member(obj, "type", json_type_string, err, errlen);
	if (!v)
		return -EINVAL;
	s = json_object_get_string(v);
	if (strcmp(s, "job"))
		return perr(err, errlen, "a \"%s\" record, not a \"job\" one", s);
	/* a job that failed or was cancelled has no counts to compare */
	if (json_object_object_get_ex(obj, "state", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return perr(err, errlen, "the record's \"state\" is not "
				    "a string");
		if (strcmp(json_object_get_string(v), "done"))
			return perr(err, errlen, "the recorded job did not "
				    "complete (state \"%s\")",
				    json_object_get_string(v));
	}
	memset(rec, 0, sizeof(*rec));
	ret = get_u32(obj, "dev_id", &rec->dev_id, err, errlen);
	if (!ret)
		ret = get_hash(obj, "circuit_hash", rec->circuit_hash, err, errlen);
	if (!ret)
		ret = get_hash(obj, "param_hash", rec->param_hash, err, errlen);
	if (!ret)
		ret = get_hash(obj, "result_hash", rec->result_hash, err, errlen);
	if (!ret)
		ret = get_hash(obj, "calib_hash", rec->calib_hash, err, errlen);
	if (!ret)
		ret = get_uint(obj, "calib_epoch", UINT64_MAX, &rec->calib_epoch,
			       err, errlen);
	if (!ret)
		ret = get_uint(obj, "seed", UINT64_MAX, &rec->seed, err, errlen);
	if (!ret)
		ret = get_u32(obj, "shots", &rec->shots, err, errlen);
	if (!ret && (rec->shots < 1 || rec->shots > QPU_MAX_SHOTS))
		ret = perr(err, errlen, "the record's \"shots\" is out of range");
	if (!ret)
		ret = get_u32(obj, "sweeps", &rec->sweeps, err, errlen);
	if (!ret && (rec->sweeps < 1 || rec->sweeps > QPU_MAX_SWEEPS))
		ret = perr(err, errlen, "the record's \"sweeps\" is out of range");
	if (!ret)
		ret = get_u32(obj, "num_qubits", &rec->num_phys, err, errlen);
	if (!ret && (rec->num_phys < 1 || rec->num_phys > QPU_MAX_SIM_QUBITS))
		ret = perr(err, errlen, "the record's \"num_qubits\" is out of "
			   "range");
	if (!ret)
		ret = get_phys(obj, rec, err, errlen);
	if (!ret)
		ret = get_noise(obj, rec, err, errlen);
	if (!ret)
		ret = get_source(obj, rec, err, errlen);
	return ret;
}

int audit_record_parse(const char *text, struct qpu_job_record *rec,
		       char *err, size_t errlen)
{
	enum json_tokener_error jerr;
	struct json_object *obj, *prov;
	int ret;

	obj = json_tokener_parse_verbose(text, &jerr);
	if (!obj)
		return perr(err, errlen, "not JSON: %s",
			    json_tokener_error_desc(jerr));
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return perr(err, errlen, "not a JSON object");
	}
	/* qpu-run --json output carries the record as "provenance" */
	if (json_object_object_get_ex(obj, "provenance", &prov) &&
	    json_object_is_type(prov, json_type_object))
		ret = parse_job(prov, rec, err, errlen);
	else
		ret = parse_job(obj, rec, err, errlen);
	json_object_put(obj);
	return ret;
}
