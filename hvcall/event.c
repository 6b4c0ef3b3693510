// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Event channels: a driver binds a port of its local end and gets its
 * handler run when the peer rings that port; it rings the peer's same port
 * with pvio_evtchn_notify(). Providers deliver doorbells to
 * pvio_link_event(), in interrupt context, which finds the bound channel
 * under RCU: unbind unpublishes the channel and waits a grace period, so a
 * doorbell racing with unbind never touches a freed channel.
 *
 * Receiving: the handler never runs concurrently with itself. Whoever sets
 * RUNNING runs the handler while PENDING is set; an event arriving
 * meanwhile sets PENDING and leaves it to that owner, which re-checks
 * after dropping RUNNING (as NAPI scheduling does). Masking holds events
 * in PENDING. A peer that rings without pause gets its channel throttled:
 * past the flood limit in one window the handler stops running until a
 * timer ends the window (late-EOI style), so a flood costs at most the
 * flood limit of handler runs per window, and never more than the limit
 * in a row with interrupts off.
 *
 * Sending: by default every notify kicks the peer at once (event-index
 * suppression is the ring's business, not this file's). Opt-in
 * coalescing holds kicks back until max_frames are pending or usecs have
 * passed since the first, with an hrtimer for the latter.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "pvio.h"
#include "pvio_hv.h"

/* The throttling window. */
#define PVIO_EVTCHN_WINDOW_NS	NSEC_PER_MSEC

static unsigned int evtchn_flood_limit = 256;
module_param(evtchn_flood_limit, uint, 0644);
MODULE_PARM_DESC(evtchn_flood_limit,
		 "Handler runs per event channel per millisecond, and in a row, before the channel is throttled for the rest of the millisecond; read when a channel is bound (Default: 256)");

/* Bits of pvio_evtchn.flags. */
enum {
	PVIO_EVTCHN_PENDING,	/* an event waits for the handler */
	PVIO_EVTCHN_MASKED,	/* the driver masked the channel */
	PVIO_EVTCHN_THROTTLED,	/* the throttle timer delivers next */
	PVIO_EVTCHN_RUNNING,	/* someone runs the handler loop */
	PVIO_EVTCHN_DYING,	/* unbind started: run nothing any more */
};

#define PVIO_EVTCHN_HOLD \
	(BIT(PVIO_EVTCHN_MASKED) | BIT(PVIO_EVTCHN_THROTTLED) | \
	 BIT(PVIO_EVTCHN_DYING))

/**
 * struct pvio_evtchn - a bound port of a local link end
 * @link: the link (a reference is held)
 * @self: the local end
 * @port: the port
 * @handler: run when the peer rings
 * @data: for @handler
 * @flags: PVIO_EVTCHN_* bits, atomic
 * @flood_limit: handler runs allowed per throttling window
 * @window_start: start of the current window (ktime_get_mono_fast_ns());
 *	only the owner of PVIO_EVTCHN_RUNNING touches it and @window_runs
 * @window_runs: handler runs in the current window
 * @throttle_timer: ends a throttled window and delivers what waited
 * @tx_lock: guards @coal, @tx_pending, @tx_first_ns and the arming of
 *	@coal_timer
 * @coalescing: @coal is not all zero; read locklessly by notify's fast
 *	path, which at worst sends a kick at once that could have waited
 * @coal: the coalescing parameters
 * @tx_pending: notifications held back since the last kick
 * @tx_first_ns: ktime_get_ns() of the first of them
 * @coal_timer: sends the held-back kick at its deadline
 * @notifies: counter, see struct pvio_evtchn_stats
 * @coalesced: counter
 * @events: counter
 * @throttled: counter
 */
struct pvio_evtchn {
	struct pvio_link *link;
	enum pvio_role self;
	unsigned int port;
	pvio_evtchn_handler_t handler;
	void *data;

	unsigned long flags;
	u32 flood_limit;
	u64 window_start;
	u32 window_runs;
	struct hrtimer throttle_timer;

	spinlock_t tx_lock;		/* guards @coal, @tx_* */
	bool coalescing;
	struct pvio_coalesce coal;
	u32 tx_pending;
	u64 tx_first_ns;
	struct hrtimer coal_timer;

	atomic64_t notifies;
	atomic64_t coalesced;
	atomic64_t events;
	atomic64_t throttled;
};

/* ---- receiving ---- */

/*
 * Owner of RUNNING: may the handler run once more in this window, having
 * run @ran times in a row already? Handlers slower than the window over
 * the limit start a new window with every run: so that a peer ringing
 * during each run cannot keep this CPU in the loop, a run of the limit
 * in a row also throttles, for a whole window from now.
 */
