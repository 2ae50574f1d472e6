// SPDX-License-Identifier: GPL-2.0
/*
 * seq.c - per-device sequence tracking (Documentation/qpu/audit.rst,
 * "Sequence numbers and loss"): every record of a device carries the next
 * of its sequence numbers, so a number that never arrives is a loss this
 * file reports, with how much of it the kernel itself counted (the
 * growth of the LOST counter the records carry). The first record of a
 * device is its baseline unless DEV_GET gave a hint before it; a number
 * at or below the last one means the device numbers afresh (it was
 * removed and created again); after the module was reloaded every device
 * does (aud_seq_restart()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auditd.h"

void aud_seq_init(struct aud_seq *s)
{
	memset(s, 0, sizeof(*s));
}

void aud_seq_free(struct aud_seq *s)
{
	free(s->v);
	aud_seq_init(s);
}

const struct aud_seq_dev *aud_seq_get(const struct aud_seq *s,
				      uint32_t dev_id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].dev_id == dev_id)
			return &s->v[i];
	return NULL;
}

/* Device @dev_id's entry, added if it is new; NULL: no memory. */
static struct aud_seq_dev *dev_entry(struct aud_seq *s, uint32_t dev_id)
{
	struct aud_seq_dev *d = (struct aud_seq_dev *)aud_seq_get(s, dev_id);

	if (d)
		return d;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;

		d = realloc(s->v, cap * sizeof(*d));
		if (!d)
			return NULL;
		s->v = d;
		s->cap = cap;
	}
	d = &s->v[s->n++];
	memset(d, 0, sizeof(*d));
	d->dev_id = dev_id;
	return d;
}

int aud_seq_hint(struct aud_seq *s, uint32_t dev_id, uint64_t seq,
		 uint64_t lost)
{
	struct aud_seq_dev *d = dev_entry(s, dev_id);

	if (!d)
		return -ENOMEM;
	if (!d->seen) {
		d->hinted = true;
		d->last_seq = seq;
		d->last_lost = lost;
	}
	return 0;
}

/* Numbers after @d's position up to @upto are missing; @lost: LOST now. */
static void gap(const struct aud_seq_dev *d, uint64_t upto, uint64_t lost,
		struct aud_loss *loss)
{
	loss->dev_id = d->dev_id;
	loss->first_seq = d->last_seq + 1;
	loss->last_seq = upto;
	loss->kernel_lost = lost > d->last_lost ? lost - d->last_lost : 0;
	if (loss->kernel_lost > upto - d->last_seq)
		loss->kernel_lost = upto - d->last_seq;
}

/* @d numbers afresh from @seq (0: none heard); its position goes to 0. */
static void renumbered(struct aud_seq_dev *d, uint64_t prev, uint64_t seq,
		       struct aud_reset *reset)
{
	reset->dev_id = d->dev_id;
	reset->prev_seq = prev;
	reset->seq = seq;
	d->last_seq = 0;
	d->last_lost = 0;
}

int aud_seq_see(struct aud_seq *s, uint32_t dev_id, uint64_t seq,
		uint64_t lost, struct aud_loss *loss, struct aud_reset *reset)
{
	struct aud_seq_dev *d = dev_entry(s, dev_id);
	int ret;

	if (!d)
		return -ENOMEM;
	if (d->restarted) {
		renumbered(d, d->prev_seq, seq, reset);
		if (seq > 1)
			gap(d, seq - 1, lost, loss);	/* from 1 */
		ret = AUD_SEQ_RESET;
	} else if (!d->seen && !d->hinted) {
		ret = AUD_SEQ_BASELINE;
	} else if (seq == d->last_seq + 1) {
		ret = AUD_SEQ_NEXT;
	} else if (seq > d->last_seq) {
		gap(d, seq - 1, lost, loss);
		ret = AUD_SEQ_GAP;
	} else if (!d->seen) {
		/* Sent before the hint was read: it is the baseline. */
		ret = AUD_SEQ_BASELINE;
	} else {
		/* The new device's numbers 1..seq-1 never arrived. */
		renumbered(d, d->last_seq, seq, reset);
		if (seq > 1)
			gap(d, seq - 1, lost, loss);
		ret = AUD_SEQ_RESET;
	}
	if (ret == AUD_SEQ_RESET)
		d->reset_since_mark = true;
	d->seen = true;
	d->hinted = false;
	d->restarted = false;
	d->last_seq = seq;
	d->last_lost = lost;
	return ret;
}

void aud_seq_restart(struct aud_seq *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct aud_seq_dev *d = &s->v[i];

		if (!d->restarted)
			d->prev_seq = d->last_seq;
		d->restarted = true;
		d->hinted = true;	/* at 0: everything from 1 counts */
		d->seen = false;
		d->last_seq = 0;
		d->last_lost = 0;
	}
}

void aud_seq_mark(struct aud_seq *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		s->v[i].mark = s->v[i].last_seq;
		s->v[i].reset_since_mark = false;
	}
}

int aud_seq_close(struct aud_seq *s, uint32_t dev_id, uint64_t target,
		  uint64_t lost, struct aud_loss *loss,
		  struct aud_reset *reset)
{
	struct aud_seq_dev *d = (struct aud_seq_dev *)aud_seq_get(s, dev_id);
	int ret = 0;

	if (!d || (!d->seen && !d->hinted))
		return 0;
	/*
	 * Numbers only grow: a target below the position it had before
	 * DEV_GET is a new numbering none of whose records came.
	 */
	if (d->seen && !d->reset_since_mark && target < d->mark) {
		renumbered(d, d->last_seq, 0, reset);
		ret = AUD_SEQ_CLOSE_RESET;
	}
	if (target <= d->last_seq)
		return ret;
	gap(d, target, lost, loss);
	d->last_seq = target;
	d->last_lost = lost;
	return ret | AUD_SEQ_CLOSE_LOSS;
}
