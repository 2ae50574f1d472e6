// SPDX-License-Identifier: GPL-2.0
/*
 * tools_test.c - the command-line tools as a user runs them from the
 * guest's PATH (fork and exec, output captured):
 *
 *  - qpu-run on the example circuits: the text histogram (only the
 *    outcomes the circuit can give, with their probabilities, the same
 *    for the same seed) and the --json object (it parses; counts, seed,
 *    circuit_sha256 are there and right);
 *  - qpu-run on bad input: a missing file, syntax errors (reported as
 *    file:line:col on stderr), bad usage; non-zero exit status each time;
 *  - qpuctl info.
 *
 * A test whose tool or example file is not in the guest is skipped. Every
 * test checks that the tools left no driver object behind.
 */
#include <ctype.h>
#include <math.h>

#include "qpu_test.h"
#include "vm_util.h"

#define BELL_QASM	"/examples/bell.qasm"
#define GHZ_QASM	"/examples/ghz.qasm"

#include "tool_util.h"

/* ---- qpu-run ------------------------------------------------------------- */

/* Outcome strings and counts of a histogram, in the order printed. */
struct hist {
	int n;
	char bits[8][16];
	uint64_t count[8];
};

static uint64_t hist_get(const struct hist *h, const char *bits)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (!strcmp(h->bits[i], bits))
			return h->count[i];
	return 0;
}

/*
 * Parse qpu-run's text output: "#" comment lines, then one line per
 * outcome, "BITS COUNT PROBABILITY", checked against @shots.
 */
static void parse_text_hist(const char *out, uint64_t shots, struct hist *h)
{
	char line[256], bits[64];
	const char *p, *nl;
	unsigned long long count, sum = 0;
	double prob;
	size_t len;
	int k;

	memset(h, 0, sizeof(*h));
	for (p = out; *p; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		len = nl - p;
		if (len >= sizeof(line))
			QT_FAIL("output line too long: '%.40s...'", p);
		memcpy(line, p, len);
		line[len] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (sscanf(line, "%63s %llu %lf%n", bits, &count, &prob, &k) != 3 ||
		    line[k])
			QT_FAIL("not an outcome line: '%s'", line);
		if (strspn(bits, "01") != strlen(bits))
			QT_FAIL("outcome '%s' is not made of bits", bits);
		if (fabs(prob - (double)count / shots) > 0.00006)
			QT_FAIL("'%s': probability %g, want %g", line, prob,
				(double)count / shots);
		if (h->n == (int)ARRAY_LEN(h->bits) || hist_get(h, bits))
			QT_FAIL("too many or repeated outcomes at '%s'", line);
		strcpy(h->bits[h->n], bits);
		h->count[h->n++] = count;
		sum += count;
	}
	if (sum != shots)
		QT_FAIL("counts sum to %llu, want %llu", sum,
			(unsigned long long)shots);
}

/* @h has only @a and @b, each about half of @shots. */
static void assert_two_halves(const struct hist *h, const char *a,
			      const char *b, uint64_t shots)
{
	QT_ASSERT_EQ(h->n, 2);
	QT_ASSERT_EQ(hist_get(h, a) + hist_get(h, b), shots);
	QT_ASSERT(hist_get(h, a) >= shots * 35 / 100 &&
		  hist_get(h, a) <= shots * 65 / 100);
}

QPU_TEST(qpu_run_bell_text)
{
	static const char *const argv[] = {
		"qpu-run", "--shots", "1000", "--seed", "7", BELL_QASM, NULL,
	};
	struct qpu_objs before;
	struct cmd_out o, again;
	struct hist h;

	need("qpu-run", BELL_QASM);
	read_objs(&before);
	run_capture(argv, &o);
	printf("%s", o.out);
	if (o.status)
		QT_FAIL("qpu-run exited %d: %s", o.status, o.err);
	QT_ASSERT_EQ(o.err[0], '\0');
	QT_ASSERT(strstr(o.out, "1000 shots"));
	QT_ASSERT(strstr(o.out, "seed 7"));
	parse_text_hist(o.out, 1000, &h);
	assert_two_halves(&h, "00", "11", 1000);

	/* Same seed, same output. */
	run_capture(argv, &again);
	QT_ASSERT_EQ(again.status, 0);
	QT_ASSERT(!strcmp(o.out, again.out));
	cmd_free(&again);
	cmd_free(&o);
	assert_objs_restored(&before);
}

