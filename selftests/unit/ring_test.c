// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of common/ring.h: wire layout, parameter checks, indices
 * wrapping at 2^32, slot clearing, event-index notification (with an
 * exhaustive search of interleavings for lost wake-ups) and hostile peers.
 *
 * Copyright (C) 2026 The pvio authors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ring.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int check_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("#   %s:%d: CHECK(%s) failed\n",			\
		       __FILE__, __LINE__, #cond);			\
		check_failures++;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		printf("#   %s:%d: %s == %lld, expected %s == %lld\n",	\
		       __FILE__, __LINE__, #a, _a, #b, _b);		\
		check_failures++;					\
	}								\
} while (0)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64: reproducible pseudo-random numbers */
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static struct pvio_ring_shared *ring_alloc(unsigned int order,
					   __u32 entry_size)
{
	size_t bytes = (PVIO_RING_BYTES(order, entry_size) + 63) & ~(size_t)63;
	struct pvio_ring_shared *sh = aligned_alloc(64, bytes);

	if (!sh) {
		perror("aligned_alloc");
		exit(2);
	}
	/* garbage, so that init_shared() has to clear it */
	memset(sh, 0x5a, bytes);
	return sh;
}

/* A fresh ring whose indices all start at @start, with both views. */
static struct pvio_ring_shared *ring_setup(unsigned int order,
					   __u32 entry_size, __u32 start,
					   struct pvio_ring *p,
					   struct pvio_ring *c)
{
	struct pvio_ring_shared *sh = ring_alloc(order, entry_size);

	CHECK_EQ(pvio_ring_init_shared(sh, order, entry_size), 0);
	sh->prod = cpu_to_le32(start);
	sh->cons = cpu_to_le32(start);
	CHECK_EQ(pvio_ring_attach(p, sh, order, entry_size), 0);
	CHECK_EQ(pvio_ring_attach(c, sh, order, entry_size), 0);
	return sh;
}

/* For tests where a free slot is part of the setup, not of the check. */
static void *slot_or_die(struct pvio_ring *p)
{
	void *slot = pvio_ring_prod_slot(p);

	if (!slot) {
		printf("Bail out! no free slot where one must be\n");
		exit(1);
	}
	return slot;
}

static void fill_entry(void *slot, uint64_t seq, __u32 entry_size)
{
	unsigned char *b = slot;
	__u32 i;

	memcpy(b, &seq, sizeof(seq));
	for (i = sizeof(seq); i < entry_size; i++)
		b[i] = (unsigned char)(seq * 31 + i);
}

static int entry_ok(const void *entry, uint64_t seq, __u32 entry_size)
{
	const unsigned char *b = entry;
	uint64_t got;
	__u32 i;

	memcpy(&got, b, sizeof(got));
	if (got != seq)
		return 0;
	for (i = sizeof(seq); i < entry_size; i++)
		if (b[i] != (unsigned char)(seq * 31 + i))
			return 0;
	return 1;
}

static __u32 le32_at(const struct pvio_ring_shared *sh, size_t off)
{
	const unsigned char *b = (const unsigned char *)sh + off;

	return b[0] | b[1] << 8 | b[2] << 16 | (__u32)b[3] << 24;
}

/* Literal numbers on purpose: changing the wire layout must fail here. */
static void test_layout(void)
{
	struct pvio_ring p, c;
	struct pvio_ring_shared *sh;
	unsigned char e[16];
	int i;

	CHECK_EQ(sizeof(struct pvio_ring_shared), 128);
	CHECK_EQ(offsetof(struct pvio_ring_shared, prod), 0);
	CHECK_EQ(offsetof(struct pvio_ring_shared, cons_event), 4);
	CHECK_EQ(offsetof(struct pvio_ring_shared, cons), 64);
	CHECK_EQ(offsetof(struct pvio_ring_shared, prod_event), 68);
	CHECK_EQ(offsetof(struct pvio_ring_shared, slots), 128);
	CHECK_EQ(sizeof(((struct pvio_ring_shared *)0)->prod), 4);
	CHECK_EQ(sizeof(((struct pvio_ring_shared *)0)->cons), 4);
	CHECK_EQ(PVIO_RING_BYTES(0, 8), 136);
	CHECK_EQ(PVIO_RING_BYTES(6, 16), 1152);
	CHECK_EQ(PVIO_RING_BYTES(15, 4096), 134217856);
	CHECK_EQ(PVIO_RING_ORDER_MAX, 15);
	CHECK_EQ(PVIO_RING_ENTRY_MIN, 8);
	CHECK_EQ(PVIO_RING_ENTRY_MAX, 4096);

	/* each helper writes its field little-endian at the frozen offset */
	sh = ring_setup(3, 16, 0x01020300, &p, &c);
	for (i = 0; i < 4; i++) {
		slot_or_die(&p);
		pvio_ring_prod_push(&p);
	}
	pvio_ring_publish(&p);
	CHECK_EQ(le32_at(sh, 0), 0x01020304);
	CHECK(!memcmp(sh, "\x04\x03\x02\x01", 4));
	CHECK_EQ(pvio_ring_avail(&c), 4);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	pvio_ring_cons_release(&c);
	CHECK_EQ(le32_at(sh, 64), 0x01020301);
	CHECK(pvio_ring_cons_enable_notify(&c));
	CHECK_EQ(le32_at(sh, 68), 0x01020301);
	for (i = 0; i < 5; i++) {
		slot_or_die(&p);
		pvio_ring_prod_push(&p);
	}
	CHECK(!pvio_ring_prod_slot(&p));
	pvio_ring_publish(&p);
	CHECK(!pvio_ring_prod_arm_space(&p));
	CHECK_EQ(le32_at(sh, 4), 0x01020301);
	free(sh);
}