static bool pvio_evtchn_budget(struct pvio_evtchn *ch, u64 now, u32 ran)
{
	u32 limit = READ_ONCE(ch->flood_limit);

	if (ran >= limit) {
		ch->window_start = now;
		ch->window_runs = limit;
		return false;
	}
	if (now - ch->window_start >= PVIO_EVTCHN_WINDOW_NS) {
		ch->window_start = now;
		ch->window_runs = 0;
	}
	if (ch->window_runs >= limit)
		return false;
	ch->window_runs++;
	return true;
}

/*
 * Owner of RUNNING, out of budget: keep the event pending and let the
 * throttle timer deliver it when the window ends.
 */
static void pvio_evtchn_throttle(struct pvio_evtchn *ch, u64 now)
{
	set_bit(PVIO_EVTCHN_PENDING, &ch->flags);
	set_bit(PVIO_EVTCHN_THROTTLED, &ch->flags);
	atomic64_inc(&ch->throttled);
	hrtimer_start(&ch->throttle_timer,
		      ns_to_ktime(ch->window_start + PVIO_EVTCHN_WINDOW_NS -
				  now),
		      HRTIMER_MODE_REL);
}

static bool pvio_evtchn_runnable(struct pvio_evtchn *ch)
{
	unsigned long flags = READ_ONCE(ch->flags);

	return (flags & BIT(PVIO_EVTCHN_PENDING)) &&
	       !(flags & PVIO_EVTCHN_HOLD);
}

/*
 * Run the handler while events are pending and nothing holds them back.
 * Callers set PENDING or cleared a holding bit, then issued a full
 * barrier: either they see RUNNING clear here, or the owner's re-check
 * after it dropped RUNNING sees their change.
 */
static void pvio_evtchn_run(struct pvio_evtchn *ch)
{
	unsigned long irqflags;
	u32 ran = 0;
	u64 now;

	/* Handlers always run as in a hard interrupt. */
	local_irq_save(irqflags);
	while (pvio_evtchn_runnable(ch) &&
	       !test_and_set_bit_lock(PVIO_EVTCHN_RUNNING, &ch->flags)) {
		while (!(READ_ONCE(ch->flags) & PVIO_EVTCHN_HOLD) &&
		       test_and_clear_bit(PVIO_EVTCHN_PENDING, &ch->flags)) {
			now = ktime_get_mono_fast_ns();
			if (!pvio_evtchn_budget(ch, now, ran++)) {
				pvio_evtchn_throttle(ch, now);
				break;
			}
			ch->handler(ch, ch->data);
		}
		clear_bit_unlock(PVIO_EVTCHN_RUNNING, &ch->flags);
		/*
		 * RUNNING is clear before we look at PENDING again: an event
		 * whose deliverer found us running is not left behind.
		 */
		smp_mb__after_atomic();
	}
	local_irq_restore(irqflags);
}

static void pvio_evtchn_deliver(struct pvio_evtchn *ch)
{
	atomic64_inc(&ch->events);
	set_bit(PVIO_EVTCHN_PENDING, &ch->flags);
	/* PENDING is set before we test THROTTLED and RUNNING. */
	smp_mb__after_atomic();
	if (test_bit(PVIO_EVTCHN_THROTTLED, &ch->flags)) {
		atomic64_inc(&ch->throttled);
		return;
	}
	pvio_evtchn_run(ch);
}

static enum hrtimer_restart pvio_evtchn_throttle_end(struct hrtimer *timer)
{
	struct pvio_evtchn *ch = container_of(timer, struct pvio_evtchn,
					      throttle_timer);

	clear_bit(PVIO_EVTCHN_THROTTLED, &ch->flags);
	/* THROTTLED is clear before we look at PENDING. */
	smp_mb__after_atomic();
	pvio_evtchn_run(ch);
	return HRTIMER_NORESTART;
}

