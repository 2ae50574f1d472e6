// SPDX-License-Identifier: GPL-2.0
/*
 * buffer_test.c - shared buffers and their misuse.
 *
 *  - BUFFER_CREATE limits, rounding, zeroed memory;
 *  - mmap(): whole buffer, MAP_SHARED, at the offset the driver gave, on
 *    the file that created it (the cookie is per file, also across
 *    processes), several mappings of one buffer;
 *  - BUFFER_DESTROY errors; destroy, munmap and close in every order
 *    around runs: mappings stay usable until munmap, runs on destroyed
 *    buffers fail with ENOENT, nothing leaks;
 *  - the byte ranges a RUN reads and writes: ENOSPC with the needed size
 *    (and a retry with exactly that much), alignment, parameters out of
 *    range, parameters and results overlapping, missing or unknown
 *    buffers;
 *  - isolation: handles of one open file (or process) are unknown to
 *    another, and a run writes only the submitting file's buffer.
 *
 * Every test checks that the debugfs object counters are back to their
 * starting values once it has closed its files.
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>

#include "qpu_test.h"
#include "vm_util.h"

#define SHOTS		10

/*
 * An open device, a 2-qubit allocation, a circuit RY(p0) q0; RY(p1) q1;
 * measure both (2 parameters, 2 classical bits), a parameter buffer and
 * a result buffer.
 */
struct brig {
	int fd;
	uint32_t alloc;
	uint32_t circ;
	struct mbuf par;
	struct mbuf res;
};

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static uint32_t load_two_ry(int fd, uint32_t alloc)
{
	struct qpu_gate g[4] = {
		gate_rot(QPU_OP_RY, 0, 0, 1.0, 0.0),
		gate_rot(QPU_OP_RY, 1, 1, 1.0, 0.0),
		gate_measure(0, 0),
		gate_measure(1, 1),
	};

	return circ_load_ok(fd, &(struct circ_spec){
		.alloc = alloc, .num_qubits = 2, .num_clbits = 2,
		.num_params = 2, .gates = g, .num_gates = 4 }, NULL);
}

static void brig_open(struct brig *b)
{
	memset(b, 0, sizeof(*b));
	b->fd = open_dev();
	b->alloc = alloc_ok(b->fd, 2, NULL);
	b->circ = load_two_ry(b->fd, b->alloc);
	mbuf_new_ok(b->fd, page_size(), &b->par);
	mbuf_new_ok(b->fd, page_size(), &b->res);
}

static void brig_close(struct brig *b)
{
	if (b->res.handle)
		mbuf_free_ok(b->fd, &b->res);
	if (b->par.handle)
		mbuf_free_ok(b->fd, &b->par);
	circ_free_ok(b->fd, b->circ);
	free_ok(b->fd, b->alloc);
	close_ok(b->fd);
}

/* Parameters at @poff: (pi, pi) gives outcome 3 on every shot. */
static struct qpu_job_desc brig_job(struct brig *b, uint64_t poff, uint64_t roff)
{
	struct qpu_job_desc j = job_seeded(b->circ, SHOTS, b->res.handle, 1);
	double *p = (double *)((char *)b->par.ptr + poff);

	p[0] = M_PI;
	p[1] = M_PI;
	j.param_buf = b->par.handle;
	j.param_offset = poff;
	j.result_offset = roff;
	return j;
}

/* The slice at @off of @base: complete, all SHOTS on outcome 3. */
static void assert_all_ones(const void *base, uint64_t off, uint32_t sweep)
{
	const struct qpu_result *res = slice_at(base, off);

	assert_slice_ok(res, 2, SHOTS, 0, sweep);
	QT_ASSERT_EQ(res->num_counts, 1);
	QT_ASSERT_EQ(slice_counts(res)[0].bits, 3);
}

/* RUN must fail with @err and write nothing into @untouched. */
static void run_fails(int fd, const struct qpu_job_desc *j, int err,
		      const struct mbuf *untouched, const char *what)
{
	int ret = run_raw(fd, j, NULL);

	if (ret != -err)
		QT_FAIL("%s: RUN %d (%s), want -%s", what, ret,
			ret ? strerror(-ret) : "ok", strerror(err));
	if (untouched && !mem_is_zero(untouched->ptr, untouched->size))
		QT_FAIL("%s: the failed run wrote into buffer %u", what,
			untouched->handle);
}

/* ---- BUFFER_CREATE ------------------------------------------------------- */

QPU_TEST(create_limits)
{
	unsigned char big[sizeof(struct qpu_buffer_create) + 8];
	static const uint64_t too_big[] = {
		QPU_MAX_BUFFER_SIZE + 1, QPU_MAX_BUFFER_SIZE * 2, 1ULL << 63,
		UINT64_MAX,
	};
	struct qpu_buffer_create c;
	struct qpu_objs before, now;
	uint32_t i;
	int fd;

	read_objs(&before);
	fd = open_dev();

	QT_ASSERT_EQ(buf_create_raw(fd, 0, &c), -EINVAL);
	QT_ASSERT_EQ(c.handle, 0);
	for (i = 0; i < ARRAY_LEN(too_big); i++) {
		QT_ASSERT_EQ(buf_create_raw(fd, too_big[i], &c), -E2BIG);
		QT_ASSERT_EQ(c.handle, 0);
	}
	memset(&c, 0, sizeof(c));
	c.size = 1;
	c.flags = 1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_BUFFER_CREATE, &c), -EINVAL);
	c.flags = 0;
	c.reserved[1] = 1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_BUFFER_CREATE, &c), -EINVAL);
	memset(&c, 0, sizeof(c));
	c.size = 1;
	memset(big, 0, sizeof(big));
	memcpy(big, &c, sizeof(c));
	big[sizeof(c) + 1] = 1;
	QT_ASSERT_EQ(qpu_ioc(fd, ioc_resize(QPU_IOC_BUFFER_CREATE, sizeof(big)),
			     big), -E2BIG);
	/* Nothing was created by any of those. */
	read_objs(&now);
	QT_ASSERT_EQ(now.buffers, before.buffers);
	close_ok(fd);
	assert_objs_restored(&before);
}

