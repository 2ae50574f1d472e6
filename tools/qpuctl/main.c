// SPDX-License-Identifier: GPL-2.0
/*
 * qpuctl - administer and inspect QPU devices and their tenants.
 *
 * Global options come before the command, as with ip(8):
 *
 *   qpuctl [-d DEVICE] [-j] COMMAND [ARGS...]
 *
 * The device commands (info, topology, alloc) use the device's ioctls
 * through libqpu; the tenant commands and status use the "qpu" generic
 * netlink family through tools/lib/qpu_nl.c (nl.c). See usage() for the
 * commands and Documentation/qpu/tenants.rst for the JSON shape.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libqpu.h>

#include "qpuctl.h"

#define QPU_CLASS_DIR "/sys/class/qpu"

static const char usage_text[] =
"usage: qpuctl [-d DEVICE] [-j] COMMAND [ARGS...]\n"
"\n"
"Options (before the command):\n"
"  -d DEVICE   the device: /dev/qpuN, qpuN or N (default /dev/qpu0;\n"
"              for tenant list and status: every device)\n"
"  -j          JSON output (tenant show, tenant list, status)\n"
"  -h          this text\n"
"\n"
"Device commands:\n"
"  info                      device description\n"
"  topology                  coupling map, one \"a b\" pair per line\n"
"  alloc K                   allocate K connected qubits, show the map, free\n"
"  device add ID SPEC        create /dev/qpuID (root); SPEC is line:N,\n"
"                            ring:N, grid:RxC, heavyhex:N or full:N\n"
"  device del ID             remove /dev/qpuID (root)\n"
"\n"
"Tenant commands (a tenant is a cgroup v2 group; limits are per device):\n"
"  tenant set CGROUP KEY=VALUE...   set limits (CAP_SYS_ADMIN)\n"
"  tenant show [CGROUP]             limits and usage (default: own cgroup)\n"
"  tenant list                      every tenant with state\n"
"  tenant del CGROUP                back to the defaults (CAP_SYS_ADMIN)\n"
"  status                           devices, queues, tenants on one screen\n"
"\n"
"  CGROUP is a cgroup directory (/sys/fs/cgroup/hospital) or a path below\n"
"  the cgroup2 root (/hospital, hospital).\n"
"\n"
"  KEY=VALUE (quote values with a blank: shots.max=\"1000000 3600\"):\n"
"    qubits.max=N|max          physical qubits held\n"
"    jobs.max=N|max            jobs queued or running\n"
"    shots.max=\"N PERIOD\"      shots per PERIOD; N may be max\n"
"    qpu_time.max=\"T PERIOD\"   modelled device time per PERIOD; T in ns,\n"
"                              or with a unit: 5s, 200ms, 10us, 300ns\n"
"    PERIOD                    seconds, or Ns, Nm, Nh, Nd; 0 is a lifetime\n"
"                              budget (at most 365d); \"max\" alone = \"max 0\"\n"
"    weight=1..10000           share among siblings (default 100)\n"
"    latency=interactive|batch (default batch)\n"
"    isolation=shared|guard|exclusive (default shared)\n"
"\n"
"Exit status: 0 success, 1 failure, 2 usage error (nothing was sent).\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
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
	uint32_t v;
	int ret;

	ret = qpu_alloc_qubits(dev, (uint32_t)strtoul(arg, NULL, 10), &q);
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
		return write_sysfs(QPU_CLASS_DIR "/new_device", buf) ?
		       QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[0], "del")) {
		snprintf(buf, sizeof(buf), "%s\n", argv[1]);
		return write_sysfs(QPU_CLASS_DIR "/del_device", buf) ?
		       QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
	}
	fprintf(stderr, "qpuctl: device add ID SPEC | device del ID\n");
	return QPUCTL_EXIT_USAGE;
}

/* The ioctl commands: info, topology, alloc K. */
static int cmd_ioctl(const struct qpuctl_opts *o, int argc, char **argv)
{
	char path[64], err[256];
	struct qpu_dev *dev;
	uint64_t k = 0;
	uint32_t id;
	int ret;

	if (!((!strcmp(argv[0], "info") && argc == 1) ||
	      (!strcmp(argv[0], "topology") && argc == 1) ||
	      (!strcmp(argv[0], "alloc") && argc == 2))) {
		fprintf(stderr, "qpuctl: unknown command or wrong arguments: "
			"'%s' (see qpuctl -h)\n", argv[0]);
		return QPUCTL_EXIT_USAGE;
	}
	if (argc == 2 && (qpuctl_parse_u64(argv[1], &k, err, sizeof(err)) ||
			  k > UINT32_MAX)) {
		fprintf(stderr, "qpuctl: bad qubit count '%s'\n", argv[1]);
		return QPUCTL_EXIT_USAGE;
	}
	/* A bare N or qpuN means /dev/qpuN; a path is used as it is. */
	if (o->device && !strchr(o->device, '/')) {
		if (qpuctl_parse_device(o->device, &id, err, sizeof(err))) {
			fprintf(stderr, "qpuctl: %s\n", err);
			return QPUCTL_EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/dev/qpu%u", id);
	} else {
		snprintf(path, sizeof(path), "%s",
			 o->device ? o->device : "/dev/qpu0");
	}
	ret = qpu_open(path, &dev);
	if (ret) {
		fprintf(stderr, "qpuctl: %s: %s\n", path, qpu_strerror(ret));
		return QPUCTL_EXIT_FAIL;
	}
	if (!strcmp(argv[0], "info"))
		ret = cmd_info(dev);
	else if (!strcmp(argv[0], "topology"))
		ret = cmd_topology(dev);
	else
		ret = cmd_alloc(dev, argv[1]);
	if (ret && *qpu_errmsg(dev))
		fprintf(stderr, "qpuctl: %s\n", qpu_errmsg(dev));
	qpu_close(dev);
	return ret ? QPUCTL_EXIT_FAIL : QPUCTL_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct qpuctl_opts o = { 0 };
	int c;

	/* '+': options end at the command, as in ip(8). */
	while ((c = getopt_long(argc, argv, "+d:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.device = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return QPUCTL_EXIT_OK;
		default:
			usage(stderr);
			return QPUCTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return QPUCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return QPUCTL_EXIT_OK;
	}
	if (!strcmp(argv[0], "device"))
		return cmd_device(argc - 1, argv + 1);
	if (!strcmp(argv[0], "tenant"))
		return qpuctl_tenant(&o, argc - 1, argv + 1);
	if (!strcmp(argv[0], "status"))
		return qpuctl_status(&o, argc - 1, argv + 1);
	return cmd_ioctl(&o, argc, argv);
}
