// SPDX-License-Identifier: GPL-2.0
/*
 * circuit_fuzz.c - fuzz target of the circuit validator
 * (kmod/core/circuit.c), called as QPU_IOC_CIRCUIT_LOAD calls it
 * (kmod/qpu_circuit.c): the input picks a topology, fragments its
 * allocator with a few allocations, allocates the circuit's region, and
 * gives the load arguments (widths within the limits the ioctl checks
 * first) and the gate records. Each gate is either 96 raw bytes or built
 * field by field from a few bytes (mostly valid, so that deep checks are
 * reached), optionally with one field corrupted.
 *
 * Properties checked beyond "no crash, no sanitizer report":
 *  - accept: every gate has a known opcode, zero padding and unused
 *    operands, at most 4 controls, operands in range and distinct, a
 *    valid classical bit and condition, finite angles of valid slots, and
 *    every multi-qubit gate's operands connected in the physical coupling
 *    map of the allocation (checked on the topology's edge list, not with
 *    the validator's oracle); observables fit the width;
 *  - the recorded couplings (@pairs) are sorted, unique, coupled, taken
 *    from the gates' operands, and enough on their own to connect every
 *    gate's operands (what qpu_circuit_fits() relies on to run the
 *    circuit on another allocation); so a second allocation that has all
 *    of them must accept the circuit too;
 *  - per_shot is set exactly when a reset, a conditional gate, or a gate
 *    on an already measured qubit occurs;
 *  - reject: a known error with an index in range; the gates before the
 *    index pass; the offending gate alone fails the same way;
 *  - results do not depend on whether @pairs is collected.
 */
#include <linux/qpu.h>

#include "circuit.h"
#include "qalloc.h"
#include "topology.h"
#include "fuzz.h"

#define MAX_GATES	256

static const char *const specs[] = {
	"line:8", "ring:12", "grid:4x5", "heavyhex:27", "heavyhex:65",
	"full:10", "line:30", "grid:6x6",
};

/* An allocation: virtual qubit v is physical qubit phys[v]. */
struct region {
	const struct qc_topology *t;
	u32 k;
	u32 *phys;
	u8 *adj;	/* k x k, from the topology's edge list */
};

static struct qc_topology *topology(u32 i)
{
	static struct qc_topology *cache[ARRAY_SIZE(specs)];

	if (!cache[i])
		FZ_ASSERT(!qc_topology_create(specs[i], QPU_MAX_QUBITS,
					      QPU_MAX_EDGES, &cache[i]),
			  "%s", specs[i]);
	return cache[i];
}

/* The driver's oracle (qpu_alloc_coupled()). */
static bool region_coupled(void *priv, u32 va, u32 vb)
{
	const struct region *r = priv;

	return qc_topology_coupled(r->t, r->phys[va], r->phys[vb]);
}

/* An independent adjacency of the region, from the edge list. */
static void region_adj(struct region *r)
{
	u32 *virt = malloc(r->t->num_qubits * sizeof(u32)), i;

	r->adj = calloc((size_t)r->k * r->k, 1);
	FZ_ASSERT(virt && r->adj, "out of memory");
	for (i = 0; i < r->t->num_qubits; i++)
		virt[i] = UINT32_MAX;
	for (i = 0; i < r->k; i++)
		virt[r->phys[i]] = i;
	for (i = 0; i < r->t->num_edges; i++) {
		u32 a = virt[r->t->edges[2 * i]], b = virt[r->t->edges[2 * i + 1]];

		if (a != UINT32_MAX && b != UINT32_MAX)
			r->adj[a * r->k + b] = r->adj[b * r->k + a] = 1;
	}
	free(virt);
}

static bool adj(const struct region *r, u32 a, u32 b)
{
	return r->t->kind == QPU_TOPO_FULL || r->adj[a * r->k + b];
}

/*
 * Are the @n operands of @g connected, using only couplings for which
 * @ok(r, pairs, a, b) holds? Plain flood fill.
 */