QPU_TEST(create_rounds_up_and_zeroes)
{
	const uint64_t page = page_size();
	const uint64_t sizes[] = { 1, page - 1, page, page + 1, 3 * page, 16 << 20 };
	struct mbuf b[ARRAY_LEN(sizes)];
	struct qpu_objs before, now;
	uint32_t i, k;
	int fd;

	read_objs(&before);
	fd = open_dev();
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		mbuf_new_ok(fd, sizes[i], &b[i]);
		QT_ASSERT_EQ(b[i].size, (sizes[i] + page - 1) / page * page);
		QT_ASSERT_GT(b[i].handle, 0);
		QT_ASSERT_EQ(b[i].mmap_offset % page, 0);
		for (k = 0; k < i; k++) {
			QT_ASSERT_NE(b[k].handle, b[i].handle);
			QT_ASSERT_NE(b[k].mmap_offset, b[i].mmap_offset);
		}
		/* Fresh memory: no stale bytes from anyone. */
		QT_ASSERT(mem_is_zero(b[i].ptr, b[i].size));
		memset(b[i].ptr, 0xa5, b[i].size);
	}
	read_objs(&now);
	QT_ASSERT_EQ(now.buffers, before.buffers + (long)ARRAY_LEN(sizes));
	for (i = 0; i < ARRAY_LEN(sizes); i++)
		mbuf_free_ok(fd, &b[i]);
	/* Memory handed out again is zeroed again. */
	mbuf_new_ok(fd, 16 << 20, &b[0]);
	QT_ASSERT(mem_is_zero(b[0].ptr, b[0].size));
	mbuf_free_ok(fd, &b[0]);
	close_ok(fd);
	assert_objs_restored(&before);
}

/* ---- mmap ---------------------------------------------------------------- */

QPU_TEST(mmap_must_cover_whole_buffer)
{
	const uint64_t page = page_size();
	struct qpu_buffer_create c;
	struct qpu_objs before;
	void *p;
	int fd;

	read_objs(&before);
	fd = open_dev();
	QT_ASSERT_EQ(buf_create_raw(fd, 3 * page, &c), 0);
	QT_ASSERT_ERRNO(buf_map(fd, page, MAP_SHARED, c.mmap_offset), EINVAL);
	QT_ASSERT_ERRNO(buf_map(fd, 2 * page, MAP_SHARED, c.mmap_offset), EINVAL);
	QT_ASSERT_ERRNO(buf_map(fd, 4 * page, MAP_SHARED, c.mmap_offset), EINVAL);
	QT_ASSERT_ERRNO(buf_map(fd, 64 * page, MAP_SHARED, c.mmap_offset), EINVAL);
	/* The tail of the buffer alone. */
	QT_ASSERT_ERRNO(buf_map(fd, 2 * page, MAP_SHARED, c.mmap_offset + page),
			EINVAL);
	p = buf_map(fd, 3 * page, MAP_SHARED, c.mmap_offset);
	QT_ASSERT(p != MAP_FAILED);
	((volatile char *)p)[3 * page - 1] = 1;
	/* Nor can the mapping grow past the buffer afterwards. */
	QT_ASSERT(mremap(p, 3 * page, 4 * page, MREMAP_MAYMOVE) == MAP_FAILED);
	QT_ASSERT_EQ(munmap(p, 3 * page), 0);
	QT_ASSERT_EQ(buf_destroy_raw(fd, c.handle), 0);
	close_ok(fd);
	assert_objs_restored(&before);
}

QPU_TEST(mmap_bad_offsets)
{
	const uint64_t page = page_size();
	struct qpu_buffer_create c, gone;
	struct qpu_objs before;
	uint64_t bad[6];
	uint32_t i;
	int fd;

	read_objs(&before);
	fd = open_dev();
	QT_ASSERT_EQ(buf_create_raw(fd, page, &c), 0);
	QT_ASSERT_EQ(buf_create_raw(fd, page, &gone), 0);
	QT_ASSERT_EQ(buf_destroy_raw(fd, gone.handle), 0);
	/* Anything but the offset given for a live buffer. */
	bad[0] = 0;
	bad[1] = c.mmap_offset + page;
	bad[2] = c.mmap_offset ? c.mmap_offset - page : page;
	bad[3] = 1ULL << 62;
	bad[4] = gone.mmap_offset;		/* destroyed buffer */
	bad[5] = c.mmap_offset + 64 * page;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		if (bad[i] == c.mmap_offset)
			continue;
		errno = 0;
		if (buf_map(fd, page, MAP_SHARED, bad[i]) != MAP_FAILED ||
		    errno != EINVAL)
			QT_FAIL("mmap at %#llx: %s, want EINVAL",
				(unsigned long long)bad[i], strerror(errno));
	}
	QT_ASSERT_EQ(buf_destroy_raw(fd, c.handle), 0);
	close_ok(fd);
	assert_objs_restored(&before);
}

