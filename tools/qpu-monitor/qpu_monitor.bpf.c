// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_monitor.bpf.c - the policy qpu-monitor ships (struct_ops
 * "qpu-monitor"): the seven rules of monitor.h evaluated on every load
 * (rules 1-5, over the gates), submission and run (rule 6) and completion
 * (rule 7), events into the ring buffer "events", counters in .bss
 * ("stats"), configuration in .rodata ("cfg"). Documentation/qpu/monitor.rst
 * describes each rule, its evidence and its defaults.
 *
 * Gates are walked with bpf_loop() (a plain loop over 65536 gates would
 * exceed the verifier's budget); the walk's state lives in a per-CPU array
 * (struct mon_scratch), one slot per nesting level because struct_ops
 * programs run with migration, not preemption, disabled. Per-qubit state
 * is kept in MON_QSLOTS slots indexed by qubit & (MON_QSLOTS - 1), each
 * tagged with its qubit and the admission's generation: a collision only
 * resets a slot, so it may hide a pattern but never invents one.
 */
#include <linux/bpf.h>
#include "qpu_kfuncs.h"
#include "monitor.h"

char LICENSE[] SEC("license") = "GPL";

/* Defaults, used where cfg holds 0 (monitor.rst says where they come from). */
#define DEF_REPEAT_2Q		8	/* same 2q gate on one pair, in a row */
#define DEF_CX_ALT		6	/* direction changes of CX on one pair */
#define DEF_LADDER		4	/* back-to-back repetitions of a ladder */
#define DEF_IDLE		16	/* gate+idle iterations, or idles in a row */
#define DEF_RESETS		8	/* resets on one qubit, only idles between */
#define DEF_BURST		96	/* 2q gates next to another tenant ... */
#define DEF_BURST_WINDOW	128	/* ... within this many gates */
#define DEF_QUERY		200	/* parameter changes of one circuit ... */
#define DEF_QUERY_MS		1000	/* ... within this many milliseconds */
#define DEF_BEHAVIOUR		50	/* completions in a window, at least */
#define DEF_BEHAVIOUR_MS	10000	/* the window */
#define BEHAVIOUR_MULT		4	/* volume: this many times the history */

#define MON_QSLOTS		256
#define MON_RING		256	/* rule 5: near gates remembered */
#define MON_NEST		4
#define NO_QUBIT		0xffff

const volatile struct qpu_mon_cfg cfg = {};
struct qpu_mon_stats stats = {};

/* Evidence of the strongest instance of one rule in a circuit. */
struct mon_best {
	__u32 count;
	__u32 first;
	__u32 last;
	__u32 value;
	__u16 q[4];
};

struct qslot {
	__u32 gen;
	__u32 q;
	/* rule 1: the pair's current run of one two-qubit gate */
	__u32 r1_sig, r1_cnt, r1_first;
	/* rule 2: the current run of CX on one pair, either direction */
	__u32 r2_peer, r2_lastc, r2_alt, r2_ncx, r2_first;
	/* rule 4: last non-idle gate, its loop, idle and reset runs */
	__u32 r4_pend, r4_pidx, r4_lsig, r4_lcnt, r4_lfirst;
	__u32 r4_idle, r4_ifirst, r4_rst, r4_rfirst;
};

struct mon_scratch {
	__u32 gen;
	__u32 num_qubits;
	__u32 enabled;		/* bit r: rule r is evaluated */
	__u32 burst_window;
	/* rule 3: the ladder being built, and the repetition it may extend */
	__u32 lad_len, lad_tail, lad_sig, lad_first, lad_last;
	__u64 lad_mask;
	__u16 lad_q[4];
	__u32 rep_sig, rep_cnt, rep_first;
	__u64 rep_mask;
	/* rule 5: indices of the last MON_RING gates next to another tenant */
	__u32 r5_n, r5_ws;
	__u32 r5_ring[MON_RING];
	struct mon_best best[QPU_MON_NR_RULES];
	struct mon_best reset_best;	/* rule 4's reset storms */
	struct qslot slot[MON_QSLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MON_NEST);
	__type(key, __u32);
	__type(value, struct mon_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nest SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Rule 6: one circuit of one tenant. */
struct query_key {
	__u64 cgroup_id;
	__u8 hash[32];
};

struct query_state {
	__u64 start_ns;
	__u64 last_param;
	__u32 count;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct query_key);
	__type(value, struct query_state);
} queries SEC(".maps");

/*
 * Rule 7: one tenant's completions. Completions of one tenant on two CPUs
 * at once update its entry without a lock: a race may lose a count or,
 * rarely, send a second event in a window; the figures are approximate
 * under such races, as counters of a monitor may be.
 */
struct tenant_hist {
	__u64 start_ns;
	__u64 quarantine_until;
	__u32 jobs;
	__u32 fails;
	__u32 ewma16;		/* completions per window, in 1/16ths */
	__u32 windows;		/* complete windows of history */
	__u32 fired;		/* fired in the current window */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct tenant_hist);
} tenants SEC(".maps");

struct walk {
	const struct qpu_bpf_admit *a;
	struct mon_scratch *s;
};

static __always_inline __u32 rule_action(__u32 r)
{
	return r < QPU_MON_NR_RULES ? cfg.rule[r].action : QPU_MON_OFF;
}

static __always_inline __u32 rule_threshold(__u32 r, __u32 def)
{
	__u32 t = r < QPU_MON_NR_RULES ? cfg.rule[r].threshold : 0;

	return t ? t : def;
}

static __always_inline __u32 rule_window(__u32 r, __u32 def)
{
	__u32 w = r < QPU_MON_NR_RULES ? cfg.rule[r].window : 0;

	return w ? w : def;
}

/* The per-qubit slot of @q for this admission, reset if it was stale. */
static __always_inline struct qslot *qslot(struct mon_scratch *s, __u32 q)
{
	struct qslot *sl = &s->slot[q & (MON_QSLOTS - 1)];

	if (sl->gen != s->gen || sl->q != q) {
		__builtin_memset(sl, 0, sizeof(*sl));
		sl->gen = s->gen;
		sl->q = q;
	}
	return sl;
}

static __always_inline void best_set(struct mon_best *b, __u32 count,
				     __u32 first, __u32 last, __u32 value,
				     __u32 q0, __u32 q1)
{
	b->count = count;
	b->first = first;
	b->last = last;
	b->value = value;
	b->q[0] = q0;
	b->q[1] = q1;
	b->q[2] = NO_QUBIT;
	b->q[3] = NO_QUBIT;
}

static __always_inline __u32 gate_sig(const struct qpu_bpf_gate *g)
{
	__u32 q1 = g->nqubits > 1 ? g->qubits[1] : 0;

	return 1U << 31 | (g->op & 0x1f) | (g->nctrl & 7) << 5 |
	       (g->qubits[0] & 0x7ff) << 8 | (q1 & 0x7ff) << 19;
}

static __always_inline int symmetric_2q(const struct qpu_bpf_gate *g)
{
	if (g->nctrl == 0)
		return g->op == QPU_OP_SWAP || g->op == QPU_OP_RXX ||
		       g->op == QPU_OP_RZZ;
	return g->nctrl == 1 && (g->op == QPU_OP_Z || g->op == QPU_OP_P);
}

/* ---- rule 4: idles ------------------------------------------------------ */

static __always_inline void idle_on(struct mon_scratch *s, struct qslot *sl,
				    __u32 i)
{
	struct mon_best *b = &s->best[QPU_MON_IDLE_LOOP];

	if (sl->r4_pend) {
		if (sl->r4_pend == sl->r4_lsig) {
			sl->r4_lcnt++;
		} else {
			sl->r4_lsig = sl->r4_pend;
			sl->r4_lcnt = 1;
			sl->r4_lfirst = sl->r4_pidx;
		}
		sl->r4_pend = 0;
		if (sl->r4_lcnt > b->count)
			best_set(b, sl->r4_lcnt, sl->r4_lfirst, i, 1, sl->q,
				 NO_QUBIT);
	}
	if (!sl->r4_idle++)
		sl->r4_ifirst = i;
	if (sl->r4_idle > b->count)
		best_set(b, sl->r4_idle, sl->r4_ifirst, i, 2, sl->q, NO_QUBIT);
}

static __always_inline void nonidle_on(struct mon_scratch *s, struct qslot *sl,
				       const struct qpu_bpf_gate *g, __u32 i)
{
	struct mon_best *b = &s->reset_best;

	if (sl->r4_pend) {
		/* two gates without an idle between: no loop */
		sl->r4_lsig = 0;
		sl->r4_lcnt = 0;
	}
	sl->r4_pend = gate_sig(g);
	sl->r4_pidx = i;
	sl->r4_idle = 0;
	if (g->op == QPU_OP_RESET) {
		if (!sl->r4_rst++)
			sl->r4_rfirst = i;
		if (sl->r4_rst > b->count)
			best_set(b, sl->r4_rst, sl->r4_rfirst, i, 3, sl->q,
				 NO_QUBIT);
	} else {
		sl->r4_rst = 0;
	}
}

/* A barrier is an idle of every qubit seen so far. */
static __always_inline void barrier_all(struct mon_scratch *s, __u32 i)
{
	struct qslot *sl;
	__u32 k;

	for (k = 0; k < MON_QSLOTS; k++) {
		sl = &s->slot[k];
		if (sl->gen == s->gen)
			idle_on(s, sl, i);
	}
}

/* ---- rule 3: ladders ---------------------------------------------------- */

static __always_inline void ladder_close(struct mon_scratch *s)
{
	struct mon_best *b = &s->best[QPU_MON_CX_LADDER];

	if (s->lad_len >= 2) {
		if (s->rep_cnt && s->rep_sig == s->lad_sig) {
			s->rep_cnt++;
		} else {
			s->rep_cnt = 1;
			s->rep_sig = s->lad_sig;
			s->rep_first = s->lad_first;
			s->rep_mask = s->lad_mask;
		}
		if (s->rep_cnt > b->count) {
			best_set(b, s->rep_cnt, s->rep_first, s->lad_last,
				 s->lad_len + 1, s->lad_q[0], s->lad_q[1]);
			b->q[2] = s->lad_q[2];
			b->q[3] = s->lad_q[3];
		}
	} else if (s->lad_len == 1 && (s->rep_mask & s->lad_mask)) {
		s->rep_cnt = 0;
	}
	s->lad_len = 0;
	s->lad_mask = 0;
}

static __always_inline void ladder_cx(struct mon_scratch *s, __u32 c, __u32 t,
				      __u32 i)
{
	__u64 bt = 1ULL << (t & 63);
	__u32 n = s->lad_len;

	if (n && c == s->lad_tail && !(s->lad_mask & bt) && n < 64) {
		s->lad_len = n + 1;
		s->lad_tail = t;
		s->lad_sig = s->lad_sig * 31 + (c << 11 | t);
		s->lad_mask |= bt;
		s->lad_last = i;
		if (n + 1 < 4)
			s->lad_q[(n + 1) & 3] = t;
		return;
	}
	ladder_close(s);
	s->lad_len = 1;
	s->lad_tail = t;
	s->lad_sig = (c << 11 | t) + 1;
	s->lad_first = i;
	s->lad_last = i;
	s->lad_mask = 1ULL << (c & 63) | bt;
	s->lad_q[0] = c;
	s->lad_q[1] = t;
	s->lad_q[2] = NO_QUBIT;
	s->lad_q[3] = NO_QUBIT;
}

/* A gate other than CX (and other than an idle) on @q. */
static __always_inline void ladder_break(struct mon_scratch *s, __u32 q)
{
	__u64 bq = 1ULL << (q & 63);

	if (s->lad_mask & bq)
		ladder_close(s);
	if (s->rep_mask & bq)
		s->rep_cnt = 0;
}

/* ---- rules 1 and 2: one pair -------------------------------------------- */

static __always_inline void pair_gate(struct mon_scratch *s,
				      const struct qpu_bpf_gate *g, __u32 i,
				      int is_cx)
{
	struct mon_best *b1 = &s->best[QPU_MON_REPEAT_2Q];
	struct mon_best *b2 = &s->best[QPU_MON_CX_ALTERNATION];
	__u32 a = g->qubits[0], c = g->qubits[1], lo, hi, sig, cnt, first;
	struct qslot *sa = qslot(s, a), *sc = qslot(s, c);

	lo = a;
	hi = c;
	if (symmetric_2q(g) && c < a) {
		lo = c;
		hi = a;
	}
	sig = 1U << 31 | (g->op & 0x1f) | (g->nctrl & 7) << 5 |
	      (lo & 0x7ff) << 8 | (hi & 0x7ff) << 19;
	if (sa->r1_sig == sig && sc->r1_sig == sig &&
	    sa->r1_cnt == sc->r1_cnt) {
		cnt = sa->r1_cnt + 1;
		first = sa->r1_first;
	} else {
		cnt = 1;
		first = i;
	}
	sa->r1_sig = sig;
	sc->r1_sig = sig;
	sa->r1_cnt = cnt;
	sc->r1_cnt = cnt;
	sa->r1_first = first;
	sc->r1_first = first;
	if (cnt > b1->count)
		best_set(b1, cnt, first, i, g->op, a, c);

	if (!is_cx) {
		sa->r2_ncx = 0;
		sc->r2_ncx = 0;
		return;
	}
	/* CX a -> c: does it continue a run on this pair? */
	if (sa->r2_ncx && sa->r2_peer == c + 1 && sc->r2_peer == a + 1 &&
	    sa->r2_ncx == sc->r2_ncx && sa->r2_first == sc->r2_first) {
		sa->r2_ncx++;
		if (sa->r2_lastc != a + 1)
			sa->r2_alt++;
	} else {
		sa->r2_ncx = 1;
		sa->r2_alt = 0;
		sa->r2_first = i;
	}
	sa->r2_peer = c + 1;
	sc->r2_peer = a + 1;
	sa->r2_lastc = a + 1;
	sc->r2_ncx = sa->r2_ncx;
	sc->r2_alt = sa->r2_alt;
	sc->r2_first = sa->r2_first;
	sc->r2_lastc = a + 1;
	/* evidence: the pair, lower qubit first (the run has both directions) */
	if (sa->r2_alt > b2->count)
		best_set(b2, sa->r2_alt, sa->r2_first, i, sa->r2_ncx,
			 a < c ? a : c, a < c ? c : a);
}

/* ---- rule 5: next to another tenant -------------------------------------- */

static __always_inline void burst_gate(const struct qpu_bpf_admit *a,
				       struct mon_scratch *s,
				       const struct qpu_bpf_gate *g, __u32 i)
{
	struct mon_best *b = &s->best[QPU_MON_NEIGHBOUR_BURST];
	__u32 k, n, n1, ws, near = 0;

	for (k = 0; k < 6; k++) {
		if (k >= g->nqubits)
			break;
		if (qpu_bpf_near_other_tenant(a, g->phys[k]) == 1) {
			near = 1;
			break;
		}
	}
	if (!near)
		return;
	n = s->r5_n;
	s->r5_ring[n & (MON_RING - 1)] = i;
	n1 = n + 1;
	s->r5_n = n1;
	ws = s->r5_ws;
	if (n1 - ws > MON_RING)
		ws = n1 - MON_RING;
	for (k = 0; k < MON_RING; k++) {
		if (ws >= n1 || i - s->r5_ring[ws & (MON_RING - 1)] < s->burst_window)
			break;
		ws++;
	}
	s->r5_ws = ws;
	if (n1 - ws > b->count)
		best_set(b, n1 - ws, s->r5_ring[ws & (MON_RING - 1)], i, 0,
			 g->qubits[0], g->nqubits > 1 ? g->qubits[1] : NO_QUBIT);
}

/* ---- the walk -------------------------------------------------------------- */

static int gate_cb(__u64 idx, void *data)
{
	struct walk *w = data;
	struct mon_scratch *s = w->s;
	struct qpu_bpf_gate g = {};
	__u32 i = idx, k, nq, en = s->enabled;
	int is_cx;

	if (qpu_bpf_gate(w->a, i, &g))
		return 1;
	nq = g.nqubits;
	if (g.op == QPU_OP_BARRIER) {
		if (en & (1U << QPU_MON_IDLE_LOOP))
			barrier_all(s, i);
		return 0;
	}
	if (g.op == QPU_OP_ID) {
		/* idles are transparent to rules 1-3 */
		if ((en & (1U << QPU_MON_IDLE_LOOP)) && nq)
			idle_on(s, qslot(s, g.qubits[0]), i);
		return 0;
	}
	is_cx = g.op == QPU_OP_X && g.nctrl == 1 && nq == 2;
	for (k = 0; k < 6; k++) {
		if (k >= nq)
			break;
		if (en & (1U << QPU_MON_IDLE_LOOP))
			nonidle_on(s, qslot(s, g.qubits[k]), &g, i);
		if (nq != 2) {
			struct qslot *sl = qslot(s, g.qubits[k]);

			sl->r1_sig = 0;
			sl->r2_ncx = 0;
		}
		if (!is_cx)
			ladder_break(s, g.qubits[k]);
	}
	if (nq == 2)
		pair_gate(s, &g, i, is_cx);
	if (is_cx)
		ladder_cx(s, g.qubits[0], g.qubits[1], i);
	if ((en & (1U << QPU_MON_NEIGHBOUR_BURST)) && nq >= 2)
		burst_gate(w->a, s, &g, i);
	return 0;
}

/* ---- events and verdicts ------------------------------------------------------ */

struct verdict {
	__u32 action;	/* enum qpu_mon_action, the strongest so far */
	__u32 reason;
};

static __always_inline void verdict_add(struct verdict *v, __u32 r, __u32 act)
{
	if (act > v->action) {
		v->action = act;
		v->reason = r;
	}
}

static __always_inline int verdict_ret(const struct verdict *v)
{
	if (v->action == QPU_MON_DENY)
		return QPU_BPF_VERDICT(QPU_BPF_DENY, v->reason);
	if (v->action == QPU_MON_FLAG)
		return QPU_BPF_VERDICT(QPU_BPF_FLAG, v->reason);
	return QPU_BPF_VERDICT(QPU_BPF_ALLOW, 0);
}

static __always_inline void count_fired(__u32 r)
{
	if (r < QPU_MON_NR_RULES)
		__sync_fetch_and_add(&stats.fired[r], 1);
}

/* Rule @r fired on admission @a: its event, its counter, the verdict. */
static __always_inline void fire_admit(const struct qpu_bpf_admit *a, __u32 r,
				       __u32 count, __u32 threshold,
				       const struct mon_best *b, __u64 value,
				       struct verdict *v)
{
	__u32 act = rule_action(r);
	struct qpu_mon_event *e;

	count_fired(r);
	verdict_add(v, r, act);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&stats.dropped, 1);
		return;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->cgroup_id = a->cgroup_id;
	e->dev_id = a->dev_id;
	e->pid = a->pid;
	e->uid = a->uid;
	e->source = QPU_MON_EVENT_ADMIT;
	e->kind = a->kind;
	e->rule = r;
	e->action = act;
	e->count = count;
	e->threshold = threshold;
	e->pad = 0;
	e->value = value;
	if (b) {
		e->first_gate = b->first;
		e->last_gate = b->last;
		e->qubits[0] = b->q[0];
		e->qubits[1] = b->q[1];
		e->qubits[2] = b->q[2];
		e->qubits[3] = b->q[3];
	} else {
		e->first_gate = 0;
		e->last_gate = 0;
		e->qubits[0] = NO_QUBIT;
		e->qubits[1] = NO_QUBIT;
		e->qubits[2] = NO_QUBIT;
		e->qubits[3] = NO_QUBIT;
	}
	__builtin_memcpy(e->hash, a->hash, sizeof(e->hash));
	bpf_ringbuf_submit(e, 0);
}

