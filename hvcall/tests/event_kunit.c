// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Event channels: delivery, masking, coalescing of kicks, flood throttling
 * and unbinding, over the fake provider (synchronous doorbells) and, when
 * pvio_loop is loaded, over a real loop link (irq_work doorbells).
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/ktime.h>

#include "pvio_kunit.h"

#define PORT	1

/**
 * struct ev_log - what a handler saw
 * @runs: handler runs
 * @irqs_on: runs with interrupts enabled (must stay 0)
 * @hardirq: runs in hard interrupt context
 * @mask_self: the handler masks its channel (NAPI style)
 */
struct ev_log {
	atomic_t runs;
	atomic_t irqs_on;
	atomic_t hardirq;
	bool mask_self;
};

static void ev_handler(struct pvio_evtchn *ch, void *data)
{
	struct ev_log *log = data;

	if (!irqs_disabled())
		atomic_inc(&log->irqs_on);
	if (in_hardirq())
		atomic_inc(&log->hardirq);
	if (log->mask_self)
		pvio_evtchn_mask(ch);
	atomic_inc(&log->runs);
}

static struct ev_log *ev_log(struct kunit *test)
{
	struct ev_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	return log;
}

static int runs(struct ev_log *log)
{
	return atomic_read(&log->runs);
}

static struct pvio_evtchn_stats stats(struct pvio_evtchn *ch)
{
	struct pvio_evtchn_stats st;

	pvio_evtchn_get_stats(ch, &st);
	return st;
}

/**
 * struct ev_pair - a link with port PORT bound on both ends
 * @link: the link
 * @b: the backend's channel
 * @f: the frontend's channel
 * @blog: what the backend's handler saw
 * @flog: what the frontend's handler saw
 */
struct ev_pair {
	struct pvio_link *link;
	struct pvio_evtchn *b, *f;
	struct ev_log *blog, *flog;
};

static struct ev_pair ev_pair(struct kunit *test)
{
	struct pvio_kunit_link_cfg cfg = { .roles = PVIO_KUNIT_BOTH };
	struct ev_pair p;

	p.link = pvio_kunit_link(test, &cfg);
	p.blog = ev_log(test);
	p.flog = ev_log(test);
	p.b = pvio_kunit_bind(test, p.link, PVIO_BACKEND, PORT, ev_handler,
			      p.blog);
	p.f = pvio_kunit_bind(test, p.link, PVIO_FRONTEND, PORT, ev_handler,
			      p.flog);
	return p;
}

static void evtchn_deliver(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);

	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 1);
	KUNIT_EXPECT_EQ(test, runs(p.flog), 0);
	KUNIT_EXPECT_EQ(test, pvio_kunit_kicks(p.link, PVIO_BACKEND, PORT), 1);
	pvio_evtchn_notify(p.b);
	pvio_evtchn_notify(p.b);
	KUNIT_EXPECT_EQ(test, runs(p.flog), 2);
	KUNIT_EXPECT_EQ(test, stats(p.f).notifies, 1ull);
	KUNIT_EXPECT_EQ(test, stats(p.f).events, 2ull);
	KUNIT_EXPECT_EQ(test, stats(p.b).notifies, 2ull);
	KUNIT_EXPECT_EQ(test, stats(p.b).events, 1ull);
	KUNIT_EXPECT_EQ(test, stats(p.b).coalesced, 0ull);
	KUNIT_EXPECT_EQ(test, stats(p.b).throttled, 0ull);
	/* Handlers always run with interrupts off. */
	KUNIT_EXPECT_EQ(test, atomic_read(&p.blog->irqs_on), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&p.flog->irqs_on), 0);
}

static long bind_err(struct pvio_link *link, enum pvio_role self,
		     unsigned int port)
{
	struct pvio_evtchn *ch = pvio_evtchn_bind(link, self, port, ev_handler,
						  NULL);

	if (IS_ERR(ch))
		return PTR_ERR(ch);
	pvio_evtchn_unbind(ch);
	return 0;
}

