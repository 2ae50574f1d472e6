// SPDX-License-Identifier: GPL-2.0
/*
 * qasm_fuzz.c - fuzz target of libqpu's OpenQASM 2.0 parser
 * (qpu_qasm_parse(), libqpu/qasm*.c), followed on success by what qpu-run
 * does with the circuit: place it on an allocation (qpu_circuit_layout(),
 * qpu_circuit_remap()) and have the kernel's validator
 * (kmod/core/circuit.c) check it as QPU_IOC_CIRCUIT_LOAD would.
 *
 * The input is the program text (up to its first NUL byte). Inputs with
 * an absolute include path ("/...) are skipped: a relative include
 * resolves under a directory that does not exist, so the fuzzer never
 * reads files (or /dev/zero).
 *
 * Properties checked beyond "no crash, no leak, no sanitizer report":
 *  - failure: one of the documented errnos, with a message;
 *  - success: the circuit is within the ioctl's limits and, with every
 *    coupling allowed, the kernel's validator accepts it (the builder
 *    applies the same rules, so only coupling can make a load fail);
 *    every gate has an OpenQASM name (qpu_op_name()) that qelib1.inc
 *    defines with the same shape;
 *  - round trip: the circuit emitted as OpenQASM (native gates only)
 *    parses back to the bit-identical circuit: widths, classical
 *    registers, parameter slots and every gate record;
 *  - layout: when qpu_circuit_layout() places the circuit on an
 *    allocation of heavyhex:27 (the default device), the remapped circuit
 *    passes the validator against that allocation's coupling map.
 */
#include <stdarg.h>

#include <linux/qpu.h>

#include "circuit.h"
#include "qalloc.h"
#include "qasm.h"
#include "topology.h"
#include "fuzz.h"

#define FUZZ_FILE	"/nonexistent-qpu-fuzz/input.qasm"

/* A growing text buffer. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!b->s) {
		b->cap = 4096;
		b->s = malloc(b->cap);
		FZ_ASSERT(b->s, "out of memory");
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		FZ_ASSERT(n >= 0, "vsnprintf");
		if (b->len + n < b->cap)
			break;
		b->cap = 2 * (b->len + n + 64);
		b->s = realloc(b->s, b->cap);
		FZ_ASSERT(b->s, "out of memory");
	}
	b->len += n;
}

/* The qelib1.inc gate that qpu_op_name() names, with its shape checked. */
static const char *gate_name(const struct qpu_gate *g, u32 idx)
{
	const char *name = qpu_op_name(g->op, g->nctrl);
	const struct qasm_builtin *b;
	size_t n, i;

	b = qasm_qelib1(&n);
	for (i = 0; i < n; i++)
		if (!strcmp(b[i].name, name))
			break;
	FZ_ASSERT(i < n, "gate %u: '%s' (op %u, %u controls) is no qelib1 gate",
		  idx, name, g->op, g->nctrl);
	FZ_ASSERT(b[i].nqubits == qc_gate_operands(g) &&
		  b[i].nparams == qc_op_angles(g->op),
		  "gate %u: qelib1 '%s' has another shape", idx, name);
	return name;
}

static void emit_angle(struct sbuf *b, const struct qpu_gate *g, u32 i)
{
	double scale, offset;

	memcpy(&scale, &g->scale[i], sizeof(scale));
	memcpy(&offset, &g->offset[i], sizeof(offset));
	if (g->param[i])
		sb_printf(b, "(%.17e)*fzp[%u]+(%.17e)", scale, g->param[i] - 1,
			  offset);
	else
		sb_printf(b, "%.17e", offset);
}

/* The classical register holding bit @bit (registers tile the bits). */
static u32 creg_of(const struct qpu_circuit *c, u32 bit, u32 *start)
{
	const char *name;
	u32 i, w;

	for (i = 0; !qpu_circuit_creg(c, i, &name, start, &w); i++)
		if (bit >= *start && bit < *start + w)
			return i;
	FZ_ASSERT(0, "bit %u in no classical register", bit);
	return 0;
}

