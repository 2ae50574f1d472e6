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

/** struct cmd_out - what a command did: exit status, stdout, stderr */
struct cmd_out {
	int status;
	char *out;
	char *err;
};

/* Is @name an executable in a directory of $PATH? */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char dir[256], file[512];
	const char *p, *end;
	size_t len;

	for (p = path ? path : "/bin:/usr/bin"; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		len = end - p;
		if (!len || len >= sizeof(dir))
			continue;
		memcpy(dir, p, len);
		dir[len] = '\0';
		snprintf(file, sizeof(file), "%s/%s", dir, name);
		if (!access(file, X_OK))
			return true;
	}
	return false;
}

/* Skip the test unless @tool is on the PATH and @file (if any) readable. */
static void need(const char *tool, const char *file)
{
	if (!in_path(tool))
		qt_skip("%s is not in the guest's PATH", tool);
	if (file && access(file, R_OK))
		qt_skip("%s is not in the guest", file);
}

/* Run @argv (looked up on $PATH) with stdout and stderr captured. */
static void run_capture(const char *const argv[], struct cmd_out *o)
{
	char out_path[] = "/tmp/qt_outXXXXXX", err_path[] = "/tmp/qt_errXXXXXX";
	int ofd = mkstemp(out_path), efd = mkstemp(err_path), null;
	size_t len;
	pid_t pid;

	QT_ASSERT(ofd >= 0 && efd >= 0);
	pid = fork_ok();
	if (!pid) {
		null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
		    dup2(ofd, STDOUT_FILENO) < 0 || dup2(efd, STDERR_FILENO) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	o->status = wait_status(pid);
	close(ofd);
	close(efd);
	o->out = read_all_ok(out_path, &len);
	o->err = read_all_ok(err_path, &len);
	unlink(out_path);
	unlink(err_path);
}

static void cmd_free(struct cmd_out *o)
{
	free(o->out);
	free(o->err);
}

static void write_file_ok(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		QT_FAIL("writing %s: %s", path, strerror(errno));
}

/* Copy @from to @to. */
static void copy_file_ok(const char *from, const char *to)
{
	size_t len;
	char *text = read_all_ok(from, &len);

	write_file_ok(to, text);
	free(text);
}

/* ---- a small JSON reader ------------------------------------------------- */

/*
 * Enough of RFC 8259 to check that the tools print valid JSON: every
 * value is parsed strictly; the members of an object are returned as
 * spans of text to be parsed in turn.
 */
#define JS_MAX_MEMBERS	32
#define JS_MAX_DEPTH	16

struct js_member {
	char key[64];
	const char *val;
	const char *end;
};

static void js_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

/* A string at *p; its text (ASCII escapes decoded) into @out if not NULL. */
static bool js_string(const char **p, char *out, size_t cap)
{
	const char *s = *p;
	size_t n = 0;
	unsigned int u;
	char c;
	int i;

	if (*s++ != '"')
		return false;
	while (*s != '"') {
		c = *s;
		if (!c || (unsigned char)c < 0x20)
			return false;
		if (c == '\\') {
			s++;
			switch (*s) {
			case '"': case '\\': case '/':
				c = *s;
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				for (u = 0, i = 1; i <= 4; i++) {
					if (!isxdigit((unsigned char)s[i]))
						return false;
					u = u * 16 + (isdigit((unsigned char)s[i]) ?
						      s[i] - '0' :
						      (tolower((unsigned char)s[i]) - 'a' + 10));
				}
				s += 4;
				c = u < 0x80 ? (char)u : '?';
				break;
			default:
				return false;
			}
		}
		if (out && n + 1 < cap)
			out[n++] = c;
		s++;
	}
	if (out)
		out[n] = '\0';
	*p = s + 1;
	return true;
}

static bool js_number(const char **p)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (isdigit((unsigned char)*s))
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	*p = s;
	return true;
}

static bool js_value(const char **p, int depth);

/* An object at *p; its members into @m (at most @max), count in *n. */
static bool js_object(const char **p, int depth, struct js_member *m, int max,
		      int *n)
{
	const char *s = *p;
	char key[64];

	*n = 0;
	if (*s++ != '{' || depth > JS_MAX_DEPTH)
		return false;
	js_ws(&s);
	if (*s == '}') {
		*p = s + 1;
		return true;
	}
	for (;;) {
		js_ws(&s);
		if (!js_string(&s, key, sizeof(key)))
			return false;
		js_ws(&s);
		if (*s++ != ':')
			return false;
		js_ws(&s);
		if (m && *n < max) {
			strcpy(m[*n].key, key);
			m[*n].val = s;
		}
		if (!js_value(&s, depth + 1))
			return false;
		if (m && *n < max)
			m[*n].end = s;
		(*n)++;
		js_ws(&s);
		if (*s == '}')
			break;
		if (*s++ != ',')
			return false;
	}
	*p = s + 1;
	return true;
}

static bool js_value(const char **p, int depth)
{
	int n;

	switch (**p) {
	case '{':
		return js_object(p, depth, NULL, 0, &n);
	case '[':
		if (depth > JS_MAX_DEPTH)
			return false;
		(*p)++;
		js_ws(p);
		if (**p == ']') {
			(*p)++;
			return true;
		}
		for (;;) {
			js_ws(p);
			if (!js_value(p, depth + 1))
				return false;
			js_ws(p);
			if (**p == ']')
				break;
			if (*(*p)++ != ',')
				return false;
		}
		(*p)++;
		return true;
	case '"':
		return js_string(p, NULL, 0);
	case 't':
		return !strncmp(*p, "true", 4) && (*p += 4);
	case 'f':
		return !strncmp(*p, "false", 5) && (*p += 5);
	case 'n':
		return !strncmp(*p, "null", 4) && (*p += 4);
	default:
		return js_number(p);
	}
}

/* @text is exactly one JSON object (and whitespace); its members. */
static bool js_parse_object(const char *text, struct js_member *m, int *n)
{
	const char *p = text;

	js_ws(&p);
	if (!js_object(&p, 0, m, JS_MAX_MEMBERS, n) || *n > JS_MAX_MEMBERS)
		return false;
	js_ws(&p);
	return *p == '\0';
}

static const struct js_member *js_find(const struct js_member *m, int n,
				       const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(m[i].key, key))
			return &m[i];
	return NULL;
}

/* The member's value as a NUL-terminated copy (malloc()ed). */
static char *js_text(const struct js_member *m)
{
	char *t = strndup(m->val, m->end - m->val);

	QT_ASSERT(t != NULL);
	return t;
}

/* A member that must be a non-negative integer. */
static uint64_t js_u64(const struct js_member *m, const char *key)
{
	unsigned long long v;
	char *end;

	if (!m)
		QT_FAIL("no \"%s\" member", key);
	if (!isdigit((unsigned char)*m->val))
		QT_FAIL("\"%s\" is not a non-negative integer", key);
	errno = 0;
	v = strtoull(m->val, &end, 10);
	if (errno || end != m->end)
		QT_FAIL("\"%s\" is not an integer", key);
	return v;
}

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