QPU_TEST(mmap_private_rejected)
{
	const uint64_t page = page_size();
	struct qpu_buffer_create c;
	struct qpu_objs before;
	int fd;

	read_objs(&before);
	fd = open_dev();
	QT_ASSERT_EQ(buf_create_raw(fd, page, &c), 0);
	QT_ASSERT_ERRNO(buf_map(fd, page, MAP_PRIVATE, c.mmap_offset), EINVAL);
	QT_ASSERT_ERRNO(mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd,
			     c.mmap_offset), EINVAL);
	QT_ASSERT_EQ(buf_destroy_raw(fd, c.handle), 0);
	close_ok(fd);
	assert_objs_restored(&before);
}

/* Two mappings of one buffer are the same memory, the kernel's too. */
QPU_TEST(mappings_share_memory)
{
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct brig b;
	char *second;

	read_objs(&before);
	brig_open(&b);
	second = buf_map(b.fd, b.res.size, MAP_SHARED, b.res.mmap_offset);
	QT_ASSERT(second != MAP_FAILED);
	QT_ASSERT(second != b.res.ptr);
	((char *)b.res.ptr)[100] = 'x';
	QT_ASSERT_EQ(second[100], 'x');
	second[100] = 0;
	QT_ASSERT_EQ(((char *)b.res.ptr)[100], 0);
	/* The kernel's result shows through both. */
	j = brig_job(&b, 0, 64);
	run_ok(b.fd, &j, NULL);
	assert_all_ones(b.res.ptr, 64, 0);
	assert_all_ones(second, 64, 0);
	QT_ASSERT_EQ(munmap(second, b.res.size), 0);
	brig_close(&b);
	assert_objs_restored(&before);
}

/*
 * The mmap cookie is per file: another open file of the device does not
 * know it, and if that file has a buffer behind the same offset it maps
 * its own memory, never the first file's.
 */
QPU_TEST(mmap_cookie_is_per_file)
{
	const uint64_t page = page_size();
	struct qpu_objs before;
	struct mbuf a, mine;
	int fd, other;
	char *p;

	read_objs(&before);
	fd = open_dev();
	other = open_dev();
	mbuf_new_ok(fd, page, &a);
	memset(a.ptr, 'A', page);
	QT_ASSERT_ERRNO(buf_map(other, page, MAP_SHARED, a.mmap_offset), EINVAL);

	mbuf_new_ok(other, page, &mine);
	p = buf_map(other, page, MAP_SHARED, a.mmap_offset);
	if (mine.mmap_offset == a.mmap_offset) {
		/* Same cookie: the other file's own, zeroed buffer. */
		QT_ASSERT(p != MAP_FAILED);
		QT_ASSERT(mem_is_zero(p, page));
		memset(p, 'B', page);
		QT_ASSERT_EQ(((char *)a.ptr)[0], 'A');
		QT_ASSERT_EQ(((char *)mine.ptr)[0], 'B');
		QT_ASSERT_EQ(munmap(p, page), 0);
	} else {
		QT_ASSERT(p == MAP_FAILED && errno == EINVAL);
	}
	QT_ASSERT_EQ(((char *)a.ptr)[page - 1], 'A');
	mbuf_free_ok(other, &mine);
	mbuf_free_ok(fd, &a);
	close_ok(other);
	close_ok(fd);
	assert_objs_restored(&before);
}

/*
 * A forked child that opens the device itself has a context of its own:
 * the parent's buffer cookies, circuit and buffer handles are unknown
 * there. Through the inherited descriptor it shares the parent's.
 */
QPU_TEST(child_process_cannot_use_parent_handles)
{
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct brig b;
	pid_t pid;

	read_objs(&before);
	brig_open(&b);
	memset(b.res.ptr, 'P', b.res.size);
	j = brig_job(&b, 0, 0);

	pid = fork_ok();
	if (!pid) {
		struct qpu_job_desc cj;
		struct mbuf own;
		uint32_t alloc, circ;
		int fd = open_dev();
		char *p;

		QT_ASSERT_ERRNO(buf_map(fd, b.res.size, MAP_SHARED,
					b.res.mmap_offset), EINVAL);
		QT_ASSERT_ERRNO(buf_map(fd, b.par.size, MAP_SHARED,
					b.par.mmap_offset), EINVAL);
		/* Handles in the parent's numbering, none here yet. */
		QT_ASSERT_EQ(run_raw(fd, &j, NULL), -ENOENT);
		QT_ASSERT_EQ(circ_free_raw(fd, b.circ), -ENOENT);
		QT_ASSERT_EQ(buf_destroy_raw(fd, b.res.handle), -ENOENT);
		QT_ASSERT_EQ(free_raw(fd, b.alloc), -ENOENT);
		/* With its own objects, runs use those, not the parent's. */
		alloc = alloc_ok(fd, 2, NULL);
		circ = load_two_ry(fd, alloc);
		mbuf_new_ok(fd, page_size(), &own);
		cj = j;
		cj.circuit = circ;
		cj.param_buf = 0;
		cj.result_buf = own.handle;
		QT_ASSERT_EQ(run_raw(fd, &cj, NULL), -EINVAL);	/* needs params */
		cj.param_buf = own.handle;
		cj.param_offset = 2048;
		QT_ASSERT_EQ(run_raw(fd, &cj, NULL), 0);
		/* Parameters 0, 0 from its own zeroed buffer: outcome 0. */
		QT_ASSERT_EQ(slice_count_of(slice_at(own.ptr, 0), 0), SHOTS);
		/* The inherited descriptor is the parent's context. */
		p = buf_map(b.fd, b.res.size, MAP_SHARED, b.res.mmap_offset);
		QT_ASSERT(p != MAP_FAILED);
		QT_ASSERT_EQ(p[0], 'P');
		memset(p, 0, b.res.size);
		QT_ASSERT_EQ(run_raw(b.fd, &j, NULL), 0);
		assert_all_ones(p, 0, 0);
		munmap(p, b.res.size);
		mbuf_free_ok(fd, &own);
		circ_free_ok(fd, circ);
		free_ok(fd, alloc);
		close_ok(fd);
		_exit(0);
	}
	wait_ok(pid);
	/* The child's run through the shared file wrote the parent's buffer. */
	assert_all_ones(b.res.ptr, 0, 0);
	brig_close(&b);
	assert_objs_restored(&before);
}