static void test_params(void)
{
	static const struct { unsigned int order; __u32 es; } bad[] = {
		{ 16, 8 }, { 31, 8 }, { 32, 8 }, { 1000, 8 }, { ~0U, 8 },
		{ 0, 0 }, { 0, 4 }, { 0, 12 }, { 0, 4097 }, { 0, 4104 },
		{ 0, 8192 }, { 0, 0xfffffff8 }, { 3, 7 },
	};
	static const struct { unsigned int order; __u32 es; } good[] = {
		{ 0, 8 }, { 3, 24 }, { 6, 16 }, { 2, 4096 }, { 15, 8 },
	};
	struct pvio_ring_shared *sh = ring_alloc(3, 64);
	struct pvio_ring r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(!pvio_ring_params_valid(bad[i].order, bad[i].es));
		CHECK_EQ(pvio_ring_attach(&r, sh, bad[i].order, bad[i].es),
			 -EINVAL);
		/* must not write to memory it was not given */
		CHECK_EQ(pvio_ring_init_shared(sh, bad[i].order, bad[i].es),
			 -EINVAL);
		CHECK_EQ(le32_at(sh, 0), 0x5a5a5a5a);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++)
		CHECK(pvio_ring_params_valid(good[i].order, good[i].es));
	CHECK(pvio_ring_params_valid(15, 4096));

	CHECK_EQ(pvio_ring_init_shared(sh, 3, 64), 0);
	CHECK_EQ(pvio_ring_attach(&r, sh, 3, 64), 0);
	CHECK_EQ(r.size, 8);
	CHECK_EQ(r.mask, 7);
	CHECK_EQ(r.entry_size, 64);
	CHECK_EQ(r.err, 0);

	/* indices a full ring apart are fine, one more is not */
	sh->prod = cpu_to_le32(8);
	CHECK_EQ(pvio_ring_attach(&r, sh, 3, 64), 0);
	sh->prod = cpu_to_le32(9);
	CHECK_EQ(pvio_ring_attach(&r, sh, 3, 64), -EPROTO);
	sh->prod = cpu_to_le32(0xffffffff);
	CHECK_EQ(pvio_ring_attach(&r, sh, 3, 64), -EPROTO);
	free(sh);
}

static void test_init_clears(void)
{
	/* 288 bytes, in an allocation rounded up to 320 */
	struct pvio_ring_shared *sh = ring_alloc(2, 40);
	const unsigned char *b = (const unsigned char *)sh;
	size_t i, nonzero = 0;

	CHECK_EQ(pvio_ring_init_shared(sh, 2, 40), 0);
	for (i = 0; i < PVIO_RING_BYTES(2, 40); i++)
		nonzero += b[i] != 0;
	CHECK_EQ(nonzero, 0);
	/* and not one byte further */
	CHECK_EQ(b[PVIO_RING_BYTES(2, 40)], 0x5a);
	free(sh);
}

static void test_empty_full(void)
{
	struct pvio_ring p, c;
	struct pvio_ring_shared *sh = ring_setup(3, 16, 0, &p, &c);
	unsigned char e[16];
	uint64_t seq = 0, next = 0;
	void *slot;
	int i;

	CHECK_EQ(pvio_ring_free(&p), 8);
	CHECK_EQ(pvio_ring_avail(&c), 0);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), -ENODATA);
	CHECK(!pvio_ring_publish(&p));
	CHECK(!pvio_ring_cons_release(&c));

	/* pushed but unpublished entries stay invisible */
	slot = pvio_ring_prod_slot(&p);
	CHECK(slot);
	fill_entry(slot, seq++, 16);
	pvio_ring_prod_push(&p);
	CHECK_EQ(pvio_ring_avail(&c), 0);
	CHECK_EQ(pvio_ring_free(&p), 7);

	for (i = 1; i < 8; i++) {
		slot = pvio_ring_prod_slot(&p);
		CHECK(slot);
		if (!slot)
			break;
		fill_entry(slot, seq++, 16);
		pvio_ring_prod_push(&p);
		CHECK_EQ(pvio_ring_free(&p), 7 - i);
	}
	/* the producer cannot exceed the ring */
	CHECK(!pvio_ring_prod_slot(&p));
	CHECK(!pvio_ring_prod_slot(&p));
	CHECK_EQ(pvio_ring_free(&p), 0);
	CHECK_EQ(p.prod_pvt, 8);

	pvio_ring_publish(&p);
	CHECK_EQ(pvio_ring_avail(&c), 8);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
		CHECK(entry_ok(e, next++, 16));
	}
	/* copied but not released: still not free */
	CHECK_EQ(pvio_ring_free(&p), 0);
	pvio_ring_cons_release(&c);
	CHECK_EQ(pvio_ring_free(&p), 3);
	for (i = 0; i < 3; i++) {
		slot = pvio_ring_prod_slot(&p);
		CHECK(slot);
		if (!slot)
			break;
		fill_entry(slot, seq++, 16);
		pvio_ring_prod_push(&p);
	}
	CHECK(!pvio_ring_prod_slot(&p));
	pvio_ring_publish(&p);

	/* the consumer's count is what avail() validated, nothing more */
	CHECK_EQ(pvio_ring_avail(&c), 8);
	for (i = 0; i < 8; i++) {
		CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
		CHECK(entry_ok(e, next++, 16));
	}
	CHECK_EQ(pvio_ring_cons_copy(&c, e), -ENODATA);
	pvio_ring_cons_release(&c);
	CHECK_EQ(pvio_ring_avail(&c), 0);
	CHECK_EQ(pvio_ring_free(&p), 8);
	CHECK_EQ(p.err, 0);
	CHECK_EQ(c.err, 0);
	free(sh);
}

