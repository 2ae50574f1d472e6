/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm_util.h - helpers shared by the VM selftests (selftests/vm/).
 *
 *  - paths of /dev/qpuN and /sys/class/qpu/qpuN/ATTR, opening devices;
 *  - sysfs text files: read whole, read one decimal, write (-errno), and
 *    pread() at every offset of a fixed-record file;
 *  - memory for hostile pointers (guard pages, read-only pages);
 *  - the debugfs object counters (/sys/kernel/debug/qpu/objects);
 *  - raw ioctl wrappers returning 0 or -errno, for hostile input;
 *  - runtime device creation and removal (new_device, del_device);
 *  - a small graph model of a coupling map (connectivity, region edges);
 *  - children: fork, wait, pipes, and run_with_cleanup(), which runs a
 *    test body in a child so that global state (devices, tunables, the
 *    module) is restored even when an assertion ends the body.
 *  - circuits, buffers and runs through the raw ioctls: gate builders,
 *    CIRCUIT_LOAD, mapped buffers, RUN and the result slice layout.
 *
 * Everything here is static inline so each test file uses what it needs.
 * Helpers named assert_* or ending in _ok fail the test on error; the
 * others return -errno.
 */
#ifndef QPU_VM_UTIL_H
#define QPU_VM_UTIL_H

#include <ctype.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>

#include <linux/qpu.h>

#include "qpu_test.h"

/* The device the module creates at load with default parameters. */
#define QPU0_ID			0
#define QPU0_PATH		"/dev/qpu0"
#define QPU0_NUM_QUBITS		27
#define QPU0_NUM_EDGES		28
#define QPU0_TOPOLOGY		"heavyhex:27"

#define QPU_CLASS_DIR		"/sys/class/qpu"
#define QPU_NEW_DEVICE		QPU_CLASS_DIR "/new_device"
#define QPU_DEL_DEVICE		QPU_CLASS_DIR "/del_device"
#define QPU_OBJECTS		"/sys/kernel/debug/qpu/objects"
#define QPU_MODULE_DIR		"/sys/module/qpu"

#define ARRAY_LEN(a)		(sizeof(a) / sizeof((a)[0]))

/* ---- paths and devices ------------------------------------------------ */

static inline const char *dev_path(char *buf, size_t len, unsigned int id)
{
	snprintf(buf, len, "/dev/qpu%u", id);
	return buf;
}

static inline const char *attr_path(char *buf, size_t len, unsigned int id,
				    const char *attr)
{
	snprintf(buf, len, QPU_CLASS_DIR "/qpu%u/%s", id, attr);
	return buf;
}

