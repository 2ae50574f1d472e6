/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_buffer.h - memory shared between a context and the driver
 * (qpu_buffer.c).
 *
 * Owns struct qpu_buffer, reference counted: the context's handle table
 * (ctx->buffers, under qpu_ctx.lock), each job that uses it and, through
 * the page references, each user mapping keep it. Its size and pages
 * never change after creation, so holders read them without a lock.
 */
#ifndef QPU_BUFFER_H
#define QPU_BUFFER_H

#include <linux/kref.h>
#include <linux/types.h>
#include <linux/qpu.h>

struct page;
struct qpu_ctx;
struct vm_area_struct;

/**
 * struct qpu_buffer - memory shared with userspace
 * @ref: references (handle table, jobs)
 * @size: bytes, a multiple of PAGE_SIZE
 * @npages: pages in @pages
 * @pages: the pages, charged to the creator's memory cgroup
 * @vaddr: kernel mapping of @pages
 */
struct qpu_buffer {
	struct kref ref;
	size_t size;
	unsigned int npages;
	struct page **pages;
	void *vaddr;
};

int qpu_buffer_create(struct qpu_ctx *ctx, struct qpu_buffer_create *arg);
int qpu_buffer_destroy(struct qpu_ctx *ctx, struct qpu_buffer_destroy *arg);
void qpu_buffer_put(struct qpu_buffer *buf);
int qpu_buffer_mmap(struct qpu_ctx *ctx, struct vm_area_struct *vma);

#endif /* QPU_BUFFER_H */