static void evtchn_bind_errors(struct kunit *test)
{
	struct pvio_kunit_link_cfg cfg = { .roles = BIT(PVIO_BACKEND) };
	struct pvio_link *link = pvio_kunit_link(test, &cfg);
	struct ev_log *log = ev_log(test);
	struct pvio_evtchn *ch;

	KUNIT_EXPECT_EQ(test, bind_err(link, PVIO_BACKEND, PVIO_KUNIT_PORTS),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, bind_err(link, PVIO_BACKEND, UINT_MAX), -ERANGE);
	KUNIT_EXPECT_EQ(test, bind_err(link, PVIO_BACKEND, PVIO_PORT_CONTROL),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, bind_err(link, PVIO_FRONTEND, PORT), -EPERM);
	KUNIT_EXPECT_EQ(test, bind_err(link, 2, PORT), -EPERM);

	ch = pvio_kunit_bind(test, link, PVIO_BACKEND, PORT, ev_handler, log);
	KUNIT_EXPECT_EQ(test, bind_err(link, PVIO_BACKEND, PORT), -EBUSY);
	pvio_kunit_unbind(test, ch);
	KUNIT_EXPECT_EQ(test, bind_err(link, PVIO_BACKEND, PORT), 0);
}

/* A doorbell on a port nobody bound goes nowhere, harmlessly. */
static void evtchn_unbound_port(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);
	struct pvio_evtchn *f2;
	struct ev_log *log = ev_log(test);

	f2 = pvio_kunit_bind(test, p.link, PVIO_FRONTEND, PORT + 1, ev_handler,
			     log);
	pvio_evtchn_notify(f2);
	KUNIT_EXPECT_EQ(test, pvio_kunit_kicks(p.link, PVIO_BACKEND, PORT + 1),
			1);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 0);
	KUNIT_EXPECT_EQ(test, stats(p.b).events, 0ull);
}

static void evtchn_mask(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);

	pvio_evtchn_mask(p.b);
	pvio_evtchn_notify(p.f);
	pvio_evtchn_notify(p.f);
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 0);
	KUNIT_EXPECT_EQ(test, stats(p.b).events, 3ull);
	/* Remembered, and delivered once, on unmask. */
	pvio_evtchn_unmask(p.b);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 1);
	pvio_evtchn_unmask(p.b);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 1);
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 2);
	/* From process context too, the handler ran with interrupts off. */
	KUNIT_EXPECT_EQ(test, atomic_read(&p.blog->irqs_on), 0);
}

/* A handler that masks its own channel, as a NAPI driver does. */
static void evtchn_mask_self(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);

	p.blog->mask_self = true;
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 1);
	pvio_evtchn_notify(p.f);
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 1);
	pvio_evtchn_unmask(p.b);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 2);
	pvio_evtchn_unmask(p.b);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 2);
}

static void evtchn_coalesce_frames(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);
	struct pvio_coalesce c = { .max_frames = 4 }, got = {};
	int i;

	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_coalesce(p.f, &c), 0);
	pvio_evtchn_get_coalesce(p.f, &got);
	KUNIT_EXPECT_EQ(test, got.max_frames, 4u);
	KUNIT_EXPECT_EQ(test, got.usecs, 0u);
	for (i = 0; i < 3; i++)
		pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 0);
	KUNIT_EXPECT_EQ(test, stats(p.f).coalesced, 3ull);
	KUNIT_EXPECT_EQ(test, stats(p.f).notifies, 0ull);
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 1);
	KUNIT_EXPECT_EQ(test, stats(p.f).notifies, 1ull);
	for (i = 0; i < 4; i++)
		pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 2);
	KUNIT_EXPECT_EQ(test, stats(p.f).coalesced, 6ull);
	/* The other direction is not coalesced. */
	pvio_evtchn_notify(p.b);
	KUNIT_EXPECT_EQ(test, runs(p.flog), 1);
}

