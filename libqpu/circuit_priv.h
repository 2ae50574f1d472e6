/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * circuit_priv.h - circuit builder calls private to libqpu, used by the
 * OpenQASM parser, which learns the circuit's widths only as it reads the
 * register declarations.
 */
#ifndef LIBQPU_CIRCUIT_PRIV_H
#define LIBQPU_CIRCUIT_PRIV_H

#include "internal.h"

/*
 * qpu__circuit_alloc() - like qpu_circuit_new() but a width may be 0 (the
 * parser starts empty and grows the circuit with each register).
 */
struct qpu_circuit *qpu__circuit_alloc(uint32_t num_qubits, uint32_t num_clbits);

/*
 * qpu__circuit_grow() - widen the circuit; widths never shrink.
 * Return: 0, -EINVAL (a width would shrink), -E2BIG (over the limits).
 */
int qpu__circuit_grow(struct qpu_circuit *c, uint32_t num_qubits,
		      uint32_t num_clbits);

/* qpu__circuit_set_param_name() - name parameter slot @slot ("theta[2]") */
int qpu__circuit_set_param_name(struct qpu_circuit *c, uint32_t slot,
				const char *name);

/*
 * qpu__circuit_like() - an empty circuit @width wide with @c's classical
 * bits, registers and parameter slots (and their names); NULL on -ENOMEM.
 */
struct qpu_circuit *qpu__circuit_like(const struct qpu_circuit *c, uint32_t width);

/*
 * qpu__circuit_append() - append a copy of @g as it is (operands are not
 * checked: the caller made it from a valid gate). Return: 0, -E2BIG, -ENOMEM.
 */
int qpu__circuit_append(struct qpu_circuit *c, const struct qpu_gate *g);

#endif /* LIBQPU_CIRCUIT_PRIV_H */
