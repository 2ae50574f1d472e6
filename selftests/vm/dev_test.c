// SPDX-License-Identifier: GPL-2.0
/*
 * dev_test.c - /dev/qpu0 as a device: open and close, QPU_IOC_GET_INFO and
 * QPU_IOC_GET_TOPOLOGY, and the ABI conventions every ioctl shares
 * (uapi/linux/qpu.h): unknown numbers fail with ENOTTY; a struct smaller
 * than the first version with EINVAL; a larger one is accepted when its
 * tail is zero and fails with E2BIG otherwise; non-zero flags, reserved
 * and pad fields fail with EINVAL; bad argument pointers with EFAULT. The
 * sysfs coupling_map file must list the same edges as GET_TOPOLOGY.
 *
 * The convention tests are table driven: for each ioctl of the ABI a
 * setup function builds a valid argument on a fresh file, a base call
 * proves it valid, and one field or the size is then made bad. Numbers
 * past the table are expected to be unknown: a new ioctl needs a row.
 */
#include <stddef.h>
#include <termios.h>

#include <libqpu.h>

#include "vm_util.h"

/* IBM's 27-qubit Falcon coupling map, which heavyhex:27 is. */
static const struct qpu_edge falcon27[QPU0_NUM_EDGES] = {
	{ 0, 1 }, { 1, 2 }, { 1, 4 }, { 2, 3 }, { 3, 5 }, { 4, 7 },
	{ 5, 8 }, { 6, 7 }, { 7, 10 }, { 8, 9 }, { 8, 11 }, { 10, 12 },
	{ 11, 14 }, { 12, 13 }, { 12, 15 }, { 13, 14 }, { 14, 16 },
	{ 15, 18 }, { 16, 19 }, { 17, 18 }, { 18, 21 }, { 19, 20 },
	{ 19, 22 }, { 21, 23 }, { 22, 25 }, { 23, 24 }, { 24, 25 },
	{ 25, 26 },
};

#define EDGE_POISON	0xa5a5a5a5U

static void poison_edges(struct qpu_edge *e, size_t n)
{
	memset(e, 0xa5, n * sizeof(*e));
}

static void assert_edges_poisoned(const struct qpu_edge *e, size_t from,
				  size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (e[i].a != EDGE_POISON || e[i].b != EDGE_POISON)
			QT_FAIL("edge slot %zu was written: (%u, %u)", i,
				e[i].a, e[i].b);
}

static int get_topology(int fd, uint32_t cap, uint64_t ptr,
			struct qpu_topology *t)
{
	memset(t, 0, sizeof(*t));
	t->num_edges = cap;
	t->edges_ptr = ptr;
	return qpu_ioc(fd, QPU_IOC_GET_TOPOLOGY, t);
}

QPU_TEST(open_close)
{
	struct qpu_objs before, open1, after;
	int fd, fd2;

	read_objs(&before);
	fd = open_dev();
	read_objs(&open1);
	QT_ASSERT_EQ(open1.contexts, before.contexts + 1);
	/* A second open is a second context; read-only opens work too. */
	fd2 = open(QPU0_PATH, O_RDONLY | O_CLOEXEC);
	QT_ASSERT_GE(fd2, 0);
	close_ok(fd2);
	close_ok(fd);
	read_objs(&after);
	assert_objs_eq(&after, &before);

	QT_ASSERT_ERRNO(open("/dev/qpu63", O_RDWR), ENOENT);
}

QPU_TEST(get_info_fields)
{
	const uint64_t known = QPU_FEAT_ALLOC | QPU_FEAT_CALIBRATION |
			       QPU_FEAT_RUN | QPU_FEAT_ASYNC |
			       QPU_FEAT_TENANTS | QPU_FEAT_AUDIT | QPU_FEAT_NOISE |
			       QPU_FEAT_SOURCE |
			       (policy_hook_expected() ? QPU_FEAT_POLICY : 0);
	struct qpu_info info;
	int fd = open_dev();

	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.flags, 0);
	QT_ASSERT_EQ(info.api_version, QPU_API_VERSION);
	QT_ASSERT_EQ(info.api_version, 6);
	QT_ASSERT_EQ(info.features & ~(known | QPU_FEAT_POLICY), 0);
	QT_ASSERT_EQ(info.features & known, known);
	QT_ASSERT_EQ(info.dev_id, 0);
	QT_ASSERT_EQ(info.topology, QPU_TOPO_HEAVYHEX);
	QT_ASSERT_EQ(info.num_qubits, QPU0_NUM_QUBITS);
	QT_ASSERT_EQ(info.num_edges, QPU0_NUM_EDGES);
	QT_ASSERT_EQ(info.max_ctx_qubits, dev_attr_u32(0, "max_ctx_qubits"));
	QT_ASSERT(info.max_ctx_qubits >= 1 &&
		  info.max_ctx_qubits <= QPU0_NUM_QUBITS);
	QT_ASSERT_EQ(info.free_qubits, QPU0_NUM_QUBITS);
	QT_ASSERT_GE(info.calibration_epoch, 1);
	QT_ASSERT_EQ(info.calibration_epoch, dev_attr_u64(0, "calibration_epoch"));
	QT_ASSERT(!strcmp(info.topology_name, QPU0_TOPOLOGY));
	QT_ASSERT(info.max_sim_qubits >= 1 &&
		  info.max_sim_qubits <= QPU_MAX_SIM_QUBITS);
	QT_ASSERT_EQ(info.max_sim_qubits, dev_attr_u32(0, "max_sim_qubits"));
	QT_ASSERT_EQ(info.max_gates, dev_attr_u32(0, "max_gates"));
	QT_ASSERT(info.max_gates >= 1 && info.max_gates <= QPU_MAX_GATES);
	QT_ASSERT_EQ(info.pad | info.pad2, 0);
	QT_ASSERT_EQ(info.reserved[0] | info.reserved[1], 0);
	close_ok(fd);
}