void pvio_link_event(struct pvio_link *link, enum pvio_role to,
		     unsigned int port)
{
	struct pvio_evtchn *ch;

	if (WARN_ON_ONCE((unsigned int)to > PVIO_FRONTEND ||
			 port >= link->nr_ports))
		return;
	rcu_read_lock();
	ch = rcu_dereference(link->events[to][port]);
	if (ch)
		pvio_evtchn_deliver(ch);
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(pvio_link_event);

void pvio_evtchn_inject(struct pvio_evtchn *ch)
{
	pvio_link_event(ch->link, ch->self, ch->port);
}
EXPORT_SYMBOL_GPL(pvio_evtchn_inject);

void pvio_evtchn_mask(struct pvio_evtchn *ch)
{
	set_bit(PVIO_EVTCHN_MASKED, &ch->flags);
}
EXPORT_SYMBOL_GPL(pvio_evtchn_mask);

void pvio_evtchn_unmask(struct pvio_evtchn *ch)
{
	clear_bit(PVIO_EVTCHN_MASKED, &ch->flags);
	/* MASKED is clear before we look at PENDING. */
	smp_mb__after_atomic();
	pvio_evtchn_run(ch);
}
EXPORT_SYMBOL_GPL(pvio_evtchn_unmask);

int pvio_evtchn_set_flood_limit(struct pvio_evtchn *ch, u32 per_ms)
{
	if (!per_ms)
		return -EINVAL;
	WRITE_ONCE(ch->flood_limit, per_ms);
	return 0;
}
EXPORT_SYMBOL_GPL(pvio_evtchn_set_flood_limit);

/* ---- sending ---- */

void pvio_notify_peer(struct pvio_link *link, enum pvio_role self,
		      unsigned int port)
{
	/*
	 * The peer sees everything we wrote to the region (ring entries,
	 * store entries, our state) before the doorbell that makes it look.
	 */
	virt_wmb();
	link->provider->ops->notify(link, pvio_peer(self), port);
}

static void pvio_evtchn_kick(struct pvio_evtchn *ch)
{
	atomic64_inc(&ch->notifies);
	pvio_notify_peer(ch->link, ch->self, ch->port);
}

/* tx_lock held: (re)arm the coalescing timer for the pending kick. */
static void pvio_evtchn_arm(struct pvio_evtchn *ch)
{
	u64 deadline = pvio_coalesce_deadline_ns(&ch->coal, ch->tx_first_ns);

	if (deadline)
		hrtimer_start(&ch->coal_timer, ns_to_ktime(deadline),
			      HRTIMER_MODE_ABS);
	else
		hrtimer_try_to_cancel(&ch->coal_timer);
}

/*
 * tx_lock held: if the held-back kick is due at @now, take it (the caller
 * sends it after dropping the lock) and return true.
 */
static bool pvio_evtchn_tx_due(struct pvio_evtchn *ch, u64 now)
{
	if (!pvio_coalesce_fire_now(&ch->coal, ch->tx_pending, now,
				    ch->tx_first_ns))
		return false;
	ch->tx_pending = 0;
	/* Fails harmlessly if it runs: it will find nothing pending. */
	hrtimer_try_to_cancel(&ch->coal_timer);
	return true;
}

void pvio_evtchn_notify(struct pvio_evtchn *ch)
{
	unsigned long flags;
	bool kick = true;
	u64 now;

	if (!READ_ONCE(ch->coalescing)) {
		pvio_evtchn_kick(ch);
		return;
	}
	now = ktime_get_ns();
	spin_lock_irqsave(&ch->tx_lock, flags);
	if (!ch->tx_pending)
		ch->tx_first_ns = now;
	ch->tx_pending++;
	if (!pvio_evtchn_tx_due(ch, now)) {
		kick = false;
		atomic64_inc(&ch->coalesced);
		if (ch->tx_pending == 1)
			pvio_evtchn_arm(ch);
	}
	spin_unlock_irqrestore(&ch->tx_lock, flags);
	if (kick)
		pvio_evtchn_kick(ch);
}
EXPORT_SYMBOL_GPL(pvio_evtchn_notify);

static enum hrtimer_restart pvio_evtchn_coalesce_end(struct hrtimer *timer)
{
	struct pvio_evtchn *ch = container_of(timer, struct pvio_evtchn,
					      coal_timer);
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&ch->tx_lock, flags);
	kick = pvio_evtchn_tx_due(ch, ktime_get_ns());
	/* Not due: the parameters changed meanwhile; wait for the new deadline. */
	if (!kick && ch->tx_pending)
		pvio_evtchn_arm(ch);
	spin_unlock_irqrestore(&ch->tx_lock, flags);
	if (kick)
		pvio_evtchn_kick(ch);
	return HRTIMER_NORESTART;
}

int pvio_evtchn_set_coalesce(struct pvio_evtchn *ch,
			     const struct pvio_coalesce *c)
{
	unsigned long flags;
	bool kick;

	if (c->max_frames > PVIO_COALESCE_FRAMES_MAX ||
	    c->usecs > PVIO_COALESCE_USECS_MAX)
		return -EINVAL;
	spin_lock_irqsave(&ch->tx_lock, flags);
	ch->coal = *c;
	WRITE_ONCE(ch->coalescing, c->max_frames || c->usecs);
	/* A kick held back under the old parameters may be due now. */
	kick = pvio_evtchn_tx_due(ch, ktime_get_ns());
	if (!kick && ch->tx_pending)
		pvio_evtchn_arm(ch);
	spin_unlock_irqrestore(&ch->tx_lock, flags);
	if (kick)
		pvio_evtchn_kick(ch);
	return 0;
}
EXPORT_SYMBOL_GPL(pvio_evtchn_set_coalesce);

