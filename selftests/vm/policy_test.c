// SPDX-License-Identifier: GPL-2.0
/*
 * policy_test.c - the monitoring hook (kmod/qpu_bpf.c): a policy attached
 * through a BPF link sees loads, submissions, runs and completions, reads
 * circuits through the kfuncs, and its verdicts reach the caller: deny is
 * -EPERM with the reason code on every path (load, SUBMIT, io_uring, RUN)
 * and charges nothing, flag and allow accept. Also: the qpu_admit and
 * qpu_circuit_load tracepoints, the attach rules (one policy per device,
 * names, dev_id, links only, CAP_SYS_ADMIN), and the policy's lifetime
 * (its loader killed, rmmod, attach/detach racing jobs, device removal).
 *
 * The policy is selftests/vm/bpf/policy_probe.bpf.c: it records what it
 * sees in .bss and returns the verdict the test writes there;
 * policy_legacy.bpf.c is a policy without a link, policy_done_only.bpf.c
 * one without an admit program.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <liburing.h>
#include <bpf/libbpf.h>

#include "bpf/policy_probe.h"
#include "qpu_policy.h"
#include "vm_util.h"
#include "tenant_rig.h"
#include "uring_util.h"

extern const char policy_probe_bpf[], policy_probe_bpf_end[];
extern const char policy_legacy_bpf[], policy_legacy_bpf_end[];
extern const char policy_done_only_bpf[], policy_done_only_bpf_end[];
extern const char policy_forge_bpf[], policy_forge_bpf_end[];

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
	QT_ASSERT_EQ(g.refusal.seq, 1);
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

/* ---- helpers ------------------------------------------------------------- */

static void probe_open(struct qpu_policy *p)
{
	QT_ASSERT_OK(qpu_policy_open(p, policy_probe_bpf,
				     policy_probe_bpf_end - policy_probe_bpf));
}

/*
 * Open the probe as policy @name, for device @dev only if @one_dev, and
 * attach it: 0 and its .bss in *@bss, or the attach's negative errno.
 */
static int probe_try(struct qpu_policy *p, const char *name, bool one_dev,
		     uint32_t dev, struct probe_state **bss)
{
	struct qpu_bpf_ops *ops;
	int err;

	probe_open(p);
	ops = qpu_policy_ops(p);
	QT_ASSERT(ops != NULL);
	/* as given, up to all 16 bytes (unterminated when 16 long) */
	memset(ops->name, 0, sizeof(ops->name));
	memcpy(ops->name, name, strnlen(name, sizeof(ops->name)));
	ops->flags = one_dev ? QPU_BPF_ONE_DEVICE : 0;
	ops->dev_id = dev;
	err = qpu_policy_attach(p);
	if (err) {
		qpu_policy_close(p);
		return err;
	}
	if (bss) {
		*bss = qpu_policy_data(p, ".bss", NULL);
		QT_ASSERT(*bss != NULL);
	}
	return 0;
}

static struct probe_state *probe_dev_ok(struct qpu_policy *p, const char *name,
					uint32_t dev)
{
	struct probe_state *bss;
	int err = probe_try(p, name, true, dev, &bss);

	if (err)
		QT_FAIL("attaching %s for qpu%u: %s", name, dev, strerror(-err));
	return bss;
}

/* Device @dev's sysfs "policy" reads @want within @ms (detach may lag). */
static bool policy_is(unsigned int dev, const char *want, int ms)
{
	char name[64];

	for (;;) {
		dev_attr_str(dev, "policy", name, sizeof(name));
		if (!strcmp(name, want))
			return true;
		if ((ms -= 10) < 0)
			return false;
		usleep(10000);
	}
}

static void deny(struct probe_state *bss, uint32_t kinds, uint32_t action,
		 uint32_t reason)
{
	bss->verdict_kinds = kinds;
	bss->verdict_action = action;
	bss->verdict_reason = reason;
}

/* A 1-qubit load on @fd's allocation @h: 0 or -errno. */
static int load_one(int fd, uint32_t h)
{
	struct qpu_gate g[2] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	struct circ_spec s = { .alloc = h, .num_qubits = 1, .num_clbits = 1,
			       .gates = g, .num_gates = 2 };
	struct qpu_circuit_load l;
	int ret = circ_load_raw(fd, &s, &l);

	if (!ret)
		circ_free_ok(fd, l.handle);
	return ret;
}

static int uring_run(int fd, const struct qpu_job_desc *job)
{
	return uring_run_once(fd, job, 0);
}

static void assert_policy_refusal(struct qpu_refusal rv, uint32_t reason,
				  uint32_t seq, const char *what)
{
	const struct qpu_refusal *r = &rv;

	if (r->limit != QPU_LIMIT_POLICY || r->request != reason ||
	    r->error != EPERM || r->seq != seq)
		QT_FAIL("%s: refusal {limit %u request %llu error %u seq %u}, "
			"want {%u %u %u %u}", what, r->limit,
			(unsigned long long)r->request, r->error, r->seq,
			QPU_LIMIT_POLICY, reason, EPERM, seq);
}

/* ---- verdicts on every path ---------------------------------------------- */

/* Without an admit program, every load, run and submission is allowed. */
QPU_TEST(done_only_policy_allows_everything)
{
	struct { uint64_t nr_done, last_job_id; } *bss;
	struct qpu_policy p;
	struct unit u;
	uint32_t id;
	int err;

	unit_up(&u, 1);
	QT_ASSERT_OK(qpu_policy_open(&p, policy_done_only_bpf,
				     policy_done_only_bpf_end -
				     policy_done_only_bpf));
	err = qpu_policy_attach(&p);
	if (err)
		QT_FAIL("attach: %d (%s)", err, qpu_policy_error(&p));
	bss = qpu_policy_data(&p, ".bss", NULL);
	QT_ASSERT(bss != NULL);
	QT_ASSERT(policy_is(0, "done_only", 0));
	QT_ASSERT_OK(load_one(u.fd, u.alloc));
	unit_run_ok(&u, 4, NULL);
	QT_ASSERT_EQ(bss->nr_done, 1);
	QT_ASSERT_EQ(bss->last_job_id, 0);
	id = unit_submit_ok(&u, 4);
	QT_ASSERT_EQ(wait_job_ok(u.fd, id).status, 0);
	QT_ASSERT_EQ(bss->nr_done, 2);
	QT_ASSERT_EQ(bss->last_job_id, id);
	QT_ASSERT_EQ(get_refusal_ok(u.fd).seq, 0);
	qpu_policy_close(&p);
	unit_down(&u);
}

/*
 * A child forked after the attach shares the link: the policy stays
 * attached after the loader closes its copy, until the child exits.
 */
QPU_TEST(forked_child_keeps_the_link)
{
	struct probe_state *bss;
	struct qpu_policy p;
	int fd = open_dev(), go[2];
	uint32_t h = alloc_ok(fd, 1, NULL);
	pid_t pid;

	bss = probe_attach(&p);
	deny(bss, 1U << QPU_ADMIT_LOAD, QPU_BPF_DENY, 21);
	pipe_ok(go);
	pid = fork_ok();
	if (!pid) {
		close(go[1]);
		wait_pipe_eof(go[0]);
		_exit(0);
	}
	close(go[0]);
	qpu_policy_close(&p);
	/* still attached, still denying, through the child's copy */
	QT_ASSERT(policy_is(0, "probe", 0));
	QT_ASSERT_EQ(load_one(fd, h), -EPERM);
	close(go[1]);
	wait_ok(pid);
	QT_ASSERT(policy_is(0, "", 5000));
	QT_ASSERT_OK(load_one(fd, h));
	free_ok(fd, h);
	close_ok(fd);
}