/* Output fields carry no input: garbage in them changes nothing. */
QPU_TEST(get_info_ignores_output_fields)
{
	struct qpu_info clean, dirty;
	int fd = open_dev();
	size_t len;

	get_info_ok(fd, &clean);
	memset(&dirty, 0xff, sizeof(dirty));
	dirty.flags = 0;
	dirty.pad = 0;
	dirty.pad2 = 0;
	memset(dirty.reserved, 0, sizeof(dirty.reserved));
	QT_ASSERT_OK(ioctl(fd, QPU_IOC_GET_INFO, &dirty));
	/* The name is NUL-terminated; what follows the NUL is unspecified. */
	len = strnlen(dirty.topology_name, sizeof(dirty.topology_name));
	QT_ASSERT_LT(len, sizeof(dirty.topology_name));
	memset(dirty.topology_name + len, 0, sizeof(dirty.topology_name) - len);
	QT_ASSERT(!memcmp(&clean, &dirty, sizeof(clean)));
	close_ok(fd);
}

QPU_TEST(get_info_tracks_free_qubits)
{
	struct qpu_info info;
	int fd = open_dev();
	uint32_t h;

	assert_qpu0_idle(fd);
	h = alloc_ok(fd, 3, NULL);
	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.free_qubits, QPU0_NUM_QUBITS - 3);
	free_ok(fd, h);
	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.free_qubits, QPU0_NUM_QUBITS);
	close_ok(fd);
}

QPU_TEST(get_info_libqpu)
{
	struct qpu_info raw, lib;
	struct qpu_edge *edges;
	struct qpu_dev *dev;
	uint32_t n;
	int fd = open_dev();

	QT_ASSERT_EQ(qpu_open(QPU0_PATH, &dev), 0);
	get_info_ok(fd, &raw);
	QT_ASSERT_EQ(qpu_get_info(dev, &lib), 0);
	QT_ASSERT(!memcmp(&raw, &lib, sizeof(raw)));
	QT_ASSERT(!strcmp(qpu_topology_kind_name(lib.topology), "heavyhex"));
	QT_ASSERT_EQ(qpu_get_topology(dev, &edges, &n), 0);
	QT_ASSERT_EQ(n, QPU0_NUM_EDGES);
	QT_ASSERT(!memcmp(edges, falcon27, sizeof(falcon27)));
	free(edges);
	qpu_close(dev);
	QT_ASSERT_EQ(qpu_open("/dev/qpu63", &dev), -ENOENT);
	close_ok(fd);
}

QPU_TEST(topology_count_query)
{
	static const uint32_t caps[] = { 0, 1, 28, 1000, UINT32_MAX };
	struct qpu_topology t;
	size_t i;
	int fd = open_dev();

	for (i = 0; i < ARRAY_LEN(caps); i++) {
		QT_ASSERT_EQ(get_topology(fd, caps[i], 0, &t), 0);
		QT_ASSERT_EQ(t.num_edges, QPU0_NUM_EDGES);
	}
	close_ok(fd);
}

