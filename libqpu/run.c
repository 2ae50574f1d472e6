// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * run.c - libqpu execution calls: loading circuits, shared buffers,
 * synchronous runs and reading result slices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "circuit.h"

QPU_EXPORT const char *qpu_circuit_error_name(uint32_t err)
{
	switch (err) {
	case QPU_CERR_NONE:
		return "no error";
	case QPU_CERR_OP:
		return "unknown opcode or controls on a non-unitary operation";
	case QPU_CERR_NCTRL:
		return "too many control qubits";
	case QPU_CERR_QUBIT:
		return "qubit index outside the circuit";
	case QPU_CERR_DUP_QUBIT:
		return "the same qubit used twice";
	case QPU_CERR_NOT_COUPLED:
		return "qubits not coupled in this allocation";
	case QPU_CERR_CBIT:
		return "classical bit outside the circuit";
	case QPU_CERR_COND:
		return "bad classical condition";
	case QPU_CERR_PARAM:
		return "parameter slot out of range";
	case QPU_CERR_ANGLE:
		return "angle not finite or not allowed for this gate";
	case QPU_CERR_RESERVED:
		return "unused field not zero";
	case QPU_CERR_OBSERVABLE:
		return "observable names qubits outside the circuit";
	default:
		return "unknown validation error";
	}
}

/* "cx 3,7" for messages. */
static void qpu_gate_text(const struct qpu_gate *g, char *buf, size_t len)
{
	uint32_t n = qc_gate_operands(g), i;
	int off;

	off = snprintf(buf, len, "%s", qpu_op_name(g->op, g->nctrl));
	for (i = 0; i < n && i < 6 && off > 0 && (size_t)off < len; i++)
		off += snprintf(buf + off, len - off, "%s%u", i ? "," : " ",
				g->qubits[i]);
}

QPU_EXPORT int qpu_circuit_load(struct qpu_dev *dev, const struct qpu_circuit *c,
				const struct qpu_qubits *q, struct qpu_loaded *out)
{
	const struct qpu_circuit_source *src = qpu__circuit_source(c);
	struct qpu_circuit_load l;
	char text[64];
	int ret;

	memset(&l, 0, sizeof(l));
	l.alloc = q->handle;
	l.num_qubits = qpu_circuit_num_qubits(c);
	l.num_clbits = qpu_circuit_num_clbits(c);
	l.num_params = qpu_circuit_num_params(c);
	l.num_gates = qpu_circuit_num_gates(c);
	l.gates_ptr = (uintptr_t)qpu_circuit_gates(c);
	l.num_observables = qpu_circuit_num_observables(c);
	l.observables_ptr = (uintptr_t)qpu_circuit_observables(c);
	if (src) {
		l.flags |= QPU_LOAD_SOURCE;
		memcpy(l.source_hash, src->hash, sizeof(l.source_hash));
		l.route_seed = src->route_seed;
		l.route_swaps = src->route_swaps;
	}
	if (l.num_qubits > q->num_qubits)
		return qpu_set_error(dev, -E2BIG,
				     "circuit uses %u qubits but only %u are allocated",
				     l.num_qubits,
				     q->num_qubits);
	ret = qpu_ioctl(dev, QPU_IOC_CIRCUIT_LOAD, &l);
	if (ret == -EINVAL && l.error == QPU_CERR_OBSERVABLE)
		return qpu_set_error(dev, ret, "observable %u: %s", l.error_index,
				     qpu_circuit_error_name(l.error));
	if (ret == -EINVAL && l.error != QPU_CERR_NONE) {
		qpu_gate_text(&qpu_circuit_gates(c)[l.error_index], text, sizeof(text));
		return qpu_set_error(dev, ret, "gate %u (%s): %s", l.error_index,
				     text, qpu_circuit_error_name(l.error));
	}
	if (ret == -E2BIG) {
		struct qpu_info info;

		qpu_get_info(dev, &info);
		/* a driver before QPU_FEAT_SOURCE had the fixed limit 65536 */
		return qpu_set_error(dev, ret,
				     "circuit too large (%u qubits, simulator limit %u; "
				     "%u gates, device limit max_gates %u)", l.num_qubits,
				     info.max_sim_qubits, l.num_gates,
				     info.max_gates ? info.max_gates : 65536);
	}
	if (ret == -EPERM)
		return qpu_set_error(dev, ret, "circuit denied by the device's "
				     "monitoring policy (reason %u)", l.reason);
	if (ret)
		return qpu_set_error(dev, ret, "loading circuit: %s", qpu_strerror(ret));
	out->handle = l.handle;
	out->num_params = l.num_params;
	memcpy(out->hash, l.hash, sizeof(out->hash));
	/* 0 from a driver before QPU_FEAT_NOISE: it is ideal */
	if (l.esp)
		memcpy(&out->esp, &l.esp, sizeof(out->esp));
	else
		out->esp = 1.0;
	out->xt_loss_ppm = l.xt_loss_ppm;
	return 0;
}

