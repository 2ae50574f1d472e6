// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * replay.c - libqpu provenance and replay: where a job's struct
 * qpu_provenance goes in its result buffer, and running a recorded job
 * again where and how it ran (Documentation/qpu/replay.rst).
 *
 * The hashes are those struct qpu_provenance defines (uapi/linux/qpu.h);
 * the library computes two of them itself, with libcrypto's EVP: the
 * parameter vectors' (to name a changed parameter before running) and the
 * device's calibration file's. libcrypto stays out of libqpu.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"

QPU_EXPORT size_t qpu_result_layout(uint32_t num_clbits, uint32_t shots,
				    uint32_t num_expect, uint32_t sweeps,
				    size_t *stride, size_t *prov_offset)
{
	size_t s = qpu_result_size(num_clbits, shots, num_expect);

	/* qpu_result_size() is a multiple of 8: the provenance is aligned */
	*stride = s;
	*prov_offset = s * (sweeps ? sweeps : 1);
	return *prov_offset + sizeof(struct qpu_provenance);
}

QPU_EXPORT const struct qpu_provenance *
qpu_provenance_at(const struct qpu_buffer *buf, size_t offset)
{
	const struct qpu_provenance *p;

	if (offset % 8 || offset > buf->size || buf->size - offset < sizeof(*p))
		return NULL;
	p = (const struct qpu_provenance *)((const char *)buf->ptr + offset);
	if (__atomic_load_n(&p->magic, __ATOMIC_ACQUIRE) != QPU_PROVENANCE_MAGIC)
		return NULL;
	return p;
}

QPU_EXPORT void qpu_hash_hex(const uint8_t *hash, char *out)
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[hash[i] >> 4];
		out[2 * i + 1] = digits[hash[i] & 15];
	}
	out[64] = '\0';
}

int qpu_sha256(const void *data, size_t len, uint8_t *out)
{
	unsigned int n = 0;

	if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) || n != 32)
		return -EIO;
	return 0;
}

int qpu_param_hash(const double *params, uint32_t num_params,
		   uint32_t num_vectors, uint8_t *out)
{
	/* binary64 values as the buffer holds them, vector after vector */
	return qpu_sha256(params, (size_t)num_params * num_vectors *
			  sizeof(double), out);
}

/* The whole of @path, malloc()ed, into *@data and *@len; 0 or -errno. */
static int qpu_read_all(const char *path, char **data, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *p;
	ssize_t got;
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		if (n == cap) {
			p = realloc(buf, cap * 2);
			if (!p) {
				ret = -ENOMEM;
				break;
			}
			buf = p;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			ret = -errno;
		if (got <= 0)
			break;
		n += got;
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*data = buf;
	*len = n;
	return 0;
}

int qpu_file_hash(const char *path, uint8_t *out)
{
	char *data;
	size_t len;
	int ret;

	ret = qpu_read_all(path, &data, &len);
	if (ret)
		return ret;
	ret = qpu_sha256(data, len, out);
	free(data);
	return ret;
}

/* A number from sysfs file @name of qpu@dev_id; 0 or -errno. */
static int qpu_sysfs_u64(uint32_t dev_id, const char *name, uint64_t *v)
{
	char path[96], *data;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "/sys/class/qpu/qpu%u/%s", dev_id, name);
	ret = qpu_read_all(path, &data, &len);
	if (ret)
		return ret;
	data[len < 32 ? len : 31] = '\0';
	*v = strtoull(data, NULL, 10);
	free(data);
	return 0;
}

/* The device's calibration epoch from sysfs; 0 or -errno. */
static int qpu_calib_epoch(uint32_t dev_id, uint64_t *epoch)
{
	return qpu_sysfs_u64(dev_id, "calibration_epoch", epoch);
}

/*
 * The device's noise mode and crosstalk_ppm now (Documentation/qpu/
 * noise.rst); a device without the "noise" file is ideal.
 */
