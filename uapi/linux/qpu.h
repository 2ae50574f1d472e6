/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * qpu.h - userspace ABI of the qpu driver (/dev/qpuN).
 *
 * This header is the only definition of the driver's ABI: ioctls, their
 * argument structs, limits and feature bits.
 *
 * Conventions that hold for every ioctl below:
 *
 *  - Arguments are fixed-size structs, 64-bit aligned, with explicit padding.
 *    User pointers travel as __u64. Fields named ``reserved`` or ``pad`` and
 *    every unknown ``flags`` bit must be zero, or the call fails with -EINVAL.
 *  - Structs grow at their end only. The size userspace was compiled with is
 *    encoded in the ioctl number (_IOC_SIZE); the driver accepts any size
 *    from the first published one up: a larger struct whose extra bytes are
 *    zero is accepted (they mean "feature not used"), a larger struct with
 *    non-zero extra bytes fails with -E2BIG, and output is written back only
 *    up to the caller's size. This is copy_struct_from_user() semantics.
 *  - Unknown ioctls fail with -ENOTTY. After the device was removed every
 *    call fails with -ENODEV.
 *  - Access modes: a file opened without write access (O_RDONLY) may
 *    query the device: %QPU_IOC_GET_INFO, %QPU_IOC_GET_TOPOLOGY,
 *    %QPU_IOC_ALLOC_QUERY and poll(). Everything that allocates, loads,
 *    creates, frees, runs, submits, waits for or cancels needs a file
 *    opened for writing (O_RDWR or O_WRONLY) and fails with -EBADF on a
 *    read-only one, as write(2) does; so do mmap() (a writable shared
 *    mapping is refused by the VFS first, with -EACCES) and io_uring
 *    %QPU_URING_CMD_RUN commands (CQE res -EBADF). The unknown-ioctl and
 *    struct-size checks come first.
 *  - Argument structs are written back to userspace on failure too, so
 *    detail fields (a needed size, an offending index) are valid whenever
 *    the call got as far as setting them.
 */
#ifndef _UAPI_LINUX_QPU_H
#define _UAPI_LINUX_QPU_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * QPU_API_VERSION - version of this ABI, reported by %QPU_IOC_GET_INFO
 *
 * Bumped when the ABI gains something; it never loses anything, so a driver
 * reporting version N serves every program built against a version <= N.
 */
#define QPU_API_VERSION		6

/** QPU_MAX_QUBITS - largest device the driver creates (hard ceiling) */
#define QPU_MAX_QUBITS		2048
/** QPU_MAX_EDGES - most coupling edges a device may have */
#define QPU_MAX_EDGES		(1U << 20)
/** QPU_MAX_DEVICES - device ids are 0 .. QPU_MAX_DEVICES - 1 */
#define QPU_MAX_DEVICES		64
/** QPU_TOPOLOGY_NAME_LEN - size of a topology spec string, with its NUL */
#define QPU_TOPOLOGY_NAME_LEN	32

/**
 * enum qpu_topology_kind - shape of a device's coupling graph
 * @QPU_TOPO_LINE: qubits 0..n-1 on a line, i coupled to i+1 ("line:N")
 * @QPU_TOPO_RING: a line whose ends are coupled too ("ring:N")
 * @QPU_TOPO_GRID: r x c square lattice, row-major numbering ("grid:RxC")
 * @QPU_TOPO_HEAVYHEX: IBM-style heavy-hex lattice ("heavyhex:N", N one of
 *	7, 16, 27, 65, 127, 433 or 1121)
 * @QPU_TOPO_FULL: every pair of qubits coupled ("full:N")
 */
enum qpu_topology_kind {
	QPU_TOPO_LINE		= 1,
	QPU_TOPO_RING		= 2,
	QPU_TOPO_GRID		= 3,
	QPU_TOPO_HEAVYHEX	= 4,
	QPU_TOPO_FULL		= 5,
};

/** QPU_FEAT_ALLOC - qubit allocation ioctls are supported */
#define QPU_FEAT_ALLOC		(1ULL << 0)
/** QPU_FEAT_CALIBRATION - per-qubit and per-edge calibration in sysfs */
#define QPU_FEAT_CALIBRATION	(1ULL << 1)
/** QPU_FEAT_RUN - circuits, buffers and %QPU_IOC_RUN are supported */
#define QPU_FEAT_RUN		(1ULL << 2)
/** QPU_FEAT_ASYNC - %QPU_IOC_SUBMIT/WAIT/CANCEL, poll() and io_uring */
#define QPU_FEAT_ASYNC		(1ULL << 3)
/** QPU_FEAT_TENANTS - cgroup tenants, their limits and the netlink family */
#define QPU_FEAT_TENANTS	(1ULL << 4)
/**
 * QPU_FEAT_POLICY - the BPF monitoring hook (struct_ops "qpu_bpf_ops",
 * uapi/linux/qpu_bpf.h) is registered: -EPERM from a policy may happen
 */
#define QPU_FEAT_POLICY		(1ULL << 5)
/**
 * QPU_FEAT_AUDIT - audit records on the netlink family's "audit" group,
 * calibration history (%QPU_CMD_CALIB_GET), %QPU_RUN_PROVENANCE and
 * %QPU_ALLOC_EXACT (Documentation/qpu/audit.rst)
 */
#define QPU_FEAT_AUDIT		(1ULL << 6)
/**
 * QPU_FEAT_NOISE - the "noise" sysfs tunable, qpu_circuit_load.esp,
 * %QPU_RUN_CROSSTALK and qpu_provenance.noise
 * (Documentation/qpu/noise.rst)
 */
#define QPU_FEAT_NOISE		(1ULL << 7)
/**
 * QPU_FEAT_SOURCE - %QPU_LOAD_SOURCE (a loaded circuit names the circuit it
 * was routed from: qpu_circuit_load.source_hash, .route_seed and
 * .route_swaps, recorded in audit records) and the per-device "max_gates"
 * tunable, reported in qpu_info.max_gates (ABI version 6)
 */
#define QPU_FEAT_SOURCE		(1ULL << 8)

/**
 * enum qpu_noise_mode - how a device simulates (its "noise" tunable)
 * @QPU_NOISE_MODE_IDEAL: exact state-vector simulation
 * @QPU_NOISE_MODE_CALIBRATED: quantum trajectories with the errors, coherence
 *	times and crosstalk of the device's calibration
 */
enum qpu_noise_mode {
	QPU_NOISE_MODE_IDEAL,
	QPU_NOISE_MODE_CALIBRATED,
};

/*
 * Tenants and refused charges.
 *
 * A tenant is a cgroup v2 group (Documentation/qpu/tenants.rst). What a
 * task creates is charged, per device, to the task's cgroup at that moment
 * and to every ancestor up to the root, and stays charged there until it
 * is released: an allocation's qubits until it is freed, a job (or a
 * synchronous run) until it completes. A charge fails if any level would
 * go over one of its limits. Limits are set over the "qpu" generic
 * netlink family below.
 *
 * Errno of a refused charge, on every path:
 *
 *  - -EDQUOT from %QPU_IOC_ALLOC: a qubit limit (the file's
 *    max_ctx_qubits, as before, or a tenant's qubits.max).
 *  - -EBUSY from %QPU_IOC_SUBMIT and %QPU_URING_CMD_RUN: a job-count limit
 *    (the file's %QPU_MAX_JOBS, as before, or a tenant's jobs.max); also
 *    from %QPU_IOC_RUN for jobs.max (a synchronous run counts as a job
 *    while it runs).
 *  - -EDQUOT from %QPU_IOC_RUN, %QPU_IOC_SUBMIT and %QPU_URING_CMD_RUN: a
 *    budget (shots.max, or qpu_time.max in modelled device time), checked
 *    once, at submission, against the cost the timing model predicts: a
 *    job that was admitted is never stopped by a budget. A job that is
 *    cancelled, or whose device goes away, before it starts gives its
 *    budget back.
 *  - -EUSERS: the device's tenant table is full (sysfs max_tenants, at
 *    most %QPU_MAX_TENANTS tenants, counting the ancestors a charge walks
 *    through).
 *  - -EPERM from %QPU_IOC_RUN, %QPU_IOC_SUBMIT and %QPU_URING_CMD_RUN:
 *    the monitoring policy denied the submission (%QPU_LIMIT_POLICY, with
 *    the policy's reason code in @request). It is asked before any
 *    charge, so a denied submission is charged nothing.
 *
 * Every refusal is described by a struct qpu_refusal: in the argument
 * struct of ALLOC, RUN and SUBMIT (written back on failure, as other
 * detail fields are), and for every path, io_uring included, by
 * %QPU_IOC_GET_REFUSAL, which returns the file's latest refusal.
 */

/**
 * QPU_MAX_TENANTS - most tenants (cgroups) one device keeps state for
 * (the default and the ceiling of sysfs max_tenants)
 */
#define QPU_MAX_TENANTS		4096

