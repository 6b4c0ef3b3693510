// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The grant table: what the frontend grants the backend can reach, and
 * nothing else, whatever the entries say.
 */
#include <kunit/test.h>
#include <linux/err.h>

#include "pvio_kunit.h"

#define GRANT_PAGES	16	/* 4 header/store pages, 1 grant page */
#define GRANT_DATA	(GRANT_PAGES - 5)

static struct pvio_link *grant_link(struct kunit *test, unsigned long roles,
				    u32 grants)
{
	struct pvio_kunit_link_cfg cfg = {
		.roles = roles,
		.region_pages = GRANT_PAGES,
		.grant_entries = grants,
	};
	struct pvio_link *link = pvio_kunit_link(test, &cfg);

	KUNIT_ASSERT_EQ(test, link->region_pages - link->data_offset,
			(u32)GRANT_DATA);
	return link;
}

/* The error pvio_grant_map() returns, 0 for an address. */
static long map_err(struct pvio_link *link, u32 gref, u32 access)
{
	void *p = pvio_grant_map(link, gref, access);

	return IS_ERR(p) ? PTR_ERR(p) : 0;
}

static void grant_roundtrip(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 0);
	u8 in[64], out[64];
	u8 *page;
	int gref;

	gref = pvio_grant_access(link, 3, false);
	KUNIT_ASSERT_GE(test, gref, 0);
	page = pvio_data_page(link, 3);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_PTR_EQ(test, pvio_grant_map(link, gref, PVIO_GRANT_READ),
			    (void *)page);
	KUNIT_EXPECT_PTR_EQ(test, pvio_grant_map(link, gref, PVIO_GRANT_READ |
						 PVIO_GRANT_WRITE),
			    (void *)page);

	memset(in, 0x5a, sizeof(in));
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_to(link, gref, 100, in,
						 sizeof(in)), 0);
	KUNIT_EXPECT_MEMEQ(test, page + 100, in, sizeof(in));
	page[100] = 0x11;
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_from(link, gref, 100, out,
						   sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, out[0], 0x11);
	KUNIT_EXPECT_MEMEQ(test, out + 1, in + 1, sizeof(in) - 1);
	/* The last byte of the page is reachable; one past it is not. */
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_to(link, gref,
						 PVIO_PAGE_SIZE - 1, in, 1), 0);
	KUNIT_EXPECT_EQ(test, pvio_grant_revoke(link, gref), 0);
}

/* The entry on the wire: flags, page, little-endian. */
static void grant_wire_format(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 0);
	struct pvio_grant_entry *e;
	int gref;

	gref = pvio_grant_access(link, 7, true);
	KUNIT_ASSERT_GE(test, gref, 0);
	e = (struct pvio_grant_entry *)&pvio_kunit_grant_table(link)[gref];
	KUNIT_EXPECT_EQ(test, le32_to_cpu(e->flags),
			PVIO_GRANT_F_VALID | PVIO_GRANT_F_READONLY);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(e->page), 7u);
	KUNIT_EXPECT_EQ(test, pvio_grant_revoke(link, gref), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(e->flags), 0u);
}

static void grant_out_of_range(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 8);

	KUNIT_EXPECT_EQ(test, map_err(link, 8, PVIO_GRANT_READ), -ERANGE);
	KUNIT_EXPECT_EQ(test, map_err(link, U32_MAX, PVIO_GRANT_READ),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, pvio_grant_access(link, GRANT_DATA, false),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, pvio_grant_access(link, U32_MAX, false),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, pvio_grant_revoke(link, 8), -ERANGE);
	KUNIT_EXPECT_NULL(test, pvio_data_page(link, GRANT_DATA));
	KUNIT_EXPECT_NULL(test, pvio_data_page(link, U32_MAX));
	KUNIT_EXPECT_PTR_EQ(test, pvio_data_page(link, GRANT_DATA - 1),
			    link->region + (size_t)(GRANT_PAGES - 1) *
			    PVIO_PAGE_SIZE);
}