/* ---- BUFFER_DESTROY, munmap, close --------------------------------------- */

QPU_TEST(destroy_errors)
{
	struct qpu_buffer_destroy d;
	struct qpu_buffer_create c;
	struct qpu_objs before;
	uint32_t i, foreign = 0;
	int fd, other;

	read_objs(&before);
	fd = open_dev();
	other = open_dev();
	QT_ASSERT_EQ(buf_create_raw(fd, 1, &c), 0);
	QT_ASSERT_EQ(buf_destroy_raw(fd, 0), -ENOENT);
	QT_ASSERT_EQ(buf_destroy_raw(fd, c.handle + 1000), -ENOENT);
	QT_ASSERT_EQ(buf_destroy_raw(fd, UINT32_MAX), -ENOENT);
	memset(&d, 0, sizeof(d));
	d.handle = c.handle;
	d.flags = 1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_BUFFER_DESTROY, &d), -EINVAL);
	d.flags = 0;
	d.reserved[0] = 1;
	QT_ASSERT_EQ(qpu_ioc(fd, QPU_IOC_BUFFER_DESTROY, &d), -EINVAL);
	/* Another file's handle (one this file never had). */
	for (i = 0; i < 3; i++) {
		struct qpu_buffer_create oc;

		QT_ASSERT_EQ(buf_create_raw(other, 1, &oc), 0);
		foreign = oc.handle;
	}
	QT_ASSERT_GT(foreign, c.handle);
	QT_ASSERT_EQ(buf_destroy_raw(fd, foreign), -ENOENT);
	QT_ASSERT_EQ(buf_destroy_raw(other, foreign), 0);
	/* Once, then never again. */
	QT_ASSERT_EQ(buf_destroy_raw(fd, c.handle), 0);
	QT_ASSERT_EQ(buf_destroy_raw(fd, c.handle), -ENOENT);
	close_ok(other);
	close_ok(fd);
	assert_objs_restored(&before);
}

/* Destroyed while mapped: the mapping stays usable until munmap. */
QPU_TEST(destroy_while_mapped)
{
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct brig b;
	char *p;
	long i;

	read_objs(&before);
	brig_open(&b);
	j = brig_job(&b, 0, 0);
	run_ok(b.fd, &j, NULL);
	p = b.res.ptr;
	QT_ASSERT_EQ(buf_destroy_raw(b.fd, b.res.handle), 0);

	/* The run's result is still there, and the memory is writable. */
	assert_all_ones(p, 0, 0);
	for (i = 0; i < (long)b.res.size; i += 512)
		p[i] = (char)i;
	for (i = 0; i < (long)b.res.size; i += 512)
		QT_ASSERT_EQ(p[i], (char)i);

	/* The handle and the cookie are gone. */
	QT_ASSERT_EQ(run_raw(b.fd, &j, NULL), -ENOENT);
	QT_ASSERT_ERRNO(buf_map(b.fd, b.res.size, MAP_SHARED, b.res.mmap_offset),
			EINVAL);
	QT_ASSERT_EQ(buf_destroy_raw(b.fd, b.res.handle), -ENOENT);
	/* The destroyed one was the results; a parameter buffer alike. */
	QT_ASSERT_EQ(buf_destroy_raw(b.fd, b.par.handle), 0);
	j.result_buf = b.par.handle;
	QT_ASSERT_EQ(run_raw(b.fd, &j, NULL), -ENOENT);
	QT_ASSERT(((double *)b.par.ptr)[0] == M_PI);

	QT_ASSERT_EQ(munmap(b.res.ptr, b.res.size), 0);
	QT_ASSERT_EQ(munmap(b.par.ptr, b.par.size), 0);
	b.res.handle = 0;
	b.par.handle = 0;
	brig_close(&b);
	assert_objs_restored(&before);
}

/* munmap() and destroy: runs fail cleanly, nothing is left behind. */
QPU_TEST(munmap_destroy_then_run)
{
	struct qpu_objs before, now;
	struct qpu_job_desc j;
	struct mbuf spare;
	struct brig b;

	read_objs(&before);
	brig_open(&b);
	mbuf_new_ok(b.fd, page_size(), &spare);
	j = brig_job(&b, 0, 0);
	run_ok(b.fd, &j, NULL);

	/* Results gone. */
	mbuf_free_ok(b.fd, &b.res);
	run_fails(b.fd, &j, ENOENT, &spare, "destroyed result buffer");
	/* Parameters gone (results into a live buffer). */
	mbuf_free_ok(b.fd, &b.par);
	j.result_buf = spare.handle;
	run_fails(b.fd, &j, ENOENT, &spare, "destroyed parameter buffer");
	read_objs(&now);
	QT_ASSERT_EQ(now.buffers, before.buffers + 1);

	b.res.handle = 0;
	b.par.handle = 0;
	mbuf_free_ok(b.fd, &spare);
	brig_close(&b);
	assert_objs_restored(&before);
}