/*
 * Moves entries in irregular batches through rings whose indices start just
 * below 2^32, checking every entry and the counts on both sides.
 */
static void wrap_one(unsigned int order, __u32 es, __u32 start)
{
	struct pvio_ring p, c;
	struct pvio_ring_shared *sh = ring_setup(order, es, start, &p, &c);
	__u32 size = 1U << order, total = 3 * size + 40;
	uint64_t sent = 0, got = 0;
	unsigned char *e = malloc(es);
	int fails = check_failures;

	while (got < total && check_failures == fails) {
		__u32 pb = 1 + rnd() % size, cb = 1 + rnd() % size;
		int n, i;

		for (i = 0; i < (int)pb && sent < total; i++) {
			void *slot = pvio_ring_prod_slot(&p);

			if (!slot)
				break;
			fill_entry(slot, sent++, es);
			pvio_ring_prod_push(&p);
		}
		pvio_ring_publish(&p);
		n = pvio_ring_avail(&c);
		CHECK_EQ(n, sent - got);
		CHECK_EQ(pvio_ring_free(&p), size - (sent - got));
		for (i = 0; i < n && i < (int)cb; i++) {
			CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
			CHECK(entry_ok(e, got++, es));
		}
		pvio_ring_cons_release(&c);
	}
	CHECK_EQ(got, total);
	CHECK_EQ(le32_to_cpu(sh->prod), (__u32)(start + total));
	CHECK_EQ(le32_to_cpu(sh->cons), (__u32)(start + total));
	CHECK_EQ(p.err | c.err, 0);
	free(e);
	free(sh);
}

static void test_wrap(void)
{
	static const __u32 starts[] = { 0xfffffff0, 0xffffffff, 0x7fffffff };
	static const __u32 sizes[] = { 8, 24, 64 };
	unsigned int order;
	size_t s, z;

	for (s = 0; s < ARRAY_SIZE(starts); s++) {
		for (order = 0; order <= 8; order++)
			for (z = 0; z < ARRAY_SIZE(sizes); z++)
				wrap_one(order, sizes[z], starts[s]);
		wrap_one(2, 4096, starts[s]);
	}
	/* a large ring crossing 2^32 in its middle */
	wrap_one(12, 8, 0xfffff000 + 123);
}

/* The producer clears a slot before handing it out, whatever was there. */
static void test_slot_zeroed(void)
{
	struct pvio_ring p, c;
	struct pvio_ring_shared *sh = ring_setup(1, 32, 0, &p, &c);
	unsigned char e[32], zero[32] = { 0 };
	int lap, i;

	for (lap = 0; lap < 3; lap++) {
		for (i = 0; i < 2; i++) {
			unsigned char *slot = slot_or_die(&p);

			CHECK(!memcmp(slot, zero, 32));
			memset(slot, 0xaa, 32);
			pvio_ring_prod_push(&p);
		}
		pvio_ring_publish(&p);
		CHECK_EQ(pvio_ring_avail(&c), 2);
		for (i = 0; i < 2; i++) {
			CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
			CHECK_EQ(e[0], 0xaa);
			CHECK_EQ(e[31], 0xaa);
		}
		pvio_ring_cons_release(&c);
	}
	/* even if the consumer scribbles on a slot it released */
	memset(sh->slots, 0x77, 64);
	for (i = 0; i < 2; i++) {
		CHECK(!memcmp(slot_or_die(&p), zero, 32));
		pvio_ring_prod_push(&p);
	}
	free(sh);
}

static void test_need_event_table(void)
{
	static const struct {
		__u32 event, new_idx, old;
		bool kick;
	} t[] = {
		{ 0, 0, 0, false },		/* nothing published */
		{ 0, 1, 0, true },		/* the awaited entry */
		{ 1, 1, 0, false },		/* not yet there */
		{ 1, 2, 0, true },		/* covered by a batch */
		{ 5, 10, 5, true },		/* first of the batch */
		{ 9, 10, 5, true },		/* last of the batch */
		{ 10, 10, 5, false },		/* just after it */
		{ 4, 10, 5, false },		/* passed: kicked before */
		{ 0xffffffff, 0, 0xfffffffe, true },	/* across 2^32 */
		{ 0xfffffffe, 2, 0xfffffffe, true },
		{ 0xfffffffd, 2, 0xfffffffe, false },
		{ 0, 2, 0xfffffffe, true },
		{ 1, 2, 0xfffffffe, true },
		{ 2, 2, 0xfffffffe, false },
		{ 100, 0x80000064, 100, true },	/* 2^31 entries at once */
		{ 99, 0x80000064, 100, false },
		{ 0x80000063, 0x80000064, 100, true },
	};
	size_t i;
	int n;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (pvio_need_event(t[i].event, t[i].new_idx, t[i].old) !=
		    t[i].kick) {
			printf("#   row %zu: need_event(%#x, %#x, %#x) != %d\n",
			       i, t[i].event, t[i].new_idx, t[i].old,
			       t[i].kick);
			check_failures++;
		}
	}
	/* against the definition: event in [old, new) modulo 2^32 */
	for (n = 0; n < 1000000; n++) {
		__u32 old = rnd(), delta = rnd() % 0x80000000U;
		__u32 event = n & 1 ? old + rnd() % (delta + 2) - 1 : rnd();
		bool in = (__u32)(event - old) < delta;

		if (pvio_need_event(event, old + delta, old) != in) {
			CHECK_EQ(pvio_need_event(event, old + delta, old), in);
			break;
		}
	}
}