/**
 * enum qpu_limit - which limit refused a charge (struct qpu_refusal.limit)
 * @QPU_LIMIT_NONE: nothing was refused
 * @QPU_LIMIT_CTX_QUBITS: the file's max_ctx_qubits (sysfs)
 * @QPU_LIMIT_CTX_JOBS: the file's %QPU_MAX_JOBS
 * @QPU_LIMIT_QUBITS: a tenant's qubits.max
 * @QPU_LIMIT_JOBS: a tenant's jobs.max
 * @QPU_LIMIT_SHOTS: a tenant's shots.max budget
 * @QPU_LIMIT_QPU_TIME: a tenant's qpu_time.max budget (nanoseconds)
 * @QPU_LIMIT_TENANTS: the device's %QPU_MAX_TENANTS
 * @QPU_LIMIT_POLICY: the monitoring policy (uapi/linux/qpu_bpf.h) denied
 *	the call; struct qpu_refusal.request is the policy's reason code
 * @QPU_LIMIT_COUNT: number of limits (array sizes)
 */
enum qpu_limit {
	QPU_LIMIT_NONE		= 0,
	QPU_LIMIT_CTX_QUBITS	= 1,
	QPU_LIMIT_CTX_JOBS	= 2,
	QPU_LIMIT_QUBITS	= 3,
	QPU_LIMIT_JOBS		= 4,
	QPU_LIMIT_SHOTS		= 5,
	QPU_LIMIT_QPU_TIME	= 6,
	QPU_LIMIT_TENANTS	= 7,
	QPU_LIMIT_POLICY	= 8,
	QPU_LIMIT_COUNT,
};

/**
 * struct qpu_refusal - why a charge was refused (all zero if it was not)
 * @limit: enum qpu_limit
 * @level: depth of the refusing cgroup below the cgroup2 root (0 is the
 *	root); for a file limit, the charging cgroup's
 * @cgroup_id: id of the refusing cgroup (its directory's inode number on
 *	cgroup2; for a file limit, the charging cgroup)
 * @usage: usage at that level before the charge (budgets: used in the
 *	current period)
 * @max: the limit there
 * @request: what the charge asked for (qubits, 1 job, shots, nanoseconds)
 * @seq: number of refusals this file has seen, this one included
 * @error: the positive errno the call failed with
 */
struct qpu_refusal {
	__u32 limit;
	__u32 level;
	__u64 cgroup_id;
	__u64 usage;
	__u64 max;
	__u64 request;
	__u32 seq;
	__u32 error;
};

/**
 * struct qpu_get_refusal - the file's latest refusal, %QPU_IOC_GET_REFUSAL
 * @flags: in: must be 0
 * @pad: must be 0
 * @refusal: out: the latest refused charge of this file (all zero if none)
 * @reserved: must be 0
 *
 * The io_uring path reports only an errno (and job id 0) in the CQE of a
 * refused %QPU_URING_CMD_RUN; this gives the detail. @refusal.seq tells
 * how many refusals there were, so a program that submitted a batch can
 * tell whether the one it reads is the latest. Allowed on read-only files.
 */
struct qpu_get_refusal {
	__u32 flags;
	__u32 pad;
	struct qpu_refusal refusal;
	__u64 reserved[2];
};

/**
 * struct qpu_info - device description, from %QPU_IOC_GET_INFO
 * @flags: in: must be 0
 * @api_version: out: %QPU_API_VERSION of the running driver
 * @features: out: QPU_FEAT_* bits
 * @dev_id: out: N of /dev/qpuN
 * @topology: out: enum qpu_topology_kind
 * @num_qubits: out: physical qubits of the device
 * @num_edges: out: coupling edges of the device
 * @max_ctx_qubits: out: most qubits one open file may hold at once
 * @free_qubits: out: qubits not allocated to anyone at the time of the call
 * @calibration_epoch: out: bumped on every calibration change
 * @topology_name: out: NUL-terminated spec the device was created with,
 *	e.g. "grid:4x5"
 * @max_sim_qubits: out: widest circuit the simulator runs (admin tunable,
 *	at most %QPU_MAX_SIM_QUBITS)
 * @pad: 0
 * @max_gates: out: most gates one circuit may have on this device (admin
 *	tunable "max_gates", at most %QPU_MAX_GATES); 0 from a driver
 *	before %QPU_FEAT_SOURCE, whose limit was 65536
 * @pad2: must be 0
 * @reserved: must be 0
 */
struct qpu_info {
	__u32 flags;
	__u32 api_version;
	__u64 features;
	__u32 dev_id;
	__u32 topology;
	__u32 num_qubits;
	__u32 num_edges;
	__u32 max_ctx_qubits;
	__u32 free_qubits;
	__u64 calibration_epoch;
	char  topology_name[QPU_TOPOLOGY_NAME_LEN];
	__u32 max_sim_qubits;
	__u32 pad;
	__u32 max_gates;
	__u32 pad2;
	__u64 reserved[2];
};

/**
 * struct qpu_edge - one coupling between two qubits, @a < @b
 * @a: lower qubit index
 * @b: higher qubit index
 */
struct qpu_edge {
	__u32 a;
	__u32 b;
};

/**
 * struct qpu_topology - the device's coupling map, from %QPU_IOC_GET_TOPOLOGY
 * @flags: in: must be 0
 * @num_edges: in: capacity of @edges_ptr in edges; out: edges of the device.
 *	If @edges_ptr is 0 only the count is returned. If the capacity is too
 *	small the call fails with -ENOSPC and @num_edges tells what is needed.
 * @edges_ptr: in: user pointer to an array of struct qpu_edge, sorted by
 *	(a, b) on return
 * @reserved: must be 0
 */
struct qpu_topology {
	__u32 flags;
	__u32 num_edges;
	__u64 edges_ptr;
	__u64 reserved[2];
};

/**
 * struct qpu_alloc - allocate qubits, %QPU_IOC_ALLOC; describe an
 *	allocation, %QPU_IOC_ALLOC_QUERY
 * @flags: in: QPU_ALLOC_* bits (ALLOC); 0 (QUERY)
 * @num_qubits: in (ALLOC) / out (QUERY): k, the qubits of the allocation
 * @handle: out (ALLOC) / in (QUERY): allocation handle, > 0, valid on the
 *	file descriptor that made it
 * @num_edges: in: capacity of @edges_ptr; out: coupling edges inside the
 *	allocation. Too small a capacity with a non-zero @edges_ptr fails with
 *	-EOVERFLOW (and nothing is allocated) with @num_edges set to the need.
 * @phys_ptr: in: 0, or user pointer to k __u32 that receive the physical
 *	qubit behind each virtual qubit 0..k-1. With %QPU_ALLOC_EXACT it
 *	is read instead: the physical qubits wanted, virtual qubit i on
 *	the i-th
 * @edges_ptr: in: 0, or user pointer to struct qpu_edge array that receives
 *	the allocation's coupling map in virtual indices
 * @hint_ptr: in (ALLOC): 0, or user pointer to @num_hint struct qpu_edge,
 *	the two-qubit interactions of the circuit(s) meant for the
 *	allocation, in virtual indices < @num_qubits (either order, a != b;
 *	a pair listed twice weighs twice). A placement hint: the driver
 *	puts busy pairs on good couplers where it can. Must be 0 for QUERY
 *	(was reserved[0] in v0: old binaries pass 0, no hint)
 * @num_hint: in (ALLOC): pairs at @hint_ptr, at most %QPU_ALLOC_MAX_HINT;
 *	0 for QUERY
 * @reserved: must be 0
 * @refusal: out: with -EDQUOT or -EUSERS, which limit refused the qubits
 *	(not in the v0 struct)
 *
 * The k physical qubits never overlap another allocation; the driver's
 * choice always forms a connected region of the coupling graph (an exact
 * request need not: the circuits loaded on it must still only couple
 * qubits the device couples). Errors of %QPU_IOC_ALLOC:
 * -EINVAL for k == 0 or bad flags/reserved, -E2BIG for k larger than the
 * device, -EDQUOT when the file would hold more than max_ctx_qubits or a
 * tenant more than its qubits.max, -EUSERS when the tenant table is full,
 * -ENOSPC when no connected free region of k qubits exists right now (for
 * a tenant with isolation "guard", or next to one: none that keeps the
 * tenants apart), -EFAULT for bad pointers. With %QPU_ALLOC_EXACT:
 * -EINVAL also for @phys_ptr 0, a qubit outside the device or one named
 * twice, and -EBUSY when a wanted qubit is held by another allocation or
 * the tenants' isolation keeps it from the caller (a guard band).
 * A hint: -E2BIG for @num_hint above %QPU_ALLOC_MAX_HINT, -EINVAL for a
 * pair with a == b or an index >= @num_qubits, for @hint_ptr 0 with
 * @num_hint set, for @num_hint 0 with @hint_ptr set, and for a hint with
 * %QPU_ALLOC_EXACT (the caller placed the qubits already); -EFAULT when
 * @hint_ptr cannot be read.
 *
 * Placement. When the device's noise mode is "calibrated" and its
 * placement tunable is "fidelity", the driver picks, among connected
 * regions of k usable free qubits, one of least estimated error under
 * the current calibration (readout, one-qubit and idle errors of its
 * qubits, two-qubit errors of the couplers the circuit would use) and
 * orders the virtual qubits so the hint's pairs land on coupled qubits
 * where it can. Without a hint a chain of k - 1 interactions (virtual 0-1,
 * 1-2, ...) is assumed for the estimate, and virtual qubits are numbered
 * breadth-first from the region's best qubit. Otherwise (ideal mode, or
 * placement "compact") the first fitting region is taken, breadth-first
 * from its least connected qubit, and a valid hint is accepted and
 * ignored. Documentation/qpu/design.rst, "Allocation", has the details.
 * %QPU_IOC_ALLOC_QUERY leaves @refusal zero.
 */
