// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * common/ring.h in kernel context: the SPSC ring (push, pop, wrap of the
 * free-running indices, a hostile peer's indices) and the coalescing
 * arithmetic the event channels use.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "ring.h"

#define RING_ORDER	3
#define RING_SIZE	((u32)BIT(RING_ORDER))
#define ENTRY_SIZE	16

struct ring_pair {
	struct pvio_ring_shared *sh;
	struct pvio_ring prod;
	struct pvio_ring cons;
};

/* A shared ring whose indices start at @start, a view for each side. */
static struct ring_pair *ring_pair_new(struct kunit *test, u32 start)
{
	struct ring_pair *rp = kunit_kzalloc(test, sizeof(*rp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rp);
	rp->sh = kunit_kzalloc(test, PVIO_RING_BYTES(RING_ORDER, ENTRY_SIZE),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rp->sh);
	KUNIT_ASSERT_EQ(test, pvio_ring_init_shared(rp->sh, RING_ORDER,
						    ENTRY_SIZE), 0);
	rp->sh->prod = cpu_to_le32(start);
	rp->sh->cons = cpu_to_le32(start);
	KUNIT_ASSERT_EQ(test, pvio_ring_attach(&rp->prod, rp->sh, RING_ORDER,
					       ENTRY_SIZE), 0);
	KUNIT_ASSERT_EQ(test, pvio_ring_attach(&rp->cons, rp->sh, RING_ORDER,
					       ENTRY_SIZE), 0);
	return rp;
}

/* Entry number @n: every byte says which entry it is. */
static void fill_entry(u8 *slot, u32 n)
{
	memset(slot, (u8)(n * 7 + 1), ENTRY_SIZE);
}

/* Push @n entries numbered from @first; publish them; true: kick. */
static bool push_n(struct kunit *test, struct ring_pair *rp, u32 first, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		u8 *slot = pvio_ring_prod_slot(&rp->prod);

		KUNIT_ASSERT_NOT_NULL(test, slot);
		fill_entry(slot, first + i);
		pvio_ring_prod_push(&rp->prod);
	}
	return pvio_ring_publish(&rp->prod);
}

/* Pop @n entries, checking they are the ones numbered from @first. */
static void pop_n(struct kunit *test, struct ring_pair *rp, u32 first, u32 n)
{
	u8 got[ENTRY_SIZE], want[ENTRY_SIZE];
	u32 i;

	KUNIT_ASSERT_EQ(test, pvio_ring_avail(&rp->cons), (int)n);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, pvio_ring_cons_copy(&rp->cons, got), 0);
		fill_entry(want, first + i);
		KUNIT_EXPECT_MEMEQ(test, got, want, ENTRY_SIZE);
	}
	KUNIT_EXPECT_EQ(test, pvio_ring_cons_copy(&rp->cons, got), -ENODATA);
	pvio_ring_cons_release(&rp->cons);
}

static void ring_push_pop(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 0);

	KUNIT_EXPECT_EQ(test, pvio_ring_avail(&rp->cons), 0);
	KUNIT_EXPECT_EQ(test, pvio_ring_free(&rp->prod), (int)RING_SIZE);
	push_n(test, rp, 0, 5);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(rp->sh->prod), 5u);
	KUNIT_EXPECT_EQ(test, pvio_ring_free(&rp->prod), (int)RING_SIZE - 5);
	pop_n(test, rp, 0, 5);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(rp->sh->cons), 5u);
	KUNIT_EXPECT_EQ(test, pvio_ring_free(&rp->prod), (int)RING_SIZE);
}

/* Entries are invisible to the consumer until published. */
static void ring_publish_needed(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 0);
	u8 *slot;

	slot = pvio_ring_prod_slot(&rp->prod);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	pvio_ring_prod_push(&rp->prod);
	KUNIT_EXPECT_EQ(test, pvio_ring_avail(&rp->cons), 0);
	pvio_ring_publish(&rp->prod);
	KUNIT_EXPECT_EQ(test, pvio_ring_avail(&rp->cons), 1);
}

static void ring_full(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 0);

	push_n(test, rp, 0, RING_SIZE);
	KUNIT_EXPECT_EQ(test, pvio_ring_free(&rp->prod), 0);
	KUNIT_EXPECT_NULL(test, pvio_ring_prod_slot(&rp->prod));
	pop_n(test, rp, 0, RING_SIZE);
	KUNIT_EXPECT_NOT_NULL(test, pvio_ring_prod_slot(&rp->prod));
}

/* The indices run over 2^32 and the slots wrap around the ring. */
static void ring_wrap(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 0xfffffffdu);
	u32 round;

	for (round = 0; round < 4; round++) {
		push_n(test, rp, round * 6, 6);
		pop_n(test, rp, round * 6, 6);
	}
	/* 0xfffffffd + 24 wraps to 21. */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(rp->sh->prod), 21u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(rp->sh->cons), 21u);
	KUNIT_EXPECT_EQ(test, pvio_ring_free(&rp->prod), (int)RING_SIZE);
}

