// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The config store: round trips through the API, and what a reader does
 * with an area a dead or hostile writer left behind.
 */
#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/string.h>

#include "pvio_kunit.h"

static struct pvio_link *store_link(struct kunit *test, unsigned long roles)
{
	struct pvio_kunit_link_cfg cfg = { .roles = roles };

	return pvio_kunit_link(test, &cfg);
}

/* Entries of @w's area holding @key, counted on the wire. */
static int wire_count(struct pvio_link *link, enum pvio_store_writer w,
		      const char *key)
{
	struct pvio_store_area *area = pvio_kunit_store_area(link, w);
	int i, n = 0;

	for (i = 0; i < PVIO_STORE_ENTRIES; i++)
		n += !strcmp(area->entries[i].key, key);
	return n;
}

static void store_roundtrip(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	char buf[PVIO_STORE_VALUE_MAX];
	u32 val;

	KUNIT_EXPECT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND,
					       "ring-ref", "42"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND,
					      "ring-ref", buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "42");
	KUNIT_EXPECT_EQ(test, pvio_store_read_u32(link, PVIO_STORE_BACKEND,
						  "ring-ref", &val), 0);
	KUNIT_EXPECT_EQ(test, val, 42u);

	/* Overwriting replaces the entry in place. */
	KUNIT_EXPECT_EQ(test, pvio_store_printf(link, PVIO_STORE_BACKEND,
						"ring-ref", "%u", 4000000000u),
			0);
	KUNIT_EXPECT_EQ(test, pvio_store_read_u32(link, PVIO_STORE_BACKEND,
						  "ring-ref", &val), 0);
	KUNIT_EXPECT_EQ(test, val, 4000000000u);
	KUNIT_EXPECT_EQ(test, wire_count(link, PVIO_STORE_BACKEND, "ring-ref"),
			1);

	/* Areas are separate namespaces. */
	KUNIT_EXPECT_EQ(test, pvio_store_write(link, PVIO_STORE_FRONTEND,
					       "ring-ref", "7"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_read_u32(link, PVIO_STORE_BACKEND,
						  "ring-ref", &val), 0);
	KUNIT_EXPECT_EQ(test, val, 4000000000u);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_TOOLSTACK,
					      "ring-ref", buf, sizeof(buf)),
			-ENOENT);
}

/* Each update moves the count by two and leaves it even. */
static void store_seq(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	struct pvio_store_area *area = pvio_kunit_store_area(link,
							     PVIO_STORE_FRONTEND);
	u32 seq = le32_to_cpu(area->seq);

	KUNIT_EXPECT_EQ(test, seq % 2, 0u);
	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_FRONTEND,
					       "a", "1"), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(area->seq), seq + 2);
	KUNIT_ASSERT_EQ(test, pvio_store_remove(link, PVIO_STORE_FRONTEND,
						"a"), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(area->seq), seq + 4);
}

static void store_remove(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	char buf[8];

	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_FRONTEND,
					       "feature-x", "1"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_remove(link, PVIO_STORE_FRONTEND,
						"feature-x"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_FRONTEND,
					      "feature-x", buf, sizeof(buf)),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, pvio_store_remove(link, PVIO_STORE_FRONTEND,
						"feature-x"), -ENOENT);
	KUNIT_EXPECT_EQ(test, wire_count(link, PVIO_STORE_FRONTEND,
					 "feature-x"), 0);
}

static void store_sizes(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	char key[PVIO_STORE_KEY_MAX + 1], value[PVIO_STORE_VALUE_MAX + 1];
	char buf[PVIO_STORE_VALUE_MAX];

	memset(key, 'k', sizeof(key));
	memset(value, 'v', sizeof(value));
	/* The longest that fit, NUL included. */
	key[PVIO_STORE_KEY_MAX - 1] = '\0';
	value[PVIO_STORE_VALUE_MAX - 1] = '\0';
	KUNIT_EXPECT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, key,
					       value), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND, key,
					      buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, value);
	/* One more byte does not. */
	key[PVIO_STORE_KEY_MAX - 1] = 'k';
	key[PVIO_STORE_KEY_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, key,
					       "1"), -E2BIG);
	value[PVIO_STORE_VALUE_MAX - 1] = 'v';
	value[PVIO_STORE_VALUE_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, "k",
					       value), -E2BIG);
	KUNIT_EXPECT_EQ(test, pvio_store_printf(link, PVIO_STORE_BACKEND, "k",
						"%s", value), -E2BIG);
	KUNIT_EXPECT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, "",
					       "1"), -EINVAL);
	KUNIT_EXPECT_EQ(test, wire_count(link, PVIO_STORE_BACKEND, "k"), 0);

	/* A reader's buffer too small for the value. */
	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, "n",
					       "42"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND, "n",
					      buf, 2), -E2BIG);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND, "n",
					      buf, 3), 0);
}