/* SUBMIT: deny is -EPERM with the reason; flag and allow queue the job. */
QPU_TEST(deny_submit_is_eperm_with_reason)
{
	struct probe_state *bss;
	struct qpu_policy p;
	struct qpu_submit s;
	struct qpu_wait w;
	struct unit u;
	uint32_t id;

	unit_up(&u, 1);
	bss = probe_attach(&p);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_LOAD], 0);
	deny(bss, 1U << QPU_ADMIT_SUBMIT, QPU_BPF_DENY, 0x7fffff);
	QT_ASSERT_EQ(unit_submit(&u, 8, &id, &s), -EPERM);
	assert_policy_refusal(s.refusal, 0x7fffff, 1, "SUBMIT");
	assert_policy_refusal(get_refusal_ok(u.fd), 0x7fffff, 1, "GET_REFUSAL");
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_SUBMIT], 1);
	QT_ASSERT_EQ(bss->last_admit.kind, QPU_ADMIT_SUBMIT);
	QT_ASSERT_EQ(bss->nr_denied, 1);
	/* the reason is taken as given, every time */
	bss->verdict_reason = 1;
	QT_ASSERT_EQ(unit_submit(&u, 8, &id, &s), -EPERM);
	assert_policy_refusal(s.refusal, 1, 2, "second SUBMIT");

	/* actions above deny fail closed, with their reason */
	bss->verdict_action = 3;
	bss->verdict_reason = 0x123456;
	QT_ASSERT_EQ(unit_submit(&u, 8, &id, &s), -EPERM);
	assert_policy_refusal(s.refusal, 0x123456, 3, "action 3");
	bss->verdict_action = 0xff;
	QT_ASSERT_EQ(unit_submit(&u, 8, &id, &s), -EPERM);
	assert_policy_refusal(s.refusal, 0x123456, 4, "action 0xff");
	QT_ASSERT_EQ(bss->nr_done, 0);

	bss->verdict_action = QPU_BPF_FLAG;
	id = unit_submit_ok(&u, 8);
	w = wait_job_ok(u.fd, id);
	QT_ASSERT_EQ(w.status, 0);
	bss->verdict_action = QPU_BPF_ALLOW;
	id = unit_submit_ok(&u, 8);
	w = wait_job_ok(u.fd, id);
	QT_ASSERT_EQ(w.status, 0);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_SUBMIT], 6);
	QT_ASSERT_EQ(bss->nr_done, 2);
	QT_ASSERT_EQ(bss->nr_done_origin[QPU_BPF_ORIGIN_IOCTL], 2);
	QT_ASSERT_EQ(bss->last_job.job_id, id);
	QT_ASSERT_EQ(bss->last_job.status, 0);
	QT_ASSERT_EQ(bss->last_job.shots, 8);
	QT_ASSERT_EQ(bss->last_job.pid, (uint32_t)getpid());
	QT_ASSERT_GE(bss->last_job.end_ns, bss->last_job.start_ns);
	QT_ASSERT_GT(bss->last_job.start_ns, 0);
	/* the refusals counted: four, the latest still the latest */
	QT_ASSERT_EQ(get_refusal_ok(u.fd).seq, 4);
	qpu_policy_close(&p);
	unit_down(&u);
}

/* io_uring: the CQE says -EPERM, GET_REFUSAL the detail. */
QPU_TEST(deny_uring_is_eperm_with_detail)
{
	struct probe_state *bss;
	struct qpu_job_desc j;
	struct qpu_policy p;
	struct unit u;

	unit_up(&u, 1);
	j = unit_job(&u, 4);
	bss = probe_attach(&p);
	deny(bss, 1U << QPU_ADMIT_SUBMIT, QPU_BPF_DENY, 777);
	QT_ASSERT_EQ(uring_run(u.fd, &j), -EPERM);
	assert_policy_refusal(get_refusal_ok(u.fd), 777, 1, "uring");
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_SUBMIT], 1);
	QT_ASSERT_EQ(bss->last_admit.shots, 4);
	QT_ASSERT_EQ(bss->nr_done, 0);
	bss->verdict_action = QPU_BPF_FLAG;
	QT_ASSERT_EQ(uring_run(u.fd, &j), 0);
	bss->verdict_action = QPU_BPF_ALLOW;
	QT_ASSERT_EQ(uring_run(u.fd, &j), 0);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_SUBMIT], 3);
	QT_ASSERT_EQ(bss->nr_done, 2);
	QT_ASSERT_EQ(bss->nr_done_origin[QPU_BPF_ORIGIN_URING], 2);
	QT_ASSERT_EQ(bss->last_job.origin, QPU_BPF_ORIGIN_URING);
	QT_ASSERT_GT(bss->last_job.job_id, 0);
	QT_ASSERT_EQ(get_refusal_ok(u.fd).seq, 1);
	/* issued from an io-wq worker: still the submitter's identity */
	memset(&bss->last_admit, 0, sizeof(bss->last_admit));
	bss->verdict_action = QPU_BPF_DENY;
	QT_ASSERT_EQ(uring_run_once(u.fd, &j, IOSQE_ASYNC), -EPERM);
	QT_ASSERT_EQ(bss->last_admit.kind, QPU_ADMIT_SUBMIT);
	QT_ASSERT_EQ(bss->last_admit.pid, (uint32_t)getpid());
	QT_ASSERT_EQ(bss->last_admit.uid, 0);
	QT_ASSERT_EQ(bss->last_admit.cgroup_id, cg_self_id());
	assert_policy_refusal(get_refusal_ok(u.fd), 777, 2, "uring async");
	qpu_policy_close(&p);
	unit_down(&u);
}

/* RUN is asked as QPU_ADMIT_RUN; its completion has origin RUN, id 0. */
QPU_TEST(deny_run_is_eperm_and_run_done_is_seen)
{
	struct probe_state *bss;
	struct qpu_policy p;
	struct qpu_run r;
	struct unit u;

	unit_up(&u, 1);
	bss = probe_attach(&p);
	/* denying submissions only leaves runs alone */
	deny(bss, 1U << QPU_ADMIT_SUBMIT, QPU_BPF_DENY, 5);
	unit_run_ok(&u, 16, NULL);
	QT_ASSERT_EQ(bss->last_admit.kind, QPU_ADMIT_RUN);
	deny(bss, 1U << QPU_ADMIT_RUN, QPU_BPF_DENY, 6);
	QT_ASSERT_EQ(unit_run(&u, 16, &r), -EPERM);
	assert_policy_refusal(r.refusal, 6, 1, "RUN");
	assert_policy_refusal(get_refusal_ok(u.fd), 6, 1, "GET_REFUSAL");
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_RUN], 2);
	QT_ASSERT_EQ(bss->nr_done, 1);
	QT_ASSERT_EQ(bss->nr_done_origin[QPU_BPF_ORIGIN_RUN], 1);
	QT_ASSERT_EQ(bss->last_job.origin, QPU_BPF_ORIGIN_RUN);
	QT_ASSERT_EQ(bss->last_job.job_id, 0);
	QT_ASSERT_EQ(bss->last_job.status, 0);
	QT_ASSERT_EQ(bss->last_job.shots, 16);
	bss->verdict_action = QPU_BPF_FLAG;
	unit_run_ok(&u, 16, NULL);
	QT_ASSERT_EQ(bss->nr_done, 2);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_SUBMIT], 0);
	qpu_policy_close(&p);
	unit_down(&u);
}

/*
 * A denied submission is charged nothing: with jobs.max 1 and a shots
 * budget, denied jobs leave the usage at 0 and the next allowed job is
 * admitted and charged its shots.
 */
TENANT_TEST(denied_submission_is_charged_nothing)
{
	struct qpu_nl_tenant ti;
	struct probe_state *bss;
	struct qpu_policy p;
	struct qpu_submit s;
	struct qpu_run r;
	struct qpu_wait w;
	struct unit u;
	char cg[128];
	uint64_t id = tfx_mkcg(f, "t");
	uint32_t job;
	int i;

	tfx_set(f, id, tcfg_jobs(1));
	tfx_set(f, id, tcfg_shots(1000, 3600));
	bss = probe_attach(&p);
	cg_enter_ok(tfx_cg(f, cg, sizeof(cg), "t"));
	unit_up(&u, 1);
	deny(bss, (1U << QPU_ADMIT_SUBMIT) | (1U << QPU_ADMIT_RUN),
	     QPU_BPF_DENY, 9);
	for (i = 0; i < 3; i++) {
		QT_ASSERT_EQ(unit_submit(&u, 100, &job, &s), -EPERM);
		QT_ASSERT_EQ(s.refusal.limit, QPU_LIMIT_POLICY);
		QT_ASSERT_EQ(unit_run(&u, 100, &r), -EPERM);
		QT_ASSERT_EQ(r.refusal.limit, QPU_LIMIT_POLICY);
	}
	QT_ASSERT_EQ(bss->last_admit.cgroup_id, id);
	ti = tfx_get(f, id);
	QT_ASSERT_EQ(ti.jobs_current, 0);
	QT_ASSERT_EQ(ti.shots.used, 0);
	deny(bss, 0, QPU_BPF_ALLOW, 0);
	job = unit_submit_ok(&u, 100);
	w = wait_job_ok(u.fd, job);
	QT_ASSERT_EQ(w.status, 0);
	ti = tfx_get(f, id);
	QT_ASSERT_EQ(ti.shots.used, 100);
	QT_ASSERT_EQ(ti.jobs_current, 0);
	QT_ASSERT_EQ(bss->last_job.cgroup_id, id);
	unit_down(&u);
	qpu_policy_close(&p);
}

