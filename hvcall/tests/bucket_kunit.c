// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The backends' token bucket: what it lets through, how long it makes a
 * request wait, and that neither a long pause nor a huge debt makes it
 * wrong or wrap.
 */
#include <kunit/test.h>
#include <linux/time64.h>

#include "pvio_kunit.h"

#define T0	(1000 * NSEC_PER_SEC)	/* any start time */

/* rate 0: no limit, whatever is charged. */
static void bucket_unlimited(struct kunit *test)
{
	struct pvio_bucket b;

	pvio_bucket_set(&b, 0, 0, T0);
	pvio_bucket_charge(&b, U32_MAX);
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, T0), 0ULL);
}

/*
 * 1000 units/s, burst 10: ten requests of one unit go at once, the
 * eleventh waits; a large one passes on a positive balance and the debt
 * it leaves is paid off at the rate.
 */
static void bucket_rate(struct kunit *test)
{
	struct pvio_bucket b;
	int i;

	pvio_bucket_set(&b, 1000, 10, T0);
	for (i = 0; i < 10; i++) {
		KUNIT_ASSERT_EQ(test, pvio_bucket_wait(&b, T0), 0ULL);
		pvio_bucket_charge(&b, 1);
	}
	/* Empty, at 0: positive again a nanosecond later. */
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, T0), 1ULL);
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, T0 + NSEC_PER_MSEC), 0ULL);
	pvio_bucket_charge(&b, 500);
	/* 499 units of debt at 1000/s: half a second, less a ms. */
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, T0 + NSEC_PER_MSEC),
			499 * NSEC_PER_MSEC + 1);
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, T0 + 500 * NSEC_PER_MSEC),
			1ULL);
	KUNIT_EXPECT_EQ(test,
			pvio_bucket_wait(&b, T0 + 500 * NSEC_PER_MSEC + 1),
			0ULL);
}

/* No burst given: 100 ms worth of the rate. */
static void bucket_default_burst(struct kunit *test)
{
	struct pvio_bucket b;

	pvio_bucket_set(&b, 1000, 0, T0);
	KUNIT_EXPECT_EQ(test, b.size, 100LL * NSEC_PER_SEC);
}

/*
 * A burst of 5 s worth of the rate refills in full after a long pause,
 * not a second's worth at a time.
 */
static void bucket_big_burst_refills(struct kunit *test)
{
	struct pvio_bucket b;

	pvio_bucket_set(&b, 1000, 5000, T0);
	KUNIT_ASSERT_EQ(test, pvio_bucket_wait(&b, T0), 0ULL);
	pvio_bucket_charge(&b, 5000);
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, T0 + 2 * NSEC_PER_SEC),
			0ULL);
	KUNIT_EXPECT_EQ(test, b.tokens, 2000LL * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, T0 + 60 * NSEC_PER_SEC),
			0ULL);
	KUNIT_EXPECT_EQ(test, b.tokens, b.size);
	/* And a pause of centuries neither overflows nor overfills. */
	pvio_bucket_charge(&b, U32_MAX);
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, U64_MAX), 0ULL);
	KUNIT_EXPECT_EQ(test, b.tokens, b.size);
}

/*
 * The largest rate and burst, charged the largest request again and
 * again: the debt stops at its floor, the wait stays finite and right.
 */
static void bucket_extremes(struct kunit *test)
{
	struct pvio_bucket b;
	u64 wait;
	int i;

	pvio_bucket_set(&b, U32_MAX, U32_MAX, T0);
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, T0 + NSEC_PER_SEC), 0ULL);
	KUNIT_EXPECT_EQ(test, b.tokens, b.size);
	for (i = 0; i < 8; i++)
		pvio_bucket_charge(&b, U32_MAX);
	KUNIT_EXPECT_EQ(test, b.tokens, -(s64)U32_MAX * NSEC_PER_SEC);
	/* A second pays U32_MAX units back: a second's wait, plus one ns. */
	wait = pvio_bucket_wait(&b, T0 + NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, wait, NSEC_PER_SEC + 1);
	KUNIT_EXPECT_EQ(test, pvio_bucket_wait(&b, T0 + 2 * NSEC_PER_SEC + 1),
			0ULL);
	/* Slow rate, deep debt, long pause: filled, not wrapped. */
	pvio_bucket_set(&b, 1, U32_MAX, T0);
	pvio_bucket_charge(&b, U32_MAX);
	pvio_bucket_charge(&b, U32_MAX);
	KUNIT_EXPECT_GT(test, pvio_bucket_wait(&b, T0 + 3 * NSEC_PER_SEC),
			0ULL);
	KUNIT_EXPECT_EQ(test, b.tokens,
			-(s64)U32_MAX * NSEC_PER_SEC + 3 * NSEC_PER_SEC);
}

static struct kunit_case pvio_bucket_cases[] = {
	KUNIT_CASE(bucket_unlimited),
	KUNIT_CASE(bucket_rate),
	KUNIT_CASE(bucket_default_burst),
	KUNIT_CASE(bucket_big_burst_refills),
	KUNIT_CASE(bucket_extremes),
	{}
};

static struct kunit_suite pvio_bucket_suite = {
	.name = "pvio_bucket",
	.test_cases = pvio_bucket_cases,
};

kunit_test_suite(pvio_bucket_suite);
