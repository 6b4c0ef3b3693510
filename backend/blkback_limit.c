// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * A vbd's rate limit: one token bucket of the core (pvio_bucket) for
 * requests per second and one for bytes per second. A request goes when
 * both let it, and is then charged to both.
 */
#include <linux/ktime.h>
#include <linux/minmax.h>

#include "blkback.h"

void blkback_limit_init(struct blkback_limit *l)
{
	spin_lock_init(&l->lock);
	blkback_limit_set(l, 0, 0);
}

/* Change the limits at once; the buckets start full (100 ms worth). */
void blkback_limit_set(struct blkback_limit *l, u32 iops, u32 bps)
{
	u64 now = ktime_get_ns();

	spin_lock(&l->lock);
	pvio_bucket_set(&l->iops, iops, 0, now);
	pvio_bucket_set(&l->bytes, bps, 0, now);
	WRITE_ONCE(l->on, iops || bps);
	spin_unlock(&l->lock);
}

/**
 * blkback_limit_take() - charge one request, if the limits allow it now
 * @l: the buckets
 * @bytes: the data the request moves (0 for flush, discard, zeroes)
 *
 * Return: 0 if the request may go (and was charged), else the
 * nanoseconds to wait before asking again.
 */
u64 blkback_limit_take(struct blkback_limit *l, u32 bytes)
{
	u64 now, wait;

	/*
	 * No limit, no lock: a request racing with the setting of a limit
	 * goes as if it came just before.
	 */
	if (!READ_ONCE(l->on))
		return 0;
	spin_lock(&l->lock);
	now = ktime_get_ns();
	wait = max(pvio_bucket_wait(&l->iops, now),
		   pvio_bucket_wait(&l->bytes, now));
	if (!wait) {
		pvio_bucket_charge(&l->iops, 1);
		pvio_bucket_charge(&l->bytes, bytes);
	}
	spin_unlock(&l->lock);
	return wait;
}