/* random_deny N (qpu-fuzz's setting) denies about one admission in N. */
QPU_TEST(random_deny_denies_some)
{
	struct probe_state *bss;
	struct qpu_policy p;
	struct qpu_submit s;
	struct unit u;
	int i, ret, dl = 0, dr = 0, ds = 0;

	unit_up(&u, 1);
	bss = probe_attach(&p);
	bss->random_deny = 3;
	for (i = 0; i < 150; i++) {
		ret = load_one(u.fd, u.alloc);
		QT_ASSERT(ret == 0 || ret == -EPERM);
		dl += ret == -EPERM;
		ret = unit_run(&u, 4, NULL);
		QT_ASSERT(ret == 0 || ret == -EPERM);
		dr += ret == -EPERM;
		ret = unit_submit(&u, 4, NULL, &s);
		QT_ASSERT(ret == 0 || ret == -EPERM);
		ds += ret == -EPERM;
		if (!ret)
			wait_job_ok(u.fd, s.job_id);
	}
	printf("# random_deny 3: %d loads, %d runs, %d submits of 150 denied\n",
	       dl, dr, ds);
	QT_ASSERT_EQ((uint64_t)(dl + dr + ds), bss->nr_denied);
	QT_ASSERT_GT(dl + dr + ds, 90);
	QT_ASSERT_LT(dl + dr + ds, 210);
	qpu_policy_close(&p);
	unit_down(&u);
}

/* ---- what the policy sees ------------------------------------------------ */

static void unpause(void *arg)
{
	(void)arg;
	write_dev_attr(QPU0_ID, "paused", "0");
}

/*
 * RY(p0) q0; CX q0,q1; RZ(p1) q2 if c0 == 1; measure q0, q1 (5 gates on a
 * 3-qubit allocation): the admission's fields, each gate through the
 * kfunc, the allocation map, param_hash, and one admit per load, submit
 * and run and one job_done per completion, a cancelled job's included.
 */
static void fields_body(void *arg)
{
	struct qpu_gate g[5] = {
		gate_rot(QPU_OP_RY, 0, 0, 1.0, 0.0),
		gate_2q(QPU_OP_X, 1, 0, 1),
		gate_cond(gate_rot(QPU_OP_RZ, 2, 1, 1.0, 0.0), 0, 1, 1),
		gate_measure(0, 0),
		gate_measure(1, 1),
	};
	struct circ_spec cs = { .num_qubits = 3, .num_clbits = 2,
				.num_params = 2, .gates = g, .num_gates = 5 };
	struct probe_state *bss;
	struct qpu_policy p;
	struct qpu_submit s;
	struct qpu_job_desc j;
	struct qpu_wait w;
	struct mbuf par, res;
	uint64_t h1, h2;
	uint8_t hash[32];
	uint32_t phys[3], alloc, circ, id;
	double *v;
	int fd = open_dev(), i;

	(void)arg;
	alloc = alloc_ok(fd, 3, phys);
	mbuf_new_ok(fd, 4096, &par);
	mbuf_new_ok(fd, 1 << 16, &res);
	v = par.ptr;
	v[0] = 0.5; v[1] = 0.25;	/* vector 0 */
	v[2] = 0.5; v[3] = 0.25;	/* vector 1: equal to 0 */
	v[4] = 0.5; v[5] = 0.75;	/* vector 2: differs in p1 */
	bss = probe_attach(&p);
	cs.alloc = alloc;
	circ = circ_load_ok(fd, &cs, hash);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_LOAD], 1);
	QT_ASSERT_EQ(bss->last_admit.kind, QPU_ADMIT_LOAD);
	QT_ASSERT_EQ(bss->last_admit.dev_id, 0);
	QT_ASSERT_EQ(bss->last_admit.cgroup_id, cg_self_id());
	QT_ASSERT_EQ(bss->last_admit.pid, (uint32_t)getpid());
	QT_ASSERT_EQ(bss->last_admit.uid, 0);
	QT_ASSERT_EQ(bss->last_admit.num_qubits, 3);
	QT_ASSERT_EQ(bss->last_admit.num_clbits, 2);
	QT_ASSERT_EQ(bss->last_admit.num_params, 2);
	QT_ASSERT_EQ(bss->last_admit.num_gates, 5);
	QT_ASSERT_EQ(bss->last_admit.alloc_qubits, 3);
	QT_ASSERT_EQ(bss->last_admit.shots, 0);
	QT_ASSERT_EQ(bss->last_admit.sweeps, 0);
	QT_ASSERT_EQ(bss->last_admit.circuit, 0);
	QT_ASSERT_EQ(bss->last_admit.param_hash, 0);
	QT_ASSERT(!memcmp(bss->last_admit.hash, hash, 32));
	/* the gates, as the kfunc reads them */
	QT_ASSERT_EQ(bss->gates[0].op, QPU_OP_RY);
	QT_ASSERT_EQ(bss->gates[0].nctrl, 0);
	QT_ASSERT_EQ(bss->gates[0].nqubits, 1);
	QT_ASSERT_EQ(bss->gates[0].flags, QPU_BPF_GATE_PARAM);
	QT_ASSERT_EQ(bss->gates[0].phys[0], phys[0]);
	QT_ASSERT_EQ(bss->gates[1].op, QPU_OP_X);
	QT_ASSERT_EQ(bss->gates[1].nctrl, 1);
	QT_ASSERT_EQ(bss->gates[1].nqubits, 2);
	QT_ASSERT_EQ(bss->gates[1].flags, 0);
	QT_ASSERT_EQ(bss->gates[1].qubits[0], 0);
	QT_ASSERT_EQ(bss->gates[1].qubits[1], 1);
	QT_ASSERT_EQ(bss->gates[1].phys[0], phys[0]);
	QT_ASSERT_EQ(bss->gates[1].phys[1], phys[1]);
	QT_ASSERT_EQ(bss->gates[2].op, QPU_OP_RZ);
	QT_ASSERT_EQ(bss->gates[2].flags, QPU_BPF_GATE_PARAM | QPU_BPF_GATE_COND);
	QT_ASSERT_EQ(bss->gates[2].qubits[0], 2);
	QT_ASSERT_EQ(bss->gates[2].phys[0], phys[2]);
	QT_ASSERT_EQ(bss->gates[4].op, QPU_OP_MEASURE);
	QT_ASSERT_EQ(bss->gates[4].qubits[0], 1);
	QT_ASSERT_EQ(bss->gates[4].phys[0], phys[1]);
	/* past the last gate: -ENOENT and a zeroed gate */
	QT_ASSERT_EQ(bss->last_gate_past, -ENOENT);
	QT_ASSERT_EQ(bss->gates[5].op, 0);
	QT_ASSERT_EQ(bss->gates[5].nqubits, 0);
	/* the allocation map, and -ENOENT past it */
	for (i = 0; i < 3; i++)
		QT_ASSERT_EQ(bss->phys[i], (int32_t)phys[i]);
	QT_ASSERT_EQ(bss->phys[3], -ENOENT);
	QT_ASSERT_EQ(bss->last_phys_bad, -ENOENT);
	QT_ASSERT_EQ(bss->near_bad, -ENOENT);
	for (i = 0; i < 3; i++)
		QT_ASSERT_EQ(bss->near[i], 0);	/* nobody else holds qubits */

	/* submissions: shots, sweeps, handle, param_hash */
	j = job_seeded(circ, 32, res.handle, 1);
	j.param_buf = par.handle;
	j.param_offset = 0;
	j.param_stride = 2 * sizeof(double);
	j.num_sweeps = 1;
	memset(&s, 0, sizeof(s));
	s.job = j;
	QT_ASSERT_OK(qpu_ioc(fd, QPU_IOC_SUBMIT, &s));
	wait_job_ok(fd, s.job_id);
	QT_ASSERT_EQ(bss->last_admit.kind, QPU_ADMIT_SUBMIT);
	QT_ASSERT_EQ(bss->last_admit.shots, 32);
	QT_ASSERT_EQ(bss->last_admit.sweeps, 1);
	QT_ASSERT_EQ(bss->last_admit.circuit, circ);
	QT_ASSERT_EQ(bss->last_admit.alloc_qubits, 3);
	QT_ASSERT(!memcmp(bss->last_admit.hash, hash, 32));
	QT_ASSERT(!memcmp(bss->last_job.hash, hash, 32));
	h1 = bss->last_admit.param_hash;
	QT_ASSERT_NE(h1, 0);
	/* equal values elsewhere in the buffer: the same hash (a RUN now) */
	j.param_offset = 2 * sizeof(double);
	run_ok(fd, &j, NULL);
	QT_ASSERT_EQ(bss->last_admit.kind, QPU_ADMIT_RUN);
	QT_ASSERT_EQ(bss->last_admit.param_hash, h1);
	/* different values: a different hash */
	j.param_offset = 4 * sizeof(double);
	run_ok(fd, &j, NULL);
	h2 = bss->last_admit.param_hash;
	QT_ASSERT_NE(h2, h1);
	/* two sweeps: both vectors are hashed, so not vector 0's hash */
	j.param_offset = 0;
	j.num_sweeps = 2;
	j.result_stride = 4096;
	run_ok(fd, &j, NULL);
	QT_ASSERT_EQ(bss->last_admit.sweeps, 2);
	QT_ASSERT_EQ(bss->last_job.sweeps, 2);
	QT_ASSERT_NE(bss->last_admit.param_hash, h1);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_SUBMIT], 1);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_RUN], 3);
	QT_ASSERT_EQ(bss->nr_done, 4);
	QT_ASSERT_EQ(bss->nr_done_origin[QPU_BPF_ORIGIN_IOCTL], 1);
	QT_ASSERT_EQ(bss->nr_done_origin[QPU_BPF_ORIGIN_RUN], 3);

	/* a job cancelled while queued completes too, with -ECANCELED */
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "paused", "1"), 0);
	j.num_sweeps = 1;
	memset(&s, 0, sizeof(s));
	s.job = j;
	QT_ASSERT_OK(qpu_ioc(fd, QPU_IOC_SUBMIT, &s));
	id = s.job_id;
	QT_ASSERT_EQ(bss->nr_done, 4);
	QT_ASSERT_EQ(cancel_job(fd, id), 0);
	w = wait_job_ok(fd, id);
	QT_ASSERT_EQ(w.status, -ECANCELED);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "paused", "0"), 0);
	QT_ASSERT_EQ(bss->nr_done, 5);
	QT_ASSERT_EQ(bss->nr_cancelled, 1);
	QT_ASSERT_EQ(bss->last_job.status, -ECANCELED);
	QT_ASSERT_EQ(bss->last_job.job_id, id);
	QT_ASSERT_EQ(bss->last_job.start_ns, 0);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_SUBMIT], 2);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_LOAD], 1);
	qpu_policy_close(&p);
	mbuf_free_ok(fd, &res);
	mbuf_free_ok(fd, &par);
	circ_free_ok(fd, circ);
	free_ok(fd, alloc);
	close_ok(fd);
}