/**
 * QPU_ALLOC_EXACT - allocate exactly the physical qubits at
 * qpu_alloc.phys_ptr (to replay a job where it ran, or to place by
 * calibration). Unprivileged: the qubits must be free and every limit
 * and isolation rule of an ordinary allocation applies, so it grants
 * nothing that retrying ordinary allocations could not.
 */
#define QPU_ALLOC_EXACT		(1U << 0)

/** QPU_ALLOC_MAX_HINT - most pairs a placement hint (qpu_alloc.hint_ptr) has */
#define QPU_ALLOC_MAX_HINT	4096

struct qpu_alloc {
	__u32 flags;
	__u32 num_qubits;
	__u32 handle;
	__u32 num_edges;
	__u64 phys_ptr;
	__u64 edges_ptr;
	__u64 hint_ptr;
	__u32 num_hint;
	__u32 reserved;
	struct qpu_refusal refusal;
};

/**
 * struct qpu_free - release an allocation, %QPU_IOC_FREE
 * @flags: in: must be 0
 * @handle: in: handle from %QPU_IOC_ALLOC; -ENOENT if unknown to this file
 * @reserved: must be 0
 */
struct qpu_free {
	__u32 flags;
	__u32 handle;
	__u64 reserved[2];
};

/*
 * Circuits.
 *
 * A circuit is an array of struct qpu_gate over virtual qubits 0..n-1 of
 * an allocation and classical bits 0..m-1 (m <= QPU_MAX_CLBITS). It is
 * loaded once (%QPU_IOC_CIRCUIT_LOAD), validated, hashed (SHA-256) and run
 * many times. Angles are affine in parameters, so one circuit serves a
 * whole training run: angle = scale * param[slot] + offset.
 */

/**
 * QPU_MAX_GATES - the ABI's ceiling on the gates of one circuit (4 Mi,
 * 384 MiB of struct qpu_gate). Each device has its own limit below it,
 * the "max_gates" tunable (qpu_info.max_gates, by default 1 Mi): a
 * circuit over it fails with -E2BIG. Before ABI version 6 this was 65536
 * and there was no tunable; programs built then keep working, since every
 * device accepts at least that many unless its administrator lowers it.
 */
#define QPU_MAX_GATES		(1U << 22)
/** QPU_MAX_CLBITS - most classical bits in one circuit */
#define QPU_MAX_CLBITS		64
/** QPU_MAX_PARAMS - most parameter slots in one circuit */
#define QPU_MAX_PARAMS		4096
/** QPU_MAX_OBSERVABLES - most Z-string observables in one circuit */
#define QPU_MAX_OBSERVABLES	256
/** QPU_MAX_CONTROLS - most control qubits of one gate */
#define QPU_MAX_CONTROLS	4
/** QPU_MAX_SIM_QUBITS - hard ceiling of the simulator's width */
#define QPU_MAX_SIM_QUBITS	26

/**
 * enum qpu_op - gate opcodes
 *
 * Every unitary opcode may carry up to %QPU_MAX_CONTROLS control qubits
 * (qpu_gate.nctrl): the gate then acts only when all controls are 1. So
 * cx is X with one control, ccx X with two, c3x/c4x X with three/four,
 * csx and c3sqrtx SX with one/three, cp/cu1 P with one, cswap SWAP with
 * one. Angles are the gate's parameters in OpenQASM order.
 *
 * @QPU_OP_ID: identity (also u0)
 * @QPU_OP_X: Pauli X
 * @QPU_OP_Y: Pauli Y
 * @QPU_OP_Z: Pauli Z
 * @QPU_OP_H: Hadamard
 * @QPU_OP_S: sqrt(Z)
 * @QPU_OP_SDG: S dagger
 * @QPU_OP_T: sqrt(S)
 * @QPU_OP_TDG: T dagger
 * @QPU_OP_SX: sqrt(X)
 * @QPU_OP_SXDG: SX dagger
 * @QPU_OP_RX: exp(-i theta X / 2); angle 0 = theta
 * @QPU_OP_RY: exp(-i theta Y / 2); angle 0 = theta
 * @QPU_OP_RZ: exp(-i phi Z / 2); angle 0 = phi
 * @QPU_OP_P: diag(1, e^{i lambda}) (u1); angle 0 = lambda
 * @QPU_OP_U2: U3(pi/2, phi, lambda); angles phi, lambda
 * @QPU_OP_U3: OpenQASM U(theta, phi, lambda) (u, u3); angles in that order
 * @QPU_OP_SWAP: exchange two qubits (two targets)
 * @QPU_OP_RXX: exp(-i theta X(x)X / 2) (two targets); angle 0 = theta
 * @QPU_OP_RZZ: exp(-i theta Z(x)Z / 2) (two targets); angle 0 = theta
 * @QPU_OP_MEASURE: measure qubit 0 into classical bit qpu_gate.cbit
 * @QPU_OP_RESET: reset qubit 0 to |0>
 * @QPU_OP_BARRIER: no effect on the state (kept for timing and hashing);
 *	qubits are ignored
 */
enum qpu_op {
	QPU_OP_ID = 1,
	QPU_OP_X,
	QPU_OP_Y,
	QPU_OP_Z,
	QPU_OP_H,
	QPU_OP_S,
	QPU_OP_SDG,
	QPU_OP_T,
	QPU_OP_TDG,
	QPU_OP_SX,
	QPU_OP_SXDG,
	QPU_OP_RX,
	QPU_OP_RY,
	QPU_OP_RZ,
	QPU_OP_P,
	QPU_OP_U2,
	QPU_OP_U3,
	QPU_OP_SWAP,
	QPU_OP_RXX,
	QPU_OP_RZZ,
	QPU_OP_MEASURE,
	QPU_OP_RESET,
	QPU_OP_BARRIER,
	QPU_OP_NR,
};

/** QPU_GATE_COND - the gate runs only if the classical register matches */
#define QPU_GATE_COND		(1U << 0)

/** QPU_NUM_ANGLES - angles per gate */
#define QPU_NUM_ANGLES		3

/**
 * struct qpu_gate - one operation of a circuit (96 bytes)
 * @op: enum qpu_op
 * @nctrl: control qubits, 0..%QPU_MAX_CONTROLS, in @qubits[0..nctrl-1]
 * @flags: QPU_GATE_* bits
 * @pad0: must be 0
 * @qubits: controls, then the gate's targets (one, or two for SWAP, RXX,
 *	RZZ), as virtual qubit indices; unused entries must be 0; operands
 *	of one gate must be distinct
 * @cbit: %QPU_OP_MEASURE: the classical bit written; otherwise 0
 * @cond_start: with %QPU_GATE_COND: first classical bit of the register
 *	compared (bit 0 of the value)
 * @cond_width: with %QPU_GATE_COND: width of that register, 1..64
 * @cond_value: with %QPU_GATE_COND: run iff the register equals this
 * @param: angle i is a constant (0) or uses parameter slot param[i] - 1
 * @pad1: must be 0
 * @scale: angle i = scale[i] * parameter + offset[i]: IEEE-754 binary64
 *	bit patterns (finite); scale is ignored for constants and must be 0
 * @offset: see @scale
 *
 * Unused angles (beyond the opcode's count) must have param, scale and
 * offset 0. A gate acting on two qubits needs them coupled in the
 * allocation; one acting on three or more needs them to induce a
 * connected subgraph (hardware would decompose it along those couplings).
 * Neither applies on a fully connected device.
 */
struct qpu_gate {
	__u8  op;
	__u8  nctrl;
	__u8  flags;
	__u8  pad0;
	__u16 qubits[6];
	__u32 cbit;
	__u16 cond_start;
	__u16 cond_width;
	__u64 cond_value;
	__u32 param[QPU_NUM_ANGLES];
	__u32 pad1;
	__u64 scale[QPU_NUM_ANGLES];
	__u64 offset[QPU_NUM_ANGLES];
};

/**
 * enum qpu_circuit_error - why a circuit was rejected (detail of -EINVAL)
 * @QPU_CERR_NONE: no error
 * @QPU_CERR_OP: unknown opcode, or controls on MEASURE/RESET/BARRIER
 * @QPU_CERR_NCTRL: too many controls
 * @QPU_CERR_QUBIT: qubit index outside the circuit's width
 * @QPU_CERR_DUP_QUBIT: the same qubit twice in one gate
 * @QPU_CERR_NOT_COUPLED: two-qubit gate on an uncoupled pair, or a
 *	multi-qubit gate on a disconnected set
 * @QPU_CERR_CBIT: classical bit outside the circuit's classical width
 * @QPU_CERR_COND: bad condition (register outside the classical width,
 *	width 0 or > 64, value wider than the register)
 * @QPU_CERR_PARAM: parameter slot outside num_params
 * @QPU_CERR_ANGLE: angle not finite, or set where the opcode has none
 * @QPU_CERR_RESERVED: padding or unused field not zero
 * @QPU_CERR_OBSERVABLE: observable mask names qubits outside the width
 */
enum qpu_circuit_error {
	QPU_CERR_NONE,
	QPU_CERR_OP,
	QPU_CERR_NCTRL,
	QPU_CERR_QUBIT,
	QPU_CERR_DUP_QUBIT,
	QPU_CERR_NOT_COUPLED,
	QPU_CERR_CBIT,
	QPU_CERR_COND,
	QPU_CERR_PARAM,
	QPU_CERR_ANGLE,
	QPU_CERR_RESERVED,
	QPU_CERR_OBSERVABLE,
};