/* Rules 1-5 over the gates of a circuit being loaded. */
static __always_inline void check_gates(const struct qpu_bpf_admit *a,
					struct verdict *v)
{
	__u32 zero = 0, *depth, d, r, t, en = 0, nr;
	struct mon_scratch *s;
	struct walk w;
	struct mon_best *b;

	for (r = QPU_MON_REPEAT_2Q; r <= QPU_MON_NEIGHBOUR_BURST; r++)
		if (rule_action(r) != QPU_MON_OFF)
			en |= 1U << r;
	if (!en)
		return;
	depth = bpf_map_lookup_elem(&nest, &zero);
	if (!depth)
		return;
	/* per-CPU: only a task preempting this one on this CPU can race */
	d = *depth;
	*depth = d + 1;
	if (d >= MON_NEST)
		goto out;
	s = bpf_map_lookup_elem(&scratch, &d);
	if (!s)
		goto out;
	s->gen++;
	s->num_qubits = a->num_qubits;
	s->enabled = en;
	s->burst_window = rule_window(QPU_MON_NEIGHBOUR_BURST, DEF_BURST_WINDOW);
	s->lad_len = 0;
	s->lad_mask = 0;
	s->rep_cnt = 0;
	s->rep_mask = 0;
	s->r5_n = 0;
	s->r5_ws = 0;
	__builtin_memset(s->best, 0, sizeof(s->best));
	__builtin_memset(&s->reset_best, 0, sizeof(s->reset_best));
	w.a = a;
	w.s = s;
	nr = a->num_gates;
	bpf_loop(nr, gate_cb, &w, 0);
	ladder_close(s);

