// SPDX-License-Identifier: GPL-2.0
/*
 * monitor_rules_test.c - the rules of qpu-monitor's policy
 * (tools/qpu-monitor/qpu_monitor.bpf.c, monitor.h): each rule fires on a
 * circuit, submission pattern or job pattern built to trigger it, with
 * its action reaching the caller and one ring buffer event carrying the
 * evidence; LOG and FLAG leave the caller unaffected; and with every rule
 * at DENY and default thresholds, a corpus of ordinary circuits (the
 * examples, GHZ, QFT, Grover, the vqc ansatz, seeded random layered
 * circuits) raises nothing.
 *
 * The rules are evaluated on /dev/qpu6, a fully connected device made for
 * the test (free-form circuits need no layout); rule 5 and the corpus run
 * next to a second tenant, a child in another cgroup holding qubits.
 */
#include <math.h>
#include <signal.h>
#include <bpf/libbpf.h>
#include <libqpu.h>

#include "monitor.h"
#include "qpu_policy.h"
#include "tool.h"
#include "vm_util.h"
#include "cgroup_util.h"

extern const char qpu_monitor_bpf[], qpu_monitor_bpf_end[];

#define MON_DEV		6
#define MON_DEV_SPEC	"full:24"
#define MAX_EV		512


/* ---- the policy and its events ------------------------------------------- */

struct mon {
	struct qpu_policy p;
	struct ring_buffer *rb;
	const struct qpu_mon_stats *stats;
	struct qpu_mon_event ev[MAX_EV];
	int nev;
	int lost;	/* events past MAX_EV */
};

static int mon_on_event(void *ctx, void *data, size_t len)
{
	struct mon *m = ctx;

	QT_ASSERT_GE(len, sizeof(struct qpu_mon_event));
	if (m->nev < MAX_EV)
		memcpy(&m->ev[m->nev++], data, sizeof(struct qpu_mon_event));
	else
		m->lost++;
	return 0;
}

/* Every rule @action (QPU_MON_OFF: none) with default thresholds. */
static void cfg_all(struct qpu_mon_cfg *c, uint32_t action)
{
	uint32_t r;

	memset(c, 0, sizeof(*c));
	for (r = 1; r < QPU_MON_NR_RULES; r++)
		c->rule[r].action = action;
}

