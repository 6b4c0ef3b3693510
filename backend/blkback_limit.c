// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * A vbd's rate limit: one token bucket for requests per second and one
 * for bytes per second, refilled by the time elapsed. A request is let
 * through while both balances are positive and then charged in full, so
 * a request larger than the bucket passes on a full bucket and leaves a
 * debt: the long-run rate is right whatever the request sizes.
 *
 * Balances are kept in units * NSEC_PER_SEC, so that refilling is
 * rate * elapsed_ns with no division on the hot path.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>

#include "blkback.h"

/* The bucket holds this much time's worth of tokens: the largest burst. */
#define BLKBACK_LIMIT_BURST_NS	(100 * NSEC_PER_MSEC)

void blkback_limit_init(struct blkback_limit *l)
{
	spin_lock_init(&l->lock);
	blkback_limit_set(l, 0, 0);
}

/* Change the limits at once; the buckets start full. */
void blkback_limit_set(struct blkback_limit *l, u32 iops, u32 bps)
{
	spin_lock(&l->lock);
	l->iops = iops;
	l->bps = bps;
	l->iops_tokens = (s64)iops * BLKBACK_LIMIT_BURST_NS;
	l->bytes_tokens = (s64)bps * BLKBACK_LIMIT_BURST_NS;
	l->last_ns = ktime_get_ns();
	spin_unlock(&l->lock);
}

/* Add what @elapsed nanoseconds earn at @rate, up to a full bucket. */
static void blkback_limit_refill(s64 *tokens, u32 rate, u64 elapsed)
{
	s64 full = (s64)rate * BLKBACK_LIMIT_BURST_NS;

	/* Capped at a second so that rate * elapsed cannot overflow. */
	elapsed = min_t(u64, elapsed, NSEC_PER_SEC);
	*tokens = min(full, *tokens + (s64)rate * (s64)elapsed);
}

/* Nanoseconds until @tokens is positive again at @rate. */
static u64 blkback_limit_wait(s64 tokens, u32 rate)
{
	if (!rate || tokens > 0)
		return 0;
	return div_u64((u64)-tokens, rate) + 1;
}

/**
 * blkback_limit_take() - charge one request, if the limits allow it now
 * @l: the bucket
 * @bytes: the data the request moves (0 for flush, discard, zeroes)
 *
 * Return: 0 if the request may go (and was charged), else the
 * nanoseconds to wait before asking again.
 */
u64 blkback_limit_take(struct blkback_limit *l, u32 bytes)
{
	u64 now, wait;

	spin_lock(&l->lock);
	if (!l->iops && !l->bps) {
		spin_unlock(&l->lock);
		return 0;
	}
	now = ktime_get_ns();
	blkback_limit_refill(&l->iops_tokens, l->iops, now - l->last_ns);
	blkback_limit_refill(&l->bytes_tokens, l->bps, now - l->last_ns);
	l->last_ns = now;
	wait = max(blkback_limit_wait(l->iops_tokens, l->iops),
		   blkback_limit_wait(l->bytes_tokens, l->bps));
	if (!wait) {
		if (l->iops)
			l->iops_tokens -= NSEC_PER_SEC;
		if (l->bps)
			l->bytes_tokens -= (s64)bytes * NSEC_PER_SEC;
	}
	spin_unlock(&l->lock);
	return wait;
}