static bool connected(const struct qpu_gate *g, u32 n, const struct region *r,
		      const u32 *pairs, u32 npairs,
		      bool (*ok)(const struct region *r, const u32 *pairs,
				 u32 npairs, u32 a, u32 b))
{
	bool in[6] = { true }, grew = true;
	u32 i, j, reached = 1;

	while (grew) {
		grew = false;
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (in[j] && !in[i] &&
				    ok(r, pairs, npairs, g->qubits[i], g->qubits[j])) {
					in[i] = grew = true;
					reached++;
				}
	}
	return reached == n;
}

static bool by_topology(const struct region *r, const u32 *pairs, u32 npairs,
			u32 a, u32 b)
{
	(void)pairs;
	(void)npairs;
	return adj(r, a, b);
}

static bool by_pairs(const struct region *r, const u32 *pairs, u32 npairs,
		     u32 a, u32 b)
{
	u32 key = a < b ? a << 16 | b : b << 16 | a, i;

	(void)r;
	for (i = 0; i < npairs; i++)
		if (pairs[i] == key)
			return true;
	return false;
}

static bool finite_bits(u64 bits)
{
	return ((bits >> 52) & 0x7ff) != 0x7ff;
}

/* What an accepted gate must satisfy, written independently of circuit.c. */
static void check_accepted_gate(const struct qpu_gate *g, u32 idx, u32 nq,
				u32 ncl, u32 np, const struct region *r)
{
	u32 n, na, i, j;

	FZ_ASSERT(g->op >= 1 && g->op < QPU_OP_NR, "gate %u op %u", idx, g->op);
	FZ_ASSERT(!g->pad0 && !g->pad1 && !(g->flags & ~QPU_GATE_COND),
		  "gate %u reserved bits", idx);
	FZ_ASSERT(g->nctrl <= QPU_MAX_CONTROLS, "gate %u nctrl %u", idx, g->nctrl);
	FZ_ASSERT(!g->nctrl || (g->op != QPU_OP_MEASURE && g->op != QPU_OP_RESET &&
				g->op != QPU_OP_BARRIER),
		  "gate %u: controlled op %u", idx, g->op);
	n = g->nctrl + (g->op == QPU_OP_BARRIER ? 0 :
			g->op == QPU_OP_SWAP || g->op == QPU_OP_RXX ||
			g->op == QPU_OP_RZZ ? 2 : 1);
	for (i = 0; i < 6; i++) {
		if (i >= n) {
			FZ_ASSERT(!g->qubits[i], "gate %u unused operand %u", idx, i);
			continue;
		}
		FZ_ASSERT(g->qubits[i] < nq, "gate %u qubit %u", idx, g->qubits[i]);
		for (j = 0; j < i; j++)
			FZ_ASSERT(g->qubits[j] != g->qubits[i], "gate %u dup", idx);
	}
	FZ_ASSERT(g->op == QPU_OP_MEASURE ? g->cbit < ncl : !g->cbit,
		  "gate %u cbit %u", idx, g->cbit);
	if (g->flags & QPU_GATE_COND)
		FZ_ASSERT(g->cond_width >= 1 && g->cond_width <= 64 &&
			  g->cond_start + g->cond_width <= ncl &&
			  (g->cond_width == 64 || !(g->cond_value >> g->cond_width)),
			  "gate %u condition", idx);
	else
		FZ_ASSERT(!g->cond_start && !g->cond_width && !g->cond_value,
			  "gate %u condition fields", idx);
	na = qc_op_angles(g->op);
	for (i = 0; i < QPU_NUM_ANGLES; i++) {
		if (i >= na) {
			FZ_ASSERT(!g->param[i] && !g->scale[i] && !g->offset[i],
				  "gate %u unused angle %u", idx, i);
			continue;
		}
		FZ_ASSERT(g->param[i] <= np, "gate %u param %u", idx, g->param[i]);
		FZ_ASSERT(g->param[i] || !g->scale[i], "gate %u scale", idx);
		FZ_ASSERT(finite_bits(g->scale[i]) && finite_bits(g->offset[i]),
			  "gate %u angle not finite", idx);
	}
	if (n >= 2)
		FZ_ASSERT(connected(g, n, r, NULL, 0, by_topology),
			  "gate %u operands not connected", idx);
}

