// SPDX-License-Identifier: GPL-2.0
/*
 * policy_test.c - the monitoring hook (kmod/qpu_bpf.c): a policy attached
 * through a BPF link sees loads, submissions, runs and completions, reads
 * circuits through the kfuncs, and its verdicts reach the caller: deny is
 * -EPERM with the reason code, flag and allow accept.
 *
 * The policy is selftests/vm/bpf/policy_probe.bpf.c: it records what it
 * sees in .bss and returns the verdict the test writes there.
 */
#include <sys/stat.h>

#include "bpf/policy_probe.h"
#include "qpu_policy.h"
#include "vm_util.h"

extern const char policy_probe_bpf[], policy_probe_bpf_end[];

static struct probe_state *probe_attach(struct qpu_policy *p)
{
	struct probe_state *bss;
	size_t size;
	int err;

	QT_ASSERT_OK(qpu_policy_open(p, policy_probe_bpf,
				     policy_probe_bpf_end - policy_probe_bpf));
	err = qpu_policy_attach(p);
	if (err) {
		/* The verifier's log, one diagnostic line each. */
		char *msg = strdup(qpu_policy_error(p)), *line, *save;

		for (line = strtok_r(msg, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("# %s\n", line);
		QT_FAIL("attach failed: %d", err);
	}
	bss = qpu_policy_data(p, ".bss", &size);
	QT_ASSERT(bss != NULL);
	QT_ASSERT(size >= sizeof(*bss));
	return bss;
}

/* A 2-qubit circuit: h 0; cx 0,1; measure both. */
static int load_bell(int fd, uint32_t alloc, struct qpu_circuit_load *l)
{
	static struct qpu_gate g[4];

	memset(g, 0, sizeof(g));
	g[0].op = QPU_OP_H;
	g[1].op = QPU_OP_X;
	g[1].nctrl = 1;
	g[1].qubits[1] = 1;
	g[2].op = QPU_OP_MEASURE;
	g[3].op = QPU_OP_MEASURE;
	g[3].qubits[0] = 1;
	g[3].cbit = 1;
	memset(l, 0, sizeof(*l));
	l->alloc = alloc;
	l->num_qubits = 2;
	l->num_clbits = 2;
	l->num_gates = 4;
	l->gates_ptr = (uintptr_t)g;
	return qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, l);
}

QPU_TEST(attach_shows_in_sysfs_and_feature)
{
	struct qpu_policy p;
	struct qpu_info info;
	char name[64];
	int fd = open_dev();

	get_info_ok(fd, &info);
	QT_ASSERT(info.features & QPU_FEAT_POLICY);
	dev_attr_str(0, "policy", name, sizeof(name));
	QT_ASSERT(!strcmp(name, ""));
	probe_attach(&p);
	dev_attr_str(0, "policy", name, sizeof(name));
	QT_ASSERT(!strcmp(name, "probe"));
	qpu_policy_close(&p);
	dev_attr_str(0, "policy", name, sizeof(name));
	QT_ASSERT(!strcmp(name, ""));
	close_ok(fd);
}

QPU_TEST(deny_load_is_eperm_with_reason)
{
	struct qpu_circuit_load l;
	struct qpu_get_refusal g;
	struct qpu_policy p;
	struct probe_state *bss;
	uint32_t phys[2], h;
	int fd = open_dev();

	h = alloc_ok(fd, 2, phys);
	bss = probe_attach(&p);
	bss->verdict_kinds = 1U << QPU_ADMIT_LOAD;
	bss->verdict_action = QPU_BPF_DENY;
	bss->verdict_reason = 4242;
	QT_ASSERT_EQ(load_bell(fd, h, &l), -EPERM);
	QT_ASSERT_EQ(l.reason, 4242);
	QT_ASSERT_EQ(l.handle, 0);
	memset(&g, 0, sizeof(g));
	QT_ASSERT_OK(qpu_ioc(fd, QPU_IOC_GET_REFUSAL, &g));
	QT_ASSERT_EQ(g.refusal.limit, QPU_LIMIT_POLICY);
	QT_ASSERT_EQ(g.refusal.request, 4242);
	QT_ASSERT_EQ(g.refusal.error, EPERM);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_LOAD], 1);
	QT_ASSERT_EQ(bss->last_admit.num_gates, 4);
	QT_ASSERT_EQ(bss->last_admit.pid, (uint32_t)getpid());
	QT_ASSERT_EQ(bss->last_gate0.op, QPU_OP_H);
	QT_ASSERT_EQ(bss->last_gate0.nqubits, 1);
	QT_ASSERT_EQ(bss->last_gate0.phys[0], phys[0]);
	QT_ASSERT_EQ(bss->last_phys0, (int32_t)phys[0]);
	QT_ASSERT_EQ(bss->last_phys_bad, -ENOENT);
	QT_ASSERT_EQ(bss->last_gate_past, -ENOENT);
	QT_ASSERT(!memcmp(bss->last_admit.hash, l.hash, 32));

	/* flag and allow accept */
	bss->verdict_action = QPU_BPF_FLAG;
	QT_ASSERT_OK(load_bell(fd, h, &l));
	QT_ASSERT(l.handle > 0);
	bss->verdict_action = QPU_BPF_ALLOW;
	QT_ASSERT_OK(load_bell(fd, h, &l));
	qpu_policy_close(&p);
	/* detached: nothing denies */
	QT_ASSERT_OK(load_bell(fd, h, &l));
	close_ok(fd);
}

int main(int argc, char **argv)
{
	qpu_policy_quiet(1);
	return qt_main(argc, argv);
}
