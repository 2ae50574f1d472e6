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
 *  - Argument structs are written back to userspace on failure too, so
 *    detail fields (a needed size, an offending index) are valid whenever
 *    the call got as far as setting them.
 */
#ifndef _UAPI_LINUX_QPU_H
#define _UAPI_LINUX_QPU_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** QPU_API_VERSION - version of this ABI, reported by %QPU_IOC_GET_INFO */
#define QPU_API_VERSION		1

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
	__u64 reserved[4];
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
 * @flags: in: must be 0
 * @num_qubits: in (ALLOC) / out (QUERY): k, the qubits of the allocation
 * @handle: out (ALLOC) / in (QUERY): allocation handle, > 0, valid on the
 *	file descriptor that made it
 * @num_edges: in: capacity of @edges_ptr; out: coupling edges inside the
 *	allocation. Too small a capacity with a non-zero @edges_ptr fails with
 *	-EOVERFLOW (and nothing is allocated) with @num_edges set to the need.
 * @phys_ptr: in: 0, or user pointer to k __u32 that receive the physical
 *	qubit behind each virtual qubit 0..k-1
 * @edges_ptr: in: 0, or user pointer to struct qpu_edge array that receives
 *	the allocation's coupling map in virtual indices
 * @reserved: must be 0
 *
 * The k physical qubits always form a connected region of the coupling
 * graph and never overlap another allocation. Errors of %QPU_IOC_ALLOC:
 * -EINVAL for k == 0 or bad flags/reserved, -E2BIG for k larger than the
 * device, -EDQUOT when the file would hold more than max_ctx_qubits,
 * -ENOSPC when no connected free region of k qubits exists right now,
 * -EFAULT for bad pointers.
 */
struct qpu_alloc {
	__u32 flags;
	__u32 num_qubits;
	__u32 handle;
	__u32 num_edges;
	__u64 phys_ptr;
	__u64 edges_ptr;
	__u64 reserved[2];
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

#endif /* _UAPI_LINUX_QPU_H */
