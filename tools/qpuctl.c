// SPDX-License-Identifier: GPL-2.0
/*
 * qpuctl - administer and inspect QPU devices.
 *
 *   qpuctl [-d DEV] info              device description
 *   qpuctl [-d DEV] topology          coupling map, one "a b" per line
 *   qpuctl [-d DEV] alloc K           allocate K qubits, print the map, free
 *   qpuctl device add ID SPEC         create /dev/qpuID (root)
 *   qpuctl device del ID              remove /dev/qpuID (root)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libqpu.h>

#define QPU_CLASS_DIR "/sys/class/qpu"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qpuctl [-d DEVICE] info|topology|alloc K\n"
		"       qpuctl device add ID SPEC | device del ID\n"
		"SPEC: line:N ring:N grid:RxC heavyhex:N full:N\n");
}

static int cmd_info(struct qpu_dev *dev)
{
	struct qpu_info i;
	int ret = qpu_get_info(dev, &i);

	if (ret)
		return ret;
	printf("device:            %s\n", qpu_path(dev));
	printf("api version:       %u\n", i.api_version);
	printf("topology:          %s (%s)\n", i.topology_name,
	       qpu_topology_kind_name(i.topology));
	printf("qubits:            %u (%u free)\n", i.num_qubits, i.free_qubits);
	printf("coupling edges:    %u\n", i.num_edges);
	printf("max per context:   %u\n", i.max_ctx_qubits);
	printf("calibration epoch: %llu\n", (unsigned long long)i.calibration_epoch);
	printf("features:          0x%llx\n", (unsigned long long)i.features);
	return 0;
}

static int cmd_topology(struct qpu_dev *dev)
{
	struct qpu_edge *e;
	uint32_t n, i;
	int ret = qpu_get_topology(dev, &e, &n);

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		printf("%u %u\n", e[i].a, e[i].b);
	free(e);
	return 0;
}

static int cmd_alloc(struct qpu_dev *dev, const char *arg)
{
	struct qpu_qubits *q;
	char *end;
	unsigned long k = strtoul(arg, &end, 10);
	uint32_t v;
	int ret;

	if (*end || !*arg || k > UINT32_MAX) {
		fprintf(stderr, "qpuctl: bad qubit count '%s'\n", arg);
		return -EINVAL;
	}
	ret = qpu_alloc_qubits(dev, k, &q);
	if (ret)
		return ret;
	printf("handle %u, %u qubits, %u couplings\n", q->handle, q->num_qubits,
	       q->num_edges);
	for (v = 0; v < q->num_qubits; v++)
		printf("  v%u -> q%u\n", v, q->phys[v]);
	for (v = 0; v < q->num_edges; v++)
		printf("  v%u - v%u\n", q->edges[v].a, q->edges[v].b);
	return qpu_free_qubits(dev, q);
}

static int write_sysfs(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f) {
		ret = -errno;
		fprintf(stderr, "qpuctl: %s: %s\n", path, strerror(errno));
		return ret;
	}
	if (fputs(text, f) < 0)
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		fprintf(stderr, "qpuctl: %s: %s\n", path, strerror(-ret));
	return ret;
}

static int cmd_device(int argc, char **argv)
{
	char buf[128];

	if (argc == 3 && !strcmp(argv[0], "add")) {
		snprintf(buf, sizeof(buf), "%s %s\n", argv[1], argv[2]);
		return write_sysfs(QPU_CLASS_DIR "/new_device", buf);
	}
	if (argc == 2 && !strcmp(argv[0], "del")) {
		snprintf(buf, sizeof(buf), "%s\n", argv[1]);
		return write_sysfs(QPU_CLASS_DIR "/del_device", buf);
	}
	usage(stderr);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	struct qpu_dev *dev;
	int ret;

	if (argc > 2 && !strcmp(argv[1], "-d")) {
		path = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "device"))
		return cmd_device(argc - 2, argv + 2) ? 1 : 0;

	ret = qpu_open(path, &dev);
	if (ret) {
		fprintf(stderr, "qpuctl: %s: %s\n", path ? path : "/dev/qpu0",
			qpu_strerror(ret));
		return 1;
	}
	if (!strcmp(argv[1], "info") && argc == 2) {
		ret = cmd_info(dev);
	} else if (!strcmp(argv[1], "topology") && argc == 2) {
		ret = cmd_topology(dev);
	} else if (!strcmp(argv[1], "alloc") && argc == 3) {
		ret = cmd_alloc(dev, argv[2]);
	} else {
		usage(stderr);
		qpu_close(dev);
		return 2;
	}
	if (ret && *qpu_errmsg(dev))
		fprintf(stderr, "qpuctl: %s\n", qpu_errmsg(dev));
	qpu_close(dev);
	return ret ? 1 : 0;
}