static int validate(const struct qpu_gate *gates, u32 ng, u32 nq, u32 ncl,
		    u32 np, const u64 *obs, u32 nobs, struct region *r,
		    u32 *pairs, struct qc_validation *res)
{
	struct qc_coupling cpl = {
		.full = r->t->kind == QPU_TOPO_FULL,
		.coupled = region_coupled,
		.priv = r,
	};

	return qc_circuit_validate(gates, ng, nq, ncl, np, obs, nobs, &cpl,
				   pairs, res);
}

/* Double bit patterns that matter to the checks. */
static u64 angle_bits(struct fz *f)
{
	static const u64 pick[] = {
		0, 0x3ff0000000000000ULL /* 1.0 */, 0x8000000000000000ULL /* -0 */,
		0x7ff0000000000000ULL /* inf */, 0x7ff8000000000000ULL /* nan */,
		0x400921fb54442d18ULL /* pi */, 0x0000000000000001ULL,
	};
	u8 s = fz_u8(f);

	return s < 200 ? pick[s % ARRAY_SIZE(pick)] : fz_u64(f);
}

/*
 * An operand for slot @i: mostly a coupled neighbour (within the circuit's
 * width) of an earlier operand, so multi-qubit gates often validate.
 */
static u32 pick_qubit(struct fz *f, const struct qpu_gate *g, u32 i, u32 nq,
		      const struct region *r)
{
	u32 from, cand[QPU_MAX_SIM_QUBITS], nc = 0, q;

	if (!i || fz_u8(f) < 64)
		return fz_below(f, nq);
	from = g->qubits[fz_below(f, i)];
	for (q = 0; q < nq; q++)
		if (q != from && adj(r, from, q))
			cand[nc++] = q;
	return nc ? cand[fz_below(f, nc)] : fz_below(f, nq);
}

/* A gate from a few bytes: mostly valid fields, then maybe one corruption. */
static void build_gate(struct fz *f, struct qpu_gate *g, u32 nq, u32 ncl,
		       u32 np, const struct region *r)
{
	u32 n, i, c;

	memset(g, 0, sizeof(*g));
	g->op = 1 + fz_below(f, QPU_OP_NR - 1);
	if (g->op != QPU_OP_MEASURE && g->op != QPU_OP_RESET &&
	    g->op != QPU_OP_BARRIER)
		g->nctrl = fz_below(f, 3) ? 0 : fz_below(f, QPU_MAX_CONTROLS + 1);
	n = qc_gate_operands(g);
	for (i = 0; i < n; i++)
		g->qubits[i] = pick_qubit(f, g, i, nq, r);
	if (g->op == QPU_OP_MEASURE)
		g->cbit = fz_below(f, ncl ? ncl : 1);
	if (ncl && !fz_below(f, 8)) {
		g->flags = QPU_GATE_COND;
		g->cond_start = fz_below(f, ncl);
		g->cond_width = 1 + fz_below(f, ncl - g->cond_start);
		g->cond_value = fz_u64(f);
		if (g->cond_width < 64)
			g->cond_value &= (1ULL << g->cond_width) - 1;
	}
	for (i = 0; i < qc_op_angles(g->op); i++) {
		g->param[i] = fz_below(f, 4) ? 0 : fz_below(f, np + 1);
		if (g->param[i])
			g->scale[i] = angle_bits(f);
		g->offset[i] = angle_bits(f);
	}

	c = fz_u8(f);
	if (c < 224)
		return;
	/* One corruption, to reach every rejection with the rest valid. */
	switch (c % 8) {
	case 0: g->qubits[fz_below(f, 6)] = fz_u16(f); break;
	case 1: g->nctrl = fz_u8(f); break;
	case 2: g->op = fz_u8(f); break;
	case 3: g->cbit = fz_u32(f); break;
	case 4: g->pad0 = fz_u8(f); g->pad1 = fz_u32(f); break;
	case 5: g->flags = fz_u8(f); g->cond_width = fz_u16(f); break;
	case 6: g->param[fz_below(f, 3)] = fz_u32(f); break;
	default: g->offset[fz_below(f, 3)] = fz_u64(f); break;
	}
}