/**
 * QPU_LOAD_SOURCE - qpu_circuit_load.source_hash, .route_seed and
 * .route_swaps describe the circuit this one was routed from
 * (%QPU_FEAT_SOURCE)
 */
#define QPU_LOAD_SOURCE		(1U << 0)

/**
 * struct qpu_circuit_load - load a circuit, %QPU_IOC_CIRCUIT_LOAD
 * @flags: in: %QPU_LOAD_* bits
 * @alloc: in: allocation whose coupling map the circuit is validated
 *	against; it is the circuit's default allocation for runs
 * @num_qubits: in: circuit width, 1..k of @alloc and <= the device's
 *	max_sim_qubits (-E2BIG otherwise)
 * @num_clbits: in: classical bits, 0..%QPU_MAX_CLBITS
 * @num_params: in: parameter slots the gates may use, 0..%QPU_MAX_PARAMS
 * @num_gates: in: entries of @gates_ptr, 1..the device's max_gates
 *	(qpu_info.max_gates, at most %QPU_MAX_GATES)
 * @gates_ptr: in: user pointer to struct qpu_gate[num_gates]; never 0
 * @num_observables: in: entries of @observables_ptr, 0..%QPU_MAX_OBSERVABLES
 * @handle: out: circuit handle, > 0
 * @observables_ptr: in: user pointer to __u64 Z-string masks: bit q set
 *	means Z on virtual qubit q; a run that asks for expectation values
 *	gets <psi|Z..Z|psi> for each
 * @error: out: enum qpu_circuit_error when the call fails with -EINVAL
 *	because of a gate or observable
 * @error_index: out: index of the offending gate (or observable)
 * @hash: out: SHA-256 of the circuit (gates, widths, observables)
 * @reason: out: with -EPERM, the monitoring policy's reason code (also
 *	recorded as the file's latest refusal, %QPU_LIMIT_POLICY)
 * @pad: must be 0
 * @esp: out: the circuit's estimated success probability on @alloc, a
 *	binary64 bit pattern in [0, 1]: the product over gates of (1 -
 *	error), over measurements of (1 - readout error), times the decay
 *	of idle qubits, from the calibration current at load (crosstalk not
 *	included: it depends on what runs beside it). 1.0 on a device whose
 *	noise mode is ideal (Documentation/qpu/noise.rst)
 * @xt_loss_ppm: out: the share of @esp (parts per million) the circuit
 *	would lose to crosstalk with every qubit next to a running
 *	neighbour: what the scheduler's crosstalk rule weighs against the
 *	device's crosstalk_defer_ppm. 0 on an ideal device
 * @pad2: must be 0
 * @reserved: must be 0
 * @source_hash: in, with %QPU_LOAD_SOURCE: SHA-256, computed as @hash is,
 *	of the circuit this one was routed from (what the user submitted,
 *	before SWAPs were inserted and its qubits placed); recorded in the
 *	circuit's audit records. Must be 0 without the flag
 * @route_seed: in, with %QPU_LOAD_SOURCE: the seed routing used, so the
 *	same routed circuit can be made again; must be 0 without the flag
 * @route_swaps: in, with %QPU_LOAD_SOURCE: SWAPs routing inserted (for
 *	audit and monitoring; the driver does not check it against the
 *	gates); must be 0 without the flag
 * @pad3: must be 0
 *
 * The driver does not check @source_hash against anything: it records
 * what the loader says, next to @hash, which is always the hash of the
 * gates actually loaded and run.
 *
 * Errors: -EINVAL (bad flags or reserved bits, @num_qubits or @num_gates
 * 0, @gates_ptr 0, @observables_ptr 0 with @num_observables > 0, or a gate
 * or observable the validator rejects: then @error and @error_index say
 * which and why), -E2BIG (a count over its limit, or @num_qubits wider
 * than the device's max_sim_qubits or than @alloc), -ENOENT (@alloc 0 or
 * unknown to this file), -EFAULT (an array cannot be read), -ENOMEM,
 * -EPERM (the monitoring policy denied the circuit, after validation:
 * @hash and @reason are set).
 * Nothing is loaded when the call fails.
 */
struct qpu_circuit_load {
	__u32 flags;
	__u32 alloc;
	__u32 num_qubits;
	__u32 num_clbits;
	__u32 num_params;
	__u32 num_gates;
	__u64 gates_ptr;
	__u32 num_observables;
	__u32 handle;
	__u64 observables_ptr;
	__u32 error;
	__u32 error_index;
	__u8  hash[32];
	__u32 reason;
	__u32 pad;
	__u64 esp;
	__u32 xt_loss_ppm;
	__u32 pad2;
	__u64 reserved[1];
	__u8  source_hash[32];
	__u64 route_seed;
	__u32 route_swaps;
	__u32 pad3;
};

/**
 * struct qpu_circuit_free - unload a circuit, %QPU_IOC_CIRCUIT_FREE
 * @flags: in: must be 0
 * @handle: in: circuit handle; -ENOENT if unknown to this file
 * @reserved: must be 0
 */
struct qpu_circuit_free {
	__u32 flags;
	__u32 handle;
	__u64 reserved[2];
};

/*
 * Buffers: memory shared between a process and the driver, mmap()ed from
 * the file that created them at the offset the driver gives. Parameters
 * (binary64 arrays) and results live there, so a training loop never
 * copies them.
 */

/** QPU_MAX_BUFFER_SIZE - largest buffer */
#define QPU_MAX_BUFFER_SIZE	(256ULL << 20)

/**
 * struct qpu_buffer_create - create a buffer, %QPU_IOC_BUFFER_CREATE
 * @flags: in: must be 0
 * @handle: out: buffer handle, > 0
 * @size: in: bytes, 1..%QPU_MAX_BUFFER_SIZE, rounded up to pages; out:
 *	the rounded size
 * @mmap_offset: out: offset to pass to mmap() on this file; the mapping
 *	must cover the whole buffer (length == size, MAP_SHARED)
 * @reserved: must be 0
 */
struct qpu_buffer_create {
	__u32 flags;
	__u32 handle;
	__u64 size;
	__u64 mmap_offset;
	__u64 reserved[2];
};

/**
 * struct qpu_buffer_destroy - drop a buffer handle, %QPU_IOC_BUFFER_DESTROY
 * @flags: in: must be 0
 * @handle: in: buffer handle; -ENOENT if unknown
 * @reserved: must be 0
 *
 * Existing mappings and running jobs keep the memory until they are done.
 */
struct qpu_buffer_destroy {
	__u32 flags;
	__u32 handle;
	__u64 reserved[2];
};

/** QPU_RUN_SEED - qpu_job_desc.seed is given; otherwise the driver picks one */
#define QPU_RUN_SEED		(1U << 0)
/** QPU_RUN_EXPECT - compute the circuit's observables' expectation values */
#define QPU_RUN_EXPECT		(1U << 1)
/**
 * QPU_RUN_PROVENANCE - write the job's struct qpu_provenance into its
 * result buffer at qpu_job_desc.provenance_offset when it completes
 */
#define QPU_RUN_PROVENANCE	(1U << 2)
/**
 * QPU_RUN_CROSSTALK - apply the crosstalk schedule (struct qpu_crosstalk)
 * at qpu_job_desc.crosstalk_offset in the parameter buffer instead of
 * the crosstalk of what runs beside the job: to replay a job of a
 * calibrated device as it ran (Documentation/qpu/replay.rst)
 */
#define QPU_RUN_CROSSTALK	(1U << 3)

/** QPU_MAX_XT_SEGS - most crosstalk changes one job records or replays */
#define QPU_MAX_XT_SEGS		32

/**
 * struct qpu_xt_seg - from one point of a job on, which of its circuit's
 *	qubits were exposed to crosstalk
 * @sweep: parameter vector
 * @shot: first shot of that vector it applies to
 * @exposed: bit v set: circuit qubit v was coupled to a qubit of another
 *	allocation that was running
 */
struct qpu_xt_seg {
	__u32 sweep;
	__u32 shot;
	__u64 exposed;
};

/**
 * struct qpu_crosstalk - a crosstalk schedule (%QPU_RUN_CROSSTALK)
 * @num_segs: entries of @segs, 0..%QPU_MAX_XT_SEGS
 * @reserved: must be 0
 * @segs: changes ordered by (sweep, shot); each holds until the next, and
 *	every parameter vector starts unexposed. An exposed bit beyond the
 *	circuit's width, or a sweep or shot beyond the job's, is -EINVAL
 */
struct qpu_crosstalk {
	__u32 num_segs;
	__u32 reserved;
	struct qpu_xt_seg segs[];
};