QPU_TEST(topology_exact_fill)
{
	struct qpu_edge e[QPU0_NUM_EDGES + 8];
	struct qpu_topology t;
	int fd = open_dev();

	/* Capacity exactly the need: filled, nothing written past it. */
	poison_edges(e, ARRAY_LEN(e));
	QT_ASSERT_EQ(get_topology(fd, QPU0_NUM_EDGES, (uintptr_t)e, &t), 0);
	QT_ASSERT_EQ(t.num_edges, QPU0_NUM_EDGES);
	assert_edges_sorted(e, QPU0_NUM_EDGES, QPU0_NUM_QUBITS);
	QT_ASSERT(!memcmp(e, falcon27, sizeof(falcon27)));
	assert_edges_poisoned(e, QPU0_NUM_EDGES, ARRAY_LEN(e));

	/* More room than needed: the count says how much was used. */
	poison_edges(e, ARRAY_LEN(e));
	QT_ASSERT_EQ(get_topology(fd, ARRAY_LEN(e), (uintptr_t)e, &t), 0);
	QT_ASSERT_EQ(t.num_edges, QPU0_NUM_EDGES);
	QT_ASSERT(!memcmp(e, falcon27, sizeof(falcon27)));
	assert_edges_poisoned(e, QPU0_NUM_EDGES, ARRAY_LEN(e));
	close_ok(fd);
}

QPU_TEST(topology_enospc)
{
	static const uint32_t caps[] = { 0, 1, QPU0_NUM_EDGES - 1 };
	struct qpu_edge e[QPU0_NUM_EDGES];
	struct qpu_topology t;
	size_t i;
	int fd = open_dev();

	for (i = 0; i < ARRAY_LEN(caps); i++) {
		poison_edges(e, ARRAY_LEN(e));
		QT_ASSERT_EQ(get_topology(fd, caps[i], (uintptr_t)e, &t), -ENOSPC);
		/* Written back on failure: the need. */
		QT_ASSERT_EQ(t.num_edges, QPU0_NUM_EDGES);
		assert_edges_poisoned(e, 0, ARRAY_LEN(e));
	}
	close_ok(fd);
}

QPU_TEST(topology_efault)
{
	const size_t len = QPU0_NUM_EDGES * sizeof(struct qpu_edge);
	char *g = map_guarded();
	void *ro = map_page_with(PROT_READ, NULL, 0);
	const uint64_t bad[] = {
		1,				/* unmapped */
		(uintptr_t)guard_of(g),		/* PROT_NONE */
		(uintptr_t)(guard_of(g) - len / 2),	/* crosses into it */
		(uintptr_t)ro,			/* read-only */
		KERNEL_ADDR,			/* not user memory */
	};
	struct qpu_topology t;
	size_t i;
	int fd = open_dev();

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		QT_ASSERT_EQ(get_topology(fd, QPU0_NUM_EDGES, bad[i], &t), -EFAULT);
		QT_ASSERT_EQ(t.num_edges, QPU0_NUM_EDGES);
	}
	/* Ending exactly at the guard page is fine. */
	QT_ASSERT_EQ(get_topology(fd, QPU0_NUM_EDGES,
				  (uintptr_t)(guard_of(g) - len), &t), 0);
	QT_ASSERT(!memcmp(guard_of(g) - len, falcon27, len));
	close_ok(fd);
}

/* ---- the ABI conventions, over every ioctl ------------------------------ */

/* A one-qubit circuit: H then measure into classical bit 0. */
static const struct qpu_gate hm_gates[] = {
	{ .op = QPU_OP_H },
	{ .op = QPU_OP_MEASURE, .cbit = 0 },
};

static void fill_circuit_load(struct qpu_circuit_load *l, uint32_t alloc)
{
	memset(l, 0, sizeof(*l));
	l->alloc = alloc;
	l->num_qubits = 1;
	l->num_clbits = 1;
	l->num_gates = ARRAY_LEN(hm_gates);
	l->gates_ptr = (uintptr_t)hm_gates;
}

static uint32_t load_circuit_ok(int fd)
{
	struct qpu_circuit_load l;
	int ret;

	fill_circuit_load(&l, alloc_ok(fd, 1, NULL));
	ret = qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, &l);
	if (ret)
		QT_FAIL("CIRCUIT_LOAD: %s (error %u at %u)", strerror(-ret),
			l.error, l.error_index);
	return l.handle;
}

static uint32_t create_buffer_ok(int fd, uint64_t size)
{
	struct qpu_buffer_create b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.size = size;
	ret = qpu_ioc(fd, QPU_IOC_BUFFER_CREATE, &b);
	if (ret)
		QT_FAIL("BUFFER_CREATE: %s", strerror(-ret));
	return b.handle;
}

/* Setups: make @arg (zeroed, large enough) a valid argument on @fd. */
static void setup_zero(int fd, void *arg)
{
	(void)fd;
	(void)arg;
}

static void setup_alloc(int fd, void *arg)
{
	(void)fd;
	((struct qpu_alloc *)arg)->num_qubits = 1;
}

static void setup_free(int fd, void *arg)
{
	((struct qpu_free *)arg)->handle = alloc_ok(fd, 1, NULL);
}

static void setup_alloc_query(int fd, void *arg)
{
	((struct qpu_alloc *)arg)->handle = alloc_ok(fd, 1, NULL);
}

static void setup_circuit_load(int fd, void *arg)
{
	fill_circuit_load(arg, alloc_ok(fd, 1, NULL));
}