static void evtchn_coalesce_usecs(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);
	struct pvio_coalesce c = { .usecs = 20000 };
	ktime_t t0;
	s64 ms;

	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_coalesce(p.f, &c), 0);
	t0 = ktime_get();
	pvio_evtchn_notify(p.f);
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 0);
	KUNIT_EXPECT_TRUE(test, pvio_kunit_wait(runs(p.blog) == 1, 2000));
	ms = ktime_ms_delta(ktime_get(), t0);
	KUNIT_EXPECT_GE(test, ms, 20);
	KUNIT_EXPECT_EQ(test, stats(p.f).notifies, 1ull);
	KUNIT_EXPECT_EQ(test, stats(p.f).coalesced, 2ull);
	/* The timer kicked, in hard interrupt context. */
	KUNIT_EXPECT_EQ(test, atomic_read(&p.blog->hardirq), 1);
	msleep(30);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 1);
}

/* Changing the parameters applies to a kick already held back. */
static void evtchn_coalesce_change(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);
	struct pvio_coalesce frames = { .max_frames = 100 };
	struct pvio_coalesce usecs = { .usecs = 1000 };
	struct pvio_coalesce off = {};

	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_coalesce(p.f, &frames), 0);
	pvio_evtchn_notify(p.f);
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 0);
	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_coalesce(p.f, &off), 0);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 1);
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 2);
	KUNIT_EXPECT_EQ(test, stats(p.f).notifies, 2ull);
	KUNIT_EXPECT_EQ(test, stats(p.f).coalesced, 2ull);

	/* Frames only (no timer), then a time limit: the timer starts. */
	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_coalesce(p.f, &frames), 0);
	pvio_evtchn_notify(p.f);
	msleep(20);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 2);
	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_coalesce(p.f, &usecs), 0);
	KUNIT_EXPECT_TRUE(test, pvio_kunit_wait(runs(p.blog) == 3, 2000));
}

static void evtchn_coalesce_invalid(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);
	struct pvio_coalesce c = { .max_frames = PVIO_COALESCE_FRAMES_MAX + 1 };
	struct pvio_coalesce got;

	KUNIT_EXPECT_EQ(test, pvio_evtchn_set_coalesce(p.f, &c), -EINVAL);
	c = (struct pvio_coalesce){ .usecs = PVIO_COALESCE_USECS_MAX + 1 };
	KUNIT_EXPECT_EQ(test, pvio_evtchn_set_coalesce(p.f, &c), -EINVAL);
	pvio_evtchn_get_coalesce(p.f, &got);
	KUNIT_EXPECT_EQ(test, got.max_frames, 0u);
	KUNIT_EXPECT_EQ(test, got.usecs, 0u);
	c = (struct pvio_coalesce){
		.max_frames = PVIO_COALESCE_FRAMES_MAX,
		.usecs = PVIO_COALESCE_USECS_MAX,
	};
	KUNIT_EXPECT_EQ(test, pvio_evtchn_set_coalesce(p.f, &c), 0);
	pvio_evtchn_get_coalesce(p.f, &got);
	KUNIT_EXPECT_EQ(test, got.max_frames, PVIO_COALESCE_FRAMES_MAX);
	KUNIT_EXPECT_EQ(test, got.usecs, PVIO_COALESCE_USECS_MAX);
}

/* A kick held back when the channel goes is sent, not lost. */
static void evtchn_unbind_flushes(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);
	struct pvio_coalesce c = { .max_frames = 100, .usecs = 1000000 };

	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_coalesce(p.f, &c), 0);
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 0);
	pvio_kunit_unbind(test, p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), 1);
}

#define FLOOD_LIMIT	4

