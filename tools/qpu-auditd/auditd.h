/* SPDX-License-Identifier: GPL-2.0 */
/*
 * auditd.h - qpu-auditd, the daemon that keeps the "qpu" family's audit
 * records (Documentation/qpu/audit.rst, Documentation/qpu/qpu-auditd.rst).
 * One file per concern:
 *
 *  - main.c: options, signals, the loop, the drain on exit;
 *  - log.c: the JSON-lines file: one write(2) per line, fsync in batches,
 *    rotation by size, reopening (SIGHUP);
 *  - seq.c: per-device sequence tracking, the gaps it finds as loss
 *    records;
 *  - record.c: a record (struct qpu_nl_audit) or a loss as one JSON line,
 *    with qpuctl's emitter (tools/qpuctl/json.c);
 *  - calib.c: calibration snapshots, content-addressed by SHA-256.
 *
 * log.c, seq.c, record.c and calib.c's store have no socket in them:
 * qpu_auditd_test (host) links them alone. The daemon is single-threaded;
 * nothing here is locked.
 */
#ifndef QPU_AUDITD_H
#define QPU_AUDITD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "qpu_nl.h"

/* ---- record.c ----------------------------------------------------------- */

/**
 * struct aud_loss - sequence numbers @first_seq..@last_seq of device
 *	@dev_id that this log will never hold
 * @kernel_lost: how many of them the kernel itself failed to send (the
 *	growth of its LOST counter across the gap); the rest were lost by
 *	this listener (socket overrun, malformed messages) or while it was
 *	not listening
 */
struct aud_loss {
	uint32_t dev_id;
	uint64_t first_seq;
	uint64_t last_seq;
	uint64_t kernel_lost;
};

/**
 * struct aud_reset - device @dev_id's sequence went back: @seq arrived
 *	after @prev_seq (the device was removed and created again, its
 *	numbering restarts at 1)
 */
struct aud_reset {
	uint32_t dev_id;
	uint64_t prev_seq;
	uint64_t seq;
};

/* The "type" of a record: "load", "job", ... ("unknown" if none). */
const char *aud_record_type(uint8_t cmd);
/* One JSON line (newline included) on @f. */
void aud_record_json(FILE *f, const struct qpu_nl_audit *r);
void aud_loss_json(FILE *f, const struct aud_loss *l, uint64_t time_ns);
void aud_reset_json(FILE *f, const struct aud_reset *r, uint64_t time_ns);
/* {"type":"calib_missing","dev_id","calib_epoch"[,"calib_hash"],"error","time"} */
void aud_calib_missing_json(FILE *f, uint32_t dev_id, uint64_t epoch,
			    const uint8_t *hash, const char *error,
			    uint64_t time_ns);
/* @hash as 64 lower-case hex digits into @hex (65 bytes). */
void aud_hex(const uint8_t *hash, char *hex);

/* ---- seq.c -------------------------------------------------------------- */

/* What aud_seq_see() made of a record. */
enum aud_seq_result {
	AUD_SEQ_BASELINE,	/* the first of its device: no loss claimed */
	AUD_SEQ_NEXT,		/* last + 1 */
	AUD_SEQ_GAP,		/* a gap before it: *@loss */
	AUD_SEQ_RESET,		/* seq <= last: *@reset, and *@loss if seq > 1 */
};

/* One device's position (of struct aud_seq). */
struct aud_seq_dev {
	uint32_t dev_id;
	bool seen;		/* a record arrived: last_* are its */
	bool hinted;		/* no record yet, but last_* are known */
	bool restarted;		/* the module was reloaded: numbering from 1 */
	uint64_t prev_seq;	/* of @restarted: the last before it */
	bool reset_since_mark;	/* a reset came after aud_seq_mark() */
	uint64_t mark;		/* last_seq at aud_seq_mark() */
	uint64_t last_seq;
	uint64_t last_lost;
};

/** struct aud_seq - the sequence position of every device heard of */
struct aud_seq {
	struct aud_seq_dev *v;
	size_t n, cap;
};

void aud_seq_init(struct aud_seq *s);
void aud_seq_free(struct aud_seq *s);
/*
 * Before any record of device @dev_id: its AUDIT_SEQ and AUDIT_LOST read
 * with DEV_GET after the subscription was in place. A first record past
 * @seq + 1 then reveals a gap; a device that sends nothing can still be
 * drained. Ignored once a record arrived.
 */
int aud_seq_hint(struct aud_seq *s, uint32_t dev_id, uint64_t seq,
		 uint64_t lost);
/*
 * The family went and came back (qpu.ko reloaded): every device numbers
 * from 1 again. Its next record gives AUD_SEQ_RESET (and a loss of
 * 1..seq-1); draining before one claims 1..target.
 */
