/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libqpu.h - userspace library for /dev/qpuN devices.
 *
 * Errors (as in libbpf 1.0):
 *
 *  - A function that can fail returns 0 or a non-negative value on
 *    success and a negative errno on failure, and on failure also sets
 *    errno to that errno's positive value: "ret < 0" then -ret == errno.
 *    qpu_circuit_new(), the one constructor that returns a pointer,
 *    returns NULL and sets errno.
 *  - A call that succeeds leaves errno unchanged, also when it retried an
 *    interrupted system call or fell back from io_uring to the ioctls on
 *    the way. So errno is meaningful after a failed call only, and a
 *    caller may set errno = 0, make several calls and test errno once.
 *  - Functions that cannot fail (void ones such as qpu_close() and
 *    qpu_prep_run(), the accessors, the name lookups) never change errno. NULL
 *    from an accessor (qpu_result_at(), qpu_provenance_at(),
 *    qpu_replay_result(), qpu_circuit_param_name(),
 *    qpu_circuit_gates() of an empty circuit) means "nothing there", not a
 *    failure, and does not set errno either.
 *  - errno is thread-local, so this is thread-safe. After a failure,
 *    qpu_errmsg() on the same device handle gives a sentence that explains
 *    it with the details the kernel reported (which qubit, how many were
 *    needed, ...); a struct qpu_dev is not thread-safe for that message,
 *    the calls themselves are.
 */
#ifndef LIBQPU_H
#define LIBQPU_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/qpu.h>

