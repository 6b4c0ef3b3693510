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
#include <linux/random.h>
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

/* ---- the ring nonce (Documentation/blkif.rst, "The ring nonce") ---- */

/* Counts nonces this kernel made: the high half of each, never reused. */
static atomic_t pvio_nonce_seq = ATOMIC_INIT(0);

u64 pvio_nonce_new(void)
{
	u32 seq = atomic_inc_return(&pvio_nonce_seq);

	/*
	 * The count keeps a device's nonces apart within this kernel, the
	 * random half across its reboots (the count starts over). Never 0,
	 * which means "none": the count skips it when it wraps.
	 */
	if (!seq)
		seq = atomic_inc_return(&pvio_nonce_seq);
	return (u64)seq << 32 | get_random_u32();
}
EXPORT_SYMBOL_GPL(pvio_nonce_new);

/* "vbd<index>/nonce" or "vif<index>/nonce": the same name in each area. */
static void pvio_nonce_key(const struct pvio_device *pdev, char *key)
{
	snprintf(key, PVIO_STORE_KEY_MAX, "%s%u/nonce",
		 pvio_dev_type_name(pdev->type), pdev->index);
}

static enum pvio_store_writer pvio_store_of(enum pvio_role role)
{
	return role == PVIO_BACKEND ? PVIO_STORE_BACKEND : PVIO_STORE_FRONTEND;
}

int pvio_nonce_publish(struct pvio_device *pdev, u64 nonce)
{
	enum pvio_store_writer writer = pvio_store_of(pdev->role);
	char key[PVIO_STORE_KEY_MAX];
	int ret;

	pvio_nonce_key(pdev, key);
	if (!nonce) {
		ret = pvio_store_remove(pdev->link, writer, key);
		return ret == -ENOENT ? 0 : ret;
	}
	return pvio_store_printf(pdev->link, writer, key, "%016llx", nonce);
}
EXPORT_SYMBOL_GPL(pvio_nonce_publish);

/* The other end's nonce of @pdev, read once: exactly 16 hex digits. */
u64 pvio_nonce_peer(struct pvio_device *pdev)
{
	char key[PVIO_STORE_KEY_MAX], buf[PVIO_STORE_VALUE_MAX];
	u64 nonce;

	pvio_nonce_key(pdev, key);
	if (pvio_store_read(pdev->link, pvio_store_of(pvio_peer(pdev->role)),
			    key, buf, sizeof(buf)) ||
	    strlen(buf) != 16 || kstrtou64(buf, 16, &nonce))
		return 0;
	return nonce;
}
EXPORT_SYMBOL_GPL(pvio_nonce_peer);

/* Does the frontend still publish the description of @nonce? */
static bool pvio_frontend_still_on(struct pvio_device *pdev, u64 nonce)
{
	return pvio_state_peer(pdev->link, PVIO_BACKEND) ==
	       PVIO_STATE_INITIALISED && pvio_nonce_peer(pdev) == nonce;
}

bool pvio_backend_claim(struct pvio_device *pdev, u64 nonce)
{
	if (!nonce)
		return true;
	if (pvio_nonce_publish(pdev, nonce))
		return false;
	/*
	 * Our claim is out before we look at the frontend again; a frontend
	 * taking its pages back changes its state or nonce before it looks
	 * at our claim (the virt_mb() in pvio_frontend_wait_released()).
	 * One of us sees the other: it waits for us, or we let go.
	 */
	virt_mb();
	if (pvio_frontend_still_on(pdev, nonce))
		return true;
	pvio_nonce_publish(pdev, 0);
	return false;
}
EXPORT_SYMBOL_GPL(pvio_backend_claim);

bool pvio_backend_may_connect(struct pvio_device *pdev, u64 nonce)
{
	pvio_connect_hold(pdev);
	return !nonce || pvio_frontend_still_on(pdev, nonce);
}
EXPORT_SYMBOL_GPL(pvio_backend_may_connect);

