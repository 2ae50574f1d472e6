// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * layout.c - placing a circuit's qubits onto an allocation so that every
 * multi-qubit gate lands on coupled qubits (what the kernel's validator
 * demands: the rule itself is kmod/core/coupling.c, which the validator
 * and this file share). A backtracking search over injective maps,
 * most-constrained circuit qubit first, with adjacency and degree pruning
 * and a step budget.
 * It never inserts SWAPs: circuits that need routing are rejected.
 *
 * With calibrated costs (qpu_circuit_layout_dev() on a device in
 * "calibrated" noise mode whose sysfs calibration is readable) the search
 * does not stop at the first valid layout: it keeps the valid layout of
 * least cost found within the same step budget, the cost being each
 * two-qubit gate's coupler error plus, per circuit qubit, its number of
 * gates times its qubit's cost (qc_alloc_qubit_cost(), the driver's
 * placement cost): busy pairs go on good couplers and busy qubits on good
 * qubits. Without costs the behaviour is unchanged. Stateless: no locks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "circuit.h"
#include "coupling.h"
#include "qalloc.h"

#define QPU_LAYOUT_STEPS	(1U << 20)

struct layout {
	uint32_t n, k;		/* circuit qubits, allocation qubits */
	uint8_t *cadj;		/* n x n: circuit qubits interact */
	uint8_t *aadj;		/* k x k: allocation qubits coupled */
	uint32_t *cdeg, *adeg;
	uint32_t *order;	/* circuit qubits in search order */
	uint32_t *map;		/* circuit qubit -> allocation qubit */
	uint8_t *used;		/* allocation qubit taken */
	const struct qpu_gate *gates;
	uint32_t ngates;
	uint32_t steps;
	/* with costs: keep the cheapest valid layout, not the first */
	const struct qpu_layout_cost *cost;
	uint32_t *cw;		/* n x n: two-qubit gates between circuit qubits */
	uint32_t *nops;		/* n: gates on each circuit qubit */
	uint32_t *best;		/* n: cheapest valid map so far */
	uint64_t best_cost;
	bool have_best;
};

/* The cost of the current (complete, valid) map. */
static uint64_t layout_cost(const struct layout *l)
{
	const struct qpu_layout_cost *c = l->cost;
	uint64_t s = 0;
	uint32_t i, j;

	for (i = 0; i < l->n; i++) {
		s += (uint64_t)l->nops[i] * c->qcost[l->map[i]];
		for (j = i + 1; j < l->n; j++)
			if (l->cw[i * l->n + j])
				s += (uint64_t)l->cw[i * l->n + j] *
				     c->ecost[l->map[i] * c->k + l->map[j]];
	}
	return s;
}

/*
 * A valid complete map: with costs, remember it if cheapest and go on
 * (false); without, stop the search here (true).
 */
static bool leaf(struct layout *l)
{
	uint64_t c;

	if (!l->cost)
		return true;
	l->steps += l->n;	/* a leaf's cost counts against the budget */
	c = layout_cost(l);
	if (!l->have_best || c < l->best_cost) {
		l->best_cost = c;
		l->have_best = true;
		memcpy(l->best, l->map, l->n * sizeof(*l->map));
	}
	return false;
}

/* Coupling of circuit qubits @a and @b under the current map. */
static bool mapped_coupled(void *priv, uint32_t a, uint32_t b)
{
	const struct layout *l = priv;

	return l->aadj[l->map[a] * l->k + l->map[b]];
}

/*
 * Does the current map satisfy the kernel's rule (kmod/core/coupling.c,
 * the validator's own function) for every gate on @min or more qubits?
 */
static bool gates_connected(const struct layout *l, uint32_t min)
{
	uint32_t i, n;

	for (i = 0; i < l->ngates; i++) {
		n = qc_gate_operands(&l->gates[i]);
		if (n >= min &&
		    !qc_operands_connected(l->gates[i].qubits, n,
					   mapped_coupled, (void *)l,
					   NULL, NULL))
			return false;
	}
	return true;
}

static bool fits(const struct layout *l, uint32_t depth, uint32_t v)
{
	uint32_t c = l->order[depth], i;

	if (l->used[v] || l->adeg[v] < l->cdeg[c])
		return false;
	for (i = 0; i < depth; i++) {
		uint32_t u = l->order[i];

		if (l->cadj[c * l->n + u] && !l->aadj[v * l->k + l->map[u]])
			return false;
	}
	return true;
}

static bool search(struct layout *l, uint32_t depth)
{
	uint32_t v;

	/* Two-qubit gates were checked on the way down by fits(). */
	if (depth == l->n)
		return gates_connected(l, 3) && leaf(l);
	for (v = 0; v < l->k; v++) {
		if (++l->steps > QPU_LAYOUT_STEPS)
			return false;
		if (!fits(l, depth, v))
			continue;
		l->map[l->order[depth]] = v;
		l->used[v] = 1;
		if (search(l, depth + 1))
			return true;
		l->used[v] = 0;
	}
	return false;
}