QPU_TEST(admission_fields_kfuncs_and_counts)
{
	run_with_cleanup(fields_body, unpause, NULL);
}

static void unpause_del_dev1(void *arg)
{
	char path[64];

	(void)arg;
	write_dev_attr(QPU0_ID, "paused", "0");
	if (path_exists(dev_path(path, sizeof(path), 1)))
		del_device(1);
}

/*
 * Jobs that never run complete too, each once: queued ones cancelled by
 * closing their file (-ECANCELED), and queued ones of a device that is
 * removed (-ENODEV).
 */
static void never_run_body(void *arg)
{
	struct probe_state *bss;
	struct qpu_policy p;
	struct unit u;
	int i;

	(void)arg;
	new_device_ok(1, "full:4");
	bss = probe_attach(&p);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "paused", "1"), 0);
	unit_up(&u, 1);
	for (i = 0; i < 3; i++)
		unit_submit_ok(&u, 4);
	QT_ASSERT_EQ(bss->nr_done, 0);
	/* releasing the file cancels them (its mapping holds it too) */
	QT_ASSERT_OK(munmap(u.res.ptr, u.res.size));
	close_ok(u.fd);
	QT_ASSERT_EQ(bss->nr_done, 3);
	QT_ASSERT_EQ(bss->nr_cancelled, 3);
	QT_ASSERT_EQ(bss->last_job.status, -ECANCELED);
	QT_ASSERT_EQ(bss->last_job.start_ns, 0);
	QT_ASSERT_EQ(write_dev_attr(QPU0_ID, "paused", "0"), 0);

	unit_up_dev(&u, 1, 1);
	QT_ASSERT_EQ(write_dev_attr(1, "paused", "1"), 0);
	for (i = 0; i < 2; i++)
		unit_submit_ok(&u, 4);
	QT_ASSERT_EQ(bss->nr_done, 3);
	del_device_ok(1);
	QT_ASSERT_EQ(bss->nr_done, 5);
	QT_ASSERT_EQ(bss->last_job.status, -ENODEV);
	QT_ASSERT_EQ(bss->last_job.dev_id, 1);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_SUBMIT], 5);
	close(u.fd);
	qpu_policy_close(&p);
}

QPU_TEST(jobs_that_never_run_complete_once)
{
	run_with_cleanup(never_run_body, unpause_del_dev1, NULL);
}

/*
 * A job may run its circuit on another allocation of the file
 * (qpu_job_desc.alloc): the admission then describes that one, and the
 * kfuncs map the operands onto its qubits.
 */
QPU_TEST(admission_maps_onto_the_jobs_allocation)
{
	struct qpu_gate g[3] = {
		gate_1q(QPU_OP_H, 1),
		gate_2q(QPU_OP_X, 1, 1, 0),
		gate_measure(0, 0),
	};
	struct circ_spec cs = { .num_qubits = 2, .num_clbits = 1, .gates = g,
				.num_gates = 3 };
	uint32_t pa[2], pb[3], a, b, circ;
	struct probe_state *bss;
	struct qpu_job_desc j;
	struct qpu_policy p;
	struct mbuf res;
	int fd = open_dev(), i;

	a = alloc_ok(fd, 2, pa);
	b = alloc_ok(fd, 3, pb);
	mbuf_new_ok(fd, 4096, &res);
	cs.alloc = a;
	circ = circ_load_ok(fd, &cs, NULL);
	bss = probe_attach(&p);
	j = job_seeded(circ, 8, res.handle, 3);
	run_ok(fd, &j, NULL);
	QT_ASSERT_EQ(bss->last_admit.alloc_qubits, 2);
	QT_ASSERT_EQ(bss->gates[1].phys[0], pa[1]);
	QT_ASSERT_EQ(bss->gates[1].phys[1], pa[0]);
	j.alloc = b;
	run_ok(fd, &j, NULL);
	QT_ASSERT_EQ(bss->last_admit.alloc_qubits, 3);
	QT_ASSERT_EQ(bss->last_admit.num_qubits, 2);
	for (i = 0; i < 3; i++)
		QT_ASSERT_EQ(bss->phys[i], (int32_t)pb[i]);
	QT_ASSERT_EQ(bss->phys[3], -ENOENT);
	QT_ASSERT_EQ(bss->gates[0].phys[0], pb[1]);
	QT_ASSERT_EQ(bss->gates[1].qubits[0], 1);
	QT_ASSERT_EQ(bss->gates[1].phys[0], pb[1]);
	QT_ASSERT_EQ(bss->gates[1].phys[1], pb[0]);
	QT_ASSERT_EQ(bss->gates[2].phys[0], pb[0]);
	qpu_policy_close(&p);
	mbuf_free_ok(fd, &res);
	circ_free_ok(fd, circ);
	free_ok(fd, b);
	free_ok(fd, a);
	close_ok(fd);
}

/*
 * The admission's pid is in the initial pid namespace: a process that is
 * pid 1 of its own namespace is seen by the pid its parent knows.
 */
QPU_TEST(admission_pid_is_the_initial_namespace_one)
{
	struct probe_state *bss;
	struct qpu_policy p;
	pid_t pid;

	bss = probe_attach(&p);
	if (unshare(CLONE_NEWPID))
		qt_skip("unshare(CLONE_NEWPID): %s", strerror(errno));
	pid = fork_ok();
	if (!pid) {
		int fd = open_dev();
		uint32_t h = alloc_ok(fd, 1, NULL);

		QT_ASSERT_EQ(getpid(), 1);
		QT_ASSERT_OK(load_one(fd, h));
		close(fd);
		_exit(0);
	}
	wait_ok(pid);
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_LOAD], 1);
	QT_ASSERT_EQ(bss->last_admit.pid, (uint32_t)pid);
	qpu_policy_close(&p);
}

