// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * circuit.c - the circuit builder: a growable array of struct qpu_gate,
 * checked gate by gate with the same rules the kernel's validator applies
 * (operand counts, ranges, distinct operands, angle counts, finite
 * angles, conditions), plus classical register names, observables and
 * parameter slots. Coupling is not checked here: that depends on the
 * allocation the circuit is loaded onto.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>

#include <openssl/evp.h>

#include "circuit_priv.h"
#include "circuit.h"

struct qpu_creg {
	char *name;
	uint32_t start;
	uint32_t width;
};

struct qpu_circuit {
	uint32_t num_qubits;
	uint32_t num_clbits;

	struct qpu_gate *gates;
	uint32_t num_gates;
	uint32_t gates_cap;

	uint64_t *obs;
	uint32_t num_obs;
	uint32_t obs_cap;

	/* Named classical registers; none means one register "c". */
	struct qpu_creg *cregs;
	uint32_t num_cregs;
	uint32_t cregs_cap;
	uint32_t creg_bits;	/* bits named so far */

	/* Parameter slots: explicit count, or 1 + the highest slot used. */
	bool num_params_set;
	uint32_t num_params;
	uint32_t params_used;
	char **param_names;
	uint32_t param_names_cap;

	/* Condition given to the gates that follow. */
	uint32_t cond_start;
	uint32_t cond_width;	/* 0: none */
	uint64_t cond_value;

	/* The circuit this one was routed or placed from, if any. */
	bool has_source;
	struct qpu_circuit_source source;
};

static bool op_takes_controls(uint32_t op)
{
	return op != QPU_OP_MEASURE && op != QPU_OP_RESET && op != QPU_OP_BARRIER;
}

static uint64_t dbl_bits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

struct qpu_circuit *qpu__circuit_alloc(uint32_t num_qubits, uint32_t num_clbits)
{
	struct qpu_circuit *c;

	if (num_qubits > QPU_MAX_QUBITS || num_clbits > QPU_MAX_CLBITS)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->num_qubits = num_qubits;
	c->num_clbits = num_clbits;
	return c;
}

int qpu__circuit_grow(struct qpu_circuit *c, uint32_t num_qubits,
		      uint32_t num_clbits)
{
	if (num_qubits < c->num_qubits || num_clbits < c->num_clbits)
		return -EINVAL;
	if (num_qubits > QPU_MAX_QUBITS || num_clbits > QPU_MAX_CLBITS)
		return -E2BIG;
	c->num_qubits = num_qubits;
	c->num_clbits = num_clbits;
	return 0;
}

QPU_EXPORT struct qpu_circuit *qpu_circuit_new(uint32_t num_qubits,
					       uint32_t num_clbits)
{
	struct qpu_circuit *c;

	if (!num_qubits)
		return qpu_err_ptr(-EINVAL);
	if (num_qubits > QPU_MAX_QUBITS || num_clbits > QPU_MAX_CLBITS)
		return qpu_err_ptr(-E2BIG);
	c = qpu__circuit_alloc(num_qubits, num_clbits);
	if (!c)
		return qpu_err_ptr(-ENOMEM);
	return c;
}

QPU_EXPORT void qpu_circuit_free(struct qpu_circuit *c)
{
	uint32_t i;

	if (!c)
		return;
	for (i = 0; i < c->num_cregs; i++)
		free(c->cregs[i].name);
	for (i = 0; i < c->param_names_cap; i++)
		free(c->param_names[i]);
	free(c->param_names);
	free(c->cregs);
	free(c->obs);
	free(c->gates);
	free(c);
}

/* Make room for one more element in a growable array. */
static int grow_array(void **arr, uint32_t *cap, uint32_t used, size_t elem,
		      uint32_t limit)
{
	uint32_t ncap;
	void *p;

	if (used < *cap)
		return 0;
	if (used >= limit)
		return -E2BIG;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > limit)
		ncap = limit;
	p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * Most gates a circuit may hold: the ABI's ceiling. A device's own limit
 * (qpu_info.max_gates) is checked when the circuit is loaded. Only the
 * host tests lower it, to reach it without materializing 4 Mi gates.
 */
uint32_t qpu_gate_limit = QPU_MAX_GATES;