/* Most interactions first, then neighbours of placed qubits (BFS-like). */
static void make_order(struct layout *l)
{
	uint8_t *placed = l->used;	/* borrowed, cleared afterwards */
	uint32_t i, j, best;

	for (i = 0; i < l->n; i++) {
		long score, top = -1;

		best = 0;
		for (j = 0; j < l->n; j++) {
			uint32_t u, links = 0;

			if (placed[j])
				continue;
			for (u = 0; u < l->n; u++)
				links += placed[u] && l->cadj[j * l->n + u];
			score = (long)links * 1000 + l->cdeg[j];
			if (score > top) {
				top = score;
				best = j;
			}
		}
		l->order[i] = best;
		placed[best] = 1;
	}
	memset(placed, 0, l->k);
}

static void add_interactions(struct layout *l)
{
	uint32_t g, i, j, o;

	for (g = 0; g < l->ngates; g++) {
		const struct qpu_gate *gt = &l->gates[g];

		if (l->cost)
			for (o = 0; o < qc_gate_operands(gt); o++)
				l->nops[gt->qubits[o]]++;
		if (qc_gate_operands(gt) != 2)
			continue;	/* wider gates are checked at the leaves */
		i = gt->qubits[0];
		j = gt->qubits[1];
		if (l->cost) {
			l->cw[i * l->n + j]++;
			l->cw[j * l->n + i]++;
		}
		if (!l->cadj[i * l->n + j]) {
			l->cadj[i * l->n + j] = l->cadj[j * l->n + i] = 1;
			l->cdeg[i]++;
			l->cdeg[j]++;
		}
	}
}

QPU_EXPORT uint32_t qpu_circuit_interactions(const struct qpu_circuit *c,
					     struct qpu_edge *pairs,
					     uint32_t cap)
{
	const struct qpu_gate *g = qpu_circuit_gates(c);
	uint32_t ng = qpu_circuit_num_gates(c), i, j, n, count = 0;

	for (i = 0; i < ng; i++) {
		n = qc_gate_operands(&g[i]);
		for (j = 0; j + 1 < n; j++, count++) {
			if (count >= cap || !pairs)
				continue;
			pairs[count].a = g[i].qubits[j];
			pairs[count].b = g[i].qubits[j + 1];
		}
	}
	return count;
}

int qpu_circuit_layout_cost(const struct qpu_circuit *c,
			    const struct qpu_qubits *q,
			    const struct qpu_layout_cost *cost, uint32_t *map)
{
	struct layout l = {
		.n = qpu_circuit_num_qubits(c),
		.k = q->num_qubits,
		.gates = qpu_circuit_gates(c),
		.ngates = qpu_circuit_num_gates(c),
		.cost = cost && cost->k == q->num_qubits ? cost : NULL,
	};
	uint32_t i;
	int ret = -ENOMEM;

	if (l.n > l.k)
		return qpu_err(-E2BIG);
	l.cadj = calloc((size_t)l.n * l.n, 1);
	l.aadj = calloc((size_t)l.k * l.k, 1);
	l.cdeg = calloc(l.n, sizeof(*l.cdeg));
	l.adeg = calloc(l.k, sizeof(*l.adeg));
	l.order = calloc(l.n, sizeof(*l.order));
	l.used = calloc(l.k, 1);
	l.map = map;
	if (!l.cadj || !l.aadj || !l.cdeg || !l.adeg || !l.order || !l.used)
		goto out;
	if (l.cost) {
		l.cw = calloc((size_t)l.n * l.n + 1, sizeof(*l.cw));
		l.nops = calloc(l.n + 1, sizeof(*l.nops));
		l.best = calloc(l.n + 1, sizeof(*l.best));
		if (!l.cw || !l.nops || !l.best)
			goto out;
	}

	for (i = 0; i < q->num_edges; i++) {
		uint32_t a = q->edges[i].a, b = q->edges[i].b;

		l.aadj[a * l.k + b] = l.aadj[b * l.k + a] = 1;
		l.adeg[a]++;
		l.adeg[b]++;
	}
	add_interactions(&l);

	/* The identity first: most circuits written for a device fit as is. */
	for (i = 0; i < l.n; i++) {
		l.order[i] = i;
		map[i] = i;
	}
	ret = 0;
	for (i = 0; i < l.n && !ret; i++)
		if (!fits(&l, i, i))
			ret = -EXDEV;
		else
			l.used[i] = 1;
	if (!ret && gates_connected(&l, 3) && leaf(&l))
		goto check;

	memset(l.used, 0, l.k);
	make_order(&l);
	ret = search(&l, 0) ? 0 : -EXDEV;
	if (ret && l.have_best) {
		/* with costs: the cheapest valid layout the budget reached */
		memcpy(map, l.best, l.n * sizeof(*map));
		ret = 0;
	}
check:
	/*
	 * The answer is the validator's: every gate on two or more qubits
	 * by the shared rule (the search's pruning only gets there faster).
	 */
	if (!ret && !gates_connected(&l, 2))
		ret = -EXDEV;
out:
	free(l.cadj);
	free(l.aadj);
	free(l.cdeg);
	free(l.adeg);
	free(l.order);
	free(l.used);
	free(l.cw);
	free(l.nops);
	free(l.best);
	return qpu_err(ret);
}