/* Map uid and gid 0 of a new user namespace onto @uid (our own). */
static void userns_as_root(uid_t uid)
{
	char map[32];

	/* dropping uid made us undumpable: /proc/self would be root's */
	QT_ASSERT_OK(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	QT_ASSERT_OK(unshare(CLONE_NEWUSER));
	QT_ASSERT_EQ(write_sysfs("/proc/self/setgroups", "deny"), 0);
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)uid);
	QT_ASSERT_EQ(write_sysfs("/proc/self/uid_map", map), 0);
	QT_ASSERT_EQ(write_sysfs("/proc/self/gid_map", map), 0);
	QT_ASSERT_EQ(getuid(), 0);
}

static void userns_child(void *arg)
{
	int fd;
	uint32_t h;

	(void)arg;
	userns_as_root(CG_NOBODY);
	fd = open_dev();
	h = alloc_ok(fd, 1, NULL);
	QT_ASSERT_OK(load_one(fd, h));
	close(fd);
}

/*
 * The admission's uid is in the initial user namespace: root of a user
 * namespace made by nobody is seen as nobody.
 */
QPU_TEST(admission_uid_is_the_initial_namespace_one)
{
	struct probe_state *bss;
	struct qpu_policy p;

	bss = probe_attach(&p);
	cg_run(NULL, CG_NOBODY, userns_child, NULL, "root of a user namespace");
	QT_ASSERT_EQ(bss->nr_admit[QPU_ADMIT_LOAD], 1);
	QT_ASSERT_EQ(bss->last_admit.uid, CG_NOBODY);
	qpu_policy_close(&p);
}

/* ---- near_other_tenant --------------------------------------------------- */

struct hog {
	int ready[2];	/* child -> parent: its qubits */
	int release[2];	/* parent -> child: EOF frees them */
};

/* Take every free qubit of qpu0, one at a time; report them; hold them. */
static void hog_body(void *arg)
{
	struct hog *h = arg;
	uint32_t phys[QPU0_NUM_QUBITS], n = 0, q;
	int fds[QPU0_NUM_QUBITS], nfd = 0, fd, ret;
	struct qpu_alloc a;

	close(h->ready[0]);
	close(h->release[1]);
	fd = fds[nfd++] = open_dev();
	while (n < QPU0_NUM_QUBITS) {
		ret = alloc_raw(fd, 1, &q, NULL, 0, &a);
		if (ret == -EDQUOT && nfd < QPU0_NUM_QUBITS) {
			fd = fds[nfd++] = open_dev();
			continue;
		}
		if (ret)
			break;
		phys[n++] = q;
	}
	write_full_ok(h->ready[1], &n, sizeof(n));
	write_full_ok(h->ready[1], phys, n * sizeof(phys[0]));
	close(h->ready[1]);
	wait_pipe_eof(h->release[0]);
	while (nfd)
		close(fds[--nfd]);
}

TENANT_TEST(near_other_tenant_sees_a_neighbour)
{
	uint32_t phys[2], other[QPU0_NUM_QUBITS], n, alloc, i, k;
	struct probe_state *bss;
	struct qpu_policy p;
	struct qgraph gr;
	struct hog h;
	char cg[128];
	bool want, any = false;
	pid_t pid;
	int fd = open_dev();

	tfx_mkcg(f, "other");
	qgraph_from_dev(&gr, fd);
	alloc = alloc_ok(fd, 2, phys);
	bss = probe_attach(&p);
	QT_ASSERT_OK(load_one(fd, alloc));
	QT_ASSERT_EQ(bss->near[0], 0);
	QT_ASSERT_EQ(bss->near[1], 0);

	pipe_ok(h.ready);
	pipe_ok(h.release);
	pid = cg_spawn(tfx_cg(f, cg, sizeof(cg), "other"), 0, hog_body, &h);
	close(h.ready[1]);
	close(h.release[0]);
	QT_ASSERT(read_full_ok(h.ready[0], &n, sizeof(n)));
	QT_ASSERT_EQ(n, QPU0_NUM_QUBITS - 2);
	QT_ASSERT(read_full_ok(h.ready[0], other, n * sizeof(other[0])));
	QT_ASSERT_OK(load_one(fd, alloc));
	for (i = 0; i < 2; i++) {
		want = false;
		for (k = 0; k < n; k++)
			want |= qgraph_coupled(&gr, phys[i], other[k]);
		QT_ASSERT_EQ(bss->near[i], want ? 1 : 0);
		any |= want;
	}
	QT_ASSERT(any);
	QT_ASSERT_EQ(bss->near_any, 1);
	close(h.release[1]);
	close(h.ready[0]);
	cg_wait_ok(pid, "qubit hog");
	/* the hog's file closed: its qubits are free again */
	QT_ASSERT_OK(load_one(fd, alloc));
	QT_ASSERT_EQ(bss->near[0], 0);
	QT_ASSERT_EQ(bss->near[1], 0);
	QT_ASSERT_EQ(bss->near_any, 0);
	qpu_policy_close(&p);
	qgraph_free(&gr);
	free_ok(fd, alloc);
	close_ok(fd);
}

/*
 * The kfuncs read the kernel's view of the admission being decided; a
 * pointer to anything else shaped like a struct qpu_bpf_admit (the
 * policy's .bss, its stack) must get -EINVAL, not be taken for one.
 */
QPU_TEST(kfuncs_refuse_forged_admissions)
{
	struct {
		struct qpu_bpf_admit fake;
		uint64_t after[8];
		int32_t gate_map, phys_map, gate_stack, phys_stack;
		int32_t gate_real, phys_real;
		uint32_t runs, pad;
	} *st;
	struct qpu_policy p;
	uint32_t phys[1], h;
	int fd = open_dev(), err;

	h = alloc_ok(fd, 1, phys);
	QT_ASSERT_OK(qpu_policy_open(&p, policy_forge_bpf,
				     policy_forge_bpf_end - policy_forge_bpf));
	err = qpu_policy_attach(&p);
	if (err)
		QT_FAIL("attach: %d (%s)", err, qpu_policy_error(&p));
	st = qpu_policy_data(&p, ".bss", NULL);
	QT_ASSERT(st != NULL);
	QT_ASSERT_OK(load_one(fd, h));
	QT_ASSERT_EQ(st->runs, 1);
	QT_ASSERT_EQ(st->gate_real, 0);
	QT_ASSERT_EQ(st->phys_real, (int32_t)phys[0]);
	QT_ASSERT_EQ(st->gate_map, -EINVAL);
	QT_ASSERT_EQ(st->phys_map, -EINVAL);
	QT_ASSERT_EQ(st->gate_stack, -EINVAL);
	QT_ASSERT_EQ(st->phys_stack, -EINVAL);
	qpu_policy_close(&p);
	free_ok(fd, h);
	close_ok(fd);
}

/* ---- tracepoints --------------------------------------------------------- */

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/qpu_policy_test"

static bool trace_mounted_here;

static void trace_down(void *arg)
{
	(void)arg;
	write_sysfs(INSTANCE "/events/qpu/enable", "0");
	rmdir(INSTANCE);
	if (trace_mounted_here)
		umount(TRACEFS);
}