static void store_full(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	char key[16];
	int i;

	for (i = 0; i < PVIO_STORE_ENTRIES; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND,
						       key, "x"), 0);
	}
	KUNIT_EXPECT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND,
					       "one-more", "x"), -ENOSPC);
	/* Existing keys can still change; a removed one frees its entry. */
	KUNIT_EXPECT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND,
					       "key-3", "y"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_remove(link, PVIO_STORE_BACKEND,
						"key-7"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND,
					       "one-more", "x"), 0);
}

static void store_bad_number(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	u32 val;

	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, "n",
					       "12abc"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_read_u32(link, PVIO_STORE_BACKEND,
						  "n", &val), -EINVAL);
	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, "n",
					       "4294967296"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_read_u32(link, PVIO_STORE_BACKEND,
						  "n", &val), -ERANGE);
}

/* A writer that died mid-update: the reader gives up, in bounded time. */
static void store_torn(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	struct pvio_store_area *area = pvio_kunit_store_area(link,
							     PVIO_STORE_FRONTEND);
	char buf[8];
	u32 seq;
	s64 ms;
	ktime_t t0;

	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_FRONTEND, "a",
					       "1"), 0);
	seq = le32_to_cpu(area->seq);
	area->seq = cpu_to_le32(seq + 1);
	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_FRONTEND, "a",
					      buf, sizeof(buf)), -EIO);
	ms = ktime_ms_delta(ktime_get(), t0);
	KUNIT_EXPECT_LT(test, ms, 1000);
	/* Even again: readable again. */
	area->seq = cpu_to_le32(seq + 2);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_FRONTEND, "a",
					      buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "1");
}

/* Unterminated entries written behind the API make the area unreadable. */
static void store_unterminated(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	struct pvio_store_area *area = pvio_kunit_store_area(link,
							     PVIO_STORE_BACKEND);
	struct pvio_store_entry *e = &area->entries[PVIO_STORE_ENTRIES - 1];
	char buf[PVIO_STORE_VALUE_MAX];

	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, "a",
					       "1"), 0);
	memset(e->key, 'x', sizeof(e->key));
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND, "a",
					      buf, sizeof(buf)), -EPROTO);
	strscpy(e->key, "b", sizeof(e->key));
	memset(e->value, 'y', sizeof(e->value));
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND, "b",
					      buf, sizeof(buf)), -EPROTO);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND, "a",
					      buf, sizeof(buf)), -EPROTO);
	/* Terminated again: readable again. */
	e->value[0] = '\0';
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND, "b",
					      buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "");
}

/* A peer scribbling over our area is undone by our next write of it. */
static void store_scribble_repaired(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	struct pvio_store_area *area = pvio_kunit_store_area(link,
							     PVIO_STORE_BACKEND);
	char buf[PVIO_STORE_VALUE_MAX];
	int i;

	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, "a",
					       "1"), 0);
	for (i = 0; i < PVIO_STORE_ENTRIES; i++)
		if (!strcmp(area->entries[i].key, "a"))
			strscpy(area->entries[i].value, "666",
				sizeof(area->entries[i].value));
	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_BACKEND, "a",
					       "2"), 0);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND, "a",
					      buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "2");
}

/* Who may write where (see pvio.h). */
static void store_permissions(struct kunit *test)
{
	struct pvio_kunit_link_cfg hvd = {
		.roles = BIT(PVIO_FRONTEND), .foreign = true,
	};
	struct pvio_link *front = store_link(test, BIT(PVIO_FRONTEND));
	struct pvio_link *flink = pvio_kunit_link(test, &hvd);

	KUNIT_EXPECT_EQ(test, pvio_store_write(front, PVIO_STORE_BACKEND, "a",
					       "1"), -EPERM);
	KUNIT_EXPECT_EQ(test, pvio_store_remove(front, PVIO_STORE_BACKEND,
						"a"), -EPERM);
	KUNIT_EXPECT_EQ(test, pvio_store_write(front, PVIO_STORE_FRONTEND, "a",
					       "1"), 0);
	/* This kernel laid the region out: it is the toolstack. */
	KUNIT_EXPECT_EQ(test, pvio_store_write(front, PVIO_STORE_TOOLSTACK,
					       "a", "1"), 0);
	/* pvio-hvd laid this one out: its area is not ours. */
	KUNIT_EXPECT_EQ(test, pvio_store_write(flink, PVIO_STORE_TOOLSTACK,
					       "a", "1"), -EPERM);
	KUNIT_EXPECT_EQ(test, pvio_store_write(flink, PVIO_STORE_NR, "a", "1"),
			-EPERM);
}

