// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * A guest that stops posting receive buffers: its packets wait in the
 * queue's bounded rx_queue and beyond it are dropped (netback_ring.c).
 * When packets have waited rx_stall_ms, the queue is stalled and the
 * vif's carrier goes down, so that the stack stops sending to it at all
 * (a bridge stops flooding to it, a route fails over), as xen-netback
 * does after rx_stall_timeout_msecs. The first buffers the guest posts
 * again take the queue out of the stall, and with the last stalled queue
 * the carrier comes back.
 */
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/netdevice.h>

#include "netback.h"

/* Still starved after rx_stall_ms? Then the queue stalls. */
static enum hrtimer_restart netback_stall_timer(struct hrtimer *t)
{
	struct netback_queue *q = container_of(t, struct netback_queue,
					       stall_timer);
	struct netback_vif *vif = q->vif;
	unsigned long due;

	if (!READ_ONCE(q->starved))
		return HRTIMER_NORESTART;
	/*
	 * Fed and starved again since the timer was armed: wait on. Started
	 * again, not forwarded: a poll on another CPU may have started it
	 * meanwhile, and forwarding a queued timer is a bug.
	 */
	due = READ_ONCE(q->starved_since) +
	      msecs_to_jiffies(READ_ONCE(netback_rx_stall_ms));
	if (time_before(jiffies, due)) {
		hrtimer_start(t, ms_to_ktime(jiffies_to_msecs(due - jiffies)),
			      HRTIMER_MODE_REL_SOFT);
		return HRTIMER_NORESTART;
	}
	spin_lock(&vif->stall_lock);
	if (READ_ONCE(q->starved) && !q->stalled) {
		q->stalled = true;
		atomic64_inc(&q->stats.tx_stalls);
		if (!vif->stalled++) {
			netif_carrier_off(vif->dev);
			netdev_info(vif->dev,
				    "queue %u: no buffers from the guest for %u ms, carrier off\n",
				    q->qid, READ_ONCE(netback_rx_stall_ms));
		}
	}
	spin_unlock(&vif->stall_lock);
	return HRTIMER_NORESTART;
}

void netback_stall_init(struct netback_queue *q)
{
	hrtimer_init(&q->stall_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	q->stall_timer.function = netback_stall_timer;
}

/* From the poll: packets wait and the guest posted no buffers. */
void netback_stall_starved(struct netback_queue *q)
{
	unsigned int ms = READ_ONCE(netback_rx_stall_ms);

	if (q->starved || !ms)
		return;
	WRITE_ONCE(q->starved_since, jiffies);
	WRITE_ONCE(q->starved, true);
	/* A new wait: whatever the timer was set for is the past. */
	hrtimer_start(&q->stall_timer, ms_to_ktime(ms), HRTIMER_MODE_REL_SOFT);
}

/* Leave the stall of @q, if in it; the last queue out brings the carrier. */
static void netback_stall_leave(struct netback_queue *q, bool carrier)
{
	struct netback_vif *vif = q->vif;

	spin_lock_bh(&vif->stall_lock);
	if (q->stalled) {
		q->stalled = false;
		if (!--vif->stalled && carrier) {
			netif_carrier_on(vif->dev);
			netdev_info(vif->dev,
				    "queue %u: the guest posts buffers again, carrier on\n",
				    q->qid);
		}
	}
	spin_unlock_bh(&vif->stall_lock);
}

/* From the poll: the guest posted buffers for what waits. */
void netback_stall_fed(struct netback_queue *q)
{
	if (!q->starved)
		return;
	WRITE_ONCE(q->starved, false);
	netback_stall_leave(q, true);
}

/* The queue disconnects (its poll no longer runs): forget the stall. */
void netback_stall_stop(struct netback_queue *q)
{
	hrtimer_cancel(&q->stall_timer);
	WRITE_ONCE(q->starved, false);
	/* The disconnect takes the carrier down itself. */
	netback_stall_leave(q, false);
}