/* Parse "--json" output of qpu-run; check the keys every object has. */
static void check_json(const char *out, const char *file, uint64_t shots,
		       uint64_t seed, struct hist *h, char *sha)
{
	struct js_member m[JS_MAX_MEMBERS], c[JS_MAX_MEMBERS];
	const struct js_member *counts, *s;
	const char *p;
	char *text, name[256];
	uint64_t sum = 0;
	int n, nc, i;

	if (!js_parse_object(out, m, &n))
		QT_FAIL("not one JSON object: '%s'", one_line(out));
	QT_ASSERT_EQ(js_u64(js_find(m, n, "seed"), "seed"), seed);
	QT_ASSERT_EQ(js_u64(js_find(m, n, "shots"), "shots"), shots);
	s = js_find(m, n, "file");
	QT_ASSERT(s != NULL);
	p = s->val;
	QT_ASSERT(js_string(&p, name, sizeof(name)));
	if (strcmp(name, file))
		QT_FAIL("\"file\" is '%s', want '%s'", name, file);

	s = js_find(m, n, "circuit_sha256");
	QT_ASSERT(s != NULL);
	p = s->val;
	QT_ASSERT(js_string(&p, sha, 65));
	QT_ASSERT_EQ(strlen(sha), 64);
	QT_ASSERT_EQ(strspn(sha, "0123456789abcdef"), 64);

	counts = js_find(m, n, "counts");
	QT_ASSERT(counts != NULL);
	text = js_text(counts);
	if (!js_parse_object(text, c, &nc))
		QT_FAIL("\"counts\" is not an object: %s", text);
	memset(h, 0, sizeof(*h));
	QT_ASSERT_LE(nc, (int)ARRAY_LEN(h->bits));
	for (i = 0; i < nc; i++) {
		QT_ASSERT_EQ(strspn(c[i].key, "01"), strlen(c[i].key));
		strcpy(h->bits[i], c[i].key);
		h->count[i] = js_u64(&c[i], c[i].key);
		sum += h->count[i];
	}
	h->n = nc;
	QT_ASSERT_EQ(sum, shots);
	free(text);
}

QPU_TEST(qpu_run_bell_json)
{
	static const char *const text_argv[] = {
		"qpu-run", "--shots", "1000", "--seed", "7", BELL_QASM, NULL,
	};
	static const char *const json_argv[] = {
		"qpu-run", "--shots", "1000", "--seed", "7", "--json", BELL_QASM,
		NULL,
	};
	char sha[65], sha2[65];
	struct qpu_objs before;
	struct hist hj, ht, h2;
	struct cmd_out o, t;
	int i;

	need("qpu-run", BELL_QASM);
	read_objs(&before);
	run_capture(json_argv, &o);
	printf("%s", o.out);
	if (o.status)
		QT_FAIL("qpu-run --json exited %d: %s", o.status, o.err);
	check_json(o.out, BELL_QASM, 1000, 7, &hj, sha);
	assert_two_halves(&hj, "00", "11", 1000);

	/* The same run as text: the same histogram. */
	run_capture(text_argv, &t);
	QT_ASSERT_EQ(t.status, 0);
	parse_text_hist(t.out, 1000, &ht);
	QT_ASSERT_EQ(ht.n, hj.n);
	for (i = 0; i < hj.n; i++)
		QT_ASSERT_EQ(hist_get(&ht, hj.bits[i]), hj.count[i]);
	cmd_free(&t);
	cmd_free(&o);

	/* The circuit's hash does not depend on the seed. */
	run_capture((const char *const[]){ "qpu-run", "--json", "--seed", "8",
					  BELL_QASM, NULL }, &o);
	QT_ASSERT_EQ(o.status, 0);
	check_json(o.out, BELL_QASM, 1024, 8, &h2, sha2);
	QT_ASSERT(!strcmp(sha, sha2));
	cmd_free(&o);
	assert_objs_restored(&before);
}

