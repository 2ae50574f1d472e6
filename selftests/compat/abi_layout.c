// SPDX-License-Identifier: GPL-2.0
/*
 * abi_layout.c - the qpu uAPI as a table (see abi_layout.h). Compiled with
 * -DABI_V0 against selftests/compat/v0/linux/qpu.h into abi_v0[], and
 * without it against uapi/linux/qpu.h into abi_cur[]. The table names
 * everything the v0 header defines; a later version adds nothing here
 * unless it is frozen too.
 */
#include <linux/qpu.h>

#include "abi_layout.h"

#define MEMBER_SIZE(t, f)	sizeof(((struct t *)0)->f)

#define GROWS(t)	{ ABI_STRUCT_GROWS, #t, 0, 0, sizeof(struct t) }
#define FIXED(t)	{ ABI_STRUCT_FIXED, #t, 0, 0, sizeof(struct t) }
#define FIELD(t, f)	{ ABI_FIELD, #t "." #f, sizeof(struct t),	\
			  offsetof(struct t, f), MEMBER_SIZE(t, f) }
#define CONST(c)	{ ABI_CONST, #c, 0, 0, (uint64_t)(c) }
#define LIMIT(c)	{ ABI_LIMIT, #c, 0, 0, (uint64_t)(c) }
#define IOCTL(c)	{ ABI_IOCTL, #c, 0, 0, (uint64_t)(c) }
#define VER0(t, c)	{ ABI_SIZE_VER0, #t, 0, 0, (uint64_t)(c) }

/* Reserved bytes may be renamed later: only the v0 build describes them. */
#ifdef ABI_V0
#define RSVD(t, f)	{ ABI_RESERVED, #t "." #f, sizeof(struct t),	\
			  offsetof(struct t, f), MEMBER_SIZE(t, f) },
#define TABLE		abi_v0
#define TABLE_LEN	abi_v0_len
#else
#define RSVD(t, f)
#define TABLE		abi_cur
#define TABLE_LEN	abi_cur_len
#endif