static void check_pairs(const struct qpu_gate *gates, u32 ng,
			const struct region *r, const u32 *pairs, u32 npairs)
{
	u32 i, j, k;

	FZ_ASSERT(npairs <= qc_circuit_max_pairs(ng), "%u pairs", npairs);
	for (i = 0; i < npairs; i++) {
		u32 a = pairs[i] >> 16, b = pairs[i] & 0xffff;
		bool used = false;

		FZ_ASSERT(!i || pairs[i - 1] < pairs[i], "pairs not sorted/unique");
		FZ_ASSERT(a < b && b < r->k && adj(r, a, b), "pair %u-%u", a, b);
		for (j = 0; j < ng && !used; j++) {
			const struct qpu_gate *g = &gates[j];
			u32 n = qc_gate_operands(g), x = n, y = n;

			for (k = 0; k < n; k++) {
				x = g->qubits[k] == a ? k : x;
				y = g->qubits[k] == b ? k : y;
			}
			used = n >= 2 && x < n && y < n;
		}
		FZ_ASSERT(used, "pair %u-%u on no gate", a, b);
	}
	if (r->t->kind == QPU_TOPO_FULL)
		return;
	for (j = 0; j < ng; j++) {
		u32 n = qc_gate_operands(&gates[j]);

		if (n >= 2)
			FZ_ASSERT(connected(&gates[j], n, r, pairs, npairs, by_pairs),
				  "gate %u not connected by the recorded pairs", j);
	}
}

static bool expect_per_shot(const struct qpu_gate *gates, u32 ng)
{
	u64 measured = 0;
	u32 i, j;

	for (i = 0; i < ng; i++) {
		const struct qpu_gate *g = &gates[i];

		if (g->op == QPU_OP_BARRIER)
			continue;
		if ((g->flags & QPU_GATE_COND) || g->op == QPU_OP_RESET)
			return true;
		if (g->op == QPU_OP_MEASURE) {
			measured |= 1ULL << g->qubits[0];
			continue;
		}
		for (j = 0; j < qc_gate_operands(g); j++)
			if (measured >> g->qubits[j] & 1)
				return true;
	}
	return false;
}

