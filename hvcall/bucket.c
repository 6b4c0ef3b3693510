// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * A token bucket, for the backends' rate limits (a vbd's IOPS and bytes
 * per second, a vif's bytes per second). Refilled by the time elapsed; a
 * request is let through while the balance is positive and then charged
 * in full, so one larger than the bucket passes on a full bucket and
 * leaves a debt: the long-run rate is right whatever the request sizes.
 *
 * Balances are kept in units * NSEC_PER_SEC, so that refilling is
 * rate * elapsed_ns with no division on the hot path. With rate and
 * burst below 2^32, the balance between -2^32 and 2^32 units, and more
 * than a second refilled at once only below what fills the bucket, no
 * sum passes 2^63.
 */
#include <linux/export.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/time64.h>

#include "pvio.h"

/* A bucket given no burst holds this much time's worth of tokens. */
#define PVIO_BUCKET_BURST_NS	(100 * NSEC_PER_MSEC)

/**
 * pvio_bucket_set() - give a bucket a new rate and size; it starts full
 * @b: the bucket
 * @rate: units per second, 0 for no limit
 * @burst: units the bucket holds, 0 for 100 ms worth of @rate
 * @now: ktime_get_ns()
 */
void pvio_bucket_set(struct pvio_bucket *b, u32 rate, u32 burst, u64 now)
{
	b->rate = rate;
	b->size = burst ? (s64)burst * NSEC_PER_SEC :
			  (s64)rate * PVIO_BUCKET_BURST_NS;
	b->tokens = b->size;
	b->last_ns = now;
}
EXPORT_SYMBOL_GPL(pvio_bucket_set);

/**
 * pvio_bucket_wait() - refill a bucket up to now and say if it may spend
 * @b: the bucket
 * @now: ktime_get_ns()
 *
 * Return: 0 if a request may go now (then pvio_bucket_charge() it), else
 * the nanoseconds until the balance is positive again.
 */
u64 pvio_bucket_wait(struct pvio_bucket *b, u64 now)
{
	u64 elapsed = now - b->last_ns;

	b->last_ns = now;
	if (!b->rate)
		return 0;
	/*
	 * Past a second, rate * elapsed could overflow: divide instead
	 * (rarely: an idle bucket), and fill it if that is long enough. A
	 * bucket bigger than a second's worth fills after a long pause too.
	 */
	if (elapsed > NSEC_PER_SEC &&
	    elapsed >= div64_u64(b->size - b->tokens, b->rate))
		b->tokens = b->size;
	else
		b->tokens = min(b->size,
				b->tokens + (s64)b->rate * (s64)elapsed);
	if (b->tokens > 0)
		return 0;
	return div_u64((u64)-b->tokens, b->rate) + 1;
}
EXPORT_SYMBOL_GPL(pvio_bucket_wait);

/**
 * pvio_bucket_charge() - spend @units of a bucket, which may go in debt
 * @b: the bucket, which pvio_bucket_wait() just let through
 * @units: what the request costs
 */
void pvio_bucket_charge(struct pvio_bucket *b, u32 units)
{
	/* Deep enough for any one charge, and far from wrapping. */
	const s64 floor = -(s64)U32_MAX * NSEC_PER_SEC;

	if (b->rate)
		b->tokens = max(b->tokens - (s64)units * NSEC_PER_SEC, floor);
}
EXPORT_SYMBOL_GPL(pvio_bucket_charge);