/* munmap() alone: the handle keeps the buffer; runs work; remap sees it. */
QPU_TEST(munmap_keeps_buffer)
{
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct brig b;

	read_objs(&before);
	brig_open(&b);
	j = brig_job(&b, 0, 0);
	QT_ASSERT_EQ(munmap(b.res.ptr, b.res.size), 0);
	run_ok(b.fd, &j, NULL);
	b.res.ptr = buf_map(b.fd, b.res.size, MAP_SHARED, b.res.mmap_offset);
	QT_ASSERT(b.res.ptr != MAP_FAILED);
	assert_all_ones(b.res.ptr, 0, 0);
	/* Parameters written, then unmapped: still read by the run. */
	QT_ASSERT_EQ(munmap(b.par.ptr, b.par.size), 0);
	b.par.ptr = NULL;
	memset(b.res.ptr, 0, b.res.size);
	run_ok(b.fd, &j, NULL);
	assert_all_ones(b.res.ptr, 0, 0);
	brig_close(&b);
	assert_objs_restored(&before);
}

/* Closing the file with a mapping alive: the mapping stays usable. */
QPU_TEST(close_with_live_mapping)
{
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct brig b;
	char *p;

	read_objs(&before);
	brig_open(&b);
	j = brig_job(&b, 0, 0);
	run_ok(b.fd, &j, NULL);
	QT_ASSERT_EQ(munmap(b.par.ptr, b.par.size), 0);
	p = b.res.ptr;
	/* No munmap, no destroy, no free: close takes everything back... */
	close_ok(b.fd);
	/* ...except the pages still mapped. */
	assert_all_ones(p, 0, 0);
	memset(p, 0x5a, b.res.size);
	QT_ASSERT_EQ(p[b.res.size - 1], 0x5a);
	QT_ASSERT_EQ(munmap(p, b.res.size), 0);
	assert_objs_restored(&before);
}

/* A synchronous run in a thread, and what it returned. */
struct bg_run {
	int fd;
	struct qpu_job_desc job;
	volatile int started;
	int ret;
};

static void *bg_run_fn(void *arg)
{
	struct bg_run *bg = arg;

	__atomic_store_n(&bg->started, 1, __ATOMIC_SEQ_CST);
	bg->ret = run_raw(bg->fd, &bg->job, NULL);
	return NULL;
}

/*
 * Dropping every handle a run uses while it may be running: the run
 * either had its references (it completes and its slice is in the still
 * mapped buffer) or found them gone (ENOENT); a busy allocation cannot be
 * freed.
 */
QPU_TEST(destroy_handles_during_run)
{
	const struct qpu_result *res;
	struct qpu_objs before;
	struct qpu_gate g[5];
	struct bg_run bg;
	struct brig b;
	pthread_t th;
	int fret;

	read_objs(&before);
	brig_open(&b);
	circ_free_ok(b.fd, b.circ);
	/* Reset makes it per shot: 2^20 simulations take a while. */
	g[0] = gate_rot(QPU_OP_RY, 0, 0, 1.0, 0.0);
	g[1] = gate_measure(0, 0);
	g[2] = gate_1q(QPU_OP_RESET, 0);
	g[3] = gate_1q(QPU_OP_H, 0);
	g[4] = gate_measure(0, 1);
	b.circ = circ_load_ok(b.fd, &(struct circ_spec){
		.alloc = b.alloc, .num_qubits = 1, .num_clbits = 2,
		.num_params = 1, .gates = g, .num_gates = 5 }, NULL);
	memset(&bg, 0, sizeof(bg));
	bg.fd = b.fd;
	bg.job = brig_job(&b, 0, 0);
	bg.job.shots = QPU_MAX_SHOTS;
	((double *)b.par.ptr)[0] = M_PI / 2;

	QT_ASSERT_EQ(pthread_create(&th, NULL, bg_run_fn, &bg), 0);
	while (!__atomic_load_n(&bg.started, __ATOMIC_SEQ_CST))
		sched_yield();
	usleep(20000);
	QT_ASSERT_EQ(buf_destroy_raw(b.fd, b.res.handle), 0);
	QT_ASSERT_EQ(buf_destroy_raw(b.fd, b.par.handle), 0);
	circ_free_ok(b.fd, b.circ);
	fret = free_raw(b.fd, b.alloc);
	QT_ASSERT(fret == 0 || fret == -EBUSY);
	QT_ASSERT_EQ(pthread_join(th, NULL), 0);
	printf("# run %d (%s), free during it %d\n", bg.ret,
	       bg.ret ? strerror(-bg.ret) : "ok", fret);

	QT_ASSERT(bg.ret == 0 || bg.ret == -ENOENT);
	res = slice_at(b.res.ptr, 0);
	if (fret == -EBUSY)
		QT_ASSERT_EQ(bg.ret, 0);	/* it was running */
	if (bg.ret == 0) {
		assert_slice_ok(res, 2, QPU_MAX_SHOTS, 0, 0);
		QT_ASSERT_EQ(res->num_counts, 4);
	} else {
		QT_ASSERT(mem_is_zero(b.res.ptr, b.res.size));
	}
	/* Not busy any more. */
	if (fret == -EBUSY)
		free_ok(b.fd, b.alloc);
	QT_ASSERT_EQ(free_raw(b.fd, b.alloc), -ENOENT);
	QT_ASSERT_EQ(munmap(b.res.ptr, b.res.size), 0);
	QT_ASSERT_EQ(munmap(b.par.ptr, b.par.size), 0);
	close_ok(b.fd);
	assert_objs_restored(&before);
}