static int qpu_noise_now(uint32_t dev_id, uint32_t *mode, uint32_t *xt_ppm)
{
	char path[64], *data;
	uint64_t v = 0;
	size_t len;
	int ret;

	*mode = QPU_NOISE_MODE_IDEAL;
	*xt_ppm = 0;
	snprintf(path, sizeof(path), "/sys/class/qpu/qpu%u/noise", dev_id);
	ret = qpu_read_all(path, &data, &len);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	if (len >= 10 && !memcmp(data, "calibrated", 10))
		*mode = QPU_NOISE_MODE_CALIBRATED;
	free(data);
	if (*mode != QPU_NOISE_MODE_CALIBRATED)
		return 0;
	ret = qpu_sysfs_u64(dev_id, "crosstalk_ppm", &v);
	*xt_ppm = (uint32_t)v;
	return ret;
}

/*
 * The hash and epoch of the device's calibration now. The file is read
 * between two reads of the epoch, and again if a write came in between.
 */
static int qpu_calib_now(uint32_t dev_id, uint8_t *hash, uint64_t *epoch)
{
	char path[64];
	uint64_t after;
	int ret, tries;

	snprintf(path, sizeof(path), "/sys/class/qpu/qpu%u/calibration", dev_id);
	for (tries = 0; tries < 8; tries++) {
		ret = qpu_calib_epoch(dev_id, epoch);
		if (!ret)
			ret = qpu_file_hash(path, hash);
		if (!ret)
			ret = qpu_calib_epoch(dev_id, &after);
		if (ret || after == *epoch)
			return ret;
	}
	return -EAGAIN;
}

QPU_EXPORT const struct qpu_result *qpu_replay_result(const struct qpu_replay *r,
						      uint32_t i)
{
	if (!r->results || i >= r->prov.sweeps)
		return NULL;
	return qpu_result_at(r->results, (size_t)i * r->stride);
}

QPU_EXPORT void qpu_replay_release(struct qpu_dev *dev, struct qpu_replay *r)
{
	int saved_errno = errno;

	qpu_buffer_free(dev, r->results);
	r->results = NULL;
	errno = saved_errno;
}

/* Append to @buf at *@off as snprintf() would, "; " between clauses. */
static void qpu_clause(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void qpu_clause(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off) {
		n = snprintf(*off < len ? buf + *off : NULL,
			     *off < len ? len - *off : 0, "; ");
		*off += n;
	}
	va_start(ap, fmt);
	n = vsnprintf(*off < len ? buf + *off : NULL, *off < len ? len - *off : 0,
		      fmt, ap);
	va_end(ap);
	*off += n > 0 ? n : 0;
}

