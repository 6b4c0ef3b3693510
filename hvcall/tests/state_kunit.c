// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The front/back state machine: the table of legal moves, checked pair by
 * pair against a matrix written out here, publishing, and the watch that
 * tells a driver the other end changed.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>

#include "pvio_kunit.h"

#define NR_STATES	7

/*
 * expected[from][to]: the legal moves. Columns in the order of the rows:
 * Unknown, Initialising, InitWait, Initialised, Connected, Closing, Closed.
 */
static const bool expected[NR_STATES][NR_STATES] = {
	/*               Unk Ini IWt Ind Con Cng Cld */
	/* Unknown */	{ 0,  1,  0,  0,  0,  0,  0 },
	/* Initialis.*/	{ 0,  0,  1,  1,  1,  1,  0 },
	/* InitWait */	{ 0,  0,  0,  1,  1,  1,  0 },
	/* Initialised*/{ 0,  0,  0,  0,  1,  1,  0 },
	/* Connected */	{ 0,  0,  0,  0,  0,  1,  0 },
	/* Closing */	{ 0,  0,  0,  0,  0,  0,  1 },
	/* Closed */	{ 0,  1,  0,  0,  0,  0,  0 },
};

static void state_matrix(struct kunit *test)
{
	int from, to;

	for (from = 0; from < NR_STATES; from++)
		for (to = 0; to < NR_STATES; to++)
			KUNIT_EXPECT_EQ_MSG(test,
					    pvio_state_transition_valid(from, to),
					    expected[from][to], "%s -> %s",
					    pvio_state_name(from),
					    pvio_state_name(to));
}

static void state_out_of_range(struct kunit *test)
{
	int s;

	for (s = 0; s < NR_STATES; s++) {
		KUNIT_EXPECT_FALSE(test, pvio_state_transition_valid(s, 7));
		KUNIT_EXPECT_FALSE(test, pvio_state_transition_valid(7, s));
		KUNIT_EXPECT_FALSE(test, pvio_state_transition_valid(s, -1));
	}
	KUNIT_EXPECT_FALSE(test, pvio_state_transition_valid(-1, 1));
}

static void state_names(struct kunit *test)
{
	static const char *const names[NR_STATES] = {
		"Unknown", "Initialising", "InitWait", "Initialised",
		"Connected", "Closing", "Closed",
	};
	int s;

	for (s = 0; s < NR_STATES; s++)
		KUNIT_EXPECT_STREQ(test, pvio_state_name(s), names[s]);
	KUNIT_EXPECT_STREQ(test, pvio_state_name(7), "Invalid");
	KUNIT_EXPECT_STREQ(test, pvio_state_name(-1), "Invalid");
}

static struct pvio_link *state_link(struct kunit *test, unsigned long roles)
{
	struct pvio_kunit_link_cfg cfg = { .roles = roles };

	return pvio_kunit_link(test, &cfg);
}

/* A backend's life, through a reconnect; each move published and rung. */
static void state_walk(struct kunit *test)
{
	static const enum pvio_state path[] = {
		PVIO_STATE_INITIALISING, PVIO_STATE_INITWAIT,
		PVIO_STATE_CONNECTED, PVIO_STATE_CLOSING, PVIO_STATE_CLOSED,
		PVIO_STATE_INITIALISING, PVIO_STATE_INITWAIT,
	};
	struct pvio_link *link = state_link(test, PVIO_KUNIT_BOTH);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_BACKEND),
			PVIO_STATE_UNKNOWN);
	for (i = 0; i < ARRAY_SIZE(path); i++) {
		KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
						     path[i]), 0);
		KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_BACKEND),
				path[i]);
		KUNIT_EXPECT_EQ(test,
				le32_to_cpu(link->hdr->ends[PVIO_BACKEND].state),
				(u32)path[i]);
		/* The frontend's control port rang once per move. */
		KUNIT_EXPECT_EQ(test, pvio_kunit_kicks(link, PVIO_FRONTEND,
						       PVIO_PORT_CONTROL),
				(int)i + 1);
	}
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_FRONTEND),
			PVIO_STATE_UNKNOWN);
}