/* ---- byte ranges of a run ------------------------------------------------ */

/* H q0, H q1; measure q0 -> c0, q1 -> c9: 10 classical bits, <Z0>. */
static uint32_t load_wide_clbits(int fd, uint32_t alloc)
{
	static const uint64_t z0 = 1;
	struct qpu_gate g[4] = {
		gate_1q(QPU_OP_H, 0), gate_1q(QPU_OP_H, 1),
		gate_measure(0, 0), gate_measure(1, 9),
	};

	return circ_load_ok(fd, &(struct circ_spec){
		.alloc = alloc, .num_qubits = 2, .num_clbits = 10,
		.gates = g, .num_gates = 4, .obs = &z0, .num_obs = 1 }, NULL);
}

/* RUN must fail with -ENOSPC and report @need. */
static void run_enospc(int fd, const struct qpu_job_desc *j, uint64_t need,
		       const struct mbuf *untouched, const char *what)
{
	struct qpu_run run;
	int ret = run_raw(fd, j, &run);

	if (ret != -ENOSPC || run.needed != need)
		QT_FAIL("%s: RUN %d, needed %u; want -ENOSPC, needed %llu",
			what, ret, run.needed, (unsigned long long)need);
	if (!mem_is_zero(untouched->ptr, untouched->size))
		QT_FAIL("%s: the failed run wrote into the buffer", what);
}

QPU_TEST(result_buffer_too_small)
{
	const uint64_t need = slice_bytes(10, 1000, 1);
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct mbuf small, fit;
	const struct qpu_result *res;
	uint32_t alloc, circ;
	uint64_t need3;
	int fd;

	read_objs(&before);
	fd = open_dev();
	alloc = alloc_ok(fd, 2, NULL);
	circ = load_wide_clbits(fd, alloc);
	mbuf_new_ok(fd, page_size(), &small);
	/* 1000 shots of 10 bits may give 1000 outcomes, plus one <Z>. */
	QT_ASSERT_EQ(need, 64 + 1000 * 16 + 8);
	QT_ASSERT_GT(need, small.size);

	j = job_seeded(circ, 1000, small.handle, 2);
	j.flags |= QPU_RUN_EXPECT;
	run_enospc(fd, &j, need, &small, "1000 shots, 10 bits, 1 expectation");
	j.flags &= ~QPU_RUN_EXPECT;
	run_enospc(fd, &j, need - 8, &small, "1000 shots, 10 bits");
	/* Three shots have at most three outcomes: that fits. */
	j.shots = 3;
	run_ok(fd, &j, NULL);
	assert_slice_ok(slice_at(small.ptr, 0), 10, 3, 0, 0);
	memset(small.ptr, 0, small.size);

	/* A buffer of the size asked for, the slice at its very end. */
	mbuf_new_ok(fd, need, &fit);
	j = job_seeded(circ, 1000, fit.handle, 2);
	j.flags |= QPU_RUN_EXPECT;
	j.result_offset = fit.size - need + 8;
	run_enospc(fd, &j, need, &fit, "8 bytes short");
	j.result_offset = fit.size;
	run_enospc(fd, &j, need, &fit, "at the end of the buffer");
	j.result_offset = 1ULL << 62;
	run_enospc(fd, &j, need, &fit, "far past the end");
	j.result_offset = UINT64_MAX & ~7ULL;
	run_enospc(fd, &j, need, &fit, "offset wrapping around");
	j.result_offset = fit.size - need;
	run_ok(fd, &j, NULL);
	res = slice_at(fit.ptr, fit.size - need);
	assert_slice_ok(res, 10, 1000, 1, 0);
	QT_ASSERT(fabs(slice_expect(res, 0)) < 1e-9);	/* <Z> after H */
	QT_ASSERT(mem_is_zero(fit.ptr, fit.size - need));

	/* Sweeps: each slice needs room, the stride at least the slice. */
	memset(small.ptr, 0, small.size);
	need3 = slice_bytes(10, 3, 1);
	QT_ASSERT_EQ(need3, 64 + 3 * 16 + 8);
	j = job_seeded(circ, 3, small.handle, 2);
	j.flags |= QPU_RUN_EXPECT;
	j.num_sweeps = 3;
	j.result_stride = need3 - 8;
	run_enospc(fd, &j, need3, &small, "stride smaller than a slice");
	j.result_stride = need3;
	j.result_offset = small.size - 3 * need3 + 8;
	run_enospc(fd, &j, need3, &small, "last slice 8 bytes short");
	j.result_offset = small.size - 3 * need3;
	run_ok(fd, &j, NULL);
	assert_slice_ok(slice_at(small.ptr, small.size - need3), 10, 3, 1, 2);

	mbuf_free_ok(fd, &fit);
	mbuf_free_ok(fd, &small);
	circ_free_ok(fd, circ);
	free_ok(fd, alloc);
	close_ok(fd);
	assert_objs_restored(&before);
}