QPU_EXPORT int qpu_replay_describe(const struct qpu_job_record *rec,
				   const struct qpu_replay *r,
				   const char *circuit_name, char *buf,
				   size_t len)
{
	char want[65], got[65];
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	if (!circuit_name)
		circuit_name = "the circuit";
	if (r->differs & QPU_REPLAY_PARAMS) {
		qpu_hash_hex(rec->param_hash, want);
		qpu_hash_hex(r->ran ? r->prov.param_hash : r->param_hash, got);
		if (!r->ran && r->num_vectors != rec->sweeps)
			qpu_clause(buf, len, &off, "parameters differ: the record "
				   "ran %u vector%s, %u given (param_hash %s, "
				   "given %s)", rec->sweeps,
				   rec->sweeps == 1 ? "" : "s", r->num_vectors,
				   want, got);
		else
			qpu_clause(buf, len, &off, "parameters differ: the "
				   "record's param_hash is %s, the parameters "
				   "%s hash to %s", want,
				   r->ran ? "the kernel read" : "given", got);
	}
	if (r->differs & QPU_REPLAY_CIRCUIT) {
		qpu_hash_hex(rec->circuit_hash, want);
		qpu_hash_hex(r->ran ? r->prov.circuit_hash : r->circuit_hash, got);
		if (r->load_error)
			qpu_clause(buf, len, &off, "circuit differs: the record's "
				   "circuit_hash is %s, %s does not load on the "
				   "recorded qubits (%s)", want, circuit_name,
				   qpu_strerror(r->load_error));
		else
			qpu_clause(buf, len, &off, "circuit differs: the record's "
				   "circuit_hash is %s, %s loads as %s", want,
				   circuit_name, got);
	}
	if (r->differs & QPU_REPLAY_CALIB) {
		qpu_hash_hex(rec->calib_hash, want);
		qpu_hash_hex(r->ran ? r->prov.calib_hash : r->calib_hash, got);
		qpu_clause(buf, len, &off, "calibration differs: the record ran "
			   "on epoch %" PRIu64 " (calib_hash %s), the device is "
			   "at epoch %" PRIu64 " (calib_hash %s)",
			   rec->calib_epoch, want,
			   r->ran ? (uint64_t)r->prov.calib_epoch : r->calib_epoch,
			   got);
	}
	if (r->differs & QPU_REPLAY_NOISE) {
		static const char *const mode[] = { "ideal", "calibrated" };
		uint32_t now = r->ran ? r->prov.noise : r->noise;

		qpu_clause(buf, len, &off, "noise differs: the record ran %s "
			   "(crosstalk_ppm %u), the device is %s (crosstalk_ppm "
			   "%u): set /sys/class/qpu/qpu%u/noise and "
			   "crosstalk_ppm", mode[rec->noise & 1],
			   rec->crosstalk_ppm, mode[now & 1], r->crosstalk_ppm,
			   rec->dev_id);
	}
	if (r->differs & QPU_REPLAY_RESULT) {
		qpu_hash_hex(rec->result_hash, want);
		qpu_hash_hex(r->prov.result_hash, got);
		qpu_clause(buf, len, &off, "counts DIFFER from the original "
			   "(result sha256 %s, the record's %s)", got, want);
	}
	if (!r->differs && r->ran) {
		qpu_hash_hex(r->prov.result_hash, got);
		qpu_clause(buf, len, &off, "counts match the original bit for "
			   "bit (result sha256 %s)", got);
	}
	return (int)off;
}

/*
 * Load @c on @q as the recorded job had it: as given, if that is what was
 * loaded (a program that placed it itself), else placed as qpu-run places
 * it (qpu_circuit_layout_dev(): the same circuit, qubits and calibration
 * give the same placement) and remapped. The hash into @out. A circuit
 * that does not fit is a difference, not a failure: its errno goes to
 * @out->load_error.
 */
static int qpu_replay_load(struct qpu_dev *dev, const struct qpu_job_record *rec,
			   struct qpu_circuit *c, const struct qpu_qubits *q,
			   struct qpu_loaded *l, struct qpu_replay *out)
{
	uint32_t *map;
	int ret;

	ret = qpu_circuit_load(dev, c, q, l);
	if (!ret && !memcmp(l->hash, rec->circuit_hash, 32)) {
		memcpy(out->circuit_hash, l->hash, 32);
		return 0;
	}
	if (!ret) {
		qpu_circuit_unload(dev, l->handle);
		memset(l, 0, sizeof(*l));
	}
	map = calloc(q->num_qubits, sizeof(*map));
	if (!map)
		return qpu_set_error(dev, -ENOMEM, "out of memory");
	ret = qpu_circuit_layout_dev(dev, c, q, map);
	if (!ret)
		ret = qpu_circuit_remap(c, map, q->num_qubits);
	free(map);
	if (!ret)
		ret = qpu_circuit_load(dev, c, q, l);
	if (ret == -E2BIG || ret == -EXDEV || ret == -EINVAL) {
		out->load_error = ret;
		return 0;
	}
	if (!ret)
		memcpy(out->circuit_hash, l->hash, 32);
	return ret;
}