/* Kicks are asked for, given once, and not repeated until re-armed. */
static void test_notify_sequence(void)
{
	struct pvio_ring p, c;
	struct pvio_ring_shared *sh = ring_setup(2, 8, 0xfffffffe, &p, &c);
	unsigned char e[8];
	int i;

	/* the consumer goes to sleep on an empty ring */
	CHECK(!pvio_ring_cons_enable_notify(&c));
	slot_or_die(&p);
	pvio_ring_prod_push(&p);
	CHECK(pvio_ring_publish(&p));
	/* no second kick while the consumer has not re-armed */
	slot_or_die(&p);
	pvio_ring_prod_push(&p);
	CHECK(!pvio_ring_publish(&p));
	CHECK(!pvio_ring_publish(&p));	/* nothing new: no kick */

	/* re-arming with entries pending says "keep going" */
	CHECK(pvio_ring_cons_enable_notify(&c));
	CHECK_EQ(pvio_ring_avail(&c), 2);
	for (i = 0; i < 2; i++)
		CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	pvio_ring_cons_release(&c);
	CHECK(!pvio_ring_cons_enable_notify(&c));
	for (i = 0; i < 4; i++) {
		slot_or_die(&p);
		pvio_ring_prod_push(&p);
	}
	CHECK(pvio_ring_publish(&p));	/* one kick for the whole batch */

	/* producer waits for space: one kick when a slot frees */
	CHECK(!pvio_ring_prod_slot(&p));
	CHECK(!pvio_ring_prod_arm_space(&p));
	CHECK_EQ(pvio_ring_avail(&c), 4);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	CHECK(pvio_ring_cons_release(&c));
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	CHECK(!pvio_ring_cons_release(&c));
	CHECK(!pvio_ring_cons_release(&c));	/* nothing new: no kick */
	/* arming with space already there says "go on" */
	CHECK(pvio_ring_prod_arm_space(&p));
	CHECK_EQ(p.err | c.err, 0);
	free(sh);
}

/* Frame-count moderation: one kick for the n-th entry, across the wrap. */
static void test_notify_after(void)
{
	struct pvio_ring p, c;
	struct pvio_ring_shared *sh = ring_setup(4, 8, 0xfffffffa, &p, &c);
	unsigned char e[8];
	int i;

	/* n of 1 is the plain re-arm */
	CHECK(!pvio_ring_cons_enable_notify_after(&c, 1));
	slot_or_die(&p);
	pvio_ring_prod_push(&p);
	CHECK(pvio_ring_publish(&p));
	CHECK_EQ(pvio_ring_cons_copy(&c, e), -ENODATA);
	CHECK_EQ(pvio_ring_avail(&c), 1);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	pvio_ring_cons_release(&c);

	/* kick for the 4th entry only, published one at a time */
	CHECK(!pvio_ring_cons_enable_notify_after(&c, 4));
	for (i = 0; i < 3; i++) {
		slot_or_die(&p);
		pvio_ring_prod_push(&p);
		CHECK(!pvio_ring_publish(&p));
	}
	/* fewer than n pending: the consumer may still sleep */
	CHECK(!pvio_ring_cons_enable_notify_after(&c, 4));
	slot_or_die(&p);
	pvio_ring_prod_push(&p);
	CHECK(pvio_ring_publish(&p));
	/* n pending: re-arming says "keep going" */
	CHECK(pvio_ring_cons_enable_notify_after(&c, 4));
	CHECK_EQ(pvio_ring_avail(&c), 4);
	CHECK_EQ(p.err | c.err, 0);
	free(sh);
}

/*
 * Lost wake-ups, searched exhaustively: a producer and a consumer, each a
 * small program of ring calls, run in every interleaving of those calls
 * (a depth-first search over states, each state visited once). A side that
 * finds nothing to do arms its notification and sleeps if the re-check says
 * so; a kick wakes a sleeping side. Arming and falling asleep are one step,
 * as a real waiter that reads its doorbell before arming makes them. If
 * some interleaving leaves work undone with nobody runnable, a wake-up was
 * lost.
 *
 * Interleaving whole calls is enough under sequential consistency: a lost
 * wake-up needs both sides to miss each other's write across the pair of
 * full barriers, which only reordering allows, and the barriers forbid.
 * ring_stress exercises the real memory ordering.
 */
enum mc_mutant {
	MC_CORRECT,
	MC_CONS_SKIPS_RECHECK,	/* consumer sleeps whatever enable says */
	MC_PROD_SKIPS_RECHECK,	/* producer sleeps whatever arm says */
	MC_PROD_DROPS_KICK,	/* producer ignores publish()'s answer */
};

enum { P_FILL, P_PUBLISH, P_ARM, P_DONE };
enum { C_POLL, C_RELEASE, C_ARM, C_DONE };

#define MC_ORDER_MAX	2
#define MC_ES		8

struct mc_state {
	unsigned char mem[PVIO_RING_BYTES(MC_ORDER_MAX, MC_ES)]
		__attribute__((aligned(8)));
	struct pvio_ring p, c;
	__u32 produced, consumed, filled;
	unsigned char ppc, pnext, cpc, p_sleep, c_sleep;
};

struct mc_cfg {
	unsigned int order;
	__u32 total, pbatch, cbatch, start;
	enum mc_mutant mutant;
};

struct mc_node {
	struct mc_node *next;
	struct mc_state s;
};

struct mc_search {
	const struct mc_cfg *cfg;
	struct mc_node **table;
	size_t buckets, states;
	int lost, bad_data, too_deep;
	char trace[512], lost_trace[512];
};