/**
 * struct qpu_job_desc - what to run (80 bytes: fits the command area of a
 *	128-byte io_uring SQE)
 * @circuit: circuit handle; never 0 (-EINVAL)
 * @flags: QPU_RUN_* bits
 * @shots: shots per parameter vector, 1..%QPU_MAX_SHOTS
 * @num_sweeps: P, parameter vectors to run; 0 means 1
 * @seed: with %QPU_RUN_SEED the sampling seed; parameter vector i uses a
 *	seed derived from it and i (reported in each result slice)
 * @param_buf: buffer holding the parameters; 0 if the circuit has none
 *	(0 for a circuit with parameters is -EINVAL)
 * @result_buf: buffer receiving the results; never 0 (-EINVAL)
 * @param_offset: byte offset of vector 0 in @param_buf (8-byte aligned)
 * @result_offset: byte offset of slice 0 in @result_buf (8-byte aligned)
 * @param_stride: bytes from one parameter vector to the next (multiple
 *	of 8, >= 8 * num_params); ignored when P == 1
 * @result_stride: bytes from one result slice to the next (multiple of 8,
 *	>= the slice size needed); ignored when P == 1
 * @alloc: allocation to run on; 0 means the circuit's. Another allocation
 *	of the same file works if it has at least the circuit's width and
 *	every coupling the circuit relies on.
 * @pad: must be 0
 * @provenance_offset: with %QPU_RUN_PROVENANCE, byte offset in
 *	@result_buf (8-byte aligned) of the struct qpu_provenance written
 *	when the job completes, before the completion is reported; it must
 *	not overlap the result slices or the parameters (-EINVAL).
 *	Otherwise must be 0
 * @crosstalk_offset: with %QPU_RUN_CROSSTALK, byte offset in @param_buf
 *	(8-byte aligned, never 0 then) of a struct qpu_crosstalk, read
 *	when the job is submitted; otherwise must be 0
 */
struct qpu_job_desc {
	__u32 circuit;
	__u32 flags;
	__u32 shots;
	__u32 num_sweeps;
	__u64 seed;
	__u32 param_buf;
	__u32 result_buf;
	__u64 param_offset;
	__u64 result_offset;
	__u32 param_stride;
	__u32 result_stride;
	__u32 alloc;
	__u32 pad;
	__u64 provenance_offset;
	__u64 crosstalk_offset;
};

/** QPU_MAX_SHOTS - most shots of one job */
#define QPU_MAX_SHOTS		(1U << 20)
/** QPU_MAX_SWEEPS - most parameter vectors of one job */
#define QPU_MAX_SWEEPS		4096
/** QPU_RESULT_MAGIC - qpu_result.magic of a written result slice */
#define QPU_RESULT_MAGIC	0x51505552	/* "QPUR" */

/**
 * struct qpu_result - header of one result slice (64 bytes), followed by
 *	@num_counts struct qpu_count sorted by bits, then @num_expect
 *	binary64 expectation values (as __u64 bit patterns)
 * @magic: %QPU_RESULT_MAGIC once the slice is complete
 * @status: 0, or the negative errno the slice failed with
 * @num_counts: distinct outcomes observed
 * @num_clbits: classical bits per outcome
 * @num_expect: expectation values that follow the counts
 * @sweep_index: which parameter vector this slice belongs to
 * @shots: shots taken
 * @seed: seed used for this slice
 * @sim_ns: simulation time spent, nanoseconds
 * @qpu_ns: estimated execution time on the modelled device, nanoseconds
 *	(see Documentation/qpu/timing.rst)
 * @calibration_epoch: the epoch of the calibration the slice ran on (a job
 *	or run keeps the calibration current when it started)
 */
struct qpu_result {
	__u32 magic;
	__s32 status;
	__u32 num_counts;
	__u32 num_clbits;
	__u32 num_expect;
	__u32 sweep_index;
	__u64 shots;
	__u64 seed;
	__u64 sim_ns;
	__u64 qpu_ns;
	__u64 calibration_epoch;
};

/**
 * struct qpu_count - one histogram entry
 * @bits: outcome, classical bit i in bit i
 * @count: shots that produced it
 */
struct qpu_count {
	__u64 bits;
	__u64 count;
};

/** QPU_PROVENANCE_MAGIC - qpu_provenance.magic once it is complete */
#define QPU_PROVENANCE_MAGIC	0x51505056	/* "QPPV" */

/**
 * struct qpu_provenance - what a completed job ran on, as its audit record
 *	says it (Documentation/qpu/audit.rst), for its own submitter: written
 *	with %QPU_RUN_PROVENANCE (272 bytes)
 * @magic: %QPU_PROVENANCE_MAGIC once the rest is written
 * @status: 0 or the job's negative errno
 * @dev_id: N of /dev/qpuN
 * @job_id: the job's id in its file; 0 for a synchronous run
 * @audit_seq: the sequence number of the job's audit record on this
 *	device (0 if audit records are off: never, today)
 * @circuit_hash: SHA-256 of the circuit, as %QPU_IOC_CIRCUIT_LOAD gave it
 * @param_hash: SHA-256 of the parameter vectors the job read: each
 *	vector's num_params binary64 values as the buffer held them when the
 *	simulator copied them, vector after vector (of no bytes for a circuit
 *	without parameters)
 * @result_hash: SHA-256 of the results, for each slice that ran: its
 *	status (__s32), num_counts and num_expect (__u32), then its counts
 *	(struct qpu_count) and expectation values, all little-endian, as the
 *	driver wrote them
 * @calib_hash: SHA-256 of the calibration (the whole "calibration" sysfs
 *	file) the job started on
 * @calib_epoch: that calibration's epoch
 * @seed: base seed (slice i uses the seed its result slice reports)
 * @shots: shots per parameter vector
 * @sweeps: parameter vectors
 * @submit_time: CLOCK_REALTIME nanoseconds when it was submitted
 * @start_time: when it started (0 if it never did)
 * @end_time: when it completed
 * @qpu_ns: modelled device time of the slices that ran
 * @origin: enum qpu_bpf_origin (uapi/linux/qpu_bpf.h): ioctl, io_uring
 *	or a synchronous run
 * @num_phys: the circuit's width: entries of @phys used
 * @phys: physical qubit behind each of the circuit's virtual qubits
 * @noise: enum qpu_noise_mode the job ran in (0, ideal, before v5)
 */
struct qpu_provenance {
	__u32 magic;
	__s32 status;
	__u32 dev_id;
	__u32 job_id;
	__u64 audit_seq;
	__u8  circuit_hash[32];
	__u8  param_hash[32];
	__u8  result_hash[32];
	__u8  calib_hash[32];
	__u64 calib_epoch;
	__u64 seed;
	__u32 shots;
	__u32 sweeps;
	__u64 submit_time;
	__u64 start_time;
	__u64 end_time;
	__u64 qpu_ns;
	__u32 origin;
	__u32 num_phys;
	__u16 phys[QPU_MAX_SIM_QUBITS];
	__u32 noise;
};

/**
 * QPU_RESULT_SLICE_SIZE - bytes one result slice may need: the header,
 * one count per possible outcome (at most min(shots, 2^clbits)), and the
 * expectation values. Jobs whose slices have less room fail with
 * -ENOSPC before running.
 */
#define QPU_RESULT_SLICE_SIZE(outcomes, nexpect) \
	(sizeof(struct qpu_result) + 16ULL * (outcomes) + 8ULL * (nexpect))

/**
 * struct qpu_run - run a job synchronously, %QPU_IOC_RUN
 * @job: in: what to run
 * @status: out: 0 or the negative errno of the first failed slice
 * @needed: out: with -ENOSPC, the result bytes one slice needs
 * @seed: out: the seed used (slice 0)
 * @sim_ns: out: simulation time of all slices
 * @qpu_ns: out: estimated device time of all slices
 * @reserved: must be 0
 * @refusal: out: with -EBUSY, -EDQUOT or -EUSERS from a tenant limit,
 *	which one (not in the v0 struct)
 *
 * Errors: -EINVAL (bad flags, reserved bits, zero shots, a seed without
 * %QPU_RUN_SEED, misaligned or out-of-range parameter references, or
 * parameters and results overlapping), -E2BIG (shots or sweeps over the
 * limits), -ENOENT (unknown circuit, allocation or buffer, or the
 * circuit's allocation was freed), -EXDEV (the allocation is narrower than
 * the circuit or lacks a coupling it relies on), -ENOSPC (result slices do
 * not fit: @needed gives the bytes one slice needs; the buffer must hold
 * result_offset + (P - 1) * result_stride + needed), -ENOMEM, -EINTR (a
 * fatal signal stopped the run), -EDOM (a parameter made an angle NaN or
 * infinite: that slice's status), -ENODEV (the device was removed; a run
 * in progress when removal begins is aborted at its next checkpoint, so
 * removal never waits for it: the call returns -ENODEV and the slice
 * being simulated, if any, has status -ENODEV; the struct is not written
 * back), -EBADF (the file is not open for writing). A zero circuit or
 * result_buf handle is -EINVAL. While a job runs, freeing its allocation
 * fails with -EBUSY.
 */
struct qpu_run {
	struct qpu_job_desc job;
	__s32 status;
	__u32 needed;
	__u64 seed;
	__u64 sim_ns;
	__u64 qpu_ns;
	__u64 reserved[2];
	struct qpu_refusal refusal;
};