QPU_EXPORT int qpu_circuit_layout(const struct qpu_circuit *c,
				  const struct qpu_qubits *q, uint32_t *map)
{
	return qpu_circuit_layout_cost(c, q, NULL, map);
}

void qpu_layout_cost_free(struct qpu_layout_cost *cost)
{
	free(cost->qcost);
	free(cost->ecost);
	memset(cost, 0, sizeof(*cost));
}

/*
 * One calibration record into @cost: "q Q R G T1 T2" (the 5-value form,
 * readout symmetric) or "q Q R01 G T1 T2 R10", and "e A B G". @virt maps
 * a physical qubit <= @maxp to its virtual index + 1 (0: not in @q).
 * Unknown or malformed lines are skipped: a newer format appends values.
 */
static void layout_cost_record(const char *line, const uint32_t *virt,
			       uint32_t maxp, struct qpu_layout_cost *cost)
{
	unsigned int v[6];
	int n;

	if (line[0] == 'q') {
		n = sscanf(line, "q %u %u %u %u %u %u", &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5]);
		if (n < 5 || v[0] > maxp || !virt[v[0]])
			return;
		cost->qcost[virt[v[0]] - 1] =
			qc_alloc_qubit_cost(v[1], n >= 6 ? v[5] : v[1], v[2],
					    v[3], v[4]);
	} else if (line[0] == 'e') {
		uint32_t a, b, g;

		if (sscanf(line, "e %u %u %u", &v[0], &v[1], &v[2]) != 3 ||
		    v[0] > maxp || v[1] > maxp || !virt[v[0]] || !virt[v[1]])
			return;
		a = virt[v[0]] - 1;
		b = virt[v[1]] - 1;
		g = v[2] < QC_ALLOC_COST_MAX ? v[2] : QC_ALLOC_COST_MAX;
		cost->ecost[a * cost->k + b] = cost->ecost[b * cost->k + a] = g;
	}
}

int qpu_layout_cost_read(const char *path, const struct qpu_qubits *q,
			 struct qpu_layout_cost *cost)
{
	uint32_t maxp = 0, i, k = q->num_qubits, *virt;
	char line[256];
	FILE *f;
	int saved = errno;

	memset(cost, 0, sizeof(*cost));
	for (i = 0; i < k; i++)
		if (q->phys[i] > maxp)
			maxp = q->phys[i];
	f = fopen(path, "re");
	if (!f) {
		errno = saved;
		return -ENOENT;
	}
	virt = calloc((size_t)maxp + 1, sizeof(*virt));
	cost->k = k;
	cost->qcost = calloc(k ? k : 1, sizeof(*cost->qcost));
	cost->ecost = calloc((size_t)k * k + 1, sizeof(*cost->ecost));
	if (!virt || !cost->qcost || !cost->ecost) {
		fclose(f);
		free(virt);
		qpu_layout_cost_free(cost);
		return -ENOMEM;
	}
	for (i = 0; i < k; i++)
		virt[q->phys[i]] = i + 1;
	while (fgets(line, sizeof(line), f))
		layout_cost_record(line, virt, maxp, cost);
	fclose(f);
	free(virt);
	errno = saved;
	return 0;
}

/* Is device @id in "calibrated" noise mode? */
static bool layout_dev_calibrated(uint32_t id)
{
	char path[64], mode[32] = "";
	int saved = errno;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/qpu/qpu%u/noise", id);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = '\0';
		fclose(f);
	}
	errno = saved;
	return !strcmp(mode, "calibrated\n");
}

QPU_EXPORT int qpu_circuit_layout_dev(struct qpu_dev *dev,
				      const struct qpu_circuit *c,
				      const struct qpu_qubits *q, uint32_t *map)
{
	struct qpu_layout_cost cost, *cp = NULL;
	struct qpu_info info;
	char path[64];
	int ret;

	memset(&info, 0, sizeof(info));
	if (dev && !qpu_ioctl(dev, QPU_IOC_GET_INFO, &info) &&
	    layout_dev_calibrated(info.dev_id)) {
		snprintf(path, sizeof(path), "/sys/class/qpu/qpu%u/calibration",
			 info.dev_id);
		if (!qpu_layout_cost_read(path, q, &cost))
			cp = &cost;
	}
	ret = qpu_circuit_layout_cost(c, q, cp, map);
	if (cp)
		qpu_layout_cost_free(cp);
	return ret;
}