QPU_EXPORT int qpu_circuit_unload(struct qpu_dev *dev, uint32_t handle)
{
	struct qpu_circuit_free f;
	int ret;

	memset(&f, 0, sizeof(f));
	f.handle = handle;
	ret = qpu_ioctl(dev, QPU_IOC_CIRCUIT_FREE, &f);
	if (ret)
		return qpu_set_error(dev, ret, "unloading circuit %u: %s", handle,
				     qpu_strerror(ret));
	return 0;
}

QPU_EXPORT int qpu_buffer_new(struct qpu_dev *dev, size_t size,
			      struct qpu_buffer **out)
{
	struct qpu_buffer_create c;
	struct qpu_buffer_destroy d;
	struct qpu_buffer *b;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return qpu_set_error(dev, -ENOMEM, "out of memory");
	memset(&c, 0, sizeof(c));
	c.size = size;
	ret = qpu_ioctl(dev, QPU_IOC_BUFFER_CREATE, &c);
	if (ret) {
		free(b);
		return qpu_set_error(dev, ret, "creating a %zu-byte buffer: %s", size,
				     qpu_strerror(ret));
	}
	b->ptr = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd,
		      c.mmap_offset);
	if (b->ptr == MAP_FAILED) {
		ret = -errno;
		memset(&d, 0, sizeof(d));
		d.handle = c.handle;
		qpu_ioctl(dev, QPU_IOC_BUFFER_DESTROY, &d);
		free(b);
		return qpu_set_error(dev, ret, "mapping buffer: %s", strerror(-ret));
	}
	b->handle = c.handle;
	b->size = c.size;
	*out = b;
	return 0;
}

QPU_EXPORT int qpu_buffer_free(struct qpu_dev *dev, struct qpu_buffer *buf)
{
	struct qpu_buffer_destroy d;
	int ret;

	if (!buf)
		return 0;
	munmap(buf->ptr, buf->size);
	memset(&d, 0, sizeof(d));
	d.handle = buf->handle;
	ret = qpu_ioctl(dev, QPU_IOC_BUFFER_DESTROY, &d);
	free(buf);
	if (ret)
		return qpu_set_error(dev, ret, "destroying buffer: %s",
				     qpu_strerror(ret));
	return 0;
}

QPU_EXPORT size_t qpu_result_size(uint32_t num_clbits, uint32_t shots,
				  uint32_t num_expect)
{
	uint64_t outcomes = num_clbits >= 32 ? shots :
			    ((1ULL << num_clbits) < shots ? 1ULL << num_clbits : shots);

	return (QPU_RESULT_SLICE_SIZE(outcomes, num_expect) + 7) & ~7ULL;
}

QPU_EXPORT int qpu_run_job(struct qpu_dev *dev, const struct qpu_job_desc *job,
			   struct qpu_run *out)
{
	struct qpu_run r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.job = *job;
	ret = qpu_ioctl(dev, QPU_IOC_RUN, &r);
	if (out)
		*out = r;
	if (ret == -ENOSPC)
		return qpu_set_error(dev, ret,
				     "result buffer too small: each result needs %u bytes",
				     r.needed);
	if (ret == -EXDEV)
		return qpu_set_error(dev, ret,
				     "these qubits lack a coupling the circuit relies on");
	if (ret) {
		char what[48];

		snprintf(what, sizeof(what), "running circuit %u", job->circuit);
		if (qpu_explain_refusal(dev, ret, &r.refusal, what))
			return qpu_err(ret);
		return qpu_set_error(dev, ret, "%s: %s", what, qpu_strerror(ret));
	}
	return 0;
}

QPU_EXPORT const struct qpu_result *qpu_result_at(const struct qpu_buffer *buf,
						  size_t offset)
{
	const struct qpu_result *r;

	if (offset % 8 || offset + sizeof(*r) > buf->size)
		return NULL;
	r = (const struct qpu_result *)((const char *)buf->ptr + offset);
	if (__atomic_load_n(&r->magic, __ATOMIC_ACQUIRE) != QPU_RESULT_MAGIC)
		return NULL;
	return r;
}

QPU_EXPORT const struct qpu_count *qpu_result_counts(const struct qpu_result *r)
{
	return (const struct qpu_count *)(r + 1);
}

QPU_EXPORT double qpu_result_expect(const struct qpu_result *r, uint32_t i)
{
	const uint64_t *e = (const uint64_t *)(qpu_result_counts(r) + r->num_counts);
	double v;

	if (i >= r->num_expect)
		return 0.0;
	memcpy(&v, &e[i], sizeof(v));
	return v;
}
