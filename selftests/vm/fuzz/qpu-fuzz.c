// SPDX-License-Identifier: GPL-2.0
/*
 * qpu-fuzz.c - the project's own hostile-input campaign against qpu.ko,
 * run inside the test VM (see Documentation/qpu/fuzzing.rst).
 *
 * Worker threads issue random and malformed calls on every entry point of
 * the driver: the ioctls of uapi/linux/qpu.h (boundary and garbage structs,
 * wrong sizes in the ioctl number, non-zero reserved fields, bad pointers
 * and handles, unknown numbers), mmap/munmap of buffers, io_uring
 * uring_cmd, poll, close and fork races on shared descriptors, SIGKILL of
 * children in the middle of a batch, garbage writes to every sysfs
 * attribute, device creation and removal racing open files and long
 * synchronous runs, rmmod/insmod racing all of that (and, between
 * rounds, from the main thread, full cycles), and a monitoring policy
 * attached and detached under it all that denies admissions at random
 * (class bpf: -EPERM is then an allowed outcome of any call, but only
 * while such a policy may be attached). To reach deep states
 * it mostly builds valid call sequences (alloc, load, buffers, run/submit/
 * wait) and mutates one field; some jobs carry a QPU_RUN_CROSSTALK
 * schedule (valid or garbage) in their parameter buffer, and the sysfs
 * writer also flips qpu0's noise, placement and crosstalk_ppm.
 *
 * Every call states what the uAPI allows it to return; anything else (a
 * call with a non-zero reserved field that succeeds, a valid call that
 * fails, a wrong errno class) is counted as a failure and the program
 * exits 1. The VM harness separately fails the run on kernel splats and
 * leaked objects; qpu-fuzz checks the object counters itself at the end of
 * each round.
 *
 * The call sequence is deterministic per (seed, round, thread); races
 * between threads are not.
 *
 * Usage: qpu-fuzz [--seed N] [--calls N] [--threads N] [--rounds N]
 *                 [--classes LIST|all] [--verbose] [--list]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <grp.h>
#include <bpf/libbpf.h>
#include <liburing.h>
#include <linux/qpu.h>

#include "libqpu.h"
#include "qpu_policy.h"
#include "../nl_util.h"
#include "../bpf/policy_probe.h"

#define PFX		"# qpu-fuzz: "
#define CLASS_DIR	"/sys/class/qpu"
#define OBJECTS		"/sys/kernel/debug/qpu/objects"
#define MODULE_KO	"/lib/qpu.ko"
#define MODULE_DIR	"/sys/module/qpu"
#define QPU0		"/dev/qpu0"
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		4096UL

/* Devices the hotplug class creates and removes: never 0..HP_FIRST-1. */
#define HP_FIRST	48
#define HP_COUNT	8
#define RACE_SLOTS	8
#define MAX_THREADS	16
#define MAX_ERRNO	134
#define MAX_REPORTS	25

/* ---- classes ----------------------------------------------------------- */

enum fz_class {
	C_IOCTL,	/* garbage ioctls on a bare file */
	C_DEEP,		/* valid sequences with one field mutated */
	C_MMAP,		/* mmap/munmap/mprotect/mremap of buffers */
	C_URING,	/* io_uring uring_cmd */
	C_POLL,		/* poll() */
	C_RACE,		/* close/use races on shared fds, fork */
	C_KILL,		/* SIGKILL of children mid-batch */
	C_SYSFS,	/* garbage to every sysfs attribute */
	C_HOTPLUG,	/* new_device/del_device racing open files */
	C_MODULE,	/* rmmod/insmod racing everything, and between rounds */
	C_NETLINK,	/* the qpu generic netlink family */
	C_BPF,		/* a policy denying at random, attached/detached */
	C_NR,
};

static const char *const class_names[C_NR] = {
	"ioctl", "deep", "mmap", "uring", "poll", "race", "kill", "sysfs",
	"hotplug", "module", "netlink", "bpf",
};

/* Relative frequency of each class in a worker thread's op mix. */
static const unsigned int class_weight[C_NR] = {
	[C_IOCTL] = 20, [C_DEEP] = 30, [C_MMAP] = 8, [C_URING] = 12,
	[C_POLL] = 4, [C_RACE] = 8, [C_KILL] = 1, [C_SYSFS] = 8,
	[C_HOTPLUG] = 3, [C_MODULE] = 1, [C_NETLINK] = 6, [C_BPF] = 2,
};

/* ---- outcome masks --------------------------------------------------------- */

/* Bit e: errno e is allowed; bit 0: success is allowed. */
typedef unsigned __int128 emask_t;
#define EM(e)		((emask_t)1 << (e))
#define EM_OK		EM(0)
#define EM_ANY		(~(emask_t)0)

/* What each ioctl may return (uapi/linux/qpu.h), success included. */
#define EM_INFO		(EM_OK | EM(EINVAL) | EM(EFAULT))
#define EM_TOPO		(EM_OK | EM(EINVAL) | EM(ENOSPC) | EM(EFAULT))
#define EM_ALLOC	(EM_OK | EM(EINVAL) | EM(E2BIG) | EM(EDQUOT) | \
			 EM(ENOSPC) | EM(EFAULT) | EM(EOVERFLOW))
#define EM_QUERY	(EM_OK | EM(EINVAL) | EM(ENOENT) | EM(EOVERFLOW) | \
			 EM(EFAULT))
#define EM_FREE		(EM_OK | EM(EINVAL) | EM(ENOENT) | EM(EBUSY))
#define EM_LOAD		(EM_OK | EM(EINVAL) | EM(E2BIG) | EM(ENOENT) | \
			 EM(EFAULT))
#define EM_CFREE	(EM_OK | EM(EINVAL) | EM(ENOENT))
#define EM_BCREATE	(EM_OK | EM(EINVAL) | EM(E2BIG))
#define EM_BDESTROY	(EM_OK | EM(EINVAL) | EM(ENOENT))
#define EM_RUN		(EM_OK | EM(EINVAL) | EM(E2BIG) | EM(ENOENT) | \
			 EM(EXDEV) | EM(ENOSPC) | EM(EDOM) | EM(EFAULT))
#define EM_SUBMIT	(EM_OK | EM(EINVAL) | EM(E2BIG) | EM(ENOENT) | \
			 EM(EXDEV) | EM(ENOSPC) | EM(EAGAIN) | EM(EFAULT))
#define EM_WAIT		(EM_OK | EM(EINVAL) | EM(ENOENT) | EM(EAGAIN) | \
			 EM(ETIMEDOUT) | EM(EFAULT))
#define EM_CANCEL	(EM_OK | EM(EINVAL) | EM(ENOENT) | EM(EALREADY))
#define EM_REFUSAL	(EM_OK | EM(EINVAL))

/* ---- per-thread state ------------------------------------------------------ */

struct fz_rng {
	uint64_t s;
};

/* A valid context on a device: the base the deep classes mutate. */
struct fz_session {
	int fd;
	int dev;		/* device id */
	bool dying;		/* the device may be removed under us */
	bool dead;		/* we removed it after opening: ENODEV only */
	uint32_t alloc, k;
	struct qpu_edge edges[64];
	uint32_t nedges;
	uint32_t circ, nparams, nclbits, nobs;
	uint32_t pbuf, rbuf;
	void *pmap, *rmap;
	uint64_t psize, rsize, poff, roff;
	/* extra objects, created and destroyed by the deep class */
	uint32_t xalloc[4], xcirc[4], xbuf[4];
	/* ioctl jobs submitted and not yet reaped */
	uint32_t jobs[32];
	uint64_t job_ud[32];
	uint32_t njobs;
	/* the crosstalk schedule at the end of pbuf (xt_fill()) */
	uint32_t xt_state;		/* enum xt_state */
	uint32_t xt_sweeps, xt_shots;	/* a job it fits has at least these */
};

enum xt_state { XT_NONE, XT_VALID, XT_GARBAGE };

/* Per call name (the "what" of a check): calls and successes. */
#define MAX_NAMES	128
struct fz_name {
	const char *name;
	uint64_t calls, ok;
};

struct fz_thread {
	int idx;
	struct fz_name names[MAX_NAMES];
	pthread_t tid;
	struct fz_rng rng;
	uint64_t budget;	/* calls to make this round */
	uint64_t calls[C_NR];
	uint64_t hist[C_NR][MAX_ERRNO + 1];	/* [0]: successes */
	uint64_t failures;
	unsigned int reports;
	uint64_t seq;		/* op counter, for reports */
	int cls;		/* class of the op being run */
	unsigned int op_gen;	/* mod_gen when the op began */
	bool in_module;		/* running a module op: mod_busy is ours */
	unsigned int bpf_gen;	/* bpf_gen when the op began */
	bool bpf_was;		/* bpf_deny_on when the op began */

	int bare;		/* /dev/qpu0 without objects: ioctl class */
	struct fz_session s;	/* on /dev/qpu0 */
	struct fz_session hp;	/* on a hotplug device */

	struct nlq *nl;		/* netlink class: socket, NULL until needed */
	unsigned int nl_gen;	/* mod_gen when its family was resolved */
	struct nlq_msg *nlm;	/* the request being built */
	struct { uint32_t dev; uint64_t cg; } nl_set[16];	/* limits set */
	unsigned int nl_nset;

	struct io_uring ring;
	bool ring_ok;
	uint32_t ring_inflight;
	emask_t cqe_allow[64];	/* by user_data */
	unsigned int cqe_bpf_gen[64];	/* bpf_gen at submission */
	bool cqe_bpf_was[64];		/* bpf_deny_on at submission */

	/* hostile memory */
	char *scratch;		/* 2 pages RW, then a PROT_NONE page */
	char *guard;		/* that PROT_NONE page */
	char *ropage;		/* toggled between RW and RO */
	char *garena;		/* gate arena: 16 pages RW, then PROT_NONE */
	size_t garena_size;
};

/* ---- global state ---------------------------------------------------------- */

static unsigned int opt_threads = 4;
static uint64_t opt_calls = 20000;
static uint64_t opt_seed = 1;
static unsigned int opt_rounds;
static bool opt_verbose;
static bool class_on[C_NR];

static _Atomic int race_slot[RACE_SLOTS];

/*
 * Module ops racing the other threads (one at a time): mod_busy is set
 * around each rmmod attempt and the insmod after it, mod_gen moves at each
 * successful rmmod and again once the module is back. A call of another thread that fails because the
 * module was away (ENOENT/ENXIO opening a node, ENODEV from a sysfs file
 * whose device went) is allowed only if an rmmod succeeded during its op.
 */
static pthread_mutex_t mod_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned int mod_busy, mod_gen;
/* Set while a module op wants the others to let go of their files. */
static _Atomic bool mod_drain;
static _Atomic uint64_t mod_unloads;	/* racing rmmods that worked */
static _Atomic uint64_t long_runs, long_runs_aborted;	/* hp_long_run() */
static _Atomic uint64_t total_failures;

/*
 * The bpf class: at most one policy (selftests/vm/bpf/policy_probe) of
 * ours is attached, under bpf_lock. bpf_deny_on is set before it is
 * attached and cleared once it is seen detached; bpf_gen counts both, so
 * an op that began before either may see a denial too (a hook that found
 * the policy under RCU may still deny just after the detach returned).
 * Closing our link does not always detach at once: the policy stays
 * while anything holds the link's file (an io_uring request another
 * thread aimed at that fd number, say), so after the close it counts as
 * lingering until sysfs shows qpu0 without it.
 */
extern const char policy_probe_bpf[], policy_probe_bpf_end[];
static pthread_mutex_t bpf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct qpu_policy bpf_pol;	/* bpf_lock */
static bool bpf_on;			/* bpf_lock */
static bool bpf_lingering;		/* bpf_lock: closed, maybe attached */
static _Atomic bool bpf_deny_on;
static _Atomic unsigned int bpf_gen;
static _Atomic uint64_t bpf_attaches, bpf_admits, bpf_denials;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/* qpu0's coupling map, for valid calibration lines. */
static struct qpu_edge qpu0_edges[256];
static uint32_t qpu0_nedges, qpu0_nqubits;

/* ---- random numbers (splitmix64) ------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rnd(struct fz_thread *t)
{
	t->rng.s += 0x9e3779b97f4a7c15ULL;
	return mix64(t->rng.s);
}

static uint32_t below(struct fz_thread *t, uint32_t n)
{
	return n ? (uint32_t)(rnd(t) % n) : 0;
}

static bool chance(struct fz_thread *t, unsigned int pct)
{
	return below(t, 100) < pct;
}

/* Boundary values of a field of @size bytes, or a random one. */
static uint64_t boundary(struct fz_thread *t, unsigned int size)
{
	static const uint64_t vals[] = {
		0, 1, 2, 3, 7, 8, 9, 15, 16, 63, 64, 65, 255, 256, 4095, 4096,
		4097, 65535, 65536, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff, 0x100000000ULL, 1ULL << 20, (1ULL << 20) + 1, 4096,
		4097, 1ULL << 63, ~0ULL, 0x7fffffffffffffffULL,
	};
	uint64_t v;

	v = chance(t, 20) ? rnd(t) : vals[below(t, ARRAY_LEN(vals))];
	if (size < 8)
		v &= (1ULL << (8 * size)) - 1;
	return v;
}

/* ---- reporting and outcome checks ------------------------------------------ */

static const char *errname(int e)
{
	const char *n;

	if (!e)
		return "OK";
	n = strerrorname_np(e);
	return n ? n : "E?";
}

static void mask_str(emask_t m, char *buf, size_t len)
{
	size_t n = 0;
	int e;

	buf[0] = '\0';
	if (m == EM_ANY) {
		snprintf(buf, len, "any");
		return;
	}
	for (e = 0; e < 128 && n + 16 < len; e++)
		if (m & EM(e))
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "",
				      errname(e));
}

static void __attribute__((format(printf, 2, 3)))
fz_fail(struct fz_thread *t, const char *fmt, ...)
{
	va_list ap;

	t->failures++;
	atomic_fetch_add(&total_failures, 1);
	if (t->reports++ >= MAX_REPORTS)
		return;
	pthread_mutex_lock(&report_lock);
	printf(PFX "FAIL: thread %d op %" PRIu64 " class %s: ", t->idx, t->seq,
	       class_names[t->cls]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	pthread_mutex_unlock(&report_lock);
}

/* Count one call of the current class that ended with @err (0: success). */
static void fz_count(struct fz_thread *t, int err)
{
	t->calls[t->cls]++;
	t->hist[t->cls][err >= 0 && err <= MAX_ERRNO ? err : MAX_ERRNO]++;
}

/*
 * Record a call's outcome and check it against @allow. ENOMEM is always
 * allowed; ENODEV when @s's device may be removed concurrently.
 * Return: @err.
 */
/* May a denying policy have applied to any part of @t's current op? */
static bool bpf_may_deny(const struct fz_thread *t)
{
	return t->bpf_was || atomic_load(&bpf_deny_on) ||
	       atomic_load(&bpf_gen) != t->bpf_gen;
}

static int fz_verify(struct fz_thread *t, const struct fz_session *s, int err,
		     emask_t allow, const char *what)
{
	char want[256];

	allow |= EM(ENOMEM);
	/* Loads, runs and submissions a policy denied (class bpf). */
	if (err == EPERM && class_on[C_BPF] && bpf_may_deny(t))
		return err;
	if (s && s->dying)
		allow |= EM(ENODEV);
	if (err < 128 && (allow & EM(err)))
		return err;
	if ((err == ENOENT || err == ENXIO || err == ENODEV) && t->idx >= 0 &&
	    !t->in_module && class_on[C_MODULE]) {
		/* Was the module unloaded under this op? Wait until we know. */
		while (atomic_load(&mod_busy))
			usleep(1000);
		if (atomic_load(&mod_gen) != t->op_gen)
			return err;
	}
	mask_str(allow, want, sizeof(want));
	if (err == EPERM && class_on[C_BPF])
		fz_fail(t, "%s: got %s, allowed {%s} (bpf: gen %u/%u, on %d/%d)",
			what, errname(err), want, t->bpf_gen,
			atomic_load(&bpf_gen), t->bpf_was,
			atomic_load(&bpf_deny_on));
	else
		fz_fail(t, "%s: got %s, allowed {%s}", what, errname(err), want);
	return err;
}

/* Names are string literals: compare pointers first, then text. */
static void fz_name_count(struct fz_thread *t, const char *what, int err)
{
	unsigned int i;

	for (i = 0; i < MAX_NAMES && t->names[i].name; i++)
		if (t->names[i].name == what || !strcmp(t->names[i].name, what))
			break;
	if (i == MAX_NAMES)
		return;
	t->names[i].name = what;
	t->names[i].calls++;
	t->names[i].ok += !err;
}

static int fz_check(struct fz_thread *t, const struct fz_session *s, int err,
		    emask_t allow, const char *what)
{
	fz_count(t, err);
	if (opt_verbose)
		fz_name_count(t, what, err);
	return fz_verify(t, s, err, allow, what);
}

static int fz_ioctl(struct fz_thread *t, const struct fz_session *s, int fd,
		    unsigned long cmd, void *arg, emask_t allow, const char *what)
{
	int err = ioctl(fd, cmd, arg) < 0 ? errno : 0;

	return fz_check(t, s, err, allow, what);
}

/* ---- hostile memory -------------------------------------------------------- */

static void *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("qpu-fuzz: mmap");
		exit(2);
	}
	return p;
}

static void mem_init(struct fz_thread *t)
{
	t->scratch = map_anon(3 * PAGE, PROT_READ | PROT_WRITE);
	t->guard = t->scratch + 2 * PAGE;
	mprotect(t->guard, PAGE, PROT_NONE);
	t->ropage = map_anon(PAGE, PROT_READ | PROT_WRITE);
	t->garena_size = 16 * PAGE;
	t->garena = map_anon(t->garena_size + PAGE, PROT_READ | PROT_WRITE);
	mprotect(t->garena + t->garena_size, PAGE, PROT_NONE);
}

static void mem_fini(struct fz_thread *t)
{
	munmap(t->scratch, 3 * PAGE);
	munmap(t->ropage, PAGE);
	munmap(t->garena, t->garena_size + PAGE);
}

/* Kinds of bad pointers. */
enum bad_ptr {
	BP_NULL,
	BP_GUARD,	/* unmapped (PROT_NONE) */
	BP_KERNEL,
	BP_NONCANON,
	BP_STRADDLE,	/* starts mapped, runs into the guard page */
	BP_RO,		/* read-only page */
	BP_NR,
};

static uint64_t bad_ptr(struct fz_thread *t, enum bad_ptr kind)
{
	static const uint64_t kernel[] = {
		0xffffffff81000000ULL, 0xffff888000000000ULL, ~0ULL - 7,
	};

	switch (kind) {
	case BP_NULL:
		return 0;
	case BP_GUARD:
		return (uintptr_t)t->guard + below(t, PAGE);
	case BP_KERNEL:
		return kernel[below(t, ARRAY_LEN(kernel))];
	case BP_NONCANON:
		return 0x0000800000000000ULL + 8 * below(t, 1024);
	case BP_STRADDLE:
		return (uintptr_t)t->guard - 8;
	case BP_RO:
	default:
		mprotect(t->ropage, PAGE, PROT_READ);
		return (uintptr_t)t->ropage;
	}
}

static void ro_reset(struct fz_thread *t)
{
	mprotect(t->ropage, PAGE, PROT_READ | PROT_WRITE);
}

/*
 * A copy of @arg in the read-only page. A call that creates something
 * and then cannot write its reply back must undo it and fail with
 * EFAULT (the dispatcher's undo handlers); the round's object check
 * catches anything left behind.
 */
static void *ro_copy(struct fz_thread *t, const void *arg, size_t len)
{
	ro_reset(t);
	memcpy(t->ropage, arg, len);
	mprotect(t->ropage, PAGE, PROT_READ);
	return t->ropage;
}

/* ---- struct field tables for one-field mutations -------------------------------- */

enum fkind {
	F_RES,		/* reserved or pad: non-zero must give EINVAL */
	F_FLAGS,	/* flags: unknown bits must give EINVAL */
	F_OUT,		/* output only: garbage in it changes nothing */
	F_IN,		/* input: the ioctl's documented outcomes */
	F_PTR,		/* user pointer */
};

struct field {
	const char *name;
	uint16_t off, size;
	uint8_t kind;
	uint64_t known;		/* F_FLAGS: the defined bits */
};