/* @c as an OpenQASM program of native gates, with its own names. */
static char *emit(const struct qpu_circuit *c)
{
	const struct qpu_gate *gates = qpu_circuit_gates(c);
	struct sbuf b = { 0 };
	u32 i, j, start, width;
	const char *name;

	sb_printf(&b, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"
		  "gate fzbarrier a { barrier a; }\nqreg q[%u];\n",
		  qpu_circuit_num_qubits(c));
	for (i = 0; !qpu_circuit_creg(c, i, &name, &start, &width); i++)
		sb_printf(&b, "creg c%u[%u];\n", i, width);
	if (qpu_circuit_num_params(c))
		sb_printf(&b, "param fzp[%u];\n", qpu_circuit_num_params(c));

	for (i = 0; i < qpu_circuit_num_gates(c); i++) {
		const struct qpu_gate *g = &gates[i];
		u32 n = qc_gate_operands(g), na = qc_op_angles(g->op);

		if (g->flags & QPU_GATE_COND) {
			u32 r = creg_of(c, g->cond_start, &start);

			qpu_circuit_creg(c, r, &name, &start, &width);
			FZ_ASSERT(start == g->cond_start && width == g->cond_width,
				  "gate %u: condition on bits %u+%u is no register",
				  i, g->cond_start, g->cond_width);
			sb_printf(&b, "if(c%u==%llu) ", r,
				  (unsigned long long)g->cond_value);
		}
		switch (g->op) {
		case QPU_OP_MEASURE:
			j = creg_of(c, g->cbit, &start);
			sb_printf(&b, "measure q[%u] -> c%u[%u];\n", g->qubits[0], j,
				  g->cbit - start);
			continue;
		case QPU_OP_RESET:
			sb_printf(&b, "reset q[%u];\n", g->qubits[0]);
			continue;
		case QPU_OP_BARRIER:
			/* "if" takes no barrier: a gate holding one does. */
			sb_printf(&b, g->flags & QPU_GATE_COND ?
				  "fzbarrier q[0];\n" : "barrier q;\n");
			continue;
		default:
			break;
		}
		sb_printf(&b, "%s", gate_name(g, i));
		for (j = 0; j < na; j++) {
			sb_printf(&b, j ? "," : "(");
			emit_angle(&b, g, j);
		}
		sb_printf(&b, "%s", na ? ")" : "");
		for (j = 0; j < n; j++)
			sb_printf(&b, "%sq[%u]", j ? "," : " ", g->qubits[j]);
		sb_printf(&b, ";\n");
	}
	return b.s;
}

static void check_same(const struct qpu_circuit *a, const struct qpu_circuit *b,
		       const char *text)
{
	u32 i, s1, w1, s2, w2, n = qpu_circuit_num_gates(a);
	const char *n1, *n2;

	FZ_ASSERT(qpu_circuit_num_qubits(a) == qpu_circuit_num_qubits(b) &&
		  qpu_circuit_num_clbits(a) == qpu_circuit_num_clbits(b) &&
		  qpu_circuit_num_params(a) == qpu_circuit_num_params(b) &&
		  n == qpu_circuit_num_gates(b),
		  "round trip changed a width: %s", text);
	for (i = 0; i < n; i++)
		FZ_ASSERT(!memcmp(&qpu_circuit_gates(a)[i], &qpu_circuit_gates(b)[i],
				  sizeof(struct qpu_gate)),
			  "round trip changed gate %u: %s", i, text);
	for (i = 0; !qpu_circuit_creg(a, i, &n1, &s1, &w1); i++)
		FZ_ASSERT(!qpu_circuit_creg(b, i, &n2, &s2, &w2) && s1 == s2 &&
			  w1 == w2, "round trip changed creg %u", i);
	FZ_ASSERT(qpu_circuit_creg(b, i, &n2, &s2, &w2), "round trip added a creg");
}

static bool full_coupled(void *priv, u32 a, u32 b)
{
	(void)priv;
	(void)a;
	(void)b;
	return true;
}

struct region {
	const struct qc_topology *t;
	const u32 *phys;
};

static bool region_coupled(void *priv, u32 va, u32 vb)
{
	const struct region *r = priv;

	return qc_topology_coupled(r->t, r->phys[va], r->phys[vb]);
}