#ifdef __cplusplus
extern "C" {
#endif

struct qpu_dev;

/**
 * qpu_open() - open a QPU device
 * @path: device node, e.g. "/dev/qpu0"; NULL means $QPU_DEVICE or /dev/qpu0
 * @out: receives the handle
 *
 * The device is opened read-write: the driver lets a read-only file only
 * query the device (-EBADF for everything else).
 *
 * Return: 0 or -errno (-ENOENT: no such device; -ENODEV: the driver is not
 * a qpu driver this library understands; -EACCES: no write permission).
 */
int qpu_open(const char *path, struct qpu_dev **out);

/** qpu_close() - close the handle; every qubit it holds is released */
void qpu_close(struct qpu_dev *dev);

/** qpu_fd() - the device file descriptor, for poll() or io_uring */
int qpu_fd(const struct qpu_dev *dev);

/** qpu_path() - the path the device was opened with */
const char *qpu_path(const struct qpu_dev *dev);

/** qpu_errmsg() - explanation of the last failure on @dev ("" if none) */
const char *qpu_errmsg(const struct qpu_dev *dev);

/** qpu_strerror() - short generic text for a negative errno of libqpu */
const char *qpu_strerror(int err);

/*
 * Refused charges. A tenant (cgroup v2 group) or per-file limit that
 * refuses an allocation, a run or a job fails the call with -EDQUOT
 * (qubits, shot and time budgets), -EBUSY (job counts) or -EUSERS (the
 * device's tenant table), and the kernel describes the refusal in a
 * struct qpu_refusal (uapi/linux/qpu.h, "Tenants and refused charges").
 * qpu_alloc_qubits(), qpu_run_job() and qpu_batch_submit() (ioctl path)
 * then make qpu_errmsg() say which limit of which cgroup refused it:
 *
 *	qubits.max of /hospital reached (16 of 16 held)
 *	jobs.max of /hospital/radiology reached (64 of 64 queued or running)
 *	shots.max of /teaching exhausted (990000 of 1000000 used this
 *	period, 20000 requested)
 *	max_ctx_qubits reached (5 of 5 held by this file)
 *
 * A job on the io_uring path (a batch, or qpu_prep_run() on a ring of
 * your own) reports only the errno in its CQE: qpu_batch_wait() reads the
 * detail itself for the batches, and a program with its own ring calls
 * qpu_get_refusal() after a CQE with -EBUSY, -EDQUOT or -EUSERS.
 */

/**
 * qpu_get_refusal() - the latest refused charge of this file
 * @dev: device
 * @r: receives it (all zero if nothing was ever refused); @r->seq counts
 *	the file's refusals, so a program that submitted many jobs can tell
 *	whether this is the one it is looking at (the latest wins)
 *
 * Return: 0, or -ENOTTY (a driver without tenants), -errno.
 */
int qpu_get_refusal(struct qpu_dev *dev, struct qpu_refusal *r);

/**
 * qpu_refusal_format() - describe a refusal in one sentence
 * @r: as filled by the kernel (an argument struct, or qpu_get_refusal())
 * @buf: receives the text, NUL-terminated (truncated to @len - 1)
 * @len: size of @buf
 *
 * The refusing cgroup is named by its path below the cgroup2 root: the
 * first r->level components of the caller's own cgroup when their
 * directory has inode r->cgroup_id (the usual case: the charge walked up
 * from there), else the directory of the mount with that inode, else
 * "cgroup ID" (the task migrated since, or a cgroup namespace hides it).
 * Reads /proc/self/cgroup, /proc/self/mountinfo and the cgroup2 mount.
 *
 * Return: as snprintf(): the length of the whole text (which was cut if
 * it is >= @len), or -EINVAL when @r is NULL.
 */
int qpu_refusal_format(const struct qpu_refusal *r, char *buf, size_t len);

/**
 * qpu_cgroup2_mount() - where the cgroup v2 hierarchy is mounted
 * @mountinfo: a mountinfo file (proc(5)); NULL for /proc/self/mountinfo
 * @buf: receives the mount point of its first cgroup2 mount, with the
 *	file's octal escapes (\040 for a space) undone
 * @len: size of @buf
 *
 * Tenants are cgroups, named by the kernel by their id, the inode number
 * of their directory on this mount; this is where tools look them up
 * (qpuctl does; qpu_refusal_format() too).
 *
 * Return: 0, -ENOENT if there is no cgroup2 mount, -ENAMETOOLONG if the
 * mount point does not fit in @buf, or -errno of opening the file.
 */
int qpu_cgroup2_mount(const char *mountinfo, char *buf, size_t len);

/** qpu_get_info() - device description, see struct qpu_info */
int qpu_get_info(struct qpu_dev *dev, struct qpu_info *info);

/**
 * qpu_get_topology() - the device's coupling map
 * @dev: device
 * @edges: receives a malloc()ed array, sorted by (a, b); free() it
 * @num_edges: receives its length
 */
int qpu_get_topology(struct qpu_dev *dev, struct qpu_edge **edges,
		     uint32_t *num_edges);

/**
 * struct qpu_qubits - a set of qubits held by this process
 * @handle: kernel handle
 * @num_qubits: k
 * @phys: phys[v] is the physical qubit behind virtual qubit v
 * @num_edges: couplings inside the set
 * @edges: those couplings, in virtual indices
 */
struct qpu_qubits {
	uint32_t handle;
	uint32_t num_qubits;
	uint32_t *phys;
	uint32_t num_edges;
	struct qpu_edge *edges;
};

/**
 * qpu_alloc_qubits() - allocate @k connected qubits
 * @dev: device
 * @k: number of qubits
 * @out: receives the set; release with qpu_free_qubits()
 *
 * Return: 0, -EINVAL (k == 0), -E2BIG (more than the device has), -EDQUOT
 * (over this file's max_ctx_qubits or a tenant's qubits.max: qpu_errmsg()
 * says which), -EUSERS (the device's tenant table is full), -ENOSPC (no
 * connected free region now).
 */
int qpu_alloc_qubits(struct qpu_dev *dev, uint32_t k, struct qpu_qubits **out);

/**
 * qpu_alloc_qubits_exact() - allocate exactly the physical qubits @phys
 * @dev: device
 * @phys: @k distinct physical qubits; virtual qubit v of the set is
 *	phys[v]. They need not be connected (a circuit loaded on them must
 *	still only couple qubits the device couples).
 * @k: number of qubits
 * @out: receives the set; release with qpu_free_qubits()
 *
 * %QPU_ALLOC_EXACT: for replaying a job where it ran (qpu_replay_job()),
 * or placing by calibration. Any process may ask; every limit and tenant
 * isolation rule of qpu_alloc_qubits() applies.
 *
 * Return: as qpu_alloc_qubits() but never -ENOSPC; -EINVAL also for
 * @phys NULL, a qubit outside the device or one named twice; -EBUSY when
 * a wanted qubit is held, or tenant isolation keeps it from this caller
 * (a guard band); qpu_errmsg() says which.
 */
int qpu_alloc_qubits_exact(struct qpu_dev *dev, const uint32_t *phys,
			   uint32_t k, struct qpu_qubits **out);

/**
 * qpu_alloc_qubits_hint() - allocate @k connected qubits placed for a
 *	circuit's interactions
 * @dev: device
 * @k: number of qubits
 * @pairs: @npairs (a, b) pairs of virtual qubits < @k, a != b, in either
 *	order: the two-qubit interactions of the circuit(s) to run (a pair
 *	listed twice weighs twice); NULL when @npairs is 0
 * @npairs: pairs at @pairs, at most %QPU_ALLOC_MAX_HINT
 * @out: receives the set; release with qpu_free_qubits()
 *
 * qpu_alloc_qubits() with a placement hint: on a device whose noise mode
 * is "calibrated" and placement "fidelity" the driver picks the region of
 * least estimated error for these interactions and numbers its qubits so
 * that the pairs land on coupled qubits where it can; elsewhere the hint
 * is checked and ignored. @npairs 0 is qpu_alloc_qubits().
 *
 * Return: as qpu_alloc_qubits(); -EINVAL also for a pair with a == b or
 * an index >= @k, or @pairs NULL with @npairs set; -E2BIG also for more
 * than %QPU_ALLOC_MAX_HINT pairs.
 */
int qpu_alloc_qubits_hint(struct qpu_dev *dev, uint32_t k,
			  const struct qpu_edge *pairs, uint32_t npairs,
			  struct qpu_qubits **out);

/** qpu_free_qubits() - release a set and free @q (NULL is a no-op) */
int qpu_free_qubits(struct qpu_dev *dev, struct qpu_qubits *q);

/** qpu_topology_kind_name() - "line", "ring", "grid", "heavyhex", "full" */
const char *qpu_topology_kind_name(uint32_t kind);

/*
 * Circuits (userspace side): build with the builder calls or parse
 * OpenQASM 2.0, then load onto a device with qpu_circuit_load().
 */

/**
 * struct qpu_angle - an angle: constant, or affine in a runtime parameter
 * @param: 0 for a constant, n for parameter slot n - 1
 * @scale: multiplies the parameter
 * @offset: added (the whole value for a constant)
 */
struct qpu_angle {
	uint32_t param;
	double scale;
	double offset;
};

/** qpu_const() - a constant angle */
static inline struct qpu_angle qpu_const(double v)
{
	struct qpu_angle a = { 0, 0.0, v };
	return a;
}

/** qpu_param() - scale * param[slot] + offset */
static inline struct qpu_angle qpu_param(uint32_t slot, double scale, double offset)
{
	struct qpu_angle a = { slot + 1, scale, offset };
	return a;
}

struct qpu_circuit;

/**
 * qpu_circuit_new() - an empty circuit
 * @num_qubits: width (virtual qubits 0..n-1)
 * @num_clbits: classical bits, <= QPU_MAX_CLBITS; they form one register
 *	named "c" unless qpu_circuit_add_creg() defines registers
 *
 * Return: the circuit, or NULL with errno set: EINVAL (@num_qubits is 0),
 * E2BIG (over QPU_MAX_QUBITS or QPU_MAX_CLBITS), ENOMEM.
 */
struct qpu_circuit *qpu_circuit_new(uint32_t num_qubits, uint32_t num_clbits);
void qpu_circuit_free(struct qpu_circuit *c);

/**
 * qpu_circuit_gate() - append a gate
 * @c: circuit
 * @op: enum qpu_op
 * @nctrl: control qubits, the first @nctrl of @qubits
 * @qubits: controls then targets
 * @nqubits: total operands (nctrl + 1, or nctrl + 2 for SWAP, RXX, RZZ)
 * @angles: the opcode's angles (may be NULL when it has none)
 * @nangles: their number, which must match the opcode
 *
 * The gate takes the condition set by qpu_circuit_set_cond(), if any.
 * A measurement needs its classical bit: use qpu_circuit_measure().
 * Return: 0 or -EINVAL (bad operands), -E2BIG (too many gates), -ENOMEM.
 */
int qpu_circuit_gate(struct qpu_circuit *c, uint32_t op, uint32_t nctrl,
		     const uint32_t *qubits, uint32_t nqubits,
		     const struct qpu_angle *angles, uint32_t nangles);

/* Shorthands for common gates; same return values as qpu_circuit_gate(). */
int qpu_circuit_h(struct qpu_circuit *c, uint32_t q);
int qpu_circuit_x(struct qpu_circuit *c, uint32_t q);
int qpu_circuit_rx(struct qpu_circuit *c, uint32_t q, struct qpu_angle theta);
int qpu_circuit_ry(struct qpu_circuit *c, uint32_t q, struct qpu_angle theta);
int qpu_circuit_rz(struct qpu_circuit *c, uint32_t q, struct qpu_angle phi);
int qpu_circuit_cx(struct qpu_circuit *c, uint32_t ctrl, uint32_t target);
int qpu_circuit_cz(struct qpu_circuit *c, uint32_t ctrl, uint32_t target);
int qpu_circuit_measure(struct qpu_circuit *c, uint32_t q, uint32_t cbit);
int qpu_circuit_reset(struct qpu_circuit *c, uint32_t q);
int qpu_circuit_barrier(struct qpu_circuit *c);

/**
 * qpu_circuit_set_cond() - make the following gates conditional
 * @c: circuit
 * @start: first classical bit of the compared register
 * @width: its width, 1..64; 0 clears the condition
 * @value: gates run iff the register equals this
 */
int qpu_circuit_set_cond(struct qpu_circuit *c, uint32_t start, uint32_t width,
			 uint64_t value);

/** qpu_circuit_add_observable() - add a Z-string (bit q = Z on qubit q) */
int qpu_circuit_add_observable(struct qpu_circuit *c, uint64_t zmask);

/**
 * qpu_circuit_add_creg() - name the next @width classical bits
 * Return: the register's first bit, or -EINVAL/-E2BIG/-ENOMEM
 */
int qpu_circuit_add_creg(struct qpu_circuit *c, const char *name, uint32_t width);

/**
 * qpu_circuit_set_num_params() - declare the parameter slots; by default
 *	the count is one past the highest slot any gate uses
 */
int qpu_circuit_set_num_params(struct qpu_circuit *c, uint32_t n);

uint32_t qpu_circuit_num_qubits(const struct qpu_circuit *c);
uint32_t qpu_circuit_num_clbits(const struct qpu_circuit *c);
uint32_t qpu_circuit_num_params(const struct qpu_circuit *c);
uint32_t qpu_circuit_num_gates(const struct qpu_circuit *c);
const struct qpu_gate *qpu_circuit_gates(const struct qpu_circuit *c);
uint32_t qpu_circuit_num_observables(const struct qpu_circuit *c);
const uint64_t *qpu_circuit_observables(const struct qpu_circuit *c);

/**
 * qpu_circuit_creg() - classical register @i (in declaration order)
 * Return: 0, or -ENOENT past the last register
 */
int qpu_circuit_creg(const struct qpu_circuit *c, uint32_t i, const char **name,
		     uint32_t *start, uint32_t *width);

/**
 * qpu_circuit_param_name() - name of parameter slot @slot from a QASM
 *	"param" declaration ("theta[2]"), or NULL
 */
const char *qpu_circuit_param_name(const struct qpu_circuit *c, uint32_t slot);

/**
 * qpu_qasm_parse() - parse OpenQASM 2.0 source into a circuit
 * @text: NUL-terminated source
 * @filename: name used in error messages (may be NULL: "<input>")
 * @out: receives the circuit
 * @err: receives "file:line:col: message" on failure
 * @errlen: size of @err
 *
 * Supports the whole OpenQASM 2.0 language (qreg/creg, qelib1.inc gates,
 * gate definitions, opaque (rejected when used), measure, reset, barrier,
 * if) plus one extension for variational circuits: "param NAME[N];"
 * declares runtime parameter slots usable in angle expressions that stay
 * affine (a * NAME[i] + b). All qregs are laid out one after another as
 * the circuit's virtual qubits, all cregs likewise as its classical bits.
 *
 * Return: 0, -EINVAL (syntax or semantic error, message in @err),
 * -ENOENT (an include file other than qelib1.inc not found), -E2BIG (more
 * than QPU_MAX_GATES gates, the ABI's ceiling: a device's own limit,
 * qpu_info.max_gates, is checked when the circuit is loaded), -ENOMEM.
 */
int qpu_qasm_parse(const char *text, const char *filename,
		   struct qpu_circuit **out, char *err, size_t errlen);

/** qpu_qasm_parse_file() - qpu_qasm_parse() of a file's contents */
int qpu_qasm_parse_file(const char *path, struct qpu_circuit **out, char *err,
			size_t errlen);

/**
 * qpu_circuit_interactions() - the circuit's interaction graph, as a
 *	placement hint for qpu_alloc_qubits_hint()
 * @c: circuit
 * @pairs: out: up to @cap pairs of circuit qubits, one per two-qubit gate
 *	and, for a gate on m >= 3 qubits, m - 1 along its operands, in gate
 *	order (repeats kept: they weigh); may be NULL to count only
 * @cap: room at @pairs
 *
 * Return: the number of pairs of the whole circuit (may exceed @cap; only
 * min(@cap, count) are written).
 */
uint32_t qpu_circuit_interactions(const struct qpu_circuit *c,
				  struct qpu_edge *pairs, uint32_t cap);

/**
 * qpu_circuit_layout() - place a circuit's qubits on an allocation
 * @c: circuit
 * @q: allocation, at least as wide as @c
 * @map: out: map[i] is the allocation's virtual qubit for circuit qubit i
 *
 * Finds an injective placement under which every two-qubit gate acts on a
 * coupled pair and every wider gate on a connected set (what the kernel
 * checks at load), by backtracking search; the identity is tried first.
 * This is layout, not routing: no SWAPs are inserted.
 * Return: 0, -E2BIG (circuit wider than @q), -EXDEV (no placement exists,
 * or none was found within the search budget), -ENOMEM.
 */
int qpu_circuit_layout(const struct qpu_circuit *c, const struct qpu_qubits *q,
		       uint32_t *map);

/**
 * qpu_circuit_layout_dev() - qpu_circuit_layout() that prefers good qubits
 * @dev: the device @q is on (NULL: qpu_circuit_layout())
 * @c: circuit
 * @q: allocation on @dev, at least as wide as @c
 * @map: out: as for qpu_circuit_layout()
 *
 * When @dev's noise mode is "calibrated" and its calibration
 * (/sys/class/qpu/qpuN/calibration) is readable, the search keeps, among
 * the valid layouts it reaches within its step budget, the one of least
 * cost: each two-qubit gate pays its coupler's error, each circuit qubit
 * its number of gates times its qubit's error (readout, one-qubit gate,
 * idling), so the most used pairs go on the best couplers and the
 * busiest qubits on the best qubits. Otherwise it is qpu_circuit_layout().
 * qpu-run places circuits with it.
 *
 * Return: as qpu_circuit_layout().
 */
int qpu_circuit_layout_dev(struct qpu_dev *dev, const struct qpu_circuit *c,
			   const struct qpu_qubits *q, uint32_t *map);

/**
 * struct qpu_route_opts - how qpu_circuit_route() routes
 * @seed: recorded as the routed circuit's route_seed (its source); the
 *	greedy router is deterministic and does not draw from it yet
 * @trials: 0 (for the randomized look-ahead router to come; ignored now)
 * @flags: 0 (-EINVAL otherwise)
 */
struct qpu_route_opts {
	uint64_t seed;
	uint32_t trials;
	uint32_t flags;
};

/**
 * struct qpu_route_stats - what qpu_circuit_route() did
 * @swaps: SWAPs inserted
 * @gates_2q_before: two-qubit gates of the input, ccx and cswap decomposed
 * @gates_2q_after: two-qubit gates of the output, an inserted SWAP
 *	counting 3 (three CX on hardware): @gates_2q_before + 3 * @swaps
 * @depth_before: depth of the decomposed input (barriers excluded)
 * @depth_after: depth of the output, an inserted SWAP counting 3 layers
 * @map_initial: allocation qubit circuit qubit i starts on (the identity)
 * @map_final: allocation qubit it ends on
 */
struct qpu_route_stats {
	uint32_t swaps;
	uint32_t gates_2q_before, gates_2q_after;
	uint32_t depth_before, depth_after;
	uint32_t map_initial[QPU_MAX_SIM_QUBITS];
	uint32_t map_final[QPU_MAX_SIM_QUBITS];
};

/**
 * qpu_circuit_needs_route() - would @c be refused on @q as it is?
 * Return: 1 if a gate's operands are not connected in @q (or @c is wider
 *	than @q), 0 if the kernel's validator would accept it, -E2BIG (@q
 *	over 64 qubits), -EINVAL, -ENOMEM.
 */
int qpu_circuit_needs_route(const struct qpu_circuit *c,
			    const struct qpu_qubits *q);

/**
 * qpu_circuit_route() - make @c executable on @q by inserting SWAPs
 * @dev: the device of @q (not used yet: every coupler costs the same)
 * @c: circuit, at most @q->num_qubits wide
 * @q: allocation, at most 64 qubits (its @edges are the coupling)
 * @opts: NULL for defaults
 * @out: receives a new circuit @q->num_qubits wide with @c's classical
 *	bits, registers, parameters and observables (renamed), whose
 *	source (qpu_circuit_source()) is @c
 * @stats: may be NULL
 *
 * A greedy router (Documentation/qpu/routing.rst): ccx and cswap are
 * decomposed as qelib1.inc defines them, then each two-qubit gate's first
 * operand is swapped along a shortest path to its second. Results are in
 * @c's own classical bits.
 *
 * Return: 0, -E2BIG (wider than @q, or @q over 64 qubits), -EXDEV (two
 * operands in different components of @q), -EOPNOTSUPP (a gate on three
 * or more qubits other than ccx and cswap), -EINVAL, -ENOMEM.
 */
int qpu_circuit_route(struct qpu_dev *dev, const struct qpu_circuit *c,
		      const struct qpu_qubits *q,
		      const struct qpu_route_opts *opts,
		      struct qpu_circuit **out, struct qpu_route_stats *stats);

/**
 * qpu_circuit_remap() - rename qubit i to map[i] in every gate and
 *	observable; the circuit's width becomes @width
 * Return: 0 or -EINVAL (a target outside @width, or an observable past 64).
 */
int qpu_circuit_remap(struct qpu_circuit *c, const uint32_t *map, uint32_t width);

/**
 * qpu_circuit_hash() - the SHA-256 the kernel gives @c when it is loaded
 *	(qpu_loaded.hash, qpu_provenance.circuit_hash), computed here
 * @c: circuit
 * @hash: out: 32 bytes
 * Return: 0 or -ENOMEM.
 */
int qpu_circuit_hash(const struct qpu_circuit *c, uint8_t *hash);

/**
 * struct qpu_circuit_source - the circuit a transformed circuit came from
 * @hash: qpu_circuit_hash() of the circuit as the user submitted it (of
 *	its own source, if it was itself transformed), so a result can be
 *	matched to the file it came from
 * @route_seed: the seed routing used (qpu_route_opts.seed), 0 if the
 *	circuit was only placed
 * @route_swaps: the SWAPs routing inserted, 0 if it was only placed
 *
 * qpu_circuit_load() passes it to the driver (%QPU_LOAD_SOURCE), which
 * records it in the circuit's audit records next to the hash of what
 * actually runs (Documentation/qpu/routing.rst).
 */
struct qpu_circuit_source {
	uint8_t hash[32];
	uint64_t route_seed;
	uint32_t route_swaps;
};

/**
 * qpu_circuit_source() - the circuit @c was routed or placed from
 * Return: 0, or -ENOENT when @c names none (it runs as submitted).
 */
int qpu_circuit_source(const struct qpu_circuit *c,
		       struct qpu_circuit_source *src);

/**
 * qpu_circuit_set_source() - name the circuit @c was made from (NULL:
 *	none); qpu_circuit_route() does it for the circuits it makes
 * Return: 0.
 */
int qpu_circuit_set_source(struct qpu_circuit *c,
			   const struct qpu_circuit_source *src);

/**
 * qpu_op_name() - OpenQASM name of an opcode with @nctrl controls ("ccx");
 *	"unknown" (never NULL) for a combination no gate has
 */
const char *qpu_op_name(uint32_t op, uint32_t nctrl);

/*
 * Running circuits on a device.
 */

/**
 * struct qpu_loaded - a circuit loaded on a device
 * @handle: kernel handle
 * @num_params: parameter slots
 * @hash: SHA-256 computed by the kernel
 * @esp: the circuit's estimated success probability on its qubits, from
 *	the device's calibration (qpu_circuit_load.esp): 1.0 on an ideal
 *	device or a driver without %QPU_FEAT_NOISE
 * @xt_loss_ppm: the share of @esp crosstalk on every qubit would cost it
 *	(qpu_circuit_load.xt_loss_ppm): 0 on an ideal device
 */
struct qpu_loaded {
	uint32_t handle;
	uint32_t num_params;
	uint8_t hash[32];
	double esp;
	uint32_t xt_loss_ppm;
};

/**
 * qpu_circuit_load() - validate and load @c for the qubits @q
 *
 * On -EINVAL caused by a gate, qpu_errmsg() names the gate, its index and
 * the reason ("gate 12 (cx 3,7): qubits 3 and 7 are not coupled in this
 * allocation"). A circuit wider than @q fails with -E2BIG and says so
 * (qpu_circuit_route() makes a circuit that fits the allocation). When
 * @c names a source (qpu_circuit_source()), the driver records it.
 * A circuit over the device's max_gates fails with -E2BIG, naming the limit.
 */
int qpu_circuit_load(struct qpu_dev *dev, const struct qpu_circuit *c,
		     const struct qpu_qubits *q, struct qpu_loaded *out);

/** qpu_circuit_unload() - drop a loaded circuit */
int qpu_circuit_unload(struct qpu_dev *dev, uint32_t handle);

/**
 * struct qpu_buffer - a buffer shared with the kernel, mapped here
 * @handle: kernel handle
 * @size: bytes (a page multiple)
 * @ptr: the mapping
 */
struct qpu_buffer {
	uint32_t handle;
	size_t size;
	void *ptr;
};

/** qpu_buffer_new() - create and map a buffer of at least @size bytes */
int qpu_buffer_new(struct qpu_dev *dev, size_t size, struct qpu_buffer **out);

/** qpu_buffer_free() - unmap and destroy (NULL is a no-op) */
int qpu_buffer_free(struct qpu_dev *dev, struct qpu_buffer *buf);

/**
 * qpu_result_size() - bytes one result slice of a run may need
 * @num_clbits: classical bits of the circuit
 * @shots: shots of the run
 * @num_expect: expectation values asked for (0 if none)
 */
size_t qpu_result_size(uint32_t num_clbits, uint32_t shots, uint32_t num_expect);

/**
 * qpu_run_job() - run @job and wait (ioctl path)
 * @dev: device
 * @job: what to run; see struct qpu_job_desc
 * @out: may be NULL; receives seed, timings and, on -ENOSPC, the size
 *
 * Return: 0 or -errno; results are in the result buffer. A refused charge
 * (-EBUSY for jobs.max, -EDQUOT for a shot or time budget, -EUSERS) is
 * explained by qpu_errmsg(), and described in @out->refusal.
 */
int qpu_run_job(struct qpu_dev *dev, const struct qpu_job_desc *job,
		struct qpu_run *out);

/**
 * qpu_result_at() - the result slice at @offset of @buf
 * Return: the slice, or NULL if none is complete there.
 */
const struct qpu_result *qpu_result_at(const struct qpu_buffer *buf,
				       size_t offset);

/** qpu_result_counts() - the slice's histogram, sorted by outcome */
const struct qpu_count *qpu_result_counts(const struct qpu_result *r);

/** qpu_result_expect() - expectation value @i of the slice */
double qpu_result_expect(const struct qpu_result *r, uint32_t i);

/**
 * qpu_result_layout() - lay out a result buffer: @sweeps slices, then the
 *	job's struct qpu_provenance (%QPU_RUN_PROVENANCE)
 * @num_clbits: classical bits of the circuit
 * @shots: shots per slice
 * @num_expect: expectation values asked for (0 if none)
 * @sweeps: parameter vectors (0 counts as 1)
 * @stride: out: qpu_job_desc.result_stride (qpu_result_size())
 * @prov_offset: out: qpu_job_desc.provenance_offset, 8-byte aligned,
 *	after the last slice
 *
 * Return: the bytes the buffer needs, provenance included.
 */
size_t qpu_result_layout(uint32_t num_clbits, uint32_t shots,
			 uint32_t num_expect, uint32_t sweeps, size_t *stride,
			 size_t *prov_offset);

/**
 * qpu_provenance_at() - the provenance the kernel wrote at @offset of @buf
 *	for a job run with %QPU_RUN_PROVENANCE
 *
 * It is the job's audit record minus who ran it: qpu_provenance.audit_seq
 * finds the record in the audit log (Documentation/qpu/audit.rst).
 * Return: it, or NULL unless its magic is %QPU_PROVENANCE_MAGIC (the job
 * has not completed, or did not ask for it).
 */
const struct qpu_provenance *qpu_provenance_at(const struct qpu_buffer *buf,
					       size_t offset);

/**
 * qpu_hash_hex() - @hash (32 bytes) as 64 lower-case hex digits
 * @hash: a SHA-256 of struct qpu_provenance or struct qpu_loaded
 * @out: receives the digits and a NUL (65 bytes)
 */
void qpu_hash_hex(const uint8_t *hash, char *out);

/*
 * Replaying a job (Documentation/qpu/replay.rst): run a circuit again
 * where and how an audit record says it ran, and compare the results bit
 * for bit.
 */

/**
 * struct qpu_job_record - what replaying needs of a job's audit record
 *	(its "job" JSON line, or the job's own struct qpu_provenance)
 * @dev_id: N of /dev/qpuN it ran on
 * @circuit_hash: SHA-256 of the circuit as it was loaded
 * @param_hash: SHA-256 of its parameter vectors
 * @result_hash: SHA-256 of its results
 * @calib_hash: SHA-256 of the calibration it ran on
 * @calib_epoch: that calibration's epoch
 * @seed: base seed
 * @shots: shots per parameter vector
 * @sweeps: parameter vectors
 * @run_flags: other QPU_RUN_* bits the job had (%QPU_RUN_EXPECT: the
 *	record does not say; qpu-run never sets it)
 * @num_phys: the loaded circuit's width
 * @phys: physical qubit of each of its virtual qubits
 * @noise: enum qpu_noise_mode it ran in
 * @crosstalk_ppm: the device's crosstalk_ppm it ran with (calibrated)
 * @num_xt: entries of @xt
 * @xt: the crosstalk it received (calibrated; the audit record has it,
 *	struct qpu_provenance does not: a calibrated job replayed from its
 *	provenance alone is replayed without crosstalk)
 * @has_source: the circuit was routed or placed from another (%QPU_LOAD_SOURCE)
 * @source: that circuit's hash and the routing's seed and SWAPs (the audit
 *	record has them, struct qpu_provenance does not)
 */
struct qpu_job_record {
	uint32_t dev_id;
	uint8_t circuit_hash[32];
	uint8_t param_hash[32];
	uint8_t result_hash[32];
	uint8_t calib_hash[32];
	uint64_t calib_epoch;
	uint64_t seed;
	uint32_t shots;
	uint32_t sweeps;
	uint32_t run_flags;
	uint32_t num_phys;
	uint32_t phys[QPU_MAX_SIM_QUBITS];
	uint32_t noise;
	uint32_t crosstalk_ppm;
	uint32_t num_xt;
	struct qpu_xt_seg xt[QPU_MAX_XT_SEGS];
	bool has_source;
	struct qpu_circuit_source source;
};

/** QPU_REPLAY_PARAMS - the parameter vectors do not hash to param_hash */
#define QPU_REPLAY_PARAMS	(1U << 0)
/** QPU_REPLAY_CIRCUIT - the circuit does not load as circuit_hash */
#define QPU_REPLAY_CIRCUIT	(1U << 1)
/** QPU_REPLAY_CALIB - the device's calibration is not calib_hash */
#define QPU_REPLAY_CALIB	(1U << 2)
/** QPU_REPLAY_RESULT - the rerun's results do not hash to result_hash */
#define QPU_REPLAY_RESULT	(1U << 3)
/**
 * QPU_REPLAY_NOISE - the device's noise mode or crosstalk_ppm is not the
 * recorded one
 */
#define QPU_REPLAY_NOISE	(1U << 4)

/**
 * struct qpu_replay - the outcome of qpu_replay_job()
 * @differs: QPU_REPLAY_* bits: what is not as the record says
 * @ran: the job was run again (nothing differed before running)
 * @load_error: 0, or why the circuit could not be loaded on the recorded
 *	qubits (then @circuit_hash is zero and %QPU_REPLAY_CIRCUIT is set)
 * @num_vectors: parameter vectors given
 * @param_hash: SHA-256 of those vectors
 * @circuit_hash: the circuit's hash as loaded on the recorded qubits
 * @calib_hash: SHA-256 of the device's calibration now
 * @calib_epoch: its epoch
 * @prov: the rerun's provenance (when @ran)
 * @results: the rerun's result slices; qpu_replay_result() reads them
 * @stride: bytes between slices
 * @noise: the device's noise mode now (enum qpu_noise_mode)
 * @crosstalk_ppm: its crosstalk_ppm now (0 when ideal)
 */
struct qpu_replay {
	uint32_t differs;
	int ran;
	int load_error;
	uint32_t num_vectors;
	uint8_t param_hash[32];
	uint8_t circuit_hash[32];
	uint8_t calib_hash[32];
	uint64_t calib_epoch;
	struct qpu_provenance prov;
	struct qpu_buffer *results;
	size_t stride;
	uint32_t noise;
	uint32_t crosstalk_ppm;
};

/**
 * qpu_replay_job() - run a recorded job again and compare
 * @dev: the device (normally /dev/qpu<@rec->dev_id>)
 * @rec: the record
 * @c: the circuit, as written (it is placed on the recorded qubits with
 *	qpu_circuit_layout() and remapped, as qpu-run placed it: the layout
 *	depends only on the circuit and the qubits' couplings, so the same
 *	qubits give the same placement) or as it was loaded (the identity
 *	placement is tried first). Modified by the remap.
 * @params: @num_vectors vectors of qpu_circuit_num_params(@c) values
 * @num_vectors: parameter vectors given (ignored for a circuit without
 *	parameters: the record's sweeps are run)
 * @out: receives the outcome; release it with qpu_replay_release()
 *
 * Checks, before running: the vectors' SHA-256 (as struct qpu_provenance
 * defines param_hash) against the record; the circuit loaded on exactly
 * the recorded qubits (qpu_alloc_qubits_exact()) against circuit_hash;
 * the SHA-256 of /sys/class/qpu/qpuN/calibration against calib_hash.
 * When all agree, runs the job with the record's seed, shots and sweeps
 * and %QPU_RUN_PROVENANCE, and compares the provenance's hashes with the
 * record's.
 *
 * Return: 0 when it ran (@out->differs then has %QPU_REPLAY_RESULT if the
 * results differ); -EBADMSG when something differs before running
 * (@out->differs says what, qpu_errmsg() names it with both hashes);
 * -errno when the qubits cannot be had (-EBUSY: held by someone else),
 * the run fails, or the kernel writes no provenance (-EOPNOTSUPP).
 */
int qpu_replay_job(struct qpu_dev *dev, const struct qpu_job_record *rec,
		   struct qpu_circuit *c, const double *params,
		   uint32_t num_vectors, struct qpu_replay *out);

/** qpu_replay_result() - result slice @i of the rerun, or NULL */
const struct qpu_result *qpu_replay_result(const struct qpu_replay *r,
					   uint32_t i);

/** qpu_replay_release() - free what @r holds (its result buffer) */
void qpu_replay_release(struct qpu_dev *dev, struct qpu_replay *r);

/**
 * qpu_replay_describe() - the outcome in words
 * @rec: the record
 * @r: the outcome
 * @circuit_name: what to call the circuit ("bell.qasm"); NULL: "the circuit"
 * @buf: receives the text, NUL-terminated (truncated to @len - 1)
 * @len: size of @buf
 *
 * One clause per difference, joined by "; " ("circuit differs: the
 * record's circuit_hash is X, bell.qasm loads as Y"), or "counts match
 * the original bit for bit (result sha256 X)".
 * Return: as snprintf().
 */
int qpu_replay_describe(const struct qpu_job_record *rec,
			const struct qpu_replay *r, const char *circuit_name,
			char *buf, size_t len);

/** qpu_circuit_error_name() - text for an enum qpu_circuit_error */
const char *qpu_circuit_error_name(uint32_t err);

/*
 * Asynchronous batches: many jobs in flight, submitted with one system
 * call through io_uring (IORING_SETUP_SQE128 | IORING_SETUP_CQE32), or
 * through the SUBMIT/WAIT ioctls when io_uring is unavailable (for example
 * kernel.io_uring_disabled) or QPU_BATCH_IOCTL is asked for. Both paths
 * give the same results.
 */

/** QPU_BATCH_IOCTL - use the ioctl path even if io_uring works */
#define QPU_BATCH_IOCTL		(1U << 0)

struct qpu_batch;

/**
 * struct qpu_completion - one finished job
 * @user_data: as given to qpu_batch_add()
 * @status: 0 or the job's negative errno
 * @job_id: the kernel's job id
 */
struct qpu_completion {
	uint64_t user_data;
	int32_t status;
	uint32_t job_id;
};

/** qpu_batch_cb - called for each completion reaped by qpu_batch_wait() */
typedef void (*qpu_batch_cb)(const struct qpu_completion *c, void *arg);

/**
 * qpu_batch_new() - a batch context on @dev with room for @depth jobs in
 *	flight (1..4096)
 * @flags: QPU_BATCH_* bits
 */
int qpu_batch_new(struct qpu_dev *dev, uint32_t depth, uint32_t flags,
		  struct qpu_batch **out);
/**
 * qpu_batch_free() - cancel what is still in flight and free @b
 * @b: the batch, or NULL
 *
 * On the ioctl path the batch's jobs are cancelled and reaped before this
 * returns. On the io_uring path closing the ring cancels them, and the
 * kernel tears a ring down asynchronously: a job that was running may end
 * shortly after, and until it does its qubits stay busy (freeing them
 * fails with -EBUSY).
 */
void qpu_batch_free(struct qpu_batch *b);

/** qpu_batch_uses_uring() - 1 if the batch goes through io_uring */
int qpu_batch_uses_uring(const struct qpu_batch *b);

/** qpu_batch_set_callback() - call @cb for every completion (NULL: none) */
void qpu_batch_set_callback(struct qpu_batch *b, qpu_batch_cb cb, void *arg);

/**
 * qpu_batch_add() - queue a job (nothing reaches the kernel yet)
 * Return: 0, or -EBUSY when @depth jobs are queued or in flight.
 */
int qpu_batch_add(struct qpu_batch *b, const struct qpu_job_desc *job,
		  uint64_t user_data);

/**
 * qpu_batch_submit() - send every queued job (one io_uring_enter() call)
 * Return: jobs submitted, or -errno. On the ioctl path a job rejected at
 * submission completes at once with its error. A job refused by a limit
 * (its completion has -EBUSY, -EDQUOT or -EUSERS and job id 0) leaves
 * the explanation in qpu_errmsg(), on either path, once it is reaped.
 */
int qpu_batch_submit(struct qpu_batch *b);

/**
 * qpu_batch_wait() - reap completions
 * @b: batch
 * @out: room for @max completions (may be NULL when a callback is set)
 * @min: wait until at least this many were reaped (bounded by the jobs
 *	in flight)
 * @max: reap at most this many
 * Return: number reaped, or -errno.
 */
int qpu_batch_wait(struct qpu_batch *b, struct qpu_completion *out,
		   uint32_t min, uint32_t max);

/** qpu_batch_inflight() - jobs submitted and not yet reaped */
uint32_t qpu_batch_inflight(const struct qpu_batch *b);

/*
 * A ring of your own: programs that already drive an io_uring (mixing QPU
 * jobs with file or network I/O, linking SQEs, polling) submit jobs there
 * instead of through a struct qpu_batch. The ring must be set up with
 * IORING_SETUP_SQE128 (the driver answers -EINVAL otherwise) and should
 * be with IORING_SETUP_CQE32 (without it the job id is lost). libqpu's
 * batches use the same two calls.
 */
struct io_uring_sqe;
struct io_uring_cqe;

/**
 * qpu_prep_run() - prepare an SQE that runs @desc on @dev
 * @sqe: a 128-byte SQE, e.g. from io_uring_get_sqe() on an SQE128 ring
 * @dev: device; the SQE names qpu_fd(@dev)
 * @desc: the job, as for qpu_run_job(); copied, so it may change at once
 * @user_data: given back in the CQE
 *
 * Fills all 128 bytes: IORING_OP_URING_CMD, cmd_op QPU_URING_CMD_RUN,
 * @desc in the command area (bytes 48..127) and every other field zero,
 * as the driver requires (io_uring_prep_rw() is no substitute: it leaves
 * bytes 64..127 alone). Afterwards the caller may set sqe->flags
 * (IOSQE_IO_LINK, IOSQE_ASYNC, ...) or, with IOSQE_FIXED_FILE, replace
 * sqe->fd by the index of the registered device file. Cannot fail; a bad
 * job fails in its CQE, with the errno qpu_run_job() would return.
 */
void qpu_prep_run(struct io_uring_sqe *sqe, const struct qpu_dev *dev,
		  const struct qpu_job_desc *desc, uint64_t user_data);

/**
 * qpu_cqe_completion() - read the CQE of a QPU_URING_CMD_RUN
 * @cqe: a 32-byte CQE (IORING_SETUP_CQE32 ring)
 * @c: receives user_data, status (cqe->res: 0 or the job's negative
 *	errno) and job_id (big_cqe[0]: the kernel's job id, 0 for a job
 *	rejected at submission)
 *
 * The job's status is data, not a failure of this call: errno is left
 * alone. The caller still marks the CQE seen (io_uring_cqe_seen()).
 */
void qpu_cqe_completion(const struct io_uring_cqe *cqe,
			struct qpu_completion *c);

#ifdef __cplusplus
}
#endif

#endif /* LIBQPU_H */