#define FLD(type, m, k) \
	{ #m, offsetof(type, m), sizeof(((type *)0)->m), k, 0 }
#define FLAGS(type, m, bits) \
	{ #m, offsetof(type, m), sizeof(((type *)0)->m), F_FLAGS, bits }

static const struct field f_info[] = {
	FLAGS(struct qpu_info, flags, 0),
	FLD(struct qpu_info, api_version, F_OUT),
	FLD(struct qpu_info, features, F_OUT),
	FLD(struct qpu_info, num_qubits, F_OUT),
	FLD(struct qpu_info, free_qubits, F_OUT),
	FLD(struct qpu_info, topology_name, F_OUT),
	FLD(struct qpu_info, max_sim_qubits, F_OUT),
	FLD(struct qpu_info, pad, F_RES),
	FLD(struct qpu_info, max_gates, F_OUT),
	FLD(struct qpu_info, pad2, F_RES),
	FLD(struct qpu_info, reserved, F_RES),
};

static const struct field f_topo[] = {
	FLAGS(struct qpu_topology, flags, 0),
	FLD(struct qpu_topology, num_edges, F_IN),
	FLD(struct qpu_topology, edges_ptr, F_PTR),
	FLD(struct qpu_topology, reserved, F_RES),
};

static const struct field f_alloc[] = {
	FLAGS(struct qpu_alloc, flags, QPU_ALLOC_EXACT),
	FLD(struct qpu_alloc, num_qubits, F_IN),
	FLD(struct qpu_alloc, handle, F_OUT),
	FLD(struct qpu_alloc, num_edges, F_IN),
	FLD(struct qpu_alloc, phys_ptr, F_PTR),
	FLD(struct qpu_alloc, edges_ptr, F_PTR),
	FLD(struct qpu_alloc, hint_ptr, F_PTR),
	FLD(struct qpu_alloc, num_hint, F_IN),
	FLD(struct qpu_alloc, reserved, F_RES),
	FLD(struct qpu_alloc, refusal, F_OUT),
};

static const struct field f_query[] = {
	FLAGS(struct qpu_alloc, flags, 0),
	FLD(struct qpu_alloc, num_qubits, F_OUT),
	FLD(struct qpu_alloc, handle, F_IN),
	FLD(struct qpu_alloc, num_edges, F_IN),
	FLD(struct qpu_alloc, phys_ptr, F_PTR),
	FLD(struct qpu_alloc, edges_ptr, F_PTR),
	FLD(struct qpu_alloc, hint_ptr, F_RES),
	FLD(struct qpu_alloc, num_hint, F_RES),
	FLD(struct qpu_alloc, reserved, F_RES),
	FLD(struct qpu_alloc, refusal, F_OUT),
};

static const struct field f_free[] = {
	FLAGS(struct qpu_free, flags, 0),
	FLD(struct qpu_free, handle, F_IN),
	FLD(struct qpu_free, reserved, F_RES),
};

static const struct field f_load[] = {
	FLAGS(struct qpu_circuit_load, flags, QPU_LOAD_SOURCE),
	FLD(struct qpu_circuit_load, alloc, F_IN),
	FLD(struct qpu_circuit_load, num_qubits, F_IN),
	FLD(struct qpu_circuit_load, num_clbits, F_IN),
	FLD(struct qpu_circuit_load, num_params, F_IN),
	FLD(struct qpu_circuit_load, num_gates, F_IN),
	FLD(struct qpu_circuit_load, gates_ptr, F_PTR),
	FLD(struct qpu_circuit_load, num_observables, F_IN),
	FLD(struct qpu_circuit_load, handle, F_OUT),
	FLD(struct qpu_circuit_load, observables_ptr, F_PTR),
	FLD(struct qpu_circuit_load, error, F_OUT),
	FLD(struct qpu_circuit_load, error_index, F_OUT),
	FLD(struct qpu_circuit_load, hash, F_OUT),
	FLD(struct qpu_circuit_load, reason, F_OUT),
	FLD(struct qpu_circuit_load, pad, F_RES),
	FLD(struct qpu_circuit_load, esp, F_OUT),
	FLD(struct qpu_circuit_load, xt_loss_ppm, F_OUT),
	FLD(struct qpu_circuit_load, pad2, F_RES),
	FLD(struct qpu_circuit_load, reserved, F_RES),
	/* without QPU_LOAD_SOURCE, non-zero source fields are EINVAL */
	FLD(struct qpu_circuit_load, source_hash, F_IN),
	FLD(struct qpu_circuit_load, route_seed, F_IN),
	FLD(struct qpu_circuit_load, route_swaps, F_IN),
	FLD(struct qpu_circuit_load, pad3, F_RES),
};

static const struct field f_cfree[] = {
	FLAGS(struct qpu_circuit_free, flags, 0),
	FLD(struct qpu_circuit_free, handle, F_IN),
	FLD(struct qpu_circuit_free, reserved, F_RES),
};

static const struct field f_bcreate[] = {
	FLAGS(struct qpu_buffer_create, flags, 0),
	FLD(struct qpu_buffer_create, handle, F_OUT),
	FLD(struct qpu_buffer_create, size, F_IN),
	FLD(struct qpu_buffer_create, mmap_offset, F_OUT),
	FLD(struct qpu_buffer_create, reserved, F_RES),
};

static const struct field f_bdestroy[] = {
	FLAGS(struct qpu_buffer_destroy, flags, 0),
	FLD(struct qpu_buffer_destroy, handle, F_IN),
	FLD(struct qpu_buffer_destroy, reserved, F_RES),
};

/* struct qpu_job_desc, at the start of qpu_run and qpu_submit. */
#define JOB_FIELDS(type)						\
	FLD(type, job.circuit, F_IN),					\
	FLAGS(type, job.flags, QPU_RUN_SEED | QPU_RUN_EXPECT |		\
	      QPU_RUN_PROVENANCE | QPU_RUN_CROSSTALK),			\
	FLD(type, job.shots, F_IN),					\
	FLD(type, job.num_sweeps, F_IN),				\
	FLD(type, job.seed, F_IN),					\
	FLD(type, job.param_buf, F_IN),					\
	FLD(type, job.result_buf, F_IN),				\
	FLD(type, job.param_offset, F_IN),				\
	FLD(type, job.result_offset, F_IN),				\
	FLD(type, job.param_stride, F_IN),				\
	FLD(type, job.result_stride, F_IN),				\
	FLD(type, job.alloc, F_IN),					\
	FLD(type, job.pad, F_RES),					\
	FLD(type, job.provenance_offset, F_IN),				\
	FLD(type, job.crosstalk_offset, F_IN)

static const struct field f_run[] = {
	JOB_FIELDS(struct qpu_run),
	FLD(struct qpu_run, status, F_OUT),
	FLD(struct qpu_run, needed, F_OUT),
	FLD(struct qpu_run, seed, F_OUT),
	FLD(struct qpu_run, sim_ns, F_OUT),
	FLD(struct qpu_run, qpu_ns, F_OUT),
	FLD(struct qpu_run, reserved, F_RES),
	FLD(struct qpu_run, refusal, F_OUT),
};

static const struct field f_submit[] = {
	JOB_FIELDS(struct qpu_submit),
	FLD(struct qpu_submit, job_id, F_OUT),
	FLD(struct qpu_submit, needed, F_OUT),
	FLD(struct qpu_submit, user_data, F_OUT),
	FLD(struct qpu_submit, reserved, F_RES),
	FLD(struct qpu_submit, refusal, F_OUT),
};

static const struct field f_wait[] = {
	FLAGS(struct qpu_wait, flags, QPU_WAIT_ANY),
	FLD(struct qpu_wait, job_id, F_IN),
	FLD(struct qpu_wait, timeout_ns, F_IN),
	FLD(struct qpu_wait, status, F_OUT),
	FLD(struct qpu_wait, state, F_OUT),
	FLD(struct qpu_wait, user_data, F_OUT),
	FLD(struct qpu_wait, seed, F_OUT),
	FLD(struct qpu_wait, reserved, F_RES),
};

static const struct field f_refusal[] = {
	FLAGS(struct qpu_get_refusal, flags, 0),
	FLD(struct qpu_get_refusal, pad, F_RES),
	FLD(struct qpu_get_refusal, refusal, F_OUT),
	FLD(struct qpu_get_refusal, reserved, F_RES),
};

static const struct field f_cancel[] = {
	FLAGS(struct qpu_cancel, flags, 0),
	FLD(struct qpu_cancel, job_id, F_IN),
	FLD(struct qpu_cancel, reserved, F_RES),
};

/* The job descriptor alone, as io_uring carries it. */
static const struct field f_desc[] = {
	FLD(struct qpu_job_desc, circuit, F_IN),
	FLAGS(struct qpu_job_desc, flags, QPU_RUN_SEED | QPU_RUN_EXPECT |
	      QPU_RUN_PROVENANCE | QPU_RUN_CROSSTALK),
	FLD(struct qpu_job_desc, shots, F_IN),
	FLD(struct qpu_job_desc, num_sweeps, F_IN),
	FLD(struct qpu_job_desc, seed, F_IN),
	FLD(struct qpu_job_desc, param_buf, F_IN),
	FLD(struct qpu_job_desc, result_buf, F_IN),
	FLD(struct qpu_job_desc, param_offset, F_IN),
	FLD(struct qpu_job_desc, result_offset, F_IN),
	FLD(struct qpu_job_desc, param_stride, F_IN),
	FLD(struct qpu_job_desc, result_stride, F_IN),
	FLD(struct qpu_job_desc, alloc, F_IN),
	FLD(struct qpu_job_desc, pad, F_RES),
	FLD(struct qpu_job_desc, provenance_offset, F_IN),
	FLD(struct qpu_job_desc, crosstalk_offset, F_IN),
};

static const struct field f_gate[] = {
	FLD(struct qpu_gate, op, F_IN),
	FLD(struct qpu_gate, nctrl, F_IN),
	FLAGS(struct qpu_gate, flags, QPU_GATE_COND),
	FLD(struct qpu_gate, pad0, F_RES),
	FLD(struct qpu_gate, qubits, F_IN),
	FLD(struct qpu_gate, cbit, F_IN),
	FLD(struct qpu_gate, cond_start, F_IN),
	FLD(struct qpu_gate, cond_width, F_IN),
	FLD(struct qpu_gate, cond_value, F_IN),
	FLD(struct qpu_gate, param, F_IN),
	FLD(struct qpu_gate, pad1, F_RES),
	FLD(struct qpu_gate, scale, F_IN),
	FLD(struct qpu_gate, offset, F_IN),
};

/**
 * struct mutation - what mutate() did
 * @field: the field changed, or NULL
 * @kind: its kind (F_IN etc.)
 * @value: the value written (first element for arrays)
 * @ptr: for F_PTR: the enum bad_ptr used
 */
struct mutation {
	const struct field *field;
	int kind;
	uint64_t value;
	int ptr;
};

static void put_field(void *base, const struct field *f, unsigned int off,
		      unsigned int size, uint64_t v)
{
	memcpy((char *)base + f->off + off, &v, size);
}

/*
 * Change one field of @base (a struct described by @fields) so that the
 * call's expected outcome is known from the field's kind: reserved
 * fields get a non-zero value, flags an unknown bit, pointers a bad
 * pointer, the rest a boundary value.
 */
static void mutate(struct fz_thread *t, void *base, const struct field *fields,
		   size_t nfields, struct mutation *m)
{
	const struct field *f = &fields[below(t, nfields)];
	unsigned int esize = f->size, off = 0;
	uint64_t v, unknown;

	/* Arrays (reserved[], qubits[], scale[] ...): one element. */
	if (f->size > 8) {
		esize = f->kind == F_OUT ? 1 : 8;
		if (!strcmp(f->name, "qubits"))
			esize = 2;
		else if (!strcmp(f->name, "param"))
			esize = 4;
		off = esize * below(t, f->size / esize);
	} else if (f->kind == F_RES && f->size == 8 && chance(t, 50)) {
		esize = 1;
		off = below(t, 8);
	}

	m->field = f;
	m->kind = f->kind;
	m->ptr = -1;
	switch (f->kind) {
	case F_RES:
		do {
			v = boundary(t, esize);
		} while (!v);
		break;
	case F_FLAGS:
		unknown = ~f->known & (esize < 8 ? (1ULL << (8 * esize)) - 1 : ~0ULL);
		do {
			v = 1ULL << below(t, 8 * esize);
		} while (!(v & unknown));
		if (chance(t, 30))
			v |= rnd(t) & unknown;
		v &= unknown | f->known;
		break;
	case F_PTR:
		m->ptr = below(t, BP_NR);
		v = bad_ptr(t, m->ptr);
		break;
	case F_OUT:
	case F_IN:
	default:
		v = boundary(t, esize);
		break;
	}
	m->value = v;
	put_field(base, f, off, esize, v);
}

/* ---- sessions: valid objects on a device ------------------------------------------- */

static void session_reset(struct fz_session *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static int open_dev(int id)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/qpu%d", id);
	return open(path, O_RDWR | O_CLOEXEC);
}

static void session_close(struct fz_thread *t, struct fz_session *s)
{
	if (s->pmap)
		munmap(s->pmap, s->psize);
	if (s->rmap)
		munmap(s->rmap, s->rsize);
	if (s->fd >= 0) {
		/* Jobs may still be in flight: close cancels them. */
		fz_check(t, NULL, close(s->fd) ? errno : 0, EM_OK, "close");
	}
	session_reset(s);
}

static void set_gate(struct qpu_gate *g, uint8_t op, uint8_t nctrl,
		     uint16_t a, uint16_t b)
{
	memset(g, 0, sizeof(*g));
	g->op = op;
	g->nctrl = nctrl;
	g->qubits[0] = a;
	g->qubits[1] = b;
}

static uint64_t f64(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

/*
 * A valid circuit for the session's allocation, at the end of the gate
 * arena (so that reading one gate too many faults). Return: its gates.
 */
static struct qpu_gate *build_circuit(struct fz_thread *t,
				      const struct fz_session *s,
				      uint32_t *ngates, bool cond)
{
	struct qpu_gate g[64];
	uint32_t n = 0, i, q = s->k;

	set_gate(&g[n++], QPU_OP_H, 0, 0, 0);
	for (i = 0; i < s->nedges && n < 20; i++)
		set_gate(&g[n++], QPU_OP_X, 1, s->edges[i].a, s->edges[i].b);
	for (i = 0; i < s->nparams; i++) {
		set_gate(&g[n], QPU_OP_RX + below(t, 3), 0, i % q, 0);
		g[n].param[0] = i + 1;
		g[n].scale[0] = f64(1.0);
		g[n].offset[0] = f64(0.25);
		n++;
	}
	set_gate(&g[n], QPU_OP_U3, 0, q - 1, 0);
	g[n].offset[0] = f64(0.5);
	g[n].offset[1] = f64(-0.5);
	g[n].offset[2] = f64(1.5);
	n++;
	if (cond) {
		/* Mid-circuit measurement and a conditional gate: per-shot. */
		set_gate(&g[n], QPU_OP_MEASURE, 0, 0, 0);
		n++;
		set_gate(&g[n], QPU_OP_X, 0, q - 1, 0);
		g[n].flags = QPU_GATE_COND;
		g[n].cond_start = 0;
		g[n].cond_width = 1;
		g[n].cond_value = 1;
		n++;
	}
	for (i = 0; i < q && i < s->nclbits; i++) {
		set_gate(&g[n], QPU_OP_MEASURE, 0, i, 0);
		g[n].cbit = i;
		n++;
	}
	*ngates = n;
	memcpy(t->garena + t->garena_size - n * sizeof(g[0]), g, n * sizeof(g[0]));
	return (struct qpu_gate *)(t->garena + t->garena_size - n * sizeof(g[0]));
}

/* Observables at the end of the scratch area, before the guard page. */
static uint64_t *build_observables(struct fz_thread *t, uint32_t n, uint32_t k)
{
	uint64_t *o = (uint64_t *)(t->guard - n * sizeof(uint64_t));
	uint32_t i;

	for (i = 0; i < n; i++) {
		o[i] = rnd(t) & ((1ULL << k) - 1);
		if (!o[i])
			o[i] = 1;
	}
	return o;
}

static void load_fill(struct fz_thread *t, const struct fz_session *s,
		      struct qpu_circuit_load *l, bool cond)
{
	uint32_t ngates;
	struct qpu_gate *g = build_circuit(t, s, &ngates, cond);

	memset(l, 0, sizeof(*l));
	l->alloc = s->alloc;
	l->num_qubits = s->k;
	l->num_clbits = s->nclbits;
	l->num_params = s->nparams;
	l->num_gates = ngates;
	l->gates_ptr = (uintptr_t)g;
	l->num_observables = s->nobs;
	if (s->nobs)
		l->observables_ptr = (uintptr_t)build_observables(t, s->nobs, s->k);
}

static void *map_buf(int fd, uint64_t size, uint64_t off)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	return p == MAP_FAILED ? NULL : p;
}

static int buf_create(struct fz_thread *t, struct fz_session *s, uint64_t size,
		      uint32_t *handle, uint64_t *rsize, uint64_t *off,
		      emask_t allow)
{
	struct qpu_buffer_create c = { .size = size };
	int err = fz_ioctl(t, s, s->fd, QPU_IOC_BUFFER_CREATE, &c, allow,
			   "BUFFER_CREATE");

	if (!err) {
		*handle = c.handle;
		*rsize = c.size;
		*off = c.mmap_offset;
		if (!c.handle || c.size < size || c.size % PAGE)
			fz_fail(t, "BUFFER_CREATE: handle %u size %" PRIu64,
				c.handle, (uint64_t)c.size);
	}
	return err;
}

/*
 * Make @s a working session on device @dev: open, allocate, load, create
 * and map two buffers. Each step must succeed (allocation may find the
 * device full). Return: true if the session is complete.
 */
static bool session_setup(struct fz_thread *t, struct fz_session *s, int dev,
			  bool dying)
{
	struct qpu_alloc a;
	struct qpu_circuit_load l;
	uint32_t phys[8];
	int err;

	if (s->fd < 0) {
		session_reset(s);
		s->dev = dev;
		s->dying = dying;
		s->fd = open_dev(dev);
		err = s->fd < 0 ? errno : 0;
		fz_check(t, s, err, dying ? EM_OK | EM(ENOENT) | EM(ENXIO) |
			 EM(ENODEV) : EM_OK, "open");
		if (s->fd < 0)
			return false;
	}
	if (s->dead)
		return false;
	if (!s->alloc) {
		memset(&a, 0, sizeof(a));
		a.num_qubits = 1 + below(t, 4);
		a.num_edges = ARRAY_LEN(s->edges);
		a.edges_ptr = (uintptr_t)s->edges;
		a.phys_ptr = (uintptr_t)phys;
		/* Hotplug devices may have fewer qubits than asked for. */
		if (fz_ioctl(t, s, s->fd, QPU_IOC_ALLOC, &a,
			     EM_OK | EM(ENOSPC) | EM(EDQUOT) |
			     (dev ? EM(E2BIG) : 0), "ALLOC (valid)"))
			return false;
		s->alloc = a.handle;
		s->k = a.num_qubits;
		s->nedges = a.num_edges;
		if (!a.handle || s->nedges > ARRAY_LEN(s->edges) ||
		    (s->k > 1 && s->nedges < s->k - 1))
			fz_fail(t, "ALLOC: handle %u, %u edges for %u qubits",
				a.handle, a.num_edges, a.num_qubits);
		s->circ = 0;
	}
	if (!s->circ) {
		s->nclbits = s->k;
		s->nparams = 1 + below(t, 3);
		s->nobs = below(t, 3);
		load_fill(t, s, &l, false);
		if (fz_ioctl(t, s, s->fd, QPU_IOC_CIRCUIT_LOAD, &l, EM_OK,
			     "CIRCUIT_LOAD (valid)"))
			return false;
		s->circ = l.handle;
	}
	if (!s->pbuf) {
		if (buf_create(t, s, PAGE, &s->pbuf, &s->psize, &s->poff, EM_OK))
			return false;
		s->pmap = map_buf(s->fd, s->psize, s->poff);
		fz_check(t, s, s->pmap ? 0 : errno, EM_OK, "mmap (valid)");
		s->xt_state = XT_NONE;
		if (s->pmap) {
			double *p = s->pmap;
			unsigned int i;

			for (i = 0; i < s->psize / 8; i++)
				p[i] = 0.125 * (i % 17);
		}
	}
	if (!s->rbuf) {
		if (buf_create(t, s, 4 * PAGE, &s->rbuf, &s->rsize, &s->roff,
			       EM_OK))
			return false;
		s->rmap = map_buf(s->fd, s->rsize, s->roff);
		fz_check(t, s, s->rmap ? 0 : errno, EM_OK, "mmap (valid)");
	}
	return true;
}

/* Bytes one result slice needs, as uapi/linux/qpu.h defines it. */
static uint32_t slice_size(uint32_t clbits, uint32_t shots, uint32_t nexpect)
{
	uint64_t outcomes = shots;

	if (clbits < 64 && (1ULL << clbits) < outcomes)
		outcomes = 1ULL << clbits;
	return (QPU_RESULT_SLICE_SIZE(outcomes, nexpect) + 7) & ~7ULL;
}

/* A crosstalk schedule of QPU_MAX_XT_SEGS, at the end of the parameter page. */
#define XT_SCHED_SIZE	(sizeof(struct qpu_crosstalk) + \
			 QPU_MAX_XT_SEGS * sizeof(struct qpu_xt_seg))

/*
 * Sometimes give @j a QPU_RUN_CROSSTALK schedule at the end of the
 * session's parameter buffer (past every parameter vector job_fill()
 * uses): mostly a valid one (ordered, within the job's sweeps, shots and
 * width), sometimes garbage. A queued job reads its schedule again when
 * it starts, so the schedule is rewritten only while none of the
 * session's jobs is in flight; otherwise the one there is reused if it
 * fits @j. Return: true if @j may be refused (EINVAL) for its schedule.
 */
static bool xt_fill(struct fz_thread *t, struct fz_session *s,
		    struct qpu_job_desc *j)
{
	uint32_t nsweeps = j->num_sweeps ? j->num_sweeps : 1, n = 0, sw, sh, i;
	uint64_t off = (s->psize - XT_SCHED_SIZE) & ~7ULL;
	uint64_t mask = s->k < 64 ? (1ULL << s->k) - 1 : ~0ULL;
	struct qpu_crosstalk *xt;

	if (!s->pmap || s->psize < 2 * XT_SCHED_SIZE || !chance(t, 15))
		return false;
	xt = (struct qpu_crosstalk *)((char *)s->pmap + off);
	if (!s->njobs && !t->ring_inflight) {
		if (chance(t, 20)) {
			xt->num_segs = chance(t, 70) ? below(t, QPU_MAX_XT_SEGS + 1) :
				       (uint32_t)boundary(t, 4);
			xt->reserved = chance(t, 15) ? (uint32_t)rnd(t) : 0;
			for (i = 0; i < QPU_MAX_XT_SEGS; i++)
				xt->segs[i] = (struct qpu_xt_seg){
					.sweep = (uint32_t)boundary(t, 4) % 8,
					.shot = (uint32_t)boundary(t, 4),
					.exposed = chance(t, 50) ? rnd(t) & mask :
						   boundary(t, 8),
				};
			s->xt_state = XT_GARBAGE;
		} else {
			s->xt_sweeps = s->xt_shots = 0;
			for (sw = 0; sw < nsweeps; sw++) {
				for (sh = 0; sh < j->shots && n < QPU_MAX_XT_SEGS; sh++) {
					if (!chance(t, 8))
						continue;
					xt->segs[n++] = (struct qpu_xt_seg){
						.sweep = sw, .shot = sh,
						.exposed = rnd(t) & mask,
					};
					s->xt_sweeps = sw + 1;
					if (sh + 1 > s->xt_shots)
						s->xt_shots = sh + 1;
				}
			}
			xt->num_segs = n;
			xt->reserved = 0;
			s->xt_state = XT_VALID;
		}
	} else if (s->xt_state == XT_NONE ||
		   (s->xt_state == XT_VALID &&
		    (nsweeps < s->xt_sweeps || j->shots < s->xt_shots))) {
		return false;
	}
	j->flags |= QPU_RUN_CROSSTALK;
	j->crosstalk_offset = off;
	return s->xt_state == XT_GARBAGE;
}

/*
 * A cheap, valid job for the session. Return: true if its crosstalk
 * schedule may get it refused with EINVAL (xt_fill()).
 */
static bool job_fill(struct fz_thread *t, struct fz_session *s,
		     struct qpu_job_desc *j)
{
	uint32_t sweeps = below(t, 4), nexp;

	memset(j, 0, sizeof(*j));
	j->circuit = s->circ;
	j->shots = 1 + below(t, 32);
	if (chance(t, 70)) {
		j->flags |= QPU_RUN_SEED;
		j->seed = rnd(t);
	}
	if (s->nobs && chance(t, 50))
		j->flags |= QPU_RUN_EXPECT;
	nexp = j->flags & QPU_RUN_EXPECT ? s->nobs : 0;
	j->num_sweeps = sweeps;
	j->param_buf = s->pbuf;
	j->result_buf = s->rbuf;
	j->param_stride = 8 * s->nparams;
	j->result_stride = slice_size(s->nclbits, j->shots, nexp);
	if (chance(t, 20))
		j->alloc = s->alloc;
	/* Provenance in the last bytes of the result buffer, past the slices. */
	if (chance(t, 25) && s->rsize >= 2 * sizeof(struct qpu_provenance)) {
		j->flags |= QPU_RUN_PROVENANCE;
		j->provenance_offset = (s->rsize - sizeof(struct qpu_provenance)) &
				       ~7ULL;
	}
	return xt_fill(t, s, j);
}

/* Values of a job field that make a valid synchronous RUN expensive. */
static void job_cheapen(struct mutation *m, struct qpu_job_desc *j)
{
	if (!m->field || m->kind != F_IN)
		return;
	if (j->shots > 64 && j->shots <= QPU_MAX_SHOTS)
		j->shots = QPU_MAX_SHOTS + 1;
	if (j->num_sweeps > 8 && j->num_sweeps <= QPU_MAX_SWEEPS)
		j->num_sweeps = QPU_MAX_SWEEPS + 1;
}

/* Outcomes allowed after mutation @m of a call whose full set is @all. */
static emask_t mutated_allow(const struct mutation *m, emask_t valid, emask_t all)
{
	if (!m->field)
		return valid;
	switch (m->kind) {
	case F_RES:
	case F_FLAGS:
		return EM(EINVAL);
	case F_OUT:
		return valid;
	case F_PTR:
		if (m->ptr == BP_NULL)
			return all;
		/* A bad pointer faults, unless the call has no use for it. */
		return EM(EFAULT) | EM(EINVAL) | (all & (EM_OK | EM(ENOSPC) |
				      EM(EOVERFLOW) | EM(E2BIG)));
	default:
		return all;
	}
}

static void note_job(struct fz_session *s, uint32_t id, uint64_t ud)
{
	if (s->njobs < ARRAY_LEN(s->jobs)) {
		s->jobs[s->njobs] = id;
		s->job_ud[s->njobs++] = ud;
	}
}

static void forget_job(struct fz_session *s, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < s->njobs; i++) {
		if (s->jobs[i] == id) {
			s->jobs[i] = s->jobs[--s->njobs];
			s->job_ud[i] = s->job_ud[s->njobs];
			return;
		}
	}
}