static uint64_t mc_hash(const struct mc_state *s)
{
	const unsigned char *b = (const unsigned char *)s;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < sizeof(*s); i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * Records @s; returns 0 if it was already visited. States are compared
 * without their pointers and with their padding cleared.
 */
static int mc_visit(struct mc_search *m, const struct mc_state *s)
{
	struct mc_state key;
	struct mc_node *n;
	size_t b;

	memset(&key, 0, sizeof(key));
	memcpy(key.mem, s->mem, sizeof(key.mem));
	key.p = s->p;
	key.c = s->c;
	key.p.sh = NULL;
	key.c.sh = NULL;
	key.produced = s->produced;
	key.consumed = s->consumed;
	key.filled = s->filled;
	key.ppc = s->ppc;
	key.pnext = s->pnext;
	key.cpc = s->cpc;
	key.p_sleep = s->p_sleep;
	key.c_sleep = s->c_sleep;
	b = mc_hash(&key) % m->buckets;
	for (n = m->table[b]; n; n = n->next)
		if (!memcmp(&n->s, &key, sizeof(key)))
			return 0;
	n = malloc(sizeof(*n));
	if (!n) {
		perror("malloc");
		exit(2);
	}
	memcpy(&n->s, &key, sizeof(key));
	n->next = m->table[b];
	m->table[b] = n;
	m->states++;
	return 1;
}

/* Views hold a pointer into the state's own memory: fix it after a copy. */
static void mc_rebase(struct mc_state *s)
{
	s->p.sh = (struct pvio_ring_shared *)s->mem;
	s->c.sh = (struct pvio_ring_shared *)s->mem;
}

static void mc_step_producer(const struct mc_cfg *cfg, struct mc_state *s)
{
	void *slot;
	bool kick;

	switch (s->ppc) {
	case P_FILL:
		if (s->produced == cfg->total) {
			s->ppc = P_PUBLISH;
			s->pnext = P_DONE;
			break;
		}
		slot = pvio_ring_prod_slot(&s->p);
		if (!slot) {
			s->ppc = P_PUBLISH;
			s->pnext = P_ARM;
			break;
		}
		fill_entry(slot, s->produced++, MC_ES);
		pvio_ring_prod_push(&s->p);
		if (++s->filled == cfg->pbatch) {
			s->ppc = P_PUBLISH;
			s->pnext = P_FILL;
		}
		break;
	case P_PUBLISH:
		kick = pvio_ring_publish(&s->p);
		if (kick && cfg->mutant != MC_PROD_DROPS_KICK)
			s->c_sleep = 0;
		s->filled = 0;
		s->ppc = s->pnext;
		break;
	case P_ARM:
		if (!pvio_ring_prod_arm_space(&s->p) ||
		    cfg->mutant == MC_PROD_SKIPS_RECHECK)
			s->p_sleep = 1;
		s->ppc = P_FILL;
		break;
	}
}

static void mc_step_consumer(const struct mc_cfg *cfg, struct mc_state *s,
			     struct mc_search *m)
{
	unsigned char e[MC_ES];
	__u32 i;
	int n;

	switch (s->cpc) {
	case C_POLL:
		n = pvio_ring_avail(&s->c);
		if (n <= 0) {
			if (n < 0)
				m->bad_data++;
			s->cpc = C_ARM;
			break;
		}
		for (i = 0; i < (__u32)n && i < cfg->cbatch; i++) {
			if (pvio_ring_cons_copy(&s->c, e) ||
			    !entry_ok(e, s->consumed++, MC_ES))
				m->bad_data++;
		}
		s->cpc = C_RELEASE;
		break;
	case C_RELEASE:
		if (pvio_ring_cons_release(&s->c))
			s->p_sleep = 0;
		s->cpc = s->consumed == cfg->total ? C_DONE : C_POLL;
		break;
	case C_ARM:
		if (!pvio_ring_cons_enable_notify(&s->c) ||
		    cfg->mutant == MC_CONS_SKIPS_RECHECK)
			s->c_sleep = 1;
		s->cpc = C_POLL;
		break;
	}
}

static void mc_dfs(struct mc_search *m, const struct mc_state *s, size_t depth)
{
	bool p_can = s->ppc != P_DONE && !s->p_sleep;
	bool c_can = s->cpc != C_DONE && !s->c_sleep;
	struct mc_state next;

	if (!mc_visit(m, s))
		return;
	if (depth + 1 >= sizeof(m->trace)) {
		m->too_deep++;
		return;
	}
	if (s->ppc == P_DONE && s->cpc == C_DONE)
		return;
	if (!p_can && !c_can) {
		if (!m->lost++) {
			memcpy(m->lost_trace, m->trace, depth);
			m->lost_trace[depth] = '\0';
		}
		return;
	}
	if (p_can) {
		next = *s;
		mc_rebase(&next);
		mc_step_producer(m->cfg, &next);
		m->trace[depth] = 'P';
		mc_dfs(m, &next, depth + 1);
	}
	if (c_can) {
		next = *s;
		mc_rebase(&next);
		mc_step_consumer(m->cfg, &next, m);
		m->trace[depth] = 'C';
		mc_dfs(m, &next, depth + 1);
	}
}

/* Returns the number of interleavings that lost a wake-up. */
static int mc_run(const struct mc_cfg *cfg, size_t *states)
{
	struct mc_search m = { .cfg = cfg, .buckets = 1 << 16 };
	struct mc_state *s = calloc(1, sizeof(*s));
	size_t b;

	m.table = calloc(m.buckets, sizeof(*m.table));
	if (!s || !m.table) {
		perror("calloc");
		exit(2);
	}
	pvio_ring_init_shared((struct pvio_ring_shared *)s->mem, cfg->order,
			      MC_ES);
	((struct pvio_ring_shared *)s->mem)->prod = cpu_to_le32(cfg->start);
	((struct pvio_ring_shared *)s->mem)->cons = cpu_to_le32(cfg->start);
	pvio_ring_attach(&s->p, (struct pvio_ring_shared *)s->mem,
			 cfg->order, MC_ES);
	pvio_ring_attach(&s->c, (struct pvio_ring_shared *)s->mem,
			 cfg->order, MC_ES);
	mc_dfs(&m, s, 0);

	CHECK_EQ(m.bad_data, 0);
	CHECK_EQ(m.too_deep, 0);
	if (m.lost && cfg->mutant == MC_CORRECT)
		printf("#   order %u total %u batches %u/%u: lost wake-up"
		       " after %s\n", cfg->order, cfg->total, cfg->pbatch,
		       cfg->cbatch, m.lost_trace);
	for (b = 0; b < m.buckets; b++) {
		while (m.table[b]) {
			struct mc_node *n = m.table[b];

			m.table[b] = n->next;
			free(n);
		}
	}
	free(m.table);
	free(s);
	*states += m.states;
	return m.lost;
}

static void test_no_lost_wakeup(void)
{
	static const __u32 starts[] = { 0, 0xfffffffd };
	size_t states = 0, runs = 0, si;
	struct mc_cfg cfg = { 0 };

	for (si = 0; si < ARRAY_SIZE(starts); si++) {
		cfg.start = starts[si];
		for (cfg.order = 0; cfg.order <= MC_ORDER_MAX; cfg.order++) {
			__u32 size = 1U << cfg.order;

			for (cfg.total = 1; cfg.total <= 3 * size + 1;
			     cfg.total++)
				for (cfg.pbatch = 1; cfg.pbatch <= size;
				     cfg.pbatch++)
					for (cfg.cbatch = 1;
					     cfg.cbatch <= size; cfg.cbatch++) {
						CHECK_EQ(mc_run(&cfg, &states),
							 0);
						runs++;
					}
		}
	}
	printf("#   %zu configurations, %zu states, no lost wake-up\n",
	       runs, states);
}

/* The search above would notice a broken protocol: each mutant must hang. */
static void test_lost_wakeup_detected(void)
{
	static const enum mc_mutant mutants[] = {
		MC_CONS_SKIPS_RECHECK, MC_PROD_SKIPS_RECHECK,
		MC_PROD_DROPS_KICK,
	};
	struct mc_cfg cfg = { .order = 1, .total = 7, .pbatch = 1,
			      .cbatch = 1 };
	size_t i, states = 0;

	for (i = 0; i < ARRAY_SIZE(mutants); i++) {
		cfg.mutant = mutants[i];
		CHECK(mc_run(&cfg, &states) > 0);
	}
}

/* Producer index garbage: -EPROTO, and the view stays broken. */
static void test_hostile_producer(void)
{
	struct pvio_ring p, c;
	struct pvio_ring_shared *sh = ring_setup(3, 8, 100, &p, &c);
	unsigned char e[8];

	/* exactly a full ring is legal */
	sh->prod = cpu_to_le32(108);
	CHECK_EQ(pvio_ring_avail(&c), 8);
	/* one past it is not, and nothing repairs the view */
	sh->prod = cpu_to_le32(109);
	CHECK_EQ(pvio_ring_avail(&c), -EPROTO);
	sh->prod = cpu_to_le32(108);
	CHECK_EQ(pvio_ring_avail(&c), -EPROTO);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), -EPROTO);
	CHECK(pvio_ring_cons_enable_notify(&c));
	CHECK_EQ(c.err, -EPROTO);
	free(sh);

	/* behind the consumer */
	sh = ring_setup(3, 8, 100, &p, &c);
	sh->prod = cpu_to_le32(99);
	CHECK_EQ(pvio_ring_avail(&c), -EPROTO);
	free(sh);

	/* taking back entries already announced */
	sh = ring_setup(3, 8, 100, &p, &c);
	sh->prod = cpu_to_le32(105);
	CHECK_EQ(pvio_ring_avail(&c), 5);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	sh->prod = cpu_to_le32(104);
	CHECK_EQ(pvio_ring_avail(&c), -EPROTO);
	free(sh);

	/* the bound is what the consumer released, not what it copied */
	sh = ring_setup(3, 8, 0xfffffffe, &p, &c);
	sh->prod = cpu_to_le32(6);
	CHECK_EQ(pvio_ring_avail(&c), 8);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	pvio_ring_cons_release(&c);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);	/* copied, held */
	sh->prod = cpu_to_le32(8);
	CHECK_EQ(pvio_ring_avail(&c), 7);
	sh->prod = cpu_to_le32(9);
	CHECK_EQ(pvio_ring_avail(&c), -EPROTO);
	free(sh);

	/* a scribbled event index costs a kick, never the ring */
	sh = ring_setup(3, 8, 0, &p, &c);
	sh->prod_event = cpu_to_le32(rnd());
	CHECK(pvio_ring_prod_slot(&p));
	pvio_ring_prod_push(&p);
	pvio_ring_publish(&p);
	CHECK_EQ(p.err, 0);
	free(sh);
}