/* Append a fully formed gate, giving it the current condition. */
static int circuit_append(struct qpu_circuit *c, struct qpu_gate *g)
{
	int ret;

	ret = grow_array((void **)&c->gates, &c->gates_cap, c->num_gates,
			 sizeof(*c->gates), qpu_gate_limit);
	if (ret)
		return ret;
	if (c->cond_width) {
		g->flags |= QPU_GATE_COND;
		g->cond_start = c->cond_start;
		g->cond_width = c->cond_width;
		g->cond_value = c->cond_value;
	}
	c->gates[c->num_gates++] = *g;
	return 0;
}

static int check_angle(const struct qpu_circuit *c, const struct qpu_angle *a)
{
	if (!isfinite(a->scale) || !isfinite(a->offset))
		return -EINVAL;
	if (!a->param)
		return a->scale != 0.0 ? -EINVAL : 0;
	if (a->param > QPU_MAX_PARAMS)
		return -EINVAL;
	if (c->num_params_set && a->param > c->num_params)
		return -EINVAL;
	return 0;
}

QPU_EXPORT int qpu_circuit_gate(struct qpu_circuit *c, uint32_t op,
				uint32_t nctrl, const uint32_t *qubits,
				uint32_t nqubits, const struct qpu_angle *angles,
				uint32_t nangles)
{
	struct qpu_gate g;
	uint32_t i, j;
	int ret;

	if (!c || !op || op >= QPU_OP_NR)
		return qpu_err(-EINVAL);
	/* A measurement needs its classical bit: qpu_circuit_measure(). */
	if (op == QPU_OP_MEASURE)
		return qpu_err(-EINVAL);
	if (nctrl > QPU_MAX_CONTROLS || (nctrl && !op_takes_controls(op)))
		return qpu_err(-EINVAL);
	if (nqubits != nctrl + qc_op_targets(op) || (nqubits && !qubits))
		return qpu_err(-EINVAL);
	if (nangles != qc_op_angles(op) || (nangles && !angles))
		return qpu_err(-EINVAL);

	memset(&g, 0, sizeof(g));
	g.op = op;
	g.nctrl = nctrl;
	for (i = 0; i < nqubits; i++) {
		if (qubits[i] >= c->num_qubits)
			return qpu_err(-EINVAL);
		for (j = 0; j < i; j++)
			if (qubits[j] == qubits[i])
				return qpu_err(-EINVAL);
		g.qubits[i] = qubits[i];
	}
	for (i = 0; i < nangles; i++) {
		ret = check_angle(c, &angles[i]);
		if (ret)
			return qpu_err(ret);
		g.param[i] = angles[i].param;
		g.scale[i] = angles[i].param ? dbl_bits(angles[i].scale) : 0;
		g.offset[i] = dbl_bits(angles[i].offset);
	}
	ret = circuit_append(c, &g);
	if (ret)
		return qpu_err(ret);
	for (i = 0; i < nangles; i++)
		if (angles[i].param > c->params_used)
			c->params_used = angles[i].param;
	return 0;
}

static int gate0(struct qpu_circuit *c, uint32_t op, uint32_t q)
{
	return qpu_circuit_gate(c, op, 0, &q, 1, NULL, 0);
}

static int gate1(struct qpu_circuit *c, uint32_t op, uint32_t q,
		 struct qpu_angle a)
{
	return qpu_circuit_gate(c, op, 0, &q, 1, &a, 1);
}

static int gate_c1(struct qpu_circuit *c, uint32_t op, uint32_t ctrl,
		   uint32_t target)
{
	uint32_t q[2] = { ctrl, target };

	return qpu_circuit_gate(c, op, 1, q, 2, NULL, 0);
}

QPU_EXPORT int qpu_circuit_h(struct qpu_circuit *c, uint32_t q)
{
	return gate0(c, QPU_OP_H, q);
}

QPU_EXPORT int qpu_circuit_x(struct qpu_circuit *c, uint32_t q)
{
	return gate0(c, QPU_OP_X, q);
}

QPU_EXPORT int qpu_circuit_rx(struct qpu_circuit *c, uint32_t q,
			      struct qpu_angle theta)
{
	return gate1(c, QPU_OP_RX, q, theta);
}

QPU_EXPORT int qpu_circuit_ry(struct qpu_circuit *c, uint32_t q,
			      struct qpu_angle theta)
{
	return gate1(c, QPU_OP_RY, q, theta);
}

QPU_EXPORT int qpu_circuit_rz(struct qpu_circuit *c, uint32_t q,
			      struct qpu_angle phi)
{
	return gate1(c, QPU_OP_RZ, q, phi);
}

QPU_EXPORT int qpu_circuit_cx(struct qpu_circuit *c, uint32_t ctrl,
			      uint32_t target)
{
	return gate_c1(c, QPU_OP_X, ctrl, target);
}