/* File names with JSON's special characters are escaped in "file". */
QPU_TEST(qpu_run_json_escapes_file_name)
{
	const char *weird = "/tmp/qt \"quoted\" back\\slash.qasm";
	struct qpu_objs before;
	struct cmd_out o;
	struct hist h;
	char sha[65];

	need("qpu-run", BELL_QASM);
	read_objs(&before);
	copy_file_ok(BELL_QASM, weird);
	run_capture((const char *const[]){ "qpu-run", "--json", "--seed", "1",
					  weird, NULL }, &o);
	unlink(weird);
	printf("%s", o.out);
	if (o.status)
		QT_FAIL("qpu-run --json exited %d: %s", o.status, o.err);
	check_json(o.out, weird, 1024, 1, &h, sha);
	cmd_free(&o);
	assert_objs_restored(&before);
}

QPU_TEST(qpu_run_ghz5)
{
	static const char *const argv[] = {
		"qpu-run", "--shots", "2000", "--seed", "11", GHZ_QASM, NULL,
	};
	struct qpu_objs before;
	struct cmd_out o;
	struct hist h;

	need("qpu-run", GHZ_QASM);
	read_objs(&before);
	run_capture(argv, &o);
	printf("%s", o.out);
	if (o.status)
		QT_FAIL("qpu-run exited %d: %s", o.status, o.err);
	parse_text_hist(o.out, 2000, &h);
	assert_two_halves(&h, "00000", "11111", 2000);
	cmd_free(&o);
	assert_objs_restored(&before);
}

/*
 * A full adder of three Toffolis fits no heavy-hex placement: qpu-run
 * routes it on qpu0 (heavyhex:27), says so, and every shot reads the sum;
 * --no-route refuses it, naming routing.
 */
QPU_TEST(qpu_run_routes_toffoli_adder)
{
	static const char *const argv[] = {
		"qpu-run", "--shots", "500", "--seed", "3", "/examples/toffoli.qasm", NULL,
	};
	static const char *const norte[] = {
		"qpu-run", "--no-route", "--shots", "10", "/examples/toffoli.qasm", NULL,
	};
	struct qpu_objs before;
	struct cmd_out o;
	struct hist h;

	need("qpu-run", "/examples/toffoli.qasm");
	read_objs(&before);
	run_capture(argv, &o);
	printf("%s", o.out);
	if (o.status)
		QT_FAIL("qpu-run exited %d: %s", o.status, o.err);
	QT_ASSERT(strstr(o.out, "# routed: ") != NULL);
	QT_ASSERT(strstr(o.out, "# routed: 0 SWAPs") == NULL);
	parse_text_hist(o.out, 500, &h);
	QT_ASSERT_EQ(h.n, 1);
	QT_ASSERT(!strcmp(h.bits[0], "1001"));
	QT_ASSERT_EQ(h.count[0], 500);
	cmd_free(&o);
	run_capture(norte, &o);
	QT_ASSERT_EQ(o.status, 1);
	QT_ASSERT(strstr(o.err, "--no-route") != NULL);
	cmd_free(&o);
	assert_objs_restored(&before);
}