/* What differs before running, from what qpu_replay_job() found. */
static uint32_t qpu_replay_precheck(const struct qpu_job_record *rec,
				    const struct qpu_replay *out)
{
	uint32_t d = 0;

	if (memcmp(out->param_hash, rec->param_hash, 32) ||
	    out->num_vectors != rec->sweeps)
		d |= QPU_REPLAY_PARAMS;
	if (out->load_error || memcmp(out->circuit_hash, rec->circuit_hash, 32))
		d |= QPU_REPLAY_CIRCUIT;
	if (memcmp(out->calib_hash, rec->calib_hash, 32))
		d |= QPU_REPLAY_CALIB;
	if (out->noise != rec->noise ||
	    (rec->noise == QPU_NOISE_MODE_CALIBRATED &&
	     out->crosstalk_ppm != rec->crosstalk_ppm))
		d |= QPU_REPLAY_NOISE;
	return d;
}

/* What the rerun's provenance says differs from the record. */
static uint32_t qpu_replay_postcheck(const struct qpu_job_record *rec,
				     const struct qpu_provenance *p)
{
	uint32_t d = 0;

	if (memcmp(p->param_hash, rec->param_hash, 32))
		d |= QPU_REPLAY_PARAMS;
	if (memcmp(p->circuit_hash, rec->circuit_hash, 32))
		d |= QPU_REPLAY_CIRCUIT;
	if (memcmp(p->calib_hash, rec->calib_hash, 32))
		d |= QPU_REPLAY_CALIB;
	if (memcmp(p->result_hash, rec->result_hash, 32))
		d |= QPU_REPLAY_RESULT;
	if (p->noise != rec->noise)
		d |= QPU_REPLAY_NOISE;
	return d;
}

/* The device's QPU_FEAT_* bits, 0 if unknown; errno is left alone. */
static uint64_t qpu_replay_features(struct qpu_dev *dev)
{
	struct qpu_info info;

	memset(&info, 0, sizeof(info));
	if (qpu_ioctl(dev, QPU_IOC_GET_INFO, &info))
		return 0;
	return info.features;
}

/*
 * Where a calibrated job's crosstalk schedule goes in the parameter
 * buffer: after @np parameters of @sweeps vectors, never at 0.
 */
static size_t qpu_replay_xt_offset(uint32_t np, uint32_t sweeps)
{
	size_t off = (size_t)np * sweeps * sizeof(double);

	return off ? off : 8;
}

/* Run the loaded circuit as @rec says, with provenance, into @out. */
static int qpu_replay_run(struct qpu_dev *dev, const struct qpu_job_record *rec,
			  const struct qpu_circuit *c, const struct qpu_loaded *l,
			  const struct qpu_buffer *pbuf, struct qpu_replay *out)
{
	const struct qpu_provenance *p;
	struct qpu_job_desc job;
	size_t size, prov_offset;
	uint32_t nexpect = rec->run_flags & QPU_RUN_EXPECT ?
			   qpu_circuit_num_observables(c) : 0;
	int ret;

	size = qpu_result_layout(qpu_circuit_num_clbits(c), rec->shots, nexpect,
				 rec->sweeps, &out->stride, &prov_offset);
	ret = qpu_buffer_new(dev, size, &out->results);
	if (ret)
		return ret;
	memset(&job, 0, sizeof(job));
	job.circuit = l->handle;
	job.flags = QPU_RUN_SEED | QPU_RUN_PROVENANCE |
		    (rec->run_flags & QPU_RUN_EXPECT);
	job.seed = rec->seed;
	job.shots = rec->shots;
	job.num_sweeps = rec->sweeps;
	job.param_buf = pbuf ? pbuf->handle : 0;
	job.param_stride = l->num_params * sizeof(double);
	if (rec->noise == QPU_NOISE_MODE_CALIBRATED) {
		/* the crosstalk it received, after the parameters */
		job.flags |= QPU_RUN_CROSSTALK;
		job.crosstalk_offset = qpu_replay_xt_offset(l->num_params,
							    rec->sweeps);
	}
	job.result_buf = out->results->handle;
	job.result_stride = out->stride;
	job.provenance_offset = prov_offset;
	ret = qpu_run_job(dev, &job, NULL);
	if (ret == -EINVAL && !(qpu_replay_features(dev) & QPU_FEAT_AUDIT))
		return qpu_set_error(dev, -EOPNOTSUPP, "%s does not write job "
				     "provenance (no QPU_FEAT_AUDIT): cannot "
				     "replay", qpu_path(dev));
	if (ret)
		return ret;
	p = qpu_provenance_at(out->results, prov_offset);
	if (!p)
		return qpu_set_error(dev, -EOPNOTSUPP, "the rerun left no "
				     "provenance in its result buffer");
	out->prov = *p;
	out->ran = 1;
	out->differs = qpu_replay_postcheck(rec, p);
	return 0;
}

