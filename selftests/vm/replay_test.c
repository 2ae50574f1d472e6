// SPDX-License-Identifier: GPL-2.0
/*
 * replay_test.c - replaying recorded jobs with qpu-run --replay
 * (Documentation/qpu/replay.rst) on /dev/qpu0 (heavyhex:27).
 *
 * Each job is run by qpu-run --json, whose "provenance" member is the
 * job's audit record as qpu-auditd writes it (the kernel's struct
 * qpu_provenance); that line is the record replayed. A sample of jobs
 * (a Bell pair with a seed, a GHZ chain placed by qpu_circuit_layout()
 * with the driver's seed, a sweep of three parameter vectors, and a
 * circuit with mid-circuit measurement, reset and "if") must give the
 * same counts bit for bit: the replay's JSON counts equal the original's
 * slice by slice, and it says so with the recorded result hash. Then a
 * changed circuit, a changed parameter, a missing vector and a changed
 * calibration must each be refused before running (exit 2) and named
 * with the record's hash, --restore-calibration must bring the recorded
 * calibration back and match, and a record whose result hash is not the
 * rerun's must be reported as differing (exit 1).
 *
 * Tests that change the calibration write the original content back.
 */
#include "qpu_test.h"
#include "vm_util.h"
#include "tool_util.h"

#define BELL_QASM	"/examples/bell.qasm"
#define GHZ_QASM	"/examples/ghz.qasm"
#define SWEEP_QASM	"/tmp/replay_sweep.qasm"
#define MID_QASM	"/tmp/replay_mid.qasm"
#define RECORD		"/tmp/replay_record.json"
#define CALIB_DIR	"/tmp/replay_calib"

static const char sweep_src[] =
	"OPENQASM 2.0;\n"
	"include \"qelib1.inc\";\n"
	"param th[2];\n"
	"qreg q[3];\n"
	"creg c[3];\n"
	"ry(th[0]) q[0];\n"
	"cx q[0],q[1];\n"
	"rz(th[1]) q[1];\n"
	"h q[1];\n"
	"cx q[1],q[2];\n"
	"measure q -> c;\n";

static const char mid_src[] =
	"OPENQASM 2.0;\n"
	"include \"qelib1.inc\";\n"
	"qreg q[3];\n"
	"creg m[1];\n"
	"creg c[2];\n"
	"h q[0];\n"
	"measure q[0] -> m[0];\n"
	"if(m==1) x q[1];\n"
	"reset q[0];\n"
	"h q[0];\n"
	"cx q[1],q[2];\n"
	"measure q[0] -> c[0];\n"
	"measure q[2] -> c[1];\n";

/* The sweep's three vectors, as --param arguments. */
#define SWEEP_PARAMS	"--param", "0.3,1.1", "--param", "1.9,-0.4", \
			"--param", "2.5,0.7"

/* Write the circuits of this file into the guest's /tmp. */
static void write_circuits(void)
{
	need("qpu-run", BELL_QASM);
	write_file_ok(SWEEP_QASM, sweep_src);
	write_file_ok(MID_QASM, mid_src);
}

/* The text of member @key of the JSON object @line (malloc()ed). */
static char *member_text(const char *line, const char *key)
{
	struct js_member m[JS_MAX_MEMBERS];
	const struct js_member *v;
	int n;

	if (!js_parse_object(line, m, &n))
		QT_FAIL("not a JSON object: %s", line);
	v = js_find(m, n, key);
	if (!v)
		QT_FAIL("no \"%s\" in %s", key, line);
	return js_text(v);
}

/* A hash member of the provenance object @prov, without its quotes. */
static void prov_hash(const char *prov, const char *key, char *hex)
{
	char *t = member_text(prov, key);

	QT_ASSERT_EQ(strlen(t), 66);
	memcpy(hex, t + 1, 64);
	hex[64] = '\0';
	free(t);
}