void aud_seq_restart(struct aud_seq *s);
/* A record's SEQ and LOST: see enum aud_seq_result. -ENOMEM. */
int aud_seq_see(struct aud_seq *s, uint32_t dev_id, uint64_t seq,
		uint64_t lost, struct aud_loss *loss, struct aud_reset *reset);
/* Draining, before its DEV_GET: remember every device's position. */
void aud_seq_mark(struct aud_seq *s);

/* What aud_seq_close() found. */
enum {
	AUD_SEQ_CLOSE_LOSS	= 1 << 0,	/* *@loss */
	AUD_SEQ_CLOSE_RESET	= 1 << 1,	/* *@reset: re-created, unheard */
};

/*
 * Draining: the device's DEV_GET AUDIT_SEQ and AUDIT_LOST as @target and
 * @lost, read after aud_seq_mark() and after every record up to @target
 * was read. AUD_SEQ_CLOSE_LOSS with *@loss if numbers up to @target are
 * missing; with AUD_SEQ_CLOSE_RESET too (*@reset, seq 0) if @target is
 * below the mark and no reset came since: the device was created again
 * and nothing of its new numbering arrived, the loss is 1..@target. 0 if
 * nothing is missing (or the device is unknown). The position moves to
 * @target.
 */
int aud_seq_close(struct aud_seq *s, uint32_t dev_id, uint64_t target,
		  uint64_t lost, struct aud_loss *loss,
		  struct aud_reset *reset);
/* Device @dev_id's position (NULL if never heard of). */
const struct aud_seq_dev *aud_seq_get(const struct aud_seq *s,
				      uint32_t dev_id);

/* ---- log.c -------------------------------------------------------------- */

/**
 * struct aud_log - the JSON-lines file DIR/audit.jsonl
 * @max_size: rotate before a line would take it past this (0: never)
 * @keep: rotated files kept: audit.jsonl.1 (newest) .. .@keep
 * @batch: fsync after this many lines ...
 * @flush_ms: ... or when the oldest line not synced is this old
 */
struct aud_log {
	char path[4096];
	int fd;
	uint64_t size;
	uint64_t max_size;
	unsigned int keep;
	unsigned int batch;
	unsigned int flush_ms;
	unsigned int pending;		/* lines written since the last fsync */
	uint64_t pending_since_ms;	/* CLOCK_MONOTONIC of the first */
	uint64_t lines;			/* written since start */
	uint64_t rotations;
};

/* Open (create, append to) DIR/audit.jsonl. 0 or -errno. */
int aud_log_open(struct aud_log *l, const char *dir, uint64_t max_size,
		 unsigned int keep, unsigned int batch, unsigned int flush_ms);
/* One line (@len bytes, its newline included) in one write(2). */
int aud_log_write(struct aud_log *l, const char *line, size_t len,
		  uint64_t now_ms);
/* fsync if a line is pending (always on rotation, reopen and close). */
int aud_log_sync(struct aud_log *l);
/* fsync if the oldest pending line is @flush_ms old; ms until then, or -1. */
int aud_log_tick(struct aud_log *l, uint64_t now_ms);
/* Close and open the path again (after an external rename: SIGHUP). */
int aud_log_reopen(struct aud_log *l);
/* audit.jsonl -> .1 -> .2 ... -> .keep (dropped), a new audit.jsonl. */
int aud_log_rotate(struct aud_log *l);
void aud_log_close(struct aud_log *l);

/* ---- calib.c ------------------------------------------------------------ */

/*
 * Store calibration @data (@len bytes) as DIR/<hex of @hash> if
 * SHA-256(@data) is @hash: through a temporary file, fsynced, renamed. 0
 * (also when it was already there), -EBADMSG if the hash differs, -errno.
 */
int aud_calib_store(const char *dir, const uint8_t *hash, const void *data,
		    size_t len);
/* DIR/<hex of @hash> exists. */
bool aud_calib_have(const char *dir, const uint8_t *hash);
/* SHA-256 of @data with libcrypto's EVP. 0 or -EIO. */
int aud_sha256(const void *data, size_t len, uint8_t *out);

/*
 * Fetch epoch @epoch of device @dev_id with CALIB_GET (dump) and store
 * it; @hash, if not NULL, is what the record said it must hash to. 0,
 * or -errno with a description in @err (then the caller logs a
 * calib_missing record).
 */
int aud_calib_snapshot(struct qpu_nl *nl, const char *dir, uint32_t dev_id,
		       uint64_t epoch, const uint8_t *hash, char *err,
		       size_t errlen);

#endif /* QPU_AUDITD_H */