static void mon_up(struct mon *m, const struct qpu_mon_cfg *c)
{
	struct qpu_mon_cfg *ro;
	struct bpf_map *events;
	size_t size;
	int err;

	memset(m, 0, sizeof(*m));
	QT_ASSERT_OK(qpu_policy_open(&m->p, qpu_monitor_bpf,
				     qpu_monitor_bpf_end - qpu_monitor_bpf));
	ro = qpu_policy_data(&m->p, ".rodata", &size);
	QT_ASSERT(ro != NULL);
	QT_ASSERT_EQ(size, sizeof(*ro));	/* cfg is all of .rodata */
	memcpy(ro, c, sizeof(*ro));
	err = qpu_policy_attach(&m->p);
	if (err) {
		char *msg = strdup(qpu_policy_error(&m->p)), *line, *save;

		for (line = strtok_r(msg, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("# %s\n", line);
		QT_FAIL("attach failed: %d", err);
	}
	m->stats = qpu_policy_data(&m->p, ".bss", &size);
	QT_ASSERT(m->stats != NULL);
	QT_ASSERT_EQ(size, sizeof(*m->stats));
	events = qpu_policy_map(&m->p, "events");
	QT_ASSERT(events != NULL);
	m->rb = ring_buffer__new(bpf_map__fd(events), mon_on_event, m, NULL);
	QT_ASSERT(m->rb != NULL);
}

static void mon_down(struct mon *m)
{
	ring_buffer__free(m->rb);
	m->rb = NULL;
	qpu_policy_close(&m->p);
}

/* Read events until @want are in (or @ms pass), then what follows shortly. */
static int mon_collect(struct mon *m, int want, int ms)
{
	int waited;

	ring_buffer__consume(m->rb);
	for (waited = 0; m->nev < want && waited < ms; waited += 20)
		ring_buffer__poll(m->rb, 20);
	ring_buffer__poll(m->rb, 50);
	ring_buffer__consume(m->rb);
	return m->nev;
}

static void ev_print(const struct qpu_mon_event *e)
{
	printf("# event: rule %u (%s) action %u count %u threshold %u gates %u..%u "
	       "qubits %d,%d,%d,%d value %llu source %u kind %u\n", e->rule,
	       mon_rule_name(e->rule),
	       e->action, e->count, e->threshold, e->first_gate, e->last_gate,
	       e->qubits[0] == 0xffff ? -1 : e->qubits[0],
	       e->qubits[1] == 0xffff ? -1 : e->qubits[1],
	       e->qubits[2] == 0xffff ? -1 : e->qubits[2],
	       e->qubits[3] == 0xffff ? -1 : e->qubits[3],
	       (unsigned long long)e->value, e->source, e->kind);
}

/* Exactly one event, of rule @rule and action @action: returns it. */
static const struct qpu_mon_event *mon_one(struct mon *m, uint32_t rule,
					   uint32_t action)
{
	const struct qpu_mon_event *e;
	int i;

	mon_collect(m, 1, 2000);
	for (i = 0; i < m->nev; i++)
		ev_print(&m->ev[i]);
	QT_ASSERT_EQ(m->nev, 1);
	e = &m->ev[0];
	QT_ASSERT_EQ(e->rule, rule);
	QT_ASSERT_EQ(e->action, action);
	QT_ASSERT_GE(e->count, e->threshold);
	QT_ASSERT_GT(e->time_ns, 0);
	QT_ASSERT_EQ(e->uid, (uint32_t)getuid());
	return e;
}

/* ---- circuits ------------------------------------------------------------- */

struct circ {
	struct qpu_gate g[1024];
	uint32_t n;
	uint32_t nq;
	uint32_t ncl;
	uint32_t nparams;
};

static void c_init(struct circ *c, uint32_t nq)
{
	memset(c, 0, sizeof(*c));
	c->nq = nq;
	c->ncl = nq;
}

static void c_add(struct circ *c, struct qpu_gate g)
{
	QT_ASSERT_LT(c->n, ARRAY_LEN(c->g));
	c->g[c->n++] = g;
}

static void c_cx(struct circ *c, uint32_t a, uint32_t b)
{
	c_add(c, gate_2q(QPU_OP_X, 1, a, b));
}

static void c_measure_all(struct circ *c)
{
	uint32_t q;

	for (q = 0; q < c->nq; q++)
		c_add(c, gate_measure(q, q));
}

static int c_load(int fd, uint32_t alloc, const struct circ *c,
		  struct qpu_circuit_load *l)
{
	struct circ_spec s = {
		.alloc = alloc, .num_qubits = c->nq, .num_clbits = c->ncl,
		.num_params = c->nparams, .gates = c->g, .num_gates = c->n,
	};

	return circ_load_raw(fd, &s, l);
}

/* The load must be refused by rule @rule. */
static void assert_denied(int fd, uint32_t alloc, const struct circ *c,
			  uint32_t rule)
{
	struct qpu_get_refusal g;
	struct qpu_circuit_load l;

	QT_ASSERT_EQ(c_load(fd, alloc, c, &l), -EPERM);
	QT_ASSERT_EQ(l.reason, rule);
	QT_ASSERT_EQ(l.handle, 0);
	memset(&g, 0, sizeof(g));
	QT_ASSERT_OK(qpu_ioc(fd, QPU_IOC_GET_REFUSAL, &g));
	QT_ASSERT_EQ(g.refusal.limit, QPU_LIMIT_POLICY);
	QT_ASSERT_EQ(g.refusal.request, rule);
}

static void assert_loads(int fd, uint32_t alloc, const struct circ *c)
{
	struct qpu_circuit_load l;
	int ret = c_load(fd, alloc, c, &l);

	if (ret)
		QT_FAIL("load: %s (reason %u, error %u at %u)", strerror(-ret),
			l.reason, l.error, l.error_index);
	QT_ASSERT_GT(l.handle, 0);
	circ_free_ok(fd, l.handle);
}

/* Trigger circuits, one per gate rule, on 4 qubits. */
static void trig_repeat(struct circ *c)
{
	int i;

	c_init(c, 4);
	c_add(c, gate_1q(QPU_OP_H, 0));
	for (i = 0; i < 12; i++)
		c_cx(c, 0, 1);		/* gates 1..12 */
	c_measure_all(c);
}

static void trig_alternation(struct circ *c)
{
	int i;

	c_init(c, 4);
	c_add(c, gate_1q(QPU_OP_X, 0));
	for (i = 0; i < 8; i++)	/* gates 1..8: swaps of three CX, chained */
		c_cx(c, i & 1 ? 2 : 1, i & 1 ? 1 : 2);
	c_measure_all(c);
}

static void trig_ladder(struct circ *c)
{
	int i;

	c_init(c, 4);
	c_add(c, gate_1q(QPU_OP_H, 0));
	for (i = 0; i < 5; i++) {	/* gates 1..15 */
		c_cx(c, 0, 1);
		c_cx(c, 1, 2);
		c_cx(c, 2, 3);
	}
	c_measure_all(c);
}

static void trig_idle(struct circ *c)
{
	int i;

	c_init(c, 4);
	for (i = 0; i < 20; i++) {	/* gates 0..39 on qubit 2 */
		c_add(c, gate_1q(QPU_OP_X, 2));
		c_add(c, gate_1q(QPU_OP_ID, 2));
	}
	c_measure_all(c);
}

static void trig_resets(struct circ *c)
{
	int i;

	c_init(c, 4);
	c_add(c, gate_1q(QPU_OP_H, 3));
	for (i = 0; i < 10; i++)	/* gates 1..10 */
		c_add(c, gate_1q(QPU_OP_RESET, 3));
	c_measure_all(c);
}

/* 120 two-qubit gates in a row, on two pairs. */
static void trig_burst(struct circ *c)
{
	int i;

	c_init(c, 4);
	for (i = 0; i < 60; i++) {	/* gates 0..119 */
		c_add(c, gate_2q(QPU_OP_Z, 1, 0, 1));
		c_add(c, gate_2q(QPU_OP_RZZ, 0, 2, 3));
	}
	c_measure_all(c);
}

/* ---- fixtures --------------------------------------------------------------- */

struct rig {
	int fd;
	uint32_t alloc;
	struct mon m;
};

static void rig_up(struct rig *r, uint32_t k, uint32_t rule, uint32_t action,
		   uint32_t threshold, uint32_t window)
{
	struct qpu_mon_cfg c;

	cfg_all(&c, QPU_MON_OFF);
	c.rule[rule].action = action;
	c.rule[rule].threshold = threshold;
	c.rule[rule].window = window;
	r->fd = open_dev_id_ok(MON_DEV);
	r->alloc = alloc_ok(r->fd, k, NULL);
	mon_up(&r->m, &c);
}

static void rig_down(struct rig *r)
{
	mon_down(&r->m);
	close_ok(r->fd);
}

static void assert_evidence(const struct qpu_mon_event *e, uint32_t first,
			    uint32_t last, int q0, int q1)
{
	QT_ASSERT_EQ(e->source, QPU_MON_EVENT_ADMIT);
	QT_ASSERT_EQ(e->kind, QPU_ADMIT_LOAD);
	QT_ASSERT_EQ(e->dev_id, MON_DEV);
	QT_ASSERT_EQ(e->pid, (uint32_t)getpid());
	QT_ASSERT_EQ(e->cgroup_id, cg_self_id());
	QT_ASSERT_EQ(e->first_gate, first);
	QT_ASSERT_EQ(e->last_gate, last);
	if (q0 >= 0)
		QT_ASSERT_EQ(e->qubits[0], q0);
	if (q1 >= 0)
		QT_ASSERT_EQ(e->qubits[1], q1);
}

/* ---- rules 1-4 ---------------------------------------------------------------- */

QPU_TEST(rule1_repeat_2q_denies)
{
	const struct qpu_mon_event *e;
	struct circ c;
	struct rig r;

	rig_up(&r, 4, QPU_MON_REPEAT_2Q, QPU_MON_DENY, 0, 0);
	trig_repeat(&c);
	assert_denied(r.fd, r.alloc, &c, QPU_MON_REPEAT_2Q);
	e = mon_one(&r.m, QPU_MON_REPEAT_2Q, QPU_MON_DENY);
	QT_ASSERT_EQ(e->count, 12);
	QT_ASSERT_EQ(e->threshold, 8);
	QT_ASSERT_EQ(e->value, QPU_OP_X);
	assert_evidence(e, 1, 12, 0, 1);
	QT_ASSERT_EQ(r.m.stats->fired[QPU_MON_REPEAT_2Q], 1);
	QT_ASSERT_EQ(r.m.stats->dropped, 0);
	/* one gate on qubit 1 in the middle breaks the run: 6 and 6 */
	c.g[7] = gate_1q(QPU_OP_H, 1);
	assert_loads(r.fd, r.alloc, &c);
	QT_ASSERT_EQ(mon_collect(&r.m, 2, 100), 1);
	rig_down(&r);
}

QPU_TEST(rule2_cx_alternation_denies)
{
	const struct qpu_mon_event *e;
	struct circ c;
	struct rig r;

	rig_up(&r, 4, QPU_MON_CX_ALTERNATION, QPU_MON_DENY, 0, 0);
	trig_alternation(&c);
	assert_denied(r.fd, r.alloc, &c, QPU_MON_CX_ALTERNATION);
	e = mon_one(&r.m, QPU_MON_CX_ALTERNATION, QPU_MON_DENY);
	QT_ASSERT_EQ(e->count, 7);	/* 8 CX, 7 direction changes */
	QT_ASSERT_EQ(e->threshold, 6);
	QT_ASSERT_EQ(e->value, 8);
	assert_evidence(e, 1, 8, 1, 2);
	/* one SWAP made of three CNOTs is ordinary routing */
	c.n = 4;
	c_measure_all(&c);
	assert_loads(r.fd, r.alloc, &c);
	QT_ASSERT_EQ(mon_collect(&r.m, 2, 100), 1);
	rig_down(&r);
}

QPU_TEST(rule3_cx_ladder_denies)
{
	const struct qpu_mon_event *e;
	struct circ c;
	struct rig r;
	int i;

	rig_up(&r, 4, QPU_MON_CX_LADDER, QPU_MON_DENY, 0, 0);
	trig_ladder(&c);
	assert_denied(r.fd, r.alloc, &c, QPU_MON_CX_LADDER);
	e = mon_one(&r.m, QPU_MON_CX_LADDER, QPU_MON_DENY);
	QT_ASSERT_EQ(e->count, 5);
	QT_ASSERT_EQ(e->threshold, 4);
	QT_ASSERT_EQ(e->value, 4);	/* spans 4 qubits */
	assert_evidence(e, 1, 15, 0, 1);
	QT_ASSERT_EQ(e->qubits[2], 2);
	QT_ASSERT_EQ(e->qubits[3], 3);
	/* the same ladders with a rotation layer between: an ansatz */
	c_init(&c, 4);
	for (i = 0; i < 5; i++) {
		c_add(&c, gate_rot(QPU_OP_RY, 0, -1, 0, 0.1 * i));
		c_add(&c, gate_rot(QPU_OP_RY, 1, -1, 0, 0.2 * i));
		c_cx(&c, 0, 1);
		c_cx(&c, 1, 2);
		c_cx(&c, 2, 3);
	}
	assert_loads(r.fd, r.alloc, &c);
	QT_ASSERT_EQ(mon_collect(&r.m, 2, 100), 1);
	rig_down(&r);
}

QPU_TEST(rule4_idle_loop_and_reset_storm_deny)
{
	const struct qpu_mon_event *e;
	struct circ c;
	struct rig r;

	rig_up(&r, 4, QPU_MON_IDLE_LOOP, QPU_MON_DENY, 0, 0);
	trig_idle(&c);
	assert_denied(r.fd, r.alloc, &c, QPU_MON_IDLE_LOOP);
	e = mon_one(&r.m, QPU_MON_IDLE_LOOP, QPU_MON_DENY);
	QT_ASSERT_EQ(e->count, 20);
	QT_ASSERT_EQ(e->threshold, 16);
	QT_ASSERT_EQ(e->value, 1);	/* a gate + idle loop */
	assert_evidence(e, 0, 39, 2, -1);

	/* the same loop with barriers for idles */
	r.m.nev = 0;
	c_init(&c, 4);
	for (int i = 0; i < 20; i++) {	/* gates 0..39 */
		c_add(&c, gate_1q(QPU_OP_SX, 1));
		c_add(&c, gate_make(QPU_OP_BARRIER, 0, NULL, 0));
	}
	assert_denied(r.fd, r.alloc, &c, QPU_MON_IDLE_LOOP);
	e = mon_one(&r.m, QPU_MON_IDLE_LOOP, QPU_MON_DENY);
	QT_ASSERT_EQ(e->count, 20);
	QT_ASSERT_EQ(e->value, 1);
	assert_evidence(e, 0, 39, 1, -1);

	r.m.nev = 0;
	trig_resets(&c);
	assert_denied(r.fd, r.alloc, &c, QPU_MON_IDLE_LOOP);
	e = mon_one(&r.m, QPU_MON_IDLE_LOOP, QPU_MON_DENY);
	QT_ASSERT_EQ(e->count, 10);
	QT_ASSERT_EQ(e->threshold, 8);
	QT_ASSERT_EQ(e->value, 3);	/* a reset storm */
	assert_evidence(e, 1, 10, 3, -1);
	QT_ASSERT_EQ(r.m.stats->fired[QPU_MON_IDLE_LOOP], 3);

	/* a measurement between resets: qubit reuse, not a storm */
	r.m.nev = 0;
	c_init(&c, 4);
	for (int i = 0; i < 10; i++) {
		c_add(&c, gate_1q(QPU_OP_H, 3));
		c_add(&c, gate_measure(3, 3));
		c_add(&c, gate_1q(QPU_OP_RESET, 3));
	}
	assert_loads(r.fd, r.alloc, &c);
	QT_ASSERT_EQ(mon_collect(&r.m, 1, 100), 0);
	rig_down(&r);
}

/* ---- rule 5: a neighbour ------------------------------------------------------ */

struct neighbour {
	char scratch[64];
	char cg[96];
	int ready[2];
	int hold[2];
	pid_t pid;
};

static void neighbour_body(void *arg)
{
	struct neighbour *nb = arg;
	int fd = open_dev_id_ok(MON_DEV);
	char c = 1;

	close(nb->ready[0]);
	close(nb->hold[1]);
	alloc_ok(fd, 2, NULL);
	write_full_ok(nb->ready[1], &c, 1);
	wait_pipe_eof(nb->hold[0]);
	close_ok(fd);
}

/* A child in another cgroup holding 2 qubits of MON_DEV until nb_down(). */
static void nb_up(struct neighbour *nb)
{
	char c;

	cg_scratch(nb->scratch, sizeof(nb->scratch));
	snprintf(nb->cg, sizeof(nb->cg), "%s/neighbour", nb->scratch);
	cg_mkdir_ok(nb->cg);
	pipe_ok(nb->ready);
	pipe_ok(nb->hold);
	nb->pid = cg_spawn(nb->cg, 0, neighbour_body, nb);
	close(nb->ready[1]);
	close(nb->hold[0]);
	QT_ASSERT(read_full_ok(nb->ready[0], &c, 1));
	close(nb->ready[0]);
}

static void nb_down(struct neighbour *nb)
{
	close(nb->hold[1]);
	cg_wait_ok(nb->pid, "neighbour");
	cg_cleanup(nb->scratch);
}

QPU_TEST(rule5_neighbour_burst_denies)
{
	const struct qpu_mon_event *e;
	struct neighbour nb;
	struct circ c;
	struct rig r;

	nb_up(&nb);
	rig_up(&r, 4, QPU_MON_NEIGHBOUR_BURST, QPU_MON_DENY, 0, 0);
	trig_burst(&c);
	assert_denied(r.fd, r.alloc, &c, QPU_MON_NEIGHBOUR_BURST);
	e = mon_one(&r.m, QPU_MON_NEIGHBOUR_BURST, QPU_MON_DENY);
	/* all 120 within the default window of 128 gates */
	QT_ASSERT_EQ(e->count, 120);
	QT_ASSERT_EQ(e->threshold, 96);
	QT_ASSERT_EQ(e->value, 120);
	assert_evidence(e, 0, 119, -1, -1);
	nb_down(&nb);
	/* nobody next door: the same circuit is fine */
	assert_loads(r.fd, r.alloc, &c);
	QT_ASSERT_EQ(mon_collect(&r.m, 2, 100), 1);
	rig_down(&r);
}

/* ---- rule 6: one circuit, ever new parameters ----------------------------------- */

/** struct pjob - ry(theta) q0; measure: one parameter, and its buffers */
struct pjob {
	int fd;
	uint32_t circ;
	uint8_t hash[32];
	struct mbuf par;
	struct mbuf res;
};

static void pjob_up(struct pjob *p, int fd, uint32_t alloc)
{
	struct qpu_gate g[2] = { gate_rot(QPU_OP_RY, 0, 0, 1.0, 0.0),
				 gate_measure(0, 0) };
	struct circ_spec s = { .alloc = alloc, .num_qubits = 1, .num_clbits = 1,
			       .num_params = 1, .gates = g, .num_gates = 2 };

	p->fd = fd;
	p->circ = circ_load_ok(fd, &s, p->hash);
	mbuf_new_ok(fd, 4096, &p->par);
	mbuf_new_ok(fd, 4096, &p->res);
}

static struct qpu_job_desc pjob_desc(struct pjob *p, double theta)
{
	struct qpu_job_desc j = job_seeded(p->circ, 8, p->res.handle, 1);

	memcpy(p->par.ptr, &theta, sizeof(theta));
	j.param_buf = p->par.handle;
	return j;
}

static int pjob_run(struct pjob *p, double theta, struct qpu_run *out)
{
	struct qpu_job_desc j = pjob_desc(p, theta);

	return run_raw(p->fd, &j, out);
}

QPU_TEST(rule6_query_rate_denies)
{
	static const double theta[] = { 0.1, 0.2, 0.2, 0.3, 0.4 };
	const struct qpu_mon_event *e;
	struct qpu_submit sub;
	struct qpu_run out;
	struct pjob p;
	struct rig r;
	size_t i;

	rig_up(&r, 4, QPU_MON_QUERY_RATE, QPU_MON_DENY, 5, 60000);
	pjob_up(&p, r.fd, r.alloc);
	/* parameter changes 1, 2, 2 (the same again), 3, 4 */
	for (i = 0; i < ARRAY_LEN(theta); i++)
		QT_ASSERT_OK(pjob_run(&p, theta[i], &out));
	QT_ASSERT_EQ(mon_collect(&r.m, 1, 100), 0);
	QT_ASSERT_EQ(pjob_run(&p, 0.5, &out), -EPERM);
	QT_ASSERT_EQ(out.refusal.limit, QPU_LIMIT_POLICY);
	QT_ASSERT_EQ(out.refusal.request, QPU_MON_QUERY_RATE);
	e = mon_one(&r.m, QPU_MON_QUERY_RATE, QPU_MON_DENY);
	QT_ASSERT_EQ(e->count, 5);
	QT_ASSERT_EQ(e->threshold, 5);
	QT_ASSERT_EQ(e->value, 60000);
	QT_ASSERT_EQ(e->kind, QPU_ADMIT_RUN);
	QT_ASSERT_EQ(e->cgroup_id, cg_self_id());
	QT_ASSERT(!memcmp(e->hash, p.hash, 32));
	/* submissions count too */
	memset(&sub, 0, sizeof(sub));
	sub.job = pjob_desc(&p, 0.6);
	QT_ASSERT_EQ(qpu_ioc(r.fd, QPU_IOC_SUBMIT, &sub), -EPERM);
	QT_ASSERT_EQ(sub.refusal.request, QPU_MON_QUERY_RATE);
	QT_ASSERT_EQ(mon_collect(&r.m, 2, 1000), 2);
	QT_ASSERT_EQ(r.m.ev[1].kind, QPU_ADMIT_SUBMIT);
	QT_ASSERT_EQ(r.m.ev[1].count, 6);
	QT_ASSERT_EQ(r.m.stats->fired[QPU_MON_QUERY_RATE], 2);
	rig_down(&r);
}

/* Another tenant's two parameter changes of the same circuit. */
static void other_tenant_queries(void *arg)
{
	int fd = open_dev_id_ok(MON_DEV);
	struct qpu_run out;
	struct pjob p;

	pjob_up(&p, fd, alloc_ok(fd, 1, NULL));
	write_full_ok(*(int *)arg, p.hash, sizeof(p.hash));
	QT_ASSERT_OK(pjob_run(&p, 0.7, &out));
	QT_ASSERT_OK(pjob_run(&p, 0.8, &out));
	close_ok(fd);
}

QPU_TEST(rule6_window_forgets_and_tenants_are_apart)
{
	char scratch[64], cg[96];
	uint8_t other_hash[32];
	struct qpu_run out;
	int pfd[2];
	struct pjob p;
	struct rig r;

	/* 3 changes within 1 s */
	rig_up(&r, 4, QPU_MON_QUERY_RATE, QPU_MON_DENY, 3, 1000);
	pjob_up(&p, r.fd, r.alloc);
	QT_ASSERT_OK(pjob_run(&p, 0.1, &out));
	QT_ASSERT_OK(pjob_run(&p, 0.2, &out));
	usleep(1100 * 1000);
	/* a new window: two more are fine, the third of it is not */
	QT_ASSERT_OK(pjob_run(&p, 0.3, &out));
	QT_ASSERT_OK(pjob_run(&p, 0.4, &out));
	/* the same circuit in another cgroup is counted apart */
	cg_scratch(scratch, sizeof(scratch));
	snprintf(cg, sizeof(cg), "%s/other", scratch);
	cg_mkdir_ok(cg);
	pipe_ok(pfd);
	cg_run(cg, 0, other_tenant_queries, &pfd[1], "other tenant");
	cg_cleanup(scratch);
	QT_ASSERT(read_full_ok(pfd[0], other_hash, sizeof(other_hash)));
	QT_ASSERT(!memcmp(other_hash, p.hash, 32));	/* one circuit, two tenants */
	QT_ASSERT_EQ(mon_collect(&r.m, 1, 100), 0);
	QT_ASSERT_EQ(pjob_run(&p, 0.5, &out), -EPERM);
	QT_ASSERT_EQ(out.refusal.request, QPU_MON_QUERY_RATE);
	QT_ASSERT_EQ(mon_one(&r.m, QPU_MON_QUERY_RATE, QPU_MON_DENY)->count, 3);
	rig_down(&r);
}

/* ---- rule 7: a tenant's completions --------------------------------------------- */

static int cancel_job_raw(int fd, uint32_t id)
{
	struct qpu_cancel c;

	memset(&c, 0, sizeof(c));
	c.job_id = id;
	return qpu_ioc(fd, QPU_IOC_CANCEL, &c);
}

static void set_paused(int on)
{
	QT_ASSERT_OK(write_dev_attr(MON_DEV, "paused", on ? "1\n" : "0\n"));
}

QPU_TEST(rule7_failures_quarantine)
{
	struct qpu_gate g[2] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	const struct qpu_mon_event *e;
	struct qpu_circuit_load l;
	struct qpu_submit s;
	struct circ_spec cs;
	uint32_t ids[8];
	struct mbuf res;
	struct rig r;
	size_t i;

	rig_up(&r, 4, QPU_MON_BEHAVIOUR, QPU_MON_DENY, 8, 60000);
	cs = (struct circ_spec){ .alloc = r.alloc, .num_qubits = 1,
				 .num_clbits = 1, .gates = g, .num_gates = 2 };
	memset(&s, 0, sizeof(s));
	s.job = job_seeded(circ_load_ok(r.fd, &cs, NULL), 8, 0, 1);
	mbuf_new_ok(r.fd, 4096, &res);
	s.job.result_buf = res.handle;
	/* eight jobs held in the queue, then cancelled: eight failures */
	set_paused(1);
	for (i = 0; i < ARRAY_LEN(ids); i++) {
		if (qpu_ioc(r.fd, QPU_IOC_SUBMIT, &s)) {
			set_paused(0);
			QT_FAIL("SUBMIT %zu: %s", i, strerror(errno));
		}
		ids[i] = s.job_id;
	}
	for (i = 0; i < ARRAY_LEN(ids); i++)
		cancel_job_raw(r.fd, ids[i]);
	set_paused(0);
	e = mon_one(&r.m, QPU_MON_BEHAVIOUR, QPU_MON_DENY);
	QT_ASSERT_EQ(e->source, QPU_MON_EVENT_JOB_DONE);
	QT_ASSERT_EQ(e->kind, 0);
	QT_ASSERT_EQ(e->count, 8);
	QT_ASSERT_EQ(e->threshold, 8);
	QT_ASSERT_EQ(e->value, 8);		/* all eight failed */
	QT_ASSERT_EQ(e->last_gate, 1);		/* the failure trigger */
	QT_ASSERT_EQ(e->cgroup_id, cg_self_id());
	QT_ASSERT_EQ(e->pid, (uint32_t)getpid());
	QT_ASSERT_EQ(r.m.stats->fired[QPU_MON_BEHAVIOUR], 1);
	QT_ASSERT_EQ(r.m.stats->completions, 8);
	/* quarantined: the tenant's next load is refused with reason 7 */
	QT_ASSERT_EQ(circ_load_raw(r.fd, &cs, &l), -EPERM);
	QT_ASSERT_EQ(l.reason, QPU_MON_BEHAVIOUR);
	QT_ASSERT_EQ(mon_collect(&r.m, 2, 1000), 2);
	QT_ASSERT_EQ(r.m.ev[1].source, QPU_MON_EVENT_ADMIT);
	QT_ASSERT_EQ(r.m.ev[1].rule, QPU_MON_BEHAVIOUR);
	QT_ASSERT_GT(r.m.ev[1].value, 0);	/* ns of quarantine left */
	rig_down(&r);
}

QPU_TEST(rule7_volume_above_history_flags)
{
	const struct qpu_mon_event *e;
	struct qpu_job_desc j;
	struct qpu_gate g[2] = { gate_1q(QPU_OP_H, 0), gate_measure(0, 0) };
	struct circ_spec cs;
	struct mbuf res;
	struct rig r;
	int i;

	/* windows of 2 s; at least 10 completions, 4 times the history */
	rig_up(&r, 4, QPU_MON_BEHAVIOUR, QPU_MON_FLAG, 10, 2000);
	cs = (struct circ_spec){ .alloc = r.alloc, .num_qubits = 1,
				 .num_clbits = 1, .gates = g, .num_gates = 2 };
	mbuf_new_ok(r.fd, 4096, &res);
	j = job_seeded(circ_load_ok(r.fd, &cs, NULL), 8, res.handle, 1);
	/* history: one window with 2 jobs */
	for (i = 0; i < 2; i++)
		run_ok(r.fd, &j, NULL);
	usleep(2100 * 1000);
	/* then 12 in the next: flagged at the 10th (10 >= 4 * 2) */
	for (i = 0; i < 12; i++)
		run_ok(r.fd, &j, NULL);
	e = mon_one(&r.m, QPU_MON_BEHAVIOUR, QPU_MON_FLAG);
	QT_ASSERT_EQ(e->source, QPU_MON_EVENT_JOB_DONE);
	QT_ASSERT_EQ(e->count, 10);
	QT_ASSERT_EQ(e->value, 0);		/* no failures */
	QT_ASSERT_EQ(e->first_gate, 2 * 16);	/* history: 2 a window */
	QT_ASSERT_EQ(e->last_gate, 2);		/* the volume trigger */
	QT_ASSERT_EQ(r.m.stats->completions, 14);
	/* FLAG quarantines nobody */
	run_ok(r.fd, &j, NULL);
	rig_down(&r);
}

/* ---- actions -------------------------------------------------------------------- */

QPU_TEST(log_leaves_the_caller_alone)
{
	const struct qpu_mon_event *e;
	struct circ c;
	struct rig r;

	rig_up(&r, 4, QPU_MON_REPEAT_2Q, QPU_MON_LOG, 0, 0);
	trig_repeat(&c);
	assert_loads(r.fd, r.alloc, &c);
	e = mon_one(&r.m, QPU_MON_REPEAT_2Q, QPU_MON_LOG);
	QT_ASSERT_EQ(e->count, 12);
	rig_down(&r);
}

QPU_TEST(flag_accepts_with_one_event)
{
	struct qpu_mon_cfg cfg;
	struct circ c;
	struct rig r;

	rig_up(&r, 4, QPU_MON_CX_LADDER, QPU_MON_FLAG, 0, 0);
	trig_ladder(&c);
	assert_loads(r.fd, r.alloc, &c);
	mon_one(&r.m, QPU_MON_CX_LADDER, QPU_MON_FLAG);
	rig_down(&r);

	/* the strongest action wins, and names its rule */
	cfg_all(&cfg, QPU_MON_OFF);
	cfg.rule[QPU_MON_REPEAT_2Q].action = QPU_MON_FLAG;
	cfg.rule[QPU_MON_IDLE_LOOP].action = QPU_MON_DENY;
	r.fd = open_dev_id_ok(MON_DEV);
	r.alloc = alloc_ok(r.fd, 4, NULL);
	mon_up(&r.m, &cfg);
	trig_repeat(&c);
	c.n -= 4;			/* drop the measurements */
	for (int i = 0; i < 20; i++) {
		c_add(&c, gate_1q(QPU_OP_X, 3));
		c_add(&c, gate_1q(QPU_OP_ID, 3));
	}
	assert_denied(r.fd, r.alloc, &c, QPU_MON_IDLE_LOOP);
	QT_ASSERT_EQ(mon_collect(&r.m, 2, 1000), 2);
	QT_ASSERT_EQ(r.m.ev[0].rule, QPU_MON_REPEAT_2Q);
	QT_ASSERT_EQ(r.m.ev[0].action, QPU_MON_FLAG);
	QT_ASSERT_EQ(r.m.ev[1].rule, QPU_MON_IDLE_LOOP);
	QT_ASSERT_EQ(r.m.ev[1].action, QPU_MON_DENY);
	rig_down(&r);
}

/* A full ring buffer loses events, but counts every one it lost. */
QPU_TEST(full_ring_buffer_is_counted)
{
	struct qpu_mon_cfg cfg;
	uint64_t fired = 0;
	struct circ c;
	struct rig r;
	uint32_t q;
	int i;

	cfg_all(&cfg, QPU_MON_OFF);
	for (q = QPU_MON_REPEAT_2Q; q <= QPU_MON_IDLE_LOOP; q++) {
		cfg.rule[q].action = QPU_MON_LOG;
		cfg.rule[q].threshold = 1;
	}
	r.fd = open_dev_id_ok(MON_DEV);
	r.alloc = alloc_ok(r.fd, 4, NULL);
	mon_up(&r.m, &cfg);
	trig_ladder(&c);
	/* nobody reads meanwhile: 256 KiB hold about 2500 events */
	for (i = 0; i < 4000 && !r.m.stats->dropped; i++)
		assert_loads(r.fd, r.alloc, &c);
	QT_ASSERT_GT(r.m.stats->dropped, 0);
	printf("# %d loads filled the ring buffer\n", i);
	mon_collect(&r.m, 0, 0);
	for (q = 0; q < QPU_MON_NR_RULES; q++)
		fired += r.m.stats->fired[q];
	QT_ASSERT_EQ(r.m.stats->admissions, (uint64_t)i);
	QT_ASSERT_EQ(fired, (uint64_t)r.m.nev + r.m.lost + r.m.stats->dropped);
	rig_down(&r);
}

/* ---- the corpus -------------------------------------------------------------------- */

#define CORPUS_MAX	96
#define CORPUS_QUBITS	22

struct corpus {
	struct circ *c[CORPUS_MAX];
	char name[CORPUS_MAX][32];
	int n;
};

static struct circ *corpus_new(struct corpus *k, uint32_t nq, const char *fmt,
			       int arg)
{
	struct circ *c = malloc(sizeof(*c));

	QT_ASSERT(c != NULL);
	QT_ASSERT_LT(k->n, CORPUS_MAX);
	c_init(c, nq);
	snprintf(k->name[k->n], sizeof(k->name[0]), fmt, arg);
	k->c[k->n++] = c;
	return c;
}

static void corpus_qasm(struct corpus *k, const char *path)
{
	struct qpu_circuit *qc;
	struct circ *c;
	char err[256];
	uint32_t n;

	if (qpu_qasm_parse_file(path, &qc, err, sizeof(err)))
		QT_FAIL("%s: %s", path, err);
	c = corpus_new(k, qpu_circuit_num_qubits(qc), "%s", 0);
	snprintf(k->name[k->n - 1], sizeof(k->name[0]), "%s",
		 strrchr(path, '/') + 1);
	n = qpu_circuit_num_gates(qc);
	QT_ASSERT_LE(n, ARRAY_LEN(c->g));
	memcpy(c->g, qpu_circuit_gates(qc), n * sizeof(c->g[0]));
	c->n = n;
	c->nparams = qpu_circuit_num_params(qc);
	c->ncl = qpu_circuit_num_clbits(qc);
	qpu_circuit_free(qc);
}

static uint64_t rng = 0x6d6f6e69746f72ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void corpus_build(struct corpus *k)
{
	static const char *const qasm[] = {
		"/examples/bell.qasm", "/examples/ghz.qasm", "/examples/grover.qasm",
		"/examples/qft.qasm", "/examples/ansatz.qasm",
	};
	uint32_t n, q, j, l, i, perm[16];
	struct circ *c;

	for (i = 0; i < ARRAY_LEN(qasm); i++)
		corpus_qasm(k, qasm[i]);
	for (n = 3; n <= 20; n++) {		/* GHZ */
		c = corpus_new(k, n, "ghz-%d", n);
		c_add(c, gate_1q(QPU_OP_H, 0));
		for (q = 0; q + 1 < n; q++)
			c_cx(c, q, q + 1);
		c_measure_all(c);
	}
	for (n = 3; n <= 12; n++) {		/* QFT, with the final swaps */
		c = corpus_new(k, n, "qft-%d", n);
		c_add(c, gate_1q(QPU_OP_X, 0));
		for (j = n; j-- > 0;) {
			c_add(c, gate_1q(QPU_OP_H, j));
			for (q = j; q-- > 0;) {
				struct qpu_gate g = gate_2q(QPU_OP_P, 1, q, j);

				g.offset[0] = f64_bits(M_PI / (1u << (j - q)));
				c_add(c, g);
			}
		}
		for (q = 0; q < n / 2; q++)
			c_add(c, gate_2q(QPU_OP_SWAP, 0, q, n - 1 - q));
		c_measure_all(c);
	}
	for (l = 2; l <= 6; l += 2) {		/* vqc's shape: line and all pairs */
		for (n = 4; n <= 8; n += 4) {
			c = corpus_new(k, n, "vqc-line-%d", (int)(n * 10 + l));
			for (q = 0; q < n; q++)
				c_add(c, gate_rot(QPU_OP_RY, q, q, M_PI, 0));
			for (j = 0; j <= l; j++) {
				for (q = 0; q < n; q++)
					c_add(c, gate_rot(QPU_OP_RY, q, n + j * n + q,
							  1, 0));
				if (j == l)
					break;
				for (q = 0; q + 1 < n; q++)
					c_cx(c, q, q + 1);
			}
			c->nparams = n + (l + 1) * n;
		}
		c = corpus_new(k, 4, "vqc-full-%d", (int)l);
		for (j = 0; j <= l; j++) {
			for (q = 0; q < 4; q++)
				c_add(c, gate_rot(QPU_OP_RY, q, j * 4 + q, 1, 0));
			if (j == l)
				break;
			for (q = 0; q < 4; q++)
				for (i = q + 1; i < 4; i++)
					c_cx(c, q, i);
		}
		c->nparams = (l + 1) * 4;
	}
	for (i = 0; i < 16; i++) {		/* random layered circuits */
		n = 4 + rnd(9);
		l = 3 + rnd(6);
		c = corpus_new(k, n, "random-%d", (int)i);
		for (j = 0; j < l; j++) {
			static const uint32_t rot[] = { QPU_OP_RX, QPU_OP_RY, QPU_OP_RZ };

			for (q = 0; q < n; q++)
				c_add(c, gate_rot(rot[rnd(3)], q, -1, 0,
						  rnd(628) / 100.0));
			for (q = 0; q < n; q++)
				perm[q] = q;
			for (q = n; q > 1; q--) {
				uint32_t x = rnd(q), t = perm[q - 1];

				perm[q - 1] = perm[x];
				perm[x] = t;
			}
			for (q = 0; q + 1 < n; q += 2)
				if (rnd(4))
					c_cx(c, perm[q], perm[q + 1]);
		}
		c_measure_all(c);
	}
}

/* Run @c @times (new parameters each time); 0 or the first error. */
static int corpus_run(int fd, uint32_t handle, const struct circ *c, int times,
		      struct mbuf *par, struct mbuf *res)
{
	struct qpu_job_desc j;
	struct qpu_run out;
	double v;
	int t, ret;
	uint32_t i;

	for (t = 0; t < times; t++) {
		j = job_seeded(handle, 8, res->handle, t + 1);
		if (c->nparams) {
			for (i = 0; i < c->nparams; i++) {
				v = 0.1 * (t + 1) + 0.01 * i;
				memcpy((char *)par->ptr + 8 * i, &v, sizeof(v));
			}
			j.param_buf = par->handle;
		}
		ret = run_raw(fd, &j, &out);
		if (ret)
			return ret;
	}
	return 0;
}

/* Events since @from, by rule into @by; how many. */
static int events_since(struct mon *m, int from, int *by)
{
	int i;

	mon_collect(m, 0, 0);
	for (i = from; i < m->nev; i++) {
		ev_print(&m->ev[i]);
		if (m->ev[i].rule < QPU_MON_NR_RULES)
			by[m->ev[i].rule]++;
	}
	return m->nev - from;
}

/*
 * Diagnostics for the defaults: with rules 1-5 at LOG and threshold 1,
 * every load reports each gate rule's figure; print the corpus's peaks.
 */
static void corpus_peaks(const struct corpus *k, int fd, uint32_t alloc)
{
	uint32_t peak[QPU_MON_NR_RULES] = { 0 }, r;
	int who[QPU_MON_NR_RULES] = { 0 }, i, j, from;
	struct qpu_circuit_load l;
	struct qpu_mon_cfg cfg;
	struct mon *m = malloc(sizeof(*m));

	QT_ASSERT(m != NULL);
	cfg_all(&cfg, QPU_MON_OFF);
	for (r = QPU_MON_REPEAT_2Q; r <= QPU_MON_NEIGHBOUR_BURST; r++) {
		cfg.rule[r].action = QPU_MON_LOG;
		cfg.rule[r].threshold = 1;
	}
	mon_up(m, &cfg);
	for (i = 0; i < k->n; i++) {
		from = m->nev = 0;
		QT_ASSERT_OK(c_load(fd, alloc, k->c[i], &l));
		circ_free_ok(fd, l.handle);
		mon_collect(m, 0, 0);
		for (j = from; j < m->nev; j++) {
			r = m->ev[j].rule;
			if (r < QPU_MON_NR_RULES && m->ev[j].count > peak[r]) {
				peak[r] = m->ev[j].count;
				who[r] = i;
			}
		}
	}
	for (r = QPU_MON_REPEAT_2Q; r <= QPU_MON_NEIGHBOUR_BURST; r++)
		printf("# corpus peak: rule %s count %u (%s)\n", mon_rule_name(r),
		       peak[r], peak[r] ? k->name[who[r]] : "-");
	mon_down(m);
	free(m);
}

QPU_TEST_TIMEOUT(corpus_is_silent_and_triggers_fire, 240)
{
	int fp_by[QPU_MON_NR_RULES] = { 0 }, hit[QPU_MON_NR_RULES] = { 0 };
	struct circ *trig[6];
	struct qpu_circuit_load l;
	struct qpu_mon_cfg cfg;
	struct neighbour nb;
	struct corpus k;
	struct mbuf par, res;
	struct pjob p;
	uint32_t alloc, r, ids[256];
	int fd, i, from, fps = 0, ret, nsub;
	struct mon m;

	memset(&k, 0, sizeof(k));
	corpus_build(&k);
	nb_up(&nb);
	fd = open_dev_id_ok(MON_DEV);
	alloc = alloc_ok(fd, CORPUS_QUBITS, NULL);
	mbuf_new_ok(fd, 4096, &par);
	mbuf_new_ok(fd, 1 << 20, &res);
	corpus_peaks(&k, fd, alloc);
	cfg_all(&cfg, QPU_MON_DENY);
	mon_up(&m, &cfg);

	for (i = 0; i < k.n; i++) {
		int by[QPU_MON_NR_RULES] = { 0 };

		from = m.nev;
		ret = c_load(fd, alloc, k.c[i], &l);
		if (ret && ret != -EPERM)
			QT_FAIL("%s: load: %s (error %u at %u)", k.name[i],
				strerror(-ret), l.error, l.error_index);
		if (!ret) {
			ret = corpus_run(fd, l.handle, k.c[i],
					 k.c[i]->nq > 14 ? 1 : 3, &par, &res);
			if (ret && ret != -EPERM)
				QT_FAIL("%s: run: %s", k.name[i], strerror(-ret));
			circ_free_ok(fd, l.handle);
		}
		if (events_since(&m, from, by) || ret) {
			fps++;
			printf("# false positive: %s\n", k.name[i]);
			for (r = 1; r < QPU_MON_NR_RULES; r++)
				fp_by[r] += by[r] > 0;
		}
	}
	printf("# false positives: %d of %d circuits\n", fps, k.n);

	/* The triggers, with every rule on: each fires its own rule. */
	for (i = 0; i < 6; i++) {
		trig[i] = malloc(sizeof(struct circ));
		QT_ASSERT(trig[i] != NULL);
	}
	trig_repeat(trig[0]);
	trig_alternation(trig[1]);
	trig_ladder(trig[2]);
	trig_idle(trig[3]);
	trig_resets(trig[4]);
	trig_burst(trig[5]);
	for (i = 0; i < 6; i++) {
		static const uint32_t want[] = {
			QPU_MON_REPEAT_2Q, QPU_MON_CX_ALTERNATION, QPU_MON_CX_LADDER,
			QPU_MON_IDLE_LOOP, QPU_MON_IDLE_LOOP, QPU_MON_NEIGHBOUR_BURST,
		};
		int by[QPU_MON_NR_RULES] = { 0 };

		from = m.nev;
		QT_ASSERT_EQ(c_load(fd, alloc, trig[i], &l), -EPERM);
		events_since(&m, from, by);
		if (by[want[i]])
			hit[want[i]] = 1;
	}
	/* Rules 6 and 7 at their defaults: a burst of parameter changes on a
	 * paused device, then every one of those jobs cancelled. */
	pjob_up(&p, fd, alloc);
	from = m.nev;
	set_paused(1);
	for (nsub = 0; nsub < (int)ARRAY_LEN(ids); nsub++) {
		struct qpu_submit s;

		memset(&s, 0, sizeof(s));
		s.job = pjob_desc(&p, 0.001 * nsub);
		if (qpu_ioc(fd, QPU_IOC_SUBMIT, &s))
			break;
		ids[nsub] = s.job_id;
	}
	for (i = 0; i < nsub; i++)
		cancel_job_raw(fd, ids[i]);
	set_paused(0);
	{
		int by[QPU_MON_NR_RULES] = { 0 };

		mon_collect(&m, m.nev + 2, 3000);
		events_since(&m, from, by);
		hit[QPU_MON_QUERY_RATE] = by[QPU_MON_QUERY_RATE] > 0;
		hit[QPU_MON_BEHAVIOUR] = by[QPU_MON_BEHAVIOUR] > 0;
	}
	printf("# %d submissions before the query-rate denial\n", nsub);
	for (r = 1; r < QPU_MON_NR_RULES; r++)
		printf("# rule %s: triggered %s, false positives %d\n",
		       mon_rule_name(r), hit[r] ? "yes" : "no", fp_by[r]);
	QT_ASSERT_EQ(m.lost, 0);
	QT_ASSERT_EQ(m.stats->dropped, 0);
	mon_down(&m);
	close_ok(fd);
	nb_down(&nb);
	QT_ASSERT_EQ(fps, 0);
	for (r = 1; r < QPU_MON_NR_RULES; r++)
		QT_ASSERT(hit[r]);
}

int main(int argc, char **argv)
{
	int ret;

	skip_all_without_policy_hook();
	qpu_policy_quiet(1);
	if (new_device(MON_DEV, MON_DEV_SPEC)) {
		printf("# new_device %d %s: %s\n", MON_DEV, MON_DEV_SPEC,
		       strerror(errno));
		return 1;
	}
	{
		char path[64];

		wait_for_path(dev_path(path, sizeof(path), MON_DEV), true, 5000);
	}
	ret = qt_main(argc, argv);
	del_device(MON_DEV);
	return ret;
}
