/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * Helpers shared by pvio_hv's KUnit suites: a fake provider whose links
 * live in vmalloc memory and whose doorbells run pvio_link_event() at once,
 * in the notifier's context, so a test sees a delivery when notify
 * returns; and links and channels released when the test ends, passed or
 * not.
 */
#ifndef _PVIO_KUNIT_H
#define _PVIO_KUNIT_H

#include <kunit/test.h>

#include "../pvio.h"

/* Ports per end of a fake link. */
#define PVIO_KUNIT_PORTS	4

/*
 * How a fake link is made:
 * @roles: its local_roles
 * @foreign: the region is laid out by the "provider" itself (as pvio-hvd
 *	does), with stale content a previous incarnation could have left
 *	(store entries, grants, states); the core only checks the header
 * @region_pages: 0 for link.c's default
 * @grant_entries: 0 for link.c's default
 */
struct pvio_kunit_link_cfg {
	unsigned long roles;
	bool foreign;
	u32 region_pages;
	u32 grant_entries;
};

#define PVIO_KUNIT_BOTH		(BIT(PVIO_BACKEND) | BIT(PVIO_FRONTEND))

int pvio_kunit_providers_register(struct kunit_suite *suite);
void pvio_kunit_providers_unregister(struct kunit_suite *suite);

/* A new fake link, destroyed and put when @test ends; asserts success. */
struct pvio_link *pvio_kunit_link(struct kunit *test,
				  const struct pvio_kunit_link_cfg *cfg);
/* Kicks the fake provider sent to port @port of end @to. */
int pvio_kunit_kicks(struct pvio_link *link, enum pvio_role to,
		     unsigned int port);

/* A bound channel, unbound when @test ends; asserts success. */
struct pvio_evtchn *pvio_kunit_bind(struct kunit *test, struct pvio_link *link,
				    enum pvio_role self, unsigned int port,
				    pvio_evtchn_handler_t handler, void *data);
/* Unbind a channel from pvio_kunit_bind() now. */
void pvio_kunit_unbind(struct kunit *test, struct pvio_evtchn *ch);

/* Poll @cond every millisecond for up to @ms; true once it holds. */
#define pvio_kunit_wait(cond, ms)					\
({									\
	unsigned long __end = jiffies + msecs_to_jiffies(ms);		\
	bool __ok;							\
									\
	while (!(__ok = (cond)) && time_before(jiffies, __end))		\
		usleep_range(1000, 2000);				\
	__ok;								\
})

/* The grant table of a link, straight from the header (tests only). */
static inline __le64 *pvio_kunit_grant_table(struct pvio_link *link)
{
	return link->region +
	       (size_t)le32_to_cpu(link->hdr->grant_offset) * PVIO_PAGE_SIZE;
}

static inline struct pvio_store_area *
pvio_kunit_store_area(struct pvio_link *link, enum pvio_store_writer w)
{
	return link->region + (size_t)(PVIO_STORE_OFFSET + w) * PVIO_PAGE_SIZE;
}

#endif /* _PVIO_KUNIT_H */