/* A second region of the same size: if it has every pair, it must fit. */
static void check_other_region(struct qc_alloc *al, const struct qc_topology *t,
			       u32 k, const struct qpu_gate *gates, u32 ng,
			       u32 nq, u32 ncl, u32 np, const u32 *pairs,
			       u32 npairs)
{
	struct region r2 = { .t = t, .k = k };
	struct qc_validation res;
	u32 i;
	int ret;

	r2.phys = malloc(k * sizeof(u32));
	FZ_ASSERT(r2.phys, "out of memory");
	if (qc_alloc_get(al, k, 99, r2.phys)) {
		free(r2.phys);
		return;
	}
	for (i = 0; i < npairs; i++)
		if (!region_coupled(&r2, pairs[i] >> 16, pairs[i] & 0xffff))
			break;
	if (i == npairs || t->kind == QPU_TOPO_FULL) {
		ret = validate(gates, ng, nq, ncl, np, NULL, 0, &r2, NULL, &res);
		FZ_ASSERT(!ret, "fits the second region but rejected: error %u "
			  "at %u", res.error, res.index);
	}
	qc_alloc_put(al, r2.phys, k);
	free(r2.phys);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	const struct qc_topology *t;
	struct qc_validation res, res2, one;
	struct region r = { 0 };
	struct qpu_gate *gates;
	struct qc_alloc *al;
	u32 nq, ncl, np, ng, nobs, i, *pairs, tmp[64];
	u64 *obs;
	int ret;

	t = topology(fz_below(&f, ARRAY_SIZE(specs)));
	al = qc_alloc_create(t);
	FZ_ASSERT(al, "out of memory");
	/* Other tenants' allocations, so regions are not always 0..k-1. */
	for (i = fz_below(&f, 4); i; i--) {
		u32 k = 1 + fz_below(&f, t->num_qubits / 3);

		if (k <= 64)
			qc_alloc_get(al, k, 1 + i, tmp);
	}
	r.t = t;
	r.k = 1 + fz_below(&f, t->num_qubits < 40 ? t->num_qubits : 40);
	r.phys = malloc(r.k * sizeof(u32));
	FZ_ASSERT(r.phys, "out of memory");
	if (qc_alloc_get(al, r.k, 50, r.phys)) {
		free(r.phys);
		qc_alloc_destroy(al);
		return 0;
	}
	region_adj(&r);

	/* The ioctl's own limits come first (qpu_circuit_check_args()). */
	nq = 1 + fz_below(&f, r.k < QPU_MAX_SIM_QUBITS ? r.k : QPU_MAX_SIM_QUBITS);
	ncl = fz_below(&f, QPU_MAX_CLBITS + 1);
	np = fz_below(&f, 4) ? fz_below(&f, 8) : fz_below(&f, QPU_MAX_PARAMS + 1);
	nobs = fz_below(&f, 4);
	obs = malloc((nobs + 1) * sizeof(u64));
	FZ_ASSERT(obs, "out of memory");
	for (i = 0; i < nobs; i++) {
		obs[i] = fz_u64(&f);
		if (fz_u8(&f) < 200)
			obs[i] &= nq < 64 ? (1ULL << nq) - 1 : ~0ULL;
	}
	ng = 1 + fz_below(&f, MAX_GATES);
	gates = malloc(ng * sizeof(*gates));
	FZ_ASSERT(gates, "out of memory");
	for (i = 0; i < ng; i++) {
		if (!f.n) {
			ng = i ? i : 1;
			if (!i)
				memset(&gates[0], 0, sizeof(gates[0]));
			break;
		}
		if (fz_u8(&f) >= 240)
			fz_bytes(&f, &gates[i], sizeof(gates[i]));
		else
			build_gate(&f, &gates[i], nq, ncl, np, &r);
	}

	/* Exactly the room the driver gives, so ASan sees an overflow. */
	pairs = malloc(qc_circuit_max_pairs(ng) * sizeof(u32));
	FZ_ASSERT(pairs, "out of memory");
	ret = validate(gates, ng, nq, ncl, np, obs, nobs, &r, pairs, &res);
	FZ_ASSERT(ret == 0 || ret == -EINVAL, "returned %d", ret);
	FZ_ASSERT(validate(gates, ng, nq, ncl, np, obs, nobs, &r, NULL, &res2) == ret &&
		  res2.error == res.error && res2.index == res.index &&
		  res2.per_shot == res.per_shot,
		  "collecting pairs changed the result");

	if (!ret) {
		FZ_ASSERT(res.error == QPU_CERR_NONE, "error %u on success", res.error);
		for (i = 0; i < ng; i++)
			check_accepted_gate(&gates[i], i, nq, ncl, np, &r);
		for (i = 0; i < nobs; i++)
			FZ_ASSERT(nq >= 64 || !(obs[i] >> nq), "observable %u", i);
		check_pairs(gates, ng, &r, pairs, res.num_pairs);
		FZ_ASSERT(res.per_shot == expect_per_shot(gates, ng), "per_shot %d",
			  res.per_shot);
		FZ_ASSERT(qc_circuit_shot_ns(gates, ng) >= 250000, "shot time");
		check_other_region(al, t, r.k, gates, ng, nq, ncl, np, pairs,
				   res.num_pairs);
	} else if (res.error == QPU_CERR_OBSERVABLE) {
		FZ_ASSERT(res.index < nobs && nq < 64 && obs[res.index] >> nq,
			  "observable %u", res.index);
		FZ_ASSERT(!validate(gates, ng, nq, ncl, np, obs, res.index, &r,
				    NULL, &one),
			  "observables before %u", res.index);
	} else {
		FZ_ASSERT(res.error > QPU_CERR_NONE && res.error <= QPU_CERR_RESERVED,
			  "error %u", res.error);
		FZ_ASSERT(res.index < ng, "index %u of %u", res.index, ng);
		if (res.index)
			FZ_ASSERT(!validate(gates, res.index, nq, ncl, np, NULL, 0,
					    &r, NULL, &one),
				  "gates before %u rejected: %u at %u", res.index,
				  one.error, one.index);
		FZ_ASSERT(validate(&gates[res.index], 1, nq, ncl, np, NULL, 0, &r,
				   NULL, &one) == -EINVAL && one.error == res.error,
			  "gate %u alone: %u, in the circuit: %u", res.index,
			  one.error, res.error);
	}

	free(pairs);
	free(gates);
	free(obs);
	free(r.adj);
	free(r.phys);
	qc_alloc_destroy(al);
	return 0;
}