static bool job_known(const struct fz_session *s, uint32_t id, uint64_t *ud)
{
	uint32_t i;

	for (i = 0; i < s->njobs; i++) {
		if (s->jobs[i] == id) {
			*ud = s->job_ud[i];
			return true;
		}
	}
	return false;
}

/* ---- deep class: valid calls with one field mutated ----------------------------------- */

static void deep_run(struct fz_thread *t, struct fz_session *s)
{
	struct qpu_run r;
	struct mutation m = { 0 };
	emask_t allow;
	bool xt_bad;
	int err;

	memset(&r, 0, sizeof(r));
	xt_bad = job_fill(t, s, &r.job);
	if (chance(t, 60)) {
		mutate(t, &r, f_run, ARRAY_LEN(f_run), &m);
		job_cheapen(&m, &r.job);
	}
	allow = mutated_allow(&m, EM_OK, EM_RUN);
	if (xt_bad)
		allow |= EM(EINVAL);
	/* A seed without QPU_RUN_SEED is rejected. */
	if (m.field && !strcmp(m.field->name, "job.flags") &&
	    !(r.job.flags & QPU_RUN_SEED) && r.job.seed)
		allow |= EM(EINVAL);
	err = fz_ioctl(t, s, s->fd, QPU_IOC_RUN, &r, allow, "RUN");
	if (!err && !m.field && r.status)
		fz_fail(t, "RUN succeeded with status %d", r.status);
	if (err == ENOSPC && !r.needed)
		fz_fail(t, "RUN: ENOSPC without needed");
}

static void deep_submit(struct fz_thread *t, struct fz_session *s)
{
	struct qpu_submit sb;
	struct mutation m = { 0 };
	uint64_t ud = rnd(t);
	emask_t allow;
	bool xt_bad;
	int err;

	if (s->njobs >= ARRAY_LEN(s->jobs))
		return;
	memset(&sb, 0, sizeof(sb));
	xt_bad = job_fill(t, s, &sb.job);
	sb.user_data = ud;
	if (chance(t, 60))
		mutate(t, &sb, f_submit, ARRAY_LEN(f_submit), &m);
	/* Asynchronous: an expensive valid job now and then (close cancels). */
	if (!chance(t, 2))
		job_cheapen(&m, &sb.job);
	if (m.field && !strcmp(m.field->name, "user_data"))
		ud = sb.user_data;	/* in, returned by WAIT */
	if (!m.field && chance(t, 5)) {
		fz_ioctl(t, s, s->fd, QPU_IOC_SUBMIT, ro_copy(t, &sb, sizeof(sb)),
			 EM(EFAULT) | EM(EAGAIN) | (xt_bad ? EM(EINVAL) : 0),
			 "SUBMIT (read-only arg)");
		ro_reset(t);
		return;
	}
	allow = mutated_allow(&m, EM_OK | EM(EAGAIN), EM_SUBMIT);
	if (m.field && !strcmp(m.field->name, "job.flags") &&
	    !(sb.job.flags & QPU_RUN_SEED) && sb.job.seed)
		allow |= EM(EINVAL);
	if (xt_bad)
		allow |= EM(EINVAL);
	err = fz_ioctl(t, s, s->fd, QPU_IOC_SUBMIT, &sb, allow, "SUBMIT");
	if (!err) {
		if (!sb.job_id)
			fz_fail(t, "SUBMIT returned job id 0");
		note_job(s, sb.job_id, ud);
	}
}

static void deep_wait(struct fz_thread *t, struct fz_session *s)
{
	struct qpu_wait w;
	struct mutation m = { 0 };
	uint64_t ud = 0;
	bool any = !s->njobs || chance(t, 40);
	emask_t allow;
	int err;

	memset(&w, 0, sizeof(w));
	if (any)
		w.flags = QPU_WAIT_ANY;
	else
		w.job_id = s->jobs[below(t, s->njobs)];
	w.timeout_ns = chance(t, 50) ? 0 : 1000000LL * (1 + below(t, 20));
	if (chance(t, 40))
		mutate(t, &w, f_wait, ARRAY_LEN(f_wait), &m);
	/* Never sleep without a bound on a job that may not exist. */
	if (w.timeout_ns < 0 || w.timeout_ns > 2000000000LL) {
		if (!(w.flags & QPU_WAIT_ANY) && !job_known(s, w.job_id, &ud))
			w.timeout_ns = 1000000;
		else if ((w.flags & QPU_WAIT_ANY) && !s->njobs)
			w.timeout_ns = 0;
	}
	any = w.flags & QPU_WAIT_ANY;
	if (!m.field || m.kind == F_OUT)
		allow = EM_OK | EM(EAGAIN) | EM(ETIMEDOUT) |
			(any ? EM(ENOENT) : 0);
	else
		allow = mutated_allow(&m, 0, EM_WAIT);
	/* Another thread may have reaped nothing of ours; jobs in flight can
	 * only be ours (this session's file is private). */
	if (!any && !job_known(s, w.job_id, &ud))
		allow |= EM(ENOENT);
	/* Forever, or longer than any job here takes: no ETIMEDOUT. */
	if ((w.timeout_ns < 0 || w.timeout_ns > 100000000000LL) && !any &&
	    job_known(s, w.job_id, &ud))
		allow &= ~EM(ETIMEDOUT);
	err = fz_ioctl(t, s, s->fd, QPU_IOC_WAIT, &w, allow, "WAIT");
	if (!err) {
		if (!job_known(s, w.job_id, &ud))
			fz_fail(t, "WAIT reaped job %u, never submitted here",
				w.job_id);
		else if (w.user_data != ud)
			fz_fail(t, "WAIT: job %u user_data %#" PRIx64 ", want %#"
				PRIx64, w.job_id, (uint64_t)w.user_data, ud);
		if (w.state < QPU_JOB_DONE || w.state > QPU_JOB_CANCELLED ||
		    (w.state == QPU_JOB_DONE) != !w.status)
			fz_fail(t, "WAIT: job %u state %u status %d", w.job_id,
				w.state, w.status);
		forget_job(s, w.job_id);
	}
}

static void deep_cancel(struct fz_thread *t, struct fz_session *s)
{
	struct qpu_cancel c;
	struct mutation m = { 0 };
	uint64_t ud;

	memset(&c, 0, sizeof(c));
	c.job_id = s->njobs ? s->jobs[below(t, s->njobs)] : 1 + below(t, 64);
	if (chance(t, 40))
		mutate(t, &c, f_cancel, ARRAY_LEN(f_cancel), &m);
	fz_ioctl(t, s, s->fd, QPU_IOC_CANCEL, &c,
		 mutated_allow(&m, EM_OK | EM(EALREADY) |
			       (job_known(s, c.job_id, &ud) ? 0 : EM(ENOENT)),
			       EM_CANCEL), "CANCEL");
}

static void deep_load(struct fz_thread *t, struct fz_session *s)
{
	struct qpu_circuit_load l;
	struct mutation m = { 0 };
	struct qpu_gate *g;
	uint32_t gi = 0, i;
	bool gate_mut = false;
	emask_t allow;
	int err;

	load_fill(t, s, &l, chance(t, 20));
	g = (struct qpu_gate *)(uintptr_t)l.gates_ptr;
	if (chance(t, 40)) {
		gi = below(t, l.num_gates);
		mutate(t, &g[gi], f_gate, ARRAY_LEN(f_gate), &m);
		gate_mut = true;
	} else if (chance(t, 70)) {
		mutate(t, &l, f_load, ARRAY_LEN(f_load), &m);
	}
	if (!m.field && chance(t, 5)) {
		fz_ioctl(t, s, s->fd, QPU_IOC_CIRCUIT_LOAD, ro_copy(t, &l, sizeof(l)),
			 EM(EFAULT), "CIRCUIT_LOAD (read-only arg)");
		ro_reset(t);
		return;
	}
	allow = mutated_allow(&m, EM_OK, EM_LOAD);
	if (gate_mut && m.kind != F_RES && m.kind != F_FLAGS)
		allow = EM_OK | EM(EINVAL);
	/*
	 * More gates than the array holds: the copy runs into the guard. Over
	 * 65536 (the least max_gates the sysfs class leaves) the device's
	 * max_gates may refuse the count first.
	 */
	if (!gate_mut && m.field && !strcmp(m.field->name, "num_gates") &&
	    m.value <= QPU_MAX_GATES &&
	    (uintptr_t)(g + m.value) > (uintptr_t)(t->garena + t->garena_size))
		allow = EM(EFAULT) | (m.value > 65536 ? EM(E2BIG) : 0);
	err = fz_ioctl(t, s, s->fd, QPU_IOC_CIRCUIT_LOAD, &l, allow,
		       "CIRCUIT_LOAD");
	if (err == EINVAL && gate_mut) {
		if (l.error == QPU_CERR_NONE || l.error_index != gi)
			fz_fail(t, "CIRCUIT_LOAD: gate %u field %s = %#" PRIx64
				": error %u at %u", gi, m.field->name, m.value,
				l.error, l.error_index);
		else if (m.kind == F_RES && l.error != QPU_CERR_RESERVED)
			fz_fail(t, "CIRCUIT_LOAD: gate %u %s: error %u, want "
				"RESERVED", gi, m.field->name, l.error);
	}
	if (!err) {
		for (i = 0; i < ARRAY_LEN(s->xcirc); i++) {
			if (!s->xcirc[i]) {
				s->xcirc[i] = l.handle;
				return;
			}
		}
		/* No room: unload it again. */
		struct qpu_circuit_free f = { .handle = l.handle };

		fz_ioctl(t, s, s->fd, QPU_IOC_CIRCUIT_FREE, &f, EM_OK,
			 "CIRCUIT_FREE (valid)");
	}
}

/* A freed handle leaves every slot that holds it. */
static void forget_handle(uint32_t *slots, unsigned int n, uint32_t h)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (slots[i] == h)
			slots[i] = 0;
}

/* Free an extra object of the session, with or without a mutation. */
static void deep_free(struct fz_thread *t, struct fz_session *s)
{
	struct mutation m = { 0 };
	unsigned int which = below(t, 3), i = below(t, 4);
	uint32_t *h;
	int err;

	h = which == 0 ? &s->xalloc[i] : which == 1 ? &s->xcirc[i] : &s->xbuf[i];
	if (which == 0) {
		struct qpu_free f = { .handle = *h ? *h : 1 + below(t, 100) };

		if (chance(t, 40))
			mutate(t, &f, f_free, ARRAY_LEN(f_free), &m);
		/* Jobs may run on it (a job's alloc field names it): EBUSY. */
		err = fz_ioctl(t, s, s->fd, QPU_IOC_FREE, &f,
			       mutated_allow(&m, *h ? EM_OK | EM(EBUSY) : EM_FREE,
					     EM_FREE), "FREE");
		if (!err && f.handle == s->alloc)
			s->alloc = 0, s->circ = 0;
		if (!err)
			forget_handle(s->xalloc, ARRAY_LEN(s->xalloc), f.handle);
	} else if (which == 1) {
		struct qpu_circuit_free f = { .handle = *h ? *h : 1 + below(t, 100) };

		if (chance(t, 40))
			mutate(t, &f, f_cfree, ARRAY_LEN(f_cfree), &m);
		err = fz_ioctl(t, s, s->fd, QPU_IOC_CIRCUIT_FREE, &f,
			       mutated_allow(&m, *h ? EM_OK : EM_CFREE, EM_CFREE),
			       "CIRCUIT_FREE");
		if (!err && f.handle == s->circ)
			s->circ = 0;
		if (!err)
			forget_handle(s->xcirc, ARRAY_LEN(s->xcirc), f.handle);
	} else {
		struct qpu_buffer_destroy d = { .handle = *h ? *h : 1 + below(t, 100) };

		if (chance(t, 40))
			mutate(t, &d, f_bdestroy, ARRAY_LEN(f_bdestroy), &m);
		err = fz_ioctl(t, s, s->fd, QPU_IOC_BUFFER_DESTROY, &d,
			       mutated_allow(&m, *h ? EM_OK : EM_BDESTROY,
					     EM_BDESTROY), "BUFFER_DESTROY");
		/* The session's buffers: the mapping stays valid. */
		if (!err && d.handle == s->pbuf) {
			((volatile char *)s->pmap)[0] = 0;
			munmap(s->pmap, s->psize);
			s->pbuf = 0;
			s->pmap = NULL;
		}
		if (!err && d.handle == s->rbuf) {
			((volatile char *)s->rmap)[0] = 0;
			munmap(s->rmap, s->rsize);
			s->rbuf = 0;
			s->rmap = NULL;
		}
		if (!err)
			forget_handle(s->xbuf, ARRAY_LEN(s->xbuf), d.handle);
	}
}

static void deep_alloc(struct fz_thread *t, struct fz_session *s, bool query)
{
	struct qpu_alloc a;
	struct qpu_edge *edges = (struct qpu_edge *)t->scratch;
	struct qpu_edge *hint = (struct qpu_edge *)(t->scratch + PAGE / 2);
	uint32_t *phys = (uint32_t *)(t->scratch + PAGE);
	struct mutation m = { 0 };
	bool exact, bad_hint = false;
	unsigned int i;
	emask_t allow;
	int err;

	memset(&a, 0, sizeof(a));
	a.num_qubits = 1 + below(t, 2);
	a.num_edges = 64;
	a.edges_ptr = (uintptr_t)edges;
	a.phys_ptr = (uintptr_t)phys;
	if (query)
		a.handle = s->alloc;
	/* QPU_ALLOC_EXACT of random qubits: some held, out of range, twice */
	exact = !query && chance(t, 20);
	if (exact) {
		a.flags = QPU_ALLOC_EXACT;
		for (i = 0; i < a.num_qubits; i++)
			phys[i] = below(t, 32);
	}
	/* a placement hint: pairs of virtual qubits, some a == b or >= k */
	if (!query && !exact && chance(t, 30)) {
		a.num_hint = 1 + below(t, 8);
		a.hint_ptr = (uintptr_t)hint;
		for (i = 0; i < a.num_hint; i++) {
			hint[i].a = below(t, a.num_qubits + 1);
			hint[i].b = below(t, a.num_qubits + 1);
			bad_hint |= hint[i].a == hint[i].b ||
				    hint[i].a >= a.num_qubits ||
				    hint[i].b >= a.num_qubits;
		}
	}
	if (chance(t, 60))
		mutate(t, &a, query ? f_query : f_alloc,
		       query ? ARRAY_LEN(f_query) : ARRAY_LEN(f_alloc), &m);
	if (!query && a.num_qubits > 8 && a.num_qubits <= 2048 && m.field &&
	    chance(t, 90))
		a.num_qubits = 4096;	/* keep most allocations small */
	/* Hotplug devices may have a single qubit: E2BIG for two. */
	allow = query ? mutated_allow(&m, EM_OK, EM_QUERY) :
		mutated_allow(&m, EM_OK | EM(ENOSPC) | EM(EDQUOT) |
			      (s->dev ? EM(E2BIG) : 0), EM_ALLOC);
	if (!query && m.kind == F_PTR && m.ptr != BP_NULL)
		allow |= EM(ENOSPC) | EM(EDQUOT);
	/* the qubits named may be taken, bad, or (k mutated) unreadable */
	if (exact)
		allow |= EM(EBUSY) | EM(EINVAL) | EM(EFAULT);
	if (bad_hint)
		allow |= EM(EINVAL);
	if (!query && a.num_edges < 64 && m.field &&
	    !strcmp(m.field->name, "num_edges"))
		allow |= EM(EOVERFLOW);
	if (!query && !m.field && chance(t, 5)) {
		fz_ioctl(t, s, s->fd, QPU_IOC_ALLOC, ro_copy(t, &a, sizeof(a)),
			 EM(EFAULT) | EM(ENOSPC) | EM(EDQUOT) |
			 (s->dev ? EM(E2BIG) : 0) |
			 (exact ? EM(EBUSY) | EM(EINVAL) : 0) |
			 (bad_hint ? EM(EINVAL) : 0),
			 "ALLOC (read-only arg)");
		ro_reset(t);
		return;
	}
	err = fz_ioctl(t, s, s->fd, query ? QPU_IOC_ALLOC_QUERY : QPU_IOC_ALLOC,
		       &a, allow, query ? "ALLOC_QUERY" : "ALLOC");
	ro_reset(t);
	if (err || query)
		return;
	for (i = 0; i < ARRAY_LEN(s->xalloc); i++) {
		if (!s->xalloc[i]) {
			s->xalloc[i] = a.handle;
			return;
		}
	}
	struct qpu_free f = { .handle = a.handle };

	fz_ioctl(t, s, s->fd, QPU_IOC_FREE, &f, EM_OK, "FREE (valid)");
}

static void deep_bcreate(struct fz_thread *t, struct fz_session *s)
{
	struct qpu_buffer_create c;
	struct mutation m = { 0 };
	unsigned int i;
	int err;

	memset(&c, 0, sizeof(c));
	c.size = 1 + below(t, 3 * PAGE);
	if (chance(t, 60))
		mutate(t, &c, f_bcreate, ARRAY_LEN(f_bcreate), &m);
	/* Valid but large: the guest has 1 GiB; keep to 1 MiB. */
	if (c.size > (1 << 20) && c.size <= QPU_MAX_BUFFER_SIZE)
		c.size = QPU_MAX_BUFFER_SIZE + 1;
	if (!m.field && chance(t, 5)) {
		fz_ioctl(t, s, s->fd, QPU_IOC_BUFFER_CREATE, ro_copy(t, &c, sizeof(c)),
			 EM(EFAULT), "BUFFER_CREATE (read-only arg)");
		ro_reset(t);
		return;
	}
	err = fz_ioctl(t, s, s->fd, QPU_IOC_BUFFER_CREATE, &c,
		       mutated_allow(&m, EM_OK, EM_BCREATE), "BUFFER_CREATE");
	if (err)
		return;
	for (i = 0; i < ARRAY_LEN(s->xbuf); i++) {
		if (!s->xbuf[i]) {
			s->xbuf[i] = c.handle;
			return;
		}
	}
	struct qpu_buffer_destroy d = { .handle = c.handle };

	fz_ioctl(t, s, s->fd, QPU_IOC_BUFFER_DESTROY, &d, EM_OK,
		 "BUFFER_DESTROY (valid)");
}

static void deep_info(struct fz_thread *t, struct fz_session *s)
{
	struct qpu_info info;
	struct qpu_topology tp;
	struct mutation m = { 0 };
	int err;

	if (chance(t, 50)) {
		memset(&info, 0, sizeof(info));
		if (chance(t, 60))
			mutate(t, &info, f_info, ARRAY_LEN(f_info), &m);
		err = fz_ioctl(t, s, s->fd, QPU_IOC_GET_INFO, &info,
			       mutated_allow(&m, EM_OK, EM_INFO), "GET_INFO");
		if (!err && (info.api_version != QPU_API_VERSION ||
			     info.free_qubits > info.num_qubits ||
			     info.dev_id != (uint32_t)s->dev))
			fz_fail(t, "GET_INFO: api %u dev %u free %u of %u",
				info.api_version, info.dev_id,
				info.free_qubits, info.num_qubits);
		return;
	}
	memset(&tp, 0, sizeof(tp));
	tp.num_edges = 512;
	tp.edges_ptr = (uintptr_t)t->scratch;
	if (chance(t, 60))
		mutate(t, &tp, f_topo, ARRAY_LEN(f_topo), &m);
	fz_ioctl(t, s, s->fd, QPU_IOC_GET_TOPOLOGY, &tp,
		 mutated_allow(&m, s->dev ? EM_OK | EM(ENOSPC) : EM_OK, EM_TOPO),
		 "GET_TOPOLOGY");
	ro_reset(t);
}