	b = &s->best[QPU_MON_REPEAT_2Q];
	t = rule_threshold(QPU_MON_REPEAT_2Q, DEF_REPEAT_2Q);
	if ((en & (1U << QPU_MON_REPEAT_2Q)) && b->count >= t)
		fire_admit(a, QPU_MON_REPEAT_2Q, b->count, t, b, b->value, v);
	b = &s->best[QPU_MON_CX_ALTERNATION];
	t = rule_threshold(QPU_MON_CX_ALTERNATION, DEF_CX_ALT);
	if ((en & (1U << QPU_MON_CX_ALTERNATION)) && b->count >= t)
		fire_admit(a, QPU_MON_CX_ALTERNATION, b->count, t, b, b->value, v);
	b = &s->best[QPU_MON_CX_LADDER];
	t = rule_threshold(QPU_MON_CX_LADDER, DEF_LADDER);
	if ((en & (1U << QPU_MON_CX_LADDER)) && b->count >= t)
		fire_admit(a, QPU_MON_CX_LADDER, b->count, t, b, b->value, v);
	if (en & (1U << QPU_MON_IDLE_LOOP)) {
		b = &s->reset_best;
		t = rule_window(QPU_MON_IDLE_LOOP, DEF_RESETS);
		if (b->count >= t) {
			fire_admit(a, QPU_MON_IDLE_LOOP, b->count, t, b, 3, v);
		} else {
			b = &s->best[QPU_MON_IDLE_LOOP];
			t = rule_threshold(QPU_MON_IDLE_LOOP, DEF_IDLE);
			if (b->count >= t)
				fire_admit(a, QPU_MON_IDLE_LOOP, b->count, t, b,
					   b->value, v);
		}
	}
	b = &s->best[QPU_MON_NEIGHBOUR_BURST];
	t = rule_threshold(QPU_MON_NEIGHBOUR_BURST, DEF_BURST);
	if (t > MON_RING)
		t = MON_RING;
	if ((en & (1U << QPU_MON_NEIGHBOUR_BURST)) && b->count >= t)
		fire_admit(a, QPU_MON_NEIGHBOUR_BURST, b->count, t, b, s->r5_n, v);
out:
	*depth = d;
}