/* Does the backend still use (or may it yet use) the frontend's pages? */
static bool pvio_backend_holds(struct pvio_device *pdev)
{
	struct pvio_link *link = pdev->link;

	if (!pvio_peer_alive(link, PVIO_FRONTEND))
		return false;
	return pvio_state_peer(link, PVIO_FRONTEND) == PVIO_STATE_CONNECTED ||
	       pvio_nonce_peer(pdev);
}

bool pvio_frontend_wait_released(struct pvio_device *pdev)
{
	unsigned long end = jiffies + msecs_to_jiffies(PVIO_RELEASE_WAIT_MS);

	/*
	 * What we published to take the pages back (a state, a nonce) is
	 * out before we look for the backend's claim: pairs with the
	 * virt_mb() in pvio_backend_claim().
	 */
	virt_mb();
	while (pvio_backend_holds(pdev)) {
		if (time_after(jiffies, end)) {
			dev_warn_ratelimited(&pdev->dev,
					     "backend still holds the rings after %u ms, leaving their pages unused\n",
					     PVIO_RELEASE_WAIT_MS);
			return false;
		}
		msleep(20);
	}
	return true;
}
EXPORT_SYMBOL_GPL(pvio_frontend_wait_released);

/**
 * struct pvio_state_watch - a driver watching the other end's state
 * @link: the link (a reference is held)
 * @self: the local end watching
 * @fn: told of changes
 * @data: for @fn
 * @pdev: the device whose peer's ring nonce is watched too, or NULL
 * @ch: @self's control port
 * @work: reads the peer's state and calls @fn
 * @last: the state last reported to @fn, -1 before the first report; only
 *	@work touches it, and a work item never runs concurrently with
 *	itself
 * @last_nonce: the peer's nonce when @last was reported (0: none)
 */
struct pvio_state_watch {
	struct pvio_link *link;
	enum pvio_role self;
	pvio_state_watch_fn fn;
	void *data;
	struct pvio_device *pdev;
	struct pvio_evtchn *ch;
	struct work_struct work;
	int last;
	u64 last_nonce;
};

static void pvio_state_watch_work(struct work_struct *work)
{
	struct pvio_state_watch *w = container_of(work, struct pvio_state_watch,
						  work);
	enum pvio_state peer = pvio_state_peer(w->link, w->self);
	/*
	 * After the state (pvio_state_peer() orders the reads): a peer
	 * that published a new ring description and the same state again
	 * (Initialised, then Initialised) is a change too.
	 */
	u64 nonce = w->pdev ? pvio_nonce_peer(w->pdev) : 0;

	if (peer == w->last && nonce == w->last_nonce)
		return;
	/* The peer's own kernel tells its monitors; this one tells ours. */
	if (!(w->link->local_roles & BIT(pvio_peer(w->self))))
		pvio_link_changed(w->link);
	w->last = peer;
	w->last_nonce = nonce;
	w->fn(w->link, w->self, peer, w->data);
}

/* The control port rang, in interrupt context: look in process context. */
static void pvio_state_control_event(struct pvio_evtchn *ch, void *data)
{
	struct pvio_state_watch *w = data;

	schedule_work(&w->work);
}

static struct pvio_state_watch *
pvio_state_watch_new(struct pvio_link *link, enum pvio_role self,
		     struct pvio_device *pdev, pvio_state_watch_fn fn,
		     void *data)
{
	struct pvio_state_watch *w;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->link = link;
	w->self = self;
	w->pdev = pdev;
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

struct pvio_state_watch *pvio_state_watch(struct pvio_link *link,
					  enum pvio_role self,
					  pvio_state_watch_fn fn, void *data)
{
	return pvio_state_watch_new(link, self, NULL, fn, data);
}
EXPORT_SYMBOL_GPL(pvio_state_watch);

struct pvio_state_watch *pvio_state_watch_dev(struct pvio_device *pdev,
					      pvio_state_watch_fn fn,
					      void *data)
{
	return pvio_state_watch_new(pdev->link, pdev->role, pdev, fn, data);
}
EXPORT_SYMBOL_GPL(pvio_state_watch_dev);

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