/* Opening the instance's trace for writing with O_TRUNC empties it. */
static void trace_clear(void)
{
	int fd = open(INSTANCE "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	QT_ASSERT(fd >= 0);
	close(fd);
}

/* Lines of the instance's trace with event @ev that contain @also. */
static int trace_count(const char *ev, const char *also)
{
	char *text, *line, *save = NULL, pat[64];
	size_t len;
	int n = 0;

	snprintf(pat, sizeof(pat), ": %s: ", ev);
	text = read_all_ok(INSTANCE "/trace", &len);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (line[0] != '#' && strstr(line, pat) &&
		    (!also || strstr(line, also)))
			n++;
	free(text);
	return n;
}

static void trace_body(void *arg)
{
	struct probe_state *bss;
	struct qpu_policy p;
	struct unit u;
	char want[160];
	uint32_t id;

	(void)arg;
	unit_up(&u, 1);
	bss = probe_attach(&p);
	trace_clear();
	/* allowed: the load is traced, the admission is not */
	QT_ASSERT_OK(load_one(u.fd, u.alloc));
	QT_ASSERT_EQ(trace_count("qpu_circuit_load", NULL), 1);
	QT_ASSERT_EQ(trace_count("qpu_admit", NULL), 0);
	/* flagged: once, with what was decided and about whom */
	deny(bss, 1U << QPU_ADMIT_LOAD, QPU_BPF_FLAG, 31);
	QT_ASSERT_OK(load_one(u.fd, u.alloc));
	QT_ASSERT_EQ(trace_count("qpu_circuit_load", NULL), 2);
	snprintf(want, sizeof(want), "qpu0 load cgroup=%llu pid=%d ",
		 (unsigned long long)cg_self_id(), (int)getpid());
	QT_ASSERT_EQ(trace_count("qpu_admit", want), 1);
	QT_ASSERT_EQ(trace_count("qpu_admit", "policy=probe flag reason=31"), 1);
	/* denied: once, and the load is not traced */
	bss->verdict_action = QPU_BPF_DENY;
	bss->verdict_reason = 32;
	QT_ASSERT_EQ(load_one(u.fd, u.alloc), -EPERM);
	QT_ASSERT_EQ(trace_count("qpu_circuit_load", NULL), 2);
	QT_ASSERT_EQ(trace_count("qpu_admit", NULL), 2);
	QT_ASSERT_EQ(trace_count("qpu_admit", want), 2);
	QT_ASSERT_EQ(trace_count("qpu_admit", "policy=probe deny reason=32"), 1);
	/* a denied submission names its kind; an allowed one is silent */
	deny(bss, 1U << QPU_ADMIT_SUBMIT, QPU_BPF_DENY, 33);
	QT_ASSERT_EQ(unit_submit(&u, 4, &id, NULL), -EPERM);
	QT_ASSERT_EQ(trace_count("qpu_admit", "qpu0 submit "), 1);
	QT_ASSERT_EQ(trace_count("qpu_admit", "policy=probe deny reason=33"), 1);
	deny(bss, 1U << QPU_ADMIT_RUN, QPU_BPF_FLAG, 34);
	unit_run_ok(&u, 4, NULL);
	QT_ASSERT_EQ(trace_count("qpu_admit", "qpu0 run "), 1);
	deny(bss, 0, QPU_BPF_ALLOW, 0);
	unit_run_ok(&u, 4, NULL);
	QT_ASSERT_EQ(trace_count("qpu_admit", NULL), 4);
	qpu_policy_close(&p);
	unit_down(&u);
}

QPU_TEST(admit_tracepoint_for_flag_and_deny_only)
{
	if (!path_exists(TRACEFS "/instances")) {
		if (mount("tracefs", TRACEFS, "tracefs", 0, NULL))
			qt_skip("cannot mount tracefs: %s", strerror(errno));
		trace_mounted_here = true;
	}
	QT_ASSERT(path_exists(TRACEFS "/events/qpu/qpu_admit"));
	rmdir(INSTANCE);
	if (mkdir(INSTANCE, 0755))
		QT_FAIL("mkdir %s: %s", INSTANCE, strerror(errno));
	QT_ASSERT_EQ(write_sysfs(INSTANCE "/events/qpu/qpu_admit/enable", "1"), 0);
	QT_ASSERT_EQ(write_sysfs(INSTANCE "/events/qpu/qpu_circuit_load/enable",
				 "1"), 0);
	QT_ASSERT_EQ(write_sysfs(INSTANCE "/tracing_on", "1"), 0);
	run_with_cleanup(trace_body, trace_down, NULL);
}

/* ---- attach rules -------------------------------------------------------- */

QPU_TEST(second_attach_is_ebusy)
{
	struct qpu_policy p, q;

	probe_attach(&p);
	QT_ASSERT_EQ(probe_try(&q, "again", false, 0, NULL), -EBUSY);
	QT_ASSERT_EQ(probe_try(&q, "again0", true, 0, NULL), -EBUSY);
	QT_ASSERT_EQ(probe_try(&q, "again5", true, 5, NULL), -EBUSY);
	QT_ASSERT(policy_is(0, "probe", 0));
	qpu_policy_close(&p);
	QT_ASSERT(policy_is(0, "", 0));
	/* and the slot is free again */
	QT_ASSERT_EQ(probe_try(&q, "again", false, 0, NULL), 0);
	QT_ASSERT(policy_is(0, "again", 0));
	qpu_policy_close(&q);
}

/* A link cannot be pointed at another policy: detach, then attach. */
QPU_TEST(link_update_is_eopnotsupp)
{
	struct qpu_policy p, q;
	struct qpu_bpf_ops *ops;
	int err;

	probe_attach(&p);
	probe_open(&q);
	ops = qpu_policy_ops(&q);
	memcpy(ops->name, "other", 6);
	QT_ASSERT_OK(qpu_policy_load(&q));
	err = bpf_link__update_map(p.link, q.ops_map);
	QT_ASSERT_EQ(err, -EOPNOTSUPP);
	QT_ASSERT(policy_is(0, "probe", 0));
	qpu_policy_close(&q);
	qpu_policy_close(&p);
	QT_ASSERT(policy_is(0, "", 0));
}

static void del_dev1(void *arg)
{
	char path[64];

	(void)arg;
	if (path_exists(dev_path(path, sizeof(path), 1)))
		del_device(1);
	if (path_exists(dev_path(path, sizeof(path), 2)))
		del_device(2);
}

static void one_device_body(void *arg)
{
	struct probe_state *b0, *b1, *b2;
	struct qpu_policy p0, p1, p2, q;
	uint32_t h0, h1, h2;
	int fd0, fd1, fd2;

	(void)arg;
	new_device_ok(1, "full:8");
	b0 = probe_dev_ok(&p0, "pol0", 0);
	b1 = probe_dev_ok(&p1, "pol1", 1);
	/* qpu2 does not exist yet: its policy waits for it */
	b2 = probe_dev_ok(&p2, "pol2", 2);
	QT_ASSERT(policy_is(0, "pol0", 0));
	QT_ASSERT(policy_is(1, "pol1", 0));
	QT_ASSERT_EQ(probe_try(&q, "all", false, 0, NULL), -EBUSY);
	QT_ASSERT_EQ(probe_try(&q, "dup1", true, 1, NULL), -EBUSY);
	QT_ASSERT(policy_is(1, "pol1", 0));

	fd0 = open_dev();
	fd1 = open_dev_id_ok(1);
	h0 = alloc_ok(fd0, 1, NULL);
	h1 = alloc_ok(fd1, 1, NULL);
	deny(b1, 1U << QPU_ADMIT_LOAD, QPU_BPF_DENY, 11);
	QT_ASSERT_OK(load_one(fd0, h0));
	QT_ASSERT_EQ(b0->nr_admit[QPU_ADMIT_LOAD], 1);
	QT_ASSERT_EQ(b0->last_admit.dev_id, 0);
	QT_ASSERT_EQ(b1->nr_admit[QPU_ADMIT_LOAD], 0);
	QT_ASSERT_EQ(load_one(fd1, h1), -EPERM);
	QT_ASSERT_EQ(b1->nr_admit[QPU_ADMIT_LOAD], 1);
	QT_ASSERT_EQ(b1->last_admit.dev_id, 1);
	QT_ASSERT_EQ(b0->nr_admit[QPU_ADMIT_LOAD], 1);
	QT_ASSERT_EQ(b2->nr_admit[QPU_ADMIT_LOAD], 0);

	/* qpu2 appears: pol2 applies to it at once */
	new_device_ok(2, "full:4");
	QT_ASSERT(policy_is(2, "pol2", 0));
	deny(b2, 1U << QPU_ADMIT_LOAD, QPU_BPF_DENY, 12);
	fd2 = open_dev_id_ok(2);
	h2 = alloc_ok(fd2, 1, NULL);
	QT_ASSERT_EQ(load_one(fd2, h2), -EPERM);
	QT_ASSERT_EQ(b2->nr_admit[QPU_ADMIT_LOAD], 1);
	QT_ASSERT_EQ(b2->last_admit.dev_id, 2);
	QT_ASSERT_EQ(b0->nr_admit[QPU_ADMIT_LOAD], 1);
	QT_ASSERT_EQ(b1->nr_admit[QPU_ADMIT_LOAD], 1);
	close_ok(fd2);
	del_device_ok(2);

	qpu_policy_close(&p1);
	QT_ASSERT(policy_is(1, "", 0));
	QT_ASSERT(policy_is(0, "pol0", 0));
	QT_ASSERT_OK(load_one(fd1, h1));
	qpu_policy_close(&p0);
	qpu_policy_close(&p2);
	/* with none attached, one for every device fits again */
	QT_ASSERT_EQ(probe_try(&q, "all", false, 0, NULL), 0);
	QT_ASSERT(policy_is(0, "all", 0));
	QT_ASSERT(policy_is(1, "all", 0));
	qpu_policy_close(&q);
	free_ok(fd1, h1);
	free_ok(fd0, h0);
	close_ok(fd1);
	close_ok(fd0);
	del_device_ok(1);
}

QPU_TEST(one_device_policies_coexist)
{
	run_with_cleanup(one_device_body, del_dev1, NULL);
}

QPU_TEST(bad_name_flags_and_dev_id_are_einval)
{
	struct qpu_policy p;
	struct qpu_bpf_ops *ops;

	QT_ASSERT_EQ(probe_try(&p, "", false, 0, NULL), -EINVAL);
	/* 16 characters: no room for the NUL */
	QT_ASSERT_EQ(probe_try(&p, "0123456789abcdef", false, 0, NULL), -EINVAL);
	/* 15 fit */
	QT_ASSERT_EQ(probe_try(&p, "0123456789abcde", false, 0, NULL), 0);
	QT_ASSERT(policy_is(0, "0123456789abcde", 0));
	qpu_policy_close(&p);
	QT_ASSERT_EQ(probe_try(&p, "far", true, 64, NULL), -EINVAL);
	QT_ASSERT_EQ(probe_try(&p, "far", true, 1000000, NULL), -EINVAL);
	/* an unknown flag */
	probe_open(&p);
	ops = qpu_policy_ops(&p);
	ops->flags = 2;
	QT_ASSERT_EQ(qpu_policy_attach(&p), -EINVAL);
	qpu_policy_close(&p);
	QT_ASSERT(policy_is(0, "", 0));
	/* dev_id 63 is a device id, absent or not */
	QT_ASSERT_EQ(probe_try(&p, "last", true, 63, NULL), 0);
	qpu_policy_close(&p);
}

QPU_TEST(legacy_attach_is_eopnotsupp)
{
	struct qpu_policy p;
	int fd = open_dev();
	uint32_t h = alloc_ok(fd, 1, NULL);

	QT_ASSERT_OK(qpu_policy_open(&p, policy_legacy_bpf,
				     policy_legacy_bpf_end - policy_legacy_bpf));
	QT_ASSERT_EQ(qpu_policy_attach(&p), -EOPNOTSUPP);
	QT_ASSERT(policy_is(0, "", 0));
	/* its deny-everything program never applied */
	QT_ASSERT_OK(load_one(fd, h));
	qpu_policy_close(&p);
	free_ok(fd, h);
	close_ok(fd);
}

/* Drop CAP_SYS_ADMIN from every set, keep the rest (capset(2), v3). */
static void drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	QT_ASSERT_OK(syscall(SYS_capget, &hdr, d));
	QT_ASSERT(d[CAP_TO_INDEX(CAP_BPF)].effective & CAP_TO_MASK(CAP_BPF));
	QT_ASSERT(d[CAP_TO_INDEX(CAP_PERFMON)].effective &
		  CAP_TO_MASK(CAP_PERFMON));
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	QT_ASSERT_OK(syscall(SYS_capset, &hdr, d));
	memset(d, 0, sizeof(d));
	QT_ASSERT_OK(syscall(SYS_capget, &hdr, d));
	QT_ASSERT(!(d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
		    CAP_TO_MASK(CAP_SYS_ADMIN)));
}