static void grant_not_granted(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 8);
	u8 buf[8];
	int gref;

	KUNIT_EXPECT_EQ(test, map_err(link, 5, PVIO_GRANT_READ), -ENOENT);
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_from(link, 5, 0, buf, 8),
			-ENOENT);
	gref = pvio_grant_access(link, 0, false);
	KUNIT_ASSERT_GE(test, gref, 0);
	KUNIT_EXPECT_EQ(test, pvio_grant_revoke(link, gref), 0);
	KUNIT_EXPECT_EQ(test, map_err(link, gref, PVIO_GRANT_READ), -ENOENT);
}

static void grant_readonly(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 0);
	u8 buf[8] = {};
	int gref;

	gref = pvio_grant_access(link, 1, true);
	KUNIT_ASSERT_GE(test, gref, 0);
	KUNIT_EXPECT_EQ(test, map_err(link, gref, PVIO_GRANT_READ), 0);
	KUNIT_EXPECT_EQ(test, map_err(link, gref, PVIO_GRANT_WRITE), -EACCES);
	KUNIT_EXPECT_EQ(test, map_err(link, gref, PVIO_GRANT_READ |
				      PVIO_GRANT_WRITE), -EACCES);
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_to(link, gref, 0, buf, 8),
			-EACCES);
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_from(link, gref, 0, buf, 8), 0);
}

static void grant_bad_access(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 0);
	int gref = pvio_grant_access(link, 1, false);

	KUNIT_ASSERT_GE(test, gref, 0);
	KUNIT_EXPECT_EQ(test, map_err(link, gref, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, map_err(link, gref, BIT(2)), -EINVAL);
	KUNIT_EXPECT_EQ(test, map_err(link, gref, PVIO_GRANT_READ | BIT(31)),
			-EINVAL);
}

/* Entries a hostile frontend wrote behind the API. */
static void grant_outside_data(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 8);
	__le64 *table = pvio_kunit_grant_table(link);
	int gref;

	table[2] = cpu_to_le64((u64)GRANT_DATA << 32 | PVIO_GRANT_F_VALID);
	KUNIT_EXPECT_EQ(test, map_err(link, 2, PVIO_GRANT_READ), -EFAULT);
	table[3] = cpu_to_le64((u64)U32_MAX << 32 | PVIO_GRANT_F_VALID);
	KUNIT_EXPECT_EQ(test, map_err(link, 3, PVIO_GRANT_READ), -EFAULT);
	/* A real grant whose page is rewritten afterwards. */
	gref = pvio_grant_access(link, 0, false);
	KUNIT_ASSERT_GE(test, gref, 0);
	table[gref] = cpu_to_le64((u64)0x80000000u << 32 | PVIO_GRANT_F_VALID);
	KUNIT_EXPECT_EQ(test, map_err(link, gref, PVIO_GRANT_WRITE), -EFAULT);
	/* Unknown flag bits are ignored (version skew), not trusted. */
	table[4] = cpu_to_le64((u64)1 << 32 | 0xfffffff0u | PVIO_GRANT_F_VALID);
	KUNIT_EXPECT_EQ(test, map_err(link, 4, PVIO_GRANT_READ), 0);
}

static void grant_revoke_twice(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 0);
	int gref = pvio_grant_access(link, 2, false);

	KUNIT_ASSERT_GE(test, gref, 0);
	KUNIT_EXPECT_EQ(test, pvio_grant_revoke(link, gref), 0);
	KUNIT_EXPECT_EQ(test, pvio_grant_revoke(link, gref), -ENOENT);
}

/* The frontend's bitmap, not the shared table, says what it granted. */
static void grant_revoke_forged(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 8);

	pvio_kunit_grant_table(link)[6] = cpu_to_le64(PVIO_GRANT_F_VALID);
	KUNIT_EXPECT_EQ(test, pvio_grant_revoke(link, 6), -ENOENT);
}