static void state_illegal(struct kunit *test)
{
	struct pvio_link *link = state_link(test, PVIO_KUNIT_BOTH);

	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_CONNECTED), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_FRONTEND),
			PVIO_STATE_UNKNOWN);
	KUNIT_ASSERT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_INITIALISING), 0);
	KUNIT_ASSERT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_CONNECTED), 0);
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_INITIALISING), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_CLOSED), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_UNKNOWN), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_FRONTEND, 99),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_FRONTEND),
			PVIO_STATE_CONNECTED);
	/* The same state again: nothing to do, nobody rung. */
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_CONNECTED), 0);
	KUNIT_EXPECT_EQ(test, pvio_kunit_kicks(link, PVIO_BACKEND,
					       PVIO_PORT_CONTROL), 2);
}

static void state_not_local(struct kunit *test)
{
	struct pvio_link *link = state_link(test, BIT(PVIO_FRONTEND));

	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_INITIALISING), -EPERM);
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, 2,
					     PVIO_STATE_INITIALISING), -EPERM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pvio_state_watch(link, PVIO_BACKEND,
						       NULL, NULL)), -EPERM);
}

/* Whatever the peer writes, the state read is one of the seven. */
static void state_garbage(struct kunit *test)
{
	struct pvio_link *link = state_link(test, BIT(PVIO_BACKEND));

	link->hdr->ends[PVIO_FRONTEND].state = cpu_to_le32(7);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_FRONTEND),
			PVIO_STATE_UNKNOWN);
	link->hdr->ends[PVIO_FRONTEND].state = cpu_to_le32(0x80000004);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_FRONTEND),
			PVIO_STATE_UNKNOWN);
	link->hdr->ends[PVIO_FRONTEND].state = cpu_to_le32(4);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_FRONTEND),
			PVIO_STATE_CONNECTED);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, 2), PVIO_STATE_UNKNOWN);
}

/*
 * A peer rewrites a local end's state in the header: that end goes on
 * from its own record; its peer's view is what the header says.
 */
static void state_own_is_private(struct kunit *test)
{
	struct pvio_link *link = state_link(test, PVIO_KUNIT_BOTH);

	KUNIT_ASSERT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_INITIALISING), 0);
	link->hdr->ends[PVIO_BACKEND].state = cpu_to_le32(PVIO_STATE_CONNECTED);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_BACKEND),
			PVIO_STATE_INITIALISING);
	KUNIT_EXPECT_EQ(test, pvio_state_peer(link, PVIO_FRONTEND),
			PVIO_STATE_CONNECTED);
	/* Its next move is checked against its own record. */
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_INITWAIT), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(link->hdr->ends[PVIO_BACKEND].state),
			(u32)PVIO_STATE_INITWAIT);
	KUNIT_EXPECT_EQ(test, pvio_state_peer(link, 2), PVIO_STATE_UNKNOWN);
}

/* A new incarnation in a region laid out elsewhere starts as Unknown. */
static void state_foreign_reset(struct kunit *test)
{
	struct pvio_kunit_link_cfg hvd = {
		.roles = BIT(PVIO_BACKEND), .foreign = true,
	};
	struct pvio_link *link = pvio_kunit_link(test, &hvd);

	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_BACKEND),
			PVIO_STATE_UNKNOWN);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_FRONTEND),
			PVIO_STATE_CONNECTED);
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_INITIALISING), 0);
}

struct watch_log {
	struct pvio_link *link;
	int calls;
	int bad_calls;		/* with the wrong link or end */
	enum pvio_state last;
};

static void watch_fn(struct pvio_link *link, enum pvio_role self,
		     enum pvio_state peer, void *data)
{
	struct watch_log *log = data;

