// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The front/back state machine, xenbus' states. Each end publishes its own
 * state in the link header (hdr->ends[self].state) and rings the peer's
 * control port; the peer's core reads the state and tells its driver
 * through a state watch (process context, like xenbus' otherend_changed).
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "pvio.h"
#include "pvio_hv.h"

/* How long a frontend going away waits for a live backend to let go. */
#define PVIO_RELEASE_WAIT_MS	5000

static const char *const pvio_state_names[] = {
	[PVIO_STATE_UNKNOWN]		= "Unknown",
	[PVIO_STATE_INITIALISING]	= "Initialising",
	[PVIO_STATE_INITWAIT]		= "InitWait",
	[PVIO_STATE_INITIALISED]	= "Initialised",
	[PVIO_STATE_CONNECTED]		= "Connected",
	[PVIO_STATE_CLOSING]		= "Closing",
	[PVIO_STATE_CLOSED]		= "Closed",
};

const char *pvio_state_name(enum pvio_state state)
{
	if ((unsigned int)state >= ARRAY_SIZE(pvio_state_names))
		return "Invalid";
	return pvio_state_names[state];
}
EXPORT_SYMBOL_GPL(pvio_state_name);

/*
 * The legal moves of one end:
 *
 *   Unknown                          (a fresh end, before its first move)
 *      |
 *      v
 *   Initialising --> InitWait --> Initialised --> Connected
 *      ^       |          |            |              |
 *      |       v          v            v              v
 *      |     Closing <---------------------------------
 *      |       |
 *      |       v
 *      +---- Closed                  (Closed -> Initialising: reconnect)
 *
 * A forward move may skip states: Initialising -> Connected (as netfront
 * does when the backend is ready), InitWait -> Connected (a backend),
 * Initialising -> Initialised (a frontend). Every state on the forward
 * path may go to Closing; Closing goes only to Closed; Closed only back to
 * Initialising. Nothing goes back to Unknown. This table is the only place
 * that says so.
 */
#define PVIO_TO(s)	BIT(PVIO_STATE_##s)
static const u8 pvio_state_moves[] = {
	[PVIO_STATE_UNKNOWN]		= PVIO_TO(INITIALISING),
	[PVIO_STATE_INITIALISING]	= PVIO_TO(INITWAIT) |
					  PVIO_TO(INITIALISED) |
					  PVIO_TO(CONNECTED) |
					  PVIO_TO(CLOSING),
	[PVIO_STATE_INITWAIT]		= PVIO_TO(INITIALISED) |
					  PVIO_TO(CONNECTED) |
					  PVIO_TO(CLOSING),
	[PVIO_STATE_INITIALISED]	= PVIO_TO(CONNECTED) |
					  PVIO_TO(CLOSING),
	[PVIO_STATE_CONNECTED]		= PVIO_TO(CLOSING),
	[PVIO_STATE_CLOSING]		= PVIO_TO(CLOSED),
	[PVIO_STATE_CLOSED]		= PVIO_TO(INITIALISING),
};

#undef PVIO_TO

bool pvio_state_transition_valid(enum pvio_state from, enum pvio_state to)
{
	if ((unsigned int)from >= ARRAY_SIZE(pvio_state_moves) ||
	    (unsigned int)to >= ARRAY_SIZE(pvio_state_moves))
		return false;
	return pvio_state_moves[from] & BIT(to);
}
EXPORT_SYMBOL_GPL(pvio_state_transition_valid);

int pvio_state_set(struct pvio_link *link, enum pvio_role self,
		   enum pvio_state state)
{
	enum pvio_state from;
	unsigned long flags;

	if ((unsigned int)self > PVIO_FRONTEND ||
	    !(link->local_roles & BIT(self)))
		return -EPERM;

	spin_lock_irqsave(&link->state_lock, flags);
	from = link->state[self];
	if (from == state) {
		spin_unlock_irqrestore(&link->state_lock, flags);
		return 0;
	}
	if (!pvio_state_transition_valid(from, state)) {
		spin_unlock_irqrestore(&link->state_lock, flags);
		pr_warn_ratelimited("link %u: %s end: illegal state change %s -> %s (%d) refused\n",
				    link->id, pvio_role_name(self),
				    pvio_state_name(from),
				    pvio_state_name(state), state);
		return -EINVAL;
	}
	WRITE_ONCE(link->state[self], state);
	/*
	 * The peer sees what this end set up for the new state (its store
	 * entries, its rings) before the state announcing it.
	 */
	virt_wmb();
	WRITE_ONCE(link->hdr->ends[self].state, cpu_to_le32(state));
	pvio_recovery_moved(link, self, from, state);
	spin_unlock_irqrestore(&link->state_lock, flags);

	pvio_notify_peer(link, self, PVIO_PORT_CONTROL);
	pvio_link_changed(link);
	return 0;
}
EXPORT_SYMBOL_GPL(pvio_state_set);

/* What end @end published in the header, validated. */
static enum pvio_state pvio_state_published(struct pvio_link *link,
					    enum pvio_role end)
{
	u32 state = le32_to_cpu(READ_ONCE(link->hdr->ends[end].state));

	/*
	 * We read the state before what it announces (pairs with the
	 * virt_wmb() in the writer's pvio_state_set()).
	 */
	virt_rmb();
	if (state > PVIO_STATE_CLOSED)
		return PVIO_STATE_UNKNOWN;
	return state;
}

enum pvio_state pvio_state_get(struct pvio_link *link, enum pvio_role end)
{
	if ((unsigned int)end > PVIO_FRONTEND)
		return PVIO_STATE_UNKNOWN;
	if (link->local_roles & BIT(end))
		return READ_ONCE(link->state[end]);
	return pvio_state_published(link, end);
}
EXPORT_SYMBOL_GPL(pvio_state_get);

enum pvio_state pvio_state_peer(struct pvio_link *link, enum pvio_role self)
{
	if ((unsigned int)self > PVIO_FRONTEND)
		return PVIO_STATE_UNKNOWN;
	return pvio_state_published(link, pvio_peer(self));
}
EXPORT_SYMBOL_GPL(pvio_state_peer);

/*
 * A backend's states:
 *
 *   Unknown, Closed --> Initialising --> InitWait --> Connected
 *                            ^                            |
 *                            |                            v
 *                          Closed <-------------------- Closing
 *
 * The next state on the shortest legal path from @cur to @to (InitWait,
 * Connected or Closed); @cur itself if there is nowhere to go.
 */
static enum pvio_state pvio_backend_next_state(enum pvio_state cur,
					       enum pvio_state to)
{
	switch (cur) {
	case PVIO_STATE_UNKNOWN:
		/* Never announced: nothing to close. */
		return to == PVIO_STATE_CLOSED ? cur : PVIO_STATE_INITIALISING;
	case PVIO_STATE_CLOSED:
		return PVIO_STATE_INITIALISING;
	case PVIO_STATE_CLOSING:
		return PVIO_STATE_CLOSED;
	case PVIO_STATE_INITIALISING:
		return to == PVIO_STATE_CLOSED ? PVIO_STATE_CLOSING :
		       PVIO_STATE_INITWAIT;
	case PVIO_STATE_INITWAIT:
		return to == PVIO_STATE_CONNECTED ? to : PVIO_STATE_CLOSING;
	default:
		return PVIO_STATE_CLOSING;
	}
}

void pvio_backend_state_walk(struct pvio_link *link, enum pvio_state to)
{
	enum pvio_state cur = pvio_state_get(link, PVIO_BACKEND);
	enum pvio_state next;
	int steps;

	for (steps = 0; cur != to && steps < 8; steps++) {
		next = pvio_backend_next_state(cur, to);
		if (next == cur || pvio_state_set(link, PVIO_BACKEND, next))
			return;
		cur = next;
	}
}
EXPORT_SYMBOL_GPL(pvio_backend_state_walk);

void pvio_frontend_state_reset(struct pvio_link *link)
{
	switch (pvio_state_get(link, PVIO_FRONTEND)) {
	case PVIO_STATE_INITIALISING:
		return;
	case PVIO_STATE_UNKNOWN:
	case PVIO_STATE_CLOSED:
		break;
	default:
		pvio_state_set(link, PVIO_FRONTEND, PVIO_STATE_CLOSING);
		fallthrough;
	case PVIO_STATE_CLOSING:
		pvio_state_set(link, PVIO_FRONTEND, PVIO_STATE_CLOSED);
		break;
	}
	pvio_state_set(link, PVIO_FRONTEND, PVIO_STATE_INITIALISING);
}
EXPORT_SYMBOL_GPL(pvio_frontend_state_reset);

void pvio_frontend_wait_released(struct pvio_device *pdev)
{
	struct pvio_link *link = pdev->link;
	unsigned long end = jiffies + msecs_to_jiffies(PVIO_RELEASE_WAIT_MS);

	while (pvio_state_peer(link, PVIO_FRONTEND) == PVIO_STATE_CONNECTED &&
	       pvio_peer_alive(link, PVIO_FRONTEND)) {
		if (time_after(jiffies, end)) {
			dev_warn(&pdev->dev,
				 "backend still connected after %u ms, letting go of the rings\n",
				 PVIO_RELEASE_WAIT_MS);
			return;
		}
		msleep(20);
	}
}
EXPORT_SYMBOL_GPL(pvio_frontend_wait_released);

/**
 * struct pvio_state_watch - a driver watching the other end's state
 * @link: the link (a reference is held)
 * @self: the local end watching
 * @fn: told of changes
 * @data: for @fn
 * @ch: @self's control port
 * @work: reads the peer's state and calls @fn
 * @last: the state last reported to @fn, -1 before the first report; only
 *	@work touches it, and a work item never runs concurrently with
 *	itself
 */
struct pvio_state_watch {
	struct pvio_link *link;
	enum pvio_role self;
	pvio_state_watch_fn fn;
	void *data;
	struct pvio_evtchn *ch;
	struct work_struct work;
	int last;
};

static void pvio_state_watch_work(struct work_struct *work)
{
	struct pvio_state_watch *w = container_of(work, struct pvio_state_watch,
						  work);
	enum pvio_state peer = pvio_state_peer(w->link, w->self);

	if (peer == w->last)
		return;
	/* The peer's own kernel tells its monitors; this one tells ours. */
	if (!(w->link->local_roles & BIT(pvio_peer(w->self))))
		pvio_link_changed(w->link);
	w->last = peer;
	w->fn(w->link, w->self, peer, w->data);
}

/* The control port rang, in interrupt context: look in process context. */
static void pvio_state_control_event(struct pvio_evtchn *ch, void *data)
{
	struct pvio_state_watch *w = data;

	schedule_work(&w->work);
}

struct pvio_state_watch *pvio_state_watch(struct pvio_link *link,
					  enum pvio_role self,
					  pvio_state_watch_fn fn, void *data)
{
	struct pvio_state_watch *w;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->link = link;
	w->self = self;
	w->fn = fn;
	w->data = data;
	w->last = -1;
	INIT_WORK(&w->work, pvio_state_watch_work);
	w->ch = pvio_evtchn_bind_port(link, self, PVIO_PORT_CONTROL,
				      pvio_state_control_event, w);
	if (IS_ERR(w->ch)) {
		struct pvio_state_watch *err = ERR_CAST(w->ch);

		kfree(w);
		return err;
	}
	/* The channel's reference may go first in unwatch; @work needs one. */
	pvio_link_hold(link);
	/* The first report: the state the peer is in now. */
	schedule_work(&w->work);
	return w;
}
EXPORT_SYMBOL_GPL(pvio_state_watch);

void pvio_state_unwatch(struct pvio_state_watch *w)
{
	struct pvio_link *link = w->link;

	pvio_evtchn_unbind(w->ch);
	/* Nothing queues @work any more: wait for the last one. */
	cancel_work_sync(&w->work);
	kfree(w);
	pvio_link_put(link);
}
EXPORT_SYMBOL_GPL(pvio_state_unwatch);

/*
 * A new link: each local end starts as Unknown, also in a region it did
 * not lay out, where a previous incarnation may have left its last state.
 */
void pvio_state_link_init(struct pvio_link *link)
{
	enum pvio_role r;

	spin_lock_init(&link->state_lock);
	for (r = PVIO_BACKEND; r <= PVIO_FRONTEND; r++) {
		link->state[r] = PVIO_STATE_UNKNOWN;
		if (link->local_roles & BIT(r))
			WRITE_ONCE(link->hdr->ends[r].state,
				   cpu_to_le32(PVIO_STATE_UNKNOWN));
	}
}