QPU_TEST(misaligned_offsets_and_strides)
{
	const uint64_t need = slice_bytes(2, SHOTS, 0);
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct brig b;

	read_objs(&before);
	brig_open(&b);
	j = brig_job(&b, 0, 4);
	run_fails(b.fd, &j, EINVAL, &b.res, "result_offset 4");
	j = brig_job(&b, 0, 12);
	run_fails(b.fd, &j, EINVAL, &b.res, "result_offset 12");
	j = brig_job(&b, 8, 0);
	j.param_offset = 4;
	run_fails(b.fd, &j, EINVAL, &b.res, "param_offset 4");
	j.param_offset = 1;
	run_fails(b.fd, &j, EINVAL, &b.res, "param_offset 1");
	/* Two vectors: strides must be multiples of 8. */
	j = brig_job(&b, 0, 0);
	j.num_sweeps = 2;
	j.param_stride = 20;
	j.result_stride = need;
	run_fails(b.fd, &j, EINVAL, &b.res, "param_stride 20");
	j.param_stride = 16;
	j.result_stride = need + 4;
	run_fails(b.fd, &j, EINVAL, &b.res, "result_stride not a multiple of 8");
	j.result_stride = need + 8;
	brig_job(&b, 16, 0);
	run_ok(b.fd, &j, NULL);
	assert_all_ones(b.res.ptr, 0, 0);
	assert_all_ones(b.res.ptr, need + 8, 1);
	brig_close(&b);
	assert_objs_restored(&before);
}

QPU_TEST(params_out_of_range)
{
	const uint64_t need = slice_bytes(2, SHOTS, 0);
	struct qpu_objs before;
	struct qpu_job_desc j;
	uint64_t size, i;
	struct brig b;

	read_objs(&before);
	brig_open(&b);
	size = b.par.size;
	/* Two parameters: 16 bytes from param_offset. */
	j = brig_job(&b, size - 16, 0);
	j.param_offset = size - 8;
	run_fails(b.fd, &j, EINVAL, &b.res, "vector crossing the end");
	j.param_offset = size;
	run_fails(b.fd, &j, EINVAL, &b.res, "vector at the end");
	j.param_offset = 1ULL << 62;
	run_fails(b.fd, &j, EINVAL, &b.res, "vector far past the end");
	j.param_offset = UINT64_MAX & ~7ULL;
	run_fails(b.fd, &j, EINVAL, &b.res, "offset wrapping around");
	j.param_offset = size - 16;
	run_ok(b.fd, &j, NULL);
	assert_all_ones(b.res.ptr, 0, 0);
	memset(b.res.ptr, 0, b.res.size);

	/* Four vectors, 16 bytes apart: the last one must fit as well. */
	for (i = 0; i < 4; i++)
		brig_job(&b, size - 64 + 16 * i, 0);
	j.num_sweeps = 4;
	j.param_stride = 16;
	j.result_stride = need;
	j.param_offset = size - 48;
	run_fails(b.fd, &j, EINVAL, &b.res, "fourth vector past the end");
	/* A stride smaller than a vector: vectors would overlap. */
	j.param_offset = 0;
	j.param_stride = 8;
	run_fails(b.fd, &j, EINVAL, &b.res, "param_stride below 8 * num_params");
	j.param_stride = 0;
	run_fails(b.fd, &j, EINVAL, &b.res, "param_stride 0");
	j.param_stride = 16;
	j.param_offset = size - 64;
	run_ok(b.fd, &j, NULL);
	for (i = 0; i < 4; i++)
		assert_all_ones(b.res.ptr, i * need, i);
	brig_close(&b);
	assert_objs_restored(&before);
}

/* One buffer for parameters and results: fine unless they overlap. */
QPU_TEST(params_and_results_overlap)
{
	const uint64_t need = slice_bytes(2, SHOTS, 0);
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct brig b;

	read_objs(&before);
	brig_open(&b);
	QT_ASSERT_EQ(need, 128);

	/* Parameters [poff, poff + 16), results [roff, roff + 128). */
	j = brig_job(&b, 0, 0);
	j.result_buf = b.par.handle;
	run_fails(b.fd, &j, EINVAL, &b.res, "both at 0");
	QT_ASSERT(((double *)b.par.ptr)[0] == M_PI);
	j.result_offset = 8;
	run_fails(b.fd, &j, EINVAL, &b.res, "results over the second parameter");
	j = brig_job(&b, 64, 0);
	j.result_buf = b.par.handle;
	run_fails(b.fd, &j, EINVAL, &b.res, "parameters inside the slice");
	j = brig_job(&b, 120, 0);
	j.result_buf = b.par.handle;
	run_fails(b.fd, &j, EINVAL, &b.res, "parameters at the slice's last bytes");
	/* Adjacent is not overlapping: params at 0, results at 16. */
	j = brig_job(&b, 0, 16);
	j.result_buf = b.par.handle;
	run_ok(b.fd, &j, NULL);
	assert_all_ones(b.par.ptr, 16, 0);
	QT_ASSERT(((double *)b.par.ptr)[1] == M_PI);
	j = brig_job(&b, 128, 0);
	j.result_buf = b.par.handle;
	run_ok(b.fd, &j, NULL);
	assert_all_ones(b.par.ptr, 0, 0);

	/* Sweeps: four vectors [1024, 1088), slices from roff, 128 apart. */
	memset(b.par.ptr, 0, b.par.size);
	j = brig_job(&b, 1024, 0);
	brig_job(&b, 1040, 0);
	brig_job(&b, 1056, 0);
	brig_job(&b, 1072, 0);
	j.result_buf = b.par.handle;
	j.num_sweeps = 4;
	j.param_stride = 16;
	j.result_stride = need;
	j.result_offset = 1024 - 4 * need + 8;
	run_fails(b.fd, &j, EINVAL, &b.res, "last slice over the first vector");
	j.result_offset = 1080;
	run_fails(b.fd, &j, EINVAL, &b.res, "first slice over the last vector");
	j.result_offset = 1024 - 4 * need;
	run_ok(b.fd, &j, NULL);
	assert_all_ones(b.par.ptr, 1024 - need, 3);
	j.result_offset = 1088;
	run_ok(b.fd, &j, NULL);
	assert_all_ones(b.par.ptr, 1088 + 3 * need, 3);
	QT_ASSERT(mem_is_zero(b.res.ptr, b.res.size));
	brig_close(&b);
	assert_objs_restored(&before);
}