static void setup_circuit_free(int fd, void *arg)
{
	((struct qpu_circuit_free *)arg)->handle = load_circuit_ok(fd);
}

static void setup_buffer_create(int fd, void *arg)
{
	(void)fd;
	((struct qpu_buffer_create *)arg)->size = 4096;
}

static void setup_buffer_destroy(int fd, void *arg)
{
	((struct qpu_buffer_destroy *)arg)->handle = create_buffer_ok(fd, 4096);
}

static void fill_job(int fd, struct qpu_job_desc *job)
{
	job->circuit = load_circuit_ok(fd);
	job->shots = 1;
	job->result_buf = create_buffer_ok(fd, 4096);
}

static void setup_run(int fd, void *arg)
{
	fill_job(fd, &((struct qpu_run *)arg)->job);
}

static void setup_submit(int fd, void *arg)
{
	fill_job(fd, &((struct qpu_submit *)arg)->job);
}

static uint32_t submit_ok(int fd)
{
	struct qpu_submit s;
	int ret;

	memset(&s, 0, sizeof(s));
	fill_job(fd, &s.job);
	ret = qpu_ioc(fd, QPU_IOC_SUBMIT, &s);
	if (ret)
		QT_FAIL("SUBMIT: %s", strerror(-ret));
	return s.job_id;
}

static void setup_wait(int fd, void *arg)
{
	struct qpu_wait *w = arg;

	w->job_id = submit_ok(fd);
	w->timeout_ns = -1;
}

static void setup_cancel(int fd, void *arg)
{
	((struct qpu_cancel *)arg)->job_id = submit_ok(fd);
}

/**
 * struct zero_field - a field that must be zero, and a value to plant in it
 * @name: for messages
 * @off: byte offset in the struct
 * @len: 4 or 8
 * @val: non-zero value that makes the call invalid
 */
struct zero_field {
	const char *name;
	size_t off;
	size_t len;
	uint64_t val;
};