/* A forked child uses the session's (shared) file, then exits. */
static void deep_fork(struct fz_thread *t, struct fz_session *s)
{
	struct qpu_submit sb;
	pid_t pid;
	int st;

	memset(&sb, 0, sizeof(sb));
	job_fill(t, s, &sb.job);
	pid = fork();
	fz_count(t, pid < 0 ? errno : 0);
	if (pid < 0)
		return;
	if (!pid) {
		/* Jobs submitted here are the parent's too (same file):
		 * reap it here, the parent does not know its id. */
		if (!ioctl(s->fd, QPU_IOC_SUBMIT, &sb)) {
			struct qpu_wait w = { .job_id = sb.job_id,
					      .timeout_ns = -1 };

			ioctl(s->fd, QPU_IOC_WAIT, &w);
		}
		if (s->rmap)
			((volatile char *)s->rmap)[0] = 1;
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fz_fail(t, "forked child ended with status %#x", st);
}

static void op_deep_on(struct fz_thread *t, struct fz_session *s, int dev,
		       bool dying)
{
	unsigned int r;

	if (!session_setup(t, s, dev, dying)) {
		/* Broken (device full, gone): start again later. */
		if (s->fd >= 0 && (s->dead || chance(t, 30)))
			session_close(t, s);
		return;
	}
	r = below(t, 100);
	if (r < 14)
		deep_run(t, s);
	else if (r < 36)
		deep_submit(t, s);
	else if (r < 52)
		deep_wait(t, s);
	else if (r < 58)
		deep_cancel(t, s);
	else if (r < 72)
		deep_load(t, s);
	else if (r < 78)
		deep_free(t, s);
	else if (r < 84)
		deep_alloc(t, s, chance(t, 40));
	else if (r < 90)
		deep_bcreate(t, s);
	else if (r < 97)
		deep_info(t, s);
	else if (r < 99)
		deep_fork(t, s);
	else
		session_close(t, s);	/* with whatever is in flight */
}

static void op_deep(struct fz_thread *t)
{
	op_deep_on(t, &t->s, 0, false);
}

/* ---- ioctl class: garbage on a bare file ---------------------------------------------- */

struct ioc_desc {
	unsigned long cmd;
	const struct field *fields;
	size_t nfields;
	emask_t all;
	const char *name;
	unsigned int v0;	/* the first published size: the smallest accepted */
};

static const struct ioc_desc iocs[] = {
	{ QPU_IOC_GET_INFO, f_info, ARRAY_LEN(f_info), EM_INFO,
	  "GET_INFO", QPU_INFO_SIZE_VER0 },
	{ QPU_IOC_GET_TOPOLOGY, f_topo, ARRAY_LEN(f_topo), EM_TOPO,
	  "GET_TOPOLOGY", QPU_TOPOLOGY_SIZE_VER0 },
	{ QPU_IOC_ALLOC, f_alloc, ARRAY_LEN(f_alloc), EM_ALLOC,
	  "ALLOC", QPU_ALLOC_SIZE_VER0 },
	{ QPU_IOC_FREE, f_free, ARRAY_LEN(f_free), EM_FREE, "FREE", QPU_FREE_SIZE_VER0 },
	{ QPU_IOC_ALLOC_QUERY, f_query, ARRAY_LEN(f_query), EM_QUERY,
	  "ALLOC_QUERY", QPU_ALLOC_SIZE_VER0 },
	{ QPU_IOC_CIRCUIT_LOAD, f_load, ARRAY_LEN(f_load), EM_LOAD,
	  "CIRCUIT_LOAD", QPU_CIRCUIT_LOAD_SIZE_VER0 },
	{ QPU_IOC_CIRCUIT_FREE, f_cfree, ARRAY_LEN(f_cfree), EM_CFREE,
	  "CIRCUIT_FREE", QPU_CIRCUIT_FREE_SIZE_VER0 },
	{ QPU_IOC_BUFFER_CREATE, f_bcreate, ARRAY_LEN(f_bcreate), EM_BCREATE,
	  "BUFFER_CREATE", QPU_BUFFER_CREATE_SIZE_VER0 },
	{ QPU_IOC_BUFFER_DESTROY, f_bdestroy, ARRAY_LEN(f_bdestroy), EM_BDESTROY,
	  "BUFFER_DESTROY", QPU_BUFFER_DESTROY_SIZE_VER0 },
	{ QPU_IOC_RUN, f_run, ARRAY_LEN(f_run), EM_RUN, "RUN", QPU_RUN_SIZE_VER0 },
	{ QPU_IOC_SUBMIT, f_submit, ARRAY_LEN(f_submit), EM_SUBMIT,
	  "SUBMIT", QPU_SUBMIT_SIZE_VER0 },
	{ QPU_IOC_WAIT, f_wait, ARRAY_LEN(f_wait), EM_WAIT, "WAIT", QPU_WAIT_SIZE_VER0 },
	{ QPU_IOC_CANCEL, f_cancel, ARRAY_LEN(f_cancel), EM_CANCEL,
	  "CANCEL", QPU_CANCEL_SIZE_VER0 },
	{ QPU_IOC_GET_REFUSAL, f_refusal, ARRAY_LEN(f_refusal), EM_REFUSAL,
	  "GET_REFUSAL", QPU_GET_REFUSAL_SIZE_VER0 },
};

/* Undo whatever a garbage call on the bare file created. */
static void bare_undo(struct fz_thread *t, unsigned long cmd, const void *arg)
{
	if (cmd == QPU_IOC_ALLOC) {
		struct qpu_free f = { .handle = ((const struct qpu_alloc *)arg)->handle };

		fz_ioctl(t, NULL, t->bare, QPU_IOC_FREE, &f, EM_OK, "FREE (undo)");
	} else if (cmd == QPU_IOC_BUFFER_CREATE) {
		struct qpu_buffer_destroy d = {
			.handle = ((const struct qpu_buffer_create *)arg)->handle,
		};

		fz_ioctl(t, NULL, t->bare, QPU_IOC_BUFFER_DESTROY, &d, EM_OK,
			 "BUFFER_DESTROY (undo)");
	} else if (cmd == QPU_IOC_CIRCUIT_LOAD) {
		struct qpu_circuit_free f = {
			.handle = ((const struct qpu_circuit_load *)arg)->handle,
		};

		fz_ioctl(t, NULL, t->bare, QPU_IOC_CIRCUIT_FREE, &f, EM_OK,
			 "CIRCUIT_FREE (undo)");
	}
}

/* Types of ioctl numbers that the VFS does not handle itself. */
static const uint8_t other_types[] = { 0xb8, 0xba, 0x01, 0xff, 0x7f, 0x51 };

static void op_ioctl(struct fz_thread *t)
{
	const struct ioc_desc *d = &iocs[below(t, ARRAY_LEN(iocs))];
	unsigned int psize = _IOC_SIZE(d->cmd), size = psize, dir;
	unsigned long cmd = d->cmd;
	char *arg = t->scratch + PAGE;	/* one page before the guard */
	struct mutation m = { 0 };
	emask_t allow;
	unsigned int r = below(t, 100), i;
	int err;

	if (t->bare < 0) {
		t->bare = open(QPU0, O_RDWR | O_CLOEXEC);
		fz_check(t, NULL, t->bare < 0 ? errno : 0, EM_OK, "open");
		if (t->bare < 0)
			return;
	}
	memset(t->scratch, 0, 2 * PAGE);

	if (r < 8) {
		/* Unknown numbers: ENOTTY whatever the argument. */
		if (chance(t, 50))
			cmd = _IOC(below(t, 4), QPU_IOC_MAGIC, 0x0e + below(t, 242),
				   below(t, 512));
		else
			cmd = _IOC(below(t, 4), other_types[below(t, ARRAY_LEN(other_types))],
				   below(t, 256), below(t, 512));
		fz_ioctl(t, NULL, t->bare, cmd, chance(t, 50) ? arg : NULL,
			 EM(ENOTTY), "unknown ioctl");
		return;
	}
	if (r < 14) {
		/* A known number with the wrong direction. */
		do {
			dir = below(t, 4);
		} while (dir == _IOC_DIR(d->cmd));
		cmd = _IOC(dir, QPU_IOC_MAGIC, _IOC_NR(d->cmd), psize);
		fz_ioctl(t, NULL, t->bare, cmd, arg, EM(ENOTTY), d->name);
		return;
	}
	if (r < 20) {
		/* Smaller than the first published version. */
		size = below(t, d->v0);
		cmd = _IOC(_IOC_DIR(d->cmd), QPU_IOC_MAGIC, _IOC_NR(d->cmd), size);
		fz_ioctl(t, NULL, t->bare, cmd, arg, EM(EINVAL), d->name);
		return;
	}
	if (r < 30) {
		/* Larger: zero tail works as usual, non-zero tail is E2BIG. */
		size = psize + 1 + below(t, chance(t, 80) ? 64 : 16000);
		if (size > _IOC_SIZEMASK)
			size = _IOC_SIZEMASK;
		cmd = _IOC(_IOC_DIR(d->cmd), QPU_IOC_MAGIC, _IOC_NR(d->cmd), size);
		arg = size <= 2 * PAGE ? t->guard - size : t->scratch;
		memset(arg, 0, size <= 2 * PAGE ? size : 2 * PAGE);
		if (size > 2 * PAGE) {
			/* Runs into the guard page. */
			fz_ioctl(t, NULL, t->bare, cmd, arg, EM(EFAULT), d->name);
			return;
		}
		if (chance(t, 60)) {
			arg[psize + below(t, size - psize)] = 1 + below(t, 255);
			fz_ioctl(t, NULL, t->bare, cmd, arg, EM(E2BIG), d->name);
			return;
		}
		/* Zero tail, zero struct: the call's own outcome. */
		allow = d->all;
		if (d->cmd == QPU_IOC_WAIT)
			((struct qpu_wait *)arg)->timeout_ns = 0;
		err = fz_ioctl(t, NULL, t->bare, cmd, arg, allow, d->name);
		if (!err)
			bare_undo(t, d->cmd, arg);
		return;
	}
	if (r < 42) {
		/* The argument pointer itself is bad. */
		int kind = below(t, BP_NR);
		uint64_t p = bad_ptr(t, kind);

		allow = EM(EFAULT);
		if (kind == BP_STRADDLE && psize <= 8)
			allow |= d->all;
		if (kind == BP_RO) {
			/* Readable: the call runs, but cannot write back. */
			if (d->cmd == QPU_IOC_WAIT)
				allow = EM(EINVAL) | EM(ENOENT) | EM(EFAULT);
			else if (_IOC_DIR(d->cmd) & _IOC_READ)
				allow = (d->all & ~EM_OK) | EM(EFAULT);
			else
				allow = d->all;
		}
		err = fz_ioctl(t, NULL, t->bare, d->cmd, (void *)(uintptr_t)p,
			       allow, d->name);
		ro_reset(t);
		return;
	}
	/* A zeroed struct with one field mutated, or all garbage. */
	arg = t->guard - psize;
	if (r < 60) {
		for (i = 0; i < psize; i++)
			arg[i] = chance(t, 50) ? 0 : (char)rnd(t);
		allow = d->all;
	} else {
		/* Every handler checks flags and reserved fields first. */
		memset(arg, 0, psize);
		mutate(t, arg, d->fields, d->nfields, &m);
		allow = d->all;
		if (m.kind == F_RES || m.kind == F_FLAGS)
			allow = EM(EINVAL);
	}
	if (d->cmd == QPU_IOC_WAIT) {
		struct qpu_wait *w = (struct qpu_wait *)arg;

		/* The bare file has no jobs: never block for long. */
		if (w->timeout_ns < 0 || w->timeout_ns > 10000000)
			w->timeout_ns = 1000;
	}
	if (d->cmd == QPU_IOC_BUFFER_CREATE) {
		struct qpu_buffer_create *c = (struct qpu_buffer_create *)arg;

		if (c->size > (1 << 20) && c->size <= QPU_MAX_BUFFER_SIZE)
			c->size = QPU_MAX_BUFFER_SIZE + 1;
	}
	if (d->cmd == QPU_IOC_ALLOC) {
		struct qpu_alloc *a = (struct qpu_alloc *)arg;

		/* Keep the device usable by the other threads. */
		if (a->num_qubits > 4 && a->num_qubits <= 27)
			a->num_qubits = 28;
	}
	err = fz_ioctl(t, NULL, t->bare, d->cmd, arg, allow, d->name);
	if (!err)
		bare_undo(t, d->cmd, arg);
	ro_reset(t);
}

/* ---- mmap class -------------------------------------------------------------------- */

static void op_mmap(struct fz_thread *t)
{
	struct fz_session *s = &t->s;
	uint64_t size, off;
	size_t len;
	int prot, flags, err;
	unsigned int r;
	emask_t allow;
	char *p;

	if (!session_setup(t, s, 0, false))
		return;
	size = s->rsize;
	off = s->roff;
	len = size;
	prot = PROT_READ | PROT_WRITE;
	flags = MAP_SHARED;
	allow = EM_OK;
	r = below(t, 100);
	if (r < 10) {
		off += PAGE * (1 + below(t, 4));	/* low bits set */
		allow = EM(EINVAL);
	} else if (r < 18) {
		off = (uint64_t)(1 + below(t, 1 << 20)) << 32;	/* no such handle */
		allow = EM(EINVAL);
	} else if (r < 26) {
		len = chance(t, 50) ? size - PAGE : size + PAGE * (1 + below(t, 4));
		allow = EM(EINVAL);
	} else if (r < 32) {
		flags = MAP_PRIVATE;
		allow = EM(EINVAL);
	} else if (r < 38) {
		prot = below(t, 8);
		allow = EM_OK | ((prot & PROT_EXEC) ? EM(EPERM) | EM(EACCES) : 0);
	} else if (r < 42) {
		len = (size_t)1 << (40 + below(t, 8));
		allow = EM(EINVAL) | EM(ENOMEM);
	} else if (r < 46) {
		off = s->poff;	/* the other buffer, with this one's size */
		allow = EM(EINVAL);
	}
	p = mmap(NULL, len, prot, flags, s->fd, off);
	err = p == MAP_FAILED ? errno : 0;
	fz_check(t, s, err, allow, "mmap");
	if (err)
		return;
	if (prot & PROT_WRITE)
		((volatile char *)p)[below(t, len)] = (char)rnd(t);
	else if (prot & PROT_READ)
		(void)((volatile char *)p)[below(t, len)];
	r = below(t, 100);
	if (r < 20) {
		/* Grow in place or move: a device mapping cannot expand. */
		void *q = mremap(p, len, len + PAGE, MREMAP_MAYMOVE);

		err = q == MAP_FAILED ? errno : 0;
		fz_check(t, s, err, EM(EFAULT) | EM(EINVAL) | EM(ENOMEM),
			 "mremap (grow)");
	} else if (r < 35) {
		err = mprotect(p, len, below(t, 8)) ? errno : 0;
		fz_check(t, s, err, EM_OK | EM(EACCES) | EM(EINVAL), "mprotect");
	} else if (r < 50) {
		/* Unmap part of it, then the rest. */
		size_t cut = PAGE * below(t, len / PAGE);

		err = munmap(p + cut, len - cut) ? errno : 0;
		fz_check(t, s, err, EM_OK, "munmap (part)");
		if (cut && (prot & PROT_WRITE) && (prot & PROT_READ))
			((volatile char *)p)[0]++;
		len = cut;
	} else if (r < 60) {
		err = madvise(p, len, chance(t, 50) ? MADV_DONTNEED : MADV_DONTFORK) ?
		      errno : 0;
		fz_check(t, s, err, EM_OK | EM(EINVAL), "madvise");
	} else if (r < 70) {
		/* Destroy the handle under the mapping, then use the mapping. */
		struct qpu_buffer_destroy d = { .handle = s->rbuf };

		fz_ioctl(t, s, s->fd, QPU_IOC_BUFFER_DESTROY, &d, EM_OK,
			 "BUFFER_DESTROY (mapped)");
		s->rbuf = 0;
		if (s->rmap) {
			munmap(s->rmap, s->rsize);
			s->rmap = NULL;
		}
		if ((prot & (PROT_READ | PROT_WRITE)) == (PROT_READ | PROT_WRITE))
			memset(p, 0x5a, len);
	}
	if (len) {
		err = munmap(p, len) ? errno : 0;
		fz_check(t, s, err, EM_OK, "munmap");
	}
}

/* ---- io_uring class ---------------------------------------------------------------- */

static void ring_init(struct fz_thread *t)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 |
		  IORING_SETUP_SUBMIT_ALL;
	t->ring_ok = !io_uring_queue_init_params(32, &t->ring, &p);
	t->ring_inflight = 0;
}

static void ring_exit(struct fz_thread *t)
{
	if (t->ring_ok)
		io_uring_queue_exit(&t->ring);
	t->ring_ok = false;
	t->ring_inflight = 0;
	memset(t->cqe_allow, 0, sizeof(t->cqe_allow));
}

/* Reap completions; wait up to @ms for at least one if @min. */
static void ring_reap(struct fz_thread *t, struct fz_session *s, int ms, bool min)
{
	struct __kernel_timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	struct io_uring_cqe *cqe;
	unsigned int idx;
	int ret, err;

	while (t->ring_inflight) {
		if (min)
			ret = io_uring_wait_cqe_timeout(&t->ring, &cqe, &ts);
		else
			ret = io_uring_peek_cqe(&t->ring, &cqe);
		if (ret)
			return;
		min = false;
		idx = cqe->user_data % ARRAY_LEN(t->cqe_allow);
		err = cqe->res < 0 ? -cqe->res : 0;
		t->cls = C_URING;
		/* The job's status: it may also be cancelled by CANCEL. */
		/* Counted here, by its result (commands a ring teardown
		 * cancels are not counted). */
		{
			/* Admitted (or not) when it was issued, not now. */
			unsigned int gen = t->bpf_gen;
			bool was = t->bpf_was;

			t->bpf_gen = t->cqe_bpf_gen[idx];
			t->bpf_was = t->cqe_bpf_was[idx];
			fz_check(t, s, err, t->cqe_allow[idx] ?
				 t->cqe_allow[idx] : EM_ANY, "uring_cmd");
			t->bpf_gen = gen;
			t->bpf_was = was;
		}
		t->cqe_allow[idx] = 0;
		if (!cqe->res && !cqe->big_cqe[0])
			fz_fail(t, "uring_cmd CQE without a job id");
		io_uring_cqe_seen(&t->ring, cqe);
		t->ring_inflight--;
	}
}

static void op_uring(struct fz_thread *t)
{
	struct fz_session *s = &t->s;
	struct io_uring_sqe *sqe;
	struct qpu_job_desc j;
	struct mutation m;
	unsigned int n, i, r, slot;
	emask_t allow;
	int fd, ret, pipefd[2] = { -1, -1 };
	bool dead = false, xt_bad;

	/*
	 * Now and then on the hotplug session: commands in flight when its
	 * device is removed complete with ENODEV; once we know it is gone,
	 * every command must fail with ENODEV.
	 */
	if (t->hp.fd >= 0 && chance(t, 25)) {
		s = &t->hp;
		dead = s->dead;
		if (!dead && !session_setup(t, s, s->dev, true))
			return;
	} else if (!session_setup(t, s, 0, false)) {
		return;
	}
	if (!t->ring_ok)
		ring_init(t);
	if (!t->ring_ok) {
		fz_check(t, s, ENOSYS, EM_OK, "io_uring_queue_init");
		return;
	}
	if (chance(t, 3)) {
		/* Tear down with commands in flight: cancellation. */
		ring_exit(t);
		fz_check(t, s, 0, EM_OK, "io_uring_queue_exit");
		return;
	}
	if (chance(t, 4)) {
		/* A ring without 128-byte SQEs cannot carry the command. */
		struct io_uring small;
		struct io_uring_cqe *cqe;

		if (!io_uring_queue_init(4, &small, 0)) {
			sqe = io_uring_get_sqe(&small);
			io_uring_prep_rw(IORING_OP_URING_CMD, sqe, s->fd, NULL, 0, 0);
			sqe->cmd_op = QPU_URING_CMD_RUN;
			io_uring_submit_and_wait(&small, 1);
			if (!io_uring_peek_cqe(&small, &cqe)) {
				fz_check(t, s, -cqe->res, EM(EINVAL),
					 "uring_cmd on SQE64 ring");
				io_uring_cqe_seen(&small, cqe);
			}
			io_uring_queue_exit(&small);
		}
		return;
	}
	n = 1 + below(t, 8);
	for (i = 0; i < n; i++) {
		if (t->ring_inflight >= 24)
			ring_reap(t, s, 3000, true);
		if (t->ring_inflight >= 24)
			break;
		sqe = io_uring_get_sqe(&t->ring);
		if (!sqe)
			break;
		memset(sqe, 0, 128);
		fd = s->fd;
		xt_bad = job_fill(t, s, &j);
		memset(&m, 0, sizeof(m));
		allow = EM_OK;
		r = below(t, 100);
		if (dead) {
			r = 100;	/* valid, on a removed device */
			allow = EM(ENODEV);
		} else if (r < 40) {
			mutate(t, &j, f_desc, ARRAY_LEN(f_desc), &m);
			if (!chance(t, 2))
				job_cheapen(&m, &j);
			allow = mutated_allow(&m, EM_OK, EM_SUBMIT);
			if (!strcmp(m.field->name, "flags") &&
			    !(j.flags & QPU_RUN_SEED) && j.seed)
				allow |= EM(EINVAL);
		} else if (r < 50) {
			/* Garbage payload. */
			for (unsigned int b = 0; b < sizeof(j); b++)
				((uint8_t *)&j)[b] = chance(t, 60) ? 0 : rnd(t);
			allow = EM_SUBMIT;
		}
		if (xt_bad)
			allow |= EM(EINVAL);
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
		sqe->cmd_op = QPU_URING_CMD_RUN;
		r = dead ? 100 : below(t, 100);
		if (r < 8) {
			sqe->cmd_op = 2 + below(t, 1000);
			if (chance(t, 20))
				sqe->cmd_op = (uint32_t)rnd(t) | 2;
			allow = EM(ENOTTY);
		} else if (r < 12) {
			/* Unknown flags; IORING_URING_CMD_FIXED without
			 * registered buffers faults. */
			sqe->uring_cmd_flags = 1U << below(t, 24);
			allow = EM(EINVAL);
			if (sqe->uring_cmd_flags & IORING_URING_CMD_FIXED)
				allow = EM(EFAULT);
		} else if (r < 15) {
			sqe->fd = -1 - below(t, 3);
			allow = EM(EBADF);
		} else if (r < 18) {
			if (pipefd[0] < 0 && pipe2(pipefd, O_CLOEXEC))
				pipefd[0] = pipefd[1] = -1;
			sqe->fd = pipefd[0];
			allow = EM(EOPNOTSUPP) | EM(EBADF);
		} else if (r < 28) {
			/*
			 * Issued later, from an io-wq worker: by then this
			 * thread may have freed the circuit or buffers, or
			 * closed the fd (looked up at issue) and reused it.
			 */
			sqe->flags |= IOSQE_ASYNC;
			allow |= EM_SUBMIT | EM(EBADF) | EM(EOPNOTSUPP);
		}
		memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), &j,
		       sizeof(j));
		/* A free slot for the expected outcome (in flight < slots). */
		for (slot = 0; slot < ARRAY_LEN(t->cqe_allow); slot++)
			if (!t->cqe_allow[slot])
				break;
		sqe->user_data = slot;
		t->cqe_allow[slot] = allow | EM(ECANCELED) |
				     (s->dying ? EM(ENODEV) : 0);
		t->cqe_bpf_gen[slot] = t->bpf_gen;
		t->cqe_bpf_was[slot] = t->bpf_was;
		t->ring_inflight++;
	}
	ret = io_uring_submit(&t->ring);
	if (ret < 0)
		fz_fail(t, "io_uring_submit: %s", strerror(-ret));
	ring_reap(t, s, 0, false);
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
}