/*
 * Asynchronous jobs.
 *
 * %QPU_IOC_SUBMIT queues a job and returns its id at once; the device's
 * executor threads run it. Completed jobs are reaped with %QPU_IOC_WAIT,
 * and poll() on the file reports EPOLLIN while a completed job waits to be
 * reaped. io_uring submits the same struct qpu_job_desc as the payload of a
 * %QPU_URING_CMD_RUN command (IORING_OP_URING_CMD on a ring set up with
 * IORING_SETUP_SQE128); its CQE arrives when the job completes, with the
 * job status as res and, on a ring with IORING_SETUP_CQE32, the job id in
 * big_cqe[0]. Such jobs are not reaped with %QPU_IOC_WAIT.
 *
 * The descriptor fills the SQE's 80-byte command area exactly (from
 * offsetof(struct io_uring_sqe, cmd) to the end of the 128 bytes). A
 * command is rejected, with nothing queued, with res -ENOTTY for an
 * unknown cmd_op, and -EINVAL on a ring with 64-byte SQEs, when one of the
 * SQE fields the command does not use (ioprio, addr, len, buf_index,
 * file_index, the IORING_URING_CMD_FIXED flag) is not zero, or for every
 * descriptor error %QPU_IOC_SUBMIT reports (same errnos, -EBUSY for a
 * full job table included); big_cqe[0] is 0 then. A command's res is
 * never -EAGAIN: when submitting would block, io_uring issues the command
 * again from one of its worker threads, where it may sleep.
 *
 * Closing the file cancels queued jobs and waits for running ones.
 */

/** QPU_MAX_JOBS - most jobs one open file may have in flight or unreaped */
#define QPU_MAX_JOBS		16384

/** QPU_URING_CMD_RUN - io_uring command op: run the struct qpu_job_desc in the SQE */
#define QPU_URING_CMD_RUN	1

/**
 * enum qpu_job_state - life of a job
 * @QPU_JOB_QUEUED: waiting for an executor
 * @QPU_JOB_RUNNING: being simulated
 * @QPU_JOB_DONE: finished, status 0
 * @QPU_JOB_FAILED: finished with a negative errno status
 * @QPU_JOB_CANCELLED: cancelled (status -ECANCELED, or -ENODEV when the
 *	device was removed)
 */
enum qpu_job_state {
	QPU_JOB_QUEUED = 1,
	QPU_JOB_RUNNING,
	QPU_JOB_DONE,
	QPU_JOB_FAILED,
	QPU_JOB_CANCELLED,
};

/**
 * struct qpu_submit - queue a job, %QPU_IOC_SUBMIT
 * @job: in: what to run (validated now: same errors as %QPU_IOC_RUN)
 * @job_id: out: id, > 0, valid on this file until reaped
 * @needed: out: with -ENOSPC, the bytes one result slice needs
 * @user_data: in: returned unchanged by %QPU_IOC_WAIT
 * @reserved: must be 0
 * @refusal: out: with -EBUSY, -EDQUOT or -EUSERS, which limit refused
 *	the job (not in the v0 struct)
 *
 * Errors: those of %QPU_IOC_RUN (the descriptor is checked now), and
 * -EBUSY when the file already has %QPU_MAX_JOBS jobs in flight or
 * unreaped (reap some with %QPU_IOC_WAIT, or wait for io_uring
 * completions, and submit again). A %QPU_URING_CMD_RUN command fails with
 * the same res then. (The v0 header documented -EAGAIN here; io_uring
 * takes -EAGAIN from a command to mean "issue me again, blocking", so a
 * full table could not be reported with it.)
 */
struct qpu_submit {
	struct qpu_job_desc job;
	__u32 job_id;
	__u32 needed;
	__u64 user_data;
	__u64 reserved[2];
	struct qpu_refusal refusal;
};

/** QPU_WAIT_ANY - reap whichever job completes first; @job_id is ignored */
#define QPU_WAIT_ANY		(1U << 0)

/**
 * struct qpu_wait - wait for a job and reap it, %QPU_IOC_WAIT
 * @flags: in: QPU_WAIT_* bits
 * @job_id: in: the job (without %QPU_WAIT_ANY); out: the job reaped
 * @timeout_ns: in: < 0 waits forever, 0 only checks, > 0 waits at most
 *	that long. A wait interrupted by a signal whose handler restarts
 *	system calls (or by io_uring task work of the thread) is restarted
 *	by the kernel; a positive timeout is then rewritten here to the time
 *	that was left, as ppoll(2) does, so the total wait is not extended
 * @status: out: 0 or the job's negative errno
 * @state: out: enum qpu_job_state
 * @user_data: out: as given at submission
 * @submit_ns: out: CLOCK_MONOTONIC time of submission (when the job was
 *	queued)
 * @start_ns: out: when an executor started it (0 if it never ran)
 * @end_ns: out: when it completed
 * @sim_ns: out: simulation time
 * @qpu_ns: out: modelled device time
 * @seed: out: seed used (slice 0)
 * @reserved: must be 0
 *
 * Errors: -ENOENT (no such job, or %QPU_WAIT_ANY with no job in flight),
 * -EAGAIN (timeout 0 and nothing completed), -ETIMEDOUT, -EINTR, -ENODEV
 * (the device was removed before the call; a wait already sleeping when
 * it is removed returns its job, completed with status -ENODEV).
 */
struct qpu_wait {
	__u32 flags;
	__u32 job_id;
	__s64 timeout_ns;
	__s32 status;
	__u32 state;
	__u64 user_data;
	__u64 submit_ns;
	__u64 start_ns;
	__u64 end_ns;
	__u64 sim_ns;
	__u64 qpu_ns;
	__u64 seed;
	__u64 reserved[2];
};

/**
 * struct qpu_cancel - cancel a job, %QPU_IOC_CANCEL
 * @flags: in: must be 0
 * @job_id: in: the job
 * @reserved: must be 0
 *
 * A queued job is cancelled at once, a running one at the simulator's next
 * checkpoint; either completes with -ECANCELED. Errors: -ENOENT (no such
 * job), -EALREADY (it already completed).
 */
struct qpu_cancel {
	__u32 flags;
	__u32 job_id;
	__u64 reserved[2];
};

/*
 * Generic netlink family "qpu": tenant administration and device state
 * (Documentation/netlink/specs/qpu.yaml, Documentation/qpu/tenants.rst).
 *
 * Commands (all with NLM_F_REQUEST; replies carry the same command):
 *
 *  - %QPU_CMD_DEV_GET: one device (%QPU_A_DEV_ID) or, with NLM_F_DUMP,
 *    every device. Any process.
 *  - %QPU_CMD_TENANT_GET: the tenant %QPU_A_TENANT_CGROUP_ID (default: the
 *    caller's own cgroup) on device %QPU_A_TENANT_DEV_ID; with NLM_F_DUMP
 *    every tenant the device keeps state for (of every device unless
 *    %QPU_A_TENANT_DEV_ID is given). Any process may read its own cgroup
 *    and its ancestors; other tenants need CAP_SYS_ADMIN (-EPERM, and a
 *    dump silently leaves them out).
 *  - %QPU_CMD_TENANT_SET: set the limits given (others keep their value)
 *    of a cgroup on a device. CAP_SYS_ADMIN in the initial user namespace
 *    (-EPERM). Either everything given is applied or nothing is.
 *  - %QPU_CMD_TENANT_DEL: forget a cgroup's limits on a device (they go
 *    back to the defaults; usage stays accounted while charges live).
 *    CAP_SYS_ADMIN; -ENOENT if the device has no limits for it.
 *
 * A device is named by its id (N of /dev/qpuN): -ENODEV if there is no
 * such device or it is being removed. A cgroup is named by its id (the
 * inode number of its directory on cgroup2): -ENOENT if no such cgroup
 * exists (or it is outside the caller's cgroup namespace). Counts and limits are u64,
 * %QPU_UNLIMITED ("max") means no limit. Requests are validated strictly:
 * an unknown command is -EOPNOTSUPP; an attribute the command does not
 * take (reply-only ones included), of the wrong length, or a budget
 * without both LIMIT and PERIOD is -EINVAL; a value outside its range
 * (weight, latency, isolation, period) is -ERANGE. Errors carry an extack
 * message and the offending (or missing) attribute.
 *
 *  - %QPU_CMD_CALIB_GET: a device's calibration at epoch
 *    %QPU_A_CALIB_EPOCH (default: the current one), if the device still
 *    keeps it (the last %QPU_CALIB_HISTORY epochs; -ENOENT otherwise):
 *    its hash, size and time. With NLM_F_DUMP, its content, the
 *    "calibration" sysfs file as it read at that epoch, in
 *    %QPU_A_CALIB_DATA chunks at %QPU_A_CALIB_OFFSET. Any process.
 *
 * Multicast groups (joining either needs CAP_SYS_ADMIN in the initial user
 * namespace; messages are sent in the initial network namespace only, and
 * the pids, uids and cgroup paths in them are those of the initial
 * namespaces):
 *
 *  - %QPU_MCGRP_AUDIT: one audit record per event, in attribute set
 *    "audit": %QPU_CMD_AUDIT_LOAD (a circuit loaded), %QPU_CMD_AUDIT_DENY
 *    (a load, submission or run the monitoring policy denied),
 *    %QPU_CMD_AUDIT_JOB (a job or run completed: done, failed or
 *    cancelled), %QPU_CMD_AUDIT_ALLOC and %QPU_CMD_AUDIT_FREE (qubits
 *    allocated and freed), %QPU_CMD_AUDIT_CALIB (the calibration
 *    changed), %QPU_CMD_AUDIT_LIMIT (a tenant's limits or a device
 *    tunable changed). Every record carries its device's next sequence
 *    number (%QPU_A_AUDIT_SEQ, from 1, no gaps on the kernel's side but
 *    its own failures) and the device's count of records the kernel
 *    failed to send (%QPU_A_AUDIT_LOST), so a listener can tell every
 *    record it missed. No parameter values and no results: hashes only.
 *  - %QPU_MCGRP_EVENTS: %QPU_CMD_EVENT_VERDICT, a monitoring policy
 *    flagged or denied something (same attribute set, no sequence).
 */