#define ZF(type, field, v) \
	{ #field, offsetof(type, field), sizeof(((type *)0)->field), v }
/* An unknown flag bit, and any non-zero value for reserved and pad. */
#define FLAGS(type, field)	ZF(type, field, 0x80000000U)
#define RSVD(type, field)	ZF(type, field, 1)

/**
 * struct ioc_case - one ioctl of the ABI
 * @name: for messages
 * @cmd: its number as published
 * @setup: builds a valid argument
 * @also_ok: an errno that a valid call may also end with (CANCEL of a job
 *	that completed first: EALREADY), or 0
 * @zero: fields that must be zero (terminated by a NULL name)
 */
struct ioc_case {
	const char *name;
	unsigned long cmd;
	void (*setup)(int fd, void *arg);
	int also_ok;
	struct zero_field zero[8];
};

static const struct ioc_case ioc_cases[] = {
	{ "GET_INFO", QPU_IOC_GET_INFO, setup_zero, 0, {
		FLAGS(struct qpu_info, flags),
		RSVD(struct qpu_info, reserved[0]),
		RSVD(struct qpu_info, reserved[1]),
		RSVD(struct qpu_info, pad2),
	} },
	{ "GET_TOPOLOGY", QPU_IOC_GET_TOPOLOGY, setup_zero, 0, {
		FLAGS(struct qpu_topology, flags),
		RSVD(struct qpu_topology, reserved[0]),
		RSVD(struct qpu_topology, reserved[1]),
	} },
	{ "ALLOC", QPU_IOC_ALLOC, setup_alloc, 0, {
		FLAGS(struct qpu_alloc, flags),
		RSVD(struct qpu_alloc, reserved),
	} },
	{ "FREE", QPU_IOC_FREE, setup_free, 0, {
		FLAGS(struct qpu_free, flags),
		RSVD(struct qpu_free, reserved[0]),
		RSVD(struct qpu_free, reserved[1]),
	} },
	{ "ALLOC_QUERY", QPU_IOC_ALLOC_QUERY, setup_alloc_query, 0, {
		FLAGS(struct qpu_alloc, flags),
		RSVD(struct qpu_alloc, hint_ptr),
		RSVD(struct qpu_alloc, num_hint),
		RSVD(struct qpu_alloc, reserved),
	} },
	{ "CIRCUIT_LOAD", QPU_IOC_CIRCUIT_LOAD, setup_circuit_load, 0, {
		FLAGS(struct qpu_circuit_load, flags),
		RSVD(struct qpu_circuit_load, reserved[0]),
		RSVD(struct qpu_circuit_load, pad2),
		RSVD(struct qpu_circuit_load, pad),
		RSVD(struct qpu_circuit_load, pad3),
		RSVD(struct qpu_circuit_load, route_seed),
		RSVD(struct qpu_circuit_load, route_swaps),
	} },
	{ "CIRCUIT_FREE", QPU_IOC_CIRCUIT_FREE, setup_circuit_free, 0, {
		FLAGS(struct qpu_circuit_free, flags),
		RSVD(struct qpu_circuit_free, reserved[0]),
		RSVD(struct qpu_circuit_free, reserved[1]),
	} },
	{ "BUFFER_CREATE", QPU_IOC_BUFFER_CREATE, setup_buffer_create, 0, {
		FLAGS(struct qpu_buffer_create, flags),
		RSVD(struct qpu_buffer_create, reserved[0]),
		RSVD(struct qpu_buffer_create, reserved[1]),
	} },
	{ "BUFFER_DESTROY", QPU_IOC_BUFFER_DESTROY, setup_buffer_destroy, 0, {
		FLAGS(struct qpu_buffer_destroy, flags),
		RSVD(struct qpu_buffer_destroy, reserved[0]),
		RSVD(struct qpu_buffer_destroy, reserved[1]),
	} },
	{ "RUN", QPU_IOC_RUN, setup_run, 0, {
		FLAGS(struct qpu_run, job.flags),
		RSVD(struct qpu_run, job.pad),
		RSVD(struct qpu_run, job.crosstalk_offset),
		RSVD(struct qpu_run, job.provenance_offset),
		RSVD(struct qpu_run, reserved[0]),
		RSVD(struct qpu_run, reserved[1]),
	} },
	{ "SUBMIT", QPU_IOC_SUBMIT, setup_submit, 0, {
		FLAGS(struct qpu_submit, job.flags),
		RSVD(struct qpu_submit, job.pad),
		RSVD(struct qpu_submit, job.crosstalk_offset),
		RSVD(struct qpu_submit, job.provenance_offset),
		RSVD(struct qpu_submit, reserved[0]),
		RSVD(struct qpu_submit, reserved[1]),
	} },
	{ "WAIT", QPU_IOC_WAIT, setup_wait, 0, {
		FLAGS(struct qpu_wait, flags),
		RSVD(struct qpu_wait, reserved[0]),
		RSVD(struct qpu_wait, reserved[1]),
	} },
	{ "CANCEL", QPU_IOC_CANCEL, setup_cancel, EALREADY, {
		FLAGS(struct qpu_cancel, flags),
		RSVD(struct qpu_cancel, reserved[0]),
		RSVD(struct qpu_cancel, reserved[1]),
	} },
	{ "GET_REFUSAL", QPU_IOC_GET_REFUSAL, setup_zero, 0, {
		FLAGS(struct qpu_get_refusal, flags),
		RSVD(struct qpu_get_refusal, pad),
		RSVD(struct qpu_get_refusal, reserved[0]),
		RSVD(struct qpu_get_refusal, reserved[1]),
	} },
};

/* The first published size of an ioctl's struct: the smallest accepted. */
static size_t ver0_size(unsigned long cmd)
{
	static const size_t ver0[] = {
		[_IOC_NR(QPU_IOC_GET_INFO)] = QPU_INFO_SIZE_VER0,
		[_IOC_NR(QPU_IOC_GET_TOPOLOGY)] = QPU_TOPOLOGY_SIZE_VER0,
		[_IOC_NR(QPU_IOC_ALLOC)] = QPU_ALLOC_SIZE_VER0,
		[_IOC_NR(QPU_IOC_FREE)] = QPU_FREE_SIZE_VER0,
		[_IOC_NR(QPU_IOC_ALLOC_QUERY)] = QPU_ALLOC_SIZE_VER0,
		[_IOC_NR(QPU_IOC_CIRCUIT_LOAD)] = QPU_CIRCUIT_LOAD_SIZE_VER0,
		[_IOC_NR(QPU_IOC_CIRCUIT_FREE)] = QPU_CIRCUIT_FREE_SIZE_VER0,
		[_IOC_NR(QPU_IOC_BUFFER_CREATE)] = QPU_BUFFER_CREATE_SIZE_VER0,
		[_IOC_NR(QPU_IOC_BUFFER_DESTROY)] = QPU_BUFFER_DESTROY_SIZE_VER0,
		[_IOC_NR(QPU_IOC_RUN)] = QPU_RUN_SIZE_VER0,
		[_IOC_NR(QPU_IOC_SUBMIT)] = QPU_SUBMIT_SIZE_VER0,
		[_IOC_NR(QPU_IOC_WAIT)] = QPU_WAIT_SIZE_VER0,
		[_IOC_NR(QPU_IOC_CANCEL)] = QPU_CANCEL_SIZE_VER0,
		[_IOC_NR(QPU_IOC_GET_REFUSAL)] = QPU_GET_REFUSAL_SIZE_VER0,
	};

	return ver0[_IOC_NR(cmd)];
}

/* Argument space: the largest size an ioctl number can encode. */
#define ARG_SPACE	(1U << _IOC_SIZEBITS)

static uint64_t arg_buf[ARG_SPACE / 8];

static void plant(void *arg, const struct zero_field *z)
{
	uint32_t v32 = (uint32_t)z->val;

	if (z->len == 4)
		memcpy((char *)arg + z->off, &v32, 4);
	else
		memcpy((char *)arg + z->off, &z->val, 8);
}

/*
 * Call @c on a fresh file with a valid argument, after planting @z (if not
 * NULL) and, with @dirty_tail, a non-zero last byte; the ioctl number
 * carries @size. The file is closed again, releasing what setup made.
 * Return: 0 or -errno.
 */
static int case_call(const struct ioc_case *c, size_t size,
		     const struct zero_field *z, bool dirty_tail)
{
	int fd = open_dev(), ret;

	memset(arg_buf, 0, sizeof(arg_buf));
	c->setup(fd, arg_buf);
	if (z)
		plant(arg_buf, z);
	if (dirty_tail)
		((unsigned char *)arg_buf)[size - 1] = 0x5a;
	ret = qpu_ioc(fd, ioc_resize(c->cmd, size), arg_buf);
	close_ok(fd);
	return ret;
}

/* A valid call's result: success, also when it ended with @c->also_ok. */
static int valid_ret(const struct ioc_case *c, int ret)
{
	return c->also_ok && ret == -c->also_ok ? 0 : ret;
}

/* Mismatches are listed, then fail the test together. */
static int mismatches;

static const char *err_name(int ret)
{
	return ret ? strerror(-ret) : "success";
}

static void expect_ret(int got, int want, const char *what, size_t size,
		       const char *detail)
{
	if (got == want)
		return;
	printf("# %s (size %zu%s%s): got %s, want %s\n", what, size,
	       detail ? ", " : "", detail ? detail : "", err_name(got),
	       err_name(want));
	mismatches++;
}

static void end_mismatches(void)
{
	if (mismatches)
		QT_FAIL("%d mismatches (listed above)", mismatches);
}

/* Every setup is valid: the base the other table tests stand on. */
QPU_TEST(ioctl_valid_args_accepted)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(ioc_cases); i++) {
		const struct ioc_case *c = &ioc_cases[i];

		expect_ret(valid_ret(c, case_call(c, _IOC_SIZE(c->cmd), NULL,
						  false)),
			   0, c->name, _IOC_SIZE(c->cmd), NULL);
	}
	end_mismatches();
}