static inline bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Open /dev/qpu@id read-write: the fd, or -errno. */
static inline int open_dev_id(unsigned int id)
{
	char path[64];
	int fd = open(dev_path(path, sizeof(path), id), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Open /dev/qpu@id; fail the test if that is impossible. */
static inline int open_dev_id_ok(unsigned int id)
{
	int fd = open_dev_id(id);

	if (fd < 0)
		QT_FAIL("open /dev/qpu%u: %s", id, strerror(-fd));
	return fd;
}

static inline int open_dev(void)
{
	return open_dev_id_ok(QPU0_ID);
}

static inline void close_ok(int fd)
{
	if (close(fd))
		QT_FAIL("close(%d): %s", fd, strerror(errno));
}

/* Poll (20 ms steps) until @path exists (@present) or not; true on success. */
static inline bool wait_for_path(const char *path, bool present, int timeout_ms)
{
	const struct timespec step = { 0, 20 * 1000 * 1000 };
	int waited;

	for (waited = 0; ; waited += 20) {
		if (path_exists(path) == present)
			return true;
		if (waited >= timeout_ms)
			return false;
		nanosleep(&step, NULL);
	}
}

/* ---- files and sysfs -------------------------------------------------- */

/*
 * Read all of @path into @buf (at most @size - 1 bytes, NUL-terminated).
 * Return: the bytes read, or -errno.
 */
static inline ssize_t read_text(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			err = -errno;
			close(fd);
			return err;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

/* Read all of @path into a malloc()ed, NUL-terminated buffer; fails the test. */
static inline char *read_all_ok(const char *path, size_t *lenp)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	QT_ASSERT(buf != NULL);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		QT_FAIL("open %s: %s", path, strerror(errno));
	for (;;) {
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			QT_ASSERT(buf != NULL);
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0)
			QT_FAIL("read %s: %s", path, strerror(errno));
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* A one-line sysfs value without its newline; fails the test on error. */
static inline void read_sysfs_str(const char *path, char *buf, size_t size)
{
	ssize_t n = read_text(path, buf, size);

	if (n < 0)
		QT_FAIL("read %s: %s", path, strerror((int)-n));
	if (n == 0 || buf[n - 1] != '\n')
		QT_FAIL("%s: '%s' does not end with a newline", path, buf);
	buf[n - 1] = '\0';
}

/* @text on one line, for messages: newlines shown as "\\n". */
static inline const char *one_line(const char *text)
{
	static char buf[256];
	size_t i = 0;

	for (; *text && i + 3 < sizeof(buf); text++) {
		if (*text == '\n') {
			buf[i++] = '\\';
			buf[i++] = 'n';
		} else {
			buf[i++] = *text;
		}
	}
	buf[i] = '\0';
	return buf;
}

/* A sysfs file holding exactly one decimal number and a newline. */
static inline uint64_t read_sysfs_u64(const char *path)
{
	char buf[64], *end;
	unsigned long long v;

	read_sysfs_str(path, buf, sizeof(buf));
	if (!isdigit((unsigned char)buf[0]))
		QT_FAIL("%s: '%s' is not a decimal number", path, buf);
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || *end)
		QT_FAIL("%s: '%s' is not a decimal number", path, buf);
	return v;
}

static inline uint32_t read_sysfs_u32(const char *path)
{
	uint64_t v = read_sysfs_u64(path);

	if (v > UINT32_MAX)
		QT_FAIL("%s: %llu does not fit 32 bits", path,
			(unsigned long long)v);
	return (uint32_t)v;
}

/* /sys/class/qpu/qpu@id/@attr as a number. */
static inline uint64_t dev_attr_u64(unsigned int id, const char *attr)
{
	char path[128];

	return read_sysfs_u64(attr_path(path, sizeof(path), id, attr));
}

static inline uint32_t dev_attr_u32(unsigned int id, const char *attr)
{
	char path[128];

	return read_sysfs_u32(attr_path(path, sizeof(path), id, attr));
}

static inline void dev_attr_str(unsigned int id, const char *attr, char *buf,
				size_t size)
{
	char path[128];

	read_sysfs_str(attr_path(path, sizeof(path), id, attr), buf, size);
}

/* One write(2) of @len bytes to @path. Return: 0 or -errno. */
static inline int write_sysfs_buf(const char *path, const void *buf, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;	/* a short write: the caller wanted it whole */
	close(fd);
	return err;
}

static inline int write_sysfs(const char *path, const char *text)
{
	return write_sysfs_buf(path, text, strlen(text));
}

static inline int write_dev_attr(unsigned int id, const char *attr,
				 const char *text)
{
	char path[128];

	return write_sysfs(attr_path(path, sizeof(path), id, attr), text);
}

/* qpu0's max_ctx_qubits set to @v (and read back), or the test fails. */
static inline void set_max_ctx_ok(uint32_t v)
{
	char text[32];
	int ret;

	snprintf(text, sizeof(text), "%u\n", v);
	ret = write_dev_attr(QPU0_ID, "max_ctx_qubits", text);
	if (ret)
		QT_FAIL("max_ctx_qubits = %u: %s", v, strerror(-ret));
	QT_ASSERT_EQ(dev_attr_u32(QPU0_ID, "max_ctx_qubits"), v);
}

/* pread() that fails the test on error. */
static inline size_t pread_ok(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		QT_FAIL("pread(%zu bytes at %lld): %s", len, (long long)off,
			strerror(errno));
	return n;
}

/*
 * Check that a fixed-record sysfs file maps every read offset to the
 * right bytes: pread() of several lengths at every offset from 0 to a
 * little past the end must return exactly the matching slice of @want
 * (the whole file, @len bytes), and nothing past its end.
 */
static inline void assert_pread_slices(const char *path, const char *want,
				       size_t len)
{
	static const size_t lens[] = { 1, 3, 10, 39, 64, 4096 };
	char *buf = malloc(4096);
	size_t off, i, n, expect;
	int fd;

	QT_ASSERT(buf != NULL);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		QT_FAIL("open %s: %s", path, strerror(errno));
	for (off = 0; off <= len + 3; off++) {
		for (i = 0; i < ARRAY_LEN(lens); i++) {
			n = pread_ok(fd, buf, lens[i], off);
			expect = off >= len ? 0 :
				 (len - off < lens[i] ? len - off : lens[i]);
			if (n != expect || memcmp(buf, want + off, n))
				QT_FAIL("%s: pread(%zu at %zu) gave %zu bytes "
					"'%.*s', want %zu '%.*s'", path, lens[i],
					off, n, (int)(n > 40 ? 40 : n), buf,
					expect, (int)(expect > 40 ? 40 : expect),
					want + off);
		}
	}
	close(fd);
	free(buf);
}

/* ---- memory for hostile pointers --------------------------------------- */

/*
 * Two pages: the first readable and writable (zeroed), the second
 * PROT_NONE. An object placed to end at the boundary is valid; one that
 * crosses it faults part-way. Returns the start of the first page.
 */
static inline char *map_guarded(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		QT_FAIL("mmap: %s", strerror(errno));
	if (mprotect(p + page, page, PROT_NONE))
		QT_FAIL("mprotect: %s", strerror(errno));
	return p;
}

/* The address of the guard (PROT_NONE) page of map_guarded()'s mapping. */
static inline char *guard_of(char *p)
{
	return p + sysconf(_SC_PAGESIZE);
}

/* A page with protection @prot, holding a copy of @init (@len bytes). */
static inline void *map_page_with(int prot, const void *init, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		QT_FAIL("mmap: %s", strerror(errno));
	if (init)
		memcpy(p, init, len);
	if (mprotect(p, page, prot))
		QT_FAIL("mprotect: %s", strerror(errno));
	return p;
}

/* An address no user access may use: the kernel's direct map. */
#define KERNEL_ADDR	0xffff888000000000ULL

/* ---- debugfs object counters ------------------------------------------ */

/** struct qpu_objs - the counters of /sys/kernel/debug/qpu/objects */
struct qpu_objs {
	long devices;
	long contexts;
	long allocations;
	long buffers;
	long circuits;
	long jobs;
	long tenants;
	long cgroup_refs;
};

static inline void read_objs(struct qpu_objs *o)
{
	static const struct {
		const char *name;
		size_t off;
	} kinds[] = {
		{ "devices", offsetof(struct qpu_objs, devices) },
		{ "contexts", offsetof(struct qpu_objs, contexts) },
		{ "allocations", offsetof(struct qpu_objs, allocations) },
		{ "buffers", offsetof(struct qpu_objs, buffers) },
		{ "circuits", offsetof(struct qpu_objs, circuits) },
		{ "jobs", offsetof(struct qpu_objs, jobs) },
		{ "tenants", offsetof(struct qpu_objs, tenants) },
		{ "cgroup_refs", offsetof(struct qpu_objs, cgroup_refs) },
	};
	char text[1024], name[32], *line, *save = NULL;
	bool seen[ARRAY_LEN(kinds)] = { false };
	ssize_t n;
	size_t i;
	long v;

	n = read_text(QPU_OBJECTS, text, sizeof(text));
	if (n == -ENOENT)
		qt_skip("%s missing (debugfs not mounted?)", QPU_OBJECTS);
	if (n < 0)
		QT_FAIL("read %s: %s", QPU_OBJECTS, strerror((int)-n));
	memset(o, 0, sizeof(*o));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%31s %ld", name, &v) != 2)
			QT_FAIL("%s: bad line '%s'", QPU_OBJECTS, line);
		for (i = 0; i < ARRAY_LEN(kinds); i++) {
			if (strcmp(name, kinds[i].name))
				continue;
			*(long *)((char *)o + kinds[i].off) = v;
			seen[i] = true;
		}
	}
	for (i = 0; i < ARRAY_LEN(kinds); i++)
		if (!seen[i])
			QT_FAIL("%s: no '%s' line", QPU_OBJECTS, kinds[i].name);
}

static inline void assert_objs_eq(const struct qpu_objs *got,
				  const struct qpu_objs *want)
{
	if (memcmp(got, want, sizeof(*got)))
		QT_FAIL("object counters: devices %ld contexts %ld allocations "
			"%ld buffers %ld circuits %ld jobs %ld tenants %ld "
			"cgroup_refs %ld; want %ld %ld %ld %ld %ld %ld %ld %ld",
			got->devices, got->contexts, got->allocations,
			got->buffers, got->circuits, got->jobs, got->tenants,
			got->cgroup_refs, want->devices, want->contexts,
			want->allocations, want->buffers, want->circuits,
			want->jobs, want->tenants, want->cgroup_refs);
}

/* ---- raw ioctls --------------------------------------------------------- */

/* ioctl() as 0 or -errno. */
static inline int qpu_ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* The ioctl number @cmd with its size field replaced by @size. */
static inline unsigned long ioc_resize(unsigned long cmd, size_t size)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

static inline int get_info(int fd, struct qpu_info *info)
{
	memset(info, 0, sizeof(*info));
	return qpu_ioc(fd, QPU_IOC_GET_INFO, info);
}

static inline void get_info_ok(int fd, struct qpu_info *info)
{
	int ret = get_info(fd, info);

	if (ret)
		QT_FAIL("GET_INFO: %s", strerror(-ret));
}

/* Whether qpu0's driver keeps tenant limits (QPU_FEAT_TENANTS). */
/*
 * The monitoring hook (QPU_FEAT_POLICY) needs BPF struct_ops and BTF:
 * Debian's kernel has both, so there it must be present; a kernel
 * without BTF (the debug kernel of `make check-debug`) has no hook.
 */
static inline bool policy_hook_expected(void)
{
	return path_exists("/sys/kernel/btf/vmlinux");
}

/* In main(): skip every test of the file when the kernel has no hook. */
static inline void skip_all_without_policy_hook(void)
{
	if (!policy_hook_expected())
		qt_skip_all_reason = "kernel without BTF: no monitoring hook";
}

static inline bool tenant_core(void)
{
	struct qpu_info info;
	int fd = open_dev();

	get_info_ok(fd, &info);
	close_ok(fd);
	return info.features & QPU_FEAT_TENANTS;
}

/* The device's coupling map through GET_TOPOLOGY (malloc()ed). */
static inline struct qpu_edge *get_edges_ok(int fd, uint32_t *num_edges)
{
	struct qpu_topology t;
	struct qpu_edge *e;
	int ret;

	memset(&t, 0, sizeof(t));
	ret = qpu_ioc(fd, QPU_IOC_GET_TOPOLOGY, &t);
	if (ret)
		QT_FAIL("GET_TOPOLOGY (count): %s", strerror(-ret));
	e = calloc(t.num_edges ? t.num_edges : 1, sizeof(*e));
	QT_ASSERT(e != NULL);
	t.edges_ptr = (uintptr_t)e;
	ret = qpu_ioc(fd, QPU_IOC_GET_TOPOLOGY, &t);
	if (ret)
		QT_FAIL("GET_TOPOLOGY: %s", strerror(-ret));
	*num_edges = t.num_edges;
	return e;
}

/*
 * QPU_IOC_ALLOC of @k qubits with QPU_ALLOC_* @flags; @phys (k entries:
 * output, or with QPU_ALLOC_EXACT the qubits wanted) and @edges (@cap
 * entries) may be NULL. @a receives the struct as the kernel wrote it.
 */
static inline int alloc_flags_raw(int fd, uint32_t flags, uint32_t k,
				  const uint32_t *phys, struct qpu_edge *edges,
				  uint32_t cap, struct qpu_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->flags = flags;
	a->num_qubits = k;
	a->num_edges = cap;
	a->phys_ptr = (uintptr_t)phys;
	a->edges_ptr = (uintptr_t)edges;
	return qpu_ioc(fd, QPU_IOC_ALLOC, a);
}

static inline int alloc_raw(int fd, uint32_t k, uint32_t *phys,
			    struct qpu_edge *edges, uint32_t cap,
			    struct qpu_alloc *a)
{
	return alloc_flags_raw(fd, 0, k, phys, edges, cap, a);
}

/* QPU_ALLOC_EXACT of exactly @want[0..k) (read, never written). */
static inline int alloc_exact_raw(int fd, const uint32_t *want, uint32_t k,
				  struct qpu_edge *edges, uint32_t cap,
				  struct qpu_alloc *a)
{
	return alloc_flags_raw(fd, QPU_ALLOC_EXACT, k, want, edges, cap, a);
}

/* Allocate @k qubits (phys into @phys if not NULL); returns the handle. */
static inline uint32_t alloc_ok(int fd, uint32_t k, uint32_t *phys)
{
	struct qpu_alloc a;
	int ret = alloc_raw(fd, k, phys, NULL, 0, &a);

	if (ret)
		QT_FAIL("ALLOC of %u qubits: %s", k, strerror(-ret));
	if (!a.handle)
		QT_FAIL("ALLOC of %u qubits returned handle 0", k);
	return a.handle;
}

static inline int query_raw(int fd, uint32_t handle, uint32_t *phys,
			    struct qpu_edge *edges, uint32_t cap,
			    struct qpu_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->handle = handle;
	a->num_edges = cap;
	a->phys_ptr = (uintptr_t)phys;
	a->edges_ptr = (uintptr_t)edges;
	return qpu_ioc(fd, QPU_IOC_ALLOC_QUERY, a);
}

static inline int free_raw(int fd, uint32_t handle)
{
	struct qpu_free f;

	memset(&f, 0, sizeof(f));
	f.handle = handle;
	return qpu_ioc(fd, QPU_IOC_FREE, &f);
}

static inline void free_ok(int fd, uint32_t handle)
{
	int ret = free_raw(fd, handle);

	if (ret)
		QT_FAIL("FREE of handle %u: %s", handle, strerror(-ret));
}

/* free_qubits of device @id as both sysfs and GET_INFO on @fd report it. */
static inline void assert_free_qubits(int fd, unsigned int id, uint32_t want)
{
	struct qpu_info info;

	get_info_ok(fd, &info);
	if (info.free_qubits != want)
		QT_FAIL("GET_INFO free_qubits %u, want %u", info.free_qubits,
			want);
	if (dev_attr_u32(id, "free_qubits") != want)
		QT_FAIL("sysfs free_qubits %u, want %u",
			dev_attr_u32(id, "free_qubits"), want);
}

/* Nobody holds qubits of /dev/qpu0: the starting state of most tests. */
static inline void assert_qpu0_idle(int fd)
{
	assert_free_qubits(fd, QPU0_ID, QPU0_NUM_QUBITS);
}

/* ---- loading and unloading the module ------------------------------------ */

/* Where the guest's init put the module (the initramfs guest only). */
#define MODULE_KO		"/lib/qpu.ko"

static inline bool module_loaded(void)
{
	return path_exists(QPU_MODULE_DIR);
}

/* delete_module(2) as rmmod does it: 0 or -errno. */
static inline int unload_module(void)
{
	return syscall(SYS_delete_module, "qpu", O_NONBLOCK) ? -errno : 0;
}

/* finit_module(2) of MODULE_KO with @params: 0 or -errno. */
static inline int load_module(const char *params)
{
	int fd = open(MODULE_KO, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		QT_FAIL("open %s: %s", MODULE_KO, strerror(errno));
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* ---- runtime devices --------------------------------------------------- */

/* Write "ID SPEC" to new_device. Return: 0 or -errno. */
static inline int new_device(unsigned int id, const char *spec)
{
	char line[96];

	snprintf(line, sizeof(line), "%u %s\n", id, spec);
	return write_sysfs(QPU_NEW_DEVICE, line);
}

static inline int del_device(unsigned int id)
{
	char line[32];

	snprintf(line, sizeof(line), "%u\n", id);
	return write_sysfs(QPU_DEL_DEVICE, line);
}

/* Create /dev/qpu@id and wait for its node; fails the test otherwise. */
static inline void new_device_ok(unsigned int id, const char *spec)
{
	char path[64];
	int ret = new_device(id, spec);

	if (ret)
		QT_FAIL("new_device \"%u %s\": %s", id, spec, strerror(-ret));
	if (!wait_for_path(dev_path(path, sizeof(path), id), true, 5000))
		QT_FAIL("%s did not appear", path);
}

static inline void del_device_ok(unsigned int id)
{
	char path[64];
	int ret = del_device(id);

	if (ret)
		QT_FAIL("del_device %u: %s", id, strerror(-ret));
	if (!wait_for_path(dev_path(path, sizeof(path), id), false, 5000))
		QT_FAIL("%s still there after del_device", path);
}

/* ---- coupling graphs ---------------------------------------------------- */

/**
 * struct qgraph - a coupling map as sorted adjacency lists (CSR)
 * @n: qubits
 * @m: edges
 * @off: n + 1 offsets into @adj
 * @adj: 2m neighbours, each list sorted
 */
struct qgraph {
	uint32_t n;
	uint32_t m;
	uint32_t *off;
	uint32_t *adj;
};

static inline int qgraph_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Build from an edge list; fails the test on an out-of-range end. */
static inline void qgraph_init(struct qgraph *g, uint32_t n,
			       const struct qpu_edge *e, uint32_t m)
{
	uint32_t *pos, i, v;

	g->n = n;
	g->m = m;
	g->off = calloc(n + 1, sizeof(uint32_t));
	g->adj = calloc(2 * (size_t)m + 1, sizeof(uint32_t));
	pos = calloc(n + 1, sizeof(uint32_t));
	QT_ASSERT(g->off && g->adj && pos);
	for (i = 0; i < m; i++) {
		if (e[i].a >= n || e[i].b >= n || e[i].a == e[i].b)
			QT_FAIL("edge %u (%u, %u) invalid for %u qubits", i,
				e[i].a, e[i].b, n);
		g->off[e[i].a + 1]++;
		g->off[e[i].b + 1]++;
	}
	for (v = 0; v < n; v++)
		g->off[v + 1] += g->off[v];
	memcpy(pos, g->off, n * sizeof(uint32_t));
	for (i = 0; i < m; i++) {
		g->adj[pos[e[i].a]++] = e[i].b;
		g->adj[pos[e[i].b]++] = e[i].a;
	}
	for (v = 0; v < n; v++)
		qsort(g->adj + g->off[v], g->off[v + 1] - g->off[v],
		      sizeof(uint32_t), qgraph_cmp_u32);
	free(pos);
}

/* The graph of device @fd's GET_TOPOLOGY. */
static inline void qgraph_from_dev(struct qgraph *g, int fd)
{
	struct qpu_info info;
	struct qpu_edge *e;
	uint32_t m;

	get_info_ok(fd, &info);
	e = get_edges_ok(fd, &m);
	qgraph_init(g, info.num_qubits, e, m);
	free(e);
}

static inline void qgraph_free(struct qgraph *g)
{
	free(g->off);
	free(g->adj);
}

static inline uint32_t qgraph_degree(const struct qgraph *g, uint32_t v)
{
	return g->off[v + 1] - g->off[v];
}

static inline bool qgraph_coupled(const struct qgraph *g, uint32_t a, uint32_t b)
{
	if (a >= g->n || b >= g->n)
		return false;
	return bsearch(&b, g->adj + g->off[a], qgraph_degree(g, a),
		       sizeof(uint32_t), qgraph_cmp_u32) != NULL;
}

/* Is @set (k distinct qubits) connected in @g? BFS inside the set. */
static inline bool qgraph_set_connected(const struct qgraph *g,
					const uint32_t *set, uint32_t k)
{
	uint8_t *state = calloc(g->n, 1);	/* 1: in set, 2: reached */
	uint32_t *queue = calloc(k ? k : 1, sizeof(uint32_t));
	uint32_t head = 0, tail = 0, i, j, u, w;

	QT_ASSERT(state && queue);
	for (i = 0; i < k; i++)
		state[set[i]] = 1;
	if (k) {
		state[set[0]] = 2;
		queue[tail++] = set[0];
	}
	while (head < tail) {
		u = queue[head++];
		for (j = g->off[u]; j < g->off[u + 1]; j++) {
			w = g->adj[j];
			if (state[w] == 1) {
				state[w] = 2;
				queue[tail++] = w;
			}
		}
	}
	free(state);
	free(queue);
	return tail == k;
}

static inline bool qgraph_connected(const struct qgraph *g)
{
	uint32_t *all = malloc((g->n ? g->n : 1) * sizeof(uint32_t)), v;
	bool ok;

	QT_ASSERT(all != NULL);
	for (v = 0; v < g->n; v++)
		all[v] = v;
	ok = qgraph_set_connected(g, all, g->n);
	free(all);
	return ok;
}

/*
 * The couplings inside region @phys (k qubits) in virtual indices, sorted
 * by (va, vb) with va < vb: what ALLOC and ALLOC_QUERY must report. @out
 * may be NULL to count only. O(k^2 log deg).
 */
static inline uint32_t qgraph_region_edges(const struct qgraph *g,
					   const uint32_t *phys, uint32_t k,
					   struct qpu_edge *out)
{
	uint32_t va, vb, n = 0;

	for (va = 0; va < k; va++) {
		for (vb = va + 1; vb < k; vb++) {
			if (!qgraph_coupled(g, phys[va], phys[vb]))
				continue;
			if (out)
				out[n] = (struct qpu_edge){ va, vb };
			n++;
		}
	}
	return n;
}

/* @e (m edges) is sorted by (a, b), strictly, with a < b < n. */
static inline void assert_edges_sorted(const struct qpu_edge *e, uint32_t m,
				       uint32_t n)
{
	uint32_t i;

	for (i = 0; i < m; i++) {
		if (e[i].a >= e[i].b || e[i].b >= n)
			QT_FAIL("edge %u is (%u, %u) with %u qubits", i,
				e[i].a, e[i].b, n);
		if (i && (e[i - 1].a > e[i].a ||
			  (e[i - 1].a == e[i].a && e[i - 1].b >= e[i].b)))
			QT_FAIL("edges %u (%u, %u) and %u (%u, %u) out of order",
				i - 1, e[i - 1].a, e[i - 1].b, i, e[i].a,
				e[i].b);
	}
}

/* @phys holds @k distinct qubits below @n. */
static inline void assert_distinct_qubits(const uint32_t *phys, uint32_t k,
					  uint32_t n)
{
	uint8_t *seen = calloc(n ? n : 1, 1);
	uint32_t i;

	QT_ASSERT(seen != NULL);
	for (i = 0; i < k; i++) {
		if (phys[i] >= n)
			QT_FAIL("qubit %u at index %u is out of range (%u)",
				phys[i], i, n);
		if (seen[phys[i]]++)
			QT_FAIL("qubit %u appears twice", phys[i]);
	}
	free(seen);
}

/* ---- children and pipes ------------------------------------------------- */

static inline pid_t fork_ok(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		QT_FAIL("fork: %s", strerror(errno));
	return pid;
}

/* Wait for @pid: its exit code, or 128 + the signal that killed it. */
static inline int wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			QT_FAIL("waitpid(%d): %s", (int)pid, strerror(errno));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static inline void wait_ok(pid_t pid)
{
	int st = wait_status(pid);

	if (st)
		QT_FAIL("child %d failed (status %d)", (int)pid, st);
}

static inline void pipe_ok(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC))
		QT_FAIL("pipe: %s", strerror(errno));
}

static inline void write_full_ok(int fd, const void *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			QT_FAIL("write to pipe: %s", strerror(errno));
		buf = (const char *)buf + n;
		len -= n;
	}
}

