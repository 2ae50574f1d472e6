// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * coupling.c - whether a gate's operands are connected in the coupling map
 * (see coupling.h): the kernel validator's rule, also used by libqpu.
 */
#include "coupling.h"

static u32 qc_pair(u32 a, u32 b)
{
	return a < b ? a << 16 | b : b << 16 | a;
}

/*
 * Grow a tree from operand 0: each pass adds every operand coupled to one
 * already reached, until all are reached or a pass adds none. At most six
 * operands, so the quadratic scan is trivial.
 */
bool qc_operands_connected(const u16 *qubits, u32 n,
			   bool (*coupled)(void *priv, u32 a, u32 b),
			   void *priv, u32 *pairs, u32 *npairs)
{
	bool in[QC_MAX_OPERANDS] = { true };
	u32 reached = 1, i, j;
	bool grew = true;

	if (n <= 1)
		return true;
	if (n > QC_MAX_OPERANDS)
		return false;
	while (reached < n && grew) {
		grew = false;
		for (i = 1; i < n; i++) {
			if (in[i])
				continue;
			for (j = 0; j < n; j++) {
				if (!in[j] ||
				    !coupled(priv, qubits[i], qubits[j]))
					continue;
				in[i] = true;
				reached++;
				grew = true;
				if (pairs)
					pairs[(*npairs)++] = qc_pair(qubits[i],
								     qubits[j]);
				break;
			}
		}
	}
	return reached == n;
}
