// SPDX-License-Identifier: GPL-2.0
/*
 * qpu-run - run an OpenQASM 2.0 file on a QPU device and print the counts.
 *
 *   qpu-run [-d /dev/qpuN] [--shots N] [--seed S] [--param V,V,...]...
 *           [--json] [-v] FILE.qasm
 *   qpu-run --replay RECORD.json [-d DEV] [--param V,V,...]...
 *           [--restore-calibration[=DIR]] [--json] FILE.qasm
 *
 * Allocates as many qubits as the circuit declares, loads it, runs it once
 * (the ioctl path) with one slice per --param vector and prints each
 * histogram sorted by count, with probabilities, or a JSON object. With
 * -v or --json it also prints the job's provenance (its audit record's
 * sequence number and hashes); a driver that writes none (before
 * QPU_FEAT_AUDIT) refuses QPU_RUN_PROVENANCE, and the job runs without. Exit status 0 on
 * success, 1 on any error (with a message saying what went wrong), 2 on
 * bad usage.
 *
 * --replay runs the job of an audit record again (libqpu's
 * qpu_replay_job(): the same qubits, placement, seed, shots, parameters
 * and calibration) and says whether the counts match bit for bit: exit 0
 * if they do, 1 if they differ, 2 if it could not be replayed (bad usage,
 * a bad record, or something that differs before running, named).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libqpu.h>

#include "audit_record.h"

/* --param at most this often: one parameter vector (a sweep) each. */
#define MAX_VECTORS	QPU_MAX_SWEEPS

/* Where --restore-calibration finds snapshots without a DIR. */
#define CALIB_DIR	"/var/log/qpu-audit/calib"

struct opts {
	const char *device;
	const char *file;
	const char *params[MAX_VECTORS];
	uint32_t num_vectors;
	uint32_t shots;
	uint64_t seed;
	int have_seed;
	int json;
	int verbose;
	const char *replay;
	const char *calib_dir;
	int no_route;
};

/* What routing did to the circuit that ran, for the results' header. */
static struct qpu_route_stats route_stats;
static bool routed;