QPU_EXPORT int qpu_circuit_cz(struct qpu_circuit *c, uint32_t ctrl,
			      uint32_t target)
{
	return gate_c1(c, QPU_OP_Z, ctrl, target);
}

QPU_EXPORT int qpu_circuit_measure(struct qpu_circuit *c, uint32_t q,
				   uint32_t cbit)
{
	struct qpu_gate g;

	if (!c || q >= c->num_qubits || cbit >= c->num_clbits)
		return qpu_err(-EINVAL);
	memset(&g, 0, sizeof(g));
	g.op = QPU_OP_MEASURE;
	g.qubits[0] = q;
	g.cbit = cbit;
	return qpu_err(circuit_append(c, &g));
}

QPU_EXPORT int qpu_circuit_reset(struct qpu_circuit *c, uint32_t q)
{
	return gate0(c, QPU_OP_RESET, q);
}

QPU_EXPORT int qpu_circuit_barrier(struct qpu_circuit *c)
{
	return qpu_circuit_gate(c, QPU_OP_BARRIER, 0, NULL, 0, NULL, 0);
}

QPU_EXPORT int qpu_circuit_set_cond(struct qpu_circuit *c, uint32_t start,
				    uint32_t width, uint64_t value)
{
	if (!c)
		return qpu_err(-EINVAL);
	if (!width) {
		c->cond_start = 0;
		c->cond_width = 0;
		c->cond_value = 0;
		return 0;
	}
	if (width > 64 || start > c->num_clbits || width > c->num_clbits - start)
		return qpu_err(-EINVAL);
	if (width < 64 && value >> width)
		return qpu_err(-EINVAL);
	c->cond_start = start;
	c->cond_width = width;
	c->cond_value = value;
	return 0;
}

QPU_EXPORT int qpu_circuit_add_observable(struct qpu_circuit *c, uint64_t zmask)
{
	int ret;

	if (!c)
		return qpu_err(-EINVAL);
	if (c->num_qubits < 64 && zmask >> c->num_qubits)
		return qpu_err(-EINVAL);
	ret = grow_array((void **)&c->obs, &c->obs_cap, c->num_obs,
			 sizeof(*c->obs), QPU_MAX_OBSERVABLES);
	if (ret)
		return qpu_err(ret);
	c->obs[c->num_obs++] = zmask;
	return 0;
}

QPU_EXPORT int qpu_circuit_add_creg(struct qpu_circuit *c, const char *name,
				    uint32_t width)
{
	struct qpu_creg *r;
	uint32_t i;
	int ret;

	if (!c || !name || !*name || !width)
		return qpu_err(-EINVAL);
	for (i = 0; i < c->num_cregs; i++)
		if (!strcmp(c->cregs[i].name, name))
			return qpu_err(-EINVAL);
	if (width > c->num_clbits - c->creg_bits)
		return qpu_err(-E2BIG);
	ret = grow_array((void **)&c->cregs, &c->cregs_cap, c->num_cregs,
			 sizeof(*c->cregs), QPU_MAX_CLBITS);
	if (ret)
		return qpu_err(ret);
	r = &c->cregs[c->num_cregs];
	r->name = strdup(name);
	if (!r->name)
		return qpu_err(-ENOMEM);
	r->start = c->creg_bits;
	r->width = width;
	c->num_cregs++;
	c->creg_bits += width;
	return (int)r->start;
}

QPU_EXPORT int qpu_circuit_set_num_params(struct qpu_circuit *c, uint32_t n)
{
	if (!c)
		return qpu_err(-EINVAL);
	if (n > QPU_MAX_PARAMS)
		return qpu_err(-E2BIG);
	if (n < c->params_used)
		return qpu_err(-EINVAL);
	c->num_params_set = true;
	c->num_params = n;
	return 0;
}