/* Is @v a producer index an honest producer could have written? */
static bool prod_legal(const struct pvio_ring *c, __u32 v)
{
	__u32 d;

	/* forward from the last one seen, at most a ring past release */
	for (d = 0; c->prod_seen + d != c->cons_pub + c->size + 1; d++)
		if (c->prod_seen + d == v)
			return true;
	return false;
}

static void test_hostile_producer_random(void)
{
	struct pvio_ring_shared *sh = ring_alloc(3, 8);
	struct pvio_ring c = { 0 };
	unsigned char e[8];
	int iter, broken = 0;

	for (iter = 0; iter < 200000; iter++) {
		__u32 v;
		int n;

		if (iter % 64 == 0 || c.err) {
			__u32 start = rnd();

			pvio_ring_init_shared(sh, 3, 8);
			sh->prod = cpu_to_le32(start);
			sh->cons = cpu_to_le32(start);
			CHECK_EQ(pvio_ring_attach(&c, sh, 3, 8), 0);
		}
		/* some honest traffic first */
		do {
			v = c.prod_seen + rnd() % 9;
		} while (!prod_legal(&c, v));
		sh->prod = cpu_to_le32(v);
		n = pvio_ring_avail(&c);
		CHECK_EQ(n, v - c.cons_pvt);
		while (n-- > 0 && rnd() % 2)
			CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
		if (rnd() % 2)
			pvio_ring_cons_release(&c);
		/* then a value from anywhere, or near the window's edges */
		switch (rnd() % 3) {
		case 0:
			v = rnd();
			break;
		case 1:
			v = c.prod_seen + (__u32)(rnd() % 5) - 2;
			break;
		default:
			v = c.cons_pub + 8 + (__u32)(rnd() % 5) - 2;
			break;
		}
		sh->prod = cpu_to_le32(v);
		if (prod_legal(&c, v)) {
			n = pvio_ring_avail(&c);
			CHECK_EQ(n, v - c.cons_pvt);
			CHECK(n >= 0 && n <= 8);
		} else {
			CHECK_EQ(pvio_ring_avail(&c), -EPROTO);
			sh->prod = cpu_to_le32(c.prod_seen);
			CHECK_EQ(pvio_ring_avail(&c), -EPROTO);
			broken++;
		}
		if (check_failures)
			break;
	}
	CHECK(broken > 1000);
	free(sh);
}

