/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_run.h - from a job descriptor to a prepared run (qpu_run.c): the
 * checks, handle lookups and references every run needs before a backend
 * executes it, and the synchronous run, QPU_IOC_RUN.
 *
 * The struct it fills, struct qpu_exec, is the backend's (qpu_backend.h).
 * Functions named *_locked need qpu_ctx.lock held (they assert it).
 */
#ifndef QPU_RUN_H
#define QPU_RUN_H

#include <linux/types.h>
#include <linux/qpu.h>

struct qpu_bpf_done;
struct qpu_count;
struct qpu_ctx;
struct qpu_exec;

int qpu_exec_init(struct qpu_ctx *ctx, struct qpu_exec *x);
int qpu_exec_prepare_locked(struct qpu_ctx *ctx, struct qpu_exec *x,
			    u32 *needed);
void qpu_exec_release_locked(struct qpu_ctx *ctx, struct qpu_exec *x);
void qpu_exec_release(struct qpu_ctx *ctx, struct qpu_exec *x);
int qpu_exec_charge(struct qpu_ctx *ctx, struct qpu_exec *x, bool nowait,
		    struct qpu_refusal *r);
int qpu_exec_begin(struct qpu_exec *x);
void qpu_exec_hash_slice(struct qpu_exec *x, s32 status,
			 const struct qpu_count *counts, u32 ncounts,
			 const u64 *expect, u32 nexpect);
void qpu_exec_done(struct qpu_exec *x, const struct qpu_bpf_done *d);
u32 qpu_exec_state(int status);
int qpu_ctx_run(struct qpu_ctx *ctx, struct qpu_run *arg);

#endif /* QPU_RUN_H */