/* Line @i (from 0) of @text, malloc()ed, or NULL past the last. */
static char *line_at(const char *text, int i)
{
	const char *p = text, *nl;

	for (; i > 0 && p; i--) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p || !*p)
		return NULL;
	nl = strchr(p, '\n');
	return strndup(p, nl ? (size_t)(nl - p) : strlen(p));
}

/* Hash @key of the provenance on @out's first line (the record). */
static void record_hash(const char *out, const char *key, char *hex)
{
	char *line = line_at(out, 0), *prov;

	QT_ASSERT(line != NULL);
	prov = member_text(line, "provenance");
	prov_hash(prov, key, hex);
	free(prov);
	free(line);
}

/*
 * Run @argv (qpu-run --json ...): it must succeed with @nslices JSON
 * lines, each with a provenance; the first line goes to RECORD. Returns
 * the output (cmd_free() it).
 */
static void original(const char *const argv[], int nslices, struct cmd_out *o)
{
	char *line, *prov;
	int i;

	run_capture(argv, o);
	if (o->status)
		QT_FAIL("%s exited %d: %s", argv[0], o->status, o->err);
	for (i = 0; i < nslices; i++) {
		line = line_at(o->out, i);
		if (!line)
			QT_FAIL("%d JSON lines, want %d: %s", i, nslices, o->out);
		prov = member_text(line, "provenance");
		if (!i)
			write_file_ok(RECORD, line);
		free(prov);
		free(line);
	}
	QT_ASSERT(!line_at(o->out, nslices));
}

/* Line @i's "counts" object, text. */
static char *counts_at(const char *out, int i)
{
	char *line = line_at(out, i), *c;

	QT_ASSERT(line != NULL);
	c = member_text(line, "counts");
	free(line);
	return c;
}

/*
 * qpu-run --replay RECORD --json @args...: exit 0, the same counts slice
 * by slice as @orig, and the match line with the record's result hash.
 */