static void evtchn_throttle(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);
	int i, r0, r1, sent;
	ktime_t t0;
	s64 ms;

	KUNIT_EXPECT_EQ(test, pvio_evtchn_set_flood_limit(p.b, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_flood_limit(p.b, FLOOD_LIMIT),
			0);

	/* Ring until the channel is throttled. */
	for (i = 1; i <= 100000; i++) {
		pvio_evtchn_notify(p.f);
		if (stats(p.b).throttled)
			break;
	}
	KUNIT_ASSERT_EQ(test, stats(p.b).throttled, 1ull);
	/*
	 * The event that hit the limit waits for the timer (which may have
	 * fired already, a millisecond is short under TCG), and the timer
	 * delivers it, once: every event handled exactly once.
	 */
	KUNIT_EXPECT_GE(test, runs(p.blog), i - 1);
	KUNIT_EXPECT_TRUE(test, pvio_kunit_wait(runs(p.blog) == i, 2000));
	msleep(20);
	KUNIT_EXPECT_EQ(test, runs(p.blog), i);
	KUNIT_EXPECT_EQ(test, atomic_read(&p.blog->irqs_on), 0);

	/* A flood of 20 ms: at most FLOOD_LIMIT runs per millisecond. */
	r0 = runs(p.blog);
	sent = 0;
	t0 = ktime_get();
	do {
		pvio_evtchn_notify(p.f);
		sent++;
	} while (ktime_ms_delta(ktime_get(), t0) < 20);
	ms = ktime_ms_delta(ktime_get(), t0);
	r1 = runs(p.blog) - r0;
	KUNIT_EXPECT_LE(test, r1, FLOOD_LIMIT * (ms + 2));
	kunit_info(test, "flood: %d events in %lld ms, %d handler runs\n",
		   sent, ms, r1);
	KUNIT_EXPECT_GT(test, stats(p.b).throttled, 1ull);
	/* Every event was received and the last one handled. */
	KUNIT_EXPECT_EQ(test, stats(p.b).events, (u64)(i + sent));
	msleep(20);
	r1 = runs(p.blog);
	pvio_evtchn_notify(p.f);
	KUNIT_EXPECT_EQ(test, runs(p.blog), r1 + 1);
}

/**
 * struct slow_log - a slow handler that its peer rings during every run
 * @runs: handler runs
 * @left: runs that ring again (a bound, so that the test ends also
 *	when the loop it checks does not)
 * @last_end: when the last run ended (ns)
 * @streak: runs in a row, each starting right after the last one ended
 * @max_streak: the longest of them
 */
struct slow_log {
	atomic_t runs;
	atomic_t left;
	u64 last_end;
	int streak;
	int max_streak;
};

/* Runs closer than this are in a row; a throttled window is 1 ms. */
#define SLOW_GAP_NS	(NSEC_PER_MSEC / 2)

static void slow_handler(struct pvio_evtchn *ch, void *data)
{
	struct slow_log *log = data;
	u64 now = ktime_get_ns();

	/* Never concurrent with itself: plain fields will do. */
	if (log->last_end && now - log->last_end < SLOW_GAP_NS)
		log->streak++;
	else
		log->streak = 1;
	log->max_streak = max(log->max_streak, log->streak);
	/* Slower than the window over the limit: each run starts a window. */
	udelay(2 * USEC_PER_MSEC / FLOOD_LIMIT);
	if (atomic_dec_return(&log->left) >= 0)
		pvio_evtchn_inject(ch);
	log->last_end = ktime_get_ns();
	atomic_inc(&log->runs);
}

/*
 * A peer that rings during every run of a slow handler: at most the flood
 * limit of runs in a row, then the channel waits for its timer; every
 * event is still handled.
 */
static void evtchn_slow_flood(struct kunit *test)
{
	struct pvio_kunit_link_cfg cfg = { .roles = PVIO_KUNIT_BOTH };
	struct pvio_link *link = pvio_kunit_link(test, &cfg);
	struct slow_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	struct pvio_evtchn *b, *f;

	KUNIT_ASSERT_NOT_NULL(test, log);
	atomic_set(&log->left, 50);
	b = pvio_kunit_bind(test, link, PVIO_BACKEND, PORT, slow_handler, log);
	f = pvio_kunit_bind(test, link, PVIO_FRONTEND, PORT, ev_handler,
			    ev_log(test));
	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_flood_limit(b, FLOOD_LIMIT), 0);
	pvio_evtchn_notify(f);
	/* The timer delivers the rest: 51 runs, the last one not ringing. */
	KUNIT_EXPECT_TRUE(test,
			  pvio_kunit_wait(atomic_read(&log->runs) == 51, 5000));
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&log->runs), 51);
	kunit_info(test, "at most %d runs in a row, throttled %llu times\n",
		   log->max_streak, stats(b).throttled);
	KUNIT_EXPECT_LE(test, log->max_streak, FLOOD_LIMIT);
	KUNIT_EXPECT_GT(test, stats(b).throttled, 0ull);
}