/* Read exactly @len bytes; false on end of file before the first byte. */
static inline bool read_full_ok(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			QT_FAIL("read from pipe: %s", strerror(errno));
		if (!n) {
			if (!done)
				return false;
			QT_FAIL("pipe closed after %zu of %zu bytes", done, len);
		}
		done += n;
	}
	return true;
}

/* Block until the write end of @fd is closed everywhere. */
static inline void wait_pipe_eof(int fd)
{
	char c;
	ssize_t n;

	do {
		n = read(fd, &c, 1);
	} while (n > 0 || (n < 0 && errno == EINTR));
}

/*
 * Run @body(@arg) in a child, then @cleanup(@arg) here whatever became of
 * the body, then pass the body's result on (fail or skip). The child's
 * files are closed before @cleanup runs. The child gets most of the time
 * left on the test's alarm, so a hanging body still gets cleaned up after.
 */
static inline void run_with_cleanup(void (*body)(void *), void (*cleanup)(void *),
				    void *arg)
{
	unsigned int left = alarm(0);
	pid_t pid;
	int st;

	pid = fork_ok();
	if (!pid) {
		alarm(left > 20 ? left - 10 : left);
		body(arg);
		fflush(stdout);
		_exit(0);
	}
	alarm(left);
	st = wait_status(pid);
	cleanup(arg);
	if (st > 128)
		QT_FAIL("test body killed by signal %d%s", st - 128,
			st - 128 == SIGALRM ? " (timeout)" : "");
	if (st)
		_exit(st);	/* QT_EXIT_FAIL or QT_EXIT_SKIP, reported by it */
}