/* Consumer index garbage, seen by the producer. */
static void test_hostile_consumer(void)
{
	struct pvio_ring p, c;
	struct pvio_ring_shared *sh;
	int i;

	/* releasing entries never published */
	sh = ring_setup(3, 8, 50, &p, &c);
	for (i = 0; i < 5; i++) {
		slot_or_die(&p);
		pvio_ring_prod_push(&p);
	}
	pvio_ring_publish(&p);
	for (i = 0; i < 3; i++) {
		slot_or_die(&p);
		pvio_ring_prod_push(&p);
	}
	sh->cons = cpu_to_le32(55);
	CHECK_EQ(pvio_ring_free(&p), 5);
	sh->cons = cpu_to_le32(56);		/* pushed, not published */
	CHECK_EQ(pvio_ring_free(&p), -EPROTO);
	sh->cons = cpu_to_le32(55);		/* sticky */
	CHECK_EQ(pvio_ring_free(&p), -EPROTO);
	CHECK(!pvio_ring_prod_slot(&p));
	CHECK(pvio_ring_prod_arm_space(&p));
	free(sh);

	/* going backwards */
	sh = ring_setup(3, 8, 0xffffffff, &p, &c);
	for (i = 0; i < 4; i++) {
		slot_or_die(&p);
		pvio_ring_prod_push(&p);
	}
	pvio_ring_publish(&p);
	sh->cons = cpu_to_le32(2);
	CHECK_EQ(pvio_ring_free(&p), 7);
	sh->cons = cpu_to_le32(1);
	CHECK_EQ(pvio_ring_free(&p), -EPROTO);
	free(sh);

	/* full ring, then any value outside [cons, prod] */
	sh = ring_setup(3, 8, 0, &p, &c);
	while (pvio_ring_prod_slot(&p))
		pvio_ring_prod_push(&p);
	pvio_ring_publish(&p);
	sh->cons = cpu_to_le32(0xfffffff8);
	CHECK_EQ(pvio_ring_free(&p), -EPROTO);
	free(sh);

	/* random values: legal ones give a count, the rest break the view */
	for (i = 0; i < 100000; i++) {
		__u32 pushed = rnd() % 9, v;
		bool legal;
		int j, n;

		sh = ring_setup(3, 8, rnd(), &p, &c);
		for (j = 0; j < (int)pushed; j++) {
			slot_or_die(&p);
			pvio_ring_prod_push(&p);
		}
		pvio_ring_publish(&p);
		v = i % 2 ? rnd() : p.cons_seen + (__u32)(rnd() % 12) - 2;
		sh->cons = cpu_to_le32(v);
		n = pvio_ring_free(&p);
		/* legal: from where it was up to what was published */
		legal = false;
		for (j = 0; j <= (int)pushed; j++)
			legal |= v == (__u32)(le32_to_cpu(sh->prod) - j);
		if (legal)
			CHECK_EQ(n, 8 - (p.prod_pub - v));
		else
			CHECK_EQ(n, -EPROTO);
		free(sh);
		if (check_failures)
			break;
	}
}