	might_sleep();
	if (link != log->link || self != PVIO_BACKEND)
		WRITE_ONCE(log->bad_calls, log->bad_calls + 1);
	WRITE_ONCE(log->last, peer);
	/* @last is written before the count the test waits on. */
	smp_store_release(&log->calls, log->calls + 1);
}

static int watch_calls(struct watch_log *log)
{
	/* The count before @last (pairs with watch_fn()'s release). */
	return smp_load_acquire(&log->calls);
}

/* Wait until the watch was called @calls times, the last time with @s. */
static bool watch_saw(struct watch_log *log, int calls, enum pvio_state s)
{
	return pvio_kunit_wait(watch_calls(log) == calls &&
			       READ_ONCE(log->last) == s, 2000);
}

KUNIT_DEFINE_ACTION_WRAPPER(unwatch_action, pvio_state_unwatch,
			    struct pvio_state_watch *);

/* A watch, unwatched when the test ends if it did not do so itself. */
static struct pvio_state_watch *watch(struct kunit *test,
				      struct pvio_link *link,
				      struct watch_log *log)
{
	struct pvio_state_watch *w;

	w = pvio_state_watch(link, PVIO_BACKEND, watch_fn, log);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unwatch_action,
							w), 0);
	return w;
}

static void state_watch(struct kunit *test)
{
	struct pvio_link *link = state_link(test, PVIO_KUNIT_BOTH);
	struct watch_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	struct pvio_state_watch *w;

	KUNIT_ASSERT_NOT_NULL(test, log);
	log->link = link;
	w = watch(test, link, log);

	/* First report: the state the frontend is in. */
	KUNIT_EXPECT_TRUE(test, watch_saw(log, 1, PVIO_STATE_UNKNOWN));
	/* The control port is the watch's. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(pvio_state_watch(link, PVIO_BACKEND,
						       watch_fn, log)),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pvio_evtchn_bind(link, PVIO_BACKEND,
						       PVIO_PORT_CONTROL,
						       NULL, NULL)), -EBUSY);

	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_INITIALISING), 0);
	KUNIT_EXPECT_TRUE(test, watch_saw(log, 2, PVIO_STATE_INITIALISING));
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_CONNECTED), 0);
	KUNIT_EXPECT_TRUE(test, watch_saw(log, 3, PVIO_STATE_CONNECTED));

	/* The backend's own moves are not reported to the backend. */
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_INITIALISING), 0);
	msleep(20);
	KUNIT_EXPECT_EQ(test, watch_calls(log), 3);

	kunit_release_action(test, unwatch_action, w);
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_CLOSING), 0);
	msleep(20);
	KUNIT_EXPECT_EQ(test, watch_calls(log), 3);
	KUNIT_EXPECT_EQ(test, READ_ONCE(log->bad_calls), 0);

	/* Unwatched: the port can be watched again. */
	watch(test, link, log);
	KUNIT_EXPECT_TRUE(test, watch_saw(log, 4, PVIO_STATE_CLOSING));
}

static struct kunit_case pvio_state_cases[] = {
	KUNIT_CASE(state_matrix),
	KUNIT_CASE(state_out_of_range),
	KUNIT_CASE(state_names),
	KUNIT_CASE(state_walk),
	KUNIT_CASE(state_illegal),
	KUNIT_CASE(state_not_local),
	KUNIT_CASE(state_garbage),
	KUNIT_CASE(state_own_is_private),
	KUNIT_CASE(state_foreign_reset),
	KUNIT_CASE(state_watch),
	{}
};

static struct kunit_suite pvio_state_suite = {
	.name = "pvio_state",
	.suite_init = pvio_kunit_providers_register,
	.suite_exit = pvio_kunit_providers_unregister,
	.test_cases = pvio_state_cases,
};

kunit_test_suite(pvio_state_suite);