/* ---- poll class ---------------------------------------------------------------------- */

static void op_poll(struct fz_thread *t)
{
	struct pollfd p[3];
	unsigned int n = 0;
	int ret, err;

	if (!session_setup(t, &t->s, 0, false))
		return;
	p[n++] = (struct pollfd){ .fd = t->s.fd, .events = POLLIN | POLLOUT | POLLPRI };
	if (t->bare >= 0)
		p[n++] = (struct pollfd){ .fd = t->bare, .events = (short)rnd(t) };
	if (t->hp.fd >= 0)
		p[n++] = (struct pollfd){ .fd = t->hp.fd, .events = POLLIN };
	ret = poll(p, n, chance(t, 50) ? 0 : 1 + below(t, 20));
	err = ret < 0 ? errno : 0;
	fz_check(t, &t->s, err, EM_OK, "poll");
	if (t->s.njobs && chance(t, 30))
		deep_wait(t, &t->s);
}

/* ---- race class: shared descriptors closed under other threads ------------------------- */

static void op_race(struct fz_thread *t)
{
	_Atomic int *slot = &race_slot[below(t, RACE_SLOTS)];
	unsigned int r = below(t, 100);
	int fd, old, err;

	if (r < 15) {
		fd = open(QPU0, O_RDWR | O_CLOEXEC);
		fz_check(t, NULL, fd < 0 ? errno : 0, EM_OK, "open");
		if (fd < 0)
			return;
		old = atomic_exchange(slot, fd);
		if (old >= 0)
			fz_check(t, NULL, close(old) ? errno : 0, EM_OK, "close");
		return;
	}
	if (r < 30) {
		old = atomic_exchange(slot, -1);
		if (old >= 0)
			fz_check(t, NULL, close(old) ? errno : 0, EM_OK, "close");
		return;
	}
	fd = atomic_load(slot);
	if (fd < 0)
		return;
	/*
	 * The number may be closed, or reused by anything, by now: only
	 * the absence of crashes and splats is checked here.
	 */
	if (r < 50) {
		struct qpu_alloc a = { .num_qubits = 1 };

		err = ioctl(fd, QPU_IOC_ALLOC, &a) ? errno : 0;
		fz_check(t, NULL, err, EM_ANY, "ALLOC (shared fd)");
	} else if (r < 60) {
		struct qpu_buffer_create c = { .size = PAGE };
		void *p;

		err = ioctl(fd, QPU_IOC_BUFFER_CREATE, &c) ? errno : 0;
		fz_check(t, NULL, err, EM_ANY, "BUFFER_CREATE (shared fd)");
		if (!err) {
			p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, c.mmap_offset);
			fz_check(t, NULL, p == MAP_FAILED ? errno : 0, EM_ANY,
				 "mmap (shared fd)");
			if (p != MAP_FAILED)
				munmap(p, PAGE);
		}
	} else if (r < 70) {
		struct qpu_wait w = { .flags = QPU_WAIT_ANY, .timeout_ns = 1000000 };

		err = ioctl(fd, QPU_IOC_WAIT, &w) ? errno : 0;
		fz_check(t, NULL, err, EM_ANY, "WAIT (shared fd)");
	} else if (r < 80) {
		struct qpu_info info = { 0 };

		err = ioctl(fd, QPU_IOC_GET_INFO, &info) ? errno : 0;
		fz_check(t, NULL, err, EM_ANY, "GET_INFO (shared fd)");
	} else if (r < 88) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		err = poll(&p, 1, 1) < 0 ? errno : 0;
		fz_check(t, NULL, err, EM_ANY, "poll (shared fd)");
	} else {
		/* A child shares the file, uses it and exits. */
		pid_t pid = fork();
		int st;

		fz_count(t, pid < 0 ? errno : 0);
		if (pid < 0)
			return;
		if (!pid) {
			struct qpu_alloc a = { .num_qubits = 2 };

			ioctl(fd, QPU_IOC_ALLOC, &a);
			close(fd);
			_exit(0);
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
}

/* ---- kill class: SIGKILL in the middle of a batch -------------------------------------- */

/* The child: a libqpu training-loop shape, killed at some point. */
static void __attribute__((noreturn)) kill_child(uint64_t seed)
{
	struct qpu_dev *dev;
	struct qpu_qubits *q;
	struct qpu_circuit *c;
	struct qpu_loaded ld;
	struct qpu_buffer *pb, *rb;
	struct qpu_batch *b;
	struct qpu_job_desc j;
	struct qpu_completion done[64];
	uint32_t i, n = 8 + seed % 56;

	if (qpu_open(QPU0, &dev) || qpu_alloc_qubits(dev, 2, &q))
		_exit(0);
	c = qpu_circuit_new(2, 2);
	if (!c)
		_exit(0);
	qpu_circuit_h(c, 0);
	qpu_circuit_ry(c, 1, qpu_param(0, 1.0, 0.0));
	qpu_circuit_cx(c, 0, 1);
	qpu_circuit_measure(c, 0, 0);
	qpu_circuit_measure(c, 1, 1);
	if (qpu_circuit_load(dev, c, q, &ld) ||
	    qpu_buffer_new(dev, PAGE, &pb) ||
	    qpu_buffer_new(dev, 64 * PAGE, &rb) ||
	    qpu_batch_new(dev, 64, (seed & 1) ? QPU_BATCH_IOCTL : 0, &b))
		_exit(0);
	memset(&j, 0, sizeof(j));
	j.circuit = ld.handle;
	j.shots = 1 + seed % 200;
	j.param_buf = pb->handle;
	j.result_buf = rb->handle;
	for (;;) {
		for (i = 0; i < n; i++) {
			j.result_offset = (i % 64) * PAGE;
			if (qpu_batch_add(b, &j, i))
				break;
		}
		qpu_batch_submit(b);
		if (seed & 2) {
			/* A long synchronous run, killed in the middle. */
			j.shots = QPU_MAX_SHOTS;
			j.result_offset = 0;
			qpu_run_job(dev, &j, NULL);
		}
		qpu_batch_wait(b, done, 1 + (seed >> 8) % n, n);
	}
}

static void op_kill(struct fz_thread *t)
{
	struct timespec ts = { 0, 1000000L * below(t, 60) };
	uint64_t seed = rnd(t);
	pid_t pid;
	int st, err;

	fflush(stdout);
	pid = fork();
	fz_check(t, NULL, pid < 0 ? errno : 0, EM_OK | EM(EAGAIN), "fork");
	if (pid < 0)
		return;
	if (!pid)
		kill_child(seed);
	nanosleep(&ts, NULL);
	err = kill(pid, SIGKILL) ? errno : 0;
	fz_check(t, NULL, err, EM_OK, "kill");
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	fz_count(t, 0);
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) &&
	    !(WIFEXITED(st) && !WEXITSTATUS(st)))
		fz_fail(t, "batch child ended with status %#x", st);
}

/* ---- sysfs class --------------------------------------------------------------------- */

static const char *const dev_attrs[] = {
	"dev_id", "num_qubits", "num_edges", "topology", "coupling_map",
	"calibration", "calibration_epoch", "free_qubits", "max_ctx_qubits",
	"max_sim_qubits", "max_gates", "workers", "paused", "max_tenants",
	"noise", "placement", "crosstalk_ppm", "crosstalk_defer_ppm", "drift",
	"uevent",	/* uevent: read only */
};

/* What the noise tunables go back to after each write (their defaults). */
static const struct {
	const char *attr, *val;
} noise_defaults[] = {
	{ "noise", "ideal\n" }, { "placement", "fidelity\n" },
	{ "crosstalk_ppm", "8000\n" }, { "crosstalk_defer_ppm", "10000\n" },
	{ "drift", "0\n" },
};

static const char *const garbage_words[] = {
	"", "\n", " ", "-1", "-0", "0", "1", "2", "16", "17", "26", "27", "28",
	"4294967295", "4294967296", "18446744073709551616", "0x10", "010",
	"1e3", "abc", "1 2", "7\n\n", "+5", " 3", "3 ", "\t", "\x01\x02",
	"99999999999999999999999", "q", "e", "#", "nan",
};

static const char *const specs[] = {
	"line:3", "ring:5", "grid:2x3", "heavyhex:7", "full:4", "line:1",
	"heavyhex:16", "grid:4x5", "ring:3", "heavyhex:27", "line:40",
};

static const char *const bad_specs[] = {
	"line:0", "ring:2", "grid:0x3", "heavyhex:8", "full:0", "line:2049",
	"grid:100x100", "full:2048", "star:5", "line:", "line:-1", ":5",
	"grid:3x", "heavyhex:1121x", "line:3 extra", "ring:4294967297",
	"line:123456789012345678901234567890123",
};

/* Text of garbage for an attribute: returns its length. */
static size_t garbage(struct fz_thread *t, char *buf, size_t cap)
{
	size_t n = 0, i;
	unsigned int r = below(t, 100);

	if (r < 40) {
		n = snprintf(buf, cap, "%s%s", garbage_words[below(t, ARRAY_LEN(garbage_words))],
			     chance(t, 50) ? "\n" : "");
	} else if (r < 60) {
		n = 1 + below(t, 64);
		for (i = 0; i < n; i++)
			buf[i] = (char)rnd(t);
	} else if (r < 70) {
		/* Longer than a page. */
		n = cap;
		memset(buf, '1' + below(t, 9), n);
	} else {
		n = snprintf(buf, cap, "%" PRIu64 "\n", boundary(t, 8));
	}
	return n < cap ? n : cap;
}

/* Does @buf parse as a decimal below @limit (what must not reach del_device)? */
static bool small_number(const char *buf, size_t len, unsigned long limit)
{
	char tmp[32];
	char *end;
	unsigned long v;

	if (!len || len >= sizeof(tmp))
		return false;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if (tmp[0] < '0' || tmp[0] > '9')
		return tmp[0] == '+';
	errno = 0;
	v = strtoul(tmp, &end, 10);
	return v < limit || errno;
}

static int write_file(const char *path, const void *buf, size_t len, bool bin)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, buf, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len && !bin)
		err = 0;
	close(fd);
	return err;
}

/* Valid calibration lines for qpu0. */
static size_t calib_lines(struct fz_thread *t, char *buf, size_t cap)
{
	size_t n = 0;
	unsigned int i, lines = 1 + below(t, 4), t1;

	for (i = 0; i < lines && n + 64 < cap; i++) {
		if (chance(t, 60) || !qpu0_nedges) {
			t1 = 1 + below(t, 9999999);
			n += snprintf(buf + n, cap - n, "q %u %u %u %u %u",
				      below(t, qpu0_nqubits), below(t, 1000001),
				      below(t, 1000001), t1,
				      1 + below(t, t1 < 4999999 ? 2 * t1 : 9999999));
			/* P(0|1) given, or left to fall back to P(1|0) */
			if (chance(t, 50))
				n += snprintf(buf + n, cap - n, " %u", below(t, 1000001));
			n += snprintf(buf + n, cap - n, "\n");
		} else {
			const struct qpu_edge *e = &qpu0_edges[below(t, qpu0_nedges)];
			bool swap = chance(t, 50);

			n += snprintf(buf + n, cap - n, "e %u %u %u\n",
				      swap ? e->b : e->a, swap ? e->a : e->b,
				      below(t, 1000001));
		}
		if (chance(t, 10))
			n += snprintf(buf + n, cap - n, "# comment\n\n");
	}
	return n;
}

static void op_sysfs(struct fz_thread *t)
{
	char path[96], buf[PAGE + 64];
	const char *attr;
	unsigned int r = below(t, 100), id;
	bool hp = chance(t, 30), ok_valid = false;
	size_t len, i;
	emask_t allow;
	int err, fd;

	id = hp ? HP_FIRST + below(t, HP_COUNT) : 0;
	if (r < 10) {
		/* new_device: valid ids only in the hotplug range. */
		if (chance(t, 40)) {
			len = snprintf(buf, sizeof(buf), "%u %s\n",
				       HP_FIRST + below(t, HP_COUNT),
				       chance(t, 50) ? specs[below(t, ARRAY_LEN(specs))] :
				       bad_specs[below(t, ARRAY_LEN(bad_specs))]);
		} else {
			len = garbage(t, buf, sizeof(buf) - 64);
			if (small_number(buf, len, ~0UL))
				buf[0] = 'x';
		}
		err = write_file(CLASS_DIR "/new_device", buf, len, false);
		fz_check(t, NULL, err, EM_OK | EM(EINVAL) | EM(E2BIG) | EM(EEXIST) |
			 EM(ERANGE), "new_device");
		return;
	}
	if (r < 16) {
		if (chance(t, 40)) {
			len = snprintf(buf, sizeof(buf), "%u\n",
				       HP_FIRST + below(t, HP_COUNT));
		} else {
			len = garbage(t, buf, sizeof(buf) - 64);
			if (small_number(buf, len, HP_FIRST))
				buf[0] = 'x';
		}
		err = write_file(CLASS_DIR "/del_device", buf, len, false);
		fz_check(t, NULL, err, EM_OK | EM(EINVAL) | EM(ENOENT) | EM(ERANGE),
			 "del_device");
		return;
	}
	attr = dev_attrs[below(t, ARRAY_LEN(dev_attrs))];
	snprintf(path, sizeof(path), CLASS_DIR "/qpu%u/%s", id, attr);
	if (r < 55) {
		/* Reads at any offset and length. */
		off_t off = chance(t, 50) ? below(t, 2048) : (off_t)(rnd(t) >> 20);
		size_t n = 1 + below(t, sizeof(buf) - 1);
		ssize_t got;

		fd = open(path, O_RDONLY | O_CLOEXEC);
		err = fd < 0 ? errno : 0;
		fz_check(t, NULL, err, EM_OK | (hp ? EM(ENOENT) : 0), "open (sysfs)");
		if (fd < 0)
			return;
		got = pread(fd, buf, n, off);
		err = got < 0 ? errno : 0;
		fz_check(t, NULL, err, EM_OK | (hp ? EM(ENODEV) | EM(ENOENT) : 0) |
			 (strcmp(attr, "coupling_map") && strcmp(attr, "calibration") &&
			  off ? EM(EINVAL) : 0),
			 "pread (sysfs)");
		close(fd);
		return;
	}
	/* Writes. */
	if (!strcmp(attr, "calibration") && chance(t, 40) && !hp) {
		len = calib_lines(t, buf, sizeof(buf));
		ok_valid = true;
	} else if (!strcmp(attr, "workers") && chance(t, 40)) {
		len = snprintf(buf, sizeof(buf), "%u\n", 1 + below(t, 16));
		ok_valid = true;
	} else if (!strcmp(attr, "max_sim_qubits") && chance(t, 40)) {
		len = snprintf(buf, sizeof(buf), "%u\n", 5 + below(t, 22));
		ok_valid = true;
	} else if (!strcmp(attr, "max_gates") && chance(t, 40)) {
		len = snprintf(buf, sizeof(buf), "%u\n",
			       chance(t, 20) ? QPU_MAX_GATES : 65536 + below(t, 1U << 20));
		ok_valid = true;
	} else if (!strcmp(attr, "max_ctx_qubits") && chance(t, 40)) {
		len = snprintf(buf, sizeof(buf), "%u\n", 8 + below(t, 20));
		ok_valid = !hp;
	} else if (!strcmp(attr, "noise") && chance(t, 50)) {
		len = snprintf(buf, sizeof(buf), "%s%s",
			       chance(t, 50) ? "ideal" : "calibrated",
			       chance(t, 50) ? "\n" : "");
		ok_valid = true;
	} else if (!strcmp(attr, "placement") && chance(t, 50)) {
		len = snprintf(buf, sizeof(buf), "%s\n",
			       chance(t, 50) ? "fidelity" : "compact");
		ok_valid = true;
	} else if (!strcmp(attr, "crosstalk_ppm") && chance(t, 50)) {
		len = snprintf(buf, sizeof(buf), "%u\n",
			       chance(t, 20) ? 1000000 : below(t, 100000));
		ok_valid = true;
	} else {
		len = garbage(t, buf, sizeof(buf) - 64);
	}
	/* Device-core attribute: garbage only fills the log. */
	if (!strcmp(attr, "uevent"))
		return;
	/*
	 * Keep the devices usable by the deep classes (their valid calls
	 * must succeed): garbage never sets a width or quota below 5.
	 */
	if ((!strcmp(attr, "max_sim_qubits") || !strcmp(attr, "max_ctx_qubits")) &&
	    !ok_valid && small_number(buf, len, 5))
		buf[0] = 'x';
	/* Nor a gate limit below what the deep classes load. */
	if (!strcmp(attr, "max_gates") && !ok_valid && small_number(buf, len, 65536))
		buf[0] = 'x';
	/* Nor a tenant table the deep classes' cgroups could overflow. */
	if (!strcmp(attr, "max_tenants") && small_number(buf, len, 1000))
		buf[0] = 'x';
	err = write_file(path, buf, len, !strcmp(attr, "calibration"));
	if (ok_valid)
		allow = EM_OK;
	else if (!strcmp(attr, "calibration"))
		allow = EM_OK | EM(EINVAL) | EM(ERANGE) | EM(ENOENT) | EM(E2BIG);
	else if (!strcmp(attr, "max_ctx_qubits") || !strcmp(attr, "max_sim_qubits") ||
		 !strcmp(attr, "max_gates") || !strcmp(attr, "workers"))
		allow = EM_OK | EM(EINVAL) | EM(ERANGE);
	else if (!strcmp(attr, "paused"))
		allow = EM_OK | EM(EINVAL);
	else if (!strcmp(attr, "max_tenants"))
		allow = EM_OK | EM(EINVAL) | EM(ERANGE);
	else if (!strcmp(attr, "noise") || !strcmp(attr, "placement"))
		allow = EM_OK | EM(EINVAL);
	else if (!strcmp(attr, "crosstalk_ppm") ||
		 !strcmp(attr, "crosstalk_defer_ppm") || !strcmp(attr, "drift"))
		allow = EM_OK | EM(EINVAL) | EM(ERANGE);
	else if (!strcmp(attr, "uevent"))
		allow = EM_OK | EM(EINVAL);
	else
		allow = EM(EACCES) | EM(EPERM) | EM(EINVAL) | EM(EIO);
	if (hp)
		allow |= EM(ENOENT) | EM(ENODEV) | EM_OK | EM(EINVAL) | EM(ERANGE);
	fz_check(t, NULL, err, allow, attr);
	/*
	 * A pause is a pulse, and the tenant table goes back to its default:
	 * the deep classes' jobs must go on running.
	 */
	if (!strcmp(attr, "paused"))
		fz_check(t, NULL, write_file(path, "0\n", 2, false),
			 EM_OK | (hp ? EM(ENOENT) | EM(ENODEV) : 0), "paused (resume)");
	if (!strcmp(attr, "max_tenants"))
		fz_check(t, NULL, write_file(path, "4096\n", 5, false),
			 EM_OK | (hp ? EM(ENOENT) | EM(ENODEV) : 0),
			 "max_tenants (restore)");
	/*
	 * The noise tunables are pulses too: jobs starting meanwhile ran in
	 * the mode written, and the tests after this one find the defaults.
	 */
	for (i = 0; i < ARRAY_LEN(noise_defaults); i++)
		if (!strcmp(attr, noise_defaults[i].attr))
			fz_check(t, NULL, write_file(path, noise_defaults[i].val,
						     strlen(noise_defaults[i].val),
						     false),
				 EM_OK | (hp ? EM(ENOENT) | EM(ENODEV) : 0),
				 "noise tunable (restore)");
	/* (garbage below 1000 was turned into a non-number above) */
}

/* ---- hotplug class ------------------------------------------------------------------- */

static double now_s(void);

/* Removes a hotplug device after a delay, from a second thread. */
struct hp_killer {
	int dev;
	unsigned int delay_ms;
	unsigned int workers;	/* 0: leave workers alone */
	int werr, err;
	double t_del, t_done;	/* del_device's start and return */
};

static void *hp_killer_main(void *arg)
{
	struct hp_killer *k = arg;
	char path[64], buf[16];

	usleep(k->delay_ms * 1000);
	if (k->workers) {
		snprintf(path, sizeof(path), CLASS_DIR "/qpu%d/workers", k->dev);
		snprintf(buf, sizeof(buf), "%u\n", k->workers);
		k->werr = write_file(path, buf, strlen(buf), false);
	}
	snprintf(buf, sizeof(buf), "%d\n", k->dev);
	k->t_del = now_s();
	k->err = write_file(CLASS_DIR "/del_device", buf, strlen(buf), false);
	k->t_done = now_s();
	return NULL;
}