const struct abi_rec TABLE[] = {
	GROWS(qpu_info),
	FIELD(qpu_info, flags),
	FIELD(qpu_info, api_version),
	FIELD(qpu_info, features),
	FIELD(qpu_info, dev_id),
	FIELD(qpu_info, topology),
	FIELD(qpu_info, num_qubits),
	FIELD(qpu_info, num_edges),
	FIELD(qpu_info, max_ctx_qubits),
	FIELD(qpu_info, free_qubits),
	FIELD(qpu_info, calibration_epoch),
	FIELD(qpu_info, topology_name),
	FIELD(qpu_info, max_sim_qubits),
	RSVD(qpu_info, pad)
	RSVD(qpu_info, reserved)

	FIXED(qpu_edge),
	FIELD(qpu_edge, a),
	FIELD(qpu_edge, b),

	GROWS(qpu_topology),
	FIELD(qpu_topology, flags),
	FIELD(qpu_topology, num_edges),
	FIELD(qpu_topology, edges_ptr),
	RSVD(qpu_topology, reserved)

	GROWS(qpu_alloc),
	FIELD(qpu_alloc, flags),
	FIELD(qpu_alloc, num_qubits),
	FIELD(qpu_alloc, handle),
	FIELD(qpu_alloc, num_edges),
	FIELD(qpu_alloc, phys_ptr),
	FIELD(qpu_alloc, edges_ptr),
	RSVD(qpu_alloc, reserved)

	GROWS(qpu_free),
	FIELD(qpu_free, flags),
	FIELD(qpu_free, handle),
	RSVD(qpu_free, reserved)

	FIXED(qpu_gate),
	FIELD(qpu_gate, op),
	FIELD(qpu_gate, nctrl),
	FIELD(qpu_gate, flags),
	FIELD(qpu_gate, qubits),
	FIELD(qpu_gate, cbit),
	FIELD(qpu_gate, cond_start),
	FIELD(qpu_gate, cond_width),
	FIELD(qpu_gate, cond_value),
	FIELD(qpu_gate, param),
	FIELD(qpu_gate, scale),
	FIELD(qpu_gate, offset),
	RSVD(qpu_gate, pad0)
	RSVD(qpu_gate, pad1)

	GROWS(qpu_circuit_load),
	FIELD(qpu_circuit_load, flags),
	FIELD(qpu_circuit_load, alloc),
	FIELD(qpu_circuit_load, num_qubits),
	FIELD(qpu_circuit_load, num_clbits),
	FIELD(qpu_circuit_load, num_params),
	FIELD(qpu_circuit_load, num_gates),
	FIELD(qpu_circuit_load, gates_ptr),
	FIELD(qpu_circuit_load, num_observables),
	FIELD(qpu_circuit_load, handle),
	FIELD(qpu_circuit_load, observables_ptr),
	FIELD(qpu_circuit_load, error),
	FIELD(qpu_circuit_load, error_index),
	FIELD(qpu_circuit_load, hash),
	RSVD(qpu_circuit_load, reserved)

	GROWS(qpu_circuit_free),
	FIELD(qpu_circuit_free, flags),
	FIELD(qpu_circuit_free, handle),
	RSVD(qpu_circuit_free, reserved)

	GROWS(qpu_buffer_create),
	FIELD(qpu_buffer_create, flags),
	FIELD(qpu_buffer_create, handle),
	FIELD(qpu_buffer_create, size),
	FIELD(qpu_buffer_create, mmap_offset),
	RSVD(qpu_buffer_create, reserved)

	GROWS(qpu_buffer_destroy),
	FIELD(qpu_buffer_destroy, flags),
	FIELD(qpu_buffer_destroy, handle),
	RSVD(qpu_buffer_destroy, reserved)

	/* Fills the 80-byte command area of an SQE, and is embedded. */
	FIXED(qpu_job_desc),
	FIELD(qpu_job_desc, circuit),
	FIELD(qpu_job_desc, flags),
	FIELD(qpu_job_desc, shots),
	FIELD(qpu_job_desc, num_sweeps),
	FIELD(qpu_job_desc, seed),
	FIELD(qpu_job_desc, param_buf),
	FIELD(qpu_job_desc, result_buf),
	FIELD(qpu_job_desc, param_offset),
	FIELD(qpu_job_desc, result_offset),
	FIELD(qpu_job_desc, param_stride),
	FIELD(qpu_job_desc, result_stride),
	FIELD(qpu_job_desc, alloc),
	RSVD(qpu_job_desc, pad)
	RSVD(qpu_job_desc, reserved)

	/* Result slices are laid out in mapped memory: header, then counts. */
	FIXED(qpu_result),
	FIELD(qpu_result, magic),
	FIELD(qpu_result, status),
	FIELD(qpu_result, num_counts),
	FIELD(qpu_result, num_clbits),
	FIELD(qpu_result, num_expect),
	FIELD(qpu_result, sweep_index),
	FIELD(qpu_result, shots),
	FIELD(qpu_result, seed),
	FIELD(qpu_result, sim_ns),
	FIELD(qpu_result, qpu_ns),
	FIELD(qpu_result, calibration_epoch),

	FIXED(qpu_count),
	FIELD(qpu_count, bits),
	FIELD(qpu_count, count),

	GROWS(qpu_run),
	FIELD(qpu_run, job),
	FIELD(qpu_run, status),
	FIELD(qpu_run, needed),
	FIELD(qpu_run, seed),
	FIELD(qpu_run, sim_ns),
	FIELD(qpu_run, qpu_ns),
	RSVD(qpu_run, reserved)

	GROWS(qpu_submit),
	FIELD(qpu_submit, job),
	FIELD(qpu_submit, job_id),
	FIELD(qpu_submit, needed),
	FIELD(qpu_submit, user_data),
	RSVD(qpu_submit, reserved)

	GROWS(qpu_wait),
	FIELD(qpu_wait, flags),
	FIELD(qpu_wait, job_id),
	FIELD(qpu_wait, timeout_ns),
	FIELD(qpu_wait, status),
	FIELD(qpu_wait, state),
	FIELD(qpu_wait, user_data),
	FIELD(qpu_wait, submit_ns),
	FIELD(qpu_wait, start_ns),
	FIELD(qpu_wait, end_ns),
	FIELD(qpu_wait, sim_ns),
	FIELD(qpu_wait, qpu_ns),
	FIELD(qpu_wait, seed),
	RSVD(qpu_wait, reserved)

	GROWS(qpu_cancel),
	FIELD(qpu_cancel, flags),
	FIELD(qpu_cancel, job_id),
	RSVD(qpu_cancel, reserved)

	CONST(QPU_TOPOLOGY_NAME_LEN),
	CONST(QPU_NUM_ANGLES),
	CONST(QPU_TOPO_LINE),
	CONST(QPU_TOPO_RING),
	CONST(QPU_TOPO_GRID),
	CONST(QPU_TOPO_HEAVYHEX),
	CONST(QPU_TOPO_FULL),
	CONST(QPU_FEAT_ALLOC),
	CONST(QPU_FEAT_CALIBRATION),
	CONST(QPU_FEAT_RUN),
	CONST(QPU_FEAT_ASYNC),
	CONST(QPU_OP_ID),
	CONST(QPU_OP_X),
	CONST(QPU_OP_Y),
	CONST(QPU_OP_Z),
	CONST(QPU_OP_H),
	CONST(QPU_OP_S),
	CONST(QPU_OP_SDG),
	CONST(QPU_OP_T),
	CONST(QPU_OP_TDG),
	CONST(QPU_OP_SX),
	CONST(QPU_OP_SXDG),
	CONST(QPU_OP_RX),
	CONST(QPU_OP_RY),
	CONST(QPU_OP_RZ),
	CONST(QPU_OP_P),
	CONST(QPU_OP_U2),
	CONST(QPU_OP_U3),
	CONST(QPU_OP_SWAP),
	CONST(QPU_OP_RXX),
	CONST(QPU_OP_RZZ),
	CONST(QPU_OP_MEASURE),
	CONST(QPU_OP_RESET),
	CONST(QPU_OP_BARRIER),
	LIMIT(QPU_OP_NR),
	CONST(QPU_GATE_COND),
	CONST(QPU_CERR_NONE),
	CONST(QPU_CERR_OP),
	CONST(QPU_CERR_NCTRL),
	CONST(QPU_CERR_QUBIT),
	CONST(QPU_CERR_DUP_QUBIT),
	CONST(QPU_CERR_NOT_COUPLED),
	CONST(QPU_CERR_CBIT),
	CONST(QPU_CERR_COND),
	CONST(QPU_CERR_PARAM),
	CONST(QPU_CERR_ANGLE),
	CONST(QPU_CERR_RESERVED),
	CONST(QPU_CERR_OBSERVABLE),
	CONST(QPU_RUN_SEED),
	CONST(QPU_RUN_EXPECT),
	CONST(QPU_RESULT_MAGIC),
	CONST(QPU_RESULT_SLICE_SIZE(0, 0)),
	CONST(QPU_RESULT_SLICE_SIZE(3, 2)),
	CONST(QPU_URING_CMD_RUN),
	CONST(QPU_JOB_QUEUED),
	CONST(QPU_JOB_RUNNING),
	CONST(QPU_JOB_DONE),
	CONST(QPU_JOB_FAILED),
	CONST(QPU_JOB_CANCELLED),
	CONST(QPU_WAIT_ANY),
	CONST(QPU_IOC_MAGIC),

	LIMIT(QPU_API_VERSION),
	LIMIT(QPU_MAX_QUBITS),
	LIMIT(QPU_MAX_EDGES),
	LIMIT(QPU_MAX_DEVICES),
	LIMIT(QPU_MAX_GATES),
	LIMIT(QPU_MAX_CLBITS),
	LIMIT(QPU_MAX_PARAMS),
	LIMIT(QPU_MAX_OBSERVABLES),
	LIMIT(QPU_MAX_CONTROLS),
	LIMIT(QPU_MAX_SIM_QUBITS),
	LIMIT(QPU_MAX_BUFFER_SIZE),
	LIMIT(QPU_MAX_SHOTS),
	LIMIT(QPU_MAX_SWEEPS),
	LIMIT(QPU_MAX_JOBS),

	IOCTL(QPU_IOC_GET_INFO),
	IOCTL(QPU_IOC_GET_TOPOLOGY),
	IOCTL(QPU_IOC_ALLOC),
	IOCTL(QPU_IOC_FREE),
	IOCTL(QPU_IOC_ALLOC_QUERY),
	IOCTL(QPU_IOC_CIRCUIT_LOAD),
	IOCTL(QPU_IOC_CIRCUIT_FREE),
	IOCTL(QPU_IOC_BUFFER_CREATE),
	IOCTL(QPU_IOC_BUFFER_DESTROY),
	IOCTL(QPU_IOC_RUN),
	IOCTL(QPU_IOC_SUBMIT),
	IOCTL(QPU_IOC_WAIT),
	IOCTL(QPU_IOC_CANCEL),

#ifndef ABI_V0
	/* Added after v0 was frozen: v0's sizes, as the driver's minimum. */
	VER0(qpu_info, QPU_INFO_SIZE_VER0),
	VER0(qpu_topology, QPU_TOPOLOGY_SIZE_VER0),
	VER0(qpu_alloc, QPU_ALLOC_SIZE_VER0),
	VER0(qpu_free, QPU_FREE_SIZE_VER0),
	VER0(qpu_circuit_load, QPU_CIRCUIT_LOAD_SIZE_VER0),
	VER0(qpu_circuit_free, QPU_CIRCUIT_FREE_SIZE_VER0),
	VER0(qpu_buffer_create, QPU_BUFFER_CREATE_SIZE_VER0),
	VER0(qpu_buffer_destroy, QPU_BUFFER_DESTROY_SIZE_VER0),
	VER0(qpu_run, QPU_RUN_SIZE_VER0),
	VER0(qpu_submit, QPU_SUBMIT_SIZE_VER0),
	VER0(qpu_wait, QPU_WAIT_SIZE_VER0),
	VER0(qpu_cancel, QPU_CANCEL_SIZE_VER0),
#endif
};

const size_t TABLE_LEN = sizeof(TABLE) / sizeof(TABLE[0]);