static void replay_matches(const struct cmd_out *orig, const char *const args[],
			   int nslices)
{
	const char *argv[16] = { "qpu-run", "--replay", RECORD, "--json" };
	char hex[65], want[160], *a, *b, *last;
	struct cmd_out o;
	int i, n = 4;

	for (i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	run_capture(argv, &o);
	printf("%s", o.out);
	if (o.status)
		QT_FAIL("replay exited %d: %s%s", o.status, o.out, o.err);
	for (i = 0; i < nslices; i++) {
		a = counts_at(orig->out, i);
		b = counts_at(o.out, i);
		if (strcmp(a, b))
			QT_FAIL("slice %d: counts %s, originally %s", i, b, a);
		free(a);
		free(b);
	}
	record_hash(orig->out, "result_hash", hex);
	snprintf(want, sizeof(want), "replay: counts match the original bit for "
		 "bit (result sha256 %s)", hex);
	last = line_at(o.out, nslices);
	QT_ASSERT(last != NULL);
	if (strcmp(last, want))
		QT_FAIL("last line \"%s\", want \"%s\"", last, want);
	QT_ASSERT(!line_at(o.out, nslices + 1));
	free(last);
	cmd_free(&o);
}

/* qpu-run --replay RECORD @args...: exit @status, stderr holding @want. */
static void replay_fails(const char *const args[], int status, const char *want)
{
	const char *argv[16] = { "qpu-run", "--replay", RECORD };
	struct cmd_out o;
	int i, n = 3;

	for (i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	run_capture(argv, &o);
	if (o.status != status || !strstr(status == 1 ? o.out : o.err, want))
		QT_FAIL("replay exited %d (want %d): stdout %s stderr %s (want "
			"\"%s\")", o.status, status, o.out, o.err, want);
	cmd_free(&o);
}

/* A job of the sample: run by @run, replayed with @args, @nslices slices. */
static void replay_sample(const char *const run[], const char *const args[],
			  int nslices)
{
	struct cmd_out o;

	write_circuits();
	original(run, nslices, &o);
	replay_matches(&o, args, nslices);
	cmd_free(&o);
}

QPU_TEST(replay_bell_seeded)
{
	static const char *const run[] = {
		"qpu-run", "--json", "--shots", "2000", "--seed", "7", BELL_QASM,
		NULL,
	};
	static const char *const args[] = { BELL_QASM, NULL };

	replay_sample(run, args, 1);
}

/* The driver's seed, and a circuit qpu_circuit_layout() places. */
QPU_TEST(replay_ghz_driver_seed)
{
	static const char *const run[] = {
		"qpu-run", "--json", "--shots", "3000", GHZ_QASM, NULL,
	};
	static const char *const args[] = { GHZ_QASM, NULL };

	replay_sample(run, args, 1);
}

QPU_TEST(replay_sweep)
{
	static const char *const run[] = {
		"qpu-run", "--json", "--shots", "1500", "--seed", "11",
		SWEEP_PARAMS, SWEEP_QASM, NULL,
	};
	static const char *const args[] = { SWEEP_PARAMS, SWEEP_QASM, NULL };

	replay_sample(run, args, 3);
}

QPU_TEST(replay_mid_circuit_measure_and_if)
{
	static const char *const run[] = {
		"qpu-run", "--json", "--shots", "4000", MID_QASM, NULL,
	};
	static const char *const args[] = { MID_QASM, NULL };

	replay_sample(run, args, 1);
}

/* -v: the provenance line a user finds the record by. */
QPU_TEST(verbose_prints_provenance)
{
	static const char *const run[] = {
		"qpu-run", "-v", "--seed", "5", BELL_QASM, NULL,
	};
	struct cmd_out o;

	write_circuits();
	run_capture(run, &o);
	QT_ASSERT_EQ(o.status, 0);
	if (!strstr(o.out, "# provenance: qpu0 audit seq ") ||
	    !strstr(o.out, ", seed 5, qubits "))
		QT_FAIL("no provenance line: %s", o.out);
	cmd_free(&o);
}

/* A changed gate: refused before running, the record's hash named. */
QPU_TEST(replay_names_changed_circuit)
{
	static const char *const run[] = {
		"qpu-run", "--json", "--seed", "3", SWEEP_PARAMS, SWEEP_QASM, NULL,
	};
	static const char *const args[] = { SWEEP_PARAMS, "/tmp/changed.qasm",
					    NULL };
	char hex[65], want[200], *src, *p;
	struct cmd_out o;

	write_circuits();
	original(run, 3, &o);
	src = strdup(sweep_src);
	QT_ASSERT(src != NULL);
	p = strstr(src, "h q[1];");
	QT_ASSERT(p != NULL);
	*p = 'x';
	write_file_ok("/tmp/changed.qasm", src);
	record_hash(o.out, "circuit_hash", hex);
	snprintf(want, sizeof(want), "replay: circuit differs: the record's "
		 "circuit_hash is %s, changed.qasm loads as ", hex);
	replay_fails(args, 2, want);
	free(src);
	cmd_free(&o);
}

/* One value of one vector changed, or a vector left out. */
QPU_TEST(replay_names_changed_parameter)
{
	static const char *const run[] = {
		"qpu-run", "--json", "--seed", "3", SWEEP_PARAMS, SWEEP_QASM, NULL,
	};
	static const char *const changed[] = {
		"--param", "0.3,1.1", "--param", "1.9,-0.41", "--param", "2.5,0.7",
		SWEEP_QASM, NULL,
	};
	static const char *const fewer[] = {
		"--param", "0.3,1.1", "--param", "1.9,-0.4", SWEEP_QASM, NULL,
	};
	char hex[65], want[200];
	struct cmd_out o;

	write_circuits();
	original(run, 3, &o);
	record_hash(o.out, "param_hash", hex);
	snprintf(want, sizeof(want), "replay: parameters differ: the record's "
		 "param_hash is %s, the parameters given hash to ", hex);
	replay_fails(changed, 2, want);
	replay_fails(fewer, 2, "parameters differ: the record ran 3 vectors, 2 "
		     "given");
	cmd_free(&o);
}

/* The record's result hash is not what the rerun gives: exit 1. */
QPU_TEST(replay_reports_differing_counts)
{
	static const char *const run[] = {
		"qpu-run", "--json", "--seed", "9", BELL_QASM, NULL,
	};
	static const char *const args[] = { BELL_QASM, NULL };
	char hex[65], *text, *p;
	struct cmd_out o;
	size_t len;

	write_circuits();
	original(run, 1, &o);
	text = read_all_ok(RECORD, &len);
	p = strstr(text, "\"result_hash\": \"");
	QT_ASSERT(p != NULL);
	p += strlen("\"result_hash\": \"");
	*p = *p == '0' ? '1' : '0';
	memcpy(hex, p, 64);
	hex[64] = '\0';
	write_file_ok(RECORD, text);
	replay_fails(args, 1, "replay: counts DIFFER from the original");
	replay_fails(args, 1, hex);
	/* and a record that is not a job's */
	write_file_ok(RECORD, "{\"type\": \"alloc\", \"dev_id\": 0}");
	replay_fails(args, 2, "a \"alloc\" record, not a \"job\" one");
	free(text);
	cmd_free(&o);
}

/* A changed calibration is refused and named; restored, it matches. */
QPU_TEST(replay_names_changed_calibration)
{
	static const char *const run[] = {
		"qpu-run", "--json", "--seed", "4", "--shots", "3000", MID_QASM,
		NULL,
	};
	static const char *const args[] = { MID_QASM, NULL };
	static const char *const restore[] = {
		"--restore-calibration=" CALIB_DIR, MID_QASM, NULL,
	};
	char hex[65], want[300], path[128], line0[64], *line, *prov, *calib, *ep;
	unsigned int q, r, g, t1, t2, r10;
	const char *attr = "/sys/class/qpu/qpu0/calibration";
	struct cmd_out o, again;
	size_t len;

	write_circuits();
	original(run, 1, &o);
	line = line_at(o.out, 0);
	prov = member_text(line, "provenance");
	prov_hash(prov, "calib_hash", hex);
	ep = member_text(prov, "calib_epoch");
	/* the snapshot qpu-auditd would keep: the content, named by hash */
	calib = read_all_ok(attr, &len);
	mkdir(CALIB_DIR, 0755);
	snprintf(path, sizeof(path), CALIB_DIR "/%s", hex);
	write_file_ok(path, calib);
	/* one qubit's readout error changes */
	QT_ASSERT_EQ(sscanf(calib, "q %u %u %u %u %u %u", &q, &r, &g, &t1, &t2,
			    &r10), 6);
	snprintf(line0, sizeof(line0), "q %u %u %u %u %u %u\n", q,
		 r == 12345 ? 12346 : 12345, g, t1, t2, r10);
	QT_ASSERT_EQ(write_sysfs(attr, line0), 0);
	snprintf(want, sizeof(want), "replay: calibration differs: the record "
		 "ran on epoch %s (calib_hash %s), the device is at epoch ", ep, hex);
	replay_fails(args, 2, want);
	/* restored from the snapshot: a new epoch with the recorded content */
	{
		const char *argv[] = { "qpu-run", "--replay", RECORD, "--json",
				       restore[0], restore[1], NULL };
		char *a, *b;

		run_capture(argv, &again);
		printf("%s", again.out);
		if (again.status)
			QT_FAIL("replay exited %d: %s", again.status, again.err);
		QT_ASSERT(strstr(again.out, "replay: restored calibration "));
		QT_ASSERT(strstr(again.out, "replay: counts match the original "
				 "bit for bit"));
		a = counts_at(o.out, 0);
		b = counts_at(again.out, 1);
		QT_ASSERT(!strcmp(a, b));
		free(a);
		free(b);
		cmd_free(&again);
	}
	/* the device holds the recorded content again */
	free(calib);
	calib = read_all_ok(path, &len);
	{
		char *now = read_all_ok(attr, &len);

		QT_ASSERT(!strcmp(now, calib));
		free(now);
	}
	free(calib);
	free(ep);
	free(prov);
	free(line);
	cmd_free(&o);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