/* How long a removal and an aborted RUN may take, under TCG and load. */
#define HP_PROMPT_S	20.0

/*
 * A long synchronous RUN (2^20 shots of a per-shot circuit: minutes) on our
 * hotplug device while a second thread removes the device (and maybe
 * writes its workers first). del_device must not wait for the run, and the
 * run must end with ENODEV promptly (or have succeeded before the removal).
 */
static void hp_long_run(struct fz_thread *t, struct fz_session *s)
{
	struct hp_killer k = { .dev = s->dev, .delay_ms = below(t, 200) };
	struct qpu_circuit_load l;
	struct qpu_run r;
	uint32_t stride, most;
	pthread_t tid;
	double t_ret;
	int err;

	if (!session_setup(t, s, s->dev, true))
		return;
	load_fill(t, s, &l, true);
	if (fz_ioctl(t, s, s->fd, QPU_IOC_CIRCUIT_LOAD, &l, EM_OK,
		     "CIRCUIT_LOAD (per-shot)"))
		return;
	memset(&r, 0, sizeof(r));
	r.job.circuit = l.handle;
	r.job.shots = QPU_MAX_SHOTS - below(t, 1000);
	r.job.flags = QPU_RUN_SEED;
	r.job.seed = rnd(t);
	r.job.param_buf = s->pbuf;
	r.job.param_stride = 8 * s->nparams;
	r.job.result_buf = s->rbuf;
	stride = slice_size(s->nclbits, r.job.shots, 0);
	r.job.result_stride = stride;
	/* Sometimes several sweeps, as many as both buffers hold (<= 64). */
	most = s->rsize / stride;
	if (most > s->psize / r.job.param_stride)
		most = s->psize / r.job.param_stride;
	if (most > 64)
		most = 64;
	if (most > 1 && chance(t, 50))
		r.job.num_sweeps = 1 + below(t, most);
	if (chance(t, 30))
		k.workers = 1 + below(t, 16);
	if (pthread_create(&tid, NULL, hp_killer_main, &k)) {
		fz_check(t, s, ENOMEM, EM_OK, "pthread_create");
		return;
	}
	err = ioctl(s->fd, QPU_IOC_RUN, &r) < 0 ? errno : 0;
	t_ret = now_s();
	pthread_join(tid, NULL);
	s->dead = true;	/* whoever removed it, it is gone now */
	fz_check(t, s, err, EM_OK | EM(ENODEV), "RUN (long, device removed)");
	atomic_fetch_add(&long_runs, 1);
	if (err == ENODEV)
		atomic_fetch_add(&long_runs_aborted, 1);
	if (k.workers)
		fz_check(t, s, k.werr, EM_OK | EM(ENOENT) | EM(ENODEV),
			 "workers (device being removed)");
	fz_check(t, s, k.err, EM_OK | EM(ENOENT), "del_device (long RUN)");
	if (k.t_done - k.t_del > HP_PROMPT_S)
		fz_fail(t, "del_device took %.1f s with a long RUN on qpu%d",
			k.t_done - k.t_del, s->dev);
	if (err == ENODEV && t_ret - k.t_done > HP_PROMPT_S)
		fz_fail(t, "RUN returned ENODEV %.1f s after del_device qpu%d",
			t_ret - k.t_done, s->dev);
}

static void op_hotplug(struct fz_thread *t)
{
	struct fz_session *s = &t->hp;
	char buf[64];
	unsigned int r = below(t, 100), id;
	int err;

	if (s->fd < 0) {
		id = HP_FIRST + below(t, HP_COUNT);
		snprintf(buf, sizeof(buf), "%u %s\n", id,
			 specs[below(t, ARRAY_LEN(specs) - 1)]);
		err = write_file(CLASS_DIR "/new_device", buf, strlen(buf), false);
		fz_check(t, NULL, err, EM_OK | EM(EEXIST), "new_device (valid)");
		s->dev = id;
		if (!session_setup(t, s, id, true) && s->fd >= 0 && !chance(t, 30))
			session_close(t, s);
		return;
	}
	if (r < 12) {
		/* Remove the device under our open file (and everyone else's). */
		snprintf(buf, sizeof(buf), "%d\n", s->dev);
		err = write_file(CLASS_DIR "/del_device", buf, strlen(buf), false);
		fz_check(t, NULL, err, EM_OK | EM(ENOENT), "del_device (valid)");
		/* Whoever removed it, our file's device is gone now. */
		s->dead = true;
		return;
	}
	if (r < 15 && !s->dead) {
		hp_long_run(t, s);
		return;
	}
	if (s->dead && r < 60) {
		/* After removal, every call fails with ENODEV. */
		struct qpu_info info = { 0 };
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		void *m;

		fz_ioctl(t, NULL, s->fd, QPU_IOC_GET_INFO, &info, EM(ENODEV),
			 "GET_INFO (removed device)");
		m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, s->fd, 1ULL << 32);
		fz_check(t, NULL, m == MAP_FAILED ? errno : 0, EM(ENODEV),
			 "mmap (removed device)");
		if (m != MAP_FAILED)
			munmap(m, PAGE);
		poll(&p, 1, 0);
		fz_count(t, 0);
		if (!(p.revents & POLLERR))
			fz_fail(t, "poll on a removed device: revents %#x",
				p.revents);
		if (chance(t, 50))
			session_close(t, s);
		return;
	}
	if (r < 20 || s->dead) {
		session_close(t, s);
		return;
	}
	op_deep_on(t, s, s->dev, true);
}

/* ---- netlink class ------------------------------------------------------------------ */

/*
 * The "qpu" generic netlink family (kmod/qpu_netlink.c): garbage messages
 * (random commands, attribute types, lengths, nesting and framing), valid
 * requests with one field mutated, valid TENANT_SETs on the fuzzer's own
 * cgroups and harmless ones on its own cgroup and the root, dumps
 * abandoned half way, unprivileged children, CALIB_GET of random devices
 * and epochs (some truncated), audit and events subscribers joining and
 * leaving while the other threads work, and all of it racing device
 * creation and removal (this class's own and the hotplug and sysfs
 * classes') and rmmod. Every request gets an answer: a reply that never
 * comes is a failure.
 */

/* Cgroups: the root, the fuzzer's own, and per thread /qpu-fuzz/tN{,/sub}. */
#define FZ_CG_ROOT	"/sys/fs/cgroup"
static bool cg_ok;
static uint64_t cg_root_id, cg_self_id, cg_thread_id[MAX_THREADS][2];
/* GET_INFO reports QPU_FEAT_TENANTS: limits set are kept and read back. */
static bool tenants_kept;

static uint64_t path_ino(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

static void cgroups_setup(void)
{
	char path[600], buf[512], *nl;
	unsigned int i;
	int fd;
	ssize_t n;

	cg_root_id = path_ino(FZ_CG_ROOT "/cgroup.procs") ?
		     path_ino(FZ_CG_ROOT) : 0;
	if (!cg_root_id)
		return;
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 3 || strncmp(buf, "0::", 3))
		return;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	snprintf(path, sizeof(path), FZ_CG_ROOT "%s", buf + 3);
	cg_self_id = path_ino(path);
	mkdir(FZ_CG_ROOT "/qpu-fuzz", 0755);
	for (i = 0; i < opt_threads; i++) {
		snprintf(path, sizeof(path), FZ_CG_ROOT "/qpu-fuzz/t%u", i);
		mkdir(path, 0755);
		cg_thread_id[i][0] = path_ino(path);
		strcat(path, "/sub");
		mkdir(path, 0755);
		cg_thread_id[i][1] = path_ino(path);
		if (!cg_thread_id[i][0] || !cg_thread_id[i][1])
			return;
	}
	cg_ok = cg_self_id != 0;
}

static void cgroups_cleanup(void)
{
	char path[128];
	unsigned int i;

	if (!cg_root_id)
		return;
	for (i = 0; i < opt_threads; i++) {
		snprintf(path, sizeof(path), FZ_CG_ROOT "/qpu-fuzz/t%u/sub", i);
		rmdir(path);
		snprintf(path, sizeof(path), FZ_CG_ROOT "/qpu-fuzz/t%u", i);
		rmdir(path);
	}
	rmdir(FZ_CG_ROOT "/qpu-fuzz");
}

static void probe_tenants(void)
{
	struct qpu_info info = { 0 };
	int fd = open(QPU0, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	if (!ioctl(fd, QPU_IOC_GET_INFO, &info))
		tenants_kept = info.features & QPU_FEAT_TENANTS;
	close(fd);
}

static void nl_drop(struct fz_thread *t)
{
	nlq_close(t->nl);
	t->nl = NULL;
}

/*
 * The thread's socket, the family resolved now if not yet. NULL when the
 * family is not there (allowed only while the module is away).
 */
static struct nlq *nl_sock(struct fz_thread *t)
{
	uint16_t family;
	int err;

	if (t->nl && t->nl_gen == atomic_load(&mod_gen))
		return t->nl;
	nl_drop(t);
	t->nl_gen = atomic_load(&mod_gen);
	err = nlq_resolve(&family, NULL, NULL);
	if (err) {
		fz_check(t, NULL, -err, EM_OK, "resolve family qpu");
		return NULL;
	}
	t->nl = nlq_open_family(family);
	if (!t->nl)
		fz_check(t, NULL, errno, EM_OK, "netlink socket");
	return t->nl;
}

/*
 * Send the thread's message and check the answer. A stale family id
 * (ENOENT) is allowed once a racing rmmod has reloaded the module; the
 * socket is then resolved again.
 */
static int nl_do(struct fz_thread *t, emask_t allow, const char *what)
{
	struct nlq *q = t->nl;
	int err = -nlq_xfer(q, t->nlm, NULL, NULL);

	if (err == EAGAIN) {
		fz_count(t, err);
		fz_fail(t, "%s: no answer", what);
		nl_drop(t);
		return err;
	}
	if (err == ENOENT && t->nl_gen != atomic_load(&mod_gen)) {
		fz_count(t, err);
		nl_drop(t);
		return err;
	}
	return fz_check(t, NULL, err, allow, what);
}

static uint32_t nl_dev(struct fz_thread *t)
{
	unsigned int r = below(t, 10);

	if (r < 5)
		return 0;
	if (r < 9)
		return HP_FIRST + below(t, HP_COUNT);
	return (uint32_t)boundary(t, 4);
}

/* A cgroup id: mostly the thread's own two, sometimes anything. */
static uint64_t nl_cgroup(struct fz_thread *t, bool *mine)
{
	unsigned int r = below(t, 10);

	*mine = false;
	if (cg_ok && r < 6) {
		*mine = true;
		return cg_thread_id[t->idx][r & 1];
	}
	if (r < 7)
		return cg_self_id;
	if (r < 8)
		return cg_root_id;
	return boundary(t, 8);
}

/* Random attributes, nests up to @depth levels. */
static void nl_garbage_attrs(struct fz_thread *t, struct nlq_msg *m, int depth)
{
	static char data[4096];
	unsigned int i, n = below(t, 8);
	static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16 };
	size_t len, nest;
	uint16_t type;

	for (i = 0; i < n && m->len < 60000; i++) {
		type = chance(t, 80) ? below(t, QPU_A_TENANT_MAX + 3) :
			(uint16_t)rnd(t);
		if (depth > 0 && chance(t, 20)) {
			nest = nlq_nest_start(m, type & NLA_TYPE_MASK);
			if (chance(t, 20))
				((struct nlattr *)(m->buf + nest))->nla_type &=
					~NLA_F_NESTED;
			nl_garbage_attrs(t, m, depth - 1);
			nlq_nest_end(m, nest);
			continue;
		}
		len = chance(t, 90) ? lens[below(t, ARRAY_LEN(lens))] :
			below(t, sizeof(data));
		if (chance(t, 50)) {
			uint64_t v = boundary(t, 8);

			memcpy(data, &v, sizeof(v));
		} else {
			size_t j;

			for (j = 0; j < len && j < 64; j++)
				data[j] = (char)rnd(t);
		}
		nlq_put(m, type, data, len);
	}
}

/*
 * A dump takes a reference on the module: while an rmmod (even one that
 * then fails because a file is open) has the module's count frozen, the
 * dump cannot start (EPROTONOSUPPORT from netlink_dump_start()).
 */
static emask_t nl_dump_racing_rmmod(void)
{
	return class_on[C_MODULE] ? EM(EPROTONOSUPPORT) : 0;
}

static const uint8_t nl_cmds[] = {
	QPU_CMD_UNSPEC, QPU_CMD_DEV_GET, QPU_CMD_TENANT_GET, QPU_CMD_TENANT_SET,
	QPU_CMD_TENANT_DEL, QPU_CMD_CALIB_GET, QPU_CMD_AUDIT_JOB,
	QPU_CMD_EVENT_VERDICT, QPU_CMD_MAX + 1, 0x7f, 0xff,
};

#define EM_NL_ANY	(EM_OK | EM(EINVAL) | EM(ERANGE) | EM(EOPNOTSUPP) | \
			 EM(ENODEV) | EM(ENOENT) | EM(EUSERS) | EM(EMSGSIZE))

/* Garbage: random command, flags, attributes, sometimes broken framing. */
static void nl_garbage(struct fz_thread *t)
{
	struct nlq_msg *m = t->nlm;
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	uint8_t cmd = chance(t, 80) ? nl_cmds[below(t, ARRAY_LEN(nl_cmds))] :
		      (uint8_t)rnd(t);
	uint16_t flags = chance(t, 25) ? NLM_F_DUMP : 0;
	emask_t allow = EM_NL_ANY;
	unsigned int r = below(t, 10);
	bool resv = false;
	int err;

	nlq_msg_init(m, t->nl->family, cmd, flags);
	if (chance(t, 10))
		((struct genlmsghdr *)(m->buf + NLMSG_HDRLEN))->version =
			(uint8_t)rnd(t);
	if (chance(t, 5)) {
		/* Refused before the command is looked up (EINVAL). */
		((struct genlmsghdr *)(m->buf + NLMSG_HDRLEN))->reserved =
			1 + below(t, 0xffff);
		resv = true;
	}
	nl_garbage_attrs(t, m, 3);
	/*
	 * Never a SET or DEL that could pass by chance on a real device:
	 * limits on the cgroups the other classes run in would refuse their
	 * valid calls. The last of duplicate attributes counts.
	 */
	if (cmd == QPU_CMD_TENANT_SET || cmd == QPU_CMD_TENANT_DEL)
		nlq_put_u32(m, QPU_A_TENANT_DEV_ID, HP_FIRST + HP_COUNT);
	if (r == 0) {
		/* Trailing bytes that are not an attribute. */
		memset(m->buf + m->len, 0xee, 3);
		m->len += 3;
	} else if (r == 1 && m->len > NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN) {
		/* An attribute length that runs past the end. */
		((struct nlattr *)(m->buf + NLMSG_HDRLEN + GENL_HDRLEN))->nla_len =
			(uint16_t)(m->len + 8 + below(t, 200));
	} else if (r == 2) {
		/* Too short for the genetlink header (never for nlmsghdr:
		 * the kernel drops those without an answer). */
		m->len = NLMSG_HDRLEN + below(t, GENL_HDRLEN);
		allow = EM(EINVAL);
	}
	nlh->nlmsg_len = (uint32_t)m->len;
	if (!(flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	err = -nlq_xfer_raw(t->nl, m->buf, m->len, true, NULL, NULL);
	if (err == EAGAIN) {
		fz_count(t, err);
		fz_fail(t, "garbage cmd %u: no answer", cmd);
		nl_drop(t);
		return;
	}
	if (err == ENOENT && t->nl_gen != atomic_load(&mod_gen)) {
		fz_count(t, err);
		nl_drop(t);
		return;
	}
	/*
	 * Unknown commands are EOPNOTSUPP, but for a header too short or a
	 * reserved field set (checked from QPU_CMD_DEV_GET on: resv_start_op).
	 */
	if (cmd < QPU_CMD_DEV_GET || cmd > QPU_CMD_MAX)
		allow = r == 2 || (resv && cmd) ? EM(EINVAL) : EM(EOPNOTSUPP);
	else if (resv)
		allow = EM(EINVAL);
	if (flags & NLM_F_DUMP)
		allow |= nl_dump_racing_rmmod();
	fz_check(t, NULL, err, allow, "garbage message");
}

/* One TENANT_SET field, valid or (when @bad) invalid. */
enum nl_field { NF_QUBITS, NF_JOBS, NF_SHOTS, NF_TIME, NF_WEIGHT, NF_LATENCY,
		NF_ISOLATION, NF_NR };

struct nl_set {
	uint32_t mask;		/* NF_* bits given */
	uint64_t qubits, jobs, shots[2], qtime[2];
	uint32_t weight, latency, isolation;
};

static void nl_put_budget(struct nlq_msg *m, uint16_t type, const uint64_t b[2])
{
	size_t n = nlq_nest_start(m, type);

	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, b[0]);
	nlq_put_u64(m, QPU_A_BUDGET_PERIOD, b[1]);
	nlq_nest_end(m, n);
}

/*
 * A valid set of fields. Limits that could refuse the other classes'
 * work only on the thread's own cgroups (no process runs in them);
 * elsewhere only "max" limits, weight and latency.
 */
static void nl_valid_set(struct fz_thread *t, struct nl_set *s, bool mine)
{
	static const uint64_t periods[] = { 0, 1, 60, 3600,
					    QPU_BUDGET_PERIOD_MAX };

	memset(s, 0, sizeof(*s));
	do
		s->mask = below(t, 1u << NF_NR);
	while (!s->mask);
	if (!mine)
		s->mask &= ~(1u << NF_ISOLATION);
	if (!s->mask)
		s->mask = 1u << NF_WEIGHT;
	s->qubits = mine && chance(t, 70) ? below(t, 30) : QPU_UNLIMITED;
	s->jobs = mine && chance(t, 70) ? below(t, 100) : QPU_UNLIMITED;
	s->shots[0] = mine && chance(t, 70) ? boundary(t, 8) : QPU_UNLIMITED;
	s->shots[1] = periods[below(t, ARRAY_LEN(periods))];
	s->qtime[0] = mine && chance(t, 70) ? boundary(t, 8) : QPU_UNLIMITED;
	s->qtime[1] = periods[below(t, ARRAY_LEN(periods))];
	s->weight = chance(t, 30) ? (chance(t, 50) ? QPU_WEIGHT_MIN :
						    QPU_WEIGHT_MAX) :
		    QPU_WEIGHT_MIN + below(t, QPU_WEIGHT_MAX);
	s->latency = below(t, 2);
	s->isolation = below(t, 3);
}

static void nl_put_set(struct nlq_msg *m, const struct nl_set *s)
{
	if (s->mask & (1u << NF_QUBITS))
		nlq_put_u64(m, QPU_A_TENANT_QUBITS_MAX, s->qubits);
	if (s->mask & (1u << NF_JOBS))
		nlq_put_u64(m, QPU_A_TENANT_JOBS_MAX, s->jobs);
	if (s->mask & (1u << NF_SHOTS))
		nl_put_budget(m, QPU_A_TENANT_SHOTS, s->shots);
	if (s->mask & (1u << NF_TIME))
		nl_put_budget(m, QPU_A_TENANT_QPU_TIME, s->qtime);
	if (s->mask & (1u << NF_WEIGHT))
		nlq_put_u32(m, QPU_A_TENANT_WEIGHT, s->weight);
	if (s->mask & (1u << NF_LATENCY))
		nlq_put_u32(m, QPU_A_TENANT_LATENCY, s->latency);
	if (s->mask & (1u << NF_ISOLATION))
		nlq_put_u32(m, QPU_A_TENANT_ISOLATION, s->isolation);
}

/* One invalid field appended to a valid request: EINVAL or ERANGE only. */
static emask_t nl_put_mutation(struct fz_thread *t, struct nlq_msg *m)
{
	uint64_t b[2] = { 10, 10 };
	size_t n;

	switch (below(t, 10)) {
	case 0:
		nlq_put_u32(m, QPU_A_TENANT_WEIGHT, chance(t, 50) ? 0 :
			    QPU_WEIGHT_MAX + 1 + below(t, 1000000));
		return EM(ERANGE);
	case 1:
		nlq_put_u32(m, QPU_A_TENANT_LATENCY, 2 + below(t, 1000));
		return EM(ERANGE);
	case 2:
		nlq_put_u32(m, QPU_A_TENANT_ISOLATION, 3 + (uint32_t)rnd(t) % 0xfffffff0);
		return EM(ERANGE);
	case 3:
		b[1] = QPU_BUDGET_PERIOD_MAX + 1 + below(t, 1000);
		nl_put_budget(m, QPU_A_TENANT_SHOTS, b);
		return EM(ERANGE);
	case 4:
		/* Half a budget. */
		n = nlq_nest_start(m, QPU_A_TENANT_QPU_TIME);
		nlq_put_u64(m, chance(t, 50) ? QPU_A_BUDGET_LIMIT :
			    QPU_A_BUDGET_PERIOD, 5);
		nlq_nest_end(m, n);
		return EM(EINVAL);
	case 5:
		/* A reply-only attribute. */
		nlq_put_u64(m, QPU_A_TENANT_QUBITS_CURRENT + 2 * below(t, 2), 1);
		return EM(EINVAL);
	case 6:
		/* A wrong length. */
		nlq_put(m, QPU_A_TENANT_QUBITS_MAX + 2 * below(t, 2), b,
			1 + below(t, 7));
		return EM(EINVAL);
	case 7:
		nlq_put_u32(m, QPU_A_TENANT_MAX + 1 + below(t, 100), 1);
		return EM(EINVAL);
	case 8:
		/* A budget that is not a nest. */
		nlq_put_u64(m, QPU_A_TENANT_SHOTS, 1);
		return EM(EINVAL);
	default:
		nlq_put_u8(m, QPU_A_TENANT_CONFIGURED, 1);
		return EM(EINVAL);
	}
}

static bool nl_set_matches(const struct nl_set *s, const struct nlq_tenant *g)
{
	return g->configured &&
	       (!(s->mask & (1u << NF_QUBITS)) || g->qubits_max == s->qubits) &&
	       (!(s->mask & (1u << NF_JOBS)) || g->jobs_max == s->jobs) &&
	       (!(s->mask & (1u << NF_SHOTS)) ||
		(g->shots.limit == s->shots[0] && g->shots.period == s->shots[1])) &&
	       (!(s->mask & (1u << NF_TIME)) ||
		(g->qpu_time.limit == s->qtime[0] &&
		 g->qpu_time.period == s->qtime[1])) &&
	       (!(s->mask & (1u << NF_WEIGHT)) || g->weight == s->weight) &&
	       (!(s->mask & (1u << NF_LATENCY)) || g->latency == s->latency) &&
	       (!(s->mask & (1u << NF_ISOLATION)) || g->isolation == s->isolation);
}

/* Note where limits were set, for nl_forget(). */
static void nl_remember(struct fz_thread *t, uint32_t dev, uint64_t cg)
{
	unsigned int i;

	for (i = 0; i < t->nl_nset; i++)
		if (t->nl_set[i].dev == dev && t->nl_set[i].cg == cg)
			return;
	if (t->nl_nset < ARRAY_LEN(t->nl_set)) {
		t->nl_set[t->nl_nset].dev = dev;
		t->nl_set[t->nl_nset++].cg = cg;
	}
}

/*
 * At the end of a round: delete the limits this thread set (records of
 * configured cgroups are objects the tenant core counts, and the round
 * must end with none). Beyond the 16 remembered, a set lands only on the
 * thread's own cgroups, the fuzzer's and the root, deleted here as well.
 */
static void nl_forget(struct fz_thread *t)
{
	uint64_t cgs[4] = { cg_self_id, cg_root_id };
	unsigned int i, j, n = 2;
	uint16_t family;
	struct nlq *q;

	if (!t->nl_nset || nlq_resolve(&family, NULL, NULL))
		goto out;
	q = nlq_open_family(family);
	if (!q)
		goto out;
	for (i = 0; i < t->nl_nset; i++)
		nlq_tenant_del(q, t->nl_set[i].dev, t->nl_set[i].cg);
	if (cg_ok) {
		cgs[n++] = cg_thread_id[t->idx][0];
		cgs[n++] = cg_thread_id[t->idx][1];
	}
	if (t->nl_nset == ARRAY_LEN(t->nl_set))
		for (i = 0; i < 1 + HP_COUNT; i++)
			for (j = 0; j < n; j++)
				nlq_tenant_del(q, i ? HP_FIRST + i - 1 : 0,
					       cgs[j]);
	nlq_close(q);
out:
	t->nl_nset = 0;
}

/* TENANT_SET, valid or with one mutation; read back on qpu0. */
static void nl_tenant_set(struct fz_thread *t)
{
	struct nlq_msg *m = t->nlm;
	struct nlq_tenant got;
	struct nl_set s;
	uint32_t dev = nl_dev(t);
	uint64_t cg;
	bool mine, bad = chance(t, 30);
	emask_t allow;
	int err;

	cg = nl_cgroup(t, &mine);
	nl_valid_set(t, &s, mine);
	nlq_msg_init(m, t->nl->family, QPU_CMD_TENANT_SET, 0);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, dev);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, cg);
	nl_put_set(m, &s);
	if (bad) {
		allow = nl_put_mutation(t, m);
		nl_do(t, allow, "TENANT_SET (one field invalid)");
		return;
	}
	allow = EM_OK | EM(ENODEV) | EM(ENOENT) | EM(EUSERS);
	if (dev == 0 && (mine || cg == cg_self_id || cg == cg_root_id))
		allow = EM_OK | EM(EUSERS);
	err = nl_do(t, allow, "TENANT_SET (valid)");
	if (!err)
		nl_remember(t, dev, cg);
	if (err || !tenants_kept || !mine || dev != 0 || !t->nl)
		return;
	/* Only this thread sets its own cgroups: the values must be there. */
	err = nlq_tenant_get(t->nl, 0, cg, &got);
	if (err == -ENOENT && t->nl_gen != atomic_load(&mod_gen))
		return;
	fz_check(t, NULL, -err, EM_OK, "TENANT_GET (after SET)");
	if (!err && t->nl_gen == atomic_load(&mod_gen) &&
	    !nl_set_matches(&s, &got))
		fz_fail(t, "TENANT_GET after SET: the limits set are not there");
}