/*
 * A policy loaded (libbpf needs CAP_SYS_ADMIN for that: it opens the
 * module's BTF by id), then CAP_SYS_ADMIN dropped: CAP_BPF and
 * CAP_PERFMON would do for bpf(2) itself, but the driver's reg refuses
 * the link with -EPERM.
 */
static void no_admin_child(void *arg)
{
	struct qpu_policy p;
	int err;

	(void)arg;
	probe_open(&p);
	QT_ASSERT_OK(qpu_policy_load(&p));
	drop_sys_admin();
	err = qpu_policy_attach(&p);
	if (err != -EPERM)
		QT_FAIL("attach without CAP_SYS_ADMIN: %d, want -EPERM (%s)",
			err, qpu_policy_error(&p));
	qpu_policy_close(&p);
}

/*
 * Without CAP_SYS_ADMIN from the start, libbpf cannot even load it: it
 * needs the module's BTF, which it opens by id (BPF_BTF_GET_FD_BY_ID
 * needs CAP_SYS_ADMIN), so it finds no qpu_bpf_ops type.
 */
static void no_admin_load_child(void *arg)
{
	struct qpu_policy p;
	int err;

	(void)arg;
	drop_sys_admin();
	probe_open(&p);
	err = qpu_policy_attach(&p);
	printf("# load without CAP_SYS_ADMIN: %s\n", strerror(-err));
	QT_ASSERT_LT(err, 0);
	QT_ASSERT(p.link == NULL);
	qpu_policy_close(&p);
}

/* As nobody, with no capabilities, not even the load gets through. */
static void nobody_child(void *arg)
{
	struct qpu_policy p;
	int err;

	(void)arg;
	probe_open(&p);
	err = qpu_policy_attach(&p);
	if (err != -EPERM)
		QT_FAIL("attach as nobody: %d, want -EPERM (%s)", err,
			qpu_policy_error(&p));
	QT_ASSERT(bpf_map__fd(p.ops_map) < 0);
	qpu_policy_close(&p);
}

QPU_TEST(attach_needs_cap_sys_admin)
{
	cg_run(NULL, 0, no_admin_child, NULL, "attach without CAP_SYS_ADMIN");
	QT_ASSERT(policy_is(0, "", 0));
	cg_run(NULL, 0, no_admin_load_child, NULL, "load without CAP_SYS_ADMIN");
	QT_ASSERT(policy_is(0, "", 0));
	cg_run(NULL, CG_NOBODY, nobody_child, NULL, "attach as nobody");
	QT_ASSERT(policy_is(0, "", 0));
}

/* ---- lifetime ------------------------------------------------------------ */