int qpu__circuit_set_param_name(struct qpu_circuit *c, uint32_t slot,
				const char *name)
{
	uint32_t ncap;
	char **p, *s;

	if (slot >= QPU_MAX_PARAMS)
		return -EINVAL;
	if (slot >= c->param_names_cap) {
		ncap = c->param_names_cap ? c->param_names_cap : 8;
		while (ncap <= slot)
			ncap *= 2;
		if (ncap > QPU_MAX_PARAMS)
			ncap = QPU_MAX_PARAMS;
		p = realloc(c->param_names, ncap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		memset(p + c->param_names_cap, 0,
		       (ncap - c->param_names_cap) * sizeof(*p));
		c->param_names = p;
		c->param_names_cap = ncap;
	}
	s = strdup(name);
	if (!s)
		return -ENOMEM;
	free(c->param_names[slot]);
	c->param_names[slot] = s;
	return 0;
}

QPU_EXPORT uint32_t qpu_circuit_num_qubits(const struct qpu_circuit *c)
{
	return c ? c->num_qubits : 0;
}

QPU_EXPORT uint32_t qpu_circuit_num_clbits(const struct qpu_circuit *c)
{
	return c ? c->num_clbits : 0;
}

QPU_EXPORT uint32_t qpu_circuit_num_params(const struct qpu_circuit *c)
{
	if (!c)
		return 0;
	return c->num_params_set ? c->num_params : c->params_used;
}

QPU_EXPORT uint32_t qpu_circuit_num_gates(const struct qpu_circuit *c)
{
	return c ? c->num_gates : 0;
}

QPU_EXPORT const struct qpu_gate *qpu_circuit_gates(const struct qpu_circuit *c)
{
	return c ? c->gates : NULL;
}

QPU_EXPORT uint32_t qpu_circuit_num_observables(const struct qpu_circuit *c)
{
	return c ? c->num_obs : 0;
}

QPU_EXPORT const uint64_t *qpu_circuit_observables(const struct qpu_circuit *c)
{
	return c ? c->obs : NULL;
}

QPU_EXPORT int qpu_circuit_creg(const struct qpu_circuit *c, uint32_t i,
				const char **name, uint32_t *start,
				uint32_t *width)
{
	const char *n;
	uint32_t s, w;

	if (!c)
		return qpu_err(-EINVAL);
	if (c->num_cregs) {
		if (i >= c->num_cregs)
			return qpu_err(-ENOENT);
		n = c->cregs[i].name;
		s = c->cregs[i].start;
		w = c->cregs[i].width;
	} else {
		/* No named registers: all classical bits form "c". */
		if (i || !c->num_clbits)
			return qpu_err(-ENOENT);
		n = "c";
		s = 0;
		w = c->num_clbits;
	}
	if (name)
		*name = n;
	if (start)
		*start = s;
	if (width)
		*width = w;
	return 0;
}

QPU_EXPORT const char *qpu_circuit_param_name(const struct qpu_circuit *c,
					      uint32_t slot)
{
	if (!c || slot >= c->param_names_cap)
		return NULL;
	return c->param_names[slot];
}

/*
 * OpenQASM names: qelib1.inc's where it has one (cx, ccx, c3x, c4x, csx,
 * c3sqrtx, cp, cu3, cswap, ...), else "c<n>" before the base name.
 */
#define QPU_NAMES(b)	{ b, "c" b, "c2" b, "c3" b, "c4" b }
#define QPU_NAME0(b)	{ b, "unknown", "unknown", "unknown", "unknown" }

static const char *const qpu_op_names[QPU_OP_NR][QPU_MAX_CONTROLS + 1] = {
	[QPU_OP_ID]	 = QPU_NAMES("id"),
	[QPU_OP_X]	 = { "x", "cx", "ccx", "c3x", "c4x" },
	[QPU_OP_Y]	 = QPU_NAMES("y"),
	[QPU_OP_Z]	 = QPU_NAMES("z"),
	[QPU_OP_H]	 = QPU_NAMES("h"),
	[QPU_OP_S]	 = QPU_NAMES("s"),
	[QPU_OP_SDG]	 = QPU_NAMES("sdg"),
	[QPU_OP_T]	 = QPU_NAMES("t"),
	[QPU_OP_TDG]	 = QPU_NAMES("tdg"),
	[QPU_OP_SX]	 = { "sx", "csx", "c2sx", "c3sqrtx", "c4sx" },
	[QPU_OP_SXDG]	 = QPU_NAMES("sxdg"),
	[QPU_OP_RX]	 = QPU_NAMES("rx"),
	[QPU_OP_RY]	 = QPU_NAMES("ry"),
	[QPU_OP_RZ]	 = QPU_NAMES("rz"),
	[QPU_OP_P]	 = QPU_NAMES("p"),
	[QPU_OP_U2]	 = QPU_NAMES("u2"),
	[QPU_OP_U3]	 = QPU_NAMES("u3"),
	[QPU_OP_SWAP]	 = QPU_NAMES("swap"),
	[QPU_OP_RXX]	 = QPU_NAMES("rxx"),
	[QPU_OP_RZZ]	 = QPU_NAMES("rzz"),
	[QPU_OP_MEASURE] = QPU_NAME0("measure"),
	[QPU_OP_RESET]	 = QPU_NAME0("reset"),
	[QPU_OP_BARRIER] = QPU_NAME0("barrier"),
};

/* Never NULL: "unknown" for an opcode or control count no gate has. */
QPU_EXPORT const char *qpu_op_name(uint32_t op, uint32_t nctrl)
{
	if (!op || op >= QPU_OP_NR || nctrl > QPU_MAX_CONTROLS)
		return "unknown";
	return qpu_op_names[op][nctrl];
}

QPU_EXPORT int qpu_circuit_remap(struct qpu_circuit *c, const uint32_t *map,
				 uint32_t width)
{
	uint32_t g, i, q;

	if (!width || width > QPU_MAX_QUBITS)
		return qpu_err(-EINVAL);
	for (q = 0; q < c->num_qubits; q++)
		if (map[q] >= width)
			return qpu_err(-EINVAL);
	for (g = 0; g < c->num_gates; g++) {
		struct qpu_gate *gt = &c->gates[g];
		uint32_t n = gt->nctrl + qc_op_targets(gt->op);

		for (i = 0; i < n; i++)
			gt->qubits[i] = map[gt->qubits[i]];
	}
	for (i = 0; i < c->num_obs; i++) {
		uint64_t m = 0;

		for (q = 0; q < c->num_qubits && q < 64; q++) {
			if (!(c->obs[i] >> q & 1))
				continue;
			if (map[q] >= 64)
				return qpu_err(-EINVAL);
			m |= 1ULL << map[q];
		}
		c->obs[i] = m;
	}
	c->num_qubits = width;
	return 0;
}

QPU_EXPORT int qpu_circuit_hash(const struct qpu_circuit *c, uint8_t *hash)
{
	/* The kernel's hash (kmod/qpu_circuit.c): widths, gates, observables. */
	uint32_t hdr[4] = {
		htole32(c->num_qubits), htole32(c->num_clbits),
		htole32(qpu_circuit_num_params(c)), htole32(c->num_gates),
	};
	unsigned int n = 0;
	EVP_MD_CTX *md;
	int ok;

	md = EVP_MD_CTX_new();
	if (!md)
		return qpu_err(-ENOMEM);
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, hdr, sizeof(hdr)) &&
	     EVP_DigestUpdate(md, c->gates, (size_t)c->num_gates * sizeof(*c->gates)) &&
	     EVP_DigestUpdate(md, c->obs, (size_t)c->num_obs * sizeof(*c->obs)) &&
	     EVP_DigestFinal_ex(md, hash, &n) && n == 32;
	EVP_MD_CTX_free(md);
	return ok ? 0 : qpu_err(-ENOMEM);
}