/*
 * Run @argv (argv[0] a path, or a name looked up on $PATH) with its output
 * discarded. Return: its exit status, 128 + signal, or 127 if it could not
 * be started.
 */
static inline int run_cmd(const char *const argv[])
{
	pid_t pid = fork_ok();
	int null;

	if (!pid) {
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return wait_status(pid);
}

/* ---- circuits, buffers and runs ------------------------------------------ */

/*
 * Raw building blocks for the execution tests (run_test.c, buffer_test.c):
 * gates as struct qpu_gate, CIRCUIT_LOAD from a struct circ_spec, buffers
 * created and mapped by hand (struct mbuf), RUN, and result slices read
 * straight from the mapping with the layout of uapi/linux/qpu.h.
 */

/* The IEEE-754 bit pattern of @v, as qpu_gate.scale/offset hold it. */
static inline uint64_t f64_bits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static inline double f64_from_bits(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

/* @op on operands @qs (@nq of them, the first @nctrl controls); no angle. */
static inline struct qpu_gate gate_make(uint32_t op, uint32_t nctrl,
				       const uint32_t *qs, uint32_t nq)
{
	struct qpu_gate g;
	uint32_t i;

	memset(&g, 0, sizeof(g));
	g.op = op;
	g.nctrl = nctrl;
	for (i = 0; i < nq && i < ARRAY_LEN(g.qubits); i++)
		g.qubits[i] = qs[i];
	return g;
}

/* A one-qubit gate without angles (X, H, RESET, ...). */
static inline struct qpu_gate gate_1q(uint32_t op, uint32_t q)
{
	return gate_make(op, 0, &q, 1);
}

/*
 * A gate on two qubits: @op with one control @a and target @b (@nctrl 1:
 * cx is (QPU_OP_X, 1, c, t)), or a two-target gate (@nctrl 0: SWAP).
 */
static inline struct qpu_gate gate_2q(uint32_t op, uint32_t nctrl, uint32_t a,
				      uint32_t b)
{
	uint32_t qs[2] = { a, b };

	return gate_make(op, nctrl, qs, 2);
}

static inline struct qpu_gate gate_measure(uint32_t q, uint32_t cbit)
{
	struct qpu_gate g = gate_1q(QPU_OP_MEASURE, q);

	g.cbit = cbit;
	return g;
}

/*
 * @op on @q with angle 0 = @scale * param[@slot] + @offset, or the constant
 * @offset when @slot < 0.
 */
static inline struct qpu_gate gate_rot(uint32_t op, uint32_t q, int slot,
				       double scale, double offset)
{
	struct qpu_gate g = gate_1q(op, q);

	if (slot >= 0) {
		g.param[0] = slot + 1;
		g.scale[0] = f64_bits(scale);
	}
	g.offset[0] = f64_bits(offset);
	return g;
}

/* Make @g conditional on classical bits [start, start + width) == value. */
static inline struct qpu_gate gate_cond(struct qpu_gate g, uint32_t start,
					uint32_t width, uint64_t value)
{
	g.flags |= QPU_GATE_COND;
	g.cond_start = start;
	g.cond_width = width;
	g.cond_value = value;
	return g;
}

/** struct circ_spec - what a CIRCUIT_LOAD asks for */
struct circ_spec {
	uint32_t alloc;
	uint32_t num_qubits;
	uint32_t num_clbits;
	uint32_t num_params;
	const struct qpu_gate *gates;
	uint32_t num_gates;
	const uint64_t *obs;
	uint32_t num_obs;
};

static inline void circ_load_fill(struct qpu_circuit_load *l,
				  const struct circ_spec *s)
{
	memset(l, 0, sizeof(*l));
	l->alloc = s->alloc;
	l->num_qubits = s->num_qubits;
	l->num_clbits = s->num_clbits;
	l->num_params = s->num_params;
	l->num_gates = s->num_gates;
	l->gates_ptr = (uintptr_t)s->gates;
	l->num_observables = s->num_obs;
	l->observables_ptr = (uintptr_t)s->obs;
}

/* CIRCUIT_LOAD of @s; @l receives the struct as the kernel wrote it back. */
static inline int circ_load_raw(int fd, const struct circ_spec *s,
				struct qpu_circuit_load *l)
{
	circ_load_fill(l, s);
	return qpu_ioc(fd, QPU_IOC_CIRCUIT_LOAD, l);
}

/* Load @s (hash into @hash unless NULL); returns the handle. */
static inline uint32_t circ_load_ok(int fd, const struct circ_spec *s,
				    uint8_t *hash)
{
	struct qpu_circuit_load l;
	int ret = circ_load_raw(fd, s, &l);

	if (ret)
		QT_FAIL("CIRCUIT_LOAD: %s (error %u at %u)", strerror(-ret),
			l.error, l.error_index);
	if (!l.handle)
		QT_FAIL("CIRCUIT_LOAD returned handle 0");
	if (hash)
		memcpy(hash, l.hash, sizeof(l.hash));
	return l.handle;
}

static inline int circ_free_raw(int fd, uint32_t handle)
{
	struct qpu_circuit_free f;

	memset(&f, 0, sizeof(f));
	f.handle = handle;
	return qpu_ioc(fd, QPU_IOC_CIRCUIT_FREE, &f);
}

static inline void circ_free_ok(int fd, uint32_t handle)
{
	int ret = circ_free_raw(fd, handle);

	if (ret)
		QT_FAIL("CIRCUIT_FREE of %u: %s", handle, strerror(-ret));
}

/* Allocate @k qubits, their coupling map (virtual) into @edges (@cap). */
static inline uint32_t alloc_edges_ok(int fd, uint32_t k, struct qpu_edge *edges,
				      uint32_t cap, uint32_t *num_edges)
{
	struct qpu_alloc a;
	int ret = alloc_raw(fd, k, NULL, edges, cap, &a);

	if (ret)
		QT_FAIL("ALLOC of %u qubits: %s", k, strerror(-ret));
	*num_edges = a.num_edges;
	return a.handle;
}

/* Is the (unordered) pair @a, @b among the @m edges @e? */
static inline bool edges_contain(const struct qpu_edge *e, uint32_t m,
				 uint32_t a, uint32_t b)
{
	uint32_t i;

	for (i = 0; i < m; i++)
		if ((e[i].a == a && e[i].b == b) || (e[i].a == b && e[i].b == a))
			return true;
	return false;
}

/** struct mbuf - a driver buffer and its mapping (@ptr NULL: not mapped) */
struct mbuf {
	uint32_t handle;
	uint64_t size;
	uint64_t mmap_offset;
	void *ptr;
};

static inline int buf_create_raw(int fd, uint64_t size,
				 struct qpu_buffer_create *c)
{
	memset(c, 0, sizeof(*c));
	c->size = size;
	return qpu_ioc(fd, QPU_IOC_BUFFER_CREATE, c);
}

static inline int buf_destroy_raw(int fd, uint32_t handle)
{
	struct qpu_buffer_destroy d;

	memset(&d, 0, sizeof(d));
	d.handle = handle;
	return qpu_ioc(fd, QPU_IOC_BUFFER_DESTROY, &d);
}

/* mmap() of @fd: the address, or MAP_FAILED with errno set. */
static inline void *buf_map(int fd, uint64_t len, int flags, uint64_t off)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, (off_t)off);
}