static void grant_copy_bounds(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 0);
	static u8 buf[PVIO_PAGE_SIZE];
	int gref = pvio_grant_access(link, 0, false);

	KUNIT_ASSERT_GE(test, gref, 0);
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_from(link, gref, 0, buf,
						   PVIO_PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_from(link, gref, PVIO_PAGE_SIZE,
						   buf, 0), 0);
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_from(link, gref, PVIO_PAGE_SIZE,
						   buf, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_to(link, gref, 1, buf,
						 PVIO_PAGE_SIZE), -EINVAL);
	/* offset + len wraps u32 to 1: must still be refused. */
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_to(link, gref, U32_MAX, buf, 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_from(link, gref, 4000, buf,
						   U32_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvio_grant_copy_from(link, gref,
						   PVIO_PAGE_SIZE + 1, buf, 0),
			-EINVAL);
}

static void grant_table_full(struct kunit *test)
{
	struct pvio_link *link = grant_link(test, PVIO_KUNIT_BOTH, 8);
	int i, gref;

	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, pvio_grant_access(link, i % GRANT_DATA,
							false), i);
	KUNIT_EXPECT_EQ(test, pvio_grant_access(link, 0, false), -ENOSPC);
	KUNIT_EXPECT_EQ(test, pvio_grant_revoke(link, 5), 0);
	gref = pvio_grant_access(link, 0, true);
	KUNIT_EXPECT_EQ(test, gref, 5);
}

/* Only a local frontend grants; only a local backend maps. */
static void grant_roles(struct kunit *test)
{
	struct pvio_link *back = grant_link(test, BIT(PVIO_BACKEND), 0);
	struct pvio_link *front = grant_link(test, BIT(PVIO_FRONTEND), 0);
	int gref;

	KUNIT_EXPECT_EQ(test, pvio_grant_access(back, 0, false), -EPERM);
	KUNIT_EXPECT_EQ(test, pvio_grant_revoke(back, 0), -EPERM);
	gref = pvio_grant_access(front, 0, false);
	KUNIT_ASSERT_GE(test, gref, 0);
	KUNIT_EXPECT_EQ(test, map_err(front, gref, PVIO_GRANT_READ), -EPERM);
}

/* A frontend attaching to a region it did not lay out starts afresh. */
static void grant_foreign_cleared(struct kunit *test)
{
	struct pvio_kunit_link_cfg both = {
		.roles = PVIO_KUNIT_BOTH, .foreign = true,
	};
	struct pvio_kunit_link_cfg back = {
		.roles = BIT(PVIO_BACKEND), .foreign = true,
	};
	struct pvio_link *link = pvio_kunit_link(test, &both);
	struct pvio_link *blink = pvio_kunit_link(test, &back);

	KUNIT_EXPECT_EQ(test, map_err(link, 0, PVIO_GRANT_READ), -ENOENT);
	KUNIT_EXPECT_EQ(test, map_err(link, 511, PVIO_GRANT_READ), -ENOENT);
	/* A backend alone leaves the frontend's table alone. */
	KUNIT_EXPECT_EQ(test, map_err(blink, 0, PVIO_GRANT_READ), 0);
}

static struct kunit_case pvio_grant_cases[] = {
	KUNIT_CASE(grant_roundtrip),
	KUNIT_CASE(grant_wire_format),
	KUNIT_CASE(grant_out_of_range),
	KUNIT_CASE(grant_not_granted),
	KUNIT_CASE(grant_readonly),
	KUNIT_CASE(grant_bad_access),
	KUNIT_CASE(grant_outside_data),
	KUNIT_CASE(grant_revoke_twice),
	KUNIT_CASE(grant_revoke_forged),
	KUNIT_CASE(grant_copy_bounds),
	KUNIT_CASE(grant_table_full),
	KUNIT_CASE(grant_roles),
	KUNIT_CASE(grant_foreign_cleared),
	{}
};

static struct kunit_suite pvio_grant_suite = {
	.name = "pvio_grant",
	.suite_init = pvio_kunit_providers_register,
	.suite_exit = pvio_kunit_providers_unregister,
	.test_cases = pvio_grant_cases,
};

kunit_test_suite(pvio_grant_suite);