static void nl_get_dump(struct fz_thread *t, bool tenant, bool one_dev)
{
	struct nlq_tenant *ts = calloc(64, sizeof(*ts));
	struct nlq_dev *ds = calloc(64, sizeof(*ds));
	struct nlq_list l = { .max = 64, .tenant = tenant };
	uint32_t dev = nl_dev(t);
	int err;

	if (!ts || !ds) {
		free(ts);
		free(ds);
		return;
	}
	if (tenant)
		l.tenants = ts;
	else
		l.devs = ds;
	nlq_msg_init(t->nlm, t->nl->family,
		     tenant ? QPU_CMD_TENANT_GET : QPU_CMD_DEV_GET, NLM_F_DUMP);
	one_dev &= tenant;
	if (one_dev)
		nlq_put_u32(t->nlm, QPU_A_TENANT_DEV_ID, dev);
	((struct nlmsghdr *)t->nlm->buf)->nlmsg_len = (uint32_t)t->nlm->len;
	err = -nlq_xfer_raw(t->nl, t->nlm->buf, t->nlm->len, true,
			    nlq_collect, &l);
	if (err == ENOENT && t->nl_gen != atomic_load(&mod_gen)) {
		fz_count(t, err);
		nl_drop(t);
	} else if (err == EAGAIN) {
		fz_count(t, err);
		fz_fail(t, "dump: no answer");
		nl_drop(t);
	} else {
		fz_check(t, NULL, err, (one_dev ? EM_OK | EM(ENODEV) : EM_OK) |
			 nl_dump_racing_rmmod(),
			 !tenant ? "DEV_GET dump" : one_dev ?
			 "TENANT_GET dump (one device)" : "TENANT_GET dump");
		if (!err && l.other)
			fz_fail(t, "dump: %u replies of another command", l.other);
	}
	free(ts);
	free(ds);
}

/* A dump on a socket of its own, closed after at most a message or two. */
static void nl_dump_abandoned(struct fz_thread *t)
{
	struct nlq *q = nlq_open_family(t->nl->family);
	struct nlq_msg *m = t->nlm;
	char buf[256];
	int i, n = below(t, 3);

	if (!q) {
		fz_check(t, NULL, errno, EM_OK, "netlink socket (dump)");
		return;
	}
	nlq_msg_init(m, q->family, chance(t, 50) ? QPU_CMD_DEV_GET :
		     QPU_CMD_TENANT_GET, NLM_F_DUMP);
	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
	fz_check(t, NULL, send(q->fd, m->buf, m->len, 0) < 0 ? errno : 0,
		 EM_OK, "dump (abandoned)");
	for (i = 0; i < n; i++)
		recv(q->fd, buf, sizeof(buf), MSG_DONTWAIT);
	nlq_close(q);
}

/*
 * An unprivileged child (uid 65534): its own tenant is readable; setting,
 * deleting, reading the thread's cgroups and joining the groups are EPERM.
 * Exit status: 0, or the number of the check that failed; 100 when the
 * family is gone (the module was unloaded).
 */
static int nl_unpriv_child(struct fz_thread *t, uint64_t cg)
{
	struct nlq_tenant got;
	struct nlq_msg *m = t->nlm;
	int audit = -1, events = -1, fd, err, check = 4;
	uint16_t family;
	struct nlq *q;

	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return 1;
	if (nlq_resolve(&family, &audit, &events))
		return 100;
	q = nlq_open_family(family);
	if (!q)
		return 2;
	switch (nlq_tenant_get(q, 0, 0, &got)) {
	case 0:
		break;
	case -ENOENT:
		return 100;
	default:
		return 3;
	}
	if (cg && (err = nlq_tenant_get(q, 0, cg, &got)) != -EPERM)
		goto bad;
	check++;
	if (cg && (err = nlq_tenant_del(q, 0, cg)) != -EPERM)
		goto bad;
	check++;
	nlq_msg_init(m, family, QPU_CMD_TENANT_SET, 0);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, 0);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, cg ? cg : cg_self_id);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 100);
	if ((err = nlq_xfer(q, m, NULL, NULL)) != -EPERM)
		goto bad;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return 7;
	if (!setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &audit,
			sizeof(audit)) ||
	    !setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &events,
			sizeof(events)))
		return 8;
	return 0;
bad:
	/* ENOENT: the family went away with the module (a stale id). */
	if (err == -ENOENT)
		return 100;
	printf(PFX "unprivileged child: check %d: got %s, want EPERM\n", check,
	       errname(-err));
	return check;
}

static void nl_unpriv(struct fz_thread *t)
{
	uint64_t cg = cg_ok ? cg_thread_id[t->idx][below(t, 2)] : 0;
	unsigned int gen = atomic_load(&mod_gen);
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fz_check(t, NULL, errno, EM_OK, "fork (unprivileged netlink)");
		return;
	}
	if (!pid)
		_exit(nl_unpriv_child(t, cg));
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	fz_count(t, st ? EPERM : 0);
	if (!st || (st == 100 && class_on[C_MODULE]))
		return;
	/* A module that went away under the child explains the rest. */
	while (atomic_load(&mod_busy))
		usleep(1000);
	if (gen == atomic_load(&mod_gen) || st == 1)
		fz_fail(t, "unprivileged netlink child: check %d failed", st);
}

/*
 * CALIB_GET, do or dump, of a random device and epoch (absent, recent,
 * anything), or with an attribute cut short (-EINVAL). A valid answer
 * names the device and epoch asked for, and a dump's chunks come in
 * order with one epoch and hash (nlq_calib_get(): -EBADMSG otherwise).
 */
static void nl_calib_get(struct fz_thread *t)
{
	uint32_t dev = nl_dev(t);
	uint64_t epoch = 0;
	bool dump = chance(t, 40);
	struct nlq_calib c;
	emask_t allow;
	int err;

	if (chance(t, 20)) {
		/* Truncated: a u32 or u64 of 0..len-1 bytes. */
		bool ep = chance(t, 50);

		nlq_msg_init(t->nlm, t->nl->family, QPU_CMD_CALIB_GET,
			     dump ? NLM_F_DUMP : 0);
		if (ep)
			nlq_put_u32(t->nlm, QPU_A_CALIB_DEV_ID, dev);
		nlq_put(t->nlm, ep ? QPU_A_CALIB_EPOCH : QPU_A_CALIB_DEV_ID,
			&epoch, below(t, ep ? 8 : 4));
		allow = EM(EINVAL) | (dump ? nl_dump_racing_rmmod() : 0);
		nl_do(t, allow, "CALIB_GET (truncated attribute)");
		return;
	}
	if (chance(t, 70))
		epoch = chance(t, 60) ? 1 + below(t, 40) : boundary(t, 8);
	err = nlq_calib_get(t->nl, dev, epoch, dump, &c);
	free(c.data);
	if (err == -ENOENT && t->nl_gen != atomic_load(&mod_gen)) {
		fz_count(t, ENOENT);
		nl_drop(t);
		return;
	}
	if (err == -EAGAIN) {
		fz_count(t, EAGAIN);
		fz_fail(t, "CALIB_GET: no answer");
		nl_drop(t);
		return;
	}
	/* Only qpu0 always exists; only the current epoch is always kept. */
	allow = EM_OK | (dev ? EM(ENODEV) : 0) | (epoch ? EM(ENOENT) : 0) |
		(dump ? nl_dump_racing_rmmod() : 0);
	fz_check(t, NULL, -err, allow, dump ? "CALIB_GET dump" : "CALIB_GET");
	if (err)
		return;
	if (c.dev_id != dev || (epoch && c.epoch != epoch))
		fz_fail(t, "CALIB_GET of %u epoch %" PRIu64 " answered for %u "
			"epoch %" PRIu64, dev, epoch, c.dev_id, c.epoch);
	if (!dump && (c.oldest > c.epoch || !c.size))
		fz_fail(t, "CALIB_GET: epoch %" PRIu64 ", oldest %" PRIu64
			", size %u", c.epoch, c.oldest, c.size);
	if (dump && !c.len)
		fz_fail(t, "CALIB_GET dump: no content");
}

/*
 * Join "audit" or "events" while the other threads work, read what came
 * (records must parse, and a device's sequence numbers only grow on one
 * socket), and leave by dropping the membership or closing the socket.
 */
static void nl_subscribe(struct fz_thread *t)
{
	struct nlq_rec *r = malloc(sizeof(*r));
	uint64_t last_seq[HP_FIRST + HP_COUNT] = { 0 };
	int audit, events, grp, fd, err, i, n = below(t, 16);
	uint16_t family;

	if (!r)
		return;
	err = nlq_resolve(&family, &audit, &events);
	if (err) {
		/* Only while the module is away. */
		fz_check(t, NULL, -err, class_on[C_MODULE] ? EM_OK | EM(ENOENT) :
			 EM_OK, "resolve groups");
		free(r);
		return;
	}
	grp = chance(t, 70) ? audit : events;
	fd = nlq_sub_open(grp, 0);
	fz_check(t, NULL, fd < 0 ? -fd : 0, EM_OK, "join group");
	if (fd < 0) {
		free(r);
		return;
	}
	for (i = 0; i < n; i++) {
		uint32_t dev;
		uint64_t seq;

		if (recv(fd, r->buf, 1, MSG_DONTWAIT | MSG_PEEK) < 0)
			break;
		err = nlq_rec_recv(fd, r);
		if (err == -ENOBUFS)
			continue;	/* this socket overran: allowed */
		if (err) {
			fz_fail(t, "record on group %d: %s", grp, errname(-err));
			break;
		}
		if (r->cmd < QPU_CMD_AUDIT_LOAD || r->cmd > QPU_CMD_EVENT_VERDICT)
			fz_fail(t, "group %d: message of command %u", grp, r->cmd);
		if (grp != audit || r->cmd == QPU_CMD_EVENT_VERDICT)
			continue;
		dev = nlq_rec_u32(r, QPU_A_AUDIT_DEV_ID);
		seq = nlq_rec_u64(r, QPU_A_AUDIT_SEQ);
		if (!seq)
			fz_fail(t, "audit record %u without a sequence number",
				r->cmd);
		if (dev < ARRAY_LEN(last_seq)) {
			/* A reloaded module starts again from 1. */
			if (seq <= last_seq[dev] && seq != 1)
				fz_fail(t, "qpu%u: audit seq %" PRIu64 " after %"
					PRIu64, dev, seq, last_seq[dev]);
			last_seq[dev] = seq;
		}
	}
	if (chance(t, 50))
		fz_check(t, NULL, setsockopt(fd, SOL_NETLINK,
					     NETLINK_DROP_MEMBERSHIP, &grp,
					     sizeof(grp)) ? errno : 0,
			 EM_OK, "leave group");
	close(fd);
	free(r);
}

/* One op; @r < 78 when only requests without dumps or children may run. */
static void op_netlink_r(struct fz_thread *t, unsigned int r)
{
	uint64_t cg;
	bool mine;
	char buf[64];
	int err;

	if (!t->nlm) {
		t->nlm = malloc(sizeof(*t->nlm));
		if (!t->nlm)
			return;
	}
	if (r < 4) {
		/* Devices come and go under the requests. */
		unsigned int id = HP_FIRST + below(t, HP_COUNT);

		if (chance(t, 50)) {
			snprintf(buf, sizeof(buf), "%u line:%u\n", id,
				 2 + below(t, 8));
			err = write_file(CLASS_DIR "/new_device", buf,
					 strlen(buf), false);
			fz_check(t, NULL, err, EM_OK | EM(EEXIST),
				 "new_device (netlink)");
		} else {
			snprintf(buf, sizeof(buf), "%u\n", id);
			err = write_file(CLASS_DIR "/del_device", buf,
					 strlen(buf), false);
			fz_check(t, NULL, err, EM_OK | EM(ENOENT),
				 "del_device (netlink)");
		}
		return;
	}
	if (!nl_sock(t))
		return;
	if (r < 25) {
		nl_garbage(t);
	} else if (r < 35) {
		uint32_t dev = nl_dev(t);
		struct nlq_dev d;

		err = nlq_dev_get(t->nl, dev, &d);
		if (err == -ENOENT && t->nl_gen != atomic_load(&mod_gen)) {
			fz_count(t, ENOENT);
			nl_drop(t);
			return;
		}
		fz_check(t, NULL, -err, dev ? EM_OK | EM(ENODEV) : EM_OK,
			 "DEV_GET");
		if (!err && d.id != dev)
			fz_fail(t, "DEV_GET %u answered for device %u", dev, d.id);
	} else if (r < 47) {
		uint32_t dev = nl_dev(t);
		struct nlq_tenant got;

		cg = chance(t, 20) ? 0 : nl_cgroup(t, &mine);
		err = nlq_tenant_get(t->nl, dev, cg, &got);
		if (err == -ENOENT && t->nl_gen != atomic_load(&mod_gen)) {
			fz_count(t, ENOENT);
			nl_drop(t);
			return;
		}
		fz_check(t, NULL, -err, EM_OK | EM(ENODEV) | EM(ENOENT),
			 "TENANT_GET");
		if (!err && cg && got.cgroup_id != cg)
			fz_fail(t, "TENANT_GET of %" PRIu64 " answered for %"
				PRIu64, cg, got.cgroup_id);
	} else if (r < 70) {
		nl_tenant_set(t);
	} else if (r < 78) {
		cg = nl_cgroup(t, &mine);
		nlq_msg_init(t->nlm, t->nl->family, QPU_CMD_TENANT_DEL, 0);
		nlq_put_u32(t->nlm, QPU_A_TENANT_DEV_ID, nl_dev(t));
		nlq_put_u64(t->nlm, QPU_A_TENANT_CGROUP_ID, cg);
		nl_do(t, EM_OK | EM(ENODEV) | EM(ENOENT), "TENANT_DEL");
	} else if (r < 88) {
		nl_get_dump(t, chance(t, 60), chance(t, 50));
	} else if (r < 97) {
		nl_dump_abandoned(t);
	} else if (r < 100) {
		nl_unpriv(t);
	} else if (r < 115) {
		nl_calib_get(t);
	} else {
		nl_subscribe(t);
	}
}

static void op_netlink(struct fz_thread *t)
{
	op_netlink_r(t, below(t, 120));
}

/* ---- module class (main thread, between rounds) ------------------------------------------ */