/* Create a buffer of at least @size bytes and map it shared, whole. */
static inline void mbuf_new_ok(int fd, uint64_t size, struct mbuf *b)
{
	struct qpu_buffer_create c;
	int ret = buf_create_raw(fd, size, &c);

	if (ret)
		QT_FAIL("BUFFER_CREATE of %llu bytes: %s",
			(unsigned long long)size, strerror(-ret));
	b->handle = c.handle;
	b->size = c.size;
	b->mmap_offset = c.mmap_offset;
	b->ptr = buf_map(fd, c.size, MAP_SHARED, c.mmap_offset);
	if (b->ptr == MAP_FAILED)
		QT_FAIL("mmap of buffer %u: %s", c.handle, strerror(errno));
}

/* munmap() (if mapped) and BUFFER_DESTROY; fails the test on error. */
static inline void mbuf_free_ok(int fd, struct mbuf *b)
{
	int ret;

	if (b->ptr && munmap(b->ptr, b->size))
		QT_FAIL("munmap of buffer %u: %s", b->handle, strerror(errno));
	b->ptr = NULL;
	ret = buf_destroy_raw(fd, b->handle);
	if (ret)
		QT_FAIL("BUFFER_DESTROY of %u: %s", b->handle, strerror(-ret));
}

/* @len bytes at @p are all zero. */
static inline bool mem_is_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return false;
	return true;
}