QPU_TEST(missing_or_unknown_buffers)
{
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct brig b;
	uint32_t plain;
	struct qpu_gate g[2] = { gate_1q(QPU_OP_X, 0), gate_measure(0, 0) };

	read_objs(&before);
	brig_open(&b);
	j = brig_job(&b, 0, 0);
	j.param_buf = 0;
	run_fails(b.fd, &j, EINVAL, &b.res, "parameters needed, no buffer");
	j = brig_job(&b, 0, 0);
	j.param_buf = 9999;
	run_fails(b.fd, &j, ENOENT, &b.res, "unknown parameter buffer");
	j = brig_job(&b, 0, 0);
	j.result_buf = 9999;
	run_fails(b.fd, &j, ENOENT, NULL, "unknown result buffer");
	QT_ASSERT(mem_is_zero(b.res.ptr, b.res.size));
	/* A parameter buffer for a circuit without parameters is harmless. */
	plain = circ_load_ok(b.fd, &(struct circ_spec){
		.alloc = b.alloc, .num_qubits = 1, .num_clbits = 1,
		.gates = g, .num_gates = 2 }, NULL);
	j = brig_job(&b, 0, 0);
	j.circuit = plain;
	run_ok(b.fd, &j, NULL);
	QT_ASSERT_EQ(slice_count_of(slice_at(b.res.ptr, 0), 1), SHOTS);
	circ_free_ok(b.fd, plain);
	brig_close(&b);
	assert_objs_restored(&before);
}

/* ---- isolation between files --------------------------------------------- */

/*
 * Circuits and buffers of one open file are ENOENT from another, even
 * when that file has objects of its own; failed attempts leave the
 * owner's objects working.
 */
QPU_TEST(handles_isolated_between_files)
{
	struct qpu_objs before;
	struct qpu_job_desc j;
	struct mbuf third;
	struct brig a, b;
	uint32_t extra;

	read_objs(&before);
	brig_open(&a);
	/* A has a second circuit, a third buffer: handles B does not have. */
	extra = load_two_ry(a.fd, a.alloc);
	mbuf_new_ok(a.fd, page_size(), &third);
	memset(third.ptr, 'A', third.size);
	brig_open(&b);
	QT_ASSERT_GT(extra, b.circ);
	QT_ASSERT_GT(third.handle, b.res.handle);
	QT_ASSERT_GT(third.handle, b.par.handle);

	j = brig_job(&a, 0, 0);
	j.circuit = extra;
	j.param_buf = b.par.handle;
	j.result_buf = b.res.handle;
	run_fails(b.fd, &j, ENOENT, &b.res, "another file's circuit");
	QT_ASSERT_EQ(circ_free_raw(b.fd, extra), -ENOENT);
	j = brig_job(&b, 0, 0);
	j.result_buf = third.handle;
	run_fails(b.fd, &j, ENOENT, &b.res, "another file's result buffer");
	j = brig_job(&b, 0, 0);
	j.param_buf = third.handle;
	run_fails(b.fd, &j, ENOENT, &b.res, "another file's parameter buffer");
	QT_ASSERT_EQ(buf_destroy_raw(b.fd, third.handle), -ENOENT);
	QT_ASSERT_ERRNO(buf_map(b.fd, third.size, MAP_SHARED, third.mmap_offset),
			EINVAL);
	/* A's objects still work in A, untouched. */
	QT_ASSERT_EQ(((char *)third.ptr)[third.size - 1], 'A');
	j = brig_job(&a, 0, 0);
	j.circuit = extra;
	j.result_buf = third.handle;
	run_ok(a.fd, &j, NULL);
	assert_all_ones(third.ptr, 0, 0);
	mbuf_free_ok(a.fd, &third);
	circ_free_ok(a.fd, extra);
	brig_close(&b);
	brig_close(&a);
	assert_objs_restored(&before);
}

/*
 * Two files with the same handle numbers: each run reads the parameters
 * and writes the results of the submitting file's buffers only.
 */
QPU_TEST(results_only_in_submitter_buffers)
{
	struct qpu_objs before;
	struct qpu_job_desc ja, jb;
	struct brig a, b;

	read_objs(&before);
	brig_open(&a);
	brig_open(&b);
	QT_ASSERT_EQ(a.res.handle, b.res.handle);
	QT_ASSERT_EQ(a.par.handle, b.par.handle);
	QT_ASSERT_EQ(a.circ, b.circ);
	/* A's parameters (pi, pi); B's (0, 0). */
	ja = brig_job(&a, 0, 0);
	jb = ja;

	run_ok(a.fd, &ja, NULL);
	assert_all_ones(a.res.ptr, 0, 0);
	QT_ASSERT(mem_is_zero(b.res.ptr, b.res.size));
	QT_ASSERT(mem_is_zero(b.par.ptr, b.par.size));

	memset(a.res.ptr, 0, a.res.size);
	run_ok(b.fd, &jb, NULL);
	QT_ASSERT(mem_is_zero(a.res.ptr, a.res.size));
	assert_slice_ok(slice_at(b.res.ptr, 0), 2, SHOTS, 0, 0);
	QT_ASSERT_EQ(slice_count_of(slice_at(b.res.ptr, 0), 0), SHOTS);
	brig_close(&b);
	brig_close(&a);
	assert_objs_restored(&before);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