QPU_TEST(ioctl_unknown_enotty)
{
	static const unsigned int magics[] = { 0x00, 'T', QPU_IOC_MAGIC - 1,
					       QPU_IOC_MAGIC + 1, 0xff };
	unsigned int nr, i;
	char what[64];
	int fd = open_dev();

	/* Wrong magic, with numbers and sizes of real qpu ioctls. */
	for (i = 0; i < ARRAY_LEN(magics); i++) {
		for (nr = 0; nr < ARRAY_LEN(ioc_cases); nr++) {
			unsigned long c = ioc_cases[nr].cmd;
			unsigned long cmd = _IOC(_IOC_DIR(c), magics[i],
						 _IOC_NR(c), _IOC_SIZE(c));

			memset(arg_buf, 0, sizeof(arg_buf));
			snprintf(what, sizeof(what), "magic %#x nr %u",
				 magics[i], (unsigned int)_IOC_NR(c));
			expect_ret(qpu_ioc(fd, cmd, arg_buf), -ENOTTY, what,
				   _IOC_SIZE(c), NULL);
		}
	}
	/* Numbers past the last ioctl, in every direction. */
	for (nr = ARRAY_LEN(ioc_cases); nr < 256; nr++) {
		for (i = 0; i < 4; i++) {
			memset(arg_buf, 0, sizeof(arg_buf));
			snprintf(what, sizeof(what), "nr %u dir %u", nr, i);
			expect_ret(qpu_ioc(fd, _IOC(i, QPU_IOC_MAGIC, nr, 64),
					   arg_buf),
				   -ENOTTY, what, 64, NULL);
		}
	}
	/* Plain terminal and file ioctls mean nothing here either. */
	QT_ASSERT_ERRNO(ioctl(fd, TCGETS, arg_buf), ENOTTY);
	close_ok(fd);
	end_mismatches();
}