/* Rule 6: parameter changes of one circuit of one tenant in a window. */
static __always_inline void check_queries(const struct qpu_bpf_admit *a,
					  struct verdict *v)
{
	__u32 t = rule_threshold(QPU_MON_QUERY_RATE, DEF_QUERY);
	__u64 win = (__u64)rule_window(QPU_MON_QUERY_RATE, DEF_QUERY_MS) * 1000000;
	__u64 now = bpf_ktime_get_ns(), ph = a->param_hash;
	struct query_key key = {};
	struct query_state *q, init = {};

	if (!ph)
		return;		/* nothing varies */
	key.cgroup_id = a->cgroup_id;
	__builtin_memcpy(key.hash, a->hash, sizeof(key.hash));
	q = bpf_map_lookup_elem(&queries, &key);
	if (!q) {
		init.start_ns = now;
		init.last_param = ph;
		init.count = 1;
		bpf_map_update_elem(&queries, &key, &init, BPF_ANY);
		q = bpf_map_lookup_elem(&queries, &key);
		if (!q)
			return;
	} else if (now - q->start_ns >= win) {
		q->start_ns = now;
		q->last_param = ph;
		q->count = 1;
	} else if (q->last_param != ph) {
		q->last_param = ph;
		q->count++;
	}
	if (q->count >= t)
		fire_admit(a, QPU_MON_QUERY_RATE, q->count, t, NULL,
			   rule_window(QPU_MON_QUERY_RATE, DEF_QUERY_MS), v);
}