/* Unbinding a throttled channel stops its timer: no run after unbind. */
static void evtchn_unbind_throttled(struct kunit *test)
{
	struct ev_pair p = ev_pair(test);
	int i, r;

	KUNIT_ASSERT_EQ(test, pvio_evtchn_set_flood_limit(p.b, 1), 0);
	for (i = 0; i < 100000 && !stats(p.b).throttled; i++)
		pvio_evtchn_notify(p.f);
	KUNIT_ASSERT_GT(test, stats(p.b).throttled, 0ull);
	pvio_kunit_unbind(test, p.b);
	r = runs(p.blog);
	msleep(20);
	KUNIT_EXPECT_EQ(test, runs(p.blog), r);
}

static void loop_link_release(void *data)
{
	struct pvio_link *link = data;

	pvio_link_destroy(link->id, NULL);
	pvio_link_put(link);
}

KUNIT_DEFINE_ACTION_WRAPPER(stop_ringer, kthread_stop, struct task_struct *);

static struct pvio_link *loop_link(struct kunit *test)
{
	struct pvio_link_params params = {
		.provider = "loop", .backend_id = 0, .frontend_id = 1,
		.region_pages = 16,
	};
	struct pvio_link *link;
	int ret;

	ret = pvio_link_create(&params, NULL, &link);
	if (ret == -ENOENT)
		kunit_skip(test, "pvio_loop is not loaded");
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, loop_link_release,
							link), 0);
	return link;
}

struct loop_watch {
	atomic_t calls;
	enum pvio_state last;
};

static void loop_watch_fn(struct pvio_link *link, enum pvio_role self,
			  enum pvio_state peer, void *data)
{
	struct loop_watch *lw = data;

	WRITE_ONCE(lw->last, peer);
	atomic_inc(&lw->calls);
}

KUNIT_DEFINE_ACTION_WRAPPER(loop_unwatch, pvio_state_unwatch,
			    struct pvio_state_watch *);

/* The real loop provider: doorbells through irq_work, in hard irq. */
static void evtchn_loop_provider(struct kunit *test)
{
	struct pvio_link *link = loop_link(test);
	struct ev_log *blog = ev_log(test), *flog = ev_log(test);
	struct loop_watch *lw = kunit_kzalloc(test, sizeof(*lw), GFP_KERNEL);
	struct pvio_evtchn *b, *f;
	struct pvio_state_watch *w;

	KUNIT_ASSERT_NOT_NULL(test, lw);
	b = pvio_kunit_bind(test, link, PVIO_BACKEND, PORT, ev_handler, blog);
	f = pvio_kunit_bind(test, link, PVIO_FRONTEND, PORT, ev_handler, flog);

	pvio_evtchn_notify(f);
	KUNIT_EXPECT_TRUE(test, pvio_kunit_wait(runs(blog) == 1, 2000));
	KUNIT_EXPECT_EQ(test, atomic_read(&blog->hardirq), 1);
	pvio_evtchn_notify(b);
	KUNIT_EXPECT_TRUE(test, pvio_kunit_wait(runs(flog) == 1, 2000));
	KUNIT_EXPECT_EQ(test, stats(b).events, 1ull);

	w = pvio_state_watch(link, PVIO_FRONTEND, loop_watch_fn, lw);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, loop_unwatch, w),
			0);
	KUNIT_EXPECT_TRUE(test, pvio_kunit_wait(atomic_read(&lw->calls) == 1,
						2000));
	KUNIT_ASSERT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_INITIALISING), 0);
	KUNIT_ASSERT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_INITWAIT), 0);
	/* Doorbells coalesce: the last state is what must arrive. */
	KUNIT_EXPECT_TRUE(test,
			  pvio_kunit_wait(READ_ONCE(lw->last) ==
					  PVIO_STATE_INITWAIT, 2000));
}

/**
 * struct stress - two CPUs ringing one channel while it is rebound
 * @ch: the frontend's channel the kthread rings
 * @runs: handler runs, all channels
 * @inside: handlers running now
 * @overlaps: times a handler found another one running
 * @rung: notifies by the kthread
 */
struct stress {
	struct pvio_evtchn *ch;
	atomic_t rung;
	atomic_t runs;
	atomic_t inside;
	atomic_t overlaps;
};