/* A job: @shots of @circuit, results at offset 0 of @result_buf. */
static inline struct qpu_job_desc job_make(uint32_t circuit, uint32_t shots,
					   uint32_t result_buf)
{
	struct qpu_job_desc j;

	memset(&j, 0, sizeof(j));
	j.circuit = circuit;
	j.shots = shots;
	j.result_buf = result_buf;
	return j;
}

static inline struct qpu_job_desc job_seeded(uint32_t circuit, uint32_t shots,
					     uint32_t result_buf, uint64_t seed)
{
	struct qpu_job_desc j = job_make(circuit, shots, result_buf);

	j.flags = QPU_RUN_SEED;
	j.seed = seed;
	return j;
}

/* QPU_IOC_RUN of @job; @out (may be NULL) receives the written-back struct. */
static inline int run_raw(int fd, const struct qpu_job_desc *job,
			  struct qpu_run *out)
{
	struct qpu_run r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.job = *job;
	ret = qpu_ioc(fd, QPU_IOC_RUN, &r);
	if (out)
		*out = r;
	return ret;
}

static inline void run_ok(int fd, const struct qpu_job_desc *job,
			  struct qpu_run *out)
{
	struct qpu_run r;
	int ret = run_raw(fd, job, &r);

	if (ret)
		QT_FAIL("RUN of circuit %u: %s (status %d, needed %u)",
			job->circuit, strerror(-ret), r.status, r.needed);
	if (r.status)
		QT_FAIL("RUN of circuit %u succeeded with status %d",
			job->circuit, r.status);
	if (out)
		*out = r;
}