/* The loader, killed: its link goes, and with it the policy. */
QPU_TEST(killed_loader_detaches)
{
	int fd = open_dev(), pfd[2];
	uint32_t h = alloc_ok(fd, 1, NULL);
	pid_t pid;
	char c;

	pipe_ok(pfd);
	pid = fork_ok();
	if (!pid) {
		struct probe_state *bss;
		struct qpu_policy p;

		close(pfd[0]);
		bss = probe_attach(&p);
		deny(bss, 1U << QPU_ADMIT_LOAD, QPU_BPF_DENY, 66);
		write_full_ok(pfd[1], "x", 1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	QT_ASSERT(read_full_ok(pfd[0], &c, 1));
	close(pfd[0]);
	QT_ASSERT(policy_is(0, "probe", 0));
	QT_ASSERT_EQ(load_one(fd, h), -EPERM);
	QT_ASSERT_OK(kill(pid, SIGKILL));
	QT_ASSERT_EQ(wait_status(pid), 128 + SIGKILL);
	QT_ASSERT(policy_is(0, "", 5000));
	QT_ASSERT_OK(load_one(fd, h));
	free_ok(fd, h);
	close_ok(fd);
}

static void reload_default(void *arg)
{
	(void)arg;
	if (!module_loaded())
		QT_ASSERT_EQ(load_module(""), 0);
	if (!wait_for_path(QPU0_PATH, true, 5000))
		QT_FAIL("%s missing after reloading qpu", QPU0_PATH);
}

/*
 * The policy's map holds a reference on qpu.ko: rmmod is refused while
 * it is attached (delete_module(O_NONBLOCK): -EWOULDBLOCK, i.e. EAGAIN),
 * the module keeps working, and once the link is gone (the map is freed
 * an RCU grace period later) rmmod succeeds.
 */
static void rmmod_body(void *arg)
{
	struct qpu_policy p;
	int fd, ret, i;
	uint32_t h;

	(void)arg;
	probe_attach(&p);
	ret = unload_module();
	printf("# rmmod with a policy attached: %s\n", strerror(-ret));
	QT_ASSERT_EQ(ret, -EWOULDBLOCK);
	QT_ASSERT(module_loaded());
	fd = open_dev();
	h = alloc_ok(fd, 1, NULL);
	QT_ASSERT_OK(load_one(fd, h));
	free_ok(fd, h);
	close_ok(fd);
	QT_ASSERT_EQ(unload_module(), -EWOULDBLOCK);
	qpu_policy_close(&p);
	for (i = 0; i < 500; i++) {
		ret = unload_module();
		if (ret != -EWOULDBLOCK)
			break;
		usleep(10000);
	}
	QT_ASSERT_EQ(ret, 0);
	QT_ASSERT(!module_loaded());
	QT_ASSERT_EQ(load_module(""), 0);
	QT_ASSERT(wait_for_path(QPU0_PATH, true, 5000));
	/* the reloaded module registered its struct_ops type again */
	probe_attach(&p);
	QT_ASSERT(policy_is(0, "probe", 0));
	qpu_policy_close(&p);
}

QPU_TEST(rmmod_refused_while_attached)
{
	if (!path_exists(MODULE_KO))
		qt_skip("%s not found", MODULE_KO);
	run_with_cleanup(rmmod_body, reload_default, NULL);
}

/* Counters of the racing workers, in shared memory. */
struct race {
	_Atomic uint64_t ok, denied, bad, submitted, completed;
	_Atomic int stop;
};

/* Loads, submissions, io_uring runs and RUNs until told to stop. */
static void race_worker(struct race *rc, int which)
{
	struct qpu_job_desc j;
	struct qpu_submit s;
	struct qpu_wait w;
	struct unit u;
	int ret, n = 0;

	/* set up with no policy in the way: retry while one denies */
	for (;;) {
		memset(&u, 0, sizeof(u));
		u.fd = open_dev();
		u.alloc = alloc_ok(u.fd, 1, NULL);
		struct qpu_gate g[2] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
		struct circ_spec cs = { .alloc = u.alloc, .num_qubits = 1,
					.num_clbits = 1, .gates = g,
					.num_gates = 2 };
		struct qpu_circuit_load l;

		ret = circ_load_raw(u.fd, &cs, &l);
		if (!ret) {
			u.circ = l.handle;
			break;
		}
		QT_ASSERT_EQ(ret, -EPERM);
		close_ok(u.fd);
	}
	mbuf_new_ok(u.fd, 4096, &u.res);
	j = unit_job(&u, 8);
	while (!rc->stop) {
		switch ((n++ + which) % 4) {
		case 0:
			ret = load_one(u.fd, u.alloc);
			break;
		case 1:
			memset(&s, 0, sizeof(s));
			s.job = j;
			ret = qpu_ioc(u.fd, QPU_IOC_SUBMIT, &s);
			if (!ret) {
				rc->submitted++;
				memset(&w, 0, sizeof(w));
				w.job_id = s.job_id;
				w.timeout_ns = -1;
				QT_ASSERT_OK(qpu_ioc(u.fd, QPU_IOC_WAIT, &w));
				QT_ASSERT_EQ(w.status, 0);
				rc->completed++;
			}
			break;
		case 2:
			ret = uring_run(u.fd, &j);
			break;
		default:
			ret = run_raw(u.fd, &j, NULL);
			break;
		}
		if (!ret)
			rc->ok++;
		else if (ret == -EPERM)
			rc->denied++;
		else
			rc->bad++;
	}
	unit_down(&u);
}

/*
 * Attach and detach a policy that denies one admission in two while
 * other processes load, submit and run: every call is allowed or denied,
 * nothing else; every submitted job completes.
 */
QPU_TEST_TIMEOUT(attach_detach_races_jobs, 120)
{
	struct race *rc = mmap(NULL, sizeof(*rc), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timespec t0, t;
	struct probe_state *bss;
	struct qpu_policy p;
	pid_t pid[3];
	int i, cycles = 0, err;

	QT_ASSERT(rc != MAP_FAILED);
	memset(rc, 0, sizeof(*rc));
	for (i = 0; i < 3; i++) {
		pid[i] = fork_ok();
		if (!pid[i]) {
			race_worker(rc, i);
			_exit(0);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		probe_open(&p);
		/* the initial value: it denies from its first admission */
		bss = qpu_policy_data(&p, ".bss", NULL);
		QT_ASSERT(bss != NULL);
		bss->random_deny = 2;
		err = qpu_policy_attach(&p);
		if (err)
			QT_FAIL("attach %d: %d (%s)", cycles, err,
				qpu_policy_error(&p));
		usleep(50000 + 5000 * (cycles % 20));
		qpu_policy_close(&p);
		cycles++;
		/* the next attach may find the last map not yet freed: fine */
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 4);
	rc->stop = 1;
	for (i = 0; i < 3; i++)
		wait_ok(pid[i]);
	printf("# %d attach cycles: %llu allowed, %llu denied, %llu jobs\n",
	       cycles, (unsigned long long)rc->ok,
	       (unsigned long long)rc->denied,
	       (unsigned long long)rc->completed);
	QT_ASSERT_EQ(rc->bad, 0);
	QT_ASSERT_GT(rc->ok, 0);
	QT_ASSERT_GT(rc->denied, 0);
	QT_ASSERT_EQ(rc->submitted, rc->completed);
	QT_ASSERT(policy_is(0, "", 5000));
	munmap(rc, sizeof(*rc));
}

/* Jobs on qpu1 until it goes away; anything but a crash is fine. */
static void dev1_worker(int ready, int go)
{
	struct qpu_job_desc j;
	struct qpu_submit s;
	struct unit u;
	int i;

	/* set up before the policy is there: it would deny loads too */
	unit_up_dev(&u, 1, 1);
	j = unit_job(&u, 64);
	write_full_ok(ready, "x", 1);
	close(ready);
	/* the policy is attached and told what to do before the jobs */
	wait_pipe_eof(go);
	for (i = 0; i < 100000; i++) {
		memset(&s, 0, sizeof(s));
		s.job = j;
		if (qpu_ioc(u.fd, QPU_IOC_SUBMIT, &s) == -ENODEV)
			break;
		if (run_raw(u.fd, &j, NULL) == -ENODEV)
			break;
	}
	close(u.fd);
}

/*
 * qpu1 removed while its own policy is attached and jobs run on it: no
 * crash; the policy stays attached, and applies again to the next qpu1.
 */
static void del_device_body(void *arg)
{
	struct probe_state *bss;
	struct qpu_policy p;
	uint64_t seen;
	pid_t pid;
	int fd, i, rdy[2], go[2];
	uint32_t h;
	char c;

	(void)arg;
	new_device_ok(1, "full:8");
	pipe_ok(rdy);
	pipe_ok(go);
	pid = fork_ok();
	if (!pid) {
		close(rdy[0]);
		close(go[1]);
		dev1_worker(rdy[1], go[0]);
		_exit(0);
	}
	close(rdy[1]);
	close(go[0]);
	QT_ASSERT(read_full_ok(rdy[0], &c, 1));
	close(rdy[0]);
	bss = probe_dev_ok(&p, "dev1", 1);
	/* submissions denied, runs allowed */
	deny(bss, 1U << QPU_ADMIT_SUBMIT, QPU_BPF_DENY, 14);
	close(go[1]);
	for (i = 0; i < 3000 && bss->nr_done < 20; i++)
		usleep(10000);
	QT_ASSERT_GE(bss->nr_done, 20);
	del_device_ok(1);
	wait_ok(pid);
	seen = bss->nr_admit[QPU_ADMIT_SUBMIT] + bss->nr_admit[QPU_ADMIT_RUN];
	printf("# qpu1: %llu admitted, %llu denied, %llu completed\n",
	       (unsigned long long)seen, (unsigned long long)bss->nr_denied,
	       (unsigned long long)bss->nr_done);
	QT_ASSERT_GT(bss->nr_denied, 0);
	QT_ASSERT_GT(seen, 0);
	/* the same id again: the policy that waited applies */
	deny(bss, 1U << QPU_ADMIT_LOAD, QPU_BPF_DENY, 13);
	new_device_ok(1, "full:8");
	QT_ASSERT(policy_is(1, "dev1", 0));
	fd = open_dev_id_ok(1);
	h = alloc_ok(fd, 1, NULL);
	QT_ASSERT_EQ(load_one(fd, h), -EPERM);
	QT_ASSERT_EQ(bss->last_admit.dev_id, 1);
	close_ok(fd);
	qpu_policy_close(&p);
	del_device_ok(1);
}

QPU_TEST_TIMEOUT(del_device_with_its_policy_attached, 120)
{
	run_with_cleanup(del_device_body, del_dev1, NULL);
}

int main(int argc, char **argv)
{
	skip_all_without_policy_hook();
	qpu_policy_quiet(1);
	return qt_main(argc, argv);
}
