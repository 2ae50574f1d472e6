// SPDX-License-Identifier: GPL-2.0
/*
 * qpu-run - run an OpenQASM 2.0 file on a QPU device and print the counts.
 *
 *   qpu-run [-d /dev/qpuN] [--shots N] [--seed S] [--param V,V,...]
 *           [--json] FILE.qasm
 *
 * Allocates as many qubits as the circuit declares, loads it, runs it once
 * (the ioctl path) and prints the histogram sorted by count, with
 * probabilities, or a JSON object. Exit status 0 on success, 1 on any
 * error (with a message saying what went wrong), 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libqpu.h>

struct opts {
	const char *device;
	const char *file;
	const char *params;
	uint32_t shots;
	uint64_t seed;
	int have_seed;
	int json;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: qpu-run [-d DEVICE] [--shots N] [--seed S] "
		   "[--param V,V,...] [--json] FILE.qasm\n");
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	o->shots = 1024;
	while ((c = getopt_long(argc, argv, "d:s:S:p:jh", longopts, NULL)) != -1) {
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
			o->params = optarg;
			break;
		case 'j':
			o->json = 1;
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

static void print_results(const struct opts *o, const struct qpu_circuit *c,
			  const struct qpu_loaded *l, const struct qpu_result *r)
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
		printf(", \"shots\": %" PRIu64 ", \"seed\": %" PRIu64
		       ", \"circuit_sha256\": \"", (uint64_t)r->shots,
		       (uint64_t)r->seed);
		for (i = 0; i < 32; i++)
			printf("%02x", l->hash[i]);
		printf("\", \"calibration_epoch\": %" PRIu64 ", \"sim_ns\": %" PRIu64
		       ", \"qpu_ns\": %" PRIu64 ", \"counts\": {",
		       (uint64_t)r->calibration_epoch, (uint64_t)r->sim_ns,
		       (uint64_t)r->qpu_ns);
		for (i = 0; i < r->num_counts; i++) {
			format_bits(c, sorted[i].bits, bits);
			printf("%s\"%s\": %" PRIu64, i ? ", " : "", bits,
			       (uint64_t)sorted[i].count);
		}
		printf("}}\n");
	} else {
		printf("# %s: %" PRIu64 " shots, seed %" PRIu64
		       ", modelled device time %.3f ms\n", o->file,
		       (uint64_t)r->shots, (uint64_t)r->seed, r->qpu_ns / 1e6);
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
 * Allocate qubits and place the circuit on them so that its gates find
 * couplings. A region exactly as wide as the circuit may lack the shape
 * it needs (a chain of CX on a branchy heavy-hex region), so wider
 * regions are tried, up to twice the circuit's width.
 */
static int alloc_and_place(struct qpu_dev *dev, struct qpu_circuit *c,
			   struct qpu_qubits **out)
{
	uint32_t n = qpu_circuit_num_qubits(c), k, *map;
	struct qpu_info info;
	bool refused = false;
	int ret = -EXDEV;

	if (qpu_get_info(dev, &info))
		return -1;
	map = calloc(n, sizeof(*map));
	if (!map)
		return -ENOMEM;
	for (k = n; k <= 2 * n && k <= info.num_qubits; k++) {
		struct qpu_qubits *q;

		ret = qpu_alloc_qubits(dev, k, &q);
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
		ret = qpu_circuit_layout(c, q, map);
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
	if (ret == -EXDEV && refused)
		fprintf(stderr, "qpu-run: no region of %u to %u qubits on this device "
			"couples every multi-qubit gate of the circuit, and a "
			"wider one was refused: %s\n", n, k - 1, qpu_errmsg(dev));
	else if (ret == -EXDEV)
		fprintf(stderr, "qpu-run: no region of %u to %u qubits on this device "
			"couples every multi-qubit gate of the circuit; it needs "
			"routing, which is not supported\n", n, k - 1);
	else if (ret && ret != -1 && !*qpu_errmsg(dev))
		fprintf(stderr, "qpu-run: placing the circuit: %s\n",
			qpu_strerror(ret));
	free(map);
	return ret;
}

int main(int argc, char **argv)
{
	struct qpu_buffer *pbuf = NULL, *rbuf = NULL;
	struct qpu_circuit *c = NULL;
	struct qpu_qubits *q = NULL;
	struct qpu_dev *dev = NULL;
	const struct qpu_result *r;
	struct qpu_loaded l;
	struct qpu_job_desc job;
	struct opts o = { 0 };
	char err[512];
	int ret = 1, rc;

	if (parse_opts(argc, argv, &o))
		return 2;
	rc = qpu_qasm_parse_file(o.file, &c, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "qpu-run: %s\n", *err ? err : qpu_strerror(rc));
		return 1;
	}
	rc = qpu_open(o.device, &dev);
	if (rc) {
		fprintf(stderr, "qpu-run: %s: %s\n", o.device ? o.device : "/dev/qpu0",
			qpu_strerror(rc));
		goto out;
	}
	if (alloc_and_place(dev, c, &q))
		goto out;
	if (qpu_circuit_load(dev, c, q, &l))
		goto fail;
	if (l.num_params) {
		if (qpu_buffer_new(dev, l.num_params * sizeof(double), &pbuf))
			goto fail;
		if (fill_params(c, o.params, pbuf->ptr))
			goto out;
	} else if (o.params && *o.params) {
		fill_params(c, o.params, NULL);
		goto out;
	}
	if (qpu_buffer_new(dev, qpu_result_size(qpu_circuit_num_clbits(c), o.shots, 0),
			   &rbuf))
		goto fail;

	memset(&job, 0, sizeof(job));
	job.circuit = l.handle;
	job.shots = o.shots;
	job.flags = o.have_seed ? QPU_RUN_SEED : 0;
	job.seed = o.seed;
	job.param_buf = pbuf ? pbuf->handle : 0;
	job.result_buf = rbuf->handle;
	if (qpu_run_job(dev, &job, NULL))
		goto fail;
	r = qpu_result_at(rbuf, 0);
	if (!r || r->status) {
		fprintf(stderr, "qpu-run: the run produced no result (%s)\n",
			r ? qpu_strerror(r->status) : "missing");
		goto out;
	}
	print_results(&o, c, &l, r);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "qpu-run: %s: %s\n", o.file, qpu_errmsg(dev));
out:
	if (dev) {
		qpu_buffer_free(dev, rbuf);
		qpu_buffer_free(dev, pbuf);
		qpu_free_qubits(dev, q);
		qpu_close(dev);
	}
	qpu_circuit_free(c);
	return ret;
}