QPU_TEST(ioctl_wrong_direction_enotty)
{
	unsigned int dir;
	size_t i;
	int fd = open_dev();

	for (i = 0; i < ARRAY_LEN(ioc_cases); i++) {
		unsigned long c = ioc_cases[i].cmd;

		for (dir = 0; dir < 4; dir++) {
			if (dir == _IOC_DIR(c))
				continue;
			memset(arg_buf, 0, sizeof(arg_buf));
			expect_ret(qpu_ioc(fd, _IOC(dir, QPU_IOC_MAGIC,
						    _IOC_NR(c), _IOC_SIZE(c)),
					   arg_buf),
				   -ENOTTY, ioc_cases[i].name, _IOC_SIZE(c),
				   dir == _IOC_NONE ? "dir none" :
				   dir == _IOC_READ ? "dir read" :
				   dir == _IOC_WRITE ? "dir write" : "dir rw");
		}
	}
	close_ok(fd);
	end_mismatches();
}

QPU_TEST(ioctl_struct_too_small_einval)
{
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(ioc_cases); i++) {
		size_t v0 = ver0_size(ioc_cases[i].cmd);
		const size_t sizes[] = { 0, 1, 8, v0 / 2, v0 - 8, v0 - 1 };

		for (j = 0; j < ARRAY_LEN(sizes); j++)
			expect_ret(case_call(&ioc_cases[i], sizes[j], NULL, false),
				   -EINVAL, ioc_cases[i].name, sizes[j], NULL);
	}
	end_mismatches();
}

QPU_TEST(ioctl_struct_larger_zero_tail)
{
	static const size_t extra[] = { 1, 4, 8, 64, 4096 };
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(ioc_cases); i++) {
		const struct ioc_case *c = &ioc_cases[i];
		size_t ksize = _IOC_SIZE(c->cmd);

		for (j = 0; j < ARRAY_LEN(extra); j++)
			expect_ret(valid_ret(c, case_call(c, ksize + extra[j],
							  NULL, false)),
				   0, c->name, ksize + extra[j], NULL);
		expect_ret(valid_ret(c, case_call(c, ARG_SPACE - 1, NULL, false)),
			   0, c->name, ARG_SPACE - 1, NULL);
	}
	end_mismatches();
}

/* Output stops at the struct this kernel knows: a zero tail stays zero. */
QPU_TEST(ioctl_larger_struct_tail_untouched)
{
	const size_t size = sizeof(struct qpu_info) + 64;
	unsigned char *p = (unsigned char *)arg_buf;
	struct qpu_info info;
	size_t i;
	int fd = open_dev();

	memset(arg_buf, 0, sizeof(arg_buf));
	QT_ASSERT_OK(ioctl(fd, ioc_resize(QPU_IOC_GET_INFO, size), arg_buf));
	get_info_ok(fd, &info);
	QT_ASSERT(!memcmp(p, &info, sizeof(info)));
	for (i = sizeof(info); i < size + 64; i++)
		QT_ASSERT_EQ(p[i], 0);
	close_ok(fd);
}

QPU_TEST(ioctl_struct_nonzero_tail_e2big)
{
	static const size_t extra[] = { 1, 8, 64, 4096 };
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(ioc_cases); i++) {
		size_t ksize = _IOC_SIZE(ioc_cases[i].cmd);

		for (j = 0; j < ARRAY_LEN(extra); j++)
			expect_ret(case_call(&ioc_cases[i], ksize + extra[j],
					     NULL, true),
				   -E2BIG, ioc_cases[i].name, ksize + extra[j],
				   NULL);
		expect_ret(case_call(&ioc_cases[i], ARG_SPACE - 1, NULL, true),
			   -E2BIG, ioc_cases[i].name, ARG_SPACE - 1, NULL);
	}
	end_mismatches();
}

QPU_TEST(ioctl_flags_reserved_einval)
{
	const struct zero_field *z;
	size_t i;

	for (i = 0; i < ARRAY_LEN(ioc_cases); i++) {
		size_t ksize = _IOC_SIZE(ioc_cases[i].cmd);

		for (z = ioc_cases[i].zero; z->name; z++)
			expect_ret(case_call(&ioc_cases[i], ksize, z, false),
				   -EINVAL, ioc_cases[i].name, ksize, z->name);
	}
	end_mismatches();
}

/*
 * qpu_info.pad: "Fields named reserved or pad ... must be zero, or the
 * call fails with -EINVAL" (uapi/linux/qpu.h, conventions).
 */
QPU_TEST(get_info_nonzero_pad_einval)
{
	struct qpu_info info;
	int fd = open_dev();

	memset(&info, 0, sizeof(info));
	info.pad = 1;
	QT_ASSERT_ERRNO(ioctl(fd, QPU_IOC_GET_INFO, &info), EINVAL);
	/* pad2 (reserved before v6) too; max_gates is output only */
	memset(&info, 0, sizeof(info));
	info.pad2 = 1;
	QT_ASSERT_ERRNO(ioctl(fd, QPU_IOC_GET_INFO, &info), EINVAL);
	close_ok(fd);
}