/* A slot handed to the producer is zeroed: no stale bytes reach the peer. */
static void ring_slot_cleared(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 0);
	u8 zero[ENTRY_SIZE] = {};
	u8 *slot;

	memset(rp->sh->slots, 0xa5, ENTRY_SIZE * RING_SIZE);
	slot = pvio_ring_prod_slot(&rp->prod);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_EXPECT_MEMEQ(test, slot, zero, ENTRY_SIZE);
}

/* A producer index more than a ring ahead breaks the view for good. */
static void ring_hostile_prod(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 100);
	u8 buf[ENTRY_SIZE];

	rp->sh->prod = cpu_to_le32(100 + RING_SIZE + 1);
	KUNIT_EXPECT_EQ(test, pvio_ring_avail(&rp->cons), -EPROTO);
	/* Sticky: an honest-looking index later does not repair it. */
	rp->sh->prod = cpu_to_le32(101);
	KUNIT_EXPECT_EQ(test, pvio_ring_avail(&rp->cons), -EPROTO);
	KUNIT_EXPECT_EQ(test, pvio_ring_cons_copy(&rp->cons, buf), -EPROTO);
}

/* A producer index moving backwards is as bad. */
static void ring_hostile_prod_backwards(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 100);

	push_n(test, rp, 0, 4);
	KUNIT_ASSERT_EQ(test, pvio_ring_avail(&rp->cons), 4);
	rp->sh->prod = cpu_to_le32(99);
	KUNIT_EXPECT_EQ(test, pvio_ring_avail(&rp->cons), -EPROTO);
}

/* A consumer index past what was published breaks the producer's view. */
static void ring_hostile_cons(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 0);

	push_n(test, rp, 0, 2);
	rp->sh->cons = cpu_to_le32(3);
	KUNIT_EXPECT_EQ(test, pvio_ring_free(&rp->prod), -EPROTO);
	KUNIT_EXPECT_NULL(test, pvio_ring_prod_slot(&rp->prod));
}

static void ring_attach_checks(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 0);
	struct pvio_ring r;

	KUNIT_EXPECT_EQ(test, pvio_ring_attach(&r, rp->sh, RING_ORDER, 12),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pvio_ring_attach(&r, rp->sh,
					       PVIO_RING_ORDER_MAX + 1,
					       ENTRY_SIZE), -EINVAL);
	rp->sh->prod = cpu_to_le32(RING_SIZE + 1);
	KUNIT_EXPECT_EQ(test, pvio_ring_attach(&r, rp->sh, RING_ORDER,
					       ENTRY_SIZE), -EPROTO);
}

/* Event indices: a kick only when the consumer asked for one. */
static void ring_notify_suppression(struct kunit *test)
{
	struct ring_pair *rp = ring_pair_new(test, 0);

	/* A fresh ring asks for a kick at entry 0. */
	KUNIT_EXPECT_TRUE(test, push_n(test, rp, 0, 1));
	/* The consumer did not re-arm: no more kicks. */
	KUNIT_EXPECT_FALSE(test, push_n(test, rp, 1, 1));
	/* Drained and re-armed with nothing pending: the next entry kicks. */
	pop_n(test, rp, 0, 2);
	KUNIT_EXPECT_FALSE(test, pvio_ring_cons_enable_notify(&rp->cons));
	KUNIT_EXPECT_TRUE(test, push_n(test, rp, 2, 1));
	/* Re-armed with an entry pending: the consumer must not sleep. */
	KUNIT_EXPECT_TRUE(test, pvio_ring_cons_enable_notify(&rp->cons));
}

static void ring_need_event(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, pvio_need_event(5, 6, 5));
	KUNIT_EXPECT_FALSE(test, pvio_need_event(6, 6, 5));
	KUNIT_EXPECT_FALSE(test, pvio_need_event(4, 6, 5));
	/* across the wrap of the indices */
	KUNIT_EXPECT_TRUE(test, pvio_need_event(0xffffffffu, 2, 0xfffffffeu));
	KUNIT_EXPECT_TRUE(test, pvio_need_event(1, 2, 0xfffffffeu));
	KUNIT_EXPECT_FALSE(test, pvio_need_event(2, 2, 0xfffffffeu));
}

static struct kunit_case pvio_ring_cases[] = {
	KUNIT_CASE(ring_push_pop),
	KUNIT_CASE(ring_publish_needed),
	KUNIT_CASE(ring_full),
	KUNIT_CASE(ring_wrap),
	KUNIT_CASE(ring_slot_cleared),
	KUNIT_CASE(ring_hostile_prod),
	KUNIT_CASE(ring_hostile_prod_backwards),
	KUNIT_CASE(ring_hostile_cons),
	KUNIT_CASE(ring_attach_checks),
	KUNIT_CASE(ring_notify_suppression),
	KUNIT_CASE(ring_need_event),
	{}
};