/*
 * Bytes one result slice needs as uapi/linux/qpu.h documents it:
 * QPU_RESULT_SLICE_SIZE(min(shots, 2^clbits), nexpect), rounded up to 8.
 */
static inline uint64_t slice_bytes(uint32_t num_clbits, uint32_t shots,
				   uint32_t nexpect)
{
	uint64_t outcomes = shots;

	if (num_clbits < 64 && (1ULL << num_clbits) < outcomes)
		outcomes = 1ULL << num_clbits;
	return (QPU_RESULT_SLICE_SIZE(outcomes, nexpect) + 7) & ~7ULL;
}

static inline const struct qpu_result *slice_at(const void *base, uint64_t off)
{
	return (const struct qpu_result *)((const char *)base + off);
}

static inline const struct qpu_count *slice_counts(const struct qpu_result *r)
{
	return (const struct qpu_count *)(r + 1);
}

static inline double slice_expect(const struct qpu_result *r, uint32_t i)
{
	const uint64_t *e = (const uint64_t *)(slice_counts(r) + r->num_counts);

	return f64_from_bits(e[i]);
}

/* Shots of slice @r that gave @bits (0 when the outcome is absent). */
static inline uint64_t slice_count_of(const struct qpu_result *r, uint64_t bits)
{
	const struct qpu_count *c = slice_counts(r);
	uint32_t i;

	for (i = 0; i < r->num_counts; i++)
		if (c[i].bits == bits)
			return c[i].count;
	return 0;
}