/* qpu-run on @file must fail: non-zero status, nothing on stdout. */
static void run_fails_on(const char *file, struct cmd_out *o)
{
	run_capture((const char *const[]){ "qpu-run", "--shots", "10", file,
					  NULL }, o);
	printf("# qpu-run %s: status %d, stderr: %s", file, o->status, o->err);
	if (!o->status || o->status > 2)
		QT_FAIL("qpu-run %s exited %d, want 1 or 2", file, o->status);
	QT_ASSERT_EQ(o->out[0], '\0');
	QT_ASSERT(o->err[0] != '\0');
}

/* @err mentions "@file:@line:COL:" with a positive column (and @col if > 0). */
static void assert_location(const char *err, const char *file, int line,
			    int col)
{
	char want[128];
	const char *p;
	int l, c, k;

	snprintf(want, sizeof(want), "%s:", file);
	p = strstr(err, want);
	if (!p || sscanf(p + strlen(want), "%d:%d:%n", &l, &c, &k) != 2)
		QT_FAIL("'%s' does not say %s:LINE:COL:", one_line(err), file);
	if (l != line || c < 1 || (col > 0 && c != col))
		QT_FAIL("'%s': at %d:%d, want line %d%s", one_line(err), l, c,
			line, col > 0 ? " col given" : "");
}

QPU_TEST(qpu_run_bad_files)
{
	const char *syntax = "/tmp/qt_syntax.qasm", *unknown = "/tmp/qt_unknown.qasm";
	struct qpu_objs before;
	struct cmd_out o;

	need("qpu-run", NULL);
	read_objs(&before);
	/* A file that does not exist. */
	run_fails_on("/tmp/qt_no_such_file.qasm", &o);
	QT_ASSERT(strstr(o.err, "/tmp/qt_no_such_file.qasm"));
	cmd_free(&o);

	/* Two operands without a comma on line 5. */
	write_file_ok(syntax, "OPENQASM 2.0;\n"
			      "include \"qelib1.inc\";\n"
			      "qreg q[2];\n"
			      "creg c[2];\n"
			      "h q[0] q[1];\n"
			      "measure q -> c;\n");
	run_fails_on(syntax, &o);
	assert_location(o.err, syntax, 5, 0);
	cmd_free(&o);

	/* A gate nobody defined, at the start of line 4. */
	write_file_ok(unknown, "OPENQASM 2.0;\n"
			       "include \"qelib1.inc\";\n"
			       "qreg q[2];\n"
			       "frobnicate q[0];\n");
	run_fails_on(unknown, &o);
	assert_location(o.err, unknown, 4, 1);
	QT_ASSERT(strstr(o.err, "frobnicate"));
	cmd_free(&o);
	unlink(syntax);
	unlink(unknown);

	/* Bad usage: exit status 2 and a message. */
	run_capture((const char *const[]){ "qpu-run", NULL }, &o);
	QT_ASSERT_EQ(o.status, 2);
	QT_ASSERT(o.err[0] != '\0');
	cmd_free(&o);
	run_capture((const char *const[]){ "qpu-run", "--shots", "0",
					  BELL_QASM, NULL }, &o);
	QT_ASSERT_EQ(o.status, 2);
	QT_ASSERT(strstr(o.err, "shots"));
	cmd_free(&o);
	assert_objs_restored(&before);
}

/* ---- qpuctl -------------------------------------------------------------- */

QPU_TEST(qpuctl_info)
{
	static const char *const argv[] = { "qpuctl", "info", NULL };
	struct qpu_objs before;
	struct cmd_out o;

	need("qpuctl", NULL);
	read_objs(&before);
	run_capture(argv, &o);
	printf("%s", o.out);
	if (o.status)
		QT_FAIL("qpuctl info exited %d: %s", o.status, o.err);
	QT_ASSERT(strstr(o.out, QPU0_TOPOLOGY));
	QT_ASSERT(strstr(o.out, "27"));
	QT_ASSERT(strstr(o.out, QPU0_PATH));
	cmd_free(&o);
	assert_objs_restored(&before);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