QPU_TEST(ioctl_bad_arg_efault)
{
	char *g = map_guarded();
	size_t i, j;
	int fd = open_dev();

	for (i = 0; i < ARRAY_LEN(ioc_cases); i++) {
		unsigned long c = ioc_cases[i].cmd;
		size_t size = _IOC_SIZE(c);
		void *bad[] = {
			NULL,
			(void *)1,
			guard_of(g),
			guard_of(g) - size / 2,
			(void *)(uintptr_t)KERNEL_ADDR,
		};

		for (j = 0; j < ARRAY_LEN(bad); j++) {
			char what[64];

			snprintf(what, sizeof(what), "%s arg %p",
				 ioc_cases[i].name, bad[j]);
			expect_ret(qpu_ioc(fd, c, bad[j]), -EFAULT, what, size,
				   NULL);
		}
	}
	close_ok(fd);
	end_mismatches();
}

/*
 * The struct is copied back for _IOWR ioctls: from a read-only argument
 * they fail with EFAULT, and a call that would have created something
 * (an allocation, circuit, buffer or job) leaves nothing behind, since
 * userspace never learned its handle. WAIT is exempt from the second
 * part: the job it reaps is gone either way. _IOW ioctls write nothing
 * back and work from read-only memory.
 */
QPU_TEST(ioctl_readonly_arg)
{
	struct qpu_objs before, after;
	size_t i;

	for (i = 0; i < ARRAY_LEN(ioc_cases); i++) {
		const struct ioc_case *c = &ioc_cases[i];
		size_t size = _IOC_SIZE(c->cmd);
		int fd = open_dev(), ret;
		void *ro;

		memset(arg_buf, 0, sizeof(arg_buf));
		c->setup(fd, arg_buf);
		read_objs(&before);
		ro = map_page_with(PROT_READ, arg_buf, size);
		ret = qpu_ioc(fd, c->cmd, ro);
		if (_IOC_DIR(c->cmd) & _IOC_READ) {
			expect_ret(ret, -EFAULT, c->name, size, "read-only");
			read_objs(&after);
			if (c->cmd != QPU_IOC_WAIT &&
			    memcmp(&after, &before, sizeof(after))) {
				printf("# %s: a read-only argument left objects "
				       "behind\n", c->name);
				mismatches++;
			}
		} else {
			expect_ret(valid_ret(c, ret), 0, c->name, size,
				   "read-only");
		}
		munmap(ro, sysconf(_SC_PAGESIZE));
		close_ok(fd);
	}
	end_mismatches();
}

/* ---- sysfs coupling_map against GET_TOPOLOGY ---------------------------- */

#define EDGE_RECLEN	10

/* The coupling_map text that @e (m edges) must produce. */
static char *coupling_map_text(const struct qpu_edge *e, uint32_t m)
{
	char *text = malloc((size_t)m * EDGE_RECLEN + 1);
	uint32_t i;

	QT_ASSERT(text != NULL);
	for (i = 0; i < m; i++)
		snprintf(text + (size_t)i * EDGE_RECLEN, EDGE_RECLEN + 1,
			 "%4u %4u\n", e[i].a, e[i].b);
	text[(size_t)m * EDGE_RECLEN] = '\0';
	return text;
}

QPU_TEST(coupling_map_matches_topology)
{
	struct qpu_edge *e;
	char path[128], *want, *got;
	unsigned int a, b;
	uint32_t m, i;
	size_t len;
	int fd = open_dev();

	e = get_edges_ok(fd, &m);
	QT_ASSERT_EQ(m, QPU0_NUM_EDGES);
	got = read_all_ok(attr_path(path, sizeof(path), 0, "coupling_map"), &len);
	QT_ASSERT_EQ(len, (size_t)m * EDGE_RECLEN);
	/* Parse independently of the expected text, record by record. */
	for (i = 0; i < m; i++) {
		const char *r = got + (size_t)i * EDGE_RECLEN;
		int n = 0;

		QT_ASSERT_EQ(r[4], ' ');
		QT_ASSERT_EQ(r[9], '\n');
		QT_ASSERT_EQ(sscanf(r, "%4u %4u%n", &a, &b, &n), 2);
		QT_ASSERT_EQ(n, 9);
		QT_ASSERT_EQ(a, e[i].a);
		QT_ASSERT_EQ(b, e[i].b);
	}
	want = coupling_map_text(e, m);
	QT_ASSERT(!strcmp(got, want));
	free(want);
	free(got);
	free(e);
	close_ok(fd);
}

QPU_TEST(coupling_map_pread_offsets)
{
	struct qpu_edge *e;
	char path[128], *want;
	uint32_t m;
	int fd = open_dev();

	e = get_edges_ok(fd, &m);
	want = coupling_map_text(e, m);
	assert_pread_slices(attr_path(path, sizeof(path), 0, "coupling_map"),
			    want, (size_t)m * EDGE_RECLEN);
	free(want);
	free(e);
	close_ok(fd);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