#define QPU_GENL_NAME		"qpu"
#define QPU_GENL_VERSION	1
#define QPU_MCGRP_AUDIT		"audit"
#define QPU_MCGRP_EVENTS	"events"

/** QPU_UNLIMITED - a limit of "max": no limit */
#define QPU_UNLIMITED		(~0ULL)
/** QPU_WEIGHT_MIN - smallest tenant weight */
#define QPU_WEIGHT_MIN		1
/** QPU_WEIGHT_MAX - largest tenant weight */
#define QPU_WEIGHT_MAX		10000
/** QPU_WEIGHT_DEFAULT - weight of a tenant nobody configured */
#define QPU_WEIGHT_DEFAULT	100
/** QPU_BUDGET_PERIOD_MAX - longest budget period, seconds (one year) */
#define QPU_BUDGET_PERIOD_MAX	31536000ULL
/** QPU_CALIB_HISTORY - calibration epochs a device keeps, the current one included */
#define QPU_CALIB_HISTORY	16
/** QPU_HASH_LEN - bytes of every hash in records (SHA-256) */
#define QPU_HASH_LEN		32

/**
 * enum qpu_latency - latency class of a tenant
 * @QPU_LATENCY_BATCH: throughput work (the default)
 * @QPU_LATENCY_INTERACTIVE: picked first within its share
 */
enum qpu_latency {
	QPU_LATENCY_BATCH	= 0,
	QPU_LATENCY_INTERACTIVE	= 1,
};

/**
 * enum qpu_isolation - how a tenant's qubits are kept apart from others'
 * @QPU_ISOLATION_SHARED: no constraint (the default)
 * @QPU_ISOLATION_GUARD: no coupling edge joins the qubits held by this
 *	cgroup's subtree to qubits held by anyone outside it (free qubits
 *	are left as a guard band)
 * @QPU_ISOLATION_EXCLUSIVE: while a job or run of this subtree runs,
 *	nothing else runs on the device
 *
 * A charge takes the isolation of the nearest cgroup, itself or an
 * ancestor, whose isolation is not shared.
 */
enum qpu_isolation {
	QPU_ISOLATION_SHARED	= 0,
	QPU_ISOLATION_GUARD	= 1,
	QPU_ISOLATION_EXCLUSIVE	= 2,
};

enum qpu_cmd {
	QPU_CMD_UNSPEC,
	QPU_CMD_DEV_GET,
	QPU_CMD_TENANT_GET,
	QPU_CMD_TENANT_SET,
	QPU_CMD_TENANT_DEL,
	QPU_CMD_CALIB_GET,
	QPU_CMD_AUDIT_LOAD,
	QPU_CMD_AUDIT_DENY,
	QPU_CMD_AUDIT_JOB,
	QPU_CMD_AUDIT_ALLOC,
	QPU_CMD_AUDIT_FREE,
	QPU_CMD_AUDIT_CALIB,
	QPU_CMD_AUDIT_LIMIT,
	QPU_CMD_EVENT_VERDICT,

	__QPU_CMD_MAX,
	QPU_CMD_MAX = __QPU_CMD_MAX - 1,
};

/* Attribute set "dev": a device (DEV_GET request and reply). */
enum qpu_a_dev {
	QPU_A_DEV_UNSPEC,
	QPU_A_DEV_ID,			/* u32: N of /dev/qpuN */
	QPU_A_DEV_NAME,			/* string: "qpuN" */
	QPU_A_DEV_TOPOLOGY,		/* string: e.g. "heavyhex:27" */
	QPU_A_DEV_NUM_QUBITS,		/* u32 */
	QPU_A_DEV_FREE_QUBITS,		/* u32 */
	QPU_A_DEV_WORKERS,		/* u32: executor threads */
	QPU_A_DEV_JOBS_QUEUED,		/* u32 */
	QPU_A_DEV_JOBS_RUNNING,		/* u32: jobs and synchronous runs */
	QPU_A_DEV_TENANTS,		/* u32: tenants with state */
	QPU_A_DEV_CALIB_EPOCH,		/* u64: current calibration epoch */
	QPU_A_DEV_CALIB_HASH,		/* binary, 32: its SHA-256 */
	QPU_A_DEV_AUDIT_SEQ,		/* u64: last audit sequence number used */
	QPU_A_DEV_AUDIT_LOST,		/* u64: records the kernel failed to send */
	QPU_A_DEV_AUDIT_OVERRUN,	/* u64: deliveries netlink reported failed */
	QPU_A_DEV_AUDIT_UNHEARD,	/* u64: records sent with no listener */
	QPU_A_DEV_PAD,

	__QPU_A_DEV_MAX,
	QPU_A_DEV_MAX = __QPU_A_DEV_MAX - 1,
};

/* Attribute set "tenant": a tenant on a device (TENANT_* commands). */
enum qpu_a_tenant {
	QPU_A_TENANT_UNSPEC,
	QPU_A_TENANT_DEV_ID,		/* u32 */
	QPU_A_TENANT_CGROUP_ID,		/* u64 */
	QPU_A_TENANT_LEVEL,		/* u32: depth below the root (reply) */
	QPU_A_TENANT_CONFIGURED,	/* u8: limits were set (reply) */
	QPU_A_TENANT_QUBITS_MAX,	/* u64 */
	QPU_A_TENANT_QUBITS_CURRENT,	/* u64 (reply) */
	QPU_A_TENANT_JOBS_MAX,		/* u64 */
	QPU_A_TENANT_JOBS_CURRENT,	/* u64 (reply) */
	QPU_A_TENANT_SHOTS,		/* nest, set "budget" */
	QPU_A_TENANT_QPU_TIME,		/* nest, set "budget": nanoseconds */
	QPU_A_TENANT_WEIGHT,		/* u32: QPU_WEIGHT_MIN..MAX */
	QPU_A_TENANT_LATENCY,		/* u32: enum qpu_latency */
	QPU_A_TENANT_ISOLATION,		/* u32: enum qpu_isolation */
	QPU_A_TENANT_EVENTS,		/* nest, set "events" (reply) */
	QPU_A_TENANT_PAD,

	__QPU_A_TENANT_MAX,
	QPU_A_TENANT_MAX = __QPU_A_TENANT_MAX - 1,
};

/*
 * Attribute set "budget": shots.max and qpu_time.max, "N PERIOD". A
 * period of 0 is a lifetime budget. Setting a budget (LIMIT and PERIOD
 * together) starts a new period with nothing used.
 */
enum qpu_a_budget {
	QPU_A_BUDGET_UNSPEC,
	QPU_A_BUDGET_LIMIT,		/* u64: per period; QPU_UNLIMITED */
	QPU_A_BUDGET_PERIOD,		/* u64: seconds, 0..QPU_BUDGET_PERIOD_MAX */
	QPU_A_BUDGET_USED,		/* u64: used this period (reply) */
	QPU_A_BUDGET_REMAINING,		/* u64: LIMIT - USED (reply) */
	QPU_A_BUDGET_RESET_NS,		/* u64: ns until the period ends (reply) */
	QPU_A_BUDGET_TOTAL,		/* u64: used since state was kept (reply) */
	QPU_A_BUDGET_PAD,

	__QPU_A_BUDGET_MAX,
	QPU_A_BUDGET_MAX = __QPU_A_BUDGET_MAX - 1,
};

/* Attribute set "events": charges each limit of this level refused. */
enum qpu_a_events {
	QPU_A_EVENTS_UNSPEC,
	QPU_A_EVENTS_QUBITS,		/* u64 */
	QPU_A_EVENTS_JOBS,		/* u64 */
	QPU_A_EVENTS_SHOTS,		/* u64 */
	QPU_A_EVENTS_QPU_TIME,		/* u64 */
	QPU_A_EVENTS_PAD,

	__QPU_A_EVENTS_MAX,
	QPU_A_EVENTS_MAX = __QPU_A_EVENTS_MAX - 1,
};

/* Attribute set "calib": %QPU_CMD_CALIB_GET. */
enum qpu_a_calib {
	QPU_A_CALIB_UNSPEC,
	QPU_A_CALIB_DEV_ID,		/* u32 */
	QPU_A_CALIB_EPOCH,		/* u64 */
	QPU_A_CALIB_HASH,		/* binary, 32: SHA-256 of the content (reply) */
	QPU_A_CALIB_SIZE,		/* u32: bytes of content (reply) */
	QPU_A_CALIB_TIME,		/* u64: CLOCK_REALTIME ns it took effect (reply) */
	QPU_A_CALIB_OLDEST_EPOCH,	/* u64: oldest epoch still kept (reply) */
	QPU_A_CALIB_OFFSET,		/* u32: where DATA starts (dump reply) */
	QPU_A_CALIB_DATA,		/* binary: a chunk of content (dump reply) */
	QPU_A_CALIB_PAD,

	__QPU_A_CALIB_MAX,
	QPU_A_CALIB_MAX = __QPU_A_CALIB_MAX - 1,
};