/*
 * @r is a complete, successful slice of parameter vector @sweep with the
 * given widths: its counts are sorted by outcome, distinct, non-zero,
 * within @num_clbits and sum to @shots.
 */
static inline void assert_slice_ok(const struct qpu_result *r,
				   uint32_t num_clbits, uint64_t shots,
				   uint32_t nexpect, uint32_t sweep)
{
	const struct qpu_count *c = slice_counts(r);
	uint64_t sum = 0;
	uint32_t i;

	if (r->magic != QPU_RESULT_MAGIC)
		QT_FAIL("slice %u: magic %#x", sweep, r->magic);
	if (r->status)
		QT_FAIL("slice %u: status %d", sweep, r->status);
	if (r->num_clbits != num_clbits || r->shots != shots ||
	    r->num_expect != nexpect || r->sweep_index != sweep)
		QT_FAIL("slice %u: clbits %u shots %llu expect %u sweep %u; "
			"want %u %llu %u %u", sweep, r->num_clbits,
			(unsigned long long)r->shots, r->num_expect,
			r->sweep_index, num_clbits, (unsigned long long)shots,
			nexpect, sweep);
	if (!r->num_counts || r->num_counts > shots)
		QT_FAIL("slice %u: %u counts for %llu shots", sweep,
			r->num_counts, (unsigned long long)shots);
	for (i = 0; i < r->num_counts; i++) {
		if (!c[i].count)
			QT_FAIL("slice %u: count %u is zero", sweep, i);
		if (num_clbits < 64 && c[i].bits >> num_clbits)
			QT_FAIL("slice %u: outcome %#llx wider than %u bits",
				sweep, (unsigned long long)c[i].bits, num_clbits);
		if (i && c[i - 1].bits >= c[i].bits)
			QT_FAIL("slice %u: outcomes %#llx, %#llx not sorted",
				sweep, (unsigned long long)c[i - 1].bits,
				(unsigned long long)c[i].bits);
		sum += c[i].count;
	}
	if (sum != shots)
		QT_FAIL("slice %u: counts sum to %llu, want %llu", sweep,
			(unsigned long long)sum, (unsigned long long)shots);
}

/* Two slices have the same histogram, entry for entry. */
static inline bool slices_same_counts(const struct qpu_result *a,
				      const struct qpu_result *b)
{
	return a->num_counts == b->num_counts &&
	       !memcmp(slice_counts(a), slice_counts(b),
		       a->num_counts * sizeof(struct qpu_count));
}

/* The object counters are back at @before (every file closed by now). */
static inline void assert_objs_restored(const struct qpu_objs *before)
{
	struct qpu_objs now;

	read_objs(&now);
	assert_objs_eq(&now, before);
}

#endif /* QPU_VM_UTIL_H */