/* What qpu-run does: allocate, lay out, remap, load. */
static void check_layout(struct qpu_circuit *c)
{
	static struct qc_topology *t;
	u32 nq = qpu_circuit_num_qubits(c), ne, i, *phys, *map, *vedges;
	struct qpu_qubits q = { 0 };
	struct qc_validation res;
	struct qc_coupling cpl;
	struct region r;
	struct qc_alloc *al;
	int ret;

	if (nq > 16 || qpu_circuit_num_gates(c) > 4096 ||
	    qpu_circuit_num_observables(c))
		return;
	if (!t)
		FZ_ASSERT(!qc_topology_create("heavyhex:27", QPU_MAX_QUBITS,
					      QPU_MAX_EDGES, &t), "heavyhex:27");
	al = qc_alloc_create(t);
	phys = malloc(nq * sizeof(u32));
	map = malloc(nq * sizeof(u32));
	FZ_ASSERT(al && phys && map, "out of memory");
	FZ_ASSERT(!qc_alloc_get(al, nq, 1, phys), "allocating %u qubits", nq);
	ne = qc_alloc_region_edges(al, phys, nq, NULL, 0);
	vedges = malloc((2 * ne + 1) * sizeof(u32));
	q.edges = malloc((ne + 1) * sizeof(*q.edges));
	FZ_ASSERT(vedges && q.edges, "out of memory");
	qc_alloc_region_edges(al, phys, nq, vedges, ne);
	for (i = 0; i < ne; i++) {
		q.edges[i].a = vedges[2 * i];
		q.edges[i].b = vedges[2 * i + 1];
	}
	q.handle = 1;
	q.num_qubits = nq;
	q.phys = phys;
	q.num_edges = ne;

	ret = qpu_circuit_layout(c, &q, map);
	FZ_ASSERT(!ret || ret == -EXDEV, "layout: %d", ret);
	if (!ret) {
		FZ_ASSERT(!qpu_circuit_remap(c, map, nq), "remap");
		r.t = t;
		r.phys = phys;
		cpl = (struct qc_coupling){ .coupled = region_coupled, .priv = &r };
		ret = qc_circuit_validate(qpu_circuit_gates(c),
					  qpu_circuit_num_gates(c), nq,
					  qpu_circuit_num_clbits(c),
					  qpu_circuit_num_params(c), NULL, 0, &cpl,
					  NULL, &res);
		FZ_ASSERT(!ret, "laid out, but the allocation rejects it: "
			  "error %u at gate %u", res.error, res.index);
	}
	free(vedges);
	free(q.edges);
	free(map);
	free(phys);
	qc_alloc_destroy(al);
}

static void check_circuit(struct qpu_circuit *c)
{
	static const struct qc_coupling full = { .coupled = full_coupled };
	u32 nq = qpu_circuit_num_qubits(c), ng = qpu_circuit_num_gates(c), i;
	struct qpu_circuit *back = NULL;
	struct qc_validation res;
	char err[256], *text;
	int ret;

	FZ_ASSERT(nq >= 1 && nq <= QPU_MAX_QUBITS, "%u qubits", nq);
	FZ_ASSERT(qpu_circuit_num_clbits(c) <= QPU_MAX_CLBITS &&
		  qpu_circuit_num_params(c) <= QPU_MAX_PARAMS &&
		  ng <= QPU_MAX_GATES &&
		  qpu_circuit_num_observables(c) <= QPU_MAX_OBSERVABLES,
		  "over the ioctl's limits");
	if (nq <= 64) {
		ret = qc_circuit_validate(qpu_circuit_gates(c), ng, nq,
					  qpu_circuit_num_clbits(c),
					  qpu_circuit_num_params(c),
					  qpu_circuit_observables(c),
					  qpu_circuit_num_observables(c), &full,
					  NULL, &res);
		FZ_ASSERT(!ret, "validator rejects a parsed circuit: error %u "
			  "at %u", res.error, res.index);
	} else {
		for (i = 0; i < ng; i++) {
			const struct qpu_gate *g = &qpu_circuit_gates(c)[i];
			u32 j;

			for (j = 0; j < qc_gate_operands(g); j++)
				FZ_ASSERT(g->qubits[j] < nq, "gate %u qubit", i);
		}
	}

	text = emit(c);
	ret = qpu_qasm_parse(text, "<emitted>", &back, err, sizeof(err));
	FZ_ASSERT(!ret, "emitted program does not parse: %s\n%s", err, text);
	check_same(c, back, text);
	qpu_circuit_free(back);
	free(text);

	check_layout(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qpu_circuit *c = NULL;
	char err[256], *text;
	int ret;

	text = malloc(size + 1);
	FZ_ASSERT(text, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	if (strstr(text, "\"/")) {
		free(text);
		return 0;
	}
	memset(err, 0x55, sizeof(err));
	ret = qpu_qasm_parse(text, FUZZ_FILE, &c, err, sizeof(err));
	if (ret) {
		FZ_ASSERT(ret == -EINVAL || ret == -ENOENT || ret == -E2BIG ||
			  ret == -ENOMEM, "errno %d", ret);
		FZ_ASSERT(memchr(err, '\0', sizeof(err)) && err[0],
			  "no error message");
		FZ_ASSERT(!c, "a circuit on failure");
	} else {
		FZ_ASSERT(c, "no circuit on success");
		check_circuit(c);
		qpu_circuit_free(c);
	}
	free(text);
	return 0;
}