QPU_EXPORT int qpu_replay_job(struct qpu_dev *dev,
			      const struct qpu_job_record *rec,
			      struct qpu_circuit *c, const double *params,
			      uint32_t num_vectors, struct qpu_replay *out)
{
	uint32_t np = qpu_circuit_num_params(c);
	struct qpu_buffer *pbuf = NULL;
	struct qpu_qubits *q = NULL;
	struct qpu_loaded l = { 0 };
	struct qpu_info info;
	char text[1024];
	int ret;

	memset(out, 0, sizeof(*out));
	if (!rec->num_phys || rec->num_phys > QPU_MAX_SIM_QUBITS ||
	    !rec->shots || !rec->sweeps)
		return qpu_set_error(dev, -EINVAL, "the record names no qubits, "
				     "shots or sweeps");
	/* (a) the parameters, before anything touches the device */
	out->num_vectors = np ? num_vectors : rec->sweeps;
	ret = qpu_param_hash(params, np, np ? num_vectors : 0, out->param_hash);
	if (ret)
		return qpu_set_error(dev, ret, "hashing the parameters failed");
	/* (b) the circuit, loaded on exactly the recorded qubits */
	ret = qpu_alloc_qubits_exact(dev, rec->phys, rec->num_phys, &q);
	if (ret)
		return ret;
	ret = qpu_replay_load(dev, rec, c, q, &l, out);
	if (ret)
		goto out;
	/* (c) the calibration it will run on */
	ret = qpu_get_info(dev, &info);
	if (!ret) {
		ret = qpu_calib_now(info.dev_id, out->calib_hash, &out->calib_epoch);
		if (!ret)
			ret = qpu_noise_now(info.dev_id, &out->noise,
					    &out->crosstalk_ppm);
		if (ret)
			qpu_set_error(dev, ret, "reading the calibration of "
				      "qpu%u: %s", info.dev_id, qpu_strerror(ret));
	}
	if (ret)
		goto out;
	out->differs = qpu_replay_precheck(rec, out);
	if (out->differs) {
		qpu_replay_describe(rec, out, NULL, text, sizeof(text));
		ret = qpu_set_error(dev, -EBADMSG, "%s", text);
		goto out;
	}
	/* (d) run as recorded, (e) compare what the kernel says it ran */
	if (np || rec->noise == QPU_NOISE_MODE_CALIBRATED) {
		size_t xt = qpu_replay_xt_offset(np, out->num_vectors);
		struct qpu_crosstalk *sched;

		ret = qpu_buffer_new(dev, xt + sizeof(*sched) +
				     sizeof(rec->xt), &pbuf);
		if (ret)
			goto out;
		if (np)
			memcpy(pbuf->ptr, params,
			       (size_t)np * num_vectors * sizeof(double));
		sched = (struct qpu_crosstalk *)((char *)pbuf->ptr + xt);
		sched->num_segs = rec->num_xt;
		memcpy(sched->segs, rec->xt, rec->num_xt * sizeof(rec->xt[0]));
	}
	ret = qpu_replay_run(dev, rec, c, &l, pbuf, out);
out:
	if (ret)
		qpu_replay_release(dev, out);
	qpu_buffer_free(dev, pbuf);
	if (l.handle)
		qpu_circuit_unload(dev, l.handle);
	qpu_free_qubits(dev, q);
	return qpu_err(ret);
}
