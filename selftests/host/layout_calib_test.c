// SPDX-License-Identifier: GPL-2.0
/*
 * layout_calib_test.c - libqpu's calibration-aware layout (layout.c):
 * with costs read from a calibration file (the sysfs text records, in the
 * 5- and the 6-value "q" form) the layout search keeps the valid layout
 * that puts the busiest pair on the best coupler and busy qubits on the
 * best qubits; without costs (no file) it keeps the identity as before;
 * the step budget still bounds it (a wide circuit still gets a layout).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/qpu.h>
#include <libqpu.h>

#include "qpu_test.h"
#include "internal.h"

/* An allocation: virtual 0-1-2-3 a line, on physical 10, 11, 12, 13. */
static uint32_t line_phys[] = { 10, 11, 12, 13 };
static struct qpu_edge line_edges[] = { { 0, 1 }, { 1, 2 }, { 2, 3 } };
static const struct qpu_qubits line4 = {
	.handle = 1, .num_qubits = 4, .phys = line_phys,
	.num_edges = 3, .edges = line_edges,
};

static struct qpu_circuit *parse(const char *src)
{
	struct qpu_circuit *c = NULL;
	char err[256];

	if (qpu_qasm_parse(src, NULL, &c, err, sizeof(err)))
		QT_FAIL("qasm: %s", err);
	return c;
}

/* Write @text to a fresh file; its path into @path. */
static void write_file(char *path, size_t len, const char *text)
{
	FILE *f;

	snprintf(path, len, "/tmp/layout_calib_test.%d", (int)getpid());
	f = fopen(path, "w");
	QT_ASSERT(f != NULL);
	QT_ASSERT_EQ(fputs(text, f) >= 0, 1);
	QT_ASSERT_EQ(fclose(f), 0);
}

/* Physical qubits 0..13: 10-11 a bad coupler, 12-13 a good one. */
static const char calib5[] =
	"q    0   18000     250     240     150\n"
	"q   10   18000     250     240     150\n"
	"q   11   18000     250     240     150\n"
	"q   12   18000     250     240     150\n"
	"q   13   18000     250     240     150\n"
	"e   10   11   90000\n"
	"e   11   12   40000\n"
	"e   12   13    3000\n";

static const char bell[] =
	"OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\n"
	"h q[0];\ncx q[0],q[1];\ncx q[0],q[1];\ncx q[1],q[0];\n";

QPU_TEST(busy_pair_on_best_coupler)
{
	struct qpu_circuit *c = parse(bell);
	struct qpu_layout_cost cost;
	char path[64];
	uint32_t map[4];

	/* no costs: the identity, on the bad coupler */
	QT_ASSERT_OK(qpu_circuit_layout(c, &line4, map));
	QT_ASSERT_EQ(map[0], 0);
	QT_ASSERT_EQ(map[1], 1);
	write_file(path, sizeof(path), calib5);
	QT_ASSERT_OK(qpu_layout_cost_read(path, &line4, &cost));
	QT_ASSERT_EQ(cost.ecost[2 * 4 + 3], 3000);
	QT_ASSERT_EQ(cost.ecost[0 * 4 + 1], 90000);
	QT_ASSERT_OK(qpu_circuit_layout_cost(c, &line4, &cost, map));
	/* virtual 2-3 is physical 12-13, the good coupler */
	QT_ASSERT((map[0] == 2 && map[1] == 3) || (map[0] == 3 && map[1] == 2));
	qpu_layout_cost_free(&cost);
	unlink(path);
	/* an unreadable file: no costs */
	QT_ASSERT_EQ(qpu_layout_cost_read(path, &line4, &cost), -ENOENT);
	qpu_circuit_free(c);
}

/* The 6-value form: qubit 13 reads badly (P(0|1) 40 %): the busy one avoids it. */
QPU_TEST(busy_qubit_on_best_qubit)
{
	static const char calib6[] =
		"q   10   18000     250     240     150   18000\n"
		"q   11   18000     250     240     150   18000\n"
		"q   12   18000     250     240     150   18000\n"
		"q   13   18000     250     240     150  400000\n"
		"e   10   11    3000\n"
		"e   11   12    3000\n"
		"e   12   13    3000\n";
	static const char busy[] =
		"OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\n"
		"x q[0];\nx q[0];\nx q[0];\n";
	struct qpu_circuit *c = parse(busy);
	struct qpu_layout_cost cost;
	char path[64];
	uint32_t map[4];

	write_file(path, sizeof(path), calib6);
	QT_ASSERT_OK(qpu_layout_cost_read(path, &line4, &cost));
	QT_ASSERT_GT(cost.qcost[3], cost.qcost[0]);
	QT_ASSERT_EQ(cost.qcost[0], cost.qcost[2]);
	QT_ASSERT_OK(qpu_circuit_layout_cost(c, &line4, &cost, map));
	QT_ASSERT_EQ(map[0], 0);	/* cheapest; ties: the first found */
	qpu_layout_cost_free(&cost);
	/* the same qubit in the 5-value form reads symmetric, no worse */
	write_file(path, sizeof(path),
		   "q   10  300000     250     240     150\n"
		   "q   11   18000     250     240     150\n"
		   "q   12   18000     250     240     150\n"
		   "q   13   18000     250     240     150\n");
	QT_ASSERT_OK(qpu_layout_cost_read(path, &line4, &cost));
	QT_ASSERT_OK(qpu_circuit_layout_cost(c, &line4, &cost, map));
	QT_ASSERT_NE(map[0], 0);
	qpu_layout_cost_free(&cost);
	unlink(path);
	qpu_circuit_free(c);
}

/* A circuit that fits nowhere is still -EXDEV with costs. */
QPU_TEST(costs_keep_exdev)
{
	static const char tri[] =
		"OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\n"
		"cx q[0],q[1];\ncx q[1],q[2];\ncx q[0],q[2];\n";
	struct qpu_circuit *c = parse(tri);
	struct qpu_layout_cost cost;
	char path[64];
	uint32_t map[4];

	write_file(path, sizeof(path), calib5);
	QT_ASSERT_OK(qpu_layout_cost_read(path, &line4, &cost));
	QT_ASSERT_EQ(qpu_circuit_layout_cost(c, &line4, &cost, map), -EXDEV);
	qpu_layout_cost_free(&cost);
	unlink(path);
	qpu_circuit_free(c);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
