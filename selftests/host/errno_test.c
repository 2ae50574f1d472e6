// SPDX-License-Identifier: GPL-2.0
/*
 * errno_test.c - host tests of libqpu's errno convention (libqpu.h,
 * "Errors"): a failing call returns -E and sets errno to E, for bad
 * arguments, for files that are not qpu devices and for OpenQASM errors;
 * a call that succeeds leaves errno as it was, also when it met and
 * recovered from a libc failure on the way (an include file looked up,
 * a number that underflows strtod()).
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include <linux/qpu.h>
#include <libqpu.h>

#include "qpu_test.h"

static struct qpu_circuit *circuit_ok(uint32_t n, uint32_t nc)
{
	struct qpu_circuit *c = qpu_circuit_new(n, nc);

	QT_ASSERT(c);
	return c;
}

QPU_TEST(circuit_new_sets_errno)
{
	errno = 0;
	QT_ASSERT(!qpu_circuit_new(0, 0));
	QT_ASSERT_EQ(errno, EINVAL);
	errno = 0;
	QT_ASSERT(!qpu_circuit_new(QPU_MAX_QUBITS + 1, 0));
	QT_ASSERT_EQ(errno, E2BIG);
	errno = 0;
	QT_ASSERT(!qpu_circuit_new(2, QPU_MAX_CLBITS + 1));
	QT_ASSERT_EQ(errno, E2BIG);
}

QPU_TEST(builder_bad_arguments_set_errno)
{
	struct qpu_circuit *c = circuit_ok(2, 1);
	uint32_t qs[2] = { 1, 1 };
	struct qpu_angle a = qpu_const(0.5);

	FAILS_WITH(qpu_circuit_h(c, 2), EINVAL);
	FAILS_WITH(qpu_circuit_h(NULL, 0), EINVAL);
	FAILS_WITH(qpu_circuit_cx(c, 0, 0), EINVAL);
	FAILS_WITH(qpu_circuit_gate(c, QPU_OP_X, 1, qs, 2, NULL, 0), EINVAL);
	FAILS_WITH(qpu_circuit_gate(c, QPU_OP_NR, 0, qs, 1, NULL, 0), EINVAL);
	FAILS_WITH(qpu_circuit_gate(c, QPU_OP_RX, 0, qs, 1, &a, 0), EINVAL);
	FAILS_WITH(qpu_circuit_rx(c, 0, qpu_const(1.0 / 0.0)), EINVAL);
	FAILS_WITH(qpu_circuit_measure(c, 0, 1), EINVAL);
	FAILS_WITH(qpu_circuit_set_cond(c, 0, 2, 0), EINVAL);
	FAILS_WITH(qpu_circuit_add_observable(c, 1u << 2), EINVAL);
	FAILS_WITH(qpu_circuit_add_creg(c, "c", 2), E2BIG);
	FAILS_WITH(qpu_circuit_add_creg(c, "", 1), EINVAL);
	FAILS_WITH(qpu_circuit_set_num_params(c, QPU_MAX_PARAMS + 1), E2BIG);
	FAILS_WITH(qpu_circuit_creg(c, 1, NULL, NULL, NULL), ENOENT);
	qpu_circuit_free(c);
}

QPU_TEST(layout_and_remap_set_errno)
{
	struct qpu_edge edges[2] = { { 0, 1 }, { 1, 2 } };
	uint32_t phys[3] = { 0, 1, 2 }, map[4];
	struct qpu_qubits q = {
		.num_qubits = 3, .phys = phys, .num_edges = 2, .edges = edges,
	};
	struct qpu_circuit *c = circuit_ok(4, 0);
	uint32_t bad[4] = { 0, 1, 2, 7 };

	FAILS_WITH(qpu_circuit_layout(c, &q, map), E2BIG);
	FAILS_WITH(qpu_circuit_remap(c, bad, 4), EINVAL);
	FAILS_WITH(qpu_circuit_remap(c, bad, 0), EINVAL);
	qpu_circuit_free(c);

	/* A triangle of CXs has no placement on a line. */
	c = circuit_ok(3, 0);
	QT_ASSERT_EQ(qpu_circuit_cx(c, 0, 1), 0);
	QT_ASSERT_EQ(qpu_circuit_cx(c, 1, 2), 0);
	QT_ASSERT_EQ(qpu_circuit_cx(c, 2, 0), 0);
	FAILS_WITH(qpu_circuit_layout(c, &q, map), EXDEV);
	qpu_circuit_free(c);
}

