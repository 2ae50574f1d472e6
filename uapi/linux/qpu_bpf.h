/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * qpu_bpf.h - the monitoring hook of the qpu driver: the BPF struct_ops
 * type "qpu_bpf_ops" and the read-only views its programs get
 * (Documentation/qpu/monitor.rst).
 *
 * An administrator attaches a policy, a struct qpu_bpf_ops whose members
 * are BPF programs, with a BPF link (libbpf: a map in section
 * ".struct_ops.link" and bpf_map__attach_struct_ops()). Then:
 *
 *  - ->admit() sees every circuit when it is loaded (after validation,
 *    before it is accepted) and every job and synchronous run when it is
 *    submitted (before it is charged or queued), and returns a verdict:
 *    QPU_BPF_VERDICT(action, reason). %QPU_BPF_DENY fails the call with
 *    -EPERM and hands @reason to the caller (struct qpu_circuit_load.reason,
 *    or a struct qpu_refusal with limit %QPU_LIMIT_POLICY);
 *    %QPU_BPF_FLAG accepts and raises an event (the qpu_admit tracepoint);
 *    %QPU_BPF_ALLOW accepts silently.
 *  - ->job_done() sees every job when it completes (also one cancelled
 *    before it started, or whose device went away) and every synchronous
 *    run that started, when it ends.
 *
 * Programs are not sleepable and read the circuit through the kfuncs
 * below (declared for BPF programs in tools/bpf/qpu_kfuncs.h); the views
 * are snapshots or immutable objects, never live device state.
 *
 * This header is shared by the module, BPF programs and userspace tools,
 * so it has only fixed-size types.
 */
#ifndef _UAPI_LINUX_QPU_BPF_H
#define _UAPI_LINUX_QPU_BPF_H

#include <linux/types.h>

/** QPU_BPF_NAME_LEN - size of qpu_bpf_ops.name, with its NUL */
#define QPU_BPF_NAME_LEN	16

/** QPU_BPF_ONE_DEVICE - qpu_bpf_ops.flags: apply to qpu_bpf_ops.dev_id only */
#define QPU_BPF_ONE_DEVICE	(1U << 0)

/**
 * enum qpu_bpf_action - what a policy decides about an admission
 * @QPU_BPF_ALLOW: accept
 * @QPU_BPF_FLAG: accept, and raise an event (tracepoint qpu_admit)
 * @QPU_BPF_DENY: refuse with -EPERM, naming the verdict's reason code.
 *	Any action above %QPU_BPF_DENY is taken as %QPU_BPF_DENY: a policy
 *	that returns garbage fails closed.
 */
enum qpu_bpf_action {
	QPU_BPF_ALLOW	= 0,
	QPU_BPF_FLAG	= 1,
	QPU_BPF_DENY	= 2,
};

/*
 * A verdict is an action in its low 8 bits and a reason code (0 to
 * 0x7fffff, the policy's own numbering) above them.
 */
#define QPU_BPF_VERDICT(action, reason) \
	((int)((((__u32)(reason) & 0x7fffff) << 8) | ((action) & 0xff)))
#define QPU_BPF_VERDICT_ACTION(v)	((__u32)(v) & 0xff)
#define QPU_BPF_VERDICT_REASON(v)	(((__u32)(v) >> 8) & 0x7fffff)

/**
 * enum qpu_admit_kind - what ->admit() is asked about
 * @QPU_ADMIT_LOAD: %QPU_IOC_CIRCUIT_LOAD
 * @QPU_ADMIT_SUBMIT: %QPU_IOC_SUBMIT or %QPU_URING_CMD_RUN
 * @QPU_ADMIT_RUN: %QPU_IOC_RUN (synchronous)
 */
enum qpu_admit_kind {
	QPU_ADMIT_LOAD		= 1,
	QPU_ADMIT_SUBMIT	= 2,
	QPU_ADMIT_RUN		= 3,
};

/**
 * struct qpu_bpf_admit - what ->admit() is asked about (read-only)
 * @kind: enum qpu_admit_kind
 * @dev_id: N of /dev/qpuN
 * @cgroup_id: the caller's tenant: its cgroup v2 id (the id the tenant's
 *	charges go to; the cgroup directory's inode number)
 * @pid: the caller's thread group id, in the initial pid namespace
 * @uid: the caller's uid, in the initial user namespace
 * @num_qubits: circuit width
 * @num_clbits: classical bits
 * @num_params: parameter slots
 * @num_gates: gates (qpu_bpf_gate() indices are 0..num_gates-1)
 * @alloc_qubits: qubits of the allocation the circuit is checked against
 *	(load) or runs on (submit, run)
 * @shots: submit, run: shots per parameter vector; load: 0
 * @sweeps: submit, run: parameter vectors; load: 0
 * @circuit: submit, run: the circuit's handle in the caller's file;
 *	load: 0 (it has none yet)
 * @param_hash: submit, run: a 64-bit hash (xxh64, seed 0) of the
 *	parameter values the job will read, at submission; 0 when the
 *	circuit has no parameters; load: 0
 * @hash: SHA-256 of the circuit (the hash %QPU_IOC_CIRCUIT_LOAD returns)
 */