/*
 * Attribute set "xt": one change of a calibrated job's crosstalk
 * (struct qpu_xt_seg), nested in its %QPU_CMD_AUDIT_JOB record as
 * %QPU_A_AUDIT_XT, in order. A job records at most %QPU_MAX_XT_SEGS.
 */
enum qpu_a_xt {
	QPU_A_XT_UNSPEC,
	QPU_A_XT_SWEEP,			/* u32: parameter vector */
	QPU_A_XT_SHOT,			/* u32: first shot it applies to */
	QPU_A_XT_EXPOSED,		/* u64: exposed circuit qubits */
	QPU_A_XT_NEIGHBOURS,		/* binary: u32 running physical qubits
					 * next to the job's (at most 16) */
	QPU_A_XT_PAD,

	__QPU_A_XT_MAX,
	QPU_A_XT_MAX = __QPU_A_XT_MAX - 1,
};

/**
 * enum qpu_audit_free - why an allocation went (%QPU_A_AUDIT_REASON of
 *	%QPU_CMD_AUDIT_FREE)
 * @QPU_AUDIT_FREE_IOCTL: %QPU_IOC_FREE
 * @QPU_AUDIT_FREE_CLOSE: its file was closed
 */
enum qpu_audit_free {
	QPU_AUDIT_FREE_IOCTL	= 1,
	QPU_AUDIT_FREE_CLOSE	= 2,
};

/*
 * Attribute set "audit": audit records and monitor events. Which record
 * carries which attribute is in Documentation/qpu/audit.rst. Times are
 * CLOCK_REALTIME nanoseconds; ids, pids and uids are the initial
 * namespaces'.
 */
enum qpu_a_audit {
	QPU_A_AUDIT_UNSPEC,
	QPU_A_AUDIT_DEV_ID,		/* u32 */
	QPU_A_AUDIT_SEQ,		/* u64: per device, from 1 */
	QPU_A_AUDIT_LOST,		/* u64: QPU_A_DEV_AUDIT_LOST when sent */
	QPU_A_AUDIT_TIME,		/* u64: when it happened */
	QPU_A_AUDIT_CGROUP_ID,		/* u64: the tenant */
	QPU_A_AUDIT_CGROUP_PATH,	/* string: its path below the cgroup2 root */
	QPU_A_AUDIT_PID,		/* u32: thread group id of the actor */
	QPU_A_AUDIT_UID,		/* u32: its uid */
	QPU_A_AUDIT_ORIGIN,		/* u32: enum qpu_bpf_origin */
	QPU_A_AUDIT_JOB_ID,		/* u32: 0 for a synchronous run */
	QPU_A_AUDIT_CIRCUIT,		/* u32: circuit handle in its file */
	QPU_A_AUDIT_ALLOC,		/* u32: allocation handle in its file */
	QPU_A_AUDIT_CIRCUIT_HASH,	/* binary, 32 */
	QPU_A_AUDIT_PARAM_HASH,		/* binary, 32 (qpu_provenance.param_hash) */
	QPU_A_AUDIT_RESULT_HASH,	/* binary, 32 (qpu_provenance.result_hash) */
	QPU_A_AUDIT_SEED,		/* u64 */
	QPU_A_AUDIT_CALIB_EPOCH,	/* u64 */
	QPU_A_AUDIT_CALIB_HASH,		/* binary, 32 */
	QPU_A_AUDIT_SHOTS,		/* u32: per parameter vector */
	QPU_A_AUDIT_SWEEPS,		/* u32: parameter vectors */
	QPU_A_AUDIT_NUM_QUBITS,		/* u32: circuit width, or allocation size */
	QPU_A_AUDIT_NUM_CLBITS,		/* u32 */
	QPU_A_AUDIT_NUM_PARAMS,		/* u32 */
	QPU_A_AUDIT_NUM_GATES,		/* u32 */
	QPU_A_AUDIT_PHYS,		/* binary: u32 physical qubit per virtual one */
	QPU_A_AUDIT_SUBMIT_TIME,	/* u64 */
	QPU_A_AUDIT_START_TIME,		/* u64: 0 if it never started */
	QPU_A_AUDIT_END_TIME,		/* u64 */
	QPU_A_AUDIT_QPU_NS,		/* u64: modelled device time */
	QPU_A_AUDIT_STATUS,		/* s32: 0 or negative errno */
	QPU_A_AUDIT_STATE,		/* u32: enum qpu_job_state */
	QPU_A_AUDIT_KIND,		/* u32: enum qpu_admit_kind (qpu_bpf.h) */
	QPU_A_AUDIT_ACTION,		/* u32: enum qpu_bpf_action (qpu_bpf.h) */
	QPU_A_AUDIT_REASON,		/* u32: the policy's reason; FREE: why */
	QPU_A_AUDIT_POLICY,		/* string: the policy's name */
	QPU_A_AUDIT_LIMIT_NAME,		/* string: "tenant" or a sysfs tunable */
	QPU_A_AUDIT_LIMIT_VALUE,	/* u64: the tunable's new value */
	QPU_A_AUDIT_TENANT,		/* nest, set "tenant": limits after the change */
	QPU_A_AUDIT_PAD,
	QPU_A_AUDIT_NOISE,		/* u32: enum qpu_noise_mode of a job (v5) */
	QPU_A_AUDIT_CROSSTALK_PPM,	/* u32: crosstalk_ppm a calibrated job ran with */
	QPU_A_AUDIT_XT,			/* nest, set "xt", repeated: crosstalk changes */
	QPU_A_AUDIT_SOURCE_HASH,	/* binary, 32: circuit routed from (v6) */
	QPU_A_AUDIT_ROUTE_SEED,		/* u64: with SOURCE_HASH */
	QPU_A_AUDIT_ROUTE_SWAPS,	/* u32: with SOURCE_HASH */

	__QPU_A_AUDIT_MAX,
	QPU_A_AUDIT_MAX = __QPU_A_AUDIT_MAX - 1,
};

/*
 * QPU_*_SIZE_VER0 - the size of the first published version of each
 * ioctl's argument struct: the smallest size the driver accepts, whatever
 * the struct has grown to since (see the conventions at the top). These
 * never change.
 */
#define QPU_INFO_SIZE_VER0		112
#define QPU_TOPOLOGY_SIZE_VER0		32
#define QPU_ALLOC_SIZE_VER0		48
#define QPU_FREE_SIZE_VER0		24
#define QPU_CIRCUIT_LOAD_SIZE_VER0	120
#define QPU_CIRCUIT_FREE_SIZE_VER0	24
#define QPU_BUFFER_CREATE_SIZE_VER0	40
#define QPU_BUFFER_DESTROY_SIZE_VER0	24
#define QPU_RUN_SIZE_VER0		128
#define QPU_SUBMIT_SIZE_VER0		112
#define QPU_WAIT_SIZE_VER0		96
#define QPU_CANCEL_SIZE_VER0		24
#define QPU_GET_REFUSAL_SIZE_VER0	72

#define QPU_IOC_MAGIC		0xB9

/* Get device information. */
#define QPU_IOC_GET_INFO	_IOWR(QPU_IOC_MAGIC, 0x00, struct qpu_info)
/* Get the device coupling map. */
#define QPU_IOC_GET_TOPOLOGY	_IOWR(QPU_IOC_MAGIC, 0x01, struct qpu_topology)
/* Allocate a connected region of qubits. */
#define QPU_IOC_ALLOC		_IOWR(QPU_IOC_MAGIC, 0x02, struct qpu_alloc)
/* Release an allocation. */
#define QPU_IOC_FREE		_IOW(QPU_IOC_MAGIC, 0x03, struct qpu_free)
/* Describe an existing allocation (map and coupling edges). */
#define QPU_IOC_ALLOC_QUERY	_IOWR(QPU_IOC_MAGIC, 0x04, struct qpu_alloc)
/* Load (validate, hash, store) a circuit. */
#define QPU_IOC_CIRCUIT_LOAD	_IOWR(QPU_IOC_MAGIC, 0x05, struct qpu_circuit_load)
/* Unload a circuit. */
#define QPU_IOC_CIRCUIT_FREE	_IOW(QPU_IOC_MAGIC, 0x06, struct qpu_circuit_free)
/* Create a shared buffer. */
#define QPU_IOC_BUFFER_CREATE	_IOWR(QPU_IOC_MAGIC, 0x07, struct qpu_buffer_create)
/* Drop a shared buffer. */
#define QPU_IOC_BUFFER_DESTROY	_IOW(QPU_IOC_MAGIC, 0x08, struct qpu_buffer_destroy)
/* Run a job and wait for it. */
#define QPU_IOC_RUN		_IOWR(QPU_IOC_MAGIC, 0x09, struct qpu_run)
/* Queue a job. */
#define QPU_IOC_SUBMIT		_IOWR(QPU_IOC_MAGIC, 0x0a, struct qpu_submit)
/* Wait for a job and reap it. */
#define QPU_IOC_WAIT		_IOWR(QPU_IOC_MAGIC, 0x0b, struct qpu_wait)
/* Cancel a job. */
#define QPU_IOC_CANCEL		_IOW(QPU_IOC_MAGIC, 0x0c, struct qpu_cancel)
/* Read the file's latest refused charge. */
#define QPU_IOC_GET_REFUSAL	_IOWR(QPU_IOC_MAGIC, 0x0d, struct qpu_get_refusal)

#endif /* _UAPI_LINUX_QPU_H */