/* A temporary regular file: a path that exists and is no device. */
static void make_file(char *path, const char *text)
{
	int fd = mkstemp(path);

	QT_ASSERT(fd >= 0);
	QT_ASSERT_EQ(write(fd, text, strlen(text)), (long)strlen(text));
	QT_ASSERT_EQ(close(fd), 0);
}

QPU_TEST(open_non_qpu_files_sets_errno)
{
	char path[] = "/tmp/errno_test.XXXXXX";
	struct qpu_dev *dev = NULL;

	/* A character device with no qpu ioctls: ENOTTY becomes ENODEV. */
	FAILS_WITH(qpu_open("/dev/null", &dev), ENODEV);
	make_file(path, "not a device\n");
	FAILS_WITH(qpu_open(path, &dev), ENODEV);
	QT_ASSERT_EQ(chmod(path, 0), 0);
	if (geteuid())	/* root opens it regardless of the mode */
		FAILS_WITH(qpu_open(path, &dev), EACCES);
	unlink(path);
	FAILS_WITH(qpu_open(path, &dev), ENOENT);
	FAILS_WITH(qpu_open("/proc/self", &dev), EISDIR);
	QT_ASSERT(!dev);
}

QPU_TEST(parse_errors_set_errno)
{
	struct qpu_circuit *c = NULL;
	char err[256];

	FAILS_WITH(qpu_qasm_parse("OPENQASM 2.0;\nqreg q[1];\nh r[0];\n", NULL,
				  &c, err, sizeof(err)), EINVAL);
	QT_ASSERT(strstr(err, "<input>:3:"));
	FAILS_WITH(qpu_qasm_parse("OPENQASM 2.0;\nqreg q[1];\nh q[0]\n", NULL,
				  &c, err, sizeof(err)), EINVAL);
	FAILS_WITH(qpu_qasm_parse("OPENQASM 2.0;\ninclude \"nope.inc\";\n",
				  NULL, &c, err, sizeof(err)), ENOENT);
	FAILS_WITH(qpu_qasm_parse(NULL, NULL, &c, err, sizeof(err)), EINVAL);
	FAILS_WITH(qpu_qasm_parse_file("/nonexistent/x.qasm", &c, err,
				       sizeof(err)), ENOENT);
	QT_ASSERT(!c);
}

QPU_TEST(success_keeps_errno)
{
	static const char src[] =
		"OPENQASM 2.0;\n"
		"include \"qelib1.inc\";\n"
		"param theta[1];\n"
		"qreg q[3];\ncreg c[3];\n"
		"h q[0];\ncx q[0],q[1];\nccx q[0],q[1],q[2];\n"
		"rz(1e-400) q[0];\n"	/* strtod() underflow: ERANGE */
		"ry(theta[0]) q[2];\n"
		"measure q -> c;\n";
	struct qpu_edge edges[2] = { { 0, 1 }, { 1, 2 } };
	uint32_t phys[3] = { 0, 1, 2 }, map[3];
	struct qpu_qubits q = {
		.num_qubits = 3, .phys = phys, .num_edges = 2, .edges = edges,
	};
	char path[] = "/tmp/errno_test.XXXXXX";
	struct qpu_circuit *c, *f;
	const char *name;
	char err[256];

	KEEPS_ERRNO(qpu_qasm_parse(src, NULL, &c, err, sizeof(err)));
	make_file(path, src);
	KEEPS_ERRNO(qpu_qasm_parse_file(path, &f, err, sizeof(err)));
	unlink(path);
	KEEPS_ERRNO(qpu_circuit_layout(c, &q, map));
	KEEPS_ERRNO(qpu_circuit_remap(c, map, 3));
	KEEPS_ERRNO(qpu_circuit_h(c, 1));
	KEEPS_ERRNO(qpu_circuit_measure(c, 1, 1));
	KEEPS_ERRNO(qpu_circuit_set_cond(c, 0, 1, 1));
	KEEPS_ERRNO(qpu_circuit_x(c, 2));
	KEEPS_ERRNO(qpu_circuit_set_cond(c, 0, 0, 0));
	KEEPS_ERRNO(qpu_circuit_add_observable(c, 5));
	KEEPS_ERRNO(qpu_circuit_creg(c, 0, &name, NULL, NULL));
	KEEPS_ERRNO(qpu_circuit_num_gates(c));
	qpu_circuit_free(f);

	/* Calls that cannot fail never touch errno either. */
	errno = ERRNO_SENTINEL;
	qpu_circuit_free(c);
	qpu_close(NULL);
	qpu_strerror(-ENODEV);
	qpu_op_name(QPU_OP_X, 2);
	QT_ASSERT_EQ(errno, ERRNO_SENTINEL);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