void pvio_evtchn_get_coalesce(struct pvio_evtchn *ch, struct pvio_coalesce *c)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->tx_lock, flags);
	*c = ch->coal;
	spin_unlock_irqrestore(&ch->tx_lock, flags);
}
EXPORT_SYMBOL_GPL(pvio_evtchn_get_coalesce);

void pvio_evtchn_get_stats(struct pvio_evtchn *ch,
			   struct pvio_evtchn_stats *stats)
{
	stats->notifies = atomic64_read(&ch->notifies);
	stats->coalesced = atomic64_read(&ch->coalesced);
	stats->events = atomic64_read(&ch->events);
	stats->throttled = atomic64_read(&ch->throttled);
}
EXPORT_SYMBOL_GPL(pvio_evtchn_get_stats);

/* ---- binding ---- */

struct pvio_evtchn *pvio_evtchn_bind_port(struct pvio_link *link,
					  enum pvio_role self,
					  unsigned int port,
					  pvio_evtchn_handler_t handler,
					  void *data)
{
	struct pvio_evtchn *ch;
	int ret = 0;

	if ((unsigned int)self > PVIO_FRONTEND ||
	    !(link->local_roles & BIT(self)))
		return ERR_PTR(-EPERM);
	if (port >= link->nr_ports)
		return ERR_PTR(-ERANGE);

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return ERR_PTR(-ENOMEM);
	ch->link = link;
	ch->self = self;
	ch->port = port;
	ch->handler = handler;
	ch->data = data;
	ch->flood_limit = max(READ_ONCE(evtchn_flood_limit), 1u);
	hrtimer_init(&ch->throttle_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	ch->throttle_timer.function = pvio_evtchn_throttle_end;
	spin_lock_init(&ch->tx_lock);
	hrtimer_init(&ch->coal_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	ch->coal_timer.function = pvio_evtchn_coalesce_end;

	pvio_link_hold(link);
	spin_lock(&link->events_lock);
	if (rcu_access_pointer(link->events[self][port]))
		ret = -EBUSY;
	else
		rcu_assign_pointer(link->events[self][port], ch);
	spin_unlock(&link->events_lock);
	if (ret) {
		pvio_link_put(link);
		kfree(ch);
		return ERR_PTR(ret);
	}
	return ch;
}

struct pvio_evtchn *pvio_evtchn_bind(struct pvio_link *link,
				     enum pvio_role self, unsigned int port,
				     pvio_evtchn_handler_t handler,
				     void *data)
{
	if (port == PVIO_PORT_CONTROL)
		return ERR_PTR(-EBUSY);
	return pvio_evtchn_bind_port(link, self, port, handler, data);
}
EXPORT_SYMBOL_GPL(pvio_evtchn_bind);

void pvio_evtchn_unbind(struct pvio_evtchn *ch)
{
	struct pvio_link *link = ch->link;
	unsigned long flags;
	bool kick;

	spin_lock(&link->events_lock);
	RCU_INIT_POINTER(link->events[ch->self][ch->port], NULL);
	spin_unlock(&link->events_lock);
	/* Every pvio_link_event() that could have found @ch is over. */
	synchronize_rcu();
	set_bit(PVIO_EVTCHN_DYING, &ch->flags);
	/* DYING is set before the throttle timer is waited for. */
	smp_mb__after_atomic();
	/* Waits for a running handler, and removes a timer it re-armed. */
	hrtimer_cancel(&ch->throttle_timer);

	/*
	 * Coalescing off first, so that nothing arms the timer after the
	 * cancel (a notify racing the unbind kicks at once instead).
	 */
	spin_lock_irqsave(&ch->tx_lock, flags);
	ch->coal = (struct pvio_coalesce){};
	WRITE_ONCE(ch->coalescing, false);
	kick = ch->tx_pending;
	ch->tx_pending = 0;
	spin_unlock_irqrestore(&ch->tx_lock, flags);
	hrtimer_cancel(&ch->coal_timer);
	if (kick)
		pvio_evtchn_kick(ch);

	pvio_link_put(link);
	kfree(ch);
}
EXPORT_SYMBOL_GPL(pvio_evtchn_unbind);