static int load_module(const char *params)
{
	int fd = open(MODULE_KO, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? errno : 0;
	close(fd);
	return ret;
}

static int unload_module_once(void)
{
	return syscall(SYS_delete_module, "qpu", O_NONBLOCK) ? errno : 0;
}

/* Files closed just now may still hold the module for a moment. */
static int unload_module(void)
{
	int err, i;

	for (i = 0; i < 100; i++) {
		err = unload_module_once();
		if (err != EWOULDBLOCK && err != EBUSY)
			return err;
		usleep(20000);
	}
	return err;
}

static bool wait_path(const char *path, bool present)
{
	struct timespec ts = { 0, 20000000L };
	struct stat st;
	int i;

	for (i = 0; i < 250; i++) {
		if ((stat(path, &st) == 0) == present)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/*
 * Every object but devices is back to zero (the round's files are all
 * closed; io_uring may release its file references a little later).
 */
static bool objects_idle(char *why, size_t len)
{
	char line[64], kind[32];
	long v;
	int tries;
	FILE *f;
	bool idle;

	for (tries = 0; tries < 400; tries++) {
		f = fopen(OBJECTS, "r");
		if (!f) {
			snprintf(why, len, "cannot read %s", OBJECTS);
			return true;	/* no debugfs: the harness reports it */
		}
		idle = true;
		why[0] = '\0';
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%31s %ld", kind, &v) == 2 &&
			    strcmp(kind, "devices") && v) {
				idle = false;
				snprintf(why + strlen(why), len - strlen(why),
					 " %s=%ld", kind, v);
			}
		}
		fclose(f);
		if (idle)
			return true;
		usleep(50000);
	}
	return false;
}

static const char *const mod_params[] = {
	"", "nr_devices=0", "nr_devices=3 topology=grid:2x2", "topology=line:5",
	"nr_devices=2 topology=heavyhex:7", "nr_devices=64 topology=line:3",
};

static const char *const bad_mod_params[] = {
	"nr_devices=65", "nr_devices=-1", "topology=bogus", "topology=line:0",
	"nr_devices=abc", "topology=grid:1000x1000", "nr_devices=99999999999",
};

/* One rmmod/insmod cycle, with nothing of ours open. */
static void op_module(struct fz_thread *t)
{
	int err, fd;

	t->cls = C_MODULE;
	/* An open file pins the module. */
	fd = open(QPU0, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		err = unload_module_once();
		fz_check(t, NULL, err, EM(EWOULDBLOCK) | EM(EBUSY),
			 "rmmod with /dev/qpu0 open");
		close(fd);
	}
	err = unload_module();
	fz_check(t, NULL, err, EM_OK, "rmmod");
	if (err)
		return;
	if (chance(t, 60)) {
		err = load_module(bad_mod_params[below(t, ARRAY_LEN(bad_mod_params))]);
		fz_check(t, NULL, err, EM_OK | EM(EINVAL) | EM(ENOENT) | EM(E2BIG) |
			 EM(ERANGE), "insmod (bad parameters)");
		if (!err) {
			err = unload_module();
			fz_check(t, NULL, err, EM_OK, "rmmod");
		}
	}
	if (chance(t, 60)) {
		err = load_module(mod_params[below(t, ARRAY_LEN(mod_params))]);
		fz_check(t, NULL, err, EM_OK, "insmod");
		if (!err) {
			fd = open(QPU0, O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				struct qpu_info info = { 0 };

				fz_ioctl(t, NULL, fd, QPU_IOC_GET_INFO, &info, EM_OK,
					 "GET_INFO (reloaded)");
				close(fd);
			}
			err = unload_module();
			fz_check(t, NULL, err, EM_OK, "rmmod");
		}
	}
	err = load_module("");
	fz_check(t, NULL, err, EM_OK, "insmod (defaults)");
	if (!wait_path(QPU0, true))
		fz_fail(t, "%s missing after insmod", QPU0);
}

static const char *const race_mod_params[] = {
	"", "", "nr_devices=3",
};

static void thread_teardown(struct fz_thread *t);
static void close_race_slots(void);
static bool bpf_detach(unsigned int ms);
static void op_sysfs(struct fz_thread *t);

/*
 * What the other threads do while a module op drains: close their files,
 * then only sysfs (new_device, del_device, workers, ...) and open /dev/qpu0,
 * GET_INFO, close -- racing rmmod and insmod, which can now succeed.
 */
static void op_drained(struct fz_thread *t)
{
	struct qpu_info info = { 0 };
	int fd, err;

	if (t->s.fd >= 0 || t->hp.fd >= 0 || t->bare >= 0 || t->ring_ok)
		thread_teardown(t);
	if (chance(t, 60)) {
		t->cls = C_SYSFS;
		op_sysfs(t);
		return;
	}
	if (class_on[C_NETLINK] && chance(t, 30)) {
		/* Requests racing the family's removal and registration. */
		t->cls = C_NETLINK;
		op_netlink_r(t, below(t, 78));
		return;
	}
	t->cls = C_MODULE;
	fd = open(QPU0, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	fz_check(t, NULL, err, EM_OK, "open (racing rmmod)");
	if (fd < 0)
		return;
	fz_ioctl(t, NULL, fd, QPU_IOC_GET_INFO, &info, EM_OK,
		 "GET_INFO (racing rmmod)");
	close(fd);
}

/*
 * rmmod from a worker thread while the others open files, run jobs, write
 * new_device/del_device and workers: it fails (EAGAIN, EBUSY) while any
 * file is open, so this thread closes its own first and tries a few
 * times. When it works, the module is loaded again at once (qpu0 as
 * before: the others' sessions rely on its topology).
 */
static void op_module_race(struct fz_thread *t)
{
	bool drain = chance(t, 25);
	unsigned int i, tries = drain ? 100 : 1 + below(t, 8);
	int err = EAGAIN;

	if (pthread_mutex_trylock(&mod_lock)) {
		fz_count(t, 0);
		return;
	}
	if (drain || chance(t, 70))
		thread_teardown(t);
	t->cls = C_MODULE;
	t->in_module = true;
	atomic_fetch_add(&mod_busy, 1);
	if (drain) {
		atomic_store(&mod_drain, true);
		close_race_slots();
		/* the policy's map holds the module too */
		if (class_on[C_BPF])
			bpf_detach(2000);
	}
	for (i = 0; i < tries; i++) {
		err = unload_module_once();
		if (!err)
			atomic_fetch_add(&mod_gen, 1);
		fz_check(t, NULL, err, EM_OK | EM(EWOULDBLOCK) | EM(EBUSY),
			 "rmmod (racing)");
		if (!err)
			break;
		usleep(drain ? 2000 : 1000 * below(t, 5));
	}
	if (!err) {
		atomic_fetch_add(&mod_unloads, 1);
		err = load_module(race_mod_params[below(t, ARRAY_LEN(race_mod_params))]);
		fz_check(t, NULL, err, EM_OK, "insmod (racing)");
		if (!err && !wait_path(QPU0, true))
			fz_fail(t, "%s missing after insmod (racing)", QPU0);
		/*
		 * Again once it is back: an op that began between the rmmod
		 * and here (devices gone, mod_gen already bumped) must see a
		 * generation other than its own, or its ENOENT counts as a
		 * failure.
		 */
		atomic_fetch_add(&mod_gen, 1);
	}
	atomic_store(&mod_drain, false);
	atomic_fetch_sub(&mod_busy, 1);
	t->in_module = false;
	pthread_mutex_unlock(&mod_lock);
}

/* ---- bpf class: a policy that denies at random -------------------------------------------- */

/*
 * Does qpu0 show a policy? A module that is gone holds none; a qpu0 that
 * is gone (sysfs class) tells nothing, so count that as yes.
 */
static bool bpf_visible(void)
{
	char buf[64];
	ssize_t n;
	int fd = open(CLASS_DIR "/qpu0/policy", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return !access(MODULE_DIR, F_OK);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n < 0 || (n > 0 && buf[0] != '\n');
}

/* Wait up to @ms for our closed policy to go; true once it has. */
static bool bpf_settle_locked(unsigned int ms)
{
	struct timespec ts = { 0, 5000000L };

	if (!bpf_lingering)
		return true;
	for (;;) {
		if (!bpf_visible()) {
			bpf_lingering = false;
			atomic_fetch_add(&bpf_gen, 1);
			atomic_store(&bpf_deny_on, false);
			return true;
		}
		if (ms < 5)
			return false;
		ms -= 5;
		nanosleep(&ts, NULL);
	}
}

/*
 * Detach our policy, if attached, counting what it saw, and wait up to
 * @ms for it to be gone. bpf_lock held.
 */
static void bpf_detach_locked(unsigned int ms)
{
	struct probe_state *bss;
	unsigned int k;

	if (bpf_on) {
		bss = qpu_policy_data(&bpf_pol, ".bss", NULL);
		if (bss) {
			for (k = 0; k < ARRAY_LEN(bss->nr_admit); k++)
				atomic_fetch_add(&bpf_admits, bss->nr_admit[k]);
			atomic_fetch_add(&bpf_denials, bss->nr_denied);
		}
		qpu_policy_close(&bpf_pol);
		bpf_on = false;
		bpf_lingering = true;
		atomic_fetch_add(&bpf_gen, 1);
	}
	bpf_settle_locked(ms);
}

/*
 * A child forked while the policy is attached would share its link and
 * keep it attached after our detach, until it exits: forks wait for
 * bpf_lock, and the child closes its copy of the link at once.
 */
static void bpf_fork_prepare(void)
{
	pthread_mutex_lock(&bpf_lock);
}

static void bpf_fork_parent(void)
{
	pthread_mutex_unlock(&bpf_lock);
}

static void bpf_fork_child(void)
{
	if (bpf_on && bpf_pol.link)
		close(bpf_link__fd(bpf_pol.link));
	pthread_mutex_unlock(&bpf_lock);
}

/* Detach and wait for it to be gone; true if it went within @ms. */
static bool bpf_detach(unsigned int ms)
{
	bool gone;

	pthread_mutex_lock(&bpf_lock);
	bpf_detach_locked(ms);
	gone = !bpf_lingering;
	pthread_mutex_unlock(&bpf_lock);
	return gone;
}

/*
 * Attach the probe policy with random_deny 2..8 (it denies one admission
 * in that many), or detach it. Attaching must work, unless the module
 * class may have unloaded the module (then libbpf finds no qpu_bpf_ops
 * type, or the link fails as the module goes).
 */
static void op_bpf(struct fz_thread *t)
{
	struct probe_state *bss;
	int err;

	t->cls = C_BPF;
	if (pthread_mutex_trylock(&bpf_lock)) {
		fz_count(t, 0);
		return;
	}
	if (bpf_on) {
		bpf_detach_locked(100);
		fz_check(t, NULL, 0, EM_OK, "policy detach");
		pthread_mutex_unlock(&bpf_lock);
		return;
	}
	/* the last one still holds the slot: attaching would be -EBUSY */
	if (!bpf_settle_locked(0)) {
		fz_count(t, 0);
		pthread_mutex_unlock(&bpf_lock);
		return;
	}
	atomic_store(&bpf_deny_on, true);
	atomic_fetch_add(&bpf_gen, 1);
	err = qpu_policy_open(&bpf_pol, policy_probe_bpf,
			      policy_probe_bpf_end - policy_probe_bpf);
	if (!err) {
		/* in the initial value: it denies from its first admission */
		bss = qpu_policy_data(&bpf_pol, ".bss", NULL);
		if (bss)
			bss->random_deny = 2 + below(t, 7);
		else
			fz_fail(t, "policy without a .bss");
		err = qpu_policy_attach(&bpf_pol);
	}
	if (!err) {
		bpf_on = true;
		atomic_fetch_add(&bpf_attaches, 1);
	} else {
		if (bpf_pol.obj)
			qpu_policy_close(&bpf_pol);
		atomic_fetch_add(&bpf_gen, 1);
		atomic_store(&bpf_deny_on, false);
	}
	fz_check(t, NULL, err < 0 ? -err : err,
		 class_on[C_MODULE] ? EM_ANY : EM_OK, "policy attach");
	pthread_mutex_unlock(&bpf_lock);
}

/* After a round: the module is loaded (a racing insmod may have failed). */
static void ensure_module(struct fz_thread *mt)
{
	int err;

	if (!access(QPU0, F_OK))
		return;
	mt->cls = C_MODULE;
	err = load_module("");
	fz_check(mt, NULL, err, EM_OK | EM(EEXIST), "insmod (end of round)");
	if (!wait_path(QPU0, true))
		fz_fail(mt, "%s missing at the end of a round", QPU0);
}

/* ---- threads and rounds ------------------------------------------------------------------ */

static uint64_t thread_calls(const struct fz_thread *t)
{
	uint64_t n = 0;
	int c;

	for (c = 0; c < C_NR; c++)
		n += t->calls[c];
	return n;
}

static int pick_class(struct fz_thread *t)
{
	unsigned int total = 0, r;
	int c;

	for (c = 0; c < C_NR; c++)
		if (class_on[c])
			total += class_weight[c];
	if (!total)
		return -1;
	r = below(t, total);
	for (c = 0; c < C_NR; c++) {
		if (!class_on[c])
			continue;
		if (r < class_weight[c])
			return c;
		r -= class_weight[c];
	}
	return -1;
}

static void thread_teardown(struct fz_thread *t)
{
	t->cls = C_DEEP;
	ring_exit(t);
	session_close(t, &t->s);
	session_close(t, &t->hp);
	if (t->bare >= 0)
		close(t->bare);
	t->bare = -1;
	nl_drop(t);
	nl_forget(t);
}

static void *thread_main(void *arg)
{
	struct fz_thread *t = arg;
	uint64_t start = thread_calls(t), idle = 0;
	int c;

	while (thread_calls(t) - start < t->budget) {
		uint64_t before = thread_calls(t);

		c = pick_class(t);
		if (c < 0)
			break;
		t->cls = c;
		t->seq++;
		t->op_gen = atomic_load(&mod_gen);
		t->bpf_gen = atomic_load(&bpf_gen);
		t->bpf_was = atomic_load(&bpf_deny_on);
		if (atomic_load(&mod_drain) && c != C_MODULE) {
			op_drained(t);
			c = -1;
		}
		switch (c) {
		case C_IOCTL: op_ioctl(t); break;
		case C_DEEP: op_deep(t); break;
		case C_MMAP: op_mmap(t); break;
		case C_URING: op_uring(t); break;
		case C_POLL: op_poll(t); break;
		case C_RACE: op_race(t); break;
		case C_KILL: op_kill(t); break;
		case C_SYSFS: op_sysfs(t); break;
		case C_HOTPLUG: op_hotplug(t); break;
		case C_MODULE: op_module_race(t); break;
		case C_NETLINK: op_netlink(t); break;
		case C_BPF: op_bpf(t); break;
		default: break;
		}
		/* Ops that make no call (a skipped case) must not spin. */
		if (thread_calls(t) != before)
			idle = 0;
		else if (++idle > 100000)
			break;
	}
	thread_teardown(t);
	return NULL;
}

static void read_qpu0_topology(void)
{
	struct qpu_topology tp = { .num_edges = ARRAY_LEN(qpu0_edges) };
	struct qpu_info info = { 0 };
	int fd = open(QPU0, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	tp.edges_ptr = (uintptr_t)qpu0_edges;
	if (!ioctl(fd, QPU_IOC_GET_INFO, &info))
		qpu0_nqubits = info.num_qubits;
	if (!ioctl(fd, QPU_IOC_GET_TOPOLOGY, &tp))
		qpu0_nedges = tp.num_edges;
	close(fd);
}

/* Remove the hotplug devices a round left behind. */
static void remove_hotplug_devices(void)
{
	char buf[16];
	int id;

	for (id = HP_FIRST; id < HP_FIRST + HP_COUNT; id++) {
		snprintf(buf, sizeof(buf), "%d\n", id);
		write_file(CLASS_DIR "/del_device", buf, strlen(buf), false);
	}
}

static void close_race_slots(void)
{
	int i, fd;

	for (i = 0; i < RACE_SLOTS; i++) {
		fd = atomic_exchange(&race_slot[i], -1);
		if (fd >= 0)
			close(fd);
	}
}

static void usage(FILE *f)
{
	int c;

	fprintf(f, "usage: qpu-fuzz [--seed N] [--calls N] [--threads N] "
		"[--rounds N] [--classes LIST|all] [--verbose] [--list]\n"
		"classes:");
	for (c = 0; c < C_NR; c++)
		fprintf(f, " %s", class_names[c]);
	fprintf(f, "\n");
}

static bool parse_classes(const char *list)
{
	char *copy = strdup(list), *w, *save = NULL;
	int c;
	bool found;

	memset(class_on, 0, sizeof(class_on));
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "all")) {
			for (c = 0; c < C_NR; c++)
				class_on[c] = true;
			continue;
		}
		found = false;
		for (c = 0; c < C_NR; c++) {
			if (!strcmp(w, class_names[c])) {
				class_on[c] = found = true;
				break;
			}
		}
		if (!found) {
			fprintf(stderr, "qpu-fuzz: unknown class '%s'\n", w);
			free(copy);
			return false;
		}
	}
	free(copy);
	return true;
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (!*s || *end) {
		fprintf(stderr, "qpu-fuzz: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_summary(struct fz_thread *th, unsigned int n, double secs,
			  const struct fz_thread *mt)
{
	uint64_t calls[C_NR] = { 0 }, hist[C_NR][MAX_ERRNO + 1];
	uint64_t total = 0, ok = 0, fails = atomic_load(&total_failures);
	unsigned int i;
	int c, e;

	memset(hist, 0, sizeof(hist));
	for (i = 0; i <= n; i++) {
		const struct fz_thread *t = i < n ? &th[i] : mt;

		for (c = 0; c < C_NR; c++) {
			calls[c] += t->calls[c];
			for (e = 0; e <= MAX_ERRNO; e++)
				hist[c][e] += t->hist[c][e];
		}
	}
	printf(PFX "%-8s %10s %10s  errno histogram\n", "class", "calls", "ok");
	for (c = 0; c < C_NR; c++) {
		char line[1024];
		size_t len = 0;

		if (!calls[c])
			continue;
		line[0] = '\0';
		for (e = 1; e <= MAX_ERRNO && len + 32 < sizeof(line); e++)
			if (hist[c][e])
				len += snprintf(line + len, sizeof(line) - len,
						" %s:%" PRIu64, e == MAX_ERRNO ?
						"other" : errname(e), hist[c][e]);
		printf(PFX "%-8s %10" PRIu64 " %10" PRIu64 " %s\n", class_names[c],
		       calls[c], hist[c][0], line);
		total += calls[c];
		ok += hist[c][0];
	}
	if (opt_verbose) {
		static struct fz_name all[MAX_NAMES];
		unsigned int k, j;

		for (i = 0; i <= n; i++) {
			const struct fz_thread *t = i < n ? &th[i] : mt;

			for (k = 0; k < MAX_NAMES && t->names[k].name; k++) {
				for (j = 0; j < MAX_NAMES && all[j].name; j++)
					if (!strcmp(all[j].name, t->names[k].name))
						break;
				if (j == MAX_NAMES)
					continue;
				all[j].name = t->names[k].name;
				all[j].calls += t->names[k].calls;
				all[j].ok += t->names[k].ok;
			}
		}
		printf(PFX "checked calls by name (calls, ok):\n");
		for (j = 0; j < MAX_NAMES && all[j].name; j++)
			printf(PFX "  %-32s %10" PRIu64 " %10" PRIu64 "\n",
			       all[j].name, all[j].calls, all[j].ok);
	}
	if (class_on[C_MODULE] || class_on[C_HOTPLUG])
		printf(PFX "races: %" PRIu64 " racing rmmods unloaded the module; "
		       "%" PRIu64 " long RUNs under del_device, %" PRIu64
		       " aborted (ENODEV)\n", atomic_load(&mod_unloads),
		       atomic_load(&long_runs), atomic_load(&long_runs_aborted));
	if (class_on[C_BPF])
		printf(PFX "bpf: %" PRIu64 " policies attached, %" PRIu64
		       " admissions seen, %" PRIu64 " denied\n",
		       atomic_load(&bpf_attaches), atomic_load(&bpf_admits),
		       atomic_load(&bpf_denials));
	printf(PFX "total: %" PRIu64 " calls (%" PRIu64 " ok) in %.1f s, "
	       "%.0f calls/s, seed %" PRIu64 ", %u threads\n", total, ok, secs,
	       secs > 0 ? total / secs : 0.0, opt_seed, opt_threads);
	printf(PFX "result: %s: %" PRIu64 " calls, %" PRIu64 " failures, seed %"
	       PRIu64 "\n", fails ? "FAIL" : "PASS", total, fails, opt_seed);
}

int main(int argc, char **argv)
{
	static struct fz_thread th[MAX_THREADS], mt;
	uint64_t per_round;
	unsigned int i, round;
	double t0;
	bool reload = false;
	char why[256];
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_classes("all");
	for (i = 1; i < (unsigned int)argc; i++) {
		const char *a = argv[i], *v = i + 1 < (unsigned int)argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--list")) {
			for (c = 0; c < C_NR; c++)
				printf("%s\n", class_names[c]);
			return 0;
		} else if (!strcmp(a, "--verbose")) {
			opt_verbose = true;
			continue;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(a, "--seed"))
			opt_seed = parse_u64(v);
		else if (!strcmp(a, "--calls"))
			opt_calls = parse_u64(v);
		else if (!strcmp(a, "--threads"))
			opt_threads = parse_u64(v);
		else if (!strcmp(a, "--rounds"))
			opt_rounds = parse_u64(v);
		else if (!strcmp(a, "--classes")) {
			if (!parse_classes(v))
				return 2;
		} else {
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (!opt_threads || opt_threads > MAX_THREADS) {
		fprintf(stderr, "qpu-fuzz: --threads 1..%d\n", MAX_THREADS);
		return 2;
	}
	if (access(MODULE_KO, R_OK) && class_on[C_MODULE]) {
		printf(PFX "no %s: module class off\n", MODULE_KO);
		class_on[C_MODULE] = false;
	}
	/* No BTF, no BPF struct_ops: the debug kernel has no hook to fuzz. */
	if (access("/sys/kernel/btf/vmlinux", F_OK) && class_on[C_BPF]) {
		printf(PFX "kernel without BTF: bpf class off\n");
		class_on[C_BPF] = false;
	}
	if (!opt_rounds)
		opt_rounds = 1 + opt_calls / 25000;
	if (opt_rounds > opt_calls)
		opt_rounds = opt_calls ? opt_calls : 1;
	per_round = opt_calls / opt_rounds;

	/* Children killed by SIGKILL are expected; broken pipes are not fatal. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < RACE_SLOTS; i++)
		atomic_store(&race_slot[i], -1);
	read_qpu0_topology();
	/* libbpf's warnings (a module gone under an attach) stay quiet */
	qpu_policy_quiet(1);
	if (class_on[C_BPF] &&
	    pthread_atfork(bpf_fork_prepare, bpf_fork_parent, bpf_fork_child)) {
		fprintf(stderr, "qpu-fuzz: pthread_atfork failed\n");
		return 2;
	}
	if (class_on[C_NETLINK]) {
		cgroups_setup();
		probe_tenants();
	}

	printf(PFX "seed %" PRIu64 ", %" PRIu64 " calls, %u threads, %u rounds, "
	       "classes:", opt_seed, opt_calls, opt_threads, opt_rounds);
	for (c = 0; c < C_NR; c++)
		if (class_on[c])
			printf(" %s", class_names[c]);
	printf("\n");

	mt.idx = -1;
	mt.rng.s = mix64(opt_seed ^ 0x6d6f64756c65ULL);
	for (i = 0; i < opt_threads; i++) {
		th[i].idx = i;
		th[i].bare = -1;
		session_reset(&th[i].s);
		session_reset(&th[i].hp);
		mem_init(&th[i]);
	}
	t0 = now_s();
	for (round = 0; round < opt_rounds; round++) {
		for (i = 0; i < opt_threads; i++) {
			struct fz_thread *t = &th[i];

			t->rng.s = mix64(opt_seed ^ mix64(((uint64_t)round << 32) | i));
			t->budget = per_round / opt_threads +
				    (i < per_round % opt_threads);
			if (pthread_create(&t->tid, NULL, thread_main, t)) {
				perror("qpu-fuzz: pthread_create");
				return 2;
			}
		}
		for (i = 0; i < opt_threads; i++)
			pthread_join(th[i].tid, NULL);
		close_race_slots();
		/* every round ends, and the module ops find it, detached */
		if (class_on[C_BPF] && !bpf_detach(5000)) {
			mt.cls = C_BPF;
			fz_fail(&mt, "round %u: policy still attached 5 s after "
				"its link was closed, every file closed", round);
		}
		if (class_on[C_MODULE])
			ensure_module(&mt);
		if (class_on[C_HOTPLUG] || class_on[C_SYSFS])
			remove_hotplug_devices();
		if (!objects_idle(why, sizeof(why))) {
			mt.cls = C_DEEP;
			fz_fail(&mt, "round %u: objects left with every file "
				"closed:%s", round, why);
		}
		if (class_on[C_MODULE])
			op_module(&mt);
		if (opt_verbose)
			printf(PFX "round %u done, %.1f s\n", round, now_s() - t0);
	}
	/* Leave the module as the harness loaded it (sysfs changed qpu0). */
	reload = class_on[C_SYSFS] || class_on[C_MODULE];
	if (reload && !access(MODULE_KO, R_OK)) {
		mt.cls = C_MODULE;
		if (!objects_idle(why, sizeof(why)))
			fz_fail(&mt, "objects left at the end:%s", why);
		fz_check(&mt, NULL, unload_module(), EM_OK, "rmmod (final)");
		fz_check(&mt, NULL, load_module(""), EM_OK, "insmod (final)");
		if (!wait_path(QPU0, true))
			fz_fail(&mt, "%s missing after the final insmod", QPU0);
	}
	if (class_on[C_NETLINK])
		cgroups_cleanup();
	print_summary(th, opt_threads, now_s() - t0, &mt);
	for (i = 0; i < opt_threads; i++)
		mem_fini(&th[i]);
	return atomic_load(&total_failures) ? 1 : 0;
}