/* Rule 7 at admission: a quarantined tenant is refused. */
static __always_inline void check_quarantine(const struct qpu_bpf_admit *a,
					     struct verdict *v)
{
	__u64 id = a->cgroup_id, now;
	struct tenant_hist *h;

	if (rule_action(QPU_MON_BEHAVIOUR) != QPU_MON_DENY)
		return;
	h = bpf_map_lookup_elem(&tenants, &id);
	if (!h)
		return;
	now = bpf_ktime_get_ns();
	if (h->quarantine_until > now)
		fire_admit(a, QPU_MON_BEHAVIOUR, h->jobs,
			   rule_threshold(QPU_MON_BEHAVIOUR, DEF_BEHAVIOUR), NULL,
			   h->quarantine_until - now, v);
}

SEC("struct_ops/admit")
int BPF_PROG(mon_admit, const struct qpu_bpf_admit *a)
{
	struct verdict v = {};
	__u32 kind = a->kind;

	__sync_fetch_and_add(&stats.admissions, 1);
	/* in rule order: on a tie of actions the lowest rule gives the reason */
	if (kind == QPU_ADMIT_LOAD)
		check_gates(a, &v);
	else if (rule_action(QPU_MON_QUERY_RATE) != QPU_MON_OFF)
		check_queries(a, &v);
	check_quarantine(a, &v);
	return verdict_ret(&v);
}

