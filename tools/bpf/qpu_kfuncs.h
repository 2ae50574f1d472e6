/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_kfuncs.h - what a qpu monitoring policy (a BPF program, compiled
 * with clang -target bpf) includes: the struct_ops type and views of
 * uapi/linux/qpu_bpf.h, the opcodes of uapi/linux/qpu.h, and the kfuncs
 * qpu.ko registers for its struct_ops programs
 * (Documentation/qpu/monitor.rst).
 */
#ifndef QPU_KFUNCS_H
#define QPU_KFUNCS_H

#include <linux/types.h>
#include <linux/qpu.h>
#include <linux/qpu_bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/*
 * Each kfunc takes the admission ->admit() was given (@a) and returns
 * -EINVAL for any other pointer, a copy of it included.
 */

/*
 * qpu_bpf_gate() - gate @index of the circuit being admitted into @g
 * (which must be initialised, e.g. = {}); 0, or -ENOENT past the end.
 */
extern int qpu_bpf_gate(const struct qpu_bpf_admit *a, __u32 index,
			struct qpu_bpf_gate *g) __ksym;

/* qpu_bpf_phys_qubit() - physical qubit of virtual qubit @v, or -ENOENT */
extern int qpu_bpf_phys_qubit(const struct qpu_bpf_admit *a, __u32 v) __ksym;

/*
 * qpu_bpf_near_other_tenant() - 1 if physical qubit @phys is coupled to a
 * qubit another tenant holds (a snapshot), 0 if not, -ENOENT if @phys is
 * not a qubit of the device.
 */
extern int qpu_bpf_near_other_tenant(const struct qpu_bpf_admit *a,
				     __u32 phys) __ksym;

#endif /* QPU_KFUNCS_H */