struct qpu_bpf_admit {
	__u32 kind;
	__u32 dev_id;
	__u64 cgroup_id;
	__u32 pid;
	__u32 uid;
	__u32 num_qubits;
	__u32 num_clbits;
	__u32 num_params;
	__u32 num_gates;
	__u32 alloc_qubits;
	__u32 shots;
	__u32 sweeps;
	__u32 circuit;
	__u64 param_hash;
	__u8  hash[32];
};

/** QPU_BPF_GATE_PARAM - qpu_bpf_gate.flags: an angle uses a parameter */
#define QPU_BPF_GATE_PARAM	(1U << 0)
/** QPU_BPF_GATE_COND - qpu_bpf_gate.flags: classically conditioned */
#define QPU_BPF_GATE_COND	(1U << 1)

/**
 * struct qpu_bpf_gate - one gate, as qpu_bpf_gate() returns it
 * @op: enum qpu_op
 * @nctrl: control qubits, in @qubits[0..nctrl-1]
 * @nqubits: operands in @qubits (controls, then targets); 0 for a barrier
 * @flags: QPU_BPF_GATE_* bits
 * @qubits: virtual qubits of the operands
 * @phys: the physical qubits behind @qubits on the allocation of the
 *	admission (struct qpu_bpf_admit.alloc_qubits)
 */
struct qpu_bpf_gate {
	__u8  op;
	__u8  nctrl;
	__u8  nqubits;
	__u8  flags;
	__u16 qubits[6];
	__u16 phys[6];
	__u16 pad;
};

/**
 * enum qpu_bpf_origin - how a completed job was submitted
 * @QPU_BPF_ORIGIN_IOCTL: %QPU_IOC_SUBMIT
 * @QPU_BPF_ORIGIN_URING: %QPU_URING_CMD_RUN
 * @QPU_BPF_ORIGIN_RUN: %QPU_IOC_RUN (synchronous; @job_id is 0)
 */
enum qpu_bpf_origin {
	QPU_BPF_ORIGIN_IOCTL	= 1,
	QPU_BPF_ORIGIN_URING	= 2,
	QPU_BPF_ORIGIN_RUN	= 3,
};

/**
 * struct qpu_bpf_job - a completed job, as ->job_done() sees it
 * @dev_id: N of /dev/qpuN
 * @job_id: the job's id in its file (0 for a synchronous run)
 * @cgroup_id: the submitter's tenant (as struct qpu_bpf_admit.cgroup_id)
 * @pid: the submitter's thread group id, initial pid namespace
 * @uid: the submitter's uid, initial user namespace
 * @origin: enum qpu_bpf_origin
 * @status: 0, or the negative errno the job completed with
 *	(-ECANCELED: cancelled; -ENODEV: its device went away)
 * @shots: shots per parameter vector
 * @sweeps: parameter vectors
 * @qpu_ns: modelled device time it used
 * @sim_ns: host time the simulation took
 * @submit_ns: CLOCK_MONOTONIC submission time
 * @start_ns: when it started (0 if it never did)
 * @end_ns: when it completed
 * @hash: SHA-256 of its circuit
 */
struct qpu_bpf_job {
	__u32 dev_id;
	__u32 job_id;
	__u64 cgroup_id;
	__u32 pid;
	__u32 uid;
	__u32 origin;
	__s32 status;
	__u32 shots;
	__u32 sweeps;
	__u64 qpu_ns;
	__u64 sim_ns;
	__u64 submit_ns;
	__u64 start_ns;
	__u64 end_ns;
	__u8  hash[32];
};

/**
 * struct qpu_bpf_ops - a monitoring policy (BPF struct_ops "qpu_bpf_ops")
 * @admit: verdict on a load, submission or run (QPU_BPF_VERDICT());
 *	optional (no program: allow)
 * @job_done: a job or synchronous run completed; optional
 * @flags: QPU_BPF_* flags; 0: the policy applies to every device
 * @dev_id: with %QPU_BPF_ONE_DEVICE, the device it applies to
 * @name: the policy's name, NUL-terminated, not empty; shown in sysfs
 *	(qpu/qpuN/policy) and in the qpu_admit tracepoint
 *
 * One policy may apply to a device at a time: attaching a policy for all
 * devices while any policy is attached, or one for a device that has one
 * (or while an all-devices policy is attached), fails with -EBUSY. Only
 * link-based attachment is accepted (-EOPNOTSUPP otherwise), so a policy
 * is detached when its link is destroyed: when the loader closes it or
 * exits, unless it pinned the link. Attaching needs CAP_SYS_ADMIN (a
 * policy sees every tenant's circuits). While a policy is attached the
 * module cannot be unloaded (rmmod fails: the policy's map holds a
 * reference on qpu.ko); after detaching, the BPF core frees the policy
 * after an RCU grace period, and only then is the module free to go.
 */
struct qpu_bpf_ops {
	int (*admit)(const struct qpu_bpf_admit *a);
	void (*job_done)(const struct qpu_bpf_job *j);
	__u32 flags;
	__u32 dev_id;
	char name[QPU_BPF_NAME_LEN];
};

#endif /* _UAPI_LINUX_QPU_BPF_H */