/* ---- rule 7: completions ------------------------------------------------------ */

SEC("struct_ops/job_done")
void BPF_PROG(mon_job_done, const struct qpu_bpf_job *j)
{
	__u32 act = rule_action(QPU_MON_BEHAVIOUR), t, k, why = 0;
	__u64 win, now, id = j->cgroup_id, n;
	struct tenant_hist *h, init = {};
	struct qpu_mon_event *e;
	__u32 hist;

	__sync_fetch_and_add(&stats.completions, 1);
	if (act == QPU_MON_OFF)
		return;
	t = rule_threshold(QPU_MON_BEHAVIOUR, DEF_BEHAVIOUR);
	win = (__u64)rule_window(QPU_MON_BEHAVIOUR, DEF_BEHAVIOUR_MS) * 1000000;
	now = bpf_ktime_get_ns();
	h = bpf_map_lookup_elem(&tenants, &id);
	if (!h) {
		init.start_ns = now;
		bpf_map_update_elem(&tenants, &id, &init, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&tenants, &id);
		if (!h)
			return;
	}
	if (now - h->start_ns >= win) {
		n = (now - h->start_ns) / win;
		/* the window that ended, then n - 1 empty ones */
		h->ewma16 = h->windows ? (3 * h->ewma16 + 16 * h->jobs) / 4 :
					 16 * h->jobs;
		for (k = 1; k < 16; k++) {
			if (k >= n)
				break;
			h->ewma16 = h->ewma16 * 3 / 4;
		}
		if (n >= 16)
			h->ewma16 = 0;
		h->windows += n > 1000 ? 1000 : (__u32)n;
		h->start_ns += n * win;
		h->jobs = 0;
		h->fails = 0;
		h->fired = 0;
	}
	h->jobs++;
	if (j->status)
		h->fails++;
	if (h->fired || h->jobs < t)
		return;
	hist = h->ewma16 < 16 ? 16 : h->ewma16;
	if (h->fails * 2 >= h->jobs)
		why = 1;	/* at least half of them failed */
	else if (h->windows && (__u64)h->jobs * 16 >= (__u64)BEHAVIOUR_MULT * hist)
		why = 2;	/* far above its own history */
	if (!why)
		return;
	h->fired = 1;
	if (act == QPU_MON_DENY)
		h->quarantine_until = now + win;
	count_fired(QPU_MON_BEHAVIOUR);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&stats.dropped, 1);
		return;
	}
	e->time_ns = now;
	e->cgroup_id = j->cgroup_id;
	e->dev_id = j->dev_id;
	e->pid = j->pid;
	e->uid = j->uid;
	e->source = QPU_MON_EVENT_JOB_DONE;
	e->kind = 0;
	e->rule = QPU_MON_BEHAVIOUR;
	e->action = act;
	e->count = h->jobs;
	e->threshold = t;
	e->first_gate = h->ewma16;
	e->last_gate = why;
	e->qubits[0] = NO_QUBIT;
	e->qubits[1] = NO_QUBIT;
	e->qubits[2] = NO_QUBIT;
	e->qubits[3] = NO_QUBIT;
	e->pad = 0;
	e->value = h->fails;
	__builtin_memcpy(e->hash, j->hash, sizeof(e->hash));
	bpf_ringbuf_submit(e, 0);
}

SEC(".struct_ops.link")
struct qpu_bpf_ops qpu_monitor = {
	.admit = (void *)mon_admit,
	.job_done = (void *)mon_job_done,
	.name = "qpu-monitor",
};