/* A side that attaches again resumes from the shared indices. */
static void test_reattach(void)
{
	struct pvio_ring p, c;
	struct pvio_ring_shared *sh = ring_setup(3, 16, 0xfffffffc, &p, &c);
	unsigned char e[16];
	uint64_t seq;
	int i;

	for (seq = 0; seq < 5; seq++) {
		fill_entry(slot_or_die(&p), seq, 16);
		pvio_ring_prod_push(&p);
	}
	pvio_ring_publish(&p);
	CHECK_EQ(pvio_ring_avail(&c), 5);
	for (i = 0; i < 2; i++)
		CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	pvio_ring_cons_release(&c);
	/* copied but never released: a new consumer sees it again */
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);

	CHECK_EQ(pvio_ring_attach(&c, sh, 3, 16), 0);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), -ENODATA);
	CHECK_EQ(pvio_ring_avail(&c), 3);
	for (i = 2; i < 5; i++) {
		CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
		CHECK(entry_ok(e, i, 16));
	}
	pvio_ring_cons_release(&c);

	CHECK_EQ(pvio_ring_attach(&p, sh, 3, 16), 0);
	CHECK_EQ(pvio_ring_free(&p), 8);
	fill_entry(slot_or_die(&p), seq, 16);
	pvio_ring_prod_push(&p);
	pvio_ring_publish(&p);
	CHECK_EQ(le32_to_cpu(sh->prod), 2);
	CHECK_EQ(pvio_ring_avail(&c), 1);
	CHECK_EQ(pvio_ring_cons_copy(&c, e), 0);
	CHECK(entry_ok(e, 5, 16));
	free(sh);
}

static void test_coalesce(void)
{
	const struct pvio_coalesce off = { 0, 0 }, frames = { 4, 0 };
	const struct pvio_coalesce usecs = { 0, 10 }, both = { 4, 10 };
	const struct pvio_coalesce longest = { 0, 0xffffffff };
	const __u64 max = UINT64_MAX;

	/* off: every kick at once, but only for something */
	CHECK(pvio_coalesce_fire_now(&off, 1, 0, 0));
	CHECK(pvio_coalesce_fire_now(&off, 1, 0, 12345));
	CHECK(!pvio_coalesce_fire_now(&off, 0, 0, 0));
	CHECK_EQ(pvio_coalesce_deadline_ns(&off, 1000), 0);

	/* frames only: the count, however long it takes */
	CHECK(!pvio_coalesce_fire_now(&frames, 3, max, 0));
	CHECK(pvio_coalesce_fire_now(&frames, 4, 0, 0));
	CHECK(pvio_coalesce_fire_now(&frames, 5, 0, 0));
	CHECK(!pvio_coalesce_fire_now(&frames, 0, max, 0));
	CHECK_EQ(pvio_coalesce_deadline_ns(&frames, 1000), 0);

	/* time only */
	CHECK(!pvio_coalesce_fire_now(&usecs, 1000, 1000 + 9999, 1000));
	CHECK(pvio_coalesce_fire_now(&usecs, 1, 1000 + 10000, 1000));
	CHECK(!pvio_coalesce_fire_now(&usecs, 0, 1000 + 10000, 1000));
	CHECK_EQ(pvio_coalesce_deadline_ns(&usecs, 1000), 11000);

	/* both: whichever comes first */
	CHECK(pvio_coalesce_fire_now(&both, 4, 1000, 1000));
	CHECK(pvio_coalesce_fire_now(&both, 1, 11000, 1000));
	CHECK(!pvio_coalesce_fire_now(&both, 3, 10999, 1000));
	CHECK_EQ(pvio_coalesce_deadline_ns(&both, 1000), 11000);

	/* the largest delay does not overflow 32 bits */
	CHECK(!pvio_coalesce_fire_now(&longest, 1, 4294967294999ULL, 0));
	CHECK(pvio_coalesce_fire_now(&longest, 1, 4294967295000ULL, 0));
	CHECK_EQ(pvio_coalesce_deadline_ns(&longest, 5), 4294967295005ULL);

	/* clock wrapping at 2^64 */
	CHECK(!pvio_coalesce_fire_now(&usecs, 1, 4998, max - 5000));
	CHECK(pvio_coalesce_fire_now(&usecs, 1, 4999, max - 5000));
	CHECK(!pvio_coalesce_fire_now(&usecs, 1, max, max - 9999));
	CHECK(pvio_coalesce_fire_now(&usecs, 1, 0, max - 9999));
	CHECK_EQ(pvio_coalesce_deadline_ns(&usecs, max - 100), 9899);
	/* a deadline wrapping to exactly 0 must not read as "no timer" */
	CHECK_EQ(pvio_coalesce_deadline_ns(&usecs, max - 9999), 1);
	/* a clock going backwards fires rather than holding forever */
	CHECK(pvio_coalesce_fire_now(&usecs, 1, 500, 1000));
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "layout", test_layout },
	{ "params", test_params },
	{ "init_clears", test_init_clears },
	{ "empty_full", test_empty_full },
	{ "wrap", test_wrap },
	{ "slot_zeroed", test_slot_zeroed },
	{ "need_event_table", test_need_event_table },
	{ "notify_sequence", test_notify_sequence },
	{ "notify_after", test_notify_after },
	{ "no_lost_wakeup", test_no_lost_wakeup },
	{ "lost_wakeup_detected", test_lost_wakeup_detected },
	{ "hostile_producer", test_hostile_producer },
	{ "hostile_producer_random", test_hostile_producer_random },
	{ "hostile_consumer", test_hostile_consumer },
	{ "reattach", test_reattach },
	{ "coalesce", test_coalesce },
};

int main(void)
{
	size_t n = ARRAY_SIZE(tests), i;
	int passed = 0, failed = 0;

	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		check_failures = 0;
		tests[i].fn();
		if (check_failures) {
			printf("not ok %zu - %s\n", i + 1, tests[i].name);
			failed++;
		} else {
			printf("ok %zu - %s\n", i + 1, tests[i].name);
			passed++;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