/*
 * In a region laid out elsewhere, a new incarnation empties its own area
 * (the dead one left its count odd) and leaves the others as they are.
 */
static void store_foreign_reset(struct kunit *test)
{
	struct pvio_kunit_link_cfg hvd = {
		.roles = BIT(PVIO_FRONTEND), .foreign = true,
	};
	struct pvio_link *link = pvio_kunit_link(test, &hvd);
	struct pvio_store_area *area = pvio_kunit_store_area(link,
							     PVIO_STORE_FRONTEND);
	char buf[8];

	KUNIT_EXPECT_EQ(test, le32_to_cpu(area->seq) % 2, 0u);
	/* The stale count went on, never back (5 -> 6 -> 7 -> 8). */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(area->seq), 8u);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_FRONTEND,
					      "stale", buf, sizeof(buf)),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_TOOLSTACK,
					      "stale", buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "1");
	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_BACKEND,
					      "stale", buf, sizeof(buf)), -EIO);
}

/*
 * A frontend rewrites the toolstack's area: the region says what it
 * wrote, the trusted record what the toolstack said.
 */
static void store_toolstack_trusted(struct kunit *test)
{
	struct pvio_link *link = store_link(test, PVIO_KUNIT_BOTH);
	struct pvio_store_area *area = pvio_kunit_store_area(link,
							     PVIO_STORE_TOOLSTACK);
	char buf[PVIO_STORE_VALUE_MAX];
	u32 val;

	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_TOOLSTACK,
					       "vbd0/params", "/dev/a"), 0);
	KUNIT_ASSERT_EQ(test, pvio_store_write(link, PVIO_STORE_TOOLSTACK,
					       "vbd0/iops", "100"), 0);
	strscpy(area->entries[0].value, "/etc/shadow",
		sizeof(area->entries[0].value));
	strscpy(area->entries[1].value, "0", sizeof(area->entries[1].value));
	strscpy(area->entries[2].key, "vbd0/bps", sizeof(area->entries[2].key));
	strscpy(area->entries[2].value, "1", sizeof(area->entries[2].value));

	KUNIT_EXPECT_EQ(test, pvio_store_read(link, PVIO_STORE_TOOLSTACK,
					      "vbd0/params", buf, sizeof(buf)),
			0);
	KUNIT_EXPECT_STREQ(test, buf, "/etc/shadow");
	KUNIT_EXPECT_EQ(test, pvio_toolstack_read(link, "vbd0/params", buf,
						  sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "/dev/a");
	KUNIT_EXPECT_EQ(test, pvio_toolstack_read_u32(link, "vbd0/iops", &val),
			0);
	KUNIT_EXPECT_EQ(test, val, 100u);
	KUNIT_EXPECT_EQ(test, pvio_toolstack_read(link, "vbd0/bps", buf,
						  sizeof(buf)), -ENOENT);
	KUNIT_EXPECT_EQ(test, pvio_toolstack_read(link, "vbd0/params", buf, 4),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, pvio_toolstack_read(link, "", buf, sizeof(buf)),
			-ENOENT);
}

/* A kernel that keeps no records has no trusted copy to read. */
static void store_toolstack_untrusted(struct kunit *test)
{
	struct pvio_kunit_link_cfg hvd = {
		.roles = BIT(PVIO_BACKEND), .foreign = true,
	};
	struct pvio_link *link = pvio_kunit_link(test, &hvd);
	char buf[PVIO_STORE_VALUE_MAX];

	KUNIT_EXPECT_EQ(test, pvio_toolstack_read(link, "stale", buf,
						  sizeof(buf)), -EPERM);
}

static struct kunit_case pvio_store_cases[] = {
	KUNIT_CASE(store_roundtrip),
	KUNIT_CASE(store_seq),
	KUNIT_CASE(store_remove),
	KUNIT_CASE(store_sizes),
	KUNIT_CASE(store_full),
	KUNIT_CASE(store_bad_number),
	KUNIT_CASE(store_torn),
	KUNIT_CASE(store_unterminated),
	KUNIT_CASE(store_scribble_repaired),
	KUNIT_CASE(store_permissions),
	KUNIT_CASE(store_foreign_reset),
	KUNIT_CASE(store_toolstack_trusted),
	KUNIT_CASE(store_toolstack_untrusted),
	{}
};

static struct kunit_suite pvio_store_suite = {
	.name = "pvio_store",
	.suite_init = pvio_kunit_providers_register,
	.suite_exit = pvio_kunit_providers_unregister,
	.test_cases = pvio_store_cases,
};

kunit_test_suite(pvio_store_suite);