static void usage(FILE *f)
{
	fprintf(f, "usage: qpu-run [-d DEVICE] [--shots N] [--seed S] "
		   "[--param V,V,...]... [--no-route] [--json] [-v] FILE.qasm\n"
		   "       qpu-run --replay RECORD.json [-d DEVICE] "
		   "[--param V,V,...]... [--restore-calibration[=DIR]] "
		   "[--json] FILE.qasm\n");
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || *s == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "shots", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "param", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "replay", required_argument, NULL, 'r' },
		{ "restore-calibration", optional_argument, NULL, 'C' },
		{ "no-route", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int have_shots = 0;
	uint64_t v;
	int c;

	o->shots = 1024;
	while ((c = getopt_long(argc, argv, "d:s:S:p:jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->device = optarg;
			break;
		case 's':
			if (parse_u64(optarg, QPU_MAX_SHOTS, &v) || !v) {
				fprintf(stderr, "qpu-run: --shots must be 1..%u\n",
					QPU_MAX_SHOTS);
				return -1;
			}
			o->shots = v;
			have_shots = 1;
			break;
		case 'S':
			if (parse_u64(optarg, UINT64_MAX, &v)) {
				fprintf(stderr, "qpu-run: bad --seed '%s'\n", optarg);
				return -1;
			}
			o->seed = v;
			o->have_seed = 1;
			break;
		case 'p':
			if (o->num_vectors == MAX_VECTORS) {
				fprintf(stderr, "qpu-run: at most %u --param\n",
					MAX_VECTORS);
				return -1;
			}
			o->params[o->num_vectors++] = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'r':
			o->replay = optarg;
			break;
		case 'C':
			o->calib_dir = optarg ? optarg : CALIB_DIR;
			break;
		case 'R':
			o->no_route = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	/* a replay takes shots and seed from the record */
	if (o->replay && (have_shots || o->have_seed)) {
		fprintf(stderr, "qpu-run: --replay takes the shots and seed from "
			"the record\n");
		return -1;
	}
	if (o->calib_dir && !o->replay) {
		fprintf(stderr, "qpu-run: --restore-calibration is for --replay\n");
		return -1;
	}
	o->file = argv[optind];
	return 0;
}

/* Fill the parameter buffer from "--param 0.1,0.2". */
static int fill_params(const struct qpu_circuit *c, const char *list,
		       double *out)
{
	uint32_t n = qpu_circuit_num_params(c), i = 0;
	const char *p = list ? list : "";
	char *end;

	while (*p && i < n) {
		out[i++] = strtod(p, &end);
		if (end == p || (*end && *end != ',')) {
			fprintf(stderr, "qpu-run: bad --param value at '%s'\n", p);
			return -1;
		}
		p = *end ? end + 1 : end;
	}
	if (i != n || *p) {
		fprintf(stderr, "qpu-run: the circuit has %u parameter%s", n,
			n == 1 ? "" : "s");
		for (i = 0; i < n; i++)
			fprintf(stderr, "%s%s", i ? ", " : " (",
				qpu_circuit_param_name(c, i) ?: "?");
		fprintf(stderr, "%s; give exactly that many with --param\n",
			n ? ")" : "");
		return -1;
	}
	return 0;
}

/*
 * All --param vectors, one after another, into a malloc()ed *@out (NULL
 * for a circuit without parameters); returns the number of vectors (at
 * least 1), or -1 after saying what is wrong.
 */
static int fill_vectors(const struct qpu_circuit *c, const struct opts *o,
			double **out)
{
	uint32_t n = qpu_circuit_num_params(c), i;
	uint32_t nv = o->num_vectors ? o->num_vectors : 1;
	double *v = NULL;

	if (n) {
		v = calloc((size_t)n * nv, sizeof(*v));
		if (!v) {
			fprintf(stderr, "qpu-run: out of memory\n");
			return -1;
		}
	}
	for (i = 0; i < nv; i++) {
		if (fill_params(c, o->num_vectors ? o->params[i] : NULL,
				v ? v + (size_t)i * n : NULL)) {
			free(v);
			return -1;
		}
	}
	*out = v;
	return (int)nv;
}

/* Qiskit's convention: last register leftmost, high bit first. */
static void format_bits(const struct qpu_circuit *c, uint64_t bits, char *buf)
{
	const char *name;
	uint32_t start, width, nregs = 0, r, b;
	char *p = buf;

	while (!qpu_circuit_creg(c, nregs, &name, &start, &width))
		nregs++;
	for (r = nregs; r-- > 0;) {
		qpu_circuit_creg(c, r, &name, &start, &width);
		if (p != buf)
			*p++ = ' ';
		for (b = width; b-- > 0;)
			*p++ = (bits >> (start + b) & 1) ? '1' : '0';
	}
	*p = '\0';
}

static int by_count_desc(const void *a, const void *b)
{
	const struct qpu_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->bits < y->bits ? -1 : x->bits > y->bits;
}

/* A JSON string literal of @s (quotes, backslashes, control characters). */
static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void print_hash(const char *key, const uint8_t *hash)
{
	char hex[65];

	qpu_hash_hex(hash, hex);
	printf("%s\"%s\": \"%s\"", key[0] == ',' ? ", " : "", key + 1, hex);
}

/*
 * The provenance as the audit record's "job" JSON object, with the same
 * keys (Documentation/qpu/audit.rst): qpu-run --replay reads it back.
 */
static void print_provenance_json(const struct qpu_provenance *p)
{
	uint32_t i;

	printf(", \"provenance\": {\"type\": \"job\", \"dev_id\": %u, "
	       "\"seq\": %" PRIu64 ", \"job_id\": %u, \"status\": %d, "
	       "\"state\": \"%s\"", p->dev_id, (uint64_t)p->audit_seq,
	       p->job_id, p->status, p->status ? "failed" : "done");
	print_hash(",circuit_hash", p->circuit_hash);
	print_hash(",param_hash", p->param_hash);
	print_hash(",result_hash", p->result_hash);
	print_hash(",calib_hash", p->calib_hash);
	printf(", \"calib_epoch\": %" PRIu64 ", \"seed\": %" PRIu64
	       ", \"shots\": %u, \"sweeps\": %u, \"num_qubits\": %u, "
	       "\"phys\": [", (uint64_t)p->calib_epoch, (uint64_t)p->seed,
	       p->shots, p->sweeps, p->num_phys);
	for (i = 0; i < p->num_phys && i < QPU_MAX_SIM_QUBITS; i++)
		printf("%s%u", i ? ", " : "", p->phys[i]);
	printf("], \"noise\": \"%s\"}",
	       p->noise == QPU_NOISE_MODE_CALIBRATED ? "calibrated" : "ideal");
}

/* -v: one comment line a user can find the job's audit record by. */
static void print_provenance_text(const struct qpu_provenance *p)
{
	char c[65], pa[65], r[65], k[65];
	uint32_t i;

	qpu_hash_hex(p->circuit_hash, c);
	qpu_hash_hex(p->param_hash, pa);
	qpu_hash_hex(p->result_hash, r);
	qpu_hash_hex(p->calib_hash, k);
	printf("# provenance: qpu%u audit seq %" PRIu64 ", circuit sha256 %s, "
	       "param sha256 %s, result sha256 %s, calibration epoch %" PRIu64
	       " sha256 %s, seed %" PRIu64 ", qubits", p->dev_id,
	       (uint64_t)p->audit_seq, c, pa, r, (uint64_t)p->calib_epoch, k,
	       (uint64_t)p->seed);
	for (i = 0; i < p->num_phys && i < QPU_MAX_SIM_QUBITS; i++)
		printf("%s%u", i ? "," : " ", p->phys[i]);
	printf("\n");
}

/*
 * Slice @sweep of @nslices: its histogram, as text or as one JSON object
 * (with "sweep" when there are several, and "provenance" when known).
 */
static void print_results(const struct opts *o, const struct qpu_circuit *c,
			  const uint8_t *circuit_hash, double esp,
			  const struct qpu_result *r, uint32_t nslices,
			  const struct qpu_provenance *prov)
{
	struct qpu_count *sorted;
	char bits[QPU_MAX_CLBITS * 2 + 1];
	uint32_t i;

	sorted = malloc((r->num_counts ? r->num_counts : 1) * sizeof(*sorted));
	if (!sorted)
		return;
	memcpy(sorted, qpu_result_counts(r), r->num_counts * sizeof(*sorted));
	qsort(sorted, r->num_counts, sizeof(*sorted), by_count_desc);

	if (o->json) {
		printf("{\"file\": ");
		print_json_string(o->file);
		if (nslices > 1)
			printf(", \"sweep\": %u", r->sweep_index);
		printf(", \"shots\": %" PRIu64 ", \"seed\": %" PRIu64,
		       (uint64_t)r->shots, (uint64_t)r->seed);
		print_hash(",circuit_sha256", circuit_hash);
		if (esp >= 0)
			printf(", \"esp\": %.6g", esp);
		if (routed)
			printf(", \"routing\": {\"swaps\": %u, \"gates_2q_before\": %u, "
			       "\"gates_2q_after\": %u, \"depth_before\": %u, "
			       "\"depth_after\": %u}", route_stats.swaps,
			       route_stats.gates_2q_before, route_stats.gates_2q_after,
			       route_stats.depth_before, route_stats.depth_after);
		printf(", \"calibration_epoch\": %" PRIu64 ", \"sim_ns\": %" PRIu64
		       ", \"qpu_ns\": %" PRIu64 ", \"counts\": {",
		       (uint64_t)r->calibration_epoch, (uint64_t)r->sim_ns,
		       (uint64_t)r->qpu_ns);
		for (i = 0; i < r->num_counts; i++) {
			format_bits(c, sorted[i].bits, bits);
			printf("%s\"%s\": %" PRIu64, i ? ", " : "", bits,
			       (uint64_t)sorted[i].count);
		}
		printf("}");
		if (prov)
			print_provenance_json(prov);
		printf("}\n");
	} else {
		printf("# %s: ", o->file);
		if (nslices > 1)
			printf("sweep %u: ", r->sweep_index);
		printf("%" PRIu64 " shots, seed %" PRIu64
		       ", modelled device time %.3f ms",
		       (uint64_t)r->shots, (uint64_t)r->seed, r->qpu_ns / 1e6);
		if (esp >= 0)
			printf(", estimated success probability %.4f", esp);
		printf("\n");
		if (routed)
			printf("# routed: %u SWAPs inserted, two-qubit gates %u -> %u, "
			       "depth %u -> %u\n", route_stats.swaps,
			       route_stats.gates_2q_before, route_stats.gates_2q_after,
			       route_stats.depth_before, route_stats.depth_after);
		for (i = 0; i < r->num_counts; i++) {
			format_bits(c, sorted[i].bits, bits);
			printf("%s %8" PRIu64 "  %.4f\n", bits,
			       (uint64_t)sorted[i].count,
			       (double)sorted[i].count / r->shots);
		}
	}
	free(sorted);
}

/*
 * Every slice of a job's results (slice i at i * @stride of @rbuf); 0, or
 * -1 after saying which slice is missing or failed.
 */
static int print_slices(const struct opts *o, const struct qpu_circuit *c,
			const uint8_t *circuit_hash, double esp,
			const struct qpu_result *(*slice)(const void *, uint32_t),
			const void *arg, uint32_t nslices,
			const struct qpu_provenance *prov)
{
	const struct qpu_result *r;
	uint32_t i;

	for (i = 0; i < nslices; i++) {
		r = slice(arg, i);
		if (!r || r->status) {
			fprintf(stderr, "qpu-run: the run produced no result%s (%s)\n",
				nslices > 1 ? " for a sweep" : "",
				r ? qpu_strerror(r->status) : "missing");
			return -1;
		}
		print_results(o, c, circuit_hash, esp, r, nslices,
			      o->json ? prov : NULL);
	}
	if (prov && o->verbose && !o->json)
		print_provenance_text(prov);
	return 0;
}

/*
 * Allocate qubits and place the circuit on them so that its gates find
 * couplings. The circuit's interaction graph goes with the request as a
 * placement hint (its first QPU_ALLOC_MAX_HINT pairs), so a device that
 * places by fidelity picks good couplers for busy pairs and numbers the
 * region so that the identity layout tends to fit. A region exactly as
 * wide as the circuit may lack the shape it needs (a chain of CX on a
 * branchy heavy-hex region), so wider regions are tried, up to twice the
 * circuit's width.
 */
static int alloc_and_place(struct qpu_dev *dev, struct qpu_circuit *c,
			   struct qpu_qubits **out, int no_route,
			   struct qpu_circuit **run)
{
	uint32_t n = qpu_circuit_num_qubits(c), k, *map, npairs;
	struct qpu_edge *pairs;
	struct qpu_info info;
	bool refused = false;
	int ret = -EXDEV;

	if (qpu_get_info(dev, &info))
		return -1;
	npairs = qpu_circuit_interactions(c, NULL, 0);
	if (npairs > QPU_ALLOC_MAX_HINT)
		npairs = QPU_ALLOC_MAX_HINT;
	map = calloc(n, sizeof(*map));
	pairs = calloc(npairs ? npairs : 1, sizeof(*pairs));
	if (!map || !pairs) {
		free(map);
		free(pairs);
		return -ENOMEM;
	}
	qpu_circuit_interactions(c, pairs, npairs);
	for (k = n; k <= 2 * n && k <= info.num_qubits; k++) {
		struct qpu_qubits *q;

		ret = qpu_alloc_qubits_hint(dev, k, pairs, npairs, &q);
		if (ret) {
			if (k == n) {
				fprintf(stderr, "qpu-run: %s\n", qpu_errmsg(dev));
				break;
			}
			/* No wider region: report placement, and a refusal. */
			refused = ret == -EDQUOT || ret == -EUSERS;
			ret = -EXDEV;
			break;
		}
		ret = qpu_circuit_layout_dev(dev, c, q, map);
		if (!ret) {
			ret = qpu_circuit_remap(c, map, k);
			if (!ret) {
				*out = q;
				break;
			}
		}
		qpu_free_qubits(dev, q);
		if (ret != -EXDEV)
			break;
	}
	*run = c;
	/* No placement fits: insert SWAPs on a region as wide as the circuit. */
	if (ret == -EXDEV && !refused && !no_route) {
		ret = qpu_alloc_qubits_hint(dev, n, pairs, npairs, out);
		if (!ret) {
			ret = qpu_circuit_route(dev, c, *out, NULL, run, &route_stats);
			if (ret) {
				fprintf(stderr, "qpu-run: routing the circuit: %s\n",
					qpu_strerror(ret));
				qpu_free_qubits(dev, *out);
				*out = NULL;
				*run = c;
				ret = -1;
			} else {
				routed = true;
			}
		} else {
			fprintf(stderr, "qpu-run: %s\n", qpu_errmsg(dev));
			ret = -1;
		}
	} else if (ret == -EXDEV && refused) {
		fprintf(stderr, "qpu-run: no region of %u to %u qubits on this device "
			"couples every multi-qubit gate of the circuit, and a "
			"wider one was refused: %s\n", n, k - 1, qpu_errmsg(dev));
	} else if (ret == -EXDEV) {
		fprintf(stderr, "qpu-run: no region of %u to %u qubits on this device "
			"couples every multi-qubit gate of the circuit; it needs "
			"routing, which --no-route refuses\n", n, k - 1);
	}
	if (ret && ret != -1 && ret != -EXDEV && !*qpu_errmsg(dev))
		fprintf(stderr, "qpu-run: placing the circuit: %s\n",
			qpu_strerror(ret));
	free(map);
	free(pairs);
	return ret;
}

/* A plain run's result slices. */
struct plain_run {
	const struct qpu_buffer *rbuf;
	size_t stride;
};

static const struct qpu_result *plain_slice(const void *arg, uint32_t i)
{
	const struct plain_run *pr = arg;

	return qpu_result_at(pr->rbuf, (size_t)i * pr->stride);
}

static const struct qpu_result *replay_slice(const void *arg, uint32_t i)
{
	return qpu_replay_result(arg, i);
}

/* Run @o->file as asked, print the counts; the exit status. */
static int run_plain(const struct opts *o, struct qpu_circuit *c)
{
	struct qpu_buffer *pbuf = NULL, *rbuf = NULL;
	const struct qpu_provenance *prov = NULL;
	struct qpu_circuit *run = c;
	struct qpu_qubits *q = NULL;
	struct qpu_dev *dev = NULL;
	struct plain_run pr;
	struct qpu_loaded l;
	struct qpu_job_desc job;
	struct qpu_info info;
	size_t size, prov_offset;
	double *vectors = NULL;
	int ret = 1, nv, want_prov, rc;

	nv = fill_vectors(c, o, &vectors);
	if (nv < 0)
		return 1;
	if (qpu_open(o->device, &dev)) {
		fprintf(stderr, "qpu-run: %s: %s\n", o->device ? o->device : "/dev/qpu0",
			qpu_strerror(-errno));
		goto out;
	}
	if (qpu_get_info(dev, &info))
		goto fail;
	want_prov = o->verbose || o->json;
	if (alloc_and_place(dev, c, &q, o->no_route, &run))
		goto out;
	if (qpu_circuit_load(dev, run, q, &l))
		goto fail;
	if (l.num_params) {
		if (qpu_buffer_new(dev, (size_t)nv * l.num_params * sizeof(double),
				   &pbuf))
			goto fail;
		memcpy(pbuf->ptr, vectors, (size_t)nv * l.num_params * sizeof(double));
	}
	size = qpu_result_layout(qpu_circuit_num_clbits(c), o->shots, 0, nv,
				 &pr.stride, &prov_offset);
	if (qpu_buffer_new(dev, size, &rbuf))
		goto fail;
	pr.rbuf = rbuf;

	memset(&job, 0, sizeof(job));
	job.circuit = l.handle;
	job.shots = o->shots;
	job.num_sweeps = nv;
	job.flags = (o->have_seed ? QPU_RUN_SEED : 0) |
		    (want_prov ? QPU_RUN_PROVENANCE : 0);
	job.seed = o->seed;
	job.param_buf = pbuf ? pbuf->handle : 0;
	job.param_stride = l.num_params * sizeof(double);
	job.result_buf = rbuf->handle;
	job.result_stride = pr.stride;
	job.provenance_offset = want_prov ? prov_offset : 0;
	rc = qpu_run_job(dev, &job, NULL);
	/* a driver before job provenance (no QPU_FEAT_AUDIT): run without */
	if (rc == -EINVAL && want_prov && !(info.features & QPU_FEAT_AUDIT)) {
		want_prov = 0;
		job.flags &= ~QPU_RUN_PROVENANCE;
		job.provenance_offset = 0;
		rc = qpu_run_job(dev, &job, NULL);
	}
	if (rc)
		goto fail;
	if (want_prov)
		prov = qpu_provenance_at(rbuf, prov_offset);
	if (!print_slices(o, c, l.hash, l.esp, plain_slice, &pr, nv, prov))
		ret = 0;
	goto out;
fail:
	fprintf(stderr, "qpu-run: %s: %s\n", o->file, qpu_errmsg(dev));
out:
	if (dev) {
		qpu_buffer_free(dev, rbuf);
		qpu_buffer_free(dev, pbuf);
		qpu_free_qubits(dev, q);
		qpu_close(dev);
	}
	if (run != c)
		qpu_circuit_free(run);
	free(vectors);
	return ret;
}

/* The whole of a small text file (a record line), NUL-terminated. */
static char *read_text(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max, f);
	if (ferror(f) || !feof(f)) {
		if (!ferror(f))
			errno = EFBIG;
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/*
 * Write @text to the sysfs file @path in write(2)s of whole lines of at
 * most a page each, as the calibration file takes them (every line of a
 * snapshot names its qubit or edge, so the pieces add up to the whole).
 */
static int write_lines(const char *path, const char *text)
{
	long page = sysconf(_SC_PAGESIZE);
	const char *p = text, *end, *nl;
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -1;
	while (*p && !ret) {
		end = p;
		while ((nl = strchr(end, '\n')) && nl + 1 - p <= page)
			end = nl + 1;
		if (end == p) {
			errno = EINVAL;	/* a line longer than a page, or unended */
			ret = -1;
			break;
		}
		n = write(fd, p, end - p);
		if (n != end - p)
			ret = -1;
		p = end;
	}
	if (close(fd))
		ret = -1;
	return ret;
}

/*
 * --restore-calibration: write the snapshot named by the record's
 * calib_hash to the device's calibration file (a new epoch with that
 * content); 0 or -1 after saying why not.
 */
static int restore_calibration(const struct opts *o, struct qpu_dev *dev,
			       const struct qpu_job_record *rec)
{
	char hex[65], src[4096], dst[64], *data;
	struct qpu_info info;

	qpu_hash_hex(rec->calib_hash, hex);
	snprintf(src, sizeof(src), "%s/%s", o->calib_dir, hex);
	if (qpu_get_info(dev, &info)) {
		fprintf(stderr, "qpu-run: %s\n", qpu_errmsg(dev));
		return -1;
	}
	data = read_text(src, 1 << 24);
	if (!data) {
		fprintf(stderr, "qpu-run: the record's calibration snapshot %s: %s\n",
			src, strerror(errno));
		return -1;
	}
	snprintf(dst, sizeof(dst), "/sys/class/qpu/qpu%u/calibration", info.dev_id);
	if (write_lines(dst, data)) {
		fprintf(stderr, "qpu-run: restoring calibration %s into %s: %s\n",
			hex, dst, strerror(errno));
		free(data);
		return -1;
	}
	free(data);
	printf("replay: restored calibration %s from %s to %s\n", hex, src, dst);
	return 0;
}

/* --replay: run the record's job again; exit 0 match, 1 differ, 2 not run. */
static int run_replay(const struct opts *o, struct qpu_circuit *c)
{
	struct qpu_job_record rec;
	struct qpu_replay rp = { 0 };
	struct qpu_dev *dev = NULL;
	char devpath[32], err[1024], *text;
	double *vectors = NULL;
	const char *name;
	int ret = 2, nv, rc;

	text = read_text(o->replay, 1 << 20);
	if (!text) {
		fprintf(stderr, "qpu-run: %s: %s\n", o->replay, strerror(errno));
		return 2;
	}
	rc = audit_record_parse(text, &rec, err, sizeof(err));
	free(text);
	if (rc) {
		fprintf(stderr, "qpu-run: %s: %s\n", o->replay, err);
		return 2;
	}
	nv = fill_vectors(c, o, &vectors);
	if (nv < 0)
		return 2;
	snprintf(devpath, sizeof(devpath), "/dev/qpu%u", rec.dev_id);
	if (qpu_open(o->device ? o->device : devpath, &dev)) {
		fprintf(stderr, "qpu-run: %s: %s\n", o->device ? o->device : devpath,
			qpu_strerror(-errno));
		goto out;
	}
	name = strrchr(o->file, '/') ? strrchr(o->file, '/') + 1 : o->file;
	rc = qpu_replay_job(dev, &rec, c, vectors, o->num_vectors, &rp);
	if (rc == -EBADMSG && rp.differs == QPU_REPLAY_CALIB && o->calib_dir) {
		if (restore_calibration(o, dev, &rec))
			goto out;
		rc = qpu_replay_job(dev, &rec, c, vectors, o->num_vectors, &rp);
	}
	if (rc == -EBADMSG) {
		qpu_replay_describe(&rec, &rp, name, err, sizeof(err));
		fprintf(stderr, "qpu-run: replay: %s\n", err);
		goto out;
	}
	if (rc) {
		fprintf(stderr, "qpu-run: replay: %s\n", qpu_errmsg(dev));
		goto out;
	}
	if (print_slices(o, c, rp.circuit_hash, -1, replay_slice, &rp, rp.prov.sweeps,
			 &rp.prov))
		goto out;
	qpu_replay_describe(&rec, &rp, name, err, sizeof(err));
	printf("replay: %s\n", err);
	ret = rp.differs ? 1 : 0;
out:
	if (dev) {
		qpu_replay_release(dev, &rp);
		qpu_close(dev);
	}
	free(vectors);
	return ret;
}

int main(int argc, char **argv)
{
	struct qpu_circuit *c = NULL;
	struct opts o = { 0 };
	char err[512];
	int ret, rc;

	if (parse_opts(argc, argv, &o))
		return 2;
	rc = qpu_qasm_parse_file(o.file, &c, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "qpu-run: %s\n", *err ? err : qpu_strerror(rc));
		return o.replay ? 2 : 1;
	}
	ret = o.replay ? run_replay(&o, c) : run_plain(&o, c);
	qpu_circuit_free(c);
	return ret;
}
