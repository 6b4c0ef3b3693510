// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Interrupt moderation of pvethN (ethtool -C): the backend's doorbells
 * are what interrupts us, and the only say we have in when it rings is
 * the event index of our two response rings. So:
 *
 *  - rx-frames / tx-frames N: after a poll that found work, the event
 *    index asks for a doorbell once the backend published the N-th next
 *    response (pvio_ring_cons_enable_notify_after()), one per N packets
 *    while traffic flows.
 *  - rx-usecs / tx-usecs U: the bound. With U set, a timer polls U after
 *    such a poll whether the N-th came or not, so traffic below N still
 *    gets through. frames 0 means the timer alone (no doorbell while
 *    traffic flows); frames 1 is a doorbell per first response as
 *    without moderation, U unused. frames above 1 without U is refused:
 *    nothing would bound the wait.
 *  - A poll that found nothing (the timer's, once traffic stopped) arms
 *    the doorbell for the first response again and no timer: an idle
 *    queue costs nothing, and a lone packet after a pause is not delayed.
 *
 * The core's pvio_evtchn_set_coalesce() cannot serve here: it holds back
 * a channel's outgoing kicks, our doorbells to the backend, not the
 * backend's to us, and the frontend has no say over the backend's
 * channel.
 *
 * adaptive-rx: the kernel's DIM (net_dim) on each queue's rx side. The
 * poll feeds it samples (interrupts, packets, bytes); its work applies
 * the profile's usecs and frames as if set with ethtool -C. Off, the
 * fixed rx values apply.
 *
 * Values live in the netfront_info, so they outlast ethtool -L and -G
 * and reconnects; each queue copies them (or DIM's) when it connects.
 */
#include <linux/dim.h>
#include <linux/ethtool.h>
#include <linux/hrtimer.h>
#include <linux/netdevice.h>
#include <linux/stringify.h>

#include "netfront.h"
#include "netfront_trace.h"

static bool adaptive_rx;
module_param(adaptive_rx, bool, 0444);
MODULE_PARM_DESC(adaptive_rx,
		 "Adaptive rx interrupt moderation (DIM) on new devices (Default: off; ethtool -C adaptive-rx on)");

/* The largest frame count: a quarter of the smallest ring leaves room. */
#define NETFRONT_COAL_FRAMES_MAX	256
#define NETFRONT_COAL_USECS_MAX		10000

/* What to arm a response ring with, given its moderation (NULL: none). */
static bool netfront_coal_arm_ring(struct pvio_ring *r,
				   const struct netfront_coal *c, u32 *usecs)
{
	u32 frames = 1;

	if (c && c->usecs && c->frames != 1) {
		/* Clamped: the backend cannot answer more than we posted. */
		frames = min(c->frames, r->size / 4);
		*usecs = *usecs ? min(*usecs, c->usecs) : c->usecs;
	}
	/* 0: time only, not re-arming is disabling (ring.h). */
	if (!frames)
		return false;
	return pvio_ring_cons_enable_notify_after(r, frames);
}

/**
 * netfront_coal_rearm() - arm the doorbell (and timer) at the poll's end
 * @q: the queue, its NAPI not completed yet
 * @worked: the poll took responses
 *
 * Return: true if responses are pending already: poll again.
 */
bool netfront_coal_rearm(struct netfront_queue *q, bool worked)
{
	struct netfront_coal rx, tx, *prx = NULL, *ptx = NULL;
	u32 usecs = 0;
	bool more;

	if (worked) {
		tx.usecs = READ_ONCE(q->info->tx_coal.usecs);
		tx.frames = READ_ONCE(q->info->tx_coal.frames);
		rx.usecs = READ_ONCE(q->rx_coal.usecs);
		rx.frames = READ_ONCE(q->rx_coal.frames);
		ptx = &tx;
		prx = &rx;
	}
	more = netfront_coal_arm_ring(&q->rings[NETFRONT_TX_RSP], ptx, &usecs);
	more |= netfront_coal_arm_ring(&q->rings[NETFRONT_RX_RSP], prx,
				       &usecs);
	if (!more && usecs)
		hrtimer_start(&q->coal_timer,
			      ns_to_ktime(usecs * NSEC_PER_USEC),
			      HRTIMER_MODE_REL);
	return more;
}

static enum hrtimer_restart netfront_coal_timer(struct hrtimer *timer)
{
	struct netfront_queue *q = container_of(timer, struct netfront_queue,
						coal_timer);

	atomic64_inc(&q->stats.coal_polls);
	trace_netfront_coal_poll(q->info->dev, q->qid);
	napi_schedule(&q->napi);
	return HRTIMER_NORESTART;
}

/**
 * netfront_coal_sample() - feed DIM at the poll's end
 * @q: the queue
 *
 * Only with adaptive-rx on; costs a sample and net_dim()'s arithmetic.
 */
void netfront_coal_sample(struct netfront_queue *q)
{
	struct dim_sample s = {};
	u64 wakeups;

	if (!READ_ONCE(q->info->adaptive_rx))
		return;
	/* Doorbells and timer polls alike: what DIM would keep down. */
	wakeups = atomic64_read(&q->stats.irqs) +
		  atomic64_read(&q->stats.coal_polls);
	dim_update_sample((u16)wakeups, atomic64_read(&q->stats.rx_packets),
			  atomic64_read(&q->stats.rx_bytes), &s);
	net_dim(&q->dim, s);
}

/* DIM moved to another profile: use its values, as ethtool -C would. */
static void netfront_coal_dim_work(struct work_struct *work)
{
	struct dim *dim = container_of(work, struct dim, work);
	struct netfront_queue *q = container_of(dim, struct netfront_queue,
						dim);
	struct dim_cq_moder m = net_dim_get_rx_moderation(dim->mode,
							   dim->profile_ix);

	if (READ_ONCE(q->info->adaptive_rx)) {
		WRITE_ONCE(q->rx_coal.usecs, m.usec);
		WRITE_ONCE(q->rx_coal.frames, m.pkts);
		trace_netfront_coal_dim(q->info->dev, q->qid, dim->profile_ix,
					m.usec, m.pkts);
	}
	dim->state = DIM_START_MEASURE;
}

/* The rx values a queue goes on with: DIM's current profile, or ethtool's. */
static void netfront_coal_rx_reset(struct netfront_queue *q)
{
	struct netfront_info *info = q->info;
	struct dim_cq_moder m;

	if (info->adaptive_rx) {
		m = net_dim_get_rx_moderation(q->dim.mode, q->dim.profile_ix);
		WRITE_ONCE(q->rx_coal.usecs, m.usec);
		WRITE_ONCE(q->rx_coal.frames, m.pkts);
	} else {
		WRITE_ONCE(q->rx_coal.usecs, info->rx_coal.usecs);
		WRITE_ONCE(q->rx_coal.frames, info->rx_coal.frames);
	}
}

/**
 * netfront_coal_queue_start() - a queue connects: moderation from scratch
 * @q: the queue, NAPI not yet enabled
 */
void netfront_coal_queue_start(struct netfront_queue *q)
{
	hrtimer_init(&q->coal_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	q->coal_timer.function = netfront_coal_timer;
	/* From DIM's first profile, the least moderation: a ping is quick. */
	memset(&q->dim, 0, sizeof(q->dim));
	q->dim.mode = DIM_CQ_PERIOD_MODE_START_FROM_EQE;
	INIT_WORK(&q->dim.work, netfront_coal_dim_work);
	netfront_coal_rx_reset(q);
}

/**
 * netfront_coal_queue_stop() - a queue disconnects
 * @q: the queue, NAPI disabled: nothing starts the timer or DIM again
 */
void netfront_coal_queue_stop(struct netfront_queue *q)
{
	/*
	 * napi_disable() waits for the poll's completion, not for the rest
	 * of it, which re-arms the timer: wait for that poll to end (it
	 * runs in softirq, an RCU read side) before cancelling.
	 */
	synchronize_net();
	hrtimer_cancel(&q->coal_timer);
	cancel_work_sync(&q->dim.work);
}

/**
 * netfront_coal_init() - a new device's moderation: none, DIM per module
 * parameter
 * @info: the vif
 */
void netfront_coal_init(struct netfront_info *info)
{
	info->adaptive_rx = adaptive_rx;
}

/* ---- ethtool -c / -C ---- */

int netfront_get_coalesce(struct net_device *dev, struct ethtool_coalesce *ec,
			  struct kernel_ethtool_coalesce *kec,
			  struct netlink_ext_ack *extack)
{
	struct netfront_info *info = netdev_priv(dev);

	ec->rx_coalesce_usecs = info->rx_coal.usecs;
	ec->rx_max_coalesced_frames = info->rx_coal.frames;
	ec->tx_coalesce_usecs = info->tx_coal.usecs;
	ec->tx_max_coalesced_frames = info->tx_coal.frames;
	ec->use_adaptive_rx_coalesce = info->adaptive_rx;
	return 0;
}

static int netfront_coal_check(u32 usecs, u32 frames,
			       struct netlink_ext_ack *extack)
{
	if (usecs > NETFRONT_COAL_USECS_MAX) {
		NL_SET_ERR_MSG(extack, "usecs: at most "
			       __stringify(NETFRONT_COAL_USECS_MAX));
		return -EINVAL;
	}
	if (frames > NETFRONT_COAL_FRAMES_MAX) {
		NL_SET_ERR_MSG(extack, "frames: at most "
			       __stringify(NETFRONT_COAL_FRAMES_MAX));
		return -EINVAL;
	}
	if (frames > 1 && !usecs) {
		NL_SET_ERR_MSG(extack,
			       "frames above 1 need usecs too, the bound on the wait");
		return -EINVAL;
	}
	return 0;
}

int netfront_set_coalesce(struct net_device *dev, struct ethtool_coalesce *ec,
			  struct kernel_ethtool_coalesce *kec,
			  struct netlink_ext_ack *extack)
{
	struct netfront_info *info = netdev_priv(dev);
	bool adaptive = ec->use_adaptive_rx_coalesce;
	unsigned int i;
	int ret;

	ret = netfront_coal_check(ec->rx_coalesce_usecs,
				  ec->rx_max_coalesced_frames, extack);
	if (!ret)
		ret = netfront_coal_check(ec->tx_coalesce_usecs,
					  ec->tx_max_coalesced_frames, extack);
	if (ret)
		return ret;
	info->rx_coal.usecs = ec->rx_coalesce_usecs;
	info->rx_coal.frames = ec->rx_max_coalesced_frames;
	WRITE_ONCE(info->tx_coal.usecs, ec->tx_coalesce_usecs);
	WRITE_ONCE(info->tx_coal.frames, ec->tx_max_coalesced_frames);
	WRITE_ONCE(info->adaptive_rx, adaptive);
	if (!info->rings_ready)
		return 0;
	/* Connected queues: fixed values now, or DIM from its start. */
	for (i = 0; i < info->nr_queues; i++) {
		struct netfront_queue *q = &info->queues[i];

		if (!q->napi_on)
			continue;
		/* A profile DIM is applying: let it finish measuring again. */
		flush_work(&q->dim.work);
		netfront_coal_rx_reset(q);
	}
	return 0;
}