static void stress_handler(struct pvio_evtchn *ch, void *data)
{
	struct stress *st = data;

	if (atomic_inc_return(&st->inside) > 1)
		atomic_inc(&st->overlaps);
	udelay(9);
	atomic_dec(&st->inside);
	atomic_inc(&st->runs);
}

static int stress_ringer(void *data)
{
	struct stress *st = data;

	while (!kthread_should_stop()) {
		pvio_evtchn_notify(st->ch);
		atomic_inc(&st->rung);
		/*
		 * PAUSE: under single-threaded TCG it hands the host thread
		 * to the other vCPU, which a loop of doorbells (self-IPIs,
		 * no exit) starved for 20 s and more (soft lockups).
		 */
		cpu_relax();
		cond_resched();
	}
	return 0;
}

/*
 * Doorbells from two CPUs (a kthread and the test) while the backend's
 * channel is unbound and bound again: the handler never runs twice at
 * once, and no doorbell touches an unbound channel (KASAN would say so).
 */
static void evtchn_loop_stress(struct kunit *test)
{
	struct pvio_link *link = loop_link(test);
	struct stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct task_struct *ringer;
	struct pvio_evtchn *b;
	int round, i, cpu;

	KUNIT_ASSERT_NOT_NULL(test, st);
	/* One CPU cannot run the handler twice at once: nothing to test. */
	if (num_online_cpus() < 2)
		kunit_skip(test, "one CPU online (QEMU: -smp 2,sockets=2)");
	st->ch = pvio_kunit_bind(test, link, PVIO_FRONTEND, PORT, ev_handler,
				 ev_log(test));
	b = pvio_kunit_bind(test, link, PVIO_BACKEND, PORT, stress_handler, st);
	/* On another CPU, or it only runs while this thread sleeps. */
	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	KUNIT_ASSERT_LT(test, cpu, nr_cpu_ids);
	ringer = kthread_create(stress_ringer, st, "pvio-kunit-ring");
	KUNIT_ASSERT_FALSE(test, IS_ERR(ringer));
	kthread_bind(ringer, cpu);
	wake_up_process(ringer);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, stop_ringer,
							ringer), 0);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 200; i++)
			pvio_evtchn_notify(st->ch);
		pvio_kunit_unbind(test, b);
		b = pvio_kunit_bind(test, link, PVIO_BACKEND, PORT,
				    stress_handler, st);
		/* The kthread alone rings the new channel for a while. */
		msleep(20);
	}
	kunit_release_action(test, stop_ringer, ringer);
	kunit_info(test, "%d handler runs, %d + %d notifies\n",
		   atomic_read(&st->runs), atomic_read(&st->rung),
		   round * i);
	/* More than this thread's notifies: the kthread's arrived too. */
	KUNIT_EXPECT_GT(test, atomic_read(&st->runs), round * i);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->overlaps), 0);
}

static struct kunit_case pvio_evtchn_cases[] = {
	KUNIT_CASE(evtchn_deliver),
	KUNIT_CASE(evtchn_bind_errors),
	KUNIT_CASE(evtchn_unbound_port),
	KUNIT_CASE(evtchn_mask),
	KUNIT_CASE(evtchn_mask_self),
	KUNIT_CASE(evtchn_coalesce_frames),
	KUNIT_CASE(evtchn_coalesce_usecs),
	KUNIT_CASE(evtchn_coalesce_change),
	KUNIT_CASE(evtchn_coalesce_invalid),
	KUNIT_CASE(evtchn_unbind_flushes),
	KUNIT_CASE(evtchn_throttle),
	KUNIT_CASE(evtchn_unbind_throttled),
	KUNIT_CASE(evtchn_slow_flood),
	KUNIT_CASE(evtchn_loop_provider),
	KUNIT_CASE_SLOW(evtchn_loop_stress),
	{}
};

static struct kunit_suite pvio_evtchn_suite = {
	.name = "pvio_evtchn",
	.suite_init = pvio_kunit_providers_register,
	.suite_exit = pvio_kunit_providers_unregister,
	.test_cases = pvio_evtchn_cases,
};

kunit_test_suite(pvio_evtchn_suite);