const struct qpu_circuit_source *qpu__circuit_source(const struct qpu_circuit *c)
{
	return c->has_source ? &c->source : NULL;
}

QPU_EXPORT int qpu_circuit_source(const struct qpu_circuit *c,
				  struct qpu_circuit_source *src)
{
	if (!c->has_source)
		return qpu_err(-ENOENT);
	*src = c->source;
	return 0;
}

QPU_EXPORT int qpu_circuit_set_source(struct qpu_circuit *c,
				      const struct qpu_circuit_source *src)
{
	c->has_source = src != NULL;
	if (src)
		c->source = *src;
	return 0;
}

struct qpu_circuit *qpu__circuit_like(const struct qpu_circuit *c, uint32_t width)
{
	struct qpu_circuit *o = qpu__circuit_alloc(width, c->num_clbits);
	uint32_t i;

	if (!o)
		return NULL;
	for (i = 0; i < c->num_cregs; i++)
		if (qpu_circuit_add_creg(o, c->cregs[i].name, c->cregs[i].width) < 0)
			goto fail;
	o->num_params_set = c->num_params_set;
	o->num_params = c->num_params;
	o->params_used = c->params_used;
	for (i = 0; i < c->param_names_cap; i++)
		if (c->param_names[i] &&
		    qpu__circuit_set_param_name(o, i, c->param_names[i]))
			goto fail;
	return o;
fail:
	qpu_circuit_free(o);
	return NULL;
}

int qpu__circuit_append(struct qpu_circuit *c, const struct qpu_gate *g)
{
	struct qpu_gate t = *g;

	return circuit_append(c, &t);
}
