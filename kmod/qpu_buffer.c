// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_buffer.c - buffers shared between a process and the driver.
 *
 * A buffer is an array of pages charged to the creating process's memory
 * cgroup, mapped once into the kernel (vmap) and, through mmap() of the
 * same file, into the process. Parameters are read and results written in
 * place: nothing is copied between a training loop and the simulator.
 *
 * The mmap offset of buffer H is H << 32: mmap() of another file cannot
 * find it (its table has no H), and the offset's low bits must be zero.
 *
 * Lifetime: the handle table holds one reference and each job holds one;
 * user mappings hold their own page references (vm_map_pages_zero()), so
 * munmap(), destroy and jobs can end in any order. ctx->lock protects the
 * handle table.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "qpu_abi.h"
#include "qpu_buffer.h"
#include "qpu_ctx.h"
#include "qpu_debugfs.h"

#define QPU_BUFFER_OFFSET_SHIFT	32

static void qpu_buffer_free_pages(struct qpu_buffer *buf)
{
	unsigned int i;

	for (i = 0; i < buf->npages; i++)
		if (buf->pages[i])
			__free_page(buf->pages[i]);
	kvfree(buf->pages);
}

static void qpu_buffer_release(struct kref *ref)
{
	struct qpu_buffer *buf = container_of(ref, struct qpu_buffer, ref);

	vunmap(buf->vaddr);
	qpu_buffer_free_pages(buf);
	kfree(buf);
	qpu_obj_dec(QPU_OBJ_BUFFERS);
}

void qpu_buffer_put(struct qpu_buffer *buf)
{
	if (buf)
		kref_put(&buf->ref, qpu_buffer_release);
}

static struct qpu_buffer *qpu_buffer_alloc(size_t size)
{
	struct qpu_buffer *buf;
	unsigned int i;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return NULL;
	kref_init(&buf->ref);
	buf->size = size;
	buf->npages = size >> PAGE_SHIFT;
	buf->pages = kvcalloc(buf->npages, sizeof(*buf->pages), GFP_KERNEL_ACCOUNT);
	if (!buf->pages)
		goto err;
	for (i = 0; i < buf->npages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!buf->pages[i])
			goto err;
	}
	buf->vaddr = vmap(buf->pages, buf->npages, VM_MAP, PAGE_KERNEL);
	if (!buf->vaddr)
		goto err;
	qpu_obj_inc(QPU_OBJ_BUFFERS);
	return buf;
err:
	if (buf->pages)
		qpu_buffer_free_pages(buf);
	kfree(buf);
	return NULL;
}

int qpu_buffer_create(struct qpu_ctx *ctx, struct qpu_buffer_create *arg)
{
	struct qpu_buffer *buf;
	u32 handle;
	int ret;

	if (arg->flags || !qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	if (!arg->size)
		return -EINVAL;
	if (arg->size > QPU_MAX_BUFFER_SIZE)
		return -E2BIG;

	buf = qpu_buffer_alloc(PAGE_ALIGN(arg->size));
	if (!buf)
		return -ENOMEM;

	mutex_lock(&ctx->lock);
	ret = xa_alloc_cyclic(&ctx->buffers, &handle, buf, xa_limit_31b,
			      &ctx->buffer_next, GFP_KERNEL_ACCOUNT);
	mutex_unlock(&ctx->lock);
	if (ret < 0) {
		qpu_buffer_put(buf);
		return ret;
	}
	arg->handle = handle;
	arg->size = buf->size;
	arg->mmap_offset = (u64)handle << QPU_BUFFER_OFFSET_SHIFT;
	return 0;
}

int qpu_buffer_destroy(struct qpu_ctx *ctx, struct qpu_buffer_destroy *arg)
{
	struct qpu_buffer *buf;

	if (arg->flags || !qpu_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	mutex_lock(&ctx->lock);
	buf = arg->handle ? xa_erase(&ctx->buffers, arg->handle) : NULL;
	mutex_unlock(&ctx->lock);
	if (!buf)
		return -ENOENT;
	qpu_buffer_put(buf);
	return 0;
}

int qpu_buffer_mmap(struct qpu_ctx *ctx, struct vm_area_struct *vma)
{
	unsigned long pgshift = QPU_BUFFER_OFFSET_SHIFT - PAGE_SHIFT;
	unsigned long len = vma->vm_end - vma->vm_start;
	struct qpu_buffer *buf;
	int ret;

	if (vma->vm_pgoff & ((1UL << pgshift) - 1))
		return -EINVAL;
	/* A private mapping would copy on write and hide the kernel's writes. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	buf = xa_load(&ctx->buffers, vma->vm_pgoff >> pgshift);
	if (!buf || len != buf->size) {
		ret = -EINVAL;
		goto out;
	}
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	ret = vm_map_pages_zero(vma, buf->pages, buf->npages);
out:
	mutex_unlock(&ctx->lock);
	return ret;
}