static struct kunit_suite pvio_ring_suite = {
	.name = "pvio_ring",
	.test_cases = pvio_ring_cases,
};

/* ---- coalescing arithmetic ---- */

static void coalesce_off(struct kunit *test)
{
	struct pvio_coalesce c = {};

	KUNIT_EXPECT_FALSE(test, pvio_coalesce_fire_now(&c, 0, 100, 0));
	KUNIT_EXPECT_TRUE(test, pvio_coalesce_fire_now(&c, 1, 0, 0));
	KUNIT_EXPECT_EQ(test, pvio_coalesce_deadline_ns(&c, 1000), 0ull);
}

static void coalesce_frames(struct kunit *test)
{
	struct pvio_coalesce c = { .max_frames = 3 };

	KUNIT_EXPECT_FALSE(test, pvio_coalesce_fire_now(&c, 1, 0, 0));
	KUNIT_EXPECT_FALSE(test, pvio_coalesce_fire_now(&c, 2, 0, 0));
	KUNIT_EXPECT_TRUE(test, pvio_coalesce_fire_now(&c, 3, 0, 0));
	KUNIT_EXPECT_TRUE(test, pvio_coalesce_fire_now(&c, 4, 0, 0));
	/* No time limit: frames alone hold the kick, however long. */
	KUNIT_EXPECT_FALSE(test, pvio_coalesce_fire_now(&c, 2, U64_MAX / 2, 0));
	KUNIT_EXPECT_EQ(test, pvio_coalesce_deadline_ns(&c, 1000), 0ull);
}

static void coalesce_usecs(struct kunit *test)
{
	struct pvio_coalesce c = { .usecs = 10 };

	KUNIT_EXPECT_FALSE(test, pvio_coalesce_fire_now(&c, 50, 5000 + 9999,
							5000));
	KUNIT_EXPECT_TRUE(test, pvio_coalesce_fire_now(&c, 1, 5000 + 10000,
						       5000));
	KUNIT_EXPECT_FALSE(test, pvio_coalesce_fire_now(&c, 0, 5000 + 10000,
							5000));
	KUNIT_EXPECT_EQ(test, pvio_coalesce_deadline_ns(&c, 5000), 15000ull);
}

static void coalesce_both(struct kunit *test)
{
	struct pvio_coalesce c = { .max_frames = 4, .usecs = 100 };

	KUNIT_EXPECT_FALSE(test, pvio_coalesce_fire_now(&c, 3, 99999, 0));
	KUNIT_EXPECT_TRUE(test, pvio_coalesce_fire_now(&c, 4, 0, 0));
	KUNIT_EXPECT_TRUE(test, pvio_coalesce_fire_now(&c, 1, 100000, 0));
}

/* The clock wrapping between the two readings. */
static void coalesce_clock_wrap(struct kunit *test)
{
	struct pvio_coalesce c = { .usecs = 10 };
	u64 first = U64_MAX - 499;

	KUNIT_EXPECT_FALSE(test, pvio_coalesce_fire_now(&c, 1, 9499, first));
	KUNIT_EXPECT_TRUE(test, pvio_coalesce_fire_now(&c, 1, 9500, first));
	KUNIT_EXPECT_EQ(test, pvio_coalesce_deadline_ns(&c, first), 9500ull);
	/* A deadline landing on 0 (no timer) moves to 1. */
	KUNIT_EXPECT_EQ(test, pvio_coalesce_deadline_ns(&c, U64_MAX - 9999),
			1ull);
}

static void coalesce_large(struct kunit *test)
{
	struct pvio_coalesce c = { .usecs = U32_MAX };

	/* usecs * 1000 must not overflow 32 bits. */
	KUNIT_EXPECT_FALSE(test, pvio_coalesce_fire_now(&c, 1,
							(u64)U32_MAX * 999,
							0));
	KUNIT_EXPECT_TRUE(test, pvio_coalesce_fire_now(&c, 1,
						       (u64)U32_MAX * 1000,
						       0));
	KUNIT_EXPECT_EQ(test, pvio_coalesce_deadline_ns(&c, 0),
			(u64)U32_MAX * 1000);
}

static struct kunit_case pvio_coalesce_cases[] = {
	KUNIT_CASE(coalesce_off),
	KUNIT_CASE(coalesce_frames),
	KUNIT_CASE(coalesce_usecs),
	KUNIT_CASE(coalesce_both),
	KUNIT_CASE(coalesce_clock_wrap),
	KUNIT_CASE(coalesce_large),
	{}
};

static struct kunit_suite pvio_coalesce_suite = {
	.name = "pvio_coalesce",
	.test_cases = pvio_coalesce_cases,
};

kunit_test_suites(&pvio_ring_suite, &pvio_coalesce_suite);
